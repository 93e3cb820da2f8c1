/*
 * db_alerts.c - ListDeadlines and RecordAlert for the notifier (see
 * db_alerts.h, proto/liandong.proto and deploy/schema/003_alerts.sql).
 */
#include "db_alerts.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "log.h"

#define E(x) LIANDONG__V1__ERROR_CODE__ERROR_##x
#define ID_MAX 128
#define PAGE_MAX 20000
#define ALERTS_MAX 64 /* recorded alerts per case in one answer */

/* ld_ms() (001_core.sql) is written out in dl_list: PostgreSQL does not
 * inline the function there, and calling it per row tripled the page time.
 * It must stay the same expression, so due times match the events' to the
 * millisecond (the alerts' key includes them). */

/* Open cases in case_id order after a cursor, with the head of the event
 * counter read in the SAME statement: one snapshot, so the page reflects
 * exactly the events up to as_of_seq (seq order is commit order, see
 * 001_core.sql). A returned case waits for re-dispatch and has no live
 * deadline. deadlines_from is when the current due times were first set
 * (the due_soon point is a share of the limit from there). With limit 0
 * the one row carries only the seq (a probe). */
static const db_stmt_t statements[DB_ALERTS_NSTMTS] = {
    {"dl_list",
     "WITH h AS (SELECT value FROM ledger_counters WHERE name = 'event_seq'),"
     " p AS (SELECT c.* FROM cases c WHERE c.state IN"
     "  ('received','assigned','delivered','accepted','replied','returned')"
     "  AND c.case_id > $1 ORDER BY c.case_id LIMIT $2::int),"
     /* the page's recorded alerts in one range scan, not one probe a row */
     " a AS (SELECT x.case_id, string_agg(x.deadline || ' ' || x.stage || ' ' || x.due_ms, ',')"
     "  AS s FROM case_alerts x WHERE x.case_id > $1"
     "  AND x.case_id <= (SELECT max(case_id) FROM p) GROUP BY x.case_id)"
     " SELECT h.value, p.case_id, p.body_id, p.body_kind, p.compound_code, p.category,"
     "  CASE WHEN p.state = 'returned' THEN 0"
     "   ELSE COALESCE((extract(epoch FROM p.reply_due) * 1000)::bigint, 0) END,"
     "  CASE WHEN p.state = 'returned' THEN 0"
     "   ELSE COALESCE((extract(epoch FROM p.resolve_due) * 1000)::bigint, 0) END,"
     "  COALESCE((extract(epoch FROM p.created_at) * 1000)::bigint, 0),"
     "  p.replied_at IS NOT NULL, p.resolved_at IS NOT NULL,"
     "  COALESCE((extract(epoch FROM COALESCE(f.at, p.created_at)) * 1000)::bigint, 0),"
     "  COALESCE(a.s, '')"
     " FROM h LEFT JOIN (p"
     /* Both limits run from the same now() (apply_action), so due times a
      * whole number of hours after creation were set at creation: only
      * other cases need their events searched (4x faster at a million). */
     "  LEFT JOIN LATERAL (SELECT min(e.at) AS at FROM case_events e"
     "   WHERE NOT (extract(epoch FROM p.reply_due - p.created_at) % 3600 = 0"
     "    AND extract(epoch FROM p.resolve_due - p.created_at) % 3600 = 0)"
     "   AND e.case_id = p.case_id AND e.reply_due = p.reply_due"
     "   AND e.resolve_due = p.resolve_due) f ON true"
     "  LEFT JOIN a ON a.case_id = p.case_id) ON true"
     " ORDER BY p.case_id",
     2},
    /* $1 case $2 deadline $3 stage $4 due ms $5 body $6 fired at ms. The
     * primary key makes the insert once-only, also against a concurrent
     * ledger (ON CONFLICT waits for the other transaction). */
    {"alert_record",
     "WITH c AS (SELECT case_id, body_id, body_kind, compound_code, category FROM cases"
     "  WHERE case_id = $1),"
     " ins AS (INSERT INTO case_alerts (case_id, deadline, stage, due_ms, body_id, fired_at_ms)"
     "  SELECT c.case_id, $2, $3, $4::bigint, $5, $6::bigint FROM c"
     "  ON CONFLICT DO NOTHING RETURNING 1)"
     " SELECT EXISTS (SELECT 1 FROM ins), c.body_id, c.category,"
     "  ld_escalate_to(c.body_id, c.body_kind, c.compound_code),"
     "  array_to_json(ld_party_branches(c.compound_code, c.body_id))::text FROM c",
     6},
};

