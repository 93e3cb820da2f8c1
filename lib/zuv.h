/*
 * zuv.h - a ZeroMQ socket driven from a libuv loop.
 *
 * ZMQ_FD is edge-triggered and can become readable after a send without a
 * new edge, so a socket is drained from three places: a uv_poll on ZMQ_FD
 * (only wakes the loop), a uv_check after every loop iteration, and a
 * uv_idle kept running while ZMQ_EVENTS still shows input (so the loop
 * never blocks with messages queued). Each pass drains a bounded batch so
 * one busy socket cannot starve the others.
 *
 * Messages are delivered as an array of frames valid only during the
 * callback. Messages with more than `max_frames` frames are truncated to
 * the first max_frames - 1 plus the last frame, and flagged, so the service
 * can still answer the sender with an error instead of dropping silently.
 */
#ifndef LIANDONG_ZUV_H
#define LIANDONG_ZUV_H

#include <stddef.h>
#include <uv.h>
#include <zmq.h>

#define ZUV_MAX_FRAMES 8

typedef struct zuv_socket zuv_socket_t;

typedef struct {
    zmq_msg_t frames[ZUV_MAX_FRAMES];
    size_t nframes;
    int truncated; /* more frames than max_frames arrived */
} zuv_message_t;

typedef void (*zuv_recv_cb)(zuv_socket_t *s, zuv_message_t *m, void *ud);

/* Creates the ZeroMQ socket in `zctx` with safe defaults: linger 0,
 * ZMQ_MAXMSGSIZE `max_msg` (0 = 1 MiB), reconnect backoff capped at 5 s,
 * ROUTER_MANDATORY on ROUTER sockets (so an unknown peer is an error, not
 * a silent drop). Curve and other options are set by the caller through
 * zuv_socket_zmq() before bind/connect. */
int zuv_socket_create(uv_loop_t *loop, void *zctx, int type, size_t max_msg, zuv_socket_t **out);
void *zuv_socket_zmq(zuv_socket_t *s);
int zuv_socket_bind(zuv_socket_t *s, const char *endpoint);
int zuv_socket_connect(zuv_socket_t *s, const char *endpoint);
/* Starts delivering messages; max_frames <= ZUV_MAX_FRAMES. */
int zuv_socket_start(zuv_socket_t *s, size_t max_frames, zuv_recv_cb cb, void *ud);
/* Sends one multipart message without blocking. Returns 0, -EAGAIN at the
 * high-water mark, -EHOSTUNREACH for an unknown ROUTER peer, or another
 * negative errno. */
int zuv_socket_send(zuv_socket_t *s, const void *const *bufs, const size_t *lens, size_t n);
/* Re-sends frames received earlier (routing envelope) followed by a payload:
 * the usual way to answer on a ROUTER socket. */
int zuv_socket_reply(zuv_socket_t *s, const zuv_message_t *req, const void *payload, size_t len);
/* Stops the handles and closes the ZeroMQ socket; memory is released when
 * libuv has closed the handles. Nulls *sp. */
void zuv_socket_close(zuv_socket_t **sp);
/* Counters for metrics. */
unsigned long zuv_socket_received(const zuv_socket_t *s);
unsigned long zuv_socket_dropped(const zuv_socket_t *s);

#endif
