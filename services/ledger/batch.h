/*
 * batch.h - executes a batch of ledger requests in ONE PostgreSQL
 * transaction (group commit) through their handlers (handler.h).
 *
 * A job is one request: its envelope in, an answer envelope and the
 * committed events out (job.h). Nothing in a job is answered before the
 * batch's COMMIT result arrived. Business refusals (illegal transition,
 * forbidden, not found) are decided in C from rows read inside the same
 * transaction, so they never abort the other jobs of the batch.
 */
#ifndef LIANDONG_LEDGER_BATCH_H
#define LIANDONG_LEDGER_BATCH_H

#include <stddef.h>

#include "db.h"
#include "job.h"

#define BATCH_MAX 128 /* jobs per transaction */

/* Runs jobs[0..n) (n <= BATCH_MAX). Jobs that fail validation are answered
 * without the database. Returns 0 when every job is done, or -ENOTCONN
 * when the database is unreachable: then the jobs not done must be
 * answered ERROR_UNAVAILABLE (nothing of theirs was committed, or the
 * outcome is unknown and the client retries with the same ids). */
int ledger_batch_run(db_t *db, ledger_job_t *jobs, size_t n);
/* The validation ledger_batch_run starts with, on its own: answers what
 * fails it (without the database) and returns how many jobs still need
 * the database. ledger_batch_run does not validate a job twice. */
size_t ledger_batch_validate(ledger_job_t *jobs, size_t n);

/* The executor's own prepared statements (phase 1), for ledger_statements(). */
const db_stmt_t *ledger_batch_statements(size_t *n);

#endif
