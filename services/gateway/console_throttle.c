/*
 * console_throttle.c - counted login failures per key (console_throttle.h).
 */
#include "console_throttle.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEY_MAX 160

typedef struct {
    char key[KEY_MAX];
    unsigned fails;
    int64_t first_s; /* the window starts at the first failure */
} entry_t;

struct console_throttle {
    pthread_mutex_t mu;
    entry_t *e;
    size_t cap;
    unsigned limit;
    int window_s;
    int64_t (*now)(void);
};

static int64_t mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

int throttle_new(size_t capacity, unsigned limit, int window_s, int64_t (*now)(void),
                 console_throttle_t **out)
{
    if (capacity == 0 || limit == 0 || window_s <= 0)
        return -EINVAL;
    console_throttle_t *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -ENOMEM;
    t->e = calloc(capacity, sizeof(*t->e));
    if (t->e == NULL) {
        free(t);
        return -ENOMEM;
    }
    pthread_mutex_init(&t->mu, NULL);
    t->cap = capacity;
    t->limit = limit;
    t->window_s = window_s;
    t->now = now ? now : mono_s;
    *out = t;
    return 0;
}

void throttle_destroy(console_throttle_t **t)
{
    if (*t == NULL)
        return;
    free((*t)->e);
    pthread_mutex_destroy(&(*t)->mu);
    free(*t);
    *t = NULL;
}

static entry_t *find(console_throttle_t *t, const char *key, int64_t now, int make)
{
    entry_t *oldest = &t->e[0];
    for (size_t i = 0; i < t->cap; i++) {
        entry_t *x = &t->e[i];
        if (x->key[0] != '\0' && now - x->first_s >= t->window_s)
            x->key[0] = '\0'; /* its window has passed */
        if (x->key[0] != '\0' && strcmp(x->key, key) == 0)
            return x;
        if (x->key[0] == '\0' || (oldest->key[0] != '\0' && x->first_s < oldest->first_s))
            oldest = x;
    }
    if (!make)
        return NULL;
    memset(oldest, 0, sizeof(*oldest));
    snprintf(oldest->key, sizeof oldest->key, "%s", key);
    oldest->first_s = now;
    return oldest;
}

int throttle_wait(console_throttle_t *t, const char *key)
{
    pthread_mutex_lock(&t->mu);
    int64_t now = t->now();
    entry_t *x = find(t, key, now, 0);
    int wait = 0;
    if (x != NULL && x->fails >= t->limit)
        wait = (int)(x->first_s + t->window_s - now);
    pthread_mutex_unlock(&t->mu);
    return wait > 0 ? wait : 0;
}

void throttle_failed(console_throttle_t *t, const char *key)
{
    pthread_mutex_lock(&t->mu);
    entry_t *x = find(t, key, t->now(), 1);
    x->fails++;
    pthread_mutex_unlock(&t->mu);
}

void throttle_reset(console_throttle_t *t, const char *key)
{
    pthread_mutex_lock(&t->mu);
    entry_t *x = find(t, key, t->now(), 0);
    if (x != NULL)
        x->key[0] = '\0';
    pthread_mutex_unlock(&t->mu);
}
