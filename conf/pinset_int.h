/* Internal to the conf library. */
#ifndef HOSTPIN_PINSET_INT_H
#define HOSTPIN_PINSET_INT_H

#include "hostpin_conf.h"

/* Build the lookup table once all rules are in place. */
int hp_pinset_index(struct hp_pinset_st *ps);

#endif
