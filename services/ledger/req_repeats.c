/*
 * req_repeats.c - one case for one problem (issue 19, docs/repeats.md):
 * RepeatCandidates (the open cases of a compound and category the router
 * scores a new demand against), JoinCase (the demand kept as one more
 * reporter of a case: no new case, no delivery), UnlinkReporter (an
 * operator undoes a wrong join: the reporter becomes a case of its own)
 * and CaseFollowUp (a resident's front-end adds to the case or withdraws).
 * Handlers of the table in handler.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "authz.h"
#include "case_model.h"
#include "domain.h"
#include "handler.h"
#include "identity.h"
#include "ledger_clock.h"
#include "log.h"
#include "req_repeats.h"

#define CANDIDATES_DEFAULT 50
#define CANDIDATES_MAX 200
#define WINDOW_HOURS_MAX 8760

/* ------------------------------------------------------ RepeatCandidates */

static const db_stmt_t cand_stmts[] = {
    /* $1 compound $2 category $3 window hours $4 limit; bounded and newest
     * first (cases_repeat_idx) so a compound with a long history costs the
     * same as a quiet one. */
    {"repeat_candidates",
     "SELECT case_id, text, ld_ms(created_at) FROM cases"
     " WHERE compound_code = $1 AND category = $2 AND state IN " CASE_OPEN_STATES_SQL
     " AND created_at > " LD_NOW_SQL " - make_interval(hours => $3::int)"
     " ORDER BY created_at DESC LIMIT $4::int",
     4},
};

static int cand_validate(ledger_job_t *j)
{
    const Liandong__V1__RepeatCandidates *q = j->req->repeat_candidates;
    if (ledger_job_missing(j, q->compound_code, "compound_code") ||
        ledger_job_missing(j, q->category, "category") ||
        ledger_job_bad_text(j, q->compound_code, "compound_code", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, q->category, "category", LEDGER_ID_MAX))
        return -EINVAL;
    if (q->window_hours < 1 || q->window_hours > WINDOW_HOURS_MAX || q->limit > CANDIDATES_MAX) {
        ledger_job_fail(j, E(BAD_REQUEST), "window_hours 1-%d, limit at most %d", WINDOW_HOURS_MAX,
                        CANDIDATES_MAX);
        return -EINVAL;
    }
    j->actor = "";
    return 0;
}

static int cand_send(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__RepeatCandidates *q = j->req->repeat_candidates;
    const char **v = j->params;
    v[0] = q->compound_code;
    v[1] = q->category;
    v[2] = ledger_job_u32(j, q->window_hours);
    v[3] = ledger_job_u32(j, q->limit ? q->limit : CANDIDATES_DEFAULT);
    return ledger_job_send(db, j, "repeat_candidates", 4, v);
}

static int cand_answer(ledger_job_t *j)
{
    const PGresult *r = j->res[0];
    int n = PQntuples(r);
    Liandong__V1__RepeatCandidateList *l = ledger_job_alloc(j, sizeof(*l));
    liandong__v1__repeat_candidate_list__init(l);
    l->cases = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__RepeatCandidate *));
    for (int i = 0; i < n; i++) {
        Liandong__V1__RepeatCandidate *c = ledger_job_alloc(j, sizeof(*c));
        liandong__v1__repeat_candidate__init(c);
        c->case_id = ledger_col_str(j, r, i, 0);
        c->text = ledger_col_str(j, r, i, 1);
        c->created_at_ms = ledger_col_i64(r, i, 2);
        l->cases[l->n_cases++] = c;
    }
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_REPEAT_CANDIDATE_LIST;
    j->answer.repeat_candidate_list = l;
    return 0;
}

const ledger_handler_t ledger_req_repeat_candidates = {
    .name = "RepeatCandidates",
    .body = LIANDONG__V1__ENVELOPE__BODY_REPEAT_CANDIDATES,
    .stmts = cand_stmts,
    .n_stmts = sizeof cand_stmts / sizeof cand_stmts[0],
    .validate = cand_validate,
    .decide = ledger_decide_nothing,
    .send = cand_send,
    .answer = cand_answer,
};

