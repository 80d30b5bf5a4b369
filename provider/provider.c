/* SPDX-License-Identifier: Apache-2.0 */
/* Provider entry point, parameters, errors and dispatch: hostpin.so, the
 * half OpenSSL loads (core_api.h).  Kept to what every program that reads
 * openssl.cnf can afford: settings, two ex_data registrations, tables. */
#define _GNU_SOURCE /* Dl_info (stub.h) */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include "hostpin.h"
#include "stub.h"

#ifndef HOSTPIN_VERSION
#define HOSTPIN_VERSION "0.0.0"
#endif

#define HP_MAX_HANDLES 8

static OSSL_FUNC_provider_teardown_fn hp_teardown;
static OSSL_FUNC_provider_gettable_params_fn hp_gettable_params;
static OSSL_FUNC_provider_get_params_fn hp_get_params;
static OSSL_FUNC_provider_query_operation_fn hp_query;

static OSSL_FUNC_core_get_params_fn *core_get_params;
static OSSL_FUNC_core_new_error_fn *core_new_error;
static OSSL_FUNC_core_set_error_debug_fn *core_set_error_debug;
static OSSL_FUNC_core_vset_error_fn *core_vset_error;

/* Live provider instances (one per library context that activated us):
 * errors are raised through one that has not been torn down.  Slots are
 * taken and given back with compare-and-swap: no lock to import. */
static const OSSL_CORE_HANDLE *_Atomic handles[HP_MAX_HANDLES];
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int installed;

struct hp_provctx_st {
    const OSSL_CORE_HANDLE *handle;
};
static struct hp_provctx_st provctxs[HP_MAX_HANDLES];

/* The reason strings are given to OpenSSL when the first error is raised,
 * not through get_reason_strings: OpenSSL loads those at every activation,
 * and each ERR_load_strings also reloads its own hundred library and
 * reason strings, 14,600 instructions in every program that reads
 * openssl.cnf (bench/README.md).  OpenSSL numbers the provider's error
 * library when it creates the instance, with or without strings. */
static const OSSL_ITEM reason_strings[] = {
    /* Programs that print only the reason (curl) still say where the
     * whole message is. */
    { HP_R_PIN_MISMATCH, "certificate chain does not match pins (see "
                         "hostpin log)" },
    { HP_R_PINS_FILE, "pins file unusable (see hostpin log)" },
    { HP_R_INTERNAL, "internal error" },
    { HP_R_DENIED, "certificate chain contains a denied key (see hostpin "
                   "log)" },
    { HP_R_POLICY, "certificate chain breaks the policy (see hostpin log)" },
    { HP_R_STORE_URI, "not in the pin store" },
    { HP_R_CORE, "hostpin installation incomplete" },
    { 0, NULL }
};

#define HP_NREASONS (sizeof(reason_strings) / sizeof(reason_strings[0]))

/* One table per error library (one per library context that activated
 * us): ERR_load_strings marks each entry with its library and keeps the
 * table.  libs[i] is 0 while free, -1 while being loaded. */
static _Atomic int libs[HP_MAX_HANDLES];
static ERR_STRING_DATA lib_strings[HP_MAX_HANDLES][1 + HP_NREASONS];
static char lib_names[HP_MAX_HANDLES][64];

