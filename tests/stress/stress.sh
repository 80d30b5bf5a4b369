#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the threaded stress client against a genuine and an impostor
# s_server while it rewrites the pins file.  usage: stress.sh STRESS_BINARY [SECONDS]
. "$HP_SRC/tests/integration/lib.sh"
hp_need openssl
BIN=${1:?stress binary}
SECONDS_RUN=${2:-12}
PKI=$HP_WORK/pki
hp_pki "$PKI"
hp_start_servers "$PKI"
PINS=$HP_WORK/pins.conf
hp_cnf "$HP_WORK/openssl.cnf" "$PINS"
printf 'version = 1;\n' >"$PINS"
OPENSSL_CONF=$HP_WORK/openssl.cnf timeout $((SECONDS_RUN + 60)) \
    "$BIN" "$PKI/bundle.pem" "$GPORT" "$IPORT" "$PINS" \
    "$(hp_pin_of "$PKI/ginter.pem")" "$SECONDS_RUN" 8
rc=$?
[ $rc -eq 0 ] && hp_pass "stress: no impostor while pinned, no genuine refused" ||
    hp_fail "stress (rc=$rc)"
hp_done
