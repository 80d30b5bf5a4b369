/* SPDX-License-Identifier: Apache-2.0 */
/* The decision core: names, chain digests and time in, verdict out. */
#include "hp_test.h"

#include <stdio.h>
#include <string.h>

static struct hp_pinset_st *ps;
/* A moment long before any rule expires. */
static int64_t now;

static int load_rules(void **state)
{
    char text[4096], p[9][HP_PIN_STRLEN];
    unsigned i;

    (void)state;
    for (i = 1; i < 9; i++)
        hpt_pin(i, p[i]);
    snprintf(text, sizeof(text),
             "version = 1;\n"
             "mode = \"enforce\";\n"
             "hosts = (\n"
             "  { host = \"enforced.example\"; pins = [ \"%s\", \"%s\" ]; },\n"
             "  { host = \"reported.example\"; pins = [ \"%s\" ];\n"
             "    mode = \"report\"; },\n"
             "  { host = \"wild.example\"; include_subdomains = true;\n"
             "    pins = [ \"%s\" ]; },\n"
             "  { host = \"expiring.example\"; pins = [ \"%s\" ];\n"
             "    expires = \"2027-06-30\"; },\n"
             "  { host = \"instant.example\"; pins = [ \"%s\" ];\n"
             "    expires = \"2027-06-30T12:00:00Z\"; },\n"
             "  { host = \"expiring-report.example\"; pins = [ \"%s\" ];\n"
             "    expires = \"2027-06-30\"; mode = \"report\"; },\n"
             "  { host = \"192.0.2.1\"; pins = [ \"%s\" ]; }\n"
             ");\n",
             p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]);
    ps = hpt_load(text, NULL);
    now = hpt_utc(2026, 1, 1, 0, 0, 0);
    return 0;
}

static int free_rules(void **state)
{
    (void)state;
    hp_pinset_free(ps);
    ps = NULL;
    return 0;
}

/* Decide for up to 4 names and a chain of digests of the given seeds. */
static struct hp_verdict_st decide_at(int64_t when, const char *const *names,
                                      size_t nnames, const unsigned *seeds,
                                      size_t nchain)
{
    hp_digest chain[8];
    struct hp_verdict_st v;
    size_t i;

    assert_true(nchain <= 8);
    for (i = 0; i < nchain; i++)
        hpt_digest(seeds[i], chain[i]);
    memset(&v, 0x5a, sizeof(v));
    hp_decide(ps, names, nnames, chain, nchain, when, &v);
    return v;
}

#define N(...) (const char *const[]){ __VA_ARGS__ }
#define C(...) (const unsigned[]){ __VA_ARGS__ }
#define COUNT(...) (sizeof(__VA_ARGS__) / sizeof((__VA_ARGS__)[0]))
#define DECIDE(names, chain) \
    decide_at(now, names, COUNT(names), chain, COUNT(chain))

static void match_at_depth(void **state)
{
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(N("enforced.example"), C(1));
    assert_int_equal(v.outcome, HP_PASS);
    assert_int_equal(v.match_depth, 0);
    assert_string_equal(v.rule->host, "enforced.example");
    assert_int_equal(v.name_index, 0);
    assert_null(v.expired);

    v = DECIDE(N("enforced.example"), C(10, 2));
    assert_int_equal(v.outcome, HP_PASS);
    assert_int_equal(v.match_depth, 1);

    v = DECIDE(N("enforced.example"), C(10, 11, 1));
    assert_int_equal(v.outcome, HP_PASS);
    assert_int_equal(v.match_depth, 2);

    /* the first (leaf-most) match is reported */
    v = DECIDE(N("enforced.example"), C(2, 1));
    assert_int_equal(v.match_depth, 0);
}

static void no_match_enforce_fails(void **state)
{
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(N("enforced.example"), C(10, 11, 12));
    assert_int_equal(v.outcome, HP_FAIL);
    assert_string_equal(v.rule->host, "enforced.example");
    assert_int_equal(v.name_index, 0);
    /* another rule's pin is no match */
    v = DECIDE(N("enforced.example"), C(3, 4));
    assert_int_equal(v.outcome, HP_FAIL);
    /* no chain at all */
    v = decide_at(now, N("enforced.example"), 1, NULL, 0);
    assert_int_equal(v.outcome, HP_FAIL);
}

static void no_match_report_reports(void **state)
{
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(N("reported.example"), C(10, 1));
    assert_int_equal(v.outcome, HP_REPORT);
    assert_string_equal(v.rule->host, "reported.example");
    v = DECIDE(N("reported.example"), C(10, 3));
    assert_int_equal(v.outcome, HP_PASS);
    assert_int_equal(v.match_depth, 1);
}

