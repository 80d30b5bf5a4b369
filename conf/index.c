/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a pins-file index: validation, lookups through the mapping, and
 * hp_pinset_load, which prefers a current index to parsing.
 *
 * Opening checks the header (magic, version, byte order, bounds of every
 * section, its own checksum), the table of block checksums, and that the
 * pins file and its included files are those the index was compiled from;
 * it reads a few KB whatever the number of hosts.  A 4 KiB block is read
 * (pread) and checked against its checksum the first time a lookup needs
 * it, and kept.  Should a block turn out damaged or unreadable after
 * opening, the index is abandoned for the parsed pins file (once, under a
 * lock) and lookups go on there: a lookup never answers from data that
 * failed its check.
 *
 * Blocks are read rather than mapped: a mapping would make a truncated
 * index fault (SIGBUS) in every process using it, and on kernels that keep
 * file pages in 2 MB folios a single touch of a mapping adds 2 MB to the
 * process's resident memory (measured here: 6 MB for the first
 * verification with 100,000 hosts, against 2 MB allowed). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hostpin_index.h"
#include "index_fmt.h"

struct hp_index_st {
    int fd;                               /* kept open, close-on-exec */
    size_t size;
    struct hp_idx_header hdr;
    const struct hp_idx_header *h;        /* &hdr */
    uint64_t *sums;
    size_t nblocks;
    _Atomic(unsigned char *) *blocks;     /* checked blocks, read once */
    _Atomic(struct hp_rule_st *) *views;  /* rules built from records */
    char *const *files;                   /* the owning set's names */
    char *pins_path;
    pthread_mutex_t lock;                 /* building the fallback */
    struct hp_pinset_st *_Atomic fallback;
};

/* ---- checksum ---------------------------------------------------------- */

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full

static uint64_t rotl(uint64_t v, int r)
{
    return (v << r) | (v >> (64 - r));
}

static uint64_t rd64(const unsigned char *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return v;
}

uint64_t hp_idx_hash(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t a = P1 + P2, b = P2, c = 0, d = -P1, h;
    size_t i = 0;

    for (; i + 32 <= n; i += 32) { /* four lanes, as xxHash64 does */
        a = rotl(a + rd64(p + i) * P2, 31) * P1;
        b = rotl(b + rd64(p + i + 8) * P2, 31) * P1;
        c = rotl(c + rd64(p + i + 16) * P2, 31) * P1;
        d = rotl(d + rd64(p + i + 24) * P2, 31) * P1;
    }
    h = rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18) + (uint64_t)n;
    for (; i + 8 <= n; i += 8)
        h = rotl(h ^ (rd64(p + i) * P2), 27) * P1;
    for (; i < n; i++)
        h = rotl(h ^ (p[i] * P1), 11) * P2;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P1;
    return h ^ (h >> 32);
}

/* ---- validated access -------------------------------------------------- */

/* Block b, read and checked on first use; NULL if unreadable or damaged. */
static const unsigned char *block(struct hp_index_st *ix, size_t b)
{
    unsigned char *p = atomic_load_explicit(&ix->blocks[b],
                                            memory_order_acquire);
    unsigned char *expect = NULL;
    size_t start = b << HP_IDX_BLOCK_SHIFT, len = HP_IDX_BLOCK, got = 0;

    if (p != NULL)
        return p;
    if (b == 0 || b >= ix->nblocks)
        return NULL;
    if (start + len > ix->h->sums_off)
        len = (size_t)ix->h->sums_off - start;
    if ((p = malloc(HP_IDX_BLOCK)) == NULL)
        return NULL;
    while (got < len) {
        ssize_t n = pread(ix->fd, p + got, len - got, (off_t)(start + got));

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got != len || hp_idx_hash(p, len) != ix->sums[b]) {
        free(p);
        return NULL;
    }
    if (!atomic_compare_exchange_strong(&ix->blocks[b], &expect, p)) {
        free(p);
        p = expect;
    }
    return p;
}

/* Copy [off, off + len) of the checked area into dst; 0 if that is out of
 * bounds or fails its checksum. */
static int rd(struct hp_index_st *ix, uint64_t off, uint64_t len, void *dst)
{
    unsigned char *out = dst;

    if (len == 0 || off < HP_IDX_BLOCK || off >= ix->h->sums_off ||
        len > ix->h->sums_off - off)
        return 0;
    while (len > 0) {
        size_t b = (size_t)(off >> HP_IDX_BLOCK_SHIFT);
        size_t in = (size_t)(off & (HP_IDX_BLOCK - 1));
        size_t n = HP_IDX_BLOCK - in < len ? HP_IDX_BLOCK - in : (size_t)len;
        const unsigned char *p = block(ix, b);

        if (p == NULL)
            return 0;
        memcpy(out, p + in, n);
        out += n;
        off += n;
        len -= n;
    }
    return 1;
}

