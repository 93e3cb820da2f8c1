/*
 * req_alerts.c - the ledger's side of the notifier (issue 5, handlers of
 * the table in handler.h; docs/notifier-ledger-contract.md):
 * ListDeadlines (a page of open cases' deadlines with the alerts already
 * recorded, and the event seq the page is consistent with) and RecordAlert
 * (insert an alert once per case, deadline, stage and due time; see
 * deploy/schema/003_alerts.sql). Both run inside the batch's transaction
 * like every other request.
 */
#include "handler.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_model.h"
#include "identity.h"
#include "log.h"

#define PAGE_MAX 20000
#define ALERTS_MAX 64 /* recorded alerts per case in one answer */

/* dl_list answers in binary (db_send_binary): timestamps come as raw
 * microseconds and pg_ms() turns them into milliseconds exactly as ld_ms()
 * (001_core.sql) does, so due times match the events' to the millisecond
 * (the alerts' key includes them). Converting in SQL (numeric extract, per
 * timestamp) and formatting every value as text were most of the server's
 * work for a page. */

/* The states whose cases have (or wait for) deadlines. A returned case
 * waits for re-dispatch and has no live deadline. The partial index
 * cases_open_deadlines (007) holds exactly these, so a page is a short
 * index range however many closed cases there are. */
#define OPEN_STATES "state IN " CASE_OPEN_STATES_SQL
/* One page of open cases after the cursor, in case_id order: the rows, and
 * (for the alerts' range) just their ids. */
#define PAGE_ROWS                                                                                  \
    "SELECT c.* FROM cases c WHERE c." OPEN_STATES " AND c.case_id > $1"                           \
    " ORDER BY c.case_id LIMIT $2::int"
#define PAGE_IDS                                                                                   \
    "SELECT k.case_id FROM cases k WHERE k." OPEN_STATES " AND k.case_id > $1"                     \
    " ORDER BY k.case_id LIMIT $2::int"

/* Open cases in case_id order after a cursor, with the head of the event
 * counter read in the SAME statement (one more row, with case_id NULL): one
 * snapshot, so the page reflects exactly the events up to as_of_seq (seq
 * order is commit order, see 001_core.sql). deadlines_from is when the
 * current due times were first set (the due_soon point is a share of the
 * limit from there); NULL means at creation (answer_list fills in
 * created_at).
 * With limit 0 only the seq row comes back (a probe).
 *
 * Why it is shaped this way (EXPLAIN ANALYZE at a million open cases,
 * 5000-row pages, on a busy 2-core machine: 36-58 ms before, 10-20 ms
 * after; the page query was most of the notifier's reload time):
 *  - the page is a plain ordered subquery, not a materialised CTE, and no
 *    hash join follows it, so the final ORDER BY sorts presorted rows; the
 *    seq comes as its own row, not joined to every row of the page;
 *  - recorded alerts: one hashed set of the ids in the page's range that
 *    have any (one index range scan), and the per-case aggregate runs only
 *    for those; a probe per row was 30 ms a page, and the old hash join
 *    with its upper bound over the CTE broke the order;
 *  - the whole-hours test compares date_trunc('hour', interval) with the
 *    interval (integer work) instead of numeric epoch arithmetic. */
