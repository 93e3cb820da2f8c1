/*
 * req_channel.c - what a front-end reads and adds about its own channel's
 * cases (issue 13): ChannelCasesQuery (look-up by the channel's own ticket
 * ids, or filtered lists), ChannelUpdatesQuery (the replies, resolutions,
 * returns, escalations and reopens its residents are told about),
 * CaseComment (a resident's comment into the case's history), and the
 * demand's extras kept with a new case (case_extras: position, media_url,
 * attributes, service_code, e-mail), stored by CreateCase.
 *
 * Scope: a front-end's key reads and comments on its channel's cases only
 * (the channel is taken from its key, docs/roles.md); services and
 * operators name the channel they read.
 *
 * Why updates are polled, not streamed: the ledger's event stream admits
 * services and operators only (a ZeroMQ topic is a prefix and the stream
 * carries every channel's events; docs/roles.md), so a per-channel stream
 * would be a second publisher with its own subscription rules. A poll with
 * the last update_id it has (the event's seq, gap-free and in commit order)
 * gives a front-end everything a stream would, survives its restarts with
 * no replay logic (it keeps one number), is scoped by the same key check
 * as every other ledger request, and is what Open311's
 * servicerequestupdates is anyway (a client asks "since when"). The cost is
 * a query per poll, bounded by the limit and the seq index.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "case_model.h"
#include "domain.h"
#include "handler.h"
#include "ledger_clock.h"
#include "identity.h"
#include "req_channel.h"

#define CHANNEL_LIST_MAX 1000
#define CHANNEL_IDS_MAX 1000
#define MEDIA_URL_MAX 2048
#define ATTRIBUTES_MAX 8192
#define EMAIL_MAX 254

/* The channel a request reads: a front-end's own (from its key; a
 * different one in the request is FORBIDDEN), else the request's, which
 * must then be given. Returns the channel or NULL (the job answered). */
static const char *scoped_channel(ledger_job_t *j, const char *asked)
{
    const char *id = NULL;
    if (identity_role(j->user, &id) == ROLE_FRONTEND) {
        int c = authz_frontend_channel(id);
        if (c < 0) {
            ledger_job_fail(j, E(FORBIDDEN), "this front-end key serves no channel");
            return NULL;
        }
        const char *own = channel_name((channel_t)c);
        if (*asked && strcmp(asked, own) != 0) {
            ledger_job_fail(j, E(FORBIDDEN), "a %s front-end reads only its own channel's cases",
                            own);
            return NULL;
        }
        return own;
    }
    if (*asked == '\0' || channel_from_name(asked, strlen(asked)) < 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "channel: one of ROUTING.md's channels is required");
        return NULL;
    }
    return asked;
}

