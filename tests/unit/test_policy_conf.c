/* SPDX-License-Identifier: Apache-2.0 */
/* Loading the settings beyond pins: policy, policy_scope, deny,
 * allow_interception, report and include_dir drop-in files.  Valid values
 * must land in the pin set; each malformed one must be refused with an
 * error naming the file, the line of the culprit and the problem. */
#include "hp_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Valid pins (SHA-256 of "" and of "a"), with their quotes. */
#define B64 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
#define P "\"sha256/" B64 "\""
#define B64A "ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs="
#define PA "\"sha256/" B64A "\""
/* The tables below (hp_test.h). */
#define NOWHERE HPT_NOWHERE
#define CASE HPT_ERR_CASE
#define T HPT_ERR_TEST

/* ---- policy ---------------------------------------------------------- */

CASE(policy_not_group, 2, "'policy' must be a group",
     "version = 1;\n"
     "policy = 2048;\n")
CASE(policy_list, 2, "'policy' must be a group",
     "version = 1;\n"
     "policy = ( { min_rsa_bits = 2048; } );\n")
CASE(policy_host_not_group, 4, "'policy' must be a group",
     "version = 1;\n"
     "hosts = ( {\n"
     "  host = \"a.example\"; pins = [ " P " ];\n"
     "  policy = \"strict\";\n"
     "} );\n")
CASE(policy_unknown_key, 4, "unknown setting 'min_dsa_bits' in policy",
     "version = 1;\n"
     "policy = {\n"
     "  min_rsa_bits = 2048;\n"
     "  min_dsa_bits = 2048;\n"
     "};\n")
CASE(policy_key_case, 3, "unknown setting 'Min_RSA_Bits' in policy",
     "version = 1;\n"
     "policy = {\n"
     "  Min_RSA_Bits = 2048;\n"
     "};\n")
CASE(policy_host_unknown_key, 5, "unknown setting 'min_bits' in policy",
     "version = 1;\n"
     "hosts = ( {\n"
     "  host = \"a.example\"; pins = [ " P " ];\n"
     "  policy = {\n"
     "    min_bits = 2048;\n"
     "  };\n"
     "} );\n")
CASE(min_rsa_bits_too_big, 3, "'min_rsa_bits' = 16385 is out of range",
     "version = 1;\n"
     "policy = {\n"
     "  min_rsa_bits = 16385;\n"
     "};\n")
CASE(min_rsa_bits_negative, 3, "'min_rsa_bits' = -1 is out of range",
     "version = 1;\n"
     "policy = {\n"
     "  min_rsa_bits = -1;\n"
     "};\n")
CASE(min_rsa_bits_int64, 3, "is out of range (expected 0 to 16384)",
     "version = 1;\n"
     "policy = {\n"
     "  min_rsa_bits = 4294969344L;\n"
     "};\n")
CASE(min_rsa_bits_string, 3, "'min_rsa_bits' must be a whole number",
     "version = 1;\n"
     "policy = {\n"
     "  min_rsa_bits = \"2048\";\n"
     "};\n")
CASE(min_rsa_bits_float, 3, "'min_rsa_bits' must be a whole number",
     "version = 1;\n"
     "policy = {\n"
     "  min_rsa_bits = 2048.0;\n"
     "};\n")
CASE(min_rsa_bits_bool, 3, "'min_rsa_bits' must be a whole number",
     "version = 1;\n"
     "policy = {\n"
     "  min_rsa_bits = true;\n"
     "};\n")
CASE(min_ec_bits_too_big, 3, "'min_ec_bits' = 572 is out of range",
     "version = 1;\n"
     "policy = {\n"
     "  min_ec_bits = 572;\n"
     "};\n")
CASE(min_ec_bits_curve_name, 3, "'min_ec_bits' must be a whole number",
     "version = 1;\n"
     "policy = {\n"
     "  min_ec_bits = \"P-256\";\n"
     "};\n")
CASE(min_signature_hash_md5, 3, "'min_signature_hash' must be \"sha1\"",
     "version = 1;\n"
     "policy = {\n"
     "  min_signature_hash = \"md5\";\n"
     "};\n")
CASE(min_signature_hash_upper, 3, "'min_signature_hash' must be",
     "version = 1;\n"
     "policy = {\n"
     "  min_signature_hash = \"SHA256\";\n"
     "};\n")
CASE(min_signature_hash_dash, 3, "'min_signature_hash' must be",
     "version = 1;\n"
     "policy = {\n"
     "  min_signature_hash = \"sha-256\";\n"
     "};\n")
CASE(min_signature_hash_bits, 3, "'min_signature_hash' must be",
     "version = 1;\n"
     "policy = {\n"
     "  min_signature_hash = 256;\n"
     "};\n")
CASE(min_signature_hash_empty, 3, "'min_signature_hash' must be",
     "version = 1;\n"
     "policy = {\n"
     "  min_signature_hash = \"\";\n"
     "};\n")
