#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# hostpin check: every exit status with its message, rules found through
# include_subdomains, IP rules, report mode, expired rules, --json, the
# default pins file from openssl.cnf, and independence from an enabled
# provider.
# shellcheck source-path=SCRIPTDIR source=lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"

P=$HP_WORK/pki
hp_pki "$P"
hp_start_servers "$P"
TLS=(--cafile "$P/bundle.pem" --connect 127.0.0.1)
INTER=$(hp_pin_of "$P/ginter.pem")
ROOT=$(hp_pin_of "$P/groot.pem")
F=$HP_WORK/pins.conf
hp_pins_text "$F" \
    'version = 1;' \
    'hosts = (' \
    "  { host = \"pinned.test\"; pins = [ \"$HP_ZERO_PIN\"," \
    "                                      \"sha256/$INTER\" ]; }," \
    "  { host = \"api.pinned.test\"; include_subdomains = true;" \
    "    pins = [ \"sha256/$ROOT\", \"$HP_ZERO_PIN\" ]; }," \
    "  { host = \"127.0.0.1\"; pins = [ \"pin-sha256=\\\"$INTER\\\"\", \"$HP_ZERO_PIN\" ]; }" \
    ');'
# free.test in other files: report mode (matching or not), expired.
one_host() { # one_host FILE SETTINGS...
    local f=$1
    shift
    hp_pins_text "$f" 'version = 1;' 'hosts = (' '  { host = "free.test";' \
        "$@" '  }' ');'
}
one_host "$HP_WORK/report.conf" '    mode = "report";' \
    "    pins = [ \"$HP_ZERO_PIN\", \"sha256//$ROOT\" ];"
one_host "$HP_WORK/report-bad.conf" '    mode = "report";' \
    "    pins = [ \"$HP_ZERO_PIN\" ];"
one_host "$HP_WORK/old.conf" '    expires = "2020-01-01";' \
    "    pins = [ \"$HP_ZERO_PIN\", \"sha256/$INTER\" ];"
hp_pins "$HP_WORK/only.conf" pinned.test "$INTER"
ck() { hp_run "$HOSTPIN" check --pins "$F" "$@"; }

ck "${TLS[@]}" "pinned.test:$GPORT"
hp_is "satisfied: exit 0" 0 "$RC"
hp_has "satisfied: the rule's file:line" "$OUT" "Rule:       $F:3, host \"pinned.test\""
hp_has "satisfied: mode and pins" "$OUT" "mode enforce, 2 pins"
hp_has "satisfied: which pin at which depth" "$OUT" \
    "Result:     OK: the key at depth 1 (CN=Genuine Intermediate, O=Genuine) is pinned: sha256/$INTER"
hp_has "satisfied: the chain, matching certificate marked" "$OUT" \
    "  1  CN=Genuine Intermediate, O=Genuine  (intermediate)  <- matches a pin"

ck "${TLS[@]}" "pinned.test:$IPORT"
hp_is "not satisfied: exit 1" 1 "$RC"
hp_has "not satisfied: why" "$OUT" \
    "FAIL: no certificate of the built chain has a pinned key; programs using hostpin refuse this server"
hp_has "not satisfied: the impostor's chain" "$OUT" "CN=Impostor Root, O=Impostor  (trust anchor)"
hp_has "not satisfied: the rule's pins" "$OUT" "Pins of the rule:
  $HP_ZERO_PIN"
hp_has "not satisfied: the rule" "$OUT" "Rule:       $F:3"

ck "${TLS[@]}" "deep.api.pinned.test:$GPORT"
hp_is "include_subdomains: exit 0" 0 "$RC"
hp_has "include_subdomains: names the parent rule" "$OUT" \
    "host \"api.pinned.test\" (covers \"deep.api.pinned.test\" through include_subdomains)"
hp_has "include_subdomains: matched the root" "$OUT" "OK: the key at depth 2"
ck "${TLS[@]}" "deep.api.pinned.test:$IPORT"
hp_is "include_subdomains, impostor: exit 1" 1 "$RC"

hp_run "$HOSTPIN" check --pins "$HP_WORK/report.conf" "${TLS[@]}" "free.test:$GPORT"
hp_is "report mode, matching: exit 0" 0 "$RC"
hp_has "report mode shown" "$OUT" "mode report"
hp_run "$HOSTPIN" check --pins "$HP_WORK/report-bad.conf" "${TLS[@]}" "free.test:$GPORT"
hp_is "report mode, mismatch: exit 1" 1 "$RC"
hp_has "report mode, mismatch: explained" "$OUT" \
    "MISMATCH: no certificate of the built chain has a pinned key; the rule is in report mode"

