#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Policy beyond pins, with real servers: key sizes, signature hashes, deny
# pins, an interception allow-list, JSON reports and drop-in files.
. "$HP_SRC/tests/integration/lib.sh"
hp_need openssl python3
OUT=$HP_WORK/out
DEBUG=$HP_WORK/debug.log

# conn CNF PORT HOST [extra s_client args]: s_client's exit status.
conn() {
    local cnf=$1 port=$2 host=$3
    shift 3
    rm -f "$DEBUG"
    OPENSSL_CONF=$cnf HOSTPIN_DEBUG=$DEBUG openssl s_client -connect "127.0.0.1:$port" \
        -servername "$host" -verify_hostname "$host" -verify_return_error \
        -CAfile "$PKI/bundle.pem" "$@" </dev/null >"$OUT" 2>&1
}
expect() { # allowed|refused DESC PATTERN CNF PORT HOST [args]
    local want=$1 desc=$2 pattern=$3
    shift 3
    conn "$@"
    local rc=$?
    if [ "$want" = allowed ] && [ $rc -eq 0 ]; then
        hp_pass "$desc: allowed"
    elif [ "$want" = refused ] && [ $rc -ne 0 ] && grep -q -- "$pattern" "$OUT"; then
        hp_pass "$desc: refused, '$pattern'"
    else
        hp_fail "$desc: expected $want (rc=$rc)"
        grep -i "hostpin\|verify error\|error:" "$OUT" | head -n 4
    fi
}
conf() { # NAME TEXT: a pins file and its openssl.cnf; sets CNF
    printf '%s\n' "$2" >"$HP_WORK/$1.conf"
    hp_settle "$HP_WORK/$1.conf"
    hp_cnf "$HP_WORK/$1.cnf" "$HP_WORK/$1.conf"
    CNF=$HP_WORK/$1.cnf
}

# --- RSA-2048 chain against min_rsa_bits -------------------------------
PKI=$HP_WORK/rsa
hp_pki "$PKI" rsa
hp_start_servers "$PKI"
INTER=$(hp_pin_of "$PKI/ginter.pem")
conf rsa3072 "version = 1;
hosts = ( { host = \"pinned.test\"; pins = [ \"sha256/$INTER\" ];
            policy = { min_rsa_bits = 3072; }; } );"
expect refused "RSA-2048 chain, min_rsa_bits = 3072" \
    'breaks the policy for "pinned.test" (policy .*rsa3072.conf:3, mode enforce): certificate \[0\] RSA key of 2048 bits, below min_rsa_bits = 3072' \
    "$CNF" "$GPORT" pinned.test
