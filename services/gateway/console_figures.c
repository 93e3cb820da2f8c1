/*
 * console_figures.c - the operators' figures: the overview (RatesQuery
 * exactly as `petition rates` sends it, so the numbers are the same, with
 * the previous period beside it and a trend line), overdue and due-soon
 * cases (OverdueQuery), and the month's 红黑榜 (RankingQuery). Each list
 * is also a CSV export (?format=csv), recorded in the audit file.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console_csv.h"
#include "console_routes.h"
#include "console_svg.h"
#include "timefmt.h"

/* YYYY-MM-DD (UTC) to ms: the first or the last millisecond of the day,
 * as `petition rates --from/--to` computes them. */
static int parse_day(const char *s, int end_of_day, int64_t *out)
{
    int y = 0, m = 0, d = 0, used = 0;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10 ||
        m < 1 || m > 12 || d < 1 || d > 31 || y < 1970 || y > 2099)
        return -EINVAL;
    int64_t days = days_from_civil(y, m, d);
    *out = (days + (end_of_day ? 1 : 0)) * 86400000LL - (end_of_day ? 1 : 0);
    return 0;
}

static void day_text(int64_t ms, char *buf, size_t len)
{
    int y = 0, m = 0, d = 0;
    civil_from_days(ms / 86400000LL, &y, &m, &d);
    snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}

static const char *const bys[] = {"district", "street",   "community", "compound",
                                  "body",     "category", "channel"};
static const char *const by_zh[] = {"区", "街道", "社区", "小区", "责任单位", "类别", "渠道"};

static int by_index(const char *by)
{
    for (size_t i = 0; i < sizeof bys / sizeof bys[0]; i++)
        if (strcmp(bys[i], by) == 0)
            return (int)i;
    return -1;
}

/* period_only: the period's figures without the live counts (open,
 * overdue), which the ledger then does not read: the previous period and
 * the trend show none of their own (a third to a half of a query's time
 * at a million cases: docs/figures.md). */
static int rates(console_ctx_t *c, const char *by, const char *unit, int64_t from, int64_t to,
                 int period_only, wire_msg_t **w, char *err, size_t errlen)
{
    Liandong__V1__RatesQuery q = LIANDONG__V1__RATES_QUERY__INIT;
    q.by = (char *)by;
    q.unit = (char *)unit;
    q.from_ms = from;
    q.to_ms = to;
    q.period_only = period_only != 0;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_RATES_QUERY;
    req.rates_query = &q;
    return page_call(c, UP_LEDGER, &req, LIANDONG__V1__ENVELOPE__BODY_RATES_REPORT, w, err, errlen);
}

/* The sum of the rows, as `petition rates` totals them. */
static void total(const Liandong__V1__RatesReport *r, Liandong__V1__RateRow *t)
{
    for (size_t i = 0; i < r->n_rows; i++) {
        const Liandong__V1__RateRow *x = r->rows[i];
        t->received += x->received;
        t->replied += x->replied;
        t->replied_on_time += x->replied_on_time;
        t->resolved += x->resolved;
        t->rated += x->rated;
        t->satisfied += x->satisfied;
        t->open += x->open;
        t->overdue_reply += x->overdue_reply;
        t->overdue_resolve += x->overdue_resolve;
        t->escalated += x->escalated;
        t->returned += x->returned;
        t->reopened += x->reopened;
    }
}

static const char *const cols_zh[] = {"受理", "答复率", "按时答复率", "办结率", "满意率",
                                      "超期", "升级",   "退回",       "重办",   "在办"};

static void rate_cells(html_t *h, const Liandong__V1__RateRow *x)
{
    char b[4][24];
    html_rawf(h, "<td class=\"n\">%llu</td>", (unsigned long long)x->received);
    html_raw(h, "<td class=\"n\">");
    html_raw(h, fmt_rate(x->replied, x->received, b[0], sizeof b[0]));
    html_raw(h, "</td><td class=\"n\">");
    html_raw(h, fmt_rate(x->replied_on_time, x->received, b[1], sizeof b[1]));
    html_raw(h, "</td><td class=\"n\">");
    html_raw(h, fmt_rate(x->resolved, x->received, b[2], sizeof b[2]));
    html_raw(h, "</td><td class=\"n\">");
    html_raw(h, fmt_rate(x->satisfied, x->rated, b[3], sizeof b[3]));
    html_rawf(h,
              "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
              "<td class=\"n\">%llu</td><td class=\"n\">%llu</td>",
              (unsigned long long)x->overdue_reply + x->overdue_resolve,
              (unsigned long long)x->escalated, (unsigned long long)x->returned,
              (unsigned long long)x->reopened, (unsigned long long)x->open);
}

