/* SPDX-License-Identifier: Apache-2.0 */
/* The verification hook's decision.  hostpin.so puts its function in
 * ctx->verify (stub.c); verify_chain() calls it once the chain is built and
 * names, extensions and revocation were checked (crypto/x509/x509_vfy.c),
 * and it hands the context here with the function it replaced. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hostpin.h"
#include "hostpin_index.h"

/* The chain's certificates described on the stack; longer chains are
 * described on the heap, never cut. */
#define HP_CHAIN_INLINE 16

/* How to make a client that named no host send one, for the message. */
static const char no_name_hint[] =
    "; the client named no host (no SNI, no host to verify), so every name "
    "the certificate carries was checked: make it send the name (nginx "
    "proxy_ssl_server_name on, stunnel sni =, HAProxy sni, redis-cli "
    "--sni, libpq sslsni=1)";

/* The refusal message (DESIGN 3.7): what failed for which name, the rule
 * or setting (file:line), each chain certificate's pin and subject, and the
 * configured pins; whole, however long the chain (malloc'd, or NULL when
 * out of memory). */
static char *describe(const char *verdict, const char *name,
                      const struct hp_pinset_st *ps,
                      const struct hp_verdict_st *v, STACK_OF(X509) *chain,
                      const struct hp_cert_info_st *c, size_t nc,
                      int from_cert)
{
    static const char *const what[] = {
        [HP_WHY_NONE] = "", [HP_WHY_PIN] = "rule",
        [HP_WHY_POLICY] = "policy", [HP_WHY_DENY] = "deny"
    };
    const struct hp_rule_st *r = v->rule;
    enum hp_mode mode = r != NULL ? r->mode : ps->mode;
    char pin[HP_PIN_STRLEN], *buf = NULL;
    size_t size = 0, i;
    FILE *f = open_memstream(&buf, &size);

    if (f == NULL)
        return NULL;
    fprintf(f, "%s for \"%s\" (%s %s:%d, mode %s", verdict, name,
            what[v->why], v->where_file ? v->where_file : ps->file,
            v->where_line, mode == HP_MODE_ENFORCE ? "enforce" : "report");
    if (r != NULL && r->expires_text != NULL)
        fprintf(f, ", expires %s", r->expires_text);
    fputs(")", f);
    if (v->bad_depth >= 0)
        fprintf(f, ": certificate [%d] %s", v->bad_depth, v->detail);
    fputs("; chain:", f);
    for (i = 0; i < nc; i++) {
        X509 *x = chain != NULL && i < (size_t)sk_X509_num(chain)
                      ? sk_X509_value(chain, (int)i)
                      : NULL;
        char subj[256] = "(raw public key)";

        if (x != NULL)
            X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
        hp_pin_format(c[i].spki, pin);
        fprintf(f, " [%zu] %s %s;", i, pin, subj);
    }
    if (r != NULL) {
        fputs(" pins:", f);
        for (i = 0; i < r->npins; i++) {
            hp_pin_format(r->pins[i], pin);
            fprintf(f, "%s %s", i ? "," : "", pin);
        }
    }
    if (from_cert)
        fputs(no_name_hint, f);
    if (ferror(f)) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    return buf;
}

/* OpenSSL keeps at most ERR_MAX_DATA_SIZE (1024) bytes of an error's text,
 * and keeps nothing at all of a longer one (ERR_vset_error): a long
 * message is cut here, saying where the whole of it is. */
#define HP_ERR_ROOM 1000

