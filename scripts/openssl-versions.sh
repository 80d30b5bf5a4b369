#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# hostpin against OpenSSL 3.5 (the current long-term release) and 4.0,
# besides the system's 3.0 that scripts/test.sh covers.
#
# Each OpenSSL comes from Debian's source package (3.5 from trixie, 4.0
# from sid or experimental), fetched with `apt-get source` through a
# private sources list and lists folder (the machine's apt configuration
# is not touched), built with its own ./Configure (not dpkg-buildpackage:
# Debian's build compiles it three times and runs its whole test suite)
# without docs and tests, and installed with make install_sw
# install_ssldirs into a private prefix kept in
# ${HOSTPIN_CACHE:-/var/cache/hostpin}/openssl/VERSION, so a second run
# builds nothing.  hostpin is then built against it (-DOPENSSL_ROOT_DIR)
# and its unit, integration, command and packaging tests run with that
# OpenSSL's own `openssl` (s_server, s_client, verify) and libraries
# (rpath).  The tests that drive curl or Python are left out: those link
# the system's libssl 3.0, which cannot load a module built for another
# OpenSSL.
#
# usage: scripts/openssl-versions.sh [SERIES...]   (default: 3.5 4.0)
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
# shellcheck source=../tests/packaging/lib.sh
source tests/packaging/lib.sh
SERIES=("$@")
[ ${#SERIES[@]} -gt 0 ] || SERIES=(3.5 4.0)

need=()
for p in dpkg-dev perl make gcc util-linux; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    SUDO=
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

WORK=$(mktemp -d /tmp/hostpin-openssl.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$HP_CACHE/openssl"
say() { echo "== openssl-versions: $* (${SECONDS}s)"; }

# The Debian source versions of openssl on offer, newest first.
MIRROR=$(hp_mirror)
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
LISTS_OK=0
if [ -n "$MIRROR" ]; then
    lines=()
    for s in trixie sid experimental; do
        lines+=("deb-src [signed-by=$KEYRING] $MIRROR $s main")
    done
    hp_apt_private "$HP_CACHE/apt" "${lines[@]}"
    if apt-get -q "${HP_APT[@]}" update >"$WORK/update.log" 2>&1; then
        LISTS_OK=1
    else
        echo "note: cannot update the private source lists; using the cache"
        tail -n 5 "$WORK/update.log"
    fi
fi
versions_of() { # SERIES: Debian versions of openssl S.x, newest first
    [ "$LISTS_OK" -eq 1 ] || return 0
    apt-cache "${HP_APT[@]}" showsrc openssl 2>/dev/null |
        sed -n 's/^Version: //p' | sort -u |
        while read -r v; do
            case $v in "$1".*) echo "$v" ;; esac
        done | sort -V -r
}

# prefix_for SERIES: a built OpenSSL of that series; sets PREFIX, DEBVER.
prefix_for() {
    local s=$1 v p src
    for v in $(versions_of "$s"); do
        p=$HP_CACHE/openssl/$v
        # One build per version, even with several runs at once.
        exec 9>"$p.lock"
        flock 9
        if [ -f "$p/.complete" ]; then
            exec 9>&-
            PREFIX=$p DEBVER=$v
            return 0
        fi
        rm -rf "$WORK/src" && mkdir -p "$WORK/src"
        # A version the index lists may be gone from the mirror: try older.
        if ! (cd "$WORK/src" && apt-get -q "${HP_APT[@]}" source "openssl=$v" \
            >"$WORK/source.log" 2>&1); then
            echo "note: cannot fetch openssl $v source; trying an older one"
            exec 9>&-
            continue
        fi
        src=$(find "$WORK/src" -mindepth 1 -maxdepth 1 -type d -name 'openssl-*' | head -n 1)
        say "building OpenSSL $v (Debian source) into $p"
        rm -rf "$p"
        local t0=$SECONDS
        (
            cd "$src"
            # -Wl,-rpath: its openssl finds its own libraries, no
            # LD_LIBRARY_PATH needed.
            nice ./Configure --prefix="$p" --openssldir="$p/ssl" --libdir=lib \
                shared no-docs no-tests "-Wl,-rpath,$p/lib"
            nice make -j2
            make install_sw install_ssldirs
        ) >"$WORK/build-$v.log" 2>&1 || {
            tail -n 30 "$WORK/build-$v.log"
            echo "openssl-versions: building OpenSSL $v failed" >&2
            exit 1
        }
        echo "$v built in $((SECONDS - t0))s" | tee "$p/.complete"
        exec 9>&-
        rm -rf "$WORK/src"
        PREFIX=$p DEBVER=$v
        return 0
    done
    # No lists (offline): the newest cached build of the series.
    for p in $(find "$HP_CACHE/openssl" -mindepth 1 -maxdepth 1 -name "$s.*" | sort -V -r); do
        if [ -f "$p/.complete" ]; then
            PREFIX=$p DEBVER=${p##*/}
            return 0
        fi
    done
    echo "openssl-versions: no OpenSSL $s source package or cached build" >&2
    exit 1
}

# Tests that run curl or Python (the system's libssl 3.0) against the
# module: left out here.
# Tests that drive programs linked with the system's libssl (curl, Python,
# nginx, stunnel, HAProxy, redis-cli, PHP, Node.js), which cannot load a
# module built for another OpenSSL.
FOREIGN='curl|python|pins_errors|reload|policy_integration|soundness_(names|daemons|files|halfwritten)|cli_check|cli_ps|cli_log|cli_suggest'

for s in "${SERIES[@]}"; do
    say "OpenSSL $s"
    prefix_for "$s"
    "$PREFIX/bin/openssl" version
    major=${s%%.*}
    B=$WORK/build-$s
    cmake -S "$SRC" -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DOPENSSL_ROOT_DIR="$PREFIX" \
        -DHOSTPIN_MODULESDIR="$PREFIX/lib/ossl-modules" >"$WORK/cmake-$s.log" 2>&1 || {
        cat "$WORK/cmake-$s.log"
        exit 1
    }
    nice cmake --build "$B" -j2 >"$WORK/make-$s.log" 2>&1 || {
        grep -E 'error|warning' "$WORK/make-$s.log" | head -n 40
        echo "openssl-versions: hostpin does not build against OpenSSL $DEBVER" >&2
        exit 1
    }
    # Built against this OpenSSL, and finding it without help.
    for f in "$B/modules/hostpin.so" "$B/modules/hostpin-core.so" "$B/bin/hostpin"; do
        lib=$(ldd "$f" | awk '/libcrypto\.so/ { print $1 " => " $3 }')
        echo "$f: $lib"
        case $lib in
        "libcrypto.so.$major => $PREFIX/lib/"*) ;;
        *) echo "openssl-versions: $f does not use $PREFIX/lib" >&2; exit 1 ;;
        esac
    done
    grep -q "HP_LIBSSL_SONAME=\\\\\"libssl.so.$major\\\\\"" \
        "$B/CMakeFiles/hostpin-core.dir/flags.make" || {
        echo "openssl-versions: the module would not look for libssl.so.$major" >&2
        exit 1
    }
    # Functions looked up by name carry the major's version node
    # (provider/hostpin.h, HP_OSSL_SYMVER), as the module's imports do.
    nm -D --undefined-only "$B/modules/hostpin.so" |
        grep -q "@OPENSSL_$major\.0\.0\$" || {
        echo "openssl-versions: hostpin.so does not import OPENSSL_$major.0.0 functions" >&2
        exit 1
    }
    "$B/bin/hostpin" --version | head -n 2
    PATH=$PREFIX/bin:$PATH HP_SYSTEM_CLIENTS=no ctest --test-dir "$B" \
        --output-on-failure -j2 \
        -L 'unit|integration|cli|packaging' \
        -E "$FOREIGN" || {
        echo "openssl-versions: tests failed against OpenSSL $DEBVER" >&2
        exit 1
    }
    say "OpenSSL $DEBVER: passed"
done
echo "openssl-versions: hostpin passed against OpenSSL ${SERIES[*]} in ${SECONDS}s"
