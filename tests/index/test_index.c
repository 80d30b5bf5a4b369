/* SPDX-License-Identifier: Apache-2.0 */
/* The compiled index of a pins file: it answers exactly as the parsed file
 * does, and a missing, stale, truncated or damaged index is never trusted
 * (and never crashes a lookup). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "hostpin_conf.h"
#include "hostpin_index.h"

struct fx {
    char dir[256], pins[300], idx[320];
};

static void pin_text(unsigned seed, char out[HP_PIN_STRLEN])
{
    hp_digest d;
    size_t i;

    for (i = 0; i < HP_DIGEST_LEN; i++)
        d[i] = (unsigned char)(seed * 131 + i * 7);
    hp_pin_format(d, out);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

/* A pins file with every kind of rule, plus `nfill` plain hosts. */
static void write_pins(const char *path, int nfill, const char *extra)
{
    char p1[HP_PIN_STRLEN], p2[HP_PIN_STRLEN], p3[HP_PIN_STRLEN];
    FILE *f = fopen(path, "w");
    int i;

    assert_non_null(f);
    pin_text(1, p1);
    pin_text(2, p2);
    pin_text(3, p3);
    fprintf(f, "version = 1;\nmode = \"enforce\";\nreload_interval = 7;\n"
               "hosts = (\n"
               "  { host = \"Example.COM.\"; include_subdomains = true;\n"
               "    pins = [ \"%s\", \"%s\" ]; },\n"
               "  { host = \"api.example.com\"; pins = [ \"%s\" ];\n"
               "    mode = \"report\"; expires = \"2030-01-02\"; },\n"
               "  { host = \"192.0.2.7\"; pins = [ \"%s\" ]; },\n"
               "  { host = \"[2001:DB8::1]\"; pins = [ \"%s\" ]; },\n"
               "  { host = \"example.com\"; pins = [ \"%s\" ]; }",
            p1, p2, p3, p1, p2, p3);
    for (i = 0; i < nfill; i++) {
        pin_text((unsigned)i + 10, p1);
        fprintf(f, ",\n  { host = \"h%d.fill.test\"; pins = [ \"%s\" ]; }",
                i, p1);
    }
    fprintf(f, "\n%s);\n", extra ? extra : "");
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));

    if (fx == NULL)
        return -1;
    snprintf(fx->dir, sizeof(fx->dir), "%s/hp-index.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }
    snprintf(fx->pins, sizeof(fx->pins), "%s/pins.conf", fx->dir);
    snprintf(fx->idx, sizeof(fx->idx), "%s/pins.conf" HP_INDEX_SUFFIX,
             fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    char cmd[400];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

/* A file finished a minute ago, not one still being written (sources.c). */
static void settle(const char *path)
{
    struct timespec ts[2];

    clock_gettime(CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec -= 60;
    ts[1] = ts[0];
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void make_index(struct fx *fx, int nfill)
{
    struct hp_error_st err;
    size_t n = 0;

    write_pins(fx->pins, nfill, NULL);
    settle(fx->pins);
    if (!hp_index_write(fx->pins, NULL, HP_INDEX_NOWAIT, &n, &err))
        fail_msg("hp_index_write: %s:%d: %s", err.file, err.line, err.msg);
    assert_int_equal(n, (size_t)nfill + 4); /* example.com is repeated */
}

static struct hp_pinset_st *open_ok(struct fx *fx)
{
    struct hp_pinset_st *ps = NULL;
    char why[512];

    if (hp_index_open(fx->pins, NULL, &ps, why, sizeof(why)) != HP_INDEX_OK)
        fail_msg("hp_index_open: %s", why);
    assert_non_null(ps->index);
    return ps;
}

static void same_policy(const struct hp_policy_st *a,
                        const struct hp_policy_st *b)
{
    assert_int_equal(a->min_rsa_bits, b->min_rsa_bits);
    assert_int_equal(a->min_ec_bits, b->min_ec_bits);
    assert_int_equal(a->min_sig_bits, b->min_sig_bits);
    assert_int_equal(a->require_ca, b->require_ca);
    assert_int_equal(a->line, b->line);
    if (a->file != NULL || b->file != NULL)
        assert_string_equal(a->file, b->file);
}

/* Every name's rule from the index equals the parsed file's. */
static void same_rules(const struct hp_pinset_st *a,
                       const struct hp_pinset_st *b, int nfill)
{
    static const char *names[] = {
        "example.com",       "www.example.com", "a.b.example.com",
        "api.example.com",   "x.api.example.com", "192.0.2.7",
        "2001:db8::1",       "[2001:db8::1]",   "192.0.2.8",
        "example.org",       "com",             "EXAMPLE.com.",
        "h0.fill.test",      "h9.fill.test",    "x.h1.fill.test",
        "",                  "fill.test",       "a.test", "b.test",
    };
    char name[64];
    size_t i;
    int k;

    for (i = 0; i < sizeof(names) / sizeof(names[0]) + (size_t)nfill; i++) {
        const struct hp_rule_st *ra, *rb;

        if (i < sizeof(names) / sizeof(names[0])) {
            snprintf(name, sizeof(name), "%s", names[i]);
        } else {
            k = (int)(i - sizeof(names) / sizeof(names[0]));
            snprintf(name, sizeof(name), "h%d.fill.test", k);
        }
        ra = hp_pinset_rule_for(a, name);
        rb = hp_pinset_rule_for(b, name);
        if (ra == NULL || rb == NULL) {
            if (ra != rb)
                fail_msg("%s: %s in one set only", name,
                         ra ? "rule" : "no rule");
            continue;
        }
        assert_string_equal(ra->host, rb->host);
        assert_int_equal(ra->is_ip, rb->is_ip);
        assert_int_equal(ra->include_subdomains, rb->include_subdomains);
        assert_int_equal(ra->mode, rb->mode);
        assert_true(ra->expires == rb->expires);
        if (ra->expires_text || rb->expires_text)
            assert_string_equal(ra->expires_text, rb->expires_text);
        assert_int_equal(ra->npins, rb->npins);
        assert_memory_equal(ra->pins, rb->pins, ra->npins * HP_DIGEST_LEN);
        assert_int_equal(ra->npins_written, rb->npins_written);
        assert_string_equal(ra->file, rb->file);
        assert_int_equal(ra->line, rb->line);
        same_policy(&ra->policy, &rb->policy);
        assert_int_equal(ra->ndeny, rb->ndeny);
        if (ra->ndeny > 0)
            assert_memory_equal(ra->deny, rb->deny,
                                ra->ndeny * HP_DIGEST_LEN);
    }
}

static void test_same_answers(void **state)
{
    struct fx *fx = *state;
    struct hp_pinset_st *ix, *parsed = NULL;
    struct hp_error_st err;
    hp_digest chain[2];
    const char *names[] = { "www.example.com" };
    struct hp_verdict_st va, vb;
    char p[HP_PIN_STRLEN];
    const char *why = NULL;

    make_index(fx, 300);
    ix = open_ok(fx);
    assert_true(hp_conf_load_file(fx->pins, &parsed, &err));
    assert_int_equal(ix->nrules, parsed->nrules);
    assert_int_equal(ix->nduplicates, parsed->nduplicates);
    assert_int_equal(ix->mode, parsed->mode);
    assert_int_equal(ix->reload_interval, 7);
    same_rules(ix, parsed, 300);
    /* The decision core cannot tell them apart. */
    pin_text(2, p);
    assert_true(hp_pin_parse(p, chain[1], &why));
    memset(chain[0], 0x55, HP_DIGEST_LEN);
    hp_decide(ix, names, 1, (const hp_digest *)chain, 2, 0, &va);
    hp_decide(parsed, names, 1, (const hp_digest *)chain, 2, 0, &vb);
    assert_int_equal(va.outcome, HP_PASS);
    assert_int_equal(va.outcome, vb.outcome);
    assert_int_equal(va.match_depth, vb.match_depth);
    chain[1][0] ^= 1;
    hp_decide(ix, names, 1, (const hp_digest *)chain, 2, 0, &va);
    assert_int_equal(va.outcome, HP_FAIL);
    assert_int_equal(va.rule->line, 5);
    hp_pinset_free(ix);
    hp_pinset_free(parsed);
}

static void test_load_prefers_index(void **state)
{
    struct fx *fx = *state;
    struct hp_pinset_st *ps = NULL;
    struct hp_error_st err;
    struct hp_index_note_st used;

    write_pins(fx->pins, 3, NULL);
    assert_true(hp_pinset_load(fx->pins, &ps, &err, &used, NULL));
    assert_int_equal(used.used, 0); /* no index yet */
    hp_pinset_free(ps);
    make_index(fx, 3);
    assert_true(hp_pinset_load(fx->pins, &ps, &err, &used, NULL));
    assert_int_equal(used.used, 1);
    assert_non_null(hp_pinset_rule_for(ps, "h2.fill.test"));
    hp_pinset_free(ps);
}

static void test_missing(void **state)
{
    struct fx *fx = *state;
    struct hp_pinset_st *ps = NULL;
    char why[512];

    write_pins(fx->pins, 1, NULL);
    assert_int_equal(hp_index_open(fx->pins, NULL, &ps, why, sizeof(why)),
                     HP_INDEX_MISSING);
    assert_null(ps);
}

static void test_stale(void **state)
{
    struct fx *fx = *state;
    struct hp_pinset_st *ps = NULL;
    struct hp_error_st err;
    char why[512];
    struct hp_index_note_st used;

    make_index(fx, 5);
    /* An edit: a new host; the index must not hide it. */
    write_pins(fx->pins, 5, ",\n  { host = \"new.test\"; pins = [ "
                            "\"sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                            "AAAAAAA=\" ]; }\n");
    assert_int_equal(hp_index_open(fx->pins, NULL, &ps, why, sizeof(why)),
                     HP_INDEX_STALE);
    assert_non_null(strstr(why, "changed"));
    assert_true(hp_pinset_load(fx->pins, &ps, &err, &used, NULL));
    assert_int_equal(used.used, 0);
    assert_non_null(hp_pinset_rule_for(ps, "new.test"));
    hp_pinset_free(ps);
    assert_int_equal(hp_index_verify(fx->pins, NULL, why, sizeof(why)),
                     HP_INDEX_STALE);
}

/* Same size, same mtime, other contents: ctime and SHA-256 still tell. */
static void test_stale_same_size(void **state)
{
    struct fx *fx = *state;
    struct hp_pinset_st *ps = NULL;
    struct stat st;
    struct timespec ts[2];
    char why[512], *text;
    FILE *f;
    long len;

    make_index(fx, 2);
    assert_int_equal(stat(fx->pins, &st), 0);
    f = fopen(fx->pins, "r+");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    text = calloc(1, (size_t)len + 1);
    fseek(f, 0, SEEK_SET);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    *strstr(text, "h1.fill") = 'x'; /* h1 -> x1 */
    fseek(f, 0, SEEK_SET);
    fwrite(text, 1, (size_t)len, f);
    fclose(f);
    free(text);
    ts[0] = st.st_atim;
    ts[1] = st.st_mtim;
    assert_int_equal(utimensat(AT_FDCWD, fx->pins, ts, 0), 0);
    assert_int_equal(hp_index_open(fx->pins, NULL, &ps, why, sizeof(why)),
                     HP_INDEX_STALE);
}

static void copy_index(struct fx *fx, unsigned char **data, size_t *len)
{
    FILE *f = fopen(fx->idx, "rb");
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *data = malloc((size_t)n);
    assert_non_null(*data);
    assert_int_equal(fread(*data, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
}

/* Replace the index as hostpin index would (rename), with `data`. */
static void put_index(struct fx *fx, const unsigned char *data, size_t len)
{
    char tmp[400];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.new", fx->idx);
    f = fopen(tmp, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(tmp, fx->idx), 0);
}

static void test_truncated(void **state)
{
    struct fx *fx = *state;
    static const size_t cuts[] = { 0, 7, 100, 255, 256, 4096, 5000 };
    struct hp_pinset_st *ps = NULL;
    struct hp_error_st err;
    unsigned char *data;
    char why[512];
    size_t len, i;
    struct hp_index_note_st used;

    make_index(fx, 200);
    copy_index(fx, &data, &len);
    for (i = 0; i <= sizeof(cuts) / sizeof(cuts[0]); i++) {
        size_t cut = i < sizeof(cuts) / sizeof(cuts[0]) ? cuts[i] : len - 1;

        put_index(fx, data, cut);
        assert_int_equal(hp_index_open(fx->pins, NULL, &ps, why,
                                       sizeof(why)),
                         HP_INDEX_INVALID);
        assert_null(ps);
        assert_true(hp_pinset_load(fx->pins, &ps, &err, &used, NULL));
        assert_int_equal(used.used, 0);
        hp_pinset_free(ps);
    }
    free(data);
}

static void test_damaged_header(void **state)
{
    struct fx *fx = *state;
    struct hp_pinset_st *ps = NULL;
    unsigned char *data;
    char why[512];
    size_t len, i;

    make_index(fx, 20);
    copy_index(fx, &data, &len);
    for (i = 0; i < 256; i += 3) {
        data[i] ^= 0x10;
        put_index(fx, data, len);
        assert_int_equal(hp_index_open(fx->pins, NULL, &ps, why,
                                       sizeof(why)),
                         HP_INDEX_INVALID);
        data[i] ^= 0x10;
    }
    /* Wrong version, say so. */
    data[8] = 99;
    put_index(fx, data, len);
    assert_int_equal(hp_index_open(fx->pins, NULL, &ps, why, sizeof(why)),
                     HP_INDEX_INVALID);
    assert_non_null(strstr(why, "version"));
    free(data);
}

/* 400 hosts indexed, the file parsed (what lookups must agree with), and
 * a copy of the index to damage. */
static void damage_setup(struct fx *fx, struct hp_pinset_st **parsed,
                         unsigned char **data, size_t *len)
{
    struct hp_error_st err;

    make_index(fx, 400);
    assert_true(hp_conf_load_file(fx->pins, parsed, &err));
    copy_index(fx, data, len);
}

/* A damaged block is found when first read: lookups then answer from the
 * parsed file, never from the damaged data. */
static void test_damaged_block(void **state)
{
    struct fx *fx = *state;
    struct hp_pinset_st *ps, *parsed = NULL;
    unsigned char *data;
    char why[512];
    size_t len, off;

    damage_setup(fx, &parsed, &data, &len);
    for (off = 4096; off + 8 < len; off += 997) {
        data[off] ^= 0xff;
        put_index(fx, data, len);
        if (hp_index_open(fx->pins, NULL, &ps, why, sizeof(why)) ==
            HP_INDEX_OK) {
            same_rules(ps, parsed, 400);
            hp_pinset_free(ps);
        }
        assert_int_equal(hp_index_verify(fx->pins, NULL, why, sizeof(why)),
                         HP_INDEX_INVALID);
        data[off] ^= 0xff;
    }
    free(data);
    hp_pinset_free(parsed);
}

/* Damage found while the pins file is being written in place: the file
 * does not answer until it has settled, and every name is refused
 * meanwhile rather than judged by part of the file. */
static void test_damaged_while_written(void **state)
{
    struct fx *fx = *state;
    struct hp_pinset_st *ps, *parsed = NULL;
    struct hp_error_st err;
    unsigned char *data;
    char why[512];
    size_t len, off;
    int refused = 0;

    damage_setup(fx, &parsed, &data, &len);
    for (off = 4096; off + 8 < len; off += 997) {
        data[off] ^= 0xff;
        put_index(fx, data, len);
        data[off] ^= 0xff;
        if (hp_index_open(fx->pins, NULL, &ps, why, sizeof(why)) !=
            HP_INDEX_OK)
            continue;
        /* Written again, in place: the same text, but just now. */
        write_pins(fx->pins, 400, NULL);
        {
            const struct hp_rule_st *r = hp_pinset_rule_for(ps, "h7.fill.test");
            const struct hp_rule_st *p = hp_pinset_rule_for(parsed,
                                                            "h7.fill.test");

            assert_non_null(r);
            if (r->host[0] == '\0') {
                assert_int_equal(r->npins, 0); /* nothing satisfies it */
                refused++;
            } else {
                assert_string_equal(r->host, p->host);
            }
        }
        settle(fx->pins);
        same_rules(ps, parsed, 400);
        hp_pinset_free(ps);
        write_pins(fx->pins, 400, NULL);
        settle(fx->pins);
        if (!hp_index_write(fx->pins, NULL, HP_INDEX_NOWAIT, &len, &err))
            fail_msg("hp_index_write: %s", err.msg);
        free(data);
        copy_index(fx, &data, &len);
    }
    assert_true(refused > 0);
    free(data);
    hp_pinset_free(parsed);
}

/* Random damage anywhere, many times: no crash, no wrong answer. */
static void test_random_damage(void **state)
{
    struct fx *fx = *state;
    struct hp_pinset_st *ps, *parsed = NULL;
    struct hp_error_st err;
    unsigned char *data;
    char why[512];
    size_t len;
    unsigned long x = 88172645463325252ul;
    int round, k;

    make_index(fx, 100);
    assert_true(hp_conf_load_file(fx->pins, &parsed, &err));
    copy_index(fx, &data, &len);
    for (round = 0; round < 200; round++) {
        unsigned char *copy = malloc(len);

        assert_non_null(copy);
        memcpy(copy, data, len);
        for (k = 0; k < 1 + round % 5; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            copy[x % len] = (unsigned char)(x >> 24);
        }
        put_index(fx, copy, len);
        if (hp_index_open(fx->pins, NULL, &ps, why, sizeof(why)) ==
            HP_INDEX_OK) {
            same_rules(ps, parsed, 100);
            hp_pinset_free(ps);
        }
        free(copy);
    }
    free(data);
    hp_pinset_free(parsed);
}

static void test_not_an_index(void **state)
{
    struct fx *fx = *state;
    struct hp_pinset_st *ps = NULL;
    char why[512], junk[8192];

    write_pins(fx->pins, 1, NULL);
    memset(junk, 'x', sizeof(junk));
    put_index(fx, (const unsigned char *)junk, sizeof(junk));
    assert_int_equal(hp_index_open(fx->pins, NULL, &ps, why, sizeof(why)),
                     HP_INDEX_INVALID);
    assert_non_null(strstr(why, "not a hostpin index"));
}

static void test_invalid_source(void **state)
{
    struct fx *fx = *state;
    struct hp_error_st err;

    write_file(fx->pins, "version = 1;\nhosts = ( { host = \"a.test\"; } );"
                         "\n");
    assert_false(hp_index_write(fx->pins, NULL, HP_INDEX_NOWAIT, NULL,
                                &err));
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.msg, "no pins"));
    assert_int_equal(access(fx->idx, F_OK), -1);
}

/* Policy, deny pins, the interception allow-list and reports survive the
 * index exactly. */
static void test_policy_settings(void **state)
{
    struct fx *fx = *state;
    struct hp_pinset_st *ix, *parsed = NULL;
    struct hp_error_st err;
    char p1[HP_PIN_STRLEN], p2[HP_PIN_STRLEN], p3[HP_PIN_STRLEN];
    char text[2048];
    size_t n = 0;

    pin_text(1, p1);
    pin_text(2, p2);
    pin_text(3, p3);
    snprintf(text, sizeof(text),
             "version = 1;\n"
             "policy = { min_rsa_bits = 2048; min_signature_hash = "
             "\"sha256\"; require_ca_constraints = true; };\n"
             "policy_scope = \"all\";\n"
             "deny = [ \"%s\" ];\n"
             "allow_interception = [ \"%s\", \"%s\" ];\n"
             "report = { syslog = true; file = \"%s/report.json\"; };\n"
             "hosts = (\n"
             "  { host = \"a.test\"; pins = [ \"%s\" ];\n"
             "    policy = { min_ec_bits = 384; }; deny = [ \"%s\" ]; },\n"
             "  { host = \"b.test\"; pins = [ \"%s\", \"%s\" ]; }\n"
             ");\n",
             p1, p2, p3, fx->dir, p1, p2, p2, p3);
    write_file(fx->pins, text);
    if (!hp_index_write(fx->pins, NULL, HP_INDEX_NOWAIT, &n, &err))
        fail_msg("hp_index_write: %s:%d: %s", err.file, err.line, err.msg);
    ix = open_ok(fx);
    assert_true(hp_conf_load_file(fx->pins, &parsed, &err));
    same_policy(&ix->policy, &parsed->policy);
    assert_int_equal(ix->policy_all, parsed->policy_all);
    assert_int_equal(ix->has_policy, parsed->has_policy);
    assert_int_equal(ix->ndeny, 1);
    assert_int_equal(ix->ndeny, parsed->ndeny);
    assert_memory_equal(ix->deny, parsed->deny, HP_DIGEST_LEN);
    assert_int_equal(ix->deny_line, parsed->deny_line);
    if (ix->deny_file != NULL || parsed->deny_file != NULL)
        assert_string_equal(ix->deny_file, parsed->deny_file);
    assert_int_equal(ix->nallow, 2);
    assert_memory_equal(ix->allow, parsed->allow, 2 * HP_DIGEST_LEN);
    assert_int_equal(ix->report_syslog, parsed->report_syslog);
    assert_string_equal(ix->report_file, parsed->report_file);
    assert_null(ix->include_dir);
    same_rules(ix, parsed, 0);
    assert_int_equal(hp_pinset_rule_for(ix, "a.test")->ndeny, 1);
    assert_int_equal(hp_pinset_rule_for(ix, "a.test")->policy.min_ec_bits,
                     384);
    hp_pinset_free(ix);
    hp_pinset_free(parsed);
}

/* include_dir: a drop-in file edited, added or removed makes the index
 * stale; until then the drop-in's hosts come from the index. */
static void test_include_dir(void **state)
{
    struct fx *fx = *state;
    struct hp_pinset_st *ix, *parsed = NULL;
    struct hp_error_st err;
    char p1[HP_PIN_STRLEN], text[512], path[400], why[512];
    size_t n = 0;

    pin_text(1, p1);
    snprintf(path, sizeof(path), "%s/d", fx->dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/d/x.conf", fx->dir);
    snprintf(text, sizeof(text), "hosts = ( { host = \"x.test\"; pins = "
             "[ \"%s\" ]; } );\n", p1);
    write_file(path, text);
    snprintf(text, sizeof(text), "version = 1;\ninclude_dir = \"d\";\n"
             "hosts = ( { host = \"a.test\"; pins = [ \"%s\" ]; } );\n",
             p1);
    write_file(fx->pins, text);
    if (!hp_index_write(fx->pins, NULL, HP_INDEX_NOWAIT, &n, &err))
        fail_msg("hp_index_write: %s:%d: %s", err.file, err.line, err.msg);
    assert_int_equal(n, 2);
    ix = open_ok(fx);
    assert_true(hp_conf_load_file(fx->pins, &parsed, &err));
    assert_non_null(ix->include_dir);
    assert_string_equal(ix->include_dir, parsed->include_dir);
    assert_non_null(hp_pinset_rule_for(ix, "x.test"));
    assert_string_equal(hp_pinset_rule_for(ix, "x.test")->file,
                        hp_pinset_rule_for(parsed, "x.test")->file);
    hp_pinset_free(ix);
    hp_pinset_free(parsed);
    /* A new drop-in file: the folder changed. */
    snprintf(path, sizeof(path), "%s/d/y.conf", fx->dir);
    snprintf(text, sizeof(text), "hosts = ( { host = \"y.test\"; pins = "
             "[ \"%s\" ]; } );\n", p1);
    write_file(path, text);
    ix = NULL;
    assert_int_equal(hp_index_open(fx->pins, NULL, &ix, why, sizeof(why)),
                     HP_INDEX_STALE);
    assert_null(ix);
}

/* Enumeration in file order, the same through the index. */
static void test_rule_at(void **state)
{
    struct fx *fx = *state;
    struct hp_pinset_st *ix, *parsed = NULL;
    struct hp_error_st err;
    size_t i;

    make_index(fx, 50);
    ix = open_ok(fx);
    assert_true(hp_conf_load_file(fx->pins, &parsed, &err));
    for (i = 0; i < parsed->nrules; i++) {
        const struct hp_rule_st *r = hp_pinset_rule_at(ix, i);

        assert_non_null(r);
        assert_string_equal(r->host, parsed->rules[i].host);
        assert_int_equal(r->line, parsed->rules[i].line);
        assert_ptr_equal(hp_pinset_rule_at(parsed, i), &parsed->rules[i]);
    }
    assert_null(hp_pinset_rule_at(ix, parsed->nrules));
    hp_pinset_free(ix);
    hp_pinset_free(parsed);
}

/* Pins taken from certificate files are not indexed (the files could
 * change under an unchanged pins file): refused, with the line. */
static void test_cert_pins_refused(void **state)
{
    struct fx *fx = *state;
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    struct hp_error_st err;
    char path[400], text[600];
    FILE *f;

    assert_non_null(k);
    assert_non_null(x);
    X509_set_version(x, 2);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, k);
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    snprintf(path, sizeof(path), "%s/c.pem", fx->dir);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_true(PEM_write_X509(f, x));
    fclose(f);
    X509_free(x);
    EVP_PKEY_free(k);
    snprintf(text, sizeof(text), "version = 1;\nhosts = (\n"
             "  { host = \"c.test\"; certs = [ \"c.pem\" ]; }\n);\n");
    write_file(fx->pins, text);
    assert_false(hp_index_write(fx->pins, NULL, HP_INDEX_NOWAIT, NULL,
                                &err));
    assert_non_null(strstr(err.msg, "certificate files"));
    assert_int_equal(access(fx->idx, F_OK), -1);
}

/* A self-signed certificate in dir/name (PEM). */
static void write_self_signed(const char *dir, const char *name)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    char path[400];
    FILE *f;

    assert_non_null(k);
    assert_non_null(x);
    assert_non_null(n);
    X509_set_version(x, 2);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
                               (const unsigned char *)"Anchor", -1, -1, 0);
    X509_set_subject_name(x, n);
    X509_set_issuer_name(x, n);
    X509_set_pubkey(x, k);
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_true(PEM_write_X509(f, x));
    fclose(f);
    X509_NAME_free(n);
    X509_free(x);
    EVP_PKEY_free(k);
}

/* Anchors are carried by the index like pins: the same certificates, keys
 * and system_roots as the parsed file; the anchor file is a dependency. */
static void test_anchors(void **state)
{
    struct fx *fx = *state;
    struct hp_pinset_st *ix, *parsed = NULL;
    const struct hp_rule_st *a, *b;
    struct hp_error_st err;
    char text[600], why[512], path[400];
    size_t k;

    write_self_signed(fx->dir, "a.pem");
    snprintf(text, sizeof(text), "version = 1;\nhosts = (\n"
             "  { host = \"a.test\"; anchors = [ \"a.pem\" ]; "
             "system_roots = false; include_subdomains = true; },\n"
             "  { host = \"b.test\"; anchors = [ \"a.pem\" ]; }\n);\n");
    write_file(fx->pins, text);
    if (!hp_index_write(fx->pins, NULL, HP_INDEX_NOWAIT, NULL, &err))
        fail_msg("hp_index_write: %s:%d: %s", err.file, err.line, err.msg);
    ix = open_ok(fx);
    assert_true(hp_conf_load_file(fx->pins, &parsed, &err));
    assert_true(ix->has_anchors);
    assert_true(parsed->has_anchors);
    a = hp_pinset_rule_for(ix, "x.a.test");
    b = hp_pinset_rule_for(parsed, "x.a.test");
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->nanchor_pins, b->nanchor_pins);
    assert_memory_equal(a->anchor_pins, b->anchor_pins, HP_DIGEST_LEN);
    assert_int_equal(a->no_system_roots, 1);
    assert_int_equal(a->nanchor_certs, 1);
    assert_non_null(a->anchors);
    assert_int_equal(a->anchors->n, b->anchors->n);
    for (k = 0; k < a->anchors->n; k++) {
        assert_int_equal(a->anchors->v[k].len, b->anchors->v[k].len);
        assert_memory_equal(a->anchors->v[k].der, b->anchors->v[k].der,
                            a->anchors->v[k].len);
        assert_string_equal(a->anchors->v[k].file, b->anchors->v[k].file);
    }
    assert_int_equal(hp_pinset_rule_for(ix, "b.test")->no_system_roots, 0);
    hp_pinset_free(ix);
    hp_pinset_free(parsed);
    /* A changed anchor file makes the index stale. */
    snprintf(path, sizeof(path), "%s/a.pem", fx->dir);
    write_self_signed(fx->dir, "a.pem");
    assert_int_equal(hp_index_open(fx->pins, NULL, &ix, why, sizeof(why)),
                     HP_INDEX_STALE);
    assert_non_null(strstr(why, path));
}

/* The rules one label under a name, which a wildcard certificate stands
 * for: the index finds the same as the parsed file. */
struct kids {
    char host[64][HP_NAME_MAX];
    size_t n;
};

static void kid(const struct hp_rule_st *r, void *arg)
{
    struct kids *k = arg;

    if (k->n < 64)
        snprintf(k->host[k->n++], HP_NAME_MAX, "%s", r->host);
}

static int cmp_host(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_children(void **state)
{
    static const char *const parents[] = { "fill.test", "example.com",
                                           "nothing.test", "test", "com" };
    static const size_t want[] = { 50, 1, 0, 0, 1 };
    struct fx *fx = *state;
    struct hp_pinset_st *ix, *parsed = NULL;
    struct hp_error_st err;
    size_t i;

    make_index(fx, 50);
    ix = open_ok(fx);
    assert_true(hp_conf_load_file(fx->pins, &parsed, &err));
    for (i = 0; i < sizeof(parents) / sizeof(parents[0]); i++) {
        struct kids a, b;
        size_t k;

        memset(&a, 0, sizeof(a));
        memset(&b, 0, sizeof(b));
        hp_pinset_children(ix, parents[i], strlen(parents[i]), kid, &a);
        hp_pinset_children(parsed, parents[i], strlen(parents[i]), kid, &b);
        assert_int_equal(a.n, want[i]);
        assert_int_equal(b.n, want[i]);
        qsort(a.host, a.n, HP_NAME_MAX, cmp_host);
        qsort(b.host, b.n, HP_NAME_MAX, cmp_host);
        for (k = 0; k < a.n; k++)
            assert_string_equal(a.host[k], b.host[k]);
    }
    hp_pinset_free(ix);
    hp_pinset_free(parsed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_children, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anchors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_prefers_index, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_same_size, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_header, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_damaged_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_while_written, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_random_damage, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_not_an_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_source, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rule_at, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_settings, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_include_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cert_pins_refused, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
