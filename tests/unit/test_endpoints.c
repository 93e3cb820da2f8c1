/* test_endpoints.c - comma-separated endpoint lists (lib/endpoints.h): the
 * split, and a DEALER on two ROUTERs of which one dies: every later request
 * must reach the one that lives (none waits in the dead one's queue). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>
#include <zmq.h>

#include "endpoints.h"

static void test_split(void **state)
{
    (void)state;
    char eps[ENDPOINTS_MAX][ENDPOINT_MAX];
    assert_int_equal(endpoints_split("tcp://127.0.0.1:1", eps, ENDPOINTS_MAX), 1);
    assert_string_equal(eps[0], "tcp://127.0.0.1:1");
    assert_int_equal(endpoints_split("tcp://a:1, tcp://b:2 ,tcp://c:3", eps, ENDPOINTS_MAX), 3);
    assert_string_equal(eps[0], "tcp://a:1");
    assert_string_equal(eps[1], "tcp://b:2");
    assert_string_equal(eps[2], "tcp://c:3");
    assert_int_equal(endpoints_split("", eps, ENDPOINTS_MAX), -EINVAL);
    assert_int_equal(endpoints_split("tcp://a:1,", eps, ENDPOINTS_MAX), -EINVAL);
    assert_int_equal(endpoints_split(",tcp://a:1", eps, ENDPOINTS_MAX), -EINVAL);
    assert_int_equal(endpoints_split("tcp://a:1,,tcp://b:2", eps, ENDPOINTS_MAX), -EINVAL);
    assert_int_equal(endpoints_split(" , ", eps, ENDPOINTS_MAX), -EINVAL);
    assert_int_equal(endpoints_split(NULL, eps, ENDPOINTS_MAX), -EINVAL);
    assert_int_equal(endpoints_split("a,b,c", eps, 2), -EINVAL);
    char longest[ENDPOINT_MAX + 1];
    memset(longest, 'x', ENDPOINT_MAX);
    longest[ENDPOINT_MAX] = '\0';
    assert_int_equal(endpoints_split(longest, eps, ENDPOINTS_MAX), -EINVAL);
    longest[ENDPOINT_MAX - 1] = '\0';
    assert_int_equal(endpoints_split(longest, eps, ENDPOINTS_MAX), 1);
}

/* A ROUTER bound to a free loopback port; its endpoint in ep. */
static void *bound_router(void *ctx, char *ep, size_t len)
{
    void *s = zmq_socket(ctx, ZMQ_ROUTER);
    assert_non_null(s);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(zmq_bind(s, "tcp://127.0.0.1:*"), 0);
    size_t n = len;
    assert_int_equal(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &n), 0);
    return s;
}

/* Receives [routing id, payload] within timeout_ms; 1 when one came. */
static int recv_one(void *s, long timeout_ms)
{
    zmq_pollitem_t it = {.socket = s, .events = ZMQ_POLLIN};
    if (zmq_poll(&it, 1, timeout_ms) <= 0)
        return 0;
    char buf[64];
    int more = 1;
    while (more) {
        assert_true(zmq_recv(s, buf, sizeof buf, 0) >= 0);
        size_t sz = sizeof more;
        zmq_getsockopt(s, ZMQ_RCVMORE, &more, &sz);
    }
    return 1;
}

static void test_dead_peer_gets_nothing(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new();
    char ep1[128], ep2[128], list[300];
    void *r1 = bound_router(ctx, ep1, sizeof ep1);
    void *r2 = bound_router(ctx, ep2, sizeof ep2);
    snprintf(list, sizeof list, "%s,%s", ep1, ep2);
    void *d = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(endpoints_connect(d, list), 2);
    /* A standby that binds late is tried again within a second. */
    int ivl = 0;
    size_t isz = sizeof ivl;
    assert_int_equal(zmq_getsockopt(d, ZMQ_RECONNECT_IVL_MAX, &ivl, &isz), 0);
    assert_int_equal(ivl, ENDPOINTS_RECONNECT_MAX_MS);
    zmq_sleep(1); /* both connections up: each router gets some of a burst */
    int got1 = 0, got2 = 0;
    for (int i = 0; i < 20; i++)
        assert_int_equal(zmq_send(d, "x", 1, 0), 1);
    while (got1 + got2 < 20) {
        int a = recv_one(r1, 200), b = recv_one(r2, 200);
        assert_true(a || b);
        got1 += a;
        got2 += b;
    }
    assert_true(got1 > 0 && got2 > 0);
    /* The first router dies; once the DEALER noticed, every message goes
     * to the second. */
    zmq_close(r1);
    zmq_sleep(1);
    for (int i = 0; i < 10; i++)
        assert_int_equal(zmq_send(d, "y", 1, ZMQ_DONTWAIT), 1);
    int later = 0;
    while (recv_one(r2, 1000))
        later++;
    assert_int_equal(later, 10);
    zmq_close(d);
    zmq_close(r2);
    zmq_ctx_term(ctx);
}

static void test_one_endpoint_unchanged(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new();
    void *d = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof zero);
    /* Nothing listens there: a single endpoint keeps libzmq's default, so
     * a message is queued rather than refused (ZMQ_IMMEDIATE off). */
    assert_int_equal(endpoints_connect(d, "tcp://127.0.0.1:1"), 1);
    int imm = -1;
    size_t sz = sizeof imm;
    assert_int_equal(zmq_getsockopt(d, ZMQ_IMMEDIATE, &imm, &sz), 0);
    assert_int_equal(imm, 0);
    int ivl = -1;
    assert_int_equal(zmq_getsockopt(d, ZMQ_RECONNECT_IVL_MAX, &ivl, &sz), 0);
    assert_int_equal(ivl, 0); /* libzmq's default: untouched */
    assert_int_equal(zmq_send(d, "x", 1, ZMQ_DONTWAIT), 1);
    assert_int_equal(endpoints_connect(d, "tcp://127.0.0.1:1,"), -EINVAL);
    zmq_close(d);
    zmq_ctx_term(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_dead_peer_gets_nothing),
        cmocka_unit_test(test_one_endpoint_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
