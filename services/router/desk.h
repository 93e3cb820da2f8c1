/*
 * desk.h - delivery of cases to department systems on the router's desk
 * socket (ROUTER; each department a DEALER authenticated by its body key).
 *
 * The router keeps no delivery state a crash could lose: what a body has
 * not acknowledged lives in the ledger. For each attached body the router
 * remembers only the connection and which deliveries it pushed when, to
 * push each pending case once per redelivery interval, in assignment order,
 * until the department acknowledges it (CaseAction ACTION_DELIVERED).
 */
#ifndef LIANDONG_DESK_H
#define LIANDONG_DESK_H

#include <stddef.h>
#include <stdint.h>

struct router;
typedef struct desk desk_t;

int desk_create(struct router *r, desk_t **out);
void desk_destroy(desk_t **d);
/* Something may be pending for this body (a case was just assigned). */
void desk_poke(desk_t *d, const char *body_id);
size_t desk_attached(const desk_t *d);
/* Sends an already packed Envelope to body's desk if one is attached;
 * 0 when sent, -ENOENT when no desk of that body is attached. */
int desk_push_raw(desk_t *d, const char *body_id, const void *buf, size_t len);
/* ZMTP heartbeats on the desk socket, so a department that vanished
 * without closing is noticed (its pushes then fail with EHOSTUNREACH). */
int desk_heartbeat(void *zsock);

#endif
