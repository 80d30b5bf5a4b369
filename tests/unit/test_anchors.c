/* SPDX-License-Identifier: Apache-2.0 */
/* Scoped trust anchors in the pins file: what loads, what is refused with
 * which message, and system_roots = false in the decision. */
#include "hp_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

static char *dir;
static X509 *root, *other;
static char *root_pem, *notself_pem;
static hp_digest root_pin, other_pin;

/* A certificate whose issuer is not its subject: not self-signed. */
static X509 *make_issued(const char *cn)
{
    X509 *x = hpt_make_cert(cn);
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509_NAME *n = X509_NAME_new();

    assert_non_null(key);
    assert_non_null(n);
    assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
                                                (const unsigned char *)"Someone",
                                                -1, -1, 0),
                     1);
    assert_int_equal(X509_set_issuer_name(x, n), 1);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    X509_NAME_free(n);
    EVP_PKEY_free(key);
    return x;
}

static int setup(void **state)
{
    X509 *ns;

    (void)state;
    dir = hpt_tmpdir();
    root = hpt_make_cert("Private Root");
    other = hpt_make_cert("Public Root");
    hpt_cert_pin(root, root_pin);
    hpt_cert_pin(other, other_pin);
    root_pem = hpt_write_pem(dir, "root.pem", &root, 1);
    ns = make_issued("Intermediate");
    notself_pem = hpt_write_pem(dir, "inter.pem", &ns, 1);
    X509_free(ns);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    X509_free(root);
    X509_free(other);
    free(root_pem);
    free(notself_pem);
    hpt_rmdir(dir);
    return 0;
}

static struct hp_pinset_st *load(const char *entry)
{
    char text[1024];

    snprintf(text, sizeof(text), "version = 1;\nhosts = (\n  { %s }\n);\n",
             entry);
    return hpt_load(text, dir);
}

/* An anchor's key is a pin of its rule, and an anchor pin. */
static void anchor_is_a_pin(void **state)
{
    struct hp_pinset_st *ps = load("host = \"internal.test\"; "
                                   "anchors = [ \"root.pem\" ];");
    const struct hp_rule_st *r = hp_pinset_rule_for(ps, "internal.test");

    (void)state;
    assert_non_null(r);
    assert_true(ps->has_anchors);
    assert_int_equal(r->nanchor_pins, 1);
    assert_int_equal(r->nanchor_certs, 1);
    assert_non_null(r->anchors);
    assert_true(hp_rule_has_pin(r, root_pin));
    assert_true(hp_digest_in(r->anchor_pins, r->nanchor_pins, root_pin));
    assert_false(r->no_system_roots);
    hp_pinset_free(ps);
    ps = load("host = \"x.test\"; pins = [ \"sha256/AAAAAAAAAAAAAAAAAAAAAAAAAA"
              "AAAAAAAAAAAAAAAAA=\" ];");
    assert_false(ps->has_anchors);
    hp_pinset_free(ps);
}

static void refusals(void **state)
{
    static const struct {
        const char *entry, *what;
    } t[] = {
        { "host = \"a.test\"; anchors = [ \"inter.pem\" ];",
          "is not a self-signed certificate (an anchor is a root CA "
          "certificate or the server's own self-signed certificate)" },
        { "host = \"a.test\"; anchors = [ ];", "'anchors' must be a list" },
        { "host = \"a.test\"; anchors = \"root.pem\";",
          "'anchors' must be a list" },
        { "host = \"a.test\"; anchors = [ 7 ];", "anchor 1 of host" },
        { "host = \"a.test\"; anchors = [ \"missing.pem\" ];",
          "anchor file" },
        { "host = \"a.test\"; pins = [ \"sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAA"
          "AAAAAAAAAAAAAAA=\" ]; system_roots = false;",
          "system_roots = false needs anchors" },
        { "host = \"a.test\"; anchors = [ \"root.pem\" ]; system_roots = 0;",
          "'system_roots' must be true or false" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char text[1024];

        snprintf(text, sizeof(text),
                 "version = 1;\nhosts = (\n  { %s }\n);\n", t[i].entry);
        hpt_expect_error(text, dir, 3, t[i].what);
    }
}

/* system_roots = false: the chain must end at one of the host's anchors. */
static void no_system_roots(void **state)
{
    char entry[512], leafpin[HP_PIN_STRLEN];
    struct hp_pinset_st *ps;
    const char *names[] = { "locked.test" };
    hp_digest chain[2];
    struct hp_verdict_st v;

    (void)state;
    hpt_pin(7, leafpin);
    snprintf(entry, sizeof(entry), "host = \"locked.test\"; pins = [ \"%s\" ];"
             " anchors = [ \"root.pem\" ]; system_roots = false;", leafpin);
    ps = load(entry);
    hpt_digest(7, chain[0]);
    memcpy(chain[1], root_pin, HP_DIGEST_LEN);
    hp_decide(ps, names, 1, (const hp_digest *)chain, 2, 0, &v);
    assert_int_equal(v.outcome, HP_PASS);
    /* The pinned leaf under a root the machine trusts: refused. */
    memcpy(chain[1], other_pin, HP_DIGEST_LEN);
    hp_decide(ps, names, 1, (const hp_digest *)chain, 2, 0, &v);
    assert_int_equal(v.outcome, HP_FAIL);
    assert_int_equal(v.why, HP_WHY_POLICY);
    assert_int_equal(v.bad_depth, 1);
    assert_non_null(strstr(v.detail, "system_roots = false"));
    hp_pinset_free(ps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(anchor_is_a_pin),
        cmocka_unit_test(refusals),
        cmocka_unit_test(no_system_roots),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
