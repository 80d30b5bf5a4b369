# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Shared helpers for hostpin's integration tests (sourced, bash).
#
# Environment (set by CTest): HP_MODULES (folder holding hostpin.so),
# HP_SRC (source tree).  Each test gets its own temporary folder; servers
# run under `timeout` and are killed when the test exits.

set -u
HP_WORK=$(mktemp -d "${TMPDIR:-/tmp}/hostpin-test.XXXXXX")
HP_PIDS=()
HP_FAILS=0
HP_CHECKS=0

hp_cleanup() {
    local p
    for p in "${HP_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$HP_WORK"
}
trap hp_cleanup EXIT

hp_skip() { echo "SKIP: $*"; exit 77; }
# curl deadlocks at start-up under a preloaded ASan runtime, with or without
# hostpin; the ASan run exercises the module through the other clients.
hp_curl_usable() { [[ ${LD_PRELOAD:-} != *libasan* ]]; }
hp_need() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || hp_skip "'$c' is not installed"
    done
}

# ok|fail DESCRIPTION -- record an expectation's outcome.
hp_pass() { HP_CHECKS=$((HP_CHECKS + 1)); echo "ok   - $*"; }
hp_fail() {
    HP_CHECKS=$((HP_CHECKS + 1)); HP_FAILS=$((HP_FAILS + 1))
    echo "FAIL - $*"
}
hp_done() {
    echo "$((HP_CHECKS - HP_FAILS)) passed, $HP_FAILS failed"
    [ "$HP_FAILS" -eq 0 ] && [ "$HP_CHECKS" -gt 0 ]
}

# Checks of commands, for the tests of the hostpin command, certificate
# pins and packaging.

# hp_run CMD...: run a command; sets RC, OUT (stdout) and ERR (stderr).
hp_run() {
    local o="$HP_WORK/run.out" e="$HP_WORK/run.err"
    RC=0
    "$@" >"$o" 2>"$e" || RC=$?
    OUT=$(cat "$o")
    ERR=$(cat "$e")
}

# hp_is DESC EXPECTED ACTUAL
hp_is() {
    if [ "$2" = "$3" ]; then
        hp_pass "$1"
    else
        hp_fail "$1: expected '$2', got '$3'"
    fi
}

# hp_has DESC TEXT FIXED-STRING: TEXT contains the string.
hp_has() {
    if grep -qF -- "$3" <<<"$2"; then
        hp_pass "$1"
    else
        hp_fail "$1: no '$3' in:"
        awk '{ print "    | " $0 }' <<<"$2" | head -n 40
    fi
}

# hp_lacks DESC TEXT FIXED-STRING: TEXT does not contain the string.
hp_lacks() {
    if grep -qF -- "$3" <<<"$2"; then
        hp_fail "$1: unexpected '$3' in:"
        awk '{ print "    | " $0 }' <<<"$2" | head -n 40
    else
        hp_pass "$1"
    fi
}

# hp_expect DESC RC FIXED-STRING CMD...: exit status and a message (in
# stdout or stderr) of one command.
hp_expect() {
    local desc=$1 rc=$2 msg=$3
    shift 3
    hp_run "$@"
    hp_is "$desc: exit status" "$rc" "$RC"
    hp_has "$desc: message" "$OUT
$ERR" "$msg"
}

# The SPKI pin of a certificate, by the classic pipeline (independent of
# hostpin's own code).
hp_pin_of() {
    openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
        openssl dgst -sha256 -binary | openssl base64 -A
}

