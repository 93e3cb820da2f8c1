/*
 * wechat_chat.c - a WeChat resident's message turned into calls to the
 * router and the ledger, and the reply text (see wechat_chat.h).
 */
#include "wechat_chat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "field_limits.h"
#include "gateway.h"
#include "log.h"
#include "upstream.h"
#include "wechat_sig.h"

#define CHANNEL "wechat"
#define REPLY_MAX 2000 /* WeChat shows at most 2,048 bytes of a text reply */
#define BIND_KEY_PREFIX "BIND_"
#define FULL_WIDTH_SPACE "\xe3\x80\x80"

int64_t wechat_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dupf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : s;
}

/* One call within what is left of the deadline: 0 with *ans, -ETIMEDOUT
 * when no time is left or none came. */
static int call(const http_request_t *req, upstream_target_t target, envelope_t *env,
                int64_t deadline_ms, wire_msg_t **ans)
{
    char identity[128];
    int rc = gateway_frontend_identity(req->gateway, CHANNEL, identity, sizeof identity);
    if (rc < 0)
        return rc;
    int64_t left = deadline_ms - wechat_now_ms();
    if (left <= 0)
        return -ETIMEDOUT;
    return upstream_call_within(req->upstream, target, identity, env, (int)left, ans);
}

static const Liandong__V1__Error *error_of(wire_msg_t *m)
{
    envelope_t *e = wire_envelope(m);
    return e->body_case == LIANDONG__V1__ENVELOPE__BODY_ERROR ? e->error : NULL;
}

/* WechatResident: 0 with *ans holding WechatResidentInfo or an Error. */
static int resident(const http_request_t *req, Liandong__V1__WechatResident *w, int64_t deadline_ms,
                    wire_msg_t **ans)
{
    envelope_t env = LIANDONG__V1__ENVELOPE__INIT;
    env.body_case = LIANDONG__V1__ENVELOPE__BODY_WECHAT_RESIDENT;
    env.wechat_resident = w;
    int rc = call(req, UPSTREAM_LEDGER, &env, deadline_ms, ans);
    if (rc == 0 && error_of(*ans) == NULL &&
        wire_envelope(*ans)->body_case != LIANDONG__V1__ENVELOPE__BODY_WECHAT_RESIDENT_INFO) {
        wire_free(ans);
        return -EPROTO;
    }
    return rc;
}

static const char *state_words(const char *state)
{
    static const char *const names[][2] = {
        {"received", "已登记"},     {"assigned", "已派单"}, {"delivered", "已送达承办单位"},
        {"accepted", "办理中"},     {"replied", "已答复"},  {"resolved", "已办结，待评价"},
        {"returned", "重新派单中"}, {"closed", "已关闭"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], state) == 0)
            return names[i][1];
    return state;
}

