/*
 * curve.h - CurveZMQ on every TCP socket, with a ZAP handler that maps each
 * client's public key to a role and an id, and refuses unknown keys.
 *
 * Keys live in a directory (LIANDONG_KEYS, default deploy/keys or var/keys):
 *   <role>.<id>.key   a key pair: two lines "public=Z85" and "secret=Z85"
 *   <role>.<id>.pub   the public half: one line "public=Z85"
 * A server loads its own <role>.<id>.key and authorises every *.pub in the
 * directory as the user id "<role>:<id>" (roles: service, frontend, body,
 * operator). A body's identity is therefore its key, never a field the
 * client writes. Clients load their own .key and the server's .pub.
 *
 * libzmq lets a CURVE server accept any client when no ZAP handler answers
 * ("fails open"), so servers set ZMQ_ZAP_DOMAIN and ZMQ_ZAP_ENFORCE_DOMAIN
 * and the handler is bound before any server socket: with enforcement, a
 * missing handler refuses the connection instead of admitting it.
 */
#ifndef LIANDONG_CURVE_H
#define LIANDONG_CURVE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define CURVE_KEY_Z85 41 /* 40 characters + NUL */
#define CURVE_USER_MAX 128
#define CURVE_ZAP_DOMAIN "liandong"
/* The domain of the event and alert streams (PUB sockets): the handler
 * admits only the roles authz_stream_allowed() names there. */
#define CURVE_ZAP_DOMAIN_STREAM "liandong-stream"
/* How often the handler looks for new and revoked keys. */
#define CURVE_RELOAD_MS 500

typedef struct {
    char public_key[CURVE_KEY_Z85];
    char secret_key[CURVE_KEY_Z85];
} curve_keypair_t;

/* Generates a key pair and writes <dir>/<role>.<id>.key (mode 0600) and
 * <dir>/<role>.<id>.pub. Refuses role/id with characters outside
 * [A-Za-z0-9_-] (they become file names). */
int curve_keypair_create(const char *dir, const char *role, const char *id, curve_keypair_t *out);
/* Loads <dir>/<role>.<id>.key, or just the public half from .pub
 * (secret_key left empty). */
int curve_keypair_load(const char *dir, const char *role, const char *id, int public_only,
                       curve_keypair_t *out);

typedef struct curve_auth curve_auth_t;
/* Binds the ZAP handler in `zctx` and loads the authorised keys from dir.
 * Must run before any CURVE server socket is bound. */
int curve_auth_start(uv_loop_t *loop, void *zctx, const char *dir, curve_auth_t **out);
/* Re-reads the directory (new and revoked keys). The handler also does so
 * by itself whenever the directory changes (checked every CURVE_RELOAD_MS),
 * so `petition keys revoke` needs no restart. Returns the number of keys
 * or a negative errno. */
int curve_auth_reload(curve_auth_t *a);
/* 1 when the ZAP user id `user` still has a key in the directory. ZAP runs
 * once per connection: services ask this for every message, so that a
 * revoked key's open connection is refused too. With a == NULL (CURVE off)
 * always 1. */
int curve_auth_user_active(const curve_auth_t *a, const char *user);
size_t curve_auth_count(const curve_auth_t *a);
unsigned long curve_auth_refused(const curve_auth_t *a);
/* Shuts `user` out of the streams for `seconds`: its stream handshakes are
 * refused until then (a publisher cut it off for flooding; stream_pub.h).
 * At most CURVE_STREAM_BANS at once; the one ending first makes room. */
#define CURVE_STREAM_BANS 32
int curve_auth_ban_stream(curve_auth_t *a, const char *user, unsigned seconds);
/* The metadata property naming a stream connection ("1", "2"...), set by
 * the ZAP handler and read with zmq_msg_gets. */
#define CURVE_CONN_PROPERTY "X-Conn"
/* The highest X-Conn given so far (0: none). */
uint64_t curve_auth_stream_conns(const curve_auth_t *a);
void curve_auth_stop(curve_auth_t **a);

/* Socket options for a CURVE server / client; call before bind/connect. */
int curve_server_setup(void *zsock, const curve_keypair_t *server);
/* The same for a stream (PUB) socket: ZAP domain CURVE_ZAP_DOMAIN_STREAM. */
int curve_stream_setup(void *zsock, const curve_keypair_t *server);
int curve_client_setup(void *zsock, const curve_keypair_t *client, const char *server_public);

#endif
