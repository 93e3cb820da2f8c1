/*
 * action_rid.c - request ids for actions the router records on a caller's
 * behalf (see action_rid.h).
 */
#include "action_rid.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

_Static_assert(ACTION_RID_MAX <= WIRE_REQUEST_ID_MAX, "a derived id must fit on the wire");

static int name_ok(const char *s, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

int action_rid_make(const char *user, const char *case_id, const char *client_rid, char *out,
                    size_t len)
{
    const char *colon = user != NULL ? strchr(user, ':') : NULL;
    if (colon == NULL || case_id == NULL || case_id[0] == '\0' || client_rid == NULL)
        return -EINVAL;
    size_t role_len = (size_t)(colon - user);
    const char *id = colon + 1;
    int body = role_len == 4 && strncmp(user, "body", 4) == 0;
    if (!name_ok(user, role_len, ACTION_RID_ROLE_MAX) ||
        !name_ok(id, strlen(id), DESK_RID_BODY_MAX))
        return -EINVAL;
    /* The client id follows desk_rid's rules: check them on a throw-away
     * id of the body form. */
    char probe[DESK_RID_MAX + 1];
    int rc = desk_rid_make("x", client_rid, probe, sizeof probe);
    if (rc < 0)
        return rc;
    if (out == NULL)
        return -ENOSPC;
    uint64_t h = fnv1a(fnv1a(fnv1a(0xcbf29ce484222325ULL, case_id), "\n"), client_rid);
    int n = body ? snprintf(out, len, "%s%s:act-%016" PRIx64, DESK_RID_PREFIX, id, h)
                 : snprintf(out, len, "%s%.*s.%s:act-%016" PRIx64, DESK_RID_PREFIX, (int)role_len,
                            user, id, h);
    return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}
