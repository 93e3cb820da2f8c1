/*
 * cmd_cases.c - the desk side of the CLI: list a body's cases, show one
 * case's history, and act on a case (accept, reply, resolve, return,
 * escalate, rate, close, dispatch).
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "timefmt.h"

/* Asks the ledger for the cases `lc` selects and prints them, a JSON line
 * each or a table row each (with the holder when `with_body`: the review
 * queue spans bodies); *count is how many. Returns 0 or petition_call's
 * exit code. */
static int list_and_print(const petition_ctx_t *ctx, Liandong__V1__ListCases *lc, int as_json,
                          int with_body, size_t *count)
{
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_LIST_CASES;
    req.list_cases = lc;
    wire_msg_t *w = NULL;
    int rc = petition_call(ctx, ctx->ledger, &req, LIANDONG__V1__ENVELOPE__BODY_CASE_LIST, &w);
    if (rc != 0)
        return rc;
    const Liandong__V1__CaseList *cl = wire_envelope(w)->case_list;
    for (size_t i = 0; i < cl->n_cases; i++) {
        const Liandong__V1__CaseRecord *r = cl->cases[i];
        char due[32];
        if (as_json)
            json_print_line(json_case_record(r));
        else if (with_body)
            printf("%-20s %-10s %-24s %-9s %-14s reply by %s  %s\n", r->case_id, r->state,
                   r->category, urgency_text(r->urgency), r->body_id,
                   format_ms(r->reply_due_ms, due, sizeof due), r->text);
        else
            printf("%-20s %-10s %-28s %-9s reply by %s  %s\n", r->case_id, r->state, r->category,
                   urgency_text(r->urgency), format_ms(r->reply_due_ms, due, sizeof due), r->text);
    }
    *count = cl->n_cases;
    wire_free(&w);
    return 0;
}

int cmd_desk(const petition_ctx_t *ctx, int argc, char **argv)
{
    config_opt_t o[] = {
        {"body", NULL, NULL, "the body whose cases to show", 0, NULL},
        {"state", NULL, "", "only cases in this state (default: all open)", 0, NULL},
        {"limit", NULL, "10000", "at most this many cases", 0, NULL},
        {"json", NULL, "0", "one JSON object per case", 1, NULL},
        {"follow", NULL, "0", "attach as the body's desk and stream its cases", 1, NULL},
        {"seen-file", NULL, NULL, "with --follow: remember handled deliveries here", 0, NULL},
        {"max", NULL, "0", "with --follow: stop after this many new cases (0 = never)", 0, NULL},
    };
    size_t n = sizeof o / sizeof o[0];
    int rc = petition_parse_args(o, n, argc, argv, "usage: petition desk --body BODY_ID");
    if (rc >= 0)
        return rc;
    if (strcmp(config_get(o, n, "follow"), "1") == 0) {
        long max = 0;
        if (!config_get(o, n, "body") || config_get_long(o, n, "max", 0, 100000000, &max) < 0) {
            fprintf(stderr, "petition desk --follow: --body is required, --max >= 0\n");
            return 2;
        }
        return desk_follow(ctx, ctx->desk, config_get(o, n, "body"),
                           strcmp(config_get(o, n, "json"), "1") == 0,
                           config_get(o, n, "seen-file"), max);
    }
    long limit = 0;
    if (!config_get(o, n, "body") || config_get_long(o, n, "limit", 1, 1000000, &limit) < 0) {
        fprintf(stderr, "petition desk: --body is required and --limit must be 1..1000000\n");
        return 2;
    }
    Liandong__V1__ListCases lc = LIANDONG__V1__LIST_CASES__INIT;
    lc.body_id = (char *)config_get(o, n, "body");
    lc.state = (char *)config_get(o, n, "state");
    lc.limit = (uint32_t)limit;
    int as_json = strcmp(config_get(o, n, "json"), "1") == 0;
    size_t count = 0;
    rc = list_and_print(ctx, &lc, as_json, 0, &count);
    if (rc == 0 && !as_json)
        printf("%zu case(s) at %s\n", count, lc.body_id);
    return rc;
}