CASE(require_ca_int, 3, "'require_ca_constraints' must be true or false",
     "version = 1;\n"
     "policy = {\n"
     "  require_ca_constraints = 1;\n"
     "};\n")
CASE(require_ca_string, 3, "'require_ca_constraints' must be true or false",
     "version = 1;\n"
     "policy = {\n"
     "  require_ca_constraints = \"true\";\n"
     "};\n")
CASE(require_ca_host, 5, "'require_ca_constraints' must be true or false",
     "version = 1;\n"
     "hosts = ( {\n"
     "  host = \"a.example\"; pins = [ " P " ];\n"
     "  policy = { min_rsa_bits = 2048;\n"
     "             require_ca_constraints = \"yes\"; };\n"
     "} );\n")

/* ---- policy_scope ---------------------------------------------------- */

CASE(policy_scope_unknown, 3, "'policy_scope' must be \"pinned\" or \"all\"",
     "version = 1;\n"
     "policy = { min_rsa_bits = 2048; };\n"
     "policy_scope = \"everything\";\n")
CASE(policy_scope_upper, 2, "'policy_scope' must be",
     "version = 1;\n"
     "policy_scope = \"ALL\";\n")
CASE(policy_scope_int, 2, "'policy_scope' must be",
     "version = 1;\n"
     "policy_scope = 1;\n")
CASE(policy_scope_in_host, 4, "unknown setting 'policy_scope' in host",
     "version = 1;\n"
     "hosts = ( {\n"
     "  host = \"a.example\"; pins = [ " P " ];\n"
     "  policy_scope = \"all\";\n"
     "} );\n")

/* ---- deny, allow_interception ---------------------------------------- */

CASE(deny_string, 2, "'deny' must be a list of pins",
     "version = 1;\n"
     "deny = " P ";\n")
CASE(deny_group, 2, "'deny' must be a list of pins",
     "version = 1;\n"
     "deny = { pin = " P "; };\n")
CASE(deny_bad_pin_middle, 4, "entry 2 of 'deny'",
     "version = 1;\n"
     "deny = [\n"
     "  " P ",\n"
     "  \"sha256/not-a-pin\",\n"
     "  " PA "\n"
     "];\n")
/* libconfig would blame the last string of a list on the "];" line. */
CASE(deny_bad_pin_last, 4, "entry 2 of 'deny'",
     "version = 1;\n"
     "deny = [\n"
     "  " P ",\n"
     "  \"sha1/" B64 "\"\n"
     "];\n")
CASE(deny_short_pin, 2, "does not decode to 32 bytes",
     "version = 1;\n"
     "deny = [ \"sha256/AAAA\" ];\n")
CASE(deny_int, 2, "entry 1 of 'deny' is not a string",
     "version = 1;\n"
     "deny = [ 1, 2 ];\n")
CASE(deny_host_bad_pin, 5, "entry 1 of 'deny'",
     "version = 1;\n"
     "hosts = ( {\n"
     "  host = \"a.example\"; pins = [ " P " ];\n"
     "  deny = [\n"
     "    \"sha256/" B64 "x\"\n"
     "  ];\n"
     "} );\n")
CASE(deny_host_string, 4, "'deny' must be a list of pins",
     "version = 1;\n"
     "hosts = ( {\n"
     "  host = \"a.example\"; pins = [ " P " ];\n"
     "  deny = " P ";\n"
     "} );\n")
CASE(allow_interception_string, 2,
     "'allow_interception' must be a list of pins",
     "version = 1;\n"
     "allow_interception = " P ";\n")
CASE(allow_interception_bad_pin, 4, "entry 2 of 'allow_interception'",
     "version = 1;\n"
     "allow_interception = [\n"
     "  " P ",\n"
     "  \"" B64 "==\"\n"
     "];\n")
CASE(allow_interception_in_host, 4,
     "unknown setting 'allow_interception' in host",
     "version = 1;\n"
     "hosts = ( {\n"
     "  host = \"a.example\"; pins = [ " P " ];\n"
     "  allow_interception = [ " PA " ];\n"
     "} );\n")

/* ---- report ---------------------------------------------------------- */

CASE(report_bool, 2, "'report' must be a group",
     "version = 1;\n"
     "report = true;\n")
CASE(report_string, 2, "'report' must be a group",
     "version = 1;\n"
     "report = \"/var/log/hostpin.jsonl\";\n")
CASE(report_file_relative, 4, "file = \"/absolute/path\"",
     "version = 1;\n"
     "report = {\n"
     "  syslog = true;\n"
     "  file = \"reports.jsonl\";\n"
     "};\n")
CASE(report_file_empty, 3, "in 'report'",
     "version = 1;\n"
     "report = {\n"
     "  file = \"\";\n"
     "};\n")
CASE(report_file_list, 3, "in 'report'",
     "version = 1;\n"
     "report = {\n"
     "  file = [ \"/var/log/a\" ];\n"
     "};\n")
