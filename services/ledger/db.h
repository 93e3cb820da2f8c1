/*
 * db.h - the ledger's one PostgreSQL connection: connect (with migrations
 * and prepared statements), pipeline-mode send/receive, and the knowledge
 * of whether the server is reachable.
 *
 * All calls block; they are made from the loop once per batch. Keeping
 * libpq behind this interface is what lets the batch executor move to a
 * thread or to libpq's non-blocking mode later without touching handlers.
 */
#ifndef LIANDONG_LEDGER_DB_H
#define LIANDONG_LEDGER_DB_H

#include <libpq-fe.h>
#include <stddef.h>

typedef struct {
    const char *name;
    const char *sql;
    int nparams;
} db_stmt_t;

typedef struct db db_t;

/* Nothing is connected yet. `stmts` must outlive the db. */
int db_create(const char *conninfo, const char *schema_dir, const db_stmt_t *stmts, size_t nstmts,
              db_t **out);
void db_destroy(db_t **dp);
/* For a connection with another job than the batches' (the registry
 * import's, import.c): the application_name it shows in pg_stat_activity
 * and its statement_timeout in ms, used from the next db_connect on.
 * Both must outlive the db. Defaults: "liandong-ledger", 10000. */
void db_set_session(db_t *d, const char *application_name, long statement_timeout_ms);

/* Connects, takes the writer lock (one ledger writes: issue 17), applies
 * pending migrations, prepares every statement and enters pipeline mode.
 * Returns 0 or a negative errno (-ECONNREFUSED when the server cannot be
 * reached or is read-only, -EIO for a failed migration or prepare, -EBUSY
 * when another ledger's session holds the writer lock: the connection is
 * kept, and the next db_connect only asks for the lock again). */
int db_connect(db_t *d);
/* With on = 0 (tests that run several ledgers on one database on
 * purpose), no writer lock is taken: every ledger writes, as before issue
 * 17. On by default. Call before the first db_connect. */
void db_set_one_writer(db_t *d, int on);
/* True while this connection may write (holds the writer lock). */
int db_is_writer(const db_t *d);
/* Between batches, once a second: the connection is up and its session
 * still holds the writer lock. 0 or -ENOTCONN (then drop it). */
int db_check(db_t *d);
/* Drops the connection (after a failure): the next batch needs db_connect. */
void db_disconnect(db_t *d);
/* True when connected as the writer and libpq still believes the
 * connection is good. */
int db_ok(db_t *d);
/* The last error text, for logs. */
const char *db_error(db_t *d);

/* Pipeline: queue a prepared statement / a parameterless command. */
int db_send(db_t *d, const char *stmt, int nparams, const char *const *values);
int db_send_cmd(db_t *d, const char *sql);
/* As db_send, but the result comes in PostgreSQL's binary format (text
 * parameters still): for big reads, where the server's per-value text
 * formatting costs more than the query (ListDeadlines). */
int db_send_binary(db_t *d, const char *stmt, int nparams, const char *const *values);
/* Ends the current pipeline segment and flushes it to the server. */
int db_sync(db_t *d);
/* The result of the next queued query (caller PQclear()s it). Returns 0,
 * or -ENOTCONN when the connection broke (then *out is NULL). */
int db_next(db_t *d, PGresult **out);
/* Consumes the PGRES_PIPELINE_SYNC that ends a segment: 0 or -ENOTCONN. */
int db_next_sync(db_t *d);
/* Leaves the connection with no open transaction after a failed batch:
 * ROLLBACK if one is open. Returns 0 or -ENOTCONN. */
int db_rollback(db_t *d);

/* Applies deploy/schema-style migrations on a plain (non-pipeline)
 * connection; see db_migrate.c. */
int db_migrate(PGconn *conn, const char *dir);

#endif
