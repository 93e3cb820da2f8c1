/*
 * cmd_repeats.c - one case for one problem in the CLI (docs/repeats.md):
 * a case's reporters for `petition case`, `petition link` (an operator
 * joins a missed repeat by hand) and `petition unlink` (undoes a join).
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

json_t *json_reporters(const Liandong__V1__CaseDetail *cd)
{
    json_t *a = json_array();
    for (size_t i = 0; i < cd->n_reporters; i++) {
        const Liandong__V1__Reporter *p = cd->reporters[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
                                           "channel", p->channel, "channel_id", p->channel_id,
                                           "text", p->text, "address", p->address, "resident_name",
                                           p->resident_name, "resident_phone", p->resident_phone,
                                           "received_at_ms", (json_int_t)p->received_at_ms,
                                           "joined_at_ms", (json_int_t)p->joined_at_ms,
                                           "withdrawn_at_ms", (json_int_t)p->withdrawn_at_ms));
    }
    return a;
}

void print_reporters(const Liandong__V1__CaseDetail *cd)
{
    if (cd->n_reporters < 2)
        return; /* the case's own demand alone: nothing joined */
    printf("  %zu reporters:\n", cd->n_reporters);
    for (size_t i = 0; i < cd->n_reporters; i++) {
        const Liandong__V1__Reporter *p = cd->reporters[i];
        char at[32];
        printf("    %s:%s%s%s%s  %s\n", p->channel, p->channel_id,
               p->joined_at_ms ? " joined " : "",
               p->joined_at_ms ? format_ms(p->joined_at_ms, at, sizeof at) : "",
               p->withdrawn_at_ms ? " (withdrawn)" : "", p->text);
    }
}

/* Splits CHANNEL:TICKET into buf (channel) and *id; 0 or -1. */
static int split_ticket(const char *arg, char *buf, size_t len, const char **id)
{
    snprintf(buf, len, "%s", arg);
    char *colon = strchr(buf, ':');
    if (colon == NULL || colon == buf || colon[1] == '\0')
        return -1;
    *colon = '\0';
    *id = colon + 1;
    return 0;
}

int cmd_link(const petition_ctx_t *ctx, int argc, char **argv)
{
    static const char usage[] = "usage: petition link CASE_ID CHANNEL:TICKET [--json]";
    config_opt_t o[] = {{"json", NULL, "0", "print as JSON", 1, NULL}};
    size_t n = 1;
    if (argc < 3 || strncmp(argv[1], "--", 2) == 0 || strncmp(argv[2], "--", 2) == 0) {
        fprintf(stderr, "%s\n", usage);
        return 2;
    }
    int rc = petition_parse_args(o, n, argc - 2, argv + 2, usage);
    if (rc >= 0)
        return rc;
    char channel[512];
    const char *id = NULL;
    if (split_ticket(argv[2], channel, sizeof channel, &id) < 0) {
        fprintf(stderr, "petition link: the case to link is CHANNEL:TICKET (e.g. wechat:WX-1)\n");
        return 2;
    }
    Liandong__V1__LinkReporter l = LIANDONG__V1__LINK_REPORTER__INIT;
    l.case_id = argv[1];
    l.channel = channel;
    l.channel_id = (char *)id;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_LINK_REPORTER;
    req.link_reporter = &l;
    wire_msg_t *w = NULL;
    rc = petition_call(ctx, ctx->ledger, &req, LIANDONG__V1__ENVELOPE__BODY_CASE_ACTION_DONE, &w);
    if (rc != 0)
        return rc;
    const Liandong__V1__CaseActionDone *d = wire_envelope(w)->case_action_done;
    if (strcmp(config_get(o, n, "json"), "1") == 0)
        json_print_line(d->event ? json_case_event(d->event) : json_object());
    else
        printf("case %s: %s:%s linked (%s)\n", l.case_id, channel, id,
               d->event ? d->event->note : "");
    wire_free(&w);
    return 0;
}

int cmd_unlink(const petition_ctx_t *ctx, int argc, char **argv)
{
    static const char usage[] = "usage: petition unlink CASE_ID CHANNEL:TICKET [--json]";
    config_opt_t o[] = {{"json", NULL, "0", "print as JSON", 1, NULL}};
    size_t n = 1;
    if (argc < 3 || strncmp(argv[1], "--", 2) == 0 || strncmp(argv[2], "--", 2) == 0) {
        fprintf(stderr, "%s\n", usage);
        return 2;
    }
    int rc = petition_parse_args(o, n, argc - 2, argv + 2, usage);
    if (rc >= 0)
        return rc;
    char ticket[512];
    snprintf(ticket, sizeof ticket, "%s", argv[2]);
    char *colon = strchr(ticket, ':');
    if (colon == NULL || colon == ticket || colon[1] == '\0') {
        fprintf(stderr, "petition unlink: the reporter is CHANNEL:TICKET (e.g. wechat:WX-1)\n");
        return 2;
    }
    *colon = '\0';
    Liandong__V1__UnlinkReporter u = LIANDONG__V1__UNLINK_REPORTER__INIT;
    u.case_id = argv[1];
    u.channel = ticket;
    u.channel_id = colon + 1;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_UNLINK_REPORTER;
    req.unlink_reporter = &u;
    wire_msg_t *w = NULL;
    rc = petition_call(ctx, ctx->ledger, &req, LIANDONG__V1__ENVELOPE__BODY_REPORTER_UNLINKED, &w);
    if (rc != 0)
        return rc;
    const Liandong__V1__ReporterUnlinked *d = wire_envelope(w)->reporter_unlinked;
    if (strcmp(config_get(o, n, "json"), "1") == 0)
        json_print_line(
            json_pack("{s:s, s:s}", "case_id", d->case_id, "from_case_id", d->from_case_id));
    else
        printf("case %s: %s:%s, unlinked from %s\n", d->case_id, u.channel, u.channel_id,
               d->from_case_id);
    wire_free(&w);
    return 0;
}
