/* SPDX-License-Identifier: Apache-2.0 */
/* Which openssl.cnf this environment loads, and what it says about the
 * hostpin provider (read with NCONF, the parser OpenSSL itself uses). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/conf.h>
#include <openssl/err.h>

#include "cli.h"

static void copy(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src != NULL ? src : "");
}

/* NCONF_get_string pushes an error for a missing key: not an error here. */
static const char *get(const CONF *conf, const char *sect, const char *key)
{
    const char *v;

    ERR_set_mark();
    v = NCONF_get_string(conf, sect, key);
    ERR_pop_to_mark();
    return v;
}

static int is_hostpin(const char *name, const char *module)
{
    const char *base = module != NULL ? strrchr(module, '/') : NULL;

    base = base != NULL ? base + 1 : module;
    return strcmp(name, "hostpin") == 0 ||
           (base != NULL && strncmp(base, "hostpin", 7) == 0);
}

/* The provider entry that loads hostpin, following APP (openssl_conf,
 * nodejs_conf) -> providers (crypto/provider_conf.c); with c, what it
 * says is copied there.  1 if there is one. */
static int find_provider(const CONF *conf, const char *app,
                         struct hp_osslconf_st *c)
{
    const char *init = get(conf, NULL, app), *provs;
    STACK_OF(CONF_VALUE) *sk;
    int i;

    if (init == NULL || (provs = get(conf, init, "providers")) == NULL)
        return 0;
    ERR_set_mark();
    sk = NCONF_get_section(conf, provs);
    ERR_pop_to_mark();
    for (i = 0; sk != NULL && i < sk_CONF_VALUE_num(sk); i++) {
        CONF_VALUE *v = sk_CONF_VALUE_value(sk, i);
        const char *module = get(conf, v->value, "module");
        const char *identity = get(conf, v->value, "identity");

        if (!is_hostpin(v->name, module))
            continue;
        if (c == NULL)
            return 1;
        c->listed = 1;
        copy(c->name, sizeof(c->name), identity ? identity : v->name);
        copy(c->section, sizeof(c->section), v->value);
        copy(c->module, sizeof(c->module), module);
        copy(c->activate, sizeof(c->activate), get(conf, v->value,
                                                     "activate"));
        /* As the provider: an empty value means the default. */
        if (get(conf, v->value, "pins") != NULL &&
            *get(conf, v->value, "pins") != '\0') {
            copy(c->pins, sizeof(c->pins), get(conf, v->value, "pins"));
            c->pins_set = 1;
        }
        if (get(conf, v->value, "on_error") != NULL)
            copy(c->on_error, sizeof(c->on_error),
                 get(conf, v->value, "on_error"));
        return 1;
    }
    return 0;
}

void hp_cli_osslconf_read(struct hp_osslconf_st *c)
{
    char *file = CONF_get1_default_config_file();

    hp_cli_osslconf_read_file(file != NULL ? file : "", c);
    c->from_env = getenv("OPENSSL_CONF") != NULL;
    OPENSSL_free(file);
}

void hp_cli_osslconf_read_file(const char *file, struct hp_osslconf_st *c)
{
    CONF *conf;
    long eline = 0;

    memset(c, 0, sizeof(*c));
    copy(c->pins, sizeof(c->pins), HP_DEFAULT_PINS_FILE);
    copy(c->on_error, sizeof(c->on_error), "fail-closed");
    copy(c->file, sizeof(c->file), file);
    if (access(c->file, R_OK) != 0)
        return;
    c->exists = 1;
    if ((conf = NCONF_new_ex(NULL, NULL)) == NULL) {
        copy(c->error, sizeof(c->error), "out of memory");
        return;
    }
    ERR_clear_error();
    if (NCONF_load(conf, c->file, &eline) <= 0) {
        snprintf(c->error, sizeof(c->error), "line %ld: ", eline);
        hp_cli_ssl_errors(c->error, sizeof(c->error));
    } else {
        find_provider(conf, "openssl_conf", c);
        c->node_listed = find_provider(conf, "nodejs_conf", NULL);
        copy(c->node_init, sizeof(c->node_init),
             get(conf, NULL, "nodejs_conf"));
    }
    NCONF_free(conf);
    ERR_clear_error();
}

const char *hp_cli_default_pins(char *buf, size_t len)
{
    struct hp_osslconf_st c;

    hp_cli_osslconf_read(&c);
    snprintf(buf, len, "%s", c.pins);
    return buf;
}
