/* SPDX-License-Identifier: Apache-2.0 */
/* Internal interfaces of the hostpin provider module. */
#ifndef HOSTPIN_PROVIDER_H
#define HOSTPIN_PROVIDER_H

#include <limits.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <syslog.h>

#include <openssl/core.h>
#include <openssl/opensslv.h>
#include <openssl/x509_vfy.h>

#include "hostpin_conf.h"

/* The version node of every OpenSSL function hostpin looks up by name
 * (all date from the major release: OPENSSL_3.0.0, OPENSSL_4.0.0).
 * dlvsym(RTLD_DEFAULT, name, HP_OSSL_SYMVER) searches the caller's scope:
 * the program's global objects, then the caller's own dependencies, so
 * libcrypto is found even where the program loaded it privately; the
 * version keeps another major's library out. */
#define HP_OSSL_STR_(x) #x
#define HP_OSSL_STR(x) HP_OSSL_STR_(x)
#define HP_OSSL_SYMVER "OPENSSL_" HP_OSSL_STR(OPENSSL_VERSION_MAJOR) ".0.0"

/* Reason codes given to OpenSSL with the first error (provider.c). */
#define HP_R_PIN_MISMATCH 1
#define HP_R_PINS_FILE 2
#define HP_R_INTERNAL 3
#define HP_R_DENIED 4
#define HP_R_POLICY 5
#define HP_R_STORE_URI 6
#define HP_R_CORE 7

/* Provider parameter: why the core cannot be loaded ("": it can). */
#define HP_PARAM_CORE_ERROR "hostpin-core-error"

/* The URI scheme of the pin store (store.c, served by provider.c). */
#define HP_STORE_SCHEME "hostpin"

/* Raise an error through the core upcalls: provider.c in hostpin.so,
 * core.c (through hostpin.so) in the core. */
