#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# hostpin enable / disable on copies of openssl.cnf (never the machine's):
# what is added, idempotence, the backup, a byte-identical restore,
# providers already configured kept active, refusal while the pins file
# has errors, refusal and rollback when OpenSSL would not start, and a
# real client pinned through the enabled file.
# shellcheck source-path=SCRIPTDIR source=../cli/lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"

[ -f "$HP_MODULES/hostpin.so" ] || {
    echo "the module is not built: $HP_MODULES/hostpin.so" >&2
    exit 1
}
MOD=$HP_MODULES/hostpin.so
W=$HP_WORK
P=$W/pki
hp_pki "$P"
hp_start_servers "$P"
PINS=$W/pins.conf
hp_pins "$PINS" pinned.test "$(hp_pin_of "$P/ginter.pem")"

moddir=$(hp_openssl version -m | sed -n 's/^MODULESDIR: "\(.*\)"$/\1/p')

enable() { hp_run "$HOSTPIN" enable --pins "$PINS" --module "$MOD" "$@"; }
disable() { hp_run "$HOSTPIN" disable "$@"; }
# providers CNF: the active providers of `openssl list` under CNF.
providers() {
    OPENSSL_CONF=$1 hp_openssl list -providers 2>&1 |
        sed -n 's/^  \([a-z][a-z0-9_]*\)$/\1/p' | sort | tr '\n' ' '
}
# same DESC A B: files are byte-identical.
same() {
    if cmp -s "$2" "$3"; then hp_pass "$1"; else
        hp_fail "$1"
        diff "$2" "$3" | head -n 20 | sed 's/^/    | /'
    fi
}
# only_added DESC ORIG NEW: NEW is ORIG plus lines, nothing changed.
only_added() {
    if diff "$2" "$3" | grep -q '^<'; then
        hp_fail "$1: lines changed or removed"
        diff "$2" "$3" | grep '^<' | head -n 5 | sed 's/^/    | /'
    else
        hp_pass "$1"
    fi
}
# pinned CNF: a real client through CNF refuses the impostor, reaches the
# genuine server.
pinned() {
    local c=$1 desc=$2
    OPENSSL_CONF=$c hp_run hp_openssl s_client -connect "127.0.0.1:$IPORT" \
        -servername pinned.test -verify_hostname pinned.test \
        -CAfile "$P/bundle.pem" -verify_return_error </dev/null
    hp_is "$desc: s_client refuses the impostor" 1 "$RC"
    hp_has "$desc: refused by hostpin" "$OUT$ERR" \
        'certificate chain does not match the pins for "pinned.test"'
    OPENSSL_CONF=$c hp_run hp_openssl s_client -connect "127.0.0.1:$GPORT" \
        -servername pinned.test -verify_hostname pinned.test \
        -CAfile "$P/bundle.pem" -verify_return_error </dev/null
    hp_is "$desc: s_client reaches the genuine server" 0 "$RC"
}

# --- A Debian-style file: providers commented out, implicit default. ----
C=$W/debian.cnf
cp "$HP_SRC/tests/packaging/debian-openssl.cnf" "$C"
chmod 640 "$C"
cp -p "$C" "$W/debian.orig"
before=$(providers "$C")
hp_is "debian: only the implicit default before" "default " "$before"

enable --openssl-cnf "$C"
hp_is "debian: enable exits 0" 0 "$RC"
hp_has "debian: enable says so" "$OUT" "Enabled hostpin in $C"
hp_has "debian: names the backup" "$OUT" "Backup of the previous file: $C.hostpin-bak"
hp_has "debian: checked in a new process" "$OUT" \
    "Checked in a new process: OpenSSL loads it; active providers: default, hostpin"
same "debian: the backup is the old file" "$W/debian.orig" "$C.hostpin-bak"
only_added "debian: nothing but added lines" "$W/debian.orig" "$C"
hp_is "debian: mode kept" 640 "$(stat -c %a "$C")"
hp_is "debian: default and hostpin active" "default hostpin " "$(providers "$C")"
hp_has "debian: every added line is marked" "$(diff "$W/debian.orig" "$C")" \
    "> # hostpin enable: the next line; hostpin disable removes it"
hp_has "debian: Node.js checked too" "$OUT" \
    "Node.js (nodejs_conf): active providers: default, hostpin"
