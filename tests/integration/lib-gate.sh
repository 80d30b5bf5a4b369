# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Programs that load their configuration now and verify later (sourced
# after lib.sh): s_client through a relay (gate.py) that holds the
# connection until the test releases it.  core_split.sh and
# tests/packaging/install_root.sh replace hostpin-core.so in between.

# hp_waiting NAME PORT CAFILE CMD...: CMD... (say `env OPENSSL_CONF=F` or a
# chroot) runs `openssl s_client` to pinned.test at 127.0.0.1:PORT through
# a held relay, in the background; output in $HP_WORK/NAME.out, process
# in WPID.
hp_waiting() {
    local name=$1 port=$2 ca=$3 out=$HP_WORK/gate.$1 gate=
    shift 3
    python3 "$HP_SRC/tests/integration/gate.py" "$port" "$HP_WORK/open.$name" >"$out" 2>&1 &
    HP_PIDS+=($!)
    for _ in $(seq 1 100); do
        gate=$(head -n 1 "$out")
        [ -n "$gate" ] && break
        sleep 0.05
    done
    if [ -z "$gate" ]; then
        echo "the relay did not start: $(cat "$out")" >&2
        exit 1
    fi
    "$@" timeout 120 openssl s_client -connect "127.0.0.1:$gate" \
        -servername pinned.test -verify_hostname pinned.test \
        -verify_return_error -CAfile "$ca" </dev/null >"$HP_WORK/$name.out" 2>&1 &
    # shellcheck disable=SC2034 # for the caller
    WPID=$!
}

# hp_holds PID FILE: the process or a child of it (timeout runs the
# client) has FILE open (bounded wait).  pgrep hangs under a preloaded
# ASan runtime: it runs without.
hp_holds() {
    local f p
    for _ in $(seq 1 100); do
        for p in "$1" $(env -u LD_PRELOAD pgrep -P "$1"); do
            for f in /proc/"$p"/fd/*; do
                [ "$(readlink "$f" 2>/dev/null)" = "$2" ] && return 0
            done
        done
        sleep 0.05
    done
    return 1
}

# hp_release NAME PID: let NAME's connection through; RC, its status.
hp_release() {
    touch "$HP_WORK/open.$1"
    RC=0
    # shellcheck disable=SC2034 # for the caller
    wait "$2" || RC=$?
}

# hp_released NAME PID DESC ok|PATTERN: release NAME; with "ok" its
# verification succeeds, else it fails with PATTERN (grep) in its output.
hp_released() {
    local out=$HP_WORK/$1.out
    hp_release "$1" "$2"
    if [ "$4" = ok ]; then
        [ "$RC" -eq 0 ] && grep -q "Verify return code: 0 (ok)" "$out" &&
            { hp_pass "$3"; return; }
    else
        [ "$RC" -ne 0 ] && grep -q -- "$4" "$out" && { hp_pass "$3"; return; }
    fi
    hp_fail "$3 (rc=$RC)"
    grep -i -e hostpin -e verify "$out"
}
