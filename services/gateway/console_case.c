/*
 * console_case.c - one case: the demand, where it was placed and why,
 * its deadlines, the whole history with who acted on whose behalf, the
 * copies; and the actions the person's role allows, each sent the way
 * `petition` sends it (a body's staff on the router's desk socket;
 * an operator's dispatch and escalation through the router's front, its
 * extension grant and "no demand" closing to the ledger). The services
 * decide; a refusal is shown with their reason.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console_routes.h"
#include "timefmt.h"

static void field(html_t *h, const char *label, const char *value)
{
    html_raw(h, "<tr><th>");
    html_raw(h, label);
    html_raw(h, "</th><td>");
    html_text(h, value);
    html_raw(h, "</td></tr>");
}

static const char *jstr(json_t *o, const char *path1, const char *path2)
{
    json_t *v = json_object_get(o, path1);
    if (path2 != NULL)
        v = json_object_get(v, path2);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The placement's explanation in words, then the whole of it. */
static void explanation(html_t *h, const char *explain)
{
    html_raw(h, "<h2>分派依据</h2>");
    json_error_t jerr;
    json_t *ex = explain && *explain ? json_loads(explain, 0, &jerr) : NULL;
    if (ex == NULL) {
        html_raw(h, "<p class=\"empty\">无记录。</p>");
        return;
    }
    html_raw(h, "<table class=\"fields\" id=\"explain\">");
    const char *word = jstr(ex, "compound", "word"), *name = jstr(ex, "compound", "name");
    if (name != NULL) {
        html_raw(h, "<tr><th>定位</th><td>");
        html_text(h, name);
        if (word != NULL) {
            html_raw(h, "（依据“");
            html_text(h, word);
            html_raw(h, "”）");
        }
        html_raw(h, "</td></tr>");
    }
    json_t *why = json_object_get(json_object_get(ex, "classifier"), "why");
    const char *cat = jstr(why, "category", NULL);
    json_t *words =
        json_object_get(json_object_get(json_object_get(why, "scores"), cat ? cat : ""), "words");
    if (json_is_array(words) && json_array_size(words) > 0) {
        /* [[word, weight], ...] of the category chosen */
        html_raw(h, "<tr><th>分类依据（命中词）</th><td id=\"words\">");
        for (size_t i = 0; i < json_array_size(words); i++) {
            json_t *wd = json_array_get(words, i);
            html_raw(h, i ? "、" : "");
            html_text(h, json_string_value(json_array_get(wd, 0)));
            if (json_is_integer(json_array_get(wd, 1)))
                html_rawf(h, "（%lld）", (long long)json_integer_value(json_array_get(wd, 1)));
        }
        html_raw(h, " → ");
        html_text(h, category_zh(cat));
        html_raw(h, "</td></tr>");
    } else if (why != NULL) {
        char *txt =
            json_is_string(why) ? strdup(json_string_value(why)) : json_dumps(why, JSON_COMPACT);
        html_raw(h, "<tr><th>分类依据</th><td class=\"mono\">");
        html_text(h, txt);
        html_raw(h, "</td></tr>");
        free(txt);
    }
    const char *reason = jstr(ex, "placement", "reason"), *route = jstr(ex, "placement", "route");
    json_t *step = json_object_get(json_object_get(ex, "placement"), "step");
    if (reason != NULL || route != NULL) {
        html_raw(h, "<tr><th>责任链</th><td>");
        html_text(h, reason);
        if (route != NULL) {
            html_raw(h, "（");
            html_text(h, route);
            if (json_is_integer(step))
                html_rawf(h, "，第 %lld 步", (long long)json_integer_value(step) + 1);
            html_raw(h, "）");
        }
        html_raw(h, "</td></tr>");
    }
    const char *rule = jstr(ex, "urgency", "rule");
    if (rule != NULL) {
        html_raw(h, "<tr><th>紧急度规则</th><td>");
        html_text(h, rule);
        html_raw(h, "</td></tr>");
    }
    html_raw(h, "</table><details><summary>完整依据（JSON）</summary><pre>");
    char *all = json_dumps(ex, JSON_INDENT(2));
    html_text(h, all);
    free(all);
    html_raw(h, "</pre></details>");
    json_decref(ex);
}

