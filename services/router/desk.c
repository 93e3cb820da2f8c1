/*
 * desk.c - department desks: attach, delivery with redelivery, and the
 * department's actions forwarded to the ledger under the identity of its
 * key (see desk.h).
 */
#include "desk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk_rid.h"
#include "authz.h"
#include "identity.h"
#include "log.h"
#include "reply_text.h"
#include "router.h"

#define DESK_MAX_PEERS 4096
#define DESK_WINDOW_DEFAULT 64
#define DESK_WINDOW_MAX 1024
#define DESK_SYNC_MS 1000
#define DESK_REDELIVER_MS 5000
#define DESK_IDLE_MS 60000

typedef struct {
    uint64_t seq;
    uint64_t pushed_at;
} inflight_t;

typedef struct {
    char body_id[96];
    uint8_t route[256]; /* ZeroMQ routing id of the connection */
    size_t route_len;
    uint32_t window;
    int fetching;
    int again; /* poked while fetching: fetch once more */
    uint64_t last_seen;
    inflight_t *inflight;
    size_t n_inflight;
    int used;
} peer_t;

struct desk {
    router_t *r;
    peer_t peers[DESK_MAX_PEERS];
    size_t n_peers;
    uv_timer_t timer;
    unsigned long pushed, acked;
};

static peer_t *find_peer(desk_t *d, const char *body)
{
    for (size_t i = 0; i < d->n_peers; i++)
        if (d->peers[i].used && strcmp(d->peers[i].body_id, body) == 0)
            return &d->peers[i];
    return NULL;
}

static void drop_peer(desk_t *d, peer_t *p, const char *why)
{
    log_info(NULL, "desk %s detached: %s", p->body_id, why);
    free(p->inflight);
    memset(p, 0, sizeof(*p));
    while (d->n_peers > 0 && !d->peers[d->n_peers - 1].used)
        d->n_peers--;
}

static inflight_t *inflight_find(peer_t *p, uint64_t seq)
{
    for (size_t i = 0; i < p->n_inflight; i++)
        if (p->inflight[i].seq == seq)
            return &p->inflight[i];
    return NULL;
}

/* Pushes one delivery; returns 0 or a negative errno (peer gone). */
static int push(desk_t *d, peer_t *p, Liandong__V1__CaseRecord *rec)
{
    char rid[48];
    snprintf(rid, sizeof rid, "dlv-%llu", (unsigned long long)rec->delivery_seq);
    Liandong__V1__CaseDelivery cd = LIANDONG__V1__CASE_DELIVERY__INIT;
    cd.record = rec;
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    e.request_id = rid;
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_DELIVERY;
    e.case_delivery = &cd;
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = wire_pack(&e, &buf, &len);
    if (rc < 0)
        return rc;
    const void *bufs[2] = {p->route, buf};
    size_t lens[2] = {p->route_len, len};
    rc = zuv_socket_send(rpc_server_socket(d->r->desk), bufs, lens, 2);
    free(buf);
    if (rc == 0)
        d->pushed++;
    return rc;
}

int desk_push_raw(desk_t *d, const char *body_id, const void *buf, size_t len)
{
    peer_t *p = find_peer(d, body_id);
    if (p == NULL)
        return -ENOENT;
    const void *bufs[2] = {p->route, buf};
    size_t lens[2] = {p->route_len, len};
    return zuv_socket_send(rpc_server_socket(d->r->desk), bufs, lens, 2);
}

typedef struct {
    desk_t *d;
    char body_id[96];
} fetch_t;

static void fetch(desk_t *d, peer_t *p);

