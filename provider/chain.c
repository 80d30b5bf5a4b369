/* SPDX-License-Identifier: Apache-2.0 */
/* SPKI digests of chain certificates: SHA-256 over the DER encoding of the
 * SubjectPublicKeyInfo.  (X509_pubkey_digest hashes only the key bits, which
 * is not the pin.)  The digest is fetched once, on first use, never at
 * provider init.
 *
 * Each certificate's digest is cached in its ex_data: trust anchors live in
 * the X509_STORE for the whole process and a certificate verified again
 * (the same X509 object) costs a copy instead of an encoding and a hash.
 * X509_set_ex_data is not safe against readers on other threads (it may
 * grow the stack), so the slot is filled once, in new_func, while the object
 * is still private to the thread that creates it (stub.c: hostpin.so does
 * it, so that certificates made before the core is loaded have one too);
 * afterwards only the cache's contents change, published by an atomic
 * state. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core_api.h"
#include "hostpin.h"

static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256;

_Static_assert(HP_DIGEST_BYTES == HP_DIGEST_LEN, "one digest size");

static _Atomic int cache_idx = -1;

static void md_init(void)
{
    sha256 = EVP_MD_fetch(OSSL_LIB_CTX_get0_global_default(), "SHA256", NULL);
}

static int digest_der(const unsigned char *der, int len, hp_digest out)
{
    unsigned int n = 0;

    pthread_once(&md_once, md_init);
    return len > 0 &&
           EVP_Digest(der, (size_t)len, out, &n,
                      sha256 != NULL ? sha256 : EVP_sha256(), NULL) == 1 &&
           n == HP_DIGEST_LEN;
}

/* Encode into a stack buffer when it fits: no allocation on the common
 * path (an RSA-4096 SPKI is 550 bytes). */
static int digest_spki(const X509_PUBKEY *pk, hp_digest out)
{
    unsigned char buf[2048], *p = buf, *heap = NULL;
    int len = i2d_X509_PUBKEY(pk, NULL), ok;

    if (len <= 0)
        return 0;
    if ((size_t)len > sizeof(buf)) {
        len = i2d_X509_PUBKEY(pk, &heap);
        ok = digest_der(heap, len, out);
        OPENSSL_free(heap);
        return ok;
    }
    return i2d_X509_PUBKEY(pk, &p) == len && digest_der(buf, len, out);
}

void hp_chain_use_cache(int idx)
{
    atomic_store(&cache_idx, idx);
}

int hp_chain_digest(X509 *x, hp_digest out)
{
    const X509_PUBKEY *pk = X509_get_X509_PUBKEY(x);
    int idx = atomic_load_explicit(&cache_idx, memory_order_relaxed);
    struct hp_digest_cache_st *c = idx >= 0 ? X509_get_ex_data(x, idx) : NULL;
    int expect = HP_CACHE_EMPTY;

    if (pk == NULL)
        return 0;
    if (c != NULL && c->owner != x)
        c = NULL;
    if (c != NULL &&
        atomic_load_explicit(&c->state, memory_order_acquire) ==
            HP_CACHE_READY &&
        c->key == pk) {
        memcpy(out, c->d, HP_DIGEST_LEN);
        return 1;
    }
    if (!digest_spki(pk, out))
        return 0;
    /* First to get here fills the cache; others just computed their own. */
    if (c != NULL && atomic_compare_exchange_strong(&c->state, &expect,
                                                    HP_CACHE_BUSY)) {
        c->key = pk;
        memcpy(c->d, out, HP_DIGEST_LEN);
        atomic_store_explicit(&c->state, HP_CACHE_READY, memory_order_release);
    }
    return 1;
}

int hp_pkey_digest(EVP_PKEY *pkey, hp_digest out)
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(pkey, &der), ok = digest_der(der, len, out);

    OPENSSL_free(der);
    return ok;
}