CASE(report_syslog_int, 3, "syslog = true|false",
     "version = 1;\n"
     "report = {\n"
     "  syslog = 1;\n"
     "};\n")
CASE(report_unknown_key, 4, "in 'report', expected syslog",
     "version = 1;\n"
     "report = {\n"
     "  syslog = false;\n"
     "  url = \"https://report.example/\";\n"
     "};\n")

/* ---- include_dir (main file side) ------------------------------------ */

CASE(include_dir_missing, 3, "include_dir \"" NOWHERE "/pins.d\"",
     "version = 1;\n"
     "hosts = ( { host = \"a.example\"; pins = [ " P " ]; } );\n"
     "include_dir = \"pins.d\";\n")
CASE(include_dir_missing_absolute, 2, "No such file or directory",
     "version = 1;\n"
     "include_dir = \"" NOWHERE "/pins.d\";\n")
CASE(include_dir_int, 2, "'include_dir' must be a folder name",
     "version = 1;\n"
     "include_dir = 1;\n")
CASE(include_dir_empty, 2, "'include_dir' must be a folder name",
     "version = 1;\n"
     "include_dir = \"\";\n")

/* ---- valid loads ----------------------------------------------------- */

static void policy_values(void **state)
{
    struct hp_pinset_st *ps;
    const struct hp_rule_st *r;

    (void)state;
    ps = hpt_load("version = 1;\n"
                  "policy = {\n"
                  "  min_rsa_bits = 3072;\n"
                  "  min_ec_bits = 256;\n"
                  "  min_signature_hash = \"sha384\";\n"
                  "  require_ca_constraints = true;\n"
                  "};\n"
                  "policy_scope = \"all\";\n"
                  "hosts = (\n"
                  "  { host = \"own.example\"; pins = [ " P " ];\n"
                  "    policy = { min_ec_bits = 384;\n"
                  "               require_ca_constraints = false; }; },\n"
                  "  { host = \"none.example\"; pins = [ " P " ]; },\n"
                  "  { host = \"empty.example\"; pins = [ " P " ];\n"
                  "    policy = { }; }\n"
                  ");\n",
                  NULL);
    assert_int_equal(ps->policy.min_rsa_bits, 3072);
    assert_int_equal(ps->policy.min_ec_bits, 256);
    assert_int_equal(ps->policy.min_sig_bits, 384);
    assert_int_equal(ps->policy.require_ca, 1);
    assert_string_equal(ps->policy.file, HPT_NAME);
    assert_int_equal(ps->policy.line, 2);
    assert_int_equal(ps->policy_all, 1);
    assert_int_equal(ps->has_policy, 1);

    assert_non_null(r = hp_pinset_lookup(ps, "own.example", 0));
    assert_int_equal(r->policy.min_rsa_bits, -1);
    assert_int_equal(r->policy.min_ec_bits, 384);
    assert_int_equal(r->policy.min_sig_bits, -1);
    assert_int_equal(r->policy.require_ca, 0);
    assert_string_equal(r->policy.file, HPT_NAME);
    assert_int_equal(r->policy.line, 11);
    /* no policy group: nothing of its own, every key inherited */
    assert_non_null(r = hp_pinset_lookup(ps, "none.example", 0));
    assert_null(r->policy.file);
    assert_int_equal(r->policy.min_rsa_bits, -1);
    assert_int_equal(r->policy.min_ec_bits, -1);
    assert_int_equal(r->policy.min_sig_bits, -1);
    assert_int_equal(r->policy.require_ca, -1);
    assert_non_null(r = hp_pinset_lookup(ps, "empty.example", 0));
    assert_non_null(r->policy.file);
    assert_int_equal(r->policy.line, 15);
    assert_int_equal(r->policy.min_rsa_bits, -1);
    assert_int_equal(r->policy.require_ca, -1);
    hp_pinset_free(ps);
}