static int bad_list(ledger_job_t *j, char **v, size_t n, const char *field)
{
    if (n > CHANNEL_IDS_MAX) {
        ledger_job_fail(j, E(BAD_REQUEST), "%s: at most %d", field, CHANNEL_IDS_MAX);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        if (ledger_job_bad_text(j, v[i], field, LEDGER_ID_MAX))
            return 1;
    return 0;
}

static uint32_t clamp_limit(uint32_t l)
{
    return l == 0 || l > CHANNEL_LIST_MAX ? CHANNEL_LIST_MAX : l;
}

/* ------------------------------------------------------- ChannelCasesQuery */

/* The rows of every ChannelCasesQuery statement (after CASE_COLS), from
 * `src`, the cases asked for, as c. */
#define CHANNEL_CASE_COLS(src)                                                                     \
    CASE_COLS ", c.reply_text, c.resolution_text, COALESCE(b.name, ''),"                           \
              " ld_ms(GREATEST(c.created_at, (SELECT max(e.at) FROM case_events e"                 \
              "  WHERE e.case_id = c.case_id))),"                                                  \
              " COALESCE(x.has_position, false), COALESCE(x.lat, 0), COALESCE(x.lon, 0),"          \
              " COALESCE(x.media_url, ''), COALESCE(x.service_code, ''),"                          \
              " COALESCE(x.attributes_json, '')"                                                   \
              " FROM " src " c LEFT JOIN case_extras x ON x.case_id = c.case_id"                   \
              " LEFT JOIN bodies b ON b.id = c.body_id"

/* Three statements, one per way of asking, each with a plain condition
 * its index answers (an "OR this filter is off" in one statement would
 * make every plan a scan of the channel's cases). */
static const db_stmt_t cases_stmts[] = {
    /* $1 channel $2 case ids (text[]: the primary key's index) */
    /* OFFSET 0 keeps the channel's condition out of the subquery: the
     * cases are found by their key, then checked for the channel (a plan
     * that scans the channel's cases for the ids would grow with them). */
    {"channel_cases_by_id",
     "SELECT " CHANNEL_CASE_COLS("(SELECT * FROM cases WHERE case_id = ANY($2::text[]) OFFSET "
                                 "0)") " WHERE c.channel = $1"
                                       " ORDER BY c.created_at DESC, c.case_no DESC",
     2},
    /* $1 channel $2 the channel's ticket ids (text[]): UNIQUE (channel, channel_id) */
    {"channel_cases_by_ticket",
     "SELECT " CHANNEL_CASE_COLS("cases") " WHERE c.channel = $1 AND c.channel_id = ANY($2::text[])"
                                          " ORDER BY c.created_at DESC, c.case_no DESC",
     2},
    /* $1 channel $2 category ('' any) $3 status (open, closed, '') $4 from
     * ms $5 to ms (0: unbounded) $6 limit: cases_channel_created */
    {"channel_cases_list",
     "SELECT " CHANNEL_CASE_COLS(
         "cases") " WHERE c.channel = $1"
                  " AND c.created_at >= to_timestamp($4::bigint / 1000.0)"
                  " AND c.created_at < CASE WHEN $5::bigint = 0 THEN 'infinity'::timestamptz"
                  "  ELSE to_timestamp($5::bigint / 1000.0) END"
                  " AND ($2 = '' OR c.category = $2)"
                  " AND ($3 = '' OR ($3 = 'closed') = (c.state IN ('" CASE_STATE_RESOLVED
                  "', '" CASE_STATE_CLOSED "')))"
                  " ORDER BY c.created_at DESC, c.case_no DESC LIMIT $6::int",
     6},
};

static int cases_validate(ledger_job_t *j)
{
    const Liandong__V1__ChannelCasesQuery *q = j->req->channel_cases_query;
    if (ledger_job_bad_text(j, q->channel, "channel", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, q->category, "category", LEDGER_ID_MAX) ||
        bad_list(j, q->channel_ids, q->n_channel_ids, "channel_ids") ||
        bad_list(j, q->case_ids, q->n_case_ids, "case_ids"))
        return -EINVAL;
    if (*q->status && strcmp(q->status, "open") != 0 && strcmp(q->status, "closed") != 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "status: open or closed");
        return -EINVAL;
    }
    if (q->from_ms < 0 || q->to_ms < 0 || (q->to_ms && q->from_ms > q->to_ms)) {
        ledger_job_fail(j, E(BAD_REQUEST), "from_ms after to_ms");
        return -EINVAL;
    }
    j->actor = ledger_job_actor(j, "");
    return scoped_channel(j, q->channel) ? 0 : -EPERM;
}

