/*
 * router.h - the router service's state, shared by its files: intake of
 * demands from front-ends (intake.c), the registry kept current from the
 * ledger (registry_watch.c) and the process wiring (main.c).
 */
#ifndef LIANDONG_ROUTER_H
#define LIANDONG_ROUTER_H

#include <stdint.h>

#include "clock.h"
#include "desk.h"
#include "router_core.h"
#include "rpc.h"
#include "secure.h"
#include "service.h"

typedef struct router {
    service_t svc;
    secure_t sec;
    rpc_server_t *front; /* front-ends submit demands here */
    rpc_server_t *desk;  /* department systems (delivery, answers) */
    rpc_client_t *ledger;
    desk_t *desks;        /* department desks attached to `desk` */
    zuv_socket_t *alerts; /* SUB to the notifier's alerts, relayed to desks */
    registry_t *registry; /* current registry; the core reads it */
    router_core_t *core;  /* matchers + classifier; NULL until loaded */
    uint64_t registry_version;
    uv_timer_t registry_timer;
    int registry_fetching; /* a fetch or a load beside the live registry is under way */
    int registry_stopping;
    int registry_timer_open; /* registry_timer initialised (start got that far) */
    const char *lexicon_dir;
    uint32_t tag_channels;        /* channels trusted for in-text urgency tags */
    int review_below;             /* confidence under which placements are flagged */
    int repeat_threshold;         /* similarity (percent) that joins an open case; 0 off */
    uint32_t repeat_window_hours; /* how recent a case must be to be joined */
    const char *registry_file;    /* fixed registry instead of the ledger's */
    uint32_t ledger_timeout_ms;
    size_t min_reply_chars; /* content a reply needs (lib/reply_text.h), as the ledger's */
    double locate_radius_m; /* a position locates the nearest compound this near (position.h) */
    policy_t *policy;       /* --policy, NULL: the built-in section 6 table */
    workcal_t *calendar;    /* working days, when the policy needs them */
    /* policy_watch.c: --policy and --calendar, re-read when they change */
    const char *policy_path, *calendar_path;
    uv_timer_t policy_timer;
    int policy_watching;
    int64_t policy_sig, calendar_sig;
    unsigned long policy_reloads, policy_refused;
    unsigned long placed, refused;
    unsigned long uncovered; /* placements counted Monday-Friday (no calendar year) */
    simclock_t clock;        /* the system's: received times and deadlines (lib/clock.h) */
    int calendar_warn_days;  /* calendar_horizon.h: the early warning's lead */
} router_t;

/* intake.c */
void router_on_front_request(rpc_server_t *srv, rpc_request_t *req, void *ud);
void router_on_desk_request(rpc_server_t *srv, rpc_request_t *req, void *ud);
/* Subscribes to the notifier's alerts at endpoint ("" = off) and relays
 * each to its body's attached desk (desk_alerts.c). */
int router_alerts_start(router_t *r, const char *endpoint, const char *notifier_identity);
/* Refuses FORBIDDEN (and logs) what authz.h's table does not let the key
 * of `req` send on `socket` (authz_socket_t); returns 1 when refused. */
int router_authorize(router_t *r, int socket, rpc_request_t *req);
/* Answers what every socket answers (ping); returns 1 when handled. */
int router_common_request(router_t *r, rpc_request_t *req);

/* escalate.c: ESCALATE and DISPATCH CaseActions on the front-end socket
 * (the next rung or the named body, fresh deadlines, recorded by the
 * ledger, pushed to the new holder's desk). */
void router_on_case_action(router_t *r, rpc_request_t *req);

/* registry_watch.c: load at start and pick up new versions without a
 * restart. */
int router_registry_start(router_t *r);
void router_registry_stop(router_t *r);
/* Parses a registry and builds a core for it; on success replaces the
 * current pair (old core first, then the registry it read). */
int router_registry_install(router_t *r, const char *json, size_t len, const char *origin);
void router_registry_release(router_t *r);

/* policy_watch.c: the time-limit policy (and its calendar) re-read when
 * its file changes; a refused one is logged and the current one kept. */
int router_policy_watch_start(router_t *r);
void router_policy_watch_stop(router_t *r);
/* Reads policy_path (and the calendar when it needs one) and swaps them in;
 * 0, or a negative errno with the current pair kept. */
int router_policy_reload(router_t *r);

#endif
