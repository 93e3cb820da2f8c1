/*
 * console_page.h - what every console page shares: the request context
 * (who is logged in, as which role and body), the page frame and
 * navigation, the answers (HTML, CSV, redirect, error) with the security
 * headers, calls upstream as the person, and Chinese names and Beijing
 * times for display.
 */
#ifndef CONSOLE_PAGE_H
#define CONSOLE_PAGE_H

#include <stdint.h>

#include "console_form.h"
#include "console_html.h"
#include "console_session.h"
#include "console_upstream.h"
#include "http.h"
#include "identity.h"

typedef struct {
    const http_request_t *req;
    http_response_t *resp;
    const console_upstream_cfg_t *up;
    console_session_t sess;           /* the logged-in person */
    role_t role;                      /* ROLE_OPERATOR or ROLE_STAFF */
    char user[SESSION_PRINCIPAL_MAX]; /* the ZAP user id form: "staff:zhang@PC-YH" */
    char body_id[96];                 /* a staff person's body; "" for an operator */
    form_t query;                     /* the query string, decoded */
    form_t form;                      /* a POST's body, decoded (empty for GET) */
    char notice[512];                 /* shown once at the top of the page */
} console_ctx_t;

/* The page frame: <head>, the navigation for the role, a notice. */
void page_begin(html_t *h, const console_ctx_t *c, const char *title);
void page_end(html_t *h);
/* The hidden CSRF field every form carries. */
void page_csrf(html_t *h, const console_ctx_t *c);

/* Answers; each adds the security headers. Return 0 (or -ENOMEM). */
int page_send(console_ctx_t *c, html_t *h, unsigned status);
int page_send_csv(console_ctx_t *c, html_t *h, const char *filename);
int page_error(console_ctx_t *c, unsigned status, const char *message);
int page_redirect(http_response_t *resp, const char *location, const char *cookie);
/* The headers of every console answer (CSP, frames, sniffing, caching). */
void page_security_headers(http_response_t *resp);

/* A call upstream as the person. err gets the service's reason. */
int page_call(console_ctx_t *c, console_upstream_t to, envelope_t *req,
              Liandong__V1__Envelope__BodyCase want, wire_msg_t **answer, char *err, size_t errlen);

/* An audit record: who did what, when (var/console/audit.log, JSON lines,
 * 0600), and one log line without personal data. */
void page_audit(const console_ctx_t *c, const char *what, const char *detail);

/* Beijing time (UTC+8) "2026-12-07 20:15"; "—" for 0. */
char *fmt_time(int64_t ms, char *buf, size_t len);
/* "3小时12分" between two times (absolute). */
char *fmt_span(int64_t ms, char *buf, size_t len);
const char *state_zh(const char *state);
const char *event_zh(const char *kind);
const char *category_zh(const char *category);
const char *channel_zh(const char *channel);
/* Now on the system's clock (lib/clock.h; the wall clock unless accelerated). */
int64_t now_ms_wall(void);
/* The rate a/b as "87.5%", or "n/a" when b is 0 (unknown, not 0%). */
char *fmt_rate(uint64_t a, uint64_t b, char *buf, size_t len);

#endif
