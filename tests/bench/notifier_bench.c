/*
 * notifier_bench.c - the notifier's deadline table at scale, for `make
 * bench` (issue 5: 1,000,000 open cases, memory under 300 MB, reload under
 * 5 s, alerts no later than 50 ms after their due time at p99).
 *
 *   reload:   N open cases arrive as ListDeadlines pages exactly as on the
 *             wire (packed Envelope{deadline_list}, 2000 cases a page,
 *             unpacked with the same limits as the service), are loaded
 *             with stream_load_row, and the stream goes live. Wall time and
 *             the resident memory the table adds (RSS delta and the
 *             table's own accounting).
 *   lateness: on a libuv loop with the real clock, one timer armed at the
 *             earliest stage the way notifier.c arms it; `due` stages fall
 *             due within a few seconds among the N cases, and each pop
 *             records (now - due time). Covers the timer and heap path, not
 *             the ledger's commit of the alert (that is measured by the
 *             ledger's benchmarks).
 * Prints one JSON object.
 *
 * usage: notifier_bench [CASES] [DUE_STAGES] [WINDOW_S]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "clock.h"
#include "deadlines.h"
#include "stream.h"
#include "wire.h"

#define PAGE 2000
#define HOUR_MS 3600000LL

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process: the honest figure on a shared machine. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

/* One page of the snapshot, packed as the ledger would send it. Cases are
 * spread over 3000 bodies; a tenth replied; some carry a recorded alert. */
static int make_page(size_t first, size_t n, int64_t now, uint8_t **buf, size_t *len)
{
    Liandong__V1__OpenDeadline *rows = calloc(n, sizeof(*rows));
    Liandong__V1__OpenDeadline **ptrs = calloc(n, sizeof(*ptrs));
    Liandong__V1__RecordedAlert ra = LIANDONG__V1__RECORDED_ALERT__INIT;
    Liandong__V1__RecordedAlert *rap = &ra;
    char(*ids)[48] = calloc(n, 48);
    char(*bodies)[32] = calloc(n, 32);
    if (!rows || !ptrs || !ids || !bodies)
        return -1;
    ra.deadline = "reply";
    ra.stage = "due_soon";
    for (size_t i = 0; i < n; i++) {
        size_t k = first + i;
        Liandong__V1__OpenDeadline *r = &rows[i];
        liandong__v1__open_deadline__init(r);
        snprintf(ids[i], sizeof ids[i], "LD-20261129-%07zu", k);
        snprintf(bodies[i], sizeof bodies[i], "BODY-%04zu", k % 3000);
        r->case_id = ids[i];
        r->body_id = bodies[i];
        r->category = "facility_repair";
        /* Created up to 17 h ago, 24 h to reply and 168 h to resolve: the
         * stages are spread over the coming week, none due right now. */
        int64_t created = now - (int64_t)(k % 17000) * (17 * HOUR_MS / 17000);
        r->created_at_ms = created;
        r->deadlines_from_ms = created;
        r->reply_due_ms = created + 24 * HOUR_MS;
        r->resolve_due_ms = created + 168 * HOUR_MS;
        r->replied = k % 10 == 0;
        if (k % 7 == 0 && !r->replied) {
            ra.due_ms = r->reply_due_ms;
            r->n_alerts = 1;
            r->alerts = &rap;
        }
        ptrs[i] = r;
    }
    Liandong__V1__DeadlineList l = LIANDONG__V1__DEADLINE_LIST__INIT;
    l.deadlines = ptrs;
    l.n_deadlines = n;
    l.as_of_seq = 1000;
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    e.request_id = "bench-1";
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_DEADLINE_LIST;
    e.deadline_list = &l;
    int rc = wire_pack(&e, buf, len);
    /* The same stage alert struct is shared by several rows: fine for packing. */
    free(rows);
    free(ptrs);
    free(ids);
    free(bodies);
    return rc;
}

/* ------------------------------------------------------------ lateness */

typedef struct {
    deadlines_t *dl;
    simclock_t clock;
    uv_timer_t timer;
    double *late;
    size_t nlate, cap;
    size_t want;
    int64_t armed_at;
} fire_t;

static void arm(fire_t *f);

static void on_timer(uv_timer_t *t)
{
    fire_t *f = t->data;
    f->armed_at = INT64_MIN;
    int64_t now = simclock_now_ms(&f->clock);
    dl_fire_t x;
    while (dl_pop_due(f->dl, now, &x) == 1) {
        if (f->nlate < f->cap && strncmp(x.case_id, "LD-DUE-", 7) == 0)
            f->late[f->nlate++] = (double)(now - x.stage_ms);
        /* As the service does once the ledger answered: next stage. */
        dl_advance(f->dl, x.case_id, x.deadline, x.stage, x.deadline_ms);
        now = simclock_now_ms(&f->clock);
    }
    arm(f);
}