/* Each spelling of min_signature_hash, and the edges of the ranges. */
static void policy_ranges(void **state)
{
    static const struct {
        const char *name;
        int bits;
    } h[] = { { "sha1", 160 }, { "sha224", 224 }, { "sha256", 256 },
              { "sha384", 384 }, { "sha512", 512 } };
    char text[512];
    struct hp_pinset_st *ps;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
        snprintf(text, sizeof(text),
                 "version = 1;\npolicy = { min_signature_hash = \"%s\"; };\n",
                 h[i].name);
        ps = hpt_load(text, NULL);
        assert_int_equal(ps->policy.min_sig_bits, h[i].bits);
        assert_int_equal(ps->policy.min_rsa_bits, -1);
        assert_int_equal(ps->has_policy, 1);
        hp_pinset_free(ps);
    }
    ps = hpt_load("version = 1;\n"
                  "policy = { min_rsa_bits = 16384; min_ec_bits = 571; };\n",
                  NULL);
    assert_int_equal(ps->policy.min_rsa_bits, 16384);
    assert_int_equal(ps->policy.min_ec_bits, 571);
    hp_pinset_free(ps);
    ps = hpt_load("version = 1;\n"
                  "policy = { min_rsa_bits = 2048L; };\n",
                  NULL);
    assert_int_equal(ps->policy.min_rsa_bits, 2048);
    hp_pinset_free(ps);
    /* zeros and false demand nothing: chains need no details */
    ps = hpt_load("version = 1;\n"
                  "policy = { min_rsa_bits = 0; min_ec_bits = 0;\n"
                  "           require_ca_constraints = false; };\n"
                  "policy_scope = \"all\";\n",
                  NULL);
    assert_int_equal(ps->policy.min_rsa_bits, 0);
    assert_int_equal(ps->policy.require_ca, 0);
    assert_int_equal(ps->has_policy, 0);
    hp_pinset_free(ps);
    /* a demand in a host's policy alone is a policy too */
    ps = hpt_load("version = 1;\n"
                  "hosts = ( { host = \"a.example\"; pins = [ " P " ];\n"
                  "            policy = { min_ec_bits = 256; }; } );\n",
                  NULL);
    assert_int_equal(ps->has_policy, 1);
    assert_int_equal(ps->policy.min_ec_bits, -1);
    assert_null(ps->policy.file);
    hp_pinset_free(ps);
}

static void defaults_without_settings(void **state)
{
    struct hp_pinset_st *ps;

    (void)state;
    ps = hpt_load("version = 1;\n"
                  "hosts = ( { host = \"a.example\"; pins = [ " P " ]; } );\n",
                  NULL);
    assert_int_equal(ps->policy.min_rsa_bits, -1);
    assert_int_equal(ps->policy.min_ec_bits, -1);
    assert_int_equal(ps->policy.min_sig_bits, -1);
    assert_int_equal(ps->policy.require_ca, -1);
    assert_int_equal(ps->has_policy, 0);
    assert_int_equal(ps->policy_all, 0);
    assert_int_equal(ps->ndeny, 0);
    assert_int_equal(ps->nallow, 0);
    assert_int_equal(ps->report_syslog, 0);
    assert_null(ps->report_file);
    assert_null(ps->include_dir);
    assert_int_equal(ps->rules[0].ndeny, 0);
    hp_pinset_free(ps);
    ps = hpt_load("version = 1;\npolicy_scope = \"pinned\";\n", NULL);
    assert_int_equal(ps->policy_all, 0);
    hp_pinset_free(ps);
}

/* Deny and interception lists take every pin spelling, sorted and without
 * repeats; the line of the top-level deny list is kept for messages. */
static void pin_lists(void **state)
{
    struct hp_pinset_st *ps;
    const struct hp_rule_st *r;
    hp_digest d0, da;

    (void)state;
    assert_int_equal(hp_pin_parse("sha256/" B64, d0, NULL), 1);
    assert_int_equal(hp_pin_parse("sha256/" B64A, da, NULL), 1);
    ps = hpt_load("version = 1;\n"
                  "\n"
                  "deny = [ \"sha256//" B64A "\",\n"
                  "         \"pin-sha256=\\\"" B64 "\\\"\",\n"
                  "         \"" B64A "\" ];\n"
                  "allow_interception = [ " PA " ];\n"
                  "hosts = ( { host = \"a.example\"; pins = [ " P " ];\n"
                  "            deny = [ " PA ", " P ", " PA " ]; },\n"
                  "          { host = \"b.example\"; pins = [ " P " ];\n"
                  "            deny = [ ]; } );\n",
                  NULL);
    assert_int_equal(ps->ndeny, 2);
    assert_int_equal(ps->deny_line, 3);
    assert_true(memcmp(ps->deny[0], ps->deny[1], HP_DIGEST_LEN) < 0);
    assert_true(hp_digest_in(ps->deny, ps->ndeny, d0));
    assert_true(hp_digest_in(ps->deny, ps->ndeny, da));
    assert_int_equal(ps->nallow, 1);
    assert_memory_equal(ps->allow[0], da, HP_DIGEST_LEN);
    assert_false(hp_digest_in(ps->allow, ps->nallow, d0));
    assert_non_null(r = hp_pinset_lookup(ps, "a.example", 0));
    assert_int_equal(r->ndeny, 2);
    assert_true(hp_digest_in(r->deny, r->ndeny, d0));
    assert_non_null(r = hp_pinset_lookup(ps, "b.example", 0));
    assert_int_equal(r->ndeny, 0);
    hp_pinset_free(ps);
    /* an empty top-level list denies nothing */
    ps = hpt_load("version = 1;\ndeny = [ ];\nallow_interception = [ ];\n",
                  NULL);
    assert_int_equal(ps->ndeny, 0);
    assert_int_equal(ps->nallow, 0);
    hp_pinset_free(ps);
}

