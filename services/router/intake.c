/*
 * intake.c - demands from front-ends: validate, place, have the ledger
 * commit the case, and only then acknowledge (the Titanic contract: an
 * acknowledged demand is on disk). A repeat of the same (channel,
 * channel_id) is answered by the ledger with the case it already has.
 * With --repeat-threshold, a normal demand is first scored against the
 * open cases of its compound and category and joins the closest as a
 * reporter (docs/repeats.md); an emergency never waits for that.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "confidence.h"
#include "demand_check.h"
#include "position.h"
#include "field_limits.h"
#include "identity.h"
#include "log.h"
#include "repeat.h"
#include "router.h"

/* One demand waiting for the ledger. The placement's strings point into
 * the registry or into `explain`; the registry cannot change under it
 * because the protobuf copy is made before the request leaves. */
typedef struct {
    router_t *r;
    rpc_request_t *req;
    Liandong__V1__Placement pb;
    char *cc[PLACE_MAX_CC];
    char *strings[6];
    char *explain;
    char *review_reasons[4];            /* static names (confidence.h), never freed */
    const Liandong__V1__Demand *demand; /* in req's envelope, alive until answered */
    char *compound_name;                /* left out of the texts compared (repeat.h) */
    char *join_case;                    /* the case being joined, NULL when none */
    int calendar_uncovered;             /* deadlines counted Monday-Friday (issue 15) */
} submit_t;

static void submit_free(submit_t *s)
{
    for (size_t i = 0; i < sizeof s->strings / sizeof s->strings[0]; i++)
        free(s->strings[i]);
    for (size_t i = 0; i < PLACE_MAX_CC; i++)
        free(s->cc[i]);
    free(s->explain);
    free(s->compound_name);
    free(s->join_case);
    free(s);
}

/* Copies a placement into the protobuf message the ledger will store. */
static int placement_to_pb(router_t *r, const router_result_t *res, submit_t *s)
{
    const registry_t *reg = r->registry;
    const placement_t *p = &res->place;
    const reg_body_t *body = p->body >= 0 ? registry_body(reg, (size_t)p->body) : NULL;
    const reg_unit_t *unit = p->compound >= 0 ? registry_unit(reg, (size_t)p->compound) : NULL;
    s->strings[0] = strdup(category_name(p->category));
    s->strings[1] = strdup(tier_name(p->tier));
    s->strings[2] = strdup(body ? body->id : "");
    s->strings[3] = strdup(body_kind_name(p->body_kind));
    s->strings[4] = strdup(unit ? unit->code : "");
    for (size_t i = 0; i < 5; i++)
        if (s->strings[i] == NULL)
            return -ENOMEM;
    Liandong__V1__Placement *pb = &s->pb;
    liandong__v1__placement__init(pb);
    pb->category = s->strings[0];
    pb->tier = s->strings[1];
    pb->body_id = s->strings[2];
    pb->body_kind = s->strings[3];
    pb->compound_code = s->strings[4];
    for (size_t i = 0; i < p->n_cc && i < PLACE_MAX_CC; i++) {
        s->cc[i] = strdup(registry_body(reg, (size_t)p->cc[i])->id);
        if (s->cc[i] == NULL)
            return -ENOMEM;
        pb->n_cc++;
    }
    pb->cc = s->cc;
    pb->urgency = p->urgency == URG_EMERGENCY ? LIANDONG__V1__URGENCY__URGENCY_EMERGENCY
                                              : LIANDONG__V1__URGENCY__URGENCY_NORMAL;
    pb->reply_due_hours = (uint32_t)p->reply_due_hours;
    pb->resolve_due_hours = (uint32_t)p->resolve_due_hours;
    pb->confidence_pct = (uint32_t)res->confidence;
    pb->review = res->review != 0;
    const char *why[4];
    pb->n_review_reasons = review_reason_names(res->review, why, 4);
    for (size_t i = 0; i < pb->n_review_reasons; i++)
        s->review_reasons[i] = (char *)why[i]; /* protobuf-c only reads them */
    pb->review_reasons = s->review_reasons;
    /* The exact due moments: a working-day deadline is not "now + hours"
     * when the ledger commits a moment later. */
    pb->reply_due_ms = p->reply_due_ms;
    pb->resolve_due_ms = p->resolve_due_ms;
    pb->reply_clock = (char *)policy_clock_name(p->reply_clock);
    pb->resolve_clock = (char *)policy_clock_name(p->resolve_clock);
    pb->policy = (char *)router_core_policy_name(r->core);
    /* stored on the case and counted on the ledger's /metrics (issue 15) */
    s->calendar_uncovered = (p->deadline_flags & CALENDAR_UNCOVERED) != 0;
    json_t *j = router_result_json(r->core, "", res);
    json_t *ex = j ? json_object_get(j, "explain") : NULL;
    s->explain = ex ? json_dumps(ex, JSON_COMPACT) : NULL;
    json_decref(j);
    pb->explain_json = s->explain ? s->explain : "";
    return 0;
}

