/*
 * client.h - the CLI's blocking request/answer client: a DEALER socket,
 * one Envelope out, the answer with the same request id back, or a
 * timeout. Front-ends and operators are short-lived processes, so a plain
 * zmq_poll loop is simpler here than an event loop.
 */
#ifndef PETITION_CLIENT_H
#define PETITION_CLIENT_H

#include "sync_client.h"
#include "wire.h"

/* The CLI's client is lib/sync_client.h's, with a context of its own. */
typedef sync_client_t petition_client_t;

/* With keys_dir non-NULL the connection uses CURVE with our key
 * <identity>.key and the server's <server_identity>.pub from keys_dir;
 * unusable keys are said on stderr. */
int petition_client_open(petition_client_t *c, const char *endpoint, int timeout_ms,
                         const char *keys_dir, const char *identity, const char *server_identity);
/* Sends `req` and waits for its answer. Returns 0 with *answer (free with
 * wire_free), -ETIMEDOUT, or another negative errno. */
int petition_client_call(petition_client_t *c, envelope_t *req, wire_msg_t **answer);
void petition_client_close(petition_client_t *c);

/* Prints an Error answer (or an unexpected body) to stderr and returns the
 * CLI exit code for it; returns 0 when the answer has the expected body. */
int petition_check_answer(const envelope_t *ans, Liandong__V1__Envelope__BodyCase want);

#endif
