/*
 * console_routes.h - the console's pages, one function each, called by
 * console.c once the person is logged in (c->sess, c->role set) and, for
 * a POST, the CSRF token checked. Each fills c->resp and returns 0 or a
 * negative errno.
 */
#ifndef CONSOLE_ROUTES_H
#define CONSOLE_ROUTES_H

#include "console_page.h"

int console_inbox(console_ctx_t *c);    /* console_desk.c: a body's cases */
int console_gone(console_ctx_t *c);     /* console_desk.c: why a case left the inbox */
int console_case(console_ctx_t *c);     /* console_case.c: one case */
int console_act(console_ctx_t *c);      /* console_case.c: POST an action */
int console_overview(console_ctx_t *c); /* console_figures.c */
int console_overdue(console_ctx_t *c);  /* console_figures.c */
int console_ranking(console_ctx_t *c);  /* console_figures.c */
int console_trend(console_ctx_t *c);    /* console_figures.c: the overview's SVG */
int console_search(console_ctx_t *c);   /* console_search.c */

/* "overdue", "due_soon" (three quarters of the time allowed have passed,
 * the notifier's rule) or "" for a case's current deadline. */
const char *console_due_status(const Liandong__V1__CaseRecord *r, int64_t now);

/* console_static.c: the style sheet and the script. */
extern const char console_css[];
extern const char console_js[];

#endif
