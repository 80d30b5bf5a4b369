/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin log: reading hostpin's messages back (logmsg.c, plain data in
 * and out, so that unit tests call it directly) and the journal
 * (journal.c, libsystemd opened only when it is read). */
#ifndef HOSTPIN_CLI_LOGMSG_H
#define HOSTPIN_CLI_LOGMSG_H

#include <stddef.h>
#include <stdint.h>

#define HP_LOGMSG_CHAIN 16
#define HP_LOGMSG_PINS 32

/* One message of provider/log.c, taken apart. */
struct hp_logmsg_st {
    /* refused, report-only, exempt, expired, unverified, error, reloaded,
     * notice */
    char kind[16];
    char host[256];
    char verdict[128];  /* "certificate chain does not match the pins" */
    char rule[1100];    /* FILE:LINE of the rule, policy or deny entry */
    char mode[16];      /* enforce or report */
    char detail[512];   /* "certificate [1] ...", for a policy */
    char summary[1400]; /* the first part, up to "; chain:" */
    size_t nchain;
    struct {
        char pin[64];
        char subject[512];
    } chain[HP_LOGMSG_CHAIN];
    size_t npins;
    char pins[HP_LOGMSG_PINS][64];
};

/* Take apart a message (without the "hostpin: " prefix).  Always fills
 * kind; the rest only for what the message holds. */
void hp_logmsg_parse(const char *msg, struct hp_logmsg_st *m);

/* One line of a syslog file. */
struct hp_sysline_st {
    int64_t us;           /* time, microseconds since the epoch */
    char program[128];    /* the syslog tag (program name) */
    long pid;             /* -1: not in the line */
    const char *msg;      /* in the line: after "hostpin: " ... */
    int report;           /* ... or after "hostpin-report: " (JSON) */
};
/* A line of rsyslog's formats (RFC 3339 or the traditional "Mmm dd
 * hh:mm:ss") holding a hostpin message; now_us places a traditional
 * time, which has no year.  1 if it is one (l filled), 0 if not. */
int hp_logmsg_sysline(const char *line, int64_t now_us,
                      struct hp_sysline_st *l);

/* A --since value: YYYY-MM-DD[ HH:MM[:SS]] or with T, HH:MM[:SS] today,
 * "today", "yesterday", or N followed by s, m, h or d (ago), all local
 * time.  1 on success. */
int hp_logmsg_since(const char *s, int64_t now_us, int64_t *out);

/* Names of a host compare case-insensitively, one final dot aside. */
int hp_logmsg_same_host(const char *a, const char *b);

/* journal.c */
struct hp_journal_st;
/* The callback gets each hostpin entry (msg without its prefix). */
typedef void hp_journal_cb(void *arg, int64_t us, const char *program,
                           long pid, const char *msg, int report);
/* Is the journal what this machine logs to (journald running)? */
int hp_journal_running(void);
/* Open the local journal (dir NULL) or the journal files in dir, from
 * since_us on (0: all); NULL with err set if it cannot be. */
struct hp_journal_st *hp_journal_open(const char *dir, int64_t since_us,
                                      char *err, size_t len);
/* Every entry not read yet; the count, or -1 on a read error. */
int hp_journal_read(struct hp_journal_st *j, hp_journal_cb *cb, void *arg);
/* Wait up to ms for new entries. */
void hp_journal_wait(struct hp_journal_st *j, int ms);
void hp_journal_close(struct hp_journal_st *j);

#endif
