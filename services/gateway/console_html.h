/*
 * console_html.h - a growing byte buffer for the console's pages, CSV and
 * SVG, with HTML escaping. Every value that did not come from this source
 * file goes through html_text (or html_url inside a link): the console
 * shows residents' free text and phone numbers, and one unescaped value
 * would let a demand's text run script in an operator's session.
 */
#ifndef CONSOLE_HTML_H
#define CONSOLE_HTML_H

#include <stddef.h>

typedef struct {
    char *p;
    size_t len;
    size_t cap;
    int oom; /* set once an allocation failed: the buffer is then useless */
} html_t;

/* A literal of this file's author: written as it is. */
void html_raw(html_t *h, const char *s);
void html_rawn(html_t *h, const char *s, size_t n);
/* printf for trusted formats and numbers only (never a %s of data). */
void html_rawf(html_t *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text or an attribute value: & < > " ' escaped. NULL is "". */
void html_text(html_t *h, const char *s);
/* A query-string component, percent-encoded (safe inside an attribute). */
void html_url(html_t *h, const char *s);
/* The text, NUL-terminated, owned by the caller; the buffer is emptied.
 * NULL when an allocation failed. */
char *html_take(html_t *h, size_t *len);
void html_free(html_t *h);

#endif
