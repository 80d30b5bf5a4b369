/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin audit's outputs: a table for people (its first line is a
 * monitoring plugin's status line), JSON, and a node_exporter textfile
 * collector file, replaced atomically (hp_cli_atomic_open) so that the
 * collector never reads half a file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"

static const enum hp_audit_state by_rank[] = {
    HP_AUDIT_CRITICAL, HP_AUDIT_UNKNOWN, HP_AUDIT_WARNING, HP_AUDIT_OK
};

static const char *lower(enum hp_audit_state s)
{
    static const char *const name[] = {
        [HP_AUDIT_OK] = "ok", [HP_AUDIT_WARNING] = "warning",
        [HP_AUDIT_CRITICAL] = "critical", [HP_AUDIT_UNKNOWN] = "unknown"
    };

    return name[s];
}

static size_t count(const struct hp_audit_st *a, enum hp_audit_state s)
{
    size_t i, n = 0;

    for (i = 0; i < a->n; i++)
        n += a->h[i].state == s;
    return n;
}

static const char *backup_text(const struct hp_audit_host_st *h)
{
    if (h->rule == NULL)
        return "-";
    if (h->backup_same_key)
        return "same key";
    return h->backup ? "yes" : "no";
}

static void label(const struct hp_audit_host_st *h, char *buf, size_t len)
{
    snprintf(buf, len, strchr(h->t.host, ':') ? "[%s]:%s" : "%s:%s",
             h->t.host, h->t.port);
}

void hp_audit_print_table(const struct hp_audit_st *a, FILE *f)
{
    char name[HP_NAME_MAX + 16], match[64], days[16];
    size_t i, k, w = 4;
    int first = 1;

    fprintf(f, "HOSTPIN %s - %zu host%s:", hp_audit_state_name(a->state),
            a->n, a->n == 1 ? "" : "s");
    for (k = 0; k < 4; k++)
        fprintf(f, "%s %zu %s", k ? "," : "", count(a, by_rank[k]),
                lower(by_rank[k]));
    fprintf(f, " (%s)\n\n", a->pins);
    for (i = 0; i < a->n; i++) {
        label(&a->h[i], name, sizeof(name));
        if (strlen(name) > w)
            w = strlen(name);
    }
    fprintf(f, "%-*s  %-8s  %-11s  %-17s  %-8s  %s\n", (int)w, "HOST",
            "STATE", "RESULT", "MATCH", "BACKUP", "DAYS");
    for (i = 0; i < a->n; i++) {
        const struct hp_audit_host_st *h = &a->h[i];

        label(h, name, sizeof(name));
        if (h->match_depth >= 0)
            snprintf(match, sizeof(match), "%s [%d]", h->position,
                     h->match_depth);
        else
            snprintf(match, sizeof(match), "-");
        if (h->match_depth >= 0)
            snprintf(days, sizeof(days), "%ld", h->match_days);
        else
            snprintf(days, sizeof(days), "-");
        fprintf(f, "%-*s  %-8s  %-11s  %-17s  %-8s  %s\n", (int)w, name,
                hp_audit_state_name(h->state), h->result, match,
                backup_text(h), days);
    }
    for (i = 0; i < a->n; i++) {
        const struct hp_audit_host_st *h = &a->h[i];

        label(h, name, sizeof(name));
        for (k = 0; k < h->nf; k++) {
            if (first)
                fprintf(f, "\nFindings:\n");
            first = 0;
            fprintf(f, "%s: %s %s: %s\n", name,
                    hp_audit_state_name(h->f[k].state), h->f[k].code,
                    h->f[k].msg);
        }
    }
}

static json_object *iso(int64_t t)
{
    char buf[32];
    time_t tt = (time_t)t;
    struct tm tm;

    if (t == 0 || gmtime_r(&tt, &tm) == NULL)
        return NULL;
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_object_new_string(buf);
}

static json_object *rule_json(const struct hp_rule_st *r)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "host", json_object_new_string(r->host));
    json_object_object_add(o, "file", json_object_new_string(r->file));
    json_object_object_add(o, "line", json_object_new_int(r->line));
    json_object_object_add(o, "mode", json_object_new_string(
                               r->mode == HP_MODE_ENFORCE ? "enforce"
                                                          : "report"));
    json_object_object_add(o, "include_subdomains",
                           json_object_new_boolean(r->include_subdomains));
    json_object_object_add(o, "expires", hp_cli_json_str(r->expires_text));
    json_object_object_add(o, "pins", json_object_new_int64(
                                          (int64_t)r->npins));
    json_object_object_add(o, "pins_written", json_object_new_int64(
                                                  (int64_t)r->npins_written));
    return o;
}

