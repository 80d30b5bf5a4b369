/* SPDX-License-Identifier: Apache-2.0 */
/* HP_RAISE for both halves: hostpin.so's hp_prov_vraise (provider.c) holds
 * the provider handles; the core's (core.c) goes through hostpin.so. */
#include <stdarg.h>

#include "hostpin.h"

void hp_prov_raise(const char *func, int line, int reason, const char *fmt,
                   ...)
{
    va_list ap;

    va_start(ap, fmt);
    hp_prov_vraise(func, line, reason, fmt, ap);
    va_end(ap);
}
