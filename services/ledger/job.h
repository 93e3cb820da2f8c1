/*
 * job.h - one ledger request on its way through a group-committed batch
 * (batch.h), and the helpers every request handler (handler.h) builds its
 * answer with: memory in the job's arena, error answers, checks of text
 * fields, rows read as records and events, statements queued for the job.
 *
 * Every string and message of an answer lives in the job's arena and is
 * released at once by ledger_job_clear() after the answer was sent.
 */
#ifndef LIANDONG_LEDGER_JOB_H
#define LIANDONG_LEDGER_JOB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "field_limits.h"
#include "wire.h"

#define JOB_MAX_RES 6     /* statements a job sends in phase 2 (RatesQuery: 6) */
#define JOB_MAX_PARAMS 24 /* parameters of one phase-2 statement */
/* The limits of lib/field_limits.h, shared with the router (issue 10). */
#define LEDGER_ID_MAX LIMIT_ID_MAX
#define LEDGER_TEXT_MAX LIMIT_STORED_TEXT_MAX

/* A case row as ledger_job_record() reads it (alias c). */
#define CASE_COLS                                                                                  \
    "c.case_id, c.channel, c.channel_id, c.state, c.category, c.body_id, c.body_kind,"             \
    " array_to_json(c.cc)::text, c.urgency, c.compound_code, c.text, c.address,"                   \
    " c.resident_name, c.resident_phone, ld_ms(c.created_at), ld_ms(c.reply_due),"                 \
    " ld_ms(c.resolve_due), ld_ms(c.replied_at), ld_ms(c.resolved_at), c.rating, c.tier,"          \
    " c.explain_json, round(extract(epoch FROM c.reply_due - c.created_at) / 3600)::int,"          \
    " round(extract(epoch FROM c.resolve_due - c.created_at) / 3600)::int,"                        \
    " c.deadline_policy, c.reply_clock, c.resolve_clock, ld_ms(c.paused_at),"                      \
    " ld_ms(c.pause_until), c.pause_reason, (extract(epoch FROM c.paused_total) * 1000)::bigint,"  \
    " c.pauses, c.extensions, c.extension_pending, c.calendar_uncovered"
#define NCASE_COLS 35
/* An event row as ledger_job_event() reads it; p is the table's prefix. */
#define EVENT_COLS(p)                                                                              \
    p "seq, " p "case_id, " p "kind, " p "actor, " p "from_state, " p "to_state, " p "body_id, " p \
      "note, ld_ms(" p "at), ld_ms(" p "reply_due), ld_ms(" p "resolve_due), " p "on_behalf_of"
#define NEVENT_COLS 12

typedef struct arena_block arena_block_t;
typedef struct ledger_handler ledger_handler_t;
typedef struct ledger_job ledger_job_t;

struct ledger_job {
    /* in */
    const envelope_t *req;
    const char *user; /* authenticated ZAP user id ("" without CURVE) */
    /* out: valid once done; owned by the job until ledger_job_clear() */
    envelope_t answer;
    int done;
    Liandong__V1__CaseEvent **events; /* committed events to publish */
    size_t n_events;

    /* for the handler (set by its validate / decide hooks) */
    const char *actor;                  /* effective actor: whom the request acts as */
    const char *principal;              /* the person or system behind the key */
    const char *on_behalf;              /* actor when it is not the principal, else "" */
    const char *lock_case;              /* a case this request changes: locked and its
                                         * request id looked up in phase 1 (batch.c) */
    const char *params[JOB_MAX_PARAMS]; /* phase-2 parameters (arena strings) */
    int nparams;
    uint32_t reg_units, reg_bodies; /* RegistryImport: counted in validate */
    PGresult *res[JOB_MAX_RES];     /* phase-2 results, in the order sent */
    PGresult *prior;                /* the event an earlier batch recorded for this request id */
    const ledger_job_t *first_copy; /* earlier job of the batch with this request id */
    const ledger_job_t *group_lead; /* send_group: the job holding the group's result */
    size_t group_ord;               /* send_group: 1-based place in the group */

    /* private to batch.c and job.c */
    const ledger_handler_t *handler;
    arena_block_t *arena;
    int stage;
    int nres;
    int nsent;
    int dup_of;
};