/* "12月8日 10:30" in China's time (UTC+8, no daylight saving). */
static void china_time(int64_t ms, char *out, size_t len)
{
    time_t t = (time_t)(ms / 1000) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, len, "%d月%d日 %02d:%02d", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

static char *failure(const Liandong__V1__Error *e)
{
    log_info(NULL, "wechat: refused upstream: %s", e->message);
    return dupf("抱歉，未能受理：%s",
                e->code == LIANDONG__V1__ERROR_CODE__ERROR_BAD_REQUEST ||
                        e->code == LIANDONG__V1__ERROR_CODE__ERROR_MISSING_FIELD
                    ? "内容不符合要求（请用文字描述，不超过两千字）"
                    : "系统暂时无法处理，请稍后再试");
}

/* ---------------------------------------------------------------- demand */

static int demand(const http_request_t *req, const wechat_msg_t *m, int64_t deadline_ms,
                  char **reply)
{
    const char *openid = wechat_msg_get(m, WX_FROM_USER);
    const char *msg_id = wechat_msg_get(m, WX_MSG_ID);
    /* 1. The message is the resident's before it is submitted, and their
     *    binding says where they live. */
    Liandong__V1__WechatResident w = LIANDONG__V1__WECHAT_RESIDENT__INIT;
    w.openid = (char *)openid;
    w.link_msg_id = (char *)msg_id;
    wire_msg_t *ans = NULL;
    int rc = resident(req, &w, deadline_ms, &ans);
    if (rc < 0)
        return rc;
    if (error_of(ans)) {
        *reply = failure(error_of(ans));
        wire_free(&ans);
        return *reply ? 0 : -ENOMEM;
    }
    char compound[LIMIT_COMPOUND_MAX + 1];
    snprintf(compound, sizeof compound, "%s",
             wire_envelope(ans)->wechat_resident_info->compound_code);
    wire_free(&ans);

    /* 2. The demand: MsgId is its channel id, so WeChat's retries of the
     *    message find the case the first one made. */
    Liandong__V1__Demand d = LIANDONG__V1__DEMAND__INIT;
    d.channel = (char *)CHANNEL;
    d.channel_id = (char *)msg_id;
    d.text = (char *)wechat_msg_get(m, WX_CONTENT);
    d.compound = compound;
    Liandong__V1__SubmitDemand sd = LIANDONG__V1__SUBMIT_DEMAND__INIT;
    sd.demand = &d;
    envelope_t env = LIANDONG__V1__ENVELOPE__INIT;
    env.body_case = LIANDONG__V1__ENVELOPE__BODY_SUBMIT_DEMAND;
    env.submit_demand = &sd;
    rc = call(req, UPSTREAM_ROUTER, &env, deadline_ms, &ans);
    if (rc < 0)
        return rc;
    envelope_t *a = wire_envelope(ans);
    if (error_of(ans) || a->body_case != LIANDONG__V1__ENVELOPE__BODY_SUBMIT_ACK) {
        int refused = error_of(ans) != NULL;
        *reply = refused ? failure(error_of(ans)) : NULL;
        wire_free(&ans);
        if (!refused)
            return -EPROTO;
        return *reply ? 0 : -ENOMEM;
    }
    char case_id[LIMIT_ID_MAX + 1];
    snprintf(case_id, sizeof case_id, "%s", a->submit_ack->case_id);
    int duplicate = a->submit_ack->duplicate;
    wire_free(&ans);
    log_info(case_id, "wechat: message %s%s", msg_id, duplicate ? " (a retry)" : "");

    /* 3. The case as stored: its holder's name and reply deadline. */
    Liandong__V1__WechatResident q = LIANDONG__V1__WECHAT_RESIDENT__INIT;
    q.openid = (char *)openid;
    q.case_id = case_id;
    rc = resident(req, &q, deadline_ms, &ans);
    if (rc < 0)
        return rc;
    const Liandong__V1__WechatResidentInfo *info =
        error_of(ans) ? NULL : wire_envelope(ans)->wechat_resident_info;
    if (info == NULL || info->n_cases == 0 || strcmp(info->cases[0]->record->case_id, case_id)) {
        /* Another resident's message id (not theirs to see): no details. */
        *reply = dupf("已收到，编号 %s。", case_id);
    } else {
        const Liandong__V1__WechatCase *c = info->cases[0];
        char due[64] = "";
        if (c->record->reply_due_ms > 0)
            china_time(c->record->reply_due_ms, due, sizeof due);
        *reply = dupf("已受理，编号 %s。\n承办单位：%s\n%s%s%s\n可发送“查询”查看进展。", case_id,
                      *c->body_name ? c->body_name : c->record->body_id, *due ? "答复期限：" : "",
                      due, *due ? " 前" : "");
    }
    wire_free(&ans);
    return *reply ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------------ bind */

static int bind(const http_request_t *req, const char *openid, const char *compound,
                int64_t deadline_ms, char **reply)
{
    if (*compound == '\0') {
        *reply = dupf("请发送“绑定 小区名称”，例如：绑定 鸿翔花园");
        return *reply ? 0 : -ENOMEM;
    }
    Liandong__V1__WechatResident w = LIANDONG__V1__WECHAT_RESIDENT__INIT;
    w.openid = (char *)openid;
    w.bind_compound = (char *)compound;
    wire_msg_t *ans = NULL;
    int rc = resident(req, &w, deadline_ms, &ans);
    if (rc < 0)
        return rc;
    const Liandong__V1__Error *e = error_of(ans);
    if (e && e->code == LIANDONG__V1__ERROR_CODE__ERROR_NOT_FOUND)
        *reply = dupf("没有找到小区“%.100s”，请发送小区的全名。", compound);
    else if (e)
        *reply = failure(e);
    else
        *reply = dupf("已绑定 %s。以后没写地址的诉求，按 %s 受理。",
                      wire_envelope(ans)->wechat_resident_info->compound_name,
                      wire_envelope(ans)->wechat_resident_info->compound_name);
    wire_free(&ans);
    return *reply ? 0 : -ENOMEM;
}

/* ----------------------------------------------------------------- query */

static int query(const http_request_t *req, const char *openid, int64_t deadline_ms, char **reply)
{
    Liandong__V1__WechatResident w = LIANDONG__V1__WECHAT_RESIDENT__INIT;
    w.openid = (char *)openid;
    w.list_cases = 1;
    wire_msg_t *ans = NULL;
    int rc = resident(req, &w, deadline_ms, &ans);
    if (rc < 0)
        return rc;
    if (error_of(ans)) {
        *reply = failure(error_of(ans));
        wire_free(&ans);
        return *reply ? 0 : -ENOMEM;
    }
    const Liandong__V1__WechatResidentInfo *info = wire_envelope(ans)->wechat_resident_info;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (f == NULL) {
        wire_free(&ans);
        return -ENOMEM;
    }
    if (info->n_cases == 0)
        fputs("您没有未办结的诉求。", f);
    else
        fprintf(f, "您未办结的诉求（%zu 件）：", info->n_cases);
    for (size_t i = 0; i < info->n_cases; i++) {
        const Liandong__V1__WechatCase *c = info->cases[i];
        char line[600];
        snprintf(line, sizeof line, "\n%s %s，%s%.300s", c->record->case_id,
                 state_words(c->record->state), *c->last_reply ? "答复：" : "暂无答复",
                 c->last_reply);
        fflush(f);
        if (len + strlen(line) > REPLY_MAX) {
            fputs("\n……", f);
            break;
        }
        fputs(line, f);
    }
    fclose(f);
    wire_free(&ans);
    *reply = out;
    return out ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------------ rate */

static const char *rating_of(const char *word)
{
    if (strcmp(word, "满意") == 0)
        return "satisfied";
    if (strcmp(word, "基本满意") == 0)
        return "basically_satisfied";
    if (strcmp(word, "不满意") == 0)
        return "dissatisfied";
    return NULL;
}

static int rate(const http_request_t *req, const char *openid, char *args, int64_t deadline_ms,
                char **reply)
{
    char *save = NULL;
    char *word = strtok_r(args, " ", &save);
    char *case_id = word ? strtok_r(NULL, " ", &save) : NULL;
    const char *rating = word ? rating_of(word) : NULL;
    if (rating == NULL || case_id == NULL || strtok_r(NULL, " ", &save) != NULL ||
        strlen(case_id) > LIMIT_ID_MAX) {
        *reply = dupf("请发送“评价 满意|基本满意|不满意 编号”，例如：评价 满意 LD-20261207-000001");
        return *reply ? 0 : -ENOMEM;
    }
    /* Only the resident's own case: the ledger says whose it is. */
    Liandong__V1__WechatResident w = LIANDONG__V1__WECHAT_RESIDENT__INIT;
    w.openid = (char *)openid;
    w.case_id = case_id;
    wire_msg_t *ans = NULL;
    int rc = resident(req, &w, deadline_ms, &ans);
    if (rc < 0)
        return rc;
    int theirs =
        !error_of(ans) && wire_envelope(ans)->wechat_resident_info->n_cases > 0 &&
        strcmp(wire_envelope(ans)->wechat_resident_info->cases[0]->record->case_id, case_id) == 0;
    wire_free(&ans);
    if (!theirs) {
        *reply = dupf("没有找到您的诉求 %s。", case_id);
        return *reply ? 0 : -ENOMEM;
    }
    /* Recorded as a resident of this account: a digest of the openid, so
     * that the case history (bodies read it) holds no WeChat identifier. */
    const char *parts[] = {openid};
    char digest[WECHAT_SIG_HEX + 1];
    if (wechat_signature(parts, 1, digest) < 0)
        return -EIO;
    char actor[64];
    snprintf(actor, sizeof actor, "resident:wechat-%.12s", digest);
    Liandong__V1__CaseAction a = LIANDONG__V1__CASE_ACTION__INIT;
    a.case_id = case_id;
    a.kind = LIANDONG__V1__CASE_ACTION_KIND__ACTION_RATE;
    a.actor = actor;
    a.rating = (char *)rating;
    envelope_t env = LIANDONG__V1__ENVELOPE__INIT;
    env.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION;
    env.case_action = &a;
    rc = call(req, UPSTREAM_LEDGER, &env, deadline_ms, &ans);
    if (rc < 0)
        return rc;
    const Liandong__V1__Error *e = error_of(ans);
    if (e && e->code == LIANDONG__V1__ERROR_CODE__ERROR_ILLEGAL_TRANSITION)
        *reply = dupf("诉求 %s 现在不能评价：办结后才能评价，且只能评价一次。", case_id);
    else if (e)
        *reply = failure(e);
    else
        *reply = dupf("感谢评价，诉求 %s 已记为“%s”。%s", case_id, word,
                      strcmp(rating, "dissatisfied") == 0 ? "我们将督促重新办理。" : "");
    wire_free(&ans);
    return *reply ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------- dispatch */

/* s without leading and trailing ASCII and full-width spaces (in place). */
static char *trim(char *s)
{
    for (;;) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        else if (strncmp(s, FULL_WIDTH_SPACE, 3) == 0)
            s += 3;
        else
            break;
    }
    size_t n = strlen(s);
    for (;;) {
        if (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
            n--;
        else if (n >= 3 && strncmp(s + n - 3, FULL_WIDTH_SPACE, 3) == 0)
            n -= 3;
        else
            break;
        s[n] = '\0';
    }
    s[n] = '\0';
    return s;
}

/* Full-width spaces as ASCII ones, so "评价　满意　X" splits as typed. */
static void ascii_spaces(char *s)
{
    char *w = s;
    for (const char *r = s; *r;) {
        if (strncmp(r, FULL_WIDTH_SPACE, 3) == 0) {
            *w++ = ' ';
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

static int text_message(const http_request_t *req, const wechat_msg_t *m, int64_t deadline_ms,
                        char **reply)
{
    const char *openid = wechat_msg_get(m, WX_FROM_USER);
    char *copy = strdup(wechat_msg_get(m, WX_CONTENT));
    if (copy == NULL)
        return -ENOMEM;
    char *t = trim(copy);
    int rc;
    if (strncmp(t, "绑定", strlen("绑定")) == 0) {
        rc = bind(req, openid, trim(t + strlen("绑定")), deadline_ms, reply);
    } else if (strcmp(t, "查询") == 0) {
        rc = query(req, openid, deadline_ms, reply);
    } else if (strncmp(t, "评价", strlen("评价")) == 0) {
        char *args = t + strlen("评价");
        ascii_spaces(args);
        rc = rate(req, openid, args, deadline_ms, reply);
    } else if (*t == '\0') {
        *reply = dupf("请用文字描述您的诉求。");
        rc = *reply ? 0 : -ENOMEM;
    } else {
        rc = demand(req, m, deadline_ms, reply);
    }
    free(copy);
    return rc;
}

int wechat_chat(const http_request_t *req, const wechat_msg_t *m, int64_t deadline_ms, char **reply)
{
    *reply = NULL;
    const char *type = wechat_msg_get(m, WX_MSG_TYPE);
    int rc = 0;
    if (*wechat_msg_get(m, WX_FROM_USER) == '\0')
        return 0;
    if (strcmp(type, "text") == 0) {
        if (*wechat_msg_get(m, WX_MSG_ID) == '\0')
            return 0; /* no id to deduplicate WeChat's retries on: not a demand */
        rc = text_message(req, m, deadline_ms, reply);
    } else if (strcmp(type, "event") == 0) {
        const char *ev = wechat_msg_get(m, WX_EVENT), *key = wechat_msg_get(m, WX_EVENT_KEY);
        if (strcmp(ev, "CLICK") == 0 && strncmp(key, BIND_KEY_PREFIX, strlen(BIND_KEY_PREFIX)) == 0)
            rc = bind(req, wechat_msg_get(m, WX_FROM_USER), key + strlen(BIND_KEY_PREFIX),
                      deadline_ms, reply);
        else if (strcmp(ev, "subscribe") == 0)
            *reply = dupf("欢迎！直接发送文字即可反映诉求。\n“绑定 小区名称”：绑定您的小区\n"
                          "“查询”：查看进展\n“评价 满意|基本满意|不满意 编号”：评价办理结果");
    } else {
        *reply = dupf("目前只受理文字诉求，请用文字描述。");
    }
    if (rc == -ETIMEDOUT) {
        /* Not answered in time: "success" now; the message is linked to
         * the resident, so the case, committed meanwhile, is theirs. */
        log_warn(NULL, "wechat: message %s not answered within the budget: \"success\"",
                 wechat_msg_get(m, WX_MSG_ID));
        free(*reply);
        *reply = NULL;
        return 0;
    }
    return rc;
}
