/*
 * open311.c - the paths of Open311 GeoReport v2 under /open311/v2/ and
 * their methods (see open311.h).
 */
#include "open311.h"

#include <string.h>

#define OPEN311_ROOT "/open311/v2/"

/* Splits "requests/LD-1.json" into endpoint "requests", arg "LD-1" and
 * the format. Writes into buf; returns 0, or -1 for a path with more
 * segments than any endpoint has. */
static int split_path(const char *rest, char *buf, size_t len, const char **endpoint,
                      const char **arg, open311_format_t *fmt)
{
    size_t n = strlen(rest);
    if (n >= len)
        return -1;
    memcpy(buf, rest, n + 1);
    *fmt = OPEN311_XML;
    char *dot = strrchr(buf, '.');
    char *slash = strrchr(buf, '/');
    if (dot != NULL && (slash == NULL || dot > slash)) {
        if (strcmp(dot, ".json") == 0) {
            *fmt = OPEN311_JSON;
            *dot = '\0';
        } else if (strcmp(dot, ".xml") == 0) {
            *dot = '\0';
        }
    }
    *endpoint = buf;
    *arg = NULL;
    if (slash != NULL) {
        *slash = '\0';
        *arg = slash + 1;
        if (strchr(buf, '/') != NULL || **arg == '\0')
            return -1;
    }
    return 0;
}

static int method_is(const http_request_t *req, const char *m)
{
    return strcmp(req->method, m) == 0 ||
           (strcmp(m, "GET") == 0 && strcmp(req->method, "HEAD") == 0);
}

int open311_handle(const http_request_t *req, http_response_t *resp)
{
    char buf[512];
    const char *endpoint = NULL, *arg = NULL;
    open311_format_t fmt = OPEN311_XML;
    if (strncmp(req->path, OPEN311_ROOT, strlen(OPEN311_ROOT)) != 0 ||
        split_path(req->path + strlen(OPEN311_ROOT), buf, sizeof buf, &endpoint, &arg, &fmt) < 0)
        return open311_error(resp, fmt, 404, "no such endpoint (see discovery.xml)");
    int get = method_is(req, "GET"), post = method_is(req, "POST");
    if (strcmp(endpoint, "discovery") == 0 && arg == NULL) {
        if (get)
            return open311_discovery(req, resp, fmt);
    } else if (strcmp(endpoint, "services") == 0) {
        if (get)
            return open311_services(req, resp, fmt, arg);
    } else if (strcmp(endpoint, "requests") == 0) {
        if (get || (post && arg == NULL))
            return open311_requests(req, resp, fmt, arg);
    } else if (strcmp(endpoint, "tokens") == 0) {
        if (get)
            return open311_tokens(req, resp, fmt, arg);
    } else if (strcmp(endpoint, "servicerequestupdates") == 0 && arg == NULL) {
        if (get || post)
            return open311_updates(req, resp, fmt);
    } else {
        return open311_error(resp, fmt, 404, "no such endpoint (see discovery.xml)");
    }
    return open311_error(resp, fmt, 405, "method not allowed on this endpoint");
}
