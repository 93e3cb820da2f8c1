/*
 * deadlines.c - min-heap of deadline stages over a slab of case records
 * with a case-id hash index (see deadlines.h).
 */
#include "deadlines.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define F_REPLIED 0x1u
#define F_INFLIGHT(k) (0x2u << (k))
#define F_EMERGENCY 0x8u /* its reply escalates too (dl_set_emergency) */

typedef struct {
    char *case_id; /* NULL for a free slot */
    int64_t from_ms;
    int64_t pause_until; /* 0 = not paused (dl_set_pause) */
    int64_t due[DL_KINDS];
    uint32_t heap[DL_KINDS]; /* heap position or NONE */
    uint32_t body;           /* interned body index; next free slot when free */
    uint8_t next[DL_KINDS];  /* dl_stage_t */
    uint8_t clock[DL_KINDS]; /* policy_clock_t */
    uint8_t flags;
} rec_t;

typedef struct {
    int64_t at;
    uint32_t rec;
    uint32_t kind;
} hent_t;

typedef struct {
    uint32_t *slots; /* index + 1; 0 = empty */
    size_t cap;      /* power of two */
    size_t n;
} htab_t;

struct deadlines {
    dl_config_t cfg;
    rec_t *recs;
    size_t nrecs, caprecs;
    uint32_t free_head;
    size_t live;
    hent_t *heap;
    size_t nheap, capheap;
    hent_t *pauses; /* min-heap on at; an entry is live while its record's
                     * pause_until still equals it (lazy deletion) */
    size_t npauses, cappauses;
    htab_t cases;
    htab_t bodies_idx;
    char **bodies;
    size_t nbodies, capbodies;
    size_t id_bytes;
};

static const char *kind_names[DL_KINDS] = {"reply", "resolve"};
static const char *stage_names[] = {"due_soon", "overdue", "escalate", "done"};

const char *dl_kind_name(dl_kind_t k)
{
    return (unsigned)k < DL_KINDS ? kind_names[k] : "?";
}

const char *dl_stage_name(dl_stage_t s)
{
    return (unsigned)s <= DL_DONE ? stage_names[s] : "?";
}

int dl_kind_from_name(const char *s)
{
    for (int i = 0; i < DL_KINDS; i++)
        if (s && strcmp(s, kind_names[i]) == 0)
            return i;
    return -EINVAL;
}

int dl_stage_from_name(const char *s)
{
    for (int i = 0; i < DL_DONE; i++)
        if (s && strcmp(s, stage_names[i]) == 0)
            return i;
    return -EINVAL;
}

/* ------------------------------------------------------------ hash index */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

typedef const char *(*key_fn)(const deadlines_t *d, uint32_t idx);

static const char *case_key(const deadlines_t *d, uint32_t idx)
{
    return d->recs[idx].case_id;
}

static const char *body_key(const deadlines_t *d, uint32_t idx)
{
    return d->bodies[idx];
}

/* Returns the slot holding `key`, or the empty slot where it would go. */
static size_t ht_find(const deadlines_t *d, const htab_t *t, key_fn kf, const char *key)
{
    size_t mask = t->cap - 1;
    size_t i = hash_str(key) & mask;
    while (t->slots[i] != 0 && strcmp(kf(d, t->slots[i] - 1), key) != 0)
        i = (i + 1) & mask;
    return i;
}

static int ht_grow(deadlines_t *d, htab_t *t, key_fn kf)
{
    size_t ncap = t->cap ? t->cap * 2 : 1024;
    uint32_t *ns = calloc(ncap, sizeof(*ns));
    if (ns == NULL)
        return -ENOMEM;
    uint32_t *old = t->slots;
    size_t ocap = t->cap;
    t->slots = ns;
    t->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i] != 0)
            ns[ht_find(d, t, kf, kf(d, old[i] - 1))] = old[i];
    free(old);
    return 0;
}

/* Linear probing with backward-shift deletion: no tombstones, so lookups
 * stay short however many cases come and go. */
