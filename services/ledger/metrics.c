/*
 * metrics.c - the counters behind the ledger's /metrics and their
 * Prometheus text exposition (format 0.0.4). The HTTP server itself is in
 * metrics_http.c.
 *
 * Figures per city, district, street and body come from the roll-ups
 * (figures_*_monthly: every month since records began), the unlocated
 * cases' from `cases`, and open and overdue cases from the partial index
 * of open cases; the unit part is the same shape as RatesQuery's
 * (req_figures.c "rates_unit"). See figures_sql for how they add up.
 */
#include "metrics.h"

#include <errno.h>
#include <math.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authz.h"
#include "case_model.h"
#include "ledger_clock.h"
#include "log.h"
#include "metrics_int.h"

#define CMD_SLOTS 256
#define ERR_SLOTS 64
#define METRICS_ROLES (ROLE_UNKNOWN + 1)

static const double batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128};
#define NBATCH (sizeof batch_bounds / sizeof batch_bounds[0])
static const double lat_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                    0.05,   0.1,   0.25,   0.5,   1,    2.5};
#define NLAT (sizeof lat_bounds / sizeof lat_bounds[0])

/* The figures, one row per series owner: (kind, label, code, figures...).
 *   city, district, street  from the unit roll-ups (label: the district
 *                           of a street, '' else); a case counts in every
 *                           unit on its compound's path;
 *   unlocated               one row: cases in no registered compound (''
 *                           or a code the registry does not have), which
 *                           no unit's roll-up holds; from `cases` and
 *                           their rating events (the cases_compound index
 *                           finds them: they are the manual-triage few);
 *   body                    every body, the dispatch centre included
 *                           (label: the body's kind), from the body
 *                           roll-ups: a case moved between bodies counts
 *                           for each.
 * The city's series are its unit's roll-up plus the unlocated cases
 * (added in refresh_figures()): every case of the city. So the districts'
 * received, replied, open, ... plus the unlocated add up to the city's (a
 * compound lies in one district), from independent rows. Open and overdue
 * are live, from the open cases. */
#define FIG_OPEN_COUNTS                                                                            \
    "count(*) FILTER (WHERE state IN " CASE_OPEN_STATES_SQL "),"                                   \
    " count(*) FILTER (WHERE state IN " CASE_OPEN_STATES_SQL                                       \
    "  AND replied_at IS NULL AND reply_due < " LD_NOW_SQL "),"                                    \
    " count(*) FILTER (WHERE state IN " CASE_OPEN_STATES_SQL " AND resolve_due < " LD_NOW_SQL ")"
