/*
 * figures_calendar.c - joins RatesQuery's count of cases counted Monday to
 * Friday (figures_calendar.h) to the report's rows by key.
 */
#include "figures_calendar.h"

void ledger_rates_uncovered_fill(ledger_job_t *j, Liandong__V1__RatesReport *rep, const PGresult *r)
{
    /* a key whose flagged cases the roll-ups do not show (a case moved to
     * another body since) gets a row of its own: the count is never lost */
    ledger_rate_rows_reserve(j, rep, r);
    for (int i = 0; i < PQntuples(r); i++)
        ledger_rate_row_of(j, rep, r, i)->calendar_uncovered = (uint64_t)ledger_col_i64(r, i, 1);
}