static void on_pending(int status, wire_msg_t *answer, void *ud)
{
    fetch_t *f = ud;
    desk_t *d = f->d;
    peer_t *p = d ? find_peer(d, f->body_id) : NULL;
    free(f);
    if (p == NULL)
        return; /* detached meanwhile, or shutting down */
    p->fetching = 0;
    envelope_t *e = status == 0 ? wire_envelope(answer) : NULL;
    if (e == NULL || e->body_case != LIANDONG__V1__ENVELOPE__BODY_DELIVERY_LIST) {
        log_warn(NULL, "desk %s: pending deliveries not available (%s)", p->body_id,
                 status < 0      ? strerror(-status)
                 : e && e->error ? e->error->message
                                 : "unexpected answer");
        return;
    }
    const Liandong__V1__DeliveryList *dl = e->delivery_list;
    uint64_t now = uv_now(d->r->svc.loop);
    /* Keep in flight only what the ledger still calls pending. */
    size_t keep = 0;
    for (size_t i = 0; i < p->n_inflight; i++) {
        int pending = 0;
        for (size_t k = 0; k < dl->n_cases && !pending; k++)
            pending = dl->cases[k]->delivery_seq == p->inflight[i].seq;
        if (pending)
            p->inflight[keep++] = p->inflight[i];
    }
    p->n_inflight = keep;
    for (size_t k = 0; k < dl->n_cases; k++) {
        Liandong__V1__CaseRecord *rec = dl->cases[k];
        inflight_t *inf = inflight_find(p, rec->delivery_seq);
        if (inf != NULL && now - inf->pushed_at < DESK_REDELIVER_MS)
            continue;
        if (inf == NULL && p->n_inflight >= p->window)
            break; /* in order: nothing later before this one has room */
        int rc = push(d, p, rec);
        if (rc < 0) {
            drop_peer(d, p, rc == -EHOSTUNREACH ? "connection gone" : zmq_strerror(-rc));
            return;
        }
        if (inf == NULL) {
            inf = &p->inflight[p->n_inflight++];
            inf->seq = rec->delivery_seq;
        }
        inf->pushed_at = now;
    }
    if (p->again) {
        p->again = 0;
        fetch(d, p);
    }
}

static void fetch(desk_t *d, peer_t *p)
{
    if (p->fetching) {
        p->again = 1;
        return;
    }
    fetch_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return;
    f->d = d;
    snprintf(f->body_id, sizeof f->body_id, "%s", p->body_id);
    Liandong__V1__PendingDeliveries pd = LIANDONG__V1__PENDING_DELIVERIES__INIT;
    pd.body_id = p->body_id;
    pd.limit = p->window;
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_PENDING_DELIVERIES;
    e.pending_deliveries = &pd;
    if (rpc_client_call(d->r->ledger, &e, 5000, on_pending, f) == 0)
        p->fetching = 1;
    else
        free(f);
}

static void on_timer(uv_timer_t *t)
{
    desk_t *d = t->data;
    uint64_t now = uv_now(d->r->svc.loop);
    for (size_t i = 0; i < d->n_peers; i++) {
        peer_t *p = &d->peers[i];
        if (!p->used)
            continue;
        if (now - p->last_seen > DESK_IDLE_MS) {
            drop_peer(d, p, "silent for a minute");
            continue;
        }
        fetch(d, p);
    }
}

static void attach(desk_t *d, rpc_request_t *req, const char *body)
{
    const Liandong__V1__DeskAttach *a = rpc_request_envelope(req)->desk_attach;
    peer_t *p = find_peer(d, body);
    if (p == NULL) {
        for (size_t i = 0; i < DESK_MAX_PEERS && p == NULL; i++)
            if (!d->peers[i].used)
                p = &d->peers[i];
        if (p == NULL) {
            rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE,
                             "too many desks attached");
            return;
        }
        if ((size_t)(p - d->peers) >= d->n_peers)
            d->n_peers = (size_t)(p - d->peers) + 1;
    }
    uint8_t route[sizeof p->route];
    size_t route_len = rpc_request_route(req, route, sizeof route);
    if (p->used && route_len == p->route_len && memcmp(route, p->route, route_len) == 0) {
        /* The same connection attaching again (a desk's heartbeat: a
         * restarted router answers it as a new attachment, this one
         * changes nothing). */
        p->last_seen = uv_now(d->r->svc.loop);
        Liandong__V1__DeskAttached again = LIANDONG__V1__DESK_ATTACHED__INIT;
        again.body_id = p->body_id;
        envelope_t ans = LIANDONG__V1__ENVELOPE__INIT;
        ans.body_case = LIANDONG__V1__ENVELOPE__BODY_DESK_ATTACHED;
        ans.desk_attached = &again;
        rpc_request_answer(req, &ans);
        return;
    }
    uint32_t window = a->window ? a->window : DESK_WINDOW_DEFAULT;
    if (window > DESK_WINDOW_MAX)
        window = DESK_WINDOW_MAX;
    inflight_t *inflight = calloc(window, sizeof(*inflight));
    if (inflight == NULL) {
        rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_INTERNAL, "out of memory");
        return;
    }
    /* A new connection of the same body replaces the old one: whatever was
     * pushed on the old connection is pushed again on the new one. */
    free(p->inflight);
    memset(p, 0, sizeof(*p));
    p->used = 1;
    p->inflight = inflight;
    p->window = window;
    snprintf(p->body_id, sizeof p->body_id, "%s", body);
    memcpy(p->route, route, route_len);
    p->route_len = route_len;
    p->last_seen = uv_now(d->r->svc.loop);
    Liandong__V1__DeskAttached da = LIANDONG__V1__DESK_ATTACHED__INIT;
    da.body_id = p->body_id;
    envelope_t ans = LIANDONG__V1__ENVELOPE__INIT;
    ans.body_case = LIANDONG__V1__ENVELOPE__BODY_DESK_ATTACHED;
    ans.desk_attached = &da;
    log_info(NULL, "desk %s attached (window %u)", p->body_id, p->window);
    rpc_request_answer(req, &ans);
    fetch(d, p);
}

