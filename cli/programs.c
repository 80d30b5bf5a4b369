/* SPDX-License-Identifier: Apache-2.0 */
/* Installed programs: what a program file will use for TLS when it runs,
 * from the file alone -- the libraries it needs, followed as the dynamic
 * loader does (DT_RUNPATH, then the system's folders), and what is linked
 * into it (elf.c). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "ps.h"

#define HP_DEPTH_MAX 12
#define HP_DIRS_MAX 48

/* The kinds of library that decide, by index (dist[], name[]). */
enum { K_SSL, K_GNUTLS, K_NSS, K_JAVA, K_NODE, K_BUNDLED, K_N };
static const unsigned kind_bit[K_N] = { HP_LIB_SSL, HP_LIB_GNUTLS,
                                        HP_LIB_NSS, HP_LIB_JAVA,
                                        HP_LIB_NODE, HP_LIB_BUNDLED };

/* A library as far as TLS goes: how many steps of DT_NEEDED from it to
 * each kind (0: none), the library of each kind reached first, and the
 * direct need it is reached through. */
struct lib_st {
    char path[PATH_MAX];
    int dist[K_N];
    char name[K_N][PATH_MAX + 96];
    char via[K_N][64];
    int self_bundled; /* an OpenSSL is linked into the library itself */
    int done;
};

struct res_st {
    struct lib_st *v;
    size_t n, cap;
};

static struct res_st memo;
static char dirs[HP_DIRS_MAX][PATH_MAX];
static size_t ndirs;
static char sys_ssl[64]; /* the system libssl's name, libssl.so.3 */

static void add_dir(const char *d)
{
    size_t i;

    for (i = 0; i < ndirs; i++)
        if (strcmp(dirs[i], d) == 0)
            return;
    if (ndirs < HP_DIRS_MAX && d[0] == '/')
        snprintf(dirs[ndirs++], sizeof(dirs[0]), "%s", d);
}

/* The loader's default folders: the system libssl's own folder (the
 * multiarch one), those of /etc/ld.so.conf.d, then the classic ones. */
static void init_dirs(void)
{
    char path[PATH_MAX], line[PATH_MAX];
    glob_t g;
    dev_t dev;
    ino_t ino;
    size_t i;

    if (ndirs > 0)
        return;
    if (hp_ps_system_libssl(path, sizeof(path), &dev, &ino)) {
        char *slash = strrchr(path, '/');

        snprintf(sys_ssl, sizeof(sys_ssl), "%s", slash + 1);
        *slash = '\0';
        add_dir(path);
    }
    if (glob("/etc/ld.so.conf.d/*.conf", 0, NULL, &g) == 0) {
        for (i = 0; i < g.gl_pathc; i++) {
            FILE *f = fopen(g.gl_pathv[i], "r");

            while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
                line[strcspn(line, " \t\r\n#")] = '\0';
                add_dir(line);
            }
            if (f != NULL)
                fclose(f);
        }
        globfree(&g);
    }
    add_dir("/lib64");
    add_dir("/usr/lib64");
    add_dir("/lib");
    add_dir("/usr/lib");
}

/* Where the loader finds `name` for an object in folder `origin` with
 * this run path; 0 if nowhere. */
static int find_lib(const char *name, const char *runpath,
                    const char *origin, char *out, size_t len)
{
    char rp[512], *save = NULL, *d;
    size_t i;

    snprintf(rp, sizeof(rp), "%s", runpath);
    for (d = strtok_r(rp, ":", &save); d != NULL;
         d = strtok_r(NULL, ":", &save)) {
        if (strncmp(d, "$ORIGIN", 7) == 0)
            hp_cli_set(out, len, "%s%s/%s", origin, d + 7, name);
        else if (strncmp(d, "${ORIGIN}", 9) == 0)
            hp_cli_set(out, len, "%s%s/%s", origin, d + 9, name);
        else
            hp_cli_set(out, len, "%s/%s", d, name);
        if (access(out, R_OK) == 0)
            return 1;
    }
    for (i = 0; i < ndirs; i++) {
        hp_cli_set(out, len, "%s/%s", dirs[i], name);
        if (access(out, R_OK) == 0)
            return 1;
    }
    return 0;
}

