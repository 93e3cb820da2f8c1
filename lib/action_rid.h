/*
 * action_rid.h - the request id under which the router records an action
 * it takes on a caller's behalf (an escalation or a re-dispatch, whose new
 * holder the router chooses), derived from the caller's key, the case and
 * the caller's own request id, as lib/desk_rid.h does for a department's
 * actions. The ledger deduplicates on request ids durably, so a repeat of
 * the same request is answered as a duplicate of the first even after the
 * router restarted in between; the router's memory alone forgot it and
 * moved the case one rung further up (issue 10).
 *
 * Form, from the caller's ZAP user id (lib/identity.h), with HASH the 16
 * hex digits of FNV-1a 64 over CASE_ID "\n" CLIENT_RID:
 *   "body:BODY"  -> "desk:BODY:act-HASH", in the body's own namespace of
 *                   desk_rid.h (only the body itself could meet it);
 *   "ROLE:ID"    -> "desk:ROLE.ID:act-HASH" for every other role.
 * ROLE (at most ACTION_RID_ROLE_MAX bytes) and ID follow desk_rid.h's body
 * rules ([A-Za-z0-9_-]: no '.', no ':'), so callers never share ids; the
 * case in the hash keeps a client id reused on another case (the CLI's
 * "cli-PID-N" after a pid comes round again) from being taken for a repeat.
 * CLIENT_RID follows desk_rid.h's client rules. Everything under "desk:" is
 * the router's: the ledger refuses such ids from anyone but a service.
 */
#ifndef LIANDONG_ACTION_RID_H
#define LIANDONG_ACTION_RID_H

#include <stddef.h>

#include "desk_rid.h"

#define ACTION_RID_ROLE_MAX 16
/* prefix + role + '.' + id + ":act-" + 16 hex digits */
#define ACTION_RID_MAX                                                                             \
    (sizeof DESK_RID_PREFIX - 1 + ACTION_RID_ROLE_MAX + 1 + DESK_RID_BODY_MAX + 5 + 16)

/* Writes the derived id into out (len > ACTION_RID_MAX is enough).
 * Returns 0, -EINVAL when user, case_id or client_rid does not follow the
 * rules above (no key, CURVE off: the caller keeps only its memory), or
 * -ENOSPC when out is too small. */
int action_rid_make(const char *user, const char *case_id, const char *client_rid, char *out,
                    size_t len);

#endif
