/*
 * lease.c - the notifier's lease: fire only while holding it (see lease.h).
 */
#include "lease.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "notifier.h"

#define LEASE_NAME "notifier"
/* How long a stopping notifier's ledger socket may take to send its
 * giving-up (notifier_lease_give_up). */
#define LEASE_GIVE_UP_LINGER_MS 300

typedef struct {
    notifier_t *n;
    uint64_t sent_ns; /* uv_hrtime() when asked: the grant counts from here */
} lease_ctx_t;

static void ask(notifier_t *n);

static void stop_firing(notifier_t *n, const char *why, const char *holder)
{
    if (!n->firing)
        return;
    n->firing = 0;
    log_warn(NULL, "stopped firing: %s%s", why, holder ? holder : "");
    notifier_rearm(n);
}

static void on_lease(int status, wire_msg_t *answer, void *ud)
{
    lease_ctx_t *c = ud;
    notifier_t *n = c->n;
    uint64_t sent_ns = c->sent_ns;
    free(c);
    if (n->stopping)
        return;
    n->lease_asking = 0;
    envelope_t *e = status == 0 ? wire_envelope(answer) : NULL;
    if (e == NULL || e->body_case != LIANDONG__V1__ENVELOPE__BODY_LEASE_STATE ||
        e->lease_state == NULL)
        return; /* no answer: the timer stops firing when the grant runs out */
    const Liandong__V1__LeaseState *s = e->lease_state;
    if (s->held) {
        n->lease_until_ns = sent_ns + (uint64_t)n->cfg.lease_ttl_ms * 1000000u;
        if (!n->firing) {
            n->firing = 1;
            log_info(NULL, "firing: this notifier holds the lease (%s, epoch %" PRIu64 ")",
                     n->cfg.lease_holder, s->epoch);
            notifier_pump(n);
        }
        return;
    }
    if (n->firing)
        stop_firing(n, "the lease is held by ", s->holder);
    else if (!n->lease_standby_logged)
        log_info(NULL, "standing by: %s holds the lease and fires",
                 s->holder && *s->holder ? s->holder : "another notifier");
    n->lease_standby_logged = 1;
}

static void ask(notifier_t *n)
{
    if (n->lease_asking || n->stopping)
        return;
    lease_ctx_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return;
    c->n = n;
    c->sent_ns = uv_hrtime();
    Liandong__V1__Lease q = LIANDONG__V1__LEASE__INIT;
    q.name = LEASE_NAME;
    q.holder = (char *)n->cfg.lease_holder;
    q.ttl_ms = n->cfg.lease_ttl_ms;
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_LEASE;
    e.lease = &q;
    /* Bounded by the renewal period: a late answer must not be taken for
     * a grant that has mostly run out already. */
    uint32_t timeout = n->cfg.lease_ttl_ms / 3;
    if (rpc_client_call(n->ledger, &e, timeout, on_lease, c) < 0) {
        free(c);
        return;
    }
    n->lease_asking = 1;
}

static void on_lease_timer(uv_timer_t *t)
{
    notifier_t *n = t->data;
    if (n->firing && uv_hrtime() >= n->lease_until_ns)
        stop_firing(n, "the lease ran out without renewal (ledger unreachable?)", NULL);
    ask(n);
}

int notifier_lease_start(notifier_t *n)
{
    if (n->cfg.lease_ttl_ms == 0) {
        n->firing = 1;
        return 0;
    }
    int rc = uv_timer_init(n->svc.loop, &n->lease_timer);
    if (rc < 0)
        return rc;
    n->lease_timer.data = n;
    n->lease_open = 1;
    uint32_t every = n->cfg.lease_ttl_ms / 3;
    return uv_timer_start(&n->lease_timer, on_lease_timer, 0, every);
}

static void on_given_up(int status, wire_msg_t *answer, void *ud)
{
    (void)status;
    (void)answer;
    (void)ud;
}

void notifier_lease_give_up(notifier_t *n)
{
    if (!n->lease_open || !n->firing || n->ledger == NULL)
        return;
    /* A planned stop hands over at once instead of after the grant runs
     * out (up to --lease-ttl-ms): ttl 0 ends our grant. Fire and forget:
     * the socket lingers briefly so the request leaves before it closes;
     * if it is lost, the grant runs out as after a kill. */
    n->firing = 0;
    Liandong__V1__Lease q = LIANDONG__V1__LEASE__INIT;
    q.name = LEASE_NAME;
    q.holder = (char *)n->cfg.lease_holder;
    q.ttl_ms = 0;
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_LEASE;
    e.lease = &q;
    if (rpc_client_call(n->ledger, &e, 1000, on_given_up, NULL) == 0) {
        int linger = LEASE_GIVE_UP_LINGER_MS;
        zmq_setsockopt(zuv_socket_zmq(rpc_client_socket(n->ledger)), ZMQ_LINGER, &linger,
                       sizeof linger);
        log_info(NULL, "giving the lease up: the other notifier may fire now");
    }
}

void notifier_lease_stop(notifier_t *n)
{
    if (!n->lease_open)
        return;
    uv_timer_stop(&n->lease_timer);
    uv_close((uv_handle_t *)&n->lease_timer, NULL);
    n->lease_open = 0;
}

int notifier_lease_firing(const notifier_t *n)
{
    return n->firing;
}
