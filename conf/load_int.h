/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the conf library: the loader's state and helpers, shared by
 * load.c and the files that parse further settings (policy_load.c). */
#ifndef HOSTPIN_LOAD_INT_H
#define HOSTPIN_LOAD_INT_H

#include <libconfig.h>

#include "hostpin_conf.h"

struct loader {
    struct hp_pinset_st *ps;
    struct hp_error_st *err;
    const char *name;    /* file name for messages */
    const char *basedir; /* for relative certificate paths */
    const char *text;    /* the text being loaded, for error lines */
    size_t cap;          /* allocated rules */
};

/* printf-checked, which clang's -Wformat-nonliteral (-Wformat=2) needs. */
void hp_load_err(struct hp_error_st *err, const char *file, int line,
             const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *hp_load_file_of(const struct loader *ld, const config_setting_t *s);
int hp_load_line_of(const struct loader *ld, const config_setting_t *s);
int hp_load_is_list(const config_setting_t *s);
/* A file name owned by the pin set, for rules and settings to point at. */
const char *hp_load_intern(struct loader *ld, const char *f);
int hp_load_mode(struct loader *ld, const config_setting_t *s,
               enum hp_mode *out);

#define SET_ERR(ld, s, ...) \
    hp_load_err((ld)->err, hp_load_file_of(ld, s), hp_load_line_of(ld, s), __VA_ARGS__)

/* Check the trust of the files `text` @includes (relative to basedir), in
 * turn; 1, or 0 with the loader's error set. */
int hp_load_check_includes(struct loader *ld, const char *text,
                           const char *basedir, int depth);

/* policy_load.c: settings beyond pins.  Each returns 1, or 0 with the
 * loader's error set. */
int hp_load_policy(struct loader *ld, const config_setting_t *s,
                   struct hp_policy_st *out);
int hp_load_pin_list(struct loader *ld, const config_setting_t *s,
                     const char *what, hp_digest **out, size_t *n);
/* Top-level policy, policy_scope, deny, allow_interception, report. */
int hp_load_top_extras(struct loader *ld, const config_setting_t *root);
/* include_dir: every *.conf file in it, in name order, adds hosts.  `load`
 * loads one file's hosts into ld->ps. */
int hp_load_include_dir(struct loader *ld, const config_setting_t *s,
                        int (*load)(struct loader *, config_t *));

#endif
