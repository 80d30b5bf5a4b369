/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin's messages read back: what provider/log.c and the hook write
 * ("refused: ... for "HOST" (rule FILE:LINE, mode M); chain: [0] PIN
 * SUBJECT; ...; pins: PIN, PIN"), the syslog file lines that carry them,
 * and the times --since accepts.  Plain data in and out. */
#define _GNU_SOURCE /* timegm */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "logmsg.h"

static void copy_n(char *dst, size_t len, const char *src, size_t n)
{
    if (n >= len)
        n = len - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);

    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The text between `open` (searched from s) and the next `close`. */
static int between(const char *s, const char *open, const char *close,
                   char *out, size_t len)
{
    const char *a = strstr(s, open), *b;

    if (a == NULL)
        return 0;
    a += strlen(open);
    if ((b = strstr(a, close)) == NULL)
        return 0;
    copy_n(out, len, a, (size_t)(b - a));
    return 1;
}

/* " [0] PIN SUBJECT; [1] PIN SUBJECT;" */
static void parse_chain(const char *p, const char *end, struct hp_logmsg_st *m)
{
    while (p < end && m->nchain < HP_LOGMSG_CHAIN) {
        const char *pin, *subj, *next;
        char *e;

        p += strspn(p, " ");
        if (*p != '[' || !isdigit((unsigned char)p[1]))
            return;
        strtoul(p + 1, &e, 10);
        if (e[0] != ']' || e[1] != ' ')
            return;
        pin = e + 2;
        subj = strchr(pin, ' ');
        if (subj == NULL || subj > end)
            return;
        /* A subject ends at the "; [" of the next certificate, or at the
         * last ';' of the chain. */
        next = strstr(subj, "; [");
        if (next == NULL || next > end - 1)
            next = end - 1;
        while (next > subj && *next != ';')
            next--;
        copy_n(m->chain[m->nchain].pin, sizeof(m->chain[0].pin), pin,
               (size_t)(subj - pin));
        copy_n(m->chain[m->nchain].subject, sizeof(m->chain[0].subject),
               subj + 1, next > subj ? (size_t)(next - subj - 1) : 0);
        m->nchain++;
        p = next + 1;
    }
}

static void parse_pins(const char *p, struct hp_logmsg_st *m)
{
    while (*p != '\0' && m->npins < HP_LOGMSG_PINS) {
        size_t n;

        p += strspn(p, " ,");
        n = strcspn(p, ", ");
        if (n == 0)
            return;
        copy_n(m->pins[m->npins++], sizeof(m->pins[0]), p, n);
        p += n;
    }
}

/* VERDICT for "HOST" (WHAT FILE:LINE, mode M[, expires D])[: DETAIL];
 * chain: ...; pins: ... */
static void parse_decision(const char *msg, struct hp_logmsg_st *m)
{
    const char *f = strstr(msg, " for \""), *chain, *pins, *paren, *p;
    const char *mode;

    if (f == NULL)
        return;
    copy_n(m->verdict, sizeof(m->verdict), msg, (size_t)(f - msg));
    between(f, " for \"", "\"", m->host, sizeof(m->host));
    chain = strstr(msg, "; chain:");
    copy_n(m->summary, sizeof(m->summary), msg,
           chain != NULL ? (size_t)(chain - msg) : strlen(msg));
    if ((paren = strstr(f, "\" (")) != NULL) {
        p = paren + 3;
        p += strcspn(p, " "); /* rule, policy or deny */
        p += strspn(p, " ");
        if ((mode = strstr(p, ", mode ")) != NULL) {
            copy_n(m->rule, sizeof(m->rule), p, (size_t)(mode - p));
            mode += 7;
            copy_n(m->mode, sizeof(m->mode), mode, strcspn(mode, ",)"));
        }
        if ((p = strstr(paren, "): ")) != NULL && (chain == NULL || p < chain))
            copy_n(m->detail, sizeof(m->detail), p + 3,
                   chain != NULL ? (size_t)(chain - p - 3) : strlen(p + 3));
    }
    if (chain == NULL)
        return;
    chain += 8;
    /* The pins come last; a subject cannot hold "; pins:" as hostpin
     * writes it only there. */
    pins = NULL;
    for (p = strstr(chain, "; pins:"); p != NULL; p = strstr(p + 1, "; pins:"))
        pins = p;
    if (pins == NULL && (p = strstr(chain, " pins:")) != NULL)
        pins = p;
    parse_chain(chain, pins != NULL ? pins + 1 : chain + strlen(chain), m);
    if (pins != NULL)
        parse_pins(strchr(pins, ':') + 1, m);
}

void hp_logmsg_parse(const char *msg, struct hp_logmsg_st *m)
{
    memset(m, 0, sizeof(*m));
    if (starts(msg, "refused: ")) {
        snprintf(m->kind, sizeof(m->kind), "refused");
        parse_decision(msg + 9, m);
    } else if (strstr(msg, " (report only, allowed) for \"") != NULL) {
        snprintf(m->kind, sizeof(m->kind), "report-only");
        parse_decision(msg, m);
    } else if (starts(msg, "interception CA ") &&
               strstr(msg, " from its pins") != NULL) {
        snprintf(m->kind, sizeof(m->kind), "exempt");
        between(msg, " exempts \"", "\"", m->host, sizeof(m->host));
        snprintf(m->summary, sizeof(m->summary), "%s", msg);
    } else if (starts(msg, "rule ") && strstr(msg, " expired on ") != NULL) {
        snprintf(m->kind, sizeof(m->kind), "expired");
        between(msg, " for \"", "\"", m->host, sizeof(m->host));
        if (strstr(msg, " for \"") != NULL)
            copy_n(m->rule, sizeof(m->rule), msg + 5,
                   (size_t)(strstr(msg, " for \"") - msg - 5));
        snprintf(m->summary, sizeof(m->summary), "%s", msg);
    } else if (msg[0] == '"' &&
               strstr(msg, "\" is pinned but the program turned") != NULL) {
        snprintf(m->kind, sizeof(m->kind), "unverified");
        between(msg, "\"", "\"", m->host, sizeof(m->host));
        snprintf(m->summary, sizeof(m->summary), "%s", msg);
    } else if (starts(msg, "reloaded ")) {
        snprintf(m->kind, sizeof(m->kind), "reloaded");
        snprintf(m->summary, sizeof(m->summary), "%s", msg);
    } else {
        /* Pins file problems (state.c), the core or the hook missing
         * (stub.c, provider.c): what makes verifications fail. */
        int error = ends(msg, "; the previous pins stay in force") ||
                    strstr(msg, " (on_error = ") != NULL ||
                    strstr(msg, "; certificates are ") != NULL ||
                    strstr(msg, "certificates are NOT pinned") != NULL;

        snprintf(m->kind, sizeof(m->kind), error ? "error" : "notice");
        snprintf(m->summary, sizeof(m->summary), "%s", msg);
    }
}

static int64_t tm_us(struct tm *tm, int utc)
{
    time_t t;

    tm->tm_isdst = -1;
    t = utc ? timegm(tm) : mktime(tm);
    return t == (time_t)-1 ? -1 : (int64_t)t * 1000000;
}

/* "2026-12-04T21:03:21.526895+00:00" (or Z, or without fraction);
 * the characters read, 0 if not one. */
static size_t rfc3339(const char *s, int64_t *us)
{
    struct tm tm;
    const char *p;
    char *e;
    long frac = 0, digits = 0;
    int sign, oh, om, n = 0;

    memset(&tm, 0, sizeof(tm));
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
        n != 19)
        return 0;
    p = s + n;
    if (*p == '.') {
        const char *d = ++p;

        frac = strtol(d, &e, 10);
        digits = e - d;
        p = e;
        while (digits > 6)
            frac /= 10, digits--;
        while (digits < 6)
            frac *= 10, digits++;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    if (*p == 'Z') {
        p++;
        *us = tm_us(&tm, 1);
    } else if ((*p == '+' || *p == '-') &&
               sscanf(p + 1, "%2d:%2d", &oh, &om) == 2) {
        sign = *p == '-' ? -1 : 1;
        p += 6;
        *us = tm_us(&tm, 1) - sign * ((int64_t)oh * 3600 + om * 60) * 1000000;
    } else {
        *us = tm_us(&tm, 0);
    }
    *us += frac;
    return (size_t)(p - s);
}

/* "Dec  4 21:03:21", the year from now_us; the characters read, 0 if not
 * one. */
static size_t traditional(const char *s, int64_t now_us, int64_t *us)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    time_t now = (time_t)(now_us / 1000000);
    const char *m;
    struct tm tm, nt;
    int n = 0;

    if (strlen(s) < 15 || s[3] != ' ' ||
        (m = strstr(months, (char[4]){ s[0], s[1], s[2], '\0' })) == NULL ||
        (m - months) % 3 != 0)
        return 0;
    memset(&tm, 0, sizeof(tm));
    if (sscanf(s + 4, "%2d %2d:%2d:%2d%n", &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 4)
        return 0;
    localtime_r(&now, &nt);
    tm.tm_mon = (int)((m - months) / 3);
    tm.tm_year = nt.tm_year;
    *us = tm_us(&tm, 0);
    /* No year: a time more than a day ahead is last year's. */
    if (*us > now_us + 86400LL * 1000000) {
        tm.tm_year--;
        *us = tm_us(&tm, 0);
    }
    return 4 + (size_t)n;
}

int hp_logmsg_sysline(const char *line, int64_t now_us,
                      struct hp_sysline_st *l)
{
    const char *p = line, *tag, *colon, *br;
    size_t n;

    memset(l, 0, sizeof(*l));
    l->pid = -1;
    if ((n = rfc3339(p, &l->us)) == 0 &&
        (n = traditional(p, now_us, &l->us)) == 0)
        return 0;
    p += n;
    if (*p != ' ')
        return 0;
    p += strspn(p, " ");
    p += strcspn(p, " "); /* the host name */
    p += strspn(p, " ");
    tag = p;
    if ((colon = strstr(tag, ": ")) == NULL || memchr(tag, ' ', (size_t)(colon - tag)))
        return 0;
    br = memchr(tag, '[', (size_t)(colon - tag));
    copy_n(l->program, sizeof(l->program), tag,
           (size_t)((br != NULL ? br : colon) - tag));
    if (br != NULL)
        l->pid = strtol(br + 1, NULL, 10);
    p = colon + 2;
    if (starts(p, "hostpin: ")) {
        l->msg = p + 9;
    } else if (starts(p, "hostpin-report: ")) {
        l->msg = p + 16;
        l->report = 1;
    } else {
        return 0;
    }
    return 1;
}

int hp_logmsg_since(const char *s, int64_t now_us, int64_t *out)
{
    time_t now = (time_t)(now_us / 1000000);
    struct tm tm;
    char unit = 0, *e;
    long v;
    int n = 0;

    if (strcmp(s, "today") == 0 || strcmp(s, "yesterday") == 0) {
        localtime_r(&now, &tm);
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        if (s[0] == 'y')
            tm.tm_mday--;
        return (*out = tm_us(&tm, 0)) >= 0;
    }
    v = strtol(s, &e, 10);
    if (e != s && v >= 0 && e[0] != '\0' && strchr("smhd", e[0]) != NULL &&
        (e[1] == '\0' || strcmp(e + 1, " ago") == 0)) {
        unit = e[0];
        *out = now_us - (int64_t)v * 1000000 *
                            (unit == 's' ? 1 : unit == 'm' ? 60
                                           : unit == 'h' ? 3600 : 86400);
        return 1;
    }
    memset(&tm, 0, sizeof(tm));
    if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &n) == 3 && n == 10) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        s += 10;
        if (*s == 'T' || *s == ' ') {
            int k = 0;

            if (sscanf(s + 1, "%2d:%2d%n:%2d%n", &tm.tm_hour, &tm.tm_min, &k,
                       &tm.tm_sec, &k) < 2)
                return 0;
            s += 1 + k;
        }
        return *s == '\0' && (*out = tm_us(&tm, 0)) >= 0;
    }
    localtime_r(&now, &tm);
    tm.tm_sec = 0;
    if (sscanf(s, "%2d:%2d%n:%2d%n", &tm.tm_hour, &tm.tm_min, &n, &tm.tm_sec,
               &n) >= 2 && s[n] == '\0')
        return (*out = tm_us(&tm, 0)) >= 0;
    return 0;
}

int hp_logmsg_same_host(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    if (la > 0 && a[la - 1] == '.')
        la--;
    if (lb > 0 && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}
