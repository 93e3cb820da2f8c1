/*
 * wechat_xml.h - the XML of the WeChat official account's callbacks, read
 * with libexpat as untrusted input, and the replies we write.
 *
 * Reading refuses what a WeChat message never holds: a DOCTYPE or any
 * entity declaration (no entity expansion at all: billion laughs and
 * external entities cannot start), a document over WECHAT_XML_MAX bytes,
 * nesting deeper than WECHAT_XML_DEPTH, a root other than <xml>, a known
 * field twice, with elements inside it or longer than its limit. Unknown
 * fields (WeChat sends many per message type) are skipped.
 */
#ifndef LIANDONG_WECHAT_XML_H
#define LIANDONG_WECHAT_XML_H

#include <stddef.h>

#define WECHAT_XML_MAX (64 * 1024) /* WeChat's messages are a few KiB */
#define WECHAT_XML_DEPTH 8

typedef enum {
    WX_TO_USER = 0, /* ToUserName: the account */
    WX_FROM_USER,   /* FromUserName: the resident's openid */
    WX_CREATE_TIME,
    WX_MSG_TYPE,
    WX_CONTENT,
    WX_MSG_ID,
    WX_EVENT,
    WX_EVENT_KEY,
    WX_ENCRYPT,
    WX_NFIELDS
} wechat_field_t;

typedef struct {
    char *field[WX_NFIELDS]; /* NULL when absent; else malloc'd, NUL-terminated */
    size_t len[WX_NFIELDS];
} wechat_msg_t;

/* The element name of a field ("ToUserName") and its limit in bytes. */
const char *wechat_field_name(wechat_field_t f);
size_t wechat_field_max(wechat_field_t f);

/* Parses `xml` (n bytes) into *m (zeroed first; free with
 * wechat_msg_clear even on failure). 0, -E2BIG (over WECHAT_XML_MAX or a
 * field's limit), -EPERM (DOCTYPE or entities), -EBADMSG (malformed, wrong
 * root, too deep, a repeated field), -ENOMEM. `why` (may be NULL) gets a
 * short reason for the log. */
int wechat_xml_parse(const char *xml, size_t n, wechat_msg_t *m, char *why, size_t why_len);
void wechat_msg_clear(wechat_msg_t *m);
/* The field's text, or "" when absent. */
const char *wechat_msg_get(const wechat_msg_t *m, wechat_field_t f);

/* A passive text reply (malloc'd, the caller frees it): every value in
 * CDATA with "]]>" split, and characters XML 1.0 cannot hold dropped. */
char *wechat_xml_text_reply(const char *to_user, const char *from_user, long long create_time,
                            const char *content);
/* The safe-mode envelope of an encrypted reply (malloc'd). */
char *wechat_xml_encrypted_reply(const char *encrypt, const char *msg_signature,
                                 const char *timestamp, const char *nonce);

#endif
