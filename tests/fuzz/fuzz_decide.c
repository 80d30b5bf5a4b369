/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the decision core.  The input is read as a recipe:
 * a pins file of up to 8 rules built from a small vocabulary (so parents,
 * duplicates and case variants are common), then up to 4 connection names,
 * a chain of up to 5 digests and a moment.  hp_decide is checked against a
 * plain reference written from the design (section 3), and the rule lookup
 * against a linear scan. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostpin_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct src {
    const uint8_t *p;
    size_t n;
};

static unsigned take(struct src *s)
{
    if (s->n == 0)
        return 0;
    s->n--;
    return *s->p++;
}

static const char *const labels[] = {
    "a", "b", "www", "example", "com", "xn--p1ai", "0", "3", "co", "uk",
};
static const char *const ips[] = {
    "192.0.2.1", "::1", "[::1]", "0:0:0:0:0:0:0:1", "2001:db8::1",
    "[2001:DB8::1]", "10.0.0.1", "::ffff:10.0.0.1",
};
#define NLABELS (sizeof(labels) / sizeof(labels[0]))
#define NIPS (sizeof(ips) / sizeof(ips[0]))

/* Moments around the two expiries the recipe can write. */
static const int64_t moments[] = {
    1767225600, /* 2026-01-01T00:00:00Z */
    1814356799, /* 2027-06-30T11:59:59Z */
    1814356800, /* 2027-06-30T12:00:00Z */
    1814399999, /* 2027-06-30T23:59:59Z */
    1814400000, /* 2027-07-01T00:00:00Z */
    1893456000, /* 2030-01-01T00:00:00Z */
};
static const char *const expiries[] = { NULL, "2027-06-30",
                                        "2027-06-30T12:00:00Z" };

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_decide: invariant violated: %s\n", what);
        abort();
    }
}

static void seed_digest(unsigned seed, hp_digest d)
{
    size_t i;

    for (i = 0; i < HP_DIGEST_LEN; i++)
        d[i] = (unsigned char)(seed * 73u + i * 151u + 1u);
}

/* Append a DNS name of 1-4 labels, maybe upper-cased or with a dot. */
static void dns_name(struct src *s, char *out, size_t cap, int variants)
{
    unsigned b = take(s), n = (b & 3) + 1, i;
    size_t len = 0;

    for (i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "." : "",
                                labels[take(s) % NLABELS]);
    if (variants && (b & 4))
        for (i = 0; out[i] != '\0'; i++)
            if (out[i] >= 'a' && out[i] <= 'z')
                out[i] = (char)(out[i] - 'a' + 'A');
    if (variants && (b & 8) && len + 1 < cap) {
        out[len++] = '.';
        out[len] = '\0';
    }
}

/* Build the pins file; returns the number of rules written. */
static size_t build_file(struct src *s, char *text, size_t cap)
{
    size_t len = 0, nrules = take(s) % 9, i;
    unsigned global = take(s);

    len += (size_t)snprintf(text + len, cap - len, "version = 1;\n%s"
                            "hosts = (\n",
                            global & 1 ? "mode = \"report\";\n" : "");
    for (i = 0; i < nrules; i++) {
        unsigned kind = take(s), f = take(s), npins = take(s) % 3 + 1, k;
        char host[128], norm[HP_NAME_MAX];
        int is_ip = 0;

        if ((kind & 3) == 3)
            snprintf(host, sizeof(host), "%s", ips[take(s) % NIPS]);
        else
            dns_name(s, host, sizeof(host), 1);
        /* labels like "0.3.0.3" make an IPv4 address */
        (void)hp_name_normalize(host, strlen(host), norm, &is_ip);
        len += (size_t)snprintf(text + len, cap - len,
                                "%s{ host = \"%s\";", i ? ",\n" : "", host);
        if ((f & 1) && !is_ip)
            len += (size_t)snprintf(text + len, cap - len,
                                    " include_subdomains = true;");
        if ((f >> 1) % 3 != 0)
            len += (size_t)snprintf(text + len, cap - len, " mode = \"%s\";",
                                    (f >> 1) % 3 == 1 ? "enforce" : "report");
        if (expiries[(f >> 3) % 3] != NULL)
            len += (size_t)snprintf(text + len, cap - len,
                                    " expires = \"%s\";",
                                    expiries[(f >> 3) % 3]);
        len += (size_t)snprintf(text + len, cap - len, " pins = [");
        for (k = 0; k < npins; k++) {
            hp_digest d;
            char pin[HP_PIN_STRLEN];

            seed_digest(take(s), d);
            hp_pin_format(d, pin);
            len += (size_t)snprintf(text + len, cap - len, "%s \"%s\"",
                                    k ? "," : "", pin);
        }
        len += (size_t)snprintf(text + len, cap - len, " ]; }");
    }
    snprintf(text + len, cap - len, "\n);\n");
    return nrules;
}

