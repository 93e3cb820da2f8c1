/*
 * db_batch.c - group commit: a batch of requests in one transaction, run
 * with libpq's pipeline mode in two round trips (see db_batch.h).
 *
 *   phase 1  BEGIN; lock the cases the batch's actions touch (FOR UPDATE,
 *            in case-id order so two ledgers cannot deadlock); look up
 *            earlier events with the same request ids; sync.
 *   decide   in C, job by job in arrival order, against a working copy of
 *            each case, with the one state table (case_state.c). Refusals
 *            are answers, not SQL errors, so they abort nothing.
 *   phase 2  every write and read in arrival order, then COMMIT; sync.
 *            Answers exist only once COMMIT's own result said COMMIT.
 *
 * If phase 2 fails for a reason that is not a lost connection (a
 * constraint violated by a concurrent ledger, a bug), the batch is rolled
 * back and each job is run again alone, so one poisoned request cannot
 * take its neighbours down with it.
 */
#include "db_batch.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "case_state.h"
#include "db_alerts.h"
#include "db_deliveries.h"
#include "db_figures.h"
#include "desk_rid.h"
#include "domain.h"
#include "log.h"
#include "registry.h"

#define TEXT_MAX (16 * 1024)
#define ID_MAX 128
#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define PROBLEMS_MAX 4000

enum { ST_NEW = 0, ST_DB, ST_REFUSED, ST_APPLY, ST_EARLY };

/* ------------------------------------------------------------------ SQL */

#define CASE_COLS                                                                                  \
    "c.case_id, c.channel, c.channel_id, c.state, c.category, c.body_id, c.body_kind,"             \
    " array_to_json(c.cc)::text, c.urgency, c.compound_code, c.text, c.address,"                   \
    " c.resident_name, c.resident_phone, ld_ms(c.created_at), ld_ms(c.reply_due),"                 \
    " ld_ms(c.resolve_due), ld_ms(c.replied_at), ld_ms(c.resolved_at), c.rating, c.tier,"          \
    " c.explain_json, round(extract(epoch FROM c.reply_due - c.created_at) / 3600)::int,"          \
    " round(extract(epoch FROM c.resolve_due - c.created_at) / 3600)::int"
#define NCASE_COLS 24
#define EVENT_COLS(p)                                                                              \
    p "seq, " p "case_id, " p "kind, " p "actor, " p "from_state, " p "to_state, " p "body_id, " p \
      "note, ld_ms(" p "at), ld_ms(" p "reply_due), ld_ms(" p "resolve_due)"
/* Figures over a day range come from the whole months inside it
 * (figures_*_monthly) and the days at its two ends (figures_*_daily). The
 * bounds of the three parts are worked out in C (fig_range() below) and
 * passed as plain date parameters: the planner then sees every bound as an
 * index condition with a value (as expressions or a joined CTE row it once
 * scanned all 800,000 daily rows for one street's 80 compounds, and chose
 * differently from run to run). */
#define FIG_COLS                                                                                   \
    "received, replied, replied_on_time, resolved, rated, satisfied, escalated, returned"
#define FIG_SUMS                                                                                   \
    "sum(received) received, sum(replied) replied, sum(replied_on_time) rot,"                      \
    " sum(resolved) resolved, sum(rated) rated, sum(satisfied) satisfied,"                         \
    " sum(escalated) escalated, sum(returned) returned"
#define OPEN_STATES "('received','assigned','delivered','accepted','replied','returned')"

/* The figures of bodies; BODY_SEL, when not empty, keeps only the bodies
 * of a subtree's units in every part (roll-up rows and open cases are then
 * probed per body instead of read for the whole city). */
#define BODIES_OF_SUBTREE                                                                          \
    "(SELECT bu.body_id FROM body_units bu"                                                        \
    "  JOIN units u ON u.code = bu.unit_code WHERE $3 = ANY (u.path))"
#define SUBTREE_BODIES " AND body_id IN " BODIES_OF_SUBTREE
#define RATES_BODY_SQL(BODY_SEL)                                                                   \
    "WITH f AS (SELECT key, " FIG_SUMS " FROM ("                                                   \
    "  SELECT body_id AS key, " FIG_COLS " FROM figures_body_daily"                                \
    "   WHERE day >= $1::date AND day < $4::date" BODY_SEL "  UNION ALL SELECT body_id, " FIG_COLS \
    " FROM figures_body_daily"                                                                     \
    "   WHERE day >= $5::date AND day <= $2::date" BODY_SEL                                        \
    "  UNION ALL SELECT body_id, " FIG_COLS " FROM figures_body_monthly"                           \
    "   WHERE month >= $6::date AND month < $7::date" BODY_SEL ") x GROUP BY key),"                \
    " o AS (SELECT body_id AS key, count(*) open,"                                                 \
    "  count(*) FILTER (WHERE replied_at IS NULL AND reply_due < now()) overdue_reply,"            \
    "  count(*) FILTER (WHERE resolve_due < now()) overdue_resolve"                                \
    "  FROM cases WHERE state IN " OPEN_STATES BODY_SEL " GROUP BY body_id),"                      \
    " k AS (SELECT key FROM f UNION SELECT key FROM o)"                                            \
    " SELECT k.key, COALESCE(b.name, ''), COALESCE(f.received, 0), COALESCE(f.replied, 0),"        \
    "  COALESCE(f.rot, 0), COALESCE(f.resolved, 0), COALESCE(f.rated, 0),"                         \
    "  COALESCE(f.satisfied, 0), COALESCE(o.open, 0), COALESCE(o.overdue_reply, 0),"               \
    "  COALESCE(o.overdue_resolve, 0), COALESCE(f.escalated, 0), COALESCE(f.returned, 0)"          \
    " FROM k LEFT JOIN f USING (key) LEFT JOIN o USING (key) LEFT JOIN bodies b ON b.id = k.key"   \
    " WHERE $3 = '' OR k.key IN " BODIES_OF_SUBTREE " ORDER BY k.key"

/* The figures of units of one kind (see "rates_unit" below): JOIN_SEL
 * joins each roll-up source to the selected units, KEEP_SEL filters the
 * summed rows instead; OPEN_SEL keeps the open cases of a subtree's
 * compounds (probes of the cases_open index, not a walk of every open
 * case of the city). */
#define RATES_UNIT_SQL(JOIN_SEL, KEEP_SEL, OPEN_SEL)                                               \
    "WITH sel AS (SELECT code, name FROM units WHERE kind = $4 AND ($3 = '' OR $3 = ANY (path)))," \
    " f AS (SELECT key, " FIG_SUMS " FROM ("                                                       \
    "  SELECT unit_code AS key, " FIG_COLS " FROM figures_unit_daily" JOIN_SEL                     \
    "   WHERE day >= $1::date AND day < $5::date"                                                  \
    "  UNION ALL SELECT unit_code, " FIG_COLS " FROM figures_unit_daily" JOIN_SEL                  \
    "   WHERE day >= $6::date AND day <= $2::date"                                                 \
    "  UNION ALL SELECT unit_code, " FIG_COLS " FROM figures_unit_monthly" JOIN_SEL                \
    "   WHERE month >= $7::date AND month < $8::date) x" KEEP_SEL " GROUP BY key),"                \
    " oc AS (SELECT compound_code, count(*) open,"                                                 \
    "  count(*) FILTER (WHERE replied_at IS NULL AND reply_due < now()) overdue_reply,"            \
    "  count(*) FILTER (WHERE resolve_due < now()) overdue_resolve"                                \
    "  FROM cases WHERE state IN " OPEN_STATES OPEN_SEL " GROUP BY compound_code),"                \
    " o AS (SELECT p.code AS key, sum(oc.open) open, sum(oc.overdue_reply) overdue_reply,"         \
    "  sum(oc.overdue_resolve) overdue_resolve"                                                    \
    "  FROM oc JOIN units cu ON cu.code = oc.compound_code, unnest(cu.path) AS p(code)"            \
    "  WHERE p.code IN (SELECT code FROM sel) GROUP BY p.code)"                                    \
    " SELECT sel.code, sel.name, COALESCE(f.received, 0), COALESCE(f.replied, 0),"                 \
    "  COALESCE(f.rot, 0), COALESCE(f.resolved, 0), COALESCE(f.rated, 0),"                         \
    "  COALESCE(f.satisfied, 0), COALESCE(o.open, 0), COALESCE(o.overdue_reply, 0),"               \
    "  COALESCE(o.overdue_resolve, 0), COALESCE(f.escalated, 0), COALESCE(f.returned, 0)"          \
    " FROM sel LEFT JOIN f ON f.key = sel.code LEFT JOIN o ON o.key = sel.code"                    \
    " WHERE f.key IS NOT NULL OR o.key IS NOT NULL ORDER BY sel.code"

