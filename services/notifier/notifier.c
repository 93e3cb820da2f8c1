/*
 * notifier.c - sockets, timers and retries around the deadline table and
 * the stream logic (see notifier.h).
 */
#include "notifier.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define SYNC_BACKOFF_MIN_MS 500
#define SYNC_BACKOFF_MAX_MS 30000
#define ALERT_BACKOFF_MIN_MS 1000
#define ALERT_BACKOFF_MAX_MS 60000
/* The fire timer never sleeps longer than this in real time, so a step of
 * the wall clock (NTP) is noticed within a minute. */
#define FIRE_MAX_SLEEP_MS 60000

static void retry_page(notifier_t *n, uint32_t delay_ms);
static void resync(notifier_t *n, uint32_t delay_ms);
static void pump(notifier_t *n);
static void on_sync_timer(uv_timer_t *t);

/* ---------------------------------------------------------------- helpers */

typedef struct {
    notifier_t *n;
    uint64_t gen;
} sync_ctx_t;

static sync_ctx_t *sync_ctx(notifier_t *n)
{
    sync_ctx_t *c = malloc(sizeof(*c));
    if (c) {
        c->n = n;
        c->gen = n->sync_gen;
    }
    return c;
}

static const char *answer_problem(int status, wire_msg_t *answer, char *buf, size_t len)
{
    if (status < 0) {
        snprintf(buf, len, "%s", status == -ETIMEDOUT ? "no answer" : strerror(-status));
        return buf;
    }
    envelope_t *e = wire_envelope(answer);
    if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_ERROR) {
        snprintf(buf, len, "error %d: %s", e->error ? (int)e->error->code : 0,
                 e->error && e->error->message ? e->error->message : "");
        return buf;
    }
    return NULL;
}

static void ledger_state(notifier_t *n, int down, const char *what, const char *problem)
{
    if (down && !n->ledger_down)
        log_warn(NULL, "ledger unavailable (%s: %s); retrying with backoff", what, problem);
    else if (!down && n->ledger_down)
        log_info(NULL, "ledger answering again");
    n->ledger_down = down;
}

/* ------------------------------------------------------------------ timer */

static void on_fire_timer(uv_timer_t *t)
{
    notifier_t *n = t->data;
    n->armed_at = INT64_MIN;
    pump(n);
}

/* Arms the one timer for the earliest stage, unless the table is not
 * trustworthy yet (syncing) or the ledger already has enough of our
 * requests (the answers will pump again). */
static void rearm(notifier_t *n)
{
    if (n->stopping || !n->timers_open)
        return;
    if (stream_state(n->stream) != STREAM_LIVE || !notifier_lease_firing(n) ||
        n->alerts_in_flight >= n->cfg.max_alerts_in_flight) {
        uv_timer_stop(&n->fire_timer);
        n->armed_at = INT64_MIN;
        return;
    }
    int64_t next = dl_next_due(n->dl);
    int64_t pause_end = dl_next_pause_end(n->dl);
    if (pause_end < next)
        next = pause_end;
    if (next == INT64_MAX) {
        uv_timer_stop(&n->fire_timer);
        n->armed_at = INT64_MIN;
        return;
    }
    if (next == n->armed_at)
        return;
    int64_t now = simclock_now_ms(&n->clock);
    uint64_t delay = simclock_real_delay_ms(&n->clock, next - now);
    if (delay > FIRE_MAX_SLEEP_MS)
        delay = FIRE_MAX_SLEEP_MS;
    n->armed_at = next;
    uv_timer_start(&n->fire_timer, on_fire_timer, delay, 0);
}

/* ----------------------------------------------------------------- alerts */

typedef struct {
    notifier_t *n;
    char *case_id;
    char *body_id;
    dl_kind_t deadline;
    dl_stage_t stage;
    int64_t deadline_ms;
    int64_t at_ms;
} alert_ctx_t;

static void alert_ctx_free(alert_ctx_t *c)
{
    if (c) {
        free(c->case_id);
        free(c->body_id);
        free(c);
    }
}

static int send_record(notifier_t *n, alert_ctx_t *c);

/* A stage the ledger could not record, or the router could not escalate
 * for now: act again after a growing pause (never skipped). */
static void retry_later(notifier_t *n, alert_ctx_t *c)
{
    n->alerts_retried++;
    int64_t now = simclock_now_ms(&n->clock);
    int64_t wait = (int64_t)((double)n->alert_backoff_ms * n->clock.speed);
    dl_retry(n->dl, c->case_id, c->deadline, c->stage, c->deadline_ms, now + wait);
    n->alert_backoff_ms = n->alert_backoff_ms * 2 > ALERT_BACKOFF_MAX_MS ? ALERT_BACKOFF_MAX_MS
                                                                         : n->alert_backoff_ms * 2;
}

