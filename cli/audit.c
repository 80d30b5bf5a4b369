/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin audit: every pinned host, connected to in parallel and judged
 * by the module's decision (evaluate.c), with what will break next: a
 * rule that pins only a leaf, no backup key, a certificate or a rule that
 * expires soon, a chain policy broken.  States and exit status are a
 * monitoring plugin's (0 ok, 1 warning, 2 critical, 3 unknown). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit.h"

#define DEFAULT_JOBS 8
#define MAX_JOBS 64
#define MAX_CONNECT 256

static const char usage_text[] =
    "Usage: hostpin audit [OPTION]... [HOST[:PORT]]...\n"
    "Connect to every host of the pins file (or the HOSTs given, or those\n"
    "of --hosts FILE), several at once, and say per host: does the chain\n"
    "pass now (as the hostpin module decides), which pin matched at which\n"
    "position (leaf, intermediate, anchor), is there a backup pin of\n"
    "another key, in how many days the certificate with the matched key\n"
    "expires, and what will break: a rule that pins only the leaf, an\n"
    "`expires` date close, a broken chain policy.  An unreachable host is\n"
    "unknown, never a pass.\n\n"
    "Options:\n"
    "  --pins FILE        the pins file (default: the one the hostpin\n"
    "                     provider uses in this OpenSSL configuration,\n"
    "                     else " HP_DEFAULT_PINS_FILE ")\n"
    "  --hosts FILE       audit the hosts in FILE: one HOST[:PORT] per line,\n"
    "                     optionally followed by ADDR[:PORT] to connect to;\n"
    "                     '#' starts a comment\n"
    "  --connect NAME=ADDR[:PORT]\n"
    "                     connect to ADDR instead of resolving NAME\n"
    "                     (repeatable); ADDR[:PORT] alone: for every host\n"
    "  --port PORT        port of hosts given without one (default 443)\n"
    "  --cafile FILE      trust the CAs in FILE instead of the system's\n"
    "  --timeout SECONDS  per host, for connecting and each step of the\n"
    "                     handshake (default 10)\n"
    "  --jobs N           hosts audited at once (default 8, at most 64)\n"
    "  --warn-days DAYS   warning when the certificate with the matched key\n"
    "                     expires within DAYS (default 30)\n"
    "  --crit-days DAYS   critical within DAYS (default 7)\n"
    "  --expires-days DAYS\n"
    "                     warning when a rule's `expires` date is within\n"
    "                     DAYS (default 30)\n"
    "  --json             print the findings as JSON instead of a table\n"
    "  --prometheus FILE  also write them to FILE for node_exporter's\n"
    "                     textfile collector (replaced atomically)\n"
    "  -h, --help         show this help\n\n"
    "Exit status: the worst state of the hosts: 0 ok, 1 warning, 2\n"
    "critical, 3 unknown (critical outranks unknown, unknown outranks\n"
    "warning); a usage error or an unwritable --prometheus file is 3.\n";

int hp_audit_rank(enum hp_audit_state s)
{
    static const int rank[] = { [HP_AUDIT_OK] = 0, [HP_AUDIT_WARNING] = 1,
                                [HP_AUDIT_UNKNOWN] = 2,
                                [HP_AUDIT_CRITICAL] = 3 };

    return rank[s];
}

const char *hp_audit_state_name(enum hp_audit_state s)
{
    static const char *const name[] = {
        [HP_AUDIT_OK] = "OK", [HP_AUDIT_WARNING] = "WARNING",
        [HP_AUDIT_CRITICAL] = "CRITICAL", [HP_AUDIT_UNKNOWN] = "UNKNOWN"
    };

    return name[s];
}

