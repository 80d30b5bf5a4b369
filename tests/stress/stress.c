/* SPDX-License-Identifier: Apache-2.0 */
/* Stress: 8 threads make real TLS handshakes with a genuine and an impostor
 * s_server while another thread keeps rewriting the pins file, alternating
 * a set that pins the host (A), a set that does not (B), and invalid files
 * (which must change nothing).
 *
 * Asserts: no genuine handshake is ever refused (a torn read would show
 * here: the genuine chain passes under A, B and any invalid file), and no
 * impostor handshake that ran entirely inside a window where A was known to
 * be in force succeeded.  hostpin is loaded only through OPENSSL_CONF.
 *
 * usage: stress CAFILE GPORT IPORT PINSFILE PIN SECONDS THREADS */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_WINDOWS 64

static const char *cafile, *pins_file, *pin;
static int gport, iport;
static SSL_CTX *ctx;
static _Atomic int stop;
static _Atomic long genuine_ok, genuine_refused, impostor_ok, impostor_refused;
static _Atomic long violations;

/* Windows [from, to] in which the pinning set A was in force. */
static struct {
    double from, to;
} windows[MAX_WINDOWS];
static _Atomic int nwindows;
static pthread_mutex_t wlock = PTHREAD_MUTEX_INITIALIZER;

struct record {
    double start, end;
};
static struct record *impostor_accepts;
static _Atomic long naccepts;
#define MAX_ACCEPTS 1000000

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One full handshake; 1 if it succeeded. */
static int handshake(int port)
{
    struct sockaddr_in sa;
    struct timeval tv = { 10, 0 };
    SSL *ssl = NULL;
    int fd, ok = 0;

    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    ssl = SSL_new(ctx);
    if (ssl == NULL || !SSL_set1_host(ssl, "pinned.test") ||
        !SSL_set_tlsext_host_name(ssl, "pinned.test") ||
        !SSL_set_fd(ssl, fd)) {
        ok = -1;
        goto out;
    }
    ok = SSL_connect(ssl) == 1;
    if (ok)
        SSL_shutdown(ssl);
out:
    SSL_free(ssl);
    ERR_clear_error();
    close(fd);
    return ok;
}

static void *worker(void *arg)
{
    long i = (long)(intptr_t)arg;

    while (!atomic_load(&stop)) {
        int imp = (i++ & 1) != 0;
        double t0 = now();
        int r = handshake(imp ? iport : gport);
        double t1 = now();

        if (r < 0)
            continue; /* connection trouble, not a verdict */
        if (!imp) {
            if (r)
                atomic_fetch_add(&genuine_ok, 1);
            else
                atomic_fetch_add(&genuine_refused, 1);
        } else if (!r) {
            atomic_fetch_add(&impostor_refused, 1);
        } else {
            long k = atomic_fetch_add(&impostor_ok, 1);

            (void)k;
            k = atomic_fetch_add(&naccepts, 1);
            if (k < MAX_ACCEPTS) {
                impostor_accepts[k].start = t0;
                impostor_accepts[k].end = t1;
            }
        }
    }
    return NULL;
}

static void write_file(const char *text, int atomic)
{
    char tmp[1024];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", pins_file);
    f = fopen(atomic ? tmp : pins_file, "w");
    if (f == NULL) {
        perror("pins file");
        exit(2);
    }
    fputs(text, f);
    fclose(f);
    if (atomic && rename(tmp, pins_file) != 0) {
        perror("rename");
        exit(2);
    }
}

static char set_a[512], set_b[512];
static const char *invalid[] = {
    "version = 1;\nreload_interval = 1;\nhosts = ( { host = \"pinned.test\"; "
    "pins = [ \"sha256/short\" ]; } );\n",
    "version = 1;\nreload_interval = 1;\nhosts = ( { host = pinned.test; } "
    ");\n",
    "version = 2;\n",
    "",
};

/* Wait until probes show the wanted state (A: impostor refused; B:
 * impostor allowed), bounded. */
static int wait_for(int want_a)
{
    double deadline = now() + 10;

    while (now() < deadline) {
        int r = handshake(iport);

        if (r >= 0 && (want_a ? r == 0 : r == 1))
            return 1;
        usleep(50000);
    }
    return 0;
}

