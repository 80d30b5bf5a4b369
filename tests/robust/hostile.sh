#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile input: odd names in verify parameters and in SNI, and pins files
# that are a FIFO, a directory, a symlink loop, 100 MB, or unreadable.
# Never a crash, never a hang, never a bypass; a clear message.
. "$HP_SRC/tests/integration/lib.sh"
PROG=${1:?verify_prog}
hp_need openssl
PKI=$HP_WORK/pki
hp_pki "$PKI"
INTER=$(hp_pin_of "$PKI/ginter.pem")
cat >"$HP_WORK/pins.conf" <<EOT
version = 1;
hosts = (
  { host = "pinned.test"; include_subdomains = true; pins = [ "sha256/$INTER" ]; },
  { host = "0:0::1"; pins = [ "sha256/$INTER" ]; }
);
EOT
hp_settle "$HP_WORK/pins.conf"
hp_cnf "$HP_WORK/openssl.cnf" "$HP_WORK/pins.conf"

if "$PROG" names "$HP_WORK/openssl.cnf" "$PKI/bundle.pem" "$PKI/ginter.pem" \
    "$PKI/gleaf.pem" "$PKI/ileaf.pem" pinned.test >"$HP_WORK/out" 2>&1; then
    hp_pass "odd names in verify parameters: $(tail -n1 "$HP_WORK/out"), no bypass"
else
    hp_fail "odd names in verify parameters"
    cat "$HP_WORK/out"
fi

# SNI is the only name: non-ASCII, control-free odd and long names.
hp_start_servers "$PKI"
long=$(printf 'a%.0s' $(seq 1 60)).$(printf 'b%.0s' $(seq 1 60)).$(printf 'c%.0s' $(seq 1 60)).pinned.test
for sni in $'\xc3\xa9t\xc3\xa9.pinned.test' 'API.PINNED.TEST.' "$long"; do
    for which in genuine impostor; do
        port=$GPORT
        [ $which = impostor ] && port=$IPORT
        OPENSSL_CONF=$HP_WORK/openssl.cnf timeout 20 openssl s_client -connect "127.0.0.1:$port" \
            -servername "$sni" -verify_return_error -CAfile "$PKI/bundle.pem" \
            </dev/null >"$HP_WORK/out" 2>&1
        rc=$?
        if [ $which = genuine ] && [ $rc -eq 0 ]; then
            hp_pass "SNI ${#sni} bytes (${sni:0:16}...): genuine allowed"
        elif [ $which = impostor ] && [ $rc -eq 1 ] &&
            grep -q "does not match the pins" "$HP_WORK/out"; then
            hp_pass "SNI ${#sni} bytes (${sni:0:16}...): impostor refused by hostpin"
        else
            hp_fail "SNI ${#sni} bytes (${sni:0:16}...): $which rc=$rc"
            tail -n 4 "$HP_WORK/out"
        fi
    done
done

# refused_file PINSPATH PATTERN DESC: a verification with a host is refused
# within 10 s and the message names the file and the problem.
refused_file() {
    local path=$1 pattern=$2 desc=$3 start rc
    hp_cnf "$HP_WORK/bad.cnf" "$path"
    start=$(date +%s)
    OPENSSL_CONF=$HP_WORK/bad.cnf timeout 10 openssl verify -CAfile "$PKI/bundle.pem" \
        -untrusted "$PKI/ginter.pem" -verify_hostname pinned.test "$PKI/gleaf.pem" \
        >"$HP_WORK/out" 2>&1
    rc=$?
    if [ $rc -eq 124 ]; then
        hp_fail "$desc: hung"
    elif [ $rc -ne 0 ] && grep -q -- "$path: $pattern" "$HP_WORK/out"; then
        hp_pass "$desc: refused in $(($(date +%s) - start)) s, '$path: $pattern'"
    else
        hp_fail "$desc: rc=$rc, message lacks '$path: $pattern'"
        cat "$HP_WORK/out"
    fi
}
mkfifo "$HP_WORK/fifo.conf"
refused_file "$HP_WORK/fifo.conf" "cannot read pins file: is not a regular file" "a FIFO"
mkdir "$HP_WORK/dir.conf"
refused_file "$HP_WORK/dir.conf" "cannot read pins file: is a directory" "a directory"
ln -s "$HP_WORK/loop-b.conf" "$HP_WORK/loop-a.conf"
ln -s "$HP_WORK/loop-a.conf" "$HP_WORK/loop-b.conf"
refused_file "$HP_WORK/loop-a.conf" "cannot read pins file: Too many levels of symbolic links" "a symlink loop"
head -c 100000000 /dev/zero | tr '\0' '#' >"$HP_WORK/huge.conf"
refused_file "$HP_WORK/huge.conf" "cannot read pins file: is too large" "a 100 MB file"
printf 'version = 1;\n\0hosts = ();\n' >"$HP_WORK/nul.conf"
hp_settle "$HP_WORK/nul.conf"
refused_file "$HP_WORK/nul.conf" "contains a NUL byte" "a binary file"

# Unreadable: root reads anything, so the program runs as nobody.
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
    cp "$HP_WORK/pins.conf" "$HP_WORK/secret.conf"
    chmod 000 "$HP_WORK/secret.conf"
    chmod 755 "$HP_WORK"
    chmod -R a+rX "$PKI"
    hp_cnf "$HP_WORK/bad.cnf" "$HP_WORK/secret.conf"
    chmod a+r "$HP_WORK/bad.cnf"
    if [ -r "$HP_MODULES/hostpin.so" ] && setpriv --reuid=nobody --regid=nogroup --clear-groups \
        test -r "$HP_MODULES/hostpin.so" 2>/dev/null; then
        OPENSSL_CONF=$HP_WORK/bad.cnf timeout 10 setpriv --reuid=nobody --regid=nogroup \
            --clear-groups openssl verify -CAfile "$PKI/bundle.pem" -untrusted "$PKI/ginter.pem" \
            -verify_hostname pinned.test "$PKI/gleaf.pem" >"$HP_WORK/out" 2>&1
        rc=$?
        if [ $rc -ne 0 ] && [ $rc -ne 124 ] &&
            grep -q "secret.conf: cannot read pins file: Permission denied" "$HP_WORK/out"; then
            hp_pass "an unreadable file: refused, 'Permission denied' and the file named"
        else
            hp_fail "an unreadable file: rc=$rc"
            cat "$HP_WORK/out"
        fi
    else
        echo "note: the module is not readable by nobody here; unreadable-file case left out"
    fi
else
    echo "note: setpriv or user nobody missing; unreadable-file case left out"
fi
hp_done