static void finding(struct hp_audit_host_st *h, enum hp_audit_state st,
                    const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void finding(struct hp_audit_host_st *h, enum hp_audit_state st,
                    const char *code, const char *fmt, ...)
{
    struct hp_audit_finding_st *f;
    va_list ap;

    if (hp_audit_rank(st) > hp_audit_rank(h->state))
        h->state = st;
    if (h->nf == HP_AUDIT_MAX_FINDINGS)
        return;
    f = &h->f[h->nf++];
    f->state = st;
    f->code = code;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
    va_end(ap);
}

static const char *position_of(const struct hp_audit_host_st *h, int depth)
{
    int n = sk_X509_num(h->e.conn.built);

    if (depth == 0)
        return "leaf";
    return depth == n - 1 ? "anchor" : "intermediate";
}

/* Which pin matches where, and what that means for the next renewal. */
static void judge_pins(const struct hp_audit_st *a, struct hp_audit_host_st *h)
{
    const struct hp_rule_st *r = h->rule;
    const struct hp_eval_st *e = &h->e;
    size_t d, others = 0;
    X509 *x;

    h->match_depth = -1;
    for (d = 0; d < e->nchain; d++) {
        if (!hp_rule_has_pin(r, e->chain[d].spki))
            continue;
        if (h->match_depth < 0)
            h->match_depth = (int)d;
        else
            others++;
    }
    if (h->match_depth < 0)
        return;
    x = sk_X509_value(e->conn.built, h->match_depth);
    h->position = position_of(h, h->match_depth);
    hp_pin_format(e->chain[h->match_depth].spki, h->match_pin);
    hp_cli_name(X509_get_subject_name(x), h->match_subject,
                sizeof(h->match_subject));
    {
        struct tm tm;

        if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
            h->match_not_after = (int64_t)timegm(&tm);
    }
    h->match_days = (long)((h->match_not_after - a->now) / 86400);
    if (h->match_not_after <= a->now)
        h->match_days = -1;
    h->leaf_only = h->match_depth == 0 && others == 0 && e->nchain > 1;
}

/* What the rule itself promises, reachable server or not. */
static void judge_backup(struct hp_audit_host_st *h)
{
    h->backup = h->rule->npins >= 2;
    h->backup_same_key = h->rule->npins == 1 && h->rule->npins_written > 1;
    if (h->backup_same_key)
        finding(h, HP_AUDIT_WARNING, "no-backup", "the rule's %zu pins are "
                "all the same key (%s:%d): there is no backup; add the pin "
                "of a key not in use yet, kept offline", h->rule->npins_written,
                h->rule->file, h->rule->line);
    else if (!h->backup)
        finding(h, HP_AUDIT_WARNING, "no-backup", "the rule has a single pin "
                "(%s:%d): a lost or replaced key breaks every connection; "
                "add the pin of a key not in use yet, kept offline",
                h->rule->file, h->rule->line);
}

static void judge_dates(const struct hp_audit_st *a, struct hp_audit_host_st *h)
{
    if (h->match_depth >= 0 && h->match_days <= a->crit_days)
        finding(h, HP_AUDIT_CRITICAL, "certificate-expiring",
                "the %s certificate with the matched key (%s) expires in %ld "
                "day%s (critical within %d)", h->position, h->match_subject,
                h->match_days, h->match_days == 1 ? "" : "s", a->crit_days);
    else if (h->match_depth >= 0 && h->match_days <= a->warn_days)
        finding(h, HP_AUDIT_WARNING, "certificate-expiring",
                "the %s certificate with the matched key (%s) expires in %ld "
                "day%s (warning within %d): make sure its successor keeps a "
                "pinned key", h->position, h->match_subject, h->match_days,
                h->match_days == 1 ? "" : "s", a->warn_days);
}

static void judge_rule_expiry(const struct hp_audit_st *a,
                              struct hp_audit_host_st *h)
{
    const struct hp_rule_st *r = h->rule;

    h->rule_expires = r->expires;
    if (r->expires != 0 && r->expires > a->now &&
        r->expires - a->now <= (int64_t)a->expires_days * 86400)
        finding(h, HP_AUDIT_WARNING, "rule-expires-soon",
                "the rule expires on %s (%s:%d), in %lld day(s); after it "
                "the host is not pinned: check the pins and move the date",
                r->expires_text, r->file, r->line,
                (long long)((r->expires - a->now) / 86400));
}

/* The verdict of a host that was decided. */
static void judge_verdict(struct hp_audit_host_st *h)
{
    const struct hp_verdict_st *v = &h->e.v;
    char why[1024];

    if (h->e.stage == HP_EVAL_UNVERIFIED) {
        h->result = "untrusted";
        finding(h, HP_AUDIT_CRITICAL, "untrusted", "OpenSSL rejects the "
                "server's certificate (%s at depth %d): every client refuses "
                "it, pins or not", hp_cli_verify_error(hp_cli_eval_error(
                                      &h->e)), h->e.conn.first_error_depth);
        return;
    }
    switch (v->outcome) {
    case HP_PASS:
        h->result = "pass";
        h->passes = 1;
        return;
    case HP_FAIL:
    case HP_REPORT:
        hp_cli_verdict_text(&h->e, why, sizeof(why));
        h->policy_violation = v->why == HP_WHY_POLICY ||
                              v->why == HP_WHY_DENY;
        if (v->outcome == HP_FAIL) {
            h->result = "fail";
            finding(h, HP_AUDIT_CRITICAL, hp_cli_why_name(v->why), "%s: "
                    "programs using hostpin refuse this server", why);
        } else {
            h->result = "report";
            finding(h, HP_AUDIT_WARNING, hp_cli_why_name(v->why), "%s: "
                    "allowed and logged in report mode, refused once "
                    "enforced", why);
        }
        return;
    case HP_UNPINNED:
    default:
        break;
    }
    if (v->exempt) {
        h->result = "exempt";
        h->passes = 1;
        finding(h, HP_AUDIT_OK, "exempt", "the trust anchor is an allowed "
                "interception CA (allow_interception): pins not applied");
    } else if (h->rule != NULL && v->expired != NULL) {
        h->result = "expired";
        finding(h, HP_AUDIT_WARNING, "rule-expired", "the rule expired on %s "
                "(%s:%d): the host is not pinned", h->rule->expires_text,
                h->rule->file, h->rule->line);
    } else {
        h->result = "no-rule";
    }
}

static void audit_one(const struct hp_audit_st *a, struct hp_audit_host_st *h)
{
    const char *names[1] = { h->t.host };

    h->state = HP_AUDIT_OK;
    h->match_depth = -1;
    hp_cli_evaluate(a->ps, &h->t, names, 1, a->now, &h->e);
    h->rule = h->e.rule;
    switch (h->e.stage) {
    case HP_EVAL_NO_RULE:
        h->result = "no-rule";
        finding(h, HP_AUDIT_WARNING, "no-rule", "%s has no rule for this "
                "name: programs do not pin it", a->pins);
        return;
    case HP_EVAL_CONNECT:
    case HP_EVAL_NO_CHAIN:
        h->result = "unreachable";
        finding(h, HP_AUDIT_UNKNOWN, "unreachable", "%s",
                h->e.stage == HP_EVAL_CONNECT ? h->e.conn.error
                                              : "OpenSSL built no chain");
        if (h->rule != NULL) {
            judge_backup(h);
            judge_rule_expiry(a, h);
        }
        return;
    default:
        break;
    }
    judge_verdict(h);
    if (h->rule == NULL) {
        if (strcmp(h->result, "no-rule") == 0)
            finding(h, HP_AUDIT_WARNING, "no-rule", "%s has no rule for this "
                    "name: programs do not pin it", a->pins);
        return;
    }
    judge_pins(a, h);
    if (h->leaf_only)
        finding(h, HP_AUDIT_WARNING, "leaf-only", "only the leaf's key "
                "matches (%s): the rule breaks when the certificate is "
                "renewed with a new key; pin the intermediate or root key "
                "too", h->match_pin);
    judge_backup(h);
    judge_dates(a, h);
    judge_rule_expiry(a, h);
}

struct pool {
    struct hp_audit_st *a;
    pthread_mutex_t lock;
    size_t next;
};

static void *worker(void *arg)
{
    struct pool *p = arg;

    for (;;) {
        size_t i;

        pthread_mutex_lock(&p->lock);
        i = p->next++;
        pthread_mutex_unlock(&p->lock);
        if (i >= p->a->n)
            return NULL;
        audit_one(p->a, &p->a->h[i]);
    }
}

/* At most `jobs` hosts at once; the calling thread works too. */
static void run_pool(struct hp_audit_st *a, int jobs)
{
    pthread_t th[MAX_JOBS];
    struct pool p = { a, PTHREAD_MUTEX_INITIALIZER, 0 };
    int i, started = 0;

    if ((size_t)jobs > a->n)
        jobs = (int)a->n;
    for (i = 1; i < jobs; i++)
        if (pthread_create(&th[started], NULL, worker, &p) == 0)
            started++;
    worker(&p);
    for (i = 0; i < started; i++)
        pthread_join(th[i], NULL);
}

struct opts {
    const char *pins, *hosts, *prom, *port;
    const char *connect_all;
    struct { const char *name; size_t len; const char *addr; } map[MAX_CONNECT];
    size_t nmap;
    struct hp_target_st tls; /* --cafile, --timeout */
    int json, jobs;
};

static int add_host(struct hp_audit_st *a, size_t *cap, const struct opts *o,
                    const char *target, const char *addr)
{
    struct hp_audit_host_st *h;
    size_t i, len;

    if (a->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        struct hp_audit_host_st *n = realloc(a->h, ncap * sizeof(*n));

        if (n == NULL)
            return 0;
        a->h = n;
        *cap = ncap;
    }
    h = &a->h[a->n];
    memset(h, 0, sizeof(*h));
    h->t = o->tls;
    snprintf(h->t.port, sizeof(h->t.port), "%s", o->port);
    if (!hp_cli_parse_target("audit", target, &h->t))
        return -1;
    len = strlen(h->t.host);
    if (addr == NULL)
        for (i = 0; i < o->nmap && addr == NULL; i++)
            if (o->map[i].len == len &&
                strncasecmp(o->map[i].name, h->t.host, len) == 0)
                addr = o->map[i].addr;
    if (addr == NULL)
        addr = o->connect_all;
    if (addr != NULL) {
        snprintf(h->connect, sizeof(h->connect), "%s", addr);
        h->t.connect = h->connect;
    }
    a->n++;
    return 1;
}

/* --hosts FILE: HOST[:PORT] [ADDR[:PORT]] per line, '#' comments. */
static int read_hosts(struct hp_audit_st *a, size_t *cap,
                      const struct opts *o)
{
    FILE *f = fopen(o->hosts, "r");
    char line[1024];
    int lineno = 0, rc = 1;

    if (f == NULL) {
        hp_cli_error("audit", "cannot read %s: %s", o->hosts, strerror(errno));
        return -1;
    }
    while (rc == 1 && fgets(line, sizeof(line), f) != NULL) {
        char *hash = strchr(line, '#'), *host, *addr, *extra, *save = NULL;

        lineno++;
        if (hash != NULL)
            *hash = '\0';
        if ((host = strtok_r(line, " \t\r\n", &save)) == NULL)
            continue;
        addr = strtok_r(NULL, " \t\r\n", &save);
        extra = strtok_r(NULL, " \t\r\n", &save);
        if (extra != NULL) {
            hp_cli_error("audit", "%s:%d: expected HOST[:PORT] [ADDR[:PORT]], "
                         "not a third word '%s'", o->hosts, lineno, extra);
            rc = -1;
            break;
        }
        rc = add_host(a, cap, o, host, addr);
        if (rc < 0)
            hp_cli_error("audit", "%s:%d: see above", o->hosts, lineno);
    }
    fclose(f);
    return rc;
}

/* Every rule of the pins file, in the file's order. */
static int rule_hosts(struct hp_audit_st *a, size_t *cap, const struct opts *o)
{
    size_t i;
    int rc = 1;

    for (i = 0; i < a->ps->nrules && rc == 1; i++) {
        const struct hp_rule_st *r = &a->ps->rules[i];
        char target[HP_NAME_MAX + 4];

        /* An IPv6 literal needs brackets, or its colons read as a port. */
        snprintf(target, sizeof(target), strchr(r->host, ':') ? "[%s]" : "%s",
                 r->host);
        rc = add_host(a, cap, o, target, NULL);
    }
    return rc;
}

static int number(const char *opt, const char *arg, long lo, long hi, int *out)
{
    char *end;
    long v = strtol(arg, &end, 10);

    if (*arg == '\0' || *end != '\0' || v < lo || v > hi) {
        hp_cli_usage("audit", "%s wants a whole number from %ld to %ld, not "
                              "'%s'", opt, lo, hi, arg);
        return 0;
    }
    *out = (int)v;
    return 1;
}

static int parse(int argc, char **argv, struct opts *o, struct hp_audit_st *a)
{
    enum { OPT_PINS = HP_OPT_FIRST_FREE, OPT_HOSTS, OPT_PORT, OPT_JOBS,
           OPT_WARN, OPT_CRIT, OPT_EXPIRES, OPT_JSON, OPT_PROM };
    static const struct option opts[] = {
        { "pins", required_argument, NULL, OPT_PINS },
        { "hosts", required_argument, NULL, OPT_HOSTS },
        { "connect", required_argument, NULL, HP_OPT_CONNECT },
        { "port", required_argument, NULL, OPT_PORT },
        { "cafile", required_argument, NULL, HP_OPT_CAFILE },
        { "timeout", required_argument, NULL, HP_OPT_TIMEOUT },
        { "jobs", required_argument, NULL, OPT_JOBS },
        { "warn-days", required_argument, NULL, OPT_WARN },
        { "crit-days", required_argument, NULL, OPT_CRIT },
        { "expires-days", required_argument, NULL, OPT_EXPIRES },
        { "json", no_argument, NULL, OPT_JSON },
        { "prometheus", required_argument, NULL, OPT_PROM },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int c, port;
    const char *eq;

    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case HP_OPT_CAFILE:
        case HP_OPT_TIMEOUT:
            if (hp_cli_tls_option("audit", &o->tls, c, optarg) < 0)
                return 0;
            break;
        case HP_OPT_CONNECT:
            if ((eq = strchr(optarg, '=')) == NULL) {
                o->connect_all = optarg;
            } else if (o->nmap == MAX_CONNECT || eq == optarg) {
                hp_cli_usage("audit", eq == optarg
                                          ? "--connect NAME=ADDR: the NAME "
                                            "is empty"
                                          : "at most %d --connect options",
                             MAX_CONNECT);
                return 0;
            } else {
                o->map[o->nmap].name = optarg;
                o->map[o->nmap].len = (size_t)(eq - optarg);
                o->map[o->nmap++].addr = eq + 1;
            }
            break;
        case OPT_PINS: o->pins = optarg; break;
        case OPT_HOSTS: o->hosts = optarg; break;
        case OPT_PORT:
            if (!number("--port", optarg, 1, 65535, &port))
                return 0;
            o->port = optarg;
            break;
        case OPT_JOBS:
            if (!number("--jobs", optarg, 1, MAX_JOBS, &o->jobs))
                return 0;
            break;
        case OPT_WARN:
            if (!number("--warn-days", optarg, 0, 36500, &a->warn_days))
                return 0;
            break;
        case OPT_CRIT:
            if (!number("--crit-days", optarg, 0, 36500, &a->crit_days))
                return 0;
            break;
        case OPT_EXPIRES:
            if (!number("--expires-days", optarg, 0, 36500, &a->expires_days))
                return 0;
            break;
        case OPT_JSON: o->json = 1; break;
        case OPT_PROM: o->prom = optarg; break;
        case 'h':
            fputs(usage_text, stdout);
            return -1;
        default:
            hp_cli_bad_option("audit", argv, c);
            return 0;
        }
    }
    if (a->crit_days > a->warn_days) {
        hp_cli_usage("audit", "--crit-days (%d) must not exceed --warn-days "
                              "(%d)", a->crit_days, a->warn_days);
        return 0;
    }
    return 1;
}

