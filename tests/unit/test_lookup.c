/* SPDX-License-Identifier: Apache-2.0 */
/* Rule selection: name normalisation, exact and parent rules, IPs, and the
 * hash table at 100,000 hosts. */
#include "hp_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct hp_pinset_st *ps;

static int load_rules(void **state)
{
    char text[4096], p[10][HP_PIN_STRLEN];
    unsigned i;

    (void)state;
    for (i = 0; i < 10; i++)
        hpt_pin(i, p[i]);
    snprintf(text, sizeof(text),
             "version = 1;\n"
             "hosts = (\n"
             "  { host = \"example.com\"; include_subdomains = true;\n"
             "    pins = [ \"%s\" ]; },\n"
             "  { host = \"a.example.com\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"b.example.com\"; include_subdomains = true;\n"
             "    pins = [ \"%s\" ]; },\n"
             "  { host = \"c.b.example.com\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"plain.org\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"3.4\"; include_subdomains = true;\n"
             "    pins = [ \"%s\" ]; },\n"
             "  { host = \"192.0.2.1\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"2001:db8::1\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"deep.sub.zone.example\";\n"
             "    include_subdomains = true; pins = [ \"%s\" ]; }\n"
             ");\n",
             p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]);
    ps = hpt_load(text, NULL);
    return 0;
}

static int free_rules(void **state)
{
    (void)state;
    hp_pinset_free(ps);
    ps = NULL;
    return 0;
}

/* The host of the rule that applies to a raw name, or NULL. */
static const char *rule_for(const char *raw)
{
    char norm[HP_NAME_MAX];
    int is_ip = -1;
    const struct hp_rule_st *r;

    if (hp_name_normalize(raw, strlen(raw), norm, &is_ip) < 0)
        return NULL;
    assert_true(is_ip == 0 || is_ip == 1);
    r = hp_pinset_lookup(ps, norm, is_ip);
    return r != NULL ? r->host : NULL;
}

#define assert_rule(name, want) assert_string_equal(rule_for(name), want)
#define assert_no_rule(name) assert_null(rule_for(name))

static void exact_beats_parent(void **state)
{
    (void)state;
    assert_rule("example.com", "example.com");
    assert_rule("a.example.com", "a.example.com");
    assert_rule("b.example.com", "b.example.com");
    assert_rule("c.b.example.com", "c.b.example.com");
}

static void longest_parent_with_subdomains(void **state)
{
    (void)state;
    assert_rule("x.b.example.com", "b.example.com");
    assert_rule("y.x.b.example.com", "b.example.com");
    assert_rule("z.example.com", "example.com");
    assert_rule("very.deep.z.example.com", "example.com");
    assert_rule("x.deep.sub.zone.example", "deep.sub.zone.example");
}

static void parent_without_subdomains_skipped(void **state)
{
    (void)state;
    /* a.example.com has no include_subdomains: example.com applies */
    assert_rule("x.a.example.com", "example.com");
    /* c.b.example.com has none: the shorter b.example.com applies */
    assert_rule("d.c.b.example.com", "b.example.com");
    /* no parent with include_subdomains at all */
    assert_no_rule("www.plain.org");
    assert_no_rule("sub.zone.example");
    assert_no_rule("zone.example");
}

/* Parents are whole labels: a suffix is not a parent. */
static void label_boundaries(void **state)
{
    (void)state;
    assert_no_rule("badexample.com");
    assert_no_rule("x-example.com");
    assert_no_rule("example.co");
    assert_no_rule("example.com.evil");
    assert_no_rule("com");
    assert_no_rule("notplain.org");
    assert_no_rule("xdeep.sub.zone.example");
}

static void case_and_trailing_dot(void **state)
{
    (void)state;
    assert_rule("A.EXAMPLE.COM", "a.example.com");
    assert_rule("a.example.com.", "a.example.com");
    assert_rule("X.B.Example.Com.", "b.example.com");
    assert_rule("Plain.Org.", "plain.org");
    /* only one trailing dot is removed */
    assert_no_rule("plain.org..");
}

static void ip_rules_exact_only(void **state)
{
    (void)state;
    assert_rule("192.0.2.1", "192.0.2.1");
    assert_rule("192.0.2.1.", "192.0.2.1");
    assert_no_rule("192.0.2.10");
    /* "3.4" with include_subdomains is a DNS rule: never an IP's parent */
    assert_no_rule("1.2.3.4");
    assert_rule("x.3.4", "3.4");
    /* an IP rule is no parent of anything */
    assert_no_rule("www.192.0.2.1");
}

