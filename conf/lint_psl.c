/* SPDX-License-Identifier: Apache-2.0 */
/* Lint: rules for public suffixes (com, co.uk, github.io), judged with the
 * public suffix list through libpsl, as curl and wget use it.  A rule with
 * include_subdomains on a suffix pins every site under it, each run by
 * someone else with keys of its own: an error, as TrustKit refuses it.  An
 * exact rule for a suffix pins a name that is rarely a site: a warning.
 *
 * Only the hostpin command links this file (and libpsl): the loader, and
 * so the module, accepts such files on purpose; hostpin.conf(5) says why. */
#include <libpsl.h>

#include "hostpin_conf.h"
#include "lint_int.h"

void hp_lint_psl(struct linter *l, const struct hp_pinset_st *ps)
{
    /* The newest of the list built into libpsl and the system's copy
     * (Debian's publicsuffix package). */
    psl_ctx_t *psl = psl_latest(NULL);
    size_t i;

    if (psl == NULL)
        psl = (psl_ctx_t *)psl_builtin();
    if (psl == NULL)
        return;
    for (i = 0; ps->rules != NULL && i < ps->nrules; i++) {
        const struct hp_rule_st *r = &ps->rules[i];

        /* Without the implicit "*" rule every unknown single label
         * (localhost, an intranet name) would count as a suffix. */
        if (r->is_ip ||
            !psl_is_public_suffix2(psl, r->host,
                                   PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
            continue;
        if (r->include_subdomains)
            hp_lint_add(l, HP_LINT_PUBLIC_SUFFIX_SUBDOMAINS, r->file, r->line,
                        r->host, "host \"%s\" is a public suffix (public "
                        "suffix list): include_subdomains = true pins every "
                        "site under it, each with keys of its own, and "
                        "breaks them all; pin the domains you use instead "
                        "(e.g. \"example.%s\")", r->host, r->host);
        else
            hp_lint_add(l, HP_LINT_PUBLIC_SUFFIX, r->file, r->line, r->host,
                        "host \"%s\" is a public suffix (public suffix "
                        "list): the rule pins the suffix itself, not the "
                        "sites under it; did you mean a domain such as "
                        "\"example.%s\"?", r->host, r->host);
    }
    if (psl != psl_builtin())
        psl_free(psl);
}
