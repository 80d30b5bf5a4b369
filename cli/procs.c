/* SPDX-License-Identifier: Apache-2.0 */
/* Which running processes hostpin protects (as needrestart does for
 * libraries): the libraries each one maps (/proc/PID/maps), its program
 * file (elf.c), the OpenSSL configuration it read (OPENSSL_CONF from
 * /proc/PID/environ, else OpenSSL's default) and when it started. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "ps.h"

#define HP_SCAN_LIBS 16 /* private libraries inspected per process */

unsigned hp_ps_libkind(const char *base)
{
    if (strncmp(base, "libssl.so.", 10) == 0)
        return HP_LIB_SSL;
    if (strcmp(base, "hostpin.so") == 0 || strcmp(base, "hostpin-core.so") == 0)
        return HP_LIB_HOSTPIN;
    if (strncmp(base, "libgnutls.so.", 13) == 0)
        return HP_LIB_GNUTLS;
    if (strcmp(base, "libnss3.so") == 0 || strcmp(base, "libssl3.so") == 0)
        return HP_LIB_NSS;
    if (strcmp(base, "libjvm.so") == 0 || strcmp(base, "libjli.so") == 0)
        return HP_LIB_JAVA;
    if (strncmp(base, "libnode.so.", 11) == 0)
        return HP_LIB_NODE;
    /* Python wheels and other bundles rename theirs (auditwheel). */
    if ((strncmp(base, "libssl-", 7) == 0 || strncmp(base, "libssl.so", 9) == 0)
        && strstr(base, ".so") != NULL)
        return HP_LIB_BUNDLED;
    return 0;
}

const char *hp_ps_state(enum hp_cover s, int json)
{
    switch (s) {
    case HP_PROTECTED:
        return "protected";
    case HP_NEEDS_RESTART:
        return json ? "needs-restart" : "needs restart";
    default:
        return json ? "not-covered" : "not covered";
    }
}

/* One line of /proc/PID/maps: the file, its device and inode. */
struct map_st {
    char path[PATH_MAX];
    dev_t dev;
    ino_t ino;
    int exec;
    int deleted;
};

static int parse_map(char *line, struct map_st *m)
{
    unsigned long long ino;
    unsigned maj, min;
    char perms[8];
    int off = 0;
    char *p;

    if (sscanf(line, "%*x-%*x %7s %*x %x:%x %llu %n", perms, &maj, &min, &ino,
               &off) < 4 || off == 0 || line[off] != '/')
        return 0;
    p = line + off;
    p[strcspn(p, "\n")] = '\0';
    m->deleted = strlen(p) > 10 && strcmp(p + strlen(p) - 10, " (deleted)") == 0;
    if (m->deleted)
        p[strlen(p) - 10] = '\0';
    snprintf(m->path, sizeof(m->path), "%s", p);
    m->dev = makedev(maj, min);
    m->ino = (ino_t)ino;
    m->exec = strchr(perms, 'x') != NULL;
    return 1;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s != NULL ? s + 1 : path;
}

int hp_ps_system_libssl(char *path, size_t len, dev_t *dev, ino_t *ino)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[PATH_MAX + 128];
    struct map_st m;
    int found = 0;

    while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL)
        if (parse_map(line, &m) &&
            hp_ps_libkind(base_name(m.path)) == HP_LIB_SSL) {
            snprintf(path, len, "%s", m.path);
            *dev = m.dev;
            *ino = m.ino;
            found = 1;
        }
    if (f != NULL)
        fclose(f);
    return found;
}

/* What a file (exe or library) holds, inspected once per scan. */
struct seen_st {
    dev_t dev;
    ino_t ino;
    struct hp_elf_st elf;
};

/* A configuration file as read once per scan. */
struct cnf_st {
    char file[PATH_MAX];
    struct hp_osslconf_st oc;
    int64_t mtime_us; /* 0: cannot be read */
};

struct scan_st {
    char ssl_path[PATH_MAX];
    dev_t ssl_dev;
    ino_t ssl_ino;
    int have_ssl;
    char dflt_cnf[PATH_MAX]; /* OpenSSL's default, OPENSSL_CONF aside */
    dev_t self_dev;
    ino_t self_ino;
    int64_t boot_us;         /* boot time, microseconds since the epoch */
    long hz;
    struct seen_st *seen;
    size_t nseen, capseen;
    struct cnf_st *cnf;
    size_t ncnf, capcnf;
};