static void ht_delete(deadlines_t *d, htab_t *t, key_fn kf, size_t i)
{
    size_t mask = t->cap - 1;
    t->slots[i] = 0;
    t->n--;
    for (size_t j = (i + 1) & mask; t->slots[j] != 0; j = (j + 1) & mask) {
        size_t home = hash_str(kf(d, t->slots[j] - 1)) & mask;
        /* move j back to i when its home is not in (i, j] cyclically */
        int between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            t->slots[i] = t->slots[j];
            t->slots[j] = 0;
            i = j;
        }
    }
}

static int find_case(const deadlines_t *d, const char *case_id)
{
    if (d->cases.cap == 0 || case_id == NULL)
        return -ENOENT;
    size_t i = ht_find(d, &d->cases, case_key, case_id);
    return d->cases.slots[i] ? (int)(d->cases.slots[i] - 1) : -ENOENT;
}

static int intern_body(deadlines_t *d, const char *body, uint32_t *out)
{
    if (body == NULL)
        body = "";
    if (d->bodies_idx.cap == 0 || (d->bodies_idx.n + 1) * 2 > d->bodies_idx.cap) {
        int rc = ht_grow(d, &d->bodies_idx, body_key);
        if (rc < 0)
            return rc;
    }
    size_t i = ht_find(d, &d->bodies_idx, body_key, body);
    if (d->bodies_idx.slots[i]) {
        *out = d->bodies_idx.slots[i] - 1;
        return 0;
    }
    if (d->nbodies == d->capbodies) {
        size_t nc = d->capbodies ? d->capbodies * 2 : 64;
        char **nb = realloc(d->bodies, nc * sizeof(*nb));
        if (nb == NULL)
            return -ENOMEM;
        d->bodies = nb;
        d->capbodies = nc;
    }
    char *copy = strdup(body);
    if (copy == NULL)
        return -ENOMEM;
    d->bodies[d->nbodies] = copy;
    d->bodies_idx.slots[i] = (uint32_t)d->nbodies + 1;
    d->bodies_idx.n++;
    *out = (uint32_t)d->nbodies++;
    return 0;
}

/* ------------------------------------------------------------------ heap */

static int hless(const hent_t *a, const hent_t *b)
{
    if (a->at != b->at)
        return a->at < b->at;
    if (a->rec != b->rec)
        return a->rec < b->rec;
    return a->kind < b->kind;
}

static void hplace(deadlines_t *d, size_t i, hent_t e)
{
    d->heap[i] = e;
    d->recs[e.rec].heap[e.kind] = (uint32_t)i;
}

static void sift_up(deadlines_t *d, size_t i)
{
    hent_t e = d->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!hless(&e, &d->heap[p]))
            break;
        hplace(d, i, d->heap[p]);
        i = p;
    }
    hplace(d, i, e);
}

static void sift_down(deadlines_t *d, size_t i)
{
    hent_t e = d->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= d->nheap)
            break;
        if (c + 1 < d->nheap && hless(&d->heap[c + 1], &d->heap[c]))
            c++;
        if (!hless(&d->heap[c], &e))
            break;
        hplace(d, i, d->heap[c]);
        i = c;
    }
    hplace(d, i, e);
}

static void heap_remove(deadlines_t *d, uint32_t rec, int k)
{
    uint32_t i = d->recs[rec].heap[k];
    if (i == NONE)
        return;
    d->recs[rec].heap[k] = NONE;
    size_t last = --d->nheap;
    if (i == last)
        return;
    hplace(d, i, d->heap[last]);
    if (i > 0 && hless(&d->heap[i], &d->heap[(i - 1) / 2]))
        sift_up(d, i);
    else
        sift_down(d, i);
}

static int heap_set(deadlines_t *d, uint32_t rec, int k, int64_t at)
{
    uint32_t i = d->recs[rec].heap[k];
    if (i != NONE) {
        int64_t old = d->heap[i].at;
        d->heap[i].at = at;
        if (at < old)
            sift_up(d, i);
        else
            sift_down(d, i);
        return 0;
    }
    if (d->nheap == d->capheap) {
        size_t nc = d->capheap ? d->capheap * 2 : 1024;
        hent_t *nh = realloc(d->heap, nc * sizeof(*nh));
        if (nh == NULL)
            return -ENOMEM;
        d->heap = nh;
        d->capheap = nc;
    }
    size_t pos = d->nheap++;
    hplace(d, pos, (hent_t){at, rec, (uint32_t)k});
    sift_up(d, pos);
    return 0;
}

