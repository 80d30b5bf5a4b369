#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# hostpin ps and the coverage lines of hostpin status, with real processes:
# a long-running Python client started before its openssl.cnf was enabled
# needs a restart, one started after is protected; one whose file does not
# load hostpin is not covered; gnutls-cli (or wget) holding a connection
# is not covered (GnuTLS), and so are copies of a client linked statically
# against OpenSSL (with and without symbols) and, when the machine's node
# is an upstream build, that node.
# shellcheck source-path=SCRIPTDIR source=lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"
hp_need python3 cc

W=$HP_WORK
P=$W/pki
hp_pki "$P"
hp_start_servers "$P"
PINS=$W/pins.conf
hp_pins "$PINS" pinned.test "$(hp_pin_of "$P/ginter.pem")"
C=$W/openssl.cnf
cp "$HP_SRC/tests/packaging/debian-openssl.cnf" "$C"
PLAIN=$W/plain.cnf
cp "$HP_SRC/tests/packaging/debian-openssl.cnf" "$PLAIN"

# hold NAME CNF PROGRAM ARGS...: start a long-running client (PROGRAM
# prints "ready" once its handshake is over) with OPENSSL_CONF=CNF; its
# pid in $HELD, its standard input $HOLD_IN (default /dev/null).  It ends
# by itself after a minute.
hold() {
    local name=$1 cnf=$2 i
    shift 2
    local envs=("OPENSSL_CONF=$cnf")
    [ -n "$HP_PRELOAD" ] && envs+=("LD_PRELOAD=$HP_PRELOAD" ASAN_OPTIONS=detect_leaks=0)
    env "${envs[@]}" "$@" <"${HOLD_IN:-/dev/null}" >"$W/$name.out" 2>&1 &
    HELD=$!
    HP_PIDS+=("$HELD")
    for i in $(seq 1 200); do
        grep -q '^ready\|^error\|Handshake was completed\|^- Status' "$W/$name.out" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "$name did not start:" >&2
    cat "$W/$name.out" >&2
}
pyhold() {
    hold "$1" "$2" python3 "$HP_SRC/tests/cli/hold_client.py" "$GPORT" \
        "$P/bundle.pem" pinned.test 60
}
# state JSON PID: the state hostpin ps --json gives PID.
state() {
    python3 -c 'import json, sys
d = json.load(sys.stdin)
print(" ".join(p["state"] for p in d["processes"] if p["pid"] == int(sys.argv[1])) or "absent")' "$2" <<<"$1"
}

# --- Before and after hostpin enable. ----------------------------------
pyhold before "$C"
BEFORE=$HELD
hp_is "the first client is connected" ready "$(head -n 1 "$W/before.out")"
sleep 1.1
hp_run "$HOSTPIN" enable --openssl-cnf "$C" --pins "$PINS" --module "$HP_MODULES/hostpin.so"
hp_is "enable exits 0" 0 "$RC"
sleep 1.1
pyhold after "$C"
AFTER=$HELD
hp_is "the second client is connected" ready "$(head -n 1 "$W/after.out")"
pyhold plain "$PLAIN"
PLAINPID=$HELD

hp_run "$HOSTPIN" ps --json --pid "$BEFORE,$AFTER,$PLAINPID"
hp_json_ok "ps --json" "$OUT"
J=$OUT
hp_is "ps: the client started before enable needs a restart" needs-restart "$(state "$J" "$BEFORE")"
hp_is "ps: the client started after enable is protected" protected "$(state "$J" "$AFTER")"
hp_is "ps: a client whose openssl.cnf lacks hostpin is not covered" not-covered "$(state "$J" "$PLAINPID")"
hp_is "ps: not all protected: exit 1" 1 "$RC"
hp_has "ps --json: the program" "$J" '"program": "python3"'
hp_has "ps --json: the configuration it reads" "$J" "\"config\": \"$C\""