int router_authorize(router_t *r, int socket, rpc_request_t *req)
{
    char why[200];
    envelope_t *e = rpc_request_envelope(req);
    const char *user = rpc_request_user(req);
    if (secure_authorize(&r->sec, socket, e, user, why, sizeof why) == 0)
        return 0;
    authz_log_refusal("router", user, wire_body_name(e), why);
    rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_FORBIDDEN, why);
    r->refused++;
    return 1;
}

int router_common_request(router_t *r, rpc_request_t *req)
{
    envelope_t *e = rpc_request_envelope(req);
    if (e->body_case != LIANDONG__V1__ENVELOPE__BODY_PING)
        return 0;
    Liandong__V1__Pong pong = LIANDONG__V1__PONG__INIT;
    pong.service = "router";
    pong.version = r->registry_version;
    /* issue 15: how far the calendar of its policy reaches (0: none loaded,
     * a natural-hours policy) and the placements counted Monday-Friday */
    int first = 0, last = 0;
    calendar_years(r->calendar, &first, &last);
    pong.calendar_last_year = (uint32_t)last;
    pong.calendar_uncovered = r->uncovered;
    envelope_t a = LIANDONG__V1__ENVELOPE__INIT;
    a.body_case = LIANDONG__V1__ENVELOPE__BODY_PONG;
    a.pong = &pong;
    rpc_request_answer(req, &a);
    return 1;
}

/* Returns 0 when the demand is acceptable, else writes what is wrong into
 * why and returns -EINVAL. The check is dry-run's too (demand_check.h):
 * a demand the ledger would refuse is refused here, with the field named. */
static int check_demand(const Liandong__V1__Demand *d, char *why, size_t len)
{
    if (d == NULL) {
        snprintf(why, len, "submit_demand.demand is missing");
        return -EINVAL;
    }
    /* Strings reach us NUL-free: wire_check_fields refused any other. */
    demand_fields_t f = {
        .channel = demand_field(d->channel),
        .channel_id = demand_field(d->channel_id),
        .text = demand_field(d->text),
        .address = demand_field(d->address),
        .compound = demand_field(d->compound),
        .resident_name = demand_field(d->resident_name),
        .resident_phone = demand_field(d->resident_phone),
    };
    if (d->has_position &&
        !(isfinite(d->lat) && isfinite(d->lon) && fabs(d->lat) <= 90 && fabs(d->lon) <= 180)) {
        snprintf(why, len, "submit_demand.demand.lat/lon: degrees within [-90, 90], [-180, 180]");
        return -EINVAL;
    }
    return demand_check(&f, 0, why, len);
}

static void create_case(submit_t *s);

