/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin suggest: learn pins from report mode.  Each report of a host in
 * report mode carries the chain OpenSSL built; suggest verifies it again
 * (the module writes the report before OpenSSL checks the signatures, so
 * the chain is only a claim until then), counts the keys of the chains
 * that verify, and proposes per host the CA key found in every chain,
 * nearest the leaf, plus the current leaf key as backup candidate, with
 * counts and first/last seen as comments.  The proposal is linted with
 * the loader's own rules before it is handed over. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "logmsg.h"
#include "reports.h"

#define MAX_SOURCES 16

static const char usage_text[] =
    "Usage: hostpin suggest [OPTION]...\n"
    "Read the JSON reports that hosts in report mode produce (the pins\n"
    "file's report = { file = ...; }, and with syslog = true the journal\n"
    "where journald runs) and write a pins file proposal: per\n"
    "host, the intermediate or root key found in every validated chain,\n"
    "plus the leaf's key as backup candidate, with counts and first/last\n"
    "seen as comments, then the findings of hostpin lint on the result.\n"
    "Each chain is verified again (--cafile, else the system's CAs, at\n"
    "the time of the report, for the host's name); chains that do not\n"
    "verify, exemptions and reports of enforced rules are left out.\n\n"
    "Options:\n"
    "  --pins FILE        the pins file whose reports to read (default:\n"
    "                     the one the hostpin provider uses in this OpenSSL\n"
    "                     configuration, else " HP_DEFAULT_PINS_FILE ")\n"
    "  --reports FILE     read FILE instead of the pins file's report file\n"
    "                     (repeatable; JSON lines, or syslog text with\n"
    "                     \"hostpin-report:\" lines)\n"
    "  --journal          read the reports in the journal too\n"
    "  --directory DIR    read the reports in the journal files in DIR\n"
    "  --cafile FILE      trust the CAs in FILE instead of the system's\n"
    "  --min-chains N     propose pins only for hosts seen in at least N\n"
    "                     validated chains (default 1)\n"
    "  -o, --output FILE  write the proposal to FILE (default: standard\n"
    "                     output)\n"
    "  -h, --help         show this help\n\n"
    "Exit status: 0 a proposal without lint errors, 1 nothing to propose,\n"
    "the reports cannot be read, or lint finds errors, 64 usage error.\n";

/* One distinct key seen in a host's chains. */
struct key {
    hp_digest d;
    int depth;        /* lowest depth seen at */
    int anchor;       /* seen as a chain's last certificate */
    size_t count;     /* chains it is in */
    int64_t first, last;
    char subject[256];
};

/* One validated chain of a host: its keys, as indexes into host.k. */
struct chain {
    int64_t when;
    size_t n;
    size_t *k;
};

struct host {
    char name[HP_NAME_MAX];
    int include_subdomains;
    size_t nchains;
    int64_t first, last;
    struct key *k;
    size_t nk, capk;
    struct chain *c; /* nchains of them, in the order read */
    size_t capc;
};

struct learn {
    struct host *h;
    size_t n, cap;
    X509_STORE *store;
    size_t nread, nbad, nunverified, nexempt, nenforce;
    char last_skip[768]; /* the last chain left out, and why */
};

static struct host *host_of(struct learn *l, const struct hp_report_st *r)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (strcmp(l->h[i].name, r->host) == 0)
            return &l->h[i];
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        struct host *n = realloc(l->h, ncap * sizeof(*n));

        if (n == NULL)
            return NULL;
        l->h = n;
        l->cap = ncap;
    }
    memset(&l->h[l->n], 0, sizeof(l->h[0]));
    snprintf(l->h[l->n].name, sizeof(l->h[0].name), "%s", r->host);
    return &l->h[l->n++];
}

