/* SPDX-License-Identifier: Apache-2.0 */
/* libconfig and json-c, loaded when first needed (issue: whole-process
 * cost).  Every program that verifies a certificate opens the core; most
 * read the pin set from the compiled index and write no report, so neither
 * library is linked to the core: each function the core calls is defined
 * here (hidden, see hostpin-core.map) and forwards to the real one, which
 * is looked up once, in that library alone, by its soname.  The command
 * and the tests link both libraries as usual.
 *
 * A library that cannot be opened makes its first call fail as the library
 * itself fails: config_read_string says why, as a libconfig error, and the
 * JSON functions return NULL (hp_lazy_jsonc says so first). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <libconfig.h>

#include "hostpin.h"

#define CONFIG_FUNCS(X)                                                     \
    X(void, config_init, (config_t * c), (c))                              \
    X(void, config_destroy, (config_t * c), (c))                           \
    X(int, config_read_string, (config_t * c, const char *s), (c, s))      \
    X(void, config_set_include_dir, (config_t * c, const char *d), (c, d)) \
    X(int, config_setting_get_bool, (const config_setting_t *s), (s))      \
    X(config_setting_t *, config_setting_get_elem,                         \
      (const config_setting_t *s, unsigned int i), (s, i))                 \
    X(long long, config_setting_get_int64, (const config_setting_t *s),    \
      (s))                                                                 \
    X(config_setting_t *, config_setting_get_member,                       \
      (const config_setting_t *s, const char *n), (s, n))                  \
    X(const char *, config_setting_get_string, (const config_setting_t *s), \
      (s))                                                                 \
    X(int, config_setting_length, (const config_setting_t *s), (s))

#define JSONC_FUNCS(X)                                                      \
    X(json_object *, json_object_new_object, (void), ())                   \
    X(json_object *, json_object_new_array, (void), ())                    \
    X(json_object *, json_object_new_boolean, (json_bool b), (b))          \
    X(json_object *, json_object_new_int, (int32_t i), (i))                \
    X(json_object *, json_object_new_string, (const char *s), (s))         \
    X(json_object *, json_object_new_string_len, (const char *s, int n),   \
      (s, n))                                                              \
    X(int, json_object_object_add,                                         \
      (json_object * o, const char *k, json_object *v), (o, k, v))         \
    X(int, json_object_array_add, (json_object * a, json_object *v),       \
      (a, v))                                                              \
    X(const char *, json_object_to_json_string_ext,                        \
      (json_object * o, int flags), (o, flags))                            \
    X(int, json_object_put, (json_object * o), (o))

#define POINTER(ret, name, params, args) ret(*name) params;

static struct {
    CONFIG_FUNCS(POINTER)
} cfg;
static struct {
    JSONC_FUNCS(POINTER)
} jsn;
static pthread_once_t cfg_once = PTHREAD_ONCE_INIT,
                      jsn_once = PTHREAD_ONCE_INIT;
static int cfg_ok, jsn_ok;
static char cfg_why[256], jsn_why[256];

/* Every function of `names` from `soname`, into `table` (NULL pointers
 * each); 1, or 0 with `why` said. */
static int open_lib(const char *soname, const char *const *names,
                    void **table, size_t n, char *why, size_t len)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    size_t i;

    if (h == NULL) {
        const char *e = dlerror();

        snprintf(why, len, "cannot load %s: %s", soname,
                 e != NULL ? e : "unknown error");
        return 0;
    }
    for (i = 0; i < n; i++)
        if ((table[i] = dlsym(h, names[i])) == NULL) {
            snprintf(why, len, "%s has no %s", soname, names[i]);
            return 0;
        }
    return 1;
}

#define NAME(ret, name, params, args) #name,

static void cfg_load(void)
{
    static const char *const names[] = { CONFIG_FUNCS(NAME) };

    cfg_ok = open_lib(HP_LIBCONFIG_SONAME, names, (void **)&cfg,
                      sizeof(names) / sizeof(names[0]), cfg_why,
                      sizeof(cfg_why));
}

static void jsn_load(void)
{
    static const char *const names[] = { JSONC_FUNCS(NAME) };

    jsn_ok = open_lib(HP_JSONC_SONAME, names, (void **)&jsn,
                      sizeof(names) / sizeof(names[0]), jsn_why,
                      sizeof(jsn_why));
}

/* The table is filled in declaration order: both structs hold nothing but
 * function pointers, all of one size. */
_Static_assert(sizeof(cfg) == 10 * sizeof(void (*)(void)),
               "CONFIG_FUNCS and its table");
_Static_assert(sizeof(jsn) == 10 * sizeof(void (*)(void)),
               "JSONC_FUNCS and its table");

int hp_lazy_jsonc(const char **why)
{
    pthread_once(&jsn_once, jsn_load);
    if (!jsn_ok && why != NULL)
        *why = jsn_why;
    return jsn_ok;
}

/* libconfig: config_init and config_destroy are harmless without the
 * library, and config_read_string fails as a parse error would, with the
 * reason as its text; nothing else is called on a config that was not
 * read. */
void config_init(config_t *c)
{
    pthread_once(&cfg_once, cfg_load);
    if (cfg_ok)
        cfg.config_init(c);
    else
        memset(c, 0, sizeof(*c));
}

void config_destroy(config_t *c)
{
    if (cfg_ok)
        cfg.config_destroy(c);
}

int config_read_string(config_t *c, const char *s)
{
    pthread_once(&cfg_once, cfg_load);
    if (cfg_ok)
        return cfg.config_read_string(c, s);
    c->error_text = cfg_why;
    c->error_file = NULL;
    c->error_line = 0;
    c->error_type = CONFIG_ERR_FILE_IO;
    return CONFIG_FALSE;
}

#define FORWARD(ret, name, params, args) \
    ret name params { return cfg.name args; }
#define FORWARD_VOID(ret, name, params, args) \
    ret name params { cfg.name args; }

FORWARD_VOID(void, config_set_include_dir, (config_t * c, const char *d),
             (c, d))
FORWARD(int, config_setting_get_bool, (const config_setting_t *s), (s))
FORWARD(config_setting_t *, config_setting_get_elem,
        (const config_setting_t *s, unsigned int i), (s, i))
FORWARD(long long, config_setting_get_int64, (const config_setting_t *s),
        (s))
FORWARD(config_setting_t *, config_setting_get_member,
        (const config_setting_t *s, const char *n), (s, n))
FORWARD(const char *, config_setting_get_string,
        (const config_setting_t *s), (s))
FORWARD(int, config_setting_length, (const config_setting_t *s), (s))

/* json-c: only reached after hp_lazy_jsonc said yes (report.c). */
#define JFORWARD(ret, name, params, args) \
    ret name params { return jsn.name args; }
JSONC_FUNCS(JFORWARD)
