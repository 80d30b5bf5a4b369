/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin pins-file library: parse, validate and compile a pins file into a
 * pin set, and decide whether a chain satisfies it.  Shared by the provider
 * module and the hostpin command so both accept exactly the same files. */
#ifndef HOSTPIN_CONF_H
#define HOSTPIN_CONF_H

#include <stddef.h>
#include <stdint.h>

#define HP_DIGEST_LEN 32
/* "sha256/" + 44 base64 characters + NUL */
#define HP_PIN_STRLEN (7 + 44 + 1)
/* Longest DNS name (253) or IPv6 text form, plus NUL. */
#define HP_NAME_MAX 254
#define HP_DEFAULT_PINS_FILE "/etc/hostpin/pins.conf"
#define HP_DEFAULT_RELOAD_INTERVAL 5

enum hp_mode { HP_MODE_ENFORCE = 0, HP_MODE_REPORT = 1 };

typedef unsigned char hp_digest[HP_DIGEST_LEN];

/* The certificates behind a rule's `certs`/`certs_dir` pins, kept (DER) for
 * the pin store; rules without such pins have none. */
struct hp_cert_st {
    unsigned char *der;
    size_t len;
    char *file;             /* the certificate file it was read from */
};
struct hp_certs_st {
    size_t n;
    size_t ndir;            /* how many came from certs_dir */
    struct hp_cert_st v[];
};
void hp_certs_free(struct hp_certs_st *c);

/* Chain policy (issue: key and signature rules).  -1 = not set here (a
 * host's policy inherits the top-level one key by key); 0 = no demand. */
struct hp_policy_st {
    int min_rsa_bits;
    int min_ec_bits;
    int min_sig_bits;       /* hash strength: sha1 160, sha256 256, ... */
    int require_ca;         /* every certificate above the leaf CA:TRUE */
    const char *file;       /* where the policy group is, for messages */
    int line;
};

struct hp_rule_st {
    char *host;             /* normalised: lower case, no trailing dot */
    int is_ip;              /* host is an IP literal (canonical text) */
    int include_subdomains;
    enum hp_mode mode;      /* effective mode (host override or global) */
    int64_t expires;        /* first UTC second not enforced; 0 = never */
    char *expires_text;     /* as written, for messages; NULL if none */
    hp_digest *pins;        /* sorted, unique */
    size_t npins;
    size_t npins_written;   /* pins as written, duplicates included */
    size_t ncert_pins;      /* how many pins came from `certs` files */
    const char *file;       /* pins file that defines the rule */
    int line;
    struct hp_certs_st *certs; /* NULL unless pinned by certificate files */
    struct hp_policy_st policy; /* the host's own `policy`, keys -1 if unset */
    hp_digest *deny;        /* the host's `deny` pins, sorted */
    size_t ndeny;
    /* `anchors`: self-signed certificates a chain of this host (and, with
     * include_subdomains, its subdomains) may end at although the system
     * does not trust them; their keys are pins too. */
    struct hp_certs_st *anchors; /* NULL if none */
    hp_digest *anchor_pins; /* the anchors' keys, sorted */
    size_t nanchor_pins;
    size_t nanchor_certs;   /* certificates read from `anchors` files */
    int no_system_roots;    /* system_roots = false: a chain must end at
                               one of the anchors */
};

