#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# hostpin log from syslog files: refusals by curl, Python and openssl
# s_client, written by the module through syslog(3) to /dev/log -- here
# a listener of the test's in a private mount namespace, writing
# /var/log/auth.log as rsyslog does -- appear with the program, the host,
# the rule and the chain's pins; the filters, -n, -f, JSON, the reports
# file and its merge with the log line, and what happens with no log.
# shellcheck source-path=SCRIPTDIR source=lib-ns.sh
source "$HP_SRC/tests/cli/lib-ns.sh"
hp_private_ns "$0" "$@"
# shellcheck source-path=SCRIPTDIR source=lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"
# shellcheck source-path=SCRIPTDIR source=lib-log.sh
source "$HP_SRC/tests/cli/lib-log.sh"
hp_need python3

hp_syslogd
hp_log_setup
W=$HP_WORK
mapfile -t CLIENTS < <(hp_log_clients)

for c in "${CLIENTS[@]}"; do
    hp_refuse "$c"
    hp_is "$c is refused by the impostor" 1 "$([ "$RC" -ne 0 ] && echo 1 || echo 0)"
done
# A connection hostpin lets through leaves nothing.
OPENSSL_CONF=$CNF hp_run hp_openssl s_client -connect "127.0.0.1:$GPORT" \
    -servername pinned.test -verify_hostname pinned.test -verify_return_error \
    -CAfile "$P/bundle.pem" </dev/null
hp_is "s_client reaches the genuine server" 0 "$RC"
hp_wait_for /var/log/auth.log "${#CLIENTS[@]}" "hostpin: refused:" ||
    hp_fail "the refusals did not reach the syslog listener"
hp_lacks "syslog: nothing in the other file" "$(cat /var/log/syslog 2>/dev/null)" "hostpin"

# --- Every refusal, from /var/log/auth.log by default. -------------------
hp_run "$HOSTPIN" log
hp_is "log: exit 0" 0 "$RC"
hp_has "log: says where it read" "$OUT" "-- hostpin's messages from /var/log/auth.log"
hp_check_entries "log" "$OUT" "${CLIENTS[@]}"
hp_is "log: one entry per refusal" "${#CLIENTS[@]}" "$(grep -c '  refused  pinned.test' <<<"$OUT")"