/* True while the table still holds this resolution deadline: the case was
 * neither escalated, resolved nor given new deadlines meanwhile. */
static int still_due(const notifier_t *n, const alert_ctx_t *c)
{
    int64_t from = 0, reply = 0, resolve = 0;
    return dl_get(n->dl, c->case_id, &from, &reply, &resolve) == 0 && resolve == c->deadline_ms;
}

static int send_escalation(notifier_t *n, alert_ctx_t *c);

/* The router's answer to an escalation. The escalation is asked for BEFORE
 * the ledger records the escalate stage: a notifier killed in between
 * finds, after its restart, the case with the new assignment's deadlines
 * (so it does not escalate twice), while recording first would have let a
 * kill lose the escalation for good. */
static void on_escalated(int status, wire_msg_t *answer, void *ud)
{
    alert_ctx_t *c = ud;
    notifier_t *n = c->n;
    if (n->stopping) {
        n->alerts_in_flight--;
        alert_ctx_free(c);
        return;
    }
    char buf[200];
    const char *problem = answer_problem(status, answer, buf, sizeof buf);
    envelope_t *e = problem ? NULL : wire_envelope(answer);
    if (!problem && (e == NULL || e->body_case != LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION_DONE)) {
        snprintf(buf, sizeof buf, "unexpected answer %s", e ? wire_body_name(e) : "(none)");
        problem = buf;
    }
    if (problem == NULL) {
        n->escalations++;
        log_info(c->case_id, "escalated: %s overdue since %" PRId64,
                 c->deadline == DL_REPLY ? "emergency reply" : "resolution", c->deadline_ms);
    } else {
        int transient = status < 0 || (wire_envelope(answer)->error &&
                                       wire_envelope(answer)->error->code ==
                                           LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE);
        if (transient) {
            n->alerts_in_flight--;
            if (still_due(n, c)) {
                /* Retried with backoff; a retry after an answer that was
                 * only lost is harmless once the escalated event arrived,
                 * because the deadline then differs and still_due fails. */
                log_warn(c->case_id, "escalation not confirmed (%s): trying again later", problem);
                retry_later(n, c);
            } else {
                dl_advance(n->dl, c->case_id, c->deadline, c->stage, c->deadline_ms);
            }
            alert_ctx_free(c);
            rearm(n);
            return;
        }
        /* Refused for good (no rung above, case closed meanwhile): the
         * stage is recorded anyway so no restart asks again; operators
         * see this line and the case in the overdue figures. */
        log_error(c->case_id, "escalation refused: %s", problem);
    }
    n->alerts_in_flight--;
    if (send_record(n, c) < 0) {
        log_warn(c->case_id, "cannot ask the ledger to record the escalation");
        retry_later(n, c);
        alert_ctx_free(c);
    }
    pump(n);
}

static int send_escalation(notifier_t *n, alert_ctx_t *c)
{
    Liandong__V1__CaseAction a = LIANDONG__V1__CASE_ACTION__INIT;
    a.case_id = c->case_id;
    a.kind = LIANDONG__V1__CASE_ACTION_KIND__ACTION_ESCALATE;
    /* The router takes the actor from our key; without CURVE this names
     * the service role the state table lets escalate. */
    a.actor = "service:notifier";
    a.text = c->deadline == DL_REPLY
                 ? "emergency not replied to in time: escalated one rung by the notifier "
                   "(ROUTING.md 7)"
                 : "resolution deadline passed: escalated one rung by the notifier (ROUTING.md 7)";
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION;
    e.case_action = &a;
    /* One request id per deadline, not per attempt: a retry after a lost
     * answer, a restart or the other notifier's takeover (issue 17) is the
     * same request, and the router derives the ledger's id from it
     * (lib/action_rid.h), so the ledger answers it as a duplicate instead
     * of escalating one rung further. */
    char rid[WIRE_REQUEST_ID_MAX + 1];
    snprintf(rid, sizeof rid, "esc-%.64s-%s-%" PRId64, c->case_id,
             c->deadline == DL_REPLY ? "reply" : "resolve", c->deadline_ms);
    int rc = rpc_client_call_as(n->router, &e, rid, n->cfg.ledger_timeout_ms, on_escalated, c);
    if (rc == 0)
        n->alerts_in_flight++;
    return rc;
}