conf rsa2048 "version = 1;
policy = { min_rsa_bits = 2048; min_signature_hash = \"sha256\"; require_ca_constraints = true; };
hosts = ( { host = \"pinned.test\"; pins = [ \"sha256/$INTER\" ]; } );"
expect allowed "RSA-2048 chain, top-level min_rsa_bits = 2048" "" "$CNF" "$GPORT" pinned.test
conf rsamode "version = 1;
hosts = ( { host = \"pinned.test\"; pins = [ \"sha256/$INTER\" ]; mode = \"report\";
            policy = { min_rsa_bits = 4096; }; } );"
expect allowed "policy violation in report mode" "" "$CNF" "$GPORT" pinned.test
grep -q "policy violation (report only, allowed)" "$DEBUG" &&
    hp_pass "report mode logs the policy violation" || hp_fail "report mode: not logged"

# --- a SHA-1 signed intermediate ---------------------------------------
PKI=$HP_WORK/sha1
hp_pki "$PKI"
(cd "$PKI" && openssl x509 -req -sha1 -in ginter.csr -CA groot.pem -CAkey groot.key \
    -CAcreateserial -days 30 -extfile ca.ext -out ginter.pem 2>/dev/null &&
    openssl x509 -req -in gleaf.csr -CA ginter.pem -CAkey ginter.key -CAcreateserial \
        -days 30 -extfile leaf.ext -out gleaf.pem 2>/dev/null) || exit 1
hp_server sha1 "$PKI/gleaf.pem" "$PKI/gleaf.key" -cert_chain "$PKI/ginter.pem" \
    -cipher "DEFAULT:@SECLEVEL=0"
SPORT=$HP_PORT
INTER=$(hp_pin_of "$PKI/ginter.pem")
conf sha1ok "version = 1;
hosts = ( { host = \"pinned.test\"; pins = [ \"sha256/$INTER\" ]; } );"
# -auth_level 0: OpenSSL itself would already refuse SHA-1 at level 1.
expect allowed "SHA-1 signed intermediate, no policy (auth level 0)" "" "$CNF" "$SPORT" pinned.test -auth_level 0
conf sha1 "version = 1;
policy = { min_signature_hash = \"sha256\"; };
hosts = ( { host = \"pinned.test\"; pins = [ \"sha256/$INTER\" ]; } );"
expect refused "SHA-1 signed intermediate, min_signature_hash = sha256" \
    'certificate \[1\] signed with SHA-1, below min_signature_hash = "sha256"' \
    "$CNF" "$SPORT" pinned.test -auth_level 0

# --- deny pins, interception allow-list --------------------------------
PKI=$HP_WORK/ec
hp_pki "$PKI"
hp_start_servers "$PKI"
INTER=$(hp_pin_of "$PKI/ginter.pem")
IROOT=$(hp_pin_of "$PKI/iroot.pem")
conf deny "version = 1;
deny = [ \"sha256/$IROOT\" ];
hosts = ( { host = \"pinned.test\"; pins = [ \"sha256/$INTER\" ]; } );"
expect refused "global deny of the impostor's root, unpinned host" \
    'contains a denied key for "free.test" (deny .*deny.conf:2, mode enforce): certificate \[1\] its public key is denied' \
    "$CNF" "$IPORT" free.test
expect allowed "global deny, genuine server, unpinned host" "" "$CNF" "$GPORT" free.test
conf denyreport "version = 1;
mode = \"report\";
deny = [ \"sha256/$IROOT\" ];"
expect allowed "global deny in report mode" "" "$CNF" "$IPORT" free.test
conf hostdeny "version = 1;
hosts = ( { host = \"pinned.test\"; pins = [ \"sha256/$IROOT\" ];
            deny = [ \"sha256/$(hp_pin_of "$PKI/ileaf.pem")\" ]; } );"
expect refused "host deny beats a matching pin" 'contains a denied key for "pinned.test"' \
    "$CNF" "$IPORT" pinned.test
conf intercept "version = 1;
allow_interception = [ \"sha256/$IROOT\" ];
hosts = ( { host = \"pinned.test\"; pins = [ \"sha256/$INTER\" ]; } );"
expect allowed "allowed interception anchor, pinned host" "" "$CNF" "$IPORT" pinned.test
grep -q "interception CA sha256/$IROOT (allow_interception) exempts \"pinned.test\" from its pins" "$DEBUG" &&
    hp_pass "the exemption is logged" || { hp_fail "exemption not logged"; cat "$DEBUG"; }
conf interceptdeny "version = 1;
allow_interception = [ \"sha256/$IROOT\" ];
deny = [ \"sha256/$IROOT\" ];
hosts = ( { host = \"pinned.test\"; pins = [ \"sha256/$INTER\" ]; } );"
expect refused "interception anchor that is also denied" 'contains a denied key' "$CNF" "$IPORT" pinned.test

# --- JSON reports, rate-limited per host and reason --------------------
conf report "version = 1;
report = { syslog = false; file = \"$HP_WORK/reports.jsonl\"; };
hosts = ( { host = \"pinned.test\"; pins = [ \"sha256/$INTER\" ]; expires = \"2999-01-01\"; } );"
OPENSSL_CONF=$CNF python3 - "$IPORT" "$GPORT" "$PKI/bundle.pem" <<'PY' >"$OUT" 2>&1
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[3])
for port in (sys.argv[1], sys.argv[1], sys.argv[2]):   # two refusals, one success
    with socket.create_connection(("127.0.0.1", int(port))) as s:
        try:
            with ctx.wrap_socket(s, server_hostname="pinned.test"):
                print("ok")
        except ssl.SSLError:
            print("refused")
PY
if [ "$(tr '\n' ' ' <"$OUT")" = "refused refused ok " ]; then
    hp_pass "report client: two refusals and one success"
else
    hp_fail "report client: $(cat "$OUT")"
fi
python3 - "$HP_WORK/reports.jsonl" "$IPORT" "$HP_WORK/report.conf" <<'PY' >"$OUT" 2>&1
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, f"{len(lines)} report lines, expected 1"
r = json.loads(lines[0])
for k in ("date-time", "hostname", "port", "effective-expiration-date",
          "include-subdomains", "noted-hostname", "served-certificate-chain",
          "validated-certificate-chain", "known-pins", "program", "pid",
          "rule", "mode"):
    assert k in r, f"field {k} missing"
assert r["hostname"] == "pinned.test" and r["noted-hostname"] == "pinned.test"
assert r["port"] == int(sys.argv[2]), r["port"]
assert r["effective-expiration-date"].startswith("2999-01-02T00:00:00"), r["effective-expiration-date"]
assert r["include-subdomains"] is False
assert r["served-certificate-chain"][0].startswith("-----BEGIN CERTIFICATE-----")
assert len(r["validated-certificate-chain"]) == 2
assert all(p.startswith('pin-sha256="') for p in r["known-pins"]) and len(r["known-pins"]) == 1
assert r["rule"] == sys.argv[3] + ":3", r["rule"]
assert r["mode"] == "enforce" and r["program"].startswith("python")
print("report ok")
PY
if grep -q "report ok" "$OUT"; then
    hp_pass "one JSON report line with the RFC 7469 fields; the repeat within 10 minutes wrote none"
else
    hp_fail "JSON report: $(cat "$OUT")"
fi
# An unwritable report file falls back to syslog and never blocks the handshake.
conf badreport "version = 1;
report = { syslog = false; file = \"/nonexistent/dir/r.jsonl\"; };
hosts = ( { host = \"pinned.test\"; pins = [ \"sha256/$INTER\" ]; } );"
expect refused "report file cannot be written: refusal unchanged" 'does not match the pins' "$CNF" "$IPORT" pinned.test
expect allowed "report file cannot be written: genuine unaffected" "" "$CNF" "$GPORT" pinned.test

# --- drop-in files ------------------------------------------------------
mkdir -p "$HP_WORK/pins.d"
printf 'hosts = ( { host = "pinned.test"; pins = [ "sha256/%s" ]; } );\n' "$INTER" >"$HP_WORK/pins.d/10-team-a.conf"
hp_settle "$HP_WORK/pins.d/10-team-a.conf"
printf 'version = 1;\nhosts = ( { host = "other.test"; pins = [ "sha256/%s" ]; } );\n' "$INTER" >"$HP_WORK/pins.d/20-team-b.conf"
hp_settle "$HP_WORK/pins.d/20-team-b.conf"
echo 'not a conf' >"$HP_WORK/pins.d/README"
conf dropin "version = 1;
include_dir = \"pins.d\";"
expect refused "host defined only in pins.d, impostor" 'rule .*pins.d/10-team-a.conf:1' "$CNF" "$IPORT" pinned.test
expect allowed "host defined only in pins.d, genuine" "" "$CNF" "$GPORT" pinned.test
printf '\n\nhosts = ( { host = "PINNED.test"; pins = [ "sha256/%s" ]; } );\n' "$INTER" >"$HP_WORK/pins.d/30-team-c.conf"
hp_settle "$HP_WORK/pins.d/30-team-c.conf"
expect refused "a host in two drop-ins" \
    "pins.d/30-team-c.conf:3: host \"pinned.test\" is also defined in .*pins.d/10-team-a.conf:1" \
    "$CNF" "$GPORT" pinned.test
rm "$HP_WORK/pins.d/30-team-c.conf"
printf 'mode = "report";\n' >"$HP_WORK/pins.d/40-bad.conf"
hp_settle "$HP_WORK/pins.d/40-bad.conf"
expect refused "a drop-in with a top-level setting" "40-bad.conf:1: 'mode' is not allowed in a drop-in file" \
    "$CNF" "$GPORT" pinned.test
hp_done
