/* SPDX-License-Identifier: Apache-2.0 */
/* What an executable or library file says about its TLS: the libraries it
 * needs (DT_NEEDED), and a TLS implementation built into it -- OpenSSL or
 * a relative linked statically (its own SSL_CTX_new, or OpenSSL's version
 * text beside a libssl state string when stripped), or Go's crypto/tls.
 * The file is untrusted input: every offset is checked against its size. */
#define _GNU_SOURCE /* memmem */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ps.h"

#define HP_ELF_MAX ((size_t)2 << 30) /* larger files are not read */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HP_ELFDATA ELFDATA2LSB
#else
#define HP_ELFDATA ELFDATA2MSB
#endif

/* A section header, whatever the file's class. */
struct sect_st {
    uint32_t name, type, link;
    uint64_t offset, size, entsize, addr;
};

struct elf_st {
    const unsigned char *p;
    size_t len;
    int is64;
    struct sect_st *sh;
    size_t nsh;
    const char *shstr;
    size_t shstr_len;
};

static int in_file(const struct elf_st *e, uint64_t off, uint64_t size)
{
    return off <= e->len && size <= e->len - off;
}

static int load_sections(struct elf_st *e)
{
    uint64_t shoff;
    unsigned shnum, shentsize, shstrndx, i;

    if (e->is64) {
        const Elf64_Ehdr *h = (const Elf64_Ehdr *)e->p;

        shoff = h->e_shoff, shnum = h->e_shnum, shentsize = h->e_shentsize;
        shstrndx = h->e_shstrndx;
    } else {
        const Elf32_Ehdr *h = (const Elf32_Ehdr *)e->p;

        shoff = h->e_shoff, shnum = h->e_shnum, shentsize = h->e_shentsize;
        shstrndx = h->e_shstrndx;
    }
    if (shnum == 0 || shoff == 0)
        return 1; /* no section headers (sstrip): nothing to read */
    if (shentsize != (e->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr)) ||
        !in_file(e, shoff, (uint64_t)shnum * shentsize) ||
        (e->sh = calloc(shnum, sizeof(*e->sh))) == NULL)
        return 0;
    for (i = 0; i < shnum; i++) {
        const unsigned char *q = e->p + shoff + (uint64_t)i * shentsize;
        struct sect_st *s = &e->sh[i];

        if (e->is64) {
            const Elf64_Shdr *h = (const Elf64_Shdr *)q;

            *s = (struct sect_st){ h->sh_name, h->sh_type, h->sh_link,
                                   h->sh_offset, h->sh_size, h->sh_entsize,
                                   h->sh_addr };
        } else {
            const Elf32_Shdr *h = (const Elf32_Shdr *)q;

            *s = (struct sect_st){ h->sh_name, h->sh_type, h->sh_link,
                                   h->sh_offset, h->sh_size, h->sh_entsize,
                                   h->sh_addr };
        }
        if (s->type != SHT_NOBITS && !in_file(e, s->offset, s->size))
            s->type = SHT_NULL; /* damaged: ignore it */
    }
    e->nsh = shnum;
    if (shstrndx < shnum && e->sh[shstrndx].type == SHT_STRTAB) {
        e->shstr = (const char *)e->p + e->sh[shstrndx].offset;
        e->shstr_len = e->sh[shstrndx].size;
    }
    return 1;
}

static const char *sect_name(const struct elf_st *e, const struct sect_st *s)
{
    if (e->shstr == NULL || s->name >= e->shstr_len ||
        memchr(e->shstr + s->name, '\0', e->shstr_len - s->name) == NULL)
        return "";
    return e->shstr + s->name;
}

static const struct sect_st *find_sect(const struct elf_st *e,
                                       const char *name)
{
    size_t i;

    for (i = 0; i < e->nsh; i++)
        if (strcmp(sect_name(e, &e->sh[i]), name) == 0)
            return &e->sh[i];
    return NULL;
}

/* A NUL-terminated string at `off` in a string table section, or NULL. */
static const char *str_at(const struct elf_st *e, const struct sect_st *tab,
                          uint64_t off)
{
    const char *s;

    if (tab == NULL || tab->type != SHT_STRTAB || off >= tab->size)
        return NULL;
    s = (const char *)e->p + tab->offset + off;
    return memchr(s, '\0', tab->size - off) != NULL ? s : NULL;
}

