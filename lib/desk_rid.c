/*
 * desk_rid.c - request ids for departments' actions forwarded by the router
 * (see desk_rid.h).
 */
#include "desk_rid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

_Static_assert(DESK_RID_MAX <= WIRE_REQUEST_ID_MAX, "a derived id must fit on the wire");

static int body_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (n >= DESK_RID_BODY_MAX || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                        (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return n > 0;
}

static int client_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        /* Printable ASCII only: the id ends up in logs and in the ledger's
         * history, where control bytes or look-alike characters mislead. */
        if (n >= DESK_RID_CLIENT_MAX || (unsigned char)s[n] < 0x21 || (unsigned char)s[n] > 0x7e)
            return 0;
    return n > 0;
}

int desk_rid_make(const char *body, const char *client_rid, char *out, size_t len)
{
    if (body == NULL || client_rid == NULL || !body_ok(body) || !client_ok(client_rid))
        return -EINVAL;
    size_t p = sizeof DESK_RID_PREFIX - 1, b = strlen(body), c = strlen(client_rid);
    if (out == NULL || len < p + b + 1 + c + 1)
        return -ENOSPC;
    /* Length checked above, so this never truncates. */
    int n = snprintf(out, len, "%s%s:%s", DESK_RID_PREFIX, body, client_rid);
    return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int desk_rid_reserved(const char *rid)
{
    return rid != NULL && strncmp(rid, DESK_RID_PREFIX, sizeof DESK_RID_PREFIX - 1) == 0;
}
