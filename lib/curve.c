/*
 * curve.c - key files, the ZAP handler and CURVE socket options (see
 * curve.h for the design and the fail-closed reasoning).
 */
#include "curve.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdint.h>
#include <zmq.h>

#include "authz.h"
#include "identity.h"
#include "log.h"
#include "zuv.h"

/* A draft option in Debian's libzmq 4.3.4 header, accepted at run time. */
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

typedef struct {
    char public_key[CURVE_KEY_Z85];
    char user[CURVE_USER_MAX];
} curve_entry_t;

struct curve_auth {
    zuv_socket_t *sock;
    uv_timer_t *timer;
    struct timespec dir_mtime;
    char *dir;
    curve_entry_t *entries;
    size_t n;
    unsigned long refused;
    uint64_t stream_conns; /* handshakes taken on a stream, for X-Conn */
    struct {
        char user[CURVE_USER_MAX];
        uint64_t until_ms;
    } bans[CURVE_STREAM_BANS];
};

/* Letters, digits, '_', '-' and (for a staff person's NAME@BODY_ID) '@':
 * they become file names and ZAP user ids. */
static int name_ok(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 80)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '@'))
            return 0;
    return 1;
}

static int key_ok(const char *z85)
{
    uint8_t bin[32];
    return strlen(z85) == 40 && zmq_z85_decode(bin, z85) != NULL;
}

/* Reads "public=..." and "secret=..." lines; missing lines stay empty. */
static int read_key_file(const char *path, curve_keypair_t *kp)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -errno;
    memset(kp, 0, sizeof(*kp));
    char line[256];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "public=", 7) == 0 && strlen(line + 7) == 40)
            memcpy(kp->public_key, line + 7, 41);
        else if (strncmp(line, "secret=", 7) == 0 && strlen(line + 7) == 40)
            memcpy(kp->secret_key, line + 7, 41);
    }
    fclose(f);
    if (!key_ok(kp->public_key) || (kp->secret_key[0] && !key_ok(kp->secret_key)))
        return -EINVAL;
    return 0;
}

int curve_keypair_create(const char *dir, const char *role, const char *id, curve_keypair_t *out)
{
    if (!name_ok(role) || !name_ok(id))
        return -EINVAL;
    curve_keypair_t kp;
    if (zmq_curve_keypair(kp.public_key, kp.secret_key) != 0)
        return -errno;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.%s.key", dir, role, id);
    /* The secret half is readable by its owner only. */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -errno;
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        return -errno;
    }
    fprintf(f, "public=%s\nsecret=%s\n", kp.public_key, kp.secret_key);
    if (fclose(f) != 0)
        return -errno;
    snprintf(path, sizeof path, "%s/%s.%s.pub", dir, role, id);
    f = fopen(path, "w");
    if (f == NULL)
        return -errno;
    fprintf(f, "public=%s\n", kp.public_key);
    if (fclose(f) != 0)
        return -errno;
    if (out)
        *out = kp;
    return 0;
}

int curve_keypair_load(const char *dir, const char *role, const char *id, int public_only,
                       curve_keypair_t *out)
{
    if (!name_ok(role) || !name_ok(id))
        return -EINVAL;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.%s.%s", dir, role, id, public_only ? "pub" : "key");
    int rc = read_key_file(path, out);
    if (rc == 0 && !public_only && out->secret_key[0] == '\0')
        return -EINVAL;
    return rc;
}

static int by_user(const void *x, const void *y)
{
    return strcmp(((const curve_entry_t *)x)->user, ((const curve_entry_t *)y)->user);
}

