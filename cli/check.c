/* SPDX-License-Identifier: Apache-2.0 */
/* hostpin check HOST[:PORT]: does the live chain satisfy the pins file?
 * The chain OpenSSL built is judged by hp_decide_chain, the module's own
 * decision, with the same details (deny pins, chain policy, pins,
 * interception anchors: evaluate.c); openssl.cnf is not loaded (main.c),
 * so an enabled provider cannot refuse the connection before we judge
 * it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { CHECK_OK = 0, CHECK_FAIL = 1, CHECK_NO_RULE = 2, CHECK_CONNECT = 3,
       CHECK_PINS_FILE = 4 };

static const char usage_text[] =
    "Usage: hostpin check [OPTION]... HOST[:PORT]\n"
    "Connect to HOST (port 443 by default) and say whether the chain\n"
    "OpenSSL builds satisfies the pins file as the hostpin module judges\n"
    "it: which rule applies (file:line), which pin matched at which depth,\n"
    "or why the chain is refused (no pinned key, a denied key, a chain\n"
    "policy such as min_rsa_bits).  Works whether or not hostpin is\n"
    "enabled in openssl.cnf.\n\n"
    "Options:\n"
    "  --pins FILE        the pins file (default: the one the hostpin\n"
    "                     provider uses in this OpenSSL configuration,\n"
    "                     else " HP_DEFAULT_PINS_FILE ")\n" HP_TLS_HELP
    "  --json             print the result as JSON\n"
    "  -h, --help         show this help\n\n"
    "Exit status: 0 satisfied, 1 not satisfied (also in report mode),\n"
    "2 no rule in force for HOST, 3 could not connect or verify, 4 the\n"
    "pins file is unusable, 64 usage error.  A host without a rule gets 1\n"
    "too when a deny pin or a policy of scope \"all\" refuses its chain.\n";

struct check {
    struct hp_target_st t;
    const char *pins;
    int json;
    const char *names[2];
    size_t nnames;
    struct hp_pinset_st *ps;
    struct hp_eval_st e;
    json_object *out; /* --json: the result being built */
};

static const char *mode_name(enum hp_mode m)
{
    return m == HP_MODE_ENFORCE ? "enforce" : "report";
}

static json_object *rule_json(const struct hp_rule_st *r)
{
    json_object *o = json_object_new_object(), *pins;
    char pin[HP_PIN_STRLEN];
    size_t i;

    json_object_object_add(o, "file", json_object_new_string(r->file));
    json_object_object_add(o, "line", json_object_new_int(r->line));
    json_object_object_add(o, "host", json_object_new_string(r->host));
    json_object_object_add(o, "mode",
                           json_object_new_string(mode_name(r->mode)));
    json_object_object_add(o, "include_subdomains",
                           json_object_new_boolean(r->include_subdomains));
    json_object_object_add(o, "expires", hp_cli_json_str(r->expires_text));
    pins = json_object_new_array();
    for (i = 0; i < r->npins; i++) {
        hp_pin_format(r->pins[i], pin);
        json_object_array_add(pins, json_object_new_string(pin));
    }
    json_object_object_add(o, "pins", pins);
    return o;
}

static void print_rule(const char *name, const struct hp_rule_st *r,
                       int64_t now)
{
    printf("Rule:       %s:%d, host \"%s\"", r->file, r->line, r->host);
    if (strcmp(r->host, name) != 0)
        printf(" (covers \"%s\" through include_subdomains)", name);
    printf("\n            mode %s, %zu pin%s", mode_name(r->mode), r->npins,
           r->npins == 1 ? "" : "s");
    if (r->expires_text != NULL)
        printf(", expires %s%s", r->expires_text,
               hp_rule_active(r, now) ? "" : " (EXPIRED: not enforced)");
    printf("\n");
    if (r->anchors != NULL) {
        size_t i;

        printf("            %zu anchor%s, trusted for this host only%s%s:\n",
               r->anchors->n, r->anchors->n == 1 ? "" : "s",
               r->no_system_roots ? "; system roots not accepted" : "",
               r->mode == HP_MODE_ENFORCE ? "" : " (not in report mode)");
        for (i = 0; i < r->anchors->n; i++)
            printf("              %s\n", r->anchors->v[i].file);
    }
}

