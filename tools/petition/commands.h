/*
 * commands.h - the petition CLI's subcommands. Each takes the arguments
 * after its name and the endpoints chosen by the global flags, and returns
 * the process exit code: 0 success, 1 refused or failed, 2 usage, 3 the
 * service is unavailable (retry later).
 */
#ifndef PETITION_COMMANDS_H
#define PETITION_COMMANDS_H

#include <jansson.h>

#include "client.h"
#include "clock.h"
#include "config.h"

typedef struct {
    const char *router;
    const char *ledger;
    const char *desk; /* router's department socket */
    int timeout_ms;
    int insecure;
    const char *keys;     /* CURVE keys directory */
    const char *identity; /* our key, role.id */
    const char *router_identity;
    const char *ledger_identity;
    simclock_t clock; /* the system's (lib/clock.h): a demand's received time */
} petition_ctx_t;

int cmd_ping(const petition_ctx_t *ctx, int argc, char **argv);
int cmd_submit(const petition_ctx_t *ctx, int argc, char **argv);
int cmd_registry(const petition_ctx_t *ctx, int argc, char **argv);
int cmd_desk(const petition_ctx_t *ctx, int argc, char **argv);
int cmd_review(const petition_ctx_t *ctx, int argc, char **argv);
int cmd_case(const petition_ctx_t *ctx, int argc, char **argv);
int cmd_action(const petition_ctx_t *ctx, const char *action, int argc, char **argv);
int cmd_rates(const petition_ctx_t *ctx, int argc, char **argv);
int cmd_keys(const petition_ctx_t *ctx, int argc, char **argv);
int cmd_alerts(const petition_ctx_t *ctx, int argc, char **argv);
int cmd_ranking(const petition_ctx_t *ctx, int argc, char **argv);
int cmd_overdue(const petition_ctx_t *ctx, int argc, char **argv);
int cmd_accounts(const petition_ctx_t *ctx, int argc, char **argv);
int cmd_link(const petition_ctx_t *ctx, int argc, char **argv);   /* cmd_repeats.c */
int cmd_unlink(const petition_ctx_t *ctx, int argc, char **argv); /* cmd_repeats.c */
/* A case's reporters (docs/repeats.md), as JSON and as lines (cmd_repeats.c). */
json_t *json_reporters(const Liandong__V1__CaseDetail *cd);
void print_reporters(const Liandong__V1__CaseDetail *cd);
int desk_follow(const petition_ctx_t *ctx, const char *desk_ep, const char *body, int as_json,
                const char *seen_path, long max_cases);

/* Parses a subcommand's flags (args.c). Returns -1 to go on, 0 when --help
 * was printed, 2 (an exit code) on a bad flag or a stray argument. */
int petition_parse_args(config_opt_t *o, size_t n, int argc, char **argv, const char *usage);

/* One call to `endpoint`: opens, calls, checks the answer body. Returns an
 * exit code; on 0, *answer is set. */
int petition_call(const petition_ctx_t *ctx, const char *endpoint, envelope_t *req,
                  Liandong__V1__Envelope__BodyCase want, wire_msg_t **answer);

/* JSON helpers shared by the commands. */
json_t *json_placement(const Liandong__V1__Placement *p);
json_t *json_case_record(const Liandong__V1__CaseRecord *r);
json_t *json_case_event(const Liandong__V1__CaseEvent *e);
void json_print_line(json_t *j); /* prints compact JSON + newline, decrefs */
const char *urgency_text(Liandong__V1__Urgency u);
char *format_ms(int64_t ms, char *buf, size_t len);
/* Prints s left-aligned in `width` terminal columns (wide CJK characters
 * count two), then a space. */
void print_padded(const char *s, int width);

#endif
