/* Provider entry point, parameters, errors and dispatch. */
#include <pthread.h>
#include <stdarg.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "hostpin.h"

#ifndef HOSTPIN_VERSION
#define HOSTPIN_VERSION "0.0.0"
#endif

#define HP_MAX_HANDLES 8

static OSSL_FUNC_provider_teardown_fn hp_teardown;
static OSSL_FUNC_provider_gettable_params_fn hp_gettable_params;
static OSSL_FUNC_provider_get_params_fn hp_get_params;
static OSSL_FUNC_provider_query_operation_fn hp_query;
static OSSL_FUNC_provider_get_reason_strings_fn hp_reason_strings;

static OSSL_FUNC_core_get_params_fn *core_get_params;
static OSSL_FUNC_core_new_error_fn *core_new_error;
static OSSL_FUNC_core_set_error_debug_fn *core_set_error_debug;
static OSSL_FUNC_core_vset_error_fn *core_vset_error;

/* Live provider instances (one per library context that activated us):
 * errors are raised through one that has not been torn down. */
static const OSSL_CORE_HANDLE *handles[HP_MAX_HANDLES];
static pthread_mutex_t handles_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int installed;

struct hp_provctx_st {
    const OSSL_CORE_HANDLE *handle;
};
static struct hp_provctx_st provctxs[HP_MAX_HANDLES];

static const OSSL_ITEM reason_strings[] = {
    { HP_R_PIN_MISMATCH, "certificate chain does not match pins" },
    { HP_R_PINS_FILE, "pins file unusable" },
    { HP_R_INTERNAL, "internal error" },
    { HP_R_DENIED, "certificate chain contains a denied key" },
    { HP_R_POLICY, "certificate chain breaks the policy" },
    { HP_R_STORE_URI, "not in the pin store" },
    { 0, NULL }
};

void hp_prov_raise(const char *func, int line, int reason, const char *fmt,
                   ...)
{
    const OSSL_CORE_HANDLE *h = NULL;
    va_list ap;
    int i;

    pthread_mutex_lock(&handles_lock);
    for (i = 0; i < HP_MAX_HANDLES && h == NULL; i++)
        h = handles[i];
    pthread_mutex_unlock(&handles_lock);
    if (h == NULL || core_new_error == NULL || core_vset_error == NULL)
        return; /* torn down everywhere; syslog still has the message */
    core_new_error(h);
    if (core_set_error_debug != NULL)
        core_set_error_debug(h, "hostpin", line, func);
    va_start(ap, fmt);
    core_vset_error(h, (uint32_t)reason, fmt, ap);
    va_end(ap);
}

static void hp_teardown(void *provctx)
{
    struct hp_provctx_st *pc = provctx;
    int i;

    /* The hook stays: other contexts and the process still rely on it. */
    pthread_mutex_lock(&handles_lock);
    for (i = 0; i < HP_MAX_HANDLES; i++)
        if (handles[i] == pc->handle)
            handles[i] = NULL;
    pc->handle = NULL;
    pthread_mutex_unlock(&handles_lock);
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
        OSSL_PARAM_END
    };

    (void)provctx;
    return params;
}

static int hp_get_params(void *provctx, OSSL_PARAM params[])
{
    OSSL_PARAM *p;

    (void)provctx;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME);
    if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, "hostpin host key pinning"))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION);
    if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, HOSTPIN_VERSION))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO);
    if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, "hostpin " HOSTPIN_VERSION))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS);
    if (p != NULL && !OSSL_PARAM_set_int(p, installed))
        return 0;
    return 1;
}

static const OSSL_ALGORITHM *hp_query(void *provctx, int operation_id,
                                      int *no_cache)
{
    (void)provctx;
    *no_cache = 0;
    return operation_id == OSSL_OP_STORE ? hp_store_algorithms : NULL;
}

static const OSSL_ITEM *hp_reason_strings(void *provctx)
{
    (void)provctx;
    return reason_strings;
}

static void install(void)
{
    installed = hp_hook_install();
    /* Without it digests are still right, only not cached. */
    hp_chain_init();
    if (!installed)
        HP_LOG(LOG_ERR, "could not register the verification hook; "
                        "certificates are NOT pinned in this process");
}

/* The pins file is not read here (DESIGN 1): a provider that fails to
 * activate is silently ignored, and a process that never verifies a
 * certificate must not pay for it. */
static void read_settings(const OSSL_CORE_HANDLE *handle)
{
    char *pins = NULL, *on_error = NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_utf8_ptr("pins", &pins, 0),
        OSSL_PARAM_utf8_ptr("on_error", &on_error, 0),
        OSSL_PARAM_END
    };

    if (core_get_params == NULL || !core_get_params(handle, params))
        pins = on_error = NULL;
    hp_state_configure(pins, on_error);
}

static const OSSL_DISPATCH dispatch[] = {
    { OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))hp_teardown },
    { OSSL_FUNC_PROVIDER_GETTABLE_PARAMS,
      (void (*)(void))hp_gettable_params },
    { OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))hp_get_params },
    { OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))hp_query },
    { OSSL_FUNC_PROVIDER_GET_REASON_STRINGS,
      (void (*)(void))hp_reason_strings },
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
        default:
            break;
        }
    }
    read_settings(handle);
    pthread_once(&install_once, install);

    pthread_mutex_lock(&handles_lock);
    for (i = 0; i < HP_MAX_HANDLES; i++) {
        if (handles[i] == NULL && pc == NULL) {
            handles[i] = handle;
            pc = &provctxs[i];
            pc->handle = handle;
        }
    }
    pthread_mutex_unlock(&handles_lock);
    /* More instances than slots: still active, errors go through others. */
    if (pc == NULL) {
        static struct hp_provctx_st spare;

        pc = &spare;
    }
    *out = dispatch;
    *provctx = pc;
    return 1;
}
