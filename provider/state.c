/* SPDX-License-Identifier: Apache-2.0 */
/* Provider settings and the process-wide pin set.
 *
 * The set is loaded on first use, so a process that never verifies a
 * certificate never reads the file.  Afterwards, at most once per
 * reload_interval, one verifying thread stat()s every file and folder the
 * set was read from (the pins file, @include'd files, drop-ins, certificate
 * files and folders) and, if one changed, reads them again and swaps the
 * new set in if it is valid (DESIGN 3.6).  A set is never taken from files
 * that are still being written in place (HP_SETTLE_MS).
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
#include <sys/stat.h>
#include <time.h>

#include "core_api.h"
#include "hostpin.h"
#include "hostpin_index.h"

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
static struct hp_sources_st last;       /* what the last load read */
static _Atomic int last_unsettled;      /* ... while it was being written */
static enum hp_index_state last_index = HP_INDEX_OK; /* said once */
static char load_error[1200];
static _Atomic int *anchors_flag; /* hostpin.so's (core_api.h) */

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

/* How long a program's first verification waits for the file to settle
 * before it fails closed (or open, as on_error says). */
#define HP_SETTLE_WAIT_MS 3000

static void log_index(const struct hp_index_note_st *note,
                      const struct hp_pinset_st *ps)
{
    enum hp_index_state st = note->used ? HP_INDEX_OK : note->state;

    if (st == last_index)
        return;
    last_index = st;
    if (st == HP_INDEX_UNTRUSTED)
        HP_LOG(LOG_WARNING, "%s; the index is not used, the pins file is "
                            "parsed", note->why);
    else if (st == HP_INDEX_STALE && ps != NULL && ps->nrules >= 1000)
        HP_LOG(LOG_NOTICE, "%s: every program that verifies now parses "
                           "%zu hosts; run: hostpin index %s", note->why,
               ps->nrules, settings.pins);
}

void hp_state_anchors_flag(_Atomic int *flag)
{
    anchors_flag = flag;
}

static void publish(struct hp_pinset_st *ps)
{
    struct hp_pinset_st *old;

    atomic_store(&interval, ps->reload_interval);
    /* Raised before the swap, lowered after: a reader that saw the hint
     * low and then holds the new set checks the set itself. */
    if (hp_pinset_ip_matters(ps))
        atomic_store(&ip_hint, 1);
    /* Raised before the swap too: a lookup that sees "none" while a set
     * with anchors comes in only misses them for that one chain. */
    if (anchors_flag != NULL && ps->has_anchors)
        atomic_store(anchors_flag, HP_ANCHORS_SOME);
    old = atomic_exchange(&current, ps);
    if (!hp_pinset_ip_matters(ps))
        atomic_store(&ip_hint, 0);
    if (anchors_flag != NULL && !ps->has_anchors)
        atomic_store(anchors_flag, HP_ANCHORS_NONE);
    if (old != NULL)
        HP_LOG(LOG_NOTICE, "reloaded %s: %zu hosts", settings.pins,
               ps->nrules);
    else
        HP_DEBUG("loaded %s: %zu hosts", settings.pins, ps->nrules);
    retire(old);
}

static void failed(const struct hp_error_st *err)
{
    char msg[sizeof(load_error)];

    hp_error_format(err, msg, sizeof(msg));
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

static void sleep_until(const struct timespec *t)
{
    while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, t, NULL) != 0)
        ;
}

/* Load the pins file and publish it if valid and settled.  A running
 * program keeps its set while the file is being written; the first load
 * of a program waits for it, for HP_SETTLE_WAIT_MS at most.  Called with
 * `lock` held. */
static void load_locked(int first)
{
    struct timespec start, now, until, deadline;
    struct hp_index_note_st note;
    struct hp_error_st err;
    const char *which = NULL;

    clock_gettime(CLOCK_REALTIME, &start);
    deadline = start;
    deadline.tv_sec += HP_SETTLE_WAIT_MS / 1000;
    for (;;) {
        struct hp_pinset_st *ps = NULL;
        struct hp_sources_st src;
        int ok, busy;

        memset(&src, 0, sizeof(src));
        ok = hp_pinset_load(settings.pins, &ps, &err, &note, &src);
        clock_gettime(CLOCK_REALTIME, &now);
        /* Written to while it was read, or written in place so recently
         * that the writer may not be done. */
        busy = hp_sources_changed(&src);
        if (busy) {
            until = now;
            until.tv_nsec += 50000000; /* 50 ms */
            if (until.tv_nsec >= 1000000000) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000;
            }
            which = settings.pins;
        } else if (!note.used) {
            /* A current index is whole (checksums) and was made of a
             * settled file (hostpin index waits for it): only a parsed
             * file may be caught half-written. */
            busy = hp_sources_unsettled(&src, &now, HP_SETTLE_MS, &until,
                                        &which);
        }
        if (!busy) {
            hp_sources_free(&last);
            last = src;
            last_unsettled = 0;
            if (!ok) {
                failed(&err);
                return;
            }
            log_index(&note, ps);
            publish(ps);
            return;
        }
        hp_pinset_free(ps);
        if (!first || atomic_load(&current) != NULL ||
            (now.tv_sec > deadline.tv_sec ||
             (now.tv_sec == deadline.tv_sec &&
              now.tv_nsec >= deadline.tv_nsec))) {
            /* Not now: tried again at the next checks, which come every
             * second until it settles. */
            hp_sources_free(&last);
            last = src;
            last_unsettled = 1;
            if (atomic_load(&current) == NULL) {
                memset(&err, 0, sizeof(err));
                snprintf(err.file, sizeof(err.file), "%s", which);
                snprintf(err.msg, sizeof(err.msg), "is being written "
                         "(changed in place less than %d s ago); not used "
                         "until it settles", HP_SETTLE_MS / 1000);
                failed(&err);
            } else {
                HP_DEBUG("%s is being written; the previous pins stay in "
                         "force until it settles", which);
            }
            return;
        }
        hp_sources_free(&src);
        if (until.tv_sec > deadline.tv_sec ||
            (until.tv_sec == deadline.tv_sec &&
             until.tv_nsec > deadline.tv_nsec))
            until = deadline;
        sleep_until(&until);
    }
}

static void first_load(void)
{
    pthread_mutex_lock(&lock);
    if (!atomic_load(&loaded)) {
        load_locked(1);
        atomic_store(&next_check,
                     mono_seconds() + (last_unsettled ? 1
                                                      : atomic_load(&interval)));
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

    if (iv == 0 && !atomic_load_explicit(&last_unsettled,
                                         memory_order_relaxed))
        return;
    now = mono_seconds();
    if (now < atomic_load_explicit(&next_check, memory_order_relaxed))
        return;
    if (pthread_mutex_trylock(&lock) != 0)
        return;
    if (now >= atomic_load(&next_check)) {
        /* An invalid file is logged once per change; one being written
         * is looked at again until it settles. */
        if (last_unsettled || hp_sources_changed(&last))
            load_locked(0);
        atomic_store(&next_check,
                     now + (last_unsettled ? 1 : atomic_load(&interval)));
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
