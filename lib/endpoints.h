/*
 * endpoints.h - a client connects to one endpoint or to a comma-separated
 * list of them ("tcp://a:7311,tcp://b:7311"): the same service run twice,
 * either of which may die (issue 17). A DEALER connected to several sends
 * each request to one live peer in turn; what a dying peer took is lost
 * with it, and the caller resends it under the same request id, which the
 * receiving side deduplicates.
 */
#ifndef LIANDONG_ENDPOINTS_H
#define LIANDONG_ENDPOINTS_H

#include <stddef.h>

/* At most this many endpoints in a list, each at most ENDPOINT_MAX - 1 bytes. */
#define ENDPOINTS_MAX 8
#define ENDPOINT_MAX 256

/* Splits `list` at commas into out[0..n). Spaces around an endpoint are
 * ignored. Returns n (1..max), or -EINVAL for an empty list, an empty or
 * too long endpoint, or more than `max` of them. */
int endpoints_split(const char *list, char out[][ENDPOINT_MAX], size_t max);

/* With several endpoints, the longest wait between reconnection attempts
 * to one that is not up (a standby that binds when it takes over). */
#define ENDPOINTS_RECONNECT_MAX_MS 1000

/* Connects the ZeroMQ socket `zsock` to every endpoint of `list` and
 * returns how many (or a negative errno; -EINVAL as above). With more than
 * one, ZMQ_IMMEDIATE and ZMQ_RECONNECT_IVL_MAX (ENDPOINTS_RECONNECT_MAX_MS)
 * are set first: see endpoints.c. */
int endpoints_connect(void *zsock, const char *list);

#endif