/* Count x's key in h; its index in h->k, or -1 if out of memory. */
static long add_key(struct host *h, X509 *x, int depth, int anchor,
                    int64_t when)
{
    struct key *k = NULL;
    hp_digest d;
    size_t i;

    if (!hp_cli_x509_pin(x, d))
        return -1;
    for (i = 0; i < h->nk && k == NULL; i++)
        if (memcmp(h->k[i].d, d, HP_DIGEST_LEN) == 0)
            k = &h->k[i];
    if (k == NULL) {
        if (h->nk == h->capk) {
            size_t ncap = h->capk ? h->capk * 2 : 8;
            struct key *n = realloc(h->k, ncap * sizeof(*n));

            if (n == NULL)
                return -1;
            h->k = n;
            h->capk = ncap;
        }
        k = &h->k[h->nk++];
        memset(k, 0, sizeof(*k));
        memcpy(k->d, d, HP_DIGEST_LEN);
        k->depth = depth;
        k->first = when;
    }
    hp_cli_name(X509_get_subject_name(x), k->subject, sizeof(k->subject));
    if (depth < k->depth)
        k->depth = depth;
    k->anchor |= anchor;
    k->count++;
    if (when < k->first)
        k->first = when;
    if (when > k->last)
        k->last = when;
    return (long)(k - h->k);
}

/* Verify the reported chain as a client would have at the time of the
 * report; the chain OpenSSL builds now, or NULL with *why. */
static STACK_OF(X509) *verify(struct learn *l, const struct hp_report_st *r,
                              char *why, size_t wlen)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_VERIFY_PARAM *vp;
    STACK_OF(X509) *built = NULL;
    X509 *leaf = sk_X509_value(r->chain, 0);

    if (ctx == NULL ||
        !X509_STORE_CTX_init(ctx, l->store, leaf, r->chain)) {
        snprintf(why, wlen, "out of memory");
        goto out;
    }
    vp = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(vp, (time_t)r->when);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    if (r->is_ip)
        X509_VERIFY_PARAM_set1_ip_asc(vp, r->hostname);
    else
        X509_VERIFY_PARAM_set1_host(vp, r->hostname, 0);
    if (X509_verify_cert(ctx) != 1) {
        snprintf(why, wlen, "%s", X509_verify_cert_error_string(
                                      X509_STORE_CTX_get_error(ctx)));
        goto out;
    }
    built = X509_STORE_CTX_get1_chain(ctx);
out:
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return built;
}

static void skip(struct learn *l, size_t *counter, const char *where,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void skip(struct learn *l, size_t *counter, const char *where,
                 const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    (*counter)++;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(l->last_skip, sizeof(l->last_skip), "%s: %s", where, msg);
}

static int learn_one(struct learn *l, const struct hp_report_st *r,
                     const char *where)
{
    STACK_OF(X509) *built;
    struct host *h;
    struct chain *c;
    char why[256];
    int i, n, ok = 1;

    if (strcmp(r->outcome, "exempt") == 0) {
        /* An interception CA's chain must never become a pin. */
        skip(l, &l->nexempt, where, "an allowed interception CA's chain");
        return 1;
    }
    if (strcmp(r->mode, "report") != 0) {
        skip(l, &l->nenforce, where, "a rule in %s mode",
             r->mode[0] ? r->mode : "unknown");
        return 1;
    }
    if ((built = verify(l, r, why, sizeof(why))) == NULL) {
        skip(l, &l->nunverified, where, "the chain for \"%s\" does not "
             "verify: %s", r->hostname, why);
        return 1;
    }
    if ((h = host_of(l, r)) == NULL) {
        sk_X509_pop_free(built, X509_free);
        return 0;
    }
    if (h->nchains == h->capc) {
        size_t ncap = h->capc ? h->capc * 2 : 16;
        struct chain *nc = realloc(h->c, ncap * sizeof(*nc));

        if (nc == NULL) {
            sk_X509_pop_free(built, X509_free);
            return 0;
        }
        h->c = nc;
        h->capc = ncap;
    }
    h->include_subdomains |= r->include_subdomains;
    if (h->nchains == 0 || r->when < h->first)
        h->first = r->when;
    if (r->when > h->last)
        h->last = r->when;
    n = sk_X509_num(built);
    c = &h->c[h->nchains];
    c->when = r->when;
    c->n = 0;
    if ((c->k = calloc((size_t)n, sizeof(*c->k))) == NULL) {
        sk_X509_pop_free(built, X509_free);
        return 0;
    }
    h->nchains++;
    for (i = 0; i < n && ok; i++) {
        long k = add_key(h, sk_X509_value(built, i), i, i == n - 1 && n > 1,
                         r->when);

        ok = k >= 0;
        c->k[c->n++] = (size_t)k;
    }
    sk_X509_pop_free(built, X509_free);
    return ok;
}

static int read_source(struct learn *l, struct hp_report_src_st *s)
{
    char where[1100], why[256];
    const char *text;
    int rc;

    while ((rc = s->next(s, &text, where, sizeof(where))) == 1) {
        struct hp_report_st r;

        l->nread++;
        if (!hp_report_parse(text, &r, why, sizeof(why))) {
            skip(l, &l->nbad, where, "%s", why);
            continue;
        }
        rc = learn_one(l, &r, where);
        hp_report_clear(&r);
        if (!rc) {
            hp_cli_error("suggest", "out of memory");
            return 0;
        }
    }
    if (rc < 0)
        hp_cli_error("suggest", "%s", where);
    return rc == 0;
}

static void when(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL ||
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "?");
}

