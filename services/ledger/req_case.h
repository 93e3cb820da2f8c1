/*
 * req_case.h - settings of the case requests (req_case.c) that come from
 * the ledger's configuration.
 */
#ifndef LIANDONG_LEDGER_REQ_CASE_H
#define LIANDONG_LEDGER_REQ_CASE_H

#include <stddef.h>

/* Characters of content a reply or a resolution needs (lib/reply_text.h);
 * set once at start-up, before the first request. */
void ledger_case_set_min_reply_chars(size_t n);

/* The longest pause (挂起) a body may ask for, in hours (ROUTING.md
 * section 6); set once at start-up. */
#define PAUSE_HOURS_MAX_DEFAULT 360 /* 15 days */
void ledger_case_set_max_pause_hours(unsigned h);

#endif
