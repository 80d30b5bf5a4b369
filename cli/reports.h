/* SPDX-License-Identifier: Apache-2.0 */
/* The module's JSON reports, read back (reports.c) for `suggest`. */
#ifndef HOSTPIN_REPORTS_H
#define HOSTPIN_REPORTS_H

#include "cli.h"

/* What one report says, as far as learning pins needs it. */
struct hp_report_st {
    char host[HP_NAME_MAX];     /* the rule's host (noted-hostname),
                                   normalised */
    int is_ip;
    char hostname[HP_NAME_MAX]; /* the name connected to */
    int include_subdomains;
    int64_t when;               /* date-time, UTC seconds */
    char mode[16];              /* the rule's mode: enforce, report */
    char outcome[24];           /* refused, report-only, exempt */
    char reason[32];            /* pin-mismatch, policy, ... */
    STACK_OF(X509) *chain;      /* validated-certificate-chain */
};

/* Where reports come from.  `next` sets *text to the JSON of the next
 * report (valid until the next call) and `where` to its place (file:line)
 * and returns 1; 0 at the end; -1 on a read error (`where` says it). */
struct hp_report_src_st {
    const char *name;
    int (*next)(struct hp_report_src_st *s, const char **text, char *where,
                size_t wlen);
    void (*close)(struct hp_report_src_st *s);
    void *priv;
};

/* The report file, or syslog text with "hostpin-report: " lines.  NULL
 * with *err set if it cannot be opened. */
struct hp_report_src_st *hp_report_src_file(const char *path, char *err,
                                            size_t errlen);

/* The reports in the local journal (dir NULL) or the journal files in dir
 * (sd-journal, opened at run time); NULL with *err set if it cannot be
 * read. */
struct hp_report_src_st *hp_report_src_journal(const char *dir, char *err,
                                               size_t errlen);

/* Parse one report; 1, or 0 with `why` set (r then holds nothing). */
int hp_report_parse(const char *text, struct hp_report_st *r, char *why,
                    size_t wlen);
void hp_report_clear(struct hp_report_st *r);

#endif
