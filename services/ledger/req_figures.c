/*
 * req_figures.c - the operators' figures (handlers of the table in
 * handler.h): RatesQuery (reply, resolution and satisfaction figures per
 * body or unit over a day range, from the roll-ups), RankingQuery (the
 * monthly ranking of property companies, ranking.h) and OverdueQuery (the
 * open cases past a deadline). All read-only, read in the batch's
 * transaction like every other read, and answered from the rows. A unit
 * or body the registry does not know is NOT_FOUND (checked by a first
 * statement, "fig_known", in the same transaction), never an empty table.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "case_model.h"
#include "figures_calendar.h"
#include "handler.h"
#include "ledger_clock.h"
#include "req_repeats.h"
#include "ranking.h"

#define OVERDUE_DEFAULT 100
#define OVERDUE_MAX 1000

/* ------------------------------------------------------------ RatesQuery */

/* Figures over a day range come from the whole months inside it
 * (figures_*_monthly) and the days at its two ends (figures_*_daily). The
 * bounds of the three parts are worked out in C (fig_range() below) and
 * passed as plain date parameters: the planner then sees every bound as an
 * index condition with a value (as expressions or a joined CTE row it once
 * scanned all 800,000 daily rows for one street's 80 compounds, and chose
 * differently from run to run). */
#define FIG_COLS                                                                                   \
    "received, replied, replied_on_time, resolved, rated, satisfied, escalated, returned,"         \
    " reopened, replied_on_behalf, resolved_on_behalf"
#define FIG_SUMS                                                                                   \
    "sum(received) received, sum(replied) replied, sum(replied_on_time) rot,"                      \
    " sum(resolved) resolved, sum(rated) rated, sum(satisfied) satisfied,"                         \
    " sum(escalated) escalated, sum(returned) returned, sum(reopened) reopened,"                   \
    " sum(replied_on_behalf) replied_on_behalf, sum(resolved_on_behalf) resolved_on_behalf"

/* The figures of bodies; BODY_SEL, when not empty, keeps only the bodies
 * of a subtree's units in every part (roll-up rows and open cases are then
 * probed per body instead of read for the whole city). */
#define BODIES_OF_SUBTREE                                                                          \
    "(SELECT bu.body_id FROM body_units bu"                                                        \
    "  JOIN units u ON u.code = bu.unit_code WHERE $3 = ANY (u.path))"
#define SUBTREE_BODIES " AND body_id IN " BODIES_OF_SUBTREE
/* Open cases whose clock is paused now (挂起), and open cases with an
 * extension granted (延期): live, like open and overdue (issue 15). */
#define OPEN_CLOCK_COUNTS                                                                          \
    " count(*) FILTER (WHERE paused_at IS NOT NULL) paused,"                                       \
    " count(*) FILTER (WHERE extensions > 0) extended"

/* Cases paused, and cases granted an extension, in the range (each case
 * once), from those events (the partial index of
 * 015_deadlines_clock_figures.sql): a body's figures say how many of its
 * cases were (issue 15). A body's are the events where it held the case. */
#define CLOCK_EVENT_KINDS "('" CASE_EVENT_PAUSED "', '" CASE_EVENT_EXTENSION_GRANTED "')"
#define CLOCK_EVENTS_OF_RANGE                                                                      \
    " kind IN " CLOCK_EVENT_KINDS " AND at >= $1::date AND at < $2::date + 1"
#define CLOCK_EVENTS_OF_RANGE_E                                                                    \
    " e.kind IN " CLOCK_EVENT_KINDS " AND e.at >= $1::date AND e.at < $2::date + 1"
#define CLOCK_EVENT_COUNTS                                                                         \
    " count(DISTINCT case_id) FILTER (WHERE kind = '" CASE_EVENT_PAUSED "') cases_paused,"         \
    " count(DISTINCT case_id) FILTER (WHERE kind = '" CASE_EVENT_EXTENSION_GRANTED                 \
    "') cases_extended"
#define CLOCK_EVENT_COUNTS_E                                                                       \
    " count(DISTINCT e.case_id) FILTER (WHERE e.kind = '" CASE_EVENT_PAUSED "') cases_paused,"     \
    " count(DISTINCT e.case_id) FILTER (WHERE e.kind = '" CASE_EVENT_EXTENSION_GRANTED             \
    "') cases_extended"

