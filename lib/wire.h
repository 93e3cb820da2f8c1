/*
 * wire.h - packing and unpacking of the Envelope (proto/liandong.proto)
 * from untrusted bytes.
 *
 * Unpacking caps the input length and gives protobuf-c an allocator with a
 * budget, so a hostile repeated field cannot make us allocate without
 * bound; after unpacking, the envelope is checked for the things proto3
 * cannot say (a request id of sane length, a body present).
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

/* Checks that a string is valid UTF-8 without control characters other than
 * tab and newline; returns 0 or -EILSEQ. */
int wire_check_text(const char *s, size_t max_len);

/* Short name of the envelope's body case, for logs and errors. */
const char *wire_body_name(const envelope_t *e);

#endif