/* [off, off + len) in place when it lies within one block (no copy: the
 * lookup path), else copied into buf (len bytes); NULL as rd fails. */
static const void *peek(struct hp_index_st *ix, uint64_t off, uint64_t len,
                        void *buf)
{
    size_t b = (size_t)(off >> HP_IDX_BLOCK_SHIFT);
    const unsigned char *p;

    if (len == 0 || off < HP_IDX_BLOCK || off >= ix->h->sums_off ||
        len > ix->h->sums_off - off)
        return NULL;
    if (((off + len - 1) >> HP_IDX_BLOCK_SHIFT) != b)
        return rd(ix, off, len, buf) ? buf : NULL;
    p = atomic_load_explicit(&ix->blocks[b], memory_order_acquire);
    if (p == NULL && (p = block(ix, b)) == NULL)
        return NULL;
    return p + (off & (HP_IDX_BLOCK - 1));
}

/* The string of `len` bytes at strings + off, NUL-terminated there, into
 * dst (len + 1 bytes). */
static int rd_str(struct hp_index_st *ix, uint64_t off, uint64_t len,
                  char *dst)
{
    if (off >= ix->h->strings_len || len >= ix->h->strings_len - off ||
        !rd(ix, ix->h->strings_off + off, len + 1, dst))
        return 0;
    return dst[len] == '\0' && memchr(dst, '\0', (size_t)len) == NULL;
}

/* ---- lookups ----------------------------------------------------------- */

/* Damage found after opening: from now on the parsed file answers. */
static const struct hp_rule_st refuse_all = {
    .host = "", .mode = HP_MODE_ENFORCE, .file = "(damaged index)",
};

static struct hp_pinset_st *fallback_set(struct hp_index_st *ix)
{
    struct hp_pinset_st *fb = atomic_load(&ix->fallback);

    if (fb == NULL) {
        pthread_mutex_lock(&ix->lock);
        if ((fb = atomic_load(&ix->fallback)) == NULL) {
            struct hp_sources_st src, *was;
            struct hp_error_st err;
            struct timespec now;

            /* Not a file caught half-written (sources.c): until it has
             * settled, nothing answers and every name is refused. */
            memset(&src, 0, sizeof(src));
            was = hp_sources_collect(&src);
            if (!hp_conf_load_file(ix->pins_path, &fb, &err))
                fb = NULL;
            hp_sources_collect(was);
            clock_gettime(CLOCK_REALTIME, &now);
            if (fb != NULL &&
                (hp_sources_changed(&src) ||
                 hp_sources_unsettled(&src, &now, HP_SETTLE_MS, NULL,
                                      NULL))) {
                hp_pinset_free(fb);
                fb = NULL;
            }
            hp_sources_free(&src);
            atomic_store(&ix->fallback, fb);
        }
        pthread_mutex_unlock(&ix->lock);
    }
    return fb;
}

static const struct hp_rule_st *fallback_find(struct hp_index_st *ix,
                                              const char *name, size_t len)
{
    struct hp_pinset_st *fb = fallback_set(ix);

    /* The pins file no longer loads either: every name is pinned to
     * nothing, so verifications fail closed rather than go unpinned. */
    return fb != NULL ? hp_pinset_find_exact(fb, name, len) : &refuse_all;
}

static int pins_ok(struct hp_index_st *ix, uint32_t at, uint32_t n)
{
    return at <= ix->h->npins && n <= ix->h->npins - at;
}

/* n digests from the pool into dst (nothing for n = 0). */
static int get_pins(struct hp_index_st *ix, uint32_t at, uint32_t n,
                    hp_digest *dst)
{
    return n == 0 ||
           (pins_ok(ix, at, n) &&
            rd(ix, ix->h->pins_off + (uint64_t)at * HP_DIGEST_LEN,
               (uint64_t)n * HP_DIGEST_LEN, dst));
}

static int get_policy(struct hp_index_st *ix, const struct hp_idx_policy *x,
                      struct hp_policy_st *p)
{
    if (x->file != UINT32_MAX && x->file >= ix->h->nfiles)
        return 0;
    p->min_rsa_bits = x->min_rsa_bits;
    p->min_ec_bits = x->min_ec_bits;
    p->min_sig_bits = x->min_sig_bits;
    p->require_ca = x->require_ca;
    p->file = x->file == UINT32_MAX ? NULL : ix->files[x->file];
    p->line = x->line;
    return 1;
}