#define RATES_BODY_SQL(BODY_SEL)                                                                   \
    "WITH f AS (SELECT key, " FIG_SUMS " FROM ("                                                   \
    "  SELECT body_id AS key, " FIG_COLS " FROM figures_body_daily"                                \
    "   WHERE day >= $1::date AND day < $4::date" BODY_SEL "  UNION ALL SELECT body_id, " FIG_COLS \
    " FROM figures_body_daily"                                                                     \
    "   WHERE day >= $5::date AND day <= $2::date" BODY_SEL                                        \
    "  UNION ALL SELECT body_id, " FIG_COLS " FROM figures_body_monthly"                           \
    "   WHERE month >= $6::date AND month < $7::date" BODY_SEL ") x GROUP BY key),"                \
    " o AS (SELECT body_id AS key, count(*) open,"                                                 \
    "  count(*) FILTER (WHERE replied_at IS NULL AND reply_due < " LD_NOW_SQL ") overdue_reply,"   \
    "  count(*) FILTER (WHERE resolve_due < " LD_NOW_SQL ") overdue_resolve," OPEN_CLOCK_COUNTS    \
    "  FROM cases WHERE state IN " CASE_OPEN_STATES_SQL BODY_SEL " AND NOT $8::bool"               \
    "  GROUP BY body_id),"                                                                         \
    " pe AS (SELECT body_id AS key," CLOCK_EVENT_COUNTS " FROM case_events"                        \
    "  WHERE " CLOCK_EVENTS_OF_RANGE BODY_SEL " GROUP BY body_id),"                                \
    " k AS (SELECT key FROM f UNION SELECT key FROM o UNION SELECT key FROM pe)"                   \
    " SELECT k.key, COALESCE(b.name, ''), COALESCE(f.received, 0), COALESCE(f.replied, 0),"        \
    "  COALESCE(f.rot, 0), COALESCE(f.resolved, 0), COALESCE(f.rated, 0),"                         \
    "  COALESCE(f.satisfied, 0), COALESCE(o.open, 0), COALESCE(o.overdue_reply, 0),"               \
    "  COALESCE(o.overdue_resolve, 0), COALESCE(f.escalated, 0), COALESCE(f.returned, 0),"         \
    "  COALESCE(f.reopened, 0), COALESCE(f.replied_on_behalf, 0),"                                 \
    "  COALESCE(f.resolved_on_behalf, 0), COALESCE(o.paused, 0), COALESCE(o.extended, 0),"         \
    "  COALESCE(pe.cases_paused, 0), COALESCE(pe.cases_extended, 0)"                               \
    " FROM k LEFT JOIN f USING (key) LEFT JOIN o USING (key) LEFT JOIN pe USING (key)"             \
    " LEFT JOIN bodies b ON b.id = k.key"                                                          \
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
    "  count(*) FILTER (WHERE replied_at IS NULL AND reply_due < " LD_NOW_SQL ") overdue_reply,"   \
    "  count(*) FILTER (WHERE resolve_due < " LD_NOW_SQL ") overdue_resolve," OPEN_CLOCK_COUNTS    \
    "  FROM cases WHERE state IN " CASE_OPEN_STATES_SQL OPEN_SEL " AND NOT $9::bool"               \
    "  GROUP BY compound_code),"                                                                   \
    " o AS (SELECT p.code AS key, sum(oc.open) open, sum(oc.overdue_reply) overdue_reply,"         \
    "  sum(oc.overdue_resolve) overdue_resolve, sum(oc.paused) paused, sum(oc.extended) extended"  \
    "  FROM oc JOIN units cu ON cu.code = oc.compound_code, unnest(cu.path) AS p(code)"            \
    "  WHERE p.code IN (SELECT code FROM sel) GROUP BY p.code),"                                   \
    " pc AS (SELECT c.compound_code," CLOCK_EVENT_COUNTS_E " FROM case_events e"                   \
    "  JOIN cases c USING (case_id) WHERE " CLOCK_EVENTS_OF_RANGE_E " GROUP BY c.compound_code),"  \
    " pe AS (SELECT p.code AS key, sum(pc.cases_paused) cases_paused,"                             \
    "  sum(pc.cases_extended) cases_extended"                                                      \
    "  FROM pc JOIN units cu ON cu.code = pc.compound_code, unnest(cu.path) AS p(code)"            \
    "  WHERE p.code IN (SELECT code FROM sel) GROUP BY p.code)"                                    \
    " SELECT sel.code, sel.name, COALESCE(f.received, 0), COALESCE(f.replied, 0),"                 \
    "  COALESCE(f.rot, 0), COALESCE(f.resolved, 0), COALESCE(f.rated, 0),"                         \
    "  COALESCE(f.satisfied, 0), COALESCE(o.open, 0), COALESCE(o.overdue_reply, 0),"               \
    "  COALESCE(o.overdue_resolve, 0), COALESCE(f.escalated, 0), COALESCE(f.returned, 0),"         \
    "  COALESCE(f.reopened, 0), COALESCE(f.replied_on_behalf, 0),"                                 \
    "  COALESCE(f.resolved_on_behalf, 0), COALESCE(o.paused, 0), COALESCE(o.extended, 0),"         \
    "  COALESCE(pe.cases_paused, 0), COALESCE(pe.cases_extended, 0)"                               \
    " FROM sel LEFT JOIN f ON f.key = sel.code LEFT JOIN o ON o.key = sel.code"                    \
    " LEFT JOIN pe ON pe.key = sel.code"                                                           \
    " WHERE f.key IS NOT NULL OR o.key IS NOT NULL OR pe.key IS NOT NULL ORDER BY sel.code"

