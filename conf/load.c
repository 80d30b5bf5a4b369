/* SPDX-License-Identifier: Apache-2.0 */
/* Loading a pins file with libconfig and compiling it into a pin set. */
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certs_int.h"
#include "hostpin_conf.h"
#include "load_int.h"
#include "pinset_int.h"

/* Largest pins file read: beyond it the file is refused, not parsed. */
#define HP_MAX_FILE_SIZE (64L * 1024 * 1024)

void hp_load_err(struct hp_error_st *err, const char *file, int line,
                    const char *fmt, ...)
{
    va_list ap;

    snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
    err->line = line;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

const char *hp_load_file_of(const struct loader *ld, const config_setting_t *s)
{
    const char *f = config_setting_source_file(s);

    return f != NULL ? f : ld->name;
}

/* A minimal scan of libconfig's lexical layer (blanks, comments, strings),
 * used only to give better lines than libconfig does; see the callers. */
static const char *skip_blanks(const char *p, int *line)
{
    for (;;) {
        if (*p == '\n') {
            (*line)++;
            p++;
        } else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' ||
                   *p == '\v') {
            p++;
        } else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
            while (*p != '\0' && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            for (p += 2; *p != '\0' && !(p[0] == '*' && p[1] == '/'); p++)
                if (*p == '\n')
                    (*line)++;
            if (*p != '\0')
                p += 2;
        } else {
            return p;
        }
    }
}

/* Past the string literal opening at p; NULL if it is never closed.
 * *multiline is set if it holds a raw newline. */
static const char *skip_string(const char *p, int *line, int *multiline)
{
    for (p++; *p != '"'; p++) {
        if (*p == '\0')
            return NULL;
        if (*p == '\\' && p[1] != '\0')
            p++;
        if (*p == '\n') {
            (*line)++;
            *multiline = 1;
        }
    }
    return p + 1;
}

/* libconfig lets a string run over lines, so a missing '"' is reported
 * wherever parsing later breaks, often at the end of the file.  No value of
 * a pins file spans lines: the first string that does is the culprit. */
static int open_string_line(const char *text)
{
    const char *p = text;
    int line = 1;

    while (*(p = skip_blanks(p, &line)) != '\0') {
        if (*p == '"') {
            int start = line, multiline = 0;

            p = skip_string(p, &line, &multiline);
            if (p == NULL || multiline)
                return start;
        } else {
            p++;
        }
    }
    return 0;
}

/* Does the run of adjacent string literals from p to end spell v?  An
 * escape other than \" or \\ is taken to match. */
static int strings_spell(const char *p, const char *end, const char *v)
{
    int line = 0;

    while ((p = skip_blanks(p, &line)) < end && *p == '"') {
        for (p++; *p != '"'; p++) {
            if (*p == '\\' && p[1] != '"' && p[1] != '\\')
                return 1;
            if (*p == '\\')
                p++;
            if (*v++ != *p)
                return 0;
        }
        p++;
    }
    return *v == '\0';
}

/* libconfig gives a string element of a list the line of the token after
 * it (its parser looks ahead for an adjacent string to join), so a bad last
 * pin in "pins = [\n  \"...\"\n];" was blamed on the "];" line.  If the
 * first token on that line follows strings that spell the value, the value
 * starts where they do. */
static int string_elem_line(const char *text, int line, const char *value)
{
    const char *p = text, *run = NULL;
    int cur = 1, run_line = 0, multiline = 0;

    while (*(p = skip_blanks(p, &cur)) != '\0' && cur < line) {
        if (*p == '"') {
            if (run == NULL) {
                run = p;
                run_line = cur;
            }
            if ((p = skip_string(p, &cur, &multiline)) == NULL)
                return line;
        } else {
            run = NULL;
            p++;
        }
    }
    return run != NULL && strings_spell(run, p, value) ? run_line : line;
}