/* Does a symbol table define one of `names` (not merely use it)? */
static int defines(const struct elf_st *e, uint32_t type,
                   const char *const *names)
{
    size_t i, j, n, esz = e->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);

    for (i = 0; i < e->nsh; i++) {
        const struct sect_st *s = &e->sh[i], *strtab;

        if (s->type != type || s->link >= e->nsh)
            continue;
        strtab = &e->sh[s->link];
        n = s->size / esz;
        for (j = 1; j < n; j++) {
            const unsigned char *q = e->p + s->offset + j * esz;
            uint32_t name;
            uint16_t shndx;
            const char *nm;
            size_t k;

            if (e->is64) {
                name = ((const Elf64_Sym *)q)->st_name;
                shndx = ((const Elf64_Sym *)q)->st_shndx;
            } else {
                name = ((const Elf32_Sym *)q)->st_name;
                shndx = ((const Elf32_Sym *)q)->st_shndx;
            }
            if (shndx == SHN_UNDEF || (nm = str_at(e, strtab, name)) == NULL)
                continue;
            for (k = 0; names[k] != NULL; k++)
                if (strcmp(nm, names[k]) == 0)
                    return 1;
        }
    }
    return 0;
}

/* DT_NEEDED and DT_RUNPATH/DT_RPATH from the dynamic section. */
static void read_dynamic(const struct elf_st *e, struct hp_elf_st *out)
{
    const struct sect_st *dyn = NULL, *strtab;
    size_t i, n, esz = e->is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);

    for (i = 0; i < e->nsh && dyn == NULL; i++)
        if (e->sh[i].type == SHT_DYNAMIC && e->sh[i].link < e->nsh)
            dyn = &e->sh[i];
    if (dyn == NULL)
        return;
    strtab = &e->sh[dyn->link];
    n = dyn->size / esz;
    for (i = 0; i < n; i++) {
        const unsigned char *q = e->p + dyn->offset + i * esz;
        int64_t tag;
        uint64_t val;
        const char *s;

        if (e->is64) {
            tag = ((const Elf64_Dyn *)q)->d_tag;
            val = ((const Elf64_Dyn *)q)->d_un.d_val;
        } else {
            tag = ((const Elf32_Dyn *)q)->d_tag;
            val = ((const Elf32_Dyn *)q)->d_un.d_val;
        }
        if (tag == DT_NULL)
            break;
        if ((tag != DT_NEEDED && tag != DT_RUNPATH && tag != DT_RPATH) ||
            (s = str_at(e, strtab, val)) == NULL)
            continue;
        if (tag == DT_NEEDED && out->nneeded < HP_ELF_NEEDED_MAX)
            snprintf(out->needed[out->nneeded++], sizeof(out->needed[0]),
                     "%s", s);
        else if (tag != DT_NEEDED && out->runpath[0] == '\0')
            snprintf(out->runpath, sizeof(out->runpath), "%s", s);
    }
    out->dynamic = 1;
}

static int has_interp(const struct elf_st *e)
{
    uint64_t phoff;
    unsigned phnum, phentsize, i;

    if (e->is64) {
        const Elf64_Ehdr *h = (const Elf64_Ehdr *)e->p;

        phoff = h->e_phoff, phnum = h->e_phnum, phentsize = h->e_phentsize;
    } else {
        const Elf32_Ehdr *h = (const Elf32_Ehdr *)e->p;

        phoff = h->e_phoff, phnum = h->e_phnum, phentsize = h->e_phentsize;
    }
    if (phentsize != (e->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) ||
        !in_file(e, phoff, (uint64_t)phnum * phentsize))
        return 0;
    for (i = 0; i < phnum; i++) {
        const unsigned char *q = e->p + phoff + (uint64_t)i * phentsize;
        uint32_t type = e->is64 ? ((const Elf64_Phdr *)q)->p_type
                                : ((const Elf32_Phdr *)q)->p_type;

        if (type == PT_INTERP || type == PT_DYNAMIC)
            return 1;
    }
    return 0;
}

/* The first "OpenSSL 3.0.13 ..." (or LibreSSL) version text in the file:
 * a word, a space, digits and dots, up to the string's end. */
