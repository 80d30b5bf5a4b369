#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# hostpin audit against real servers: a passing host, a failing one, an
# unreachable port, a leaf-only rule, a backup that is the same key as the
# primary, a certificate that expires in 10 days, a rule that expires in 20
# days and a broken chain policy.  The table, the JSON (parsed back), the
# Prometheus textfile (parsed back) and the exit status are each asserted.
# shellcheck source-path=SCRIPTDIR source=lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"
hp_need python3

P=$HP_WORK/pki
hp_pki "$P"
# Leaves for the names audited here (*.audit.test), and a chain whose
# intermediate expires in 10 days.
(
    cd "$P" || exit 1
    printf '%s\n' 'subjectAltName=DNS:*.audit.test' 'basicConstraints=CA:FALSE' \
        'extendedKeyUsage=serverAuth' >audit.ext
    openssl x509 -req -in gleaf.csr -CA ginter.pem -CAkey ginter.key \
        -CAcreateserial -days 30 -extfile audit.ext -out aleaf.pem 2>/dev/null &&
        openssl x509 -req -in ileaf.csr -CA iroot.pem -CAkey iroot.key \
            -CAcreateserial -days 30 -extfile audit.ext -out ialeaf.pem 2>/dev/null &&
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -subj "/O=Genuine/CN=Short Intermediate" -keyout sinter.key \
            -out sinter.csr 2>/dev/null &&
        openssl x509 -req -in sinter.csr -CA groot.pem -CAkey groot.key \
            -CAcreateserial -days 10 -extfile ca.ext -out sinter.pem 2>/dev/null &&
        openssl x509 -req -in gleaf.csr -CA sinter.pem -CAkey sinter.key \
            -CAcreateserial -days 10 -extfile audit.ext -out sleaf.pem 2>/dev/null
) || { echo "could not create the audit certificates" >&2; exit 1; }
hp_server genuine "$P/aleaf.pem" "$P/gleaf.key" -cert_chain "$P/ginter.pem"
GPORT=$HP_PORT
hp_server impostor "$P/ialeaf.pem" "$P/ileaf.key"
IPORT=$HP_PORT
hp_server short "$P/sleaf.pem" "$P/gleaf.key" -cert_chain "$P/sinter.pem"
SPORT=$HP_PORT
CLOSED=$(hp_closed_port)

INTER=$(hp_pin_of "$P/ginter.pem")
ROOT=$(hp_pin_of "$P/groot.pem")
LEAF=$(hp_pin_of "$P/aleaf.pem")
SINTER=$(hp_pin_of "$P/sinter.pem")
SOON=$(date -u -d '+20 days' +%Y-%m-%d)
F=$HP_WORK/pins.conf
hp_pins_text "$F" \
    'version = 1;' \
    'hosts = (' \
    "  { host = \"pass.audit.test\"; pins = [ \"sha256/$INTER\", \"sha256/$ROOT\" ]; }," \
    "  { host = \"fail.audit.test\"; pins = [ \"sha256/$INTER\", \"$HP_ZERO_PIN\" ]; }," \
    "  { host = \"down.audit.test\"; pins = [ \"sha256/$INTER\", \"$HP_ZERO_PIN\" ]; }," \
    "  { host = \"leaf.audit.test\"; pins = [ \"sha256/$LEAF\", \"$HP_ZERO_PIN\" ]; }," \
    "  { host = \"same.audit.test\"; pins = [ \"sha256/$INTER\", \"pin-sha256=\\\"$INTER\\\"\" ]; }," \
    "  { host = \"soon.audit.test\"; pins = [ \"sha256/$SINTER\", \"$HP_ZERO_PIN\" ]; }," \
    "  { host = \"dated.audit.test\"; pins = [ \"sha256/$INTER\", \"sha256/$ROOT\" ];" \
    "    expires = \"$SOON\"; }," \
    "  { host = \"policy.audit.test\"; pins = [ \"sha256/$INTER\", \"sha256/$ROOT\" ];" \
    '    policy = { min_ec_bits = 384; }; }' \
    ');'
