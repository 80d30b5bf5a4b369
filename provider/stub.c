/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin.so's side of the split (core_api.h): the verification hook's
 * registration, the digest cache's slots, and the core, opened on first use.
 *
 * OpenSSL has no provider API for certificate verification; what it has is
 * ex_data: X509_STORE_CTX_init() ends with CRYPTO_new_ex_data(), which calls
 * our new_func after ctx->verify was assigned.  We save that function and
 * put ours in its place; verify_chain() calls it once the chain is built
 * and names, extensions and revocation were checked (x509_vfy.c).  Ours
 * loads the core once and hands it the context. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <syslog.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/store.h>
#include <openssl/x509.h>

#include "core_api.h"
#include "hostpin.h"
#include "stub.h"
#include "sysfile.h"

#define HP_ON_ERROR_MAX 32

static _Atomic int hook_idx = -1;
static _Atomic int cache_idx = -1;

/* ex_data holds data pointers; a union carries the function pointer. */
union verify_ptr {
    X509_STORE_CTX_verify_fn fn;
    void *p;
};

static int hook_verify(X509_STORE_CTX *ctx);

/* Settings of the first activation: written by the activation that wins
 * `configured`, read once `settings_ready` says so. */
static _Atomic int configured, settings_ready;
static char set_pins[PATH_MAX], set_on_error[HP_ON_ERROR_MAX];
static int has_pins, has_on_error, fail_open;

/* Memory for the digest cache, from the core's dispatch table. */
static OSSL_FUNC_CRYPTO_zalloc_fn *cache_zalloc;
static OSSL_FUNC_CRYPTO_free_fn *cache_free_fn;

static pthread_once_t core_once = PTHREAD_ONCE_INIT;
static const struct hp_core_api_st *_Atomic core;
/* Written by the first activation (hp_stub_configure) or first_load
 * (pthread_once), read after them. */
static char core_path[PATH_MAX];
/* The core as it was when the process started (open_started): -1 if it
 * could not be opened then; closed once the core is loaded. */
static int core_fd = -1;
static dev_t core_dev;
static ino_t core_ino;
static char core_error[2 * PATH_MAX];
static int permanent; /* no retry can help */
/* Retries: the one holding `retrying` owns retry_error. */
static _Atomic unsigned misses;
static _Atomic int retrying;
static char retry_error[2 * PATH_MAX];
static struct hp_stub_api_st stub_api;

/* Stands in when the saved function could not be stored: fail closed. */
static int verify_oom(X509_STORE_CTX *ctx)
{
    const struct hp_rare_st *r = hp_rare();

    if (r != NULL)
        r->set_error(ctx, X509_V_ERR_OUT_OF_MEM);
    return 0;
}

/* libcrypto's own verify function (internal_verify, x509_vfy.c), learnt
 * from the first context whose store sets none. */
static _Atomic(X509_STORE_CTX_verify_fn) default_verify;

/* What X509_STORE_CTX_init assigned to ctx->verify: the store's function,
 * else the internal one.  Such contexts need no ex_data of ours: storing
 * it (CRYPTO_set_ex_data allocates the context's stack, freed with it)
 * cost 800 instructions per verification, 0.1% of an RSA verify. */
static X509_STORE_CTX_verify_fn init_verify(X509_STORE_CTX *ctx)
{
    X509_STORE *store = X509_STORE_CTX_get0_store(ctx);
    X509_STORE_CTX_verify_fn fn = store != NULL ? X509_STORE_get_verify(store)
                                                : NULL;

    return fn != NULL ? fn : atomic_load(&default_verify);
}

static void hook_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
                     long argl, void *argp)
{
    X509_STORE_CTX *ctx = parent;
    X509_STORE *store = X509_STORE_CTX_get0_store(ctx);
    X509_STORE_CTX_verify_fn expect = NULL;
    union verify_ptr saved;

    (void)ptr;
    (void)argl;
    (void)argp;
    /* May run on another thread before hp_stub_install has stored it. */
    atomic_store_explicit(&hook_idx, idx, memory_order_relaxed);
    saved.fn = X509_STORE_CTX_get_verify(ctx);
    if (saved.fn == hook_verify || saved.fn == verify_oom)
        return;
    if (store == NULL || X509_STORE_get_verify(store) == NULL)
        atomic_compare_exchange_strong(&default_verify, &expect, saved.fn);
    if (saved.fn == init_verify(ctx)) {
        X509_STORE_CTX_set_verify(ctx, hook_verify);
        return;
    }
    if (CRYPTO_set_ex_data(ad, idx, saved.p))
        X509_STORE_CTX_set_verify(ctx, hook_verify);
    else
        X509_STORE_CTX_set_verify(ctx, verify_oom);
}

