/*
 * cmd_follow.c - `petition desk --body B --follow`: a department desk that
 * stays attached to the router, prints each case as it arrives and
 * acknowledges it. Deliveries are at least once; the desk makes their
 * effect exactly once by remembering the delivery sequence numbers it has
 * handled (in memory, and in --seen-file across restarts).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "commands.h"
#include "endpoints.h"
#include "secure.h"

static volatile sig_atomic_t follow_stop;

static void on_signal(int sig)
{
    (void)sig;
    follow_stop = 1;
}

typedef struct {
    uint64_t *v;
    size_t n, cap;
} seen_t;

static int seen_has(const seen_t *s, uint64_t x)
{
    for (size_t i = s->n; i-- > 0;)
        if (s->v[i] == x)
            return 1;
    return 0;
}

static int seen_add(seen_t *s, uint64_t x)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 256;
        uint64_t *nv = realloc(s->v, nc * sizeof(*nv));
        if (nv == NULL)
            return -ENOMEM;
        s->v = nv;
        s->cap = nc;
    }
    s->v[s->n++] = x;
    return 0;
}

static int send_env(void *sock, envelope_t *e)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (wire_pack(e, &buf, &len) < 0)
        return -ENOMEM;
    int rc = zmq_send(sock, buf, len, 0);
    free(buf);
    return rc < 0 ? -errno : 0;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One connection per router of the list (lib/endpoints.h): a desk is
 * attached to every router, because each router delivers only to the
 * desks attached to it, and a DEALER connected to several would attach to
 * one of them at a time. Either router may then die without the desk
 * missing its cases; the same case arriving from both is handled once
 * (delivery_seq) and acknowledged to each. */
typedef struct {
    petition_client_t c[ENDPOINTS_MAX];
    size_t n;
} desk_conns_t;

static void conns_close(desk_conns_t *d)
{
    for (size_t i = 0; i < d->n; i++)
        petition_client_close(&d->c[i]);
    d->n = 0;
}

static int conns_open(desk_conns_t *d, const petition_ctx_t *ctx, const char *desk_ep,
                      const char *identity)
{
    char eps[ENDPOINTS_MAX][ENDPOINT_MAX];
    int n = endpoints_split(desk_ep, eps, ENDPOINTS_MAX);
    if (n < 0) {
        fprintf(stderr, "error: bad desk endpoint list %s\n", desk_ep);
        return n;
    }
    for (int i = 0; i < n; i++) {
        int rc =
            petition_client_open(&d->c[i], eps[i], ctx->timeout_ms,
                                 ctx->insecure ? NULL : ctx->keys, identity, ctx->router_identity);
        d->n = (size_t)i + 1; /* closed by conns_close even when it failed */
        if (rc < 0)
            return rc;
    }
    return 0;
}

