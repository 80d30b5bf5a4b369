/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin fetch HOST[:PORT]: the chain a server sends, the chain OpenSSL
 * builds from it, each certificate's pin, and a host block to paste. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "cli.h"

enum level { LEVEL_LEAF, LEVEL_INTERMEDIATE, LEVEL_ROOT };

static const char usage_text[] =
    "Usage: hostpin fetch [OPTION]... HOST[:PORT]\n"
    "Connect to HOST (port 443 by default) and print the chain the server\n"
    "sent, the chain OpenSSL built (trust anchor included) with each\n"
    "certificate's subject, issuer, expiry and pin, and a host block for\n"
    "the pins file.\n\n"
    "Options:\n"
    "  --level LEVEL      which certificate of the built chain the block "
    "pins:\n"
    "                     leaf, intermediate (the default: the leaf's "
    "issuer)\n"
    "                     or root\n" HP_TLS_HELP
    "  -h, --help         show this help\n\n"
    "Exit status: 0 connected and verified, 1 connected but the chain did\n"
    "not verify (do not pin it), 3 could not connect.\n";

/* Depth of the certificate to pin; notes why if it is not the obvious. */
static int pick(STACK_OF(X509) *built, enum level lv, const char **note)
{
    int n = sk_X509_num(built);

    *note = NULL;
    switch (lv) {
    case LEVEL_LEAF:
        return 0;
    case LEVEL_ROOT:
        return n - 1;
    case LEVEL_INTERMEDIATE:
    default:
        if (n == 1) {
            *note = "the chain is a single certificate: pinning it";
            return 0;
        }
        if (n == 2)
            *note = "the leaf's issuer is the trust anchor itself (no "
                    "intermediate)";
        return 1;
    }
}

static void print_block(const struct hp_target_st *t, STACK_OF(X509) *built,
                        int depth, const char *why)
{
    X509 *x = sk_X509_value(built, depth);
    char norm[HP_NAME_MAX], subj[512], when[64], pin[HP_PIN_STRLEN];
    hp_digest d;
    int is_ip;

    if (hp_name_normalize(t->host, strlen(t->host), norm, &is_ip) < 0 ||
        !hp_cli_x509_pin(x, d))
        return;
    hp_pin_format(d, pin);
    hp_cli_name(X509_get_subject_name(x), subj, sizeof(subj));
    hp_cli_time(X509_get0_notAfter(x), 0, when, sizeof(when));
    printf("Host block for the pins file (add it to hosts = ( ... ); with a "
           "comma between entries):\n\n");
    printf("  {\n");
    printf("    host = \"%s\";\n", norm);
    printf("    pins = [\n");
    printf("      # depth %d, %s: %s\n", depth, why, subj);
    printf("      # certificate expires %s\n", when);
    printf("      \"%s\"\n", pin);
    printf("      # BACKUP PIN: a key that is NOT in use yet, kept offline,\n");
    printf("      # so that a compromised or lost key can be replaced "
           "without an\n");
    printf("      # outage.  Make one (openssl genpkey -algorithm EC "
           "-pkeyopt\n");
    printf("      # ec_paramgen_curve:P-256 -out backup.key), run "
           "`hostpin pin\n");
    printf("      # backup.key` and put its pin here, removing the '#':\n");
    printf("      # , \"sha256/<backup pin>\"\n");
    printf("    ];\n");
    printf("  }\n");
}

int hp_cli_fetch(int argc, char **argv)
{
    static const struct option opts[] = {
        { "level", required_argument, NULL, HP_OPT_FIRST_FREE },
        { "help", no_argument, NULL, 'h' },
        HP_TLS_OPTIONS,
        { NULL, 0, NULL, 0 }
    };
    static const char *const why_level[] = { "leaf", "intermediate",
                                             "root" };
    struct hp_target_st t;
    struct hp_conn_st conn;
    enum level lv = LEVEL_INTERMEDIATE;
    const char *note = NULL;
    int c, r, depth, rc = 0;

    hp_cli_target_init(&t);
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if ((r = hp_cli_tls_option("fetch", &t, c, optarg)) != 0) {
            if (r < 0)
                return HP_EXIT_USAGE;
            continue;
        }
        if (c == 'h') {
            fputs(usage_text, stdout);
            return 0;
        }
        if (c != HP_OPT_FIRST_FREE)
            return hp_cli_bad_option("fetch", argv, c);
        if (strcmp(optarg, "leaf") == 0)
            lv = LEVEL_LEAF;
        else if (strcmp(optarg, "intermediate") == 0)
            lv = LEVEL_INTERMEDIATE;
        else if (strcmp(optarg, "root") == 0)
            lv = LEVEL_ROOT;
        else
            return hp_cli_usage("fetch", "--level wants leaf, intermediate "
                                         "or root, not '%s'", optarg);
    }
    if (optind != argc - 1)
        return hp_cli_usage("fetch", optind >= argc
                                         ? "give the server as HOST[:PORT]"
                                         : "give one HOST[:PORT] only");
    if (!hp_cli_parse_target("fetch", argv[optind], &t))
        return HP_EXIT_USAGE;
    if (!hp_cli_connect(&t, &conn)) {
        hp_cli_error("fetch", "%s", conn.error);
        hp_cli_conn_free(&conn);
        return 3;
    }
    printf("Connected to %s:%s at %s, %s, SNI %s\n", t.host, t.port,
           conn.address, conn.protocol, conn.sni[0] ? conn.sni : "(none)");
    if (conn.verify_result == X509_V_OK)
        printf("Verification: OK (chain trusted, name %s matches)\n\n",
               t.host);
    else
        printf("Verification: FAILED: %s (at depth %d)\n\n",
               hp_cli_verify_error(conn.first_error ? conn.first_error
                                                    : conn.verify_result),
               conn.first_error_depth);
    hp_cli_print_chain(stdout, "Chain sent by the server", conn.sent, 0, -1,
                       NULL);
    printf("\n");
    if (conn.built == NULL || sk_X509_num(conn.built) == 0) {
        printf("OpenSSL built no chain: nothing to pin.\n");
        hp_cli_conn_free(&conn);
        return 1;
    }
    depth = pick(conn.built, lv, &note);
    hp_cli_print_chain(stdout, "Chain built by OpenSSL, which hostpin checks",
                       conn.built, 1, depth, "pinned by the block below");
    printf("\n");
    if (note != NULL)
        printf("Note: %s.\n\n", note);
    if (conn.verify_result != X509_V_OK) {
        printf("WARNING: the chain did not verify, so it may not be the "
               "server's real one.\nDo not paste this block before you "
               "know why (e.g. use --cafile).\n\n");
        rc = 1;
    }
    print_block(&t, conn.built, depth, why_level[lv]);
    hp_cli_conn_free(&conn);
    return rc;
}