/* Rule for a normalised name by a linear scan: exact host, else the
 * longest parent with include_subdomains (never for an IP). */
static const struct hp_rule_st *ref_lookup(const struct hp_pinset_st *ps,
                                           const char *name, int is_ip)
{
    const struct hp_rule_st *best = NULL;
    size_t nl = strlen(name), i, bestlen = 0;

    for (i = 0; i < ps->nrules; i++)
        if (strcmp(ps->rules[i].host, name) == 0)
            return &ps->rules[i];
    if (is_ip)
        return NULL;
    for (i = 0; i < ps->nrules; i++) {
        const struct hp_rule_st *r = &ps->rules[i];
        size_t hl = strlen(r->host);

        if (r->include_subdomains && nl > hl && name[nl - hl - 1] == '.' &&
            strcmp(name + nl - hl, r->host) == 0 && hl > bestlen) {
            best = r;
            bestlen = hl;
        }
    }
    return best;
}

/* A name that is no valid host name (odd characters, too long) has no
 * exact rule, but the first of its valid parents with include_subdomains
 * still applies (DESIGN 3.2: it must not escape a subdomain rule). */
static const struct hp_rule_st *ref_odd(const struct hp_pinset_st *ps,
                                        const char *name)
{
    const char *p;

    for (p = strchr(name, '.'); p != NULL; p = strchr(p + 1, '.')) {
        char norm[HP_NAME_MAX];
        int is_ip = 0;
        size_t i;

        if (hp_name_normalize(p + 1, strlen(p + 1), norm, &is_ip) < 0 ||
            is_ip)
            continue;
        for (i = 0; i < ps->nrules; i++)
            if (ps->rules[i].include_subdomains &&
                strcmp(ps->rules[i].host, norm) == 0)
                return &ps->rules[i];
    }
    return NULL;
}

static const struct hp_rule_st *rule_of(const struct hp_pinset_st *ps,
                                        const char *name)
{
    char norm[HP_NAME_MAX];
    int is_ip = 0;
    const struct hp_rule_st *r;

    if (name == NULL || name[0] == '\0')
        return NULL;
    r = hp_pinset_rule_for(ps, name);
    if (hp_name_normalize(name, strlen(name), norm, &is_ip) >= 0)
        check(r == ref_lookup(ps, norm, is_ip) &&
                  r == hp_pinset_lookup(ps, norm, is_ip),
              "lookup agrees with a scan");
    else
        check(r == ref_odd(ps, name), "odd names keep their parents' rule");
    return r;
}

