/*
 * wire.c - Envelope codec with a bounded allocator (see wire.h).
 */
#include "wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invariant.h"

struct wire_msg {
    envelope_t *env;
    ProtobufCAllocator alloc;
    size_t used;
    size_t budget;
};

/* Each allocation is prefixed with its size so the budget can be given back
 * on free (protobuf-c's free callback does not pass the size). */
typedef struct {
    size_t size;
    max_align_t align[];
} wire_block_t;

static void *budget_alloc(void *data, size_t size)
{
    struct wire_msg *m = data;
    ASSERT(m->used <= m->budget); /* else the subtraction below wraps */
    if (size > m->budget - m->used)
        return NULL;
    wire_block_t *b = malloc(sizeof(wire_block_t) + size);
    if (b == NULL)
        return NULL;
    b->size = size;
    m->used += size;
    /* Freed through budget_free, which steps back to the header. */
    // cppcheck-suppress memleak
    return b->align;
}

static void budget_free(void *data, void *p)
{
    struct wire_msg *m = data;
    if (p == NULL)
        return;
    wire_block_t *b = (wire_block_t *)((char *)p - offsetof(wire_block_t, align));
    /* Only blocks of this message come back here (a foreign pointer put in
     * an unpacked envelope would be freed through us). */
    ASSERT(b->size <= m->used);
    m->used -= b->size;
    free(b);
}

int wire_unpack(const void *buf, size_t len, size_t max_len, wire_msg_t **out, char *err,
                size_t errlen)
{
    *out = NULL;
    if (len > max_len) {
        snprintf(err, errlen, "message of %zu bytes exceeds the limit of %zu", len, max_len);
        return -EMSGSIZE;
    }
    struct wire_msg *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    /* Decoded structures are a small multiple of the wire size. */
    m->budget = 8 * len + 4096;
    m->alloc.alloc = budget_alloc;
    m->alloc.free = budget_free;
    m->alloc.allocator_data = m;
    m->env = liandong__v1__envelope__unpack(&m->alloc, len, buf);
    if (m->env == NULL) {
        free(m);
        snprintf(err, errlen, "not a valid liandong.v1.Envelope");
        return -EBADMSG;
    }
    if (strlen(m->env->request_id) > WIRE_REQUEST_ID_MAX ||
        wire_check_text(m->env->request_id, WIRE_REQUEST_ID_MAX) != 0) {
        snprintf(err, errlen, "request_id is longer than %d bytes or not text",
                 WIRE_REQUEST_ID_MAX);
        wire_free(&m);
        return -EBADMSG;
    }
    *out = m;
    return 0;
}

envelope_t *wire_envelope(wire_msg_t *m)
{
    return m ? m->env : NULL;
}

void wire_free(wire_msg_t **mp)
{
    if (mp == NULL || *mp == NULL)
        return;
    struct wire_msg *m = *mp;
    if (m->env)
        liandong__v1__envelope__free_unpacked(m->env, &m->alloc);
    /* Everything protobuf-c took from the budget came back. */
    ASSERT(m->env == NULL || m->used == 0);
    free(m);
    *mp = NULL;
}

int wire_pack(const envelope_t *e, uint8_t **buf, size_t *len)
{
    size_t n = liandong__v1__envelope__get_packed_size(e);
    uint8_t *b = malloc(n ? n : 1);
    if (b == NULL)
        return -ENOMEM;
    *len = liandong__v1__envelope__pack(e, b);
    ASSERT(*len == n); /* the buffer was sized by get_packed_size */
    *buf = b;
    return 0;
}

int wire_pack_error(const char *request_id, Liandong__V1__ErrorCode code, const char *message,
                    uint8_t **buf, size_t *len)
{
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    Liandong__V1__Error er = LIANDONG__V1__ERROR__INIT;
    er.code = code;
    er.message = (char *)(message ? message : "");
    e.request_id = (char *)(request_id ? request_id : "");
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_ERROR;
    e.error = &er;
    return wire_pack(&e, buf, len);
}

int wire_check_text(const char *s, size_t max_len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (p[i] != 0) {
        if (i >= max_len)
            return -EILSEQ;
        unsigned char c = p[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                return -EILSEQ;
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return -EILSEQ;
        }
        /* The whole character within the limit, not only its first byte:
         * a limit in bytes is what the database column and the other
         * services count (issue 10). */
        if (i + n >= max_len)
            return -EILSEQ;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return -EILSEQ;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        /* Overlong forms, surrogates and out-of-range code points. */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return -EILSEQ;
        i += n + 1;
    }
    return 0;
}

const char *wire_body_name(const envelope_t *e)
{
    if (e == NULL)
        return "none";
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
        &liandong__v1__envelope__descriptor, (unsigned)e->body_case);
    return f ? f->name : "none";
}