hp_has "debian: nodejs_conf wired to hostpin's providers" "$(cat "$C")" \
    "# hostpin enable: the next line; hostpin disable removes it
nodejs_conf = hostpin_nodejs"
hp_has "debian: Node.js's section" "$(cat "$C")" "[hostpin_nodejs]
providers = hostpin_providers"
OPENSSL_CONF=$C hp_run "$HOSTPIN" status
hp_is "debian: hostpin status says active" 0 "$RC"
hp_has "debian: status verdict" "$OUT" "Status:         ACTIVE"
pinned "$C" "debian"

cp -p "$C" "$W/debian.enabled"
enable --openssl-cnf "$C"
hp_is "debian: enabling again exits 0" 0 "$RC"
hp_has "debian: enabling again changes nothing" "$OUT" "already enabled"
same "debian: file untouched the second time" "$W/debian.enabled" "$C"
same "debian: backup untouched the second time" "$W/debian.orig" "$C.hostpin-bak"

disable --openssl-cnf "$C"
hp_is "debian: disable exits 0" 0 "$RC"
hp_has "debian: disable says the file is as before" "$OUT" \
    "The file is again exactly as before hostpin enable"
same "debian: disable restores the file byte for byte" "$W/debian.orig" "$C"
hp_is "debian: mode still kept" 640 "$(stat -c %a "$C")"
[ ! -e "$C.hostpin-bak" ] && hp_pass "debian: the redundant backup is gone" ||
    hp_fail "debian: backup left after an exact restore"
disable --openssl-cnf "$C"
hp_is "debian: disabling again exits 0" 0 "$RC"
hp_has "debian: disabling again changes nothing" "$OUT" "not enabled"
same "debian: still the original" "$W/debian.orig" "$C"
OPENSSL_CONF=$C hp_run "$HOSTPIN" status
hp_is "debian: status after disable: not active" 1 "$RC"

# --- Files that have a nodejs_conf already. -----------------------------
# with_node FILE INIT LINE...: Debian's file with `nodejs_conf = INIT`
# after its openssl_conf line, and these lines at the end.
with_node() {
    local f=$1 init=$2
    shift 2
    sed "s/^openssl_conf = openssl_init\$/&\nnodejs_conf = $init/" \
        "$HP_SRC/tests/packaging/debian-openssl.cnf" >"$f"
    printf '%s\n' "$@" >>"$f"
}
# Its own initialisation and provider list: hostpin joins that list.
C=$W/node-own.cnf
with_node "$C" node_init "" "[node_init]" "providers = node_providers" \
    "[node_providers]" "default = node_default" "legacy = node_legacy" \
    "[node_default]" "activate = 1" "[node_legacy]" "activate = 1"
cp "$C" "$W/node-own.orig"
if [ -f "$moddir/legacy.so" ]; then
    enable --openssl-cnf "$C"
    hp_is "own nodejs_conf: enable exits 0" 0 "$RC"
    # In the order OpenSSL lists them, which differs between versions.
    line=$(grep -o 'Node.js (nodejs_conf): active providers: .*' <<<"$OUT")
    for p in default legacy hostpin; do
        hp_has "own nodejs_conf: its providers kept, hostpin added: $p" "$line" " $p"
    done
    hp_has "own nodejs_conf: hostpin in Node's list" "$(cat "$C")" \
        "legacy = node_legacy
# hostpin enable: the next line; hostpin disable removes it
hostpin = hostpin_sect"
    hp_lacks "own nodejs_conf: no second nodejs_conf" "$(cat "$C")" \
        "nodejs_conf = hostpin_nodejs"
    only_added "own nodejs_conf: nothing but added lines" "$W/node-own.orig" "$C"
    disable --openssl-cnf "$C"
    hp_is "own nodejs_conf: disable exits 0" 0 "$RC"
    same "own nodejs_conf: restored byte for byte" "$W/node-own.orig" "$C"
fi
# Its own initialisation without providers (the implicit default): it
# gets hostpin's list, default and hostpin.
C=$W/node-bare.cnf
with_node "$C" node_init "" "[node_init]" "# no providers here"
cp "$C" "$W/node-bare.orig"
enable --openssl-cnf "$C"
hp_is "nodejs_conf without providers: enable exits 0" 0 "$RC"
hp_has "nodejs_conf without providers: default and hostpin" "$OUT" \
    "Node.js (nodejs_conf): active providers: default, hostpin"