void ledger_job_init(ledger_job_t *j, const envelope_t *req, const char *user);
/* Frees what the job allocated (answer, events, results). */
void ledger_job_clear(ledger_job_t *j);
/* Frees the job's results only (before a retry). */
void ledger_job_clear_results(ledger_job_t *j);

/* Memory in the job's arena (freed by ledger_job_clear). Out of memory
 * aborts: an answer cannot be built half-way. */
void *ledger_job_alloc(ledger_job_t *j, size_t n);
/* A PostgreSQL array literal of the n strings v[] in j's arena: each element
 * double-quoted with backslash escapes, so any text is a value, never
 * array syntax (statements take it as $N::text[]). */
char *ledger_job_array(ledger_job_t *j, char **v, size_t n);
char *ledger_job_strdup(ledger_job_t *j, const char *s);
char *ledger_job_printf(ledger_job_t *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets a job's answer to an error; the job is done. */
void ledger_job_fail(ledger_job_t *j, Liandong__V1__ErrorCode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Field checks: 0 when the field is fine, else the job is answered with
 * BAD_REQUEST / MISSING_FIELD and they return 1. Text stored in
 * PostgreSQL must be valid UTF-8 of bounded size: refused here rather than
 * letting the database fail the whole batch. */
int ledger_job_bad_text(ledger_job_t *j, const char *s, const char *field, size_t max);
int ledger_job_missing(ledger_job_t *j, const char *s, const char *field);
/* True when s is one of the NULL-terminated set. */
int ledger_one_of(const char *s, const char *const *set);

/* The actor a request is recorded under, from the caller's key and the
 * actor it claims (NULL: a body's key naming another body). Also sets
 * j->principal and j->on_behalf (identity_principal). */
const char *ledger_job_actor(ledger_job_t *j, const char *claimed);

/* Queue a phase-2 statement for the job: 0 or -ENOTCONN. The executor
 * reads back as many results, into j->res[], in the order sent. */
int ledger_job_send(db_t *db, ledger_job_t *j, const char *stmt, int nparams,
                    const char *const *values);
int ledger_job_send_binary(db_t *db, ledger_job_t *j, const char *stmt, int nparams,
                           const char *const *values);
int ledger_job_send_cmd(db_t *db, ledger_job_t *j, const char *sql);

/* Result columns. */
int64_t ledger_col_i64(const PGresult *r, int row, int col);
int ledger_col_bool(const PGresult *r, int row, int col);
char *ledger_col_str(ledger_job_t *j, const PGresult *r, int row, int col);
/* An unsigned number as text in the arena. */
const char *ledger_job_u32(ledger_job_t *j, uint32_t v);

/* A case row (CASE_COLS) as a record seen by `viewer`: personal data
 * masked unless it holds the case or is a service or operator. */
Liandong__V1__CaseRecord *ledger_job_record(ledger_job_t *j, const PGresult *r, int row,
                                            const char *viewer);
/* A case's cc column (a JSON array of body ids) into the arena. */
void ledger_job_cc(ledger_job_t *j, const char *json, char ***cc, size_t *n);
/* A case's urgency column as the wire's enum. */
Liandong__V1__Urgency ledger_urgency(const char *s);
/* An event row (EVENT_COLS). */
Liandong__V1__CaseEvent *ledger_job_event(ledger_job_t *j, const PGresult *r, int row);
/* Appends a committed event to publish. */
void ledger_job_add_event(ledger_job_t *j, Liandong__V1__CaseEvent *e);
/* A CaseActionDone answer; e, when not NULL and not a duplicate, is also
 * published. */
void ledger_job_action_done(ledger_job_t *j, Liandong__V1__CaseEvent *e, int duplicate);

/* RatesQuery's extra counts (reporters, calendar_uncovered), one result
 * row per key: makes room in rep->rows for every row of `r`, then returns,
 * for each result row i, the report's row whose key is r's column 0; a key
 * the report has no row for (a count the roll-ups do not show) gets a row
 * of its own, so the count is never lost. */
void ledger_rate_rows_reserve(ledger_job_t *j, Liandong__V1__RatesReport *rep, const PGresult *r);
Liandong__V1__RateRow *ledger_rate_row_of(ledger_job_t *j, Liandong__V1__RatesReport *rep,
                                          const PGresult *r, int i);

#define E(x) LIANDONG__V1__ERROR_CODE__ERROR_##x

#endif
