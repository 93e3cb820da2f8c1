/*
 * console_session.h - the console's login sessions, kept in the gateway's
 * memory (a restart logs everybody out: nothing to steal from disk).
 *
 * A session id is 32 random bytes from libsodium (hex in the cookie), so
 * it cannot be guessed; each session has its own CSRF token (32 more
 * random bytes) that every form carries and every POST must return. A
 * session ends after `idle_s` without a request and `absolute_s` after
 * login whatever happens, so a cookie left in a shared office browser
 * stops working. The store is shared by the HTTP worker threads (mutex).
 */
#ifndef CONSOLE_SESSION_H
#define CONSOLE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#define SESSION_TOKEN_HEX 64 /* 32 bytes */
#define SESSION_PRINCIPAL_MAX 128

typedef struct {
    char id[SESSION_TOKEN_HEX + 1];
    char csrf[SESSION_TOKEN_HEX + 1];
    char principal[SESSION_PRINCIPAL_MAX]; /* role.id, e.g. staff.zhang@PC-YH */
    int64_t created_s;
    int64_t last_s;
} console_session_t;

typedef struct console_sessions console_sessions_t;

/* `now` (seconds, monotonic) is the clock; NULL = CLOCK_MONOTONIC. When
 * the store is full the session idle longest is ended. */
int sessions_new(size_t capacity, int idle_s, int absolute_s, int64_t (*now)(void),
                 console_sessions_t **out);
void sessions_destroy(console_sessions_t **s);
/* A new session for `principal`: *out filled (id and csrf). */
int sessions_create(console_sessions_t *s, const char *principal, console_session_t *out);
/* Finds a live session by id and marks it used now. 0 with *out copied;
 * -ENOENT for an unknown, ended or expired one (an expired one is freed). */
int sessions_lookup(console_sessions_t *s, const char *id, console_session_t *out);
void sessions_end(console_sessions_t *s, const char *id);
/* 1 when `token` is the session's CSRF token (constant time), else 0. */
int sessions_csrf_ok(const console_session_t *sess, const char *token);
size_t sessions_count(console_sessions_t *s);

#endif