void hp_prov_raise(const char *func, int line, int reason, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
void hp_prov_vraise(const char *func, int line, int reason, const char *fmt,
                    va_list ap) __attribute__((format(printf, 4, 0)));
#define HP_RAISE(reason, ...) \
    hp_prov_raise(__func__, __LINE__, (reason), __VA_ARGS__)

/* log.c: syslog (never openlog) plus the optional debug stream. */
void hp_log(int prio, const char *func, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int hp_debug_enabled(void);
#define HP_LOG(prio, ...) hp_log((prio), __func__, __LINE__, __VA_ARGS__)
/* Debug only: nothing is formatted unless HOSTPIN_DEBUG is set. */
#define HP_DEBUG(...) \
    do { \
        if (hp_debug_enabled()) \
            hp_log(-1, __func__, __LINE__, __VA_ARGS__); \
    } while (0)

/* Stands for a pins path too long to keep (both halves): it can never be
 * opened, so the pins file is unusable rather than another file. */
#define HP_PINS_TOO_LONG "/dev/null/(pins path too long)"

/* state.c: provider settings and the process's pin set. */
struct hp_settings_st {
    char pins[PATH_MAX];
    int fail_open;
};
void hp_state_configure(const char *pins, const char *on_error);
/* A reader's hold on the current pin set: nothing it points to is freed
 * before hp_state_release.  ps is NULL if no valid set was ever loaded. */
struct hp_state_ref_st {
    unsigned slot;
    const struct hp_pinset_st *ps;
};
const struct hp_pinset_st *hp_state_acquire(struct hp_state_ref_st *ref);
void hp_state_release(struct hp_state_ref_st *ref);
/* Why the pins file could not be loaded (file:line: message). */
void hp_state_error(char *buf, size_t len);
int hp_state_fail_open(void);
/* Could the connection's IP matter to the current pin set?  A hint read
 * without holding the set (1 until a set is loaded): holders of a set ask
 * hp_pinset_ip_matters(set). */
int hp_state_ip_matters(void);
const char *hp_state_pins_path(void);
/* Where to say whether the set in force has anchors (core_api.h). */
void hp_state_anchors_flag(_Atomic int *flag);

/* conn.c (core): what a verification knows of its connection, and its
 * names (the name rule, conf/names.c). */
struct ssl_st;
struct hp_ssl_api_st;
struct hp_conn_st {
    X509_STORE_CTX *ctx;
    const struct hp_ssl_api_st *api;
    const struct ssl_st *ssl;
    struct hp_names_st nm;
    char *ip;                   /* from X509_VERIFY_PARAM_get1_ip_asc */
    int ip_read;                /* IP names collected (hp_pinset_ip_matters) */
    size_t cert_from;           /* fallback: the leaf's names start here */
};
/* The names the client gave (IP names if want_ip), replacing any. */
void hp_conn_names(struct hp_conn_st *c, int want_ip);
/* No usable name: the peer's address and every name of the leaf. */
void hp_conn_fallback(struct hp_conn_st *c, const struct hp_pinset_st *ps);
void hp_conn_free(struct hp_conn_st *c);

/* lazy.c (core): json-c, opened for the first report; 1, or 0 with *why
 * saying why it cannot be. */
int hp_lazy_jsonc(const char **why);

/* anchor.c (core): scoped trust anchors.  hp_anchor_issuer, as
 * X509_STORE_CTX_get1_issuer, when the store has no issuer of x: 1 with
 * *issuer (the caller's reference) if an anchor of the connection's hosts
 * issued x and every name the client could accept has an enforced rule
 * listing it.  hp_anchor_covers says the latter (*report: a report-mode
 * rule that would have).  hp_anchor_given: was an anchor given to this
 * context's chain?  Then 1 with its key's digest in spki (and forgotten). */
int hp_anchor_issuer(X509 **issuer, X509_STORE_CTX *ctx, const X509 *x);
int hp_anchor_covers(const struct hp_pinset_st *ps, const struct hp_conn_st *c,
                     const hp_digest spki, int64_t now,
                     const struct hp_rule_st **report);
int hp_anchor_given(const X509_STORE_CTX *ctx, hp_digest spki);

/* hook.c (core): decide on a built chain, then call `saved`. */
int hp_hook_verify(X509_STORE_CTX *ctx, X509_STORE_CTX_verify_fn saved);

/* store.c (core): the OSSL_STORE loader for hostpin: URIs. */
void *hp_store_open(void *provctx, const char *uri);
int hp_store_set_params(void *loaderctx, const OSSL_PARAM params[]);
int hp_store_load(void *loaderctx, OSSL_CALLBACK *object_cb,
                  void *object_cbarg, OSSL_PASSPHRASE_CALLBACK *pw_cb,
                  void *pw_cbarg);
int hp_store_eof(void *loaderctx);
int hp_store_close(void *loaderctx);

/* ssl.c: libssl reached at run time (it may be loaded privately). */
struct ssl_st;
struct hp_ssl_api_st {
    int ctx_idx; /* SSL_get_ex_data_X509_STORE_CTX_idx() */
    int (*is_server)(const struct ssl_st *);
    const char *(*servername)(const struct ssl_st *, const int);
    int (*get_rfd)(const struct ssl_st *);
    int (*get_verify_mode)(const struct ssl_st *);
};
const struct hp_ssl_api_st *hp_ssl_api(void);

/* report.c: a JSON report line (if the pins file asks for reports). */
void hp_report(const struct hp_pinset_st *ps, const struct hp_verdict_st *v,
               const char *name, const char *kind, const char *message,
               X509_STORE_CTX *ctx, const struct ssl_st *ssl,
               const struct hp_ssl_api_st *api,
               const struct hp_cert_info_st *chain, size_t nchain);

/* chain.c (core): SPKI digests of certificates, cached per certificate in
 * the ex_data slot hostpin.so registered (-1: no cache). */
void hp_chain_use_cache(int idx);
int hp_chain_digest(X509 *x, hp_digest out);
int hp_pkey_digest(EVP_PKEY *pkey, hp_digest out);

#endif
