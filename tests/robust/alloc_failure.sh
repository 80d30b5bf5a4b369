#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every allocation along a verification of a pinned host's impostor chain
# fails in turn: the verification must fail, never succeed, and leak nothing.
. "$HP_SRC/tests/integration/lib.sh"
PROG=${1:?verify_prog}
PKI=$HP_WORK/pki
hp_pki "$PKI"
hp_pins "$HP_WORK/pins.conf" pinned.test "$(hp_pin_of "$PKI/ginter.pem")"
hp_cnf "$HP_WORK/openssl.cnf" "$HP_WORK/pins.conf"
for host in pinned.test api.pinned.test; do
    [ "$host" = api.pinned.test ] &&
        hp_pins "$HP_WORK/pins.conf" pinned.test "$(hp_pin_of "$PKI/ginter.pem")" "include_subdomains = true;"
    if "$PROG" oom "$HP_WORK/openssl.cnf" "$PKI/bundle.pem" "$PKI/ginter.pem" \
        "$PKI/gleaf.pem" "$PKI/ileaf.pem" "$host" >"$HP_WORK/out" 2>&1; then
        hp_pass "$host: $(tail -n1 "$HP_WORK/out")"
    else
        hp_fail "$host: allocation failure run"
        cat "$HP_WORK/out"
    fi
done
hp_done
