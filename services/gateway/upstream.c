/*
 * upstream.c - a worker thread's clients, one per (target, identity), at
 * most UPSTREAM_SLOTS of them (see upstream.h).
 */
#include "upstream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curve.h"
#include "log.h"
#include "sync_client.h"

/* Identities one worker talks as: a handful of channels plus a service
 * key or two. Past it the least recently used client is closed. */
#define UPSTREAM_SLOTS 8

typedef struct {
    int open;
    upstream_target_t target;
    char identity[CURVE_USER_MAX];
    unsigned long last_used;
    sync_client_t client;
} upstream_slot_t;

struct upstream {
    const upstream_config_t *cfg;
    unsigned worker_no;
    unsigned long tick;
    upstream_slot_t slots[UPSTREAM_SLOTS];
};

int upstream_new(const upstream_config_t *cfg, unsigned worker_no, upstream_t **out)
{
    upstream_t *u = calloc(1, sizeof *u);
    if (u == NULL)
        return -ENOMEM;
    u->cfg = cfg;
    u->worker_no = worker_no;
    *out = u;
    return 0;
}

static void slot_close(upstream_slot_t *s)
{
    if (s->open)
        sync_client_close(&s->client);
    s->open = 0;
}

static int slot_for(upstream_t *u, upstream_target_t target, const char *identity,
                    upstream_slot_t **out)
{
    upstream_slot_t *victim = &u->slots[0];
    for (size_t i = 0; i < UPSTREAM_SLOTS; i++) {
        upstream_slot_t *s = &u->slots[i];
        if (s->open && s->target == target && strcmp(s->identity, identity) == 0) {
            *out = s;
            return 0;
        }
        if (!s->open || (victim->open && s->last_used < victim->last_used))
            victim = s;
    }
    slot_close(victim);
    if (strlen(identity) >= sizeof victim->identity)
        return -EINVAL;
    const upstream_config_t *c = u->cfg;
    char prefix[32];
    snprintf(prefix, sizeof prefix, "gw%u-%c", u->worker_no, target == UPSTREAM_ROUTER ? 'r' : 'l');
    int rc = sync_client_open(
        &victim->client, c->zctx, target == UPSTREAM_ROUTER ? c->router : c->ledger, c->timeout_ms,
        c->keys, identity, target == UPSTREAM_ROUTER ? c->router_identity : c->ledger_identity,
        prefix);
    if (rc < 0) {
        sync_client_close(&victim->client);
        if (rc == -ENOKEY)
            log_error(NULL, "no usable CURVE key %s (or the server's) in %s", identity, c->keys);
        return rc;
    }
    victim->open = 1;
    victim->target = target;
    snprintf(victim->identity, sizeof victim->identity, "%s", identity);
    *out = victim;
    return 0;
}

int upstream_call(upstream_t *u, upstream_target_t target, const char *identity, envelope_t *req,
                  wire_msg_t **answer)
{
    upstream_slot_t *s = NULL;
    int rc = slot_for(u, target, identity, &s);
    if (rc < 0)
        return rc;
    s->last_used = ++u->tick;
    rc = sync_client_call(&s->client, req, answer);
    if (rc < 0)
        slot_close(s); /* a fresh connection next time: no late answer waits in it */
    return rc;
}

void upstream_destroy(upstream_t **pu)
{
    upstream_t *u = *pu;
    if (u == NULL)
        return;
    for (size_t i = 0; i < UPSTREAM_SLOTS; i++)
        slot_close(&u->slots[i]);
    free(u);
    *pu = NULL;
}
