/*
 * output.c - turning answers into JSON and text for the CLI, and the one
 * place that opens a connection for a command.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "commands.h"

int petition_call(const petition_ctx_t *ctx, const char *endpoint, envelope_t *req,
                  Liandong__V1__Envelope__BodyCase want, wire_msg_t **answer)
{
    petition_client_t c;
    const char *server =
        strcmp(endpoint, ctx->router) == 0 ? ctx->router_identity : ctx->ledger_identity;
    int rc = petition_client_open(&c, endpoint, ctx->timeout_ms, ctx->insecure ? NULL : ctx->keys,
                                  ctx->identity, server);
    if (rc < 0) {
        fprintf(stderr, "error: cannot open %s: %s\n", endpoint, zmq_strerror(-rc));
        petition_client_close(&c);
        return 2;
    }
    wire_msg_t *w = NULL;
    rc = petition_client_call(&c, req, &w);
    petition_client_close(&c);
    if (rc == -ETIMEDOUT) {
        fprintf(stderr, "error: no answer from %s within %d ms\n", endpoint, ctx->timeout_ms);
        return 3;
    }
    if (rc < 0) {
        fprintf(stderr, "error: %s: %s\n", endpoint, zmq_strerror(-rc));
        return 3;
    }
    int code = petition_check_answer(wire_envelope(w), want);
    if (code != 0) {
        wire_free(&w);
        return code;
    }
    *answer = w;
    return 0;
}

const char *urgency_text(Liandong__V1__Urgency u)
{
    return u == LIANDONG__V1__URGENCY__URGENCY_EMERGENCY ? "emergency" : "normal";
}

char *format_ms(int64_t ms, char *buf, size_t len)
{
    if (ms <= 0) {
        snprintf(buf, len, "-");
        return buf;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

static json_t *json_strings(char **v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

json_t *json_placement(const Liandong__V1__Placement *p)
{
    json_t *o = json_object();
    if (p == NULL)
        return o;
    json_object_set_new(o, "category", json_string(p->category));
    json_object_set_new(o, "tier", json_string(p->tier));
    json_object_set_new(o, "body_id", json_string(p->body_id));
    json_object_set_new(o, "body_kind", json_string(p->body_kind));
    json_object_set_new(o, "cc", json_strings(p->cc, p->n_cc));
    json_object_set_new(o, "urgency", json_string(urgency_text(p->urgency)));
    json_object_set_new(o, "reply_due_hours", json_integer(p->reply_due_hours));
    json_object_set_new(o, "resolve_due_hours", json_integer(p->resolve_due_hours));
    json_object_set_new(o, "compound", json_string(p->compound_code));
    json_object_set_new(o, "confidence", json_real(p->confidence_pct / 100.0));
    json_object_set_new(o, "review", json_boolean(p->review));
    json_object_set_new(o, "review_reasons", json_strings(p->review_reasons, p->n_review_reasons));
    if (*p->policy) {
        json_object_set_new(o, "policy", json_string(p->policy));
        json_object_set_new(o, "reply_clock", json_string(p->reply_clock));
        json_object_set_new(o, "resolve_clock", json_string(p->resolve_clock));
    }
    json_t *ex =
        (p->explain_json && *p->explain_json) ? json_loads(p->explain_json, 0, NULL) : NULL;
    if (ex)
        json_object_set_new(o, "explain", ex);
    return o;
}

json_t *json_case_record(const Liandong__V1__CaseRecord *r)
{
    char b1[32], b2[32], b3[32];
    json_t *o = json_object();
    json_object_set_new(o, "case_id", json_string(r->case_id));
    json_object_set_new(o, "channel", json_string(r->channel));
    json_object_set_new(o, "channel_id", json_string(r->channel_id));
    json_object_set_new(o, "state", json_string(r->state));
    json_object_set_new(o, "category", json_string(r->category));
    json_object_set_new(o, "body_id", json_string(r->body_id));
    json_object_set_new(o, "body_kind", json_string(r->body_kind));
    json_object_set_new(o, "cc", json_strings(r->cc, r->n_cc));
    json_object_set_new(o, "urgency", json_string(urgency_text(r->urgency)));
    json_object_set_new(o, "compound", json_string(r->compound_code));
    json_object_set_new(o, "text", json_string(r->text));
    json_object_set_new(o, "address", json_string(r->address));
    json_object_set_new(o, "resident_name", json_string(r->resident_name));
    json_object_set_new(o, "resident_phone", json_string(r->resident_phone));
    json_object_set_new(o, "created_at", json_string(format_ms(r->created_at_ms, b1, sizeof b1)));
    json_object_set_new(o, "reply_due", json_string(format_ms(r->reply_due_ms, b2, sizeof b2)));
    json_object_set_new(o, "resolve_due", json_string(format_ms(r->resolve_due_ms, b3, sizeof b3)));
    if (*r->deadline_policy) { /* issue 15: what the deadlines were set by */
        json_object_set_new(o, "deadline_policy", json_string(r->deadline_policy));
        json_object_set_new(o, "reply_clock", json_string(r->reply_clock));
        json_object_set_new(o, "resolve_clock", json_string(r->resolve_clock));
    }
    /* issue 15: deadlines counted Monday-Friday, a year without calendar data */
    json_object_set_new(o, "calendar_uncovered", json_boolean(r->calendar_uncovered));
    /* paused clock (挂起) and extensions (延期) */
    json_object_set_new(o, "paused", json_boolean(r->paused_at_ms > 0));
    json_object_set_new(o, "paused_at",
                        r->paused_at_ms > 0 ? json_string(format_ms(r->paused_at_ms, b1, sizeof b1))
                                            : json_null());
    json_object_set_new(o, "pause_until",
                        r->pause_until_ms > 0
                            ? json_string(format_ms(r->pause_until_ms, b2, sizeof b2))
                            : json_null());
    json_object_set_new(o, "pause_reason", json_string(r->pause_reason));
    json_object_set_new(o, "paused_ms", json_integer((json_int_t)r->paused_ms));
    json_object_set_new(o, "pauses", json_integer((json_int_t)r->pauses));
    json_object_set_new(o, "extensions", json_integer((json_int_t)r->extensions));
    json_object_set_new(o, "extension_pending", json_boolean(r->extension_pending));
    json_object_set_new(o, "copy", json_boolean(r->copy));
    json_object_set_new(o, "delivery_seq", json_integer((json_int_t)r->delivery_seq));
    return o;
}

