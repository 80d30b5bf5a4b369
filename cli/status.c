/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin status: is pinning really active for programs started in this
 * environment?  The configuration is loaded here the way every program
 * loads it, and the provider is asked whether its hook is installed. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/conf.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/provider.h>

#include "cli.h"
#include "hostpin_index.h"
#include "ps.h"

static const char usage_text[] =
    "Usage: hostpin status [OPTION]...\n"
    "Show which openssl.cnf this environment loads ($OPENSSL_CONF, else\n"
    "OpenSSL's default), whether it loads the hostpin provider and the\n"
    "provider is really active, which pins file it uses, whether that file\n"
    "is valid, how many hosts are pinned in which modes, the earliest\n"
    "expiry, whether Node.js's section (nodejs_conf) loads hostpin, how\n"
    "many running processes hostpin protects (hostpin ps lists them) and\n"
    "which TLS clients installed here it cannot cover.\n\n"
    "Options:\n"
    "  --json             print the status as JSON\n"
    "  -h, --help         show this help\n\n"
    "Exit status: 0 only if pinning is active (provider active, pins file\n"
    "valid), 1 otherwise, 64 usage error.\n";

struct probe {
    const char *name; /* the provider name the configuration uses */
    int found;
    int hook;         /* the provider's status: hook and core in place */
    char version[64];
    char core_error[1024]; /* why the module's core cannot be loaded */
};

/* The provider's parameter naming why its core cannot be loaded
 * (provider/hostpin.h). */
#define HP_PARAM_CORE_ERROR "hostpin-core-error"

struct pin_stats {
    size_t enforce, report, subdomains, expired;
    const struct hp_rule_st *earliest;
};

/* What is outside pinning on this machine: running processes by state
 * (hostpin ps) and known clients that cannot be covered. */
struct gaps_st {
    size_t procs[3], unreadable;
    struct hp_prog_st prog[16];
    size_t nprog;
};

static void add_uncovered(const struct hp_prog_st *p, void *arg)
{
    struct gaps_st *g = arg;

    if (g->nprog < sizeof(g->prog) / sizeof(g->prog[0]))
        g->prog[g->nprog++] = *p;
}

static void find_gaps(struct gaps_st *g)
{
    struct hp_ps_st ps;
    size_t i;

    memset(g, 0, sizeof(*g));
    if (hp_ps_scan(NULL, 0, &ps)) {
        for (i = 0; i < ps.n; i++)
            g->procs[ps.v[i].state]++;
        g->unreadable = ps.unreadable;
        hp_ps_free(&ps);
    }
    hp_ps_known_uncovered(add_uncovered, g);
}

/* ACTIVE, but not for everything: say what is left out. */
static const char *with_gaps(const char *result, const struct gaps_st *g,
                             char *buf, size_t len)
{
    size_t out = g->procs[HP_NEEDS_RESTART] + g->procs[HP_NOT_COVERED];

    if (strncmp(result, "ACTIVE", 6) != 0 || (out == 0 && g->nprog == 0))
        return result;
    snprintf(buf, len, "ACTIVE, with gaps: %zu running process%s not "
             "protected (%zu need%s a restart) and %zu installed client%s "
             "hostpin cannot cover; see hostpin ps%s", out,
             out == 1 ? "" : "es", g->procs[HP_NEEDS_RESTART],
             g->procs[HP_NEEDS_RESTART] == 1 ? "s" : "", g->nprog,
             g->nprog == 1 ? "" : "s",
             g->nprog ? " and hostpin ps --installed" : "");
    return buf;
}