static void on_case_created(int status, wire_msg_t *answer, void *ud)
{
    submit_t *s = ud;
    envelope_t *e = status < 0 ? NULL : wire_envelope(answer);
    if (s->join_case && e && e->body_case == LIANDONG__V1__ENVELOPE__BODY_ERROR && e->error &&
        e->error->code == LIANDONG__V1__ERROR_CODE__ERROR_ILLEGAL_TRANSITION) {
        /* the case closed since the candidates were read: a case of its own */
        free(s->join_case);
        s->join_case = NULL;
        create_case(s);
        return;
    }
    if (e == NULL) {
        /* Not acknowledged: the front-end retries with the same channel id,
         * which is safe because the ledger deduplicates on it. */
        rpc_request_fail(s->req, LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE,
                         status == -ETIMEDOUT ? "the ledger did not confirm in time; retry"
                                              : "the router is shutting down; retry");
        s->r->refused++;
        submit_free(s);
        return;
    }
    if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_CASE_CREATED && e->case_created) {
        Liandong__V1__SubmitAck ack = LIANDONG__V1__SUBMIT_ACK__INIT;
        ack.case_id = e->case_created->case_id;
        ack.duplicate = e->case_created->duplicate;
        ack.placement = e->case_created->placement ? e->case_created->placement : &s->pb;
        int joined = e->case_created->joined;
        if (joined)
            ack.joined_case_id = ack.case_id; /* the front-end names it to its resident */
        Liandong__V1__Placement stored;
        if (!ack.duplicate && !joined && ack.placement != &s->pb) {
            /* The ledger answers with the placement it stored; the review
             * flags of a new case are this decision's (they are kept in its
             * explanation). A shallow copy, so that the unpacked answer
             * never holds a pointer it does not own. A duplicate keeps the
             * first one's placement as stored. */
            stored = *ack.placement;
            stored.confidence_pct = s->pb.confidence_pct;
            stored.review = s->pb.review;
            stored.n_review_reasons = s->pb.n_review_reasons;
            stored.review_reasons = s->pb.review_reasons;
            ack.placement = &stored;
        }
        /* Issue 13: who handles it, in words a front-end can tell the
         * resident (the registry's name; it is not swapped while this
         * callback runs on the loop). */
        int b = s->r->registry ? registry_body_find(s->r->registry, ack.placement->body_id,
                                                    strlen(ack.placement->body_id))
                               : -1;
        ack.body_name = b >= 0 ? registry_body(s->r->registry, (size_t)b)->name : (char *)"";
        envelope_t a = LIANDONG__V1__ENVELOPE__INIT;
        a.body_case = LIANDONG__V1__ENVELOPE__BODY_SUBMIT_ACK;
        a.submit_ack = &ack;
        log_info(ack.case_id, "%s at %s (%s)%s%s", ack.placement->category, ack.placement->body_id,
                 ack.placement->tier, ack.duplicate ? " duplicate" : "", joined ? " joined" : "");
        s->r->placed++;
        /* An attached desk hears of its new case now, not at the next sync
         * (a joined reporter brings the body nothing to deliver). */
        if (!joined) {
            desk_poke(s->r->desks, ack.placement->body_id);
            for (size_t i = 0; i < ack.placement->n_cc; i++)
                desk_poke(s->r->desks, ack.placement->cc[i]);
        }
        rpc_request_answer(s->req, &a);
    } else if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_ERROR && e->error) {
        rpc_request_fail(s->req, e->error->code, e->error->message);
        s->r->refused++;
    } else {
        rpc_request_fail(s->req, LIANDONG__V1__ERROR_CODE__ERROR_INTERNAL,
                         "unexpected answer from the ledger");
        s->r->refused++;
    }
    submit_free(s);
}

/* Asks the ledger to commit the demand as a case of its own. */
static void create_case(submit_t *s)
{
    Liandong__V1__CreateCase cc = LIANDONG__V1__CREATE_CASE__INIT;
    cc.demand = (Liandong__V1__Demand *)s->demand;
    cc.placement = &s->pb;
    cc.calendar_uncovered = s->calendar_uncovered != 0;
    envelope_t out = LIANDONG__V1__ENVELOPE__INIT;
    out.body_case = LIANDONG__V1__ENVELOPE__BODY_CREATE_CASE;
    out.create_case = &cc;
    if (rpc_client_call(s->r->ledger, &out, s->r->ledger_timeout_ms, on_case_created, s) < 0) {
        rpc_request_fail(s->req, LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE,
                         "the ledger cannot take requests now; retry");
        submit_free(s);
    }
}

