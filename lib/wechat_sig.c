/*
 * wechat_sig.c - WeChat callback signatures (see wechat_sig.h), SHA-1 from
 * OpenSSL's libcrypto.
 */
#include "wechat_sig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define MAX_PARTS 4

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int wechat_signature(const char *const *parts, size_t n, char *out)
{
    if (parts == NULL || out == NULL || n > MAX_PARTS)
        return -EINVAL;
    const char *sorted[MAX_PARTS] = {NULL};
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (parts[i] != NULL)
            sorted[k++] = parts[i];
    /* WeChat sorts the strings as bytes (ASCII: what strcmp does). */
    qsort(sorted, k, sizeof sorted[0], cmp_str);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return -ENOMEM;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int ok = EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1;
    for (size_t i = 0; ok && i < k; i++)
        ok = EVP_DigestUpdate(ctx, sorted[i], strlen(sorted[i])) == 1;
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen * 2 == WECHAT_SIG_HEX;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return -EIO;
    static const char hex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < mdlen; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[WECHAT_SIG_HEX] = '\0';
    return 0;
}

int wechat_signature_ok(const char *token, const char *timestamp, const char *nonce,
                        const char *encrypt, const char *given)
{
    if (token == NULL || timestamp == NULL || nonce == NULL || given == NULL)
        return 0;
    /* The length is public (always 40); only the content is compared in
     * constant time. */
    if (strlen(given) != WECHAT_SIG_HEX)
        return 0;
    const char *parts[] = {token, timestamp, nonce, encrypt};
    char want[WECHAT_SIG_HEX + 1];
    if (wechat_signature(parts, encrypt ? 4 : 3, want) < 0)
        return 0;
    return CRYPTO_memcmp(want, given, WECHAT_SIG_HEX) == 0;
}