hp_has "nodejs_conf without providers: the list added there" "$(cat "$C")" \
    "# no providers here
# hostpin enable: the next line; hostpin disable removes it
providers = hostpin_providers"
disable --openssl-cnf "$C"
same "nodejs_conf without providers: restored byte for byte" "$W/node-bare.orig" "$C"
# The same initialisation as openssl_conf: wiring that one is enough.
C=$W/node-shared.cnf
with_node "$C" openssl_init
cp "$C" "$W/node-shared.orig"
enable --openssl-cnf "$C"
hp_is "shared nodejs_conf: enable exits 0" 0 "$RC"
hp_has "shared nodejs_conf: Node.js pinned" "$OUT" \
    "Node.js (nodejs_conf): active providers: default, hostpin"
hp_lacks "shared nodejs_conf: no section of its own" "$(cat "$C")" "hostpin_nodejs"
disable --openssl-cnf "$C"
same "shared nodejs_conf: restored byte for byte" "$W/node-shared.orig" "$C"
# A nodejs_conf naming a section the file does not have: refused.
C=$W/node-missing.cnf
with_node "$C" nowhere_init
cp "$C" "$W/node-missing.orig"
enable --openssl-cnf "$C"
hp_is "nodejs_conf to nowhere: refused" 1 "$RC"
hp_has "nodejs_conf to nowhere: says why" "$ERR" "nowhere_init"
same "nodejs_conf to nowhere: untouched" "$W/node-missing.orig" "$C"
# Enabled before Node.js was wired (openssl_conf only): enabling again
# adds Node.js, and disable still gives the first file back.
C=$W/node-upgrade.cnf
cp "$HP_SRC/tests/packaging/debian-openssl.cnf" "$C"
enable --openssl-cnf "$C"
# What enable wrote before: without the nodejs_conf line and its section.
sed -e '/^# hostpin enable: the next line/{N;/\nnodejs_conf = hostpin_nodejs$/d}' \
    -e '/^\[hostpin_nodejs\]$/,/^$/d' "$C" >"$W/node-upgrade.old"
cp "$W/node-upgrade.old" "$C"
rm -f "$C.hostpin-bak"
OPENSSL_CONF=$C hp_run "$HOSTPIN" status
hp_has "old enablement: Node.js not covered" "$OUT" "Node.js:        NOT covered"
enable --openssl-cnf "$C"
hp_is "old enablement: enable exits 0" 0 "$RC"
hp_has "old enablement: Node.js wired now" "$(cat "$C")" "nodejs_conf = hostpin_nodejs"
disable --openssl-cnf "$C"
same "old enablement: disable gives Debian's file back" \
    "$HP_SRC/tests/packaging/debian-openssl.cnf" "$C"

# --- Providers listed; default listed but not activated (it was only
# the implicit fallback), legacy activated. -------------------------------
C=$W/listed.cnf
{
    echo "openssl_conf = openssl_init"
    echo "[openssl_init]"
    echo "providers = provider_sect"
    echo "[provider_sect]"
    echo "default = default_sect"
    echo "[default_sect]"
    echo "# activate = 1"
} >"$C"
cp "$C" "$W/listed.orig"
enable --openssl-cnf "$C"
hp_is "implicit default: enable exits 0" 0 "$RC"
hp_is "implicit default: default stays active" "default hostpin " "$(providers "$C")"
hp_has "implicit default: activated where it is listed" "$(cat "$C")" \
    "# activate = 1
# hostpin enable: the next line; hostpin disable removes it
activate = 1"
disable --openssl-cnf "$C"
same "implicit default: restored byte for byte" "$W/listed.orig" "$C"

if [ -f "$moddir/legacy.so" ]; then
    C=$W/legacy.cnf
    {
        echo "openssl_conf = openssl_init"
        echo "[openssl_init]"
        echo "providers = provider_sect"
        echo "[provider_sect]"
        echo "default = default_sect"
        echo "legacy = legacy_sect"
        echo "[default_sect]"
        echo "activate = 1"
        echo "[legacy_sect]"
        echo "activate = 1"
    } >"$C"
    cp "$C" "$W/legacy.orig"
    hp_is "legacy: default and legacy before" "default legacy " "$(providers "$C")"
    enable --openssl-cnf "$C"
    hp_is "legacy: enable exits 0" 0 "$RC"
    hp_is "legacy: default, legacy and hostpin active" \
        "default hostpin legacy " "$(providers "$C")"
    only_added "legacy: nothing but added lines" "$W/legacy.orig" "$C"
    pinned "$C" "legacy"
    disable --openssl-cnf "$C"
    same "legacy: restored byte for byte" "$W/legacy.orig" "$C"
