/*
 * identity.h - who is acting: the role of an authenticated connection,
 * the actor a request is recorded under, and actor strings parsed and
 * formatted in one place.
 *
 * The ZAP handler gives every CURVE connection a user id "<role>:<id>"
 * (curve.h). A body acts only as itself and an operator as
 * "operator:<name>", whatever actor the message claims; only Liandong's own
 * services (which act on behalf of others they authenticated) may name the
 * actor. With CURVE off (development only) there is no user id and the
 * claimed actor is taken as it is.
 *
 * Actors, as recorded on cases and events and named in requests:
 *   "<body id>"         a body (department, company, committee): no prefix
 *   "staff:<name>@<body id>"  a named person of one body (web desk, CLI)
 *   "operator:<name>"   an operator of the city's hotline
 *   "admin:<name>"      an administrator (registry, policy, keys)
 *   "service:<name>"    one of Liandong's services (router, notifier)
 *   "resident:<id>"     a resident, relayed by a front-end (ratings)
 *   "frontend:<name>"   a front-end acting for itself
 */
#ifndef LIANDONG_IDENTITY_H
#define LIANDONG_IDENTITY_H

#include <stddef.h>

/* The role of an authenticated key. */
typedef enum {
    ROLE_NONE = 0, /* CURVE off: no authenticated identity */
    ROLE_SERVICE,
    ROLE_FRONTEND,
    ROLE_BODY,
    ROLE_OPERATOR,
    ROLE_STAFF, /* "staff:<name>@<body id>": a named person of one body */
    ROLE_ADMIN,
    ROLE_UNKNOWN
} role_t;

/* A staff user id's body: the text after the last '@' of `id` (the part
 * after "staff:"), or NULL when there is none. */
const char *identity_staff_body(const char *id);

/* Parses a ZAP user id; *id points into `user` after the colon. */
role_t identity_role(const char *user, const char **id);

/* The actor to record for a request from `user` that claims `claimed`.
 * Returns 0 and writes the actor, or -EPERM when the role may not act
 * (front-ends, unknown roles), or -EINVAL when a service or an insecure
 * caller names no actor. (The router's rule for the actions it relays.) */
int identity_actor(const char *user, const char *claimed, char *out, size_t len);

/* The actor the ledger records a request from `user` under (the ledger's
 * rule, more lenient than identity_actor: it also records front-ends):
 *   no CURVE            `claimed` as given;
 *   a body's key        its body id, when `claimed` is empty or that id;
 *                       -EPERM when it claims to be anyone else;
 *   a staff key         its body's id, on the same terms;
 *   an administrator    the user id, whatever it claims;
 *   a service           `claimed` when not empty, else the user id (a
 *                       staff person it relays acts as their body);
 *   an operator         a body id it claims (acting on the body's behalf),
 *                       else the user id; -EPERM when it claims to be
 *                       another person or a service;
 *   any other key       `claimed` when it is a resident ("resident:..."),
 *                       else the user id.
 * *out points into `user` or `claimed` (NULL claimed is ""). */
int identity_recorded_actor(const char *user, const char *claimed, const char **out);

/* The channel a front-end's key serves: the key's id up to its first '-'
 * or '.' (key files frontend.<channel>[-<instance>] as docs/roles.md and
 * authz_frontend_channel() have it, so "frontend:wechat-2" serves "wechat";
 * "frontend:wechat.2" too). 0, or -EINVAL when `user` is not a front-end's
 * or the channel does not fit in len. */
int identity_frontend_channel(const char *user, char *out, size_t len);

/* Who took an action and on whose behalf (ROUTING.md section 10): the
 * principal is the person or system behind the key (a service vouches for
 * the actor it names), `on_behalf` the body or resident it acted for when
 * that is someone else ("" otherwise). `actor` is identity_recorded_actor's
 * answer for the same request. Both point into `user`, `claimed` or
 * `actor`. */
void identity_principal(const char *user, const char *claimed, const char *actor,
                        const char **principal, const char **on_behalf);

typedef enum {
    ACTOR_BODY = 0,
    ACTOR_OPERATOR,
    ACTOR_SERVICE,
    ACTOR_RESIDENT,
    ACTOR_FRONTEND,
    ACTOR_STAFF,
    ACTOR_ADMIN,
    ACTOR_KIND_COUNT
} actor_kind_t;

typedef struct {
    actor_kind_t kind;
    const char *id; /* into the parsed string: the body id or the name after the prefix */
} actor_t;

/* Parses an actor string. Returns 0, or -EINVAL for an empty string, a
 * known prefix with nothing after it, or any other text with a colon (an
 * unknown prefix; body ids have none). */
int actor_parse(const char *s, actor_t *out);
/* Writes kind + id as an actor string: 0, or -EINVAL when the id is empty
 * or has a colon where the kind allows none, or does not fit. */
int actor_format(actor_kind_t kind, const char *id, char *out, size_t len);
/* "operator:", "service:", ... ("" for a body). */
const char *actor_kind_prefix(actor_kind_t kind);

#endif
