/*
 * rpc.c - Envelope request/answer over ROUTER (server) and DEALER (client)
 * sockets on a libuv loop (see rpc.h).
 */
#include "rpc.h"
#include "endpoints.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "invariant.h"
#include "log.h"

/* ---------------------------------------------------------------- server */

#define RPC_USER_MAX 128

struct rpc_server {
    zuv_socket_t *sock;
    rpc_handler_fn fn;
    void *ud;
    size_t max_msg;
    size_t in_flight;
    int destroyed;      /* freed when the last pending request is answered */
    char endpoint[256]; /* as bound (ZMQ_LAST_ENDPOINT): for unbind/rebind */
    int bound;
};

struct rpc_request {
    rpc_server_t *srv;
    size_t nroute;
    void *route[ZUV_MAX_FRAMES];
    size_t route_len[ZUV_MAX_FRAMES];
    wire_msg_t *msg;
    char user[RPC_USER_MAX];
};

static void request_free(rpc_request_t *req)
{
    rpc_server_t *srv = req->srv;
    ASSERT(srv->in_flight > 0); /* counted when the request was made */
    for (size_t i = 0; i < req->nroute; i++)
        free(req->route[i]);
    wire_free(&req->msg);
    free(req);
    if (--srv->in_flight == 0 && srv->destroyed)
        free(srv);
}

static int send_answer(rpc_request_t *req, const uint8_t *buf, size_t len)
{
    if (req->srv->destroyed || req->srv->sock == NULL)
        return -ECANCELED;
    const void *bufs[ZUV_MAX_FRAMES + 1];
    size_t lens[ZUV_MAX_FRAMES + 1];
    ASSERT(req->nroute < ZUV_MAX_FRAMES); /* routing frames precede the payload */
    for (size_t i = 0; i < req->nroute; i++) {
        bufs[i] = req->route[i];
        lens[i] = req->route_len[i];
    }
    bufs[req->nroute] = buf;
    lens[req->nroute] = len;
    return zuv_socket_send(req->srv->sock, bufs, lens, req->nroute + 1);
}

/* Answers a request that never became an rpc_request (bad frames). */
static void answer_raw_error(rpc_server_t *srv, const zuv_message_t *m, const char *rid,
                             Liandong__V1__ErrorCode code, const char *msg)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (wire_pack_error(rid, code, msg, &buf, &len) == 0) {
        int rc = zuv_socket_reply(srv->sock, m, buf, len);
        if (rc < 0)
            log_refusal(LOG_REFUSED_ANSWER, "could not answer a bad request: %s",
                        zmq_strerror(-rc));
    }
    free(buf);
}

static void on_server_message(zuv_socket_t *s, zuv_message_t *m, void *ud)
{
    (void)s;
    rpc_server_t *srv = ud;
    if (m->nframes < 2)
        return; /* a ROUTER always prefixes the identity; nothing to answer */
    if (m->truncated) {
        log_refusal(LOG_REFUSED_REQUEST, "refused a request: too many frames");
        answer_raw_error(srv, m, NULL, LIANDONG__V1__ERROR_CODE__ERROR_BAD_REQUEST,
                         "too many frames: send one Envelope frame");
        return;
    }
    zmq_msg_t *payload = &m->frames[m->nframes - 1];
    char err[320];
    char rid[WIRE_REQUEST_ID_MAX + 1];
    wire_msg_t *msg = NULL;
    int rc = wire_unpack_request(zmq_msg_data(payload), zmq_msg_size(payload), srv->max_msg, &msg,
                                 rid, sizeof rid, err, sizeof err);
    if (rc < 0) {
        log_refusal(LOG_REFUSED_REQUEST, "refused a request: %s", err);
        /* A field refused at the edge: the answer carries the request id,
         * so the sender knows which of its requests it was. */
        answer_raw_error(srv, m, rc == -EINVAL || rc == -EMSGSIZE ? rid : NULL,
                         rc == -EMSGSIZE ? LIANDONG__V1__ERROR_CODE__ERROR_TOO_LARGE
                                         : LIANDONG__V1__ERROR_CODE__ERROR_BAD_REQUEST,
                         err);
        return;
    }
    envelope_t *env = wire_envelope(msg);
    /* wire_unpack checked the id: answers echo it and logs print it. */
    ASSERT(env != NULL && env->request_id != NULL);
    if (env->body_case == LIANDONG__V1__ENVELOPE__BODY__NOT_SET) {
        answer_raw_error(srv, m, env->request_id, LIANDONG__V1__ERROR_CODE__ERROR_MISSING_FIELD,
                         "envelope has no body (or a body type this version does not know)");
        wire_free(&msg);
        return;
    }
    rpc_request_t *req = calloc(1, sizeof(*req));
    if (req == NULL) {
        wire_free(&msg);
        return;
    }
    req->srv = srv;
    req->msg = msg;
    srv->in_flight++;
    for (size_t i = 0; i + 1 < m->nframes; i++) {
        size_t n = zmq_msg_size(&m->frames[i]);
        req->route[i] = malloc(n ? n : 1);
        if (req->route[i] == NULL) {
            request_free(req);
            return;
        }
        memcpy(req->route[i], zmq_msg_data(&m->frames[i]), n);
        req->route_len[i] = n;
        req->nroute++;
    }
    /* The authenticated identity of the connection (set by our ZAP
     * handler); absent when CURVE is off. */
    const char *user = zmq_msg_gets(payload, "User-Id");
    if (user != NULL)
        snprintf(req->user, sizeof req->user, "%s", user);
    srv->fn(srv, req, srv->ud);
}

