/*
 * api_keys.c - Open311 api_keys, kept as hashes (see api_keys.h).
 */
#include "api_keys.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

typedef struct {
    unsigned char digest[32];
    char channel[API_KEY_CHANNEL_MAX];
} api_key_t;

struct api_keys {
    api_key_t keys[API_KEYS_MAX];
    size_t count;
};

static int sha256(const char *s, unsigned char out[32])
{
    unsigned int n = 0;
    return EVP_Digest(s, strlen(s), out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : -EIO;
}

int api_keys_hash(const char *key, char *out, size_t outlen)
{
    unsigned char d[32];
    if (outlen < 72 || sha256(key, d) < 0)
        return -EINVAL;
    int n = snprintf(out, outlen, "sha256:");
    for (int i = 0; i < 32; i++)
        n += snprintf(out + n, outlen - (size_t)n, "%02x", d[i]);
    return 0;
}

static int hex_digest(const char *hex, unsigned char out[32])
{
    for (int i = 0; i < 32; i++) {
        unsigned v = 0;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -EINVAL;
        out[i] = (unsigned char)v;
    }
    return hex[64] == '\0' ? 0 : -EINVAL;
}

static int parse_line(char *line, api_key_t *k)
{
    char *save = NULL;
    const char *channel = strtok_r(line, " \t", &save);
    const char *hash = strtok_r(NULL, " \t", &save);
    if (channel == NULL || hash == NULL || strtok_r(NULL, " \t", &save) != NULL)
        return -EINVAL;
    if (channel_from_name(channel, strlen(channel)) < 0)
        return -EINVAL;
    if (strncmp(hash, "sha256:", 7) != 0 || strlen(hash) != 7 + 64)
        return -EINVAL;
    snprintf(k->channel, sizeof k->channel, "%s", channel);
    return hex_digest(hash + 7, k->digest);
}

int api_keys_load(const char *path, api_keys_t **out, char *err, size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open", path);
        return -ENOENT;
    }
    api_keys_t *k = calloc(1, sizeof *k);
    if (k == NULL) {
        fclose(f);
        return -ENOMEM;
    }
    char line[512];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        const char *p = line + strspn(line, " \t");
        if (*p == '\0' || *p == '#')
            continue;
        if (k->count == API_KEYS_MAX) {
            snprintf(err, errlen, "%s: more than %d keys", path, API_KEYS_MAX);
            rc = -EINVAL;
            break;
        }
        if (parse_line(line, &k->keys[k->count]) < 0) {
            /* The line is not echoed: it might hold a key pasted by mistake. */
            snprintf(err, errlen,
                     "%s:%d: expected \"CHANNEL sha256:HEX\" with a channel of ROUTING.md", path,
                     lineno);
            rc = -EINVAL;
            break;
        }
        k->count++;
    }
    fclose(f);
    if (rc < 0) {
        free(k);
        return rc;
    }
    *out = k;
    return 0;
}

const char *api_keys_channel(const api_keys_t *k, const char *key)
{
    unsigned char d[32];
    if (k == NULL || key == NULL || *key == '\0' || sha256(key, d) < 0)
        return NULL;
    const char *found = NULL;
    /* Every line is compared, in constant time each, so the answer's
     * timing does not tell how much of a guess was right. */
    for (size_t i = 0; i < k->count; i++)
        if (CRYPTO_memcmp(d, k->keys[i].digest, sizeof d) == 0 && found == NULL)
            found = k->keys[i].channel;
    return found;
}

size_t api_keys_count(const api_keys_t *k)
{
    return k ? k->count : 0;
}

void api_keys_destroy(api_keys_t **k)
{
    free(*k);
    *k = NULL;
}