int hp_load_line_of(const struct loader *ld, const config_setting_t *s)
{
    int line = (int)config_setting_source_line(s);
    const config_setting_t *up = config_setting_parent(s);
    int t = up != NULL ? config_setting_type(up) : CONFIG_TYPE_NONE;

    /* only for the text we hold, not for @include'd files */
    if (ld->text != NULL && config_setting_source_file(s) == NULL &&
        config_setting_type(s) == CONFIG_TYPE_STRING &&
        (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST))
        line = string_elem_line(ld->text, line, config_setting_get_string(s));
    return line;
}


void hp_error_format(const struct hp_error_st *err, char *buf, size_t len)
{
    if (err->line > 0)
        snprintf(buf, len, "%s:%d: %s", err->file, err->line, err->msg);
    else
        snprintf(buf, len, "%s: %s", err->file, err->msg);
}

/* Rules point at file names owned by the pin set. */
const char *hp_load_intern(struct loader *ld, const char *f)
{
    return hp_pinset_intern(ld->ps, f);
}

int hp_load_mode(struct loader *ld, const config_setting_t *s,
                      enum hp_mode *out)
{
    const char *v;

    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        SET_ERR(ld, s, "'mode' must be a string: \"enforce\" or \"report\"");
        return 0;
    }
    v = config_setting_get_string(s);
    if (strcmp(v, "enforce") == 0) {
        *out = HP_MODE_ENFORCE;
    } else if (strcmp(v, "report") == 0) {
        *out = HP_MODE_REPORT;
    } else {
        SET_ERR(ld, s, "unknown mode \"%.64s\" (expected \"enforce\" or "
                       "\"report\")", v);
        return 0;
    }
    return 1;
}

int hp_load_is_list(const config_setting_t *s)
{
    int t = config_setting_type(s);

    return t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST;
}

/* A host entry: an IP literal or a DNS name in A-label form. */
static int check_host(struct loader *ld, const config_setting_t *s,
                      const char *host, char norm[HP_NAME_MAX], int *is_ip)
{
    size_t len = strlen(host), i;
    unsigned char bad = 0;
    int n;

    if (len == 0) {
        SET_ERR(ld, s, "'host' is empty (expected a DNS name or an IP "
                       "address)");
        return 0;
    }
    if (host[0] == '*') {
        SET_ERR(ld, s, "host \"%.64s\": wildcards are not accepted (write "
                       "the parent name and include_subdomains = true)",
                host);
        return 0;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)host[i];

        if (c >= 0x80) {
            SET_ERR(ld, s, "host \"%.64s\": non-ASCII name (expected the "
                           "A-label form, e.g. xn--...)", host);
            return 0;
        }
    }
    if (strchr(host, ':') != NULL && strchr(host, '.') != NULL &&
        strchr(host, '[') == NULL && strchr(host, ']') == NULL &&
        strspn(host, "0123456789.:") == len) {
        /* IPv4 with port: a frequent paste error; IPv6 has no dot-port. */
        n = -1;
    } else {
        n = hp_name_normalize(host, len, norm, is_ip);
    }
    if (n < 0) {
        SET_ERR(ld, s, "host \"%.64s\": not a valid DNS name or IP address "
                       "(no port, scheme or path)", host);
        return 0;
    }
    if (*is_ip)
        return 1;
    switch (n = hp_name_check_labels(norm, &bad)) {
    case HP_LABELS_OK:
        return 1;
    case HP_LABELS_CHAR:
        SET_ERR(ld, s, "host \"%.64s\": character '%c' is not allowed in a "
                       "host name (expected letters, digits, '-' and '.'; "
                       "no scheme, port or path)", host, bad);
        return 0;
    default:
        SET_ERR(ld, s, "host \"%.64s\": %s", host,
                n == HP_LABELS_EMPTY
                    ? "empty label (two dots in a row or a leading dot)"
                    : "a label is longer than 63 characters");
        return 0;
    }
}

