/*
 * calendar.h - how time limits are counted: "start + N hours", and the
 * hours a limit spans.
 *
 * Today every limit is in wall-clock hours (ROUTING.md section 6 counts
 * hours from placement). Some cities count working days instead (weekends,
 * public holidays, and make-up working days, 调休, that fall on a weekend).
 * Such a calendar plugs in as another calendar_t: implement add_hours (walk
 * forward from start, counting only working time) and hours_between (the
 * working hours inside [from, to)), keep the holiday table in `impl`, and
 * hand the calendar to dl_create(). The deadline code only ever calls these
 * two functions, so nothing else changes. The ledger computes the due times
 * themselves; the notifier uses the calendar for the due-soon point
 * (share of the working time of the limit) and the escalation grace.
 */
#ifndef LIANDONG_NOTIFIER_CALENDAR_H
#define LIANDONG_NOTIFIER_CALENDAR_H

#include <stdint.h>

typedef struct calendar calendar_t;

struct calendar {
    const char *name;
    /* *out = start_ms plus `hours` of counted time (hours >= 0). */
    int (*add_hours)(const calendar_t *c, int64_t start_ms, double hours, int64_t *out);
    /* Counted hours in [from_ms, to_ms); 0 when to_ms <= from_ms. */
    double (*hours_between)(const calendar_t *c, int64_t from_ms, int64_t to_ms);
    void *impl;
};

/* The wall-clock calendar: every hour counts. Static, never freed. */
const calendar_t *calendar_wall(void);

int calendar_add_hours(const calendar_t *c, int64_t start_ms, double hours, int64_t *out);
double calendar_hours_between(const calendar_t *c, int64_t from_ms, int64_t to_ms);

#endif