/* -------------------------------------------------------------- JoinCase */

static const db_stmt_t join_stmts[] = {
    /* $1 case $2 channel $3 channel_id $4 text $5 address $6 name $7 phone
     * $8 received_at_ms $9 actor. One statement: the case is locked while
     * the reporter and its event are written. A ticket already a case's or
     * a reporter's answers that first outcome (the front-end's retry). */
    {"join_case",
     "WITH prior AS (SELECT r.case_id FROM case_reporters r WHERE r.channel = $2"
     "  AND r.channel_id = $3 UNION ALL SELECT p.case_id FROM cases p"
     "  WHERE p.channel = $2 AND p.channel_id = $3),"
     " t AS (SELECT case_id, state, body_id, reply_due, resolve_due FROM cases"
     "  WHERE case_id = $1 AND state IN " CASE_OPEN_STATES_SQL
     "  AND NOT EXISTS (SELECT 1 FROM prior) FOR UPDATE),"
     " ins AS (INSERT INTO case_reporters (case_id, channel, channel_id, text, address,"
     "  resident_name, resident_phone, demand_received_at, actor)"
     "  SELECT t.case_id, $2, $3, $4, $5, $6, $7,"
     "  CASE WHEN $8::bigint > 0 THEN to_timestamp($8::bigint / 1000.0) END, $9 FROM t"
     "  ON CONFLICT (channel, channel_id) DO NOTHING RETURNING case_id),"
     " s AS (SELECT ld_next_seq(1) AS seq FROM ins),"
     " ev AS (INSERT INTO case_events (seq, case_id, kind, actor, from_state, to_state, body_id,"
     "  note, at, reply_due, resolve_due)"
     "  SELECT s.seq, t.case_id, '" CASE_EVENT_REPORTER_JOINED "', $9, t.state, t.state,"
     "  t.body_id, $2 || ':' || $3, " LD_NOW_SQL
     ", t.reply_due, t.resolve_due FROM t, s RETURNING seq)"
     " SELECT " CASE_COLS ", false, (SELECT seq FROM ev), ld_ms(" LD_NOW_SQL ") FROM cases c"
     "  WHERE c.case_id = (SELECT case_id FROM ins)"
     " UNION ALL SELECT " CASE_COLS ", true, 0, 0 FROM cases c"
     "  WHERE c.case_id = (SELECT case_id FROM prior LIMIT 1)",
     9},
};

static int join_validate(ledger_job_t *j)
{
    const Liandong__V1__JoinCase *q = j->req->join_case;
    if (q->demand == NULL) {
        ledger_job_fail(j, E(MISSING_FIELD), "missing field: demand");
        return -EINVAL;
    }
    const Liandong__V1__Demand *d = q->demand;
    if (ledger_job_missing(j, q->case_id, "case_id") ||
        ledger_job_missing(j, d->channel, "demand.channel") ||
        ledger_job_missing(j, d->channel_id, "demand.channel_id") ||
        ledger_job_bad_text(j, q->case_id, "case_id", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, d->channel_id, "demand.channel_id", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, d->text, "demand.text", LEDGER_TEXT_MAX) ||
        ledger_job_bad_text(j, d->address, "demand.address", LIMIT_ADDRESS_MAX) ||
        ledger_job_bad_text(j, d->resident_name, "demand.resident_name", LIMIT_NAME_MAX) ||
        ledger_job_bad_text(j, d->resident_phone, "demand.resident_phone", LIMIT_PHONE_MAX))
        return -EINVAL;
    if (channel_from_name(d->channel, strlen(d->channel)) < 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "unknown channel %.40s", d->channel);
        return -EINVAL;
    }
    j->actor = ledger_job_actor(j, "");
    if (j->actor == NULL || *j->actor == '\0')
        j->actor = "service:router";
    return 0;
}

