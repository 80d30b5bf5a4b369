/* SPDX-License-Identifier: Apache-2.0 */
/* Logging: syslog for what administrators must see, and a debug stream that
 * is off unless HOSTPIN_DEBUG names one ("1"/"stderr" or a file path). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostpin.h"

static pthread_once_t debug_once = PTHREAD_ONCE_INIT;
static int debug_fd = -1;

/* Read once; secure_getenv so a setuid program cannot be redirected. */
static void debug_init(void)
{
    const char *v = secure_getenv("HOSTPIN_DEBUG");

    if (v == NULL || *v == '\0' || strcmp(v, "0") == 0)
        return;
    if (strcmp(v, "1") == 0 || strcmp(v, "stderr") == 0)
        debug_fd = STDERR_FILENO;
    else
        debug_fd = open(v, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

int hp_debug_enabled(void)
{
    pthread_once(&debug_once, debug_init);
    return debug_fd >= 0;
}

void hp_log(int prio, const char *func, int line, const char *fmt, ...)
{
    char small[256], *msg = NULL, *out = NULL;
    va_list ap;
    int n;

    /* The whole message, however long (a refusal lists every certificate
     * of the chain); on the heap, or cut short only if memory runs out. */
    va_start(ap, fmt);
    n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0) {
        msg = NULL;
        va_start(ap, fmt);
        vsnprintf(small, sizeof(small), fmt, ap);
        va_end(ap);
    }
    /* No openlog: a library must not change the program's identity. */
    if (prio >= 0)
        syslog(LOG_AUTH | prio, "hostpin: %s", msg != NULL ? msg : small);
    if (hp_debug_enabled() &&
        (n = asprintf(&out, "hostpin[%ld] %s:%d: %s\n", (long)getpid(), func,
                      line, msg != NULL ? msg : small)) > 0) {
        ssize_t w = write(debug_fd, out, (size_t)n);

        (void)w;
        free(out);
    }
    free(msg);
}
