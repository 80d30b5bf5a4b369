/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin audit: the findings of one run, shared by audit.c (connecting
 * and judging) and audit_out.c (table, JSON, Prometheus textfile). */
#ifndef HOSTPIN_AUDIT_H
#define HOSTPIN_AUDIT_H

#include "cli.h"

/* Nagios plugin states; also the exit status.  Ranked for "worst" by
 * hp_audit_rank: ok < warning < unknown < critical. */
enum hp_audit_state {
    HP_AUDIT_OK = 0,
    HP_AUDIT_WARNING = 1,
    HP_AUDIT_CRITICAL = 2,
    HP_AUDIT_UNKNOWN = 3
};

#define HP_AUDIT_MAX_FINDINGS 8

struct hp_audit_finding_st {
    enum hp_audit_state state;
    const char *code;   /* stable, for scripts: "leaf-only", ... */
    char msg[1024];
};

/* One host audited. */
struct hp_audit_host_st {
    struct hp_target_st t;         /* name, port, --connect address */
    char connect[HP_NAME_MAX + 16]; /* t.connect points here when set */
    const struct hp_rule_st *rule;  /* the name's rule, in force or not */
    struct hp_eval_st e;            /* connection and verdict */
    enum hp_audit_state state;
    const char *result;   /* pass, fail, report, expired, exempt, no-rule,
                             untrusted, unreachable */
    int passes;           /* the chain satisfies the rule now */
    int match_depth;      /* first chain depth with a pinned key, or -1 */
    const char *position; /* "leaf", "intermediate", "anchor" or NULL */
    char match_pin[HP_PIN_STRLEN];
    char match_subject[512];
    int64_t match_not_after; /* certificate carrying the matched key */
    long match_days;
    int backup;           /* a pin of a key other than the matched one */
    int backup_same_key;  /* pins were written twice for one key */
    int leaf_only;        /* only the leaf's key matches */
    int64_t rule_expires; /* the rule's `expires`, 0 if none */
    int policy_violation; /* deny pin or chain policy broken */
    struct hp_audit_finding_st f[HP_AUDIT_MAX_FINDINGS];
    size_t nf;
};

struct hp_audit_st {
    const char *pins;
    struct hp_pinset_st *ps;
    struct hp_audit_host_st *h;
    size_t n;
    int64_t now;
    double seconds;       /* how long the run took */
    enum hp_audit_state state; /* the worst of the hosts */
    int warn_days, crit_days, expires_days;
};

int hp_audit_rank(enum hp_audit_state s);
const char *hp_audit_state_name(enum hp_audit_state s); /* "OK", ... */

/* audit_out.c */
void hp_audit_print_table(const struct hp_audit_st *a, FILE *f);
void hp_audit_print_json(const struct hp_audit_st *a);
/* Write the Prometheus textfile atomically; 1, or 0 with a message. */
int hp_audit_write_prometheus(const struct hp_audit_st *a, const char *path);

#endif
