/*
 * listen_addr.c - "HOST:PORT" / "[V6]:PORT" into a socket address (see
 * listen_addr.h).
 */
#include "listen_addr.h"

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

int listen_addr_parse(const char *listen, struct sockaddr_storage *sa, int *v6, uint16_t *port)
{
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || colon == listen || (size_t)(colon - listen) >= sizeof host)
        return -EINVAL;
    const char *h = listen;
    size_t hl = (size_t)(colon - listen);
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    char *end = NULL;
    long p = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || p <= 0 || p > 65535)
        return -EINVAL;
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || ai == NULL)
        return -EINVAL;
    memset(sa, 0, sizeof *sa);
    memcpy(sa, ai->ai_addr, ai->ai_addrlen);
    *v6 = ai->ai_family == AF_INET6;
    if (port != NULL)
        *port = (uint16_t)p;
    freeaddrinfo(ai);
    return 0;
}
