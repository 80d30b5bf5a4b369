/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin enable / disable: add the hostpin provider to the system
 * openssl.cnf, or take it out again.  Every line added is marked, so that
 * disable gives the file back byte for byte.  A new file is loaded in a
 * fresh process before it replaces the old one and again afterwards; the
 * change is undone unless OpenSSL loads it, the providers that were active
 * stay active and hostpin is active (for disable: gone).
 *
 * Programs read the section named by `openssl_conf`; Debian's Node.js reads
 * the one named by `nodejs_conf` instead (OPENSSL_INIT_set_config_appname
 * in node.cc, unless started with --openssl-shared-config), so both are
 * wired and both are checked. */
#define _GNU_SOURCE /* program_invocation_name */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/conf.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>

#include "cli.h"

#define HP_CNF_MAX (4 << 20) /* no openssl.cnf is this large */
#define HP_MAX_PROVIDERS 32
#define HP_BACKUP_SUFFIX ".hostpin-bak"

/* The marks written around added lines (DESIGN: disable restores). */
#define HP_MARK "# hostpin enable:"
static const char mark_line[] =
    HP_MARK " the next line; hostpin disable removes it\n";
static const char mark_begin[] =
    HP_MARK " begin; hostpin disable removes these lines\n";
/* Used when the file did not end with a newline: one was added. */
static const char mark_begin_nl[] =
    HP_MARK " begin, after a final newline it added; hostpin disable "
            "removes both\n";
static const char mark_end[] = HP_MARK " end\n";

/* Names of the sections enable may create. */
static const char *const our_sections[] = {
    "hostpin_init", "hostpin_nodejs", "hostpin_providers", "hostpin_default",
    "hostpin_sect", NULL
};

/* The initialisations enable wires hostpin into: the one every program
 * reads, and Node.js's (which reads nothing else). */
#define HP_NAPPS 2
static const char *const apps[HP_NAPPS] = { "openssl_conf", "nodejs_conf" };
/* How messages and the checks' output name them. */
static const char *const app_label[HP_NAPPS] = { "OpenSSL",
                                                 "Node.js (nodejs_conf)" };

/* A file as lines, each with its '\n' (the last one perhaps without). */
struct text_st {
    char **line;
    size_t n, cap;
};

/* What a fresh process makes of a configuration file, read as `app`. */
struct app_check_st {
    int loaded;          /* CONF_modules_load_file_ex succeeded */
    char error[1024];    /* why not, or why the check could not run */
    char prov[HP_MAX_PROVIDERS][64];
    size_t nprov;        /* active providers, by name */
    int hostpin, hook;   /* hostpin active; its hook installed */
    int default_ok;      /* SHA-256 from provider=default */
    int tls_ok;          /* a TLS client context can be made */
};

/* The same for each of apps[]. */
struct check_st {
    struct app_check_st app[HP_NAPPS];
};

struct cnf_file_st {
    const char *name; /* as given */
    char real[PATH_MAX];
    struct stat st;
    char *data;
    size_t len;
};

static void text_free(struct text_st *t)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        free(t->line[i]);
    free(t->line);
    memset(t, 0, sizeof(*t));
}

static int text_insert(struct text_st *t, size_t at, const char *s,
                       size_t len)
{
    char *copy;

    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        char **l = realloc(t->line, cap * sizeof(*l));

        if (l == NULL)
            return 0;
        t->line = l;
        t->cap = cap;
    }
    if ((copy = malloc(len + 1)) == NULL)
        return 0;
    memcpy(copy, s, len);
    copy[len] = '\0';
    memmove(t->line + at + 1, t->line + at, (t->n - at) * sizeof(char *));
    t->line[at] = copy;
    t->n++;
    return 1;
}

static int text_push(struct text_st *t, const char *s)
{
    return text_insert(t, t->n, s, strlen(s));
}

static int text_split(const char *data, size_t len, struct text_st *t)
{
    size_t i = 0;

    while (i < len) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t end = nl != NULL ? (size_t)(nl - data) + 1 : len;

        if (memchr(data + i, '\0', end - i) != NULL ||
            !text_insert(t, t->n, data + i, end - i))
            return 0;
        i = end;
    }
    return 1;
}

static char *text_join(const struct text_st *t, size_t *len)
{
    size_t i, n = 0;
    char *buf, *p;

    for (i = 0; i < t->n; i++)
        n += strlen(t->line[i]);
    if ((buf = p = malloc(n + 1)) == NULL)
        return NULL;
    for (i = 0; i < t->n; i++)
        p = stpcpy(p, t->line[i]);
    *len = n;
    return buf;
}

static int ends_nl(const char *l)
{
    size_t n = strlen(l);

    return n > 0 && l[n - 1] == '\n';
}

/* A line equal to a mark (its final newline may be missing). */
static int is_mark(const char *l, const char *mark)
{
    size_t n = strlen(mark) - 1;

    return strncmp(l, mark, n) == 0 && (l[n] == '\0' || strcmp(l + n, "\n")
                                                             == 0);
}

/* The file without the lines enable added; *removed counts the places.
 * 0 (err set) when the marks were damaged by hand. */
static int strip_ours(const struct text_st *in, struct text_st *out,
                      int *removed, char *err, size_t errlen)
{
    size_t i, j;

    *removed = 0;
    for (i = 0; i < in->n; i++) {
        const char *l = in->line[i];
        int nl = is_mark(l, mark_begin_nl);

        if (is_mark(l, mark_line)) {
            if (i + 1 == in->n)
                goto bad;
            i++;
        } else if (nl || is_mark(l, mark_begin)) {
            for (j = i + 1; j < in->n && !is_mark(in->line[j], mark_end);
                 j++)
                if (strncmp(in->line[j], HP_MARK, strlen(HP_MARK)) == 0)
                    goto bad;
            if (j == in->n)
                goto bad;
            if (nl) {
                char *prev = out->n > 0 ? out->line[out->n - 1] : NULL;

                if (prev == NULL || !ends_nl(prev))
                    goto bad;
                prev[strlen(prev) - 1] = '\0';
            }
            i = j;
        } else if (strncmp(l, HP_MARK, strlen(HP_MARK)) == 0) {
            goto bad;
        } else {
            if (!text_push(out, l)) {
                snprintf(err, errlen, "out of memory");
                return 0;
            }
            continue;
        }
        (*removed)++;
    }
    return 1;
bad:
    snprintf(err, errlen, "line %zu: a \"%s\" mark that hostpin enable did "
             "not write this way (edited by hand?); restore it or remove "
             "hostpin by hand", i + 1, HP_MARK);
    return 0;
}

