/*
 * stream.c - snapshot + event-stream synchronisation (see stream.h).
 */
#include "stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "case_model.h"

typedef struct {
    uint64_t seq;
    char *case_id;
    char *kind;
    char *body_id;
    char *to_state;
    char *reply_clock, *resolve_clock;
    int64_t at_ms, reply_due_ms, resolve_due_ms, deadlines_from_ms, pause_until_ms;
} buffered_t;

struct stream {
    stream_state_t state;
    uint64_t last_seq;
    uint64_t as_of_seq;
    int have_as_of;
    int overflowed;
    uint64_t probe_head; /* head seq seen at the previous probe, 0 = none */
    buffered_t *buf;
    size_t nbuf, capbuf, max_buffer;
    stream_stats_t stats;
};

stream_effect_t stream_effect(const char *kind)
{
    static const struct {
        const char *kind;
        stream_effect_t effect;
    } map[] = {
        {CASE_EVENT_CREATED, SE_SET},
        {CASE_EVENT_ASSIGNED, SE_SET},
        {CASE_EVENT_ESCALATED, SE_SET},
        {CASE_EVENT_DISPATCHED, SE_SET},
        {CASE_EVENT_REPLIED, SE_REPLIED},
        {CASE_EVENT_RETURNED, SE_CANCEL},
        {CASE_EVENT_RESOLVED, SE_REMOVE},
        {CASE_EVENT_CLOSED, SE_REMOVE},
        /* a pause, a resume and a granted extension move the deadlines */
        {CASE_EVENT_PAUSED, SE_SET},
        {CASE_EVENT_RESUMED, SE_SET},
        {CASE_EVENT_EXTENSION_GRANTED, SE_SET},
    };
    for (size_t i = 0; kind && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(kind, map[i].kind) == 0)
            return map[i].effect;
    return SE_IGNORE;
}

/* A rating that did not close the case reopened it (ROUTING.md section 8):
 * the only event whose effect depends on the state it leaves. */
static stream_effect_t effect_of(const stream_event_t *ev)
{
    if (ev->kind && strcmp(ev->kind, CASE_EVENT_RATED) == 0 && ev->to_state &&
        ev->to_state[0] != '\0' && strcmp(ev->to_state, CASE_STATE_CLOSED) != 0)
        return SE_REOPEN;
    return stream_effect(ev->kind);
}

/* Sets the clocks an event or a snapshot row names ("" keeps one). An
 * unknown name counts as natural: the wall time is the safe reading. */
static int apply_clocks(deadlines_t *d, const char *case_id, const char *reply_clock,
                        const char *resolve_clock)
{
    int has_reply = reply_clock && reply_clock[0], has_resolve = resolve_clock && resolve_clock[0];
    if (!has_reply && !has_resolve)
        return 0;
    int rc = has_reply ? policy_clock_from_name(reply_clock) : -1;
    int rs = has_resolve ? policy_clock_from_name(resolve_clock) : -1;
    int cur[DL_KINDS] = {0, 0};
    if (dl_get_clocks(d, case_id, &cur[DL_REPLY], &cur[DL_RESOLVE]) < 0)
        return 0;
    return dl_set_clocks(d, case_id, has_reply ? (rc < 0 ? CLOCK_NATURAL : rc) : cur[DL_REPLY],
                         has_resolve ? (rs < 0 ? CLOCK_NATURAL : rs) : cur[DL_RESOLVE]);
}

