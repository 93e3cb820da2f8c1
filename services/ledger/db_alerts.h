/*
 * db_alerts.h - the ledger's side of the notifier (issue 5): ListDeadlines
 * (a page of open cases' deadlines with the alerts already recorded, and
 * the event seq the page is consistent with) and RecordAlert (insert an
 * alert once per case, deadline, stage and due time).
 *
 * Plugged into the batch executor (db_batch.c) at four points: prepared
 * statements, validation, phase-2 statements and answers. Both requests
 * run inside the batch's transaction like every other request.
 */
#ifndef LIANDONG_LEDGER_DB_ALERTS_H
#define LIANDONG_LEDGER_DB_ALERTS_H

#include "db_batch.h"

#define DB_ALERTS_NSTMTS 2

/* The statements, to be prepared with the others. */
const db_stmt_t *db_alerts_statements(size_t *n);
/* True for the envelope bodies handled here. */
int db_alerts_handles(const envelope_t *req);
/* Checks the request and the caller (a service key, or no CURVE). Returns
 * 0 when it goes to the database, or -EINVAL / -EPERM after answering the
 * job with an error. */
int db_alerts_validate(ledger_job_t *j);
/* Queues the phase-2 statement: the number of results to read, or
 * -ENOTCONN. */
int db_alerts_send(db_t *db, ledger_job_t *j);
/* Builds the answer from j->res[0] (the batch committed). */
void db_alerts_answer(ledger_job_t *j);

#endif