static void ipv6_canonical(void **state)
{
    (void)state;
    assert_rule("2001:db8::1", "2001:db8::1");
    assert_rule("[2001:db8::1]", "2001:db8::1");
    assert_rule("2001:DB8:0:0:0:0:0:1", "2001:db8::1");
    assert_rule("2001:0db8:0000::0001", "2001:db8::1");
    assert_no_rule("2001:db8::2");
    assert_no_rule("[2001:db8::1");
}

static void normalize(void **state)
{
    char out[HP_NAME_MAX];
    int is_ip = -1;

    (void)state;
    assert_int_equal(hp_name_normalize("Example.COM.", 12, out, &is_ip), 11);
    assert_string_equal(out, "example.com");
    assert_int_equal(is_ip, 0);
    assert_int_equal(hp_name_normalize("[::1]", 5, out, &is_ip), 3);
    assert_string_equal(out, "::1");
    assert_int_equal(is_ip, 1);
    assert_int_equal(hp_name_normalize("0:0:0:0:0:0:0:1", 15, out, &is_ip),
                     3);
    assert_string_equal(out, "::1");
    /* IPv4-mapped: the IPv4 address itself */
    assert_int_equal(hp_name_normalize("::FFFF:192.0.2.1", 16, out, &is_ip),
                     9);
    assert_string_equal(out, "192.0.2.1");
    assert_int_equal(is_ip, 1);
    assert_int_equal(hp_name_normalize("[::ffff:c000:201]", 17, out, &is_ip),
                     9);
    assert_string_equal(out, "192.0.2.1");
    assert_int_equal(is_ip, 1);
    assert_int_equal(hp_name_normalize("192.0.2.1", 9, out, &is_ip), 9);
    assert_int_equal(is_ip, 1);
    /* one trailing dot is dropped from addresses too */
    assert_int_equal(hp_name_normalize("192.0.2.1.", 10, out, &is_ip), 9);
    assert_string_equal(out, "192.0.2.1");
    assert_int_equal(is_ip, 1);
    assert_int_equal(hp_name_normalize("[::1].", 6, out, &is_ip), 3);
    assert_string_equal(out, "::1");
    assert_int_equal(is_ip, 1);
    /* the length given is what counts, not a later NUL */
    assert_int_equal(hp_name_normalize("a.example.com.evil", 13, out,
                                       &is_ip),
                     13);
    assert_string_equal(out, "a.example.com");
}

/* Names that cannot match any rule. */
static void names_that_cannot_match(void **state)
{
    char out[HP_NAME_MAX], name[300];
    int is_ip = -1;

    (void)state;
    assert_int_equal(hp_name_normalize("", 0, out, &is_ip), -1);
    assert_int_equal(hp_name_normalize(NULL, 0, out, &is_ip), -1);
    assert_int_equal(hp_name_normalize(".", 1, out, &is_ip), -1);
    assert_int_equal(hp_name_normalize("a.example.com\0x", 15, out, &is_ip),
                     -1);
    assert_int_equal(hp_name_normalize("\0a.example.com", 14, out, &is_ip),
                     -1);
    assert_int_equal(hp_name_normalize("a b.com", 7, out, &is_ip), -1);
    assert_int_equal(hp_name_normalize("a\tb.com", 7, out, &is_ip), -1);
    assert_int_equal(hp_name_normalize("a.com\n", 6, out, &is_ip), -1);
    assert_int_equal(hp_name_normalize("a\x7f.com", 6, out, &is_ip), -1);
    assert_int_equal(hp_name_normalize("\x1b[0m.com", 8, out, &is_ip), -1);
    /* 253 characters is the longest name; one more is refused, with or
     * without a trailing dot */
    memset(name, 'a', sizeof(name));
    for (size_t i = 63; i < 253; i += 64)
        name[i] = '.';
    assert_int_equal(hp_name_normalize(name, 253, out, &is_ip), 253);
    name[253] = '.';
    assert_int_equal(hp_name_normalize(name, 254, out, &is_ip), 253);
    name[253] = 'a';
    assert_int_equal(hp_name_normalize(name, 254, out, &is_ip), -1);
    assert_int_equal(hp_name_normalize(name, 300, out, &is_ip), -1);
}

