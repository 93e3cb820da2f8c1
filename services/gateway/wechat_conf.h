/*
 * wechat_conf.h - the WeChat official account's settings, read once from a
 * file (LIANDONG_GATEWAY_WECHAT, default var/gateway/wechat.conf), lines
 * "key = value", '#' comments:
 *   token             the account's Token (3-32 letters and digits)
 *   encoding_aes_key  its EncodingAESKey (43 characters; safe mode)
 *   appid             its AppID (safe mode: checked in every message)
 *   window_s          replay window in seconds (default 300)
 *   budget_ms         time to commit a case before answering "success"
 *                     (default 4000: WeChat waits 5 s)
 * Without the file /wechat answers 503: the account is not configured.
 * The file holds secrets: keep it 0600 (deploy/run.sh writes it so).
 */
#ifndef GATEWAY_WECHAT_CONF_H
#define GATEWAY_WECHAT_CONF_H

#include "wechat_crypt.h"
#include "wechat_replay.h"

#define WECHAT_CONF_ENV "LIANDONG_GATEWAY_WECHAT"
#define WECHAT_CONF_DEFAULT "var/gateway/wechat.conf"
#define WECHAT_TOKEN_MAX 32
#define WECHAT_BUDGET_DEFAULT_MS 4000

typedef struct {
    char token[WECHAT_TOKEN_MAX + 1];
    int has_aes;          /* encoding_aes_key and appid given */
    wechat_crypt_t crypt; /* when has_aes */
    unsigned window_s;
    int budget_ms;
    wechat_replay_t *replay;
} wechat_conf_t;

/* Reads `path` into *c. 0, -ENOENT (no file), or -EINVAL with the reason
 * in why. */
int wechat_conf_load(const char *path, wechat_conf_t *c, char *why, size_t why_len);

/* The process's settings, loaded from the environment's path on first use
 * (thread-safe); NULL when there are none (logged once). */
const wechat_conf_t *wechat_conf(void);

#endif
