/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin import: the JSON formats, read with json-c in strict mode (no
 * comments or trailing commas), so that JavaScript pasted as is gets a
 * clear refusal rather than a guess. */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "import.h"

/* Line of a byte offset, for json-c's error position. */
static int line_of(const char *data, size_t off)
{
    int line = 1;
    size_t i;

    for (i = 0; i < off && data[i] != '\0'; i++)
        if (data[i] == '\n')
            line++;
    return line;
}

/* json-c takes 'single-quoted' strings even in strict mode: where is the
 * first quote outside a string, or (size_t)-1. */
static size_t single_quote(const char *data, size_t len)
{
    size_t i;
    int in = 0;

    for (i = 0; i < len; i++) {
        if (in && data[i] == '\\' && i + 1 < len)
            i++;
        else if (data[i] == '"')
            in = !in;
        else if (!in && data[i] == '\'')
            return i;
    }
    return (size_t)-1;
}

static json_object *parse(struct hp_imp_st *imp, const char *data,
                          size_t len)
{
    json_tokener *tok = json_tokener_new();
    json_object *o = NULL;
    enum json_tokener_error e;
    size_t end;
    char where[32];

    if (tok == NULL) {
        hp_imp_fail(imp, NULL, "out of memory");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    if (strlen(data) != len) {
        hp_imp_fail(imp, NULL, "contains a NUL byte (expected JSON text)");
        goto out;
    }
    if ((end = single_quote(data, len)) != (size_t)-1) {
        snprintf(where, sizeof(where), "line %d", line_of(data, end));
        hp_imp_fail(imp, where, "not valid JSON: a string in single quotes "
                                "(JSON wants keys and strings in double "
                                "quotes)");
        goto out;
    }
    o = json_tokener_parse_ex(tok, data, (int)len);
    e = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    if (o == NULL && e == json_tokener_continue) {
        hp_imp_fail(imp, NULL, "not valid JSON: the text ends too early "
                               "(a '}' or ']' is missing)");
        goto out;
    }
    if (o == NULL) {
        snprintf(where, sizeof(where), "line %d", line_of(data, end));
        hp_imp_fail(imp, where, "not valid JSON: %s (expected JSON: keys "
                                "and strings in double quotes, no "
                                "comments or trailing commas)",
                    json_tokener_error_desc(e));
        goto out;
    }
    end += strspn(data + end, " \t\r\n");
    if (end < len) {
        snprintf(where, sizeof(where), "line %d", line_of(data, end));
        hp_imp_fail(imp, where, "text after the end of the JSON value");
        json_object_put(o);
        o = NULL;
    }
out:
    json_tokener_free(tok);
    return o;
}

static const char *type_name(json_object *v)
{
    return v == NULL ? "null" : json_type_to_name(json_object_get_type(v));
}

/* pins from a JSON array of strings */
static int add_pins(struct hp_imp_st *imp, struct hp_imp_host_st *h,
                    json_object *arr, const char *key)
{
    size_t i, n;
    char where[160];

    if (!json_object_is_type(arr, json_type_array)) {
        snprintf(where, sizeof(where), "%s.%s", h->where, key);
        return hp_imp_fail(imp, where, "expected a list of pins [\"...\"], "
                                       "not %s", type_name(arr));
    }
    n = json_object_array_length(arr);
    for (i = 0; i < n; i++) {
        json_object *p = json_object_array_get_idx(arr, i);

        if (!json_object_is_type(p, json_type_string)) {
            snprintf(where, sizeof(where), "%s.%s[%zu]", h->where, key, i);
            return hp_imp_fail(imp, where, "a pin must be a string, not %s",
                               type_name(p));
        }
        if (!hp_imp_add_pin(h, json_object_get_string(p)))
            return 0;
    }
    return 1;
}

/* OutSystems: {"hosts": [{"host": "www.example.com",
 *                         "hashes": ["sha256/...", ...]}, ...]} */
int hp_import_outsystems(struct hp_imp_st *imp, const char *data, size_t len)
{
    json_object *root = parse(imp, data, len), *hosts;
    size_t i, n;
    int ok = 0;

    if (root == NULL)
        return 0;
    if (!json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "hosts", &hosts)) {
        hp_imp_fail(imp, NULL, "expected an object with a \"hosts\" list: "
                               "{\"hosts\": [{\"host\": \"...\", "
                               "\"hashes\": [\"sha256/...\"]}]}");
        goto out;
    }
    json_object_object_foreach(root, key, val) {
        (void)val;
        if (strcmp(key, "hosts") != 0) {
            hp_imp_fail(imp, NULL, "unknown key \"%s\" (expected only "
                                   "\"hosts\")", key);
            goto out;
        }
    }
    if (!json_object_is_type(hosts, json_type_array)) {
        hp_imp_fail(imp, "hosts", "expected a list of {\"host\": ..., "
                                  "\"hashes\": [...]}, not %s",
                    type_name(hosts));
        goto out;
    }
    n = json_object_array_length(hosts);
    for (i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(hosts, i), *host = NULL,
                    *hashes = NULL;
        struct hp_imp_host_st *h;
        char where[64];

        snprintf(where, sizeof(where), "hosts[%zu]", i);
        if (!json_object_is_type(e, json_type_object)) {
            hp_imp_fail(imp, where, "expected {\"host\": ..., \"hashes\": "
                                    "[...]}, not %s", type_name(e));
            goto out;
        }
        json_object_object_foreach(e, k, v) {
            (void)v;
            if (strcmp(k, "host") != 0 && strcmp(k, "hashes") != 0) {
                hp_imp_fail(imp, where, "unknown key \"%s\" (expected "
                                        "\"host\" and \"hashes\")", k);
                goto out;
            }
        }
        if (!json_object_object_get_ex(e, "host", &host) ||
            !json_object_is_type(host, json_type_string)) {
            hp_imp_fail(imp, where, "\"host\" is missing or not a string");
            goto out;
        }
        if (!json_object_object_get_ex(e, "hashes", &hashes)) {
            hp_imp_fail(imp, where, "\"hashes\" is missing (expected "
                                    "\"hashes\": [\"sha256/...\"])");
            goto out;
        }
        if ((h = hp_imp_add_host(imp, json_object_get_string(host),
                                 where)) == NULL ||
            !add_pins(imp, h, hashes, "hashes"))
            goto out;
    }
    ok = 1;
out:
    json_object_put(root);
    return ok;
}

