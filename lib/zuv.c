/*
 * zuv.c - ZeroMQ sockets on a libuv loop (see zuv.h for the design).
 */
#include "zuv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "invariant.h"

#define ZUV_BATCH 256

struct zuv_socket {
    uv_loop_t *loop;
    void *zsock;
    uv_poll_t poll;
    uv_check_t check;
    uv_idle_t idle;
    zuv_recv_cb cb;
    void *ud;
    size_t max_frames;
    int started;
    int idle_on;
    int open_handles;
    unsigned long received, dropped;
};

static int pending_input(zuv_socket_t *s)
{
    int ev = 0;
    size_t sz = sizeof ev;
    if (zmq_getsockopt(s->zsock, ZMQ_EVENTS, &ev, &sz) != 0)
        return 0;
    return (ev & ZMQ_POLLIN) != 0;
}

/* The idle handle only keeps the loop from blocking in poll; the draining
 * happens in the check handle. libuv refuses a NULL callback. */
static void on_idle(uv_idle_t *h)
{
    (void)h;
}

static void set_idle(zuv_socket_t *s, int on)
{
    if (on && !s->idle_on)
        uv_idle_start(&s->idle, on_idle);
    else if (!on && s->idle_on)
        uv_idle_stop(&s->idle);
    s->idle_on = on;
}

/* Receives one whole multipart message; returns 0, -EAGAIN or an error. */
static int recv_message(zuv_socket_t *s, zuv_message_t *m)
{
    /* frames[] has ZUV_MAX_FRAMES slots; zuv_socket_start bounds max_frames. */
    ASSERT(s->max_frames >= 1 && s->max_frames <= ZUV_MAX_FRAMES);
    m->nframes = 0;
    m->truncated = 0;
    for (;;) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        int flags = m->nframes == 0 ? ZMQ_DONTWAIT : 0;
        if (zmq_msg_recv(&part, s->zsock, flags) < 0) {
            int e = errno;
            zmq_msg_close(&part);
            /* Parts of one message arrive atomically: EAGAIN only before the
             * first frame. */
            for (size_t i = 0; i < m->nframes; i++)
                zmq_msg_close(&m->frames[i]);
            m->nframes = 0;
            return -e;
        }
        int more = zmq_msg_more(&part);
        if (m->nframes < s->max_frames) {
            /* zmq_msg_move releases its destination first: it must be an
             * initialised message. */
            zmq_msg_init(&m->frames[m->nframes]);
            zmq_msg_move(&m->frames[m->nframes], &part);
            m->nframes++;
        } else {
            /* Too many frames: keep the first max_frames-1 and the last,
             * so the routing envelope and the payload survive. */
            ASSERT(m->nframes == s->max_frames);
            m->truncated = 1;
            zmq_msg_close(&m->frames[m->nframes - 1]);
            zmq_msg_init(&m->frames[m->nframes - 1]);
            zmq_msg_move(&m->frames[m->nframes - 1], &part);
        }
        zmq_msg_close(&part);
        if (!more)
            return 0;
    }
}

static void drain(zuv_socket_t *s)
{
    if (!s->started || s->zsock == NULL)
        return;
    for (int i = 0; i < ZUV_BATCH; i++) {
        if (!pending_input(s))
            break;
        zuv_message_t m;
        int rc = recv_message(s, &m);
        if (rc == -EAGAIN)
            break;
        if (rc < 0) {
            s->dropped++;
            break;
        }
        s->received++;
        ASSERT(m.nframes >= 1 && m.nframes <= s->max_frames && s->cb != NULL);
        s->cb(s, &m, s->ud);
        for (size_t k = 0; k < m.nframes; k++)
            zmq_msg_close(&m.frames[k]);
        if (s->zsock == NULL) /* closed from the callback */
            return;
    }
    set_idle(s, s->started && pending_input(s));
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    drain(h->data);
}

static void on_check(uv_check_t *h)
{
    drain(h->data);
}

