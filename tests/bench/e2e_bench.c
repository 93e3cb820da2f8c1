/*
 * e2e_bench.c - Liandong end to end, for `make bench` (bench_ledger.py):
 * concurrent front-ends submit demands to the router, which places them and
 * has the ledger commit them; a demand counts once its SubmitAck (sent only
 * after COMMIT) is back. One thread, one DEALER per front-end, all driven
 * by zmq_poll so the driver itself costs as little CPU as possible.
 *
 *   closed loop  (--window W): every front-end keeps W demands in flight;
 *                measures the maximum throughput and its latencies.
 *   open loop    (--rate R):   demands leave on a fixed schedule of R/s
 *                spread over the front-ends; latency is measured from the
 *                scheduled send time, so a stall cannot hide its queue
 *                (no coordinated omission).
 *
 * Prints one JSON object: sent, acked, errors, seconds, throughput and
 * latency percentiles in milliseconds.
 *
 * usage: e2e_bench --endpoint EP --demands FILE.jsonl [--keys DIR]
 *                  [--clients N] [--seconds S] [--window W | --rate R]
 *                  [--prefix P]
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "curve.h"
#include "wire.h"

#define MAX_CLIENTS 64
#define MAX_INFLIGHT (1 << 20)

typedef struct {
    char *text, *address, *compound;
} demand_t;

static const char *const CHANNELS[] = {"hotline", "wechat",   "grid",
                                       "mailbox", "petition", "property"};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *dup_field(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return strdup(s ? s : "");
}

static int load_demands(const char *path, demand_t **out, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -errno;
    char line[65536];
    size_t cap = 64;
    demand_t *d = calloc(cap, sizeof(*d));
    *n = 0;
    while (d && fgets(line, sizeof line, f)) {
        json_t *o = json_loads(line, 0, NULL);
        if (o == NULL)
            continue;
        if (*n == cap) {
            cap *= 2;
            demand_t *nd = realloc(d, cap * sizeof(*d));
            if (nd == NULL) {
                json_decref(o);
                break;
            }
            d = nd;
        }
        d[*n].text = dup_field(o, "text");
        d[*n].address = dup_field(o, "address");
        d[*n].compound = dup_field(o, "compound");
        (*n)++;
        json_decref(o);
    }
    fclose(f);
    *out = d;
    return *n > 0 ? 0 : -EINVAL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

typedef struct {
    void *sock;
    size_t inflight;
} client_t;

/* Sends demand number `seq` on client c; returns 0 or -1. */
static int send_demand(client_t *c, int ci, const demand_t *d, const char *prefix, uint64_t seq)
{
    char rid[64], chid[96];
    snprintf(rid, sizeof rid, "%" PRIu64, seq);
    snprintf(chid, sizeof chid, "%s-%" PRIu64, prefix, seq);
    Liandong__V1__Demand dm = LIANDONG__V1__DEMAND__INIT;
    dm.channel = (char *)CHANNELS[ci % 6];
    dm.channel_id = chid;
    dm.text = d->text;
    dm.address = d->address;
    dm.compound = d->compound;
    Liandong__V1__SubmitDemand sd = LIANDONG__V1__SUBMIT_DEMAND__INIT;
    sd.demand = &dm;
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    e.request_id = rid;
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_SUBMIT_DEMAND;
    e.submit_demand = &sd;
    uint8_t *buf = NULL;
    size_t len = 0;
    if (wire_pack(&e, &buf, &len) < 0)
        return -1;
    int rc = zmq_send(c->sock, buf, len, 0);
    free(buf);
    if (rc < 0)
        return -1;
    c->inflight++;
    return 0;
}