/* notifier.c's rearm(): one timer at the earliest stage. */
static void arm(fire_t *f)
{
    if (f->nlate >= f->want) {
        uv_timer_stop(&f->timer);
        return;
    }
    int64_t next = dl_next_due(f->dl);
    if (next == INT64_MAX || next == f->armed_at)
        return;
    int64_t now = simclock_now_ms(&f->clock);
    f->armed_at = next;
    uv_timer_start(&f->timer, on_timer, simclock_real_delay_ms(&f->clock, next - now), 0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    size_t ncases = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    size_t ndue = argc > 2 ? strtoul(argv[2], NULL, 10) : 20000;
    double window = argc > 3 ? strtod(argv[3], NULL) : 4.0;
    if (ncases < 1 || ndue > ncases || !(window > 0)) {
        fprintf(stderr, "usage: notifier_bench [CASES] [DUE_STAGES] [WINDOW_S]\n");
        return 2;
    }
    int64_t now = simclock_wall_ms();
    /* Pages are built first (the ledger's work), so the reload below
     * measures only what the notifier does with them. */
    size_t npages = (ncases + PAGE - 1) / PAGE;
    uint8_t **pages = calloc(npages, sizeof(*pages));
    size_t *lens = calloc(npages, sizeof(*lens));
    size_t wire_bytes = 0;
    for (size_t p = 0; p < npages; p++) {
        size_t first = p * PAGE, n = ncases - first < PAGE ? ncases - first : PAGE;
        if (make_page(first, n, now, &pages[p], &lens[p]) < 0) {
            fprintf(stderr, "cannot build page %zu\n", p);
            return 1;
        }
        wire_bytes += lens[p];
    }
    long rss0 = rss_kb();
    dl_config_t dc = {0.75, 1.0, 1.0, calendar_wall(), NULL, NULL};
    deadlines_t *dl = NULL;
    stream_t *st = NULL;
    if (dl_create(&dc, &dl) < 0 || stream_create(200000, &st) < 0)
        return 1;
    double t0 = now_s(), c0 = cpu_s();
    stream_begin_sync(st);
    char err[160];
    for (size_t p = 0; p < npages; p++) {
        wire_msg_t *m = NULL;
        if (wire_unpack(pages[p], lens[p], 64u << 20, &m, err, sizeof err) < 0) {
            fprintf(stderr, "page %zu: %s\n", p, err);
            return 1;
        }
        const Liandong__V1__DeadlineList *l = wire_envelope(m)->deadline_list;
        stream_snapshot_page(st, l->as_of_seq);
        for (size_t i = 0; i < l->n_deadlines; i++)
            if (stream_load_row(dl, l->deadlines[i]) < 0)
                return 1;
        wire_free(&m);
    }
    if (stream_snapshot_done(st, dl) != STREAM_OK)
        return 1;
    double reload_s = now_s() - t0, reload_cpu_s = cpu_s() - c0;
    long rss1 = rss_kb();
    for (size_t p = 0; p < npages; p++)
        free(pages[p]);
    free(pages);
    free(lens);

    /* Stages falling due in the window: cases whose reply is due from
     * 0.5 s to window + 0.5 s from now (their due_soon passed long ago and
     * is skipped as noise, so each fires exactly its overdue stage). */
    for (size_t i = 0; i < ndue; i++) {
        char id[40];
        snprintf(id, sizeof id, "LD-DUE-%07zu", i);
        int64_t due =
            simclock_wall_ms() + 500 + (int64_t)((double)i * window * 1000 / (double)ndue);
        dl_set(dl, id, "BODY-DUE", due - 24 * HOUR_MS, due, due + 144 * HOUR_MS);
        dl_mark_sent(dl, id, DL_REPLY, DL_DUE_SOON, due);
    }
    fire_t f = {.dl = dl, .want = ndue, .cap = ndue, .armed_at = INT64_MIN};
    f.late = calloc(ndue ? ndue : 1, sizeof(double));
    simclock_init_real(&f.clock);
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_timer_init(&loop, &f.timer);
    f.timer.data = &f;
    arm(&f);
    /* Stages of the other cases are days away: the loop ends when the
     * window's stages have fired. */
    while (f.nlate < f.want && uv_run(&loop, UV_RUN_ONCE))
        ;
    uv_close((uv_handle_t *)&f.timer, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    qsort(f.late, f.nlate, sizeof(double), cmp_double);
    double p50 = f.nlate ? f.late[f.nlate / 2] : 0;
    double p99 = f.nlate ? f.late[(size_t)((double)f.nlate * 0.99)] : 0;
    double mx = f.nlate ? f.late[f.nlate - 1] : 0;
    printf("{\"cases\": %zu, \"pages\": %zu, \"wire_mb\": %.1f, \"reload_s\": %.3f, "
           "\"reload_cpu_s\": %.3f,"
           " \"rss_added_mb\": %.1f, \"rss_total_mb\": %.1f, \"table_mb\": %.1f,"
           " \"pending_stages\": %zu, \"fired\": %zu, \"late_p50_ms\": %.1f,"
           " \"late_p99_ms\": %.1f, \"late_max_ms\": %.1f}\n",
           ncases, npages, (double)wire_bytes / 1e6, reload_s, reload_cpu_s,
           (double)(rss1 - rss0) / 1024.0, (double)rss1 / 1024.0, (double)dl_memory(dl) / 1048576.0,
           dl_pending_count(dl), f.nlate, p50, p99, mx);
    free(f.late);
    stream_destroy(&st);
    dl_destroy(&dl);
    return 0;
}