static const char figures_sql[] =
    "WITH sel AS (SELECT u.code, u.kind, COALESCE((SELECT d.code FROM units d"
    "  WHERE d.kind = 'district' AND d.code = ANY (u.path) LIMIT 1), '') AS district"
    "  FROM units u WHERE u.kind IN ('city', 'district', 'street')),"
    " f AS (SELECT unit_code AS code, sum(received) received, sum(replied) replied,"
    "  sum(resolved) resolved, sum(rated) rated, sum(satisfied) satisfied"
    "  FROM figures_unit_monthly WHERE unit_code IN (SELECT code FROM sel) GROUP BY unit_code),"
    " oc AS (SELECT compound_code, count(*) open,"
    "  count(*) FILTER (WHERE replied_at IS NULL AND reply_due < " LD_NOW_SQL ") overdue_reply,"
    "  count(*) FILTER (WHERE resolve_due < " LD_NOW_SQL ") overdue_resolve FROM cases"
    "  WHERE state IN " CASE_OPEN_STATES_SQL "  GROUP BY compound_code),"
    " o AS (SELECT p.code, sum(oc.open) open, sum(oc.overdue_reply) overdue_reply,"
    "  sum(oc.overdue_resolve) overdue_resolve"
    "  FROM oc JOIN units cu ON cu.code = oc.compound_code, unnest(cu.path) AS p(code)"
    "  WHERE p.code IN (SELECT code FROM sel) GROUP BY p.code),"
    " ucode AS (SELECT '' AS code UNION SELECT DISTINCT m.unit_code FROM figures_unit_monthly m"
    "  WHERE NOT EXISTS (SELECT 1 FROM units x WHERE x.code = m.unit_code)),"
    " uc AS (SELECT case_id, state, replied_at, resolved_at, reply_due, resolve_due FROM cases"
    "  WHERE compound_code IN (SELECT code FROM ucode)),"
    " ur AS (SELECT count(*) rated, count(*) FILTER (WHERE e.note <> 'dissatisfied') satisfied"
    "  FROM case_events e WHERE e.kind = 'rated' AND e.case_id IN (SELECT case_id FROM uc)),"
    " bf AS (SELECT body_id, sum(received) received, sum(replied) replied,"
    "  sum(resolved) resolved, sum(rated) rated, sum(satisfied) satisfied"
    "  FROM figures_body_monthly GROUP BY body_id),"
    " bo AS (SELECT body_id, count(*) open,"
    "  count(*) FILTER (WHERE replied_at IS NULL AND reply_due < " LD_NOW_SQL ") overdue_reply,"
    "  count(*) FILTER (WHERE resolve_due < " LD_NOW_SQL ") overdue_resolve FROM cases"
    "  WHERE state IN " CASE_OPEN_STATES_SQL " GROUP BY body_id),"
    " bk AS (SELECT id AS body_id FROM bodies UNION SELECT body_id FROM bf"
    "  UNION SELECT body_id FROM bo),"
    /* reporters joined to cases (docs/repeats.md): live, like open */
    " rc AS (SELECT c.compound_code, c.body_id, count(*) n FROM case_reporters r"
    "  JOIN cases c ON c.case_id = r.case_id GROUP BY c.compound_code, c.body_id),"
    " ru AS (SELECT p.code, sum(rc.n) n FROM rc JOIN units cu ON cu.code = rc.compound_code,"
    "  unnest(cu.path) AS p(code) WHERE p.code IN (SELECT code FROM sel) GROUP BY p.code),"
    " rb AS (SELECT body_id, sum(n) n FROM rc GROUP BY body_id)"
    " SELECT sel.kind, CASE WHEN sel.kind = 'city' THEN '' ELSE sel.district END, sel.code,"
    "  COALESCE(f.received, 0), COALESCE(f.replied, 0),"
    "  COALESCE(f.resolved, 0), COALESCE(f.rated, 0), COALESCE(f.satisfied, 0),"
    "  COALESCE(o.open, 0), COALESCE(o.overdue_reply, 0), COALESCE(o.overdue_resolve, 0),"
    "  COALESCE(ru.n, 0)"
    " FROM sel LEFT JOIN f ON f.code = sel.code LEFT JOIN o ON o.code = sel.code"
    " LEFT JOIN ru ON ru.code = sel.code"
    " UNION ALL SELECT 'unlocated', '', '', count(*), count(replied_at), count(resolved_at),"
    "  (SELECT rated FROM ur), (SELECT satisfied FROM ur), " FIG_OPEN_COUNTS ","
    "  (SELECT count(*) FROM case_reporters r WHERE r.case_id IN (SELECT case_id FROM uc))"
    " FROM uc"
    " UNION ALL SELECT 'body', COALESCE(b.kind, ''), bk.body_id, COALESCE(bf.received, 0),"
    "  COALESCE(bf.replied, 0), COALESCE(bf.resolved, 0), COALESCE(bf.rated, 0),"
    "  COALESCE(bf.satisfied, 0), COALESCE(bo.open, 0), COALESCE(bo.overdue_reply, 0),"
    "  COALESCE(bo.overdue_resolve, 0), COALESCE(rb.n, 0) FROM bk"
    "  LEFT JOIN bodies b ON b.id = bk.body_id"
    "  LEFT JOIN bf ON bf.body_id = bk.body_id LEFT JOIN bo ON bo.body_id = bk.body_id"
    "  LEFT JOIN rb ON rb.body_id = bk.body_id"
    " ORDER BY 1, 3";

static double elapsed_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

