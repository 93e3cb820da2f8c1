/*
 * api_keys.h - Open311 api_keys and the channel each one submits on.
 *
 * The file (--api-keys, default var/gateway/api_keys) holds one key per
 * line, as its SHA-256, never the key itself:
 *     # comment
 *     hotline sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 * A leaked file (or a log line) then gives nobody a key. A request's key
 * is hashed and compared with every line in constant time. `gateway
 * --hash-api-key` prints the line for a key read from stdin.
 */
#ifndef GATEWAY_API_KEYS_H
#define GATEWAY_API_KEYS_H

#include <stddef.h>

#define API_KEY_CHANNEL_MAX 32
#define API_KEYS_MAX 256

typedef struct api_keys api_keys_t;

/* Loads the file. Returns 0, -ENOENT, or -EINVAL with the line's fault
 * in err. A channel must be one of ROUTING.md's (lib/domain.h). */
int api_keys_load(const char *path, api_keys_t **out, char *err, size_t errlen);
/* The channel bound to `key`, or NULL for an unknown key. */
const char *api_keys_channel(const api_keys_t *k, const char *key);
size_t api_keys_count(const api_keys_t *k);
/* "sha256:<64 hex>" of key into out (at least 72 bytes). */
int api_keys_hash(const char *key, char *out, size_t outlen);
void api_keys_destroy(api_keys_t **k);

#endif
