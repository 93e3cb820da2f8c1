/*
 * cmd_submit.c - `petition submit`: what a front-end (hotline, WeChat,
 * petition office, grid worker) does with a resident's demand.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "config.h"
#include "timefmt.h"

int cmd_submit(const petition_ctx_t *ctx, int argc, char **argv)
{
    config_opt_t o[] = {
        {"channel", NULL, NULL, "hotline|wechat|petition|mailbox|grid|property", 0, NULL},
        {"id", NULL, NULL, "the channel's own id for the demand", 0, NULL},
        {"text", NULL, NULL, "what the resident said", 0, NULL},
        {"address", NULL, "", "address as given", 0, NULL},
        {"compound", NULL, "", "compound code, when the channel knows it", 0, NULL},
        {"urgency", NULL, "", "normal|emergency, when the channel says so", 0, NULL},
        {"name", NULL, "", "resident's name (personal data)", 0, NULL},
        {"phone", NULL, "", "resident's phone (personal data)", 0, NULL},
        {"received-at", NULL, "",
         "when the channel received it, RFC 3339 with offset (default: now)", 0, NULL},
        {"json", NULL, "0", "print the answer as JSON", 1, NULL},
    };
    size_t n = sizeof o / sizeof o[0];
    int rc = petition_parse_args(o, n, argc, argv, "usage: petition submit [OPTIONS]");
    if (rc >= 0)
        return rc;
    const char *channel = config_get(o, n, "channel"), *id = config_get(o, n, "id"),
               *text = config_get(o, n, "text"), *urg = config_get(o, n, "urgency");
    if (!channel || !id || !text) {
        fprintf(stderr, "petition submit: --channel, --id and --text are required\n");
        return 2;
    }
    Liandong__V1__Demand d = LIANDONG__V1__DEMAND__INIT;
    d.channel = (char *)channel;
    d.channel_id = (char *)id;
    d.text = (char *)text;
    d.address = (char *)config_get(o, n, "address");
    d.compound = (char *)config_get(o, n, "compound");
    d.resident_name = (char *)config_get(o, n, "name");
    d.resident_phone = (char *)config_get(o, n, "phone");
    if (strcmp(urg, "emergency") == 0)
        d.urgency = LIANDONG__V1__URGENCY__URGENCY_EMERGENCY;
    else if (strcmp(urg, "normal") == 0)
        d.urgency = LIANDONG__V1__URGENCY__URGENCY_NORMAL;
    else if (*urg) {
        fprintf(stderr, "petition submit: --urgency must be normal or emergency\n");
        return 2;
    }
    /* The deadlines run from this moment (ROUTING.md 6); a front-end that
     * forwards a demand received earlier says when. */
    const char *rat = config_get(o, n, "received-at");
    if (*rat) {
        if (timefmt_parse_rfc3339(rat, &d.received_at_ms, NULL) < 0) {
            fprintf(stderr, "petition submit: --received-at must be RFC 3339 with an offset, "
                            "e.g. 2025-09-30T17:50:00+08:00\n");
            return 2;
        }
    } else {
        d.received_at_ms = simclock_now_ms(&ctx->clock);
    }
    Liandong__V1__SubmitDemand sd = LIANDONG__V1__SUBMIT_DEMAND__INIT;
    sd.demand = &d;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_SUBMIT_DEMAND;
    req.submit_demand = &sd;
    wire_msg_t *w = NULL;
    rc = petition_call(ctx, ctx->router, &req, LIANDONG__V1__ENVELOPE__BODY_SUBMIT_ACK, &w);
    if (rc != 0)
        return rc;
    const Liandong__V1__SubmitAck *ack = wire_envelope(w)->submit_ack;
    if (strcmp(config_get(o, n, "json"), "1") == 0) {
        json_t *j = json_placement(ack->placement);
        json_object_set_new(j, "case_id", json_string(ack->case_id));
        json_object_set_new(j, "duplicate", json_boolean(ack->duplicate));
        json_object_set_new(j, "joined_case_id", json_string(ack->joined_case_id));
        json_print_line(j);
    } else {
        const Liandong__V1__Placement *p = ack->placement;
        printf("case %s%s\n", ack->case_id,
               ack->duplicate ? " (duplicate: already submitted)" : "");
        if (*ack->joined_case_id)
            printf("  joined %s: the same problem is already a case; this report is one more "
                   "reporter of it\n",
                   ack->joined_case_id);
        if (p) {
            printf("  placed at %s (%s, %s tier)\n  category %s, %s, reply within %u h, resolve "
                   "within %u h\n",
                   p->body_id, p->body_kind, p->tier, p->category, urgency_text(p->urgency),
                   p->reply_due_hours, p->resolve_due_hours);
            for (size_t i = 0; i < p->n_cc; i++)
                printf("  copied to %s\n", p->cc[i]);
        }
    }
    wire_free(&w);
    return 0;
}
