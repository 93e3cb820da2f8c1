/*
 * wechat_crypt.h - the WeChat official account's safe mode (安全模式):
 * AES-256-CBC with the key base64(EncodingAESKey + "="), the IV the key's
 * first 16 bytes, PKCS#7 padding to 32-byte blocks, over
 *   16 random bytes | message length (4 bytes, big-endian) | message | appid.
 *
 * Decryption checks the padding, the length and the appid: a message
 * encrypted for another account is refused, not read.
 */
#ifndef LIANDONG_WECHAT_CRYPT_H
#define LIANDONG_WECHAT_CRYPT_H

#include <stddef.h>

#define WECHAT_AES_KEY_CHARS 43 /* an EncodingAESKey */
#define WECHAT_APPID_MAX 64

typedef struct {
    unsigned char key[32];
    char appid[WECHAT_APPID_MAX + 1];
} wechat_crypt_t;

/* 0, or -EINVAL when the EncodingAESKey is not 43 base64 characters of a
 * 32-byte key or the appid is empty or too long. */
int wechat_crypt_init(wechat_crypt_t *c, const char *encoding_aes_key, const char *appid);

/* The message inside the base64 ciphertext `b64`, in *msg (malloc'd,
 * NUL-terminated, the caller frees it) and *len. -EINVAL: not base64 or
 * not whole blocks; -EBADMSG: bad padding or length; -EACCES: another
 * appid; -ENOMEM. */
int wechat_decrypt(const wechat_crypt_t *c, const char *b64, char **msg, size_t *len);

/* `msg` encrypted with fresh random bytes (RAND_bytes), as base64 in
 * *b64 (malloc'd, the caller frees it). 0 or a negative error. */
int wechat_encrypt(const wechat_crypt_t *c, const char *msg, size_t len, char **b64);

#endif
