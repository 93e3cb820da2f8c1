/*
 * db_figures.c - ranking of property companies per month and the overdue
 * list (see db_figures.h for the composite and the tie rules). Requests
 * are validated here, read in the batch's transaction like every other
 * read, and answered from the rows; the ranking itself is pure C
 * (ranking_compute), tested without a database.
 */
#include "db_figures.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire.h"

#define E(x) LIANDONG__V1__ERROR_CODE__ERROR_##x
#define ID_MAX 128
#define OVERDUE_DEFAULT 100
#define OVERDUE_MAX 1000

#define OPEN_STATES "('received','assigned','delivered','accepted','replied','returned')"

static const db_stmt_t statements[] = {
    /* $1 first day $2 last day (of one month) $3 unit subtree ('' all) */
    {"ranking",
     "SELECT b.id, b.name, COALESCE(sum(f.received), 0), COALESCE(sum(f.replied), 0),"
     " COALESCE(sum(f.replied_on_time), 0), COALESCE(sum(f.resolved), 0),"
     " COALESCE(sum(f.rated), 0), COALESCE(sum(f.satisfied), 0),"
     " COALESCE(sum(f.escalated), 0), COALESCE(sum(f.returned), 0)"
     " FROM bodies b JOIN figures_body_monthly f ON f.body_id = b.id"
     "  AND f.month >= $1::date AND f.month <= $2::date"
     " WHERE b.kind = 'property_company' AND ($3 = '' OR b.id IN (SELECT bu.body_id"
     "  FROM body_units bu JOIN units u ON u.code = bu.unit_code WHERE $3 = ANY (u.path)))"
     " GROUP BY b.id, b.name HAVING sum(f.received) > 0 ORDER BY b.id",
     3},
    /* $1 unit subtree ('' all) $2 body ('' all) $3 limit. The oldest
     * deadline a case missed decides its place; total counts past the
     * limit (the window runs before LIMIT). */
    {"overdue",
     "WITH o AS (SELECT case_id, body_id, compound_code, category, state, reply_due,"
     "  resolve_due, replied_at IS NULL AND reply_due < now() AND"
     "  (resolve_due >= now() OR reply_due <= resolve_due) AS by_reply"
     "  FROM cases WHERE state IN " OPEN_STATES
     "  AND ((replied_at IS NULL AND reply_due < now()) OR resolve_due < now())"
     "  AND ($2 = '' OR body_id = $2)"
     "  AND ($1 = '' OR compound_code IN (SELECT code FROM units WHERE $1 = ANY (path))))"
     " SELECT case_id, body_id, compound_code, category, state,"
     "  CASE WHEN by_reply THEN 'reply' ELSE 'resolve' END,"
     "  ld_ms(CASE WHEN by_reply THEN reply_due ELSE resolve_due END),"
     "  ld_ms(reply_due), ld_ms(resolve_due), count(*) OVER ()"
     " FROM o ORDER BY CASE WHEN by_reply THEN reply_due ELSE resolve_due END, case_id"
     " LIMIT $3::int",
     3},
};

const db_stmt_t *figures_statements(size_t *n)
{
    *n = sizeof statements / sizeof statements[0];
    return statements;
}

/* ------------------------------------------------------------- ranking */

static double rate(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static int cmp_entry(const void *pa, const void *pb)
{
    const rank_entry_t *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return strcmp(a->body_id, b->body_id);
}

void ranking_compute(rank_entry_t *e, size_t n)
{
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        double s = 100.0 * (0.3 * rate(e[i].replied, e[i].received) +
                            0.2 * rate(e[i].replied_on_time, e[i].received) +
                            0.3 * rate(e[i].resolved, e[i].received) +
                            0.2 * rate(e[i].satisfied, e[i].rated));
        /* Rounded so that figures equal on paper are equal here. */
        e[i].score = round(s * 10000.0) / 10000.0;
    }
    qsort(e, n, sizeof *e, cmp_entry);
    size_t jia = (2 * n + 5) / 10, yi = (7 * n + 5) / 10, fifth = n / 5;
    size_t best = 0; /* place of the first of the current tie group */
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && e[i].score != e[i - 1].score)
            best = i;
        e[i].rank = (uint32_t)best + 1;
        e[i].grade = best < jia ? GRADE_JIA : best < yi ? GRADE_YI : GRADE_BING;
        e[i].list = best < fifth                       ? LIST_RED
                    : (fifth > 0 && best >= n - fifth) ? LIST_BLACK
                                                       : LIST_NONE;
    }
}

const char *ranking_grade_name(int grade)
{
    static const char *const names[] = {"甲", "乙", "丙"};
    return grade >= 0 && grade <= GRADE_BING ? names[grade] : "";
}

const char *ranking_list_name(int list)
{
    return list == LIST_RED ? "red" : list == LIST_BLACK ? "black" : "";
}

