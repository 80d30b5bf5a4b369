#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Debian's Node.js pinned by `hostpin enable`: Node reads the section named
# by nodejs_conf, not openssl_conf, so enable wires that one too.  In a
# private mount namespace (the machine's files are never touched): /etc/ssl
# is a copy holding Debian's openssl.cnf, Debian's nodejs comes from the
# archive (tests/packaging/lib-node.sh), and https.get is refused by the
# impostor and admitted to the genuine server system-wide (through the
# file enable edited, no OPENSSL_CONF) and per process (OPENSSL_CONF); the
# running client is protected in `hostpin ps` and its refusal is in
# `hostpin log` (syslog to a listener on this namespace's /dev/log).
# shellcheck source-path=SCRIPTDIR source=../cli/lib-ns.sh
source "$HP_SRC/tests/cli/lib-ns.sh"
hp_private_ns "$0" "$@"
# shellcheck source-path=SCRIPTDIR source=../cli/lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"
# shellcheck source-path=SCRIPTDIR source=lib-node.sh
source "$HP_SRC/tests/packaging/lib-node.sh"

[ -f "$HP_MODULES/hostpin.so" ] || {
    echo "the module is not built: $HP_MODULES/hostpin.so" >&2
    exit 1
}
# Debian's node is not built with the sanitizers' runtime in mind.
[[ -n $HP_PRELOAD ]] && hp_skip "Debian's node cannot load an ASan-instrumented module"
hp_debian_node
MOD=$HP_MODULES/hostpin.so
W=$HP_WORK
P=$W/pki
hp_pki "$P"
hp_start_servers "$P"
PINS=$W/pins.conf
hp_pins "$PINS" pinned.test "$(hp_pin_of "$P/ginter.pem")"
DEBIAN=$HP_SRC/tests/packaging/debian-openssl.cnf

# Debian's built-in modules where its node looks for them.
hp_ns_mount -t overlay hostpin-node -o "lowerdir=$HP_NODE_DIR/root/usr/share:/usr/share" /usr/share ||
    hp_skip "cannot lay Debian's /usr/share/nodejs over /usr/share"
# The system configuration, here only: a copy of /etc/ssl with Debian's file.
cp -a /etc/ssl "$W/etc-ssl"
rm -f "$W/etc-ssl/openssl.cnf"
cp "$DEBIAN" "$W/etc-ssl/openssl.cnf"
hp_ns_mount --bind "$W/etc-ssl" /etc/ssl
# Syslog: a listener on this namespace's /dev/log (hostpin log reads it).
hp_syslogd
SYS=$(hp_openssl version -d | sed -n 's/^OPENSSLDIR: "\(.*\)"$/\1/p')/openssl.cnf
[ "$(readlink -f "$SYS")" = /etc/ssl/openssl.cnf ] ||
    hp_skip "OpenSSL's default configuration $SYS is not /etc/ssl/openssl.cnf"

hp_run hp_node -e 'console.log(process.versions.openssl)'
hp_is "Debian's node runs" 0 "$RC"
hp_is "Debian's node: not the machine's node" "$HP_NODE" "$(hp_node -p process.execPath)"

# node_get PORT [NODE-OPTION...]: Debian's node fetches https://pinned.test/.
node_get() {
    local port=$1
    shift
    hp_run hp_node "$@" "$HP_SRC/tests/packaging/node_get.js" "$port" "$P/bundle.pem" pinned.test
}
# node_pinned DESC [NODE-OPTION...]: refused by the impostor, admitted to
# the genuine server.
node_pinned() {
    local desc=$1
    shift
    node_get "$IPORT" "$@"
    hp_is "$desc: https.get refused by the impostor" 1 "$RC"
    hp_has "$desc: refused by certificate verification" "$ERR" \
        "application verification failure"
    node_get "$GPORT" "$@"
    hp_is "$desc: https.get admitted to the genuine server" 0 "$RC"
    hp_has "$desc: the genuine server answered" "$OUT" "status 200"
}

# --- Without hostpin: both are reached (the impostor really is trusted).
node_get "$IPORT"
hp_is "without hostpin: the impostor is reached" 0 "$RC"

# --- System-wide: hostpin enable edits the system file. -----------------
hp_run "$HOSTPIN" enable --pins "$PINS" --module "$MOD"
hp_is "system: enable exits 0" 0 "$RC"
hp_has "system: the system file" "$OUT" "Enabled hostpin in $SYS"
hp_has "system: Node.js checked" "$OUT" \
    "Node.js (nodejs_conf): active providers: default, hostpin"
