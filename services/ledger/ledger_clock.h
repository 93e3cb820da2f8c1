/*
 * ledger_clock.h - the ledger's "now": the system's clock (lib/clock.h),
 * set once at start from the same options every service takes.
 *
 * C code asks ledger_clock_now_ms(); SQL asks ld_now()
 * (deploy/schema/017_clock_ld_now.sql), which reads the clock from the
 * session settings ledger_clock_pg_options() gives every connection the
 * ledger opens (the batches' and /metrics'). Under the real clock the
 * settings are empty and ld_now() is now(): nothing changes.
 */
#ifndef LIANDONG_LEDGER_CLOCK_H
#define LIANDONG_LEDGER_CLOCK_H

#include <stdint.h>

#include "clock.h"

/* "Now" in the ledger's SQL text: the system's clock (017_clock_ld_now.sql),
 * as a scalar subquery so that PostgreSQL evaluates it once per statement,
 * not once per row a count or a filter reads (ld_now() reads the session
 * settings each time it runs). */
#define LD_NOW_SQL "(SELECT ld_now())"

/* Copies *c (before the database thread starts). 0 or -ENOSPC. */
int ledger_clock_set(const simclock_t *c);
int64_t ledger_clock_now_ms(void);
/* libpq "options" text for the clock ("" for the real clock). */
const char *ledger_clock_pg_options(void);

#endif
