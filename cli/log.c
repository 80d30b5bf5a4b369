/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin log: the refusals, report-mode mismatches, exemptions and
 * pins-file problems hostpin logged, with its whole message: from the
 * journal where journald runs (journal.c), else from the syslog files,
 * plus the JSON reports file the pins file names (provider/report.c).
 * A refusal seen in two places is shown once. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "logmsg.h"

#define HP_LOG_SOURCES 16
#define HP_SAME_EVENT_US 2000000 /* a report and its log line: 2 s apart */
#define HP_RECENT 64

static const char usage_text[] =
    "Usage: hostpin log [OPTION]...\n"
    "Show what hostpin logged: refused connections, report-mode\n"
    "mismatches, exemptions, expired rules, pins file problems, each with\n"
    "hostpin's whole message (the host, the rule, the chain's pins and\n"
    "the configured pins).  Read from the journal where journald runs,\n"
    "else from /var/log/auth.log, /var/log/secure, /var/log/messages and\n"
    "/var/log/syslog, plus the reports file the pins file names\n"
    "(report = { file = ...; }).  The oldest first.\n\n"
    "Options:\n"
    "  --since TIME       from TIME on: YYYY-MM-DD[ HH:MM[:SS]], HH:MM,\n"
    "                     today, yesterday, or N[smhd] (that long ago)\n"
    "  --host HOST        only messages about HOST\n"
    "  --program NAME     only messages of the program NAME\n"
    "  -n, --lines N      the last N messages (default 50; 0: all)\n"
    "  -f, --follow       keep showing new messages as they come\n"
    "  --json             print JSON (with -f: one object per line)\n"
    "  --journal          read the journal, even if journald is not running\n"
    "  --directory DIR    read the journal files in DIR\n"
    "  --file FILE        read the syslog file FILE (may be repeated)\n"
    "  --reports FILE     read this reports file (default: the pins file's)\n"
    "  -h, --help         show this help\n\n"
    "Exit status: 0 (also when there is nothing to show), 1 if no log could\n"
    "be read, 64 usage error.\n";

static const char *const default_files[] = {
    "/var/log/auth.log", "/var/log/secure", "/var/log/messages",
    "/var/log/syslog", NULL
};

struct ent_st {
    int64_t us;
    char program[128];
    long pid;
    int port;
    char kind[16];
    char host[256];
    const char *source;
    char *msg;       /* as logged, without "hostpin: " */
    int report;      /* from a report (file or hostpin-report line) */
    int gone;        /* merged into another entry */
};

/* A file read (and followed): syslog lines or JSON report lines. */
struct file_st {
    char path[PATH_MAX];
    int reports;
    dev_t dev;
    ino_t ino;
    off_t off;
};

struct log_st {
    struct ent_st *v;
    size_t n, cap;
    int64_t since, now;
    const char *host, *program;
    int json, follow;
    long lines;
    struct file_st files[HP_LOG_SOURCES];
    size_t nfiles;
    struct hp_journal_st *journal;
    const char *journal_name;
    int live;         /* following: print at once */
    struct ent_st recent[HP_RECENT]; /* printed while following */
    size_t nrecent;
};

static void iso_utc(int64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + strlen(buf), len - strlen(buf), ".%06dZ",
             (int)(us % 1000000));
}

static void local_time(int64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;

    localtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');

    return s != NULL ? s + 1 : p;
}

static int wanted(const struct log_st *lg, const struct ent_st *e)
{
    if (lg->since > 0 && e->us < lg->since)
        return 0;
    if (lg->host != NULL && !hp_logmsg_same_host(lg->host, e->host))
        return 0;
    if (lg->program != NULL && strcmp(lg->program, e->program) != 0 &&
        strcmp(base_name(lg->program), base_name(e->program)) != 0)
        return 0;
    return 1;
}

