/*
 * deadlines.h - every open case's deadlines and the alerts still to come.
 *
 * Each case has up to two deadlines, reply and resolve; each deadline moves
 * through stages: due_soon (a share of the limit has passed), overdue (the
 * deadline itself), and escalate (the deadline plus a grace): always for
 * resolve, and for the reply of an emergency (ROUTING.md section 7: an
 * emergency nobody replied to goes up when its reply limit has passed, not
 * only when its resolution is late; dl_set_emergency()). A binary min-heap holds one entry per
 * (case, deadline): the time its next stage acts. Cases live in a slab indexed by a hash on the
 * case id, and each case record knows its heap slots, so set/cancel/remove are O(log n). Pure data
 * structure: no sockets, no loop; time is passed in, so tests drive it with a test clock. The
 * service arms one uv_timer at dl_next_due().
 *
 * Firing is two-phase because the ledger must record an alert before it is
 * sent: dl_pop_due() takes the entry out of the heap (in flight), then the
 * caller reports dl_advance() (handled: go to the next stage) or dl_retry()
 * (ledger unreachable: try again later). A report that no longer matches
 * the case (it was replied, resolved or given new deadlines meanwhile) is
 * ignored.
 *
 * Memory: about 150 bytes per open case (record 48, heap 2 x 16, hash 8,
 * case id string); body ids are interned.
 */
#ifndef LIANDONG_NOTIFIER_DEADLINES_H
#define LIANDONG_NOTIFIER_DEADLINES_H

#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "policy.h"

typedef enum { DL_REPLY = 0, DL_RESOLVE = 1, DL_KINDS = 2 } dl_kind_t;
typedef enum { DL_DUE_SOON = 0, DL_OVERDUE = 1, DL_ESCALATE = 2, DL_DONE = 3 } dl_stage_t;

typedef struct {
    double due_soon_share;               /* (0, 1): 0.75 = when 3/4 of the limit passed */
    double escalation_grace_hours;       /* >= 0 */
    double reply_escalation_grace_hours; /* >= 0: an emergency's unanswered reply */
    const calendar_t *calendar;          /* NULL = wall clock: natural-hours deadlines */
    /* Deadlines on a working clock (dl_set_clocks) count their due-soon
     * share and escalation grace in the same working time the router
     * computed them in (lib/policy.h policy_clock_*: one implementation).
     * policy gives the working-hours windows; NULL = whole working days. */
    const policy_t *policy;
    const workcal_t *workcal; /* NULL: Monday-Friday, flagged */
} dl_config_t;

typedef struct deadlines deadlines_t;

/* One stage that is due. Strings point into the table and stay valid until
 * the next call that changes it; copy them before going asynchronous. */
typedef struct {
    const char *case_id;
    const char *body_id;
    dl_kind_t deadline;
    dl_stage_t stage;
    int64_t deadline_ms; /* the deadline (reply_due or resolve_due) */
    int64_t stage_ms;    /* when this stage was due */
} dl_fire_t;

const char *dl_kind_name(dl_kind_t k);
const char *dl_stage_name(dl_stage_t s);
int dl_kind_from_name(const char *s);
int dl_stage_from_name(const char *s);

int dl_create(const dl_config_t *cfg, deadlines_t **out);
void dl_destroy(deadlines_t **d);
/* Forgets every case (before a resynchronisation). */
void dl_clear(deadlines_t *d);

/* Creates or updates a case: its body and deadlines (0 = none). from_ms is
 * when the limits started to run (0 = unknown: no due_soon stage). A
 * deadline whose due time is unchanged keeps its progress, so an event
 * replayed twice, or an escalation that keeps the deadlines, does not alert
 * again; a new due time starts the stages over. A reply deadline is never
 * re-armed once the case was replied. Returns 0 or -EINVAL / -ENOMEM. */
int dl_set(deadlines_t *d, const char *case_id, const char *body_id, int64_t from_ms,
           int64_t reply_due_ms, int64_t resolve_due_ms);
/* The clocks a case's reply and resolve deadlines run on (policy_clock_t;
 * a new case starts natural). A changed clock re-arms the stages still to
 * come. 0, -ENOENT or -EINVAL. */
