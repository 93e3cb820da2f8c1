/*
 * upstream.h - one worker thread's blocking clients to the router (front
 * door, SubmitDemand) and the ledger (GetCase, ListCases, CaseAction).
 *
 * A ZeroMQ socket belongs to one thread, so each HTTP worker thread owns an
 * upstream_t and nobody else touches it. Clients are opened lazily, one per
 * (target, identity): the gateway acts as the front-end of whichever
 * channel a request belongs to (frontend.hotline for an Open311 key bound
 * to hotline, frontend.wechat for WeChat), and the services scope what each
 * key may see and do by that identity (docs/roles.md), never by a field
 * the gateway writes.
 */
#ifndef GATEWAY_UPSTREAM_H
#define GATEWAY_UPSTREAM_H

#include "wire.h"

typedef enum { UPSTREAM_ROUTER = 0, UPSTREAM_LEDGER = 1 } upstream_target_t;

typedef struct {
    void *zctx;                  /* the process's ZeroMQ context (thread-safe) */
    const char *router;          /* "tcp://127.0.0.1:7311" */
    const char *ledger;          /* "tcp://127.0.0.1:7301" */
    const char *keys;            /* CURVE keys directory; NULL = CURVE off (--insecure) */
    const char *router_identity; /* "service.router" */
    const char *ledger_identity; /* "service.ledger" */
    int timeout_ms;              /* per call */
} upstream_config_t;

typedef struct upstream upstream_t;

/* cfg must outlive the upstream. worker_no names its request ids. */
int upstream_new(const upstream_config_t *cfg, unsigned worker_no, upstream_t **out);
/* Sends req to `target` with the key `identity` ("frontend.hotline") and
 * waits up to the configured timeout. Returns 0 with *answer (wire_free),
 * -ETIMEDOUT (the client is then closed and reopened on the next call, so
 * a late answer never meets a later request), -ENOKEY (no usable key for
 * identity), or another negative errno. */
int upstream_call(upstream_t *u, upstream_target_t target, const char *identity, envelope_t *req,
                  wire_msg_t **answer);
void upstream_destroy(upstream_t **u);

#endif