int hp_rule_add_pin(struct hp_rule_st *r, size_t *cap, const hp_digest d)
{
    if (r->npins == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        hp_digest *p = realloc(r->pins, ncap * sizeof(*p));

        if (p == NULL)
            return 0;
        r->pins = p;
        *cap = ncap;
    }
    memcpy(r->pins[r->npins++], d, HP_DIGEST_LEN);
    return 1;
}

/* Why a file was refused as untrusted: the message names its owner or
 * mode, so it cannot be static text. */
static _Thread_local char trust_why[700];

/* Read a whole (small) file.  Refuses what is not a regular file so that a
 * FIFO or a device can never block the program, and what others than root
 * and the program's user could change (trust.c). */
static char *read_small_file(const char *path, long max, int folder_checked,
                             size_t *len, const char **why)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat st, lst;
    char *buf = NULL;
    size_t got = 0;

    *why = NULL;
    if (fd < 0) {
        *why = strerror(errno);
        if (errno == ENOENT)
            hp_sources_add(NULL, path, NULL); /* noticed when it appears */
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        *why = S_ISDIR(st.st_mode) ? "is a directory, expected a file"
                                   : "is not a regular file";
        goto out;
    }
    hp_sources_add(NULL, path, &st);
    /* In a folder already checked (include_dir, certs_dir), the file
     * itself; a link out of it, the whole way to where it leads. */
    if (folder_checked && lstat(path, &lst) == 0 && !S_ISLNK(lst.st_mode)
            ? !hp_trust_file_st(&st, trust_why, sizeof(trust_why))
            : !hp_trust_file(&st, path, trust_why, sizeof(trust_why))) {
        *why = trust_why;
        goto out;
    }
    if (st.st_size > max) {
        *why = "is too large";
        goto out;
    }
    if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
        *why = "out of memory";
        goto out;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    *len = got;
out:
    close(fd);
    if (*why != NULL) {
        free(buf);
        return NULL;
    }
    return buf;
}

char *hp_conf_read_small(const char *path, long max, int folder_checked,
                         size_t *len, const char **why)
{
    return read_small_file(path, max, folder_checked, len, why);
}

int hp_conf_untrusted(const char *why)
{
    return why == trust_why;
}

/* `certs` or `anchors` (anchor): a list of certificate files, relative to
 * the pins file's folder, each read into the rule (certs_dir.c). */
static int load_cert_list(struct loader *ld, const config_setting_t *s,
                          struct hp_rule_st *r, size_t *cap, int anchor)
{
    const char *what = anchor ? "anchor" : "certificate";
    size_t i, n;

    if (!hp_load_is_list(s) || (anchor && config_setting_length(s) == 0)) {
        SET_ERR(ld, s, "'%s' must be a list of %s: %s = [ \"%s\" ];",
                anchor ? "anchors" : "certs",
                anchor ? "certificate file names" : "file names",
                anchor ? "anchors" : "certs",
                anchor ? "/etc/hostpin/ca.pem" : "/etc/hostpin/certs/a.pem");
        return 0;
    }
    n = (size_t)config_setting_length(s);
    for (i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        const char *file, *why = NULL;
        char path[PATH_MAX];

        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            SET_ERR(ld, e, "%s %zu of host \"%s\" is not a file name in "
                           "double quotes", what, i + 1, r->host);
            return 0;
        }
        file = config_setting_get_string(e);
        if (!hp_path_join(path, sizeof(path), ld->basedir, file)) {
            SET_ERR(ld, e, "%s file \"%.64s...\": path too long (at most "
                           "%zu bytes)", what, file, sizeof(path) - 1);
            return 0;
        }
        if ((anchor ? hp_anchors_add_file(r, cap, path, &why)
                    : hp_certs_add_file(r, cap, path, 0, &why)) <= 0) {
            SET_ERR(ld, e, "%s file \"%s\": %s", what, path, why);
            return 0;
        }
    }
    return 1;
}

