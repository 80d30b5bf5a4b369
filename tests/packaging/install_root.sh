#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A real installation, in an isolated Debian root (scripts/install-test.sh
# makes it): the .deb installs without touching openssl.cnf, `hostpin
# enable` switches pinning on for the whole "machine", curl there is
# refused by the impostor and reaches the genuine server, and `hostpin
# disable` plus `apt-get remove` leave openssl.cnf as it was.  The servers
# run outside the root on 127.0.0.1 (a chroot shares the network).
#
# usage: install_root.sh ROOT DEB   (root; ROOT has /proc mounted)
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$HP_SRC/tests/integration/lib.sh"

ROOT=${1:?root folder}
DEB=${2:?the .deb}
hp_need openssl chroot
[ "$(id -u)" -eq 0 ] || hp_skip "chroot needs root"
[ -x "$ROOT/usr/bin/curl" ] || hp_skip "no curl in $ROOT"
[ -r "$ROOT/proc/self/exe" ] || hp_skip "/proc is not mounted in $ROOT"

# in_root CMD...: run in the root with a clean environment; RC, OUT.
in_root() {
    RC=0
    OUT=$(chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@" 2>&1) || RC=$?
}
is() { [ "$2" = "$3" ] && hp_pass "$1" || hp_fail "$1: expected '$2', got '$3'"; }
has() {
    if grep -qF -- "$3" <<<"$2"; then hp_pass "$1"; else
        hp_fail "$1: no '$3' in:"
        sed 's/^/    | /' <<<"$2" | tail -n 15
    fi
}
same() { cmp -s "$2" "$3" && hp_pass "$1" || { hp_fail "$1"; diff "$2" "$3" | head; }; }
CNF=$ROOT/etc/ssl/openssl.cnf
ORIG=$HP_WORK/openssl.cnf.orig
cp -p "$CNF" "$ORIG"

# --- Install. -----------------------------------------------------------
cp "$DEB" "$ROOT/tmp/"
in_root apt-get install -y -q --no-install-recommends "/tmp/${DEB##*/}"
is "apt-get install of the .deb" 0 "$RC"
[ "$RC" -eq 0 ] || { echo "$OUT" | tail -n 20; hp_done; exit 1; }
same "installing does not touch openssl.cnf" "$ORIG" "$CNF"
in_root openssl version -m
moddir=$(sed -n 's/^MODULESDIR: "\(.*\)"$/\1/p' <<<"$OUT")
[ -n "$moddir" ] && [ -f "$ROOT$moddir/hostpin.so" ] &&
    [ -f "$ROOT$moddir/hostpin-core.so" ] &&
    hp_pass "module and its core in libcrypto's modules folder ($moddir)" ||
    hp_fail "no hostpin.so and hostpin-core.so in the modules folder '$moddir'"
for f in /usr/bin/hostpin /usr/share/hostpin/openssl-hostpin.cnf \
    /usr/share/doc/hostpin/examples/pins.conf /usr/share/man/man1/hostpin.1.gz; do
    [ -f "$ROOT$f" ] && hp_pass "installed: $f" || hp_fail "missing: $f"
done
in_root hostpin --version
has "the command runs in the root" "$OUT" "hostpin "

# --- The servers, outside; the pins and trust inside. --------------------
P=$HP_WORK/pki
hp_pki "$P"
hp_start_servers "$P"
cp "$P/bundle.pem" "$ROOT/tmp/bundle.pem"
mkdir -p "$ROOT/etc/hostpin"
hp_pins "$ROOT/etc/hostpin/pins.conf" pinned.test "$(hp_pin_of "$P/ginter.pem")"
curl_to() {
    in_root curl -sS --max-time 10 --cacert /tmp/bundle.pem -o /dev/null \
        --resolve "pinned.test:$1:127.0.0.1" "https://pinned.test:$1/"
}
curl_to "$IPORT"
is "before enabling: curl in the root reaches the impostor (it is trusted)" 0 "$RC"
curl_to "$GPORT"
is "before enabling: curl reaches the genuine server" 0 "$RC"

# --- Enable for the whole root. ------------------------------------------
in_root hostpin enable
is "hostpin enable" 0 "$RC"
has "enable edits the system openssl.cnf" "$OUT" "that is /etc/ssl/openssl.cnf"
has "enable checks in a new process" "$OUT" "active providers: default, hostpin"
[ -f "$CNF.hostpin-bak" ] && same "enable keeps a backup" "$ORIG" "$CNF.hostpin-bak"
in_root hostpin enable
is "hostpin enable again" 0 "$RC"
has "enable again: nothing changed" "$OUT" "already enabled"
in_root hostpin status
is "hostpin status: active" 0 "$RC"
has "hostpin status says so" "$OUT" "Status:         ACTIVE"
curl_to "$IPORT"
if [ "$RC" -ne 0 ] && grep -q -e hostpin -e 'application verification failure' <<<"$OUT"; then
    hp_pass "curl in the root refuses the impostor (rc=$RC)"
else
    hp_fail "curl in the root: impostor not refused by hostpin (rc=$RC): $OUT"
fi
curl_to "$GPORT"
is "curl in the root reaches the genuine server" 0 "$RC"
in_root openssl list -providers
has "openssl in the root: default active" "$OUT" "OpenSSL Default Provider"
has "openssl in the root: hostpin active" "$OUT" "hostpin"

# --- Disable, remove. -----------------------------------------------------
in_root hostpin disable
is "hostpin disable" 0 "$RC"
same "disable: openssl.cnf as it was" "$ORIG" "$CNF"
[ ! -e "$CNF.hostpin-bak" ] && hp_pass "disable: no backup left behind" ||
    hp_fail "disable: backup left in /etc/ssl"
curl_to "$IPORT"
is "after disable: the impostor is reached again" 0 "$RC"
in_root apt-get remove -y -q hostpin
is "apt-get remove hostpin" 0 "$RC"
same "after remove: openssl.cnf as it was" "$ORIG" "$CNF"
[ ! -e "$ROOT$moddir/hostpin.so" ] && [ ! -e "$ROOT$moddir/hostpin-core.so" ] &&
    hp_pass "remove: module and core gone" || hp_fail "remove: module left"
in_root dpkg --verify openssl
is "dpkg --verify openssl: its files unchanged" "" "$OUT"
left=$(find "$ROOT/etc/ssl" -maxdepth 1 -name '*hostpin*')
is "nothing of hostpin left in /etc/ssl" "" "$left"
rm -rf "$ROOT/etc/hostpin"
hp_done
