/*
 * main.c - `petition`, the command-line tool of front-ends, department
 * desks and operators. Global flags choose the router and ledger endpoints;
 * the first non-flag argument names the subcommand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"

static config_opt_t opts[] = {
    {"router", "LIANDONG_ROUTER", "tcp://127.0.0.1:7311", "router front-end endpoint", 0, NULL},
    {"ledger", "LIANDONG_LEDGER", "tcp://127.0.0.1:7301", "ledger endpoint", 0, NULL},
    {"desk", "LIANDONG_DESK", "tcp://127.0.0.1:7312", "router department (desk) endpoint", 0, NULL},
    {"timeout-ms", "LIANDONG_TIMEOUT_MS", "10000", "how long to wait for an answer", 0, NULL},
    {"keys", "LIANDONG_KEYS", "var/keys", "CURVE keys directory", 0, NULL},
    {"identity", "LIANDONG_IDENTITY", "",
     "our key in the keys directory (role.id: operator.X, admin.X, frontend.CHANNEL, "
     "body.BODY_ID, staff.NAME@BODY_ID); by default frontend.CHANNEL for submit, admin.root for "
     "registry, operator.admin otherwise",
     0, NULL},
    {"router-identity", "LIANDONG_ROUTER_IDENTITY", "service.router", "the router's key", 0, NULL},
    {"ledger-identity", "LIANDONG_LEDGER_IDENTITY", "service.ledger", "the ledger's key", 0, NULL},
    {"insecure", "LIANDONG_INSECURE", "0", "CURVE off: loopback development only", 1, NULL},
    SIMCLOCK_OPTS,
};
#define NOPTS (sizeof opts / sizeof opts[0])

static const char usage[] =
    "usage: petition [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  ping                              check that the router and the ledger answer\n"
    "  submit --channel C --id ID --text T [--address A] [--compound CODE]\n"
    "         [--urgency normal|emergency] [--name N] [--phone P] [--json]\n"
    "                                    submit a resident's demand as a front-end\n"
    "  registry import FILE              validate and import a registry (registry.json format;\n"
    "                                    an administrator's key)\n"
    "  registry history [--limit N] [--json]\n"
    "                                    who imported which version, when, what changed\n"
    "  desk --body BODY_ID [--state S] [--limit N] [--json]\n"
    "                                    the cases a body holds\n"
    "  desk --body BODY_ID --follow [--json] [--seen-file F] [--max N]\n"
    "                                    attach as the body's desk (its key): stream and\n"
    "                                    acknowledge its cases as they arrive\n"
    "  case CASE_ID [--json]             a case and its whole history\n"
    "  accept|reply|resolve|return|escalate|rate|close|dispatch CASE_ID --body BODY_ID\n"
    "         [--text T] [--reason territory|ownership|function] [--to BODY_ID]\n"
    "         [--rating satisfied|basically_satisfied|dissatisfied]\n"
    "                                    act on a case\n"
    "  pause CASE_ID --body B --reason waiting_for_resident|waiting_for_third_party|\n"
    "        other_authority --hours N [--text T]   stop its clock (挂起), at most N h\n"
    "  resume CASE_ID --body B           restart it: deadlines move by the time paused\n"
    "  extend CASE_ID --body B --text WHY          ask the dispatch centre for time (延期)\n"
    "  grant CASE_ID --body operator:NAME --until RFC3339 [--text T]\n"
    "  refuse CASE_ID --body operator:NAME --text WHY\n"
    "                                    the dispatch centre decides an extension\n"
    "  rates [--by body|compound|community|street|district] [--unit CODE]\n"
    "        [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]\n"
    "                                    received, replied and reply rate\n"
    "  alerts [--body BODY_ID] [--json] [--alerts ENDPOINT] [--max N]\n"
    "                                    print the notifier's deadline alerts live\n"
    "  ranking --period YYYY-MM [--unit CODE] [--json]\n"
    "                                    property companies ranked: grades, red/black lists\n"
    "  overdue [--unit CODE] [--body ID] [--limit N] [--json]\n"
    "                                    open cases past a deadline, oldest first\n"
    "  link CASE_ID CHANNEL:TICKET [--json]\n"
    "                                    a missed repeat joined by hand (its case closed)\n"
    "  unlink CASE_ID CHANNEL:TICKET [--json]\n"
    "                                    undo a wrong join: the reporter becomes a case of its "
    "own\n"
    "  review [--limit N] [--json]\n"
    "                                    open cases flagged for the dispatch centre's review\n"
    "  keys new (--body BODY_ID | --role ROLE --id ID) [--dir DIR]\n"
    "                                    create a CURVE key pair (DIR defaults to --keys);\n"
    "                                    roles: service, frontend, body, staff (ID NAME@BODY_ID),\n"
    "                                    operator, admin\n"
    "  keys revoke --role ROLE --id ID [--dir DIR]\n"
    "                                    revoke a key: every service refuses it within a second\n"
    "  keys list [--dir DIR]             the keys a directory authorises, by role\n"
    "  keys bootstrap --registry FILE [--dir DIR]\n"
    "                                    keys for the services, an operator, front-ends, bodies\n"
    "  accounts set --principal operator.NAME|staff.NAME@BODY_ID [--file F] [--generate]\n"
    "                                    a web console account (password from stdin, or made\n"
    "                                    up and printed); creates the person's key if missing\n";

int main(int argc, char **argv)
{
    char err[200];
    int rest = 0;
    int rc = config_parse(opts, NOPTS, argc, argv, &rest, err, sizeof err);
    if (rc == 1 || (rc == 0 && rest >= argc)) {
        config_usage(rc == 1 ? stdout : stderr, usage, opts, NOPTS);
        return rc == 1 ? 0 : 2;
    }
    if (rc < 0) {
        fprintf(stderr, "petition: %s\n", err);
        return 2;
    }
    long timeout = 0;
    if (config_get_long(opts, NOPTS, "timeout-ms", 1, 3600000, &timeout) < 0) {
        fprintf(stderr, "petition: --timeout-ms must be a number of milliseconds\n");
        return 2;
    }
    petition_ctx_t ctx = {
        .router = config_get(opts, NOPTS, "router"),
        .ledger = config_get(opts, NOPTS, "ledger"),
        .desk = config_get(opts, NOPTS, "desk"),
        .timeout_ms = (int)timeout,
        .insecure = strcmp(config_get(opts, NOPTS, "insecure"), "1") == 0,
        .keys = config_get(opts, NOPTS, "keys"),
        .identity = config_get(opts, NOPTS, "identity"),
        .router_identity = config_get(opts, NOPTS, "router-identity"),
        .ledger_identity = config_get(opts, NOPTS, "ledger-identity"),
    };
    /* A front-end stamps a demand's received time on the system's clock,
     * as the services run it (the same settings, LIANDONG_CLOCK_*). */
    if (simclock_from_config(&ctx.clock, opts, NOPTS, err, sizeof err) < 0) {
        fprintf(stderr, "petition: %s\n", err);
        return 2;
    }
    const char *cmd = argv[rest];
    /* Without --identity (or LIANDONG_IDENTITY) each command acts with the
     * key of the role that may send it (docs/roles.md): a submission as
     * its channel's front-end, a registry import as the administrator,
     * everything else as an operator. */
    static char default_identity[96];
    if (*ctx.identity == '\0') {
        const char *channel = NULL;
        for (int i = rest + 1; i + 1 < argc; i++)
            if (strcmp(argv[i], "--channel") == 0)
                channel = argv[i + 1];
        if (strcmp(cmd, "submit") == 0 && channel != NULL)
            snprintf(default_identity, sizeof default_identity, "frontend.%s", channel);
        else if (strcmp(cmd, "registry") == 0 && rest + 1 < argc &&
                 strcmp(argv[rest + 1], "import") == 0)
            snprintf(default_identity, sizeof default_identity, "admin.root");
        else
            snprintf(default_identity, sizeof default_identity, "operator.admin");
        ctx.identity = default_identity;
    }
    int sargc = argc - rest;
    char **sargv = argv + rest;
    if (strcmp(cmd, "ping") == 0)
        return cmd_ping(&ctx, sargc, sargv);
    if (strcmp(cmd, "submit") == 0)
        return cmd_submit(&ctx, sargc, sargv);
    if (strcmp(cmd, "registry") == 0)
        return cmd_registry(&ctx, sargc, sargv);
    if (strcmp(cmd, "desk") == 0)
        return cmd_desk(&ctx, sargc, sargv);
    if (strcmp(cmd, "review") == 0)
        return cmd_review(&ctx, sargc, sargv);
    if (strcmp(cmd, "case") == 0)
        return cmd_case(&ctx, sargc, sargv);
    if (strcmp(cmd, "rates") == 0)
        return cmd_rates(&ctx, sargc, sargv);
    if (strcmp(cmd, "keys") == 0)
        return cmd_keys(&ctx, sargc, sargv);
    if (strcmp(cmd, "alerts") == 0)
        return cmd_alerts(&ctx, sargc, sargv);
    if (strcmp(cmd, "ranking") == 0)
        return cmd_ranking(&ctx, sargc, sargv);
    if (strcmp(cmd, "overdue") == 0)
        return cmd_overdue(&ctx, sargc, sargv);
    if (strcmp(cmd, "accounts") == 0)
        return cmd_accounts(&ctx, sargc, sargv);
    if (strcmp(cmd, "link") == 0)
        return cmd_link(&ctx, sargc, sargv);
    if (strcmp(cmd, "unlink") == 0)
        return cmd_unlink(&ctx, sargc, sargv);
    static const char *const actions[] = {"accept", "reply", "resolve",  "return", "escalate",
                                          "rate",   "close", "dispatch", "pause",  "resume",
                                          "extend", "grant", "refuse"};
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp(cmd, actions[i]) == 0)
            return cmd_action(&ctx, cmd, sargc, sargv);
    fprintf(stderr, "petition: unknown command '%s'\n\n%s", cmd, usage);
    return 2;
}
