/*
 * req_wechat.c - WechatResident (handler of the table in handler.h): the
 * WeChat front-end's residents (issue 13). One request binds a resident
 * (openid) to a compound, links a message of theirs (its MsgId: the wechat
 * case of that channel id is theirs), and reads their binding and cases,
 * in that order and in one transaction, so that one callback costs one
 * round trip per step it needs. Tables: deploy/schema/015_wechat_binding.sql.
 *
 * Only a front-end of channel wechat may send it (authz.c lets front-ends
 * through; the channel is checked here), and it reads only cases that came
 * in on channel wechat: the hotline's gateway cannot read or claim a WeChat
 * resident's cases.
 */
#include <errno.h>
#include <string.h>

#include "case_model.h"
#include "handler.h"
#include "ledger_clock.h"
#include "identity.h"

#define WECHAT_CHANNEL "wechat"
#define WECHAT_CASES_MAX_SQL "20" /* the list's length (proto: at most 20) */

static const db_stmt_t stmts[] = {
    /* $1 openid $2 compound name or code ('' reads the binding only).
     * A code wins over a name; of compounds sharing a name, the smallest
     * code. Returns (named a compound, bound code, its name). */
    {"wechat_bind",
     "WITH u AS (SELECT code FROM units WHERE kind = 'compound' AND $2 <> ''"
     "   AND (code = $2 OR name = $2) ORDER BY (code = $2) DESC, code LIMIT 1),"
     " ins AS (INSERT INTO wechat_bindings (openid, compound_code) SELECT $1, code FROM u"
     "   ON CONFLICT (openid) DO UPDATE SET compound_code = EXCLUDED.compound_code,"
     "   bound_at = " LD_NOW_SQL " RETURNING compound_code)"
     " SELECT EXISTS (SELECT 1 FROM u), x.code, COALESCE(n.name, '')"
     " FROM (SELECT COALESCE((SELECT compound_code FROM ins),"
     "   (SELECT compound_code FROM wechat_bindings WHERE openid = $1)) AS code) x"
     " LEFT JOIN units n ON n.code = x.code",
     2},
    /* $1 openid $2 MsgId ('' none): a message is its first resident's
     * (WeChat's retries of it change nothing; another openid claiming it
     * neither). */
    {"wechat_link",
     "INSERT INTO wechat_messages (msg_id, openid) SELECT $2, $1 WHERE $2 <> ''"
     " ON CONFLICT (msg_id) DO NOTHING",
     2},
    /* $1 openid $2 list ('t'/'f') $3 asked-about case: the cases of the
     * resident's messages, that one first, then open and resolved ones
     * newest first; with the holder's name and the latest answer. */
    {"wechat_cases",
     "SELECT " CASE_COLS ", COALESCE(b.name, ''),"
     " COALESCE((SELECT e.note FROM case_events e WHERE e.case_id = c.case_id"
     "   AND e.kind IN ('" CASE_EVENT_REPLIED "', '" CASE_EVENT_RESOLVED "')"
     "   ORDER BY e.seq DESC LIMIT 1), '')"
     " FROM wechat_messages w JOIN cases c"
     "   ON c.channel = '" WECHAT_CHANNEL "' AND c.channel_id = w.msg_id"
     " LEFT JOIN bodies b ON b.id = c.body_id"
     " WHERE w.openid = $1 AND (c.case_id = $3"
     "   OR ($2::bool AND c.state <> '" CASE_STATE_CLOSED "'))"
     " ORDER BY (c.case_id = $3) DESC, c.case_no DESC LIMIT " WECHAT_CASES_MAX_SQL,
     3},
};

/* An openid: WeChat's are 28 characters of [A-Za-z0-9_-]. */
static int bad_openid(ledger_job_t *j, const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > LEDGER_ID_MAX) {
        ledger_job_fail(j, E(BAD_REQUEST), "openid must be 1 to %d characters", LEDGER_ID_MAX);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-')) {
            ledger_job_fail(j, E(BAD_REQUEST),
                            "openid holds a character other than A-Z a-z 0-9 _ -");
            return 1;
        }
    }
    return 0;
}

