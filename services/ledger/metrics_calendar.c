/*
 * metrics_calendar.c - the working-day calendar on the ledger's /metrics
 * (issue 15): how far its data reaches, so an operator's alert fires
 * before the year it does not cover, and the cases whose deadlines were
 * counted Monday to Friday because it did not (cases.calendar_uncovered,
 * set from the router's CreateCase).
 *
 * The ledger computes no working-day deadline itself; it reads the same
 * calendar file as the router and the notifier only to say how far it
 * reaches, and re-reads it when the file changes (checked at most once per
 * METRICS_REFRESH_MS, on a scrape), logging the early warning
 * (calendar_horizon.h) at start and on every such reload.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "case_model.h"
#include "ledger_clock.h"
#include "log.h"
#include "metrics_int.h"

/* All flagged cases, the open ones, and the open ones per district and
 * per body; through the partial index cases_calendar_uncovered, so the
 * cost follows the flagged cases (few), not the whole table. */
static const char calendar_sql[] =
    "WITH f AS (SELECT compound_code, body_id, state IN " CASE_OPEN_STATES_SQL " AS open"
    "  FROM cases WHERE calendar_uncovered)"
    " SELECT 'total', '', count(*) FROM f"
    " UNION ALL SELECT 'open', '', count(*) FROM f WHERE open"
    " UNION ALL SELECT 'district', u.code, count(*) FROM f"
    "  JOIN units cu ON cu.code = f.compound_code, unnest(cu.path) AS p(code)"
    "  JOIN units u ON u.code = p.code AND u.kind = 'district' WHERE f.open GROUP BY u.code"
    " UNION ALL SELECT 'body', body_id, count(*) FROM f WHERE open GROUP BY body_id"
    " ORDER BY 1, 2";

static int64_t file_signature(const char *path)
{
    struct stat st;
    if (path == NULL || stat(path, &st) != 0)
        return 0;
    return (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec + (int64_t)st.st_size * 7;
}

static void figs_clear(metrics_cal_t *c)
{
    for (size_t i = 0; i < c->nfig; i++) {
        free(c->fig[i].kind);
        free(c->fig[i].code);
    }
    free(c->fig);
    c->fig = NULL;
    c->nfig = 0;
}

void metrics_calendar_free(metrics_t *m)
{
    figs_clear(&m->cal);
    free(m->cal.path);
    m->cal.path = NULL;
}

/* fig_lock held: reads the file again when it changed since last seen. */
static void check_file(metrics_cal_t *c)
{
    int64_t sig = file_signature(c->path);
    /* once per version of the file: a missing one is not logged per scrape */
    if (c->checked && sig == c->sig)
        return;
    c->checked = 1;
    c->sig = sig;
    calendar_check_file(c->path, ledger_clock_now_ms(), c->warn_days, &c->cov);
    if (c->cov.loaded)
        log_info(NULL, "calendar %s covers %d-%d", c->path, c->cov.first_year, c->cov.last_year);
}

int metrics_calendar(metrics_t *m, const char *path, int warn_days)
{
    if (path == NULL || *path == '\0')
        return 0; /* no calendar configured: no gauge, nothing to warn of */
    if (m == NULL) {
        calendar_coverage_t cov;
        calendar_check_file(path, ledger_clock_now_ms(), warn_days, &cov);
        return 0;
    }
    char *p = strdup(path);
    if (p == NULL)
        return -ENOMEM;
    pthread_mutex_lock(&m->fig_lock);
    free(m->cal.path);
    m->cal.path = p;
    m->cal.warn_days = warn_days;
    m->cal.checked = 0;
    check_file(&m->cal);
    pthread_mutex_unlock(&m->fig_lock);
    return 0;
}

void metrics_calendar_refresh(metrics_t *m, PGconn *conn)
{
    metrics_cal_t *c = &m->cal;
    if (c->path != NULL)
        check_file(c);
    if (conn == NULL)
        return;
    PGresult *r = metrics_exec_bounded(conn, calendar_sql);
    if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK || PQnfields(r) != 3) {
        /* the last counts stay; figures_db_up already says the database is
         * in trouble when the main query fails too */
        log_warn(NULL, "metrics: calendar query failed: %s",
                 r == NULL ? "no answer in time" : PQerrorMessage(conn));
        PQclear(r);
        return;
    }
    figs_clear(c);
    int n = PQntuples(r);
    c->fig = calloc((size_t)n + 1, sizeof *c->fig);
    if (c->fig == NULL)
        abort(); /* a few bytes; the process cannot go on without them */
    for (int i = 0; i < n; i++) {
        const char *kind = PQgetvalue(r, i, 0);
        double v = strtod(PQgetvalue(r, i, 2), NULL);
        if (strcmp(kind, "total") == 0) {
            c->total = v;
        } else if (strcmp(kind, "open") == 0) {
            c->open = v;
        } else {
            cal_fig_t *f = &c->fig[c->nfig++];
            f->kind = strdup(kind);
            f->code = strdup(PQgetvalue(r, i, 1));
            if (f->kind == NULL || f->code == NULL)
                abort();
            f->open = v;
        }
    }
    c->valid = 1;
    PQclear(r);
}

static void per_unit(FILE *out, const metrics_cal_t *c, const char *kind)
{
    fprintf(out,
            "# HELP liandong_%s_calendar_uncovered_open_cases Open cases whose deadlines were "
            "counted Monday-Friday (a year without calendar data), per %s.\n"
            "# TYPE liandong_%s_calendar_uncovered_open_cases gauge\n",
            kind, kind, kind);
    for (size_t i = 0; i < c->nfig; i++) {
        if (strcmp(c->fig[i].kind, kind) != 0)
            continue;
        fprintf(out, "liandong_%s_calendar_uncovered_open_cases{%s=\"", kind, kind);
        metrics_write_label(out, c->fig[i].code);
        fprintf(out, "\"} %.17g\n", c->fig[i].open);
    }
}

void metrics_calendar_write(FILE *out, const metrics_t *m)
{
    const metrics_cal_t *c = &m->cal;
    if (c->path != NULL)
        fprintf(out,
                "# HELP liandong_calendar_last_year The last year the working-day calendar "
                "covers (0: not loaded); past it working-day deadlines are counted Monday-Friday.\n"
                "# TYPE liandong_calendar_last_year gauge\nliandong_calendar_last_year %d\n"
                "# HELP liandong_calendar_covered_until_seconds When the calendar's data ends "
                "(00:00 +08:00 of 1 January after its last year; 0: not loaded), Unix time.\n"
                "# TYPE liandong_calendar_covered_until_seconds gauge\n"
                "liandong_calendar_covered_until_seconds %lld\n",
                c->cov.last_year, (long long)(c->cov.until_ms / 1000));
    if (!c->valid)
        return;
    fprintf(out,
            "# HELP liandong_cases_calendar_uncovered_total Cases placed with deadlines counted "
            "Monday-Friday because the calendar did not cover their year.\n"
            "# TYPE liandong_cases_calendar_uncovered_total counter\n"
            "liandong_cases_calendar_uncovered_total %.17g\n"
            "# HELP liandong_cases_calendar_uncovered_open Open cases among them.\n"
            "# TYPE liandong_cases_calendar_uncovered_open gauge\n"
            "liandong_cases_calendar_uncovered_open %.17g\n",
            c->total, c->open);
    per_unit(out, c, "district");
    per_unit(out, c, "body");
}