/* Publishes one alert on [topic][Envelope{alert}]. `body` is the body the
 * alert is about, `up` the rung above it. */
static void publish(notifier_t *n, const char *topic, const alert_ctx_t *c,
                    const Liandong__V1__AlertRecorded *rec, const char *body, const char *up)
{
    if (topic == NULL || topic[0] == '\0')
        return;
    /* No resident data: ids, deadline, stage, times and category only. */
    Liandong__V1__Alert al = LIANDONG__V1__ALERT__INIT;
    al.case_id = c->case_id;
    al.body_id = (char *)body;
    al.deadline = (char *)dl_kind_name(c->deadline);
    al.stage = (char *)dl_stage_name(c->stage);
    al.due_ms = c->deadline_ms;
    al.at_ms = c->at_ms;
    al.category = rec->category ? rec->category : "";
    al.escalate_to = (char *)(up ? up : "");
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_ALERT;
    e.alert = &al;
    uint8_t *buf = NULL;
    size_t len = 0;
    if (wire_pack(&e, &buf, &len) < 0)
        return;
    const void *bufs[2] = {topic, buf};
    size_t lens[2] = {strlen(topic), len};
    int rc = stream_pub_send(n->pub, bufs, lens, 2);
    free(buf);
    if (rc < 0)
        log_warn(c->case_id, "alert to %s not published: %s", topic, zmq_strerror(-rc));
    else
        n->alerts_sent++;
}

/* Sends a recorded alert to everyone who must hear it (issue 5): the body,
 * and when overdue also the rung above and the copied party branch. For
 * the escalate stage (recorded after the router escalated) the ledger
 * already answers with the NEW holder, which is told along with the old. */
static void publish_all(notifier_t *n, const alert_ctx_t *c, const Liandong__V1__AlertRecorded *rec)
{
    const char *now_body = (rec->body_id && rec->body_id[0]) ? rec->body_id : c->body_id;
    if (c->stage == DL_ESCALATE) {
        publish(n, c->body_id, c, rec, c->body_id, now_body);
        if (strcmp(now_body, c->body_id) != 0)
            publish(n, now_body, c, rec, c->body_id, now_body);
    } else {
        publish(n, now_body, c, rec, now_body, rec->escalate_to);
        if (c->stage == DL_OVERDUE)
            publish(n, rec->escalate_to, c, rec, now_body, rec->escalate_to);
    }
    if (c->stage != DL_DUE_SOON)
        for (size_t i = 0; i < rec->n_cc; i++)
            publish(n, rec->cc[i], c, rec, now_body, rec->escalate_to);
}

static void on_alert_recorded(int status, wire_msg_t *answer, void *ud)
{
    alert_ctx_t *c = ud;
    notifier_t *n = c->n;
    n->alerts_in_flight--;
    if (n->stopping) {
        alert_ctx_free(c);
        return;
    }
    char buf[200];
    const char *problem = answer_problem(status, answer, buf, sizeof buf);
    envelope_t *e = problem ? NULL : wire_envelope(answer);
    if (!problem && (e == NULL || e->body_case != LIANDONG__V1__ENVELOPE__BODY_ALERT_RECORDED)) {
        snprintf(buf, sizeof buf, "unexpected answer %s", e ? wire_body_name(e) : "(none)");
        problem = buf;
    }
    if (problem != NULL) {
        /* Nothing is sent unless the ledger recorded it: that is what makes
         * a restart or a second notifier unable to send an alert twice.
         * So a failed record is retried later, never skipped. */
        ledger_state(n, 1, "record alert", problem);
        retry_later(n, c);
        alert_ctx_free(c);
        rearm(n);
        return;
    }
    ledger_state(n, 0, "", "");
    n->alert_backoff_ms = ALERT_BACKOFF_MIN_MS;
    const Liandong__V1__AlertRecorded *rec = e->alert_recorded;
    /* The ledger says the case is an emergency: its reply escalates too
     * (before dl_advance, so an overdue reply moves on to that stage). */
    if (rec->emergency)
        dl_set_emergency(n->dl, c->case_id);
    /* The table may have moved on (replied, resynced) while we waited; a
     * stale report is ignored by dl_advance. */
    dl_advance(n->dl, c->case_id, c->deadline, c->stage, c->deadline_ms);
    if (!rec->first) {
        n->alerts_duplicate++;
        log_debug(c->case_id, "%s %s already recorded: not sent again", dl_kind_name(c->deadline),
                  dl_stage_name(c->stage));
        alert_ctx_free(c);
        pump(n);
        return;
    }
    /* first=true: the ledger counts this alert as sent and will never let
     * anyone send it again, so it is published even if the case changed
     * meanwhile (a late alert beats a lost one). */
    publish_all(n, c, rec);
    log_info(c->case_id, "alert %s %s to %s", dl_kind_name(c->deadline), dl_stage_name(c->stage),
             c->body_id);
    alert_ctx_free(c);
    pump(n);
}

