#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# hostpin demonstration: installs what it needs, builds, starts a genuine TLS
# server (root -> intermediate -> leaf) and an impostor whose certificate
# comes from another CA the client also trusts, then runs unmodified curl and
# python3 against both: first without hostpin (both reached), then with
# hostpin enabled through OPENSSL_CONF (genuine reached, impostor refused).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
scripts/deps.sh || exit 1
echo "== building hostpin"
scripts/build.sh build >/dev/null || exit 1

export HP_MODULES=$ROOT/build/modules HP_SRC=$ROOT
# shellcheck source=tests/integration/lib.sh
. tests/integration/lib.sh
PKI=$HP_WORK/pki
hp_pki "$PKI"
hp_start_servers "$PKI"
PIN=$(hp_pin_of "$PKI/ginter.pem")
BACKUP=$(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
    openssl pkey -pubout -outform der | openssl dgst -sha256 -binary | openssl base64 -A)

cat >"$HP_WORK/pins.conf" <<EOF
version = 1;
hosts = (
  {
    host = "pinned.test";
    pins = [ "sha256/$PIN",      # the genuine intermediate CA
             "sha256/$BACKUP" ]; # a backup key kept offline
  }
);
EOF
hp_cnf "$HP_WORK/openssl.cnf" "$HP_WORK/pins.conf"

cat <<EOF

Two servers answer as https://pinned.test on 127.0.0.1:
  genuine   port $GPORT  chain: Genuine Root -> Genuine Intermediate -> pinned.test
  impostor  port $IPORT  chain: Impostor Root -> pinned.test
The client trusts both roots ($PKI/bundle.pem), as a machine trusts
a public CA that mis-issued, or an attacker's root slipped into the store.

Pins file:
$(sed 's/^/  /' "$HP_WORK/pins.conf")

openssl.cnf enabling hostpin (used through OPENSSL_CONF):
$(sed 's/^/  /' "$HP_WORK/openssl.cnf")
EOF

FAILED=0
curl_to() {
    curl -sS --max-time 10 --cacert "$PKI/bundle.pem" -o /dev/null \
        -w 'HTTP %{http_code}' --resolve "pinned.test:$1:127.0.0.1" "https://pinned.test:$1/"
}
python_to() {
    python3 - "$1" "$PKI/bundle.pem" <<'PY'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as s:
    try:
        with ctx.wrap_socket(s, server_hostname="pinned.test") as t:
            print("TLS OK,", t.version())
    except ssl.SSLError as e:
        print(e)
        sys.exit(1)
PY
}

# show WANT LABEL COMMAND...: run a client, say what happened.
show() {
    local want=$1 label=$2 out rc
    shift 2
    out=$("$@" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
        printf '  %-34s reached   (%s)\n' "$label" "$out"
        [ "$want" = reached ] || FAILED=1
    else
        printf '  %-34s REFUSED   %s\n' "$label" "$(echo "$out" | grep -v "^HTTP 000" | tail -n1)"
        [ "$want" = refused ] || FAILED=1
    fi
}

echo
echo "== without hostpin: both servers are reached"
export OPENSSL_CONF=$HP_WORK/plain.cnf
printf 'openssl_conf = openssl_init\n[openssl_init]\n' >"$OPENSSL_CONF"
show reached "curl -> genuine" curl_to "$GPORT"
show reached "curl -> impostor" curl_to "$IPORT"
show reached "python3 ssl -> genuine" python_to "$GPORT"
show reached "python3 ssl -> impostor" python_to "$IPORT"

echo
echo "== with hostpin (OPENSSL_CONF=$HP_WORK/openssl.cnf), same programs"
export OPENSSL_CONF=$HP_WORK/openssl.cnf
export HOSTPIN_DEBUG=$HP_WORK/hostpin.log # also shown below; syslog has it too
show reached "curl -> genuine" curl_to "$GPORT"
show refused "curl -> impostor" curl_to "$IPORT"
show reached "python3 ssl -> genuine" python_to "$GPORT"
show refused "python3 ssl -> impostor" python_to "$IPORT"

echo
echo "== hostpin's message for the refusal (also sent to syslog):"
grep -m1 'refused:' "$HP_WORK/hostpin.log" | sed 's/^hostpin\[[0-9]*\] [^ ]* refused: //' |
    sed 's/; /;\n    /g; s/^/  /'
echo
if [ $FAILED -eq 0 ]; then
    echo "demo: as expected - the impostor is refused only when hostpin is loaded."
else
    echo "demo: UNEXPECTED RESULT (see above)"
fi
exit $FAILED