static int join_send(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__JoinCase *q = j->req->join_case;
    const Liandong__V1__Demand *d = q->demand;
    const char **v = j->params;
    v[0] = q->case_id;
    v[1] = d->channel;
    v[2] = d->channel_id;
    v[3] = d->text;
    v[4] = d->address;
    v[5] = d->resident_name;
    v[6] = d->resident_phone;
    v[7] = ledger_job_printf(j, "%" PRId64, d->received_at_ms > 0 ? d->received_at_ms : 0);
    v[8] = j->actor;
    j->nparams = 9;
    return ledger_job_send(db, j, "join_case", j->nparams, v);
}

static int join_answer(ledger_job_t *j)
{
    const PGresult *r = j->res[0];
    if (PQntuples(r) < 1) {
        /* Closed (or gone) since the router read it, or the same ticket
         * being joined by a concurrent batch: the router creates a case,
         * and a front-end's retry finds whichever won. */
        ledger_job_fail(j, E(ILLEGAL_TRANSITION), "case %.64s is not open to join",
                        j->req->join_case->case_id);
        return -EAGAIN;
    }
    Liandong__V1__CaseCreated *cc = ledger_job_alloc(j, sizeof(*cc));
    liandong__v1__case_created__init(cc);
    cc->case_id = ledger_col_str(j, r, 0, 0);
    cc->duplicate = ledger_col_bool(r, 0, NCASE_COLS);
    cc->placement = ledger_placement_from(j, r, 0);
    /* a retried ticket that had made a case of its own is not a reporter */
    const char *ch = j->req->join_case->demand->channel;
    const char *id = j->req->join_case->demand->channel_id;
    cc->joined = !(strcmp(PQgetvalue(r, 0, 1), ch) == 0 && strcmp(PQgetvalue(r, 0, 2), id) == 0);
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_CREATED;
    j->answer.case_created = cc;
    if (!cc->duplicate) {
        Liandong__V1__CaseEvent *e = ledger_job_alloc(j, sizeof(*e));
        liandong__v1__case_event__init(e);
        e->seq = (uint64_t)ledger_col_i64(r, 0, NCASE_COLS + 1);
        e->case_id = cc->case_id;
        e->kind = CASE_EVENT_REPORTER_JOINED;
        e->actor = ledger_job_strdup(j, j->actor);
        e->from_state = ledger_col_str(j, r, 0, 3);
        e->to_state = e->from_state;
        e->body_id = cc->placement->body_id;
        e->note = ledger_job_printf(j, "%s:%s", ch, id);
        e->at_ms = ledger_col_i64(r, 0, NCASE_COLS + 2);
        e->reply_due_ms = ledger_col_i64(r, 0, 15);
        e->resolve_due_ms = ledger_col_i64(r, 0, 16);
        ledger_job_add_event(j, e);
        log_info(cc->case_id, "reporter %s joined", ch);
    }
    return 0;
}

const ledger_handler_t ledger_req_join_case = {
    .name = "JoinCase",
    .body = LIANDONG__V1__ENVELOPE__BODY_JOIN_CASE,
    .stmts = join_stmts,
    .n_stmts = sizeof join_stmts / sizeof join_stmts[0],
    .validate = join_validate,
    .decide = ledger_decide_nothing,
    .send = join_send,
    .answer = join_answer,
};

/* -------------------------------------------------------- UnlinkReporter */

#define NEW_CASE_ID                                                                                \
    "'LD-' || to_char(" LD_NOW_SQL " AT TIME ZONE 'UTC', 'YYYYMMDD') || '-' ||"                    \
    " lpad(q.n::text, greatest(6, length(q.n::text)), '0')"