static void print_pins(const struct hp_rule_st *r)
{
    char pin[HP_PIN_STRLEN];
    size_t i;

    printf("Pins of the rule:\n");
    for (i = 0; i < r->npins; i++) {
        hp_pin_format(r->pins[i], pin);
        printf("  %s\n", pin);
    }
}

/* A pinned key the server sent that did not end up in the built chain
 * (a cross-signed or superfluous certificate): hostpin ignores it. */
static void sent_hint(struct check *ck, const struct hp_rule_st *r)
{
    int i, n = sk_X509_num(ck->e.conn.sent);

    for (i = 0; i < n; i++) {
        hp_digest d;
        char subj[512];

        if (!hp_cli_x509_pin(sk_X509_value(ck->e.conn.sent, i), d) ||
            !hp_rule_has_pin(r, d))
            continue;
        hp_cli_name(X509_get_subject_name(sk_X509_value(ck->e.conn.sent, i)),
                    subj, sizeof(subj));
        printf("Note: the server sent a certificate with a pinned key (%s, "
               "position %d of what it sent), but OpenSSL did not use it in "
               "the chain it built; hostpin checks only the built chain.\n",
               subj, i);
        return;
    }
}

static int finish(struct check *ck, int rc, const char *outcome,
                  const char *msg)
{
    if (ck->json) {
        json_object_object_add(ck->out, "outcome",
                               json_object_new_string(outcome));
        json_object_object_add(ck->out, "message", hp_cli_json_str(msg));
        json_object_object_add(ck->out, "exit", json_object_new_int(rc));
        hp_cli_json_print(ck->out);
        ck->out = NULL;
    } else if (msg != NULL) {
        printf("Result:     %s\n", msg);
    }
    return rc;
}

static json_object *violation_json(const struct hp_eval_st *e)
{
    const struct hp_verdict_st *v = &e->v;
    json_object *o = json_object_new_object();

    json_object_object_add(o, "reason", json_object_new_string(
                                            hp_cli_why_name(v->why)));
    json_object_object_add(o, "depth", v->bad_depth >= 0
                                           ? json_object_new_int(v->bad_depth)
                                           : NULL);
    json_object_object_add(o, "detail", v->why == HP_WHY_PIN
                                            ? NULL
                                            : json_object_new_string(
                                                  v->detail));
    json_object_object_add(o, "file", hp_cli_json_str(v->where_file));
    json_object_object_add(o, "line", json_object_new_int(v->where_line));
    return o;
}

/* No rule, but deny pins or a policy of scope "all" were checked. */
static int judge_unpinned(struct check *ck)
{
    char msg[1024];

    snprintf(msg, sizeof(msg), "NO RULE: %s has no rule for \"%s\"; "
             "programs do not pin it (its chain breaks none of the file's "
             "deny pins and policy)", ck->pins, ck->names[0]);
    return finish(ck, CHECK_NO_RULE, "no-rule", msg);
}

