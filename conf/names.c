/* SPDX-License-Identifier: Apache-2.0 */
/* The names a verification is decided for: the name rule.
 *
 * If the client could accept the certificate for a pinned name, that
 * name's pins apply.  A client that names the host (SNI, or a host or IP in
 * the verify parameters) accepts the certificate for that name only, so its
 * names decide.  A client that names none (MariaDB's client, nginx with
 * proxy_ssl_server_name off, stunnel without sni) may accept it for any
 * name it certifies, so every one of those names, and the peer's address,
 * decides: each that has a rule must pass. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "hostpin_conf.h"
#include "hostpin_index.h"

void hp_names_init(struct hp_names_st *nm)
{
    memset(nm, 0, sizeof(*nm));
    nm->v = nm->inline_v;
    nm->cap = HP_NAMES_INLINE;
}

void hp_names_free(struct hp_names_st *nm)
{
    size_t i;

    for (i = 0; i < nm->nowned; i++)
        free(nm->owned[i]);
    free(nm->owned);
    if (nm->v != nm->inline_v)
        free((void *)nm->v);
    hp_names_init(nm);
}

/* Append a name that outlives the list (no copy).  No bound: the list
 * grows, and only running out of memory stops it, which marks it
 * incomplete so that the caller refuses rather than decide on part. */
static void push(struct hp_names_st *nm, const char *s)
{
    if (nm->n == nm->cap) {
        size_t cap = nm->cap * 2;
        const char **v = malloc(cap * sizeof(*v));

        if (v == NULL) {
            nm->incomplete = 1;
            return;
        }
        memcpy(v, nm->v, nm->n * sizeof(*v));
        if (nm->v != nm->inline_v)
            free((void *)nm->v);
        nm->v = v;
        nm->cap = cap;
    }
    nm->v[nm->n++] = s;
}

/* Append a copy of s[0..len). */
static void push_copy(struct hp_names_st *nm, const char *s, size_t len)
{
    char **o;
    char *c;

    if ((c = malloc(len + 1)) == NULL ||
        (o = realloc(nm->owned, (nm->nowned + 1) * sizeof(*o))) == NULL) {
        free(c);
        nm->incomplete = 1;
        return;
    }
    memcpy(c, s, len);
    c[len] = '\0';
    nm->owned = o;
    nm->owned[nm->nowned++] = c;
    push(nm, c);
}

int hp_name_usable(const char *name, size_t len)
{
    char norm[HP_NAME_MAX];
    unsigned char bad;
    int is_ip;

    if (hp_name_normalize(name, len, norm, &is_ip) < 0)
        return 0;
    return is_ip || hp_name_check_labels(norm, &bad) == HP_LABELS_OK;
}

static int junk(unsigned char c)
{
    return c <= 0x20 || c == 0x7f || c == '.';
}

int hp_name_clean(const char *in, size_t len, char out[HP_NAME_MAX])
{
    size_t a = 0, b = len;

    while (a < b && junk((unsigned char)in[a]))
        a++;
    while (b > a && junk((unsigned char)in[b - 1]))
        b--;
    if (b - a >= HP_NAME_MAX || !hp_name_usable(in + a, b - a))
        return -1;
    memcpy(out, in + a, b - a);
    out[b - a] = '\0';
    return (int)(b - a);
}

/* The common case, a host name in lower case, told in one pass without
 * copying: letters, digits, '-' and '_' in labels of 1 to 63, at most one
 * trailing dot, a letter in the last label (so not an IPv4 address).  0
 * means "ask hp_name_usable". */
static int plain_host(const char *s)
{
    size_t i, label = 0;
    int letter = 0, last = 0; /* last: the label before a dot had one */

    for (i = 0; s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '.') {
            if (label == 0 || label > 63)
                return 0;
            last = letter;
            letter = 0;
            label = 0;
            continue;
        }
        if ((c >= 'a' && c <= 'z') || c == '_')
            letter = 1;
        else if (!((c >= '0' && c <= '9') || c == '-'))
            return 0;
        label++;
    }
    if (label == 0) /* "" or a trailing dot, after a good label */
        return i >= 2 && last && i - 1 <= 253;
    return label <= 63 && letter && i <= 253;
}

