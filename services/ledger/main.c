/*
 * main.c - the ledger process: the only owner of PostgreSQL. Serves case
 * creation, actions, lists, figures and the registry over an rpc_server,
 * and publishes every committed CaseEvent on a stream only services and
 * operators may subscribe to (lib/stream_pub.h).
 *
 * Requests are not executed one by one: the handler queues them, and a
 * uv_idle (which runs after the loop has drained every socket) hands
 * everything queued, up to BATCH_MAX, to the database thread as one
 * transaction (db_worker.h, batch.c). While it commits, the loop goes on
 * reading sockets and answering Ping; what arrives meanwhile is the next
 * batch. Answers and events go out only after COMMIT's result arrived.
 * A registry import runs beside the batches, on a connection of its own
 * (registry_import.h), so it never holds them up.
 *
 * Two ledgers may run on one database (issue 17, docs/failover.md): the one
 * whose session holds the writer lock (db.c) writes; the other stands by
 * with its request and event sockets unbound and asks for the lock every
 * STANDBY_RETRY_MS, so it takes over within about a second of the
 * writer's session ending.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "db_worker.h"
#include "field_limits.h"
#include "batch.h"
#include "calendar_horizon.h"
#include "authz.h"
#include "handler.h"
#include "identity.h"
#include "log.h"
#include "metrics.h"
#include "registry_import.h"
#include "reply_text.h"
#include "ledger_clock.h"
#include "req_case.h"
#include "rpc.h"
#include "secure.h"
#include "service.h"
#include "stream_pub.h"

static config_opt_t opts[] = {
    {"listen", "LIANDONG_LEDGER_LISTEN", "tcp://127.0.0.1:7301", "request socket (ROUTER)", 0,
     NULL},
    {"events", "LIANDONG_LEDGER_EVENTS", "tcp://127.0.0.1:7302",
     "committed CaseEvent envelopes (XPUB: services and operators)", 0, NULL},
    {"db", "LIANDONG_DB", "host=127.0.0.1 port=5433 dbname=liandong user=liandong",
     "libpq connection string", 0, NULL},
    {"schema-dir", "LIANDONG_SCHEMA_DIR", "deploy/schema", "NNN_name.sql migrations", 0, NULL},
    {"max-message", "LIANDONG_MAX_MESSAGE", "4194304", "largest request accepted, in bytes", 0,
     NULL},
    {"max-queue", "LIANDONG_LEDGER_MAX_QUEUE", "10000",
     "requests waiting for the database before new ones are refused", 0, NULL},
    {"keys", "LIANDONG_KEYS", "var/keys", "CURVE keys directory (see lib/curve.h)", 0, NULL},
    {"identity", "LIANDONG_LEDGER_IDENTITY", "service.ledger", "this process's key (role.id)", 0,
     NULL},
    {"metrics", "LIANDONG_LEDGER_METRICS", "",
     "Prometheus /metrics over HTTP on HOST:PORT (empty: off)", 0, NULL},
    {"min-reply-chars", "LIANDONG_MIN_REPLY_CHARS", "4",
     "characters of content (not spaces or punctuation) a reply or resolution needs", 0, NULL},
    {"max-pause-hours", "LIANDONG_MAX_PAUSE_HOURS", "360",
     "the longest pause (挂起) of a case's clock a body may ask for, in hours", 0, NULL},
    {"calendar", "LIANDONG_CALENDAR", "deploy/calendar/china.tsv",
     "working-day calendar: its last covered year on /metrics, and a warning when it ends soon", 0,
     NULL},
    {"calendar-warn-days", "LIANDONG_CALENDAR_WARN_DAYS", "60",
     "warn at start and on reload when the calendar's last covered year ends within this many "
     "days (0: only once it has ended)",
     0, NULL},
    {"one-writer", "LIANDONG_LEDGER_ONE_WRITER", "1",
     "1: write only while holding the database's writer lock, else stand by (two ledgers, "
     "one writer); 0: always write (tests that share a database on purpose)",
     0, NULL},
    {"insecure", "LIANDONG_INSECURE", "0", "CURVE off: loopback development only", 1, NULL},
    SIMCLOCK_OPTS,
    {"verbose", "LIANDONG_VERBOSE", "0", "debug logging", 1, NULL},
};
#define NOPTS (sizeof opts / sizeof opts[0])

/* Reconnection backoff. Capped at 1 s (was 5 s): after a PostgreSQL
 * failover the ledger otherwise slept up to 5 s past the moment the new
 * primary took writes (about 3 s of the 16.5 s measured, docs/failover.md);
 * one connection attempt a second while the database is down costs
 * nothing that matters. */
