/*
 * stream.h - following the ledger's case-event stream (ZeroMQ Clone
 * pattern), as pure logic over events so it is testable without sockets.
 *
 * The service subscribes FIRST, then calls stream_begin_sync() and fetches
 * the deadline snapshot page by page (ListDeadlines). Events arriving
 * meanwhile are buffered. When the last page is in, stream_snapshot_done()
 * drops buffered events with seq <= the snapshot's as_of_seq, checks that
 * the rest continue it without a gap, applies them and goes live. Live, an
 * event must carry seq = last + 1: a lower seq is a duplicate (dropped), a
 * higher one means events were lost (slow joiner, SUB high-water mark, a
 * reconnect) and the stream asks for a resynchronisation.
 *
 * Pages are separate ledger transactions, so each has its own as_of_seq;
 * the FIRST page's as_of_seq is used, and every later event is replayed.
 * That is correct because applying an event is idempotent and
 * last-writer-wins per case (set deadlines, mark replied, cancel, remove):
 * replaying an event a later page already reflects changes nothing that a
 * still later event does not overwrite.
 */
#ifndef LIANDONG_NOTIFIER_STREAM_H
#define LIANDONG_NOTIFIER_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "deadlines.h"
#include "liandong.pb-c.h"

typedef enum {
    SE_IGNORE = 0, /* delivered, accepted, rated, ...: no deadline change */
    SE_SET,        /* created, assigned, escalated, dispatched */
    SE_REPLIED,    /* replied: no more reply alerts */
    SE_CANCEL,     /* returned: no alerts until re-dispatched */
    SE_REMOVE,     /* resolved, closed: forget the case */
    SE_REOPEN      /* rated "dissatisfied" and reopened or escalated (to_state
                    * not closed): a new resolution deadline, no reply alerts */
} stream_effect_t;

typedef struct {
    uint64_t seq;
    const char *case_id;
    const char *kind;
    const char *body_id;
    int64_t at_ms;
    int64_t reply_due_ms; /* 0 = unchanged */
    int64_t resolve_due_ms;
    const char *to_state; /* the case's state after the event (NULL = unknown) */
    /* issue 15: the clocks of the deadlines (NULL or "" = unchanged), and
     * when their limits started to run (0 = at_ms when they changed) */
    const char *reply_clock;
    const char *resolve_clock;
    int64_t deadlines_from_ms;
    int64_t pause_until_ms; /* paused: the pause's limit */
} stream_event_t;

typedef enum { STREAM_SYNCING = 0, STREAM_LIVE } stream_state_t;

/* Results of stream calls. */
#define STREAM_OK 0
#define STREAM_RESYNC 1 /* fetch the snapshot again (the stream is already syncing) */

typedef struct stream stream_t;

typedef struct {
    uint64_t applied, duplicates, buffered, gaps, resyncs, overflows;
} stream_stats_t;

stream_effect_t stream_effect(const char *kind);
/* Applies one event to the deadline table (pure). 0 or negative errno. */
int stream_apply(deadlines_t *d, const stream_event_t *ev);
/* Loads one snapshot row (pure): deadlines, replied, alerts already sent. */
int stream_load_row(deadlines_t *d, const Liandong__V1__OpenDeadline *row);

/* max_buffer: events kept while a snapshot loads (beyond it: resync). */
int stream_create(size_t max_buffer, stream_t **out);
void stream_destroy(stream_t **s);

stream_state_t stream_state(const stream_t *s);
uint64_t stream_last_seq(const stream_t *s);
const stream_stats_t *stream_stats(const stream_t *s);

/* Starts (or restarts) a synchronisation: forgets buffered events. The
 * caller clears the deadline table and fetches the snapshot. */
void stream_begin_sync(stream_t *s);
/* Records a page's as_of_seq (the first page's counts). */
void stream_snapshot_page(stream_t *s, uint64_t as_of_seq);
/* Snapshot complete: replays the buffer. STREAM_OK (live), STREAM_RESYNC,
 * or a negative errno. */
int stream_snapshot_done(stream_t *s, deadlines_t *d);
/* One event from the SUB socket. STREAM_OK, STREAM_RESYNC or -errno. */
int stream_on_event(stream_t *s, deadlines_t *d, const stream_event_t *ev);
/* A probe of the ledger's head seq (ListDeadlines with limit 0). Events
 * committed at the previous probe must have arrived by now; if not, the
 * stream lost them with no later event to show the gap (a quiet stream):
 * STREAM_RESYNC. Otherwise STREAM_OK. */
int stream_probe(stream_t *s, uint64_t head_seq);

#endif
