/*
 * console_search.c - the operators' search (SearchCases as the operator):
 * by case id, the front-end's ticket id, the resident's phone, a part of
 * the address or the text, a unit, a body, a category, a channel, a state
 * and a period; newest first, exportable as CSV. A search that names a
 * phone number is recorded in the audit file (who, when, which number),
 * as every export is: the operator's role may see residents' phones, and
 * the record is what keeps that from being a quiet look-up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_csv.h"
#include "console_routes.h"
#include "domain.h"
#include "timefmt.h"

static const char *const states[] = {"open",    "received", "assigned", "delivered", "accepted",
                                     "replied", "resolved", "closed",   "returned"};

/* YYYY-MM-DD (Beijing) to ms: the day's first or last millisecond. */
static int day_ms(const char *s, int end, int64_t *out)
{
    char buf[40];
    int off = 0;
    if (strlen(s) != 10)
        return -1;
    snprintf(buf, sizeof buf, "%sT%s+08:00", s, end ? "23:59:59.999" : "00:00:00");
    return timefmt_parse_rfc3339(buf, out, &off);
}

static void select_of(html_t *h, const char *name, const char *label, const char *const *opts,
                      size_t n, const char *cur, const char *(*zh)(const char *))
{
    html_raw(h, "<label>");
    html_raw(h, label);
    html_raw(h, "<select name=\"");
    html_raw(h, name);
    html_raw(h, "\"><option value=\"\">全部</option>");
    for (size_t i = 0; i < n; i++) {
        html_raw(h, "<option value=\"");
        html_raw(h, opts[i]);
        html_raw(h, strcmp(cur, opts[i]) == 0 ? "\" selected>" : "\">");
        html_text(h, zh ? zh(opts[i]) : opts[i]);
        html_raw(h, "</option>");
    }
    html_raw(h, "</select></label>");
}

static const char *state_label(const char *s)
{
    return strcmp(s, "open") == 0 ? "在办（全部未结）" : state_zh(s);
}

static void input(html_t *h, const char *name, const char *label, const char *value,
                  const char *type)
{
    html_raw(h, "<label>");
    html_raw(h, label);
    html_raw(h, "<input name=\"");
    html_raw(h, name);
    html_raw(h, "\" type=\"");
    html_raw(h, type);
    html_raw(h, "\" value=\"");
    html_text(h, value);
    html_raw(h, "\"></label>");
}

static const char *const fields[] = {"id",   "ticket",   "phone",   "address", "text", "unit",
                                     "body", "category", "channel", "state",   "from", "to"};

