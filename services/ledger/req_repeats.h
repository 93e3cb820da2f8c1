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

/* The placement a case row (CASE_COLS, row `row`) was committed with. */
Liandong__V1__Placement *ledger_placement_from(ledger_job_t *j, const PGresult *r, int row);

#endif