hp_run "$HOSTPIN" log --json
hp_json_ok "log --json" "$OUT"
n=$(python3 -c '
import json, sys
ileaf, iroot, inter = sys.argv[1:4]
ok = [e for e in json.load(sys.stdin)
      if e["kind"] == "refused" and e["host"] == "pinned.test"
      and [c["pin"] for c in e["chain"]] == ["sha256/" + ileaf, "sha256/" + iroot]
      and "sha256/" + inter in e["pins"] and e["rule"].endswith("pins.conf:3")
      and e["mode"] == "enforce" and e["source"] == "/var/log/auth.log"]
print(" ".join(sorted(e["program"] for e in ok)))' "$ILEAF" "$IROOT" "$INTER" <<<"$OUT")
want=$(for c in "${CLIENTS[@]}"; do hp_program "$c"; done | sort | tr '\n' ' ')
hp_is "log --json: each program's refusal with its chain and pins" "${want% }" "$n"

# --- Filters. -----------------------------------------------------------
hp_run "$HOSTPIN" log --program openssl
hp_has "--program: the one asked for" "$OUT" "  openssl  refused  pinned.test"
hp_lacks "--program: not the others" "$OUT" "  python3  "
hp_run "$HOSTPIN" log --host PINNED.TEST.
hp_is "--host: any spelling of the name" "${#CLIENTS[@]}" "$(grep -c '  refused  pinned.test' <<<"$OUT")"
hp_run "$HOSTPIN" log --host other.test
hp_has "--host: another host, nothing" "$OUT" "No hostpin messages that match."
hp_is "--host: nothing is no error" 0 "$RC"
hp_run "$HOSTPIN" log --since 1h
hp_is "--since 1h: all of them" "${#CLIENTS[@]}" "$(grep -c '  refused  ' <<<"$OUT")"
hp_run "$HOSTPIN" log --since "$(date -d '+1 minute' '+%Y-%m-%d %H:%M')"
hp_has "--since later: none" "$OUT" "No hostpin messages that match."
hp_run "$HOSTPIN" log -n 1
hp_is "-n 1: one" 1 "$(grep -c '  refused  ' <<<"$OUT")"
hp_has "-n 1: says how many are left out" "$OUT" \
    "-- $((${#CLIENTS[@]} - 1)) earlier message"
hp_has "-n 1: the last one" "$OUT" "  openssl  refused  pinned.test"

# --- Report mode. -------------------------------------------------------
hp_pins "$W/report.conf" pinned.test "$INTER" 'mode = "report";'
hp_cnf "$W/report.cnf" "$W/report.conf"
hp_refuse s_client pinned.test "$W/report.cnf"
hp_is "report mode: the impostor is reached" 0 "$RC"
hp_wait_for /var/log/auth.log 1 "report only" || hp_fail "no report-mode line"
hp_run "$HOSTPIN" log --json -n 1
hp_has "report mode: a report-only entry" "$OUT" '"kind": "report-only"'
hp_has "report mode: its mode" "$OUT" '"mode": "report"'

# --- Following. ---------------------------------------------------------
timeout 30 "$HOSTPIN" log -f -n 0 --program openssl >"$W/follow.out" 2>&1 &
FOLLOW=$!
HP_PIDS+=("$FOLLOW")
hp_wait_for "$W/follow.out" 1 "-- hostpin's messages from" || hp_fail "-f printed nothing"
before=$(grep -c '  refused  ' "$W/follow.out")
hp_refuse s_client
if hp_wait_for "$W/follow.out" "$((before + 1))" "  refused  pinned.test"; then
    hp_pass "-f: a new refusal is shown as it happens"
else
    hp_fail "-f: the new refusal did not show"
    cat "$W/follow.out"
fi
kill "$FOLLOW" 2>/dev/null
timeout 30 "$HOSTPIN" log -f -n 0 --json --program openssl >"$W/follow.json" 2>&1 &
FOLLOW=$!
HP_PIDS+=("$FOLLOW")
sleep 0.5
hp_refuse s_client
hp_wait_for "$W/follow.json" 1 '"kind":"refused"' || hp_fail "-f --json: nothing"
kill "$FOLLOW" 2>/dev/null
hp_is "-f --json: one object per line" ok "$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    json.loads(l)
print("ok")' "$W/follow.json" 2>&1)"

# --- The reports file: merged with the log line of the same refusal. ------
{
    echo 'version = 1;'
    echo "report = { file = \"$W/reports.jsonl\"; };"
    echo 'hosts = ('
    echo "  { host = \"api.pinned.test\"; pins = [ \"sha256/$INTER\", \"$HP_ZERO_PIN\" ]; }"
    echo ');'
} >"$W/rep.conf"
hp_cnf "$W/rep.cnf" "$W/rep.conf"
hp_refuse python api.pinned.test "$W/rep.cnf"
hp_wait_for "$W/reports.jsonl" 1 api.pinned.test || hp_fail "no report written"
hp_wait_for /var/log/auth.log 1 'for "api.pinned.test"' || hp_fail "no log line"
OPENSSL_CONF=$W/rep.cnf hp_run "$HOSTPIN" log --host api.pinned.test
hp_has "reports: read from the pins file's reports file" "$OUT" "reports $W/reports.jsonl"
hp_is "reports: one entry for the refusal seen twice" 1 "$(grep -c '  refused  api.pinned.test' <<<"$OUT")"
hp_has "reports: the pid and port from the report" "$OUT" "  python3["
hp_has "reports: ... and the port" "$OUT" "refused  api.pinned.test:$IPORT"
hp_run "$HOSTPIN" log --file /dev/null --reports "$W/reports.jsonl" --json
hp_has "reports alone: the refusal" "$OUT" '"host": "api.pinned.test"'
hp_has "reports alone: the chain" "$OUT" "\"pin\": \"sha256/$ILEAF\""
hp_has "reports alone: the source" "$OUT" "\"source\": \"$W/reports.jsonl\""

# --- A syslog file named on the command line; no log at all. -------------
cp /var/log/auth.log "$W/copy.log"
hp_run "$HOSTPIN" log --file "$W/copy.log" --program curl
if hp_cli_curl; then
    hp_has "--file: read" "$OUT" "  curl  refused  pinned.test"
fi
hp_expect "--file missing" 1 "cannot read $W/none.log" "$HOSTPIN" log --file "$W/none.log"
mkdir -p "$W/empty"
hp_ns_mount --bind "$W/empty" /var/log
hp_expect "no log" 1 "no log to read: journald is not running" "$HOSTPIN" log

# --- Usage. -------------------------------------------------------------
hp_expect "usage: --since" 64 "is not a time" "$HOSTPIN" log --since soon
hp_expect "usage: -n" 64 "is not a count" "$HOSTPIN" log -n x
hp_expect "usage: an argument" 64 "takes no arguments" "$HOSTPIN" log foo
hp_expect "help" 0 "Usage: hostpin log" "$HOSTPIN" log --help

hp_done