static void rate_csv(html_t *h, const char *key, const char *name, const Liandong__V1__RateRow *x)
{
    char b[24];
    csv_cell(h, key, 1);
    csv_cell(h, name, 0);
    csv_cell_num(h, (long long)x->received, 0);
    csv_cell(h, fmt_rate(x->replied, x->received, b, sizeof b), 0);
    csv_cell(h, fmt_rate(x->replied_on_time, x->received, b, sizeof b), 0);
    csv_cell(h, fmt_rate(x->resolved, x->received, b, sizeof b), 0);
    csv_cell(h, fmt_rate(x->satisfied, x->rated, b, sizeof b), 0);
    csv_cell_num(h, (long long)x->overdue_reply + (long long)x->overdue_resolve, 0);
    csv_cell_num(h, (long long)x->escalated, 0);
    csv_cell_num(h, (long long)x->returned, 0);
    csv_cell_num(h, (long long)x->reopened, 0);
    csv_cell_num(h, (long long)x->open, 0);
    csv_end_row(h);
}

/* A link to the overview with the same period and another unit / by. */
static void overview_link(html_t *h, const char *unit, const char *by, const char *from,
                          const char *to)
{
    html_raw(h, "/console/overview?unit=");
    html_url(h, unit);
    html_raw(h, "&amp;by=");
    html_url(h, by);
    html_raw(h, "&amp;from=");
    html_url(h, from);
    html_raw(h, "&amp;to=");
    html_url(h, to);
}

/* The six months up to `to_ms`: the unit's reply rate in each. Drawn as
 * an image of its own (/console/trend.svg), so the overview's page does
 * not wait for six more queries. */
static void trend(console_ctx_t *c, html_t *h, const char *unit, int64_t to_ms)
{
    char labels[6][16];
    const char *lp[6];
    double v[6];
    int y = 0, m = 0, d = 0;
    civil_from_days(to_ms / 86400000LL, &y, &m, &d);
    for (int i = 5; i >= 0; i--) {
        int64_t first = days_from_civil(y, m, 1) * 86400000LL;
        int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
        int64_t last = days_from_civil(ny, nm, 1) * 86400000LL - 1;
        snprintf(labels[i], sizeof labels[i], "%d-%02d", y % 10000, m % 100);
        lp[i] = labels[i];
        wire_msg_t *w = NULL;
        char err[200];
        v[i] = NAN;
        if (rates(c, "district", unit, first, last, 1, &w, err, sizeof err) == 0) {
            Liandong__V1__RateRow t = LIANDONG__V1__RATE_ROW__INIT;
            total(wire_envelope(w)->rates_report, &t);
            if (t.received > 0)
                v[i] = (double)t.replied / (double)t.received;
        }
        wire_free(&w);
        if (--m == 0) {
            m = 12;
            y--;
        }
    }
    svg_trend(h, "答复率趋势", lp, v, 6);
}

