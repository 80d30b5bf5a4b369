#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# hostpin fetch: both chains with depth, subject, issuer, expiry and pin,
# and a host block that, pasted into a pins file, makes `check` accept the
# genuine server and refuse the impostor.
# shellcheck source-path=SCRIPTDIR source=lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"

P=$HP_WORK/pki
hp_pki "$P"
hp_start_servers "$P"
TLS=(--cafile "$P/bundle.pem" --connect 127.0.0.1)
LEAF=$(hp_pin_of "$P/gleaf.pem")
INTER=$(hp_pin_of "$P/ginter.pem")
ROOT=$(hp_pin_of "$P/groot.pem")

# block FILE: the host block of fetch's output, as a person would copy it.
block() { sed -n '/^  {$/,/^  }$/p' "$1"; }
# pins_from_block FETCH-OUTPUT PINS-FILE: a pins file around the block.
pins_from_block() {
    { echo "version = 1;"; echo "hosts = ("; block "$1"; echo ");"; } >"$2"
}

hp_run "$HOSTPIN" fetch "${TLS[@]}" "pinned.test:$GPORT"
printf '%s\n' "$OUT" >"$HP_WORK/fetch.out"
hp_is "fetch genuine: exit 0" 0 "$RC"
hp_has "connection line" "$OUT" "Connected to pinned.test:$GPORT at 127.0.0.1:$GPORT"
hp_has "SNI is the host" "$OUT" "SNI pinned.test"
hp_has "verification result" "$OUT" "Verification: OK"
hp_has "sent chain heading" "$OUT" "Chain sent by the server (2 certificates):"
hp_has "built chain heading" "$OUT" "Chain built by OpenSSL, which hostpin checks (3 certificates):"
hp_has "leaf with depth and subject" "$OUT" "  0  CN=pinned.test, O=Genuine  (leaf)"
hp_has "issuer" "$OUT" "     issuer   CN=Genuine Intermediate, O=Genuine"
hp_has "intermediate marked for the block" "$OUT" \
    "  1  CN=Genuine Intermediate, O=Genuine  (intermediate)  <- pinned by the block below"
hp_has "trust anchor" "$OUT" "  2  CN=Genuine Root, O=Genuine  (trust anchor)"
hp_has "expiry" "$OUT" "     expires  $(date -u -d "$(openssl x509 -in "$P/gleaf.pem" -noout -enddate | cut -d= -f2)" '+%Y-%m-%d %H:%M:%S') UTC (in "
hp_has "leaf pin" "$OUT" "     pin      sha256/$LEAF"
hp_has "intermediate pin" "$OUT" "     pin      sha256/$INTER"
hp_has "root pin (built chain only)" "$OUT" "     pin      sha256/$ROOT"
hp_is "sent chain lists two pins, built chain three" 5 \
    "$(grep -c '^     pin ' <<<"$OUT")"
hp_has "block pins the intermediate" "$(block "$HP_WORK/fetch.out")" \
    "\"sha256/$INTER\""
hp_has "block has the host" "$(block "$HP_WORK/fetch.out")" \
    'host = "pinned.test";'
hp_has "block has a marked backup slot" "$(block "$HP_WORK/fetch.out")" \
    "# BACKUP PIN: a key that is NOT in use yet"
hp_has "backup slot to fill in" "$(block "$HP_WORK/fetch.out")" \
    '# , "sha256/<backup pin>"'

# Pasted as is: check accepts the genuine server, refuses the impostor.
pins_from_block "$HP_WORK/fetch.out" "$HP_WORK/pasted.conf"
hp_expect "pasted block: check genuine" 0 "OK: the key at depth 1" \
    "$HOSTPIN" check --pins "$HP_WORK/pasted.conf" "${TLS[@]}" "pinned.test:$GPORT"
hp_expect "pasted block: check impostor" 1 "FAIL: no certificate of the built chain has a pinned key" \
    "$HOSTPIN" check --pins "$HP_WORK/pasted.conf" "${TLS[@]}" "pinned.test:$IPORT"
hp_expect "pasted block: lint wants the backup" 0 "has only one pin: add a backup pin" \
    "$HOSTPIN" lint "$HP_WORK/pasted.conf"
