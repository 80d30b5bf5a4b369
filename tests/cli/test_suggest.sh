#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# hostpin suggest: real clients (s_client, curl, Python) connect through
# OPENSSL_CONF to hosts in report mode, the module writes its JSON
# reports, and suggest turns them into a pins file that hostpin lint
# accepts and that then admits the genuine server and refuses the
# impostor.  Chains that do not verify, exemptions, reports of enforced
# rules and syslog text are handled as documented.
# shellcheck source-path=SCRIPTDIR source=lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"

P=$HP_WORK/pki
hp_pki "$P"
hp_start_servers "$P"
INTER=$(hp_pin_of "$P/ginter.pem")
ROOT=$(hp_pin_of "$P/groot.pem")
LEAF=$(hp_pin_of "$P/gleaf.pem")
REPORTS=$HP_WORK/reports.jsonl
# Learning: both hosts in report mode, with a placeholder pin that
# matches nothing, so that every connection is reported.
hp_pins_text "$HP_WORK/learn.conf" 'version = 1;' 'mode = "report";' \
    "report = { syslog = false; file = \"$REPORTS\"; };" \
    'hosts = (' \
    "  { host = \"pinned.test\"; pins = [ \"$HP_ZERO_PIN\" ]; }," \
    "  { host = \"api.pinned.test\"; include_subdomains = true; pins = [ \"$HP_ZERO_PIN\" ]; }," \
    "  { host = \"free.test\"; pins = [ \"$HP_ZERO_PIN\" ]; }" \
    ');'
hp_cnf "$HP_WORK/learn.cnf" "$HP_WORK/learn.conf"
export OPENSSL_CONF=$HP_WORK/learn.cnf
sc() { # sc HOST PORT: s_client, verifying the name
    hp_openssl s_client -connect "127.0.0.1:$2" -servername "$1" \
        -verify_hostname "$1" -CAfile "$P/bundle.pem" -verify_return_error \
        </dev/null >/dev/null 2>&1
}
clients=0
sc pinned.test "$GPORT" && clients=$((clients + 1))
sc pinned.test "$GPORT" && clients=$((clients + 1))
sc deep.api.pinned.test "$GPORT" && clients=$((clients + 1))
if hp_cli_curl; then
    curl -sS -o /dev/null --cacert "$P/bundle.pem" \
        --resolve "pinned.test:$GPORT:127.0.0.1" "https://pinned.test:$GPORT/" &&
        clients=$((clients + 1))
fi
python3 "$HP_SRC/tests/integration/pyclient.py" pinned.test "$GPORT" \
    "$P/bundle.pem" hostname && clients=$((clients + 1))
unset OPENSSL_CONF
hp_is "report mode let every client through" "$clients" "$(wc -l <"$REPORTS")"
hp_has "the reports come from the clients" "$(cat "$REPORTS")" '"program":"openssl"'

# --- suggest from the pins file's report file ----------------------------
OUTF=$HP_WORK/proposal.conf
hp_run "$HOSTPIN" suggest --pins "$HP_WORK/learn.conf" --cafile "$P/bundle.pem" -o "$OUTF"
hp_is "suggest: exit 0" 0 "$RC"
hp_has "suggest: summary" "$ERR" "hostpin suggest: 2 hosts proposed from $clients reports; lint: 0 errors, 0 warnings"
PROP=$(cat "$OUTF")
hp_has "proposal: pins the intermediate" "$PROP" "\"sha256/$INTER\","
hp_has "proposal: the leaf as backup candidate" "$PROP" "\"sha256/$LEAF\""
hp_has "proposal: counts and first/last seen" "$PROP" \
    "# intermediate CN=Genuine Intermediate, O=Genuine: in $((clients - 1)) of $((clients - 1)) chains, first seen "
hp_has "proposal: leaf comment" "$PROP" "# leaf CN=pinned.test, O=Genuine (backup candidate"
hp_has "proposal: the root noted, not pinned" "$PROP" \
    "# root CN=Genuine Root, O=Genuine (also seen, not pinned): in"