static const db_stmt_t statements[] = {
    {"lock_case",
     "SELECT state, body_id, body_kind, compound_code, replied_at IS NOT NULL,"
     " resolved_at IS NOT NULL, rating, now() <= reply_due"
     " FROM cases WHERE case_id = $1 FOR UPDATE",
     1},
    {"event_by_rid", "SELECT " EVENT_COLS("") " FROM case_events WHERE request_id = $1", 1},
    {"dispatch_body",
     "SELECT COALESCE((SELECT id FROM bodies WHERE kind = 'dispatch_center' ORDER BY id"
     " LIMIT 1), '')",
     0},
    /* $1 channel $2 channel_id $3 text $4 address $5 compound $6 urgency
     * $7 name $8 phone $9 received_at_ms $10 category $11 tier $12 body
     * $13 body_kind $14 cc $15 reply h $16 resolve h $17 explain $18 actor */
    {"create_case",
     "WITH ins AS ("
     " INSERT INTO cases (case_id, case_no, channel, channel_id, state, category, tier, body_id,"
     "  body_kind, cc, urgency, compound_code, text, address, resident_name, resident_phone,"
     "  explain_json, demand_received_at, created_at, reply_due, resolve_due)"
     " SELECT 'LD-' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD') || '-' ||"
     "  lpad(q.n::text, greatest(6, length(q.n::text)), '0'), q.n, $1, $2, 'assigned', $10,"
     "  $11, $12, $13, $14::text[], $6, $5, $3, $4, $7, $8, $17,"
     "  CASE WHEN $9::bigint > 0 THEN to_timestamp($9::bigint / 1000.0) END, now(),"
     "  now() + make_interval(hours => $15::int), now() + make_interval(hours => $16::int)"
     " FROM (SELECT nextval('case_no_seq') AS n) q"
     " ON CONFLICT (channel, channel_id) DO NOTHING RETURNING *),"
     " s AS (SELECT ld_next_seq(2) AS seq FROM ins),"
     " ev AS (INSERT INTO case_events (seq, case_id, kind, actor, from_state, to_state, body_id,"
     "  note, at, reply_due, resolve_due)"
     "  SELECT s.seq - 1, i.case_id, 'created', $18, '', 'received', '', '', now(),"
     "   i.reply_due, i.resolve_due FROM ins i, s"
     "  UNION ALL SELECT s.seq, i.case_id, 'assigned', $18, 'received', 'assigned', i.body_id,"
     "   '', now(), i.reply_due, i.resolve_due FROM ins i, s RETURNING seq)"
     " SELECT " CASE_COLS ", false, (SELECT max(seq) FROM ev),"
     "  ld_bump(c.body_id, c.compound_code, '{1,0,0,0,0,0,0,0}') FROM ins c"
     " UNION ALL SELECT " CASE_COLS ", true, 0, 0 FROM cases c"
     "  WHERE c.channel = $1 AND c.channel_id = $2 AND NOT EXISTS (SELECT 1 FROM ins)",
     18},
    /* $1 case $2 action $3 event kind $4 actor $5 from $6 to $7 new body
     * $8 new body kind ('' = from bodies) $9 note $10 request id
     * $11 reply h (0 keep) $12 resolve h $13 rating $14 old body
     * $15 old body deltas $16 new body deltas */
    {"apply_action",
     "WITH c AS (UPDATE cases SET state = $6, body_id = $7,"
     "  body_kind = CASE WHEN $7 = body_id AND $8 = '' THEN body_kind"
     "   ELSE COALESCE(NULLIF($8, ''), (SELECT b.kind FROM bodies b WHERE b.id = $7), '') END,"
     "  reply_due = CASE WHEN $11::int > 0 THEN now() + make_interval(hours => $11::int)"
     "   ELSE reply_due END,"
     "  resolve_due = CASE WHEN $12::int > 0 THEN now() + make_interval(hours => $12::int)"
     "   ELSE resolve_due END,"
     "  replied_at = CASE WHEN $2 = 'reply' THEN COALESCE(replied_at, now()) ELSE replied_at END,"
     "  resolved_at = CASE WHEN $2 = 'resolve' THEN COALESCE(resolved_at, now())"
     "   ELSE resolved_at END,"
     "  reply_text = CASE WHEN $2 = 'reply' THEN $9 ELSE reply_text END,"
     "  resolution_text = CASE WHEN $2 = 'resolve' THEN $9 ELSE resolution_text END,"
     "  rating = CASE WHEN $13 <> '' THEN $13 ELSE rating END,"
     "  escalations = escalations + CASE WHEN $2 = 'escalate' THEN 1 ELSE 0 END,"
     "  returns = returns + CASE WHEN $2 = 'return' THEN 1 ELSE 0 END"
     "  WHERE case_id = $1 RETURNING case_id, reply_due, resolve_due, compound_code),"
     " s AS (SELECT ld_next_seq(1) AS seq),"
     " e AS (INSERT INTO case_events (seq, case_id, kind, actor, from_state, to_state, body_id,"
     "  note, at, reply_due, resolve_due, request_id)"
     "  SELECT s.seq, c.case_id, $3, $4, $5, $6, $7, $9, now(), c.reply_due, c.resolve_due,"
     "   $10 FROM c, s RETURNING *)"
     " SELECT " EVENT_COLS("e.") ", ld_bump($14, c.compound_code, $15::bigint[]),"
                                 "  ld_bump($7, '', $16::bigint[]) FROM e, c",
     16},
    /* $1 body ('' any) $2 state ('' open) $3 after case id $4 limit */
    {"list_cases",
     "SELECT " CASE_COLS " FROM cases c WHERE ($1 = '' OR c.body_id = $1)"
     " AND (CASE WHEN $2 = '' THEN c.state IN " OPEN_STATES " ELSE c.state = $2 END)"
     " AND c.case_no > COALESCE((SELECT a.case_no FROM cases a WHERE a.case_id = $3),"
     "  CASE WHEN $3 = '' THEN 0 ELSE 9223372036854775807 END)"
     " ORDER BY c.case_no LIMIT $4::int",
     4},
    {"get_case", "SELECT " CASE_COLS " FROM cases c WHERE c.case_id = $1", 1},
    {"get_events", "SELECT " EVENT_COLS("") " FROM case_events WHERE case_id = $1 ORDER BY seq", 1},
    /* $1 from day $2 to day $3 unit subtree ('' all); $4..$7 the range's
     * parts, see fig_range() */
    {"rates_body", RATES_BODY_SQL(""), 7},
    {"rates_body_in", RATES_BODY_SQL(SUBTREE_BODIES), 7},
    /* $1 from day $2 to day $3 unit subtree $4 unit kind, $5..$8 the
     * range's parts (fig_range()). Open cases are
     * counted per compound first (index-only on cases_open), then added up
     * the compound's path: cost follows the open cases, not the history;
     * within a subtree only the subtree's compounds' open cases are read.
     * Two shapes of one query (RATES_UNIT_SQL): within a subtree, the
     * roll-up rows are joined to the subtree's units as they are read (few
     * units: index probes); city-wide, they are read by date alone and
     * only then kept for the units of the kind asked (measured on the
     * bench's 2,000 compounds: all-time 57 -> 37 ms, one day 49 -> 19 ms;
     * the join-first shape hashed every monthly row). */
    {"rates_unit",
     RATES_UNIT_SQL(" JOIN sel ON code = unit_code", "",
                    " AND compound_code IN (SELECT code FROM units"
                    "  WHERE kind = 'compound' AND $3 = ANY (path))"),
     8},
    {"rates_unit_all", RATES_UNIT_SQL("", " WHERE key IN (SELECT code FROM sel)", ""), 8},
    {"registry_import", "SELECT ld_import_registry($1)", 1},
    {"registry_latest", "SELECT version, json FROM registry_versions ORDER BY version DESC LIMIT 1",
     0},
    DELIVERIES_STATEMENTS(CASE_COLS, EVENT_COLS("e.")),
};

