/*
 * open311_requests.c - Open311 GET requests and requests/{id} (read from
 * the ledger: the gateway keeps no case state), tokens/{token}, and the
 * requests endpoint's dispatch (POST: open311_post.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "open311.h"
#include "open311_common.h"
#include "open311_services.h"

#define REQUEST_IDS_MAX 100

/* A field must be text of at most max bytes (NULL: absent, fine). */
static int bad_field(const char *v, size_t max)
{
    return v != NULL && wire_check_text(v, max) < 0;
}

/* The ledger's view of a case of the client's channel, by case id or by
 * channel_id (token). 0 with *w, or the failure answered (-EIO). */
static int fetch_cases(const http_request_t *req, http_response_t *resp, open311_format_t fmt,
                       const open311_client_t *cl, Liandong__V1__ChannelCasesQuery *q,
                       wire_msg_t **w)
{
    envelope_t env = LIANDONG__V1__ENVELOPE__INIT;
    env.body_case = LIANDONG__V1__ENVELOPE__BODY_CHANNEL_CASES_QUERY;
    env.channel_cases_query = q;
    return open311_call(req, resp, fmt, cl, UPSTREAM_LEDGER, &env,
                        LIANDONG__V1__ENVELOPE__BODY_CHANNEL_CASE_LIST, w);
}

static int bad_request(http_response_t *resp, open311_format_t fmt, const char *why)
{
    return open311_error(resp, fmt, 400, why);
}

/* Splits "a,b,c" into at most max items (pointers into buf). */
static size_t split_ids(char *buf, char **items, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
        if (*t)
            items[n++] = t;
    return n;
}

static int list_answer(http_response_t *resp, open311_format_t fmt, wire_msg_t *w)
{
    const Liandong__V1__ChannelCaseList *l = wire_envelope(w)->channel_case_list;
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n_cases; i++)
        json_array_append_new(a, open311_request_json(l->cases[i]));
    return open311_answer(resp, fmt, 200, a, "service_requests");
}

static int get_requests(const http_request_t *req, http_response_t *resp, open311_format_t fmt,
                        const char *one)
{
    open311_client_t cl;
    if (open311_auth(req, NULL, resp, fmt, &cl) < 0)
        return 0;
    Liandong__V1__ChannelCasesQuery q = LIANDONG__V1__CHANNEL_CASES_QUERY__INIT;
    char idbuf[4096];
    char *ids[REQUEST_IDS_MAX];
    const char *list = one ? one : http_query(req, "service_request_id");
    if (list != NULL) {
        if (strlen(list) >= sizeof idbuf)
            return bad_request(resp, fmt, "service_request_id: too many ids");
        snprintf(idbuf, sizeof idbuf, "%s", list);
        q.n_case_ids = split_ids(idbuf, ids, REQUEST_IDS_MAX);
        q.case_ids = ids;
        if (q.n_case_ids == 0)
            return bad_request(resp, fmt, "service_request_id: no id");
    } else {
        /* The spec's filters; the window is at most 90 days (the last 90
         * when none is given). */
        const char *code = http_query(req, "service_code"), *status = http_query(req, "status");
        const char *start = http_query(req, "start_date"), *end = http_query(req, "end_date");
        /* whole seconds on the system's clock (issue 11) */
        int64_t now = simclock_system_now_ms() / 1000 * 1000, from = 0, to = 0;
        const int64_t window = (int64_t)OPEN311_WINDOW_DAYS * 86400 * 1000;
        if ((start && open311_parse_datetime(start, &from) < 0) ||
            (end && open311_parse_datetime(end, &to) < 0))
            return bad_request(resp, fmt,
                               "start_date and end_date: W3C datetimes with a time zone");
        if (!end)
            to = start ? from + window : now + 1000;
        if (!start)
            from = to - window;
        if (to < from || to - from > window)
            return bad_request(resp, fmt, "start_date to end_date: at most 90 days");
        if (code && open311_service_find(code) == NULL)
            return bad_request(resp, fmt, "no such service_code (see services.xml)");
        if (status && strcmp(status, "open") != 0 && strcmp(status, "closed") != 0)
            return bad_request(resp, fmt, "status: open or closed");
        q.category = (char *)(code ? code : "");
        q.status = (char *)(status ? status : "");
        q.from_ms = from > 0 ? from : 1;
        q.to_ms = to;
        q.limit = OPEN311_MAX_RESULTS;
    }
    wire_msg_t *w = NULL;
    if (fetch_cases(req, resp, fmt, &cl, &q, &w) < 0)
        return 0;
    int rc;
    if (one != NULL && wire_envelope(w)->channel_case_list->n_cases == 0)
        rc = open311_error(resp, fmt, 404, "no such service_request_id on this api_key's channel");
    else
        rc = list_answer(resp, fmt, w);
    wire_free(&w);
    return rc;
}

static int get_token(const http_request_t *req, http_response_t *resp, open311_format_t fmt,
                     const char *token)
{
    open311_client_t cl;
    if (open311_auth(req, NULL, resp, fmt, &cl) < 0)
        return 0;
    if (bad_field(token, 128))
        return bad_request(resp, fmt, "token: not a token");
    char *ids[1] = {(char *)token};
    Liandong__V1__ChannelCasesQuery q = LIANDONG__V1__CHANNEL_CASES_QUERY__INIT;
    q.channel_ids = ids;
    q.n_channel_ids = 1;
    wire_msg_t *w = NULL;
    if (fetch_cases(req, resp, fmt, &cl, &q, &w) < 0)
        return 0;
    const Liandong__V1__ChannelCaseList *l = wire_envelope(w)->channel_case_list;
    int rc;
    if (l->n_cases == 0) {
        rc = open311_error(resp, fmt, 404, "no such token on this api_key's channel");
    } else {
        json_t *r = json_pack("{s:s,s:s}", "service_request_id", l->cases[0]->record->case_id,
                              "token", token);
        rc = open311_answer(resp, fmt, 200, json_pack("[o]", r), "service_requests");
    }
    wire_free(&w);
    return rc;
}

int open311_requests(const http_request_t *req, http_response_t *resp, open311_format_t fmt,
                     const char *id)
{
    if (strcmp(req->method, "POST") == 0) {
        if (id != NULL)
            return open311_error(resp, fmt, 405, "POST requests, not requests/{id}");
        return open311_post_request(req, resp, fmt);
    }
    return get_requests(req, resp, fmt, id);
}

int open311_tokens(const http_request_t *req, http_response_t *resp, open311_format_t fmt,
                   const char *token)
{
    if (token == NULL)
        return open311_error(resp, fmt, 404, "tokens/{token}");
    return get_token(req, resp, fmt, token);
}