/* OpenSSL continues a line that ends in one backslash
 * (crypto/conf/conf_def.c, def_load_bio). */
static int continues(const char *l)
{
    size_t n = strlen(l);

    while (n > 0 && (l[n - 1] == '\n' || l[n - 1] == '\r'))
        n--;
    return n > 0 && l[n - 1] == '\\' && (n == 1 || l[n - 2] != '\\');
}

enum line_kind { LINE_BLANK, LINE_HEADER, LINE_KEY };

/* The kind of a line; for a header, its section name in name. */
static enum line_kind classify(const char *l, char *name, size_t len)
{
    size_t n;

    l += strspn(l, " \t");
    if (*l == '\0' || *l == '\n' || *l == '\r' || *l == '#')
        return LINE_BLANK;
    if (*l != '[')
        return LINE_KEY;
    l++;
    l += strspn(l, " \t");
    n = strcspn(l, " \t]");
    snprintf(name, len, "%.*s", (int)n, l);
    return LINE_HEADER;
}

static int same_section(const char *a, const char *b)
{
    /* NULL is the default section, which [default] reopens. */
    if (a == NULL || b == NULL)
        return (a == NULL || strcmp(a, "default") == 0) &&
               (b == NULL || strcmp(b, "default") == 0);
    return strcmp(a, b) == 0;
}

/* Where a line belongs at the end of section `sect` (NULL: the default
 * section): after its last key of its last occurrence, else after the
 * header (the default section: before the first header).  0 if the
 * section is not in this file (an .include may hold it). */
static int section_end(const struct text_st *t, const char *sect,
                       size_t *at)
{
    char name[256];
    const char *cur = NULL; /* NULL: default section */
    int found = sect == NULL, in = sect == NULL, headers = 0;
    size_t i, last;

    *at = 0;
    for (i = 0; i < t->n; i = last + 1) {
        enum line_kind k = classify(t->line[i], name, sizeof(name));

        for (last = i; last + 1 < t->n && continues(t->line[last]); last++)
            ;
        if (k == LINE_HEADER) {
            cur = name;
            in = same_section(cur, sect);
            if (in)
                *at = last + 1;
            else if (sect == NULL && !headers && *at == 0)
                *at = i;
            found |= in;
            headers = 1;
        } else if (k == LINE_KEY && in) {
            *at = last + 1;
        }
    }
    if (sect == NULL && !headers && *at == 0)
        *at = t->n;
    return found;
}

/* Give the last line the newline it lacks (0: out of memory). */
static int add_final_newline(struct text_st *t)
{
    char *l = realloc(t->line[t->n - 1], strlen(t->line[t->n - 1]) + 2);

    if (l == NULL)
        return 0;
    t->line[t->n - 1] = l;
    strcat(l, "\n");
    return 1;
}

/* Insert one marked line at `at`.  At the end of a file without a final
 * newline the line is wrapped as a block that records the added newline. */
static int insert_marked(struct text_st *t, size_t at, const char *line)
{
    if (at == t->n && t->n > 0 && !ends_nl(t->line[t->n - 1]))
        return add_final_newline(t) && text_push(t, mark_begin_nl) &&
               text_push(t, line) && text_push(t, mark_end);
    return text_insert(t, at, mark_line, strlen(mark_line)) &&
           text_insert(t, at + 1, line, strlen(line));
}

/* Append a block of lines (each ending in '\n') to the file. */
static int append_block(struct text_st *t, const char *block)
{
    const char *p = block;
    int nl = t->n > 0 && !ends_nl(t->line[t->n - 1]);

    if ((nl && !add_final_newline(t)) ||
        !text_push(t, nl ? mark_begin_nl : mark_begin))
        return 0;
    while (*p != '\0') {
        size_t n = strcspn(p, "\n") + 1;

        if (!text_insert(t, t->n, p, n))
            return 0;
        p += n;
    }
    return text_push(t, mark_end);
}

/* NCONF_get_string pushes an error for a missing key: not one here. */
static const char *cnf_get(const CONF *conf, const char *sect,
                           const char *key)
{
    const char *v;

    ERR_set_mark();
    v = NCONF_get_string(conf, sect, key);
    ERR_pop_to_mark();
    return v;
}

static STACK_OF(CONF_VALUE) *cnf_section(const CONF *conf, const char *sect)
{
    STACK_OF(CONF_VALUE) *sk;

    ERR_set_mark();
    sk = NCONF_get_section(conf, sect);
    ERR_pop_to_mark();
    return sk;
}

/* Parse a configuration text as OpenSSL does; NULL with err set if it
 * cannot. */
static CONF *cnf_parse(const struct text_st *t, char *err, size_t errlen)
{
    size_t len;
    char *data = text_join(t, &len);
    BIO *b = data != NULL ? BIO_new_mem_buf(data, (int)len) : NULL;
    CONF *conf = b != NULL ? NCONF_new_ex(NULL, NULL) : NULL;
    long eline = 0;

    if (conf == NULL) {
        snprintf(err, errlen, "out of memory");
    } else if (NCONF_load_bio(conf, b, &eline) <= 0) {
        snprintf(err, errlen, "it cannot be parsed: line %ld: ", eline);
        hp_cli_ssl_errors(err, errlen);
        NCONF_free(conf);
        conf = NULL;
    }
    ERR_clear_error();
    BIO_free(b);
    free(data);
    return conf;
}

