/*
 * identity.h - who is acting, from the authenticated connection.
 *
 * The ZAP handler gives every CURVE connection a user id "<role>:<id>"
 * (curve.h). A body acts only as itself and an operator as
 * "operator:<name>", whatever actor the message claims; only Liandong's own
 * services (which act on behalf of others they authenticated) may name the
 * actor. With CURVE off (development only) there is no user id and the
 * claimed actor is taken as it is.
 */
#ifndef LIANDONG_IDENTITY_H
#define LIANDONG_IDENTITY_H

#include <stddef.h>

typedef enum {
    ROLE_NONE = 0, /* CURVE off: no authenticated identity */
    ROLE_SERVICE,
    ROLE_FRONTEND,
    ROLE_BODY,
    ROLE_OPERATOR,
    ROLE_UNKNOWN
} role_t;

/* Parses a ZAP user id; *id points into `user` after the colon. */
role_t identity_role(const char *user, const char **id);

/* The actor to record for a request from `user` that claims `claimed`.
 * Returns 0 and writes the actor, or -EPERM when the role may not act
 * (front-ends, unknown roles), or -EINVAL when a service or an insecure
 * caller names no actor. */
int identity_actor(const char *user, const char *claimed, char *out, size_t len);

#endif