static void hold(double seconds, unsigned *seq)
{
    double end = now() + seconds;

    while (now() < end) {
        write_file(invalid[*seq % 4], (*seq / 4) % 2);
        (*seq)++;
        usleep(150000);
    }
}

int main(int argc, char **argv)
{
    pthread_t th[64];
    double end;
    int seconds, nthreads, i, a_confirms = 0, b_confirms = 0;
    unsigned seq = 0;
    long k, n;

    if (argc != 8) {
        fprintf(stderr, "usage: stress CAFILE GPORT IPORT PINSFILE PIN "
                        "SECONDS THREADS\n");
        return 2;
    }
    cafile = argv[1];
    gport = atoi(argv[2]);
    iport = atoi(argv[3]);
    pins_file = argv[4];
    pin = argv[5];
    seconds = atoi(argv[6]);
    nthreads = atoi(argv[7]);
    if (nthreads < 1 || nthreads > 64)
        return 2;
    snprintf(set_a, sizeof(set_a),
             "version = 1;\nreload_interval = 1;\nhosts = (\n  { host = "
             "\"pinned.test\";\n    pins = [ \"sha256/%s\" ]; }\n);\n", pin);
    snprintf(set_b, sizeof(set_b),
             "version = 1;\nreload_interval = 1;\nhosts = (\n  { host = "
             "\"other.test\";\n    pins = [ \"sha256/%s\" ]; }\n);\n", pin);
    impostor_accepts = calloc(MAX_ACCEPTS, sizeof(*impostor_accepts));
    write_file(set_a, 1);

    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || !SSL_CTX_load_verify_locations(ctx, cafile, NULL) ||
        impostor_accepts == NULL) {
        fprintf(stderr, "cannot set up the client\n");
        return 2;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);

    for (i = 0; i < nthreads; i++)
        pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);

    end = now() + seconds;
    while (now() < end && atomic_load(&nwindows) < MAX_WINDOWS) {
        double from;

        write_file(set_a, 1);
        if (!wait_for(1)) {
            fprintf(stderr, "set A never took effect\n");
            break;
        }
        a_confirms++;
        from = now();
        hold(1.5, &seq);
        pthread_mutex_lock(&wlock);
        n = atomic_load(&nwindows);
        windows[n].from = from;
        windows[n].to = now();
        atomic_store(&nwindows, (int)n + 1);
        pthread_mutex_unlock(&wlock);

        write_file(set_b, 1);
        if (!wait_for(0)) {
            fprintf(stderr, "set B never took effect\n");
            break;
        }
        b_confirms++;
        hold(1.0, &seq);
    }
    atomic_store(&stop, 1);
    for (i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);

    n = atomic_load(&naccepts) < MAX_ACCEPTS ? atomic_load(&naccepts)
                                              : MAX_ACCEPTS;
    for (k = 0; k < n; k++) {
        int w;

        for (w = 0; w < atomic_load(&nwindows); w++)
            if (impostor_accepts[k].start >= windows[w].from &&
                impostor_accepts[k].end <= windows[w].to)
                atomic_fetch_add(&violations, 1);
    }
    printf("handshakes: genuine %ld ok / %ld refused; impostor %ld ok / %ld "
           "refused\n", atomic_load(&genuine_ok),
           atomic_load(&genuine_refused), atomic_load(&impostor_ok),
           atomic_load(&impostor_refused));
    printf("pin set switches confirmed: %d to pinning, %d to unpinned; %u "
           "invalid files written\n", a_confirms, b_confirms, seq);
    printf("impostor accepted while pinned: %ld\n", atomic_load(&violations));
    free(impostor_accepts);
    SSL_CTX_free(ctx);
    if (atomic_load(&genuine_refused) != 0 || atomic_load(&violations) != 0 ||
        a_confirms < 2 || b_confirms < 2 ||
        atomic_load(&genuine_ok) + atomic_load(&impostor_refused) < 200) {
        printf("FAIL\n");
        return 1;
    }
    printf("PASS\n");
    return 0;
}
