/*
 * req_deliveries.c - pending deliveries and their acknowledgement (see
 * req_deliveries.h and deploy/schema/002_deliveries.sql).
 */
#include "req_deliveries.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_model.h"
#include "handler.h"
#include "ledger_clock.h"
#include "log.h"

#define PENDING_DEFAULT 64
#define PENDING_MAX 1024

static const db_stmt_t statements[] = {
    /* $1 body $2 after seq $3 limit: the case row, then delivery_seq and
     * copy as the last two columns. */
    {"pending_deliveries",
     "SELECT " CASE_COLS ", d.delivery_seq, d.copy FROM deliveries d"
     " JOIN cases c ON c.case_id = d.case_id"
     " WHERE d.body_id = $1 AND d.delivery_seq > $2::bigint"
     " AND d.acked_at IS NULL AND d.superseded_at IS NULL"
     " ORDER BY d.delivery_seq LIMIT $3::int",
     3},
    /* $1 case $2 body $3 move to 'delivered' (t/f) $4 from state $5 request
     * id: the event (NULLs when none was recorded), then how many rows this
     * ack marked and how many deliveries of the case the body ever had.
     * Marks every pending row of (body, case): a department that has the
     * case has it, whichever delivery it answers. */
    {"delivery_ack",
     "WITH m AS (UPDATE deliveries SET acked_at = " LD_NOW_SQL " WHERE case_id = $1"
     "  AND body_id = $2 AND acked_at IS NULL AND superseded_at IS NULL RETURNING 1),"
     " c AS (UPDATE cases SET state = '" CASE_STATE_DELIVERED "' WHERE case_id = $1 AND $3::bool"
     "  RETURNING case_id, body_id, reply_due, resolve_due),"
     " s AS (SELECT ld_next_seq(1) AS seq FROM c),"
     " e AS (INSERT INTO case_events (seq, case_id, kind, actor, from_state, to_state,"
     "  body_id, note, at, reply_due, resolve_due, request_id)"
     "  SELECT s.seq, c.case_id, '" CASE_EVENT_DELIVERED "', $2, $4, '" CASE_STATE_DELIVERED
     "', c.body_id, '', " LD_NOW_SQL ","
     "   c.reply_due, c.resolve_due, $5 FROM c, s RETURNING *)"
     " SELECT " EVENT_COLS(
         "e.") ", (SELECT count(*) FROM m),"
               "  (SELECT count(*) FROM deliveries x WHERE x.case_id = $1 AND x.body_id = $2)"
               " FROM (SELECT 1) one LEFT JOIN e ON true",
     5},
};

/* ---------------------------------------------------- PendingDeliveries */

static int pending_validate(ledger_job_t *j)
{
    const Liandong__V1__PendingDeliveries *pd = j->req->pending_deliveries;
    j->actor = ledger_job_actor(j, pd->body_id);
    if (pd->body_id[0] == '\0' || wire_check_text(pd->body_id, LEDGER_ID_MAX) != 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "body_id must be 1 to %d bytes of UTF-8", LEDGER_ID_MAX);
        return -EINVAL;
    }
    /* Pending cases carry residents' personal data: only the body itself
     * (its key) or a service/operator acting for it may read them. The
     * actor was derived from the key, so a body's key naming another body
     * arrives here as NULL or as itself, never as the other body. */
    if (j->actor == NULL || strcmp(j->actor, pd->body_id) != 0) {
        ledger_job_fail(j, E(FORBIDDEN), "this key may not read the deliveries of %.64s",
                        pd->body_id);
        return -EPERM;
    }
    return 0;
}

static int pending_send(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__PendingDeliveries *pd = j->req->pending_deliveries;
    uint32_t lim = pd->limit == 0 ? PENDING_DEFAULT : pd->limit;
    if (lim > PENDING_MAX)
        lim = PENDING_MAX;
    /* after_seq is uint64 on the wire, bigint in the database. */
    uint64_t a = pd->after_seq > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : pd->after_seq;
    const char **v = j->params;
    v[0] = pd->body_id;
    v[1] = ledger_job_printf(j, "%" PRIu64, a);
    v[2] = ledger_job_u32(j, lim);
    return ledger_job_send(db, j, "pending_deliveries", 3, v);
}