/* By category or by channel (DIM, a column of cases) within a unit: the
 * roll-ups per category and channel (017, below) know no unit, so these
 * are counted from the events of the range, found through
 * the BRIN index on case_events.at (012_figures_by_dimension.sql), by the
 * rules the roll-ups follow for a unit (docs/case-lifecycle.md): a case is
 * received once, when assigned at creation; its first reply (on time when
 * by the reply deadline it carried) and first resolution count, and every
 * rating, escalation and return. The events are summed per case first,
 * then joined to their case once: a reply or resolution in the range is
 * the case's first when it happened at the case's replied_at/resolved_at
 * (both set once, by that event's transaction, at the same now()), and
 * the first reply was on time when the earliest on-time reply is it. Open
 * and overdue are live, from the open cases. Cost follows the events of
 * the range (docs/figures.md has the bench's timings). 017's roll-ups
 * count by these same rules, event by event. */
/* $3: a unit's subtree ('' all), for the events' cases and the open ones */
#define DIM_IN_SUBTREE_C                                                                           \
    " AND ($3 = '' OR c.compound_code IN (SELECT code FROM units WHERE $3 = ANY (path)))"
#define DIM_IN_SUBTREE                                                                             \
    " AND ($3 = '' OR compound_code IN (SELECT code FROM units WHERE $3 = ANY (path)))"
#define DIM_KINDS                                                                                  \
    "('" CASE_EVENT_ASSIGNED "', '" CASE_EVENT_REPLIED "', '" CASE_EVENT_RESOLVED                  \
    "', '" CASE_EVENT_RATED "', '" CASE_EVENT_ESCALATED "', '" CASE_EVENT_RETURNED "')"
/* per case: its events of the range */
#define DIM_PER_CASE                                                                               \
    " count(*) FILTER (WHERE kind = '" CASE_EVENT_ASSIGNED "') received,"                          \
    " min(at) FILTER (WHERE kind = '" CASE_EVENT_REPLIED "') reply_at,"                            \
    " min(at) FILTER (WHERE kind = '" CASE_EVENT_REPLIED "' AND at <= reply_due) ontime_at,"       \
    " min(at) FILTER (WHERE kind = '" CASE_EVENT_RESOLVED "') resolve_at,"                         \
    " count(*) FILTER (WHERE kind = '" CASE_EVENT_RATED "') rated,"                                \
    " count(*) FILTER (WHERE kind = '" CASE_EVENT_RATED "' AND note <> 'dissatisfied') satisfied," \
    " count(*) FILTER (WHERE kind = '" CASE_EVENT_ESCALATED "') escalated,"                        \
    " count(*) FILTER (WHERE kind = '" CASE_EVENT_RETURNED "') returned"
/* per key: the cases' sums, a first reply or resolution once */
#define DIM_SUMS                                                                                   \
    " sum(e.received) received, count(*) FILTER (WHERE e.reply_at = c.replied_at) replied,"        \
    " count(*) FILTER (WHERE e.ontime_at = c.replied_at) rot,"                                     \
    " count(*) FILTER (WHERE e.resolve_at = c.resolved_at) resolved, sum(e.rated) rated,"          \
    " sum(e.satisfied) satisfied, sum(e.escalated) escalated, sum(e.returned) returned"
#define RATES_DIM_SQL(DIM)                                                                         \
    "WITH e AS (SELECT case_id," DIM_PER_CASE " FROM case_events"                                  \
    "  WHERE at >= $1::date AND at < $2::date + 1 AND kind IN " DIM_KINDS " GROUP BY case_id),"    \
    " f AS (SELECT c." DIM " AS key," DIM_SUMS " FROM e JOIN cases c USING (case_id)"              \
    "  WHERE true" DIM_IN_SUBTREE_C " GROUP BY c." DIM "),"                                        \
    " o AS (SELECT " DIM " AS key, count(*) open,"                                                 \
    "  count(*) FILTER (WHERE replied_at IS NULL AND reply_due < " LD_NOW_SQL ") overdue_reply,"   \
    "  count(*) FILTER (WHERE resolve_due < " LD_NOW_SQL ") overdue_resolve," OPEN_CLOCK_COUNTS    \
    "  FROM cases WHERE state IN " CASE_OPEN_STATES_SQL DIM_IN_SUBTREE " AND NOT $4::bool"         \
    "  GROUP BY " DIM "),"                                                                         \
    " pe AS (SELECT c." DIM " AS key," CLOCK_EVENT_COUNTS_E " FROM case_events e"                  \
    "  JOIN cases c USING (case_id) WHERE " CLOCK_EVENTS_OF_RANGE_E DIM_IN_SUBTREE_C               \
    "  GROUP BY c." DIM "),"                                                                       \
    " k AS (SELECT key FROM f UNION SELECT key FROM o UNION SELECT key FROM pe)"                   \
    " SELECT k.key, k.key, COALESCE(f.received, 0), COALESCE(f.replied, 0),"                       \
    "  COALESCE(f.rot, 0), COALESCE(f.resolved, 0), COALESCE(f.rated, 0),"                         \
    "  COALESCE(f.satisfied, 0), COALESCE(o.open, 0), COALESCE(o.overdue_reply, 0),"               \
    "  COALESCE(o.overdue_resolve, 0), COALESCE(f.escalated, 0), COALESCE(f.returned, 0),"         \
    "  0, 0, 0, COALESCE(o.paused, 0), COALESCE(o.extended, 0),"                                   \
    "  COALESCE(pe.cases_paused, 0), COALESCE(pe.cases_extended, 0)"                               \
    " FROM k LEFT JOIN f USING (key) LEFT JOIN o USING (key) LEFT JOIN pe USING (key)"             \
    " ORDER BY k.key"

