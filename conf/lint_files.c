/* SPDX-License-Identifier: Apache-2.0 */
/* Lint of the files a pins file depends on: who may write or read them,
 * and whether the certificates of `certs` entries are still valid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "hostpin_conf.h"
#include "lint_int.h"

#define HP_MAX_CERT_FILE (4L * 1024 * 1024) /* as the loader */

/* Who may read it.  (Who may write it and the folders on the way is the
 * loader's own check, trust.c: an error, not a warning.) */
void hp_lint_perms(struct linter *l, const char *path, const char *what)
{
    struct stat st;

    if (hp_lint_seen(l, path) || stat(path, &st) != 0)
        return;
    if ((st.st_mode & S_IROTH) == 0)
        hp_lint_add(l, HP_LINT_UNREADABLE, path, 0, NULL,
                    "%s is not readable by every user (mode %04o): programs "
                    "run by other users cannot load the pins and, with "
                    "on_error = fail-closed, refuse every TLS connection; "
                    "run chmod a+r if that is not intended", what,
                    (unsigned)(st.st_mode & 07777));
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
        size <= HP_MAX_CERT_FILE && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)size + 1)) != NULL) {
        *len = fread(buf, 1, (size_t)size, f);
        buf[*len] = '\0';
    }
    fclose(f);
    return buf;
}

/* Certificates of a PEM or DER file, read the way the loader reads them. */
static STACK_OF(X509) *read_certs(const char *path)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    size_t len = 0;
    char *data = read_file(path, &len);
    X509 *x;

    if (data == NULL || sk == NULL) {
        free(data);
        sk_X509_free(sk);
        return NULL;
    }
    if (strstr(data, "-----BEGIN") != NULL) {
        BIO *b = BIO_new_mem_buf(data, (int)len);

        while (b != NULL && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
            if (!sk_X509_push(sk, x))
                X509_free(x);
        BIO_free(b);
    } else {
        const unsigned char *p = (const unsigned char *)data;
        const unsigned char *end = p + len;

        while (p < end && (x = d2i_X509(NULL, &p, (long)(end - p))))
            if (!sk_X509_push(sk, x))
                X509_free(x);
    }
    ERR_clear_error();
    free(data);
    return sk;
}

static void day_of(const ASN1_TIME *t, char *buf, size_t len)
{
    struct tm tm;

    if (ASN1_TIME_to_tm(t, &tm) != 1 || strftime(buf, len, "%Y-%m-%d", &tm)
                                            == 0)
        snprintf(buf, len, "(unknown date)");
}

void hp_lint_cert_file(struct linter *l, const char *file, int line,
                       const char *host, const char *name, hp_digest **d,
                       size_t *nd)
{
    STACK_OF(X509) *sk;
    char path[1024];
    time_t now = (time_t)hp_lint_now(l);
    int i, n;

    *d = NULL;
    *nd = 0;
    if (name[0] != '/')
        snprintf(path, sizeof(path), "%s/%s", hp_lint_basedir(l), name);
    else
        snprintf(path, sizeof(path), "%s", name);
    hp_lint_perms(l, path, "certificate file");
    if ((sk = read_certs(path)) == NULL)
        return;
    n = sk_X509_num(sk);
    if (n > 0 && (*d = calloc((size_t)n, sizeof(**d))) == NULL)
        n = 0;
    for (i = 0; i < n; i++) {
        X509 *x = sk_X509_value(sk, i);
        unsigned char *der = NULL;
        int dlen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
        char subj[256], day[32];

        if (dlen > 0 && hp_spki_digest(der, (size_t)dlen, (*d)[*nd]))
            (*nd)++;
        OPENSSL_free(der);
        if (X509_cmp_time(X509_get0_notAfter(x), &now) > 0)
            continue;
        X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
        day_of(X509_get0_notAfter(x), day, sizeof(day));
        hp_lint_add(l, HP_LINT_CERT_EXPIRED, file, line, host,
                    "host \"%s\": certificate %d of \"%s\" (%s) expired on "
                    "%s; its key is still pinned, but the server has "
                    "probably moved to a new certificate: put the current "
                    "one in the file", host, i + 1, path, subj, day);
    }
    ERR_clear_error();
    sk_X509_pop_free(sk, X509_free);
}

