/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin ps: every running process that uses TLS and whether hostpin
 * protects it (procs.c); with --installed, the programs on PATH and in
 * systemd units instead (programs.c). */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ps.h"

#define HP_PIDS_MAX 256

static const char usage_text[] =
    "Usage: hostpin ps [OPTION]...\n"
    "List every running process that uses TLS, with its pid, user and\n"
    "program, and whether hostpin protects it:\n"
    "  protected      hostpin is loaded in it\n"
    "  needs restart  it uses the system OpenSSL without hostpin, and\n"
    "                 started before its openssl.cnf changed (hostpin enable)\n"
    "  not covered    it uses another TLS library (GnuTLS, NSS, Java, Go, an\n"
    "                 OpenSSL of its own linked in), or its openssl.cnf does\n"
    "                 not load hostpin; the reason says which\n"
    "Each process is judged against the configuration it reads: its\n"
    "OPENSSL_CONF, else OpenSSL's default; Node.js against nodejs_conf.\n"
    "Run as root to see every user's processes.\n\n"
    "Options:\n"
    "  --pid PID[,PID...]  only these processes\n"
    "  --installed         programs on PATH and in systemd units instead:\n"
    "                      covered (they use the system OpenSSL) or not\n"
    "  --json              print JSON\n"
    "  -h, --help          show this help\n\n"
    "Exit status: 0 if every process listed is protected (--installed:\n"
    "covered), 1 if one is not or some could not be read, 64 usage error.\n";

static void iso(int64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;

    if (us == 0 || gmtime_r(&t, &tm) == NULL ||
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "?");
}

static int processes(const long *pids, size_t npids, int json)
{
    struct hp_ps_st ps;
    size_t i, count[3] = { 0, 0, 0 };
    char when[32];
    int rc;

    if (!hp_ps_scan(pids, npids, &ps)) {
        hp_cli_error("ps", "cannot read /proc: %s", strerror(errno));
        return 1;
    }
    for (i = 0; i < ps.n; i++)
        count[ps.v[i].state]++;
    if (json) {
        json_object *o = json_object_new_object();
        json_object *a = json_object_new_array();

        for (i = 0; i < ps.n; i++) {
            const struct hp_proc_st *p = &ps.v[i];
            json_object *e = json_object_new_object();

            iso(p->started_us, when, sizeof(when));
            json_object_object_add(e, "pid", json_object_new_int64(p->pid));
            json_object_object_add(e, "user", json_object_new_string(p->user));
            json_object_object_add(e, "uid", json_object_new_int64(p->uid));
            json_object_object_add(e, "program",
                                   json_object_new_string(p->comm));
            json_object_object_add(e, "exe", json_object_new_string(p->exe));
            json_object_object_add(e, "started",
                                   json_object_new_string(when));
            json_object_object_add(e, "state", json_object_new_string(
                                                   hp_ps_state(p->state, 1)));
            json_object_object_add(e, "tls", json_object_new_string(p->tls));
            json_object_object_add(e, "config", p->config[0]
                                       ? json_object_new_string(p->config)
                                       : NULL);
            json_object_object_add(e, "reason",
                                   json_object_new_string(p->reason));
            json_object_array_add(a, e);
        }
        json_object_object_add(o, "processes", a);
        json_object_object_add(o, "protected",
                               json_object_new_int64((int64_t)count[0]));
        json_object_object_add(o, "needs_restart",
                               json_object_new_int64((int64_t)count[1]));
        json_object_object_add(o, "not_covered",
                               json_object_new_int64((int64_t)count[2]));
        json_object_object_add(o, "unreadable",
                               json_object_new_int64((int64_t)ps.unreadable));
        hp_cli_json_print(o);
    } else {
        if (ps.n > 0)
            printf("%-8s %-10s %-16s %-14s %s\n", "PID", "USER", "PROGRAM",
                   "STATE", "WHY");
        for (i = 0; i < ps.n; i++) {
            const struct hp_proc_st *p = &ps.v[i];

            printf("%-8ld %-10s %-16s %-14s %s\n", p->pid, p->user, p->comm,
                   hp_ps_state(p->state, 0), p->reason);
        }
        printf("%zu process%s using TLS: %zu protected, %zu need%s a "
               "restart, %zu not covered\n", ps.n, ps.n == 1 ? "" : "es",
               count[0], count[1], count[1] == 1 ? "s" : "", count[2]);
        if (ps.unreadable > 0)
            printf("%zu process%s could not be read (%s): run as root to "
                   "see them\n", ps.unreadable,
                   ps.unreadable == 1 ? "" : "es", ps.unreadable_why);
    }
    for (i = 0; i < npids; i++) {
        char dir[64];
        size_t j;

        for (j = 0; j < ps.n && ps.v[j].pid != pids[i]; j++)
            ;
        snprintf(dir, sizeof(dir), "/proc/%ld", pids[i]);
        if (j == ps.n && !json)
            fprintf(stderr, "hostpin ps: process %ld: %s\n", pids[i],
                    access(dir, F_OK) == 0 ? "does not use TLS (or could "
                                             "not be read)"
                                           : "no such process");
    }
    rc = count[1] + count[2] + ps.unreadable > 0;
    hp_ps_free(&ps);
    return rc;
}

