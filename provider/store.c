/* SPDX-License-Identifier: Apache-2.0 */
/* The pin store: an OSSL_STORE loader for the scheme "hostpin", so that
 * stock tools show what is pinned through the same openssl.cnf:
 *
 *   openssl storeutl hostpin:            every pinned host, as a name
 *   openssl storeutl hostpin:HOST        HOST's certificates and pins
 *   openssl storeutl -certs hostpin:HOST the certificates behind its pins
 *
 * It reads the process's pin set, the one the verification hook uses
 * (state.c), never a second copy.  A reload may free that set between two
 * OSSL_STORE_load() calls, so each call takes its own hold, copies out the
 * one object it returns and lets go before calling back into libcrypto
 * (providers/implementations/storemgmt/file_store.c has the same
 * open/load/eof/close shape). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/params.h>
#include <openssl/store.h>
#include <openssl/x509.h>

#include "hostpin.h"
#include "hostpin_index.h"

#define HP_DESC_MAX 1536

struct hp_store_st {
    int list;                /* "hostpin:": every host */
    char host[HP_NAME_MAX];  /* otherwise the host asked for, normalised */
    int is_ip;
    int expect;              /* OSSL_STORE_INFO_* asked for, 0 = any */
    size_t next;             /* list: rule index; host: certs, then pins */
    int eof;
};

/* One object copied out of the pin set for the callback. */
struct hp_item_st {
    int type;                /* OSSL_OBJECT_NAME or OSSL_OBJECT_CERT */
    char name[HP_NAME_MAX + 16];
    char desc[HP_DESC_MAX];
    unsigned char *der;      /* certificate, owned */
    size_t len;
};

/* "hostpin:HOST", "hostpin://HOST" or just "hostpin:" (every host). */
static int parse_uri(const char *uri, struct hp_store_st *st)
{
    size_t n = strlen(HP_STORE_SCHEME);
    const char *h;

    if (strncasecmp(uri, HP_STORE_SCHEME ":", n + 1) != 0)
        return 0;
    h = uri + n + 1;
    if (strncmp(h, "//", 2) == 0)
        h += 2;
    if (*h == '\0') {
        st->list = 1;
        return 1;
    }
    n = strlen(h);
    if (n > 1 && h[n - 1] == '/') /* hostpin://HOST/ */
        n--;
    if (hp_name_normalize(h, n, st->host, &st->is_ip) <= 0)
        return 0;
    /* hp_name_normalize only lower-cases: no path, port or query. */
    return st->is_ip ||
           strspn(st->host, "abcdefghijklmnopqrstuvwxyz0123456789-_.") ==
               strlen(st->host);
}

/* The set, or NULL with an error raised (the ref is then released). */
static const struct hp_pinset_st *hold(struct hp_state_ref_st *ref)
{
    const struct hp_pinset_st *ps = hp_state_acquire(ref);
    char why[1200];

    if (ps != NULL)
        return ps;
    hp_state_release(ref);
    hp_state_error(why, sizeof(why));
    HP_RAISE(HP_R_PINS_FILE, "%s", why[0] != '\0' ? why
                                                   : "no pin set loaded");
    return NULL;
}

void *hp_store_open(void *provctx, const char *uri)
{
    struct hp_store_st *st = calloc(1, sizeof(*st));
    struct hp_state_ref_st ref;
    const struct hp_pinset_st *ps;

    (void)provctx;
    if (st == NULL)
        return NULL;
    if (!parse_uri(uri, st)) {
        HP_RAISE(HP_R_STORE_URI, "\"%.300s\": expected hostpin: (every "
                                 "pinned host) or hostpin:HOST", uri);
        goto fail;
    }
    if ((ps = hold(&ref)) == NULL)
        goto fail;
    if (!st->list && hp_pinset_lookup(ps, st->host, st->is_ip) == NULL) {
        HP_RAISE(HP_R_STORE_URI, "host \"%s\" is not pinned in %s "
                                 "(openssl storeutl hostpin: lists the "
                                 "pinned hosts)", st->host, ps->file);
        hp_state_release(&ref);
        goto fail;
    }
    hp_state_release(&ref);
    HP_DEBUG("store opened for %s", st->list ? "every host" : st->host);
    return st;
fail:
    free(st);
    return NULL;
}