#define NOWN_STMTS (sizeof statements / sizeof statements[0])
#define MAX_EXTRA_STMTS 8

/* Ours, then those of the request kinds served in other files. */
const db_stmt_t *ledger_statements(size_t *n)
{
    /* The core statements, then those of the request kinds served in other
     * files (db_alerts.c, db_figures.c), copied once. */
    static db_stmt_t all[NOWN_STMTS + DB_ALERTS_NSTMTS + MAX_EXTRA_STMTS];
    static size_t nall;
    if (nall == 0) {
        size_t na = 0, nf = 0;
        const db_stmt_t *a = db_alerts_statements(&na);
        const db_stmt_t *f = figures_statements(&nf);
        memcpy(all, statements, sizeof statements);
        nall = NOWN_STMTS;
        for (size_t i = 0; i < na && nall < NOWN_STMTS + DB_ALERTS_NSTMTS; i++)
            all[nall++] = a[i];
        for (size_t i = 0; i < nf && nall < sizeof all / sizeof all[0]; i++)
            all[nall++] = f[i];
    }
    *n = nall;
    return all;
}

/* ---------------------------------------------------------------- arena */

/* Every string and message of an answer lives in its job's arena and is
 * released at once when the answer has been sent. */
struct arena_block {
    arena_block_t *next;
    max_align_t data[];
};

static void *ja_alloc(ledger_job_t *j, size_t n)
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

static char *ja_strdup(ledger_job_t *j, const char *s)
{
    size_t n = strlen(s);
    char *p = ja_alloc(j, n + 1);
    memcpy(p, s, n + 1);
    return p;
}

/* Formatted text in the job's arena (declared in db_batch.h for the
 * handlers kept in other files). */
