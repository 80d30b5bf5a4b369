#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The pin store through stock openssl storeutl and the same openssl.cnf:
# hostpin: lists every pinned host with its description; hostpin:HOST
# returns the certificates behind certs/certs_dir pins and every pin as a
# name; -certs returns the certificates only; unknown hosts, bad URIs and
# an unusable pins file are clear errors; other URIs are left alone.
# shellcheck source-path=SCRIPTDIR source=lib-certs.sh
source "$HP_SRC/tests/certs/lib-certs.sh"

HP_PKI=$HP_WORK/pki
hp_pki "$HP_PKI"
hp_leaf "$HP_PKI" gnext
P=$HP_PKI
INTER=$(hp_pin_of "$P/ginter.pem")
LEAF=$(hp_pin_of "$P/gleaf.pem")
NEXT=$(hp_pin_of "$P/gnext.pem")
ROOT=$(hp_pin_of "$P/groot.pem")
F=$HP_WORK/pins.conf
mkdir -p "$HP_WORK/certs.d"
openssl x509 -in "$P/gleaf.pem" -outform DER -out "$HP_WORK/certs.d/pinned.test.cer"
hp_settle "$HP_WORK/certs.d/pinned.test.cer"
cp "$P/gnext.pem" "$HP_WORK/certs.d/pinned.test.crt"
hp_settle "$HP_WORK/certs.d/pinned.test.crt"
cp "$P/ginter.pem" "$HP_WORK/certs.d/dir-only.test.pem"
hp_settle "$HP_WORK/certs.d/dir-only.test.pem"
printf '%s\n' \
    'version = 1;' \
    'certs_dir = "certs.d";' \
    'hosts = (' \
    "  { host = \"hashes.test\"; pins = [ \"sha256/$INTER\", \"$HP_ZERO_PIN\" ]; }," \
    "  { host = \"pinned.test\"; include_subdomains = true;" \
    "    pins = [ \"sha256/$ROOT\" ];" \
    '    certs = [ "pki/groot.pem" ];' \
    '    expires = "2099-06-30"; mode = "report"; },' \
    "  { host = \"192.0.2.7\"; pins = [ \"sha256/$ROOT\", \"$HP_ZERO_PIN\" ]; }," \
    "  { host = \"old.test\"; pins = [ \"sha256/$ROOT\", \"$HP_ZERO_PIN\" ];" \
    '    expires = "2020-01-01"; }' \
    ');' >"$F"
CNF=$HP_WORK/openssl.cnf
hp_cnf "$CNF" "$F"
store() { hp_run env OPENSSL_CONF="$CNF" openssl storeutl "$@"; }

# --- hostpin: every host -------------------------------------------------
store hostpin:
hp_is "hostpin: exit status" 0 "$RC"
hp_has "hostpin: a hash-pinned host" "$OUT" "Name: hostpin:hashes.test
mode=enforce include_subdomains=no pins=2 cert_pins=0 expires=never source=$F:4"
hp_has "hostpin: certs, union with certs_dir, report mode, expiry" "$OUT" \
    "Name: hostpin:pinned.test
mode=report include_subdomains=yes pins=3 cert_pins=3 expires=2099-06-30 source=$F:5 + certs_dir"
hp_has "hostpin: an IP address" "$OUT" "Name: hostpin:192.0.2.7"
hp_has "hostpin: an expired rule says so" "$OUT" \
    "expires=2020-01-01 (expired: not enforced) source=$F:10"
hp_has "hostpin: a host only in certs_dir" "$OUT" "Name: hostpin:dir-only.test
mode=enforce include_subdomains=no pins=1 cert_pins=1 expires=never source=$F:2 (certs_dir)"
hp_has "hostpin: count" "$OUT" "Total found: 5"
hp_is "hostpin: nothing on stderr" "" "$ERR"
store hostpin://
hp_has "hostpin:// lists too" "$OUT" "Total found: 5"