/* The open cases of the compound and category, scored: joins the closest
 * at or above the threshold, else creates. Matching never fails a demand:
 * without candidates it becomes a case, as it would without matching. */
static void on_candidates(int status, wire_msg_t *answer, void *ud)
{
    submit_t *s = ud;
    envelope_t *e = status < 0 ? NULL : wire_envelope(answer);
    const Liandong__V1__RepeatCandidateList *l =
        e && e->body_case == LIANDONG__V1__ENVELOPE__BODY_REPEAT_CANDIDATE_LIST
            ? e->repeat_candidate_list
            : NULL;
    const char *best = NULL;
    int best_score = 0;
    const char *text = s->demand->text;
    for (size_t i = 0; l && i < l->n_cases; i++) {
        const char *t = l->cases[i]->text;
        int sc = repeat_similarity(text, strlen(text), t, strlen(t), s->compound_name);
        if (sc >= s->r->repeat_threshold && sc > best_score) {
            best_score = sc;
            best = l->cases[i]->case_id;
        }
    }
    if (best == NULL || (s->join_case = strdup(best)) == NULL) {
        create_case(s);
        return;
    }
    log_debug(s->join_case, "repeat scored %d", best_score);
    Liandong__V1__JoinCase jc = LIANDONG__V1__JOIN_CASE__INIT;
    jc.case_id = s->join_case;
    jc.demand = (Liandong__V1__Demand *)s->demand;
    envelope_t out = LIANDONG__V1__ENVELOPE__INIT;
    out.body_case = LIANDONG__V1__ENVELOPE__BODY_JOIN_CASE;
    out.join_case = &jc;
    if (rpc_client_call(s->r->ledger, &out, s->r->ledger_timeout_ms, on_case_created, s) < 0) {
        rpc_request_fail(s->req, LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE,
                         "the ledger cannot take requests now; retry");
        submit_free(s);
    }
}

/* Reads the candidates first when matching is on and the demand may wait
 * for it: a located normal demand. An emergency goes straight to its own
 * case, acknowledged as fast as without matching (docs/repeats.md). */
static void commit_demand(submit_t *s, const router_result_t *res)
{
    router_t *r = s->r;
    if (r->repeat_threshold <= 0 || res->place.urgency == URG_EMERGENCY ||
        *s->pb.compound_code == '\0') {
        create_case(s);
        return;
    }
    const reg_unit_t *unit = registry_unit(r->registry, (size_t)res->place.compound);
    s->compound_name = unit && unit->name ? strdup(unit->name) : NULL;
    Liandong__V1__RepeatCandidates q = LIANDONG__V1__REPEAT_CANDIDATES__INIT;
    q.compound_code = s->pb.compound_code;
    q.category = s->pb.category;
    q.window_hours = r->repeat_window_hours;
    q.limit = REPEAT_CANDIDATES;
    envelope_t out = LIANDONG__V1__ENVELOPE__INIT;
    out.body_case = LIANDONG__V1__ENVELOPE__BODY_REPEAT_CANDIDATES;
    out.repeat_candidates = &q;
    if (rpc_client_call(r->ledger, &out, r->ledger_timeout_ms, on_candidates, s) < 0) {
        rpc_request_fail(s->req, LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE,
                         "the ledger cannot take requests now; retry");
        submit_free(s);
    }
}