static int cases_send(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__ChannelCasesQuery *q = j->req->channel_cases_query;
    const char **v = j->params;
    v[0] = scoped_channel(j, q->channel);
    if (q->n_case_ids > 0 || q->n_channel_ids > 0) {
        int by_id = q->n_case_ids > 0;
        v[1] = by_id ? ledger_job_array(j, q->case_ids, q->n_case_ids)
                     : ledger_job_array(j, q->channel_ids, q->n_channel_ids);
        return ledger_job_send(db, j, by_id ? "channel_cases_by_id" : "channel_cases_by_ticket", 2,
                               v);
    }
    v[1] = q->category;
    v[2] = q->status;
    v[3] = ledger_job_printf(j, "%" PRId64, q->from_ms);
    v[4] = ledger_job_printf(j, "%" PRId64, q->to_ms);
    v[5] = ledger_job_u32(j, clamp_limit(q->limit));
    return ledger_job_send(db, j, "channel_cases_list", 6, v);
}

static double col_double(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtod(PQgetvalue(r, row, col), NULL);
}

static int cases_answer(ledger_job_t *j)
{
    const PGresult *r = j->res[0];
    Liandong__V1__ChannelCaseList *l = ledger_job_alloc(j, sizeof(*l));
    liandong__v1__channel_case_list__init(l);
    int n = PQntuples(r);
    l->cases = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__ChannelCase *));
    for (int i = 0; i < n; i++) {
        Liandong__V1__ChannelCase *c = ledger_job_alloc(j, sizeof(*c));
        liandong__v1__channel_case__init(c);
        int k = NCASE_COLS;
        c->record = ledger_job_record(j, r, i, j->actor);
        c->reply_text = ledger_col_str(j, r, i, k);
        c->resolution_text = ledger_col_str(j, r, i, k + 1);
        c->body_name = ledger_col_str(j, r, i, k + 2);
        c->updated_at_ms = ledger_col_i64(r, i, k + 3);
        c->has_position = ledger_col_bool(r, i, k + 4);
        c->lat = col_double(r, i, k + 5);
        c->lon = col_double(r, i, k + 6);
        c->media_url = ledger_col_str(j, r, i, k + 7);
        c->service_code = ledger_col_str(j, r, i, k + 8);
        c->attributes_json = ledger_col_str(j, r, i, k + 9);
        l->cases[l->n_cases++] = c;
    }
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_CHANNEL_CASE_LIST;
    j->answer.channel_case_list = l;
    return 0;
}

const ledger_handler_t ledger_req_channel_cases = {
    .name = "ChannelCasesQuery",
    .body = LIANDONG__V1__ENVELOPE__BODY_CHANNEL_CASES_QUERY,
    .stmts = cases_stmts,
    .n_stmts = sizeof cases_stmts / sizeof cases_stmts[0],
    .validate = cases_validate,
    .decide = ledger_decide_nothing,
    .send = cases_send,
    .answer = cases_answer,
};

/* ----------------------------------------------------- ChannelUpdatesQuery */

/* The events a resident is told about, by name: a dissatisfied rating
 * that reopened the case (to replied) is a reopen, one that moved it up a
 * rung (to assigned) an escalation. */
#define UPDATE_COLS                                                                                \
    "SELECT e.seq, e.case_id, c.channel_id,"                                                       \
    " CASE e.kind WHEN '" CASE_EVENT_REPLIED "' THEN 'reply'"                                      \
    "  WHEN '" CASE_EVENT_RESOLVED "' THEN 'resolution' WHEN '" CASE_EVENT_RETURNED                \
    "' THEN 'return'"                                                                              \
    "  WHEN '" CASE_EVENT_ESCALATED "' THEN 'escalation'"                                          \
    "  ELSE CASE WHEN e.to_state = '" CASE_STATE_ASSIGNED "' THEN 'escalation' ELSE 'reopen' END"  \
    " END, e.to_state, e.note, ld_ms(e.at), e.body_id, COALESCE(b.name, '')"                       \
    " FROM case_events e JOIN cases c ON c.case_id = e.case_id"                                    \
    " LEFT JOIN bodies b ON b.id = e.body_id"
