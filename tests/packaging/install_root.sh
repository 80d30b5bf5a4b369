#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A real installation, in an isolated Debian root (scripts/install-test.sh
# makes it), through the package's whole life:
#   install     openssl.cnf untouched;
#   enable      `hostpin enable`: curl there refuses the impostor and
#               reaches the genuine server;
#   remove      while enabled: the package disables hostpin first and says
#               so; openssl.cnf is the original byte for byte; openssl,
#               curl and Python work;
#   reinstall   and enable again;
#   upgrade     to a release whose core has another interface, while
#               programs that loaded the old hostpin.so wait to verify:
#               they still pin, with the core they started with; hostpin
#               stays enabled; new programs pin with the new release;
#   purge       while enabled: openssl.cnf the original, nothing hostpin
#               made is left (the administrator's pins file is kept, and
#               said so).
# The servers and the relays that hold the waiting programs' connections
# run outside the root on 127.0.0.1 (a chroot shares the network).
#
# usage: install_root.sh ROOT DEB DEB2   (root; ROOT has /proc mounted;
#        DEB2 a later version than DEB)
# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$HP_SRC/tests/integration/lib.sh"
# shellcheck source=../integration/lib-gate.sh
source "$HP_SRC/tests/integration/lib-gate.sh"

ROOT=${1:?root folder}
DEB=${2:?the .deb}
DEB2=${3:?the .deb of a later version}
hp_need openssl chroot python3 pgrep dpkg-deb
[ "$(id -u)" -eq 0 ] || hp_skip "chroot needs root"
for c in curl openssl python3; do
    [ -x "$ROOT/usr/bin/$c" ] || hp_skip "no $c in $ROOT"
done
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
lacks() {
    if grep -qF -- "$3" <<<"$2"; then
        hp_fail "$1: '$3' in:"
        sed 's/^/    | /' <<<"$2" | tail -n 15
    else hp_pass "$1"; fi
}
same() { cmp -s "$2" "$3" && hp_pass "$1" || { hp_fail "$1"; diff "$2" "$3" | head; }; }
CNF=$ROOT/etc/ssl/openssl.cnf
ORIG=$HP_WORK/openssl.cnf.orig
cp -p "$CNF" "$ORIG"
V1=$(dpkg-deb -f "$DEB" Version)
V2=$(dpkg-deb -f "$DEB2" Version)
dpkg --compare-versions "$V2" gt "$V1" || { hp_fail "$V2 is not later than $V1"; hp_done; exit 1; }
cp "$DEB" "$DEB2" "$ROOT/tmp/"
cp "$HP_SRC/tests/integration/pyclient.py" "$ROOT/tmp/"
install_deb() { in_root apt-get install -y -q --no-install-recommends "/tmp/${1##*/}"; }

# --- Install. -----------------------------------------------------------
install_deb "$DEB"
is "apt-get install of the .deb ($V1)" 0 "$RC"
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
has "the command runs in the root, version $V1" "$OUT" "hostpin $V1"
# The units that keep the index current, installed and the path unit
# enabled (by deb-systemd-helper, which works without a running systemd).
for f in /lib/systemd/system/hostpin-index.path /lib/systemd/system/hostpin-index.service; do
    [ -f "$ROOT$f" ] && hp_pass "installed: $f" || hp_fail "missing: $f"
done
if [ -x "$ROOT/usr/bin/deb-systemd-helper" ]; then
    [ -L "$ROOT/etc/systemd/system/paths.target.wants/hostpin-index.path" ] &&
        hp_pass "hostpin-index.path is enabled" ||
        hp_fail "hostpin-index.path is not enabled"
else
    echo "# no deb-systemd-helper in the root: enabling not checked"
fi
if command -v systemd-analyze >/dev/null; then
    # The minimal root has no systemd of its own: its targets are missing,
    # which says nothing about these units.
    out=$(systemd-analyze verify --man=no --root="$ROOT" \
        /lib/systemd/system/hostpin-index.path /lib/systemd/system/hostpin-index.service 2>&1 |
        grep -v "Unit sysinit.target not found" || true)
    is "systemd-analyze verify: the units are sound" "" "$out"
