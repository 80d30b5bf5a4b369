/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: any bytes as a pins file.  Loading must never crash,
 * leak or hang, and must either fail with a message or yield a pin set
 * whose rules are well formed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostpin_conf.h"

/* Relative certificate and @include paths resolve here: nothing exists. */
#define FUZZ_BASEDIR "/nonexistent/hostpin-fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_conf: invariant violated: %s\n", what);
        abort();
    }
}

/* What a successful load promises the provider and the CLI. */
static void check_pinset(const struct hp_pinset_st *ps)
{
    size_t i, j;

    check(ps->mode == HP_MODE_ENFORCE || ps->mode == HP_MODE_REPORT,
          "global mode");
    for (i = 0; i < ps->nrules; i++) {
        const struct hp_rule_st *r = &ps->rules[i];
        char norm[HP_NAME_MAX];
        int is_ip = 0, n;

        check(r->host != NULL && r->host[0] != '\0', "rule has a host");
        check(hp_pinset_find_exact(ps, r->host, strlen(r->host)) == r,
              "each rule is found by its own host");
        check(hp_pinset_lookup(ps, r->host, r->is_ip) == r,
              "lookup of a rule's host gives the rule");
        n = hp_name_normalize(r->host, strlen(r->host), norm, &is_ip);
        check(n >= 0 && strcmp(norm, r->host) == 0 && is_ip == r->is_ip,
              "rule hosts are normalised");
        check(!(r->is_ip && r->include_subdomains),
              "no include_subdomains on an IP");
        check(r->mode == HP_MODE_ENFORCE || r->mode == HP_MODE_REPORT,
              "rule mode");
        check(r->npins > 0 && r->npins <= r->npins_written,
              "a rule has pins");
        check(r->ncert_pins <= r->npins_written, "certificate pins counted");
        for (j = 0; j < r->npins; j++) {
            check(j == 0 || memcmp(r->pins[j - 1], r->pins[j],
                                   HP_DIGEST_LEN) < 0,
                  "pins sorted and unique");
            check(hp_rule_has_pin(r, r->pins[j]), "each pin is found");
        }
        check((r->expires == 0) == (r->expires_text == NULL),
              "expiry text kept with the expiry");
        check(r->file != NULL && r->line > 0, "rule names file and line");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hp_pinset_st *ps = NULL;
    struct hp_error_st err;
    char *text = malloc(size + 1);
    char msg[1200];

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (hp_conf_load_string(text, "fuzz.conf", FUZZ_BASEDIR, &ps, &err)) {
        check(ps != NULL, "success gives a pin set");
        check_pinset(ps);
        hp_pinset_free(ps);
    } else {
        check(ps == NULL, "failure gives no pin set");
        check(err.file[0] != '\0' && err.msg[0] != '\0' && err.line >= 0,
              "an error names a file and a problem");
        check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL &&
                  memchr(err.file, '\0', sizeof(err.file)) != NULL,
              "error strings are terminated");
        hp_error_format(&err, msg, sizeof(msg));
    }
    free(text);
    return 0;
}