static const char *role(const struct key *k)
{
    return k->depth == 0 ? "leaf" : k->anchor ? "root" : "intermediate";
}

static void key_comment(FILE *f, const struct host *h, const struct key *k,
                        const char *indent, const char *note)
{
    char a[32], b[32];

    when(k->first, a, sizeof(a));
    when(k->last, b, sizeof(b));
    fprintf(f, "%s# %s %s%s: in %zu of %zu chains, first seen %s, last "
            "seen %s\n", indent, role(k), k->subject, note, k->count,
            h->nchains, a, b);
}

/* The CA key to pin: in every chain and nearest the leaf; failing that,
 * in the most chains.  NULL if the chains have no CA key (one
 * self-signed certificate). */
static const struct key *pick_ca(const struct host *h)
{
    const struct key *best = NULL;
    size_t i;

    for (i = 0; i < h->nk; i++) {
        const struct key *k = &h->k[i];

        if (k->depth == 0)
            continue;
        if (best == NULL || k->count > best->count ||
            (k->count == best->count && k->depth < best->depth))
            best = k;
    }
    return best;
}

/* The backup candidate: the leaf key of the latest chain that has the
 * pinned CA key (the leaf in use now under that CA, not whatever chain
 * came last). */
static const struct key *pick_leaf(const struct host *h, const struct key *ca)
{
    const struct chain *best = NULL;
    size_t i, j;

    for (i = 0; i < h->nchains; i++) {
        const struct chain *c = &h->c[i];
        int has = ca == NULL;

        for (j = 1; j < c->n && !has; j++)
            has = &h->k[c->k[j]] == ca;
        if (has && c->n > 0 && (best == NULL || c->when >= best->when))
            best = c;
    }
    return best != NULL ? &h->k[best->k[0]] : NULL;
}

static void write_host(FILE *f, const struct host *h, int last)
{
    const struct key *ca = pick_ca(h), *leaf = pick_leaf(h, ca);
    char pin[HP_PIN_STRLEN], a[32], b[32];
    size_t i;

    when(h->first, a, sizeof(a));
    when(h->last, b, sizeof(b));
    fprintf(f, "  {\n    # %zu validated chain%s, first seen %s, last seen "
            "%s\n", h->nchains, h->nchains == 1 ? "" : "s", a, b);
    if (ca != NULL && ca->count < h->nchains)
        fprintf(f, "    # REVIEW: no CA key is in every chain; the one in "
                "the most chains is pinned.\n    # Find out why the "
                "others differ before enforcing (a second CA? an "
                "interception?).\n");
    fprintf(f, "    host = \"%s\";\n", h->name);
    if (h->include_subdomains)
        fprintf(f, "    include_subdomains = true;\n");
    fprintf(f, "    pins = [\n");
    if (ca != NULL) {
        hp_pin_format(ca->d, pin);
        key_comment(f, h, ca, "      ", "");
        fprintf(f, "      \"%s\"%s\n", pin, leaf != NULL ? "," : "");
    }
    if (leaf != NULL) {
        hp_pin_format(leaf->d, pin);
        key_comment(f, h, leaf, "      ", " (backup candidate; better: the "
                                          "key of the next certificate, "
                                          "made now and kept offline)");
        fprintf(f, "      \"%s\"\n", pin);
    }
    fprintf(f, "    ];\n");
    for (i = 0; i < h->nk; i++)
        if (&h->k[i] != ca && &h->k[i] != leaf)
            key_comment(f, h, &h->k[i], "    ", " (also seen, not pinned)");
    fprintf(f, "  }%s\n", last ? "" : ",");
}