static void print_gaps(const struct hp_osslconf_st *oc,
                       const struct gaps_st *g)
{
    size_t i, all = g->procs[0] + g->procs[1] + g->procs[2];

    if (oc->node_listed)
        printf("Node.js:        covered: nodejs_conf loads hostpin ([%s])\n",
               oc->node_init);
    else if (oc->listed)
        printf("Node.js:        NOT covered: Debian's Node.js reads only the "
               "section nodejs_conf names, and %s (hostpin enable wires it; "
               "or start node with --openssl-shared-config)\n",
               oc->node_init[0] ? "that one does not load hostpin"
                                : "this file has no nodejs_conf");
    printf("Processes:      %zu using TLS: %zu protected, %zu need%s a "
           "restart, %zu not covered%s; hostpin ps lists them\n", all,
           g->procs[HP_PROTECTED], g->procs[HP_NEEDS_RESTART],
           g->procs[HP_NEEDS_RESTART] == 1 ? "s" : "",
           g->procs[HP_NOT_COVERED],
           g->unreadable ? " (some could not be read: run as root)" : "");
    for (i = 0; i < g->nprog; i++)
        printf("%s%s: %s\n", i == 0 ? "Not covered:    " : "                ",
               g->prog[i].path, g->prog[i].reason);
}

static int probe_one(OSSL_PROVIDER *p, void *arg)
{
    struct probe *pr = arg;
    const char *pname = NULL, *ver = NULL, *core_error = NULL;
    int status = 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_ptr(OSSL_PROV_PARAM_NAME, (char **)&pname,
                                      0),
        OSSL_PARAM_construct_utf8_ptr(OSSL_PROV_PARAM_VERSION, (char **)&ver,
                                      0),
        OSSL_PARAM_construct_int(OSSL_PROV_PARAM_STATUS, &status),
        OSSL_PARAM_construct_utf8_ptr(HP_PARAM_CORE_ERROR,
                                      (char **)&core_error, 0),
        OSSL_PARAM_construct_end()
    };

    if (!OSSL_PROVIDER_get_params(p, params))
        pname = NULL;
    if (strcmp(OSSL_PROVIDER_get0_name(p), pr->name) != 0 &&
        (pname == NULL || strncmp(pname, "hostpin", 7) != 0))
        return 1;
    pr->found = 1;
    pr->hook = status == 1;
    snprintf(pr->version, sizeof(pr->version), "%s", ver ? ver : "?");
    snprintf(pr->core_error, sizeof(pr->core_error), "%s",
             core_error != NULL ? core_error : "");
    return 0;
}

static void stats_of(const struct hp_pinset_st *ps, int64_t now,
                     struct pin_stats *st)
{
    size_t i;

    memset(st, 0, sizeof(*st));
    for (i = 0; i < ps->nrules; i++) {
        const struct hp_rule_st *r = &ps->rules[i];

        if (r->mode == HP_MODE_ENFORCE)
            st->enforce++;
        else
            st->report++;
        if (r->include_subdomains)
            st->subdomains++;
        if (!hp_rule_active(r, now))
            st->expired++;
        else if (r->expires != 0 &&
                 (st->earliest == NULL || r->expires < st->earliest->expires))
            st->earliest = r;
    }
}

static const char *verdict(const struct hp_osslconf_st *oc,
                           const struct probe *pr, int valid)
{
    if (!oc->exists)
        return "INACTIVE: the configuration file does not exist, so no "
               "provider is loaded; see hostpin(7) to enable hostpin";
    if (!oc->listed && !pr->found)
        return "INACTIVE: this configuration does not load the hostpin "
               "provider; see hostpin(7) to enable it";
    if (!pr->found && oc->activate[0] == '\0')
        return "INACTIVE: hostpin is listed but its section has no "
               "`activate = 1`";
    if (!pr->found)
        return "INACTIVE: hostpin is listed but OpenSSL did not activate it "
               "(see the load errors: check `module`)";
    if (!pr->hook && pr->core_error[0] != '\0')
        return "BROKEN: the provider is loaded but its implementation "
               "(hostpin-core.so) cannot be: see \"Core\"; certificates are "
               "refused (on_error = fail-closed) or not pinned (fail-open)";
    if (!pr->hook)
        return "INACTIVE: the provider is loaded but could not install its "
               "verification hook";
    if (!valid)
        return strcmp(oc->on_error, "fail-open") == 0
                   ? "BROKEN: the pins file is unusable and on_error = "
                     "fail-open, so nothing is pinned; run hostpin lint"
                   : "BROKEN: the pins file is unusable, so every TLS client "
                     "verification fails (on_error = fail-closed); run "
                     "hostpin lint";
    return "ACTIVE: programs that load this configuration pin these hosts";
}