# The test certificates live 30 days: thresholds below that.
MAP=(--cafile "$P/bundle.pem" --timeout 5 --warn-days 14 --crit-days 5
     --connect "pass.audit.test=127.0.0.1:$GPORT"
     --connect "fail.audit.test=127.0.0.1:$IPORT"
     --connect "down.audit.test=127.0.0.1:$CLOSED"
     --connect "leaf.audit.test=127.0.0.1:$GPORT"
     --connect "same.audit.test=127.0.0.1:$GPORT"
     --connect "soon.audit.test=127.0.0.1:$SPORT"
     --connect "dated.audit.test=127.0.0.1:$GPORT"
     --connect "policy.audit.test=127.0.0.1:$GPORT")
PROM=$HP_WORK/textfile/hostpin.prom
mkdir -p "$HP_WORK/textfile"

# --- the table -----------------------------------------------------------
hp_run "$HOSTPIN" audit --pins "$F" "${MAP[@]}" --jobs 4 --prometheus "$PROM"
hp_is "every host: exit 2 (critical)" 2 "$RC"
TABLE=$OUT
hp_has "status line first" "$(head -n1 <<<"$TABLE")" \
    "HOSTPIN CRITICAL - 8 hosts: 2 critical, 1 unknown, 4 warning, 1 ok ($F)"
row() { grep "^$1:443 " <<<"$TABLE" | tr -s ' '; }
# A 30-day certificate made in the same second as the audit has 30 days
# left, a second earlier 29: D stands for either.
hp_row() { # DESC EXPECTED(with D) ACTUAL
    if [ "$3" = "${2/%D/29}" ] || [ "$3" = "${2/%D/30}" ]; then
        hp_pass "$1"
    else
        hp_fail "$1: expected '$2', got '$3'"
    fi
}
hp_row "table: passing host" "pass.audit.test:443 OK pass intermediate [1] yes D" \
    "$(row pass.audit.test)"
hp_is "table: failing host" "fail.audit.test:443 CRITICAL fail - yes -" \
    "$(row fail.audit.test)"
hp_is "table: unreachable host is unknown" "down.audit.test:443 UNKNOWN unreachable - yes -" \
    "$(row down.audit.test)"
hp_row "table: leaf-only rule" "leaf.audit.test:443 WARNING pass leaf [0] yes D" \
    "$(row leaf.audit.test)"
hp_row "table: backup equal to the primary" "same.audit.test:443 WARNING pass intermediate [1] same key D" \
    "$(row same.audit.test)"
hp_has "table: certificate expiring in 10 days" "$(row soon.audit.test)" \
    "soon.audit.test:443 WARNING pass intermediate [1] yes"
hp_row "table: policy violation" "policy.audit.test:443 CRITICAL fail intermediate [1] yes D" \
    "$(row policy.audit.test)"
hp_has "finding: pin mismatch" "$TABLE" \
    "fail.audit.test:443: CRITICAL pin-mismatch: no certificate of the built chain has a pinned key: programs using hostpin refuse this server"
hp_has "finding: unreachable, with the reason" "$TABLE" \
    "down.audit.test:443: UNKNOWN unreachable: cannot connect to 127.0.0.1:$CLOSED"
hp_has "finding: leaf only" "$TABLE" \
    "leaf.audit.test:443: WARNING leaf-only: only the leaf's key matches (sha256/$LEAF): the rule breaks when the certificate is renewed"
hp_has "finding: same key twice" "$TABLE" \
    "same.audit.test:443: WARNING no-backup: the rule's 2 pins are all the same key ($F:7)"
hp_has "finding: certificate expiring" "$TABLE" \
    "soon.audit.test:443: WARNING certificate-expiring: the intermediate certificate with the matched key (CN=Short Intermediate, O=Genuine) expires in"
hp_has "finding: rule expiring" "$TABLE" \
    "dated.audit.test:443: WARNING rule-expires-soon: the rule expires on $SOON ($F:9)"
