/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the conf library's lint (lint.c, lint_files.c). */
#ifndef HOSTPIN_LINT_INT_H
#define HOSTPIN_LINT_INT_H

#include <libconfig.h>

#include "hostpin_conf.h"

struct linter;

void hp_lint_add(struct linter *l, enum hp_lint_code code, const char *file,
                 int line, const char *host, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* 1 if `path` was seen before; records it otherwise. */
int hp_lint_seen(struct linter *l, const char *path);
const char *hp_lint_basedir(const struct linter *l);
int64_t hp_lint_now(const struct linter *l);

/* lint_files.c: permissions of a file and of its folder. */
void hp_lint_perms(struct linter *l, const char *path, const char *what);
/* Certificates of a `certs` entry: their pins in *d (caller frees), and a
 * warning for each expired one.  `file`/`line` locate the entry. */
void hp_lint_cert_file(struct linter *l, const char *file, int line,
                       const char *host, const char *name, hp_digest **d,
                       size_t *nd);

/* Warnings judged on the loaded rules, which include what certs_dir adds:
 * a host with no backup pin, certs_dir files (permissions, expiry). */
void hp_lint_rules(struct linter *l, const struct hp_pinset_st *ps);

/* lint_certs_dir.c: certs_dir hosts merged into `hosts` entries, and
 * files of the folder that pin nothing.  s may be NULL (no certs_dir). */
void hp_lint_certs_dir(struct linter *l, const config_setting_t *s,
                       const struct hp_pinset_st *ps);

/* lint_psl.c: rules for public suffixes (libpsl). */
void hp_lint_psl(struct linter *l, const struct hp_pinset_st *ps);

#endif
