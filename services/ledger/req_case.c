/*
 * req_case.c - the requests on cases themselves: CreateCase (the router
 * commits a placed demand), CaseAction (every move of the lifecycle,
 * checked against the one state table in case_state.c), ListCases and
 * GetCase. Handlers of the table in handler.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authz.h"
#include "case_model.h"
#include "case_state.h"
#include "credit.h"
#include "desk_rid.h"
#include "domain.h"
#include "handler.h"
#include "identity.h"
#include "ledger_clock.h"
#include "log.h"
#include "reply_text.h"
#include "req_case.h"
#include "req_channel.h"
#include "req_deliveries.h"
#include "req_repeats.h"

#define LIST_DEFAULT 100
#define DUE_MS_MAX 253402300799999LL /* 9999-12-31T23:59:59.999Z */
#define LIST_MAX 1000

/* Set once at start-up (main.c), read by every CaseAction's validation. */
static size_t min_reply_chars = REPLY_TEXT_MIN_CHARS_DEFAULT;

void ledger_case_set_min_reply_chars(size_t n)
{
    min_reply_chars = n;
}

/* The longest pause a body may ask for (ROUTING.md section 6). */
static unsigned max_pause_hours = PAUSE_HOURS_MAX_DEFAULT;

void ledger_case_set_max_pause_hours(unsigned h)
{
    max_pause_hours = h;
}

/* ------------------------------------------------------------ CreateCase */

/* Every CreateCase of a batch in ONE statement (issue 16, docs/write-path.md):
 * each parameter is an array with one element per request, in arrival
 * order. Per statement, not per case: the executor's start-up, the counter
 * (one range of 2n event numbers), the CTE scaffolding. Per case still:
 * the rows, their indexes and the delivery trigger.
 *
 * $1 channel $2 channel_id $3 text $4 address $5 compound $6 urgency
 * $7 name $8 phone $9 received_at_ms $10 category $11 tier $12 body
 * $13 body_kind $14 cc (each an array literal) $15 reply h $16 resolve h
 * $17 explain $18 actor $19 reply due ms $20 resolve due ms (0: now + the
 * hours) $21 policy $22 reply clock $23 resolve clock $24 calendar uncovered
 * (issue 15: deadlines counted Monday-Friday, a year without calendar data).
 *
 * One row per request, in arrival order (column o): CASE_COLS, duplicate,
 * the seq of its `assigned` event (its `created` is one less), o. A
 * request whose (channel, channel_id) is already a case, before this
 * statement or by an earlier request of the same statement (ON CONFLICT DO
 * NOTHING skips that one too), gets that case, duplicate = true. */
/* CASE_COLS (job.h) for a case this statement inserted: the texts the
 * answer does not use (text, address, resident, phone) or that the request
 * itself holds (explain_json, stored byte for byte) are not sent back;
 * every other column is read from the row, as for a duplicate. */
#define NEW_CASE_COLS                                                                              \
    "c.case_id, c.channel, c.channel_id, c.state, c.category, c.body_id, c.body_kind,"             \
    " array_to_json(c.cc)::text, c.urgency, c.compound_code, '', '', '', '',"                      \
    " ld_ms(c.created_at), ld_ms(c.reply_due), ld_ms(c.resolve_due), ld_ms(c.replied_at),"         \
    " ld_ms(c.resolved_at), c.rating, c.tier, '',"                                                 \
    " round(extract(epoch FROM c.reply_due - c.created_at) / 3600)::int,"                          \
    " round(extract(epoch FROM c.resolve_due - c.created_at) / 3600)::int,"                        \
    " c.deadline_policy, c.reply_clock, c.resolve_clock, ld_ms(c.paused_at),"                      \
    " ld_ms(c.pause_until), c.pause_reason, (extract(epoch FROM c.paused_total) * 1000)::bigint,"  \
    " c.pauses, c.extensions, c.extension_pending, c.calendar_uncovered"
#define CREATE_COLS(p)                                                                             \
    p "ch, " p "cid, " p "tx, " p "addr, " p "comp, " p "urg, " p "nm, " p "ph, " p "rcv, " p      \
      "cat, " p "tier, " p "body, " p "bkind, " p "cc, " p "rh, " p "sh, " p "expl, " p            \
      "actor, " p "rdue, " p "sdue, " p "pol, " p "rclk, " p "sclk, " p "unc"
static const db_stmt_t create_stmts[] = {
    {"create_cases",
     "WITH i AS ("
     " SELECT u.o, nextval('case_no_seq') AS n, " CREATE_COLS(
         "u.") " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
               "$6::text[],"
               "  $7::text[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::text[], "
               "$13::text[],"
               "  $14::text[], $15::int[], $16::int[], $17::text[], $18::text[], $19::bigint[],"
               "  $20::bigint[], $21::text[], $22::text[], $23::text[], $24::bool[])"
               "  WITH ORDINALITY AS u(" CREATE_COLS(
                   "") ", o)),"
                       " ins AS ("
                       " INSERT INTO cases (case_id, case_no, channel, channel_id, state, "
                       "category, tier, body_id,"
                       "  body_kind, cc, urgency, compound_code, text, address, resident_name, "
                       "resident_phone,"
                       "  explain_json, demand_received_at, created_at, reply_due, resolve_due,"
                       "  deadline_policy, reply_clock, resolve_clock, calendar_uncovered)"
                       " SELECT 'LD-' || to_char(" LD_NOW_SQL
                       " AT TIME ZONE 'UTC', 'YYYYMMDD') || '-' ||"
                       "  lpad(i.n::text, greatest(6, length(i.n::text)), '0'), i.n, i.ch, i.cid,"
                       " '" CASE_STATE_ASSIGNED "', i.cat,"
                       "  i.tier, i.body, i.bkind, i.cc::text[], i.urg, i.comp, i.tx, i.addr, "
                       "i.nm, i.ph, i.expl,"
                       "  CASE WHEN i.rcv > 0 THEN to_timestamp(i.rcv / 1000.0) END, " LD_NOW_SQL
                       ","
                       "  CASE WHEN i.rdue > 0 THEN to_timestamp(i.rdue / 1000.0)"
                       "   ELSE " LD_NOW_SQL " + make_interval(hours => i.rh) END,"
                       "  CASE WHEN i.sdue > 0 THEN to_timestamp(i.sdue / 1000.0)"
                       "   ELSE " LD_NOW_SQL
                       " + make_interval(hours => i.sh) END, i.pol, i.rclk, i.sclk, i.unc"
                       " FROM i ORDER BY i.o"
                       " ON CONFLICT (channel, channel_id) DO NOTHING RETURNING *),"
                       /* One range of event numbers for the whole statement. */
                       " s AS (SELECT ld_next_seq(2 * (SELECT count(*) FROM ins)::int) AS last"
                       "  WHERE EXISTS (SELECT 1 FROM ins)),"
                       " r AS (SELECT ins.*, i.o, i.actor,"
                       "  s.last - 2 * (count(*) OVER () - row_number() OVER (ORDER BY i.o)) AS "
                       "seq2"
                       "  FROM ins JOIN i ON i.n = ins.case_no, s),"
                       " ev AS (INSERT INTO case_events (seq, case_id, kind, actor, from_state, "
                       "to_state, body_id,"
                       "  note, at, reply_due, resolve_due)"
                       "  SELECT r.seq2 - 1, r.case_id, '" CASE_EVENT_CREATED "', r.actor, '',"
                       "   '" CASE_STATE_RECEIVED "', '', '', " LD_NOW_SQL
                       ", r.reply_due, r.resolve_due FROM r"
                       "  UNION ALL SELECT r.seq2, r.case_id, '" CASE_EVENT_ASSIGNED "', r.actor,"
                       "   '" CASE_STATE_RECEIVED "', '" CASE_STATE_ASSIGNED "', r.body_id,"
                       "   '', " LD_NOW_SQL
                       ", r.reply_due, r.resolve_due FROM r ORDER BY 1 RETURNING seq),"
                       /* The roll-up notes (006's ld_pending_bumps, what ld_bump
                        * writes), one per body and compound instead of one
                        * ld_bump call per case: the flush at COMMIT sums
                        * them the same way. */
                       " b AS (INSERT INTO ld_pending_bumps (tx, body, compound, d)"
                       "  SELECT txid_current(), r.body_id, r.compound_code,"
                       "   ARRAY[count(*), 0, 0, 0, 0, 0, 0, 0] FROM r"
                       "  GROUP BY r.body_id, r.compound_code RETURNING 1)"
                       " SELECT " NEW_CASE_COLS ", false, c.seq2, c.o,"
                       "  (SELECT count(*) FROM ev), (SELECT count(*) FROM b) FROM r c"
                       " UNION ALL SELECT " CASE_COLS ", true, 0, i.o, 0, 0 FROM i JOIN cases c"
                       "  ON c.channel = i.ch AND c.channel_id = i.cid"
                       "  WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.case_no = i.n)"
                       " UNION ALL SELECT " CASE_COLS ", true, 0, i.o, 0, 0 FROM i JOIN ins c"
                       "  ON c.channel = i.ch AND c.channel_id = i.cid AND c.case_no <> i.n"
                       " ORDER BY 38", /* o: NCASE_COLS + 3 */
     24},
};
_Static_assert(NCASE_COLS == 35, "create_cases orders by o, column NCASE_COLS + 3");