/* The kinds told (the predicate of case_events_updates, 015). */
#define UPDATE_KINDS                                                                               \
    " e.kind IN ('" CASE_EVENT_REPLIED "', '" CASE_EVENT_RESOLVED "', '" CASE_EVENT_RETURNED       \
    "', '" CASE_EVENT_ESCALATED "', '" CASE_EVENT_RATED "')"                                       \
    " AND (e.kind <> '" CASE_EVENT_RATED "' OR e.to_state <> '" CASE_STATE_CLOSED "')"

/* The resident is told what happened, by name: a dissatisfied rating that
 * reopened the case (to replied) is a reopen, one that moved it up a rung
 * (to assigned) an escalation. Two statements: after an update_id (the
 * primary key's range), or since a moment (case_events_updates). */
static const db_stmt_t updates_stmts[] = {
    /* $1 channel $2 after seq $3 case ids (text[], {} all) $4 limit */
    {"channel_updates_after",
     UPDATE_COLS " WHERE e.seq > $2::bigint AND" UPDATE_KINDS " AND c.channel = $1"
                 " AND (cardinality($3::text[]) = 0 OR e.case_id = ANY($3::text[]))"
                 " ORDER BY e.seq LIMIT $4::int",
     4},
    /* $1 channel $2 after seq $3 case ids $4 limit $5 since ms */
    {"channel_updates_since",
     UPDATE_COLS " WHERE e.at >= to_timestamp($5::bigint / 1000.0) AND" UPDATE_KINDS
                 " AND e.seq > $2::bigint AND c.channel = $1"
                 " AND (cardinality($3::text[]) = 0 OR e.case_id = ANY($3::text[]))"
                 " ORDER BY e.seq LIMIT $4::int",
     5},
};

static int updates_validate(ledger_job_t *j)
{
    const Liandong__V1__ChannelUpdatesQuery *q = j->req->channel_updates_query;
    if (ledger_job_bad_text(j, q->channel, "channel", LEDGER_ID_MAX) ||
        bad_list(j, q->case_ids, q->n_case_ids, "case_ids"))
        return -EINVAL;
    if (q->since_ms < 0 || q->after_seq > (uint64_t)INT64_MAX) {
        ledger_job_fail(j, E(BAD_REQUEST), "since_ms or after_seq out of range");
        return -EINVAL;
    }
    j->actor = ledger_job_actor(j, "");
    return scoped_channel(j, q->channel) ? 0 : -EPERM;
}

static int updates_send(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__ChannelUpdatesQuery *q = j->req->channel_updates_query;
    const char **v = j->params;
    v[0] = scoped_channel(j, q->channel);
    v[1] = ledger_job_printf(j, "%" PRIu64, q->after_seq);
    v[2] = ledger_job_array(j, q->case_ids, q->n_case_ids);
    v[3] = ledger_job_u32(j, clamp_limit(q->limit));
    if (q->since_ms <= 0)
        return ledger_job_send(db, j, "channel_updates_after", 4, v);
    v[4] = ledger_job_printf(j, "%" PRId64, q->since_ms);
    return ledger_job_send(db, j, "channel_updates_since", 5, v);
}

static int updates_answer(ledger_job_t *j)
{
    const PGresult *r = j->res[0];
    Liandong__V1__ChannelUpdateList *l = ledger_job_alloc(j, sizeof(*l));
    liandong__v1__channel_update_list__init(l);
    int n = PQntuples(r);
    l->updates = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__ChannelUpdate *));
    for (int i = 0; i < n; i++) {
        Liandong__V1__ChannelUpdate *u = ledger_job_alloc(j, sizeof(*u));
        liandong__v1__channel_update__init(u);
        u->update_id = (uint64_t)ledger_col_i64(r, i, 0);
        u->case_id = ledger_col_str(j, r, i, 1);
        u->channel_id = ledger_col_str(j, r, i, 2);
        u->kind = ledger_col_str(j, r, i, 3);
        u->state = ledger_col_str(j, r, i, 4);
        u->note = ledger_col_str(j, r, i, 5);
        u->at_ms = ledger_col_i64(r, i, 6);
        u->body_id = ledger_col_str(j, r, i, 7);
        u->body_name = ledger_col_str(j, r, i, 8);
        l->updates[l->n_updates++] = u;
    }
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_CHANNEL_UPDATE_LIST;
    j->answer.channel_update_list = l;
    return 0;
}

