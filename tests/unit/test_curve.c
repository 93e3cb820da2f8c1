/* test_curve.c - CURVE + ZAP: a known key gets through with its user id, an
 * unknown key is refused, and a server without a ZAP handler refuses too
 * (libzmq would fail open without ZAP domain enforcement). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "curve.h"
#include "zuv.h"

typedef struct {
    int received;
    char user[CURVE_USER_MAX];
} got_t;

static void on_msg(zuv_socket_t *s, zuv_message_t *m, void *ud)
{
    (void)s;
    got_t *g = ud;
    g->received++;
    const char *u = zmq_msg_gets(&m->frames[m->nframes - 1], "User-Id");
    snprintf(g->user, sizeof g->user, "%s", u ? u : "");
}

static void on_timeout(uv_timer_t *t)
{
    uv_stop(t->loop);
}

static char keydir[] = "/tmp/liandong-curve-XXXXXX";

/* Runs one server (with or without ZAP; a request socket or a stream) and
 * one client key; returns what the server received within 500 ms. */
static got_t exchange_on(int with_zap, int stream, const char *client_role, const char *client_id)
{
    got_t g = {0};
    uv_loop_t loop;
    uv_loop_init(&loop);
    void *ctx = zmq_ctx_new();
    curve_auth_t *auth = NULL;
    if (with_zap)
        assert_int_equal(curve_auth_start(&loop, ctx, keydir, &auth), 0);
    curve_keypair_t server, client, server_pub;
    assert_int_equal(curve_keypair_load(keydir, "service", "ledger", 0, &server), 0);
    assert_int_equal(curve_keypair_load(keydir, "service", "ledger", 1, &server_pub), 0);
    assert_int_equal(curve_keypair_load(keydir, client_role, client_id, 0, &client), 0);
    zuv_socket_t *srv = NULL;
    assert_int_equal(zuv_socket_create(&loop, ctx, ZMQ_ROUTER, 0, &srv), 0);
    if (stream)
        assert_int_equal(curve_stream_setup(zuv_socket_zmq(srv), &server), 0);
    else
        assert_int_equal(curve_server_setup(zuv_socket_zmq(srv), &server), 0);
    assert_int_equal(zuv_socket_bind(srv, "tcp://127.0.0.1:*"), 0);
    char ep[256];
    size_t eplen = sizeof ep;
    zmq_getsockopt(zuv_socket_zmq(srv), ZMQ_LAST_ENDPOINT, ep, &eplen);
    assert_int_equal(zuv_socket_start(srv, 4, on_msg, &g), 0);
    void *cli = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(cli, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(curve_client_setup(cli, &client, server_pub.public_key), 0);
    assert_int_equal(zmq_connect(cli, ep), 0);
    zmq_send(cli, "hello", 5, ZMQ_DONTWAIT);
    uv_timer_t t;
    uv_timer_init(&loop, &t);
    uv_timer_start(&t, on_timeout, 500, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&t, NULL);
    zmq_close(cli);
    zuv_socket_close(&srv);
    curve_auth_stop(&auth);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    zmq_ctx_term(ctx);
    return g;
}

static got_t exchange(int with_zap, const char *client_role, const char *client_id)
{
    return exchange_on(with_zap, 0, client_role, client_id);
}

static int setup(void **state)
{
    (void)state;
    if (mkdtemp(keydir) == NULL)
        return -1;
    char other[sizeof keydir + 8];
    snprintf(other, sizeof other, "%s/other", keydir);
    mkdir(other, 0700);
    if (curve_keypair_create(keydir, "service", "ledger", NULL) != 0 ||
        curve_keypair_create(keydir, "body", "PC-YH", NULL) != 0 ||
        curve_keypair_create(keydir, "operator", "ann", NULL) != 0 ||
        /* a key pair whose public half is not in the server's directory */
        curve_keypair_create(other, "body", "intruder", NULL) != 0)
        return -1;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cp %s/body.intruder.key %s/", other, keydir);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", keydir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_known_key_passes_with_user_id(void **state)
{
    (void)state;
    got_t g = exchange(1, "body", "PC-YH");
    assert_int_equal(g.received, 1);
    assert_string_equal(g.user, "body:PC-YH");
}

static void test_unknown_key_refused(void **state)
{
    (void)state;
    got_t g = exchange(1, "body", "intruder");
    assert_int_equal(g.received, 0);
}

static void test_no_zap_handler_fails_closed(void **state)
{
    (void)state;
    got_t g = exchange(0, "body", "PC-YH");
    assert_int_equal(g.received, 0);
}

static void test_bad_names_refused(void **state)
{
    (void)state;
    curve_keypair_t kp;
    assert_int_equal(curve_keypair_create(keydir, "body", "../etc", &kp), -EINVAL);
    assert_int_equal(curve_keypair_load(keydir, "body", "missing", 0, &kp), -ENOENT);
}

/* The streams' ZAP domain admits services and operators, not bodies
 * (issue 11; per-topic filtering for bodies is issue 12). */
static void test_stream_roles(void **state)
{
    (void)state;
    got_t g = exchange_on(1, 1, "operator", "ann");
    assert_int_equal(g.received, 1);
    g = exchange_on(1, 1, "body", "PC-YH");
    assert_int_equal(g.received, 0);
    g = exchange_on(1, 0, "body", "PC-YH"); /* a request socket still takes it */
    assert_int_equal(g.received, 1);
}

/* A key taken out of the directory is no longer active after a reload
 * (services check every message against it). */
static void test_revoked_user_inactive(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    void *ctx = zmq_ctx_new();
    curve_auth_t *auth = NULL;
    assert_int_equal(curve_auth_start(&loop, ctx, keydir, &auth), 0);
    assert_true(curve_auth_user_active(auth, "operator:ann"));
    assert_true(curve_auth_user_active(auth, "body:PC-YH"));
    assert_false(curve_auth_user_active(auth, "operator:bob"));
    assert_true(curve_auth_user_active(NULL, "anyone")); /* CURVE off */
    char from[256], to[256];
    snprintf(from, sizeof from, "%s/operator.ann.pub", keydir);
    snprintf(to, sizeof to, "%s/other/operator.ann.pub", keydir);
    assert_int_equal(rename(from, to), 0);
    assert_true(curve_auth_reload(auth) >= 0);
    assert_false(curve_auth_user_active(auth, "operator:ann"));
    assert_true(curve_auth_user_active(auth, "body:PC-YH"));
    assert_int_equal(rename(to, from), 0);
    assert_true(curve_auth_reload(auth) >= 0);
    assert_true(curve_auth_user_active(auth, "operator:ann"));
    curve_auth_stop(&auth);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    zmq_ctx_term(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_key_passes_with_user_id),
        cmocka_unit_test(test_unknown_key_refused),
        cmocka_unit_test(test_no_zap_handler_fails_closed),
        cmocka_unit_test(test_bad_names_refused),
        cmocka_unit_test(test_stream_roles),
        cmocka_unit_test(test_revoked_user_inactive),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