static int cmp_digest(const void *a, const void *b)
{
    return memcmp(a, b, HP_DIGEST_LEN);
}

static const char *const host_keys[] = {
    "host", "include_subdomains", "pins", "certs", "expires", "mode",
    "policy", "deny", "anchors", "system_roots", NULL
};
static const char *const top_keys[] = {
    "version", "mode", "hosts", "reload_interval", "certs_dir", "policy",
    "policy_scope", "deny", "allow_interception", "report", "include_dir",
    NULL
};

static int known(const char *const *keys, const char *name)
{
    for (; *keys != NULL; keys++)
        if (strcmp(*keys, name) == 0)
            return 1;
    return 0;
}

static int load_host(struct loader *ld, const config_setting_t *h)
{
    struct hp_pinset_st *ps = ld->ps;
    struct hp_rule_st *r;
    const config_setting_t *s;
    char norm[HP_NAME_MAX];
    size_t cap = 0, i, n;
    int is_ip = 0;

    if (config_setting_type(h) != CONFIG_TYPE_GROUP) {
        SET_ERR(ld, h, "each entry of 'hosts' must be a group "
                       "{ host = \"...\"; pins = [ ... ]; }");
        return 0;
    }
    for (i = 0; (s = config_setting_get_elem(h, (unsigned)i)) != NULL; i++) {
        if (!known(host_keys, config_setting_name(s))) {
            SET_ERR(ld, s, "unknown setting '%s' in host entry (expected "
                           "host, include_subdomains, pins, certs, anchors, "
                           "system_roots, expires, mode, policy or deny)",
                    config_setting_name(s));
            return 0;
        }
    }
    s = config_setting_get_member(h, "host");
    if (s == NULL) {
        SET_ERR(ld, h, "host entry has no 'host' (expected host = "
                       "\"name\";)");
        return 0;
    }
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        SET_ERR(ld, s, "'host' must be a string in double quotes");
        return 0;
    }
    if (!check_host(ld, s, config_setting_get_string(s), norm, &is_ip))
        return 0;
    if (ps->nrules == ld->cap) {
        size_t ncap = ld->cap ? ld->cap * 2 : 16;
        struct hp_rule_st *nr = realloc(ps->rules, ncap * sizeof(*nr));

        if (nr == NULL)
            goto oom;
        ps->rules = nr;
        ld->cap = ncap;
    }
    r = &ps->rules[ps->nrules];
    memset(r, 0, sizeof(*r));
    /* No policy group: every key unset (-1), as hostpin_conf.h says; 0
     * would read as "no demand" and cancel the top-level policy. */
    r->policy.min_rsa_bits = r->policy.min_ec_bits = -1;
    r->policy.min_sig_bits = r->policy.require_ca = -1;
    r->is_ip = is_ip;
    r->mode = ps->mode;
    r->line = (int)config_setting_source_line(h);
    if ((r->file = hp_load_intern(ld, hp_load_file_of(ld, h))) == NULL ||
        (r->host = strdup(norm)) == NULL)
        goto oom_rule;
    ps->nrules++; /* owned by the set from here on */

    if ((s = config_setting_get_member(h, "include_subdomains")) != NULL) {
        if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
            SET_ERR(ld, s, "'include_subdomains' must be true or false");
            return 0;
        }
        r->include_subdomains = config_setting_get_bool(s);
        if (r->include_subdomains && is_ip) {
            SET_ERR(ld, s, "include_subdomains cannot apply to an IP "
                           "address");
            return 0;
        }
    }
    if ((s = config_setting_get_member(h, "mode")) != NULL &&
        !hp_load_mode(ld, s, &r->mode))
        return 0;
    if ((s = config_setting_get_member(h, "policy")) != NULL &&
        !hp_load_policy(ld, s, &r->policy))
        return 0;
    if ((s = config_setting_get_member(h, "deny")) != NULL &&
        !hp_load_pin_list(ld, s, "deny", &r->deny, &r->ndeny))
        return 0;
    if ((s = config_setting_get_member(h, "expires")) != NULL) {
        if (config_setting_type(s) != CONFIG_TYPE_STRING ||
            !hp_parse_expiry(config_setting_get_string(s), &r->expires)) {
            SET_ERR(ld, s, "'expires' must be a date \"YYYY-MM-DD\" (UTC) "
                           "or \"YYYY-MM-DDTHH:MM:SSZ\"");
            return 0;
        }
        if ((r->expires_text = strdup(config_setting_get_string(s))) == NULL)
            goto oom;
    }
    if ((s = config_setting_get_member(h, "pins")) != NULL) {
        if (!hp_load_is_list(s)) {
            SET_ERR(ld, s, "'pins' must be a list of strings: pins = [ "
                           "\"sha256/...\", \"sha256/...\" ];");
            return 0;
        }
        n = (size_t)config_setting_length(s);
        for (i = 0; i < n; i++) {
            const config_setting_t *e = config_setting_get_elem(s,
                                                                (unsigned)i);
            const char *why = NULL, *txt;
            hp_digest d;

            if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                SET_ERR(ld, e, "pin %zu of host \"%s\" is not a string "
                               "(expected \"sha256/<base64>\")", i + 1,
                        r->host);
                return 0;
            }
            txt = config_setting_get_string(e);
            if (!hp_pin_parse(txt, d, &why)) {
                SET_ERR(ld, e, "pin \"%.60s\" of host \"%s\" %s", txt,
                        r->host, why);
                return 0;
            }
            if (!hp_rule_add_pin(r, &cap, d))
                goto oom;
        }
    }
    if ((s = config_setting_get_member(h, "certs")) != NULL &&
        !load_cert_list(ld, s, r, &cap, 0))
        return 0;
    if ((s = config_setting_get_member(h, "anchors")) != NULL) {
        if (!load_cert_list(ld, s, r, &cap, 1))
            return 0;
        qsort(r->anchor_pins, r->nanchor_pins, HP_DIGEST_LEN, cmp_digest);
    }
    if ((s = config_setting_get_member(h, "system_roots")) != NULL) {
        if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
            SET_ERR(ld, s, "'system_roots' must be true or false");
            return 0;
        }
        r->no_system_roots = !config_setting_get_bool(s);
        if (r->no_system_roots && r->nanchor_pins == 0) {
            SET_ERR(ld, s, "system_roots = false needs anchors: with no "
                           "root at all, host \"%s\" could never be "
                           "reached (expected anchors = [ \"file\" ];)",
                    r->host);
            return 0;
        }
    }
    if (r->npins == 0) {
        SET_ERR(ld, h, "host \"%s\" has no pins (expected pins = [ "
                       "\"sha256/...\" ];, certs = [ \"file\" ]; or "
                       "anchors = [ \"file\" ];)",
                r->host);
        return 0;
    }
    r->npins_written = r->npins;
    qsort(r->pins, r->npins, HP_DIGEST_LEN, cmp_digest);
    for (i = 1, n = 1; i < r->npins; i++) /* drop repeats */
        if (memcmp(r->pins[i], r->pins[n - 1], HP_DIGEST_LEN) != 0)
            memmove(r->pins[n++], r->pins[i], HP_DIGEST_LEN);
    r->npins = n;
    return 1;
