/*
 * open311_updates.c - mySociety's service request updates, as FixMyStreet
 * uses them:
 *   GET servicerequestupdates: every reply, resolution, return, escalation
 *     and reopen of the api_key's channel's cases between start_date and
 *     end_date (at most 90 days; the last 24 hours when neither is given),
 *     read from the ledger (ChannelUpdatesQuery, the same thing a ZeroMQ
 *     front-end polls). update_id is the event's sequence number: stable,
 *     increasing, never reused.
 *   POST servicerequestupdates: the resident's comment (description) goes
 *     into the case's history (CaseComment); a rating (our extension:
 *     rating=satisfied|basically_satisfied|dissatisfied, or 满意, 基本满意,
 *     不满意) is relayed as the front-end's rating of the case, the path
 *     every channel's ratings take (CaseAction RATE; a dissatisfied rating
 *     reopens it, ROUTING.md section 8). A retry records nothing new: the
 *     comment's key and the rating's request id are the client's update_id
 *     when it sends one, else a hash of the update.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "open311.h"
#include "open311_common.h"

#define COMMENT_MAX_CHARS 4000
#define UPDATES_DEFAULT_MS (24LL * 3600 * 1000)

/* FixMyStreet's status words for what happened. */
static const char *fms_status(const char *kind)
{
    if (strcmp(kind, "reply") == 0)
        return "IN_PROGRESS";
    if (strcmp(kind, "resolution") == 0)
        return "FIXED";
    if (strcmp(kind, "return") == 0 || strcmp(kind, "escalation") == 0)
        return "INTERNAL_REFERRAL";
    return "OPEN"; /* reopen */
}

static int get_updates(const http_request_t *req, http_response_t *resp, open311_format_t fmt)
{
    open311_client_t cl;
    if (open311_auth(req, NULL, resp, fmt, &cl) < 0)
        return 0;
    const char *start = http_query(req, "start_date"), *end = http_query(req, "end_date");
    /* whole seconds on the system's clock (issue 11) */
    int64_t now = simclock_system_now_ms() / 1000 * 1000, from = 0, to = 0;
    const int64_t window = (int64_t)OPEN311_WINDOW_DAYS * 86400 * 1000;
    if ((start && open311_parse_datetime(start, &from) < 0) ||
        (end && open311_parse_datetime(end, &to) < 0))
        return open311_error(resp, fmt, 400,
                             "start_date and end_date: W3C datetimes with a time zone");
    if (!end)
        to = now + 1000;
    if (!start)
        from = to - UPDATES_DEFAULT_MS;
    if (to < from || to - from > window)
        return open311_error(resp, fmt, 400, "start_date to end_date: at most 90 days");
    Liandong__V1__ChannelUpdatesQuery q = LIANDONG__V1__CHANNEL_UPDATES_QUERY__INIT;
    q.since_ms = from > 0 ? from : 0;
    q.limit = OPEN311_MAX_RESULTS;
    envelope_t env = LIANDONG__V1__ENVELOPE__INIT;
    env.body_case = LIANDONG__V1__ENVELOPE__BODY_CHANNEL_UPDATES_QUERY;
    env.channel_updates_query = &q;
    wire_msg_t *w = NULL;
    if (open311_call(req, resp, fmt, &cl, UPSTREAM_LEDGER, &env,
                     LIANDONG__V1__ENVELOPE__BODY_CHANNEL_UPDATE_LIST, &w) < 0)
        return 0;
    const Liandong__V1__ChannelUpdateList *l = wire_envelope(w)->channel_update_list;
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n_updates; i++) {
        const Liandong__V1__ChannelUpdate *u = l->updates[i];
        if (u->at_ms >= to)
            break; /* in seq order, which is commit order: later ones follow */
        char id[32];
        snprintf(id, sizeof id, "%llu", (unsigned long long)u->update_id);
        json_t *o = json_object();
        json_object_set_new(o, "update_id", json_string(id));
        json_object_set_new(o, "service_request_id", json_string(u->case_id));
        json_object_set_new(o, "status", json_string(fms_status(u->kind)));
        json_object_set_new(o, "external_status_code", json_string(u->kind));
        json_object_set_new(o, "updated_datetime", open311_datetime_json(u->at_ms));
        json_object_set_new(o, "description", json_string(u->note));
        json_object_set_new(o, "agency_responsible",
                            *u->body_name ? json_string(u->body_name) : json_null());
        json_object_set_new(o, "media_url", json_null());
        json_array_append_new(a, o);
    }
    wire_free(&w);
    return open311_answer(resp, fmt, 200, a, "service_request_updates");
}

