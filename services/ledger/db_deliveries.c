/*
 * db_deliveries.c - pending deliveries and their acknowledgement (see
 * db_deliveries.h and deploy/schema/002_deliveries.sql).
 */
#include "db_deliveries.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define PENDING_DEFAULT 64
#define PENDING_MAX 1024
#define BODY_ID_MAX 128

#define E(x) LIANDONG__V1__ERROR_CODE__ERROR_##x

int deliveries_validate(ledger_job_t *j)
{
    const Liandong__V1__PendingDeliveries *pd = j->req->pending_deliveries;
    if (pd->body_id[0] == '\0' || wire_check_text(pd->body_id, BODY_ID_MAX) != 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "body_id must be 1 to %d bytes of UTF-8", BODY_ID_MAX);
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

int deliveries_send_pending(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__PendingDeliveries *pd = j->req->pending_deliveries;
    uint32_t lim = pd->limit == 0 ? PENDING_DEFAULT : pd->limit;
    if (lim > PENDING_MAX)
        lim = PENDING_MAX;
    char *after = ledger_job_alloc(j, 24), *limit = ledger_job_alloc(j, 12);
    /* after_seq is uint64 on the wire, bigint in the database. */
    uint64_t a = pd->after_seq > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : pd->after_seq;
    snprintf(after, 24, "%" PRIu64, a);
    snprintf(limit, 12, "%" PRIu32, lim);
    const char *v[3] = {pd->body_id, after, limit};
    return db_send(db, "pending_deliveries", 3, v) < 0 ? -ENOTCONN : 1;
}

void deliveries_answer_pending(ledger_job_t *j, const PGresult *res)
{
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
}

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
    return db_send(db, "delivery_ack", j->nparams, j->params) < 0 ? -ENOTCONN : 1;
}

void deliveries_answer_ack(ledger_job_t *j, const PGresult *res)
{
    const char *case_id = j->req->case_action->case_id;
    if (PQntuples(res) != 1 || PQnfields(res) < 13) {
        ledger_job_fail(j, E(INTERNAL), "acknowledgement recorded nothing");
        return;
    }
    long marked = strtol(PQgetvalue(res, 0, 11), NULL, 10);
    long known = strtol(PQgetvalue(res, 0, 12), NULL, 10);
    if (!PQgetisnull(res, 0, 0)) {
        /* assigned -> delivered: an event like any other action's. */
        ledger_job_action_done(j, ledger_job_event(j, res, 0), 0);
        return;
    }
    if (known == 0) {
        /* Nothing of this case was ever delivered to this actor: the state
         * table's refusal stands (and nothing changed). */
        if (strcmp(j->params[5], "illegal") == 0)
            ledger_job_fail(j, E(ILLEGAL_TRANSITION), "case %s is %s: delivered is not allowed",
                            case_id, j->params[3]);
        else
            ledger_job_fail(j, E(FORBIDDEN), "%.64s was never sent case %.64s", j->actor, case_id);
        return;
    }
    /* A copy or a repeat: recorded on the delivery rows only, no event.
     * duplicate = this ack changed nothing (an earlier one did). */
    ledger_job_action_done(j, NULL, marked == 0);
    log_debug(case_id, "delivery acknowledged by %s (%ld row(s))", j->actor, marked);
}
