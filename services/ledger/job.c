/*
 * job.c - a ledger request's arena, answers and row readers (see job.h).
 */
#include "job.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_state.h"
#include "domain.h"
#include "identity.h"
#include "log.h"

/* ---------------------------------------------------------------- arena */

struct arena_block {
    arena_block_t *next;
    max_align_t data[];
};

void *ledger_job_alloc(ledger_job_t *j, size_t n)
{
    arena_block_t *b = calloc(1, sizeof(*b) + n);
    if (b == NULL) {
        log_error(NULL, "out of memory");
        abort(); /* answers cannot be built half-way; let the supervisor restart us */
    }
    b->next = j->arena;
    j->arena = b;
    return b->data;
}

char *ledger_job_strdup(ledger_job_t *j, const char *s)
{
    size_t n = strlen(s);
    char *p = ledger_job_alloc(j, n + 1);
    memcpy(p, s, n + 1);
    return p;
}

char *ledger_job_printf(ledger_job_t *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = ledger_job_alloc(j, (size_t)(n > 0 ? n : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* ------------------------------------------------------------------ job */

void ledger_job_init(ledger_job_t *j, const envelope_t *req, const char *user)
{
    memset(j, 0, sizeof(*j));
    liandong__v1__envelope__init(&j->answer);
    j->req = req;
    j->user = user ? user : "";
    j->dup_of = -1;
}

void ledger_job_clear_results(ledger_job_t *j)
{
    for (int i = 0; i < j->nres; i++)
        PQclear(j->res[i]);
    j->nres = 0;
    PQclear(j->prior);
    j->prior = NULL;
}

void ledger_job_clear(ledger_job_t *j)
{
    ledger_job_clear_results(j);
    while (j->arena) {
        arena_block_t *b = j->arena;
        j->arena = b->next;
        free(b);
    }
    j->events = NULL;
    j->n_events = 0;
}

void ledger_job_fail(ledger_job_t *j, Liandong__V1__ErrorCode code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* An error answer always says why (issue 12). */
    if (msg[0] == '\0')
        snprintf(msg, sizeof msg, "%s (no further reason)", wire_error_code_name(code));
    Liandong__V1__Error *e = ledger_job_alloc(j, sizeof(*e));
    liandong__v1__error__init(e);
    e->code = code;
    e->message = ledger_job_strdup(j, msg);
    liandong__v1__envelope__init(&j->answer);
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_ERROR;
    j->answer.error = e;
    j->done = 1;
}

/* ----------------------------------------------------------- validation */

int ledger_job_bad_text(ledger_job_t *j, const char *s, const char *field, size_t max)
{
    if (s == NULL || wire_check_text(s, max) == 0)
        return 0;
    ledger_job_fail(j, E(BAD_REQUEST), "%s is not text of at most %zu bytes", field, max);
    return 1;
}

int ledger_job_missing(ledger_job_t *j, const char *s, const char *field)
{
    if (s != NULL && *s != '\0')
        return 0;
    ledger_job_fail(j, E(MISSING_FIELD), "missing field: %s", field);
    return 1;
}

int ledger_one_of(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return 1;
    return 0;
}

/* Identity comes from the CURVE key when there is one (identity.h): a
 * body's key can only act as that body; services and operators act on
 * behalf of the actor they name. */
const char *ledger_job_actor(ledger_job_t *j, const char *claimed)
{
    const char *actor = NULL;
    if (identity_recorded_actor(j->user, claimed, &actor) < 0)
        return NULL;
    const char *principal = NULL, *on_behalf = NULL;
    identity_principal(j->user, claimed, actor, &principal, &on_behalf);
    /* In the arena: the answer and the events outlive nothing of ours. */
    j->principal = ledger_job_strdup(j, principal);
    j->on_behalf = ledger_job_strdup(j, on_behalf);
    return ledger_job_strdup(j, actor);
}

/* ------------------------------------------------------------- phase 2 */

static int sent(ledger_job_t *j, int rc)
{
    if (rc < 0)
        return -ENOTCONN;
    /* JOB_MAX_RES bounds j->res: a handler sending more is a bug. */
    assert(j->nsent < JOB_MAX_RES);
    j->nsent++;
    return 0;
}

int ledger_job_send(db_t *db, ledger_job_t *j, const char *stmt, int nparams,
                    const char *const *values)
{
    assert(nparams <= JOB_MAX_PARAMS);
    return sent(j, db_send(db, stmt, nparams, values));
}

int ledger_job_send_binary(db_t *db, ledger_job_t *j, const char *stmt, int nparams,
                           const char *const *values)
{
    assert(nparams <= JOB_MAX_PARAMS);
    return sent(j, db_send_binary(db, stmt, nparams, values));
}

int ledger_job_send_cmd(db_t *db, ledger_job_t *j, const char *sql)
{
    return sent(j, db_send_cmd(db, sql));
}

/* Why quoted: any text is a value, never syntax (job.h). */
char *ledger_job_array(ledger_job_t *j, char **v, size_t n)
{
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += 2 * strlen(v[i]) + 3;
    char *out = ledger_job_alloc(j, len);
    char *p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        for (const char *s = v[i]; *s; s++) {
            if (*s == '"' || *s == '\\')
                *p++ = '\\';
            *p++ = *s;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

/* ------------------------------------------------------------- columns */

int64_t ledger_col_i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int ledger_col_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

char *ledger_col_str(ledger_job_t *j, const PGresult *r, int row, int col)
{
    return ledger_job_strdup(j, PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

const char *ledger_job_u32(ledger_job_t *j, uint32_t v)
{
    return ledger_job_printf(j, "%" PRIu32, v);
}

Liandong__V1__CaseEvent *ledger_job_event(ledger_job_t *j, const PGresult *r, int row)
{
    Liandong__V1__CaseEvent *e = ledger_job_alloc(j, sizeof(*e));
    liandong__v1__case_event__init(e);
    e->seq = (uint64_t)ledger_col_i64(r, row, 0);
    e->case_id = ledger_col_str(j, r, row, 1);
    e->kind = ledger_col_str(j, r, row, 2);
    e->actor = ledger_col_str(j, r, row, 3);
    e->from_state = ledger_col_str(j, r, row, 4);
    e->to_state = ledger_col_str(j, r, row, 5);
    e->body_id = ledger_col_str(j, r, row, 6);
    e->note = ledger_col_str(j, r, row, 7);
    e->at_ms = ledger_col_i64(r, row, 8);
    e->reply_due_ms = ledger_col_i64(r, row, 9);
    e->resolve_due_ms = ledger_col_i64(r, row, 10);
    e->on_behalf_of = ledger_col_str(j, r, row, 11);
    return e;
}

/* "张三" -> "张*", "13800001234" -> "*******1234". */
static char *mask_name(ledger_job_t *j, const char *s)
{
    if (*s == '\0')
        return ledger_job_strdup(j, "");
    size_t first = 1;
    while (s[first] != '\0' && ((unsigned char)s[first] & 0xC0) == 0x80)
        first++;
    return ledger_job_printf(j, "%.*s*", (int)first, s);
}

static char *mask_phone(ledger_job_t *j, const char *s)
{
    size_t n = strlen(s);
    if (n <= 4)
        return ledger_job_strdup(j, n ? "****" : "");
    char *p = ledger_job_strdup(j, s);
    memset(p, '*', n - 4);
    return p;
}

Liandong__V1__Urgency ledger_urgency(const char *s)
{
    int u = urgency_from_name(s, strlen(s));
    return u < 0 ? LIANDONG__V1__URGENCY__URGENCY_UNSPECIFIED : (Liandong__V1__Urgency)u;
}

void ledger_job_cc(ledger_job_t *j, const char *js, char ***cc, size_t *n)
{
    *cc = NULL;
    *n = 0;
    json_t *a = json_loads(js, 0, NULL);
    if (json_is_array(a) && json_array_size(a) > 0) {
        *cc = ledger_job_alloc(j, json_array_size(a) * sizeof(char *));
        for (size_t i = 0; i < json_array_size(a); i++) {
            const char *s = json_string_value(json_array_get(a, i));
            (*cc)[(*n)++] = ledger_job_strdup(j, s ? s : "");
        }
    }
    json_decref(a);
}

Liandong__V1__CaseRecord *ledger_job_record(ledger_job_t *j, const PGresult *r, int row,
                                            const char *viewer)
{
    Liandong__V1__CaseRecord *c = ledger_job_alloc(j, sizeof(*c));
    liandong__v1__case_record__init(c);
    c->case_id = ledger_col_str(j, r, row, 0);
    c->channel = ledger_col_str(j, r, row, 1);
    c->channel_id = ledger_col_str(j, r, row, 2);
    c->state = ledger_col_str(j, r, row, 3);
    c->category = ledger_col_str(j, r, row, 4);
    c->body_id = ledger_col_str(j, r, row, 5);
    c->body_kind = ledger_col_str(j, r, row, 6);
    ledger_job_cc(j, PQgetvalue(r, row, 7), &c->cc, &c->n_cc);
    c->urgency = ledger_urgency(PQgetvalue(r, row, 8));
    c->compound_code = ledger_col_str(j, r, row, 9);
    c->text = ledger_col_str(j, r, row, 10);
    c->address = ledger_col_str(j, r, row, 11);
    unsigned roles = case_actor_roles(viewer ? viewer : "", c->body_id, NULL);
    int see = (roles & (CASE_ROLE_HOLDER | CASE_ROLE_OPERATOR | CASE_ROLE_SERVICE)) != 0;
    c->resident_name = see ? ledger_col_str(j, r, row, 12) : mask_name(j, PQgetvalue(r, row, 12));
    c->resident_phone = see ? ledger_col_str(j, r, row, 13) : mask_phone(j, PQgetvalue(r, row, 13));
    c->created_at_ms = ledger_col_i64(r, row, 14);
    c->reply_due_ms = ledger_col_i64(r, row, 15);
    c->resolve_due_ms = ledger_col_i64(r, row, 16);
    c->replied_at_ms = ledger_col_i64(r, row, 17);
    c->resolved_at_ms = ledger_col_i64(r, row, 18);
    c->rating = ledger_col_str(j, r, row, 19);
    c->deadline_policy = ledger_col_str(j, r, row, 24);
    c->reply_clock = ledger_col_str(j, r, row, 25);
    c->resolve_clock = ledger_col_str(j, r, row, 26);
    c->paused_at_ms = ledger_col_i64(r, row, 27);
    c->pause_until_ms = ledger_col_i64(r, row, 28);
    c->pause_reason = ledger_col_str(j, r, row, 29);
    c->paused_ms = ledger_col_i64(r, row, 30);
    c->pauses = (uint32_t)ledger_col_i64(r, row, 31);
    c->extensions = (uint32_t)ledger_col_i64(r, row, 32);
    c->extension_pending = ledger_col_bool(r, row, 33);
    c->calendar_uncovered = ledger_col_bool(r, row, 34);
    return c;
}

void ledger_job_add_event(ledger_job_t *j, Liandong__V1__CaseEvent *e)
{
    Liandong__V1__CaseEvent **ev =
        ledger_job_alloc(j, (j->n_events + 1) * sizeof(Liandong__V1__CaseEvent *));
    if (j->n_events)
        memcpy(ev, j->events, j->n_events * sizeof(Liandong__V1__CaseEvent *));
    ev[j->n_events++] = e;
    j->events = ev;
}

void ledger_job_action_done(ledger_job_t *j, Liandong__V1__CaseEvent *e, int duplicate)
{
    Liandong__V1__CaseActionDone *d = ledger_job_alloc(j, sizeof(*d));
    liandong__v1__case_action_done__init(d);
    d->event = e;
    d->duplicate = duplicate;
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION_DONE;
    j->answer.case_action_done = d;
    j->done = 1;
    if (e != NULL && !duplicate)
        ledger_job_add_event(j, e);
}

void ledger_rate_rows_reserve(ledger_job_t *j, Liandong__V1__RatesReport *rep, const PGresult *r)
{
    size_t n = (size_t)PQntuples(r);
    Liandong__V1__RateRow **rows =
        ledger_job_alloc(j, (rep->n_rows + n + 1) * sizeof(Liandong__V1__RateRow *));
    for (size_t k = 0; k < rep->n_rows; k++)
        rows[k] = rep->rows[k];
    rep->rows = rows;
}

Liandong__V1__RateRow *ledger_rate_row_of(ledger_job_t *j, Liandong__V1__RatesReport *rep,
                                          const PGresult *r, int i)
{
    for (size_t k = 0; k < rep->n_rows; k++)
        if (strcmp(rep->rows[k]->key, PQgetvalue(r, i, 0)) == 0)
            return rep->rows[k];
    Liandong__V1__RateRow *w = ledger_job_alloc(j, sizeof(*w));
    liandong__v1__rate_row__init(w);
    w->key = ledger_col_str(j, r, i, 0);
    rep->rows[rep->n_rows++] = w;
    return w;
}