hp_run "$HOSTPIN" ps --pid "$AFTER"
hp_is "ps, the protected one alone: exit 0" 0 "$RC"
hp_has "ps: says why it is protected" "$OUT" "hostpin loaded ($HP_MODULES/hostpin.so)"
hp_run "$HOSTPIN" ps --pid "$BEFORE"
hp_is "ps, the one to restart alone: exit 1" 1 "$RC"
hp_has "ps: the table" "$OUT" "PID      USER       PROGRAM          STATE          WHY"
hp_has "ps: pid, user, program and state" "$OUT" \
    "$(printf '%-8s %-10s %-16s %-14s' "$BEFORE" root python3 'needs restart')"
hp_has "ps: why it needs a restart" "$OUT" "started"
hp_has "ps: the file that changed" "$OUT" "before $C (OPENSSL_CONF) changed at"
hp_has "ps: the count" "$OUT" "1 process using TLS: 0 protected, 1 needs a restart, 0 not covered"
hp_run "$HOSTPIN" ps --pid "$PLAINPID"
hp_has "ps: why not covered" "$OUT" "its configuration $PLAIN (OPENSSL_CONF) does not load hostpin"

# The whole machine: both are listed among the others.
hp_run "$HOSTPIN" ps
hp_has "ps: the machine's list holds the first client" "$OUT" "$(printf '%-8s' "$BEFORE") root"
hp_has "ps: ... and the second" "$OUT" "$(printf '%-8s' "$AFTER") root"
hp_is "ps: the machine has a process to restart: exit 1" 1 "$RC"

# --- hostpin status counts them and names what it cannot cover. ----------
OPENSSL_CONF=$C hp_run "$HOSTPIN" status
hp_has "status: counts the processes" "$OUT" "Processes:      "
hp_has "status: points at hostpin ps" "$OUT" "hostpin ps lists them"
hp_has "status: Node.js covered by the enabled file" "$OUT" "Node.js:        covered"
hp_has "status: not only ACTIVE" "$OUT" "Status:         ACTIVE, with gaps:"
OPENSSL_CONF=$C hp_run "$HOSTPIN" status --json
hp_json_ok "status --json" "$OUT"
n=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["processes"]["needs_restart"] >= 1)' <<<"$OUT")
hp_is "status --json: a process needs a restart" True "$n"
if command -v wget >/dev/null; then
    hp_has "status: wget (GnuTLS) cannot be covered" "$OUT" "GnuTLS (libgnutls.so"
fi
# A file enabled by hand for openssl_conf only: Node.js is not covered.
hp_cnf "$W/byhand.cnf" "$PINS"
OPENSSL_CONF=$W/byhand.cnf hp_run "$HOSTPIN" status
hp_has "status: Node.js not covered without nodejs_conf" "$OUT" \
    "Node.js:        NOT covered: Debian's Node.js reads only the section nodejs_conf names, and this file has no nodejs_conf"

# --- GnuTLS. ------------------------------------------------------------
if command -v gnutls-cli >/dev/null; then
    # A server of its own: the connection stays open.
    hp_server gnutls "$P/gleaf.pem" "$P/gleaf.key" -cert_chain "$P/ginter.pem"
    mkfifo "$W/gnutls.in"
    timeout 60 sleep 60 >"$W/gnutls.in" &
    HP_PIDS+=($!)
    HOLD_IN=$W/gnutls.in hold gnutls "$PLAIN" timeout 60 gnutls-cli \
        --x509cafile "$P/bundle.pem" --sni-hostname pinned.test \
        --verify-hostname pinned.test -p "$HP_PORT" 127.0.0.1
    GNUTLS=$(pgrep -P "$HELD" -x gnutls-cli || true)
    GNAME=gnutls-cli
else
    hp_need wget
    # wget waits for an answer that never comes.
    python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); c = s.accept(); time.sleep(60)' >"$W/mute.port" &
    HP_PIDS+=($!)
    for _ in $(seq 1 100); do [ -s "$W/mute.port" ] && break; sleep 0.05; done
    timeout 60 wget -q --tries=1 --timeout=60 -O /dev/null "https://127.0.0.1:$(cat "$W/mute.port")/" &
    HELD=$!
    HP_PIDS+=("$HELD")
    sleep 0.5
    GNUTLS=$(pgrep -P "$HELD" -x wget || true)
    GNAME=wget
