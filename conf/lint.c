/* SPDX-License-Identifier: Apache-2.0 */
/* Lint: warnings about pins files that the loader accepts.  The loader
 * decides validity (hp_conf_load_file, unchanged); this file reads the
 * file a second time to find what the loader tolerates silently. */
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "hostpin_conf.h"
#include "lint_int.h"

struct litem {
    struct hp_lint_item_st it; /* strings owned by the item */
    size_t seq;                /* order of discovery, for a stable sort */
};

struct linter {
    const struct hp_lint_opts_st *o;
    const char *path;
    char basedir[4096]; /* as the loader's (hp_conf_load_file) */
    struct litem *items;
    size_t n, cap;
    char **seen; /* files and folders whose permissions were checked */
    size_t nseen;
    int oom;
};

/* A host entry, for finding repeats once names are normalised. */
struct ent {
    char *norm;
    const char *file;
    int line;
    size_t idx;
    long first; /* index of the entry it repeats, or -1 */
};

/* A pin of one entry: listed, or from a certificate file. */
struct pin_ent {
    hp_digest d;
    const char *src; /* file and line of the setting */
    int line;
    const char *cert_file; /* NULL for a listed pin */
    size_t seq;
};

static const char *const code_names[] = {
    "error",   "no-backup",    "duplicate-host",      "duplicate-pin",
    "expired", "expires-soon", "certificate-expired", "unreadable",
    "certs-dir-merged", "ignored-file", "public-suffix", "anchor-expired",
    "anchor-weak", "index-not-used", "public-suffix-subdomains"
};

int hp_lint_is_error(enum hp_lint_code code)
{
    return code == HP_LINT_ERROR || code == HP_LINT_PUBLIC_SUFFIX_SUBDOMAINS;
}

const char *hp_lint_code_name(enum hp_lint_code code)
{
    if ((size_t)code < sizeof(code_names) / sizeof(code_names[0]))
        return code_names[code];
    return "unknown";
}

void hp_lint_add(struct linter *l, enum hp_lint_code code, const char *file,
                 int line, const char *host, const char *fmt, ...)
{
    struct litem *it;
    char msg[1024];
    va_list ap;

    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        struct litem *n = realloc(l->items, ncap * sizeof(*n));

        if (n == NULL) {
            l->oom = 1;
            return;
        }
        l->items = n;
        l->cap = ncap;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    it = &l->items[l->n];
    memset(it, 0, sizeof(*it));
    it->it.code = code;
    it->it.line = line;
    it->seq = l->n;
    if ((it->it.file = strdup(file)) == NULL ||
        (host != NULL && (it->it.host = strdup(host)) == NULL) ||
        (it->it.msg = strdup(msg)) == NULL) {
        free((char *)it->it.file);
        free((char *)it->it.host);
        l->oom = 1;
        return;
    }
    l->n++;
}

/* Has this path been checked already?  Records it if not. */
int hp_lint_seen(struct linter *l, const char *path)
{
    char **n;
    size_t i;

    for (i = 0; i < l->nseen; i++)
        if (strcmp(l->seen[i], path) == 0)
            return 1;
    n = realloc(l->seen, (l->nseen + 1) * sizeof(*n));
    if (n == NULL || (n[l->nseen] = strdup(path)) == NULL) {
        if (n != NULL)
            l->seen = n;
        l->oom = 1;
        return 1;
    }
    l->seen = n;
    l->nseen++;
    return 0;
}

const char *hp_lint_basedir(const struct linter *l)
{
    return l->basedir;
}

int64_t hp_lint_now(const struct linter *l)
{
    return l->o->now;
}

static const char *src_file(const struct linter *l,
                            const config_setting_t *s)
{
    const char *f = config_setting_source_file(s);

    return f != NULL ? f : l->path;
}

