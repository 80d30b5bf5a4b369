/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin ps: which processes and programs hostpin covers, and why not. */
#ifndef HOSTPIN_CLI_PS_H
#define HOSTPIN_CLI_PS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* elf.c: what a file says about its TLS. */
#define HP_ELF_NEEDED_MAX 64
struct hp_elf_st {
    int elf;        /* an ELF file of this machine's byte order */
    int dynamic;    /* dynamically linked */
    char needed[HP_ELF_NEEDED_MAX][64]; /* DT_NEEDED */
    size_t nneeded;
    char runpath[512]; /* DT_RUNPATH, else DT_RPATH */
    int go;         /* a Go program */
    int go_tls;     /* ... with crypto/tls in it */
    char bundled[80]; /* a TLS library linked in ("OpenSSL 3.0.13 ..."), or "" */
};
/* 1 if fd is an ELF file (out filled), 0 if not or unreadable. */
int hp_elf_inspect(int fd, struct hp_elf_st *out);

/* Libraries that matter, by file name (hp_ps_libkind). */
#define HP_LIB_SSL 0x01     /* libssl.so.N */
#define HP_LIB_GNUTLS 0x02
#define HP_LIB_NSS 0x04
#define HP_LIB_JAVA 0x08
#define HP_LIB_NODE 0x10    /* Debian's libnode */
#define HP_LIB_HOSTPIN 0x20 /* hostpin.so or hostpin-core.so */
#define HP_LIB_BUNDLED 0x40 /* an OpenSSL under another name (libssl-*.so) */
unsigned hp_ps_libkind(const char *base);

enum hp_cover { HP_PROTECTED, HP_NEEDS_RESTART, HP_NOT_COVERED };

struct hp_proc_st {
    long pid;
    unsigned uid;
    char user[64];
    char comm[64];         /* /proc/PID/comm */
    char exe[1024];
    int64_t started_us;    /* start, microseconds since the epoch */
    enum hp_cover state;
    char tls[32];          /* OpenSSL, GnuTLS, NSS, Java, Go, ... */
    char config[1024];     /* the openssl.cnf it reads, or "" */
    char reason[768];
};

struct hp_ps_st {
    struct hp_proc_st *v;
    size_t n, cap;
    size_t unreadable; /* processes whose maps could not be read */
    char unreadable_why[128];
};

/* procs.c: every process that uses TLS (only pids[] if npids > 0). */
int hp_ps_scan(const long *pids, size_t npids, struct hp_ps_st *ps);
void hp_ps_free(struct hp_ps_st *ps);
/* "protected", "needs restart", "not covered"; json: with '-'. */
const char *hp_ps_state(enum hp_cover s, int json);
/* The system libssl: the one this command uses (path, device, inode). */
int hp_ps_system_libssl(char *path, size_t len, dev_t *dev, ino_t *ino);

/* programs.c: installed programs. */
struct hp_prog_st {
    char path[1024];
    char unit[256];   /* the systemd unit that starts it, or "" */
    int covered;      /* uses the system libssl */
    char tls[32];
    char reason[768];
};
/* Classify the program file at path: 1 if it uses TLS (p filled), 0 if
 * not (or not an ELF program).  The closest TLS library among its needs
 * decides (curl needs libcurl, which needs libssl; the GnuTLS under
 * libldap serves LDAP only). */
int hp_ps_program(const char *path, struct hp_prog_st *p);
/* The same, opening `path` but naming it `name` (a /proc/PID/exe). */
int hp_ps_classify(const char *path, const char *name, struct hp_prog_st *p);
/* Programs users run as TLS clients that hostpin cannot cover, found on
 * PATH: calls cb for each. */
void hp_ps_known_uncovered(void (*cb)(const struct hp_prog_st *, void *),
                           void *arg);

#endif
