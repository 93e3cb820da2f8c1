/*
 * cmd_alerts.c - `petition alerts [--body BODY_ID] [--json]`: subscribes to
 * the notifier's alert socket (PUB, topic = body id) and prints deadline
 * alerts as they are published, until interrupted (or --max alerts).
 *
 * Alerts carry ids, deadlines, stages and times only, never resident data.
 * A subscriber only sees alerts published after it connected (PUB/SUB);
 * the ledger's case_alerts table is the complete record.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "commands.h"
#include "config.h"
#include "curve.h"
#include "secure.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* CURVE client setup for the SUB socket: our key, the notifier's public
 * key. 0 or a negative errno (message printed). */
static int setup_curve(void *sock, const petition_ctx_t *ctx, const char *server_identity)
{
    char role[CURVE_USER_MAX], id[CURVE_USER_MAX], srole[CURVE_USER_MAX], sid[CURVE_USER_MAX];
    curve_keypair_t self, server;
    int rc = secure_split_identity(ctx->identity, role, sizeof role, id, sizeof id);
    if (rc == 0)
        rc = secure_split_identity(server_identity, srole, sizeof srole, sid, sizeof sid);
    if (rc == 0)
        rc = curve_keypair_load(ctx->keys, role, id, 0, &self);
    if (rc == 0)
        rc = curve_keypair_load(ctx->keys, srole, sid, 1, &server);
    if (rc == 0)
        rc = curve_client_setup(sock, &self, server.public_key);
    if (rc < 0)
        fprintf(stderr, "petition alerts: CURVE keys %s (ours) or %s (notifier) not usable in %s\n",
                ctx->identity, server_identity, ctx->keys);
    return rc;
}

static void print_alert(const Liandong__V1__Alert *a, int as_json)
{
    char due[32], at[32];
    if (as_json) {
        json_t *o = json_object();
        json_object_set_new(o, "case_id", json_string(a->case_id));
        json_object_set_new(o, "body_id", json_string(a->body_id));
        json_object_set_new(o, "deadline", json_string(a->deadline));
        json_object_set_new(o, "stage", json_string(a->stage));
        json_object_set_new(o, "due_ms", json_integer((json_int_t)a->due_ms));
        json_object_set_new(o, "at_ms", json_integer((json_int_t)a->at_ms));
        json_object_set_new(o, "due", json_string(format_ms(a->due_ms, due, sizeof due)));
        json_object_set_new(o, "category", json_string(a->category));
        json_object_set_new(o, "escalate_to", json_string(a->escalate_to));
        json_print_line(o);
    } else {
        printf("%s %-20s %-8s %-9s due %s  body %s%s%s  [%s]\n", format_ms(a->at_ms, at, sizeof at),
               a->case_id, a->deadline, a->stage, format_ms(a->due_ms, due, sizeof due), a->body_id,
               a->escalate_to[0] ? "  up " : "", a->escalate_to, a->category);
    }
    /* Read live through a pipe: every alert goes out at once. */
    fflush(stdout);
}

/* Receives the rest of a message whose topic frame was read: exactly one
 * frame, the envelope. 1 printed, 0 ignored, negative errno on a socket
 * error. */
static int receive_one(void *sock, int as_json)
{
    zmq_msg_t part;
    zmq_msg_init(&part);
    int printed = 0, more = 1, nparts = 0;
    while (more) {
        if (zmq_msg_recv(&part, sock, 0) < 0) {
            int e = errno;
            zmq_msg_close(&part);
            return -e;
        }
        more = zmq_msg_more(&part);
        if (++nparts == 1 && !more) {
            char err[160];
            wire_msg_t *w = NULL;
            if (wire_unpack(zmq_msg_data(&part), zmq_msg_size(&part), 1u << 20, &w, err,
                            sizeof err) == 0) {
                const envelope_t *e = wire_envelope(w);
                if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_ALERT && e->alert) {
                    print_alert(e->alert, as_json);
                    printed = 1;
                }
                wire_free(&w);
            } else {
                fprintf(stderr, "petition alerts: unreadable alert ignored: %s\n", err);
            }
        }
    }
    zmq_msg_close(&part);
    return printed;
}

