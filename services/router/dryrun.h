/*
 * dryrun.h - place demands read as JSON lines without touching the ledger
 * (`router --dry-run --registry FILE`).
 *
 * Input: one JSON object per line, {"id","channel","text","compound"?,
 * "address"?,"urgency"?}; blank lines are skipped. Output: one JSON object
 * per non-blank input line, in order: {"id","category","tier","body_id",
 * "body_kind","cc":[...],"urgency","reply_due_hours","resolve_due_hours",
 * "explain":{...}}, or {"id": <id or null>, "error": "..."} for a line that
 * is not a JSON object or lacks a string id/text, for a demand the service
 * would refuse (demand_check.h, the same message), and for a line longer
 * than the limit ({"id": null, "error": "line longer than N bytes: not
 * read"}); processing continues.
 *
 * is not a JSON object or lacks a string id/text (processing continues).
 *
 * Deadlines (issue 15): an input line may carry "received_at", an RFC 3339
 * time with an offset; the clocks start then (without it: now). Every
 * output line also has "reply_clock" and "resolve_clock" ("natural",
 * "working_days" or "working_hours"), "policy" (the policy's name) and,
 * when a date fell in a year the calendar does not cover,
 * "calendar_uncovered": true. With received_at it has "reply_due_at" and
 * "resolve_due_at" in received_at's offset. reply_due_hours and
 * resolve_due_hours keep their meaning: the limit in hours for a natural
 * clock; for a working clock the hours from received_at (or now) to the
 * deadline, rounded up. `--policy FILE` (deploy/policy) chooses the limits;
 * without it the built-in ROUTING.md section 6 table (deploy/policy/
 * default.json); a working-time policy reads `--calendar FILE`
 * (DRYRUN_CALENDAR_DEFAULT without it).
 */
#ifndef LIANDONG_DRYRUN_H
#define LIANDONG_DRYRUN_H

#include <stdio.h>

#include "calendar.h"
#include "policy.h"
#include "router_core.h"

#define DRYRUN_CALENDAR_DEFAULT "deploy/calendar/china.tsv"

/* What the router's flags set for placement (see services/router/main.c). */
typedef struct {
    uint32_t tag_channels;     /* channels trusted for urgency tags (urgency.h) */
    int review_below;          /* confidence under which to flag (confidence.h) */
    const char *policy_path;   /* NULL: the built-in section 6 policy */
    const char *calendar_path; /* NULL: DRYRUN_CALENDAR_DEFAULT, read only when the
                                  policy runs on working time */
    size_t max_line;           /* longest line read (0: DRYRUN_MAX_LINE_DEFAULT) */
} dryrun_options_t;

/* Returns 0 when every line was read and answered (error lines included),
 * or a negative errno when the registry, the lexicons, the policy or the
 * calendar cannot be loaded (the problems are written to stderr) or output
 * fails. */
int dryrun_run(const char *registry_path, const char *lexicon_dir, const dryrun_options_t *opts,
               FILE *in, FILE *out);

/* Load the policy (NULL path: *policy = NULL, the built-in applies) and,
 * when it runs on working time, the calendar; problems on stderr. The
 * caller destroys both. Shared with the service mode (main.c). */
int dryrun_load_policy(const char *policy_path, const char *calendar_path, policy_t **policy,
                       workcal_t **cal);

/* The longest input line read (`router --dry-run --max-line`), bytes. */
#define DRYRUN_MAX_LINE_DEFAULT (64 * 1024)

/* The same with a core built by the caller; lines longer than max_line (0:
 * the default) get an error line. Returns 0, -ENOMEM or -EIO. */
int dryrun_stream_max(const router_core_t *core, FILE *in, FILE *out, size_t max_line);
/* dryrun_stream_max with the default limit. */
int dryrun_stream(const router_core_t *core, FILE *in, FILE *out);

#endif
