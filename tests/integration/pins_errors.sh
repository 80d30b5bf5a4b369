#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A broken or missing pins file: fail-closed refuses every TLS client
# verification and says which file and line; fail-open allows and logs.
. "$(dirname "$0")/lib.sh"
hp_need openssl curl python3

PKI=$HP_WORK/pki
hp_pki "$PKI"
hp_start_servers "$PKI"
OUT=$HP_WORK/out
DEBUG=$HP_WORK/debug.log

printf 'version = 1;\nhosts = (\n  { host = "pinned.test"; pins = [ "sha256/notbase64" ]; }\n);\n' >"$HP_WORK/broken.conf"
hp_settle "$HP_WORK/broken.conf"
hp_cnf "$HP_WORK/broken.cnf" "$HP_WORK/broken.conf"
hp_cnf "$HP_WORK/missing.cnf" "$HP_WORK/does-not-exist.conf"
hp_cnf "$HP_WORK/open.cnf" "$HP_WORK/broken.conf" fail-open
printf 'version = 1;\nhosts = (\n  { host = pinned.test; pins = [ ] }\n);\n' >"$HP_WORK/syntax.conf"
hp_settle "$HP_WORK/syntax.conf"
hp_cnf "$HP_WORK/syntax.cnf" "$HP_WORK/syntax.conf"

s_client() {
    openssl s_client -connect "127.0.0.1:$1" -servername "$2" -verify_hostname "$2" \
        -verify_return_error -CAfile "$PKI/bundle.pem" </dev/null
}
curl_c() {
    curl -sS --max-time 10 --cacert "$PKI/bundle.pem" -o /dev/null \
        --resolve "$2:$1:127.0.0.1" "https://$2:$1/"
}
python_c() {
    python3 "$HP_SRC/tests/integration/pyclient.py" "$2" "$1" "$PKI/bundle.pem" hostname
}

# refused CNF CLIENT PORT HOST PATTERN DESC
refused() {
    local cnf=$1 client=$2 port=$3 host=$4 pattern=$5 desc=$6
    rm -f "$DEBUG"
    if OPENSSL_CONF=$cnf HOSTPIN_DEBUG=$DEBUG $client "$port" "$host" >"$OUT" 2>&1; then
        hp_fail "$desc: $client to $host allowed"
    elif grep -q -- "$pattern" "$DEBUG" "$OUT"; then
        hp_pass "$desc: $client to $host refused, message names '$pattern'"
    else
        hp_fail "$desc: $client refused but the message lacks '$pattern'"
        cat "$OUT" "$DEBUG" 2>/dev/null | tail -n 6
    fi
}
allowed() {
    local cnf=$1 client=$2 port=$3 host=$4 desc=$5
    if OPENSSL_CONF=$cnf HOSTPIN_DEBUG=$DEBUG $client "$port" "$host" >"$OUT" 2>&1; then
        hp_pass "$desc: $client to $host allowed"
    else
        hp_fail "$desc: $client to $host refused"
        tail -n 5 "$OUT"
    fi
}

CLIENTS=(s_client python_c)
if hp_curl_usable; then CLIENTS+=(curl_c); else echo "note: curl left out under ASan"; fi
for c in "${CLIENTS[@]}"; do
    refused "$HP_WORK/broken.cnf" $c "$GPORT" pinned.test "broken.conf:3: pin \"sha256/notbase64\"" "invalid pin"
    # Every TLS client verification fails, pinned host or not.
    refused "$HP_WORK/broken.cnf" $c "$GPORT" free.test "broken.conf:3" "invalid pin, unpinned host"
    refused "$HP_WORK/syntax.cnf" $c "$GPORT" pinned.test "syntax.conf:3: syntax error" "syntax error"
    refused "$HP_WORK/missing.cnf" $c "$GPORT" pinned.test "does-not-exist.conf: cannot read pins file: No such file or directory" "missing file"
    allowed "$HP_WORK/open.cnf" $c "$GPORT" pinned.test "fail-open"
    allowed "$HP_WORK/open.cnf" $c "$IPORT" pinned.test "fail-open (impostor)"
done
# s_client shows the file and line itself (the error queue).
OPENSSL_CONF=$HP_WORK/broken.cnf s_client "$GPORT" pinned.test >"$OUT" 2>&1
grep -q "pins file unusable.*broken.conf:3" "$OUT" &&
    hp_pass "the program's error queue names the file and line" ||
    { hp_fail "error queue lacks file:line"; cat "$OUT"; }
grep -q "fail-open: nothing is pinned" "$DEBUG" &&
    hp_pass "fail-open logs that nothing is pinned" || hp_fail "fail-open not logged"
# Verification without TLS and without a name is not affected.
OPENSSL_CONF=$HP_WORK/broken.cnf openssl verify -CAfile "$PKI/bundle.pem" \
    -untrusted "$PKI/ginter.pem" "$PKI/gleaf.pem" >"$OUT" 2>&1 &&
    hp_pass "openssl verify without a host is untouched by a broken file" ||
    { hp_fail "openssl verify without a host refused"; cat "$OUT"; }
hp_done