fi

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
python_to() { in_root python3 /tmp/pyclient.py pinned.test "$1" /tmp/bundle.pem hostname; }
s_client_to() {
    in_root openssl s_client -connect "127.0.0.1:$1" -servername pinned.test \
        -verify_hostname pinned.test -verify_return_error -CAfile /tmp/bundle.pem
}
# pinned DESC: curl refuses the impostor and reaches the genuine server.
pinned() {
    curl_to "$IPORT"
    if [ "$RC" -ne 0 ] && grep -q -e hostpin -e 'application verification failure' <<<"$OUT"; then
        hp_pass "$1: curl refuses the impostor (rc=$RC)"
    else
        hp_fail "$1: curl: impostor not refused by hostpin (rc=$RC): $OUT"
    fi
    curl_to "$GPORT"
    is "$1: curl reaches the genuine server" 0 "$RC"
}
# unpinned DESC: openssl, curl and Python work, and pin nothing.
unpinned() {
    local port
    in_root openssl version
    is "$1: openssl version" 0 "$RC"
    for port in "$GPORT" "$IPORT"; do
        s_client_to "$port" </dev/null
        is "$1: openssl s_client verifies pinned.test ($port)" 0 "$RC"
        curl_to "$port"
        is "$1: curl reaches pinned.test ($port)" 0 "$RC"
        python_to "$port"
        is "$1: Python reaches pinned.test ($port)" 0 "$RC"
    done
}
unpinned "before enabling"

# --- Enable for the whole root. ------------------------------------------
enable() {
    in_root hostpin enable
    is "$1: hostpin enable" 0 "$RC"
    has "$1: enable edits the system openssl.cnf" "$OUT" "that is /etc/ssl/openssl.cnf"
    has "$1: enable checks in a new process" "$OUT" "active providers: default, hostpin"
}
enable "enable"
[ -f "$CNF.hostpin-bak" ] && same "enable keeps a backup" "$ORIG" "$CNF.hostpin-bak"
in_root hostpin enable
is "hostpin enable again" 0 "$RC"
has "enable again: nothing changed" "$OUT" "already enabled"
in_root hostpin status
is "hostpin status: active" 0 "$RC"
has "hostpin status says so" "$OUT" "Status:         ACTIVE"
pinned "enabled"
python_to "$IPORT"
is "enabled: Python refuses the impostor" 1 "$RC"
in_root openssl list -providers
has "openssl in the root: default active" "$OUT" "OpenSSL Default Provider"
has "openssl in the root: hostpin active" "$OUT" "hostpin"

# --- Remove while enabled. ------------------------------------------------
in_root apt-get remove -y -q hostpin
is "apt-get remove hostpin (enabled)" 0 "$RC"
has "remove: says it disables hostpin first" "$OUT" \
    "hostpin: disabled in the system's OpenSSL configuration before removal"
has "remove: with hostpin disable's own report" "$OUT" "Disabled hostpin in"
same "after remove: openssl.cnf is the original, byte for byte" "$ORIG" "$CNF"
[ ! -e "$CNF.hostpin-bak" ] && hp_pass "remove: no backup left in /etc/ssl" ||
    hp_fail "remove: backup left in /etc/ssl"
[ ! -e "$ROOT$moddir/hostpin.so" ] && [ ! -e "$ROOT$moddir/hostpin-core.so" ] &&
    hp_pass "remove: module and core gone" || hp_fail "remove: module left"
in_root dpkg --verify openssl
is "dpkg --verify openssl: its files unchanged" "" "$OUT"
unpinned "after remove"

# --- Reinstall, enable. ---------------------------------------------------
install_deb "$DEB"
is "reinstall ($V1)" 0 "$RC"
same "reinstalling does not touch openssl.cnf" "$ORIG" "$CNF"
enable "reinstalled"
pinned "reinstalled, enabled"
cp -p "$CNF" "$HP_WORK/openssl.cnf.enabled"

# --- Upgrade while programs wait to verify. -------------------------------
# waiting NAME PORT: s_client in the root, held (lib-gate.sh): it loads
# openssl.cnf and hostpin.so (which opens its core) now, verifies later.
waiting() {
    hp_waiting "$1" "$2" /tmp/bundle.pem chroot "$ROOT" /usr/bin/env -i PATH=/usr/bin:/bin
}
CORE=$ROOT$moddir/hostpin-core.so
waiting up-genuine "$GPORT"
gpid=$WPID
waiting up-impostor "$IPORT"
ipid=$WPID
hp_holds "$gpid" "$CORE" && hp_holds "$ipid" "$CORE" &&
    hp_pass "upgrade: the waiting programs hold the core of $V1 open" ||
    hp_fail "upgrade: the waiting programs did not open the core"