oom_rule:
    free(r->host);
    r->host = NULL;
oom:
    hp_load_err(ld->err, ld->name, 0, "out of memory");
    return 0;
}

/* A drop-in file of include_dir: hosts only (and an optional version). */
static int load_dropin(struct loader *ld, config_t *cfg)
{
    config_setting_t *root = config_root_setting(cfg), *s;
    size_t i, n;

    for (i = 0; (s = config_setting_get_elem(root, (unsigned)i)) != NULL;
         i++) {
        const char *k = config_setting_name(s);

        if (strcmp(k, "version") == 0 &&
            (config_setting_type(s) == CONFIG_TYPE_INT ||
             config_setting_type(s) == CONFIG_TYPE_INT64) &&
            config_setting_get_int64(s) == 1)
            continue;
        if (strcmp(k, "hosts") != 0) {
            SET_ERR(ld, s, "'%s' is not allowed in a drop-in file (expected "
                           "hosts = ( ... ); and optionally version = 1;)",
                    k);
            return 0;
        }
        if (!hp_load_is_list(s)) {
            SET_ERR(ld, s, "'hosts' must be a list of groups: hosts = "
                           "( { host = \"...\"; pins = [ ... ]; } );");
            return 0;
        }
        n = (size_t)config_setting_length(s);
        for (size_t h = 0; h < n; h++)
            if (!load_host(ld, config_setting_get_elem(s, (unsigned)h)))
                return 0;
    }
    return 1;
}

