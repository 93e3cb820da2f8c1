/*
 * console_desk.c - a body's inbox for its staff: the cases it holds and
 * is copied on, emergencies and the nearest deadlines first, due-soon and
 * overdue marked, the compound, address and the resident's contact (the
 * ledger unmasks them for the holder only). The page's script polls the
 * table (?fragment=1) so new cases appear without a reload, and asks
 * /console/gone why a case that disappeared was taken away.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_csv.h"
#include "console_routes.h"

#define INBOX_LIMIT 500

/* The deadline that matters now: the reply's until replied, then the
 * resolution's. 0 = none (returned cases wait without one). */
static int64_t next_due(const Liandong__V1__CaseRecord *r, int *is_reply)
{
    *is_reply = r->replied_at_ms == 0 && r->reply_due_ms > 0;
    return *is_reply ? r->reply_due_ms : r->resolve_due_ms;
}

static int by_urgency_then_due(const void *a, const void *b)
{
    const Liandong__V1__CaseRecord *x = *(Liandong__V1__CaseRecord *const *)a;
    const Liandong__V1__CaseRecord *y = *(Liandong__V1__CaseRecord *const *)b;
    int ex = x->urgency == LIANDONG__V1__URGENCY__URGENCY_EMERGENCY;
    int ey = y->urgency == LIANDONG__V1__URGENCY__URGENCY_EMERGENCY;
    if (ex != ey)
        return ey - ex;
    int rx = 0, ry = 0;
    int64_t dx = next_due(x, &rx), dy = next_due(y, &ry);
    if ((dx == 0) != (dy == 0))
        return dx == 0 ? 1 : -1; /* cases without a deadline last */
    if (dx != dy)
        return dx < dy ? -1 : 1;
    return strcmp(x->case_id, y->case_id);
}

/* "overdue", "due_soon" (three quarters of the time allowed have passed,
 * the notifier's rule) or "". */
const char *console_due_status(const Liandong__V1__CaseRecord *r, int64_t now)
{
    int is_reply = 0;
    int64_t due = next_due(r, &is_reply);
    if (due == 0 || r->paused_at_ms != 0)
        return "";
    if (now >= due)
        return "overdue";
    int64_t from = r->created_at_ms;
    if (from > 0 && due > from && now >= from + (due - from) * 3 / 4)
        return "due_soon";
    return "";
}

static void row(html_t *h, const Liandong__V1__CaseRecord *r, int64_t now)
{
    int is_reply = 0;
    int64_t due = next_due(r, &is_reply);
    const char *st = console_due_status(r, now);
    char t[40], span[40];
    html_raw(h, "<tr data-case=\"");
    html_text(h, r->case_id);
    html_raw(h, "\" class=\"");
    html_raw(h, r->urgency == LIANDONG__V1__URGENCY__URGENCY_EMERGENCY ? "emergency " : "");
    html_raw(h, st);
    html_raw(h, "\"><td><a href=\"/console/case?id=");
    html_url(h, r->case_id);
    html_raw(h, "\">");
    html_text(h, r->case_id);
    html_raw(h, "</a>");
    if (r->urgency == LIANDONG__V1__URGENCY__URGENCY_EMERGENCY)
        html_raw(h, " <span class=\"badge red\">紧急</span>");
    if (r->copy)
        html_raw(h, " <span class=\"badge\">抄送</span>");
    html_raw(h, "</td><td>");
    html_text(h, category_zh(r->category));
    html_raw(h, "</td><td>");
    html_text(h, state_zh(r->state));
    html_raw(h, "</td><td>");
    html_text(h, r->compound_code);
    html_raw(h, "<br>");
    html_text(h, r->address);
    html_raw(h, "</td><td>");
    html_text(h, r->resident_name);
    html_raw(h, " ");
    html_text(h, r->resident_phone);
    html_raw(h, "</td><td class=\"text\">");
    html_text(h, r->text);
    html_raw(h, "</td><td>");
    if (due > 0) {
        html_raw(h, is_reply ? "答复 " : "办结 ");
        html_text(h, fmt_time(due, t, sizeof t));
        if (strcmp(st, "overdue") == 0) {
            html_raw(h, "<br><span class=\"badge red\">已超期 ");
            html_text(h, fmt_span(now - due, span, sizeof span));
            html_raw(h, "</span>");
        } else if (strcmp(st, "due_soon") == 0) {
            html_raw(h, "<br><span class=\"badge amber\">临期 剩 ");
            html_text(h, fmt_span(due - now, span, sizeof span));
            html_raw(h, "</span>");
        }
    } else {
        html_raw(h, "—");
    }
    html_raw(h, "</td></tr>");
}