static json_object *host_json(const struct hp_audit_host_st *h)
{
    json_object *o = json_object_new_object(), *fs = json_object_new_array();
    size_t k;

    json_object_object_add(o, "host", json_object_new_string(h->t.host));
    json_object_object_add(o, "port", json_object_new_int(atoi(h->t.port)));
    json_object_object_add(o, "connect", hp_cli_json_str(h->t.connect));
    json_object_object_add(o, "address", h->e.conn.address[0]
                               ? json_object_new_string(h->e.conn.address)
                               : NULL);
    json_object_object_add(o, "state", json_object_new_string(
                                           lower(h->state)));
    json_object_object_add(o, "result", json_object_new_string(h->result));
    json_object_object_add(o, "passes", json_object_new_boolean(h->passes));
    json_object_object_add(o, "rule", h->rule ? rule_json(h->rule) : NULL);
    if (h->match_depth >= 0) {
        json_object *m = json_object_new_object();

        json_object_object_add(m, "depth", json_object_new_int(
                                               h->match_depth));
        json_object_object_add(m, "position",
                               json_object_new_string(h->position));
        json_object_object_add(m, "pin", json_object_new_string(
                                             h->match_pin));
        json_object_object_add(m, "subject", json_object_new_string(
                                                 h->match_subject));
        json_object_object_add(m, "not_after", iso(h->match_not_after));
        json_object_object_add(m, "days_left", json_object_new_int64(
                                                   h->match_days));
        json_object_object_add(o, "match", m);
    } else {
        json_object_object_add(o, "match", NULL);
    }
    json_object_object_add(o, "backup", h->rule ? json_object_new_boolean(
                                                      h->backup)
                                                : NULL);
    json_object_object_add(o, "backup_same_key",
                           json_object_new_boolean(h->backup_same_key));
    json_object_object_add(o, "leaf_only",
                           json_object_new_boolean(h->leaf_only));
    json_object_object_add(o, "policy_violation",
                           json_object_new_boolean(h->policy_violation));
    json_object_object_add(o, "rule_expires", iso(h->rule_expires));
    json_object_object_add(o, "chain", h->e.conn.built
                               ? hp_cli_chain_json(h->e.conn.built)
                               : NULL);
    for (k = 0; k < h->nf; k++) {
        json_object *f = json_object_new_object();

        json_object_object_add(f, "state", json_object_new_string(
                                               lower(h->f[k].state)));
        json_object_object_add(f, "code", json_object_new_string(
                                              h->f[k].code));
        json_object_object_add(f, "message", json_object_new_string(
                                                 h->f[k].msg));
        json_object_array_add(fs, f);
    }
    json_object_object_add(o, "findings", fs);
    return o;
}

void hp_audit_print_json(const struct hp_audit_st *a)
{
    json_object *o = json_object_new_object(), *hs = json_object_new_array();
    json_object *counts = json_object_new_object(), *th;
    size_t i;

    json_object_object_add(o, "pins_file", json_object_new_string(a->pins));
    json_object_object_add(o, "time", iso(a->now));
    json_object_object_add(o, "seconds", json_object_new_double(a->seconds));
    json_object_object_add(o, "state", json_object_new_string(
                                           lower(a->state)));
    json_object_object_add(o, "exit", json_object_new_int((int)a->state));
    for (i = 0; i < 4; i++)
        json_object_object_add(counts, lower(by_rank[i]),
                               json_object_new_int64(
                                   (int64_t)count(a, by_rank[i])));
    json_object_object_add(o, "counts", counts);
    th = json_object_new_object();
    json_object_object_add(th, "warn_days", json_object_new_int(a->warn_days));
    json_object_object_add(th, "crit_days", json_object_new_int(a->crit_days));
    json_object_object_add(th, "expires_days",
                           json_object_new_int(a->expires_days));
    json_object_object_add(o, "thresholds", th);
    for (i = 0; i < a->n; i++)
        json_object_array_add(hs, host_json(&a->h[i]));
    json_object_object_add(o, "hosts", hs);
    hp_cli_json_print(o);
}

/* ---- Prometheus text exposition format ------------------------------- */