/* The digest cache's slot, made with the certificate (chain.c). */
static void cache_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
                      long argl, void *argp)
{
    struct hp_digest_cache_st *c =
        cache_zalloc(sizeof(*c), OPENSSL_FILE, OPENSSL_LINE);

    (void)ptr;
    (void)argl;
    (void)argp;
    if (c == NULL)
        return;
    c->owner = parent;
    if (!CRYPTO_set_ex_data(ad, idx, c))
        cache_free_fn(c, OPENSSL_FILE, OPENSSL_LINE);
}

static void cache_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
                       long argl, void *argp)
{
    struct hp_digest_cache_st *c = ptr;

    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    if (c != NULL && c->owner == parent)
        cache_free_fn(c, OPENSSL_FILE, OPENSSL_LINE);
}

/* A copy gets its own (empty) cache, never the original's pointer. */
static int cache_dup(CRYPTO_EX_DATA *to, const CRYPTO_EX_DATA *from,
                     void **from_d, int idx, long argl, void *argp)
{
    (void)to;
    (void)from;
    (void)idx;
    (void)argl;
    (void)argp;
    *from_d = NULL;
    return 1;
}

/* The few string operations hostpin.so needs, written out rather than
 * imported (stub.h). */
static size_t copy(char *dst, size_t size, const char *src)
{
    size_t n = 0;

    for (; n + 1 < size && src[n] != '\0'; n++)
        dst[n] = src[n];
    dst[n] = '\0';
    return src[n] == '\0' ? n : 0; /* 0: did not fit */
}

int hp_stub_equal(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b)
        a++, b++;
    return *a == *b;
}

static pthread_once_t rare_once = PTHREAD_ONCE_INIT;
static struct hp_rare_st rare;
static int rare_ok;

/* A libcrypto function by name.  libcrypto is this module's dependency,
 * so the caller's scope has it (hostpin.h, HP_OSSL_SYMVER): no
 * dlopen(RTLD_NOLOAD), which compares its name with every object's of the
 * program (8,000 instructions in curl). */
static void *crypto_fn(const char *name)
{
    return dlvsym(RTLD_DEFAULT, name, HP_OSSL_SYMVER);
}

static void rare_init(void)
{
    *(void **)&rare.param_locate = crypto_fn("OSSL_PARAM_locate");
    *(void **)&rare.param_set_int = crypto_fn("OSSL_PARAM_set_int");
    *(void **)&rare.param_set_utf8_ptr = crypto_fn("OSSL_PARAM_set_utf8_ptr");
    *(void **)&rare.parent_ctx = crypto_fn("X509_STORE_CTX_get0_parent_ctx");
    *(void **)&rare.set_error = crypto_fn("X509_STORE_CTX_set_error");
    *(void **)&rare.syslog = dlsym(RTLD_DEFAULT, "syslog");
    *(void **)&rare.dlerror = dlsym(RTLD_DEFAULT, "dlerror");
    *(void **)&rare.dladdr = dlsym(RTLD_DEFAULT, "dladdr");
    *(void **)&rare.err_peek_last_error_func =
        crypto_fn("ERR_peek_last_error_func");
    *(void **)&rare.err_load_strings = crypto_fn("ERR_load_strings");
    rare_ok = rare.param_locate != NULL && rare.param_set_int != NULL &&
              rare.param_set_utf8_ptr != NULL && rare.parent_ctx != NULL &&
              rare.set_error != NULL && rare.syslog != NULL &&
              rare.dlerror != NULL && rare.dladdr != NULL &&
              rare.err_peek_last_error_func != NULL &&
              rare.err_load_strings != NULL;
}

const struct hp_rare_st *hp_rare(void)
{
    pthread_once(&rare_once, rare_init);
    return rare_ok ? &rare : NULL;
}

static pthread_once_t issuer_once = PTHREAD_ONCE_INIT;
static struct hp_issuer_st issuer_fns;
static int issuer_ok;

