#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# hostpin pin: the pins of certificates, keys, CSRs and bundles equal the
# classic openssl pipeline, in every output format; bad inputs are refused.
# shellcheck source-path=SCRIPTDIR source=lib-cli.sh
source "$HP_SRC/tests/cli/lib-cli.sh"

D=$HP_WORK/pin
mkdir -p "$D"
cd "$D" || exit 1

# pipe_pin FILE: the pin of a certificate by the pipeline (lib.sh).
pipe_pin() { hp_pin_of "$1"; }
# key_pin KEYFILE: the pipeline for a key.
key_pin() {
    openssl pkey -in "$1" -pubout -outform der |
        openssl dgst -sha256 -binary | openssl base64 -A
}

mk() { # mk NAME ALGOPTS...: NAME.key and a self-signed NAME.pem
    local n=$1
    shift
    openssl req -x509 "$@" -nodes -days 10 -subj "/O=Pin Test/CN=$n.test" \
        -keyout "$n.key" -out "$n.pem" 2>/dev/null ||
        { echo "cannot make a $n certificate" >&2; exit 1; }
}
mk rsa -newkey rsa:2048
mk ec -newkey ec -pkeyopt ec_paramgen_curve:P-256
mk ed25519 -newkey ed25519

for a in rsa ec ed25519; do
    want=$(pipe_pin "$a.pem")
    hp_expect "$a certificate" 0 "sha256/$want  CN=$a.test, O=Pin Test  $a.pem" \
        "$HOSTPIN" pin "$a.pem"
    hp_is "$a certificate: one line" 1 "$(wc -l <<<"$OUT")"
    hp_is "$a private key agrees with the pipeline" "sha256/$(key_pin "$a.key")" \
        "$("$HOSTPIN" pin -q "$a.key")"
    hp_is "$a key and certificate have the same pin" "sha256/$want" \
        "$("$HOSTPIN" pin -q "$a.key")"
    openssl x509 -in "$a.pem" -outform der -out "$a.der"
    hp_is "$a DER certificate" "sha256/$want" "$("$HOSTPIN" pin -q "$a.der")"
    openssl pkey -in "$a.key" -pubout -out "$a.pub"
    openssl pkey -in "$a.key" -pubout -outform der -out "$a.pub.der"
    hp_is "$a PEM public key" "sha256/$want" "$("$HOSTPIN" pin -q "$a.pub")"
    hp_is "$a DER public key" "sha256/$want" \
        "$("$HOSTPIN" pin -q "$a.pub.der")"
    openssl pkey -in "$a.key" -outform der -out "$a.key.der"
    hp_is "$a DER private key" "sha256/$want" \
        "$("$HOSTPIN" pin -q "$a.key.der")"
    openssl req -new -key "$a.key" -subj "/CN=req.$a.test" -out "$a.csr"
    hp_expect "$a CSR" 0 "sha256/$want  CN=req.$a.test (certificate request)" \
        "$HOSTPIN" pin "$a.csr"
    openssl req -in "$a.csr" -outform der -out "$a.csr.der"
    hp_is "$a DER CSR" "sha256/$want" "$("$HOSTPIN" pin -q "$a.csr.der")"
done
hp_expect "key types are named" 0 "RSA-2048 private key" \
    "$HOSTPIN" pin rsa.key ec.pub ed25519.key
hp_has "EC keys name their curve" "$OUT" "EC P-256 public key  ec.pub"
hp_has "Ed25519 keys" "$OUT" "ED25519 private key  ed25519.key"
openssl rsa -in rsa.key -traditional -out rsa.trad.key 2>/dev/null
hp_is "traditional RSA private key" "sha256/$(pipe_pin rsa.pem)" \
    "$("$HOSTPIN" pin -q rsa.trad.key)"
openssl rsa -in rsa.key -RSAPublicKey_out -out rsa.pkcs1.pub 2>/dev/null
hp_is "PKCS#1 RSA public key" "sha256/$(pipe_pin rsa.pem)" \
    "$("$HOSTPIN" pin -q rsa.pkcs1.pub)"
openssl ecparam -name prime256v1 -genkey -out ecparam.key 2>/dev/null
hp_is "EC key with its parameters block" "sha256/$(key_pin ecparam.key)" \
    "$("$HOSTPIN" pin -q ecparam.key)"

