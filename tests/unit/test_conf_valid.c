/* SPDX-License-Identifier: Apache-2.0 */
/* Valid pins files: what they compile to. */
#include "hp_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

static const struct hp_rule_st *exact(const struct hp_pinset_st *ps,
                                      const char *name)
{
    return hp_pinset_find_exact(ps, name, strlen(name));
}

/* The pin of a seed, in one of eight rotating buffers so that several
 * can be passed to one snprintf. */
static const char *pin_of(unsigned seed)
{
    static char buf[8][HP_PIN_STRLEN];
    static unsigned n;

    return hpt_pin(seed, buf[n++ % 8]);
}

static void global_report_host_enforce(void **state)
{
    char text[1024];
    struct hp_pinset_st *ps;
    const struct hp_rule_st *a, *b;
    hp_digest d1, d2;

    (void)state;
    snprintf(text, sizeof(text),
             "version = 1;\n"
             "mode = \"report\";\n"
             "hosts = (\n"
             "  { host = \"a.example\"; pins = [ \"%s\" ];\n"
             "    mode = \"enforce\"; },\n"
             "  { host = \"b.example\"; pins = [ \"%s\" ]; }\n"
             ");\n",
             pin_of(1), pin_of(2));
    ps = hpt_load(text, NULL);
    assert_int_equal(ps->mode, HP_MODE_REPORT);
    assert_int_equal(ps->nrules, 2);
    assert_non_null(a = exact(ps, "a.example"));
    assert_non_null(b = exact(ps, "b.example"));
    assert_int_equal(a->mode, HP_MODE_ENFORCE);
    assert_int_equal(b->mode, HP_MODE_REPORT);
    assert_int_equal(a->line, 4);
    assert_int_equal(b->line, 6);
    assert_string_equal(a->file, HPT_NAME);
    hpt_digest(1, d1);
    hpt_digest(2, d2);
    assert_true(hp_rule_has_pin(a, d1));
    assert_false(hp_rule_has_pin(a, d2));
    assert_true(hp_rule_has_pin(b, d2));
    assert_false(hp_rule_has_pin(b, d1));
    hp_pinset_free(ps);
}

static void global_enforce_host_report(void **state)
{
    char text[1024];
    struct hp_pinset_st *ps;

    (void)state;
    snprintf(text, sizeof(text),
             "version = 1;\n"
             "mode = \"enforce\";\n"
             "hosts = (\n"
             "  { host = \"a.example\"; pins = [ \"%s\" ];\n"
             "    mode = \"report\"; },\n"
             "  { host = \"b.example\"; pins = [ \"%s\" ]; }\n"
             ");\n",
             pin_of(1), pin_of(2));
    ps = hpt_load(text, NULL);
    assert_int_equal(ps->mode, HP_MODE_ENFORCE);
    assert_int_equal(exact(ps, "a.example")->mode, HP_MODE_REPORT);
    assert_int_equal(exact(ps, "b.example")->mode, HP_MODE_ENFORCE);
    hp_pinset_free(ps);
}

/* Without `mode`, the file enforces. */
static void default_mode_is_enforce(void **state)
{
    char text[512];
    struct hp_pinset_st *ps;

    (void)state;
    snprintf(text, sizeof(text),
             "version = 1;\n"
             "hosts = ( { host = \"a.example\"; pins = [ \"%s\" ]; } );\n",
             pin_of(1));
    ps = hpt_load(text, NULL);
    assert_int_equal(ps->mode, HP_MODE_ENFORCE);
    assert_int_equal(exact(ps, "a.example")->mode, HP_MODE_ENFORCE);
    hp_pinset_free(ps);
}

/* A file with no hosts is valid and pins nothing. */
static void no_hosts(void **state)
{
    struct hp_pinset_st *ps;

    (void)state;
    ps = hpt_load("version = 1;\n", NULL);
    assert_int_equal(ps->nrules, 0);
    assert_null(exact(ps, "a.example"));
    hp_pinset_free(ps);
    ps = hpt_load("version = 1;\nmode = \"report\";\nhosts = ( );\n", NULL);
    assert_int_equal(ps->nrules, 0);
    assert_int_equal(ps->mode, HP_MODE_REPORT);
    hp_pinset_free(ps);
}