static const db_stmt_t unlink_stmts[] = {
    /* $1 case $2 channel $3 channel_id $4 actor. The reporter row moves to
     * a new case placed as the one it leaves (same body, copies, urgency;
     * its limits restart from now), and both histories say so: nothing of
     * the resident's report is lost, and the first case keeps the record
     * of the join and the unlink. */
    {"unlink_reporter",
     "WITH o AS (SELECT * FROM cases WHERE case_id = $1 FOR UPDATE),"
     " r AS (DELETE FROM case_reporters WHERE case_id = (SELECT case_id FROM o)"
     "  AND channel = $2 AND channel_id = $3 RETURNING *),"
     " ins AS (INSERT INTO cases (case_id, case_no, channel, channel_id, state, category, tier,"
     "  body_id, body_kind, cc, urgency, compound_code, text, address, resident_name,"
     "  resident_phone, explain_json, demand_received_at, created_at, reply_due, resolve_due,"
     "  deadline_policy, reply_clock, resolve_clock)"
     "  SELECT " NEW_CASE_ID ", q.n, r.channel, r.channel_id, '" CASE_STATE_ASSIGNED "',"
     "  o.category, o.tier, o.body_id, o.body_kind, o.cc, o.urgency, o.compound_code, r.text,"
     "  r.address, r.resident_name, r.resident_phone, o.explain_json, r.demand_received_at,"
     "  " LD_NOW_SQL ", " LD_NOW_SQL " + (o.reply_due - o.created_at), " LD_NOW_SQL
     " + (o.resolve_due - o.created_at),"
     "  o.deadline_policy, o.reply_clock, o.resolve_clock"
     "  FROM o, r, (SELECT nextval('case_no_seq') AS n) q WHERE r.linked_case_id IS NULL"
     "  RETURNING *),"
     /* a case linked by hand is reopened, its limits restarted from now */
     " rev AS (UPDATE cases x SET state = '" CASE_STATE_ASSIGNED "',"
     "  reply_due = " LD_NOW_SQL " + (x.reply_due - x.created_at),"
     "  resolve_due = " LD_NOW_SQL " + (x.resolve_due - x.created_at)"
     "  FROM r WHERE x.case_id = r.linked_case_id RETURNING x.*),"
     " i AS (SELECT case_id, body_id, compound_code, reply_due, resolve_due, true AS fresh"
     "  FROM ins UNION ALL SELECT case_id, body_id, compound_code, reply_due, resolve_due, false"
     "  FROM rev),"
     " s AS (SELECT ld_next_seq(CASE WHEN i.fresh THEN 3 ELSE 2 END) AS seq FROM i),"
     " ev AS (INSERT INTO case_events (seq, case_id, kind, actor, from_state, to_state, body_id,"
     "  note, at, reply_due, resolve_due)"
     "  SELECT s.seq - 2, i.case_id, '" CASE_EVENT_CREATED "', $4, '', '" CASE_STATE_RECEIVED
     "', '', 'unlinked from ' || $1, " LD_NOW_SQL
     ", i.reply_due, i.resolve_due FROM i, s WHERE i.fresh"
     "  UNION ALL SELECT s.seq - 1, i.case_id, '" CASE_EVENT_ASSIGNED "', $4,"
     "  CASE WHEN i.fresh THEN '" CASE_STATE_RECEIVED "' ELSE '" CASE_STATE_CLOSED "' END,"
     "  '" CASE_STATE_ASSIGNED "', i.body_id, 'unlinked from ' || $1,"
     "  " LD_NOW_SQL ", i.reply_due, i.resolve_due FROM i, s"
     "  UNION ALL SELECT s.seq, o.case_id, '" CASE_EVENT_REPORTER_UNLINKED "', $4, o.state,"
     "  o.state, o.body_id, $2 || ':' || $3 || ' -> ' || i.case_id, " LD_NOW_SQL ", o.reply_due,"
     "  o.resolve_due FROM o, i, s RETURNING *)"
     " SELECT " EVENT_COLS("e.") ", (SELECT ld_bump(i.body_id, i.compound_code,"
                                 "  '{1,0,0,0,0,0,0,0}') FROM i) FROM ev e ORDER BY e.seq",
     4},
};

/* Unlink and link name a case and a reporter's ticket (channel, channel
 * id), and are an operator's: the same checks and the same four values. */
