/*
 * req_search.c - SearchCases: the operators' search of the web console
 * (issue 14). Every filter optional, ANDed, newest first, at most 1,000
 * rows; answered with a CaseList like ListCases. Only services and
 * operators may send it (lib/authz.c): it reaches across every body and
 * matches residents' phones, and the console records each phone search.
 *
 * CaseDeparture, for a body's inbox: the last event that moved a case
 * away from the caller's body (its desk or staff), so the inbox can say a
 * case was escalated, returned or re-dispatched. The body reads only that
 * event's kind, time, actor and the new holder, never the case itself.
 *
 * Cost: the case id, the (channel, channel id) pair, the phone (partial
 * index, 015_console_phone_index.sql), the body and the state use the
 * cases table's indexes; a part of the text or address is a
 * scan of the cases the other filters leave (bounded by the LIMIT in
 * newest-first order when most rows match).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "case_model.h"
#include "domain.h"
#include "handler.h"
#include "identity.h"

#define SEARCH_DEFAULT 100
#define SEARCH_MAX 1000

/* Every filter, ANDed; "$n = ''" turns one off. */
#define SEARCH_WHERE                                                                               \
    " ($1 = '' OR c.case_id = $1)"                                                                 \
    " AND ($2 = '' OR c.channel = $2) AND ($3 = '' OR c.channel_id = $3)"                          \
    " AND ($4 = '' OR (c.resident_phone = $4 AND c.resident_phone <> ''))"                         \
    " AND ($5 = '' OR strpos(c.address, $5) > 0) AND ($6 = '' OR strpos(c.text, $6) > 0)"          \
    " AND ($7 = '' OR c.compound_code IN (SELECT code FROM units WHERE $7 = ANY (path)))"          \
    " AND ($8 = '' OR c.body_id = $8) AND ($9 = '' OR c.category = $9)"                            \
    " AND (CASE $10 WHEN '' THEN true WHEN 'open' THEN c.state IN " CASE_OPEN_STATES_SQL           \
    "  ELSE c.state = $10 END)"                                                                    \
    " AND ($11::bigint = 0 OR c.created_at >= to_timestamp($11::bigint / 1000.0))"                 \
    " AND ($12::bigint = 0 OR c.created_at <= to_timestamp($12::bigint / 1000.0))"                 \
    " ORDER BY c.case_no DESC LIMIT $13::int"

/* One statement per leading filter. A prepared statement runs on
 * PostgreSQL's generic plan after five executions, and a generic plan
 * cannot use an index for "$n = '' OR col = $n": each variant below puts
 * the filter that has an index first, as a plain equality, so its plan
 * keeps the index whatever the other filters are. */
static const db_stmt_t stmts[] = {
    {"search_cases", "SELECT " CASE_COLS " FROM cases c WHERE" SEARCH_WHERE, 13},
    {"search_cases_id", "SELECT " CASE_COLS " FROM cases c WHERE c.case_id = $1 AND" SEARCH_WHERE,
     13},
    {"search_cases_phone",
     "SELECT " CASE_COLS " FROM cases c WHERE c.resident_phone = $4 AND c.resident_phone <> ''"
     " AND" SEARCH_WHERE,
     13},
    {"search_cases_body", "SELECT " CASE_COLS " FROM cases c WHERE c.body_id = $8 AND" SEARCH_WHERE,
     13},
};

static int validate(ledger_job_t *j)
{
    const Liandong__V1__SearchCases *q = j->req->search_cases;
    const struct {
        const char *v;
        const char *name;
    } f[] = {
        {q->case_id, "case_id"}, {q->channel, "channel"}, {q->channel_id, "channel_id"},
        {q->phone, "phone"},     {q->address, "address"}, {q->text, "text"},
        {q->unit, "unit"},       {q->body_id, "body_id"}, {q->category, "category"},
        {q->state, "state"},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (ledger_job_bad_text(j, f[i].v, f[i].name, LEDGER_ID_MAX * 4))
            return -EINVAL;
    if (*q->state && strcmp(q->state, "open") != 0 && case_state_from_name(q->state) < 0) {
        ledger_job_fail(j, LIANDONG__V1__ERROR_CODE__ERROR_BAD_REQUEST, "unknown state %.40s",
                        q->state);
        return -EINVAL;
    }
    if (q->to_ms != 0 && q->to_ms < q->from_ms) {
        ledger_job_fail(j, LIANDONG__V1__ERROR_CODE__ERROR_BAD_REQUEST, "to_ms before from_ms");
        return -EINVAL;
    }
    j->actor = ledger_job_actor(j, "");
    if (j->actor == NULL) {
        ledger_job_fail(j, LIANDONG__V1__ERROR_CODE__ERROR_FORBIDDEN, "this key may not search");
        return -EPERM;
    }
    return 0;
}

static const char *i64(ledger_job_t *j, int64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "%lld", (long long)v);
    return ledger_job_strdup(j, b);
}