void metrics_write_label(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", out);
        else if (*s == '"')
            fputs("\\\"", out);
        else if (*s == '\n')
            fputs("\\n", out);
        else
            fputc(*s, out);
    }
}

int metrics_new(const char *conninfo, metrics_t **out)
{
    metrics_t *m = calloc(1, sizeof *m);
    if (m == NULL || (m->conninfo = strdup(conninfo)) == NULL) {
        free(m);
        return -ENOMEM;
    }
    pthread_mutex_init(&m->lock, NULL);
    pthread_mutex_init(&m->fig_lock, NULL);
    m->cmd = calloc(CMD_SLOTS, sizeof *m->cmd);
    m->err = calloc(ERR_SLOTS, sizeof *m->err);
    m->batch = calloc(NBATCH + 1, sizeof *m->batch);
    m->lat = calloc(NLAT + 1, sizeof *m->lat);
    m->forbidden = calloc((size_t)METRICS_ROLES * CMD_SLOTS, sizeof *m->forbidden);
    if (!m->cmd || !m->err || !m->batch || !m->lat || !m->forbidden) {
        metrics_free(&m);
        return -ENOMEM;
    }
    *out = m;
    return 0;
}

static void figs_clear(metrics_t *m)
{
    for (size_t i = 0; i < m->nfig; i++) {
        free(m->fig[i].kind);
        free(m->fig[i].district);
        free(m->fig[i].code);
    }
    free(m->fig);
    m->fig = NULL;
    m->nfig = 0;
}

void metrics_free(metrics_t **pm)
{
    metrics_t *m = *pm;
    if (m == NULL)
        return;
    figs_clear(m);
    metrics_calendar_free(m);
    if (m->conn != NULL)
        PQfinish(m->conn);
    pthread_mutex_destroy(&m->lock);
    pthread_mutex_destroy(&m->fig_lock);
    free(m->cmd);
    free(m->err);
    free(m->batch);
    free(m->lat);
    free(m->forbidden);
    free(m->conninfo);
    free(m);
    *pm = NULL;
}

static size_t bucket(const double *bounds, size_t n, double v)
{
    size_t i = 0;
    while (i < n && v > bounds[i])
        i++;
    return i; /* n = +Inf only */
}

void metrics_request(metrics_t *m, const envelope_t *req, const envelope_t *answer, double seconds)
{
    if (m == NULL)
        return;
    unsigned type = req != NULL ? (unsigned)req->body_case : 0;
    int code = -1;
    if (answer != NULL && answer->body_case == LIANDONG__V1__ENVELOPE__BODY_ERROR &&
        answer->error != NULL)
        code = (int)answer->error->code;
    pthread_mutex_lock(&m->lock);
    m->cmd[type < CMD_SLOTS ? type : 0]++;
    if (code >= 0)
        m->err[code < ERR_SLOTS ? code : 0]++;
    m->lat[bucket(lat_bounds, NLAT, seconds)]++;
    m->lat_sum += seconds;
    m->nlat++;
    pthread_mutex_unlock(&m->lock);
}

void metrics_batch(metrics_t *m, size_t n)
{
    if (m == NULL)
        return;
    pthread_mutex_lock(&m->lock);
    m->batch[bucket(batch_bounds, NBATCH, (double)n)]++;
    m->batch_sum += (double)n;
    m->nbatch++;
    pthread_mutex_unlock(&m->lock);
}

/* ------------------------------------------------------------- figures */

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        abort(); /* a few bytes; the process cannot go on without them */
    return d;
}

/* The figures query with a deadline: a frozen server (SIGSTOP, a stuck
 * host) never answers, and statement_timeout is the server's own, so it
 * cannot end the wait; the scrape's service health must still go out
 * (issue 12). On timeout the connection is dropped (a cancel would need
 * the same frozen server) and NULL comes back. */
#define FIGURES_WAIT_MS 3000

