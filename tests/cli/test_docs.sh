#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The man pages: they render without warnings, and hostpin(1) documents
# every command and every option the command's --help lists.
# shellcheck source-path=SCRIPTDIR source=lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"
hp_need groff

for page in hostpin.1 hostpin.conf.5 hostpin.7; do
    f=$HP_SRC/docs/$page
    if [ ! -f "$f" ]; then
        hp_fail "$page: missing"
        continue
    fi
    hp_run groff -man -Tutf8 -ww -z "$f"
    hp_is "$page renders without warnings" "" "$ERR"
    hp_is "$page has no control characters" "" \
        "$(LC_ALL=C grep -n '[[:cntrl:]]' "$f" | grep -v "$(printf '\t')" || true)"
done

man1=$(groff -man -Tutf8 -P-cbou "$HP_SRC/docs/hostpin.1" 2>/dev/null)
for c in pin fetch check audit suggest lint status; do
    hp_has "hostpin(1) documents $c" "$man1" "hostpin $c [OPTION]..."
    for o in $("$HOSTPIN" "$c" --help | grep -Eo -- '--[a-z][a-z-]+' | sort -u); do
        hp_has "hostpin(1) documents $c $o" "$man1" "$o"
    done
done
man5=$(groff -man -Tutf8 -P-cbou "$HP_SRC/docs/hostpin.conf.5" 2>/dev/null)
for k in version mode reload_interval hosts certs_dir host \
    include_subdomains pins certs expires; do
    hp_has "hostpin.conf(5) documents $k" "$man5" "       $k"
done
man7=$(groff -man -Tutf8 -P-cbou "$HP_SRC/docs/hostpin.7" 2>/dev/null)
for s in "ENABLING HOSTPIN" "For one process" "For the whole system" \
    "WHAT IS NOT COVERED" "READING A REFUSAL" "OPENSSL_CONF" "on_error" \
    "ROLLING OUT PINS" "hostpin suggest" "hostpin audit"; do
    hp_has "hostpin(7): $s" "$man7" "$s"
done

hp_done