static void free_view(struct hp_rule_st *r)
{
    if (r == NULL)
        return;
    hp_certs_free(r->anchors);
    free(r->anchor_pins);
    free(r);
}

/* A rule's anchors: their DER, file names and keys, copied out. */
static int view_anchors(struct hp_index_st *ix, const struct hp_idx_rule *rec,
                        struct hp_rule_st *r)
{
    const struct hp_idx_header *h = ix->h;
    struct hp_certs_st *c;
    uint32_t k;

    if (rec->anchors > h->nanchors || rec->nanchors > h->nanchors -
                                                      rec->anchors ||
        !pins_ok(ix, rec->apins, rec->napins) || rec->napins == 0)
        return 0;
    if ((r->anchor_pins = malloc((size_t)rec->napins * HP_DIGEST_LEN)) ==
            NULL ||
        !get_pins(ix, rec->apins, rec->napins, r->anchor_pins))
        return 0;
    r->nanchor_pins = rec->napins;
    if ((c = calloc(1, sizeof(*c) + rec->nanchors * sizeof(c->v[0]))) ==
        NULL)
        return 0;
    r->anchors = c; /* freed with the view, even if filled only in part */
    for (k = 0; k < rec->nanchors; k++) {
        struct hp_idx_anchor an;
        char file[4096];

        if (!rd(ix, h->anchors_off + (uint64_t)(rec->anchors + k) *
                                         sizeof(an),
                sizeof(an), &an) ||
            an.der_off >= h->blobs_len || an.der_len == 0 ||
            an.der_len > h->blobs_len - an.der_off ||
            an.file_len >= sizeof(file) ||
            !rd_str(ix, an.file_off, an.file_len, file) ||
            (c->v[k].der = OPENSSL_malloc(an.der_len)) == NULL)
            return 0;
        c->n = k + 1;
        c->v[k].len = an.der_len;
        if (!rd(ix, h->blobs_off + an.der_off, an.der_len, c->v[k].der) ||
            (c->v[k].file = strdup(file)) == NULL)
            return 0;
    }
    r->nanchor_certs = rec->nanchors;
    r->no_system_roots = (rec->flags & HP_IDX_R_NO_SYSTEM_ROOTS) != 0;
    return 1;
}

/* The rule of record i, built once and kept for the set's lifetime (the
 * verdict and the "expired" log keep pointers to it): one allocation with
 * its host, pins and expiry text. */
static const struct hp_rule_st *view(struct hp_index_st *ix, uint32_t i,
                                     const struct hp_idx_rule *rec)
{
    struct hp_rule_st *r = atomic_load_explicit(&ix->views[i],
                                                memory_order_acquire);
    struct hp_rule_st *expect = NULL;
    size_t pins_len = (size_t)rec->npins * HP_DIGEST_LEN;
    size_t deny_len = (size_t)rec->ndeny * HP_DIGEST_LEN;
    unsigned char *p;

    if (r != NULL)
        return r;
    if (rec->npins == 0 || !pins_ok(ix, rec->pins, rec->npins) ||
        !pins_ok(ix, rec->deny, rec->ndeny) || rec->file >= ix->h->nfiles ||
        rec->mode > HP_MODE_REPORT || rec->host_len >= HP_NAME_MAX)
        return NULL;
    r = calloc(1, sizeof(*r) + pins_len + deny_len + rec->host_len + 1u +
                      rec->exp_len + 1u);
    if (r == NULL)
        return NULL;
    p = (unsigned char *)(r + 1);
    r->pins = (hp_digest *)p;
    r->deny = rec->ndeny > 0 ? (hp_digest *)(p + pins_len) : NULL;
    r->ndeny = rec->ndeny;
    r->host = (char *)p + pins_len + deny_len;
    if (!get_policy(ix, &rec->policy, &r->policy) ||
        !get_pins(ix, rec->pins, rec->npins, r->pins) ||
        !get_pins(ix, rec->deny, rec->ndeny, r->deny) ||
        !rd_str(ix, rec->host_off, rec->host_len, r->host) ||
        (rec->exp_len > 0 &&
         !rd_str(ix, rec->exp_off, rec->exp_len,
                 r->host + rec->host_len + 1))) {
        free(r);
        return NULL;
    }
    if (rec->nanchors > 0 && !view_anchors(ix, rec, r)) {
        hp_certs_free(r->anchors);
        free(r->anchor_pins);
        free(r);
        return NULL;
    }
    if (rec->exp_len > 0)
        r->expires_text = r->host + rec->host_len + 1;
    r->is_ip = (rec->flags & HP_IDX_R_IP) != 0;
    r->include_subdomains = (rec->flags & HP_IDX_R_SUBDOMAINS) != 0;
    r->mode = rec->mode == HP_MODE_REPORT ? HP_MODE_REPORT : HP_MODE_ENFORCE;
    r->expires = rec->expires;
    r->npins = rec->npins;
    r->npins_written = rec->npins_written;
    r->ncert_pins = rec->ncert_pins;
    r->file = ix->files[rec->file];
    r->line = (int)rec->line;
    if (!atomic_compare_exchange_strong(&ix->views[i], &expect, r)) {
        free_view(r);
        r = expect;
    }
    return r;
}

