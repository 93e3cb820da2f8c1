/*
 * open311_requests.c - Open311 POST requests (a resident's report becomes
 * a demand on the api_key's channel, submitted through the router's front
 * door), GET requests and requests/{id} (read from the ledger: the
 * gateway keeps no case state), and tokens/{token}.
 *
 * Idempotency (a client's retry must not make a second case): the demand's
 * channel_id is derived from the request, and the router and the ledger
 * keep one case per (channel, channel_id) (ROUTING.md section 9):
 *   - a client that sends its own id for the report (client_request_id, an
 *     extension of ours) gets channel_id "o311-" + SHA-256(channel,
 *     account_id, device_id, client_request_id): the same id is the same
 *     report whatever else changed;
 *   - otherwise "o311-" + SHA-256(channel, account_id, device_id, and every
 *     other field of the request but api_key, sorted by name): the same
 *     request sent twice is one case; any field that differs (a new
 *     description, another position) is a new report.
 * The channel_id is also the report's token (tokens/{token}).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway.h"
#include "log.h"
#include "open311.h"
#include "open311_common.h"
#include "open311_services.h"

#define DESCRIPTION_MAX_CHARS 4000
#define MEDIA_URL_MAX 2048
#define ATTRIBUTES_MAX 32
#define ATTRIBUTE_VALUE_MAX 1000
#define REQUEST_IDS_MAX 100

/* Characters (code points) of UTF-8 text; -1 when not UTF-8. */
static long utf8_chars(const char *s)
{
    size_t at = 0;
    if (wire_text_fault(s, strlen(s), (size_t)-1, &at) != WIRE_TEXT_OK)
        return -1;
    long n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

/* A field must be text of at most max bytes (NULL: absent, fine). */
static int bad_field(const char *v, size_t max)
{
    return v != NULL && wire_check_text(v, max) < 0;
}

static int cmp_param(const void *a, const void *b)
{
    const http_param_t *x = *(const http_param_t *const *)a, *y = *(const http_param_t *const *)b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

/* The report's channel_id (see the comment at the top). */
static void report_id(const open311_client_t *cl, const http_params_t *form, char *out, size_t len)
{
    const char *acc = http_params_get(form, "account_id"),
               *dev = http_params_get(form, "device_id");
    const char *own = http_params_get(form, "client_request_id");
    char hex[65];
    if (own != NULL && *own) {
        const char *parts[] = {"own", cl->channel, acc, dev, own};
        open311_hash(parts, 5, hex, sizeof hex);
    } else {
        const http_param_t *sorted[HTTP_PARAMS_MAX] = {NULL};
        size_t n = 0;
        for (size_t i = 0; i < form->count; i++)
            if (strcmp(form->items[i].name, "api_key") != 0)
                sorted[n++] = &form->items[i];
        qsort((void *)sorted, n, sizeof(const http_param_t *), cmp_param);
        const char *parts[2 * HTTP_PARAMS_MAX + 2];
        size_t k = 0;
        parts[k++] = "all";
        parts[k++] = cl->channel;
        for (size_t i = 0; i < n; i++) {
            parts[k++] = sorted[i]->name;
            parts[k++] = sorted[i]->value;
        }
        open311_hash(parts, k, hex, sizeof hex);
    }
    snprintf(out, len, "o311-%.40s", hex);
}

/* attribute[CODE]=VALUE pairs as a JSON object; *emergency when one of the
 * service's yes/no questions about danger now was answered yes. */
static int attributes(const http_params_t *form, char **json, int *emergency, const char **why)
{
    json_t *o = json_object();
    *emergency = 0;
    size_t n = 0;
    for (size_t i = 0; o && i < form->count; i++) {
        const char *name = form->items[i].name, *value = form->items[i].value;
        size_t nl = strlen(name);
        if (strncmp(name, "attribute[", 10) != 0 || nl < 12 || name[nl - 1] != ']')
            continue;
        char code[65];
        if (nl - 11 >= sizeof code || ++n > ATTRIBUTES_MAX ||
            bad_field(value, ATTRIBUTE_VALUE_MAX)) {
            *why = "attribute[...]: at most 32, codes of at most 64 bytes, values of 1,000";
            json_decref(o);
            return -EINVAL;
        }
        memcpy(code, name + 10, nl - 11);
        code[nl - 11] = '\0';
        if (bad_field(code, sizeof code - 1)) {
            *why = "attribute[...]: a code that is not text";
            json_decref(o);
            return -EINVAL;
        }
        json_object_set_new(o, code, json_string(value));
        if ((strcmp(code, "trapped") == 0 || strcmp(code, "ongoing") == 0) &&
            strcmp(value, "yes") == 0)
            *emergency = 1;
    }
    *json = NULL;
    if (o != NULL && json_object_size(o) > 0)
        *json = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return 0;
}

/* "张" + "三" for Chinese names, "Jane Doe" otherwise. */
static void resident_name(const char *first, const char *last, char *out, size_t len)
{
    first = first ? first : "";
    last = last ? last : "";
    int ascii = 1;
    for (const char *p = first; *p; p++)
        ascii &= (unsigned char)*p < 0x80;
    for (const char *p = last; *p; p++)
        ascii &= (unsigned char)*p < 0x80;
    if (ascii)
        snprintf(out, len, "%s%s%s", first, *first && *last ? " " : "", last);
    else
        snprintf(out, len, "%s%s", last, first);
}

static int parse_coordinate(const char *s, double lim, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !isfinite(v) || fabs(v) > lim)
        return -EINVAL;
    *out = v;
    return 0;
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

/* The answer to a POST: the case id, and what happens next in words
 * (the body's name comes with the router's acknowledgement: no second
 * call). */
static int post_answer(http_response_t *resp, open311_format_t fmt,
                       const Liandong__V1__SubmitAck *ack, const char *token, const char *account)
{
    const Liandong__V1__Placement *p = ack->placement;
    const char *body = *ack->body_name ? ack->body_name : p ? p->body_id : "";
    char notice[512];
    if (p != NULL)
        snprintf(notice, sizeof notice, "已转交%s办理，%u小时内答复%s", body, p->reply_due_hours,
                 ack->duplicate ? "（重复提交，已是同一件）" : "");
    else
        snprintf(notice, sizeof notice, "已受理");
    json_t *r = json_pack("{s:s,s:s,s:s,s:o}", "service_request_id", ack->case_id, "token", token,
                          "service_notice", notice, "account_id",
                          account && *account ? json_string(account) : json_null());
    return open311_answer(resp, fmt, 200, json_pack("[o]", r), "service_requests");
}

static int post_request(const http_request_t *req, http_response_t *resp, open311_format_t fmt)
{
    const char *ctype = http_header(req, "Content-Type");
    if (ctype != NULL && strncasecmp(ctype, "application/x-www-form-urlencoded", 33) != 0)
        return bad_request(resp, fmt, "send the fields as application/x-www-form-urlencoded");
    http_params_t *form = calloc(1, sizeof *form);
    if (form == NULL)
        return -ENOMEM;
    int rc = http_params_parse((const char *)req->body, req->body_len, form);
    if (rc < 0) {
        free(form);
        return bad_request(resp, fmt, "malformed form body");
    }
    open311_client_t cl;
    char *attrs = NULL;
    if (open311_auth(req, form, resp, fmt, &cl) < 0)
        goto done;
    const char *code = http_params_get(form, "service_code");
    const char *desc = http_params_get(form, "description");
    const char *addr = http_params_get(form, "address_string");
    const char *addr_id = http_params_get(form, "address_id");
    const char *lat_s = http_params_get(form, "lat"), *lon_s = http_params_get(form, "long");
    const char *media = http_params_get(form, "media_url");
    const char *email = http_params_get(form, "email"), *phone = http_params_get(form, "phone");
    const char *first = http_params_get(form, "first_name"),
               *last = http_params_get(form, "last_name");
    const char *account = http_params_get(form, "account_id");
    const char *why = NULL;
    double lat = 0, lon = 0;
    int has_pos = lat_s != NULL || lon_s != NULL, emergency = 0;
    if (code == NULL || *code == '\0')
        why = "service_code required";
    else if (open311_service_find(code) == NULL)
        why = "no such service_code (see services.xml)";
    else if (desc == NULL || *desc == '\0')
        why = "description required";
    else if (utf8_chars(desc) < 0 || utf8_chars(desc) > DESCRIPTION_MAX_CHARS)
        why = "description: text of at most 4000 characters";
    else if (has_pos && (lat_s == NULL || lon_s == NULL || parse_coordinate(lat_s, 90, &lat) < 0 ||
                         parse_coordinate(lon_s, 180, &lon) < 0))
        why = "lat and long: both, decimal degrees (WGS84)";
    else if (!has_pos && (addr == NULL || *addr == '\0') && (addr_id == NULL || *addr_id == '\0'))
        why = "a location is required: lat and long, address_string or address_id";
    else if (bad_field(addr, 512) || bad_field(addr_id, 128) || bad_field(email, 254) ||
             bad_field(phone, 64) || bad_field(first, 100) || bad_field(last, 100) ||
             bad_field(account, 128) || bad_field(http_params_get(form, "device_id"), 128))
        why = "a field is too long or not text";
    else if (media != NULL && *media &&
             (bad_field(media, MEDIA_URL_MAX) ||
              (strncmp(media, "http://", 7) != 0 && strncmp(media, "https://", 8) != 0)))
        why = "media_url: an http or https URL of at most 2048 bytes";
    else
        attributes(form, &attrs, &emergency, &why);
    if (why != NULL) {
        bad_request(resp, fmt, why);
        goto done;
    }
    char token[64], name[256];
    report_id(&cl, form, token, sizeof token);
    resident_name(first, last, name, sizeof name);
    Liandong__V1__Demand d = LIANDONG__V1__DEMAND__INIT;
    d.channel = cl.channel;
    d.channel_id = token;
    d.text = (char *)desc;
    d.address = (char *)(addr ? addr : "");
    d.compound = (char *)(addr_id ? addr_id : "");
    d.urgency = emergency ? LIANDONG__V1__URGENCY__URGENCY_EMERGENCY
                          : LIANDONG__V1__URGENCY__URGENCY_UNSPECIFIED;
    d.resident_name = name;
    d.resident_phone = (char *)(phone ? phone : "");
    d.resident_email = (char *)(email ? email : "");
    d.has_position = has_pos;
    d.lat = lat;
    d.lon = lon;
    d.media_url = (char *)(media ? media : "");
    d.attributes_json = attrs ? attrs : (char *)"";
    d.service_code = (char *)code;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    d.received_at_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    Liandong__V1__SubmitDemand sd = LIANDONG__V1__SUBMIT_DEMAND__INIT;
    sd.demand = &d;
    envelope_t env = LIANDONG__V1__ENVELOPE__INIT;
    env.body_case = LIANDONG__V1__ENVELOPE__BODY_SUBMIT_DEMAND;
    env.submit_demand = &sd;
    wire_msg_t *w = NULL;
    if (open311_call(req, resp, fmt, &cl, UPSTREAM_ROUTER, &env,
                     LIANDONG__V1__ENVELOPE__BODY_SUBMIT_ACK, &w) == 0) {
        const Liandong__V1__SubmitAck *ack = wire_envelope(w)->submit_ack;
        log_info(ack->case_id, "open311: %s report %s%s", cl.channel, token,
                 ack->duplicate ? " (a repeat: the same case)" : "");
        rc = post_answer(resp, fmt, ack, token, account);
        wire_free(&w);
    }
done:
    free(attrs);
    http_params_free(form);
    free(form);
    return rc < 0 ? rc : 0;
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
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t now = (int64_t)ts.tv_sec * 1000, from = 0, to = 0;
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
        return post_request(req, resp, fmt);
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