/* By category or by channel over the whole city: the same figures from
 * the roll-ups per category and channel (017_figures_dim_rollups.sql, kept
 * by the rules above, event by event, in the transaction of the events):
 * the range's whole months and the days at its ends, as for a body
 * (fig_range()), so the cost follows the roll-up rows, not the events (the
 * whole history of a million cases passed the 10 s statement timeout when
 * counted from its events). Open, overdue and the clock counts are live,
 * as above. Within a unit (RATES_DIM_SQL) the events are still counted:
 * the roll-ups know no unit. */
#define DIM_COLS                                                                                   \
    "key, received, replied, replied_on_time, resolved, rated, satisfied, escalated, returned"
#define RATES_DIM_ROLLUP_SQL(DIM)                                                                  \
    "WITH f AS (SELECT key, sum(received) received, sum(replied) replied,"                         \
    "  sum(replied_on_time) rot, sum(resolved) resolved, sum(rated) rated,"                        \
    "  sum(satisfied) satisfied, sum(escalated) escalated, sum(returned) returned FROM ("          \
    "  SELECT " DIM_COLS " FROM figures_dim_daily"                                                 \
    "   WHERE dim = '" DIM "' AND day >= $1::date AND day < $4::date"                              \
    "  UNION ALL SELECT " DIM_COLS " FROM figures_dim_daily"                                       \
    "   WHERE dim = '" DIM "' AND day >= $5::date AND day <= $2::date"                             \
    "  UNION ALL SELECT " DIM_COLS " FROM figures_dim_monthly"                                     \
    "   WHERE dim = '" DIM "' AND month >= $6::date AND month < $7::date) x GROUP BY key),"        \
    " o AS (SELECT " DIM " AS key, count(*) open,"                                                 \
    "  count(*) FILTER (WHERE replied_at IS NULL AND reply_due < " LD_NOW_SQL ") overdue_reply,"   \
    "  count(*) FILTER (WHERE resolve_due < " LD_NOW_SQL ") overdue_resolve," OPEN_CLOCK_COUNTS    \
    "  FROM cases WHERE state IN " CASE_OPEN_STATES_SQL " AND $3 = '' AND NOT $8::bool"            \
    "  GROUP BY " DIM "),"                                                                         \
    " pe AS (SELECT c." DIM " AS key," CLOCK_EVENT_COUNTS_E " FROM case_events e"                  \
    "  JOIN cases c USING (case_id) WHERE " CLOCK_EVENTS_OF_RANGE_E " GROUP BY c." DIM "),"        \
    " k AS (SELECT key FROM f UNION SELECT key FROM o UNION SELECT key FROM pe)"                   \
    " SELECT k.key, k.key, COALESCE(f.received, 0), COALESCE(f.replied, 0),"                       \
    "  COALESCE(f.rot, 0), COALESCE(f.resolved, 0), COALESCE(f.rated, 0),"                         \
    "  COALESCE(f.satisfied, 0), COALESCE(o.open, 0), COALESCE(o.overdue_reply, 0),"               \
    "  COALESCE(o.overdue_resolve, 0), COALESCE(f.escalated, 0), COALESCE(f.returned, 0),"         \
    "  0, 0, 0, COALESCE(o.paused, 0), COALESCE(o.extended, 0),"                                   \
    "  COALESCE(pe.cases_paused, 0), COALESCE(pe.cases_extended, 0)"                               \
    " FROM k LEFT JOIN f USING (key) LEFT JOIN o USING (key) LEFT JOIN pe USING (key)"             \
    " ORDER BY k.key"

/* Is the unit ($1) and the body ($2) in the registry ('' is: no filter)? */
static const db_stmt_t rates_stmts[] = {
    {"fig_known",
     "SELECT ($1 = '' OR EXISTS (SELECT 1 FROM units WHERE code = $1)),"
     " ($2 = '' OR EXISTS (SELECT 1 FROM bodies WHERE id = $2))",
     2},
    /* $1 from day $2 to day $3 unit subtree ('' all); $4..$7 the range's
     * parts, see fig_range(); $8 period_only (the live counts skipped: a
     * one-time filter, so the open cases are not even read) */
    {"rates_body", RATES_BODY_SQL(""), 8},
    {"rates_body_in", RATES_BODY_SQL(SUBTREE_BODIES), 8},
    /* $1 from day $2 to day $3 unit subtree $4 unit kind, $5..$8 the
     * range's parts (fig_range()), $9 period_only. Open cases are
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
     9},
    {"rates_unit_all", RATES_UNIT_SQL("", " WHERE key IN (SELECT code FROM sel)", ""), 9},
    /* $1 from day $2 to day $3 unit subtree $4 period_only, counted from
     * the events */
    {"rates_category_in", RATES_DIM_SQL("category"), 4},
    {"rates_channel_in", RATES_DIM_SQL("channel"), 4},
    /* $1 from day $2 to day $3 '' (the whole city), $4..$7 the range's
     * parts (fig_range()), $8 period_only: from the roll-ups */
    {"rates_category", RATES_DIM_ROLLUP_SQL("category"), 8},
    {"rates_channel", RATES_DIM_ROLLUP_SQL("channel"), 8},
    {RATES_REPORTERS_STMT_NAME, RATES_REPORTERS_STMT_SQL, 4}, /* req_repeats.c */
    {RATES_UNCOVERED_STMT_NAME, RATES_UNCOVERED_STMT_SQL, 4}, /* figures_calendar.h */
};