static int refuse(X509_STORE_CTX *ctx, int reason, const char *msg)
{
    static const char more[] = " [...] (the whole message: syslog, "
                               "hostpin log)";
    static const char where[] = " (the same in syslog: hostpin log)";
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    size_t len = strlen(msg);

    if (len + sizeof(where) <= HP_ERR_ROOM)
        HP_RAISE(reason, "%s%s", msg, where);
    else
        HP_RAISE(reason, "%.*s%s", (int)(HP_ERR_ROOM - sizeof(more)), msg,
                 more);
    X509_STORE_CTX_set_error_depth(ctx, 0);
    if (chain != NULL && sk_X509_num(chain) > 0)
        X509_STORE_CTX_set_current_cert(ctx, sk_X509_value(chain, 0));
    /* Returned without calling the application's verify callback, so the
     * callback cannot turn a pin failure into success. */
    X509_STORE_CTX_set_error(ctx, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
}

/* Rules that expired are logged once per process and rule. */
static void note_expired(const struct hp_rule_st *r, const char *name)
{
    static _Atomic(const struct hp_rule_st *) last;

    if (atomic_exchange(&last, r) != r)
        HP_LOG(LOG_NOTICE, "rule %s:%d for \"%s\" expired on %s; not "
                           "enforced", r->file, r->line, name,
               r->expires_text);
}

/* A pinned host contacted with verification turned off (curl -k,
 * CERT_NONE): libssl ignores the result, so say so, once per host in a
 * row rather than for every connection. */
static void note_unverified(const struct hp_ssl_api_st *api, const SSL *ssl,
                            const char *name, int refused)
{
    static _Atomic uint32_t last;
    uint32_t h = 2166136261u;
    const char *p;

    if (ssl == NULL ||
        api->get_verify_mode((const struct ssl_st *)ssl) != SSL_VERIFY_NONE)
        return;
    for (p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    h ^= (uint32_t)refused;
    if (atomic_exchange(&last, h) == h)
        return;
    HP_LOG(LOG_WARNING, "\"%s\" is pinned but the program turned "
                        "certificate verification off%s", name,
           refused ? ": libssl ignores this refusal" : "");
}

static int any_rule(const struct hp_pinset_st *ps, const struct hp_names_st *nm)
{
    size_t i;

    for (i = 0; i < nm->n; i++)
        if (hp_pinset_rule_for(ps, nm->v[i]) != NULL)
            return 1;
    return 0;
}

static int check_chain(struct hp_conn_st *c, const struct hp_pinset_st *ps);

/* A chain that ends at an anchor hostpin gave (anchor.c) stands only for
 * names whose rules list it: checked again here, on the names the decision
 * uses, and under the set now in force, whatever it holds (a reload since
 * the chain was built may have taken the anchor away). */
static int anchor_ok(struct hp_conn_st *c, const struct hp_pinset_st *ps)
{
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(c->ctx);
    int n = chain != NULL ? sk_X509_num(chain) : 0;
    char pin[HP_PIN_STRLEN], msg[512];
    hp_digest given, top;

    if (!hp_anchor_given(c->ctx, given) || n == 0)
        return 1;
    if (!hp_chain_digest(sk_X509_value(chain, n - 1), top))
        return refuse(c->ctx, HP_R_INTERNAL, "cannot digest a chain "
                                             "certificate's public key");
    if (memcmp(top, given, HP_DIGEST_LEN) != 0 ||
        (ps != NULL &&
         hp_anchor_covers(ps, c, top, (int64_t)time(NULL), NULL)))
        return 1;
    hp_pin_format(top, pin);
    snprintf(msg, sizeof(msg), "certificate chain ends at the anchor %s, "
             "which is trusted only for the hosts whose rules list it, not "
             "for \"%s\"", pin, c->nm.n > 0 ? c->nm.v[0] : "(no name)");
    HP_LOG(LOG_WARNING, "refused: %s", msg);
    return refuse(c->ctx, HP_R_PIN_MISMATCH, msg);
}

/* Pin decision for a TLS client or a named verification; 1 = go on, 0 =
 * refused.  The pin set is held for the whole decision. */
static int check_pins(struct hp_conn_st *c)
{
    struct hp_state_ref_st ref;
    const struct hp_pinset_st *ps = hp_state_acquire(&ref);
    int ok;

    /* The hint was low but this set (a reload since) wants IP names. */
    if (!c->ip_read && hp_pinset_ip_matters(ps))
        hp_conn_names(c, 1);
    if (ps == NULL) {
        char why[1200], msg[1400];

        hp_state_release(&ref);
        if (hp_state_fail_open())
            return anchor_ok(c, NULL);
        hp_state_error(why, sizeof(why));
        snprintf(msg, sizeof(msg), "pins file unusable, refusing "
                 "verification (on_error = fail-closed): %s", why);
        return refuse(c->ctx, HP_R_PINS_FILE, msg);
    }
    if (!c->nm.usable)
        hp_conn_fallback(c, ps);
    if (c->nm.incomplete) {
        hp_state_release(&ref);
        return refuse(c->ctx, HP_R_INTERNAL, "could not read the names of "
                                             "the connection (out of "
                                             "memory, or a certificate's "
                                             "subjectAltName that cannot "
                                             "be decoded)");
    }
    /* Deny pins and a policy of scope "all" concern every connection;
     * otherwise only names with a rule cost more than a lookup. */
    ok = anchor_ok(c, ps) &&
         (!((c->nm.n > 0 && any_rule(ps, &c->nm)) || ps->ndeny > 0 ||
            (ps->policy_all && ps->has_policy)) ||
          check_chain(c, ps));
    hp_state_release(&ref);
    return ok;
}


/* Digest (and, with a policy, describe) the built chain, then decide. */
static int check_chain(struct hp_conn_st *c, const struct hp_pinset_st *ps)
{
    static const char *const refusal[] = {
        [HP_WHY_NONE] = "", [HP_WHY_PIN] = "certificate chain does not "
                                           "match the pins",
        [HP_WHY_POLICY] = "certificate chain breaks the policy",
        [HP_WHY_DENY] = "certificate chain contains a denied key"
    };
    static const int reason[] = {
        [HP_WHY_NONE] = HP_R_INTERNAL, [HP_WHY_PIN] = HP_R_PIN_MISMATCH,
        [HP_WHY_POLICY] = HP_R_POLICY, [HP_WHY_DENY] = HP_R_DENIED
    };
    struct hp_cert_info_st small[HP_CHAIN_INLINE], *info = small;
    X509_STORE_CTX *ctx = c->ctx;
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    const struct hp_names_st *nm = &c->nm;
    struct hp_verdict_st v;
    const char *name;
    char msg[512], *text = NULL;
    size_t nd = 0;
    int i, n = chain != NULL ? sk_X509_num(chain) : 0, ok = 1;

    /* Every certificate of the chain, however long: one left out could
     * be the denied one, or the interception anchor. */
    if (n > HP_CHAIN_INLINE &&
        (info = calloc((size_t)n, sizeof(*info))) == NULL)
        return refuse(ctx, HP_R_INTERNAL, "out of memory");
    memset(info, 0, (n > HP_CHAIN_INLINE ? (size_t)n : HP_CHAIN_INLINE) *
                        sizeof(*info));
    for (i = 0; i < n; i++, nd++) {
        X509 *x = sk_X509_value(chain, i);

        if (!hp_chain_digest(x, info[nd].spki)) {
            ok = refuse(ctx, HP_R_INTERNAL, "cannot digest a chain "
                                            "certificate's public key");
            goto out;
        }
        if (ps->has_policy)
            hp_cert_details(x, &info[nd]);
    }
#if OPENSSL_VERSION_NUMBER >= 0x30200000L
    if (n == 0 && X509_STORE_CTX_get0_rpk(ctx) != NULL) {
        /* RFC 7250 raw public key: its own SPKI is the chain. */
        if (!hp_pkey_digest(X509_STORE_CTX_get0_rpk(ctx), info[0].spki)) {
            ok = refuse(ctx, HP_R_INTERNAL, "cannot digest the raw public "
                                            "key");
            goto out;
        }
        nd = 1;
    }
#endif
    hp_decide_chain(ps, nm->v, nm->n, info, nd, ps->has_policy,
                    (int64_t)time(NULL), &v);
    if (v.expired != NULL)
        note_expired(v.expired, nm->v[v.expired_name_index]);
    name = v.rule != NULL ? nm->v[v.name_index]
                          : nm->n > 0 ? nm->v[0] : "(no name)";
    switch (v.outcome) {
    case HP_FAIL:
        if ((text = describe(refusal[v.why], name, ps, &v, chain, info, nd,
                             nm->from_cert)) == NULL) {
            ok = refuse(ctx, reason[v.why], "out of memory describing the "
                                            "refusal");
            break;
        }
        HP_LOG(LOG_WARNING, "refused: %s", text);
        hp_report(ps, &v, name, "refused", text, ctx, c->ssl, c->api, info,
                  nd);
        note_unverified(c->api, c->ssl, name, 1);
        ok = refuse(ctx, reason[v.why], text);
        break;
    case HP_REPORT:
        if ((text = describe(v.why == HP_WHY_PIN
                                 ? "pin mismatch (report only, allowed)"
                             : v.why == HP_WHY_DENY
                                 ? "denied key (report only, allowed)"
                                 : "policy violation (report only, allowed)",
                             name, ps, &v, chain, info, nd,
                             nm->from_cert)) == NULL)
            break;
        HP_LOG(LOG_NOTICE, "%s", text);
        hp_report(ps, &v, name, "report-only", text, ctx, c->ssl, c->api,
                  info, nd);
        break;
    case HP_PASS:
    case HP_UNPINNED:
    default:
        if (v.exempt) {
            char anchor[HP_PIN_STRLEN];

            hp_pin_format(info[nd - 1].spki, anchor);
            snprintf(msg, sizeof(msg), "interception CA %s (allow_"
                     "interception) exempts \"%s\" from its pins", anchor,
                     name);
            HP_LOG(LOG_NOTICE, "%s", msg);
            hp_report(ps, &v, name, "exempt", msg, ctx, c->ssl, c->api,
                      info, nd);
        } else if (v.outcome == HP_PASS) {
            HP_DEBUG("\"%s\" matched rule %s:%d at depth %d%s", name,
                     v.rule->file, v.rule->line, v.match_depth,
                     nm->from_cert ? " (a name of the certificate: the "
                                     "client named no host)" : "");
        }
        if (v.rule != NULL)
            note_unverified(c->api, c->ssl, name, 0);
        break;
    }
out:
    free(text);
    if (info != small)
        free(info);
    return ok;
}

int hp_hook_verify(X509_STORE_CTX *ctx, X509_STORE_CTX_verify_fn saved)
{
    struct hp_conn_st c;
    int ok;

    /* CRL path contexts share the parent's parameters, host included. */
    if (X509_STORE_CTX_get0_parent_ctx(ctx) != NULL)
        return saved(ctx);
    memset(&c, 0, sizeof(c));
    c.ctx = ctx;
    if ((c.api = hp_ssl_api()) != NULL) {
        c.ssl = X509_STORE_CTX_get_ex_data(ctx, c.api->ctx_idx);
        /* On a server, the names are the client's SNI: not ours to pin. */
        if (c.ssl != NULL && c.api->is_server((const struct ssl_st *)c.ssl))
            return saved(ctx);
    }
    hp_names_init(&c.nm);
    hp_conn_names(&c, hp_state_ip_matters());
    /* A verification with neither a name nor a TLS connection (S/MIME,
     * `openssl verify` without a host) is none of hostpin's business. */
    if (c.nm.n == 0 && c.ssl == NULL && !c.nm.incomplete) {
        hp_conn_free(&c);
        return saved(ctx);
    }
    ok = check_pins(&c);
    hp_conn_free(&c);
    return ok ? saved(ctx) : 0;
}
