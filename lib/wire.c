/*
 * wire.c - Envelope codec with a bounded allocator (see wire.h).
 */
#include "wire.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "field_limits.h"
#include "invariant.h"

static size_t read_varint(const uint8_t *p, size_t len, uint64_t *v);

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

int wire_peek_request_id(const void *buf, size_t len, char *rid, size_t ridlen)
{
    const uint8_t *p = buf;
    uint64_t n;
    if (ridlen == 0)
        return -EINVAL;
    rid[0] = '\0';
    /* Field 1 (request_id), length-delimited, first as every encoder of
     * ours and protobuf's own writes it. */
    if (len < 2 || p[0] != 0x0a)
        return -ENOENT;
    size_t k = read_varint(p + 1, len - 1, &n);
    if (k == 0 || n > WIRE_REQUEST_ID_MAX || n >= ridlen || n > len - 1 - k)
        return -ENOENT;
    size_t at;
    if (wire_text_fault((const char *)p + 1 + k, (size_t)n, WIRE_REQUEST_ID_MAX, &at) !=
        WIRE_TEXT_OK)
        return -ENOENT;
    memcpy(rid, p + 1 + k, (size_t)n);
    rid[n] = '\0';
    return 0;
}

int wire_unpack_request(const void *buf, size_t len, size_t max_len, wire_msg_t **out, char *rid,
                        size_t ridlen, char *err, size_t errlen)
{
    *out = NULL;
    if (rid != NULL && ridlen > 0)
        rid[0] = '\0';
    if (len > max_len) {
        snprintf(err, errlen, "message of %zu bytes exceeds the limit of %zu", len, max_len);
        /* Not decoded, but its id can be read: the answer can be matched. */
        if (rid != NULL && ridlen > 0)
            (void)wire_peek_request_id(buf, len, rid, ridlen);
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
    if (wire_check_text(m->env->request_id, WIRE_REQUEST_ID_MAX) != 0) {
        snprintf(err, errlen, "request_id is longer than %d bytes or not text",
                 WIRE_REQUEST_ID_MAX);
        wire_free(&m);
        return -EBADMSG;
    }
    /* Every field from outside, once, here at the edge: protobuf-c gives
     * strings as C strings, so a NUL inside one must be seen in the bytes
     * before anyone reads the text (issue 12). */
    int rc = wire_check_fields(buf, len, err, errlen);
    if (rc < 0) {
        if (rid != NULL && ridlen > 0)
            snprintf(rid, ridlen, "%s", m->env->request_id);
        wire_free(&m);
        return rc;
    }
    *out = m;
    return 0;
}

int wire_unpack(const void *buf, size_t len, size_t max_len, wire_msg_t **out, char *err,
                size_t errlen)
{
    return wire_unpack_request(buf, len, max_len, out, NULL, 0, err, errlen);
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
    /* An error answer always says why (issue 12). */
    er.message =
        (char *)(message != NULL && *message != '\0' ? message : wire_error_code_name(code));
    e.request_id = (char *)(request_id ? request_id : "");
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_ERROR;
    e.error = &er;
    return wire_pack(&e, buf, len);
}

int wire_text_fault(const char *s, size_t len, size_t max_len, size_t *at)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    *at = 0;
    if (len > max_len) {
        *at = max_len;
        return WIRE_TEXT_TOO_LONG;
    }
    while (i < len) {
        unsigned char c = p[i];
        size_t n;
        uint32_t cp;
        *at = i;
        if (c < 0x80) {
            /* A NUL would cut the text where C stops reading it (issue 12:
             * acknowledged, then stored cut); other controls could forge
             * log lines or terminal output. CR only as half of CRLF. */
            if (c == 0)
                return WIRE_TEXT_NUL;
            if ((c < 0x20 && c != '\t' && c != '\n' &&
                 !(c == '\r' && i + 1 < len && p[i + 1] == '\n')) ||
                c == 0x7F)
                return WIRE_TEXT_CONTROL;
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
            return WIRE_TEXT_UTF8;
        }
        /* The whole character within the length, not only its first byte:
         * a limit in bytes is what the database column and the other
         * services count (issue 10). */
        if (n >= len - i)
            return WIRE_TEXT_UTF8;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return WIRE_TEXT_UTF8;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        /* Overlong forms, surrogates and out-of-range code points. */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return WIRE_TEXT_UTF8;
        if (cp >= 0x80 && cp <= 0x9F) /* C1 controls */
            return WIRE_TEXT_CONTROL;
        i += n + 1;
    }
    return WIRE_TEXT_OK;
}

const char *wire_text_fault_name(int fault)
{
    switch (fault) {
    case WIRE_TEXT_OK:
        return "valid";
    case WIRE_TEXT_NUL:
        return "a NUL byte";
    case WIRE_TEXT_CONTROL:
        return "a control character";
    case WIRE_TEXT_UTF8:
        return "bytes that are not valid UTF-8";
    default:
        return "too many bytes";
    }
}

const char *wire_text_fault_message(int fault, size_t at)
{
    static _Thread_local char msg[160];
    snprintf(msg, sizeof msg,
             "is not text: %s at byte %zu (UTF-8 without control characters but newline and "
             "tab)",
             wire_text_fault_name(fault), at);
    return msg;
}

