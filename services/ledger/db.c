/*
 * db.c - PostgreSQL connection, prepared statements and pipeline helpers
 * for the ledger (see db.h).
 */
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_clock.h"
#include "log.h"

struct db {
    char *conninfo;
    char *schema_dir;
    const db_stmt_t *stmts;
    size_t nstmts;
    PGconn *conn;
    const char *app_name;
    long statement_timeout_ms;
    int migrated;
    char err[512];
};

int db_create(const char *conninfo, const char *schema_dir, const db_stmt_t *stmts, size_t nstmts,
              db_t **out)
{
    db_t *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return -ENOMEM;
    d->conninfo = strdup(conninfo);
    d->schema_dir = strdup(schema_dir);
    if (d->conninfo == NULL || d->schema_dir == NULL) {
        db_destroy(&d);
        return -ENOMEM;
    }
    d->stmts = stmts;
    d->nstmts = nstmts;
    d->app_name = "liandong-ledger";
    d->statement_timeout_ms = 10000;
    *out = d;
    return 0;
}

void db_destroy(db_t **dp)
{
    if (dp == NULL || *dp == NULL)
        return;
    db_t *d = *dp;
    db_disconnect(d);
    free(d->conninfo);
    free(d->schema_dir);
    free(d);
    *dp = NULL;
}

void db_set_session(db_t *d, const char *application_name, long statement_timeout_ms)
{
    d->app_name = application_name;
    d->statement_timeout_ms = statement_timeout_ms;
}

static void set_err(db_t *d, const char *what)
{
    const char *m = d->conn ? PQerrorMessage(d->conn) : "no connection";
    snprintf(d->err, sizeof d->err, "%s: %s", what, m);
    /* libpq messages end with a newline; logs are one line each. */
    for (char *p = d->err; *p; p++)
        if (*p == '\n')
            *p = ' ';
}

const char *db_error(db_t *d)
{
    return d->err;
}

void db_disconnect(db_t *d)
{
    if (d->conn) {
        PQfinish(d->conn);
        d->conn = NULL;
    }
}

int db_ok(db_t *d)
{
    return d->conn != NULL && PQstatus(d->conn) == CONNECTION_OK;
}

static void on_notice(void *arg, const char *msg)
{
    (void)arg;
    /* Server notices ("already exists, skipping") are not our errors. */
    log_debug(NULL, "postgres: %.*s", (int)strcspn(msg, "\n"), msg);
}

int db_connect(db_t *d)
{
    db_disconnect(d);
    /* Our defaults come first so that anything in the operator's conninfo
     * overrides them: a bounded connect, and keepalives plus a TCP user
     * timeout so a vanished server fails a blocking call instead of
     * hanging the loop forever. */
    const char *keys[] = {"connect_timeout",  "keepalives",
                          "keepalives_idle",  "keepalives_interval",
                          "keepalives_count", "tcp_user_timeout",
                          "application_name", "options",
                          "dbname",           NULL};
    /* statement_timeout bounds how long one batch can block the loop (a
     * lock held by another ledger, a runaway query); a timed-out batch is
     * answered ERROR_UNAVAILABLE and the clients retry. No parallel
     * workers: every statement here takes milliseconds, and starting
     * workers took ~50 ms of a 60 ms figures query on the bench (a
     * parallel plan appears as soon as the planner sees a roll-up range
     * large enough). */
    /* The system's clock for ld_now() (ledger_clock.h), in every session:
     * a reconnect keeps it. */
    char options[320];
    snprintf(options, sizeof options,
             "-c statement_timeout=%ld -c idle_in_transaction_session_timeout=60000"
             " -c max_parallel_workers_per_gather=0%s",
             d->statement_timeout_ms, ledger_clock_pg_options());
    const char *vals[] = {"3",     "1",         "10",    "5",         "3",
                          "15000", d->app_name, options, d->conninfo, NULL};
    d->conn = PQconnectdbParams(keys, vals, 1);
    if (d->conn == NULL || PQstatus(d->conn) != CONNECTION_OK) {
        set_err(d, "connect");
        db_disconnect(d);
        return -ECONNREFUSED;
    }
    PQsetNoticeProcessor(d->conn, on_notice, NULL);
    /* Migrations on every (re)connect, not just at start: a ledger that
     * started while the database was down must not serve an old schema,
     * and applied migrations cost one query to skip. */
    int rc = db_migrate(d->conn, d->schema_dir);
    if (rc < 0) {
        snprintf(d->err, sizeof d->err, "migrations failed (see above)");
        db_disconnect(d);
        return rc == -ECONNREFUSED ? rc : -EIO;
    }
    /* Prepared statements live in the session: a new connection needs
     * them again. */
    for (size_t i = 0; i < d->nstmts; i++) {
        PGresult *r =
            PQprepare(d->conn, d->stmts[i].name, d->stmts[i].sql, d->stmts[i].nparams, NULL);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok) {
            snprintf(d->err, sizeof d->err, "prepare %s: %s", d->stmts[i].name,
                     PQresultErrorMessage(r));
            log_error(NULL, "%s", d->err);
        }
        PQclear(r);
        if (!ok) {
            int bad = PQstatus(d->conn) != CONNECTION_OK;
            db_disconnect(d);
            return bad ? -ECONNREFUSED : -EIO;
        }
    }
    if (PQenterPipelineMode(d->conn) != 1) {
        set_err(d, "pipeline mode");
        db_disconnect(d);
        return -EIO;
    }
    return 0;
}