else
    echo "note: no legacy provider in $moddir; that case is not run"
fi

# --- No openssl_conf at all, no final newline; an empty file. ------------
C=$W/bare.cnf
printf 'HOME = .\n[ req ]\ndistinguished_name = dn' >"$C"
cp "$C" "$W/bare.orig"
enable --openssl-cnf "$C"
hp_is "bare: enable exits 0" 0 "$RC"
hp_is "bare: default and hostpin" "default hostpin " "$(providers "$C")"
hp_has "bare: openssl_conf added to the default section" "$(head -n 3 "$C")" \
    "HOME = .
# hostpin enable: the next line; hostpin disable removes it
openssl_conf = hostpin_init"
pinned "$C" "bare"
disable --openssl-cnf "$C"
same "bare: restored byte for byte, without the final newline" "$W/bare.orig" "$C"

C=$W/empty.cnf
: >"$C"
enable --openssl-cnf "$C"
hp_is "empty: enable exits 0" 0 "$RC"
hp_is "empty: default and hostpin" "default hostpin " "$(providers "$C")"
disable --openssl-cnf "$C"
hp_is "empty: disable exits 0" 0 "$RC"
[ ! -s "$C" ] && hp_pass "empty: empty again" || hp_fail "empty: not empty"

# --- A symbolic link: the file it names is edited, the link stays. -------
mkdir -p "$W/etc"
cp "$HP_SRC/tests/packaging/debian-openssl.cnf" "$W/etc/openssl.cnf"
ln -s "$W/etc/openssl.cnf" "$W/link.cnf"
enable --openssl-cnf "$W/link.cnf"
hp_is "link: enable exits 0" 0 "$RC"
[ -L "$W/link.cnf" ] && hp_pass "link: still a link" || hp_fail "link: replaced"
hp_has "link: the target was edited" "$(cat "$W/etc/openssl.cnf")" "hostpin_sect"
[ -f "$W/etc/openssl.cnf.hostpin-bak" ] && hp_pass "link: backup beside the target" ||
    hp_fail "link: no backup beside the target"
disable --openssl-cnf "$W/link.cnf"
same "link: restored" "$HP_SRC/tests/packaging/debian-openssl.cnf" "$W/etc/openssl.cnf"

# --- Dry run. -----------------------------------------------------------
C=$W/dry.cnf
cp "$HP_SRC/tests/packaging/debian-openssl.cnf" "$C"
enable --openssl-cnf "$C" --dry-run
hp_is "dry run: exit 0" 0 "$RC"
hp_has "dry run: prints the new file" "$OUT" "[hostpin_sect]"
hp_has "dry run: says nothing changed" "$ERR" "dry run: $C not changed"
same "dry run: file untouched" "$HP_SRC/tests/packaging/debian-openssl.cnf" "$C"
[ ! -e "$C.hostpin-bak" ] && hp_pass "dry run: no backup" || hp_fail "dry run: backup written"

# --- Refusals: the pins file has errors or is missing. -------------------
C=$W/refuse.cnf
cp "$HP_SRC/tests/packaging/debian-openssl.cnf" "$C"
hp_pins_text "$W/bad.conf" 'version = 1;' 'hosts = (' \
    '  { host = "pinned.test"; pins = [ "sha256/abc" ]; }' ');'
hp_run "$HOSTPIN" enable --openssl-cnf "$C" --pins "$W/bad.conf" --module "$MOD"
hp_is "bad pins: refused" 1 "$RC"
hp_has "bad pins: the lint error, with file:line" "$ERR" "$W/bad.conf:3: error:"
hp_has "bad pins: says why it refuses" "$ERR" "refusing: the pins file $W/bad.conf has errors"
same "bad pins: file untouched" "$HP_SRC/tests/packaging/debian-openssl.cnf" "$C"
[ ! -e "$C.hostpin-bak" ] && hp_pass "bad pins: no backup" || hp_fail "bad pins: backup written"
hp_run "$HOSTPIN" enable --openssl-cnf "$C" --pins "$W/none.conf" --module "$MOD"
hp_is "missing pins file: refused" 1 "$RC"
hp_has "missing pins file: says so" "$ERR" "refusing: the pins file $W/none.conf has errors"