static int list_cases(console_ctx_t *c, wire_msg_t **w, char *err, size_t errlen)
{
    Liandong__V1__ListCases q = LIANDONG__V1__LIST_CASES__INIT;
    q.body_id = c->body_id;
    q.state = "";
    q.limit = INBOX_LIMIT;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_LIST_CASES;
    req.list_cases = &q;
    return page_call(c, UP_LEDGER, &req, LIANDONG__V1__ENVELOPE__BODY_CASE_LIST, w, err, errlen);
}

static void table(html_t *h, Liandong__V1__CaseList *l, int64_t now)
{
    if (l->n_cases > 1) /* an empty list has no array at all */
        qsort(l->cases, l->n_cases, sizeof(void *), by_urgency_then_due);
    size_t overdue = 0, soon = 0;
    for (size_t i = 0; i < l->n_cases; i++) {
        const char *st = console_due_status(l->cases[i], now);
        overdue += strcmp(st, "overdue") == 0;
        soon += strcmp(st, "due_soon") == 0;
    }
    html_rawf(h,
              "<p class=\"summary\">在办 <b id=\"n-open\">%zu</b> 件，"
              "超期 <b id=\"n-overdue\" class=\"red\">%zu</b> 件，"
              "临期 <b id=\"n-soon\" class=\"amber\">%zu</b> 件</p>",
              l->n_cases, overdue, soon);
    html_raw(h, "<table class=\"cases\"><thead><tr><th>案件</th><th>类别</th><th>状态</th>"
                "<th>小区 / 地址</th><th>诉求人</th><th>诉求</th><th>时限</th></tr></thead>"
                "<tbody>");
    for (size_t i = 0; i < l->n_cases; i++)
        row(h, l->cases[i], now);
    html_raw(h, "</tbody></table>");
    if (l->n_cases == 0)
        html_raw(h, "<p class=\"empty\">没有待办案件。</p>");
}

