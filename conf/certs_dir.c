/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate files as pins: the certificates of a `certs` entry and the
 * files of `certs_dir` (one folder, files named after hosts, as mobile
 * pinning kits keep them).  Each certificate's SPKI digest becomes a pin,
 * and its DER is kept with the rule so the pin store can show it. */
#include <dirent.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "hostpin_conf.h"
#include "certs_int.h"
#include "pinset_int.h"

#define HP_MAX_CERT_FILE (4L * 1024 * 1024) /* as the loader */
#define HP_MAX_DIR_FILES 1000000

void hp_certs_free(struct hp_certs_st *c)
{
    size_t i;

    if (c == NULL)
        return;
    for (i = 0; i < c->n; i++) {
        OPENSSL_free(c->v[i].der);
        free(c->v[i].file);
    }
    free(c);
}

/* Keep x's DER in *list (the store returns it). */
static int keep_cert(struct hp_certs_st **list, X509 *x, const char *path)
{
    size_t n = *list != NULL ? (*list)->n : 0;
    struct hp_certs_st *c;
    unsigned char *der = NULL;
    int len;

    c = realloc(*list, sizeof(*c) + (n + 1) * sizeof(c->v[0]));
    if (c == NULL)
        return 0;
    if (*list == NULL)
        c->ndir = 0;
    c->n = n;
    *list = c;
    if ((len = i2d_X509(x, &der)) <= 0)
        return 0;
    c->v[n].der = der;
    c->v[n].len = (size_t)len;
    if ((c->v[n].file = strdup(path)) == NULL) {
        OPENSSL_free(der);
        return 0;
    }
    c->n++;
    return 1;
}

static int spki_of(X509 *x, hp_digest d)
{
    unsigned char *der = NULL;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    int ok = len > 0 && hp_spki_digest(der, (size_t)len, d);

    OPENSSL_free(der);
    return ok;
}

/* Append d to a sorted-later digest array. */
static int add_digest(hp_digest **v, size_t *n, const hp_digest d)
{
    hp_digest *nv = realloc(*v, (*n + 1) * sizeof(**v));

    if (nv == NULL)
        return 0;
    memcpy(nv[(*n)++], d, HP_DIGEST_LEN);
    *v = nv;
    return 1;
}

/* What one certificate of a file adds to the rule: 1, 0 (out of memory),
 * or -1 with *why set (the certificate cannot be what is asked). */
static int add_cert(struct hp_rule_st *r, size_t *cap, X509 *x,
                    const char *path, int anchor, const char **why)
{
    hp_digest d;

    if (anchor && X509_self_signed(x, 1) != 1) {
        /* OpenSSL ends a chain at a self-signed certificate only; one an
         * intermediate would have to be trusted as a partial chain, which
         * is not what a host's anchor should mean. */
        ERR_clear_error();
        *why = "is not a self-signed certificate (an anchor is a root CA "
               "certificate or the server's own self-signed certificate)";
        return -1;
    }
    if (!spki_of(x, d) || !hp_rule_add_pin(r, cap, d))
        return 0;
    if (!anchor)
        return keep_cert(&r->certs, x, path);
    return keep_cert(&r->anchors, x, path) &&
           add_digest(&r->anchor_pins, &r->nanchor_pins, d);
}

