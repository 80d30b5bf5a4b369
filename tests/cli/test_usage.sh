#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# hostpin's help, version and usage errors: exit statuses and messages.
# shellcheck source-path=SCRIPTDIR source=lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"

hp_expect "--help" 0 "Usage: hostpin COMMAND" "$HOSTPIN" --help
for c in pin fetch check audit suggest lint status log ps; do
    hp_has "--help lists $c" "$OUT" "  $c "
done
hp_expect "--version" 0 "hostpin " "$HOSTPIN" --version
# 3.x or 4.x, whichever it was built with.
if [[ $OUT =~ OpenSSL\ [34]\.[0-9]+\.[0-9]+ ]]; then
    hp_pass "--version names OpenSSL and its version"
else
    hp_fail "--version names OpenSSL: not in: $OUT"
fi
hp_has "--version names json-c" "$OUT" "json-c"
for c in pin fetch check audit suggest lint status log ps; do
    hp_expect "$c --help" 0 "Usage: hostpin $c" "$HOSTPIN" "$c" --help
    hp_is "$c --help prints nothing on stderr" "" "$ERR"
    hp_expect "help $c" 0 "Usage: hostpin $c" "$HOSTPIN" help "$c"
done
hp_expect "check --help explains exit statuses" 0 \
    "2 no rule in force for HOST, 3 could not connect or verify" \
    "$HOSTPIN" check --help

hp_run "$HOSTPIN"
hp_is "no command: exit 64" 64 "$RC"
hp_has "no command: usage on stderr" "$ERR" "Usage: hostpin COMMAND"
hp_is "no command: nothing on stdout" "" "$OUT"

hp_expect "unknown command" 64 "hostpin: no command 'frob'" "$HOSTPIN" frob
hp_has "unknown command: says what to do" "$ERR" "Try 'hostpin --help'."
hp_has "unknown command: lists every command" "$ERR" \
    "Commands: pin, fetch, check, audit, suggest, lint, status, log, ps, enable, disable, import, index."
hp_expect "unknown global option" 64 "unknown option '--frob'" \
    "$HOSTPIN" --frob
hp_expect "help for an unknown command" 64 "no command 'frob'" \
    "$HOSTPIN" help frob
hp_expect "unknown option" 64 "hostpin lint: unknown option '--frob'" \
    "$HOSTPIN" lint --frob
hp_has "unknown option: says what to do" "$ERR" "Try 'hostpin lint --help'."
hp_expect "unknown short option" 64 "unknown option '-z'" \
    "$HOSTPIN" pin -z x
hp_expect "option without its value" 64 "option '--format' needs a value" \
    "$HOSTPIN" pin x --format
hp_expect "pin: unknown format" 64 "unknown format 'pem'" \
    "$HOSTPIN" pin --format pem x
hp_expect "pin: no file" 64 "give at least one FILE" "$HOSTPIN" pin
hp_expect "check: no target" 64 "give the server as HOST[:PORT]" \
    "$HOSTPIN" check
hp_expect "check: two targets" 64 "give one HOST[:PORT] only" \
    "$HOSTPIN" check a.test b.test
hp_expect "check: a URL" 64 "not a URL" "$HOSTPIN" check https://a.test/
hp_expect "check: a bad port" 64 "port must be a number from 1 to 65535" \
    "$HOSTPIN" check a.test:99999
hp_expect "check: a bad host" 64 "is not a host name or an IP address" \
    "$HOSTPIN" check 'a b:443'
hp_expect "check: bad brackets" 64 "[ADDR]:PORT" "$HOSTPIN" check '[::1'
hp_expect "check: bad timeout" 64 "--timeout wants whole seconds" \
    "$HOSTPIN" check --timeout 0 a.test
hp_expect "fetch: bad level" 64 "--level wants leaf, intermediate or root" \
    "$HOSTPIN" fetch --level top a.test
hp_expect "lint: two files" 64 "give one pins file at most" \
    "$HOSTPIN" lint a b
hp_expect "lint: bad --warn-days" 64 "--warn-days wants a number" \
    "$HOSTPIN" lint --warn-days soon a
hp_expect "status: an argument" 64 "takes no arguments" \
    "$HOSTPIN" status now
hp_is "usage errors print nothing on stdout" "" "$OUT"

hp_done