#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 1000
/* A standby asks for the writer lock this often: the takeover after the
 * writer's session ended takes at most this long plus a connect. */
#define STANDBY_RETRY_MS 500
/* How often the writer checks its session and lock between batches
 * (db_check): well inside db.c's idle_session_timeout. */
#define WRITER_CHECK_MS 1000
/* The longest a request waits in the queue while the database thread is
 * stuck on one batch (a frozen or unreachable server) before it is
 * answered UNAVAILABLE: nothing of it reached the database, so the client's
 * retry is safe. As long as the statement_timeout of a healthy batch
 * (db.c), so a slow but working database only delays. */
#define QUEUE_WAIT_MAX_MS 10000

typedef struct {
    service_t svc;
    secure_t sec;
    rpc_server_t *srv;
    stream_pub_t *pub;
    db_t *db;
    db_worker_t *dbw;
    registry_import_t *import; /* RegistryImport, beside the batches */
    uv_idle_t batch;
    uv_timer_t retry;
    uv_timer_t expire;     /* refuses what waited too long for a stuck database */
    uv_timer_t check;      /* the writer's session and lock, between batches */
    int writer;            /* holds the writer lock (as the loop last heard) */
    int standing_by;       /* another ledger writes: our sockets are unbound */
    size_t inflight;       /* queue[0..inflight) are the database thread's batch */
    ledger_job_t *running; /* its jobs: one of job_sets */
    int connected_once;
    uint64_t retry_ms;
    rpc_request_t **queue;
    uint64_t *queued_at; /* uv_hrtime() of each queued request's arrival */
    metrics_t *metrics;
    size_t nq, max_q;
    int handles_open;
    unsigned long committed, refused_unavailable;
} ledger_t;

static void schedule_reconnect(ledger_t *l);

static void publish(ledger_t *l, Liandong__V1__CaseEvent *e)
{
    envelope_t env = LIANDONG__V1__ENVELOPE__INIT;
    env.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_EVENT;
    env.case_event = e;
    env.request_id = "";
    uint8_t *buf = NULL;
    size_t len = 0;
    if (l->pub == NULL || wire_pack(&env, &buf, &len) < 0)
        return;
    const void *bufs[1] = {buf};
    /* PUB drops at its high-water mark: subscribers catch up from the
     * ledger by seq (Clone pattern), so a drop is recoverable. */
    int rc = stream_pub_send(l->pub, bufs, &len, 1);
    if (rc < 0)
        log_warn(e->case_id, "event %lu not published: %s", (unsigned long)e->seq,
                 zmq_strerror(-rc));
    free(buf);
}

/* Two sets of jobs, used in turn: the database thread runs the batch in
 * one (queue[0..inflight)) while the loop answers, publishes and clears the
 * batch before it in the other (issue 16: the next transaction is already
 * on its way while the last one's answers go out, so the answers' CPU work
 * is no longer between two transactions). Static: 128 jobs are too big for
 * the stack. */
static ledger_job_t job_sets[2][BATCH_MAX];
/* The finished batch's requests, taken off the queue before the next batch
 * starts (loop only). */
static rpc_request_t *finished_q[BATCH_MAX];
static uint64_t finished_at[BATCH_MAX];

/* Answers a request that never reached the database. */
static void answer_queued_unavailable(ledger_t *l, size_t i, const char *why)
{
    Liandong__V1__Error e = LIANDONG__V1__ERROR__INIT;
    e.code = LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE;
    envelope_t a = LIANDONG__V1__ENVELOPE__INIT;
    a.body_case = LIANDONG__V1__ENVELOPE__BODY_ERROR;
    a.error = &e;
    metrics_request(l->metrics, rpc_request_envelope(l->queue[i]), &a,
                    (double)(uv_hrtime() - l->queued_at[i]) / 1e9);
    rpc_request_fail(l->queue[i], LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE, why);
    l->refused_unavailable++;
}