int db_send(db_t *d, const char *stmt, int nparams, const char *const *values)
{
    if (!db_ok(d))
        return -ENOTCONN;
    if (PQsendQueryPrepared(d->conn, stmt, nparams, values, NULL, NULL, 0) != 1) {
        set_err(d, stmt);
        return -ENOTCONN;
    }
    return 0;
}

int db_send_binary(db_t *d, const char *stmt, int nparams, const char *const *values)
{
    if (!db_ok(d))
        return -ENOTCONN;
    if (PQsendQueryPrepared(d->conn, stmt, nparams, values, NULL, NULL, 1) != 1) {
        set_err(d, stmt);
        return -ENOTCONN;
    }
    return 0;
}

int db_send_cmd(db_t *d, const char *sql)
{
    if (!db_ok(d))
        return -ENOTCONN;
    if (PQsendQueryParams(d->conn, sql, 0, NULL, NULL, NULL, NULL, 0) != 1) {
        set_err(d, sql);
        return -ENOTCONN;
    }
    return 0;
}

int db_sync(db_t *d)
{
    if (!db_ok(d))
        return -ENOTCONN;
    if (PQpipelineSync(d->conn) != 1) {
        set_err(d, "sync");
        return -ENOTCONN;
    }
    return 0;
}

int db_next(db_t *d, PGresult **out)
{
    *out = NULL;
    if (d->conn == NULL)
        return -ENOTCONN;
    PGresult *r = PQgetResult(d->conn);
    if (r == NULL) {
        set_err(d, "result");
        return -ENOTCONN;
    }
    /* Each query's results end with a NULL; read it so the next call sees
     * the next query. */
    PGresult *extra;
    while ((extra = PQgetResult(d->conn)) != NULL) {
        PQclear(extra);
        if (PQstatus(d->conn) != CONNECTION_OK)
            break;
    }
    if (PQstatus(d->conn) != CONNECTION_OK) {
        set_err(d, "connection lost");
        PQclear(r);
        return -ENOTCONN;
    }
    *out = r;
    return 0;
}

int db_next_sync(db_t *d)
{
    if (d->conn == NULL)
        return -ENOTCONN;
    PGresult *r = PQgetResult(d->conn);
    int st = r ? (int)PQresultStatus(r) : -1;
    PQclear(r);
    if (st != PGRES_PIPELINE_SYNC || PQstatus(d->conn) != CONNECTION_OK) {
        set_err(d, "pipeline sync");
        return -ENOTCONN;
    }
    return 0;
}

int db_rollback(db_t *d)
{
    if (!db_ok(d))
        return -ENOTCONN;
    PGTransactionStatusType ts = PQtransactionStatus(d->conn);
    if (ts == PQTRANS_IDLE)
        return 0;
    PGresult *r = NULL;
    if (db_send_cmd(d, "ROLLBACK") < 0 || db_sync(d) < 0 || db_next(d, &r) < 0 ||
        db_next_sync(d) < 0) {
        PQclear(r);
        return -ENOTCONN;
    }
    PQclear(r);
    return 0;
}
