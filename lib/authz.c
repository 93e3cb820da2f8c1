/*
 * authz.c - the authorisation table (see authz.h and docs/roles.md).
 */
#include "authz.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define R(x) (1u << (x))
#define SVC R(ROLE_SERVICE)
#define FE R(ROLE_FRONTEND)
#define BODY R(ROLE_BODY)
#define STAFF R(ROLE_STAFF)
#define OPER R(ROLE_OPERATOR)
#define ADMIN R(ROLE_ADMIN)
#define KNOWN (SVC | FE | BODY | STAFF | OPER | ADMIN)

typedef struct {
    authz_socket_t socket;
    Liandong__V1__Envelope__BodyCase body;
    unsigned roles;
} authz_rule_t;

#define B(x) LIANDONG__V1__ENVELOPE__BODY_##x

/* Every request each socket serves, and who may send it. A payload a
 * socket serves must be listed here (tests/unit/test_authz.c checks the
 * ledger's handlers against it): an unlisted one is refused to all. */
static const authz_rule_t table[] = {
    {AUTHZ_LEDGER, B(PING), KNOWN},
    /* the router commits placed demands (service:router, authz_check) */
    {AUTHZ_LEDGER, B(CREATE_CASE), SVC},
    /* the lifecycle table (case_state.c) decides which action on which
     * case; front-ends relay their residents' ratings */
    {AUTHZ_LEDGER, B(CASE_ACTION), SVC | FE | BODY | STAFF | OPER},
    /* scoped in req_case.c: a body its own cases and copies, a front-end
     * its channel's, operators and services all */
    {AUTHZ_LEDGER, B(LIST_CASES), SVC | FE | BODY | STAFF | OPER},
    {AUTHZ_LEDGER, B(GET_CASE), SVC | FE | BODY | STAFF | OPER},
    {AUTHZ_LEDGER, B(RATES_QUERY), SVC | OPER | ADMIN},
    {AUTHZ_LEDGER, B(RANKING_QUERY), SVC | OPER | ADMIN},
    {AUTHZ_LEDGER, B(OVERDUE_QUERY), SVC | OPER | ADMIN},
    {AUTHZ_LEDGER, B(REGISTRY_IMPORT), ADMIN},
    {AUTHZ_LEDGER, B(REGISTRY_GET), SVC | OPER | ADMIN},
    {AUTHZ_LEDGER, B(REGISTRY_HISTORY), OPER | ADMIN},
    /* the router's desk deliveries, the notifier's deadlines and alerts */
    {AUTHZ_LEDGER, B(PENDING_DELIVERIES), SVC},
    {AUTHZ_LEDGER, B(LIST_DEADLINES), SVC},
    {AUTHZ_LEDGER, B(RECORD_ALERT), SVC},
    /* issue 13: a front-end's own channel (req_channel.c scopes it) */
    {AUTHZ_LEDGER, B(CHANNEL_CASES_QUERY), SVC | FE | OPER},
    {AUTHZ_LEDGER, B(CHANNEL_UPDATES_QUERY), SVC | FE | OPER},
    {AUTHZ_LEDGER, B(CASE_COMMENT), FE | OPER},
    /* WeChat residents' bindings and cases: the wechat front-end's own
     * (req_wechat.c refuses every other channel) */
    {AUTHZ_LEDGER, B(WECHAT_RESIDENT), FE},
    /* across bodies and by residents' phones: operators (the console's
     * search, which records every phone search) and services */
    {AUTHZ_LEDGER, B(SEARCH_CASES), SVC | OPER},
    /* a body learns why a case it held left it (req_search.c) */
    {AUTHZ_LEDGER, B(CASE_DEPARTURE), BODY | STAFF},
    /* one case for one problem (docs/repeats.md): the router reads the
     * candidates and joins a demand; an operator undoes a wrong join */
    {AUTHZ_LEDGER, B(REPEAT_CANDIDATES), SVC},
    {AUTHZ_LEDGER, B(JOIN_CASE), SVC},
    {AUTHZ_LEDGER, B(UNLINK_REPORTER), OPER},
    /* a resident's follow-up or withdrawal, relayed by the front-end of
     * its channel (req_repeats.c checks the ticket is the channel's) */
    {AUTHZ_LEDGER, B(CASE_FOLLOW_UP), FE},
    {AUTHZ_LEDGER, B(LINK_REPORTER), OPER},
    /* issue 17: which of two notifiers fires (req_lease.c) */
    {AUTHZ_LEDGER, B(LEASE), SVC},

    {AUTHZ_FRONT, B(PING), KNOWN},
    /* on the front-end's own channel only (the router checks) */
    {AUTHZ_FRONT, B(SUBMIT_DEMAND), FE},
    /* escalation and dispatch: the router computes the new holder; a staff
     * person acts for their body as its desk may (ROUTING.md section 10) */
    {AUTHZ_FRONT, B(CASE_ACTION), SVC | BODY | STAFF | OPER},

    {AUTHZ_DESK, B(PING), KNOWN},
    /* one desk per body: the body's own key */
    {AUTHZ_DESK, B(DESK_ATTACH), BODY},
    /* for the key's own body only */
    {AUTHZ_DESK, B(CASE_ACTION), BODY | STAFF},
};