/* The dispatch centre's review queue (issue 19): open cases the router
 * placed but flagged, oldest first, with why. */
int cmd_review(const petition_ctx_t *ctx, int argc, char **argv)
{
    config_opt_t o[] = {
        {"limit", NULL, "100", "at most this many cases", 0, NULL},
        {"json", NULL, "0", "print as JSON lines", 1, NULL},
    };
    size_t n = sizeof o / sizeof o[0];
    int rc = petition_parse_args(o, n, argc, argv, "usage: petition review [OPTIONS]");
    if (rc >= 0)
        return rc;
    long limit = 0;
    if (config_get_long(o, n, "limit", 1, 1000, &limit) < 0) {
        fprintf(stderr, "petition review: --limit must be 1..1000\n");
        return 2;
    }
    Liandong__V1__ListCases lc = LIANDONG__V1__LIST_CASES__INIT;
    lc.limit = (uint32_t)limit;
    lc.review = 1;
    int as_json = strcmp(config_get(o, n, "json"), "1") == 0;
    size_t count = 0;
    rc = list_and_print(ctx, &lc, as_json, 1, &count);
    if (rc == 0 && !as_json)
        printf("%zu case(s) flagged for review\n", count);
    return rc;
}

/* What is behind the deadlines (issue 15): every event that set or moved
 * them, with who did it (placement, escalation, dispatch, a pause or its
 * resume, a granted extension, a reopening). */
static void print_deadline_history(const Liandong__V1__CaseDetail *cd)
{
    int64_t reply = 0, resolve = 0;
    int header = 0;
    for (size_t i = 0; i < cd->n_events; i++) {
        const Liandong__V1__CaseEvent *e = cd->events[i];
        if ((e->reply_due_ms == 0 && e->resolve_due_ms == 0) ||
            (e->reply_due_ms == reply && e->resolve_due_ms == resolve))
            continue;
        if (!header) {
            printf("  deadlines set or moved by:\n");
            header = 1;
        }
        char at[32], rd[32], sd[32];
        printf("    %s %-18s by %-24s reply %s, resolve %s\n", format_ms(e->at_ms, at, sizeof at),
               e->kind, e->actor, format_ms(e->reply_due_ms, rd, sizeof rd),
               format_ms(e->resolve_due_ms, sd, sizeof sd));
        reply = e->reply_due_ms;
        resolve = e->resolve_due_ms;
    }
}

