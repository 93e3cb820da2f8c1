/*
 * escalate.c - escalation and re-dispatch through the router (ROUTING.md
 * section 7, issue 4): a CaseAction ESCALATE or DISPATCH on the front-end
 * socket.
 *
 *   ESCALATE {case_id, text}        from a body (its own case only), an
 *                                   operator or a service (the notifier)
 *   DISPATCH {case_id, target_body} from the dispatch centre or an operator
 *
 * The router reads the case from the ledger (GetCase), computes the new
 * holder (the next rung with place_escalate, or the named body) with its
 * kind, tier and fresh deadlines from the registry, and asks the ledger to
 * record CaseAction{kind, target_body, placement}; the ledger's state table
 * has the last word on who may do what. The new holder's delivery row is
 * written in the same transaction (002_deliveries.sql); the router then
 * pokes its desk so it is pushed at once.
 *
 * The actor always comes from the caller's key (identity.h). Nothing here
 * outlives the request: a router crash loses no escalation that the ledger
 * acknowledged, and one it did not acknowledge was not answered either.
 * The ledger records the action under a request id derived from the
 * caller's key and request id (action_rid.h), so the same request repeated,
 * also after a router restart, is answered as a duplicate of the first
 * instead of moving the case a second rung up.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "action_rid.h"
#include "field_limits.h"
#include "identity.h"
#include "log.h"
#include "router.h"

#define ID_MAX LIMIT_ID_MAX

#define E(x) LIANDONG__V1__ERROR_CODE__ERROR_##x

/* Requests recently taken, by (caller's key, request id): a repeat while
 * the first is still in progress is told to wait, and a repeat of one done
 * is answered at once. In memory only, for this router's life; what makes
 * a repeat a duplicate for good is the derived request id the ledger
 * deduplicates on (action_rid.h). */
#define RECENT_MAX 256
typedef struct {
    char key[2 * ID_MAX + 2]; /* user "\n" request id; "" = free */
    int done;
    char case_id[ID_MAX + 1];
    char new_body[ID_MAX + 1];
    uint64_t seq;
} recent_t;
static recent_t recent[RECENT_MAX];
static size_t recent_next;

static recent_t *recent_find(const char *key)
{
    for (size_t i = 0; i < RECENT_MAX; i++)
        if (recent[i].key[0] != '\0' && strcmp(recent[i].key, key) == 0)
            return &recent[i];
    return NULL;
}

typedef struct {
    router_t *r;
    rpc_request_t *req;
    char key[2 * ID_MAX + 2]; /* into `recent`; "" when not remembered */
    Liandong__V1__CaseActionKind kind;
    char case_id[ID_MAX + 1];
    char actor[ID_MAX + 1];
    char own_body[ID_MAX + 1]; /* a body's key: it may escalate only its own case */
    char target[ID_MAX + 1];   /* DISPATCH: the body chosen by the dispatcher */
    char *text;
    char new_body[ID_MAX + 1];    /* decided once the case is known */
    char rid[ACTION_RID_MAX + 1]; /* recorded under; "" = the router's own */
} escalation_t;

static void escalation_free(escalation_t *x)
{
    recent_t *rc = x->key[0] ? recent_find(x->key) : NULL;
    if (rc != NULL && !rc->done)
        rc->key[0] = '\0'; /* not recorded: a retry is a new attempt */
    free(x->text);
    free(x);
}

/* Remembers a request; answers a repeat itself. Returns 1 when answered. */
static int recent_take(rpc_request_t *req, const char *user, const char *rid, char *key,
                       size_t keylen)
{
    key[0] = '\0';
    size_t ul = strlen(user), rl = strlen(rid);
    if (rl == 0 || ul + rl + 2 > keylen)
        return 0;
    memcpy(key, user, ul);
    key[ul] = '\n';
    memcpy(key + ul + 1, rid, rl + 1);
    recent_t *rc = recent_find(key);
    if (rc != NULL && !rc->done) {
        rpc_request_fail(req, E(UNAVAILABLE), "this request is still in progress; retry");
        return 1;
    }
    if (rc != NULL) {
        Liandong__V1__CaseEvent ev = LIANDONG__V1__CASE_EVENT__INIT;
        ev.seq = rc->seq;
        ev.case_id = rc->case_id;
        ev.body_id = rc->new_body;
        Liandong__V1__CaseActionDone done = LIANDONG__V1__CASE_ACTION_DONE__INIT;
        done.event = &ev;
        done.duplicate = 1;
        envelope_t a = LIANDONG__V1__ENVELOPE__INIT;
        a.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION_DONE;
        a.case_action_done = &done;
        rpc_request_answer(req, &a);
        return 1;
    }
    rc = &recent[recent_next];
    recent_next = (recent_next + 1) % RECENT_MAX;
    memset(rc, 0, sizeof(*rc));
    memcpy(rc->key, key, ul + rl + 2);
    return 0;
}

