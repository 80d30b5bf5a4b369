/* SPDX-License-Identifier: Apache-2.0 */
/* Malformed pins files: each must be refused with an error that names the
 * file, the line of the culprit and the problem. */
#include "hp_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

/* A valid pin (SHA-256 of the empty string), with its quotes. */
#define P "\"sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\""
#define B64 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
#define L63 "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc"
/* The tables below (hp_test.h). */
#define NOWHERE HPT_NOWHERE
#define CASE HPT_ERR_CASE
#define T HPT_ERR_TEST

/* ---- syntax ---------------------------------------------------------- */

/* libconfig makes ';' after a setting optional, so the missing separator
 * that breaks a file is the ',' between list entries. */
CASE(syntax_missing_comma_between_hosts, 4, "syntax error",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\"; pins = [ " P " ]; }\n"
     "  { host = \"b.example\"; pins = [ " P " ]; }\n"
     ");\n")
/* Between pins, libconfig joins adjacent strings: the joined pin is bad. */
CASE(syntax_missing_comma_between_pins, 5, "is not base64",
     "version = 1;\n"
     "hosts = ( {\n"
     "  host = \"a.example\";\n"
     "  pins = [ " P "\n"
     "           " P " ];\n"
     "} );\n")
CASE(syntax_missing_value, 2, "syntax error",
     "version = 1;\n"
     "mode = ;\n"
     "hosts = ();\n")
CASE(syntax_missing_equals, 1, "syntax error",
     "version 1;\n"
     "mode = \"enforce\";\n")
CASE(syntax_unterminated_string, 3, "string",
     "version = 1;\n"
     "hosts = ( {\n"
     "  host = \"a.example;\n"
     "  pins = [ " P " ];\n"
     "} );\n")
CASE(syntax_unterminated_string_at_end, 2, "string",
     "version = 1;\n"
     "mode = \"enforce;\n"
     "\n"
     "# nothing else\n")
CASE(syntax_unbalanced_bracket, 4, "syntax error",
     "version = 1;\n"
     "hosts = ( {\n"
     "  host = \"a.example\";\n"
     "  pins = [ " P ";\n"
     "} );\n")
CASE(syntax_unbalanced_paren, 6, "syntax error",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    pins = [ " P " ];\n"
     "  }\n"
     "mode = \"report\";\n")
CASE(syntax_extra_brace, 5, "syntax error",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    pins = [ " P " ]; }\n"
     "  }\n"
     ");\n")
CASE(syntax_duplicate_setting, 4, "duplicate setting",
     "version = 1;\n"
     "hosts = ( {\n"
     "  host = \"a.example\";\n"
     "  host = \"b.example\";\n"
     "  pins = [ " P " ];\n"
     "} );\n")
CASE(syntax_include_missing, 2, "cannot open include file",
     "version = 1;\n"
     "@include \"more-pins.conf\"\n")

/* ---- top level ------------------------------------------------------- */

CASE(no_version, 0, "no 'version'",
     "mode = \"enforce\";\n"
     "hosts = ();\n")
CASE(version_2, 2, "unsupported version",
     "# future format\n"
     "version = 2;\n")
CASE(version_string, 1, "unsupported version", "version = \"1\";\n")
CASE(version_float, 1, "unsupported version", "version = 1.0;\n")
CASE(version_bool, 1, "unsupported version", "version = true;\n")
CASE(unknown_top_key, 3, "unknown setting 'pin'",
     "version = 1;\n"
     "mode = \"enforce\";\n"
     "pin = " P ";\n")
CASE(mode_invalid_global, 2, "unknown mode \"block\"",
     "version = 1;\n"
     "mode = \"block\";\n")
CASE(mode_wrong_case, 2, "unknown mode \"Enforce\"",
     "version = 1;\n"
     "mode = \"Enforce\";\n")
CASE(mode_not_string_global, 2, "'mode' must be a string",
     "version = 1;\n"
     "mode = 1;\n")
CASE(hosts_not_list, 2, "'hosts' must be a list",
     "version = 1;\n"
     "hosts = \"a.example\";\n")
