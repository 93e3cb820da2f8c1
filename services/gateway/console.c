/*
 * console.c - the console's door: static assets, login and logout, the
 * session cookie, the CSRF check on every POST, the role check, and
 * dispatch to the pages (console.h, console_routes.h).
 */
#include "console.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "console_routes.h"
#include "console_throttle.h"
#include "gateway.h"
#include "log.h"

#define COOKIE_NAME "ld_console"

static struct {
    pthread_once_t once;
    int ready;
    console_sessions_t *sessions;
    console_throttle_t *by_account;
    console_throttle_t *by_address;
    console_upstream_cfg_t up;
    const char *accounts;
    int secure_cookie;
} g = {.once = PTHREAD_ONCE_INIT};

static const gateway_t *init_gw;

static long env_long(const char *name, long def, long lo, long hi)
{
    const char *s = getenv(name);
    char *end = NULL;
    long v = s && *s ? strtol(s, &end, 10) : def;
    if (s && *s && (*end != '\0' || v < lo || v > hi)) {
        log_warn(NULL, "console: %s=%s out of range, using %ld", name, s, def);
        v = def;
    }
    return v;
}

static const char *env_str(const char *name, const char *def)
{
    const char *s = getenv(name);
    return s && *s ? s : def;
}

/* Settings: the upstream ones are the gateway's (--router, --ledger,
 * --keys); the console's own come from the environment
 * (LIANDONG_CONSOLE_*, README). */
static void init_once(void)
{
    const upstream_config_t *u = &init_gw->upstream;
    g.up.ledger = u->ledger;
    g.up.router = u->router;
    g.up.desk = env_str("LIANDONG_DESK", "tcp://127.0.0.1:7312");
    g.up.keys_dir = u->keys;
    g.up.insecure = u->keys == NULL;
    g.up.ledger_identity = u->ledger_identity;
    g.up.router_identity = u->router_identity;
    g.up.timeout_ms = u->timeout_ms > 0 ? u->timeout_ms : 5000;
    g.accounts = env_str("LIANDONG_CONSOLE_ACCOUNTS", "var/console/accounts");
    g.secure_cookie = env_long("LIANDONG_CONSOLE_SECURE_COOKIE", 0, 0, 1) == 1;
    int idle = (int)env_long("LIANDONG_CONSOLE_IDLE_SECONDS", 1800, 1, 86400);
    int absolute = (int)env_long("LIANDONG_CONSOLE_MAX_SECONDS", 12 * 3600, 1, 7 * 86400);
    unsigned per_account = (unsigned)env_long("LIANDONG_CONSOLE_LOGIN_FAILS", 5, 1, 1000);
    unsigned per_address = (unsigned)env_long("LIANDONG_CONSOLE_ADDRESS_FAILS", 20, 1, 10000);
    int window = (int)env_long("LIANDONG_CONSOLE_LOCK_SECONDS", 900, 1, 86400);
    if (sessions_new(4096, idle, absolute, NULL, &g.sessions) < 0 ||
        throttle_new(4096, per_account, window, NULL, &g.by_account) < 0 ||
        throttle_new(4096, per_address, window, NULL, &g.by_address) < 0) {
        log_error(NULL, "console: cannot allocate its tables; the console is off");
        return;
    }
    log_info(NULL,
             "console: accounts %s, sessions idle %d s, at most %d s; %u failed logins "
             "per account, %u per address in %d s",
             g.accounts, idle, absolute, per_account, per_address, window);
    g.ready = 1;
}

static int serve_static(http_response_t *resp, const char *type, const char *text)
{
    http_respond_text(resp, 200, type, text);
    page_security_headers(resp);
    return 0;
}

static int login_page(console_ctx_t *c, unsigned status, const char *message)
{
    html_t h = {0};
    page_begin(&h, NULL, "登录");
    if (message != NULL) {
        html_raw(&h, "<p class=\"error\" id=\"login-error\">");
        html_text(&h, message);
        html_raw(&h, "</p>");
    }
    html_raw(&h, "<form class=\"login\" method=\"post\" action=\"/console/login\">"
                 "<label>账号<input name=\"principal\" autocomplete=\"username\" required "
                 "placeholder=\"operator.NAME 或 staff.NAME@单位编码\"></label>"
                 "<label>密码<input name=\"password\" type=\"password\" "
                 "autocomplete=\"current-password\" required></label>"
                 "<button type=\"submit\" id=\"login\">登录</button></form>");
    page_end(&h);
    return page_send(c, &h, status);
}