const ledger_handler_t ledger_req_channel_updates = {
    .name = "ChannelUpdatesQuery",
    .body = LIANDONG__V1__ENVELOPE__BODY_CHANNEL_UPDATES_QUERY,
    .stmts = updates_stmts,
    .n_stmts = sizeof updates_stmts / sizeof updates_stmts[0],
    .validate = updates_validate,
    .decide = ledger_decide_nothing,
    .send = updates_send,
    .answer = updates_answer,
};

/* ------------------------------------------------------------ CaseComment */

static const db_stmt_t comment_stmts[] = {
    /* $1 case $2 channel ('' = any: operators) $3 actor $4 text
     * $5 request id (the idempotency key) $6 on behalf of. A key seen
     * before answers its first event (duplicate) and records nothing. */
    {"case_comment",
     "WITH c AS (SELECT case_id, state, body_id, reply_due, resolve_due FROM cases"
     "  WHERE case_id = $1 AND ($2 = '' OR channel = $2)),"
     " prior AS (SELECT * FROM case_events WHERE request_id = $5),"
     " s AS (SELECT ld_next_seq(1) AS seq FROM c WHERE NOT EXISTS (SELECT 1 FROM prior)),"
     " e AS (INSERT INTO case_events (seq, case_id, kind, actor, from_state, to_state, body_id,"
     "  note, at, reply_due, resolve_due, request_id, on_behalf_of)"
     "  SELECT s.seq, c.case_id, '" CASE_EVENT_COMMENTED "', $3, c.state, c.state, c.body_id, $4,"
     "   " LD_NOW_SQL ", c.reply_due, c.resolve_due, $5, $6 FROM c, s RETURNING *)"
     " SELECT " EVENT_COLS("e.") ", false FROM e"
                                 " UNION ALL SELECT " EVENT_COLS("p.") ", true FROM prior p",
     6},
    /* The demands' extras, sent by CreateCase (req_case.c) after the
     * batch's cases in the same transaction; prepared with these. Text
     * arrays, one element per demand: $1 channel $2 channel id $3 has
     * position $4 lat $5 lon $6 media url $7 attributes $8 service code
     * $9 e-mail. A repeat of a demand keeps the first extras. */
    {LEDGER_EXTRAS_GROUP_STMT,
     "INSERT INTO case_extras (case_id, has_position, lat, lon, media_url, attributes_json,"
     " service_code, resident_email)"
     " SELECT c.case_id, x.hp::bool, CASE WHEN x.hp::bool THEN x.lat::float8 END,"
     " CASE WHEN x.hp::bool THEN x.lon::float8 END, x.media, x.attrs, x.code, x.email"
     " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
     " $7::text[], $8::text[], $9::text[])"
     " AS x(channel, channel_id, hp, lat, lon, media, attrs, code, email)"
     " JOIN cases c ON c.channel = x.channel AND c.channel_id = x.channel_id"
     " ON CONFLICT (case_id) DO NOTHING",
     9},
};

static int comment_validate(ledger_job_t *j)
{
    const Liandong__V1__CaseComment *c = j->req->case_comment;
    if (ledger_job_missing(j, c->case_id, "case_id") || ledger_job_missing(j, c->text, "text") ||
        ledger_job_missing(j, c->idempotency_key, "idempotency_key") ||
        ledger_job_bad_text(j, c->case_id, "case_id", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, c->text, "text", LEDGER_TEXT_MAX) ||
        ledger_job_bad_text(j, c->idempotency_key, "idempotency_key", LEDGER_ID_MAX))
        return -EINVAL;
    j->actor = ledger_job_actor(j, "");
    if (j->actor == NULL) {
        ledger_job_fail(j, E(FORBIDDEN), "this key may not comment");
        return -EPERM;
    }
    if (identity_role(j->user, NULL) == ROLE_FRONTEND && scoped_channel(j, "") == NULL)
        return -EPERM;
    return 0;
}

