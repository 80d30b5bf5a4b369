/* Provider settings and the process-wide pin set, loaded on first use so
 * that a process that never verifies a certificate never reads the file. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "hostpin.h"

static struct hp_settings_st settings = { HP_DEFAULT_PINS_FILE, 0 };
static int configured;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int loaded;                  /* 1 once a load was tried */
static const struct hp_pinset_st *current;  /* published before `loaded` */
static char load_error[1200];

/* The first provider activation in the process decides the settings. */
void hp_state_configure(const char *pins, const char *on_error)
{
    pthread_mutex_lock(&lock);
    if (!configured) {
        configured = 1;
        if (pins != NULL && *pins != '\0')
            snprintf(settings.pins, sizeof(settings.pins), "%s", pins);
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

const struct hp_pinset_st *hp_state_pinset(const char **why)
{
    if (!atomic_load_explicit(&loaded, memory_order_acquire)) {
        pthread_mutex_lock(&lock);
        if (!atomic_load_explicit(&loaded, memory_order_relaxed)) {
            struct hp_pinset_st *ps = NULL;
            struct hp_error_st err;

            if (hp_conf_load_file(settings.pins, &ps, &err)) {
                current = ps;
                HP_DEBUG("loaded %s: %zu hosts", settings.pins, ps->nrules);
            } else {
                hp_error_format(&err, load_error, sizeof(load_error));
                HP_LOG(LOG_ERR, "%s (on_error = %s: %s)", load_error,
                       settings.fail_open ? "fail-open" : "fail-closed",
                       settings.fail_open
                           ? "nothing is pinned"
                           : "every TLS client verification fails");
            }
            atomic_store_explicit(&loaded, 1, memory_order_release);
        }
        pthread_mutex_unlock(&lock);
    }
    *why = load_error;
    return current;
}