/* A placement's clock name: empty (natural) or one of lib/policy.h's. */
static bool clock_ok(const char *c)
{
    return *c == '\0' || strcmp(c, "natural") == 0 || strcmp(c, "working_days") == 0 ||
           strcmp(c, "working_hours") == 0;
}

static int create_validate(ledger_job_t *j)
{
    const Liandong__V1__CreateCase *c = j->req->create_case;
    if (c->demand == NULL) {
        ledger_job_fail(j, E(MISSING_FIELD), "missing field: demand");
        return -EINVAL;
    }
    if (c->placement == NULL) {
        ledger_job_fail(j, E(MISSING_FIELD), "missing field: placement");
        return -EINVAL;
    }
    const Liandong__V1__Demand *d = c->demand;
    const Liandong__V1__Placement *p = c->placement;
    if (ledger_job_missing(j, d->channel, "demand.channel") ||
        ledger_job_missing(j, d->channel_id, "demand.channel_id") ||
        ledger_job_missing(j, p->body_id, "placement.body_id") ||
        ledger_job_missing(j, p->category, "placement.category"))
        return -EINVAL;
    if (channel_from_name(d->channel, strlen(d->channel)) < 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "unknown channel %.40s", d->channel);
        return -EINVAL;
    }
    if (category_from_name(p->category, strlen(p->category)) < 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "unknown category %.40s", p->category);
        return -EINVAL;
    }
    if (d->urgency > LIANDONG__V1__URGENCY__URGENCY_EMERGENCY ||
        p->urgency > LIANDONG__V1__URGENCY__URGENCY_EMERGENCY ||
        p->reply_due_hours > LIMIT_DUE_HOURS_MAX || p->resolve_due_hours > LIMIT_DUE_HOURS_MAX ||
        p->reply_due_ms < 0 || p->resolve_due_ms < 0 || p->reply_due_ms > DUE_MS_MAX ||
        p->resolve_due_ms > DUE_MS_MAX) {
        ledger_job_fail(j, E(BAD_REQUEST),
                        "urgency or due hours out of range (hours at most %d, due moments within "
                        "the years the ledger accepts)",
                        LIMIT_DUE_HOURS_MAX);
        return -EINVAL;
    }
    if (!clock_ok(p->reply_clock) || !clock_ok(p->resolve_clock)) {
        ledger_job_fail(j, E(BAD_REQUEST),
                        "placement clocks: natural, working_days or working_hours");
        return -EINVAL;
    }
    if (ledger_job_bad_text(j, p->policy, "placement.policy", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, d->channel_id, "demand.channel_id", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, d->text, "demand.text", LEDGER_TEXT_MAX) ||
        ledger_job_bad_text(j, d->address, "demand.address", LIMIT_ADDRESS_MAX) ||
        ledger_job_bad_text(j, d->compound, "demand.compound", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, d->resident_name, "demand.resident_name", LIMIT_NAME_MAX) ||
        ledger_job_bad_text(j, d->resident_phone, "demand.resident_phone", LIMIT_PHONE_MAX) ||
        ledger_job_bad_text(j, p->tier, "placement.tier", 32) ||
        ledger_job_bad_text(j, p->body_id, "placement.body_id", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, p->body_kind, "placement.body_kind", LIMIT_KIND_MAX) ||
        ledger_job_bad_text(j, p->compound_code, "placement.compound_code", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, p->explain_json, "placement.explain_json", LEDGER_TEXT_MAX))
        return -EINVAL;
    if (ledger_extras_validate(j, d) < 0)
        return -EINVAL;
    if (p->n_cc > 32) {
        ledger_job_fail(j, E(BAD_REQUEST), "too many cc bodies");
        return -EINVAL;
    }
    for (size_t i = 0; i < p->n_cc; i++)
        if (ledger_job_missing(j, p->cc[i], "placement.cc[]") ||
            ledger_job_bad_text(j, p->cc[i], "placement.cc", LEDGER_ID_MAX))
            return -EINVAL;
    j->actor = ledger_job_actor(j, "");
    if (j->actor == NULL || *j->actor == '\0')
        j->actor = "service:router";
    return 0;
}

static void default_hours(urgency_t u, const char *category, uint32_t *reply, uint32_t *resolve)
{
    /* ROUTING.md section 6, for a router that sent no hours. */
    if (u == URG_EMERGENCY) {
        *reply = 2;
        *resolve = 24;
        return;
    }
    *reply = 24;
    *resolve = 168;
    if (strcmp(category, "consultation") == 0 || strcmp(category, "utilities") == 0)
        *resolve = 24;
    else if (ledger_one_of(category,
                           (const char *const[]){"building_quality", "planning",
                                                 "committee_affairs", "property_transition", NULL}))
        *resolve = 360;
}

/* One request's 24 values (see create_stmts) into j->params. */
static void create_params(ledger_job_t *j)
{
    const Liandong__V1__Demand *d = j->req->create_case->demand;
    const Liandong__V1__Placement *p = j->req->create_case->placement;
    urgency_t u = p->urgency ? (urgency_t)p->urgency : (urgency_t)d->urgency;
    if (u == URG_UNSET)
        u = URG_NORMAL;
    uint32_t rh = 0, sh = 0;
    default_hours(u, p->category, &rh, &sh);
    if (p->reply_due_hours)
        rh = p->reply_due_hours;
    if (p->resolve_due_hours)
        sh = p->resolve_due_hours;
    const char **v = j->params;
    v[0] = d->channel;
    v[1] = d->channel_id;
    v[2] = d->text;
    v[3] = d->address;
    v[4] = *p->compound_code ? p->compound_code : d->compound;
    v[5] = urgency_name(u);
    v[6] = d->resident_name;
    v[7] = d->resident_phone;
    v[8] = ledger_job_printf(j, "%" PRId64, d->received_at_ms > 0 ? d->received_at_ms : 0);
    v[9] = p->category;
    v[10] = p->tier;
    v[11] = p->body_id;
    v[12] = p->body_kind;
    v[13] = ledger_job_array(j, p->cc, p->n_cc);
    v[14] = ledger_job_u32(j, rh);
    v[15] = ledger_job_u32(j, sh);
    v[16] = p->explain_json;
    v[17] = j->actor;
    /* The router's policy fixed the due moments; a caller without them
     * gets now + the hours, as before. */
    v[18] = ledger_job_printf(j, "%" PRId64, p->reply_due_ms > 0 ? p->reply_due_ms : 0);
    v[19] = ledger_job_printf(j, "%" PRId64, p->resolve_due_ms > 0 ? p->resolve_due_ms : 0);
    v[20] = *p->policy ? p->policy : "default";
    v[21] = *p->reply_clock ? p->reply_clock : "natural";
    v[22] = *p->resolve_clock ? p->resolve_clock : "natural";
    v[23] = j->req->create_case->calendar_uncovered ? "t" : "f";
    j->nparams = 24;
}

