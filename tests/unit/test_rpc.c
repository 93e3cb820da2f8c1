/* test_rpc.c - rpc server and client on one loop: an answer is matched to
 * its request, garbage and bodiless envelopes are answered with errors by
 * the server itself, too many frames are refused, a request nobody
 * answers times out exactly once, and answering leaves the answer's own
 * request id in place (never a pointer into the freed request). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "rpc.h"

typedef struct {
    int handled;
    int hold; /* do not answer: exercise the client's timeout */
    rpc_request_t *held;
    char last_rid[WIRE_REQUEST_ID_MAX + 1]; /* the request id the server saw */
    int pass_through; /* answer with an unpacked envelope, as the router does */
    int rid_kept;     /* answers whose envelope kept its own request_id */
} server_state_t;

/* Answers with an envelope unpacked from bytes (its request_id owned by the
 * unpacked message), as the router passes the ledger's answers through;
 * then frees it, which must free that envelope's own string. */
static void answer_passed_through(server_state_t *st, rpc_request_t *req)
{
    Liandong__V1__Pong pong = LIANDONG__V1__PONG__INIT;
    pong.service = "upstream";
    envelope_t up = LIANDONG__V1__ENVELOPE__INIT;
    up.request_id = "upstream-rid";
    up.body_case = LIANDONG__V1__ENVELOPE__BODY_PONG;
    up.pong = &pong;
    uint8_t *buf = NULL;
    size_t len = 0;
    char err[128];
    wire_msg_t *w = NULL;
    if (wire_pack(&up, &buf, &len) != 0 || wire_unpack(buf, len, 4096, &w, err, sizeof err) != 0) {
        free(buf);
        rpc_request_fail(req, LIANDONG__V1__ERROR_CODE__ERROR_INTERNAL, "test set-up failed");
        return;
    }
    free(buf);
    envelope_t *e = wire_envelope(w);
    const char *own = e->request_id;
    rpc_request_answer(req, e);
    /* Compared as pointers: a dangling id must not be read. */
    if (e->request_id == own && strcmp(own, "upstream-rid") == 0)
        st->rid_kept++;
    wire_free(&w);
}

static void handler(rpc_server_t *srv, rpc_request_t *req, void *ud)
{
    (void)srv;
    server_state_t *st = ud;
    st->handled++;
    snprintf(st->last_rid, sizeof st->last_rid, "%s", rpc_request_id(req));
    if (st->hold) {
        st->held = req;
        return;
    }
    if (st->pass_through) {
        answer_passed_through(st, req);
        return;
    }
    Liandong__V1__Pong pong = LIANDONG__V1__PONG__INIT;
    pong.service = "test";
    envelope_t a = LIANDONG__V1__ENVELOPE__INIT;
    a.body_case = LIANDONG__V1__ENVELOPE__BODY_PONG;
    a.pong = &pong;
    char *own = a.request_id;
    rpc_request_answer(req, &a);
    if (a.request_id == own)
        st->rid_kept++;
}

typedef struct {
    int calls;
    int status;
    int body_case;
    uv_loop_t *loop;
} answer_t;

static void on_answer(int status, wire_msg_t *ans, void *ud)
{
    answer_t *a = ud;
    a->calls++;
    a->status = status;
    a->body_case = ans ? (int)wire_envelope(ans)->body_case : -1;
    uv_stop(a->loop);
}

static void on_timeout(uv_timer_t *t)
{
    uv_stop(t->loop);
}

static void run_for(uv_loop_t *loop, uint64_t ms)
{
    uv_timer_t t;
    uv_timer_init(loop, &t);
    uv_timer_start(&t, on_timeout, ms, 0);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
}