/* ---------------------------------------------------------------- stages */

/* When stage s of deadline k acts, or -1 when the case has no such stage. */
static int64_t stage_time(const deadlines_t *d, const rec_t *r, int k, int s)
{
    int64_t due = r->due[k];
    if (due <= 0)
        return -1;
    const calendar_t *cal = d->cfg.calendar;
    policy_clock_t clock = (policy_clock_t)r->clock[k];
    int64_t t = 0;
    switch (s) {
    case DL_DUE_SOON:
        if (r->from_ms <= 0 || r->from_ms >= due)
            return -1;
        if (clock != CLOCK_NATURAL) {
            /* A share of the working time, not of the wall time (issue 15):
             * 75% of "5 working days" from the eve of a holiday week falls
             * after the holiday, not in it. */
            int64_t span =
                policy_clock_span_ms(d->cfg.policy, d->cfg.workcal, clock, r->from_ms, due, NULL);
            if (policy_clock_add_ms(d->cfg.policy, d->cfg.workcal, clock, r->from_ms,
                                    (int64_t)((double)span * d->cfg.due_soon_share), &t, NULL) < 0)
                return -1;
        } else if (calendar_add_hours(cal, r->from_ms,
                                      d->cfg.due_soon_share *
                                          calendar_hours_between(cal, r->from_ms, due),
                                      &t) < 0) {
            return -1;
        }
        return t < due ? t : -1;
    case DL_OVERDUE:
        return due;
    case DL_ESCALATE:
        if (k == DL_REPLY && !(r->flags & F_EMERGENCY))
            return -1;
        /* An emergency's clock is natural hours (ROUTING.md section 6). */
        if (k == DL_REPLY)
            return due + (int64_t)(d->cfg.reply_escalation_grace_hours * 3600000.0);
        /* The grace is in natural hours whatever the deadline's clock:
         * it is the dispatch centre's patience, not a limit of the body. */
        if (calendar_add_hours(cal, due, d->cfg.escalation_grace_hours, &t) < 0)
            return -1;
        return t;
    default:
        return -1;
    }
}

static int first_stage_from(const deadlines_t *d, const rec_t *r, int k, int s)
{
    for (; s < DL_DONE; s++)
        if (stage_time(d, r, k, s) >= 0)
            return s;
    return DL_DONE;
}

/* Puts deadline k of record ri in the heap at its next stage's time, or
 * takes it out when nothing is left to fire. */
static int arm(deadlines_t *d, uint32_t ri, int k)
{
    rec_t *r = &d->recs[ri];
    if (r->flags & F_INFLIGHT(k))
        return 0; /* the caller's report will re-arm it */
    int done = r->due[k] <= 0 || r->next[k] >= DL_DONE || (k == DL_REPLY && (r->flags & F_REPLIED));
    int64_t at = done ? -1 : stage_time(d, r, k, r->next[k]);
    if (at < 0) {
        heap_remove(d, ri, k);
        return 0;
    }
    return heap_set(d, ri, k, at);
}

/* ------------------------------------------------------------- lifecycle */

int dl_create(const dl_config_t *cfg, deadlines_t **out)
{
    if (cfg == NULL || !(cfg->due_soon_share > 0 && cfg->due_soon_share < 1) ||
        !(cfg->escalation_grace_hours >= 0 && cfg->escalation_grace_hours < 1e6) ||
        !(cfg->reply_escalation_grace_hours >= 0 && cfg->reply_escalation_grace_hours < 1e6))
        return -EINVAL;
    deadlines_t *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return -ENOMEM;
    d->cfg = *cfg;
    if (d->cfg.calendar == NULL)
        d->cfg.calendar = calendar_wall();
    d->free_head = NONE;
    *out = d;
    return 0;
}