/* Hands the next batch to the database thread, if it is free. */
static void start_batch(ledger_t *l)
{
    if (l->dbw == NULL || l->nq == 0 || db_worker_busy(l->dbw))
        return;
    size_t n = l->nq < BATCH_MAX ? l->nq : BATCH_MAX;
    /* The set the last batch did not use (finish_batch clears it after
     * answering, before it can be handed out again). */
    ledger_job_t *jobs = l->running == job_sets[0] ? job_sets[1] : job_sets[0];
    for (size_t i = 0; i < n; i++)
        ledger_job_init(&jobs[i], rpc_request_envelope(l->queue[i]), rpc_request_user(l->queue[i]));
    l->inflight = n;
    l->running = jobs;
    if (db_worker_post_batch(l->dbw, jobs, n) < 0)
        l->inflight = 0; /* cannot happen: not busy was checked above */
}

/* One event of a batch to publish (a struct, not a bare pointer, so that
 * the array's element size is the struct's). */
typedef struct {
    Liandong__V1__CaseEvent *event;
} batch_event_t;

static int event_seq_cmp(const void *a, const void *b)
{
    uint64_t x = ((const batch_event_t *)a)->event->seq;
    uint64_t y = ((const batch_event_t *)b)->event->seq;
    return (x > y) - (x < y);
}

/* Publishes a committed batch's events in seq order. Why not job order: a
 * batch's new cases are written by one statement sent at the first
 * CreateCase's place (batch.c, send_group), so a CaseAction queued between
 * two CreateCases takes its seq after all of them; published in job order,
 * subscribers (notifier, router, desks) would see a gap, then the missing
 * seqs, and resynchronise from the ledger each time. If the sort's array
 * cannot be had, job order: subscribers recover by resynchronising. */
static void publish_batch(ledger_t *l, ledger_job_t *batch, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += batch[i].n_events;
    l->committed += total;
    batch_event_t *ev = total ? calloc(total, sizeof(batch_event_t)) : NULL;
    if (ev == NULL) {
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < batch[i].n_events; k++)
                publish(l, batch[i].events[k]);
        return;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < batch[i].n_events; k++)
            ev[m++].event = batch[i].events[k];
    qsort(ev, m, sizeof(batch_event_t), event_seq_cmp);
    for (size_t i = 0; i < m; i++)
        publish(l, ev[i].event);
    free(ev);
}

/* On the loop, when the database thread finished queue[0..inflight). */
static void finish_batch(ledger_t *l, int rc)
{
    size_t n = l->inflight;
    ledger_job_t *jobs = l->running;
    l->inflight = 0;
    metrics_batch(l->metrics, n);
    if (rc == -ENOTCONN) {
        /* Never acknowledge what may not be durable: the client retries
         * with the same ids, which the ledger deduplicates. (The thread
         * has dropped the connection already.) */
        if (!uv_is_active((uv_handle_t *)&l->retry))
            log_warn(NULL, "database unavailable: %s", db_error(l->db));
        schedule_reconnect(l);
        for (size_t i = 0; i < n; i++)
            if (!jobs[i].done) {
                ledger_job_fail(&jobs[i], LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE,
                                "the ledger's database is unavailable; retry later");
                l->refused_unavailable++;
            }
    }
    /* Off the queue, then the next batch goes to the database thread
     * before this one is answered. Every answer and event below was decided
     * when this batch's COMMIT returned; the next batch's events are
     * published only when it is finished, after these (seq order). */
    uint64_t now = uv_hrtime();
    memcpy(finished_q, l->queue, n * sizeof(rpc_request_t *));
    memcpy(finished_at, l->queued_at, n * sizeof(uint64_t));
    memmove(l->queue, l->queue + n, (l->nq - n) * sizeof(rpc_request_t *));
    memmove(l->queued_at, l->queued_at + n, (l->nq - n) * sizeof(uint64_t));
    l->nq -= n;
    if (rc != -ENOTCONN)
        start_batch(l);
    publish_batch(l, jobs, n);
    for (size_t i = 0; i < n; i++) {
        metrics_request(l->metrics, jobs[i].req, &jobs[i].answer,
                        (double)(now - finished_at[i]) / 1e9);
        const envelope_t *a = &jobs[i].answer;
        if (a->body_case == LIANDONG__V1__ENVELOPE__BODY_ERROR && a->error &&
            a->error->code == LIANDONG__V1__ERROR_CODE__ERROR_FORBIDDEN) {
            /* Refused by a handler's scope (a case not the caller's). */
            metrics_forbidden(l->metrics, (int)identity_role(jobs[i].user, NULL), jobs[i].req);
            authz_log_refusal("ledger", jobs[i].user, wire_body_name(jobs[i].req),
                              a->error->message);
        }
        rpc_request_answer(finished_q[i], &jobs[i].answer);
    }
    for (size_t i = 0; i < n; i++)
        ledger_job_clear(&jobs[i]);
}

