/*
 * http.c - the gateway's HTTP server on libmicrohttpd (see http.h).
 *
 * MHD runs a pool of worker threads (MHD_OPTION_THREAD_POOL_SIZE); each
 * connection stays on one of them, and its handler runs there,
 * synchronously. A handler blocks its worker while it waits for the
 * router or the ledger (bounded by the upstream timeout); the other
 * workers go on. Per-request state is made in the URI callback (MHD's
 * first look at a request, with the raw URI) and freed in the completion
 * callback, whatever happened in between.
 */
#include "http.h"
#include "listen_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "gateway.h"
#include "log.h"
#include "upstream.h"

#define HTTP_MAX_WORKERS 256

struct http_server {
    struct MHD_Daemon *daemon;
    gateway_t *gw;
    pthread_mutex_t lock; /* guards workers[] */
    upstream_t *workers[HTTP_MAX_WORKERS];
    unsigned n_workers;
};

/* This thread's clients; made on its first request, freed by stop. */
static _Thread_local upstream_t *tl_upstream;

typedef enum { PHASE_NEW = 0, PHASE_BODY, PHASE_REFUSED } phase_t;

typedef struct {
    phase_t phase;
    char *uri;  /* raw, as received */
    char *path; /* decoded */
    const char *raw_query;
    http_params_t query;
    const http_route_t *route;
    unsigned refuse_status; /* PHASE_REFUSED: what to answer */
    int answered;           /* the refusal is queued */
    const char *refuse_text;
    uint8_t *body;
    size_t body_len;
    size_t body_cap;
    char peer[INET6_ADDRSTRLEN];
} req_state_t;

/* ---- responses -------------------------------------------------------- */

int http_respond(http_response_t *resp, unsigned status, const char *content_type, char *body,
                 size_t len)
{
    free(resp->body);
    resp->status = status;
    snprintf(resp->content_type, sizeof resp->content_type, "%s", content_type);
    resp->body = body;
    resp->body_len = body ? len : 0;
    return 0;
}

int http_respond_text(http_response_t *resp, unsigned status, const char *content_type,
                      const char *text)
{
    char *b = strdup(text);
    if (b == NULL)
        return -ENOMEM;
    return http_respond(resp, status, content_type, b, strlen(b));
}

int http_add_header(http_response_t *resp, const char *name, const char *value)
{
    /* A CR or LF in a header would let a value start a header (or a body)
     * of its own: response splitting. */
    if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL || *name == '\0')
        return -EINVAL;
    if (resp->n_headers == HTTP_MAX_EXTRA_HEADERS)
        return -ENOSPC;
    http_header_t *h = &resp->headers[resp->n_headers];
    h->name = strdup(name);
    h->value = strdup(value);
    if (h->name == NULL || h->value == NULL) {
        free(h->name);
        free(h->value);
        h->name = h->value = NULL;
        return -ENOMEM;
    }
    resp->n_headers++;
    return 0;
}

void http_response_clear(http_response_t *resp)
{
    free(resp->body);
    for (size_t i = 0; i < resp->n_headers; i++) {
        free(resp->headers[i].name);
        free(resp->headers[i].value);
    }
    memset(resp, 0, sizeof *resp);
}

static enum MHD_Result queue(struct MHD_Connection *c, http_response_t *resp)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(resp->body_len, resp->body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        http_response_clear(resp);
        return MHD_NO;
    }
    resp->body = NULL; /* MHD owns it now */
    MHD_add_response_header(r, "Content-Type", resp->content_type);
    /* Browsers must not guess another type from a body (the console's
     * pages and our XML/JSON answers alike). */
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    for (size_t i = 0; i < resp->n_headers; i++)
        MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
    enum MHD_Result rc = MHD_queue_response(c, resp->status, r);
    MHD_destroy_response(r);
    http_response_clear(resp);
    return rc;
}

static enum MHD_Result queue_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    http_response_t resp = {0};
    if (http_respond_text(&resp, status, "text/plain; charset=utf-8", text) < 0)
        return MHD_NO;
    return queue(c, &resp);
}

/* ---- requests --------------------------------------------------------- */

const char *http_header(const http_request_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const http_request_t *req, const char *name)
{
    return http_params_get(req->query, name);
}

