/*
 * open311_common.c - the Open311 endpoints' shared parts (see
 * open311_common.h).
 */
#include "open311_common.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "gateway.h"
#include "log.h"
#include "open311_services.h"
#include "timefmt.h"

int open311_auth(const http_request_t *req, const http_params_t *form, http_response_t *resp,
                 open311_format_t fmt, open311_client_t *out)
{
    const char *key = form ? http_params_get(form, "api_key") : NULL;
    if (key == NULL)
        key = http_query(req, "api_key");
    const char *channel = api_keys_channel(req->gateway->api_keys, key);
    if (channel == NULL ||
        gateway_frontend_identity(req->gateway, channel, out->identity, sizeof out->identity) < 0) {
        /* The key itself is never written anywhere: a log is no place for a
         * secret, even a wrong one (it may be a right one mistyped). */
        log_refusal(LOG_REFUSED_REQUEST, "open311: %s %s from %s: %s api_key", req->method,
                    req->path, req->peer, key == NULL ? "no" : "unknown");
        open311_error(resp, fmt, 403,
                      key == NULL ? "api_key required" : "api_key not valid for this jurisdiction");
        return -EPERM;
    }
    snprintf(out->channel, sizeof out->channel, "%s", channel);
    return 0;
}

static unsigned status_for(Liandong__V1__ErrorCode code)
{
    switch (code) {
    case LIANDONG__V1__ERROR_CODE__ERROR_NOT_FOUND:
        return 404;
    case LIANDONG__V1__ERROR_CODE__ERROR_FORBIDDEN:
        return 403;
    case LIANDONG__V1__ERROR_CODE__ERROR_BAD_REQUEST:
    case LIANDONG__V1__ERROR_CODE__ERROR_MISSING_FIELD:
    case LIANDONG__V1__ERROR_CODE__ERROR_TOO_LARGE:
    case LIANDONG__V1__ERROR_CODE__ERROR_ILLEGAL_TRANSITION:
    case LIANDONG__V1__ERROR_CODE__ERROR_CONFLICT:
        return 400;
    case LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE:
        return 503;
    default:
        return 502;
    }
}

int open311_call(const http_request_t *req, http_response_t *resp, open311_format_t fmt,
                 const open311_client_t *cl, upstream_target_t target, envelope_t *env,
                 Liandong__V1__Envelope__BodyCase want, wire_msg_t **answer)
{
    *answer = NULL;
    wire_msg_t *w = NULL;
    int rc = upstream_call(req->upstream, target, cl->identity, env, &w);
    const char *who = target == UPSTREAM_ROUTER ? "router" : "ledger";
    if (rc == -ETIMEDOUT) {
        log_warn(NULL, "open311: the %s did not answer in time", who);
        open311_error(resp, fmt, 504, "the service did not answer in time; retry");
        return -EIO;
    }
    if (rc < 0) {
        log_error(NULL, "open311: call to the %s as %s failed (%d)", who, cl->identity, rc);
        open311_error(resp, fmt, 502, "the service is unavailable; retry later");
        return -EIO;
    }
    const envelope_t *a = wire_envelope(w);
    if (a->body_case == want) {
        *answer = w;
        return 0;
    }
    if (a->body_case == LIANDONG__V1__ENVELOPE__BODY_ERROR && a->error != NULL) {
        unsigned st = status_for(a->error->code);
        if (st >= 500)
            log_warn(NULL, "open311: the %s answered %s: %s", who,
                     wire_error_code_name(a->error->code), a->error->message);
        open311_error(resp, fmt, st, a->error->message);
    } else {
        open311_error(resp, fmt, 502, "unexpected answer from the service");
    }
    wire_free(&w);
    return -EIO;
}

void open311_datetime(int64_t ms, char *buf, size_t len)
{
    buf[0] = '\0';
    if (ms > 0)
        timefmt_rfc3339(ms - ms % 1000, OPEN311_UTC_OFFSET_S, buf, len);
}

json_t *open311_datetime_json(int64_t ms)
{
    char b[TIMEFMT_RFC3339_MAX];
    open311_datetime(ms, b, sizeof b);
    return *b ? json_string(b) : json_null();
}

int open311_parse_datetime(const char *s, int64_t *ms)
{
    return timefmt_parse_rfc3339(s, ms, NULL);
}

const char *open311_status(const char *state)
{
    return strcmp(state, "resolved") == 0 || strcmp(state, "closed") == 0 ? "closed" : "open";
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

json_t *open311_request_json(const Liandong__V1__ChannelCase *c)
{
    const Liandong__V1__CaseRecord *r = c->record;
    const open311_service_t *svc = open311_service_find(r->category);
    /* status_notes: what the resident is told, the latest word first. */
    const char *notes = *c->resolution_text ? c->resolution_text : c->reply_text;
    json_t *o = json_object();
    json_object_set_new(o, "service_request_id", json_string(r->case_id));
    json_object_set_new(o, "status", json_string(open311_status(r->state)));
    json_object_set_new(o, "status_notes", str_or_null(notes));
    json_object_set_new(o, "service_name", str_or_null(svc ? svc->name : r->category));
    json_object_set_new(o, "service_code", json_string(r->category));
    json_object_set_new(o, "description", str_or_null(r->text));
    json_object_set_new(o, "agency_responsible", str_or_null(c->body_name));
    json_object_set_new(o, "service_notice", json_null());
    json_object_set_new(o, "requested_datetime", open311_datetime_json(r->created_at_ms));
    json_object_set_new(o, "updated_datetime", open311_datetime_json(c->updated_at_ms));
    json_object_set_new(o, "expected_datetime", open311_datetime_json(r->resolve_due_ms));
    json_object_set_new(o, "address", str_or_null(r->address));
    json_object_set_new(o, "address_id", str_or_null(r->compound_code));
    json_object_set_new(o, "zipcode", json_null());
    json_object_set_new(o, "lat", c->has_position ? json_real(c->lat) : json_null());
    json_object_set_new(o, "long", c->has_position ? json_real(c->lon) : json_null());
    json_object_set_new(o, "media_url", str_or_null(c->media_url));
    return o;
}

void open311_hash(const char *const *parts, size_t n, char *out, size_t len)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    out[0] = '\0';
    if (ctx == NULL)
        return;
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
        for (size_t i = 0; i < n; i++)
            /* Each part with its NUL: ("ab","c") and ("a","bc") differ. */
            EVP_DigestUpdate(ctx, parts[i] ? parts[i] : "", strlen(parts[i] ? parts[i] : "") + 1);
        if (EVP_DigestFinal_ex(ctx, d, &dl) == 1)
            for (unsigned i = 0; i < dl && 2 * i + 2 < len; i++)
                snprintf(out + 2 * i, len - 2 * i, "%02x", d[i]);
    }
    EVP_MD_CTX_free(ctx);
}
