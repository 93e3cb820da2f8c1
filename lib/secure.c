/*
 * secure.c - CURVE on or (explicitly) off for a process (see secure.h).
 */
#include "secure.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "authz.h"
#include "log.h"

int secure_split_identity(const char *identity, char *role, size_t rlen, char *id, size_t idlen)
{
    const char *dot = identity ? strchr(identity, '.') : NULL;
    if (dot == NULL || dot == identity || dot[1] == '\0' || (size_t)(dot - identity) >= rlen ||
        strlen(dot + 1) >= idlen)
        return -EINVAL;
    memcpy(role, identity, (size_t)(dot - identity));
    role[dot - identity] = '\0';
    memcpy(id, dot + 1, strlen(dot + 1) + 1);
    return 0;
}

int secure_init(secure_t *s, uv_loop_t *loop, void *zctx, const char *dir, const char *identity,
                int serve, int insecure)
{
    memset(s, 0, sizeof(*s));
    if (insecure) {
        log_warn(NULL, "CURVE IS OFF (--insecure): traffic is neither encrypted nor "
                       "authenticated; use only on loopback for development");
        return 0;
    }
    if (dir == NULL || *dir == '\0' || strlen(dir) >= sizeof s->dir)
        return -EINVAL;
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    snprintf(s->identity, sizeof s->identity, "%s", identity ? identity : "");
    char role[CURVE_USER_MAX], id[CURVE_USER_MAX];
    int rc = secure_split_identity(identity, role, sizeof role, id, sizeof id);
    if (rc == 0)
        rc = curve_keypair_load(dir, role, id, 0, &s->self);
    if (rc < 0) {
        log_error(NULL, "cannot load the key pair %s/%s.key: %s", dir, identity ? identity : "?",
                  strerror(-rc));
        return rc;
    }
    if (serve && (rc = curve_auth_start(loop, zctx, dir, &s->auth)) < 0) {
        log_error(NULL, "cannot start the ZAP handler: %s", zmq_strerror(-rc));
        return rc;
    }
    s->enabled = 1;
    return 0;
}

int secure_server_socket(secure_t *s, void *zsock)
{
    return s->enabled ? curve_server_setup(zsock, &s->self) : 0;
}

int secure_stream_socket(secure_t *s, void *zsock)
{
    return s->enabled ? curve_stream_setup(zsock, &s->self) : 0;
}

int secure_authorize(const secure_t *s, int socket, const envelope_t *env, const char *user,
                     char *why, size_t len)
{
    if (!s->enabled)
        return 0;
    if (!curve_auth_user_active(s->auth, user)) {
        snprintf(why, len, "the key of %s has been revoked", user && *user ? user : "?");
        return -EPERM;
    }
    return authz_check((authz_socket_t)socket, env, user, why, len);
}

int secure_client_socket(secure_t *s, void *zsock, const char *server)
{
    if (!s->enabled)
        return 0;
    char role[CURVE_USER_MAX], id[CURVE_USER_MAX];
    curve_keypair_t srv;
    int rc = secure_split_identity(server, role, sizeof role, id, sizeof id);
    if (rc == 0)
        rc = curve_keypair_load(s->dir, role, id, 1, &srv);
    if (rc < 0) {
        log_error(NULL, "cannot load the public key of %s from %s: %s", server, s->dir,
                  strerror(-rc));
        return rc;
    }
    return curve_client_setup(zsock, &s->self, srv.public_key);
}

void secure_fini(secure_t *s)
{
    curve_auth_stop(&s->auth);
}