static void print_json(const struct ent_st *e, int flat)
{
    struct hp_logmsg_st *m = malloc(sizeof(*m));
    json_object *o = json_object_new_object(), *a;
    char when[40];
    size_t i;

    if (m == NULL || o == NULL) {
        free(m);
        json_object_put(o);
        return;
    }
    hp_logmsg_parse(e->msg, m);
    iso_utc(e->us, when, sizeof(when));
    json_object_object_add(o, "time", json_object_new_string(when));
    json_object_object_add(o, "program", json_object_new_string(e->program));
    json_object_object_add(o, "pid", e->pid >= 0
                               ? json_object_new_int64(e->pid) : NULL);
    json_object_object_add(o, "kind", json_object_new_string(m->kind));
    json_object_object_add(o, "host", m->host[0]
                               ? json_object_new_string(m->host) : NULL);
    json_object_object_add(o, "port", e->port > 0
                               ? json_object_new_int(e->port) : NULL);
    json_object_object_add(o, "verdict", m->verdict[0]
                               ? json_object_new_string(m->verdict) : NULL);
    json_object_object_add(o, "rule", m->rule[0]
                               ? json_object_new_string(m->rule) : NULL);
    json_object_object_add(o, "mode", m->mode[0]
                               ? json_object_new_string(m->mode) : NULL);
    if (m->detail[0])
        json_object_object_add(o, "detail",
                               json_object_new_string(m->detail));
    a = json_object_new_array();
    for (i = 0; i < m->nchain; i++) {
        json_object *c = json_object_new_object();

        json_object_object_add(c, "depth", json_object_new_int((int)i));
        json_object_object_add(c, "pin",
                               json_object_new_string(m->chain[i].pin));
        json_object_object_add(c, "subject",
                               json_object_new_string(m->chain[i].subject));
        json_object_array_add(a, c);
    }
    json_object_object_add(o, "chain", a);
    a = json_object_new_array();
    for (i = 0; i < m->npins; i++)
        json_object_array_add(a, json_object_new_string(m->pins[i]));
    json_object_object_add(o, "pins", a);
    json_object_object_add(o, "message", json_object_new_string(e->msg));
    json_object_object_add(o, "source", json_object_new_string(e->source));
    if (flat) {
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
    } else {
        hp_cli_json_print(o);
    }
    free(m);
}

static void print_text(const struct ent_st *e)
{
    struct hp_logmsg_st *m = malloc(sizeof(*m));
    char when[32], port[16] = "";
    size_t i;

    if (m == NULL)
        return;
    hp_logmsg_parse(e->msg, m);
    local_time(e->us, when, sizeof(when));
    if (e->port > 0)
        snprintf(port, sizeof(port), ":%d", e->port);
    printf("%s  %s", when, e->program[0] ? e->program : "?");
    if (e->pid >= 0)
        printf("[%ld]", e->pid);
    printf("  %s%s%s%s\n", m->kind, m->host[0] ? "  " : "", m->host, port);
    printf("    %s\n", m->summary[0] ? m->summary : e->msg);
    for (i = 0; i < m->nchain; i++)
        printf("    %s [%zu] %s %s\n", i == 0 ? "chain:" : "      ", i,
               m->chain[i].pin, m->chain[i].subject);
    for (i = 0; i < m->npins; i++)
        printf("%s%s", i == 0 ? "    pins:  " : ", ", m->pins[i]);
    if (m->npins > 0)
        printf("\n");
    free(m);
}

static void print_one(const struct log_st *lg, const struct ent_st *e)
{
    if (lg->json)
        print_json(e, lg->follow);
    else
        print_text(e);
}

/* The same event seen twice: one message of one program, close in time
 * (a syslog line and a report; two syslog files). */
static int same_event(const struct ent_st *a, const struct ent_st *b)
{
    int64_t d = a->us - b->us;

    return (d < 0 ? -d : d) <= HP_SAME_EVENT_US &&
           strcmp(a->msg, b->msg) == 0 &&
           strcmp(base_name(a->program), base_name(b->program)) == 0 &&
           (a->report != b->report || strcmp(a->source, b->source) != 0);
}