# --- hostpin:HOST --------------------------------------------------------
store -certs hostpin:pinned.test
hp_is "-certs hostpin:HOST: exit status" 0 "$RC"
hp_has "-certs hostpin:HOST: three certificates" "$OUT" "Total found: 3"
hp_lacks "-certs hostpin:HOST: no names" "$OUT" "Name:"
printf '%s\n' "$OUT" | awk '/BEGIN CERT/,/END CERT/' >"$HP_WORK/got.pem"
fps() { # the SHA-256 fingerprints of every certificate in a PEM file
    local f=$1
    while openssl x509 -noout -fingerprint -sha256 2>/dev/null; do :; done <"$f"
}
expected=$(for c in groot gleaf gnext; do openssl x509 -in "$P/$c.pem" -noout -fingerprint -sha256; done | sort)
hp_is "-certs hostpin:HOST: exactly the pinning certificates" "$expected" \
    "$(fps "$HP_WORK/got.pem" | sort)"

store hostpin:pinned.test
hp_is "hostpin:HOST: exit status" 0 "$RC"
hp_has "hostpin:HOST: certificates and pins" "$OUT" "Total found: 6"
hp_has "hostpin:HOST: a pin of a certs_dir certificate" "$OUT" "Name: sha256/$LEAF
pin of pinned.test: key of certificate /O=Genuine/CN=pinned.test in $HP_WORK/certs.d/pinned.test.cer"
hp_has "hostpin:HOST: the next certificate's pin" "$OUT" "Name: sha256/$NEXT"
hp_has "hostpin:HOST: a pin listed and in a certs file" "$OUT" "Name: sha256/$ROOT
pin of pinned.test: key of certificate /O=Genuine/CN=Genuine Root in $HP_WORK/pki/groot.pem"

store hostpin:hashes.test
hp_has "hash pins only: two names" "$OUT" "Total found: 2"
hp_has "hash pins only: listed pin" "$OUT" "Name: sha256/$INTER
pin of hashes.test: listed at $F:4"
hp_has "hash pins only: the other pin" "$OUT" "Name: $HP_ZERO_PIN"
store -certs hostpin:hashes.test
hp_is "hash pins only, -certs: exit status" 0 "$RC"
hp_has "hash pins only, -certs: nothing" "$OUT" "Total found: 0"

store hostpin:HASHES.test.
hp_has "host names are normalised" "$OUT" "Total found: 2"
store hostpin:deep.api.pinned.test
hp_has "a subdomain shows the rule that applies to it" "$OUT" "Total found: 6"
store hostpin:192.0.2.7
hp_has "an IP rule" "$OUT" "Total found: 2"

# --- refusals ------------------------------------------------------------
store hostpin:unknown.test
hp_is "unknown host: exit status" 1 "$RC"
hp_has "unknown host: says so" "$ERR" \
    "host \"unknown.test\" is not pinned in $F (openssl storeutl hostpin: lists the pinned hosts)"
store hostpin:pinned.test/path
hp_is "a URI with a path: exit status" 1 "$RC"
hp_has "a URI with a path: says what is expected" "$ERR" \
    "\"hostpin:pinned.test/path\": expected hostpin: (every pinned host) or hostpin:HOST"
store 'hostpin:bad host'
hp_is "a host with a space: exit status" 1 "$RC"
hp_has "a host with a space: says what is expected" "$ERR" "expected hostpin: (every pinned host) or hostpin:HOST"

printf 'version = 1;\nhosts = ( { host = "x.test"; pins = [ "sha256/nope" ]; } );\n' >"$HP_WORK/broken.conf"
hp_settle "$HP_WORK/broken.conf"
hp_cnf "$HP_WORK/broken.cnf" "$HP_WORK/broken.conf"
hp_run env OPENSSL_CONF="$HP_WORK/broken.cnf" openssl storeutl hostpin:
hp_is "broken pins file: exit status" 1 "$RC"
hp_has "broken pins file: names file and line" "$ERR" "$HP_WORK/broken.conf:2: pin \"sha256/nope\""

# Without hostpin in the configuration there is no such scheme.
hp_run env OPENSSL_CONF=/dev/null openssl storeutl hostpin:
hp_is "hostpin not loaded: exit status" 1 "$RC"

# --- other URIs still go to their own loaders ----------------------------
store -certs "$P/bundle.pem"
hp_is "a file path with hostpin loaded: exit status" 0 "$RC"
hp_has "a file path with hostpin loaded: its certificates" "$OUT" "Total found: 2"
store -certs "file:$P/groot.pem"
hp_has "a file: URI with hostpin loaded" "$OUT" "Total found: 1"

hp_done
