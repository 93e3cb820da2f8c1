/*
 * batch.c - group commit: a batch of requests in one transaction, run
 * with libpq's pipeline mode in two round trips (see batch.h). It knows
 * no request kind: each job goes through its handler's hooks (handler.h).
 *
 *   validate  each job, without the database (early answers).
 *   phase 1   BEGIN; lock the cases the batch's requests change (FOR
 *             UPDATE, in case-id order so two ledgers cannot deadlock);
 *             look up earlier events with the same request ids; sync.
 *   decide    in C, job by job in arrival order, against a working copy of
 *             each case. Refusals are answers, not SQL errors, so they
 *             abort nothing.
 *   phase 2   every write and read in arrival order, then COMMIT; sync.
 *             Answers exist only once COMMIT's own result said COMMIT.
 *
 * If phase 2 fails for a reason that is not a lost connection (a
 * constraint violated by a concurrent ledger, a bug), the batch is rolled
 * back and each job is run again alone, so one poisoned request cannot
 * take its neighbours down with it.
 */
#include "batch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_state.h"
#include "handler.h"
#include "ledger_clock.h"
#include "log.h"

enum { ST_NEW = 0, ST_DB, ST_REFUSED, ST_APPLY, ST_EARLY };

static const db_stmt_t statements[] = {
    {"lock_case",
     "SELECT state, body_id, body_kind, compound_code, replied_at IS NOT NULL,"
     " resolved_at IS NOT NULL, rating, " LD_NOW_SQL " <= reply_due, channel, reopens,"
     /* The next rung only where a dissatisfied rating would escalate (a
      * second one, ROUTING.md section 8): not on every action's path. */
     " CASE WHEN reopens > 0"
     "  THEN ld_next_rung(body_id, compound_code) ELSE '' END,"
     " greatest(1, round(extract(epoch FROM reply_due - created_at) / 3600))::int,"
     " greatest(1, round(extract(epoch FROM resolve_due - created_at) / 3600))::int,"
     " paused_at IS NOT NULL, urgency, extension_pending"
     " FROM cases WHERE case_id = $1 FOR UPDATE",
     1},
    {"event_by_rid", "SELECT " EVENT_COLS("") " FROM case_events WHERE request_id = $1", 1},
    {"dispatch_body",
     "SELECT COALESCE((SELECT id FROM bodies WHERE kind = 'dispatch_center' ORDER BY id"
     " LIMIT 1), '')",
     0},
};

const db_stmt_t *ledger_batch_statements(size_t *n)
{
    *n = sizeof statements / sizeof statements[0];
    return statements;
}

/* ----------------------------------------------------------- validation */

static void validate(ledger_job_t *j)
{
    j->handler = ledger_handler_for(j->req->body_case);
    if (j->handler == NULL)
        ledger_job_fail(j, E(UNKNOWN_TYPE), "the ledger does not serve %s", wire_body_name(j->req));
    else if (j->handler->validate(j) == 0 && !j->done)
        j->stage = ST_DB;
    else if (!j->done)
        ledger_job_fail(j, E(INTERNAL), "%s: refused without an answer", j->handler->name);
    if (j->done)
        j->stage = ST_EARLY;
}

/* --------------------------------------------------------------- decide */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static ledger_case_t *find_wcase(ledger_case_t *w, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(w[i].case_id, id) == 0)
            return &w[i];
    return NULL;
}

static int ok_status(const PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);
    return s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK;
}

static int is_locking(const ledger_job_t *j)
{
    return j->stage == ST_DB && j->lock_case != NULL;
}

/* Runs a job's decide hook: it goes on to phase 2, or it was refused (and
 * answered) here. */
static void decide(ledger_job_t *j, ledger_case_t *c, const char *dispatch)
{
    int rc = j->handler->decide(j, c, dispatch);
    if (rc == 0 && !j->done) {
        j->stage = ST_APPLY;
        return;
    }
    if (!j->done)
        ledger_job_fail(j, E(INTERNAL), "%s: refused without an answer", j->handler->name);
    j->stage = ST_REFUSED;
}

/* Phase 1 + decisions of the requests that lock a case. Returns 0,
 * -ENOTCONN, -EAGAIN or -EIO. */