# With the backup slot filled in as the comment says.
sed "s|^      # , \"sha256/<backup pin>\"|      , \"$HP_ZERO_PIN\"|" \
    "$HP_WORK/pasted.conf" >"$HP_WORK/filled.conf"
hp_expect "filled backup slot: lint is clean" 0 "valid, 1 host, 0 warnings" \
    "$HOSTPIN" lint "$HP_WORK/filled.conf"
hp_expect "filled backup slot: check genuine" 0 "OK: the key at depth 1" \
    "$HOSTPIN" check --pins "$HP_WORK/filled.conf" "${TLS[@]}" "pinned.test:$GPORT"

# --level.
hp_run "$HOSTPIN" fetch --level leaf "${TLS[@]}" "pinned.test:$GPORT"
printf '%s\n' "$OUT" >"$HP_WORK/leaf.out"
hp_has "--level leaf: block pins the leaf" "$(block "$HP_WORK/leaf.out")" "\"sha256/$LEAF\""
pins_from_block "$HP_WORK/leaf.out" "$HP_WORK/leaf.conf"
hp_expect "--level leaf: check matches at depth 0" 0 "OK: the key at depth 0" \
    "$HOSTPIN" check --pins "$HP_WORK/leaf.conf" "${TLS[@]}" "pinned.test:$GPORT"
hp_run "$HOSTPIN" fetch --level root "${TLS[@]}" "pinned.test:$GPORT"
printf '%s\n' "$OUT" >"$HP_WORK/root.out"
hp_has "--level root: block pins the root" "$(block "$HP_WORK/root.out")" "\"sha256/$ROOT\""
pins_from_block "$HP_WORK/root.out" "$HP_WORK/root.conf"
hp_expect "--level root: check matches at depth 2" 0 "OK: the key at depth 2" \
    "$HOSTPIN" check --pins "$HP_WORK/root.conf" "${TLS[@]}" "pinned.test:$GPORT"
hp_expect "--level root: impostor refused" 1 "FAIL" \
    "$HOSTPIN" check --pins "$HP_WORK/root.conf" "${TLS[@]}" "pinned.test:$IPORT"

# The impostor's chain has no intermediate: the block says so.
hp_expect "impostor: no intermediate" 0 "the leaf's issuer is the trust anchor itself" \
    "$HOSTPIN" fetch "${TLS[@]}" "pinned.test:$IPORT"
hp_has "impostor: its own pins" "$OUT" "sha256/$(hp_pin_of "$P/iroot.pem")"

# --connect with a port, --servername, an IP target.
hp_expect "--connect ADDR:PORT" 0 "at 127.0.0.1:$GPORT" \
    "$HOSTPIN" fetch --cafile "$P/bundle.pem" --connect "127.0.0.1:$GPORT" pinned.test
hp_expect "--servername" 0 "SNI api.pinned.test" \
    "$HOSTPIN" fetch "${TLS[@]}" --servername api.pinned.test "pinned.test:$GPORT"
hp_expect "IP target: no SNI" 0 "SNI (none)" \
    "$HOSTPIN" fetch --cafile "$P/bundle.pem" "127.0.0.1:$GPORT"
hp_has "IP target: block for the IP" "$OUT" 'host = "127.0.0.1";'

# Unverified chain: shown, with a warning and exit 1.
hp_expect "untrusted: exit 1" 1 "Verification: FAILED: unable to get local issuer certificate" \
    "$HOSTPIN" fetch --connect 127.0.0.1 "pinned.test:$GPORT"
hp_has "untrusted: warns against pinning" "$OUT" "WARNING: the chain did not verify"
hp_expect "wrong name: exit 1" 1 "Verification: FAILED: hostname mismatch" \
    "$HOSTPIN" fetch "${TLS[@]}" "other.test:$GPORT"

# Cannot connect: exit 3, a message on stderr that says what to check.
closed=$(hp_closed_port)
hp_expect "closed port: exit 3" 3 "cannot connect to 127.0.0.1:$closed" \
    "$HOSTPIN" fetch "${TLS[@]}" "pinned.test:$closed"
hp_has "closed port: says what to check" "$ERR" "is the server running"
hp_is "closed port: nothing on stdout" "" "$OUT"
hp_expect "unknown name: exit 3" 3 "cannot resolve \"no-such-host.invalid\"" \
    "$HOSTPIN" fetch --timeout 5 no-such-host.invalid

hp_done