int main(int argc, char **argv)
{
    const char *endpoint = NULL, *demands = NULL, *keys = NULL, *prefix = "bench";
    int clients = 16, window = 0;
    double seconds = 10, rate = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--endpoint") == 0)
            endpoint = v;
        else if (strcmp(k, "--demands") == 0)
            demands = v;
        else if (strcmp(k, "--keys") == 0)
            keys = v;
        else if (strcmp(k, "--prefix") == 0)
            prefix = v;
        else if (strcmp(k, "--clients") == 0)
            clients = atoi(v);
        else if (strcmp(k, "--window") == 0)
            window = atoi(v);
        else if (strcmp(k, "--seconds") == 0)
            seconds = atof(v);
        else if (strcmp(k, "--rate") == 0)
            rate = atof(v);
        else {
            fprintf(stderr, "e2e_bench: unknown option %s\n", k);
            return 2;
        }
    }
    if (endpoint == NULL || demands == NULL || clients < 1 || clients > MAX_CLIENTS ||
        (window <= 0) == (rate <= 0) || seconds <= 0) {
        fprintf(stderr, "usage: e2e_bench --endpoint EP --demands FILE [--keys DIR] "
                        "[--clients N] [--seconds S] (--window W | --rate R) [--prefix P]\n");
        return 2;
    }
    demand_t *dm = NULL;
    size_t ndm = 0;
    if (load_demands(demands, &dm, &ndm) < 0) {
        fprintf(stderr, "e2e_bench: no demands in %s\n", demands);
        return 1;
    }
    void *ctx = zmq_ctx_new();
    client_t cl[MAX_CLIENTS];
    zmq_pollitem_t items[MAX_CLIENTS];
    curve_keypair_t server;
    if (keys && curve_keypair_load(keys, "service", "router", 1, &server) < 0) {
        fprintf(stderr, "e2e_bench: no service.router.pub in %s\n", keys);
        return 1;
    }
    for (int i = 0; i < clients; i++) {
        cl[i].sock = zmq_socket(ctx, ZMQ_DEALER);
        cl[i].inflight = 0;
        int zero = 0, hwm = 0;
        zmq_setsockopt(cl[i].sock, ZMQ_LINGER, &zero, sizeof zero);
        zmq_setsockopt(cl[i].sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt(cl[i].sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
        if (keys) {
            curve_keypair_t me;
            if (curve_keypair_load(keys, "frontend", CHANNELS[i % 6], 0, &me) < 0 ||
                curve_client_setup(cl[i].sock, &me, server.public_key) < 0) {
                fprintf(stderr, "e2e_bench: no key frontend.%s\n", CHANNELS[i % 6]);
                return 1;
            }
        }
        if (zmq_connect(cl[i].sock, endpoint) < 0) {
            fprintf(stderr, "e2e_bench: connect %s: %s\n", endpoint, zmq_strerror(errno));
            return 1;
        }
        items[i] = (zmq_pollitem_t){cl[i].sock, 0, ZMQ_POLLIN, 0};
    }
    /* Send times by sequence number (the request id). */
    size_t cap = MAX_INFLIGHT * 4;
    double *sent_at = calloc(cap, sizeof(double));
    double *lat = calloc(cap, sizeof(double));
    if (!sent_at || !lat)
        return 1;
    uint64_t seq = 0, acked = 0, errors = 0, unknown = 0;
    size_t nlat = 0;
    double t0 = now_s(), t_end = t0 + seconds, t_drain = t_end + 10;
    double t_first_err = 0;
    char first_err[256] = "";
    int next_client = 0;
    if (window > 0) {
        for (int i = 0; i < clients; i++)
            for (int k = 0; k < window && seq < cap; k++) {
                sent_at[seq] = now_s();
                send_demand(&cl[i], i, &dm[seq % ndm], prefix, seq);
                seq++;
            }
    }
    size_t total_inflight = seq;
    for (;;) {
        double t = now_s();
        if (t >= t_end && total_inflight == 0)
            break;
        if (t >= t_drain)
            break;
        /* Open loop: everything whose scheduled time has come leaves now. */
        long timeout_ms = 10;
        if (rate > 0 && t < t_end) {
            while (seq < cap) {
                double due = t0 + (double)seq / rate;
                if (due > t) {
                    /* At least 1 ms: a 0 ms poll would spin a core that
                     * the services under test need (they share 2 here). */
                    long ms = (long)((due - t) * 1000);
                    ms = ms < 1 ? 1 : ms;
                    timeout_ms = ms < timeout_ms ? ms : timeout_ms;
                    break;
                }
                sent_at[seq] = due;
                int ci = next_client;
                next_client = (next_client + 1) % clients;
                if (send_demand(&cl[ci], ci, &dm[seq % ndm], prefix, seq) == 0)
                    total_inflight++;
                seq++;
            }
        }
        if (zmq_poll(items, clients, timeout_ms) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < clients; i++) {
            for (;;) {
                zmq_msg_t m;
                zmq_msg_init(&m);
                if (zmq_msg_recv(&m, cl[i].sock, ZMQ_DONTWAIT) < 0) {
                    zmq_msg_close(&m);
                    break;
                }
                double tr = now_s();
                wire_msg_t *w = NULL;
                char err[128];
                if (wire_unpack(zmq_msg_data(&m), zmq_msg_size(&m), 1 << 22, &w, err, sizeof err) <
                    0) {
                    zmq_msg_close(&m);
                    unknown++;
                    continue;
                }
                zmq_msg_close(&m);
                envelope_t *e = wire_envelope(w);
                char *endp = NULL;
                unsigned long long s = strtoull(e->request_id, &endp, 10);
                if (endp == e->request_id || *endp != '\0' || s >= seq) {
                    unknown++;
                    wire_free(&w);
                    continue;
                }
                cl[i].inflight--;
                total_inflight--;
                if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_SUBMIT_ACK) {
                    acked++;
                    /* Only what was sent inside the window counts. */
                    if (sent_at[s] < t_end)
                        lat[nlat++] = (tr - sent_at[s]) * 1000.0;
                } else {
                    errors++;
                    if (t_first_err == 0 && e->error) {
                        t_first_err = tr;
                        snprintf(first_err, sizeof first_err, "%s", e->error->message);
                    }
                }
                wire_free(&w);
                if (window > 0 && now_s() < t_end && seq < cap) {
                    sent_at[seq] = now_s();
                    if (send_demand(&cl[i], i, &dm[seq % ndm], prefix, seq) == 0)
                        total_inflight++;
                    seq++;
                }
            }
        }
    }
    double elapsed = now_s() - t0;
    qsort(lat, nlat, sizeof(double), cmp_double);
    double span = elapsed < seconds ? elapsed : seconds;
    json_t *o = json_object();
    json_object_set_new(o, "mode", json_string(window > 0 ? "closed" : "open"));
    json_object_set_new(o, "clients", json_integer(clients));
    json_object_set_new(o, "window", json_integer(window));
    json_object_set_new(o, "rate", json_real(rate));
    json_object_set_new(o, "seconds", json_real(span));
    json_object_set_new(o, "sent", json_integer((json_int_t)seq));
    json_object_set_new(o, "acked", json_integer((json_int_t)acked));
    json_object_set_new(o, "errors", json_integer((json_int_t)errors));
    json_object_set_new(o, "unanswered", json_integer((json_int_t)total_inflight));
    json_object_set_new(o, "unknown", json_integer((json_int_t)unknown));
    json_object_set_new(o, "first_error", json_string(first_err));
    json_object_set_new(o, "throughput", json_real((double)nlat / span));
    json_object_set_new(o, "p50_ms", json_real(pct(lat, nlat, 0.50)));
    json_object_set_new(o, "p99_ms", json_real(pct(lat, nlat, 0.99)));
    json_object_set_new(o, "max_ms", json_real(nlat ? lat[nlat - 1] : 0));
    char *s = json_dumps(o, JSON_COMPACT);
    printf("%s\n", s);
    free(s);
    json_decref(o);
    for (int i = 0; i < clients; i++)
        zmq_close(cl[i].sock);
    zmq_ctx_term(ctx);
    free(sent_at);
    free(lat);
    for (size_t i = 0; i < ndm; i++) {
        free(dm[i].text);
        free(dm[i].address);
        free(dm[i].compound);
    }
    free(dm);
    return errors || total_inflight ? 1 : 0;
}
