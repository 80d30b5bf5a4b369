/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmarks 4 and 6: the first verification of a fresh process with 1k to
 * 1M hosts (time and resident memory added, with and without the compiled
 * index), the cost of one rule lookup at each size, and memory per host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "bench.h"
#include "hostpin_index.h"

/* The measured part of child-scale, a function of its own so that
 * callgrind can count it alone (--toggle-collect). */
__attribute__((noinline)) int hpb_scale_first(X509_STORE *store, X509 *leaf,
                                              STACK_OF(X509) *untrusted);
__attribute__((noinline)) int hpb_scale_first(X509_STORE *store, X509 *leaf,
                                              STACK_OF(X509) *untrusted)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok;

    X509_STORE_CTX_init(ctx, store, leaf, untrusted);
    X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx),
                                "pinned.test", 0);
    ok = X509_verify_cert(ctx);
    X509_STORE_CTX_free(ctx);
    return ok;
}

/* child-scale DIR: one verification for pinned.test; prints
 * "microseconds rss_added_kb". */
int hpb_scale_child(int argc, char **argv)
{
    char path[1024];
    X509 *root, *inter, *leaf;
    X509_STORE *store = X509_STORE_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    long rss0, rss1;
    double t0, t1;
    int ok;

    if (argc < 2)
        return 2;
    snprintf(path, sizeof(path), "%s/root.pem", argv[1]);
    root = hpb_load_cert(path);
    snprintf(path, sizeof(path), "%s/inter.pem", argv[1]);
    inter = hpb_load_cert(path);
    snprintf(path, sizeof(path), "%s/leaf.pem", argv[1]);
    leaf = hpb_load_cert(path);
    if (root == NULL || inter == NULL || leaf == NULL || store == NULL ||
        untrusted == NULL || !X509_STORE_add_cert(store, root) ||
        !sk_X509_push(untrusted, inter))
        return 1;
    rss0 = hpb_rss_kb();
    t0 = hpb_now();
    ok = hpb_scale_first(store, leaf, untrusted);
    t1 = hpb_now();
    rss1 = hpb_rss_kb();
    if (ok != 1) {
        fprintf(stderr, "first verification failed\n");
        return 1;
    }
    printf("%.1f %ld\n", (t1 - t0) * 1e6, rss1 - rss0);
    return 0;
}

/* child-lookups PINS COUNT: COUNT lookups through the index of PINS
 * (half present names, half absent), in a function callgrind can count. */
__attribute__((noinline)) long hpb_lookup_loop(const struct hp_pinset_st *ps,
                                               char (*names)[40], long n);
__attribute__((noinline)) long hpb_lookup_loop(const struct hp_pinset_st *ps,
                                               char (*names)[40], long n)
{
    long i, found = 0;

    for (i = 0; i < n; i++)
        found += hp_pinset_lookup(ps, names[i], 0) != NULL;
    return found;
}

/* The first pass, not counted. */
__attribute__((noinline)) long hpb_lookup_warm(const struct hp_pinset_st *ps,
                                               char (*names)[40], long n);
__attribute__((noinline)) long hpb_lookup_warm(const struct hp_pinset_st *ps,
                                               char (*names)[40], long n)
{
    long i, found = 0;

    for (i = 0; i < n; i++)
        found += hp_pinset_lookup(ps, names[i], 0) != NULL;
    return found;
}

int hpb_lookups_child(int argc, char **argv)
{
    struct hp_pinset_st *ps = NULL;
    char why[512], (*names)[40];
    long i, n, nhosts;
    unsigned long x = 12345;

    if (argc < 3 || hp_index_open(argv[1], NULL, &ps, why, sizeof(why)) !=
                        HP_INDEX_OK)
        return 1;
    n = atol(argv[2]);
    nhosts = (long)ps->nrules - 1;
    if (n < 1 || nhosts < 1 || (names = calloc((size_t)n, 40)) == NULL)
        return 1;
    for (i = 0; i < n; i++) {
        x = x * 6364136223846793005ul + 1442695040888963407ul;
        if (i % 2)
            snprintf(names[i], 40, "h%07lu.example.net",
                     (x >> 33) % (unsigned long)nhosts);
        else
            snprintf(names[i], 40, "www.x%lu.example.org", x >> 40);
    }
    hpb_lookup_warm(ps, names, n); /* reads and checks the blocks */
    printf("%ld\n", hpb_lookup_loop(ps, names, n));
    free(names);
    hp_pinset_free(ps);
    return 0;
}

static int first_verify(const char *dir, const char *cnf, double *us,
                        double *kb)
{
    char out[256];
    char *argv[] = { (char *)hpb_self(), "child-scale", (char *)dir, NULL };

    if (hpb_run(argv, cnf, out, sizeof(out)) != 0 ||
        sscanf(out, "%lf %lf", us, kb) != 2)
        return 0;
    return 1;
}

