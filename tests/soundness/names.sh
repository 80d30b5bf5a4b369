#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The name rule against real clients: if the client could accept the
# certificate for a pinned name, that name's pins apply.  A client that
# names no host (no SNI, no host to verify) and checks the name itself; the
# pinned IP as the 5th and the 40th subjectAltName of an IP URL; a leaf
# with 40 DNS names; a wildcard; odd SNI names; a genuine certificate for
# several names; a chain of 20 certificates.  Each impostor is first shown
# to be accepted without hostpin, then refused with it; each genuine server
# is reached.
. "$HP_SRC/tests/soundness/lib.sh"
hp_need openssl python3
PKI=$HP_WORK/pki
hp_pki "$PKI"
INTER=$(hp_pin_of "$PKI/ginter.pem")
ZERO=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
DEBUG=$HP_WORK/debug
export HOSTPIN_DEBUG=$DEBUG
NOPIN=$HP_WORK/none.cnf
printf 'openssl_conf = x\n[x]\n' >"$NOPIN"

ips() { # FIRST LAST: IP:10.0.0.FIRST,... for the range
    local i out=
    for i in $(seq "$1" "$2"); do out+="IP:10.0.$((i / 250)).$((i % 250 + 1)),"; done
    echo "$out"
}
dnss() { # N: DNS:n1.free.test,...
    local i out=
    for i in $(seq 1 "$1"); do out+="DNS:n$i.free.test,"; done
    echo "$out"
}
hp_issue "$PKI" ip5 iroot "$(ips 1 4)IP:127.0.0.1"
hp_issue "$PKI" ip40 iroot "$(ips 1 39)IP:127.0.0.1"
hp_issue "$PKI" ip6 iroot "IP:::2,IP:::3,IP:::4,IP:::5,IP:::1"
hp_issue "$PKI" g6 ginter "IP:::1"
hp_issue "$PKI" dns40 iroot "$(dnss 39)DNS:pinned.test"
hp_issue "$PKI" wild iroot "DNS:*.pinned.test"
hp_issue "$PKI" cn iroot "" pinned.test
hp_issue "$PKI" multi ginter "DNS:pinned.test,DNS:other.test"
hp_issue "$PKI" multiip ginter "IP:10.9.9.9,IP:127.0.0.1"

cat >"$HP_WORK/pins.conf" <<EOT
version = 1;
hosts = (
  { host = "pinned.test"; pins = [ "sha256/$INTER", "sha256/$ZERO" ]; },
  { host = "api.pinned.test"; pins = [ "sha256/$INTER", "sha256/$ZERO" ]; },
  { host = "127.0.0.1"; pins = [ "sha256/$INTER", "sha256/$ZERO" ]; },
  { host = "::1"; pins = [ "sha256/$INTER", "sha256/$ZERO" ]; },
  { host = "other.test"; pins = [ "sha256/$ZERO" ]; },
  { host = "10.9.9.9"; pins = [ "sha256/$ZERO" ]; }
);
EOT
hp_settle "$HP_WORK/pins.conf"
CNF=$HP_WORK/openssl.cnf
hp_cnf "$CNF" "$HP_WORK/pins.conf"

serve() { # NAME LEAF [ACCEPT]: sets PORT
    local acc=${3:-127.0.0.1:0} out="$HP_WORK/$1.server.log"
    timeout 300 openssl s_server -accept "$acc" -cert "$PKI/$2.pem" \
        -key "$PKI/$2.key" -cert_chain "$PKI/ginter.pem" -www \
        </dev/null >"$out" 2>&1 &
    HP_PIDS+=($!)
    PORT=
    for _ in $(seq 1 100); do
        PORT=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$out" | head -n1)
        [ -n "$PORT" ] && return 0
        sleep 0.05
    done
    echo "server $1 did not start" >&2
    cat "$out" >&2
    exit 1
}