/* react-native-ssl-public-key-pinning: the options of
 * initializeSslPinning({"example.com": {"includeSubdomains": true,
 * "publicKeyHashes": [...], "expirationDate": "2025-12-31"}}). */
int hp_import_react_native(struct hp_imp_st *imp, const char *data,
                           size_t len)
{
    json_object *root = parse(imp, data, len);
    int ok = 0;

    if (root == NULL)
        return 0;
    if (!json_object_is_type(root, json_type_object)) {
        hp_imp_fail(imp, NULL, "expected the options object {\"DOMAIN\": "
                               "{\"publicKeyHashes\": [...]}}, not %s",
                    type_name(root));
        goto out;
    }
    json_object_object_foreach(root, domain, opts) {
        struct hp_imp_host_st *h;
        json_object *v;
        char where[300];

        snprintf(where, sizeof(where), "\"%.250s\"", domain);
        if (!json_object_is_type(opts, json_type_object)) {
            hp_imp_fail(imp, where, "expected {\"publicKeyHashes\": [...]}, "
                                    "not %s", type_name(opts));
            goto out;
        }
        json_object_object_foreach(opts, k, kv) {
            (void)kv;
            if (strcmp(k, "includeSubdomains") != 0 &&
                strcmp(k, "publicKeyHashes") != 0 &&
                strcmp(k, "expirationDate") != 0) {
                hp_imp_fail(imp, where, "unknown option \"%s\" (expected "
                                        "includeSubdomains, "
                                        "publicKeyHashes, expirationDate)",
                            k);
                goto out;
            }
        }
        if ((h = hp_imp_add_host(imp, domain, where)) == NULL)
            goto out;
        if (!json_object_object_get_ex(opts, "publicKeyHashes", &v)) {
            hp_imp_fail(imp, where, "\"publicKeyHashes\" is missing");
            goto out;
        }
        if (!add_pins(imp, h, v, "publicKeyHashes"))
            goto out;
        if (json_object_object_get_ex(opts, "includeSubdomains", &v)) {
            if (!json_object_is_type(v, json_type_boolean)) {
                hp_imp_fail(imp, where, "\"includeSubdomains\" must be true "
                                        "or false, not %s", type_name(v));
                goto out;
            }
            h->include_subdomains = json_object_get_boolean(v);
        }
        if (json_object_object_get_ex(opts, "expirationDate", &v)) {
            if (!json_object_is_type(v, json_type_string)) {
                hp_imp_fail(imp, where, "\"expirationDate\" must be a date "
                                        "string \"YYYY-MM-DD\", not %s",
                            type_name(v));
                goto out;
            }
            if (!hp_imp_set_expires(h, json_object_get_string(v)))
                goto out;
        }
    }
    ok = 1;
out:
    json_object_put(root);
    return ok;
}