# --- OpenSSL would not start: nothing is changed, or it is rolled back. --
hp_run "$HOSTPIN" enable --openssl-cnf "$C" --pins "$PINS" --module "$W/nowhere/hostpin.so"
hp_is "missing module: refused" 1 "$RC"
# OpenSSL 3.0 loads such a configuration without an error and just
# leaves the provider out; later versions fail to load it.
case $ERR in
*"OpenSSL cannot load the new configuration"* | *"hostpin would not be active"*)
    hp_pass "missing module: says why" ;;
*) hp_fail "missing module: no reason in: $ERR" ;;
esac
hp_has "missing module: not changed" "$ERR" "$C not changed"
same "missing module: file untouched" "$HP_SRC/tests/packaging/debian-openssl.cnf" "$C"
# A module that loads but is not hostpin: OpenSSL starts, hostpin is not
# active, so enabling must not stick.
if [ -f "$moddir/legacy.so" ]; then
    hp_run "$HOSTPIN" enable --openssl-cnf "$C" --pins "$PINS" --module "$moddir/legacy.so"
    hp_is "wrong module: refused" 1 "$RC"
    hp_has "wrong module: hostpin not active" "$ERR" "hostpin would not be active"
    same "wrong module: file untouched" "$HP_SRC/tests/packaging/debian-openssl.cnf" "$C"
fi
# A file OpenSSL cannot load even now: nothing is built on it.
printf 'openssl_conf = missing_sect\n' >"$W/broken.cnf"
cp "$W/broken.cnf" "$W/broken.orig"
enable --openssl-cnf "$W/broken.cnf"
hp_is "already broken: refused" 1 "$RC"
hp_has "already broken: says to fix it first" "$ERR" "missing_sect"
same "already broken: untouched" "$W/broken.orig" "$W/broken.cnf"

# --- Listed by hand; marks damaged by hand. ------------------------------
hp_cnf "$W/byhand.cnf" "$PINS"
cp "$W/byhand.cnf" "$W/byhand.orig"
enable --openssl-cnf "$W/byhand.cnf"
hp_is "by hand: enable exits 0" 0 "$RC"
hp_has "by hand: says it is listed already" "$OUT" "already lists hostpin"
hp_has "by hand: says Node.js is not covered" "$OUT" \
    "Node.js reads only the section nodejs_conf names"
same "by hand: untouched by enable" "$W/byhand.orig" "$W/byhand.cnf"
disable --openssl-cnf "$W/byhand.cnf"
hp_is "by hand: disable refuses" 1 "$RC"
hp_has "by hand: says to remove it by hand" "$ERR" "remove it by hand"
same "by hand: untouched by disable" "$W/byhand.orig" "$W/byhand.cnf"

C=$W/damaged.cnf
cp "$HP_SRC/tests/packaging/debian-openssl.cnf" "$C"
enable --openssl-cnf "$C"
sed -i '/^# hostpin enable: end$/d' "$C"
cp "$C" "$W/damaged.orig"
disable --openssl-cnf "$C"
hp_is "damaged marks: disable refuses" 1 "$RC"
hp_has "damaged marks: says where" "$ERR" "mark that hostpin enable did not write"
same "damaged marks: untouched" "$W/damaged.orig" "$C"

# --- Usage. -------------------------------------------------------------
hp_expect "usage: an argument" 64 "takes no arguments" "$HOSTPIN" enable foo
hp_expect "usage: --pins is enable's" 64 "is an option of hostpin enable" \
    "$HOSTPIN" disable --openssl-cnf "$C" --pins x
hp_expect "usage: a path OpenSSL would expand" 64 "cannot be written into openssl.cnf" \
    "$HOSTPIN" enable --openssl-cnf "$C" --pins '/etc/$HOME/p'
hp_expect "help" 0 "Usage: hostpin enable" "$HOSTPIN" enable --help
hp_expect "help" 0 "Usage: hostpin disable" "$HOSTPIN" disable --help
hp_expect "missing file" 1 "No such file" "$HOSTPIN" disable --openssl-cnf "$W/none.cnf"

hp_done