/* storeutl -certs sets "expect": libcrypto would still pass names on
 * (OSSL_STORE_load lets OSSL_STORE_INFO_NAME through any expectation), so
 * we leave out what was not asked for ourselves. */
int hp_store_set_params(void *loaderctx, const OSSL_PARAM params[])
{
    struct hp_store_st *st = loaderctx;
    const OSSL_PARAM *p;

    if (params == NULL)
        return 1;
    p = OSSL_PARAM_locate_const(params, OSSL_STORE_PARAM_EXPECT);
    if (p != NULL && !OSSL_PARAM_get_int(p, &st->expect))
        return 0;
    return 1;
}

static size_t appendf(char *buf, size_t len, size_t pos, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));

static size_t appendf(char *buf, size_t len, size_t pos, const char *fmt,
                      ...)
{
    va_list ap;
    int n;

    if (pos >= len)
        return pos;
    va_start(ap, fmt);
    n = vsnprintf(buf + pos, len - pos, fmt, ap);
    va_end(ap);
    return n < 0 ? pos : pos + (size_t)n;
}

/* Certificate i of the rule: its certs, then its anchors. */
static const struct hp_cert_st *cert_at(const struct hp_rule_st *r, size_t i,
                                        int *anchor)
{
    size_t nc = r->certs != NULL ? r->certs->n : 0;

    *anchor = i >= nc;
    if (i < nc)
        return &r->certs->v[i];
    i -= nc;
    return r->anchors != NULL && i < r->anchors->n ? &r->anchors->v[i]
                                                   : NULL;
}

static size_t ncerts_of(const struct hp_rule_st *r)
{
    return (r->certs != NULL ? r->certs->n : 0) +
           (r->anchors != NULL ? r->anchors->n : 0);
}

/* mode, include_subdomains, pins, expiry and where the rule comes from. */
static void describe_rule(const struct hp_rule_st *r, char *buf, size_t len)
{
    size_t ndir = r->certs != NULL ? r->certs->ndir : 0;
    size_t pos = 0;

    pos = appendf(buf, len, pos, "mode=%s include_subdomains=%s pins=%zu "
                                 "cert_pins=%zu expires=%s%s source=%s:%d",
                  r->mode == HP_MODE_ENFORCE ? "enforce" : "report",
                  r->include_subdomains ? "yes" : "no", r->npins,
                  r->ncert_pins,
                  r->expires_text != NULL ? r->expires_text : "never",
                  hp_rule_active(r, (int64_t)time(NULL)) ? ""
                                                         : " (expired: not "
                                                           "enforced)",
                  r->file, r->line);
    if (ndir > 0)
        pos = appendf(buf, len, pos, "%s", ndir == r->npins_written
                                               ? " (certs_dir)"
                                               : " + certs_dir");
    if (r->nanchor_certs > 0)
        appendf(buf, len, pos, " anchors=%zu system_roots=%s",
                r->nanchor_certs, r->no_system_roots ? "no" : "yes");
}

/* Which certificate (if any) a pin is the key of. */
static void describe_pin(const struct hp_rule_st *r, const hp_digest pin,
                         char *buf, size_t len)
{
    size_t i, pos;

    pos = appendf(buf, len, 0, "pin of %s: ", r->host);
    for (i = 0; i < ncerts_of(r); i++) {
        int anchor;
        const struct hp_cert_st *c = cert_at(r, i, &anchor);
        const unsigned char *p = c->der;
        X509 *x = d2i_X509(NULL, &p, (long)c->len);
        hp_digest d;
        char subj[256];

        if (x == NULL)
            continue;
        if (hp_chain_digest(x, d) && memcmp(d, pin, HP_DIGEST_LEN) == 0) {
            X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
            appendf(buf, len, pos, "key of %s %s in %s",
                    anchor ? "anchor" : "certificate", subj, c->file);
            X509_free(x);
            return;
        }
        X509_free(x);
    }
    appendf(buf, len, pos, "listed at %s:%d", r->file, r->line);
}

/* Copy out the next object, under a hold on the set.  1: *it is filled,
 * 0: nothing more, -1: error raised. */
