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

#include "case_model.h" /* the states and event kinds */

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
    CA_PAUSE = 10,  /* the holder stops the clock (挂起) */
    CA_RESUME = 11, /* ... and restarts it */
    CA_EXTEND = 12, /* the holder asks for more time (延期) */
    CA_GRANT = 13,  /* the dispatch centre grants it ... */
    CA_REFUSE = 14, /* ... or refuses it */
    CA_COUNT
} case_action_t;

/* Who the actor is with respect to one case; an actor can be several.
 * (Permission bits of the state table, not the key roles of identity.h.) */
enum {
    CASE_ROLE_HOLDER = 1 << 0,   /* actor == the case's current body_id */
    CASE_ROLE_DISPATCH = 1 << 1, /* actor is the dispatch centre body */
    CASE_ROLE_OPERATOR = 1 << 2, /* an operator (ACTOR_OPERATOR) */
    CASE_ROLE_SERVICE = 1 << 3,  /* one of Liandong's services (ACTOR_SERVICE) */
    CASE_ROLE_RESIDENT = 1 << 4, /* a resident via a front-end (ACTOR_RESIDENT) */
};

typedef struct {
    case_state_t from;
    case_action_t action;
    case_state_t to;
    unsigned roles;    /* any of these may take the action */
    const char *event; /* case_events.kind recorded (CASE_EVENT_*) */
} case_transition_t;

/* The table, for tests and documentation. */
const case_transition_t *case_transitions(size_t *n);

/* The roles of `actor` (parsed by actor_parse, identity.h) for a case
 * held by `holder`; `dispatch_body` is the dispatch centre's body id (may
 * be NULL or empty when unknown). */
unsigned case_actor_roles(const char *actor, const char *holder, const char *dispatch_body);

/* Returns 0 with the transition, -EINVAL when the state does not allow the
 * action (ERROR_ILLEGAL_TRANSITION), -EPERM when it does but none of
 * `roles` may take it (ERROR_FORBIDDEN). */
int case_check(case_state_t from, case_action_t action, unsigned roles,
               const case_transition_t **out);

const char *case_action_name(case_action_t a);

#endif
