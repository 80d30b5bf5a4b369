#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# valgrind memcheck with the provider loaded: a program doing 1,000
# verifications (memory must stay flat, no leak, no invalid access), the
# allocation-failure sweep, and real s_client runs to a genuine and an
# impostor server.
. "$HP_SRC/tests/integration/lib.sh"
PROG=${1:?verify_prog}
hp_need valgrind openssl
[[ ${LD_PRELOAD:-} == *libasan* ]] && hp_skip "valgrind and ASan do not mix"
PKI=$HP_WORK/pki
hp_pki "$PKI"
hp_pins "$HP_WORK/pins.conf" pinned.test "$(hp_pin_of "$PKI/ginter.pem")"
hp_cnf "$HP_WORK/openssl.cnf" "$HP_WORK/pins.conf"
VG=(valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite
    --error-exitcode=3 --track-fds=no)
ARGS=("$HP_WORK/openssl.cnf" "$PKI/bundle.pem" "$PKI/ginter.pem" "$PKI/gleaf.pem"
      "$PKI/ileaf.pem" pinned.test)

# memcheck LOG DESC CMD...: no error of any kind, no definite leak.
memcheck() {
    local log=$1 desc=$2
    shift 2
    "${VG[@]}" --log-file="$log" "$@" >"$HP_WORK/out" 2>&1
    local rc=$?
    if [ $rc -eq 3 ]; then
        hp_fail "$desc: valgrind found errors"
        grep -A12 "Invalid\|uninitialised\|definitely lost in" "$log" | head -40
    elif grep -q "ERROR SUMMARY: 0 errors" "$log"; then
        hp_pass "$desc: no invalid access, no leak ($(grep -o 'definitely lost: [0-9,]* bytes' "$log" | head -n1 || echo 'definitely lost: 0'))"
    else
        hp_fail "$desc: valgrind did not finish cleanly (rc=$rc)"
        tail -n 5 "$log"
    fi
    return 0
}

memcheck "$HP_WORK/vg-loop.log" "1,000 verifications" "$PROG" loop "${ARGS[@]}" 1000
# Memory flatness without valgrind, where resident memory is the
# program's own.  20,000 verifications: a leak of 16 bytes each would pass 256 kB.
"$PROG" loop "${ARGS[@]}" 20000 >"$HP_WORK/out" 2>&1
line=$(grep "verifications; resident" "$HP_WORK/out")
early=$(echo "$line" | sed 's/.* \([0-9]*\) kB after.*/\1/')
late=$(echo "$line" | sed 's/.* \([0-9]*\) kB at the end/\1/')
if [ -n "$early" ] && [ -n "$late" ] && [ $((late - early)) -le 256 ]; then
    hp_pass "memory flat over 20,000 verifications ($early kB -> $late kB)"
else
    hp_fail "memory grew over 20,000 verifications: $line"
fi
memcheck "$HP_WORK/vg-oom.log" "allocation-failure sweep" "$PROG" oom "${ARGS[@]}"

hp_start_servers "$PKI"
for which in genuine impostor; do
    port=$GPORT
    [ $which = impostor ] && port=$IPORT
    OPENSSL_CONF=$HP_WORK/openssl.cnf memcheck "$HP_WORK/vg-$which.log" \
        "s_client to the $which server" openssl s_client -connect "127.0.0.1:$port" \
        -servername pinned.test -verify_hostname pinned.test -verify_return_error \
        -CAfile "$PKI/bundle.pem"
done
hp_done