int curve_auth_reload(curve_auth_t *a)
{
    struct stat st;
    if (stat(a->dir, &st) == 0)
        a->dir_mtime = st.st_mtim;
    DIR *d = opendir(a->dir);
    if (d == NULL)
        return -errno;
    curve_entry_t *list = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".pub") != 0)
            continue;
        char stem[CURVE_USER_MAX];
        if (len - 4 >= sizeof stem)
            continue;
        memcpy(stem, de->d_name, len - 4);
        stem[len - 4] = '\0';
        char *dot = strchr(stem, '.');
        if (dot == NULL)
            continue;
        *dot = '\0';
        if (!name_ok(stem) || !name_ok(dot + 1))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", a->dir, de->d_name);
        curve_keypair_t kp;
        if (read_key_file(path, &kp) != 0) {
            log_warn(NULL, "ignoring unreadable key file %s", path);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            curve_entry_t *nl = realloc(list, cap * sizeof(*list));
            if (nl == NULL) {
                free(list);
                closedir(d);
                return -ENOMEM;
            }
            list = nl;
        }
        memcpy(list[n].public_key, kp.public_key, CURVE_KEY_Z85);
        /* user id "<role>:<id>": the file stem with its dot made a colon */
        *dot = ':';
        memcpy(list[n].user, stem, strlen(stem) + 1);
        n++;
    }
    closedir(d);
    /* Sorted by user id: every message's key is looked up by it
     * (curve_auth_user_active), connections only by public key. */
    if (n > 1)
        qsort(list, n, sizeof *list, by_user);
    free(a->entries);
    a->entries = list;
    a->n = n;
    return (int)n;
}

static const char *lookup(const curve_auth_t *a, const uint8_t *key32)
{
    char z85[CURVE_KEY_Z85];
    if (zmq_z85_encode(z85, key32, 32) == NULL)
        return NULL;
    for (size_t i = 0; i < a->n; i++)
        if (memcmp(a->entries[i].public_key, z85, 40) == 0)
            return a->entries[i].user;
    return NULL;
}

int curve_auth_user_active(const curve_auth_t *a, const char *user)
{
    if (a == NULL)
        return 1;
    if (user == NULL || a->n == 0)
        return 0;
    curve_entry_t key;
    if (snprintf(key.user, sizeof key.user, "%s", user) >= (int)sizeof key.user)
        return 0;
    return bsearch(&key, a->entries, a->n, sizeof key, by_user) != NULL;
}

static void on_reload_timer(uv_timer_t *t)
{
    curve_auth_t *a = t->data;
    struct stat st;
    if (stat(a->dir, &st) != 0)
        return;
    if (st.st_mtim.tv_sec == a->dir_mtime.tv_sec && st.st_mtim.tv_nsec == a->dir_mtime.tv_nsec)
        return;
    size_t before = a->n;
    int rc = curve_auth_reload(a);
    if (rc < 0)
        log_warn(NULL, "cannot re-read the keys in %s: %s", a->dir, strerror(-rc));
    else
        log_info(NULL, "keys in %s changed: %zu authorised (were %zu)", a->dir, a->n, before);
}

static void on_timer_closed(uv_handle_t *h)
{
    free(h);
}

int curve_auth_ban_stream(curve_auth_t *a, const char *user, unsigned seconds)
{
    if (a == NULL || user == NULL)
        return -EINVAL;
    uint64_t now = uv_hrtime() / 1000000u;
    size_t slot = 0;
    /* Reuse this user's slot, else the one that ends first. */
    for (size_t i = 0; i < CURVE_STREAM_BANS; i++) {
        if (strcmp(a->bans[i].user, user) == 0) {
            slot = i;
            break;
        }
        if (a->bans[i].until_ms < a->bans[slot].until_ms)
            slot = i;
    }
    snprintf(a->bans[slot].user, sizeof a->bans[slot].user, "%s", user);
    a->bans[slot].until_ms = now + (uint64_t)seconds * 1000u;
    return 0;
}

uint64_t curve_auth_stream_conns(const curve_auth_t *a)
{
    return a ? a->stream_conns : 0;
}

