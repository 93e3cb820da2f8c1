/*
 * open311.h - Open311 GeoReport v2 under /open311/v2/ (open311.org's
 * spec, plus mySociety's servicerequestupdates as FixMyStreet uses it).
 *
 * Every path takes a format suffix, ".xml" or ".json"; without one the
 * answer is XML (the spec's default). Errors are always in the spec's
 * shape, in the request's format: errors/error{code, description} with
 * status 400, 403, 404 (405 for a wrong method, 502/504 when the router or
 * the ledger failed or did not answer).
 *
 * Files: open311.c (paths), open311_answer.c (formats and errors),
 * open311_common.c (api_keys, calls, datetimes), open311_services.c
 * (discovery, services), open311_requests.c (POST and GET requests,
 * tokens), open311_updates.c (servicerequestupdates). docs/open311.md
 * describes the service as a client sees it.
 */
#ifndef GATEWAY_OPEN311_H
#define GATEWAY_OPEN311_H

#include <jansson.h>

#include "http.h"

/* The route handler for "/open311/". */
int open311_handle(const http_request_t *req, http_response_t *resp);

/* ---- for the open311_*.c files ---------------------------------------- */

typedef enum { OPEN311_XML = 0, OPEN311_JSON } open311_format_t;

/* Answers `v` (stolen) in `fmt`: JSON as it is, XML as the element `root`
 * (array items named by the spec: services/service, service_requests/
 * request, ...). Returns 0 or -ENOMEM. */
int open311_answer(http_response_t *resp, open311_format_t fmt, unsigned status, json_t *v,
                   const char *root);
/* An error in the spec's shape; `code` is also the HTTP status. */
int open311_error(http_response_t *resp, open311_format_t fmt, unsigned code,
                  const char *description);

/* The spec's endpoints; `arg` is the path segment after the endpoint's
 * name ("LD-..." in requests/LD-....json), or NULL. */
int open311_discovery(const http_request_t *req, http_response_t *resp, open311_format_t fmt);
int open311_services(const http_request_t *req, http_response_t *resp, open311_format_t fmt,
                     const char *code);
/* GET and POST requests, GET requests/{id} (id non-NULL). */
int open311_requests(const http_request_t *req, http_response_t *resp, open311_format_t fmt,
                     const char *id);
int open311_tokens(const http_request_t *req, http_response_t *resp, open311_format_t fmt,
                   const char *token);
/* GET and POST servicerequestupdates. */
int open311_updates(const http_request_t *req, http_response_t *resp, open311_format_t fmt);

#endif