static void dir_of(const char *path, char *out, size_t len)
{
    const char *slash = strrchr(path, '/');

    hp_cli_set(out, len, "%.*s", slash != NULL ? (int)(slash - path) : 1,
               slash != NULL ? path : ".");
}

/* `from` is one step of DT_NEEDED (named need) below `into`. */
static void merge(struct lib_st *into, const struct lib_st *from,
                  const char *need)
{
    int k;

    for (k = 0; k < K_N; k++)
        if (from->dist[k] > 0 &&
            (into->dist[k] == 0 || from->dist[k] + 1 < into->dist[k])) {
            into->dist[k] = from->dist[k] + 1;
            hp_cli_set(into->name[k], sizeof(into->name[k]), "%s",
                       from->name[k]);
            hp_cli_set(into->via[k], sizeof(into->via[k]), "%s", need);
        }
}

/* The needs of an object (its ELF facts e, in folder origin). */
static void walk(const struct hp_elf_st *e, const char *origin, int depth,
                 struct lib_st *out);

static const struct lib_st *library(const char *path, int depth)
{
    struct hp_elf_st *e;
    struct lib_st *l, *got;
    char origin[PATH_MAX];
    size_t i, at;
    int fd;

    for (i = 0; i < memo.n; i++)
        if (strcmp(memo.v[i].path, path) == 0)
            return memo.v[i].done ? &memo.v[i] : NULL; /* NULL: a cycle */
    if (memo.n == memo.cap) {
        size_t cap = memo.cap ? 2 * memo.cap : 64;

        if ((l = realloc(memo.v, cap * sizeof(*l))) == NULL)
            return NULL;
        memo.v = l;
        memo.cap = cap;
    }
    at = memo.n++;
    memset(&memo.v[at], 0, sizeof(memo.v[at]));
    hp_cli_set(memo.v[at].path, sizeof(memo.v[at].path), "%s", path);
    e = malloc(sizeof(*e));
    got = calloc(1, sizeof(*got));
    if (e != NULL && got != NULL &&
        (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
        if (hp_elf_inspect(fd, e)) {
            if (e->bundled[0] != '\0') {
                got->self_bundled = 1;
                hp_cli_set(got->name[K_BUNDLED], sizeof(got->name[0]),
                           "%s in %s", e->bundled, path);
            }
            dir_of(path, origin, sizeof(origin));
            walk(e, origin, depth + 1, got);
        }
        close(fd);
    }
    l = &memo.v[at]; /* walk may have moved the table */
    if (got != NULL) {
        memcpy(l->dist, got->dist, sizeof(l->dist));
        memcpy(l->name, got->name, sizeof(l->name));
        memcpy(l->via, got->via, sizeof(l->via));
        l->self_bundled = got->self_bundled;
    }
    free(e);
    free(got);
    l->done = 1;
    return l;
}

static void walk(const struct hp_elf_st *e, const char *origin, int depth,
                 struct lib_st *out)
{
    char path[PATH_MAX];
    size_t i;
    int k;

    if (depth > HP_DEPTH_MAX)
        return;
    for (i = 0; i < e->nneeded; i++) {
        const char *need = e->needed[i];
        unsigned bit = hp_ps_libkind(need);
        const struct lib_st *l;
        struct lib_st *tmp;

        for (k = 0; k < K_N; k++)
            if (bit == kind_bit[k] && out->dist[k] != 1) {
                out->dist[k] = 1;
                hp_cli_set(out->name[k], sizeof(out->name[k]), "%s", need);
                hp_cli_set(out->via[k], sizeof(out->via[k]), "%s", need);
            }
        if (bit == HP_LIB_SSL || bit == HP_LIB_GNUTLS || bit == HP_LIB_NSS)
            continue; /* nothing below them changes the answer */
        if (!find_lib(need, e->runpath, origin, path, sizeof(path)) ||
            (l = library(path, depth)) == NULL ||
            (tmp = malloc(sizeof(*tmp))) == NULL)
            continue;
        *tmp = *l;
        if (tmp->self_bundled && out->dist[K_BUNDLED] != 1) {
            /* One step away, like a needed library of that kind. */
            out->dist[K_BUNDLED] = 1;
            hp_cli_set(out->name[K_BUNDLED], sizeof(out->name[0]), "%s",
                       tmp->name[K_BUNDLED]);
            hp_cli_set(out->via[K_BUNDLED], sizeof(out->via[0]), "%s", need);
        }
        merge(out, tmp, need);
        free(tmp);
    }
}

/* The closest kind other than OpenSSL (K_N: none). */
static int closest_other(const struct lib_st *l)
{
    static const int others[] = { K_GNUTLS, K_NSS, K_JAVA, K_BUNDLED };
    int best = K_N;
    size_t i;

    for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        if (l->dist[others[i]] > 0 &&
            (best == K_N || l->dist[others[i]] < l->dist[best]))
            best = others[i];
    return best;
}

static void other_reason(const struct lib_st *l, int k, char *tls,
                         size_t tlen, char *why, size_t wlen)
{
    static const char *const what[K_N] = {
        [K_GNUTLS] = "GnuTLS", [K_NSS] = "NSS", [K_JAVA] = "Java",
        [K_BUNDLED] = "bundled OpenSSL"
    };
    int direct = strcmp(l->via[k], l->name[k]) == 0;

    hp_cli_set(tls, tlen, "%s", what[k]);
    if (k == K_JAVA)
        hp_cli_set(why, wlen, "Java: the JVM's own TLS (JSSE), not OpenSSL");
    else if (k == K_BUNDLED)
        hp_cli_set(why, wlen, "%s, not the system's libssl%s%s%s",
                   l->name[k], direct ? "" : " (through ",
                   direct ? "" : l->via[k], direct ? "" : ")");
    else
        hp_cli_set(why, wlen, "uses %s (%s%s%s%s), which hostpin cannot "
                   "reach", what[k], l->name[k],
                   direct ? "" : ", through ", direct ? "" : l->via[k], "");
}

int hp_ps_classify(const char *path, const char *name, struct hp_prog_st *p)
{
    struct hp_elf_st *e = malloc(sizeof(*e));
    struct lib_st *l = calloc(1, sizeof(*l));
    char origin[PATH_MAX], real[PATH_MAX];
    const char *base = strrchr(name, '/');
    int fd = -1, node, ok = 0, k;

    base = base != NULL ? base + 1 : name;
    memset(p, 0, sizeof(*p));
    hp_cli_set(p->path, sizeof(p->path), "%s", name);
    init_dirs();
    if (e == NULL || l == NULL ||
        (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || !hp_elf_inspect(fd, e))
        goto end;
    if (realpath(path, real) == NULL)
        hp_cli_set(real, sizeof(real), "%s", name);
    dir_of(real, origin, sizeof(origin));
    walk(e, origin, 0, l);
    node = strcmp(base, "node") == 0 || strcmp(base, "nodejs") == 0 ||
           l->dist[K_NODE] > 0;
    k = closest_other(l);
    ok = 1;
    if (e->bundled[0] != '\0') {
        hp_cli_set(p->tls, sizeof(p->tls), "bundled OpenSSL");
        hp_cli_set(p->reason, sizeof(p->reason), node
                   ? "Node.js with its own %s linked in (an upstream build: "
                     "Debian's nodejs uses the system's libssl)"
                   : "%s linked in, not the system's libssl", e->bundled);
    } else if (e->go_tls) {
        hp_cli_set(p->tls, sizeof(p->tls), "Go");
        hp_cli_set(p->reason, sizeof(p->reason), "a Go program: Go's own "
                   "TLS (crypto/tls), not OpenSSL");
    } else if (l->dist[K_SSL] > 0 &&
               (k == K_N || l->dist[K_SSL] < l->dist[k])) {
        /* The closest TLS library is OpenSSL's: what the program itself
         * uses (curl: libcurl needs libssl; the GnuTLS below libldap
         * serves LDAP only). */
        if (sys_ssl[0] != '\0' && strcmp(l->name[K_SSL], sys_ssl) != 0) {
            hp_cli_set(p->tls, sizeof(p->tls), "other OpenSSL");
            hp_cli_set(p->reason, sizeof(p->reason), "needs %s, not the "
                       "system's %s", l->name[K_SSL], sys_ssl);
        } else {
            char also[PATH_MAX + 200] = "";

            p->covered = 1;
            hp_cli_set(p->tls, sizeof(p->tls), "OpenSSL");
            if (k != K_N)
                hp_cli_set(also, sizeof(also), "; %s also reaches %s, whose "
                           "connections are not pinned", l->via[k],
                           l->name[k]);
            hp_cli_set(p->reason, sizeof(p->reason), node
                       ? "the system OpenSSL (%s), through libnode: Node.js "
                         "reads nodejs_conf%s"
                       : "the system OpenSSL (%s)%s", l->name[K_SSL], also);
        }
    } else if (k != K_N) {
        other_reason(l, k, p->tls, sizeof(p->tls), p->reason,
                     sizeof(p->reason));
    } else {
        ok = 0;
    }
end:
    if (fd >= 0)
        close(fd);
    free(e);
    free(l);
    return ok;
}

int hp_ps_program(const char *path, struct hp_prog_st *p)
{
    return hp_ps_classify(path, path, p);
}

/* Clients users run, on PATH or where git keeps its helpers. */
static const char *const known[] = {
    "node", "nodejs", "curl", "wget", "wget2", "lynx", "links", "w3m",
    "gnutls-cli", "ldapsearch", "mutt", "neomutt", "fetchmail", "psql",
    "mysql", "mariadb", "redis-cli", "java", "openssl", "git",
    "/usr/lib/git-core/git-remote-https", "/usr/libexec/git-core/git-remote-https",
    NULL
};

/* The first name on PATH (or the absolute path itself). */
static int on_path(const char *name, char *out, size_t len)
{
    const char *path = getenv("PATH");
    char buf[4096], *save = NULL, *d;

    if (name[0] == '/') {
        snprintf(out, len, "%s", name);
        return access(out, X_OK) == 0;
    }
    snprintf(buf, sizeof(buf), "%s", path != NULL ? path : "/usr/bin:/bin");
    for (d = strtok_r(buf, ":", &save); d != NULL;
         d = strtok_r(NULL, ":", &save)) {
        snprintf(out, len, "%s/%s", d, name);
        if (access(out, X_OK) == 0)
            return 1;
    }
    return 0;
}

void hp_ps_known_uncovered(void (*cb)(const struct hp_prog_st *, void *),
                           void *arg)
{
    char path[PATH_MAX], real[PATH_MAX], seen[32][PATH_MAX];
    struct hp_prog_st *p = malloc(sizeof(*p));
    size_t i, j, nseen = 0;

    for (i = 0; p != NULL && known[i] != NULL; i++) {
        if (!on_path(known[i], path, sizeof(path)) ||
            realpath(path, real) == NULL)
            continue;
        for (j = 0; j < nseen && strcmp(seen[j], real) != 0; j++)
            ;
        if (j < nseen || nseen == 32)
            continue;
        snprintf(seen[nseen++], sizeof(seen[0]), "%s", real);
        if (hp_ps_program(path, p) && !p->covered)
            cb(p, arg);
    }
    free(p);
}