static const char *const RATE_BY[] = {"body",     "compound", "community", "street",
                                      "district", "category", "channel",   NULL};

static int rates_validate(ledger_job_t *j)
{
    const Liandong__V1__RatesQuery *q = j->req->rates_query;
    const char *by = *q->by ? q->by : "body";
    if (!ledger_one_of(by, RATE_BY)) {
        ledger_job_fail(j, E(BAD_REQUEST),
                        "by must be body, compound, community, street,"
                        " district, category or channel");
        return -EINVAL;
    }
    if (ledger_job_bad_text(j, q->unit, "unit", LEDGER_ID_MAX))
        return -EINVAL;
    /* Both bounds are the days the times fall on (day_of below). */
    if (q->from_ms > 0 && q->to_ms > 0 && q->from_ms / 86400000 > q->to_ms / 86400000) {
        ledger_job_fail(j, E(BAD_REQUEST), "the range is reversed: from is after to");
        return -EINVAL;
    }
    return 0;
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
 *   out[2], out[3] the whole months: month >= out[2] and month < out[3]
 *   (to's month is whole when it ends on or after to, or to is today or
 *   later: no roll-up row is dated after today).
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
    /* Roll-up rows are dated by the day of their commit (ld_bump, 017:
     * ld_now()), never later: a range reaching today has all of to's month in
     * its monthly row, and reads that one row per unit or body instead of
     * a row per day (month to date, the console's default period: 2,200
     * bodies x 30 days at a month's end). Both read the system's clock;
     * a transaction begun past midnight and read within the same few
     * milliseconds is the only one a monthly row could hold too early. */
    int64_t today = ledger_clock_now_ms() / 86400000;
    int64_t me = to == INT64_MAX ? INT64_MAX
                 : to >= today   ? month_first(to, 1)
                                 : month_first(to + 1, 0);
    int64_t end_a = to == INT64_MAX ? ms : (ms < to + 1 ? ms : to + 1);
    int64_t start_b = me > ms ? me : ms;
    if (from > start_b)
        start_b = from;
    out[0] = day_text(j, end_a);
    out[1] = day_text(j, start_b);
    out[2] = day_text(j, ms);
    out[3] = day_text(j, me);
}

/* Queues "fig_known" for a unit and a body ('' for none): the answer hook
 * reads it back with known_or_fail() as j->res[0]. */
static int send_known(db_t *db, ledger_job_t *j, const char *unit, const char *body)
{
    const char *v[2] = {unit, body};
    return ledger_job_send(db, j, "fig_known", 2, v);
}

/* 0 when "fig_known" found what was asked; else answers NOT_FOUND. */
static int known_or_fail(ledger_job_t *j, const char *unit, const char *body)
{
    const PGresult *r = j->res[0];
    if (PQntuples(r) != 1) {
        ledger_job_fail(j, E(INTERNAL), "fig_known: no row");
        return -EIO;
    }
    if (!ledger_col_bool(r, 0, 0)) {
        ledger_job_fail(j, E(NOT_FOUND), "unit %s is not in the registry", unit);
        return -ENOENT;
    }
    if (!ledger_col_bool(r, 0, 1)) {
        ledger_job_fail(j, E(NOT_FOUND), "body %s is not in the registry", body);
        return -ENOENT;
    }
    return 0;
}

/* The figures statement of a RatesQuery, planned for its own values.
 * Why: its optional filters ($3 = '' OR ...) and range parts make
 * PostgreSQL's generic plan, which a prepared statement switches to after
 * five runs, slower than a plan for the values (by body over a month at a
 * million cases: 35 ms custom, 45-60 ms generic; more under load), and a
 * figure page runs the same statement over and over. Planning costs a
 * millisecond. SET LOCAL lasts to the end of the batch's transaction, so
 * the default is set back at once for the statements after it. The
 * result is j->res[3] (res[2] and res[4] are the two SETs). */
static int send_custom(db_t *db, ledger_job_t *j, const char *stmt, int n, const char **v)
{
    if (ledger_job_send_cmd(db, j, "SET LOCAL plan_cache_mode = force_custom_plan") < 0 ||
        ledger_job_send(db, j, stmt, n, v) < 0 ||
        ledger_job_send_cmd(db, j, "SET LOCAL plan_cache_mode TO DEFAULT") < 0)
        return -ENOTCONN;
    return 0;
}