static int send_record(notifier_t *n, alert_ctx_t *c)
{
    Liandong__V1__RecordAlert r = LIANDONG__V1__RECORD_ALERT__INIT;
    r.case_id = c->case_id;
    r.deadline = (char *)dl_kind_name(c->deadline);
    r.stage = (char *)dl_stage_name(c->stage);
    r.due_ms = c->deadline_ms;
    r.body_id = c->body_id;
    r.at_ms = c->at_ms;
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_RECORD_ALERT;
    e.record_alert = &r;
    int rc = rpc_client_call(n->ledger, &e, n->cfg.ledger_timeout_ms, on_alert_recorded, c);
    if (rc == 0)
        n->alerts_in_flight++;
    return rc;
}

static alert_ctx_t *alert_ctx(notifier_t *n, const dl_fire_t *f, int64_t now)
{
    alert_ctx_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->n = n;
    c->case_id = strdup(f->case_id);
    c->body_id = strdup(f->body_id);
    c->deadline = f->deadline;
    c->stage = f->stage;
    c->deadline_ms = f->deadline_ms;
    c->at_ms = now;
    if (c->case_id == NULL || c->body_id == NULL) {
        alert_ctx_free(c);
        return NULL;
    }
    return c;
}

/* ----------------------------------------------------------- pause ends */

typedef struct {
    notifier_t *n;
    char *case_id;
    int64_t until_ms;
} resume_ctx_t;

/* The ledger's answer to a resume at a pause's limit. A refusal means the
 * case was resumed, handed on or closed meanwhile: nothing to do. */
static void on_resumed(int status, wire_msg_t *answer, void *ud)
{
    resume_ctx_t *c = ud;
    notifier_t *n = c->n;
    n->alerts_in_flight--;
    if (!n->stopping) {
        char buf[200];
        const char *problem = answer_problem(status, answer, buf, sizeof buf);
        int transient = status < 0 || (problem && wire_envelope(answer)->error &&
                                       wire_envelope(answer)->error->code ==
                                           LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE);
        if (problem == NULL) {
            n->pauses_resumed++;
            log_info(c->case_id, "pause limit reached: resumed");
        } else if (transient) {
            /* Again later, unless an event cleared or moved the pause. */
            int64_t now = simclock_now_ms(&n->clock);
            int64_t wait = (int64_t)((double)n->alert_backoff_ms * n->clock.speed);
            dl_set_pause(n->dl, c->case_id, now + wait);
            log_warn(c->case_id, "resume at the pause's limit not confirmed (%s): again later",
                     problem);
        } else {
            log_info(c->case_id, "resume at the pause's limit refused (%s)", problem);
        }
        pump(n);
    }
    free(c->case_id);
    free(c);
}

/* A pause nobody resumed ends at its limit (issue 15): the notifier resumes
 * it, recorded as a "resumed" event with the notifier as its actor. The
 * ledger takes back nothing then: the deadlines already stand moved by the
 * whole limit. */
static int send_resume(notifier_t *n, const char *case_id, int64_t until_ms)
{
    resume_ctx_t *c = calloc(1, sizeof(*c));
    if (c == NULL || (c->case_id = strdup(case_id)) == NULL) {
        free(c);
        return -ENOMEM;
    }
    c->n = n;
    c->until_ms = until_ms;
    Liandong__V1__CaseAction a = LIANDONG__V1__CASE_ACTION__INIT;
    a.case_id = c->case_id;
    a.kind = LIANDONG__V1__CASE_ACTION_KIND__ACTION_RESUME;
    a.actor = "service:notifier";
    a.text = "pause limit reached: resumed by the notifier";
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION;
    e.case_action = &a;
    /* Per pause, not per attempt (as escalations): a repeat is a duplicate. */
    char rid[WIRE_REQUEST_ID_MAX + 1];
    snprintf(rid, sizeof rid, "resume-%.64s-%" PRId64, case_id, until_ms);
    int rc = rpc_client_call_as(n->ledger, &e, rid, n->cfg.ledger_timeout_ms, on_resumed, c);
    if (rc < 0) {
        free(c->case_id);
        free(c);
        return rc;
    }
    n->alerts_in_flight++;
    return 0;
}