/* Nanoseconds per lookup: half existing names, half absent ones, drawn at
 * random (names made beforehand; the second pass is timed, when the
 * index's blocks are read and checked).  Random names miss the CPU caches
 * more as the set grows; *hot gets the cost of one name looked up again
 * and again, which only the algorithm decides. */
static double lookup_ns(const struct hp_pinset_st *ps, long nhosts,
                        long count, double *hot)
{
    char (*names)[40] = malloc((size_t)count * sizeof(*names));
    unsigned long x = 12345;
    double t0, t1 = 0, t;
    long i, found = 0;
    int pass;

    if (names == NULL)
        return -1;
    for (i = 0; i < count; i++) {
        x = x * 6364136223846793005ul + 1442695040888963407ul;
        if (i % 2)
            snprintf(names[i], sizeof(names[i]), "h%07lu.example.net",
                     (x >> 33) % (unsigned long)(nhosts - 1));
        else
            snprintf(names[i], sizeof(names[i]), "www.x%lu.example.org",
                     x >> 40);
    }
    t0 = 0;
    for (pass = 0; pass < 2; pass++) {
        found = 0;
        t0 = hpb_now();
        for (i = 0; i < count; i++)
            found += hp_pinset_lookup(ps, names[i], 0) != NULL;
        t1 = hpb_now();
    }
    if (found < count / 2 - 1)
        fprintf(stderr, "lookups found %ld of %ld\n", found, count / 2);
    t = (t1 - t0) * 1e9 / (double)count;
    t0 = hpb_now();
    for (i = 0; i < count; i++)
        found += hp_pinset_lookup(ps, names[1], 0) != NULL;
    *hot = (hpb_now() - t0) * 1e9 / (double)count;
    free(names);
    return t;
}

/* The least of n figures: on a shared machine the fastest run is the one
 * least disturbed. */
static double least(const double *v, int n)
{
    double m = v[0];
    int i;

    for (i = 1; i < n; i++)
        if (v[i] < m)
            m = v[i];
    return m;
}

static long file_kb(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (long)(st.st_size / 1024) : -1;
}

/* Instructions of the first verification (index) and of one lookup, at
 * each size: repeatable where the timings are not. */
static int scale_callgrind(const struct hpb_opts *o, const char *dir,
                           const char *without, const long *sizes,
                           size_t nsizes)
{
    size_t i;

    printf("\n== first verification of a fresh process and one lookup, "
           "instructions (callgrind)\n");
    printf("%-8s %26s %22s\n", "hosts", "first verification added",
           "per lookup (2nd pass)");
    for (i = 0; i < nsizes; i++) {
        char pins[1100], cnf[1100], n1[32];
        struct hp_error_st err;
        long long w, wo, a;
        long k = o->smoke ? 10 : 20000;
        char *fv[] = { (char *)hpb_self(), "child-scale", (char *)dir, NULL };
        char *l1[] = { (char *)hpb_self(), "child-lookups", pins, n1, NULL };

        snprintf(pins, sizeof(pins), "%s/pins-%ld.conf", dir, sizes[i]);
        snprintf(cnf, sizeof(cnf), "%s/with-%ld.cnf", dir, sizes[i]);
        if (!hpb_write_cnf(cnf, o->module, pins) ||
            !hp_index_write(pins, NULL, o->smoke ? HP_INDEX_NOWAIT : 0,
                            NULL, &err))
            return 1;
        w = hpb_callgrind_in(fv, cnf, "hpb_scale_first");
        wo = hpb_callgrind_in(fv, without, "hpb_scale_first");
        snprintf(n1, sizeof(n1), "%ld", k);
        /* Only the second pass is counted (hpb_lookup_loop). */
        a = hpb_callgrind_in(l1, NULL, "hpb_lookup_loop");
        if (w < 0 || wo < 0 || a < 0)
            return 1;
        printf("%-8ld %26lld %22.0f\n", sizes[i], w - wo,
               (double)a / (double)k);
        fflush(stdout);
    }
    return 0;
}

