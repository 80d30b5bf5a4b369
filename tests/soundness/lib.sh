# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers of the soundness tests (sourced, bash), on top of the
# integration helpers: certificates with chosen names, a client that names
# no host and checks the name itself, free ports.

# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$HP_SRC/tests/integration/lib.sh"

# hp_issue DIR NAME CA SAN [CN]: a P-256 leaf DIR/NAME.pem (key NAME.key)
# issued by DIR/CA.pem for the subjectAltName SAN ("DNS:a,IP:b", or ""
# for none), subject /O=Test/CN=CN.
hp_issue() {
    local d=$1 n=$2 ca=$3 san=$4 cn=${5:-leaf}
    (
        cd "$d" || exit 1
        {
            [ -n "$san" ] && echo "subjectAltName=$san"
            echo "basicConstraints=CA:FALSE"
            echo "extendedKeyUsage=serverAuth"
        } >"$n.ext"
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -subj "/O=Test/CN=$cn" -keyout "$n.key" -out "$n.csr" \
            2>/dev/null &&
            openssl x509 -req -in "$n.csr" -CA "$ca.pem" -CAkey "$ca.key" \
                -CAcreateserial -days 30 -extfile "$n.ext" -out "$n.pem" \
                2>/dev/null
    ) || { echo "could not issue $n" >&2; exit 1; }
    hp_settle "$d/$n".*
}

# hp_free_port: a TCP port of 127.0.0.1 that nothing listens on now.
hp_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# hp_nosni CNF PORT NAME [ADDR]: an unmodified Python client that sends no
# SNI and sets no host to verify (check_hostname off, no server_hostname),
# verifies the chain against the test roots and checks NAME against the
# certificate itself after the handshake, as MariaDB's client does.
# Sets RC: 0 reached and the name matches, 1 refused in the handshake,
# 2 reached but the name does not match; OUT: what it printed.
hp_nosni() {
    RC=0
    OUT=$(OPENSSL_CONF=$1 timeout 30 python3 "$HP_SRC/tests/soundness/nosni.py" \
        "${4:-127.0.0.1}" "$2" "$PKI/bundle.pem" "$3" 2>&1) || RC=$?
}

# hp_refused_by_hostpin DESC: RC and OUT of the last client say that
# hostpin refused (the message is in HOSTPIN_DEBUG's log, $HP_WORK/debug).
hp_debug_has() {
    if grep -qF -- "$2" "$HP_WORK/debug"; then
        hp_pass "$1"
    else
        hp_fail "$1: no '$2' in the debug log:"
        tail -n 5 "$HP_WORK/debug" | cut -c1-400
    fi
}