static int version_text(const struct elf_st *e, const char *lib, char *out,
                        size_t len)
{
    const unsigned char *p = e->p, *end = e->p + e->len;
    size_t n = strlen(lib);

    while ((p = memmem(p, (size_t)(end - p), lib, n)) != NULL) {
        const unsigned char *v = p + n, *z;

        if ((p == e->p || p[-1] == '\0') && v < end && *v == ' ' &&
            v + 1 < end && v[1] >= '0' && v[1] <= '9' &&
            (z = memchr(v, '\0', (size_t)(end - v) < 64 ? (size_t)(end - v)
                                                         : 64)) != NULL) {
            snprintf(out, len, "%.*s", (int)(z - p), (const char *)p);
            return 1;
        }
        p += n;
    }
    return 0;
}

static int contains(const struct elf_st *e, const char *s)
{
    return memmem(e->p, e->len, s, strlen(s)) != NULL;
}

static int needs_openssl(const struct hp_elf_st *out)
{
    size_t i;

    for (i = 0; i < out->nneeded; i++)
        if (strncmp(out->needed[i], "libssl.so", 9) == 0 ||
            strncmp(out->needed[i], "libcrypto.so", 12) == 0)
            return 1;
    return 0;
}

static void inspect(const struct elf_st *e, struct hp_elf_st *out)
{
    static const char *const ssl_api[] = { "SSL_CTX_new", "SSL_connect",
                                           NULL };
    static const char *const go_runtime[] = { "runtime.main",
                                              "runtime.goexit", NULL };
    char ver[80] = "";
    int ssl_syms;

    read_dynamic(e, out);
    out->dynamic |= has_interp(e);
    /* Go: its build information section, or the runtime's symbols. */
    out->go = find_sect(e, ".go.buildinfo") != NULL ||
              find_sect(e, ".gopclntab") != NULL ||
              defines(e, SHT_SYMTAB, go_runtime);
    /* Function names stay in .gopclntab even in stripped programs. */
    if (out->go)
        out->go_tls = contains(e, "crypto/tls.(*Conn).Handshake");
    ssl_syms = defines(e, SHT_DYNSYM, ssl_api) ||
               defines(e, SHT_SYMTAB, ssl_api);
    /* Stripped: a string of libssl's own -- SSL_state_string_long's
     * (ssl/ssl_stat.c) or the source file name its errors carry
     * (OPENSSL_FILE) -- then OpenSSL's version text, if OpenSSL_version
     * was linked in.  Only looked for where an OpenSSL can hide: a file
     * of a megabyte or more that does not use the system's. */
    if (ssl_syms || (e->len >= ((size_t)1 << 20) && !needs_openssl(out) &&
                     (contains(e, "SSLv3/TLS write client hello") ||
                      contains(e, "/ssl/ssl_lib.c")))) {
        if (version_text(e, "OpenSSL", ver, sizeof(ver)) ||
            version_text(e, "LibreSSL", ver, sizeof(ver)))
            snprintf(out->bundled, sizeof(out->bundled), "%s", ver);
        else if (contains(e, "BoringSSL"))
            snprintf(out->bundled, sizeof(out->bundled), "BoringSSL");
        else
            snprintf(out->bundled, sizeof(out->bundled), "OpenSSL");
    }
}

int hp_elf_inspect(int fd, struct hp_elf_st *out)
{
    struct elf_st e = { 0 };
    struct stat st;
    void *map;

    memset(out, 0, sizeof(*out));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        (size_t)st.st_size < sizeof(Elf32_Ehdr) ||
        (uint64_t)st.st_size > HP_ELF_MAX)
        return 0;
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return 0;
    e.p = map;
    e.len = (size_t)st.st_size;
    if (memcmp(e.p, ELFMAG, SELFMAG) == 0 &&
        (e.p[EI_CLASS] == ELFCLASS64 || e.p[EI_CLASS] == ELFCLASS32) &&
        e.p[EI_DATA] == HP_ELFDATA) {
        e.is64 = e.p[EI_CLASS] == ELFCLASS64;
        if (e.len >= (e.is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)) &&
            load_sections(&e)) {
            out->elf = 1;
            inspect(&e, out);
        }
    }
    free(e.sh);
    munmap(map, e.len);
    return out->elf;
}
