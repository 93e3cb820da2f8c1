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

/* The session-level advisory lock only the writing ledger holds (issue 17:
 * two ledgers, one writer). Distinct from db_migrate.c's key. */
#define WRITER_LOCK_KEY "17017"
/* The writer's session is ended by the server after this long without a
 * statement (idle_session_timeout) or inside a transaction without one
 * (idle_in_transaction_session_timeout); its lock goes with it. A frozen
 * writer process (SIGSTOP, a VM paused) keeps its TCP connection alive
 * (its kernel still answers keepalives), so without these its lock would
 * be held for as long as it stays frozen and the standby could never take
 * over. A healthy writer is never idle that long: the ledger checks its
 * lock every second (db_check). Both below statement_timeout: a batch is
 * two round trips with only C between them. */
#define IDLE_SESSION_MS "6000"
#define IDLE_IN_TX_MS "6000"

struct db {
    char *conninfo;
    char *schema_dir;
    const db_stmt_t *stmts;
    size_t nstmts;
    PGconn *conn;
    const char *app_name;
    long statement_timeout_ms;
    int writer;     /* this session may write: prepared, pipelined */
    int one_writer; /* writers take WRITER_LOCK_KEY (db_set_one_writer) */
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
    d->one_writer = 1;
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
    d->writer = 0;
}

int db_ok(db_t *d)
{
    return d->conn != NULL && d->writer && PQstatus(d->conn) == CONNECTION_OK;
}

void db_set_one_writer(db_t *d, int on)
{
    d->one_writer = on;
}

int db_is_writer(const db_t *d)
{
    return d->writer;
}

static void on_notice(void *arg, const char *msg)
{
    (void)arg;
    /* Server notices ("already exists, skipping") are not our errors. */
    log_debug(NULL, "postgres: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* One attempt at the writer lock on a plain (not yet pipelined)
 * connection: 1 taken, 0 held by another session, -ECONNREFUSED when the
 * connection broke. A read-only server (a standby that was primary when we
 * connected) cannot be written to: we go and find the primary again. */
static int try_writer_lock(db_t *d)
{
    PGresult *r = PQexec(d->conn, "SELECT pg_try_advisory_lock(" WRITER_LOCK_KEY
                                  "), current_setting('transaction_read_only')");
    int rc = -ECONNREFUSED;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        if (strcmp(PQgetvalue(r, 0, 1), "on") == 0)
            snprintf(d->err, sizeof d->err, "the server is read-only (a standby)");
        else
            rc = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    } else {
        set_err(d, "writer lock");
    }
    PQclear(r);
    return rc;
}

/* The half of db_connect after the writer lock was taken. */
static int become_writer(db_t *d)
{
    /* Migrations on every (re)connect, not just at start: a ledger that
     * started while the database was down must not serve an old schema,
     * and applied migrations cost one query to skip. Only the writer runs
     * them: a standby never changes the database. */
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
    d->writer = 1;
    return 0;
}

/* A standby's next attempt on the connection it kept: 0 (now the writer),
 * -EBUSY (still held elsewhere) or -ECONNREFUSED (reconnect). */
static int retry_as_standby(db_t *d)
{
    int got = try_writer_lock(d);
    if (got == 1)
        return become_writer(d);
    if (got == 0)
        return -EBUSY;
    db_disconnect(d);
    return -ECONNREFUSED;
}

int db_connect(db_t *d)
{
    if (d->conn != NULL && !d->writer && PQstatus(d->conn) == CONNECTION_OK)
        return retry_as_standby(d);
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
    char options[384];
    snprintf(options, sizeof options,
             "-c statement_timeout=%ld -c idle_in_transaction_session_timeout=" IDLE_IN_TX_MS
             " -c idle_session_timeout=" IDLE_SESSION_MS " -c max_parallel_workers_per_gather=0%s",
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
    /* Exactly one ledger writes (issue 17): the one whose session holds
     * the writer lock. Every write goes through that session, so the lock
     * is also the fence: when the session ends (process killed, network
     * lost, idle timeout, the server restarted or demoted) PostgreSQL
     * releases the lock, and nothing more can be written through it
     * before another ledger can take the lock. A standby keeps its plain
     * connection and asks again (retry_as_standby). */
    int got = d->one_writer ? try_writer_lock(d) : 1;
    if (got < 0) {
        db_disconnect(d);
        return -ECONNREFUSED;
    }
    if (got == 0) {
        snprintf(d->err, sizeof d->err, "another ledger holds the writer lock");
        return -EBUSY;
    }
    return become_writer(d);
}

int db_check(db_t *d)
{
    if (!db_ok(d))
        return -ENOTCONN;
    /* The lock is ours until the session ends; asking pg_locks also keeps
     * the session from idling into idle_session_timeout, and a broken
     * connection shows here between batches. (classid, objid, objsubid)
     * is how pg_locks spells a one-bigint advisory key. */
    PGresult *r = NULL;
    if (!d->one_writer) {
        if (db_send_cmd(d, "SELECT 1") < 0 || db_sync(d) < 0 || db_next(d, &r) < 0)
            return -ENOTCONN;
        PQclear(r);
        return db_next_sync(d);
    }
    if (db_send_cmd(d, "SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
                       " AND pid = pg_backend_pid() AND classid = 0 AND objid = " WRITER_LOCK_KEY
                       " AND objsubid = 1 AND granted") < 0 ||
        db_sync(d) < 0 || db_next(d, &r) < 0)
        return -ENOTCONN;
    int held = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    PQclear(r);
    if (db_next_sync(d) < 0)
        return -ENOTCONN;
    if (!held) {
        snprintf(d->err, sizeof d->err, "the writer lock is no longer held by this session");
        return -ENOTCONN;
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