static void issuer_init(void)
{
    *(void **)&issuer_fns.set_get_issuer =
        crypto_fn("X509_STORE_set_get_issuer");
    *(void **)&issuer_fns.get1_issuer = crypto_fn("X509_STORE_CTX_get1_issuer");
    issuer_ok = issuer_fns.set_get_issuer != NULL &&
                issuer_fns.get1_issuer != NULL;
}

const struct hp_issuer_st *hp_issuer(void)
{
    pthread_once(&issuer_once, issuer_init);
    return issuer_ok ? &issuer_fns : NULL;
}

/* Why dlopen(path) failed.  The first failure's message is gone once
 * libc's dlerror has been looked up (any dl call replaces it), so the
 * rare functions are looked up first and the file is tried again: the
 * common path, where the core loads, never pays for the lookups. */
static const char *dl_failure(const char *path)
{
    const struct hp_rare_st *r = hp_rare();

    if (r == NULL)
        return "cannot look up dlerror";
    if (dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) != NULL)
        return "it loaded on a second attempt; restart the program";
    return r->dlerror();
}

/* An issuer the store does not have may be an anchor of the connection's
 * hosts (anchor.c); only then is the core asked, and loaded. */
static _Atomic int anchors = HP_ANCHORS_UNKNOWN;

/* OpenSSL 4.0 made the certificate of X509_STORE_CTX_get_issuer_fn const. */
#if OPENSSL_VERSION_MAJOR >= 4
#define HP_ISSUER_OF const X509
#else
#define HP_ISSUER_OF X509
#endif

static int store_get_issuer(X509 **issuer, X509_STORE_CTX *ctx,
                            HP_ISSUER_OF *x)
{
    const struct hp_issuer_st *r = hp_issuer();
    const struct hp_core_api_st *c;
    int ret;

    if (r == NULL)
        return 0;
    /* Most lookups that miss are for a chain of a set with no anchors:
     * no call into the core for those. */
    if ((ret = r->get1_issuer(issuer, ctx, x)) != 0 ||
        atomic_load_explicit(&anchors, memory_order_relaxed) ==
            HP_ANCHORS_NONE ||
        (c = hp_stub_core()) == NULL)
        return ret;
    return c->anchor_issuer(issuer, ctx, x);
}

/* Every store made after activation gets the issuer lookup above.  Here,
 * when the store is made, rather than with each context: a context copies
 * the store's lookup in X509_STORE_CTX_init, before hook_new runs, so the
 * first context of a store would miss it, and a one-shot program has no
 * other. */
static void store_new(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
                      long argl, void *argp)
{
    const struct hp_issuer_st *r = hp_issuer();

    (void)ptr;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    if (r != NULL && parent != NULL)
        r->set_get_issuer(parent, store_get_issuer);
}

/* Register once per process against the global default library context:
 * X509_STORE_CTX_init and X509_new always use that one's ex_data registry.
 * Nothing else happens here: no file is read, nothing is loaded. */
int hp_stub_install(OSSL_FUNC_CRYPTO_zalloc_fn *zalloc,
                    OSSL_FUNC_CRYPTO_free_fn *free_fn)
{
    OSSL_LIB_CTX *prev;
    int idx, cidx = -1;

    cache_zalloc = zalloc;
    cache_free_fn = free_fn;
    prev = OSSL_LIB_CTX_set0_default(OSSL_LIB_CTX_get0_global_default());
    /* Without the cache, digests are still right, only not kept. */
    if (zalloc != NULL && free_fn != NULL)
        cidx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_X509, 0, NULL,
                                       cache_new, cache_dup, cache_free);
    idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_X509_STORE_CTX, 0, NULL,
                                  hook_new, NULL, NULL);
    /* Without it, anchors are not offered; pins still apply. */
    CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_X509_STORE, 0, NULL, store_new,
                            NULL, NULL);
    OSSL_LIB_CTX_set0_default(prev);
    atomic_store(&cache_idx, cidx);
    if (idx < 0)
        return 0;
    atomic_store(&hook_idx, idx);
    return 1;
}

static int locate_core(const char *module);
static void open_started(void);

/* The first provider activation in the process decides the settings; the
 * core reads (and judges) them when it is loaded. */
