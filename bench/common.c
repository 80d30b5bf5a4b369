/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers of the benchmarks: test PKI, pins and config files, child
 * processes, callgrind, clocks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "bench.h"

static EVP_PKEY *keygen(const char *alg)
{
    if (strcmp(alg, "rsa") == 0)
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    ext = X509V3_EXT_nconf_nid(NULL, &v3, nid, value);
    if (ext == NULL)
        return 0;
    ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer,
                       EVP_PKEY *ikey, int ca, long serial)
{
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();

    if (x == NULL || n == NULL)
        goto err;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
                               (const unsigned char *)"hostpin bench", -1, -1,
                               0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, n);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
    X509_set_pubkey(x, key);
    if (!add_ext(x, issuer ? issuer : x, NID_subject_key_identifier, "hash") ||
        (issuer != NULL &&
         !add_ext(x, issuer, NID_authority_key_identifier, "keyid")))
        goto err;
    if (ca) {
        if (!add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE") ||
            !add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign"))
            goto err;
    } else if (!add_ext(x, issuer, NID_basic_constraints, "CA:FALSE") ||
               !add_ext(x, issuer, NID_ext_key_usage, "serverAuth") ||
               !add_ext(x, issuer, NID_subject_alt_name,
                        "DNS:pinned.test,DNS:free.test,DNS:localhost,"
                        "IP:127.0.0.1")) {
        goto err;
    }
    if (!X509_sign(x, ikey ? ikey : key, EVP_sha256()))
        goto err;
    X509_NAME_free(n);
    return x;
err:
    X509_NAME_free(n);
    X509_free(x);
    return NULL;
}

static int write_pem(const char *dir, const char *name, X509 *x,
                     EVP_PKEY *k)
{
    char path[1024];
    FILE *f;
    int ok;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((f = fopen(path, "w")) == NULL)
        return 0;
    ok = x ? PEM_write_X509(f, x)
           : PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    return fclose(f) == 0 && ok;
}

int hpb_make_pki(const char *dir, const char *alg)
{
    EVP_PKEY *rk = keygen(alg), *ik = keygen(alg), *lk = keygen(alg);
    X509 *root = NULL, *inter = NULL, *leaf = NULL;
    int ok = 0;

    if (rk == NULL || ik == NULL || lk == NULL)
        goto out;
    root = make_cert("bench root", rk, NULL, NULL, 1, 1);
    inter = make_cert("bench intermediate", ik, root, rk, 1, 2);
    leaf = make_cert("pinned.test", lk, inter, ik, 0, 3);
    ok = root && inter && leaf && write_pem(dir, "root.pem", root, NULL) &&
         write_pem(dir, "inter.pem", inter, NULL) &&
         write_pem(dir, "leaf.pem", leaf, NULL) &&
         write_pem(dir, "leaf.key", NULL, lk) &&
         write_pem(dir, "inter.key", NULL, ik);
out:
    X509_free(root);
    X509_free(inter);
    X509_free(leaf);
    EVP_PKEY_free(rk);
    EVP_PKEY_free(ik);
    EVP_PKEY_free(lk);
    return ok;
}

int hpb_case_setup(const struct hpb_opts *o, const char *name,
                   const char *alg, struct hpb_case *c)
{
    char pins[1100], inter[1100], pin[64];

    snprintf(c->dir, sizeof(c->dir), "%s/%s-%s", o->work, name, alg);
    snprintf(pins, sizeof(pins), "%s/pins.conf", c->dir);
    snprintf(c->with, sizeof(c->with), "%s/with.cnf", c->dir);
    snprintf(c->without, sizeof(c->without), "%s/without.cnf", c->dir);
    snprintf(inter, sizeof(inter), "%s/inter.pem", c->dir);
    if (hpb_mkdir(c->dir) != 0 || !hpb_make_pki(c->dir, alg) ||
        !hpb_pin_of(inter, pin) ||
        !hpb_write_pins(pins, pin, o->smoke ? 10 : 1000) ||
        !hpb_write_cnf(c->with, o->module, pins) ||
        !hpb_write_cnf(c->without, o->module, NULL)) {
        fprintf(stderr, "cannot set up %s\n", c->dir);
        return 0;
    }
    return 1;
}

X509 *hpb_load_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *x;

    if (f == NULL)
        return NULL;
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    return x;
}