/* Our rating words from the client's (English or Chinese). */
static const char *rating_of(const char *s)
{
    static const char *const map[][2] = {
        {"satisfied", "satisfied"},          {"basically_satisfied", "basically_satisfied"},
        {"dissatisfied", "dissatisfied"},    {"满意", "satisfied"},
        {"基本满意", "basically_satisfied"}, {"不满意", "dissatisfied"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(s, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

static int answer_update(http_response_t *resp, open311_format_t fmt, uint64_t seq)
{
    char id[32];
    snprintf(id, sizeof id, "%llu", (unsigned long long)seq);
    return open311_answer(resp, fmt, 200, json_pack("[{s:s}]", "update_id", id),
                          "service_request_updates");
}

static int post_update(const http_request_t *req, http_response_t *resp, open311_format_t fmt)
{
    http_params_t *form = calloc(1, sizeof *form);
    if (form == NULL)
        return -ENOMEM;
    if (http_params_parse((const char *)req->body, req->body_len, form) < 0) {
        free(form);
        return open311_error(resp, fmt, 400, "malformed form body");
    }
    open311_client_t cl;
    if (open311_auth(req, form, resp, fmt, &cl) < 0)
        goto done;
    const char *case_id = http_params_get(form, "service_request_id");
    const char *desc = http_params_get(form, "description");
    const char *rating_s = http_params_get(form, "rating");
    const char *client_id = http_params_get(form, "update_id");
    const char *rating = rating_s ? rating_of(rating_s) : NULL;
    desc = desc ? desc : "";
    const char *why = NULL;
    if (case_id == NULL || *case_id == '\0' || wire_check_text(case_id, 128) < 0)
        why = "service_request_id required";
    else if (rating_s != NULL && rating == NULL)
        why = "rating: satisfied, basically_satisfied or dissatisfied (满意, 基本满意, 不满意)";
    else if (*desc == '\0' && rating == NULL)
        why = "description (a comment) or rating required";
    else if (wire_check_text(desc, COMMENT_MAX_CHARS * 4) < 0 ||
             (client_id && wire_check_text(client_id, 64) < 0))
        why = "description: text of at most 4000 characters; update_id: at most 64 bytes";
    if (why != NULL) {
        open311_error(resp, fmt, 400, why);
        goto done;
    }
    char key[80];
    if (client_id && *client_id) {
        const char *parts[] = {"client", cl.channel, case_id, client_id};
        open311_hash(parts, 4, key, sizeof key);
    } else {
        const char *parts[] = {
            "update", cl.channel,           case_id,
            desc,     rating ? rating : "", http_params_get(form, "updated_datetime")};
        open311_hash(parts, 6, key, sizeof key);
    }
    uint64_t seq = 0;
    wire_msg_t *w = NULL;
    if (rating != NULL) {
        char rid[96];
        snprintf(rid, sizeof rid, "o311-rate-%.40s", key);
        Liandong__V1__CaseAction a = LIANDONG__V1__CASE_ACTION__INIT;
        a.case_id = (char *)case_id;
        a.kind = LIANDONG__V1__CASE_ACTION_KIND__ACTION_RATE;
        a.rating = (char *)rating;
        a.text = (char *)desc;
        /* The front-end relays its resident's rating: the lifecycle lets a
         * resident rate (case_state.c), recorded as the front-end's key
         * for the resident (docs/roles.md). */
        a.actor = (char *)"resident:open311";
        envelope_t env = LIANDONG__V1__ENVELOPE__INIT;
        env.request_id = rid;
        env.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION;
        env.case_action = &a;
        if (open311_call(req, resp, fmt, &cl, UPSTREAM_LEDGER, &env,
                         LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION_DONE, &w) < 0)
            goto done;
        const Liandong__V1__CaseActionDone *d = wire_envelope(w)->case_action_done;
        seq = d->event ? d->event->seq : 0;
        log_info(case_id, "open311: %s relayed a rating (%s)%s", cl.channel, rating,
                 d->duplicate ? ", a repeat" : "");
        wire_free(&w);
    }
    if (*desc) {
        Liandong__V1__CaseComment c = LIANDONG__V1__CASE_COMMENT__INIT;
        c.case_id = (char *)case_id;
        c.text = (char *)desc;
        c.idempotency_key = key;
        envelope_t env = LIANDONG__V1__ENVELOPE__INIT;
        env.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_COMMENT;
        env.case_comment = &c;
        if (open311_call(req, resp, fmt, &cl, UPSTREAM_LEDGER, &env,
                         LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION_DONE, &w) < 0)
            goto done;
        const Liandong__V1__CaseActionDone *d = wire_envelope(w)->case_action_done;
        seq = d->event ? d->event->seq : seq;
        wire_free(&w);
    }
    answer_update(resp, fmt, seq);
done:
    http_params_free(form);
    free(form);
    return 0;
}

int open311_updates(const http_request_t *req, http_response_t *resp, open311_format_t fmt)
{
    if (strcmp(req->method, "POST") == 0)
        return post_update(req, resp, fmt);
    return get_updates(req, resp, fmt);
}