/* A label value: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

static void family(FILE *f, const char *name, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void sample(FILE *f, const char *name, const struct hp_audit_host_st *h,
                   double v)
{
    fprintf(f, "%s{host=\"", name);
    put_label(f, h->t.host);
    fprintf(f, "\",port=\"%s\"} %.17g\n", h->t.port, v);
}

enum metric { M_STATE, M_REACHABLE, M_PASSES, M_DEPTH, M_EXPIRY, M_DAYS,
              M_BACKUP, M_LEAF, M_POLICY, M_RULE_EXPIRY };

static const struct {
    const char *name, *help;
} metrics[] = {
    [M_STATE] = { "hostpin_audit_state", "Audit state of a pinned host: 0 "
                  "ok, 1 warning, 2 critical, 3 unknown." },
    [M_REACHABLE] = { "hostpin_audit_reachable", "1 if the TLS handshake "
                      "completed and a chain was built." },
    [M_PASSES] = { "hostpin_audit_passes", "1 if the chain satisfies the "
                   "host's rule now, as the hostpin module decides." },
    [M_DEPTH] = { "hostpin_audit_match_depth", "Depth in the built chain of "
                  "the first certificate with a pinned key (0 is the leaf)." },
    [M_EXPIRY] = { "hostpin_audit_match_not_after_seconds", "Expiry (Unix "
                   "time) of the certificate with the matched key." },
    [M_DAYS] = { "hostpin_audit_match_days_left", "Whole days until the "
                 "certificate with the matched key expires." },
    [M_BACKUP] = { "hostpin_audit_backup_pin", "1 if the rule has a pin of "
                   "a key other than the matched one." },
    [M_LEAF] = { "hostpin_audit_leaf_only", "1 if only the leaf's key "
                 "matches (the rule breaks at the next key renewal)." },
    [M_POLICY] = { "hostpin_audit_policy_violation", "1 if the chain breaks "
                   "the chain policy or holds a denied key." },
    [M_RULE_EXPIRY] = { "hostpin_audit_rule_expires_seconds", "The rule's "
                        "expires date (Unix time), for rules that have one." }
};

/* 1 and the value if host h has metric m. */
static int value(const struct hp_audit_host_st *h, enum metric m, double *v)
{
    int match = h->match_depth >= 0, rule = h->rule != NULL;

    switch (m) {
    case M_STATE: *v = h->state; return 1;
    case M_REACHABLE:
        *v = h->e.stage >= HP_EVAL_UNVERIFIED;
        return h->e.stage != HP_EVAL_NO_RULE;
    case M_PASSES: *v = h->passes; return 1;
    case M_DEPTH: *v = h->match_depth; return match;
    case M_EXPIRY: *v = (double)h->match_not_after; return match;
    case M_DAYS: *v = (double)h->match_days; return match;
    case M_BACKUP: *v = h->backup; return rule;
    case M_LEAF: *v = h->leaf_only; return match;
    case M_POLICY: *v = h->policy_violation; return h->e.stage >=
                                                    HP_EVAL_UNVERIFIED;
    case M_RULE_EXPIRY: *v = (double)h->rule_expires;
        return rule && h->rule_expires != 0;
    default: return 0;
    }
}

static void write_metrics(const struct hp_audit_st *a, FILE *f)
{
    size_t m, i;
    double v;

    for (m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
        family(f, metrics[m].name, metrics[m].help);
        for (i = 0; i < a->n; i++)
            if (value(&a->h[i], (enum metric)m, &v))
                sample(f, metrics[m].name, &a->h[i], v);
    }
    family(f, "hostpin_audit_hosts", "Hosts audited, by state.");
    for (i = 0; i < 4; i++)
        fprintf(f, "hostpin_audit_hosts{state=\"%s\"} %zu\n",
                lower(by_rank[i]), count(a, by_rank[i]));
    family(f, "hostpin_audit_last_run_seconds", "When the audit ran (Unix "
           "time).");
    fprintf(f, "hostpin_audit_last_run_seconds %lld\n", (long long)a->now);
    family(f, "hostpin_audit_duration_seconds", "How long the audit took.");
    fprintf(f, "hostpin_audit_duration_seconds %.3f\n", a->seconds);
}

int hp_audit_write_prometheus(const struct hp_audit_st *a, const char *path)
{
    char tmp[4096];
    FILE *f = hp_cli_atomic_open(path, tmp, sizeof(tmp));

    if (f != NULL) {
        write_metrics(a, f);
        if (hp_cli_atomic_commit(f, tmp, path))
            return 1;
    }
    hp_cli_error("audit", "cannot write %s: %s", path, strerror(errno));
    return 0;
}