static int reporter_ref_validate(ledger_job_t *j, const char *case_id, const char *channel,
                                 const char *channel_id)
{
    if (ledger_job_missing(j, case_id, "case_id") || ledger_job_missing(j, channel, "channel") ||
        ledger_job_missing(j, channel_id, "channel_id") ||
        ledger_job_bad_text(j, case_id, "case_id", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, channel, "channel", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, channel_id, "channel_id", LEDGER_ID_MAX))
        return -EINVAL;
    j->actor = ledger_job_actor(j, "");
    if (j->actor == NULL || *j->actor == '\0')
        j->actor = "operator";
    return 0;
}

static int reporter_ref_send(db_t *db, ledger_job_t *j, const char *stmt, const char *case_id,
                             const char *channel, const char *channel_id)
{
    const char **v = j->params;
    v[0] = case_id;
    v[1] = channel;
    v[2] = channel_id;
    v[3] = j->actor;
    j->nparams = 4;
    return ledger_job_send(db, j, stmt, j->nparams, v);
}

static int unlink_validate(ledger_job_t *j)
{
    const Liandong__V1__UnlinkReporter *q = j->req->unlink_reporter;
    return reporter_ref_validate(j, q->case_id, q->channel, q->channel_id);
}

static int unlink_send(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__UnlinkReporter *q = j->req->unlink_reporter;
    return reporter_ref_send(db, j, "unlink_reporter", q->case_id, q->channel, q->channel_id);
}

static int unlink_answer(ledger_job_t *j)
{
    const PGresult *r = j->res[0];
    const Liandong__V1__UnlinkReporter *q = j->req->unlink_reporter;
    int n = PQntuples(r); /* 3: a new case; 2: a case linked by hand reopened */
    if (n != 3 && n != 2) {
        ledger_job_fail(j, E(NOT_FOUND), "case %.64s has no reporter %.40s:%.64s", q->case_id,
                        q->channel, q->channel_id);
        return -ENOENT;
    }
    Liandong__V1__ReporterUnlinked *u = ledger_job_alloc(j, sizeof(*u));
    liandong__v1__reporter_unlinked__init(u);
    for (int i = 0; i < n; i++)
        ledger_job_add_event(j, ledger_job_event(j, r, i));
    u->case_id = ledger_col_str(j, r, n - 2, 1);
    u->from_case_id = ledger_job_strdup(j, q->case_id);
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_REPORTER_UNLINKED;
    j->answer.reporter_unlinked = u;
    log_info(q->case_id, "reporter %s unlinked to %s", q->channel, u->case_id);
    return 0;
}

const ledger_handler_t ledger_req_unlink_reporter = {
    .name = "UnlinkReporter",
    .body = LIANDONG__V1__ENVELOPE__BODY_UNLINK_REPORTER,
    .stmts = unlink_stmts,
    .n_stmts = sizeof unlink_stmts / sizeof unlink_stmts[0],
    .validate = unlink_validate,
    .decide = ledger_decide_nothing,
    .send = unlink_send,
    .answer = unlink_answer,
};

/* ---------------------------------------------------------- LinkReporter */

