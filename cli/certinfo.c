/* SPDX-License-Identifier: Apache-2.0 */
/* Describing certificates and chains, for people and for JSON. */
#include <stdio.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "cli.h"

static int self_signed(X509 *x)
{
    return X509_check_issued(x, x) == X509_V_OK;
}

void hp_cli_print_chain(FILE *f, const char *title, STACK_OF(X509) *chain,
                        int built, int mark_depth, const char *mark)
{
    int i, n = chain != NULL ? sk_X509_num(chain) : 0;

    fprintf(f, "%s (%d certificate%s):\n", title, n, n == 1 ? "" : "s");
    for (i = 0; i < n; i++) {
        X509 *x = sk_X509_value(chain, i);
        char subj[512], iss[512], when[64], pin[HP_PIN_STRLEN];
        long days = hp_cli_days_left(X509_get0_notAfter(x));
        hp_digest d;
        const char *role = "";

        hp_cli_name(X509_get_subject_name(x), subj, sizeof(subj));
        hp_cli_name(X509_get_issuer_name(x), iss, sizeof(iss));
        hp_cli_time(X509_get0_notAfter(x), 0, when, sizeof(when));
        if (!hp_cli_x509_pin(x, d))
            snprintf(pin, sizeof(pin), "(cannot compute)");
        else
            hp_pin_format(d, pin);
        if (i == 0)
            role = "leaf";
        else if (built && i == n - 1 && self_signed(x))
            role = "trust anchor";
        else if (self_signed(x))
            role = "self-signed";
        else
            role = "intermediate";
        fprintf(f, "  %d  %s  (%s)%s%s\n", i, subj, role,
                i == mark_depth ? "  <- " : "", i == mark_depth ? mark : "");
        fprintf(f, "     issuer   %s\n", iss);
        if (days < 0)
            fprintf(f, "     expires  %s (EXPIRED)\n", when);
        else
            fprintf(f, "     expires  %s (in %ld day%s)\n", when, days,
                    days == 1 ? "" : "s");
        fprintf(f, "     pin      %s\n", pin);
    }
}

json_object *hp_cli_chain_json(STACK_OF(X509) *chain)
{
    json_object *a = json_object_new_array();
    int i, n = chain != NULL ? sk_X509_num(chain) : 0;

    for (i = 0; i < n; i++) {
        X509 *x = sk_X509_value(chain, i);
        json_object *o = json_object_new_object();
        char subj[512], iss[512], when[64], pin[HP_PIN_STRLEN];
        hp_digest d;

        hp_cli_name(X509_get_subject_name(x), subj, sizeof(subj));
        hp_cli_name(X509_get_issuer_name(x), iss, sizeof(iss));
        hp_cli_time(X509_get0_notAfter(x), 1, when, sizeof(when));
        json_object_object_add(o, "depth", json_object_new_int(i));
        json_object_object_add(o, "subject", json_object_new_string(subj));
        json_object_object_add(o, "issuer", json_object_new_string(iss));
        json_object_object_add(o, "not_after", json_object_new_string(when));
        json_object_object_add(o, "days_left", json_object_new_int64(
            hp_cli_days_left(X509_get0_notAfter(x))));
        if (hp_cli_x509_pin(x, d)) {
            hp_pin_format(d, pin);
            json_object_object_add(o, "pin", json_object_new_string(pin));
        } else {
            json_object_object_add(o, "pin", NULL);
        }
        json_object_array_add(a, o);
    }
    return a;
}
