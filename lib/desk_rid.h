/*
 * desk_rid.h - the request id under which the router forwards a
 * department's action to the ledger: derived from the acting body and the
 * department's own request id, so that the ledger's idempotency by request
 * id holds for departments too (a retry after a lost answer is answered as a
 * duplicate of the first), and one body's ids never meet another's.
 *
 * Form: "desk:" BODY ":" CLIENT_RID. BODY is 1..DESK_RID_BODY_MAX bytes of
 * [A-Za-z0-9_-] (the key names of lib/curve.c), so it holds no ':' and the
 * pair (BODY, CLIENT_RID) maps to exactly one id (injective). CLIENT_RID is
 * 1..DESK_RID_CLIENT_MAX bytes of printable ASCII without space. The
 * result fits the wire's request id limit.
 */
#ifndef LIANDONG_DESK_RID_H
#define LIANDONG_DESK_RID_H

#include <stddef.h>

#define DESK_RID_PREFIX "desk:"
#define DESK_RID_BODY_MAX 40
#define DESK_RID_CLIENT_MAX 64
/* prefix + body + ':' + client id */
#define DESK_RID_MAX (sizeof DESK_RID_PREFIX - 1 + DESK_RID_BODY_MAX + 1 + DESK_RID_CLIENT_MAX)

/* Writes the derived id into out (len > DESK_RID_MAX needed). Returns 0,
 * -EINVAL when body or client_rid breaks the rules above (untrusted input:
 * refuse it), or -ENOSPC when out is too small. */
int desk_rid_make(const char *body, const char *client_rid, char *out, size_t len);

/* 1 when rid is in the router's namespace (only the router may use it). */
int desk_rid_reserved(const char *rid);

#endif
