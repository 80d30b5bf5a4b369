/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin lint [FILE]: the loader's verdict on a pins file (the module
 * accepts exactly what passes here) and warnings about risky settings. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "hostpin_index.h"

static const char usage_text[] =
    "Usage: hostpin lint [OPTION]... [FILE]\n"
    "Check a pins file (default: the one the hostpin provider uses in this\n"
    "OpenSSL configuration, else " HP_DEFAULT_PINS_FILE ").\n"
    "Errors (the module refuses the file) and warnings are printed as\n"
    "FILE:LINE: error|warning: MESSAGE, then a one-line summary.\n\n"
    "Warnings: a host with fewer than two pins (no backup), a host repeated\n"
    "once names are normalised, a pin given twice, an `expires` in the past\n"
    "or within the warning window, an expired certificate in a `certs`\n"
    "file, a file not readable by every user, a host both in `hosts` and\n"
    "in certs_dir (it gets the union), a file in certs_dir that pins\n"
    "nothing, an exact rule for a public suffix (com, co.uk, github.io:\n"
    "public suffix list).  A file that others than root and you could\n"
    "change, or a folder on the way that lets them replace it, is an\n"
    "error: the module does not trust it.  include_subdomains on a public\n"
    "suffix is an error too, though the module loads such a file.\n\n"
    "Options:\n"
    "  --strict           exit 1 on warnings too\n"
    "  --warn-days DAYS   warn about `expires` closer than DAYS (default "
    "30)\n"
    "  --json             print the findings as JSON\n"
    "  -h, --help         show this help\n\n"
    "Exit status: 0 valid (warnings allowed unless --strict), 1 invalid or\n"
    "a warning with --strict, 64 usage error.\n";

struct lint_run {
    int json;
    json_object *errors, *warnings;
    int nerr, nwarn;
};

static void on_item(const struct hp_lint_item_st *it, void *arg)
{
    struct lint_run *lr = arg;
    int err = hp_lint_is_error(it->code);

    if (err)
        lr->nerr++;
    else
        lr->nwarn++;
    if (lr->json) {
        json_object *o = json_object_new_object();

        json_object_object_add(o, "file", json_object_new_string(it->file));
        json_object_object_add(o, "line", json_object_new_int(it->line));
        json_object_object_add(o, "code", json_object_new_string(
                                              hp_lint_code_name(it->code)));
        json_object_object_add(o, "host", hp_cli_json_str(it->host));
        json_object_object_add(o, "message", json_object_new_string(it->msg));
        json_object_array_add(err ? lr->errors : lr->warnings, o);
        return;
    }
    if (it->line > 0)
        printf("%s:%d: %s: %s\n", it->file, it->line,
               err ? "error" : "warning", it->msg);
    else
        printf("%s: %s: %s\n", it->file, err ? "error" : "warning", it->msg);
}

/* An index beside the file that programs will not use, as they would
 * say (state.c): one that others could have written, or one out of date
 * or damaged. */
static void lint_index(const char *file, struct lint_run *lr)
{
    struct hp_lint_item_st it = { HP_LINT_INDEX_UNUSED, file, 0, NULL, NULL };
    char why[600], msg[900];
    enum hp_index_state st = hp_index_verify(file, NULL, why, sizeof(why));

    if (st == HP_INDEX_OK || st == HP_INDEX_MISSING)
        return;
    snprintf(msg, sizeof(msg), "%s; not used: the pins file is parsed "
             "instead (%s)", why,
             st == HP_INDEX_UNTRUSTED
                 ? "remove the index, then run hostpin index as root"
                 : "run hostpin index");
    it.msg = msg;
    on_item(&it, lr);
}

int hp_cli_lint(int argc, char **argv)
{
    enum { OPT_STRICT = 256, OPT_WARN_DAYS, OPT_JSON };
    static const struct option opts[] = {
        { "strict", no_argument, NULL, OPT_STRICT },
        { "warn-days", required_argument, NULL, OPT_WARN_DAYS },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    struct hp_lint_opts_st lo = { (int64_t)time(NULL), 30 };
    struct hp_pinset_st *ps = NULL;
    struct lint_run lr;
    const char *file;
    char buf[1024], *end;
    int c, strict = 0, valid, rc;
    long v;

    memset(&lr, 0, sizeof(lr));
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_STRICT:
            strict = 1;
            break;
        case OPT_WARN_DAYS:
            v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v < 0 || v > 36500)
                return hp_cli_usage("lint", "--warn-days wants a number of "
                                            "days from 0 to 36500, not '%s'",
                                    optarg);
            lo.warn_days = (int)v;
            break;
        case OPT_JSON:
            lr.json = 1;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            return hp_cli_bad_option("lint", argv, c);
        }
    }
    if (argc - optind > 1)
        return hp_cli_usage("lint", "give one pins file at most");
    file = optind < argc ? argv[optind] : hp_cli_default_pins(buf,
                                                               sizeof(buf));
    if (lr.json) {
        lr.errors = json_object_new_array();
        lr.warnings = json_object_new_array();
    }
    valid = hp_conf_lint_file(file, &lo, on_item, &lr, &ps) == 1;
    if (ps != NULL)
        lint_index(file, &lr);
    /* ps: the loader (and so the module) accepts the file, errors or not. */
    rc = !valid || (strict && lr.nwarn > 0) ? 1 : 0;
    if (lr.json) {
        json_object *o = json_object_new_object();

        json_object_object_add(o, "file", json_object_new_string(file));
        json_object_object_add(o, "valid", json_object_new_boolean(valid));
        json_object_object_add(o, "loads", json_object_new_boolean(ps != NULL));
        json_object_object_add(o, "hosts", json_object_new_int64(
                                               ps ? (int64_t)ps->nrules : 0));
        json_object_object_add(o, "errors", lr.errors);
        json_object_object_add(o, "warnings", lr.warnings);
        json_object_object_add(o, "exit", json_object_new_int(rc));
        hp_cli_json_print(o);
    } else if (!valid && ps != NULL) {
        printf("%s: INVALID, %d error%s: hostpin would load this file, but "
               "it breaks connections it was not meant to touch: fix it "
               "first\n", file, lr.nerr, lr.nerr == 1 ? "" : "s");
    } else if (!valid) {
        printf("%s: INVALID, %d error%s: where hostpin uses this file, every "
               "TLS client verification fails (on_error = fail-closed) or "
               "nothing is pinned (fail-open)\n", file, lr.nerr,
               lr.nerr == 1 ? "" : "s");
    } else {
        printf("%s: valid, %zu host%s, %d warning%s%s\n", file, ps->nrules,
               ps->nrules == 1 ? "" : "s", lr.nwarn,
               lr.nwarn == 1 ? "" : "s",
               strict && lr.nwarn > 0 ? " (--strict: failing)" : "");
    }
    hp_pinset_free(ps);
    return rc;
}
