/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmark 6: whole programs.  What users run is whole processes: curl in
 * a shell loop, a Python script in cron, `openssl s_client` in a health
 * check.  Each fetches one page (s_client: connects once) from a local
 * `openssl s_server`, verifying its chain for pinned.test, with the
 * hostpin configuration and with one that activates `default` only; pins
 * files of 10, 1,000 and 100,000 hosts, with the index `hostpin index`
 * writes (and 10 and 1,000 without, for comparison).  Figures: total
 * instructions under callgrind (judged: <= 1.01 at 10 and 1,000 hosts,
 * <= 1.02 at 100,000), peak resident memory (judged: <= +1 MB) and the
 * median wall time of alternating runs (reported only).  With
 * --callgrind, each client also runs with a provider module that does
 * nothing (bench/empty_provider.c) in place of hostpin: what OpenSSL
 * spends on any second provider, of the figure. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#ifndef HPB_CLI
#define HPB_CLI "hostpin"
#endif

/* A Python client as a script in cron would be: urllib, the default
 * context (with the test root as its CA file), pinned.test resolved to
 * the server's address. */
static const char py_urllib[] =
    "import socket, ssl, sys, urllib.request\n"
    "real = socket.getaddrinfo\n"
    "socket.getaddrinfo = lambda h, *a, **k: real('127.0.0.1' if h == "
    "'pinned.test' else h, *a, **k)\n"
    "ctx = ssl.create_default_context(cafile=sys.argv[1])\n"
    "with urllib.request.urlopen('https://pinned.test:%s/' % sys.argv[2], "
    "context=ctx) as r:\n"
    "    r.read()\n";

struct client {
    const char *name;
    char *argv[16];
};

static pid_t server_pid = -1;

/* argv in a child with no standard streams and OPENSSL_CONF=cnf (NULL:
 * unset), killed after `limit` seconds if not 0; its pid, or -1. */
static pid_t spawn(char *const argv[], const char *cnf, unsigned limit)
{
    pid_t pid = fork();

    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);

        alarm(limit); /* kept across exec: a client that hangs dies */
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        hpb_exec(argv, cnf);
    }
    return pid;
}

static void stop_server(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
        server_pid = -1;
    }
}

/* openssl s_server on a free port of 127.0.0.1, serving the genuine
 * chain; the port, or -1. */
static int start_server(const char *dir)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    char accept[32], cert[1100], key[1100], chain[1100];
    int s = socket(AF_INET, SOCK_STREAM, 0), port, i;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        getsockname(s, (struct sockaddr *)&sa, &len) != 0) {
        if (s >= 0)
            close(s);
        return -1;
    }
    port = ntohs(sa.sin_port);
    close(s);
    snprintf(accept, sizeof(accept), "127.0.0.1:%d", port);
    snprintf(cert, sizeof(cert), "%s/leaf.pem", dir);
    snprintf(key, sizeof(key), "%s/leaf.key", dir);
    snprintf(chain, sizeof(chain), "%s/inter.pem", dir);
    {
        char *argv[] = { "openssl", "s_server", "-accept", accept, "-cert",
                         cert, "-key", key, "-cert_chain", chain, "-www",
                         "-quiet", NULL };

        if ((server_pid = spawn(argv, NULL, 0)) < 0)
            return -1;
    }
    atexit(stop_server);
    /* Ready when it accepts: at most 10 s. */
    for (i = 0; i < 200; i++) {
        int c = socket(AF_INET, SOCK_STREAM, 0), ok;

        ok = c >= 0 && connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0;
        if (c >= 0)
            close(c);
        if (ok)
            return port;
        usleep(50000);
    }
    return -1;
}

/* Wall time (ms) and peak resident memory (KB) of one run; -1 if it
 * failed. */
static double run_once(char *const argv[], const char *cnf, long *maxrss)
{
    struct rusage ru;
    double t0 = hpb_now();
    int st = 0;
    pid_t pid = spawn(argv, cnf, 60);

    if (pid < 0)
        return -1;
    if (wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) ||
        WEXITSTATUS(st) != 0)
        return -1;
    *maxrss = ru.ru_maxrss;
    return (hpb_now() - t0) * 1e3;
}

/* A pins file of n hosts pinning pinned.test to `pin`, finished a minute
 * ago (a file just written is waited for: conf/sources.c); with its
 * index if `index`. */