struct hp_pinset_st {
    char *file;             /* the pins file this set was loaded from */
    enum hp_mode mode;      /* global mode */
    struct hp_rule_st *rules;
    size_t nrules;
    uint32_t *table;        /* open addressing: rule index + 1, 0 = empty */
    size_t tmask;
    uint32_t *ctable;       /* by parent name: first child rule + 1 */
    uint32_t *cnext;        /* per rule: next rule of the same parent + 1 */
    size_t nduplicates;     /* host entries ignored as repeats (lint warns) */
    int reload_interval;    /* seconds between checks for a changed file */
    char **files;           /* names that rules' `file` point into */
    size_t nfiles;
    struct hp_policy_st policy; /* top-level `policy`, keys -1 if unset */
    int policy_all;         /* policy_scope = "all" */
    int has_policy;         /* some policy anywhere: chains need details */
    hp_digest *deny;        /* top-level `deny`, sorted */
    size_t ndeny;
    const char *deny_file;  /* the file `deny` is in (@include) */
    int deny_line;
    hp_digest *allow;       /* `allow_interception` anchors, sorted */
    size_t nallow;
    int report_syslog;      /* report = { syslog = ...; file = ...; } */
    char *report_file;      /* NULL: no report file */
    char *include_dir;      /* resolved `include_dir`, NULL if none */
    /* Set when the set is backed by a compiled index (hostpin_index.h):
     * `rules` and `table` are then NULL; use the lookup functions. */
    struct hp_index_st *index;
    size_t nip;             /* rules for IP literals (hp_pinset_index) */
    int has_anchors;        /* some rule has anchors */
};

/* What went wrong while loading: file, line (0 if none) and a message that
 * says what was expected. */
struct hp_error_st {
    char file[512];
    int line;
    char msg[512];
};

/* Load and compile a pins file.  Returns 1 on success, 0 on error with *err
 * filled in.  Never aborts the caller. */
int hp_conf_load_file(const char *path, struct hp_pinset_st **out,
                      struct hp_error_st *err);
/* Same from memory; `name` stands for the file in messages and `basedir`
 * resolves relative certificate paths (NULL: current directory). */
int hp_conf_load_string(const char *text, const char *name,
                        const char *basedir, struct hp_pinset_st **out,
                        struct hp_error_st *err);
void hp_pinset_free(struct hp_pinset_st *ps);

/* File trust (trust.c): may only root or the program's effective user
 * change this file (st: its fstat) and the folders on the way to it?
 * 1, or 0 with `why` saying "not trusted: ..." and what to do.  _st checks
 * the file alone, for one in a folder already checked.  hp_trust_folder:
 * a folder all of whose files are read, which others may not add to
 * (sticky or not). */
struct stat;
/* `rel` under `base` (`rel` alone when absolute or base is NULL) into out;
 * 0 when it does not fit: a path is refused, never cut short. */
int hp_path_join(char *out, size_t len, const char *base, const char *rel);
/* The folder of `path` ("." for a bare name, "/" at the top) into out; 0
 * when it does not fit. */
int hp_path_dir(char *out, size_t len, const char *path);
int hp_trust_file(const struct stat *st, const char *path, char *why,
                  size_t len);
int hp_trust_file_st(const struct stat *st, char *why, size_t len);
int hp_trust_folder(const char *path, char *why, size_t len);

/* The files and folders a pin set was read from (sources.c), with what
 * stat said of each when it was read. */
#include <sys/types.h>
#include <time.h>
struct hp_source_st {
    char *path;
    int exists;
    dev_t dev;
    ino_t ino;
    off_t size;
    mode_t mode;
    uid_t uid;
    struct timespec mtime, ctime;
};
struct hp_sources_st {
    struct hp_source_st *v;
    size_t n, cap;
    int incomplete;          /* out of memory: treat as changed */
};
/* Record a file or folder as read (st NULL: it does not exist); s NULL:
 * the list a load on this thread is collecting into, if any. */
void hp_sources_add(struct hp_sources_st *s, const char *path,
                    const struct stat *st);
/* Collect what loads on this thread read into s (NULL: stop); returns
 * the previous collector. */
struct hp_sources_st *hp_sources_collect(struct hp_sources_st *s);
void hp_sources_free(struct hp_sources_st *s);
/* Has any of them changed (or appeared, or gone) since it was read? */
int hp_sources_changed(const struct hp_sources_st *s);
/* Was one of them, as read, written in place less than window_ms before
 * or after `now` (not moved into place since)?  Then *until is when it
 * settles and *which names it.  A file saved in place is used only once it
 * has settled: nothing has written to it for HP_SETTLE_MS.  An editor or
 * a script pausing up to a second between writes never has a part of the
 * file taken for the whole. */