static void history(html_t *h, const Liandong__V1__CaseDetail *d)
{
    html_raw(h, "<h2>办理经过</h2><table class=\"events\" id=\"history\"><thead><tr><th>时间</th>"
                "<th>事件</th><th>办理人</th><th>代表</th><th>状态</th><th>单位</th><th>说明</th>"
                "</tr></thead><tbody>");
    char t[40];
    for (size_t i = 0; i < d->n_events; i++) {
        const Liandong__V1__CaseEvent *e = d->events[i];
        html_raw(h, "<tr data-kind=\"");
        html_text(h, e->kind);
        html_raw(h, "\"><td>");
        html_text(h, fmt_time(e->at_ms, t, sizeof t));
        html_raw(h, "</td><td>");
        html_text(h, event_zh(e->kind));
        html_raw(h, "</td><td class=\"actor\">");
        html_text(h, e->actor);
        html_raw(h, "</td><td class=\"behalf\">");
        html_text(h, e->on_behalf_of);
        html_raw(h, "</td><td>");
        html_text(h, state_zh(e->to_state));
        html_raw(h, "</td><td>");
        html_text(h, e->body_id);
        html_raw(h, "</td><td class=\"text\">");
        html_text(h, e->note);
        html_raw(h, "</td></tr>");
    }
    html_raw(h, "</tbody></table>");
}

static void action_form(html_t *h, const console_ctx_t *c, const char *case_id, const char *action,
                        const char *label, const char *extra)
{
    html_raw(h, "<form class=\"action\" method=\"post\" action=\"/console/act\">");
    page_csrf(h, c);
    html_raw(h, "<input type=\"hidden\" name=\"id\" value=\"");
    html_text(h, case_id);
    html_raw(h, "\"><input type=\"hidden\" name=\"action\" value=\"");
    html_raw(h, action);
    html_raw(h, "\">");
    html_raw(h, extra);
    html_raw(h, "<button type=\"submit\" id=\"do-");
    html_raw(h, action);
    html_raw(h, "\">");
    html_raw(h, label);
    html_raw(h, "</button></form>");
}

