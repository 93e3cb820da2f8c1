/*
 * case_state.c - the case lifecycle table (see case_state.h and
 * docs/case-lifecycle.md).
 */
#include "case_state.h"

#include <errno.h>
#include <string.h>

#define BODY ROLE_HOLDER
#define DISP (ROLE_DISPATCH | ROLE_OPERATOR)

/* One row per legal (state, action). Order: by state, then action. */
static const case_transition_t table[] = {
    {CS_RECEIVED, CA_DISPATCH, CS_ASSIGNED, DISP, "dispatched"},
    {CS_RECEIVED, CA_CLOSE, CS_CLOSED, DISP, "closed"},

    {CS_ASSIGNED, CA_DELIVERED, CS_DELIVERED, BODY | ROLE_SERVICE, "delivered"},
    {CS_ASSIGNED, CA_ACCEPT, CS_ACCEPTED, BODY, "accepted"},
    {CS_ASSIGNED, CA_REPLY, CS_REPLIED, BODY, "replied"},
    {CS_ASSIGNED, CA_RETURN, CS_RETURNED, BODY, "returned"},
    {CS_ASSIGNED, CA_ESCALATE, CS_ASSIGNED, BODY | ROLE_SERVICE | DISP, "escalated"},
    {CS_ASSIGNED, CA_DISPATCH, CS_ASSIGNED, DISP, "dispatched"},
    {CS_ASSIGNED, CA_CLOSE, CS_CLOSED, DISP, "closed"},

    {CS_DELIVERED, CA_ACCEPT, CS_ACCEPTED, BODY, "accepted"},
    {CS_DELIVERED, CA_REPLY, CS_REPLIED, BODY, "replied"},
    {CS_DELIVERED, CA_RETURN, CS_RETURNED, BODY, "returned"},
    {CS_DELIVERED, CA_ESCALATE, CS_ASSIGNED, BODY | ROLE_SERVICE | DISP, "escalated"},
    {CS_DELIVERED, CA_DISPATCH, CS_ASSIGNED, DISP, "dispatched"},
    {CS_DELIVERED, CA_CLOSE, CS_CLOSED, DISP, "closed"},

    {CS_ACCEPTED, CA_REPLY, CS_REPLIED, BODY, "replied"},
    {CS_ACCEPTED, CA_RETURN, CS_RETURNED, BODY, "returned"},
    {CS_ACCEPTED, CA_ESCALATE, CS_ASSIGNED, BODY | ROLE_SERVICE | DISP, "escalated"},
    {CS_ACCEPTED, CA_DISPATCH, CS_ASSIGNED, DISP, "dispatched"},
    {CS_ACCEPTED, CA_CLOSE, CS_CLOSED, DISP, "closed"},

    {CS_REPLIED, CA_RESOLVE, CS_RESOLVED, BODY, "resolved"},
    {CS_REPLIED, CA_ESCALATE, CS_ASSIGNED, BODY | ROLE_SERVICE | DISP, "escalated"},

    {CS_RESOLVED, CA_RATE, CS_CLOSED, ROLE_RESIDENT | ROLE_SERVICE | ROLE_OPERATOR, "rated"},
    {CS_RESOLVED, CA_CLOSE, CS_CLOSED, ROLE_SERVICE | DISP, "closed"},

    {CS_RETURNED, CA_DISPATCH, CS_ASSIGNED, DISP, "dispatched"},
    {CS_RETURNED, CA_CLOSE, CS_CLOSED, DISP, "closed"},
};

static const char *const state_names[CS_COUNT] = {
    "received", "assigned", "delivered", "accepted", "replied", "resolved", "closed", "returned",
};

static const char *const action_names[CA_COUNT] = {
    "unspecified", "delivered", "accept",   "reply", "resolve",
    "return",      "escalate",  "dispatch", "rate",  "close",
};

const case_transition_t *case_transitions(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

static int has_prefix(const char *s, const char *p)
{
    size_t n = strlen(p);
    return strncmp(s, p, n) == 0 && s[n] != '\0';
}

unsigned case_actor_roles(const char *actor, const char *holder, const char *dispatch_body)
{
    unsigned r = 0;
    if (actor == NULL || *actor == '\0')
        return 0;
    if (holder != NULL && *holder != '\0' && strcmp(actor, holder) == 0)
        r |= ROLE_HOLDER;
    if (dispatch_body != NULL && *dispatch_body != '\0' && strcmp(actor, dispatch_body) == 0)
        r |= ROLE_DISPATCH;
    if (has_prefix(actor, "operator:"))
        r |= ROLE_OPERATOR;
    if (has_prefix(actor, "service:"))
        r |= ROLE_SERVICE;
    if (has_prefix(actor, "resident:"))
        r |= ROLE_RESIDENT;
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

const char *case_state_name(case_state_t s)
{
    return (unsigned)s < CS_COUNT ? state_names[s] : "unknown";
}

int case_state_from_name(const char *s)
{
    for (int i = 0; i < CS_COUNT; i++)
        if (s != NULL && strcmp(s, state_names[i]) == 0)
            return i;
    return -EINVAL;
}

const char *case_action_name(case_action_t a)
{
    return (unsigned)a < CA_COUNT ? action_names[a] : "unknown";
}

int case_state_is_open(case_state_t s)
{
    return s != CS_RESOLVED && s != CS_CLOSED && (unsigned)s < CS_COUNT;
}
