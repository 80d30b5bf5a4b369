/* SPDX-License-Identifier: Apache-2.0 */
/* The hostpin command: declarations shared by its subcommands. */
#ifndef HOSTPIN_CLI_H
#define HOSTPIN_CLI_H

#include <stdio.h>

#include <json-c/json.h>
#include <openssl/x509.h>

#include "hostpin_conf.h"

#define HP_EXIT_USAGE 64 /* sysexits EX_USAGE: check uses 0-4 itself */

/* Subcommands; argv[0] is the subcommand's name. */
int hp_cli_pin(int argc, char **argv);
int hp_cli_fetch(int argc, char **argv);
int hp_cli_check(int argc, char **argv);
int hp_cli_lint(int argc, char **argv);
int hp_cli_status(int argc, char **argv);
int hp_cli_enable(int argc, char **argv);  /* enable.c */
int hp_cli_disable(int argc, char **argv); /* enable.c */
int hp_cli_import(int argc, char **argv); /* import.c */
int hp_cli_index(int argc, char **argv);  /* index.c */
int hp_cli_audit(int argc, char **argv);  /* audit.c */
int hp_cli_suggest(int argc, char **argv); /* suggest.c */
int hp_cli_ps(int argc, char **argv);     /* ps.c */
int hp_cli_log(int argc, char **argv);    /* log.c */