/* The provider section programs reading `app` use, or NULL. */
static const char *provider_section(const CONF *conf, const char *app)
{
    const char *init = cnf_get(conf, NULL, app);

    return init != NULL ? cnf_get(conf, init, "providers") : NULL;
}

/* The entry of `app`'s provider section that loads hostpin (as status
 * finds it), or NULL. */
static const char *listed_hostpin(const CONF *conf, const char *app)
{
    const char *provs = provider_section(conf, app);
    STACK_OF(CONF_VALUE) *sk = provs ? cnf_section(conf, provs) : NULL;
    int i;

    for (i = 0; sk != NULL && i < sk_CONF_VALUE_num(sk); i++) {
        CONF_VALUE *v = sk_CONF_VALUE_value(sk, i);
        const char *m = cnf_get(conf, v->value, "module");
        const char *base = m != NULL ? strrchr(m, '/') : NULL;

        base = base != NULL ? base + 1 : m;
        if (strcmp(v->name, "hostpin") == 0 ||
            (base != NULL && strncmp(base, "hostpin", 7) == 0))
            return v->name;
    }
    return NULL;
}

static int same_str(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Does wiring openssl_conf already wire Node.js?  Yes when nodejs_conf
 * names the same initialisation or the same provider list, or lists
 * hostpin itself. */
static int node_shares(const CONF *conf)
{
    return same_str(cnf_get(conf, NULL, apps[1]),
                    cnf_get(conf, NULL, apps[0])) ||
           same_str(provider_section(conf, apps[1]),
                    provider_section(conf, apps[0])) ||
           listed_hostpin(conf, apps[1]) != NULL;
}

/* What build_enabled appends after wiring the initialisations. */
struct blocks_st {
    int init, nodejs;   /* [hostpin_init], [hostpin_nodejs] */
    int list;           /* [hostpin_providers] (with [hostpin_default]) */
    int dflt;           /* [hostpin_default] alone */
    const char *missing; /* a section named but not in this file */
};

/* Add hostpin to the providers that programs reading apps[a] load,
 * keeping those they load now; add_default: activate `default` where
 * the list names it (or add it) because it was only implicitly active. */
static int wire(struct text_st *out, const CONF *conf, int a,
                int add_default, struct blocks_st *b)
{
    const char *init = cnf_get(conf, NULL, apps[a]);
    const char *provs = init != NULL ? cnf_get(conf, init, "providers")
                                     : NULL;
    const char *dsect;
    size_t at;
    int ok = 1;

    if (provs == NULL) {
        /* No provider list yet: the implicit default provider is what
         * programs use now, and a list switches that off. */
        b->list = 1;
        if (init == NULL) {
            section_end(out, NULL, &at);
            if (a == 0)
                b->init = 1;
            else
                b->nodejs = 1;
            return insert_marked(out, at, a == 0 ? "openssl_conf = "
                                                   "hostpin_init\n"
                                                 : "nodejs_conf = "
                                                   "hostpin_nodejs\n");
        }
        if (section_end(out, init, &at))
            return insert_marked(out, at, "providers = hostpin_providers\n");
        b->missing = init;
        return 1;
    }
    dsect = add_default ? cnf_get(conf, provs, "default") : NULL;
    if (dsect != NULL) {
        /* Listed but not activated: insert `activate` there. */
        if (section_end(out, dsect, &at))
            ok = insert_marked(out, at, "activate = 1\n");
        else
            b->missing = dsect;
    }
    if (!section_end(out, provs, &at)) {
        b->missing = provs;
        return ok;
    }
    if (add_default && dsect == NULL) {
        ok = ok && insert_marked(out, at, "default = hostpin_default\n");
        b->dflt = 1;
        section_end(out, provs, &at);
    }
    return ok && insert_marked(out, at, "hostpin = hostpin_sect\n");
}

/* The enabled file: `base` (without our lines) plus hostpin in each
 * initialisation of apps[], with add_default[a] as for wire(). */
static int build_enabled(const struct text_st *base, const CONF *conf,
                         const char *module, const char *pins,
                         const int add_default[HP_NAPPS],
                         struct text_st *out, char *err, size_t errlen)
{
    struct blocks_st b = { 0 };
    char block[3 * PATH_MAX];
    const char *init, *provs;
    size_t i;
    int ok = 1, a;

    for (i = 0; our_sections[i] != NULL; i++)
        if (cnf_section(conf, our_sections[i]) != NULL) {
            snprintf(err, errlen, "it already has a section [%s] that "
                     "hostpin enable did not add; rename it, or enable "
                     "hostpin by hand (hostpin(7))", our_sections[i]);
            return 0;
        }
    for (a = 0; a < HP_NAPPS; a++) {
        init = cnf_get(conf, NULL, apps[a]);
        provs = init != NULL ? cnf_get(conf, init, "providers") : NULL;
        if (init != NULL && cnf_section(conf, init) == NULL) {
            snprintf(err, errlen, "%s names a section [%s] it does not "
                     "have", apps[a], init);
            return 0;
        }
        if (provs != NULL && cnf_section(conf, provs) == NULL) {
            snprintf(err, errlen, "providers names a section [%s] it does "
                     "not have", provs);
            return 0;
        }
    }
    for (i = 0; i < base->n; i++)
        ok = ok && text_push(out, base->line[i]);
    for (a = 0; a < HP_NAPPS && ok; a++)
        if (a == 0 || !node_shares(conf))
            ok = wire(out, conf, a, add_default[a], &b);
    if (b.missing != NULL) {
        snprintf(err, errlen, "its section [%s] is not in this file (an "
                 ".include?); enable hostpin by hand (hostpin(7))",
                 b.missing);
        return 0;
    }
    block[0] = '\0';
    if (b.init)
        strcat(block, "[hostpin_init]\nproviders = hostpin_providers\n\n");
    if (b.nodejs)
        strcat(block, "[hostpin_nodejs]\n"
                      "providers = hostpin_providers\n\n");
    if (b.list)
        strcat(block, "[hostpin_providers]\n"
                      "default = hostpin_default\n"
                      "hostpin = hostpin_sect\n\n");
    if (b.list || b.dflt)
        strcat(block, "[hostpin_default]\nactivate = 1\n\n");
    snprintf(block + strlen(block), sizeof(block) - strlen(block),
             "[hostpin_sect]\nmodule = %s\npins = %s\nactivate = 1\n",
             module, pins);
    ok = ok && append_block(out, block);
    if (!ok)
        snprintf(err, errlen, "out of memory");
    return ok;
}

/* ---- the check, in a fresh process ---- */

static int list_provider(OSSL_PROVIDER *p, void *arg)
{
    const char *pname = NULL;
    int status = 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_ptr(OSSL_PROV_PARAM_NAME, (char **)&pname,
                                      0),
        OSSL_PARAM_construct_int(OSSL_PROV_PARAM_STATUS, &status),
        OSSL_PARAM_construct_end()
    };

    (void)arg;
    printf("provider %s\n", OSSL_PROVIDER_get0_name(p));
    if (OSSL_PROVIDER_get_params(p, params) && pname != NULL &&
        strncmp(pname, "hostpin", 7) == 0)
        printf("hostpin %d\n", status == 1);
    return 1;
}