/* Hosts with enough chains to propose pins for. */
static size_t proposed(const struct learn *l, size_t min)
{
    size_t i, n = 0;

    for (i = 0; i < l->n; i++)
        n += l->h[i].nchains >= min;
    return n;
}

/* The proposal, to f. */
static void write_proposal(FILE *f, const struct learn *l, size_t min,
                             const struct hp_pinset_st *ps,
                             const char *const *src, size_t nsrc)
{
    char now[32];
    size_t i, n = 0, k;

    when((int64_t)time(NULL), now, sizeof(now));
    fprintf(f, "# Pins proposed by hostpin suggest on %s from %zu "
            "report%s in", now, l->nread, l->nread == 1 ? "" : "s");
    for (i = 0; i < nsrc; i++)
        fprintf(f, " %s", src[i]);
    fprintf(f, ".\n# Review, then: hostpin lint FILE; hostpin check HOST "
            "--pins FILE; install it.\n");
    if (l->nunverified + l->nexempt + l->nenforce + l->nbad > 0)
        fprintf(f, "# Left out: %zu chain%s that did not verify, %zu "
                "exemption%s, %zu report%s of enforced rules, %zu "
                "unreadable; the last: %s\n", l->nunverified,
                l->nunverified == 1 ? "" : "s", l->nexempt,
                l->nexempt == 1 ? "" : "s", l->nenforce,
                l->nenforce == 1 ? "" : "s", l->nbad, l->last_skip);
    n = proposed(l, min);
    fprintf(f, "version = 1;\nmode = \"enforce\";\nhosts = (\n");
    for (i = 0, k = 0; i < l->n; i++)
        if (l->h[i].nchains >= min)
            write_host(f, &l->h[i], ++k == n);
    fprintf(f, ");\n");
    for (i = 0; i < l->n; i++)
        if (l->h[i].nchains < min)
            fprintf(f, "# %s: only %zu validated chain%s (--min-chains "
                    "%zu): nothing proposed yet\n", l->h[i].name,
                    l->h[i].nchains, l->h[i].nchains == 1 ? "" : "s", min);
    for (i = 0; ps != NULL && ps->rules != NULL && i < ps->nrules; i++) {
        const struct hp_rule_st *r = &ps->rules[i];
        size_t j;
        int seen = 0;

        for (j = 0; j < l->n; j++)
            seen |= strcmp(l->h[j].name, r->host) == 0;
        if (r->mode == HP_MODE_REPORT && !seen)
            fprintf(f, "# %s (%s:%d) is in report mode but has no report "
                    "yet: keep it there a while longer (a chain that "
                    "matches its pins is not reported)\n", r->host, r->file,
                    r->line);
    }
}

struct lint_out {
    FILE *f;
    const char *name, *tmp;
    int nerr, nwarn;
};

static void on_lint(const struct hp_lint_item_st *it, void *arg)
{
    struct lint_out *lo = arg;
    int err = hp_lint_is_error(it->code);
    const char *file = strcmp(it->file, lo->tmp) == 0 ? lo->name : it->file;

    if (err)
        lo->nerr++;
    else
        lo->nwarn++;
    fprintf(stderr, "%s:%d: %s: %s\n", file, it->line,
            err ? "error" : "warning", it->msg);
    fprintf(lo->f, "# hostpin lint: line %d: %s: %s\n", it->line,
            err ? "error" : "warning", it->msg);
}