static int chain_has(const struct hp_rule_st *r, const hp_digest *chain,
                     size_t n, int *depth)
{
    size_t d;

    for (d = 0; d < n; d++) {
        if (hp_rule_has_pin(r, chain[d])) {
            *depth = (int)d;
            return 1;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct src s = { data, size };
    char text[8192], names_buf[4][384], msg[1200];
    const char *names[4];
    hp_digest chain[6];
    size_t nnames, nchain, i;
    struct hp_pinset_st *ps = NULL;
    struct hp_error_st err;
    struct hp_verdict_st v;
    const struct hp_rule_st *rules[4], *fail = NULL, *report = NULL,
                                       *pass = NULL, *expired = NULL;
    int64_t now;
    int depth = -1, pass_depth = -1;

    build_file(&s, text, sizeof(text));
    if (!hp_conf_load_string(text, "fuzz.conf", NULL, &ps, &err)) {
        hp_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "%s\n%s", msg, text);
        check(0, "a generated pins file loads");
    }

    nnames = take(&s) % 4 + 1;
    for (i = 0; i < nnames; i++) {
        unsigned kind = take(&s);

        names[i] = names_buf[i];
        if (kind % 4 == 3) { /* raw bytes: odd names of any kind */
            size_t n = take(&s) % 24, k, at = 0;

            if (kind & 0x20) { /* over-long: 260 bytes of labels first */
                for (k = 0; k < 260; k++)
                    names_buf[i][at++] = k % 50 == 49 ? '.' : 'x';
            }
            for (k = 0; k < n; k++)
                names_buf[i][at++] = (char)take(&s);
            names_buf[i][at] = '\0';
            if (kind & 0x40) { /* ... under a parent from the vocabulary */
                at = strlen(names_buf[i]);
                names_buf[i][at++] = '.';
                dns_name(&s, names_buf[i] + at, sizeof(names_buf[i]) - at,
                         1);
            }
        } else if (kind % 4 == 2) {
            snprintf(names_buf[i], sizeof(names_buf[i]), "%s",
                     ips[take(&s) % NIPS]);
        } else if (kind & 0x80) {
            names[i] = NULL;
        } else {
            dns_name(&s, names_buf[i], sizeof(names_buf[i]), 1);
        }
    }
    nchain = take(&s) % 6;
    for (i = 0; i < nchain; i++)
        seed_digest(take(&s), chain[i]);
    now = moments[take(&s) % (sizeof(moments) / sizeof(moments[0]))];

    /* The reference decision, from DESIGN section 3. */
    for (i = 0; i < nnames; i++) {
        const struct hp_rule_st *r = rules[i] = rule_of(ps, names[i]);

        if (r == NULL)
            continue;
        if (!hp_rule_active(r, now)) {
            if (expired == NULL)
                expired = r;
            continue;
        }
        if (chain_has(r, chain, nchain, &depth)) {
            if (pass == NULL) {
                pass = r;
                pass_depth = depth;
            }
        } else if (r->mode == HP_MODE_ENFORCE) {
            if (fail == NULL)
                fail = r;
        } else if (report == NULL) {
            report = r;
        }
    }

    hp_decide(ps, names, nnames, (const hp_digest *)chain, nchain, now, &v);
    if (fail != NULL) {
        check(v.outcome == HP_FAIL, "an unmatched enforced rule fails");
        check(v.rule == fail && rules[v.name_index] == fail,
              "the failure names the first failing rule and its name");
    } else {
        check(v.outcome != HP_FAIL, "FAIL only for an active enforced rule");
        check(v.expired == expired, "the first expired rule is noted");
        if (report != NULL) {
            check(v.outcome == HP_REPORT, "an unmatched report rule reports");
            check(v.rule == report && rules[v.name_index] == report,
                  "the report names the rule and its name");
        } else if (pass != NULL) {
            check(v.outcome == HP_PASS, "all active rules matched: pass");
            check(v.rule == pass && v.match_depth == pass_depth &&
                      rules[v.name_index] == pass,
                  "the pass names the first rule and its depth");
        } else {
            check(v.outcome == HP_UNPINNED, "no active rule: unpinned");
            check(v.rule == NULL, "unpinned names no rule");
        }
    }
    if (v.outcome == HP_FAIL)
        check(v.rule != NULL && v.rule->mode == HP_MODE_ENFORCE &&
                  hp_rule_active(v.rule, now),
              "FAIL comes from an active enforced rule");

    /* Each name alone, with one of its rule's pins added to the chain at
     * any depth: never FAIL or REPORT. */
    for (i = 0; i < nnames; i++) {
        const struct hp_rule_st *r = rules[i];
        hp_digest with[7];
        size_t at;

        if (r == NULL)
            continue;
        at = nchain == 0 ? 0 : take(&s) % (nchain + 1);
        memcpy(with, chain, at * HP_DIGEST_LEN);
        memcpy(with[at], r->pins[take(&s) % r->npins], HP_DIGEST_LEN);
        memcpy(with + at + 1, chain + at, (nchain - at) * HP_DIGEST_LEN);
        hp_decide(ps, &names[i], 1, (const hp_digest *)with, nchain + 1,
                  now, &v);
        check(v.outcome != HP_FAIL && v.outcome != HP_REPORT,
              "a chain holding one of the rule's pins is never refused");
        if (hp_rule_active(r, now))
            check(v.outcome == HP_PASS && v.rule == r &&
                      v.match_depth <= (int)at,
                  "an active rule with its pin in the chain passes");
        else
            check(v.expired == r, "an expired rule is noted");
    }
    hp_pinset_free(ps);
    return 0;
}