int console_search(console_ctx_t *c)
{
    const form_t *f = &c->query;
    Liandong__V1__SearchCases q = LIANDONG__V1__SEARCH_CASES__INIT;
    q.case_id = (char *)form_str(f, "id");
    q.channel_id = (char *)form_str(f, "ticket");
    q.phone = (char *)form_str(f, "phone");
    q.address = (char *)form_str(f, "address");
    q.text = (char *)form_str(f, "text");
    q.unit = (char *)form_str(f, "unit");
    q.body_id = (char *)form_str(f, "body");
    q.category = (char *)form_str(f, "category");
    q.channel = (char *)form_str(f, "channel");
    q.state = (char *)form_str(f, "state");
    q.limit = 500;
    if ((*form_str(f, "from") && day_ms(form_str(f, "from"), 0, &q.from_ms) < 0) ||
        (*form_str(f, "to") && day_ms(form_str(f, "to"), 1, &q.to_ms) < 0))
        return page_error(c, 400, "日期格式应为 YYYY-MM-DD。");
    int any = 0;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        any |= *form_str(f, fields[i]) != '\0';
    int csv = strcmp(form_str(f, "format"), "csv") == 0;
    int only_id = *q.case_id != '\0';
    for (size_t i = 1; i < sizeof fields / sizeof fields[0]; i++)
        only_id &= *form_str(f, fields[i]) == '\0';
    if (only_id && !csv) {
        /* a case id alone opens the case (GetCase by its key: a few ms at
         * a million cases, where the search's generic plan scans) */
        html_t u = {0};
        html_raw(&u, "/console/case?id=");
        html_url(&u, q.case_id);
        char *loc = html_take(&u, NULL);
        int rc = page_redirect(c->resp, loc ? loc : "/console/search", NULL);
        free(loc);
        return rc;
    }
    const Liandong__V1__CaseList *l = NULL;
    wire_msg_t *w = NULL;
    if (any) {
        if (*q.phone) {
            char detail[160];
            snprintf(detail, sizeof detail, "phone %.64s", q.phone);
            page_audit(c, "phone search", detail);
        }
        envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
        req.body_case = LIANDONG__V1__ENVELOPE__BODY_SEARCH_CASES;
        req.search_cases = &q;
        char err[300];
        if (page_call(c, UP_LEDGER, &req, LIANDONG__V1__ENVELOPE__BODY_CASE_LIST, &w, err,
                      sizeof err) < 0)
            return page_error(c, 502, err);
        l = wire_envelope(w)->case_list;
    }
    html_t h = {0};
    char t[40];
    if (csv) {
        csv_begin(&h);
        const char *cols[] = {"case_id", "received", "channel", "ticket",   "body",  "category",
                              "state",   "compound", "address", "resident", "phone", "text"};
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
            csv_cell(&h, cols[i], i == 0);
        csv_end_row(&h);
        for (size_t i = 0; l && i < l->n_cases; i++) {
            const Liandong__V1__CaseRecord *r = l->cases[i];
            csv_cell(&h, r->case_id, 1);
            csv_cell(&h, fmt_time(r->created_at_ms, t, sizeof t), 0);
            csv_cell(&h, channel_zh(r->channel), 0);
            csv_cell(&h, r->channel_id, 0);
            csv_cell(&h, r->body_id, 0);
            csv_cell(&h, category_zh(r->category), 0);
            csv_cell(&h, state_zh(r->state), 0);
            csv_cell(&h, r->compound_code, 0);
            csv_cell(&h, r->address, 0);
            csv_cell(&h, r->resident_name, 0);
            csv_cell(&h, r->resident_phone, 0);
            csv_cell(&h, r->text, 0);
            csv_end_row(&h);
        }
        char detail[200];
        snprintf(detail, sizeof detail, "search, %zu rows", l ? l->n_cases : 0);
        page_audit(c, "export", detail);
        wire_free(&w);
        return page_send_csv(c, &h, "cases.csv");
    }
    page_begin(&h, c, "查询");
    html_raw(&h, "<form class=\"filters\" method=\"get\" action=\"/console/search\">");
    input(&h, "id", "案件编号", q.case_id, "text");
    input(&h, "ticket", "渠道工单号", q.channel_id, "text");
    input(&h, "phone", "诉求人电话", q.phone, "text");
    input(&h, "address", "地址包含", q.address, "text");
    input(&h, "text", "诉求包含", q.text, "text");
    input(&h, "unit", "区域 / 小区编码", q.unit, "text");
    input(&h, "body", "承办单位", q.body_id, "text");
    /* The categories and channels of ROUTING.md, as lib/domain spells them. */
    const char *categories[CAT_COUNT], *channels[CHANNEL_COUNT];
    for (int i = 0; i < CAT_COUNT; i++)
        categories[i] = category_name((category_t)i);
    for (int i = 0; i < CHANNEL_COUNT; i++)
        channels[i] = channel_name((channel_t)i);
    select_of(&h, "category", "类别", categories, CAT_COUNT, q.category, category_zh);
    select_of(&h, "channel", "渠道", channels, CHANNEL_COUNT, q.channel, channel_zh);
    select_of(&h, "state", "状态", states, sizeof states / sizeof states[0], q.state, state_label);
    input(&h, "from", "受理自", form_str(f, "from"), "date");
    input(&h, "to", "受理至", form_str(f, "to"), "date");
    html_raw(&h, "<button type=\"submit\" id=\"search\">查询</button></form>"
                 "<p class=\"hint\">按电话查询会被记录（谁、何时、查了哪个号码）。</p>");
    if (l != NULL) {
        html_rawf(&h, "<p class=\"summary\">找到 <b id=\"n-found\">%zu</b> 件%s　<a href=\"",
                  l->n_cases, l->n_cases == 500 ? "（只列出最新的 500 件）" : "");
        html_raw(&h, "/console/search?format=csv");
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            html_raw(&h, "&amp;");
            html_raw(&h, fields[i]);
            html_raw(&h, "=");
            html_url(&h, form_str(f, fields[i]));
        }
        html_raw(&h, "\">导出 CSV</a></p>");
        html_raw(&h, "<table class=\"cases\" id=\"results\"><thead><tr><th>案件</th>"
                     "<th>受理时间</th><th>渠道 / 工单号</th><th>承办单位</th><th>类别</th>"
                     "<th>状态</th><th>地址</th><th>诉求人</th><th>诉求</th></tr></thead><tbody>");
        for (size_t i = 0; i < l->n_cases; i++) {
            const Liandong__V1__CaseRecord *r = l->cases[i];
            html_raw(&h, "<tr data-case=\"");
            html_text(&h, r->case_id);
            html_raw(&h, r->urgency == LIANDONG__V1__URGENCY__URGENCY_EMERGENCY
                             ? "\" class=\"emergency\"><td><a href=\"/console/case?id="
                             : "\"><td><a href=\"/console/case?id=");
            html_url(&h, r->case_id);
            html_raw(&h, "\">");
            html_text(&h, r->case_id);
            html_raw(&h, "</a></td><td>");
            html_text(&h, fmt_time(r->created_at_ms, t, sizeof t));
            html_raw(&h, "</td><td>");
            html_text(&h, channel_zh(r->channel));
            html_raw(&h, "<br>");
            html_text(&h, r->channel_id);
            html_raw(&h, "</td><td>");
            html_text(&h, r->body_id);
            html_raw(&h, "</td><td>");
            html_text(&h, category_zh(r->category));
            html_raw(&h, "</td><td>");
            html_text(&h, state_zh(r->state));
            html_raw(&h, "</td><td>");
            html_text(&h, r->address);
            html_raw(&h, "</td><td>");
            html_text(&h, r->resident_name);
            html_raw(&h, " ");
            html_text(&h, r->resident_phone);
            html_raw(&h, "</td><td class=\"text\">");
            html_text(&h, r->text);
            html_raw(&h, "</td></tr>");
        }
        html_raw(&h, "</tbody></table>");
    }
    page_end(&h);
    wire_free(&w);
    return page_send(c, &h, 200);
}
