/* SPDX-License-Identifier: Apache-2.0 */
/* Scoped trust anchors: a host's own roots (`anchors` in the pins file),
 * offered to OpenSSL's chain building for that host only.
 *
 * hostpin.so makes every certificate store ask it for an issuer the store
 * does not have (X509_STORE_set_get_issuer, from the store's ex_data
 * callback, so even a program's first store does).  Here, such an issuer
 * is one of the anchors of the connection's hosts, given when every name
 * the client could accept the certificate for (the name rule) has an
 * enforced, unexpired rule that lists that anchor.  For any other name,
 * or with no name, nothing is given and the chain fails as it does
 * without hostpin; a rule in report mode never widens trust (it logs what
 * it would have done).  The anchor's key is a pin of those rules, so the
 * hook's pin check passes for the chain it ends. */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hostpin.h"
#include "hostpin_index.h"

/* The anchor given for a context, for the hook to recognise its chain:
 * X509_verify_cert runs the lookups and the hook on one thread. */
static _Thread_local struct {
    const X509_STORE_CTX *ctx;
    const X509 *leaf;
    hp_digest spki;
} given;

int hp_anchor_covers(const struct hp_pinset_st *ps, const struct hp_conn_st *c,
                     const hp_digest spki, int64_t now,
                     const struct hp_rule_st **report)
{
    size_t i;
    int any = 0;

    for (i = 0; i < c->nm.n; i++) {
        const struct hp_rule_st *r = hp_pinset_rule_for(ps, c->nm.v[i]);

        /* With no usable name, those the client gave and the peer's
         * address need a rule only if they have one; the certificate's
         * names always need one. */
        if (r == NULL && c->nm.from_cert && i < c->cert_from)
            continue;
        if (r == NULL || !hp_rule_active(r, now) ||
            !hp_digest_in(r->anchor_pins, r->nanchor_pins, spki))
            return 0;
        if (r->mode != HP_MODE_ENFORCE) {
            if (report != NULL)
                *report = r;
            return 0;
        }
        any = 1;
    }
    return any;
}

/* Said once per rule in a row: a report-mode rule's anchor is not used. */
static void note_report(const struct hp_rule_st *r, const char *name)
{
    static _Atomic(const struct hp_rule_st *) last;

    if (atomic_exchange(&last, r) != r)
        HP_LOG(LOG_NOTICE, "anchor of rule %s:%d would let the chain of "
                           "\"%s\" verify; not used, the rule is in report "
                           "mode (an anchor trusts only in enforce mode)",
               r->file, r->line, name);
}

/* The anchors of the first name that has a rule with anchors. */
static const struct hp_rule_st *candidates(const struct hp_pinset_st *ps,
                                           const struct hp_conn_st *c)
{
    size_t i;

    for (i = 0; i < c->nm.n; i++) {
        const struct hp_rule_st *r = hp_pinset_rule_for(ps, c->nm.v[i]);

        if (r != NULL && r->anchors != NULL)
            return r;
    }
    return NULL;
}

int hp_anchor_issuer(X509 **issuer, X509_STORE_CTX *ctx, const X509 *x)
{
    const struct hp_ssl_api_st *api = hp_ssl_api();
    const struct hp_rule_st *r, *report = NULL;
    struct hp_state_ref_st ref;
    const struct hp_pinset_st *ps;
    struct hp_conn_st c;
    int64_t now = (int64_t)time(NULL);
    size_t k;
    int found = 0;

    *issuer = NULL;
    /* CRL paths and servers checking a client never get an anchor. */
    if (X509_STORE_CTX_get0_parent_ctx(ctx) != NULL)
        return 0;
    memset(&c, 0, sizeof(c));
    c.ctx = ctx;
    c.api = api;
    if (api != NULL) {
        c.ssl = X509_STORE_CTX_get_ex_data(ctx, api->ctx_idx);
        if (c.ssl != NULL && api->is_server(c.ssl))
            return 0;
    }
    ps = hp_state_acquire(&ref);
    if (ps == NULL || !ps->has_anchors) {
        hp_state_release(&ref);
        return 0;
    }
    hp_names_init(&c.nm);
    hp_conn_names(&c, hp_pinset_ip_matters(ps));
    if (!c.nm.usable && (c.ssl != NULL || c.nm.n > 0))
        hp_conn_fallback(&c, ps);
    if (c.nm.incomplete || (r = candidates(ps, &c)) == NULL)
        goto out;
    for (k = 0; k < r->anchors->n && !found; k++) {
        const unsigned char *p = r->anchors->v[k].der;
        X509 *a = d2i_X509(NULL, &p, (long)r->anchors->v[k].len);
        hp_digest spki;

        if (a != NULL && X509_check_issued(a, (X509 *)x) == X509_V_OK &&
            hp_chain_digest(a, spki)) {
            if (hp_anchor_covers(ps, &c, spki, now, &report)) {
                *issuer = a;
                a = NULL;
                found = 1;
                given.ctx = ctx;
                given.leaf = X509_STORE_CTX_get0_cert(ctx);
                memcpy(given.spki, spki, HP_DIGEST_LEN);
                HP_DEBUG("anchor %s of rule %s:%d for \"%s\"",
                         r->anchors->v[k].file, r->file, r->line,
                         c.nm.v[0]);
            } else if (report != NULL) {
                note_report(report, c.nm.v[0]);
            }
        }
        X509_free(a);
    }
out:
    ERR_clear_error();
    hp_conn_free(&c);
    hp_state_release(&ref);
    return found;
}

int hp_anchor_given(const X509_STORE_CTX *ctx, hp_digest spki)
{
    int yes = given.ctx == ctx &&
              given.leaf == X509_STORE_CTX_get0_cert(ctx);

    if (yes)
        memcpy(spki, given.spki, HP_DIGEST_LEN);
    given.ctx = NULL;
    given.leaf = NULL;
    return yes;
}