static const db_stmt_t list_stmts[] = {
    {"dl_list",
     "SELECT NULL::bigint, p.case_id, p.body_id, p.body_kind, p.compound_code, p.category,"
     "  CASE WHEN p.state = '" CASE_STATE_RETURNED "' THEN NULL ELSE p.reply_due END,"
     "  CASE WHEN p.state = '" CASE_STATE_RETURNED "' THEN NULL ELSE p.resolve_due END,"
     "  p.created_at, p.replied_at IS NOT NULL, p.resolved_at IS NOT NULL,"
     /* Both limits run from the same now() (apply_action), so due times a
      * whole number of hours after creation were set at creation (NULL
      * here): only other cases need their events searched (4x faster at a
      * million), and a CASE runs that search only for them. */
     "  CASE WHEN date_trunc('hour', p.reply_due - p.created_at) = p.reply_due - p.created_at"
     "    AND date_trunc('hour', p.resolve_due - p.created_at) = p.resolve_due - p.created_at"
     /* a pause or a grant moves them by whole hours too (issue 15) */
     "    AND p.pauses = 0 AND p.extensions = 0"
     /* The first event that set the current due times; a pause or a resume
      * moves them without restarting the limit (the notifier's stream.c
      * agrees), so those are passed over for the last event that did give
      * new deadlines; NULL (creation) when that was the case's creation. */
     "   THEN NULL ELSE NULLIF(COALESCE((SELECT min(e.at) FROM case_events e"
     "    WHERE e.case_id = p.case_id AND e.reply_due = p.reply_due"
     "    AND e.resolve_due = p.resolve_due"
     "    AND e.kind NOT IN ('" CASE_EVENT_PAUSED "', '" CASE_EVENT_RESUMED "')),"
     "   (SELECT max(e.at) FROM case_events e WHERE e.case_id = p.case_id AND e.kind IN "
     "('" CASE_EVENT_ESCALATED "', '" CASE_EVENT_DISPATCHED "', '" CASE_EVENT_EXTENSION_GRANTED
     "', '" CASE_EVENT_RATED "'))), p.created_at) END,"
     "  CASE WHEN p.case_id IN (SELECT x.case_id FROM case_alerts x WHERE x.case_id > $1"
     "    AND x.case_id <= (SELECT max(k.case_id) FROM (" PAGE_IDS ") k))"
     "   THEN (SELECT string_agg(y.deadline || ' ' || y.stage || ' ' || y.due_ms, ',')"
     "    FROM case_alerts y WHERE y.case_id = p.case_id) ELSE '' END,"
     "  p.urgency = 'emergency', p.reply_clock, p.resolve_clock, p.demand_received_at,"
     "  CASE WHEN p.paused_at IS NOT NULL THEN p.pause_until END"
     " FROM (" PAGE_ROWS ") p"
     /* the seq row: case_id NULL, so it sorts last */
     " UNION ALL SELECT value, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
     "  NULL, NULL, NULL, NULL, NULL, NULL FROM ledger_counters WHERE name = 'event_seq'"
     " ORDER BY 2",
     2},
};

static const db_stmt_t record_stmts[] = {
    /* $1 case $2 deadline $3 stage $4 due ms $5 body $6 fired at ms. The
     * primary key makes the insert once-only, also against a concurrent
     * ledger (ON CONFLICT waits for the other transaction). */
    {"alert_record",
     "WITH c AS (SELECT case_id, body_id, body_kind, compound_code, category, urgency FROM cases"
     "  WHERE case_id = $1),"
     " ins AS (INSERT INTO case_alerts (case_id, deadline, stage, due_ms, body_id, fired_at_ms)"
     "  SELECT c.case_id, $2, $3, $4::bigint, $5, $6::bigint FROM c"
     "  ON CONFLICT DO NOTHING RETURNING 1)"
     " SELECT EXISTS (SELECT 1 FROM ins), c.body_id, c.category,"
     "  ld_escalate_to(c.body_id, c.body_kind, c.compound_code),"
     "  array_to_json(ld_party_branches(c.compound_code, c.body_id))::text,"
     "  c.urgency = 'emergency' FROM c",
     6},
};

static int bad_id(ledger_job_t *j, const char *s, const char *field, int required)
{
    if (required && (s == NULL || *s == '\0')) {
        ledger_job_fail(j, E(MISSING_FIELD), "missing field: %s", field);
        return 1;
    }
    if (s != NULL && wire_check_text(s, LEDGER_ID_MAX) != 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "%s is not text of at most %d bytes", field,
                        LEDGER_ID_MAX);
        return 1;
    }
    return 0;
}

static int one_of(const char *s, const char *a, const char *b, const char *c)
{
    return s && ((a && strcmp(s, a) == 0) || (b && strcmp(s, b) == 0) || (c && strcmp(s, c) == 0));
}

/* Only Liandong's services (the notifier) may read every open case's
 * deadlines or record alerts; a body or operator key may not mark an
 * alert as sent and so silence it. */
static int services_only(ledger_job_t *j)
{
    role_t role = identity_role(j->user, NULL);
    if (role != ROLE_SERVICE && role != ROLE_NONE) {
        ledger_job_fail(j, E(FORBIDDEN), "%s is for Liandong's services only",
                        wire_body_name(j->req));
        return -EPERM;
    }
    return 0;
}

static int list_validate(ledger_job_t *j)
{
    int rc = services_only(j);
    if (rc < 0)
        return rc;
    return bad_id(j, j->req->list_deadlines->after_case_id, "after_case_id", 0) ? -EINVAL : 0;
}

