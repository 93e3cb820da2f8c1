/*
 * req_channel.h - the demand's extras (issue 13: position, media_url,
 * Open311 attributes, service_code, e-mail), kept in case_extras by
 * CreateCase; the handlers of req_channel.c are in handler.h's table.
 */
#ifndef LIANDONG_LEDGER_REQ_CHANNEL_H
#define LIANDONG_LEDGER_REQ_CHANNEL_H

#include "db.h"
#include "job.h"

/* The group's insert: nine text arrays, one element per new case that has
 * extras (CreateCase writes a batch's cases in one statement, req_case.c). */
#define LEDGER_EXTRAS_GROUP_STMT "create_cases_extras"
#define LEDGER_EXTRAS_COLS 9

/* CreateCase's validate: the extras' fields (0, or the job answered). */
int ledger_extras_validate(ledger_job_t *j, const Liandong__V1__Demand *d);
/* The demand's extras as the statement's nine values, allocated in j's
 * arena: 1 with v[] filled, or 0 when the demand has none. */
int ledger_extras_values(ledger_job_t *j, const Liandong__V1__Demand *d,
                         const char *v[LEDGER_EXTRAS_COLS]);

#endif
