/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin's messages from the systemd journal, through libsystemd's
 * sd-journal.  libsystemd is opened with dlopen when `hostpin log` reads
 * the journal, not linked: no other command -- and above all not the
 * provider, which every program loads -- pays for it, and hostpin builds
 * and runs where there is no systemd.  The functions used are part of
 * sd-journal's stable interface (sd-journal(3), since systemd 187). */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logmsg.h"

#define HP_SD_LOCAL_ONLY 1 /* SD_JOURNAL_LOCAL_ONLY */

typedef struct sd_journal sd_journal;

struct hp_journal_st {
    void *lib;
    sd_journal *j;
    int (*open)(sd_journal **, int);
    int (*open_directory)(sd_journal **, const char *, int);
    void (*close)(sd_journal *);
    int (*add_match)(sd_journal *, const void *, size_t);
    int (*seek_head)(sd_journal *);
    int (*seek_realtime_usec)(sd_journal *, uint64_t);
    int (*next)(sd_journal *);
    int (*get_data)(sd_journal *, const char *, const void **, size_t *);
    int (*get_realtime_usec)(sd_journal *, uint64_t *);
    int (*wait)(sd_journal *, uint64_t);
};

int hp_journal_running(void)
{
    return access("/run/systemd/journal/socket", F_OK) == 0;
}

void hp_journal_close(struct hp_journal_st *j)
{
    if (j == NULL)
        return;
    if (j->j != NULL)
        j->close(j->j);
    if (j->lib != NULL)
        dlclose(j->lib);
    free(j);
}

/* Resolve one function; 0 if libsystemd lacks it. */
static int sym(struct hp_journal_st *j, void *out, const char *name)
{
    void *f = dlsym(j->lib, name);

    memcpy(out, &f, sizeof(f));
    return f != NULL;
}

struct hp_journal_st *hp_journal_open(const char *dir, int64_t since_us,
                                      char *err, size_t len)
{
    struct hp_journal_st *j = calloc(1, sizeof(*j));
    int r;

    if (j == NULL) {
        snprintf(err, len, "out of memory");
        return NULL;
    }
    if ((j->lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL)) == NULL) {
        snprintf(err, len, "cannot load libsystemd.so.0 (%s)", dlerror());
        goto fail;
    }
    if (!sym(j, &j->open, "sd_journal_open") ||
        !sym(j, &j->open_directory, "sd_journal_open_directory") ||
        !sym(j, &j->close, "sd_journal_close") ||
        !sym(j, &j->add_match, "sd_journal_add_match") ||
        !sym(j, &j->seek_head, "sd_journal_seek_head") ||
        !sym(j, &j->seek_realtime_usec, "sd_journal_seek_realtime_usec") ||
        !sym(j, &j->next, "sd_journal_next") ||
        !sym(j, &j->get_data, "sd_journal_get_data") ||
        !sym(j, &j->get_realtime_usec, "sd_journal_get_realtime_usec") ||
        !sym(j, &j->wait, "sd_journal_wait")) {
        snprintf(err, len, "libsystemd.so.0 lacks sd-journal functions");
        goto fail;
    }
    r = dir != NULL ? j->open_directory(&j->j, dir, 0)
                    : j->open(&j->j, HP_SD_LOCAL_ONLY);
    if (r < 0) {
        j->j = NULL;
        snprintf(err, len, "cannot open the journal%s%s: %s",
                 dir ? " in " : "", dir ? dir : "", strerror(-r));
        goto fail;
    }
    /* syslog(LOG_AUTH | ...): journald records the facility. */
    if (j->add_match(j->j, "SYSLOG_FACILITY=4", 0) < 0 ||
        (since_us > 0 ? j->seek_realtime_usec(j->j, (uint64_t)since_us)
                      : j->seek_head(j->j)) < 0) {
        snprintf(err, len, "cannot search the journal");
        goto fail;
    }
    return j;
fail:
    hp_journal_close(j);
    return NULL;
}

/* A field's value (after "NAME="), copied; "" if absent. */
static void field(struct hp_journal_st *j, const char *name, char *out,
                  size_t len)
{
    const void *d;
    size_t n, k = strlen(name);

    out[0] = '\0';
    if (j->get_data(j->j, name, &d, &n) < 0 || n <= k)
        return;
    n -= k + 1;
    if (n >= len)
        n = len - 1;
    memcpy(out, (const char *)d + k + 1, n);
    out[n] = '\0';
}

int hp_journal_read(struct hp_journal_st *j, hp_journal_cb *cb, void *arg)
{
    char *msg = malloc(65536), prog[128], pid[32];
    uint64_t us;
    int r, count = 0;

    if (msg == NULL)
        return -1;
    while ((r = j->next(j->j)) > 0) {
        const char *m;
        int report;

        field(j, "MESSAGE", msg, 65536);
        if (strncmp(msg, "hostpin: ", 9) == 0)
            m = msg + 9, report = 0;
        else if (strncmp(msg, "hostpin-report: ", 16) == 0)
            m = msg + 16, report = 1;
        else
            continue;
        field(j, "SYSLOG_IDENTIFIER", prog, sizeof(prog));
        if (prog[0] == '\0')
            field(j, "_COMM", prog, sizeof(prog));
        field(j, "_PID", pid, sizeof(pid));
        if (pid[0] == '\0')
            field(j, "SYSLOG_PID", pid, sizeof(pid));
        if (j->get_realtime_usec(j->j, &us) < 0)
            us = 0;
        cb(arg, (int64_t)us, prog, pid[0] ? strtol(pid, NULL, 10) : -1, m,
           report);
        count++;
    }
    free(msg);
    return r < 0 ? -1 : count;
}

void hp_journal_wait(struct hp_journal_st *j, int ms)
{
    j->wait(j->j, (uint64_t)ms * 1000);
}
