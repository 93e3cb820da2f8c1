/*
 * console_upstream.c - blocking calls as the logged-in person
 * (console_upstream.h).
 */
#include "console_upstream.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "curve.h"
#include "secure.h"

static pthread_mutex_t ctx_mu = PTHREAD_MUTEX_INITIALIZER;
static void *zctx;

static void *context(void)
{
    pthread_mutex_lock(&ctx_mu);
    if (zctx == NULL)
        zctx = zmq_ctx_new();
    void *c = zctx;
    pthread_mutex_unlock(&ctx_mu);
    return c;
}

void console_upstream_fini(void)
{
    pthread_mutex_lock(&ctx_mu);
    if (zctx != NULL)
        zmq_ctx_term(zctx);
    zctx = NULL;
    pthread_mutex_unlock(&ctx_mu);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *open_socket(const console_upstream_cfg_t *cfg, const char *principal,
                         console_upstream_t to, char *err, size_t errlen)
{
    void *c = context();
    void *s = c ? zmq_socket(c, ZMQ_DEALER) : NULL;
    if (s == NULL) {
        snprintf(err, errlen, "cannot open a socket: %s", zmq_strerror(errno));
        return NULL;
    }
    int zero = 0;
    int64_t maxmsg = 64 << 20;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    const char *server = to == UP_LEDGER ? cfg->ledger_identity : cfg->router_identity;
    if (!cfg->insecure) {
        char role[CURVE_USER_MAX], id[CURVE_USER_MAX], srole[CURVE_USER_MAX], sid[CURVE_USER_MAX];
        curve_keypair_t self, peer;
        int rc = secure_split_identity(principal, role, sizeof role, id, sizeof id);
        if (rc == 0)
            rc = secure_split_identity(server, srole, sizeof srole, sid, sizeof sid);
        if (rc == 0)
            rc = curve_keypair_load(cfg->keys_dir, role, id, 0, &self);
        if (rc == 0)
            rc = curve_keypair_load(cfg->keys_dir, srole, sid, 1, &peer);
        if (rc == 0)
            rc = curve_client_setup(s, &self, peer.public_key);
        sodium_memzero(&self, sizeof self);
        if (rc < 0) {
            snprintf(err, errlen, "the key of %.100s is missing from the keys directory",
                     principal);
            zmq_close(s);
            return NULL;
        }
    }
    const char *ep = to == UP_LEDGER ? cfg->ledger : to == UP_ROUTER ? cfg->router : cfg->desk;
    if (ep == NULL || zmq_connect(s, ep) != 0) {
        snprintf(err, errlen, "cannot connect to %.100s", ep ? ep : "(no endpoint)");
        zmq_close(s);
        return NULL;
    }
    return s;
}

static int wait_answer(void *s, const char *rid, int timeout_ms, wire_msg_t **answer)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        zmq_pollitem_t it = {.socket = s, .events = ZMQ_POLLIN};
        int rc = zmq_poll(&it, 1, (long)left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return -errno;
        if (rc == 0)
            continue;
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, 0) < 0) {
            zmq_msg_close(&m);
            return -errno;
        }
        int more = zmq_msg_more(&m);
        char why[160];
        wire_msg_t *w = NULL;
        rc = wire_unpack(zmq_msg_data(&m), zmq_msg_size(&m), 64u << 20, &w, why, sizeof why);
        zmq_msg_close(&m);
        while (more) { /* one frame is expected: skip any others */
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, s, 0) < 0)
                more = 0;
            else
                more = zmq_msg_more(&m);
            zmq_msg_close(&m);
        }
        if (rc < 0)
            continue;
        if (strcmp(wire_envelope(w)->request_id, rid) == 0) {
            *answer = w;
            return 0;
        }
        wire_free(&w);
    }
}

int console_call(const console_upstream_cfg_t *cfg, const char *principal, console_upstream_t to,
                 envelope_t *req, Liandong__V1__Envelope__BodyCase want, wire_msg_t **answer,
                 int *code, char *err, size_t errlen)
{
    *answer = NULL;
    *code = LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE;
    void *s = open_socket(cfg, principal, to, err, errlen);
    if (s == NULL)
        return -EIO;
    /* A fresh random request id: the ledger deduplicates on it, and one
     * POST is one action. */
    unsigned char r[12];
    char rid[64] = "console-";
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(rid + 8, sizeof rid - 8, r, sizeof r);
    req->request_id = rid;
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = wire_pack(req, &buf, &len);
    if (rc == 0) {
        rc = zmq_send(s, buf, len, 0) < 0 ? -errno : 0;
        free(buf);
    }
    wire_msg_t *w = NULL;
    if (rc == 0)
        rc = wait_answer(s, rid, cfg->timeout_ms, &w);
    zmq_close(s);
    req->request_id = NULL;
    if (rc < 0) {
        snprintf(err, errlen, "%s did not answer in time; try again",
                 to == UP_LEDGER ? "the ledger" : "the router");
        return rc;
    }
    const envelope_t *e = wire_envelope(w);
    if (e->body_case == want) {
        *code = LIANDONG__V1__ERROR_CODE__ERROR_NONE;
        *answer = w;
        return 0;
    }
    if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_ERROR && e->error) {
        *code = (int)e->error->code;
        snprintf(err, errlen, "%s", e->error->message);
    } else {
        *code = LIANDONG__V1__ERROR_CODE__ERROR_INTERNAL;
        snprintf(err, errlen, "unexpected answer %s", wire_body_name(e));
    }
    wire_free(&w);
    return -EPROTO;
}
