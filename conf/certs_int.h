/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the conf library: certificate files as pins (certs_dir.c). */
#ifndef HOSTPIN_CERTS_INT_H
#define HOSTPIN_CERTS_INT_H

#include <libconfig.h>

#include "hostpin_conf.h"

/* load.c: a whole regular file of at most `max` bytes, NUL-terminated,
 * that only trusted users can change (trust.c; folder_checked: its folder
 * was checked with hp_trust_folder); NULL with *why set otherwise, and
 * hp_conf_untrusted(*why) says whether it was refused as untrusted. */
char *hp_conf_read_small(const char *path, long max, int folder_checked,
                         size_t *len, const char **why);
int hp_conf_untrusted(const char *why);

/* load.c: append a pin to r's array (room for *cap, grown as needed). */
int hp_rule_add_pin(struct hp_rule_st *r, size_t *cap, const hp_digest d);

/* Every certificate of a PEM or DER file (bundles too) pins rule r (its
 * pins array has room for *cap) and is kept in r->certs.  1 on success;
 * 0 (file unusable) or -1 (out of memory) with *why set. */
int hp_certs_add_file(struct hp_rule_st *r, size_t *cap, const char *path,
                      int folder_checked, const char **why);

/* The same for an `anchors` file: each certificate must be self-signed;
 * it is kept in r->anchors, its key is a pin and an anchor pin. */
int hp_anchors_add_file(struct hp_rule_st *r, size_t *cap, const char *path,
                        const char **why);

/* The top-level `certs_dir` setting s, found in `file` (for messages):
 * each HOST.cer, HOST.crt or HOST.pem pins HOST, added to the `hosts`
 * entry of HOST if there is one.  Call before the set is indexed.
 * Returns 1, or 0 with *err filled in. */
int hp_certs_dir_load(struct hp_pinset_st *ps, const config_setting_t *s,
                      const char *file, const char *basedir,
                      struct hp_error_st *err);
/* The extension of a pin file's name (".cer", ".crt", ".pem", any case),
 * or NULL if the folder's loader leaves the file alone. */
const char *hp_certs_dir_ext(const char *name);
/* The normalised host a pin file is named after; 0 if it is not a valid
 * host name (nothing is guessed). */
int hp_certs_dir_host(const char *name, char norm[HP_NAME_MAX], int *is_ip);

#endif
