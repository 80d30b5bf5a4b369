#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A pins file caught half-written: a writer saves it in place, line by
# line with pauses of up to 1 s, over and over, while new client processes
# and a long-running client connect to the impostor.  No partial file ever
# takes effect: 0 impostor connections admitted (the counts are printed).
. "$HP_SRC/tests/soundness/lib.sh"
hp_need openssl python3
PKI=$HP_WORK/pki
hp_pki "$PKI"
hp_start_servers "$PKI"
INTER=$(hp_pin_of "$PKI/ginter.pem")
hp_server fresh-impostor "$PKI/ileaf.pem" "$PKI/ileaf.key"
FPORT=$HP_PORT
hp_pins "$HP_WORK/pins.conf" pinned.test "$INTER"
hp_cnf "$HP_WORK/openssl.cnf" "$HP_WORK/pins.conf"
if OPENSSL_CONF=$HP_WORK/openssl.cnf timeout 120 python3 \
    "$HP_SRC/tests/soundness/halfwritten.py" "$HP_WORK/pins.conf" \
    "$HP_WORK/openssl.cnf" "$PKI/bundle.pem" "$GPORT" "$IPORT" "$FPORT" "$INTER" \
    "${HP_HALFWRITTEN_SECONDS:-20}" >"$HP_WORK/out" 2>&1; then
    hp_pass "saved in place while clients connect: $(cat "$HP_WORK/out")"
else
    hp_fail "saved in place while clients connect: $(cat "$HP_WORK/out")"
fi
hp_done