int desk_follow(const petition_ctx_t *ctx, const char *desk_ep, const char *body, int as_json,
                const char *seen_path, long max_cases)
{
    desk_conns_t conns = {.n = 0};
    char identity[160];
    snprintf(identity, sizeof identity, "body.%s", body);
    int rc = conns_open(&conns, ctx, desk_ep, identity);
    if (rc < 0) {
        conns_close(&conns);
        return 2;
    }
    seen_t seen = {0};
    FILE *sf = NULL;
    if (seen_path) {
        FILE *in = fopen(seen_path, "r");
        unsigned long long x;
        while (in && fscanf(in, "%llu", &x) == 1)
            seen_add(&seen, x);
        if (in)
            fclose(in);
        sf = fopen(seen_path, "a");
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    Liandong__V1__DeskAttach da = LIANDONG__V1__DESK_ATTACH__INIT;
    envelope_t att = LIANDONG__V1__ENVELOPE__INIT;
    att.request_id = "attach";
    att.body_case = LIANDONG__V1__ENVELOPE__BODY_DESK_ATTACH;
    att.desk_attach = &da;
    for (size_t i = 0; i < conns.n; i++)
        send_env(conns.c[i].sock, &att);
    int64_t last_ping = mono_ms();
    int attached = 0;
    unsigned long handled = 0, acks = 0;
    int code = 0;
    fprintf(stderr, "desk %s: attaching to %s\n", body, desk_ep);
    while (!follow_stop && (max_cases <= 0 || (long)handled < max_cases)) {
        zmq_pollitem_t its[ENDPOINTS_MAX];
        for (size_t i = 0; i < conns.n; i++)
            its[i] = (zmq_pollitem_t){.socket = conns.c[i].sock, .events = ZMQ_POLLIN};
        int n = zmq_poll(its, (int)conns.n, 500);
        int64_t now = mono_ms();
        if (now - last_ping > 10000) {
            /* Heartbeat by attaching again: the router answers it without
             * change while it knows us, and a restarted router (which knows
             * no desk, and would answer a mere ping) takes us back. */
            for (size_t i = 0; i < conns.n; i++)
                send_env(conns.c[i].sock, &att);
            last_ping = now;
        }
        if (n <= 0)
            continue;
        /* The first connection with something to read; the others are
         * read on the next turns (the poll returns at once for them). */
        void *sock = NULL;
        for (size_t i = 0; i < conns.n && sock == NULL; i++)
            if (its[i].revents & ZMQ_POLLIN)
                sock = its[i].socket;
        if (sock == NULL)
            continue;
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, 0) < 0) {
            zmq_msg_close(&m);
            continue;
        }
        char err[160];
        wire_msg_t *w = NULL;
        rc = wire_unpack(zmq_msg_data(&m), zmq_msg_size(&m), 64u << 20, &w, err, sizeof err);
        zmq_msg_close(&m);
        if (rc < 0)
            continue;
        envelope_t *e = wire_envelope(w);
        if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_ERROR && e->error) {
            fprintf(stderr, "desk %s: %s: %s\n", body, e->request_id, e->error->message);
            if (strcmp(e->request_id, "attach") == 0 && !attached) {
                code = 1;
                wire_free(&w);
                break;
            }
        } else if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_DESK_ATTACHED) {
            if (!attached)
                fprintf(stderr, "desk %s: attached\n", e->desk_attached->body_id);
            attached = 1;
        } else if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_CASE_DELIVERY &&
                   e->case_delivery->record) {
            Liandong__V1__CaseRecord *r = e->case_delivery->record;
            if (!seen_has(&seen, r->delivery_seq)) {
                if (as_json) {
                    json_print_line(json_case_record(r));
                } else {
                    printf("%s #%llu %s%s %s %s: %s\n", r->case_id,
                           (unsigned long long)r->delivery_seq, r->copy ? "(copy) " : "",
                           r->category, urgency_text(r->urgency), r->state, r->text);
                }
                fflush(stdout);
                seen_add(&seen, r->delivery_seq);
                if (sf) {
                    fprintf(sf, "%llu\n", (unsigned long long)r->delivery_seq);
                    fflush(sf);
                }
                handled++;
            }
            /* Acknowledge every delivery, repeats too: the ack may have been
             * lost the first time. */
            Liandong__V1__CaseAction ca = LIANDONG__V1__CASE_ACTION__INIT;
            ca.case_id = r->case_id;
            ca.kind = LIANDONG__V1__CASE_ACTION_KIND__ACTION_DELIVERED;
            ca.actor = (char *)body;
            char rid[64];
            snprintf(rid, sizeof rid, "ack-%llu", (unsigned long long)r->delivery_seq);
            envelope_t ae = LIANDONG__V1__ENVELOPE__INIT;
            ae.request_id = rid;
            ae.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION;
            ae.case_action = &ca;
            send_env(sock, &ae); /* to the router that delivered it */
            acks++;
        }
        wire_free(&w);
    }
    /* Give the last acknowledgements a moment to leave. */
    int64_t until = mono_ms() + 300;
    while (mono_ms() < until) {
        for (size_t i = 0; i < conns.n; i++) {
            zmq_pollitem_t it = {.socket = conns.c[i].sock, .events = ZMQ_POLLIN};
            if (zmq_poll(&it, 1, 100 / (long)conns.n) > 0) {
                zmq_msg_t m;
                zmq_msg_init(&m);
                zmq_msg_recv(&m, conns.c[i].sock, 0);
                zmq_msg_close(&m);
            }
        }
    }
    fprintf(stderr, "desk %s: %lu case(s) handled, %lu acknowledgement(s) sent\n", body, handled,
            acks);
    if (sf)
        fclose(sf);
    free(seen.v);
    conns_close(&conns);
    return code;
}
