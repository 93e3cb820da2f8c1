/*
 * metrics.h - the ledger's Prometheus endpoint (GET /metrics over HTTP).
 *
 * Two kinds of figures:
 *  - service health, counted by the libuv loop thread as it runs batches
 *    (commands by type, errors by code, commit batch sizes, request
 *    latency); kept under a mutex that the loop holds for a few
 *    instructions only;
 *  - the operators' figures per district and street (received, reply,
 *    resolution and satisfaction rates, open and overdue cases), read from
 *    the roll-ups by the HTTP thread on a connection of its own, at most
 *    once every METRICS_REFRESH_MS, and cached.
 * The HTTP server (libmicrohttpd) runs in its own thread, so a slow
 * scraper or a slow figures query never blocks the loop, and the loop's
 * pipelined connection (batch.c) is never shared.
 *
 * Every function accepts m == NULL (metrics off) and then does nothing.
 */
#ifndef LIANDONG_LEDGER_METRICS_H
#define LIANDONG_LEDGER_METRICS_H

#include <stddef.h>
#include <stdio.h>

#include "wire.h"

#define METRICS_REFRESH_MS 2000

typedef struct metrics metrics_t;

/* Starts serving on `listen` ("HOST:PORT", numeric; "[::1]:PORT" for IPv6)
 * with figures read through `conninfo`. An empty `listen` leaves *out NULL
 * and returns 0. Returns -EINVAL for a bad address, -EADDRINUSE or another
 * negative errno when the server cannot start. */
int metrics_create(const char *listen, const char *conninfo, metrics_t **out);
void metrics_destroy(metrics_t **m);

/* Loop thread: one request answered (its envelope and the answer) after
 * `seconds` in the ledger; one transaction's batch of n requests. */
void metrics_request(metrics_t *m, const envelope_t *req, const envelope_t *answer, double seconds);
void metrics_batch(metrics_t *m, size_t n);
/* Two ledgers, one writer (issue 17): 1 while this ledger holds the writer
 * lock and listens, 0 while it stands by or has lost its session. */
void metrics_writer(metrics_t *m, int writer);
/* Loop thread: a request refused FORBIDDEN (authz.h) from a key of `role`
 * (role_t): liandong_ledger_forbidden_total{role,request}. */
void metrics_forbidden(metrics_t *m, int role, const envelope_t *req);
/* Loop thread: the event stream's subscription counts so far
 * (stream_pub.h): liandong_ledger_stream_subscriptions_total{outcome} and
 * liandong_ledger_stream_cuts_total. */
void metrics_stream(metrics_t *m, unsigned long subscribed, unsigned long refused,
                    unsigned long unsubscribed, unsigned long cuts);

/* The calendar file (issue 15): read now and whenever it changes, with a
 * warning in the log when its data ends within warn_days
 * (calendar_horizon.h); /metrics shows its last covered year and the
 * cases whose deadlines were counted Monday to Friday. m == NULL: only
 * the start-up check is made. Returns 0 or -ENOMEM. */
int metrics_calendar(metrics_t *m, const char *path, int warn_days);

/* Writes the whole exposition (service health and the cached figures,
 * refreshed first when stale). Called by the HTTP thread; exposed for
 * tests. Returns 0 or a negative errno. */
int metrics_render(metrics_t *m, FILE *out);

/* Writes s as a Prometheus label value (backslash, quote and newline
 * escaped). */
void metrics_write_label(FILE *out, const char *s);

#endif
