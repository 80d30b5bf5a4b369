/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin import --from FORMAT FILE: the pins of another product's pinning
 * configuration (OutSystems, Android, TrustKit, react-native) as a pins
 * file.  Every host entry is checked by the pins-file loader itself, so
 * what is printed is what the module will accept, and a refusal names the
 * place in the input. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "import.h"

#define HP_IMPORT_MAX_INPUT (16L * 1024 * 1024)

struct format {
    const char *name;
    int (*read)(struct hp_imp_st *imp, const char *data, size_t len);
    const char *what;
};

static const struct format formats[] = {
    { "outsystems", hp_import_outsystems,
      "OutSystems SSL Pinning plugin pinning.json" },
    { "android-nsc", hp_import_android_nsc,
      "Android network security config XML" },
    { "trustkit", hp_import_trustkit,
      "TrustKit TSKConfiguration in an Info.plist (XML)" },
    { "react-native", hp_import_react_native,
      "react-native-ssl-public-key-pinning initializeSslPinning options "
      "(JSON)" },
    { NULL, NULL, NULL }
};

static const char usage_text[] =
    "Usage: hostpin import --from FORMAT [--raw-dir DIR] FILE\n"
    "Print a pins file with the pins of another pinning product's\n"
    "configuration FILE ('-' reads standard input).  FORMAT is one of:\n"
    "  outsystems    pinning.json of the OutSystems SSL Pinning plugin:\n"
    "                {\"hosts\": [{\"host\": ..., \"hashes\": [\"sha256/...\"]}]}\n"
    "  android-nsc   Android network security config: domain-config,\n"
    "                domain includeSubdomains, pin-set expiration,\n"
    "                pin digest=\"SHA-256\"\n"
    "  trustkit      an Info.plist (XML) with a TSKConfiguration dictionary:\n"
    "                TSKPinnedDomains, TSKPublicKeyHashes,\n"
    "                TSKIncludeSubdomains, TSKEnforcePinning (false: mode\n"
    "                \"report\"), TSKExpirationDate\n"
    "  react-native  the options object of react-native-ssl-public-key-\n"
    "                pinning's initializeSslPinning, as JSON: per domain\n"
    "                includeSubdomains, publicKeyHashes, expirationDate\n\n"
    "Options:\n"
    "  --from FORMAT      the input's format (required)\n"
    "  --raw-dir DIR      android-nsc: the app's res/raw folder, where the\n"
    "                     certificates of trust-anchors (@raw/NAME) are\n"
    "  -h, --help         show this help\n\n"
    "A domain-config's trust-anchors become anchors of its domains (the\n"
    "@raw certificates, trusted for those domains only), with\n"
    "system_roots = false unless they include src=\"system\".  Settings\n"
    "with no equivalent in a pins file (report URIs, the base-config's\n"
    "trust anchors, user CAs) are listed as comments at the top of the\n"
    "output.  What would change the meaning of the pins (another digest\n"
    "than SHA-256, a trust anchor that overrides pins) is refused.\n\n"
    "Exit status: 0 printed, 1 the input is unreadable, malformed or cannot\n"
    "be expressed (nothing is printed), 64 usage error.\n";