static int phase1(db_t *db, ledger_job_t *jobs, size_t n, ledger_case_t *wc, size_t *nwc,
                  int *begin_pending)
{
    const char *ids[BATCH_MAX];
    size_t nid = 0;
    for (size_t i = 0; i < n; i++)
        if (is_locking(&jobs[i]))
            ids[nid++] = jobs[i].lock_case;
    if (nid == 0) {
        /* Nothing to lock or decide: BEGIN rides in the phase-2 round trip
         * and run_once() reads its result first. */
        *nwc = 0;
        *begin_pending = 1;
        return db_send_cmd(db, "BEGIN") < 0 ? -ENOTCONN : 0;
    }
    qsort(ids, nid, sizeof ids[0], cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < nid; i++)
        if (u == 0 || strcmp(ids[u - 1], ids[i]) != 0)
            ids[u++] = ids[i];
    if (db_send_cmd(db, "BEGIN") < 0 || db_send(db, "dispatch_body", 0, NULL) < 0)
        return -ENOTCONN;
    for (size_t i = 0; i < u; i++)
        if (db_send(db, "lock_case", 1, &ids[i]) < 0)
            return -ENOTCONN;
    for (size_t i = 0; i < n; i++) {
        if (!is_locking(&jobs[i]))
            continue;
        const char *rid = jobs[i].req->request_id;
        if (db_send(db, "event_by_rid", 1, &rid) < 0)
            return -ENOTCONN;
    }
    if (db_sync(db) < 0)
        return -ENOTCONN;

    int failed = 0;
    PGresult *r = NULL;
    char dispatch[LEDGER_ID_MAX + 1] = "";
    if (db_next(db, &r) < 0) /* BEGIN */
        return -ENOTCONN;
    failed |= !ok_status(r);
    PQclear(r);
    if (db_next(db, &r) < 0)
        return -ENOTCONN;
    if (ok_status(r) && PQntuples(r) == 1)
        snprintf(dispatch, sizeof dispatch, "%s", PQgetvalue(r, 0, 0));
    else
        failed = 1;
    PQclear(r);
    for (size_t i = 0; i < u; i++) {
        if (db_next(db, &r) < 0)
            return -ENOTCONN;
        ledger_case_t *w = &wc[i];
        memset(w, 0, sizeof(*w));
        w->case_id = ids[i];
        if (!ok_status(r)) {
            log_error(NULL, "lock_case: %s", PQresultErrorMessage(r));
            failed = 1;
        } else if (PQntuples(r) == 1) {
            w->found = 1;
            w->state = case_state_from_name(PQgetvalue(r, 0, 0));
            snprintf(w->body_id, sizeof w->body_id, "%s", PQgetvalue(r, 0, 1));
            snprintf(w->body_kind, sizeof w->body_kind, "%s", PQgetvalue(r, 0, 2));
            snprintf(w->compound, sizeof w->compound, "%s", PQgetvalue(r, 0, 3));
            w->replied = ledger_col_bool(r, 0, 4);
            w->resolved = ledger_col_bool(r, 0, 5);
            w->on_time = ledger_col_bool(r, 0, 7);
            snprintf(w->channel, sizeof w->channel, "%s", PQgetvalue(r, 0, 8));
            w->reopens = (int)ledger_col_i64(r, 0, 9);
            snprintf(w->next_rung, sizeof w->next_rung, "%s", PQgetvalue(r, 0, 10));
            w->reply_hours = (unsigned)ledger_col_i64(r, 0, 11);
            w->resolve_hours = (unsigned)ledger_col_i64(r, 0, 12);
            w->paused = ledger_col_bool(r, 0, 13);
            w->emergency = strcmp(PQgetvalue(r, 0, 14), "emergency") == 0;
            w->extension_pending = ledger_col_bool(r, 0, 15);
            if (w->state < 0)
                w->found = 0;
        }
        PQclear(r);
    }
    *nwc = u;
    for (size_t i = 0; i < n; i++) {
        if (!is_locking(&jobs[i]))
            continue;
        if (db_next(db, &r) < 0)
            return -ENOTCONN;
        if (!ok_status(r)) {
            failed = 1;
            PQclear(r);
        } else if (PQntuples(r) == 1) {
            jobs[i].prior = r;
        } else {
            PQclear(r);
        }
    }
    if (db_next_sync(db) < 0)
        return -ENOTCONN;
    if (failed)
        return -EAGAIN; /* lock or statement timeout: nothing request-specific */

    /* Decide in arrival order. A request recorded by an earlier batch
     * (j->prior) is its handler's to answer; a repeat of an earlier job of
     * this batch is answered from that job once it has committed. */
    for (size_t i = 0; i < n; i++) {
        ledger_job_t *j = &jobs[i];
        if (!is_locking(j))
            continue;
        for (size_t k = 0; k < i && j->prior == NULL; k++) {
            if (jobs[k].stage == ST_APPLY && jobs[k].handler == j->handler &&
                strcmp(jobs[k].req->request_id, j->req->request_id) == 0) {
                j->dup_of = (int)k;
                j->stage = ST_REFUSED;
                break;
            }
        }
        if (j->dup_of >= 0)
            continue;
        decide(j, find_wcase(wc, u, j->lock_case), dispatch);
    }
    return 0;
}