static int add_file(struct hp_rule_st *r, size_t *cap, const char *path,
                    int folder_checked, int anchor, const char **why)
{
    size_t len = 0, count = 0;
    char *data;
    int good = 1;

    if ((data = hp_conf_read_small(path, HP_MAX_CERT_FILE, folder_checked,
                                   &len, why)) == NULL)
        return 0;
    if (strstr(data, "-----BEGIN") != NULL) {
        BIO *b = BIO_new_mem_buf(data, (int)len);
        X509 *x;

        while (good > 0 && b != NULL &&
               (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
            good = add_cert(r, cap, x, path, anchor, why);
            X509_free(x);
            count += good > 0;
        }
        BIO_free(b);
    } else {
        const unsigned char *p = (const unsigned char *)data;
        const unsigned char *end = p + len;
        X509 *x;

        while (good > 0 && p < end &&
               (x = d2i_X509(NULL, &p, (long)(end - p))) != NULL) {
            good = add_cert(r, cap, x, path, anchor, why);
            X509_free(x);
            count += good > 0;
        }
        if (p != end)
            count = 0; /* trailing garbage: refuse the whole file */
    }
    ERR_clear_error();
    free(data);
    if (good < 0)
        return 0;
    if (anchor)
        r->nanchor_certs += count;
    else
        r->ncert_pins += count;
    if (!good) {
        *why = "out of memory";
        return -1;
    }
    if (count == 0) {
        *why = "no certificate could be read (expected PEM or DER X.509 "
               "certificates)";
        return 0;
    }
    return 1;
}

int hp_certs_add_file(struct hp_rule_st *r, size_t *cap, const char *path,
                      int folder_checked, const char **why)
{
    return add_file(r, cap, path, folder_checked, 0, why);
}

int hp_anchors_add_file(struct hp_rule_st *r, size_t *cap, const char *path,
                        const char **why)
{
    return add_file(r, cap, path, 0, 1, why);
}

/* ---- certs_dir --------------------------------------------------------- */

struct dir_file {
    char *name; /* file name in the folder */
    char host[HP_NAME_MAX];
    int is_ip;
};

static int cmp_file(const void *a, const void *b)
{
    const struct dir_file *x = a, *y = b;
    int c = strcmp(x->host, y->host);

    return c != 0 ? c : strcmp(x->name, y->name);
}

/* `hosts` rules ordered by host, then position: the first of equal hosts
 * is the one hp_pinset_index keeps, so the folder adds to that one. */
struct rule_ref {
    const char *host;
    size_t idx;
};

static int cmp_rule(const void *a, const void *b)
{
    const struct rule_ref *x = a, *y = b;
    int c = strcmp(x->host, y->host);

    return c != 0 ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* HOST of HOST.cer, HOST.crt or HOST.pem; NULL if the name has none of
 * these extensions (the file is not a pin file and is left alone). */
const char *hp_certs_dir_ext(const char *name)
{
    static const char *const exts[] = { ".cer", ".crt", ".pem", NULL };
    size_t len = strlen(name), i;

    if (name[0] == '.')
        return NULL; /* hidden files, editors' backups */
    for (i = 0; exts[i] != NULL; i++)
        if (len > 4 && strcasecmp(name + len - 4, exts[i]) == 0)
            return name + len - 4;
    return NULL;
}

/* The host a file is named after, checked as the loader checks `host`
 * (load.c check_host): normalised, labels of 1-63 letters, digits, '-'
 * or '_'.  Nothing is guessed: "*.x", "x:443" or "x y" are refused. */
int hp_certs_dir_host(const char *name, char norm[HP_NAME_MAX], int *is_ip)
{
    const char *ext = hp_certs_dir_ext(name);
    unsigned char bad;
    size_t len;

    if (ext == NULL || (len = (size_t)(ext - name)) == 0 ||
        len >= HP_NAME_MAX || name[0] == '*' ||
        hp_name_normalize(name, len, norm, is_ip) < 0)
        return 0;
    if (*is_ip)
        return 1;
    return hp_name_check_labels(norm, &bad) == HP_LABELS_OK;
}

/* File names of the folder that are pin files, sorted by host. */
static int list_dir(const char *dir, struct dir_file **out, size_t *nout,
                    const char **bad, const char **why)
{
    struct dir_file *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    DIR *d;

    *bad = NULL;
    if ((d = opendir(dir)) == NULL) {
        *why = strerror(errno);
        return 0;
    }
    while ((de = readdir(d)) != NULL) {
        struct dir_file f;

        if (hp_certs_dir_ext(de->d_name) == NULL)
            continue;
        memset(&f, 0, sizeof(f));
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct dir_file *nv;

            if (ncap > HP_MAX_DIR_FILES ||
                (nv = realloc(v, ncap * sizeof(*nv))) == NULL) {
                *why = "too many files, or out of memory";
                goto fail;
            }
            v = nv;
            cap = ncap;
        }
        if ((f.name = strdup(de->d_name)) == NULL) {
            *why = "out of memory";
            goto fail;
        }
        v[n++] = f;
        if (!hp_certs_dir_host(f.name, v[n - 1].host, &v[n - 1].is_ip) &&
            *bad == NULL)
            *bad = f.name; /* reported once the listing is complete */
    }
    closedir(d);
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_file);
    *out = v;
    *nout = n;
    return 1;
fail:
    closedir(d);
    while (n > 0)
        free(v[--n].name);
    free(v);
    return 0;
}

static int cmp_digest(const void *a, const void *b)
{
    return memcmp(a, b, HP_DIGEST_LEN);
}

/* Sort the rule's pins and drop repeats, as load.c does for a host. */
static void settle_pins(struct hp_rule_st *r)
{
    size_t i, n = 1;

    if (r->npins < 2)
        return;
    qsort(r->pins, r->npins, HP_DIGEST_LEN, cmp_digest);
    for (i = 1; i < r->npins; i++)
        if (memcmp(r->pins[i], r->pins[n - 1], HP_DIGEST_LEN) != 0)
            memmove(r->pins[n++], r->pins[i], HP_DIGEST_LEN);
    r->npins = n;
}

struct dir_load {
    struct hp_pinset_st *ps;
    struct hp_error_st *err;
    const char *file; /* pins file and line of the certs_dir setting */
    int line;
    char dir[PATH_MAX];
};

