/*
 * http.h - the gateway's HTTP server: libmicrohttpd with a pool of worker
 * threads, synchronous handlers, one route table (gateway_routes.c).
 *
 * How a request is served:
 *   1. Headers arrive. The route is chosen from the method and the path
 *      (http_route_t below); none: 404 (405 when only the method differs).
 *      A Content-Length over the route's max_body is answered 413 before
 *      any byte of the body is read (so are a malformed path or query:
 *      400), and the connection is closed.
 *   2. The body is collected, at most max_body bytes (a chunked body that
 *      grows past it is dropped as it arrives, never stored, and answered
 *      413 when it ends: MHD cannot answer in the middle of an upload).
 *   3. The handler runs on the worker thread that owns the connection. It
 *      may block (it calls the router and the ledger through req->upstream,
 *      whose clients belong to that thread alone) and fills the response.
 * Headers are bounded by MHD's per-connection memory (HTTP_CONN_MEMORY);
 * connections by --http-max-connections; an idle connection is closed after
 * --http-timeout seconds.
 *
 * Writing a handler (the WeChat and console handlers live in their own
 * files and add one line each to gateway_routes.c):
 *
 *   static int on_hello(const http_request_t *req, http_response_t *resp)
 *   {
 *       const char *who = http_query(req, "name");    // NULL when absent
 *       return http_respond_text(resp, 200, "text/plain; charset=utf-8",
 *                                who ? who : "hello");
 *   }
 *
 * A handler returns 0 when it filled resp, or a negative errno: the server
 * then answers 500 with a plain-text body (never the errno's text). The
 * response body is malloc'd and owned by resp (the server frees it).
 */
#ifndef GATEWAY_HTTP_H
#define GATEWAY_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "http_parse.h"

typedef struct gateway gateway_t;   /* gateway.h: configuration shared by handlers */
typedef struct upstream upstream_t; /* upstream.h: this thread's router/ledger clients */

typedef struct {
    const char *method;         /* "GET", "POST", ... */
    const char *path;           /* percent-decoded, without the query ("/open311/v2/x.json") */
    const char *raw_query;      /* after '?', not decoded; "" when none */
    const http_params_t *query; /* the query's parameters, decoded (http_parse.h) */
    const uint8_t *body;        /* the request body, NUL-terminated for convenience */
    size_t body_len;            /* its length (it may contain NULs) */
    const char *peer;           /* the client's address, "127.0.0.1" (for logs) */
    void *conn;                 /* opaque: the MHD connection, for http_header() */
    gateway_t *gateway;
    upstream_t *upstream; /* never NULL in a handler */
} http_request_t;

/* A request header's value (case-insensitive name), or NULL. */
const char *http_header(const http_request_t *req, const char *name);
/* The first value of a query parameter (decoded), or NULL. */
const char *http_query(const http_request_t *req, const char *name);

#define HTTP_MAX_EXTRA_HEADERS 8

typedef struct {
    char *name;
    char *value;
} http_header_t;

typedef struct {
    unsigned status; /* 0 until a handler sets it */
    char content_type[96];
    char *body; /* malloc'd; freed by the server */
    size_t body_len;
    http_header_t headers[HTTP_MAX_EXTRA_HEADERS]; /* Set-Cookie, Location, ... */
    size_t n_headers;
} http_response_t;

/* Sets status and content type and takes ownership of body (malloc'd, may
 * be NULL with len 0). Replaces an earlier body. Returns 0. */
int http_respond(http_response_t *resp, unsigned status, const char *content_type, char *body,
                 size_t len);
/* The same with a copy of a C string. Returns 0 or -ENOMEM. */
int http_respond_text(http_response_t *resp, unsigned status, const char *content_type,
                      const char *text);
/* Adds a response header (both strings copied). Header names and values
 * with CR or LF are refused (-EINVAL: response splitting); more than
 * HTTP_MAX_EXTRA_HEADERS is -ENOSPC. */
int http_add_header(http_response_t *resp, const char *name, const char *value);
void http_response_clear(http_response_t *resp);

typedef int (*http_handler_fn)(const http_request_t *req, http_response_t *resp);

/* A route: method (NULL = any), path prefix, body limit, handler.
 * A prefix ending in '/' matches every path below it ("/console/" matches
 * "/console/cases/1"); another prefix matches itself and the paths under it
 * ("/wechat" matches "/wechat" and "/wechat/x", not "/wechatx"). The first
 * route that matches wins: list longer prefixes first. */
typedef struct {
    const char *method;
    const char *prefix;
    size_t max_body;
    http_handler_fn handler;
} http_route_t;

/* The table, in gateway_routes.c. */
extern const http_route_t gateway_routes[];
extern const size_t gateway_routes_count;

/* 1 when `path` falls under the route's prefix (the rule above). */
int http_route_matches(const http_route_t *r, const char *path);

typedef struct {
    const char *listen;       /* "127.0.0.1:7380" or "[::1]:7380", numeric */
    unsigned threads;         /* worker threads (MHD thread pool), >= 1 */
    unsigned max_connections; /* at once, all workers together */
    unsigned timeout_s;       /* an idle connection is closed after this */
} http_config_t;

#define HTTP_CONN_MEMORY (64u * 1024) /* per connection: request line and headers */

typedef struct http_server http_server_t;

/* Starts listening; handlers run from now on. Each worker thread makes its
 * upstream_t (upstream.h, from gw's settings) the first time it serves a
 * request. */
int http_server_start(const http_config_t *cfg, gateway_t *gw, http_server_t **out);
/* Stops accepting, joins every worker, closes their upstream clients. */
void http_server_stop(http_server_t **s);

#endif
