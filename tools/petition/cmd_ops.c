/*
 * cmd_ops.c - operators' commands: ping, registry import, rates.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "config.h"

int cmd_ping(const petition_ctx_t *ctx, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const char *names[2] = {"router", "ledger"};
    const char *eps[2] = {ctx->router, ctx->ledger};
    int worst = 0;
    for (int i = 0; i < 2; i++) {
        Liandong__V1__Ping p = LIANDONG__V1__PING__INIT;
        envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
        req.body_case = LIANDONG__V1__ENVELOPE__BODY_PING;
        req.ping = &p;
        wire_msg_t *w = NULL;
        int rc = petition_call(ctx, eps[i], &req, LIANDONG__V1__ENVELOPE__BODY_PONG, &w);
        /* A router answers before its first registry is loaded (it builds
         * it beside the loop, issue 12) but cannot place a demand until
         * then: that is "not ready" (exit 3, like UNAVAILABLE), so scripts
         * that wait for ping can submit right after it. */
        if (rc == 0 && i == 0 && wire_envelope(w)->pong->version == 0) {
            printf("%s %s: answering, but no registry loaded yet\n", names[i], eps[i]);
            worst = 3;
        } else {
            printf("%s %s: %s\n", names[i], eps[i], rc == 0 ? "ok" : "not answering");
        }
        if (rc != 0)
            worst = rc;
        wire_free(&w);
    }
    return worst;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        char *nb = realloc(buf, cap * 2 + 1);
        if (nb == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (buf == NULL || bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* `registry history`: who imported which version, when, what changed. */
static int registry_history(const petition_ctx_t *ctx, int argc, char **argv)
{
    config_opt_t o[] = {
        {"limit", NULL, "20", "how many imports, newest first (at most 200)", 0, NULL},
        {"json", NULL, "0", "print as JSON lines", 1, NULL},
    };
    size_t n = sizeof o / sizeof o[0];
    int rc = petition_parse_args(o, n, argc - 1, argv + 1,
                                 "usage: petition registry history [--limit N] [--json]");
    if (rc >= 0)
        return rc;
    long limit = 0;
    if (config_get_long(o, n, "limit", 1, 200, &limit) < 0) {
        fprintf(stderr, "petition registry history: --limit must be 1 to 200\n");
        return 2;
    }
    Liandong__V1__RegistryHistory q = LIANDONG__V1__REGISTRY_HISTORY__INIT;
    q.limit = (uint32_t)limit;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_REGISTRY_HISTORY;
    req.registry_history = &q;
    wire_msg_t *w = NULL;
    rc = petition_call(ctx, ctx->ledger, &req, LIANDONG__V1__ENVELOPE__BODY_REGISTRY_HISTORY_LIST,
                       &w);
    if (rc != 0)
        return rc;
    const Liandong__V1__RegistryHistoryList *l = wire_envelope(w)->registry_history_list;
    int as_json = strcmp(config_get(o, n, "json"), "1") == 0;
    if (!as_json)
        printf("%-8s %-20s %-24s %6s %6s %s\n", "version", "at (UTC)", "by", "units", "bodies",
               "changes (units +/-, bodies +/-)");
    for (size_t i = 0; i < l->n_imports; i++) {
        const Liandong__V1__RegistryImportRecord *x = l->imports[i];
        if (as_json) {
            json_t *j = json_object();
            json_object_set_new(j, "version", json_integer((json_int_t)x->version));
            json_object_set_new(j, "at_ms", json_integer((json_int_t)x->at_ms));
            json_object_set_new(j, "actor", json_string(x->actor));
            json_object_set_new(j, "units", json_integer(x->units));
            json_object_set_new(j, "bodies", json_integer(x->bodies));
            json_object_set_new(j, "units_added", json_integer(x->units_added));
            json_object_set_new(j, "units_removed", json_integer(x->units_removed));
            json_object_set_new(j, "bodies_added", json_integer(x->bodies_added));
            json_object_set_new(j, "bodies_removed", json_integer(x->bodies_removed));
            json_print_line(j);
        } else {
            char at[32];
            printf("%-8llu %-20s %-24s %6u %6u +%u/-%u, +%u/-%u\n", (unsigned long long)x->version,
                   format_ms(x->at_ms, at, sizeof at), x->actor, x->units, x->bodies,
                   x->units_added, x->units_removed, x->bodies_added, x->bodies_removed);
        }
    }
    wire_free(&w);
    return 0;
}

int cmd_registry(const petition_ctx_t *ctx, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "history") == 0)
        return registry_history(ctx, argc, argv);
    if (argc != 3 || strcmp(argv[1], "import") != 0) {
        fprintf(stderr, "usage: petition registry import FILE | registry history [--limit N]\n");
        return 2;
    }
    size_t len = 0;
    char *json = read_file(argv[2], &len);
    if (json == NULL) {
        fprintf(stderr, "petition registry: cannot read %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    Liandong__V1__RegistryImport ri = LIANDONG__V1__REGISTRY_IMPORT__INIT;
    ri.json = json;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_REGISTRY_IMPORT;
    req.registry_import = &ri;
    wire_msg_t *w = NULL;
    int rc =
        petition_call(ctx, ctx->ledger, &req, LIANDONG__V1__ENVELOPE__BODY_REGISTRY_IMPORTED, &w);
    free(json);
    if (rc != 0)
        return rc;
    const Liandong__V1__RegistryImported *im = wire_envelope(w)->registry_imported;
    printf("registry version %llu imported: %u units, %u bodies\n", (unsigned long long)im->version,
           im->units, im->bodies);
    wire_free(&w);
    return 0;
}

/* YYYY-MM-DD (UTC) to milliseconds; end_of_day gives the day's last
 * millisecond (the ledger takes the day a time falls on: the next midnight
 * would add a day to the range). */
static int parse_day(const char *s, int end_of_day, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *e = strptime(s, "%Y-%m-%d", &tm);
    if (e == NULL || *e != '\0')
        return -EINVAL;
    time_t t = timegm(&tm);
    *out = ((int64_t)t + (end_of_day ? 86400 : 0)) * 1000 - (end_of_day ? 1 : 0);
    return 0;
}

/* A rate as JSON: the ratio of the counts, rounded once (to 4 places);
 * null when there is nothing to divide by (n/a: unknown, not 0%). */
static json_t *json_rate(uint64_t a, uint64_t b)
{
    return b ? json_real(round((double)a / (double)b * 10000.0) / 10000.0) : json_null();
}

/* A rate for the table: the percentage of the counts rounded once, at
 * printing (4/21 prints 19.0%); "n/a" when nothing to divide by. */
static const char *pct(uint64_t a, uint64_t b, char *buf, size_t len)
{
    if (b == 0)
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%.1f%%", 100.0 * (double)a / (double)b);
    return buf;
}

static json_t *json_rate_row(const Liandong__V1__RateRow *x)
{
    json_t *j = json_object();
    json_object_set_new(j, "key", json_string(x->key));
    json_object_set_new(j, "name", json_string(x->name));
    json_object_set_new(j, "received", json_integer((json_int_t)x->received));
    json_object_set_new(j, "replied", json_integer((json_int_t)x->replied));
    json_object_set_new(j, "reply_rate", json_rate(x->replied, x->received));
    json_object_set_new(j, "replied_on_time", json_integer((json_int_t)x->replied_on_time));
    json_object_set_new(j, "on_time_reply_rate", json_rate(x->replied_on_time, x->received));
    json_object_set_new(j, "resolved", json_integer((json_int_t)x->resolved));
    json_object_set_new(j, "resolution_rate", json_rate(x->resolved, x->received));
    json_object_set_new(j, "rated", json_integer((json_int_t)x->rated));
    json_object_set_new(j, "satisfied", json_integer((json_int_t)x->satisfied));
    json_object_set_new(j, "satisfaction_rate", json_rate(x->satisfied, x->rated));
    json_object_set_new(j, "escalated", json_integer((json_int_t)x->escalated));
    json_object_set_new(j, "returned", json_integer((json_int_t)x->returned));
    json_object_set_new(j, "reopened", json_integer((json_int_t)x->reopened));
    json_object_set_new(j, "replied_on_behalf", json_integer((json_int_t)x->replied_on_behalf));
    json_object_set_new(j, "resolved_on_behalf", json_integer((json_int_t)x->resolved_on_behalf));
    /* cases paused / granted an extension in the range (issue 15) */
    json_object_set_new(j, "cases_paused", json_integer((json_int_t)x->cases_paused));
    json_object_set_new(j, "cases_extended", json_integer((json_int_t)x->cases_extended));
    /* live, now: not figures of the range */
    json_object_set_new(j, "paused", json_integer((json_int_t)x->paused));
    json_object_set_new(j, "extended", json_integer((json_int_t)x->extended));
    json_object_set_new(j, "reporters", json_integer((json_int_t)x->reporters));
    /* cases of the range counted Monday-Friday, no calendar data (issue 15) */
    json_object_set_new(j, "calendar_uncovered", json_integer((json_int_t)x->calendar_uncovered));
    /* live, now: not figures of the range */
    json_object_set_new(j, "open", json_integer((json_int_t)x->open));
    json_object_set_new(j, "overdue_reply", json_integer((json_int_t)x->overdue_reply));
    json_object_set_new(j, "overdue_resolve", json_integer((json_int_t)x->overdue_resolve));
    return j;
}

static void print_rate_row(const Liandong__V1__RateRow *x)
{
    char r1[16], r2[16], r3[16], r4[16];
    print_padded(x->key, 22);
    print_padded(x->name, 26);
    printf(" %8llu %7s %7s %8llu %7s %6llu %7s %7llu %7llu %7llu %7llu | %6llu %8llu %7llu\n",
           (unsigned long long)x->received, pct(x->replied, x->received, r1, sizeof r1),
           pct(x->replied_on_time, x->received, r2, sizeof r2), (unsigned long long)x->resolved,
           pct(x->resolved, x->received, r3, sizeof r3), (unsigned long long)x->rated,
           pct(x->satisfied, x->rated, r4, sizeof r4), (unsigned long long)x->calendar_uncovered,
           (unsigned long long)x->reopened, (unsigned long long)x->cases_paused,
           (unsigned long long)x->cases_extended, (unsigned long long)x->open,
           (unsigned long long)x->overdue_reply + (unsigned long long)x->overdue_resolve,
           (unsigned long long)x->paused);
}

/* The sum of the rows shown (rates from the summed counts). */
static void rate_total(const Liandong__V1__RatesReport *r, Liandong__V1__RateRow *t)
{
    for (size_t i = 0; i < r->n_rows; i++) {
        const Liandong__V1__RateRow *x = r->rows[i];
        t->received += x->received;
        t->replied += x->replied;
        t->replied_on_time += x->replied_on_time;
        t->resolved += x->resolved;
        t->rated += x->rated;
        t->satisfied += x->satisfied;
        t->open += x->open;
        t->overdue_reply += x->overdue_reply;
        t->overdue_resolve += x->overdue_resolve;
        t->escalated += x->escalated;
        t->returned += x->returned;
        t->reopened += x->reopened;
        t->replied_on_behalf += x->replied_on_behalf;
        t->resolved_on_behalf += x->resolved_on_behalf;
        t->paused += x->paused;
        t->extended += x->extended;
        t->cases_paused += x->cases_paused;
        t->cases_extended += x->cases_extended;
        t->reporters += x->reporters;
        t->calendar_uncovered += x->calendar_uncovered;
    }
}

int cmd_rates(const petition_ctx_t *ctx, int argc, char **argv)
{
    config_opt_t o[] = {
        {"by", NULL, "body", "body, compound, community, street, district, category or channel", 0,
         NULL},
        {"unit", NULL, "", "only this unit's subtree", 0, NULL},
        {"from", NULL, "", "first day (YYYY-MM-DD, UTC)", 0, NULL},
        {"to", NULL, "", "last day (YYYY-MM-DD, UTC)", 0, NULL},
        {"json", NULL, "0", "print as JSON", 1, NULL},
    };
    size_t n = sizeof o / sizeof o[0];
    int rc = petition_parse_args(o, n, argc, argv, "usage: petition rates [OPTIONS]");
    if (rc >= 0)
        return rc;
    Liandong__V1__RatesQuery q = LIANDONG__V1__RATES_QUERY__INIT;
    q.by = (char *)config_get(o, n, "by");
    q.unit = (char *)config_get(o, n, "unit");
    const char *from = config_get(o, n, "from"), *to = config_get(o, n, "to");
    if ((*from && parse_day(from, 0, &q.from_ms) < 0) || (*to && parse_day(to, 1, &q.to_ms) < 0)) {
        fprintf(stderr, "petition rates: --from/--to must be YYYY-MM-DD\n");
        return 2;
    }
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_RATES_QUERY;
    req.rates_query = &q;
    wire_msg_t *w = NULL;
    rc = petition_call(ctx, ctx->ledger, &req, LIANDONG__V1__ENVELOPE__BODY_RATES_REPORT, &w);
    if (rc != 0)
        return rc;
    const Liandong__V1__RatesReport *r = wire_envelope(w)->rates_report;
    Liandong__V1__RateRow total = LIANDONG__V1__RATE_ROW__INIT;
    total.key = "total";
    total.name = "";
    rate_total(r, &total);
    if (strcmp(config_get(o, n, "json"), "1") == 0) {
        json_t *rows = json_array();
        for (size_t i = 0; i < r->n_rows; i++)
            json_array_append_new(rows, json_rate_row(r->rows[i]));
        json_t *top = json_object();
        json_object_set_new(top, "by", json_string(q.by));
        json_object_set_new(top, "rows", rows);
        json_object_set_new(top, "total", json_rate_row(&total));
        json_print_line(top);
    } else {
        printf("%s: figures from %s to %s; open and overdue are live (now)%s\n", q.by,
               *from ? from : "the first day", *to ? to : "today",
               strcmp(q.by, "body") == 0 ? "; a case moved between bodies counts for each" : "");
        print_padded(q.by, 22);
        print_padded("name", 26);
        /* reopened (重办), paused (挂起) and extended (延期): cases of the
         * period; mon-fri: cases of the period whose deadlines were counted
         * Monday-Friday, a year without calendar data (issue 15); "on
         * hold": open cases paused now */
        printf(" %8s %7s %7s %8s %7s %6s %7s %7s %7s %7s %7s | %6s %8s %7s\n", "received", "reply%",
               "ontime%", "resolved", "resol%", "rated", "satisf%", "mon-fri", "reopen", "paused",
               "extend", "open", "overdue", "on hold");
        for (size_t i = 0; i < r->n_rows; i++)
            print_rate_row(r->rows[i]);
        print_rate_row(&total);
    }
    wire_free(&w);
    return 0;
}
