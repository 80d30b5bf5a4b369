/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin pin FILE...: the pin (SHA-256 of the SubjectPublicKeyInfo) of
 * every certificate, public key, private key or CSR in PEM or DER files. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>

#include "cli.h"

#define HP_PIN_MAX_INPUT (16L * 1024 * 1024)

enum pin_format { FMT_CONF, FMT_HPKP, FMT_CURL, FMT_HEX };

struct pin_run {
    enum pin_format fmt;
    int quiet;
    const char *file; /* as named on the command line */
    int count;        /* pins printed for this file */
};

static const char usage_text[] =
    "Usage: hostpin pin [OPTION]... FILE...\n"
    "Print the pin of every certificate, public key, private key or\n"
    "certificate request (CSR) in each FILE, PEM or DER, bundles too;\n"
    "FILE '-' reads standard input.  One line each:\n"
    "  PIN  SUBJECT-OR-KEY-TYPE  FILE\n\n"
    "Options:\n"
    "  -f, --format FMT   conf (sha256/B64, the default), hpkp\n"
    "                     (pin-sha256=\"B64\"), curl (sha256//B64) or hex\n"
    "  -q, --quiet        print the pins only\n"
    "  -h, --help         show this help\n\n"
    "The pin equals: openssl x509 -pubkey -noout | openssl pkey -pubin\n"
    "-outform der | openssl dgst -sha256 -binary | base64\n";

static void emit(struct pin_run *r, const hp_digest d, const char *what)
{
    char b64[HP_PIN_STRLEN], out[128];
    int i;

    hp_pin_format(d, b64);
    switch (r->fmt) {
    case FMT_HPKP:
        snprintf(out, sizeof(out), "pin-sha256=\"%s\"", b64 + 7);
        break;
    case FMT_CURL:
        snprintf(out, sizeof(out), "sha256//%s", b64 + 7);
        break;
    case FMT_HEX:
        for (i = 0; i < HP_DIGEST_LEN; i++)
            snprintf(out + 2 * i, 3, "%02x", d[i]);
        break;
    case FMT_CONF:
    default:
        snprintf(out, sizeof(out), "%s", b64);
        break;
    }
    if (r->quiet)
        printf("%s\n", out);
    else
        printf("%s  %s  %s\n", out, what, r->file);
    r->count++;
}

static void key_desc(const EVP_PKEY *k, int priv, char *buf, size_t len)
{
    const char *type = EVP_PKEY_get0_type_name(k);
    const char *kind = priv ? "private key" : "public key";
    char group[80];

    if (type == NULL)
        type = "unknown";
    if (EVP_PKEY_get_group_name(k, group, sizeof(group), NULL) == 1) {
        const char *nist = EC_curve_nid2nist(OBJ_sn2nid(group));

        snprintf(buf, len, "%s %s %s", type, nist ? nist : group, kind);
    } else if (EVP_PKEY_is_a(k, "RSA") || EVP_PKEY_is_a(k, "RSA-PSS") ||
               EVP_PKEY_is_a(k, "DSA")) {
        snprintf(buf, len, "%s-%d %s", type, EVP_PKEY_get_bits(k), kind);
    } else {
        snprintf(buf, len, "%s %s", type, kind);
    }
}

static void emit_cert(struct pin_run *r, X509 *x)
{
    char subj[512];
    hp_digest d;

    hp_cli_name(X509_get_subject_name(x), subj, sizeof(subj));
    if (hp_cli_x509_pin(x, d))
        emit(r, d, subj);
}

static void emit_key(struct pin_run *r, const EVP_PKEY *k, int priv)
{
    char desc[160];
    hp_digest d;

    key_desc(k, priv, desc, sizeof(desc));
    if (hp_cli_pkey_pin(k, d))
        emit(r, d, desc);
}

static int emit_req(struct pin_run *r, X509_REQ *req)
{
    EVP_PKEY *k = X509_REQ_get0_pubkey(req);
    char subj[512], what[600];
    hp_digest d;

    if (k == NULL || !hp_cli_pkey_pin(k, d))
        return 0;
    hp_cli_name(X509_REQ_get_subject_name(req), subj, sizeof(subj));
    snprintf(what, sizeof(what), "%s (certificate request)", subj);
    emit(r, d, what);
    return 1;
}

