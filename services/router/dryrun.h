/*
 * dryrun.h - place demands read as JSON lines without touching the ledger
 * (`router --dry-run --registry FILE`).
 *
 * Input: one JSON object per line, {"id","channel","text","compound"?,
 * "address"?,"urgency"?}; blank lines are skipped. Output: one JSON object
 * per non-blank input line, in order: {"id","category","tier","body_id",
 * "body_kind","cc":[...],"urgency","reply_due_hours","resolve_due_hours",
 * "explain":{...}}, or {"id": <id or null>, "error": "..."} for a line that
 * is not a JSON object or lacks a string id/text (processing continues).
 */
#ifndef LIANDONG_DRYRUN_H
#define LIANDONG_DRYRUN_H

#include <stdio.h>

#include "router_core.h"

/* Returns 0 when every line was read and answered (error lines included),
 * or a negative errno when the registry or the lexicons cannot be loaded
 * (the problems are written to stderr) or output fails. */
/* What the router's flags set for placement (see services/router/main.c). */
typedef struct {
    uint32_t tag_channels; /* channels trusted for urgency tags (urgency.h) */
    int review_below;      /* confidence under which to flag (confidence.h) */
} dryrun_options_t;

int dryrun_run(const char *registry_path, const char *lexicon_dir, const dryrun_options_t *opts,
               FILE *in, FILE *out);

/* The same with a core built by the caller. Returns 0 or -EIO. */
int dryrun_stream(const router_core_t *core, FILE *in, FILE *out);

#endif