/* OpenSSL_version(OPENSSL_MODULES_DIR) reads MODULESDIR: "/path". */
static void modules_dir(char *buf, size_t len)
{
    const char *env = getenv("OPENSSL_MODULES");
    const char *v = OpenSSL_version(OPENSSL_MODULES_DIR);
    const char *q = strchr(v, '"');

    if (env != NULL && *env != '\0')
        snprintf(buf, len, "%s (from OPENSSL_MODULES)", env);
    else if (q != NULL && strchr(q + 1, '"') != NULL)
        snprintf(buf, len, "%.*s", (int)(strchr(q + 1, '"') - q - 1), q + 1);
    else
        snprintf(buf, len, "%s", v);
}

/* Why a listed provider is not active: load it alone, keep the errors
 * (the configuration loader in OpenSSL 3.0 drops them). */
static void diagnose(const struct hp_osslconf_st *oc, char *buf, size_t len)
{
    OSSL_LIB_CTX *lc = OSSL_LIB_CTX_new();
    OSSL_PROVIDER *p;

    if (lc == NULL)
        return;
    ERR_clear_error();
    p = OSSL_PROVIDER_load(lc, oc->module[0] ? oc->module : oc->name);
    if (p == NULL)
        hp_cli_ssl_errors(buf, len);
    else
        OSSL_PROVIDER_unload(p);
    ERR_clear_error();
    OSSL_LIB_CTX_free(lc);
}

/* Is the compiled index of the pins file in use?  (hostpin index) */
static const char *index_state(const char *pins, char *why, size_t len)
{
    switch (hp_index_verify(pins, NULL, why, len)) {
    case HP_INDEX_OK:
        return "current";
    case HP_INDEX_MISSING:
        return "none";
    case HP_INDEX_STALE:
        return "stale";
    case HP_INDEX_UNTRUSTED:
        return "untrusted (not used)";
    default:
        return "invalid";
    }
}

static void print_text(const struct hp_osslconf_st *oc,
                       const struct probe *pr, const char *load_err,
                       const struct hp_pinset_st *ps, const char *pins_err,
                       const struct gaps_st *g, const char *result)
{
    struct pin_stats st;
    char date[32], mods[1100], why[512];
    const char *idx;

    modules_dir(mods, sizeof(mods));
    printf("OpenSSL:        %s, modules in %s\n",
           OpenSSL_version(OPENSSL_VERSION), mods);
    printf("Configuration:  %s (%s)%s\n", oc->file,
           oc->from_env ? "from OPENSSL_CONF" : "OpenSSL's default",
           oc->exists ? "" : ": does not exist or cannot be read");
    if (oc->error[0] != '\0')
        printf("                cannot be parsed: %s\n", oc->error);
    if (oc->listed)
        printf("Provider:       listed as \"%s\" in [%s], module %s, "
               "activate = %s\n", oc->name, oc->section,
               oc->module[0] ? oc->module : "(by name)",
               oc->activate[0] ? oc->activate : "(not set: not activated)");
    else
        printf("Provider:       not listed in this configuration\n");
    if (load_err[0] != '\0')
        printf("Load errors:    %s\n", load_err);
    if (pr->found)
        printf("Active:         yes, hostpin %s, verification hook %s\n",
               pr->version, pr->hook ? "installed"
                            : pr->core_error[0] != '\0'
                                ? "installed, its core NOT loadable"
                                : "NOT installed");
    else
        printf("Active:         no\n");
    if (pr->found && pr->core_error[0] != '\0')
        printf("Core:           %s\n", pr->core_error);
    printf("Pins file:      %s (%son_error = %s)\n", oc->pins,
           oc->pins_set ? "" : "the default; ", oc->on_error);
    if (ps == NULL) {
        printf("Pins:           INVALID: %s\n", pins_err);
    } else {
        stats_of(ps, (int64_t)time(NULL), &st);
        printf("Pins:           valid: %zu host%s (%zu enforce, %zu report), "
               "%zu with include_subdomains, %zu expired\n", ps->nrules,
               ps->nrules == 1 ? "" : "s", st.enforce, st.report,
               st.subdomains, st.expired);
        if (st.earliest != NULL) {
            hp_cli_date(st.earliest->expires - 1, date, sizeof(date));
            printf("Earliest expiry: %s, host \"%s\" (%s:%d)\n", date,
                   st.earliest->host, st.earliest->file, st.earliest->line);
        } else {
            printf("Earliest expiry: none (no rule in force has `expires`)"
                   "\n");
        }
        idx = index_state(oc->pins, why, sizeof(why));
        if (strcmp(idx, "current") == 0)
            printf("Index:          current: processes read %s%s instead "
                   "of parsing it\n", oc->pins, HP_INDEX_SUFFIX);
        else if (strcmp(idx, "none") == 0)
            printf("Index:          none: processes parse the file%s\n",
                   ps->nrules >= 1000 ? "; with this many hosts, run "
                                        "hostpin index (see hostpin(1))"
                                      : "");
        else
            printf("Index:          %s, ignored (the file is parsed): %s\n",
                   idx, why);
    }
    print_gaps(oc, g);
    printf("Status:         %s\n", result);
}