/* ---------------------------------------------------------------- batch */

/* Sends one statement for jobs[first] and every later job of its handler
 * still to write; they point at jobs[first], which reads the result. */
static int send_group(db_t *db, ledger_job_t *jobs, size_t n, size_t first)
{
    ledger_job_t *group[BATCH_MAX];
    size_t m = 0;
    const ledger_handler_t *h = jobs[first].handler;
    for (size_t k = first; k < n; k++) {
        ledger_job_t *g = &jobs[k];
        if (g->handler != h || (g->stage != ST_DB && g->stage != ST_APPLY))
            continue;
        g->group_lead = &jobs[first];
        g->group_ord = m + 1;
        group[m++] = g;
    }
    return h->send_group(db, group, m);
}

/* What PostgreSQL said about the statement that failed the last batch of
 * this thread (the batches' and the registry import's run beside each
 * other, import.c). */
static _Thread_local char last_refusal[256];

static int run_once(db_t *db, ledger_job_t *jobs, size_t n)
{
    ledger_case_t wc[BATCH_MAX];
    size_t nwc = 0;
    int begin_pending = 0;
    int rc = phase1(db, jobs, n, wc, &nwc, &begin_pending);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (jobs[i].stage == ST_DB && jobs[i].lock_case == NULL)
            decide(&jobs[i], NULL, "");
    /* Phase 2: statements in arrival order, then COMMIT. A handler with
     * send_group writes all its jobs in one statement, sent where the
     * first of them arrived. */
    for (size_t i = 0; i < n; i++) {
        ledger_job_t *j = &jobs[i];
        if (j->stage != ST_DB && j->stage != ST_APPLY)
            continue;
        j->nsent = 0;
        if (j->handler->send_group != NULL) {
            if (j->group_lead == NULL && send_group(db, jobs, n, i) < 0)
                return -ENOTCONN;
        } else if (j->handler->send(db, j) < 0) {
            return -ENOTCONN;
        }
        j->nres = -j->nsent; /* expected count, negated until read */
    }
    if (db_send_cmd(db, "COMMIT") < 0 || db_sync(db) < 0)
        return -ENOTCONN;
    int failed = 0, transient = 0;
    if (begin_pending) {
        PGresult *br = NULL;
        if (db_next(db, &br) < 0)
            return -ENOTCONN;
        failed |= !ok_status(br);
        PQclear(br);
    }
    for (size_t i = 0; i < n; i++) {
        ledger_job_t *j = &jobs[i];
        if (j->nres >= 0)
            continue;
        int want = -j->nres;
        j->nres = 0;
        for (int k = 0; k < want; k++) {
            PGresult *r = NULL;
            if (db_next(db, &r) < 0)
                return -ENOTCONN;
            if (!ok_status(r)) {
                if (PQresultStatus(r) != PGRES_PIPELINE_ABORTED) {
                    log_error(NULL, "%s: %s", wire_body_name(j->req), PQresultErrorMessage(r));
                    /* Kept for the answer: the connection's own message is
                     * gone after the ROLLBACK (issue 12: INTERNAL with an
                     * empty reason). */
                    snprintf(last_refusal, sizeof last_refusal, "%s",
                             PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
                                 ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
                                 : PQresultErrorMessage(r));
                    const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
                    /* Timeouts, deadlocks and serialisation failures are
                     * about the moment, not the request: retrying every
                     * request alone would only repeat the wait. */
                    if (st && (strcmp(st, "57014") == 0 || strcmp(st, "40001") == 0 ||
                               strcmp(st, "40P01") == 0 || strcmp(st, "55P03") == 0))
                        transient = 1;
                }
                failed = 1;
            }
            j->res[j->nres++] = r;
        }
    }
    PGresult *cr = NULL;
    if (db_next(db, &cr) < 0)
        return -ENOTCONN;
    /* A COMMIT in a failed transaction "succeeds" with status ROLLBACK. */
    int committed =
        PQresultStatus(cr) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(cr), "COMMIT") == 0;
    PQclear(cr);
    if (db_next_sync(db) < 0)
        return -ENOTCONN;
    if (failed || !committed)
        return transient ? -EAGAIN : -EIO;
    for (size_t i = 0; i < n; i++) {
        ledger_job_t *j = &jobs[i];
        if (j->stage != ST_DB && j->stage != ST_APPLY)
            continue;
        j->done = 1;
        j->handler->answer(j);
    }
    for (size_t i = 0; i < n; i++) {
        ledger_job_t *j = &jobs[i];
        if (j->dup_of < 0)
            continue;
        j->first_copy = &jobs[j->dup_of];
        j->done = 1;
        j->handler->answer(j);
    }
    for (size_t i = 0; i < n; i++)
        if (jobs[i].answer.body_case == LIANDONG__V1__ENVELOPE__BODY__NOT_SET)
            ledger_job_fail(&jobs[i], E(INTERNAL), "%s: no answer", jobs[i].handler->name);
    return 0;
}