/* The verdict on a connection that was decided (verified or not). */
static int judge(struct check *ck, int64_t now)
{
    const struct hp_eval_st *e = &ck->e;
    const struct hp_verdict_st *v = &e->v;
    char msg[1536], why[1024], subj[512], pin[HP_PIN_STRLEN];
    const struct hp_rule_st *r = v->rule ? v->rule : e->rule;
    size_t idx = v->rule ? v->name_index : e->rule_name;
    int mark = v->outcome == HP_PASS ? v->match_depth
               : v->why == HP_WHY_PIN ? -1 : v->bad_depth;

    if (ck->json) {
        json_object_object_add(ck->out, "rule", r ? rule_json(r) : NULL);
    } else {
        if (r != NULL)
            print_rule(ck->names[idx], r, now);
        else
            printf("Rule:       none for \"%s\"; the file's deny pins and "
                   "policy apply to every connection\n", ck->names[0]);
        printf("\n");
        hp_cli_print_chain(stdout, "Chain built by OpenSSL", e->conn.built,
                           1, mark, v->outcome == HP_PASS
                                        ? "matches a pin"
                                        : v->why == HP_WHY_DENY
                                              ? "denied key"
                                              : "breaks the policy");
        printf("\n");
    }
    if (e->stage == HP_EVAL_UNVERIFIED) {
        snprintf(msg, sizeof(msg), "CANNOT VERIFY: OpenSSL rejects this "
                 "server's certificate (%s at depth %d), so every client refuses it "
                 "before any pin is checked; fix that first (--cafile for a "
                 "private CA)", hp_cli_verify_error(hp_cli_eval_error(e)),
                 e->conn.first_error_depth);
        return finish(ck, CHECK_CONNECT, "unverified", msg);
    }
    switch (v->outcome) {
    case HP_PASS:
        hp_pin_format(e->chain[v->match_depth].spki, pin);
        hp_cli_name(X509_get_subject_name(sk_X509_value(e->conn.built,
                                                        v->match_depth)),
                    subj, sizeof(subj));
        if (ck->json) {
            json_object *m = json_object_new_object();

            json_object_object_add(m, "depth",
                                   json_object_new_int(v->match_depth));
            json_object_object_add(m, "pin", json_object_new_string(pin));
            json_object_object_add(m, "subject",
                                   json_object_new_string(subj));
            json_object_object_add(ck->out, "match", m);
        }
        snprintf(msg, sizeof(msg), "OK: the key at depth %d (%s) is pinned: "
                 "%s", v->match_depth, subj, pin);
        return finish(ck, CHECK_OK, "pass", msg);
    case HP_FAIL:
    case HP_REPORT:
        if (ck->json)
            json_object_object_add(ck->out, "violation", violation_json(e));
        else if (v->why == HP_WHY_PIN && v->rule != NULL) {
            print_pins(v->rule);
            sent_hint(ck, v->rule);
        }
        hp_cli_verdict_text(e, why, sizeof(why));
        snprintf(msg, sizeof(msg), "%s: %s; %s",
                 v->outcome == HP_FAIL ? "FAIL" : "MISMATCH", why,
                 v->outcome == HP_FAIL
                     ? "programs using hostpin refuse this server"
                     : "the rule is in report mode: programs are not "
                       "refused, the mismatch is logged");
        return finish(ck, CHECK_FAIL, v->outcome == HP_FAIL ? "fail"
                                                            : "report",
                      msg);
    case HP_UNPINNED:
    default:
        break;
    }
    if (v->exempt) {
        hp_pin_format(e->chain[e->nchain - 1].spki, pin);
        snprintf(msg, sizeof(msg), "EXEMPT: the trust anchor %s is an "
                 "allowed interception CA (allow_interception): programs "
                 "using hostpin accept this server without checking its "
                 "pins", pin);
        return finish(ck, CHECK_OK, "exempt", msg);
    }
    if (r == NULL)
        return judge_unpinned(ck);
    {
        const char *date = r->expires_text ? r->expires_text : "?";
        int match = -1;
        size_t d;

        for (d = 0; d < e->nchain && match < 0; d++)
            if (hp_rule_has_pin(r, e->chain[d].spki))
                match = (int)d;
        if (match >= 0)
            snprintf(msg, sizeof(msg), "NO RULE IN FORCE: the rule expired "
                     "on %s and is not enforced (the key at depth %d still "
                     "matches its pins)", date, match);
        else
            snprintf(msg, sizeof(msg), "NO RULE IN FORCE: the rule expired "
                     "on %s and is not enforced (and no key of the chain "
                     "matches its pins)", date);
        return finish(ck, CHECK_NO_RULE, "expired", msg);
    }
}