int stream_apply(deadlines_t *d, const stream_event_t *ev)
{
    if (ev->case_id == NULL || ev->case_id[0] == '\0')
        return -EINVAL;
    int rc = 0;
    stream_effect_t effect = effect_of(ev);
    switch (effect) {
    case SE_REOPEN:
    case SE_SET: {
        int64_t from = 0, reply = 0, resolve = 0;
        int known = dl_get(d, ev->case_id, &from, &reply, &resolve) == 0;
        /* 0 keeps the current due time: an event that does not restate
         * the deadlines must not wipe them. */
        int64_t nreply = ev->reply_due_ms ? ev->reply_due_ms : reply;
        int64_t nresolve = ev->resolve_due_ms ? ev->resolve_due_ms : resolve;
        /* The due_soon point is a share of the limit measured from when the
         * current deadlines were set; unchanged deadlines keep their start
         * (ROUTING.md 6: the clock runs from placement), and so do
         * deadlines a pause or a resume moved: the clock stopped, the limit
         * did not start again (the ledger's snapshot, dl_list, agrees). */
        int paused = ev->kind && (strcmp(ev->kind, CASE_EVENT_PAUSED) == 0 ||
                                  strcmp(ev->kind, CASE_EVENT_RESUMED) == 0);
        if (ev->deadlines_from_ms > 0)
            from = ev->deadlines_from_ms;
        else if (!known || ((nreply != reply || nresolve != resolve) && !paused))
            from = ev->at_ms;
        rc = dl_set(d, ev->case_id, ev->body_id, from, nreply, nresolve);
        if (rc == 0)
            rc = apply_clocks(d, ev->case_id, ev->reply_clock, ev->resolve_clock);
        /* A pause's limit, for resuming it there; a resume or a new
         * holder (who starts without the old one's pause) clears it. */
        if (rc == 0 && ev->kind && strcmp(ev->kind, CASE_EVENT_PAUSED) == 0)
            rc = dl_set_pause(d, ev->case_id, ev->pause_until_ms);
        else if (rc == 0 && ev->kind &&
                 (strcmp(ev->kind, CASE_EVENT_RESUMED) == 0 ||
                  strcmp(ev->kind, CASE_EVENT_ESCALATED) == 0 ||
                  strcmp(ev->kind, CASE_EVENT_DISPATCHED) == 0))
            rc = dl_set_pause(d, ev->case_id, 0);
        /* A reopened case was replied to: only its resolution is due. */
        if (rc == 0 && effect == SE_REOPEN)
            rc = dl_replied(d, ev->case_id);
        break;
    }
    case SE_REPLIED:
        rc = dl_replied(d, ev->case_id);
        break;
    case SE_CANCEL:
        rc = dl_cancel_all(d, ev->case_id);
        if (rc == 0)
            rc = dl_set_pause(d, ev->case_id, 0);
        break;
    case SE_REMOVE:
        rc = dl_remove(d, ev->case_id);
        break;
    case SE_IGNORE:
        break;
    }
    /* An event for a case we do not hold (already closed, or opened and
     * closed before the snapshot) is not an error. */
    return rc == -ENOENT ? 0 : rc;
}

int stream_load_row(deadlines_t *d, const Liandong__V1__OpenDeadline *row)
{
    if (row->case_id == NULL || row->case_id[0] == '\0' || row->reply_due_ms < 0 ||
        row->resolve_due_ms < 0)
        return -EINVAL;
    if (row->resolved)
        return 0; /* resolved and waiting for a rating: nothing to chase */
    int64_t from = row->deadlines_from_ms ? row->deadlines_from_ms : row->created_at_ms;
    int rc = dl_set(d, row->case_id, row->body_id, from, row->reply_due_ms, row->resolve_due_ms);
    if (rc == 0)
        rc = apply_clocks(d, row->case_id, row->reply_clock, row->resolve_clock);
    if (rc == 0)
        rc = dl_set_pause(d, row->case_id, row->pause_until_ms);
    /* Before the alerts already sent: a recorded reply escalation then
     * marks that stage done instead of arming it again. */
    if (rc == 0 && row->emergency)
        rc = dl_set_emergency(d, row->case_id);
    if (rc == 0 && row->replied)
        rc = dl_replied(d, row->case_id);
    for (size_t i = 0; rc == 0 && i < row->n_alerts; i++) {
        const Liandong__V1__RecordedAlert *a = row->alerts[i];
        int k = dl_kind_from_name(a->deadline);
        int s = dl_stage_from_name(a->stage);
        if (k < 0 || s < 0)
            continue;
        int m = dl_mark_sent(d, row->case_id, (dl_kind_t)k, (dl_stage_t)s, a->due_ms);
        /* An alert about an older due time is history, not an error. */
        if (m < 0 && m != -ESTALE)
            rc = m;
    }
    return rc;
}

int stream_create(size_t max_buffer, stream_t **out)
{
    stream_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->max_buffer = max_buffer ? max_buffer : 1;
    s->state = STREAM_SYNCING;
    *out = s;
    return 0;
}

static void buffer_clear(stream_t *s)
{
    for (size_t i = 0; i < s->nbuf; i++) {
        free(s->buf[i].case_id);
        free(s->buf[i].kind);
        free(s->buf[i].body_id);
        free(s->buf[i].to_state);
        free(s->buf[i].reply_clock);
        free(s->buf[i].resolve_clock);
    }
    s->nbuf = 0;
}

void stream_destroy(stream_t **sp)
{
    if (sp == NULL || *sp == NULL)
        return;
    stream_t *s = *sp;
    buffer_clear(s);
    free(s->buf);
    free(s);
    *sp = NULL;
}

stream_state_t stream_state(const stream_t *s)
{
    return s->state;
}

uint64_t stream_last_seq(const stream_t *s)
{
    return s->last_seq;
}

const stream_stats_t *stream_stats(const stream_t *s)
{
    return &s->stats;
}

void stream_begin_sync(stream_t *s)
{
    buffer_clear(s);
    s->state = STREAM_SYNCING;
    s->have_as_of = 0;
    s->as_of_seq = 0;
    s->overflowed = 0;
    s->probe_head = 0;
    s->stats.resyncs++;
}

void stream_snapshot_page(stream_t *s, uint64_t as_of_seq)
{
    if (!s->have_as_of) {
        s->as_of_seq = as_of_seq;
        s->have_as_of = 1;
    }
}