static void ip_hosts(void **state)
{
    char text[2048];
    struct hp_pinset_st *ps;
    const struct hp_rule_st *r;
    hp_digest d;

    (void)state;
    snprintf(text, sizeof(text),
             "version = 1;\n"
             "hosts = (\n"
             "  { host = \"192.0.2.1\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"::1\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"[::1]\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"0:0:0:0:0:0:0:1\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"2001:DB8:0:0:0:0:0:A\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"[::ffff:192.0.2.7]\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"192.0.2.1.\"; pins = [ \"%s\" ]; }\n"
             ");\n",
             pin_of(1), pin_of(2), pin_of(3), pin_of(4), pin_of(5),
             pin_of(6), pin_of(7));
    ps = hpt_load(text, NULL);
    /* ::1, [::1] and 0:0:0:0:0:0:0:1 are one rule: the first; so are
     * 192.0.2.1 and 192.0.2.1. */
    assert_int_equal(ps->nrules, 4);
    assert_int_equal(ps->nduplicates, 3);
    assert_non_null(r = exact(ps, "192.0.2.1"));
    assert_true(r->is_ip);
    assert_non_null(r = exact(ps, "::1"));
    assert_true(r->is_ip);
    assert_int_equal(r->line, 4);
    hpt_digest(2, d);
    assert_true(hp_rule_has_pin(r, d));
    hpt_digest(3, d);
    assert_false(hp_rule_has_pin(r, d));
    assert_null(exact(ps, "[::1]"));
    assert_null(exact(ps, "0:0:0:0:0:0:0:1"));
    assert_non_null(r = exact(ps, "2001:db8::a"));
    assert_true(r->is_ip);
    /* An IPv4-mapped IPv6 address is kept as the IPv4 address. */
    assert_non_null(r = exact(ps, "192.0.2.7"));
    assert_true(r->is_ip);
    assert_null(exact(ps, "::ffff:192.0.2.7"));
    hp_pinset_free(ps);
}

static void trailing_dot_and_case(void **state)
{
    char text[1024];
    struct hp_pinset_st *ps;
    const struct hp_rule_st *r;

    (void)state;
    snprintf(text, sizeof(text),
             "version = 1;\n"
             "hosts = (\n"
             "  { host = \"API.Example.COM.\"; pins = [ \"%s\" ];\n"
             "    include_subdomains = true; },\n"
             "  { host = \"under_score-ok.example\"; pins = [ \"%s\" ]; }\n"
             ");\n",
             pin_of(1), pin_of(2));
    ps = hpt_load(text, NULL);
    assert_int_equal(ps->nrules, 2);
    assert_non_null(r = exact(ps, "api.example.com"));
    assert_string_equal(r->host, "api.example.com");
    assert_false(r->is_ip);
    assert_true(r->include_subdomains);
    assert_null(exact(ps, "API.Example.COM."));
    assert_non_null(exact(ps, "under_score-ok.example"));
    hp_pinset_free(ps);
}

static void duplicate_host_first_wins(void **state)
{
    char text[2048];
    struct hp_pinset_st *ps;
    const struct hp_rule_st *r;
    hp_digest d;

    (void)state;
    snprintf(text, sizeof(text),
             "version = 1;\n"
             "hosts = (\n"
             "  { host = \"b.example\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"a.example\"; pins = [ \"%s\" ];\n"
             "    mode = \"report\"; },\n"
             "  { host = \"A.EXAMPLE.\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"c.example\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"a.example\"; pins = [ \"%s\" ];\n"
             "    include_subdomains = true; }\n"
             ");\n",
             pin_of(1), pin_of(2), pin_of(3), pin_of(4), pin_of(5));
    ps = hpt_load(text, NULL);
    assert_int_equal(ps->nrules, 3);
    assert_int_equal(ps->nduplicates, 2);
    assert_non_null(r = exact(ps, "a.example"));
    assert_int_equal(r->line, 4);
    assert_int_equal(r->mode, HP_MODE_REPORT);
    assert_false(r->include_subdomains);
    assert_int_equal(r->npins, 1);
    hpt_digest(2, d);
    assert_true(hp_rule_has_pin(r, d));
    hpt_digest(5, d);
    assert_false(hp_rule_has_pin(r, d));
    /* the rules after the dropped ones are intact */
    assert_non_null(r = exact(ps, "b.example"));
    hpt_digest(1, d);
    assert_true(hp_rule_has_pin(r, d));
    assert_non_null(r = exact(ps, "c.example"));
    assert_int_equal(r->line, 7);
    hpt_digest(4, d);
    assert_true(hp_rule_has_pin(r, d));
    hp_pinset_free(ps);
}

