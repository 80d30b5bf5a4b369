/* SPDX-License-Identifier: Apache-2.0 */
/* The verification hook's decision.  hostpin.so puts its function in
 * ctx->verify (stub.c); verify_chain() calls it once the chain is built and
 * names, extensions and revocation were checked (crypto/x509/x509_vfy.c),
 * and it hands the context here with the function it replaced. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hostpin.h"
#include "hostpin_index.h"

#define HP_MAX_NAMES 16
#define HP_MAX_CHAIN 16

struct names_st {
    const char *v[HP_MAX_NAMES];
    size_t n;
    char *ip;                   /* from X509_VERIFY_PARAM_get1_ip_asc */
    char peer[INET6_ADDRSTRLEN];
    char san[4][INET6_ADDRSTRLEN]; /* leaf IP identities, last resort */
    int incomplete; /* a name could not be read (out of memory) */
    int ip_read;    /* IP names collected (see hp_pinset_ip_matters) */
};

static void add_name(struct names_st *nm, const char *s)
{
    if (s != NULL && nm->n < HP_MAX_NAMES)
        nm->v[nm->n++] = s;
}

/* The peer address under the SSL's socket, for connections with no name. */
static void add_peer_ip(struct names_st *nm, const struct hp_ssl_api_st *api,
                        const SSL *ssl)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd = api->get_rfd((const struct ssl_st *)ssl);
    const void *a;

    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
        return;
    if (ss.ss_family == AF_INET)
        a = &((struct sockaddr_in *)&ss)->sin_addr;
    else if (ss.ss_family == AF_INET6)
        a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
    else
        return;
    if (inet_ntop(ss.ss_family, a, nm->peer, sizeof(nm->peer)) != NULL)
        add_name(nm, nm->peer);
}

/* IP addresses the leaf certifies.  Used only for a TLS client connection
 * with no name and no socket to ask (curl reads through its own BIO): such
 * programs match the IP against the certificate after the handshake, so an
 * impostor has to claim the pinned address to be accepted at all. */
static void add_leaf_ips(X509_STORE_CTX *ctx, struct names_st *nm)
{
    X509 *leaf = X509_STORE_CTX_get0_cert(ctx);
    GENERAL_NAMES *gens;
    int i, n, k = 0;
    int crit = -1;

    if (leaf == NULL)
        return;
    gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, &crit, NULL);
    if (gens == NULL) {
        /* -1: no such extension; otherwise it could not be decoded. */
        nm->incomplete = crit != -1;
        return;
    }
    n = sk_GENERAL_NAME_num(gens);
    for (i = 0; i < n && k < 4; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        const ASN1_OCTET_STRING *ip;
        int len;

        if (g->type != GEN_IPADD)
            continue;
        ip = g->d.iPAddress;
        len = ASN1_STRING_length(ip);
        if ((len == 4 || len == 16) &&
            inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip),
                      nm->san[k], sizeof(nm->san[k])) != NULL)
            add_name(nm, nm->san[k++]);
    }
    GENERAL_NAMES_free(gens);
}

/* Names of the connection (DESIGN 3.1). */
static void collect_names(X509_STORE_CTX *ctx, const struct hp_ssl_api_st *api,
                          const SSL *ssl, struct names_st *nm, int want_ip)
{
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    const char *h;
    int i;

    for (i = 0; (h = X509_VERIFY_PARAM_get0_host(param, i)) != NULL; i++)
        add_name(nm, h);
    nm->ip_read = want_ip;
    if (!want_ip) { /* IP names cannot matter: the set has no use for them */
        if (ssl != NULL)
            add_name(nm, api->servername((const struct ssl_st *)ssl,
                                         TLSEXT_NAMETYPE_host_name));
        return;
    }
    /* SSL_set1_host("127.0.0.1") stores an IP, not a host.  With no IP set
     * the getter pushes "passed a null parameter", which programs such as
     * curl would then print as the reason of a failure: drop it. */
    ERR_set_mark();
    nm->ip = X509_VERIFY_PARAM_get1_ip_asc(param);
    if (nm->ip == NULL) {
        /* NULL is also what an allocation failure returns: only the "no
         * IP" error means there is none, anything else fails closed. */
        unsigned long e = ERR_peek_last_error();

        nm->incomplete = ERR_GET_REASON(e) != ERR_R_PASSED_NULL_PARAMETER;
    }
    ERR_pop_to_mark();
    add_name(nm, nm->ip);
    if (ssl != NULL)
        add_name(nm, api->servername((const struct ssl_st *)ssl,
                                     TLSEXT_NAMETYPE_host_name));
    if (nm->n == 0 && ssl != NULL)
        add_peer_ip(nm, api, ssl);
    if (nm->n == 0 && ssl != NULL)
        add_leaf_ips(ctx, nm);
}

