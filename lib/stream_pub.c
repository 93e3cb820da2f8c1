/*
 * stream_pub.c - XPUB in manual mode: every subscription is read and
 * checked before it is applied, and what peers send is budgeted (see
 * stream_pub.h for the bounds and why they are what they are).
 */
#include "stream_pub.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "authz.h"
#include "identity.h"
#include "log.h"

/* Peers are counted in a table indexed by X-Conn: a newer connection that
 * lands on a slot takes it over (ids only grow). */
#define CONN_SLOTS 1024
#define REBIND_RETRY_MS 20

typedef struct {
    uint64_t conn;
    uint32_t topics; /* subscribed for it */
    uint32_t record; /* bytes of subscriptions it sent, as libzmq keeps them */
} peer_t;

struct stream_pub {
    zuv_socket_t *sock;
    curve_auth_t *auth;
    char name[32];
    char endpoint[256]; /* as bound (ZMQ_LAST_ENDPOINT), for a cut */
    int unbound;        /* stream_pub_unbind: a standby publishes nothing */
    uint64_t cut_floor; /* connections up to this X-Conn were cut */
    size_t record_total;
    peer_t peers[CONN_SLOTS];
    uv_timer_t *rebind; /* retries the bind after a cut */
    stream_pub_counts_t counts;
    stream_pub_counts_cb counts_cb;
    void *counts_ud;
};

int stream_pub_topic_allowed(const char *user, int check_roles, const void *topic, size_t len)
{
    (void)topic;
    if (len > STREAM_TOPIC_MAX)
        return 0;
    if (!check_roles)
        return 1;
    if (user == NULL || user[0] == '\0')
        return 0; /* CURVE on but no principal: never */
    /* A body could only be given its own topic, and a topic is a prefix
     * match ("PC-YH" also takes "PC-YH2"): bodies stay off the stream. */
    return authz_stream_allowed(identity_role(user, NULL));
}

static uint64_t conn_of(zmq_msg_t *msg)
{
    const char *v = zmq_msg_gets(msg, CURVE_CONN_PROPERTY);
    return v ? strtoull(v, NULL, 10) : 0;
}

static peer_t *peer_of(stream_pub_t *p, uint64_t conn)
{
    peer_t *e = &p->peers[conn % CONN_SLOTS];
    if (e->conn != conn) {
        e->conn = conn;
        e->topics = 0;
        e->record = 0;
    }
    return e;
}

static void on_rebind(uv_timer_t *t)
{
    stream_pub_t *p = t->data;
    if (zuv_socket_bind(p->sock, p->endpoint) == 0) {
        log_info(NULL, "%s: bound again on %s", p->name, p->endpoint);
        return;
    }
    uv_timer_start(t, on_rebind, REBIND_RETRY_MS, 0);
}

/* Ends every connection (unbinding a listener ends the connections it
 * accepted) and frees libzmq's record of their subscriptions; shuts the
 * flooding key out first, so that it is refused when it reconnects. */
static void cut(stream_pub_t *p, const char *user, const char *why)
{
    if (p->auth != NULL && user != NULL)
        curve_auth_ban_stream(p->auth, user, STREAM_BAN_S);
    log_warn(NULL, "%s: cut every subscriber: %s from %s (shut out for %d s)", p->name, why,
             user ? user : "a peer", STREAM_BAN_S);
    p->counts.cuts++;
    /* Messages still queued from the cut connections are not applied:
     * their pipes are gone. */
    p->cut_floor = curve_auth_stream_conns(p->auth);
    memset(p->peers, 0, sizeof p->peers);
    p->record_total = 0;
    if (zmq_unbind(zuv_socket_zmq(p->sock), p->endpoint) != 0) {
        log_error(NULL, "%s: cannot unbind %s: %s", p->name, p->endpoint, zmq_strerror(errno));
        return;
    }
    if (zuv_socket_bind(p->sock, p->endpoint) != 0 && p->rebind != NULL)
        uv_timer_start(p->rebind, on_rebind, REBIND_RETRY_MS, 0);
}

static void refuse(stream_pub_t *p, const char *user, const char *why)
{
    p->counts.refused++;
    authz_log_refusal(p->name, user ? user : "", "subscribe", why);
}

static void apply(stream_pub_t *p, zuv_socket_t *s, zmq_msg_t *msg)
{
    const unsigned char *d = zmq_msg_data(msg);
    size_t len = zmq_msg_size(msg) - 1;
    const char *user = zmq_msg_gets(msg, "User-Id");
    if (d[0] == 0 && user == NULL && p->auth != NULL) {
        /* libzmq reporting a departed peer's subscription as removed. */
        p->counts.unsubscribed++;
        p->record_total -= p->record_total < len + 1 ? p->record_total : len + 1;
        return;
    }
    uint64_t conn = conn_of(msg);
    if (p->auth != NULL && conn <= p->cut_floor)
        return; /* from a connection that was cut */
    peer_t *e = peer_of(p, conn);
    if (d[0] == 0) {
        /* The peer's own unsubscription: it touches only its own entry. */
        zmq_setsockopt(zuv_socket_zmq(s), ZMQ_UNSUBSCRIBE, d + 1, len);
        p->counts.unsubscribed++;
        e->record -= e->record < len + 1 ? e->record : (uint32_t)(len + 1);
        p->record_total -= p->record_total < len + 1 ? p->record_total : len + 1;
        if (e->topics > 0)
            e->topics--;
        return;
    }
    /* libzmq has kept this subscription whatever we decide: budget it. */
    e->record += (uint32_t)(len + 1);
    p->record_total += len + 1;
    if (e->record > STREAM_RECORD_PER_PEER || p->record_total > STREAM_RECORD_TOTAL) {
        refuse(p, user, "subscription flood");
        cut(p, user,
            e->record > STREAM_RECORD_PER_PEER ? "one peer's subscriptions"
                                               : "all peers' subscriptions");
        return;
    }
    if (!stream_pub_topic_allowed(user, p->auth != NULL, d + 1, len)) {
        refuse(p, user,
               len > STREAM_TOPIC_MAX ? "topic too long"
                                      : "this role may not subscribe to the stream");
        return;
    }
    if (e->topics >= STREAM_TOPICS_PER_PEER) {
        refuse(p, user, "too many topics on one connection");
        return;
    }
    /* Manual mode: the subscription goes to the peer whose message was
     * just read, and only now does it match published messages. */
    if (zmq_setsockopt(zuv_socket_zmq(s), ZMQ_SUBSCRIBE, d + 1, len) == 0) {
        e->topics++;
        p->counts.subscribed++;
    }
}