EVP_PKEY *hpb_load_key(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k;

    if (f == NULL)
        return NULL;
    k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return k;
}

int hpb_pin_of(const char *certfile, char out[64])
{
    X509 *x = hpb_load_cert(certfile);
    unsigned char *der = NULL, md[32];
    unsigned int mdlen = 0;
    int len, ok = 0;

    if (x == NULL)
        return 0;
    len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    if (len > 0 && EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(),
                              NULL) == 1) {
        memcpy(out, "sha256/", 7);
        EVP_EncodeBlock((unsigned char *)out + 7, md, 32);
        ok = 1;
    }
    OPENSSL_free(der);
    X509_free(x);
    return ok;
}

int hpb_write_pins(const char *path, const char *pin, long nfill)
{
    FILE *f = fopen(path, "w");
    unsigned char rnd[64];
    char a[64], b[64];
    long i;

    if (f == NULL)
        return 0;
    fprintf(f, "version = 1;\nreload_interval = 0;\nhosts = (\n"
               "  { host = \"pinned.test\";\n    pins = [ \"%s\",\n"
               "      \"sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\""
               " ]; }",
            pin);
    for (i = 0; i < nfill; i++) {
        if (RAND_bytes(rnd, sizeof(rnd)) != 1)
            break;
        EVP_EncodeBlock((unsigned char *)a, rnd, 32);
        EVP_EncodeBlock((unsigned char *)b, rnd + 32, 32);
        fprintf(f, ",\n  { host = \"h%07ld.example.net\";%s pins = "
                   "[ \"sha256/%s\", \"sha256/%s\" ]; }",
                i, i % 4 == 0 ? " include_subdomains = true;" : "", a, b);
    }
    fprintf(f, "\n);\n");
    return fclose(f) == 0 && i == nfill;
}

int hpb_write_cnf(const char *path, const char *module, const char *pins)
{
    FILE *f = fopen(path, "w");

    if (f == NULL)
        return 0;
    fprintf(f, "openssl_conf = openssl_init\n[openssl_init]\n"
               "providers = provider_sect\n[provider_sect]\n"
               "default = default_sect\n");
    if (pins != NULL)
        fprintf(f, "hostpin = hostpin_sect\n");
    fprintf(f, "[default_sect]\nactivate = 1\n");
    if (pins != NULL)
        fprintf(f, "[hostpin_sect]\nmodule = %s\npins = %s\nactivate = 1\n",
                module, pins);
    return fclose(f) == 0;
}