void dl_clear(deadlines_t *d)
{
    for (size_t i = 0; i < d->nrecs; i++)
        free(d->recs[i].case_id);
    d->nrecs = 0;
    d->live = 0;
    d->free_head = NONE;
    d->nheap = 0;
    d->npauses = 0;
    d->id_bytes = 0;
    if (d->cases.slots)
        memset(d->cases.slots, 0, d->cases.cap * sizeof(uint32_t));
    d->cases.n = 0;
}

void dl_destroy(deadlines_t **dp)
{
    if (dp == NULL || *dp == NULL)
        return;
    deadlines_t *d = *dp;
    dl_clear(d);
    for (size_t i = 0; i < d->nbodies; i++)
        free(d->bodies[i]);
    free(d->bodies);
    free(d->bodies_idx.slots);
    free(d->cases.slots);
    free(d->heap);
    free(d->pauses);
    free(d->recs);
    free(d);
    *dp = NULL;
}

static int new_record(deadlines_t *d, const char *case_id, uint32_t *out)
{
    if ((d->cases.n + 1) * 2 > d->cases.cap) {
        int rc = ht_grow(d, &d->cases, case_key);
        if (rc < 0)
            return rc;
    }
    uint32_t ri;
    if (d->free_head != NONE) {
        ri = d->free_head;
        d->free_head = d->recs[ri].body;
    } else {
        if (d->nrecs >= NONE - 1)
            return -ENOSPC;
        if (d->nrecs == d->caprecs) {
            size_t nc = d->caprecs ? d->caprecs * 2 : 1024;
            rec_t *nr = realloc(d->recs, nc * sizeof(*nr));
            if (nr == NULL)
                return -ENOMEM;
            d->recs = nr;
            d->caprecs = nc;
        }
        ri = (uint32_t)d->nrecs++;
    }
    rec_t *r = &d->recs[ri];
    memset(r, 0, sizeof(*r));
    r->case_id = strdup(case_id);
    if (r->case_id == NULL) {
        r->body = d->free_head;
        d->free_head = ri;
        return -ENOMEM;
    }
    r->heap[0] = r->heap[1] = NONE;
    r->next[0] = r->next[1] = DL_DONE;
    d->cases.slots[ht_find(d, &d->cases, case_key, case_id)] = ri + 1;
    d->cases.n++;
    d->live++;
    d->id_bytes += strlen(case_id) + 1;
    *out = ri;
    return 0;
}

int dl_set(deadlines_t *d, const char *case_id, const char *body_id, int64_t from_ms,
           int64_t reply_due_ms, int64_t resolve_due_ms)
{
    if (case_id == NULL || case_id[0] == '\0' || reply_due_ms < 0 || resolve_due_ms < 0)
        return -EINVAL;
    uint32_t body;
    int rc = intern_body(d, body_id, &body);
    if (rc < 0)
        return rc;
    int found = find_case(d, case_id);
    uint32_t ri;
    int fresh = found < 0;
    if (fresh) {
        if ((rc = new_record(d, case_id, &ri)) < 0)
            return rc;
    } else {
        ri = (uint32_t)found;
    }
    rec_t *r = &d->recs[ri];
    r->body = body;
    int from_changed = r->from_ms != from_ms;
    r->from_ms = from_ms;
    int64_t due[DL_KINDS] = {reply_due_ms, resolve_due_ms};
    for (int k = 0; k < DL_KINDS; k++) {
        if (fresh || r->due[k] != due[k]) {
            r->due[k] = due[k];
            /* A new due time is a new deadline: its stages start over and
             * any report for the old one in flight becomes stale. */
            r->flags &= ~F_INFLIGHT(k);
            r->next[k] = (uint8_t)first_stage_from(d, r, k, DL_DUE_SOON);
        } else if (!from_changed) {
            continue;
        }
        if ((rc = arm(d, ri, k)) < 0)
            return rc;
    }
    return 0;
}

