#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# hostpin log from the journal: a real systemd-journald of this test's
# own (private mount namespace: its sockets, /dev/log and storage exist
# here only) receives the refusals of curl, Python and openssl s_client;
# hostpin log reads them through sd-journal (libsystemd opened at run
# time), with the pid journald recorded, and follows new ones with -f.
# shellcheck source-path=SCRIPTDIR source=lib-ns.sh
source "$HP_SRC/tests/cli/lib-ns.sh"
hp_private_ns "$0" "$@"
# shellcheck source-path=SCRIPTDIR source=lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"
# shellcheck source-path=SCRIPTDIR source=lib-log.sh
source "$HP_SRC/tests/cli/lib-log.sh"
hp_need python3
[ -e /usr/lib/x86_64-linux-gnu/libsystemd.so.0 ] || [ -e /lib/x86_64-linux-gnu/libsystemd.so.0 ] ||
    ldconfig -p 2>/dev/null | grep -q 'libsystemd\.so\.0 ' ||
    hp_skip "libsystemd.so.0 is not installed"

hp_journald
hp_log_setup
W=$HP_WORK
mapfile -t CLIENTS < <(hp_log_clients)

# journal_has N: wait (bounded) until the journal holds N refusals.
journal_has() {
    local n=$1
    for _ in $(seq 1 100); do
        [ "$("$HOSTPIN" log -n 0 2>/dev/null | grep -c '  refused  ')" -ge "$n" ] && return 0
        sleep 0.1
    done
    return 1
}

for c in "${CLIENTS[@]}"; do
    hp_refuse "$c"
    hp_is "$c is refused by the impostor" 1 "$([ "$RC" -ne 0 ] && echo 1 || echo 0)"
done
journal_has "${#CLIENTS[@]}" || hp_fail "the refusals did not reach the journal"

hp_run "$HOSTPIN" log
hp_is "log: exit 0" 0 "$RC"
hp_has "log: read from the journal (journald runs)" "$OUT" "-- hostpin's messages from the journal"
hp_check_entries "journal" "$OUT" "${CLIENTS[@]}"
hp_has "journal: the pid journald recorded" "$OUT" "  openssl["
hp_is "journal: one entry per refusal" "${#CLIENTS[@]}" "$(grep -c '  refused  pinned.test' <<<"$OUT")"
hp_run "$HOSTPIN" log --json --program python3
hp_json_ok "journal --json" "$OUT"
hp_has "journal --json: the source" "$OUT" '"source": "the journal"'
hp_has "journal --json: a pid" "$OUT" '"pid": '
hp_lacks "journal --json: only python3" "$OUT" '"program": "openssl"'
hp_run "$HOSTPIN" log --since "$(date -d '+1 minute' '+%Y-%m-%d %H:%M')"
hp_has "journal --since later: none" "$OUT" "No hostpin messages that match."

# Only hostpin's messages: another program's line in facility auth is not.
python3 -c 'import syslog; syslog.openlog("other", 0, syslog.LOG_AUTH); syslog.syslog("hostpinned: not ours")'
hp_run "$HOSTPIN" log -n 0
hp_lacks "journal: other messages left out" "$OUT" "not ours"

# Following the journal.
timeout 30 "$HOSTPIN" log -f -n 0 --program openssl >"$W/follow.out" 2>&1 &
FOLLOW=$!
HP_PIDS+=("$FOLLOW")
hp_wait_for "$W/follow.out" 1 "-- hostpin's messages from" || hp_fail "-f printed nothing"
before=$(grep -c '  refused  ' "$W/follow.out")
hp_refuse s_client
if hp_wait_for "$W/follow.out" "$((before + 1))" "  refused  pinned.test"; then
    hp_pass "journal -f: a new refusal is shown as it happens"
else
    hp_fail "journal -f: the new refusal did not show"
    cat "$W/follow.out"
fi
kill "$FOLLOW" 2>/dev/null

# Syslog files are not read where journald runs, unless asked.
printf '%s vm curl: hostpin: refused: certificate chain does not match the pins for "file.test" (rule /x:1, mode enforce); chain: [0] sha256/a= /CN=file.test;\n' \
    "$(date +%Y-%m-%dT%H:%M:%S%:z)" >"$W/extra.log"
hp_run "$HOSTPIN" log --file "$W/extra.log" --host file.test
hp_has "--file beside the journal: read" "$OUT" "refused  file.test"
hp_run "$HOSTPIN" log --journal --file "$W/extra.log" -n 0
hp_has "--journal --file: both" "$OUT" "refused  file.test"
hp_has "--journal --file: both, the journal too" "$OUT" "  openssl["

# hostpin suggest learns from the reports in the journal, as hostpin log
# reads them: a host in report mode whose reports go to syslog only.
hp_pins_text "$W/learn.conf" 'version = 1;' 'mode = "report";' \
    'report = { syslog = true; };' 'hosts = (' \
    "  { host = \"pinned.test\"; pins = [ \"$HP_ZERO_PIN\" ]; }" ');'
hp_cnf "$W/learn.cnf" "$W/learn.conf"
for _ in 1 2 3; do
    OPENSSL_CONF=$W/learn.cnf hp_openssl s_client -connect "127.0.0.1:$GPORT" \
        -servername pinned.test -verify_hostname pinned.test -verify_return_error \
        -CAfile "$P/bundle.pem" </dev/null >/dev/null 2>&1
done
for _ in $(seq 1 100); do
    "$HOSTPIN" log -n 0 2>/dev/null | grep -q 'report-only' && break
    sleep 0.1
done
hp_run "$HOSTPIN" suggest --pins "$W/learn.conf" --cafile "$P/bundle.pem" -o "$W/proposal.conf"
hp_is "suggest from the journal: exit 0" 0 "$RC"
hp_has "suggest from the journal: the reports read" "$ERR" "1 host proposed from 3 reports"
hp_has "suggest from the journal: pins the intermediate" "$(cat "$W/proposal.conf")" "\"sha256/$INTER\""
hp_has "suggest from the journal: says where they came from" "$(cat "$W/proposal.conf")" "the journal"
hp_run "$HOSTPIN" suggest --pins "$W/learn.conf" --cafile "$P/bundle.pem" --directory /nonexistent
hp_is "suggest --directory that is not a journal: exit 1" 1 "$RC"
hp_has "suggest --directory that is not a journal: says why" "$ERR" \
    "hostpin suggest: cannot open the journal in /nonexistent"

hp_done