hp_has "system: nodejs_conf wired" "$(cat /etc/ssl/openssl.cnf)" \
    "nodejs_conf = hostpin_nodejs"
node_pinned "system"
# Node says only "application verification failure"; hostpin log says why.
for _ in $(seq 1 100); do
    grep -q 'node: hostpin: refused' /var/log/auth.log 2>/dev/null && break
    sleep 0.05
done
hp_run "$HOSTPIN" log --program node --host pinned.test
hp_has "system: hostpin log shows node's refusal" "$OUT" "  node  refused  pinned.test"
hp_has "system: ... the rule" "$OUT" "(rule $PINS:3, mode enforce)"
hp_has "system: ... the impostor's leaf pin" "$OUT" \
    "chain: [0] sha256/$(hp_pin_of "$P/ileaf.pem") /O=Impostor/CN=pinned.test"
hp_has "system: ... and the configured pin" "$OUT" "sha256/$(hp_pin_of "$P/ginter.pem")"
node_pinned "system, --openssl-shared-config" --openssl-shared-config
hp_run "$HOSTPIN" status
hp_has "system: status says Node.js is covered" "$OUT" \
    "Node.js:        covered: nodejs_conf loads hostpin"
# A long-running Debian node: hostpin ps sees hostpin in it.
LD_LIBRARY_PATH=$HP_NODE_LIBS "$HP_NODE" "$HP_SRC/tests/packaging/node_get.js" \
    "$GPORT" "$P/bundle.pem" pinned.test 60 >"$W/held.out" 2>&1 &
HELD=$!
HP_PIDS+=("$HELD")
for _ in $(seq 1 200); do grep -q status "$W/held.out" && break; sleep 0.05; done
hp_run "$HOSTPIN" ps --pid "$HELD"
hp_is "system: ps: the running node is protected" 0 "$RC"
hp_has "system: ps: protected, hostpin loaded" "$OUT" "protected      hostpin loaded ($MOD)"

# A file enabled before Node.js was wired (openssl_conf only): Debian's
# node still reaches the impostor; enabling again adds Node.js.
cp /etc/ssl/openssl.cnf "$W/openssl-only.cnf"
sed -i '/^nodejs_conf = hostpin_nodejs$/d' "$W/openssl-only.cnf"
OPENSSL_CONF=$W/openssl-only.cnf node_get "$IPORT"
hp_is "openssl_conf only: Debian's node reaches the impostor" 0 "$RC"

hp_run "$HOSTPIN" disable
hp_is "system: disable exits 0" 0 "$RC"
if cmp -s "$DEBIAN" /etc/ssl/openssl.cnf; then
    hp_pass "system: disable gives Debian's file back byte for byte"
else
    hp_fail "system: the file differs after disable"
fi
node_get "$IPORT"
hp_is "system: after disable the impostor is reached again" 0 "$RC"

# --- Per process: OPENSSL_CONF names an enabled copy. -------------------
cp "$DEBIAN" "$W/node.cnf"
hp_run "$HOSTPIN" enable --openssl-cnf "$W/node.cnf" --pins "$PINS" --module "$MOD"
hp_is "per process: enable exits 0" 0 "$RC"
OPENSSL_CONF=$W/node.cnf node_pinned "per process"

# --- A file that has a nodejs_conf of its own. --------------------------
C=$W/own.cnf
{
    cat "$DEBIAN"
    echo
    echo "[node_init]"
    echo "providers = node_providers"
    echo "[node_providers]"
    echo "default = node_default"
    echo "[node_default]"
    echo "activate = 1"
} >"$C"
sed -i 's/^openssl_conf = openssl_init$/&\nnodejs_conf = node_init/' "$C"
cp "$C" "$W/own.orig"
OPENSSL_CONF=$C node_get "$IPORT"
hp_is "own nodejs_conf: without hostpin the impostor is reached" 0 "$RC"
hp_run "$HOSTPIN" enable --openssl-cnf "$C" --pins "$PINS" --module "$MOD"
hp_is "own nodejs_conf: enable exits 0" 0 "$RC"
hp_has "own nodejs_conf: hostpin added to Node's own providers" "$(cat "$C")" \
    "[node_providers]
default = node_default
# hostpin enable: the next line; hostpin disable removes it
hostpin = hostpin_sect"
OPENSSL_CONF=$C node_pinned "own nodejs_conf"
hp_run "$HOSTPIN" disable --openssl-cnf "$C"
if cmp -s "$W/own.orig" "$C"; then
    hp_pass "own nodejs_conf: restored byte for byte"
else
    hp_fail "own nodejs_conf: differs after disable"
fi

hp_done