char *ledger_job_printf(ledger_job_t *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = ja_alloc(j, (size_t)(n > 0 ? n : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

char *ledger_job_strdup(ledger_job_t *j, const char *s)
{
    return ja_strdup(j, s);
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

static void job_clear_results(ledger_job_t *j)
{
    for (int i = 0; i < j->nres; i++)
        PQclear(j->res[i]);
    j->nres = 0;
    PQclear(j->prior);
    j->prior = NULL;
}

void ledger_job_clear(ledger_job_t *j)
{
    job_clear_results(j);
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
    Liandong__V1__Error *e = ja_alloc(j, sizeof(*e));
    liandong__v1__error__init(e);
    e->code = code;
    e->message = ja_strdup(j, msg);
    liandong__v1__envelope__init(&j->answer);
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_ERROR;
    j->answer.error = e;
    j->done = 1;
}

#define E(x) LIANDONG__V1__ERROR_CODE__ERROR_##x

/* ----------------------------------------------------------- validation */

/* Text stored in PostgreSQL must be valid UTF-8 of bounded size: refuse it
 * here rather than let the database fail the whole batch. */
static int bad_text(ledger_job_t *j, const char *s, const char *field, size_t max)
{
    if (s == NULL || wire_check_text(s, max) == 0)
        return 0;
    ledger_job_fail(j, E(BAD_REQUEST), "%s is not text of at most %zu bytes", field, max);
    return 1;
}

static int missing(ledger_job_t *j, const char *s, const char *field)
{
    if (s != NULL && *s != '\0')
        return 0;
    ledger_job_fail(j, E(MISSING_FIELD), "missing field: %s", field);
    return 1;
}

static int is_one_of(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return 1;
    return 0;
}

static const char *const RETURN_REASONS[] = {"territory", "ownership", "function", NULL};
static const char *const RATINGS[] = {"satisfied", "basically_satisfied", "dissatisfied", NULL};
static const char *const RATE_BY[] = {"body", "compound", "community", "street", "district", NULL};

/* The actor an action is recorded under. Identity comes from the CURVE key
 * when there is one: a body's key can only act as that body; services and
 * operators act on behalf of the actor they name. Without CURVE (loopback
 * development) the field is taken as given. */
static const char *effective_actor(ledger_job_t *j, const char *field)
{
    const char *u = j->user;
    field = field ? field : "";
    if (*u == '\0')
        return field;
    const char *colon = strchr(u, ':');
    size_t rl = colon ? (size_t)(colon - u) : strlen(u);
    const char *id = colon ? colon + 1 : "";
    if (rl == 4 && strncmp(u, "body", 4) == 0)
        return (*field == '\0' || strcmp(field, id) == 0) ? ja_strdup(j, id) : NULL;
    if ((rl == 7 && strncmp(u, "service", 7) == 0) || (rl == 8 && strncmp(u, "operator", 8) == 0))
        return *field ? field : u;
    if (strncmp(field, "resident:", 9) == 0)
        return field; /* a front-end relays its resident's rating */
    return u;
}

static void validate_create(ledger_job_t *j, const Liandong__V1__CreateCase *c)
{
    if (c->demand == NULL) {
        ledger_job_fail(j, E(MISSING_FIELD), "missing field: demand");
        return;
    }
    if (c->placement == NULL) {
        ledger_job_fail(j, E(MISSING_FIELD), "missing field: placement");
        return;
    }
    const Liandong__V1__Demand *d = c->demand;
    const Liandong__V1__Placement *p = c->placement;
    if (missing(j, d->channel, "demand.channel") ||
        missing(j, d->channel_id, "demand.channel_id") ||
        missing(j, p->body_id, "placement.body_id") ||
        missing(j, p->category, "placement.category"))
        return;
    if (channel_from_name(d->channel, strlen(d->channel)) < 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "unknown channel %.40s", d->channel);
        return;
    }
    if (category_from_name(p->category, strlen(p->category)) < 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "unknown category %.40s", p->category);
        return;
    }
    if (d->urgency > LIANDONG__V1__URGENCY__URGENCY_EMERGENCY ||
        p->urgency > LIANDONG__V1__URGENCY__URGENCY_EMERGENCY || p->reply_due_hours > 24 * 366 ||
        p->resolve_due_hours > 24 * 366) {
        ledger_job_fail(j, E(BAD_REQUEST), "urgency or due hours out of range");
        return;
    }
    if (bad_text(j, d->channel_id, "demand.channel_id", ID_MAX) ||
        bad_text(j, d->text, "demand.text", TEXT_MAX) ||
        bad_text(j, d->address, "demand.address", 1024) ||
        bad_text(j, d->compound, "demand.compound", ID_MAX) ||
        bad_text(j, d->resident_name, "demand.resident_name", 256) ||
        bad_text(j, d->resident_phone, "demand.resident_phone", 64) ||
        bad_text(j, p->tier, "placement.tier", 32) ||
        bad_text(j, p->body_id, "placement.body_id", ID_MAX) ||
        bad_text(j, p->body_kind, "placement.body_kind", 64) ||
        bad_text(j, p->compound_code, "placement.compound_code", ID_MAX) ||
        bad_text(j, p->explain_json, "placement.explain_json", TEXT_MAX))
        return;
    if (p->n_cc > 32) {
        ledger_job_fail(j, E(BAD_REQUEST), "too many cc bodies");
        return;
    }
    for (size_t i = 0; i < p->n_cc; i++)
        if (missing(j, p->cc[i], "placement.cc[]") || bad_text(j, p->cc[i], "placement.cc", ID_MAX))
            return;
    j->actor = effective_actor(j, "");
    if (j->actor == NULL || *j->actor == '\0')
        j->actor = "service:router";
    j->stage = ST_DB;
}

static void validate_action(ledger_job_t *j, const Liandong__V1__CaseAction *a)
{
    if (missing(j, j->req->request_id, "request_id") || missing(j, a->case_id, "case_id") ||
        bad_text(j, a->case_id, "case_id", ID_MAX))
        return;
    /* Ids a department's actions are recorded under (lib/desk_rid.h) come
     * only from the router: anyone else could pre-empt or read them. */
    if (desk_rid_reserved(j->req->request_id) && *j->user != '\0' &&
        strncmp(j->user, "service:", 8) != 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "request ids starting with %s are the router's",
                        DESK_RID_PREFIX);
        return;
    }
    if (a->kind == 0) {
        ledger_job_fail(j, E(MISSING_FIELD), "missing field: kind");
        return;
    }
    if ((unsigned)a->kind >= CA_COUNT) {
        ledger_job_fail(j, E(BAD_REQUEST), "unknown action kind %d", (int)a->kind);
        return;
    }
    if (bad_text(j, a->actor, "actor", ID_MAX) || bad_text(j, a->text, "text", TEXT_MAX) ||
        bad_text(j, a->target_body, "target_body", ID_MAX))
        return;
    j->actor = effective_actor(j, a->actor);
    if (j->actor == NULL) {
        ledger_job_fail(j, E(FORBIDDEN), "this key may only act as its own body");
        return;
    }
    if (missing(j, j->actor, "actor"))
        return;
    switch ((case_action_t)a->kind) {
    case CA_RETURN:
        if (missing(j, a->reason, "reason"))
            return;
        if (!is_one_of(a->reason, RETURN_REASONS)) {
            ledger_job_fail(j, E(BAD_REQUEST), "reason must be territory, ownership or function");
            return;
        }
        break;
    case CA_ESCALATE:
    case CA_DISPATCH:
        /* The new holder is the router's to compute (escalate.c): a body's
         * own key must not choose where its case goes. */
        if (strncmp(j->user, "body:", 5) == 0) {
            ledger_job_fail(j, E(FORBIDDEN), "escalation and dispatch go through the router");
            return;
        }
        if (missing(j, a->target_body, "target_body"))
            return;
        if (a->placement && (a->placement->reply_due_hours > 24 * 366 ||
                             a->placement->resolve_due_hours > 24 * 366 ||
                             bad_text(j, a->placement->body_kind, "placement.body_kind", 64)))
            return;
        break;
    case CA_RATE:
        if (missing(j, a->rating, "rating"))
            return;
        if (!is_one_of(a->rating, RATINGS)) {
            ledger_job_fail(j, E(BAD_REQUEST),
                            "rating must be satisfied, basically_satisfied or dissatisfied");
            return;
        }
        break;
    default:
        break;
    }
    j->stage = ST_DB;
}

static void validate(ledger_job_t *j)
{
    const envelope_t *r = j->req;
    switch (r->body_case) {
    case LIANDONG__V1__ENVELOPE__BODY_CREATE_CASE:
        validate_create(j, r->create_case);
        break;
    case LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION:
        validate_action(j, r->case_action);
        break;
    case LIANDONG__V1__ENVELOPE__BODY_LIST_CASES: {
        const Liandong__V1__ListCases *l = r->list_cases;
        if (bad_text(j, l->body_id, "body_id", ID_MAX) ||
            bad_text(j, l->after_case_id, "after_case_id", ID_MAX))
            break;
        if (*l->state && case_state_from_name(l->state) < 0) {
            ledger_job_fail(j, E(BAD_REQUEST), "unknown state %.40s", l->state);
            break;
        }
        j->actor = effective_actor(j, l->actor);
        j->stage = ST_DB;
        break;
    }
    case LIANDONG__V1__ENVELOPE__BODY_GET_CASE:
        if (missing(j, r->get_case->case_id, "case_id") ||
            bad_text(j, r->get_case->case_id, "case_id", ID_MAX))
            break;
        j->actor = effective_actor(j, r->get_case->actor);
        j->stage = ST_DB;
        break;
    case LIANDONG__V1__ENVELOPE__BODY_RATES_QUERY: {
        const Liandong__V1__RatesQuery *q = r->rates_query;
        const char *by = *q->by ? q->by : "body";
        if (!is_one_of(by, RATE_BY)) {
            ledger_job_fail(j, E(BAD_REQUEST),
                            "by must be body, compound, community, street or district");
            break;
        }
        if (bad_text(j, q->unit, "unit", ID_MAX))
            break;
        j->stage = ST_DB;
        break;
    }
    case LIANDONG__V1__ENVELOPE__BODY_REGISTRY_IMPORT: {
        const char *json = r->registry_import->json;
        if (missing(j, json, "json"))
            break;
        registry_t *reg = NULL;
        char *problems = NULL;
        int rc = registry_parse(json, strlen(json), &reg, &problems);
        if (rc < 0) {
            ledger_job_fail(j, E(CONFLICT), "invalid registry: %.*s", PROBLEMS_MAX,
                            problems ? problems : strerror(-rc));
            free(problems);
            break;
        }
        j->reg_units = (uint32_t)registry_unit_count(reg);
        j->reg_bodies = (uint32_t)registry_body_count(reg);
        registry_destroy(&reg);
        free(problems);
        j->stage = ST_DB;
        break;
    }
    case LIANDONG__V1__ENVELOPE__BODY_REGISTRY_GET:
        j->stage = ST_DB;
        break;
    case LIANDONG__V1__ENVELOPE__BODY_LIST_DEADLINES:
    case LIANDONG__V1__ENVELOPE__BODY_RECORD_ALERT:
        if (db_alerts_validate(j) == 0)
            j->stage = ST_DB;
        break;
    case LIANDONG__V1__ENVELOPE__BODY_PENDING_DELIVERIES:
        j->actor = effective_actor(j, r->pending_deliveries->body_id);
        if (deliveries_validate(j) == 0)
            j->stage = ST_DB;
        break;
    default:
        if (figures_validate(j) > 0)
            j->stage = ST_DB;
        else if (!j->done)
            ledger_job_fail(j, E(UNKNOWN_TYPE), "the ledger does not serve %s", wire_body_name(r));
        break;
    }
    if (j->done)
        j->stage = ST_EARLY;
}

/* --------------------------------------------------------- working cases */

/* The batch's view of a case it acts on: read in phase 1 under FOR UPDATE,
 * then advanced by each decided action so a later action in the same batch
 * sees the state the earlier one left. */
typedef struct {
    const char *case_id;
    int found;
    int state;
    char body_id[ID_MAX + 1];
    char body_kind[65];
    char compound[ID_MAX + 1];
    int replied, resolved, on_time;
} wcase_t;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static wcase_t *find_wcase(wcase_t *w, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(w[i].case_id, id) == 0)
            return &w[i];
    return NULL;
}

static int ok_status(const PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);
    return s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK;
}

static int64_t col_i64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static int col_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

