/*
 * identity.c - the acting identity from the connection and actor strings
 * (see identity.h).
 */
#include "identity.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *identity_staff_body(const char *id)
{
    const char *at = id ? strrchr(id, '@') : NULL;
    return at != NULL && at != id && at[1] != '\0' ? at + 1 : NULL;
}

role_t identity_role(const char *user, const char **id)
{
    static const struct {
        const char *prefix;
        role_t role;
    } roles[] = {{"service:", ROLE_SERVICE}, {"frontend:", ROLE_FRONTEND},
                 {"body:", ROLE_BODY},       {"operator:", ROLE_OPERATOR},
                 {"staff:", ROLE_STAFF},     {"admin:", ROLE_ADMIN}};
    if (id)
        *id = "";
    if (user == NULL || *user == '\0')
        return ROLE_NONE;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        size_t n = strlen(roles[i].prefix);
        if (strncmp(user, roles[i].prefix, n) == 0 && user[n] != '\0') {
            /* A staff id without its body is no staff id. */
            if (roles[i].role == ROLE_STAFF && identity_staff_body(user + n) == NULL)
                return ROLE_UNKNOWN;
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
    case ROLE_STAFF:
        n = snprintf(out, len, "%s", identity_staff_body(id));
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
    case ROLE_STAFF: {
        /* A person of a body acts for that body only. */
        const char *body = identity_staff_body(id);
        if (*claimed != '\0' && strcmp(claimed, body) != 0 && strcmp(claimed, user) != 0)
            return -EPERM;
        *out = body;
        return 0;
    }
    case ROLE_ADMIN:
        *out = user;
        return 0;
    case ROLE_SERVICE:
        /* A service relays a person of a body (the router's desk socket):
         * that person acts for the body. */
        if (actor_parse(claimed, &a) == 0 && a.kind == ACTOR_STAFF) {
            *out = identity_staff_body(a.id);
            return *out ? 0 : -EPERM;
        }
        *out = *claimed ? claimed : user;
        return 0;
    case ROLE_OPERATOR:
        /* An operator acts as itself or on behalf of a body; never as
         * another person or a service. */
        if (*claimed != '\0' && strcmp(claimed, user) != 0 &&
            (actor_parse(claimed, &a) < 0 || a.kind != ACTOR_BODY))
            return -EPERM;
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
    /* Issue 13: a second gateway of a channel (frontend.hotline-gw) relays
     * its residents' ratings like the first; '-' is the instance separator
     * of docs/roles.md, which this once missed. */
    size_t n = strcspn(id, "-.");
    if (n == 0 || n >= len)
        return -EINVAL;
    memcpy(out, id, n);
    out[n] = '\0';
    return 0;
}

void identity_principal(const char *user, const char *claimed, const char *actor,
                        const char **principal, const char **on_behalf)
{
    claimed = claimed ? claimed : "";
    actor = actor ? actor : "";
    *principal = actor;
    switch (identity_role(user, NULL)) {
    case ROLE_STAFF:
    case ROLE_OPERATOR:
    case ROLE_FRONTEND:
    case ROLE_ADMIN:
        /* The key names the person; what it acted as may differ. */
        *principal = user;
        break;
    case ROLE_SERVICE:
        /* A service vouches for whom it names: a staff person relayed by
         * the router is that person, for their body. */
        if (*claimed != '\0')
            *principal = claimed;
        break;
    default:
        break;
    }
    *on_behalf = strcmp(*principal, actor) != 0 ? actor : "";
}

static const char *const prefixes[ACTOR_KIND_COUNT] = {
    [ACTOR_BODY] = "",
    [ACTOR_OPERATOR] = "operator:",
    [ACTOR_SERVICE] = "service:",
    [ACTOR_RESIDENT] = "resident:",
    [ACTOR_FRONTEND] = "frontend:",
    [ACTOR_STAFF] = "staff:",
    [ACTOR_ADMIN] = "admin:",
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
