/* SPDX-License-Identifier: Apache-2.0 */
/* Reports: one JSON object per line for each refusal, each would-be refusal
 * in report mode and each interception exemption, with the RFC 7469 report
 * fields and hostpin's own.  Only when the pins file has a `report` group.
 * A report never blocks or fails a handshake: a file that cannot be written
 * falls back to syslog, said once. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "hostpin.h"

#define HP_REPORT_WINDOW 600 /* seconds: one report per host and reason */
#define HP_REPORT_SLOTS 256

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    uint64_t key;
    time_t at;
} recent[HP_REPORT_SLOTS];
static _Atomic int file_failed_noted;

static uint64_t report_key(const char *name, const char *kind, int why)
{
    uint64_t h = 1469598103934665603ull;
    const char *p;

    for (p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    for (p = kind; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return (h ^ (uint64_t)why) * 1099511628211ull;
}

/* 1 if this host and reason were not reported in the last window. */
static int first_in_window(uint64_t key, time_t now)
{
    size_t i, oldest = 0;
    int fresh = 1;

    pthread_mutex_lock(&lock);
    for (i = 0; i < HP_REPORT_SLOTS; i++) {
        if (recent[i].key == key && now - recent[i].at < HP_REPORT_WINDOW) {
            fresh = 0;
            break;
        }
        if (recent[i].at < recent[oldest].at)
            oldest = i;
    }
    if (fresh) {
        recent[oldest].key = key;
        recent[oldest].at = now;
    }
    pthread_mutex_unlock(&lock);
    return fresh;
}

static json_object *pem_array(X509 *first, STACK_OF(X509) *rest)
{
    json_object *a = json_object_new_array();
    int i, n = rest != NULL ? sk_X509_num(rest) : 0;

    for (i = -1; i < n && a != NULL; i++) {
        X509 *x = i < 0 ? first : sk_X509_value(rest, i);
        BIO *b;
        char *data;
        long len;

        if (x == NULL || (b = BIO_new(BIO_s_mem())) == NULL)
            continue;
        if (PEM_write_bio_X509(b, x) &&
            (len = BIO_get_mem_data(b, &data)) > 0)
            json_object_array_add(a, json_object_new_string_len(data,
                                                                (int)len));
        BIO_free(b);
    }
    return a;
}

static void iso_time(time_t t, char out[32])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int peer_port(const struct hp_ssl_api_st *api, const SSL *ssl)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd;

    if (api == NULL || ssl == NULL ||
        (fd = api->get_rfd((const struct ssl_st *)ssl)) < 0 ||
        getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -1;
}

static void add_str(json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, json_object_new_string(v));
}

static void write_line(const struct hp_pinset_st *ps, const char *line)
{
    size_t len = strlen(line);
    int fd, ok = 0;

    if (ps->report_syslog)
        syslog(LOG_AUTH | LOG_NOTICE, "hostpin-report: %s", line);
    if (ps->report_file == NULL)
        return;
    fd = open(ps->report_file,
              O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK |
                  O_NOCTTY,
              0640);
    if (fd >= 0) {
        /* One write of the whole line: O_APPEND keeps lines whole. */
        char buf[65536];

        if (len + 1 <= sizeof(buf)) {
            memcpy(buf, line, len);
            buf[len] = '\n';
            ok = write(fd, buf, len + 1) == (ssize_t)(len + 1);
        }
        close(fd);
    }
    if (!ok) {
        int e = errno;

        if (!atomic_exchange(&file_failed_noted, 1))
            syslog(LOG_AUTH | LOG_WARNING, "hostpin: cannot write reports "
                   "to %s (%s); reports go to syslog", ps->report_file,
                   strerror(e));
        if (!ps->report_syslog)
            syslog(LOG_AUTH | LOG_NOTICE, "hostpin-report: %s", line);
    }
}

void hp_report(const struct hp_pinset_st *ps, const struct hp_verdict_st *v,
               const char *name, const char *kind, const char *message,
               X509_STORE_CTX *ctx, const SSL *ssl,
               const struct hp_ssl_api_st *api,
               const struct hp_cert_info_st *chain, size_t nchain)
{
    static const char *const why[] = {
        [HP_WHY_NONE] = "interception-allowed", [HP_WHY_PIN] = "pin-mismatch",
        [HP_WHY_POLICY] = "policy", [HP_WHY_DENY] = "denied-key"
    };
    static _Atomic int jsonc_noted;
    const struct hp_rule_st *r = v->rule;
    time_t now = time(NULL);
    json_object *o, *pins;
    char when[32], where[600], pin[HP_PIN_STRLEN + 16];
    const char *why_not;
    int port;
    size_t i;

    (void)chain;
    (void)nchain;
    if ((!ps->report_syslog && ps->report_file == NULL) ||
        !first_in_window(report_key(name, kind, v->why), now))
        return;
    /* json-c is opened for the first report (lazy.c). */
    if (!hp_lazy_jsonc(&why_not)) {
        if (!atomic_exchange(&jsonc_noted, 1))
            HP_LOG(LOG_WARNING, "cannot write reports: %s", why_not);
        return;
    }
    if ((o = json_object_new_object()) == NULL)
        return;
    iso_time(now, when);
    add_str(o, "date-time", when);
    add_str(o, "hostname", name);
    if ((port = peer_port(api, ssl)) > 0)
        json_object_object_add(o, "port", json_object_new_int(port));
    if (r != NULL && r->expires != 0) {
        char exp[32];

        iso_time((time_t)r->expires, exp);
        add_str(o, "effective-expiration-date", exp);
    }
    json_object_object_add(o, "include-subdomains",
                           json_object_new_boolean(r != NULL &&
                                                   r->include_subdomains));
    add_str(o, "noted-hostname", r != NULL ? r->host : name);
    json_object_object_add(o, "served-certificate-chain",
                           pem_array(X509_STORE_CTX_get0_cert(ctx),
                                     X509_STORE_CTX_get0_untrusted(ctx)));
    {
        STACK_OF(X509) *built = X509_STORE_CTX_get0_chain(ctx);

        json_object_object_add(o, "validated-certificate-chain",
                               pem_array(NULL, built));
    }
    pins = json_object_new_array();
    for (i = 0; r != NULL && i < r->npins; i++) {
        char b64[HP_PIN_STRLEN];

        hp_pin_format(r->pins[i], b64);
        snprintf(pin, sizeof(pin), "pin-sha256=\"%s\"", b64 + 7);
        json_object_array_add(pins, json_object_new_string(pin));
    }
    json_object_object_add(o, "known-pins", pins);
    add_str(o, "program", program_invocation_short_name);
    json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
    snprintf(where, sizeof(where), "%s:%d",
             v->where_file != NULL ? v->where_file : ps->file,
             v->where_line);
    add_str(o, "rule", where);
    add_str(o, "mode", (r != NULL ? r->mode : ps->mode) == HP_MODE_ENFORCE
                           ? "enforce"
                           : "report");
    add_str(o, "outcome", kind);
    add_str(o, "reason", why[v->why]);
    add_str(o, "message", message);
    write_line(ps, json_object_to_json_string_ext(
                       o, JSON_C_TO_STRING_PLAIN |
                              JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}