static char *dup_or_empty(const char *p)
{
    return strdup(p ? p : "");
}

static int buffer_push(stream_t *s, const stream_event_t *ev)
{
    if (s->nbuf >= s->max_buffer) {
        /* Losing an event while syncing would leave a hole that only a new
         * snapshot can fill: remember it and resync when this one ends. */
        s->overflowed = 1;
        s->stats.overflows++;
        return 0;
    }
    if (s->nbuf == s->capbuf) {
        size_t nc = s->capbuf ? s->capbuf * 2 : 256;
        if (nc > s->max_buffer)
            nc = s->max_buffer;
        buffered_t *nb = realloc(s->buf, nc * sizeof(*nb));
        if (nb == NULL)
            return -ENOMEM;
        s->buf = nb;
        s->capbuf = nc;
    }
    buffered_t *b = &s->buf[s->nbuf];
    b->seq = ev->seq;
    b->at_ms = ev->at_ms;
    b->reply_due_ms = ev->reply_due_ms;
    b->resolve_due_ms = ev->resolve_due_ms;
    b->case_id = dup_or_empty(ev->case_id);
    b->kind = dup_or_empty(ev->kind);
    b->body_id = dup_or_empty(ev->body_id);
    b->to_state = dup_or_empty(ev->to_state);
    b->reply_clock = dup_or_empty(ev->reply_clock);
    b->resolve_clock = dup_or_empty(ev->resolve_clock);
    b->deadlines_from_ms = ev->deadlines_from_ms;
    b->pause_until_ms = ev->pause_until_ms;
    if (!b->case_id || !b->kind || !b->body_id || !b->to_state || !b->reply_clock ||
        !b->resolve_clock) {
        free(b->case_id);
        free(b->kind);
        free(b->body_id);
        free(b->to_state);
        free(b->reply_clock);
        free(b->resolve_clock);
        return -ENOMEM;
    }
    s->nbuf++;
    s->stats.buffered++;
    return 0;
}

/* Live path: apply in order, or report the gap. */
static int live_event(stream_t *s, deadlines_t *d, const stream_event_t *ev)
{
    if (ev->seq <= s->last_seq) {
        s->stats.duplicates++;
        return STREAM_OK;
    }
    if (ev->seq != s->last_seq + 1) {
        s->stats.gaps++;
        stream_begin_sync(s);
        /* Keep this event: it may continue the coming snapshot. */
        int rc = buffer_push(s, ev);
        return rc < 0 ? rc : STREAM_RESYNC;
    }
    int rc = stream_apply(d, ev);
    if (rc < 0)
        return rc;
    s->last_seq = ev->seq;
    s->stats.applied++;
    return STREAM_OK;
}

int stream_snapshot_done(stream_t *s, deadlines_t *d)
{
    if (s->state != STREAM_SYNCING || !s->have_as_of)
        return -EINVAL;
    if (s->overflowed) {
        stream_begin_sync(s);
        return STREAM_RESYNC;
    }
    s->state = STREAM_LIVE;
    s->last_seq = s->as_of_seq;
    for (size_t i = 0; i < s->nbuf; i++) {
        buffered_t *b = &s->buf[i];
        if (b->seq <= s->last_seq) {
            s->stats.duplicates++; /* already in the snapshot */
            continue;
        }
        if (b->seq != s->last_seq + 1) {
            /* Events between the snapshot and the first buffered one were
             * lost (typically the SUB connection was not up yet when they
             * were published): only a new snapshot can fill the hole. */
            s->stats.gaps++;
            stream_begin_sync(s);
            return STREAM_RESYNC;
        }
        stream_event_t ev = {b->seq,
                             b->case_id,
                             b->kind,
                             b->body_id,
                             b->at_ms,
                             b->reply_due_ms,
                             b->resolve_due_ms,
                             b->to_state,
                             b->reply_clock,
                             b->resolve_clock,
                             b->deadlines_from_ms,
                             b->pause_until_ms};
        int rc = stream_apply(d, &ev);
        if (rc < 0)
            return rc;
        s->last_seq = b->seq;
        s->stats.applied++;
    }
    buffer_clear(s);
    return STREAM_OK;
}

int stream_on_event(stream_t *s, deadlines_t *d, const stream_event_t *ev)
{
    if (s->state == STREAM_SYNCING)
        return buffer_push(s, ev);
    return live_event(s, d, ev);
}

int stream_probe(stream_t *s, uint64_t head_seq)
{
    if (s->state != STREAM_LIVE)
        return STREAM_OK;
    uint64_t prev = s->probe_head;
    s->probe_head = head_seq;
    if (prev != 0 && s->last_seq < prev) {
        s->stats.gaps++;
        stream_begin_sync(s);
        return STREAM_RESYNC;
    }
    return STREAM_OK;
}