static int cmp_rule_host(const void *a, const void *b)
{
    const struct hp_rule_st *x = *(const struct hp_rule_st *const *)a;
    const struct hp_rule_st *y = *(const struct hp_rule_st *const *)b;
    int c = strcmp(x->host, y->host);

    return c != 0 ? c : (x < y ? -1 : x > y);
}

/* With drop-ins, a host belongs to one file: the same host in two files is
 * an error naming both (repeats within one file are lint's business). */
static int one_file_per_host(struct loader *ld)
{
    struct hp_pinset_st *ps = ld->ps;
    const struct hp_rule_st **v;
    size_t i;
    int ok = 1;

    if (ps->nrules < 2)
        return 1;
    if ((v = malloc(ps->nrules * sizeof(*v))) == NULL) {
        hp_load_err(ld->err, ld->name, 0, "out of memory");
        return 0;
    }
    for (i = 0; i < ps->nrules; i++)
        v[i] = &ps->rules[i];
    qsort(v, ps->nrules, sizeof(*v), cmp_rule_host);
    for (i = 1; i < ps->nrules && ok; i++) {
        if (strcmp(v[i]->host, v[i - 1]->host) == 0 &&
            strcmp(v[i]->file, v[i - 1]->file) != 0) {
            hp_load_err(ld->err, v[i]->file, v[i]->line,
                        "host \"%s\" is also defined in %s:%d (a host may "
                        "be defined in one file only)", v[i]->host,
                        v[i - 1]->file, v[i - 1]->line);
            ok = 0;
        }
    }
    free(v);
    return ok;
}

