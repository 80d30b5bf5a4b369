/* SPDX-License-Identifier: Apache-2.0 */
/* The decision core beyond pins: deny pins, chain policy, policy_scope,
 * interception anchors, and how their findings rank against each other. */
#include "hp_test.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A moment after every test rule's expiry date below, before none else. */
static int64_t now;

/* Load a pins text in which each "$N" stands for the pin of seed N. */
static struct hp_pinset_st *load(const char *tmpl)
{
    char text[8192], pin[HP_PIN_STRLEN];
    struct hp_pinset_st *ps;
    size_t o = 0;
    const char *p;

    for (p = tmpl; *p != '\0';) {
        if (*p == '$' && isdigit((unsigned char)p[1])) {
            char *end;
            unsigned long seed = strtoul(p + 1, &end, 10);

            p = end;
            hpt_pin((unsigned)seed, pin);
            assert_true(o + strlen(pin) < sizeof(text));
            memcpy(text + o, pin, strlen(pin));
            o += strlen(pin);
        } else {
            assert_true(o + 1 < sizeof(text));
            text[o++] = *p++;
        }
    }
    text[o] = '\0';
    ps = hpt_load(text, NULL);
    return ps;
}

/* One certificate of a chain; by default a CA with a P-256 key signed with
 * SHA-256, which no policy below objects to. */
static struct hp_cert_info_st cert(unsigned seed)
{
    struct hp_cert_info_st c;

    memset(&c, 0, sizeof(c));
    hpt_digest(seed, c.spki);
    c.key_kind = HP_KEY_EC;
    c.key_bits = 256;
    c.sig_bits = 256;
    c.is_ca = 1;
    return c;
}

static struct hp_cert_info_st rsa(unsigned seed, int bits)
{
    struct hp_cert_info_st c = cert(seed);

    c.key_kind = HP_KEY_RSA;
    c.key_bits = bits;
    return c;
}

static struct hp_cert_info_st ec(unsigned seed, int bits)
{
    struct hp_cert_info_st c = cert(seed);

    c.key_bits = bits;
    return c;
}

static struct hp_cert_info_st signed_with(struct hp_cert_info_st c, int bits)
{
    c.sig_bits = bits;
    return c;
}

static struct hp_cert_info_st sig(unsigned seed, int bits)
{
    return signed_with(cert(seed), bits);
}

static struct hp_cert_info_st not_ca(struct hp_cert_info_st c)
{
    c.is_ca = 0;
    return c;
}

static struct hp_cert_info_st non_ca(unsigned seed)
{
    return not_ca(cert(seed));
}

static struct hp_verdict_st decide(const struct hp_pinset_st *ps,
                                   const char *const *names, size_t nnames,
                                   const struct hp_cert_info_st *chain,
                                   size_t nchain, int details)
{
    struct hp_verdict_st v;

    memset(&v, 0x5a, sizeof(v)); /* every field must be set */
    hp_decide_chain(ps, names, nnames, chain, nchain, details, now, &v);
    return v;
}

#define N(...) (const char *const[]){ __VA_ARGS__ }
#define CH(...) (const struct hp_cert_info_st[]){ __VA_ARGS__ }
#define COUNT(...) (sizeof(__VA_ARGS__) / sizeof((__VA_ARGS__)[0]))
/* With and without certificate details: deny pins need none. */
#define DECIDE(ps, names, chain) \
    decide(ps, names, COUNT(names), chain, COUNT(chain), 1)
#define DECIDE_NONAME(ps, chain) \
    decide(ps, NULL, 0, chain, COUNT(chain), 1)

/* Macros, so that a failure names the line of the check. */
#define assert_finding(v, o, why_, depth)                                   \
    do {                                                                   \
        if ((v)->outcome != (o) || (v)->why != (why_) ||                   \
            (v)->bad_depth != (depth))                                     \
            fail_msg("got outcome %d why %d depth %d (%s), expected %d "   \
                     "%d %d", (int)(v)->outcome, (int)(v)->why,            \
                     (v)->bad_depth, (v)->detail, (int)(o), (int)(why_),   \
                     (depth));                                             \
    } while (0)

#define assert_where(v, file, line)                                        \
    do {                                                                   \
        if ((v)->where_file == NULL ||                                     \
            strcmp((v)->where_file, (file)) != 0 ||                        \
            (v)->where_line != (line))                                     \
            fail_msg("decided by %s:%d, expected %s:%d",                   \
                     (v)->where_file ? (v)->where_file : "(none)",         \
                     (v)->where_line, (file), (line));                     \
    } while (0)