static const db_stmt_t link_stmts[] = {
    /* $1 case $2 channel $3 channel_id $4 actor. The case of the ticket
     * (open, not $1, no reporters of its own) is closed "linked to $1" and
     * its resident joins $1; its received is taken back (today's roll-up:
     * a problem counts once), and given again by an unlink. */
    {"link_reporter",
     "WITH x AS (SELECT * FROM cases WHERE channel = $2 AND channel_id = $3 AND case_id <> $1"
     "  AND state IN " CASE_OPEN_STATES_SQL " AND NOT EXISTS (SELECT 1 FROM case_reporters r"
     "  WHERE r.case_id = cases.case_id) FOR UPDATE),"
     " t AS (SELECT case_id, state, body_id, reply_due, resolve_due FROM cases"
     "  WHERE case_id = $1 AND state IN " CASE_OPEN_STATES_SQL
     "  AND EXISTS (SELECT 1 FROM x) FOR UPDATE),"
     " ins AS (INSERT INTO case_reporters (case_id, channel, channel_id, text, address,"
     "  resident_name, resident_phone, demand_received_at, actor, linked_case_id)"
     "  SELECT t.case_id, x.channel, x.channel_id, x.text, x.address, x.resident_name,"
     "  x.resident_phone, x.demand_received_at, $4, x.case_id FROM t, x"
     "  ON CONFLICT (channel, channel_id) DO NOTHING RETURNING case_id),"
     " cl AS (UPDATE cases SET state = '" CASE_STATE_CLOSED "'"
     "  WHERE case_id = (SELECT case_id FROM x) AND EXISTS (SELECT 1 FROM ins) RETURNING 1),"
     " s AS (SELECT ld_next_seq(2) AS seq FROM ins),"
     " ev AS (INSERT INTO case_events (seq, case_id, kind, actor, from_state, to_state, body_id,"
     "  note, at, reply_due, resolve_due)"
     "  SELECT s.seq - 1, x.case_id, '" CASE_EVENT_CLOSED "', $4, x.state,"
     "  '" CASE_STATE_CLOSED "', x.body_id, 'linked to ' || $1, " LD_NOW_SQL ", x.reply_due,"
     "  x.resolve_due FROM x, s"
     "  UNION ALL SELECT s.seq, t.case_id, '" CASE_EVENT_REPORTER_JOINED "', $4, t.state,"
     "  t.state, t.body_id, x.channel || ':' || x.channel_id || ' linked from ' || x.case_id,"
     "  " LD_NOW_SQL ", t.reply_due, t.resolve_due FROM t, x, s RETURNING *)"
     " SELECT " EVENT_COLS("e.") ", (SELECT ld_bump(x.body_id, x.compound_code,"
                                 "  '{-1,0,0,0,0,0,0,0}') FROM x, ins), (SELECT count(*) FROM cl) "
                                 "FROM ev e ORDER BY e.seq",
     4},
};

static int link_validate(ledger_job_t *j)
{
    const Liandong__V1__LinkReporter *q = j->req->link_reporter;
    return reporter_ref_validate(j, q->case_id, q->channel, q->channel_id);
}

static int link_send(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__LinkReporter *q = j->req->link_reporter;
    return reporter_ref_send(db, j, "link_reporter", q->case_id, q->channel, q->channel_id);
}

static int link_answer(ledger_job_t *j)
{
    const PGresult *r = j->res[0];
    const Liandong__V1__LinkReporter *q = j->req->link_reporter;
    if (PQntuples(r) != 2) {
        ledger_job_fail(j, E(ILLEGAL_TRANSITION),
                        "no open case %.40s:%.64s without reporters to link to open case %.64s",
                        q->channel, q->channel_id, q->case_id);
        return -EINVAL;
    }
    ledger_job_add_event(j, ledger_job_event(j, r, 0));
    ledger_job_action_done(j, ledger_job_event(j, r, 1), 0);
    log_info(q->case_id, "case of %s linked by hand", q->channel);
    return 0;
}

const ledger_handler_t ledger_req_link_reporter = {
    .name = "LinkReporter",
    .body = LIANDONG__V1__ENVELOPE__BODY_LINK_REPORTER,
    .stmts = link_stmts,
    .n_stmts = sizeof link_stmts / sizeof link_stmts[0],
    .validate = link_validate,
    .decide = ledger_decide_nothing,
    .send = link_send,
    .answer = link_answer,
};

/* ---------------------------------------------------------- CaseFollowUp */

#define PHOTO_URL_MAX 1024