static void on_retry(uv_timer_t *t);

/* liandong_ledger_writer, derived from the loop's state so that the gauge
 * cannot disagree with it: 1 while the lock is ours and we listen. */
static void note_writer(ledger_t *l)
{
    metrics_writer(l->metrics, l->writer && !l->standing_by);
}

/* Another ledger holds the writer lock: take no requests and publish
 * nothing. Unbinding (rather than answering UNAVAILABLE) is what sends
 * every client with an endpoint list to the writer at the first try: a
 * DEALER with ZMQ_IMMEDIATE deals only to connections that are up. */
static void stand_by(ledger_t *l)
{
    if (!l->standing_by) {
        log_warn(NULL, "another ledger writes (it holds the writer lock): standing by, "
                       "requests and events unbound");
        int rc = rpc_server_unbind(l->srv);
        int prc = stream_pub_unbind(l->pub);
        if (rc < 0 || prc < 0)
            log_error(NULL, "cannot unbind: %s", zmq_strerror(-(rc < 0 ? rc : prc)));
        l->standing_by = 1;
        for (size_t i = 0; i < l->nq; i++)
            answer_queued_unavailable(l, i, "this ledger is the standby; retry");
        l->nq = 0;
    }
    note_writer(l);
    if (!l->svc.stopping)
        uv_timer_start(&l->retry, on_retry, STANDBY_RETRY_MS, 0);
}

/* The writer lock is ours: listen again if we stood by. */
static void take_over(ledger_t *l)
{
    l->writer = 1;
    if (!l->standing_by) {
        note_writer(l);
        return;
    }
    int rc = rpc_server_rebind(l->srv);
    int prc = stream_pub_rebind(l->pub);
    if (rc < 0 || prc < 0) {
        /* The port is taken (the old writer's, not yet closed): drop the
         * lock and try again, rather than write without being reachable. */
        log_error(NULL, "took the writer lock but cannot bind again: %s",
                  zmq_strerror(-(rc < 0 ? rc : prc)));
        return;
    }
    l->standing_by = 0;
    note_writer(l);
    log_info(NULL, "took over: this ledger now writes (it holds the writer lock)");
}

static void on_db_done(void *ud, db_task_t task, int rc)
{
    ledger_t *l = ud;
    if (task == DB_TASK_BATCH) {
        if (rc == -ENOTCONN) {
            l->writer = 0;
            note_writer(l);
        }
        finish_batch(l, rc);
    } else if (task == DB_TASK_CHECK) {
        if (rc < 0) {
            l->writer = 0;
            note_writer(l);
            log_warn(NULL, "database session lost between batches: %s", db_error(l->db));
            schedule_reconnect(l);
        }
    } else if (rc == -EBUSY) {
        stand_by(l);
        return;
    } else if (rc == 0) {
        take_over(l);
        log_info(NULL, l->connected_once ? "database connected"
                                         : "database connected, schema up to date");
        l->connected_once = 1;
        l->retry_ms = 0;
    } else {
        schedule_reconnect(l);
        log_warn(NULL, "database not ready (%s); retrying in %lu ms", db_error(l->db),
                 (unsigned long)l->retry_ms);
    }
    start_batch(l);
}

/* Every 250 ms while the database thread is busy: requests that have waited
 * QUEUE_WAIT_MAX_MS behind a batch that does not finish are answered
 * UNAVAILABLE (they never reached the database). */