/* ---- --installed ---- */

struct prog_list_st {
    struct hp_prog_st *v;
    size_t n, cap;
};

static void add_prog(struct prog_list_st *l, const char *path,
                     const char *unit)
{
    char real[PATH_MAX];
    struct hp_prog_st p;
    size_t i;

    if (realpath(path, real) == NULL)
        return;
    for (i = 0; i < l->n; i++)
        if (strcmp(l->v[i].path, real) == 0) {
            if (unit != NULL && l->v[i].unit[0] == '\0')
                snprintf(l->v[i].unit, sizeof(l->v[i].unit), "%s", unit);
            return;
        }
    if (!hp_ps_program(real, &p))
        return;
    if (unit != NULL)
        snprintf(p.unit, sizeof(p.unit), "%s", unit);
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        struct hp_prog_st *v = realloc(l->v, cap * sizeof(*v));

        if (v == NULL)
            return;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = p;
}

/* Every executable file in the folders of PATH. */
static void from_path(struct prog_list_st *l)
{
    const char *env = getenv("PATH");
    char buf[4096], file[PATH_MAX], *save = NULL, *d;
    struct dirent *e;
    struct stat st;
    DIR *dir;

    snprintf(buf, sizeof(buf), "%s", env != NULL ? env : "/usr/bin:/bin");
    for (d = strtok_r(buf, ":", &save); d != NULL;
         d = strtok_r(NULL, ":", &save)) {
        if ((dir = opendir(d)) == NULL)
            continue;
        while ((e = readdir(dir)) != NULL) {
            snprintf(file, sizeof(file), "%s/%s", d, e->d_name);
            if (e->d_name[0] != '.' && stat(file, &st) == 0 &&
                S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0)
                add_prog(l, file, NULL);
        }
        closedir(dir);
    }
}

/* The programs systemd units start (ExecStart=, prefixes @-:+! aside). */
static void from_units(struct prog_list_st *l)
{
    static const char *const pats[] = { "/etc/systemd/system/*.service",
                                         "/run/systemd/system/*.service",
                                         "/lib/systemd/system/*.service",
                                         "/usr/lib/systemd/system/*.service",
                                         NULL };
    char line[4096];
    glob_t g;
    size_t i, j;

    for (i = 0; pats[i] != NULL; i++) {
        if (glob(pats[i], 0, NULL, &g) != 0)
            continue;
        for (j = 0; j < g.gl_pathc; j++) {
            FILE *f = fopen(g.gl_pathv[j], "r");
            const char *unit = strrchr(g.gl_pathv[j], '/') + 1;

            while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
                char *p = line;

                if (strncmp(p, "ExecStart=", 10) != 0)
                    continue;
                p += 10;
                p += strspn(p, "@-:+! \t");
                p[strcspn(p, " \t\r\n")] = '\0';
                if (*p == '/')
                    add_prog(l, p, unit);
            }
            if (f != NULL)
                fclose(f);
        }
        globfree(&g);
    }
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct hp_prog_st *)a)->path,
                  ((const struct hp_prog_st *)b)->path);
}