/* Fires every due stage, as far as the in-flight limit allows. */
static void pump(notifier_t *n)
{
    /* The standby keeps its table live but fires nothing (lease.h). */
    if (n->stopping || stream_state(n->stream) != STREAM_LIVE || !notifier_lease_firing(n))
        return;
    int64_t now = simclock_now_ms(&n->clock);
    const char *paused_case = NULL;
    int64_t until = 0;
    while (n->alerts_in_flight < n->cfg.max_alerts_in_flight &&
           dl_pop_pause_end(n->dl, now, &paused_case, &until) == 1) {
        if (send_resume(n, paused_case, until) < 0) {
            int64_t wait = (int64_t)((double)ALERT_BACKOFF_MIN_MS * n->clock.speed);
            dl_set_pause(n->dl, paused_case, now + wait);
            break;
        }
    }
    dl_fire_t f;
    while (n->alerts_in_flight < n->cfg.max_alerts_in_flight && dl_pop_due(n->dl, now, &f) == 1) {
        alert_ctx_t *c = alert_ctx(n, &f, now);
        int rc = c == NULL                ? -ENOMEM
                 : f.stage == DL_ESCALATE ? send_escalation(n, c)
                                          : send_record(n, c);
        if (rc < 0) {
            log_warn(f.case_id, "cannot send %s %s: %s", dl_kind_name(f.deadline),
                     dl_stage_name(f.stage), rc < -1000 ? zmq_strerror(-rc) : strerror(-rc));
            alert_ctx_free(c);
            int64_t wait = (int64_t)((double)ALERT_BACKOFF_MIN_MS * n->clock.speed);
            dl_retry(n->dl, f.case_id, f.deadline, f.stage, f.deadline_ms, now + wait);
            break;
        }
    }
    rearm(n);
}

void notifier_pump(notifier_t *n)
{
    pump(n);
}

void notifier_rearm(notifier_t *n)
{
    rearm(n);
}

/* ------------------------------------------------------------------- sync */

static void fetch_page(notifier_t *n);

static void on_page(int status, wire_msg_t *answer, void *ud)
{
    sync_ctx_t *c = ud;
    notifier_t *n = c->n;
    uint64_t gen = c->gen;
    free(c);
    if (n->stopping || gen != n->sync_gen)
        return;
    n->fetching = 0;
    char buf[200];
    const char *problem = answer_problem(status, answer, buf, sizeof buf);
    envelope_t *e = problem ? NULL : wire_envelope(answer);
    if (!problem && (e == NULL || e->body_case != LIANDONG__V1__ENVELOPE__BODY_DEADLINE_LIST)) {
        snprintf(buf, sizeof buf, "unexpected answer %s", e ? wire_body_name(e) : "(none)");
        problem = buf;
    }
    if (problem) {
        /* The ledger is down or has no snapshot handler yet: keep the page
         * cursor (every event after the first page's as_of_seq is being
         * buffered) and ask again after a growing pause. */
        ledger_state(n, 1, "list deadlines", problem);
        uint32_t d = n->sync_backoff_ms;
        n->sync_backoff_ms = d * 2 > SYNC_BACKOFF_MAX_MS ? SYNC_BACKOFF_MAX_MS : d * 2;
        retry_page(n, d);
        return;
    }
    ledger_state(n, 0, "", "");
    n->sync_backoff_ms = SYNC_BACKOFF_MIN_MS;
    const Liandong__V1__DeadlineList *l = e->deadline_list;
    stream_snapshot_page(n->stream, l->as_of_seq);
    int more = l->n_deadlines > 0 && l->n_deadlines >= n->cfg.page_size;
    if (more) {
        /* Ask for the next page before loading this one, so the ledger's
         * query overlaps our loading (reload time at a million cases). */
        free(n->cursor);
        n->cursor = strdup(l->deadlines[l->n_deadlines - 1]->case_id);
        if (n->cursor == NULL) {
            resync(n, SYNC_BACKOFF_MIN_MS);
            return;
        }
        fetch_page(n);
    }
    for (size_t i = 0; i < l->n_deadlines; i++) {
        int rc = stream_load_row(n->dl, l->deadlines[i]);
        if (rc < 0)
            log_warn(l->deadlines[i]->case_id, "snapshot row refused: %s", strerror(-rc));
    }
    if (more)
        return;
    int rc = stream_snapshot_done(n->stream, n->dl);
    if (rc == STREAM_RESYNC) {
        log_warn(NULL, "events missing after the snapshot (as of seq %" PRIu64 "): fetching again",
                 l->as_of_seq);
        resync(n, SYNC_BACKOFF_MIN_MS);
        return;
    }
    if (rc < 0) {
        log_error(NULL, "applying buffered events failed: %s; resynchronising", strerror(-rc));
        stream_begin_sync(n->stream);
        resync(n, SYNC_BACKOFF_MIN_MS);
        return;
    }
    log_info(NULL, "synchronised: %zu open cases, %zu pending stages, live from seq %" PRIu64,
             dl_case_count(n->dl), dl_pending_count(n->dl), stream_last_seq(n->stream));
    uv_timer_start(&n->sync_timer, on_sync_timer, n->cfg.probe_interval_ms, 0);
    pump(n);
}

