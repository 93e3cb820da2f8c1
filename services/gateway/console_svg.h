/*
 * console_svg.h - small SVG charts drawn on the server (no script, no
 * library, no CDN): a trend line of a rate over periods and horizontal
 * bars of counts. Labels are escaped like any other text.
 */
#ifndef CONSOLE_SVG_H
#define CONSOLE_SVG_H

#include <stddef.h>

#include "console_html.h"

/* A line of `n` values in 0..1 (a rate; NaN = n/a, the line breaks
 * there), with the labels under the x axis. */
void svg_trend(html_t *h, const char *title, const char *const *labels, const double *values,
               size_t n);
/* Horizontal bars of counts, the longest bar the largest value. */
void svg_bars(html_t *h, const char *title, const char *const *labels,
              const unsigned long long *values, size_t n);

#endif