/* Following: print at once, unless just printed from another source. */
static void live(struct log_st *lg, struct ent_st *e)
{
    size_t i;

    for (i = 0; i < lg->nrecent && i < HP_RECENT; i++)
        if (same_event(&lg->recent[i], e)) {
            free(e->msg);
            return;
        }
    if (wanted(lg, e)) {
        print_one(lg, e);
        fflush(stdout);
    }
    i = lg->nrecent++ % HP_RECENT;
    if (lg->nrecent > HP_RECENT)
        free(lg->recent[i].msg);
    lg->recent[i] = *e;
}

static void add(struct log_st *lg, struct ent_st *e)
{
    struct hp_logmsg_st *m = malloc(sizeof(*m));

    if (m == NULL || e->msg == NULL) {
        free(m);
        free(e->msg);
        return;
    }
    hp_logmsg_parse(e->msg, m);
    snprintf(e->kind, sizeof(e->kind), "%s", m->kind);
    snprintf(e->host, sizeof(e->host), "%s", m->host);
    free(m);
    if (lg->live) {
        live(lg, e);
        return;
    }
    if (lg->n == lg->cap) {
        size_t cap = lg->cap ? 2 * lg->cap : 256;
        struct ent_st *v = realloc(lg->v, cap * sizeof(*v));

        if (v == NULL) {
            free(e->msg);
            return;
        }
        lg->v = v;
        lg->cap = cap;
    }
    lg->v[lg->n++] = *e;
}

static int64_t parse_iso(const char *s)
{
    struct hp_sysline_st l;
    char line[128];

    /* The reports' "date-time" is RFC 3339: read as a syslog line is. */
    snprintf(line, sizeof(line), "%s h p: hostpin: x", s);
    return hp_logmsg_sysline(line, 0, &l) ? l.us : 0;
}

