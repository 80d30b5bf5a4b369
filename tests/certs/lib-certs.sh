# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers for the certificate-pin, pin-store and import tests (sourced,
# bash), on top of the integration helpers (test PKI, servers, openssl.cnf).
#
# Environment (set by CTest): HP_MODULES, HP_SRC, HP_BIN.

# shellcheck source-path=SCRIPTDIR source=../integration/lib.sh
source "$HP_SRC/tests/integration/lib.sh"

hp_need openssl timeout
HOSTPIN="$HP_BIN/hostpin"
[ -x "$HOSTPIN" ] || hp_skip "the hostpin command is not built: $HOSTPIN"
[ -f "$HP_MODULES/hostpin.so" ] || hp_skip "hostpin.so is not built"
# Each test chooses the OpenSSL configuration of each command itself.
unset OPENSSL_CONF OPENSSL_MODULES

# A well-formed pin that matches no key (used by the tests).
# shellcheck disable=SC2034
HP_ZERO_PIN="sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

# hp_leaf PKIDIR NAME: another leaf for pinned.test with its own key,
# issued by the genuine intermediate (the "next" certificate of a key
# rotation): NAME.pem, NAME.key.
hp_leaf() {
    local d=$1 n=$2
    (
        cd "$d" || exit 1
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -subj "/O=Genuine/CN=pinned.test" -keyout "$n.key" \
            -out "$n.csr" 2>/dev/null &&
            openssl x509 -req -in "$n.csr" -CA ginter.pem -CAkey ginter.key \
                -CAcreateserial -days 30 -extfile leaf.ext -out "$n.pem" \
                2>/dev/null
    ) || { echo "could not create the leaf $n" >&2; exit 1; }
    hp_settle "$d/$n".*
}

# hp_s_client CNF PORT [HOST]: an unmodified openssl s_client through
# OPENSSL_CONF=CNF, verifying HOST (default pinned.test) against the test
# roots.  Sets RC and OUT (stdout and stderr together).
hp_s_client() {
    local cnf=$1 port=$2 host=${3:-pinned.test}
    RC=0
    OUT=$(OPENSSL_CONF=$cnf timeout 30 openssl s_client \
        -connect "127.0.0.1:$port" -servername "$host" \
        -verify_hostname "$host" -verify_return_error \
        -CAfile "$HP_PKI/bundle.pem" </dev/null 2>&1) || RC=$?
}

# hp_admits DESC CNF PORT [HOST] / hp_refuses DESC CNF PORT PATTERN [HOST]
hp_admits() {
    hp_s_client "$2" "$3" "${4:-pinned.test}"
    if [ "$RC" -eq 0 ] && grep -q "Verify return code: 0 (ok)" <<<"$OUT"; then
        hp_pass "$1: admitted"
    else
        hp_fail "$1: refused (exit $RC)"
        grep -E "error|verify" <<<"$OUT" | head -n 5
    fi
}
hp_refuses() {
    hp_s_client "$2" "$3" "${5:-pinned.test}"
    if [ "$RC" -eq 0 ]; then
        hp_fail "$1: admitted"
    elif grep -qF -- "$4" <<<"$OUT"; then
        hp_pass "$1: refused, saying '$4'"
    else
        hp_fail "$1: refused, but the message lacks '$4':"
        grep -E "error|verify" <<<"$OUT" | head -n 5
    fi
}
