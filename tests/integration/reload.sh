#!/usr/bin/env bash
# A long-running program picks up pins-file changes; invalid edits are
# logged once and change nothing.
. "$(dirname "$0")/lib.sh"
hp_need python3
PKI=$HP_WORK/pki
hp_pki "$PKI"
hp_start_servers "$PKI"
hp_cnf "$HP_WORK/openssl.cnf" "$HP_WORK/pins.conf"
OPENSSL_CONF=$HP_WORK/openssl.cnf HOSTPIN_DEBUG=$HP_WORK/debug.log \
    timeout 120 python3 "$HP_SRC/tests/integration/reload.py" "$GPORT" "$IPORT" \
    "$PKI/bundle.pem" "$HP_WORK/pins.conf" "$(hp_pin_of "$PKI/ginter.pem")" \
    "$(hp_pin_of "$PKI/iroot.pem")" && hp_pass "reload scenario" || hp_fail "reload scenario"
n=$(grep -c "\"x\" of host \"pinned.test\".*previous pins stay in force" "$HP_WORK/debug.log")
[ "$n" = 1 ] && hp_pass "an invalid edit is logged once (file:line and reason)" ||
    { hp_fail "invalid edit logged $n times"; cat "$HP_WORK/debug.log"; }
grep -q "pins.conf: cannot read pins file: No such file or directory; the previous pins stay in force" "$HP_WORK/debug.log" &&
    hp_pass "a removed file is logged and the previous pins stay" ||
    hp_fail "removed file not logged"
hp_done
