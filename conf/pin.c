/* SPDX-License-Identifier: Apache-2.0 */
/* Pin spellings, base64 and SPKI digests. */
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "hostpin_conf.h"

#define B64_LEN 44 /* base64 of 32 bytes: 43 characters and one '=' */

static int is_b64_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Strict base64 of exactly 32 bytes.  EVP_DecodeBlock tolerates spaces and
 * counts padding as data, so the shape is checked here first. */
static int decode_b64_digest(const char *s, size_t len, hp_digest out,
                             const char **why)
{
    unsigned char buf[B64_LEN];
    size_t i;

    for (i = 0; i < len; i++) {
        if (s[i] == '=' && i + 1 >= len - 1)
            continue;
        if (!is_b64_char((unsigned char)s[i])) {
            *why = s[i] == '-' || s[i] == '_'
                       ? "contains base64url characters ('-' or '_'); "
                         "expected standard base64 ('+' and '/')"
                       : "contains a character that is not base64";
            return 0;
        }
    }
    if (len != B64_LEN || s[B64_LEN - 1] != '=' || s[B64_LEN - 2] == '=') {
        *why = "does not decode to 32 bytes (a SHA-256 pin is 44 base64 "
               "characters ending in '=')";
        return 0;
    }
    if (EVP_DecodeBlock(buf, (const unsigned char *)s, B64_LEN) != 33) {
        *why = "is not valid base64";
        return 0;
    }
    memcpy(out, buf, HP_DIGEST_LEN);
    return 1;
}

int hp_pin_parse(const char *text, hp_digest out, const char **why)
{
    const char *p = text, *slash;
    size_t len;
    const char *dummy;

    if (why == NULL)
        why = &dummy;
    if (text == NULL || *text == '\0') {
        *why = "is empty (expected sha256/<base64>)";
        return 0;
    }
    len = strlen(p);
    if (strncasecmp(p, "pin-sha256=", 11) == 0) {
        /* HPKP: pin-sha256="B64" */
        p += 11;
        len -= 11;
        if (len < 2 || p[0] != '"' || p[len - 1] != '"') {
            *why = "has an HPKP prefix but the value is not in double "
                   "quotes (expected pin-sha256=\"<base64>\")";
            return 0;
        }
        return decode_b64_digest(p + 1, len - 2, out, why);
    }
    /* Bare base64 may hold a '/' where an algorithm name would end
     * ("r/mIkG3..."): a full 44-character pin is taken as one first. */
    if (len == B64_LEN && decode_b64_digest(p, len, out, why))
        return 1;
    slash = strchr(p, '/');
    if (slash != NULL && slash - p <= 10 && slash > p &&
        strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789-") == (size_t)(slash - p)) {
        size_t alen = (size_t)(slash - p);

        if (!(alen == 6 && strncasecmp(p, "sha256", 6) == 0)) {
            *why = "uses an unsupported hash algorithm (only sha256 pins "
                   "are accepted)";
            return 0;
        }
        p = slash + 1;
        /* curl spells it sha256//B64; but base64 may itself start with
         * '/', so only a 45th character makes the second slash curl's. */
        if (*p == '/' && strlen(p) == B64_LEN + 1)
            p++;
        return decode_b64_digest(p, strlen(p), out, why);
    }
    return decode_b64_digest(p, len, out, why);
}

void hp_pin_format(const hp_digest d, char out[HP_PIN_STRLEN])
{
    memcpy(out, "sha256/", 7);
    EVP_EncodeBlock((unsigned char *)out + 7, d, HP_DIGEST_LEN);
}

int hp_spki_digest(const unsigned char *der, size_t len, hp_digest out)
{
    unsigned int n = 0;

    return EVP_Digest(der, len, out, &n, EVP_sha256(), NULL) == 1 &&
           n == HP_DIGEST_LEN;
}
