/*
 * console_page.c - the page frame, answers with security headers, calls
 * upstream as the person, the audit record and display helpers
 * (console_page.h).
 */
#include "console_page.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

void page_security_headers(http_response_t *resp)
{
    /* No inline script or style, nothing from another origin (the
     * machines are offline, and one injected tag must not be able to run
     * or send anything away); no framing (clickjacking of the action
     * buttons); and pages with residents' data are never cached. */
    http_add_header(resp, "Content-Security-Policy",
                    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                    "base-uri 'none'");
    http_add_header(resp, "X-Frame-Options", "DENY");
    http_add_header(resp, "X-Content-Type-Options", "nosniff");
    http_add_header(resp, "Referrer-Policy", "same-origin");
    http_add_header(resp, "Cache-Control", "no-store");
}

static const struct {
    const char *href;
    const char *label;
    int operator_only;
} nav[] = {
    {"/console/overview", "概览", 1},  {"/console/overdue", "超期与临期", 1},
    {"/console/ranking", "红黑榜", 1}, {"/console/search", "查询", 1},
    {"/console/inbox", "待办", 0},
};

void page_begin(html_t *h, const console_ctx_t *c, const char *title)
{
    html_raw(h, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "<title>");
    html_text(h, title);
    html_raw(h, " · 联动</title><link rel=\"stylesheet\" href=\"/console/static/console.css\">"
                "<script src=\"/console/static/console.js\" defer></script></head><body>"
                "<header><span class=\"brand\">联动 · 诉求办理</span><nav>");
    if (c != NULL && c->sess.principal[0]) {
        for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++) {
            if (nav[i].operator_only != (c->role == ROLE_OPERATOR))
                continue;
            html_raw(h, "<a href=\"");
            html_raw(h, nav[i].href);
            html_raw(h, "\">");
            html_raw(h, nav[i].label);
            html_raw(h, "</a>");
        }
        html_raw(h, "</nav><form class=\"logout\" method=\"post\" action=\"/console/logout\">");
        page_csrf(h, c);
        html_raw(h, "<span class=\"who\">");
        html_text(h, c->sess.principal);
        html_raw(h, "</span><button type=\"submit\">退出</button></form>");
    } else {
        html_raw(h, "</nav>");
    }
    html_raw(h, "</header><main><h1>");
    html_text(h, title);
    html_raw(h, "</h1>");
    if (c != NULL && c->notice[0]) {
        html_raw(h, "<p class=\"notice\" id=\"notice\">");
        html_text(h, c->notice);
        html_raw(h, "</p>");
    }
}

void page_end(html_t *h)
{
    html_raw(h, "</main></body></html>\n");
}

void page_csrf(html_t *h, const console_ctx_t *c)
{
    html_raw(h, "<input type=\"hidden\" name=\"csrf\" value=\"");
    html_text(h, c->sess.csrf);
    html_raw(h, "\">");
}

int page_send(console_ctx_t *c, html_t *h, unsigned status)
{
    size_t len = 0;
    char *body = html_take(h, &len);
    if (body == NULL)
        return -ENOMEM;
    http_respond(c->resp, status, "text/html; charset=utf-8", body, len);
    page_security_headers(c->resp);
    return 0;
}

int page_send_csv(console_ctx_t *c, html_t *h, const char *filename)
{
    size_t len = 0;
    char *body = html_take(h, &len);
    if (body == NULL)
        return -ENOMEM;
    http_respond(c->resp, 200, "text/csv; charset=utf-8", body, len);
    page_security_headers(c->resp);
    char disp[160];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", filename);
    http_add_header(c->resp, "Content-Disposition", disp);
    return 0;
}

int page_error(console_ctx_t *c, unsigned status, const char *message)
{
    html_t h = {0};
    page_begin(&h, c, status == 403 ? "无权访问" : status == 404 ? "未找到" : "出错了");
    html_raw(&h, "<p class=\"error\">");
    html_text(&h, message);
    html_raw(&h, "</p>");
    page_end(&h);
    return page_send(c, &h, status);
}

int page_redirect(http_response_t *resp, const char *location, const char *cookie)
{
    http_respond_text(resp, 303, "text/plain; charset=utf-8", "");
    page_security_headers(resp);
    http_add_header(resp, "Location", location);
    if (cookie != NULL)
        http_add_header(resp, "Set-Cookie", cookie);
    return 0;
}

int page_call(console_ctx_t *c, console_upstream_t to, envelope_t *req,
              Liandong__V1__Envelope__BodyCase want, wire_msg_t **answer, char *err, size_t errlen)
{
    int code = 0;
    return console_call(c->up, c->sess.principal, to, req, want, answer, &code, err, errlen);
}