static int run(struct check *ck)
{
    struct hp_eval_st *e = &ck->e;
    struct hp_error_st err;
    char buf[1024];
    int64_t now = (int64_t)time(NULL);

    if (ck->json) {
        json_object *names = json_object_new_array();
        size_t i;

        ck->out = json_object_new_object();
        json_object_object_add(ck->out, "host",
                               json_object_new_string(ck->t.host));
        json_object_object_add(ck->out, "port",
                               json_object_new_int(atoi(ck->t.port)));
        for (i = 0; i < ck->nnames; i++)
            json_object_array_add(names,
                                  json_object_new_string(ck->names[i]));
        json_object_object_add(ck->out, "names", names);
        json_object_object_add(ck->out, "pins_file",
                               json_object_new_string(ck->pins));
    } else {
        printf("Pins file:  %s\n", ck->pins);
    }
    if (!hp_conf_load_file(ck->pins, &ck->ps, &err)) {
        hp_error_format(&err, buf, sizeof(buf));
        hp_cli_error("check", "the pins file is unusable: %s (run hostpin "
                              "lint %s)", buf, ck->pins);
        return finish(ck, CHECK_PINS_FILE, "pins-file-error", buf);
    }
    hp_cli_evaluate(ck->ps, &ck->t, ck->names, ck->nnames, now, e);
    switch (e->stage) {
    case HP_EVAL_NO_RULE:
        snprintf(buf, sizeof(buf), "NO RULE: %s has no rule for \"%s\"%s%s"
                 "%s; programs do not pin it", ck->pins, ck->names[0],
                 ck->nnames > 1 ? " or \"" : "",
                 ck->nnames > 1 ? ck->names[1] : "",
                 ck->nnames > 1 ? "\"" : "");
        return finish(ck, CHECK_NO_RULE, "no-rule", buf);
    case HP_EVAL_CONNECT:
        hp_cli_error("check", "%s", e->conn.error);
        if (!ck->json && e->rule != NULL)
            print_rule(ck->names[e->rule_name], e->rule, now);
        return finish(ck, CHECK_CONNECT, "connect-error", e->conn.error);
    default:
        break;
    }
    if (ck->json) {
        json_object_object_add(ck->out, "address",
                               json_object_new_string(e->conn.address));
        json_object_object_add(ck->out, "verified", json_object_new_boolean(
            e->conn.verify_result == X509_V_OK));
        json_object_object_add(ck->out, "verify_error", e->conn.verify_result
            == X509_V_OK ? NULL : json_object_new_string(
                hp_cli_verify_error(hp_cli_eval_error(e))));
        json_object_object_add(ck->out, "chain",
                               hp_cli_chain_json(e->conn.built));
        json_object_object_add(ck->out, "sent",
                               hp_cli_chain_json(e->conn.sent));
    } else {
        printf("Server:     %s:%s at %s, %s, SNI %s\n", ck->t.host,
               ck->t.port, e->conn.address, e->conn.protocol,
               e->conn.sni[0] ? e->conn.sni : "(none)");
    }
    if (e->stage == HP_EVAL_NO_CHAIN) {
        snprintf(buf, sizeof(buf), "OpenSSL built no chain from what %s "
                 "sent", e->conn.address);
        hp_cli_error("check", "%s", buf);
        return finish(ck, CHECK_CONNECT, "unverified", buf);
    }
    return judge(ck, now);
}

int hp_cli_check(int argc, char **argv)
{
    enum { OPT_PINS = HP_OPT_FIRST_FREE, OPT_JSON };
    static const struct option opts[] = {
        { "pins", required_argument, NULL, OPT_PINS },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, 'h' },
        HP_TLS_OPTIONS,
        { NULL, 0, NULL, 0 }
    };
    struct check ck;
    char pins[1024];
    int c, r, rc;

    memset(&ck, 0, sizeof(ck));
    hp_cli_target_init(&ck.t);
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if ((r = hp_cli_tls_option("check", &ck.t, c, optarg)) != 0) {
            if (r < 0)
                return HP_EXIT_USAGE;
            continue;
        }
        switch (c) {
        case OPT_PINS:
            ck.pins = optarg;
            break;
        case OPT_JSON:
            ck.json = 1;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        default:
            return hp_cli_bad_option("check", argv, c);
        }
    }
    if (optind != argc - 1)
        return hp_cli_usage("check", optind >= argc
                                         ? "give the server as HOST[:PORT]"
                                         : "give one HOST[:PORT] only");
    if (!hp_cli_parse_target("check", argv[optind], &ck.t))
        return HP_EXIT_USAGE;
    if (ck.pins == NULL)
        ck.pins = hp_cli_default_pins(pins, sizeof(pins));
    /* The names a client would present: the host, and the SNI if other. */
    ck.names[ck.nnames++] = ck.t.host;
    if (ck.t.servername != NULL && strcmp(ck.t.servername, ck.t.host) != 0)
        ck.names[ck.nnames++] = ck.t.servername;
    rc = run(&ck);
    if (ck.out != NULL)
        json_object_put(ck.out);
    hp_cli_eval_free(&ck.e);
    hp_pinset_free(ck.ps);
    return rc;
}