hp_lacks "proposal: the root is not a pin" "$PROP" "\"sha256/$ROOT\""
hp_has "proposal: include_subdomains kept" "$PROP" 'host = "api.pinned.test";
    include_subdomains = true;'
hp_has "proposal: a host never reported is named" "$PROP" \
    "# free.test ($HP_WORK/learn.conf:7) is in report mode but has no report yet"
hp_has "proposal: enforce" "$PROP" 'mode = "enforce";'
hp_expect "the proposal passes lint" 0 "proposal.conf: valid, 2 hosts, 0 warnings" \
    "$HOSTPIN" lint "$OUTF"
hp_lacks "suggest: no index made for a file that had none" "$ERR" "indexed"
# Written over a file that has an index: the index follows, never stale.
"$HOSTPIN" index "$OUTF" >/dev/null
hp_run "$HOSTPIN" suggest --pins "$HP_WORK/learn.conf" --cafile "$P/bundle.pem" -o "$OUTF"
hp_has "suggest over an indexed file: indexed again" "$ERR" "$OUTF.idx: 2 hosts, indexed"
hp_expect "... and the index is current" 0 "index matches" "$HOSTPIN" index --check "$OUTF"

# Enforced, it admits the genuine server and refuses the impostor.
hp_cnf "$HP_WORK/enforce.cnf" "$OUTF"
for h in pinned.test deep.api.pinned.test; do
    OPENSSL_CONF=$HP_WORK/enforce.cnf sc "$h" "$GPORT"
    hp_is "enforced proposal: genuine server admitted ($h)" 0 $?
    OPENSSL_CONF=$HP_WORK/enforce.cnf hp_run hp_openssl s_client -connect "127.0.0.1:$IPORT" \
        -servername "$h" -verify_hostname "$h" -CAfile "$P/bundle.pem" \
        -verify_return_error </dev/null
    hp_is "enforced proposal: impostor refused ($h)" 1 "$RC"
    hp_has "enforced proposal: refused by the pins ($h)" "$OUT$ERR" "certificate chain does not match the pins"
done
if hp_cli_curl; then
    OPENSSL_CONF=$HP_WORK/enforce.cnf hp_run curl -sS -o /dev/null --cacert "$P/bundle.pem" \
        --resolve "pinned.test:$IPORT:127.0.0.1" "https://pinned.test:$IPORT/"
    hp_is "enforced proposal: curl refuses the impostor" 1 "$([ "$RC" -ne 0 ] && echo 1)"
    hp_has "enforced proposal: curl says why" "$ERR" "hostpin"
fi

# --- standard output; chains that do not verify ---------------------------
hp_run "$HOSTPIN" suggest --pins "$HP_WORK/learn.conf" --cafile "$P/bundle.pem"
hp_is "suggest to stdout: exit 0" 0 "$RC"
hp_is "suggest to stdout: the same proposal" \
    "$(grep -v '^# Pins proposed' "$OUTF" | grep -v 'first seen')" \
    "$(grep -v '^# Pins proposed' <<<"$OUT" | grep -v 'first seen')"
hp_is "suggest to stdout: no temporary file left" "" \
    "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name '.hostpin-suggest.*' -newer "$OUTF" 2>/dev/null)"
# The impostor reached in report mode: its chain is reported too.
OPENSSL_CONF=$HP_WORK/learn.cnf sc pinned.test "$IPORT"
# Trusting only the genuine root, the impostor's chain does not verify:
# left out, and said.
hp_run "$HOSTPIN" suggest --pins "$HP_WORK/learn.conf" --cafile "$P/groot.pem"
hp_is "untrusted chain left out: exit 0" 0 "$RC"
hp_has "untrusted chain left out: said" "$OUT" \
    "# Left out: 1 chain that did not verify, 0 exemptions, 0 reports of enforced rules, 0 unreadable; the last: $REPORTS:$((clients + 1)): the chain for \"pinned.test\" does not verify: self-signed certificate in certificate chain"
