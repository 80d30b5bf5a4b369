#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `openssl verify -verify_hostname` is pinned; `openssl verify` without a
# host (S/MIME-like use, no TLS) is untouched.
. "$(dirname "$0")/lib.sh"
hp_need openssl

PKI=$HP_WORK/pki
hp_pki "$PKI"
hp_pins "$HP_WORK/pins.conf" pinned.test "$(hp_pin_of "$PKI/groot.pem")"
hp_cnf "$HP_WORK/openssl.cnf" "$HP_WORK/pins.conf"
export OPENSSL_CONF=$HP_WORK/openssl.cnf

verify() {
    openssl verify -CAfile "$PKI/bundle.pem" -untrusted "$PKI/ginter.pem" "$@" >"$HP_WORK/out" 2>&1
}

verify -verify_hostname pinned.test "$PKI/gleaf.pem" &&
    hp_pass "verify -verify_hostname: genuine OK" ||
    { hp_fail "verify -verify_hostname: genuine refused"; cat "$HP_WORK/out"; }
if verify -verify_hostname pinned.test "$PKI/ileaf.pem"; then
    hp_fail "verify -verify_hostname: impostor accepted"
elif grep -q 'does not match the pins for "pinned.test"' "$HP_WORK/out"; then
    hp_pass "verify -verify_hostname: impostor refused by hostpin"
else
    hp_fail "verify -verify_hostname: impostor refused without hostpin's message"
    cat "$HP_WORK/out"
fi
verify -verify_ip 127.0.0.1 "$PKI/ileaf.pem" &&
    hp_pass "verify -verify_ip of an unpinned address: impostor OK" ||
    { hp_fail "verify -verify_ip: unpinned address refused"; cat "$HP_WORK/out"; }
verify "$PKI/gleaf.pem" && hp_pass "verify without a host: genuine OK" ||
    hp_fail "verify without a host: genuine refused"
verify "$PKI/ileaf.pem" && hp_pass "verify without a host: impostor untouched" ||
    { hp_fail "verify without a host: impostor refused"; cat "$HP_WORK/out"; }

# A verify callback cannot turn a pin failure into success: -verify_return_error
# off is s_client's "continue on errors" callback.
hp_start_servers "$PKI"
openssl s_client -connect "127.0.0.1:$IPORT" -servername pinned.test \
    -verify_hostname pinned.test -CAfile "$PKI/bundle.pem" </dev/null >"$HP_WORK/out" 2>&1
if grep -q "Verify return code: 50 (application verification failure)" "$HP_WORK/out"; then
    hp_pass "a permissive verify callback still sees the pin failure"
else
    hp_fail "pin failure lost with a permissive verify callback"
    grep "Verify return code" "$HP_WORK/out"
fi
hp_done
