/*
 * req_deliveries.h - the ledger's side of department delivery (issue 4):
 * which cases a body has not acknowledged yet (PendingDeliveries ->
 * DeliveryList, the handler ledger_req_pending_deliveries) and the
 * acknowledgement itself (CaseAction DELIVERED, which the CaseAction
 * handler in req_case.c hands to the functions below).
 *
 * The deliveries rows are written by a trigger in the same transaction as
 * the event that assigns or copies a case (deploy/schema/002_deliveries.sql),
 * each with the next number of its body's own delivery sequence. This file
 * only reads them and marks them acknowledged, in the same group-committed
 * transactions as every other request.
 */
#ifndef LIANDONG_LEDGER_REQ_DELIVERIES_H
#define LIANDONG_LEDGER_REQ_DELIVERIES_H

#include "db.h"
#include "job.h"

/* A DELIVERED action: `check` is case_check()'s verdict for it. 0: the
 * case moves (assigned -> delivered) and the deliveries are marked; else
 * the ack only marks the actor's deliveries (a copy, or a case its holder
 * already moved on), and an actor with none gets the table's refusal.
 * Fills j->params. */
void deliveries_ack_params(ledger_job_t *j, int check, const char *from_state);
/* Queues the delivery_ack statement: 0 or -ENOTCONN. */
int deliveries_send_ack(db_t *db, ledger_job_t *j);
/* Builds the answer from the statement's result: 0, or a negative error
 * with the job answered by that error. */
int deliveries_answer_ack(ledger_job_t *j, const PGresult *res);

#endif