static int validate(ledger_job_t *j)
{
    const Liandong__V1__WechatResident *w = j->req->wechat_resident;
    /* Residents of the WeChat account are the WeChat front-end's alone:
     * another channel's front-end could otherwise read or claim them. */
    if (identity_role(j->user, NULL) != ROLE_NONE) {
        char channel[LEDGER_ID_MAX + 1];
        if (identity_role(j->user, NULL) != ROLE_FRONTEND ||
            identity_frontend_channel(j->user, channel, sizeof channel) < 0 ||
            strcmp(channel, WECHAT_CHANNEL) != 0) {
            ledger_job_fail(j, E(FORBIDDEN), "only the %s front-end reads its residents",
                            WECHAT_CHANNEL);
            return -EPERM;
        }
    }
    if (ledger_job_missing(j, w->openid, "openid") || bad_openid(j, w->openid) ||
        ledger_job_bad_text(j, w->bind_compound, "bind_compound", LIMIT_REGISTRY_NAME_MAX) ||
        ledger_job_bad_text(j, w->link_msg_id, "link_msg_id", LIMIT_CHANNEL_ID_MAX) ||
        ledger_job_bad_text(j, w->case_id, "case_id", LEDGER_ID_MAX))
        return -EINVAL;
    j->actor = ledger_job_actor(j, "");
    if (j->actor == NULL)
        j->actor = "";
    return 0;
}

static int send(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__WechatResident *w = j->req->wechat_resident;
    const char **v = j->params;
    v[0] = w->openid;
    v[1] = w->bind_compound;
    if (ledger_job_send(db, j, "wechat_bind", 2, v) < 0)
        return -ENOTCONN;
    v[1] = w->link_msg_id;
    if (ledger_job_send(db, j, "wechat_link", 2, v) < 0)
        return -ENOTCONN;
    v[1] = w->list_cases ? "t" : "f";
    v[2] = w->case_id;
    return ledger_job_send(db, j, "wechat_cases", 3, v);
}

static int answer(ledger_job_t *j)
{
    const Liandong__V1__WechatResident *w = j->req->wechat_resident;
    const PGresult *b = j->res[0], *cs = j->res[2];
    Liandong__V1__WechatResidentInfo *info = ledger_job_alloc(j, sizeof(*info));
    liandong__v1__wechat_resident_info__init(info);
    if (PQntuples(b) == 1) {
        info->compound_code = ledger_col_str(j, b, 0, 1);
        info->compound_name = ledger_col_str(j, b, 0, 2);
        info->bound_now = *w->bind_compound && ledger_col_bool(b, 0, 0);
    }
    if (*w->bind_compound && !info->bound_now) {
        ledger_job_fail(j, E(NOT_FOUND), "no compound named %.64s", w->bind_compound);
        return -ENOENT;
    }
    int n = PQntuples(cs);
    info->cases = ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__WechatCase *));
    for (int i = 0; i < n; i++) {
        Liandong__V1__WechatCase *c = ledger_job_alloc(j, sizeof(*c));
        liandong__v1__wechat_case__init(c);
        c->record = ledger_job_record(j, cs, i, j->actor);
        c->body_name = ledger_col_str(j, cs, i, NCASE_COLS);
        c->last_reply = ledger_col_str(j, cs, i, NCASE_COLS + 1);
        info->cases[info->n_cases++] = c;
    }
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_WECHAT_RESIDENT_INFO;
    j->answer.wechat_resident_info = info;
    return 0;
}

const ledger_handler_t ledger_req_wechat_resident = {
    .name = "WechatResident",
    .body = LIANDONG__V1__ENVELOPE__BODY_WECHAT_RESIDENT,
    .stmts = stmts,
    .n_stmts = sizeof stmts / sizeof stmts[0],
    .validate = validate,
    .decide = ledger_decide_nothing,
    .send = send,
    .answer = answer,
};