static void handle_submit(router_t *r, rpc_request_t *req)
{
    envelope_t *e = rpc_request_envelope(req);
    const Liandong__V1__Demand *d = e->submit_demand ? e->submit_demand->demand : NULL;
    char problem[256];
    if (check_demand(d, problem, sizeof problem) < 0) {
        rpc_request_fail(req,
                         d == NULL ? LIANDONG__V1__ERROR_CODE__ERROR_MISSING_FIELD
                                   : LIANDONG__V1__ERROR_CODE__ERROR_BAD_REQUEST,
                         problem);
        r->refused++;
        return;
    }
    /* A channel's ids belong to the front-ends of that channel: one bound
     * to another channel must not take (squat) them. */
    const char *fe = NULL;
    if (identity_role(rpc_request_user(req), &fe) == ROLE_FRONTEND &&
        authz_frontend_channel(fe) != channel_from_name(d->channel, strlen(d->channel))) {
        snprintf(problem, sizeof problem, "frontend.%.40s may not submit on channel %.16s", fe,
                 d->channel);
        authz_log_refusal("router", rpc_request_user(req), "submit_demand", problem);
        rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_FORBIDDEN, problem);
        r->refused++;
        return;
    }
    if (r->core == NULL) {
        rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE,
                         "no registry loaded yet; import one with `petition registry import`");
        r->refused++;
        return;
    }
    submit_t *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_INTERNAL, "out of memory");
        return;
    }
    s->r = r;
    s->req = req;
    router_demand_t in = {
        .channel = d->channel,
        .text = d->text,
        .address = d->address,
        .compound = d->compound,
        .urgency = d->urgency == LIANDONG__V1__URGENCY__URGENCY_EMERGENCY ? URG_EMERGENCY
                   : d->urgency == LIANDONG__V1__URGENCY__URGENCY_NORMAL  ? URG_NORMAL
                                                                          : URG_UNSET,
        /* the clocks start when the demand was received (ROUTING.md 6) */
        .received_at_ms = d->received_at_ms > 0 ? d->received_at_ms : 0,
    };
    /* Given none, received now: on the system's clock (issue 11), which an
     * accelerated demonstration runs for every service alike. The demand
     * goes to the ledger as it came (no received time recorded). */
    if (in.received_at_ms == 0)
        in.received_at_ms = simclock_now_ms(&r->clock);
    /* Issue 13: a position locates the demand only when it names no
     * compound and gives no address (position.h). */
    if (d->has_position && *d->compound == '\0' && *d->address == '\0') {
        int u = position_nearest_compound(router_core_registry(r->core), d->lat, d->lon,
                                          r->locate_radius_m, NULL);
        if (u >= 0)
            in.compound = registry_unit(router_core_registry(r->core), (size_t)u)->code;
    }
    router_result_t res;
    int rc = router_core_place(r->core, &in, &res);
    if (rc == 0 && (res.place.deadline_flags & CALENDAR_UNCOVERED)) {
        /* Loud, never silent (issue 15): the case is flagged in its
         * explanation too (calendar_uncovered). */
        int first = 0, last = 0;
        calendar_years(r->calendar, &first, &last);
        r->uncovered++;
        log_error(NULL,
                  "deadlines of %s/%s fall in a year the calendar does not cover (%d-%d): counted "
                  "Monday-Friday, holidays ignored (%lu such placements); update "
                  "deploy/calendar/china.tsv (tools/calendar/gen_calendar.mjs)",
                  d->channel, d->channel_id, first, last, r->uncovered);
    }
    if (rc < 0 || placement_to_pb(r, &res, s) < 0) {
        rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_INTERNAL, "placement failed");
        submit_free(s);
        return;
    }
    s->demand = d;
    commit_demand(s, &res);
}

void router_on_front_request(rpc_server_t *srv, rpc_request_t *req, void *ud)
{
    (void)srv;
    router_t *r = ud;
    envelope_t *e = rpc_request_envelope(req);
    if (router_authorize(r, AUTHZ_FRONT, req))
        return;
    if (router_common_request(r, req))
        return;
    if (r->svc.stopping) {
        rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE, "shutting down");
        return;
    }
    if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_SUBMIT_DEMAND) {
        handle_submit(r, req);
        return;
    }
    if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION) {
        router_on_case_action(r, req); /* escalate.c */
        return;
    }
    char msg[128];
    snprintf(msg, sizeof msg, "the front-end socket does not serve %s", wire_body_name(e));
    rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_UNKNOWN_TYPE, msg);
}
