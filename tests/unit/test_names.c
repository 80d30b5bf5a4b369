/* SPDX-License-Identifier: Apache-2.0 */
/* The name rule (conf/names.c): which names decide a verification, for a
 * client that named the host, one that named none, and one that gave a
 * name that is not a host name; wildcards; no bound on the number. */
#include "hp_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct hp_pinset_st *ps;
static hp_digest good, bad;

static int load_rules(void **state)
{
    char text[2048], p[HP_PIN_STRLEN];

    (void)state;
    hpt_digest(1, good);
    hpt_digest(2, bad);
    hpt_pin(1, p);
    snprintf(text, sizeof(text),
             "version = 1;\n"
             "hosts = (\n"
             "  { host = \"api.pinned.test\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"www.pinned.test\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"deep.www.pinned.test\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"corp.test\"; include_subdomains = true;\n"
             "    pins = [ \"%s\" ]; },\n"
             "  { host = \"one.corp.test\"; pins = [ \"%s\" ]; },\n"
             "  { host = \"192.0.2.5\"; pins = [ \"%s\" ]; }\n"
             ");\n",
             p, p, p, p, p, p);
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

/* Host names a client can mean, and names it cannot. */
static void usable_names(void **state)
{
    static const struct {
        const char *name;
        int usable;
    } t[] = {
        { "api.pinned.test", 1 },      { "API.Pinned.Test.", 1 },
        { "under_score.test", 1 },     { "192.0.2.5", 1 },
        { "[2001:db8::1]", 1 },        { "2001:DB8::1", 1 },
        { "localhost", 1 },            { "api.pinned.test..", 0 },
        { "api.pinned.test ", 0 },     { "api.pinned.test\t", 0 },
        { "api.pinned.test\x7f", 0 },  { " api.pinned.test", 0 },
        { "api..pinned.test", 0 },     { ".", 0 },
        { "..", 0 },                   { "a b.test", 0 },
        { "\xc3\xa9t\xc3\xa9.test", 0 }, { "*.pinned.test", 0 },
        { "api.pinned.test.", 1 },     { "192.0.2.5.", 1 },
        { "1.2.3.4.example", 1 },      { "a-b.c_d.e1", 1 },
        { "-x.test", 1 },              { "x.", 1 },
    };
    char longest[254], too_long[255], label64[70];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct hp_names_st nm;

        if (hp_name_usable(t[i].name, strlen(t[i].name)) != t[i].usable)
            fail_msg("\"%s\": usable should be %d", t[i].name, t[i].usable);
        /* As a host to verify, the same verdict (the quick path too). */
        hp_names_init(&nm);
        hp_names_given(&nm, t[i].name, 0);
        if (nm.usable != t[i].usable)
            fail_msg("\"%s\" given: usable should be %d", t[i].name,
                     t[i].usable);
        hp_names_free(&nm);
    }
    /* 253 bytes is the longest host name, in labels of at most 63. */
    memset(longest, 'a', 253);
    for (i = 63; i < 253; i += 64)
        longest[i] = '.';
    longest[253] = '\0';
    assert_true(hp_name_usable(longest, 253));
    memcpy(too_long, longest, 253);
    too_long[253] = 'a';
    too_long[254] = '\0';
    assert_false(hp_name_usable(too_long, 254));
    memset(label64, 'a', 64);
    strcpy(label64 + 64, ".test");
    assert_false(hp_name_usable(label64, strlen(label64)));
}

/* The host name an odd name stands for. */
static void clean_names(void **state)
{
    static const struct {
        const char *in, *out; /* out NULL: none */
    } t[] = {
        { "api.pinned.test..", "api.pinned.test" },
        { "api.pinned.test ", "api.pinned.test" },
        { "api.pinned.test\t", "api.pinned.test" },
        { "api.pinned.test\x7f", "api.pinned.test" },
        { " \t.api.pinned.test.\r\n", "api.pinned.test" },
        { "...", NULL },
        { "a b.test", NULL },
        { "api..pinned.test", NULL },
    };
    char out[HP_NAME_MAX];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int n = hp_name_clean(t[i].in, strlen(t[i].in), out);

        if (t[i].out == NULL)
            assert_int_equal(n, -1);
        else
            assert_string_equal(out, t[i].out);
    }
}