static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (*pos >= len)
        return;
    va_start(ap, fmt);
    n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos = *pos + (size_t)n < len ? *pos + (size_t)n : len;
}

/* The refusal message (DESIGN 3.7): what failed for which name, the rule
 * or setting (file:line), each chain certificate's pin and subject, and the
 * configured pins. */
static void describe(char *buf, size_t len, const char *verdict,
                     const char *name, const struct hp_pinset_st *ps,
                     const struct hp_verdict_st *v, STACK_OF(X509) *chain,
                     const struct hp_cert_info_st *c, size_t nc)
{
    static const char *const what[] = {
        [HP_WHY_NONE] = "", [HP_WHY_PIN] = "rule",
        [HP_WHY_POLICY] = "policy", [HP_WHY_DENY] = "deny"
    };
    const struct hp_rule_st *r = v->rule;
    enum hp_mode mode = r != NULL ? r->mode : ps->mode;
    char pin[HP_PIN_STRLEN];
    size_t pos = 0, i;

    append(buf, len, &pos, "%s for \"%s\" (%s %s:%d, mode %s", verdict,
           name, what[v->why], v->where_file ? v->where_file : ps->file,
           v->where_line, mode == HP_MODE_ENFORCE ? "enforce" : "report");
    if (r != NULL && r->expires_text != NULL)
        append(buf, len, &pos, ", expires %s", r->expires_text);
    append(buf, len, &pos, ")");
    if (v->bad_depth >= 0)
        append(buf, len, &pos, ": certificate [%d] %s", v->bad_depth,
               v->detail);
    append(buf, len, &pos, "; chain:");
    for (i = 0; i < nc; i++) {
        X509 *x = chain != NULL && i < (size_t)sk_X509_num(chain)
                      ? sk_X509_value(chain, (int)i)
                      : NULL;
        char subj[256] = "(raw public key)";

        if (x != NULL)
            X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
        hp_pin_format(c[i].spki, pin);
        append(buf, len, &pos, " [%zu] %s %s;", i, pin, subj);
    }
    if (r == NULL)
        return;
    append(buf, len, &pos, " pins:");
    for (i = 0; i < r->npins; i++) {
        hp_pin_format(r->pins[i], pin);
        append(buf, len, &pos, "%s %s", i ? "," : "", pin);
    }
}

static int refuse(X509_STORE_CTX *ctx, int reason, const char *msg)
{
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);

    HP_RAISE(reason, "%s", msg);
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

static int any_rule(const struct hp_pinset_st *ps, const struct names_st *nm)
{
    size_t i;

    for (i = 0; i < nm->n; i++)
        if (hp_pinset_rule_for(ps, nm->v[i]) != NULL)
            return 1;
    return 0;
}

static int check_chain(X509_STORE_CTX *ctx, const struct hp_ssl_api_st *api,
                       const SSL *ssl, const struct names_st *nm,
                       const struct hp_pinset_st *ps);

/* Pin decision for a TLS client or a named verification; 1 = go on, 0 =
 * refused.  The pin set is held for the whole decision. */
static int check_pins(X509_STORE_CTX *ctx, const struct hp_ssl_api_st *api,
                      const SSL *ssl, struct names_st *nm)
{
    struct hp_state_ref_st ref;
    const struct hp_pinset_st *ps = hp_state_acquire(&ref);
    int ok;

    /* The hint was low but this set (a reload since) wants IP names. */
    if (!nm->ip_read && hp_pinset_ip_matters(ps)) {
        memset(nm, 0, sizeof(*nm));
        collect_names(ctx, api, ssl, nm, 1);
        if (nm->incomplete) {
            hp_state_release(&ref);
            return refuse(ctx, HP_R_INTERNAL, "could not read the names of "
                                              "the connection (out of "
                                              "memory)");
        }
    }

    if (ps == NULL) {
        char why[1200], msg[1400];

        hp_state_release(&ref);
        if (hp_state_fail_open())
            return 1;
        hp_state_error(why, sizeof(why));
        snprintf(msg, sizeof(msg), "pins file unusable, refusing "
                 "verification (on_error = fail-closed): %s", why);
        return refuse(ctx, HP_R_PINS_FILE, msg);
    }
    /* Deny pins and a policy of scope "all" concern every connection;
     * otherwise only names with a rule cost more than a lookup. */
    ok = !((nm->n > 0 && any_rule(ps, nm)) || ps->ndeny > 0 ||
           (ps->policy_all && ps->has_policy)) ||
         check_chain(ctx, api, ssl, nm, ps);
    hp_state_release(&ref);
    return ok;
}