typedef struct {
    uv_loop_t loop;
    void *ctx;
    rpc_server_t *srv;
    server_state_t st;
    char ep[128];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    uv_loop_init(&f->loop);
    f->ctx = zmq_ctx_new();
    if (rpc_server_create(&f->loop, f->ctx, "tcp://127.0.0.1:*", 1024, handler, &f->st, &f->srv))
        return -1;
    size_t len = sizeof f->ep;
    zmq_getsockopt(zuv_socket_zmq(rpc_server_socket(f->srv)), ZMQ_LAST_ENDPOINT, f->ep, &len);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    if (f->st.held)
        rpc_request_fail(f->st.held, LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE, "bye");
    rpc_server_destroy(&f->srv);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    uv_loop_close(&f->loop);
    zmq_ctx_term(f->ctx);
    free(f);
    return 0;
}

static void test_ping_answered(void **state)
{
    fixture_t *f = *state;
    rpc_client_t *c = NULL;
    assert_int_equal(rpc_client_create(&f->loop, f->ctx, f->ep, 1 << 20, &c), 0);
    Liandong__V1__Ping p = LIANDONG__V1__PING__INIT;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_PING;
    req.ping = &p;
    answer_t a = {.loop = &f->loop};
    assert_int_equal(rpc_client_call(c, &req, 2000, on_answer, &a), 0);
    assert_int_equal(rpc_client_in_flight(c), 1);
    run_for(&f->loop, 3000);
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.status, 0);
    assert_int_equal(a.body_case, LIANDONG__V1__ENVELOPE__BODY_PONG);
    assert_int_equal(rpc_client_in_flight(c), 0);
    rpc_client_destroy(&c);
    assert_null(c);
    /* After the client is gone: a failed assertion must not leave a socket
     * open for zmq_ctx_term in teardown to wait on. */
    assert_int_equal(f->st.rid_kept, 1); /* the handler's envelope kept its id */
}

/* An answer passed through from another service goes out under the
 * request's id (the client matches it) and keeps its own id afterwards. */
static void test_answer_passed_through(void **state)
{
    fixture_t *f = *state;
    f->st.pass_through = 1;
    rpc_client_t *c = NULL;
    assert_int_equal(rpc_client_create(&f->loop, f->ctx, f->ep, 1 << 20, &c), 0);
    Liandong__V1__Ping p = LIANDONG__V1__PING__INIT;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_PING;
    req.ping = &p;
    answer_t a = {.loop = &f->loop};
    assert_int_equal(rpc_client_call(c, &req, 2000, on_answer, &a), 0);
    run_for(&f->loop, 3000);
    rpc_client_destroy(&c);
    run_for(&f->loop, 10);
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.status, 0);
    assert_int_equal(a.body_case, LIANDONG__V1__ENVELOPE__BODY_PONG);
    assert_int_equal(f->st.handled, 1);
    assert_int_equal(f->st.rid_kept, 1);
}

static void test_timeout_once(void **state)
{
    fixture_t *f = *state;
    f->st.hold = 1;
    rpc_client_t *c = NULL;
    assert_int_equal(rpc_client_create(&f->loop, f->ctx, f->ep, 1 << 20, &c), 0);
    Liandong__V1__Ping p = LIANDONG__V1__PING__INIT;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_PING;
    req.ping = &p;
    answer_t a = {.loop = &f->loop};
    assert_int_equal(rpc_client_call(c, &req, 100, on_answer, &a), 0);
    run_for(&f->loop, 2000);
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.status, -ETIMEDOUT);
    /* the late answer must be dropped, not delivered a second time */
    rpc_request_fail(f->st.held, LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE, "late");
    f->st.held = NULL;
    run_for(&f->loop, 200);
    assert_int_equal(a.calls, 1);
    rpc_client_destroy(&c);
    run_for(&f->loop, 10);
}

/* A call under the caller's own request id: the server sees that id, and
 * two calls under one id (a retry) are each answered once. */