/* Decide for the names collected so far against a chain of one key. */
static enum hp_outcome decide(const struct hp_names_st *nm, int genuine)
{
    struct hp_verdict_st v;

    assert_false(nm->incomplete);
    hp_decide(ps, nm->v, nm->n, genuine ? &good : &bad, 1, 0, &v);
    return v.outcome;
}

/* A client that named the host: that name decides, not the others the
 * certificate carries (a genuine multi-name certificate is not refused for
 * another name's rule). */
static void given_name_decides(void **state)
{
    struct hp_names_st nm;

    (void)state;
    hp_names_init(&nm);
    hp_names_given(&nm, "free.test", 1);
    hp_names_given(&nm, NULL, 1);
    hp_names_given(&nm, "", 0);
    assert_true(nm.usable);
    assert_false(nm.odd);
    assert_int_equal(nm.n, 1);
    assert_int_equal(decide(&nm, 0), HP_UNPINNED);
    hp_names_free(&nm);

    hp_names_init(&nm);
    hp_names_given(&nm, "API.pinned.test.", 0);
    assert_int_equal(decide(&nm, 0), HP_FAIL);
    assert_int_equal(decide(&nm, 1), HP_PASS);
    hp_names_free(&nm);
}

/* Odd names the client gave never lose their rule. */
static void odd_given_names(void **state)
{
    static const char *const odd[] = {
        "api.pinned.test..", "api.pinned.test ", "api.pinned.test\t",
        "api.pinned.test\x7f", "x y.corp.test", "\xc3\xa9.corp.test",
    };
    struct hp_names_st nm;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        hp_names_init(&nm);
        hp_names_given(&nm, odd[i], 1);
        assert_false(nm.usable);
        assert_true(nm.odd);
        if (decide(&nm, 0) != HP_FAIL)
            fail_msg("odd name %zu: the impostor was not refused", i);
        assert_int_equal(decide(&nm, 1), HP_PASS);
        hp_names_free(&nm);
    }
    /* An odd name beside a usable one: the usable one is what the client
     * checks, and the odd one still finds its rule. */
    hp_names_init(&nm);
    hp_names_given(&nm, "free.test", 1);
    hp_names_given(&nm, "api.pinned.test..", 1);
    assert_true(nm.usable);
    assert_int_equal(decide(&nm, 0), HP_FAIL);
    hp_names_free(&nm);

    /* An IP address as SNI (stunnel sends the one it connects to) names
     * no host; as a host to verify, it does. */
    hp_names_init(&nm);
    hp_names_given(&nm, "192.0.2.9", 1);
    assert_false(nm.usable);
    assert_true(nm.odd);
    hp_names_free(&nm);
    hp_names_init(&nm);
    hp_names_given(&nm, "192.0.2.9", 0);
    assert_true(nm.usable);
    hp_names_free(&nm);
}

/* The names of a certificate, for a client that named none. */
struct cert_case {
    const char *san[4]; /* DNS names, NULL-terminated */
    enum hp_outcome impostor;
};

static void cert_names(void **state)
{
    static const struct cert_case t[] = {
        { { "free.test", "other.test" }, HP_UNPINNED },
        { { "free.test", "api.pinned.test" }, HP_FAIL },
        /* One label under pinned.test: api and www have exact rules. */
        { { "*.pinned.test" }, HP_FAIL },
        { { "w*.pinned.test" }, HP_FAIL },
        /* Two labels down: no exact rule, no include_subdomains parent. */
        { { "*.www.pinned.test" }, HP_FAIL }, /* deep.www.pinned.test */
        { { "*.deep.www.pinned.test" }, HP_UNPINNED },
        { { "*.corp.test" }, HP_FAIL },      /* corp.test's subdomains */
        { { "*.x.corp.test" }, HP_FAIL },    /* also under corp.test */
        { { "*.free.test" }, HP_UNPINNED },
        { { "*" }, HP_UNPINNED },
        { { "sp ace.corp.test" }, HP_FAIL },
    };
    size_t i, k;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct hp_names_st nm;

        hp_names_init(&nm);
        for (k = 0; k < 4 && t[i].san[k] != NULL; k++)
            hp_names_add_cert_dns(&nm, ps, t[i].san[k], strlen(t[i].san[k]));
        if (decide(&nm, 0) != t[i].impostor)
            fail_msg("case %zu (%s): impostor outcome %d, expected %d", i,
                     t[i].san[0], decide(&nm, 0), t[i].impostor);
        if (t[i].impostor == HP_FAIL && decide(&nm, 1) != HP_PASS)
            fail_msg("case %zu: the genuine chain was refused", i);
        hp_names_free(&nm);
    }
}