#define HP_SETTLE_MS 2000
int hp_sources_unsettled(const struct hp_sources_st *s,
                         const struct timespec *now, int window_ms,
                         struct timespec *until, const char **which);

/* Format "file:line: msg" (or "file: msg") into buf. */
void hp_error_format(const struct hp_error_st *err, char *buf, size_t len);

/* Pins.  hp_pin_parse accepts sha256/B64, sha256//B64, pin-sha256="B64" and
 * bare B64; returns 1, or 0 with *why set to a static explanation. */
int hp_pin_parse(const char *text, hp_digest out, const char **why);
void hp_pin_format(const hp_digest d, char out[HP_PIN_STRLEN]);
/* SHA-256 of a DER SubjectPublicKeyInfo. Returns 1 on success. */
int hp_spki_digest(const unsigned char *der, size_t len, hp_digest out);

/* Normalise a name for lookup: IP literals (optionally in brackets) become
 * their canonical text form; DNS names are lower-cased with one trailing dot
 * removed.  Returns the length, or -1 if the name cannot match any rule
 * (empty, too long, embedded NUL, control characters). */
int hp_name_normalize(const char *in, size_t inlen, char out[HP_NAME_MAX],
                      int *is_ip);

/* The labels of a normalised DNS name, as a rule may name it: 1 to 63
 * letters, digits, '-' or '_' each.  Returns HP_LABELS_OK, or what is
 * wrong (*bad: the character, for HP_LABELS_CHAR). */
enum { HP_LABELS_OK = 0, HP_LABELS_EMPTY, HP_LABELS_LONG, HP_LABELS_CHAR };
int hp_name_check_labels(const char *norm, unsigned char *bad);

/* Rule for an already normalised name: exact entry, else the longest parent
 * with include_subdomains.  NULL if the name is not pinned. */
const struct hp_rule_st *hp_pinset_lookup(const struct hp_pinset_st *ps,
                                          const char *name, int is_ip);
/* Rule for a connection's name as given (not normalised): as
 * hp_pinset_lookup, and a name that is not a valid host name (too long,
 * odd characters) is still covered by an include_subdomains parent. */
const struct hp_rule_st *hp_pinset_rule_for(const struct hp_pinset_st *ps,
                                            const char *name);
const struct hp_rule_st *hp_pinset_find_exact(const struct hp_pinset_st *ps,
                                              const char *name, size_t len);
/* Every exact rule for a name one label under `parent` (normalised, len
 * bytes): fn(rule, arg) for each, in no set order. */
void hp_pinset_children(const struct hp_pinset_st *ps, const char *parent,
                        size_t len,
                        void (*fn)(const struct hp_rule_st *, void *),
                        void *arg);

/* ---- The names of a connection (names.c): the name rule --------------
 * If the client could accept the certificate for a pinned name, that
 * name's pins apply.  A client that named the host by a usable name (SNI,
 * a verify-parameter host or IP) is decided by those names; one that named
 * none, or only names that are not host names, by the peer's address and
 * every name the leaf certifies (hp_names_add*, the caller's part). */
#define HP_NAMES_INLINE 8
struct hp_names_st {
    const char **v;         /* the names, as given or copied */
    size_t n, cap;
    char **owned;           /* copies, freed by hp_names_free */
    size_t nowned;
    int usable;             /* the client gave a usable name */
    int odd;                /* it gave a name that is not a host name */
    int from_cert;          /* names were taken from the certificate */
    int incomplete;         /* out of memory: refuse, decide nothing */
    const char *inline_v[HP_NAMES_INLINE];
};
void hp_names_init(struct hp_names_st *nm);
void hp_names_free(struct hp_names_st *nm);
/* A name the client gave (not copied: it must outlive the list); sni:
 * it is the SNI name, where an IP address names no host. */
