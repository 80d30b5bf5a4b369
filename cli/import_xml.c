/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin import: the XML formats (Android network security config, an
 * Info.plist holding TrustKit's TSKConfiguration), read with libxml2.
 * No network, no DTD loading, no entity substitution: the input is data,
 * and plists name a DTD on the web that must not be fetched. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "cli.h"
#include "import.h"

#define NAME(n) ((const char *)(n)->name)

static int is_elem(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE &&
           (name == NULL || strcmp(NAME(n), name) == 0);
}

static void where_of(const xmlNode *n, char *buf, size_t len)
{
    snprintf(buf, len, "line %ld", xmlGetLineNo(n));
}

/* Libxml2 reports through a global handler: keep the first error. */
static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static xmlDoc *parse(struct hp_imp_st *imp, const char *data, size_t len)
{
    const xmlError *e;
    xmlDoc *doc;
    char where[32];

    if (len >= 8 && memcmp(data, "bplist00", 8) == 0) {
        hp_imp_fail(imp, NULL, "a binary plist: convert it to XML first "
                               "(plutil -convert xml1 FILE)");
        return NULL;
    }
    if (strlen(data) != len) {
        hp_imp_fail(imp, NULL, "contains a NUL byte (expected XML text)");
        return NULL;
    }
    xmlSetGenericErrorFunc(NULL, quiet);
    xmlResetLastError();
    doc = xmlReadMemory(data, (int)len, imp->file, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    e = xmlGetLastError();
    if (doc == NULL || (e != NULL && e->level >= XML_ERR_ERROR)) {
        char msg[256];
        size_t n;

        snprintf(msg, sizeof(msg), "%s",
                 e != NULL && e->message != NULL ? e->message
                                                 : "unknown error");
        n = strlen(msg);
        while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        snprintf(where, sizeof(where), "line %d", e != NULL ? e->line : 0);
        hp_imp_fail(imp, where, "not well-formed XML: %s", msg);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

/* Text of an element, blanks trimmed; caller frees with xmlFree. */
static char *text_of(const xmlNode *n)
{
    char *t = (char *)xmlNodeGetContent(n), *s, *e;

    if (t == NULL)
        return NULL;
    for (s = t; *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'; s++)
        ;
    memmove(t, s, strlen(s) + 1);
    for (e = t + strlen(t); e > t && (e[-1] == ' ' || e[-1] == '\t' ||
                                      e[-1] == '\r' || e[-1] == '\n');)
        *--e = '\0';
    return t;
}

/* ---- Android network security config --------------------------------- */

/* A boolean attribute: -1 absent, 0/1, -2 neither "true" nor "false". */
static int bool_attr(const xmlNode *n, const char *name)
{
    char *v = (char *)xmlGetProp(n, (const xmlChar *)name);
    int r = -1;

    if (v != NULL) {
        r = strcmp(v, "true") == 0 ? 1 : strcmp(v, "false") == 0 ? 0 : -2;
        xmlFree(v);
    }
    return r;
}

/* A trust anchor that overrides pins has no equivalent: hostpin never lets
 * an anchor bypass the pins.  The base-config's anchors would change what
 * the whole machine trusts, which hostpin does not do. */
static int check_overrides(struct hp_imp_st *imp, const xmlNode *cfg,
                           int base)
{
    const xmlNode *t, *c;
    char where[32];

    for (t = cfg->children; t != NULL; t = t->next) {
        if (!is_elem(t, "trust-anchors"))
            continue;
        for (c = t->children; c != NULL; c = c->next) {
            if (!is_elem(c, "certificates"))
                continue;
            if (bool_attr(c, "overridePins") == 1) {
                where_of(c, where, sizeof(where));
                return hp_imp_fail(imp, where, "overridePins=\"true\" "
                                   "cannot be expressed: hostpin never lets "
                                   "a trust anchor bypass the pins (remove "
                                   "it, or leave the domain unpinned)");
            }
        }
        if (base && !hp_imp_note(imp, "base-config trust-anchors at line "
                                      "%ld (hostpin does not change what "
                                      "the whole machine trusts)",
                                 xmlGetLineNo(t)))
            return 0;
    }
    return 1;
}

/* The file of an Android raw resource @raw/NAME: DIR/NAME.* (a resource
 * is named after its file without the extension). */
static int raw_file(const struct hp_imp_st *imp, const char *name,
                    char out[PATH_MAX])
{
    DIR *d = opendir(imp->raw_dir);
    struct dirent *de;
    size_t n = strlen(name);
    int found = 0;

    if (d == NULL)
        return 0;
    while (!found && (de = readdir(d)) != NULL)
        if (strncmp(de->d_name, name, n) == 0 &&
            (de->d_name[n] == '\0' || de->d_name[n] == '.') &&
            strchr(de->d_name + n + 1, '.') == NULL) {
            char rel[4096];

            /* Absolute: the pins file may live anywhere. */
            snprintf(rel, sizeof(rel), "%s/%s", imp->raw_dir, de->d_name);
            found = realpath(rel, out) != NULL;
        }
    closedir(d);
    return found;
}

/* A domain-config's trust-anchors as the host's anchors: each @raw
 * certificate; src="system" keeps the system's roots; user CAs have no
 * equivalent. */
static int nsc_anchors(struct hp_imp_st *imp, struct hp_imp_host_st *h,
                       const xmlNode *anchors)
{
    const xmlNode *c;
    int system = 0, raw = 0;
    char where[32];

    for (c = anchors->children; c != NULL; c = c->next) {
        char *src, path[PATH_MAX];
        int ok = 1;

        if (!is_elem(c, "certificates"))
            continue;
        where_of(c, where, sizeof(where));
        if ((src = (char *)xmlGetProp(c, (const xmlChar *)"src")) == NULL)
            return hp_imp_fail(imp, where, "<certificates> without src");
        if (strcmp(src, "system") == 0) {
            system = 1;
        } else if (strcmp(src, "user") == 0) {
            ok = hp_imp_note(imp, "%s (%s): user-added CAs (src=\"user\"), "
                                  "no equivalent", h->host, where);
        } else if (strncmp(src, "@raw/", 5) == 0) {
            raw = 1;
            if (imp->raw_dir == NULL)
                ok = hp_imp_fail(imp, where, "trust-anchors name %s: give "
                                 "--raw-dir DIR (the app's res/raw folder) "
                                 "to import it as an anchor of \"%s\"",
                                 src, h->host);
            else if (!raw_file(imp, src + 5, path))
                ok = hp_imp_fail(imp, where, "%s: no file %s in %s", src,
                                 src + 5, imp->raw_dir);
            else
                ok = hp_imp_add_anchor(h, path);
        } else {
            ok = hp_imp_fail(imp, where, "certificates src=\"%s\" cannot "
                             "be expressed (expected @raw/NAME, system or "
                             "user)", src);
        }
        xmlFree(src);
        if (!ok)
            return 0;
    }
    /* Android trusts only the anchors a domain-config lists. */
    h->no_system_roots = raw && !system;
    return 1;
}

static int nsc_pins(struct hp_imp_st *imp, struct hp_imp_host_st *h,
                    const xmlNode *pinset)
{
    const xmlNode *p;
    char where[32], *v;

    if ((v = (char *)xmlGetProp(pinset, (const xmlChar *)"expiration")) !=
        NULL) {
        int ok = hp_imp_set_expires(h, v);

        xmlFree(v);
        if (!ok)
            return 0;
    }
    for (p = pinset->children; p != NULL; p = p->next) {
        char *digest, *text;
        int ok;

        if (!is_elem(p, NULL))
            continue;
        where_of(p, where, sizeof(where));
        if (!is_elem(p, "pin"))
            return hp_imp_fail(imp, where, "unexpected <%s> in <pin-set> "
                                           "(expected <pin>)", NAME(p));
        digest = (char *)xmlGetProp(p, (const xmlChar *)"digest");
        if (digest == NULL || strcmp(digest, "SHA-256") != 0) {
            hp_imp_fail(imp, where, "pin digest \"%s\" cannot be expressed "
                                    "(expected digest=\"SHA-256\")",
                        digest != NULL ? digest : "(none)");
            xmlFree(digest);
            return 0;
        }
        xmlFree(digest);
        text = text_of(p);
        ok = text != NULL && hp_imp_add_pin(h, text);
        xmlFree(text);
        if (!ok)
            return 0;
    }
    return 1;
}

/* A domain-config: its domains get its pin-set and trust-anchors, or the
 * nearest enclosing one's (nested configs inherit what they do not set). */
static int nsc_config(struct hp_imp_st *imp, const xmlNode *cfg,
                      const xmlNode *inherited, const xmlNode *inh_anchors)
{
    const xmlNode *n, *pinset = inherited, *anchors = inh_anchors;
    char where[32];

    if (!check_overrides(imp, cfg, 0))
        return 0;
    for (n = cfg->children; n != NULL; n = n->next) {
        if (is_elem(n, "pin-set"))
            pinset = n;
        if (is_elem(n, "trust-anchors"))
            anchors = n;
    }
    for (n = cfg->children; n != NULL; n = n->next) {
        struct hp_imp_host_st *h;
        char *name;
        int sub;

        if (!is_elem(n, "domain"))
            continue;
        where_of(n, where, sizeof(where));
        if ((name = text_of(n)) == NULL)
            return 0;
        if (pinset == NULL && anchors == NULL) {
            int ok = hp_imp_note(imp, "%s (%s): no pin-set, not pinned",
                                 name, where);

            xmlFree(name);
            if (!ok)
                return 0;
            continue;
        }
        h = hp_imp_add_host(imp, name, where);
        xmlFree(name);
        if (h == NULL)
            return 0;
        if ((sub = bool_attr(n, "includeSubdomains")) == -2)
            return hp_imp_fail(imp, where, "includeSubdomains must be "
                                           "\"true\" or \"false\"");
        h->include_subdomains = sub == 1;
        if ((pinset != NULL && !nsc_pins(imp, h, pinset)) ||
            (anchors != NULL && !nsc_anchors(imp, h, anchors)))
            return 0;
    }
    for (n = cfg->children; n != NULL; n = n->next)
        if (is_elem(n, "domain-config") &&
            !nsc_config(imp, n, pinset, anchors))
            return 0;
    return 1;
}

int hp_import_android_nsc(struct hp_imp_st *imp, const char *data,
                          size_t len)
{
    xmlDoc *doc = parse(imp, data, len);
    const xmlNode *root, *n;
    int ok = 0;

    if (doc == NULL)
        return 0;
    root = xmlDocGetRootElement(doc);
    if (!is_elem(root, "network-security-config")) {
        hp_imp_fail(imp, NULL, "expected a <network-security-config> "
                               "document, not <%s>",
                    root != NULL ? NAME(root) : "(empty)");
        goto out;
    }
    for (n = root->children; n != NULL; n = n->next) {
        if (is_elem(n, "domain-config")) {
            if (!nsc_config(imp, n, NULL, NULL))
                goto out;
        } else if (is_elem(n, "base-config")) {
            if (!check_overrides(imp, n, 1))
                goto out;
        } else if (is_elem(n, "debug-overrides")) {
            if (!hp_imp_note(imp, "debug-overrides at line %ld (debug "
                                  "builds only)", xmlGetLineNo(n)))
                goto out;
        }
    }
    ok = 1;
out:
    xmlFreeDoc(doc);
    return ok;
}

/* ---- TrustKit (Info.plist) ------------------------------------------- */

/* The value after <key>name</key> in a plist <dict>, or NULL. */
static const xmlNode *dict_get(const xmlNode *dict, const char *name)
{
    const xmlNode *n;

    for (n = dict->children; n != NULL; n = n->next) {
        char *k;
        int hit;

        if (!is_elem(n, "key"))
            continue;
        k = text_of(n);
        hit = k != NULL && strcmp(k, name) == 0;
        xmlFree(k);
        if (!hit)
            continue;
        for (n = n->next; n != NULL && !is_elem(n, NULL); n = n->next)
            ;
        return n;
    }
    return NULL;
}

/* A plist boolean: <true/> or <false/>; -1 otherwise. */
static int plist_bool(const xmlNode *v)
{
    return is_elem(v, "true") ? 1 : is_elem(v, "false") ? 0 : -1;
}

static int tsk_domain(struct hp_imp_st *imp, const char *domain,
                      const xmlNode *d)
{
    static const char *const known[] = {
        "TSKPublicKeyHashes", "TSKIncludeSubdomains", "TSKEnforcePinning",
        "TSKExpirationDate", "TSKReportUris", "TSKDisableDefaultReportUri",
        "TSKPublicKeyAlgorithms", NULL
    };
    struct hp_imp_host_st *h;
    const xmlNode *v, *n;
    char where[300];
    int b;

    snprintf(where, sizeof(where), "line %ld (%.200s)", xmlGetLineNo(d),
             domain);
    if (!is_elem(d, "dict"))
        return hp_imp_fail(imp, where, "expected a <dict> of TSK settings");
    for (n = d->children; n != NULL; n = n->next) {
        char *k;
        size_t i;

        if (!is_elem(n, "key"))
            continue;
        if ((k = text_of(n)) == NULL)
            return 0;
        for (i = 0; known[i] != NULL && strcmp(known[i], k) != 0; i++)
            ;
        if (known[i] == NULL) {
            hp_imp_fail(imp, where, "unknown TrustKit setting \"%s\"", k);
            xmlFree(k);
            return 0;
        }
        xmlFree(k);
    }
    if ((h = hp_imp_add_host(imp, domain, where)) == NULL)
        return 0;
    if ((v = dict_get(d, "TSKPublicKeyHashes")) == NULL ||
        !is_elem(v, "array"))
        return hp_imp_fail(imp, where, "TSKPublicKeyHashes is missing or "
                                       "not an <array> of <string>");
    for (n = v->children; n != NULL; n = n->next) {
        char *t;
        int ok;

        if (!is_elem(n, NULL))
            continue;
        if (!is_elem(n, "string"))
            return hp_imp_fail(imp, where, "TSKPublicKeyHashes holds a "
                                           "<%s>, expected <string>",
                               NAME(n));
        t = text_of(n);
        ok = t != NULL && hp_imp_add_pin(h, t);
        xmlFree(t);
        if (!ok)
            return 0;
    }
    if ((v = dict_get(d, "TSKIncludeSubdomains")) != NULL) {
        if ((b = plist_bool(v)) < 0)
            return hp_imp_fail(imp, where, "TSKIncludeSubdomains must be "
                                           "<true/> or <false/>");
        h->include_subdomains = b;
    }
    if ((v = dict_get(d, "TSKEnforcePinning")) != NULL) {
        if ((b = plist_bool(v)) < 0)
            return hp_imp_fail(imp, where, "TSKEnforcePinning must be "
                                           "<true/> or <false/>");
        h->report = !b; /* TrustKit then only reports */
    }
    if ((v = dict_get(d, "TSKExpirationDate")) != NULL) {
        char *t;
        int ok;

        if (!is_elem(v, "string") && !is_elem(v, "date"))
            return hp_imp_fail(imp, where, "TSKExpirationDate must be a "
                                           "<string> \"YYYY-MM-DD\"");
        t = text_of(v);
        ok = t != NULL && hp_imp_set_expires(h, t);
        xmlFree(t);
        if (!ok)
            return 0;
    }
    if (dict_get(d, "TSKReportUris") != NULL &&
        !hp_imp_note(imp, "TSKReportUris of %s (hostpin reports to syslog)",
                     domain))
        return 0;
    return 1;
}

int hp_import_trustkit(struct hp_imp_st *imp, const char *data, size_t len)
{
    xmlDoc *doc = parse(imp, data, len);
    const xmlNode *root, *cfg, *domains, *n;
    int ok = 0;

    if (doc == NULL)
        return 0;
    root = xmlDocGetRootElement(doc);
    if (is_elem(root, "plist"))
        for (root = root->children; root != NULL && !is_elem(root, NULL);
             root = root->next)
            ;
    if (!is_elem(root, "dict")) {
        hp_imp_fail(imp, NULL, "expected a property list (<plist><dict>) "
                               "with a TSKConfiguration dictionary");
        goto out;
    }
    /* The Info.plist, or the TSKConfiguration dictionary on its own. */
    cfg = dict_get(root, "TSKConfiguration");
    if (cfg == NULL && dict_get(root, "TSKPinnedDomains") != NULL)
        cfg = root;
    if (!is_elem(cfg, "dict")) {
        hp_imp_fail(imp, NULL, "no TSKConfiguration dictionary (expected "
                               "<key>TSKConfiguration</key><dict>...)");
        goto out;
    }
    domains = dict_get(cfg, "TSKPinnedDomains");
    if (!is_elem(domains, "dict")) {
        hp_imp_fail(imp, NULL, "TSKConfiguration has no TSKPinnedDomains "
                               "<dict>");
        goto out;
    }
    for (n = domains->children; n != NULL; n = n->next) {
        const xmlNode *v;
        char *name;
        int good;

        if (!is_elem(n, "key"))
            continue;
        for (v = n->next; v != NULL && !is_elem(v, NULL); v = v->next)
            ;
        if ((name = text_of(n)) == NULL)
            goto out;
        good = v != NULL && tsk_domain(imp, name, v);
        if (v == NULL)
            hp_imp_fail(imp, NULL, "domain \"%s\" has no settings", name);
        xmlFree(name);
        if (!good)
            goto out;
    }
    ok = 1;
out:
    xmlFreeDoc(doc);
    return ok;
}