static void fail(escalation_t *x, Liandong__V1__ErrorCode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(escalation_t *x, Liandong__V1__ErrorCode code, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rpc_request_fail(x->req, code, msg);
    escalation_free(x);
}

static void on_recorded(int status, wire_msg_t *answer, void *ud)
{
    escalation_t *x = ud;
    if (status < 0) {
        /* Unknown outcome: the caller may ask again; the ledger's state
         * table and the holder check keep a body from escalating twice. */
        fail(x, E(UNAVAILABLE), "the ledger did not confirm in time; check the case and retry");
        return;
    }
    envelope_t *e = wire_envelope(answer);
    const Liandong__V1__CaseActionDone *done =
        e->body_case == LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION_DONE ? e->case_action_done : NULL;
    const Liandong__V1__CaseEvent *ev = done != NULL ? done->event : NULL;
    /* A duplicate names the holder the first request chose; the rung
     * computed now, from the case as it is after that, is not it. */
    if (ev != NULL && ev->body_id != NULL && ev->body_id[0] != '\0')
        snprintf(x->new_body, sizeof x->new_body, "%s", ev->body_id);
    recent_t *rc = x->key[0] ? recent_find(x->key) : NULL;
    if (done != NULL && rc != NULL) {
        rc->done = 1;
        snprintf(rc->case_id, sizeof rc->case_id, "%s", x->case_id);
        snprintf(rc->new_body, sizeof rc->new_body, "%s", x->new_body);
        rc->seq = ev != NULL ? ev->seq : 0;
    }
    if (done != NULL) {
        log_info(x->case_id, "%s to %s by %s%s",
                 x->kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_ESCALATE ? "escalated"
                                                                            : "dispatched",
                 x->new_body, x->actor, done->duplicate ? " (a repeat: recorded before)" : "");
        desk_poke(x->r->desks, x->new_body);
    }
    /* Pass the ledger's answer (done or refused) through. */
    rpc_request_answer(x->req, e);
    escalation_free(x);
}

/* Chooses the new holder from the registry; returns NULL or why not. */
static const char *choose(escalation_t *x, const Liandong__V1__CaseRecord *rec, int32_t *body_out)
{
    const registry_t *reg = x->r->registry;
    if (reg == NULL)
        return "no registry loaded yet";
    int32_t compound = -1;
    if (rec->compound_code[0] != '\0') {
        int u = registry_unit_find(reg, rec->compound_code, strlen(rec->compound_code));
        compound = u >= 0 ? u : -1;
    }
    if (x->kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_DISPATCH) {
        int b = registry_body_find(reg, x->target, strlen(x->target));
        if (b < 0)
            return "target_body is not a body of the registry";
        *body_out = b;
        return NULL;
    }
    int cur = registry_body_find(reg, rec->body_id, strlen(rec->body_id));
    if (cur < 0)
        return "the case's holder is not in the registry; dispatch it instead";
    int next = place_escalate(reg, cur, compound);
    if (next < 0)
        return "no rung above the case's holder (already at the city office)";
    *body_out = next;
    return NULL;
}

static void on_case(int status, wire_msg_t *answer, void *ud)
{
    escalation_t *x = ud;
    if (status < 0) {
        fail(x, E(UNAVAILABLE), "the ledger did not answer; retry");
        return;
    }
    envelope_t *e = wire_envelope(answer);
    if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_ERROR && e->error) {
        fail(x, e->error->code, "%s", e->error->message);
        return;
    }
    const Liandong__V1__CaseRecord *rec =
        e->body_case == LIANDONG__V1__ENVELOPE__BODY_CASE_DETAIL && e->case_detail
            ? e->case_detail->record
            : NULL;
    if (rec == NULL) {
        fail(x, E(INTERNAL), "unexpected answer from the ledger");
        return;
    }
    /* A body hands up only what it holds (the ledger checks it too, but a
     * body must not learn where someone else's case would go). */
    if (x->own_body[0] != '\0' && strcmp(rec->body_id, x->own_body) != 0) {
        fail(x, E(FORBIDDEN), "%s does not hold case %s", x->own_body, x->case_id);
        return;
    }
    int32_t b = -1;
    const char *why = choose(x, rec, &b);
    if (why != NULL) {
        fail(x,
             x->r->registry == NULL                                       ? E(UNAVAILABLE)
             : x->kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_DISPATCH ? E(NOT_FOUND)
                                                                          : E(ILLEGAL_TRANSITION),
             "%s", why);
        return;
    }
    const reg_body_t *nb = registry_body(x->r->registry, (size_t)b);
    snprintf(x->new_body, sizeof x->new_body, "%s", nb->id);
    /* Fresh deadlines for the new holder (section 6), from the case's
     * category and urgency; the case keeps its history. */
    int cat = category_from_name(rec->category, strlen(rec->category));
    urgency_t u =
        rec->urgency == LIANDONG__V1__URGENCY__URGENCY_EMERGENCY ? URG_EMERGENCY : URG_NORMAL;
    /* Under the router's policy, as at placement, from the escalation
     * moment (ROUTING.md 6: the new holder's clock starts now). */
    int64_t now_ms = simclock_now_ms(&x->r->clock);
    const policy_t *pol = x->r->policy ? x->r->policy : policy_builtin();
    policy_deadlines_t dl;
    if (policy_deadlines_atc(pol, x->r->calendar, cat >= 0 ? (category_t)cat : CAT_UNCLASSIFIED, u,
                             nb->kind, nb->id, nb->around_the_clock, now_ms, &dl) < 0) {
        fail(x, E(INTERNAL), "no deadlines for the new holder");
        return;
    }

    Liandong__V1__Placement pl = LIANDONG__V1__PLACEMENT__INIT;
    pl.category = rec->category;
    pl.tier = (char *)tier_name(body_kind_tier(nb->kind));
    pl.body_id = x->new_body;
    pl.body_kind = (char *)body_kind_name(nb->kind);
    pl.urgency = rec->urgency;
    pl.reply_due_hours = (uint32_t)dl.reply_hours;
    pl.resolve_due_hours = (uint32_t)dl.resolve_hours;
    pl.reply_due_ms = dl.reply_due_ms;
    pl.resolve_due_ms = dl.resolve_due_ms;
    pl.reply_clock = (char *)policy_clock_name(dl.reply_clock);
    pl.resolve_clock = (char *)policy_clock_name(dl.resolve_clock);
    pl.policy = (char *)policy_name(pol);
    pl.compound_code = rec->compound_code;
    Liandong__V1__CaseAction ca = LIANDONG__V1__CASE_ACTION__INIT;
    ca.case_id = x->case_id;
    ca.kind = x->kind;
    ca.actor = x->actor;
    ca.text = x->text;
    ca.target_body = x->new_body;
    ca.placement = &pl;
    envelope_t out = LIANDONG__V1__ENVELOPE__INIT;
    out.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION;
    out.case_action = &ca;
    int rc = x->rid[0]
                 ? rpc_client_call_as(x->r->ledger, &out, x->rid, x->r->ledger_timeout_ms,
                                      on_recorded, x)
                 : rpc_client_call(x->r->ledger, &out, x->r->ledger_timeout_ms, on_recorded, x);
    if (rc < 0)
        fail(x, E(UNAVAILABLE), "the ledger cannot take requests now; retry");
}