int hpb_mkdir(const char *path)
{
    char tmp[1024], *p;

    snprintf(tmp, sizeof(tmp), "%s", path);
    for (p = tmp + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

const char *hpb_self(void)
{
    static char self[4096];

    if (self[0] == '\0') {
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

        if (n <= 0)
            return "hp_bench";
        self[n] = '\0';
    }
    return self;
}

void hpb_exec(char *const argv[], const char *cnf)
{
    if (cnf != NULL)
        setenv("OPENSSL_CONF", cnf, 1);
    else
        unsetenv("OPENSSL_CONF");
    execvp(argv[0], argv);
    _exit(127);
}

/* fork/exec with stdout (and optionally stderr) into pipes. */
static int run_capture(char *const argv[], const char *cnf, char *out,
                       size_t outlen, char *err, size_t errlen)
{
    int po[2], pe[2], st = 0;
    size_t no = 0, ne = 0;
    pid_t pid;

    if (pipe(po) != 0 || pipe(pe) != 0)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        hpb_exec(argv, cnf);
    }
    close(po[1]);
    close(pe[1]);
    /* Children write little: read stdout to its end, then stderr. */
    for (;;) {
        char tmp[4096];
        ssize_t n = read(po[0], tmp, sizeof(tmp));

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (out != NULL && no + 1 < outlen) {
            size_t k = (size_t)n < outlen - 1 - no ? (size_t)n
                                                   : outlen - 1 - no;
            memcpy(out + no, tmp, k);
            no += k;
        }
    }
    for (;;) {
        char tmp[4096];
        ssize_t n = read(pe[0], tmp, sizeof(tmp));

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (err != NULL && ne + 1 < errlen) {
            size_t k = (size_t)n < errlen - 1 - ne ? (size_t)n
                                                   : errlen - 1 - ne;
            memcpy(err + ne, tmp, k);
            ne += k;
        } else if (err == NULL) {
            ssize_t w = write(2, tmp, (size_t)n);
            (void)w;
        }
    }
    if (out != NULL && outlen > 0)
        out[no] = '\0';
    if (err != NULL && errlen > 0)
        err[ne] = '\0';
    close(po[0]);
    close(pe[0]);
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st); /* as a shell says it */
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int hpb_run(char *const argv[], const char *cnf, char *out, size_t outlen)
{
    return run_capture(argv, cnf, out, outlen, NULL, 0);
}

long long hpb_callgrind(char *const argv[], const char *cnf)
{
    return hpb_callgrind_in(argv, cnf, NULL);
}

long long hpb_callgrind_in(char *const argv[], const char *cnf,
                           const char *func)
{
    char *args[HPB_MAX_ARGS + 5], toggle[128];
    static char err[1 << 16];
    const char *p;
    int i, n = 0, rc;

    args[n++] = "valgrind";
    args[n++] = "--tool=callgrind";
    args[n++] = "--callgrind-out-file=/dev/null";
    if (func != NULL) {
        snprintf(toggle, sizeof(toggle), "--toggle-collect=%s", func);
        args[n++] = toggle;
    }
    for (i = 0; argv[i] != NULL && n < HPB_MAX_ARGS + 3; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    rc = run_capture(args, cnf, NULL, 0, err, sizeof(err));
    p = strstr(err, "Collected : ");
    if (rc != 0 || p == NULL) {
        fprintf(stderr, "callgrind run failed (status %d):\n%s\n", rc, err);
        return -1;
    }
    return strtoll(p + 12, NULL, 10);
}

double hpb_side(const struct hpb_opts *o, char **argv, int iarg,
                const char *cnf, long k)
{
    char n[32], out[256];
    long long a, b;
    int rc;

    argv[iarg] = n;
    if (o->callgrind) {
        snprintf(n, sizeof(n), "%d", 5);
        a = hpb_callgrind(argv, cnf);
        snprintf(n, sizeof(n), "%ld", 5 + k);
        b = hpb_callgrind(argv, cnf);
        if (a < 0 || b < 0)
            return -1;
        return (double)(b - a) / (double)k;
    }
    snprintf(n, sizeof(n), "%ld", o->iters);
    if ((rc = hpb_run(argv, cnf, out, sizeof(out))) != 0) {
        fprintf(stderr, "%s %s: exit status %d (OPENSSL_CONF=%s)\n",
                argv[1], argv[2], rc, cnf);
        return -1;
    }
    return atof(out);
}

double hpb_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long hpb_rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;

    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &res) != 2)
        res = -1;
    fclose(f);
    return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

double hpb_median(double *v, int n)
{
    if (n <= 0)
        return NAN;
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void hpb_header(const char *title)
{
    printf("\n== %s\n", title);
    printf("%-44s %8s  %-28s %s\n", "case", "ratio", "with / without",
           "target");
    fflush(stdout);
}

void hpb_ratio(const char *name, double with, double without,
               const char *unit, double target)
{
    char abs[64], tgt[32] = "-"; /* judged on instruction counts only */
    double r = without > 0 ? with / without : NAN;

    snprintf(abs, sizeof(abs), with >= 1000 ? "%.0f / %.0f %s" : "%.3g / %.3g %s",
             with, without, unit);
    if (target > 0)
        snprintf(tgt, sizeof(tgt), "<= %.3f %s", target,
                 r <= target ? "met" : "MISSED");
    printf("%-44s %8.4f  %-28s %s\n", name, r, abs, tgt);
    fflush(stdout);
}

/* The interpreter itself: a wrapper (pyenv's shim is a shell script)
 * would be measured instead, and under valgrind not followed past exec. */
const char *hpb_real_python(void)
{
    static char path[1024];
    char *argv[] = { "python3", "-c", "import sys; print(sys.executable)",
                     NULL };
    size_t n;

    if (path[0] != '\0')
        return path;
    if (hpb_run(argv, NULL, path, sizeof(path)) != 0)
        return "python3";
    n = strcspn(path, "\n");
    path[n] = '\0';
    return n > 0 ? path : "python3";
}