void hp_names_given(struct hp_names_st *nm, const char *name, int sni);
/* Names of the fallback, copied: a DNS name or an IP the leaf certifies
 * (a wildcard adds every rule it could stand for), the peer's address. */
void hp_names_add(struct hp_names_st *nm, const char *s, size_t len);
void hp_names_add_cert_dns(struct hp_names_st *nm,
                           const struct hp_pinset_st *ps, const char *s,
                           size_t len);
void hp_names_add_ip(struct hp_names_st *nm, const unsigned char *addr,
                     size_t len);
/* Is this a name a client can mean: a host name (labels of letters,
 * digits, '-' and '_', at most one trailing dot, 253 bytes at most) or an
 * IP literal? */
int hp_name_usable(const char *name, size_t len);
/* The host name an odd name stands for, with spaces, controls and dots
 * cut from both ends; its length, or -1 if there is none. */
int hp_name_clean(const char *in, size_t len, char out[HP_NAME_MAX]);

/* Is the rule enforced at `now` (UTC seconds)? */
int hp_rule_active(const struct hp_rule_st *r, int64_t now);
/* Is `d` one of the rule's pins? */
int hp_rule_has_pin(const struct hp_rule_st *r, const hp_digest d);

/* The decision core: plain data in, verdict out. */
enum hp_outcome {
    HP_UNPINNED = 0, /* no name of the connection has a rule */
    HP_PASS,         /* every rule that applies is satisfied (or expired) */
    HP_REPORT,       /* a rule failed, but only in report mode */
    HP_FAIL          /* an enforced rule failed: refuse */
};

/* Why a verdict is FAIL or REPORT. */
enum hp_why { HP_WHY_NONE = 0, HP_WHY_PIN, HP_WHY_POLICY, HP_WHY_DENY };

struct hp_verdict_st {
    enum hp_outcome outcome;
    const struct hp_rule_st *rule;    /* failing rule (FAIL/REPORT), or the
                                         first satisfied rule (PASS) */
    size_t name_index;                /* which name selected `rule` */
    int match_depth;                  /* PASS: chain depth of the match */
    const struct hp_rule_st *expired; /* a rule skipped because expired */
    size_t expired_name_index;
    enum hp_why why;                  /* FAIL/REPORT: what failed */
    int bad_depth;                    /* DENY/POLICY: offending certificate */
    char detail[160];                 /* DENY/POLICY: what is wrong */
    const char *where_file;           /* the setting that decided */
    int where_line;
    int exempt;                       /* anchor is an allowed interception
                                         CA: pins not applied */
    int has_name;                     /* rule == NULL: no name had a rule */
};

/* What the decision knows of one certificate of the built chain (leaf
 * first, trust anchor last). */
enum hp_key_kind { HP_KEY_OTHER = 0, HP_KEY_RSA, HP_KEY_EC };
struct hp_cert_info_st {
    hp_digest spki;
    enum hp_key_kind key_kind;
    int key_bits;
    int sig_bits;           /* hash strength of its signature; 0: none
                               separate (EdDSA), -1: unknown */
    int is_ca;              /* basicConstraints CA:TRUE */
};

/* Fill in key kind and size, signature hash strength and CA flag of a
 * certificate (conf/cert_info.c); `spki` is left to the caller. */
struct x509_st;
void hp_cert_details(const struct x509_st *x, struct hp_cert_info_st *c);


/* The full decision: deny pins, then chain policy, then pins (skipped when
 * the trust anchor is an allowed interception CA).  `details` says whether
 * key and signature fields of `chain` are filled in (without them no
 * policy is checked).  When no name has an active rule, top-level deny
 * pins still apply, and so does the top-level policy if its scope is
 * "all". */
void hp_decide_chain(const struct hp_pinset_st *ps, const char *const *names,
                     size_t nnames, const struct hp_cert_info_st *chain,
                     size_t nchain, int details, int64_t now,
                     struct hp_verdict_st *v);