static void load_reason_strings(const OSSL_CORE_HANDLE *h, const char *func,
                                int reason)
{
    const struct hp_rare_st *r = hp_rare();
    const char *name = NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_CORE_PROV_NAME, &name, 0),
        OSSL_PARAM_END
    };
    const char *raised_in = NULL;
    unsigned long e;
    size_t i, k;
    int lib, none = 0;

    /* Only the error just raised tells the library (its function and
     * reason are the ones given to OpenSSL, its library a provider's);
     * another's, if ours could not be queued, must not get hostpin's
     * strings. */
    if (r == NULL || (e = r->err_peek_last_error_func(&raised_in)) == 0 ||
        raised_in == NULL || !hp_stub_equal(raised_in, func) ||
        ERR_GET_REASON(e) != reason ||
        (lib = ERR_GET_LIB(e)) < ERR_LIB_USER)
        return;
    for (i = 0; i < HP_MAX_HANDLES; i++)
        if (atomic_load(&libs[i]) == lib)
            return;
    for (i = 0; i < HP_MAX_HANDLES; i++)
        if (atomic_compare_exchange_strong(&libs[i], &none, -1))
            break;
        else
            none = 0;
    if (i == HP_MAX_HANDLES)
        return; /* more libraries than slots: codes without their text */
    /* The library's name is the provider's, as OpenSSL would give it. */
    if (core_get_params == NULL || !core_get_params(h, params) ||
        name == NULL)
        name = "hostpin";
    for (k = 0; name[k] != '\0' && k + 1 < sizeof(lib_names[i]); k++)
        lib_names[i][k] = name[k];
    lib_names[i][k] = '\0';
    /* Entry 0 names the library; a 0 would end the table. */
    lib_strings[i][0].error = ERR_PACK(lib, 0, 0);
    lib_strings[i][0].string = lib_names[i];
    for (k = 0; reason_strings[k].ptr != NULL; k++) {
        lib_strings[i][k + 1].error = (unsigned long)reason_strings[k].id;
        lib_strings[i][k + 1].string = reason_strings[k].ptr;
    }
    lib_strings[i][k + 1].error = 0;
    lib_strings[i][k + 1].string = NULL;
    r->err_load_strings(lib, lib_strings[i]);
    atomic_store(&libs[i], lib);
}

void hp_prov_vraise(const char *func, int line, int reason, const char *fmt,
                    va_list ap)
{
    const OSSL_CORE_HANDLE *h = NULL;
    int i;

    for (i = 0; i < HP_MAX_HANDLES && h == NULL; i++)
        h = atomic_load(&handles[i]);
    if (h == NULL || core_new_error == NULL || core_vset_error == NULL)
        return; /* torn down everywhere; syslog still has the message */
    core_new_error(h);
    if (core_set_error_debug != NULL)
        core_set_error_debug(h, "hostpin", line, func);
    core_vset_error(h, (uint32_t)reason, fmt, ap);
    load_reason_strings(h, func, reason);
}

static void hp_teardown(void *provctx)
{
    struct hp_provctx_st *pc = provctx;
    const OSSL_CORE_HANDLE *h = pc->handle;
    ptrdiff_t i = pc - provctxs;

    /* The hook stays: other contexts and the process still rely on it.
     * The instance lets go of its context first, then of its slot, which
     * another activation may take at once. */
    pc->handle = NULL;
    if (i >= 0 && i < HP_MAX_HANDLES)
        atomic_compare_exchange_strong(&handles[i], &h, NULL);
}

static const OSSL_PARAM *hp_gettable_params(void *provctx)
{
    static const OSSL_PARAM params[] = {
        OSSL_PARAM_DEFN(OSSL_PROV_PARAM_NAME, OSSL_PARAM_UTF8_PTR, NULL, 0),
        OSSL_PARAM_DEFN(OSSL_PROV_PARAM_VERSION, OSSL_PARAM_UTF8_PTR, NULL,
                        0),
        OSSL_PARAM_DEFN(OSSL_PROV_PARAM_BUILDINFO, OSSL_PARAM_UTF8_PTR, NULL,
                        0),
        OSSL_PARAM_DEFN(OSSL_PROV_PARAM_STATUS, OSSL_PARAM_INTEGER, NULL, 0),
        OSSL_PARAM_DEFN(HP_PARAM_CORE_ERROR, OSSL_PARAM_UTF8_PTR, NULL, 0),
        OSSL_PARAM_END
    };

    (void)provctx;
    return params;
}

static int set_utf8(const struct hp_rare_st *r, OSSL_PARAM params[],
                    const char *key, const char *value)
{
    OSSL_PARAM *p = r->param_locate(params, key);

    return p == NULL || r->param_set_utf8_ptr(p, value);
}

static int hp_get_params(void *provctx, OSSL_PARAM params[])
{
    const struct hp_rare_st *r = hp_rare();
    OSSL_PARAM *p;

    (void)provctx;
    if (r == NULL)
        return 0;
    if (!set_utf8(r, params, OSSL_PROV_PARAM_NAME,
                  "hostpin host key pinning") ||
        !set_utf8(r, params, OSSL_PROV_PARAM_VERSION, HOSTPIN_VERSION) ||
        !set_utf8(r, params, OSSL_PROV_PARAM_BUILDINFO,
                  "hostpin " HOSTPIN_VERSION))
        return 0;
    /* Active: the hook is in place and its core can be loaded.  Only
     * these two load the core; the others can be asked without. */
    p = r->param_locate(params, OSSL_PROV_PARAM_STATUS);
    if (p != NULL &&
        !r->param_set_int(p, installed && hp_stub_core() != NULL))
        return 0;
    /* Why the core cannot be loaded ("": it can, or the hook is not
     * installed, which the status alone says). */
    p = r->param_locate(params, HP_PARAM_CORE_ERROR);
    if (p != NULL) {
        const char *why = installed ? hp_stub_core_error() : NULL;

        if (!r->param_set_utf8_ptr(p, why != NULL ? why : ""))
            return 0;
    }
    return 1;
}

