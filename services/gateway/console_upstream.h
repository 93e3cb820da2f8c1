/*
 * console_upstream.h - the console's requests to the ledger and the router,
 * sent AS THE PERSON logged in: each call uses that person's own CURVE key
 * (keys directory, <principal>.key), so the services' role table
 * (lib/authz.c), their scope rules and the events' actor apply to a web
 * user exactly as to the same person's CLI; the console is trusted with
 * nothing a person could not do. One blocking DEALER per call (the CURVE
 * handshake costs about a millisecond on loopback), from whichever HTTP
 * worker thread serves the page.
 */
#ifndef CONSOLE_UPSTREAM_H
#define CONSOLE_UPSTREAM_H

#include <stddef.h>

#include "wire.h"

typedef enum { UP_LEDGER = 0, UP_ROUTER, UP_DESK } console_upstream_t;

typedef struct {
    const char *ledger; /* endpoints */
    const char *router; /* the router's front socket (escalate, dispatch) */
    const char *desk;   /* the router's desk socket (a body's staff acts there) */
    const char *keys_dir;
    const char *ledger_identity; /* service.ledger */
    const char *router_identity; /* service.router */
    int insecure;                /* CURVE off: loopback development only */
    int timeout_ms;
} console_upstream_cfg_t;

/* Sends `req` as `principal` (role.id) and waits for the answer. Returns 0
 * with *answer (wire_free it) when its body is `want`; otherwise a
 * negative errno with a reason for the person in err (the service's own
 * message for an Error answer; *code gets its ErrorCode, or
 * ERROR_UNAVAILABLE when nothing answered). */
int console_call(const console_upstream_cfg_t *cfg, const char *principal, console_upstream_t to,
                 envelope_t *req, Liandong__V1__Envelope__BodyCase want, wire_msg_t **answer,
                 int *code, char *err, size_t errlen);
void console_upstream_fini(void);

#endif