static int cmp_ent(const void *a, const void *b)
{
    const struct ent *x = a, *y = b;
    int c = strcmp(x->norm, y->norm);

    if (c != 0)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_idx(const void *a, const void *b)
{
    const struct ent *x = a, *y = b;

    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_pin(const void *a, const void *b)
{
    const struct pin_ent *x = a, *y = b;
    int c = memcmp(x->d, y->d, HP_DIGEST_LEN);

    if (c != 0)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Normalised host of an entry (the loader accepted it, so it has one). */
static char *entry_host(const config_setting_t *h)
{
    const char *host = NULL;
    char norm[HP_NAME_MAX];
    int is_ip;

    if (config_setting_lookup_string(h, "host", &host) != CONFIG_TRUE ||
        hp_name_normalize(host, strlen(host), norm, &is_ip) < 0)
        return NULL;
    return strdup(norm);
}

/* Entries that repeat an earlier host, the way hp_pinset_index sees them:
 * the first entry wins, the others are ignored. */
static struct ent *find_repeats(struct linter *l, const config_setting_t *hosts,
                                size_t n)
{
    struct ent *e = calloc(n ? n : 1, sizeof(*e));
    size_t i, first = 0;

    if (e == NULL) {
        l->oom = 1;
        return NULL;
    }
    for (i = 0; i < n; i++) {
        const config_setting_t *h = config_setting_get_elem(hosts,
                                                            (unsigned)i);

        e[i].idx = i;
        e[i].first = -1;
        e[i].file = src_file(l, h);
        e[i].line = (int)config_setting_source_line(h);
        if ((e[i].norm = entry_host(h)) == NULL)
            e[i].norm = strdup("");
        if (e[i].norm == NULL)
            l->oom = 1;
    }
    if (l->oom)
        return e;
    qsort(e, n, sizeof(*e), cmp_ent);
    for (i = 1; i < n; i++) {
        if (strcmp(e[i].norm, e[first].norm) == 0 && e[i].norm[0] != '\0')
            e[i].first = (long)e[first].idx;
        else
            first = i;
    }
    qsort(e, n, sizeof(*e), cmp_idx);
    for (i = 0; i < n; i++) {
        const struct ent *f;

        if (e[i].first < 0)
            continue;
        f = &e[e[i].first];
        hp_lint_add(l, HP_LINT_DUP_HOST, e[i].file, e[i].line, e[i].norm,
                    "host \"%s\" repeats the entry at %s:%d (same name once "
                    "normalised); this entry is ignored: merge the two",
                    e[i].norm, f->file, f->line);
    }
    return e;
}

static int add_pin(struct pin_ent **v, size_t *n, size_t *cap,
                   const hp_digest d, const char *src, int line,
                   const char *cert_file)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        struct pin_ent *p = realloc(*v, ncap * sizeof(*p));

        if (p == NULL)
            return 0;
        *v = p;
        *cap = ncap;
    }
    memcpy((*v)[*n].d, d, HP_DIGEST_LEN);
    (*v)[*n].src = src;
    (*v)[*n].line = line;
    (*v)[*n].cert_file = cert_file;
    (*v)[*n].seq = *n;
    (*n)++;
    return 1;
}

/* Pins repeated within one entry (in two spellings, or also by a
 * certificate file).  Missing backups are judged on the loaded rules
 * (hp_lint_rules), which include certs_dir's pins. */
static void lint_pins(struct linter *l, const char *host, struct pin_ent *p,
                      size_t n)
{
    size_t i, first = 0;

    if (n > 1) /* qsort's base must not be NULL, even for 0 elements */
        qsort(p, n, sizeof(*p), cmp_pin);
    for (i = 1; i < n; i++) {
        const char *file = l->path;
        char pin[HP_PIN_STRLEN];

        if (memcmp(p[i].d, p[first].d, HP_DIGEST_LEN) != 0) {
            first = i;
            continue;
        }
        hp_pin_format(p[i].d, pin);
        file = p[i].src;
        if (p[i].cert_file != NULL || p[first].cert_file != NULL)
            hp_lint_add(l, HP_LINT_DUP_PIN, file, p[i].line, host,
                        "host \"%s\": pin %s is given twice (%s%s%s and "
                        "%s%s%s); one of them is redundant", host, pin,
                        p[first].cert_file ? "certificate file \"" : "",
                        p[first].cert_file ? p[first].cert_file : "a listed "
                                                                   "pin",
                        p[first].cert_file ? "\"" : "",
                        p[i].cert_file ? "certificate file \"" : "",
                        p[i].cert_file ? p[i].cert_file : "a listed pin",
                        p[i].cert_file ? "\"" : "");
        else
            hp_lint_add(l, HP_LINT_DUP_PIN, file, p[i].line, host,
                        "host \"%s\": pin %s is listed twice (also at line "
                        "%d); remove the repeat", host, pin, p[first].line);
    }
}

static void lint_expiry(struct linter *l, const config_setting_t *h,
                        const char *host)
{
    const config_setting_t *s = config_setting_get_member(h, "expires");
    int64_t t, now = l->o->now;
    const char *text;

    if (s == NULL || (text = config_setting_get_string(s)) == NULL ||
        !hp_parse_expiry(text, &t))
        return;
    if (t <= now)
        hp_lint_add(l, HP_LINT_EXPIRED, src_file(l, s),
                    (int)config_setting_source_line(s), host,
                    "host \"%s\": expires = \"%s\" is past, so this rule is "
                    "no longer enforced; check the pins and move the date, "
                    "or remove the entry", host, text);
    else if (t - now < (int64_t)l->o->warn_days * 86400)
        hp_lint_add(l, HP_LINT_EXPIRES_SOON, src_file(l, s),
                    (int)config_setting_source_line(s), host,
                    "host \"%s\": expires = \"%s\" is in %lld day(s); after "
                    "it the rule is not enforced: check the pins and move "
                    "the date", host, text,
                    (long long)((t - now) / 86400));
}

/* Every warning about one (not repeated) host entry. */
static void lint_host(struct linter *l, const config_setting_t *h,
                      const struct ent *e)
{
    const config_setting_t *s;
    struct pin_ent *pins = NULL;
    size_t npins = 0, cap = 0, i, n;

    hp_lint_perms(l, e->file, "included file");
    if ((s = config_setting_get_member(h, "pins")) != NULL) {
        n = (size_t)config_setting_length(s);
        for (i = 0; i < n; i++) {
            const config_setting_t *p = config_setting_get_elem(s,
                                                                (unsigned)i);
            hp_digest d;

            if (hp_pin_parse(config_setting_get_string(p), d, NULL) &&
                !add_pin(&pins, &npins, &cap, d, src_file(l, p),
                         (int)config_setting_source_line(p), NULL))
                l->oom = 1;
        }
    }
    if ((s = config_setting_get_member(h, "certs")) != NULL) {
        n = (size_t)config_setting_length(s);
        for (i = 0; i < n; i++) {
            const config_setting_t *c = config_setting_get_elem(s,
                                                                (unsigned)i);
            const char *f = config_setting_get_string(c);
            int line = (int)config_setting_source_line(c);
            hp_digest *d = NULL;
            size_t nd = 0, k;

            if (f == NULL)
                continue;
            hp_lint_cert_file(l, src_file(l, c), line, e->norm, f, &d, &nd);
            for (k = 0; k < nd; k++)
                if (!add_pin(&pins, &npins, &cap, d[k], src_file(l, c), line,
                             f))
                    l->oom = 1;
            free(d);
        }
    }
    lint_pins(l, e->norm, pins, npins);
    lint_expiry(l, h, e->norm);
    free(pins);
}

static int cmp_item(const void *a, const void *b)
{
    const struct litem *x = a, *y = b;
    int c = strcmp(x->it.file, y->it.file);

    if (c == 0)
        c = x->it.line < y->it.line ? -1 : x->it.line > y->it.line;
    if (c == 0)
        c = x->seq < y->seq ? -1 : x->seq > y->seq;
    return c;
}

static void walk(struct linter *l, config_t *cfg,
                 const struct hp_pinset_st *ps)
{
    const config_setting_t *hosts = config_lookup(cfg, "hosts");
    struct ent *e;
    size_t i, n;

    n = hosts != NULL ? (size_t)config_setting_length(hosts) : 0;
    if ((e = find_repeats(l, hosts, n)) == NULL)
        return;
    for (i = 0; i < n && !l->oom; i++)
        if (e[i].first < 0)
            lint_host(l, config_setting_get_elem(hosts, (unsigned)i), &e[i]);
    hp_lint_rules(l, ps);
    hp_lint_psl(l, ps);
    hp_lint_certs_dir(l, config_lookup(cfg, "certs_dir"), ps);
    for (i = 0; i < n; i++)
        free(e[i].norm);
    free(e);
}

static void linter_free(struct linter *l)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        free((char *)l->items[i].it.file);
        free((char *)l->items[i].it.host);
        free((char *)l->items[i].it.msg);
    }
    free(l->items);
    for (i = 0; i < l->nseen; i++)
        free(l->seen[i]);
    free(l->seen);
}

