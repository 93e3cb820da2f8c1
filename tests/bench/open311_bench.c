/*
 * open311_bench.c - Open311 POST requests end to end through the gateway,
 * for tests/bench/bench_gateway.py: N threads, each with one keep-alive
 * HTTP/1.1 connection and one request in flight (what an Open311 client
 * does), for S seconds. A report counts when its 200 answer (sent only
 * once the case is committed) is back. Each report has its own
 * client_request_id, so none is a repeat of another.
 *
 * Prints one JSON object: sent, ok, errors, seconds, throughput and latency
 * percentiles in milliseconds.
 *
 * usage: open311_bench --host 127.0.0.1 --port P --api-key K
 *                      [--clients N] [--seconds S] [--prefix P]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 256
#define MAX_SAMPLES (1 << 20)

typedef struct {
    int id;
    unsigned long ok, errors;
    double *lat_ms;
    size_t n_lat;
} worker_t;

static const char *host = "127.0.0.1", *api_key = "", *prefix = "b";
static int port, seconds = 10;
static double t_end;

static const char *const TEXTS[] = {
    "3%E6%A0%8B%E6%A5%BC%E9%81%93%E7%9A%84%E7%81%AF%E5%9D%8F%E4%BA%86", /* 3栋楼道的灯坏了 */
    "%E7%94%B5%E6%A2%AF%E5%8F%88%E5%9D%8F%E4%BA%86%E6%B2%A1%E4%BA%BA%E4%BF%AE", /* 电梯又坏了没人修
                                                                                 */
    "%E5%9E%83%E5%9C%BE%E4%B8%89%E5%A4%A9%E6%B2%A1%E4%BA%BA%E6%B8%85", /* 垃圾三天没人清 */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_once(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &sa.sin_addr);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *b, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads one response (headers and a Content-Length body); its status. */
static int read_response(int fd, char *buf, size_t cap)
{
    size_t have = 0;
    char *body = NULL;
    long clen = -1;
    for (;;) {
        if (have == cap)
            return -1;
        ssize_t r = read(fd, buf + have, cap - have);
        if (r <= 0)
            return -1;
        have += (size_t)r;
        if (body == NULL) {
            char *e = memmem(buf, have, "\r\n\r\n", 4);
            if (e == NULL)
                continue;
            body = e + 4;
            const char *cl = memmem(buf, (size_t)(e - buf), "Content-Length: ", 16);
            clen = cl ? strtol(cl + 16, NULL, 10) : 0;
        }
        if ((long)(have - (size_t)(body - buf)) >= clen)
            return atoi(buf + 9);
    }
}

static void *run(void *arg)
{
    worker_t *w = arg;
    static __thread char req[4096], resp[65536];
    int fd = -1;
    for (unsigned long n = 0; now_s() < t_end; n++) {
        if (fd < 0 && (fd = connect_once()) < 0) {
            w->errors++;
            usleep(10000);
            continue;
        }
        char form[1024];
        int fl = snprintf(form, sizeof form,
                          "api_key=%s&service_code=facility_repair&address_string=%%E9%%B8%%BF"
                          "%%E7%%BF%%94%%E8%%8A%%B1%%E5%%9B%%AD3%%E6%%A0%%8B&description=%s&"
                          "client_request_id=%s-%d-%lu",
                          api_key, TEXTS[n % 3], prefix, w->id, n);
        int rl = snprintf(req, sizeof req,
                          "POST /open311/v2/requests.json HTTP/1.1\r\nHost: %s:%d\r\n"
                          "Content-Type: application/x-www-form-urlencoded\r\n"
                          "Content-Length: %d\r\n\r\n%s",
                          host, port, fl, form);
        double t0 = now_s();
        int st = send_all(fd, req, (size_t)rl) == 0 ? read_response(fd, resp, sizeof resp) : -1;
        if (st == 200) {
            w->ok++;
            if (w->n_lat < MAX_SAMPLES)
                w->lat_ms[w->n_lat++] = (now_s() - t0) * 1000;
        } else {
            w->errors++;
            close(fd);
            fd = -1;
        }
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int clients = 16;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--host") == 0)
            host = argv[i + 1];
        else if (strcmp(argv[i], "--port") == 0)
            port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--api-key") == 0)
            api_key = argv[i + 1];
        else if (strcmp(argv[i], "--clients") == 0)
            clients = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--seconds") == 0)
            seconds = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--prefix") == 0)
            prefix = argv[i + 1];
    }
    if (port <= 0 || clients < 1 || clients > MAX_CLIENTS || seconds < 1) {
        fprintf(stderr, "usage: open311_bench --port P --api-key K [--clients N] [--seconds S]\n");
        return 2;
    }
    static worker_t w[MAX_CLIENTS];
    pthread_t th[MAX_CLIENTS];
    double t0 = now_s();
    t_end = t0 + seconds;
    for (int i = 0; i < clients; i++) {
        w[i].id = i;
        w[i].lat_ms = malloc(sizeof(double) * MAX_SAMPLES);
        if (w[i].lat_ms == NULL)
            return 1;
        pthread_create(&th[i], NULL, run, &w[i]);
    }
    unsigned long ok = 0, errors = 0;
    size_t n = 0;
    for (int i = 0; i < clients; i++) {
        pthread_join(th[i], NULL);
        ok += w[i].ok;
        errors += w[i].errors;
        n += w[i].n_lat;
    }
    double el = now_s() - t0;
    double *all = malloc(sizeof(double) * (n ? n : 1));
    size_t k = 0;
    for (int i = 0; i < clients; i++) {
        memcpy(all + k, w[i].lat_ms, w[i].n_lat * sizeof(double));
        k += w[i].n_lat;
        free(w[i].lat_ms);
    }
    qsort(all, n, sizeof(double), cmp_double);
    double p50 = n ? all[n / 2] : 0, p99 = n ? all[(size_t)((double)n * 0.99)] : 0;
    printf("{\"sent\": %lu, \"ok\": %lu, \"errors\": %lu, \"seconds\": %.2f, "
           "\"throughput\": %.1f, \"p50_ms\": %.2f, \"p99_ms\": %.2f}\n",
           ok + errors, ok, errors, el, (double)ok / el, p50, p99);
    free(all);
    return errors ? 1 : 0;
}