static int send(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__SearchCases *q = j->req->search_cases;
    uint32_t lim = q->limit == 0 ? SEARCH_DEFAULT : (q->limit > SEARCH_MAX ? SEARCH_MAX : q->limit);
    const char **v = j->params;
    v[0] = q->case_id;
    v[1] = q->channel;
    v[2] = q->channel_id;
    v[3] = q->phone;
    v[4] = q->address;
    v[5] = q->text;
    v[6] = q->unit;
    v[7] = q->body_id;
    v[8] = q->category;
    v[9] = q->state;
    v[10] = i64(j, q->from_ms);
    v[11] = i64(j, q->to_ms);
    v[12] = ledger_job_u32(j, lim);
    const char *stmt = *q->case_id   ? "search_cases_id"
                       : *q->phone   ? "search_cases_phone"
                       : *q->body_id ? "search_cases_body"
                                     : "search_cases";
    return ledger_job_send(db, j, stmt, 13, v);
}

static int answer(ledger_job_t *j)
{
    const PGresult *res = j->res[0];
    Liandong__V1__CaseList *l = ledger_job_alloc(j, sizeof(*l));
    liandong__v1__case_list__init(l);
    int n = PQntuples(res);
    l->cases = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__CaseRecord *));
    for (int i = 0; i < n; i++)
        l->cases[l->n_cases++] = ledger_job_record(j, res, i, j->actor);
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_LIST;
    j->answer.case_list = l;
    return 0;
}

const ledger_handler_t ledger_req_search_cases = {
    .name = "SearchCases",
    .body = LIANDONG__V1__ENVELOPE__BODY_SEARCH_CASES,
    .stmts = stmts,
    .n_stmts = sizeof stmts / sizeof stmts[0],
    .validate = validate,
    .decide = ledger_decide_nothing,
    .send = send,
    .answer = answer,
};

/* -------------------------------------------------------- CaseDeparture */

static const db_stmt_t departure_stmts[] = {
    /* $1 case, $2 the caller's body: the last event after which another
     * body (or none) held a case this body held just before it */
    {"case_departure",
     "SELECT kind, ld_ms(at), actor, COALESCE(body_id, '') FROM"
     " (SELECT seq, kind, at, actor, body_id, lag(body_id) OVER (ORDER BY seq) AS before"
     "  FROM case_events WHERE case_id = $1) x"
     " WHERE before = $2 AND body_id IS DISTINCT FROM $2 ORDER BY seq DESC LIMIT 1",
     2},
};

/* The caller's body: a body's desk or a staff person of it. */
static const char *caller_body(const ledger_job_t *j)
{
    const char *id = NULL;
    switch (identity_role(j->user, &id)) {
    case ROLE_BODY:
        return id;
    case ROLE_STAFF:
        return identity_staff_body(id);
    default:
        return NULL;
    }
}

static int departure_validate(ledger_job_t *j)
{
    const Liandong__V1__CaseDeparture *q = j->req->case_departure;
    if (ledger_job_missing(j, q->case_id, "case_id") ||
        ledger_job_bad_text(j, q->case_id, "case_id", LEDGER_ID_MAX))
        return -EINVAL;
    const char *body = caller_body(j);
    if (body == NULL || *body == '\0') {
        ledger_job_fail(j, E(FORBIDDEN), "only a body's desk or staff asks why a case left it");
        return -EPERM;
    }
    j->actor = body;
    return 0;
}

static int departure_send(db_t *db, ledger_job_t *j)
{
    const char **v = j->params;
    v[0] = j->req->case_departure->case_id;
    v[1] = caller_body(j);
    return ledger_job_send(db, j, "case_departure", 2, v);
}

static int departure_answer(ledger_job_t *j)
{
    const PGresult *res = j->res[0];
    if (PQntuples(res) != 1) {
        ledger_job_fail(j, E(NOT_FOUND), "case %.64s never left %.64s",
                        j->req->case_departure->case_id, caller_body(j));
        return -ENOENT;
    }
    Liandong__V1__CaseDeparted *d = ledger_job_alloc(j, sizeof(*d));
    liandong__v1__case_departed__init(d);
    d->kind = ledger_col_str(j, res, 0, 0);
    d->at_ms = ledger_col_i64(res, 0, 1);
    d->actor = ledger_col_str(j, res, 0, 2);
    d->to_body = ledger_col_str(j, res, 0, 3);
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_DEPARTED;
    j->answer.case_departed = d;
    return 0;
}

const ledger_handler_t ledger_req_case_departure = {
    .name = "CaseDeparture",
    .body = LIANDONG__V1__ENVELOPE__BODY_CASE_DEPARTURE,
    .stmts = departure_stmts,
    .n_stmts = sizeof departure_stmts / sizeof departure_stmts[0],
    .validate = departure_validate,
    .decide = ledger_decide_nothing,
    .send = departure_send,
    .answer = departure_answer,
};