PGresult *metrics_exec_bounded(PGconn *c, const char *sql)
{
    if (PQsendQuery(c, sql) != 1)
        return NULL;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (PQisBusy(c)) {
        int left = FIGURES_WAIT_MS - (int)(elapsed_since(&t0) * 1000.0);
        if (left <= 0)
            return NULL;
        struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};
        if (poll(&p, 1, left) < 0 && errno != EINTR)
            return NULL;
        if (PQconsumeInput(c) != 1)
            return NULL;
    }
    PGresult *r = PQgetResult(c), *extra;
    while ((extra = PQgetResult(c)) != NULL)
        PQclear(extra);
    return r;
}

/* HTTP thread, fig_lock held. Keeps the last good snapshot when the
 * database is unreachable (db_up says so). */
static void refresh_figures(metrics_t *m)
{
    if (m->fig_valid && elapsed_since(&m->fig_at) * 1000.0 < METRICS_REFRESH_MS)
        return;
    /* the calendar file first: its gauge does not wait for the database */
    metrics_calendar_refresh(m, NULL);
    if (m->conn == NULL || PQstatus(m->conn) != CONNECTION_OK) {
        if (m->conn != NULL)
            PQfinish(m->conn);
        /* Bounded waits: a scrape must not hang on a database that is away. */
        const char *keys[] = {"dbname", "connect_timeout", "options", "application_name", NULL};
        /* The live counts (overdue) on the system's clock, as RatesQuery's. */
        char opts[224];
        snprintf(opts, sizeof opts, "%s%s",
                 "-c statement_timeout=2000 -c max_parallel_workers_per_gather=0",
                 ledger_clock_pg_options());
        const char *vals[] = {m->conninfo, "2", opts, "ledger-metrics", NULL};
        m->conn = PQconnectdbParams(keys, vals, 1);
        if (PQstatus(m->conn) != CONNECTION_OK) {
            m->db_up = 0;
            PQfinish(m->conn);
            m->conn = NULL;
            clock_gettime(CLOCK_MONOTONIC, &m->fig_at);
            return;
        }
    }
    PGresult *r = metrics_exec_bounded(m->conn, figures_sql);
    if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK || PQnfields(r) != 3 + F_N) {
        log_warn(NULL, "metrics: figures query failed: %s",
                 r == NULL ? "no answer in time" : PQerrorMessage(m->conn));
        m->db_up = 0;
        PQclear(r);
        if (r == NULL) { /* the connection is mid-query: start afresh next time */
            PQfinish(m->conn);
            m->conn = NULL;
        }
        clock_gettime(CLOCK_MONOTONIC, &m->fig_at);
        return;
    }
    figs_clear(m);
    int n = PQntuples(r);
    m->fig = calloc((size_t)n + 1, sizeof *m->fig);
    if (m->fig == NULL)
        abort();
    for (int i = 0; i < n; i++) {
        unit_fig_t *u = &m->fig[i];
        u->kind = xstrdup(PQgetvalue(r, i, 0));
        u->district = xstrdup(PQgetvalue(r, i, 1));
        u->code = xstrdup(PQgetvalue(r, i, 2));
        for (int k = 0; k < F_N; k++)
            u->v[k] = strtod(PQgetvalue(r, i, 3 + k), NULL);
    }
    m->nfig = (size_t)n;
    /* Every case of the city: its unit's roll-up holds only the located. */
    const unit_fig_t *unl = NULL;
    for (size_t i = 0; i < m->nfig; i++)
        if (strcmp(m->fig[i].kind, "unlocated") == 0)
            unl = &m->fig[i];
    for (size_t i = 0; unl != NULL && i < m->nfig; i++)
        if (strcmp(m->fig[i].kind, "city") == 0)
            for (int k = 0; k < F_N; k++)
                m->fig[i].v[k] += unl->v[k];
    m->fig_valid = 1;
    m->db_up = 1;
    PQclear(r);
    metrics_calendar_refresh(m, m->conn);
    clock_gettime(CLOCK_MONOTONIC, &m->fig_at);
}

/* A rate with nothing to divide by is unknown (n/a), not 0: NaN. */
static double ratio(double a, double b)
{
    return b > 0 ? a / b : NAN;
}

static void write_value(FILE *out, double v)
{
    if (isnan(v))
        fputs("NaN\n", out);
    else
        fprintf(out, "%.17g\n", v);
}