static const db_stmt_t follow_stmts[] = {
    /* $1 case $2 channel $3 ticket $4 kind $5 actor $6 note $7 request id.
     * The ticket must be the case's own or one of its reporters' on the
     * caller's channel; a request id already recorded answers its event. */
    {"case_follow_up",
     "WITH prior AS (SELECT * FROM case_events WHERE request_id = NULLIF($7, '')),"
     " t AS (SELECT c.case_id, c.state, c.body_id, c.reply_due, c.resolve_due FROM cases c"
     "  WHERE c.case_id = $1 AND NOT EXISTS (SELECT 1 FROM prior)"
     "  AND ((c.channel = $2 AND c.channel_id = $3) OR EXISTS (SELECT 1 FROM case_reporters r"
     "   WHERE r.case_id = c.case_id AND r.channel = $2 AND r.channel_id = $3)) FOR UPDATE),"
     " w AS (UPDATE case_reporters SET withdrawn_at = " LD_NOW_SQL
     " WHERE $4 = '" CASE_EVENT_WITHDRAWN
     "'  AND case_id = (SELECT case_id FROM t) AND channel = $2 AND channel_id = $3"
     "  AND withdrawn_at IS NULL RETURNING 1),"
     " s AS (SELECT ld_next_seq(1) AS seq FROM t),"
     " ev AS (INSERT INTO case_events (seq, case_id, kind, actor, from_state, to_state, body_id,"
     "  note, at, reply_due, resolve_due, request_id)"
     "  SELECT s.seq, t.case_id, $4, $5, t.state, t.state, t.body_id, $6, " LD_NOW_SQL
     ", t.reply_due,"
     "  t.resolve_due, NULLIF($7, '') FROM t, s RETURNING *)"
     " SELECT " EVENT_COLS("e.") ", false, (SELECT count(*) FROM w) FROM ev e"
                                 " UNION ALL SELECT " EVENT_COLS("p.") ", true, 0 FROM prior p",
     7},
};

static int follow_validate(ledger_job_t *j)
{
    const Liandong__V1__CaseFollowUp *f = j->req->case_follow_up;
    if (ledger_job_missing(j, f->case_id, "case_id") ||
        ledger_job_missing(j, f->channel_id, "channel_id") ||
        ledger_job_bad_text(j, f->case_id, "case_id", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, f->channel_id, "channel_id", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, f->text, "text", LEDGER_TEXT_MAX) ||
        ledger_job_bad_text(j, f->photo_url, "photo_url", PHOTO_URL_MAX) ||
        ledger_job_bad_text(j, j->req->request_id, "request_id", LEDGER_ID_MAX))
        return -EINVAL;
    if (!f->withdraw && *f->text == '\0' && *f->photo_url == '\0') {
        ledger_job_fail(j, E(MISSING_FIELD), "a follow-up needs text or photo_url");
        return -EINVAL;
    }
    /* a link, never a script or a local file shown to the body */
    if (*f->photo_url && strncmp(f->photo_url, "https://", 8) != 0 &&
        strncmp(f->photo_url, "http://", 7) != 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "photo_url: an http(s) URL");
        return -EINVAL;
    }
    /* The channel is the key's, never a field: a front-end speaks only for
     * the residents who came in by its own door. */
    const char *fe = NULL;
    int ch = identity_role(j->user, &fe) == ROLE_FRONTEND ? authz_frontend_channel(fe) : -1;
    if (ch < 0) {
        ledger_job_fail(j, E(FORBIDDEN), "only a front-end relays its resident's follow-up");
        return -EPERM;
    }
    j->params[1] = channel_name((channel_t)ch);
    j->actor = ledger_job_actor(j, "");
    if (j->actor == NULL || *j->actor == '\0')
        j->actor = ledger_job_printf(j, "frontend:%s", fe);
    return 0;
}

static int follow_send(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__CaseFollowUp *f = j->req->case_follow_up;
    const char **v = j->params;
    v[0] = f->case_id;
    /* v[1]: the caller's channel, set by follow_validate */
    v[2] = f->channel_id;
    v[3] = f->withdraw ? CASE_EVENT_WITHDRAWN : CASE_EVENT_FOLLOWED_UP;
    v[4] = j->actor;
    v[5] = ledger_job_printf(j, "%s:%s%s%s%s%s", v[1], f->channel_id, *f->text ? " " : "", f->text,
                             *f->photo_url ? " photo " : "", f->photo_url);
    v[6] = j->req->request_id;
    j->nparams = 7;
    return ledger_job_send(db, j, "case_follow_up", j->nparams, v);
}