typedef struct {
    desk_t *d;
    rpc_request_t *req;
    char body_id[96];
    int delivered;
} forward_t;

static void on_forwarded(int status, wire_msg_t *answer, void *ud)
{
    forward_t *f = ud;
    if (status < 0) {
        rpc_request_fail(f->req, LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE,
                         "the ledger did not confirm in time; retry with the same request");
    } else {
        envelope_t *e = wire_envelope(answer);
        /* Pass the ledger's answer through unchanged. */
        rpc_request_answer(f->req, e);
        /* A returned case now waits at the dispatch centre: push it there
         * now rather than at the next sync. */
        if (f->d && e->body_case == LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION_DONE &&
            e->case_action_done->event && strcmp(e->case_action_done->event->kind, "returned") == 0)
            desk_poke(f->d, e->case_action_done->event->body_id);
        if (f->delivered && f->d && e->body_case == LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION_DONE) {
            f->d->acked++;
            peer_t *p = find_peer(f->d, f->body_id);
            if (p)
                fetch(f->d, p);
        }
    }
    free(f);
}

/* 1 when the registry names a dispatch centre (or is not loaded yet: the
 * ledger then decides, and its schema refuses a return to nobody). */
static int has_dispatch_center(const registry_t *reg)
{
    if (reg == NULL)
        return 1;
    for (size_t i = 0; i < registry_body_count(reg); i++)
        if (registry_body(reg, i)->kind == BODY_DISPATCH_CENTER)
            return 1;
    return 0;
}

/* A department's action: the actor is the body of its key; `principal`
 * names the person when a staff key sent it ("" for the body's desk). */
static void forward_action(desk_t *d, rpc_request_t *req, const char *actor, const char *principal)
{
    Liandong__V1__CaseAction *ca = rpc_request_envelope(req)->case_action;
    /* A returned case waits at the dispatch centre (ROUTING.md section 7).
     * With none in the registry there is nobody to hand it to: refuse the
     * return, the case stays with its holder (it was once recorded as held
     * by a body id "dispatch_center" that no one could ever see). */
    if (ca->kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_RETURN &&
        !has_dispatch_center(d->r->registry)) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "the registry has no dispatch centre to return case %.64s to; it stays with "
                 "its holder",
                 ca->case_id);
        rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_NOT_FOUND, msg);
        return;
    }
    /* ROUTING.md section 8: an answer must say something. The ledger
     * refuses it too (it is the authority); refusing here, with the same
     * rule and reason, spares the round trip and a desk's retries. */
    if (ca->kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_REPLY ||
        ca->kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_RESOLVE) {
        char why[200];
        if (reply_text_check(ca->text, d->r->min_reply_chars,
                             ca->kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_REPLY
                                 ? "reply text"
                                 : "resolution result",
                             why, sizeof why) < 0) {
            rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_BAD_REQUEST, why);
            return;
        }
    }
    /* The ledger deduplicates on the request id: forward under one derived
     * from the body and the department's own id, so a retry after a lost
     * answer is answered as a duplicate instead of being refused as an
     * illegal transition, and no body can reach another body's ids. */
    char rid[DESK_RID_MAX + 1];
    if (desk_rid_make(actor, rpc_request_id(req), rid, sizeof rid) < 0) {
        rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_BAD_REQUEST,
                         "a case action needs a request_id of 1 to 64 printable ASCII characters "
                         "(repeat it to retry) and a body id of letters, digits, '_' and '-'");
        return;
    }
    forward_t *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_INTERNAL, "out of memory");
        return;
    }
    f->d = d;
    f->req = req;
    f->delivered = ca->kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_DELIVERED;
    snprintf(f->body_id, sizeof f->body_id, "%s", actor);
    char *claimed = ca->actor;
    /* The ledger records a staff person as acting for their body. */
    ca->actor = (char *)(*principal ? principal : actor);
    envelope_t out = LIANDONG__V1__ENVELOPE__INIT;
    out.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION;
    out.case_action = ca;
    int rc = rpc_client_call_as(d->r->ledger, &out, rid, d->r->ledger_timeout_ms, on_forwarded, f);
    ca->actor = claimed;
    if (rc < 0) {
        rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE,
                         "the ledger cannot take requests now; retry");
        free(f);
    }
}