/* `hostpin enable --child-check FILE APP`: load FILE as programs reading
 * the section named by APP do and say what works, one fact a line.  Run
 * by child_check in a new process, so nothing the parent loaded (the
 * fallback default provider above all) can hide a problem.  openssl_conf
 * is read as OPENSSL_init_crypto does (crypto/conf/conf_sap.c), other
 * names as Node.js does: no fallback to openssl_conf. */
static int child_main(const char *file, const char *app)
{
    int dflt = strcmp(app, "openssl_conf") == 0;
    unsigned char md[EVP_MAX_MD_SIZE];
    char err[900] = "";
    EVP_MD *sha;
    SSL_CTX *ctx;

    ERR_clear_error();
    if (CONF_modules_load_file_ex(NULL, file, dflt ? NULL : app,
                                  dflt ? CONF_MFLAGS_DEFAULT_SECTION : 0)
        <= 0) {
        hp_cli_ssl_errors(err, sizeof(err));
        printf("error %s\n", err[0] ? err : "(no reason given)");
        return 0;
    }
    printf("loaded\n");
    sha = EVP_MD_fetch(NULL, "SHA2-256", "provider=default");
    if (sha != NULL && EVP_Digest("", 0, md, NULL, sha, NULL))
        printf("default\n");
    EVP_MD_free(sha);
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx != NULL)
        printf("tls\n");
    SSL_CTX_free(ctx);
    OSSL_PROVIDER_do_all(NULL, list_provider, NULL);
    fflush(stdout);
    return 0;
}

static void parse_check(char *out, struct app_check_st *c)
{
    char *save = NULL, *l;

    for (l = strtok_r(out, "\n", &save); l != NULL;
         l = strtok_r(NULL, "\n", &save)) {
        if (strncmp(l, "error ", 6) == 0)
            snprintf(c->error, sizeof(c->error), "%s", l + 6);
        else if (strcmp(l, "loaded") == 0)
            c->loaded = 1;
        else if (strcmp(l, "default") == 0)
            c->default_ok = 1;
        else if (strcmp(l, "tls") == 0)
            c->tls_ok = 1;
        else if (strncmp(l, "hostpin ", 8) == 0)
            c->hostpin = 1, c->hook = strcmp(l + 8, "1") == 0;
        else if (strncmp(l, "provider ", 9) == 0 &&
                 c->nprov < HP_MAX_PROVIDERS)
            snprintf(c->prov[c->nprov++], sizeof(c->prov[0]), "%s", l + 9);
    }
}

/* Run `hostpin enable --child-check FILE APP` and collect what it says. */
static void child_check_app(const char *file, const char *app,
                            struct app_check_st *c)
{
    char out[16384];
    size_t len = 0;
    ssize_t r;
    int fds[2], status = 0;
    pid_t pid;