const struct hp_rule_st *hp_index_find(struct hp_index_st *ix,
                                       const char *name, size_t len)
{
    const struct hp_idx_header *h = ix->h;
    uint32_t mask = h->table_slots - 1, slot, n;

    if (atomic_load_explicit(&ix->fallback, memory_order_acquire) != NULL)
        return fallback_find(ix, name, len);
    if (len == 0 || len >= HP_NAME_MAX)
        return NULL;
    slot = hp_index_hash(name, len) & mask;
    for (n = 0; n < h->table_slots; n++, slot = (slot + 1) & mask) {
        struct hp_idx_rule rbuf;
        char hbuf[HP_NAME_MAX + 1];
        const struct hp_idx_rule *rec;
        const uint32_t *ep;
        const char *host;
        uint32_t e;

        if ((ep = peek(ix, h->table_off + (uint64_t)slot * 4, 4, &e)) ==
            NULL)
            return fallback_find(ix, name, len);
        if ((e = *ep) == 0)
            return NULL;
        if (e > h->nrules ||
            (rec = peek(ix, h->rules_off + (uint64_t)(e - 1) * sizeof(rbuf),
                        sizeof(rbuf), &rbuf)) == NULL)
            return fallback_find(ix, name, len);
        if (rec->host_len != len)
            continue;
        /* Within the strings and NUL-terminated: as rd_str checks. */
        if (rec->host_off >= h->strings_len ||
            len >= h->strings_len - rec->host_off ||
            (host = peek(ix, h->strings_off + rec->host_off, len + 1,
                         hbuf)) == NULL ||
            host[len] != '\0')
            return fallback_find(ix, name, len);
        if (memcmp(host, name, len) == 0) {
            const struct hp_rule_st *r = view(ix, e - 1, rec);

            return r != NULL ? r : fallback_find(ix, name, len);
        }
    }
    return fallback_find(ix, name, len); /* a full table is damage */
}

/* Record e - 1 and its host (in hbuf); NULL if damaged. */
static const struct hp_idx_rule *record_at(struct hp_index_st *ix, uint32_t e,
                                           struct hp_idx_rule *rbuf,
                                           char hbuf[HP_NAME_MAX + 1])
{
    const struct hp_idx_header *h = ix->h;
    const struct hp_idx_rule *rec;

    if (e == 0 || e > h->nrules ||
        (rec = peek(ix, h->rules_off + (uint64_t)(e - 1) * sizeof(*rbuf),
                    sizeof(*rbuf), rbuf)) == NULL ||
        rec->host_len >= HP_NAME_MAX ||
        !rd_str(ix, rec->host_off, rec->host_len, hbuf))
        return NULL;
    return rec;
}

/* The rules one label under `parent`, by ctable and cnext; 0 if the
 * index turns out damaged on the way. */
static int children(struct hp_index_st *ix, const char *parent, size_t len,
                    void (*fn)(const struct hp_rule_st *, void *), void *arg)
{
    const struct hp_idx_header *h = ix->h;
    uint32_t mask = h->table_slots - 1, slot, n, e, walked;

    slot = hp_index_hash(parent, len) & mask;
    for (n = 0; n < h->table_slots; n++, slot = (slot + 1) & mask) {
        struct hp_idx_rule rbuf;
        char hbuf[HP_NAME_MAX + 1];
        const struct hp_idx_rule *rec;
        const char *p;

        if (!rd(ix, h->ctable_off + (uint64_t)slot * 4, 4, &e))
            return 0;
        if (e == 0)
            return 1;
        if ((rec = record_at(ix, e, &rbuf, hbuf)) == NULL)
            return 0;
        p = hp_index_parent(hbuf, (rec->flags & HP_IDX_R_IP) != 0);
        if (p == NULL || strlen(p) != len || memcmp(p, parent, len) != 0)
            continue;
        /* This parent's rules, by cnext; a loop is damage. */
        for (walked = 0; e != 0; walked++) {
            const struct hp_rule_st *r;

            if (walked >= h->nrules ||
                (rec = record_at(ix, e, &rbuf, hbuf)) == NULL ||
                (r = view(ix, e - 1, rec)) == NULL ||
                !rd(ix, h->cnext_off + (uint64_t)(e - 1) * 4, 4, &e))
                return 0;
            fn(r, arg);
        }
        return 1;
    }
    return 0; /* a full table is damage */
}

