/*
 * http_parse.c - percent-decoding and form parameters (see http_parse.h).
 */
#include "http_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int http_percent_decode(const char *s, size_t len, int plus_space, char **out, size_t *out_len)
{
    *out = NULL;
    if (out_len)
        *out_len = 0;
    /* Decoding never grows the text: len + 1 is always enough. */
    char *d = malloc(len + 1);
    if (d == NULL)
        return -ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            if (len - i < 3) { /* "%" or "%4" at the end */
                free(d);
                return -EINVAL;
            }
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0) {
                free(d);
                return -EINVAL;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        /* A NUL inside a value would cut it short in every C string that
         * carries it later: refuse it here, once. */
        if (c == '\0') {
            free(d);
            return -EINVAL;
        }
        d[n++] = c;
    }
    d[n] = '\0';
    *out = d;
    if (out_len)
        *out_len = n;
    return 0;
}

void http_params_free(http_params_t *p)
{
    for (size_t i = 0; i < p->count; i++) {
        free(p->items[i].name);
        free(p->items[i].value);
    }
    p->count = 0;
}

int http_params_parse(const char *s, size_t len, http_params_t *p)
{
    p->count = 0;
    size_t i = 0;
    while (i < len) {
        const char *amp = memchr(s + i, '&', len - i);
        size_t end = amp ? (size_t)(amp - s) : len;
        if (end > i) {
            if (p->count == HTTP_PARAMS_MAX) {
                http_params_free(p);
                return -E2BIG;
            }
            const char *eq = memchr(s + i, '=', end - i);
            size_t name_end = eq ? (size_t)(eq - s) : end;
            size_t value_start = eq ? name_end + 1 : end;
            http_param_t *it = &p->items[p->count];
            int rc = http_percent_decode(s + i, name_end - i, 1, &it->name, NULL);
            if (rc == 0) {
                rc = http_percent_decode(s + value_start, end - value_start, 1, &it->value, NULL);
                if (rc < 0)
                    free(it->name);
            }
            if (rc < 0) {
                http_params_free(p);
                return rc;
            }
            p->count++;
        }
        i = end + 1;
    }
    return 0;
}

const char *http_params_get(const http_params_t *p, const char *name)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->items[i].name, name) == 0)
            return p->items[i].value;
    return NULL;
}

size_t http_params_count(const http_params_t *p, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < p->count; i++)
        n += strcmp(p->items[i].name, name) == 0;
    return n;
}