/* All spellings in one file; repeats are kept once. */
static void pin_spellings_in_file(void **state)
{
    static const char text[] =
        "version = 1;\n"
        "hosts = (\n"
        "  { host = \"a.example\";\n"
        "    pins = [\n"
        "      \"sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\",\n"
        "      \"sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\",\n"
        "      \"pin-sha256=\\\"ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/"
        "YfIAFa0=\\\"\",\n"
        "      \"ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=\" ];\n"
        "  }\n"
        ");\n";
    static const unsigned char empty[HP_DIGEST_LEN] = {
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
        0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
        0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55
    };
    static const unsigned char abc[HP_DIGEST_LEN] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
        0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
        0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad
    };
    struct hp_pinset_st *ps = hpt_load(text, NULL);
    const struct hp_rule_st *r = exact(ps, "a.example");
    hp_digest other;

    (void)state;
    assert_non_null(r);
    assert_int_equal(r->npins_written, 4);
    assert_int_equal(r->npins, 2);
    assert_int_equal(r->ncert_pins, 0);
    assert_true(hp_rule_has_pin(r, empty));
    assert_true(hp_rule_has_pin(r, abc));
    /* sorted, as the binary search needs */
    assert_true(memcmp(r->pins[0], r->pins[1], HP_DIGEST_LEN) < 0);
    memcpy(other, abc, sizeof(other));
    other[31] ^= 1;
    assert_false(hp_rule_has_pin(r, other));
    hp_pinset_free(ps);
}

/* libconfig makes the ';' after a setting optional, so the module and the
 * command both accept a file written without them. */
static void semicolons_optional(void **state)
{
    char text[1024];
    struct hp_pinset_st *ps;

    (void)state;
    snprintf(text, sizeof(text),
             "version = 1\n"
             "mode = \"report\"\n"
             "hosts = ( { host = \"a.example\"\n"
             "            pins = [ \"%s\" ] } )\n",
             pin_of(1));
    ps = hpt_load(text, NULL);
    assert_int_equal(ps->mode, HP_MODE_REPORT);
    assert_non_null(exact(ps, "a.example"));
    hp_pinset_free(ps);
}

static void comments_everywhere(void **state)
{
    char text[1024];
    struct hp_pinset_st *ps;
    const struct hp_rule_st *r;

    (void)state;
    snprintf(text, sizeof(text),
             "# pins for the example services\n"
             "version = 1; // format\n"
             "/* several\n"
             "   lines */\n"
             "hosts = (\n"
             "  { host = \"a.example\"; # primary\n"
             "    pins = [ \"%s\" /* current */ ]; }\n"
             ");\n",
             pin_of(1));
    ps = hpt_load(text, NULL);
    assert_non_null(r = exact(ps, "a.example"));
    assert_int_equal(r->line, 6);
    hp_pinset_free(ps);
}

static void expiry_kept(void **state)
{
    char text[1024];
    struct hp_pinset_st *ps;
    const struct hp_rule_st *r;

    (void)state;
    snprintf(text, sizeof(text),
             "version = 1;\n"
             "hosts = (\n"
             "  { host = \"a.example\"; pins = [ \"%s\" ];\n"
             "    expires = \"2027-06-30\"; },\n"
             "  { host = \"b.example\"; pins = [ \"%s\" ];\n"
             "    expires = \"2027-06-30T12:00:00Z\"; },\n"
             "  { host = \"c.example\"; pins = [ \"%s\" ]; }\n"
             ");\n",
             pin_of(1), pin_of(2), pin_of(3));
    ps = hpt_load(text, NULL);
    assert_non_null(r = exact(ps, "a.example"));
    assert_int_equal(r->expires, hpt_utc(2027, 7, 1, 0, 0, 0));
    assert_string_equal(r->expires_text, "2027-06-30");
    assert_non_null(r = exact(ps, "b.example"));
    assert_int_equal(r->expires, hpt_utc(2027, 6, 30, 12, 0, 0));
    assert_string_equal(r->expires_text, "2027-06-30T12:00:00Z");
    assert_non_null(r = exact(ps, "c.example"));
    assert_int_equal(r->expires, 0);
    assert_null(r->expires_text);
    hp_pinset_free(ps);
}

