/*
 * req_lease.c - Lease (handler of the table in handler.h): a named lease
 * held by one holder at a time (issue 17: of two notifiers, the one holding
 * lease "notifier" fires, the other stands by). Table:
 * deploy/schema/017_failover_leases.sql; docs/failover.md.
 *
 * Why the times are the database's: the holder counts its grant from the
 * moment it sent the request (before the transaction's now()), so by the
 * holder's own clock its grant ends no later than the row's expires_at;
 * another holder is granted the lease only after expires_at by the
 * database's clock. No two notifiers fire on one grant, whatever their
 * wall clocks say (their clocks' rates must only agree to within the
 * renewal margin).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "handler.h"
#include "identity.h"

#define LEASE_TTL_MIN_MS 1000u
#define LEASE_TTL_MAX_MS 600000u

static const db_stmt_t stmts[] = {
    /* $1 name $2 holder $3 ttl ms. Granted when nobody holds it, when the
     * asker holds it (a renewal), or when the grant has run out; ttl 0 from
     * the holder gives it up (expires now). Returns (held, holder, epoch,
     * ms left). */
    {"lease_take",
     "WITH g AS (INSERT INTO leases AS l (name, holder, expires_at)"
     "   VALUES ($1, $2, now() + $3::bigint * interval '1 millisecond')"
     "   ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder,"
     "     expires_at = EXCLUDED.expires_at,"
     "     epoch = l.epoch + CASE WHEN l.holder = EXCLUDED.holder THEN 0 ELSE 1 END"
     "   WHERE l.holder = EXCLUDED.holder OR l.expires_at <= now()"
     "   RETURNING holder, epoch, expires_at)"
     " SELECT $3::bigint > 0, holder, epoch,"
     "   greatest(0, extract(epoch FROM expires_at - now()) * 1000)::bigint FROM g"
     " UNION ALL"
     " SELECT false, CASE WHEN expires_at <= now() THEN '' ELSE holder END, epoch,"
     "   greatest(0, extract(epoch FROM expires_at - now()) * 1000)::bigint"
     " FROM leases WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM g)",
     3},
};

static int validate(ledger_job_t *j)
{
    role_t role = identity_role(j->user, NULL);
    if (role != ROLE_SERVICE && role != ROLE_NONE) {
        ledger_job_fail(j, LIANDONG__V1__ERROR_CODE__ERROR_FORBIDDEN,
                        "Lease is for Liandong's services only");
        return -EPERM;
    }
    const Liandong__V1__Lease *q = j->req->lease;
    if (ledger_job_missing(j, q->name, "name") || ledger_job_missing(j, q->holder, "holder") ||
        ledger_job_bad_text(j, q->name, "name", LEDGER_ID_MAX) ||
        ledger_job_bad_text(j, q->holder, "holder", LEDGER_ID_MAX))
        return -EINVAL;
    if (q->ttl_ms != 0 && (q->ttl_ms < LEASE_TTL_MIN_MS || q->ttl_ms > LEASE_TTL_MAX_MS)) {
        ledger_job_fail(j, LIANDONG__V1__ERROR_CODE__ERROR_BAD_REQUEST,
                        "ttl_ms must be 0 (give up) or %u..%u", LEASE_TTL_MIN_MS, LEASE_TTL_MAX_MS);
        return -EINVAL;
    }
    return 0;
}

static int send(db_t *db, ledger_job_t *j)
{
    const Liandong__V1__Lease *q = j->req->lease;
    j->params[0] = q->name;
    j->params[1] = q->holder;
    j->params[2] = ledger_job_printf(j, "%" PRIu32, q->ttl_ms);
    return ledger_job_send(db, j, "lease_take", 3, j->params);
}

static int answer(ledger_job_t *j)
{
    const PGresult *r = j->res[0];
    Liandong__V1__LeaseState *a = ledger_job_alloc(j, sizeof(*a));
    liandong__v1__lease_state__init(a);
    if (PQntuples(r) == 1) {
        a->held = ledger_col_bool(r, 0, 0);
        a->holder = ledger_col_str(j, r, 0, 1);
        a->epoch = (uint64_t)ledger_col_i64(r, 0, 2);
        int64_t left = ledger_col_i64(r, 0, 3);
        a->ms_left = left > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)left;
    } else {
        a->holder = "";
    }
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_LEASE_STATE;
    j->answer.lease_state = a;
    return 0;
}

const ledger_handler_t ledger_req_lease = {
    .name = "Lease",
    .body = LIANDONG__V1__ENVELOPE__BODY_LEASE,
    .stmts = stmts,
    .n_stmts = sizeof stmts / sizeof stmts[0],
    .validate = validate,
    .decide = ledger_decide_nothing,
    .send = send,
    .answer = answer,
};