# nosni DESC PORT NAME WANT_WITHOUT WANT_WITH [ADDR]: the client that
# names no host, without then with hostpin.
nosni() {
    hp_nosni "$NOPIN" "$2" "$3" "${6:-}"
    hp_is "$1: without hostpin" "$4" "$RC"
    hp_nosni "$CNF" "$2" "$3" "${6:-}"
    hp_is "$1: with hostpin" "$5" "$RC"
    [ "$5" = 1 ] && hp_has "$1: refused by hostpin" "$OUT" "application verification failure"
}

serve genuine gleaf
G=$PORT
serve impostor ileaf
I=$PORT

# --- A client that names no host and checks the name itself ---------------
nosni "no SNI, genuine server" "$G" pinned.test 0 0
nosni "no SNI, impostor for pinned.test" "$I" pinned.test 0 1
hp_debug_has "the refusal says the client named no host" "the client named no host"
hp_debug_has "... and how to make it send one" "nginx proxy_ssl_server_name on"

# --- IP URLs: the pinned IP as the 5th and the 40th subjectAltName -------
serve ip5 ip5
P5=$PORT
serve ip40 ip40
P40=$PORT
nosni "IP, pinned IP as 5th SAN of the impostor" "$P5" 127.0.0.1 0 1
nosni "IP, pinned IP as 40th SAN of the impostor" "$P40" 127.0.0.1 0 1
nosni "IP, genuine server" "$G" 127.0.0.1 0 0
if hp_curl_usable && command -v curl >/dev/null; then
    for p in "$P5:5th" "$P40:40th"; do
        rc=0
        OPENSSL_CONF=$NOPIN curl -s -o /dev/null --cacert "$PKI/bundle.pem" \
            "https://127.0.0.1:${p%%:*}/" || rc=$?
        hp_is "curl https://127.0.0.1/, IP as ${p#*:} SAN: without hostpin" 0 "$rc"
        rc=0
        out=$(OPENSSL_CONF=$CNF curl -sS -o /dev/null --cacert "$PKI/bundle.pem" \
            "https://127.0.0.1:${p%%:*}/" 2>&1) || rc=$?
        [ "$rc" -ne 0 ] && hp_pass "curl https://127.0.0.1/, IP as ${p#*:} SAN: refused" ||
            hp_fail "curl https://127.0.0.1/, IP as ${p#*:} SAN: reached"
        hp_has "curl https://127.0.0.1/, IP as ${p#*:} SAN: by hostpin" "$out" "hostpin"
    done
    rc=0
    OPENSSL_CONF=$CNF curl -s -o /dev/null --cacert "$PKI/bundle.pem" \
        "https://127.0.0.1:$G/" || rc=$?
    hp_is "curl https://127.0.0.1/, genuine server" 0 "$rc"
fi
if python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
    serve ip6 ip6 '[::1]:0'
    P6=$PORT
    serve g6 g6 '[::1]:0'
    PG6=$PORT
    nosni "[::1], pinned IP as 5th SAN of the impostor" "$P6" ::1 0 1 ::1
    nosni "[::1], genuine server" "$PG6" ::1 0 0 ::1
    if hp_curl_usable && command -v curl >/dev/null; then
        rc=0
        OPENSSL_CONF=$CNF curl -s -o /dev/null --cacert "$PKI/bundle.pem" \
            "https://[::1]:$P6/" || rc=$?
        [ "$rc" -ne 0 ] && hp_pass "curl https://[::1]/, IP as 5th SAN: refused" ||
            hp_fail "curl https://[::1]/, IP as 5th SAN: reached"
        rc=0
        OPENSSL_CONF=$CNF curl -s -o /dev/null --cacert "$PKI/bundle.pem" \
            "https://[::1]:$PG6/" || rc=$?
        hp_is "curl https://[::1]/, genuine server" 0 "$rc"
    fi
else
    echo "# no IPv6 loopback here: [::1] cases left out"
fi

