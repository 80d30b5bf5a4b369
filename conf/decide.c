/* SPDX-License-Identifier: Apache-2.0 */
/* The decision core: deny pins, chain policy and pins, on plain data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostpin_conf.h"

int hp_digest_in(const hp_digest *set, size_t n, const hp_digest d)
{
    size_t lo = 0, hi = n;

    while (lo < hi) { /* sets are sorted */
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(set[mid], d, HP_DIGEST_LEN);

        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int pick(int own, int global)
{
    return own >= 0 ? own : global >= 0 ? global : 0;
}

void hp_policy_effective(const struct hp_pinset_st *ps,
                         const struct hp_rule_st *r, struct hp_policy_st *out)
{
    const struct hp_policy_st *g = &ps->policy;
    const struct hp_policy_st *h = r != NULL ? &r->policy : NULL;
    int own = h != NULL && h->file != NULL;

    out->min_rsa_bits = pick(own ? h->min_rsa_bits : -1, g->min_rsa_bits);
    out->min_ec_bits = pick(own ? h->min_ec_bits : -1, g->min_ec_bits);
    out->min_sig_bits = pick(own ? h->min_sig_bits : -1, g->min_sig_bits);
    out->require_ca = pick(own ? h->require_ca : -1, g->require_ca);
    out->file = own ? h->file : g->file;
    out->line = own ? h->line : g->line;
}

static const char *hash_name(int bits)
{
    switch (bits) {
    case 128: return "MD5";
    case 160: return "SHA-1";
    case 224: return "SHA-224";
    case 256: return "SHA-256";
    case 384: return "SHA-384";
    case 512: return "SHA-512";
    default: return "unknown";
    }
}

enum policy_key { PK_RSA, PK_EC, PK_SIG, PK_CA };

static int policy_get(const struct hp_policy_st *p, enum policy_key k)
{
    switch (k) {
    case PK_RSA: return p->min_rsa_bits;
    case PK_EC: return p->min_ec_bits;
    case PK_SIG: return p->min_sig_bits;
    case PK_CA: default: return p->require_ca;
    }
}

/* The policy group that sets key k for rule r: the host's own if it sets
 * that key, else the top-level one, so a message names the setting that
 * decided and not a host group that only inherits it. */
static const struct hp_policy_st *policy_source(const struct hp_pinset_st *ps,
                                                const struct hp_rule_st *r,
                                                enum policy_key k)
{
    if (r != NULL && r->policy.file != NULL && policy_get(&r->policy, k) >= 0)
        return &r->policy;
    return &ps->policy;
}

/* First violation of policy p in the chain; depth or -1, and *key says
 * which demand it breaks. */
static int policy_violation(const struct hp_policy_st *p,
                            const struct hp_cert_info_st *chain, size_t n,
                            char *detail, size_t dlen, enum policy_key *key)
{
    size_t d;

    for (d = 0; d < n; d++) {
        const struct hp_cert_info_st *c = &chain[d];

        if (p->min_rsa_bits > 0 && c->key_kind == HP_KEY_RSA &&
            c->key_bits < p->min_rsa_bits) {
            *key = PK_RSA;
            snprintf(detail, dlen, "RSA key of %d bits, below min_rsa_bits "
                     "= %d", c->key_bits, p->min_rsa_bits);
            return (int)d;
        }
        if (p->min_ec_bits > 0 && c->key_kind == HP_KEY_EC &&
            c->key_bits < p->min_ec_bits) {
            *key = PK_EC;
            snprintf(detail, dlen, "EC key of %d bits, below min_ec_bits = "
                     "%d", c->key_bits, p->min_ec_bits);
            return (int)d;
        }
        /* Signatures below the trust anchor: the anchor's own signature
         * is not relied upon. */
        if (p->min_sig_bits > 0 && d + 1 < n && c->sig_bits != 0 &&
            c->sig_bits < p->min_sig_bits) {
            *key = PK_SIG;
            /* The demand in the spelling the pins file uses. */
            snprintf(detail, dlen, "signed with %s, below "
                     "min_signature_hash = \"sha%d\"", hash_name(c->sig_bits),
                     p->min_sig_bits == 160 ? 1 : p->min_sig_bits);
            return (int)d;
        }
        if (p->require_ca > 0 && d > 0 && !c->is_ca) {
            *key = PK_CA;
            snprintf(detail, dlen, "issues certificates without "
                     "basicConstraints CA:TRUE (require_ca_constraints)");
            return (int)d;
        }
    }
    return -1;
}

/* The file of the top-level deny list: the pins file unless @include'd
 * (a set read from a compiled index does not record it). */
static const char *deny_file(const struct hp_pinset_st *ps)
{
    return ps->deny_file != NULL ? ps->deny_file : ps->file;
}

static int deny_depth(const hp_digest *set, size_t nset,
                      const struct hp_cert_info_st *chain, size_t n)
{
    size_t d;

    for (d = 0; set != NULL && d < n; d++)
        if (hp_digest_in(set, nset, chain[d].spki))
            return (int)d;
    return -1;
}

/* The verdict keeps the strongest finding: FAIL over REPORT, and for the
 * same outcome deny over policy over pins; the first one of each kind. */