static const OSSL_ALGORITHM *hp_query(void *provctx, int operation_id,
                                      int *no_cache)
{
    (void)provctx;
    *no_cache = 0;
    return operation_id == OSSL_OP_STORE ? hp_stub_store_algorithms : NULL;
}

static OSSL_FUNC_CRYPTO_zalloc_fn *core_zalloc;
static OSSL_FUNC_CRYPTO_free_fn *core_free;

static void install(void)
{
    const struct hp_rare_st *r;

    installed = hp_stub_install(core_zalloc, core_free);
    if (!installed && (r = hp_rare()) != NULL)
        r->syslog(LOG_AUTH | LOG_ERR, "hostpin: could not register the "
                  "verification hook; certificates are NOT pinned in this "
                  "process");
}

/* The pins file is not read here (DESIGN 1): a provider that fails to
 * activate is silently ignored, and a process that never verifies a
 * certificate must not pay for it. */
static void read_settings(const OSSL_CORE_HANDLE *handle)
{
    char *pins = NULL, *on_error = NULL, *module = NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_utf8_ptr("pins", &pins, 0),
        OSSL_PARAM_utf8_ptr("on_error", &on_error, 0),
        /* The path OpenSSL loaded this file from (core_get_params). */
        OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_CORE_MODULE_FILENAME, &module,
                            0),
        OSSL_PARAM_END
    };

    if (core_get_params == NULL || !core_get_params(handle, params))
        pins = on_error = module = NULL;
    hp_stub_configure(pins, on_error, module);
}

static const OSSL_DISPATCH dispatch[] = {
    { OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))hp_teardown },
    { OSSL_FUNC_PROVIDER_GETTABLE_PARAMS,
      (void (*)(void))hp_gettable_params },
    { OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))hp_get_params },
    { OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))hp_query },
    { 0, NULL }
};

__attribute__((visibility("default"))) OSSL_provider_init_fn
    OSSL_provider_init;

int OSSL_provider_init(const OSSL_CORE_HANDLE *handle,
                       const OSSL_DISPATCH *in, const OSSL_DISPATCH **out,
                       void **provctx)
{
    struct hp_provctx_st *pc = NULL;
    int i;

    for (; in->function_id != 0; in++) {
        switch (in->function_id) {
        case OSSL_FUNC_CORE_GET_PARAMS:
            core_get_params = OSSL_FUNC_core_get_params(in);
            break;
        case OSSL_FUNC_CORE_NEW_ERROR:
            core_new_error = OSSL_FUNC_core_new_error(in);
            break;
        case OSSL_FUNC_CORE_SET_ERROR_DEBUG:
            core_set_error_debug = OSSL_FUNC_core_set_error_debug(in);
            break;
        case OSSL_FUNC_CORE_VSET_ERROR:
            core_vset_error = OSSL_FUNC_core_vset_error(in);
            break;
        case OSSL_FUNC_CRYPTO_ZALLOC:
            core_zalloc = OSSL_FUNC_CRYPTO_zalloc(in);
            break;
        case OSSL_FUNC_CRYPTO_FREE:
            core_free = OSSL_FUNC_CRYPTO_free(in);
            break;
        default:
            break;
        }
    }
    read_settings(handle);
    pthread_once(&install_once, install);

    for (i = 0; i < HP_MAX_HANDLES && pc == NULL; i++) {
        const OSSL_CORE_HANDLE *none = NULL;

        if (atomic_compare_exchange_strong(&handles[i], &none, handle)) {
            pc = &provctxs[i];
            pc->handle = handle;
        }
    }
    /* More instances than slots: still active, errors go through others. */
    if (pc == NULL) {
        static struct hp_provctx_st spare;

        pc = &spare;
    }
    *out = dispatch;
    *provctx = pc;
    return 1;
}
