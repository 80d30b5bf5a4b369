/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin log's reading of hostpin's messages, syslog lines and times
 * (cli/logmsg.c).  The messages are shaped as provider/hook.c writes
 * them; tests/cli/test_log.sh reads those of real refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "logmsg.h"

#define REFUSED                                                              \
    "refused: certificate chain does not match the pins for \"pinned.test\" " \
    "(rule /etc/hostpin/pins.conf:3, mode enforce, expires 2030-01-01); "    \
    "chain: [0] sha256/E22Z4P1X5Wp7/R06DMrR9RbrKQmIffPWMhS0axu2Bhg= "       \
    "/O=Impostor/CN=pinned.test; [1] "                                       \
    "sha256/dEAE2GdWK1ue3yAguZBS2K6hxCQfLMM6vWwbq/quA4Q= /O=Impostor; "    \
    "Inc./CN=Impostor Root; pins: "                                          \
    "sha256/Azilg12ro/p8oMtbkGVJxAAXvPO4xpmA8ffLuntbjU4=, "                  \
    "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

static struct hp_logmsg_st *parse(const char *msg)
{
    static struct hp_logmsg_st m;

    hp_logmsg_parse(msg, &m);
    return &m;
}

static void refused(void **state)
{
    struct hp_logmsg_st *m = parse(REFUSED);

    (void)state;
    assert_string_equal(m->kind, "refused");
    assert_string_equal(m->host, "pinned.test");
    assert_string_equal(m->verdict, "certificate chain does not match the "
                                    "pins");
    assert_string_equal(m->rule, "/etc/hostpin/pins.conf:3");
    assert_string_equal(m->mode, "enforce");
    assert_int_equal(m->nchain, 2);
    assert_string_equal(m->chain[0].pin, "sha256/E22Z4P1X5Wp7/R06DMrR9RbrKQ"
                                         "mIffPWMhS0axu2Bhg=");
    assert_string_equal(m->chain[0].subject, "/O=Impostor/CN=pinned.test");
    /* A ';' inside a subject does not end it. */
    assert_string_equal(m->chain[1].subject, "/O=Impostor; Inc./CN=Impostor "
                                             "Root");
    assert_int_equal(m->npins, 2);
    assert_string_equal(m->pins[1], "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                                    "AAAAAAAAAAA=");
    assert_non_null(strstr(m->summary, "(rule /etc/hostpin/pins.conf:3"));
    assert_null(strstr(m->summary, "chain:"));
}

static void report_and_policy(void **state)
{
    struct hp_logmsg_st *m;

    (void)state;
    m = parse("pin mismatch (report only, allowed) for \"a.test\" (rule "
              "/p.conf:9, mode report); chain: [0] sha256/x= /CN=a.test; "
              "pins: sha256/y=");
    assert_string_equal(m->kind, "report-only");
    assert_string_equal(m->host, "a.test");
    assert_string_equal(m->mode, "report");
    assert_int_equal(m->nchain, 1);
    assert_string_equal(m->chain[0].subject, "/CN=a.test");
    assert_int_equal(m->npins, 1);
    /* A policy's refusal: its entry and the certificate at fault; no
     * rule pins. */
    m = parse("refused: certificate chain breaks the policy for \"b.test\" "
              "(policy /p.conf:20, mode enforce): certificate [0] RSA key "
              "of 1024 bits; chain: [0] sha256/z= /CN=b.test;");
    assert_string_equal(m->kind, "refused");
    assert_string_equal(m->verdict, "certificate chain breaks the policy");
    assert_string_equal(m->rule, "/p.conf:20");
    assert_string_equal(m->detail, "certificate [0] RSA key of 1024 bits");
    assert_int_equal(m->nchain, 1);
    assert_int_equal(m->npins, 0);
}

static void other_kinds(void **state)
{
    (void)state;
    assert_string_equal(parse("interception CA sha256/q= (allow_"
                              "interception) exempts \"c.test\" from its "
                              "pins")->kind, "exempt");
    assert_string_equal(parse("interception CA sha256/q= (allow_"
                              "interception) exempts \"c.test\" from its "
                              "pins")->host, "c.test");
    assert_string_equal(parse("rule /p.conf:3 for \"d.test\" expired on "
                              "2020-01-01; not enforced")->kind, "expired");
    assert_string_equal(parse("rule /p.conf:3 for \"d.test\" expired on "
                              "2020-01-01; not enforced")->rule, "/p.conf:3");
    assert_string_equal(parse("\"e.test\" is pinned but the program turned "
                              "certificate verification off")->host,
                        "e.test");
    assert_string_equal(parse("/p.conf:4: expected a string; the previous "
                              "pins stay in force")->kind, "error");
    assert_string_equal(parse("/p.conf: No such file (on_error = "
                              "fail-closed: every TLS client verification "
                              "fails)")->kind, "error");
    assert_string_equal(parse("reloaded /p.conf: 3 hosts")->kind,
                        "reloaded");
    assert_string_equal(parse("something new")->kind, "notice");
    assert_string_equal(parse("something new")->host, "");
}

static void syslog_lines(void **state)
{
    struct hp_sysline_st l;
    struct tm tm = { 0 };
    time_t t;

    (void)state;
    /* rsyslog's RSYSLOG_FileFormat, an offset from UTC. */
    assert_true(hp_logmsg_sysline("2026-12-04T22:03:21.5+01:00 vm curl: "
                                  "hostpin: refused: x", 0, &l));
    assert_true(l.us == 1796418201LL * 1000000 + 500000);
    assert_string_equal(l.program, "curl");
    assert_int_equal(l.pid, -1);
    assert_string_equal(l.msg, "refused: x");
    assert_false(l.report);
    /* The traditional format, with a pid; the year is today's. */
    tm.tm_year = 126, tm.tm_mon = 11, tm.tm_mday = 5, tm.tm_isdst = -1;
    t = mktime(&tm);
    assert_true(hp_logmsg_sysline("Dec  4 21:03:21 vm python3[77]: "
                                  "hostpin-report: {}", (int64_t)t * 1000000,
                                  &l));
    assert_string_equal(l.program, "python3");
    assert_int_equal(l.pid, 77);
    assert_true(l.report);
    tm.tm_mday = 4, tm.tm_hour = 21, tm.tm_min = 3, tm.tm_sec = 21;
    tm.tm_isdst = -1;
    assert_true(l.us == (int64_t)mktime(&tm) * 1000000);
    /* In January, a December line is last year's. */
    tm.tm_year = 127, tm.tm_mon = 0, tm.tm_mday = 2, tm.tm_isdst = -1;
    t = mktime(&tm);
    assert_true(hp_logmsg_sysline("Dec  4 21:03:21 vm a: hostpin: x",
                                  (int64_t)t * 1000000, &l));
    assert_true(l.us < (int64_t)t * 1000000);
    /* Not hostpin's, not a line. */
    assert_false(hp_logmsg_sysline("2026-12-04T21:03:21Z vm sshd[5]: "
                                   "Accepted", 0, &l));
    assert_false(hp_logmsg_sysline("hostpin: refused: x", 0, &l));
    assert_false(hp_logmsg_sysline("", 0, &l));
}

static void since(void **state)
{
    struct tm tm = { 0 };
    int64_t now, v;

    (void)state;
    tm.tm_year = 126, tm.tm_mon = 11, tm.tm_mday = 4, tm.tm_hour = 12;
    tm.tm_isdst = -1;
    now = (int64_t)mktime(&tm) * 1000000;
    assert_true(hp_logmsg_since("2h", now, &v));
    assert_true(v == now - 7200LL * 1000000);
    assert_true(hp_logmsg_since("10m ago", now, &v));
    assert_true(v == now - 600LL * 1000000);
    assert_true(hp_logmsg_since("today", now, &v));
    assert_true(v == now - 12 * 3600LL * 1000000);
    assert_true(hp_logmsg_since("yesterday", now, &v));
    assert_true(v == now - 36 * 3600LL * 1000000);
    assert_true(hp_logmsg_since("2026-12-04", now, &v));
    assert_true(v == now - 12 * 3600LL * 1000000);
    assert_true(hp_logmsg_since("2026-12-04 11:30", now, &v));
    assert_true(v == now - 1800LL * 1000000);
    assert_true(hp_logmsg_since("2026-12-04T11:59:30", now, &v));
    assert_true(v == now - 30LL * 1000000);
    assert_true(hp_logmsg_since("11:00", now, &v));
    assert_true(v == now - 3600LL * 1000000);
    assert_false(hp_logmsg_since("soon", now, &v));
    assert_false(hp_logmsg_since("2h later", now, &v));
    assert_false(hp_logmsg_since("2026-12-04 noon", now, &v));
    assert_false(hp_logmsg_since("", now, &v));
}

static void hosts(void **state)
{
    (void)state;
    assert_true(hp_logmsg_same_host("Pinned.Test.", "pinned.test"));
    assert_false(hp_logmsg_same_host("api.pinned.test", "pinned.test"));
    assert_false(hp_logmsg_same_host("pinned.test", ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refused),
        cmocka_unit_test(report_and_policy),
        cmocka_unit_test(other_kinds),
        cmocka_unit_test(syslog_lines),
        cmocka_unit_test(since),
        cmocka_unit_test(hosts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
