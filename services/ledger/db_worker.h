/*
 * db_worker.h - the ledger's database thread: the one place where libpq
 * may block. The loop hands it one task at a time (a batch of jobs to run
 * through batch.c, or a (re)connect) and goes on serving sockets, Ping and
 * the queue's refusals; the thread runs the task and wakes the loop with a
 * uv_async when it is done (issue 12: the loop never blocks on
 * PostgreSQL, even while the server is frozen).
 *
 * Ownership: while a task runs, its jobs and the db belong to the thread;
 * the loop touches neither until the done callback, which runs on the
 * loop. One task at a time keeps the one connection's pipeline and the
 * gap-free event order exactly as they were (docs/write-path.md).
 *
 * The ledger runs two, each with a db of its own: the batches' (main.c)
 * and the registry import's (registry_import.c), whose connection exists
 * only while an import runs; an import writes no event.
 */
#ifndef LIANDONG_LEDGER_DB_WORKER_H
#define LIANDONG_LEDGER_DB_WORKER_H

#include <stddef.h>
#include <uv.h>

#include "db.h"
#include "job.h"

typedef enum {
    DB_TASK_BATCH = 1,
    DB_TASK_CONNECT = 2,
    DB_TASK_ALONE = 3,
    DB_TASK_CHECK = 4
} db_task_t;

typedef struct db_worker db_worker_t;

/* On the loop, once per finished task: rc is ledger_batch_run()'s or
 * db_check()'s (after -ENOTCONN the thread has already dropped the
 * connection) or db_connect()'s; for DB_TASK_ALONE, ledger_batch_run()'s
 * or, when the connect failed, db_connect()'s. */
typedef void (*db_worker_done_fn)(void *ud, db_task_t task, int rc);

/* Starts the thread; `db` is the thread's from now on. 0 or -errno. */
int db_worker_create(uv_loop_t *loop, db_t *db, db_worker_done_fn done, void *ud,
                     db_worker_t **out);
/* Waits for a running task (its done callback runs here), stops the thread
 * and closes the uv handle; *wp is NULLed. The db stays the caller's. */
void db_worker_destroy(db_worker_t **wp);

/* True from a post until its done callback has run. */
int db_worker_busy(const db_worker_t *w);
/* Nanoseconds (uv_hrtime) since the running task was posted; 0 if idle. */
uint64_t db_worker_busy_ns(const db_worker_t *w);
/* Hands a task to the thread: -EBUSY if one is running. jobs[0..n) stay
 * untouched by the loop until the done callback. */
int db_worker_post_batch(db_worker_t *w, ledger_job_t *jobs, size_t n);
int db_worker_post_connect(db_worker_t *w);
/* A batch on a connection of its own, held only while it runs: validates
 * the jobs (no connection for a refusal), connects, runs them, and
 * disconnects whatever the outcome (the registry import's worker,
 * import.c). -EBUSY if a task is running. */
int db_worker_post_alone(db_worker_t *w, ledger_job_t *jobs, size_t n);
/* db_check(): the writer's connection and lock, between batches. */
int db_worker_post_check(db_worker_t *w);
/* Blocks until the running task (if any) is done and runs its callback:
 * for shutdown only, where the loop may wait. */
void db_worker_wait(db_worker_t *w);

#endif
