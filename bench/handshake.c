/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmark 2: a full TLS 1.3 handshake, client and server in one process
 * over a BIO pair, for a pinned host, with vs without hostpin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench.h"

struct pair {
    SSL_CTX *cctx, *sctx;
};

static int pair_setup(struct pair *p, const char *dir)
{
    char path[1024];
    X509 *inter;

    p->cctx = SSL_CTX_new(TLS_client_method());
    p->sctx = SSL_CTX_new(TLS_server_method());
    if (p->cctx == NULL || p->sctx == NULL)
        return 0;
    SSL_CTX_set_min_proto_version(p->cctx, TLS1_3_VERSION);
    SSL_CTX_set_min_proto_version(p->sctx, TLS1_3_VERSION);
    /* Every handshake full: no tickets, no session cache. */
    SSL_CTX_set_options(p->sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(p->sctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_session_cache_mode(p->cctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_verify(p->cctx, SSL_VERIFY_PEER, NULL);
    snprintf(path, sizeof(path), "%s/root.pem", dir);
    if (SSL_CTX_load_verify_locations(p->cctx, path, NULL) != 1)
        return 0;
    snprintf(path, sizeof(path), "%s/leaf.pem", dir);
    if (SSL_CTX_use_certificate_file(p->sctx, path, SSL_FILETYPE_PEM) != 1)
        return 0;
    snprintf(path, sizeof(path), "%s/leaf.key", dir);
    if (SSL_CTX_use_PrivateKey_file(p->sctx, path, SSL_FILETYPE_PEM) != 1)
        return 0;
    snprintf(path, sizeof(path), "%s/inter.pem", dir);
    if ((inter = hpb_load_cert(path)) == NULL ||
        SSL_CTX_add0_chain_cert(p->sctx, inter) != 1)
        return 0;
    return 1;
}

/* One handshake; 1 if both sides finished and the client verified. */
static int handshake(const struct pair *p, const char *host)
{
    SSL *c = SSL_new(p->cctx), *s = SSL_new(p->sctx);
    BIO *cb = NULL, *sb = NULL;
    int i, cdone = 0, sdone = 0, ok = 0;

    if (c == NULL || s == NULL || !BIO_new_bio_pair(&cb, 0, &sb, 0))
        goto out;
    SSL_set_bio(c, cb, cb);
    SSL_set_bio(s, sb, sb);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    if (SSL_set1_host(c, host) != 1 ||
        SSL_set_tlsext_host_name(c, host) != 1)
        goto out;
    for (i = 0; i < 100 && !(cdone && sdone); i++) {
        int r;

        if (!cdone) {
            r = SSL_do_handshake(c);
            if (r == 1)
                cdone = 1;
            else if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ)
                goto out;
        }
        if (!sdone) {
            r = SSL_do_handshake(s);
            if (r == 1)
                sdone = 1;
            else if (SSL_get_error(s, r) != SSL_ERROR_WANT_READ)
                goto out;
        }
    }
    ok = cdone && sdone && SSL_get_verify_result(c) == X509_V_OK &&
         SSL_version(c) == TLS1_3_VERSION;
out:
    SSL_free(c);
    SSL_free(s);
    return ok;
}

/* child-handshake DIR HOST ITERS: nanoseconds per handshake. */
int hpb_handshake_child(int argc, char **argv)
{
    struct pair p;
    long i, iters;
    double t0, t1;

    if (argc < 4)
        return 2;
    iters = atol(argv[3]);
    memset(&p, 0, sizeof(p));
    if (!pair_setup(&p, argv[1]) || !handshake(&p, argv[2])) {
        fprintf(stderr, "handshake set-up failed\n");
        ERR_print_errors_fp(stderr);
        return 1;
    }
    t0 = hpb_now();
    for (i = 0; i < iters; i++)
        if (!handshake(&p, argv[2])) {
            fprintf(stderr, "handshake failed\n");
            ERR_print_errors_fp(stderr);
            return 1;
        }
    t1 = hpb_now();
    printf("%.1f\n", iters > 0 ? (t1 - t0) * 1e9 / (double)iters : 0.0);
    SSL_CTX_free(p.cctx);
    SSL_CTX_free(p.sctx);
    return 0;
}

int hpb_handshake(const struct hpb_opts *o)
{
    static const char *algs[] = { "ec", "rsa" };
    struct hpb_case cs = { "", "", "" };
    size_t a;

    hpb_header(o->callgrind ? "TLS 1.3 handshake: instructions per "
                              "handshake (callgrind)"
                            : "TLS 1.3 handshake: time per handshake "
                              "(median of alternating runs)");
    for (a = 0; a < 2; a++) {
        double w[64], wo[64];
        char name[128];
        int r, rounds = o->callgrind ? 1 : o->rounds;
        char *argv[] = { (char *)hpb_self(), "child-handshake", cs.dir,
                         "pinned.test", NULL, NULL };

        snprintf(name, sizeof(name), "pinned host, %s",
                 a == 0 ? "ECDSA P-256" : "RSA-2048");
        if (o->only != NULL && strstr(name, o->only) == NULL)
            continue;
        if (!hpb_case_setup(o, "handshake", algs[a], &cs))
            return 1;
        for (r = 0; r < rounds && r < 64; r++) {
            long k = o->smoke ? 1 : 20;

            wo[r] = hpb_side(o, argv, 4, cs.without, k);
            w[r] = hpb_side(o, argv, 4, cs.with, k);
            if (w[r] < 0 || wo[r] < 0) {
                fprintf(stderr, "%s: a run failed\n", name);
                return 1;
            }
        }
        hpb_ratio(name, hpb_median(w, r), hpb_median(wo, r),
                  o->callgrind ? "instr" : "ns", o->smoke || !o->callgrind ? 0 : 1.005);
    }
    return 0;
}
