/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the unit tests: pins, pin sets from text, temporary
 * folders and certificates made on the fly. */
#ifndef HOSTPIN_HP_TEST_H
#define HOSTPIN_HP_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/x509.h>

#include "hostpin_conf.h"

/* The name given to hp_conf_load_string in tests: errors must carry it. */
#define HPT_NAME "pins-test.conf"

/* A deterministic digest: byte i is (seed * 131 + i * 7) mod 256. */
void hpt_digest(unsigned seed, hp_digest out);
/* "sha256/<base64>" of hpt_digest(seed). */
const char *hpt_pin(unsigned seed, char buf[HP_PIN_STRLEN]);

/* Load `text` as HPT_NAME; fails the test (with the error) if it does not
 * load.  basedir may be NULL. */
struct hp_pinset_st *hpt_load(const char *text, const char *basedir);
/* Load `text`, which must be refused with an error naming HPT_NAME, `line`
 * and containing `what`. */
void hpt_expect_error(const char *text, const char *basedir, int line,
                      const char *what);

/* Table-driven refusals: a pins file, the line and the message its error
 * must carry.  Relative paths in them resolve under HPT_NOWHERE, where
 * nothing is ever found. */
#define HPT_NOWHERE "/nonexistent-hostpin-test-dir"
struct hpt_err_case {
    const char *text;
    int line;
    const char *what;
};
#define HPT_ERR_CASE(id, line_, what_, text_) \
    static const struct hpt_err_case id = { text_, line_, what_ };
#define HPT_ERR_TEST(id) \
    { #id, hpt_check_err_case, NULL, NULL, (void *)&id }
void hpt_check_err_case(void **state);

/* A new private folder (mkdtemp) and its removal with its files. */
char *hpt_tmpdir(void);
void hpt_rmdir(char *dir);
/* Write `len` bytes to dir/name; returns the malloc'ed path. */
char *hpt_write(const char *dir, const char *name, const void *data,
                size_t len);

/* A self-signed P-256 certificate with the given common name. */
X509 *hpt_make_cert(const char *cn);
/* Its pin, computed here independently of conf/: SHA-256 of the DER
 * encoding of the certificate's SubjectPublicKeyInfo. */
void hpt_cert_pin(X509 *x, hp_digest out);
/* Write certificates as one PEM file (a bundle if n > 1) or as
 * concatenated DER. Returns the malloc'ed path. */
char *hpt_write_pem(const char *dir, const char *name, X509 *const *x,
                    size_t n);
char *hpt_write_der(const char *dir, const char *name, X509 *const *x,
                    size_t n);

/* Seconds since the epoch of a UTC date and time (test-side timegm). */
int64_t hpt_utc(int y, int mo, int d, int h, int mi, int s);

#endif