static void consider(struct hp_verdict_st *v, enum hp_mode mode,
                     enum hp_why why, const struct hp_rule_st *r, size_t idx,
                     int depth, const char *detail, const char *file,
                     int line)
{
    enum hp_outcome o = mode == HP_MODE_ENFORCE ? HP_FAIL : HP_REPORT;

    if (v->why != HP_WHY_NONE &&
        (v->outcome > o || (v->outcome == o && v->why >= why)))
        return;
    v->outcome = o;
    v->why = why;
    v->rule = r;
    v->name_index = idx;
    v->bad_depth = depth;
    v->where_file = file;
    v->where_line = line;
    snprintf(v->detail, sizeof(v->detail), "%s", detail);
}

void hp_decide_chain(const struct hp_pinset_st *ps, const char *const *names,
                     size_t nnames, const struct hp_cert_info_st *chain,
                     size_t nchain, int details, int64_t now,
                     struct hp_verdict_st *v)
{
    const struct hp_rule_st *pass = NULL;
    size_t pass_idx = 0, i, d;
    int pass_depth = -1, any_rule = 0, exempt, depth;
    char detail[160];
    struct hp_policy_st pol;
    enum policy_key key = PK_RSA;

    memset(v, 0, sizeof(*v));
    v->outcome = HP_UNPINNED;
    v->match_depth = -1;
    v->bad_depth = -1;
    if (ps == NULL)
        return;
    exempt = nchain > 0 && ps->nallow > 0 &&
             hp_digest_in(ps->allow, ps->nallow, chain[nchain - 1].spki);
    for (i = 0; i < nnames; i++) {
        const struct hp_rule_st *r = hp_pinset_rule_for(ps, names[i]);

        if (r == NULL)
            continue;
        if (!hp_rule_active(r, now)) {
            if (v->expired == NULL) {
                v->expired = r;
                v->expired_name_index = i;
            }
            continue;
        }
        any_rule = 1;
        if ((depth = deny_depth(ps->deny, ps->ndeny, chain, nchain)) >= 0)
            consider(v, r->mode, HP_WHY_DENY, r, i, depth,
                     "its public key is denied", deny_file(ps), ps->deny_line);
        if ((depth = deny_depth(r->deny, r->ndeny, chain, nchain)) >= 0)
            consider(v, r->mode, HP_WHY_DENY, r, i, depth,
                     "its public key is denied for this host", r->file,
                     r->line);
        if (details) {
            hp_policy_effective(ps, r, &pol);
            depth = policy_violation(&pol, chain, nchain, detail,
                                     sizeof(detail), &key);
            if (depth >= 0) {
                const struct hp_policy_st *src = policy_source(ps, r, key);

                consider(v, r->mode, HP_WHY_POLICY, r, i, depth, detail,
                         src->file, src->line);
            }
        }
        /* system_roots = false: the chain must end at one of the host's
         * own anchors, whatever else vouches for it. */
        if (r->no_system_roots &&
            (nchain == 0 || !hp_digest_in(r->anchor_pins, r->nanchor_pins,
                                          chain[nchain - 1].spki)))
            consider(v, r->mode, HP_WHY_POLICY, r, i,
                     nchain > 0 ? (int)nchain - 1 : -1,
                     "the chain ends at a root the system trusts, not at "
                     "one of the host's anchors (system_roots = false)",
                     r->file, r->line);
        if (exempt)
            continue;
        for (d = 0, depth = -1; d < nchain && depth < 0; d++)
            if (hp_rule_has_pin(r, chain[d].spki))
                depth = (int)d;
        if (depth < 0)
            consider(v, r->mode, HP_WHY_PIN, r, i, -1, "", r->file,
                     r->line);
        else if (pass == NULL) {
            pass = r;
            pass_idx = i;
            pass_depth = depth;
        }
    }
    v->exempt = exempt && any_rule;
    if (!any_rule) {
        /* No rule: only what applies to every connection. */
        if ((depth = deny_depth(ps->deny, ps->ndeny, chain, nchain)) >= 0)
            consider(v, ps->mode, HP_WHY_DENY, NULL, 0, depth,
                     "its public key is denied", deny_file(ps), ps->deny_line);
        if (details && ps->policy_all) {
            hp_policy_effective(ps, NULL, &pol);
            depth = policy_violation(&pol, chain, nchain, detail,
                                     sizeof(detail), &key);
            if (depth >= 0)
                consider(v, ps->mode, HP_WHY_POLICY, NULL, 0, depth, detail,
                         pol.file, pol.line);
        }
    }
    if (v->why == HP_WHY_NONE && pass != NULL) {
        v->outcome = HP_PASS;
        v->rule = pass;
        v->name_index = pass_idx;
        v->match_depth = pass_depth;
    }
}

void hp_decide(const struct hp_pinset_st *ps, const char *const *names,
               size_t nnames, const hp_digest *chain, size_t nchain,
               int64_t now, struct hp_verdict_st *v)
{
    struct hp_cert_info_st small[16], *info = small;
    size_t i;

    /* Any length of chain: a certificate left out could be the one that
     * is denied, or the only one that is pinned. */
    if (nchain > 16 && (info = calloc(nchain, sizeof(*info))) == NULL) {
        memset(v, 0, sizeof(*v));
        v->outcome = HP_FAIL;
        v->why = HP_WHY_PIN; /* refused, and said why in detail */
        v->bad_depth = -1;
        v->match_depth = -1;
        snprintf(v->detail, sizeof(v->detail), "out of memory");
        return;
    }
    memset(info, 0, (nchain > 16 ? nchain : 16) * sizeof(*info));
    for (i = 0; i < nchain; i++)
        memcpy(info[i].spki, chain[i], HP_DIGEST_LEN);
    hp_decide_chain(ps, names, nnames, info, nchain, 0, now, v);
    if (info != small)
        free(info);
}