hp_run "$HOSTPIN" check --pins "$HP_WORK/old.conf" "${TLS[@]}" "free.test:$GPORT"
hp_is "expired rule: exit 2" 2 "$RC"
hp_has "expired rule: explained" "$OUT" \
    "NO RULE IN FORCE: the rule expired on 2020-01-01 and is not enforced (the key at depth 1 still matches its pins)"
hp_has "expired rule: marked" "$OUT" "expires 2020-01-01 (EXPIRED: not enforced)"

ck "${TLS[@]}" "localhost:$GPORT"
hp_is "no rule: exit 2" 2 "$RC"
hp_has "no rule: explained" "$OUT" "NO RULE: $F has no rule for \"localhost\"; programs do not pin it"

ck --cafile "$P/bundle.pem" "127.0.0.1:$GPORT"
hp_is "IP rule: exit 0" 0 "$RC"
hp_has "IP rule: found" "$OUT" "host \"127.0.0.1\""
ck --cafile "$P/bundle.pem" "127.0.0.1:$IPORT"
hp_is "IP rule, impostor: exit 1" 1 "$RC"
hp_run "$HOSTPIN" check --pins "$HP_WORK/only.conf" --cafile "$P/bundle.pem" \
    --servername pinned.test "127.0.0.1:$IPORT"
hp_is "the SNI name's rule applies: impostor exits 1" 1 "$RC"
hp_has "the SNI name's rule applies: named" "$OUT" 'host "pinned.test"'
hp_run "$HOSTPIN" check --pins "$HP_WORK/only.conf" --cafile "$P/bundle.pem" \
    --servername pinned.test "127.0.0.1:$GPORT"
hp_is "the SNI name's rule applies: genuine exits 0" 0 "$RC"
ck "${TLS[@]}" "PINNED.Test:$GPORT"
hp_is "names are normalised: exit 0" 0 "$RC"

# 3: cannot connect, cannot verify.
closed=$(hp_closed_port)
ck "${TLS[@]}" "pinned.test:$closed"
hp_is "closed port: exit 3" 3 "$RC"
hp_has "closed port: on stderr" "$ERR" "hostpin check: cannot connect to 127.0.0.1:$closed"
ck --connect 127.0.0.1 "pinned.test:$GPORT"
hp_is "untrusted chain: exit 3" 3 "$RC"
hp_has "untrusted chain: explained" "$OUT" \
    "CANNOT VERIFY: OpenSSL rejects this server's certificate (unable to get local issuer certificate at depth 1)"
ck "${TLS[@]}" "other.test:$GPORT"
hp_is "no rule: not even connected" "" "$(grep '^Server:' <<<"$OUT")"
hp_run "$HOSTPIN" check --pins "$HP_WORK/only.conf" --cafile "$P/bundle.pem" \
    --servername pinned.test "localhost.localdomain:$GPORT" --connect 127.0.0.1
hp_is "name mismatch: exit 3" 3 "$RC"
hp_has "name mismatch: explained" "$OUT" "(hostname mismatch at depth 0)"
ck "${TLS[@]}" --timeout 3 "pinned.test:$GPORT" --connect "127.0.0.1:$GPORT"
hp_is "--connect ADDR:PORT: exit 0" 0 "$RC"

# 4: the pins file is unusable.
hp_pins_text "$HP_WORK/bad.conf" 'version = 1;' 'hosts = ( { host = "pinned.test"; pins = [ "sha256/short=" ]; } );'
hp_expect "broken pins file: exit 4" 4 "$HP_WORK/bad.conf:2: pin \"sha256/short=\"" \
    "$HOSTPIN" check --pins "$HP_WORK/bad.conf" "${TLS[@]}" "pinned.test:$GPORT"
hp_has "broken pins file: says what to do" "$ERR" "run hostpin lint $HP_WORK/bad.conf"
hp_expect "missing pins file: exit 4" 4 "cannot read pins file: No such file or directory" \
    "$HOSTPIN" check --pins "$HP_WORK/none.conf" "${TLS[@]}" "pinned.test:$GPORT"

# --json.
ck --json "${TLS[@]}" "pinned.test:$GPORT"
hp_is "json pass: exit 0" 0 "$RC"
hp_json_ok "json pass" "$OUT"
hp_has "json pass: outcome" "$OUT" '"outcome": "pass"'
hp_has "json pass: match depth" "$OUT" '"depth": 1,'
hp_has "json pass: rule line" "$OUT" '"line": 3,'
hp_has "json pass: matched pin" "$OUT" "\"pin\": \"sha256/$INTER\""
ck --json "${TLS[@]}" "pinned.test:$IPORT"
hp_is "json fail: exit 1" 1 "$RC"
hp_json_ok "json fail" "$OUT"
hp_has "json fail: outcome" "$OUT" '"outcome": "fail"'
hp_has "json fail: exit in the document" "$OUT" '"exit": 1'
ck --json "${TLS[@]}" "localhost:$GPORT"
hp_is "json no rule: exit 2" 2 "$RC"
hp_has "json no rule" "$OUT" '"outcome": "no-rule"'
ck --json "${TLS[@]}" "pinned.test:$closed"
hp_is "json connect error: exit 3" 3 "$RC"
hp_json_ok "json connect error" "$OUT"
hp_has "json connect error" "$OUT" '"outcome": "connect-error"'

