/*
 * clock.c - the system's real, test and accelerated clocks, and their
 * settings (see clock.h).
 */
#include "clock.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "field_limits.h"

/* How far ahead of the wall clock an anchor may be: the clocks of the
 * machines that start one system, not a date to come. */
#define ANCHOR_AHEAD_MAX_MS 60000

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t simclock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int simclock_init_real(simclock_t *c)
{
    *c = (simclock_t){.mode = SIMCLOCK_REAL, .speed = 1.0};
    return 0;
}

int simclock_init_test(simclock_t *c, int64_t start_ms)
{
    *c = (simclock_t){.mode = SIMCLOCK_TEST, .speed = 1.0, .test_now_ms = start_ms};
    return 0;
}

static int init_accel_at(simclock_t *c, int64_t start_ms, double speed, int64_t wall_ms)
{
    if (!(speed > 0) || !isfinite(speed))
        return -EINVAL;
    /* The accelerated clock runs on the monotonic clock, not the wall
     * clock, so an NTP step cannot make simulated time jump. */
    *c = (simclock_t){.mode = SIMCLOCK_ACCEL,
                      .speed = speed,
                      .start_ms = start_ms ? start_ms : wall_ms,
                      .mono_start_ns = mono_ns(),
                      .wall_start_ms = wall_ms};
    return 0;
}

int simclock_init_accel(simclock_t *c, int64_t start_ms, double speed)
{
    return init_accel_at(c, start_ms, speed, simclock_wall_ms());
}

int64_t simclock_now_ms(const simclock_t *c)
{
    switch (c->mode) {
    case SIMCLOCK_TEST:
        return c->test_now_ms;
    case SIMCLOCK_ACCEL: {
        double real_ms = (double)(mono_ns() - c->mono_start_ns) / 1e6;
        return c->start_ms + (int64_t)(real_ms * c->speed);
    }
    case SIMCLOCK_REAL:
    default:
        return simclock_wall_ms();
    }
}

int simclock_is_real(const simclock_t *c)
{
    return c->mode == SIMCLOCK_REAL;
}

int simclock_advance(simclock_t *c, int64_t ms)
{
    if (c->mode != SIMCLOCK_TEST || ms < 0)
        return -EINVAL;
    c->test_now_ms += ms;
    return 0;
}

uint64_t simclock_real_delay_ms(const simclock_t *c, int64_t sim_ms)
{
    if (sim_ms <= 0)
        return 0;
    if (c->mode != SIMCLOCK_ACCEL)
        return (uint64_t)sim_ms;
    return (uint64_t)ceil((double)sim_ms / c->speed);
}

static simclock_t system_clock = {.mode = SIMCLOCK_REAL, .speed = 1.0};

void simclock_set_system(const simclock_t *c)
{
    system_clock = *c;
}

int64_t simclock_system_now_ms(void)
{
    return simclock_now_ms(&system_clock);
}

/* A whole number of ms in 1970..2100 (0 allowed: "not set"). */
static int parse_ms(const char *name, const char *v, int64_t *out, char *err, size_t errlen)
{
    char *end = NULL;
    errno = 0;
    long long x = v ? strtoll(v, &end, 10) : -1;
    if (v == NULL || end == v || *end != '\0' || errno != 0 || x < LIMIT_TIME_MIN_MS ||
        x >= LIMIT_TIME_MAX_MS) {
        snprintf(err, errlen, "--%s must be ms since the epoch, 1970 to 2100 (got '%s')", name,
                 v ? v : "");
        return -EINVAL;
    }
    *out = x;
    return 0;
}

int simclock_configure(simclock_t *c, const char *speed, const char *start_ms,
                       const char *anchor_ms, int64_t wall_ms, char *err, size_t errlen)
{
    char *end = NULL;
    errno = 0;
    double s = speed ? strtod(speed, &end) : NAN;
    /* NaN fails every comparison, so !(s >= ...) refuses it too. */
    if (speed == NULL || end == speed || *end != '\0' || errno != 0 || !(s >= 0.001 && s <= 1e7)) {
        snprintf(err, errlen, "--clock-speed must be a number in [0.001, 1e7] (got '%s')",
                 speed ? speed : "");
        return -EINVAL;
    }
    int64_t start = 0, anchor = 0;
    if (parse_ms("clock-start-ms", start_ms, &start, err, errlen) < 0 ||
        parse_ms("clock-anchor-ms", anchor_ms, &anchor, err, errlen) < 0)
        return -EINVAL;
    if (anchor > wall_ms + ANCHOR_AHEAD_MAX_MS) {
        snprintf(err, errlen,
                 "--clock-anchor-ms is %" PRId64 " s in the future: it must be a past instant "
                 "(when the system's first service started)",
                 (anchor - wall_ms) / 1000);
        return -EINVAL;
    }
    if (s == 1 && start == 0)
        return simclock_init_real(c); /* at speed 1 an anchor changes nothing */
    /* Simulated time as a function of the wall clock alone when anchored:
     * every process computes the same instant. */
    double sim = (double)(start ? start : wall_ms);
    if (anchor > 0)
        sim = (double)(start ? start : anchor) + (double)(wall_ms - anchor) * s;
    if (!(sim >= (double)LIMIT_TIME_MIN_MS + 1 && sim < (double)LIMIT_TIME_MAX_MS)) {
        snprintf(err, errlen,
                 "the clock settings put the simulated now outside 1970 to 2100 (speed %g, "
                 "anchor %" PRId64 ", start %" PRId64 ")",
                 s, anchor, start);
        return -EINVAL;
    }
    return init_accel_at(c, (int64_t)sim, s, wall_ms);
}

int simclock_from_config(simclock_t *c, const config_opt_t *opts, size_t n, char *err,
                         size_t errlen)
{
    return simclock_configure(
        c, config_get(opts, n, "clock-speed"), config_get(opts, n, "clock-start-ms"),
        config_get(opts, n, "clock-anchor-ms"), simclock_wall_ms(), err, errlen);
}

int simclock_pg_options(const simclock_t *c, char *buf, size_t len)
{
    int n = 0;
    if (c->mode == SIMCLOCK_ACCEL)
        /* %.17g: the speed back exactly; the SQL side computes
         * sim + (now() - wall) * speed, this clock's own formula. */
        n = snprintf(buf, len,
                     " -c liandong.clock_speed=%.17g -c liandong.clock_wall_ms=%" PRId64
                     " -c liandong.clock_sim_ms=%" PRId64,
                     c->speed, c->wall_start_ms, c->start_ms);
    else if (c->mode == SIMCLOCK_TEST)
        /* A test clock stands still: speed 0 keeps ld_now() at its time. */
        n = snprintf(buf, len,
                     " -c liandong.clock_speed=0 -c liandong.clock_wall_ms=0"
                     " -c liandong.clock_sim_ms=%" PRId64,
                     c->test_now_ms);
    else if (len > 0)
        buf[0] = '\0';
    return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}