/* "*.pinned.test" stands for the exact rules one label under it, and only
 * those: not deep.www.pinned.test. */
static void wildcard_children(void **state)
{
    struct hp_names_st nm;
    size_t i;
    int api = 0, www = 0, deep = 0;

    (void)state;
    hp_names_init(&nm);
    hp_names_add_cert_dns(&nm, ps, "*.Pinned.Test", 13);
    for (i = 0; i < nm.n; i++) {
        api += strcmp(nm.v[i], "api.pinned.test") == 0;
        www += strcmp(nm.v[i], "www.pinned.test") == 0;
        deep += strcmp(nm.v[i], "deep.www.pinned.test") == 0;
    }
    assert_int_equal(api, 1);
    assert_int_equal(www, 1);
    assert_int_equal(deep, 0);
    hp_names_free(&nm);
}

/* No cap: the pinned IP as the 5th and as the 40th name, a pinned DNS
 * name as the 40th of 40. */
static void no_bound(void **state)
{
    static const int at[] = { 5, 40 };
    unsigned char ip[4] = { 198, 51, 100, 0 };
    char dns[64];
    size_t k;
    int i;

    (void)state;
    for (k = 0; k < 2; k++) {
        struct hp_names_st nm;

        hp_names_init(&nm);
        for (i = 1; i <= at[k]; i++) {
            ip[3] = (unsigned char)i;
            if (i == at[k]) {
                ip[0] = 192, ip[1] = 0, ip[2] = 2, ip[3] = 5;
            }
            hp_names_add_ip(&nm, ip, 4);
        }
        assert_int_equal(nm.n, (size_t)at[k]);
        assert_string_equal(nm.v[at[k] - 1], "192.0.2.5");
        assert_int_equal(decide(&nm, 0), HP_FAIL);
        hp_names_free(&nm);
        ip[0] = 198, ip[1] = 51, ip[2] = 100;
    }
    {
        struct hp_names_st nm;

        hp_names_init(&nm);
        for (i = 1; i < 40; i++) {
            snprintf(dns, sizeof(dns), "name%d.free.test", i);
            hp_names_add_cert_dns(&nm, ps, dns, strlen(dns));
        }
        hp_names_add_cert_dns(&nm, ps, "api.pinned.test", 15);
        assert_int_equal(nm.n, 40);
        assert_int_equal(decide(&nm, 0), HP_FAIL);
        assert_int_equal(decide(&nm, 1), HP_PASS);
        hp_names_free(&nm);
    }
}

/* A chain longer than any fixed array: the only pinned key is the 20th. */
static void long_chain(void **state)
{
    hp_digest chain[20];
    struct hp_verdict_st v;
    const char *names[] = { "api.pinned.test" };
    unsigned i;

    (void)state;
    for (i = 0; i < 20; i++)
        hpt_digest(100 + i, chain[i]);
    hp_decide(ps, names, 1, (const hp_digest *)chain, 20, 0, &v);
    assert_int_equal(v.outcome, HP_FAIL);
    memcpy(chain[19], good, HP_DIGEST_LEN);
    hp_decide(ps, names, 1, (const hp_digest *)chain, 20, 0, &v);
    assert_int_equal(v.outcome, HP_PASS);
    assert_int_equal(v.match_depth, 19);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(usable_names),
        cmocka_unit_test(clean_names),
        cmocka_unit_test(given_name_decides),
        cmocka_unit_test(odd_given_names),
        cmocka_unit_test(cert_names),
        cmocka_unit_test(wildcard_children),
        cmocka_unit_test(no_bound),
        cmocka_unit_test(long_chain),
    };

    return cmocka_run_group_tests(tests, load_rules, free_rules);
}
