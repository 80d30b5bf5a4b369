/* SPDX-License-Identifier: Apache-2.0 */
/* Pin spellings, their rejections, formatting and SPKI digests. */
#include "hp_test.h"

#include <stdio.h>
#include <string.h>

/* Known answers, computed outside this project. */
struct vector {
    const char *b64;
    unsigned char bytes[HP_DIGEST_LEN];
};

static const struct vector vectors[] = {
    /* SHA-256 of the empty string */
    { "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
      { 0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
        0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
        0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55 } },
    /* the example in the design; a '/' as second character */
    { "r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=",
      { 0xaf, 0xf9, 0x88, 0x90, 0x6d, 0xde, 0x12, 0x95, 0x5d, 0x9b, 0xeb,
        0xbf, 0x92, 0x8f, 0xdc, 0xc3, 0x1c, 0xce, 0x32, 0x8d, 0x5b, 0x93,
        0x84, 0xf2, 0x1c, 0x89, 0x41, 0xca, 0x26, 0xe2, 0x03, 0x91 } },
    /* starts with '/': "sha256//..." is then not curl's spelling */
    { "//////////////////////////////////////////8=",
      { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
    /* SHA-256 of "abc" */
    { "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
      { 0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
        0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
        0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad } },
};
#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

static void expect_pin(const char *text, const unsigned char *want)
{
    hp_digest d;
    const char *why = NULL;

    memset(d, 0x5a, sizeof(d));
    if (!hp_pin_parse(text, d, &why))
        fail_msg("pin \"%s\" refused: %s", text, why ? why : "(no reason)");
    assert_memory_equal(d, want, HP_DIGEST_LEN);
}

static void expect_refused(const char *text, const char *what)
{
    hp_digest d;
    const char *why = NULL;

    if (hp_pin_parse(text, d, &why))
        fail_msg("pin \"%s\" accepted", text ? text : "(null)");
    if (why == NULL || strstr(why, what) == NULL)
        fail_msg("pin \"%s\": expected a reason with \"%s\", got \"%s\"",
                 text ? text : "(null)", what, why ? why : "(null)");
}

static void spelling_sha256_slash(void **state)
{
    char buf[128];
    size_t i;

    (void)state;
    for (i = 0; i < NVECTORS; i++) {
        snprintf(buf, sizeof(buf), "sha256/%s", vectors[i].b64);
        expect_pin(buf, vectors[i].bytes);
    }
    /* the algorithm name is not case-sensitive */
    snprintf(buf, sizeof(buf), "SHA256/%s", vectors[0].b64);
    expect_pin(buf, vectors[0].bytes);
}

static void spelling_curl(void **state)
{
    char buf[128];
    size_t i;

    (void)state;
    for (i = 0; i < NVECTORS; i++) {
        snprintf(buf, sizeof(buf), "sha256//%s", vectors[i].b64);
        expect_pin(buf, vectors[i].bytes);
    }
}

static void spelling_hpkp(void **state)
{
    char buf[128];
    size_t i;

    (void)state;
    for (i = 0; i < NVECTORS; i++) {
        snprintf(buf, sizeof(buf), "pin-sha256=\"%s\"", vectors[i].b64);
        expect_pin(buf, vectors[i].bytes);
    }
}

static void spelling_bare(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < NVECTORS; i++)
        expect_pin(vectors[i].b64, vectors[i].bytes);
}

static void refuse_empty(void **state)
{
    hp_digest d;

    (void)state;
    expect_refused("", "is empty");
    expect_refused(NULL, "is empty");
    /* why may be NULL when the caller does not care */
    assert_int_equal(hp_pin_parse("sha256/", d, NULL), 0);
}

static void refuse_wrong_length(void **state)
{
    (void)state;
    expect_refused("sha256/", "does not decode to 32 bytes");
    /* one character short, one too many, and no padding */
    expect_refused("sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF=",
                   "does not decode to 32 bytes");
    expect_refused("sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFUA=",
                   "does not decode to 32 bytes");
    expect_refused("sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFUA",
                   "does not decode to 32 bytes");
    expect_refused("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
                   "does not decode to 32 bytes");
    /* a third slash is not part of any spelling */
    expect_refused("sha256///47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                   "does not decode to 32 bytes");
    /* curl spelling with a short value (one character shorter would be
     * the canonical spelling of a digest whose base64 starts with '/') */
    expect_refused("sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSu=",
                   "does not decode to 32 bytes");
}

static void refuse_31_and_33_bytes(void **state)
{
    (void)state;
    /* 44 characters each, but 31 bytes ("==") and 33 bytes (no '=') */
    expect_refused("sha256/AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ==",
                   "does not decode to 32 bytes");
    expect_refused("sha256/AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB",
                   "does not decode to 32 bytes");
    /* hex, as some tools print digests: base64 characters, wrong size */
    expect_refused("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
                   "7852b855",
                   "does not decode to 32 bytes");
    expect_refused("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ==",
                   "does not decode to 32 bytes");
    expect_refused("pin-sha256=\"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB\"",
                   "does not decode to 32 bytes");
}

static void refuse_bad_characters(void **state)
{
    (void)state;
    expect_refused("sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hS!FU=",
                   "not base64");
    expect_refused("sha256/47DEQpj8HBSa+/TImW+5JCe QeRkm5NMpJWZG3hSuFU=",
                   "not base64");
    expect_refused("sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
                   "not base64");
    expect_refused("sha256/47DEQpj8HBSa=/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                   "not base64");
    expect_refused("sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSu\xc3\xa9=",
                   "not base64");
}

static void refuse_base64url(void **state)
{
    (void)state;
    expect_refused("sha256/47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=",
                   "base64url");
    expect_refused("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=",
                   "base64url");
    /* unpadded base64url, as in JWKs */
    expect_refused("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
                   "base64url");
}

static void refuse_other_algorithms(void **state)
{
    (void)state;
    expect_refused("sha1/2jmj7l5rSw0yVb/vlWAYkK/YBwk=",
                   "unsupported hash algorithm");
    expect_refused("sha384/OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/"
                   "529l+9Ua0vFImLlb",
                   "unsupported hash algorithm");
    expect_refused("sha512/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                   "unsupported hash algorithm");
    expect_refused("md5/1B2M2Y8AsgTpgAmY7PhCfg==",
                   "unsupported hash algorithm");
    expect_refused("sha-256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                   "unsupported hash algorithm");
}

static void refuse_hpkp_without_quotes(void **state)
{
    (void)state;
    expect_refused("pin-sha256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                   "double quotes");
    expect_refused("pin-sha256=\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                   "double quotes");
    expect_refused("pin-sha256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"",
                   "double quotes");
    expect_refused("pin-sha256=\"", "double quotes");
    expect_refused("pin-sha256=", "double quotes");
    expect_refused("pin-sha256=\"\"", "does not decode to 32 bytes");
    expect_refused("pin-sha256='47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
                   "double quotes");
}

/* A small deterministic generator: the same digests on every run. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* format -> parse gives the digest back, in every spelling, for digests
 * whose base64 starts with '/' or has '/' early, and thousands more. */
static void format_round_trip(void **state)
{
    uint64_t seed = 0x9e3779b97f4a7c15u;
    char out[HP_PIN_STRLEN], buf[128];
    hp_digest d, back;
    size_t i, j;

    (void)state;
    for (i = 0; i < NVECTORS; i++) {
        hp_pin_format(vectors[i].bytes, out);
        snprintf(buf, sizeof(buf), "sha256/%s", vectors[i].b64);
        assert_string_equal(out, buf);
    }
    for (i = 0; i < 20000; i++) {
        if (i < 256) {
            memset(d, (int)i, sizeof(d)); /* 0x00.., 0xfc.., 0xff.. */
        } else {
            for (j = 0; j < HP_DIGEST_LEN; j += 8) {
                uint64_t r = next_rand(&seed);

                memcpy(d + j, &r, 8);
            }
        }
        memset(out, 'x', sizeof(out));
        hp_pin_format(d, out);
        assert_int_equal(strlen(out), HP_PIN_STRLEN - 1);
        assert_memory_equal(out, "sha256/", 7);
        expect_pin(out, d);
        expect_pin(out + 7, d); /* bare */
        snprintf(buf, sizeof(buf), "sha256//%s", out + 7);
        expect_pin(buf, d);
        snprintf(buf, sizeof(buf), "pin-sha256=\"%s\"", out + 7);
        expect_pin(buf, d);
        /* and the digest comes back formatted the same */
        assert_int_equal(hp_pin_parse(out, back, NULL), 1);
        hp_pin_format(back, buf);
        assert_string_equal(buf, out);
    }
}

static void spki_digest(void **state)
{
    hp_digest d;

    (void)state;
    assert_int_equal(hp_spki_digest((const unsigned char *)"", 0, d), 1);
    assert_memory_equal(d, vectors[0].bytes, HP_DIGEST_LEN);
    assert_int_equal(hp_spki_digest((const unsigned char *)"abc", 3, d), 1);
    assert_memory_equal(d, vectors[3].bytes, HP_DIGEST_LEN);
}

/* hp_spki_digest of a certificate's SPKI equals the pin computed here. */
static void spki_digest_of_certificate(void **state)
{
    X509 *x = hpt_make_cert("spki");
    unsigned char *der = NULL;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    hp_digest mine, theirs;

    (void)state;
    assert_true(len > 0);
    assert_int_equal(hp_spki_digest(der, (size_t)len, mine), 1);
    hpt_cert_pin(x, theirs);
    assert_memory_equal(mine, theirs, HP_DIGEST_LEN);
    OPENSSL_free(der);
    X509_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spelling_sha256_slash),
        cmocka_unit_test(spelling_curl),
        cmocka_unit_test(spelling_hpkp),
        cmocka_unit_test(spelling_bare),
        cmocka_unit_test(refuse_empty),
        cmocka_unit_test(refuse_wrong_length),
        cmocka_unit_test(refuse_31_and_33_bytes),
        cmocka_unit_test(refuse_bad_characters),
        cmocka_unit_test(refuse_base64url),
        cmocka_unit_test(refuse_other_algorithms),
        cmocka_unit_test(refuse_hpkp_without_quotes),
        cmocka_unit_test(format_round_trip),
        cmocka_unit_test(spki_digest),
        cmocka_unit_test(spki_digest_of_certificate),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
