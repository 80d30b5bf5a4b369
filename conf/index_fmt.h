/* SPDX-License-Identifier: Apache-2.0 */
/* On-disk layout of a pins-file index (internal to conf/).  Native byte
 * order: an index is compiled on the machine that uses it, and `bom`
 * refuses one that was not.
 *
 *   header (block 0) | deps | files | rules | table | ctable | cnext |
 *   anchors | pins | strings | blobs | pad | sums
 *
 * table: rule + 1 by host (0: empty); ctable: by parent name (what follows
 * a DNS host's first label), the first rule of that parent + 1; cnext: per
 * rule, the next rule of the same parent + 1 (the names a wildcard can
 * stand for).
 *
 * sums[b] (b >= 1) is the checksum of bytes [b * 4096, (b + 1) * 4096) of
 * everything before `sums`; header_hash covers the header (alone in block
 * 0), sums_hash the sums. */
#ifndef HOSTPIN_INDEX_FMT_H
#define HOSTPIN_INDEX_FMT_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HP_IDX_MAGIC "HPINDEX\0"
#define HP_IDX_VERSION 7u /* 7: IPv4-mapped IPv6 hosts kept as IPv4 */
#define HP_IDX_BOM 0x01020304u
#define HP_IDX_BLOCK_SHIFT 12u
#define HP_IDX_BLOCK (1u << HP_IDX_BLOCK_SHIFT)

#define HP_IDX_F_RACY 1u /* readers must compare the source's SHA-256 */
#define HP_IDX_F_ANCHORS 2u /* some rule has anchors */

/* Identity of a file: the index is used only while its sources match. */
struct hp_idx_sig {
    uint64_t dev, ino, size;
    int64_t mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};

struct hp_idx_str {
    uint32_t off, len;
};

/* struct hp_policy_st; file is an index into files, UINT32_MAX: none. */
struct hp_idx_policy {
    int32_t min_rsa_bits, min_ec_bits, min_sig_bits, require_ca;
    uint32_t file;
    int32_t line;
};

struct hp_idx_header {
    char magic[8];
    uint32_t version, bom, header_size, block_shift;
    uint64_t file_size;
    struct hp_idx_sig src;          /* the pins file */
    uint8_t src_sha256[32];
    int64_t built_sec;              /* when the source was read */
    uint32_t flags, mode;
    int32_t reload_interval;
    uint32_t nrules, nduplicates, nfiles, ndeps, table_slots;
    uint32_t npins, pad0;
    uint64_t deps_off, files_off, rules_off, table_off, pins_off;
    uint64_t strings_off, strings_len, sums_off;
    uint64_t sums_hash, header_hash;
    /* Top-level settings besides hosts (policy_load.c). */
    struct hp_idx_policy policy;
    uint32_t policy_all, has_policy;
    uint32_t deny, ndeny;           /* into pins */
    int32_t deny_line;
    uint32_t allow, nallow;         /* into pins */
    uint32_t report_syslog;
    struct hp_idx_str report_file;  /* len 0 and off 0: none */
    struct hp_idx_str include_dir;
    uint32_t nip;                   /* rules for IP literals */
    uint32_t deny_file;             /* into files; UINT32_MAX: none */
    uint64_t ctable_off, cnext_off; /* table_slots and nrules entries */
    uint64_t anchors_off, blobs_off, blobs_len;
    uint32_t nanchors, pad1;
};
static_assert(sizeof(struct hp_idx_header) == 376, "header layout");

/* An anchor certificate of a rule: its DER in blobs, its file's name in
 * strings (the file is a dependency too). */
struct hp_idx_anchor {
    uint64_t der_off;
    uint32_t der_len, file_off, file_len, pad;
};
static_assert(sizeof(struct hp_idx_anchor) == 24, "anchor layout");

/* Another file or folder the rules come from (@include, include_dir and
 * its drop-in files). */
struct hp_idx_dep {
    uint32_t path_off, path_len; /* into strings, NUL-terminated there */
    struct hp_idx_sig sig;
};
static_assert(sizeof(struct hp_idx_dep) == 64, "dep layout");

#define HP_IDX_R_IP 1u
#define HP_IDX_R_SUBDOMAINS 2u
#define HP_IDX_R_NO_SYSTEM_ROOTS 4u

struct hp_idx_rule {
    uint32_t host_off;   /* into strings; NUL-terminated */
    uint16_t host_len;
    uint8_t flags, mode;
    uint32_t line, file; /* file: index into files */
    uint32_t pins, npins;/* into pins (32-byte digests, sorted) */
    int64_t expires;
    uint32_t exp_off;    /* expires as written; exp_len 0: none */
    uint16_t exp_len, pad;
    uint32_t npins_written, ncert_pins;
    struct hp_idx_policy policy;
    uint32_t deny, ndeny; /* into pins */
    uint32_t anchors, nanchors; /* into anchors */
    uint32_t apins, napins; /* the anchors' keys, into pins */
};
static_assert(sizeof(struct hp_idx_rule) == 96, "rule layout");

/* Checksum of index blocks, the sums and the header (not cryptographic: it
 * finds damage; whoever can write the index can write the pins file). */
uint64_t hp_idx_hash(const void *data, size_t len);

struct stat;
void hp_idx_sig_of(const struct stat *st, struct hp_idx_sig *s);
int hp_idx_sig_file(const char *path, struct hp_idx_sig *s);
int hp_idx_sha256_file(const char *path, unsigned char out[32]);

/* The slot hash of the index: writer and reader must agree, so it lives
 * with the format.  FNV-1a leaves names that differ in their last
 * characters close in the low bits, which make the slot: murmur3's
 * finalizer mixes them. */
static inline uint32_t hp_index_hash(const char *s, size_t len);

/* The parent of a DNS host (what follows its first label), or NULL. */
static inline const char *hp_index_parent(const char *host, int is_ip)
{
    const char *dot = is_ip ? NULL : strchr(host, '.');

    return dot != NULL ? dot + 1 : NULL;
}

static inline uint32_t hp_index_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    return h ^ (h >> 16);
}

#endif