const db_stmt_t *db_alerts_statements(size_t *n)
{
    *n = DB_ALERTS_NSTMTS;
    return statements;
}

int db_alerts_handles(const envelope_t *req)
{
    return req->body_case == LIANDONG__V1__ENVELOPE__BODY_LIST_DEADLINES ||
           req->body_case == LIANDONG__V1__ENVELOPE__BODY_RECORD_ALERT;
}

static int bad_id(ledger_job_t *j, const char *s, const char *field, int required)
{
    if (required && (s == NULL || *s == '\0')) {
        ledger_job_fail(j, E(MISSING_FIELD), "missing field: %s", field);
        return 1;
    }
    if (s != NULL && wire_check_text(s, ID_MAX) != 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "%s is not text of at most %d bytes", field, ID_MAX);
        return 1;
    }
    return 0;
}

static int one_of(const char *s, const char *a, const char *b, const char *c)
{
    return s && ((a && strcmp(s, a) == 0) || (b && strcmp(s, b) == 0) || (c && strcmp(s, c) == 0));
}

int db_alerts_validate(ledger_job_t *j)
{
    /* Only Liandong's services (the notifier) may read every open case's
     * deadlines or record alerts; a body or operator key may not mark an
     * alert as sent and so silence it. */
    role_t role = identity_role(j->user, NULL);
    if (role != ROLE_SERVICE && role != ROLE_NONE) {
        ledger_job_fail(j, E(FORBIDDEN), "%s is for Liandong's services only",
                        wire_body_name(j->req));
        return -EPERM;
    }
    if (j->req->body_case == LIANDONG__V1__ENVELOPE__BODY_LIST_DEADLINES)
        return bad_id(j, j->req->list_deadlines->after_case_id, "after_case_id", 0) ? -EINVAL : 0;
    const Liandong__V1__RecordAlert *r = j->req->record_alert;
    if (bad_id(j, r->case_id, "case_id", 1) || bad_id(j, r->body_id, "body_id", 0))
        return -EINVAL;
    if (!one_of(r->deadline, "reply", "resolve", NULL)) {
        ledger_job_fail(j, E(BAD_REQUEST), "deadline must be reply or resolve");
        return -EINVAL;
    }
    if (!one_of(r->stage, "due_soon", "overdue", "escalate") ||
        (strcmp(r->stage, "escalate") == 0 && strcmp(r->deadline, "resolve") != 0)) {
        ledger_job_fail(j, E(BAD_REQUEST),
                        "stage must be due_soon, overdue or (resolve only) escalate");
        return -EINVAL;
    }
    if (r->due_ms <= 0 || r->at_ms < 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "due_ms must be > 0 and at_ms >= 0");
        return -EINVAL;
    }
    return 0;
}

int db_alerts_send(db_t *db, ledger_job_t *j)
{
    const char **v = j->params;
    if (j->req->body_case == LIANDONG__V1__ENVELOPE__BODY_LIST_DEADLINES) {
        const Liandong__V1__ListDeadlines *q = j->req->list_deadlines;
        uint32_t lim = q->limit > PAGE_MAX ? PAGE_MAX : q->limit;
        v[0] = q->after_case_id ? q->after_case_id : "";
        v[1] = ledger_job_printf(j, "%" PRIu32, lim);
        /* The generic plan's cost crosses jit_above_cost, and compiling
         * the page query took longer than running it (5x at a million
         * cases). Only for this transaction. */
        if (db_send_cmd(db, "SET LOCAL jit = off") < 0 || db_send(db, "dl_list", 2, v) < 0)
            return -ENOTCONN;
        return 2;
    }
    const Liandong__V1__RecordAlert *r = j->req->record_alert;
    v[0] = r->case_id;
    v[1] = r->deadline;
    v[2] = r->stage;
    v[3] = ledger_job_printf(j, "%" PRId64, r->due_ms);
    v[4] = r->body_id ? r->body_id : "";
    v[5] = ledger_job_printf(j, "%" PRId64, r->at_ms);
    return db_send(db, "alert_record", 6, v) < 0 ? -ENOTCONN : 1;
}

