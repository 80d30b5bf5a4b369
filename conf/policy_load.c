/* SPDX-License-Identifier: Apache-2.0 */
/* Settings beyond pins: chain policy, deny pins, interception anchors,
 * reports and drop-in files. */
#include <dirent.h>
#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "certs_int.h"
#include "load_int.h"

#define HP_MAX_DROPIN_SIZE (16L * 1024 * 1024)

static const struct {
    const char *name;
    int bits;
} hashes[] = {
    { "sha1", 160 }, { "sha224", 224 }, { "sha256", 256 },
    { "sha384", 384 }, { "sha512", 512 },
};

static int int_in(struct loader *ld, const config_setting_t *s, int lo,
                  int hi, int *out)
{
    long long v;

    if (config_setting_type(s) != CONFIG_TYPE_INT &&
        config_setting_type(s) != CONFIG_TYPE_INT64) {
        SET_ERR(ld, s, "'%s' must be a whole number from %d to %d",
                config_setting_name(s), lo, hi);
        return 0;
    }
    v = config_setting_get_int64(s);
    if (v < lo || v > hi) {
        SET_ERR(ld, s, "'%s' = %lld is out of range (expected %d to %d)",
                config_setting_name(s), v, lo, hi);
        return 0;
    }
    *out = (int)v;
    return 1;
}

int hp_load_policy(struct loader *ld, const config_setting_t *s,
                   struct hp_policy_st *out)
{
    const config_setting_t *e;
    unsigned i;

    out->min_rsa_bits = out->min_ec_bits = out->min_sig_bits = -1;
    out->require_ca = -1;
    if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
        SET_ERR(ld, s, "'policy' must be a group: policy = { min_rsa_bits = "
                       "2048; min_signature_hash = \"sha256\"; };");
        return 0;
    }
    for (i = 0; (e = config_setting_get_elem(s, i)) != NULL; i++) {
        const char *k = config_setting_name(e);

        if (strcmp(k, "min_rsa_bits") == 0) {
            if (!int_in(ld, e, 0, 16384, &out->min_rsa_bits))
                return 0;
        } else if (strcmp(k, "min_ec_bits") == 0) {
            if (!int_in(ld, e, 0, 571, &out->min_ec_bits))
                return 0;
        } else if (strcmp(k, "min_signature_hash") == 0) {
            const char *v = config_setting_type(e) == CONFIG_TYPE_STRING
                                ? config_setting_get_string(e)
                                : "";
            size_t h;

            for (h = 0; h < sizeof(hashes) / sizeof(hashes[0]); h++)
                if (strcmp(v, hashes[h].name) == 0)
                    out->min_sig_bits = hashes[h].bits;
            if (out->min_sig_bits < 0) {
                SET_ERR(ld, e, "'min_signature_hash' must be \"sha1\", "
                               "\"sha224\", \"sha256\", \"sha384\" or "
                               "\"sha512\"");
                return 0;
            }
        } else if (strcmp(k, "require_ca_constraints") == 0) {
            if (config_setting_type(e) != CONFIG_TYPE_BOOL) {
                SET_ERR(ld, e, "'require_ca_constraints' must be true or "
                               "false");
                return 0;
            }
            out->require_ca = config_setting_get_bool(e);
        } else {
            SET_ERR(ld, e, "unknown setting '%s' in policy (expected "
                           "min_rsa_bits, min_ec_bits, min_signature_hash "
                           "or require_ca_constraints)", k);
            return 0;
        }
    }
    out->line = hp_load_line_of(ld, s);
    if ((out->file = hp_load_intern(ld, hp_load_file_of(ld, s))) == NULL) {
        hp_load_err(ld->err, ld->name, 0, "out of memory");
        return 0;
    }
    if (out->min_rsa_bits > 0 || out->min_ec_bits > 0 ||
        out->min_sig_bits > 0 || out->require_ca > 0)
        ld->ps->has_policy = 1;
    return 1;
}

static int cmp_digest(const void *a, const void *b)
{
    return memcmp(a, b, HP_DIGEST_LEN);
}

