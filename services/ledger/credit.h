/*
 * credit.h - whose figures an answer counts for (ROUTING.md section 8):
 * "a reply or a resolution counts for the body whose own staff gave it; an
 * operator answering on a body's behalf is recorded as such and counts for
 * the dispatch centre, not the body".
 *
 * The one place the ledger decides it (req_case.c asks before it bumps the
 * roll-ups). Who may answer at all is the state table's (case_state.c) and
 * the authorisation's business, not this file's; this file only says whose
 * reply rate an answer that was allowed goes to.
 */
#ifndef LIANDONG_LEDGER_CREDIT_H
#define LIANDONG_LEDGER_CREDIT_H

typedef struct {
    const char *body; /* the body whose figures count it ("" = nobody's) */
    int units;        /* 1: the case's compound and its units count it too */
    int on_behalf;    /* 1: not the holder's own answer */
} answer_credit_t;

/* `user` is the key's ZAP user id ("" without CURVE), `roles` the actor's
 * CASE_ROLE_* bits for the case (case_actor_roles), `holder` the body
 * holding the case, `dispatch_body` the registry's dispatch centre ("" when
 * none). An answer is the holder's own when the actor is the holder and
 * the key is not an operator's (an operator's key naming the body as its
 * actor is still the operator answering); otherwise it is the dispatch
 * centre's, on the holder's behalf, and counts for the dispatch centre's
 * body figures only, as replied_on_behalf / resolved_on_behalf (req_case.c),
 * never as replies: the units' figures measure their bodies' answers. */
answer_credit_t answer_credit(const char *user, unsigned roles, const char *holder,
                              const char *dispatch_body);

#endif
