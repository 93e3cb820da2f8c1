/*
 * case_state.c - the case lifecycle table (see case_state.h and
 * docs/case-lifecycle.md).
 */
#include "case_state.h"

#include <errno.h>
#include <string.h>

#include "identity.h"

#define BODY CASE_ROLE_HOLDER
#define DISP (CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR)
/* Answers (reply, resolve): the holder's own staff, or the dispatch centre
 * on its behalf (ROUTING.md section 8; counted for the dispatch centre,
 * credit.h). */
#define ANSWER (BODY | DISP)

/* Pausing and extensions leave the state as it is (a flag on the case,
 * not a state: every other action stays legal while paused, and a reply or
 * resolution ends nothing but the clock it answers). The holder pauses,
 * resumes and asks; the dispatch centre may also resume, and so does the
 * notifier (a service) when a pause reaches its limit; only the centre
 * grants or refuses: a body never extends its own deadline (req_case.c
 * also refuses the dispatch centre granting on a case it holds itself). */
#define CLOCK_ROWS(S)                                                                              \
    {S, CA_PAUSE, S, BODY, CASE_EVENT_PAUSED},                                                     \
        {S, CA_RESUME, S, BODY | DISP | CASE_ROLE_SERVICE, CASE_EVENT_RESUMED},                    \
        {S, CA_EXTEND, S, BODY, CASE_EVENT_EXTENSION_REQUESTED},                                   \
        {S, CA_GRANT, S, DISP, CASE_EVENT_EXTENSION_GRANTED},                                      \
    {                                                                                              \
        S, CA_REFUSE, S, DISP, CASE_EVENT_EXTENSION_REFUSED                                        \
    }

/* One row per legal (state, action). Order: by state, then action. */
static const case_transition_t table[] = {
    {CS_RECEIVED, CA_DISPATCH, CS_ASSIGNED, DISP, CASE_EVENT_DISPATCHED},
    {CS_RECEIVED, CA_CLOSE, CS_CLOSED, DISP, CASE_EVENT_CLOSED},

    {CS_ASSIGNED, CA_DELIVERED, CS_DELIVERED, BODY | CASE_ROLE_SERVICE, CASE_EVENT_DELIVERED},
    {CS_ASSIGNED, CA_ACCEPT, CS_ACCEPTED, BODY, CASE_EVENT_ACCEPTED},
    {CS_ASSIGNED, CA_REPLY, CS_REPLIED, ANSWER, CASE_EVENT_REPLIED},
    {CS_ASSIGNED, CA_RETURN, CS_RETURNED, BODY, CASE_EVENT_RETURNED},
    {CS_ASSIGNED, CA_ESCALATE, CS_ASSIGNED, BODY | CASE_ROLE_SERVICE | DISP, CASE_EVENT_ESCALATED},
    {CS_ASSIGNED, CA_DISPATCH, CS_ASSIGNED, DISP, CASE_EVENT_DISPATCHED},
    {CS_ASSIGNED, CA_CLOSE, CS_CLOSED, DISP, CASE_EVENT_CLOSED},
    CLOCK_ROWS(CS_ASSIGNED),

    {CS_DELIVERED, CA_ACCEPT, CS_ACCEPTED, BODY, CASE_EVENT_ACCEPTED},
    {CS_DELIVERED, CA_REPLY, CS_REPLIED, ANSWER, CASE_EVENT_REPLIED},
    {CS_DELIVERED, CA_RETURN, CS_RETURNED, BODY, CASE_EVENT_RETURNED},
    {CS_DELIVERED, CA_ESCALATE, CS_ASSIGNED, BODY | CASE_ROLE_SERVICE | DISP, CASE_EVENT_ESCALATED},
    {CS_DELIVERED, CA_DISPATCH, CS_ASSIGNED, DISP, CASE_EVENT_DISPATCHED},
    {CS_DELIVERED, CA_CLOSE, CS_CLOSED, DISP, CASE_EVENT_CLOSED},
    CLOCK_ROWS(CS_DELIVERED),

    {CS_ACCEPTED, CA_REPLY, CS_REPLIED, ANSWER, CASE_EVENT_REPLIED},
    {CS_ACCEPTED, CA_RETURN, CS_RETURNED, BODY, CASE_EVENT_RETURNED},
    {CS_ACCEPTED, CA_ESCALATE, CS_ASSIGNED, BODY | CASE_ROLE_SERVICE | DISP, CASE_EVENT_ESCALATED},
    {CS_ACCEPTED, CA_DISPATCH, CS_ASSIGNED, DISP, CASE_EVENT_DISPATCHED},
    {CS_ACCEPTED, CA_CLOSE, CS_CLOSED, DISP, CASE_EVENT_CLOSED},
    CLOCK_ROWS(CS_ACCEPTED),

    {CS_REPLIED, CA_RESOLVE, CS_RESOLVED, ANSWER, CASE_EVENT_RESOLVED},
    {CS_REPLIED, CA_ESCALATE, CS_ASSIGNED, BODY | CASE_ROLE_SERVICE | DISP, CASE_EVENT_ESCALATED},
    CLOCK_ROWS(CS_REPLIED),

    /* A "dissatisfied" rating leaves for `replied` (reopened) or
     * `assigned` (escalated) instead: req_case.c, ROUTING.md section 8. */
    {CS_RESOLVED, CA_RATE, CS_CLOSED, CASE_ROLE_RESIDENT | CASE_ROLE_SERVICE | CASE_ROLE_OPERATOR,
     CASE_EVENT_RATED},
    {CS_RESOLVED, CA_CLOSE, CS_CLOSED, CASE_ROLE_SERVICE | DISP, CASE_EVENT_CLOSED},

    {CS_RETURNED, CA_DISPATCH, CS_ASSIGNED, DISP, CASE_EVENT_DISPATCHED},
    {CS_RETURNED, CA_CLOSE, CS_CLOSED, DISP, CASE_EVENT_CLOSED},
};

static const char *const action_names[CA_COUNT] = {
    "unspecified", "delivered", "accept", "reply",  "resolve", "return", "escalate", "dispatch",
    "rate",        "close",     "pause",  "resume", "extend",  "grant",  "refuse",
};

const case_transition_t *case_transitions(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

unsigned case_actor_roles(const char *actor, const char *holder, const char *dispatch_body)
{
    unsigned r = 0;
    if (actor == NULL || *actor == '\0')
        return 0;
    /* The holder and the dispatch centre are compared as recorded, text
     * for text, whatever the actor parses as. */
    if (holder != NULL && *holder != '\0' && strcmp(actor, holder) == 0)
        r |= CASE_ROLE_HOLDER;
    if (dispatch_body != NULL && *dispatch_body != '\0' && strcmp(actor, dispatch_body) == 0)
        r |= CASE_ROLE_DISPATCH;
    actor_t a;
    if (actor_parse(actor, &a) < 0)
        return r;
    if (a.kind == ACTOR_OPERATOR)
        r |= CASE_ROLE_OPERATOR;
    else if (a.kind == ACTOR_SERVICE)
        r |= CASE_ROLE_SERVICE;
    else if (a.kind == ACTOR_RESIDENT)
        r |= CASE_ROLE_RESIDENT;
    return r;
}

int case_check(case_state_t from, case_action_t action, unsigned roles,
               const case_transition_t **out)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].from != from || table[i].action != action)
            continue;
        if ((table[i].roles & roles) == 0)
            return -EPERM;
        if (out)
            *out = &table[i];
        return 0;
    }
    return -EINVAL;
}

const char *case_action_name(case_action_t a)
{
    return (unsigned)a < CA_COUNT ? action_names[a] : "unknown";
}