static int stream_banned(const curve_auth_t *a, const char *user)
{
    uint64_t now = uv_hrtime() / 1000000u;
    for (size_t i = 0; i < CURVE_STREAM_BANS; i++)
        if (a->bans[i].until_ms > now && strcmp(a->bans[i].user, user) == 0)
            return 1;
    return 0;
}

/* ZAP (RFC 27): request = version, request id, domain, address, identity,
 * mechanism, credentials...; reply = version, request id, status code,
 * status text, user id, metadata. */
static void on_zap(zuv_socket_t *s, zuv_message_t *m, void *ud)
{
    curve_auth_t *a = ud;
    const char *status = "400", *text = "bad request", *user = "";
    const void *reqid = "";
    size_t reqid_len = 0;
    if (m->nframes >= 6 && !m->truncated) {
        reqid = zmq_msg_data(&m->frames[1]);
        reqid_len = zmq_msg_size(&m->frames[1]);
        zmq_msg_t *domain = &m->frames[2], *mech = &m->frames[5];
        int stream =
            zmq_msg_size(domain) == strlen(CURVE_ZAP_DOMAIN_STREAM) &&
            memcmp(zmq_msg_data(domain), CURVE_ZAP_DOMAIN_STREAM, zmq_msg_size(domain)) == 0;
        int domain_ok =
            stream || (zmq_msg_size(domain) == strlen(CURVE_ZAP_DOMAIN) &&
                       memcmp(zmq_msg_data(domain), CURVE_ZAP_DOMAIN, zmq_msg_size(domain)) == 0);
        int curve = zmq_msg_size(mech) == 5 && memcmp(zmq_msg_data(mech), "CURVE", 5) == 0;
        const char *found = NULL;
        if (domain_ok && curve && m->nframes == 7 && zmq_msg_size(&m->frames[6]) == 32)
            found = lookup(a, zmq_msg_data(&m->frames[6]));
        if (found && stream && !authz_stream_allowed(identity_role(found, NULL))) {
            /* The streams carry every case's events: not for every key. */
            text = "this role may not subscribe to the streams";
            a->refused++;
            log_warn(NULL, "refused %s on a stream: its role may not subscribe", found);
        } else if (found && stream && stream_banned(a, found)) {
            /* It flooded a stream with subscriptions (stream_pub.h). */
            text = "shut out of the streams for a while: too many subscriptions";
            a->refused++;
            log_refusal(LOG_REFUSED_HANDSHAKE, "refused a stream handshake: key shut out");
        } else if (found) {
            status = "200";
            text = "OK";
            user = found;
        } else {
            status = "400";
            text = "unknown key";
            a->refused++;
            log_refusal(LOG_REFUSED_HANDSHAKE, "refused a connection with an unknown key");
        }
    }
    /* On a stream, each connection gets a number of its own in its
     * metadata (X-Conn, ZMTP property format): the publisher counts a
     * peer's subscriptions by it (stream_pub.h). */
    unsigned char meta[64];
    size_t mlen = 0;
    if (m->nframes >= 3 && strcmp(status, "200") == 0 &&
        zmq_msg_size(&m->frames[2]) == strlen(CURVE_ZAP_DOMAIN_STREAM) &&
        memcmp(zmq_msg_data(&m->frames[2]), CURVE_ZAP_DOMAIN_STREAM,
               strlen(CURVE_ZAP_DOMAIN_STREAM)) == 0) {
        char num[24];
        int nl = snprintf(num, sizeof num, "%llu", (unsigned long long)++a->stream_conns);
        meta[0] = (unsigned char)strlen(CURVE_CONN_PROPERTY);
        memcpy(meta + 1, CURVE_CONN_PROPERTY, meta[0]);
        mlen = 1 + meta[0];
        meta[mlen++] = 0;
        meta[mlen++] = 0;
        meta[mlen++] = 0;
        meta[mlen++] = (unsigned char)nl;
        memcpy(meta + mlen, num, (size_t)nl);
        mlen += (size_t)nl;
    }
    const void *bufs[6] = {"1.0", reqid, status, text, user, meta};
    size_t lens[6] = {3, reqid_len, 3, strlen(text), strlen(user), mlen};
    int rc = zuv_socket_send(s, bufs, lens, 6);
    if (rc < 0)
        log_error(NULL, "ZAP reply failed: %s", zmq_strerror(-rc));
}

