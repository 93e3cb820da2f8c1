/*
 * rpc.h - request/answer over ZeroMQ with Envelope messages.
 *
 * rpc_server: a ROUTER socket. Every incoming message is checked (frame
 * count, size, valid Envelope, body present) and bad ones are answered with
 * an Error envelope by the server itself, so a handler only sees
 * well-formed requests. A handler may answer at once or later (after a
 * database commit or another service's answer): the request object keeps
 * the peer's routing frames until rpc_request_answer()/rpc_request_fail().
 * The authenticated ZAP User-Id of the connection is captured for the
 * handler: identity comes from the key, never from the message.
 *
 * rpc_client: a DEALER socket with a table of requests in flight, each
 * with a deadline; an answer is matched by request id, a late answer is
 * dropped, an expired request gets its callback with -ETIMEDOUT.
 */
#ifndef LIANDONG_RPC_H
#define LIANDONG_RPC_H

#include <stdint.h>
#include <uv.h>

#include "wire.h"
#include "zuv.h"

typedef struct rpc_server rpc_server_t;
typedef struct rpc_request rpc_request_t;

typedef void (*rpc_handler_fn)(rpc_server_t *srv, rpc_request_t *req, void *ud);

int rpc_server_create(uv_loop_t *loop, void *zctx, const char *endpoint, size_t max_msg,
                      rpc_handler_fn fn, void *ud, rpc_server_t **out);
/* With endpoint NULL the socket is created but not bound: set socket
 * options (CURVE) through rpc_server_socket(), then rpc_server_listen(). */
int rpc_server_listen(rpc_server_t *srv, const char *endpoint);
/* Stops listening (and ends every connection) / listens again on the same
 * endpoint, after rpc_server_listen: a standby that must take no requests
 * (issue 17). 0 or a negative errno; each is a no-op when already so. */
int rpc_server_unbind(rpc_server_t *srv);
int rpc_server_rebind(rpc_server_t *srv);
zuv_socket_t *rpc_server_socket(rpc_server_t *srv);
void rpc_server_destroy(rpc_server_t **srv);
/* Requests received but not yet answered. */
size_t rpc_server_in_flight(const rpc_server_t *srv);

envelope_t *rpc_request_envelope(rpc_request_t *req);
const char *rpc_request_id(rpc_request_t *req);
/* Copies the sender's routing id (the first routing frame) into buf and
 * returns its length (0 when it does not fit): used to push unsolicited
 * messages to that peer later. */
size_t rpc_request_route(rpc_request_t *req, void *buf, size_t len);
/* The ZAP User-Id of the sender's connection ("" when CURVE is off). */
const char *rpc_request_user(rpc_request_t *req);
/* Answer and free the request. The answer is sent under the request's id;
 * `answer` itself is left as it was given (its request_id unchanged).
 * Returns 0 or a negative errno (the peer is gone); the request is freed
 * either way. */
int rpc_request_answer(rpc_request_t *req, envelope_t *answer);
int rpc_request_fail(rpc_request_t *req, Liandong__V1__ErrorCode code, const char *message);

typedef struct rpc_client rpc_client_t;
/* `status` is 0 with `answer` set (freed by the client after the callback,
 * unless the callback takes it with rpc_answer_take), or a negative errno
 * (-ETIMEDOUT, -ECANCELED at shutdown) with answer NULL. */
typedef void (*rpc_answer_fn)(int status, wire_msg_t *answer, void *ud);

int rpc_client_create(uv_loop_t *loop, void *zctx, const char *endpoint, size_t max_msg,
                      rpc_client_t **out);
/* With endpoint NULL the client is created unconnected: set socket options
 * (CURVE) through rpc_client_socket(), then rpc_client_connect(). An
 * endpoint may be a comma-separated list (lib/endpoints.h): requests then
 * go to one live peer each, and a request lost with a dying peer times out
 * (-ETIMEDOUT) for the caller to resend under the same request id
 * (rpc_client_call_as). */
int rpc_client_connect(rpc_client_t *c, const char *endpoint);
zuv_socket_t *rpc_client_socket(rpc_client_t *c);
/* Sends `req` (its request_id is assigned by the client) and calls `cb`
 * exactly once. Returns 0 or a negative errno (then cb is not called). */
int rpc_client_call(rpc_client_t *c, envelope_t *req, uint32_t timeout_ms, rpc_answer_fn cb,
                    void *ud);
/* The same, but under the caller's own request id `rid` (non-empty text of
 * at most WIRE_REQUEST_ID_MAX bytes, never one of the client's own ids; else
 * -EINVAL): what the server sees and deduplicates on. Answers with the same
 * rid go to the oldest such call first. */
int rpc_client_call_as(rpc_client_t *c, envelope_t *req, const char *rid, uint32_t timeout_ms,
                       rpc_answer_fn cb, void *ud);
size_t rpc_client_in_flight(const rpc_client_t *c);
/* Fails every pending call with -ECANCELED and closes the socket. */
void rpc_client_destroy(rpc_client_t **c);

#endif
