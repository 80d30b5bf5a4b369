#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# hostpin lint: each error (file:line, exit 1) and each warning (exit 0,
# 1 with --strict), the summary line, --warn-days, --json, and the default
# pins file from openssl.cnf.
# shellcheck source-path=SCRIPTDIR source=lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"

D=$HP_WORK/lint
mkdir -p "$D"
chmod 755 "$D"
cd "$D" || exit 1
hp_pki "$D/pki"
cp pki/ginter.pem inter.pem
cp pki/groot.pem root.pem
hp_expired_cert "$D" old
hp_dated_cert "$D" future 20990101000000Z 21000101000000Z
chmod 644 ./*.pem
umask 022
A=sha256/$(hp_pin_of inter.pem)
B=sha256/$(hp_pin_of root.pem)
Z=$HP_ZERO_PIN

# lint_file NAME LINES...: write NAME.conf (mode 644) with these lines.
lint_file() {
    local n=$1
    shift
    hp_pins_text "$D/$n.conf" "$@"
    chmod 644 "$D/$n.conf"
}

# A clean file: no warning, even with --strict.
lint_file clean 'version = 1;' 'hosts = (' \
    "  { host = \"a.test\"; pins = [ \"$A\", \"$B\" ]; }," \
    "  { host = \"b.test\"; include_subdomains = true; pins = [ \"$A\" ];" \
    '    certs = [ "root.pem" ]; expires = "2099-01-01"; }' ');'
hp_expect "clean file" 0 "clean.conf: valid, 2 hosts, 0 warnings" \
    "$HOSTPIN" lint clean.conf
hp_is "clean file: only the summary" 1 "$(wc -l <<<"$OUT")"
hp_expect "clean file, --strict" 0 "valid, 2 hosts, 0 warnings" \
    "$HOSTPIN" lint --strict clean.conf

# Errors: exactly the loader's, with file:line.
err() { # err DESC NAME RC-MESSAGE LINES...
    local desc=$1 n=$2 msg=$3
    shift 3
    lint_file "$n" "$@"
    hp_expect "error: $desc" 1 "$msg" "$HOSTPIN" lint "$n.conf"
    hp_has "error: $desc: summary" "$OUT" "$n.conf: INVALID, 1 error"
}
err "syntax" syntax "syntax.conf:3: error: syntax error" \
    'version = 1;' 'hosts = (' "  { host = \"a.test\"; pins = [ \"$A\", ]; }" ');'
err "bad pin" badpin "badpin.conf:3: error: pin \"sha256/abc\" of host \"a.test\" does not decode to 32 bytes" \
    'version = 1;' 'hosts = (' '  { host = "a.test"; pins = [ "sha256/abc" ]; }' ');'
err "unknown setting" unknown "unknown.conf:3: error: unknown setting 'pin' in host entry" \
    'version = 1;' 'hosts = (' "  { host = \"a.test\"; pin = [ \"$A\" ]; }" ');'
err "host with a port" port "port.conf:3: error: host \"a.test:443\": character ':' is not allowed" \
    'version = 1;' 'hosts = (' "  { host = \"a.test:443\"; pins = [ \"$A\" ]; }" ');'
err "no pins" nopins "nopins.conf:3: error: host \"a.test\" has no pins" \
    'version = 1;' 'hosts = (' '  { host = "a.test"; }' ');'
err "bad expiry" badexp "badexp.conf:4: error: 'expires' must be a date" \
    'version = 1;' 'hosts = (' "  { host = \"a.test\"; pins = [ \"$A\", \"$B\" ];" \
    '    expires = "next year"; }' ');'
err "unreadable certificate file" nocert "nocert.conf:4: error: certificate file \"./missing.pem\": No such file or directory" \
    'version = 1;' 'hosts = (' "  { host = \"a.test\"; pins = [ \"$A\" ];" \
    '    certs = [ "missing.pem" ]; }' ');'
mkdir -p adir
err "certificate file that is a folder" dircert "dircert.conf:4: error: certificate file \"./adir\": is a directory" \
    'version = 1;' 'hosts = (' "  { host = \"a.test\"; pins = [ \"$A\" ];" \
    '    certs = [ "adir" ]; }' ');'
echo "junk" >junk.pem
chmod 644 junk.pem
err "certificate file with no certificate" junkcert "junkcert.conf:4: error: certificate file \"./junk.pem\": no certificate could be read" \
    'version = 1;' 'hosts = (' "  { host = \"a.test\"; pins = [ \"$A\" ];" \
    '    certs = [ "junk.pem" ]; }' ');'
err "wrong version" version "version.conf:1: error: unsupported version" \
    'version = 2;' 'hosts = ( );'
hp_expect "error: missing pins file" 1 "none.conf: error: cannot read pins file: No such file or directory" \
    "$HOSTPIN" lint none.conf

# Warnings, each on its own: exit 0, 1 with --strict.
warn() { # warn DESC NAME MESSAGE LINES...
    local desc=$1 n=$2 msg=$3
    shift 3
    lint_file "$n" "$@"
    hp_expect "warning: $desc" 0 "$msg" "$HOSTPIN" lint "$n.conf"
    hp_has "warning: $desc: summary" "$OUT" "$n.conf: valid,"
    hp_has "warning: $desc: one warning" "$OUT" ", 1 warning"
    hp_expect "warning: $desc: --strict" 1 "1 warning (--strict: failing)" \
        "$HOSTPIN" lint --strict "$n.conf"
}
warn "one pin, no backup" onepin "onepin.conf:3: warning: host \"a.test\" has only one pin: add a backup pin" \
    'version = 1;' 'hosts = (' "  { host = \"a.test\"; pins = [ \"$A\" ]; }" ');'
lint_file twice 'version = 1;' 'hosts = (' \
    "  { host = \"a.test\"; pins = [ \"$A\" ]; certs = [ \"inter.pem\" ]; }" ');'
hp_expect "warning: one pin written twice is still one pin" 0 \
    "twice.conf:3: warning: host \"a.test\" has only one pin" "$HOSTPIN" lint twice.conf
hp_has "one pin twice: the repeat is reported too" "$OUT" \
    "is given twice (a listed pin and certificate file \"inter.pem\")"
hp_has "one pin twice: two warnings" "$OUT" "twice.conf: valid, 1 host, 2 warnings"
warn "same host after normalising" duphost \
    "duphost.conf:4: warning: host \"a.test\" repeats the entry at duphost.conf:3 (same name once normalised); this entry is ignored" \
    'version = 1;' 'hosts = (' \
    "  { host = \"A.Test.\"; pins = [ \"$A\", \"$B\" ]; }," \
    "  { host = \"a.test\"; pins = [ \"$Z\" ]; }" ');'
warn "same IP in two spellings" dupip \
    "dupip.conf:4: warning: host \"2001:db8::1\" repeats the entry at dupip.conf:3" \
    'version = 1;' 'hosts = (' \
    "  { host = \"[2001:DB8:0::1]\"; pins = [ \"$A\", \"$B\" ]; }," \
    "  { host = \"2001:db8::1\"; pins = [ \"$A\", \"$B\" ]; }" ');'
warn "duplicate pin, two spellings" duppin \
    "duppin.conf:5: warning: host \"a.test\": pin $A is listed twice (also at line 4)" \
    'version = 1;' 'hosts = (' '  { host = "a.test";' \
    "    pins = [ \"$A\"," "             \"sha256//${A#sha256/}\"," "             \"$B\" ]; }" ');'
warn "pin repeated by a certificate file" certdup \
    "certdup.conf:4: warning: host \"a.test\": pin $A is given twice (a listed pin and certificate file \"inter.pem\")" \
    'version = 1;' 'hosts = (' "  { host = \"a.test\"; pins = [ \"$A\", \"$B\" ];" \
    '    certs = [ "inter.pem" ]; }' ');'
warn "expires in the past" past \
    "past.conf:4: warning: host \"a.test\": expires = \"2020-01-01\" is past, so this rule is no longer enforced" \
    'version = 1;' 'hosts = (' "  { host = \"a.test\"; pins = [ \"$A\", \"$B\" ];" \
    '    expires = "2020-01-01"; }' ');'
soon=$(date -u -d '+10 days' +%F)
warn "expires within 30 days" soon \
    "soon.conf:4: warning: host \"a.test\": expires = \"$soon\" is in 10 day(s)" \
    'version = 1;' 'hosts = (' "  { host = \"a.test\"; pins = [ \"$A\", \"$B\" ];" \
    "    expires = \"$soon\"; }" ');'
hp_expect "--warn-days 5: 10 days is fine" 0 "valid, 1 host, 0 warnings" \
    "$HOSTPIN" lint --warn-days 5 soon.conf
hp_expect "--warn-days 0: no early warning" 0 "0 warnings" \
    "$HOSTPIN" lint --warn-days 0 soon.conf
later=$(date -u -d '+50 days' +%F)
lint_file later 'version = 1;' 'hosts = (' "  { host = \"a.test\"; pins = [ \"$A\", \"$B\" ];" \
    "    expires = \"$later\"; }" ');'
hp_expect "50 days: no warning by default" 0 "0 warnings" "$HOSTPIN" lint later.conf
hp_expect "--warn-days 60 warns about 50 days" 0 "is in 50 day(s)" \
    "$HOSTPIN" lint --warn-days 60 later.conf
warn "expired certificate in a certs file" oldcert \
    "oldcert.conf:4: warning: host \"a.test\": certificate 1 of \"./old.pem\" (/CN=old) expired on 2020-02-01" \
    'version = 1;' 'hosts = (' "  { host = \"a.test\"; pins = [ \"$A\" ];" \
    '    certs = [ "old.pem" ]; }' ');'

# Permissions: a file others could change is not trusted (the module
# refuses it too), a file others cannot read is a warning.
lint_file perms 'version = 1;' 'hosts = (' "  { host = \"a.test\"; pins = [ \"$A\", \"$B\" ]; }" ');'
chmod 664 perms.conf
hp_expect "error: pins file writable by its group" 1 \
    "perms.conf: error: not trusted: writable by its group (mode 0664), and whoever can write it decides which servers are trusted; run chmod go-w" \
    "$HOSTPIN" lint perms.conf
hp_has "writable by its group: summary" "$OUT" "INVALID, 1 error"
chmod 646 perms.conf
hp_expect "error: pins file writable by everyone" 1 "writable by every user (mode 0646)" \
    "$HOSTPIN" lint perms.conf
chmod 644 perms.conf
chown nobody perms.conf
hp_expect "error: pins file owned by another user" 1 \
    "perms.conf: error: not trusted: owned by uid $(id -u nobody), and only files of root or of the program's user (uid 0) are trusted; run chown root" \
    "$HOSTPIN" lint perms.conf
chown root perms.conf
chmod 600 perms.conf
hp_expect "warning: pins file not readable by every user" 0 \
    "perms.conf: warning: pins file is not readable by every user (mode 0600)" \
    "$HOSTPIN" lint perms.conf
chmod 644 perms.conf
mkdir -p open
chmod 777 open
cp perms.conf open/pins.conf
hp_expect "error: folder writable by others" 1 \
    "$D/open/pins.conf: error: not trusted: folder \"$D/open\" is writable by every user (mode 0777), and whoever can write it can replace the files in it; run chmod go-w" \
    "$HOSTPIN" lint "$D/open/pins.conf"
chmod 1777 open
hp_expect "a sticky folder (like /tmp) is fine" 0 "0 warnings" \
    "$HOSTPIN" lint "$D/open/pins.conf"
chown nobody open/pins.conf
hp_expect "error: another user's file in a sticky folder" 1 "not trusted: owned by uid" \
    "$HOSTPIN" lint "$D/open/pins.conf"
chown root open/pins.conf
ln -s "$D/open/pins.conf" open/link.conf
chown -h nobody open/link.conf
hp_expect "error: another user's symbolic link" 1 \
    "not trusted: symbolic link \"$D/open/link.conf\" is owned by uid" \
    "$HOSTPIN" lint "$D/open/link.conf"
rm open/link.conf
chmod 755 open
cp inter.pem root.pem open/
lint_file certperm 'version = 1;' 'hosts = (' "  { host = \"a.test\"; pins = [ \"$A\" ];" \
    '    certs = [ "open/root.pem" ]; }' ');'
chmod 666 open/root.pem
hp_expect "error: certificate file writable by others" 1 \
    "certperm.conf:4: error: certificate file \"./open/root.pem\": not trusted: writable by every user (mode 0666)" \
    "$HOSTPIN" lint certperm.conf
chmod 644 open/root.pem

# certs_dir: a folder of HOST.crt/.cer/.pem files; backups are counted
# over the union of the folder and the host's entry.
mkdir -p cdir
cp inter.pem cdir/a.test.crt
cp root.pem cdir/b.test.pem
cp inter.pem cdir/b.test.crt
chmod 644 cdir/*
lint_file cdir 'version = 1;' 'certs_dir = "cdir";' 'hosts = (' \
    "  { host = \"b.test\"; pins = [ \"$A\" ]; }," \
    "  { host = \"c.test\"; pins = [ \"$A\" ]; }" ');'
cp root.pem cdir/c.test.pem
chmod 644 cdir/c.test.pem
hp_run "$HOSTPIN" lint cdir.conf
hp_is "certs_dir: exit 0" 0 "$RC"
hp_has "certs_dir: a host with one file has no backup" "$OUT" \
    "cdir.conf:2: warning: host \"a.test\" has only one pin, from certs_dir: add a backup key's certificate as a second file"
hp_lacks "certs_dir: two files are two pins" "$OUT" 'host "b.test" has only one pin'
hp_lacks "certs_dir adds to the host's entry" "$OUT" 'host "c.test" has only one pin'
hp_has "certs_dir: a host also in hosts gets the union, and lint says so" \
    "$OUT" "cdir.conf:4: warning: host \"b.test\" is also in certs_dir (b.test.crt, b.test.pem)"
hp_has "certs_dir: summary" "$OUT" "cdir.conf: valid, 3 hosts, 3 warnings"
cp old.pem cdir/a.test.pem
chmod 644 cdir/a.test.pem
hp_expect "warning: expired certificate in certs_dir" 0 \
    "cdir.conf:2: warning: host \"a.test\": certificate file \"./cdir/a.test.pem\" of certs_dir (/CN=old) expired on 2020-02-01" \
    "$HOSTPIN" lint cdir.conf
rm cdir/a.test.pem
chmod 777 cdir
hp_expect "error: certs_dir folder writable by others" 1 \
    "cdir.conf:2: error: certs_dir: not trusted: folder \"$D/cdir\" is writable by every user (mode 0777), and whoever can write it can add files to it" \
    "$HOSTPIN" lint cdir.conf
chmod 1777 cdir
hp_expect "error: certs_dir folder sticky and writable" 1 "(mode 1777), sticky or not" \
    "$HOSTPIN" lint cdir.conf
chmod 755 cdir
cp inter.pem 'cdir/*.wild.test.crt'
hp_expect "error: certs_dir file not named after a host" 1 \
    "cdir.conf:2: error: certs_dir \"./cdir\": file \"*.wild.test.crt\" is not named after a host" \
    "$HOSTPIN" lint cdir.conf
rm 'cdir/*.wild.test.crt'

# Anchors: the loader refuses what is not self-signed; lint warns about an
# expired anchor and one the rule's policy would refuse.
openssl req -x509 -newkey rsa:1024 -nodes -days 30 -subj "/CN=weak" \
    -keyout weak.key -out weak.pem 2>/dev/null
chmod 644 weak.pem
lint_file anchored 'version = 1;' 'hosts = (' \
    '  { host = "internal.test"; anchors = [ "root.pem" ]; },' \
    '  { host = "old.test"; anchors = [ "old.pem" ]; },' \
    '  { host = "future.test"; anchors = [ "future.pem" ]; },' \
    '  { host = "weak.test"; anchors = [ "weak.pem" ]; policy = { min_rsa_bits = 2048; }; }' ');'
hp_run "$HOSTPIN" lint anchored.conf
hp_is "anchors: lint accepts the file" 0 "$RC"
hp_has "anchors: an expired anchor" "$OUT" \
    "anchored.conf:4: warning: host \"old.test\": anchor \"./old.pem\" (/CN=old) expired on 2020-02-01: no chain can end at it"
hp_has "anchors: an anchor not valid yet" "$OUT" \
    "anchored.conf:5: warning: host \"future.test\": anchor \"./future.pem\" (/CN=future) is not valid before 2099-01-01"
hp_has "anchors: an anchor below the policy" "$OUT" \
    "anchored.conf:6: warning: host \"weak.test\": anchor \"./weak.pem\" (/CN=weak) has a RSA key of 1024 bits, below the policy (min_rsa_bits = 2048)"
hp_lacks "anchors: nothing about a valid root" "$OUT" 'anchor "./root.pem"'
hp_run "$HOSTPIN" lint --json anchored.conf
hp_has "anchors: lint --json code" "$OUT" '"code": "anchor-expired"'
hp_has "anchors: lint --json code (weak)" "$OUT" '"code": "anchor-weak"'
lint_file notanchor 'version = 1;' 'hosts = (' \
    '  { host = "internal.test"; anchors = [ "inter.pem" ]; }' ');'
hp_expect "error: an anchor that is not self-signed" 1 \
    "notanchor.conf:3: error: anchor file \"./inter.pem\": is not a self-signed certificate" \
    "$HOSTPIN" lint notanchor.conf

# Several findings: sorted by line, counted in the summary.
lint_file many 'version = 1;' 'hosts = (' \
    "  { host = \"a.test\"; pins = [ \"$A\" ]; }," \
    "  { host = \"b.test\"; pins = [ \"$A\", \"$B\" ]; expires = \"2020-01-01\"; }," \
    "  { host = \"A.test\"; pins = [ \"$A\", \"$B\" ]; }" ');'
hp_run "$HOSTPIN" lint many.conf
hp_is "several warnings: exit 0" 0 "$RC"
hp_is "several warnings: in line order" "many.conf:3
many.conf:4
many.conf:5" "$(grep -Eo '^many.conf:[0-9]+' <<<"$OUT")"
hp_has "several warnings: summary" "$OUT" "many.conf: valid, 2 hosts, 3 warnings"

# --json.
hp_run "$HOSTPIN" lint --json many.conf
hp_is "json: exit 0" 0 "$RC"
hp_json_ok "json warnings" "$OUT"
hp_has "json: code" "$OUT" '"code": "duplicate-host"'
hp_has "json: line" "$OUT" '"line": 5,'
hp_has "json: no-backup" "$OUT" '"code": "no-backup"'
hp_has "json: expired" "$OUT" '"code": "expired"'
hp_has "json: valid" "$OUT" '"valid": true'
hp_run "$HOSTPIN" lint --json badpin.conf
hp_is "json error: exit 1" 1 "$RC"
hp_json_ok "json error" "$OUT"
hp_has "json error: code" "$OUT" '"code": "error"'
hp_has "json error: invalid" "$OUT" '"valid": false'
hp_run "$HOSTPIN" lint --json --strict onepin.conf
hp_is "json --strict: exit 1" 1 "$RC"
hp_has "json --strict: exit in the document" "$OUT" '"exit": 1'

# Without FILE: the pins file of the provider in this configuration.
hp_cnf "$D/on.cnf" "$D/onepin.conf"
OPENSSL_CONF=$D/on.cnf hp_run "$HOSTPIN" lint
hp_is "default file from OPENSSL_CONF: exit 0" 0 "$RC"
hp_has "default file from OPENSSL_CONF: linted" "$OUT" "$D/onepin.conf:3: warning"

# lint and the module agree: what lint refuses, the module refuses.
hp_cnf "$D/bad.cnf" "$D/badpin.conf"
OPENSSL_CONF=$D/bad.cnf hp_run "$HOSTPIN" status
hp_has "the module refuses what lint refuses" "$OUT" "badpin.conf:3: pin \"sha256/abc\""

# Public suffixes (libpsl): include_subdomains on one is an error, an exact
# rule a warning; a registrable domain, an intranet name and an IP are not
# suffixes.
lint_file psl 'version = 1;' 'hosts = (' \
    "  { host = \"com\"; include_subdomains = true; pins = [ \"$A\", \"$B\" ]; }," \
    "  { host = \"co.uk\"; include_subdomains = true; pins = [ \"$A\", \"$B\" ]; }," \
    "  { host = \"github.io\"; pins = [ \"$A\", \"$B\" ]; }," \
    "  { host = \"example.com\"; include_subdomains = true; pins = [ \"$A\", \"$B\" ]; }," \
    "  { host = \"example.github.io\"; include_subdomains = true; pins = [ \"$A\", \"$B\" ]; }," \
    "  { host = \"localhost\"; pins = [ \"$A\", \"$B\" ]; }," \
    "  { host = \"intranet\"; include_subdomains = true; pins = [ \"$A\", \"$B\" ]; }," \
    "  { host = \"127.0.0.1\"; pins = [ \"$A\", \"$B\" ]; }" ');'
hp_run "$HOSTPIN" lint psl.conf
hp_is "public suffixes: exit 1" 1 "$RC"
hp_has "com with include_subdomains: error" "$OUT" \
    "psl.conf:3: error: host \"com\" is a public suffix (public suffix list): include_subdomains = true pins every site under it"
hp_has "co.uk with include_subdomains: error" "$OUT" \
    "psl.conf:4: error: host \"co.uk\" is a public suffix (public suffix list): include_subdomains = true"
hp_has "github.io (private section), exact: warning" "$OUT" \
    "psl.conf:5: warning: host \"github.io\" is a public suffix (public suffix list): the rule pins the suffix itself"
hp_has "the summary says the module would still load it" "$OUT" \
    "psl.conf: INVALID, 2 errors: hostpin would load this file"
hp_is "public suffixes: nothing about the others" 4 "$(wc -l <<<"$OUT")"
lint_file psl2 'version = 1;' 'hosts = (' \
    "  { host = \"github.io\"; include_subdomains = true; pins = [ \"$A\", \"$B\" ]; }" ');'
hp_expect "github.io with include_subdomains: error" 1 \
    "psl2.conf:3: error: host \"github.io\" is a public suffix" "$HOSTPIN" lint psl2.conf
lint_file psl3 'version = 1;' 'hosts = (' \
    "  { host = \"github.io\"; pins = [ \"$A\", \"$B\" ]; }" ');'
hp_expect "an exact rule for a suffix alone: valid" 0 "psl3.conf: valid, 1 host, 1 warning" \
    "$HOSTPIN" lint psl3.conf
hp_expect "an exact rule for a suffix, --strict" 1 "warning" "$HOSTPIN" lint --strict psl3.conf
hp_run "$HOSTPIN" lint --json psl.conf
hp_json_ok "public suffixes, json" "$OUT"
hp_has "json: code of the error" "$OUT" '"code": "public-suffix-subdomains"'
hp_has "json: code of the warning" "$OUT" '"code": "public-suffix"'
hp_has "json: not valid" "$OUT" '"valid": false'
hp_has "json: but the module loads it" "$OUT" '"loads": true'
# enable refuses it, as it refuses every file lint finds errors in.
printf '%s\n' 'openssl_conf = openssl_init' '[openssl_init]' >"$D/sys.cnf"
hp_expect "enable refuses a file with a suffix error" 1 \
    "psl.conf:3: error: host \"com\" is a public suffix" \
    "$HOSTPIN" enable --openssl-cnf "$D/sys.cnf" --pins "$D/psl.conf" \
    --module "$HP_MODULES/hostpin.so" --dry-run
# The module loads the same file (a deliberate difference, hostpin.conf(5)):
# the genuine server is reached, so the file was not refused (fail-closed
# would refuse every verification).
hp_server gen "$D/pki/gleaf.pem" "$D/pki/gleaf.key" -cert_chain "$D/pki/ginter.pem"
hp_cnf "$D/psl.cnf" "$D/psl.conf"
OPENSSL_CONF=$D/psl.cnf hp_run hp_openssl s_client -connect "127.0.0.1:$HP_PORT" \
    -servername pinned.test -verify_hostname pinned.test -CAfile "$D/pki/bundle.pem" \
    -verify_return_error </dev/null
hp_is "the module loads a file with a suffix error" 0 "$RC"
# libpsl is the command's alone: a program using OpenSSL never loads it.
for m in hostpin.so hostpin-core.so; do
    hp_is "$m does not link libpsl" "" "$(ldd "$HP_MODULES/$m" | grep psl || true)"
done

hp_done