static int64_t now_us(clockid_t c)
{
    struct timespec ts;

    clock_gettime(c, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void scan_init(struct scan_st *s)
{
    const char *d = OpenSSL_version(OPENSSL_DIR), *q = strchr(d, '"');
    struct stat st;

    memset(s, 0, sizeof(*s));
    s->have_ssl = hp_ps_system_libssl(s->ssl_path, sizeof(s->ssl_path),
                                      &s->ssl_dev, &s->ssl_ino);
    /* OpenSSL_version(OPENSSL_DIR) reads OPENSSLDIR: "/usr/lib/ssl". */
    snprintf(s->dflt_cnf, sizeof(s->dflt_cnf), "%.*s/openssl.cnf",
             q != NULL && strchr(q + 1, '"') != NULL
                 ? (int)(strchr(q + 1, '"') - q - 1) : 0,
             q != NULL ? q + 1 : "");
    if (stat("/proc/self/exe", &st) == 0)
        s->self_dev = st.st_dev, s->self_ino = st.st_ino;
    /* Start times count from boot (CLOCK_BOOTTIME since Linux 5.5). */
    s->boot_us = now_us(CLOCK_REALTIME) - now_us(CLOCK_BOOTTIME);
    s->hz = sysconf(_SC_CLK_TCK);
    if (s->hz <= 0)
        s->hz = 100;
}

static void scan_free(struct scan_st *s)
{
    free(s->seen);
    free(s->cnf);
}

/* The ELF facts of an open file, from the cache or read now. */
static const struct hp_elf_st *inspect_fd(struct scan_st *s, int fd)
{
    struct stat st;
    struct seen_st *n;
    size_t i;

    if (fd < 0 || fstat(fd, &st) != 0)
        return NULL;
    for (i = 0; i < s->nseen; i++)
        if (s->seen[i].dev == st.st_dev && s->seen[i].ino == st.st_ino)
            return &s->seen[i].elf;
    if (s->nseen == s->capseen) {
        size_t cap = s->capseen ? 2 * s->capseen : 32;

        if ((n = realloc(s->seen, cap * sizeof(*n))) == NULL)
            return NULL;
        s->seen = n;
        s->capseen = cap;
    }
    n = &s->seen[s->nseen++];
    n->dev = st.st_dev;
    n->ino = st.st_ino;
    hp_elf_inspect(fd, &n->elf);
    return &n->elf;
}

/* A file of the process, seen from its root (it may be in a container). */
static const struct hp_elf_st *inspect_path(struct scan_st *s, long pid,
                                            const char *path)
{
    char p[PATH_MAX + 32];
    const struct hp_elf_st *e;
    int fd;

    snprintf(p, sizeof(p), "/proc/%ld/root%s", pid, path);
    if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
        fd = open(path, O_RDONLY | O_CLOEXEC);
    e = inspect_fd(s, fd);
    if (fd >= 0)
        close(fd);
    return e;
}

static const struct cnf_st *config_of(struct scan_st *s, long pid,
                                      const char *file)
{
    char p[PATH_MAX + 32];
    struct stat st;
    struct cnf_st *c;
    size_t i;

    for (i = 0; i < s->ncnf; i++)
        if (strcmp(s->cnf[i].file, file) == 0)
            return &s->cnf[i];
    if (s->ncnf == s->capcnf) {
        size_t cap = s->capcnf ? 2 * s->capcnf : 8;

        if ((c = realloc(s->cnf, cap * sizeof(*c))) == NULL)
            return NULL;
        s->cnf = c;
        s->capcnf = cap;
    }
    c = &s->cnf[s->ncnf++];
    memset(c, 0, sizeof(*c));
    snprintf(c->file, sizeof(c->file), "%s", file);
    /* Through the process's root when it can be reached, as it sees it. */
    snprintf(p, sizeof(p), "/proc/%ld/root%s", pid, file);
    if (file[0] != '/' || stat(p, &st) != 0)
        snprintf(p, sizeof(p), "%s", file);
    hp_cli_osslconf_read_file(p, &c->oc);
    if (stat(p, &st) == 0)
        c->mtime_us = (int64_t)st.st_mtim.tv_sec * 1000000 +
                      st.st_mtim.tv_nsec / 1000;
    return c;
}

/* Read a small /proc file whole; its length, or -1. */
static ssize_t read_proc(long pid, const char *what, char *buf, size_t len)
{
    char p[64];
    ssize_t n, got = 0;
    int fd;

    snprintf(p, sizeof(p), "/proc/%ld/%s", pid, what);
    if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
        return -1;
    while ((size_t)got < len - 1 &&
           ((n = read(fd, buf + got, len - 1 - (size_t)got)) > 0 ||
            (n < 0 && errno == EINTR)))
        got += n > 0 ? n : 0;
    close(fd);
    buf[got] = '\0';
    return got;
}

/* An environment variable (or, with arg, a command-line argument) of
 * the process; 1 if found (copied to out), 0 if not, -1 unreadable. */
static int proc_strings(long pid, const char *what, const char *prefix,
                        char *out, size_t len)
{
    static char buf[1 << 17];
    ssize_t n = read_proc(pid, what, buf, sizeof(buf));
    size_t plen = strlen(prefix), i;

    if (n < 0)
        return -1;
    for (i = 0; i < (size_t)n; i += strlen(buf + i) + 1)
        if (strncmp(buf + i, prefix, plen) == 0) {
            if (out != NULL)
                snprintf(out, len, "%s", buf + i + plen);
            return 1;
        }
    return 0;
}

static void fmt_time(int64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;

    if (localtime_r(&t, &tm) == NULL ||
        strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(buf, len, "?");
}

/* What the maps show. */
struct libs_st {
    unsigned kinds;
    int sys_ssl;
    char ssl[PATH_MAX], other_ssl[PATH_MAX], gnutls[PATH_MAX],
        nss[PATH_MAX], hostpin[PATH_MAX], bundled[PATH_MAX],
        bundled_what[80];
};

static int is_system_dir(const char *p)
{
    static const char *const dirs[] = { "/usr/lib/", "/lib/", "/usr/lib64/",
                                        "/lib64/", "/usr/lib32/", NULL };
    size_t i;

    for (i = 0; dirs[i] != NULL; i++)
        if (strncmp(p, dirs[i], strlen(dirs[i])) == 0)
            return 1;
    return 0;
}

/* 1 read, 0 gone or a kernel thread, -1 unreadable (errno). */
static int read_maps(struct scan_st *s, long pid, const char *exe,
                     struct libs_st *l)
{
    char p[64], line[PATH_MAX + 128], last[PATH_MAX] = "";
    struct map_st m;
    size_t nscan = 0;
    FILE *f;
    int any = 0;

    memset(l, 0, sizeof(*l));
    snprintf(p, sizeof(p), "/proc/%ld/maps", pid);
    if ((f = fopen(p, "r")) == NULL)
        return errno == ENOENT || errno == ESRCH ? 0 : -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        const char *b;
        unsigned k;

        if (!parse_map(line, &m))
            continue;
        any = 1;
        b = base_name(m.path);
        k = hp_ps_libkind(b);
        l->kinds |= k;
        if (k == HP_LIB_SSL) {
            if (s->have_ssl && m.dev == s->ssl_dev && m.ino == s->ssl_ino) {
                l->sys_ssl = 1;
                hp_cli_set(l->ssl, sizeof(l->ssl), "%s", m.path);
            } else {
                hp_cli_set(l->other_ssl, sizeof(l->other_ssl), "%s%s",
                         m.path, m.deleted ? " (deleted)" : "");
            }
        } else if (k == HP_LIB_HOSTPIN) {
            hp_cli_set(l->hostpin, sizeof(l->hostpin), "%s", m.path);
        } else if (k == HP_LIB_GNUTLS) {
            hp_cli_set(l->gnutls, sizeof(l->gnutls), "%s", m.path);
        } else if (k == HP_LIB_NSS) {
            hp_cli_set(l->nss, sizeof(l->nss), "%s", m.path);
        } else if (k == HP_LIB_BUNDLED) {
            hp_cli_set(l->bundled, sizeof(l->bundled), "%s", m.path);
        } else if (k == 0 && m.exec && !is_system_dir(m.path) &&
                   strcmp(m.path, exe) != 0 && strstr(b, ".so") != NULL &&
                   l->bundled[0] == '\0' && nscan < HP_SCAN_LIBS) {
            /* A private library may hold an OpenSSL of its own.  (A
             * file's mappings follow each other.) */
            const struct hp_elf_st *e;

            if (strcmp(last, m.path) == 0)
                continue;
            memcpy(last, m.path, sizeof(last));
            nscan++;
            e = inspect_path(s, pid, m.path);
            if (e != NULL && e->bundled[0] != '\0') {
                hp_cli_set(l->bundled, sizeof(l->bundled), "%s", m.path);
                hp_cli_set(l->bundled_what, sizeof(l->bundled_what), "%s",
                         e->bundled);
            }
        }
    }
    fclose(f);
    return any;
}

static void user_of(unsigned uid, char *buf, size_t len)
{
    struct passwd pw, *res = NULL;
    char tmp[2048];

    if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL)
        snprintf(buf, len, "%s", pw.pw_name);
    else
        snprintf(buf, len, "%u", uid);
}

/* Start time (/proc/PID/stat field 22, clock ticks since boot). */
static int64_t started_us(const struct scan_st *s, long pid)
{
    char buf[2048], *p;
    unsigned long long ticks = 0;
    int i;

    if (read_proc(pid, "stat", buf, sizeof(buf)) <= 0 ||
        (p = strrchr(buf, ')')) == NULL)
        return 0;
    /* After "pid (comm)": state is field 3, starttime field 22. */
    for (i = 3, p++; i < 22 && *p != '\0'; i++) {
        p += strspn(p, " ");
        p += strcspn(p, " ");
    }
    if (sscanf(p, " %llu", &ticks) != 1)
        return 0;
    return s->boot_us + (int64_t)(ticks * 1000000ULL / (unsigned long)s->hz);
}

/* Not covered whatever the configuration: another TLS library. */
static int other_tls(const struct scan_st *s, const struct libs_st *l,
                     const struct hp_elf_st *exe, int node,
                     struct hp_proc_st *p)
{
    const char *also = l->kinds & HP_LIB_HOSTPIN
                           ? " (hostpin is loaded, for its OpenSSL "
                             "connections only)"
                           : "";

    if (exe != NULL && exe->bundled[0] != '\0') {
        hp_cli_set(p->tls, sizeof(p->tls), "bundled OpenSSL");
        if (node)
            hp_cli_set(p->reason, sizeof(p->reason), "Node.js with its own %s "
                     "linked in (an upstream build: Debian's nodejs uses the "
                     "system's libssl)", exe->bundled);
        else
            hp_cli_set(p->reason, sizeof(p->reason), "%s linked into %s, not "
                     "the system's libssl", exe->bundled, p->exe);
    } else if (exe != NULL && exe->go_tls) {
        hp_cli_set(p->tls, sizeof(p->tls), "Go");
        hp_cli_set(p->reason, sizeof(p->reason), "a Go program: Go's own TLS "
                 "(crypto/tls), not OpenSSL");
    } else if (l->kinds & HP_LIB_GNUTLS) {
        hp_cli_set(p->tls, sizeof(p->tls), "GnuTLS");
        hp_cli_set(p->reason, sizeof(p->reason), "uses GnuTLS (%s), which "
                 "hostpin cannot reach%s", l->gnutls, also);
    } else if (l->kinds & HP_LIB_NSS) {
        hp_cli_set(p->tls, sizeof(p->tls), "NSS");
        hp_cli_set(p->reason, sizeof(p->reason), "uses NSS (%s), which hostpin "
                 "cannot reach%s", l->nss, also);
    } else if (l->kinds & HP_LIB_JAVA) {
        hp_cli_set(p->tls, sizeof(p->tls), "Java");
        hp_cli_set(p->reason, sizeof(p->reason), "Java: the JVM's own TLS "
                 "(JSSE), not OpenSSL");
    } else if (l->bundled[0] != '\0') {
        hp_cli_set(p->tls, sizeof(p->tls), "bundled OpenSSL");
        hp_cli_set(p->reason, sizeof(p->reason), "%s%s%s, not the system's "
                 "libssl%s", l->bundled_what[0] ? l->bundled_what : "an "
                 "OpenSSL of its own", l->bundled_what[0] ? " in " : ": ",
                 l->bundled, also);
    } else if (l->other_ssl[0] != '\0' && !(l->kinds & HP_LIB_HOSTPIN)) {
        hp_cli_set(p->tls, sizeof(p->tls), "other OpenSSL");
        hp_cli_set(p->reason, sizeof(p->reason), "another OpenSSL: %s, not the "
                 "system's libssl (%s)", l->other_ssl,
                 s->have_ssl ? s->ssl_path : "unknown");
    } else {
        return 0;
    }
    p->state = HP_NOT_COVERED;
    return 1;
}

/* A process with the system libssl: hostpin loaded, or why not. */
static void openssl_state(struct scan_st *s, const struct libs_st *l,
                          int node, struct hp_proc_st *p)
{
    char env[PATH_MAX], cwd[64], file[PATH_MAX], t1[32], t2[32];
    const struct cnf_st *c;
    int r, shared = 0, listed;
    const char *how;

    hp_cli_set(p->tls, sizeof(p->tls), "OpenSSL");
    r = proc_strings(p->pid, "environ", "OPENSSL_CONF=", env, sizeof(env));
    if (r == 1 && env[0] != '\0') {
        /* A relative name is the process's working folder's. */
        snprintf(cwd, sizeof(cwd), "/proc/%ld/cwd", p->pid);
        if (env[0] != '/') {
            char dir[PATH_MAX] = "";
            ssize_t n = readlink(cwd, dir, sizeof(dir) - 1);

            dir[n > 0 ? n : 0] = '\0';
            hp_cli_set(file, sizeof(file), "%s/%s", dir, env);
        } else {
            hp_cli_set(file, sizeof(file), "%s", env);
        }
        how = "OPENSSL_CONF";
    } else {
        hp_cli_set(file, sizeof(file), "%s", s->dflt_cnf);
        how = r < 0 ? "the default; its environment is unreadable"
                    : "the system's";
    }
    hp_cli_set(p->config, sizeof(p->config), "%s", file);
    if (l->kinds & HP_LIB_HOSTPIN) {
        p->state = HP_PROTECTED;
        hp_cli_set(p->reason, sizeof(p->reason), "hostpin loaded (%s)",
                 l->hostpin);
        return;
    }
    c = config_of(s, p->pid, file);
    if (node) {
        shared = proc_strings(p->pid, "cmdline", "--openssl-shared-config",
                              NULL, 0) == 1;
        if (!shared) {
            char opts[1024] = "";

            proc_strings(p->pid, "environ", "NODE_OPTIONS=", opts,
                         sizeof(opts));
            shared = strstr(opts, "--openssl-shared-config") != NULL;
        }
    }
    listed = c != NULL && (node && !shared ? c->oc.node_listed
                                           : c->oc.listed);
    p->state = HP_NOT_COVERED;
    if (c == NULL || c->mtime_us == 0) {
        hp_cli_set(p->reason, sizeof(p->reason), "the system OpenSSL without "
                 "hostpin; its configuration %s (%s) cannot be read", file,
                 how);
    } else if (!listed && node && !shared) {
        hp_cli_set(p->reason, sizeof(p->reason), "Node.js reads the section "
                 "nodejs_conf of %s (%s), and that does not load hostpin "
                 "(hostpin enable wires it; or start node with "
                 "--openssl-shared-config)", file, how);
    } else if (!listed) {
        hp_cli_set(p->reason, sizeof(p->reason), "the system OpenSSL, but its "
                 "configuration %s (%s) does not load hostpin", file, how);
    } else if (p->started_us != 0 && p->started_us < c->mtime_us) {
        p->state = HP_NEEDS_RESTART;
        fmt_time(p->started_us, t1, sizeof(t1));
        fmt_time(c->mtime_us, t2, sizeof(t2));
        hp_cli_set(p->reason, sizeof(p->reason), "the system OpenSSL without "
                 "hostpin: started %s, before %s (%s) changed at %s; OpenSSL "
                 "reads its configuration once, at start", t1, file, how,
                 t2);
    } else {
        hp_cli_set(p->reason, sizeof(p->reason), "the system OpenSSL, and %s "
                 "(%s) loads hostpin, but this process has not loaded it: "
                 "it skips the OpenSSL configuration, reads another "
                 "section, or has not started OpenSSL yet (hostpin loads "
                 "with the configuration, at the first TLS use)", file,
                 how);
    }
}

/* 1 listed, 0 not a TLS user, -1 unreadable. */
static int scan_pid(struct scan_st *s, long pid, struct hp_proc_st *p)
{
    char buf[4096], note[800] = "", *u;
    const struct hp_elf_st *exe = NULL;
    struct libs_st l;
    struct stat st;
    ssize_t n;
    int r, node, fd;

    memset(p, 0, sizeof(*p));
    p->pid = pid;
    snprintf(buf, sizeof(buf), "/proc/%ld/exe", pid);
    n = readlink(buf, p->exe, sizeof(p->exe) - 1);
    if (n <= 0)
        return errno == EACCES || errno == EPERM ? -1 : 0;
    p->exe[n] = '\0';
    if (stat(buf, &st) == 0 && st.st_dev == s->self_dev &&
        st.st_ino == s->self_ino)
        return 0; /* the hostpin command: it reads no configuration */
    if ((r = read_maps(s, pid, p->exe, &l)) <= 0)
        return r;
    if ((fd = open(buf, O_RDONLY | O_CLOEXEC)) >= 0) {
        exe = inspect_fd(s, fd);
        close(fd);
    }
    if (read_proc(pid, "comm", buf, sizeof(buf)) > 0)
        buf[strcspn(buf, "\n")] = '\0';
    else
        snprintf(buf, sizeof(buf), "%s", base_name(p->exe));
    hp_cli_set(p->comm, sizeof(p->comm), "%s", buf);
    if (read_proc(pid, "status", buf, sizeof(buf)) > 0 &&
        (u = strstr(buf, "\nUid:")) != NULL)
        p->uid = (unsigned)strtoul(u + 5, NULL, 10);
    user_of(p->uid, p->user, sizeof(p->user));
    p->started_us = started_us(s, pid);
    node = (l.kinds & HP_LIB_NODE) || strcmp(base_name(p->exe), "node") == 0
           || strcmp(base_name(p->exe), "nodejs") == 0;
    if ((l.kinds & (HP_LIB_GNUTLS | HP_LIB_NSS)) && l.sys_ssl) {
        /* GnuTLS or NSS beside the system libssl: what the program needs
         * decides.  curl needs libcurl, which needs libssl; its GnuTLS
         * comes with libldap, for LDAP. */
        struct hp_prog_st *g = malloc(sizeof(*g));
        char exe_path[64];

        snprintf(exe_path, sizeof(exe_path), "/proc/%ld/exe", pid);
        if (g != NULL && hp_ps_classify(exe_path, p->exe, g) && g->covered) {
            const char *also = strstr(g->reason, "; ");

            l.kinds &= ~(unsigned)(HP_LIB_GNUTLS | HP_LIB_NSS);
            hp_cli_set(note, sizeof(note), "%s", also != NULL ? also : "");
        }
        free(g);
    }
    if (other_tls(s, &l, exe, node, p))
        return 1;
    if (!l.sys_ssl && !(l.kinds & HP_LIB_HOSTPIN))
        return 0; /* no TLS seen: libcrypto alone is not a TLS client */
    openssl_state(s, &l, node, p);
    if (note[0] != '\0')
        hp_cli_set(p->reason + strlen(p->reason),
                   sizeof(p->reason) - strlen(p->reason), "%s", note);
    return 1;
}

static int push(struct hp_ps_st *ps, const struct hp_proc_st *p)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 32;
        struct hp_proc_st *v = realloc(ps->v, cap * sizeof(*v));

        if (v == NULL)
            return 0;
        ps->v = v;
        ps->cap = cap;
    }
    ps->v[ps->n++] = *p;
    return 1;
}