hp_has "finding: chain policy" "$TABLE" \
    "policy.audit.test:443: CRITICAL policy: certificate 0 (CN=pinned.test, O=Genuine) breaks the policy ($F:12): EC key of 256 bits, below min_ec_bits = 384"
hp_lacks "no finding for the passing host" "$TABLE" "pass.audit.test:443: "

# --- the Prometheus textfile ---------------------------------------------
hp_is "textfile: no temporary file left" "hostpin.prom" "$(ls -A "$HP_WORK/textfile")"
hp_is "textfile: readable by the collector" "644" "$(stat -c %a "$PROM")"
PY_PROM=$(cat <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
try:
    from prometheus_client.parser import text_string_to_metric_families
    samples = {}
    for fam in text_string_to_metric_families(text):
        assert fam.type == "gauge", fam.name
        for s in fam.samples:
            samples[(s.name, s.labels.get("host"))] = s.value
    parser = "prometheus_client"
except ImportError:
    # The exposition format by hand: HELP/TYPE before each family, then
    # name{labels} value.
    samples, fams = {}, set()
    for line in text.splitlines():
        m = re.fullmatch(r"# (HELP|TYPE) (\w+) (.+)", line)
        if m:
            fams.add(m.group(2))
            continue
        m = re.fullmatch(r'(\w+)(?:\{(.*)\})? (\S+)', line)
        assert m and m.group(1) in fams, line
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        samples[(m.group(1), labels.get("host"))] = float(m.group(3))
    parser = "by hand"
def v(name, host):
    return samples.get(("hostpin_audit_" + name, host))
want = {
    ("state", "pass.audit.test"): 0, ("passes", "pass.audit.test"): 1,
    ("match_depth", "pass.audit.test"): 1, ("backup_pin", "pass.audit.test"): 1,
    ("leaf_only", "pass.audit.test"): 0, ("reachable", "pass.audit.test"): 1,
    ("state", "fail.audit.test"): 2, ("passes", "fail.audit.test"): 0,
    ("match_depth", "fail.audit.test"): None,
    ("state", "down.audit.test"): 3, ("reachable", "down.audit.test"): 0,
    ("passes", "down.audit.test"): 0,
    ("state", "leaf.audit.test"): 1, ("leaf_only", "leaf.audit.test"): 1,
    ("match_depth", "leaf.audit.test"): 0,
    ("state", "same.audit.test"): 1, ("backup_pin", "same.audit.test"): 0,
    ("state", "soon.audit.test"): 1,
    ("state", "policy.audit.test"): 2, ("policy_violation", "policy.audit.test"): 1,
    ("policy_violation", "pass.audit.test"): 0,
}
bad = ["%s{%s}: %r, want %r" % (k[0], k[1], v(*k), w) for k, w in want.items() if v(*k) != w]
days = v("match_days_left", "soon.audit.test")
if days not in (9, 10):
    bad.append("soon: days left %r" % days)
end = v("match_not_after_seconds", "soon.audit.test")
if end != float(sys.argv[2]):
    bad.append("soon: not after %r, want %s" % (end, sys.argv[2]))
if v("rule_expires_seconds", "dated.audit.test") is None or v("rule_expires_seconds", "pass.audit.test") is not None:
    bad.append("rule_expires_seconds only for the dated rule")
print(parser)
print("\n".join(bad) or "ok")
EOF
)
SEND=$(date -u -d "$(openssl x509 -in "$P/sinter.pem" -noout -enddate | cut -d= -f2)" +%s)
# Debian's python3-prometheus-client (scripts/deps.sh) parses it for real;
# the python3 first on PATH may be another one.
PY=python3
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import prometheus_client' 2>/dev/null; then PY=$p; break; fi
done
hp_run "$PY" -c "$PY_PROM" "$PROM" "$SEND"
hp_is "textfile parses, with the expected values (parser: $(head -n1 <<<"$OUT"))" "ok" "$(tail -n +2 <<<"$OUT")$ERR"
hp_has "textfile: hosts by state" "$(cat "$PROM")" 'hostpin_audit_hosts{state="warning"} 4'