static int record_validate(ledger_job_t *j)
{
    int rc = services_only(j);
    if (rc < 0)
        return rc;
    const Liandong__V1__RecordAlert *r = j->req->record_alert;
    if (bad_id(j, r->case_id, "case_id", 1) || bad_id(j, r->body_id, "body_id", 0))
        return -EINVAL;
    if (!one_of(r->deadline, "reply", "resolve", NULL)) {
        ledger_job_fail(j, E(BAD_REQUEST), "deadline must be reply or resolve");
        return -EINVAL;
    }
    /* escalate: a resolution's, or an emergency's unanswered reply
     * (ROUTING.md section 7; the notifier asks only for emergencies). */
    if (!one_of(r->stage, "due_soon", "overdue", "escalate")) {
        ledger_job_fail(j, E(BAD_REQUEST), "stage must be due_soon, overdue or escalate");
        return -EINVAL;
    }
    if (r->due_ms <= 0 || r->at_ms < 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "due_ms must be > 0 and at_ms >= 0");
        return -EINVAL;
    }
    return 0;
}

static int list_send(db_t *db, ledger_job_t *j)
{
    const char **v = j->params;
    const Liandong__V1__ListDeadlines *q = j->req->list_deadlines;
    uint32_t lim = q->limit > PAGE_MAX ? PAGE_MAX : q->limit;
    v[0] = q->after_case_id ? q->after_case_id : "";
    v[1] = ledger_job_printf(j, "%" PRIu32, lim);
    /* The generic plan's cost crosses jit_above_cost, and compiling the
     * page query took longer than running it (5x at a million cases).
     * Only for this transaction. */
    if (ledger_job_send_cmd(db, j, "SET LOCAL jit = off") < 0 ||
        ledger_job_send_binary(db, j, "dl_list", 2, v) < 0)
        return -ENOTCONN;
    return 0;
}

static int record_send(db_t *db, ledger_job_t *j)
{
    const char **v = j->params;
    const Liandong__V1__RecordAlert *r = j->req->record_alert;
    v[0] = r->case_id;
    v[1] = r->deadline;
    v[2] = r->stage;
    v[3] = ledger_job_printf(j, "%" PRId64, r->due_ms);
    v[4] = r->body_id ? r->body_id : "";
    v[5] = ledger_job_printf(j, "%" PRId64, r->at_ms);
    return ledger_job_send(db, j, "alert_record", 6, v);
}

/* Big-endian 8-byte integer (int8, timestamptz) of a binary result;
 * NULL or a value of the wrong size (never from our statement) is 0. */
static int64_t bin_i64(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8)
        return 0;
    const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return (int64_t)v;
}

/* Microseconds since 2000-01-01 UTC (binary timestamptz) to milliseconds
 * since 1970 as ld_ms() computes them: (extract(epoch) * 1000)::bigint,
 * numeric rounded half away from zero. NULL and +-infinity are 0 (no due
 * time): ld_ms() would fail the whole page on an infinite time. */
static int64_t pg_ms(const PGresult *r, int row, int col)
{
    const int64_t epoch_shift_us = INT64_C(946684800000000); /* 1970 -> 2000 */
    int64_t us = bin_i64(r, row, col);
    if (PQgetisnull(r, row, col) || us == INT64_MIN || us > INT64_MAX - epoch_shift_us)
        return 0;
    int64_t e = us + epoch_shift_us;
    return e >= 0 ? (e + 500) / 1000 : -((-e + 500) / 1000);
}

static int bin_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetlength(r, row, col) == 1 &&
           PQgetvalue(r, row, col)[0] != 0;
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

/* Copies column col of row i into *buf (NUL-terminated; NULL is ""). */
static char *take(const PGresult *r, int i, int col, char **buf)
{
    char *s = *buf;
    size_t len = PQgetisnull(r, i, col) ? 0 : (size_t)PQgetlength(r, i, col);
    memcpy(s, PQgetvalue(r, i, col), len);
    s[len] = '\0';
    *buf += len + 1;
    return s;
}

/* A page is up to PAGE_MAX rows: the rows' messages and their five strings
 * each take one allocation for the whole page, not six per row (the
 * allocator was a quarter of the ledger's time for a reload). */