void hp_names_given(struct hp_names_st *nm, const char *name, int sni)
{
    char clean[HP_NAME_MAX], norm[HP_NAME_MAX];
    size_t len, i;
    int n, is_ip;

    if (name == NULL || *name == '\0')
        return;
    /* The same name twice (SNI and the host to verify, usually) decides
     * no differently from once. */
    for (i = 0; i < nm->n; i++)
        if (strcmp(nm->v[i], name) == 0)
            return;
    if (plain_host(name)) {
        nm->usable = 1;
        push(nm, name);
        return;
    }
    len = strlen(name);
    if (hp_name_usable(name, len)) {
        /* An IP address is no server name (RFC 6066 3), yet stunnel
         * sends the address it connects to as one, then checks another
         * name itself: as SNI, an address names nobody. */
        if (sni && hp_name_normalize(name, len, norm, &is_ip) >= 0 && is_ip)
            nm->odd = 1;
        else
            nm->usable = 1;
        push(nm, name);
        return;
    }
    /* Not a host name the client can mean as written (empty labels, two
     * trailing dots, spaces, controls, too long): it is never quietly a
     * name with no rule.  Its include_subdomains parents apply
     * (hp_pinset_rule_for), the host name it stands for once cut of the
     * junk around it applies, and the names of the certificate apply as
     * if the client had named none (hp_names_from_cert). */
    nm->odd = 1;
    push(nm, name);
    if ((n = hp_name_clean(name, len, clean)) > 0)
        push_copy(nm, clean, (size_t)n);
}

void hp_names_add(struct hp_names_st *nm, const char *s, size_t len)
{
    if (len > 0)
        push_copy(nm, s, len);
}

void hp_names_add_ip(struct hp_names_st *nm, const unsigned char *addr,
                     size_t len)
{
    char text[INET6_ADDRSTRLEN];

    /* An IPv4-mapped IPv6 address is that IPv4 address (name.c). */
    if (len == 16 && IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)addr)) {
        addr += 12;
        len = 4;
    }
    if ((len == 4 || len == 16) &&
        inet_ntop(len == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text)))
        push_copy(nm, text, strlen(text));
}

struct child_arg {
    struct hp_names_st *nm;
};

static void add_child(const struct hp_rule_st *r, void *arg)
{
    struct hp_names_st *nm = ((struct child_arg *)arg)->nm;

    /* A damaged index whose pins file no longer loads cannot name the
     * rules: the names are incomplete, and the caller refuses. */
    if (r->host == NULL || r->host[0] == '\0')
        nm->incomplete = 1;
    else
        push(nm, r->host);
}

void hp_names_add_cert_dns(struct hp_names_st *nm,
                           const struct hp_pinset_st *ps, const char *s,
                           size_t len)
{
    const char *dot;
    size_t rest;
    char star[HP_NAME_MAX + 1], parent[HP_NAME_MAX];
    struct child_arg ca = { nm };
    int is_ip, n;

    /* A name with a NUL in it is, to a client that compares C strings,
     * the name before the NUL. */
    len = strnlen(s, len);
    dot = memchr(s, '.', len);
    rest = dot != NULL ? len - (size_t)(dot - s) : 0;
    if (len == 0)
        return;
    if (dot == NULL || memchr(s, '*', (size_t)(dot - s)) == NULL ||
        rest + 1 >= sizeof(star)) {
        push_copy(nm, s, len);
        return;
    }
    /* A wildcard (X509_check_host takes one in the first label only, and
     * partial ones such as "w*.d" unless told not to) stands for every
     * name one label under d.  "*.d" finds the include_subdomains rule of
     * d or a parent (no exact rule can be named "*..."); each exact rule
     * one label under d is added by its own name. */
    star[0] = '*';
    memcpy(star + 1, dot, rest);
    push_copy(nm, star, rest + 1);
    n = hp_name_normalize(dot + 1, rest - 1, parent, &is_ip);
    if (n > 0 && !is_ip)
        hp_pinset_children(ps, parent, (size_t)n, add_child, &ca);
}
