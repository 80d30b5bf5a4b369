#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One real, unmodified client against a genuine server (root -> intermediate
# -> leaf) and an impostor (another trusted root -> leaf, same names), with
# hostpin loaded through OPENSSL_CONF only.
#
# usage: client_matrix.sh s_client|curl|python|python-sni [ec|rsa]
. "$(dirname "$0")/lib.sh"

CLIENT=${1:?client}
ALG=${2:-ec}
case $CLIENT in
s_client) hp_need openssl ;;
curl) hp_need curl
    hp_curl_usable || hp_skip "curl cannot run under a preloaded ASan runtime" ;;
python | python-sni) hp_need python3 ;;
*) echo "unknown client $CLIENT" >&2; exit 2 ;;
esac

PKI=$HP_WORK/pki
hp_pki "$PKI" "$ALG"
hp_start_servers "$PKI"
LEAF=$(hp_pin_of "$PKI/gleaf.pem")
INTER=$(hp_pin_of "$PKI/ginter.pem")
ROOT=$(hp_pin_of "$PKI/groot.pem")
OUT=$HP_WORK/client.out
DEBUG=$HP_WORK/debug.log

is_ip() { [[ $1 =~ ^[0-9.]+$ || $1 == *:* ]]; }

# run_client HOST PORT: the client's exit status; its output in $OUT.
run_client() {
    local host=$1 port=$2
    case $CLIENT in
    s_client)
        if is_ip "$host"; then
            openssl s_client -connect "127.0.0.1:$port" -noservername \
                -verify_ip "$host" -verify_return_error \
                -CAfile "$PKI/bundle.pem" </dev/null
        else
            openssl s_client -connect "127.0.0.1:$port" -servername "$host" \
                -verify_hostname "$host" -verify_return_error \
                -CAfile "$PKI/bundle.pem" </dev/null
        fi ;;
    curl)
        if is_ip "$host"; then
            curl -sS --max-time 10 --cacert "$PKI/bundle.pem" -o /dev/null \
                "https://$host:$port/"
        else
            curl -sS --max-time 10 --cacert "$PKI/bundle.pem" -o /dev/null \
                --resolve "$host:$port:127.0.0.1" "https://$host:$port/"
        fi ;;
    python) python3 "$HP_SRC/tests/integration/pyclient.py" "$host" "$port" \
        "$PKI/bundle.pem" hostname ;;
    python-sni) python3 "$HP_SRC/tests/integration/pyclient.py" "$host" \
        "$port" "$PKI/bundle.pem" sni ;;
    esac >"$OUT" 2>&1
}

# expect allowed|refused WHICH HOST CNF DESCRIPTION
expect() {
    local want=$1 which=$2 host=$3 cnf=$4 desc=$5 port rc
    port=$GPORT
    [ "$which" = impostor ] && port=$IPORT
    rm -f "$DEBUG"
    OPENSSL_CONF=$cnf HOSTPIN_DEBUG=$DEBUG run_client "$host" "$port"
    rc=$?
    if [ "$want" = allowed ]; then
        if [ $rc -eq 0 ]; then
            hp_pass "$CLIENT $desc: $which allowed"
        else
            hp_fail "$CLIENT $desc: $which should be allowed (rc=$rc)"
            sed 's/^/    /' "$OUT" | tail -n 8
        fi
        return
    fi
    if [ $rc -eq 0 ]; then
        hp_fail "$CLIENT $desc: $which should be refused but was allowed"
    elif ! grep -q "refused: certificate chain does not match the pins for \"" "$DEBUG" 2>/dev/null; then
        hp_fail "$CLIENT $desc: $which refused (rc=$rc) but not by hostpin"
        sed 's/^/    /' "$OUT" | tail -n 8
    else
        hp_pass "$CLIENT $desc: $which refused by hostpin"
    fi
}

# The refusal as the program itself shows it.
expect_message() {
    local pattern=$1 desc=$2
    if grep -q -- "$pattern" "$OUT"; then
        hp_pass "$CLIENT shows the refusal: $desc"
    else
        hp_fail "$CLIENT output lacks '$pattern' ($desc)"
        sed 's/^/    /' "$OUT" | tail -n 8
    fi
}

# scenario NAME HOST-IN-RULE PIN [extra host settings...]: writes its files,
# sets CNF.
scenario() {
    local name=$1 rule_host=$2 pin=$3
    shift 3
    hp_pins "$HP_WORK/$name.conf" "$rule_host" "$pin" "$@"
    hp_cnf "$HP_WORK/$name.cnf" "$HP_WORK/$name.conf"
    CNF=$HP_WORK/$name.cnf
}

