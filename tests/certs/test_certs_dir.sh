#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Certificate files as pins: a host pinned only by a DER .cer in certs_dir
# admits the genuine server and refuses the impostor; two files for one
# host (a rotation) admit both certificates; a folder host that also has a
# `hosts` entry gets the union; every malformed file, file name, folder and
# `certs` entry is an error naming the file and the line of the pins file.
# shellcheck source-path=SCRIPTDIR source=lib-certs.sh
source "$HP_SRC/tests/certs/lib-certs.sh"

HP_PKI=$HP_WORK/pki
hp_pki "$HP_PKI"
hp_leaf "$HP_PKI" gnext
hp_start_servers "$HP_PKI"
hp_server next "$HP_PKI/gnext.pem" "$HP_PKI/gnext.key" \
    -cert_chain "$HP_PKI/ginter.pem"
NPORT=$HP_PORT
MISMATCH='certificate chain does not match the pins for "pinned.test"'

# setup NAME PINS-FILE-LINES...: $HP_WORK/NAME.conf and NAME.cnf
setup() {
    local n=$1
    shift
    printf '%s\n' "$@" >"$HP_WORK/$n.conf"
    hp_settle "$HP_WORK/$n.conf"
    hp_cnf "$HP_WORK/$n.cnf" "$HP_WORK/$n.conf"
}

# --- Only the leaf's DER certificate, as Mattermost ships it ------------
mkdir -p "$HP_WORK/der.d"
openssl x509 -in "$HP_PKI/gleaf.pem" -outform DER -out "$HP_WORK/der.d/pinned.test.cer"
hp_settle "$HP_WORK/der.d/pinned.test.cer"
echo "not a pin file" >"$HP_WORK/der.d/README"
setup der 'version = 1;' 'certs_dir = "der.d";'
hp_admits "DER .cer in certs_dir, genuine server" "$HP_WORK/der.cnf" "$GPORT"
hp_refuses "DER .cer in certs_dir, impostor" "$HP_WORK/der.cnf" "$IPORT" "$MISMATCH"
hp_refuses "DER .cer in certs_dir, the next certificate not yet added" \
    "$HP_WORK/der.cnf" "$NPORT" "$MISMATCH"
hp_has "the refusal names the certs_dir line of the pins file" "$OUT" \
    "(rule $HP_WORK/der.conf:2, mode enforce)"
hp_admits "an unpinned host is not affected" "$HP_WORK/der.cnf" "$IPORT" free.test
# The folder pins exactly the named host, not its subdomains.
hp_admits "certs_dir pins no subdomain" "$HP_WORK/der.cnf" "$IPORT" api.pinned.test

