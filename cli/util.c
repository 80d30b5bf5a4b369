/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the subcommands: messages, names, times, pins. */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <getopt.h>
#include <openssl/bio.h>
#include <openssl/err.h>

#include "cli.h"

void hp_cli_set(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

void hp_cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "hostpin%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int hp_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "hostpin %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'hostpin %s --help'.\n", cmd);
    return HP_EXIT_USAGE;
}

int hp_cli_bad_option(const char *cmd, char **argv, int c)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "?";
    /* For a long option, glibc sets optopt to its value: name it instead. */
    int is_long = strncmp(arg, "--", 2) == 0;
    int len = (int)strcspn(arg, "=");

    if (c == ':') {
        if (is_long || optopt == 0)
            return hp_cli_usage(cmd, "option '%.*s' needs a value", len,
                                arg);
        return hp_cli_usage(cmd, "option '-%c' needs a value", optopt);
    }
    if (is_long && optopt != 0) /* a known option given a value */
        return hp_cli_usage(cmd, "option '%.*s' takes no value", len, arg);
    if (is_long || optopt == 0)
        return hp_cli_usage(cmd, "unknown option '%.*s'", len, arg);
    return hp_cli_usage(cmd, "unknown option '-%c'", optopt);
}

void hp_cli_ssl_errors(char *buf, size_t len)
{
    const char *prev = NULL, *data = NULL;
    size_t pos = strlen(buf);
    unsigned long e;
    int flags = 0;

    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        const char *r = ERR_reason_error_string(e);
        char tmp[32];

        if (r != NULL && prev != NULL && strcmp(prev, r) == 0)
            continue;
        prev = r;
        if (r == NULL) {
            snprintf(tmp, sizeof(tmp), "error %lx", e);
            r = tmp;
        }
        if (pos < len)
            pos += (size_t)snprintf(buf + pos, len - pos, "%s%s%s%s%s",
                                    pos ? "; " : "", r,
                                    (flags & ERR_TXT_STRING) ? " (" : "",
                                    (flags & ERR_TXT_STRING) ? data : "",
                                    (flags & ERR_TXT_STRING) ? ")" : "");
    }
}

void hp_cli_name(const X509_NAME *n, char *buf, size_t len)
{
    BIO *b = BIO_new(BIO_s_mem());
    unsigned long flags = (XN_FLAG_RFC2253 & ~XN_FLAG_SEP_MASK &
                           ~ASN1_STRFLGS_ESC_MSB) |
                          XN_FLAG_SEP_CPLUS_SPC;
    int n_out;

    buf[0] = '\0';
    if (b == NULL)
        return;
    if (X509_NAME_print_ex(b, n, 0, flags) >= 0) {
        n_out = BIO_read(b, buf, (int)len - 1);
        buf[n_out > 0 ? n_out : 0] = '\0';
    }
    BIO_free(b);
    if (buf[0] == '\0')
        snprintf(buf, len, "(empty name)");
}

int hp_cli_x509_pin(const X509 *x, hp_digest d)
{
    unsigned char *der = NULL;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    int ok = len > 0 && hp_spki_digest(der, (size_t)len, d);

    OPENSSL_free(der);
    return ok;
}

int hp_cli_pkey_pin(const EVP_PKEY *k, hp_digest d)
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(k, &der);
    int ok = len > 0 && hp_spki_digest(der, (size_t)len, d);

    OPENSSL_free(der);
    return ok;
}

void hp_cli_time(const ASN1_TIME *t, int iso, char *buf, size_t len)
{
    struct tm tm;

    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
        strftime(buf, len, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S UTC",
                 &tm) == 0)
        snprintf(buf, len, "(unknown)");
}

long hp_cli_days_left(const ASN1_TIME *t)
{
    int days = 0, secs = 0;

    if (t == NULL || !ASN1_TIME_diff(&days, &secs, NULL, t))
        return 0;
    if (days == 0 && secs < 0)
        return -1;
    return days;
}

void hp_cli_date(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%d", &tm) == 0)
        snprintf(buf, len, "(unknown)");
}

void hp_cli_json_print(json_object *o)
{
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                               JSON_C_TO_STRING_SPACED |
                                               JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

json_object *hp_cli_json_str(const char *s)
{
    return s != NULL ? json_object_new_string(s) : NULL;
}

FILE *hp_cli_atomic_open(const char *path, char *tmp, size_t len)
{
    const char *slash = strrchr(path, '/');
    FILE *f;
    int fd;

    /* A hidden name in the same folder: rename() is atomic only within
     * one file system, and readers of *.conf or *.prom skip it. */
    if (slash == NULL)
        snprintf(tmp, len, ".%s.XXXXXX", path);
    else
        snprintf(tmp, len, "%.*s/.%s.XXXXXX", (int)(slash - path), path,
                 slash + 1);
    if ((fd = mkstemp(tmp)) < 0)
        return NULL;
    /* mkstemp makes it 0600: the file is for other users too (a pins
     * file every program reads, node_exporter's collector). */
    if (fchmod(fd, 0644) != 0 || (f = fdopen(fd, "w+")) == NULL) {
        close(fd);
        unlink(tmp);
        return NULL;
    }
    return f;
}

int hp_cli_atomic_commit(FILE *f, const char *tmp, const char *path)
{
    int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;

    ok = fclose(f) == 0 && ok;
    if (ok && path != NULL && rename(tmp, path) == 0)
        return 1;
    if (path == NULL && ok)
        return 1;
    unlink(tmp);
    return 0;
}