static void audit_free(struct hp_audit_st *a)
{
    size_t i;

    for (i = 0; i < a->n; i++)
        hp_cli_eval_free(&a->h[i].e);
    free(a->h);
    hp_pinset_free(a->ps);
}

static double since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int hp_cli_audit(int argc, char **argv)
{
    struct hp_audit_st a;
    struct opts o;
    struct hp_error_st err;
    struct timespec t0;
    char buf[1024], pins[1024];
    size_t cap = 0, i;
    int rc = 1;

    memset(&a, 0, sizeof(a));
    memset(&o, 0, sizeof(o));
    a.warn_days = 30;
    a.crit_days = 7;
    a.expires_days = 30;
    o.port = "443";
    o.jobs = DEFAULT_JOBS;
    hp_cli_target_init(&o.tls);
    switch (parse(argc, argv, &o, &a)) {
    case -1:
        return 0;
    case 0:
        return HP_AUDIT_UNKNOWN;
    default:
        break;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    a.now = (int64_t)time(NULL);
    a.pins = o.pins ? o.pins : hp_cli_default_pins(pins, sizeof(pins));
    if (!hp_conf_load_file(a.pins, &a.ps, &err)) {
        hp_error_format(&err, buf, sizeof(buf));
        printf("HOSTPIN CRITICAL - the pins file is unusable: %s (where "
               "hostpin uses it, every TLS client verification fails or "
               "nothing is pinned; run hostpin lint %s)\n", buf, a.pins);
        return HP_AUDIT_CRITICAL;
    }
    for (i = (size_t)optind; i < (size_t)argc && rc == 1; i++)
        rc = add_host(&a, &cap, &o, argv[i], NULL);
    if (rc == 1 && o.hosts != NULL)
        rc = read_hosts(&a, &cap, &o);
    if (rc == 1 && optind == argc && o.hosts == NULL)
        rc = rule_hosts(&a, &cap, &o);
    if (rc != 1) {
        if (rc == 0)
            hp_cli_error("audit", "out of memory");
        audit_free(&a);
        return HP_AUDIT_UNKNOWN;
    }
    if (a.n == 0) {
        printf("HOSTPIN UNKNOWN - no host to audit (%s has no rule)\n",
               a.pins);
        audit_free(&a);
        return HP_AUDIT_UNKNOWN;
    }
    run_pool(&a, o.jobs);
    a.seconds = since(&t0);
    a.state = HP_AUDIT_OK;
    for (i = 0; i < a.n; i++)
        if (hp_audit_rank(a.h[i].state) > hp_audit_rank(a.state))
            a.state = a.h[i].state;
    if (o.json)
        hp_audit_print_json(&a);
    else
        hp_audit_print_table(&a, stdout);
    rc = a.state;
    if (o.prom != NULL && !hp_audit_write_prometheus(&a, o.prom))
        rc = HP_AUDIT_UNKNOWN;
    audit_free(&a);
    return rc;
}