static int comment_send(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__CaseComment *c = j->req->case_comment;
    const char **v = j->params;
    v[0] = c->case_id;
    v[1] = identity_role(j->user, NULL) == ROLE_FRONTEND ? scoped_channel(j, "") : "";
    v[2] = j->actor;
    v[3] = c->text;
    /* Its own space of request ids: a comment key never meets another
     * request's id. */
    v[4] = ledger_job_printf(j, "comment:%s:%s", v[1], c->idempotency_key);
    v[5] = identity_role(j->user, NULL) == ROLE_FRONTEND ? "resident" : "";
    return ledger_job_send(db, j, "case_comment", 6, v);
}

static int comment_answer(ledger_job_t *j)
{
    const PGresult *r = j->res[0];
    if (PQntuples(r) < 1) {
        ledger_job_fail(j, E(NOT_FOUND), "no case %.64s on this channel",
                        j->req->case_comment->case_id);
        return -ENOENT;
    }
    Liandong__V1__CaseEvent *e = ledger_job_event(j, r, 0);
    if (strcmp(e->case_id, j->req->case_comment->case_id) != 0) {
        ledger_job_fail(j, E(CONFLICT), "idempotency_key already used for another case");
        return -EEXIST;
    }
    ledger_job_action_done(j, e, ledger_col_bool(r, 0, NEVENT_COLS));
    return 0;
}

const ledger_handler_t ledger_req_case_comment = {
    .name = "CaseComment",
    .body = LIANDONG__V1__ENVELOPE__BODY_CASE_COMMENT,
    .stmts = comment_stmts,
    .n_stmts = sizeof comment_stmts / sizeof comment_stmts[0],
    .validate = comment_validate,
    .decide = ledger_decide_nothing,
    .send = comment_send,
    .answer = comment_answer,
};

/* ------------------------------------------------------ the demand's extras */

static int has_extras(const Liandong__V1__Demand *d)
{
    return d->has_position || *d->media_url || *d->attributes_json || *d->service_code ||
           *d->resident_email;
}

int ledger_extras_validate(ledger_job_t *j, const Liandong__V1__Demand *d)
{
    if (ledger_job_bad_text(j, d->media_url, "demand.media_url", MEDIA_URL_MAX) ||
        ledger_job_bad_text(j, d->attributes_json, "demand.attributes_json", ATTRIBUTES_MAX) ||
        ledger_job_bad_text(j, d->service_code, "demand.service_code", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, d->resident_email, "demand.resident_email", EMAIL_MAX))
        return -EINVAL;
    if (d->has_position &&
        !(isfinite(d->lat) && isfinite(d->lon) && fabs(d->lat) <= 90 && fabs(d->lon) <= 180)) {
        ledger_job_fail(j, E(BAD_REQUEST), "demand.lat/lon: degrees within [-90, 90], [-180, 180]");
        return -EINVAL;
    }
    return 0;
}

int ledger_extras_values(ledger_job_t *j, const Liandong__V1__Demand *d,
                         const char *v[LEDGER_EXTRAS_COLS])
{
    if (!has_extras(d))
        return 0;
    v[0] = d->channel;
    v[1] = d->channel_id;
    v[2] = d->has_position ? "t" : "f";
    v[3] = ledger_job_printf(j, "%.9f", d->lat);
    v[4] = ledger_job_printf(j, "%.9f", d->lon);
    v[5] = d->media_url;
    v[6] = d->attributes_json;
    v[7] = d->service_code;
    v[8] = d->resident_email;
    return 1;
}