# hp_pki DIR: genuine chain root -> intermediate -> leaf and an impostor
# root -> leaf with the same names; both roots are trusted (bundle.pem).
hp_pki() {
    local d=$1 alg=${2:-ec}
    local kopt=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
    [ "$alg" = rsa ] && kopt=(-newkey rsa:2048)
    mkdir -p "$d"
    local san="subjectAltName=DNS:pinned.test,DNS:api.pinned.test,DNS:deep.api.pinned.test,DNS:free.test,DNS:localhost,IP:127.0.0.1"
    (
        cd "$d" || exit 1
        openssl req -x509 "${kopt[@]}" -nodes -days 30 -subj "/O=Genuine/CN=Genuine Root" \
            -keyout groot.key -out groot.pem \
            -addext basicConstraints=critical,CA:TRUE \
            -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null || exit 1
        openssl req -new "${kopt[@]}" -nodes -subj "/O=Genuine/CN=Genuine Intermediate" \
            -keyout ginter.key -out ginter.csr 2>/dev/null || exit 1
        printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >ca.ext
        openssl x509 -req -in ginter.csr -CA groot.pem -CAkey groot.key -CAcreateserial \
            -days 30 -extfile ca.ext -out ginter.pem 2>/dev/null || exit 1
        printf '%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" >leaf.ext
        openssl req -new "${kopt[@]}" -nodes -subj "/O=Genuine/CN=pinned.test" \
            -keyout gleaf.key -out gleaf.csr 2>/dev/null || exit 1
        openssl x509 -req -in gleaf.csr -CA ginter.pem -CAkey ginter.key -CAcreateserial \
            -days 30 -extfile leaf.ext -out gleaf.pem 2>/dev/null || exit 1
        openssl req -x509 "${kopt[@]}" -nodes -days 30 -subj "/O=Impostor/CN=Impostor Root" \
            -keyout iroot.key -out iroot.pem \
            -addext basicConstraints=critical,CA:TRUE \
            -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null || exit 1
        openssl req -new "${kopt[@]}" -nodes -subj "/O=Impostor/CN=pinned.test" \
            -keyout ileaf.key -out ileaf.csr 2>/dev/null || exit 1
        openssl x509 -req -in ileaf.csr -CA iroot.pem -CAkey iroot.key -CAcreateserial \
            -days 30 -extfile leaf.ext -out ileaf.pem 2>/dev/null || exit 1
        cat groot.pem iroot.pem >bundle.pem
    ) || { echo "could not create the test PKI" >&2; exit 1; }
    hp_settle "$d"/*
}

# hp_server NAME CERT KEY [extra s_server args...]: start a server on an
# ephemeral port of 127.0.0.1; sets HP_PORT.  Runs without hostpin unless
# the caller exported OPENSSL_CONF for it.
hp_server() {
    local name=$1 cert=$2 key=$3
    shift 3
    local out="$HP_WORK/$name.server.log"
    timeout 300 openssl s_server -accept 127.0.0.1:0 -cert "$cert" -key "$key" \
        -www "$@" </dev/null >"$out" 2>&1 &
    HP_PIDS+=($!)
    HP_PORT=
    for _ in $(seq 1 100); do
        HP_PORT=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out" | head -n1)
        [ -n "$HP_PORT" ] && return 0
        sleep 0.05
    done
    echo "server $name did not start:" >&2
    cat "$out" >&2
    exit 1
}

# hp_start_servers PKIDIR: genuine and impostor; sets GPORT and IPORT.
hp_start_servers() {
    local d=$1
    hp_server genuine "$d/gleaf.pem" "$d/gleaf.key" -cert_chain "$d/ginter.pem"
    # shellcheck disable=SC2034 # for the scripts that source this file
    GPORT=$HP_PORT
    hp_server impostor "$d/ileaf.pem" "$d/ileaf.key"
    # shellcheck disable=SC2034
    IPORT=$HP_PORT
}

# hp_settle FILE...: mark files as finished.  The module takes no pin set
# from a file written in place during the last 2 seconds, since the writer
# may not be done; a file whose modification time was set after it was
# written (as by touch -d, cp -p, a package) is finished.  Tests that write
# a file and use it at once mark it, so that no client waits.
hp_settle() {
    touch -m -d "@$(($(date +%s) - 10))" "$@"
}

# hp_cnf FILE PINS [ON_ERROR]: an openssl.cnf that activates default and
# hostpin, as DESIGN 2.1 shows.
hp_cnf() {
    local f=$1 pins=$2 on_error=${3:-}
    {
        echo "openssl_conf = openssl_init"
        echo "[openssl_init]"
        echo "providers = provider_sect"
        echo "[provider_sect]"
        echo "default = default_sect"
        echo "hostpin = hostpin_sect"
        echo "[default_sect]"
        echo "activate = 1"
        echo "[hostpin_sect]"
        echo "module = $HP_MODULES/hostpin.so"
        echo "pins = $pins"
        [ -n "$on_error" ] && echo "on_error = $on_error"
        echo "activate = 1"
    } >"$f"
}

# hp_pins FILE HOST PIN [extra libconfig lines for the host entry]
hp_pins() {
    local f=$1 host=$2 pin=$3
    shift 3
    {
        echo "version = 1;"
        echo "hosts = ("
        echo "  {"
        echo "    host = \"$host\";"
        echo "    pins = [ \"sha256/$pin\", \"sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\" ];"
        local l
        for l in "$@"; do echo "    $l"; done
        echo "  }"
        echo ");"
    } >"$f"
    hp_settle "$f"
}