static int pins_file(const char *path, const char *pin, long n, int index)
{
    struct timespec ts[2];
    char idx[1200];
    char *argv[] = { HPB_CLI, "index", (char *)path, NULL };

    if (!hpb_write_pins(path, pin, n - 1))
        return 0;
    clock_gettime(CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec -= 60;
    ts[1] = ts[0];
    if (utimensat(AT_FDCWD, path, ts, 0) != 0)
        return 0;
    snprintf(idx, sizeof(idx), "%s.idx", path);
    unlink(idx);
    return !index || hpb_run(argv, NULL, NULL, 0) == 0;
}

int hpb_process(const struct hpb_opts *o)
{
    static const struct {
        long hosts;
        int index;
        double target;
    } sizes[] = {
        { 10, 1, 1.01 },     { 1000, 1, 1.01 }, { 100000, 1, 1.02 },
        { 10, 0, 0 },        { 1000, 0, 0 },
    };
    char dir[1024], root[1100], pin[64], portstr[16], url[128], resolve[128];
    char without[1100], inter[1100], empty[1100];
    double floor[3] = { 0, 0, 0 };
    struct client clients[3];
    size_t s, k, nsizes = o->smoke ? 2 : sizeof(sizes) / sizeof(sizes[0]);
    const char *preload = getenv("LD_PRELOAD");
    int port, asan = preload != NULL && strstr(preload, "libasan") != NULL;

    snprintf(dir, sizeof(dir), "%s/process", o->work);
    snprintf(root, sizeof(root), "%s/root.pem", dir);
    snprintf(inter, sizeof(inter), "%s/inter.pem", dir);
    snprintf(without, sizeof(without), "%s/without.cnf", dir);
    snprintf(empty, sizeof(empty), "%s/empty.cnf", dir);
    if (hpb_mkdir(dir) != 0 || !hpb_make_pki(dir, "ec") ||
        !hpb_pin_of(inter, pin) ||
        !hpb_write_cnf(without, o->module, NULL) ||
        !hpb_write_cnf(empty, HPB_EMPTY_MODULE, "/nonexistent") ||
        (port = start_server(dir)) < 0) {
        fprintf(stderr, "cannot set up %s\n", dir);
        return 1;
    }
    snprintf(portstr, sizeof(portstr), "%d", port);
    snprintf(url, sizeof(url), "https://pinned.test:%d/", port);
    snprintf(resolve, sizeof(resolve), "pinned.test:%d:127.0.0.1", port);
    {
        static char connect[64];
        struct client c[3] = {
            { "curl", { "curl", "-sS", "-o", "/dev/null", "--cacert", root,
                        "--resolve", resolve, url, NULL } },
            { "python3 urllib", { (char *)hpb_real_python(), "-c",
                                  (char *)py_urllib, root, portstr, NULL } },
            { "openssl s_client", { "openssl", "s_client", "-connect",
                                    connect, "-servername", "pinned.test",
                                    "-verify_hostname", "pinned.test",
                                    "-verify_return_error", "-CAfile", root,
                                    NULL } },
        };

        snprintf(connect, sizeof(connect), "127.0.0.1:%d", port);
        memcpy(clients, c, sizeof(c));
    }
    setenv("PYTHONHASHSEED", "0", 1); /* repeatable instruction counts */
    hpb_header(o->callgrind ? "whole programs: instructions of the process "
                              "(callgrind), then peak memory"
                            : "whole programs: median wall time of "
                              "alternating runs, then peak memory");
    for (s = 0; s < nsizes; s++) {
        char pins[1100], with[1100];
        long hosts = o->smoke ? (s == 0 ? 10 : 100) : sizes[s].hosts;

        snprintf(pins, sizeof(pins), "%s/pins-%ld%s.conf", dir, hosts,
                 sizes[s].index ? "-idx" : "");
        snprintf(with, sizeof(with), "%s/with-%ld%s.cnf", dir, hosts,
                 sizes[s].index ? "-idx" : "");
        if (!pins_file(pins, pin, hosts, sizes[s].index) ||
            !hpb_write_cnf(with, o->module, pins)) {
            fprintf(stderr, "cannot write %s\n", pins);
            return 1;
        }
        for (k = 0; k < 3; k++) {
            char name[128];
            double w[64], wo[64];
            long rw[64], rwo[64], rss_w = 0, rss_wo = 0;
            int r, rounds = o->smoke ? 1 : 2 * o->rounds;

            snprintf(name, sizeof(name), "%s, %ld hosts%s", clients[k].name,
                     hosts, sizes[s].index ? ", index" : ", no index");
            if (o->only != NULL && strstr(name, o->only) == NULL)
                continue;
            if (k == 0 && asan) {
                printf("%-44s (left out: curl cannot start under a "
                       "preloaded ASan runtime)\n", name);
                continue;
            }
            for (r = 0; r < rounds && r < 64; r++) {
                wo[r] = run_once(clients[k].argv, without, &rwo[r]);
                w[r] = run_once(clients[k].argv, with, &rw[r]);
                if (w[r] < 0 || wo[r] < 0) {
                    fprintf(stderr, "%s: a run failed (is %s installed?)\n",
                            name, clients[k].argv[0]);
                    return 1;
                }
                rss_w = rw[r] > rss_w ? rw[r] : rss_w;
                rss_wo = rwo[r] > rss_wo ? rwo[r] : rss_wo;
            }
            if (o->callgrind) {
                double iw = (double)hpb_callgrind(clients[k].argv, with);
                double iwo = (double)hpb_callgrind(clients[k].argv, without);

                if (iw < 0 || iwo < 0)
                    return 1;
                hpb_ratio(name, iw, iwo, "instr",
                          o->smoke ? 0 : sizes[s].target);
                if (floor[k] == 0) /* once a client: no pins read */
                    floor[k] = (double)hpb_callgrind(clients[k].argv,
                                                     empty) - iwo;
                printf("%-44s %8.0f  instructions added, of which %.0f by a "
                       "provider that does nothing (OpenSSL's share)\n", "",
                       iw - iwo, floor[k]);
            }
            {
                double mw = hpb_median(w, r), mwo = hpb_median(wo, r);

                printf("%-44s %8.4f  wall time, median of %d: %.2f / %.2f "
                       "ms (not judged)\n", o->callgrind ? "" : name,
                       mw / mwo, r, mw, mwo);
            }
            printf("%-44s %+8ld  KB peak resident (%ld / %ld)%s\n", "",
                   rss_w - rss_wo, rss_w, rss_wo,
                   o->smoke || !sizes[s].index ? ""
                   : rss_w - rss_wo <= 1024   ? "  target <= +1024 met"
                                              : "  target <= +1024 MISSED");
            fflush(stdout);
        }
    }
    stop_server();
    return 0;
}
