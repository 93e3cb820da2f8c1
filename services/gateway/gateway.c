/*
 * gateway.c - small helpers over the gateway's shared settings (gateway.h).
 */
#include "gateway.h"

#include <errno.h>
#include <stdio.h>

int gateway_frontend_identity(const gateway_t *gw, const char *channel, char *out, size_t len)
{
    const char *sfx = gw->frontend_suffix ? gw->frontend_suffix : "";
    int n = *sfx ? snprintf(out, len, "frontend.%s-%s", channel, sfx)
                 : snprintf(out, len, "frontend.%s", channel);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
