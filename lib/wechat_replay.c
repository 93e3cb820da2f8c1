/*
 * wechat_replay.c - the timestamp window and the bounded nonce cache of
 * WeChat callbacks (see wechat_replay.h).
 */
#include "wechat_replay.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#define BUCKET_SLOTS 8
#define BUCKETS (WECHAT_REPLAY_SLOTS / BUCKET_SLOTS)

typedef struct {
    int64_t expires_s; /* 0: free */
    char nonce[WECHAT_NONCE_MAX + 1];
} slot_t;

struct wechat_replay {
    pthread_mutex_t mu;
    unsigned window_s;
    uint64_t key;
    slot_t slots[BUCKETS][BUCKET_SLOTS];
};

wechat_replay_t *wechat_replay_create(unsigned window_s)
{
    if (window_s < 1)
        return NULL;
    wechat_replay_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    if (pthread_mutex_init(&r->mu, NULL) != 0 ||
        RAND_bytes((unsigned char *)&r->key, sizeof r->key) != 1) {
        free(r);
        return NULL;
    }
    r->window_s = window_s;
    return r;
}

void wechat_replay_destroy(wechat_replay_t **r)
{
    if (r == NULL || *r == NULL)
        return;
    pthread_mutex_destroy(&(*r)->mu);
    free(*r);
    *r = NULL;
}

/* FNV-1a seeded with the process's random key, then mixed (splitmix64's
 * finaliser) so the seed reaches every bit of the bucket index. */
static uint64_t keyed_hash(uint64_t key, const char *s)
{
    uint64_t h = 1469598103934665603ull ^ key;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

static int parse_seconds(const char *s, int64_t *out)
{
    if (s == NULL || *s == '\0' || strlen(s) > 12)
        return -EINVAL;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return 0;
}

int wechat_replay_check(wechat_replay_t *r, const char *timestamp, const char *nonce, int64_t now_s)
{
    if (r == NULL || nonce == NULL)
        return -EINVAL;
    size_t nlen = strlen(nonce);
    if (nlen == 0 || nlen > WECHAT_NONCE_MAX)
        return -EINVAL;
    int64_t ts = 0;
    if (parse_seconds(timestamp, &ts) < 0)
        return -EINVAL;
    if (ts < now_s - (int64_t)r->window_s || ts > now_s + WECHAT_FUTURE_SKEW_S)
        return -ETIME;
    /* A nonce is remembered until its timestamp has left the window: after
     * that the timestamp check alone refuses a replay. */
    int64_t expires = ts + (int64_t)r->window_s + 1;
    slot_t *b = r->slots[keyed_hash(r->key, nonce) % BUCKETS];
    int rc = -EBUSY;
    pthread_mutex_lock(&r->mu);
    slot_t *free_slot = NULL;
    for (int i = 0; i < BUCKET_SLOTS; i++) {
        slot_t *s = &b[i];
        if (s->expires_s <= now_s) {
            if (free_slot == NULL)
                free_slot = s;
            continue;
        }
        if (strcmp(s->nonce, nonce) == 0) {
            free_slot = NULL;
            rc = -EALREADY;
            break;
        }
    }
    if (free_slot != NULL) {
        free_slot->expires_s = expires;
        memcpy(free_slot->nonce, nonce, nlen + 1);
        rc = 0;
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}