static int installed(int json)
{
    struct prog_list_st l = { 0 };
    size_t i, uncovered = 0;

    from_path(&l);
    from_units(&l);
    if (l.n > 1)
        qsort(l.v, l.n, sizeof(*l.v), by_path);
    for (i = 0; i < l.n; i++)
        uncovered += !l.v[i].covered;
    if (json) {
        json_object *o = json_object_new_object();
        json_object *a = json_object_new_array();

        for (i = 0; i < l.n; i++) {
            json_object *e = json_object_new_object();

            json_object_object_add(e, "program",
                                   json_object_new_string(l.v[i].path));
            json_object_object_add(e, "unit", l.v[i].unit[0]
                                       ? json_object_new_string(l.v[i].unit)
                                       : NULL);
            json_object_object_add(e, "state", json_object_new_string(
                                                   l.v[i].covered
                                                       ? "covered"
                                                       : "not-covered"));
            json_object_object_add(e, "tls",
                                   json_object_new_string(l.v[i].tls));
            json_object_object_add(e, "reason",
                                   json_object_new_string(l.v[i].reason));
            json_object_array_add(a, e);
        }
        json_object_object_add(o, "programs", a);
        json_object_object_add(o, "covered", json_object_new_int64(
                                                 (int64_t)(l.n - uncovered)));
        json_object_object_add(o, "not_covered",
                               json_object_new_int64((int64_t)uncovered));
        hp_cli_json_print(o);
    } else {
        if (l.n > 0)
            printf("%-40s %-12s %s\n", "PROGRAM", "STATE", "WHY");
        for (i = 0; i < l.n; i++) {
            char name[PATH_MAX + 300];

            snprintf(name, sizeof(name), "%s%s%s%s", l.v[i].path,
                     l.v[i].unit[0] ? " (" : "", l.v[i].unit,
                     l.v[i].unit[0] ? ")" : "");
            printf("%-40s %-12s %s\n", name,
                   l.v[i].covered ? "covered" : "not covered",
                   l.v[i].reason);
        }
        printf("%zu installed program%s using TLS: %zu covered (when their "
               "openssl.cnf loads hostpin), %zu not covered\n", l.n,
               l.n == 1 ? "" : "s", l.n - uncovered, uncovered);
    }
    free(l.v);
    return uncovered > 0;
}

/* PID[,PID...] appended to pids. */
static int parse_pids(const char *arg, long *pids, size_t *n)
{
    char buf[4096], *save = NULL, *t, *end;

    snprintf(buf, sizeof(buf), "%s", arg);
    for (t = strtok_r(buf, ",", &save); t != NULL;
         t = strtok_r(NULL, ",", &save)) {
        long v = strtol(t, &end, 10);

        if (*end != '\0' || v <= 0 || *n == HP_PIDS_MAX)
            return 0;
        pids[(*n)++] = v;
    }
    return 1;
}

int hp_cli_ps(int argc, char **argv)
{
    enum { OPT_JSON = 256, OPT_PID, OPT_INSTALLED };
    static const struct option opts[] = {
        { "json", no_argument, NULL, OPT_JSON },
        { "pid", required_argument, NULL, OPT_PID },
        { "installed", no_argument, NULL, OPT_INSTALLED },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    long pids[HP_PIDS_MAX];
    size_t npids = 0;
    int c, json = 0, inst = 0;

    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == OPT_JSON) {
            json = 1;
        } else if (c == OPT_PID) {
            if (!parse_pids(optarg, pids, &npids))
                return hp_cli_usage("ps", "--pid: '%s' is not a list of "
                                          "process ids", optarg);
        } else if (c == OPT_INSTALLED) {
            inst = 1;
        } else if (c == 'h') {
            fputs(usage_text, stdout);
            return 0;
        } else {
            return hp_cli_bad_option("ps", argv, c);
        }
    }
    if (optind < argc)
        return hp_cli_usage("ps", "takes no arguments ('%s')", argv[optind]);
    if (inst && npids > 0)
        return hp_cli_usage("ps", "--installed lists programs, not "
                                  "processes: leave out --pid");
    return inst ? installed(json) : processes(pids, npids, json);
}