void hp_stub_configure(const char *pins, const char *on_error,
                       const char *module)
{
    int expect = 0;

    if (!atomic_compare_exchange_strong(&configured, &expect, 1)) {
        /* Another activation is copying them: wait for it (a few bytes;
         * a lock would be two more imports), so that nothing verifies
         * with settings half written. */
        while (!atomic_load(&settings_ready))
            ;
        return;
    }
    /* A value that does not fit is kept whole or not at all: an unusable
     * path then makes the pins file unusable, never another file. */
    if (pins != NULL) {
        has_pins = 1;
        if (copy(set_pins, sizeof(set_pins), pins) == 0 && *pins != '\0')
            copy(set_pins, sizeof(set_pins), HP_PINS_TOO_LONG);
    }
    if (on_error != NULL) {
        has_on_error = 1;
        copy(set_on_error, sizeof(set_on_error), on_error);
    }
    fail_open = on_error != NULL && hp_stub_equal(on_error, "fail-open");
    if (module != NULL && locate_core(module))
        open_started();
    atomic_store(&settings_ready, 1);
}

/* Say why into err: what, then " path", then ": detail". */
static void say(char *err, size_t size, const char *what, const char *path,
                const char *detail)
{
    size_t n = copy(err, size, what);

    if (path != NULL) {
        n += copy(err + n, size - n, " ");
        n += copy(err + n, size - n, path);
    }
    if (detail != NULL) {
        n += copy(err + n, size - n, ": ");
        copy(err + n, size - n, detail);
    }
}

static void log_missing(void)
{
    const struct hp_rare_st *r = hp_rare();

    if (r != NULL)
        r->syslog(LOG_AUTH | LOG_ERR, "hostpin: %s; certificates are %s",
              core_error, fail_open ? "NOT pinned (on_error = fail-open)"
                                    : "refused (on_error = fail-closed)");
}

/* hostpin-core.so is the file of that name beside hostpin.so, which must
 * have been loaded by an absolute path: whoever may replace one may
 * replace the other, and neither a variable nor the working directory can
 * move it.  0 (core_path empty) if the path is unusable. */
static int locate_core(const char *module)
{
    size_t dir = 0, i;

    if (module[0] != '/')
        return 0;
    /* One pass (it runs in every program): copy, noting where the
     * folder ends. */
    for (i = 0; i < sizeof(core_path) && module[i] != '\0'; i++)
        if ((core_path[i] = module[i]) == '/')
            dir = i + 1;
    if (i == sizeof(core_path) ||
        copy(core_path + dir, sizeof(core_path) - dir, HP_CORE_FILE) == 0) {
        core_path[0] = '\0';
        return 0;
    }
    return 1;
}

/* Open the core when the process starts, and load that file later
 * (load_started): a package upgrade replaces files by rename, so a
 * program that started before it keeps the core its hostpin.so was built
 * with, instead of a new one that may not fit it.  One open(), no read:
 * the cost of a process that never verifies stays what it was
 * (bench/README.md).  A descriptor below 3 is moved up, lest a program
 * that started with its standard streams closed take it for one. */
static void open_started(void)
{
    struct stat st;
    int fd = hp_file_open(core_path), up;

    if (fd >= 0 && fd < 3) {
        up = hp_file_dup(fd, 3);
        hp_file_close(fd);
        fd = up;
    }
    if (fd < 0)
        return; /* not there (yet): loaded by its path (attempt) */
    if (hp_file_stat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        hp_file_close(fd);
        return;
    }
    core_dev = st.st_dev;
    core_ino = st.st_ino;
    core_fd = fd;
}

/* Is fd the file open_started opened?  A program may have closed that
 * descriptor and opened something else under its number. */
static int is_started(int fd)
{
    struct stat st;

    return fd >= 0 && hp_file_stat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
           st.st_dev == core_dev && st.st_ino == core_ino;
}

static int path_is_started(void)
{
    int fd = hp_file_open(core_path), same = is_started(fd);

    if (fd >= 0)
        hp_file_close(fd);
    return same;
}

/* "/proc/self/fd/N" */
static void fd_path(char *buf, size_t size, int fd)
{
    char digits[12];
    size_t n = 0, len;

    do
        digits[n++] = (char)('0' + fd % 10);
    while ((fd /= 10) > 0 && n < sizeof(digits));
    len = copy(buf, size, "/proc/self/fd/");
    while (n > 0 && len + 1 < size)
        buf[len++] = digits[--n];
    buf[len] = '\0';
}

/* Load the core opened at start-up: through its descriptor, else (no
 * /proc, as in a chroot) by its path while that still names the same file.
 * A core replaced since is never loaded in its place. */
