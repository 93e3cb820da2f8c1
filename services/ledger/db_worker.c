/*
 * db_worker.c - the ledger's database thread (see db_worker.h).
 *
 * Why a thread and not libpq's asynchronous API on the loop: the batch
 * executor (batch.c) and every handler read their results in the order
 * sent, as straight-line code; a thread keeps that code and its
 * guarantees (durable before acknowledged, one transaction per batch,
 * gap-free event order) as they are, and only moves where it waits. A
 * connect, the migrations it applies and a frozen server's endless wait
 * all happen here; the loop keeps answering Ping and refusing what cannot
 * wait.
 */
#include "db_worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "log.h"

struct db_worker {
    uv_async_t async;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* a task was posted, or quit */
    pthread_cond_t done_cv; /* a task finished */
    db_t *db;
    db_worker_done_fn done;
    void *ud;
    /* under mu */
    db_task_t task;
    int posted;   /* the thread has a task to run */
    int finished; /* the thread ran it; the loop has not yet seen it */
    int rc;
    int quit;
    ledger_job_t *jobs;
    size_t n;
    /* loop only */
    int busy;
    uint64_t posted_at;
};

static void *thread_main(void *arg)
{
    db_worker_t *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->quit && !w->posted)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->quit)
            break;
        db_task_t task = w->task;
        pthread_mutex_unlock(&w->mu);
        int rc;
        if (task == DB_TASK_BATCH) {
            rc = ledger_batch_run(w->db, w->jobs, w->n);
            /* A broken connection is dropped here, by its owner: the next
             * batch finds no connection and is answered UNAVAILABLE at
             * once until the loop's reconnect succeeds. */
            if (rc == -ENOTCONN)
                db_disconnect(w->db);
        } else if (task == DB_TASK_ALONE) {
            rc = 0;
            if (ledger_batch_validate(w->jobs, w->n) > 0) {
                rc = db_connect(w->db);
                if (rc == 0)
                    rc = ledger_batch_run(w->db, w->jobs, w->n);
                /* Released at once: an idle import connection would hold
                 * one of the server's max_connections for nothing. */
                db_disconnect(w->db);
            }
        } else if (task == DB_TASK_CHECK) {
            rc = db_check(w->db);
            if (rc == -ENOTCONN)
                db_disconnect(w->db);
        } else {
            rc = db_connect(w->db);
        }
        pthread_mutex_lock(&w->mu);
        w->rc = rc;
        w->posted = 0;
        w->finished = 1;
        pthread_cond_broadcast(&w->done_cv);
        pthread_mutex_unlock(&w->mu);
        uv_async_send(&w->async);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* On the loop: hands a finished task's outcome to the owner. */
static void deliver(db_worker_t *w)
{
    pthread_mutex_lock(&w->mu);
    int finished = w->finished;
    db_task_t task = w->task;
    int rc = w->rc;
    w->finished = 0;
    pthread_mutex_unlock(&w->mu);
    if (!finished)
        return;
    w->busy = 0;
    w->posted_at = 0;
    w->done(w->ud, task, rc);
}

static void on_async(uv_async_t *a)
{
    deliver(a->data);
}

static void free_on_close(uv_handle_t *h)
{
    db_worker_t *w = h->data;
    pthread_cond_destroy(&w->cv);
    pthread_cond_destroy(&w->done_cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

int db_worker_create(uv_loop_t *loop, db_t *db, db_worker_done_fn done, void *ud, db_worker_t **out)
{
    db_worker_t *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return -ENOMEM;
    w->db = db;
    w->done = done;
    w->ud = ud;
    if (pthread_mutex_init(&w->mu, NULL) != 0) {
        free(w);
        return -ENOMEM;
    }
    pthread_cond_init(&w->cv, NULL);
    pthread_cond_init(&w->done_cv, NULL);
    int rc = uv_async_init(loop, &w->async, on_async);
    if (rc < 0) {
        pthread_cond_destroy(&w->cv);
        pthread_cond_destroy(&w->done_cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return rc;
    }
    w->async.data = w;
    rc = pthread_create(&w->thread, NULL, thread_main, w);
    if (rc != 0) {
        log_error(NULL, "database thread: %s", strerror(rc));
        /* w is freed once the loop has closed the handle. */
        uv_close((uv_handle_t *)&w->async, free_on_close);
        return -rc;
    }
    *out = w;
    return 0;
}

void db_worker_destroy(db_worker_t **wp)
{
    if (wp == NULL || *wp == NULL)
        return;
    db_worker_t *w = *wp;
    db_worker_wait(w);
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    /* Freed once the loop has closed the handle (service_finish runs it). */
    uv_close((uv_handle_t *)&w->async, free_on_close);
    *wp = NULL;
}

int db_worker_busy(const db_worker_t *w)
{
    return w->busy;
}

uint64_t db_worker_busy_ns(const db_worker_t *w)
{
    return w->busy ? uv_hrtime() - w->posted_at : 0;
}

static int post(db_worker_t *w, db_task_t task, ledger_job_t *jobs, size_t n)
{
    if (w->busy)
        return -EBUSY;
    w->busy = 1;
    w->posted_at = uv_hrtime();
    pthread_mutex_lock(&w->mu);
    w->task = task;
    w->jobs = jobs;
    w->n = n;
    w->posted = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

int db_worker_post_batch(db_worker_t *w, ledger_job_t *jobs, size_t n)
{
    return post(w, DB_TASK_BATCH, jobs, n);
}

int db_worker_post_connect(db_worker_t *w)
{
    return post(w, DB_TASK_CONNECT, NULL, 0);
}

int db_worker_post_alone(db_worker_t *w, ledger_job_t *jobs, size_t n)
{
    return post(w, DB_TASK_ALONE, jobs, n);
}

int db_worker_post_check(db_worker_t *w)
{
    return post(w, DB_TASK_CHECK, NULL, 0);
}

void db_worker_wait(db_worker_t *w)
{
    if (!w->busy)
        return;
    pthread_mutex_lock(&w->mu);
    while (w->posted)
        pthread_cond_wait(&w->done_cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    deliver(w);
}
