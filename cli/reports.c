/* SPDX-License-Identifier: Apache-2.0 */
/* Reading the module's reports (provider/report.c: one JSON object per
 * report, RFC 7469 fields and hostpin's own) from where they are kept.
 *
 * A source hands out report texts one by one through `next`; the parser
 * does not care where they come from.  The file source reads the
 * `report = { file = ...; }` file (JSON lines) and also syslog text (a
 * copy of /var/log/auth.log, `journalctl -o cat`), where each report is a
 * line with "hostpin-report: " before the JSON.  The journal source reads
 * the reports journald holds (sd-journal, as `hostpin log` does). */
#define _XOPEN_SOURCE 700 /* strptime */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "logmsg.h"
#include "reports.h"

#define SYSLOG_TAG "hostpin-report: "

struct file_src {
    FILE *f;
    const char *path;
    char *line;
    size_t cap;
    long lineno;
};

static int file_next(struct hp_report_src_st *s, const char **text,
                     char *where, size_t wlen)
{
    struct file_src *fs = s->priv;
    ssize_t n;

    while ((n = getline(&fs->line, &fs->cap, fs->f)) >= 0) {
        char *p = fs->line, *tag;

        fs->lineno++;
        while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
            p[--n] = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '{') {
            if ((tag = strstr(p, SYSLOG_TAG)) == NULL)
                continue; /* not a report: other syslog lines */
            p = tag + strlen(SYSLOG_TAG);
        }
        snprintf(where, wlen, "%s:%ld", fs->path, fs->lineno);
        *text = p;
        return 1;
    }
    if (ferror(fs->f)) {
        snprintf(where, wlen, "%s: %s", fs->path, strerror(errno));
        return -1;
    }
    return 0;
}

static void file_close(struct hp_report_src_st *s)
{
    struct file_src *fs = s->priv;

    if (fs != NULL) {
        if (fs->f != NULL)
            fclose(fs->f);
        free(fs->line);
        free(fs);
    }
    free(s);
}

struct hp_report_src_st *hp_report_src_file(const char *path, char *err,
                                            size_t errlen)
{
    struct hp_report_src_st *s = calloc(1, sizeof(*s));
    struct file_src *fs = calloc(1, sizeof(*fs));

    if (s == NULL || fs == NULL) {
        snprintf(err, errlen, "out of memory");
        free(s);
        free(fs);
        return NULL;
    }
    s->name = path;
    s->next = file_next;
    s->close = file_close;
    s->priv = fs;
    fs->path = path;
    if ((fs->f = fopen(path, "r")) == NULL) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        file_close(s);
        return NULL;
    }
    return s;
}

/* The journal's reports, read when the source is opened. */
struct journal_src {
    const char *name;
    char **v;
    int64_t *when;
    size_t n, cap, at;
    int oom;
};

static void journal_add(void *arg, int64_t us, const char *program,
                        long pid, const char *msg, int report)
{
    struct journal_src *js = arg;

    (void)us;
    (void)program;
    (void)pid;
    if (!report || js->oom)
        return;
    if (js->n == js->cap) {
        size_t cap = js->cap ? 2 * js->cap : 64;
        char **v = realloc(js->v, cap * sizeof(*v));

        if (v == NULL) {
            js->oom = 1;
            return;
        }
        js->v = v;
        js->cap = cap;
    }
    if ((js->v[js->n] = strdup(msg)) == NULL)
        js->oom = 1;
    else
        js->n++;
}

static int journal_next(struct hp_report_src_st *s, const char **text,
                        char *where, size_t wlen)
{
    struct journal_src *js = s->priv;

    if (js->at == js->n)
        return 0;
    snprintf(where, wlen, "%s, report %zu", js->name, js->at + 1);
    *text = js->v[js->at++];
    return 1;
}

static void journal_src_close(struct hp_report_src_st *s)
{
    struct journal_src *js = s->priv;
    size_t i;

    if (js != NULL) {
        for (i = 0; i < js->n; i++)
            free(js->v[i]);
        free(js->v);
        free(js);
    }
    free(s);
}

