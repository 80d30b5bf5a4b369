/* SPDX-License-Identifier: Apache-2.0 */
/* Connecting to a live server for `fetch` and `check`: TCP with a timeout,
 * a TLS handshake that goes on whatever the verification result, and both
 * chains (as sent, as built) kept for the caller. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cli.h"

#define HP_DEFAULT_TIMEOUT 10

void hp_cli_target_init(struct hp_target_st *t)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->port, sizeof(t->port), "443");
    t->timeout = HP_DEFAULT_TIMEOUT;
}

int hp_cli_tls_option(const char *cmd, struct hp_target_st *t, int opt,
                      const char *arg)
{
    char *end;
    long v;

    switch (opt) {
    case HP_OPT_SERVERNAME:
        t->servername = arg;
        return 1;
    case HP_OPT_CONNECT:
        t->connect = arg;
        return 1;
    case HP_OPT_CAFILE:
        t->cafile = arg;
        return 1;
    case HP_OPT_TIMEOUT:
        v = strtol(arg, &end, 10);
        if (*arg == '\0' || *end != '\0' || v < 1 || v > 3600) {
            hp_cli_usage(cmd, "--timeout wants whole seconds from 1 to "
                              "3600, not '%s'", arg);
            return -1;
        }
        t->timeout = (int)v;
        return 1;
    default:
        return 0;
    }
}

/* Split HOST[:PORT] without judging HOST. */
static int split_target(const char *arg, char *host, size_t hlen, char *port,
                        size_t plen, const char **why)
{
    const char *colon = strrchr(arg, ':'), *p = NULL;
    size_t n;

    *why = NULL;
    if (strstr(arg, "://") != NULL || strchr(arg, '/') != NULL) {
        *why = "give HOST[:PORT], not a URL";
        return 0;
    }
    if (arg[0] == '[') {
        const char *rb = strchr(arg, ']');

        if (rb == NULL || (rb[1] != '\0' && rb[1] != ':')) {
            *why = "an IPv6 address in brackets must look like [ADDR] or "
                   "[ADDR]:PORT";
            return 0;
        }
        n = (size_t)(rb - arg - 1);
        p = rb[1] == ':' ? rb + 2 : NULL;
        arg++;
    } else if (colon != NULL && strchr(arg, ':') == colon) {
        n = (size_t)(colon - arg);
        p = colon + 1;
    } else {
        n = strlen(arg); /* no port, or a bare IPv6 address */
    }
    if (n == 0 || n >= hlen) {
        *why = n == 0 ? "the host is empty" : "the host is too long";
        return 0;
    }
    memcpy(host, arg, n);
    host[n] = '\0';
    if (p != NULL) {
        char *end;
        long v = strtol(p, &end, 10);

        if (*p == '\0' || *end != '\0' || v < 1 || v > 65535) {
            *why = "the port must be a number from 1 to 65535";
            return 0;
        }
        snprintf(port, plen, "%ld", v);
    }
    return 1;
}

int hp_cli_parse_target(const char *cmd, const char *arg,
                        struct hp_target_st *t)
{
    char norm[HP_NAME_MAX];
    const char *why;
    int is_ip;

    if (!split_target(arg, t->host, sizeof(t->host), t->port,
                      sizeof(t->port), &why)) {
        hp_cli_usage(cmd, "'%s': %s", arg, why);
        return 0;
    }
    if (hp_name_normalize(t->host, strlen(t->host), norm, &is_ip) < 0) {
        hp_cli_usage(cmd, "'%s' is not a host name or an IP address", arg);
        return 0;
    }
    return 1;
}

