/*
 * notifier.h - the notifier process's wiring: follows the ledger's event
 * stream, keeps every open case's deadlines, and when a stage is due has
 * the ledger record the alert, then publishes it (or, for the escalate
 * stage, asks the router to escalate the case, then records it). Every
 * socket uses CURVE unless --insecure was given.
 *
 * Sockets: SUB on the ledger's events, DEALER (rpc_client) to the ledger,
 * DEALER to the router's front socket (escalations), PUB for alerts ([topic = body
 * id][Envelope{alert}]), ROUTER (rpc_server) answering Ping for health checks. One uv_timer is
 * armed at the earliest due stage. The logic lives in deadlines.c and stream.c; this file only
 * moves messages and keeps retrying while the ledger is away.
 */
#ifndef LIANDONG_NOTIFIER_H
#define LIANDONG_NOTIFIER_H

#include <stdint.h>

#include "clock.h"
#include "deadlines.h"
#include "endpoints.h"
#include "lease.h"
#include "rpc.h"
#include "secure.h"
#include "service.h"
#include "stream.h"
#include "stream_pub.h"
#include "zuv.h"

typedef struct {
    const char *ledger;
    const char *events;
    const char *alerts;
    const char *router;
    const char *listen;
    /* CURVE (lib/secure.h): our key pair and the servers' identities */
    const char *keys_dir;
    const char *identity;        /* service.notifier */
    const char *ledger_identity; /* service.ledger (requests and events) */
    const char *router_identity; /* service.router (escalations) */
    int insecure;
    /* issue 15: the time-limit policy (its working-hours windows) and the
     * calendar that working-clock deadlines are counted in; NULL policy:
     * whole working days, NULL calendar: Monday-Friday (flagged). */
    const policy_t *policy;
    const workcal_t *workcal;
    double due_soon_share;
    double escalation_grace_hours;
    double reply_escalation_grace_hours; /* an emergency's unanswered reply */
    uint32_t page_size;
    uint32_t ledger_timeout_ms;
    uint32_t max_alerts_in_flight;
    size_t max_buffered_events;
    uint32_t probe_interval_ms; /* how often a live stream checks the ledger's head seq */
    /* Fault injection for tests: drop every Nth event received (0 = off),
     * as a lost message on the stream would be. */
    uint32_t drop_every;
    /* issue 17 (lease.h): how long a grant of the "notifier" lease lasts
     * (0: no lease, always fire) and this instance's name in it */
    uint32_t lease_ttl_ms;
    const char *lease_holder;
} notifier_config_t;

typedef struct notifier {
    service_t svc;
    notifier_config_t cfg;
    simclock_t clock;
    deadlines_t *dl;
    stream_t *stream;
    secure_t sec;
    rpc_client_t *ledger;
    rpc_client_t *router; /* escalations go through the router's front socket */
    zuv_socket_t *sub;
    stream_pub_t *pub;
    rpc_server_t *health;
    uv_timer_t fire_timer; /* the one timer: earliest due stage */
    uv_timer_t sync_timer; /* snapshot retry backoff, and the head probe */
    int timers_open;
    int stopping;
    /* synchronisation */
    uint64_t sync_gen; /* bumped on every (re)sync: stale answers are ignored */
    int fetching;      /* a ListDeadlines page is in flight */
    int probing;
    char *cursor; /* last case id of the previous page */
    uint32_t sync_backoff_ms;
    int ledger_down; /* log transitions, not every failure */
    /* alerts */
    uint32_t alerts_in_flight;
    uint32_t alert_backoff_ms;
    int64_t armed_at; /* simulated time the fire timer is armed for */
    unsigned long events_received, events_dropped;
    unsigned long alerts_sent, alerts_duplicate, alerts_retried, escalations;
    unsigned long pauses_resumed; /* pauses ended at their limit (issue 15) */
    /* the lease (lease.c): only the holder fires */
    uv_timer_t lease_timer;
    int lease_open;
    int lease_asking;
    int lease_standby_logged;
    int firing;
    uint64_t lease_until_ns; /* uv_hrtime() the current grant ends at */
} notifier_t;

/* Opens the sockets and starts synchronising; notifier_stop() undoes it.
 * The clock must be initialised by the caller. 0 or negative errno. */
int notifier_start(notifier_t *n);
void notifier_stop(notifier_t *n);
/* Frees what notifier_stop left (after the loop ended). */
void notifier_destroy(notifier_t *n);
/* Fires what is due / re-arms the timer (lease.c, when firing starts or
 * stops). */
void notifier_pump(notifier_t *n);
void notifier_rearm(notifier_t *n);

#endif
