/*
 * cmd_figures.c - operators' commands on the ledger's figures beyond
 * rates: `petition ranking --period YYYY-MM` (property companies ranked,
 * graded 甲/乙/丙, red and black lists; the composite is printed with it)
 * and `petition overdue [--unit CODE] [--body ID]` (open cases past a
 * deadline, oldest first).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"

int cmd_ranking(const petition_ctx_t *ctx, int argc, char **argv)
{
    config_opt_t o[] = {
        {"period", NULL, "", "the month, YYYY-MM (UTC)", 0, NULL},
        {"unit", NULL, "", "only companies serving this unit's subtree", 0, NULL},
        {"json", NULL, "0", "print as JSON", 1, NULL},
    };
    size_t n = sizeof o / sizeof o[0];
    int rc =
        petition_parse_args(o, n, argc, argv, "usage: petition ranking --period YYYY-MM [OPTIONS]");
    if (rc >= 0)
        return rc;
    if (*config_get(o, n, "period") == '\0') {
        fprintf(stderr, "petition ranking: --period YYYY-MM is required\n");
        return 2;
    }
    Liandong__V1__RankingQuery q = LIANDONG__V1__RANKING_QUERY__INIT;
    q.period = (char *)config_get(o, n, "period");
    q.unit = (char *)config_get(o, n, "unit");
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_RANKING_QUERY;
    req.ranking_query = &q;
    wire_msg_t *w = NULL;
    rc = petition_call(ctx, ctx->ledger, &req, LIANDONG__V1__ENVELOPE__BODY_RANKING, &w);
    if (rc != 0)
        return rc;
    const Liandong__V1__Ranking *r = wire_envelope(w)->ranking;
    if (strcmp(config_get(o, n, "json"), "1") == 0) {
        json_t *rows = json_array();
        for (size_t i = 0; i < r->n_rows; i++) {
            const Liandong__V1__RankingRow *x = r->rows[i];
            json_t *j = json_object();
            /* Not ranked (no case received): no place, score, grade or list. */
            json_object_set_new(j, "ranked", json_boolean(x->ranked));
            json_object_set_new(j, "rank", x->ranked ? json_integer(x->rank) : json_null());
            json_object_set_new(j, "body_id", json_string(x->body_id));
            json_object_set_new(j, "name", json_string(x->name));
            json_object_set_new(j, "score", x->ranked ? json_real(x->score) : json_null());
            json_object_set_new(j, "grade", x->ranked ? json_string(x->grade) : json_null());
            json_object_set_new(j, "list", x->ranked ? json_string(x->list) : json_null());
            const struct {
                const char *k;
                uint64_t v;
            } f[] = {{"received", x->received},
                     {"replied", x->replied},
                     {"replied_on_time", x->replied_on_time},
                     {"resolved", x->resolved},
                     {"rated", x->rated},
                     {"satisfied", x->satisfied},
                     {"escalated", x->escalated},
                     {"returned", x->returned}};
            for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
                json_object_set_new(j, f[k].k, json_integer((json_int_t)f[k].v));
            json_array_append_new(rows, j);
        }
        json_t *top = json_object();
        json_object_set_new(top, "period", json_string(r->period));
        json_object_set_new(top, "formula", json_string(r->formula));
        json_object_set_new(top, "rows", rows);
        json_print_line(top);
    } else {
        printf("ranking %s: %s\n", r->period, r->formula);
        printf("%4s  ", "rank");
        print_padded("company", 14);
        print_padded("name", 26);
        printf("%8s %5s %-5s %9s %8s %9s\n", "score", "grade", "list", "received", "replied",
               "resolved");
        for (size_t i = 0; i < r->n_rows; i++) {
            const Liandong__V1__RankingRow *x = r->rows[i];
            if (x->ranked)
                printf("%4u  ", x->rank);
            else
                printf("%4s  ", "-");
            print_padded(x->body_id, 14);
            print_padded(x->name, 26);
            if (x->ranked)
                /* 甲/乙/丙 are 3 bytes wide and 2 columns on screen. */
                printf("%8.2f   %s  %-5s", x->score, x->grade, x->list);
            else
                printf("%-20s", "not ranked");
            printf(" %9llu %8llu %9llu\n", (unsigned long long)x->received,
                   (unsigned long long)x->replied, (unsigned long long)x->resolved);
        }
    }
    wire_free(&w);
    return 0;
}

int cmd_overdue(const petition_ctx_t *ctx, int argc, char **argv)
{
    config_opt_t o[] = {
        {"unit", NULL, "", "only cases in this unit's subtree", 0, NULL},
        {"body", NULL, "", "only this body's cases", 0, NULL},
        {"limit", NULL, "100", "at most this many cases (1..1000)", 0, NULL},
        {"json", NULL, "0", "print as JSON lines, one case a line", 1, NULL},
    };
    size_t n = sizeof o / sizeof o[0];
    int rc = petition_parse_args(o, n, argc, argv, "usage: petition overdue [OPTIONS]");
    if (rc >= 0)
        return rc;
    long limit = 0;
    if (config_get_long(o, n, "limit", 1, 1000, &limit) < 0) {
        fprintf(stderr, "petition overdue: --limit must be 1..1000\n");
        return 2;
    }
    Liandong__V1__OverdueQuery q = LIANDONG__V1__OVERDUE_QUERY__INIT;
    q.unit = (char *)config_get(o, n, "unit");
    q.body_id = (char *)config_get(o, n, "body");
    q.limit = (uint32_t)limit;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_OVERDUE_QUERY;
    req.overdue_query = &q;
    wire_msg_t *w = NULL;
    rc = petition_call(ctx, ctx->ledger, &req, LIANDONG__V1__ENVELOPE__BODY_OVERDUE_LIST, &w);
    if (rc != 0)
        return rc;
    const Liandong__V1__OverdueList *l = wire_envelope(w)->overdue_list;
    int as_json = strcmp(config_get(o, n, "json"), "1") == 0;
    if (!as_json)
        printf("%llu overdue%s\n", (unsigned long long)l->total,
               l->total > l->n_cases ? " (oldest shown)" : "");
    for (size_t i = 0; i < l->n_cases; i++) {
        const Liandong__V1__OverdueCase *c = l->cases[i];
        char due[40];
        format_ms(c->due_ms, due, sizeof due);
        if (as_json) {
            json_t *j = json_object();
            json_object_set_new(j, "case_id", json_string(c->case_id));
            json_object_set_new(j, "body_id", json_string(c->body_id));
            json_object_set_new(j, "compound_code", json_string(c->compound_code));
            json_object_set_new(j, "category", json_string(c->category));
            json_object_set_new(j, "state", json_string(c->state));
            json_object_set_new(j, "deadline", json_string(c->deadline));
            json_object_set_new(j, "due_ms", json_integer(c->due_ms));
            json_object_set_new(j, "due", json_string(due));
            json_object_set_new(j, "total", json_integer((json_int_t)l->total));
            json_print_line(j);
        } else {
            printf("%-22s %-8s due %s  %-18s %-10s %s\n", c->case_id, c->deadline, due, c->body_id,
                   c->state, c->compound_code);
        }
    }
    wire_free(&w);
    return 0;
}
