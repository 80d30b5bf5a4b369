/* SPDX-License-Identifier: Apache-2.0 */
/* Provider settings and the process-wide pin set.
 *
 * The set is loaded on first use, so a process that never verifies a
 * certificate never reads the file.  Afterwards, at most once per
 * reload_interval, one verifying thread stat()s the file and, if it changed
 * and is valid, swaps the new set in (DESIGN 3.6).
 *
 * Readers take no lock: they announce themselves in one of two counters
 * (chosen by an epoch) and read the current pointer.  A writer publishes the
 * new pointer, then flips the epoch twice, each time waiting for the
 * counter of the previous epoch to drain; after that no reader can still
 * hold the old set and it is freed.  (A reader that picked the old counter
 * after the writer saw it drained loads the pointer after the swap, so it
 * gets the new set.)  If readers do not drain within a bound, the old set is
 * leaked rather than freed under them. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>

#include "hostpin.h"
#include "hostpin_index.h"

struct file_sig {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    int exists;
    int recorded; /* 0: no file seen in this role yet */
    uint64_t dropins; /* include_dir and its *.conf files, 0 if none */
};

static struct hp_settings_st settings = { HP_DEFAULT_PINS_FILE, 0 };
static int configured;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* writers only */
static _Atomic int loaded;              /* first load attempted */
static struct hp_pinset_st *_Atomic current;
static _Atomic unsigned long readers[2];
static _Atomic unsigned epoch;
static _Atomic long next_check;         /* monotonic second */
static _Atomic int interval = HP_DEFAULT_RELOAD_INTERVAL;
static _Atomic int ip_hint = 1;         /* see hp_state_ip_matters */
/* Guarded by `lock`. */
static struct file_sig loaded_sig, failed_sig;
static char load_error[1200];
static char watch_dir[1024]; /* include_dir of the current set */

/* The first provider activation in the process decides the settings. */
void hp_state_configure(const char *pins, const char *on_error)
{
    pthread_mutex_lock(&lock);
    if (!configured) {
        configured = 1;
        /* A path too long to keep is kept as one that cannot be opened,
         * never as the prefix it was cut to. */
        if (pins != NULL && *pins != '\0' &&
            (size_t)snprintf(settings.pins, sizeof(settings.pins), "%s",
                             pins) >= sizeof(settings.pins))
            snprintf(settings.pins, sizeof(settings.pins), "%s",
                     HP_PINS_TOO_LONG);
        if (on_error != NULL && strcmp(on_error, "fail-open") == 0) {
            settings.fail_open = 1;
        } else if (on_error != NULL && *on_error != '\0' &&
                   strcmp(on_error, "fail-closed") != 0) {
            /* Unknown value: the safe choice, said once. */
            HP_LOG(LOG_WARNING, "on_error = \"%s\" is not fail-closed or "
                                "fail-open; using fail-closed", on_error);
        }
    }
    pthread_mutex_unlock(&lock);
}

int hp_state_fail_open(void)
{
    return settings.fail_open;
}

const char *hp_state_pins_path(void)
{
    return settings.pins;
}

static long mono_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (long)ts.tv_sec;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    while (n-- > 0)
        h = (h ^ *b++) * 1099511628211ull;
    return h;
}

/* Drop-in files are part of the pins file: their folder's and their own
 * inode, size and mtime.  Called with `lock` held. */
static uint64_t dropins_sig(void)
{
    uint64_t h = 1469598103934665603ull;
    struct dirent *de;
    struct stat st;
    char path[1400];
    DIR *d;

    if (watch_dir[0] == '\0')
        return 0;
    if (stat(watch_dir, &st) != 0 || (d = opendir(watch_dir)) == NULL)
        return 1; /* gone: differs from any folder that was there */
    h = fnv(h, &st.st_ino, sizeof(st.st_ino));
    h = fnv(h, &st.st_mtim, sizeof(st.st_mtim));
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);

        if (de->d_name[0] == '.' || len < 6 ||
            strcmp(de->d_name + len - 5, ".conf") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", watch_dir, de->d_name);
        if (stat(path, &st) != 0)
            continue;
        /* Order-independent: readdir order is not stable. */
        h ^= fnv(fnv(fnv(fnv(1469598103934665603ull, de->d_name, len),
                         &st.st_ino, sizeof(st.st_ino)),
                     &st.st_size, sizeof(st.st_size)),
                 &st.st_mtim, sizeof(st.st_mtim));
    }
    closedir(d);
    return h | 2;
}

static void file_sig_read(struct file_sig *s)
{
    struct stat st;

    memset(s, 0, sizeof(*s));
    s->recorded = 1;
    s->dropins = dropins_sig();
    if (stat(settings.pins, &st) != 0)
        return;
    s->exists = 1;
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    s->size = st.st_size;
    s->mtime = st.st_mtim;
}

static int file_sig_equal(const struct file_sig *a, const struct file_sig *b)
{
    return a->recorded && b->recorded && a->exists == b->exists &&
           a->dev == b->dev && a->ino == b->ino &&
           a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
           a->mtime.tv_nsec == b->mtime.tv_nsec && a->dropins == b->dropins;
}