static void parse_expiry(void **state)
{
    int64_t t = -1;

    (void)state;
    assert_int_equal(hp_parse_expiry("2027-06-30", &t), 1);
    assert_int_equal(t, hpt_utc(2027, 7, 1, 0, 0, 0));
    assert_int_equal(hp_parse_expiry("2028-02-29", &t), 1); /* leap */
    assert_int_equal(t, hpt_utc(2028, 3, 1, 0, 0, 0));
    assert_int_equal(hp_parse_expiry("2027-12-31T23:59:59Z", &t), 1);
    assert_int_equal(t, hpt_utc(2027, 12, 31, 23, 59, 59));
    assert_int_equal(hp_parse_expiry("1970-01-01T00:00:01Z", &t), 1);
    assert_int_equal(t, 1);
    assert_int_equal(hp_parse_expiry("2027-02-29", &t), 0);
    assert_int_equal(hp_parse_expiry("2100-02-29", &t), 0);
    assert_int_equal(hp_parse_expiry("2027-04-31", &t), 0);
    assert_int_equal(hp_parse_expiry("2027-6-30", &t), 0);
    assert_int_equal(hp_parse_expiry("2027-06-30Z", &t), 0);
    assert_int_equal(hp_parse_expiry("2027-06-30T12:00:60Z", &t), 0);
    assert_int_equal(hp_parse_expiry("+027-06-30", &t), 0);
    assert_int_equal(hp_parse_expiry("", &t), 0);
}

/* certs: PEM, DER, a PEM bundle, concatenated DER, a PEM file with a key
 * and text around the certificate; each certificate's SPKI pins the rule. */
static void certs_pem_der_bundle(void **state)
{
    X509 *x[9];
    hp_digest want[9];
    char *dir = hpt_tmpdir(), *paths[5], text[4096];
    struct hp_pinset_st *ps;
    const struct hp_rule_st *r;
    hp_digest d;
    size_t i;
    FILE *f;
    EVP_PKEY *key;

    (void)state;
    for (i = 0; i < 9; i++) {
        char cn[32];

        snprintf(cn, sizeof(cn), "cert %zu", i);
        x[i] = hpt_make_cert(cn);
        hpt_cert_pin(x[i], want[i]);
    }
    paths[0] = hpt_write_pem(dir, "one.pem", &x[0], 1);
    paths[1] = hpt_write_der(dir, "one.der", &x[1], 1);
    paths[2] = hpt_write_pem(dir, "bundle.pem", &x[2], 3);
    paths[3] = hpt_write_der(dir, "two.der", &x[5], 2);
    /* key first, then explanatory text, then the certificate */
    paths[4] = hpt_write(dir, "combined.pem", "", 0);
    assert_non_null(f = fopen(paths[4], "w"));
    assert_non_null(key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
    assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL),
                     1);
    fputs("Subject: CN = cert 7\n", f);
    assert_int_equal(PEM_write_X509(f, x[7]), 1);
    fclose(f);
    EVP_PKEY_free(key);

    /* relative names resolve against basedir, absolute ones do not */
    snprintf(text, sizeof(text),
             "version = 1;\n"
             "hosts = (\n"
             "  { host = \"a.example\";\n"
             "    pins = [ \"%s\" ];\n"
             "    certs = [ \"one.pem\", \"%s\", \"bundle.pem\",\n"
             "              \"two.der\", \"combined.pem\" ]; },\n"
             "  { host = \"b.example\"; certs = [ \"one.pem\" ]; }\n"
             ");\n",
             pin_of(1), paths[1]);
    ps = hpt_load(text, dir);
    assert_non_null(r = exact(ps, "a.example"));
    assert_int_equal(r->ncert_pins, 8);
    assert_int_equal(r->npins, 9);
    for (i = 0; i < 8; i++)
        assert_true(hp_rule_has_pin(r, want[i]));
    assert_false(hp_rule_has_pin(r, want[8])); /* never written */
    hpt_digest(1, d);
    assert_true(hp_rule_has_pin(r, d));
    /* a rule made of certificates only */
    assert_non_null(r = exact(ps, "b.example"));
    assert_int_equal(r->npins, 1);
    assert_int_equal(r->ncert_pins, 1);
    assert_memory_equal(r->pins[0], want[0], HP_DIGEST_LEN);
    hp_pinset_free(ps);

    for (i = 0; i < 9; i++)
        X509_free(x[i]);
    for (i = 0; i < 5; i++)
        free(paths[i]);
    hpt_rmdir(dir);
}