# The default pins file is the one openssl.cnf gives the provider.
hp_cnf "$HP_WORK/on.cnf" "$F"
OPENSSL_CONF=$HP_WORK/on.cnf hp_run "$HOSTPIN" check "${TLS[@]}" "pinned.test:$GPORT"
hp_is "default pins file from OPENSSL_CONF: exit 0" 0 "$RC"
hp_has "default pins file from OPENSSL_CONF: named" "$OUT" "Pins file:  $F"

# With hostpin enabled for the process, check still judges the impostor
# itself (1), instead of being refused by the provider (3).  First make
# sure the provider really refuses it with this configuration.
OPENSSL_CONF=$HP_WORK/on.cnf hp_run hp_openssl s_client -connect "127.0.0.1:$IPORT" \
    -servername pinned.test -verify_hostname pinned.test -CAfile "$P/bundle.pem" \
    -verify_return_error </dev/null
hp_is "premise: the provider refuses the impostor" 1 "$RC"
hp_has "premise: refused by hostpin" "$OUT$ERR" "certificate chain does not match the pins"
OPENSSL_CONF=$HP_WORK/on.cnf hp_run "$HOSTPIN" check "${TLS[@]}" "pinned.test:$IPORT"
hp_is "provider enabled: impostor still exits 1" 1 "$RC"
hp_has "provider enabled: judged by check" "$OUT" "FAIL: no certificate of the built chain"
OPENSSL_CONF=$HP_WORK/on.cnf hp_run "$HOSTPIN" check "${TLS[@]}" "pinned.test:$GPORT"
hp_is "provider enabled: genuine exits 0" 0 "$RC"
# Even when the provider is failing closed on a broken pins file.
hp_cnf "$HP_WORK/broken.cnf" "$HP_WORK/bad.conf"
OPENSSL_CONF=$HP_WORK/broken.cnf hp_run "$HOSTPIN" check --pins "$F" "${TLS[@]}" "pinned.test:$GPORT"
hp_is "provider failing closed: check still connects" 0 "$RC"

# check judges the chain policy as the module does: check and a real
# connection through OPENSSL_CONF agree, for a passing and a violating
# chain (RSA-2048 under min_rsa_bits), and for an unpinned host refused by
# a deny pin.
R=$HP_WORK/rsa
hp_pki "$R" rsa
hp_start_servers "$R"
RINTER=$(hp_pin_of "$R/ginter.pem")
policy_conf() { # NAME MIN_RSA_BITS
    hp_pins_text "$HP_WORK/$1.conf" 'version = 1;' \
        "policy = { min_rsa_bits = $2; };" \
        "deny = [ \"sha256/$(hp_pin_of "$R/iroot.pem")\" ];" \
        'hosts = (' \
        "  { host = \"pinned.test\"; pins = [ \"sha256/$RINTER\", \"$HP_ZERO_PIN\" ]; }" \
        ');'
    hp_cnf "$HP_WORK/$1.cnf" "$HP_WORK/$1.conf"
}
# agree DESC WANT(0 allowed, 1 refused) CHECK-EXIT NAME PORT HOST
agree() {
    local desc=$1 want=$2 check_rc=$3 name=$4 port=$5 host=$6 rc_s rc_c
    hp_run "$HOSTPIN" check --pins "$HP_WORK/$name.conf" --cafile "$R/bundle.pem" \
        --connect 127.0.0.1 "$host:$port"
    hp_is "$desc: check exits $check_rc" "$check_rc" "$RC"
    CHECK_OUT=$OUT
    OPENSSL_CONF=$HP_WORK/$name.cnf hp_run hp_openssl s_client \
        -connect "127.0.0.1:$port" -servername "$host" -verify_hostname "$host" \
        -CAfile "$R/bundle.pem" -verify_return_error </dev/null
    rc_s=$([ "$RC" = 0 ] && echo 0 || echo 1)
    hp_is "$desc: s_client through OPENSSL_CONF agrees" "$want" "$rc_s"
    S_OUT=$OUT$ERR
    if hp_cli_curl; then
        OPENSSL_CONF=$HP_WORK/$name.cnf hp_run curl -sS -o /dev/null \
            --cacert "$R/bundle.pem" --resolve "$host:$port:127.0.0.1" \
            "https://$host:$port/"
        rc_c=$([ "$RC" = 0 ] && echo 0 || echo 1)
        hp_is "$desc: curl through OPENSSL_CONF agrees" "$want" "$rc_c"
    fi
}
policy_conf rsa3072 3072
agree "RSA-2048 chain, min_rsa_bits = 3072" 1 1 rsa3072 "$GPORT" pinned.test
hp_has "min_rsa_bits: check names the certificate and the setting" "$CHECK_OUT" \
    "FAIL: certificate 0 (CN=pinned.test, O=Genuine) breaks the policy ($HP_WORK/rsa3072.conf:2): RSA key of 2048 bits, below min_rsa_bits = 3072"