int cmd_case(const petition_ctx_t *ctx, int argc, char **argv)
{
    config_opt_t o[] = {{"json", NULL, "0", "print as JSON", 1, NULL}};
    size_t n = 1;
    if (argc < 2 || strncmp(argv[1], "--", 2) == 0) {
        fprintf(stderr, "usage: petition case CASE_ID [--json]\n");
        return 2;
    }
    int rc = petition_parse_args(o, n, argc - 1, argv + 1, "usage: petition case CASE_ID");
    if (rc >= 0)
        return rc;
    Liandong__V1__GetCase gc = LIANDONG__V1__GET_CASE__INIT;
    gc.case_id = argv[1];
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_GET_CASE;
    req.get_case = &gc;
    wire_msg_t *w = NULL;
    rc = petition_call(ctx, ctx->ledger, &req, LIANDONG__V1__ENVELOPE__BODY_CASE_DETAIL, &w);
    if (rc != 0)
        return rc;
    const Liandong__V1__CaseDetail *cd = wire_envelope(w)->case_detail;
    if (strcmp(config_get(o, n, "json"), "1") == 0) {
        json_t *j = cd->record ? json_case_record(cd->record) : json_object();
        json_t *ev = json_array();
        for (size_t i = 0; i < cd->n_events; i++)
            json_array_append_new(ev, json_case_event(cd->events[i]));
        json_object_set_new(j, "events", ev);
        json_object_set_new(j, "reporters", json_reporters(cd));
        json_print_line(j);
    } else {
        if (cd->record) {
            const Liandong__V1__CaseRecord *r = cd->record;
            printf("case %s  state %s  at %s (%s)\n  category %s, %s\n  text: %s\n", r->case_id,
                   r->state, r->body_id, r->body_kind, r->category, urgency_text(r->urgency),
                   r->text);
            char rd[32], sd[32];
            printf("  reply due %s (%s), resolve due %s (%s), policy %s\n",
                   format_ms(r->reply_due_ms, rd, sizeof rd),
                   *r->reply_clock ? r->reply_clock : "natural",
                   format_ms(r->resolve_due_ms, sd, sizeof sd),
                   *r->resolve_clock ? r->resolve_clock : "natural",
                   *r->deadline_policy ? r->deadline_policy : "default");
            if (r->calendar_uncovered)
                printf("  calendar uncovered: a deadline fell in a year the calendar data does not "
                       "cover; counted Monday-Friday, holidays ignored\n");
            char pa[32], pu[32];
            if (r->paused_at_ms > 0)
                printf("  clock paused since %s (%s), at most until %s\n",
                       format_ms(r->paused_at_ms, pa, sizeof pa), r->pause_reason,
                       format_ms(r->pause_until_ms, pu, sizeof pu));
            if (r->pauses > 0)
                printf("  paused %u time(s), %.1f h resumed so far\n", r->pauses,
                       (double)r->paused_ms / 3600000.0);
            if (r->extensions > 0 || r->extension_pending)
                printf("  extensions granted %u%s\n", r->extensions,
                       r->extension_pending ? ", one asked for and waiting" : "");
            print_deadline_history(cd);
        }
        print_reporters(cd);
        for (size_t i = 0; i < cd->n_events; i++) {
            const Liandong__V1__CaseEvent *e = cd->events[i];
            char at[32];
            printf("  #%-6llu %s %-10s %s -> %s by %s%s%s at %s %s\n", (unsigned long long)e->seq,
                   format_ms(e->at_ms, at, sizeof at), e->kind, e->from_state, e->to_state,
                   e->actor, *e->on_behalf_of ? " for " : "", e->on_behalf_of, e->body_id, e->note);
        }
    }
    wire_free(&w);
    return 0;
}

static const struct {
    const char *name;
    Liandong__V1__CaseActionKind kind;
} action_kinds[] = {
    {"accept", LIANDONG__V1__CASE_ACTION_KIND__ACTION_ACCEPT},
    {"reply", LIANDONG__V1__CASE_ACTION_KIND__ACTION_REPLY},
    {"resolve", LIANDONG__V1__CASE_ACTION_KIND__ACTION_RESOLVE},
    {"return", LIANDONG__V1__CASE_ACTION_KIND__ACTION_RETURN},
    {"escalate", LIANDONG__V1__CASE_ACTION_KIND__ACTION_ESCALATE},
    {"rate", LIANDONG__V1__CASE_ACTION_KIND__ACTION_RATE},
    {"close", LIANDONG__V1__CASE_ACTION_KIND__ACTION_CLOSE},
    {"dispatch", LIANDONG__V1__CASE_ACTION_KIND__ACTION_DISPATCH},
    {"pause", LIANDONG__V1__CASE_ACTION_KIND__ACTION_PAUSE},
    {"resume", LIANDONG__V1__CASE_ACTION_KIND__ACTION_RESUME},
    {"extend", LIANDONG__V1__CASE_ACTION_KIND__ACTION_EXTEND},
    {"grant", LIANDONG__V1__CASE_ACTION_KIND__ACTION_GRANT},
    {"refuse", LIANDONG__V1__CASE_ACTION_KIND__ACTION_REFUSE},
};

