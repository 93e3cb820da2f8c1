/*
 * metrics_http.c - serves GET /metrics with libmicrohttpd in a thread of
 * its own (MHD_USE_INTERNAL_POLLING_THREAD): the ledger's libuv loop never
 * waits on a scraper. Anything but GET /metrics gets 404 or 405; request
 * bodies are refused. One connection at a time is plenty for Prometheus
 * and bounds what a misbehaving client can hold.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "listen_addr.h"
#include "metrics.h"
#include "metrics_int.h"

#define MAX_CONNECTIONS 8
#define CONNECTION_TIMEOUT_S 10

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *msg)
{
    char *b = strdup(msg);
    return b == NULL ? MHD_NO : reply(c, status, "text/plain; charset=utf-8", b, strlen(b));
}

/* Per-connection state: MHD hands back *state on every call of a request. */
static char st_headers, st_body;

static enum MHD_Result on_http(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **state)
{
    (void)version;
    (void)upload;
    metrics_t *m = cls;
    if (*state == NULL) {
        /* Headers only: refuse what we will not serve at once. */
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
            return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
        if (strcmp(url, "/metrics") != 0)
            return text(c, MHD_HTTP_NOT_FOUND, "see /metrics\n");
        *state = &st_headers;
        return MHD_YES;
    }
    if (*upload_size != 0) {
        /* A GET with a body: swallow it, refuse the request at the end. */
        *upload_size = 0;
        *state = &st_body;
        return MHD_YES;
    }
    if (*state == &st_body)
        return text(c, MHD_HTTP_CONTENT_TOO_LARGE, "no request body expected\n");
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (out == NULL)
        return MHD_NO;
    int rc = metrics_render(m, out);
    if (fclose(out) != 0 || rc < 0) {
        free(buf);
        return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "metrics unavailable\n");
    }
    return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", buf, len);
}

int metrics_create(const char *listen, const char *conninfo, metrics_t **out)
{
    *out = NULL;
    if (listen == NULL || listen[0] == '\0')
        return 0;
    struct sockaddr_storage sa;
    int v6 = 0;
    uint16_t port = 0;
    int rc = listen_addr_parse(listen, &sa, &v6, &port);
    if (rc < 0) {
        log_error(NULL, "--metrics %s: expected HOST:PORT with a numeric address", listen);
        return rc;
    }
    metrics_t *m = NULL;
    if ((rc = metrics_new(conninfo, &m)) < 0)
        return rc;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (v6)
        flags |= MHD_USE_IPv6;
    m->httpd = MHD_start_daemon(flags, port, NULL, NULL, on_http, m, MHD_OPTION_SOCK_ADDR,
                                (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
                                (unsigned)MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
                                (unsigned)CONNECTION_TIMEOUT_S, MHD_OPTION_END);
    if (m->httpd == NULL) {
        /* MHD does not say why; a taken port is by far the likeliest. */
        log_error(NULL, "--metrics %s: cannot listen (address in use?)", listen);
        metrics_free(&m);
        return -EADDRINUSE;
    }
    *out = m;
    return 0;
}

void metrics_destroy(metrics_t **pm)
{
    metrics_t *m = *pm;
    if (m == NULL)
        return;
    /* Joins the HTTP thread: nothing reads m after this. */
    if (m->httpd != NULL)
        MHD_stop_daemon(m->httpd);
    metrics_free(pm);
}