    memset(c, 0, sizeof(*c));
    fflush(NULL);
    if (pipe(fds) != 0 || (pid = fork()) < 0) {
        snprintf(c->error, sizeof(c->error), "cannot start a process: %s",
                 strerror(errno));
        return;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        alarm(60); /* a hung module must not hang the administrator */
        execl("/proc/self/exe", "hostpin", "enable", "--child-check", file,
              app, (char *)NULL);
        execlp(program_invocation_name, "hostpin", "enable", "--child-check",
               file, app, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    while (len < sizeof(out) - 1 &&
           ((r = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0 ||
            (r < 0 && errno == EINTR)))
        len += r > 0 ? (size_t)r : 0;
    out[len] = '\0';
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    parse_check(out, c);
    if (WIFSIGNALED(status))
        snprintf(c->error, sizeof(c->error), "OpenSSL crashed or hung "
                 "loading it (signal %d)", WTERMSIG(status));
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        snprintf(c->error, sizeof(c->error), "the check could not run "
                 "(exit status %d)", WEXITSTATUS(status));
    if (c->error[0] != '\0')
        c->loaded = 0;
}

/* What a new process makes of FILE, for each of apps[]. */
static void child_check(const char *file, struct check_st *c)
{
    int a;

    for (a = 0; a < HP_NAPPS; a++)
        child_check_app(file, apps[a], &c->app[a]);
}

static int has_provider(const struct app_check_st *c, const char *name)
{
    size_t i;

    for (i = 0; i < c->nprov; i++)
        if (strcmp(c->prov[i], name) == 0)
            return 1;
    return 0;
}

/* Is `after` acceptable, compared with `before` (which may not have
 * loaded), for programs reading apps[a]?  Prints each problem (who: "" or
 * the initialisation's name); 1 if none. */
static int judge_app(const char *cmd, const char *who,
                     const struct app_check_st *before,
                     const struct app_check_st *after, int want_hostpin)
{
    char c2[160];
    size_t i;
    int ok = 1;

    snprintf(c2, sizeof(c2), "%s%s%s", cmd, who[0] ? ": " : "", who);
    cmd = c2;
    if (!after->loaded) {
        hp_cli_error(cmd, "OpenSSL cannot load the new configuration: %s",
                     after->error);
        return 0;
    }
    for (i = 0; before->loaded && i < before->nprov; i++)
        if (!has_provider(after, before->prov[i]) &&
            !(strcmp(before->prov[i], "hostpin") == 0 && !want_hostpin)) {
            hp_cli_error(cmd, "provider \"%s\", active before, would not "
                         "be active", before->prov[i]);
            ok = 0;
        }
    /* What worked before must still work (everything, if the old file
     * did not load). */
    if ((!before->loaded || before->default_ok) && !after->default_ok) {
        hp_cli_error(cmd, "the default provider would not work (no "
                     "SHA-256 from provider=default)");
        ok = 0;
    }
    if ((!before->loaded || before->tls_ok) && !after->tls_ok) {
        hp_cli_error(cmd, "a TLS client context could not be created");
        ok = 0;
    }
    if (want_hostpin && (!after->hostpin || !after->hook)) {
        hp_cli_error(cmd, "hostpin would not be active%s",
                     after->hostpin ? " (its verification hook is not "
                                      "installed)" : "");
        ok = 0;
    }
    if (!want_hostpin && after->hostpin) {
        hp_cli_error(cmd, "hostpin would still be active (listed again in "
                     "an included file?)");
        ok = 0;
    }
    return ok;
}

static int judge(const char *cmd, const struct check_st *before,
                 const struct check_st *after, int want_hostpin)
{
    int a, ok = 1;

    for (a = 0; a < HP_NAPPS; a++)
        ok &= judge_app(cmd, a == 0 ? "" : app_label[a], &before->app[a],
                        &after->app[a], want_hostpin);
    return ok;
}

/* ---- files ---- */

static int read_cnf(const char *cmd, const char *name, struct cnf_file_st *f)
{
    FILE *fp = NULL;
    size_t n;

    memset(f, 0, sizeof(*f));
    f->name = name;
    if (realpath(name, f->real) == NULL || stat(f->real, &f->st) != 0) {
        hp_cli_error(cmd, "%s: %s", name, strerror(errno));
        return 0;
    }
    if (!S_ISREG(f->st.st_mode)) {
        hp_cli_error(cmd, "%s: not a regular file", name);
        return 0;
    }
    if ((size_t)f->st.st_size > HP_CNF_MAX) {
        hp_cli_error(cmd, "%s: too large for an openssl.cnf", name);
        return 0;
    }
    if ((fp = fopen(f->real, "rb")) == NULL ||
        (f->data = malloc((size_t)f->st.st_size + 1)) == NULL) {
        hp_cli_error(cmd, "%s: %s", name, strerror(errno));
        if (fp != NULL)
            fclose(fp);
        return 0;
    }
    n = fread(f->data, 1, (size_t)f->st.st_size + 1, fp);
    fclose(fp);
    if (n != (size_t)f->st.st_size) {
        hp_cli_error(cmd, "%s: changed while being read", name);
        return 0;
    }
    f->len = n;
    return 1;
}

/* Write data to a new file named from `pattern` (mkstemp), with the
 * configuration's mode and owner; its name is left in `pattern`. */
static int write_new(const char *cmd, const struct cnf_file_st *f,
                     const char *data, size_t len, char *pattern)
{
    size_t off = 0;
    ssize_t w;
    int fd;

    if ((fd = mkstemp(pattern)) < 0) {
        hp_cli_error(cmd, "cannot create %s: %s%s", pattern, strerror(errno),
                     errno == EACCES || errno == EPERM ? " (run as root)"
                                                       : "");
        return 0;
    }
    if (fchmod(fd, f->st.st_mode & 07777) != 0 ||
        (geteuid() == 0 && fchown(fd, f->st.st_uid, f->st.st_gid) != 0))
        goto fail;
    while (off < len) {
        w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        off += (size_t)w;
    }
    if (fsync(fd) != 0)
        goto fail;
    close(fd);
    return 1;
fail:
    hp_cli_error(cmd, "cannot write %s: %s", pattern, strerror(errno));
    close(fd);
    unlink(pattern);
    return 0;
}

/* Atomically make `dst` hold data: a new file in the configuration's
 * folder, renamed over dst. */
static int put_file(const char *cmd, const struct cnf_file_st *f,
                    const char *dst, const char *data, size_t len)
{
    const char *slash = strrchr(f->real, '/');
    char tmp[PATH_MAX + 32];
    int fd;

    snprintf(tmp, sizeof(tmp), "%.*s/.%s.hostpin-XXXXXX",
             (int)(slash - f->real), f->real, slash + 1);
    if (!write_new(cmd, f, data, len, tmp))
        return 0;
    if (rename(tmp, dst) != 0) {
        hp_cli_error(cmd, "cannot replace %s: %s", dst, strerror(errno));
        unlink(tmp);
        return 0;
    }
    tmp[slash - f->real] = '\0';
    if ((fd = open(tmp, O_RDONLY | O_DIRECTORY)) >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    return 1;
}

/* Check a text as a configuration, from a temporary copy: OpenSSL reads
 * relative .include paths from the working folder, not the file's. */
static int check_text(const char *cmd, const struct cnf_file_st *f,
                      const struct text_st *t, struct check_st *c)
{
    const char *dir = getenv("TMPDIR");
    char tmp[PATH_MAX];
    size_t len;
    char *data = text_join(t, &len);
    int ok;

    if (data == NULL) {
        hp_cli_error(cmd, "out of memory");
        return 0;
    }
    snprintf(tmp, sizeof(tmp), "%s/hostpin-cnf.XXXXXX",
             dir != NULL && *dir == '/' ? dir : "/tmp");
    ok = write_new(cmd, f, data, len, tmp);
    free(data);
    if (ok) {
        child_check(tmp, c);
        unlink(tmp);
    }
    return ok;
}

static int same_bytes(const struct text_st *t, const char *data, size_t len)
{
    size_t n;
    char *j = text_join(t, &n);
    int same = j != NULL && n == len && memcmp(j, data, len) == 0;

    free(j);
    return same;
}

/* Does the backup beside the file hold exactly `t`? */
static int backup_is(const struct cnf_file_st *f, const struct text_st *t)
{
    char bak[PATH_MAX + 32];
    FILE *fp;
    char *data = malloc(HP_CNF_MAX + 1);
    size_t n;
    int same = 0;

    snprintf(bak, sizeof(bak), "%s" HP_BACKUP_SUFFIX, f->real);
    if (data != NULL && (fp = fopen(bak, "rb")) != NULL) {
        n = fread(data, 1, HP_CNF_MAX + 1, fp);
        same = !ferror(fp) && n <= HP_CNF_MAX && same_bytes(t, data, n);
        fclose(fp);
    }
    free(data);
    return same;
}

/* Replace the file with `t`, keeping the old bytes as the backup (or,
 * with drop_backup, removing a backup that `t` equals); check the file
 * in place and put the old bytes back unless it passes. */
static int install(const char *cmd, const struct cnf_file_st *f,
                   const struct text_st *t, const struct check_st *before,
                   int want_hostpin, int drop_backup)
{
    char bak[PATH_MAX + 32];
    struct check_st after;
    struct stat now;
    size_t len;
    char *data = text_join(t, &len);
    int ok;

    snprintf(bak, sizeof(bak), "%s" HP_BACKUP_SUFFIX, f->real);
    /* Someone else's change since it was read would be lost: stop. */
    if (stat(f->real, &now) != 0 || now.st_ino != f->st.st_ino ||
        now.st_size != f->st.st_size ||
        now.st_mtim.tv_sec != f->st.st_mtim.tv_sec ||
        now.st_mtim.tv_nsec != f->st.st_mtim.tv_nsec) {
        hp_cli_error(cmd, "%s changed while hostpin was working; not "
                     "replaced, try again", f->name);
        free(data);
        return 0;
    }
    ok = data != NULL &&
         (drop_backup || put_file(cmd, f, bak, f->data, f->len)) &&
         put_file(cmd, f, f->real, data, len);
    free(data);
    if (!ok)
        return 0;
    child_check(f->real, &after);
    if (!judge(cmd, before, &after, want_hostpin)) {
        if (put_file(cmd, f, f->real, f->data, f->len))
            hp_cli_error(cmd, "rolled back: %s is as it was", f->name);
        else
            hp_cli_error(cmd, "ROLLBACK FAILED: restore %s from %s", f->name,
                         bak);
        return 0;
    }
    if (drop_backup)
        unlink(bak);
    return 1;
}

/* ---- the commands ---- */

static const char enable_usage[] =
    "Usage: hostpin enable [OPTION]...\n"
    "Enable the hostpin provider for every program that loads the system\n"
    "OpenSSL configuration (OpenSSL's default openssl.cnf, or $OPENSSL_CONF\n"
    "if set), keeping default and every provider already active.  Lines\n"
    "added are marked; hostpin disable removes exactly them.\n\n"
    "Refuses while `hostpin lint` finds errors in the pins file.  The new\n"
    "file is loaded in a new process before and after it replaces the old\n"
    "one, and the change is rolled back unless OpenSSL loads it, the\n"
    "providers active before still are, the default provider works and\n"
    "hostpin is active.  The old file is kept as FILE" HP_BACKUP_SUFFIX ".\n"
    "Enabling again changes nothing.\n\n"
    "Options:\n"
    "  --openssl-cnf FILE  edit FILE instead\n"
    "  --pins FILE         the pins file (default " HP_DEFAULT_PINS_FILE ")\n"
    "  --module PATH       the module (default: hostpin.so in OpenSSL's\n"
    "                      modules folder)\n"
    "  --dry-run           check, print the new file, change nothing\n"
    "  -h, --help          show this help\n\n"
    "Exit status: 0 enabled (or already), 1 refused or rolled back, 64\n"
    "usage error.\n";

static const char disable_usage[] =
    "Usage: hostpin disable [OPTION]...\n"
    "Remove what hostpin enable added to the system OpenSSL configuration\n"
    "(OpenSSL's default openssl.cnf, or $OPENSSL_CONF if set), giving the\n"
    "file back as it was before.  Lines not added by hostpin enable are\n"
    "left alone.  The file is checked as for enable, without hostpin, and\n"
    "the change rolled back if OpenSSL would not load it.\n\n"
    "Options:\n"
    "  --openssl-cnf FILE  edit FILE instead\n"
    "  --dry-run           check, print the new file, change nothing\n"
    "  -h, --help          show this help\n\n"
    "Exit status: 0 disabled (or was not enabled), 1 failed, 64 usage "
    "error.\n";

struct opts_st {
    const char *cmd;
    char cnf[PATH_MAX];
    char pins[PATH_MAX];
    char module[PATH_MAX];
    int dry_run;
};

/* An absolute path, written into openssl.cnf as a plain value. */
static int set_path(const char *cmd, const char *opt, const char *v,
                    char *out)
{
    char cwd[PATH_MAX];
    size_t n = strlen(v);

    if (n == 0 || strpbrk(v, "$#\\\"'\n\r\t") != NULL || v[0] == ' ' ||
        v[n - 1] == ' ') {
        hp_cli_usage(cmd, "%s: '%s' cannot be written into openssl.cnf as "
                          "it is (use a path without $ # \\ quotes or "
                          "surrounding spaces)", opt, v);
        return 0;
    }
    if (v[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL) {
        snprintf(out, PATH_MAX, "%s", v);
    } else if (snprintf(out, PATH_MAX, "%s/%s", cwd, v) >= PATH_MAX) {
        hp_cli_usage(cmd, "%s: path too long", opt);
        return 0;
    }
    return 1;
}

static int parse_opts(int argc, char **argv, struct opts_st *o, int enable)
{
    enum { OPT_CNF = 256, OPT_PINS, OPT_MODULE, OPT_DRY, OPT_CHILD };
    static const struct option opts[] = {
        { "openssl-cnf", required_argument, NULL, OPT_CNF },
        { "pins", required_argument, NULL, OPT_PINS },
        { "module", required_argument, NULL, OPT_MODULE },
        { "dry-run", no_argument, NULL, OPT_DRY },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *mods = OpenSSL_version(OPENSSL_MODULES_DIR), *q;
    char *def;
    int c;

    /* OpenSSL_version(OPENSSL_MODULES_DIR) reads MODULESDIR: "/path". */
    q = strchr(mods, '"');
    snprintf(o->module, PATH_MAX, "%.*s/hostpin.so",
             q != NULL && strchr(q + 1, '"') != NULL
                 ? (int)(strchr(q + 1, '"') - q - 1) : 0,
             q != NULL ? q + 1 : "");
    snprintf(o->pins, PATH_MAX, "%s", HP_DEFAULT_PINS_FILE);
    def = CONF_get1_default_config_file();
    snprintf(o->cnf, PATH_MAX, "%s", def != NULL ? def : "");
    OPENSSL_free(def);
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == OPT_CNF) {
            snprintf(o->cnf, PATH_MAX, "%s", optarg);
        } else if (c == OPT_PINS && enable) {
            if (!set_path(o->cmd, "--pins", optarg, o->pins))
                return HP_EXIT_USAGE;
        } else if (c == OPT_MODULE && enable) {
            if (!set_path(o->cmd, "--module", optarg, o->module))
                return HP_EXIT_USAGE;
        } else if (c == OPT_DRY) {
            o->dry_run = 1;
        } else if (c == 'h') {
            fputs(enable ? enable_usage : disable_usage, stdout);
            return 0;
        } else if (c == OPT_PINS || c == OPT_MODULE) {
            return hp_cli_usage(o->cmd, "%s is an option of hostpin enable",
                                argv[optind - 1]);
        } else {
            return hp_cli_bad_option(o->cmd, argv, c);
        }
    }
    if (optind < argc)
        return hp_cli_usage(o->cmd, "takes no arguments ('%s')",
                            argv[optind]);
    if (o->cnf[0] == '\0')
        return hp_cli_usage(o->cmd, "OpenSSL names no configuration file; "
                                    "give --openssl-cnf FILE");
    return -1;
}

static void print_lint(const struct hp_lint_item_st *it, void *arg)
{
    int *warnings = arg;

    if (!hp_lint_is_error(it->code)) {
        (*warnings)++;
        return;
    }
    if (it->line > 0)
        fprintf(stderr, "%s:%d: error: %s\n", it->file, it->line, it->msg);
    else
        fprintf(stderr, "%s: error: %s\n", it->file, it->msg);
}

static int lint_pins(const struct opts_st *o)
{
    struct hp_lint_opts_st lo = { (int64_t)time(NULL), 30 };
    int warnings = 0;

    if (hp_conf_lint_file(o->pins, &lo, print_lint, &warnings, NULL) != 1) {
        hp_cli_error(o->cmd, "refusing: the pins file %s has errors (see "
                     "above); with on_error = fail-closed every TLS client "
                     "verification on the machine would fail", o->pins);
        return 0;
    }
    if (warnings > 0)
        fprintf(stderr, "%s: valid, %d warning%s (hostpin lint %s shows "
                        "them)\n", o->pins, warnings,
                warnings == 1 ? "" : "s", o->pins);
    return 1;
}

static void print_providers(const struct check_st *c)
{
    size_t i;
    int a;

    for (a = 0; a < HP_NAPPS; a++) {
        const struct app_check_st *ac = &c->app[a];

        if (a == 0)
            printf("Checked in a new process: OpenSSL loads it; active "
                   "providers:");
        else
            printf("                          %s: active providers:",
                   app_label[a]);
        for (i = 0; i < ac->nprov; i++)
            printf("%s %s", i ? "," : "", ac->prov[i]);
        printf("\n");
    }
}

/* Print a text (dry run) and say nothing was changed. */
static void dry_run(const struct opts_st *o, const struct text_st *t)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        fputs(t->line[i], stdout);
    fprintf(stderr, "hostpin %s: dry run: %s not changed\n", o->cmd, o->cnf);
}

static int do_enable(const struct opts_st *o)
{
    struct cnf_file_st f;
    struct text_st cur = { 0 }, base = { 0 }, next = { 0 };
    struct check_st before, after;
    CONF *conf = NULL;
    char err[1100] = "";
    const char *byhand;
    int removed, rc = 1, add_default[HP_NAPPS] = { 0 }, round, a, more;

    if (!lint_pins(o) || !read_cnf(o->cmd, o->cnf, &f))
        goto end;
    if (!text_split(f.data, f.len, &cur)) {
        snprintf(err, sizeof(err), "it holds a NUL byte");
        goto refuse;
    }
    if (!strip_ours(&cur, &base, &removed, err, sizeof(err)) ||
        (conf = cnf_parse(&base, err, sizeof(err))) == NULL)
        goto refuse;
    if ((byhand = listed_hostpin(conf, apps[0])) != NULL) {
        printf("%s already lists hostpin (as \"%s\", not added by hostpin "
               "enable); nothing changed\n", o->cnf, byhand);
        if (!node_shares(conf))
            printf("Note: Node.js reads only the section nodejs_conf names, "
                   "and that one does not load hostpin: point nodejs_conf at "
                   "the same section as openssl_conf (hostpin(7))\n");
        rc = 0;
        goto end;
    }
    if (!check_text(o->cmd, &f, &base, &before))
        goto end;
    for (a = 0; a < HP_NAPPS; a++)
        if (!before.app[a].loaded) {
            snprintf(err, sizeof(err), "%s cannot load it even without "
                     "hostpin: %.900s; fix that first", app_label[a],
                     before.app[a].error);
            goto refuse;
        }
    /* Where the file lists providers, the default provider may have been
     * active only implicitly; a list with hostpin in it ends that
     * (DESIGN 1, fallback loading).  Try without, then with, for each
     * initialisation that lost it. */
    for (round = 0; round < 2; round++) {
        text_free(&next);
        if (!build_enabled(&base, conf, o->module, o->pins, add_default,
                           &next, err, sizeof(err)))
            goto refuse;
        if (same_bytes(&next, f.data, f.len)) {
            printf("hostpin is already enabled in %s (module %s, pins %s); "
                   "nothing changed\n", o->cnf, o->module, o->pins);
            rc = 0;
            goto end;
        }
        if (!check_text(o->cmd, &f, &next, &after))
            goto end;
        for (a = more = 0; a < HP_NAPPS; a++)
            if (after.app[a].loaded && !add_default[a] &&
                has_provider(&before.app[a], "default") &&
                !has_provider(&after.app[a], "default") &&
                provider_section(conf, apps[a]) != NULL)
                add_default[a] = more = 1;
        if (!more)
            break;
    }
    if (!judge(o->cmd, &before, &after, 1)) {
        hp_cli_error(o->cmd, "%s not changed", o->cnf);
        goto end;
    }
    if (o->dry_run) {
        dry_run(o, &next);
        rc = 0;
        goto end;
    }
    if (!install(o->cmd, &f, &next, &before, 1, 0))
        goto end;
    printf("Enabled hostpin in %s%s%s (module %s, pins %s)\n", o->cnf,
           strcmp(o->cnf, f.real) != 0 ? ", that is " : "",
           strcmp(o->cnf, f.real) != 0 ? f.real : "", o->module, o->pins);
    printf("Backup of the previous file: %s" HP_BACKUP_SUFFIX "\n", f.real);
    print_providers(&after);
    printf("Programs started from now on pin; hostpin ps lists those "
           "running that need a restart\n");
    rc = 0;
    goto end;
refuse:
    hp_cli_error(o->cmd, "refusing to change %s: %s", o->cnf,
                 err[0] ? err : "out of memory");
end:
    NCONF_free(conf);
    text_free(&cur);
    text_free(&base);
    text_free(&next);
    free(f.data);
    return rc;
}

static int do_disable(const struct opts_st *o)
{
    struct cnf_file_st f;
    struct text_st cur = { 0 }, base = { 0 };
    struct check_st before, after;
    CONF *conf = NULL;
    char err[1100] = "";
    const char *byhand;
    int removed, rc = 1, restores;

    if (!read_cnf(o->cmd, o->cnf, &f))
        goto end;
    if (!text_split(f.data, f.len, &cur))
        snprintf(err, sizeof(err), "it holds a NUL byte");
    else
        strip_ours(&cur, &base, &removed, err, sizeof(err));
    if (err[0] != '\0') {
        hp_cli_error(o->cmd, "%s not changed: %s", o->cnf, err);
        goto end;
    }
    if (removed == 0) {
        conf = cnf_parse(&cur, err, sizeof(err));
        if (conf != NULL && (byhand = listed_hostpin(conf, apps[0])) != NULL) {
            hp_cli_error(o->cmd, "%s lists hostpin (as \"%s\") but not "
                         "through hostpin enable; remove it by hand",
                         o->cnf, byhand);
            goto end;
        }
        printf("hostpin is not enabled in %s; nothing changed\n", o->cnf);
        rc = 0;
        goto end;
    }
    /* May fail to load (a module removed since): then only `after`
     * counts. */
    child_check(f.real, &before);
    if (!check_text(o->cmd, &f, &base, &after))
        goto end;
    if (!judge(o->cmd, &before, &after, 0)) {
        hp_cli_error(o->cmd, "%s not changed", o->cnf);
        goto end;
    }
    if (o->dry_run) {
        dry_run(o, &base);
        rc = 0;
        goto end;
    }
    /* A backup of exactly what is restored now says nothing more. */
    restores = backup_is(&f, &base);
    if (!install(o->cmd, &f, &base, &before, 0, restores))
        goto end;
    printf("Disabled hostpin in %s: removed the %d place%s hostpin enable "
           "had changed\n", o->cnf, removed, removed == 1 ? "" : "s");
    if (restores)
        printf("The file is again exactly as before hostpin enable; removed "
               "the backup %s" HP_BACKUP_SUFFIX "\n", f.real);
    else
        printf("Backup of the previous file: %s" HP_BACKUP_SUFFIX "\n",
               f.real);
    print_providers(&after);
    rc = 0;
end:
    NCONF_free(conf);
    text_free(&cur);
    text_free(&base);
    free(f.data);
    return rc;
}

int hp_cli_enable(int argc, char **argv)
{
    struct opts_st o;
    int rc;

    if (argc == 4 && strcmp(argv[1], "--child-check") == 0)
        return child_main(argv[2], argv[3]);
    memset(&o, 0, sizeof(o));
    o.cmd = "enable";
    if ((rc = parse_opts(argc, argv, &o, 1)) >= 0)
        return rc;
    return do_enable(&o);
}

int hp_cli_disable(int argc, char **argv)
{
    struct opts_st o;
    int rc;

    memset(&o, 0, sizeof(o));
    o.cmd = "disable";
    if ((rc = parse_opts(argc, argv, &o, 0)) >= 0)
        return rc;
    return do_disable(&o);
}