static void report_values(void **state)
{
    struct hp_pinset_st *ps;

    (void)state;
    ps = hpt_load("version = 1;\nreport = { };\n", NULL);
    assert_int_equal(ps->report_syslog, 1);
    assert_null(ps->report_file);
    hp_pinset_free(ps);
    ps = hpt_load("version = 1;\n"
                  "report = { syslog = false;\n"
                  "           file = \"/var/log/hostpin/reports.jsonl\"; };\n",
                  NULL);
    assert_int_equal(ps->report_syslog, 0);
    assert_string_equal(ps->report_file, "/var/log/hostpin/reports.jsonl");
    hp_pinset_free(ps);
    ps = hpt_load("version = 1;\n"
                  "report = { file = \"/var/log/r.jsonl\"; syslog = true; };\n",
                  NULL);
    assert_int_equal(ps->report_syslog, 1);
    assert_string_equal(ps->report_file, "/var/log/r.jsonl");
    hp_pinset_free(ps);
}

/* ---- include_dir drop-ins -------------------------------------------- */

static char *put(const char *dir, const char *name, const char *text)
{
    return hpt_write(dir, name, text, strlen(text));
}

static void put_free(const char *dir, const char *name, const char *text)
{
    free(put(dir, name, text));
}

/* "version = 1; include_dir = "<dir>"; <extra>" */
static void main_text(char *buf, size_t len, const char *dir,
                      const char *extra)
{
    snprintf(buf, len, "version = 1;\ninclude_dir = \"%s\";\n%s", dir,
             extra);
}

/* `text` must be refused with an error in dir/file (HPT_NAME if file is
 * NULL) at `line`, whose message holds `what` (and `also` if not NULL). */
static void expect_error_in(const char *text, const char *dir,
                            const char *file, int line, const char *what,
                            const char *also)
{
    struct hp_pinset_st *ps = NULL;
    struct hp_error_st err;
    char want[1024], msg[1200];

    if (hp_conf_load_string(text, HPT_NAME, dir, &ps, &err)) {
        hp_pinset_free(ps);
        fail_msg("invalid pins accepted:\n%s", text);
    }
    assert_null(ps);
    if (file == NULL)
        snprintf(want, sizeof(want), "%s", HPT_NAME);
    else
        snprintf(want, sizeof(want), "%s/%s", dir, file);
    hp_error_format(&err, msg, sizeof(msg));
    if (strcmp(err.file, want) != 0 || err.line != line ||
        strstr(err.msg, what) == NULL ||
        (also != NULL && strstr(err.msg, also) == NULL))
        fail_msg("expected %s:%d: ...%s...%s\n     got %s", want, line,
                 what, also ? also : "", msg);
}

static const struct hp_rule_st *rule(const struct hp_pinset_st *ps,
                                     const char *host)
{
    const struct hp_rule_st *r = hp_pinset_lookup(ps, host, 0);

    if (r == NULL)
        fail_msg("no rule for %s", host);
    return r;
}

static void dropins_valid(void **state)
{
    char *dir = hpt_tmpdir(), text[2048], want[1200];
    struct hp_pinset_st *ps;
    const struct hp_rule_st *r;

    (void)state;
    put_free(dir, "10-a.conf",
             "version = 1;\n"
             "hosts = (\n"
             "  { host = \"a.example\"; pins = [ " P " ]; }\n"
             ");\n");
    put_free(dir, "20-b.conf",
             "# team b\n"
             "hosts = (\n"
             "  { host = \"b.example\"; pins = [ " PA " ];\n"
             "    mode = \"report\"; },\n"
             "  { host = \"c.example\"; pins = [ " P " ];\n"
             "    policy = { min_rsa_bits = 4096; };\n"
             "    deny = [ " PA " ]; }\n"
             ");\n");
    put_free(dir, "30-empty.conf", "");
    put_free(dir, "40-comment.conf", "# nothing yet\nversion = 1;\n");
    main_text(text, sizeof(text), dir,
              "mode = \"enforce\";\n"
              "hosts = ( { host = \"main.example\"; pins = [ " P " ]; } );\n");
    ps = hpt_load(text, NULL);
    assert_int_equal(ps->nrules, 4);
    assert_string_equal(ps->include_dir, dir);

    r = rule(ps, "main.example");
    assert_string_equal(r->file, HPT_NAME);
    assert_int_equal(r->line, 4);
    r = rule(ps, "a.example");
    snprintf(want, sizeof(want), "%s/10-a.conf", dir);
    assert_string_equal(r->file, want);
    assert_int_equal(r->line, 3);
    assert_int_equal(r->mode, HP_MODE_ENFORCE);
    r = rule(ps, "b.example");
    snprintf(want, sizeof(want), "%s/20-b.conf", dir);
    assert_string_equal(r->file, want);
    assert_int_equal(r->line, 3);
    assert_int_equal(r->mode, HP_MODE_REPORT);
    r = rule(ps, "c.example");
    assert_string_equal(r->file, want);
    assert_int_equal(r->line, 5);
    assert_int_equal(r->policy.min_rsa_bits, 4096);
    assert_string_equal(r->policy.file, want);
    assert_int_equal(r->policy.line, 6);
    assert_int_equal(r->ndeny, 1);
    assert_int_equal(ps->has_policy, 1);
    hp_pinset_free(ps);

    /* the global mode reaches drop-in hosts */
    main_text(text, sizeof(text), dir, "mode = \"report\";\n");
    ps = hpt_load(text, NULL);
    assert_int_equal(rule(ps, "a.example")->mode, HP_MODE_REPORT);
    hp_pinset_free(ps);
    hpt_rmdir(dir);
}

