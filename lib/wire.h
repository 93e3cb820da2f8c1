/*
 * wire.h - packing and unpacking of the Envelope (proto/liandong.proto)
 * from untrusted bytes.
 *
 * Unpacking caps the input length and gives protobuf-c an allocator with a
 * budget, so a hostile repeated field cannot make us allocate without
 * bound; after unpacking, the envelope is checked for the things proto3
 * cannot say (a request id of sane length, text without NUL or control
 * characters, known enum values, times in range: wire_check_fields).
 */
#ifndef LIANDONG_WIRE_H
#define LIANDONG_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "liandong.pb-c.h"

typedef Liandong__V1__Envelope envelope_t;

#define WIRE_REQUEST_ID_MAX 128

typedef struct wire_msg wire_msg_t;

/* Unpacks `len` bytes. Returns 0 and *out (whose ->env is the envelope), or
 * -EMSGSIZE (len > max_len), -EBADMSG (not a valid Envelope), -ENOMEM. On
 * error a message for the sender is written into err. */
int wire_unpack(const void *buf, size_t len, size_t max_len, wire_msg_t **out, char *err,
                size_t errlen);
envelope_t *wire_envelope(wire_msg_t *m);
void wire_free(wire_msg_t **m);

/* Packs into a malloc'd buffer that the caller frees. */
int wire_pack(const envelope_t *e, uint8_t **buf, size_t *len);
/* Packs an error answer. `request_id` may be NULL. */
int wire_pack_error(const char *request_id, Liandong__V1__ErrorCode code, const char *message,
                    uint8_t **buf, size_t *len);

/* As wire_unpack; when the envelope decodes but a field is refused by
 * wire_check_fields (-EINVAL), or is too large to decode (-EMSGSIZE: its id
 * read from the bytes when it can be), rid receives its request id so that
 * the refusal can be matched by the sender. rid may be NULL. */
int wire_unpack_request(const void *buf, size_t len, size_t max_len, wire_msg_t **out, char *rid,
                        size_t ridlen, char *err, size_t errlen);

/* The request id of a packed Envelope that is not decoded (too large):
 * read from its first field when that is a request id of sane text.
 * Returns 0 with rid set, or -ENOENT (rid empty). */
int wire_peek_request_id(const void *buf, size_t len, char *rid, size_t ridlen);

/* Text from outside: valid UTF-8, no NUL, no control character but
 * newline (LF, or CRLF) and tab, at most max_len bytes. */
enum {
    WIRE_TEXT_OK = 0,
    WIRE_TEXT_NUL,
    WIRE_TEXT_CONTROL,
    WIRE_TEXT_UTF8,
    WIRE_TEXT_TOO_LONG,
};
/* Returns WIRE_TEXT_OK, or the fault and in *at the offset of the first
 * byte at fault, for the `len` bytes at s (which may contain NULs). */
int wire_text_fault(const char *s, size_t len, size_t max_len, size_t *at);
/* The fault in words, for an error message ("a NUL byte"). */
const char *wire_text_fault_name(int fault);
/* "is not text: a NUL byte at byte 3 (...)", to follow a field's name; in
 * a buffer of the calling thread, valid until its next call. */
const char *wire_text_fault_message(int fault, size_t at);
/* The same rule for a C string; returns 0 or -EILSEQ. */
int wire_check_text(const char *s, size_t max_len);

/* The edge check of a packed Envelope, the one place every field from
 * outside passes: each string is text (wire_text_fault), each enum a value
 * the schema knows, each time (int64 *_ms) within field_limits.h's range.
 * Returns 0, or -EINVAL with the field's path and the fault in err
 * ("submit_demand.demand.text is not text: a NUL byte at byte 3"). */
int wire_check_fields(const void *buf, size_t len, char *err, size_t errlen);

/* The code's name in the schema ("ERROR_INTERNAL"). */
const char *wire_error_code_name(Liandong__V1__ErrorCode code);

/* Short name of the envelope's body case, for logs and errors. */
const char *wire_body_name(const envelope_t *e);

#endif