int hp_load_pin_list(struct loader *ld, const config_setting_t *s,
                     const char *what, hp_digest **out, size_t *n)
{
    size_t len, i, k;
    hp_digest *v;

    if (!hp_load_is_list(s)) {
        SET_ERR(ld, s, "'%s' must be a list of pins: %s = [ \"sha256/...\" "
                       "];", what, what);
        return 0;
    }
    len = (size_t)config_setting_length(s);
    if ((v = calloc(len ? len : 1, sizeof(*v))) == NULL) {
        hp_load_err(ld->err, ld->name, 0, "out of memory");
        return 0;
    }
    for (i = 0; i < len; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        const char *why = NULL;

        if (config_setting_type(e) != CONFIG_TYPE_STRING ||
            !hp_pin_parse(config_setting_get_string(e), v[i], &why)) {
            SET_ERR(ld, e, "entry %zu of '%s' %s", i + 1, what,
                    why ? why : "is not a string (expected \"sha256/...\")");
            free(v);
            return 0;
        }
    }
    qsort(v, len, HP_DIGEST_LEN, cmp_digest);
    for (i = 1, k = len ? 1 : 0; i < len; i++)
        if (memcmp(v[i], v[k - 1], HP_DIGEST_LEN) != 0)
            memmove(v[k++], v[i], HP_DIGEST_LEN);
    free(*out);
    *out = v;
    *n = k;
    return 1;
}

static int load_report(struct loader *ld, const config_setting_t *s)
{
    const config_setting_t *e;
    unsigned i;

    if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
        SET_ERR(ld, s, "'report' must be a group: report = { syslog = "
                       "true; file = \"/var/log/hostpin/reports.jsonl\"; };");
        return 0;
    }
    ld->ps->report_syslog = 1;
    for (i = 0; (e = config_setting_get_elem(s, i)) != NULL; i++) {
        const char *k = config_setting_name(e);

        if (strcmp(k, "syslog") == 0 &&
            config_setting_type(e) == CONFIG_TYPE_BOOL) {
            ld->ps->report_syslog = config_setting_get_bool(e);
        } else if (strcmp(k, "file") == 0 &&
                   config_setting_type(e) == CONFIG_TYPE_STRING &&
                   config_setting_get_string(e)[0] == '/') {
            free(ld->ps->report_file);
            ld->ps->report_file = strdup(config_setting_get_string(e));
            if (ld->ps->report_file == NULL) {
                hp_load_err(ld->err, ld->name, 0, "out of memory");
                return 0;
            }
        } else {
            SET_ERR(ld, e, "in 'report', expected syslog = true|false; and "
                           "file = \"/absolute/path\";");
            return 0;
        }
    }
    return 1;
}

int hp_load_top_extras(struct loader *ld, const config_setting_t *root)
{
    struct hp_pinset_st *ps = ld->ps;
    const config_setting_t *s;

    ps->policy.min_rsa_bits = ps->policy.min_ec_bits = -1;
    ps->policy.min_sig_bits = ps->policy.require_ca = -1;
    if ((s = config_setting_get_member(root, "policy")) != NULL &&
        !hp_load_policy(ld, s, &ps->policy))
        return 0;
    if ((s = config_setting_get_member(root, "policy_scope")) != NULL) {
        const char *v = config_setting_type(s) == CONFIG_TYPE_STRING
                            ? config_setting_get_string(s)
                            : "";

        if (strcmp(v, "all") == 0) {
            ps->policy_all = 1;
        } else if (strcmp(v, "pinned") != 0) {
            SET_ERR(ld, s, "'policy_scope' must be \"pinned\" or \"all\"");
            return 0;
        }
    }
    if ((s = config_setting_get_member(root, "deny")) != NULL) {
        if (!hp_load_pin_list(ld, s, "deny", &ps->deny, &ps->ndeny))
            return 0;
        ps->deny_line = hp_load_line_of(ld, s);
        ps->deny_file = hp_load_intern(ld, hp_load_file_of(ld, s));
        if (ps->deny_file == NULL) {
            hp_load_err(ld->err, ld->name, 0, "out of memory");
            return 0;
        }
    }
    if ((s = config_setting_get_member(root, "allow_interception")) != NULL &&
        !hp_load_pin_list(ld, s, "allow_interception", &ps->allow,
                          &ps->nallow))
        return 0;
    if ((s = config_setting_get_member(root, "report")) != NULL &&
        !load_report(ld, s))
        return 0;
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.conf names of a folder, sorted; NULL with errno on failure. */
static char **conf_names(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **v = NULL, **nv;
    size_t cap = 0;

    *n = 0;
    if (d == NULL)
        return NULL;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);

        if (de->d_name[0] == '.' || len < 6 ||
            strcmp(de->d_name + len - 5, ".conf") != 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            if ((nv = realloc(v, (cap + 1) * sizeof(*v))) == NULL)
                goto oom;
            v = nv;
        }
        if ((v[*n] = strdup(de->d_name)) == NULL)
            goto oom;
        (*n)++;
    }
    closedir(d);
    if (v == NULL && (v = calloc(1, sizeof(*v))) == NULL)
        return NULL;
    qsort(v, *n, sizeof(*v), cmp_str);
    return v;
