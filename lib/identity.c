/*
 * identity.c - the acting identity from the connection (see identity.h).
 */
#include "identity.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

role_t identity_role(const char *user, const char **id)
{
    static const struct {
        const char *prefix;
        role_t role;
    } roles[] = {{"service:", ROLE_SERVICE},
                 {"frontend:", ROLE_FRONTEND},
                 {"body:", ROLE_BODY},
                 {"operator:", ROLE_OPERATOR}};
    if (id)
        *id = "";
    if (user == NULL || *user == '\0')
        return ROLE_NONE;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        size_t n = strlen(roles[i].prefix);
        if (strncmp(user, roles[i].prefix, n) == 0 && user[n] != '\0') {
            if (id)
                *id = user + n;
            return roles[i].role;
        }
    }
    return ROLE_UNKNOWN;
}

int identity_actor(const char *user, const char *claimed, char *out, size_t len)
{
    const char *id = NULL;
    int n;
    switch (identity_role(user, &id)) {
    case ROLE_BODY:
        n = snprintf(out, len, "%s", id);
        break;
    case ROLE_OPERATOR:
        n = snprintf(out, len, "operator:%s", id);
        break;
    case ROLE_SERVICE:
    case ROLE_NONE:
        if (claimed == NULL || *claimed == '\0')
            return -EINVAL;
        n = snprintf(out, len, "%s", claimed);
        break;
    default:
        return -EPERM;
    }
    return (n < 0 || (size_t)n >= len) ? -EINVAL : 0;
}