static int pending_answer(ledger_job_t *j)
{
    const PGresult *res = j->res[0];
    const char *body = j->req->pending_deliveries->body_id;
    Liandong__V1__DeliveryList *dl = ledger_job_alloc(j, sizeof(*dl));
    liandong__v1__delivery_list__init(dl);
    int n = PQntuples(res), nf = PQnfields(res);
    dl->cases = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__CaseRecord *));
    for (int i = 0; i < n; i++) {
        int copy = PQgetvalue(res, i, nf - 1)[0] == 't';
        /* A copy is for supervision: the resident's name and phone go only
         * to the body that holds the case, so a copy is built for a viewer
         * without rights ("") and comes out masked. */
        Liandong__V1__CaseRecord *r = ledger_job_record(j, res, i, copy ? "" : body);
        r->delivery_seq = strtoull(PQgetvalue(res, i, nf - 2), NULL, 10);
        r->copy = copy;
        dl->cases[dl->n_cases++] = r;
    }
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_DELIVERY_LIST;
    j->answer.delivery_list = dl;
    return 0;
}

const ledger_handler_t ledger_req_pending_deliveries = {
    .name = "PendingDeliveries",
    .body = LIANDONG__V1__ENVELOPE__BODY_PENDING_DELIVERIES,
    .stmts = statements,
    .n_stmts = sizeof statements / sizeof statements[0],
    .validate = pending_validate,
    .decide = ledger_decide_nothing,
    .send = pending_send,
    .answer = pending_answer,
};

/* ----------------------------------------------- CaseAction DELIVERED */

void deliveries_ack_params(ledger_job_t *j, int check, const char *from_state)
{
    const Liandong__V1__CaseAction *a = j->req->case_action;
    j->params[0] = a->case_id;
    j->params[1] = j->actor;
    j->params[2] = check == 0 ? "t" : "f";
    j->params[3] = from_state;
    j->params[4] = j->req->request_id;
    j->nparams = 5;
    /* Not sent: what the state table said, for the answer when the actor
     * turns out to have no delivery of the case to acknowledge. */
    j->params[5] = check == -EPERM ? "forbidden" : check < 0 ? "illegal" : "";
}

int deliveries_send_ack(db_t *db, ledger_job_t *j)
{
    return ledger_job_send(db, j, "delivery_ack", j->nparams, j->params);
}

int deliveries_answer_ack(ledger_job_t *j, const PGresult *res)
{
    const char *case_id = j->req->case_action->case_id;
    if (PQntuples(res) != 1 || PQnfields(res) < 13) {
        ledger_job_fail(j, E(INTERNAL), "acknowledgement recorded nothing");
        return -EIO;
    }
    long marked = strtol(PQgetvalue(res, 0, NEVENT_COLS), NULL, 10);
    long known = strtol(PQgetvalue(res, 0, NEVENT_COLS + 1), NULL, 10);
    if (!PQgetisnull(res, 0, 0)) {
        /* assigned -> delivered: an event like any other action's. */
        ledger_job_action_done(j, ledger_job_event(j, res, 0), 0);
        return 0;
    }
    if (known == 0) {
        /* Nothing of this case was ever delivered to this actor: the state
         * table's refusal stands (and nothing changed). */
        if (strcmp(j->params[5], "illegal") == 0)
            ledger_job_fail(j, E(ILLEGAL_TRANSITION), "case %s is %s: delivered is not allowed",
                            case_id, j->params[3]);
        else
            ledger_job_fail(j, E(FORBIDDEN), "%.64s was never sent case %.64s", j->actor, case_id);
        return -EPERM;
    }
    /* A copy or a repeat: recorded on the delivery rows only, no event.
     * duplicate = this ack changed nothing (an earlier one did). */
    ledger_job_action_done(j, NULL, marked == 0);
    log_debug(case_id, "delivery acknowledged by %s (%ld row(s))", j->actor, marked);
    return 0;
}