static char *col_str(ledger_job_t *j, const PGresult *r, int row, int col)
{
    return ja_strdup(j, PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

static Liandong__V1__CaseEvent *event_from(ledger_job_t *j, const PGresult *r, int row)
{
    Liandong__V1__CaseEvent *e = ja_alloc(j, sizeof(*e));
    liandong__v1__case_event__init(e);
    e->seq = (uint64_t)col_i64(r, row, 0);
    e->case_id = col_str(j, r, row, 1);
    e->kind = col_str(j, r, row, 2);
    e->actor = col_str(j, r, row, 3);
    e->from_state = col_str(j, r, row, 4);
    e->to_state = col_str(j, r, row, 5);
    e->body_id = col_str(j, r, row, 6);
    e->note = col_str(j, r, row, 7);
    e->at_ms = col_i64(r, row, 8);
    e->reply_due_ms = col_i64(r, row, 9);
    e->resolve_due_ms = col_i64(r, row, 10);
    return e;
}

/* "张三" -> "张*", "13800001234" -> "*******1234". */
static char *mask_name(ledger_job_t *j, const char *s)
{
    if (*s == '\0')
        return ja_strdup(j, "");
    size_t first = 1;
    while (s[first] != '\0' && ((unsigned char)s[first] & 0xC0) == 0x80)
        first++;
    return ledger_job_printf(j, "%.*s*", (int)first, s);
}

static char *mask_phone(ledger_job_t *j, const char *s)
{
    size_t n = strlen(s);
    if (n <= 4)
        return ja_strdup(j, n ? "****" : "");
    char *p = ja_strdup(j, s);
    memset(p, '*', n - 4);
    return p;
}

static Liandong__V1__Urgency urgency_from(const char *s)
{
    int u = urgency_from_name(s, strlen(s));
    return u < 0 ? LIANDONG__V1__URGENCY__URGENCY_UNSPECIFIED : (Liandong__V1__Urgency)u;
}

static void cc_from_json(ledger_job_t *j, const char *js, char ***cc, size_t *n)
{
    *cc = NULL;
    *n = 0;
    json_t *a = json_loads(js, 0, NULL);
    if (json_is_array(a) && json_array_size(a) > 0) {
        *cc = ja_alloc(j, json_array_size(a) * sizeof(char *));
        for (size_t i = 0; i < json_array_size(a); i++) {
            const char *s = json_string_value(json_array_get(a, i));
            (*cc)[(*n)++] = ja_strdup(j, s ? s : "");
        }
    }
    json_decref(a);
}

/* A case row (CASE_COLS) as a record; personal data masked unless the
 * viewer holds the case or is a service or operator. */
static Liandong__V1__CaseRecord *record_from(ledger_job_t *j, const PGresult *r, int row,
                                             const char *viewer)
{
    Liandong__V1__CaseRecord *c = ja_alloc(j, sizeof(*c));
    liandong__v1__case_record__init(c);
    c->case_id = col_str(j, r, row, 0);
    c->channel = col_str(j, r, row, 1);
    c->channel_id = col_str(j, r, row, 2);
    c->state = col_str(j, r, row, 3);
    c->category = col_str(j, r, row, 4);
    c->body_id = col_str(j, r, row, 5);
    c->body_kind = col_str(j, r, row, 6);
    cc_from_json(j, PQgetvalue(r, row, 7), &c->cc, &c->n_cc);
    c->urgency = urgency_from(PQgetvalue(r, row, 8));
    c->compound_code = col_str(j, r, row, 9);
    c->text = col_str(j, r, row, 10);
    c->address = col_str(j, r, row, 11);
    unsigned roles = case_actor_roles(viewer ? viewer : "", c->body_id, NULL);
    int see = (roles & (ROLE_HOLDER | ROLE_OPERATOR | ROLE_SERVICE)) != 0;
    c->resident_name = see ? col_str(j, r, row, 12) : mask_name(j, PQgetvalue(r, row, 12));
    c->resident_phone = see ? col_str(j, r, row, 13) : mask_phone(j, PQgetvalue(r, row, 13));
    c->created_at_ms = col_i64(r, row, 14);
    c->reply_due_ms = col_i64(r, row, 15);
    c->resolve_due_ms = col_i64(r, row, 16);
    c->replied_at_ms = col_i64(r, row, 17);
    c->resolved_at_ms = col_i64(r, row, 18);
    c->rating = col_str(j, r, row, 19);
    return c;
}

static Liandong__V1__Placement *placement_from(ledger_job_t *j, const PGresult *r, int row)
{
    Liandong__V1__Placement *p = ja_alloc(j, sizeof(*p));
    liandong__v1__placement__init(p);
    p->category = col_str(j, r, row, 4);
    p->tier = col_str(j, r, row, 20);
    p->body_id = col_str(j, r, row, 5);
    p->body_kind = col_str(j, r, row, 6);
    cc_from_json(j, PQgetvalue(r, row, 7), &p->cc, &p->n_cc);
    p->urgency = urgency_from(PQgetvalue(r, row, 8));
    p->reply_due_hours = (uint32_t)col_i64(r, row, 22);
    p->resolve_due_hours = (uint32_t)col_i64(r, row, 23);
    p->compound_code = col_str(j, r, row, 9);
    p->explain_json = col_str(j, r, row, 21);
    return p;
}

/* ------------------------------------------------------------- phase 2 */

/* A PostgreSQL array literal from strings: each element double-quoted with
 * backslash escapes, so any text is a value, never syntax. */
static char *array_literal(ledger_job_t *j, char **v, size_t n)
{
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += 2 * strlen(v[i]) + 3;
    char *out = ja_alloc(j, len);
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

static const char *u32s(ledger_job_t *j, uint32_t v)
{
    return ledger_job_printf(j, "%" PRIu32, v);
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
    else if (is_one_of(category,
                       (const char *const[]){"building_quality", "planning", "committee_affairs",
                                             "property_transition", NULL}))
        *resolve = 360;
}

static void params_create(ledger_job_t *j)
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
    v[13] = array_literal(j, p->cc, p->n_cc);
    v[14] = u32s(j, rh);
    v[15] = u32s(j, sh);
    v[16] = p->explain_json;
    v[17] = j->actor;
    j->nparams = 18;
}

static const char *deltas(ledger_job_t *j, const int d[8])
{
    return ledger_job_printf(j, "{%d,%d,%d,%d,%d,%d,%d,%d}", d[0], d[1], d[2], d[3], d[4], d[5],
                             d[6], d[7]);
}

enum {
    D_RECEIVED,
    D_REPLIED,
    D_ON_TIME,
    D_RESOLVED,
    D_RATED,
    D_SATISFIED,
    D_ESCALATED,
    D_RETURNED
};

/* Decides one action against the working case; on success fills the
 * apply_action parameters and advances the working case. */
static void decide_action(ledger_job_t *j, wcase_t *w, const char *dispatch_body)
{
    const Liandong__V1__CaseAction *a = j->req->case_action;
    if (w == NULL || !w->found) {
        ledger_job_fail(j, E(NOT_FOUND), "no case %.64s", a->case_id);
        j->stage = ST_REFUSED;
        return;
    }
    unsigned roles = case_actor_roles(j->actor, w->body_id, dispatch_body);
    const case_transition_t *t = NULL;
    int rc = case_check((case_state_t)w->state, (case_action_t)a->kind, roles, &t);
    if ((case_action_t)a->kind == CA_DELIVERED) {
        /* An acknowledgement always marks the body's deliveries; it moves
         * the case only where the table allows (db_deliveries.h). */
        deliveries_ack_params(j, rc, case_state_name((case_state_t)w->state));
        if (rc == 0)
            w->state = (int)t->to;
        j->stage = ST_APPLY;
        return;
    }
    if (rc == -EINVAL) {
        ledger_job_fail(j, E(ILLEGAL_TRANSITION), "case %s is %s: %s is not allowed", a->case_id,
                        case_state_name((case_state_t)w->state),
                        case_action_name((case_action_t)a->kind));
        j->stage = ST_REFUSED;
        return;
    }
    if (rc == -EPERM) {
        ledger_job_fail(j, E(FORBIDDEN), "%.64s may not %s case %s held by %s", j->actor,
                        case_action_name((case_action_t)a->kind), a->case_id, w->body_id);
        j->stage = ST_REFUSED;
        return;
    }
    int dold[8] = {0}, dnew[8] = {0};
    const char *new_body = w->body_id, *new_kind = "";
    uint32_t rh = 0, sh = 0;
    const char *note = a->text;
    switch ((case_action_t)a->kind) {
    case CA_REPLY:
        /* Figures count a case's first reply only. */
        dold[D_REPLIED] = !w->replied;
        dold[D_ON_TIME] = !w->replied && w->on_time;
        w->replied = 1;
        break;
    case CA_RESOLVE:
        dold[D_RESOLVED] = !w->resolved;
        w->resolved = 1;
        break;
    case CA_RATE:
        dold[D_RATED] = 1;
        dold[D_SATISFIED] = strcmp(a->rating, "dissatisfied") != 0;
        note = a->rating;
        break;
    case CA_RETURN:
        dold[D_RETURNED] = 1;
        new_body = *dispatch_body ? dispatch_body : "dispatch_center";
        new_kind = "dispatch_center";
        dnew[D_RECEIVED] = 1;
        note = ledger_job_printf(j, "%s: %s", a->reason, a->text);
        break;
    case CA_ESCALATE:
    case CA_DISPATCH:
        if ((case_action_t)a->kind == CA_ESCALATE)
            dold[D_ESCALATED] = 1;
        new_body = a->target_body;
        dnew[D_RECEIVED] = 1;
        if (a->placement) {
            new_kind = a->placement->body_kind;
            rh = a->placement->reply_due_hours;
            sh = a->placement->resolve_due_hours;
        }
        break;
    default:
        break;
    }
    const char **v = j->params;
    v[0] = a->case_id;
    v[1] = case_action_name((case_action_t)a->kind);
    v[2] = t->event;
    v[3] = j->actor;
    v[4] = case_state_name((case_state_t)w->state);
    v[5] = case_state_name(t->to);
    v[6] = ja_strdup(j, new_body);
    v[7] = new_kind;
    v[8] = note;
    v[9] = j->req->request_id;
    v[10] = u32s(j, rh);
    v[11] = u32s(j, sh);
    v[12] = (case_action_t)a->kind == CA_RATE ? a->rating : "";
    v[13] = ja_strdup(j, w->body_id);
    v[14] = deltas(j, dold);
    v[15] = deltas(j, dnew);
    j->nparams = 16;
    w->state = (int)t->to;
    if (strcmp(new_body, w->body_id) != 0)
        snprintf(w->body_id, sizeof w->body_id, "%s", new_body);
    if (rh > 0)
        w->on_time = 1; /* a new reply deadline starts now */
    j->stage = ST_APPLY;
}

/* A day counted from 1970-01-01 (UTC) as a date literal; INT64_MIN and
 * INT64_MAX are PostgreSQL's -infinity and infinity. */
static const char *day_text(ledger_job_t *j, int64_t day)
{
    if (day == INT64_MIN)
        return "-infinity";
    if (day == INT64_MAX)
        return "infinity";
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    return ledger_job_printf(j, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static const char *day_of(ledger_job_t *j, int64_t ms, const char *unbounded)
{
    return ms <= 0 ? unbounded : day_text(j, ms / 86400000);
}

/* The first day of `day`'s month, `months_on` months later; days count
 * from 1970-01-01 (UTC), as day_of() reads a timestamp. */
static int64_t month_first(int64_t day, int months_on)
{
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    tm.tm_mday = 1;
    tm.tm_mon += months_on;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    return (int64_t)(timegm(&tm) / 86400);
}

/* The parts of a day range [from, to] (ms <= 0: unbounded), as dates:
 *   out[0] the days before the first whole month end before this day,
 *   out[1] the days after the last whole month start on this day,
 *   out[2], out[3] the whole months: month >= out[2] and month < out[3].
 * The same arithmetic the SQL did, done once here (see RATES_UNIT_SQL). */
static void fig_range(ledger_job_t *j, int64_t from_ms, int64_t to_ms, const char **out)
{
    int64_t from = from_ms > 0 ? from_ms / 86400000 : INT64_MIN;
    int64_t to = to_ms > 0 ? to_ms / 86400000 : INT64_MAX;
    /* first whole month: this month's first when from is a first, else
     * the next month's; first day after the last whole month */
    int64_t ms = from == INT64_MIN              ? INT64_MIN
                 : month_first(from, 0) == from ? from
                                                : month_first(from, 1);
    int64_t me = to == INT64_MAX ? INT64_MAX : month_first(to + 1, 0);
    int64_t end_a = to == INT64_MAX ? ms : (ms < to + 1 ? ms : to + 1);
    int64_t start_b = me > ms ? me : ms;
    if (from > start_b)
        start_b = from;
    out[0] = day_text(j, end_a);
    out[1] = day_text(j, start_b);
    out[2] = day_text(j, ms);
    out[3] = day_text(j, me);
}

/* Queues a job's phase-2 statements; returns the count or -ENOTCONN. */
static int send_phase2(db_t *db, ledger_job_t *j)
{
    const envelope_t *r = j->req;
    const char **v = j->params;
    switch (r->body_case) {
    case LIANDONG__V1__ENVELOPE__BODY_CREATE_CASE:
        params_create(j);
        return db_send(db, "create_case", j->nparams, v) < 0 ? -ENOTCONN : 1;
    case LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION:
        if (r->case_action->kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_DELIVERED)
            return deliveries_send_ack(db, j);
        return db_send(db, "apply_action", j->nparams, v) < 0 ? -ENOTCONN : 1;
    case LIANDONG__V1__ENVELOPE__BODY_PENDING_DELIVERIES:
        return deliveries_send_pending(db, j);
    case LIANDONG__V1__ENVELOPE__BODY_LIST_CASES: {
        const Liandong__V1__ListCases *l = r->list_cases;
        uint32_t lim = l->limit == 0 ? LIST_DEFAULT : (l->limit > LIST_MAX ? LIST_MAX : l->limit);
        v[0] = l->body_id;
        v[1] = l->state;
        v[2] = l->after_case_id;
        v[3] = u32s(j, lim);
        return db_send(db, "list_cases", 4, v) < 0 ? -ENOTCONN : 1;
    }
    case LIANDONG__V1__ENVELOPE__BODY_GET_CASE:
        v[0] = r->get_case->case_id;
        if (db_send(db, "get_case", 1, v) < 0 || db_send(db, "get_events", 1, v) < 0)
            return -ENOTCONN;
        return 2;
    case LIANDONG__V1__ENVELOPE__BODY_RATES_QUERY: {
        const Liandong__V1__RatesQuery *q = r->rates_query;
        const char *by = *q->by ? q->by : "body";
        v[0] = day_of(j, q->from_ms, "-infinity");
        v[1] = day_of(j, q->to_ms, "infinity");
        v[2] = q->unit;
        if (strcmp(by, "body") == 0) {
            fig_range(j, q->from_ms, q->to_ms, &v[3]);
            return db_send(db, *q->unit ? "rates_body_in" : "rates_body", 7, v) < 0 ? -ENOTCONN : 1;
        }
        v[3] = by;
        fig_range(j, q->from_ms, q->to_ms, &v[4]);
        return db_send(db, *q->unit ? "rates_unit" : "rates_unit_all", 8, v) < 0 ? -ENOTCONN : 1;
    }
    case LIANDONG__V1__ENVELOPE__BODY_REGISTRY_IMPORT:
        v[0] = r->registry_import->json;
        return db_send(db, "registry_import", 1, v) < 0 ? -ENOTCONN : 1;
    case LIANDONG__V1__ENVELOPE__BODY_REGISTRY_GET:
        return db_send(db, "registry_latest", 0, NULL) < 0 ? -ENOTCONN : 1;
    case LIANDONG__V1__ENVELOPE__BODY_LIST_DEADLINES:
    case LIANDONG__V1__ENVELOPE__BODY_RECORD_ALERT:
        return db_alerts_send(db, j);
    default:
        return figures_send(db, j);
    }
}

/* ------------------------------------------------------------- answers */

static void add_event(ledger_job_t *j, Liandong__V1__CaseEvent *e)
{
    Liandong__V1__CaseEvent **ev =
        ja_alloc(j, (j->n_events + 1) * sizeof(Liandong__V1__CaseEvent *));
    if (j->n_events)
        memcpy(ev, j->events, j->n_events * sizeof(Liandong__V1__CaseEvent *));
    ev[j->n_events++] = e;
    j->events = ev;
}

static void answer_create(ledger_job_t *j)
{
    const PGresult *r = j->res[0];
    if (PQntuples(r) != 1) {
        /* Another ledger inserted the same (channel, channel_id) while we
         * ran: the row is not visible to this statement. A retry finds it. */
        ledger_job_fail(j, E(UNAVAILABLE), "concurrent submission of the same demand; retry");
        return;
    }
    Liandong__V1__CaseCreated *cc = ja_alloc(j, sizeof(*cc));
    liandong__v1__case_created__init(cc);
    cc->case_id = col_str(j, r, 0, 0);
    cc->duplicate = col_bool(r, 0, NCASE_COLS);
    cc->placement = placement_from(j, r, 0);
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_CREATED;
    j->answer.case_created = cc;
    if (!cc->duplicate) {
        uint64_t seq = (uint64_t)col_i64(r, 0, NCASE_COLS + 1);
        for (int k = 0; k < 2; k++) {
            Liandong__V1__CaseEvent *e = ja_alloc(j, sizeof(*e));
            liandong__v1__case_event__init(e);
            e->seq = seq - 1 + (uint64_t)k;
            e->case_id = cc->case_id;
            e->kind = k ? "assigned" : "created";
            e->actor = ja_strdup(j, j->actor);
            e->from_state = k ? "received" : "";
            e->to_state = k ? "assigned" : "received";
            e->body_id = k ? cc->placement->body_id : "";
            e->note = "";
            e->at_ms = col_i64(r, 0, 14);
            e->reply_due_ms = col_i64(r, 0, 15);
            e->resolve_due_ms = col_i64(r, 0, 16);
            add_event(j, e);
        }
        log_info(cc->case_id, "created for %s (%s)", cc->placement->body_id,
                 cc->placement->category);
    }
}

static void answer_action(ledger_job_t *j, Liandong__V1__CaseEvent *e, int duplicate)
{
    Liandong__V1__CaseActionDone *d = ja_alloc(j, sizeof(*d));
    liandong__v1__case_action_done__init(d);
    d->event = e;
    d->duplicate = duplicate;
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION_DONE;
    j->answer.case_action_done = d;
    j->done = 1;
}

static void answer_job(ledger_job_t *j)
{
    const envelope_t *r = j->req;
    const PGresult *res = j->res[0];
    j->done = 1;
    switch (r->body_case) {
    case LIANDONG__V1__ENVELOPE__BODY_CREATE_CASE:
        answer_create(j);
        break;
    case LIANDONG__V1__ENVELOPE__BODY_PENDING_DELIVERIES:
        deliveries_answer_pending(j, res);
        break;
    case LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION: {
        if (r->case_action->kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_DELIVERED) {
            deliveries_answer_ack(j, res);
            break;
        }
        if (PQntuples(res) != 1) {
            ledger_job_fail(j, E(INTERNAL), "action recorded no event");
            break;
        }
        Liandong__V1__CaseEvent *e = event_from(j, res, 0);
        answer_action(j, e, 0);
        add_event(j, e);
        log_info(e->case_id, "%s by %s: %s -> %s", e->kind, e->actor, e->from_state, e->to_state);
        break;
    }
    case LIANDONG__V1__ENVELOPE__BODY_LIST_CASES: {
        Liandong__V1__CaseList *l = ja_alloc(j, sizeof(*l));
        liandong__v1__case_list__init(l);
        int n = PQntuples(res);
        l->cases = ja_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__CaseRecord *));
        for (int i = 0; i < n; i++)
            l->cases[l->n_cases++] = record_from(j, res, i, j->actor);
        j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_LIST;
        j->answer.case_list = l;
        break;
    }
    case LIANDONG__V1__ENVELOPE__BODY_GET_CASE: {
        if (PQntuples(res) != 1) {
            ledger_job_fail(j, E(NOT_FOUND), "no case %.64s", r->get_case->case_id);
            break;
        }
        Liandong__V1__CaseDetail *d = ja_alloc(j, sizeof(*d));
        liandong__v1__case_detail__init(d);
        d->record = record_from(j, res, 0, j->actor);
        int n = PQntuples(j->res[1]);
        d->events = ja_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__CaseEvent *));
        for (int i = 0; i < n; i++)
            d->events[d->n_events++] = event_from(j, j->res[1], i);
        j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_DETAIL;
        j->answer.case_detail = d;
        break;
    }
    case LIANDONG__V1__ENVELOPE__BODY_RATES_QUERY: {
        Liandong__V1__RatesReport *rep = ja_alloc(j, sizeof(*rep));
        liandong__v1__rates_report__init(rep);
        int n = PQntuples(res);
        rep->rows = ja_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__RateRow *));
        for (int i = 0; i < n; i++) {
            Liandong__V1__RateRow *w = ja_alloc(j, sizeof(*w));
            liandong__v1__rate_row__init(w);
            w->key = col_str(j, res, i, 0);
            w->name = col_str(j, res, i, 1);
            uint64_t *f[] = {&w->received,  &w->replied,       &w->replied_on_time,
                             &w->resolved,  &w->rated,         &w->satisfied,
                             &w->open,      &w->overdue_reply, &w->overdue_resolve,
                             &w->escalated, &w->returned};
            for (int k = 0; k < 11; k++)
                *f[k] = (uint64_t)col_i64(res, i, 2 + k);
            rep->rows[rep->n_rows++] = w;
        }
        j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_RATES_REPORT;
        j->answer.rates_report = rep;
        break;
    }
    case LIANDONG__V1__ENVELOPE__BODY_REGISTRY_IMPORT: {
        Liandong__V1__RegistryImported *ri = ja_alloc(j, sizeof(*ri));
        liandong__v1__registry_imported__init(ri);
        ri->version = (uint64_t)col_i64(res, 0, 0);
        ri->units = j->reg_units;
        ri->bodies = j->reg_bodies;
        j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_REGISTRY_IMPORTED;
        j->answer.registry_imported = ri;
        log_info(NULL, "registry version %" PRIu64 " imported: %u units, %u bodies", ri->version,
                 ri->units, ri->bodies);
        break;
    }
    case LIANDONG__V1__ENVELOPE__BODY_REGISTRY_GET: {
        Liandong__V1__RegistrySnapshot *s = ja_alloc(j, sizeof(*s));
        liandong__v1__registry_snapshot__init(s);
        if (PQntuples(res) == 1) {
            s->version = (uint64_t)col_i64(res, 0, 0);
            if (s->version != r->registry_get->known_version)
                s->json = col_str(j, res, 0, 1);
        }
        j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_REGISTRY_SNAPSHOT;
        j->answer.registry_snapshot = s;
        break;
    }
    case LIANDONG__V1__ENVELOPE__BODY_LIST_DEADLINES:
    case LIANDONG__V1__ENVELOPE__BODY_RECORD_ALERT:
        db_alerts_answer(j);
        break;
    default:
        figures_answer(j);
        break;
    }
}