/* Digest (and, with a policy, describe) the built chain, then decide. */
static int check_chain(X509_STORE_CTX *ctx, const struct hp_ssl_api_st *api,
                       const SSL *ssl, const struct names_st *nm,
                       const struct hp_pinset_st *ps)
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
    struct hp_cert_info_st info[HP_MAX_CHAIN];
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    struct hp_verdict_st v;
    const char *name;
    char msg[4096];
    size_t nd = 0;
    int i, n = chain != NULL ? sk_X509_num(chain) : 0;

    memset(info, 0, sizeof(info));
    for (i = 0; i < n && nd < HP_MAX_CHAIN; i++, nd++) {
        X509 *x = sk_X509_value(chain, i);

        if (!hp_chain_digest(x, info[nd].spki))
            return refuse(ctx, HP_R_INTERNAL, "cannot digest a chain "
                                              "certificate's public key");
        if (ps->has_policy)
            hp_cert_details(x, &info[nd]);
    }
#if OPENSSL_VERSION_NUMBER >= 0x30200000L
    if (n == 0 && X509_STORE_CTX_get0_rpk(ctx) != NULL) {
        /* RFC 7250 raw public key: its own SPKI is the chain. */
        if (!hp_pkey_digest(X509_STORE_CTX_get0_rpk(ctx), info[0].spki))
            return refuse(ctx, HP_R_INTERNAL, "cannot digest the raw "
                                              "public key");
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
        describe(msg, sizeof(msg), refusal[v.why], name, ps, &v, chain, info,
                 nd);
        HP_LOG(LOG_WARNING, "refused: %s", msg);
        hp_report(ps, &v, name, "refused", msg, ctx, ssl, api, info, nd);
        note_unverified(api, ssl, name, 1);
        return refuse(ctx, reason[v.why], msg);
    case HP_REPORT:
        describe(msg, sizeof(msg), v.why == HP_WHY_PIN
                     ? "pin mismatch (report only, allowed)"
                     : v.why == HP_WHY_DENY
                           ? "denied key (report only, allowed)"
                           : "policy violation (report only, allowed)",
                 name, ps, &v, chain, info, nd);
        HP_LOG(LOG_NOTICE, "%s", msg);
        hp_report(ps, &v, name, "report-only", msg, ctx, ssl, api, info, nd);
        return 1;
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
            hp_report(ps, &v, name, "exempt", msg, ctx, ssl, api, info, nd);
        } else if (v.outcome == HP_PASS) {
            HP_DEBUG("\"%s\" matched rule %s:%d at depth %d", name,
                     v.rule->file, v.rule->line, v.match_depth);
        }
        if (v.rule != NULL)
            note_unverified(api, ssl, name, 0);
        return 1;
    }
}

int hp_hook_verify(X509_STORE_CTX *ctx, X509_STORE_CTX_verify_fn saved)
{
    const struct hp_ssl_api_st *api;
    const SSL *ssl = NULL;
    struct names_st nm;
    int ok;

    /* CRL path contexts share the parent's parameters, host included. */
    if (X509_STORE_CTX_get0_parent_ctx(ctx) != NULL)
        return saved(ctx);
    if ((api = hp_ssl_api()) != NULL) {
        ssl = X509_STORE_CTX_get_ex_data(ctx, api->ctx_idx);
        /* On a server, the names are the client's SNI: not ours to pin. */
        if (ssl != NULL && api->is_server((const struct ssl_st *)ssl))
            return saved(ctx);
    }
    memset(&nm, 0, sizeof(nm));
    collect_names(ctx, api, ssl, &nm, hp_state_ip_matters());
    if (nm.incomplete) {
        OPENSSL_free(nm.ip);
        return refuse(ctx, HP_R_INTERNAL, "could not read the names of the "
                                          "connection (out of memory)");
    }
    /* A verification with neither a name nor a TLS connection (S/MIME,
     * `openssl verify` without a host) is none of hostpin's business. */
    if (nm.n == 0 && ssl == NULL) {
        OPENSSL_free(nm.ip);
        return saved(ctx);
    }
    ok = check_pins(ctx, api, ssl, &nm);
    OPENSSL_free(nm.ip);
    return ok ? saved(ctx) : 0;
}