int wire_check_text(const char *s, size_t max_len)
{
    /* strnlen: never read past what the limit allows (a text may be huge). */
    size_t len = strnlen(s, max_len == SIZE_MAX ? max_len : max_len + 1);
    size_t at;
    return wire_text_fault(s, len, max_len, &at) == WIRE_TEXT_OK ? 0 : -EILSEQ;
}

/* ---------------------------------------------------- the fields, checked */

/* Reads a varint; returns the bytes it took, 0 if malformed or cut. */
static size_t read_varint(const uint8_t *p, size_t len, uint64_t *v)
{
    *v = 0;
    for (size_t i = 0; i < len && i < 10; i++) {
        *v |= (uint64_t)(p[i] & 0x7F) << (7 * i);
        if ((p[i] & 0x80) == 0)
            return i + 1;
    }
    return 0;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* Appends ".name" (or "name") to the path being built; returns the old
 * length so the caller can cut it back. */
static size_t path_push(char *path, size_t cap, const char *name)
{
    size_t old = strlen(path);
    snprintf(path + old, cap - old, "%s%s", old ? "." : "", name);
    return old;
}

#define WIRE_MAX_DEPTH 16

static int check_message(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len,
                         int depth, char *path, size_t pathcap, char *err, size_t errlen)
{
    if (depth > WIRE_MAX_DEPTH) {
        snprintf(err, errlen, "messages nested too deep");
        return -EINVAL;
    }
    size_t i = 0;
    while (i < len) {
        uint64_t tag, v;
        size_t n = read_varint(p + i, len - i, &tag);
        if (n == 0 || tag >> 3 == 0 || tag >> 3 > UINT32_MAX)
            goto malformed;
        i += n;
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3));
        switch (tag & 7) {
        case 0:
            n = read_varint(p + i, len - i, &v);
            if (n == 0)
                goto malformed;
            i += n;
            if (f == NULL)
                break;
            if (f->type == PROTOBUF_C_TYPE_ENUM &&
                protobuf_c_enum_descriptor_get_value(f->descriptor, (int)(int32_t)v) == NULL) {
                size_t old = path_push(path, pathcap, f->name);
                snprintf(err, errlen, "%s has no value %" PRId32, path, (int32_t)v);
                path[old] = '\0';
                return -EINVAL;
            }
            /* Every time on the wire is milliseconds since 1970 (an int64
             * field named *_ms): one range for all (field_limits.h). */
            if (f->type == PROTOBUF_C_TYPE_INT64 && ends_with(f->name, "_ms") &&
                ((int64_t)v < LIMIT_TIME_MIN_MS || (int64_t)v >= LIMIT_TIME_MAX_MS)) {
                size_t old = path_push(path, pathcap, f->name);
                snprintf(err, errlen,
                         "%s is out of range: %" PRId64
                         " (milliseconds since 1970, 0 to %lld, before 2100)",
                         path, (int64_t)v, LIMIT_TIME_MAX_MS - 1);
                path[old] = '\0';
                return -EINVAL;
            }
            break;
        case 1:
            if (len - i < 8)
                goto malformed;
            i += 8;
            break;
        case 5:
            if (len - i < 4)
                goto malformed;
            i += 4;
            break;
        case 2: {
            n = read_varint(p + i, len - i, &v);
            if (n == 0 || v > len - i - n)
                goto malformed;
            i += n;
            const char *s = (const char *)p + i;
            i += (size_t)v;
            if (f == NULL)
                break;
            if (f->type == PROTOBUF_C_TYPE_STRING) {
                size_t at;
                int fault = wire_text_fault(s, (size_t)v, SIZE_MAX, &at);
                if (fault != WIRE_TEXT_OK) {
                    size_t old = path_push(path, pathcap, f->name);
                    snprintf(err, errlen, "%s %s", path, wire_text_fault_message(fault, at));
                    path[old] = '\0';
                    return -EINVAL;
                }
            } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
                size_t old = path_push(path, pathcap, f->name);
                int rc = check_message(f->descriptor, (const uint8_t *)s, (size_t)v, depth + 1,
                                       path, pathcap, err, errlen);
                path[old] = '\0';
                if (rc < 0)
                    return rc;
            }
            break;
        }
        default:
            goto malformed;
        }
    }
    return 0;
malformed:
    snprintf(err, errlen, "not a valid liandong.v1.Envelope");
    return -EBADMSG;
}

int wire_check_fields(const void *buf, size_t len, char *err, size_t errlen)
{
    char path[256] = "";
    return check_message(&liandong__v1__envelope__descriptor, buf, len, 0, path, sizeof path, err,
                         errlen);
}

const char *wire_error_code_name(Liandong__V1__ErrorCode code)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&liandong__v1__error_code__descriptor, (int)code);
    return v ? v->name : "ERROR_UNKNOWN";
}

const char *wire_body_name(const envelope_t *e)
{
    if (e == NULL)
        return "none";
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
        &liandong__v1__envelope__descriptor, (unsigned)e->body_case);
    return f ? f->name : "none";
}