int cmd_alerts(const petition_ctx_t *ctx, int argc, char **argv)
{
    config_opt_t o[] = {
        {"body", NULL, "", "only alerts for this body (default: all)", 0, NULL},
        {"json", NULL, "0", "one JSON object per alert", 1, NULL},
        {"alerts", "LIANDONG_NOTIFIER_ALERTS", "tcp://127.0.0.1:7321",
         "the notifier's alert socket", 0, NULL},
        {"notifier-identity", "LIANDONG_NOTIFIER_IDENTITY", "service.notifier",
         "the notifier's key (role.id)", 0, NULL},
        {"max", NULL, "0", "stop after this many alerts (0 = never)", 0, NULL},
    };
    size_t n = sizeof o / sizeof o[0];
    char err[200];
    int rest = 0;
    int rc = config_parse(o, n, argc, argv, &rest, err, sizeof err);
    if (rc == 1) {
        config_usage(stdout, "usage: petition alerts [--body BODY_ID] [--json]", o, n);
        return 0;
    }
    long max = 0;
    const char *body = config_get(o, n, "body");
    if (rc < 0 || rest != argc || config_get_long(o, n, "max", 0, 100000000, &max) < 0 ||
        wire_check_text(body, 128) != 0) {
        fprintf(stderr, "petition alerts: %s\n", rc < 0 ? err : "bad arguments (see --help)");
        return 2;
    }
    int as_json = strcmp(config_get(o, n, "json"), "1") == 0;
    void *zctx = zmq_ctx_new();
    void *sock = zctx ? zmq_socket(zctx, ZMQ_SUB) : NULL;
    if (sock == NULL) {
        fprintf(stderr, "petition alerts: %s\n", zmq_strerror(errno));
        if (zctx)
            zmq_ctx_term(zctx);
        return 1;
    }
    int zero = 0;
    int64_t maxmsg = 1 << 20;
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    /* The topic is the body id; a prefix match would also take "PC-YH2"
     * for "PC-YH", so the frame is compared again below. */
    zmq_setsockopt(sock, ZMQ_SUBSCRIBE, body, strlen(body));
    int ret = 0;
    if (!ctx->insecure && setup_curve(sock, ctx, config_get(o, n, "notifier-identity")) < 0)
        ret = 1;
    else if (zmq_connect(sock, config_get(o, n, "alerts")) != 0) {
        fprintf(stderr, "petition alerts: %s\n", zmq_strerror(errno));
        ret = 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    long seen = 0;
    while (ret == 0 && !stop_flag && (max == 0 || seen < max)) {
        zmq_pollitem_t pi = {sock, 0, ZMQ_POLLIN, 0};
        int p = zmq_poll(&pi, 1, 500);
        if (p < 0) {
            if (errno != EINTR)
                ret = 1;
            continue;
        }
        if (p == 0)
            continue;
        /* Peek the topic for an exact body match. */
        zmq_msg_t topic;
        zmq_msg_init(&topic);
        if (zmq_msg_recv(&topic, sock, 0) < 0) {
            zmq_msg_close(&topic);
            continue;
        }
        int exact = *body == '\0' || (zmq_msg_size(&topic) == strlen(body) &&
                                      memcmp(zmq_msg_data(&topic), body, strlen(body)) == 0);
        int more = zmq_msg_more(&topic);
        zmq_msg_close(&topic);
        if (!more)
            continue;
        if (!exact) {
            zmq_msg_t skip;
            zmq_msg_init(&skip);
            while (more && zmq_msg_recv(&skip, sock, 0) >= 0)
                more = zmq_msg_more(&skip);
            zmq_msg_close(&skip);
            continue;
        }
        rc = receive_one(sock, as_json);
        if (rc > 0)
            seen++;
    }
    zmq_close(sock);
    zmq_ctx_term(zctx);
    return ret;
}