/* A lookup with no pin set, or in an empty one, finds nothing. */
static void empty_sets(void **state)
{
    struct hp_pinset_st *empty = hpt_load("version = 1;\n", NULL);

    (void)state;
    assert_null(hp_pinset_lookup(NULL, "example.com", 0));
    assert_null(hp_pinset_find_exact(NULL, "example.com", 11));
    assert_null(hp_pinset_lookup(empty, "example.com", 0));
    assert_null(hp_pinset_lookup(empty, "a.example.com", 0));
    hp_pinset_free(empty);
}

#define NHOSTS 100000

/* 100,000 hosts: every one is found with its own rule, absent names are
 * not, and subdomains reach the entries that include them. */
static void hundred_thousand_hosts(void **state)
{
    size_t cap = (size_t)NHOSTS * 128 + 64, len = 0;
    char *text = malloc(cap), pin[HP_PIN_STRLEN], name[64];
    struct hp_pinset_st *big;
    const struct hp_rule_st *r;
    hp_digest d;
    unsigned i;

    (void)state;
    assert_non_null(text);
    len += (size_t)snprintf(text + len, cap - len,
                            "version = 1;\nhosts = (\n");
    for (i = 0; i < NHOSTS; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "{ host = \"h%u.example.net\"; pins = "
                                "[ \"%s\" ];%s }%s\n",
                                i, hpt_pin(i, pin),
                                i % 10 == 0 ? " include_subdomains = true;"
                                            : "",
                                i + 1 < NHOSTS ? "," : "");
    len += (size_t)snprintf(text + len, cap - len, ");\n");
    assert_true(len < cap);
    big = hpt_load(text, NULL);
    free(text);

    assert_int_equal(big->nrules, NHOSTS);
    assert_int_equal(big->nduplicates, 0);
    /* a power of two, at most half full */
    assert_int_equal((big->tmask + 1) & big->tmask, 0);
    assert_true(big->tmask + 1 >= 2 * (size_t)NHOSTS);
    for (i = 0; i < NHOSTS; i++) {
        snprintf(name, sizeof(name), "h%u.example.net", i);
        r = hp_pinset_lookup(big, name, 0);
        if (r == NULL || strcmp(r->host, name) != 0 ||
            r->line != (int)i + 3)
            fail_msg("%s: wrong rule %s", name, r ? r->host : "(none)");
        if (i % 997 == 0) {
            hpt_digest(i, d);
            assert_true(hp_rule_has_pin(r, d));
            hpt_digest(i + 1, d);
            assert_false(hp_rule_has_pin(r, d));
        }
    }
    for (i = NHOSTS; i < NHOSTS + 1000; i++) {
        snprintf(name, sizeof(name), "h%u.example.net", i);
        assert_null(hp_pinset_lookup(big, name, 0));
    }
    assert_null(hp_pinset_lookup(big, "example.net", 0));
    assert_null(hp_pinset_lookup(big, "h5.example.org", 0));
    assert_null(hp_pinset_lookup(big, "h5.example.ne", 0));
    assert_null(hp_pinset_lookup(big, "h05.example.net", 0));
    assert_null(hp_pinset_lookup(big, "www.h5.example.net", 0));
    r = hp_pinset_lookup(big, "www.h50.example.net", 0);
    assert_non_null(r);
    assert_string_equal(r->host, "h50.example.net");
    r = hp_pinset_lookup(big, "a.b.h99990.example.net", 0);
    assert_non_null(r);
    assert_string_equal(r->host, "h99990.example.net");
    hp_pinset_free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_beats_parent),
        cmocka_unit_test(longest_parent_with_subdomains),
        cmocka_unit_test(parent_without_subdomains_skipped),
        cmocka_unit_test(label_boundaries),
        cmocka_unit_test(case_and_trailing_dot),
        cmocka_unit_test(ip_rules_exact_only),
        cmocka_unit_test(ipv6_canonical),
        cmocka_unit_test(normalize),
        cmocka_unit_test(names_that_cannot_match),
        cmocka_unit_test(empty_sets),
        cmocka_unit_test(hundred_thousand_hosts),
    };

    return cmocka_run_group_tests(tests, load_rules, free_rules);
}