static void print_json(const struct hp_osslconf_st *oc,
                       const struct probe *pr, const char *load_err,
                       const struct hp_pinset_st *ps, const char *pins_err,
                       const struct gaps_st *g, int active,
                       const char *result)
{
    json_object *o = json_object_new_object(), *p = json_object_new_object();
    json_object *n = json_object_new_object(), *pr_o, *un;
    size_t i;
    struct pin_stats st;
    char date[32], why[512];

    json_object_object_add(o, "openssl",
                           json_object_new_string(OpenSSL_version(
                               OPENSSL_VERSION)));
    json_object_object_add(o, "config_file", json_object_new_string(oc->file));
    json_object_object_add(o, "config_from_env",
                           json_object_new_boolean(oc->from_env));
    json_object_object_add(o, "config_exists",
                           json_object_new_boolean(oc->exists));
    json_object_object_add(o, "config_error", oc->error[0]
                               ? json_object_new_string(oc->error) : NULL);
    json_object_object_add(p, "listed", json_object_new_boolean(oc->listed));
    json_object_object_add(p, "name", oc->listed
                               ? json_object_new_string(oc->name) : NULL);
    json_object_object_add(p, "section", oc->listed
                               ? json_object_new_string(oc->section) : NULL);
    json_object_object_add(p, "module", oc->module[0]
                               ? json_object_new_string(oc->module) : NULL);
    json_object_object_add(p, "active", json_object_new_boolean(pr->found));
    json_object_object_add(p, "hook_installed",
                           json_object_new_boolean(pr->hook));
    json_object_object_add(p, "core_error", pr->core_error[0]
                               ? json_object_new_string(pr->core_error)
                               : NULL);
    json_object_object_add(p, "version", pr->found
                               ? json_object_new_string(pr->version) : NULL);
    json_object_object_add(p, "load_errors", load_err[0]
                               ? json_object_new_string(load_err) : NULL);
    json_object_object_add(o, "provider", p);
    json_object_object_add(o, "pins_file", json_object_new_string(oc->pins));
    json_object_object_add(o, "on_error",
                           json_object_new_string(oc->on_error));
    json_object_object_add(o, "pins_valid", json_object_new_boolean(ps !=
                                                                    NULL));
    json_object_object_add(o, "pins_error", ps == NULL
                               ? json_object_new_string(pins_err) : NULL);
    if (ps != NULL) {
        stats_of(ps, (int64_t)time(NULL), &st);
        json_object_object_add(o, "hosts", json_object_new_int64(
                                               (int64_t)ps->nrules));
        json_object_object_add(o, "enforce", json_object_new_int64(
                                                 (int64_t)st.enforce));
        json_object_object_add(o, "report", json_object_new_int64(
                                                (int64_t)st.report));
        json_object_object_add(o, "expired", json_object_new_int64(
                                                 (int64_t)st.expired));
        if (st.earliest != NULL)
            hp_cli_date(st.earliest->expires - 1, date, sizeof(date));
        json_object_object_add(o, "earliest_expiry", st.earliest
                                   ? json_object_new_string(date) : NULL);
        json_object_object_add(o, "index", json_object_new_string(
                                               index_state(oc->pins, why,
                                                           sizeof(why))));
    }
    json_object_object_add(n, "section", oc->node_init[0]
                               ? json_object_new_string(oc->node_init)
                               : NULL);
    json_object_object_add(n, "loads_hostpin",
                           json_object_new_boolean(oc->node_listed));
    json_object_object_add(o, "nodejs_conf", n);
    pr_o = json_object_new_object();
    json_object_object_add(pr_o, "protected", json_object_new_int64(
                                                  (int64_t)g->procs[0]));
    json_object_object_add(pr_o, "needs_restart", json_object_new_int64(
                                                      (int64_t)g->procs[1]));
    json_object_object_add(pr_o, "not_covered", json_object_new_int64(
                                                    (int64_t)g->procs[2]));
    json_object_object_add(pr_o, "unreadable", json_object_new_int64(
                                                   (int64_t)g->unreadable));
    json_object_object_add(o, "processes", pr_o);
    un = json_object_new_array();
    for (i = 0; i < g->nprog; i++) {
        json_object *e = json_object_new_object();

        json_object_object_add(e, "program",
                               json_object_new_string(g->prog[i].path));
        json_object_object_add(e, "reason",
                               json_object_new_string(g->prog[i].reason));
        json_object_array_add(un, e);
    }
    json_object_object_add(o, "not_covered_programs", un);
    json_object_object_add(o, "active", json_object_new_boolean(active));
    json_object_object_add(o, "summary", json_object_new_string(result));
    hp_cli_json_print(o);
}