/* The extras (req_channel.c) of every job of the group that has any, as
 * one statement: nine arrays, one element per such job. */
static int extras_send_group(db_t *db, ledger_job_t **jobs, size_t n)
{
    ledger_job_t *lead = jobs[0];
    char **col[LEDGER_EXTRAS_COLS];
    for (int k = 0; k < LEDGER_EXTRAS_COLS; k++)
        col[k] = ledger_job_alloc(lead, n * sizeof(char *));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *v[LEDGER_EXTRAS_COLS];
        if (!ledger_extras_values(lead, jobs[i]->req->create_case->demand, v))
            continue;
        for (int k = 0; k < LEDGER_EXTRAS_COLS; k++)
            col[k][m] = (char *)v[k];
        m++;
    }
    if (m == 0)
        return 0;
    const char *arrays[LEDGER_EXTRAS_COLS];
    for (int k = 0; k < LEDGER_EXTRAS_COLS; k++)
        arrays[k] = ledger_job_array(lead, col[k], m);
    return ledger_job_send(db, lead, LEDGER_EXTRAS_GROUP_STMT, LEDGER_EXTRAS_COLS, arrays);
}

/* Every CreateCase of the batch, in arrival order, as one statement sent
 * for the first of them (jobs[0]); each array is a PostgreSQL array
 * literal whose elements are quoted, so any text is a value. */
static int create_send_group(db_t *db, ledger_job_t **jobs, size_t n)
{
    ledger_job_t *lead = jobs[0];
    char **col = ledger_job_alloc(lead, n * sizeof(char *));
    const char *arrays[24];
    for (size_t i = 0; i < n; i++)
        create_params(jobs[i]);
    for (int k = 0; k < 24; k++) {
        for (size_t i = 0; i < n; i++)
            col[i] = (char *)jobs[i]->params[k];
        arrays[k] = ledger_job_array(lead, col, n);
    }
    int rc = ledger_job_send(db, lead, "create_cases", 24, arrays);
    /* Issue 13: what a front door knows besides, in the same transaction,
     * as one more statement of the group's (its result is the lead's too:
     * results are read back per job in the order sent). */
    return rc < 0 ? rc : extras_send_group(db, jobs, n);
}

static int create_send(db_t *db, ledger_job_t *j)
{
    return create_send_group(db, &j, 1);
}

Liandong__V1__Placement *ledger_placement_from(ledger_job_t *j, const PGresult *r, int row)
{
    Liandong__V1__Placement *p = ledger_job_alloc(j, sizeof(*p));
    liandong__v1__placement__init(p);
    p->category = ledger_col_str(j, r, row, 4);
    p->tier = ledger_col_str(j, r, row, 20);
    p->body_id = ledger_col_str(j, r, row, 5);
    p->body_kind = ledger_col_str(j, r, row, 6);
    ledger_job_cc(j, PQgetvalue(r, row, 7), &p->cc, &p->n_cc);
    p->urgency = ledger_urgency(PQgetvalue(r, row, 8));
    p->reply_due_hours = (uint32_t)ledger_col_i64(r, row, 22);
    p->resolve_due_hours = (uint32_t)ledger_col_i64(r, row, 23);
    p->compound_code = ledger_col_str(j, r, row, 9);
    p->explain_json = ledger_col_str(j, r, row, 21);
    p->policy = ledger_col_str(j, r, row, 24);
    p->reply_clock = ledger_col_str(j, r, row, 25);
    p->resolve_clock = ledger_col_str(j, r, row, 26);
    return p;
}

static int create_answer(ledger_job_t *j)
{
    /* The group's rows are the first job's result; o is 1-based. */
    const ledger_job_t *lead = j->group_lead ? j->group_lead : j;
    const PGresult *r = lead->res[0];
    int row = -1;
    for (int i = 0; i < PQntuples(r) && row < 0; i++)
        if (ledger_col_i64(r, i, NCASE_COLS + 2) == (int64_t)j->group_ord)
            row = i;
    if (row < 0) {
        /* Another ledger inserted the same (channel, channel_id) while we
         * ran: the row is not visible to this statement. A retry finds it. */
        ledger_job_fail(j, E(UNAVAILABLE), "concurrent submission of the same demand; retry");
        return -EAGAIN;
    }
    Liandong__V1__CaseCreated *cc = ledger_job_alloc(j, sizeof(*cc));
    liandong__v1__case_created__init(cc);
    cc->case_id = ledger_col_str(j, r, row, 0);
    cc->duplicate = ledger_col_bool(r, row, NCASE_COLS);
    cc->placement = ledger_placement_from(j, r, row);
    if (!cc->duplicate) /* not sent back (NEW_CASE_COLS): the value stored */
        cc->placement->explain_json =
            ledger_job_strdup(j, j->req->create_case->placement->explain_json);
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_CREATED;
    j->answer.case_created = cc;
    if (!cc->duplicate) {
        uint64_t seq = (uint64_t)ledger_col_i64(r, row, NCASE_COLS + 1);
        for (int k = 0; k < 2; k++) {
            Liandong__V1__CaseEvent *e = ledger_job_alloc(j, sizeof(*e));
            liandong__v1__case_event__init(e);
            e->seq = seq - 1 + (uint64_t)k;
            e->case_id = cc->case_id;
            e->kind = k ? CASE_EVENT_ASSIGNED : CASE_EVENT_CREATED;
            e->actor = ledger_job_strdup(j, j->actor);
            e->from_state = k ? CASE_STATE_RECEIVED : "";
            e->to_state = k ? CASE_STATE_ASSIGNED : CASE_STATE_RECEIVED;
            e->body_id = k ? cc->placement->body_id : "";
            e->note = "";
            e->at_ms = ledger_col_i64(r, row, 14);
            e->reply_due_ms = ledger_col_i64(r, row, 15);
            e->resolve_due_ms = ledger_col_i64(r, row, 16);
            /* For the notifier (issue 15): the clocks of these deadlines,
             * and that their limits run from the demand's received time. */
            e->reply_clock = cc->placement->reply_clock;
            e->resolve_clock = cc->placement->resolve_clock;
            int64_t received = j->req->create_case->demand->received_at_ms;
            if (received > 0 && received < e->at_ms)
                e->deadlines_from_ms = received;
            ledger_job_add_event(j, e);
        }
        log_info(cc->case_id, "created for %s (%s)", cc->placement->body_id,
                 cc->placement->category);
    }
    return 0;
}

const ledger_handler_t ledger_req_create_case = {
    .name = "CreateCase",
    .body = LIANDONG__V1__ENVELOPE__BODY_CREATE_CASE,
    .stmts = create_stmts,
    .n_stmts = sizeof create_stmts / sizeof create_stmts[0],
    .validate = create_validate,
    .decide = ledger_decide_nothing,
    .send = create_send,
    .answer = create_answer,
    .send_group = create_send_group,
};

/* ------------------------------------------------------------ CaseAction */