static int by_pid(const void *a, const void *b)
{
    long x = ((const struct hp_proc_st *)a)->pid;
    long y = ((const struct hp_proc_st *)b)->pid;

    return (x > y) - (x < y);
}

static void scan_one(struct scan_st *s, struct hp_ps_st *ps, long pid,
                     struct hp_proc_st *p)
{
    int r = scan_pid(s, pid, p);

    if (r > 0) {
        push(ps, p);
    } else if (r < 0) {
        ps->unreadable++;
        snprintf(ps->unreadable_why, sizeof(ps->unreadable_why), "%s",
                 strerror(errno));
    }
}

int hp_ps_scan(const long *pids, size_t npids, struct hp_ps_st *ps)
{
    struct scan_st s;
    struct hp_proc_st *p = malloc(sizeof(*p));
    struct dirent *d;
    long self = (long)getpid();
    DIR *dir = NULL;
    size_t i;

    memset(ps, 0, sizeof(*ps));
    if (p == NULL)
        return 0;
    scan_init(&s);
    if (npids > 0) {
        for (i = 0; i < npids; i++)
            if (pids[i] != self)
                scan_one(&s, ps, pids[i], p);
    } else if ((dir = opendir("/proc")) != NULL) {
        while ((d = readdir(dir)) != NULL) {
            char *end;
            long pid = strtol(d->d_name, &end, 10);

            if (*end == '\0' && pid > 0 && pid != self &&
                isdigit((unsigned char)d->d_name[0]))
                scan_one(&s, ps, pid, p);
        }
        closedir(dir);
    }
    free(p);
    scan_free(&s);
    if (ps->n > 1) /* qsort wants a base, even for nothing */
        qsort(ps->v, ps->n, sizeof(*ps->v), by_pid);
    return dir != NULL || npids > 0;
}

void hp_ps_free(struct hp_ps_st *ps)
{
    free(ps->v);
    memset(ps, 0, sizeof(*ps));
}