/* The RatesQuery's figures statement (j->res[3], between the SETs of
 * send_custom() at res[2] and res[4]). */
static int rates_send_figures(db_t *db, ledger_job_t *j, const char *by, const char *live_off)
{
    const Liandong__V1__RatesQuery *q = j->req->rates_query;
    const char **v = j->params;
    if (strcmp(by, "category") == 0 || strcmp(by, "channel") == 0) {
        int cat = strcmp(by, "category") == 0;
        if (*q->unit) {
            v[3] = live_off;
            return send_custom(db, j, cat ? "rates_category_in" : "rates_channel_in", 4, v);
        }
        fig_range(j, q->from_ms, q->to_ms, &v[3]);
        v[7] = live_off;
        return send_custom(db, j, cat ? "rates_category" : "rates_channel", 8, v);
    }
    if (strcmp(by, "body") == 0) {
        fig_range(j, q->from_ms, q->to_ms, &v[3]);
        v[7] = live_off;
        return send_custom(db, j, *q->unit ? "rates_body_in" : "rates_body", 8, v);
    }
    v[3] = by;
    fig_range(j, q->from_ms, q->to_ms, &v[4]);
    v[8] = live_off;
    return send_custom(db, j, *q->unit ? "rates_unit" : "rates_unit_all", 9, v);
}

static int rates_send(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__RatesQuery *q = j->req->rates_query;
    const char **v = j->params;
    const char *by = *q->by ? q->by : "body";
    /* the live counts' switch goes last, after the range's parts */
    const char *live_off = q->period_only ? "t" : "f";
    v[0] = day_of(j, q->from_ms, "-infinity");
    v[1] = day_of(j, q->to_ms, "infinity");
    v[2] = q->unit;
    int rc = send_known(db, j, q->unit, "");
    if (rc < 0)
        return rc;
    /* the reporters joined in the range (docs/repeats.md), as j->res[1] */
    const char *rv[4] = {by, v[0], v[1], q->unit};
    if (ledger_job_send(db, j, RATES_REPORTERS_STMT_NAME, 4, rv) < 0)
        return -ENOTCONN;
    if ((rc = rates_send_figures(db, j, by, live_off)) < 0)
        return rc;
    /* the cases counted Monday-Friday (issue 15), as j->res[5] */
    if (ledger_job_send(db, j, RATES_UNCOVERED_STMT_NAME, 4, rv) < 0)
        return -ENOTCONN;
    return 0;
}

static int rates_answer(ledger_job_t *j)
{
    if (known_or_fail(j, j->req->rates_query->unit, "") < 0)
        return -ENOENT;
    const PGresult *res = j->res[3]; /* send_custom() */
    Liandong__V1__RatesReport *rep = ledger_job_alloc(j, sizeof(*rep));
    liandong__v1__rates_report__init(rep);
    int n = PQntuples(res);
    rep->rows = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__RateRow *));
    for (int i = 0; i < n; i++) {
        Liandong__V1__RateRow *w = ledger_job_alloc(j, sizeof(*w));
        liandong__v1__rate_row__init(w);
        w->key = ledger_col_str(j, res, i, 0);
        w->name = ledger_col_str(j, res, i, 1);
        uint64_t *f[] = {&w->received,
                         &w->replied,
                         &w->replied_on_time,
                         &w->resolved,
                         &w->rated,
                         &w->satisfied,
                         &w->open,
                         &w->overdue_reply,
                         &w->overdue_resolve,
                         &w->escalated,
                         &w->returned,
                         &w->reopened,
                         &w->replied_on_behalf,
                         &w->resolved_on_behalf,
                         &w->paused,
                         &w->extended,
                         &w->cases_paused,
                         &w->cases_extended};
        for (int k = 0; k < 18; k++)
            *f[k] = (uint64_t)ledger_col_i64(res, i, 2 + k);
        rep->rows[rep->n_rows++] = w;
    }
    ledger_rates_reporters_fill(j, rep, j->res[1]);
    ledger_rates_uncovered_fill(j, rep, j->res[5]);
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_RATES_REPORT;
    j->answer.rates_report = rep;
    return 0;
}

const ledger_handler_t ledger_req_rates_query = {
    .name = "RatesQuery",
    .body = LIANDONG__V1__ENVELOPE__BODY_RATES_QUERY,
    .stmts = rates_stmts,
    .n_stmts = sizeof rates_stmts / sizeof rates_stmts[0],
    .validate = rates_validate,
    .decide = ledger_decide_nothing,
    .send = rates_send,
    .answer = rates_answer,
};

/* ---------------------------------------------------------- RankingQuery */

/* RankingQuery and OverdueQuery also send "fig_known" (listed once, with
 * RatesQuery's statements: every statement is prepared on every
 * connection). */
