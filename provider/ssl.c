/* SPDX-License-Identifier: Apache-2.0 */
/* libssl at run time.  The module does not link libssl: a process that only
 * uses libcrypto must not load it.  Most programs have libssl among their
 * global objects, where RTLD_DEFAULT finds it; Python's _ssl loads it with
 * RTLD_LOCAL, and there dlopen(RTLD_NOLOAD) returns the copy already in the
 * process, however it was loaded. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "hostpin.h"

#ifndef HP_LIBSSL_SONAME
#define HP_LIBSSL_SONAME "libssl.so.3"
#endif

static struct hp_ssl_api_st api;
static _Atomic int resolved;
static _Atomic long next_try; /* monotonic second of the next attempt */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* h: a libssl handle, or RTLD_DEFAULT for the program's global objects,
 * where libssl is for most programs (curl, s_client): asking there first
 * spares dlopen(RTLD_NOLOAD), which compares its name with every object's
 * of the program (11,000 instructions in curl).  The version keeps
 * another major's libssl out (hostpin.h, HP_OSSL_SYMVER). */
static int lookup(void *h)
{
    int (*idx_fn)(void);

    *(void **)&idx_fn =
        dlvsym(h, "SSL_get_ex_data_X509_STORE_CTX_idx", HP_OSSL_SYMVER);
    if (idx_fn == NULL)
        return 0;
    *(void **)&api.is_server = dlvsym(h, "SSL_is_server", HP_OSSL_SYMVER);
    *(void **)&api.servername =
        dlvsym(h, "SSL_get_servername", HP_OSSL_SYMVER);
    *(void **)&api.get_rfd = dlvsym(h, "SSL_get_rfd", HP_OSSL_SYMVER);
    *(void **)&api.get_verify_mode =
        dlvsym(h, "SSL_get_verify_mode", HP_OSSL_SYMVER);
    if (api.is_server == NULL || api.servername == NULL ||
        api.get_rfd == NULL || api.get_verify_mode == NULL)
        return 0;
    api.ctx_idx = idx_fn();
    return api.ctx_idx >= 0;
}

static int try_resolve(void)
{
    void *h;

    if (lookup(RTLD_DEFAULT))
        return 1;
    /* Loaded privately (Python's _ssl): by its name.  The handle is not
     * closed: libssl stays for the process anyway and the pointers must
     * stay valid. */
    h = dlopen(HP_LIBSSL_SONAME, RTLD_LAZY | RTLD_NOLOAD);
    return h != NULL && lookup(h);
}

/* NULL while libssl is not in the process.  Retried at most once a second,
 * so a libcrypto-only program pays one clock read per verification. */
const struct hp_ssl_api_st *hp_ssl_api(void)
{
    struct timespec ts;

    if (atomic_load_explicit(&resolved, memory_order_acquire))
        return &api;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    if (ts.tv_sec < atomic_load_explicit(&next_try, memory_order_relaxed))
        return NULL;
    pthread_mutex_lock(&lock);
    if (!atomic_load_explicit(&resolved, memory_order_relaxed)) {
        if (try_resolve())
            atomic_store_explicit(&resolved, 1, memory_order_release);
        else
            atomic_store_explicit(&next_try, (long)ts.tv_sec + 1,
                                  memory_order_relaxed);
    }
    pthread_mutex_unlock(&lock);
    return atomic_load_explicit(&resolved, memory_order_acquire) ? &api
                                                                 : NULL;
}
