#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Scoped trust anchors with real servers and unmodified clients: a
# self-signed internal server reached by curl, Python, s_client and PHP
# with its certificate as the anchor of internal.test, and refused for
# other.test exactly as without hostpin; a private CA for the subdomains of
# corp.test, never for another name it signs; system_roots = false refusing
# a chain from a root the machine trusts; an anchor in report mode, or for
# a server checking clients, never trusting anything; a client that names
# no host trusted only if every name of the certificate is in scope.
. "$HP_SRC/tests/soundness/lib.sh"
hp_need openssl python3
PKI=$HP_WORK/pki
hp_pki "$PKI"
hp_start_servers "$PKI"
INTER=$(hp_pin_of "$PKI/ginter.pem")
A=$HP_WORK/anchors
mkdir -p "$A"
selfsigned() { # NAME SAN: a self-signed server certificate A/NAME.pem
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -subj "/O=Internal/CN=$1" -addext "subjectAltName=$2" \
        -keyout "$A/$1.key" -out "$A/$1.pem" 2>/dev/null || exit 1
}
selfsigned internal.test "DNS:internal.test,DNS:other.test"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/O=Corp/CN=Corp Private Root" -keyout "$A/corp.key" -out "$A/corp.pem" \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null || exit 1
hp_settle "$A"/*
hp_issue "$A" web corp "DNS:web.corp.test"
hp_issue "$A" deep corp "DNS:a.b.corp.test"
hp_issue "$A" bank corp "DNS:bank.test"
hp_issue "$A" mixed corp "DNS:web.corp.test,DNS:bank.test"
hp_issue "$A" client corp "DNS:client.corp.test"
hp_issue "$A" withip corp "DNS:x.corp.test,IP:127.0.0.1"
cat "$PKI/gleaf.pem" "$PKI/ginter.pem" >"$PKI/gchain.pem"

cat >"$HP_WORK/pins.conf" <<EOT
version = 1;
hosts = (
  { host = "internal.test"; anchors = [ "anchors/internal.test.pem" ]; },
  { host = "corp.test"; include_subdomains = true; anchors = [ "anchors/corp.pem" ]; },
  { host = "pinned.test"; pins = [ "sha256/$INTER", "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ]; },
  { host = "locked.test"; anchors = [ "anchors/corp.pem" ]; system_roots = false; },
  { host = "trial.test"; anchors = [ "anchors/internal.test.pem" ]; mode = "report"; }
);
EOT
hp_settle "$HP_WORK/pins.conf"
CNF=$HP_WORK/openssl.cnf
hp_cnf "$CNF" "$HP_WORK/pins.conf"
NOPIN=$HP_WORK/none.cnf
printf 'openssl_conf = x\n[x]\n' >"$NOPIN"
export HOSTPIN_DEBUG=$HP_WORK/debug

serve() { # NAME CERT KEY: sets PORT
    hp_server "$1" "$2" "$3"
    PORT=$HP_PORT
}
serve internal "$A/internal.test.pem" "$A/internal.test.key"
SELF=$PORT
serve web "$A/web.pem" "$A/web.key"
WEB=$PORT
serve deep "$A/deep.pem" "$A/deep.key"
DEEP=$PORT
serve bank "$A/bank.pem" "$A/bank.key"
BANK=$PORT
serve mixed "$A/mixed.pem" "$A/mixed.key"
MIXED=$PORT
serve withip "$A/withip.pem" "$A/withip.key"
WITHIP=$PORT

# sc DESC CNF PORT NAME WANT_RC [TEXT]: s_client with the system's roots
# and the test roots (but never the anchors), naming NAME.
sc() {
    local rc=0
    OPENSSL_CONF=$2 timeout 20 openssl s_client -connect "127.0.0.1:$3" -servername "$4" \
        -verify_hostname "$4" -verify_return_error -CAfile "$PKI/bundle.pem" \
        </dev/null >"$HP_WORK/out" 2>&1 || rc=$?
    hp_is "$1" "$5" "$rc"
    [ -n "${6:-}" ] && hp_has "$1: says" "$(cat "$HP_WORK/out")" "$6"
}

# --- A self-signed internal server ----------------------------------------
sc "s_client, internal.test, without hostpin: refused" "$NOPIN" "$SELF" internal.test 1 \
    "self-signed certificate"
sc "s_client, internal.test, with its certificate as anchor: reached" "$CNF" "$SELF" internal.test 0
sc "s_client, the same certificate for other.test: refused as without hostpin" \
    "$CNF" "$SELF" other.test 1 "self-signed certificate"
py() { # CNF PORT NAME: prints ok or the error
    OPENSSL_CONF=$1 timeout 20 python3 -c '
import socket, ssl, sys
ctx = ssl.create_default_context()
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as s:
    try:
        ctx.wrap_socket(s, server_hostname=sys.argv[2]).close()
        print("ok")
    except ssl.SSLError as e:
        print(e)
' "$2" "$3" 2>&1
}
# Programs linked with the system's libssl cannot load a module built for
# another OpenSSL (scripts/openssl-versions.sh says HP_SYSTEM_CLIENTS=no).
if [ "${HP_SYSTEM_CLIENTS:-yes}" = yes ]; then
hp_is "Python, internal.test, default context: reached" ok "$(py "$CNF" "$SELF" internal.test)"
hp_has "Python, other.test: refused as without hostpin" "$(py "$CNF" "$SELF" other.test)" \
    "self-signed certificate"
hp_has "Python, internal.test, without hostpin: refused" "$(py "$NOPIN" "$SELF" internal.test)" \
    "self-signed certificate"
hp_has "Python, server_hostname 127.0.0.1, private CA certificate naming it: refused" \
    "$(py "$CNF" "$WITHIP" 127.0.0.1)" "unable to get local issuer certificate"
if hp_curl_usable && command -v curl >/dev/null; then
    for n in internal.test other.test; do
        rc=0
        OPENSSL_CONF=$CNF curl -s -o /dev/null --resolve "$n:$SELF:127.0.0.1" \
            "https://$n:$SELF/" || rc=$?
        if [ $n = internal.test ]; then
            hp_is "curl https://internal.test/, no -k, no CA bundle change: reached" 0 "$rc"
        else
            hp_is "curl https://other.test/ (same certificate): refused (60)" 60 "$rc"
        fi
    done
    rc=0
    OPENSSL_CONF=$CNF curl -s -o /dev/null "https://127.0.0.1:$WITHIP/" || rc=$?
    hp_is "curl https://127.0.0.1/, private CA certificate naming it: refused (60)" 60 "$rc"
fi
if [[ ${LD_PRELOAD:-} == *libasan* ]]; then
    echo "# PHP left out: its opcache.so cannot load under a preloaded ASan runtime"
elif command -v php >/dev/null; then
    php_get() { # CNF PORT NAME
        OPENSSL_CONF=$1 timeout 20 php -r '
$c = stream_context_create(["ssl" => ["peer_name" => $argv[2]]]);
$r = @file_get_contents("https://127.0.0.1:" . $argv[1] . "/", false, $c);
echo $r === false ? "refused" : "ok";' "$2" "$3" 2>&1
    }
    hp_is "PHP, internal.test: reached" ok "$(php_get "$CNF" "$SELF" internal.test)"
    hp_is "PHP, other.test: refused" refused "$(php_get "$CNF" "$SELF" other.test)"
else
    hp_fail "php is not installed (scripts/deps.sh installs php-cli)"
fi
fi

# --- A private CA for the subdomains of corp.test --------------------------
sc "private CA, web.corp.test: reached" "$CNF" "$WEB" web.corp.test 0
sc "private CA, a.b.corp.test: reached" "$CNF" "$DEEP" a.b.corp.test 0
sc "private CA, a certificate it signed for bank.test: refused as without hostpin" \
    "$CNF" "$BANK" bank.test 1 "unable to get local issuer certificate"
sc "private CA, web.corp.test without hostpin: refused" "$NOPIN" "$WEB" web.corp.test 1 \
    "unable to get local issuer certificate"
# A client naming no host accepts any name of the certificate: trusted only
# if all of them are in the anchor's scope.
nosni() { # DESC PORT WANT_RC [TEXT]: s_client with no SNI, no host to verify
    local rc=0
    OPENSSL_CONF=$CNF timeout 20 openssl s_client -connect "127.0.0.1:$2" -noservername \
        -verify_return_error -CAfile "$PKI/bundle.pem" </dev/null >"$HP_WORK/out" 2>&1 || rc=$?
    hp_is "$1" "$3" "$rc"
    [ -n "${4:-}" ] && hp_has "$1: says" "$(cat "$HP_WORK/out")" "$4"
}
nosni "no SNI, private CA certificate for web.corp.test alone: reached" "$WEB" 0
nosni "no SNI, private CA certificate for web.corp.test and bank.test: refused" "$MIXED" 1 \
    "unable to get local issuer certificate"
sc "named web.corp.test, the certificate also for bank.test: reached" "$CNF" "$MIXED" web.corp.test 0
# The SNI and the host to verify are both names the client could accept
# the certificate for: each must be in scope.
mixed() { # DESC SNI HOST
    local rc=0
    OPENSSL_CONF=$CNF timeout 20 openssl s_client -connect "127.0.0.1:$MIXED" -servername "$2" \
        -verify_hostname "$3" -verify_return_error -CAfile "$PKI/bundle.pem" \
        </dev/null >"$HP_WORK/out" 2>&1 || rc=$?
    hp_is "$1" 1 "$rc"
    hp_has "$1: says" "$(cat "$HP_WORK/out")" "unable to get local issuer certificate"
}
mixed "SNI bank.test, host to verify web.corp.test: refused" bank.test web.corp.test
mixed "SNI web.corp.test, host to verify bank.test: refused" web.corp.test bank.test
# An address the client asks for is a name too: the private CA signed a
# certificate for x.corp.test and 127.0.0.1, and 127.0.0.1 has no rule
# listing it.
ipc() { # DESC ARGS...: s_client asking for the address 127.0.0.1
    local rc=0 d=$1
    shift
    OPENSSL_CONF=$CNF timeout 20 openssl s_client -connect "127.0.0.1:$WITHIP" "$@" \
        -verify_ip 127.0.0.1 -verify_return_error -CAfile "$PKI/bundle.pem" \
        </dev/null >"$HP_WORK/out" 2>&1 || rc=$?
    hp_is "$d" 1 "$rc"
    hp_has "$d: says" "$(cat "$HP_WORK/out")" "unable to get local issuer certificate"
}
ipc "address 127.0.0.1, no SNI, private CA certificate that also names it: refused" -noservername
ipc "address 127.0.0.1, SNI x.corp.test: refused" -servername x.corp.test
sc "x.corp.test by name, the same certificate: reached" "$CNF" "$WITHIP" x.corp.test 0
nosni "no SNI, private CA certificate for x.corp.test and 127.0.0.1: refused" "$WITHIP" 1 \
    "unable to get local issuer certificate"

# --- The pinned host of the other tests ------------------------------------
sc "pinned.test beside anchors, genuine: reached" "$CNF" "$GPORT" pinned.test 0
sc "pinned.test beside anchors, impostor: refused" "$CNF" "$IPORT" pinned.test 1 \
    "does not match the pins"

# --- system_roots = false --------------------------------------------------
hp_issue "$A" locked corp "DNS:locked.test"
serve locked "$A/locked.pem" "$A/locked.key"
sc "system_roots = false, chain from the host's anchor: reached" "$CNF" "$PORT" locked.test 0
hp_issue "$PKI" publocked ginter "DNS:locked.test"
hp_server publocked "$PKI/publocked.pem" "$PKI/publocked.key" -cert_chain "$PKI/ginter.pem"
PORT=$HP_PORT
sc "system_roots = false, a chain from a root the machine trusts: refused" \
    "$CNF" "$PORT" locked.test 1 "system_roots = false"
sc "... the same chain without hostpin: reached" "$NOPIN" "$PORT" locked.test 0

# --- Report mode never widens trust -----------------------------------------
selfsigned trial.test "DNS:trial.test"
# (the anchor of trial.test is internal.test's certificate: serve that one)
sc "an anchor in report mode: the chain fails as without it" "$CNF" "$SELF" trial.test 1 \
    "self-signed certificate"

# --- A server checking clients never trusts an anchor ----------------------
OPENSSL_CONF=$CNF timeout 60 openssl s_server -accept 127.0.0.1:0 -cert "$PKI/gchain.pem" \
    -key "$PKI/gleaf.key" -Verify 1 -verify_return_error -CAfile "$PKI/bundle.pem" -www \
    </dev/null >"$HP_WORK/cs.log" 2>&1 &
HP_PIDS+=($!)
for _ in $(seq 1 100); do
    CS=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$HP_WORK/cs.log" | head -n1)
    [ -n "$CS" ] && break
    sleep 0.05
done
rc=0
timeout 20 openssl s_client -connect "127.0.0.1:$CS" -servername pinned.test \
    -cert "$A/client.pem" -key "$A/client.key" -CAfile "$PKI/bundle.pem" \
    </dev/null >"$HP_WORK/out" 2>&1 || rc=$?
sleep 0.3
hp_has "a client certificate from the private CA: the server (with hostpin) refuses it" \
    "$(cat "$HP_WORK/cs.log")" "unable to get local issuer certificate"
# --- hostpin check and the pin store show anchors ---------------------------
HOSTPIN=$HP_BIN/hostpin
hp_run env OPENSSL_CONF="$CNF" "$HOSTPIN" check internal.test --connect "127.0.0.1:$SELF"
hp_is "hostpin check internal.test (self-signed, anchored): passes" 0 "$RC"
hp_has "hostpin check names the anchor" "$OUT" "1 anchor, trusted for this host only:"
hp_run env OPENSSL_CONF="$CNF" "$HOSTPIN" check locked.test --connect "127.0.0.1:$PORT"
hp_has "hostpin check says system roots are not accepted" "$OUT" "system roots not accepted"
hp_run env OPENSSL_CONF="$CNF" openssl storeutl hostpin:
hp_has "storeutl hostpin: lists the anchors" "$OUT" "anchors=1 system_roots=no"
hp_run env OPENSSL_CONF="$CNF" openssl storeutl -certs hostpin:internal.test
hp_has "storeutl -certs returns the anchor" "$OUT" "BEGIN CERTIFICATE"
hp_run env OPENSSL_CONF="$CNF" openssl storeutl hostpin:internal.test
hp_has "storeutl names the anchor's pin" "$OUT" "key of anchor /O=Internal/CN=internal.test"
# --- hostpin import: Android trust-anchors become anchors -----------------
mkdir -p "$HP_WORK/res/raw"
cp "$A/internal.test.pem" "$HP_WORK/res/raw/internal_ca.pem"
cat >"$HP_WORK/nsc.xml" <<'XML'
<network-security-config>
    <domain-config>
        <domain>internal.test</domain>
        <trust-anchors><certificates src="@raw/internal_ca"/></trust-anchors>
    </domain-config>
    <domain-config>
        <domain includeSubdomains="true">corp.test</domain>
        <trust-anchors>
            <certificates src="@raw/internal_ca"/>
            <certificates src="system"/>
        </trust-anchors>
    </domain-config>
</network-security-config>
XML
hp_expect "import without --raw-dir: refused, saying what to give" 1 \
    "trust-anchors name @raw/internal_ca: give --raw-dir DIR" \
    "$HOSTPIN" import --from android-nsc "$HP_WORK/nsc.xml"
hp_run "$HOSTPIN" import --from android-nsc --raw-dir "$HP_WORK/res/raw" "$HP_WORK/nsc.xml"
hp_is "import --raw-dir: exit status" 0 "$RC"
hp_has "import: the @raw certificate is an anchor" "$OUT" \
    "anchors = [ \"$HP_WORK/res/raw/internal_ca.pem\" ];
    system_roots = false;"
hp_lacks "import: src=\"system\" keeps the system's roots" "$(sed -n '/corp.test/,/}/p' <<<"$OUT")" \
    "system_roots = false"
printf '%s\n' "$OUT" >"$HP_WORK/imported.conf"
hp_settle "$HP_WORK/imported.conf" "$HP_WORK/res/raw/internal_ca.pem"
hp_expect "the imported file passes lint" 0 "valid" "$HOSTPIN" lint "$HP_WORK/imported.conf"
hp_cnf "$HP_WORK/imported.cnf" "$HP_WORK/imported.conf"
sc "the imported anchor: internal.test reached" "$HP_WORK/imported.cnf" "$SELF" internal.test 0
# --- The index and drop-ins carry anchors ----------------------------------
hp_expect "hostpin index of a file with anchors" 0 "" "$HOSTPIN" index "$HP_WORK/pins.conf"
hp_expect "index --check: it matches" 0 "index matches" "$HOSTPIN" index --check "$HP_WORK/pins.conf"
sc "with the index: internal.test reached by its anchor" "$CNF" "$SELF" internal.test 0
sc "with the index: other.test refused as without hostpin" "$CNF" "$SELF" other.test 1 \
    "self-signed certificate"
sc "with the index: system_roots = false still refuses" "$CNF" "$PORT" locked.test 1 \
    "system_roots = false"
mkdir -p "$HP_WORK/pins.d"
printf 'hosts = ( { host = "internal.test"; anchors = [ "%s" ]; } );\n' \
    "$A/internal.test.pem" >"$HP_WORK/pins.d/internal.conf"
printf 'version = 1;\ninclude_dir = "pins.d";\n' >"$HP_WORK/main.conf"
hp_settle "$HP_WORK/pins.d/internal.conf" "$HP_WORK/main.conf"
hp_cnf "$HP_WORK/dropin.cnf" "$HP_WORK/main.conf"
sc "an anchor in a drop-in: internal.test reached" "$HP_WORK/dropin.cnf" "$SELF" internal.test 0
hp_done