int hp_cli_status(int argc, char **argv)
{
    enum { OPT_JSON = 256 };
    static const struct option opts[] = {
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    struct hp_osslconf_st oc;
    struct probe pr;
    struct hp_pinset_st *ps = NULL;
    struct hp_error_st err;
    struct gaps_st gaps;
    char load_err[1024] = "", pins_err[1100] = "", summary[512];
    const char *result;
    int c, json = 0, active;

    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == OPT_JSON) {
            json = 1;
        } else if (c == 'h') {
            fputs(usage_text, stdout);
            return 0;
        } else {
            return hp_cli_bad_option("status", argv, c);
        }
    }
    if (optind < argc)
        return hp_cli_usage("status", "takes no arguments ('%s')",
                            argv[optind]);
    hp_cli_osslconf_read(&oc);
    /* As OPENSSL_init_crypto would (crypto/conf/conf_sap.c), but keeping
     * the errors that it discards, to say why hostpin is not active. */
    ERR_clear_error();
    if (oc.exists &&
        CONF_modules_load_file_ex(NULL, oc.file, NULL,
                                  CONF_MFLAGS_DEFAULT_SECTION |
                                      CONF_MFLAGS_IGNORE_MISSING_FILE) <= 0)
        hp_cli_ssl_errors(load_err, sizeof(load_err));
    ERR_clear_error();
    memset(&pr, 0, sizeof(pr));
    pr.name = oc.listed ? oc.name : "hostpin";
    OSSL_PROVIDER_do_all(NULL, probe_one, &pr);
    if (oc.listed && !pr.found && load_err[0] == '\0')
        diagnose(&oc, load_err, sizeof(load_err));
    if (!hp_conf_load_file(oc.pins, &ps, &err))
        hp_error_format(&err, pins_err, sizeof(pins_err));
    active = oc.exists && pr.found && pr.hook && ps != NULL;
    find_gaps(&gaps);
    result = with_gaps(verdict(&oc, &pr, ps != NULL), &gaps, summary,
                       sizeof(summary));
    if (json)
        print_json(&oc, &pr, load_err, ps, pins_err, &gaps, active, result);
    else
        print_text(&oc, &pr, load_err, ps, pins_err, &gaps, result);
    hp_pinset_free(ps);
    return active ? 0 : 1;
}
