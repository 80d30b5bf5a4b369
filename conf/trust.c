/* SPDX-License-Identifier: Apache-2.0 */
/* Who may change the files pins come from.
 *
 * Whoever can write a pins file, a drop-in, an index or a certificate
 * file decides which servers are trusted, so hostpin reads them only when
 * nobody but root or the program's own (effective) user can change them,
 * as sshd's StrictModes and sudo do: the file is owned by one of them and
 * not writable by its group or others, and so is every folder on the way
 * to it, except that a sticky folder (/tmp) is fine on the way, since it
 * does not let others rename or remove what they do not own.  A folder
 * whose files are all read (include_dir, certs_dir) must not let others
 * add files either, sticky or not.  Symbolic links on the way must be
 * owned by one of them too; where they lead is checked as a path of its
 * own. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostpin_conf.h"

static int trusted_uid(uid_t uid)
{
    return uid == 0 || uid == geteuid();
}

static int fail(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return 0;
}

static const char *writers(mode_t m)
{
    return (m & S_IWOTH) != 0 ? "every user" : "its group";
}

/* `kind` and `path` name what is checked, NULL for the file itself
 * (the caller's message names it). */
static int owner_ok(const struct stat *st, const char *kind, const char *path,
                    char *why, size_t len)
{
    if (trusted_uid(st->st_uid))
        return 1;
    if (kind == NULL)
        return fail(why, len, "not trusted: owned by uid %u, and only files "
                    "of root or of the program's user (uid %u) are "
                    "trusted; run chown root", (unsigned)st->st_uid,
                    (unsigned)geteuid());
    return fail(why, len, "not trusted: %s \"%s\" is owned by uid %u, and "
                "only root or the program's user (uid %u) may own what "
                "leads to a pins file; run chown root", kind, path,
                (unsigned)st->st_uid, (unsigned)geteuid());
}

/* A folder on the way to a file: others may not replace what is in it. */
static int folder_ok(const struct stat *st, const char *path, int exclusive,
                     char *why, size_t len)
{
    if (!owner_ok(st, "folder", path, why, len))
        return 0;
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) == 0 ||
        (!exclusive && (st->st_mode & S_ISVTX) != 0))
        return 1;
    return fail(why, len, "not trusted: folder \"%s\" is writable by %s "
                "(mode %04o)%s, and whoever can write it can %s; run chmod "
                "go-w", path, writers(st->st_mode),
                (unsigned)(st->st_mode & 07777),
                exclusive && (st->st_mode & S_ISVTX) ? ", sticky or not" : "",
                exclusive ? "add files to it" : "replace the files in it");
}

/* Every folder from `dir` (resolved) up to the root. */
static int real_chain_ok(const char *dir, int exclusive, char *why,
                         size_t len)
{
    char real[PATH_MAX];
    struct stat st;
    char *slash;
    int first = 1;

    if (realpath(dir, real) == NULL)
        return fail(why, len, "not trusted: folder \"%s\": %s", dir,
                    strerror(errno));
    for (;;) {
        if (stat(real, &st) != 0)
            return fail(why, len, "not trusted: folder \"%s\": %s", real,
                        strerror(errno));
        if (!folder_ok(&st, real, first && exclusive, why, len))
            return 0;
        first = 0;
        if ((slash = strrchr(real, '/')) == NULL || slash == real) {
            if (real[1] == '\0')
                return 1;
            real[1] = '\0'; /* then "/" itself */
            continue;
        }
        *slash = '\0';
    }
}

/* The symbolic links of the path as written (lstat, each prefix). */
static int links_ok(const char *path, char *why, size_t len)
{
    char buf[PATH_MAX];
    struct stat st;
    size_t i, n = strlen(path);

    if (n >= sizeof(buf))
        return fail(why, len, "not trusted: path \"%.64s...\" is too long",
                    path);
    memcpy(buf, path, n + 1);
    for (i = 1; i <= n; i++) {
        if (i < n && buf[i] != '/')
            continue;
        buf[i] = '\0';
        if (lstat(buf, &st) == 0 && S_ISLNK(st.st_mode) &&
            !owner_ok(&st, "symbolic link", buf, why, len))
            return 0;
        if (i < n)
            buf[i] = '/';
    }
    return 1;
}

static void dir_of(const char *path, char *out, size_t len)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        snprintf(out, len, ".");
    else if (slash == path)
        snprintf(out, len, "/");
    else
        snprintf(out, len, "%.*s", (int)(slash - path), path);
}

int hp_trust_file_st(const struct stat *st, char *why, size_t len)
{
    if (!owner_ok(st, NULL, NULL, why, len))
        return 0;
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return fail(why, len, "not trusted: writable by %s (mode %04o), and "
                    "whoever can write it decides which servers are "
                    "trusted; run chmod go-w", writers(st->st_mode),
                    (unsigned)(st->st_mode & 07777));
    return 1;
}

int hp_trust_file(const struct stat *st, const char *path, char *why,
                  size_t len)
{
    char dir[PATH_MAX];

    if (!hp_trust_file_st(st, why, len) || !links_ok(path, why, len))
        return 0;
    dir_of(path, dir, sizeof(dir));
    return real_chain_ok(dir, 0, why, len);
}

int hp_trust_folder(const char *path, char *why, size_t len)
{
    return links_ok(path, why, len) && real_chain_ok(path, 1, why, len);
}
