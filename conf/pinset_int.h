/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the conf library. */
#ifndef HOSTPIN_PINSET_INT_H
#define HOSTPIN_PINSET_INT_H

#include "hostpin_conf.h"

/* Build the lookup table once all rules are in place. */
int hp_pinset_index(struct hp_pinset_st *ps);
/* A file name owned by the set (rules and settings point at it). */
const char *hp_pinset_intern(struct hp_pinset_st *ps, const char *f);

#endif
