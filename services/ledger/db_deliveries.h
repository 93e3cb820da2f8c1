/*
 * db_deliveries.h - the ledger's side of department delivery (issue 4):
 * which cases a body has not acknowledged yet (PendingDeliveries ->
 * DeliveryList) and the acknowledgement itself (CaseAction DELIVERED).
 *
 * The deliveries rows are written by a trigger in the same transaction as
 * the event that assigns or copies a case (deploy/schema/002_deliveries.sql),
 * each with the next number of its body's own delivery sequence. This file
 * only reads them and marks them acknowledged; db_batch.c calls it from its
 * validate / decide / phase-2 / answer steps, so deliveries ride in the
 * same group-committed transactions as every other request.
 */
#ifndef LIANDONG_LEDGER_DB_DELIVERIES_H
#define LIANDONG_LEDGER_DB_DELIVERIES_H

#include "db.h"
#include "db_batch.h"

/* The statements, spliced into db_batch.c's table where its column lists
 * (case_cols: a case row as record_from reads it; event_cols: an event row
 * with prefix "e.") are defined.
 *
 * pending_deliveries: $1 body $2 after seq $3 limit: the case row, then
 *   delivery_seq and copy as the last two columns.
 * delivery_ack: $1 case $2 body $3 move to 'delivered' (t/f) $4 from state
 *   $5 request id: the event (NULLs when none was recorded), then how many
 *   rows this ack marked and how many deliveries of the case the body ever
 *   had. Marks every pending row of (body, case): a department that has
 *   the case has it, whichever delivery it answers. */
#define DELIVERIES_STATEMENTS(case_cols, event_cols)                                               \
    {"pending_deliveries",                                                                         \
     "SELECT " case_cols ", d.delivery_seq, d.copy FROM deliveries d"                              \
     " JOIN cases c ON c.case_id = d.case_id"                                                      \
     " WHERE d.body_id = $1 AND d.delivery_seq > $2::bigint"                                       \
     " AND d.acked_at IS NULL AND d.superseded_at IS NULL"                                         \
     " ORDER BY d.delivery_seq LIMIT $3::int",                                                     \
     3},                                                                                           \
    {                                                                                              \
        "delivery_ack",                                                                            \
            "WITH m AS (UPDATE deliveries SET acked_at = now() WHERE case_id = $1"                 \
            "  AND body_id = $2 AND acked_at IS NULL AND superseded_at IS NULL RETURNING 1),"      \
            " c AS (UPDATE cases SET state = 'delivered' WHERE case_id = $1 AND $3::bool"          \
            "  RETURNING case_id, body_id, reply_due, resolve_due),"                               \
            " s AS (SELECT ld_next_seq(1) AS seq FROM c),"                                         \
            " e AS (INSERT INTO case_events (seq, case_id, kind, actor, from_state, to_state,"     \
            "  body_id, note, at, reply_due, resolve_due, request_id)"                             \
            "  SELECT s.seq, c.case_id, 'delivered', $2, $4, 'delivered', c.body_id, '', now(),"   \
            "   c.reply_due, c.resolve_due, $5 FROM c, s RETURNING *)"                             \
            " SELECT " event_cols ", (SELECT count(*) FROM m),"                                    \
            "  (SELECT count(*) FROM deliveries x WHERE x.case_id = $1 AND x.body_id = $2)"        \
            " FROM (SELECT 1) one LEFT JOIN e ON true",                                            \
            5                                                                                      \
    }

/* PendingDeliveries: checks the request after db_batch.c set j->actor from
 * the caller's key. Returns 0 when it may run, else -EPERM/-EINVAL with the
 * job answered. */
int deliveries_validate(ledger_job_t *j);
/* Queues the phase-2 statement of a PendingDeliveries job: 1 or -ENOTCONN. */
int deliveries_send_pending(db_t *db, ledger_job_t *j);
/* Builds the DeliveryList answer from the statement's result. */
void deliveries_answer_pending(ledger_job_t *j, const PGresult *res);

/* A DELIVERED action: `check` is case_check()'s verdict for it. 0: the
 * case moves (assigned -> delivered) and the deliveries are marked; else
 * the ack only marks the actor's deliveries (a copy, or a case its holder
 * already moved on), and an actor with none gets the table's refusal.
 * Fills j->params. */
void deliveries_ack_params(ledger_job_t *j, int check, const char *from_state);
int deliveries_send_ack(db_t *db, ledger_job_t *j);
void deliveries_answer_ack(ledger_job_t *j, const PGresult *res);

#endif
