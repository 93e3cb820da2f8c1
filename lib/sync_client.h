/*
 * sync_client.h - a blocking request/answer client over one ZeroMQ DEALER
 * socket: one Envelope out, the answer with the same request id back, or a
 * timeout. Used where a thread may simply wait (the petition CLI, the
 * gateway's HTTP worker threads, each with clients of its own: a ZeroMQ
 * socket must never be shared between threads).
 */
#ifndef LIANDONG_SYNC_CLIENT_H
#define LIANDONG_SYNC_CLIENT_H

#include "wire.h"

typedef struct {
    void *zctx;
    int own_ctx; /* zctx created by sync_client_open, terminated by close */
    void *sock;
    int timeout_ms;
    unsigned long seq;
    char rid_prefix[48];
} sync_client_t;

/* Connects to `endpoint`. zctx may be NULL (a context of its own is made).
 * With keys_dir non-NULL the connection uses CURVE with our key
 * <identity>.key and the server's <server_identity>.pub from keys_dir
 * (-ENOKEY when either is missing or unusable).
 * rid_prefix names the request ids ("cli-PID", "gw-3"); answers are
 * matched by id, so a late answer to an earlier timed-out request is
 * dropped, never taken for the current one. */
int sync_client_open(sync_client_t *c, void *zctx, const char *endpoint, int timeout_ms,
                     const char *keys_dir, const char *identity, const char *server_identity,
                     const char *rid_prefix);
/* Sends `req` and waits for its answer. Its request_id is the caller's
 * when set (an idempotent action: the ledger answers a repeated id with
 * the first outcome), else one of ours.
 * Returns 0 with *answer (free with wire_free), -ETIMEDOUT, or another
 * negative errno. */
int sync_client_call(sync_client_t *c, envelope_t *req, wire_msg_t **answer);
void sync_client_close(sync_client_t *c);

#endif