static int inbox_csv(console_ctx_t *c, Liandong__V1__CaseList *l)
{
    html_t h = {0};
    csv_begin(&h);
    const char *cols[] = {"case_id",  "urgency", "category", "state",     "compound",   "address",
                          "resident", "phone",   "text",     "reply_due", "resolve_due"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        csv_cell(&h, cols[i], i == 0);
    csv_end_row(&h);
    char t1[40], t2[40];
    for (size_t i = 0; i < l->n_cases; i++) {
        const Liandong__V1__CaseRecord *r = l->cases[i];
        csv_cell(&h, r->case_id, 1);
        csv_cell(&h, r->urgency == LIANDONG__V1__URGENCY__URGENCY_EMERGENCY ? "紧急" : "一般", 0);
        csv_cell(&h, category_zh(r->category), 0);
        csv_cell(&h, state_zh(r->state), 0);
        csv_cell(&h, r->compound_code, 0);
        csv_cell(&h, r->address, 0);
        csv_cell(&h, r->resident_name, 0);
        csv_cell(&h, r->resident_phone, 0);
        csv_cell(&h, r->text, 0);
        csv_cell(&h, fmt_time(r->reply_due_ms, t1, sizeof t1), 0);
        csv_cell(&h, fmt_time(r->resolve_due_ms, t2, sizeof t2), 0);
        csv_end_row(&h);
    }
    char detail[160];
    snprintf(detail, sizeof detail, "inbox of %.96s, %zu rows", c->body_id, l->n_cases);
    page_audit(c, "export", detail);
    return page_send_csv(c, &h, "inbox.csv");
}

int console_inbox(console_ctx_t *c)
{
    if (c->role != ROLE_STAFF)
        return page_error(c, 403, "待办页面属于单位工作人员；话务员请用“查询”和案件页。");
    wire_msg_t *w = NULL;
    char err[300];
    if (list_cases(c, &w, err, sizeof err) < 0)
        return page_error(c, 502, err);
    Liandong__V1__CaseList *l = wire_envelope(w)->case_list;
    int64_t now = now_ms_wall();
    html_t h = {0};
    int rc;
    if (strcmp(form_str(&c->query, "format"), "csv") == 0) {
        if (l->n_cases > 1) /* an empty list has no array at all */
            qsort(l->cases, l->n_cases, sizeof(void *), by_urgency_then_due);
        rc = inbox_csv(c, l);
    } else if (form_get(&c->query, "fragment") != NULL) {
        table(&h, l, now);
        rc = page_send(c, &h, 200);
    } else {
        char title[160];
        snprintf(title, sizeof title, "待办 · %.96s", c->body_id);
        const char *left = form_str(&c->query, "left"), *how = form_str(&c->query, "how");
        if (*left)
            snprintf(c->notice, sizeof c->notice, "案件 %.64s 已%s，已从待办中移出。", left,
                     strcmp(how, "return") == 0 ? "退回调度中心" : "上报升级");
        page_begin(&h, c, title);
        html_raw(&h, "<p class=\"tools\"><a href=\"/console/inbox?format=csv\">导出 CSV</a> "
                     "<span class=\"hint\">新案件自动出现，无需刷新</span></p>"
                     "<div id=\"gone\" class=\"notice\" hidden></div>"
                     "<div id=\"inbox\" data-poll=\"/console/inbox?fragment=1\">");
        table(&h, l, now);
        html_raw(&h, "</div>");
        page_end(&h);
        rc = page_send(c, &h, 200);
    }
    wire_free(&w);
    return rc;
}

int console_gone(console_ctx_t *c)
{
    const char *id = form_str(&c->query, "id");
    Liandong__V1__GetCase g = LIANDONG__V1__GET_CASE__INIT;
    g.case_id = (char *)id;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_GET_CASE;
    req.get_case = &g;
    wire_msg_t *w = NULL;
    char err[300], msg[600];
    if (page_call(c, UP_LEDGER, &req, LIANDONG__V1__ENVELOPE__BODY_CASE_DETAIL, &w, err,
                  sizeof err) < 0) {
        /* The ledger no longer lets this body read it: it holds it no
         * more. The body may still learn what moved it away. */
        Liandong__V1__CaseDeparture q = LIANDONG__V1__CASE_DEPARTURE__INIT;
        q.case_id = (char *)id;
        envelope_t dreq = LIANDONG__V1__ENVELOPE__INIT;
        dreq.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_DEPARTURE;
        dreq.case_departure = &q;
        char t[40];
        if (page_call(c, UP_LEDGER, &dreq, LIANDONG__V1__ENVELOPE__BODY_CASE_DEPARTED, &w, err,
                      sizeof err) == 0) {
            const Liandong__V1__CaseDeparted *d = wire_envelope(w)->case_departed;
            snprintf(msg, sizeof msg, "案件 %.64s 已于 %s 由 %.64s %s%s%.64s，不再由本单位办理。",
                     id, fmt_time(d->at_ms, t, sizeof t), d->actor, event_zh(d->kind),
                     *d->to_body ? "至 " : "", d->to_body);
        } else {
            snprintf(msg, sizeof msg,
                     "案件 %.64s 已不由本单位办理（已被升级、退回或改派给其他单位）。", id);
        }
    } else {
        const Liandong__V1__CaseRecord *r = wire_envelope(w)->case_detail->record;
        const Liandong__V1__CaseEvent *last = NULL;
        for (size_t i = 0; i < wire_envelope(w)->case_detail->n_events; i++)
            last = wire_envelope(w)->case_detail->events[i];
        if (strcmp(r->state, "closed") == 0 || strcmp(r->state, "resolved") == 0)
            snprintf(msg, sizeof msg, "案件 %.64s 已%s。", id, state_zh(r->state));
        else if (last != NULL && strcmp(r->body_id, c->body_id) != 0)
            snprintf(msg, sizeof msg, "案件 %.64s 已%s，现由 %.64s 办理%s%.200s。", id,
                     event_zh(last->kind), r->body_id, *last->note ? "：" : "", last->note);
        else
            snprintf(msg, sizeof msg, "案件 %.64s 已%s。", id, state_zh(r->state));
    }
    wire_free(&w);
    http_respond_text(c->resp, 200, "text/plain; charset=utf-8", msg);
    page_security_headers(c->resp);
    return 0;
}