static int next_item(struct hp_store_st *st, struct hp_item_st *it)
{
    struct hp_state_ref_st ref;
    const struct hp_pinset_st *ps = hold(&ref);
    const struct hp_rule_st *r;
    size_t ncerts;
    int rc = 0;

    if (ps == NULL)
        return -1;
    if (st->list) {
        /* hp_pinset_rule_at: an index-backed set has no rules array. */
        if (st->next < ps->nrules &&
            (st->expect == 0 || st->expect == OSSL_STORE_INFO_NAME) &&
            (r = hp_pinset_rule_at(ps, st->next++)) != NULL) {
            it->type = OSSL_OBJECT_NAME;
            if (r->is_ip && strchr(r->host, ':') != NULL)
                snprintf(it->name, sizeof(it->name),
                         HP_STORE_SCHEME ":[%s]", r->host);
            else
                snprintf(it->name, sizeof(it->name), HP_STORE_SCHEME ":%s",
                         r->host);
            describe_rule(r, it->desc, sizeof(it->desc));
            rc = 1;
        }
        goto out;
    }
    if ((r = hp_pinset_lookup(ps, st->host, st->is_ip)) == NULL) {
        HP_RAISE(HP_R_STORE_URI, "host \"%s\" is no longer pinned in %s "
                                 "(the pins file was reloaded)", st->host,
                 ps->file);
        rc = -1;
        goto out;
    }
    ncerts = ncerts_of(r);
    if (st->next < ncerts && st->expect != 0 &&
        st->expect != OSSL_STORE_INFO_CERT)
        st->next = ncerts;
    if (st->next < ncerts) {
        int anchor;
        const struct hp_cert_st *c = cert_at(r, st->next++, &anchor);

        if ((it->der = malloc(c->len)) == NULL) {
            HP_RAISE(HP_R_INTERNAL, "out of memory");
            rc = -1;
            goto out;
        }
        memcpy(it->der, c->der, c->len);
        it->len = c->len;
        it->type = OSSL_OBJECT_CERT;
        snprintf(it->desc, sizeof(it->desc), anchor
                 ? "anchor of %s from %s (trusted for this host only)"
                 : "pinning certificate of %s from %s", r->host, c->file);
        rc = 1;
    } else if (st->next - ncerts < r->npins &&
               (st->expect == 0 || st->expect == OSSL_STORE_INFO_NAME)) {
        const unsigned char *pin = r->pins[st->next++ - ncerts];

        it->type = OSSL_OBJECT_NAME;
        hp_pin_format(pin, it->name);
        describe_pin(r, pin, it->desc, sizeof(it->desc));
        rc = 1;
    }
out:
    hp_state_release(&ref);
    return rc;
}

int hp_store_load(void *loaderctx, OSSL_CALLBACK *object_cb,
                         void *object_cbarg, OSSL_PASSPHRASE_CALLBACK *pw_cb,
                         void *pw_cbarg)
{
    struct hp_store_st *st = loaderctx;
    struct hp_item_st it;
    OSSL_PARAM params[5], *p = params;
    int rc;

    (void)pw_cb;
    (void)pw_cbarg;
    memset(&it, 0, sizeof(it));
    if (st->eof)
        return 0;
    if ((rc = next_item(st, &it)) <= 0) {
        st->eof = 1;
        return rc == 0; /* the end is not an error */
    }
    *p++ = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &it.type);
    if (it.type == OSSL_OBJECT_CERT) {
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_DATA,
                                                 it.der, it.len);
        *p++ = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE,
                                                (char *)"CERTIFICATE", 0);
    } else {
        *p++ = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA,
                                                it.name, 0);
    }
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DESC, it.desc,
                                            0);
    *p = OSSL_PARAM_construct_end();
    rc = object_cb(params, object_cbarg);
    free(it.der);
    return rc;
}

/* The end is known once a load() finds nothing: it then succeeds with no
 * object, and OSSL_STORE_load() asks eof() to tell that from an error. */
int hp_store_eof(void *loaderctx)
{
    struct hp_store_st *st = loaderctx;

    return st->eof;
}

int hp_store_close(void *loaderctx)
{
    free(loaderctx);
    return 1;
}
