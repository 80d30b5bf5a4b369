/* SPDX-License-Identifier: Apache-2.0 */
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
 * once: one genuine and one impostor verification; exit 0 if as expected.
 * names: odd names (over-long, control and non-ASCII bytes, NUL inside,
 *       empty, IPv6 spellings) set as the verification's host or IP, with a
 *       careless verify callback that ignores name mismatches so that every
 *       name reaches hostpin: the impostor must never pass for a name under
 *       a pinned subtree, and nothing may crash. */
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

/* Like a careless program: carries on past name mismatches. */
static int ignore_names(int ok, X509_STORE_CTX *ctx)
{
    int e = X509_STORE_CTX_get_error(ctx);

    return ok || e == X509_V_ERR_HOSTNAME_MISMATCH ||
           e == X509_V_ERR_IP_ADDRESS_MISMATCH;
}

/* With a host of `len` bytes (may hold NULs) or an IP; the careless
 * callback.  1 verified, 0 refused, -1 OpenSSL would not take the name. */
static int verify_odd(X509 *leaf, const char *name, size_t len, int ip)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_VERIFY_PARAM *param;
    int r = -1, set;

    if (ctx == NULL || !X509_STORE_CTX_init(ctx, store, leaf, untrusted)) {
        X509_STORE_CTX_free(ctx);
        return -1;
    }
    param = X509_STORE_CTX_get0_param(ctx);
    set = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name)
             : X509_VERIFY_PARAM_set1_host(param, name, len);
    if (set) {
        X509_STORE_CTX_set_verify_cb(ctx, ignore_names);
        r = X509_verify_cert(ctx) == 1;
    }
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return r;
}

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
    } else if (strcmp(mode, "names") == 0) {
        static const struct {
            const char *name;
            size_t len; /* 0: strlen */
            int ip, pinned;
        } odd[] = {
            { "x\001y.pinned.test", 0, 0, 1 },
            { "\xc3\xa9t\xc3\xa9.pinned.test", 0, 0, 1 },
            { "\xff\xfe.PINNED.TEST.", 0, 0, 1 },
            { "sp ace.pinned.test", 0, 0, 1 },
            { "pinned.test\0.evil", 18, 0, 1 },
            { "evil\0.pinned.test", 18, 0, 1 },
            { "", 0, 0, 0 },
            /* Not host names: the certificate's names decide, and the
             * leaf certifies pinned.test (the name rule). */
            { ".", 0, 0, 1 },
            { "..pinned.test", 0, 0, 1 },
            { "\xc3\xa9.example", 0, 0, 1 },
            { "::1", 0, 1, 1 },
            { "0:0:0:0:0:0:0:1", 0, 1, 1 },
            { "::2", 0, 1, 0 },
            { "::ffff:127.0.0.1", 0, 1, 0 },
        };
        char longname[1100];
        size_t i, checks = 0;

        memset(longname, 'a', 1024);
        for (i = 40; i < 1024; i += 41)
            longname[i] = '.';
        strcpy(longname + 1024, ".pinned.test");
        for (i = 0; i <= sizeof(odd) / sizeof(odd[0]); i++) {
            const char *nm = i < sizeof(odd) / sizeof(odd[0]) ? odd[i].name
                                                             : longname;
            size_t len = i < sizeof(odd) / sizeof(odd[0]) && odd[i].len
                             ? odd[i].len
                             : strlen(nm);
            int ip = i < sizeof(odd) / sizeof(odd[0]) ? odd[i].ip : 0;
            int pinned = i < sizeof(odd) / sizeof(odd[0]) ? odd[i].pinned : 1;
            int g = verify_odd(genuine, nm, len, ip);
            int m = verify_odd(impostor, nm, len, ip);

            checks++;
            if (g < 0 && m < 0) {
                printf("name %zu: OpenSSL does not take it\n", i);
                continue;
            }
            if (m == 1 && pinned) {
                printf("name %zu: the impostor passed for a pinned name\n",
                       i);
                rc = 1;
            } else if (g != 1) {
                printf("name %zu: the genuine chain was refused\n", i);
                rc = 1;
            } else if (m == 0 && !pinned) {
                printf("name %zu: refused although no rule applies\n", i);
                rc = 1;
            } else {
                printf("name %zu: %s\n", i,
                       pinned ? "impostor refused, genuine allowed"
                              : "unpinned: both allowed");
            }
        }
        printf("%zu odd names checked\n", checks);
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
