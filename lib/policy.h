/*
 * policy.h - a city's time limits as data (ROUTING.md section 6, "A city's
 * own policy"): per category and urgency the reply and resolve limits and
 * the clock each runs on (natural hours, working days, working hours), and
 * the bodies that work around the clock.
 *
 * File format (files under deploy/policy, see its README.md):
 *   {"policy": "name", "description": "...",
 *    "working_hours": "09:00-12:00,13:30-18:00",          optional
 *    "around_the_clock": {"kinds": ["utility", ...], "bodies": ["id", ...]},
 *    "limits": {
 *      "default": {"normal":    {"reply": L, "resolve": L},
 *                  "emergency": {"reply": L, "resolve": L}},
 *      "<category>": {"normal": {"resolve": L}}, ...}}
 * with L one of {"hours": N}, {"working_days": N}, {"working_hours": N}.
 * "default" gives all four limits; a category overrides any of them.
 * Refused on load: unknown keys, categories, urgencies or kinds; a limit
 * not exactly one positive integer clock; an emergency limit not in natural
 * hours (section 6); working_hours limits without "working_hours"; a
 * reply later than its resolution on the same clock.
 *
 * A body that works around the clock runs in natural hours whatever the
 * policy: N working days are N x 24 h for it (every day is a working day
 * for such a body), N working hours are N h.
 *
 * A policy is immutable once loaded: it may be read by several threads.
 */
#ifndef LIANDONG_POLICY_H
#define LIANDONG_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "domain.h"

/* Largest limits: each keeps the wall time under the ledger's 366 days. */
#define POLICY_MAX_HOURS (24 * 366)
#define POLICY_MAX_DAYS 180
#define POLICY_MAX_WORKING_HOURS 1000

typedef enum {
    CLOCK_NATURAL = 0,  /* amount in hours, every hour counts */
    CLOCK_WORKING_DAYS, /* amount in working days (calendar.h) */
    CLOCK_WORKING_HOURS /* amount in hours inside working hours */
} policy_clock_t;

typedef struct {
    policy_clock_t clock;
    int amount;
} policy_limit_t;

typedef struct {
    policy_limit_t reply, resolve;
} policy_limits_t;

/* Deadlines of one case at placement. */
typedef struct {
    int64_t reply_due_ms, resolve_due_ms;
    policy_clock_t reply_clock, resolve_clock;
    int reply_hours, resolve_hours; /* hours from placement to due, rounded up */
    unsigned flags;                 /* CALENDAR_UNCOVERED */
} policy_deadlines_t;

typedef struct policy policy_t;

/* ROUTING.md section 6 as a policy (all natural hours), built in. */
const policy_t *policy_builtin(void);

int policy_parse(const char *json, size_t len, policy_t **out, char *err, size_t errlen);
int policy_load_file(const char *path, policy_t **out, char *err, size_t errlen);
void policy_destroy(policy_t **p);

const char *policy_name(const policy_t *p);
/* Does any limit run on a working clock (then a calendar is needed)? */
int policy_uses_calendar(const policy_t *p);
const char *policy_clock_name(policy_clock_t c);
/* "natural", "working_days", "working_hours" (also "" = natural) -> clock,
 * or -EINVAL. */
int policy_clock_from_name(const char *name);

/* Time counted by `clock` in [from_ms, to_ms), in ms: every ms for natural
 * hours, the working days' for working days, the policy's working hours'
 * for working hours (p NULL or without "working_hours": whole working
 * days). The notifier's due-soon point is a share of this (issue 15): one
 * implementation with the router's deadlines. */
int64_t policy_clock_span_ms(const policy_t *p, const workcal_t *cal, policy_clock_t clock,
                             int64_t from_ms, int64_t to_ms, unsigned *flags);
/* The earliest moment `ms` of `clock` time after t_ms. 0 or -EINVAL. */
int policy_clock_add_ms(const policy_t *p, const workcal_t *cal, policy_clock_t clock, int64_t t_ms,
                        int64_t ms, int64_t *out_ms, unsigned *flags);

/* The limits for a case (urgency: URG_EMERGENCY or else normal), after
 * the around-the-clock rule for body kind k / body_id (may be NULL). */
int policy_limits(const policy_t *p, category_t c, urgency_t u, body_kind_t k, const char *body_id,
                  policy_limits_t *out);

/* As policy_limits / policy_deadlines, for a body the registry marks as
 * working around the clock (reg_body_t.around_the_clock) when atc is
 * non-zero: natural hours whatever the policy. */
int policy_limits_atc(const policy_t *p, category_t c, urgency_t u, body_kind_t k,
                      const char *body_id, int atc, policy_limits_t *out);
int policy_deadlines_atc(const policy_t *p, const workcal_t *cal, category_t c, urgency_t u,
                         body_kind_t k, const char *body_id, int atc, int64_t t_ms,
                         policy_deadlines_t *out);

/* The deadlines of a case placed at t_ms. `cal` may be NULL only when no
 * limit runs on a working clock (otherwise every year is uncovered).
 * Returns 0 or -EINVAL. */
int policy_deadlines(const policy_t *p, const workcal_t *cal, category_t c, urgency_t u,
                     body_kind_t k, const char *body_id, int64_t t_ms, policy_deadlines_t *out);

#endif