/* Neither refused nor reported. */
static void assert_allowed(const struct hp_verdict_st *v)
{
    if (v->outcome == HP_FAIL || v->outcome == HP_REPORT)
        fail_msg("refused or reported: why %d depth %d (%s)", (int)v->why,
                 v->bad_depth, v->detail);
    assert_int_equal(v->why, HP_WHY_NONE);
}

/* ---- deny ------------------------------------------------------------ */

static const char deny_text[] =
    "version = 1;\n"
    "deny = [ \"$90\",\n"
    "         \"$91\" ];\n"
    "hosts = (\n"
    "  { host = \"pinned.example\"; pins = [ \"$1\", \"$2\" ]; },\n"
    "  { host = \"reported.example\"; pins = [ \"$3\" ]; mode = \"report\"; "
    "},\n"
    "  { host = \"hostdeny.example\"; pins = [ \"$4\" ];\n"
    "    deny = [ \"$80\" ]; },\n"
    "  { host = \"expired.example\"; pins = [ \"$5\" ];\n"
    "    expires = \"2020-01-01\"; deny = [ \"$81\" ];\n"
    "    policy = { min_rsa_bits = 4096; }; }\n"
    ");\n";

/* A denied key anywhere in the chain refuses it, even beside a match. */
static void deny_any_depth(void **state)
{
    struct hp_pinset_st *ps = load(deny_text);
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(ps, N("pinned.example"), CH(cert(90), cert(1), cert(20)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 0);
    assert_string_equal(v.rule->host, "pinned.example");
    assert_int_equal(v.name_index, 0);
    assert_non_null(strstr(v.detail, "denied"));
    assert_where(&v, HPT_NAME, 2);
    assert_int_equal(v.exempt, 0);

    v = DECIDE(ps, N("pinned.example"), CH(cert(10), cert(91), cert(1)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 1);
    v = DECIDE(ps, N("pinned.example"), CH(cert(1), cert(11), cert(90)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 2);
    /* the first (leaf-most) denied key is the one named */
    v = DECIDE(ps, N("pinned.example"), CH(cert(1), cert(91), cert(90)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 1);
    /* without certificate details deny pins still apply */
    v = decide(ps, N("pinned.example"), 1, CH(cert(1), cert(90)), 2, 0);
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 1);
    /* and without a denied key the pins decide as before */
    v = DECIDE(ps, N("pinned.example"), CH(cert(10), cert(2)));
    assert_int_equal(v.outcome, HP_PASS);
    assert_int_equal(v.match_depth, 1);
    hp_pinset_free(ps);
}

/* Top-level deny pins concern every connection, with or without a rule
 * for its names, and with no name at all. */
static void deny_without_rule(void **state)
{
    struct hp_pinset_st *ps = load(deny_text);
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(ps, N("free.example"), CH(cert(10), cert(91)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 1);
    assert_null(v.rule);
    assert_where(&v, HPT_NAME, 2);
    v = DECIDE(ps, N("free.example", "192.0.2.9"), CH(cert(90)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 0);
    v = DECIDE_NONAME(ps, CH(cert(10), cert(11), cert(90)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 2);
    assert_null(v.rule);
    /* nothing denied: unpinned as ever */
    v = DECIDE(ps, N("free.example"), CH(cert(10), cert(11)));
    assert_int_equal(v.outcome, HP_UNPINNED);
    assert_int_equal(v.why, HP_WHY_NONE);
    v = DECIDE_NONAME(ps, CH(cert(10)));
    assert_int_equal(v.outcome, HP_UNPINNED);
    /* a host's own deny list is that host's only */
    v = DECIDE(ps, N("free.example"), CH(cert(10), cert(80)));
    assert_int_equal(v.outcome, HP_UNPINNED);
    v = DECIDE(ps, N("pinned.example"), CH(cert(1), cert(80)));
    assert_int_equal(v.outcome, HP_PASS);
    hp_pinset_free(ps);
}

/* The applicable mode decides: the host's, else the global one. */
static void deny_modes(void **state)
{
    struct hp_pinset_st *ps = load(deny_text), *rep;
    struct hp_verdict_st v;

    (void)state;
    /* host mode report, global enforce */
    v = DECIDE(ps, N("reported.example"), CH(cert(3), cert(90)));
    assert_finding(&v, HP_REPORT, HP_WHY_DENY, 1);
    assert_string_equal(v.rule->host, "reported.example");
    hp_pinset_free(ps);

    rep = load("version = 1;\n"
               "mode = \"report\";\n"
               "deny = [ \"$90\" ];\n"
               "hosts = (\n"
               "  { host = \"reported.example\"; pins = [ \"$1\" ]; },\n"
               "  { host = \"enforced.example\"; pins = [ \"$1\" ];\n"
               "    mode = \"enforce\"; }\n"
               ");\n");
    /* global mode report: no rule, and a rule that inherits it */
    v = DECIDE(rep, N("free.example"), CH(cert(10), cert(90)));
    assert_finding(&v, HP_REPORT, HP_WHY_DENY, 1);
    assert_where(&v, HPT_NAME, 3);
    v = DECIDE_NONAME(rep, CH(cert(90)));
    assert_finding(&v, HP_REPORT, HP_WHY_DENY, 0);
    v = DECIDE(rep, N("reported.example"), CH(cert(1), cert(90)));
    assert_finding(&v, HP_REPORT, HP_WHY_DENY, 1);
    /* host mode enforce over a global report */
    v = DECIDE(rep, N("enforced.example"), CH(cert(1), cert(90)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 1);
    assert_string_equal(v.rule->host, "enforced.example");
    hp_pinset_free(rep);
}

/* A host's deny list refuses a chain that its pins accept. */
static void host_deny_beats_pin(void **state)
{
    struct hp_pinset_st *ps = load(deny_text);
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(ps, N("hostdeny.example"), CH(cert(4), cert(80)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 1);
    assert_string_equal(v.rule->host, "hostdeny.example");
    assert_non_null(strstr(v.detail, "for this host"));
    assert_where(&v, HPT_NAME, 7);
    v = DECIDE(ps, N("hostdeny.example"), CH(cert(80), cert(4)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 0);
    v = DECIDE(ps, N("hostdeny.example"), CH(cert(4), cert(11)));
    assert_int_equal(v.outcome, HP_PASS);
    /* top-level deny applies to it too */
    v = DECIDE(ps, N("hostdeny.example"), CH(cert(4), cert(91)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 1);
    assert_where(&v, HPT_NAME, 2);
    hp_pinset_free(ps);
}

/* A deny list or policy in an @include'd file is named by that file. */
static void where_in_included_file(void **state)
{
    static const char top[] = "version = 1;\n@include \"extra.conf\"\n";
    char *dir = hpt_tmpdir(), *main_conf, *extra, pin[HP_PIN_STRLEN];
    char text[512];
    struct hp_pinset_st *ps;
    struct hp_error_st err;
    struct hp_verdict_st v;
    size_t len;

    (void)state;
    main_conf = hpt_write(dir, "pins.conf", top, strlen(top));
    snprintf(text, sizeof(text),
             "# shared by several machines\n"
             "\n"
             "deny = [ \"%s\" ];\n"
             "policy = { min_rsa_bits = 2048; };\n"
             "policy_scope = \"all\";\n",
             hpt_pin(90, pin));
    extra = hpt_write(dir, "extra.conf", text, strlen(text));
    assert_int_equal(hp_conf_load_file(main_conf, &ps, &err), 1);
    v = DECIDE(ps, N("free.example"), CH(cert(10), cert(90)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 1);
    assert_non_null(v.where_file);
    len = strlen(v.where_file);
    assert_true(len >= 10);
    assert_string_equal(v.where_file + len - 10, "extra.conf");
    assert_int_equal(v.where_line, 3);
    v = DECIDE(ps, N("free.example"), CH(rsa(10, 1024)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 0);
    assert_string_equal(v.where_file + strlen(v.where_file) - 10,
                        "extra.conf");
    assert_int_equal(v.where_line, 4);
    hp_pinset_free(ps);
    free(main_conf);
    free(extra);
    hpt_rmdir(dir);
}

/* ---- policy ---------------------------------------------------------- */

static const char policy_text[] =
    "version = 1;\n"
    "policy = {\n"
    "  min_rsa_bits = 2048;\n"
    "  min_signature_hash = \"sha256\";\n"
    "  require_ca_constraints = true;\n"
    "};\n"
    "hosts = (\n"
    "  { host = \"a.example\"; pins = [ \"$1\" ]; },\n"
    "  { host = \"ec.example\"; pins = [ \"$1\" ];\n"
    "    policy = { min_ec_bits = 384; }; },\n"
    "  { host = \"lax.example\"; pins = [ \"$1\" ];\n"
    "    policy = { min_rsa_bits = 1024; min_signature_hash = \"sha1\";\n"
    "               require_ca_constraints = false; }; },\n"
    "  { host = \"report.example\"; pins = [ \"$1\" ];\n"
    "    mode = \"report\"; },\n"
    "  { host = \"inherit.example\"; pins = [ \"$1\" ]; policy = { }; }\n"
    ");\n";

static void policy_rsa_boundary(void **state)
{
    struct hp_pinset_st *ps = load(policy_text);
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(ps, N("a.example"),
               CH(rsa(1, 2048), rsa(11, 2048), rsa(12, 4096)));
    assert_int_equal(v.outcome, HP_PASS);
    assert_int_equal(v.why, HP_WHY_NONE);

    v = DECIDE(ps, N("a.example"), CH(rsa(1, 2047), cert(11), cert(12)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 0);
    assert_string_equal(v.rule->host, "a.example");
    assert_non_null(strstr(v.detail, "2047"));
    assert_non_null(strstr(v.detail, "min_rsa_bits = 2048"));
    assert_where(&v, HPT_NAME, 2);
    /* every key of the chain, the trust anchor's included */
    v = DECIDE(ps, N("a.example"), CH(cert(1), rsa(11, 1024), cert(12)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 1);
    v = DECIDE(ps, N("a.example"), CH(cert(1), cert(11), rsa(12, 1024)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 2);
    /* an RSA minimum says nothing of EC or other keys */
    v = DECIDE(ps, N("a.example"), CH(ec(1, 160), cert(11)));
    assert_int_equal(v.outcome, HP_PASS);
    {
        struct hp_cert_info_st ed = cert(1);

        ed.key_kind = HP_KEY_OTHER;
        ed.key_bits = 255;
        ed.sig_bits = 0;
        v = DECIDE(ps, N("a.example"), CH(ed, cert(11)));
        assert_int_equal(v.outcome, HP_PASS);
    }
    hp_pinset_free(ps);
}

/* A host's policy overrides key by key and inherits the rest. */
static void policy_host_override(void **state)
{
    struct hp_pinset_st *ps = load(policy_text);
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(ps, N("ec.example"), CH(ec(1, 256), cert(11)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 0);
    assert_non_null(strstr(v.detail, "min_ec_bits = 384"));
    assert_where(&v, HPT_NAME, 10);
    v = DECIDE(ps, N("ec.example"), CH(ec(1, 384), ec(11, 521)));
    assert_int_equal(v.outcome, HP_PASS);
    /* the top level demands nothing of EC keys */
    v = DECIDE(ps, N("a.example"), CH(ec(1, 256), cert(11)));
    assert_int_equal(v.outcome, HP_PASS);
    /* ec.example still has the top-level min_rsa_bits, hash and CA rules,
     * and the message points at the top-level group that sets them */
    v = DECIDE(ps, N("ec.example"), CH(rsa(1, 2047), cert(11)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 0);
    assert_non_null(strstr(v.detail, "min_rsa_bits = 2048"));
    assert_where(&v, HPT_NAME, 2);
    v = DECIDE(ps, N("ec.example"),
               CH(ec(1, 384), signed_with(ec(11, 384), 160), ec(12, 384)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 1);
    assert_non_null(strstr(v.detail, "SHA-1"));
    assert_where(&v, HPT_NAME, 2);
    v = DECIDE(ps, N("ec.example"),
               CH(ec(1, 384), not_ca(ec(11, 384)), ec(12, 384)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 1);
    assert_non_null(strstr(v.detail, "require_ca_constraints"));
    assert_where(&v, HPT_NAME, 2);

    /* lax.example relaxes all three */
    v = DECIDE(ps, N("lax.example"),
               CH(rsa(1, 1024), non_ca(11), sig(12, 160), cert(13)));
    assert_int_equal(v.outcome, HP_PASS);
    v = DECIDE(ps, N("lax.example"), CH(rsa(1, 1023), cert(11)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 0);
    assert_non_null(strstr(v.detail, "min_rsa_bits = 1024"));
    assert_where(&v, HPT_NAME, 12);
    /* an empty group inherits everything */
    v = DECIDE(ps, N("inherit.example"), CH(rsa(1, 2047), cert(11)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 0);
    assert_where(&v, HPT_NAME, 2);
    v = DECIDE(ps, N("inherit.example"), CH(rsa(1, 2048), cert(11)));
    assert_int_equal(v.outcome, HP_PASS);
    hp_pinset_free(ps);
}

/* min_signature_hash concerns the signatures below the trust anchor. */
static void policy_signature_hash(void **state)
{
    struct hp_pinset_st *ps = load(policy_text), *none;
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(ps, N("a.example"), CH(cert(1), sig(11, 160), cert(12)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 1);
    assert_non_null(strstr(v.detail, "SHA-1"));
    assert_non_null(strstr(v.detail, "min_signature_hash"));
    assert_where(&v, HPT_NAME, 2);
    v = DECIDE(ps, N("a.example"), CH(sig(1, 224), cert(11)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 0);
    /* the anchor's own signature is not relied upon */
    v = DECIDE(ps, N("a.example"), CH(cert(1), cert(11), sig(12, 160)));
    assert_int_equal(v.outcome, HP_PASS);
    /* a lone self-signed certificate is its own anchor */
    v = DECIDE(ps, N("a.example"), CH(sig(1, 160)));
    assert_int_equal(v.outcome, HP_PASS);
    /* stronger hashes pass; EdDSA (no separate hash) passes */
    v = DECIDE(ps, N("a.example"),
               CH(sig(1, 384), sig(11, 512), sig(12, 0), cert(13)));
    assert_int_equal(v.outcome, HP_PASS);
    /* an unknown signature algorithm cannot show it is strong enough */
    v = DECIDE(ps, N("a.example"), CH(sig(1, -1), cert(11)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 0);
    assert_non_null(strstr(v.detail, "unknown"));
    v = DECIDE(ps, N("a.example"), CH(cert(1), sig(11, -1), cert(12)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 1);
    /* ... but only when a minimum is set */
    none = load("version = 1;\n"
                "hosts = ( { host = \"a.example\"; pins = [ \"$1\" ]; } );\n");
    v = DECIDE(none, N("a.example"),
               CH(sig(1, -1), sig(11, 160), non_ca(12), rsa(13, 512)));
    assert_int_equal(v.outcome, HP_PASS);
    hp_pinset_free(none);
    hp_pinset_free(ps);
}

/* require_ca_constraints: every certificate above the leaf. */
static void policy_require_ca(void **state)
{
    struct hp_pinset_st *ps = load(policy_text);
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(ps, N("a.example"), CH(cert(1), non_ca(11), cert(12)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 1);
    assert_non_null(strstr(v.detail, "require_ca_constraints"));
    assert_where(&v, HPT_NAME, 2);
    v = DECIDE(ps, N("a.example"), CH(cert(1), cert(11), non_ca(12)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 2);
    /* the leaf's own constraints are irrelevant */
    v = DECIDE(ps, N("a.example"), CH(non_ca(1), cert(11), cert(12)));
    assert_int_equal(v.outcome, HP_PASS);
    v = DECIDE(ps, N("a.example"), CH(cert(1), cert(11)));
    assert_int_equal(v.outcome, HP_PASS);
    v = DECIDE(ps, N("a.example"), CH(non_ca(1)));
    assert_int_equal(v.outcome, HP_PASS);
    hp_pinset_free(ps);
}

/* Without certificate details no policy is checked; the mode of the rule
 * decides between refusal and report. */
static void policy_details_and_mode(void **state)
{
    struct hp_pinset_st *ps = load(policy_text);
    struct hp_verdict_st v;

    (void)state;
    v = decide(ps, N("a.example"), 1,
               CH(rsa(1, 512), non_ca(11), sig(12, 128), cert(13)), 4, 0);
    assert_int_equal(v.outcome, HP_PASS);
    assert_int_equal(v.why, HP_WHY_NONE);
    v = decide(ps, N("a.example"), 1, CH(rsa(10, 512)), 1, 0);
    assert_finding(&v, HP_FAIL, HP_WHY_PIN, -1);

    v = DECIDE(ps, N("report.example"), CH(rsa(1, 1024), cert(11)));
    assert_finding(&v, HP_REPORT, HP_WHY_POLICY, 0);
    assert_string_equal(v.rule->host, "report.example");
    assert_where(&v, HPT_NAME, 2);
    /* scope "pinned" (the default): names without a rule are left alone */
    v = DECIDE(ps, N("free.example"), CH(rsa(1, 512), non_ca(11)));
    assert_int_equal(v.outcome, HP_UNPINNED);
    v = DECIDE_NONAME(ps, CH(rsa(1, 512), non_ca(11)));
    assert_int_equal(v.outcome, HP_UNPINNED);
    hp_pinset_free(ps);
}

static void policy_scope(void **state)
{
    struct hp_pinset_st *ps, *rep, *pinned;
    struct hp_verdict_st v;

    (void)state;
    ps = load("version = 1;\n"
              "policy_scope = \"all\";\n"
              "policy = { min_rsa_bits = 2048; };\n"
              "hosts = (\n"
              "  { host = \"a.example\"; pins = [ \"$1\" ];\n"
              "    policy = { min_rsa_bits = 4096; }; },\n"
              "  { host = \"old.example\"; pins = [ \"$1\" ];\n"
              "    expires = \"2020-01-01\";\n"
              "    policy = { min_rsa_bits = 1024; }; }\n"
              ");\n");
    v = DECIDE(ps, N("free.example"), CH(rsa(10, 2047), cert(11)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 0);
    assert_null(v.rule);
    assert_where(&v, HPT_NAME, 3);
    v = DECIDE_NONAME(ps, CH(cert(10), rsa(11, 1024)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 1);
    assert_null(v.rule);
    v = DECIDE(ps, N("free.example"), CH(rsa(10, 2048), cert(11)));
    assert_int_equal(v.outcome, HP_UNPINNED);
    v = DECIDE_NONAME(ps, CH(rsa(10, 2048)));
    assert_int_equal(v.outcome, HP_UNPINNED);
    /* without details, nothing to check */
    v = decide(ps, N("free.example"), 1, CH(rsa(10, 512)), 1, 0);
    assert_int_equal(v.outcome, HP_UNPINNED);
    /* a host with a rule keeps its own policy */
    v = DECIDE(ps, N("a.example"), CH(rsa(1, 2048), cert(11)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 0);
    assert_where(&v, HPT_NAME, 6);
    /* an expired rule is no rule: the top-level policy, not its own */
    v = DECIDE(ps, N("old.example"), CH(rsa(1, 2047), cert(11)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 0);
    assert_null(v.rule);
    assert_non_null(v.expired);
    v = DECIDE(ps, N("old.example"), CH(rsa(10, 2048), cert(11)));
    assert_allowed(&v);
    hp_pinset_free(ps);

    rep = load("version = 1;\n"
               "mode = \"report\";\n"
               "policy_scope = \"all\";\n"
               "policy = { require_ca_constraints = true; };\n");
    v = DECIDE(rep, N("free.example"), CH(cert(10), non_ca(11)));
    assert_finding(&v, HP_REPORT, HP_WHY_POLICY, 1);
    hp_pinset_free(rep);

    pinned = load("version = 1;\n"
                  "policy_scope = \"pinned\";\n"
                  "policy = { min_rsa_bits = 2048; };\n"
                  "hosts = ( { host = \"a.example\"; pins = [ \"$1\" ]; } "
                  ");\n");
    v = DECIDE(pinned, N("free.example"), CH(rsa(10, 1024)));
    assert_int_equal(v.outcome, HP_UNPINNED);
    v = DECIDE_NONAME(pinned, CH(rsa(10, 1024)));
    assert_int_equal(v.outcome, HP_UNPINNED);
    v = DECIDE(pinned, N("a.example"), CH(rsa(1, 1024)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 0);
    hp_pinset_free(pinned);
}

/* ---- precedence ------------------------------------------------------ */

static const char rank_text[] =
    "version = 1;\n"
    "deny = [ \"$90\" ];\n"
    "policy = { min_rsa_bits = 2048; };\n"
    "hosts = (\n"
    "  { host = \"enf.example\"; pins = [ \"$1\" ]; },\n"
    "  { host = \"enf2.example\"; pins = [ \"$3\" ]; deny = [ \"$81\" ]; "
    "policy = { min_rsa_bits = 1024; }; },\n"
    "  { host = \"rep.example\"; pins = [ \"$2\" ]; mode = \"report\";\n"
    "    deny = [ \"$80\" ]; }\n"
    ");\n";

/* For one rule: deny over policy over pins, whatever the depths. */
static void rank_within_rule(void **state)
{
    struct hp_pinset_st *ps = load(rank_text);
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(ps, N("enf.example"), CH(rsa(10, 1024), cert(90)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 1);
    v = DECIDE(ps, N("enf.example"), CH(rsa(90, 1024), cert(11)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 0);
    v = DECIDE(ps, N("enf.example"), CH(cert(10), rsa(11, 1024)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 1);
    v = DECIDE(ps, N("enf.example"), CH(cert(10), cert(11)));
    assert_finding(&v, HP_FAIL, HP_WHY_PIN, -1);
    assert_where(&v, HPT_NAME, 5);
    v = DECIDE(ps, N("rep.example"), CH(rsa(10, 1024), cert(80)));
    assert_finding(&v, HP_REPORT, HP_WHY_DENY, 1);
    v = DECIDE(ps, N("rep.example"), CH(rsa(10, 1024), cert(11)));
    assert_finding(&v, HP_REPORT, HP_WHY_POLICY, 0);
    hp_pinset_free(ps);
}

/* Across names: a refusal beats a report whatever its kind, and among
 * refusals deny beats policy beats pins, in either order of the names. */
static void rank_across_names(void **state)
{
    struct hp_pinset_st *ps = load(rank_text);
    struct hp_verdict_st v;

    (void)state;
    /* rep.example: denied (report); enf.example: pin mismatch (enforce) */
    v = DECIDE(ps, N("rep.example", "enf.example"), CH(cert(2), cert(80)));
    assert_finding(&v, HP_FAIL, HP_WHY_PIN, -1);
    assert_string_equal(v.rule->host, "enf.example");
    assert_int_equal(v.name_index, 1);
    v = DECIDE(ps, N("enf.example", "rep.example"), CH(cert(2), cert(80)));
    assert_finding(&v, HP_FAIL, HP_WHY_PIN, -1);
    assert_int_equal(v.name_index, 0);
    /* enf.example: policy (enforce) over rep.example's deny (report) */
    v = DECIDE(ps, N("rep.example", "enf.example"),
               CH(rsa(1, 1024), cert(80)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 0);
    assert_string_equal(v.rule->host, "enf.example");
    /* two refusals: enf.example's pin mismatch, enf2.example's deny */
    v = DECIDE(ps, N("enf.example", "enf2.example"), CH(cert(3), cert(81)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 1);
    assert_string_equal(v.rule->host, "enf2.example");
    assert_int_equal(v.name_index, 1);
    v = DECIDE(ps, N("enf2.example", "enf.example"), CH(cert(3), cert(81)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 1);
    assert_int_equal(v.name_index, 0);
    /* enf.example's policy over enf2.example's pin mismatch */
    v = DECIDE(ps, N("enf2.example", "enf.example"),
               CH(rsa(1, 1024), cert(11)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 0);
    assert_string_equal(v.rule->host, "enf.example");
    /* two reports: the stronger kind */
    v = DECIDE(ps, N("rep.example", "rep.example"),
               CH(rsa(10, 1024), cert(80)));
    assert_finding(&v, HP_REPORT, HP_WHY_DENY, 1);
    hp_pinset_free(ps);
}

/* ---- interception ---------------------------------------------------- */

static const char icpt_text[] =
    "version = 1;\n"
    "deny = [ \"$90\" ];\n"
    "allow_interception = [ \"$70\", \"$71\" ];\n"
    "policy = { min_rsa_bits = 2048; };\n"
    "hosts = (\n"
    "  { host = \"pinned.example\"; pins = [ \"$1\" ]; },\n"
    "  { host = \"rep.example\"; pins = [ \"$2\" ]; mode = \"report\"; },\n"
    "  { host = \"hostdeny.example\"; pins = [ \"$3\" ];\n"
    "    deny = [ \"$80\" ]; }\n"
    ");\n";

static void interception_exempts_pins(void **state)
{
    struct hp_pinset_st *ps = load(icpt_text);
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(ps, N("pinned.example"), CH(cert(10), cert(11), cert(70)));
    assert_allowed(&v);
    assert_int_equal(v.exempt, 1);
    v = DECIDE(ps, N("pinned.example"), CH(cert(10), cert(71)));
    assert_allowed(&v);
    assert_int_equal(v.exempt, 1);
    v = DECIDE(ps, N("rep.example", "pinned.example"),
               CH(cert(10), cert(70)));
    assert_allowed(&v);
    assert_int_equal(v.exempt, 1);
    /* the same chain without the interception anchor is refused */
    v = DECIDE(ps, N("pinned.example"), CH(cert(10), cert(11), cert(12)));
    assert_finding(&v, HP_FAIL, HP_WHY_PIN, -1);
    assert_int_equal(v.exempt, 0);
    /* no rule, nothing to be exempt from */
    v = DECIDE(ps, N("free.example"), CH(cert(10), cert(70)));
    assert_int_equal(v.outcome, HP_UNPINNED);
    assert_int_equal(v.exempt, 0);
    hp_pinset_free(ps);
}

/* Exempt from pins, never from deny (nor from the policy). */
static void interception_not_from_deny(void **state)
{
    struct hp_pinset_st *ps = load(icpt_text);
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(ps, N("pinned.example"), CH(cert(10), cert(90), cert(70)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 1);
    assert_int_equal(v.exempt, 1);
    v = DECIDE(ps, N("hostdeny.example"), CH(cert(80), cert(70)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 0);
    v = DECIDE(ps, N("free.example"), CH(cert(90), cert(70)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 0);
    v = DECIDE(ps, N("pinned.example"), CH(rsa(10, 1024), cert(70)));
    assert_finding(&v, HP_FAIL, HP_WHY_POLICY, 0);
    hp_pinset_free(ps);
}

/* Only the trust anchor's key exempts. */
static void interception_anchor_only(void **state)
{
    struct hp_pinset_st *ps = load(icpt_text);
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(ps, N("pinned.example"), CH(cert(70), cert(11), cert(12)));
    assert_finding(&v, HP_FAIL, HP_WHY_PIN, -1);
    assert_int_equal(v.exempt, 0);
    v = DECIDE(ps, N("pinned.example"), CH(cert(10), cert(70), cert(12)));
    assert_finding(&v, HP_FAIL, HP_WHY_PIN, -1);
    assert_int_equal(v.exempt, 0);
    v = decide(ps, N("pinned.example"), 1, NULL, 0, 1);
    assert_finding(&v, HP_FAIL, HP_WHY_PIN, -1);
    assert_int_equal(v.exempt, 0);
    hp_pinset_free(ps);
}

/* ---- expiry ---------------------------------------------------------- */

/* An expired rule is skipped whole: its pins, deny list and policy. */
static void expired_rule_skipped(void **state)
{
    struct hp_pinset_st *ps = load(deny_text);
    struct hp_verdict_st v;

    (void)state;
    v = DECIDE(ps, N("expired.example"), CH(cert(10), cert(81)));
    assert_allowed(&v);
    assert_non_null(v.expired);
    assert_string_equal(v.expired->host, "expired.example");
    v = DECIDE(ps, N("expired.example"), CH(rsa(10, 2048), cert(11)));
    assert_allowed(&v);
    v = DECIDE(ps, N("expired.example"), CH(cert(5)));
    assert_allowed(&v);
    /* the name is then as one without a rule: top-level deny applies */
    v = DECIDE(ps, N("expired.example"), CH(cert(5), cert(90)));
    assert_finding(&v, HP_FAIL, HP_WHY_DENY, 1);
    assert_null(v.rule);
    assert_non_null(v.expired);
    /* beside a name with an active rule, that rule decides */
    v = DECIDE(ps, N("expired.example", "pinned.example"),
               CH(cert(1), cert(81)));
    assert_int_equal(v.outcome, HP_PASS);
    assert_string_equal(v.rule->host, "pinned.example");
    assert_int_equal(v.expired_name_index, 0);
    hp_pinset_free(ps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deny_any_depth),
        cmocka_unit_test(deny_without_rule),
        cmocka_unit_test(deny_modes),
        cmocka_unit_test(host_deny_beats_pin),
        cmocka_unit_test(where_in_included_file),
        cmocka_unit_test(policy_rsa_boundary),
        cmocka_unit_test(policy_host_override),
        cmocka_unit_test(policy_signature_hash),
        cmocka_unit_test(policy_require_ca),
        cmocka_unit_test(policy_details_and_mode),
        cmocka_unit_test(policy_scope),
        cmocka_unit_test(rank_within_rule),
        cmocka_unit_test(rank_across_names),
        cmocka_unit_test(interception_exempts_pins),
        cmocka_unit_test(interception_not_from_deny),
        cmocka_unit_test(interception_anchor_only),
        cmocka_unit_test(expired_rule_skipped),
    };

    now = hpt_utc(2026, 1, 1, 0, 0, 0);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