static int login_post(console_ctx_t *c)
{
    const char *principal = form_str(&c->form, "principal");
    const char *password = form_str(&c->form, "password");
    char akey[200], pkey[200];
    snprintf(akey, sizeof akey, "acct:%.128s", principal);
    snprintf(pkey, sizeof pkey, "addr:%.64s", c->req->peer ? c->req->peer : "");
    int wait = throttle_wait(g.by_account, akey);
    int wait_addr = throttle_wait(g.by_address, pkey);
    if (wait_addr > wait)
        wait = wait_addr;
    if (wait > 0) {
        /* Refused before the password is looked at: a locked account
         * cannot be guessed at any speed. */
        char msg[160];
        snprintf(msg, sizeof msg, "登录失败次数过多，请 %d 秒后再试。", wait);
        log_warn(NULL, "console: login throttled for an account or address (%d s left)", wait);
        int rc = login_page(c, 429, msg);
        char after[16];
        snprintf(after, sizeof after, "%d", wait);
        http_add_header(c->resp, "Retry-After", after);
        return rc;
    }
    int rc = accounts_verify(g.accounts, principal, password);
    if (rc != 0) {
        throttle_failed(g.by_account, akey);
        throttle_failed(g.by_address, pkey);
        log_warn(NULL, "console: failed login from %s", c->req->peer ? c->req->peer : "?");
        return login_page(c, rc == -EIO ? 503 : 401,
                          rc == -EIO ? "账号文件无法读取，请联系管理员。" : "账号或密码错误。");
    }
    throttle_reset(g.by_account, akey);
    console_session_t s;
    if (sessions_create(g.sessions, principal, &s) < 0)
        return login_page(c, 500, "无法建立会话。");
    char cookie[256];
    snprintf(cookie, sizeof cookie, COOKIE_NAME "=%s; HttpOnly; SameSite=Strict; Path=/console/%s",
             s.id, g.secure_cookie ? "; Secure" : "");
    log_info(NULL, "console: %s logged in", principal);
    return page_redirect(c->resp, "/console/", cookie);
}

/* Who the session's principal is, for the pages and the scope checks. */
static int set_role(console_ctx_t *c)
{
    const char *p = c->sess.principal;
    if (strncmp(p, "operator.", 9) == 0) {
        c->role = ROLE_OPERATOR;
        snprintf(c->user, sizeof c->user, "operator:%s", p + 9);
        return 0;
    }
    if (strncmp(p, "staff.", 6) == 0) {
        c->role = ROLE_STAFF;
        snprintf(c->user, sizeof c->user, "staff:%s", p + 6);
        const char *body = identity_staff_body(p + 6);
        snprintf(c->body_id, sizeof c->body_id, "%s", body ? body : "");
        return body ? 0 : -EINVAL;
    }
    return -EINVAL;
}

/* A POST from another site is refused: the browser names the page's
 * origin, and it must be this host (the cookie's SameSite=Strict already
 * keeps it from being sent; this holds if a browser does not). An absent
 * or opaque ("null") origin says nothing either way: the CSRF token
 * decides then. */
static int origin_ok(const http_request_t *req)
{
    const char *origin = http_header(req, "Origin");
    const char *host = http_header(req, "Host");
    if (origin == NULL || strcmp(origin, "null") == 0)
        return 1;
    const char *sep = strstr(origin, "://");
    return host != NULL && sep != NULL && strcmp(sep + 3, host) == 0;
}

