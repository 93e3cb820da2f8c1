/*
 * listen_addr.h - an HTTP listen address from configuration ("HOST:PORT"
 * or "[V6]:PORT"), shared by the ledger's /metrics and the gateway.
 */
#ifndef LIANDONG_LISTEN_ADDR_H
#define LIANDONG_LISTEN_ADDR_H

#include <stdint.h>
#include <sys/socket.h>

/* Into a socket address, numeric host and port only (no DNS lookup for a
 * configuration value); *v6 says IPv6; *port gets the port when port is
 * non-NULL. Returns 0 or -EINVAL. */
int listen_addr_parse(const char *listen, struct sockaddr_storage *sa, int *v6, uint16_t *port);

#endif