int hpb_scale(const struct hpb_opts *o)
{
    static const long full[] = { 1000, 10000, 100000, 1000000 };
    static const long smoke[] = { 100, 1000 };
    const long *sizes = o->smoke ? smoke : full;
    size_t nsizes = o->smoke ? 2 : 4, i;
    char dir[1024], inter[1100], pin[64], without[1100];
    long lookups = o->smoke ? 1000 : 200000;

    snprintf(dir, sizeof(dir), "%s/scale", o->work);
    snprintf(inter, sizeof(inter), "%s/inter.pem", dir);
    snprintf(without, sizeof(without), "%s/without.cnf", dir);
    if (hpb_mkdir(dir) != 0 || !hpb_make_pki(dir, "ec") ||
        !hpb_pin_of(inter, pin) || !hpb_write_cnf(without, o->module, NULL))
        return 1;
    /* Every pins file first: the index writer waits until a file's
     * timestamps are 2 s old (see conf/index_write.c), once for all. */
    for (i = 0; i < nsizes; i++) {
        char pins[1100];

        snprintf(pins, sizeof(pins), "%s/pins-%ld.conf", dir, sizes[i]);
        if (!hpb_write_pins(pins, pin, sizes[i] - 1))
            return 1;
    }
    if (o->callgrind)
        return scale_callgrind(o, dir, without, sizes, nsizes);
    printf("\n== first verification of a fresh process (ECDSA chain, "
           "pinned host), added to the same without hostpin (least of "
           "%d runs each)\n", o->smoke ? 1 : 5);
    printf("%-8s %9s %9s %9s %9s  %-17s %-17s\n", "hosts", "index ms",
           "index KB", "parse ms", "parse KB", "lookup ns (index)",
           "lookup ns (parsed)");
    printf("%-8s %9s %9s %9s %9s  %-17s %-17s\n", "", "", "", "", "",
           "random / one name", "random / one name");
    for (i = 0; i < nsizes; i++) {
        char pins[1100], cnf[1100], idx[1200];
        double bus = 0, bkb = 0, ius = 0, ikb = 0, pus = -1, pkb = -1;
        double lidx = -1, lparse = -1, hidx = -1, hparse = -1;
        struct hp_pinset_st *ps = NULL;
        struct hp_error_st err;
        char why[512];
        size_t n = 0;
        int r, rounds = o->smoke ? 1 : 5;
        double v[3][16], k[3][16];

        snprintf(pins, sizeof(pins), "%s/pins-%ld.conf", dir, sizes[i]);
        snprintf(cnf, sizeof(cnf), "%s/with-%ld.cnf", dir, sizes[i]);
        snprintf(idx, sizeof(idx), "%s%s", pins, HP_INDEX_SUFFIX);
        if (!hpb_write_cnf(cnf, o->module, pins))
            return 1;
        /* Parsing: the file alone (1M hosts take seconds and a GB). */
        for (r = 0; sizes[i] <= 100000 && r < rounds; r++) {
            if (!first_verify(dir, without, &v[0][r], &k[0][r]) ||
                !first_verify(dir, cnf, &v[2][r], &k[2][r]))
                return 1;
        }
        if (sizes[i] <= 100000) {
            bus = least(v[0], rounds);
            bkb = least(k[0], rounds);
            pus = least(v[2], rounds) - bus;
            pkb = least(k[2], rounds) - bkb;
        }
        if (!hp_index_write(pins, NULL, o->smoke ? HP_INDEX_NOWAIT : 0, &n,
                            &err)) {
            fprintf(stderr, "index: %s: %s\n", err.file, err.msg);
            return 1;
        }
        for (r = 0; r < rounds; r++) {
            if (!first_verify(dir, without, &v[0][r], &k[0][r]) ||
                !first_verify(dir, cnf, &v[1][r], &k[1][r]))
                return 1;
        }
        bus = least(v[0], rounds);
        bkb = least(k[0], rounds);
        ius = least(v[1], rounds) - bus;
        ikb = least(k[1], rounds) - bkb;
        if (hp_index_open(pins, NULL, &ps, why, sizeof(why)) == HP_INDEX_OK) {
            lidx = lookup_ns(ps, sizes[i], lookups, &hidx);
            hp_pinset_free(ps);
        } else {
            fprintf(stderr, "index: %s\n", why);
        }
        if (sizes[i] <= 100000) {
            if (!hp_conf_load_file(pins, &ps, &err))
                return 1;
            lparse = lookup_ns(ps, sizes[i], lookups, &hparse);
            hp_pinset_free(ps);
        }
        printf("%-8ld %9.2f %9.0f %9.1f %9.0f  %7.0f / %-7.0f %7.0f / %-7.0f\n",
               sizes[i], ius / 1e3, ikb, pus / 1e3, pkb, lidx, hidx, lparse,
               hparse);
        if (sizes[i] == 100000 || (o->smoke && i == nsizes - 1)) {
            long rss0 = hpb_rss_kb(), rss1;

            if (!hp_conf_load_file(pins, &ps, &err))
                return 1;
            rss1 = hpb_rss_kb();
            printf("memory per host at %ld hosts: parsed %.0f bytes "
                   "(RSS), index file %.0f bytes, index resident after "
                   "the first verification %.1f bytes\n",
                   sizes[i], (double)(rss1 - rss0) * 1024 / sizes[i],
                   (double)file_kb(idx) * 1024 / sizes[i],
                   ikb * 1024 / sizes[i]);
            hp_pinset_free(ps);
        }
        fflush(stdout);
        unlink(idx);
    }
    if (!o->smoke)
        printf("targets: 100k hosts <= 10 ms and <= 2048 KB; 1M hosts <= "
               "20 ms; lookup flat\n");
    return 0;
}
