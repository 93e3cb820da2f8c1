/*
 * console.h - the web console for operators and departments (issue 14),
 * served by the gateway under /console/ (one line in gateway_routes.c).
 *
 * Why inside the gateway and not a service of its own: the gateway
 * already is Liandong's HTTP door (libmicrohttpd, a bounded worker pool,
 * body limits, loopback default), so the console adds pages, not a
 * second server to configure, secure and watch. It holds no case data:
 * every page asks the ledger, and every action goes to the router or the
 * ledger, as the person logged in (console_upstream.h), so the services'
 * own role table decides what each person sees and does.
 *
 * Files: console.c (routing, login, sessions, headers), console_page.c
 * (the page frame and shared formatting), console_desk.c (a body's inbox
 * and actions), console_case.c (the case page), console_figures.c
 * (overview, overdue, ranking), console_search.c (search), console_csv.c,
 * console_svg.c, console_html.c, console_form.c, console_session.c,
 * console_throttle.c, console_upstream.c, console_static.c (CSS, script).
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include "http.h"

/* The route handler for every path under /console/. */
int console_handle(const http_request_t *req, http_response_t *resp);

/* Bodies the console accepts: a form with a reply text of a few KiB. */
#define CONSOLE_MAX_BODY (64u * 1024)

#endif
