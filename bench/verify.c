/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmark 1: X509_verify_cert of a genuine chain (root -> intermediate ->
 * leaf) with hostpin loaded vs not, for a pinned host, an unpinned host and
 * no host at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "bench.h"

struct chain {
    X509_STORE *store;
    STACK_OF(X509) *untrusted;
    X509 *leaf;
};

static int chain_load(struct chain *c, const char *dir)
{
    char path[1024];
    X509 *root, *inter;

    snprintf(path, sizeof(path), "%s/root.pem", dir);
    root = hpb_load_cert(path);
    snprintf(path, sizeof(path), "%s/inter.pem", dir);
    inter = hpb_load_cert(path);
    snprintf(path, sizeof(path), "%s/leaf.pem", dir);
    c->leaf = hpb_load_cert(path);
    c->store = X509_STORE_new();
    c->untrusted = sk_X509_new_null();
    if (root == NULL || inter == NULL || c->leaf == NULL ||
        c->store == NULL || c->untrusted == NULL ||
        !X509_STORE_add_cert(c->store, root) ||
        !sk_X509_push(c->untrusted, inter))
        return 0;
    X509_free(root);
    return 1;
}

/* One verification as libssl does it: a fresh context each time. */
static int verify_once(const struct chain *c, const char *host)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok;

    if (ctx == NULL ||
        !X509_STORE_CTX_init(ctx, c->store, c->leaf, c->untrusted)) {
        X509_STORE_CTX_free(ctx);
        return 0;
    }
    if (host != NULL)
        X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), host, 0);
    ok = X509_verify_cert(ctx);
    X509_STORE_CTX_free(ctx);
    return ok == 1;
}

/* child-verify DIR HOST|- ITERS: prints nanoseconds per verification. */
int hpb_verify_child(int argc, char **argv)
{
    struct chain c;
    const char *host;
    long i, iters;
    double t0, t1;

    if (argc < 4)
        return 2;
    host = strcmp(argv[2], "-") == 0 ? NULL : argv[2];
    iters = atol(argv[3]);
    memset(&c, 0, sizeof(c));
    if (!chain_load(&c, argv[1])) {
        fprintf(stderr, "cannot load the chain in %s\n", argv[1]);
        return 1;
    }
    /* The first verification loads the pins file: not measured. */
    if (!verify_once(&c, host)) {
        fprintf(stderr, "verification failed\n");
        return 1;
    }
    t0 = hpb_now();
    for (i = 0; i < iters; i++)
        if (!verify_once(&c, host)) {
            fprintf(stderr, "verification failed\n");
            return 1;
        }
    t1 = hpb_now();
    printf("%.1f\n", iters > 0 ? (t1 - t0) * 1e9 / (double)iters : 0.0);
    return 0;
}

static double measure(const struct hpb_opts *o, const char *dir,
                      const char *host, const char *cnf)
{
    char *argv[] = { (char *)hpb_self(), "child-verify", (char *)dir,
                     (char *)(host ? host : "-"), NULL, NULL };

    return hpb_side(o, argv, 4, cnf, o->smoke ? 2 : 200);
}

int hpb_verify(const struct hpb_opts *o)
{
    static const char *algs[] = { "ec", "rsa" };
    static const struct {
        const char *name, *host;
        double target;
    } cases[] = {
        { "pinned host", "pinned.test", 1.02 },
        { "unpinned host", "free.test", 1.005 },
        { "no host", NULL, 1.005 },
    };
    struct hpb_case cs = { "", "", "" };
    size_t a, k;

    hpb_header(o->callgrind ? "X509_verify_cert: instructions per "
                              "verification (callgrind)"
                            : "X509_verify_cert: time per verification "
                              "(median of alternating runs)");
    for (a = 0; a < 2; a++) {
        if (!hpb_case_setup(o, "verify", algs[a], &cs))
            return 1;
        for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
            double w[64], wo[64], mw, mwo;
            char name[128];
            int r, rounds = o->callgrind ? 1 : o->rounds;

            snprintf(name, sizeof(name), "%s, %s", cases[k].name,
                     a == 0 ? "ECDSA P-256" : "RSA-2048");
            if (o->only != NULL && strstr(name, o->only) == NULL)
                continue;
            for (r = 0; r < rounds && r < 64; r++) {
                wo[r] = measure(o, cs.dir, cases[k].host, cs.without);
                w[r] = measure(o, cs.dir, cases[k].host, cs.with);
                if (w[r] < 0 || wo[r] < 0) {
                    fprintf(stderr, "%s: a run failed\n", name);
                    return 1;
                }
            }
            mw = hpb_median(w, r);
            mwo = hpb_median(wo, r);
            hpb_ratio(name, mw, mwo, o->callgrind ? "instr" : "ns",
                      o->smoke || !o->callgrind ? 0 : cases[k].target);
        }
    }
    return 0;
}
