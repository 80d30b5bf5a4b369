/* A program that verifies certificate chains the way libssl does, with
 * hostpin loaded from an explicit openssl.cnf (argv, not the environment:
 * a setuid program ignores OPENSSL_CONF).
 *
 * usage: verify_prog oom   CNF ROOTS INTER GENUINE IMPOSTOR HOST
 *        verify_prog loop  CNF ROOTS INTER GENUINE IMPOSTOR HOST N
 *        verify_prog once  CNF ROOTS INTER GENUINE IMPOSTOR HOST
 *
 * oom:  counts the allocations of one verification of the impostor chain,
 *       then repeats it failing the Nth allocation for every N; the result
 *       must never be success, nothing may crash, and every allocation made
 *       during a failed verification must be freed again.
 * loop: N verifications (genuine and impostor alternating), each with the
 *       expected result; prints the resident memory growth between the
 *       first tenth and the end (for valgrind and a flatness check).
 * once: one genuine and one impostor verification; exit 0 if as expected. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

static long alloc_count, fail_at = -1, live;

static void *t_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    if (++alloc_count == fail_at)
        return NULL;
    live++;
    return malloc(n);
}

static void *t_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    if (++alloc_count == fail_at)
        return NULL;
    if (p == NULL)
        live++;
    return realloc(p, n);
}

static void t_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    if (p != NULL)
        live--;
    free(p);
}

static X509 *load_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

    if (f)
        fclose(f);
    if (x == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    return x;
}

static X509_STORE *store;
static STACK_OF(X509) *untrusted;

/* 1 verified, 0 refused, -1 could not even set up. */
static int verify(X509 *leaf, const char *host)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int r = -1;

    if (ctx == NULL)
        return -1;
    if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) &&
        X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), host,
                                    0))
        r = X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return r;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;

    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * 4;
}

int main(int argc, char **argv)
{
    OPENSSL_INIT_SETTINGS *init;
    X509 *genuine, *impostor, *inter;
    const char *mode, *host;
    int rc = 0;

    if (argc < 8) {
        fprintf(stderr, "usage: see the header of verify_prog.c\n");
        return 2;
    }
    mode = argv[1];
    host = argv[7];
    if (strcmp(mode, "oom") == 0 &&
        !CRYPTO_set_mem_functions(t_malloc, t_realloc, t_free)) {
        fprintf(stderr, "cannot set memory functions\n");
        return 2;
    }
    init = OPENSSL_INIT_new();
    OPENSSL_INIT_set_config_filename(init, argv[2]);
    OPENSSL_INIT_set_config_file_flags(init, 0);
    if (!OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, init)) {
        fprintf(stderr, "cannot load %s\n", argv[2]);
        return 2;
    }
    OPENSSL_INIT_free(init);

    store = X509_STORE_new();
    untrusted = sk_X509_new_null();
    if (store == NULL || untrusted == NULL ||
        !X509_STORE_load_file(store, argv[3]))
        return 2;
    inter = load_cert(argv[4]);
    sk_X509_push(untrusted, inter);
    genuine = load_cert(argv[5]);
    impostor = load_cert(argv[6]);

    /* Also loads the pins file and resolves what hostpin resolves once. */
    if (verify(genuine, host) != 1 || verify(impostor, host) != 0) {
        fprintf(stderr, "setup: genuine must verify, impostor must not\n");
        return 1;
    }
    if (strcmp(mode, "once") == 0) {
        printf("genuine verified, impostor refused\n");
    } else if (strcmp(mode, "oom") == 0) {
        long total, n, refused = 0, pass, live_after[2];

        alloc_count = 0;
        verify(impostor, host);
        total = alloc_count;
        /* Two sweeps: OpenSSL creates some caches on a later call, so one
         * sweep's balance is noisy; a leak on an error path repeats, so the
         * second sweep must leave exactly as many blocks as the first. */
        for (pass = 0; pass < 2; pass++) {
            for (n = 1; n <= total; n++) {
                int r;

                alloc_count = 0;
                fail_at = n;
                r = verify(impostor, host);
                fail_at = -1;
                if (r == 1) {
                    printf("allocation %ld failing made the impostor "
                           "verify\n", n);
                    rc = 1;
                } else if (pass == 0) {
                    refused++;
                }
            }
            live_after[pass] = live;
        }
        if (live_after[1] != live_after[0]) {
            printf("a sweep of failing allocations leaked %ld blocks\n",
                   live_after[1] - live_after[0]);
            rc = 1;
        }
        printf("%ld allocations in one verification; the impostor was "
               "refused with each one failing (%ld/%ld), no blocks "
               "leaked\n", total, refused, total);
        if (total < 5)
            rc = 1; /* the hook path was not exercised */
    } else if (strcmp(mode, "loop") == 0 && argc > 8) {
        long n = atol(argv[8]), i, early = 0;

        for (i = 0; i < n; i++) {
            int imp = (int)(i & 1);

            if (verify(imp ? impostor : genuine, host) != !imp) {
                printf("verification %ld gave the wrong result\n", i);
                rc = 1;
                break;
            }
            if (i == n / 10) {
                malloc_trim(0);
                early = rss_kb();
            }
        }
        malloc_trim(0);
        printf("%ld verifications; resident memory %ld kB after %ld, %ld kB "
               "at the end\n", n, early, n / 10, rss_kb());
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        rc = 2;
    }
    X509_free(genuine);
    X509_free(impostor);
    sk_X509_pop_free(untrusted, X509_free);
    X509_STORE_free(store);
    return rc;
}
