/* SPKI digests of chain certificates: SHA-256 over the DER encoding of the
 * SubjectPublicKeyInfo.  (X509_pubkey_digest hashes only the key bits, which
 * is not the pin.)  The digest is fetched once, on first use, never at
 * provider init. */
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "hostpin.h"

static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256;

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

int hp_chain_digest(X509 *x, hp_digest out)
{
    const X509_PUBKEY *pk = X509_get_X509_PUBKEY(x);

    return pk != NULL && digest_spki(pk, out);
}

int hp_pkey_digest(EVP_PKEY *pkey, hp_digest out)
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(pkey, &der), ok = digest_der(der, len, out);

    OPENSSL_free(der);
    return ok;
}