static const db_stmt_t ranking_stmts[] = {
    /* $1 first day $2 last day (of one month) $3 unit subtree ('' all).
     * Every property company of the subtree: those that received nothing
     * are listed as not ranked (ranking.h). */
    {"ranking",
     "SELECT b.id, b.name, COALESCE(sum(f.received), 0), COALESCE(sum(f.replied), 0),"
     " COALESCE(sum(f.replied_on_time), 0), COALESCE(sum(f.resolved), 0),"
     " COALESCE(sum(f.rated), 0), COALESCE(sum(f.satisfied), 0),"
     " COALESCE(sum(f.escalated), 0), COALESCE(sum(f.returned), 0)"
     " FROM bodies b LEFT JOIN figures_body_monthly f ON f.body_id = b.id"
     "  AND f.month >= $1::date AND f.month <= $2::date"
     " WHERE b.kind = 'property_company' AND ($3 = '' OR b.id IN (SELECT bu.body_id"
     "  FROM body_units bu JOIN units u ON u.code = bu.unit_code WHERE $3 = ANY (u.path)))"
     " GROUP BY b.id, b.name ORDER BY b.id",
     3},
};

static const db_stmt_t overdue_stmts[] = {
    /* $1 unit subtree ('' all) $2 body ('' all) $3 limit $4 the due-soon
     * window in ms (0: overdue only; the cut-off is now() + $4). The
     * oldest deadline a case missed (or will miss first) decides its
     * place; total counts past the limit (the window runs before LIMIT). */
    {"overdue",
     "WITH o AS (SELECT case_id, body_id, compound_code, category, state, reply_due,"
     "  resolve_due, urgency, replied_at IS NULL AND reply_due < t.cut AND"
     "  (resolve_due >= t.cut OR reply_due <= resolve_due) AS by_reply"
     "  FROM cases, (SELECT " LD_NOW_SQL " + $4::bigint * interval '1 millisecond' AS cut) t"
     "  WHERE state IN " CASE_OPEN_STATES_SQL
     "  AND ((replied_at IS NULL AND reply_due < t.cut) OR resolve_due < t.cut)"
     "  AND ($2 = '' OR body_id = $2)"
     "  AND ($1 = '' OR compound_code IN (SELECT code FROM units WHERE $1 = ANY (path))))"
     " SELECT case_id, body_id, compound_code, category, state,"
     "  CASE WHEN by_reply THEN 'reply' ELSE 'resolve' END,"
     "  ld_ms(CASE WHEN by_reply THEN reply_due ELSE resolve_due END),"
     "  ld_ms(reply_due), ld_ms(resolve_due), count(*) OVER (), urgency = 'emergency'"
     " FROM o ORDER BY CASE WHEN by_reply THEN reply_due ELSE resolve_due END, case_id"
     " LIMIT $3::int",
     4},
};

/* "YYYY-MM" to its first and last day ("YYYY-MM-DD"). */
static int month_days(const char *p, char first[11], char last[11])
{
    int y = 0, m = 0, used = 0;
    if (strlen(p) != 7 || sscanf(p, "%4d-%2d%n", &y, &m, &used) != 2 || used != 7 || y < 1970 ||
        y > 9999 || m < 1 || m > 12)
        return -EINVAL;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int d = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    snprintf(first, 11, "%04d-%02d-01", y, m);
    snprintf(last, 11, "%04d-%02d-%02d", y, m, d);
    return 0;
}

static int bad_id(ledger_job_t *j, const char *s, const char *field)
{
    if (wire_check_text(s, LEDGER_ID_MAX) == 0)
        return 0;
    ledger_job_fail(j, E(BAD_REQUEST), "%s is not text of at most %d bytes", field, LEDGER_ID_MAX);
    return 1;
}

/* The month's first and last day go to params[0..1] for ranking_send. */
static int ranking_validate(ledger_job_t *j)
{
    char *first = ledger_job_alloc(j, 11), *last = ledger_job_alloc(j, 11);
    if (month_days(j->req->ranking_query->period, first, last) < 0) {
        ledger_job_fail(j, E(BAD_REQUEST), "period must be a month, YYYY-MM");
        return -EINVAL;
    }
    if (bad_id(j, j->req->ranking_query->unit, "unit"))
        return -EINVAL;
    j->params[0] = first;
    j->params[1] = last;
    return 0;
}

static int ranking_send(db_t *db, ledger_job_t *j)
{
    j->params[2] = j->req->ranking_query->unit;
    int rc = send_known(db, j, j->params[2], "");
    return rc < 0 ? rc : ledger_job_send(db, j, "ranking", 3, j->params);
}

static uint64_t col_u64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoull(PQgetvalue(r, row, col), NULL, 10);
}