# Bundles: every certificate, in order, one line each.
hp_pki "$D/pki" rsa
cat pki/gleaf.pem pki/ginter.pem pki/groot.pem >bundle.pem
want=$(printf 'sha256/%s\n' "$(pipe_pin pki/gleaf.pem)" \
    "$(pipe_pin pki/ginter.pem)" "$(pipe_pin pki/groot.pem)")
hp_is "PEM bundle: each certificate in order" "$want" \
    "$("$HOSTPIN" pin -q bundle.pem)"
hp_expect "PEM bundle: subjects" 0 "CN=Genuine Intermediate, O=Genuine  bundle.pem" \
    "$HOSTPIN" pin bundle.pem
hp_is "PEM bundle: three lines" 3 "$(wc -l <<<"$OUT")"
for f in pki/gleaf.pem pki/ginter.pem pki/groot.pem; do
    openssl x509 -in "$f" -outform der
done >bundle.der
hp_is "DER bundle (concatenated)" "$want" "$("$HOSTPIN" pin -q bundle.der)"
openssl crl2pkcs7 -nocrl -certfile bundle.pem -out bundle.p7b
hp_is "PKCS#7 bundle" "$want" "$("$HOSTPIN" pin -q bundle.p7b)"
hp_is "standard input" "$want" "$("$HOSTPIN" pin -q - <bundle.pem)"
hp_expect "standard input is named" 0 "(stdin)" "$HOSTPIN" pin - <rsa.pem
hp_expect "several files" 0 "ec.pem" "$HOSTPIN" pin rsa.pem ec.pem
hp_is "several files: one line each" 2 "$(wc -l <<<"$OUT")"

# Formats.
b64=$(pipe_pin ec.pem)
hex=$(openssl x509 -in ec.pem -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | od -An -v -tx1 | tr -d ' \n')
hp_is "--format conf" "sha256/$b64" "$("$HOSTPIN" pin -q --format conf ec.pem)"
hp_is "--format hpkp" "pin-sha256=\"$b64\"" "$("$HOSTPIN" pin -q -f hpkp ec.pem)"
hp_is "--format curl" "sha256//$b64" "$("$HOSTPIN" pin -q --format=curl ec.pem)"
hp_is "--format hex" "$hex" "$("$HOSTPIN" pin -q --format hex ec.pem)"
hp_is "hex is 64 characters" 64 "${#hex}"
hp_expect "--format hpkp with subject" 0 "pin-sha256=\"$b64\"  CN=ec.test, O=Pin Test  ec.pem" \
    "$HOSTPIN" pin --format hpkp ec.pem

# Refusals: each names the file and says what to do.
hp_expect "missing file" 1 "hostpin pin: nothere.pem: cannot open: No such file or directory" \
    "$HOSTPIN" pin nothere.pem
echo "not a certificate" >garbage.txt
hp_expect "not a certificate" 1 "garbage.txt: no certificate, key or certificate request found" \
    "$HOSTPIN" pin garbage.txt
: >empty.pem
hp_expect "empty file" 1 "empty.pem: no certificate" "$HOSTPIN" pin empty.pem
openssl pkey -in rsa.key -aes128 -passout pass:secret -out enc.key
hp_expect "encrypted PEM key" 1 "enc.key: an encrypted private key" \
    "$HOSTPIN" pin enc.key
hp_has "encrypted key: says what to do" "$ERR" "openssl pkey -in KEY -pubout"
openssl pkcs8 -topk8 -in rsa.key -v2 aes128 -passout pass:secret \
    -outform der -out enc.der
hp_expect "encrypted DER key" 1 "enc.der: an encrypted private key" \
    "$HOSTPIN" pin enc.der
openssl pkcs12 -export -in rsa.pem -inkey rsa.key -passout pass:secret \
    -out rsa.p12 2>/dev/null
hp_expect "PKCS#12" 1 "rsa.p12: a PKCS#12 file: extract the certificate first" \
    "$HOSTPIN" pin rsa.p12
sed '3s/^./#/' rsa.pem >damaged.pem
hp_expect "damaged certificate" 1 "damaged.pem: a damaged PEM block" \
    "$HOSTPIN" pin damaged.pem
hp_expect "a bad file among good ones" 1 "garbage.txt: no certificate" \
    "$HOSTPIN" pin rsa.pem garbage.txt ec.pem
hp_has "the good files are still pinned" "$OUT" "sha256/$b64  CN=ec.test"
hp_is "errors go to stderr only" 2 "$(wc -l <<<"$OUT")"

hp_done