int cmd_action(const petition_ctx_t *ctx, const char *action, int argc, char **argv)
{
    config_opt_t o[] = {
        {"body", NULL, NULL, "the body acting (its identity)", 0, NULL},
        {"text", NULL, "", "reply text, result or note", 0, NULL},
        {"reason", NULL, "", "return reason: territory, ownership or function", 0, NULL},
        {"to", NULL, "", "target body for dispatch or escalation", 0, NULL},
        {"rating", NULL, "", "satisfied, basically_satisfied or dissatisfied", 0, NULL},
        {"hours", NULL, "0", "pause: its limit in hours", 0, NULL},
        {"until", NULL, "", "grant: the new resolution deadline (RFC 3339)", 0, NULL},
        {"json", NULL, "0", "print the recorded event as JSON", 1, NULL},
    };
    size_t n = sizeof o / sizeof o[0];
    if (argc < 2 || strncmp(argv[1], "--", 2) == 0) {
        fprintf(stderr, "usage: petition %s CASE_ID --body BODY_ID [OPTIONS]\n", action);
        return 2;
    }
    int rc = petition_parse_args(o, n, argc - 1, argv + 1, "usage: petition ACTION CASE_ID");
    if (rc >= 0)
        return rc;
    /* Escalation and dispatch go through the router, which computes the
     * new holder and deadlines (services/router/escalate.c); the actor is
     * the key's, so --body is only needed where the key does not say it. */
    int via_router = strcmp(action, "escalate") == 0 || strcmp(action, "dispatch") == 0;
    if (!config_get(o, n, "body") && !via_router) {
        fprintf(stderr, "petition %s: --body is required\n", action);
        return 2;
    }
    if (strcmp(action, "dispatch") == 0 && config_get(o, n, "to")[0] == '\0') {
        fprintf(stderr, "petition dispatch: --to BODY_ID is required\n");
        return 2;
    }
    Liandong__V1__CaseAction ca = LIANDONG__V1__CASE_ACTION__INIT;
    for (size_t i = 0; i < sizeof action_kinds / sizeof action_kinds[0]; i++)
        if (strcmp(action_kinds[i].name, action) == 0)
            ca.kind = action_kinds[i].kind;
    ca.case_id = argv[1];
    ca.actor = (char *)(config_get(o, n, "body") ? config_get(o, n, "body") : "");
    ca.text = (char *)config_get(o, n, "text");
    ca.reason = (char *)config_get(o, n, "reason");
    ca.target_body = (char *)config_get(o, n, "to");
    ca.rating = (char *)config_get(o, n, "rating");
    long hours = 0;
    if (config_get_long(o, n, "hours", 0, 1000000, &hours) < 0) {
        fprintf(stderr, "petition %s: --hours out of range\n", action);
        return 2;
    }
    ca.pause_hours = (uint32_t)hours;
    const char *until = config_get(o, n, "until");
    int offset = 0;
    if (*until && timefmt_parse_rfc3339(until, &ca.resolve_due_ms, &offset) < 0) {
        fprintf(stderr, "petition %s: --until is RFC 3339 (2026-10-09T18:00:00+08:00)\n", action);
        return 2;
    }
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION;
    req.case_action = &ca;
    wire_msg_t *w = NULL;
    rc = petition_call(ctx, via_router ? ctx->router : ctx->ledger, &req,
                       LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION_DONE, &w);
    if (rc != 0)
        return rc;
    const Liandong__V1__CaseActionDone *d = wire_envelope(w)->case_action_done;
    if (strcmp(config_get(o, n, "json"), "1") == 0) {
        json_t *j = d->event ? json_case_event(d->event) : json_object();
        json_object_set_new(j, "duplicate", json_boolean(d->duplicate));
        json_print_line(j);
    } else if (d->event) {
        printf("%s: %s -> %s%s\n", d->event->case_id, d->event->from_state, d->event->to_state,
               d->duplicate ? " (already recorded)" : "");
    }
    wire_free(&w);
    return 0;
}
