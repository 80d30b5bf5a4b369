#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# In a setuid program no environment variable changes hostpin's behaviour:
# HOSTPIN_DEBUG is honoured by an ordinary program and ignored by the same
# program installed setuid.  (OPENSSL_CONF itself is ignored by OpenSSL in
# such programs, so the program names its configuration on its command line.)
. "$HP_SRC/tests/integration/lib.sh"
PROG=${1:?verify_prog}
hp_need setpriv
[ "$(id -u)" -eq 0 ] || hp_skip "needs root to install a setuid program"
id nobody >/dev/null 2>&1 || hp_skip "no user 'nobody'"
[[ ${LD_PRELOAD:-} == *libasan* ]] && hp_skip "LD_PRELOAD is dropped for setuid programs"
case $(findmnt -no OPTIONS -T "$HP_WORK" 2>/dev/null) in
*nosuid*) hp_skip "$HP_WORK is mounted nosuid" ;;
esac
setpriv --reuid=nobody --regid=nogroup --clear-groups test -r "$HP_MODULES/hostpin.so" ||
    hp_skip "the module is not readable by nobody here"
PKI=$HP_WORK/pki
hp_pki "$PKI"
chmod 755 "$HP_WORK"
chmod -R a+rX "$PKI"
hp_pins "$HP_WORK/pins.conf" pinned.test "$(hp_pin_of "$PKI/ginter.pem")"
hp_cnf "$HP_WORK/openssl.cnf" "$HP_WORK/pins.conf"
chmod a+r "$HP_WORK/pins.conf" "$HP_WORK/openssl.cnf"
mkdir -m 1777 "$HP_WORK/logs"
cp "$PROG" "$HP_WORK/plain-prog"
cp "$PROG" "$HP_WORK/suid-prog"
chmod 755 "$HP_WORK/plain-prog"
chmod 4755 "$HP_WORK/suid-prog"

run() { # PROGRAM LOGFILE
    HOSTPIN_DEBUG=$2 setpriv --reuid=nobody --regid=nogroup --clear-groups "$1" once \
        "$HP_WORK/openssl.cnf" "$PKI/bundle.pem" "$PKI/ginter.pem" "$PKI/gleaf.pem" \
        "$PKI/ileaf.pem" pinned.test >"$HP_WORK/out" 2>&1
}
if run "$HP_WORK/plain-prog" "$HP_WORK/logs/plain.log" && grep -q "refused:" "$HP_WORK/logs/plain.log"; then
    hp_pass "ordinary program: pinned, and HOSTPIN_DEBUG honoured"
else
    hp_fail "ordinary program did not log with HOSTPIN_DEBUG set"
    cat "$HP_WORK/out"
fi
if run "$HP_WORK/suid-prog" "$HP_WORK/logs/suid.log"; then
    if [ -e "$HP_WORK/logs/suid.log" ]; then
        hp_fail "setuid program: HOSTPIN_DEBUG was honoured"
    else
        hp_pass "setuid program: pinned, and HOSTPIN_DEBUG ignored"
    fi
else
    hp_fail "setuid program: verification results wrong"
    cat "$HP_WORK/out"
fi
hp_done
