/*
 * open311_common.h - what the Open311 endpoints share: the api_key check
 * (which channel, which key the gateway then acts with), calls to the
 * router and the ledger with their failures in the spec's error shape,
 * W3C datetimes, and a case as the spec's "request".
 */
#ifndef GATEWAY_OPEN311_COMMON_H
#define GATEWAY_OPEN311_COMMON_H

#include <stdint.h>

#include "api_keys.h"
#include "curve.h"
#include "http_parse.h"
#include "open311.h"
#include "upstream.h"
#include "wire.h"

/* W3C datetimes are written at this offset (China Standard Time). */
#define OPEN311_UTC_OFFSET_S (8 * 3600)
/* GET requests: the window when none is given, and the widest allowed. */
#define OPEN311_WINDOW_DAYS 90
#define OPEN311_MAX_RESULTS 1000

typedef struct {
    char channel[API_KEY_CHANNEL_MAX];
    char identity[CURVE_USER_MAX]; /* the front-end key to act with */
} open311_client_t;

/* The api_key of the request (form field, else query parameter) names the
 * channel. 0, or the 403 answered (logged, without the key) and -EPERM. */
int open311_auth(const http_request_t *req, const http_params_t *form, http_response_t *resp,
                 open311_format_t fmt, open311_client_t *out);

/* Calls the router or the ledger as the client's front-end. Returns 0 with
 * *answer holding the `want` body, or answers resp with the failure in the
 * spec's shape (404 NOT_FOUND, 403 FORBIDDEN, 400 BAD_REQUEST and the like,
 * 503 unavailable, 504 timeout, 502 otherwise) and returns -EIO. */
int open311_call(const http_request_t *req, http_response_t *resp, open311_format_t fmt,
                 const open311_client_t *cl, upstream_target_t target, envelope_t *env,
                 Liandong__V1__Envelope__BodyCase want, wire_msg_t **answer);

/* "2026-12-07T18:30:00+08:00" (seconds) into buf (>= 40 bytes); "" for 0. */
void open311_datetime(int64_t ms, char *buf, size_t len);
/* The value as a JSON string, or null for 0. */
json_t *open311_datetime_json(int64_t ms);
/* A W3C datetime with an offset; 0 or -EINVAL. */
int open311_parse_datetime(const char *s, int64_t *ms);

/* A case as the spec's request (GET requests). */
json_t *open311_request_json(const Liandong__V1__ChannelCase *c);
/* "open" or "closed". */
const char *open311_status(const char *state);

/* Hex SHA-256 of the NUL-separated parts (at most 64 hex digits kept:
 * out >= 65 bytes). */
void open311_hash(const char *const *parts, size_t n, char *out, size_t len);

#endif