int zuv_socket_create(uv_loop_t *loop, void *zctx, int type, size_t max_msg, zuv_socket_t **out)
{
    zuv_socket_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->loop = loop;
    s->zsock = zmq_socket(zctx, type);
    if (s->zsock == NULL) {
        int e = errno;
        free(s);
        return -e;
    }
    int zero = 0, one = 1, ivl_max = 5000;
    int64_t maxmsg = (int64_t)(max_msg ? max_msg : 1u << 20);
    /* Never hang on exit with unsent messages. */
    zmq_setsockopt(s->zsock, ZMQ_LINGER, &zero, sizeof zero);
    /* A hostile peer must not make us allocate without bound. */
    zmq_setsockopt(s->zsock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    zmq_setsockopt(s->zsock, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    if (type == ZMQ_ROUTER)
        zmq_setsockopt(s->zsock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    *out = s;
    return 0;
}

void *zuv_socket_zmq(zuv_socket_t *s)
{
    return s ? s->zsock : NULL;
}

int zuv_socket_bind(zuv_socket_t *s, const char *endpoint)
{
    return zmq_bind(s->zsock, endpoint) == 0 ? 0 : -errno;
}

int zuv_socket_connect(zuv_socket_t *s, const char *endpoint)
{
    return zmq_connect(s->zsock, endpoint) == 0 ? 0 : -errno;
}

int zuv_socket_start(zuv_socket_t *s, size_t max_frames, zuv_recv_cb cb, void *ud)
{
    if (s == NULL || cb == NULL || max_frames < 1 || max_frames > ZUV_MAX_FRAMES || s->started)
        return -EINVAL;
    int fd;
    size_t sz = sizeof fd;
    if (zmq_getsockopt(s->zsock, ZMQ_FD, &fd, &sz) != 0)
        return -errno;
    ASSERT(s->open_handles == 0); /* started once: the handles are not initialised yet */
    s->cb = cb;
    s->ud = ud;
    s->max_frames = max_frames;
    int rc = uv_poll_init(s->loop, &s->poll, fd);
    if (rc < 0)
        return rc;
    uv_check_init(s->loop, &s->check);
    uv_idle_init(s->loop, &s->idle);
    s->poll.data = s->check.data = s->idle.data = s;
    s->open_handles = 3;
    uv_poll_start(&s->poll, UV_READABLE, on_poll);
    uv_check_start(&s->check, on_check);
    s->started = 1;
    /* Messages may already be queued: make the first iteration look. */
    set_idle(s, 1);
    return 0;
}

int zuv_socket_send(zuv_socket_t *s, const void *const *bufs, const size_t *lens, size_t n)
{
    if (s == NULL || s->zsock == NULL || n == 0)
        return -EINVAL;
    ASSERT(bufs != NULL && lens != NULL);
    for (size_t i = 0; i < n; i++) {
        int flags = ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0);
        if (zmq_send(s->zsock, bufs[i], lens[i], flags) < 0) {
            /* A failure on the first frame sends nothing; later frames of
             * a message cannot fail on HWM once the first was accepted. */
            return -errno;
        }
    }
    /* A send can consume the fd edge of pending input: look again on the
     * next iteration instead of blocking in the poll phase. */
    if (s->started)
        set_idle(s, 1);
    return 0;
}

int zuv_socket_reply(zuv_socket_t *s, const zuv_message_t *req, const void *payload, size_t len)
{
    const void *bufs[ZUV_MAX_FRAMES];
    size_t lens[ZUV_MAX_FRAMES];
    size_t n = 0;
    /* Echo the routing envelope (identity, optional empty delimiter). */
    for (size_t i = 0; i + 1 < req->nframes && n + 1 < ZUV_MAX_FRAMES; i++) {
        bufs[n] = zmq_msg_data((zmq_msg_t *)&req->frames[i]);
        lens[n] = zmq_msg_size((zmq_msg_t *)&req->frames[i]);
        n++;
    }
    ASSERT(n < ZUV_MAX_FRAMES);
    bufs[n] = payload;
    lens[n] = len;
    n++;
    return zuv_socket_send(s, bufs, lens, n);
}

static void on_handle_closed(uv_handle_t *h)
{
    zuv_socket_t *s = h->data;
    ASSERT(s->open_handles > 0 && s->zsock == NULL);
    if (--s->open_handles == 0)
        free(s);
}

void zuv_socket_close(zuv_socket_t **sp)
{
    if (sp == NULL || *sp == NULL)
        return;
    zuv_socket_t *s = *sp;
    *sp = NULL;
    /* uv_poll must stop before the fd it watches goes away. */
    if (s->started) {
        uv_poll_stop(&s->poll);
        uv_check_stop(&s->check);
        uv_idle_stop(&s->idle);
    }
    zmq_close(s->zsock);
    s->zsock = NULL;
    s->started = 0;
    if (s->open_handles > 0) {
        uv_close((uv_handle_t *)&s->poll, on_handle_closed);
        uv_close((uv_handle_t *)&s->check, on_handle_closed);
        uv_close((uv_handle_t *)&s->idle, on_handle_closed);
    } else {
        free(s);
    }
}

unsigned long zuv_socket_received(const zuv_socket_t *s)
{
    return s ? s->received : 0;
}

unsigned long zuv_socket_dropped(const zuv_socket_t *s)
{
    return s ? s->dropped : 0;
}