oom:
    closedir(d);
    while (*n > 0)
        free(v[--*n]);
    free(v);
    errno = ENOMEM;
    return NULL;
}

int hp_load_include_dir(struct loader *ld, const config_setting_t *s,
                        int (*load)(struct loader *, config_t *))
{
    struct loader saved = *ld;
    char dir[PATH_MAX], path[PATH_MAX];
    const char *v;
    char **names;
    size_t n, i;
    int ok = 1;

    if (config_setting_type(s) != CONFIG_TYPE_STRING ||
        *(v = config_setting_get_string(s)) == '\0') {
        SET_ERR(ld, s, "'include_dir' must be a folder name in double "
                       "quotes");
        return 0;
    }
    if (!hp_path_join(dir, sizeof(dir), ld->basedir, v)) {
        SET_ERR(ld, s, "include_dir \"%.64s...\": path too long (at most "
                       "%zu bytes)", v, sizeof(dir) - 1);
        return 0;
    }
    free(ld->ps->include_dir);
    if ((ld->ps->include_dir = strdup(dir)) == NULL)
        return 0;
    if ((names = conf_names(dir, &n)) == NULL) {
        SET_ERR(ld, s, "include_dir \"%s\": %s", dir, strerror(errno));
        return 0;
    }
    {
        struct stat st;

        hp_sources_add(NULL, dir, stat(dir, &st) == 0 ? &st : NULL);
    }
    /* Each file of the folder adds hosts: nobody else may add one. */
    if (!hp_trust_folder(dir, path, sizeof(path))) {
        SET_ERR(ld, s, "include_dir: %s", path);
        ok = 0;
    }
    for (i = 0; i < n && ok; i++) {
        const char *why = NULL;
        size_t len = 0;
        char *text;
        config_t cfg;

        if (!hp_path_join(path, sizeof(path), dir, names[i])) {
            hp_load_err(ld->err, dir, 0, "drop-in file \"%.64s...\": path "
                        "too long (at most %zu bytes)", names[i],
                        sizeof(path) - 1);
            ok = 0;
            break;
        }
        text = hp_conf_read_small(path, HP_MAX_DROPIN_SIZE, 1, &len, &why);
        if (text == NULL || strlen(text) != len) {
            hp_load_err(ld->err, path, 0, "%s%s",
                        hp_conf_untrusted(why) ? ""
                                               : "cannot read drop-in file: ",
                        why ? why : "contains a NUL byte");
            free(text);
            ok = 0;
            break;
        }
        ld->name = hp_load_intern(ld, path);
        ld->text = text;
        ld->basedir = dir;
        config_init(&cfg);
        config_set_include_dir(&cfg, dir);
        if (ld->name == NULL) {
            hp_load_err(ld->err, path, 0, "out of memory");
            ok = 0;
        } else if (!hp_load_check_includes(ld, text, dir, 0)) {
            ok = 0;
        } else if (config_read_string(&cfg, text) != CONFIG_TRUE) {
            hp_load_err(ld->err, path, config_error_line(&cfg),
                        "syntax error: %s (expected name = value; settings)",
                        config_error_text(&cfg));
            ok = 0;
        } else {
            ok = load(ld, &cfg);
        }
        config_destroy(&cfg);
        free(text);
        ld->name = saved.name;
        ld->text = saved.text;
        ld->basedir = saved.basedir;
    }
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return ok;
}