# --- JSON ----------------------------------------------------------------
hp_run "$HOSTPIN" audit --pins "$F" "${MAP[@]}" --json
hp_is "json: exit 2" 2 "$RC"
PY_JSON=$(cat <<'EOF'
import json, sys
d = json.loads(sys.stdin.read())
h = {x["host"]: x for x in d["hosts"]}
bad = []
def want(what, got, exp):
    if got != exp:
        bad.append("%s: %r, want %r" % (what, got, exp))
want("state", d["state"], "critical")
want("exit", d["exit"], 2)
want("counts", d["counts"], {"critical": 2, "unknown": 1, "warning": 4, "ok": 1})
p = h["pass.audit.test"]
want("pass result", (p["state"], p["result"], p["passes"]), ("ok", "pass", True))
want("pass match", (p["match"]["depth"], p["match"]["position"], p["match"]["pin"]),
     (1, "intermediate", "sha256/" + sys.argv[1]))
want("pass backup", (p["backup"], p["leaf_only"], p["findings"]), (True, False, []))
if p["match"]["days_left"] not in (29, 30):
    bad.append("pass days %r" % p["match"]["days_left"])
f = h["fail.audit.test"]
want("fail", (f["state"], f["result"], f["passes"], f["match"]), ("critical", "fail", False, None))
want("fail finding", [x["code"] for x in f["findings"]], ["pin-mismatch"])
u = h["down.audit.test"]
want("down", (u["state"], u["result"], u["passes"], u["address"]), ("unknown", "unreachable", False, "127.0.0.1:" + sys.argv[2]))
l = h["leaf.audit.test"]
want("leaf", (l["state"], l["leaf_only"], l["match"]["position"]), ("warning", True, "leaf"))
want("leaf finding", [x["code"] for x in l["findings"]], ["leaf-only"])
s = h["same.audit.test"]
want("same", (s["backup"], s["backup_same_key"], s["rule"]["pins"], s["rule"]["pins_written"]), (False, True, 1, 2))
want("same finding", [x["code"] for x in s["findings"]], ["no-backup"])
o = h["soon.audit.test"]
want("soon finding", [x["code"] for x in o["findings"]], ["certificate-expiring"])
if o["match"]["days_left"] not in (9, 10):
    bad.append("soon days %r" % o["match"]["days_left"])
t = h["dated.audit.test"]
want("dated", ([x["code"] for x in t["findings"]], t["rule"]["expires"]), (["rule-expires-soon"], sys.argv[3]))
c = h["policy.audit.test"]
want("policy", (c["state"], c["policy_violation"], [x["code"] for x in c["findings"]]), ("critical", True, ["policy"]))
want("chain in json", len(p["chain"]), 3)
print("\n".join(bad) or "ok")
EOF
)
hp_run python3 -c "$PY_JSON" "$INTER" "$CLOSED" "$SOON" <<<"$OUT"
hp_is "json parses, with the expected findings" "ok" "$OUT$ERR"

# --- exit status by worst state; names, --hosts, --connect --------------
aud() { hp_run "$HOSTPIN" audit --pins "$F" "${MAP[@]}" "$@"; }
aud pass.audit.test
hp_is "only a passing host: exit 0" 0 "$RC"
hp_has "only a passing host: status line" "$OUT" "HOSTPIN OK - 1 host: 0 critical, 0 unknown, 0 warning, 1 ok"
aud pass.audit.test leaf.audit.test
hp_is "a warning: exit 1" 1 "$RC"
aud pass.audit.test leaf.audit.test down.audit.test
hp_is "unknown outranks warning: exit 3" 3 "$RC"
aud down.audit.test fail.audit.test
hp_is "critical outranks unknown: exit 2" 2 "$RC"
aud soon.audit.test --warn-days 5 --crit-days 2
hp_is "thresholds: 10 days is fine with --warn-days 5" 0 "$RC"
aud soon.audit.test --warn-days 14 --crit-days 12
hp_is "thresholds: 10 days is critical with --crit-days 12" 2 "$RC"
hp_has "thresholds: critical says so" "$OUT" "CRITICAL certificate-expiring"
aud "dated.audit.test" --expires-days 10
hp_is "--expires-days 10: a rule expiring in 20 days is fine" 0 "$RC"
# A server that accepts and then says nothing: the host is unknown after
# --timeout, and the others are judged meanwhile (the pool goes on).
python3 - "$HP_WORK/silent.port" <<'PYS' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
conns = []
end = time.monotonic() + 60
while time.monotonic() < end:
    s.settimeout(1)
    try:
        conns.append(s.accept()[0])   # held open, never answered
    except socket.timeout:
        pass
