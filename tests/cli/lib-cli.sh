# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers for the hostpin command's tests (sourced, bash), on top of the
# integration helpers (test PKI, servers, openssl.cnf and pins files).
#
# Environment (set by CTest): HP_BIN (folder of the hostpin command),
# HP_MODULES, HP_SRC.

# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$HP_SRC/tests/integration/lib.sh"

hp_need openssl timeout
HOSTPIN="$HP_BIN/hostpin"
if [ ! -x "$HOSTPIN" ]; then
    echo "the hostpin command is not built: $HOSTPIN" >&2
    exit 1
fi
# The tests choose the OpenSSL configuration of each command themselves.
unset OPENSSL_CONF OPENSSL_MODULES

# In a sanitizer build hostpin.so needs the ASan runtime, which the system
# openssl binary does not load by itself: hp_openssl preloads it.  The
# test environment may preload it into every program instead; here only
# hp_openssl needs it (other tools, groff for one, break under it), and
# the hostpin command, instrumented itself, gets leak detection back.
HP_PRELOAD=
if ldd "$HP_MODULES/hostpin.so" 2>/dev/null | grep -q libasan; then
    HP_PRELOAD=$(gcc -print-file-name=libasan.so 2>/dev/null)
fi
if [[ ${LD_PRELOAD:-} == *libasan* ]]; then
    HP_PRELOAD=$LD_PRELOAD
    unset LD_PRELOAD
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
fi

# curl cannot load an instrumented hostpin.so: it needs the ASan runtime
# preloaded, under which curl deadlocks (hp_curl_usable).
hp_cli_curl() { command -v curl >/dev/null && [ -z "$HP_PRELOAD" ]; }

# hp_openssl ARGS...: the openssl command, able to load hostpin.so.
hp_openssl() {
    if [ -n "$HP_PRELOAD" ]; then
        LD_PRELOAD="$HP_PRELOAD" ASAN_OPTIONS=detect_leaks=0 openssl "$@"
    else
        openssl "$@"
    fi
}

# hp_json_ok DESC TEXT: TEXT parses as JSON (when python3 is there).
hp_json_ok() {
    if ! command -v python3 >/dev/null 2>&1; then
        return 0
    fi
    if python3 -c 'import json, sys; json.load(sys.stdin)' <<<"$2"; then
        hp_pass "$1: valid JSON"
    else
        hp_fail "$1: not valid JSON"
    fi
}

# hp_expired_cert DIR NAME: NAME.pem, a self-signed certificate that
# expired in 2020, and its key NAME.key.
hp_expired_cert() { hp_dated_cert "$1" "$2" 20200101000000Z 20200201000000Z; }
# hp_dated_cert DIR NAME START END: the same, valid from START to END.
hp_dated_cert() {
    local d=$1 n=$2 start=$3 end=$4
    (
        cd "$d" || exit 1
        mkdir -p "$n.ca" && : >"$n.ca/index.txt" && echo 01 >"$n.ca/serial"
        printf '%s\n' '[ca]' 'default_ca = c' '[c]' "dir = $n.ca" \
            "database = $n.ca/index.txt" "serial = $n.ca/serial" \
            "new_certs_dir = $n.ca" 'default_md = sha256' 'policy = p' \
            '[p]' 'commonName = supplied' >"$n.ca/ca.cnf"
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -subj "/CN=$n" -keyout "$n.key" -out "$n.csr" 2>/dev/null &&
            openssl ca -batch -selfsign -config "$n.ca/ca.cnf" \
                -keyfile "$n.key" -in "$n.csr" -out "$n.pem" \
                -startdate "$start" -enddate "$end" \
                >/dev/null 2>&1
    ) || { echo "could not create an expired certificate" >&2; exit 1; }
}

# hp_pins_text FILE TEXT...: a pins file with these lines.
hp_pins_text() {
    local f=$1
    shift
    printf '%s\n' "$@" >"$f"
    hp_settle "$f"
}

# hp_closed_port: a port of 127.0.0.1 where nothing listens (bounded
# search).
hp_closed_port() {
    local i p
    for i in $(seq 1 50); do
        p=$((20000 + (RANDOM * 7 + i) % 40000))
        if ! timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    echo "no closed port found" >&2
    exit 1
}

# A well-formed pin that matches no key (used by the tests).
# shellcheck disable=SC2034
HP_ZERO_PIN="sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