struct hp_report_src_st *hp_report_src_journal(const char *dir, char *err,
                                               size_t errlen)
{
    struct hp_report_src_st *s = calloc(1, sizeof(*s));
    struct journal_src *js = calloc(1, sizeof(*js));
    struct hp_journal_st *j;
    int n;

    if (s == NULL || js == NULL) {
        snprintf(err, errlen, "out of memory");
        free(s);
        free(js);
        return NULL;
    }
    js->name = dir != NULL ? dir : "the journal";
    s->name = js->name;
    s->next = journal_next;
    s->close = journal_src_close;
    s->priv = js;
    if ((j = hp_journal_open(dir, 0, err, errlen)) == NULL) {
        journal_src_close(s);
        return NULL;
    }
    n = hp_journal_read(j, journal_add, js);
    hp_journal_close(j);
    if (n < 0 || js->oom) {
        snprintf(err, errlen, "%s", n < 0 ? "reading the journal failed"
                                          : "out of memory");
        journal_src_close(s);
        return NULL;
    }
    return s;
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static int parse_time(const char *s, int64_t *out)
{
    struct tm tm;
    const char *end;

    memset(&tm, 0, sizeof(tm));
    if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL ||
        *end != '\0')
        return 0;
    *out = (int64_t)timegm(&tm);
    return 1;
}

/* A JSON array of PEM certificates, in order. */
static STACK_OF(X509) *pem_chain(json_object *a)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    size_t i, n;

    if (sk == NULL || a == NULL || !json_object_is_type(a, json_type_array))
        goto bad;
    n = json_object_array_length(a);
    for (i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(a, i);
        BIO *b;
        X509 *x;

        if (!json_object_is_type(e, json_type_string) ||
            (b = BIO_new_mem_buf(json_object_get_string(e),
                                 json_object_get_string_len(e))) == NULL)
            goto bad;
        x = PEM_read_bio_X509(b, NULL, NULL, NULL);
        BIO_free(b);
        if (x == NULL || !sk_X509_push(sk, x)) {
            X509_free(x);
            goto bad;
        }
    }
    if (n > 0)
        return sk;
bad:
    sk_X509_pop_free(sk, X509_free);
    ERR_clear_error();
    return NULL;
}

int hp_report_parse(const char *text, struct hp_report_st *r, char *why,
                    size_t wlen)
{
    json_object *o = json_tokener_parse(text), *v, *chain = NULL;
    const char *noted, *name;
    int is_ip, ok = 0;

    memset(r, 0, sizeof(*r));
    if (o == NULL || !json_object_is_type(o, json_type_object)) {
        snprintf(why, wlen, "not a JSON object");
        goto out;
    }
    name = str(o, "hostname");
    noted = str(o, "noted-hostname");
    if (noted == NULL)
        noted = name;
    if (noted == NULL ||
        hp_name_normalize(noted, strlen(noted), r->host, &is_ip) < 0) {
        snprintf(why, wlen, "no valid \"noted-hostname\"");
        goto out;
    }
    r->is_ip = is_ip;
    snprintf(r->hostname, sizeof(r->hostname), "%s", name ? name : noted);
    if (!parse_time(str(o, "date-time"), &r->when)) {
        snprintf(why, wlen, "no \"date-time\" like 2026-01-31T12:00:00Z");
        goto out;
    }
    if (json_object_object_get_ex(o, "include-subdomains", &v))
        r->include_subdomains = json_object_get_boolean(v);
    snprintf(r->mode, sizeof(r->mode), "%s", str(o, "mode") ? str(o, "mode")
                                                            : "");
    snprintf(r->outcome, sizeof(r->outcome), "%s",
             str(o, "outcome") ? str(o, "outcome") : "");
    snprintf(r->reason, sizeof(r->reason), "%s",
             str(o, "reason") ? str(o, "reason") : "");
    json_object_object_get_ex(o, "validated-certificate-chain", &chain);
    if ((r->chain = pem_chain(chain)) == NULL) {
        snprintf(why, wlen, "no readable \"validated-certificate-chain\"");
        goto out;
    }
    ok = 1;
out:
    json_object_put(o);
    return ok;
}

void hp_report_clear(struct hp_report_st *r)
{
    sk_X509_pop_free(r->chain, X509_free);
    r->chain = NULL;
}