int dl_set_clocks(deadlines_t *d, const char *case_id, int reply_clock, int resolve_clock);
/* A pause's limit (issue 15): when it passes the service resumes the case
 * (a pause nobody resumed ends by itself). 0 clears it (resumed, or a new
 * holder). Pauses are few: a lazy min-heap of their own, apart from the
 * deadline stages. 0, -ENOENT or -ENOMEM. */
int dl_set_pause(deadlines_t *d, const char *case_id, int64_t until_ms);
/* The earliest pause limit, or INT64_MAX. */
int64_t dl_next_pause_end(deadlines_t *d);
/* Takes one pause whose limit is <= now: 1 with *case_id (valid until the
 * next change of the table) and its limit in *until_ms, its pause cleared
 * (the caller sets it again to retry); 0 when none. */
int dl_pop_pause_end(deadlines_t *d, int64_t now_ms, const char **case_id, int64_t *until_ms);

/* A case's clocks; 0 or -ENOENT. */
int dl_get_clocks(const deadlines_t *d, const char *case_id, int *reply_clock, int *resolve_clock);

/* The alert (deadline, stage) for due time due_ms was already recorded by
 * the ledger (snapshot after a restart): skip it and the stages before it.
 * Returns 0, -ENOENT (no such case) or -ESTALE (due time differs). */
int dl_mark_sent(deadlines_t *d, const char *case_id, dl_kind_t k, dl_stage_t s, int64_t due_ms);
/* The case is an emergency: an unanswered reply escalates too (at the
 * reply deadline plus reply_escalation_grace_hours). Idempotent; a reply
 * whose stages were done when this arrived gets its escalate stage. 0 or
 * -ENOENT. */
int dl_set_emergency(deadlines_t *d, const char *case_id);
/* The case was replied: no more reply alerts. 0 or -ENOENT. */
int dl_replied(deadlines_t *d, const char *case_id);
/* Cancels every alert but keeps the case (returned: it waits for
 * re-dispatch, which sets new deadlines). 0 or -ENOENT. */
int dl_cancel_all(deadlines_t *d, const char *case_id);
/* Forgets the case (resolved, closed). 0 or -ENOENT. */
int dl_remove(deadlines_t *d, const char *case_id);

size_t dl_case_count(const deadlines_t *d);
size_t dl_pending_count(const deadlines_t *d);
/* Act time of the earliest pending stage, or INT64_MAX. */
int64_t dl_next_due(const deadlines_t *d);

/* Takes the earliest stage whose act time is <= now out of the heap.
 * Returns 1 with *f filled, or 0 when nothing is due. A due_soon whose
 * overdue point has also passed is skipped without firing (a late "due
 * soon" is noise once the case is overdue). */
int dl_pop_due(deadlines_t *d, int64_t now_ms, dl_fire_t *f);
/* The popped stage was handled: schedule the next one. 0 or -ESTALE. */
int dl_advance(deadlines_t *d, const char *case_id, dl_kind_t k, dl_stage_t s, int64_t deadline_ms);
/* The popped stage could not be handled: act again at retry_at_ms.
 * 0 or -ESTALE. */
int dl_retry(deadlines_t *d, const char *case_id, dl_kind_t k, dl_stage_t s, int64_t deadline_ms,
             int64_t retry_at_ms);

/* A case's current start and due times; 0 or -ENOENT. */
int dl_get(const deadlines_t *d, const char *case_id, int64_t *from_ms, int64_t *reply_due_ms,
           int64_t *resolve_due_ms);

/* Read-only view of a case, for tests and logs: next stage per deadline
 * (DL_DONE when none), and whether that stage is in flight. */
int dl_inspect(const deadlines_t *d, const char *case_id, dl_stage_t next[DL_KINDS],
               int inflight[DL_KINDS]);
/* Bytes of memory held by the table (approximate, for the benchmark). */
size_t dl_memory(const deadlines_t *d);
/* Checks the heap invariants (tests); 0 or -EFAULT. */
int dl_check(const deadlines_t *d);

#endif