void hp_index_children(struct hp_index_st *ix, const char *parent,
                       size_t len,
                       void (*fn)(const struct hp_rule_st *, void *),
                       void *arg)
{
    struct hp_pinset_st *fb;

    if (atomic_load_explicit(&ix->fallback, memory_order_acquire) == NULL &&
        children(ix, parent, len, fn, arg))
        return;
    /* Damage: the parsed file answers (rules already given twice do no
     * harm), or, if it no longer loads, a rule that nothing satisfies. */
    if ((fb = fallback_set(ix)) != NULL)
        hp_pinset_children(fb, parent, len, fn, arg);
    else
        fn(&refuse_all, arg);
}

const struct hp_rule_st *hp_pinset_rule_at(const struct hp_pinset_st *ps,
                                           size_t i)
{
    struct hp_index_st *ix;
    struct hp_idx_rule rec;

    if (ps == NULL || i >= ps->nrules)
        return NULL;
    if ((ix = ps->index) == NULL)
        return &ps->rules[i];
    if (!rd(ix, ix->h->rules_off + (uint64_t)i * sizeof(rec), sizeof(rec),
            &rec))
        return NULL;
    return view(ix, (uint32_t)i, &rec);
}

/* ---- opening ----------------------------------------------------------- */

void hp_index_close(struct hp_index_st *ix)
{
    size_t i;

    if (ix == NULL)
        return;
    if (ix->views != NULL)
        for (i = 0; i < ix->hdr.nrules; i++)
            free_view(atomic_load(&ix->views[i]));
    free(ix->views);
    for (i = 0; ix->blocks != NULL && i < ix->nblocks; i++)
        free(atomic_load(&ix->blocks[i]));
    free(ix->blocks);
    free(ix->sums);
    hp_pinset_free(atomic_load(&ix->fallback));
    pthread_mutex_destroy(&ix->lock);
    free(ix->pins_path);
    if (ix->fd >= 0)
        close(ix->fd);
    free(ix);
}

void hp_idx_sig_of(const struct stat *st, struct hp_idx_sig *s)
{
    memset(s, 0, sizeof(*s));
    s->dev = (uint64_t)st->st_dev;
    s->ino = (uint64_t)st->st_ino;
    s->size = (uint64_t)st->st_size;
    s->mtime_sec = (int64_t)st->st_mtim.tv_sec;
    s->mtime_nsec = (int64_t)st->st_mtim.tv_nsec;
    s->ctime_sec = (int64_t)st->st_ctim.tv_sec;
    s->ctime_nsec = (int64_t)st->st_ctim.tv_nsec;
}

int hp_idx_sig_file(const char *path, struct hp_idx_sig *s)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return 0;
    hp_idx_sig_of(&st, s);
    return 1;
}

/* SHA-256 of a whole file (the racy case and full verification only). */
int hp_idx_sha256_file(const char *path, unsigned char out[32])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char buf[65536];
    unsigned int n = 0;
    int ok = fd >= 0 && md != NULL &&
             EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    ssize_t got;

    while (ok && (got = read(fd, buf, sizeof(buf))) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        ok = got > 0 && EVP_DigestUpdate(md, buf, (size_t)got) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(md, out, &n) == 1 && n == 32;
    EVP_MD_CTX_free(md);
    if (fd >= 0)
        close(fd);
    return ok;
}

static int section_ok(const struct hp_idx_header *h, uint64_t off,
                      uint64_t count, uint64_t size, uint64_t align)
{
    return off % align == 0 && off >= HP_IDX_BLOCK && off <= h->sums_off &&
           (size == 0 || count <= (h->sums_off - off) / size);
}

