/*
 * client.c - blocking Envelope request/answer for the CLI (see client.h).
 */
#include "client.h"
#include "endpoints.h"
#include "secure.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int petition_client_open(petition_client_t *c, const char *endpoint, int timeout_ms,
                         const char *keys_dir, const char *identity, const char *server_identity)
{
    memset(c, 0, sizeof(*c));
    c->timeout_ms = timeout_ms;
    c->zctx = zmq_ctx_new();
    if (c->zctx == NULL)
        return -errno;
    c->sock = zmq_socket(c->zctx, ZMQ_DEALER);
    if (c->sock == NULL)
        return -errno;
    int zero = 0;
    int64_t maxmsg = 256 << 20;
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
        if (rc < 0) {
            fprintf(stderr, "error: CURVE keys %s (ours) or %s (server) not usable in %s\n",
                    identity, server_identity, keys_dir);
            return rc;
        }
    }
    int n = endpoints_connect(c->sock, endpoint);
    if (n < 0)
        return n;
    c->n_endpoints = n;
    return 0;
}

/* One send of the packed request. With several endpoints it never blocks
 * (-EAGAIN: no connection is up yet; the caller tries again later). */
static int send_once(petition_client_t *c, const uint8_t *buf, size_t len)
{
    int rc = zmq_send(c->sock, buf, len, c->n_endpoints > 1 ? ZMQ_DONTWAIT : 0);
    return rc < 0 ? -errno : 0;
}

int petition_client_call(petition_client_t *c, envelope_t *req, wire_msg_t **answer)
{
    char rid[64];
    snprintf(rid, sizeof rid, "cli-%d-%lu", (int)getpid(), ++c->seq);
    req->request_id = rid;
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = wire_pack(req, &buf, &len);
    if (rc < 0)
        return rc;
    /* With several endpoints, a request taken by a router that then died
     * is lost with it: send it again under the same request id, which
     * the other one answers. That is safe because every request is
     * idempotent on that side: a submission by (channel, channel id),
     * an action by its request id (the ledger answers a repeat with the
     * first answer, marked duplicate), and reads change nothing. A
     * late second answer to the same id is skipped by the next call. */
    int64_t deadline = now_ms() + c->timeout_ms;
    int64_t next_send = now_ms();
    int sent = 0;
    for (;;) {
        int64_t now = now_ms();
        if (now >= next_send) {
            rc = send_once(c, buf, len);
            if (rc == 0)
                sent = 1;
            else if (rc != -EAGAIN) {
                free(buf);
                return rc;
            }
            /* No connection up yet: look again soon, not a whole period. */
            next_send = c->n_endpoints <= 1 && sent ? INT64_MAX
                        : rc == -EAGAIN             ? now + 100
                                                    : now + PETITION_RESEND_MS;
        }
        int64_t wake = next_send < deadline ? next_send : deadline;
        int64_t left = wake - now;
        if (now >= deadline) {
            free(buf);
            return -ETIMEDOUT;
        }
        zmq_pollitem_t it = {.socket = c->sock, .events = ZMQ_POLLIN};
        rc = zmq_poll(&it, 1, (long)(left > 0 ? left : 0));
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            free(buf);
            return -errno;
        }
        if (rc == 0)
            continue;
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, c->sock, 0) < 0) {
            zmq_msg_close(&m);
            free(buf);
            return -errno;
        }
        int more = zmq_msg_more(&m);
        char err[160];
        wire_msg_t *w = NULL;
        rc = wire_unpack(zmq_msg_data(&m), zmq_msg_size(&m), 256u << 20, &w, err, sizeof err);
        zmq_msg_close(&m);
        while (more) { /* a well-behaved server sends one frame; skip extras */
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, c->sock, 0) < 0)
                break;
            more = zmq_msg_more(&m);
            zmq_msg_close(&m);
        }
        if (rc < 0)
            continue;
        if (strcmp(wire_envelope(w)->request_id, rid) == 0) {
            free(buf);
            *answer = w;
            return 0;
        }
        wire_free(&w); /* a stale answer to an earlier request */
    }
}

void petition_client_close(petition_client_t *c)
{
    if (c->sock)
        zmq_close(c->sock);
    if (c->zctx)
        zmq_ctx_term(c->zctx);
    c->sock = c->zctx = NULL;
}

int petition_check_answer(const envelope_t *ans, Liandong__V1__Envelope__BodyCase want)
{
    if (ans->body_case == want)
        return 0;
    if (ans->body_case == LIANDONG__V1__ENVELOPE__BODY_ERROR && ans->error) {
        const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
            &liandong__v1__error_code__descriptor, (int)ans->error->code);
        fprintf(stderr, "error: %s: %s\n", v ? v->name : "ERROR", ans->error->message);
        return ans->error->code == LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE ? 3 : 1;
    }
    fprintf(stderr, "error: unexpected answer %s\n", wire_body_name(ans));
    return 1;
}
