/*
 * handler.h - the ledger's requests in one table: each kind of request
 * (one Envelope payload) is a ledger_handler_t defined in a file of its
 * own (req_*.c) and listed once in LEDGER_REQUESTS below. The batch
 * executor (batch.c) knows no request kind; it runs every job through its
 * handler's four hooks, and the prepared statements are assembled from the
 * handlers' own lists. docs/ledger-requests.md shows how to add one.
 *
 * Hooks, in the order the executor calls them; each returns 0 or a
 * negative error, and a negative return means the hook has answered the
 * job (ledger_job_fail) and the job goes no further:
 *   validate  checks the request and the caller, without the database;
 *             sets j->actor, and j->lock_case for a request that changes
 *             a case;
 *   decide    in phase 1, in arrival order, with the case locked
 *             (`c`, NULL for requests that lock none) as earlier jobs of
 *             the batch left it; refusals are answers, not SQL errors;
 *             fills j->params and advances `c`;
 *   send      queues the job's phase-2 statements (ledger_job_send);
 *             only -ENOTCONN may fail it;
 *   answer    builds the answer from j->res[] once COMMIT returned
 *             (for a repeat of an earlier job of the batch, from
 *             j->first_copy instead).
 * A missing hook fails ledger_handlers_check() at start-up and the unit
 * test tests/unit/test_ledger_handlers.c.
 */
#ifndef LIANDONG_LEDGER_HANDLER_H
#define LIANDONG_LEDGER_HANDLER_H

#include <stddef.h>

#include "db.h"
#include "job.h"

/* The batch's view of a case it acts on: read in phase 1 under FOR UPDATE,
 * then advanced by each decided request so a later one in the same batch
 * sees the state the earlier one left. */
typedef struct {
    const char *case_id;
    int found;
    int state; /* case_state_t */
    char body_id[LEDGER_ID_MAX + 1];
    char body_kind[65];
    char compound[LEDGER_ID_MAX + 1];
    int replied, resolved, on_time;
    char channel[LEDGER_ID_MAX + 1];     /* the door it came in by (ratings) */
    int reopens;                         /* 重办 since it came to this holder */
    char next_rung[LEDGER_ID_MAX + 1];   /* one rung up from body_id, read only for a
                                          * case already reopened ("" none) */
    unsigned reply_hours, resolve_hours; /* its limits as placed (a reopen restarts them) */
    int paused;                          /* its clock is paused (挂起) */
    int emergency;                       /* urgency emergency: never paused */
    int extension_pending;               /* an extension asked for, not decided */
} ledger_case_t;

struct ledger_handler {
    const char *name;
    Liandong__V1__Envelope__BodyCase body; /* the payload it serves */
    const db_stmt_t *stmts;                /* its prepared statements */
    size_t n_stmts;
    int (*validate)(ledger_job_t *j);
    int (*decide)(ledger_job_t *j, ledger_case_t *c, const char *dispatch_body);
    int (*send)(db_t *db, ledger_job_t *j);
    int (*answer)(ledger_job_t *j);
    /* Optional, instead of send: queues ONE statement for every job of
     * this handler in the batch (jobs[0..n), arrival order), sent where
     * the first of them arrived and read into jobs[0]->res[]; each job's
     * answer hook finds its part through j->group_lead and j->group_ord
     * (1-based). Set-based writes: docs/write-path.md. */
    int (*send_group)(db_t *db, ledger_job_t **jobs, size_t n);
};

/* The decide hook of requests that lock no case and decide nothing. */
int ledger_decide_nothing(ledger_job_t *j, ledger_case_t *c, const char *dispatch_body);

/* Every request the ledger serves: X(name) for a handler defined as
 * `const ledger_handler_t ledger_req_<name>` in its req_*.c file. */
#define LEDGER_REQUESTS(X)                                                                         \
    X(create_case)        /* req_case.c */                                                         \
    X(case_action)        /* req_case.c */                                                         \
    X(list_cases)         /* req_case.c */                                                         \
    X(get_case)           /* req_case.c */                                                         \
    X(rates_query)        /* req_figures.c */                                                      \
    X(ranking_query)      /* req_figures.c */                                                      \
    X(overdue_query)      /* req_figures.c */                                                      \
    X(registry_import)    /* req_registry.c */                                                     \
    X(registry_get)       /* req_registry.c */                                                     \
    X(registry_history)   /* req_registry.c */                                                     \
    X(pending_deliveries) /* req_deliveries.c */                                                   \
    X(list_deadlines)     /* req_alerts.c */                                                       \
    X(record_alert)       /* req_alerts.c */                                                       \
    X(channel_cases)      /* req_channel.c */                                                      \
    X(channel_updates)    /* req_channel.c */                                                      \
    X(case_comment)       /* req_channel.c */                                                      \
    X(wechat_resident)    /* req_wechat.c */                                                       \
    X(search_cases)       /* req_search.c */                                                       \
    X(case_departure)     /* req_search.c */                                                       \
    X(repeat_candidates)  /* req_repeats.c */                                                      \
    X(join_case)          /* req_repeats.c */                                                      \
    X(unlink_reporter)    /* req_repeats.c */                                                      \
    X(case_follow_up)     /* req_repeats.c */                                                      \
    X(link_reporter)      /* req_repeats.c */                                                      \
    X(lease)              /* req_lease.c */

#define LEDGER_DECLARE_HANDLER(n) extern const ledger_handler_t ledger_req_##n;
LEDGER_REQUESTS(LEDGER_DECLARE_HANDLER)
#undef LEDGER_DECLARE_HANDLER

/* The table, in LEDGER_REQUESTS order. */
const ledger_handler_t *const *ledger_handlers(size_t *n);
/* The handler of a payload, or NULL when the ledger does not serve it. */
const ledger_handler_t *ledger_handler_for(Liandong__V1__Envelope__BodyCase body);
/* 0 when every handler has a name, a payload of its own, all four hooks
 * and statements with unique names; else -EINVAL with a log line. */
int ledger_handlers_check(void);

/* Every prepared statement: the executor's, then each handler's, copied
 * once into a table sized from them (give it to db_create). NULL when the
 * table of handlers fails ledger_handlers_check(). */
const db_stmt_t *ledger_statements(size_t *n);

#endif