/* A key in DER, any algorithm and structure; OSSL_DECODER finds out. */
static EVP_PKEY *decode_key(const unsigned char *der, size_t len,
                            int selection, const char *structure)
{
    OSSL_DECODER_CTX *dctx;
    EVP_PKEY *k = NULL;

    dctx = OSSL_DECODER_CTX_new_for_pkey(&k, "DER", structure, NULL,
                                         selection, NULL, NULL);
    if (dctx != NULL && OSSL_DECODER_CTX_get_num_decoders(dctx) > 0)
        OSSL_DECODER_from_data(dctx, &der, &len);
    OSSL_DECODER_CTX_free(dctx);
    return k;
}

static int emit_pkcs7(struct pin_run *r, const unsigned char *der, long len)
{
    PKCS7 *p7 = d2i_PKCS7(NULL, &der, len);
    STACK_OF(X509) *certs = NULL;
    int i, n = 0;

    if (p7 != NULL && PKCS7_type_is_signed(p7) && p7->d.sign != NULL)
        certs = p7->d.sign->cert;
    for (i = 0; certs != NULL && i < sk_X509_num(certs); i++, n++)
        emit_cert(r, sk_X509_value(certs, i));
    PKCS7_free(p7);
    return n;
}

/* One PEM block; 0 if it holds something we refuse, with *why set. */
static int pem_block(struct pin_run *r, const char *name, const char *header,
                     const unsigned char *der, long len, const char **why)
{
    const unsigned char *p = der;
    X509 *x;
    X509_REQ *req;
    EVP_PKEY *k;
    int priv = strstr(name, "PRIVATE KEY") != NULL;

    if (strcmp(name, "CERTIFICATE") == 0 ||
        strcmp(name, "X509 CERTIFICATE") == 0 ||
        strcmp(name, "TRUSTED CERTIFICATE") == 0) {
        x = strcmp(name, "TRUSTED CERTIFICATE") == 0
                ? d2i_X509_AUX(NULL, &p, len)
                : d2i_X509(NULL, &p, len);
        if (x == NULL) {
            *why = "a damaged certificate";
            return 0;
        }
        emit_cert(r, x);
        X509_free(x);
    } else if (strcmp(name, "CERTIFICATE REQUEST") == 0 ||
               strcmp(name, "NEW CERTIFICATE REQUEST") == 0) {
        req = d2i_X509_REQ(NULL, &p, len);
        if (req == NULL || !emit_req(r, req)) {
            X509_REQ_free(req);
            *why = "a damaged certificate request";
            return 0;
        }
        X509_REQ_free(req);
    } else if (strcmp(name, "PKCS7") == 0) {
        emit_pkcs7(r, der, len);
    } else if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0 ||
               (priv && header != NULL && strstr(header, "ENCRYPTED"))) {
        *why = "an encrypted private key (give its certificate, or its "
               "public key: openssl pkey -in KEY -pubout)";
        return 0;
    } else if (priv || strstr(name, "PUBLIC KEY") != NULL) {
        k = decode_key(der, (size_t)len,
                       priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, NULL);
        if (k == NULL) {
            *why = "a key OpenSSL cannot read";
            return 0;
        }
        emit_key(r, k, priv);
        EVP_PKEY_free(k);
    }
    /* Other blocks (EC PARAMETERS, X509 CRL, ...) have no key: skipped. */
    return 1;
}

static int pem_file(struct pin_run *r, const char *data, size_t len,
                    const char **why)
{
    BIO *b = BIO_new_mem_buf(data, (int)len);
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long dlen = 0;
    int ok = b != NULL;

    ERR_clear_error();
    while (ok && PEM_read_bio(b, &name, &header, &der, &dlen) == 1) {
        ok = pem_block(r, name, header, der, dlen, why);
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(der);
    }
    /* The loop ends on "no start line" once every block was read. */
    if (ok && ERR_peek_last_error() != 0 &&
        ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE) {
        *why = "a damaged PEM block (bad base64, or no END line)";
        ok = 0;
    }
    BIO_free(b);
    ERR_clear_error();
    return ok;
}

