/*
 * calendar.c - the wall-clock calendar (see calendar.h for how to plug in a
 * working-day calendar).
 */
#include "calendar.h"

#include <errno.h>
#include <math.h>

#define MS_PER_HOUR 3600000.0

static int wall_add_hours(const calendar_t *c, int64_t start_ms, double hours, int64_t *out)
{
    (void)c;
    if (!(hours >= 0) || !isfinite(hours) || hours > 1e7)
        return -EINVAL;
    *out = start_ms + (int64_t)llround(hours * MS_PER_HOUR);
    return 0;
}

static double wall_hours_between(const calendar_t *c, int64_t from_ms, int64_t to_ms)
{
    (void)c;
    return to_ms > from_ms ? (double)(to_ms - from_ms) / MS_PER_HOUR : 0.0;
}

static const calendar_t wall = {"wall", wall_add_hours, wall_hours_between, 0};

const calendar_t *calendar_wall(void)
{
    return &wall;
}

int calendar_add_hours(const calendar_t *c, int64_t start_ms, double hours, int64_t *out)
{
    return c->add_hours(c, start_ms, hours, out);
}

double calendar_hours_between(const calendar_t *c, int64_t from_ms, int64_t to_ms)
{
    return c->hours_between(c, from_ms, to_ms);
}