/* ---------------------------------------------------------------- hooks */

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
    if (wire_check_text(s, ID_MAX) == 0)
        return 0;
    ledger_job_fail(j, E(BAD_REQUEST), "%s is not text of at most %d bytes", field, ID_MAX);
    return 1;
}

int figures_validate(ledger_job_t *j)
{
    const envelope_t *r = j->req;
    char a[11], b[11];
    switch (r->body_case) {
    case LIANDONG__V1__ENVELOPE__BODY_RANKING_QUERY:
        if (month_days(r->ranking_query->period, a, b) < 0) {
            ledger_job_fail(j, E(BAD_REQUEST), "period must be a month, YYYY-MM");
            return 0;
        }
        return bad_id(j, r->ranking_query->unit, "unit") ? 0 : 1;
    case LIANDONG__V1__ENVELOPE__BODY_OVERDUE_QUERY:
        if (bad_id(j, r->overdue_query->unit, "unit") ||
            bad_id(j, r->overdue_query->body_id, "body_id"))
            return 0;
        return 1;
    default:
        return 0;
    }
}

int figures_send(db_t *db, ledger_job_t *j)
{
    const envelope_t *r = j->req;
    const char **v = j->params;
    switch (r->body_case) {
    case LIANDONG__V1__ENVELOPE__BODY_RANKING_QUERY: {
        char *first = ledger_job_alloc(j, 11), *last = ledger_job_alloc(j, 11);
        if (month_days(r->ranking_query->period, first, last) < 0)
            return 0; /* validated before: cannot happen */
        v[0] = first;
        v[1] = last;
        v[2] = r->ranking_query->unit;
        return db_send(db, "ranking", 3, v) < 0 ? -ENOTCONN : 1;
    }
    case LIANDONG__V1__ENVELOPE__BODY_OVERDUE_QUERY: {
        const Liandong__V1__OverdueQuery *q = r->overdue_query;
        uint32_t lim = q->limit == 0 ? OVERDUE_DEFAULT : q->limit;
        char *ls = ledger_job_alloc(j, 16);
        snprintf(ls, 16, "%" PRIu32, lim > OVERDUE_MAX ? OVERDUE_MAX : lim);
        v[0] = q->unit;
        v[1] = q->body_id;
        v[2] = ls;
        return db_send(db, "overdue", 3, v) < 0 ? -ENOTCONN : 1;
    }
    default:
        return 0;
    }
}

static uint64_t col_u64(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoull(PQgetvalue(r, row, col), NULL, 10);
}

static char *col_str(ledger_job_t *j, const PGresult *r, int row, int col)
{
    return ledger_job_strdup(j, PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

static void answer_ranking(ledger_job_t *j, const PGresult *res)
{
    int n = PQntuples(res);
    rank_entry_t *e = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(*e));
    Liandong__V1__RankingRow *rows = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(*rows));
    for (int i = 0; i < n; i++) {
        Liandong__V1__RankingRow *w = &rows[i];
        liandong__v1__ranking_row__init(w);
        w->body_id = col_str(j, res, i, 0);
        w->name = col_str(j, res, i, 1);
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
        w->score = e[i].score;
        w->grade = (char *)ranking_grade_name(e[i].grade);
        w->list = (char *)ranking_list_name(e[i].list);
        rk->rows[rk->n_rows++] = w;
    }
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_RANKING;
    j->answer.ranking = rk;
}

static void answer_overdue(ledger_job_t *j, const PGresult *res)
{
    int n = PQntuples(res);
    Liandong__V1__OverdueList *l = ledger_job_alloc(j, sizeof(*l));
    liandong__v1__overdue_list__init(l);
    l->cases = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__OverdueCase *));
    for (int i = 0; i < n; i++) {
        Liandong__V1__OverdueCase *c = ledger_job_alloc(j, sizeof(*c));
        liandong__v1__overdue_case__init(c);
        c->case_id = col_str(j, res, i, 0);
        c->body_id = col_str(j, res, i, 1);
        c->compound_code = col_str(j, res, i, 2);
        c->category = col_str(j, res, i, 3);
        c->state = col_str(j, res, i, 4);
        c->deadline = col_str(j, res, i, 5);
        c->due_ms = (int64_t)col_u64(res, i, 6);
        c->reply_due_ms = (int64_t)col_u64(res, i, 7);
        c->resolve_due_ms = (int64_t)col_u64(res, i, 8);
        l->total = col_u64(res, i, 9);
        l->cases[l->n_cases++] = c;
    }
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_OVERDUE_LIST;
    j->answer.overdue_list = l;
}

int figures_answer(ledger_job_t *j)
{
    switch (j->req->body_case) {
    case LIANDONG__V1__ENVELOPE__BODY_RANKING_QUERY:
        answer_ranking(j, j->res[0]);
        return 1;
    case LIANDONG__V1__ENVELOPE__BODY_OVERDUE_QUERY:
        answer_overdue(j, j->res[0]);
        return 1;
    default:
        return 0;
    }
}
