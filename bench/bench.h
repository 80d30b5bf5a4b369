/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin benchmarks: shared helpers.
 *
 * Every benchmark compares "with hostpin" to "without" in one run.  The
 * module cannot be unloaded and takes its settings from openssl.cnf, so the
 * driver runs each side in a child process (the same binary, "child"
 * subcommand) with its own OPENSSL_CONF, alternating the sides, and prints
 * the ratio.  In instruction-count mode (--callgrind) each child runs under
 * `valgrind --tool=callgrind` twice, with two iteration counts; the
 * difference cancels start-up and set-up, so the figure is instructions per
 * iteration, repeatable to a few instructions. */
#ifndef HOSTPIN_BENCH_H
#define HOSTPIN_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define HPB_MAX_ARGS 32

struct hpb_opts {
    int smoke;         /* tiny iteration counts, no judgement on time */
    int callgrind;     /* instruction counts under valgrind */
    int rounds;        /* alternating child runs per side (timing) */
    long iters;        /* iterations per child run (timing) */
    const char *module;/* hostpin.so */
    const char *work;  /* scratch folder (created, removed at exit) */
    const char *only;  /* run only cases whose name contains this */
};

/* A genuine chain root -> intermediate -> leaf, written as PEM files in
 * `dir` (root.pem, inter.pem, leaf.pem, leaf.key, inter.key) with the leaf
 * valid for pinned.test, free.test and 127.0.0.1.  alg: "ec" or "rsa". */
int hpb_make_pki(const char *dir, const char *alg);
/* Loading what hpb_make_pki wrote. */
X509 *hpb_load_cert(const char *path);
EVP_PKEY *hpb_load_key(const char *path);
/* "sha256/..." pin of a certificate file's SPKI, computed independently of
 * the module (i2d_X509_PUBKEY + EVP_Digest). */
int hpb_pin_of(const char *certfile, char out[64]);

/* A pins file: `pinned.test` pinned to `pin` plus nfill generated hosts,
 * each with two random pins (every fourth with include_subdomains). */
int hpb_write_pins(const char *path, const char *pin, long nfill);
/* openssl.cnf activating default, and hostpin with `pins` if not NULL. */
int hpb_write_cnf(const char *path, const char *module, const char *pins);

/* The folder of one benchmark case, o->work/NAME-ALG: hpb_make_pki's
 * chain, a pins file pinning its intermediate (with 1,000 other hosts,
 * 10 in smoke runs), and with.cnf / without.cnf.  1 on success; says
 * what failed on stderr otherwise. */
struct hpb_case {
    char dir[1024];
    char with[1100];
    char without[1100];
};
int hpb_case_setup(const struct hpb_opts *o, const char *name,
                   const char *alg, struct hpb_case *c);

/* In a child: exec argv with OPENSSL_CONF=cnf (NULL: unset); never
 * returns (127 if the exec fails). */
void hpb_exec(char *const argv[], const char *cnf)
    __attribute__((noreturn));
/* Run argv (argv[0] is a path) with OPENSSL_CONF=cnf (NULL: unset) and
 * collect its stdout into out (NUL-terminated).  Returns exit status or
 * -1. */
int hpb_run(char *const argv[], const char *cnf, char *out, size_t outlen);
/* Same under callgrind; returns the "Collected" instruction count or -1. */
long long hpb_callgrind(char *const argv[], const char *cnf);
/* Only the instructions executed inside function `func` (and what it
 * calls): callgrind's --toggle-collect. */
long long hpb_callgrind_in(char *const argv[], const char *cnf,
                           const char *func);
/* Per-iteration cost of one side: argv[iarg] is set to the iteration
 * count.  Timing: the child prints nanoseconds per iteration for o->iters.
 * Callgrind: (instructions at 5 + k) - (instructions at 5), over k. */
double hpb_side(const struct hpb_opts *o, char **argv, int iarg,
                const char *cnf, long k);
/* mkdir -p; 0 on success. */
int hpb_mkdir(const char *path);
/* Path of this executable. */
const char *hpb_self(void);
/* The python3 interpreter's own path (not a wrapper script). */
const char *hpb_real_python(void);

double hpb_now(void);        /* monotonic seconds */
long hpb_rss_kb(void);       /* current resident set, KB */
double hpb_median(double *v, int n);

/* Ratio line: "name  ratio  (with / without)  target". */
void hpb_ratio(const char *name, double with, double without,
               const char *unit, double target);
void hpb_header(const char *title);

/* Benchmarks (driver side) and their children. */
int hpb_verify(const struct hpb_opts *o);
int hpb_verify_child(int argc, char **argv);
int hpb_handshake(const struct hpb_opts *o);
int hpb_handshake_child(int argc, char **argv);
int hpb_startup(const struct hpb_opts *o);
int hpb_scale(const struct hpb_opts *o);
int hpb_scale_child(int argc, char **argv);
int hpb_lookups_child(int argc, char **argv);
int hpb_threads(const struct hpb_opts *o);
int hpb_threads_child(int argc, char **argv);
int hpb_process(const struct hpb_opts *o);

#endif
