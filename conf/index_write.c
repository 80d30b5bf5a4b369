/* SPDX-License-Identifier: Apache-2.0 */
/* Writing a pins-file index (hostpin index): load the pins file exactly as
 * the module does, lay the rules out as index_fmt.h describes, and replace
 * the index atomically. */
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "hostpin_index.h"
#include "index_fmt.h"

/* How long a file's timestamps may still change within one clock tick of
 * the file system (FAT: 2 s).  An index of a file modified more recently
 * could miss a later edit that keeps size and timestamps; so the writer
 * waits, or (HP_INDEX_NOWAIT) marks the index for a content check. */
#define HP_SETTLE_SECONDS 2
#define HP_INDEX_MAX_SOURCE (1024L * 1024 * 1024)

struct buf {
    unsigned char *p;
    size_t len, cap;
};

static void err_set(struct hp_error_st *err, const char *file,
                    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void err_set(struct hp_error_st *err, const char *file,
                    const char *fmt, ...)
{
    va_list ap;

    memset(err, 0, sizeof(*err));
    snprintf(err->file, sizeof(err->file), "%s", file);
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

static int reserve(struct buf *b, size_t more)
{
    size_t cap = b->cap ? b->cap : 4096;
    unsigned char *p;

    if (more > SIZE_MAX / 2 - b->len)
        return 0;
    while (cap < b->len + more)
        cap *= 2;
    if (cap == b->cap)
        return 1;
    if ((p = realloc(b->p, cap)) == NULL)
        return 0;
    memset(p + b->cap, 0, cap - b->cap);
    b->p = p;
    b->cap = cap;
    return 1;
}

/* Append a NUL-terminated string to the pool; its offset in *off. */
static int add_str(struct buf *s, const char *v, uint32_t *off, uint32_t *len)
{
    size_t n = strlen(v);

    if (n > UINT32_MAX / 2 || s->len > UINT32_MAX / 2 || !reserve(s, n + 1))
        return 0;
    *off = (uint32_t)s->len;
    *len = (uint32_t)n;
    memcpy(s->p + s->len, v, n + 1);
    s->len += n + 1;
    return 1;
}

static size_t align8(size_t v)
{
    return (v + 7) & ~(size_t)7;
}

/* Read the pins file once, with its identity before and after: a file
 * that changes while it is read is read again. */
static char *read_source(const char *path, struct hp_idx_sig *sig,
                         size_t *len, int flags, int *racy,
                         struct hp_error_st *err)
{
    int attempt;

    for (attempt = 0; attempt < 5; attempt++) {
        struct stat st, st2;
        struct hp_idx_sig after;
        char *text;
        size_t got = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

        if (fd < 0) {
            err_set(err, path, "cannot read pins file: %s", strerror(errno));
            return NULL;
        }
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
            st.st_size > HP_INDEX_MAX_SOURCE) {
            err_set(err, path, "cannot read pins file: %s",
                    S_ISREG(st.st_mode) ? "is too large"
                                        : "is not a regular file");
            close(fd);
            return NULL;
        }
        /* The module parses a pins file only if it is trusted: an index
         * of an untrusted one would be a way around that. */
        if (!hp_trust_file(&st, path, err->msg, sizeof(err->msg))) {
            char why[sizeof(err->msg)];

            memcpy(why, err->msg, sizeof(why));
            err_set(err, path, "%s", why);
            close(fd);
            return NULL;
        }
        *racy = 0;
        if (time(NULL) - (st.st_mtim.tv_sec > st.st_ctim.tv_sec
                              ? st.st_mtim.tv_sec
                              : st.st_ctim.tv_sec) <
            HP_SETTLE_SECONDS) {
            if (flags & HP_INDEX_NOWAIT) {
                *racy = 1;
            } else {
                close(fd);
                sleep(1);
                continue;
            }
        }
        if ((text = malloc((size_t)st.st_size + 1)) == NULL) {
            err_set(err, path, "out of memory");
            close(fd);
            return NULL;
        }
        while (got < (size_t)st.st_size) {
            ssize_t n = read(fd, text + got, (size_t)st.st_size - got);

            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        text[got] = '\0';
        if (fstat(fd, &st2) == 0 && hp_idx_sig_file(path, &after)) {
            hp_idx_sig_of(&st, sig);
            if (got == (size_t)st.st_size &&
                memcmp(&after, sig, sizeof(after)) == 0) {
                close(fd);
                *len = got;
                return text;
            }
        }
        free(text);
        close(fd);
    }
    err_set(err, path, "the file kept changing while it was read");
    return NULL;
}

/* Append digests to the pin pool; their first index in *at. */
static int add_pins(struct buf *pins, const hp_digest *d, size_t n,
                    uint32_t *at)
{
    size_t count = pins->len / HP_DIGEST_LEN;

    if (n == 0) {
        *at = 0;
        return 1;
    }
    if (count + n >= UINT32_MAX || !reserve(pins, n * HP_DIGEST_LEN))
        return 0;
    *at = (uint32_t)count;
    memcpy(pins->p + pins->len, d, n * HP_DIGEST_LEN);
    pins->len += n * HP_DIGEST_LEN;
    return 1;
}

static uint32_t file_index(const struct hp_pinset_st *ps, const char *f)
{
    uint32_t i;

    if (f == NULL)
        return UINT32_MAX;
    for (i = 0; i < ps->nfiles; i++)
        if (ps->files[i] == f || strcmp(ps->files[i], f) == 0)
            return i;
    return UINT32_MAX - 1; /* not a file of the set: refused by caller */
}

static int put_policy(const struct hp_pinset_st *ps,
                      const struct hp_policy_st *p, struct hp_idx_policy *x)
{
    x->min_rsa_bits = p->min_rsa_bits;
    x->min_ec_bits = p->min_ec_bits;
    x->min_sig_bits = p->min_sig_bits;
    x->require_ca = p->require_ca;
    x->file = file_index(ps, p->file);
    x->line = p->line;
    return x->file != UINT32_MAX - 1;
}

static int add_dep(struct hp_idx_dep **deps, uint32_t *ndeps, size_t *cap,
                   const char *path, const struct hp_idx_str *name,
                   struct hp_error_st *err)
{
    if (*ndeps == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        struct hp_idx_dep *n = realloc(*deps, ncap * sizeof(*n));

        if (n == NULL)
            return 0;
        *deps = n;
        *cap = ncap;
    }
    memset(&(*deps)[*ndeps], 0, sizeof(**deps));
    if (!hp_idx_sig_file(path, &(*deps)[*ndeps].sig)) {
        err_set(err, path, "cannot stat included file: %s", strerror(errno));
        return -1;
    }
    (*deps)[*ndeps].path_off = name->off;
    (*deps)[*ndeps].path_len = name->len;
    (*ndeps)++;
    return 1;
}

/* Lay out the whole index in memory. */
static int build(const struct hp_pinset_st *ps, const char *pins_path,
                 const struct hp_idx_sig *src, const unsigned char sha[32],
                 int racy, struct buf *out, struct hp_error_st *err)
{
    struct buf strings = { 0 }, pins = { 0 }, blobs = { 0 }, anchors = { 0 };
    struct hp_idx_header h;
    struct hp_idx_dep *deps = NULL;
    struct hp_idx_str *files = NULL, dir;
    struct hp_idx_rule *rules = NULL;
    uint32_t *table = NULL, *ctable = NULL, *cnext = NULL, slots = 16;
    uint32_t ndeps = 0;
    size_t i, off, nblocks, b, depcap = 0;
    int ok = 0, rc;

    memset(&h, 0, sizeof(h));
    if (ps->nrules >= UINT32_MAX / 4 || ps->nfiles >= UINT32_MAX / 4)
        goto toobig;
    while (slots < ps->nrules * 2)
        slots <<= 1;
    files = calloc(ps->nfiles + 1, sizeof(*files));
    rules = calloc(ps->nrules + 1, sizeof(*rules));
    table = calloc(slots, sizeof(*table));
    ctable = calloc(slots, sizeof(*ctable));
    cnext = calloc(ps->nrules + 1, sizeof(*cnext));
    if (files == NULL || rules == NULL || table == NULL || ctable == NULL ||
        cnext == NULL ||
        !reserve(&strings, 1))
        goto oom;
    strings.len = 1; /* offset 0: the empty string */
    for (i = 0; i < ps->nfiles; i++) {
        if (!add_str(&strings, ps->files[i], &files[i].off, &files[i].len))
            goto oom;
        if (strcmp(ps->files[i], pins_path) == 0)
            continue;
        /* An @include'd or drop-in file: the index is as current as it. */
        if ((rc = add_dep(&deps, &ndeps, &depcap, ps->files[i], &files[i],
                          err)) <= 0)
            goto fail_rc;
    }
    if (ps->include_dir != NULL) {
        /* The folder too: a drop-in file added or removed changes it. */
        if (!add_str(&strings, ps->include_dir, &dir.off, &dir.len))
            goto oom;
        h.include_dir = dir;
        if ((rc = add_dep(&deps, &ndeps, &depcap, ps->include_dir, &dir,
                          err)) <= 0)
            goto fail_rc;
    }
    for (i = 0; i < ps->nrules; i++) {
        const struct hp_rule_st *r = &ps->rules[i];
        struct hp_idx_rule *x = &rules[i];
        uint32_t len, slot;

        /* Pins from certificate files: those files could change while
         * the pins file does not, and the pin store serves the
         * certificates themselves, which the index does not hold. */
        if (r->ncert_pins > 0 || r->certs != NULL) {
            err_set(err, r->file, "host \"%s\" (line %d) takes pins from "
                    "certificate files; an index is only written for pins "
                    "files whose pins are all written out (hostpin pin "
                    "FILE prints them)", r->host, r->line);
            goto out;
        }
        if ((x->file = file_index(ps, r->file)) >= UINT32_MAX - 1 ||
            !put_policy(ps, &r->policy, &x->policy))
            goto toobig;
        if (!add_str(&strings, r->host, &x->host_off, &len) ||
            !add_pins(&pins, (const hp_digest *)r->pins, r->npins,
                      &x->pins) ||
            !add_pins(&pins, (const hp_digest *)r->deny, r->ndeny,
                      &x->deny))
            goto oom;
        x->host_len = (uint16_t)len;
        x->flags = (uint8_t)((r->is_ip ? HP_IDX_R_IP : 0) |
                             (r->include_subdomains ? HP_IDX_R_SUBDOMAINS
                                                    : 0));
        x->mode = (uint8_t)r->mode;
        x->line = (uint32_t)(r->line > 0 ? r->line : 0);
        x->npins = (uint32_t)r->npins;
        x->ndeny = (uint32_t)r->ndeny;
        x->expires = r->expires;
        if (r->expires_text != NULL) {
            if (!add_str(&strings, r->expires_text, &x->exp_off, &len))
                goto oom;
            x->exp_len = (uint16_t)len;
        }
        x->npins_written = (uint32_t)r->npins_written;
        x->ncert_pins = (uint32_t)r->ncert_pins;
        if (r->anchors != NULL) {
            size_t k;

            x->anchors = (uint32_t)(anchors.len / sizeof(struct hp_idx_anchor));
            x->nanchors = (uint32_t)r->anchors->n;
            if (r->no_system_roots)
                x->flags |= HP_IDX_R_NO_SYSTEM_ROOTS;
            h.flags |= HP_IDX_F_ANCHORS;
            if (!add_pins(&pins, (const hp_digest *)r->anchor_pins,
                          r->nanchor_pins, &x->apins))
                goto oom;
            x->napins = (uint32_t)r->nanchor_pins;
            for (k = 0; k < r->anchors->n; k++) {
                const struct hp_cert_st *c = &r->anchors->v[k];
                struct hp_idx_anchor an;
                struct hp_idx_str fname;

                memset(&an, 0, sizeof(an));
                if (c->len > UINT32_MAX || blobs.len > UINT32_MAX ||
                    !reserve(&blobs, c->len) ||
                    !reserve(&anchors, sizeof(an)) ||
                    !add_str(&strings, c->file, &an.file_off, &an.file_len))
                    goto oom;
                an.der_off = blobs.len;
                an.der_len = (uint32_t)c->len;
                memcpy(blobs.p + blobs.len, c->der, c->len);
                blobs.len += c->len;
                memcpy(anchors.p + anchors.len, &an, sizeof(an));
                anchors.len += sizeof(an);
                /* The anchor file: the index is as current as it. */
                fname.off = an.file_off;
                fname.len = an.file_len;
                if ((rc = add_dep(&deps, &ndeps, &depcap, c->file, &fname,
                                  err)) <= 0)
                    goto fail_rc;
            }
        }
        slot = hp_index_hash(r->host, strlen(r->host)) & (slots - 1);
        while (table[slot] != 0)
            slot = (slot + 1) & (slots - 1);
        table[slot] = (uint32_t)i + 1;
    }
    for (i = 0; i < ps->nrules; i++) {
        const char *par = hp_index_parent(ps->rules[i].host,
                                          ps->rules[i].is_ip);
        uint32_t slot;

        if (par == NULL)
            continue;
        slot = hp_index_hash(par, strlen(par)) & (slots - 1);
        while (ctable[slot] != 0 &&
               strcmp(hp_index_parent(ps->rules[ctable[slot] - 1].host, 0),
                      par) != 0)
            slot = (slot + 1) & (slots - 1);
        cnext[i] = ctable[slot];
        ctable[slot] = (uint32_t)i + 1;
    }
    /* Top-level settings. */
    if (!put_policy(ps, &ps->policy, &h.policy))
        goto toobig;
    h.policy_all = (uint32_t)ps->policy_all;
    h.has_policy = (uint32_t)ps->has_policy;
    h.deny_line = ps->deny_line;
    if ((h.deny_file = file_index(ps, ps->deny_file)) == UINT32_MAX - 1)
        goto toobig;
    h.ndeny = (uint32_t)ps->ndeny;
    h.nallow = (uint32_t)ps->nallow;
    h.report_syslog = (uint32_t)ps->report_syslog;
    if (!add_pins(&pins, (const hp_digest *)ps->deny, ps->ndeny, &h.deny) ||
        !add_pins(&pins, (const hp_digest *)ps->allow, ps->nallow,
                  &h.allow) ||
        (ps->report_file != NULL &&
         !add_str(&strings, ps->report_file, &h.report_file.off,
                  &h.report_file.len)))
        goto oom;

    memcpy(h.magic, HP_IDX_MAGIC, 8);
    h.version = HP_IDX_VERSION;
    h.bom = HP_IDX_BOM;
    h.header_size = sizeof(h);
    h.block_shift = HP_IDX_BLOCK_SHIFT;
    h.src = *src;
    memcpy(h.src_sha256, sha, 32);
    h.built_sec = (int64_t)time(NULL);
    h.flags |= racy ? HP_IDX_F_RACY : 0;
    h.mode = (uint32_t)ps->mode;
    h.reload_interval = ps->reload_interval;
    h.nrules = (uint32_t)ps->nrules;
    h.nduplicates = (uint32_t)ps->nduplicates;
    h.nip = (uint32_t)ps->nip;
    h.nfiles = (uint32_t)ps->nfiles;
    h.ndeps = ndeps;
    h.table_slots = slots;
    h.npins = (uint32_t)(pins.len / HP_DIGEST_LEN);
    off = HP_IDX_BLOCK; /* block 0: the header alone (its own checksum) */
    h.deps_off = off;
    off += ndeps * sizeof(*deps);
    h.files_off = off;
    off = align8(off + ps->nfiles * sizeof(*files));
    h.rules_off = off;
    off += ps->nrules * sizeof(*rules);
    h.table_off = off;
    off += (size_t)slots * 4;
    h.ctable_off = off;
    off += (size_t)slots * 4;
    h.cnext_off = off;
    off = align8(off + ps->nrules * 4);
    h.anchors_off = off;
    h.nanchors = (uint32_t)(anchors.len / sizeof(struct hp_idx_anchor));
    off += anchors.len;
    h.pins_off = off;
    off += pins.len;
    h.strings_off = off;
    h.strings_len = strings.len;
    off += strings.len;
    h.blobs_off = off;
    h.blobs_len = blobs.len;
    off = align8(off + blobs.len);
    h.sums_off = off;
    nblocks = (off + HP_IDX_BLOCK - 1) >> HP_IDX_BLOCK_SHIFT;
    h.file_size = off + nblocks * 8;

    if (!reserve(out, (size_t)h.file_size))
        goto oom;
    memset(out->p, 0, (size_t)h.file_size);
    if (ndeps > 0)
        memcpy(out->p + h.deps_off, deps, ndeps * sizeof(*deps));
    memcpy(out->p + h.files_off, files, ps->nfiles * sizeof(*files));
    memcpy(out->p + h.rules_off, rules, ps->nrules * sizeof(*rules));
    memcpy(out->p + h.table_off, table, (size_t)slots * 4);
    memcpy(out->p + h.ctable_off, ctable, (size_t)slots * 4);
    memcpy(out->p + h.cnext_off, cnext, ps->nrules * 4);
    if (pins.len > 0)
        memcpy(out->p + h.pins_off, pins.p, pins.len);
    memcpy(out->p + h.strings_off, strings.p, strings.len);
    if (anchors.len > 0)
        memcpy(out->p + h.anchors_off, anchors.p, anchors.len);
    if (blobs.len > 0)
        memcpy(out->p + h.blobs_off, blobs.p, blobs.len);
    for (b = 1; b < nblocks; b++) {
        size_t start = b << HP_IDX_BLOCK_SHIFT, len = HP_IDX_BLOCK;
        uint64_t sum;

        if (start + len > h.sums_off)
            len = (size_t)h.sums_off - start;
        sum = hp_idx_hash(out->p + start, len);
        memcpy(out->p + h.sums_off + b * 8, &sum, 8);
    }
    h.sums_hash = hp_idx_hash(out->p + h.sums_off, nblocks * 8);
    h.header_hash = 0;
    h.header_hash = hp_idx_hash(&h, sizeof(h));
    memcpy(out->p, &h, sizeof(h));
    out->len = (size_t)h.file_size;
    ok = 1;
    goto out;
fail_rc:
    if (rc < 0)
        goto out;
oom:
    err_set(err, pins_path, "out of memory");
    goto out;
toobig:
    err_set(err, pins_path, "too many hosts or pins for an index");
out:
    free(strings.p);
    free(pins.p);
    free(blobs.p);
    free(anchors.p);
    free(deps);
    free(files);
    free(rules);
    free(table);
    free(ctable);
    free(cnext);
    return ok;
}

/* Is there a top-level certs_dir setting?  (The pin set does not say.) */
static int uses_certs_dir(const char *text)
{
    config_t cfg;
    int found;

    config_init(&cfg);
    found = config_read_string(&cfg, text) != CONFIG_TRUE ||
            config_lookup(&cfg, "certs_dir") != NULL;
    config_destroy(&cfg);
    return found;
}

/* Write `data` to `path` through a temporary file and rename. */
static int write_atomic(const char *path, const unsigned char *data,
                        size_t len, struct hp_error_st *err)
{
    char tmp[4200];
    size_t done = 0;
    int fd;

    snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
    if ((fd = mkstemp(tmp)) < 0) {
        err_set(err, path, "cannot create a temporary file beside it: %s",
                strerror(errno));
        return 0;
    }
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    if (done != len || fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
        err_set(err, path, "cannot write the index: %s", strerror(errno));
        close(fd);
        unlink(tmp);
        return 0;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        err_set(err, path, "cannot replace the index: %s", strerror(errno));
        unlink(tmp);
        return 0;
    }
    return 1;
}

int hp_index_write(const char *pins_path, const char *index_path, int flags,
                   size_t *nrules, struct hp_error_st *err)
{
    struct hp_pinset_st *ps = NULL;
    struct hp_idx_sig sig;
    struct buf out = { 0 };
    unsigned char sha[32];
    unsigned int shalen = 0;
    char path[4096], dir[4096];
    size_t len = 0;
    char *text;
    int racy = 0, ok = 0;

    memset(err, 0, sizeof(*err));
    if (index_path != NULL)
        snprintf(path, sizeof(path), "%s", index_path);
    else
        snprintf(path, sizeof(path), "%s%s", pins_path, HP_INDEX_SUFFIX);
    text = read_source(pins_path, &sig, &len, flags, &racy, err);
    if (text == NULL)
        return 0;
    /* As hp_conf_load_file: a NUL byte is refused; relative certificate
     * paths and @include resolve beside the pins file. */
    if (strlen(text) != len) {
        err_set(err, pins_path, "contains a NUL byte (expected a text file)");
        goto out;
    }
    if (!hp_path_dir(dir, sizeof(dir), pins_path)) {
        err_set(err, pins_path, "path too long");
        goto out;
    }
    if (EVP_Digest(text, len, sha, &shalen, EVP_sha256(), NULL) != 1 ||
        shalen != 32) {
        err_set(err, pins_path, "cannot compute SHA-256");
        goto out;
    }
    if (!hp_conf_load_string(text, pins_path, dir, &ps, err))
        goto out;
    /* certs_dir pins hosts by the files in a folder, which can change
     * while the pins file does not (same as `certs`, see build()). */
    if (strstr(text, "certs_dir") != NULL && uses_certs_dir(text)) {
        err_set(err, pins_path, "uses certs_dir; an index is only written "
                "for pins files whose pins are all written out");
        goto out;
    }
    if (!build(ps, pins_path, &sig, sha, racy, &out, err) ||
        !write_atomic(path, out.p, out.len, err))
        goto out;
    if (nrules != NULL)
        *nrules = ps->nrules;
    ok = 1;
out:
    hp_pinset_free(ps);
    free(out.p);
    free(text);
    return ok;
}
