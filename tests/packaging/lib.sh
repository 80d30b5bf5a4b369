# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers shared by scripts/install-test.sh, scripts/openssl-versions.sh
# and the packaging tests (sourced, bash).

# Where expensive things are kept between runs, outside the source tree.
# shellcheck disable=SC2034 # for the scripts that source this
HP_CACHE=${HOSTPIN_CACHE:-/var/cache/hostpin}

# hp_mirror: the Debian archive this machine's apt uses (the first `deb`
# source of the main archive, from deb822 .sources files or one-line
# sources.list entries), so that nothing names a mirror of its own.
hp_mirror() {
    local f
    for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list \
        /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        case $f in
        *.sources)
            awk '
                function flush() {
                    if (types ~ /(^| )deb( |$)/ && comps ~ /(^| )main( |$)/ &&
                        suites !~ /-security/ && uri != "") {
                        print uri; found = 1; exit
                    }
                    types = ""; suites = ""; comps = ""; uri = ""
                }
                /^[ \t]*#/ { next }
                /^[ \t]*$/ { flush(); next }
                /^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
                /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
                /^Components:/ { sub(/^Components:[ \t]*/, ""); comps = $0 }
                /^URIs:/ { uri = $2 }
                END { if (!found) flush() }' "$f" ;;
        *)
            awk '$1 == "deb" && $0 ~ / main( |$)/ && $0 !~ /-security/ {
                    for (i = 2; i <= NF; i++)
                        if ($i ~ /^[a-z+]+:\/\//) { print $i; exit }
                }' "$f" ;;
        esac
    done | head -n 1 | sed 's:/*$::'
}

# hp_apt_private DIR LINE...: an apt configuration of its own in DIR
# (sources, lists, caches), leaving the machine's untouched; sets HP_APT
# to the options that select it.
hp_apt_private() {
    local d=$1
    shift
    mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/parts"
    printf '%s\n' "$@" >"$d/sources.list"
    # shellcheck disable=SC2034 # for the caller
    HP_APT=(-o "Dir::Etc::SourceList=$d/sources.list"
        -o "Dir::Etc::SourceParts=$d/parts"
        -o "Dir::State::Lists=$d/lists"
        -o "Dir::Cache=$d/cache"
        -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
        -o "APT::Sandbox::User=root")
}