void router_on_desk_request(rpc_server_t *srv, rpc_request_t *req, void *ud)
{
    (void)srv;
    router_t *r = ud;
    desk_t *d = r->desks;
    envelope_t *e = rpc_request_envelope(req);
    const char *user = rpc_request_user(req);
    const char *id = NULL;
    role_t role = identity_role(user, &id);
    char body[96] = "", principal[CURVE_USER_MAX] = "";
    if (router_authorize(r, AUTHZ_DESK, req))
        return;
    if (role == ROLE_BODY) {
        snprintf(body, sizeof body, "%s", id);
    } else if (role == ROLE_STAFF) {
        /* A named person of one body: acts for that body only. */
        snprintf(body, sizeof body, "%s", identity_staff_body(id));
        snprintf(principal, sizeof principal, "%s", user);
    } else if (role == ROLE_NONE && e->body_case == LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION &&
               e->case_action) {
        /* CURVE off (development only): the claimed body is all there is. */
        snprintf(body, sizeof body, "%s", e->case_action->actor);
    }
    peer_t *p = d && body[0] ? find_peer(d, body) : NULL;
    if (p)
        p->last_seen = uv_now(r->svc.loop); /* any message is a heartbeat */
    if (router_common_request(r, req))
        return;
    if (d == NULL || r->svc.stopping) {
        rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE, "shutting down");
        return;
    }
    if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_DESK_ATTACH) {
        if (role == ROLE_NONE && e->desk_attach) {
            rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_FORBIDDEN,
                             "attaching a desk needs a body key (CURVE is off)");
            return;
        }
        if (role != ROLE_BODY) {
            rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_FORBIDDEN,
                             "only a department body's key may attach a desk");
            return;
        }
        attach(d, req, body);
        return;
    }
    if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION) {
        if (body[0] == '\0') {
            rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_FORBIDDEN,
                             "case actions on the desk socket need a body key");
            return;
        }
        if (e->case_action->kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_ESCALATE ||
            e->case_action->kind == LIANDONG__V1__CASE_ACTION_KIND__ACTION_DISPATCH) {
            /* The router, not the department, chooses the new holder. */
            router_on_case_action(r, req);
            return;
        }
        forward_action(d, req, body, principal);
        return;
    }
    char msg[128];
    snprintf(msg, sizeof msg, "the desk socket does not serve %s", wire_body_name(e));
    rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_UNKNOWN_TYPE, msg);
}

void desk_poke(desk_t *d, const char *body_id)
{
    peer_t *p = d ? find_peer(d, body_id) : NULL;
    if (p)
        fetch(d, p);
}

size_t desk_attached(const desk_t *d)
{
    size_t n = 0;
    for (size_t i = 0; d && i < d->n_peers; i++)
        n += d->peers[i].used;
    return n;
}

int desk_heartbeat(void *zsock)
{
    int ivl = 5000, timeout = 15000;
    if (zmq_setsockopt(zsock, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl) != 0 ||
        zmq_setsockopt(zsock, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof timeout) != 0)
        return -errno;
    return 0;
}

int desk_create(router_t *r, desk_t **out)
{
    desk_t *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return -ENOMEM;
    d->r = r;
    uv_timer_init(r->svc.loop, &d->timer);
    d->timer.data = d;
    uv_timer_start(&d->timer, on_timer, DESK_SYNC_MS, DESK_SYNC_MS);
    *out = d;
    return 0;
}

static void on_timer_closed(uv_handle_t *h)
{
    free(h->data);
}

void desk_destroy(desk_t **dp)
{
    if (dp == NULL || *dp == NULL)
        return;
    desk_t *d = *dp;
    *dp = NULL;
    for (size_t i = 0; i < d->n_peers; i++)
        free(d->peers[i].inflight);
    uv_timer_stop(&d->timer);
    uv_close((uv_handle_t *)&d->timer, on_timer_closed);
}