int dl_set_clocks(deadlines_t *d, const char *case_id, int reply_clock, int resolve_clock)
{
    int found = find_case(d, case_id);
    if (found < 0)
        return -ENOENT;
    int clocks[DL_KINDS] = {reply_clock, resolve_clock};
    rec_t *r = &d->recs[found];
    for (int k = 0; k < DL_KINDS; k++) {
        if (clocks[k] < CLOCK_NATURAL || clocks[k] > CLOCK_WORKING_HOURS)
            return -EINVAL;
        if (r->clock[k] == clocks[k])
            continue;
        r->clock[k] = (uint8_t)clocks[k];
        /* Only the stages still to come move; one in flight is re-armed
         * by its report. */
        if (r->next[k] < DL_DONE && !(r->flags & F_INFLIGHT(k))) {
            r->next[k] = (uint8_t)first_stage_from(d, r, k, r->next[k]);
            int rc = arm(d, (uint32_t)found, k);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- pauses */

static void pause_sift_down(deadlines_t *d, size_t i)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= d->npauses)
            return;
        if (c + 1 < d->npauses && d->pauses[c + 1].at < d->pauses[c].at)
            c++;
        if (d->pauses[i].at <= d->pauses[c].at)
            return;
        hent_t t = d->pauses[i];
        d->pauses[i] = d->pauses[c];
        d->pauses[c] = t;
        i = c;
    }
}

static void pause_pop_top(deadlines_t *d)
{
    d->pauses[0] = d->pauses[--d->npauses];
    pause_sift_down(d, 0);
}

/* Drops dead entries off the top: forgotten cases, cleared or moved pauses. */
static void pause_trim(deadlines_t *d)
{
    while (d->npauses > 0) {
        const hent_t *e = &d->pauses[0];
        if (e->rec < d->nrecs && d->recs[e->rec].case_id != NULL &&
            d->recs[e->rec].pause_until == e->at)
            return;
        pause_pop_top(d);
    }
}