static void fetch_page(notifier_t *n)
{
    if (n->fetching || n->stopping)
        return;
    Liandong__V1__ListDeadlines q = LIANDONG__V1__LIST_DEADLINES__INIT;
    q.after_case_id = n->cursor ? n->cursor : "";
    q.limit = n->cfg.page_size;
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_LIST_DEADLINES;
    e.list_deadlines = &q;
    sync_ctx_t *c = sync_ctx(n);
    int rc = c ? rpc_client_call(n->ledger, &e, n->cfg.ledger_timeout_ms, on_page, c) : -ENOMEM;
    if (rc < 0) {
        free(c);
        log_warn(NULL, "cannot ask for the snapshot: %s", strerror(-rc));
        retry_page(n, n->sync_backoff_ms);
        return;
    }
    n->fetching = 1;
}

static void on_probe(int status, wire_msg_t *answer, void *ud)
{
    sync_ctx_t *c = ud;
    notifier_t *n = c->n;
    uint64_t gen = c->gen;
    free(c);
    if (n->stopping)
        return;
    n->probing = 0;
    char buf[200];
    if (gen != n->sync_gen || answer_problem(status, answer, buf, sizeof buf) ||
        wire_envelope(answer)->body_case != LIANDONG__V1__ENVELOPE__BODY_DEADLINE_LIST)
        return;
    if (stream_probe(n->stream, wire_envelope(answer)->deadline_list->as_of_seq) == STREAM_RESYNC) {
        log_warn(NULL,
                 "events lost on a quiet stream (ledger at seq %" PRIu64 ", applied %" PRIu64
                 "): resynchronising",
                 wire_envelope(answer)->deadline_list->as_of_seq, stream_last_seq(n->stream));
        resync(n, 0);
    }
}

static void on_sync_timer(uv_timer_t *t)
{
    notifier_t *n = t->data;
    if (n->stopping)
        return;
    if (stream_state(n->stream) == STREAM_SYNCING) {
        fetch_page(n);
        return;
    }
    /* Live: probe the ledger's head seq now and then (stream.h). */
    if (!n->probing) {
        Liandong__V1__ListDeadlines q = LIANDONG__V1__LIST_DEADLINES__INIT;
        q.after_case_id = "";
        q.limit = 0;
        envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
        e.body_case = LIANDONG__V1__ENVELOPE__BODY_LIST_DEADLINES;
        e.list_deadlines = &q;
        sync_ctx_t *c = sync_ctx(n);
        if (c && rpc_client_call(n->ledger, &e, n->cfg.ledger_timeout_ms, on_probe, c) == 0)
            n->probing = 1;
        else
            free(c);
    }
    uv_timer_start(&n->sync_timer, on_sync_timer, n->cfg.probe_interval_ms, 0);
}

/* Asks for the current snapshot page again after delay_ms. */
static void retry_page(notifier_t *n, uint32_t delay_ms)
{
    if (!n->stopping && n->timers_open)
        uv_timer_start(&n->sync_timer, on_sync_timer, delay_ms, 0);
}

/* A fresh synchronisation (the stream has already gone back to syncing):
 * new generation so answers to older requests are ignored, empty table,
 * first page. The ledger's once-only record of alerts makes rebuilding
 * the table safe: a stage that fires again is refused as not first. */
static void resync(notifier_t *n, uint32_t delay_ms)
{
    if (n->stopping)
        return;
    n->sync_gen++;
    n->fetching = 0;
    free(n->cursor);
    n->cursor = NULL;
    dl_clear(n->dl);
    retry_page(n, delay_ms);
    rearm(n);
}