/* The labels of a series owner (see figures_sql), without the closing
 * brace; the unlocated cases have none. */
static void unit_labels(FILE *out, const unit_fig_t *u)
{
    const char *k = u->kind;
    if (strcmp(k, "city") == 0 || strcmp(k, "body") == 0) {
        fputs(k[0] == 'c' ? "{city=\"" : "{body=\"", out);
        metrics_write_label(out, u->code);
        if (k[0] == 'b') {
            fputs("\",kind=\"", out);
            metrics_write_label(out, u->district);
        }
        fputs("\"", out);
        return;
    }
    if (strcmp(k, "unlocated") == 0) {
        fputs("{", out);
        return;
    }
    fputs("{district=\"", out);
    metrics_write_label(out, u->district);
    if (strcmp(k, "street") == 0) {
        fputs("\",street=\"", out);
        metrics_write_label(out, u->code);
    }
    fputs("\"", out);
}

/* A separator before an extra label: none after the unlocated's "{". */
static const char *label_sep(const unit_fig_t *u)
{
    return strcmp(u->kind, "unlocated") == 0 ? "" : ",";
}

/* One family per tier and figure, so a sum over a family never counts a
 * case twice (a district's figures already hold its streets'). */
static void family(FILE *out, const metrics_t *m, const char *tier, const char *name,
                   const char *type, const char *help, int num, int den, const char *extra)
{
    fprintf(out, "# HELP liandong_%s_%s %s\n# TYPE liandong_%s_%s %s\n", tier, name, help, tier,
            name, type);
    for (size_t i = 0; i < m->nfig; i++) {
        const unit_fig_t *u = &m->fig[i];
        if (strcmp(u->kind, tier) != 0)
            continue;
        fprintf(out, "liandong_%s_%s", tier, name);
        unit_labels(out, u);
        if (extra != NULL)
            fprintf(out, "%s%s", label_sep(u), extra);
        fputs("} ", out);
        write_value(out, den < 0 ? u->v[num] : ratio(u->v[num], u->v[den]));
    }
}

static void write_figures(FILE *out, const metrics_t *m)
{
    static const char *const tiers[] = {"city", "district", "street", "unlocated", "body"};
    for (size_t t = 0; t < sizeof tiers / sizeof tiers[0]; t++) {
        const char *tier = tiers[t];
        family(out, m, tier, "received_total", "counter",
               "Cases received since records began (roll-ups).", F_RECEIVED, -1, NULL);
        family(out, m, tier, "reply_rate", "gauge",
               "Replied cases per case received, since records began.", F_REPLIED, F_RECEIVED,
               NULL);
        family(out, m, tier, "resolution_rate", "gauge",
               "Resolved cases per case received, since records began.", F_RESOLVED, F_RECEIVED,
               NULL);
        family(out, m, tier, "satisfaction_rate", "gauge",
               "Satisfied ratings per rating, since records began (NaN when none).", F_SATISFIED,
               F_RATED, NULL);
        family(out, m, tier, "open_cases", "gauge", "Cases not yet resolved or closed.", F_OPEN, -1,
               NULL);
        family(out, m, tier, "reporters", "gauge",
               "Residents joined to a case as reporters of the same problem, now "
               "(docs/repeats.md); received counts the cases.",
               F_REPORTERS, -1, NULL);
        /* Two series of one family: a case late on both deadlines is in
         * both, as in RatesQuery. */
        fprintf(out,
                "# HELP liandong_%s_overdue_cases Open cases past a deadline (reply or resolve).\n"
                "# TYPE liandong_%s_overdue_cases gauge\n",
                tier, tier);
        for (size_t i = 0; i < m->nfig; i++) {
            const unit_fig_t *u = &m->fig[i];
            if (strcmp(u->kind, tier) != 0)
                continue;
            for (int k = 0; k < 2; k++) {
                fprintf(out, "liandong_%s_overdue_cases", tier);
                unit_labels(out, u);
                fprintf(out, "%sdeadline=\"%s\"} %.17g\n", label_sep(u),
                        k == 0 ? "reply" : "resolve", u->v[k == 0 ? F_OD_REPLY : F_OD_RESOLVE]);
            }
        }
    }
}