/* One certificate kept by the loader (certs_dir): expired? */
static void dir_cert(struct linter *l, const struct hp_rule_st *r,
                     const struct hp_cert_st *c)
{
    const unsigned char *p = c->der;
    X509 *x = d2i_X509(NULL, &p, (long)c->len);
    time_t now = (time_t)hp_lint_now(l);
    char subj[256], day[32];

    hp_lint_perms(l, c->file, "certificate file");
    if (x != NULL && X509_cmp_time(X509_get0_notAfter(x), &now) <= 0) {
        X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
        day_of(X509_get0_notAfter(x), day, sizeof(day));
        hp_lint_add(l, HP_LINT_CERT_EXPIRED, r->file, r->line, r->host,
                    "host \"%s\": certificate file \"%s\" of certs_dir "
                    "(%s) expired on %s; its key is still pinned, but the "
                    "server has probably moved to a new certificate: put "
                    "the current one in the folder", r->host, c->file, subj,
                    day);
    }
    X509_free(x);
    ERR_clear_error();
}

/* An anchor of rule r (the loader made sure it is self-signed): still
 * valid, and a key the rule's policy accepts? */
static void anchor_cert(struct linter *l, const struct hp_pinset_st *ps,
                        const struct hp_rule_st *r,
                        const struct hp_cert_st *c)
{
    const unsigned char *p = c->der;
    X509 *x = d2i_X509(NULL, &p, (long)c->len);
    time_t now = (time_t)hp_lint_now(l);
    struct hp_cert_info_st info;
    struct hp_policy_st pol;
    char subj[256], day[32];

    hp_lint_perms(l, c->file, "anchor file");
    if (x == NULL)
        return;
    X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
    if (X509_cmp_time(X509_get0_notAfter(x), &now) <= 0) {
        day_of(X509_get0_notAfter(x), day, sizeof(day));
        hp_lint_add(l, HP_LINT_ANCHOR_EXPIRED, r->file, r->line, r->host,
                    "host \"%s\": anchor \"%s\" (%s) expired on %s: no "
                    "chain can end at it, so the host cannot be reached; "
                    "put the current certificate in the file", r->host,
                    c->file, subj, day);
    } else if (X509_cmp_time(X509_get0_notBefore(x), &now) > 0) {
        day_of(X509_get0_notBefore(x), day, sizeof(day));
        hp_lint_add(l, HP_LINT_ANCHOR_EXPIRED, r->file, r->line, r->host,
                    "host \"%s\": anchor \"%s\" (%s) is not valid before "
                    "%s: until then no chain can end at it (is the clock "
                    "right?)", r->host, c->file, subj, day);
    }
    memset(&info, 0, sizeof(info));
    hp_cert_details(x, &info);
    hp_policy_effective(ps, r, &pol);
    if ((info.key_kind == HP_KEY_RSA && pol.min_rsa_bits > 0 &&
         info.key_bits < pol.min_rsa_bits) ||
        (info.key_kind == HP_KEY_EC && pol.min_ec_bits > 0 &&
         info.key_bits < pol.min_ec_bits))
        hp_lint_add(l, HP_LINT_ANCHOR_WEAK, r->file, r->line, r->host,
                    "host \"%s\": anchor \"%s\" (%s) has a %s key of %d "
                    "bits, below the policy (min_%s_bits = %d): every chain "
                    "that ends at it is refused", r->host, c->file, subj,
                    info.key_kind == HP_KEY_RSA ? "RSA" : "EC", info.key_bits,
                    info.key_kind == HP_KEY_RSA ? "rsa" : "ec",
                    info.key_kind == HP_KEY_RSA ? pol.min_rsa_bits
                                                : pol.min_ec_bits);
    X509_free(x);
    ERR_clear_error();
}

void hp_lint_rules(struct linter *l, const struct hp_pinset_st *ps)
{
    size_t i, k;

    for (i = 0; i < ps->nrules; i++) {
        const struct hp_rule_st *r = &ps->rules[i];
        const struct hp_certs_st *c = r->certs;
        /* Every pin written for the rule came from certs_dir files. */
        int dir_only = c != NULL && c->ndir > 0 &&
                       r->npins_written == c->ndir;

        if (r->npins < 2 && dir_only)
            hp_lint_add(l, HP_LINT_NO_BACKUP, r->file, r->line, r->host,
                        "host \"%s\" has only one pin, from certs_dir: add "
                        "a backup key's certificate as a second file (%s "
                        "with another of .cer, .crt, .pem) or a hosts "
                        "entry with a backup pin, or rotating the key will "
                        "break every connection", r->host, r->host);
        else if (r->npins < 2)
            hp_lint_add(l, HP_LINT_NO_BACKUP, r->file, r->line, r->host,
                        "host \"%s\" has only one pin: add a backup pin, "
                        "the pin of a key not yet in use, or rotating the "
                        "key will break every connection", r->host);
        for (k = c != NULL ? c->n - c->ndir : 0; c != NULL && k < c->n; k++)
            dir_cert(l, r, &c->v[k]);
        for (k = 0; r->anchors != NULL && k < r->anchors->n; k++)
            anchor_cert(l, ps, r, &r->anchors->v[k]);
    }
}