void *ledger_job_alloc(ledger_job_t *j, size_t n)
{
    return ja_alloc(j, n);
}

Liandong__V1__CaseRecord *ledger_job_record(ledger_job_t *j, const PGresult *r, int row,
                                            const char *viewer)
{
    return record_from(j, r, row, viewer);
}

Liandong__V1__CaseEvent *ledger_job_event(ledger_job_t *j, const PGresult *r, int row)
{
    return event_from(j, r, row);
}

void ledger_job_action_done(ledger_job_t *j, Liandong__V1__CaseEvent *e, int duplicate)
{
    answer_action(j, e, duplicate);
    if (e != NULL && !duplicate)
        add_event(j, e);
}

/* --------------------------------------------------------------- batch */

static int is_action(const ledger_job_t *j)
{
    return j->stage == ST_DB && j->req->body_case == LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION;
}

static void reset_for_retry(ledger_job_t *j)
{
    if (j->stage == ST_EARLY)
        return;
    job_clear_results(j);
    j->done = 0;
    j->stage = ST_DB;
    j->dup_of = -1;
    j->events = NULL;
    j->n_events = 0;
    liandong__v1__envelope__init(&j->answer);
}

/* Phase 1 + decisions. Returns 0, -ENOTCONN or -EIO. */
static int phase1(db_t *db, ledger_job_t *jobs, size_t n, wcase_t *wc, size_t *nwc,
                  int *begin_pending)
{
    const char *ids[BATCH_MAX];
    size_t nid = 0;
    for (size_t i = 0; i < n; i++)
        if (is_action(&jobs[i]))
            ids[nid++] = jobs[i].req->case_action->case_id;
    if (nid == 0) {
        /* Nothing to lock or decide: BEGIN rides in the phase-2 round trip
         * and run_once() reads its result first. */
        *nwc = 0;
        *begin_pending = 1;
        return db_send_cmd(db, "BEGIN") < 0 ? -ENOTCONN : 0;
    }
    qsort(ids, nid, sizeof ids[0], cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < nid; i++)
        if (u == 0 || strcmp(ids[u - 1], ids[i]) != 0)
            ids[u++] = ids[i];
    if (db_send_cmd(db, "BEGIN") < 0 || db_send(db, "dispatch_body", 0, NULL) < 0)
        return -ENOTCONN;
    for (size_t i = 0; i < u; i++)
        if (db_send(db, "lock_case", 1, &ids[i]) < 0)
            return -ENOTCONN;
    for (size_t i = 0; i < n; i++) {
        if (!is_action(&jobs[i]))
            continue;
        const char *rid = jobs[i].req->request_id;
        if (db_send(db, "event_by_rid", 1, &rid) < 0)
            return -ENOTCONN;
    }
    if (db_sync(db) < 0)
        return -ENOTCONN;

    int failed = 0;
    PGresult *r = NULL;
    char dispatch[ID_MAX + 1] = "";
    if (db_next(db, &r) < 0) /* BEGIN */
        return -ENOTCONN;
    failed |= !ok_status(r);
    PQclear(r);
    if (db_next(db, &r) < 0)
        return -ENOTCONN;
    if (ok_status(r) && PQntuples(r) == 1)
        snprintf(dispatch, sizeof dispatch, "%s", PQgetvalue(r, 0, 0));
    else
        failed = 1;
    PQclear(r);
    for (size_t i = 0; i < u; i++) {
        if (db_next(db, &r) < 0)
            return -ENOTCONN;
        wcase_t *w = &wc[i];
        memset(w, 0, sizeof(*w));
        w->case_id = ids[i];
        if (!ok_status(r)) {
            log_error(NULL, "lock_case: %s", PQresultErrorMessage(r));
            failed = 1;
        } else if (PQntuples(r) == 1) {
            w->found = 1;
            w->state = case_state_from_name(PQgetvalue(r, 0, 0));
            snprintf(w->body_id, sizeof w->body_id, "%s", PQgetvalue(r, 0, 1));
            snprintf(w->body_kind, sizeof w->body_kind, "%s", PQgetvalue(r, 0, 2));
            snprintf(w->compound, sizeof w->compound, "%s", PQgetvalue(r, 0, 3));
            w->replied = col_bool(r, 0, 4);
            w->resolved = col_bool(r, 0, 5);
            w->on_time = col_bool(r, 0, 7);
            if (w->state < 0)
                w->found = 0;
        }
        PQclear(r);
    }
    *nwc = u;
    for (size_t i = 0; i < n; i++) {
        if (!is_action(&jobs[i]))
            continue;
        if (db_next(db, &r) < 0)
            return -ENOTCONN;
        if (!ok_status(r)) {
            failed = 1;
            PQclear(r);
        } else if (PQntuples(r) == 1) {
            jobs[i].prior = r;
        } else {
            PQclear(r);
        }
    }
    if (db_next_sync(db) < 0)
        return -ENOTCONN;
    if (failed)
        return -EAGAIN; /* lock or statement timeout: nothing request-specific */

    /* Decide in arrival order. */
    for (size_t i = 0; i < n; i++) {
        ledger_job_t *j = &jobs[i];
        if (!is_action(j))
            continue;
        if (j->prior) {
            /* Recorded by an earlier batch: same answer, nothing new. */
            answer_action(j, event_from(j, j->prior, 0), 1);
            j->stage = ST_REFUSED;
            continue;
        }
        for (size_t k = 0; k < i; k++) {
            if (jobs[k].stage == ST_APPLY &&
                jobs[k].req->body_case == LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION &&
                strcmp(jobs[k].req->request_id, j->req->request_id) == 0) {
                j->dup_of = (int)k;
                j->stage = ST_REFUSED;
                break;
            }
        }
        if (j->dup_of >= 0)
            continue;
        decide_action(j, find_wcase(wc, u, j->req->case_action->case_id), dispatch);
    }
    return 0;
}