static int is_ip_literal(const char *s)
{
    unsigned char a[16];

    return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* Non-blocking connect bounded by the timeout; the socket or -1. */
static int tcp_connect(const char *host, const char *port, int timeout,
                       struct hp_conn_st *c)
{
    struct addrinfo hints, *res = NULL, *ai;
    int fd = -1, rc, err = 0;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(c->error, sizeof(c->error), "cannot resolve \"%s\": %s "
                 "(check the name, or give an address with --connect)",
                 host, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        struct pollfd pfd;
        socklen_t sl = sizeof(err);
        char addr[INET6_ADDRSTRLEN] = "?";
        const void *a = ai->ai_family == AF_INET6
            ? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
            : (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;

        inet_ntop(ai->ai_family, a, addr, sizeof(addr));
        snprintf(c->address, sizeof(c->address),
                 ai->ai_family == AF_INET6 ? "[%s]:%s" : "%s:%s", addr, port);
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            err = 0;
        } else if (errno != EINPROGRESS) {
            err = errno;
        } else {
            pfd.fd = fd;
            pfd.events = POLLOUT;
            rc = poll(&pfd, 1, timeout * 1000);
            if (rc == 0)
                err = ETIMEDOUT;
            else if (rc < 0 ||
                     getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0)
                err = errno;
        }
        if (err != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(c->error, sizeof(c->error), "cannot connect to %s: %s "
                 "(is the server running and the port right?)", c->address,
                 strerror(err));
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    {
        struct timeval tv = { timeout, 0 };

        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    }
    return fd;
}

/* Record the first problem and go on: the caller wants the whole chain and
 * judges the result itself (SSL_get_verify_result keeps the last one). */
static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(ctx,
                                          SSL_get_ex_data_X509_STORE_CTX_idx());
    struct hp_conn_st *c = ssl != NULL ? SSL_get_app_data(ssl) : NULL;

    if (!ok && c != NULL && c->first_error == 0) {
        c->first_error = X509_STORE_CTX_get_error(ctx);
        c->first_error_depth = X509_STORE_CTX_get_error_depth(ctx);
    }
    return 1;
}

static SSL_CTX *make_ctx(const struct hp_target_st *t, struct hp_conn_st *c)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (ctx == NULL) {
        snprintf(c->error, sizeof(c->error), "cannot set up TLS: ");
        hp_cli_ssl_errors(c->error, sizeof(c->error));
        return NULL;
    }
    if (t->cafile != NULL
            ? SSL_CTX_load_verify_locations(ctx, t->cafile, NULL) != 1
            : SSL_CTX_set_default_verify_paths(ctx) != 1) {
        snprintf(c->error, sizeof(c->error), "cannot load the trusted CAs%s"
                 "%s%s: ", t->cafile ? " from \"" : "",
                 t->cafile ? t->cafile : "", t->cafile ? "\"" : "");
        hp_cli_ssl_errors(c->error, sizeof(c->error));
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (t->anchors != NULL) {
        X509_STORE *st = SSL_CTX_get_cert_store(ctx);
        size_t i;

        for (i = 0; i < t->anchors->n; i++) {
            const unsigned char *p = t->anchors->v[i].der;
            X509 *x = d2i_X509(NULL, &p, (long)t->anchors->v[i].len);

            if (x == NULL || X509_STORE_add_cert(st, x) != 1) {
                snprintf(c->error, sizeof(c->error), "cannot trust the "
                         "anchor \"%s\": ", t->anchors->v[i].file);
                hp_cli_ssl_errors(c->error, sizeof(c->error));
                X509_free(x);
                SSL_CTX_free(ctx);
                return NULL;
            }
            X509_free(x);
        }
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
    return ctx;
}

static int handshake(const struct hp_target_st *t, SSL *ssl, int fd,
                     struct hp_conn_st *c)
{
    const char *sni = t->servername;
    int ver;

    if (sni == NULL && !is_ip_literal(t->host))
        sni = t->host;
    if (sni != NULL && *sni != '\0') {
        snprintf(c->sni, sizeof(c->sni), "%s", sni);
        SSL_set_tlsext_host_name(ssl, sni);
    }
    /* Check the name as a client would: host or IP (SSL_set1_host tells
     * them apart). */
    SSL_set1_host(ssl, t->host);
    SSL_set_app_data(ssl, c);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) {
        snprintf(c->error, sizeof(c->error), "TLS handshake with %s failed",
                 c->address);
        if (ERR_peek_error() != 0) {
            snprintf(c->error + strlen(c->error),
                     sizeof(c->error) - strlen(c->error), ": ");
            hp_cli_ssl_errors(c->error, sizeof(c->error));
        } else {
            snprintf(c->error + strlen(c->error),
                     sizeof(c->error) - strlen(c->error),
                     ": the connection was closed or timed out (is it a "
                     "TLS port?)");
        }
        return 0;
    }
    ver = SSL_version(ssl);
    snprintf(c->protocol, sizeof(c->protocol), "%s",
             ver == TLS1_3_VERSION   ? "TLSv1.3"
             : ver == TLS1_2_VERSION ? "TLSv1.2"
                                     : SSL_get_version(ssl));
    c->verify_result = SSL_get_verify_result(ssl);
    if (SSL_get_peer_cert_chain(ssl) != NULL)
        c->sent = X509_chain_up_ref(SSL_get_peer_cert_chain(ssl));
    if (SSL_get0_verified_chain(ssl) != NULL)
        c->built = X509_chain_up_ref(SSL_get0_verified_chain(ssl));
    if (c->sent == NULL || sk_X509_num(c->sent) == 0) {
        snprintf(c->error, sizeof(c->error), "%s sent no certificate",
                 c->address);
        return 0;
    }
    SSL_shutdown(ssl);
    return 1;
}

int hp_cli_connect(const struct hp_target_st *t, struct hp_conn_st *c)
{
    char chost[HP_NAME_MAX + 2], cport[8];
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    int fd = -1, ok = 0;

    memset(c, 0, sizeof(*c));
    ERR_clear_error();
    snprintf(chost, sizeof(chost), "%s", t->host);
    snprintf(cport, sizeof(cport), "%s", t->port);
    if (t->connect != NULL) {
        const char *why;

        if (!split_target(t->connect, chost, sizeof(chost), cport,
                          sizeof(cport), &why)) {
            snprintf(c->error, sizeof(c->error), "--connect '%s': %s",
                     t->connect, why);
            return 0;
        }
    }
    if ((ctx = make_ctx(t, c)) == NULL)
        return 0;
    if ((fd = tcp_connect(chost, cport, t->timeout, c)) < 0)
        goto out;
    if ((ssl = SSL_new(ctx)) == NULL) {
        snprintf(c->error, sizeof(c->error), "cannot set up TLS: ");
        hp_cli_ssl_errors(c->error, sizeof(c->error));
        goto out;
    }
    ok = handshake(t, ssl, fd, c);
out:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    if (fd >= 0)
        close(fd);
    ERR_clear_error();
    return ok;
}

void hp_cli_conn_free(struct hp_conn_st *c)
{
    sk_X509_pop_free(c->sent, X509_free);
    sk_X509_pop_free(c->built, X509_free);
    c->sent = c->built = NULL;
}

const char *hp_cli_verify_error(long code)
{
    return X509_verify_cert_error_string(code);
}