static void *load_started(char *err, size_t size)
{
    char fdname[32];
    int fd = hp_file_dup(core_fd, 3);
    void *h = NULL;

    /* A private copy of the descriptor: checked, then named, so that
     * what is loaded is what was checked. */
    if (fd < 0) {
        say(err, size, "cannot load", core_path, "no file descriptor left");
        return NULL;
    }
    if (is_started(fd)) {
        fd_path(fdname, sizeof(fdname), fd);
        h = dlopen(fdname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (h == NULL)
            say(err, size, "cannot load", core_path, dl_failure(fdname));
    }
    hp_file_close(fd);
    if (h != NULL)
        return h;
    if (!path_is_started()) {
        say(err, size, "restart the program: hostpin-core.so was replaced "
            "or removed since it started (hostpin upgraded?), and without "
            "/proc/self/fd the one it started with cannot be loaded:",
            core_path, NULL);
        return NULL;
    }
    h = dlopen(core_path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (h == NULL) {
        say(err, size, "cannot load", dl_failure(core_path), NULL);
        return NULL;
    }
    /* Replaced while it was being loaded: what was loaded is unknown. */
    if (!path_is_started()) {
        say(err, size, "restart the program: hostpin-core.so was replaced "
            "while it was being loaded (hostpin upgraded?):", core_path,
            NULL);
        return NULL;
    }
    return h;
}

/* One attempt at opening the core; on failure, why goes into err. */
static const struct hp_core_api_st *attempt(char *err, size_t size)
{
    hp_core_init_fn *init;
    const struct hp_core_api_st *c;
    void *h;

    if (core_fd >= 0) {
        h = load_started(err, size);
    } else {
        h = dlopen(core_path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (h == NULL)
            say(err, size, "cannot load", dl_failure(core_path), NULL);
    }
    if (h == NULL)
        return NULL;
    /* The interface number is in the symbol's name: a core built for
     * another one is refused before any of its code runs.  The version
     * need not match: a core that was missing when the program started
     * is loaded by its path, whichever package put it there. */
    *(void **)&init = dlsym(h, HP_CORE_INIT);
    if (init == NULL) {
        say(err, size, "not hostpin's core for this hostpin.so "
            HOSTPIN_VERSION " (no " HP_CORE_INIT "; install both together "
            "and restart the program):", core_path, NULL);
        return NULL;
    }
    c = init(&stub_api);
    if (c == NULL || c->abi != HP_CORE_ABI) {
        say(err, size, "refused the interface of this hostpin.so:",
            core_path, NULL);
        return NULL;
    }
    if (core_fd >= 0) {
        hp_file_close(core_fd);
        core_fd = -1;
    }
    return c;
}

/* The core's place: from the activation (locate_core), else from where
 * the dynamic loader says hostpin.so is. */
static void first_load(void)
{
    const struct hp_core_api_st *c;
    Dl_info info;

    permanent = 1;
    if (core_path[0] == '\0') {
        const struct hp_rare_st *r = hp_rare();
        const char *so = r != NULL && r->dladdr((void *)hook_new, &info) != 0
                             ? info.dli_fname : NULL;

        if (so == NULL || so[0] != '/') {
            say(core_error, sizeof(core_error), "cannot tell the folder of "
                "hostpin.so (name it by an absolute path in openssl.cnf) "
                "to load", HP_CORE_FILE, NULL);
            log_missing();
            return;
        }
        if (!locate_core(so)) {
            say(core_error, sizeof(core_error), "path too long:", so, NULL);
            log_missing();
            return;
        }
    }
    stub_api.abi = HP_CORE_ABI;
    stub_api.version = HOSTPIN_VERSION;
    stub_api.pins = has_pins ? set_pins : NULL;
    stub_api.on_error = has_on_error ? set_on_error : NULL;
    stub_api.cache_idx = atomic_load(&cache_idx);
    stub_api.vraise = hp_prov_vraise;
    stub_api.anchors = &anchors;
    permanent = 0;
    if ((c = attempt(core_error, sizeof(core_error))) != NULL)
        atomic_store_explicit(&core, c, memory_order_release);
    else
        log_missing();
}

const struct hp_core_api_st *hp_stub_core(void)
{
    const struct hp_core_api_st *c =
        atomic_load_explicit(&core, memory_order_acquire);
    int expect = 0;

    if (c != NULL)
        return c;
    pthread_once(&core_once, first_load);
    if ((c = atomic_load_explicit(&core, memory_order_acquire)) != NULL ||
        permanent)
        return c;
    /* A file being installed, a passing EMFILE or ENOMEM: every 64th call
     * that finds no core tries again, one caller at a time; the others go
     * on without it.  core_error keeps the first failure. */
    if ((atomic_fetch_add(&misses, 1) & 63) == 63 &&
        atomic_compare_exchange_strong(&retrying, &expect, 1)) {
        const struct hp_rare_st *r = hp_rare();

        if ((c = attempt(retry_error, sizeof(retry_error))) != NULL) {
            atomic_store_explicit(&core, c, memory_order_release);
            r->syslog(LOG_AUTH | LOG_NOTICE, "hostpin: loaded %s after an "
                      "earlier failure", core_path);
        }
        atomic_store(&retrying, 0);
    }
    return c;
}

const char *hp_stub_core_error(void)
{
    return hp_stub_core() == NULL ? core_error : NULL;
}

static int hook_verify(X509_STORE_CTX *ctx)
{
    const struct hp_core_api_st *c;
    const struct hp_rare_st *r;
    union verify_ptr saved;

    saved.p = X509_STORE_CTX_get_ex_data(ctx, hook_idx);
    if (saved.fn == NULL && (saved.fn = init_verify(ctx)) == NULL)
        return verify_oom(ctx);
    if ((c = hp_stub_core()) != NULL)
        return c->verify(ctx, saved.fn);
    /* No core: an installation half done.  Every verification but a CRL
     * path's is refused: without the core, client and server contexts
     * cannot be told apart. */
    r = hp_rare();
    if (fail_open || (r != NULL && r->parent_ctx(ctx) != NULL))
        return saved.fn(ctx);
    HP_RAISE(HP_R_CORE, "%s; refusing verification (on_error = "
                        "fail-closed; the same in syslog: hostpin log, "
                        "and hostpin status)", core_error);
    if (r != NULL)
        r->set_error(ctx, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
}

/* The store: its dispatch table is here, so that fetching store loaders
 * (any OSSL_STORE_open) does not load the core; opening a hostpin: URI
 * does. */
static void *store_open(void *provctx, const char *uri)
{
    const struct hp_core_api_st *c = hp_stub_core();
    void *loaderctx = NULL;

    if (c != NULL)
        loaderctx = c->store_open(provctx, uri);
    else
        HP_RAISE(HP_R_CORE, "%s", core_error);
    return loaderctx;
}

static const OSSL_PARAM *store_settable(void *provctx)
{
    static const OSSL_PARAM params[] = {
        OSSL_PARAM_int(OSSL_STORE_PARAM_EXPECT, NULL),
        OSSL_PARAM_END
    };

    (void)provctx;
    return params;
}

/* A loader context exists only once the core is loaded. */
static const struct hp_core_api_st *loaded(void)
{
    return atomic_load_explicit(&core, memory_order_acquire);
}

static int store_set_params(void *loaderctx, const OSSL_PARAM params[])
{
    return loaded()->store_set_params(loaderctx, params);
}

static int store_load(void *loaderctx, OSSL_CALLBACK *object_cb,
                      void *object_cbarg, OSSL_PASSPHRASE_CALLBACK *pw_cb,
                      void *pw_cbarg)
{
    return loaded()->store_load(loaderctx, object_cb, object_cbarg, pw_cb,
                                pw_cbarg);
}

static int store_eof(void *loaderctx)
{
    return loaded()->store_eof(loaderctx);
}

static int store_close(void *loaderctx)
{
    return loaded()->store_close(loaderctx);
}

static const OSSL_DISPATCH store_functions[] = {
    { OSSL_FUNC_STORE_OPEN, (void (*)(void))store_open },
    { OSSL_FUNC_STORE_SETTABLE_CTX_PARAMS, (void (*)(void))store_settable },
    { OSSL_FUNC_STORE_SET_CTX_PARAMS, (void (*)(void))store_set_params },
    { OSSL_FUNC_STORE_LOAD, (void (*)(void))store_load },
    { OSSL_FUNC_STORE_EOF, (void (*)(void))store_eof },
    { OSSL_FUNC_STORE_CLOSE, (void (*)(void))store_close },
    { 0, NULL }
};

/* Only the scheme "hostpin": every other URI stays with its own loader. */
const OSSL_ALGORITHM hp_stub_store_algorithms[] = {
    { HP_STORE_SCHEME, "provider=hostpin", store_functions,
      "hostpin pin store: what the pins file pins" },
    { NULL, NULL, NULL, NULL }
};