void metrics_forbidden(metrics_t *m, int role, const envelope_t *req)
{
    if (m == NULL)
        return;
    unsigned r = role >= 0 && role < METRICS_ROLES ? (unsigned)role : ROLE_UNKNOWN;
    unsigned b = (unsigned)req->body_case < CMD_SLOTS ? (unsigned)req->body_case : 0;
    pthread_mutex_lock(&m->lock);
    m->forbidden[r * CMD_SLOTS + b]++;
    pthread_mutex_unlock(&m->lock);
}

void metrics_stream(metrics_t *m, unsigned long subscribed, unsigned long refused,
                    unsigned long unsubscribed, unsigned long cuts)
{
    if (m == NULL)
        return;
    pthread_mutex_lock(&m->lock);
    m->stream_sub = subscribed;
    m->stream_refused = refused;
    m->stream_unsub = unsubscribed;
    m->stream_cuts = cuts;
    pthread_mutex_unlock(&m->lock);
}

void metrics_writer(metrics_t *m, int writer)
{
    if (m == NULL)
        return;
    pthread_mutex_lock(&m->lock);
    m->writer = writer != 0;
    pthread_mutex_unlock(&m->lock);
}

static void write_stream(FILE *out, const metrics_t *m)
{
    /* Which of two ledgers writes, for an operator's dashboard and alert
     * rules (exactly one writer across the pair). */
    fprintf(out,
            "# HELP liandong_ledger_writer 1 while this ledger holds the database's writer lock "
            "and takes requests; 0 while it stands by or has lost its session.\n"
            "# TYPE liandong_ledger_writer gauge\n"
            "liandong_ledger_writer %d\n",
            m->writer);
    fprintf(out,
            "# HELP liandong_ledger_stream_subscriptions_total Subscriptions to the event "
            "stream: subscribed, refused (role or topic), released (unsubscribed or the "
            "subscriber left).\n"
            "# TYPE liandong_ledger_stream_subscriptions_total counter\n"
            "liandong_ledger_stream_subscriptions_total{outcome=\"subscribed\"} %lu\n"
            "liandong_ledger_stream_subscriptions_total{outcome=\"refused\"} %lu\n"
            "liandong_ledger_stream_subscriptions_total{outcome=\"released\"} %lu\n"
            "# HELP liandong_ledger_stream_cuts_total Times the event stream cut every "
            "subscriber because a key flooded it with subscriptions.\n"
            "# TYPE liandong_ledger_stream_cuts_total counter\n"
            "liandong_ledger_stream_cuts_total %lu\n",
            m->stream_sub, m->stream_refused, m->stream_unsub, m->stream_cuts);
}

static void write_forbidden(FILE *out, metrics_t *m)
{
    fputs("# HELP liandong_ledger_forbidden_total Requests refused FORBIDDEN, by the role of the "
          "key and the request.\n"
          "# TYPE liandong_ledger_forbidden_total counter\n",
          out);
    for (unsigned r = 0; r < METRICS_ROLES; r++)
        for (unsigned i = 0; i < CMD_SLOTS; i++) {
            uint64_t v = m->forbidden[r * CMD_SLOTS + i];
            if (v == 0)
                continue;
            const ProtobufCFieldDescriptor *f = i == 0
                                                    ? NULL
                                                    : protobuf_c_message_descriptor_get_field(
                                                          &liandong__v1__envelope__descriptor, i);
            fputs("liandong_ledger_forbidden_total{role=\"", out);
            metrics_write_label(out, authz_role_name((role_t)r));
            fputs("\",request=\"", out);
            metrics_write_label(out, f != NULL ? f->name : "other");
            fprintf(out, "\"} %llu\n", (unsigned long long)v);
        }
}

/* -------------------------------------------------------------- health */