/* Every name with a rule must pass: one failing name fails them all. */
static void every_name_must_pass(void **state)
{
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(N("enforced.example", "api.wild.example"), C(1));
    assert_int_equal(v.outcome, HP_FAIL);
    assert_string_equal(v.rule->host, "wild.example");
    assert_int_equal(v.name_index, 1);

    v = DECIDE(N("api.wild.example", "enforced.example"), C(4));
    assert_int_equal(v.outcome, HP_FAIL);
    assert_string_equal(v.rule->host, "enforced.example");
    assert_int_equal(v.name_index, 1);

    v = DECIDE(N("enforced.example", "api.wild.example"), C(4, 10, 2));
    assert_int_equal(v.outcome, HP_PASS);
    assert_string_equal(v.rule->host, "enforced.example");
    assert_int_equal(v.name_index, 0);
    assert_int_equal(v.match_depth, 2);

    /* an unpinned name beside a failing one changes nothing */
    v = DECIDE(N("unpinned.example", "enforced.example"), C(10));
    assert_int_equal(v.outcome, HP_FAIL);
    assert_int_equal(v.name_index, 1);
    /* the IP of the connection counts like a host name */
    v = DECIDE(N("enforced.example", "192.0.2.1"), C(1));
    assert_int_equal(v.outcome, HP_FAIL);
    assert_string_equal(v.rule->host, "192.0.2.1");
    v = DECIDE(N("enforced.example", "192.0.2.1"), C(8, 1));
    assert_int_equal(v.outcome, HP_PASS);
}

/* A failing enforced rule wins over a failing report-only one, whatever
 * the order of the names. */
static void enforce_beats_report(void **state)
{
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(N("reported.example", "enforced.example"), C(10));
    assert_int_equal(v.outcome, HP_FAIL);
    assert_string_equal(v.rule->host, "enforced.example");
    v = DECIDE(N("enforced.example", "reported.example"), C(10));
    assert_int_equal(v.outcome, HP_FAIL);
    assert_string_equal(v.rule->host, "enforced.example");
    /* the enforced rule passes, the report-only one fails: report */
    v = DECIDE(N("enforced.example", "reported.example"), C(1));
    assert_int_equal(v.outcome, HP_REPORT);
    assert_string_equal(v.rule->host, "reported.example");
    assert_int_equal(v.name_index, 1);
}

static void unpinned(void **state)
{
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(N("unpinned.example", "example", "wild.example.org",
                 "192.0.2.2"),
               C(1, 3, 4));
    assert_int_equal(v.outcome, HP_UNPINNED);
    assert_null(v.rule);
    assert_null(v.expired);
    assert_int_equal(v.match_depth, -1);
    v = decide_at(now, NULL, 0, C(1), 1);
    assert_int_equal(v.outcome, HP_UNPINNED);
    /* NULL entries are skipped, the others still decide */
    v = DECIDE(N(NULL, "enforced.example"), C(10));
    assert_int_equal(v.outcome, HP_FAIL);
    assert_int_equal(v.name_index, 1);
    /* no pin set at all */
    {
        struct hp_pinset_st *keep = ps;

        ps = NULL;
        v = DECIDE(N("enforced.example"), C(10));
        ps = keep;
        assert_int_equal(v.outcome, HP_UNPINNED);
    }
}

/* Names are compared without case and with one trailing dot removed; names
 * that cannot be host names select no exact rule, but their valid parents
 * still apply, so odd or over-long names cannot escape a subdomain rule. */
static void names_normalised(void **state)
{
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(N("ENFORCED.Example."), C(10));
    assert_int_equal(v.outcome, HP_FAIL);
    v = DECIDE(N("Api.WILD.example."), C(4));
    assert_int_equal(v.outcome, HP_PASS);
    /* An IPv4-mapped IPv6 address is that IPv4 address (a dual-stack
     * socket reaches the same host). */
    v = DECIDE(N("[::ffff:192.0.2.1]"), C(10));
    assert_int_equal(v.outcome, HP_FAIL);
    assert_string_equal(v.rule->host, "192.0.2.1");
    v = DECIDE(N("::FFFF:c000:201"), C(10));
    assert_int_equal(v.outcome, HP_FAIL);
    v = DECIDE(N("::ffff:192.0.2.2"), C(10));
    assert_int_equal(v.outcome, HP_UNPINNED);
    v = DECIDE(N("", "enforced example", "enforced.example\n"), C(10));
    assert_int_equal(v.outcome, HP_UNPINNED);
    v = DECIDE(N("x\x01.wild.example"), C(10));
    assert_int_equal(v.outcome, HP_FAIL);
    v = DECIDE(N("x y.wild.example"), C(4));
    assert_int_equal(v.outcome, HP_PASS);
    {
        /* 300 bytes: longer than any DNS name, still under wild.example */
        char longname[320];

        memset(longname, 'a', 300);
        for (size_t i = 50; i < 300; i += 51)
            longname[i] = '.';
        strcpy(longname + 300, ".wild.example");
        v = DECIDE(N(longname), C(10));
        assert_int_equal(v.outcome, HP_FAIL);
        v = DECIDE(N(longname), C(4));
        assert_int_equal(v.outcome, HP_PASS);
    }
}

