/* SPDX-License-Identifier: Apache-2.0 */
/* What a chain policy needs of a certificate besides its key's digest:
 * turning an X509 into the plain data of hp_decide_chain, at the edge.
 * Shared by the module and the hostpin command, so that `check` and
 * `audit` judge a chain exactly as a real connection does. */
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hostpin_conf.h"

void hp_cert_details(const struct x509_st *x, struct hp_cert_info_st *c)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    uint32_t ex = X509_get_extension_flags((X509 *)x), flags = 0;
    int mdnid = NID_undef, pknid = NID_undef, secbits = 0;

    if (pk != NULL) {
        int id = EVP_PKEY_get_base_id(pk);

        c->key_kind = id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS
                          ? HP_KEY_RSA
                          : id == EVP_PKEY_EC ? HP_KEY_EC : HP_KEY_OTHER;
        c->key_bits = EVP_PKEY_get_bits(pk);
    }
    c->sig_bits = -1;
    /* X509_get_signature_info caches extensions, hence the cast above and
     * here: the certificate is not changed in any visible way. */
    if (X509_get_signature_info((X509 *)x, &mdnid, &pknid, &secbits,
                                &flags)) {
        switch (mdnid) {
        case NID_md5: c->sig_bits = 128; break;
        case NID_sha1: c->sig_bits = 160; break;
        case NID_sha224: c->sig_bits = 224; break;
        case NID_sha256: c->sig_bits = 256; break;
        case NID_sha384: c->sig_bits = 384; break;
        case NID_sha512: c->sig_bits = 512; break;
        case NID_undef: c->sig_bits = 0; break; /* EdDSA: no separate hash */
        default: break;
        }
    }
    c->is_ca = (ex & EXFLAG_BCONS) != 0 && (ex & EXFLAG_CA) != 0;
}
