/* SPDX-License-Identifier: Apache-2.0 */
/* The compiled index of a pins file: a hash table of the rules, written by
 * `hostpin index` beside the pins file and memory-mapped by the module, so
 * that the first verification of a process with 100,000 hosts neither
 * parses the file nor holds it in memory.
 *
 * The libconfig file stays the only file people edit.  An index names the
 * source it was compiled from (device, inode, size, mtime, ctime, SHA-256)
 * and is used only while the source still matches; otherwise, and whenever
 * the index is missing, truncated or corrupt, the pins file is parsed as
 * before.  Every read of the mapping is bounds-checked, and every 4 KiB
 * block is checked against its checksum before its first use (the
 * checksums themselves are checked when the index is opened), so the cost
 * of opening does not grow with the number of hosts. */
#ifndef HOSTPIN_INDEX_H
#define HOSTPIN_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "hostpin_conf.h"

/* Beside the pins file: "<pins file>.idx". */
#define HP_INDEX_SUFFIX ".idx"

/* hp_index_write flags. */
#define HP_INDEX_NOWAIT 1 /* do not wait for a fresh file's timestamps to
                             settle; the index then makes readers compare
                             the source's SHA-256 (tests) */

/* Compile `pins_path` into `index_path` (NULL: pins_path + ".idx"),
 * atomically (temporary file, fsync, rename).  Returns 1, or 0 with *err
 * set (a pins file that does not load gives the loader's error).  *nrules,
 * if not NULL, receives the number of hosts. */
int hp_index_write(const char *pins_path, const char *index_path, int flags,
                   size_t *nrules, struct hp_error_st *err);

/* What an index beside a pins file is worth. */
enum hp_index_state {
    HP_INDEX_OK = 0,   /* valid and matches the pins file */
    HP_INDEX_MISSING,  /* no index: the file is parsed */
    HP_INDEX_STALE,    /* the pins file (or an included file) changed */
    HP_INDEX_INVALID,  /* truncated, corrupt, wrong version: ignored */
    HP_INDEX_UNTRUSTED /* others than root or the user could write it */
};

/* Open the index of `pins_path` (NULL index_path: the default name) as a
 * pin set backed by the mapping.  Returns HP_INDEX_OK with *out set, or
 * another state with *out NULL and `why` saying what is wrong. */
enum hp_index_state hp_index_open(const char *pins_path,
                                  const char *index_path,
                                  struct hp_pinset_st **out, char *why,
                                  size_t whylen);

/* Full check for `hostpin status` and `hostpin index --check`: everything
 * hp_index_open checks, plus every block's checksum and the source's
 * SHA-256.  Returns the state and explains it in `why`. */
enum hp_index_state hp_index_verify(const char *pins_path,
                                    const char *index_path, char *why,
                                    size_t whylen);

/* What hp_pinset_load found of the index: whether it was used, else its
 * state and why (for the caller to log). */
struct hp_index_note_st {
    int used;
    enum hp_index_state state;
    char why[512];
};

/* The pin set of a pins file for the module: the index when it is valid
 * and current, else the parsed file.  Same contract as hp_conf_load_file;
 * *note (if not NULL) says which and why; *sources (if not NULL, empty)
 * receives every file and folder read, even when the load fails. */
int hp_pinset_load(const char *pins_path, struct hp_pinset_st **out,
                   struct hp_error_st *err, struct hp_index_note_st *note,
                   struct hp_sources_st *sources);

/* Rule number i (0 <= i < ps->nrules) of a parsed or index-backed set, in
 * file order; NULL past the end (or if the index turns out damaged).
 * Enumerate rules with this, not ps->rules, which an index leaves NULL. */
const struct hp_rule_st *hp_pinset_rule_at(const struct hp_pinset_st *ps,
                                           size_t i);

/* Can an IP name of a connection change what `ps` decides or says?  Not
 * when it has no rule for an IP literal, no deny pins and no policy for
 * every connection: the module then skips reading the connection's IP
 * (X509_VERIFY_PARAM_get1_ip_asc raises an error when none is set, 1,800
 * instructions, 0.25% of an RSA verification). */
int hp_pinset_ip_matters(const struct hp_pinset_st *ps);

/* Internal to conf/: the index-backed side of pinset.c. */
struct hp_index_st;
const struct hp_rule_st *hp_index_find(struct hp_index_st *ix,
                                       const char *name, size_t len);
/* fn for every rule one label under `parent` (hp_pinset_children). */
void hp_index_children(struct hp_index_st *ix, const char *parent,
                       size_t len,
                       void (*fn)(const struct hp_rule_st *, void *),
                       void *arg);
void hp_index_close(struct hp_index_st *ix);

#endif
