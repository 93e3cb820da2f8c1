/*
 * console_html.c - the console's output buffer and its escaping
 * (console_html.h).
 */
#include "console_html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(html_t *h, size_t more)
{
    if (h->oom)
        return -1;
    if (h->len + more + 1 <= h->cap)
        return 0;
    size_t cap = h->cap ? h->cap : 1024;
    while (cap < h->len + more + 1)
        cap *= 2;
    char *p = realloc(h->p, cap);
    if (p == NULL) {
        h->oom = 1;
        return -1;
    }
    h->p = p;
    h->cap = cap;
    return 0;
}

void html_rawn(html_t *h, const char *s, size_t n)
{
    if (n == 0 || grow(h, n) < 0)
        return;
    memcpy(h->p + h->len, s, n);
    h->len += n;
    h->p[h->len] = '\0';
}

void html_raw(html_t *h, const char *s)
{
    if (s != NULL)
        html_rawn(h, s, strlen(s));
}

void html_rawf(html_t *h, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        html_rawn(h, small, (size_t)n);
        return;
    }
    if (grow(h, (size_t)n) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(h->p + h->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    h->len += (size_t)n;
}

void html_text(html_t *h, const char *s)
{
    if (s == NULL)
        return;
    const char *run = s;
    for (const char *c = s; *c; c++) {
        const char *rep = NULL;
        switch (*c) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        html_rawn(h, run, (size_t)(c - run));
        html_raw(h, rep);
        run = c + 1;
    }
    html_raw(h, run);
}

void html_url(html_t *h, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    if (s == NULL)
        return;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            *c == '-' || *c == '_' || *c == '.' || *c == '~') {
            html_rawn(h, (const char *)c, 1);
        } else {
            char e[3] = {'%', hex[*c >> 4], hex[*c & 15]};
            html_rawn(h, e, 3);
        }
    }
}

char *html_take(html_t *h, size_t *len)
{
    if (h->oom || grow(h, 0) < 0) {
        html_free(h);
        return NULL;
    }
    char *p = h->p;
    if (len)
        *len = h->len;
    h->p = NULL;
    h->len = h->cap = 0;
    return p;
}

void html_free(html_t *h)
{
    free(h->p);
    h->p = NULL;
    h->len = h->cap = 0;
    h->oom = 0;
}