PYS
HP_PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$HP_WORK/silent.port" ] && break; sleep 0.05; done
SILENT=$(cat "$HP_WORK/silent.port")
start=$SECONDS
hp_run "$HOSTPIN" audit --pins "$F" --cafile "$P/bundle.pem" --timeout 2 --jobs 2 \
    --connect "pass.audit.test=127.0.0.1:$GPORT" --connect "dated.audit.test=127.0.0.1:$GPORT" \
    --connect "down.audit.test=127.0.0.1:$SILENT" pass.audit.test down.audit.test dated.audit.test
hp_is "a silent server: unknown (exit 3)" 3 "$RC"
hp_has "a silent server: said" "$(tr -s ' ' <<<"$OUT")" "down.audit.test:443 UNKNOWN"
hp_has "a silent server: the others judged" "$OUT" "3 hosts: 0 critical, 1 unknown, 2 warning"
hp_lacks "a silent server: only it unknown" "$(grep -v '^down' <<<"$OUT")" " UNKNOWN unreachable"
[ $((SECONDS - start)) -lt 20 ] && hp_pass "a silent server: bounded by --timeout ($((SECONDS - start)) s)" ||
    hp_fail "a silent server held the audit $((SECONDS - start)) s"
aud other.audit.test
hp_is "a name without a rule: warning" 1 "$RC"
hp_has "a name without a rule: said" "$OUT" "WARNING no-rule: $F has no rule for this name"
printf '%s\n' "# hosts to watch" "pass.audit.test 127.0.0.1:$GPORT" \
    "" "fail.audit.test:$IPORT   # port in the name" >"$HP_WORK/hosts.txt"
hp_run "$HOSTPIN" audit --pins "$F" --cafile "$P/bundle.pem" --hosts "$HP_WORK/hosts.txt" \
    --connect 127.0.0.1 --warn-days 14
hp_is "--hosts FILE: exit 2" 2 "$RC"
hp_has "--hosts FILE: the address given" "$(tr -s ' ' <<<"$OUT")" "pass.audit.test:443 OK pass"
hp_has "--hosts FILE: port from the name" "$OUT" "fail.audit.test:$IPORT"
printf 'pass.audit.test 127.0.0.1 extra\n' >"$HP_WORK/bad-hosts.txt"
hp_expect "--hosts FILE: a bad line" 3 "bad-hosts.txt:1: expected HOST[:PORT] [ADDR[:PORT]]" \
    "$HOSTPIN" audit --pins "$F" --hosts "$HP_WORK/bad-hosts.txt"
hp_expect "usage error: unknown (3)" 3 "--crit-days (40) must not exceed --warn-days (30)" \
    "$HOSTPIN" audit --pins "$F" --crit-days 40
hp_expect "bad --jobs" 3 "--jobs wants a whole number from 1 to 64" \
    "$HOSTPIN" audit --pins "$F" --jobs 0
hp_pins_text "$HP_WORK/bad.conf" 'version = 1;' 'hosts = ( { host = "x.test"; pins = [ "sha256/short=" ]; } );'
hp_expect "broken pins file: critical" 2 "HOSTPIN CRITICAL - the pins file is unusable: $HP_WORK/bad.conf:2" \
    "$HOSTPIN" audit --pins "$HP_WORK/bad.conf"
hp_expect "unwritable --prometheus: unknown" 3 "cannot write $HP_WORK/none/x.prom" \
    "$HOSTPIN" audit --pins "$F" "${MAP[@]}" --prometheus "$HP_WORK/none/x.prom" pass.audit.test

hp_done
