/*
 * wechat_sig.h - the WeChat official account's callback signatures: the hex
 * SHA-1 of the lexically sorted concatenation of the token, the timestamp,
 * the nonce and, for safe mode's msg_signature, the Encrypt field.
 *
 * Comparison is constant-time: an attacker timing our refusals must not
 * learn a valid signature byte by byte.
 */
#ifndef LIANDONG_WECHAT_SIG_H
#define LIANDONG_WECHAT_SIG_H

#include <stddef.h>

#define WECHAT_SIG_HEX 40 /* hex characters of a SHA-1 */

/* The signature of up to 4 parts (NULL parts are skipped) into out
 * (WECHAT_SIG_HEX + 1 bytes, NUL-terminated). 0 or a negative error. */
int wechat_signature(const char *const *parts, size_t n, char *out);

/* 1 when `given` equals the signature of token, timestamp, nonce and
 * (when not NULL) encrypt, compared in constant time; else 0. */
int wechat_signature_ok(const char *token, const char *timestamp, const char *nonce,
                        const char *encrypt, const char *given);

#endif