/* Paused clocks and extensions (ROUTING.md section 6): the state stays,
 * the deadlines move. A pause moves them by its whole limit at once, so
 * the notifier never chases a paused case and a pause nobody resumes ends
 * at its limit; a resume takes back the part of the limit not used. The
 * reply deadline moves only when the case was not replied to when paused.
 * A grant sets the resolution deadline the dispatch centre chose.
 * $1 case $2 action $3 event kind $4 actor $5 state $6 note $7 request id
 * $8 pause hours $9 pause reason $10 granted resolve due ms
 * $11 on behalf of. 'resume_at_limit' is the notifier's resume of a pause
 * whose limit passed (issue 15): the whole limit was paused, nothing is
 * taken back, whatever the ledger's own clock says (the notifier may run
 * on an accelerated clock). */
static const char PAUSE_STMT[] =
    "WITH c AS (UPDATE cases SET"
    "  paused_at = CASE WHEN $2 = 'pause' THEN " LD_NOW_SQL " WHEN $2 LIKE 'resume%' THEN NULL"
    "   ELSE paused_at END,"
    "  pause_until = CASE $2 WHEN 'pause' THEN " LD_NOW_SQL " + make_interval(hours => $8::int)"
    "   WHEN 'resume' THEN NULL WHEN 'resume_at_limit' THEN NULL ELSE pause_until END,"
    "  pause_reason = CASE $2 WHEN 'pause' THEN $9 ELSE pause_reason END,"
    "  pause_moved_reply = CASE $2 WHEN 'pause' THEN replied_at IS NULL"
    "   WHEN 'resume' THEN false WHEN 'resume_at_limit' THEN false ELSE pause_moved_reply END,"
    "  pauses = pauses + CASE $2 WHEN 'pause' THEN 1 ELSE 0 END,"
    "  paused_total = paused_total + CASE $2 WHEN 'resume'"
    "   THEN least(" LD_NOW_SQL ", pause_until) - paused_at WHEN 'resume_at_limit'"
    "   THEN pause_until - paused_at ELSE interval '0' END,"
    "  reply_due = CASE WHEN $2 = 'pause' AND replied_at IS NULL"
    "    THEN reply_due + make_interval(hours => $8::int)"
    "   WHEN $2 = 'resume' AND pause_moved_reply"
    "    THEN reply_due - greatest(pause_until - " LD_NOW_SQL ", interval '0') ELSE reply_due END,"
    "  resolve_due = CASE $2 WHEN 'pause' THEN resolve_due + make_interval(hours => $8::int)"
    "   WHEN 'resume' THEN resolve_due - greatest(pause_until - " LD_NOW_SQL ", interval '0')"
    "   WHEN 'grant' THEN to_timestamp($10::bigint / 1000.0) ELSE resolve_due END,"
    "  extension_pending = CASE $2 WHEN 'extend' THEN true WHEN 'grant' THEN false"
    "   WHEN 'refuse' THEN false ELSE extension_pending END,"
    "  extension_reason = CASE $2 WHEN 'extend' THEN $6 ELSE extension_reason END,"
    "  extensions = extensions + CASE $2 WHEN 'grant' THEN 1 ELSE 0 END"
    "  WHERE case_id = $1 RETURNING case_id, body_id, reply_due, resolve_due),"
    " s AS (SELECT ld_next_seq(1) AS seq),"
    " e AS (INSERT INTO case_events (seq, case_id, kind, actor, from_state, to_state, body_id,"
    "  note, at, reply_due, resolve_due, request_id, on_behalf_of)"
    "  SELECT s.seq, c.case_id, $3, $4, $5, $5, c.body_id, $6, " LD_NOW_SQL ", c.reply_due,"
    "   c.resolve_due, $7, $11 FROM c, s RETURNING *)"
    " SELECT " EVENT_COLS("e.") " FROM e";

static const db_stmt_t action_stmts[] = {
    /* $1 case $2 action $3 event kind $4 actor $5 from $6 to $7 new body
     * $8 new body kind ('' = from bodies) $9 note $10 request id
     * $11 reply h (0 keep) $12 resolve h $13 rating $14 the body the first
     * deltas count for (the old holder, or the dispatch centre for an
     * answer on a body's behalf, credit.h) $15 its deltas $16 new body
     * deltas $17 the case's units count the first deltas too (t/f)
     * $18 a reopen (重办: t/f) $19 reply due ms $20 resolve due ms (0: by
     * the hours) $21 policy $22 reply clock $23 resolve clock ('' keep)
     * $24 on behalf of ($4 is the principal that acted: action_send) */
    {"apply_action",
     "WITH c AS (UPDATE cases SET state = $6, body_id = $7,"
     "  body_kind = CASE WHEN $7 = body_id AND $8 = '' THEN body_kind"
     "   ELSE COALESCE(NULLIF($8, ''), (SELECT b.kind FROM bodies b WHERE b.id = $7), '') END,"
     "  reply_due = CASE WHEN $19::bigint > 0 THEN to_timestamp($19::bigint / 1000.0)"
     "   WHEN $11::int > 0 THEN " LD_NOW_SQL
     " + make_interval(hours => $11::int) ELSE reply_due END,"
     "  resolve_due = CASE WHEN $20::bigint > 0 THEN to_timestamp($20::bigint / 1000.0)"
     "   WHEN $12::int > 0 THEN " LD_NOW_SQL
     " + make_interval(hours => $12::int) ELSE resolve_due END,"
     "  deadline_policy = COALESCE(NULLIF($21, ''), deadline_policy),"
     "  reply_clock = COALESCE(NULLIF($22, ''), reply_clock),"
     "  resolve_clock = COALESCE(NULLIF($23, ''), resolve_clock),"
     "  replied_at = CASE WHEN $2 = 'reply' THEN COALESCE(replied_at, " LD_NOW_SQL
     ") ELSE replied_at END,"
     "  resolved_at = CASE WHEN $2 = 'resolve' THEN COALESCE(resolved_at, " LD_NOW_SQL ")"
     "   ELSE resolved_at END,"
     "  reply_text = CASE WHEN $2 = 'reply' THEN $9 ELSE reply_text END,"
     "  resolution_text = CASE WHEN $2 = 'resolve' THEN $9 ELSE resolution_text END,"
     "  rating = CASE WHEN $13 <> '' THEN $13 ELSE rating END,"
     "  escalations = escalations + CASE WHEN $2 = 'escalate' THEN 1 ELSE 0 END,"
     "  returns = returns + CASE WHEN $2 = 'return' THEN 1 ELSE 0 END,"
     "  reopens = CASE WHEN $18::bool THEN reopens + 1 WHEN $7 <> body_id THEN 0"
     "   ELSE reopens END,"
     /* A pause and an extension request are the holder's: a new holder
      * starts without them (the deadlines stand as they are moved). */
     "  paused_at = CASE WHEN $7 <> body_id THEN NULL ELSE paused_at END,"
     "  pause_until = CASE WHEN $7 <> body_id THEN NULL ELSE pause_until END,"
     "  extension_pending = CASE WHEN $7 <> body_id THEN false ELSE extension_pending END"
     "  WHERE case_id = $1 RETURNING case_id, reply_due, resolve_due, compound_code),"
     " s AS (SELECT ld_next_seq(1) AS seq),"
     " e AS (INSERT INTO case_events (seq, case_id, kind, actor, from_state, to_state, body_id,"
     "  note, at, reply_due, resolve_due, request_id, on_behalf_of)"
     "  SELECT s.seq, c.case_id, $3, $4, $5, $6, $7, $9, " LD_NOW_SQL
     ", c.reply_due, c.resolve_due,"
     "   $10, $24 FROM c, s RETURNING *)"
     " SELECT " EVENT_COLS(
         "e.") ", ld_bump($14, CASE WHEN $17::bool THEN c.compound_code ELSE '' END,"
               "  $15::bigint[]), ld_bump($7, '', $16::bigint[]) FROM e, c",
     24},
    {"clock_action", PAUSE_STMT, 11},
};

