#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Raw public keys (RFC 7250, OpenSSL 3.2 and later): the server sends its
# bare key, libssl verifies a context with no chain, and hostpin pins the
# key's own SPKI (X509_STORE_CTX_get0_rpk).  s_client trusts the key
# through DANE (a "3 1 1" TLSA record of that very key), so the only thing
# that can refuse it is hostpin.  Skipped before 3.2.
# shellcheck source-path=SCRIPTDIR source=../cli/lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"

[ -f "$HP_MODULES/hostpin.so" ] || {
    echo "the module is not built: $HP_MODULES/hostpin.so" >&2
    exit 1
}
if ! openssl s_client -help 2>&1 | grep -q -- '-enable_server_rpk'; then
    hp_skip "$(openssl version): no raw public keys (they came in 3.2)"
fi
P=$HP_WORK/pki
hp_pki "$P"
# Servers that offer their raw key (and, to clients that do not ask for
# one, the certificate).
hp_server genuine "$P/gleaf.pem" "$P/gleaf.key" -enable_server_rpk
GPORT=$HP_PORT
hp_server impostor "$P/ileaf.pem" "$P/ileaf.key" -enable_server_rpk
IPORT=$HP_PORT

# The pin of a key, by the classic pipeline on its public half, and the
# same from `hostpin pin`.
key_pin() {
    openssl pkey -in "$1" -pubout -outform der | openssl dgst -sha256 -binary |
        openssl base64 -A
}
key_hex() {
    openssl pkey -in "$1" -pubout -outform der | openssl dgst -sha256 -r |
        cut -d' ' -f1
}
GPIN=$(key_pin "$P/gleaf.key")
hp_run "$HOSTPIN" pin -q "$P/gleaf.key"
hp_is "hostpin pin of the server key = the pipeline's pin" "sha256/$GPIN" "$OUT"
hp_pins "$HP_WORK/pins.conf" pinned.test "$GPIN"
hp_cnf "$HP_WORK/on.cnf" "$HP_WORK/pins.conf"
printf 'openssl_conf = openssl_init\n[openssl_init]\n' >"$HP_WORK/off.cnf"

# rpk CNF PORT KEY: s_client asking for a raw key and trusting KEY (DANE).
rpk() {
    OPENSSL_CONF=$1 hp_run hp_openssl s_client -connect "127.0.0.1:$2" \
        -servername pinned.test -enable_server_rpk \
        -dane_tlsa_domain pinned.test -dane_tlsa_rrdata "3 1 1 $(key_hex "$3")" \
        -verify_return_error </dev/null
}

rpk "$HP_WORK/off.cnf" "$IPORT" "$P/ileaf.key"
hp_is "without hostpin: the impostor's raw key is accepted (DANE)" 0 "$RC"
hp_has "a raw public key was negotiated" "$OUT" "Server raw public key"
rpk "$HP_WORK/on.cnf" "$GPORT" "$P/gleaf.key"
hp_is "pinned: the genuine server's raw key is accepted" 0 "$RC"
hp_has "pinned: verified" "$OUT" "Verification: OK"
rpk "$HP_WORK/on.cnf" "$IPORT" "$P/ileaf.key"
hp_is "pinned: the impostor's raw key is refused" 1 "$RC"
hp_has "pinned: refused by hostpin" "$OUT$ERR" \
    'certificate chain does not match the pins for "pinned.test"'
hp_has "pinned: the message shows the raw key" "$OUT$ERR" "(raw public key)"

# Pinned by another key than the server's: the genuine server is refused
# too (the rule is about keys, not about who the server is).
hp_pins "$HP_WORK/other.conf" pinned.test "$(key_pin "$P/ginter.key")"
hp_cnf "$HP_WORK/other.cnf" "$HP_WORK/other.conf"
rpk "$HP_WORK/other.cnf" "$GPORT" "$P/gleaf.key"
hp_is "pinned to another key: the genuine raw key is refused" 1 "$RC"

# A client that does not ask for raw keys still gets, and pins, the chain.
OPENSSL_CONF=$HP_WORK/on.cnf hp_run hp_openssl s_client -connect "127.0.0.1:$IPORT" \
    -servername pinned.test -verify_hostname pinned.test \
    -CAfile "$P/bundle.pem" -verify_return_error </dev/null
hp_is "certificates as usual: the impostor's chain is refused" 1 "$RC"
hp_done
