/*
 * wechat_replay.h - refusing replayed WeChat callbacks: a timestamp must lie
 * within a window of now (default 300 s back, WECHAT_FUTURE_SKEW_S ahead
 * for clock skew), and a nonce seen within the window is refused.
 *
 * The cache is bounded: a fixed table of buckets chosen by a keyed hash
 * (the key random per process, so nobody can aim nonces at one bucket).
 * A bucket whose slots all hold live nonces refuses the new one (-EBUSY):
 * forgetting a live nonce would let it be replayed, so a full cache fails
 * closed. Only signed requests reach it, so only WeChat's own traffic can
 * fill it: WECHAT_REPLAY_SLOTS / window is the sustained rate it admits.
 * Thread-safe (one mutex).
 */
#ifndef LIANDONG_WECHAT_REPLAY_H
#define LIANDONG_WECHAT_REPLAY_H

#include <stdint.h>

#define WECHAT_WINDOW_DEFAULT_S 300
#define WECHAT_FUTURE_SKEW_S 30
#define WECHAT_NONCE_MAX 64
#define WECHAT_REPLAY_SLOTS 65536

typedef struct wechat_replay wechat_replay_t;

/* NULL when out of memory or window_s < 1. */
wechat_replay_t *wechat_replay_create(unsigned window_s);
void wechat_replay_destroy(wechat_replay_t **r);

/* 0 and the nonce remembered when `timestamp` (decimal seconds) is within
 * the window of now_s and the nonce is new; -ETIME (old or in the future),
 * -EINVAL (not a number, or the nonce empty or over WECHAT_NONCE_MAX),
 * -EALREADY (a replay), -EBUSY (the cache is full). */
int wechat_replay_check(wechat_replay_t *r, const char *timestamp, const char *nonce,
                        int64_t now_s);

#endif