static char *read_input(const char *file, size_t *len, const char **why)
{
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    size_t cap = 65536, n = 0;
    char *buf;

    *why = NULL;
    if (f == NULL) {
        *why = strerror(errno);
        return NULL;
    }
    if ((buf = malloc(cap)) == NULL) {
        *why = "out of memory";
        goto out;
    }
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);

        n += got;
        if (got == 0)
            break;
        if (n + 1 == cap) {
            char *nb;

            if (cap >= (size_t)HP_IMPORT_MAX_INPUT) {
                *why = "is larger than 16 MiB";
                break;
            }
            if ((nb = realloc(buf, cap * 2)) == NULL) {
                *why = "out of memory";
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (*why == NULL && ferror(f))
        *why = strerror(errno ? errno : EIO);
out:
    if (f != stdin)
        fclose(f);
    if (*why != NULL) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int hp_imp_fail(const struct hp_imp_st *imp, const char *where,
                const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "hostpin import: %s: ", imp->file);
    if (where != NULL && *where != '\0')
        fprintf(stderr, "%s: ", where);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 0;
}

static int oom(void)
{
    hp_cli_error("import", "out of memory");
    return 0;
}

struct hp_imp_host_st *hp_imp_add_host(struct hp_imp_st *imp,
                                       const char *host, const char *where)
{
    struct hp_imp_host_st *h, *nv;

    nv = realloc(imp->hosts, (imp->nhosts + 1) * sizeof(*nv));
    if (nv == NULL) {
        oom();
        return NULL;
    }
    imp->hosts = nv;
    h = &imp->hosts[imp->nhosts];
    memset(h, 0, sizeof(*h));
    snprintf(h->where, sizeof(h->where), "%s", where);
    if ((h->host = strdup(host)) == NULL) {
        oom();
        return NULL;
    }
    imp->nhosts++;
    return h;
}

int hp_imp_add_pin(struct hp_imp_host_st *h, const char *pin)
{
    char **nv = realloc(h->pins, (h->npins + 1) * sizeof(*nv));

    if (nv == NULL)
        return oom();
    h->pins = nv;
    if ((nv[h->npins] = strdup(pin)) == NULL)
        return oom();
    h->npins++;
    return 1;
}

int hp_imp_add_anchor(struct hp_imp_host_st *h, const char *file)
{
    char **nv = realloc(h->anchors, (h->nanchors + 1) * sizeof(*nv));

    if (nv == NULL)
        return oom();
    h->anchors = nv;
    if ((nv[h->nanchors] = strdup(file)) == NULL)
        return oom();
    h->nanchors++;
    return 1;
}

int hp_imp_set_expires(struct hp_imp_host_st *h, const char *text)
{
    free(h->expires);
    if ((h->expires = strdup(text)) == NULL)
        return oom();
    return 1;
}

int hp_imp_note(struct hp_imp_st *imp, const char *fmt, ...)
{
    char buf[512], **nv;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    nv = realloc(imp->notes, (imp->nnotes + 1) * sizeof(*nv));
    if (nv == NULL)
        return oom();
    imp->notes = nv;
    if ((nv[imp->nnotes] = strdup(buf)) == NULL)
        return oom();
    imp->nnotes++;
    return 1;
}

static void imp_free(struct hp_imp_st *imp)
{
    size_t i, j;

    for (i = 0; i < imp->nhosts; i++) {
        for (j = 0; j < imp->hosts[i].npins; j++)
            free(imp->hosts[i].pins[j]);
        free(imp->hosts[i].pins);
        for (j = 0; j < imp->hosts[i].nanchors; j++)
            free(imp->hosts[i].anchors[j]);
        free(imp->hosts[i].anchors);
        free(imp->hosts[i].host);
        free(imp->hosts[i].expires);
    }
    free(imp->hosts);
    for (i = 0; i < imp->nnotes; i++)
        free(imp->notes[i]);
    free(imp->notes);
}

/* A libconfig string literal.  The loader refuses quotes, backslashes and
 * control characters in a host anyway; escaping keeps the text parseable
 * so that its message, not a syntax error, is what the user sees. */
static void put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* One host entry in pins-file syntax, pins in canonical form when they
 * parse (the loader judges those that do not). */
static void put_host(FILE *f, const struct hp_imp_host_st *h)
{
    size_t i;

    fprintf(f, "  {\n    host = ");
    put_string(f, h->host);
    fprintf(f, ";\n");
    if (h->include_subdomains)
        fprintf(f, "    include_subdomains = true;\n");
    if (h->npins > 0) {
        fprintf(f, "    pins = [");
        for (i = 0; i < h->npins; i++) {
            hp_digest d;
            char pin[HP_PIN_STRLEN];

            fprintf(f, "%s", i == 0 ? " " : ",\n             ");
            if (hp_pin_parse(h->pins[i], d, NULL)) {
                hp_pin_format(d, pin);
                put_string(f, pin);
            } else {
                put_string(f, h->pins[i]);
            }
        }
        fprintf(f, " ];\n");
    }
    if (h->nanchors > 0) {
        fprintf(f, "    anchors = [");
        for (i = 0; i < h->nanchors; i++) {
            fprintf(f, "%s", i == 0 ? " " : ",\n                ");
            put_string(f, h->anchors[i]);
        }
        fprintf(f, " ];\n");
    }
    if (h->no_system_roots)
        fprintf(f, "    system_roots = false;\n");
    if (h->expires != NULL) {
        fprintf(f, "    expires = ");
        put_string(f, h->expires);
        fprintf(f, ";\n");
    }
    if (h->report)
        fprintf(f, "    mode = \"report\";\n");
    fprintf(f, "  }");
}

/* Let the loader judge one entry on its own, so that its exact message
 * (bad host, bad pin, bad date) can be tied to the place in the input. */
static int check_host(const struct hp_imp_st *imp,
                      const struct hp_imp_host_st *h)
{
    struct hp_pinset_st *ps = NULL;
    struct hp_error_st err;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int ok;

    if (f == NULL)
        return oom();
    fprintf(f, "version = 1;\nhosts = (\n");
    put_host(f, h);
    fprintf(f, "\n);\n");
    if (fclose(f) != 0 || text == NULL)
        return oom();
    if (h->npins == 0 && h->nanchors == 0) {
        free(text);
        return hp_imp_fail(imp, h->where, "host \"%s\" has no pins",
                           h->host);
    }
    ok = hp_conf_load_string(text, "import", NULL, &ps, &err);
    free(text);
    hp_pinset_free(ps);
    if (!ok)
        return hp_imp_fail(imp, h->where, "%s", err.msg);
    return 1;
}

static int check_all(const struct hp_imp_st *imp)
{
    char norm[HP_NAME_MAX], (*seen)[HP_NAME_MAX];
    size_t i, j;
    int is_ip, ok = 1;

    if (imp->nhosts == 0)
        return hp_imp_fail(imp, NULL, "no pinned host found: nothing to "
                                      "import");
    if ((seen = calloc(imp->nhosts, sizeof(*seen))) == NULL)
        return oom();
    for (i = 0; i < imp->nhosts && ok; i++) {
        const struct hp_imp_host_st *h = &imp->hosts[i];

        if (!check_host(imp, h)) {
            ok = 0;
            break;
        }
        if (hp_name_normalize(h->host, strlen(h->host), norm, &is_ip) < 0)
            continue; /* the loader accepted it: cannot happen */
        memcpy(seen[i], norm, sizeof(norm));
        for (j = 0; j < i; j++)
            if (strcmp(seen[j], norm) == 0)
                ok = hp_imp_fail(imp, h->where, "host \"%s\" is pinned "
                                 "twice (also at %s): merge the two",
                                 norm, imp->hosts[j].where);
    }
    free(seen);
    return ok;
}

static void print_file(const struct hp_imp_st *imp, const char *format)
{
    size_t i;

    printf("# Pins imported by: hostpin import --from %s %s\n", format,
           imp->file);
    for (i = 0; i < imp->nnotes; i++)
        printf("# Not imported: %s\n", imp->notes[i]);
    printf("version = 1;\nhosts = (\n");
    for (i = 0; i < imp->nhosts; i++) {
        put_host(stdout, &imp->hosts[i]);
        printf("%s\n", i + 1 < imp->nhosts ? "," : "");
    }
    printf(");\n");
}

int hp_cli_import(int argc, char **argv)
{
    enum { OPT_FROM = 256, OPT_RAW };
    static const struct option opts[] = {
        { "from", required_argument, NULL, OPT_FROM },
        { "raw-dir", required_argument, NULL, OPT_RAW },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const struct format *fmt = NULL;
    const char *raw_dir = NULL;
    struct hp_imp_st imp;
    const char *why = NULL;
    size_t len = 0;
    char *data;
    int c, ok;

    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_FROM:
            for (fmt = formats; fmt->name != NULL; fmt++)
                if (strcmp(fmt->name, optarg) == 0)
                    break;
            if (fmt->name == NULL)
                return hp_cli_usage("import", "unknown format '%s' "
                                    "(expected outsystems, android-nsc, "
                                    "trustkit or react-native)", optarg);
            break;
        case OPT_RAW:
            raw_dir = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            return hp_cli_bad_option("import", argv, c);
        }
    }
    if (fmt == NULL)
        return hp_cli_usage("import", "say which format FILE is in: "
                                      "--from outsystems, android-nsc, "
                                      "trustkit or react-native");
    if (argc - optind != 1)
        return hp_cli_usage("import", "give one input FILE ('-' for "
                                      "standard input)");
    memset(&imp, 0, sizeof(imp));
    imp.raw_dir = raw_dir;
    imp.file = strcmp(argv[optind], "-") == 0 ? "(standard input)"
                                              : argv[optind];
    if ((data = read_input(argv[optind], &len, &why)) == NULL) {
        hp_cli_error("import", "%s: cannot read: %s", imp.file, why);
        return 1;
    }
    ok = fmt->read(&imp, data, len) && check_all(&imp);
    free(data);
    if (ok)
        print_file(&imp, fmt->name);
    imp_free(&imp);
    return ok ? 0 : 1;
}