int http_route_matches(const http_route_t *r, const char *path)
{
    size_t n = strlen(r->prefix);
    if (strncmp(path, r->prefix, n) != 0)
        return 0;
    if (n > 0 && r->prefix[n - 1] == '/')
        return 1;
    return path[n] == '\0' || path[n] == '/';
}

static int method_matches(const char *want, const char *method)
{
    if (want == NULL || strcmp(want, method) == 0)
        return 1;
    /* HEAD is GET without the body (MHD drops it). */
    return strcmp(want, "GET") == 0 && strcmp(method, "HEAD") == 0;
}

/* The route for (method, path); *path_known says whether another method
 * would have matched (405 rather than 404). */
static const http_route_t *find_route(const char *method, const char *path, int *path_known)
{
    *path_known = 0;
    for (size_t i = 0; i < gateway_routes_count; i++) {
        const http_route_t *r = &gateway_routes[i];
        if (!http_route_matches(r, path))
            continue;
        if (method_matches(r->method, method))
            return r;
        *path_known = 1;
    }
    return NULL;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    req_state_t *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    st->uri = strdup(uri);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci != NULL && ci->client_addr != NULL) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, st->peer,
                      sizeof st->peer);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                      st->peer, sizeof st->peer);
    }
    return st;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    req_state_t *st = *con_cls;
    if (st == NULL)
        return;
    http_params_free(&st->query);
    free(st->uri);
    free(st->path);
    free(st->body);
    free(st);
    *con_cls = NULL;
}

static void refuse(req_state_t *st, unsigned status, const char *text)
{
    st->phase = PHASE_REFUSED;
    st->refuse_status = status;
    st->refuse_text = text;
}

/* First call of a request: headers only. Decides the route, or a refusal
 * that is answered once the body (if any) has been drained. */
