/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin-core.so's entry point (core_api.h): hostpin.so opens it on the
 * first verification or store use and calls hostpin_core_init_v2
 * (HP_CORE_INIT_FN), the one symbol it exports. */
#include <stdarg.h>
#include <stddef.h>

#include "core_api.h"
#include "hostpin.h"

static const struct hp_stub_api_st *stub;

static const struct hp_core_api_st api = {
    .abi = HP_CORE_ABI,
    .version = HOSTPIN_VERSION,
    .verify = hp_hook_verify,
    .anchor_issuer = hp_anchor_issuer,
    .store_open = hp_store_open,
    .store_set_params = hp_store_set_params,
    .store_load = hp_store_load,
    .store_eof = hp_store_eof,
    .store_close = hp_store_close,
};

__attribute__((visibility("default"))) hp_core_init_fn HP_CORE_INIT_FN;

const struct hp_core_api_st *HP_CORE_INIT_FN(const struct hp_stub_api_st *s)
{
    if (s == NULL || s->abi != HP_CORE_ABI)
        return NULL;
    stub = s;
    hp_chain_use_cache(s->cache_idx);
    hp_state_anchors_flag(s->anchors);
    hp_state_configure(s->pins, s->on_error);
    return &api;
}

/* Errors go out through hostpin.so, which holds the provider handles
 * (hp_prov_raise: raise.c). */
void hp_prov_vraise(const char *func, int line, int reason, const char *fmt,
                    va_list ap)
{
    if (stub != NULL)
        stub->vraise(func, line, reason, fmt, ap);
}

