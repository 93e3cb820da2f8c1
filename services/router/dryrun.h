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
 */
#ifndef LIANDONG_DRYRUN_H
#define LIANDONG_DRYRUN_H

#include <stdio.h>

#include "router_core.h"

/* Returns 0 when every line was read and answered (error lines included),
 * or a negative errno when the registry or the lexicons cannot be loaded
 * (the problems are written to stderr) or output fails. */
int dryrun_run(const char *registry_path, const char *lexicon_dir, uint32_t tag_channels,
               size_t max_line, FILE *in, FILE *out);

/* The longest input line read (`router --dry-run --max-line`), bytes. */
#define DRYRUN_MAX_LINE_DEFAULT (64 * 1024)

/* The same with a core built by the caller; lines longer than max_line (0:
 * the default) get an error line. Returns 0, -ENOMEM or -EIO. */
int dryrun_stream_max(const router_core_t *core, FILE *in, FILE *out, size_t max_line);
/* dryrun_stream_max with the default limit. */
int dryrun_stream(const router_core_t *core, FILE *in, FILE *out);

#endif