int rpc_server_create(uv_loop_t *loop, void *zctx, const char *endpoint, size_t max_msg,
                      rpc_handler_fn fn, void *ud, rpc_server_t **out)
{
    rpc_server_t *srv = calloc(1, sizeof(*srv));
    if (srv == NULL)
        return -ENOMEM;
    srv->fn = fn;
    srv->ud = ud;
    srv->max_msg = max_msg;
    /* The transport limit sits above the application limit so an oversized
     * request still reaches us and gets an ERROR_TOO_LARGE answer instead of
     * a silent disconnect; beyond it libzmq drops the connection. */
    int rc = zuv_socket_create(loop, zctx, ZMQ_ROUTER, max_msg * 4 + 4096, &srv->sock);
    if (rc < 0) {
        free(srv);
        return rc;
    }
    if (endpoint != NULL && (rc = rpc_server_listen(srv, endpoint)) < 0) {
        zuv_socket_close(&srv->sock);
        free(srv);
        return rc;
    }
    *out = srv;
    return 0;
}

zuv_socket_t *rpc_server_socket(rpc_server_t *srv)
{
    return srv ? srv->sock : NULL;
}

int rpc_server_listen(rpc_server_t *srv, const char *endpoint)
{
    int rc = zuv_socket_bind(srv->sock, endpoint);
    if (rc < 0)
        return rc;
    size_t sz = sizeof srv->endpoint;
    if (zmq_getsockopt(zuv_socket_zmq(srv->sock), ZMQ_LAST_ENDPOINT, srv->endpoint, &sz) != 0)
        snprintf(srv->endpoint, sizeof srv->endpoint, "%s", endpoint);
    srv->bound = 1;
    return zuv_socket_start(srv->sock, 4, on_server_message, srv);
}

int rpc_server_unbind(rpc_server_t *srv)
{
    if (srv == NULL || !srv->bound)
        return 0;
    /* Unbinding a listener also ends the connections it accepted: clients
     * with endpoint lists then send only to the other server. */
    if (zmq_unbind(zuv_socket_zmq(srv->sock), srv->endpoint) != 0)
        return -errno;
    srv->bound = 0;
    return 0;
}

int rpc_server_rebind(rpc_server_t *srv)
{
    if (srv == NULL || srv->bound)
        return 0;
    int rc = zuv_socket_bind(srv->sock, srv->endpoint);
    if (rc == 0)
        srv->bound = 1;
    return rc;
}

size_t rpc_server_in_flight(const rpc_server_t *srv)
{
    return srv ? srv->in_flight : 0;
}

void rpc_server_destroy(rpc_server_t **sp)
{
    if (sp == NULL || *sp == NULL)
        return;
    rpc_server_t *srv = *sp;
    *sp = NULL;
    zuv_socket_close(&srv->sock);
    srv->destroyed = 1;
    if (srv->in_flight == 0)
        free(srv);
}

envelope_t *rpc_request_envelope(rpc_request_t *req)
{
    return wire_envelope(req->msg);
}

const char *rpc_request_id(rpc_request_t *req)
{
    return wire_envelope(req->msg)->request_id;
}

size_t rpc_request_route(rpc_request_t *req, void *buf, size_t len)
{
    if (req->nroute == 0 || req->route_len[0] > len)
        return 0;
    memcpy(buf, req->route[0], req->route_len[0]);
    return req->route_len[0];
}

const char *rpc_request_user(rpc_request_t *req)
{
    return req->user;
}