static const authz_rule_t *rule_for(authz_socket_t socket, Liandong__V1__Envelope__BodyCase body)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].socket == socket && table[i].body == body)
            return &table[i];
    return NULL;
}

int authz_allowed(authz_socket_t socket, Liandong__V1__Envelope__BodyCase body, role_t role)
{
    if (role == ROLE_NONE)
        return 1;
    const authz_rule_t *r = rule_for(socket, body);
    if (r == NULL)
        return 0;
    return role < ROLE_UNKNOWN && (r->roles & R(role)) != 0;
}

int authz_check(authz_socket_t socket, const envelope_t *env, const char *user, char *why,
                size_t len)
{
    const char *id = NULL;
    role_t role = identity_role(user, &id);
    if (role == ROLE_NONE)
        return 0;
    if (rule_for(socket, env->body_case) == NULL) {
        /* Not a request of this socket: it answers UNKNOWN_TYPE itself,
         * to known roles; a key of no role hears only FORBIDDEN. */
        if (role != ROLE_UNKNOWN)
            return 0;
    } else if (authz_allowed(socket, env->body_case, role)) {
        /* a joined demand is a case's first step too: the router's alone */
        if (socket == AUTHZ_LEDGER &&
            (env->body_case == B(CREATE_CASE) || env->body_case == B(JOIN_CASE)) &&
            strcmp(user, "service:router") != 0) {
            snprintf(why, len, "only the router creates cases (this key is %s)", user);
            return -EPERM;
        }
        return 0;
    }
    snprintf(why, len, "a %s key (%s) may not send %s here", authz_role_name(role), user,
             wire_body_name(env));
    return -EPERM;
}

int authz_frontend_channel(const char *frontend_id)
{
    if (frontend_id == NULL)
        return -EINVAL;
    size_t n = strcspn(frontend_id, "-");
    int c = channel_from_name(frontend_id, n);
    return c < 0 ? -EINVAL : c;
}

int authz_stream_allowed(role_t role)
{
    return role == ROLE_NONE || role == ROLE_SERVICE || role == ROLE_OPERATOR;
}

const char *authz_role_name(role_t role)
{
    static const char *const names[] = {
        [ROLE_NONE] = "none",   [ROLE_SERVICE] = "service",   [ROLE_FRONTEND] = "frontend",
        [ROLE_BODY] = "body",   [ROLE_OPERATOR] = "operator", [ROLE_STAFF] = "staff",
        [ROLE_ADMIN] = "admin", [ROLE_UNKNOWN] = "unknown",
    };
    return (unsigned)role <= ROLE_UNKNOWN ? names[role] : "unknown";
}

void authz_log_refusal(const char *service, const char *user, const char *request, const char *why)
{
    /* One window per second; what does not fit is counted and reported
     * with the next line that does. */
    static time_t window;
    static unsigned in_window;
    static unsigned long suppressed;
    time_t now = time(NULL);
    if (now != window) {
        window = now;
        in_window = 0;
    }
    if (in_window >= AUTHZ_LOG_PER_SEC) {
        suppressed++;
        return;
    }
    in_window++;
    if (suppressed) {
        log_warn(NULL, "%s: %lu more refusals not logged", service, suppressed);
        suppressed = 0;
    }
    log_warn(NULL, "%s: FORBIDDEN %s from %s: %s", service, request, user && *user ? user : "?",
             why);
}