void page_audit(const console_ctx_t *c, const char *what, const char *detail)
{
    const char *path = getenv("LIANDONG_CONSOLE_AUDIT");
    if (path == NULL || *path == '\0')
        path = "var/console/audit.log";
    char at[40];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    html_t line = {0};
    html_raw(&line, "{\"at\":\"");
    html_raw(&line, at);
    html_raw(&line, "\",\"who\":\"");
    html_text(&line, c->sess.principal); /* escaped: no quote can end the string */
    html_raw(&line, "\",\"from\":\"");
    html_text(&line, c->req->peer);
    html_raw(&line, "\",\"what\":\"");
    html_text(&line, what);
    html_raw(&line, "\",\"detail\":\"");
    for (const char *p = detail; p && *p; p++) { /* JSON: escape \ and controls */
        if (*p == '\\' || *p == '\n' || *p == '\r' || *p == '\t')
            html_raw(&line, *p == '\\' ? "\\\\" : " ");
        else
            html_rawn(&line, p, 1);
    }
    html_raw(&line, "\"}\n");
    size_t len = 0;
    char *text = html_take(&line, &len);
    /* The audit file is the record of who looked up whose phone and who
     * took which export: append-only, one write per record, 0600. */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int ok = fd >= 0 && text != NULL && write(fd, text, len) == (ssize_t)len;
    if (fd >= 0)
        close(fd);
    free(text);
    log_info(NULL, "console audit: %s by %s%s", what, c->sess.principal,
             ok ? "" : " (the audit file could not be written)");
}

int64_t now_ms_wall(void)
{
    /* The system's clock (issue 11): the wall clock unless the system
     * runs accelerated, when the console's overdue marks and default
     * periods follow the simulated time as the ledger's figures do. */
    return simclock_system_now_ms();
}

char *fmt_time(int64_t ms, char *buf, size_t len)
{
    if (ms <= 0) {
        snprintf(buf, len, "—");
        return buf;
    }
    time_t t = (time_t)(ms / 1000) + 8 * 3600; /* shown in Beijing time */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

char *fmt_span(int64_t ms, char *buf, size_t len)
{
    if (ms < 0)
        ms = -ms;
    long long min = ms / 60000, d = min / 1440, hr = min % 1440 / 60, m = min % 60;
    if (d > 0)
        snprintf(buf, len, "%lld天%lld小时", d, hr);
    else if (hr > 0)
        snprintf(buf, len, "%lld小时%lld分", hr, m);
    else
        snprintf(buf, len, "%lld分", m);
    return buf;
}

char *fmt_rate(uint64_t a, uint64_t b, char *buf, size_t len)
{
    if (b == 0)
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%.1f%%", 100.0 * (double)a / (double)b);
    return buf;
}

static const char *lookup(const char *const (*table)[2], size_t n, const char *key)
{
    for (size_t i = 0; key != NULL && i < n; i++)
        if (strcmp(table[i][0], key) == 0)
            return table[i][1];
    return key ? key : "";
}

const char *state_zh(const char *state)
{
    static const char *const t[][2] = {
        {"received", "已接收"}, {"assigned", "已派单"}, {"delivered", "已送达"},
        {"accepted", "已受理"}, {"replied", "已答复"},  {"resolved", "已办结"},
        {"closed", "已关闭"},   {"returned", "已退回"},
    };
    return lookup(t, sizeof t / sizeof t[0], state);
}

const char *event_zh(const char *kind)
{
    static const char *const t[][2] = {
        {"created", "立案"},
        {"assigned", "派单"},
        {"delivered", "送达"},
        {"accepted", "受理"},
        {"replied", "答复"},
        {"resolved", "办结"},
        {"returned", "退回"},
        {"escalated", "升级"},
        {"dispatched", "改派"},
        {"rated", "评价"},
        {"closed", "关闭"},
        {"reopened", "重办"},
        {"paused", "挂起"},
        {"resumed", "恢复计时"},
        {"extension_requested", "申请延期"},
        {"extension_granted", "批准延期"},
        {"extension_refused", "驳回延期"},
    };
    return lookup(t, sizeof t / sizeof t[0], kind);
}

const char *category_zh(const char *category)
{
    static const char *const t[][2] = {
        {"facility_repair", "公共设施报修"},
        {"elevator", "电梯故障"},
        {"sanitation", "环境卫生"},
        {"parking", "小区停车"},
        {"property_service_complaint", "物业服务投诉"},
        {"maintenance_fund", "维修资金与公共收益"},
        {"neighbor_dispute", "邻里纠纷"},
        {"committee_affairs", "业委会组建与换届"},
        {"property_transition", "物业更换与退出"},
        {"illegal_construction", "违章搭建"},
        {"business_nuisance", "商户扰民"},
        {"building_quality", "房屋质量与开发遗留"},
        {"planning", "规划建设与邻避"},
        {"school_places", "学位与入学"},
        {"public_security", "治安"},
        {"fire_safety", "消防安全"},
        {"pollution", "环境污染"},
        {"utilities", "水电气供应"},
        {"municipal_facilities", "市政设施"},
        {"social_assistance", "民政救助与养老"},
        {"consultation", "政策咨询"},
        {"unclassified", "无法分类"},
    };
    return lookup(t, sizeof t / sizeof t[0], category);
}

const char *channel_zh(const char *channel)
{
    static const char *const t[][2] = {
        {"hotline", "12345热线"}, {"wechat", "微信"}, {"petition", "信访"},
        {"mailbox", "书记信箱"},  {"grid", "网格员"}, {"property", "物业上报"},
    };
    return lookup(t, sizeof t / sizeof t[0], channel);
}