/* --------------------------------------------------------------- events */

static void on_event_message(zuv_socket_t *s, zuv_message_t *m, void *ud)
{
    (void)s;
    notifier_t *n = ud;
    if (n->stopping || m->nframes == 0)
        return;
    if (n->cfg.drop_every && ++n->events_received % n->cfg.drop_every == 0) {
        n->events_dropped++;
        log_warn(NULL, "fault injection: event dropped (%lu so far)", n->events_dropped);
        return;
    }
    /* [envelope] or [topic][envelope]: the envelope is the last frame. */
    zmq_msg_t *payload = &m->frames[m->nframes - 1];
    char err[160];
    wire_msg_t *msg = NULL;
    if (wire_unpack(zmq_msg_data(payload), zmq_msg_size(payload), 1u << 20, &msg, err, sizeof err) <
        0) {
        log_warn(NULL, "dropped an unreadable event: %s", err);
        return;
    }
    envelope_t *e = wire_envelope(msg);
    if (e->body_case != LIANDONG__V1__ENVELOPE__BODY_CASE_EVENT || e->case_event == NULL) {
        wire_free(&msg);
        return;
    }
    const Liandong__V1__CaseEvent *ce = e->case_event;
    stream_event_t ev = {ce->seq,
                         ce->case_id,
                         ce->kind,
                         ce->body_id,
                         ce->at_ms,
                         ce->reply_due_ms,
                         ce->resolve_due_ms,
                         ce->to_state,
                         ce->reply_clock,
                         ce->resolve_clock,
                         ce->deadlines_from_ms,
                         ce->pause_until_ms};
    int rc = stream_on_event(n->stream, n->dl, &ev);
    if (rc == STREAM_RESYNC) {
        log_warn(NULL,
                 "gap in the event stream at seq %" PRIu64 " (applied %" PRIu64
                 "): resynchronising",
                 ce->seq, stream_last_seq(n->stream));
        resync(n, 0);
    } else if (rc < 0) {
        log_error(ce->case_id, "event %" PRIu64 " not applied: %s; resynchronising", ce->seq,
                  strerror(-rc));
        stream_begin_sync(n->stream);
        resync(n, SYNC_BACKOFF_MIN_MS);
    } else {
        rearm(n);
    }
    wire_free(&msg);
}

/* ---------------------------------------------------------------- health */

static void on_health(rpc_server_t *srv, rpc_request_t *req, void *ud)
{
    (void)srv;
    const notifier_t *n = ud;
    envelope_t *in = rpc_request_envelope(req);
    if (in->body_case != LIANDONG__V1__ENVELOPE__BODY_PING) {
        rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_UNKNOWN_TYPE,
                         "the notifier answers ping only");
        return;
    }
    Liandong__V1__Pong p = LIANDONG__V1__PONG__INIT;
    p.service = "notifier";
    /* issue 15: how far its calendar reaches, and its own uses of a year it
     * does not cover (due-soon and overdue counted Monday-Friday) */
    int first = 0, last = 0;
    calendar_years(n->cfg.workcal, &first, &last);
    p.calendar_last_year = (uint32_t)last;
    p.calendar_uncovered = calendar_uncovered_total();
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_PONG;
    e.pong = &p;
    rpc_request_answer(req, &e);
}

/* ------------------------------------------------------------- lifecycle */