for level in leaf inter root; do
    case $level in leaf) pin=$LEAF ;; inter) pin=$INTER ;; root) pin=$ROOT ;; esac
    scenario "$level" pinned.test "$pin"
    expect allowed genuine pinned.test "$CNF" "pinned by $level pin"
    expect refused impostor pinned.test "$CNF" "pinned by $level pin"
done

# What the program shows of a refusal (the last impostor run above).
case $CLIENT in
s_client) expect_message 'certificate chain does not match the pins for "pinned.test"' "error queue names the host" ;;
curl) expect_message 'hostpin' "curl's error names hostpin" ;;
python*) expect_message 'certificate verify failed' "SSLCertVerificationError" ;;
esac
if grep -q "rule $HP_WORK/root.conf:3" "$DEBUG" && grep -q "sha256/$ROOT" "$DEBUG" &&
    grep -q "Impostor Root" "$DEBUG"; then
    hp_pass "$CLIENT refusal names the rule file:line, the chain and the pins"
else
    hp_fail "$CLIENT refusal message incomplete"
    cat "$DEBUG"
fi

scenario sub pinned.test "$INTER" "include_subdomains = true;"
for h in api.pinned.test deep.api.pinned.test PINNED.test; do
    expect allowed genuine "$h" "$CNF" "subdomain rule ($h)"
    expect refused impostor "$h" "$CNF" "subdomain rule ($h)"
done

scenario nosub pinned.test "$INTER"
expect allowed impostor api.pinned.test "$CNF" "rule without include_subdomains, subdomain"

scenario ip 127.0.0.1 "$INTER"
expect allowed genuine 127.0.0.1 "$CNF" "IP rule"
expect refused impostor 127.0.0.1 "$CNF" "IP rule"

scenario report pinned.test "$INTER" 'mode = "report";'
expect allowed genuine pinned.test "$CNF" "report mode"
expect allowed impostor pinned.test "$CNF" "report mode"
if grep -q 'pin mismatch (report only, allowed) for "pinned.test"' "$DEBUG"; then
    hp_pass "$CLIENT report mode logs the mismatch"
else
    hp_fail "$CLIENT report mode did not log the mismatch"
fi

scenario expired pinned.test "$INTER" 'expires = "2020-01-01";'
expect allowed genuine pinned.test "$CNF" "expired rule"
expect allowed impostor pinned.test "$CNF" "expired rule"
grep -q 'expired on 2020-01-01; not enforced' "$DEBUG" &&
    hp_pass "$CLIENT expired rule is logged" ||
    hp_fail "$CLIENT expired rule not logged"

scenario future pinned.test "$INTER" 'expires = "2999-12-31";'
expect refused impostor pinned.test "$CNF" "rule expiring in the future"

scenario unpinned pinned.test "$INTER"
expect allowed genuine free.test "$CNF" "unpinned host"
expect allowed impostor free.test "$CNF" "unpinned host"

# Without hostpin both are reached: the impostor really is trusted.
echo "openssl_conf = openssl_init
[openssl_init]" >"$HP_WORK/plain.cnf"
expect allowed genuine pinned.test "$HP_WORK/plain.cnf" "without hostpin"
expect allowed impostor pinned.test "$HP_WORK/plain.cnf" "without hostpin"

# Not covered by construction, but noticed: with CERT_NONE libssl ignores
# hostpin's refusal, and hostpin says so.  (curl -k loads no trust anchors,
# so no chain is ever built and there is nothing to notice.)
if [ "$CLIENT" = python ]; then
    rm -f "$DEBUG"
    OPENSSL_CONF=$HP_WORK/inter.cnf HOSTPIN_DEBUG=$DEBUG python3 - "$IPORT" "$PKI/bundle.pem" <<'PY' >"$OUT" 2>&1
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as s:
    ctx.wrap_socket(s, server_hostname="pinned.test").close()
PY
    if grep -q '"pinned.test" is pinned but the program turned certificate verification off: libssl ignores this refusal' "$DEBUG"; then
        hp_pass "CERT_NONE to a pinned host: logged as verification turned off"
    else
        hp_fail "CERT_NONE to a pinned host was not logged"
    fi
fi

# Nothing on the program's stdout/stderr by default.
if [[ $CLIENT == python* ]]; then
    OPENSSL_CONF=$HP_WORK/inter.cnf run_client pinned.test "$GPORT"
    if [ -s "$OUT" ]; then
        hp_fail "$CLIENT: hostpin wrote to the program's output"
        cat "$OUT"
    else
        hp_pass "$CLIENT: nothing written to stdout/stderr by default"
    fi
fi

hp_done