install_deb "$DEB2"
is "upgrade to $V2" 0 "$RC"
lacks "upgrade: hostpin is not disabled" "$OUT" "disabled in the system's OpenSSL configuration"
same "upgrade: openssl.cnf still enabled, untouched" "$HP_WORK/openssl.cnf.enabled" "$CNF"
in_root hostpin --version
has "upgrade: the command is $V2" "$OUT" "hostpin $V2"
hp_released up-genuine "$gpid" \
    "upgrade: a program started before it reaches the genuine server after it" ok
hp_released up-impostor "$ipid" \
    "upgrade: a program started before it still refuses the impostor, by its pins" \
    'certificate chain does not match the pins for "pinned.test"'
pinned "upgraded"
# What the waiting programs were spared: $V1's module with $V2's core.
mkdir -p "$HP_WORK/old" "$ROOT/tmp/mix"
dpkg-deb -x "$DEB" "$HP_WORK/old"
cp "$HP_WORK/old$moddir/hostpin.so" "$ROOT$moddir/hostpin-core.so" "$ROOT/tmp/mix/"
sed "s:^module = .*:module = /tmp/mix/hostpin.so:" "$CNF" >"$ROOT/tmp/mix/openssl.cnf"
in_root env OPENSSL_CONF=/tmp/mix/openssl.cnf openssl s_client -connect "127.0.0.1:$GPORT" \
    -servername pinned.test -verify_hostname pinned.test -verify_return_error \
    -CAfile /tmp/bundle.pem
[ "$RC" -ne 0 ] && grep -q "not hostpin's core for this hostpin.so $V1" <<<"$OUT" &&
    hp_pass "upgrade: $V1's module refuses $V2's core (another interface)" ||
    { hp_fail "upgrade: $V1's module and $V2's core (rc=$RC)"; grep -i hostpin <<<"$OUT"; }
rm -rf "$ROOT/tmp/mix"

# --- What hostpin-index.path runs on a change. ----------------------------
# No systemd runs in the root: the service's command is run as it would.
cmd=$(sed -n 's/^ExecStart=//p' "$ROOT/lib/systemd/system/hostpin-index.service")
has "hostpin-index.service runs hostpin index --if-stale" "$cmd" "/usr/bin/hostpin index --if-stale"
# shellcheck disable=SC2086 # the unit's command line, split as systemd does
in_root $cmd
is "hostpin-index.service: the index of the configured pins file written" 0 "$RC"
[ -f "$ROOT/etc/hostpin/pins.conf.idx" ] || hp_fail "hostpin-index.service made no pins.conf.idx"
# shellcheck disable=SC2086
in_root $cmd
has "hostpin-index.service again: the index is current, nothing written" "$OUT" "current, not rewritten"
pinned "with the index the unit wrote"

# --- Purge while enabled. -------------------------------------------------
in_root apt-get purge -y -q hostpin
is "apt-get purge hostpin (enabled)" 0 "$RC"
has "purge: disables hostpin first" "$OUT" \
    "hostpin: disabled in the system's OpenSSL configuration before removal"
has "purge: says the administrator's files are kept" "$OUT" "hostpin: kept /etc/hostpin"
same "after purge: openssl.cnf is the original, byte for byte" "$ORIG" "$CNF"
in_root dpkg-query -W hostpin
[ "$RC" -ne 0 ] && grep -q "no packages found matching hostpin" <<<"$OUT" &&
    hp_pass "purge: dpkg knows no hostpin any more" ||
    hp_fail "purge: dpkg still knows hostpin: $OUT"
left=$( (cd "$ROOT" && find etc lib usr var -path '*hostpin*' 2>/dev/null) | sort | tr '\n' ' ')
is "purge: of hostpin, only the pins file written by hand is left" \
    "etc/hostpin etc/hostpin/pins.conf " "$left"
in_root dpkg --verify openssl
is "dpkg --verify openssl after purge" "" "$OUT"
unpinned "after purge"
rm -rf "$ROOT/etc/hostpin"
hp_done