/* util.c */
/* snprintf for text shown to people, where a long path may be cut. */
void hp_cli_set(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void hp_cli_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A usage problem: says what and how to get help; returns HP_EXIT_USAGE. */
int hp_cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The getopt_long result `c` was '?' or ':' (optstring starts with ':'). */
int hp_cli_bad_option(const char *cmd, char **argv, int c);
/* Append the OpenSSL error queue's reasons ("; "-separated) to buf. */
void hp_cli_ssl_errors(char *buf, size_t len);
void hp_cli_name(const X509_NAME *n, char *buf, size_t len);
int hp_cli_x509_pin(const X509 *x, hp_digest d);
int hp_cli_pkey_pin(const EVP_PKEY *k, hp_digest d);
/* "2026-06-01 12:00:00 UTC"; ISO 8601 when iso is set. */
void hp_cli_time(const ASN1_TIME *t, int iso, char *buf, size_t len);
/* Whole days from now to t (negative once past). */
long hp_cli_days_left(const ASN1_TIME *t);
void hp_cli_date(int64_t t, char *buf, size_t len); /* YYYY-MM-DD UTC */
void hp_cli_json_print(json_object *o); /* prints and frees */
/* A JSON string, or JSON null for NULL. */
json_object *hp_cli_json_str(const char *s);
/* Replace `path` atomically: write to the returned stream (a temporary
 * file, name in tmp, mode 0644, in path's folder), then commit.  NULL
 * with errno set on failure. */
FILE *hp_cli_atomic_open(const char *path, char *tmp, size_t len);
/* Flush, sync and rename tmp over path (path NULL: only flush and close,
 * the caller unlinks tmp); closes f.  1, or 0 (tmp removed) with errno. */
int hp_cli_atomic_commit(FILE *f, const char *tmp, const char *path);
/* index.c: after a command wrote the pins file `path`: rewrite its index
 * if it has one, or if it is the pins file OpenSSL's configuration names
 * (an index left stale would make every program parse the file). */
void hp_cli_reindex(const char *cmd, const char *path);

/* osslconf.c: the OpenSSL configuration this environment loads. */
struct hp_osslconf_st {
    char file[1024];      /* the file OpenSSL loads */
    int from_env;         /* named by OPENSSL_CONF */
    int exists;           /* it can be read */
    char error[512];      /* why it could not be parsed, or "" */
    int listed;           /* a provider section loads hostpin */
    char name[128];       /* the provider's name in that configuration */
    char section[128];    /* its section */
    char module[1024];    /* its `module`, or "" */
    char activate[32];    /* its `activate`, or "" */
    char pins[1024];      /* its `pins`, or the default pins file */
    int pins_set;         /* `pins` was given */
    char on_error[32];    /* its `on_error`, or "fail-closed" */
    int node_listed;      /* nodejs_conf's providers load hostpin too */
    char node_init[128];  /* the section nodejs_conf names, or "" */
};
void hp_cli_osslconf_read(struct hp_osslconf_st *c);
/* The same for a given file (another process's OPENSSL_CONF). */
void hp_cli_osslconf_read_file(const char *file, struct hp_osslconf_st *c);
/* The pins file the provider would use in this environment. */
const char *hp_cli_default_pins(char *buf, size_t len);

/* tls.c: connecting to a live server. */
struct hp_target_st {
    char host[HP_NAME_MAX + 2]; /* as given, without brackets or port */
    char port[8];
    const char *servername;     /* SNI; NULL: the host unless an IP */
    const char *connect;        /* ADDR[:PORT] to reach instead of host */
    const char *cafile;         /* trust these instead of the system's */
    int timeout;                /* seconds, for connect and handshake */
    /* A rule's anchors, trusted besides those (as the module trusts them
     * for that host only); NULL: none. */
    const struct hp_certs_st *anchors;
};

struct hp_conn_st {
    STACK_OF(X509) *sent;  /* as the server sent it, leaf first */
    STACK_OF(X509) *built; /* as OpenSSL built it, trust anchor last */
    long verify_result;    /* X509_V_OK or the last error */
    long first_error;      /* first verification error, 0 if none */
    int first_error_depth;
    char address[80];      /* address:port actually connected to */
    char sni[HP_NAME_MAX + 2]; /* "" if none was sent */
    char protocol[16];
    char error[768];       /* why connecting failed */
};

enum {
    HP_OPT_SERVERNAME = 256,
    HP_OPT_CONNECT,
    HP_OPT_CAFILE,
    HP_OPT_TIMEOUT,
    HP_OPT_FIRST_FREE
};
#define HP_TLS_OPTIONS \
    { "servername", required_argument, NULL, HP_OPT_SERVERNAME }, \
    { "connect", required_argument, NULL, HP_OPT_CONNECT }, \
    { "cafile", required_argument, NULL, HP_OPT_CAFILE }, \
    { "timeout", required_argument, NULL, HP_OPT_TIMEOUT }
#define HP_TLS_HELP \
    "  --servername NAME  send NAME as SNI (default: HOST unless it is an " \
    "IP)\n" \
    "  --connect ADDR[:PORT]\n" \
    "                     connect to ADDR instead of resolving HOST\n" \
    "  --cafile FILE      trust the CAs in FILE instead of the system's\n" \
    "  --timeout SECONDS  give up connecting after this long (default 10)\n"

void hp_cli_target_init(struct hp_target_st *t);
/* Handle a shared TLS option: 1 handled, 0 not ours, -1 bad value. */
int hp_cli_tls_option(const char *cmd, struct hp_target_st *t, int opt,
                      const char *arg);
/* HOST[:PORT], [IPv6]:PORT or a bare IPv6 address.  0 on a bad target. */
int hp_cli_parse_target(const char *cmd, const char *arg,
                        struct hp_target_st *t);
/* Connect, handshake, collect both chains.  1 on success; 0 with
 * c->error set.  Verification failures do not stop the handshake. */
int hp_cli_connect(const struct hp_target_st *t, struct hp_conn_st *c);
void hp_cli_conn_free(struct hp_conn_st *c);
const char *hp_cli_verify_error(long code);

/* evaluate.c: a live server judged by the module's decision. */
enum hp_eval_stage {
    HP_EVAL_NO_RULE = 0, /* nothing of the pins file concerns the names:
                            not connected */
    HP_EVAL_CONNECT,     /* could not connect (conn.error says why) */
    HP_EVAL_NO_CHAIN,    /* connected, but OpenSSL built no chain */
    HP_EVAL_UNVERIFIED,  /* decided, but OpenSSL rejects the chain */
    HP_EVAL_DECIDED      /* verified and decided */
};
struct hp_eval_st {
    enum hp_eval_stage stage;
    struct hp_conn_st conn;
    const struct hp_rule_st *rule; /* a rule for a name, in force or not */
    size_t rule_name;              /* which name it is for */
    struct hp_cert_info_st *chain; /* the built chain, every certificate
                                      (as the module decides) */
    size_t nchain;
    struct hp_verdict_st v;        /* hp_decide_chain's, from DECIDED on */
};
/* The rule of the first name that has one (hp_pinset_rule_for), or NULL. */
const struct hp_rule_st *hp_cli_any_rule(const struct hp_pinset_st *ps,
                                         const char *const *names,
                                         size_t nnames, size_t *idx);
/* The whole chain as the module describes it, in *out (caller frees);
 * how many, 0 on error. */
size_t hp_cli_chain_info(const struct hp_pinset_st *ps, STACK_OF(X509) *chain,
                         struct hp_cert_info_st **out);
/* Connect unless nothing concerns the names, then decide.  1 when a
 * verdict was reached (stage UNVERIFIED or DECIDED), else 0. */
int hp_cli_evaluate(const struct hp_pinset_st *ps,
                    const struct hp_target_st *t, const char *const *names,
                    size_t nnames, int64_t now, struct hp_eval_st *e);
/* The verification error to show (the first one OpenSSL met). */
long hp_cli_eval_error(const struct hp_eval_st *e);
void hp_cli_eval_free(struct hp_eval_st *e);
/* Stable short name of a reason: "pin-mismatch", "policy", ... */
const char *hp_cli_why_name(enum hp_why why);
/* What a FAIL or REPORT verdict found, in one sentence without a label. */
void hp_cli_verdict_text(const struct hp_eval_st *e, char *buf, size_t len);

/* certinfo.c: describing certificates and chains. */
/* `mark` labels the certificate at mark_depth (-1: none). */
void hp_cli_print_chain(FILE *f, const char *title, STACK_OF(X509) *chain,
                        int built, int mark_depth, const char *mark);
json_object *hp_cli_chain_json(STACK_OF(X509) *chain);

#endif
