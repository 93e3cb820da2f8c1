/*
 * ledger_clock.c - the ledger's clock and its session settings (see
 * ledger_clock.h).
 */
#include "ledger_clock.h"

/* Written once by main() before any thread starts; read-only after. */
static simclock_t ledger_clock = {.mode = SIMCLOCK_REAL, .speed = 1.0};
static char pg_options[160];

int ledger_clock_set(const simclock_t *c)
{
    ledger_clock = *c;
    return simclock_pg_options(c, pg_options, sizeof pg_options);
}

int64_t ledger_clock_now_ms(void)
{
    return simclock_now_ms(&ledger_clock);
}

const char *ledger_clock_pg_options(void)
{
    return pg_options;
}
