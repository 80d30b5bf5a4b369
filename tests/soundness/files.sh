#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Files anyone can write: a pins file, drop-in, certificate file or index
# that another user (nobody) owns or may change is never trusted.  The pins
# file and what it reads fail closed, naming the file and its owner or mode;
# an index is not used (the text is parsed), which is logged once and said
# by hostpin index --check.  Files owned by the program's own user are
# trusted: a program run as nobody may use its own pins file.
. "$HP_SRC/tests/soundness/lib.sh"
hp_need openssl runuser
[ "$(id -u)" -eq 0 ] || hp_skip "needs root, to make files that another user owns"
id nobody >/dev/null 2>&1 || hp_skip "no user 'nobody'"
[[ ${LD_PRELOAD:-} != *libasan* ]] ||
    hp_skip "runs programs as nobody, who cannot load the preloaded ASan runtime's folder"
HOSTPIN=$HP_BIN/hostpin
PKI=$HP_WORK/pki
hp_pki "$PKI"
hp_start_servers "$PKI"
INTER=$(hp_pin_of "$PKI/ginter.pem")
NOBODY=$(id -u nobody)
# The folder must let nobody in (the test's own folder is private).
chmod 755 "$HP_WORK"
chmod a+r "$PKI"/*

# client CNF PORT [USER]: s_client for pinned.test; sets RC and OUT.
client() {
    local run=()
    [ -n "${3:-}" ] && run=(runuser -u "$3" --)
    RC=0
    OUT=$("${run[@]}" env OPENSSL_CONF="$1" HOSTPIN_DEBUG="$HP_WORK/debug" timeout 20 \
        openssl s_client -connect "127.0.0.1:$2" -servername pinned.test \
        -verify_hostname pinned.test -verify_return_error -CAfile "$PKI/bundle.pem" \
        </dev/null 2>&1) || RC=$?
}
# refused DESC CNF MESSAGE: the genuine server is refused too (fail
# closed), with MESSAGE.
refused() {
    client "$2" "$GPORT"
    hp_is "$1: genuine refused (fail-closed)" 1 "$RC"
    hp_has "$1: message" "$OUT" "$3"
}
admitted() { # DESC CNF [USER]
    client "$2" "$GPORT" "${3:-}"
    hp_is "$1: genuine reached" 0 "$RC"
    client "$2" "$IPORT" "${3:-}"
    hp_is "$1: impostor refused" 1 "$RC"
    hp_has "$1: impostor refused by hostpin" "$OUT" "does not match the pins"
}

D=$HP_WORK/etc
mkdir -p "$D"
hp_pins "$D/pins.conf" pinned.test "$INTER"
hp_cnf "$HP_WORK/ok.cnf" "$D/pins.conf"
admitted "root's pins file" "$HP_WORK/ok.cnf"
admitted "root's pins file, program run as nobody" "$HP_WORK/ok.cnf" nobody

# --- The pins file ---------------------------------------------------------
# Written by nobody in a folder of its own: not trusted by root's programs.
mkdir -p "$HP_WORK/nb"
chown nobody "$HP_WORK/nb"
runuser -u nobody -- sh -c "cat '$D/pins.conf' >'$HP_WORK/nb/pins.conf'"
hp_settle "$HP_WORK/nb/pins.conf"
hp_cnf "$HP_WORK/nb.cnf" "$HP_WORK/nb/pins.conf"
refused "pins file owned by nobody" "$HP_WORK/nb.cnf" \
    "$HP_WORK/nb/pins.conf: not trusted: owned by uid $NOBODY"
# ... but trusted by nobody's own programs.
admitted "nobody's own pins file, program run as nobody" "$HP_WORK/nb.cnf" nobody
cp -p "$D/pins.conf" "$HP_WORK/gw.conf"
chmod 664 "$HP_WORK/gw.conf"
hp_cnf "$HP_WORK/gw.cnf" "$HP_WORK/gw.conf"
refused "group-writable pins file" "$HP_WORK/gw.cnf" \
    "$HP_WORK/gw.conf: not trusted: writable by its group (mode 0664)"
hp_expect "lint says the same" 1 "not trusted: writable by its group (mode 0664)" \
    "$HOSTPIN" lint "$HP_WORK/gw.conf"
mkdir -p "$HP_WORK/open"
chmod 777 "$HP_WORK/open"
cp -p "$D/pins.conf" "$HP_WORK/open/pins.conf"
hp_cnf "$HP_WORK/open.cnf" "$HP_WORK/open/pins.conf"
refused "pins file in a folder everyone may write" "$HP_WORK/open.cnf" \
    "not trusted: folder \"$HP_WORK/open\" is writable by every user (mode 0777)"

# --- Symbolic links: the way they lead is checked too --------------------
ln -s "$D/pins.conf" "$D/alias.conf"
hp_cnf "$HP_WORK/alias.cnf" "$D/alias.conf"
admitted "a link to root's pins file, in root's folder" "$HP_WORK/alias.cnf"
# Root's own link and file, but the file sits in a folder everyone may
# write: whoever can write it can put another file there.
ln -s "$HP_WORK/open/pins.conf" "$D/toopen.conf"
hp_cnf "$HP_WORK/toopen.cnf" "$D/toopen.conf"
refused "a link to a pins file in a folder everyone may write" "$HP_WORK/toopen.cnf" \
    "not trusted: folder \"$HP_WORK/open\" is writable by every user (mode 0777)"
# A folder on the way reached through a link that lies in such a folder:
# etc/via -> open/lnk -> etc.  The second link could be made to lead
# anywhere.
ln -s "$D" "$HP_WORK/open/lnk"
ln -s "$HP_WORK/open/lnk" "$D/via"
hp_cnf "$HP_WORK/via.cnf" "$D/via/pins.conf"
refused "a folder reached through a link in a folder everyone may write" "$HP_WORK/via.cnf" \
    "not trusted: folder \"$HP_WORK/open\" is writable by every user (mode 0777)"
# A link that nobody owns, in root's folder, to root's file.
ln -s "$D/pins.conf" "$HP_WORK/nblink.conf"
chown -h nobody "$HP_WORK/nblink.conf"
hp_cnf "$HP_WORK/nblink.cnf" "$HP_WORK/nblink.conf"
refused "a link owned by nobody" "$HP_WORK/nblink.cnf" \
    "not trusted: symbolic link \"$HP_WORK/nblink.conf\" is owned by uid $NOBODY"
hp_expect "lint says the same of a link's way" 1 \
    "not trusted: folder \"$HP_WORK/open\" is writable by every user (mode 0777)" \
    "$HOSTPIN" lint "$D/via/pins.conf"

# --- An index planted beside the pins file in a sticky folder -------------
S=$HP_WORK/sticky
mkdir -p "$S"
chmod 1777 "$S"
cp -p "$D/pins.conf" "$S/pins.conf"
hp_cnf "$HP_WORK/sticky.cnf" "$S/pins.conf"
admitted "root's pins file in a sticky folder" "$HP_WORK/sticky.cnf"
# nobody may create files there: it compiles an index of its own.
runuser -u nobody -- "$HOSTPIN" index "$S/pins.conf" >/dev/null 2>&1 ||
    runuser -u nobody -- sh -c "cp '$HP_WORK/etc/pins.conf' '$S/x.conf'"
if [ -f "$S/pins.conf.idx" ]; then
    hp_is "the planted index is nobody's" "$NOBODY" "$(stat -c %u "$S/pins.conf.idx")"
    : >"$HP_WORK/debug"
    admitted "an index planted by nobody: not used, the file is parsed" "$HP_WORK/sticky.cnf"
    hp_debug_has "the untrusted index is logged" "$S/pins.conf.idx: not trusted: owned by uid $NOBODY"
    : >"$HP_WORK/debug"
    OPENSSL_CONF=$HP_WORK/sticky.cnf HOSTPIN_DEBUG=$HP_WORK/debug timeout 20 python3 -c '
import socket, ssl, sys
for _ in range(3):
    ctx = ssl.create_default_context(cafile=sys.argv[1])
    with socket.create_connection(("127.0.0.1", int(sys.argv[2]))) as s:
        ctx.wrap_socket(s, server_hostname="pinned.test").close()
' "$PKI/bundle.pem" "$GPORT"
    hp_is "... once per program, not per connection" 1 \
        "$(grep -c "pins.conf.idx: not trusted" "$HP_WORK/debug")"
    hp_expect "hostpin index --check says so" 1 \
        "$S/pins.conf.idx: $S/pins.conf.idx: not trusted: owned by uid $NOBODY" \
        "$HOSTPIN" index --check "$S/pins.conf"
    hp_has "... and that the file is parsed" "$OUT" "(not used: the pins file is parsed instead)"
    hp_expect "hostpin lint says so" 0 \
        "warning: $S/pins.conf.idx: not trusted: owned by uid $NOBODY" \
        "$HOSTPIN" lint "$S/pins.conf"
    hp_expect "hostpin lint --strict fails on it" 1 "index" "$HOSTPIN" lint --strict "$S/pins.conf"
    hp_run env OPENSSL_CONF="$HP_WORK/sticky.cnf" "$HOSTPIN" status
    hp_has "hostpin status says the index is not trusted" "$OUT$ERR" "untrusted"
else
    hp_fail "nobody could not plant an index in the sticky folder"
fi

# --- Drop-ins and certificate files ----------------------------------------
mkdir -p "$D/pins.d"
printf 'version = 1;\ninclude_dir = "pins.d";\n' >"$D/main.conf"
hp_settle "$D/main.conf"
hp_cnf "$HP_WORK/dropin.cnf" "$D/main.conf"
printf 'hosts = ( { host = "pinned.test"; pins = [ "sha256/%s" ]; } );\n' "$INTER" >"$D/pins.d/a.conf"
hp_settle "$D/pins.d/a.conf"
admitted "root's drop-in" "$HP_WORK/dropin.cnf"
chown nobody "$D/pins.d/a.conf"
refused "a drop-in owned by nobody" "$HP_WORK/dropin.cnf" \
    "$D/pins.d/a.conf: not trusted: owned by uid $NOBODY"
chown root "$D/pins.d/a.conf"
chmod 1777 "$D/pins.d"
refused "a drop-in folder everyone may add to, sticky or not" "$HP_WORK/dropin.cnf" \
    "include_dir: not trusted: folder \"$D/pins.d\" is writable by every user (mode 1777), sticky or not"
chmod 755 "$D/pins.d"
cp -p "$PKI/ginter.pem" "$D/inter.pem"
printf 'version = 1;\nhosts = ( { host = "pinned.test"; certs = [ "inter.pem" ]; } );\n' >"$D/certs.conf"
hp_settle "$D/certs.conf"
hp_cnf "$HP_WORK/certs.cnf" "$D/certs.conf"
admitted "root's certificate file" "$HP_WORK/certs.cnf"
chown nobody "$D/inter.pem"
refused "a certificate file owned by nobody" "$HP_WORK/certs.cnf" \
    "certificate file \"$D/inter.pem\": not trusted: owned by uid $NOBODY"
chown root "$D/inter.pem"
mkdir -p "$D/certs.d"
cp -p "$PKI/ginter.pem" "$D/certs.d/pinned.test.pem"
printf 'version = 1;\ncerts_dir = "certs.d";\n' >"$D/cdir.conf"
hp_settle "$D/cdir.conf"
hp_cnf "$HP_WORK/cdir.cnf" "$D/cdir.conf"
admitted "root's certs_dir" "$HP_WORK/cdir.cnf"
chmod 775 "$D/certs.d"
refused "a certs_dir its group may add to" "$HP_WORK/cdir.cnf" \
    "certs_dir: not trusted: folder \"$D/certs.d\" is writable by its group (mode 0775)"
chmod 755 "$D/certs.d"
# A certs_dir file that is a link out of the folder: the way it leads too.
cp -p "$PKI/ginter.pem" "$HP_WORK/open/inter.pem"
mv "$D/certs.d/pinned.test.pem" "$D/inter-kept.pem"
ln -s "$HP_WORK/open/inter.pem" "$D/certs.d/pinned.test.pem"
refused "a certs_dir file linked into a folder everyone may write" "$HP_WORK/cdir.cnf" \
    "not trusted: folder \"$HP_WORK/open\" is writable by every user (mode 0777)"
rm "$D/certs.d/pinned.test.pem"
mv "$D/inter-kept.pem" "$D/certs.d/pinned.test.pem"
# An anchor file is trusted as a certificate file is.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=internal.test" -keyout "$D/self.key" -out "$D/self.pem" 2>/dev/null
printf 'version = 1;\nhosts = ( { host = "internal.test"; anchors = [ "self.pem" ]; } );\n' >"$D/anchor.conf"
hp_settle "$D/anchor.conf" "$D/self.pem"
hp_cnf "$HP_WORK/anchor.cnf" "$D/anchor.conf"
chown nobody "$D/self.pem"
refused "an anchor file owned by nobody" "$HP_WORK/anchor.cnf" \
    "anchor file \"$D/self.pem\": not trusted: owned by uid $NOBODY"
chown root "$D/self.pem"
# @include'd files: libconfig reads them itself, hostpin checks them first.
cp -p "$D/pins.conf" "$D/hosts.inc"
sed -i 's/^version = 1;$//' "$D/hosts.inc"
hp_settle "$D/hosts.inc"
printf 'version = 1;\n@include "hosts.inc"\n' >"$D/inc.conf"
hp_settle "$D/inc.conf"
hp_cnf "$HP_WORK/inc.cnf" "$D/inc.conf"
admitted "root's @include'd file" "$HP_WORK/inc.cnf"
chown nobody "$D/hosts.inc"
refused "an @include'd file owned by nobody" "$HP_WORK/inc.cnf" \
    "$D/inc.conf:2: included file \"$D/hosts.inc\": not trusted: owned by uid $NOBODY"
hp_done
