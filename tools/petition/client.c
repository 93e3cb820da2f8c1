/*
 * client.c - blocking Envelope request/answer for the CLI (see client.h).
 */
#include "client.h"
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
    if (zmq_connect(c->sock, endpoint) != 0)
        return -errno;
    return 0;
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
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, c->sock, 0) < 0) {
            zmq_msg_close(&m);
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
