/*
 * figures_calendar.c - joins RatesQuery's count of cases counted Monday to
 * Friday (figures_calendar.h) to the report's rows by key.
 */
#include "figures_calendar.h"

#include <string.h>

void ledger_rates_uncovered_fill(ledger_job_t *j, Liandong__V1__RatesReport *rep, const PGresult *r)
{
    int n = PQntuples(r);
    if (n == 0)
        return;
    Liandong__V1__RateRow **rows =
        ledger_job_alloc(j, (rep->n_rows + (size_t)n + 1) * sizeof(Liandong__V1__RateRow *));
    for (size_t k = 0; k < rep->n_rows; k++)
        rows[k] = rep->rows[k];
    rep->rows = rows;
    for (int i = 0; i < n; i++) {
        size_t k = 0;
        while (k < rep->n_rows && strcmp(rep->rows[k]->key, PQgetvalue(r, i, 0)) != 0)
            k++;
        if (k == rep->n_rows) {
            /* a key whose flagged cases the roll-ups do not show (a case
             * moved to another body since): a row of its own, so the count
             * is never lost */
            Liandong__V1__RateRow *w = ledger_job_alloc(j, sizeof(*w));
            liandong__v1__rate_row__init(w);
            w->key = ledger_col_str(j, r, i, 0);
            rep->rows[rep->n_rows++] = w;
        }
        rep->rows[k]->calendar_uncovered = (uint64_t)ledger_col_i64(r, i, 1);
    }
}
