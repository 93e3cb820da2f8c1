/*
 * req_channel.h - the demand's extras (issue 13: position, media_url,
 * Open311 attributes, service_code, e-mail), kept in case_extras by
 * CreateCase; the handlers of req_channel.c are in handler.h's table.
 */
#ifndef LIANDONG_LEDGER_REQ_CHANNEL_H
#define LIANDONG_LEDGER_REQ_CHANNEL_H

#include "db.h"
#include "job.h"

#define LEDGER_EXTRAS_STMT "create_case_extras"

/* CreateCase's validate: the extras' fields (0, or the job answered). */
int ledger_extras_validate(ledger_job_t *j, const Liandong__V1__Demand *d);
/* CreateCase's send, after create_case: queues the extras' insert when
 * the demand has any (0 or -ENOTCONN). */
int ledger_extras_send(db_t *db, ledger_job_t *j, const Liandong__V1__Demand *d);

#endif
