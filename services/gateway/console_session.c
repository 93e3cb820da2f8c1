/*
 * console_session.c - the console's session store (console_session.h).
 */
#include "console_session.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct console_sessions {
    pthread_mutex_t mu;
    console_session_t *slots; /* id[0] == '\0': free */
    size_t cap;
    int idle_s;
    int absolute_s;
    int64_t (*now)(void);
};

static int64_t mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

int sessions_new(size_t capacity, int idle_s, int absolute_s, int64_t (*now)(void),
                 console_sessions_t **out)
{
    if (capacity == 0 || idle_s <= 0 || absolute_s <= 0 || sodium_init() < 0)
        return -EINVAL;
    console_sessions_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->slots = calloc(capacity, sizeof(*s->slots));
    if (s->slots == NULL) {
        free(s);
        return -ENOMEM;
    }
    pthread_mutex_init(&s->mu, NULL);
    s->cap = capacity;
    s->idle_s = idle_s;
    s->absolute_s = absolute_s;
    s->now = now ? now : mono_s;
    *out = s;
    return 0;
}

void sessions_destroy(console_sessions_t **s)
{
    if (*s == NULL)
        return;
    sodium_memzero((*s)->slots, (*s)->cap * sizeof(*(*s)->slots));
    free((*s)->slots);
    pthread_mutex_destroy(&(*s)->mu);
    free(*s);
    *s = NULL;
}

static void random_hex(char out[SESSION_TOKEN_HEX + 1])
{
    unsigned char b[SESSION_TOKEN_HEX / 2];
    randombytes_buf(b, sizeof b);
    sodium_bin2hex(out, SESSION_TOKEN_HEX + 1, b, sizeof b);
    sodium_memzero(b, sizeof b);
}

static int expired(const console_sessions_t *s, const console_session_t *x, int64_t now)
{
    return now - x->last_s >= s->idle_s || now - x->created_s >= s->absolute_s;
}

int sessions_create(console_sessions_t *s, const char *principal, console_session_t *out)
{
    if (principal == NULL || strlen(principal) >= SESSION_PRINCIPAL_MAX)
        return -EINVAL;
    pthread_mutex_lock(&s->mu);
    int64_t now = s->now();
    size_t pick = 0;
    int found = 0;
    for (size_t i = 0; i < s->cap; i++) {
        console_session_t *x = &s->slots[i];
        if (x->id[0] == '\0' || expired(s, x, now)) {
            pick = i;
            found = 1;
            break;
        }
        if (x->last_s < s->slots[pick].last_s)
            pick = i;
    }
    (void)found; /* full: the session idle longest is ended */
    console_session_t *x = &s->slots[pick];
    memset(x, 0, sizeof(*x));
    random_hex(x->id);
    random_hex(x->csrf);
    snprintf(x->principal, sizeof x->principal, "%s", principal);
    x->created_s = x->last_s = now;
    *out = *x;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static console_session_t *find(console_sessions_t *s, const char *id)
{
    if (id == NULL || strlen(id) != SESSION_TOKEN_HEX)
        return NULL;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].id[0] != '\0' && sodium_memcmp(s->slots[i].id, id, SESSION_TOKEN_HEX) == 0)
            return &s->slots[i];
    return NULL;
}

int sessions_lookup(console_sessions_t *s, const char *id, console_session_t *out)
{
    pthread_mutex_lock(&s->mu);
    console_session_t *x = find(s, id);
    int64_t now = s->now();
    int rc = -ENOENT;
    if (x != NULL && expired(s, x, now)) {
        sodium_memzero(x, sizeof(*x));
    } else if (x != NULL) {
        x->last_s = now;
        *out = *x;
        rc = 0;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void sessions_end(console_sessions_t *s, const char *id)
{
    pthread_mutex_lock(&s->mu);
    console_session_t *x = find(s, id);
    if (x != NULL)
        sodium_memzero(x, sizeof(*x));
    pthread_mutex_unlock(&s->mu);
}

int sessions_csrf_ok(const console_session_t *sess, const char *token)
{
    if (token == NULL || strlen(token) != SESSION_TOKEN_HEX)
        return 0;
    return sodium_memcmp(sess->csrf, token, SESSION_TOKEN_HEX) == 0;
}

size_t sessions_count(console_sessions_t *s)
{
    pthread_mutex_lock(&s->mu);
    int64_t now = s->now();
    size_t n = 0;
    for (size_t i = 0; i < s->cap; i++)
        n += s->slots[i].id[0] != '\0' && !expired(s, &s->slots[i], now);
    pthread_mutex_unlock(&s->mu);
    return n;
}