static void reset_for_retry(ledger_job_t *j)
{
    if (j->stage == ST_EARLY)
        return;
    ledger_job_clear_results(j);
    j->done = 0;
    j->stage = ST_DB;
    j->dup_of = -1;
    j->first_copy = NULL;
    j->group_lead = NULL;
    j->group_ord = 0;
    j->nsent = 0;
    j->events = NULL;
    j->n_events = 0;
    liandong__v1__envelope__init(&j->answer);
}

size_t ledger_batch_validate(ledger_job_t *jobs, size_t n)
{
    size_t active = 0;
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].stage == ST_NEW)
            validate(&jobs[i]);
        if (jobs[i].stage != ST_EARLY)
            active++;
    }
    return active;
}

int ledger_batch_run(db_t *db, ledger_job_t *jobs, size_t n)
{
    size_t active = ledger_batch_validate(jobs, n);
    if (active == 0)
        return 0;
    if (!db_ok(db))
        return -ENOTCONN;
    last_refusal[0] = '\0';
    int rc = run_once(db, jobs, n);
    if (rc == 0)
        return 0;
    if (rc == -ENOTCONN || db_rollback(db) < 0) {
        for (size_t i = 0; i < n; i++)
            reset_for_retry(&jobs[i]);
        return -ENOTCONN;
    }
    for (size_t i = 0; i < n; i++)
        reset_for_retry(&jobs[i]);
    if (rc == -EAGAIN) {
        for (size_t i = 0; i < n; i++)
            if (jobs[i].stage != ST_EARLY)
                ledger_job_fail(&jobs[i], E(UNAVAILABLE),
                                "the database is busy (timeout or deadlock); retry");
        return 0;
    }
    if (active == 1) {
        for (size_t i = 0; i < n; i++)
            if (jobs[i].stage != ST_EARLY)
                ledger_job_fail(&jobs[i], E(INTERNAL), "the ledger could not record this: %s",
                                last_refusal[0] ? last_refusal
                                : *db_error(db) ? db_error(db)
                                                : "the database refused it without a reason");
        return 0;
    }
    /* Isolate the failure: every job again, alone in its own transaction. */
    log_warn(NULL, "batch of %zu failed; retrying its requests one by one", active);
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].stage == ST_EARLY)
            continue;
        rc = ledger_batch_run(db, &jobs[i], 1);
        if (rc == -ENOTCONN)
            return rc;
    }
    return 0;
}
