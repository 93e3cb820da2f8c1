/*
 * req_repeats.h - one case for one problem (docs/repeats.md): what GetCase
 * (req_case.c) borrows to list a case's reporters, and the placement a
 * case row was committed with (shared by CreateCase and JoinCase answers).
 */
#ifndef LIANDONG_LEDGER_REQ_REPEATS_H
#define LIANDONG_LEDGER_REQ_REPEATS_H

#include "job.h"

/* $1 case_id: the reporters joined to it, in joining order. */
#define REPORTERS_STMT_NAME "get_reporters"
#define REPORTERS_STMT_SQL                                                                         \
    "SELECT channel, channel_id, text, address, resident_name, resident_phone,"                    \
    " ld_ms(demand_received_at), ld_ms(joined_at), ld_ms(withdrawn_at) FROM case_reporters"        \
    " WHERE case_id = $1"                                                                          \
    " ORDER BY joined_at, channel, channel_id"

/* 1 when a front-end of `channel` brought one of the reporters in `r`
 * (REPORTERS_STMT_SQL): it may read the case it joined. */
int ledger_reporters_have_channel(const PGresult *r, const char *channel);

/* Fills d->reporters: the case's own demand (d->record, read from row 0
 * of CASE_COLS result `rec`), then every row of `r`. Names and phones are
 * shown to whom the record shows them unmasked, else left empty. */
void ledger_reporters_fill(ledger_job_t *j, Liandong__V1__CaseDetail *d, const PGresult *rec,
                           const PGresult *r);

/* RatesQuery's reporters (req_figures.c): $1 by $2 first day $3 last day
 * (dates, or -infinity / infinity) $4 unit ('' all): the reporters joined
 * in the range, per key of the dimension. */
#define RATES_REPORTERS_STMT_NAME "rates_reporters"
#define RATES_REPORTERS_STMT_SQL                                                                   \
    "SELECT k.key, count(*) FROM case_reporters r JOIN cases c ON c.case_id = r.case_id"           \
    " CROSS JOIN LATERAL (SELECT c.body_id AS key WHERE $1 = 'body'"                               \
    "  UNION ALL SELECT c.category WHERE $1 = 'category'"                                          \
    "  UNION ALL SELECT r.channel WHERE $1 = 'channel'"                                            \
    "  UNION ALL SELECT u.code FROM units cu CROSS JOIN unnest(cu.path) AS p(code)"                \
    "   JOIN units u ON u.code = p.code WHERE cu.code = c.compound_code AND u.kind = $1) k"        \
    " WHERE (r.joined_at AT TIME ZONE 'UTC')::date BETWEEN $2::date AND $3::date"                  \
    " AND ($4 = '' OR c.compound_code IN (SELECT code FROM units WHERE $4 = ANY (path)))"          \
    " GROUP BY k.key"

/* Sets each row's reporters from a RATES_REPORTERS_STMT_SQL result; a key
 * with reporters and no row gets a row of its own. */
void ledger_rates_reporters_fill(ledger_job_t *j, Liandong__V1__RatesReport *rep,
                                 const PGresult *r);

/* The placement a case row (CASE_COLS, row `row`) was committed with. */
Liandong__V1__Placement *ledger_placement_from(ledger_job_t *j, const PGresult *r, int row);

#endif
