/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin import: pins from other pinning products' configuration files.
 * Each format's reader fills the same list of hosts; import.c checks each
 * entry with the pins-file loader and prints the pins file. */
#ifndef HOSTPIN_CLI_IMPORT_H
#define HOSTPIN_CLI_IMPORT_H

#include <stddef.h>

struct hp_imp_host_st {
    char *host;             /* as written in the input */
    int include_subdomains;
    int report;             /* pins checked but not enforced */
    char *expires;          /* "YYYY-MM-DD" or ISO 8601 UTC, or NULL */
    char **pins;            /* as written (base64 or sha256/base64) */
    size_t npins;
    char **anchors;         /* certificate files trusted for this host */
    size_t nanchors;
    int no_system_roots;    /* system_roots = false */
    char where[96];         /* where in the input, for messages */
};

struct hp_imp_st {
    const char *file;       /* input name for messages */
    struct hp_imp_host_st *hosts;
    size_t nhosts;
    char **notes;           /* what was read but has no equivalent */
    size_t nnotes;
    const char *raw_dir;    /* --raw-dir: an Android app's res/raw */
};

/* Readers: 1 on success, 0 after printing why the input is refused. */
int hp_import_outsystems(struct hp_imp_st *imp, const char *data,
                         size_t len);
int hp_import_react_native(struct hp_imp_st *imp, const char *data,
                           size_t len);
int hp_import_android_nsc(struct hp_imp_st *imp, const char *data,
                          size_t len);
int hp_import_trustkit(struct hp_imp_st *imp, const char *data, size_t len);

/* import.c: building the list (0 on out of memory, message printed). */
struct hp_imp_host_st *hp_imp_add_host(struct hp_imp_st *imp,
                                       const char *host, const char *where);
int hp_imp_add_pin(struct hp_imp_host_st *h, const char *pin);
int hp_imp_add_anchor(struct hp_imp_host_st *h, const char *file);
int hp_imp_set_expires(struct hp_imp_host_st *h, const char *text);
int hp_imp_note(struct hp_imp_st *imp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A refusal: "hostpin import: FILE: WHERE: message"; returns 0. */
int hp_imp_fail(const struct hp_imp_st *imp, const char *where,
                const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