static int follow_answer(ledger_job_t *j)
{
    const PGresult *r = j->res[0];
    const Liandong__V1__CaseFollowUp *f = j->req->case_follow_up;
    if (PQntuples(r) != 1) {
        ledger_job_fail(j, E(NOT_FOUND), "case %.64s has no resident %.64s on this channel",
                        f->case_id, f->channel_id);
        return -ENOENT;
    }
    ledger_job_action_done(j, ledger_job_event(j, r, 0), ledger_col_bool(r, 0, NEVENT_COLS));
    return 0;
}

const ledger_handler_t ledger_req_case_follow_up = {
    .name = "CaseFollowUp",
    .body = LIANDONG__V1__ENVELOPE__BODY_CASE_FOLLOW_UP,
    .stmts = follow_stmts,
    .n_stmts = sizeof follow_stmts / sizeof follow_stmts[0],
    .validate = follow_validate,
    .decide = ledger_decide_nothing,
    .send = follow_send,
    .answer = follow_answer,
};

/* ------------------------------------------------- GetCase's reporters */

int ledger_reporters_have_channel(const PGresult *r, const char *channel)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (strcmp(PQgetvalue(r, i, 0), channel) == 0)
            return 1;
    return 0;
}

/* Personal data a viewer may not see is kept out entirely: a reporter's
 * contact is for whom the record shows the case's resident to. */
static Liandong__V1__Reporter *reporter(ledger_job_t *j, const char *channel, const char *id,
                                        const char *text, const char *address, const char *name,
                                        const char *phone, int64_t received, int64_t joined,
                                        int64_t withdrawn, int see)
{
    Liandong__V1__Reporter *p = ledger_job_alloc(j, sizeof(*p));
    liandong__v1__reporter__init(p);
    p->channel = ledger_job_strdup(j, channel);
    p->channel_id = ledger_job_strdup(j, id);
    p->text = ledger_job_strdup(j, text);
    p->address = ledger_job_strdup(j, address);
    p->resident_name = see ? ledger_job_strdup(j, name) : "";
    p->resident_phone = see ? ledger_job_strdup(j, phone) : "";
    p->received_at_ms = received;
    p->joined_at_ms = joined;
    p->withdrawn_at_ms = withdrawn;
    return p;
}

void ledger_reporters_fill(ledger_job_t *j, Liandong__V1__CaseDetail *d, const PGresult *rec,
                           const PGresult *r)
{
    int n = PQntuples(r);
    /* the record shows names to whom the case's holder rule lets see them */
    int see_all = strcmp(d->record->resident_name, PQgetvalue(rec, 0, 12)) == 0 &&
                  strcmp(d->record->resident_phone, PQgetvalue(rec, 0, 13)) == 0;
    d->reporters = ledger_job_alloc(j, (size_t)(n + 1) * sizeof(Liandong__V1__Reporter *));
    const Liandong__V1__CaseRecord *c = d->record;
    d->reporters[d->n_reporters++] = reporter(j, c->channel, c->channel_id, c->text, c->address,
                                              c->resident_name, c->resident_phone, 0, 0, 0, 1);
    for (int i = 0; i < n; i++) {
        int see = see_all;
        d->reporters[d->n_reporters++] = reporter(
            j, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
            PQgetvalue(r, i, 4), PQgetvalue(r, i, 5), ledger_col_i64(r, i, 6),
            ledger_col_i64(r, i, 7), ledger_col_i64(r, i, 8), see);
    }
}

/* ----------------------------------------------- RatesQuery's reporters */

void ledger_rates_reporters_fill(ledger_job_t *j, Liandong__V1__RatesReport *rep, const PGresult *r)
{
    /* reporters of a key with no case of its own in the range (a channel
     * that only brought repeats) get a row of their own */
    ledger_rate_rows_reserve(j, rep, r);
    for (int i = 0; i < PQntuples(r); i++)
        ledger_rate_row_of(j, rep, r, i)->reporters = (uint64_t)ledger_col_i64(r, i, 1);
}
