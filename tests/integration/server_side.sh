#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A TLS server that loads hostpin still accepts client certificates: on a
# server the names are the client's SNI, not a host the server chose.
. "$(dirname "$0")/lib.sh"
hp_need openssl

PKI=$HP_WORK/pki
hp_pki "$PKI"
# The server pins pinned.test (its own SNI name) to the genuine chain and
# requires a client certificate, which comes from the impostor CA.
hp_pins "$HP_WORK/pins.conf" pinned.test "$(hp_pin_of "$PKI/ginter.pem")"
hp_cnf "$HP_WORK/openssl.cnf" "$HP_WORK/pins.conf"

if OPENSSL_CONF=$HP_WORK/openssl.cnf openssl list -providers | grep -q '^  hostpin'; then
    hp_pass "hostpin is active in the server's configuration"
else
    hp_fail "hostpin is not active with the server's configuration"
fi

# -verify_return_error first: OpenSSL 4's s_server makes it also set the
# verify mode, which would drop -Verify's "fail if no certificate".
OPENSSL_CONF=$HP_WORK/openssl.cnf HOSTPIN_DEBUG=$HP_WORK/server-debug.log \
    hp_server mtls "$PKI/gleaf.pem" "$PKI/gleaf.key" -cert_chain "$PKI/ginter.pem" \
    -verify_return_error -Verify 1 -CAfile "$PKI/bundle.pem"

client() {
    openssl s_client -connect "127.0.0.1:$HP_PORT" -servername pinned.test \
        -CAfile "$PKI/bundle.pem" -verify_return_error "$@" </dev/null >"$HP_WORK/out" 2>&1
}

if client -cert "$PKI/ileaf.pem" -key "$PKI/ileaf.key" &&
    grep -q "Verification: OK" "$HP_WORK/out" 2>/dev/null || grep -q "Verify return code: 0" "$HP_WORK/out"; then
    hp_pass "server with hostpin accepts a client certificate sent with a pinned SNI"
else
    hp_fail "server with hostpin refused a valid client certificate"
    tail -n 5 "$HP_WORK/out"
fi
# The server really asks for and checks a certificate: none is refused.
client
sleep 0.2
if grep -q "peer did not return a certificate\|PEER_DID_NOT_RETURN_A_CERTIFICATE" "$HP_WORK/mtls.server.log"; then
    hp_pass "server without a client certificate refuses (verification is on)"
else
    hp_fail "server did not require the client certificate"
    tail -n 5 "$HP_WORK/mtls.server.log"
fi
if grep -q "refused" "$HP_WORK/server-debug.log" 2>/dev/null; then
    hp_fail "hostpin refused something on the server side"
    cat "$HP_WORK/server-debug.log"
else
    hp_pass "hostpin left the server's client verification alone"
fi
hp_done