/* The effective policy of a rule (NULL: the top-level one). */
void hp_policy_effective(const struct hp_pinset_st *ps,
                         const struct hp_rule_st *r, struct hp_policy_st *out);
int hp_digest_in(const hp_digest *set, size_t n, const hp_digest d);

void hp_decide(const struct hp_pinset_st *ps, const char *const *names,
               size_t nnames, const hp_digest *chain, size_t nchain,
               int64_t now, struct hp_verdict_st *v);

/* Parse "YYYY-MM-DD" (or "YYYY-MM-DDTHH:MM:SSZ"); *out is the first second
 * after the date (resp. the instant) in UTC.  Returns 1 or 0. */
int hp_parse_expiry(const char *text, int64_t *out);

/* ---- Lint (added for `hostpin lint`) ----------------------------------
 * Warnings about a pins file that the loader accepts.  The loader's results
 * do not change: lint loads the file with hp_conf_load_file, then reads it
 * again to find what the loader silently tolerates (repeated hosts and pins,
 * missing backups, dates, certificate validity, file permissions). */
enum hp_lint_code {
    HP_LINT_ERROR = 0,    /* the loader refused the file */
    HP_LINT_NO_BACKUP,    /* a host with fewer than two distinct pins */
    HP_LINT_DUP_HOST,     /* same host as an earlier entry once normalised */
    HP_LINT_DUP_PIN,      /* a pin repeated within one host entry */
    HP_LINT_EXPIRED,      /* `expires` is in the past: rule not enforced */
    HP_LINT_EXPIRES_SOON, /* `expires` within the warning window */
    HP_LINT_CERT_EXPIRED, /* a certificate in a `certs` file has expired */
    HP_LINT_UNREADABLE,   /* file not readable by every user */
    HP_LINT_MERGED,       /* certs_dir adds pins to a `hosts` entry */
    HP_LINT_IGNORED_FILE, /* a file in certs_dir that pins nothing */
    HP_LINT_PUBLIC_SUFFIX, /* an exact rule for a public suffix */
    HP_LINT_ANCHOR_EXPIRED, /* an anchor certificate has expired */
    HP_LINT_ANCHOR_WEAK,  /* an anchor's key is below the rule's policy */
    HP_LINT_INDEX_UNUSED, /* an index beside the file that is not used */
    /* Errors the loader tolerates on purpose (lint_psl.c): */
    HP_LINT_PUBLIC_SUFFIX_SUBDOMAINS /* include_subdomains on a suffix */
};
/* Is an item of this code an error (the file must not be used as is)? */
int hp_lint_is_error(enum hp_lint_code code);

struct hp_lint_item_st {
    enum hp_lint_code code;
    const char *file; /* the file the item is about */
    int line;         /* 0: the file as a whole */
    const char *host; /* normalised host of the entry, or NULL */
    const char *msg;  /* what is wrong and what to do about it */
};

typedef void (*hp_lint_fn)(const struct hp_lint_item_st *item, void *arg);

struct hp_lint_opts_st {
    int64_t now;   /* UTC seconds */
    int warn_days; /* an `expires` closer than this many days warns */
};

/* Lint a pins file.  If hp_conf_load_file refuses it, `cb` is called once
 * with HP_LINT_ERROR and the loader's error, and 0 is returned.  Otherwise
 * `cb` is called for each finding, ordered by file and line, and 1 is
 * returned, or 0 if one of them is an error (hp_lint_is_error) that the
 * loader tolerates; *out (if not NULL) receives the loaded pin set, which
 * the caller frees.  Returns -1 (after an HP_LINT_ERROR) if out of
 * memory. */
int hp_conf_lint_file(const char *path, const struct hp_lint_opts_st *opts,
                      hp_lint_fn cb, void *arg, struct hp_pinset_st **out);
/* Stable short name of a code for scripts, e.g. "duplicate-host". */
const char *hp_lint_code_name(enum hp_lint_code code);
/* ---- end of lint ------------------------------------------------------ */

#endif
