/* SPDX-License-Identifier: Apache-2.0 */
/* The names of a verification's connection, read off OpenSSL's objects
 * for the name rule (conf/names.c): the names the client gave, and when
 * it gave no usable one, the peer's address and the leaf's names. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hostpin.h"
#include "hostpin_index.h"

/* The peer address under the SSL's socket. */
static void add_peer_ip(struct hp_names_st *nm, const struct hp_ssl_api_st *api,
                        const SSL *ssl)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd = api->get_rfd((const struct ssl_st *)ssl);

    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
        return;
    if (ss.ss_family == AF_INET)
        hp_names_add_ip(nm, (const unsigned char *)&((struct sockaddr_in *)&ss)
                                ->sin_addr, 4);
    else if (ss.ss_family == AF_INET6)
        hp_names_add_ip(nm, (const unsigned char *)&(
                                (struct sockaddr_in6 *)&ss)->sin6_addr, 16);
}

/* Every name the leaf certifies, as X509_check_host and X509_check_ip
 * would accept it: each DNS and IP subjectAltName, and the subject's
 * common names when there is no DNS subjectAltName. */
static void add_leaf_names(X509_STORE_CTX *ctx, const struct hp_pinset_st *ps,
                           struct hp_names_st *nm, int want_ip)
{
    X509 *leaf = X509_STORE_CTX_get0_cert(ctx);
    GENERAL_NAMES *gens;
    const X509_NAME *subj;
    int i, n, crit = -1, dns = 0;

    if (leaf == NULL)
        return;
    gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, &crit, NULL);
    /* NULL with crit -1: no such extension; otherwise it could not be
     * decoded (or is there twice): refuse rather than guess. */
    if (gens == NULL && crit != -1) {
        nm->incomplete = 1;
        return;
    }
    n = gens != NULL ? sk_GENERAL_NAME_num(gens) : 0;
    for (i = 0; i < n; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

        if (g->type == GEN_DNS) {
            dns = 1;
            hp_names_add_cert_dns(nm, ps,
                                  (const char *)ASN1_STRING_get0_data(
                                      g->d.dNSName),
                                  (size_t)ASN1_STRING_length(g->d.dNSName));
        } else if (g->type == GEN_IPADD && want_ip) {
            hp_names_add_ip(nm, ASN1_STRING_get0_data(g->d.iPAddress),
                            (size_t)ASN1_STRING_length(g->d.iPAddress));
        }
    }
    GENERAL_NAMES_free(gens);
    if (dns || (subj = X509_get_subject_name(leaf)) == NULL)
        return;
    for (i = -1; (i = X509_NAME_get_index_by_NID(subj, NID_commonName, i)) >=
                 0;) {
        const ASN1_STRING *cn =
            X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i));
        unsigned char *u = NULL;
        int len = ASN1_STRING_to_UTF8(&u, cn);

        if (len > 0)
            hp_names_add_cert_dns(nm, ps, (const char *)u, (size_t)len);
        OPENSSL_free(u);
    }
}

/* The names the client gave (DESIGN 3.1): every host of the verify
 * parameters, their IP, and the SNI name.  *ip receives the IP's text,
 * which the caller frees. */
static void given_names(X509_STORE_CTX *ctx, const struct hp_ssl_api_st *api,
                        const SSL *ssl, struct hp_names_st *nm, char **ip,
                        int want_ip)
{
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    const char *h;
    int i;

    for (i = 0; (h = X509_VERIFY_PARAM_get0_host(param, i)) != NULL; i++)
        hp_names_given(nm, h, 0);
    if (want_ip) {
        /* SSL_set1_host("127.0.0.1") stores an IP, not a host.  With no
         * IP set the getter pushes "passed a null parameter", which
         * programs such as curl would then print as the reason of a
         * failure: drop it. */
        ERR_set_mark();
        *ip = X509_VERIFY_PARAM_get1_ip_asc(param);
        if (*ip == NULL) {
            /* NULL is also what an allocation failure returns: only the
             * "no IP" error means there is none, anything else fails
             * closed. */
            unsigned long e = ERR_peek_last_error();

            if (ERR_GET_REASON(e) != ERR_R_PASSED_NULL_PARAMETER)
                nm->incomplete = 1;
        }
        ERR_pop_to_mark();
        hp_names_given(nm, *ip, 0);
    }
    if (ssl != NULL)
        hp_names_given(nm, api->servername((const struct ssl_st *)ssl,
                                           TLSEXT_NAMETYPE_host_name), 1);
}

/* No usable name from the client: it may accept the certificate for any
 * name the certificate carries, so those decide, with the peer's address
 * (DESIGN 3.1). */
void hp_conn_fallback(struct hp_conn_st *c, const struct hp_pinset_st *ps)
{
    int want_ip = hp_pinset_ip_matters(ps);
    c->nm.from_cert = 1;
    if (c->ssl != NULL && want_ip)
        add_peer_ip(&c->nm, c->api, c->ssl);
    c->cert_from = c->nm.n;
    if (ps->nrules > 0 || want_ip)
        add_leaf_names(c->ctx, ps, &c->nm, want_ip);
}

void hp_conn_names(struct hp_conn_st *c, int want_ip)
{
    hp_names_free(&c->nm);
    OPENSSL_free(c->ip);
    c->ip = NULL;
    c->ip_read = want_ip;
    given_names(c->ctx, c->api, c->ssl, &c->nm, &c->ip, want_ip);
}

void hp_conn_free(struct hp_conn_st *c)
{
    hp_names_free(&c->nm);
    OPENSSL_free(c->ip);
}

