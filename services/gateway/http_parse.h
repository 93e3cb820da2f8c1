/*
 * http_parse.h - decoding what an HTTP client sends in a URL or a form:
 * percent-decoding and application/x-www-form-urlencoded parameter lists
 * (a query string, or a POST body of that type).
 *
 * Input is untrusted: everything is bounded (HTTP_PARAMS_MAX parameters),
 * a malformed escape ("%G1", "%4") or an escaped NUL ("%00") refuses the
 * whole input (-EINVAL) rather than guessing, and nothing is read past
 * `len`. tests/fuzz/fuzz_http_params.c drives these functions.
 */
#ifndef GATEWAY_HTTP_PARSE_H
#define GATEWAY_HTTP_PARSE_H

#include <stddef.h>

#define HTTP_PARAMS_MAX 256

typedef struct {
    char *name;  /* decoded, NUL-terminated */
    char *value; /* decoded, NUL-terminated ("" for "a" or "a=") */
} http_param_t;

typedef struct {
    http_param_t items[HTTP_PARAMS_MAX];
    size_t count;
} http_params_t;

/* Decodes `len` bytes of percent-encoding into a malloc'd NUL-terminated
 * string (*out, length *out_len). plus_space: '+' means a space (forms and
 * queries), not in paths. Returns 0, -EINVAL (a bad escape or a NUL),
 * -ENOMEM. */
int http_percent_decode(const char *s, size_t len, int plus_space, char **out, size_t *out_len);

/* Parses "a=1&b=x%20y&c" (pairs separated by '&'; empty pairs skipped).
 * Returns 0, -EINVAL (a bad escape or a NUL), -E2BIG (more than
 * HTTP_PARAMS_MAX parameters), -ENOMEM. On error *p is left empty. */
int http_params_parse(const char *s, size_t len, http_params_t *p);
/* The first value of `name`, or NULL. */
const char *http_params_get(const http_params_t *p, const char *name);
/* How many parameters are called `name`. */
size_t http_params_count(const http_params_t *p, const char *name);
void http_params_free(http_params_t *p);

#endif