static const char *const RETURN_REASONS[] = {"territory", "ownership", "function", NULL};
static const char *const RATINGS[] = {"satisfied", "basically_satisfied", "dissatisfied", NULL};
static const char *const PAUSE_REASONS[] = {"waiting_for_resident", "waiting_for_third_party",
                                            "other_authority", NULL};

/* Checks what only some actions carry. */
static int action_validate_kind(ledger_job_t *j, const Liandong__V1__CaseAction *a)
{
    switch ((case_action_t)a->kind) {
    case CA_RETURN:
        if (ledger_job_missing(j, a->reason, "reason"))
            return -EINVAL;
        if (!ledger_one_of(a->reason, RETURN_REASONS)) {
            ledger_job_fail(j, E(BAD_REQUEST), "reason must be territory, ownership or function");
            return -EINVAL;
        }
        return 0;
    case CA_ESCALATE:
    case CA_DISPATCH:
        /* The new holder is the router's to compute (escalate.c): a body's
         * own key must not choose where its case goes. */
        if (identity_role(j->user, NULL) == ROLE_BODY) {
            ledger_job_fail(j, E(FORBIDDEN), "escalation and dispatch go through the router");
            return -EPERM;
        }
        if (ledger_job_missing(j, a->target_body, "target_body"))
            return -EINVAL;
        if (a->placement && (a->placement->reply_due_hours > LIMIT_DUE_HOURS_MAX ||
                             a->placement->resolve_due_hours > LIMIT_DUE_HOURS_MAX ||
                             a->placement->reply_due_ms < 0 || a->placement->resolve_due_ms < 0 ||
                             a->placement->reply_due_ms > DUE_MS_MAX ||
                             a->placement->resolve_due_ms > DUE_MS_MAX)) {
            /* Answered with its reason: a bare -EINVAL became INTERNAL
             * "refused without an answer" (issue 12). */
            ledger_job_fail(
                j, E(BAD_REQUEST),
                "placement due hours out of range (at most %d) or due moments outside 1970-2100",
                LIMIT_DUE_HOURS_MAX);
            return -EINVAL;
        }
        if (a->placement &&
            (!clock_ok(a->placement->reply_clock) || !clock_ok(a->placement->resolve_clock))) {
            ledger_job_fail(j, E(BAD_REQUEST),
                            "placement clocks must be natural, working_days or working_hours");
            return -EINVAL;
        }
        if (a->placement &&
            (ledger_job_bad_text(j, a->placement->policy, "placement.policy", LEDGER_ID_MAX) ||
             ledger_job_bad_text(j, a->placement->body_kind, "placement.body_kind",
                                 LIMIT_KIND_MAX)))
            return -EINVAL;
        return 0;
    case CA_REPLY:
    case CA_RESOLVE: {
        /* ROUTING.md section 8: a reply has to say something, and a
         * resolution states its result (its text, under the same rule). */
        char why[200];
        if (reply_text_check(a->text, min_reply_chars,
                             (case_action_t)a->kind == CA_REPLY ? "reply text"
                                                                : "resolution result",
                             why, sizeof why) < 0) {
            ledger_job_fail(j, E(BAD_REQUEST), "%s", why);
            return -EINVAL;
        }
        return 0;
    }
    case CA_PAUSE:
        if (ledger_job_missing(j, a->reason, "reason"))
            return -EINVAL;
        if (!ledger_one_of(a->reason, PAUSE_REASONS)) {
            ledger_job_fail(j, E(BAD_REQUEST),
                            "pause reason must be waiting_for_resident, waiting_for_third_party "
                            "or other_authority");
            return -EINVAL;
        }
        if (a->pause_hours == 0 || a->pause_hours > max_pause_hours) {
            ledger_job_fail(j, E(BAD_REQUEST), "pause_hours must be 1 to %u", max_pause_hours);
            return -EINVAL;
        }
        return 0;
    case CA_EXTEND:
    case CA_REFUSE:
        /* An extension is asked, and refused, for a stated reason. */
        if (ledger_job_missing(j, a->text, "text"))
            return -EINVAL;
        return 0;
    case CA_GRANT:
        /* An extension gives time: a deadline already past is no grant. */
        if (a->resolve_due_ms <= ledger_clock_now_ms() || a->resolve_due_ms > DUE_MS_MAX) {
            ledger_job_fail(j, E(BAD_REQUEST),
                            "grant needs resolve_due_ms, the new deadline, in the future");
            return -EINVAL;
        }
        return 0;
    case CA_RATE:
        if (ledger_job_missing(j, a->rating, "rating"))
            return -EINVAL;
        if (!ledger_one_of(a->rating, RATINGS)) {
            ledger_job_fail(j, E(BAD_REQUEST),
                            "rating must be satisfied, basically_satisfied or dissatisfied");
            return -EINVAL;
        }
        return 0;
    default:
        return 0;
    }
}

static int action_validate(ledger_job_t *j)
{
    const Liandong__V1__CaseAction *a = j->req->case_action;
    if (ledger_job_missing(j, j->req->request_id, "request_id") ||
        ledger_job_missing(j, a->case_id, "case_id") ||
        ledger_job_bad_text(j, a->case_id, "case_id", LEDGER_ID_MAX))
        return -EINVAL;
    /* Ids a department's actions are recorded under (lib/desk_rid.h) come
     * only from the router: anyone else could pre-empt or read them. */
    role_t role = identity_role(j->user, NULL);
    if (desk_rid_reserved(j->req->request_id) && role != ROLE_NONE && role != ROLE_SERVICE) {
        ledger_job_fail(j, E(BAD_REQUEST), "request ids starting with %s are the router's",
                        DESK_RID_PREFIX);
        return -EINVAL;
    }
    if (a->kind == 0) {
        ledger_job_fail(j, E(MISSING_FIELD), "missing field: kind");
        return -EINVAL;
    }
    if ((unsigned)a->kind >= CA_COUNT) {
        ledger_job_fail(j, E(BAD_REQUEST), "unknown action kind %d", (int)a->kind);
        return -EINVAL;
    }
    if (ledger_job_bad_text(j, a->actor, "actor", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, a->text, "text", LEDGER_TEXT_MAX) ||
        ledger_job_bad_text(j, a->target_body, "target_body", LEDGER_ID_MAX))
        return -EINVAL;
    j->actor = ledger_job_actor(j, a->actor);
    if (j->actor == NULL) {
        ledger_job_fail(j, E(FORBIDDEN), "this key may only act as its own body");
        return -EPERM;
    }
    if (ledger_job_missing(j, j->actor, "actor"))
        return -EINVAL;
    int rc = action_validate_kind(j, a);
    if (rc < 0)
        return rc;
    j->lock_case = a->case_id;
    return 0;
}

/* The roll-up counters, in the order of ld_bump's vector (006, 012). */
enum {
    D_RECEIVED,
    D_REPLIED,
    D_ON_TIME,
    D_RESOLVED,
    D_RATED,
    D_SATISFIED,
    D_ESCALATED,
    D_RETURNED,
    D_REOPENED,
    D_REPLIED_ON_BEHALF,  /* the dispatch centre's answers for another body */
    D_RESOLVED_ON_BEHALF, /* (credit.h) */
    D_COUNT
};

static const char *deltas(ledger_job_t *j, const int d[D_COUNT])
{
    return ledger_job_printf(j, "{%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d}", d[0], d[1], d[2], d[3], d[4],
                             d[5], d[6], d[7], d[8], d[9], d[10]);
}

