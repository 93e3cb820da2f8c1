/*
 * router_bench.c - the router's speed and memory, for `make bench`:
 *   registry load: parse + validate + build matchers, wall time and the
 *     resident memory it adds;
 *   decisions/s: router_core_place over a corpus of JSON-lines demands,
 *     pre-parsed, on one core, repeated until at least `seconds` elapsed;
 *     reported per wall second and per second of the thread's CPU time.
 * Prints one JSON object so tests/bench/run.sh can compute ratios.
 *
 * usage: router_bench REGISTRY.json DEMANDS.jsonl LEXICON_DIR [SECONDS]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "router_core.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of this thread: on a shared machine the wall clock also counts
 * the time other processes had the core, the thread clock does not. */
static double cpu_s(void)
{
    return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = 0;
        *len = (size_t)n;
    }
    return b;
}

static const char *field(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: router_bench REGISTRY DEMANDS LEXICON [SECONDS]\n");
        return 2;
    }
    double seconds = argc > 4 ? atof(argv[4]) : 3.0;
    size_t len = 0;
    char *json = slurp(argv[1], &len);
    if (!json) {
        perror(argv[1]);
        return 1;
    }
    long rss0 = rss_kb();
    double t0 = now_s(), c0 = cpu_s();
    registry_t *reg = NULL;
    char *problems = NULL;
    if (registry_parse(json, len, &reg, &problems) < 0) {
        fprintf(stderr, "registry refused: %s\n", problems ? problems : "");
        return 1;
    }
    free(json);
    double parse_s = now_s() - t0, parse_cpu = cpu_s() - c0;
    router_core_t *core = NULL;
    char err[256];
    if (router_core_create(reg, argv[3], &core, err, sizeof err) < 0) {
        fprintf(stderr, "core: %s\n", err);
        return 1;
    }
    double load_s = now_s() - t0, load_cpu = cpu_s() - c0;
    long load_kb = rss_kb() - rss0;

    /* Demands, parsed once: the benchmark measures placement, not JSON. */
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    size_t cap = 1024, n = 0;
    router_demand_t *ds = malloc(cap * sizeof(*ds));
    json_t **keep = malloc(cap * sizeof(*keep));
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, f) > 0) {
        json_t *o = json_loads(line, 0, NULL);
        if (!o || !field(o, "text")) {
            json_decref(o);
            continue;
        }
        if (n == cap) {
            cap *= 2;
            ds = realloc(ds, cap * sizeof(*ds));
            keep = realloc(keep, cap * sizeof(*keep));
        }
        keep[n] = o;
        ds[n] = (router_demand_t){.channel = field(o, "channel"),
                                  .text = field(o, "text"),
                                  .compound = field(o, "compound"),
                                  .address = field(o, "address"),
                                  .urgency = URG_UNSET};
        n++;
    }
    free(line);
    fclose(f);
    if (n == 0) {
        fprintf(stderr, "no demands\n");
        return 1;
    }
    unsigned long decisions = 0, dispatch = 0;
    router_result_t res;
    double t1 = now_s(), c1 = cpu_s(), elapsed = 0;
    do {
        for (size_t i = 0; i < n; i++) {
            if (router_core_place(core, &ds[i], &res) == 0 && res.place.route != ROUTE_CHAIN)
                dispatch++;
            decisions++;
        }
        elapsed = now_s() - t1;
    } while (elapsed < seconds);
    double cpu = cpu_s() - c1;
    printf("{\"compounds_loaded\": %zu, \"registry_load_s\": %.3f, \"registry_parse_s\": %.3f, "
           "\"registry_load_cpu_s\": %.3f, \"registry_parse_cpu_s\": %.3f, "
           "\"registry_rss_mb\": %.1f, \"corpus\": %zu, \"decisions\": %lu, \"seconds\": %.3f, "
           "\"decisions_per_s\": %.0f, "
           "\"cpu_seconds\": %.3f, \"decisions_per_cpu_s\": %.0f, "
           "\"to_dispatch_share\": %.4f}\n",
           registry_unit_count(reg), load_s, parse_s, load_cpu, parse_cpu, (double)load_kb / 1024.0,
           n, decisions, elapsed, (double)decisions / elapsed, cpu, (double)decisions / cpu,
           (double)dispatch / (double)decisions);
    for (size_t i = 0; i < n; i++)
        json_decref(keep[i]);
    free(keep);
    free(ds);
    router_core_destroy(&core);
    registry_destroy(&reg);
    return 0;
}