static int ranking_answer(ledger_job_t *j)
{
    if (known_or_fail(j, j->req->ranking_query->unit, "") < 0)
        return -ENOENT;
    const PGresult *res = j->res[1];
    int n = PQntuples(res);
    rank_entry_t *e = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(*e));
    Liandong__V1__RankingRow *rows = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(*rows));
    for (int i = 0; i < n; i++) {
        Liandong__V1__RankingRow *w = &rows[i];
        liandong__v1__ranking_row__init(w);
        w->body_id = ledger_col_str(j, res, i, 0);
        w->name = ledger_col_str(j, res, i, 1);
        uint64_t *f[] = {&w->received, &w->replied,   &w->replied_on_time, &w->resolved,
                         &w->rated,    &w->satisfied, &w->escalated,       &w->returned};
        for (int k = 0; k < 8; k++)
            *f[k] = col_u64(res, i, 2 + k);
        e[i] = (rank_entry_t){.body_id = w->body_id,
                              .user = w,
                              .received = w->received,
                              .replied = w->replied,
                              .replied_on_time = w->replied_on_time,
                              .resolved = w->resolved,
                              .rated = w->rated,
                              .satisfied = w->satisfied};
    }
    ranking_compute(e, (size_t)n);
    Liandong__V1__Ranking *rk = ledger_job_alloc(j, sizeof(*rk));
    liandong__v1__ranking__init(rk);
    rk->period = ledger_job_strdup(j, j->req->ranking_query->period);
    rk->formula = RANKING_FORMULA;
    rk->rows = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__RankingRow *));
    for (int i = 0; i < n; i++) {
        Liandong__V1__RankingRow *w = e[i].user; /* e[] is sorted now */
        w->rank = e[i].rank;
        w->ranked = e[i].ranked != 0;
        w->score = e[i].score;
        w->grade = (char *)ranking_grade_name(e[i].grade);
        w->list = (char *)ranking_list_name(e[i].list);
        rk->rows[rk->n_rows++] = w;
    }
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_RANKING;
    j->answer.ranking = rk;
    return 0;
}

const ledger_handler_t ledger_req_ranking_query = {
    .name = "RankingQuery",
    .body = LIANDONG__V1__ENVELOPE__BODY_RANKING_QUERY,
    .stmts = ranking_stmts,
    .n_stmts = sizeof ranking_stmts / sizeof ranking_stmts[0],
    .validate = ranking_validate,
    .decide = ledger_decide_nothing,
    .send = ranking_send,
    .answer = ranking_answer,
};

/* ---------------------------------------------------------- OverdueQuery */

static int overdue_validate(ledger_job_t *j)
{
    const Liandong__V1__OverdueQuery *q = j->req->overdue_query;
    if (bad_id(j, q->unit, "unit") || bad_id(j, q->body_id, "body_id"))
        return -EINVAL;
    /* at most 30 days ahead: a window, not a list of every open case */
    if (q->due_within_ms < 0 || q->due_within_ms > 30LL * 86400 * 1000) {
        ledger_job_fail(j, E(BAD_REQUEST), "due_within_ms must be 0 to 30 days");
        return -EINVAL;
    }
    return 0;
}

static int overdue_send(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__OverdueQuery *q = j->req->overdue_query;
    uint32_t lim = q->limit == 0 ? OVERDUE_DEFAULT : q->limit;
    const char **v = j->params;
    v[0] = q->unit;
    v[1] = q->body_id;
    v[2] = ledger_job_u32(j, lim > OVERDUE_MAX ? OVERDUE_MAX : lim);
    char window[24];
    snprintf(window, sizeof window, "%lld", (long long)q->due_within_ms);
    v[3] = ledger_job_strdup(j, window);
    int rc = send_known(db, j, q->unit, q->body_id);
    return rc < 0 ? rc : ledger_job_send(db, j, "overdue", 4, v);
}

static int overdue_answer(ledger_job_t *j)
{
    const Liandong__V1__OverdueQuery *q = j->req->overdue_query;
    if (known_or_fail(j, q->unit, q->body_id) < 0)
        return -ENOENT;
    const PGresult *res = j->res[1];
    int n = PQntuples(res);
    Liandong__V1__OverdueList *l = ledger_job_alloc(j, sizeof(*l));
    liandong__v1__overdue_list__init(l);
    l->cases = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__OverdueCase *));
    for (int i = 0; i < n; i++) {
        Liandong__V1__OverdueCase *c = ledger_job_alloc(j, sizeof(*c));
        liandong__v1__overdue_case__init(c);
        c->case_id = ledger_col_str(j, res, i, 0);
        c->body_id = ledger_col_str(j, res, i, 1);
        c->compound_code = ledger_col_str(j, res, i, 2);
        c->category = ledger_col_str(j, res, i, 3);
        c->state = ledger_col_str(j, res, i, 4);
        c->deadline = ledger_col_str(j, res, i, 5);
        c->due_ms = (int64_t)col_u64(res, i, 6);
        c->reply_due_ms = (int64_t)col_u64(res, i, 7);
        c->resolve_due_ms = (int64_t)col_u64(res, i, 8);
        l->total = col_u64(res, i, 9);
        c->emergency = ledger_col_bool(res, i, 10);
        l->cases[l->n_cases++] = c;
    }
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_OVERDUE_LIST;
    j->answer.overdue_list = l;
    return 0;
}

const ledger_handler_t ledger_req_overdue_query = {
    .name = "OverdueQuery",
    .body = LIANDONG__V1__ENVELOPE__BODY_OVERDUE_QUERY,
    .stmts = overdue_stmts,
    .n_stmts = sizeof overdue_stmts / sizeof overdue_stmts[0],
    .validate = overdue_validate,
    .decide = ledger_decide_nothing,
    .send = overdue_send,
    .answer = overdue_answer,
};
