/* SPDX-License-Identifier: Apache-2.0 */
/* The files and folders a pin set was read from, as they were when read:
 * a long-running program reloads when one of them changes, and uses no
 * set while one of them is still being written. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hostpin_conf.h"

/* Set by the loader for the duration of one load on this thread, so that
 * every file it reads, however deep, is recorded (load.c). */
static _Thread_local struct hp_sources_st *collecting;

struct hp_sources_st *hp_sources_collect(struct hp_sources_st *s)
{
    struct hp_sources_st *was = collecting;

    collecting = s;
    return was;
}

static void set_sig(struct hp_source_st *e, const struct stat *st)
{
    e->exists = st != NULL;
    if (st == NULL)
        return;
    e->dev = st->st_dev;
    e->ino = st->st_ino;
    e->size = st->st_size;
    e->mode = st->st_mode;
    e->uid = st->st_uid;
    e->mtime = st->st_mtim;
    e->ctime = st->st_ctim;
}

void hp_sources_add(struct hp_sources_st *s, const char *path,
                    const struct stat *st)
{
    struct hp_source_st *v;
    size_t i;

    if (s == NULL)
        s = collecting;
    if (s == NULL)
        return;
    for (i = 0; i < s->n; i++)
        if (strcmp(s->v[i].path, path) == 0) {
            set_sig(&s->v[i], st);
            return;
        }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;

        if ((v = realloc(s->v, cap * sizeof(*v))) == NULL) {
            s->incomplete = 1;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
    if ((s->v[s->n].path = strdup(path)) == NULL) {
        s->incomplete = 1;
        return;
    }
    set_sig(&s->v[s->n++], st);
}

void hp_sources_free(struct hp_sources_st *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        free(s->v[i].path);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

static int ts_equal(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

int hp_sources_changed(const struct hp_sources_st *s)
{
    struct stat st;
    size_t i;

    if (s->incomplete)
        return 1;
    for (i = 0; i < s->n; i++) {
        const struct hp_source_st *e = &s->v[i];

        if (stat(e->path, &st) != 0) {
            if (e->exists)
                return 1;
            continue;
        }
        /* ctime too: a chmod or chown changes whether it is trusted. */
        if (!e->exists || e->dev != st.st_dev || e->ino != st.st_ino ||
            e->size != st.st_size || e->mode != st.st_mode ||
            e->uid != st.st_uid || !ts_equal(&e->mtime, &st.st_mtim) ||
            !ts_equal(&e->ctime, &st.st_ctim))
            return 1;
    }
    return 0;
}

/* A file written in place has the same modification and change times
 * (a write sets both); anything done to it after the last write sets the
 * change time alone: the rename of a finished file into place, but also a
 * chmod or chown between two writes of a script.  A rename changes the
 * folder at the same moment, a chmod does not, so a file whose times
 * differ has settled only if its folder changed at or after it did.  A
 * file that is recent by these times may still be being written, by an
 * editor or a script that pauses between writes. */
static int written_in_place(const struct hp_source_st *e)
{
    struct stat dst;
    char dir[4096];

    if (ts_equal(&e->mtime, &e->ctime))
        return 1;
    if (!hp_path_dir(dir, sizeof(dir), e->path) || stat(dir, &dst) != 0)
        return 1;
    return dst.st_mtim.tv_sec < e->ctime.tv_sec ||
           (dst.st_mtim.tv_sec == e->ctime.tv_sec &&
            dst.st_mtim.tv_nsec < e->ctime.tv_nsec);
}

int hp_sources_unsettled(const struct hp_sources_st *s,
                         const struct timespec *now, int window_ms,
                         struct timespec *until, const char **which)
{
    int64_t w = (int64_t)window_ms * 1000000, nowns, latest = 0;
    size_t i;

    nowns = (int64_t)now->tv_sec * 1000000000 + now->tv_nsec;
    for (i = 0; i < s->n; i++) {
        const struct hp_source_st *e = &s->v[i];
        int64_t m, age;

        if (!e->exists || S_ISDIR(e->mode))
            continue;
        m = (int64_t)e->mtime.tv_sec * 1000000000 + e->mtime.tv_nsec;
        age = nowns - m;
        /* Recent, either way: a time well in the future is a clock that
         * was set back, not a writer at work. */
        if (age < w && age > -w && m + w > latest &&
            written_in_place(e)) {
            latest = m + w;
            if (which != NULL)
                *which = e->path;
        }
    }
    if (latest == 0)
        return 0;
    if (until != NULL) {
        until->tv_sec = (time_t)(latest / 1000000000);
        until->tv_nsec = (long)(latest % 1000000000);
    }
    return 1;
}