static int run_once(db_t *db, ledger_job_t *jobs, size_t n)
{
    wcase_t wc[BATCH_MAX];
    size_t nwc = 0;
    int begin_pending = 0;
    int rc = phase1(db, jobs, n, wc, &nwc, &begin_pending);
    if (rc < 0)
        return rc;
    /* Phase 2: statements in arrival order, then COMMIT. */
    for (size_t i = 0; i < n; i++) {
        ledger_job_t *j = &jobs[i];
        if (j->stage != ST_DB && j->stage != ST_APPLY)
            continue;
        int k = send_phase2(db, j);
        if (k < 0)
            return -ENOTCONN;
        j->nres = -k; /* expected count, negated until read */
    }
    if (db_send_cmd(db, "COMMIT") < 0 || db_sync(db) < 0)
        return -ENOTCONN;
    int failed = 0, transient = 0;
    if (begin_pending) {
        PGresult *br = NULL;
        if (db_next(db, &br) < 0)
            return -ENOTCONN;
        failed |= !ok_status(br);
        PQclear(br);
    }
    for (size_t i = 0; i < n; i++) {
        ledger_job_t *j = &jobs[i];
        if (j->nres >= 0)
            continue;
        int want = -j->nres;
        j->nres = 0;
        for (int k = 0; k < want; k++) {
            PGresult *r = NULL;
            if (db_next(db, &r) < 0)
                return -ENOTCONN;
            if (!ok_status(r)) {
                if (PQresultStatus(r) != PGRES_PIPELINE_ABORTED) {
                    log_error(NULL, "%s: %s", wire_body_name(j->req), PQresultErrorMessage(r));
                    const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
                    /* Timeouts, deadlocks and serialisation failures are
                     * about the moment, not the request: retrying every
                     * request alone would only repeat the wait. */
                    if (st && (strcmp(st, "57014") == 0 || strcmp(st, "40001") == 0 ||
                               strcmp(st, "40P01") == 0 || strcmp(st, "55P03") == 0))
                        transient = 1;
                }
                failed = 1;
            }
            j->res[j->nres++] = r;
        }
    }
    PGresult *cr = NULL;
    if (db_next(db, &cr) < 0)
        return -ENOTCONN;
    /* A COMMIT in a failed transaction "succeeds" with status ROLLBACK. */
    int committed =
        PQresultStatus(cr) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(cr), "COMMIT") == 0;
    PQclear(cr);
    if (db_next_sync(db) < 0)
        return -ENOTCONN;
    if (failed || !committed)
        return transient ? -EAGAIN : -EIO;
    for (size_t i = 0; i < n; i++)
        if (jobs[i].stage == ST_DB || jobs[i].stage == ST_APPLY)
            answer_job(&jobs[i]);
    for (size_t i = 0; i < n; i++) {
        ledger_job_t *j = &jobs[i];
        if (j->dup_of < 0)
            continue;
        ledger_job_t *o = &jobs[j->dup_of];
        if (o->answer.body_case == LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION_DONE)
            answer_action(j, o->answer.case_action_done->event, 1);
        else
            ledger_job_fail(j, E(UNAVAILABLE), "the first copy of this request failed; retry");
    }
    return 0;
}

