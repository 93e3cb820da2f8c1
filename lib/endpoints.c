/*
 * endpoints.c - comma-separated endpoint lists (see endpoints.h).
 */
#include "endpoints.h"

#include <errno.h>
#include <string.h>
#include <zmq.h>

int endpoints_split(const char *list, char out[][ENDPOINT_MAX], size_t max)
{
    if (list == NULL)
        return -EINVAL;
    size_t n = 0;
    const char *p = list;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len > 0 && *p == ' ') {
            p++;
            len--;
        }
        while (len > 0 && p[len - 1] == ' ')
            len--;
        if (len == 0 || len >= ENDPOINT_MAX || n == max)
            return -EINVAL;
        memcpy(out[n], p, len);
        out[n][len] = '\0';
        n++;
        if (end == NULL)
            return (int)n;
        p = end + 1;
    }
}

int endpoints_connect(void *zsock, const char *list)
{
    char eps[ENDPOINTS_MAX][ENDPOINT_MAX];
    int n = endpoints_split(list, eps, ENDPOINTS_MAX);
    if (n < 0)
        return n;
    if (n > 1) {
        /* Without ZMQ_IMMEDIATE a DEALER keeps a queue for a peer that is
         * gone and goes on dealing requests into it, where they wait for
         * a reconnection that may never come: one request in two would
         * hang while one router is down. With it, requests go only to
         * connections that are up (and wait, bounded by the caller's
         * timeout, while none is). One endpoint keeps libzmq's default,
         * so a single service's clients behave as before. */
        int one = 1;
        if (zmq_setsockopt(zsock, ZMQ_IMMEDIATE, &one, sizeof one) != 0)
            return -errno;
        /* The other service may be a standby that binds only when it takes
         * over (a ledger, issue 17): by then the reconnection attempts to
         * its port have backed off to ZMQ_RECONNECT_IVL_MAX (5 s in
         * lib/zuv.c), and that wait was most of a takeover's silence
         * (3.8 s of it measured). Attempting every second at most costs a
         * refused connection a second while it stands by. */
        int ivl_max = ENDPOINTS_RECONNECT_MAX_MS;
        if (zmq_setsockopt(zsock, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max) != 0)
            return -errno;
    }
    for (int i = 0; i < n; i++)
        if (zmq_connect(zsock, eps[i]) != 0)
            return -errno;
    return n;
}
