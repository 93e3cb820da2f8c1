/*
 * clock.h - the system's clock (issue 11), in milliseconds since the Unix
 * epoch: the one "now" of every service (router, ledger and its SQL,
 * notifier, gateway, petition).
 *
 * Three modes: the real wall clock; a test clock that only moves when a
 * test advances it by hand; and an accelerated clock that starts at a given
 * instant and runs `speed` simulated seconds per real second (for a week of
 * deadlines in a few real seconds, in demonstrations and tests). Deadlines
 * are compared against simclock_now_ms(); a timer that waits for the next
 * one is armed with simclock_real_delay_ms(), which converts simulated
 * time back to real time. (Named simclock, because <time.h> owns clock_t,
 * clock() and the CLOCK_ names, and lib/policy.h the deadline clocks.)
 *
 * Every binary takes the same three options (SIMCLOCK_OPTS, env vars
 * LIANDONG_CLOCK_SPEED, LIANDONG_CLOCK_START_MS, LIANDONG_CLOCK_ANCHOR_MS)
 * and reads them with simclock_from_config(). With an anchor, simulated
 * time is a function of the wall clock alone (start, or the anchor itself,
 * at the anchor instant, then `speed` times as fast), so processes started
 * one after the other agree on one simulated time.
 */
#ifndef LIANDONG_CLOCK_H
#define LIANDONG_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef enum { SIMCLOCK_REAL = 0, SIMCLOCK_TEST, SIMCLOCK_ACCEL } simclock_mode_t;

typedef struct {
    simclock_mode_t mode;
    double speed;          /* simulated ms per real ms (accelerated mode) */
    int64_t start_ms;      /* simulated time at mono_start (accelerated) */
    int64_t mono_start_ns; /* CLOCK_MONOTONIC when the clock started */
    int64_t wall_start_ms; /* the wall clock at mono_start (for SQL) */
    int64_t test_now_ms;   /* test mode */
} simclock_t;

int simclock_init_real(simclock_t *c);
int simclock_init_test(simclock_t *c, int64_t start_ms);
/* speed > 0 and finite; start_ms 0 means "now". 0 or -EINVAL. */
int simclock_init_accel(simclock_t *c, int64_t start_ms, double speed);

int64_t simclock_now_ms(const simclock_t *c);
/* True for the real wall clock (speed 1, no start): nothing simulated. */
int simclock_is_real(const simclock_t *c);
/* Test mode only: moves the clock forward by ms (>= 0). Returns 0 or -EINVAL. */
int simclock_advance(simclock_t *c, int64_t ms);
/* Real milliseconds to wait until `sim_ms` of simulated time have passed
 * (rounded up; 0 for a past or present instant). */
uint64_t simclock_real_delay_ms(const simclock_t *c, int64_t sim_ms);

/* The real wall clock, for modules that need it directly. */
int64_t simclock_wall_ms(void);

/* The options of every binary's table (config.h), in this order. */
/* clang-format off */
#define SIMCLOCK_OPTS                                                                              \
    {"clock-speed", "LIANDONG_CLOCK_SPEED", "1",                                                   \
     "simulated seconds per real second, for demonstrations and tests (1 = real time; every "      \
     "process of one system must run the same clock)", 0, NULL},                                   \
    {"clock-start-ms", "LIANDONG_CLOCK_START_MS", "0",                                             \
     "simulated time in ms since the epoch at the anchor, or at start without one (0 = now)",      \
     0, NULL},                                                                                     \
    {"clock-anchor-ms", "LIANDONG_CLOCK_ANCHOR_MS", "0",                                           \
     "wall time (ms since the epoch, not in the future) the accelerated clock runs from: "         \
     "simulated = start (or the anchor) + (now - anchor) * speed, so that separately started "     \
     "or restarted processes agree (0 = off)", 0, NULL}
/* clang-format on */

/* Checks and applies the three settings (text, as the options give them)
 * at the wall time `wall_ms`: speed a number in [0.001, 1e7], start and
 * anchor whole ms in 1970..2100, the anchor not over a minute ahead of
 * wall_ms, and the simulated now within 1970..2100. Speed 1 without a
 * start is the real clock. 0, or -EINVAL with the reason in err. */
int simclock_configure(simclock_t *c, const char *speed, const char *start_ms,
                       const char *anchor_ms, int64_t wall_ms, char *err, size_t errlen);
/* simclock_configure() with the values of SIMCLOCK_OPTS in `opts`, now. */
int simclock_from_config(simclock_t *c, const config_opt_t *opts, size_t n, char *err,
                         size_t errlen);

/* The process's clock, for modules that have no context to carry one (the
 * gateway's HTTP handlers): set once by main() before any thread starts,
 * read-only after. The real clock until set. */
void simclock_set_system(const simclock_t *c);
int64_t simclock_system_now_ms(void);

/* The clock as PostgreSQL session options (libpq's "options": -c
 * liandong.clock_speed=... -c liandong.clock_wall_ms=... -c
 * liandong.clock_sim_ms=...), read by the SQL function ld_now()
 * (deploy/schema/017_clock_ld_now.sql); "" for the real clock, so that
 * ld_now() is now(). Returns 0 or -ENOSPC. */
int simclock_pg_options(const simclock_t *c, char *buf, size_t len);

#endif
