/* SPDX-License-Identifier: Apache-2.0 */
/* hp_bench: hostpin's benchmarks.  See bench/README.md. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "bench.h"

#ifndef HPB_MODULE
#define HPB_MODULE "hostpin.so"
#endif

struct bench {
    const char *name;
    int (*run)(const struct hpb_opts *o);
    const char *summary;
};

static const struct bench benches[] = {
    { "verify", hpb_verify, "X509_verify_cert, pinned/unpinned/no host" },
    { "handshake", hpb_handshake, "full TLS 1.3 handshake in memory" },
    { "startup", hpb_startup, "openssl version -a, python3 ssl context" },
    { "scale", hpb_scale, "first verification and lookups, 1k-1M hosts" },
    { "threads", hpb_threads, "verifications per second, 1 vs 2 threads" },
    { "process", hpb_process, "whole programs: curl, Python, s_client" },
    { NULL, NULL, NULL }
};

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} children[] = {
    { "child-verify", hpb_verify_child },
    { "child-handshake", hpb_handshake_child },
    { "child-scale", hpb_scale_child },
    { "child-lookups", hpb_lookups_child },
    { "child-threads", hpb_threads_child },
    { NULL, NULL }
};

static void usage(FILE *f)
{
    const struct bench *b;

    fprintf(f, "Usage: hp_bench [OPTION]... [BENCH]...\n"
               "Runs hostpin's benchmarks (all by default); each prints "
               "with/without ratios.\n\nBenchmarks:\n");
    for (b = benches; b->name != NULL; b++)
        fprintf(f, "  %-10s %s\n", b->name, b->summary);
    fprintf(f, "\nOptions:\n"
               "  --callgrind     instruction counts under valgrind "
               "(repeatable)\n"
               "  --smoke         tiny iteration counts (tests)\n"
               "  --rounds N      alternating runs per side (default 7)\n"
               "  --iters N       iterations per run (default 2000)\n"
               "  --only TEXT     only cases whose name contains TEXT\n"
               "  --module PATH   hostpin.so (default: the build's)\n");
}

static char work[] = "/tmp/hp_bench.XXXXXX";

static void cleanup(void)
{
    char cmd[sizeof(work) + 16];

    if (strcmp(work, "/tmp/hp_bench.XXXXXX") == 0 || getenv("HPB_KEEP"))
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", work);
}

int main(int argc, char **argv)
{
    struct hpb_opts o;
    const struct bench *b;
    int i, nsel = 0, rc = 0;
    const char *sel[16];

    for (i = 0; argc > 1 && children[i].name != NULL; i++) {
        if (strcmp(argv[1], children[i].name) == 0) {
            /* As a TLS program starts: openssl.cnf first (and with it
             * hostpin, when the child's OPENSSL_CONF enables it). */
            OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL);
            return children[i].run(argc - 1, argv + 1);
        }
    }
    memset(&o, 0, sizeof(o));
    o.rounds = 7;
    o.iters = 2000;
    o.module = HPB_MODULE;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0) {
            o.smoke = 1;
        } else if (strcmp(argv[i], "--callgrind") == 0) {
            o.callgrind = 1;
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            o.rounds = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--iters") == 0 && i + 1 < argc) {
            o.iters = atol(argv[++i]);
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            o.only = argv[++i];
        } else if (strcmp(argv[i], "--module") == 0 && i + 1 < argc) {
            o.module = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 ||
                   strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] != '-' && nsel < 16) {
            sel[nsel++] = argv[i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (o.smoke) {
        o.rounds = 1;
        o.iters = 3;
    }
    if (o.rounds < 1 || o.rounds > 64 || o.iters < 1) {
        fprintf(stderr, "--rounds must be 1-64 and --iters positive\n");
        return 2;
    }
    if (access(o.module, R_OK) != 0) {
        fprintf(stderr, "hp_bench: module %s not found (--module)\n",
                o.module);
        return 2;
    }
    if (mkdtemp(work) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    atexit(cleanup);
    o.work = work;
    printf("hostpin benchmarks (%s mode%s)\n",
           o.callgrind ? "instruction-count" : "timing",
           o.smoke ? ", smoke: figures meaningless" : "");
    for (b = benches; b->name != NULL; b++) {
        int want = nsel == 0;

        for (i = 0; i < nsel; i++)
            want |= strcmp(sel[i], b->name) == 0;
        if (want && b->run(&o) != 0) {
            fprintf(stderr, "hp_bench: %s failed\n", b->name);
            rc = 1;
        }
    }
    for (i = 0; i < nsel; i++) {
        for (b = benches; b->name != NULL; b++)
            if (strcmp(sel[i], b->name) == 0)
                break;
        if (b->name == NULL) {
            fprintf(stderr, "hp_bench: no benchmark '%s'\n", sel[i]);
            rc = 2;
        }
    }
    return rc;
}