/* Write to `out` (or stdout) through a temporary file in its folder:
 * lint that file, append the findings, then rename it (or print it). */
static int emit(const struct learn *l, size_t min,
                const struct hp_pinset_st *ps, const char *const *src,
                size_t nsrc, const char *out)
{
    struct hp_lint_opts_st lopt = { (int64_t)time(NULL), 30 };
    struct lint_out lo = { NULL, out ? out : "(proposal)", NULL, 0, 0 };
    const char *tmpdir = getenv("TMPDIR");
    char tmp[4096], path[4096];
    int ok;
    FILE *f;

    snprintf(path, sizeof(path), "%s/hostpin-suggest",
             tmpdir != NULL && *tmpdir ? tmpdir : "/tmp");
    if ((f = hp_cli_atomic_open(out ? out : path, tmp, sizeof(tmp))) ==
        NULL) {
        hp_cli_error("suggest", "cannot write %s: %s", out ? out : path,
                     strerror(errno));
        return 1;
    }
    lo.f = f;
    lo.tmp = tmp;
    write_proposal(f, l, min, ps, src, nsrc);
    ok = fflush(f) == 0;
    if (ok)
        hp_conf_lint_file(tmp, &lopt, on_lint, &lo, NULL);
    if (ok && out == NULL) {
        char buf[8192];
        size_t r;

        ok = fflush(f) == 0;
        rewind(f);
        while (ok && (r = fread(buf, 1, sizeof(buf), f)) > 0)
            ok = fwrite(buf, 1, r, stdout) == r;
    }
    if (!hp_cli_atomic_commit(f, tmp, out) || !ok) {
        hp_cli_error("suggest", "cannot write %s: %s", out ? out : "the "
                     "proposal", strerror(errno));
        if (out == NULL)
            unlink(tmp);
        return 1;
    }
    if (out == NULL)
        unlink(tmp);
    fprintf(stderr, "hostpin suggest: %zu host%s proposed from %zu "
            "report%s; lint: %d error%s, %d warning%s\n", proposed(l, min),
            proposed(l, min) == 1 ? "" : "s", l->nread,
            l->nread == 1 ? "" : "s", lo.nerr, lo.nerr == 1 ? "" : "s",
            lo.nwarn, lo.nwarn == 1 ? "" : "s");
    return lo.nerr > 0;
}

static void learn_free(struct learn *l)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        size_t j;

        for (j = 0; j < l->h[i].nchains; j++)
            free(l->h[i].c[j].k);
        free(l->h[i].k);
        free(l->h[i].c);
    }
    free(l->h);
    X509_STORE_free(l->store);
}

