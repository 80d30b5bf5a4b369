/* SPDX-License-Identifier: Apache-2.0 */
/* Normalising names of a connection and of pins-file entries. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "hostpin_conf.h"

/* IPv4 or IPv6 literal (IPv6 possibly in brackets) to canonical text.
 * Returns the length or -1 if `in` is not an IP literal. */
static int normalize_ip(const char *in, size_t len, char out[HP_NAME_MAX])
{
    char tmp[INET6_ADDRSTRLEN + 2];
    unsigned char addr[16];

    if (len >= 2 && in[0] == '[' && in[len - 1] == ']') {
        in++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof(tmp))
        return -1;
    memcpy(tmp, in, len);
    tmp[len] = '\0';
    if (inet_pton(AF_INET, tmp, addr) == 1) {
        if (inet_ntop(AF_INET, addr, out, HP_NAME_MAX) == NULL)
            return -1;
    } else if (memchr(tmp, ':', len) != NULL &&
               inet_pton(AF_INET6, tmp, addr) == 1) {
        /* ::ffff:a.b.c.d is the IPv4 address a.b.c.d, reached through a
         * dual-stack socket: the same host, so the same rule. */
        if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)addr)
                ? inet_ntop(AF_INET, addr + 12, out, HP_NAME_MAX) == NULL
                : inet_ntop(AF_INET6, addr, out, HP_NAME_MAX) == NULL)
            return -1;
    } else {
        return -1;
    }
    return (int)strlen(out);
}

int hp_name_normalize(const char *in, size_t len, char out[HP_NAME_MAX],
                      int *is_ip)
{
    size_t i;
    int n;

    *is_ip = 0;
    if (in == NULL || len == 0 || memchr(in, '\0', len) != NULL)
        return -1;
    /* The dot goes first so that "192.0.2.1." is the address too. */
    if (in[len - 1] == '.')
        len--;
    if ((n = normalize_ip(in, len, out)) >= 0) {
        *is_ip = 1;
        return n;
    }
    if (len == 0 || len >= HP_NAME_MAX)
        return -1;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];

        if (c < 0x21 || c == 0x7f)
            return -1;
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    out[len] = '\0';
    return (int)len;
}

int hp_name_check_labels(const char *norm, unsigned char *bad)
{
    size_t i, label = 0;

    for (i = 0;; i++) {
        unsigned char c = (unsigned char)norm[i];

        if (c == '.' || c == '\0') {
            if (label == 0)
                return HP_LABELS_EMPTY;
            if (label > 63)
                return HP_LABELS_LONG;
            if (c == '\0')
                return HP_LABELS_OK;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_') {
            label++;
        } else {
            *bad = c;
            return HP_LABELS_CHAR;
        }
    }
}