static int load_config(struct loader *ld, config_t *cfg)
{
    config_setting_t *root = config_root_setting(cfg), *s, *hosts;
    size_t i, n;

    for (i = 0; (s = config_setting_get_elem(root, (unsigned)i)) != NULL;
         i++) {
        if (!known(top_keys, config_setting_name(s))) {
            SET_ERR(ld, s, "unknown setting '%s' (expected version, mode, "
                           "reload_interval, hosts, certs_dir, include_dir, "
                           "policy, policy_scope, deny, allow_interception "
                           "or report)", config_setting_name(s));
            return 0;
        }
    }
    s = config_setting_get_member(root, "version");
    if (s == NULL) {
        hp_load_err(ld->err, ld->name, 0, "no 'version' setting (expected "
                                      "version = 1; at the top)");
        return 0;
    }
    if ((config_setting_type(s) != CONFIG_TYPE_INT &&
         config_setting_type(s) != CONFIG_TYPE_INT64) ||
        config_setting_get_int64(s) != 1) {
        SET_ERR(ld, s, "unsupported version (expected version = 1;)");
        return 0;
    }
    ld->ps->mode = HP_MODE_ENFORCE;
    ld->ps->reload_interval = HP_DEFAULT_RELOAD_INTERVAL;
    if ((s = config_setting_get_member(root, "reload_interval")) != NULL) {
        if ((config_setting_type(s) != CONFIG_TYPE_INT &&
             config_setting_type(s) != CONFIG_TYPE_INT64) ||
            config_setting_get_int64(s) < 0 ||
            config_setting_get_int64(s) > 86400) {
            SET_ERR(ld, s, "'reload_interval' must be a whole number of "
                           "seconds from 0 (never reload) to 86400");
            return 0;
        }
        ld->ps->reload_interval = (int)config_setting_get_int64(s);
    }
    if ((s = config_setting_get_member(root, "mode")) != NULL &&
        !hp_load_mode(ld, s, &ld->ps->mode))
        return 0;
    hosts = config_setting_get_member(root, "hosts");
    if (hosts != NULL) {
        if (!hp_load_is_list(hosts)) {
            SET_ERR(ld, hosts, "'hosts' must be a list of groups: hosts = "
                               "( { host = \"...\"; pins = [ ... ]; } );");
            return 0;
        }
        n = (size_t)config_setting_length(hosts);
        for (i = 0; i < n; i++)
            if (!load_host(ld, config_setting_get_elem(hosts, (unsigned)i)))
                return 0;
    }
    if (!hp_load_top_extras(ld, root))
        return 0;
    if ((s = config_setting_get_member(root, "include_dir")) != NULL &&
        (!hp_load_include_dir(ld, s, load_dropin) || !one_file_per_host(ld)))
        return 0;
    if ((s = config_setting_get_member(root, "certs_dir")) != NULL &&
        !hp_certs_dir_load(ld->ps, s, hp_load_file_of(ld, s), ld->basedir, ld->err))
        return 0;
    if (!hp_pinset_index(ld->ps)) {
        hp_load_err(ld->err, ld->name, 0, "out of memory");
        return 0;
    }
    return 1;
}

/* libconfig reads @include'd files itself (1.5 has no hook for it), so
 * their trust is checked here first: each `@include "FILE"` at the start
 * of a line (libconfig's own rule), relative to `basedir`, and what they
 * include in turn.  A file that cannot be read is left to libconfig,
 * whose error names it. */
int hp_load_check_includes(struct loader *ld, const char *text,
                           const char *basedir, int depth)
{
    const char *p = text;
    int line = 1;

    for (; *p != '\0'; line++) {
        const char *eol = strchr(p, '\n'), *q = p;
        char file[1024], path[2048]; /* small: this recurses */
        size_t n = 0;

        if (eol == NULL)
            eol = p + strlen(p);
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncmp(q, "@include", 8) == 0 && (q[8] == ' ' || q[8] == '\t')) {
            for (q += 8; *q == ' ' || *q == '\t'; q++)
                ;
            if (*q++ == '"') {
                const char *why = NULL;
                size_t len = 0;
                char *inc;

                for (; q < eol && *q != '"' && n + 1 < sizeof(file); q++)
                    file[n++] = *q == '\\' && q + 1 < eol ? *++q : *q;
                file[n] = '\0';
                /* The name is checked whole, or refused: libconfig would
                 * read the whole name, whatever part of it was checked. */
                if ((q < eol && *q != '"') ||
                    !hp_path_join(path, sizeof(path), basedir, file)) {
                    hp_load_err(ld->err, ld->name, line, "included file "
                                "\"%.64s...\": path too long (at most %zu "
                                "bytes)", file, sizeof(path) - 1);
                    return 0;
                }
                inc = read_small_file(path, HP_MAX_FILE_SIZE, 0, &len, &why);
                if (inc == NULL && why == trust_why) {
                    hp_load_err(ld->err, ld->name, line, "included file "
                                "\"%s\": %s", path, trust_why);
                    return 0;
                }
                if (inc != NULL && depth < 10) {
                    const char *saved = ld->name;
                    int ok;

                    ld->name = path;
                    ok = hp_load_check_includes(ld, inc, basedir, depth + 1);
                    ld->name = saved;
                    if (!ok) {
                        free(inc);
                        return 0;
                    }
                }
                free(inc);
            }
        }
        p = *eol != '\0' ? eol + 1 : eol;
    }
    return 1;
}