/* Only *.conf files count; hidden files and others are never read. */
static void dropins_ignored_files(void **state)
{
    static const char *const ignored[] = {
        "README", "50-x.conf.bak", "50-x.conf~", "50-x.conf.dpkg-old",
        "50-x.CONF", "50-x.confx", "conf", "xconf", ".conf",
        ".hidden.conf", ".50-x.conf.swp", "#50-x.conf#x",
    };
    char *dir = hpt_tmpdir(), text[2048];
    struct hp_pinset_st *ps;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
        put_free(dir, ignored[i], "this is { not a pins file\n");
    put_free(dir, "a.conf",
             "hosts = ( { host = \"a.example\"; pins = [ " P " ]; } );\n");
    main_text(text, sizeof(text), dir, "");
    ps = hpt_load(text, NULL);
    assert_int_equal(ps->nrules, 1);
    hp_pinset_free(ps);
    hpt_rmdir(dir);

    /* an empty folder adds nothing */
    dir = hpt_tmpdir();
    main_text(text, sizeof(text), dir, "");
    ps = hpt_load(text, NULL);
    assert_int_equal(ps->nrules, 0);
    assert_string_equal(ps->include_dir, dir);
    hp_pinset_free(ps);
    hpt_rmdir(dir);
}

/* A relative include_dir is taken from the pins file's own folder. */
static void dropins_relative(void **state)
{
    char *dir = hpt_tmpdir(), *sub, *conf, *cert, want[1200];
    struct hp_pinset_st *ps;
    struct hp_error_st err;
    X509 *x = hpt_make_cert("dropin.example");
    hp_digest d;

    (void)state;
    snprintf(want, sizeof(want), "%s/pins.d", dir);
    assert_int_equal(mkdir(want, 0700), 0);
    sub = strdup(want);
    assert_non_null(sub);
    /* certs paths in a drop-in are relative to the drop-in's folder */
    cert = hpt_write_pem(sub, "ca.pem", &x, 1);
    put_free(sub, "a.conf",
             "hosts = ( { host = \"a.example\";\n"
             "            certs = [ \"ca.pem\" ]; } );\n");
    conf = put(dir, "pins.conf", "version = 1;\ninclude_dir = \"pins.d\";\n");
    assert_int_equal(hp_conf_load_file(conf, &ps, &err), 1);
    assert_string_equal(ps->include_dir, sub);
    snprintf(want, sizeof(want), "%s/a.conf", sub);
    assert_string_equal(rule(ps, "a.example")->file, want);
    hpt_cert_pin(x, d);
    assert_true(hp_rule_has_pin(rule(ps, "a.example"), d));
    hp_pinset_free(ps);
    /* and from the base folder when loading from memory */
    ps = hpt_load("version = 1;\ninclude_dir = \"pins.d\";\n", dir);
    assert_string_equal(rule(ps, "a.example")->file, want);
    hp_pinset_free(ps);
    X509_free(x);
    free(cert);
    free(conf);
    hpt_rmdir(sub);
    hpt_rmdir(dir);
}

static void dropin_not_host_key(void **state)
{
    char *dir = hpt_tmpdir(), text[2048];

    (void)state;
    main_text(text, sizeof(text), dir, "");
    put_free(dir, "a.conf",
             "version = 1;\n"
             "mode = \"report\";\n"
             "hosts = ( { host = \"a.example\"; pins = [ " P " ]; } );\n");
    expect_error_in(text, dir, "a.conf", 2,
                    "'mode' is not allowed in a drop-in file", NULL);
    put_free(dir, "a.conf", "deny = [ " P " ];\n");
    expect_error_in(text, dir, "a.conf", 1, "'deny' is not allowed", NULL);
    put_free(dir, "a.conf", "\npolicy = { min_rsa_bits = 2048; };\n");
    expect_error_in(text, dir, "a.conf", 2, "'policy' is not allowed", NULL);
    /* drop-ins do not nest */
    put_free(dir, "a.conf", "include_dir = \".\";\n");
    expect_error_in(text, dir, "a.conf", 1, "'include_dir' is not allowed",
                    NULL);
    put_free(dir, "a.conf", "version = 2;\n");
    expect_error_in(text, dir, "a.conf", 1, "'version' is not allowed",
                    NULL);
    put_free(dir, "a.conf", "hosts = { host = \"a.example\"; };\n");
    expect_error_in(text, dir, "a.conf", 1, "'hosts' must be a list", NULL);
    hpt_rmdir(dir);
}

