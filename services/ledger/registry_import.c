/*
 * registry_import.c - registry imports on a thread and connection of
 * their own, beside the batches (see registry_import.h).
 *
 * Why not in the batches' queue: the ledger commits batches one at a time
 * on one connection, so a 60,000-compound import (seconds of parsing,
 * checking and writing) held every submission behind it for 2.3-4.4 s.
 * Here the import's job goes through the same handler and executor
 * (ledger_batch_run) on its own db_worker, and the loop goes on handing
 * batches to the other one.
 */
#include "registry_import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "db_worker.h"
#include "handler.h"
#include "log.h"

/* The import's statement may take long on a big registry and a busy
 * machine; it blocks nothing but itself (the batches' connection keeps
 * its own 10 s bound), so it gets minutes rather than seconds. */
#define IMPORT_STATEMENT_TIMEOUT_MS 300000L

struct registry_import {
    db_t *db;
    db_worker_t *w;
    metrics_t *metrics;
    rpc_request_t *req; /* the import running, or NULL */
    uint64_t started;   /* uv_hrtime() it was taken at */
    ledger_job_t job;
};

static double seconds_since(uint64_t t)
{
    return (double)(uv_hrtime() - t) / 1e9;
}

/* On the loop, when the import thread is done with the job. */
static void on_done(void *ud, db_task_t task, int rc)
{
    (void)task;
    registry_import_t *imp = ud;
    ledger_job_t *j = &imp->job;
    if (!j->done) {
        /* Nothing of the import is visible unless its one transaction
         * committed: the old registry stands whole otherwise. */
        log_warn(NULL, "registry import not done (%s): %s", rc == -ENOTCONN ? "lost" : "connect",
                 db_error(imp->db));
        if (rc == -ENOTCONN)
            ledger_job_fail(j, E(UNAVAILABLE),
                            "the database connection was lost during the registry import: the "
                            "old registry stands unless `petition registry history` lists this "
                            "import; retry");
        else
            ledger_job_fail(j, E(UNAVAILABLE),
                            "the registry import could not reach the database; nothing was "
                            "imported, retry later");
    }
    /* The import is a transaction of its own: a batch of one in
     * liandong_ledger_commit_batch_size, so that the batches still add up
     * to the requests timed. */
    metrics_batch(imp->metrics, 1);
    metrics_request(imp->metrics, j->req, &j->answer, seconds_since(imp->started));
    rpc_request_answer(imp->req, &j->answer);
    ledger_job_clear(j);
    imp->req = NULL;
}

int registry_import_create(uv_loop_t *loop, const char *conninfo, const char *schema_dir,
                           metrics_t *metrics, registry_import_t **out)
{
    registry_import_t *imp = calloc(1, sizeof(*imp));
    if (imp == NULL)
        return -ENOMEM;
    imp->metrics = metrics;
    /* Only the import's own statement is prepared on its connection: the
     * executor sends nothing else for a request that locks no case. */
    const ledger_handler_t *h = &ledger_req_registry_import;
    int rc = db_create(conninfo, schema_dir, h->stmts, h->n_stmts, &imp->db);
    if (rc < 0) {
        free(imp);
        return rc;
    }
    db_set_session(imp->db, "liandong-ledger-import", IMPORT_STATEMENT_TIMEOUT_MS);
    /* The writer lock is the batches' session's (db.c, issue 17): this
     * connection must not ask for it, or it would find it held by its own
     * ledger and stand by. An import reaches only the writing ledger (a
     * standby's request socket is unbound); a writer that loses its lock
     * while an import runs lets that one import finish (docs/registry.md). */
    db_set_one_writer(imp->db, 0);
    rc = db_worker_create(loop, imp->db, on_done, imp, &imp->w);
    if (rc < 0) {
        db_destroy(&imp->db);
        free(imp);
        return rc;
    }
    *out = imp;
    return 0;
}

void registry_import_destroy(registry_import_t **ip)
{
    if (ip == NULL || *ip == NULL)
        return;
    registry_import_t *imp = *ip;
    /* A running import finishes and is answered (on_done) first. */
    db_worker_destroy(&imp->w);
    db_destroy(&imp->db);
    free(imp);
    *ip = NULL;
}

void registry_import_start(registry_import_t *imp, rpc_request_t *req)
{
    if (imp->req != NULL || db_worker_busy(imp->w)) {
        char why[160];
        snprintf(why, sizeof why,
                 "a registry import is already running (for %.1f s); retry when it has finished",
                 seconds_since(imp->started));
        log_info(NULL, "registry import refused: %s", why);
        Liandong__V1__Error e = LIANDONG__V1__ERROR__INIT;
        e.code = E(UNAVAILABLE);
        envelope_t a = LIANDONG__V1__ENVELOPE__INIT;
        a.body_case = LIANDONG__V1__ENVELOPE__BODY_ERROR;
        a.error = &e;
        metrics_request(imp->metrics, rpc_request_envelope(req), &a, 0.0);
        rpc_request_fail(req, E(UNAVAILABLE), why);
        return;
    }
    imp->req = req;
    imp->started = uv_hrtime();
    ledger_job_init(&imp->job, rpc_request_envelope(req), rpc_request_user(req));
    if (db_worker_post_alone(imp->w, &imp->job, 1) < 0) {
        /* Not busy was checked above: cannot happen. */
        ledger_job_fail(&imp->job, E(INTERNAL), "the registry import thread is busy");
        on_done(imp, DB_TASK_ALONE, 0);
    }
}
