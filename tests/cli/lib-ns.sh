# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# A private mount namespace for tests that need a /dev/log, a journal or
# files at fixed system paths of their own (sourced, bash; defines
# functions only, so that it can come before lib-cli.sh).  Nothing mounted
# here is seen outside, and it all goes when the test ends.

# hp_private_ns SCRIPT ARGS...: run SCRIPT again inside a new private
# mount namespace (once; HP_IN_NS marks the second run), or exit 77 with
# the reason.
hp_private_ns() {
    [ -n "${HP_IN_NS:-}" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP: needs root for a private mount namespace (unshare -m)"
        exit 77
    fi
    if ! command -v unshare >/dev/null 2>&1; then
        echo "SKIP: unshare (util-linux) is not installed"
        exit 77
    fi
    if ! unshare -m --propagation private true 2>/dev/null; then
        echo "SKIP: cannot create a mount namespace here"
        exit 77
    fi
    HP_IN_NS=1 exec unshare -m --propagation private bash "$@"
}

# Mounts made here, undone (last first) before the test's folder goes.
HP_MOUNTS=()
# hp_ns_mount MOUNT-ARGS... TARGET: mount, and unmount when the test ends.
hp_ns_mount() {
    mount "$@" || return 1
    HP_MOUNTS+=("${!#}")
    trap 'hp_ns_umount; hp_cleanup' EXIT
}
hp_ns_umount() {
    local i p
    for p in "${HP_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    for ((i = ${#HP_MOUNTS[@]} - 1; i >= 0; i--)); do
        umount "${HP_MOUNTS[i]}" 2>/dev/null || umount -l "${HP_MOUNTS[i]}"
    done
    HP_MOUNTS=()
}

# hp_ns_dev: /dev writable in this namespace only (an overlay on it), so
# that /dev/log can be a socket of the test's.
hp_ns_dev() {
    mkdir -p "$HP_WORK/dev.up" "$HP_WORK/dev.work"
    hp_ns_mount -t overlay hostpin-dev \
        -o "lowerdir=/dev,upperdir=$HP_WORK/dev.up,workdir=$HP_WORK/dev.work" /dev ||
        hp_skip "cannot lay an overlay on /dev in the mount namespace"
    rm -f /dev/log
}

# hp_syslogd: a listener on /dev/log writing /var/log/auth.log and
# /var/log/syslog as rsyslog would (tests/cli/syslogd.py), for at most 5
# minutes; /var/log is $HP_WORK/log here, and a journald of the machine
# is hidden, so that syslog files are what there is to read.
hp_syslogd() {
    hp_need python3
    hp_ns_dev
    mkdir -p "$HP_WORK/log"
    hp_ns_mount --bind "$HP_WORK/log" /var/log
    if [ -d /run/systemd ]; then
        hp_ns_mount -t tmpfs hostpin-run-systemd /run/systemd
    fi
    timeout 310 python3 "$HP_SRC/tests/cli/syslogd.py" /dev/log \
        /var/log/auth.log /var/log/syslog 300 &
    HP_PIDS+=($!)
    for _ in $(seq 1 100); do
        [ -S /dev/log ] && return 0
        sleep 0.05
    done
    echo "the syslog listener did not start" >&2
    exit 1
}

# hp_journald: a real systemd-journald for this namespace only (volatile
# and persistent storage on tmpfs, its sockets in a tmpfs /run, /dev/log
# its syslog socket), or exit 77 when there is none.
hp_journald() {
    local j=/lib/systemd/systemd-journald
    [ -x "$j" ] || j=/usr/lib/systemd/systemd-journald
    [ -x "$j" ] || hp_skip "systemd-journald is not installed (package systemd)"
    hp_ns_dev
    hp_ns_mount -t tmpfs hostpin-run /run
    mkdir -p /run/systemd/journal
    # Persistent storage, where the machine has it, goes to a tmpfs too
    # (without it, journald keeps the volatile one in /run).
    if [ -d /var/log/journal ]; then
        hp_ns_mount -t tmpfs hostpin-journal /var/log/journal
    fi
    timeout 300 "$j" >"$HP_WORK/journald.log" 2>&1 &
    HP_PIDS+=($!)
    for _ in $(seq 1 100); do
        if [ -S /run/systemd/journal/dev-log ]; then
            ln -sf /run/systemd/journal/dev-log /dev/log
            return 0
        fi
        sleep 0.05
    done
    cat "$HP_WORK/journald.log" >&2
    hp_skip "systemd-journald did not start in the mount namespace"
}