void router_on_case_action(router_t *r, rpc_request_t *req)
{
    const Liandong__V1__CaseAction *a = rpc_request_envelope(req)->case_action;
    if (a == NULL || a->case_id[0] == '\0') {
        rpc_request_fail(req, E(MISSING_FIELD), "missing field: case_id");
        return;
    }
    int escalate = a->kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_ESCALATE;
    if (!escalate && a->kind != LIANDONG__V1__CASE_ACTION_KIND__ACTION_DISPATCH) {
        rpc_request_fail(req, E(UNKNOWN_TYPE),
                         "the front-end socket takes ESCALATE and DISPATCH; other actions go "
                         "to the ledger or the desk socket");
        return;
    }
    if (wire_check_text(a->case_id, ID_MAX) != 0 || wire_check_text(a->text, LIMIT_TEXT_MAX) != 0 ||
        wire_check_text(a->target_body, ID_MAX) != 0) {
        rpc_request_fail(req, E(BAD_REQUEST), "case_id, text or target_body is not valid text");
        return;
    }
    if (!escalate && a->target_body[0] == '\0') {
        rpc_request_fail(req, E(MISSING_FIELD), "missing field: target_body");
        return;
    }
    const char *user = rpc_request_user(req);
    const char *id = NULL;
    role_t role = identity_role(user, &id);
    char key[2 * ID_MAX + 2];
    if (recent_take(req, user, rpc_request_id(req), key, sizeof key))
        return;
    escalation_t *x = calloc(1, sizeof(*x));
    if (x == NULL) {
        recent_t *rc = key[0] ? recent_find(key) : NULL;
        if (rc)
            rc->key[0] = '\0';
        rpc_request_fail(req, E(INTERNAL), "out of memory");
        return;
    }
    memcpy(x->key, key, sizeof x->key);
    /* Without a key (CURVE off) or with a request id outside desk_rid.h's
     * rules, only this router's memory knows the request. */
    if (action_rid_make(user, a->case_id, rpc_request_id(req), x->rid, sizeof x->rid) < 0)
        x->rid[0] = '\0';
    x->r = r;
    x->req = req;
    x->kind = a->kind;
    snprintf(x->case_id, sizeof x->case_id, "%s", a->case_id);
    snprintf(x->target, sizeof x->target, "%s", a->target_body);
    /* Who acts comes from the key: a front-end may not, a body acts as
     * itself, an operator as operator:<name>; a service (the notifier)
     * names no one and acts as itself. */
    int rc = identity_actor(user, a->actor, x->actor, sizeof x->actor);
    if (rc == -EINVAL && role == ROLE_SERVICE) {
        snprintf(x->actor, sizeof x->actor, "%s", user);
        rc = 0;
    }
    /* A staff person of a body (the web desk, issue 14; the router's front
     * socket, issue 11 and ROUTING.md section 10) escalates the body's own
     * cases, as the body's desk does, recorded as that person acting for
     * the body; dispatching stays the dispatch centre's. */
    int staff = role == ROLE_STAFF && escalate && rc == 0;
    if (rc < 0 || (role != ROLE_BODY && role != ROLE_OPERATOR && role != ROLE_SERVICE &&
                   role != ROLE_NONE && !staff)) {
        fail(x, E(FORBIDDEN), "this key may not escalate or dispatch cases");
        return;
    }
    if (role == ROLE_BODY || staff || (role == ROLE_NONE && strchr(x->actor, ':') == NULL))
        snprintf(x->own_body, sizeof x->own_body, "%s", x->actor);
    if (staff)
        snprintf(x->actor, sizeof x->actor, "%s", user);
    if (!escalate)
        x->own_body[0] = '\0'; /* the dispatch centre dispatches what it does not hold */
    x->text = strdup(a->text);
    if (x->text == NULL) {
        fail(x, E(INTERNAL), "out of memory");
        return;
    }
    if (r->svc.stopping) {
        fail(x, E(UNAVAILABLE), "shutting down");
        return;
    }
    Liandong__V1__GetCase gc = LIANDONG__V1__GET_CASE__INIT;
    gc.case_id = x->case_id;
    gc.actor = "service:router"; /* reading for itself; personal data unused */
    envelope_t out = LIANDONG__V1__ENVELOPE__INIT;
    out.body_case = LIANDONG__V1__ENVELOPE__BODY_GET_CASE;
    out.get_case = &gc;
    if (rpc_client_call(r->ledger, &out, r->ledger_timeout_ms, on_case, x) < 0)
        fail(x, E(UNAVAILABLE), "the ledger cannot take requests now; retry");
}
