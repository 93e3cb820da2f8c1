/*
 * case_model.h - the case lifecycle's vocabulary, written once: the
 * states, which of them are open, and the kinds of event a case's history
 * records (docs/case-lifecycle.md).
 *
 * Each name is one string macro, used by the C tables below and spliced
 * into the ledger's SQL statements, so C and the statements cannot spell
 * a state or an event differently. CASE_OPEN_STATES_SQL lists the open
 * states for statements; tests/unit/test_case_model.c checks it against
 * case_state_is_open(). The transitions between states and who may take
 * them are the ledger's (services/ledger/case_state.h).
 */
#ifndef LIANDONG_CASE_MODEL_H
#define LIANDONG_CASE_MODEL_H

#define CASE_STATE_RECEIVED "received"   /* recorded, no body yet */
#define CASE_STATE_ASSIGNED "assigned"   /* a body holds it; the clock runs */
#define CASE_STATE_DELIVERED "delivered" /* the body's system confirmed delivery */
#define CASE_STATE_ACCEPTED "accepted"   /* the body took it on */
#define CASE_STATE_REPLIED "replied"     /* first reply given to the resident */
#define CASE_STATE_RESOLVED "resolved"   /* the body says it is solved */
#define CASE_STATE_CLOSED "closed"       /* rated or closed: final */
#define CASE_STATE_RETURNED "returned"   /* sent back as misrouted (退单) */

typedef enum {
    CS_RECEIVED = 0,
    CS_ASSIGNED,
    CS_DELIVERED,
    CS_ACCEPTED,
    CS_REPLIED,
    CS_RESOLVED,
    CS_CLOSED,
    CS_RETURNED,
    CS_COUNT
} case_state_t;

/* Open = not resolved and not closed: what lists, open-case figures and
 * deadlines count. A returned case is open: it waits for re-dispatch. As
 * an SQL list for `state IN ...` (the order of case_state_t). */
#define CASE_OPEN_STATES_SQL                                                                       \
    "('" CASE_STATE_RECEIVED "','" CASE_STATE_ASSIGNED "','" CASE_STATE_DELIVERED                  \
    "','" CASE_STATE_ACCEPTED "','" CASE_STATE_REPLIED "','" CASE_STATE_RETURNED "')"

const char *case_state_name(case_state_t s);
/* Returns the state or -EINVAL. */
int case_state_from_name(const char *s);
int case_state_is_open(case_state_t s);

/* Kinds of case_events rows (CaseEvent.kind on the wire). */
#define CASE_EVENT_CREATED "created"
#define CASE_EVENT_ASSIGNED "assigned"
#define CASE_EVENT_DELIVERED "delivered"
#define CASE_EVENT_ACCEPTED "accepted"
#define CASE_EVENT_REPLIED "replied"
#define CASE_EVENT_RESOLVED "resolved"
#define CASE_EVENT_RETURNED "returned"
#define CASE_EVENT_ESCALATED "escalated"
#define CASE_EVENT_DISPATCHED "dispatched"
#define CASE_EVENT_RATED "rated"
#define CASE_EVENT_CLOSED "closed"
/* Paused clocks (挂起) and extensions (延期): the state stays, the
 * deadlines move (docs/case-lifecycle.md). */
#define CASE_EVENT_PAUSED "paused"
#define CASE_EVENT_RESUMED "resumed"
#define CASE_EVENT_EXTENSION_REQUESTED "extension_requested"
#define CASE_EVENT_EXTENSION_GRANTED "extension_granted"
#define CASE_EVENT_EXTENSION_REFUSED "extension_refused"
/* A resident's comment relayed by a front-end (issue 13, CaseComment):
 * nothing about the case changes. */
#define CASE_EVENT_COMMENTED "commented"
/* One case for one problem (docs/repeats.md): a resident reporting the
 * same problem joined the case, or was unlinked from it by an operator
 * (note: channel:ticket); the state and deadlines do not move. */
#define CASE_EVENT_REPORTER_JOINED "reporter_joined"
#define CASE_EVENT_REPORTER_UNLINKED "reporter_unlinked"
/* A resident's front-end added to the case (text, photo URL) or withdrew
 * it (solved); note: channel:ticket and what was said. */
#define CASE_EVENT_FOLLOWED_UP "followed_up"
#define CASE_EVENT_WITHDRAWN "withdrawn"

typedef enum {
    CE_CREATED = 0,
    CE_ASSIGNED,
    CE_DELIVERED,
    CE_ACCEPTED,
    CE_REPLIED,
    CE_RESOLVED,
    CE_RETURNED,
    CE_ESCALATED,
    CE_DISPATCHED,
    CE_RATED,
    CE_CLOSED,
    CE_PAUSED,
    CE_RESUMED,
    CE_EXTENSION_REQUESTED,
    CE_EXTENSION_GRANTED,
    CE_EXTENSION_REFUSED,
    CE_COMMENTED,
    CE_REPORTER_JOINED,
    CE_REPORTER_UNLINKED,
    CE_FOLLOWED_UP,
    CE_WITHDRAWN,
    CE_COUNT
} case_event_t;

const char *case_event_name(case_event_t e);
/* Returns the kind or -EINVAL. */
int case_event_from_name(const char *s);

#endif
