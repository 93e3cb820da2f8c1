/*
 * gateway.h - what every handler of the gateway may read: the upstream
 * settings (the router and the ledger), the Open311 api_keys, and the
 * names the gateway acts under. Filled once by main.c before the server
 * starts, read-only afterwards (handlers run on many threads at once).
 */
#ifndef GATEWAY_GATEWAY_H
#define GATEWAY_GATEWAY_H

#include <stddef.h>

#include "api_keys.h"
#include "upstream.h"

typedef struct gateway gateway_t;

struct gateway {
    upstream_config_t upstream;
    const api_keys_t *api_keys;  /* Open311 api_key -> channel (may be NULL: none) */
    const char *frontend_suffix; /* --frontend-id: "" or "gw" (key frontend.hotline-gw) */
    const char *base_url;        /* "http://127.0.0.1:7380": links in Open311 discovery */
};

/* The key the gateway acts with for `channel`: "frontend.<channel>", or
 * "frontend.<channel>-<suffix>" with --frontend-id (the router takes the
 * channel from the part before '-', docs/roles.md). Returns 0 or
 * -ENAMETOOLONG. */
int gateway_frontend_identity(const gateway_t *gw, const char *channel, char *out, size_t len);

#endif
