/*
 * open311_post.c - Open311 POST requests: a resident's report becomes a
 * demand on the api_key's channel, submitted through the router's front
 * door (the router answers once the ledger has committed the case).
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
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "open311.h"
#include "open311_common.h"
#include "open311_services.h"

#define DESCRIPTION_MAX_CHARS 4000
#define MEDIA_URL_MAX 2048
#define ATTRIBUTES_MAX 32
#define ATTRIBUTE_VALUE_MAX 1000

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

int open311_post_request(const http_request_t *req, http_response_t *resp, open311_format_t fmt)
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
    d.received_at_ms = simclock_system_now_ms(); /* the system's clock (issue 11) */
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