/* A rating from a front-end comes through the door the case came in by:
 * only a front-end of the case's own channel relays its resident's rating
 * (ROUTING.md section 8). Operators and services are not front-ends. */
static int rating_door_ok(ledger_job_t *j, const ledger_case_t *w)
{
    char channel[LEDGER_ID_MAX + 1];
    if (identity_role(j->user, NULL) != ROLE_FRONTEND)
        return 0;
    if (identity_frontend_channel(j->user, channel, sizeof channel) == 0 &&
        strcmp(channel, w->channel) == 0)
        return 0;
    ledger_job_fail(j, E(FORBIDDEN),
                    "case %s came in by %s: only a %s front-end relays its resident's rating",
                    w->case_id, w->channel, w->channel);
    return -EPERM;
}

/* Pause, resume, extend, grant, refuse (ROUTING.md section 6): the
 * state table allowed the action; these are the rules it cannot say. */
static int clock_refused(ledger_job_t *j, const ledger_case_t *w, unsigned roles)
{
    const Liandong__V1__CaseAction *a = j->req->case_action;
    const char *why = NULL;
    switch ((case_action_t)a->kind) {
    case CA_PAUSE:
        if (w->emergency)
            why = "an emergency's clock is never paused";
        else if (w->paused)
            why = "its clock is already paused";
        break;
    case CA_RESUME:
        if (!w->paused)
            why = "its clock is not paused";
        break;
    case CA_EXTEND:
        if (w->extension_pending)
            why = "an extension is already waiting for the dispatch centre";
        break;
    case CA_GRANT:
    case CA_REFUSE:
        /* The dispatch centre holding a case is a body like any other: it
         * may not grant itself more time. */
        if (roles & CASE_ROLE_HOLDER) {
            ledger_job_fail(j, E(FORBIDDEN), "%.64s may not decide an extension of its own case %s",
                            j->actor, a->case_id);
            return -EPERM;
        }
        if (!w->extension_pending)
            why = "no extension was asked for";
        break;
    default:
        break;
    }
    if (why == NULL)
        return 0;
    ledger_job_fail(j, E(ILLEGAL_TRANSITION), "case %s: %s", a->case_id, why);
    return -EINVAL;
}

static int clock_decide(ledger_job_t *j, ledger_case_t *w, unsigned roles,
                        const case_transition_t *t)
{
    const Liandong__V1__CaseAction *a = j->req->case_action;
    int rc = clock_refused(j, w, roles);
    if (rc < 0)
        return rc;
    const char **v = j->params;
    v[0] = a->case_id;
    v[1] = case_action_name((case_action_t)a->kind);
    /* A service resumes a pause only at its limit (the notifier). */
    if ((case_action_t)a->kind == CA_RESUME && (roles & CASE_ROLE_SERVICE) &&
        !(roles & (CASE_ROLE_HOLDER | CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR)))
        v[1] = "resume_at_limit";
    v[2] = t->event;
    v[3] = j->actor;
    v[4] = case_state_name((case_state_t)w->state);
    v[5] = (case_action_t)a->kind == CA_PAUSE
               ? ledger_job_printf(j, "%s, %u h: %s", a->reason, a->pause_hours, a->text)
               : a->text;
    v[6] = j->req->request_id;
    v[7] = ledger_job_u32(j, a->pause_hours);
    v[8] = a->reason;
    v[9] = ledger_job_printf(j, "%" PRId64, a->resolve_due_ms);
    v[10] = "";
    j->nparams = 11;
    switch ((case_action_t)a->kind) {
    case CA_PAUSE:
        w->paused = 1;
        break;
    case CA_RESUME:
        w->paused = 0;
        break;
    case CA_EXTEND:
        w->extension_pending = 1;
        break;
    default:
        w->extension_pending = 0;
        break;
    }
    return 0;
}

/* Decides one action against the working case; on success fills the
 * apply_action parameters and advances the working case. */