static void actions(html_t *h, const console_ctx_t *c, const Liandong__V1__CaseRecord *r)
{
    int open = strcmp(r->state, "closed") != 0 && strcmp(r->state, "resolved") != 0;
    if (!open || (c->role == ROLE_STAFF && (r->copy || strcmp(r->body_id, c->body_id) != 0)))
        return;
    html_raw(h, "<h2>办理</h2><div class=\"actions\">");
    if (c->role == ROLE_STAFF) {
        if (strcmp(r->state, "assigned") == 0 || strcmp(r->state, "delivered") == 0)
            action_form(h, c, r->case_id, "accept", "受理", "");
        if (strcmp(r->state, "accepted") == 0 || strcmp(r->state, "delivered") == 0 ||
            strcmp(r->state, "assigned") == 0)
            action_form(h, c, r->case_id, "reply", "答复",
                        "<textarea name=\"text\" required placeholder=\"答复内容（不能为空）\">"
                        "</textarea>");
        if (strcmp(r->state, "replied") == 0 || strcmp(r->state, "accepted") == 0)
            action_form(h, c, r->case_id, "resolve", "办结",
                        "<textarea name=\"text\" required placeholder=\"办理结果\"></textarea>");
        action_form(h, c, r->case_id, "return", "退回",
                    "<select name=\"reason\"><option value=\"territory\">不在辖区</option>"
                    "<option value=\"ownership\">不属本单位</option>"
                    "<option value=\"function\">超出职能</option></select>"
                    "<input name=\"text\" required placeholder=\"退回理由\">");
        action_form(h, c, r->case_id, "escalate", "上报升级",
                    "<input name=\"text\" placeholder=\"说明（可选）\">");
        if (!r->extension_pending)
            action_form(h, c, r->case_id, "extend", "申请延期",
                        "<input name=\"text\" required placeholder=\"延期理由\">");
    } else {
        action_form(h, c, r->case_id, "dispatch", "改派",
                    "<input name=\"to\" required placeholder=\"目标单位编码\">"
                    "<input name=\"text\" placeholder=\"说明（可选）\">");
        action_form(h, c, r->case_id, "escalate", "升级",
                    "<input name=\"text\" placeholder=\"说明（可选）\">");
        if (r->extension_pending) { /* the holder asked for time: the centre decides */
            action_form(h, c, r->case_id, "grant", "批准延期",
                        "<input name=\"until\" type=\"datetime-local\" required>"
                        "<span class=\"hint\">新的办结时限（北京时间）</span>"
                        "<input name=\"text\" placeholder=\"说明（可选）\">");
            action_form(h, c, r->case_id, "refuse", "驳回延期",
                        "<input name=\"text\" required placeholder=\"驳回理由\">");
        }
        action_form(h, c, r->case_id, "close", "无诉求关闭",
                    "<input name=\"text\" required placeholder=\"理由，如：来电无实际诉求\">");
    }
    html_raw(h, "</div>");
}

static int case_page(console_ctx_t *c, const char *id, unsigned status)
{
    Liandong__V1__GetCase g = LIANDONG__V1__GET_CASE__INIT;
    g.case_id = (char *)id;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_GET_CASE;
    req.get_case = &g;
    wire_msg_t *w = NULL;
    char err[300];
    int code = 0;
    if (console_call(c->up, c->sess.principal, UP_LEDGER, &req,
                     LIANDONG__V1__ENVELOPE__BODY_CASE_DETAIL, &w, &code, err, sizeof err) < 0) {
        if (code == LIANDONG__V1__ERROR_CODE__ERROR_FORBIDDEN)
            return page_error(c, 403, "无权查看此案件。");
        if (code == LIANDONG__V1__ERROR_CODE__ERROR_NOT_FOUND)
            return page_error(c, 404, "没有这个案件。");
        return page_error(c, 502, err);
    }
    const Liandong__V1__CaseDetail *d = wire_envelope(w)->case_detail;
    const Liandong__V1__CaseRecord *r = d->record;
    html_t h = {0};
    char title[120], t[40], t2[40];
    snprintf(title, sizeof title, "案件 %.64s", r->case_id);
    page_begin(&h, c, title);
    html_raw(&h, "<section class=\"case\"><table class=\"fields\" id=\"record\">");
    field(&h, "状态", state_zh(r->state));
    field(&h, "紧急程度", r->urgency == LIANDONG__V1__URGENCY__URGENCY_EMERGENCY ? "紧急" : "一般");
    field(&h, "类别", category_zh(r->category));
    field(&h, "承办单位", r->body_id);
    html_raw(&h, "<tr><th>抄送</th><td id=\"cc\">");
    for (size_t i = 0; i < r->n_cc; i++) {
        html_text(&h, r->cc[i]);
        html_raw(&h, " ");
    }
    html_raw(&h, "</td></tr>");
    field(&h, "渠道", channel_zh(r->channel));
    field(&h, "渠道编号", r->channel_id);
    field(&h, "小区", r->compound_code);
    field(&h, "地址", r->address);
    field(&h, "诉求人", r->resident_name);
    field(&h, "联系电话", r->resident_phone);
    field(&h, "诉求", r->text);
    field(&h, "受理时间", fmt_time(r->created_at_ms, t, sizeof t));
    snprintf(t2, sizeof t2, "%s", fmt_time(r->reply_due_ms, t, sizeof t));
    html_raw(&h, "<tr><th>答复时限</th><td id=\"reply-due\">");
    html_text(&h, t2);
    html_raw(&h, r->replied_at_ms ? "（已答复 " : "");
    if (r->replied_at_ms) {
        html_text(&h, fmt_time(r->replied_at_ms, t, sizeof t));
        html_raw(&h, "）");
    }
    html_raw(&h, "</td></tr><tr><th>办结时限</th><td id=\"resolve-due\">");
    html_text(&h, fmt_time(r->resolve_due_ms, t, sizeof t));
    html_raw(&h, r->extension_pending ? " <span class=\"badge amber\">申请延期中</span>" : "");
    if (r->extensions)
        html_rawf(&h, " <span class=\"badge\">已延期 %u 次</span>", r->extensions);
    html_raw(&h, "</td></tr>");
    field(&h, "计时规则", r->deadline_policy);
    /* A deadline counted Monday to Friday for want of holiday data (issue
     * 15): the operator must see that it may be wrong, not trust it. */
    if (r->calendar_uncovered)
        html_raw(&h, "<tr><th>节假日数据</th><td id=\"calendar-uncovered\">"
                     "<span class=\"badge amber\">未覆盖：时限按周一至周五计算，"
                     "请核对当年放假安排</span></td></tr>");
    if (r->paused_at_ms) {
        html_raw(&h, "<tr><th>挂起</th><td>");
        html_text(&h, r->pause_reason);
        html_raw(&h, " 至 ");
        html_text(&h, fmt_time(r->pause_until_ms, t, sizeof t));
        html_raw(&h, "</td></tr>");
    }
    if (*r->rating)
        field(&h, "评价", r->rating);
    html_raw(&h, "</table></section>");
    explanation(&h, r->explain_json);
    history(&h, d);
    actions(&h, c, r);
    page_end(&h);
    wire_free(&w);
    return page_send(c, &h, status);
}