CASE(hosts_group, 2, "'hosts' must be a list",
     "version = 1;\n"
     "hosts = { host = \"a.example\"; pins = [ " P " ]; };\n")

/* ---- host entries ---------------------------------------------------- */

CASE(host_entry_not_group, 3, "must be a group",
     "version = 1;\n"
     "hosts = (\n"
     "  \"a.example\"\n"
     ");\n")
CASE(host_entry_list, 3, "must be a group",
     "version = 1;\n"
     "hosts = (\n"
     "  ( \"a.example\", " P " )\n"
     ");\n")
CASE(unknown_host_key, 5, "unknown setting 'include_subdomain'",
     "version = 1;\n"
     "hosts = (\n"
     "  {\n"
     "    host = \"a.example\";\n"
     "    include_subdomain = true;\n"
     "    pins = [ " P " ];\n"
     "  }\n"
     ");\n")
CASE(host_missing, 3, "has no 'host'",
     "version = 1;\n"
     "hosts = (\n"
     "  {\n"
     "    pins = [ " P " ];\n"
     "  }\n"
     ");\n")
CASE(host_not_string, 4, "'host' must be a string",
     "version = 1;\n"
     "hosts = (\n"
     "  {\n"
     "    host = 42;\n"
     "    pins = [ " P " ];\n"
     "  }\n"
     ");\n")