/* expires = "2027-06-30": enforced through 23:59:59 UTC that day. */
static void expiry_boundary(void **state)
{
    int64_t last = hpt_utc(2027, 6, 30, 23, 59, 59);
    int64_t first = hpt_utc(2027, 7, 1, 0, 0, 0);
    struct hp_verdict_st v;

    (void)state;
    v = decide_at(last, N("expiring.example"), 1, C(10), 1);
    assert_int_equal(v.outcome, HP_FAIL);
    assert_null(v.expired);
    v = decide_at(first, N("expiring.example"), 1, C(10), 1);
    assert_int_not_equal(v.outcome, HP_FAIL);
    assert_int_not_equal(v.outcome, HP_REPORT);
    assert_non_null(v.expired);
    assert_string_equal(v.expired->host, "expiring.example");
    assert_int_equal(v.expired_name_index, 0);
    /* a matching chain passes before the end, and is not needed after */
    v = decide_at(last, N("expiring.example"), 1, C(5), 1);
    assert_int_equal(v.outcome, HP_PASS);
    v = decide_at(first + 86400 * 365, N("expiring.example"), 1, C(10), 1);
    assert_int_not_equal(v.outcome, HP_FAIL);
    assert_non_null(v.expired);

    /* report-only rules stop reporting at the same moment */
    v = decide_at(last, N("expiring-report.example"), 1, C(10), 1);
    assert_int_equal(v.outcome, HP_REPORT);
    v = decide_at(first, N("expiring-report.example"), 1, C(10), 1);
    assert_int_not_equal(v.outcome, HP_REPORT);
    assert_int_not_equal(v.outcome, HP_FAIL);
    assert_string_equal(v.expired->host, "expiring-report.example");
}

/* expires = "2027-06-30T12:00:00Z": enforced until that instant. */
static void expiry_instant(void **state)
{
    int64_t at = hpt_utc(2027, 6, 30, 12, 0, 0);
    struct hp_verdict_st v;

    (void)state;
    v = decide_at(at - 1, N("instant.example"), 1, C(10), 1);
    assert_int_equal(v.outcome, HP_FAIL);
    assert_null(v.expired);
    v = decide_at(at, N("instant.example"), 1, C(10), 1);
    assert_int_not_equal(v.outcome, HP_FAIL);
    assert_non_null(v.expired);
    assert_string_equal(v.expired->host, "instant.example");
}

/* An expired rule excuses only its own name. */
static void expired_beside_others(void **state)
{
    int64_t after = hpt_utc(2027, 7, 2, 0, 0, 0);
    struct hp_verdict_st v;

    (void)state;
    v = decide_at(after, N("expiring.example", "enforced.example"), 2, C(10),
                  1);
    assert_int_equal(v.outcome, HP_FAIL);
    assert_string_equal(v.rule->host, "enforced.example");
    assert_string_equal(v.expired->host, "expiring.example");
    assert_int_equal(v.expired_name_index, 0);
    v = decide_at(after, N("enforced.example", "expiring.example"), 2, C(1),
                  1);
    assert_int_equal(v.outcome, HP_PASS);
    assert_string_equal(v.rule->host, "enforced.example");
    assert_string_equal(v.expired->host, "expiring.example");
    assert_int_equal(v.expired_name_index, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(match_at_depth),
        cmocka_unit_test(no_match_enforce_fails),
        cmocka_unit_test(no_match_report_reports),
        cmocka_unit_test(every_name_must_pass),
        cmocka_unit_test(enforce_beats_report),
        cmocka_unit_test(unpinned),
        cmocka_unit_test(names_normalised),
        cmocka_unit_test(expiry_boundary),
        cmocka_unit_test(expiry_instant),
        cmocka_unit_test(expired_beside_others),
    };

    return cmocka_run_group_tests(tests, load_rules, free_rules);
}