static void on_expire(uv_timer_t *t)
{
    ledger_t *l = t->data;
    if (l->dbw == NULL || !db_worker_busy(l->dbw))
        return;
    uint64_t now = uv_hrtime(), max_ns = (uint64_t)QUEUE_WAIT_MAX_MS * 1000000u;
    size_t keep = l->inflight;
    for (size_t i = l->inflight; i < l->nq; i++) {
        if (now - l->queued_at[i] >= max_ns) {
            answer_queued_unavailable(l, i, "the ledger's database is not answering; retry later");
            continue;
        }
        l->queue[keep] = l->queue[i];
        l->queued_at[keep++] = l->queued_at[i];
    }
    l->nq = keep;
}

/* True when the request socket holds input that may have arrived without
 * a new edge on ZMQ_FD (answers sent by zmq_send can consume the edge). */
static int input_pending(ledger_t *l)
{
    void *z = zuv_socket_zmq(rpc_server_socket(l->srv));
    int ev = 0;
    size_t sz = sizeof ev;
    return z != NULL && zmq_getsockopt(z, ZMQ_EVENTS, &ev, &sz) == 0 && (ev & ZMQ_POLLIN);
}

static void on_batch(uv_idle_t *h)
{
    ledger_t *l = h->data;
    start_batch(l);
    /* Keep the loop from blocking in poll while requests wait in the
     * socket with no edge to wake us: the idle stays on and zuv's check
     * drains them next iteration. (zuv's own idle cannot do this: it is
     * started with a NULL callback, which libuv refuses.) */
    if (l->srv == NULL || !input_pending(l))
        uv_idle_stop(h);
}

static void on_request(rpc_server_t *srv, rpc_request_t *req, void *ud)
{
    (void)srv;
    ledger_t *l = ud;
    envelope_t *env = rpc_request_envelope(req);
    /* Who may send what is authz.h's table, from the key the message came
     * with (and a key revoked since it connected is refused here). */
    char why[200];
    const char *user = rpc_request_user(req);
    if (secure_authorize(&l->sec, AUTHZ_LEDGER, env, user, why, sizeof why) < 0) {
        metrics_forbidden(l->metrics, (int)identity_role(user, NULL), env);
        authz_log_refusal("ledger", user, wire_body_name(env), why);
        rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_FORBIDDEN, why);
        return;
    }
    if (env->body_case == LIANDONG__V1__ENVELOPE__BODY_PING) {
        /* Liveness, answered without the database. */
        Liandong__V1__Pong pong = LIANDONG__V1__PONG__INIT;
        pong.service = "ledger";
        envelope_t a = LIANDONG__V1__ENVELOPE__INIT;
        a.body_case = LIANDONG__V1__ENVELOPE__BODY_PONG;
        a.pong = &pong;
        rpc_request_answer(req, &a);
        return;
    }
    if (env->body_case == LIANDONG__V1__ENVELOPE__BODY_REGISTRY_IMPORT && l->import != NULL) {
        registry_import_start(l->import, req);
        return;
    }
    if (l->nq >= l->max_q) {
        rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE,
                         "the ledger is overloaded; retry later");
        return;
    }
    l->queued_at[l->nq] = uv_hrtime();
    l->queue[l->nq++] = req;
    /* The idle callback runs on the next loop iteration, after every
     * socket was drained: whatever arrived together commits together. */
    uv_idle_start(&l->batch, on_batch);
}

/* Once a second: the writer's session, when nothing else runs on it. */
static void on_check(uv_timer_t *t)
{
    ledger_t *l = t->data;
    if (l->writer && l->standing_by)
        take_over(l); /* a rebind that failed: again */
    if (l->writer && l->dbw != NULL && !db_worker_busy(l->dbw) && l->nq == 0)
        db_worker_post_check(l->dbw);
}

static void on_retry(uv_timer_t *t)
{
    ledger_t *l = t->data;
    if (l->svc.stopping)
        return;
    /* The connect runs on the database thread (it can take connect_timeout,
     * and migrations); if a batch is still there, try again shortly. */
    if (db_worker_post_connect(l->dbw) < 0)
        uv_timer_start(&l->retry, on_retry, RETRY_MIN_MS, 0);
}

static void schedule_reconnect(ledger_t *l)
{
    if (l->svc.stopping || uv_is_active((uv_handle_t *)&l->retry))
        return;
    /* Exponential backoff: a database that is restarting is not hammered,
     * and a short blip costs only a tenth of a second. */
    l->retry_ms = l->retry_ms == 0 ? RETRY_MIN_MS : l->retry_ms * 2;
    if (l->retry_ms > RETRY_MAX_MS)
        l->retry_ms = RETRY_MAX_MS;
    uv_timer_start(&l->retry, on_retry, l->retry_ms, 0);
}

