/*
 * authz.h - the one authorisation table: which role may send which request
 * on which socket, and the scope rules that go with it (docs/roles.md).
 *
 * Every CURVE key belongs to one principal of one role (identity.h: the
 * ZAP user id "<role>:<id>"). The services look up the request type and
 * the role of the key a message arrived with, never a field the client
 * fills in, and answer FORBIDDEN when the table says no. Scopes the table
 * cannot express by role alone are stated here and enforced where the data
 * is:
 *   - CreateCase comes only from the router service (service:router);
 *   - a front-end submits only on the channel its key is bound to
 *     (frontend.<channel> or frontend.<channel>-<instance>), and reads only
 *     that channel's cases;
 *   - a body's desk and its staff read and act on the cases the body holds
 *     or is copied on, for that body only;
 *   - operators read every case; figures are for operators, administrators
 *     and services; the registry is changed by administrators only.
 * With CURVE off (development only) there is no role (ROLE_NONE) and the
 * table is not applied.
 */
#ifndef LIANDONG_AUTHZ_H
#define LIANDONG_AUTHZ_H

#include <stddef.h>

#include "domain.h"
#include "identity.h"
#include "wire.h"

/* The sockets that take requests. */
typedef enum { AUTHZ_LEDGER = 0, AUTHZ_FRONT, AUTHZ_DESK, AUTHZ_SOCKET_COUNT } authz_socket_t;

/* 1 when `role` may send `body` on `socket` (ROLE_NONE: always; a payload
 * the socket does not serve: 1, so the socket answers UNKNOWN_TYPE). */
int authz_allowed(authz_socket_t socket, Liandong__V1__Envelope__BodyCase body, role_t role);

/* 0 when the key `user` may send `body` on `socket`; else -EPERM with the
 * reason in why. Adds the rules on the principal that go beyond its role
 * (CreateCase only from service:router). */
int authz_check(authz_socket_t socket, const envelope_t *env, const char *user, char *why,
                size_t len);

/* The channel a front-end's key is bound to, from its id ("wechat",
 * "wechat-2"), or -EINVAL when the id names no channel. */
int authz_frontend_channel(const char *frontend_id);

/* 1 when `role` may subscribe to the event or alert streams. Only
 * services and operators: a body hears its own alerts on the router's desk
 * socket, never on a stream (why: docs/roles.md; lib/stream_pub.h). */
int authz_stream_allowed(role_t role);

/* "service", "frontend", "body", "staff", "operator", "admin", "none",
 * "unknown": the label of a role in logs and metrics. */
const char *authz_role_name(role_t role);

/* Logs a refusal (who, what, why) at most AUTHZ_LOG_PER_SEC times a
 * second per process, then a count of what was left out: a flood of
 * refused requests must not flood the log. */
#define AUTHZ_LOG_PER_SEC 20
void authz_log_refusal(const char *service, const char *user, const char *request, const char *why);

#endif