/* Everything about the header that can be checked without the blocks. */
static int header_ok(const struct hp_idx_header *h, size_t fsize,
                     char *why, size_t whylen)
{
    struct hp_idx_header copy;
    uint64_t nblocks;

    if (fsize < sizeof(*h) || memcmp(h->magic, HP_IDX_MAGIC, 8) != 0) {
        snprintf(why, whylen, "not a hostpin index");
        return 0;
    }
    if (h->version != HP_IDX_VERSION || h->bom != HP_IDX_BOM ||
        h->header_size != sizeof(*h) ||
        h->block_shift != HP_IDX_BLOCK_SHIFT) {
        snprintf(why, whylen, "index version %u, expected %u (rerun "
                              "hostpin index)", h->version, HP_IDX_VERSION);
        return 0;
    }
    memcpy(&copy, h, sizeof(copy));
    copy.header_hash = 0;
    if (hp_idx_hash(&copy, sizeof(copy)) != h->header_hash) {
        snprintf(why, whylen, "damaged index header");
        return 0;
    }
    if (h->file_size != fsize) {
        snprintf(why, whylen, "truncated index (%zu bytes, expected %llu)",
                 fsize, (unsigned long long)h->file_size);
        return 0;
    }
    nblocks = (h->sums_off + HP_IDX_BLOCK - 1) >> HP_IDX_BLOCK_SHIFT;
    if (h->sums_off < HP_IDX_BLOCK || h->sums_off % 8 != 0 ||
        h->sums_off > fsize || (fsize - h->sums_off) / 8 != nblocks ||
        (fsize - h->sums_off) % 8 != 0 || h->table_slots == 0 ||
        (h->table_slots & (h->table_slots - 1)) != 0 ||
        h->table_slots <= h->nrules || h->mode > HP_MODE_REPORT ||
        h->nfiles == 0 ||
        !section_ok(h, h->deps_off, h->ndeps, sizeof(struct hp_idx_dep), 8) ||
        !section_ok(h, h->files_off, h->nfiles, sizeof(struct hp_idx_str),
                    4) ||
        !section_ok(h, h->rules_off, h->nrules, sizeof(struct hp_idx_rule),
                    8) ||
        !section_ok(h, h->table_off, h->table_slots, 4, 4) ||
        !section_ok(h, h->ctable_off, h->table_slots, 4, 4) ||
        !section_ok(h, h->cnext_off, h->nrules, 4, 4) ||
        !section_ok(h, h->anchors_off, h->nanchors,
                    sizeof(struct hp_idx_anchor), 8) ||
        !section_ok(h, h->blobs_off, h->blobs_len, 1, 1) ||
        !section_ok(h, h->pins_off, h->npins, HP_DIGEST_LEN, 1) ||
        !section_ok(h, h->strings_off, h->strings_len, 1, 1) ||
        h->strings_len == 0) {
        snprintf(why, whylen, "damaged index (sections out of bounds)");
        return 0;
    }
    return 1;
}

static int sig_equal(const struct hp_idx_sig *a, const struct hp_idx_sig *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec &&
           a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec;
}

/* Do the pins file and its included files still match?  The pins file's
 * identity is checked before anything else is read. */
static void record(const char *path)
{
    struct stat st;

    hp_sources_add(NULL, path, stat(path, &st) == 0 ? &st : NULL);
}

static enum hp_index_state sources_match(struct hp_index_st *ix,
                                         const char *pins_path, int full,
                                         char *why, size_t whylen)
{
    const struct hp_idx_header *h = ix->h;
    struct hp_idx_sig now;
    uint32_t i;

    if (!hp_idx_sig_file(pins_path, &now) || !sig_equal(&now, &h->src)) {
        snprintf(why, whylen, "%s changed since the index was written "
                              "(rerun hostpin index)", pins_path);
        return HP_INDEX_STALE;
    }
    for (i = 0; i < h->ndeps; i++) {
        struct hp_idx_dep d;
        char p[4096];

        if (!rd(ix, h->deps_off + (uint64_t)i * sizeof(d), sizeof(d), &d) ||
            d.path_len >= sizeof(p) ||
            !rd_str(ix, d.path_off, d.path_len, p)) {
            snprintf(why, whylen, "damaged index (included files)");
            return HP_INDEX_INVALID;
        }
        if (!hp_idx_sig_file(p, &now) || !sig_equal(&now, &d.sig)) {
            snprintf(why, whylen, "%s changed since the index was written "
                                  "(rerun hostpin index)", p);
            return HP_INDEX_STALE;
        }
    }
    if (full || (h->flags & HP_IDX_F_RACY)) {
        unsigned char md[32];

        if (!hp_idx_sha256_file(pins_path, md) ||
            memcmp(md, h->src_sha256, 32) != 0) {
            snprintf(why, whylen, "%s has other contents than the index "
                                  "was written from (rerun hostpin index)",
                     pins_path);
            return HP_INDEX_STALE;
        }
    }
    /* What the set comes from, for a reload to watch. */
    record(pins_path);
    for (i = 0; i < h->ndeps; i++) {
        struct hp_idx_dep d;
        char p[4096];

        if (rd(ix, h->deps_off + (uint64_t)i * sizeof(d), sizeof(d), &d) &&
            d.path_len < sizeof(p) && rd_str(ix, d.path_off, d.path_len, p))
            record(p);
    }
    return HP_INDEX_OK;
}

