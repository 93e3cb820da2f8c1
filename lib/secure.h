/*
 * secure.h - one switch for a process's sockets: CurveZMQ with keys from a
 * directory (see curve.h), or, only when asked for explicitly, plain TCP
 * for loopback development with a loud warning.
 *
 * A process has one identity (<role>.<id>, e.g. service.router or
 * body.PC-YH). Servers also run the ZAP handler that authorises every
 * *.pub in the directory; clients name the server whose public key they
 * expect.
 */
#ifndef LIANDONG_SECURE_H
#define LIANDONG_SECURE_H

#include <uv.h>

#include "curve.h"
#include "wire.h"

typedef struct {
    int enabled;
    char dir[512];
    char identity[CURVE_USER_MAX]; /* "role.id" */
    curve_keypair_t self;
    curve_auth_t *auth; /* servers only */
} secure_t;

/* `identity` is "role.id". With insecure set, CURVE is off and a warning is
 * logged; otherwise dir must hold <identity>.key. `serve` starts the ZAP
 * handler (before any server socket is bound). */
int secure_init(secure_t *s, uv_loop_t *loop, void *zctx, const char *dir, const char *identity,
                int serve, int insecure);
int secure_server_socket(secure_t *s, void *zsock);
/* A stream (PUB) socket: only roles authz_stream_allowed() names connect. */
int secure_stream_socket(secure_t *s, void *zsock);
/* 0 when the key `user` may send `env` on `socket` (authz.h) and has not
 * been revoked since it connected; else -EPERM with the reason in why. */
int secure_authorize(const secure_t *s, int socket, const envelope_t *env, const char *user,
                     char *why, size_t len);
/* `server` is the server's identity ("service.ledger"). */
int secure_client_socket(secure_t *s, void *zsock, const char *server);
void secure_fini(secure_t *s);

/* Splits "role.id" into its parts; returns 0 or -EINVAL. */
int secure_split_identity(const char *identity, char *role, size_t rlen, char *id, size_t idlen);

#endif