static void start_request(req_state_t *st, struct MHD_Connection *c, const char *method)
{
    st->phase = PHASE_BODY;
    if (st->uri == NULL) {
        refuse(st, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
        return;
    }
    char *q = strchr(st->uri, '?');
    size_t plen = q ? (size_t)(q - st->uri) : strlen(st->uri);
    st->raw_query = q ? q + 1 : "";
    if (http_percent_decode(st->uri, plen, 0, &st->path, NULL) < 0 || st->path[0] != '/') {
        refuse(st, MHD_HTTP_BAD_REQUEST, "malformed path\n");
        return;
    }
    int rc = http_params_parse(st->raw_query, strlen(st->raw_query), &st->query);
    if (rc < 0) {
        refuse(st, MHD_HTTP_BAD_REQUEST,
               rc == -E2BIG ? "too many query parameters\n" : "malformed query string\n");
        return;
    }
    int path_known = 0;
    st->route = find_route(method, st->path, &path_known);
    if (st->route == NULL) {
        refuse(st, path_known ? MHD_HTTP_METHOD_NOT_ALLOWED : MHD_HTTP_NOT_FOUND,
               path_known ? "method not allowed\n" : "not found\n");
        return;
    }
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl != NULL) {
        char *end = NULL;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (end == cl || *end != '\0' || errno != 0)
            refuse(st, MHD_HTTP_BAD_REQUEST, "bad Content-Length\n");
        else if (n > st->route->max_body)
            refuse(st, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large\n");
    }
}

static void take_body(req_state_t *st, const char *data, size_t len)
{
    if (st->phase != PHASE_BODY)
        return; /* refused already: drain and drop */
    if (len > st->route->max_body - st->body_len) {
        free(st->body);
        st->body = NULL;
        st->body_len = st->body_cap = 0;
        refuse(st, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large\n");
        return;
    }
    if (st->body_len + len + 1 > st->body_cap) {
        size_t cap = st->body_cap ? st->body_cap : 1024;
        while (cap < st->body_len + len + 1)
            cap *= 2;
        uint8_t *b = realloc(st->body, cap);
        if (b == NULL) {
            refuse(st, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
            return;
        }
        st->body = b;
        st->body_cap = cap;
    }
    memcpy(st->body + st->body_len, data, len);
    st->body_len += len;
    st->body[st->body_len] = '\0';
}

static upstream_t *thread_upstream(http_server_t *s)
{
    if (tl_upstream != NULL)
        return tl_upstream;
    pthread_mutex_lock(&s->lock);
    if (s->n_workers < HTTP_MAX_WORKERS &&
        upstream_new(&s->gw->upstream, s->n_workers, &tl_upstream) == 0)
        s->workers[s->n_workers++] = tl_upstream;
    pthread_mutex_unlock(&s->lock);
    return tl_upstream;
}

static enum MHD_Result run_handler(http_server_t *s, req_state_t *st, struct MHD_Connection *c,
                                   const char *method)
{
    upstream_t *up = thread_upstream(s);
    if (up == NULL)
        return queue_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "gateway out of resources\n");
    static const uint8_t empty[1] = {0};
    http_request_t req = {
        .method = method,
        .path = st->path,
        .raw_query = st->raw_query,
        .query = &st->query,
        .body = st->body ? st->body : empty,
        .body_len = st->body_len,
        .peer = st->peer,
        .conn = c,
        .gateway = s->gw,
        .upstream = up,
    };
    http_response_t resp = {0};
    int rc = st->route->handler(&req, &resp);
    if (rc < 0 || resp.status < 100 || resp.status > 599) {
        log_error(NULL, "http: %s %s from %s: handler failed (%d)", method, st->path, st->peer, rc);
        http_response_clear(&resp);
        return queue_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error\n");
    }
    return queue(c, &resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)url; /* decoded by MHD in its own way; we decode st->uri ourselves */
    (void)version;
    http_server_t *s = cls;
    req_state_t *st = *con_cls;
    if (st == NULL)
        return MHD_NO; /* the URI callback ran out of memory: drop the connection */
    if (st->phase == PHASE_NEW) {
        start_request(st, c, method);
        /* A refusal is answered now, before any byte of the body is read:
         * MHD then closes the connection instead of reading the rest. */
        if (st->phase == PHASE_REFUSED) {
            st->answered = 1;
            return queue_text(c, st->refuse_status, st->refuse_text);
        }
        return MHD_YES;
    }
    if (*upload_size != 0) {
        /* A body that grows past the limit (chunked) is dropped as it
         * arrives, never stored, and refused once it ends: MHD cannot
         * answer in the middle of an upload. */
        take_body(st, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (st->answered)
        return MHD_YES; /* refused at the headers: already queued */
    if (st->phase == PHASE_REFUSED)
        return queue_text(c, st->refuse_status, st->refuse_text);
    return run_handler(s, st, c, method);
}

/* ---- the server ------------------------------------------------------- */

int http_server_start(const http_config_t *cfg, gateway_t *gw, http_server_t **out)
{
    *out = NULL;
    struct sockaddr_storage sa;
    int v6 = 0;
    if (listen_addr_parse(cfg->listen, &sa, &v6, NULL) < 0) {
        log_error(NULL, "--http %s: expected HOST:PORT with a numeric address", cfg->listen);
        return -EINVAL;
    }
    http_server_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -ENOMEM;
    s->gw = gw;
    pthread_mutex_init(&s->lock, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (v6)
        flags |= MHD_USE_IPv6;
    unsigned threads = cfg->threads ? cfg->threads : 1;
    if (threads > HTTP_MAX_WORKERS)
        threads = HTTP_MAX_WORKERS;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)HTTP_CONN_MEMORY, MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)NULL,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)NULL, MHD_OPTION_END);
    if (s->daemon == NULL) {
        /* MHD does not say why; a taken port is by far the likeliest. */
        log_error(NULL, "--http %s: cannot listen (address in use?)", cfg->listen);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return -EADDRINUSE;
    }
    *out = s;
    return 0;
}

void http_server_stop(http_server_t **ps)
{
    http_server_t *s = *ps;
    if (s == NULL)
        return;
    /* Joins every worker: their sockets are ours to close after this. */
    MHD_stop_daemon(s->daemon);
    for (unsigned i = 0; i < s->n_workers; i++)
        upstream_destroy(&s->workers[i]);
    pthread_mutex_destroy(&s->lock);
    free(s);
    *ps = NULL;
}
