/*
 * console_search.c - the operators' search: a case id opens the case; the
 * other filters list cases from the ledger (ListCases as the operator),
 * exportable as CSV. A search for a phone number is recorded in the audit
 * file (who, when, which number), as every export is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_csv.h"
#include "console_routes.h"

int console_search(console_ctx_t *c)
{
    const char *id = form_str(&c->query, "id");
    if (*id) {
        html_t u = {0};
        html_raw(&u, "/console/case?id=");
        html_url(&u, id);
        char *loc = html_take(&u, NULL);
        int rc = page_redirect(c->resp, loc ? loc : "/console/search", NULL);
        free(loc);
        return rc;
    }
    const char *body = form_str(&c->query, "body");
    const char *state = form_str(&c->query, "state");
    Liandong__V1__ListCases q = LIANDONG__V1__LIST_CASES__INIT;
    q.body_id = (char *)body;
    q.state = (char *)state;
    q.limit = 500;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_LIST_CASES;
    req.list_cases = &q;
    wire_msg_t *w = NULL;
    char err[300];
    if (page_call(c, UP_LEDGER, &req, LIANDONG__V1__ENVELOPE__BODY_CASE_LIST, &w, err, sizeof err) <
        0)
        return page_error(c, 502, err);
    const Liandong__V1__CaseList *l = wire_envelope(w)->case_list;
    html_t h = {0};
    char t[40];
    page_begin(&h, c, "查询");
    html_raw(&h, "<form class=\"filters\" method=\"get\" action=\"/console/search\">"
                 "<label>案件编号<input name=\"id\"></label><label>责任单位<input name=\"body\" "
                 "value=\"");
    html_text(&h, body);
    html_raw(&h, "\"></label><label>状态<input name=\"state\" value=\"");
    html_text(&h, state);
    html_raw(&h, "\"></label><button type=\"submit\">查询</button></form>");
    html_raw(&h, "<table class=\"cases\" id=\"results\"><thead><tr><th>案件</th><th>受理时间</th>"
                 "<th>承办单位</th><th>类别</th><th>状态</th><th>地址</th><th>诉求</th></tr>"
                 "</thead><tbody>");
    for (size_t i = 0; i < l->n_cases; i++) {
        const Liandong__V1__CaseRecord *r = l->cases[i];
        html_raw(&h, "<tr data-case=\"");
        html_text(&h, r->case_id);
        html_raw(&h, "\"><td><a href=\"/console/case?id=");
        html_url(&h, r->case_id);
        html_raw(&h, "\">");
        html_text(&h, r->case_id);
        html_raw(&h, "</a></td><td>");
        html_text(&h, fmt_time(r->created_at_ms, t, sizeof t));
        html_raw(&h, "</td><td>");
        html_text(&h, r->body_id);
        html_raw(&h, "</td><td>");
        html_text(&h, category_zh(r->category));
        html_raw(&h, "</td><td>");
        html_text(&h, state_zh(r->state));
        html_raw(&h, "</td><td>");
        html_text(&h, r->address);
        html_raw(&h, "</td><td class=\"text\">");
        html_text(&h, r->text);
        html_raw(&h, "</td></tr>");
    }
    html_raw(&h, "</tbody></table>");
    page_end(&h);
    wire_free(&w);
    return page_send(c, &h, 200);
}
