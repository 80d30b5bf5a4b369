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

/* Longest chain of symbolic links followed, as the kernel's (MAXSYMLINKS). */
#define HP_TRUST_MAX_LINKS 40

/* Resolve `path` one name at a time, as the kernel does, checking every
 * folder passed through from "/" down (a folder's parents are checked
 * before it), every symbolic link met (its owner: the folder holding it
 * was passed through, so is checked too) and then the way it leads, as a
 * path of its own.  A link that others own, or one in a folder others may
 * write, could be made to lead anywhere.  The object the path
 * ends at goes in *end; with `folder`, it must be a folder others may not
 * add to. */
struct walk_bufs {
    char cur[PATH_MAX], rest[PATH_MAX], next[PATH_MAX], target[PATH_MAX];
};

static int walk_in(const char *path, int folder, struct stat *end, char *why,
                   size_t len, struct walk_bufs *b);

/* The path buffers on the heap: a verifying thread's stack may be
 * small. */
static int walk(const char *path, int folder, struct stat *end, char *why,
                size_t len)
{
    struct walk_bufs *b = malloc(sizeof(*b));
    int ok;

    if (b == NULL)
        return fail(why, len, "not trusted: out of memory");
    ok = walk_in(path, folder, end, why, len, b);
    free(b);
    return ok;
}

static int walk_in(const char *path, int folder, struct stat *end, char *why,
                   size_t len, struct walk_bufs *b)
{
    char *cur = b->cur, *rest = b->rest, *next = b->next,
         *target = b->target;
    struct stat st;
    size_t links = 0;
    char *p;

    if (path[0] == '/') {
        if (snprintf(rest, PATH_MAX, "%s", path) >= (int)PATH_MAX)
            goto too_long;
    } else {
        /* getcwd names the folder with no link on the way. */
        if (getcwd(cur, PATH_MAX) == NULL)
            return fail(why, len, "not trusted: the current folder: %s",
                        strerror(errno));
        if (snprintf(rest, PATH_MAX, "%s/%s", cur, path) >=
            (int)PATH_MAX)
            goto too_long;
    }
    strcpy(cur, "/");
    if (lstat(cur, &st) != 0)
        return fail(why, len, "not trusted: \"/\": %s", strerror(errno));
    if (!folder_ok(&st, cur, 0, why, len))
        return 0;
    *end = st;
    p = rest;
    for (;;) {
        char *name, *slash;
        size_t n;
        int last;

        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        name = p;
        if ((slash = strchr(p, '/')) != NULL) {
            *slash = '\0';
            p = slash + 1;
        } else {
            p += strlen(p);
        }
        if (strcmp(name, ".") == 0)
            continue;
        if (strcmp(name, "..") == 0) {
            /* cur has no link in it: its parent is the text before. */
            char *s = strrchr(cur, '/');

            if (s != NULL && s != cur)
                *s = '\0';
            else
                strcpy(cur, "/");
            if (lstat(cur, end) != 0)
                return fail(why, len, "not trusted: folder \"%s\": %s",
                            cur, strerror(errno));
            continue;
        }
        n = strlen(cur);
        if (snprintf(next, PATH_MAX, "%s%s%s", cur,
                     n > 1 ? "/" : "", name) >= (int)PATH_MAX)
            goto too_long;
        if (lstat(next, &st) != 0)
            return fail(why, len, "not trusted: \"%s\": %s", next,
                        strerror(errno));
        while (*p == '/')
            p++;
        last = *p == '\0';
        if (S_ISLNK(st.st_mode)) {
            ssize_t t;

            if (!owner_ok(&st, "symbolic link", next, why, len))
                return 0;
            if (++links > HP_TRUST_MAX_LINKS)
                return fail(why, len, "not trusted: \"%s\": too many "
                            "symbolic links", path);
            if ((t = readlink(next, target, PATH_MAX - 1)) < 0)
                return fail(why, len, "not trusted: symbolic link \"%s\": "
                            "%s", next, strerror(errno));
            target[t] = '\0';
            /* Where it leads, then what was left of the path. */
            if (snprintf(next, PATH_MAX, "%s%s%s", target,
                         last ? "" : "/", p) >= (int)PATH_MAX)
                goto too_long;
            memcpy(rest, next, strlen(next) + 1);
            p = rest;
            if (target[0] == '/') {
                strcpy(cur, "/");
                if (lstat(cur, end) != 0)
                    return fail(why, len, "not trusted: \"/\": %s",
                                strerror(errno));
            }
            continue;
        }
        memcpy(cur, next, strlen(next) + 1);
        *end = st;
        if (last)
            break;
        if (!S_ISDIR(st.st_mode))
            return fail(why, len, "not trusted: \"%s\" is not a folder",
                        cur);
        if (!folder_ok(&st, cur, 0, why, len))
            return 0;
    }
    if (folder && (!S_ISDIR(end->st_mode) ||
                   !folder_ok(end, cur, 1, why, len)))
        return S_ISDIR(end->st_mode)
                   ? 0
                   : fail(why, len, "not trusted: \"%s\" is not a folder",
                          cur);
    return 1;
too_long:
    return fail(why, len, "not trusted: path \"%.64s...\" is too long",
                path);
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
    struct stat end;

    if (!hp_trust_file_st(st, why, len) || !walk(path, 0, &end, why, len))
        return 0;
    /* The file read must be the one the checked path leads to. */
    if (end.st_dev != st->st_dev || end.st_ino != st->st_ino)
        return fail(why, len, "not trusted: \"%s\" was replaced while it "
                    "was read", path);
    return 1;
}

int hp_trust_folder(const char *path, char *why, size_t len)
{
    struct stat end;

    return walk(path, 1, &end, why, len);
}
