/*
 * sync_client.c - blocking Envelope request/answer (see sync_client.h).
 */
#include "sync_client.h"
#include "secure.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

/* An answer may be large (a case list); the peer is one of our services. */
#define SYNC_CLIENT_MAX_ANSWER (256u << 20)

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sync_client_open(sync_client_t *c, void *zctx, const char *endpoint, int timeout_ms,
                     const char *keys_dir, const char *identity, const char *server_identity,
                     const char *rid_prefix)
{
    memset(c, 0, sizeof(*c));
    c->timeout_ms = timeout_ms;
    snprintf(c->rid_prefix, sizeof c->rid_prefix, "%s", rid_prefix ? rid_prefix : "sync");
    c->zctx = zctx;
    if (c->zctx == NULL) {
        c->zctx = zmq_ctx_new();
        if (c->zctx == NULL)
            return -errno;
        c->own_ctx = 1;
    }
    c->sock = zmq_socket(c->zctx, ZMQ_DEALER);
    if (c->sock == NULL)
        return -errno;
    int zero = 0;
    int64_t maxmsg = SYNC_CLIENT_MAX_ANSWER;
    zmq_setsockopt(c->sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (keys_dir != NULL) {
        char role[CURVE_USER_MAX], id[CURVE_USER_MAX], srole[CURVE_USER_MAX], sid[CURVE_USER_MAX];
        curve_keypair_t self, server;
        int rc = secure_split_identity(identity, role, sizeof role, id, sizeof id);
        if (rc == 0)
            rc = secure_split_identity(server_identity, srole, sizeof srole, sid, sizeof sid);
        if (rc == 0)
            rc = curve_keypair_load(keys_dir, role, id, 0, &self);
        if (rc == 0)
            rc = curve_keypair_load(keys_dir, srole, sid, 1, &server);
        if (rc == 0)
            rc = curve_client_setup(c->sock, &self, server.public_key);
        /* The secret key must not outlive its use in a stack frame. */
        memset(&self, 0, sizeof self);
        if (rc < 0)
            return -ENOKEY; /* the caller says which keys, in its own words */
    }
    if (zmq_connect(c->sock, endpoint) != 0)
        return -errno;
    return 0;
}

/* Reads one message (all its frames); 0 with *w, 1 when it was not an
 * Envelope (skipped), or a negative errno. */
static int recv_one(sync_client_t *c, wire_msg_t **w)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, c->sock, 0) < 0) {
        int e = errno;
        zmq_msg_close(&m);
        return -e;
    }
    int more = zmq_msg_more(&m);
    char err[160];
    int rc =
        wire_unpack(zmq_msg_data(&m), zmq_msg_size(&m), SYNC_CLIENT_MAX_ANSWER, w, err, sizeof err);
    zmq_msg_close(&m);
    while (more) { /* a well-behaved server sends one frame; skip extras */
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, c->sock, 0) < 0) {
            zmq_msg_close(&m);
            break;
        }
        more = zmq_msg_more(&m);
        zmq_msg_close(&m);
    }
    return rc < 0 ? 1 : 0;
}

int sync_client_call(sync_client_t *c, envelope_t *req, wire_msg_t **answer)
{
    char rid[WIRE_REQUEST_ID_MAX + 1];
    char *given = req->request_id;
    if (given != NULL && *given != '\0')
        snprintf(rid, sizeof rid, "%s", given);
    else
        snprintf(rid, sizeof rid, "%s-%lu", c->rid_prefix, ++c->seq);
    req->request_id = rid;
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = wire_pack(req, &buf, &len);
    req->request_id = given;
    if (rc < 0)
        return rc;
    rc = zmq_send(c->sock, buf, len, 0);
    free(buf);
    if (rc < 0)
        return -errno;
    int64_t deadline = now_ms() + c->timeout_ms;
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        zmq_pollitem_t it = {.socket = c->sock, .events = ZMQ_POLLIN};
        rc = zmq_poll(&it, 1, (long)left);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (rc == 0)
            continue;
        wire_msg_t *w = NULL;
        rc = recv_one(c, &w);
        if (rc < 0)
            return rc;
        if (rc > 0)
            continue;
        if (strcmp(wire_envelope(w)->request_id, rid) == 0) {
            *answer = w;
            return 0;
        }
        wire_free(&w); /* a stale answer to an earlier request */
    }
}

void sync_client_close(sync_client_t *c)
{
    if (c->sock)
        zmq_close(c->sock);
    if (c->zctx && c->own_ctx)
        zmq_ctx_term(c->zctx);
    c->sock = c->zctx = NULL;
}