/* Wait until no reader announced in `slot` remains; 0 on timeout. */
static int drain(unsigned slot)
{
    struct timespec pause = { 0, 100000 }; /* 0.1 ms */
    int i;

    for (i = 0; i < 20000; i++) { /* at most about 2 s */
        if (atomic_load(&readers[slot]) == 0)
            return 1;
        nanosleep(&pause, NULL);
    }
    return 0;
}

static void retire(struct hp_pinset_st *old)
{
    unsigned e;

    if (old == NULL)
        return;
    e = atomic_fetch_add(&epoch, 1);
    if (!drain(e & 1))
        goto leak;
    e = atomic_fetch_add(&epoch, 1);
    if (!drain(e & 1))
        goto leak;
    hp_pinset_free(old);
    return;
leak:
    HP_LOG(LOG_WARNING, "a verification did not finish within 2 s; the "
                        "previous pin set is kept in memory");
}

/* Load the file; publish it if valid.  Called with `lock` held. */
static void load_locked(struct file_sig *sig)
{
    struct hp_pinset_st *ps = NULL, *old;
    struct hp_error_st err;
    char msg[sizeof(load_error)];

    if (hp_pinset_load(settings.pins, &ps, &err, NULL)) {
        struct file_sig after;

        /* Written to while we read it (an editor saving in place): not
         * published; the next check loads the finished file. */
        file_sig_read(&after);
        if (!file_sig_equal(&after, sig)) {
            hp_pinset_free(ps);
            if (atomic_load(&current) != NULL)
                return;
            file_sig_read(&after);
            if (!hp_pinset_load(settings.pins, &ps, &err, NULL))
                goto invalid;
            *sig = after;
        }
        atomic_store(&interval, ps->reload_interval);
        /* Raised before the swap, lowered after: a reader that saw the
         * hint low and then holds the new set checks the set itself. */
        if (hp_pinset_ip_matters(ps))
            atomic_store(&ip_hint, 1);
        old = atomic_exchange(&current, ps);
        if (!hp_pinset_ip_matters(ps))
            atomic_store(&ip_hint, 0);
        if (strcmp(watch_dir, ps->include_dir ? ps->include_dir : "") != 0) {
            /* A new drop-in folder: watch it from now on. */
            snprintf(watch_dir, sizeof(watch_dir), "%s",
                     ps->include_dir ? ps->include_dir : "");
            sig->dropins = dropins_sig();
        }
        loaded_sig = *sig;
        memset(&failed_sig, 0, sizeof(failed_sig));
        if (old != NULL)
            HP_LOG(LOG_NOTICE, "reloaded %s: %zu hosts", settings.pins,
                   ps->nrules);
        else
            HP_DEBUG("loaded %s: %zu hosts", settings.pins, ps->nrules);
        retire(old);
        return;
    }
invalid:
    failed_sig = *sig;
    hp_error_format(&err, msg, sizeof(msg));
    if (atomic_load(&current) != NULL) {
        HP_LOG(LOG_ERR, "%s; the previous pins stay in force", msg);
        return;
    }
    memcpy(load_error, msg, sizeof(msg));
    HP_LOG(LOG_ERR, "%s (on_error = %s: %s)", msg,
           settings.fail_open ? "fail-open" : "fail-closed",
           settings.fail_open ? "nothing is pinned"
                              : "every TLS client verification fails");
}

static void first_load(void)
{
    pthread_mutex_lock(&lock);
    if (!atomic_load(&loaded)) {
        struct file_sig sig;

        file_sig_read(&sig);
        load_locked(&sig);
        atomic_store(&next_check, mono_seconds() + atomic_load(&interval));
        atomic_store(&loaded, 1);
    }
    pthread_mutex_unlock(&lock);
}

/* At most once per interval, and by one thread: others go on with the set
 * they have rather than wait. */
static void maybe_reload(void)
{
    int iv = atomic_load_explicit(&interval, memory_order_relaxed);
    long now;

    if (iv == 0)
        return;
    now = mono_seconds();
    if (now < atomic_load_explicit(&next_check, memory_order_relaxed))
        return;
    if (pthread_mutex_trylock(&lock) != 0)
        return;
    if (now >= atomic_load(&next_check)) {
        struct file_sig sig;

        atomic_store(&next_check, now + iv);
        file_sig_read(&sig);
        if (!file_sig_equal(&sig, &loaded_sig) &&
            !file_sig_equal(&sig, &failed_sig))
            load_locked(&sig); /* an invalid file is logged once per change */
    }
    pthread_mutex_unlock(&lock);
}

const struct hp_pinset_st *hp_state_acquire(struct hp_state_ref_st *ref)
{
    if (!atomic_load_explicit(&loaded, memory_order_acquire))
        first_load();
    else
        maybe_reload();
    ref->slot = atomic_load(&epoch) & 1;
    atomic_fetch_add(&readers[ref->slot], 1);
    ref->ps = atomic_load(&current);
    return ref->ps;
}

int hp_state_ip_matters(void)
{
    return atomic_load_explicit(&ip_hint, memory_order_relaxed);
}

void hp_state_release(struct hp_state_ref_st *ref)
{
    atomic_fetch_sub(&readers[ref->slot], 1);
    ref->ps = NULL;
}

void hp_state_error(char *buf, size_t len)
{
    pthread_mutex_lock(&lock);
    snprintf(buf, len, "%s", load_error);
    pthread_mutex_unlock(&lock);
}
