/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of hostpin.so (provider.c, stub.c); see core_api.h.
 *
 * OpenSSL opens a provider module with RTLD_NOW, so every function
 * hostpin.so imports is looked up in every program that reads openssl.cnf,
 * about 900 instructions each (bench/README.md).  hostpin.so imports only
 * what its activation and the per-context hook call; what only rare paths
 * need (parameters, the core's loading, a refusal without core) is looked
 * up on first use, here. */
#ifndef HOSTPIN_STUB_H
#define HOSTPIN_STUB_H

#include <dlfcn.h>

#include <openssl/core_dispatch.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/x509_vfy.h>

struct hp_rare_st {
    OSSL_PARAM *(*param_locate)(OSSL_PARAM *, const char *);
    int (*param_set_int)(OSSL_PARAM *, int);
    int (*param_set_utf8_ptr)(OSSL_PARAM *, const char *);
    X509_STORE_CTX *(*parent_ctx)(const X509_STORE_CTX *);
    void (*set_error)(X509_STORE_CTX *, int);
    void (*syslog)(int, const char *, ...);
    char *(*dlerror)(void);
    int (*dladdr)(const void *, Dl_info *);
    /* The reason strings, given when the first error is raised. */
    unsigned long (*err_peek_last_error_func)(const char **);
    int (*err_load_strings)(int, ERR_STRING_DATA *);
};
/* strcmp(a, b) == 0, written out like the few other string operations
 * here: no import for it. */
int hp_stub_equal(const char *a, const char *b);
/* NULL if libcrypto or libc could not be asked (never expected). */
const struct hp_rare_st *hp_rare(void);
/* Scoped anchors (anchor.c): every store asks the core for an issuer it
 * does not have.  Looked up when the first store is made, apart from the
 * rare ones: every TLS client makes a store. */
struct hp_issuer_st {
    void (*set_get_issuer)(X509_STORE *, X509_STORE_CTX_get_issuer_fn);
    int (*get1_issuer)(X509 **, X509_STORE_CTX *, const X509 *);
};
const struct hp_issuer_st *hp_issuer(void);

struct hp_core_api_st;
/* Register the hook and the digest cache's slots (once per process). */
int hp_stub_install(OSSL_FUNC_CRYPTO_zalloc_fn *zalloc,
                    OSSL_FUNC_CRYPTO_free_fn *free_fn);
/* Settings of the first activation, for the core; module: the path
 * OpenSSL loaded hostpin.so from (its core is opened beside it). */
void hp_stub_configure(const char *pins, const char *on_error,
                       const char *module);
/* The core, loaded on first call; NULL if it cannot be. */
const struct hp_core_api_st *hp_stub_core(void);
/* Why the core cannot be loaded; NULL if it can. */
const char *hp_stub_core_error(void);
extern const OSSL_ALGORITHM hp_stub_store_algorithms[];

#endif