# --- A rotation: current (.cer, DER) and next (.crt, PEM) ---------------
mkdir -p "$HP_WORK/rot.d"
cp "$HP_WORK/der.d/pinned.test.cer" "$HP_WORK/rot.d/"
hp_settle "$HP_WORK/rot.d"/*
cp "$HP_PKI/gnext.pem" "$HP_WORK/rot.d/pinned.test.crt"
hp_settle "$HP_WORK/rot.d/pinned.test.crt"
setup rot 'version = 1;' "certs_dir = \"$HP_WORK/rot.d\";"
hp_admits "rotation: current certificate" "$HP_WORK/rot.cnf" "$GPORT"
hp_admits "rotation: next certificate" "$HP_WORK/rot.cnf" "$NPORT"
hp_refuses "rotation: impostor" "$HP_WORK/rot.cnf" "$IPORT" "$MISMATCH"
# Upper-case names and .pem work the same way (DNS names ignore case).
mkdir -p "$HP_WORK/case.d"
cp "$HP_PKI/gnext.pem" "$HP_WORK/case.d/Pinned.TEST.pem"
hp_settle "$HP_WORK/case.d/Pinned.TEST.pem"
setup case 'version = 1;' 'certs_dir = "case.d";'
hp_admits "HOST.pem, name in capitals" "$HP_WORK/case.cnf" "$NPORT"
hp_refuses "HOST.pem, name in capitals: other key" "$HP_WORK/case.cnf" "$GPORT" "$MISMATCH"

# --- Union with a `hosts` entry -------------------------------------------
setup union 'version = 1;' 'certs_dir = "der.d";' 'hosts = (' \
    "  { host = \"pinned.test\"; pins = [ \"$HP_ZERO_PIN\" ];" \
    "    certs = [ \"pki/gnext.pem\" ]; }" ');'
hp_admits "union: the folder's certificate" "$HP_WORK/union.cnf" "$GPORT"
hp_admits "union: the entry's certificate" "$HP_WORK/union.cnf" "$NPORT"
hp_refuses "union: impostor" "$HP_WORK/union.cnf" "$IPORT" "$MISMATCH"
hp_has "union: the refusal names the hosts entry" "$OUT" \
    "(rule $HP_WORK/union.conf:4, mode enforce)"
hp_expect "union: lint accepts it" 0 "valid, 1 host" "$HOSTPIN" lint "$HP_WORK/union.conf"
hp_has "union: lint says the folder adds to the entry" "$OUT" \
    "$HP_WORK/union.conf:4: warning: host \"pinned.test\" is also in certs_dir (pinned.test.cer): the keys of those certificates are pins of this entry too"
hp_has "union: lint names the folder's README, which pins nothing" "$OUT" \
    "$HP_WORK/union.conf:2: warning: certs_dir \"$HP_WORK/der.d\": file \"README\" pins nothing"
hp_run "$HOSTPIN" lint --json "$HP_WORK/union.conf"
hp_has "union: lint --json code" "$OUT" '"code": "certs-dir-merged"'
hp_has "ignored file: lint --json code" "$OUT" '"code": "ignored-file"'
# A file whose extension the folder does not take is not a pin: lint says
# so, so that nobody believes example.com.der pins example.com.
cp "$HP_WORK/der.d/pinned.test.cer" "$HP_WORK/rot.d/free.test.der"
hp_settle "$HP_WORK/rot.d/free.test.der"
mkdir -p "$HP_WORK/rot.d/old"
hp_run "$HOSTPIN" lint "$HP_WORK/rot.conf"
hp_has "lint: a .der file pins nothing" "$OUT" \
    "$HP_WORK/rot.conf:2: warning: certs_dir \"$HP_WORK/rot.d\": file \"free.test.der\" pins nothing: only HOST.cer, HOST.crt and HOST.pem files pin a host"
hp_lacks "lint: a sub-folder is left alone" "$OUT" '"old"'
hp_lacks "lint: no merge warning without a hosts entry" "$OUT" "is also in certs_dir"
hp_admits "a .der file does not pin its host" "$HP_WORK/rot.cnf" "$IPORT" free.test

# --- Errors: each names the file and the pins file's line -----------------
# check_error NAME LINE MESSAGE DESC: lint and a real client (fail-closed,
# so even an unpinned host) refuse, naming NAME.conf:LINE and the problem.
check_error() {
    local n=$1 line=$2 msg=$3 desc=$4
    hp_expect "$desc: lint" 1 "$HP_WORK/$n.conf:$line: error: $msg" \
        "$HOSTPIN" lint "$HP_WORK/$n.conf"
    hp_refuses "$desc: s_client (fail-closed)" "$HP_WORK/$n.cnf" "$GPORT" \
        "$HP_WORK/$n.conf:$line: $msg" free.test
}
mkdir -p "$HP_WORK/bad.d"
cp "$HP_WORK/der.d/pinned.test.cer" "$HP_WORK/bad.d/"
hp_settle "$HP_WORK/bad.d"/*
printf -- '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n' \
    >"$HP_WORK/bad.d/pinned.test.crt"
hp_settle "$HP_WORK/bad.d/pinned.test.crt"
setup bad 'version = 1;' '' 'certs_dir = "bad.d";'
check_error bad 3 "certs_dir: certificate file \"$HP_WORK/bad.d/pinned.test.crt\": no certificate could be read" \
    "malformed .crt"

mkdir -p "$HP_WORK/trail.d"
{ cat "$HP_WORK/der.d/pinned.test.cer"; printf 'junk'; } >"$HP_WORK/trail.d/pinned.test.cer"
hp_settle "$HP_WORK/trail.d/pinned.test.cer"
setup trail 'version = 1;' 'certs_dir = "trail.d";'
check_error trail 2 "certs_dir: certificate file \"$HP_WORK/trail.d/pinned.test.cer\": no certificate could be read" \
    "DER with trailing bytes"

mkdir -p "$HP_WORK/empty.d"
: >"$HP_WORK/empty.d/pinned.test.cer"
hp_settle "$HP_WORK/empty.d/pinned.test.cer"
setup empty 'version = 1;' 'certs_dir = "empty.d";'
check_error empty 2 "certs_dir: certificate file \"$HP_WORK/empty.d/pinned.test.cer\": no certificate could be read" "empty .cer"

mkdir -p "$HP_WORK/name.d"
cp "$HP_PKI/gleaf.pem" "$HP_WORK/name.d/*.pinned.test.crt"
hp_settle "$HP_WORK/name.d/*.pinned.test.crt"
setup name 'version = 1;' 'certs_dir = "name.d";'
check_error name 2 "certs_dir \"$HP_WORK/name.d\": file \"*.pinned.test.crt\" is not named after a host" \
    "wildcard file name"
rm "$HP_WORK/name.d/"*
cp "$HP_PKI/gleaf.pem" "$HP_WORK/name.d/pinned.test:443.pem"
hp_settle "$HP_WORK/name.d/pinned.test:443.pem"
check_error name 2 "certs_dir \"$HP_WORK/name.d\": file \"pinned.test:443.pem\" is not named after a host" "file name with a port"

setup nodir 'version = 1;' 'certs_dir = "no-such.d";'
check_error nodir 2 "certs_dir \"$HP_WORK/no-such.d\": cannot read the folder: No such file or directory" \
    "missing folder"
setup notstr 'version = 1;' 'certs_dir = 5;'
check_error notstr 2 "'certs_dir' must be the name of a folder" "certs_dir not a string"

mkdir -p "$HP_WORK/sub.d/pinned.test.crt"
setup sub 'version = 1;' 'certs_dir = "sub.d";'
check_error sub 2 "certs_dir: certificate file \"$HP_WORK/sub.d/pinned.test.crt\": is a directory, expected a file" "a folder named like a pin file"

# `certs` entries (DESIGN 2.2): a missing or malformed file names itself and
# the line of the entry.
setup certmiss 'version = 1;' 'hosts = (' '  { host = "pinned.test";' \
    "    pins = [ \"$HP_ZERO_PIN\" ];" '    certs = [ "pki/gleaf.pem",' \
    '              "pki/missing.pem" ]; }' ');'
check_error certmiss 6 "certificate file \"$HP_WORK/pki/missing.pem\": No such file or directory" \
    "certs: missing file"
setup certbad 'version = 1;' 'hosts = (' '  { host = "pinned.test";' \
    '    certs = [ "pki/gleaf.key" ]; }' ');'
check_error certbad 4 "certificate file \"$HP_WORK/pki/gleaf.key\": no certificate could be read" \
    "certs: a key, not a certificate"

# fail-open: the broken folder pins nothing, connections go on.
hp_cnf "$HP_WORK/bad-open.cnf" "$HP_WORK/bad.conf" fail-open
hp_admits "malformed .crt with fail-open: impostor allowed" "$HP_WORK/bad-open.cnf" "$IPORT"

hp_done