int console_case(console_ctx_t *c)
{
    const char *id = form_str(&c->query, "id");
    if (*id == '\0')
        return page_error(c, 400, "缺少案件编号。");
    static const struct {
        const char *code;
        const char *text;
    } done[] = {
        {"accept", "已受理。"},         {"reply", "已答复。"},
        {"resolve", "已办结。"},        {"dispatch", "已改派。"},
        {"escalate", "已升级。"},       {"grant", "已批准延期，办结时限已延长。"},
        {"refuse", "已驳回延期申请。"}, {"extend", "已申请延期，等待调度中心审批。"},
        {"close", "已按无诉求关闭。"},
    };
    const char *d = form_str(&c->query, "done");
    for (size_t i = 0; i < sizeof done / sizeof done[0]; i++)
        if (strcmp(d, done[i].code) == 0)
            snprintf(c->notice, sizeof c->notice, "%s", done[i].text);
    return case_page(c, id, 200);
}

/* datetime-local "2026-12-09T18:00" in Beijing time to epoch ms. */
static int parse_local(const char *s, int64_t *ms)
{
    char buf[40];
    int offset = 0;
    if (strlen(s) == 16)
        snprintf(buf, sizeof buf, "%s:00+08:00", s);
    else
        snprintf(buf, sizeof buf, "%.30s+08:00", s);
    return timefmt_parse_rfc3339(buf, ms, &offset);
}

