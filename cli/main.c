/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin: make pins, test live servers, lint the pins file, show status. */
#include <libconfig.h>
#include <libpsl.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "cli.h"

#ifndef HOSTPIN_VERSION
#define HOSTPIN_VERSION "0.0.0"
#endif

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    { "pin", hp_cli_pin, "pins of certificates, public or private keys and "
                         "CSRs in files" },
    { "fetch", hp_cli_fetch, "a server's chain with pins, and a host block "
                             "for the pins file" },
    { "check", hp_cli_check, "does a live server satisfy its rule in the "
                             "pins file?" },
    { "audit", hp_cli_audit, "every pinned host: passes now? what breaks "
                             "next? (monitoring plugin)" },
    { "suggest", hp_cli_suggest, "a pins file learnt from report mode's "
                                 "reports" },
    { "lint", hp_cli_lint, "errors and risky settings in a pins file" },
    { "status", hp_cli_status, "is pinning active in this OpenSSL "
                               "configuration?" },
    { "log", hp_cli_log, "why connections were refused: hostpin's messages "
                         "from the logs" },
    { "ps", hp_cli_ps, "running processes using TLS: protected, needing a "
                       "restart, or not covered" },
    { "enable", hp_cli_enable, "add hostpin to the system openssl.cnf" },
    { "disable", hp_cli_disable, "remove what enable added" },
    { "import", hp_cli_import, "pins of other products' pinning configs" },
    { "index", hp_cli_index, "compile a large pins file for fast start-up" },
    { NULL, NULL, NULL }
};

static void usage(FILE *f)
{
    const struct command *c;

    fprintf(f, "Usage: hostpin COMMAND [OPTION]... [ARG]...\n"
               "Host public-key pinning for every program that uses the "
               "system OpenSSL.\n\nCommands:\n");
    for (c = commands; c->name != NULL; c++)
        fprintf(f, "  %-8s %s\n", c->name, c->summary);
    fprintf(f, "\nOptions:\n"
               "  -h, --help     show this help (hostpin COMMAND --help: "
               "the command's)\n"
               "  -V, --version  show the version and the libraries in "
               "use\n\n"
               "See hostpin(1), hostpin.conf(5) and hostpin(7).\n");
}

/* The commands named from the table, so that none is left out. */
static void no_command(const char *name)
{
    const struct command *c;

    fprintf(stderr, "hostpin: no command '%s'. Commands:", name);
    for (c = commands; c->name != NULL; c++)
        fprintf(stderr, "%s %s", c == commands ? "" : ",", c->name);
    fprintf(stderr, ".\n");
}

static void version(void)
{
    printf("hostpin %s\n", HOSTPIN_VERSION);
    printf("OpenSSL %s (built with %s)\n",
           OpenSSL_version(OPENSSL_FULL_VERSION_STRING),
           OPENSSL_FULL_VERSION_STR);
    printf("libconfig %d.%d.%d\n", LIBCONFIG_VER_MAJOR, LIBCONFIG_VER_MINOR,
           LIBCONFIG_VER_REVISION);
    printf("json-c %s\n", json_c_version());
    printf("libpsl %s (public suffix list: %s)\n", psl_get_version(),
           psl_dist_filename());
}

int main(int argc, char **argv)
{
    const struct command *c;
    const char *name = argc > 1 ? argv[1] : NULL;

    /* Never load openssl.cnf implicitly: if it enables hostpin, `check`
     * would be refused by the very rule it is asked to evaluate, and
     * `status` loads it explicitly to see what goes wrong. */
    OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
    if (name == NULL) {
        usage(stderr);
        return HP_EXIT_USAGE;
    }
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0) {
        version();
        return 0;
    }
    if (strcmp(name, "help") == 0) {
        char help[] = "--help";
        char *args[] = { argc > 2 ? argv[2] : NULL, help, NULL };

        if (args[0] == NULL) {
            usage(stdout);
            return 0;
        }
        for (c = commands; c->name != NULL; c++)
            if (strcmp(c->name, args[0]) == 0)
                return c->run(2, args);
        no_command(args[0]);
        return HP_EXIT_USAGE;
    }
    for (c = commands; c->name != NULL; c++)
        if (strcmp(c->name, name) == 0)
            return c->run(argc - 1, argv + 1);
    if (name[0] == '-')
        fprintf(stderr, "hostpin: unknown option '%s' before the command.\n",
                name);
    else
        no_command(name);
    fprintf(stderr, "Try 'hostpin --help'.\n");
    return HP_EXIT_USAGE;
}