static int route(console_ctx_t *c, const char *path, int post)
{
    if (strcmp(path, "/act") == 0 && post)
        return console_act(c);
    if (post)
        return page_error(c, 405, "此地址不接受提交。");
    if (strcmp(path, "/") == 0 || strcmp(path, "") == 0)
        return page_redirect(
            c->resp, c->role == ROLE_OPERATOR ? "/console/overview" : "/console/inbox", NULL);
    if (strcmp(path, "/inbox") == 0)
        return console_inbox(c);
    if (strcmp(path, "/gone") == 0)
        return console_gone(c);
    if (strcmp(path, "/case") == 0)
        return console_case(c);
    static const struct {
        const char *path;
        int (*fn)(console_ctx_t *);
    } ops[] = {
        {"/overview", console_overview}, {"/overdue", console_overdue},
        {"/ranking", console_ranking},   {"/search", console_search},
        {"/trend.svg", console_trend},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strcmp(path, ops[i].path) != 0)
            continue;
        /* Checked here and again by the ledger (authz.c): the figures and
         * the search across bodies are operators' only. */
        if (c->role != ROLE_OPERATOR)
            return page_error(c, 403, "此页面仅限调度中心话务员。");
        return ops[i].fn(c);
    }
    return page_error(c, 404, "没有这个页面。");
}

int console_handle(const http_request_t *req, http_response_t *resp)
{
    init_gw = req->gateway;
    pthread_once(&g.once, init_once);
    if (!g.ready) {
        http_respond_text(resp, 503, "text/plain; charset=utf-8", "console unavailable\n");
        return 0;
    }
    const char *path = req->path + strlen("/console");
    int post = strcmp(req->method, "POST") == 0;
    if (!post && strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        http_respond_text(resp, 405, "text/plain; charset=utf-8", "method not allowed\n");
        page_security_headers(resp);
        return 0;
    }
    if (strcmp(path, "/static/console.css") == 0)
        return serve_static(resp, "text/css; charset=utf-8", console_css);
    if (strcmp(path, "/static/console.js") == 0)
        return serve_static(resp, "text/javascript; charset=utf-8", console_js);
    console_ctx_t c;
    memset(&c, 0, sizeof c);
    c.req = req;
    c.resp = resp;
    c.up = &g.up;
    int rc = 0;
    if (form_parse(&c.query, req->raw_query ? req->raw_query : "",
                   req->raw_query ? strlen(req->raw_query) : 0) < 0 ||
        (post && form_parse(&c.form, (const char *)req->body, req->body_len) < 0)) {
        http_respond_text(resp, 400, "text/plain; charset=utf-8", "malformed form\n");
        page_security_headers(resp);
        goto out;
    }
    if (post && !origin_ok(req)) {
        http_respond_text(resp, 403, "text/plain; charset=utf-8", "cross-site request refused\n");
        page_security_headers(resp);
        goto out;
    }
    if (strcmp(path, "/login") == 0) {
        rc = post ? login_post(&c) : login_page(&c, 200, NULL);
        goto out;
    }
    char sid[SESSION_TOKEN_HEX + 1];
    const char *cookies = http_header(req, "Cookie");
    if (cookies == NULL || cookie_get(cookies, COOKIE_NAME, sid, sizeof sid) < 0 ||
        sessions_lookup(g.sessions, sid, &c.sess) < 0 || set_role(&c) < 0) {
        memset(&c.sess, 0, sizeof c.sess);
        if (post || strcmp(path, "/inbox") == 0 || strcmp(path, "/gone") == 0) {
            if (post || form_get(&c.query, "fragment") != NULL) {
                /* the polling script and forms learn they must log in */
                http_respond_text(resp, 401, "text/plain; charset=utf-8", "login required\n");
                page_security_headers(resp);
                goto out;
            }
        }
        rc = page_redirect(resp, "/console/login", NULL);
        goto out;
    }
    if (post && !sessions_csrf_ok(&c.sess, form_get(&c.form, "csrf"))) {
        log_warn(NULL, "console: POST %s by %s without a valid CSRF token refused", path,
                 c.sess.principal);
        rc = page_error(&c, 403, "表单已失效（CSRF 校验失败），请刷新页面后重试。");
        goto out;
    }
    if (post && strcmp(path, "/logout") == 0) {
        sessions_end(g.sessions, sid);
        rc = page_redirect(resp, "/console/login",
                           COOKIE_NAME "=; Max-Age=0; HttpOnly; SameSite=Strict; Path=/console/");
        goto out;
    }
    rc = route(&c, path, post);
out:
    form_free(&c.query);
    form_free(&c.form);
    return rc;
}
