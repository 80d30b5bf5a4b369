/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin index [FILE]: compile a pins file into the index the module maps
 * instead of parsing the file.  The pins file stays the only file to edit;
 * an index that no longer matches it is ignored until this command runs
 * again, which the packages' hostpin-index.path does on every change
 * (hostpin index --if-stale). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hostpin_index.h"

static const char usage_text[] =
    "Usage: hostpin index [OPTION]... [FILE]\n"
    "Compile a pins file (default: the one the hostpin provider uses in "
    "this\nOpenSSL configuration, else " HP_DEFAULT_PINS_FILE ") into "
    "FILE" HP_INDEX_SUFFIX ",\nwhich the module maps instead of parsing "
    "FILE: the first verification of a\nprocess then costs the same with "
    "a million hosts as with ten, and no program parses the file.\n\n"
    "The index records the pins file's identity (device, inode, size,\n"
    "timestamps, SHA-256) and is used only while they match: after editing\n"
    "FILE, run this again (until then the file is parsed, as without an\n"
    "index).  It is replaced atomically; never edit or copy over it.  The\n"
    "packages run hostpin index --if-stale on every change of the pins file\n"
    "or its drop-ins (hostpin-index.path).\n\n"
    "Options:\n"
    "  --check       do not write; say whether the index is current and "
    "intact\n"
    "                (exit 0 yes, 1 no)\n"
    "  --if-stale    write only if the index is missing, out of date or "
    "damaged\n"
    "  --remove      delete the index (the file is parsed again)\n"
    "  -h, --help    show this help\n\n"
    "Exit status: 0 done, 1 the pins file is invalid or the index could not "
    "be\nwritten (or with --check: is missing, stale or damaged), 64 usage "
    "error.\n";

void hp_cli_reindex(const char *cmd, const char *path)
{
    char idx[4096], def[1024];
    struct hp_error_st err;
    size_t n = 0;

    snprintf(idx, sizeof(idx), "%s%s", path, HP_INDEX_SUFFIX);
    if (access(idx, F_OK) != 0 &&
        strcmp(path, hp_cli_default_pins(def, sizeof(def))) != 0)
        return;
    if (!hp_index_write(path, NULL, 0, &n, &err)) {
        char msg[1100];

        hp_error_format(&err, msg, sizeof(msg));
        hp_cli_error(cmd, "%s not indexed: %s", path, msg);
        return;
    }
    fprintf(stderr, "hostpin %s: %s: %zu hosts, indexed\n", cmd, idx, n);
}

int hp_cli_index(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "check", no_argument, NULL, 'c' },
        { "if-stale", no_argument, NULL, 's' },
        { "remove", no_argument, NULL, 'r' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    char def[1024], path[1100], why[1024];
    const char *pins;
    int c, check = 0, remove_it = 0, if_stale = 0;
    struct hp_error_st err;
    size_t n = 0;

    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            check = 1;
            break;
        case 'r':
            remove_it = 1;
            break;
        case 's':
            if_stale = 1;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            return hp_cli_bad_option("index", argv, c);
        }
    }
    if (argc - optind > 1)
        return hp_cli_usage("index", "at most one pins file");
    if (check + remove_it + if_stale > 1)
        return hp_cli_usage("index", "--check, --remove and --if-stale "
                                     "exclude each other");
    pins = optind < argc ? argv[optind] : hp_cli_default_pins(def,
                                                               sizeof(def));
    snprintf(path, sizeof(path), "%s%s", pins, HP_INDEX_SUFFIX);
    if (remove_it) {
        if (remove(path) != 0) {
            hp_cli_error("index", "cannot remove %s: %s", path,
                         strerror(errno));
            return 1;
        }
        printf("%s: removed; %s is parsed again\n", path, pins);
        return 0;
    }
    if (check) {
        enum hp_index_state st = hp_index_verify(pins, NULL, why,
                                                 sizeof(why));

        printf("%s: %s%s\n", path,
               st == HP_INDEX_OK ? why
               : st == HP_INDEX_MISSING
                   ? "no index; the pins file is parsed (run hostpin index "
                     "for large files)"
                   : why,
               st == HP_INDEX_UNTRUSTED
                   ? " (not used: the pins file is parsed instead)"
                   : "");
        return st == HP_INDEX_OK ? 0 : 1;
    }
    /* Unchanged, so not written: what watches the folder (the path unit)
     * is not woken by its own work. */
    if (if_stale && hp_index_verify(pins, NULL, why, sizeof(why)) ==
                        HP_INDEX_OK) {
        printf("%s: current, not rewritten (%s)\n", path, why);
        return 0;
    }
    if (!hp_index_write(pins, NULL, 0, &n, &err)) {
        char msg[1100];

        hp_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "hostpin index: %s\n", msg);
        return 1;
    }
    printf("%s: %zu hosts from %s\n", path, n, pins);
    return 0;
}