static void on_subscription(zuv_socket_t *s, zuv_message_t *m, void *ud)
{
    stream_pub_t *p = ud;
    /* A subscription is one frame: [1|0][topic]; a SUB peer sends nothing
     * else, and anything else is ignored. */
    if (m->nframes != 1 || m->truncated || zmq_msg_size(&m->frames[0]) < 1)
        return;
    const unsigned char *d = zmq_msg_data(&m->frames[0]);
    if (d[0] > 1)
        return;
    apply(p, s, &m->frames[0]);
    if (p->counts_cb != NULL)
        p->counts_cb(&p->counts, p->counts_ud);
}

static void on_timer_closed(uv_handle_t *h)
{
    free(h);
}

int stream_pub_create(uv_loop_t *loop, void *zctx, const char *name, curve_auth_t *auth,
                      stream_pub_t **out)
{
    stream_pub_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return -ENOMEM;
    snprintf(p->name, sizeof p->name, "%s", name);
    p->auth = auth;
    p->rebind = malloc(sizeof *p->rebind);
    int rc = p->rebind ? 0 : -ENOMEM;
    if (rc == 0) {
        uv_timer_init(loop, p->rebind);
        p->rebind->data = p;
        /* A subscriber sends subscriptions only: the frame limit keeps each
         * one small, and ends the connection of a peer that sends more. */
        rc = zuv_socket_create(loop, zctx, ZMQ_XPUB, STREAM_FRAME_MAX, &p->sock);
    }
    /* libzmq moves what a peer sent into its record as fast as the
     * receive queue lets it, before we read it: keep that queue short. */
    int one = 1, rcvhwm = STREAM_RCVHWM;
    if (rc == 0 &&
        (zmq_setsockopt(zuv_socket_zmq(p->sock), ZMQ_XPUB_MANUAL, &one, sizeof one) != 0 ||
         zmq_setsockopt(zuv_socket_zmq(p->sock), ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm) != 0))
        rc = -errno;
    if (rc == 0)
        rc = zuv_socket_start(p->sock, 1, on_subscription, p);
    if (rc < 0) {
        stream_pub_destroy(&p);
        return rc;
    }
    *out = p;
    return 0;
}

void *stream_pub_zmq(stream_pub_t *p)
{
    return p ? zuv_socket_zmq(p->sock) : NULL;
}

int stream_pub_bind(stream_pub_t *p, const char *endpoint)
{
    int rc = zuv_socket_bind(p->sock, endpoint);
    if (rc < 0)
        return rc;
    size_t sz = sizeof p->endpoint;
    if (zmq_getsockopt(zuv_socket_zmq(p->sock), ZMQ_LAST_ENDPOINT, p->endpoint, &sz) != 0)
        snprintf(p->endpoint, sizeof p->endpoint, "%s", endpoint);
    return 0;
}

int stream_pub_unbind(stream_pub_t *p)
{
    if (p == NULL || p->unbound)
        return 0;
    if (p->rebind != NULL)
        uv_timer_stop(p->rebind);
    /* As a cut, without shutting anyone out: what is still queued from the
     * ended connections is not applied. */
    p->cut_floor = curve_auth_stream_conns(p->auth);
    memset(p->peers, 0, sizeof p->peers);
    p->record_total = 0;
    if (zmq_unbind(zuv_socket_zmq(p->sock), p->endpoint) != 0)
        return -errno;
    p->unbound = 1;
    return 0;
}

int stream_pub_rebind(stream_pub_t *p)
{
    if (p == NULL || !p->unbound)
        return 0;
    int rc = zuv_socket_bind(p->sock, p->endpoint);
    if (rc == 0)
        p->unbound = 0;
    return rc;
}

int stream_pub_send(stream_pub_t *p, const void *const *bufs, const size_t *lens, size_t n)
{
    return p ? zuv_socket_send(p->sock, bufs, lens, n) : -EINVAL;
}

stream_pub_counts_t stream_pub_counts(const stream_pub_t *p)
{
    stream_pub_counts_t zero = {0, 0, 0, 0};
    return p ? p->counts : zero;
}

void stream_pub_on_counts(stream_pub_t *p, stream_pub_counts_cb cb, void *ud)
{
    if (p == NULL)
        return;
    p->counts_cb = cb;
    p->counts_ud = ud;
}

void stream_pub_destroy(stream_pub_t **pp)
{
    if (pp == NULL || *pp == NULL)
        return;
    stream_pub_t *p = *pp;
    *pp = NULL;
    if (p->counts.refused > 0 || p->counts.cuts > 0)
        log_info(NULL, "%s: %lu subscriptions refused, cut %lu times", p->name, p->counts.refused,
                 p->counts.cuts);
    if (p->rebind != NULL) {
        uv_timer_stop(p->rebind);
        uv_close((uv_handle_t *)p->rebind, on_timer_closed);
    }
    zuv_socket_close(&p->sock);
    free(p);
}
