/*
 * clock.c - real, test and accelerated clocks (see clock.h).
 */
#include "clock.h"

#include <errno.h>
#include <math.h>
#include <time.h>

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t nclock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int nclock_init_real(nclock_t *c)
{
    *c = (nclock_t){.mode = NCLOCK_REAL, .speed = 1.0};
    return 0;
}

int nclock_init_test(nclock_t *c, int64_t start_ms)
{
    *c = (nclock_t){.mode = NCLOCK_TEST, .speed = 1.0, .test_now_ms = start_ms};
    return 0;
}

int nclock_init_accel(nclock_t *c, int64_t start_ms, double speed)
{
    if (!(speed > 0) || !isfinite(speed))
        return -EINVAL;
    /* The accelerated clock is derived from the monotonic clock, not the
     * wall clock, so an NTP step cannot make simulated time jump. */
    *c = (nclock_t){.mode = NCLOCK_ACCEL,
                    .speed = speed,
                    .start_ms = start_ms ? start_ms : nclock_wall_ms(),
                    .mono_start_ns = mono_ns()};
    return 0;
}

int64_t nclock_now_ms(const nclock_t *c)
{
    switch (c->mode) {
    case NCLOCK_TEST:
        return c->test_now_ms;
    case NCLOCK_ACCEL: {
        double real_ms = (double)(mono_ns() - c->mono_start_ns) / 1e6;
        return c->start_ms + (int64_t)(real_ms * c->speed);
    }
    case NCLOCK_REAL:
    default:
        return nclock_wall_ms();
    }
}

int nclock_advance(nclock_t *c, int64_t ms)
{
    if (c->mode != NCLOCK_TEST || ms < 0)
        return -EINVAL;
    c->test_now_ms += ms;
    return 0;
}

uint64_t nclock_real_delay_ms(const nclock_t *c, int64_t sim_ms)
{
    if (sim_ms <= 0)
        return 0;
    if (c->mode != NCLOCK_ACCEL)
        return (uint64_t)sim_ms;
    return (uint64_t)ceil((double)sim_ms / c->speed);
}