static int action_decide(ledger_job_t *j, ledger_case_t *w, const char *dispatch_body)
{
    const Liandong__V1__CaseAction *a = j->req->case_action;
    if (j->prior) {
        /* Recorded by an earlier batch: same answer, nothing new. */
        ledger_job_action_done(j, ledger_job_event(j, j->prior, 0), 1);
        return -EALREADY;
    }
    if (w == NULL || !w->found) {
        ledger_job_fail(j, E(NOT_FOUND), "no case %.64s", a->case_id);
        return -ENOENT;
    }
    unsigned roles = case_actor_roles(j->actor, w->body_id, dispatch_body);
    const case_transition_t *t = NULL;
    int rc = case_check((case_state_t)w->state, (case_action_t)a->kind, roles, &t);
    if ((case_action_t)a->kind == CA_DELIVERED) {
        /* An acknowledgement always marks the body's deliveries; it moves
         * the case only where the table allows (req_deliveries.h). */
        deliveries_ack_params(j, rc, case_state_name((case_state_t)w->state));
        if (rc == 0)
            w->state = (int)t->to;
        return 0;
    }
    if (rc == -EINVAL) {
        ledger_job_fail(j, E(ILLEGAL_TRANSITION), "case %s is %s: %s is not allowed", a->case_id,
                        case_state_name((case_state_t)w->state),
                        case_action_name((case_action_t)a->kind));
        return rc;
    }
    if (rc == -EPERM) {
        ledger_job_fail(j, E(FORBIDDEN), "%.64s may not %s case %s held by %s", j->actor,
                        case_action_name((case_action_t)a->kind), a->case_id, w->body_id);
        return rc;
    }
    if ((case_action_t)a->kind >= CA_PAUSE)
        return clock_decide(j, w, roles, t);
    int dold[D_COUNT] = {0}, dnew[D_COUNT] = {0};
    const char *new_body = w->body_id, *new_kind = "";
    /* Whose figures the first deltas go to: the holder's, unless an answer
     * was given on its behalf (credit.h). */
    answer_credit_t credit = {w->body_id, 1, 0};
    case_state_t to = t->to;
    int reopen = 0;
    uint32_t rh = 0, sh = 0;
    const Liandong__V1__Placement *pl = NULL;
    const char *note = a->text;
    switch ((case_action_t)a->kind) {
    case CA_REPLY:
        /* Figures count a case's first reply only. */
        credit = answer_credit(j->user, roles, w->body_id, dispatch_body);
        if (credit.on_behalf) {
            /* The dispatch centre's own figure, never a body's reply. */
            dold[D_REPLIED_ON_BEHALF] = !w->replied;
        } else {
            dold[D_REPLIED] = !w->replied;
            dold[D_ON_TIME] = !w->replied && w->on_time;
        }
        w->replied = 1;
        break;
    case CA_RESOLVE:
        credit = answer_credit(j->user, roles, w->body_id, dispatch_body);
        dold[credit.on_behalf ? D_RESOLVED_ON_BEHALF : D_RESOLVED] = !w->resolved;
        w->resolved = 1;
        break;
    case CA_RATE:
        if (rating_door_ok(j, w) < 0)
            return -EPERM;
        dold[D_RATED] = 1;
        dold[D_SATISFIED] = strcmp(a->rating, "dissatisfied") != 0;
        note = a->rating;
        if (dold[D_SATISFIED])
            break;
        /* ROUTING.md section 8: "dissatisfied" reopens the case (重办) to
         * the same body with a new resolution deadline (its limit as
         * placed, from now); a second one, once the body had its reopen,
         * escalates it one rung (ld_next_rung, the ladder of lib/ladder.h).
         * With no rung above, it is reopened again: never closed unsolved. */
        sh = w->resolve_hours;
        if (w->reopens > 0 && w->next_rung[0] != '\0' && strcmp(w->next_rung, w->body_id) != 0) {
            to = CS_ASSIGNED;
            new_body = w->next_rung;
            dold[D_ESCALATED] = 1;
            dnew[D_RECEIVED] = 1;
        } else {
            to = CS_REPLIED;
            reopen = 1;
            dold[D_REOPENED] = 1;
        }
        break;
    case CA_RETURN:
        /* A return goes to the registry's dispatch centre; with none there
         * is nobody to take the case, so it stays with its holder (never
         * with a made-up body id, issue 10). */
        if (*dispatch_body == '\0') {
            ledger_job_fail(j, E(NOT_FOUND),
                            "the registry has no dispatch centre to return case %.64s to; it "
                            "stays with its holder",
                            a->case_id);
            return -ENOENT;
        }
        dold[D_RETURNED] = 1;
        new_body = dispatch_body;
        new_kind = "dispatch_center";
        dnew[D_RECEIVED] = 1;
        note = ledger_job_printf(j, "%s: %s", a->reason, a->text);
        break;
    case CA_ESCALATE:
    case CA_DISPATCH:
        /* ROUTING.md section 8: a body re-dispatched a case it already
         * holds has not received it twice; refused so no figure counts it. */
        if (strcmp(a->target_body, w->body_id) == 0) {
            ledger_job_fail(j, E(BAD_REQUEST),
                            "case %s is already held by %.64s: it cannot be %s to the body that "
                            "holds it",
                            a->case_id, w->body_id,
                            (case_action_t)a->kind == CA_ESCALATE ? "escalated" : "dispatched");
            return -EINVAL;
        }
        if ((case_action_t)a->kind == CA_ESCALATE)
            dold[D_ESCALATED] = 1;
        new_body = a->target_body;
        dnew[D_RECEIVED] = 1;
        if (a->placement) {
            new_kind = a->placement->body_kind;
            rh = a->placement->reply_due_hours;
            sh = a->placement->resolve_due_hours;
            pl = a->placement;
        }
        break;
    default:
        break;
    }
    const char **v = j->params;
    v[0] = a->case_id;
    v[1] = case_action_name((case_action_t)a->kind);
    /* A service resumes a pause only at its limit (the notifier). */
    if ((case_action_t)a->kind == CA_RESUME && (roles & CASE_ROLE_SERVICE) &&
        !(roles & (CASE_ROLE_HOLDER | CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR)))
        v[1] = "resume_at_limit";
    v[2] = t->event;
    v[3] = j->actor;
    v[4] = case_state_name((case_state_t)w->state);
    v[5] = case_state_name(to);
    v[6] = ledger_job_strdup(j, new_body);
    v[7] = new_kind;
    v[8] = note;
    v[9] = j->req->request_id;
    v[10] = ledger_job_u32(j, rh);
    v[11] = ledger_job_u32(j, sh);
    v[12] = (case_action_t)a->kind == CA_RATE ? a->rating : "";
    v[13] = ledger_job_strdup(j, credit.body);
    v[14] = deltas(j, dold);
    v[15] = deltas(j, dnew);
    v[16] = credit.units ? "t" : "f";
    v[17] = reopen ? "t" : "f";
    /* the router's policy fixed the new holder's due moments (issue 15) */
    v[18] = ledger_job_printf(j, "%" PRId64, pl && pl->reply_due_ms > 0 ? pl->reply_due_ms : 0);
    v[19] = ledger_job_printf(j, "%" PRId64, pl && pl->resolve_due_ms > 0 ? pl->resolve_due_ms : 0);
    v[20] = pl ? pl->policy : "";
    v[21] = pl ? pl->reply_clock : "";
    v[22] = pl ? pl->resolve_clock : "";
    j->nparams = 23;
    if (credit.on_behalf)
        log_info(a->case_id, "%s answered on behalf of %s: counts for %s", j->actor, w->body_id,
                 *credit.body ? credit.body : "nobody (no dispatch centre)");
    w->state = (int)to;
    if (reopen)
        w->reopens++;
    if (strcmp(v[6], w->body_id) != 0) {
        snprintf(w->body_id, sizeof w->body_id, "%s", v[6]);
        w->reopens = 0;
        w->next_rung[0] = '\0'; /* the rung above the previous holder */
        w->paused = 0;
        w->extension_pending = 0;
    }
    if (rh > 0)
        w->on_time = 1; /* a new reply deadline starts now */
    return 0;
}

static int is_delivered(const ledger_job_t *j)
{
    return j->req->case_action->kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_DELIVERED;
}

static int action_send(db_t *db, ledger_job_t *j)
{
    if (is_delivered(j))
        return deliveries_send_ack(db, j);
    /* The event names the person or system behind the key and, where it
     * acted as someone else (an operator for a body, a front-end for its
     * resident), on whose behalf (ROUTING.md section 10). decide() left
     * the actor it acted as in $4 for the lifecycle's checks. */
    if (j->principal != NULL && *j->principal != '\0')
        j->params[3] = j->principal;
    if ((case_action_t)j->req->case_action->kind >= CA_PAUSE) {
        j->params[10] = j->on_behalf ? j->on_behalf : "";
        return ledger_job_send(db, j, "clock_action", j->nparams, j->params);
    }
    j->params[23] = j->on_behalf ? j->on_behalf : "";
    j->nparams = 24;
    return ledger_job_send(db, j, "apply_action", j->nparams, j->params);
}

static int action_answer(ledger_job_t *j)
{
    if (j->first_copy != NULL) {
        /* A repeat of an earlier job of the same batch: its answer. */
        const envelope_t *o = &j->first_copy->answer;
        if (o->body_case == LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION_DONE) {
            ledger_job_action_done(j, o->case_action_done->event, 1);
            return 0;
        }
        ledger_job_fail(j, E(UNAVAILABLE), "the first copy of this request failed; retry");
        return -EAGAIN;
    }
    if (is_delivered(j))
        return deliveries_answer_ack(j, j->res[0]);
    const PGresult *res = j->res[0];
    if (PQntuples(res) != 1) {
        ledger_job_fail(j, E(INTERNAL), "action recorded no event");
        return -EIO;
    }
    Liandong__V1__CaseEvent *e = ledger_job_event(j, res, 0);
    /* A placement gave new deadlines: say which clocks they run on, for
     * the notifier's due-soon share (issue 15). */
    const Liandong__V1__Placement *pl = j->req->case_action->placement;
    if (pl != NULL && e->reply_due_ms > 0) {
        e->reply_clock = ledger_job_strdup(j, pl->reply_clock);
        e->resolve_clock = ledger_job_strdup(j, pl->resolve_clock);
    }
    /* The pause's limit, as PAUSE_STMT set it (now() + the hours, the
     * event's own now()): the notifier resumes the case there. */
    if ((case_action_t)j->req->case_action->kind == CA_PAUSE)
        e->pause_until_ms = e->at_ms + (int64_t)j->req->case_action->pause_hours * 3600000;
    ledger_job_action_done(j, e, 0);
    log_info(e->case_id, "%s by %s: %s -> %s", e->kind, e->actor, e->from_state, e->to_state);
    return 0;
}

const ledger_handler_t ledger_req_case_action = {
    .name = "CaseAction",
    .body = LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION,
    .stmts = action_stmts,
    .n_stmts = sizeof action_stmts / sizeof action_stmts[0],
    .validate = action_validate,
    .decide = action_decide,
    .send = action_send,
    .answer = action_answer,
};

/* ------------------------------------------------------------- ListCases */

