/*
 * wechat_crypt.c - WeChat safe-mode encryption (see wechat_crypt.h) with
 * OpenSSL's libcrypto. Padding is removed by hand (WeChat pads to 32-byte
 * blocks, which OpenSSL's own PKCS#7 for a 16-byte cipher refuses).
 */
#include "wechat_crypt.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#define PAD_BLOCK 32
#define RANDOM_BYTES 16
#define HEAD (RANDOM_BYTES + 4)

/* Base64 of standard alphabet, '=' padding, no newlines; the decoded
 * length in *out_len. -EINVAL when it is not that. */
static int b64_decode(const char *s, size_t n, unsigned char *out, size_t *out_len)
{
    if (n == 0 || n % 4 != 0)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        int ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                 ch == '+' || ch == '/' || (ch == '=' && i >= n - 2);
        if (!ok || (ch != '=' && i > 0 && s[i - 1] == '='))
            return -EINVAL;
    }
    int got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
    if (got < 0)
        return -EINVAL;
    size_t pad = (s[n - 1] == '=') + (s[n - 2] == '=');
    *out_len = (size_t)got - pad;
    return 0;
}

int wechat_crypt_init(wechat_crypt_t *c, const char *encoding_aes_key, const char *appid)
{
    if (c == NULL || encoding_aes_key == NULL || appid == NULL)
        return -EINVAL;
    size_t alen = strlen(appid);
    if (strlen(encoding_aes_key) != WECHAT_AES_KEY_CHARS || alen == 0 || alen > WECHAT_APPID_MAX)
        return -EINVAL;
    char b64[WECHAT_AES_KEY_CHARS + 2];
    memcpy(b64, encoding_aes_key, WECHAT_AES_KEY_CHARS);
    b64[WECHAT_AES_KEY_CHARS] = '=';
    b64[WECHAT_AES_KEY_CHARS + 1] = '\0';
    unsigned char key[48];
    size_t klen = 0;
    if (b64_decode(b64, WECHAT_AES_KEY_CHARS + 1, key, &klen) < 0 || klen != sizeof c->key)
        return -EINVAL;
    memcpy(c->key, key, sizeof c->key);
    memcpy(c->appid, appid, alen + 1);
    return 0;
}

/* AES-256-CBC without OpenSSL's padding; n is a multiple of 16. */
static int aes_cbc(const wechat_crypt_t *c, int enc, const unsigned char *in, size_t n,
                   unsigned char *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        return -ENOMEM;
    int len1 = 0, len2 = 0;
    int ok = EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, c->key, c->key, enc) == 1 &&
             EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
             EVP_CipherUpdate(ctx, out, &len1, in, (int)n) == 1 &&
             EVP_CipherFinal_ex(ctx, out + len1, &len2) == 1 && (size_t)len1 + (size_t)len2 == n;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : -EIO;
}

int wechat_decrypt(const wechat_crypt_t *c, const char *b64, char **msg, size_t *len)
{
    if (c == NULL || b64 == NULL || msg == NULL || len == NULL)
        return -EINVAL;
    *msg = NULL;
    *len = 0;
    size_t n = strlen(b64);
    if (n == 0 || n > (size_t)INT32_MAX / 2)
        return -EINVAL;
    unsigned char *raw = malloc(n / 4 * 3 + 3);
    unsigned char *plain = malloc(n / 4 * 3 + 3);
    size_t rlen = 0;
    int rc = raw && plain ? 0 : -ENOMEM;
    if (rc == 0)
        rc = b64_decode(b64, n, raw, &rlen);
    if (rc == 0 && (rlen == 0 || rlen % 16 != 0))
        rc = -EINVAL;
    if (rc == 0)
        rc = aes_cbc(c, 0, raw, rlen, plain);
    if (rc == 0) {
        /* PKCS#7 to 32: 1..32 bytes, each the count. */
        unsigned pad = plain[rlen - 1];
        if (pad < 1 || pad > PAD_BLOCK || pad > rlen)
            rc = -EBADMSG;
        for (size_t i = 0; rc == 0 && i < pad; i++)
            if (plain[rlen - 1 - i] != pad)
                rc = -EBADMSG;
        size_t body = rlen - pad;
        uint32_t mlen = 0;
        if (rc == 0 && body < HEAD)
            rc = -EBADMSG;
        if (rc == 0) {
            const unsigned char *p = plain + RANDOM_BYTES;
            mlen = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
            if (mlen > body - HEAD)
                rc = -EBADMSG;
        }
        if (rc == 0) {
            /* The appid after the message must be ours, exactly. */
            size_t alen = body - HEAD - mlen;
            if (alen != strlen(c->appid) || memcmp(plain + HEAD + mlen, c->appid, alen) != 0)
                rc = -EACCES;
        }
        if (rc == 0) {
            *msg = malloc((size_t)mlen + 1);
            if (*msg == NULL) {
                rc = -ENOMEM;
            } else {
                memcpy(*msg, plain + HEAD, mlen);
                (*msg)[mlen] = '\0';
                *len = mlen;
            }
        }
    }
    free(raw);
    free(plain);
    return rc;
}

int wechat_encrypt(const wechat_crypt_t *c, const char *msg, size_t len, char **b64)
{
    if (c == NULL || msg == NULL || b64 == NULL || len > (size_t)INT32_MAX / 4)
        return -EINVAL;
    *b64 = NULL;
    size_t alen = strlen(c->appid);
    size_t body = HEAD + len + alen;
    size_t pad = PAD_BLOCK - body % PAD_BLOCK;
    size_t n = body + pad;
    unsigned char *plain = malloc(n);
    unsigned char *ct = malloc(n);
    char *out = malloc(n / 3 * 4 + 5);
    int rc = plain && ct && out ? 0 : -ENOMEM;
    /* Fresh random bytes from the CSPRNG: they make two equal replies
     * encrypt differently. */
    if (rc == 0 && RAND_bytes(plain, RANDOM_BYTES) != 1)
        rc = -EIO;
    if (rc == 0) {
        unsigned char *p = plain + RANDOM_BYTES;
        p[0] = (unsigned char)(len >> 24);
        p[1] = (unsigned char)(len >> 16);
        p[2] = (unsigned char)(len >> 8);
        p[3] = (unsigned char)len;
        memcpy(plain + HEAD, msg, len);
        memcpy(plain + HEAD + len, c->appid, alen);
        memset(plain + body, (int)pad, pad);
        rc = aes_cbc(c, 1, plain, n, ct);
    }
    if (rc == 0) {
        EVP_EncodeBlock((unsigned char *)out, ct, (int)n);
        *b64 = out;
        out = NULL;
    }
    free(plain);
    free(ct);
    free(out);
    return rc;
}
