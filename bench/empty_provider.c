/* SPDX-License-Identifier: Apache-2.0 */
/* A provider that does nothing, loaded by the start-up benchmark beside
 * hostpin: what OpenSSL itself spends on any provider module named in
 * openssl.cnf (loading, activation, teardown), so that hostpin's own
 * share of the start-up cost can be told apart. */
#include <openssl/core.h>
#include <openssl/core_dispatch.h>

static const OSSL_DISPATCH nothing[] = { { 0, NULL } };

__attribute__((visibility("default"))) OSSL_provider_init_fn
    OSSL_provider_init;

int OSSL_provider_init(const OSSL_CORE_HANDLE *handle,
                       const OSSL_DISPATCH *in, const OSSL_DISPATCH **out,
                       void **provctx)
{
    (void)handle;
    (void)in;
    *out = nothing;
    *provctx = (void *)nothing;
    return 1;
}
