/* SPDX-License-Identifier: Apache-2.0 */
/* The compiled pin set: hash table of rules, lookup, and the decision core. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostpin_conf.h"
#include "hostpin_index.h"
#include "index_fmt.h"
#include "pinset_int.h"

/* FNV-1a: names come from the administrator's file, and a lookup of a
 * hostile name only costs probes, so a keyed hash buys nothing here. */
static uint32_t hash_name(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static void free_rule(struct hp_rule_st *r)
{
    free(r->host);
    free(r->expires_text);
    free(r->pins);
    free(r->deny);
    hp_certs_free(r->certs);
    hp_certs_free(r->anchors);
    free(r->anchor_pins);
}

static int build_table(struct hp_pinset_st *ps)
{
    size_t size = 16, i;

    while (size < ps->nrules * 2)
        size <<= 1;
    free(ps->table);
    ps->table = calloc(size, sizeof(*ps->table));
    if (ps->table == NULL)
        return 0;
    ps->tmask = size - 1;
    for (i = 0; i < ps->nrules; i++) {
        struct hp_rule_st *r = &ps->rules[i];
        size_t len = strlen(r->host);
        size_t slot = hash_name(r->host, len) & ps->tmask;

        while (ps->table[slot] != 0) {
            if (strcmp(ps->rules[ps->table[slot] - 1].host, r->host) == 0)
                break;
            slot = (slot + 1) & ps->tmask;
        }
        if (ps->table[slot] != 0) {
            /* A repeated host: the first entry wins, lint reports it. */
            free_rule(r);
            r->host = NULL;
            ps->nduplicates++;
            continue;
        }
        ps->table[slot] = (uint32_t)(i + 1);
    }
    return 1;
}

/* The parent of a DNS rule's host: what follows its first label. */
static const char *parent_of(const struct hp_rule_st *r)
{
    return hp_index_parent(r->host, r->is_ip);
}

/* Rules by parent name, for the names a wildcard can stand for: a slot
 * holds the last rule of one parent, cnext links it to the others. */
static int build_children(struct hp_pinset_st *ps)
{
    size_t i;

    free(ps->ctable);
    free(ps->cnext);
    ps->ctable = calloc(ps->tmask + 1, sizeof(*ps->ctable));
    ps->cnext = calloc(ps->nrules + 1, sizeof(*ps->cnext));
    if (ps->ctable == NULL || ps->cnext == NULL)
        return 0;
    for (i = 0; i < ps->nrules; i++) {
        const char *p = parent_of(&ps->rules[i]);
        size_t slot;

        if (p == NULL)
            continue;
        slot = hash_name(p, strlen(p)) & ps->tmask;
        while (ps->ctable[slot] != 0 &&
               strcmp(parent_of(&ps->rules[ps->ctable[slot] - 1]), p) != 0)
            slot = (slot + 1) & ps->tmask;
        ps->cnext[i] = ps->ctable[slot];
        ps->ctable[slot] = (uint32_t)(i + 1);
    }
    return 1;
}

void hp_pinset_children(const struct hp_pinset_st *ps, const char *parent,
                        size_t len,
                        void (*fn)(const struct hp_rule_st *, void *),
                        void *arg)
{
    uint32_t at;
    size_t slot;

    if (ps == NULL)
        return;
    if (ps->index != NULL) {
        hp_index_children(ps->index, parent, len, fn, arg);
        return;
    }
    if (ps->ctable == NULL)
        return;
    slot = hash_name(parent, len) & ps->tmask;
    for (; (at = ps->ctable[slot]) != 0; slot = (slot + 1) & ps->tmask) {
        const char *p = parent_of(&ps->rules[at - 1]);

        if (strlen(p) != len || memcmp(p, parent, len) != 0)
            continue;
        for (; at != 0; at = ps->cnext[at - 1])
            fn(&ps->rules[at - 1], arg);
        return;
    }
}

int hp_pinset_index(struct hp_pinset_st *ps)
{
    size_t i, n = 0;

    if (!build_table(ps))
        return 0;
    if (ps->nduplicates > 0) {
        for (i = 0; i < ps->nrules; i++)
            if (ps->rules[i].host != NULL)
                ps->rules[n++] = ps->rules[i];
        ps->nrules = n;
        if (!build_table(ps))
            return 0;
    }
    if (!build_children(ps))
        return 0;
    for (i = 0, ps->nip = 0, ps->has_anchors = 0; i < ps->nrules; i++) {
        ps->nip += ps->rules[i].is_ip != 0;
        ps->has_anchors |= ps->rules[i].nanchor_pins > 0;
    }
    return 1;
}

int hp_pinset_ip_matters(const struct hp_pinset_st *ps)
{
    /* Deny pins and a policy for all connections apply whatever the
     * names, and their messages name the connection.  An anchor is given
     * only when every name has a rule listing it: an address the client
     * asked for is one of those names. */
    return ps == NULL || ps->nip > 0 || ps->has_anchors || ps->ndeny > 0 ||
           (ps->policy_all && ps->has_policy);
}

const struct hp_rule_st *hp_pinset_find_exact(const struct hp_pinset_st *ps,
                                              const char *name, size_t len)
{
    size_t slot;

    if (ps != NULL && ps->index != NULL)
        return hp_index_find(ps->index, name, len);
    if (ps == NULL || ps->table == NULL)
        return NULL;
    slot = hash_name(name, len) & ps->tmask;
    while (ps->table[slot] != 0) {
        const struct hp_rule_st *r = &ps->rules[ps->table[slot] - 1];

        if (strncmp(r->host, name, len) == 0 && r->host[len] == '\0')
            return r;
        slot = (slot + 1) & ps->tmask;
    }
    return NULL;
}

const struct hp_rule_st *hp_pinset_lookup(const struct hp_pinset_st *ps,
                                          const char *name, int is_ip)
{
    size_t len = strlen(name);
    const struct hp_rule_st *r = hp_pinset_find_exact(ps, name, len);
    const char *p;

    if (r != NULL || is_ip)
        return r;
    /* Parents from the longest down; the first with include_subdomains. */
    for (p = strchr(name, '.'); p != NULL; p = strchr(p + 1, '.')) {
        r = hp_pinset_find_exact(ps, p + 1, len - (size_t)(p + 1 - name));
        if (r != NULL && r->include_subdomains)
            return r;
    }
    return NULL;
}

/* A connection's name that is not itself a valid host name (longer than
 * 253 bytes, control or space characters) cannot have an exact rule, since
 * the pins file only holds valid names; but skipping it would let such a
 * name under an include_subdomains rule escape its pins.  So its parents
 * are still looked up. */
static const struct hp_rule_st *odd_name_rule(const struct hp_pinset_st *ps,
                                              const char *name, size_t len)
{
    const char *p;

    for (p = memchr(name, '.', len); p != NULL;
         p = memchr(p + 1, '.', len - (size_t)(p + 1 - name))) {
        char norm[HP_NAME_MAX];
        size_t rest = len - (size_t)(p + 1 - name);
        const struct hp_rule_st *r;
        int is_ip;

        if (rest == 0 || rest >= HP_NAME_MAX ||
            hp_name_normalize(p + 1, rest, norm, &is_ip) < 0 || is_ip)
            continue;
        r = hp_pinset_find_exact(ps, norm, strlen(norm));
        if (r != NULL && r->include_subdomains)
            return r;
    }
    return NULL;
}

const struct hp_rule_st *hp_pinset_rule_for(const struct hp_pinset_st *ps,
                                            const char *name)
{
    char norm[HP_NAME_MAX];
    size_t len;
    int is_ip;

    if (name == NULL || (len = strlen(name)) == 0)
        return NULL;
    if (hp_name_normalize(name, len, norm, &is_ip) >= 0)
        return hp_pinset_lookup(ps, norm, is_ip);
    return odd_name_rule(ps, name, len);
}

int hp_rule_active(const struct hp_rule_st *r, int64_t now)
{
    return r->expires == 0 || now < r->expires;
}

int hp_rule_has_pin(const struct hp_rule_st *r, const hp_digest d)
{
    return hp_digest_in(r->pins, r->npins, d);
}

static int digits(const char *s, int n, int *out)
{
    int i, v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

int hp_parse_expiry(const char *s, int64_t *out)
{
    struct tm tm, back;
    int y, mo, d, h = 0, mi = 0, sec = 0, whole_day;
    size_t len = strlen(s);
    time_t t;

    if (len != 10 && len != 20)
        return 0;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d))
        return 0;
    whole_day = len == 10;
    if (!whole_day &&
        (s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
         !digits(s + 14, 2, &mi) || s[16] != ':' ||
         !digits(s + 17, 2, &sec) || s[19] != 'Z'))
        return 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
        mi > 59 || sec > 59)
        return 0;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    if (t == (time_t)-1 || gmtime_r(&t, &back) == NULL ||
        back.tm_mday != d || back.tm_mon != mo - 1) /* 2027-02-30 */
        return 0;
    /* A date means "through the end of that UTC day". */
    *out = (int64_t)t + (whole_day ? 86400 : 0);
    return 1;
}

/* A file name owned by the set, shared by every rule from that file. */
const char *hp_pinset_intern(struct hp_pinset_st *ps, const char *f)
{
    char **n;
    size_t i;

    for (i = 0; i < ps->nfiles; i++)
        if (strcmp(ps->files[i], f) == 0)
            return ps->files[i];
    n = realloc(ps->files, (ps->nfiles + 1) * sizeof(*n));
    if (n == NULL)
        return NULL;
    ps->files = n;
    if ((n[ps->nfiles] = strdup(f)) == NULL)
        return NULL;
    return n[ps->nfiles++];
}

void hp_pinset_free(struct hp_pinset_st *ps)
{
    size_t i;

    if (ps == NULL)
        return;
    for (i = 0; ps->rules != NULL && i < ps->nrules; i++)
        free_rule(&ps->rules[i]);
    hp_index_close(ps->index);
    free(ps->rules);
    free(ps->table);
    free(ps->ctable);
    free(ps->cnext);
    for (i = 0; i < ps->nfiles; i++)
        free(ps->files[i]);
    free(ps->files);
    free(ps->file);
    free(ps->deny);
    free(ps->allow);
    free(ps->report_file);
    free(ps->include_dir);
    free(ps);
}