static void on_stream_counts(const stream_pub_counts_t *c, void *ud)
{
    ledger_t *l = ud;
    metrics_stream(l->metrics, c->subscribed, c->refused, c->unsubscribed, c->cuts);
}

static void on_stop(service_t *svc, void *ud)
{
    (void)svc;
    ledger_t *l = ud;
    /* Finish what was accepted (answers still go out on the open socket),
     * then stop accepting and close everything. Here the loop may wait. */
    registry_import_destroy(&l->import);
    if (l->dbw != NULL) {
        db_worker_wait(l->dbw);
        while (l->nq > 0) {
            start_batch(l);
            db_worker_wait(l->dbw);
        }
        db_worker_destroy(&l->dbw);
    }
    rpc_server_destroy(&l->srv);
    stream_pub_destroy(&l->pub);
    if (l->handles_open) {
        uv_idle_stop(&l->batch);
        uv_timer_stop(&l->retry);
        uv_timer_stop(&l->expire);
        uv_timer_stop(&l->check);
        uv_close((uv_handle_t *)&l->check, NULL);
        uv_close((uv_handle_t *)&l->batch, NULL);
        uv_close((uv_handle_t *)&l->retry, NULL);
        uv_close((uv_handle_t *)&l->expire, NULL);
        l->handles_open = 0;
    }
    secure_fini(&l->sec);
}