static const struct {
    const char *name;
    Liandong__V1__CaseActionKind kind;
    int staff;    /* a body's staff may send it (desk socket) */
    int operator; /* an operator may send it */
} acts[] = {
    {"accept", LIANDONG__V1__CASE_ACTION_KIND__ACTION_ACCEPT, 1, 0},
    {"reply", LIANDONG__V1__CASE_ACTION_KIND__ACTION_REPLY, 1, 0},
    {"resolve", LIANDONG__V1__CASE_ACTION_KIND__ACTION_RESOLVE, 1, 0},
    {"return", LIANDONG__V1__CASE_ACTION_KIND__ACTION_RETURN, 1, 0},
    {"escalate", LIANDONG__V1__CASE_ACTION_KIND__ACTION_ESCALATE, 1, 1},
    {"dispatch", LIANDONG__V1__CASE_ACTION_KIND__ACTION_DISPATCH, 0, 1},
    {"extend", LIANDONG__V1__CASE_ACTION_KIND__ACTION_EXTEND, 1, 0},
    {"grant", LIANDONG__V1__CASE_ACTION_KIND__ACTION_GRANT, 0, 1},
    {"refuse", LIANDONG__V1__CASE_ACTION_KIND__ACTION_REFUSE, 0, 1},
    {"close", LIANDONG__V1__CASE_ACTION_KIND__ACTION_CLOSE, 0, 1},
};

int console_act(console_ctx_t *c)
{
    const char *id = form_str(&c->form, "id");
    const char *action = form_str(&c->form, "action");
    size_t i = 0;
    while (i < sizeof acts / sizeof acts[0] && strcmp(acts[i].name, action) != 0)
        i++;
    if (*id == '\0' || i == sizeof acts / sizeof acts[0])
        return page_error(c, 400, "未知的操作。");
    if (!(c->role == ROLE_STAFF ? acts[i].staff : acts[i].operator))
        return page_error(c, 403, "您的角色不能执行此操作。");
    Liandong__V1__CaseAction ca = LIANDONG__V1__CASE_ACTION__INIT;
    ca.case_id = (char *)id;
    ca.kind = acts[i].kind;
    /* The services take the actor from the key; the body named here is
     * only what the key allows (a staff person's own body). */
    ca.actor = c->role == ROLE_STAFF ? c->body_id : c->user;
    ca.text = (char *)form_str(&c->form, "text");
    ca.reason = (char *)form_str(&c->form, "reason");
    ca.target_body = (char *)form_str(&c->form, "to");
    if (ca.kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_GRANT &&
        parse_local(form_str(&c->form, "until"), &ca.resolve_due_ms) < 0) {
        snprintf(c->notice, sizeof c->notice, "新的办结时限格式不对。");
        return case_page(c, id, 400);
    }
    console_upstream_t to = UP_LEDGER;
    if (c->role == ROLE_STAFF)
        to = UP_DESK;
    else if (ca.kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_ESCALATE ||
             ca.kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_DISPATCH)
        to = UP_ROUTER;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION;
    req.case_action = &ca;
    wire_msg_t *w = NULL;
    char err[300];
    int code = 0;
    if (console_call(c->up, c->sess.principal, to, &req,
                     LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION_DONE, &w, &code, err,
                     sizeof err) < 0) {
        if (code == LIANDONG__V1__ERROR_CODE__ERROR_FORBIDDEN)
            return page_error(c, 403, "无权办理此案件。");
        snprintf(c->notice, sizeof c->notice, "未能执行：%.400s", err);
        return case_page(c, id, code == LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE ? 503 : 409);
    }
    wire_free(&w);
    char loc[300];
    html_t u = {0};
    /* A case the body handed on leaves its inbox: back there, with why. */
    if (c->role == ROLE_STAFF && (ca.kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_RETURN ||
                                  ca.kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_ESCALATE)) {
        html_raw(&u, "/console/inbox?left=");
        html_url(&u, id);
        html_raw(&u, "&how=");
        html_raw(&u, action);
    } else {
        html_raw(&u, "/console/case?id=");
        html_url(&u, id);
        html_raw(&u, "&done=");
        html_raw(&u, action);
    }
    char *s = html_take(&u, NULL);
    snprintf(loc, sizeof loc, "%s", s ? s : "/console/");
    free(s);
    return page_redirect(c->resp, loc, NULL);
}