int curve_auth_start(uv_loop_t *loop, void *zctx, const char *dir, curve_auth_t **out)
{
    curve_auth_t *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return -ENOMEM;
    a->dir = strdup(dir);
    int rc = a->dir ? curve_auth_reload(a) : -ENOMEM;
    if (rc >= 0)
        rc = zuv_socket_create(loop, zctx, ZMQ_REP, 4096, &a->sock);
    if (rc >= 0)
        rc = zuv_socket_bind(a->sock, "inproc://zeromq.zap.01");
    if (rc >= 0)
        rc = zuv_socket_start(a->sock, ZUV_MAX_FRAMES, on_zap, a);
    if (rc >= 0) {
        a->timer = malloc(sizeof *a->timer);
        rc = a->timer ? 0 : -ENOMEM;
    }
    if (rc >= 0) {
        uv_timer_init(loop, a->timer);
        a->timer->data = a;
        uv_timer_start(a->timer, on_reload_timer, CURVE_RELOAD_MS, CURVE_RELOAD_MS);
    }
    if (rc < 0) {
        curve_auth_stop(&a);
        return rc;
    }
    log_info(NULL, "CURVE on: %zu authorised keys from %s", a->n, dir);
    *out = a;
    return 0;
}

size_t curve_auth_count(const curve_auth_t *a)
{
    return a ? a->n : 0;
}

unsigned long curve_auth_refused(const curve_auth_t *a)
{
    return a ? a->refused : 0;
}

void curve_auth_stop(curve_auth_t **ap)
{
    if (ap == NULL || *ap == NULL)
        return;
    curve_auth_t *a = *ap;
    *ap = NULL;
    zuv_socket_close(&a->sock);
    if (a->timer) {
        uv_timer_stop(a->timer);
        uv_close((uv_handle_t *)a->timer, on_timer_closed);
    }
    free(a->entries);
    free(a->dir);
    free(a);
}

int curve_server_setup(void *zsock, const curve_keypair_t *server)
{
    int one = 1;
    if (zmq_setsockopt(zsock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(zsock, ZMQ_CURVE_SECRETKEY, server->secret_key, 40) != 0 ||
        zmq_setsockopt(zsock, ZMQ_ZAP_DOMAIN, CURVE_ZAP_DOMAIN, strlen(CURVE_ZAP_DOMAIN)) != 0)
        return -errno;
    /* Without enforcement libzmq admits clients when no handler answers. */
    if (zmq_setsockopt(zsock, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one) != 0)
        return -errno;
    return 0;
}

int curve_stream_setup(void *zsock, const curve_keypair_t *server)
{
    int rc = curve_server_setup(zsock, server);
    if (rc == 0 && zmq_setsockopt(zsock, ZMQ_ZAP_DOMAIN, CURVE_ZAP_DOMAIN_STREAM,
                                  strlen(CURVE_ZAP_DOMAIN_STREAM)) != 0)
        return -errno;
    return rc;
}

int curve_client_setup(void *zsock, const curve_keypair_t *client, const char *server_public)
{
    if (!key_ok(server_public))
        return -EINVAL;
    if (zmq_setsockopt(zsock, ZMQ_CURVE_SERVERKEY, server_public, 40) != 0 ||
        zmq_setsockopt(zsock, ZMQ_CURVE_PUBLICKEY, client->public_key, 40) != 0 ||
        zmq_setsockopt(zsock, ZMQ_CURVE_SECRETKEY, client->secret_key, 40) != 0)
        return -errno;
    return 0;
}