/* hp_conf_load_file: rules name the file, relative certificates resolve
 * next to it, and an @include names the included file and its lines. */
static void load_from_file(void **state)
{
    char *dir = hpt_tmpdir(), *conf, *inc, *pem, text[2048];
    X509 *x = hpt_make_cert("file");
    struct hp_pinset_st *ps = NULL;
    struct hp_error_st err;
    const struct hp_rule_st *r;
    hp_digest want;
    char msg[1200];

    (void)state;
    hpt_cert_pin(x, want);
    pem = hpt_write_pem(dir, "a.pem", &x, 1);
    snprintf(text, sizeof(text),
             "hosts = (\n"
             "  { host = \"b.example\";\n"
             "    pins = [ \"%s\" ]; }\n"
             ");\n",
             pin_of(2));
    inc = hpt_write(dir, "hosts.inc", text, strlen(text));
    snprintf(text, sizeof(text),
             "version = 1;\n"
             "mode = \"report\";\n"
             "@include \"hosts.inc\"\n");
    conf = hpt_write(dir, "pins.conf", text, strlen(text));
    if (!hp_conf_load_file(conf, &ps, &err)) {
        hp_error_format(&err, msg, sizeof(msg));
        fail_msg("%s", msg);
    }
    assert_string_equal(ps->file, conf);
    assert_non_null(r = exact(ps, "b.example"));
    assert_int_equal(r->line, 2);
    assert_non_null(strstr(r->file, "hosts.inc"));
    hp_pinset_free(ps);
    free(conf);

    snprintf(text, sizeof(text),
             "version = 1;\n"
             "hosts = (\n"
             "  { host = \"a.example\";\n"
             "    certs = [ \"a.pem\" ]; }\n"
             ");\n");
    conf = hpt_write(dir, "certs.conf", text, strlen(text));
    if (!hp_conf_load_file(conf, &ps, &err)) {
        hp_error_format(&err, msg, sizeof(msg));
        fail_msg("%s", msg);
    }
    assert_non_null(r = exact(ps, "a.example"));
    assert_string_equal(r->file, conf);
    assert_int_equal(r->line, 3);
    assert_int_equal(r->npins, 1);
    assert_memory_equal(r->pins[0], want, HP_DIGEST_LEN);
    hp_pinset_free(ps);

    free(conf);
    free(inc);
    free(pem);
    X509_free(x);
    hpt_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(global_report_host_enforce),
        cmocka_unit_test(global_enforce_host_report),
        cmocka_unit_test(default_mode_is_enforce),
        cmocka_unit_test(no_hosts),
        cmocka_unit_test(ip_hosts),
        cmocka_unit_test(trailing_dot_and_case),
        cmocka_unit_test(duplicate_host_first_wins),
        cmocka_unit_test(pin_spellings_in_file),
        cmocka_unit_test(semicolons_optional),
        cmocka_unit_test(comments_everywhere),
        cmocka_unit_test(expiry_kept),
        cmocka_unit_test(parse_expiry),
        cmocka_unit_test(certs_pem_der_bundle),
        cmocka_unit_test(load_from_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