static void dir_err(struct dir_load *dl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void dir_err(struct dir_load *dl, const char *fmt, ...)
{
    va_list ap;

    snprintf(dl->err->file, sizeof(dl->err->file), "%s", dl->file);
    dl->err->line = dl->line;
    va_start(ap, fmt);
    vsnprintf(dl->err->msg, sizeof(dl->err->msg), fmt, ap);
    va_end(ap);
}

/* The files f[0..n) of one host, into rule r. */
static int load_host_files(struct dir_load *dl, struct hp_rule_st *r,
                           const struct dir_file *f, size_t n)
{
    size_t cap = r->npins, i, before = r->npins;

    for (i = 0; i < n; i++) {
        char path[PATH_MAX];
        const char *why = NULL;
        size_t had = r->certs != NULL ? r->certs->n : 0;
        int rc;

        if (!hp_path_join(path, sizeof(path), dl->dir, f[i].name)) {
            dir_err(dl, "certs_dir: certificate file \"%s/%.64s...\": path "
                    "too long (at most %zu bytes)", dl->dir, f[i].name,
                    sizeof(path) - 1);
            return 0;
        }
        if ((rc = hp_certs_add_file(r, &cap, path, 1, &why)) <= 0) {
            dir_err(dl, "certs_dir: certificate file \"%s\": %s", path, why);
            return 0;
        }
        r->certs->ndir += r->certs->n - had;
    }
    r->npins_written += r->npins - before;
    settle_pins(r);
    return 1;
}

int hp_certs_dir_load(struct hp_pinset_st *ps, const config_setting_t *s,
                      const char *file, const char *basedir,
                      struct hp_error_st *err)
{
    struct dir_load dl = { ps, err, file, (int)config_setting_source_line(s),
                           "" };
    struct dir_file *f = NULL;
    size_t nf = 0, i, j, nnew = 0, nold = ps->nrules;
    struct rule_ref *order = NULL;
    const char *why = NULL, *bad = NULL, *v, *src;
    int ok = 0;

    if (config_setting_type(s) != CONFIG_TYPE_STRING ||
        *(v = config_setting_get_string(s)) == '\0') {
        dir_err(&dl, "'certs_dir' must be the name of a folder in double "
                     "quotes: certs_dir = \"/etc/hostpin/certs.d\";");
        return 0;
    }
    if (!hp_path_join(dl.dir, sizeof(dl.dir), basedir, v)) {
        dir_err(&dl, "certs_dir \"%.64s...\": path too long (at most %zu "
                "bytes)", v, sizeof(dl.dir) - 1);
        return 0;
    }
    if (!list_dir(dl.dir, &f, &nf, &bad, &why)) {
        dir_err(&dl, "certs_dir \"%s\": cannot read the folder: %s", dl.dir,
                why);
        return 0;
    }
    {
        struct stat st;

        hp_sources_add(NULL, dl.dir, stat(dl.dir, &st) == 0 ? &st : NULL);
    }
    /* Each file of the folder pins its host: nobody else may add one. */
    if (!hp_trust_folder(dl.dir, dl.err->msg, sizeof(dl.err->msg))) {
        char msg[sizeof(dl.err->msg)];

        memcpy(msg, dl.err->msg, sizeof(msg));
        dir_err(&dl, "certs_dir: %s", msg);
        goto out;
    }
    if (bad != NULL) {
        dir_err(&dl, "certs_dir \"%s\": file \"%s\" is not named after a "
                     "host (expected HOST.cer, HOST.crt or HOST.pem, HOST "
                     "a DNS name or IP address: no wildcard, port or "
                     "space)", dl.dir, bad);
        goto out;
    }
    if ((src = hp_pinset_intern(ps, file)) == NULL)
        goto oom;
    /* Existing `hosts` rules, to merge a folder host into its entry. */
    if (nold > 0) {
        if ((order = malloc(nold * sizeof(*order))) == NULL)
            goto oom;
        for (i = 0; i < nold; i++) {
            order[i].host = ps->rules[i].host;
            order[i].idx = i;
        }
        qsort(order, nold, sizeof(*order), cmp_rule);
    }
    for (i = 0; i < nf; i = j) {
        for (j = i + 1; j < nf && strcmp(f[j].host, f[i].host) == 0; j++)
            ;
        nnew++;
    }
    if (nnew > 0) {
        struct hp_rule_st *nr = realloc(ps->rules, (nold + nnew) *
                                                       sizeof(*nr));

        if (nr == NULL)
            goto oom;
        ps->rules = nr;
    }
    for (i = 0; i < nf; i = j) {
        struct hp_rule_st *r = NULL;
        size_t lo = 0, hi = nold;

        for (j = i + 1; j < nf && strcmp(f[j].host, f[i].host) == 0; j++)
            ;
        while (lo < hi) { /* first rule with this host */
            size_t mid = lo + (hi - lo) / 2;

            if (strcmp(order[mid].host, f[i].host) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < nold && strcmp(order[lo].host, f[i].host) == 0)
            r = &ps->rules[order[lo].idx];
        if (r == NULL) {
            r = &ps->rules[ps->nrules];
            memset(r, 0, sizeof(*r));
            if ((r->host = strdup(f[i].host)) == NULL)
                goto oom;
            r->is_ip = f[i].is_ip;
            r->mode = ps->mode;
            r->file = src;
            r->line = dl.line;
            ps->nrules++;
        }
        if (!load_host_files(&dl, r, &f[i], j - i))
            goto out;
    }
    ok = 1;
    goto out;
oom:
    dir_err(&dl, "out of memory");
out:
    for (i = 0; i < nf; i++)
        free(f[i].name);
    free(f);
    free(order);
    return ok;
}