static int list_answer(ledger_job_t *j)
{
    const PGresult *r = j->res[1]; /* res[0]: SET LOCAL jit */
    Liandong__V1__DeadlineList *l = ledger_job_alloc(j, sizeof(*l));
    liandong__v1__deadline_list__init(l);
    int n = PQntuples(r);
    size_t bytes = 1;
    for (int i = 0; i < n; i++)
        for (int c = 1; c <= 5; c++)
            bytes += (size_t)PQgetlength(r, i, c) + 1;
    for (int i = 0; i < n; i++)
        for (int c = 14; c <= 15; c++)
            bytes += (size_t)PQgetlength(r, i, c) + 1;
    l->deadlines = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__OpenDeadline *));
    Liandong__V1__OpenDeadline *rows =
        ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__OpenDeadline));
    char *buf = ledger_job_alloc(j, bytes);
    for (int i = 0; i < n; i++) {
        if (PQgetisnull(r, i, 1)) { /* the seq row (see dl_list) */
            l->as_of_seq = (uint64_t)bin_i64(r, i, 0);
            continue;
        }
        Liandong__V1__OpenDeadline *d = &rows[l->n_deadlines];
        liandong__v1__open_deadline__init(d);
        d->case_id = take(r, i, 1, &buf);
        d->body_id = take(r, i, 2, &buf);
        d->body_kind = take(r, i, 3, &buf);
        d->compound_code = take(r, i, 4, &buf);
        d->category = take(r, i, 5, &buf);
        d->reply_due_ms = pg_ms(r, i, 6);
        d->resolve_due_ms = pg_ms(r, i, 7);
        d->created_at_ms = pg_ms(r, i, 8);
        d->replied = bin_bool(r, i, 9);
        d->resolved = bin_bool(r, i, 10);
        /* NULL: the due times were set at creation (see dl_list), so
         * their limits ran from the demand's received time (issue 15) */
        int64_t received = PQgetisnull(r, i, 16) ? 0 : pg_ms(r, i, 16);
        int64_t born = received > 0 && received < d->created_at_ms ? received : d->created_at_ms;
        d->deadlines_from_ms = PQgetisnull(r, i, 11) ? born : pg_ms(r, i, 11);
        parse_alerts(j, PQgetisnull(r, i, 12) ? "" : PQgetvalue(r, i, 12), d);
        d->emergency = bin_bool(r, i, 13);
        d->reply_clock = take(r, i, 14, &buf);
        d->resolve_clock = take(r, i, 15, &buf);
        d->pause_until_ms = PQgetisnull(r, i, 17) ? 0 : pg_ms(r, i, 17);
        l->deadlines[l->n_deadlines++] = d;
    }
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_DEADLINE_LIST;
    j->answer.deadline_list = l;
    return 0;
}

static int record_answer(ledger_job_t *j)
{
    const PGresult *r = j->res[0];
    const Liandong__V1__RecordAlert *q = j->req->record_alert;
    if (PQntuples(r) != 1) {
        ledger_job_fail(j, E(NOT_FOUND), "no case %.64s", q->case_id);
        return -ENOENT;
    }
    Liandong__V1__AlertRecorded *a = ledger_job_alloc(j, sizeof(*a));
    liandong__v1__alert_recorded__init(a);
    a->first = boolean(r, 0, 0);
    a->body_id = str(j, r, 0, 1);
    a->category = str(j, r, 0, 2);
    a->escalate_to = str(j, r, 0, 3);
    a->emergency = boolean(r, 0, 5);
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
    return 0;
}

const ledger_handler_t ledger_req_list_deadlines = {
    .name = "ListDeadlines",
    .body = LIANDONG__V1__ENVELOPE__BODY_LIST_DEADLINES,
    .stmts = list_stmts,
    .n_stmts = sizeof list_stmts / sizeof list_stmts[0],
    .validate = list_validate,
    .decide = ledger_decide_nothing,
    .send = list_send,
    .answer = list_answer,
};

const ledger_handler_t ledger_req_record_alert = {
    .name = "RecordAlert",
    .body = LIANDONG__V1__ENVELOPE__BODY_RECORD_ALERT,
    .stmts = record_stmts,
    .n_stmts = sizeof record_stmts / sizeof record_stmts[0],
    .validate = record_validate,
    .decide = ledger_decide_nothing,
    .send = record_send,
    .answer = record_answer,
};
