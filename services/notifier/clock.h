/*
 * clock.h - the notifier's injectable clock, in milliseconds since the Unix
 * epoch.
 *
 * Three modes: the real wall clock; a test clock that only moves when a
 * test advances it by hand; and an accelerated clock that starts at a given
 * instant and runs `speed` simulated seconds per real second (for a week of
 * deadlines in a few real seconds). Deadlines are compared against
 * nclock_now_ms(); the uv_timer that waits for the next one is armed with
 * nclock_real_delay_ms(), which converts simulated time back to real time.
 * (Named nclock, because <time.h> owns clock_t.)
 */
#ifndef LIANDONG_NOTIFIER_CLOCK_H
#define LIANDONG_NOTIFIER_CLOCK_H

#include <stdint.h>

typedef enum { NCLOCK_REAL = 0, NCLOCK_TEST, NCLOCK_ACCEL } nclock_mode_t;

typedef struct {
    nclock_mode_t mode;
    double speed;          /* simulated ms per real ms (accelerated mode) */
    int64_t start_ms;      /* simulated time at mono_start (accelerated) */
    int64_t mono_start_ns; /* CLOCK_MONOTONIC when the clock started */
    int64_t test_now_ms;   /* test mode */
} nclock_t;

int nclock_init_real(nclock_t *c);
int nclock_init_test(nclock_t *c, int64_t start_ms);
/* speed > 0; start_ms 0 means "now". */
int nclock_init_accel(nclock_t *c, int64_t start_ms, double speed);

int64_t nclock_now_ms(const nclock_t *c);
/* Test mode only: moves the clock forward by ms (>= 0). Returns 0 or -EINVAL. */
int nclock_advance(nclock_t *c, int64_t ms);
/* Real milliseconds to wait until `sim_ms` of simulated time have passed
 * (rounded up; 0 for a past or present instant). */
uint64_t nclock_real_delay_ms(const nclock_t *c, int64_t sim_ms);

/* The real wall clock, for modules that need it directly. */
int64_t nclock_wall_ms(void);

#endif
