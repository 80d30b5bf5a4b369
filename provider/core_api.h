/* SPDX-License-Identifier: Apache-2.0 */
/* The two halves of hostpin and what passes between them.
 *
 * OpenSSL loads a provider module with RTLD_NOW into every program that
 * reads openssl.cnf, most of which never verify a certificate.  Resolving
 * the imports of libconfig and json-c alone cost such a program 250,000
 * instructions (bench/README.md), so the module is split:
 *
 *   hostpin.so       the provider OpenSSL loads: reads its settings,
 *                    registers the verification hook and the digest cache
 *                    (ex_data callbacks that must exist before the first
 *                    certificate is made), serves parameters, reason
 *                    strings and the store's dispatch table.  It needs
 *                    nothing but libcrypto.
 *   hostpin-core.so  everything else (the hook's decision, the pin set,
 *                    libconfig, json-c, reports, the store): the file
 *                    beside hostpin.so is opened (not read) when the
 *                    provider starts, and loaded through that descriptor
 *                    on the first verification or store use, never
 *                    closed.  A package upgrade, which replaces both files
 *                    by rename, thus cannot give a running program a core
 *                    from another build (stub.c, load_started).
 *
 * hostpin-core.so exports one symbol, hostpin_core_init_v<HP_CORE_ABI>.
 * The halves must agree on HP_CORE_ABI (change it, and the symbol's name,
 * with any change below), not on the version: a core missing when the
 * program started (a package being unpacked) is loaded by its path later,
 * whichever build put it there. */
#ifndef HOSTPIN_CORE_API_H
#define HOSTPIN_CORE_API_H

#include <stdarg.h>
#include <stdatomic.h>

#include <openssl/core_dispatch.h>
#include <openssl/x509_vfy.h>

#define HP_CORE_ABI 2
#define HP_CORE_FILE "hostpin-core.so"
/* The entry point carries the interface number (HP_CORE_ABI). */
#define HP_CORE_INIT_FN hostpin_core_init_v2
#define HP_STR_(x) #x
#define HP_STR(x) HP_STR_(x)
#define HP_CORE_INIT HP_STR(HP_CORE_INIT_FN)
#define HP_DIGEST_BYTES 32

/* The per-certificate SPKI digest cache (ex_data on X509): the slot is
 * made by hostpin.so when the certificate is made, filled by the core. */
struct hp_digest_cache_st {
    const X509 *owner;      /* guards against another library's slot */
    _Atomic int state;      /* HP_CACHE_* */
    const X509_PUBKEY *key; /* the key the digest is of */
    unsigned char d[HP_DIGEST_BYTES];
};
enum { HP_CACHE_EMPTY = 0, HP_CACHE_BUSY, HP_CACHE_READY };

/* Given by hostpin.so to the core. */
struct hp_stub_api_st {
    int abi;
    const char *version;
    /* Settings of the first provider activation (NULL if unset). */
    const char *pins;
    const char *on_error;
    int cache_idx; /* X509 ex_data index of the digest cache, -1 if none */
    /* Raise an error through a live provider instance. */
    void (*vraise)(const char *func, int line, int reason, const char *fmt,
                   va_list ap);
    /* Does the pin set in force have anchors?  HP_ANCHORS_UNKNOWN until
     * a set is loaded; the core keeps it current, so that a store's
     * issuer lookup asks the core only when an anchor can come of it. */
    _Atomic int *anchors;
};
enum { HP_ANCHORS_NONE = 0, HP_ANCHORS_SOME, HP_ANCHORS_UNKNOWN };

/* Returned by the core. */
struct hp_core_api_st {
    int abi;
    const char *version;
    /* Decide on a built chain; calls `saved` (what X509_STORE_CTX_init
     * assigned) when hostpin has no objection. */
    int (*verify)(X509_STORE_CTX *ctx, X509_STORE_CTX_verify_fn saved);
    /* An issuer of x that the store does not have: one of the anchors of
     * the connection's hosts (X509_STORE_CTX_get1_issuer's contract). */
    int (*anchor_issuer)(X509 **issuer, X509_STORE_CTX *ctx, const X509 *x);
    OSSL_FUNC_store_open_fn *store_open;
    OSSL_FUNC_store_set_ctx_params_fn *store_set_params;
    OSSL_FUNC_store_load_fn *store_load;
    OSSL_FUNC_store_eof_fn *store_eof;
    OSSL_FUNC_store_close_fn *store_close;
};

typedef const struct hp_core_api_st *
hp_core_init_fn(const struct hp_stub_api_st *stub);

#endif