hp_has "min_rsa_bits: the module says the same" "$S_OUT" \
    "RSA key of 2048 bits, below min_rsa_bits = 3072"
hp_lacks "min_rsa_bits: check does not blame the pins" "$CHECK_OUT" "Pins of the rule:"
policy_conf rsa2048 2048
agree "RSA-2048 chain, min_rsa_bits = 2048" 0 0 rsa2048 "$GPORT" pinned.test
hp_has "min_rsa_bits = 2048: pinned intermediate" "$CHECK_OUT" "OK: the key at depth 1"
agree "deny pin, unpinned host" 1 1 rsa2048 "$IPORT" free.test
hp_has "deny pin, unpinned host: check says why" "$CHECK_OUT" \
    "FAIL: certificate 1 (CN=Impostor Root, O=Impostor) has a denied key ($HP_WORK/rsa2048.conf:3): its public key is denied"
hp_has "deny pin, unpinned host: no rule shown" "$CHECK_OUT" "Rule:       none for \"free.test\""
agree "deny pin, unpinned host, genuine chain" 0 2 rsa2048 "$GPORT" free.test
hp_has "deny pin, genuine chain: no rule, nothing broken" "$CHECK_OUT" \
    "its chain breaks none of the file's deny pins and policy"

# A chain longer than 16 certificates: every certificate counts, for the
# module and for check alike (root pinned at depth 18).
L=$HP_WORK/long
mkdir -p "$L"
(
    cd "$L" || exit 1
    k=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
    openssl req -x509 "${k[@]}" -days 30 -subj "/CN=Long Root" -keyout c0.key \
        -out c0.pem -addext basicConstraints=critical,CA:TRUE 2>/dev/null || exit 1
    printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' >ca.ext
    for i in $(seq 1 17); do
        openssl req -new "${k[@]}" -subj "/CN=Long CA $i" -keyout "c$i.key" \
            -out "c$i.csr" 2>/dev/null &&
            openssl x509 -req -in "c$i.csr" -CA "c$((i - 1)).pem" -CAkey "c$((i - 1)).key" \
                -CAcreateserial -days 30 -extfile ca.ext -out "c$i.pem" 2>/dev/null || exit 1
    done
    printf 'subjectAltName=DNS:pinned.test\n' >leaf.ext
    openssl req -new "${k[@]}" -subj "/CN=pinned.test" -keyout leaf.key -out leaf.csr 2>/dev/null &&
        openssl x509 -req -in leaf.csr -CA c17.pem -CAkey c17.key -CAcreateserial \
            -days 30 -extfile leaf.ext -out leaf.pem 2>/dev/null || exit 1
    for i in $(seq 17 -1 1); do cat "c$i.pem"; done >chain.pem
) || { echo "could not create the long chain" >&2; exit 1; }
hp_server long "$L/leaf.pem" "$L/leaf.key" -cert_chain "$L/chain.pem"
LPORT=$HP_PORT
hp_pins_text "$HP_WORK/long.conf" 'version = 1;' 'hosts = (' \
    "  { host = \"pinned.test\"; pins = [ \"sha256/$(hp_pin_of "$L/c0.pem")\", \"$HP_ZERO_PIN\" ]; }" ');'
hp_cnf "$HP_WORK/long.cnf" "$HP_WORK/long.conf"
hp_run "$HOSTPIN" check --pins "$HP_WORK/long.conf" --cafile "$L/c0.pem" --connect 127.0.0.1 "pinned.test:$LPORT"
hp_is "19-certificate chain: check passes" 0 "$RC"
hp_has "19-certificate chain: the root matched at depth 18" "$OUT" "OK: the key at depth 18 (CN=Long Root) is pinned"
OPENSSL_CONF=$HP_WORK/long.cnf hp_run hp_openssl s_client -connect "127.0.0.1:$LPORT" \
    -servername pinned.test -verify_hostname pinned.test -CAfile "$L/c0.pem" \
    -verify_return_error </dev/null
hp_is "19-certificate chain: s_client through OPENSSL_CONF agrees" 0 "$RC"

hp_done