int console_trend(console_ctx_t *c)
{
    int64_t to = 0;
    const char *day = form_str(&c->query, "to");
    if (*day == '\0')
        to = now_ms_wall();
    else if (parse_day(day, 1, &to) < 0)
        return page_error(c, 400, "日期格式应为 YYYY-MM-DD。");
    html_t h = {0};
    html_raw(&h, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    trend(c, &h, form_str(&c->query, "unit"), to);
    size_t len = 0;
    char *body = html_take(&h, &len);
    if (body == NULL)
        return -ENOMEM;
    http_respond(c->resp, 200, "image/svg+xml; charset=utf-8", body, len);
    page_security_headers(c->resp);
    return 0;
}

int console_overview(console_ctx_t *c)
{
    const char *unit = form_str(&c->query, "unit");
    const char *by = form_str(&c->query, "by");
    if (*by == '\0')
        by = *unit ? "compound" : "district";
    int bi = by_index(by);
    if (bi < 0)
        return page_error(c, 400, "未知的分组方式。");
    char from_s[16], to_s[16];
    int64_t now = now_ms_wall(), from = 0, to = 0;
    int y = 0, m = 0, d = 0;
    civil_from_days(now / 86400000LL, &y, &m, &d);
    snprintf(from_s, sizeof from_s, "%.10s", form_str(&c->query, "from"));
    snprintf(to_s, sizeof to_s, "%.10s", form_str(&c->query, "to"));
    if (*from_s == '\0')
        snprintf(from_s, sizeof from_s, "%04d-%02d-01", y, m); /* this month so far */
    if (*to_s == '\0')
        day_text(now, to_s, sizeof to_s);
    if (parse_day(from_s, 0, &from) < 0 || parse_day(to_s, 1, &to) < 0 || to < from)
        return page_error(c, 400, "日期格式应为 YYYY-MM-DD，且结束不早于开始。");
    /* the previous period: as long, just before */
    int64_t prev_to = from - 1, prev_from = from - (to + 1 - from);
    char pf[16], pt[16];
    day_text(prev_from, pf, sizeof pf);
    day_text(prev_to, pt, sizeof pt);
    wire_msg_t *cur = NULL, *prev = NULL;
    char err[300];
    if (rates(c, by, unit, from, to, 0, &cur, err, sizeof err) < 0)
        return page_error(c, 502, err);
    if (rates(c, by, unit, prev_from, prev_to, 1, &prev, err, sizeof err) < 0) {
        wire_free(&cur);
        return page_error(c, 502, err);
    }
    const Liandong__V1__RatesReport *r = wire_envelope(cur)->rates_report;
    Liandong__V1__RateRow t = LIANDONG__V1__RATE_ROW__INIT, tp = LIANDONG__V1__RATE_ROW__INIT;
    total(r, &t);
    total(wire_envelope(prev)->rates_report, &tp);
    /* open and overdue are live, the same now for both rows (the previous
     * period's query did not read them) */
    tp.open = t.open;
    tp.overdue_reply = t.overdue_reply;
    tp.overdue_resolve = t.overdue_resolve;
    tp.paused = t.paused;
    tp.extended = t.extended;
    html_t h = {0};
    int rc;
    if (strcmp(form_str(&c->query, "format"), "csv") == 0) {
        csv_begin(&h);
        csv_cell(&h, by, 1);
        csv_cell(&h, "name", 0);
        for (size_t i = 0; i < sizeof cols_zh / sizeof cols_zh[0]; i++)
            csv_cell(&h, cols_zh[i], 0);
        csv_end_row(&h);
        for (size_t i = 0; i < r->n_rows; i++)
            rate_csv(&h, r->rows[i]->key, r->rows[i]->name, r->rows[i]);
        rate_csv(&h, "total", "", &t);
        char detail[200];
        snprintf(detail, sizeof detail, "overview by %s unit %.64s %s..%s, %zu rows", by,
                 *unit ? unit : "city", from_s, to_s, r->n_rows);
        page_audit(c, "export", detail);
        rc = page_send_csv(c, &h, "overview.csv");
        goto out;
    }
    page_begin(&h, c, "概览");
    html_raw(&h, "<form class=\"filters\" method=\"get\" action=\"/console/overview\">"
                 "<label>单位编码<input name=\"unit\" value=\"");
    html_text(&h, unit);
    html_raw(&h, "\" placeholder=\"空 = 全市\"></label><label>分组<select name=\"by\">");
    for (size_t i = 0; i < sizeof bys / sizeof bys[0]; i++) {
        html_raw(&h, "<option value=\"");
        html_raw(&h, bys[i]);
        html_raw(&h, (int)i == bi ? "\" selected>" : "\">");
        html_raw(&h, by_zh[i]);
        html_raw(&h, "</option>");
    }
    html_raw(&h, "</select></label><label>从<input name=\"from\" type=\"date\" value=\"");
    html_text(&h, from_s);
    html_raw(&h, "\"></label><label>到<input name=\"to\" type=\"date\" value=\"");
    html_text(&h, to_s);
    html_raw(&h, "\"></label><button type=\"submit\">查看</button></form>");
    html_raw(&h, "<p class=\"scope\">范围：<b id=\"scope-unit\">");
    html_text(&h, *unit ? unit : "全市");
    html_raw(&h, "</b>，");
    html_text(&h, from_s);
    html_raw(&h, " 至 ");
    html_text(&h, to_s);
    html_raw(&h, "（上期 ");
    html_text(&h, pf);
    html_raw(&h, " 至 ");
    html_text(&h, pt);
    html_raw(&h, "）。超期、在办为当前实时数。n/a = 无可计算的分母。</p>");
    /* the headline figures, this period and the previous one */
    html_raw(&h, "<table class=\"figures\" id=\"headline\"><thead><tr><th></th>");
    for (size_t i = 0; i < sizeof cols_zh / sizeof cols_zh[0]; i++) {
        html_raw(&h, "<th>");
        html_raw(&h, cols_zh[i]);
        html_raw(&h, "</th>");
    }
    html_raw(&h, "</tr></thead><tbody><tr id=\"this-period\"><th>本期</th>");
    rate_cells(&h, &t);
    html_raw(&h, "</tr><tr id=\"prev-period\" class=\"prev\"><th>上期</th>");
    rate_cells(&h, &tp);
    html_raw(&h, "</tr></tbody></table>");
    html_raw(&h, "<h2>答复率趋势（近六个月）</h2><div id=\"trend\"><img alt=\"答复率趋势\" "
                 "width=\"640\" height=\"200\" src=\"/console/trend.svg?unit=");
    html_url(&h, unit);
    html_raw(&h, "&amp;to=");
    html_url(&h, to_s);
    html_raw(&h, "\"></div>");
    /* the rows, each a drill-down */
    static const char *const next_by[] = {"street", "community", "compound", "body",
                                          "body",   "body",      "body"};
    html_raw(&h, "<h2>分组明细 · ");
    html_raw(&h, by_zh[bi]);
    html_raw(&h, "</h2><p class=\"tools\"><a href=\"");
    overview_link(&h, unit, by, from_s, to_s);
    html_raw(&h, "&amp;format=csv\">导出 CSV</a></p><table class=\"figures\" id=\"rows\"><thead>"
                 "<tr><th>编码</th><th>名称</th>");
    for (size_t i = 0; i < sizeof cols_zh / sizeof cols_zh[0]; i++) {
        html_raw(&h, "<th>");
        html_raw(&h, cols_zh[i]);
        html_raw(&h, "</th>");
    }
    html_raw(&h, "</tr></thead><tbody>");
    for (size_t i = 0; i < r->n_rows; i++) {
        const Liandong__V1__RateRow *x = r->rows[i];
        html_raw(&h, "<tr data-key=\"");
        html_text(&h, x->key);
        html_raw(&h, "\"><td>");
        if (bi <= 3 && *x->key) { /* a unit: drill down into it */
            html_raw(&h, "<a href=\"");
            overview_link(&h, x->key, next_by[bi], from_s, to_s);
            html_raw(&h, "\">");
            html_text(&h, x->key);
            html_raw(&h, "</a>");
        } else if (bi == 4 && *x->key) { /* a body: its cases */
            html_raw(&h, "<a href=\"/console/search?body=");
            html_url(&h, x->key);
            html_raw(&h, "\">");
            html_text(&h, x->key);
            html_raw(&h, "</a>");
        } else {
            html_text(&h, x->key);
        }
        html_raw(&h, "</td><td>");
        html_text(&h, bi == 5 ? category_zh(x->key) : bi == 6 ? channel_zh(x->key) : x->name);
        html_raw(&h, "</td>");
        rate_cells(&h, x);
        html_raw(&h, "</tr>");
    }
    html_raw(&h, "<tr class=\"total\" data-key=\"total\"><td>合计</td><td></td>");
    rate_cells(&h, &t);
    html_raw(&h, "</tr></tbody></table>");
    if (bi == 4)
        html_raw(
            &h, "<p class=\"hint\">案件在单位间转交时，每个经手单位各计一次，合计不等于全市。</p>");
    page_end(&h);
    rc = page_send(c, &h, 200);
out:
    wire_free(&cur);
    wire_free(&prev);
    return rc;
}

static int by_emergency_then_due(const void *a, const void *b)
{
    const Liandong__V1__OverdueCase *x = *(Liandong__V1__OverdueCase *const *)a;
    const Liandong__V1__OverdueCase *y = *(Liandong__V1__OverdueCase *const *)b;
    if (x->emergency != y->emergency)
        return y->emergency - x->emergency;
    if (x->due_ms != y->due_ms)
        return x->due_ms < y->due_ms ? -1 : 1;
    return strcmp(x->case_id, y->case_id);
}

int console_overdue(console_ctx_t *c)
{
    const char *unit = form_str(&c->query, "unit");
    const char *body = form_str(&c->query, "body");
    long hours = strtol(form_str(&c->query, "hours"), NULL, 10);
    if (*form_str(&c->query, "hours") == '\0')
        hours = 24;
    if (hours < 0 || hours > 720)
        return page_error(c, 400, "临期窗口应在 0 到 720 小时之间。");
    Liandong__V1__OverdueQuery q = LIANDONG__V1__OVERDUE_QUERY__INIT;
    q.unit = (char *)unit;
    q.body_id = (char *)body;
    q.limit = 1000;
    q.due_within_ms = hours * 3600000LL;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_OVERDUE_QUERY;
    req.overdue_query = &q;
    wire_msg_t *w = NULL;
    char err[300];
    if (page_call(c, UP_LEDGER, &req, LIANDONG__V1__ENVELOPE__BODY_OVERDUE_LIST, &w, err,
                  sizeof err) < 0)
        return page_error(c, 502, err);
    Liandong__V1__OverdueList *l = wire_envelope(w)->overdue_list;
    if (l->n_cases > 1) /* an empty list has no array at all */
        qsort(l->cases, l->n_cases, sizeof(void *), by_emergency_then_due);
    int64_t now = now_ms_wall();
    html_t h = {0};
    int rc;
    char t[40], span[40];
    if (strcmp(form_str(&c->query, "format"), "csv") == 0) {
        csv_begin(&h);
        const char *cols[] = {"case_id", "urgency",  "body", "compound", "category",
                              "state",   "deadline", "due",  "status",   "late_or_left"};
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
            csv_cell(&h, cols[i], i == 0);
        csv_end_row(&h);
        for (size_t i = 0; i < l->n_cases; i++) {
            const Liandong__V1__OverdueCase *x = l->cases[i];
            csv_cell(&h, x->case_id, 1);
            csv_cell(&h, x->emergency ? "紧急" : "一般", 0);
            csv_cell(&h, x->body_id, 0);
            csv_cell(&h, x->compound_code, 0);
            csv_cell(&h, category_zh(x->category), 0);
            csv_cell(&h, state_zh(x->state), 0);
            csv_cell(&h, strcmp(x->deadline, "reply") == 0 ? "答复" : "办结", 0);
            csv_cell(&h, fmt_time(x->due_ms, t, sizeof t), 0);
            csv_cell(&h, x->due_ms <= now ? "超期" : "临期", 0);
            csv_cell(&h, fmt_span(now - x->due_ms, span, sizeof span), 0);
            csv_end_row(&h);
        }
        char detail[200];
        snprintf(detail, sizeof detail, "overdue unit %.64s body %.64s, %zu rows", unit, body,
                 l->n_cases);
        page_audit(c, "export", detail);
        rc = page_send_csv(c, &h, "overdue.csv");
        wire_free(&w);
        return rc;
    }
    page_begin(&h, c, "超期与临期");
    html_raw(&h, "<form class=\"filters\" method=\"get\" action=\"/console/overdue\">"
                 "<label>单位编码<input name=\"unit\" value=\"");
    html_text(&h, unit);
    html_raw(&h, "\"></label><label>责任单位<input name=\"body\" value=\"");
    html_text(&h, body);
    html_rawf(&h,
              "\"></label><label>临期窗口（小时）<input name=\"hours\" type=\"number\" min=\"0\" "
              "max=\"720\" value=\"%ld\"></label><button type=\"submit\">查看</button></form>",
              hours);
    size_t n_over = 0;
    for (size_t i = 0; i < l->n_cases; i++)
        n_over += l->cases[i]->due_ms <= now;
    html_rawf(&h,
              "<p class=\"summary\">超期 <b id=\"n-overdue\" class=\"red\">%zu</b> 件，"
              "%ld 小时内到期 <b id=\"n-soon\" class=\"amber\">%zu</b> 件（共 %llu 件，列出 %zu "
              "件；紧急在前，其余最早到期在前）</p>",
              n_over, hours, l->n_cases - n_over, (unsigned long long)l->total, l->n_cases);
    html_raw(&h, "<p class=\"tools\"><a href=\"/console/overdue?unit=");
    html_url(&h, unit);
    html_raw(&h, "&amp;body=");
    html_url(&h, body);
    html_rawf(&h, "&amp;hours=%ld&amp;format=csv\">导出 CSV</a></p>", hours);
    html_raw(&h, "<table class=\"cases\" id=\"overdue\"><thead><tr><th>案件</th><th>承办单位</th>"
                 "<th>小区</th><th>类别</th><th>状态</th><th>时限</th><th>到期</th>"
                 "<th>超期 / 剩余</th></tr></thead><tbody>");
    for (size_t i = 0; i < l->n_cases; i++) {
        const Liandong__V1__OverdueCase *x = l->cases[i];
        int late = x->due_ms <= now;
        html_raw(&h, "<tr data-case=\"");
        html_text(&h, x->case_id);
        html_raw(&h, late ? "\" class=\"overdue" : "\" class=\"due_soon");
        html_raw(&h, x->emergency ? " emergency\">" : "\">");
        html_raw(&h, "<td><a href=\"/console/case?id=");
        html_url(&h, x->case_id);
        html_raw(&h, "\">");
        html_text(&h, x->case_id);
        html_raw(&h, "</a>");
        if (x->emergency)
            html_raw(&h, " <span class=\"badge red\">紧急</span>");
        html_raw(&h, "</td><td>");
        html_text(&h, x->body_id);
        html_raw(&h, "</td><td>");
        html_text(&h, x->compound_code);
        html_raw(&h, "</td><td>");
        html_text(&h, category_zh(x->category));
        html_raw(&h, "</td><td>");
        html_text(&h, state_zh(x->state));
        html_raw(&h, "</td><td>");
        html_raw(&h, strcmp(x->deadline, "reply") == 0 ? "答复" : "办结");
        html_raw(&h, "</td><td>");
        html_text(&h, fmt_time(x->due_ms, t, sizeof t));
        html_raw(&h, late ? "</td><td><span class=\"badge red\">超 "
                          : "</td><td><span class=\"badge amber\">剩 ");
        html_text(&h, fmt_span(now - x->due_ms, span, sizeof span));
        html_raw(&h, "</span></td></tr>");
    }
    html_raw(&h, "</tbody></table>");
    page_end(&h);
    wire_free(&w);
    return page_send(c, &h, 200);
}

int console_ranking(console_ctx_t *c)
{
    char period[16];
    snprintf(period, sizeof period, "%.7s", form_str(&c->query, "period"));
    if (*period == '\0') {
        int y = 0, m = 0, d = 0;
        civil_from_days(now_ms_wall() / 86400000LL, &y, &m, &d);
        snprintf(period, sizeof period, "%04d-%02d", y % 10000, m % 100);
    }
    const char *unit = form_str(&c->query, "unit");
    Liandong__V1__RankingQuery q = LIANDONG__V1__RANKING_QUERY__INIT;
    q.period = period;
    q.unit = (char *)unit;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_RANKING_QUERY;
    req.ranking_query = &q;
    wire_msg_t *w = NULL;
    char err[300];
    if (page_call(c, UP_LEDGER, &req, LIANDONG__V1__ENVELOPE__BODY_RANKING, &w, err, sizeof err) <
        0)
        return page_error(c, 502, err);
    const Liandong__V1__Ranking *rk = wire_envelope(w)->ranking;
    html_t h = {0};
    char b[4][24];
    if (strcmp(form_str(&c->query, "format"), "csv") == 0) {
        csv_begin(&h);
        const char *cols[] = {"rank",
                              "list",
                              "grade",
                              "body_id",
                              "name",
                              "score",
                              "received",
                              "reply_rate",
                              "on_time_rate",
                              "resolution_rate",
                              "satisfaction_rate",
                              "escalated",
                              "returned"};
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
            csv_cell(&h, cols[i], i == 0);
        csv_end_row(&h);
        for (size_t i = 0; i < rk->n_rows; i++) {
            const Liandong__V1__RankingRow *x = rk->rows[i];
            char score[24];
            snprintf(score, sizeof score, "%.1f", x->score);
            csv_cell_num(&h, x->rank, 1);
            csv_cell(&h, strcmp(x->list, "red") == 0 ? "红榜" : *x->list ? "黑榜" : "", 0);
            csv_cell(&h, x->grade, 0);
            csv_cell(&h, x->body_id, 0);
            csv_cell(&h, x->name, 0);
            csv_cell(&h, x->ranked ? score : "", 0);
            csv_cell_num(&h, (long long)x->received, 0);
            csv_cell(&h, fmt_rate(x->replied, x->received, b[0], sizeof b[0]), 0);
            csv_cell(&h, fmt_rate(x->replied_on_time, x->received, b[1], sizeof b[1]), 0);
            csv_cell(&h, fmt_rate(x->resolved, x->received, b[2], sizeof b[2]), 0);
            csv_cell(&h, fmt_rate(x->satisfied, x->rated, b[3], sizeof b[3]), 0);
            csv_cell_num(&h, (long long)x->escalated, 0);
            csv_cell_num(&h, (long long)x->returned, 0);
            csv_end_row(&h);
        }
        char detail[120];
        snprintf(detail, sizeof detail, "ranking %s, %zu rows", period, rk->n_rows);
        page_audit(c, "export", detail);
        wire_free(&w);
        return page_send_csv(c, &h, "ranking.csv");
    }
    page_begin(&h, c, "红黑榜");
    html_raw(&h, "<form class=\"filters\" method=\"get\" action=\"/console/ranking\">"
                 "<label>月份<input name=\"period\" type=\"month\" value=\"");
    html_text(&h, period);
    html_raw(&h, "\"></label><label>单位编码<input name=\"unit\" value=\"");
    html_text(&h, unit);
    html_raw(&h, "\"></label><button type=\"submit\">查看</button></form><p class=\"scope\">");
    html_text(&h, rk->formula);
    html_raw(&h, "</p><p class=\"tools\"><a href=\"/console/ranking?period=");
    html_url(&h, period);
    html_raw(&h, "&amp;unit=");
    html_url(&h, unit);
    html_raw(&h, "&amp;format=csv\">导出 CSV</a></p><table class=\"figures\" id=\"ranking\"><thead>"
                 "<tr><th>名次</th><th>榜</th><th>等级</th><th>物业公司</th><th>综合分</th>"
                 "<th>受理</th><th>答复率</th><th>按时答复率</th><th>办结率</th><th>满意率</th>"
                 "<th>升级</th><th>退回</th></tr></thead><tbody>");
    for (size_t i = 0; i < rk->n_rows; i++) {
        const Liandong__V1__RankingRow *x = rk->rows[i];
        int red = strcmp(x->list, "red") == 0, black = strcmp(x->list, "black") == 0;
        html_raw(&h, "<tr data-body=\"");
        html_text(&h, x->body_id);
        html_raw(&h, red ? "\" class=\"redlist\">" : black ? "\" class=\"blacklist\">" : "\">");
        if (x->ranked)
            html_rawf(&h, "<td class=\"n\">%u</td>", x->rank);
        else
            html_raw(&h, "<td class=\"n\">—</td>");
        html_raw(&h, red     ? "<td><span class=\"badge red\">红榜</span></td>"
                     : black ? "<td><span class=\"badge black\">黑榜</span></td>"
                             : "<td></td>");
        html_raw(&h, "<td>");
        html_text(&h, x->grade);
        html_raw(&h, "</td><td>");
        html_text(&h, x->name);
        html_raw(&h, " <span class=\"hint\">");
        html_text(&h, x->body_id);
        html_raw(&h, "</span></td>");
        if (x->ranked)
            html_rawf(&h, "<td class=\"n\">%.1f</td>", x->score);
        else
            html_raw(&h, "<td class=\"n\">—</td>");
        html_rawf(&h, "<td class=\"n\">%llu</td>", (unsigned long long)x->received);
        html_raw(&h, "<td class=\"n\">");
        html_raw(&h, fmt_rate(x->replied, x->received, b[0], sizeof b[0]));
        html_raw(&h, "</td><td class=\"n\">");
        html_raw(&h, fmt_rate(x->replied_on_time, x->received, b[1], sizeof b[1]));
        html_raw(&h, "</td><td class=\"n\">");
        html_raw(&h, fmt_rate(x->resolved, x->received, b[2], sizeof b[2]));
        html_raw(&h, "</td><td class=\"n\">");
        html_raw(&h, fmt_rate(x->satisfied, x->rated, b[3], sizeof b[3]));
        html_rawf(&h, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td></tr>",
                  (unsigned long long)x->escalated, (unsigned long long)x->returned);
    }
    html_raw(&h, "</tbody></table>");
    page_end(&h);
    wire_free(&w);
    return page_send(c, &h, 200);
}
