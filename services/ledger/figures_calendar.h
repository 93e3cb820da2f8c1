/*
 * figures_calendar.h - RatesQuery's count of cases whose deadlines were
 * counted Monday to Friday for want of calendar data (issue 15,
 * cases.calendar_uncovered, 017_calendar_uncovered.sql): the statement
 * req_figures.c sends, and how its rows join the report's.
 */
#ifndef LIANDONG_LEDGER_FIGURES_CALENDAR_H
#define LIANDONG_LEDGER_FIGURES_CALENDAR_H

#include "job.h"

/* $1 by $2 first day $3 last day (dates, or -infinity / infinity) $4 unit
 * ('' all): the flagged cases created in the range, per key of the
 * dimension, as RatesQuery's reporters are (req_repeats.h). Read through
 * the partial index cases_calendar_uncovered: the flagged are few. */
#define RATES_UNCOVERED_STMT_NAME "rates_calendar_uncovered"
#define RATES_UNCOVERED_STMT_SQL                                                                   \
    "SELECT k.key, count(*) FROM cases c"                                                          \
    " CROSS JOIN LATERAL (SELECT c.body_id AS key WHERE $1 = 'body'"                               \
    "  UNION ALL SELECT c.category WHERE $1 = 'category'"                                          \
    "  UNION ALL SELECT c.channel WHERE $1 = 'channel'"                                            \
    "  UNION ALL SELECT u.code FROM units cu CROSS JOIN unnest(cu.path) AS p(code)"                \
    "   JOIN units u ON u.code = p.code WHERE cu.code = c.compound_code AND u.kind = $1) k"        \
    " WHERE c.calendar_uncovered AND c.created_at >= $2::date AND c.created_at < $3::date + 1"     \
    " AND ($4 = '' OR c.compound_code IN (SELECT code FROM units WHERE $4 = ANY (path)))"          \
    " GROUP BY k.key"

/* Sets each row's calendar_uncovered from a RATES_UNCOVERED_STMT_SQL
 * result; a key with flagged cases and no row gets a row of its own. */
void ledger_rates_uncovered_fill(ledger_job_t *j, Liandong__V1__RatesReport *rep,
                                 const PGresult *r);

#endif