int hp_conf_lint_file(const char *path, const struct hp_lint_opts_st *opts,
                      hp_lint_fn cb, void *arg, struct hp_pinset_st **out)
{
    struct hp_lint_item_st it = { HP_LINT_ERROR, path, 0, NULL, NULL };
    struct hp_pinset_st *ps = NULL;
    struct hp_error_st err;
    struct linter l;
    config_t cfg;
    size_t i;
    int ret = 1;

    if (out != NULL)
        *out = NULL;
    if (!hp_conf_load_file(path, &ps, &err)) {
        it.file = err.file;
        it.line = err.line;
        it.msg = err.msg;
        cb(&it, arg);
        return 0;
    }
    memset(&l, 0, sizeof(l));
    l.o = opts;
    l.path = path;
    /* Relative certificate paths and @include: the loader's base folder. */
    if (!hp_path_dir(l.basedir, sizeof(l.basedir), path))
        l.basedir[0] = '\0'; /* the loader above would have refused it */
    hp_lint_perms(&l, path, "pins file");
    config_init(&cfg);
    config_set_include_dir(&cfg, l.basedir);
    if (config_read_file(&cfg, path) == CONFIG_TRUE)
        walk(&l, &cfg, ps);
    config_destroy(&cfg);
    ERR_clear_error();
    if (l.oom) {
        it.msg = "out of memory while linting";
        cb(&it, arg);
        ret = -1;
    } else {
        if (l.n > 1)
            qsort(l.items, l.n, sizeof(*l.items), cmp_item);
        for (i = 0; i < l.n; i++) {
            cb(&l.items[i].it, arg);
            if (hp_lint_is_error(l.items[i].it.code))
                ret = 0;
        }
    }
    linter_free(&l);
    if (out != NULL && ret >= 0)
        *out = ps;
    else
        hp_pinset_free(ps);
    return ret;
}