int ledger_batch_run(db_t *db, ledger_job_t *jobs, size_t n)
{
    size_t active = 0;
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].stage == ST_NEW)
            validate(&jobs[i]);
        if (jobs[i].stage != ST_EARLY)
            active++;
    }
    if (active == 0)
        return 0;
    if (!db_ok(db))
        return -ENOTCONN;
    int rc = run_once(db, jobs, n);
    if (rc == 0)
        return 0;
    if (rc == -ENOTCONN || db_rollback(db) < 0) {
        for (size_t i = 0; i < n; i++)
            reset_for_retry(&jobs[i]);
        return -ENOTCONN;
    }
    for (size_t i = 0; i < n; i++)
        reset_for_retry(&jobs[i]);
    if (rc == -EAGAIN) {
        for (size_t i = 0; i < n; i++)
            if (jobs[i].stage != ST_EARLY)
                ledger_job_fail(&jobs[i], E(UNAVAILABLE),
                                "the database is busy (timeout or deadlock); retry");
        return 0;
    }
    if (active == 1) {
        for (size_t i = 0; i < n; i++)
            if (jobs[i].stage != ST_EARLY)
                ledger_job_fail(&jobs[i], E(INTERNAL), "the ledger could not record this: %s",
                                db_error(db));
        return 0;
    }
    /* Isolate the failure: every job again, alone in its own transaction. */
    log_warn(NULL, "batch of %zu failed; retrying its requests one by one", active);
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].stage == ST_EARLY)
            continue;
        rc = ledger_batch_run(db, &jobs[i], 1);
        if (rc == -ENOTCONN)
            return rc;
    }
    return 0;
}
