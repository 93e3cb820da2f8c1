/*
 * stream_pub.h - a publisher that decides what each subscriber receives.
 *
 * The ledger's event stream and the notifier's alert stream are XPUB
 * sockets with ZMQ_XPUB_MANUAL: libzmq hands every (un)subscription a peer
 * sends to us instead of applying it, and a topic reaches the distribution
 * trie only when stream_pub subscribes it for that peer, after checking the
 * key the connection authenticated with (the ZAP User-Id on the
 * subscription message), the topic's size and the peer's count.
 *
 * Bounds per peer (a connection, named by the ZAP handler's X-Conn):
 *  - a topic is at most STREAM_TOPIC_MAX bytes, a peer holds at most
 *    STREAM_TOPICS_PER_PEER topics; more is refused (not subscribed,
 *    logged at a limited rate, counted);
 *  - libzmq itself keeps a record of every subscription a peer sent, taken
 *    or refused, until the peer goes (~32 bytes per topic byte), and an
 *    XPUB cannot drop one peer. So what peers sent is budgeted: past
 *    STREAM_RECORD_PER_PEER bytes for one peer, or STREAM_RECORD_TOTAL for
 *    all, the sending key is shut out of the streams for STREAM_BAN_S
 *    seconds (ZAP refuses it) and the stream is cut: unbound and bound
 *    again, which ends every connection and frees libzmq's record. Honest
 *    subscribers reconnect and resubscribe by themselves within the
 *    reconnect interval; what was published meanwhile is lost to them, as
 *    at a high-water mark (the notifier resynchronises by seq; the ledger
 *    keeps every alert).
 *  - a frame larger than the socket's ZMQ_MAXMSGSIZE (STREAM_FRAME_MAX:
 *    the CURVE handshake must fit) ends the connection inside libzmq.
 * When a peer goes, libzmq removes its subscriptions and reports each as
 * an unsubscription without a peer: counted as released.
 */
#ifndef LIANDONG_STREAM_PUB_H
#define LIANDONG_STREAM_PUB_H

#include <stddef.h>

#include "curve.h"
#include "zuv.h"

/* The longest topic a subscriber may ask for: body ids are far shorter. */
#define STREAM_TOPIC_MAX 128
#define STREAM_TOPICS_PER_PEER 64
/* Bytes of subscriptions (taken or not) libzmq may hold for one peer, and
 * for all peers, before the sender is shut out and the stream cut. */
#define STREAM_RECORD_PER_PEER (16u * 1024u)
#define STREAM_RECORD_TOTAL (1024u * 1024u)
#define STREAM_BAN_S 60
/* Subscriptions queued per peer inside libzmq before it stops reading. */
#define STREAM_RCVHWM 128
/* CURVE's INITIATE command is ~300 bytes: the smallest frame limit that
 * still lets a client in. */
#define STREAM_FRAME_MAX 512

typedef struct stream_pub stream_pub_t;

typedef struct {
    unsigned long subscribed;   /* topics subscribed for a peer */
    unsigned long refused;      /* subscriptions refused (role, topic, count) */
    unsigned long unsubscribed; /* unsubscriptions, including a departed peer's */
    unsigned long cuts;         /* times the stream was cut for a flood */
} stream_pub_counts_t;

/* Creates an XPUB socket in manual mode named `name` (for logs). `auth`
 * is the ZAP handler (secure_t.auth); NULL when CURVE is off (loopback
 * development): then there are no keys, every role is taken, all peers
 * count as one for the bounds and nobody can be shut out.
 * Secure it through stream_pub_zmq() before stream_pub_bind(). */
int stream_pub_create(uv_loop_t *loop, void *zctx, const char *name, curve_auth_t *auth,
                      stream_pub_t **out);
void *stream_pub_zmq(stream_pub_t *p);
int stream_pub_bind(stream_pub_t *p, const char *endpoint);
/* Stops listening (ending every subscriber's connection) / listens again
 * on the endpoint of stream_pub_bind: a standby ledger has no stream
 * (issue 17). 0 or a negative errno; no-ops when already so. */
int stream_pub_unbind(stream_pub_t *p);
int stream_pub_rebind(stream_pub_t *p);
/* Publishes one message of n frames (the first is the topic). Returns 0,
 * -EAGAIN at the high-water mark, or another negative errno. */
int stream_pub_send(stream_pub_t *p, const void *const *bufs, const size_t *lens, size_t n);
stream_pub_counts_t stream_pub_counts(const stream_pub_t *p);
/* Calls cb (on the loop thread) whenever the counts changed: the ledger
 * copies them into /metrics. */
typedef void (*stream_pub_counts_cb)(const stream_pub_counts_t *c, void *ud);
void stream_pub_on_counts(stream_pub_t *p, stream_pub_counts_cb cb, void *ud);
void stream_pub_destroy(stream_pub_t **pp);

/* 1 when the principal `user` ("role:id"; ignored when check_roles is 0)
 * may receive `topic`. Services and operators may subscribe to everything,
 * every other role to nothing (see docs/roles.md for why bodies hear their
 * alerts through the router's desk socket). */
int stream_pub_topic_allowed(const char *user, int check_roles, const void *topic, size_t len);

#endif