int main(int argc, char **argv)
{
    char err[200];
    int rest = 0;
    int rc = config_parse(opts, NOPTS, argc, argv, &rest, err, sizeof err);
    if (rc == 1) {
        config_usage(stdout, "usage: ledger [OPTIONS]\n\nRecords cases in PostgreSQL.", opts,
                     NOPTS);
        return 0;
    }
    if (rc < 0 || rest != argc) {
        fprintf(stderr, "ledger: %s\n", rc < 0 ? err : "unexpected argument (see --help)");
        return 2;
    }
    log_init("ledger", strcmp(config_get(opts, NOPTS, "verbose"), "1") == 0 ? LOG_DEBUG : LOG_INFO);
    long max_msg = 0, max_q = 0, min_reply = 0, max_pause = 0, warn_days = 0;
    if (config_get_long(opts, NOPTS, "max-message", 1024, 64 << 20, &max_msg) < 0 ||
        config_get_long(opts, NOPTS, "max-queue", 1, 1000000, &max_q) < 0 ||
        config_get_long(opts, NOPTS, "min-reply-chars", 1, REPLY_TEXT_MIN_CHARS_MAX, &min_reply) <
            0 ||
        config_get_long(opts, NOPTS, "max-pause-hours", 1, LIMIT_DUE_HOURS_MAX, &max_pause) < 0 ||
        config_get_long(opts, NOPTS, "calendar-warn-days", 0, CALENDAR_WARN_DAYS_MAX, &warn_days) <
            0) {
        fprintf(stderr, "ledger: --max-message, --max-queue, --min-reply-chars, "
                        "--max-pause-hours or --calendar-warn-days out of range\n");
        return 2;
    }
    /* The system's clock (lib/clock.h): every "now" of the ledger, in C
     * and, through the session settings of its connections, in SQL. */
    simclock_t clock;
    if (simclock_from_config(&clock, opts, NOPTS, err, sizeof err) < 0 ||
        (ledger_clock_set(&clock) < 0 && snprintf(err, sizeof err, "clock settings too long"))) {
        fprintf(stderr, "ledger: %s\n", err);
        return 2;
    }
    if (!simclock_is_real(&clock))
        log_warn(NULL, "accelerated clock: x%g, simulated now %" PRId64 " ms (testing only)",
                 clock.speed, simclock_now_ms(&clock));
    static ledger_t l;
    l.max_q = (size_t)max_q;
    ledger_case_set_min_reply_chars((size_t)min_reply);
    ledger_case_set_max_pause_hours((unsigned)max_pause);
    l.queue = calloc(l.max_q, sizeof(rpc_request_t *));
    l.queued_at = calloc(l.max_q, sizeof(uint64_t));
    size_t nst = 0;
    const db_stmt_t *st = ledger_statements(&nst);
    if (st == NULL) {
        fprintf(stderr, "ledger: the table of request handlers is incomplete (see the log)\n");
        return 1;
    }
    if (l.queue == NULL || l.queued_at == NULL ||
        db_create(config_get(opts, NOPTS, "db"), config_get(opts, NOPTS, "schema-dir"), st, nst,
                  &l.db) < 0) {
        fprintf(stderr, "ledger: out of memory\n");
        return 1;
    }
    db_set_one_writer(l.db, strcmp(config_get(opts, NOPTS, "one-writer"), "0") != 0);
    if (service_init(&l.svc, "ledger", on_stop, &l) < 0) {
        log_error(NULL, "cannot start: %s", strerror(errno));
        return 1;
    }
    uv_idle_init(l.svc.loop, &l.batch);
    uv_timer_init(l.svc.loop, &l.retry);
    uv_timer_init(l.svc.loop, &l.expire);
    uv_timer_init(l.svc.loop, &l.check);
    l.batch.data = l.retry.data = l.expire.data = l.check.data = &l;
    l.handles_open = 1;
    const char *listen = config_get(opts, NOPTS, "listen");
    const char *events = config_get(opts, NOPTS, "events");
    /* The ZAP handler must be bound before any CURVE server socket. */
    if ((rc = secure_init(&l.sec, l.svc.loop, l.svc.zctx, config_get(opts, NOPTS, "keys"),
                          config_get(opts, NOPTS, "identity"), 1,
                          strcmp(config_get(opts, NOPTS, "insecure"), "1") == 0)) < 0 ||
        (rc = stream_pub_create(l.svc.loop, l.svc.zctx, "ledger events", l.sec.auth, &l.pub)) < 0 ||
        (rc = secure_stream_socket(&l.sec, stream_pub_zmq(l.pub))) < 0 ||
        (rc = stream_pub_bind(l.pub, events)) < 0 ||
        (rc = rpc_server_create(l.svc.loop, l.svc.zctx, NULL, (size_t)max_msg, on_request, &l,
                                &l.srv)) < 0 ||
        (rc = secure_server_socket(&l.sec, zuv_socket_zmq(rpc_server_socket(l.srv)))) < 0 ||
        (rc = rpc_server_listen(l.srv, listen)) < 0 ||
        (rc = metrics_create(config_get(opts, NOPTS, "metrics"), config_get(opts, NOPTS, "db"),
                             &l.metrics)) < 0 ||
        (rc = metrics_calendar(l.metrics, config_get(opts, NOPTS, "calendar"), (int)warn_days)) <
            0 ||
        (rc = db_worker_create(l.svc.loop, l.db, on_db_done, &l, &l.dbw)) < 0 ||
        (rc = registry_import_create(l.svc.loop, config_get(opts, NOPTS, "db"),
                                     config_get(opts, NOPTS, "schema-dir"), l.metrics, &l.import)) <
            0) {
        log_error(NULL, "cannot start (requests on %s, events on %s): %s", listen, events,
                  rc < -1000 ? zmq_strerror(-rc) : strerror(-rc));
        on_stop(&l.svc, &l);
        service_finish(&l.svc);
        db_destroy(&l.db);
        free(l.queue);
        free(l.queued_at);
        return 1;
    }
    stream_pub_on_counts(l.pub, on_stream_counts, &l);
    /* Serve even when the database is down at start: requests are answered
     * ERROR_UNAVAILABLE until it is back, and nothing is acknowledged. The
     * first connect (and its migrations) runs on the database thread;
     * requests that come meanwhile wait for it in the queue. */
    db_worker_post_connect(l.dbw);
    uv_timer_start(&l.expire, on_expire, 250, 250);
    uv_timer_start(&l.check, on_check, WRITER_CHECK_MS, WRITER_CHECK_MS);
    log_info(NULL, "requests on %s, events on %s, metrics %s%s", listen, events,
             l.metrics ? "on http://" : "off", l.metrics ? config_get(opts, NOPTS, "metrics") : "");
    service_run(&l.svc);
    service_finish(&l.svc);
    metrics_destroy(&l.metrics);
    db_destroy(&l.db);
    free(l.queue);
    free(l.queued_at);
    log_info(NULL, "published %lu events, refused %lu requests while the database was down",
             l.committed, l.refused_unavailable);
    return 0;
}