/* Errors inside a drop-in name the drop-in and its line. */
static void dropin_errors_name_dropin(void **state)
{
    char *dir = hpt_tmpdir(), text[2048];

    (void)state;
    main_text(text, sizeof(text), dir,
              "hosts = ( { host = \"main.example\"; pins = [ " P " ]; } );\n");
    put_free(dir, "a.conf",
             "version = 1;\n"
             "hosts = (\n"
             "  { host = \"a.example\"; pins = [ " P " ]; }\n"
             "  { host = \"b.example\"; pins = [ " P " ]; }\n"
             ");\n");
    expect_error_in(text, dir, "a.conf", 4, "syntax error", NULL);
    put_free(dir, "a.conf",
             "hosts = (\n"
             "  { host = \"a.example\";\n"
             "    pins = [ " P ",\n"
             "             \"sha256/AAAA\"\n"
             "    ]; }\n"
             ");\n");
    expect_error_in(text, dir, "a.conf", 4, "of host \"a.example\"", NULL);
    put_free(dir, "a.conf",
             "hosts = (\n"
             "  { host = \"a.example\"; pins = [ " P " ];\n"
             "    policy = { min_sha = 1; }; }\n"
             ");\n");
    expect_error_in(text, dir, "a.conf", 3, "unknown setting 'min_sha'",
                    NULL);
    put_free(dir, "a.conf",
             "hosts = (\n"
             "  { host = \"https://a.example/\"; pins = [ " P " ]; }\n"
             ");\n");
    expect_error_in(text, dir, "a.conf", 2,
                    "character ':' is not allowed in a host name", NULL);
    put_free(dir, "a.conf", "hosts = ( { host = \"a.example\"; } );\n");
    expect_error_in(text, dir, "a.conf", 1, "has no pins", NULL);
    hpt_rmdir(dir);
}