hp_lacks "untrusted chain left out: no review note" "$OUT" "REVIEW"
# Trusting both, the chains disagree: the most common CA key is pinned,
# with a note to look before enforcing.
hp_run "$HOSTPIN" suggest --pins "$HP_WORK/learn.conf" --cafile "$P/bundle.pem"
hp_has "chains that disagree: review note" "$OUT" "# REVIEW: no CA key is in every chain"
hp_has "chains that disagree: the genuine intermediate, the most seen" "$OUT" \
    "# intermediate CN=Genuine Intermediate, O=Genuine: in $((clients - 1)) of $clients chains"
hp_has "chains that disagree: the genuine leaf is the backup, though the impostor came last" "$OUT" \
    "\"sha256/$LEAF\""
hp_has "chains that disagree: the impostor's root noted" "$OUT" \
    "# root CN=Impostor Root, O=Impostor (also seen, not pinned): in 1 of $clients chains"

# --- other sources and other reports ---------------------------------------
# syslog text (report = { syslog = true; }): the same reports in other lines.
{
    echo "Dec  1 10:00:00 host sshd[1]: unrelated"
    sed 's/^/Dec  1 10:00:01 host openssl[42]: hostpin-report: /' "$REPORTS"
} >"$HP_WORK/auth.log"
hp_run "$HOSTPIN" suggest --pins "$HP_WORK/learn.conf" --reports "$HP_WORK/auth.log" \
    --cafile "$P/groot.pem"
hp_is "syslog text: exit 0" 0 "$RC"
hp_has "syslog text: the same pins" "$OUT" "\"sha256/$INTER\","
hp_has "syslog text: read as reports" "$ERR" "proposed from $((clients + 1)) reports"
# Exemptions and reports of enforced rules never become pins.
sed -e 's/"outcome":"report-only"/"outcome":"exempt"/' "$REPORTS" >"$HP_WORK/exempt.jsonl"
hp_expect "exemptions only: nothing to propose" 1 "no validated chain of a host in report mode; the last report left out: $HP_WORK/exempt.jsonl:$((clients + 1)): an allowed interception CA's chain" \
    "$HOSTPIN" suggest --reports "$HP_WORK/exempt.jsonl" --pins "$HP_WORK/learn.conf" --cafile "$P/bundle.pem"
sed -e 's/"mode":"report"/"mode":"enforce"/' "$REPORTS" >"$HP_WORK/enforce.jsonl"
hp_expect "enforced rules only: nothing to propose" 1 "a rule in enforce mode" \
    "$HOSTPIN" suggest --reports "$HP_WORK/enforce.jsonl" --pins "$HP_WORK/learn.conf" --cafile "$P/bundle.pem"
printf '{"hostname": 3}\n{not json\n' >"$HP_WORK/junk.jsonl"
hp_expect "unreadable reports: said" 1 "junk.jsonl:2: not a JSON object" \
    "$HOSTPIN" suggest --reports "$HP_WORK/junk.jsonl" --pins "$HP_WORK/learn.conf"
hp_expect "--min-chains" 1 "no host has 100 validated chains yet" \
    "$HOSTPIN" suggest --pins "$HP_WORK/learn.conf" --cafile "$P/bundle.pem" --min-chains 100
hp_pins "$HP_WORK/noreport.conf" pinned.test "$INTER"
hp_expect "a pins file without a report file" 1 "writes no report file" \
    "$HOSTPIN" suggest --pins "$HP_WORK/noreport.conf"
hp_expect "a missing reports file" 1 "cannot read $HP_WORK/none.jsonl" \
    "$HOSTPIN" suggest --pins "$HP_WORK/learn.conf" --reports "$HP_WORK/none.jsonl"
hp_expect "usage: an argument" 64 "unexpected argument 'x'" "$HOSTPIN" suggest x

hp_done