static const char *jstr(json_object *o, const char *k)
{
    json_object *v;

    return json_object_object_get_ex(o, k, &v) &&
                   json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

/* A report (provider/report.c): as the log line of the same event. */
static void add_report(struct log_st *lg, const char *text,
                       const char *source, int64_t us, const char *program,
                       long pid)
{
    json_object *o = json_tokener_parse(text), *v;
    const char *outcome, *msg, *when;
    struct ent_st e;
    size_t n;

    if (o == NULL)
        return;
    memset(&e, 0, sizeof(e));
    outcome = jstr(o, "outcome");
    msg = jstr(o, "message");
    if (msg != NULL) {
        int refused = outcome != NULL && strcmp(outcome, "refused") == 0;

        n = strlen(msg) + 10;
        if ((e.msg = malloc(n)) != NULL)
            snprintf(e.msg, n, "%s%s", refused ? "refused: " : "", msg);
        when = jstr(o, "date-time");
        e.us = when != NULL ? parse_iso(when) : us;
        if (e.us == 0)
            e.us = us;
        snprintf(e.program, sizeof(e.program), "%s",
                 jstr(o, "program") ? jstr(o, "program") : program);
        e.pid = json_object_object_get_ex(o, "pid", &v)
                    ? (long)json_object_get_int64(v) : pid;
        e.port = json_object_object_get_ex(o, "port", &v)
                     ? json_object_get_int(v) : 0;
        e.source = source;
        e.report = 1;
        add(lg, &e);
    }
    json_object_put(o);
}

static void add_line(struct log_st *lg, int64_t us, const char *program,
                     long pid, const char *msg, int report,
                     const char *source)
{
    struct ent_st e;

    if (report) {
        add_report(lg, msg, source, us, program, pid);
        return;
    }
    memset(&e, 0, sizeof(e));
    e.us = us;
    snprintf(e.program, sizeof(e.program), "%s", program);
    e.pid = pid;
    e.msg = strdup(msg);
    e.source = source;
    add(lg, &e);
}

static void journal_cb(void *arg, int64_t us, const char *program, long pid,
                       const char *msg, int report)
{
    struct log_st *lg = arg;

    add_line(lg, us, program, pid, msg, report, lg->journal_name);
}

/* New complete lines of a file since the last read (from the start if
 * it was replaced or truncated: log rotation). */
static int read_file(struct log_st *lg, struct file_st *f)
{
    struct stat st;
    FILE *fp;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (stat(f->path, &st) != 0)
        return 0;
    if (st.st_dev != f->dev || st.st_ino != f->ino || st.st_size < f->off) {
        f->dev = st.st_dev;
        f->ino = st.st_ino;
        f->off = 0;
    }
    if (st.st_size == f->off || (fp = fopen(f->path, "r")) == NULL)
        return st.st_size == f->off;
    if (fseeko(fp, f->off, SEEK_SET) != 0) {
        fclose(fp);
        return 0;
    }
    while ((n = getline(&line, &cap, fp)) > 0) {
        struct hp_sysline_st l;

        if (line[n - 1] != '\n')
            break; /* being written: read it next time */
        f->off += n;
        line[n - 1] = '\0';
        if (f->reports)
            add_report(lg, line, f->path, 0, "", -1);
        else if (hp_logmsg_sysline(line, lg->now, &l))
            add_line(lg, l.us, l.program, l.pid, l.msg, l.report, f->path);
    }
    free(line);
    fclose(fp);
    return 1;
}

static int add_file(struct log_st *lg, const char *path, int reports)
{
    size_t i;

    for (i = 0; i < lg->nfiles; i++)
        if (strcmp(lg->files[i].path, path) == 0)
            return 1;
    if (lg->nfiles == HP_LOG_SOURCES)
        return 0;
    memset(&lg->files[lg->nfiles], 0, sizeof(lg->files[0]));
    hp_cli_set(lg->files[lg->nfiles].path, sizeof(lg->files[0].path), "%s",
               path);
    lg->files[lg->nfiles++].reports = reports;
    return 1;
}

static int by_time(const void *a, const void *b)
{
    const struct ent_st *x = a, *y = b;

    return (x->us > y->us) - (x->us < y->us);
}

/* One entry for each event: a report's pid and port go to the log line
 * of the same refusal. */
static void merge(struct log_st *lg)
{
    size_t i, j;

    for (i = 0; i < lg->n; i++) {
        struct ent_st *a = &lg->v[i];

        for (j = i + 1; j < lg->n && !a->gone &&
                        lg->v[j].us - a->us <= HP_SAME_EVENT_US;
             j++) {
            struct ent_st *b = &lg->v[j], *keep, *drop;

            if (b->gone || !same_event(a, b))
                continue;
            keep = a->report && !b->report ? b : a;
            drop = keep == a ? b : a;
            if (keep->pid < 0)
                keep->pid = drop->pid;
            if (keep->port <= 0)
                keep->port = drop->port;
            drop->gone = 1;
        }
    }
}

/* The reports file the pins file of this environment names, if any. */
static void pins_reports(char *out, size_t len)
{
    struct hp_osslconf_st oc;
    struct hp_pinset_st *ps = NULL;
    struct hp_error_st err;

    out[0] = '\0';
    hp_cli_osslconf_read(&oc);
    if (hp_conf_load_file(oc.pins, &ps, &err) && ps->report_file != NULL)
        snprintf(out, len, "%s", ps->report_file);
    hp_pinset_free(ps);
}

static void describe_sources(const struct log_st *lg, FILE *f)
{
    size_t i;

    fprintf(f, "-- hostpin's messages from");
    if (lg->journal != NULL)
        fprintf(f, " %s%s", lg->journal_name, lg->nfiles ? "," : "");
    for (i = 0; i < lg->nfiles; i++)
        fprintf(f, " %s%s%s", lg->files[i].reports ? "reports " : "",
                lg->files[i].path, i + 1 < lg->nfiles ? "," : "");
    fprintf(f, "\n");
}

static int run(struct log_st *lg)
{
    size_t i, shown = 0, first = 0, total = 0;

    if (lg->journal != NULL && hp_journal_read(lg->journal, journal_cb, lg) < 0)
        hp_cli_error("log", "reading the journal failed");
    for (i = 0; i < lg->nfiles; i++)
        read_file(lg, &lg->files[i]);
    if (lg->n > 1)
        qsort(lg->v, lg->n, sizeof(*lg->v), by_time);
    merge(lg);
    for (i = 0; i < lg->n; i++)
        total += !lg->v[i].gone && wanted(lg, &lg->v[i]);
    if (lg->lines > 0 && total > (size_t)lg->lines)
        first = total - (size_t)lg->lines;
    if (lg->json && !lg->follow)
        printf("[");
    else if (!lg->json)
        describe_sources(lg, stdout);
    for (i = 0; i < lg->n; i++) {
        struct ent_st *e = &lg->v[i];

        if (e->gone || !wanted(lg, e) || shown++ < first)
            continue;
        if (lg->json && !lg->follow && shown - first > 1)
            printf(",");
        print_one(lg, e);
    }
    if (lg->json && !lg->follow)
        printf("]\n");
    else if (!lg->json && total == 0)
        printf("No hostpin messages%s.\n", lg->since || lg->host ||
                                                   lg->program
                                               ? " that match"
                                               : "");
    else if (!lg->json && first > 0)
        printf("-- %zu earlier message%s not shown (-n 0 shows all)\n",
               first, first == 1 ? "" : "s");
    fflush(stdout);
    for (i = 0; i < lg->n; i++)
        free(lg->v[i].msg);
    free(lg->v);
    lg->v = NULL;
    lg->n = lg->cap = 0;
    /* Following: new lines as they come, until interrupted. */
    lg->live = 1;
    while (lg->follow) {
        if (lg->journal != NULL) {
            hp_journal_wait(lg->journal, 500);
            hp_journal_read(lg->journal, journal_cb, lg);
        } else {
            struct timespec ts = { 0, 500 * 1000 * 1000 };

            nanosleep(&ts, NULL);
        }
        lg->now = (int64_t)time(NULL) * 1000000;
        for (i = 0; i < lg->nfiles; i++)
            read_file(lg, &lg->files[i]);
    }
    return 0;
}

int hp_cli_log(int argc, char **argv)
{
    enum { OPT_SINCE = 256, OPT_HOST, OPT_PROGRAM, OPT_JSON, OPT_JOURNAL,
           OPT_DIR, OPT_FILE, OPT_REPORTS };
    static const struct option opts[] = {
        { "since", required_argument, NULL, OPT_SINCE },
        { "host", required_argument, NULL, OPT_HOST },
        { "program", required_argument, NULL, OPT_PROGRAM },
        { "lines", required_argument, NULL, 'n' },
        { "follow", no_argument, NULL, 'f' },
        { "json", no_argument, NULL, OPT_JSON },
        { "journal", no_argument, NULL, OPT_JOURNAL },
        { "directory", required_argument, NULL, OPT_DIR },
        { "file", required_argument, NULL, OPT_FILE },
        { "reports", required_argument, NULL, OPT_REPORTS },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    struct log_st *lg = calloc(1, sizeof(*lg));
    const char *dir = NULL, *reports = NULL, *files[HP_LOG_SOURCES];
    char err[600] = "", rep[PATH_MAX], *end;
    size_t nfiles = 0, i;
    int c, journal = 0, rc = 1, use_journal;

    if (lg == NULL)
        return 1;
    lg->now = (int64_t)time(NULL) * 1000000;
    lg->lines = 50;
    while ((c = getopt_long(argc, argv, ":hfn:", opts, NULL)) != -1) {
        switch (c) {
        case OPT_SINCE:
            if (!hp_logmsg_since(optarg, lg->now, &lg->since)) {
                rc = hp_cli_usage("log", "--since: '%s' is not a time "
                                         "(YYYY-MM-DD[ HH:MM[:SS]], HH:MM, "
                                         "today, yesterday, N[smhd])",
                                  optarg);
                goto end;
            }
            break;
        case OPT_HOST:
            lg->host = optarg;
            break;
        case OPT_PROGRAM:
            lg->program = optarg;
            break;
        case 'n':
            lg->lines = strtol(optarg, &end, 10);
            if (*end != '\0' || end == optarg || lg->lines < 0) {
                rc = hp_cli_usage("log", "-n: '%s' is not a count", optarg);
                goto end;
            }
            break;
        case 'f':
            lg->follow = 1;
            break;
        case OPT_JSON:
            lg->json = 1;
            break;
        case OPT_JOURNAL:
            journal = 1;
            break;
        case OPT_DIR:
            dir = optarg;
            break;
        case OPT_FILE:
            if (nfiles == HP_LOG_SOURCES - 2) {
                rc = hp_cli_usage("log", "too many --file");
                goto end;
            }
            files[nfiles++] = optarg;
            break;
        case OPT_REPORTS:
            reports = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            rc = 0;
            goto end;
        default:
            rc = hp_cli_bad_option("log", argv, c);
            goto end;
        }
    }
    if (optind < argc) {
        rc = hp_cli_usage("log", "takes no arguments ('%s')", argv[optind]);
        goto end;
    }
    /* The journal where journald runs (or when asked for); syslog files
     * otherwise, or as asked. */
    use_journal = journal || dir != NULL ||
                  (nfiles == 0 && hp_journal_running());
    if (use_journal) {
        lg->journal_name = dir != NULL ? dir : "the journal";
        lg->journal = hp_journal_open(dir, lg->since, err, sizeof(err));
        if (lg->journal == NULL)
            hp_cli_error("log", "%s", err);
    }
    for (i = 0; i < nfiles; i++) {
        if (access(files[i], R_OK) != 0)
            hp_cli_error("log", "cannot read %s: %s", files[i],
                         strerror(errno));
        else
            add_file(lg, files[i], 0);
    }
    if (!use_journal && nfiles == 0) {
        for (i = 0; default_files[i] != NULL; i++) {
            char old[PATH_MAX];

            if (access(default_files[i], F_OK) != 0)
                continue;
            if (access(default_files[i], R_OK) != 0) {
                hp_cli_error("log", "cannot read %s: %s (run as root or as "
                             "a member of group adm)", default_files[i],
                             strerror(errno));
                continue;
            }
            /* The previous one first, as logrotate leaves it. */
            snprintf(old, sizeof(old), "%s.1", default_files[i]);
            if (access(old, R_OK) == 0 && !lg->follow)
                add_file(lg, old, 0);
            add_file(lg, default_files[i], 0);
        }
    }
    if (reports == NULL) {
        pins_reports(rep, sizeof(rep));
        reports = rep[0] ? rep : NULL;
    }
    if (reports != NULL) {
        if (access(reports, R_OK) == 0 || errno == ENOENT)
            add_file(lg, reports, 1); /* may come into being later */
        else
            hp_cli_error("log", "cannot read the reports file %s: %s",
                         reports, strerror(errno));
    }
    if (lg->journal == NULL && lg->nfiles == 0) {
        hp_cli_error("log", "no log to read: %s%s; hostpin logs through "
                     "syslog (facility auth)",
                     use_journal ? "the journal cannot be read"
                                 : "journald is not running and none of "
                                   "/var/log/auth.log, /var/log/secure, "
                                   "/var/log/messages, /var/log/syslog can "
                                   "be read",
                     " (--file FILE names another)");
        goto end;
    }
    rc = run(lg);
end:
    hp_journal_close(lg->journal);
    for (i = 0; i < lg->nrecent && i < HP_RECENT; i++)
        free(lg->recent[i].msg);
    free(lg);
    return rc;
}