# --- 40 DNS names, a wildcard, a common name -------------------------------
serve dns40 dns40
nosni "40 DNS SANs, pinned.test the 40th, impostor" "$PORT" pinned.test 0 1
serve wild wild
nosni "wildcard *.pinned.test impostor, client checks api.pinned.test" "$PORT" api.pinned.test 0 1
serve cn cn
rc=0
OPENSSL_CONF=$CNF timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -noservername \
    -verify_return_error -CAfile "$PKI/bundle.pem" </dev/null >"$HP_WORK/out" 2>&1 || rc=$?
hp_is "common name pinned.test, no subjectAltName, no SNI: refused" 1 "$rc"
hp_has "common name: by hostpin" "$(cat "$HP_WORK/out")" "does not match the pins"

# --- A genuine certificate for several names -------------------------------
# Named by the client, pinned.test decides: other.test's rule does not.
serve multi multi
rc=0
OPENSSL_CONF=$CNF timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername pinned.test \
    -verify_hostname pinned.test -verify_return_error -CAfile "$PKI/bundle.pem" \
    </dev/null >"$HP_WORK/out" 2>&1 || rc=$?
hp_is "multi-name genuine certificate, client names pinned.test: reached" 0 "$rc"
# Named by nobody, every name it carries decides, other.test's rule too.
nosni "multi-name genuine certificate, no name: other.test's rule applies" "$PORT" pinned.test 0 1
hp_debug_has "the refusal names other.test" "for \"other.test\""
# The same for addresses: asked for 127.0.0.1, the certificate's other
# address 10.9.9.9 (pinned to another key) does not decide.
serve multiip multiip
rc=0
OPENSSL_CONF=$CNF timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -noservername \
    -verify_ip 127.0.0.1 -verify_return_error -CAfile "$PKI/bundle.pem" \
    </dev/null >"$HP_WORK/out" 2>&1 || rc=$?