static void default_path(const char *pins_path, const char *index_path,
                         char *buf, size_t len)
{
    if (index_path != NULL)
        snprintf(buf, len, "%s", index_path);
    else
        snprintf(buf, len, "%s%s", pins_path, HP_INDEX_SUFFIX);
}

static int pread_all(int fd, void *buf, size_t len, off_t off)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = pread(fd, (char *)buf + got, len - got,
                          off + (off_t)got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        got += (size_t)n;
    }
    return 1;
}

/* Open and check an index; *ixp is set on HP_INDEX_OK. */
static enum hp_index_state open_index(const char *pins_path,
                                      const char *index_path, int full,
                                      struct hp_index_st **ixp, char *why,
                                      size_t whylen)
{
    char path[4096], untrusted[700];
    struct hp_index_st *ix;
    enum hp_index_state st = HP_INDEX_INVALID;
    struct stat sb;

    *ixp = NULL;
    default_path(pins_path, index_path, path, sizeof(path));
    if ((ix = calloc(1, sizeof(*ix))) == NULL) {
        snprintf(why, whylen, "out of memory");
        return HP_INDEX_INVALID;
    }
    pthread_mutex_init(&ix->lock, NULL);
    ix->h = &ix->hdr;
    ix->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (ix->fd < 0) {
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
        st = errno == ENOENT ? HP_INDEX_MISSING : HP_INDEX_INVALID;
        goto fail;
    }
    if (fstat(ix->fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        sb.st_size < (off_t)sizeof(ix->hdr) ||
        !pread_all(ix->fd, &ix->hdr, sizeof(ix->hdr), 0)) {
        snprintf(why, whylen, "%s: not a hostpin index (too short)", path);
        goto fail;
    }
    /* An index anyone else could have written (planted beside the pins
     * file in a sticky folder, say) is not used: its checksums find
     * damage, not forgery. */
    if (!hp_trust_file(&sb, path, untrusted, sizeof(untrusted))) {
        snprintf(why, whylen, "%s: %s", path, untrusted);
        st = HP_INDEX_UNTRUSTED;
        goto fail;
    }
    ix->size = (size_t)sb.st_size;
    if (!header_ok(ix->h, ix->size, why, whylen))
        goto fail;
    ix->nblocks = (size_t)(ix->size - ix->h->sums_off) / 8;
    if ((ix->sums = malloc(ix->nblocks * 8)) == NULL ||
        (ix->blocks = calloc(ix->nblocks, sizeof(*ix->blocks))) == NULL ||
        (ix->pins_path = strdup(pins_path)) == NULL) {
        snprintf(why, whylen, "out of memory");
        goto fail;
    }
    if (!pread_all(ix->fd, ix->sums, ix->nblocks * 8,
                   (off_t)ix->h->sums_off) ||
        hp_idx_hash(ix->sums, ix->nblocks * 8) != ix->h->sums_hash) {
        snprintf(why, whylen, "damaged index (block checksums)");
        goto fail;
    }
    if ((st = sources_match(ix, pins_path, full, why, whylen)) !=
        HP_INDEX_OK)
        goto fail;
    *ixp = ix;
    return HP_INDEX_OK;
fail:
    hp_index_close(ix);
    return st == HP_INDEX_OK ? HP_INDEX_INVALID : st;
}

/* A string setting: NULL when absent (offset and length 0). */
static int get_str(struct hp_index_st *ix, const struct hp_idx_str *x,
                   char **out)
{
    char buf[4096];

    *out = NULL;
    if (x->off == 0 && x->len == 0)
        return 1;
    if (x->len >= sizeof(buf) || !rd_str(ix, x->off, x->len, buf))
        return 0;
    return (*out = strdup(buf)) != NULL;
}

enum hp_index_state hp_index_open(const char *pins_path,
                                  const char *index_path,
                                  struct hp_pinset_st **out, char *why,
                                  size_t whylen)
{
    struct hp_index_st *ix;
    struct hp_pinset_st *ps = NULL;
    enum hp_index_state st;
    uint32_t i;

    *out = NULL;
    st = open_index(pins_path, index_path, 0, &ix, why, whylen);
    if (st != HP_INDEX_OK)
        return st;
    if ((ps = calloc(1, sizeof(*ps))) == NULL ||
        (ps->file = strdup(pins_path)) == NULL ||
        (ps->files = calloc(ix->h->nfiles, sizeof(char *))) == NULL ||
        (ix->views = calloc(ix->h->nrules ? ix->h->nrules : 1,
                            sizeof(*ix->views))) == NULL) {
        snprintf(why, whylen, "out of memory");
        goto fail;
    }
    for (i = 0; i < ix->h->nfiles; i++) {
        struct hp_idx_str f;
        char s[4096];

        if (!rd(ix, ix->h->files_off + (uint64_t)i * sizeof(f), sizeof(f),
                &f) ||
            f.len >= sizeof(s) || !rd_str(ix, f.off, f.len, s)) {
            snprintf(why, whylen, "damaged index (file names)");
            goto fail;
        }
        if ((ps->files[i] = strdup(s)) == NULL) {
            snprintf(why, whylen, "out of memory");
            goto fail;
        }
        ps->nfiles = i + 1;
    }
    ix->files = ps->files;
    if (!get_policy(ix, &ix->h->policy, &ps->policy) ||
        (ix->h->ndeny > 0 &&
         ((ps->deny = malloc((size_t)ix->h->ndeny * HP_DIGEST_LEN)) == NULL ||
          !get_pins(ix, ix->h->deny, ix->h->ndeny, ps->deny))) ||
        (ix->h->nallow > 0 &&
         ((ps->allow = malloc((size_t)ix->h->nallow * HP_DIGEST_LEN)) ==
              NULL ||
          !get_pins(ix, ix->h->allow, ix->h->nallow, ps->allow))) ||
        !get_str(ix, &ix->h->report_file, &ps->report_file) ||
        !get_str(ix, &ix->h->include_dir, &ps->include_dir)) {
        snprintf(why, whylen, "damaged index (top-level settings)");
        goto fail;
    }
    ps->ndeny = ix->h->ndeny;
    ps->nallow = ix->h->nallow;
    ps->deny_line = ix->h->deny_line;
    ps->deny_file = ix->h->deny_file < ix->h->nfiles
                        ? ps->files[ix->h->deny_file]
                        : NULL;
    ps->policy_all = ix->h->policy_all != 0;
    ps->has_policy = ix->h->has_policy != 0;
    ps->report_syslog = ix->h->report_syslog != 0;
    ps->mode = ix->h->mode == HP_MODE_REPORT ? HP_MODE_REPORT
                                             : HP_MODE_ENFORCE;
    ps->nrules = ix->h->nrules;
    ps->nduplicates = ix->h->nduplicates;
    ps->nip = ix->h->nip;
    ps->reload_interval = ix->h->reload_interval;
    ps->has_anchors = (ix->h->flags & HP_IDX_F_ANCHORS) != 0;
    ps->index = ix;
    *out = ps;
    return HP_INDEX_OK;
fail:
    if (ps != NULL) {
        ps->index = NULL; /* closed below, not by hp_pinset_free */
        hp_pinset_free(ps);
    }
    hp_index_close(ix);
    return HP_INDEX_INVALID;
}

enum hp_index_state hp_index_verify(const char *pins_path,
                                    const char *index_path, char *why,
                                    size_t whylen)
{
    struct hp_index_st *ix;
    enum hp_index_state st;
    size_t b;

    st = open_index(pins_path, index_path, 1, &ix, why, whylen);
    if (st != HP_INDEX_OK)
        return st;
    for (b = 1; b < ix->nblocks; b++) {
        if (block(ix, b) == NULL) {
            snprintf(why, whylen, "damaged index (block %zu of %zu)", b,
                     ix->nblocks);
            hp_index_close(ix);
            return HP_INDEX_INVALID;
        }
        free(atomic_exchange(&ix->blocks[b], NULL)); /* checked: let go */
    }
    snprintf(why, whylen, "index matches %s (%u hosts)", pins_path,
             ix->h->nrules);
    hp_index_close(ix);
    return HP_INDEX_OK;
}

int hp_pinset_load(const char *pins_path, struct hp_pinset_st **out,
                   struct hp_error_st *err, struct hp_index_note_st *note,
                   struct hp_sources_st *sources)
{
    struct hp_index_note_st own;
    struct hp_sources_st *prev;
    enum hp_index_state st;
    int ok;

    if (note == NULL)
        note = &own;
    memset(note, 0, sizeof(*note));
    prev = hp_sources_collect(sources);
    st = hp_index_open(pins_path, NULL, out, note->why, sizeof(note->why));
    note->state = st;
    if (st == HP_INDEX_OK) {
        char idx[4096];
        struct stat sb;

        memset(err, 0, sizeof(*err));
        note->used = 1;
        default_path(pins_path, NULL, idx, sizeof(idx));
        hp_sources_add(NULL, idx, stat(idx, &sb) == 0 ? &sb : NULL);
        ok = 1;
    } else {
        if (sources != NULL)
            hp_sources_free(sources); /* what the index named: not read */
        ok = hp_conf_load_file(pins_path, out, err);
    }
    hp_sources_collect(prev);
    return ok;
}
