/* SPDX-License-Identifier: Apache-2.0 */
/* A live server judged by the module's own decision: connect (tls.c),
 * describe the chain OpenSSL built as the module does (hp_chain_info:
 * SPKI digests, and key, signature and CA details when the pins file has
 * a policy) and run hp_decide_chain on it.  Shared by `check` and
 * `audit`, so neither can disagree with a real connection. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct hp_rule_st *hp_cli_any_rule(const struct hp_pinset_st *ps,
                                         const char *const *names,
                                         size_t nnames, size_t *idx)
{
    size_t i;

    for (i = 0; i < nnames; i++) {
        const struct hp_rule_st *r = hp_pinset_rule_for(ps, names[i]);

        if (r != NULL) {
            if (idx != NULL)
                *idx = i;
            return r;
        }
    }
    return NULL;
}

/* As the module's check_pins: deny pins and a policy of scope "all"
 * concern every connection, rules only their names. */
static int concerned(const struct hp_pinset_st *ps, const struct hp_eval_st *e)
{
    return e->rule != NULL || ps->ndeny > 0 ||
           (ps->policy_all && ps->has_policy);
}

size_t hp_cli_chain_info(const struct hp_pinset_st *ps, STACK_OF(X509) *chain,
                         struct hp_cert_info_st **out)
{
    int i, n = chain != NULL ? sk_X509_num(chain) : 0;
    struct hp_cert_info_st *info;

    /* Every certificate, however long the chain, as the module: one left
     * out could be the denied one, or the only pinned one. */
    *out = NULL;
    if (n <= 0 || (info = calloc((size_t)n, sizeof(*info))) == NULL)
        return 0;
    for (i = 0; i < n; i++) {
        X509 *x = sk_X509_value(chain, i);

        if (!hp_cli_x509_pin(x, info[i].spki)) { /* a gap would shift depths */
            free(info);
            return 0;
        }
        if (ps->has_policy)
            hp_cert_details(x, &info[i]);
    }
    *out = info;
    return (size_t)n;
}

int hp_cli_evaluate(const struct hp_pinset_st *ps,
                    const struct hp_target_st *t, const char *const *names,
                    size_t nnames, int64_t now, struct hp_eval_st *e)
{
    memset(e, 0, sizeof(*e));
    e->rule = hp_cli_any_rule(ps, names, nnames, &e->rule_name);
    if (!concerned(ps, e)) {
        e->stage = HP_EVAL_NO_RULE;
        return 0;
    }
    struct hp_target_st with = *t;

    /* As the module: a rule's anchors vouch for its host, when the rule
     * is enforced (report mode never widens trust). */
    if (e->rule != NULL && e->rule->anchors != NULL &&
        e->rule->mode == HP_MODE_ENFORCE && hp_rule_active(e->rule, now))
        with.anchors = e->rule->anchors;
    if (!hp_cli_connect(&with, &e->conn)) {
        e->stage = HP_EVAL_CONNECT;
        return 0;
    }
    e->nchain = hp_cli_chain_info(ps, e->conn.built, &e->chain);
    if (e->conn.built == NULL || e->nchain == 0) {
        e->stage = HP_EVAL_NO_CHAIN;
        return 0;
    }
    hp_decide_chain(ps, names, nnames, e->chain, e->nchain, ps->has_policy,
                    now, &e->v);
    e->stage = e->conn.verify_result == X509_V_OK ? HP_EVAL_DECIDED
                                                  : HP_EVAL_UNVERIFIED;
    return 1;
}

long hp_cli_eval_error(const struct hp_eval_st *e)
{
    return e->conn.first_error ? e->conn.first_error : e->conn.verify_result;
}

void hp_cli_eval_free(struct hp_eval_st *e)
{
    hp_cli_conn_free(&e->conn);
    free(e->chain);
    e->chain = NULL;
}

const char *hp_cli_why_name(enum hp_why why)
{
    switch (why) {
    case HP_WHY_PIN: return "pin-mismatch";
    case HP_WHY_POLICY: return "policy";
    case HP_WHY_DENY: return "denied-key";
    case HP_WHY_NONE: default: return "none";
    }
}

void hp_cli_verdict_text(const struct hp_eval_st *e, char *buf, size_t len)
{
    const struct hp_verdict_st *v = &e->v;
    char subj[512] = "?";
    X509 *x = v->bad_depth >= 0 && e->conn.built != NULL &&
                      v->bad_depth < sk_X509_num(e->conn.built)
                  ? sk_X509_value(e->conn.built, v->bad_depth)
                  : NULL;

    if (x != NULL)
        hp_cli_name(X509_get_subject_name(x), subj, sizeof(subj));
    switch (v->why) {
    case HP_WHY_PIN:
        snprintf(buf, len, "no certificate of the built chain has a pinned "
                 "key");
        break;
    case HP_WHY_POLICY:
    case HP_WHY_DENY:
        snprintf(buf, len, "certificate %d (%s) %s (%s:%d): %s",
                 v->bad_depth, subj, v->why == HP_WHY_POLICY
                                         ? "breaks the policy"
                                         : "has a denied key",
                 v->where_file ? v->where_file : "?", v->where_line,
                 v->detail);
        break;
    case HP_WHY_NONE:
    default:
        snprintf(buf, len, "no finding");
        break;
    }
}