CASE(host_empty, 3, "'host' is empty",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"\";\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
CASE(host_wildcard, 3, "wildcards are not accepted",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"*.a.example\";\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
CASE(host_scheme, 3, "character ':' is not allowed",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"https://a.example\";\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
CASE(host_port, 3, "character ':' is not allowed",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example:8443\";\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
CASE(host_ipv4_port, 3, "not a valid DNS name or IP address",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"192.0.2.1:443\";\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
CASE(host_ipv6_port, 3, "character '[' is not allowed",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"[2001:db8::1]:443\";\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
CASE(host_path, 3, "character '/' is not allowed",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example/api\";\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
CASE(host_space, 3, "not a valid DNS name or IP address",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a example.com\";\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
CASE(host_non_ascii, 3, "non-ASCII",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"b\xc3\xbc" "cher.example\";\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
CASE(host_label_too_long, 3, "longer than 63 characters",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"www." L63 "d.example\";\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
CASE(host_name_too_long, 3, "not a valid DNS name or IP address",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"" L63 "." L63 "." L63 "." L63 "\";\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
CASE(host_empty_label, 3, "empty label",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a..b\";\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
CASE(host_leading_dot, 3, "empty label",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \".a.example\";\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
CASE(host_two_trailing_dots, 3, "empty label",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example..\";\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
/* The error is about the second entry, on its line, not the first's. */
CASE(host_error_in_second_entry, 7, "wildcards are not accepted",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    pins = [ " P " ];\n"
     "  },\n"
     "  {\n"
     "    host = \"*.b.example\";\n"
     "    pins = [ " P " ];\n"
     "  }\n"
     ");\n")
CASE(mode_invalid_host, 5, "unknown mode \"warn\"",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    pins = [ " P " ];\n"
     "    mode = \"warn\"; }\n"
     ");\n")
CASE(mode_not_string_host, 5, "'mode' must be a string",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    pins = [ " P " ];\n"
     "    mode = false; }\n"
     ");\n")
CASE(include_subdomains_string, 4, "must be true or false",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    include_subdomains = \"yes\";\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
CASE(include_subdomains_int, 4, "must be true or false",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    include_subdomains = 1;\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
CASE(include_subdomains_ip, 4, "cannot apply to an IP address",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"192.0.2.1\";\n"
     "    include_subdomains = true;\n"
     "    pins = [ " P " ]; }\n"
     ");\n")
/* A trailing dot does not turn an address into a DNS name. */
CASE(include_subdomains_ip_dot, 4, "cannot apply to an IP address",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"192.0.2.1.\";\n"
     "    include_subdomains = true;\n"
     "    pins = [ " P " ]; }\n"
     ");\n")

/* ---- pins ------------------------------------------------------------ */

CASE(pins_not_list, 4, "'pins' must be a list",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    pins = " P "; }\n"
     ");\n")
CASE(pins_group, 4, "'pins' must be a list",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    pins = { primary = " P "; }; }\n"
     ");\n")
CASE(pin_not_string, 6, "pin 2 of host \"a.example\" is not a string",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    pins = (\n"
     "      " P ",\n"
     "      42\n"
     "    ); }\n"
     ");\n")
/* Bad pins: the line of the pin, three lines below its host. */
#define BAD_PIN(id, what, pin) \
    CASE(id, 6, what, \
         "version = 1;\n" \
         "hosts = (\n" \
         "  { host = \"a.example\";\n" \
         "    pins = [\n" \
         "      " P ",\n" \
         "      \"" pin "\",\n" \
         "      " P " ]; }\n" \
         ");\n")
BAD_PIN(pin_sha1, "unsupported hash algorithm",
        "sha1/2jmj7l5rSw0yVb/vlWAYkK/YBwk=")
BAD_PIN(pin_sha384, "unsupported hash algorithm",
        "sha384/OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/"
        "529l+9Ua0vFImLlb")
BAD_PIN(pin_base64url, "base64url",
        "sha256/47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=")
BAD_PIN(pin_bad_character, "not base64",
        "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSu!U=")
BAD_PIN(pin_too_short, "does not decode to 32 bytes",
        "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSU=")
BAD_PIN(pin_too_long, "does not decode to 32 bytes",
        "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFUA=")
BAD_PIN(pin_31_bytes, "does not decode to 32 bytes",
        "sha256/AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ==")
BAD_PIN(pin_33_bytes, "does not decode to 32 bytes",
        "sha256/AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB")
BAD_PIN(pin_hpkp_unquoted, "double quotes", "pin-sha256=" B64)
BAD_PIN(pin_empty, "is empty", "")
BAD_PIN(pin_hex, "does not decode to 32 bytes",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
/* The last pin of a list whose "]" is on the next line. */
CASE(pin_last_in_list, 7, "pin \"sha256/AAAA\" of host",
     "version = 1;\n"
     "hosts = (\n"
     "  {\n"
     "    host = \"a.example\";\n"
     "    pins = [\n"
     "      " P ",\n"
     "      \"sha256/AAAA\"\n"
     "    ];\n"
     "  }\n"
     ");\n")
CASE(pin_hpkp_last_in_list, 6, "pin \"pin-sha256=\"AQEB",
     "version = 1;\n"
     "hosts = (\n"
     "  {\n"
     "    host = \"a.example\";\n"
     "    pins = [ " P ",\n"
     "      \"pin-sha256=\\\"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ==\\\"\"\n"
     "      # the backup key\n"
     "    ];\n"
     "  }\n"
     ");\n")
/* Comma-first lists: the bad pin is the one before the comma... */
CASE(pin_before_comma_line, 4, "pin \"sha256/AAAA\" of host",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    pins = [ \"sha256/AAAA\"\n"
     "           , " P " ]; }\n"
     ");\n")
/* ...or the one after it, on the comma's line. */
CASE(pin_after_comma_line, 5, "pin \"sha256/AAAA\" of host",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    pins = [ " P "\n"
     "           , \"sha256/AAAA\" ]; }\n"
     ");\n")
CASE(no_pins, 3, "has no pins",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    include_subdomains = true; }\n"
     ");\n")
CASE(pins_empty_list, 3, "has no pins",
     "version = 1;\n"
     "hosts = (\n"
     "  {\n"
     "    host = \"a.example\";\n"
     "    pins = [ ];\n"
     "  }\n"
     ");\n")

/* ---- expiry ---------------------------------------------------------- */

#define BAD_EXPIRY(id, value) \
    CASE(id, 5, "'expires' must be a date", \
         "version = 1;\n" \
         "hosts = (\n" \
         "  { host = \"a.example\";\n" \
         "    pins = [ " P " ];\n" \
         "    expires = " value "; }\n" \
         ");\n")
BAD_EXPIRY(expires_format, "\"30/06/2027\"")
BAD_EXPIRY(expires_feb_30, "\"2027-02-30\"")
BAD_EXPIRY(expires_month_13, "\"2027-13-01\"")
BAD_EXPIRY(expires_day_0, "\"2027-06-00\"")
BAD_EXPIRY(expires_hour_24, "\"2027-06-30T24:00:00Z\"")
BAD_EXPIRY(expires_no_zone, "\"2027-06-30T12:00:00\"")
BAD_EXPIRY(expires_space, "\"2027-06-30 12:00:00Z\"")
BAD_EXPIRY(expires_int, "20270630")
BAD_EXPIRY(expires_empty, "\"\"")

/* ---- certs (without files) ------------------------------------------- */

CASE(certs_missing_file, 5, "No such file",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    certs = [\n"
     "      \"missing.pem\" ]; }\n"
     ");\n")
CASE(certs_missing_last_in_list, 6, "missing-too.pem",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    pins = [ " P " ];\n"
     "    certs = [\n"
     "      \"missing-too.pem\"\n"
     "    ]; }\n"
     ");\n")
CASE(certs_not_list, 4, "'certs' must be a list",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    certs = \"a.pem\"; }\n"
     ");\n")
CASE(cert_not_string, 4, "certificate 1 of host \"a.example\" is not a file",
     "version = 1;\n"
     "hosts = (\n"
     "  { host = \"a.example\";\n"
     "    certs = [ 1 ]; }\n"
     ");\n")

/* The missing file is named in the message, resolved against basedir. */
static void certs_missing_names_path(void **state)
{
    (void)state;
    hpt_expect_error(certs_missing_file.text, NOWHERE, 5,
                     "certificate file \"" NOWHERE "/missing.pem\"");
}

/* A path longer than a path can be is refused, never cut short (the part
 * kept could name another file). */
static void long_path(const char *before, const char *after, int line,
                      const char *what)
{
    size_t n = 5000, b = strlen(before), a = strlen(after);
    char *text = malloc(b + n + a + 1);

    assert_non_null(text);
    memcpy(text, before, b);
    memset(text + b, 'a', n);
    memcpy(text + b + n, after, a + 1);
    hpt_expect_error(text, NOWHERE, line, what);
    free(text);
}

static void paths_too_long(void **state)
{
    (void)state;
    long_path("version = 1;\nhosts = (\n  { host = \"a.example\";\n"
              "    pins = [ " P " ];\n    certs = [ \"", "\" ]; }\n);\n", 5,
              "path too long (at most 4095 bytes)");
    long_path("version = 1;\nhosts = (\n  { host = \"a.example\";\n"
              "    anchors = [ \"", "\" ]; }\n);\n", 4,
              "path too long (at most 4095 bytes)");
    long_path("version = 1;\ncerts_dir = \"", "\";\n", 2,
              "path too long (at most 4095 bytes)");
    long_path("version = 1;\ninclude_dir = \"", "\";\n", 2,
              "path too long (at most 4095 bytes)");
    long_path("version = 1;\n@include \"", "\"\n", 2,
              "path too long (at most 2047 bytes)");
}

/* ---- certificate files that exist but hold no certificate ------------- */

static char *tmp;

static int make_tmp(void **state)
{
    (void)state;
    tmp = hpt_tmpdir();
    return 0;
}

static int remove_tmp(void **state)
{
    (void)state;
    hpt_rmdir(tmp);
    tmp = NULL;
    return 0;
}

static void expect_cert_error(const char *file, const char *what)
{
    char text[512];

    snprintf(text, sizeof(text),
             "version = 1;\n"
             "hosts = (\n"
             "  { host = \"a.example\";\n"
             "    pins = [ " P " ];\n"
             "    certs = [ \"%s\" ]; }\n"
             ");\n",
             file);
    hpt_expect_error(text, tmp, 5, what);
}

static void certs_text_file(void **state)
{
    static const char junk[] = "this is not a certificate\n";

    (void)state;
    free(hpt_write(tmp, "notes.txt", junk, sizeof(junk) - 1));
    expect_cert_error("notes.txt", "no certificate could be read");
}

static void certs_empty_file(void **state)
{
    (void)state;
    free(hpt_write(tmp, "empty.pem", "", 0));
    expect_cert_error("empty.pem", "no certificate could be read");
}

static void certs_key_only(void **state)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    char *path;
    FILE *f;

    (void)state;
    assert_non_null(key);
    path = hpt_write(tmp, "key.pem", "", 0);
    assert_non_null(f = fopen(path, "w"));
    assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL),
                     1);
    fclose(f);
    EVP_PKEY_free(key);
    free(path);
    expect_cert_error("key.pem", "no certificate could be read");
}

/* A truncated DER certificate is refused, not half read. */
static void certs_truncated_der(void **state)
{
    X509 *x = hpt_make_cert("truncated");
    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);

    (void)state;
    assert_true(len > 100);
    free(hpt_write(tmp, "cut.der", der, (size_t)len - 10));
    OPENSSL_free(der);
    X509_free(x);
    expect_cert_error("cut.der", "no certificate could be read");
}

/* DER with trailing garbage: the whole file is refused. */
static void certs_der_trailing_garbage(void **state)
{
    X509 *x = hpt_make_cert("garbage");
    unsigned char *der = NULL, *buf;
    int len = i2d_X509(x, &der);

    (void)state;
    assert_true(len > 0);
    assert_non_null(buf = malloc((size_t)len + 4));
    memcpy(buf, der, (size_t)len);
    memcpy(buf + len, "\x30\x03xx", 4);
    free(hpt_write(tmp, "tail.der", buf, (size_t)len + 4));
    free(buf);
    OPENSSL_free(der);
    X509_free(x);
    expect_cert_error("tail.der", "no certificate could be read");
}

static void certs_directory(void **state)
{
    char sub[1024];

    (void)state;
    snprintf(sub, sizeof(sub), "%s/certs.d", tmp);
    assert_int_equal(mkdir(sub, 0700), 0);
    expect_cert_error("certs.d", "is a directory");
}

/* ---- whole files ----------------------------------------------------- */

static void expect_file_error(const char *path, int line, const char *what)
{
    struct hp_pinset_st *ps = (struct hp_pinset_st *)1;
    struct hp_error_st err;
    char msg[1200];

    assert_int_equal(hp_conf_load_file(path, &ps, &err), 0);
    assert_null(ps);
    hp_error_format(&err, msg, sizeof(msg));
    if (strcmp(err.file, path) != 0 || err.line != line ||
        strstr(err.msg, what) == NULL)
        fail_msg("expected %s:%d: ...%s...\n     got %s", path, line, what,
                 msg);
}

static void file_missing(void **state)
{
    char path[1024];

    (void)state;
    snprintf(path, sizeof(path), "%s/absent.conf", tmp);
    expect_file_error(path, 0, "No such file");
}

static void file_is_directory(void **state)
{
    (void)state;
    expect_file_error(tmp, 0, "is a directory");
}

static void file_empty(void **state)
{
    char *path = hpt_write(tmp, "empty.conf", "", 0);

    (void)state;
    expect_file_error(path, 0, "no 'version'");
    free(path);
}

static void file_with_nul(void **state)
{
    static const char text[] = "version = 1;\n\0hosts = ();\n";
    char *path = hpt_write(tmp, "nul.conf", text, sizeof(text) - 1);

    (void)state;
    expect_file_error(path, 0, "NUL byte");
    free(path);
}

static void file_fifo(void **state)
{
    char path[1024];

    (void)state;
    snprintf(path, sizeof(path), "%s/pins.fifo", tmp);
    assert_int_equal(mkfifo(path, 0600), 0);
    /* Must return at once, not wait for a writer. */
    expect_file_error(path, 0, "not a regular file");
}

/* Errors from a real file carry its path and the line. */
static void file_error_line(void **state)
{
    static const char text[] = "version = 1;\n"
                               "hosts = (\n"
                               "  { host = \"a.example\";\n"
                               "    pins = [ \"sha256/abc\" ]; }\n"
                               ");\n";
    char *path = hpt_write(tmp, "bad.conf", text, sizeof(text) - 1);

    (void)state;
    expect_file_error(path, 4, "does not decode to 32 bytes");
    free(path);
}

/* A relative certificate path in a file resolves next to the file, and the
 * message says which path was tried. */
static void file_cert_relative_to_file(void **state)
{
    static const char text[] = "version = 1;\n"
                               "hosts = (\n"
                               "  { host = \"a.example\";\n"
                               "    certs = [ \"gone.pem\" ]; }\n"
                               ");\n";
    char *path = hpt_write(tmp, "rel.conf", text, sizeof(text) - 1);
    char want[1100];

    (void)state;
    snprintf(want, sizeof(want), "\"%s/gone.pem\": No such file", tmp);
    expect_file_error(path, 4, want);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(syntax_missing_comma_between_hosts),
        T(syntax_missing_comma_between_pins),
        T(syntax_missing_value),
        T(syntax_missing_equals),
        T(syntax_unterminated_string),
        T(syntax_unterminated_string_at_end),
        T(syntax_unbalanced_bracket),
        T(syntax_unbalanced_paren),
        T(syntax_extra_brace),
        T(syntax_duplicate_setting),
        T(syntax_include_missing),
        T(no_version),
        T(version_2),
        T(version_string),
        T(version_float),
        T(version_bool),
        T(unknown_top_key),
        T(mode_invalid_global),
        T(mode_wrong_case),
        T(mode_not_string_global),
        T(hosts_not_list),
        T(hosts_group),
        T(host_entry_not_group),
        T(host_entry_list),
        T(unknown_host_key),
        T(host_missing),
        T(host_not_string),
        T(host_empty),
        T(host_wildcard),
        T(host_scheme),
        T(host_port),
        T(host_ipv4_port),
        T(host_ipv6_port),
        T(host_path),
        T(host_space),
        T(host_non_ascii),
        T(host_label_too_long),
        T(host_name_too_long),
        T(host_empty_label),
        T(host_leading_dot),
        T(host_two_trailing_dots),
        T(host_error_in_second_entry),
        T(mode_invalid_host),
        T(mode_not_string_host),
        T(include_subdomains_string),
        T(include_subdomains_int),
        T(include_subdomains_ip),
        T(include_subdomains_ip_dot),
        T(pins_not_list),
        T(pins_group),
        T(pin_not_string),
        T(pin_sha1),
        T(pin_sha384),
        T(pin_base64url),
        T(pin_bad_character),
        T(pin_too_short),
        T(pin_too_long),
        T(pin_31_bytes),
        T(pin_33_bytes),
        T(pin_hpkp_unquoted),
        T(pin_empty),
        T(pin_hex),
        T(pin_last_in_list),
        T(pin_hpkp_last_in_list),
        T(pin_before_comma_line),
        T(pin_after_comma_line),
        T(no_pins),
        T(pins_empty_list),
        T(expires_format),
        T(expires_feb_30),
        T(expires_month_13),
        T(expires_day_0),
        T(expires_hour_24),
        T(expires_no_zone),
        T(expires_space),
        T(expires_int),
        T(expires_empty),
        T(certs_missing_file),
        T(certs_missing_last_in_list),
        T(certs_not_list),
        T(cert_not_string),
        cmocka_unit_test(certs_missing_names_path),
        cmocka_unit_test(paths_too_long),
        cmocka_unit_test(certs_text_file),
        cmocka_unit_test(certs_empty_file),
        cmocka_unit_test(certs_key_only),
        cmocka_unit_test(certs_truncated_der),
        cmocka_unit_test(certs_der_trailing_garbage),
        cmocka_unit_test(certs_directory),
        cmocka_unit_test(file_missing),
        cmocka_unit_test(file_is_directory),
        cmocka_unit_test(file_empty),
        cmocka_unit_test(file_with_nul),
        cmocka_unit_test(file_fifo),
        cmocka_unit_test(file_error_line),
        cmocka_unit_test(file_cert_relative_to_file),
    };

    return cmocka_run_group_tests(tests, make_tmp, remove_tmp);
}