static int64_t i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static char *str(ledger_job_t *j, const PGresult *r, int row, int col)
{
    return ledger_job_strdup(j, PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

static int boolean(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

/* "reply due_soon 1700000000000,resolve overdue ..." as RecordedAlerts. */
static void parse_alerts(ledger_job_t *j, const char *s, Liandong__V1__OpenDeadline *d)
{
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    n = *s ? n + 1 : 0;
    if (n == 0)
        return;
    if (n > ALERTS_MAX)
        n = ALERTS_MAX;
    d->alerts = ledger_job_alloc(j, n * sizeof(Liandong__V1__RecordedAlert *));
    const char *p = s;
    while (*p && d->n_alerts < n) {
        char kind[16], stage[16];
        long long due = 0;
        if (sscanf(p, "%15s %15s %lld", kind, stage, &due) == 3) {
            Liandong__V1__RecordedAlert *a = ledger_job_alloc(j, sizeof(*a));
            liandong__v1__recorded_alert__init(a);
            a->deadline = ledger_job_strdup(j, kind);
            a->stage = ledger_job_strdup(j, stage);
            a->due_ms = due;
            d->alerts[d->n_alerts++] = a;
        }
        const char *next = strchr(p, ',');
        if (next == NULL)
            break;
        p = next + 1;
    }
}

static void answer_list(ledger_job_t *j, const PGresult *r)
{
    Liandong__V1__DeadlineList *l = ledger_job_alloc(j, sizeof(*l));
    liandong__v1__deadline_list__init(l);
    int n = PQntuples(r);
    l->as_of_seq = n > 0 ? (uint64_t)i64(r, 0, 0) : 0;
    l->deadlines = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__OpenDeadline *));
    for (int i = 0; i < n; i++) {
        if (PQgetisnull(r, i, 1))
            continue; /* the probe row, or an empty page */
        Liandong__V1__OpenDeadline *d = ledger_job_alloc(j, sizeof(*d));
        liandong__v1__open_deadline__init(d);
        d->case_id = str(j, r, i, 1);
        d->body_id = str(j, r, i, 2);
        d->body_kind = str(j, r, i, 3);
        d->compound_code = str(j, r, i, 4);
        d->category = str(j, r, i, 5);
        d->reply_due_ms = i64(r, i, 6);
        d->resolve_due_ms = i64(r, i, 7);
        d->created_at_ms = i64(r, i, 8);
        d->replied = boolean(r, i, 9);
        d->resolved = boolean(r, i, 10);
        d->deadlines_from_ms = i64(r, i, 11);
        parse_alerts(j, PQgetisnull(r, i, 12) ? "" : PQgetvalue(r, i, 12), d);
        l->deadlines[l->n_deadlines++] = d;
    }
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_DEADLINE_LIST;
    j->answer.deadline_list = l;
}

static void answer_record(ledger_job_t *j, const PGresult *r)
{
    const Liandong__V1__RecordAlert *q = j->req->record_alert;
    if (PQntuples(r) != 1) {
        ledger_job_fail(j, E(NOT_FOUND), "no case %.64s", q->case_id);
        return;
    }
    Liandong__V1__AlertRecorded *a = ledger_job_alloc(j, sizeof(*a));
    liandong__v1__alert_recorded__init(a);
    a->first = boolean(r, 0, 0);
    a->body_id = str(j, r, 0, 1);
    a->category = str(j, r, 0, 2);
    a->escalate_to = str(j, r, 0, 3);
    json_t *cc = json_loads(PQgetisnull(r, 0, 4) ? "[]" : PQgetvalue(r, 0, 4), 0, NULL);
    if (json_is_array(cc) && json_array_size(cc) > 0) {
        a->cc = ledger_job_alloc(j, json_array_size(cc) * sizeof(char *));
        for (size_t i = 0; i < json_array_size(cc); i++)
            if (json_is_string(json_array_get(cc, i)))
                a->cc[a->n_cc++] = ledger_job_strdup(j, json_string_value(json_array_get(cc, i)));
    }
    json_decref(cc);
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_ALERT_RECORDED;
    j->answer.alert_recorded = a;
    if (a->first)
        log_info(q->case_id, "alert recorded: %s %s due %" PRId64, q->deadline, q->stage,
                 q->due_ms);
}

void db_alerts_answer(ledger_job_t *j)
{
    if (j->req->body_case == LIANDONG__V1__ENVELOPE__BODY_LIST_DEADLINES)
        answer_list(j, j->res[1]); /* res[0]: SET LOCAL jit */
    else
        answer_record(j, j->res[0]);
}