static const db_stmt_t list_stmts[] = {
    /* $1 body ('' any) $2 state ('' open) $3 after case id $4 limit
     * $5 channel ('' any: a front-end's scope) $6 flagged for review only.
     * The flag is read from the explanation the router stored as compact
     * JSON (jansson keeps the key order: explain.review.flagged first);
     * a text match, so that an explanation that is not JSON at all (the
     * ledger accepts any text there) can never fail the query. */
    {"list_cases",
     "SELECT " CASE_COLS " FROM cases c WHERE ($1 = '' OR c.body_id = $1)"
     " AND ($5 = '' OR c.channel = $5)"
     " AND (NOT $6::bool OR position('\"review\":{\"flagged\":true' IN c.explain_json) > 0)"
     " AND (CASE WHEN $2 = '' THEN c.state IN " CASE_OPEN_STATES_SQL " ELSE c.state = $2 END)"
     " AND c.case_no > COALESCE((SELECT a.case_no FROM cases a WHERE a.case_id = $3),"
     "  CASE WHEN $3 = '' THEN 0 ELSE 9223372036854775807 END)"
     " ORDER BY c.case_no LIMIT $4::int",
     6},
};

/* What the caller may read (authz.h): a body's desk and its staff the
 * cases of their body, a front-end its channel's, everyone else all.
 * *body and *channel are "" when not restricted. */
static void read_scope(const ledger_job_t *j, const char **body, const char **channel)
{
    const char *id = NULL;
    *body = *channel = "";
    switch (identity_role(j->user, &id)) {
    case ROLE_BODY:
        *body = id;
        break;
    case ROLE_STAFF:
        *body = identity_staff_body(id);
        break;
    case ROLE_FRONTEND: {
        int c = authz_frontend_channel(id);
        /* A front-end of no channel reads nothing: a name no case has. */
        *channel = c < 0 ? "-" : channel_name((channel_t)c);
        break;
    }
    default:
        break;
    }
}

static int list_validate(ledger_job_t *j)
{
    const Liandong__V1__ListCases *l = j->req->list_cases;
    if (ledger_job_bad_text(j, l->body_id, "body_id", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, l->after_case_id, "after_case_id", LEDGER_ID_MAX))
        return -EINVAL;
    if (*l->state && case_state_from_name(l->state) < 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "unknown state %.40s", l->state);
        return -EINVAL;
    }
    j->actor = ledger_job_actor(j, l->actor);
    if (j->actor == NULL) {
        ledger_job_fail(j, E(FORBIDDEN), "this key may only read as its own body");
        return -EPERM;
    }
    const char *body = NULL, *channel = NULL;
    read_scope(j, &body, &channel);
    if (*body && *l->body_id && strcmp(l->body_id, body) != 0) {
        ledger_job_fail(j, E(FORBIDDEN), "%.64s may list only its own cases, not %.64s's", body,
                        l->body_id);
        return -EPERM;
    }
    return 0;
}

static int list_send(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__ListCases *l = j->req->list_cases;
    uint32_t lim = l->limit == 0 ? LIST_DEFAULT : (l->limit > LIST_MAX ? LIST_MAX : l->limit);
    const char *body = NULL, *channel = NULL;
    read_scope(j, &body, &channel);
    const char **v = j->params;
    v[0] = *body ? body : l->body_id;
    v[1] = l->state;
    v[2] = l->after_case_id;
    v[3] = ledger_job_u32(j, lim);
    v[4] = channel;
    v[5] = l->review ? "t" : "f";
    return ledger_job_send(db, j, "list_cases", 6, v);
}

static int list_answer(ledger_job_t *j)
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

const ledger_handler_t ledger_req_list_cases = {
    .name = "ListCases",
    .body = LIANDONG__V1__ENVELOPE__BODY_LIST_CASES,
    .stmts = list_stmts,
    .n_stmts = sizeof list_stmts / sizeof list_stmts[0],
    .validate = list_validate,
    .decide = ledger_decide_nothing,
    .send = list_send,
    .answer = list_answer,
};

/* --------------------------------------------------------------- GetCase */

static const db_stmt_t get_stmts[] = {
    {"get_case", "SELECT " CASE_COLS " FROM cases c WHERE c.case_id = $1", 1},
    {"get_events", "SELECT " EVENT_COLS("") " FROM case_events WHERE case_id = $1 ORDER BY seq", 1},
    {REPORTERS_STMT_NAME, REPORTERS_STMT_SQL, 1}, /* req_repeats.c */
};

static int get_validate(ledger_job_t *j)
{
    const Liandong__V1__GetCase *g = j->req->get_case;
    if (ledger_job_missing(j, g->case_id, "case_id") ||
        ledger_job_bad_text(j, g->case_id, "case_id", LEDGER_ID_MAX))
        return -EINVAL;
    j->actor = ledger_job_actor(j, g->actor);
    if (j->actor == NULL) {
        ledger_job_fail(j, E(FORBIDDEN), "this key may only read as its own body");
        return -EPERM;
    }
    return 0;
}

/* 1 when the caller may read the case of row 0 (CASE_COLS): its body holds
 * it or is copied on it, its front-end's channel brought it (or one of its
 * reporters, `rep`) in, or the caller reads every case. */
static int may_read(ledger_job_t *j, const PGresult *r, const PGresult *rep)
{
    const char *body = NULL, *channel = NULL;
    read_scope(j, &body, &channel);
    if (*channel)
        return strcmp(PQgetvalue(r, 0, 1), channel) == 0 ||
               ledger_reporters_have_channel(rep, channel);
    if (*body == '\0' || strcmp(PQgetvalue(r, 0, 5), body) == 0)
        return 1;
    char **cc = NULL;
    size_t n = 0;
    ledger_job_cc(j, PQgetvalue(r, 0, 7), &cc, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(cc[i], body) == 0)
            return 1;
    return 0;
}

static int get_send(db_t *db, ledger_job_t *j)
{
    const char **v = j->params;
    v[0] = j->req->get_case->case_id;
    if (ledger_job_send(db, j, "get_case", 1, v) < 0 ||
        ledger_job_send(db, j, "get_events", 1, v) < 0 ||
        ledger_job_send(db, j, REPORTERS_STMT_NAME, 1, v) < 0)
        return -ENOTCONN;
    return 0;
}

static int get_answer(ledger_job_t *j)
{
    const PGresult *res = j->res[0];
    if (PQntuples(res) != 1) {
        ledger_job_fail(j, E(NOT_FOUND), "no case %.64s", j->req->get_case->case_id);
        return -ENOENT;
    }
    if (!may_read(j, res, j->res[2])) {
        ledger_job_fail(j, E(FORBIDDEN), "%.64s may not read case %.64s", j->user,
                        j->req->get_case->case_id);
        return -EPERM;
    }
    Liandong__V1__CaseDetail *d = ledger_job_alloc(j, sizeof(*d));
    liandong__v1__case_detail__init(d);
    d->record = ledger_job_record(j, res, 0, j->actor);
    /* the placement's explanation, for the one case asked for (column 21
     * of CASE_COLS; lists leave it out: it is the largest column) */
    d->record->explain_json = ledger_col_str(j, res, 0, 21);
    int n = PQntuples(j->res[1]);
    d->events = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__CaseEvent *));
    for (int i = 0; i < n; i++)
        d->events[d->n_events++] = ledger_job_event(j, j->res[1], i);
    ledger_reporters_fill(j, d, res, j->res[2]);
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_DETAIL;
    j->answer.case_detail = d;
    return 0;
}

const ledger_handler_t ledger_req_get_case = {
    .name = "GetCase",
    .body = LIANDONG__V1__ENVELOPE__BODY_GET_CASE,
    .stmts = get_stmts,
    .n_stmts = sizeof get_stmts / sizeof get_stmts[0],
    .validate = get_validate,
    .decide = ledger_decide_nothing,
    .send = get_send,
    .answer = get_answer,
};
