/*
 * identity.c - the acting identity from the connection and actor strings
 * (see identity.h).
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

int identity_recorded_actor(const char *user, const char *claimed, const char **out)
{
    const char *id = NULL;
    actor_t a;
    claimed = claimed ? claimed : "";
    *out = NULL;
    switch (identity_role(user, &id)) {
    case ROLE_NONE:
        *out = claimed;
        return 0;
    case ROLE_BODY:
        /* A body's key is the body: it cannot act as another. */
        if (*claimed != '\0' && strcmp(claimed, id) != 0)
            return -EPERM;
        *out = id;
        return 0;
    case ROLE_SERVICE:
    case ROLE_OPERATOR:
        *out = *claimed ? claimed : user;
        return 0;
    default:
        /* A front-end relays its resident's rating; else it is itself. */
        *out = actor_parse(claimed, &a) == 0 && a.kind == ACTOR_RESIDENT ? claimed : user;
        return 0;
    }
}

int identity_frontend_channel(const char *user, char *out, size_t len)
{
    const char *id = NULL;
    if (identity_role(user, &id) != ROLE_FRONTEND)
        return -EINVAL;
    size_t n = strcspn(id, ".");
    if (n == 0 || n >= len)
        return -EINVAL;
    memcpy(out, id, n);
    out[n] = '\0';
    return 0;
}

static const char *const prefixes[ACTOR_KIND_COUNT] = {
    [ACTOR_BODY] = "",
    [ACTOR_OPERATOR] = "operator:",
    [ACTOR_SERVICE] = "service:",
    [ACTOR_RESIDENT] = "resident:",
    [ACTOR_FRONTEND] = "frontend:",
};

const char *actor_kind_prefix(actor_kind_t kind)
{
    return (unsigned)kind < ACTOR_KIND_COUNT ? prefixes[kind] : "";
}

int actor_parse(const char *s, actor_t *out)
{
    if (s == NULL || *s == '\0')
        return -EINVAL;
    for (int k = ACTOR_BODY + 1; k < ACTOR_KIND_COUNT; k++) {
        size_t n = strlen(prefixes[k]);
        if (strncmp(s, prefixes[k], n) == 0) {
            if (s[n] == '\0')
                return -EINVAL;
            out->kind = (actor_kind_t)k;
            out->id = s + n;
            return 0;
        }
    }
    if (strchr(s, ':') != NULL)
        return -EINVAL;
    out->kind = ACTOR_BODY;
    out->id = s;
    return 0;
}

int actor_format(actor_kind_t kind, const char *id, char *out, size_t len)
{
    if ((unsigned)kind >= ACTOR_KIND_COUNT || id == NULL || *id == '\0' ||
        (kind == ACTOR_BODY && strchr(id, ':') != NULL))
        return -EINVAL;
    int n = snprintf(out, len, "%s%s", prefixes[kind], id);
    return (n < 0 || (size_t)n >= len) ? -EINVAL : 0;
}