int rpc_request_answer(rpc_request_t *req, envelope_t *answer)
{
    ASSERT(req != NULL && answer != NULL && req->msg != NULL);
    /* The answer carries the request's id on the wire only: the caller's
     * envelope gets its own request_id back before the request (which owns
     * the id) is freed, so an answer unpacked elsewhere and passed through
     * still frees its own string, and nothing points into freed memory. */
    char *own = answer->request_id;
    answer->request_id = (char *)rpc_request_id(req);
    /* An error answer always says why (issue 12): at least its code. */
    Liandong__V1__Error *er =
        answer->body_case == LIANDONG__V1__ENVELOPE__BODY_ERROR ? answer->error : NULL;
    char *own_msg = er ? er->message : NULL;
    if (er != NULL && (er->message == NULL || er->message[0] == '\0'))
        er->message = (char *)wire_error_code_name(er->code);
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = wire_pack(answer, &buf, &len);
    if (er != NULL)
        er->message = own_msg;
    answer->request_id = own;
    if (rc == 0)
        rc = send_answer(req, buf, len);
    if (rc < 0)
        log_refusal(LOG_REFUSED_ANSWER, "answer to request %s not delivered: %s",
                    rpc_request_id(req), rc == -ECANCELED ? "shutting down" : zmq_strerror(-rc));
    free(buf);
    request_free(req);
    return rc;
}

int rpc_request_fail(rpc_request_t *req, Liandong__V1__ErrorCode code, const char *message)
{
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    Liandong__V1__Error er = LIANDONG__V1__ERROR__INIT;
    er.code = code;
    er.message = (char *)(message ? message : "");
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_ERROR;
    e.error = &er;
    return rpc_request_answer(req, &e);
}

/* ---------------------------------------------------------------- client */

#define RPC_BUCKETS 1024

typedef struct pending {
    uint64_t id;
    uint64_t deadline;
    rpc_answer_fn cb;
    void *ud;
    struct pending *next;
    char rid[]; /* a caller's own request id (rpc_client_call_as), or "" */
} pending_t;

struct rpc_client {
    zuv_socket_t *sock;
    uv_loop_t *loop;
    uv_timer_t timer;
    pending_t *buckets[RPC_BUCKETS];
    uint64_t next_id;
    size_t n;
    size_t max_msg;
    char prefix[40];
};

static pending_t *pending_take(rpc_client_t *c, uint64_t id)
{
    pending_t **pp = &c->buckets[id % RPC_BUCKETS];
    for (; *pp; pp = &(*pp)->next) {
        if ((*pp)->id == id && (*pp)->rid[0] == '\0') {
            pending_t *p = *pp;
            *pp = p->next;
            ASSERT(c->n > 0);
            c->n--;
            return p;
        }
    }
    return NULL;
}

static size_t rid_bucket(const char *rid)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *rid; rid++)
        h = (h ^ (uint8_t)*rid) * 16777619u;
    return h % RPC_BUCKETS;
}

/* The oldest call sent under the caller's own request id `rid`: calls are
 * pushed at the head, so that is the last match in its bucket. */
static pending_t *pending_take_named(rpc_client_t *c, const char *rid)
{
    pending_t **found = NULL;
    for (pending_t **pp = &c->buckets[rid_bucket(rid)]; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->rid, rid) == 0)
            found = pp;
    if (found == NULL)
        return NULL;
    pending_t *p = *found;
    *found = p->next;
    ASSERT(c->n > 0);
    c->n--;
    return p;
}

static void on_client_message(zuv_socket_t *s, zuv_message_t *m, void *ud)
{
    (void)s;
    rpc_client_t *c = ud;
    zmq_msg_t *payload = &m->frames[m->nframes - 1];
    char err[160];
    wire_msg_t *msg = NULL;
    if (wire_unpack(zmq_msg_data(payload), zmq_msg_size(payload), c->max_msg, &msg, err,
                    sizeof err) < 0) {
        log_refusal(LOG_REFUSED_ANSWER, "dropped an unreadable answer: %s", err);
        return;
    }
    const char *rid = wire_envelope(msg)->request_id;
    size_t plen = strlen(c->prefix);
    char *end = NULL;
    uint64_t id = 0;
    if (strncmp(rid, c->prefix, plen) == 0 && rid[plen] == '-')
        id = strtoull(rid + plen + 1, &end, 10);
    pending_t *p = (end && *end == '\0') ? pending_take(c, id) : NULL;
    if (p == NULL && *rid != '\0')
        p = pending_take_named(c, rid);
    if (p == NULL) {
        /* Late answer to a request that already timed out. */
        wire_free(&msg);
        return;
    }
    p->cb(0, msg, p->ud);
    wire_free(&msg);
    free(p);
}

static void on_client_timer(uv_timer_t *t)
{
    rpc_client_t *c = t->data;
    uint64_t now = uv_now(c->loop);
    for (size_t b = 0; b < RPC_BUCKETS; b++) {
        pending_t **pp = &c->buckets[b];
        while (*pp) {
            pending_t *p = *pp;
            if (p->deadline <= now) {
                *pp = p->next;
                ASSERT(c->n > 0);
                c->n--;
                p->cb(-ETIMEDOUT, NULL, p->ud);
                free(p);
            } else {
                pp = &p->next;
            }
        }
    }
    if (c->n == 0)
        uv_timer_stop(&c->timer);
}