static int load_common(const char *text, const char *name,
                       const char *basedir, struct hp_pinset_st **out,
                       struct hp_error_st *err)
{
    struct loader ld;
    config_t cfg;
    int ok = 0;

    *out = NULL;
    memset(err, 0, sizeof(*err));
    memset(&ld, 0, sizeof(ld));
    ld.err = err;
    ld.name = name;
    ld.basedir = basedir;
    ld.text = text;
    if ((ld.ps = calloc(1, sizeof(*ld.ps))) == NULL ||
        (ld.ps->file = strdup(name)) == NULL) {
        hp_load_err(err, name, 0, "out of memory");
        hp_pinset_free(ld.ps);
        return 0;
    }
    config_init(&cfg);
    if (basedir != NULL)
        config_set_include_dir(&cfg, basedir);
    if (!hp_load_check_includes(&ld, text, basedir, 0)) {
        ok = 0;
    } else if (config_read_string(&cfg, text) != CONFIG_TRUE) {
        const char *f = config_error_file(&cfg);
        int open = f == NULL ? open_string_line(text) : 0;

        if (open > 0 && open <= config_error_line(&cfg)) {
            hp_load_err(err, name, open, "syntax error: unterminated string "
                    "(a '\"' is missing on this line)");
        } else {
            /* libconfig's text is often just "syntax error" itself. */
            const char *t = config_error_text(&cfg);
            int plain = t == NULL || strcmp(t, "syntax error") == 0;

            hp_load_err(err, f ? f : name, config_error_line(&cfg),
                        "syntax error%s%s (expected name = value; settings, "
                        "strings in double quotes)", plain ? "" : ": ",
                        plain ? "" : t);
        }
    } else {
        ok = load_config(&ld, &cfg);
    }
    config_destroy(&cfg);
    if (!ok) {
        hp_pinset_free(ld.ps);
        return 0;
    }
    *out = ld.ps;
    return 1;
}

int hp_conf_load_string(const char *text, const char *name,
                        const char *basedir, struct hp_pinset_st **out,
                        struct hp_error_st *err)
{
    return load_common(text, name, basedir, out, err);
}

int hp_path_join(char *out, size_t len, const char *base, const char *rel)
{
    int n = rel[0] != '/' && base != NULL
                ? snprintf(out, len, "%s/%s", base, rel)
                : snprintf(out, len, "%s", rel);

    return n >= 0 && (size_t)n < len;
}

int hp_path_dir(char *out, size_t len, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL ? 1 : slash == path ? 1 : (size_t)(slash - path);

    if (n >= len)
        return 0;
    if (slash == NULL)
        memcpy(out, ".", 2);
    else {
        memcpy(out, path, n);
        out[n] = '\0';
    }
    return 1;
}

int hp_conf_load_file(const char *path, struct hp_pinset_st **out,
                      struct hp_error_st *err)
{
    const char *why = NULL;
    char dir[PATH_MAX];
    size_t len = 0;
    char *text;
    int ok;

    *out = NULL;
    memset(err, 0, sizeof(*err));
    text = read_small_file(path, HP_MAX_FILE_SIZE, 0, &len, &why);
    if (text == NULL) {
        hp_load_err(err, path, 0, "%s%s", why == trust_why ? "" :
                    "cannot read pins file: ", why);
        return 0;
    }
    if (strlen(text) != len) {
        hp_load_err(err, path, 0, "contains a NUL byte (expected a text file)");
        free(text);
        return 0;
    }
    if (!hp_path_dir(dir, sizeof(dir), path)) {
        hp_load_err(err, path, 0, "path too long (a folder of at most %zu "
                    "bytes)", sizeof(dir) - 1);
        free(text);
        return 0;
    }
    ok = load_common(text, path, dir, out, err);
    free(text);
    return ok;
}