static void test_call_as_own_id(void **state)
{
    fixture_t *f = *state;
    rpc_client_t *c = NULL;
    assert_int_equal(rpc_client_create(&f->loop, f->ctx, f->ep, 1 << 20, &c), 0);
    Liandong__V1__Ping p = LIANDONG__V1__PING__INIT;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_PING;
    req.ping = &p;
    answer_t a = {.loop = &f->loop}, b = {.loop = &f->loop};
    assert_int_equal(rpc_client_call_as(c, &req, "desk:PC-YH:r1", 2000, on_answer, &a), 0);
    assert_int_equal(rpc_client_call_as(c, &req, "desk:PC-YH:r1", 2000, on_answer, &b), 0);
    assert_string_equal(req.request_id, ""); /* the caller's envelope is left as it was */
    for (int i = 0; i < 10 && a.calls + b.calls < 2; i++)
        run_for(&f->loop, 3000);
    assert_int_equal(a.calls, 1);
    assert_int_equal(b.calls, 1);
    assert_int_equal(a.status, 0);
    assert_int_equal(b.body_case, LIANDONG__V1__ENVELOPE__BODY_PONG);
    assert_string_equal(f->st.last_rid, "desk:PC-YH:r1");
    assert_int_equal(rpc_client_in_flight(c), 0);
    char big[WIRE_REQUEST_ID_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(rpc_client_call_as(c, &req, big, 100, on_answer, &a), -EINVAL);
    assert_int_equal(rpc_client_call_as(c, &req, "", 100, on_answer, &a), -EINVAL);
    assert_int_equal(rpc_client_call_as(c, &req, NULL, 100, on_answer, &a), -EINVAL);
    assert_int_equal(rpc_client_call_as(c, &req, "bad\xff", 100, on_answer, &a), -EINVAL);
    assert_int_equal(rpc_client_in_flight(c), 0);
    rpc_client_destroy(&c);
    run_for(&f->loop, 10);
}

/* Sends raw frames with a plain DEALER and returns the error code answered. */
static int raw_exchange(fixture_t *f, const void *const *frames, const size_t *lens, size_t n)
{
    void *s = zmq_socket(f->ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_connect(s, f->ep);
    for (size_t i = 0; i < n; i++)
        zmq_send(s, frames[i], lens[i], i + 1 < n ? ZMQ_SNDMORE : 0);
    int code = -1;
    for (int tries = 0; tries < 100 && code < 0; tries++) {
        run_for(&f->loop, 10);
        char buf[4096];
        int len = zmq_recv(s, buf, sizeof buf, ZMQ_DONTWAIT);
        if (len > 0) {
            char err[128];
            wire_msg_t *w = NULL;
            if (wire_unpack(buf, (size_t)len, sizeof buf, &w, err, sizeof err) == 0) {
                envelope_t *e = wire_envelope(w);
                code = e->body_case == LIANDONG__V1__ENVELOPE__BODY_ERROR ? (int)e->error->code : 0;
                wire_free(&w);
            }
        }
    }
    zmq_close(s);
    return code;
}

static void test_bad_input_answered(void **state)
{
    fixture_t *f = *state;
    const void *garbage[1] = {"\xff\xff\xff garbage"};
    size_t glen[1] = {12};
    assert_int_equal(raw_exchange(f, garbage, glen, 1),
                     LIANDONG__V1__ERROR_CODE__ERROR_BAD_REQUEST);
    /* an Envelope with a request id and no body */
    const void *nobody[1] = {"\x0a\x02r1"};
    size_t nlen[1] = {4};
    assert_int_equal(raw_exchange(f, nobody, nlen, 1),
                     LIANDONG__V1__ERROR_CODE__ERROR_MISSING_FIELD);
    static char big[2048];
    const void *large[1] = {big};
    size_t llen[1] = {sizeof big};
    assert_int_equal(raw_exchange(f, large, llen, 1), LIANDONG__V1__ERROR_CODE__ERROR_TOO_LARGE);
    const void *many[6] = {"a", "b", "c", "d", "e", "f"};
    size_t mlen[6] = {1, 1, 1, 1, 1, 1};
    assert_int_equal(raw_exchange(f, many, mlen, 6), LIANDONG__V1__ERROR_CODE__ERROR_BAD_REQUEST);
    assert_int_equal(f->st.handled, 0); /* none reached the handler */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ping_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_passed_through, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_as_own_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input_answered, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
