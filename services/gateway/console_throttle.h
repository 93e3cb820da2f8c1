/*
 * console_throttle.h - login throttling. Failed logins are counted per key
 * (the account name, and separately the client's address) in a window;
 * once a key reaches its limit every login for it is refused, without
 * checking the password, until the window has passed. Per account stops
 * guessing one person's password from many addresses; per address stops
 * one machine trying many accounts. The table is bounded (the oldest
 * entry makes room), shared by the worker threads (mutex).
 */
#ifndef CONSOLE_THROTTLE_H
#define CONSOLE_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct console_throttle console_throttle_t;

int throttle_new(size_t capacity, unsigned limit, int window_s, int64_t (*now)(void),
                 console_throttle_t **out);
void throttle_destroy(console_throttle_t **t);
/* 0 when a login for `key` may be tried now, else the seconds to wait. */
int throttle_wait(console_throttle_t *t, const char *key);
void throttle_failed(console_throttle_t *t, const char *key);
void throttle_reset(console_throttle_t *t, const char *key);

#endif