/* A drop-in that cannot be read as a file refuses the set. */
static void dropin_unreadable(void **state)
{
    char *dir = hpt_tmpdir(), text[2048], sub[1200];

    (void)state;
    main_text(text, sizeof(text), dir, "");
    snprintf(sub, sizeof(sub), "%s/sub.conf", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    expect_error_in(text, dir, "sub.conf", 0, "is a directory", NULL);
    assert_int_equal(rmdir(sub), 0);
    free(hpt_write(dir, "nul.conf", "hosts = ( );\0", 13));
    expect_error_in(text, dir, "nul.conf", 0, "NUL", NULL);
    hpt_rmdir(dir);
}

/* A host belongs to one file: the error names both files and lines. */
static void dropin_same_host_two_files(void **state)
{
    char *dir = hpt_tmpdir(), text[2048], also[1200];

    (void)state;
    main_text(text, sizeof(text), dir, "");
    put_free(dir, "10-a.conf",
             "version = 1;\n"
             "hosts = ( { host = \"a.example\"; pins = [ " P " ]; } );\n");
    put_free(dir, "20-b.conf",
             "\n"
             "hosts = (\n"
             "  { host = \"other.example\"; pins = [ " P " ]; },\n"
             "  { host = \"A.Example.\"; pins = [ " PA " ]; }\n"
             ");\n");
    snprintf(also, sizeof(also), "%s/10-a.conf:2", dir);
    expect_error_in(text, dir, "20-b.conf", 4,
                    "host \"a.example\" is also defined in", also);
    hpt_rmdir(dir);

    /* the main file and a drop-in: the drop-in, read later, is blamed */
    dir = hpt_tmpdir();
    main_text(text, sizeof(text), dir,
              "hosts = (\n"
              "  { host = \"a.example\"; pins = [ " P " ]; }\n"
              ");\n");
    put_free(dir, "a.conf",
             "hosts = ( { host = \"a.example\"; pins = [ " P " ]; } );\n");
    expect_error_in(text, dir, "a.conf", 1, "is also defined in",
                    HPT_NAME ":4");
    hpt_rmdir(dir);
}

/* Repeats within one file are lint's business, not an error. */
static void dropin_same_host_one_file(void **state)
{
    char *dir = hpt_tmpdir(), text[2048];
    struct hp_pinset_st *ps;

    (void)state;
    main_text(text, sizeof(text), dir,
              "hosts = ( { host = \"m.example\"; pins = [ " P " ]; },\n"
              "          { host = \"m.example\"; pins = [ " PA " ]; } );\n");
    put_free(dir, "a.conf",
             "hosts = ( { host = \"a.example\"; pins = [ " P " ]; },\n"
             "          { host = \"a.example\"; pins = [ " PA " ]; } );\n");
    ps = hpt_load(text, NULL);
    assert_non_null(hp_pinset_lookup(ps, "a.example", 0));
    assert_non_null(hp_pinset_lookup(ps, "m.example", 0));
    hp_pinset_free(ps);
    hpt_rmdir(dir);
}

/* Files are read in name order (byte order, "10" before "9"), whatever
 * order they were created in: the first bad one is the one named, and the
 * later file is the one blamed for a repeated host. */
static void dropin_name_order(void **state)
{
    char *dir = hpt_tmpdir(), text[2048], also[1200];
    struct hp_pinset_st *ps;
    const struct hp_rule_st *r;
    size_t i;

    (void)state;
    main_text(text, sizeof(text), dir, "");
    put_free(dir, "9-z.conf", "hosts = ( { host = ; } );\n");
    put_free(dir, "b.conf", "hosts = ( { host = ; } );\n");
    put_free(dir, "10-y.conf", "\nhosts = ( { host = ; } );\n");
    expect_error_in(text, dir, "10-y.conf", 2, "syntax error", NULL);
    hpt_rmdir(dir);

    dir = hpt_tmpdir();
    main_text(text, sizeof(text), dir, "");
    put_free(dir, "b.conf",
             "hosts = ( { host = \"a.example\"; pins = [ " P " ]; } );\n");
    put_free(dir, "a.conf",
             "\nhosts = ( { host = \"a.example\"; pins = [ " P " ]; } );\n");
    snprintf(also, sizeof(also), "%s/a.conf:2", dir);
    expect_error_in(text, dir, "b.conf", 1, "is also defined in", also);
    hpt_rmdir(dir);

    /* rules are added file by file in that order */
    dir = hpt_tmpdir();
    main_text(text, sizeof(text), dir,
              "hosts = ( { host = \"main.example\"; pins = [ " P " ]; } );\n");
    put_free(dir, "c.conf",
             "hosts = ( { host = \"c.example\"; pins = [ " P " ]; } );\n");
    put_free(dir, "a.conf",
             "hosts = ( { host = \"a.example\"; pins = [ " P " ]; } );\n");
    put_free(dir, "b.conf",
             "hosts = ( { host = \"b.example\"; pins = [ " P " ]; } );\n");
    ps = hpt_load(text, NULL);
    assert_int_equal(ps->nrules, 4);
    for (i = 0; i < ps->nrules; i++) {
        static const char *const order[] = { "main.example", "a.example",
                                             "b.example", "c.example" };

        r = &ps->rules[i];
        assert_string_equal(r->host, order[i]);
    }
    hp_pinset_free(ps);
    hpt_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(policy_not_group),
        T(policy_list),
        T(policy_host_not_group),
        T(policy_unknown_key),
        T(policy_key_case),
        T(policy_host_unknown_key),
        T(min_rsa_bits_too_big),
        T(min_rsa_bits_negative),
        T(min_rsa_bits_int64),
        T(min_rsa_bits_string),
        T(min_rsa_bits_float),
        T(min_rsa_bits_bool),
        T(min_ec_bits_too_big),
        T(min_ec_bits_curve_name),
        T(min_signature_hash_md5),
        T(min_signature_hash_upper),
        T(min_signature_hash_dash),
        T(min_signature_hash_bits),
        T(min_signature_hash_empty),
        T(require_ca_int),
        T(require_ca_string),
        T(require_ca_host),
        T(policy_scope_unknown),
        T(policy_scope_upper),
        T(policy_scope_int),
        T(policy_scope_in_host),
        T(deny_string),
        T(deny_group),
        T(deny_bad_pin_middle),
        T(deny_bad_pin_last),
        T(deny_short_pin),
        T(deny_int),
        T(deny_host_bad_pin),
        T(deny_host_string),
        T(allow_interception_string),
        T(allow_interception_bad_pin),
        T(allow_interception_in_host),
        T(report_bool),
        T(report_string),
        T(report_file_relative),
        T(report_file_empty),
        T(report_file_list),
        T(report_syslog_int),
        T(report_unknown_key),
        T(include_dir_missing),
        T(include_dir_missing_absolute),
        T(include_dir_int),
        T(include_dir_empty),
        cmocka_unit_test(policy_values),
        cmocka_unit_test(policy_ranges),
        cmocka_unit_test(defaults_without_settings),
        cmocka_unit_test(pin_lists),
        cmocka_unit_test(report_values),
        cmocka_unit_test(dropins_valid),
        cmocka_unit_test(dropins_ignored_files),
        cmocka_unit_test(dropins_relative),
        cmocka_unit_test(dropin_not_host_key),
        cmocka_unit_test(dropin_errors_name_dropin),
        cmocka_unit_test(dropin_unreadable),
        cmocka_unit_test(dropin_same_host_two_files),
        cmocka_unit_test(dropin_same_host_one_file),
        cmocka_unit_test(dropin_name_order),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
