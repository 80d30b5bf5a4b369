#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The compiled index end to end: `hostpin index` writes it, an unmodified
# `openssl verify` (through the module) decides from it exactly as from the
# parsed file, and an edit of the pins file makes the module parse again
# until the index is rewritten.
. "$HP_SRC/tests/integration/lib.sh"
hp_need openssl

PKI=$HP_WORK/pki
hp_pki "$PKI"
PINS=$HP_WORK/pins.conf
hp_pins "$PINS" pinned.test "$(hp_pin_of "$PKI/groot.pem")"
hp_cnf "$HP_WORK/openssl.cnf" "$PINS"
export OPENSSL_CONF=$HP_WORK/openssl.cnf

verify() {
    openssl verify -CAfile "$PKI/bundle.pem" -untrusted "$PKI/ginter.pem" \
        -verify_hostname pinned.test "$1" >"$HP_WORK/out" 2>&1
}

# decide CASE: the genuine chain passes, the impostor is refused by hostpin.
decide() {
    verify "$PKI/gleaf.pem" && hp_pass "$1: genuine OK" ||
        { hp_fail "$1: genuine refused"; cat "$HP_WORK/out"; }
    if verify "$PKI/ileaf.pem"; then
        hp_fail "$1: impostor accepted"
    elif grep -q "does not match the pins for \"pinned.test\" (rule $PINS:3" \
        "$HP_WORK/out"; then
        hp_pass "$1: impostor refused, rule named by file:line"
    else
        hp_fail "$1: impostor refused without hostpin's message"
        cat "$HP_WORK/out"
    fi
}

"$HP_BIN/hostpin" index "$PINS" >"$HP_WORK/idx.out" 2>&1 &&
    grep -q "1 hosts from" "$HP_WORK/idx.out" &&
    hp_pass "hostpin index: written" ||
    { hp_fail "hostpin index failed"; cat "$HP_WORK/idx.out"; }
"$HP_BIN/hostpin" index --check "$PINS" >/dev/null &&
    hp_pass "hostpin index --check: current" ||
    hp_fail "hostpin index --check: not current"
decide "from the index"

# An edit (a comment: same rules) makes the index stale; the module parses.
echo "# edited" >>"$PINS"
"$HP_BIN/hostpin" index --check "$PINS" >"$HP_WORK/chk.out" 2>&1 &&
    hp_fail "index --check after an edit: still current" ||
    { grep -q "changed since the index was written" "$HP_WORK/chk.out" &&
        hp_pass "index --check after an edit: stale, says why" ||
        { hp_fail "index --check: no reason"; cat "$HP_WORK/chk.out"; }; }
decide "stale index, file parsed"

# A damaged index (one byte flipped, replaced by rename) is ignored.
"$HP_BIN/hostpin" index "$PINS" >/dev/null 2>&1
cp "$PINS.idx" "$HP_WORK/idx.bad"
# (dd without the ASan runtime that the sanitizer run preloads: it aborts.)
printf '\377' | env -u LD_PRELOAD dd of="$HP_WORK/idx.bad" bs=1 seek=4100 \
    conv=notrunc 2>/dev/null ||
    { hp_fail "could not damage the index copy"; hp_done; exit 1; }
mv "$HP_WORK/idx.bad" "$PINS.idx"
"$HP_BIN/hostpin" index --check "$PINS" >/dev/null &&
    hp_fail "index --check: damage not found" ||
    hp_pass "index --check: damaged index reported"
decide "damaged index"

# --if-stale (what the packages' path unit runs): nothing written while the
# index is current, so that the unit is not woken by its own work.
"$HP_BIN/hostpin" index "$PINS" >/dev/null 2>&1
before=$(stat -c %i.%Y.%Z "$PINS.idx")
hp_expect "index --if-stale, current: not rewritten" 0 "current, not rewritten" \
    "$HP_BIN/hostpin" index --if-stale "$PINS"
hp_is "index --if-stale, current: the same file" "$before" "$(stat -c %i.%Y.%Z "$PINS.idx")"
echo "# edited" >>"$PINS"
hp_settle "$PINS"
hp_expect "index --if-stale after an edit: written" 0 "hosts from $PINS" \
    "$HP_BIN/hostpin" index --if-stale "$PINS"
decide "index rewritten by --if-stale"

# A large file whose index went stale: each program says so once, with the
# command that fixes it.
BIG=$HP_WORK/big.conf
{
    echo "version = 1;"
    echo "hosts = ("
    echo "  { host = \"pinned.test\"; pins = [ \"sha256/$(hp_pin_of "$PKI/groot.pem")\" ]; }"
    for i in $(seq 1 1200); do
        echo "  ,{ host = \"h$i.example.net\"; pins = [ \"sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\" ]; }"
    done
    echo ");"
} >"$BIG"
hp_settle "$BIG"
"$HP_BIN/hostpin" index "$BIG" >/dev/null
echo "# edited" >>"$BIG"
hp_settle "$BIG"
hp_cnf "$HP_WORK/big.cnf" "$BIG"
: >"$HP_WORK/debug"
OPENSSL_CONF=$HP_WORK/big.cnf HOSTPIN_DEBUG=$HP_WORK/debug openssl verify \
    -CAfile "$PKI/bundle.pem" -untrusted "$PKI/ginter.pem" -verify_hostname pinned.test \
    "$PKI/gleaf.pem" "$PKI/gleaf.pem" "$PKI/gleaf.pem" >/dev/null 2>&1
hp_is "a stale index of 1,201 hosts: said once in a program of three verifications" 1 \
    "$(grep -c "run: hostpin index $BIG" "$HP_WORK/debug")"
hp_has "... saying what it costs" "$(cat "$HP_WORK/debug")" "every program that verifies now parses 1201 hosts"
hp_done
