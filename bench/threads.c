/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmark 5: verifications per second on 1 and 2 threads, pinned host,
 * with hostpin (and without, for reference). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "bench.h"

struct shared {
    X509_STORE *store;
    STACK_OF(X509) *untrusted;
    X509 *leaf;
    long iters;
    int failed;
};

static void *worker(void *arg)
{
    struct shared *s = arg;
    long i;

    for (i = 0; i < s->iters; i++) {
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();

        if (ctx == NULL ||
            !X509_STORE_CTX_init(ctx, s->store, s->leaf, s->untrusted)) {
            s->failed = 1;
            X509_STORE_CTX_free(ctx);
            break;
        }
        X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx),
                                    "pinned.test", 0);
        if (X509_verify_cert(ctx) != 1)
            s->failed = 1;
        X509_STORE_CTX_free(ctx);
    }
    return NULL;
}

/* child-threads DIR NTHREADS ITERS: verifications per second overall. */
int hpb_threads_child(int argc, char **argv)
{
    struct shared s;
    pthread_t t[16];
    char path[1024];
    X509 *root, *inter;
    int n, i;
    double t0, t1;

    if (argc < 4)
        return 2;
    n = atoi(argv[2]);
    if (n < 1 || n > 16)
        return 2;
    memset(&s, 0, sizeof(s));
    snprintf(path, sizeof(path), "%s/root.pem", argv[1]);
    root = hpb_load_cert(path);
    snprintf(path, sizeof(path), "%s/inter.pem", argv[1]);
    inter = hpb_load_cert(path);
    snprintf(path, sizeof(path), "%s/leaf.pem", argv[1]);
    s.leaf = hpb_load_cert(path);
    s.store = X509_STORE_new();
    s.untrusted = sk_X509_new_null();
    if (root == NULL || inter == NULL || s.leaf == NULL || s.store == NULL ||
        s.untrusted == NULL || !X509_STORE_add_cert(s.store, root) ||
        !sk_X509_push(s.untrusted, inter))
        return 1;
    s.iters = 1; /* the first verification loads the pins file */
    worker(&s);
    s.iters = atol(argv[3]);
    t0 = hpb_now();
    for (i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, worker, &s) != 0)
            return 1;
    for (i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    t1 = hpb_now();
    if (s.failed) {
        fprintf(stderr, "a verification failed\n");
        return 1;
    }
    printf("%.1f\n", (double)n * (double)s.iters / (t1 - t0));
    return 0;
}

int hpb_threads(const struct hpb_opts *o)
{
    static const char *algs[] = { "ec", "rsa" };
    struct hpb_case cs = { "", "", "" };
    char iters[32];
    size_t a;

    if (o->callgrind)
        return 0; /* a wall-clock measure by nature */
    hpb_header("threads: verifications per second, 2 threads / 1 thread");
    snprintf(iters, sizeof(iters), "%ld", o->smoke ? 3 : o->iters);
    for (a = 0; a < 2; a++) {
        const char *cnfs[2];
        int c;

        if (!hpb_case_setup(o, "threads", algs[a], &cs))
            return 1;
        double scaling[2] = { 0, 0 };

        cnfs[0] = cs.with;
        cnfs[1] = cs.without;
        for (c = 0; c < 2; c++) {
            double one[64], two[64];
            char name[128], out[128];
            int r, rounds = o->smoke ? 1 : o->rounds;

            snprintf(name, sizeof(name), "pinned host, %s, %s hostpin",
                     a == 0 ? "ECDSA P-256" : "RSA-2048",
                     c == 0 ? "with" : "without");
            if (o->only != NULL && strstr(name, o->only) == NULL)
                continue;
            for (r = 0; r < rounds && r < 64; r++) {
                char *argv1[] = { (char *)hpb_self(), "child-threads",
                                  cs.dir, "1", iters, NULL };
                char *argv2[] = { (char *)hpb_self(), "child-threads",
                                  cs.dir, "2", iters, NULL };

                if (hpb_run(argv1, cnfs[c], out, sizeof(out)) != 0)
                    return 1;
                one[r] = atof(out);
                if (hpb_run(argv2, cnfs[c], out, sizeof(out)) != 0)
                    return 1;
                two[r] = atof(out);
            }
            hpb_ratio(name, hpb_median(two, r), hpb_median(one, r),
                      "verif/s", 0);
            scaling[c] = hpb_median(two, r) / hpb_median(one, r);
        }
        if (scaling[0] > 0 && scaling[1] > 0)
            printf("%-44s %8.4f  (2-thread gain with / without hostpin)\n",
                   "  hostpin's share of the scaling", scaling[0] / scaling[1]);
    }
    if (!o->smoke)
        printf("target: >= 1.8 with hostpin (a wall-clock figure: "
               "meaningful only on an otherwise idle machine)\n");
    return 0;
}
