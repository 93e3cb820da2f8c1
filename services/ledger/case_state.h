/*
 * case_state.h - the case lifecycle as one table: which action moves a case
 * from which state to which, and who may take it (docs/case-lifecycle.md).
 *
 * Everything that changes a case asks case_check() first; no other code
 * knows the transitions, so the table, its tests and the documentation are
 * the whole truth.
 */
#ifndef LIANDONG_CASE_STATE_H
#define LIANDONG_CASE_STATE_H

#include <stddef.h>

typedef enum {
    CS_RECEIVED = 0, /* recorded, no body yet */
    CS_ASSIGNED,     /* a body holds it; the clock runs */
    CS_DELIVERED,    /* the body's system confirmed delivery */
    CS_ACCEPTED,     /* the body took it on */
    CS_REPLIED,      /* first reply given to the resident */
    CS_RESOLVED,     /* the body says it is solved */
    CS_CLOSED,       /* rated or closed: final */
    CS_RETURNED,     /* sent back as misrouted (退单), waiting at the dispatch centre */
    CS_COUNT
} case_state_t;

/* Same numbers as CaseActionKind in proto/liandong.proto. */
typedef enum {
    CA_UNSPECIFIED = 0,
    CA_DELIVERED = 1,
    CA_ACCEPT = 2,
    CA_REPLY = 3,
    CA_RESOLVE = 4,
    CA_RETURN = 5,
    CA_ESCALATE = 6,
    CA_DISPATCH = 7,
    CA_RATE = 8,
    CA_CLOSE = 9,
    CA_COUNT
} case_action_t;

/* Who the actor is with respect to one case; an actor can be several. */
enum {
    ROLE_HOLDER = 1 << 0,   /* actor == the case's current body_id */
    ROLE_DISPATCH = 1 << 1, /* actor is the dispatch centre body */
    ROLE_OPERATOR = 1 << 2, /* "operator:<name>" */
    ROLE_SERVICE = 1 << 3,  /* "service:<name>" (notifier, router) */
    ROLE_RESIDENT = 1 << 4, /* "resident:<id>" via a front-end */
};

typedef struct {
    case_state_t from;
    case_action_t action;
    case_state_t to;
    unsigned roles;    /* any of these may take the action */
    const char *event; /* case_events.kind recorded */
} case_transition_t;

/* The table, for tests and documentation. */
const case_transition_t *case_transitions(size_t *n);

/* The roles of `actor` for a case held by `holder`; `dispatch_body` is the
 * dispatch centre's body id (may be NULL or empty when unknown). */
unsigned case_actor_roles(const char *actor, const char *holder, const char *dispatch_body);

/* Returns 0 with the transition, -EINVAL when the state does not allow the
 * action (ERROR_ILLEGAL_TRANSITION), -EPERM when it does but none of
 * `roles` may take it (ERROR_FORBIDDEN). */
int case_check(case_state_t from, case_action_t action, unsigned roles,
               const case_transition_t **out);

const char *case_state_name(case_state_t s);
/* Returns the state or -EINVAL. */
int case_state_from_name(const char *s);
const char *case_action_name(case_action_t a);
/* Open = not resolved and not closed: what lists and "open" figures count. */
int case_state_is_open(case_state_t s);

#endif