static void histogram(FILE *out, const char *name, const char *help, const double *bounds, size_t n,
                      const uint64_t *counts, double sum, uint64_t total)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cum = 0;
    for (size_t i = 0; i < n; i++) {
        cum += counts[i];
        fprintf(out, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i], (unsigned long long)cum);
    }
    fprintf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.17g\n%s_count %llu\n", name,
            (unsigned long long)total, name, sum, name, (unsigned long long)total);
}

static void write_health(FILE *out, metrics_t *m)
{
    pthread_mutex_lock(&m->lock);
    fputs("# HELP liandong_ledger_commands_total Requests answered, by envelope body.\n"
          "# TYPE liandong_ledger_commands_total counter\n",
          out);
    for (unsigned i = 0; i < CMD_SLOTS; i++) {
        if (m->cmd[i] == 0)
            continue;
        const ProtobufCFieldDescriptor *f =
            i == 0
                ? NULL
                : protobuf_c_message_descriptor_get_field(&liandong__v1__envelope__descriptor, i);
        fputs("liandong_ledger_commands_total{type=\"", out);
        metrics_write_label(out, f != NULL ? f->name : "other");
        fprintf(out, "\"} %llu\n", (unsigned long long)m->cmd[i]);
    }
    fputs("# HELP liandong_ledger_errors_total Requests answered with an error, by code.\n"
          "# TYPE liandong_ledger_errors_total counter\n",
          out);
    for (int i = 0; i < ERR_SLOTS; i++) {
        if (m->err[i] == 0)
            continue;
        const ProtobufCEnumValue *v =
            protobuf_c_enum_descriptor_get_value(&liandong__v1__error_code__descriptor, i);
        fputs("liandong_ledger_errors_total{code=\"", out);
        metrics_write_label(out, v != NULL ? v->name : "other");
        fprintf(out, "\"} %llu\n", (unsigned long long)m->err[i]);
    }
    /* Refused at the edge (never a request: no errors_total above), and
     * how many of those were not logged (lib/log.h's rate limit). */
    fputs("# HELP liandong_ledger_refusals_total Messages, handshakes and answers refused or "
          "dropped before they became requests, by kind.\n"
          "# TYPE liandong_ledger_refusals_total counter\n",
          out);
    for (int k = 0; k < LOG_REFUSED_KINDS; k++)
        fprintf(out, "liandong_ledger_refusals_total{kind=\"%s\"} %llu\n",
                log_refusal_name((log_refusal_t)k), log_refusals((log_refusal_t)k));
    fputs("# HELP liandong_ledger_refusals_not_logged_total Refusals left out of the log by its "
          "rate limit, by kind.\n"
          "# TYPE liandong_ledger_refusals_not_logged_total counter\n",
          out);
    for (int k = 0; k < LOG_REFUSED_KINDS; k++)
        fprintf(out, "liandong_ledger_refusals_not_logged_total{kind=\"%s\"} %llu\n",
                log_refusal_name((log_refusal_t)k), log_refusals_suppressed((log_refusal_t)k));
    histogram(out, "liandong_ledger_commit_batch_size",
              "Requests executed per database transaction (group commit).", batch_bounds, NBATCH,
              m->batch, m->batch_sum, m->nbatch);
    histogram(out, "liandong_ledger_request_duration_seconds",
              "Time from a request's arrival to its answer, in the ledger.", lat_bounds, NLAT,
              m->lat, m->lat_sum, m->nlat);
    write_forbidden(out, m);
    write_stream(out, m);
    pthread_mutex_unlock(&m->lock);
}

int metrics_render(metrics_t *m, FILE *out)
{
    if (m == NULL)
        return -EINVAL;
    write_health(out, m);
    pthread_mutex_lock(&m->fig_lock);
    refresh_figures(m);
    fprintf(out,
            "# HELP liandong_ledger_figures_db_up 1 when the last figures query succeeded.\n"
            "# TYPE liandong_ledger_figures_db_up gauge\nliandong_ledger_figures_db_up %d\n",
            m->db_up);
    write_figures(out, m);
    metrics_calendar_write(out, m);
    pthread_mutex_unlock(&m->fig_lock);
    return ferror(out) ? -EIO : 0;
}