fi
if [ -n "$GNUTLS" ]; then
    hp_run "$HOSTPIN" ps --pid "$GNUTLS"
    hp_has "ps: $GNAME is not covered" "$OUT" "not covered"
    hp_has "ps: $GNAME: because of GnuTLS" "$OUT" "uses GnuTLS ("
    hp_is "ps: $GNAME: exit 1" 1 "$RC"
else
    hp_fail "no $GNAME process to look at"
fi

# --- A copy of a program linked statically against OpenSSL. -------------
mkdir -p "$W/copy"
read -ra libs < <(pkg-config --static --libs openssl 2>/dev/null || echo -lssl -lcrypto)
if ! cc -static -o "$W/static_client" "$HP_SRC/tests/cli/static_client.c" \
    "${libs[@]}" >"$W/cc.log" 2>&1; then
    cat "$W/cc.log"
    hp_fail "cannot link a client statically against libssl.a and libcrypto.a (libssl-dev)"
else
    cp "$W/static_client" "$W/copy/tls-client"
    cp "$W/static_client" "$W/copy/tls-stripped"
    strip "$W/copy/tls-stripped"
    for prog in tls-client tls-stripped; do
        hold "$prog" "$PLAIN" "$W/copy/$prog" "$GPORT" "$P/bundle.pem" pinned.test 60
        hp_is "$prog is connected" ready "$(head -n 1 "$W/$prog.out")"
        hp_run "$HOSTPIN" ps --json --pid "$HELD"
        hp_is "ps: $prog (static OpenSSL) is not covered" not-covered "$(state "$OUT" "$HELD")"
        hp_has "ps: $prog: its own OpenSSL" "$OUT" '"tls": "bundled OpenSSL"'
        hp_has "ps: $prog: linked into the copy" "$OUT" "linked into $W/copy/$prog"
    done
fi

# --- The machine's node, if it brings its own OpenSSL. ------------------
if command -v node >/dev/null && ! ldd "$(command -v node)" | grep -q 'libssl\.so'; then
    node -e 'setTimeout(() => {}, 30000)' &
    HELD=$!
    HP_PIDS+=("$HELD")
    sleep 0.5
    hp_run "$HOSTPIN" ps --pid "$HELD"
    hp_has "ps: an upstream node is not covered" "$OUT" "Node.js with its own OpenSSL"
else
    echo "note: no node with its own OpenSSL here; that case is not run"
fi

# --- Installed programs. ------------------------------------------------
mkdir -p "$W/bin"
ln -s "$(command -v openssl)" "$W/bin/openssl"
[ -f "$W/copy/tls-stripped" ] && cp "$W/copy/tls-stripped" "$W/bin/fetcher"
command -v wget >/dev/null && ln -s "$(command -v wget)" "$W/bin/wget"
printf '#!/bin/sh\nexit 0\n' >"$W/bin/script" && chmod +x "$W/bin/script"
hp_run env PATH="$W/bin" "$HOSTPIN" ps --installed
hp_has "ps --installed: openssl is covered" "$OUT" "$(readlink -f "$(command -v openssl)")"
hp_has "ps --installed: openssl: the system OpenSSL" "$OUT" "covered      the system OpenSSL (libssl.so"
[ -f "$W/bin/fetcher" ] && hp_has "ps --installed: a static copy is not covered" "$OUT" \
    "$W/bin/fetcher"
hp_lacks "ps --installed: a script is no program" "$OUT" "$W/bin/script"
hp_is "ps --installed: something not covered: exit 1" 1 "$RC"
hp_run env PATH="$W/bin" "$HOSTPIN" ps --installed --json
hp_json_ok "ps --installed --json" "$OUT"

# --- Usage. -------------------------------------------------------------
hp_expect "usage: a bad pid" 64 "is not a list of process ids" "$HOSTPIN" ps --pid abc
hp_expect "usage: --installed with --pid" 64 "leave out --pid" "$HOSTPIN" ps --installed --pid 1
hp_expect "usage: an argument" 64 "takes no arguments" "$HOSTPIN" ps foo
hp_expect "help" 0 "Usage: hostpin ps" "$HOSTPIN" ps --help
hp_run "$HOSTPIN" ps --pid 999999999
hp_has "a pid that does not exist" "$ERR" "process 999999999: no such process"

hp_done