int notifier_start(notifier_t *n)
{
    dl_config_t dc = {.due_soon_share = n->cfg.due_soon_share,
                      .escalation_grace_hours = n->cfg.escalation_grace_hours,
                      .reply_escalation_grace_hours = n->cfg.reply_escalation_grace_hours,
                      .calendar = calendar_wall(),
                      .policy = n->cfg.policy,
                      .workcal = n->cfg.workcal};
    int rc = dl_create(&dc, &n->dl);
    if (rc == 0)
        rc = stream_create(n->cfg.max_buffered_events, &n->stream);
    if (rc < 0)
        return rc;
    n->sync_backoff_ms = SYNC_BACKOFF_MIN_MS;
    n->alert_backoff_ms = ALERT_BACKOFF_MIN_MS;
    n->armed_at = INT64_MIN;
    uv_timer_init(n->svc.loop, &n->fire_timer);
    uv_timer_init(n->svc.loop, &n->sync_timer);
    n->fire_timer.data = n->sync_timer.data = n;
    n->timers_open = 1;
    /* CURVE on every socket: the ledger only answers ListDeadlines and
     * RecordAlert to service keys, and alerts go only to holders of a key
     * in the directory. The ZAP handler is bound before any server socket. */
    if ((rc = secure_init(&n->sec, n->svc.loop, n->svc.zctx, n->cfg.keys_dir, n->cfg.identity, 1,
                          n->cfg.insecure)) < 0)
        return rc;
    if ((rc = rpc_client_create(n->svc.loop, n->svc.zctx, NULL, 64u << 20, &n->ledger)) < 0 ||
        (rc = secure_client_socket(&n->sec, zuv_socket_zmq(rpc_client_socket(n->ledger)),
                                   n->cfg.ledger_identity)) < 0 ||
        (rc = rpc_client_connect(n->ledger, n->cfg.ledger)) < 0)
        return rc;
    if ((rc = rpc_client_create(n->svc.loop, n->svc.zctx, NULL, 1u << 20, &n->router)) < 0 ||
        (rc = secure_client_socket(&n->sec, zuv_socket_zmq(rpc_client_socket(n->router)),
                                   n->cfg.router_identity)) < 0 ||
        (rc = rpc_client_connect(n->router, n->cfg.router)) < 0)
        return rc;
    /* Only services and operators may subscribe, each subscription read
     * and checked by the notifier itself (lib/stream_pub.h). */
    if ((rc = stream_pub_create(n->svc.loop, n->svc.zctx, "notifier alerts", n->sec.auth,
                                &n->pub)) < 0)
        return rc;
    /* A slow alert subscriber loses alerts at the mark rather than stall
     * the notifier; the ledger keeps the record of every alert. */
    int hwm = 100000;
    zmq_setsockopt(stream_pub_zmq(n->pub), ZMQ_SNDHWM, &hwm, sizeof hwm);
    if ((rc = secure_stream_socket(&n->sec, stream_pub_zmq(n->pub))) < 0 ||
        (rc = stream_pub_bind(n->pub, n->cfg.alerts)) < 0)
        return rc;
    if ((rc = zuv_socket_create(n->svc.loop, n->svc.zctx, ZMQ_SUB, 0, &n->sub)) < 0)
        return rc;
    /* A large receive mark absorbs bursts; beyond it events are dropped,
     * which shows as a seq gap and costs a resynchronisation. */
    zmq_setsockopt(zuv_socket_zmq(n->sub), ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(zuv_socket_zmq(n->sub), ZMQ_SUBSCRIBE, "", 0);
    if ((rc = secure_client_socket(&n->sec, zuv_socket_zmq(n->sub), n->cfg.ledger_identity)) < 0 ||
        (rc = endpoints_connect(zuv_socket_zmq(n->sub), n->cfg.events)) < 0 ||
        (rc = zuv_socket_start(n->sub, 2, on_event_message, n)) < 0)
        return rc;
    if ((rc = rpc_server_create(n->svc.loop, n->svc.zctx, NULL, 4096, on_health, n, &n->health)) <
            0 ||
        (rc = secure_server_socket(&n->sec, zuv_socket_zmq(rpc_server_socket(n->health)))) < 0 ||
        (rc = rpc_server_listen(n->health, n->cfg.listen)) < 0)
        return rc;
    /* Clone pattern: the subscription is open before the snapshot is asked
     * for, so no event can fall between the two. */
    if ((rc = notifier_lease_start(n)) < 0)
        return rc;
    stream_begin_sync(n->stream);
    uv_timer_start(&n->sync_timer, on_sync_timer, 0, 0);
    return 0;
}

void notifier_stop(notifier_t *n)
{
    if (n->stopping)
        return;
    n->stopping = 1;
    if (n->timers_open) {
        uv_timer_stop(&n->fire_timer);
        uv_timer_stop(&n->sync_timer);
        uv_close((uv_handle_t *)&n->fire_timer, NULL);
        uv_close((uv_handle_t *)&n->sync_timer, NULL);
        n->timers_open = 0;
    }
    notifier_lease_give_up(n);
    notifier_lease_stop(n);
    rpc_server_destroy(&n->health);
    zuv_socket_close(&n->sub);
    stream_pub_destroy(&n->pub);
    /* Fails requests in flight: their callbacks see n->stopping. */
    rpc_client_destroy(&n->ledger);
    rpc_client_destroy(&n->router);
    secure_fini(&n->sec);
}

void notifier_destroy(notifier_t *n)
{
    dl_destroy(&n->dl);
    stream_destroy(&n->stream);
    free(n->cursor);
    n->cursor = NULL;
}