static int der_file(struct pin_run *r, const unsigned char *data, size_t len,
                    const char **why)
{
    const unsigned char *p = data, *end = data + len;
    STACK_OF(X509) *certs = sk_X509_new_null();
    X509_REQ *req;
    PKCS12 *p12;
    X509_SIG *sig;
    EVP_PKEY *k;
    X509 *x;
    int i;

    /* Concatenated DER certificates, all or nothing. */
    while (certs != NULL && p < end &&
           (x = d2i_X509(NULL, &p, (long)(end - p))) != NULL)
        if (!sk_X509_push(certs, x))
            X509_free(x);
    if (certs != NULL && p == end && sk_X509_num(certs) > 0)
        for (i = 0; i < sk_X509_num(certs); i++)
            emit_cert(r, sk_X509_value(certs, i));
    sk_X509_pop_free(certs, X509_free);
    if (r->count > 0)
        return 1;
    p = data;
    if ((req = d2i_X509_REQ(NULL, &p, (long)len)) != NULL) {
        int ok = emit_req(r, req);

        X509_REQ_free(req);
        return ok;
    }
    if (emit_pkcs7(r, data, (long)len) > 0)
        return 1;
    /* A public key first: a private-key decoder would not say which. */
    if ((k = decode_key(data, len, EVP_PKEY_PUBLIC_KEY,
                        "SubjectPublicKeyInfo")) != NULL ||
        (k = decode_key(data, len, EVP_PKEY_KEYPAIR, NULL)) != NULL ||
        (k = decode_key(data, len, EVP_PKEY_PUBLIC_KEY, NULL)) != NULL) {
        EVP_PKEY *pub = decode_key(data, len, EVP_PKEY_PUBLIC_KEY, NULL);

        /* Only what decodes as a key pair but not as a public key is
         * private: test both. */
        emit_key(r, k, pub == NULL);
        EVP_PKEY_free(pub);
        EVP_PKEY_free(k);
        return 1;
    }
    p = data;
    if ((sig = d2i_X509_SIG(NULL, &p, (long)len)) != NULL) {
        X509_SIG_free(sig);
        *why = "an encrypted private key (give its certificate, or its "
               "public key: openssl pkey -in KEY -pubout)";
        return 0;
    }
    p = data;
    if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) != NULL) {
        PKCS12_free(p12);
        *why = "a PKCS#12 file: extract the certificate first, e.g. "
               "openssl pkcs12 -in FILE -nokeys -clcerts | hostpin pin -";
        return 0;
    }
    return 1;
}

static char *read_all(FILE *f, size_t *len, const char **why)
{
    size_t cap = 65536, n = 0, got;
    char *buf = malloc(cap + 1), *nb;

    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            if (cap >= (size_t)HP_PIN_MAX_INPUT) {
                *why = "is larger than 16 MB";
                free(buf);
                return NULL;
            }
            if ((nb = realloc(buf, cap * 2 + 1)) == NULL)
                break;
            buf = nb;
            cap *= 2;
        }
    }
    if (buf == NULL || ferror(f)) {
        *why = buf == NULL ? "out of memory" : strerror(errno);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int pin_file(struct pin_run *r, const char *file)
{
    const char *why = NULL;
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    size_t len = 0;
    char *data;
    int ok;

    r->file = strcmp(file, "-") == 0 ? "(stdin)" : file;
    r->count = 0;
    if (f == NULL) {
        hp_cli_error("pin", "%s: cannot open: %s", file, strerror(errno));
        return 0;
    }
    data = read_all(f, &len, &why);
    if (f != stdin)
        fclose(f);
    if (data == NULL) {
        hp_cli_error("pin", "%s: cannot read: %s", file, why);
        return 0;
    }
    if (strstr(data, "-----BEGIN ") != NULL)
        ok = pem_file(r, data, len, &why);
    else
        ok = der_file(r, (const unsigned char *)data, len, &why);
    ERR_clear_error();
    free(data);
    if (!ok) {
        hp_cli_error("pin", "%s: %s", r->file, why);
        return 0;
    }
    if (r->count == 0) {
        hp_cli_error("pin", "%s: no certificate, key or certificate request "
                            "found (expected PEM or DER)", r->file);
        return 0;
    }
    return 1;
}

int hp_cli_pin(int argc, char **argv)
{
    static const struct option opts[] = {
        { "format", required_argument, NULL, 'f' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    struct pin_run r;
    int c, i, failed = 0;

    memset(&r, 0, sizeof(r));
    while ((c = getopt_long(argc, argv, ":f:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "conf") == 0)
                r.fmt = FMT_CONF;
            else if (strcmp(optarg, "hpkp") == 0)
                r.fmt = FMT_HPKP;
            else if (strcmp(optarg, "curl") == 0)
                r.fmt = FMT_CURL;
            else if (strcmp(optarg, "hex") == 0)
                r.fmt = FMT_HEX;
            else
                return hp_cli_usage("pin", "unknown format '%s' (expected "
                                           "conf, hpkp, curl or hex)",
                                    optarg);
            break;
        case 'q':
            r.quiet = 1;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            return hp_cli_bad_option("pin", argv, c);
        }
    }
    if (optind >= argc)
        return hp_cli_usage("pin", "give at least one FILE (a certificate, "
                                   "key or CSR; '-' for standard input)");
    for (i = optind; i < argc; i++)
        if (!pin_file(&r, argv[i]))
            failed = 1;
    return failed ? 1 : 0;
}
