/*
 * db_batch.h - executes a batch of ledger requests in ONE PostgreSQL
 * transaction (group commit) and builds their answers.
 *
 * A job is one request: its envelope in, an answer envelope and the
 * committed events out. Nothing in a job is answered before the batch's
 * COMMIT result arrived. Business refusals (illegal transition, forbidden,
 * not found) are decided in C from rows read inside the same transaction,
 * so they never abort the other jobs of the batch.
 */
#ifndef LIANDONG_LEDGER_DB_BATCH_H
#define LIANDONG_LEDGER_DB_BATCH_H

#include <libpq-fe.h>
#include <stddef.h>

#include "db.h"
#include "wire.h"

#define BATCH_MAX 128 /* jobs per transaction */
#define JOB_MAX_RES 3 /* statements a job sends in phase 2 */

typedef struct arena_block arena_block_t;

typedef struct {
    /* in */
    const envelope_t *req;
    const char *user; /* authenticated ZAP user id ("" without CURVE) */
    /* out: valid once done; owned by the job until ledger_job_clear() */
    envelope_t answer;
    int done;
    Liandong__V1__CaseEvent **events; /* committed events to publish */
    size_t n_events;
    /* private to db_batch.c */
    arena_block_t *arena;
    int stage;
    PGresult *res[JOB_MAX_RES];
    int nres;
    int dup_of;             /* earlier job in the batch with the same request id */
    PGresult *prior;        /* the event an earlier batch recorded for this request id */
    const char *actor;      /* effective actor */
    const char *params[20]; /* phase-2 parameters (arena strings) */
    int nparams;
    uint32_t reg_units, reg_bodies;
} ledger_job_t;

void ledger_job_init(ledger_job_t *j, const envelope_t *req, const char *user);
/* Frees what the job allocated (answer, events, results). */
void ledger_job_clear(ledger_job_t *j);

/* Prepared statements the batch executor needs (give them to db_create). */
const db_stmt_t *ledger_statements(size_t *n);

/* Runs jobs[0..n) (n <= BATCH_MAX). Jobs that fail validation are answered
 * without the database. Returns 0 when every job is done, or -ENOTCONN
 * when the database is unreachable: then the jobs not done must be
 * answered ERROR_UNAVAILABLE (nothing of theirs was committed, or the
 * outcome is unknown and the client retries with the same ids). */
int ledger_batch_run(db_t *db, ledger_job_t *jobs, size_t n);

/* Memory that lives as long as the job's answer (for request kinds served
 * in other files, e.g. db_figures.c). Never NULL: aborts when out of memory. */
void *ledger_job_alloc(ledger_job_t *j, size_t n);
char *ledger_job_strdup(ledger_job_t *j, const char *s);

/* Sets a job's answer to an error (used by callers for -ENOTCONN). */
void ledger_job_fail(ledger_job_t *j, Liandong__V1__ErrorCode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