int hp_cli_suggest(int argc, char **argv)
{
    enum { OPT_PINS = 256, OPT_REPORTS, OPT_CAFILE, OPT_MIN, OPT_JOURNAL,
           OPT_DIR };
    static const struct option opts[] = {
        { "pins", required_argument, NULL, OPT_PINS },
        { "reports", required_argument, NULL, OPT_REPORTS },
        { "journal", no_argument, NULL, OPT_JOURNAL },
        { "directory", required_argument, NULL, OPT_DIR },
        { "cafile", required_argument, NULL, OPT_CAFILE },
        { "min-chains", required_argument, NULL, OPT_MIN },
        { "output", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *pins = NULL, *cafile = NULL, *out = NULL, *jdir = NULL;
    const char *src[MAX_SOURCES + 1]; /* and the journal */
    struct hp_pinset_st *ps = NULL;
    struct hp_error_st err;
    struct learn l;
    size_t nsrc = 0, i, min = 1;
    char buf[1024], pbuf[1024], *end;
    int c, rc = 1, journal = 0;
    long v;

    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case OPT_PINS: pins = optarg; break;
        case OPT_REPORTS:
            if (nsrc == MAX_SOURCES)
                return hp_cli_usage("suggest", "at most %d --reports",
                                    MAX_SOURCES);
            src[nsrc++] = optarg;
            break;
        case OPT_CAFILE: cafile = optarg; break;
        case OPT_JOURNAL: journal = 1; break;
        case OPT_DIR: journal = 1; jdir = optarg; break;
        case OPT_MIN:
            v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v < 1 || v > 1000000)
                return hp_cli_usage("suggest", "--min-chains wants a number "
                                               "from 1 to 1000000, not '%s'",
                                    optarg);
            min = (size_t)v;
            break;
        case 'o': out = optarg; break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            return hp_cli_bad_option("suggest", argv, c);
        }
    }
    if (optind < argc)
        return hp_cli_usage("suggest", "unexpected argument '%s'",
                            argv[optind]);
    if (pins == NULL)
        pins = hp_cli_default_pins(pbuf, sizeof(pbuf));
    if (!hp_conf_load_file(pins, &ps, &err)) {
        hp_error_format(&err, buf, sizeof(buf));
        if (nsrc == 0 && !journal) {
            hp_cli_error("suggest", "the pins file is unusable, so its "
                         "report file is unknown: %s (give --reports "
                         "FILE)", buf);
            return 1;
        }
        ps = NULL;
    }
    /* Where the pins file sends its reports, unless told: its file, and
     * the journal for syslog = true where journald runs (syslog files
     * elsewhere: --reports). */
    if (nsrc == 0 && !journal) {
        if (ps->report_file != NULL)
            src[nsrc++] = ps->report_file;
        journal = ps->report_syslog && hp_journal_running();
    }
    if (nsrc == 0 && !journal) {
        hp_cli_error("suggest", "%s%s", pins, ps->report_syslog
                     ? " sends its reports to syslog, and journald does not "
                       "run here: give the syslog file, --reports "
                       "/var/log/auth.log"
                     : " writes no report file (add report = { file = "
                       "\"...\"; }; and set mode = \"report\" for the hosts "
                       "to learn), or give --reports FILE");
        hp_pinset_free(ps);
        return 1;
    }
    memset(&l, 0, sizeof(l));
    if ((l.store = X509_STORE_new()) == NULL ||
        (cafile ? X509_STORE_load_file(l.store, cafile)
                : X509_STORE_set_default_paths(l.store)) != 1) {
        buf[0] = '\0';
        hp_cli_ssl_errors(buf, sizeof(buf));
        hp_cli_error("suggest", "cannot load the trusted CAs%s%s: %s",
                     cafile ? " from " : "", cafile ? cafile : "", buf);
        goto out;
    }
    for (i = 0; i < nsrc; i++) {
        struct hp_report_src_st *s = hp_report_src_file(src[i], buf,
                                                        sizeof(buf));
        int ok;

        if (s == NULL) {
            hp_cli_error("suggest", "%s", buf);
            goto out;
        }
        ok = read_source(&l, s);
        s->close(s);
        if (!ok)
            goto out;
    }
    if (journal) {
        struct hp_report_src_st *s = hp_report_src_journal(jdir, buf,
                                                           sizeof(buf));
        int ok;

        if (s == NULL) {
            hp_cli_error("suggest", "%s", buf);
            goto out;
        }
        src[nsrc++] = s->name;
        ok = read_source(&l, s);
        s->close(s);
        if (!ok)
            goto out;
    }
    if (l.n == 0 && l.last_skip[0] != '\0')
        hp_cli_error("suggest", "no validated chain of a host in report "
                     "mode; the last report left out: %s", l.last_skip);
    else if (l.n == 0)
        hp_cli_error("suggest", "no report in %s%s", src[0],
                     nsrc > 1 ? " and the others" : "");
    else if (proposed(&l, min) == 0)
        hp_cli_error("suggest", "no host has %zu validated chains yet "
                     "(--min-chains)", min);
    else if ((rc = emit(&l, min, ps, src, nsrc, out)) == 0 && out != NULL)
        hp_cli_reindex("suggest", out);
out:
    learn_free(&l);
    hp_pinset_free(ps);
    return rc;
}