hp_is "multi-address genuine certificate, client asks for 127.0.0.1: reached" 0 "$rc"
out=$(OPENSSL_CONF=$CNF timeout 20 python3 -c '
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as s:
    try:
        ctx.wrap_socket(s, server_hostname="127.0.0.1").close()
        print("ok")
    except ssl.SSLError as e:
        print(e)
' "$PORT" "$PKI/bundle.pem" 2>&1)
hp_is "multi-address genuine certificate, Python server_hostname=127.0.0.1: reached" ok "$out"
rc=0
OPENSSL_CONF=$CNF timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -noservername \
    -verify_ip 10.9.9.9 -verify_return_error -CAfile "$PKI/bundle.pem" \
    </dev/null >"$HP_WORK/out" 2>&1 || rc=$?
hp_is "multi-address genuine certificate, client asks for 10.9.9.9: refused" 1 "$rc"

# --- Odd SNI names: never a name without a rule ---------------------------
for sni in 'api.pinned.test..' 'api.pinned.test ' $'api.pinned.test\t' $'api.pinned.test\x7f' \
    'api..pinned.test' '.'; do
    shown=$(printf '%q' "$sni")
    for which in genuine impostor; do
        port=$G
        [ $which = impostor ] && port=$I
        rc=0
        OPENSSL_CONF=$CNF timeout 20 openssl s_client -connect "127.0.0.1:$port" \
            -servername "$sni" -verify_return_error -CAfile "$PKI/bundle.pem" \
            </dev/null >"$HP_WORK/out" 2>&1 || rc=$?
        if [ $which = genuine ]; then
            hp_is "SNI $shown: genuine reached" 0 "$rc"
        else
            hp_is "SNI $shown: impostor refused" 1 "$rc"
            hp_has "SNI $shown: by hostpin" "$(cat "$HP_WORK/out")" "does not match the pins"
        fi
    done
done

# --- A chain of 20 certificates -------------------------------------------
# root -> 18 intermediates -> leaf, for the genuine and the impostor side.
chain20() { # PREFIX: PREFIX0 (root) .. PREFIX18, PREFIX.leaf; PREFIX.chain
    local p=$1 i
    (
        cd "$PKI" || exit 1
        printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >long-ca.ext
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
            -subj "/O=$p/CN=$p 0" -keyout "${p}0.key" -out "${p}0.pem" \
            -addext basicConstraints=critical,CA:TRUE \
            -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null || exit 1
        : >"$p.chain"
        for i in $(seq 1 18); do
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
                -subj "/O=$p/CN=$p $i" -keyout "$p$i.key" -out "$p$i.csr" 2>/dev/null &&
                openssl x509 -req -in "$p$i.csr" -CA "$p$((i - 1)).pem" \
                    -CAkey "$p$((i - 1)).key" -CAcreateserial -days 30 \
                    -extfile long-ca.ext -out "$p$i.pem" 2>/dev/null || exit 1
            cat "$p$i.pem" "$p.chain" >"$p.chain.new" && mv "$p.chain.new" "$p.chain"
        done
    ) || { echo "could not make the chain $p" >&2; exit 1; }
    hp_issue "$PKI" "$p.leaf" "${p}18" "DNS:long.test"
}
chain20 G20
chain20 I20
cat "$PKI/G200.pem" "$PKI/I200.pem" >"$PKI/long-roots.pem"
hp_settle "$PKI"/*
serve20() { # PREFIX: sets PORT
    local out="$HP_WORK/$1.server.log"
    timeout 300 openssl s_server -accept 127.0.0.1:0 -cert "$PKI/$1.leaf.pem" \
        -key "$PKI/$1.leaf.key" -cert_chain "$PKI/$1.chain" -www </dev/null >"$out" 2>&1 &
    HP_PIDS+=($!)
    PORT=
    for _ in $(seq 1 100); do
        PORT=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$out" | head -n1)
        [ -n "$PORT" ] && return 0
        sleep 0.05
    done
    exit 1
}
serve20 G20
GL=$PORT
serve20 I20
IL=$PORT
long() { # DESC CNF PORT WANT_RC [MESSAGE]
    local rc=0
    OPENSSL_CONF=$2 timeout 20 openssl s_client -connect "127.0.0.1:$3" -servername long.test \
        -verify_hostname long.test -verify_return_error -CAfile "$PKI/long-roots.pem" \
        </dev/null >"$HP_WORK/out" 2>&1 || rc=$?
    hp_is "$1" "$4" "$rc"
    [ -n "${5:-}" ] && hp_has "$1: message" "$(cat "$HP_WORK/out")" "$5"
}
hp_pins "$HP_WORK/long.conf" long.test "$(hp_pin_of "$PKI/G200.pem")"
hp_cnf "$HP_WORK/long.cnf" "$HP_WORK/long.conf"
long "chain of 20 without hostpin: the impostor is reached" "$NOPIN" "$IL" 0
long "chain of 20, pinned by its root (depth 19): genuine reached" "$HP_WORK/long.cnf" "$GL" 0
long "chain of 20: impostor refused" "$HP_WORK/long.cnf" "$IL" 1 "does not match the pins"
printf 'version = 1;\ndeny = [ "sha256/%s" ];\n' "$(hp_pin_of "$PKI/G201.pem")" >"$HP_WORK/deny.conf"
hp_settle "$HP_WORK/deny.conf"
hp_cnf "$HP_WORK/deny.cnf" "$HP_WORK/deny.conf"
long "chain of 20: a denied key at depth 18 is seen" "$HP_WORK/deny.cnf" "$GL" 1 \
    "certificate [18]"
hp_has "a message too long for OpenSSL's error queue says where the rest is" \
    "$(cat "$HP_WORK/out")" "[...] (the whole message: syslog, hostpin log)"
# ... and the log has it whole: every certificate, then the pins.
: >"$DEBUG"
long "chain of 20: impostor refused, again" "$HP_WORK/long.cnf" "$IL" 1
line=$(grep -F "refused: certificate chain does not match the pins" "$DEBUG" | head -n 1)
hp_has "the logged refusal lists the 20th certificate" "$line" " [19] sha256/"
hp_has "... and then the pins, whole" "${line##* pins:}" "sha256/$(hp_pin_of "$PKI/G200.pem")"
hp_done
