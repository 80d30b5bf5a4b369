/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the unit tests. */
#include "hp_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

void hpt_digest(unsigned seed, hp_digest out)
{
    size_t i;

    for (i = 0; i < HP_DIGEST_LEN; i++)
        out[i] = (unsigned char)(seed * 131u + i * 7u);
}

const char *hpt_pin(unsigned seed, char buf[HP_PIN_STRLEN])
{
    hp_digest d;

    hpt_digest(seed, d);
    memcpy(buf, "sha256/", 7);
    /* Encoded here, not with hp_pin_format, so the tests of the parser do
     * not depend on the formatter being right. */
    EVP_EncodeBlock((unsigned char *)buf + 7, d, HP_DIGEST_LEN);
    return buf;
}

/* With HOSTPIN_TEST_CORPUS=<folder>, every pins text a test loads is also
 * saved there: the source of the fuzz_conf seed corpus (tests/fuzz). */
static void save_for_corpus(const char *text)
{
    const char *dir = getenv("HOSTPIN_TEST_CORPUS");
    size_t len = strlen(text), i;
    uint32_t h = 2166136261u;
    char name[32];

    if (dir == NULL || *dir == '\0' || len > 65536)
        return;
    for (i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 16777619u;
    snprintf(name, sizeof(name), "test-%08x.conf", (unsigned)h);
    free(hpt_write(dir, name, text, len));
}

struct hp_pinset_st *hpt_load(const char *text, const char *basedir)
{
    struct hp_pinset_st *ps = NULL;
    struct hp_error_st err;
    char msg[1200];

    save_for_corpus(text);
    if (!hp_conf_load_string(text, HPT_NAME, basedir, &ps, &err)) {
        hp_error_format(&err, msg, sizeof(msg));
        fail_msg("valid pins file refused: %s\n--- text:\n%s", msg, text);
    }
    assert_non_null(ps);
    return ps;
}

void hpt_expect_error(const char *text, const char *basedir, int line,
                      const char *what)
{
    struct hp_pinset_st *ps = (struct hp_pinset_st *)1;
    struct hp_error_st err;
    char msg[1200], prefix[600];

    save_for_corpus(text);
    if (hp_conf_load_string(text, HPT_NAME, basedir, &ps, &err)) {
        hp_pinset_free(ps);
        fail_msg("invalid pins file accepted:\n%s", text);
    }
    assert_null(ps);
    hp_error_format(&err, msg, sizeof(msg));
    if (strcmp(err.file, HPT_NAME) != 0 || err.line != line ||
        strstr(err.msg, what) == NULL)
        fail_msg("expected %s:%d: ...%s...\n     got %s", HPT_NAME, line,
                 what, msg);
    /* The formatted message is what people read: file:line: problem. */
    if (line > 0)
        snprintf(prefix, sizeof(prefix), "%s:%d: ", HPT_NAME, line);
    else
        snprintf(prefix, sizeof(prefix), "%s: ", HPT_NAME);
    assert_int_equal(strncmp(msg, prefix, strlen(prefix)), 0);
}

/* dir/name in a new malloc'ed string. */
static char *join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = malloc(len);

    assert_non_null(p);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

char *hpt_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *dir;

    if (base == NULL || *base == '\0')
        base = "/tmp";
    dir = join(base, "hostpin-unit-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

void hpt_rmdir(char *dir)
{
    DIR *d;
    struct dirent *e;

    if (dir == NULL)
        return;
    if ((d = opendir(dir)) != NULL) {
        while ((e = readdir(d)) != NULL) {
            char *p;

            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            p = join(dir, e->d_name);
            if (unlink(p) != 0)
                rmdir(p); /* the one-level subfolders some tests make */
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

char *hpt_write(const char *dir, const char *name, const void *data,
                size_t len)
{
    char *path;
    FILE *f;

    path = join(dir, name);
    assert_non_null(f = fopen(path, "wb"));
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

X509 *hpt_make_cert(const char *cn)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    X509_NAME *name;

    assert_non_null(key);
    assert_non_null(x);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30));
    /* A name of its own: OpenSSL 4 returns the certificate's as const. */
    name = X509_NAME_new();
    assert_non_null(name);
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                                (const unsigned char *)cn,
                                                -1, -1, 0),
                     1);
    assert_int_equal(X509_set_subject_name(x, name), 1);
    assert_int_equal(X509_set_issuer_name(x, name), 1);
    X509_NAME_free(name);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    EVP_PKEY_free(key);
    return x;
}

void hpt_cert_pin(X509 *x, hp_digest out)
{
    unsigned char *der = NULL;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);

    assert_true(len > 0);
    assert_non_null(SHA256(der, (size_t)len, out));
    OPENSSL_free(der);
}

char *hpt_write_pem(const char *dir, const char *name, X509 *const *x,
                    size_t n)
{
    char *path;
    FILE *f;
    size_t i;

    path = join(dir, name);
    assert_non_null(f = fopen(path, "w"));
    for (i = 0; i < n; i++)
        assert_int_equal(PEM_write_X509(f, x[i]), 1);
    assert_int_equal(fclose(f), 0);
    return path;
}

char *hpt_write_der(const char *dir, const char *name, X509 *const *x,
                    size_t n)
{
    char *path;
    FILE *f;
    size_t i;

    path = join(dir, name);
    assert_non_null(f = fopen(path, "wb"));
    for (i = 0; i < n; i++)
        assert_int_equal(i2d_X509_fp(f, x[i]), 1);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so expiry tests do not reuse the code under test. */
int64_t hpt_utc(int y, int mo, int d, int h, int mi, int s)
{
    int64_t era, yoe, doy, doe;

    y -= mo <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (era * 146097 + doe - 719468) * 86400 + h * 3600 + mi * 60 + s;
}

void hpt_check_err_case(void **state)
{
    const struct hpt_err_case *c = *state;

    hpt_expect_error(c->text, HPT_NOWHERE, c->line, c->what);
}