json_t *json_case_event(const Liandong__V1__CaseEvent *e)
{
    char b[32];
    json_t *o = json_object();
    json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
    json_object_set_new(o, "case_id", json_string(e->case_id));
    json_object_set_new(o, "kind", json_string(e->kind));
    json_object_set_new(o, "actor", json_string(e->actor));
    json_object_set_new(o, "on_behalf_of", json_string(e->on_behalf_of));
    json_object_set_new(o, "from_state", json_string(e->from_state));
    json_object_set_new(o, "to_state", json_string(e->to_state));
    json_object_set_new(o, "body_id", json_string(e->body_id));
    json_object_set_new(o, "note", json_string(e->note));
    json_object_set_new(o, "at", json_string(format_ms(e->at_ms, b, sizeof b)));
    /* the deadlines the event set or kept (issue 15: what a case was given) */
    if (e->reply_due_ms > 0)
        json_object_set_new(o, "reply_due", json_string(format_ms(e->reply_due_ms, b, sizeof b)));
    if (e->resolve_due_ms > 0)
        json_object_set_new(o, "resolve_due",
                            json_string(format_ms(e->resolve_due_ms, b, sizeof b)));
    return o;
}

void json_print_line(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    if (s) {
        puts(s);
        free(s);
    }
    json_decref(j);
}

/* Columns a UTF-8 string takes on a terminal: CJK and other wide code
 * points (U+1100 and up, roughly) two, the rest one. Good enough for the
 * names of the registry. */
static int display_width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned c = *p;
        int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        unsigned cp = len == 1 ? c : c & (0x7fu >> len);
        for (int k = 1; k < len && p[k]; k++)
            cp = (cp << 6) | (p[k] & 0x3fu);
        w += cp >= 0x1100 ? 2 : 1;
        for (int k = 0; k < len && *p; k++)
            p++;
    }
    return w;
}

void print_padded(const char *s, int width)
{
    int w = display_width(s);
    fputs(s, stdout);
    for (; w < width; w++)
        putchar(' ');
    putchar(' ');
}