int rpc_client_create(uv_loop_t *loop, void *zctx, const char *endpoint, size_t max_msg,
                      rpc_client_t **out)
{
    rpc_client_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    c->loop = loop;
    c->max_msg = max_msg;
    /* Request ids must not collide with an earlier run of this client whose
     * late answers may still arrive. */
    snprintf(c->prefix, sizeof c->prefix, "%x%" PRIx64, (unsigned)getpid(), uv_hrtime());
    int rc = zuv_socket_create(loop, zctx, ZMQ_DEALER, max_msg, &c->sock);
    if (rc == 0 && endpoint != NULL)
        rc = rpc_client_connect(c, endpoint);
    if (rc == 0)
        rc = zuv_socket_start(c->sock, 2, on_client_message, c);
    if (rc < 0) {
        zuv_socket_close(&c->sock);
        free(c);
        return rc;
    }
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    *out = c;
    return 0;
}

int rpc_client_connect(rpc_client_t *c, const char *endpoint)
{
    int n = endpoints_connect(zuv_socket_zmq(c->sock), endpoint);
    return n < 0 ? n : 0;
}

zuv_socket_t *rpc_client_socket(rpc_client_t *c)
{
    return c ? c->sock : NULL;
}

static int call(rpc_client_t *c, envelope_t *req, const char *own, uint32_t timeout_ms,
                rpc_answer_fn cb, void *ud)
{
    size_t olen = own ? strlen(own) : 0;
    /* rpc_client_call_as refused longer ids: the answer must match it. */
    ASSERT(olen <= WIRE_REQUEST_ID_MAX && cb != NULL);
    pending_t *p = calloc(1, sizeof(*p) + olen + 1);
    if (p == NULL)
        return -ENOMEM;
    char rid[80];
    p->id = ++c->next_id;
    int rlen = snprintf(rid, sizeof rid, "%s-%" PRIu64, c->prefix, p->id);
    /* A truncated id would never match its answer. */
    ASSERT(rlen > 0 && (size_t)rlen < sizeof rid);
    if (olen > 0)
        memcpy(p->rid, own, olen + 1);
    char *saved = req->request_id;
    req->request_id = olen > 0 ? p->rid : rid;
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = wire_pack(req, &buf, &len);
    req->request_id = saved;
    if (rc == 0) {
        const void *bufs[1] = {buf};
        rc = zuv_socket_send(c->sock, bufs, &len, 1);
    }
    free(buf);
    if (rc < 0) {
        free(p);
        return rc;
    }
    p->cb = cb;
    p->ud = ud;
    p->deadline = uv_now(c->loop) + timeout_ms;
    pending_t **head = &c->buckets[olen > 0 ? rid_bucket(p->rid) : p->id % RPC_BUCKETS];
    p->next = *head;
    *head = p;
    if (c->n++ == 0)
        uv_timer_start(&c->timer, on_client_timer, 20, 20);
    return 0;
}

int rpc_client_call(rpc_client_t *c, envelope_t *req, uint32_t timeout_ms, rpc_answer_fn cb,
                    void *ud)
{
    return call(c, req, NULL, timeout_ms, cb, ud);
}

int rpc_client_call_as(rpc_client_t *c, envelope_t *req, const char *rid, uint32_t timeout_ms,
                       rpc_answer_fn cb, void *ud)
{
    size_t plen = strlen(c->prefix);
    /* Our own numbered ids and the wire's limit stay out of reach, so an
     * answer can never be matched to the wrong kind of call. */
    if (rid == NULL || *rid == '\0' || strlen(rid) > WIRE_REQUEST_ID_MAX ||
        wire_check_text(rid, WIRE_REQUEST_ID_MAX) != 0 ||
        (strncmp(rid, c->prefix, plen) == 0 && rid[plen] == '-'))
        return -EINVAL;
    return call(c, req, rid, timeout_ms, cb, ud);
}

size_t rpc_client_in_flight(const rpc_client_t *c)
{
    return c ? c->n : 0;
}

static void on_client_timer_closed(uv_handle_t *h)
{
    free(h->data);
}

void rpc_client_destroy(rpc_client_t **cp)
{
    if (cp == NULL || *cp == NULL)
        return;
    rpc_client_t *c = *cp;
    *cp = NULL;
    for (size_t b = 0; b < RPC_BUCKETS; b++) {
        while (c->buckets[b]) {
            pending_t *p = c->buckets[b];
            c->buckets[b] = p->next;
            p->cb(-ECANCELED, NULL, p->ud);
            free(p);
        }
    }
    c->n = 0;
    zuv_socket_close(&c->sock);
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_client_timer_closed);
}