int dl_set_pause(deadlines_t *d, const char *case_id, int64_t until_ms)
{
    int found = find_case(d, case_id);
    if (found < 0)
        return -ENOENT;
    rec_t *r = &d->recs[found];
    if (r->pause_until == until_ms)
        return 0;
    r->pause_until = until_ms > 0 ? until_ms : 0;
    if (r->pause_until == 0)
        return 0; /* its entry dies lazily */
    if (d->npauses == d->cappauses) {
        size_t nc = d->cappauses ? d->cappauses * 2 : 64;
        hent_t *np = realloc(d->pauses, nc * sizeof(*np));
        if (np == NULL)
            return -ENOMEM;
        d->pauses = np;
        d->cappauses = nc;
    }
    size_t i = d->npauses++;
    d->pauses[i] = (hent_t){r->pause_until, (uint32_t)found, 0};
    while (i > 0 && d->pauses[(i - 1) / 2].at > d->pauses[i].at) {
        hent_t t = d->pauses[i];
        d->pauses[i] = d->pauses[(i - 1) / 2];
        d->pauses[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
    return 0;
}

int64_t dl_next_pause_end(deadlines_t *d)
{
    pause_trim(d);
    return d->npauses ? d->pauses[0].at : INT64_MAX;
}

int dl_pop_pause_end(deadlines_t *d, int64_t now_ms, const char **case_id, int64_t *until_ms)
{
    pause_trim(d);
    if (d->npauses == 0 || d->pauses[0].at > now_ms)
        return 0;
    rec_t *r = &d->recs[d->pauses[0].rec];
    *case_id = r->case_id;
    *until_ms = r->pause_until;
    r->pause_until = 0;
    pause_pop_top(d);
    return 1;
}

int dl_get_clocks(const deadlines_t *d, const char *case_id, int *reply_clock, int *resolve_clock)
{
    int found = find_case(d, case_id);
    if (found < 0)
        return -ENOENT;
    *reply_clock = d->recs[found].clock[DL_REPLY];
    *resolve_clock = d->recs[found].clock[DL_RESOLVE];
    return 0;
}

int dl_mark_sent(deadlines_t *d, const char *case_id, dl_kind_t k, dl_stage_t s, int64_t due_ms)
{
    int found = find_case(d, case_id);
    if (found < 0)
        return -ENOENT;
    if ((unsigned)k >= DL_KINDS || (unsigned)s >= DL_DONE)
        return -EINVAL;
    rec_t *r = &d->recs[found];
    if (r->due[k] != due_ms)
        return -ESTALE;
    int after = first_stage_from(d, r, k, s + 1);
    if (after > r->next[k] && !(r->flags & F_INFLIGHT(k))) {
        r->next[k] = (uint8_t)after;
        return arm(d, (uint32_t)found, k);
    }
    return 0;
}

int dl_set_emergency(deadlines_t *d, const char *case_id)
{
    int found = find_case(d, case_id);
    if (found < 0)
        return -ENOENT;
    rec_t *r = &d->recs[found];
    if (r->flags & F_EMERGENCY)
        return 0;
    r->flags |= F_EMERGENCY;
    /* Learnt after the reply's last stage (overdue) was handled: the
     * escalation is still to come. Never for a replied case. */
    if (r->next[DL_REPLY] == DL_DONE && r->due[DL_REPLY] > 0 && !(r->flags & F_REPLIED) &&
        !(r->flags & F_INFLIGHT(DL_REPLY)))
        r->next[DL_REPLY] = DL_ESCALATE;
    return arm(d, (uint32_t)found, DL_REPLY);
}

int dl_replied(deadlines_t *d, const char *case_id)
{
    int found = find_case(d, case_id);
    if (found < 0)
        return -ENOENT;
    rec_t *r = &d->recs[found];
    r->flags |= F_REPLIED;
    r->flags &= ~F_INFLIGHT(DL_REPLY);
    r->next[DL_REPLY] = DL_DONE;
    heap_remove(d, (uint32_t)found, DL_REPLY);
    return 0;
}

int dl_cancel_all(deadlines_t *d, const char *case_id)
{
    int found = find_case(d, case_id);
    if (found < 0)
        return -ENOENT;
    rec_t *r = &d->recs[found];
    for (int k = 0; k < DL_KINDS; k++) {
        heap_remove(d, (uint32_t)found, k);
        r->due[k] = 0;
        r->next[k] = DL_DONE;
        r->flags &= ~F_INFLIGHT(k);
    }
    return 0;
}

int dl_remove(deadlines_t *d, const char *case_id)
{
    if (d->cases.cap == 0 || case_id == NULL)
        return -ENOENT;
    size_t slot = ht_find(d, &d->cases, case_key, case_id);
    if (d->cases.slots[slot] == 0)
        return -ENOENT;
    uint32_t ri = d->cases.slots[slot] - 1;
    heap_remove(d, ri, DL_REPLY);
    heap_remove(d, ri, DL_RESOLVE);
    ht_delete(d, &d->cases, case_key, slot);
    rec_t *r = &d->recs[ri];
    d->id_bytes -= strlen(r->case_id) + 1;
    free(r->case_id);
    r->case_id = NULL;
    r->body = d->free_head;
    d->free_head = ri;
    d->live--;
    return 0;
}

size_t dl_case_count(const deadlines_t *d)
{
    return d->live;
}

size_t dl_pending_count(const deadlines_t *d)
{
    return d->nheap;
}

int64_t dl_next_due(const deadlines_t *d)
{
    return d->nheap ? d->heap[0].at : INT64_MAX;
}

int dl_pop_due(deadlines_t *d, int64_t now_ms, dl_fire_t *f)
{
    while (d->nheap > 0 && d->heap[0].at <= now_ms) {
        hent_t e = d->heap[0];
        rec_t *r = &d->recs[e.rec];
        heap_remove(d, e.rec, (int)e.kind);
        int s = r->next[e.kind];
        if (s == DL_DUE_SOON) {
            int64_t over = stage_time(d, r, (int)e.kind, DL_OVERDUE);
            if (over >= 0 && over <= now_ms) {
                r->next[e.kind] = DL_OVERDUE;
                if (arm(d, e.rec, (int)e.kind) < 0)
                    return -ENOMEM;
                continue;
            }
        }
        r->flags |= F_INFLIGHT(e.kind);
        f->case_id = r->case_id;
        f->body_id = d->bodies[r->body];
        f->deadline = (dl_kind_t)e.kind;
        f->stage = (dl_stage_t)s;
        f->deadline_ms = r->due[e.kind];
        f->stage_ms = stage_time(d, r, (int)e.kind, s);
        return 1;
    }
    return 0;
}

/* The record for a report, when it still matches what was popped. */
static int report_target(deadlines_t *d, const char *case_id, dl_kind_t k, dl_stage_t s,
                         int64_t deadline_ms)
{
    int found = find_case(d, case_id);
    if (found < 0 || (unsigned)k >= DL_KINDS)
        return -ESTALE;
    rec_t *r = &d->recs[found];
    if (!(r->flags & F_INFLIGHT(k)) || r->next[k] != s || r->due[k] != deadline_ms)
        return -ESTALE;
    r->flags &= ~F_INFLIGHT(k);
    return found;
}

int dl_advance(deadlines_t *d, const char *case_id, dl_kind_t k, dl_stage_t s, int64_t deadline_ms)
{
    int ri = report_target(d, case_id, k, s, deadline_ms);
    if (ri < 0)
        return ri;
    rec_t *r = &d->recs[ri];
    r->next[k] = (uint8_t)first_stage_from(d, r, k, s + 1);
    return arm(d, (uint32_t)ri, k);
}

int dl_retry(deadlines_t *d, const char *case_id, dl_kind_t k, dl_stage_t s, int64_t deadline_ms,
             int64_t retry_at_ms)
{
    int ri = report_target(d, case_id, k, s, deadline_ms);
    if (ri < 0)
        return ri;
    return heap_set(d, (uint32_t)ri, k, retry_at_ms);
}

int dl_get(const deadlines_t *d, const char *case_id, int64_t *from_ms, int64_t *reply_due_ms,
           int64_t *resolve_due_ms)
{
    int found = find_case(d, case_id);
    if (found < 0)
        return -ENOENT;
    const rec_t *r = &d->recs[found];
    *from_ms = r->from_ms;
    *reply_due_ms = r->due[DL_REPLY];
    *resolve_due_ms = r->due[DL_RESOLVE];
    return 0;
}

int dl_inspect(const deadlines_t *d, const char *case_id, dl_stage_t next[DL_KINDS],
               int inflight[DL_KINDS])
{
    int found = find_case(d, case_id);
    if (found < 0)
        return -ENOENT;
    const rec_t *r = &d->recs[found];
    for (int k = 0; k < DL_KINDS; k++) {
        int none = r->due[k] <= 0 || (k == DL_REPLY && (r->flags & F_REPLIED));
        next[k] = none ? DL_DONE : (dl_stage_t)r->next[k];
        inflight[k] = (r->flags & F_INFLIGHT(k)) != 0;
    }
    return 0;
}

size_t dl_memory(const deadlines_t *d)
{
    size_t m = sizeof(*d) + d->caprecs * sizeof(rec_t) + d->capheap * sizeof(hent_t) +
               (d->cases.cap + d->bodies_idx.cap) * sizeof(uint32_t) +
               d->capbodies * sizeof(char *);
    /* malloc rounds small strings up to 16-byte chunks plus a header. */
    m += d->id_bytes + d->live * 16;
    return m;
}

int dl_check(const deadlines_t *d)
{
    for (size_t i = 0; i < d->nheap; i++) {
        const hent_t *e = &d->heap[i];
        if (i > 0 && hless(e, &d->heap[(i - 1) / 2]))
            return -EFAULT;
        if (e->rec >= d->nrecs || d->recs[e->rec].case_id == NULL ||
            d->recs[e->rec].heap[e->kind] != i)
            return -EFAULT;
    }
    size_t armed = 0;
    for (size_t i = 0; i < d->nrecs; i++)
        for (int k = 0; k < DL_KINDS; k++)
            if (d->recs[i].case_id && d->recs[i].heap[k] != NONE)
                armed++;
    return armed == d->nheap ? 0 : -EFAULT;
}
