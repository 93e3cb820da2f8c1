/*
 * wechat_xml.c - reading WeChat callback XML with libexpat and writing
 * replies (see wechat_xml.h).
 */
#include "wechat_xml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "field_limits.h"

static const struct {
    const char *name;
    size_t max;
} FIELDS[WX_NFIELDS] = {
    [WX_TO_USER] = {"ToUserName", LIMIT_ID_MAX},
    [WX_FROM_USER] = {"FromUserName", LIMIT_ID_MAX},
    [WX_CREATE_TIME] = {"CreateTime", 20},
    [WX_MSG_TYPE] = {"MsgType", 32},
    [WX_CONTENT] = {"Content", LIMIT_TEXT_MAX},
    [WX_MSG_ID] = {"MsgId", 32},
    [WX_EVENT] = {"Event", 64},
    [WX_EVENT_KEY] = {"EventKey", LIMIT_ID_MAX * 2},
    /* the whole encrypted message: bounded by the document's own limit */
    [WX_ENCRYPT] = {"Encrypt", WECHAT_XML_MAX},
};

const char *wechat_field_name(wechat_field_t f)
{
    return (unsigned)f < WX_NFIELDS ? FIELDS[f].name : "?";
}

size_t wechat_field_max(wechat_field_t f)
{
    return (unsigned)f < WX_NFIELDS ? FIELDS[f].max : 0;
}

typedef struct {
    XML_Parser p;
    wechat_msg_t *m;
    int depth;
    int current; /* the known field being read (at depth 2), or -1 */
    int rc;
    char *why;
    size_t why_len;
} parse_t;

static void stop(parse_t *s, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void stop(parse_t *s, int rc, const char *fmt, ...)
{
    if (s->rc == 0) {
        s->rc = rc;
        if (s->why && s->why_len) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(s->why, s->why_len, fmt, ap);
            va_end(ap);
        }
    }
    XML_StopParser(s->p, XML_FALSE);
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    (void)attrs;
    parse_t *s = ud;
    if (s->rc)
        return;
    s->depth++;
    if (s->depth > WECHAT_XML_DEPTH) {
        stop(s, -EBADMSG, "nested deeper than %d", WECHAT_XML_DEPTH);
        return;
    }
    if (s->depth == 1) {
        if (strcmp(name, "xml") != 0)
            stop(s, -EBADMSG, "root is not <xml>");
        return;
    }
    if (s->current >= 0) {
        stop(s, -EBADMSG, "an element inside %s", FIELDS[s->current].name);
        return;
    }
    if (s->depth != 2)
        return;
    for (int f = 0; f < WX_NFIELDS; f++) {
        if (strcmp(name, FIELDS[f].name) != 0)
            continue;
        if (s->m->field[f] != NULL) {
            stop(s, -EBADMSG, "%s twice", FIELDS[f].name);
            return;
        }
        s->m->field[f] = calloc(1, 1);
        if (s->m->field[f] == NULL) {
            stop(s, -ENOMEM, "out of memory");
            return;
        }
        s->current = f;
        return;
    }
}

static void on_end(void *ud, const XML_Char *name)
{
    (void)name;
    parse_t *s = ud;
    if (s->depth == 2)
        s->current = -1;
    s->depth--;
}

static void on_text(void *ud, const XML_Char *text, int len)
{
    parse_t *s = ud;
    if (s->rc || s->current < 0 || len <= 0)
        return;
    wechat_msg_t *m = s->m;
    int f = s->current;
    if (m->len[f] + (size_t)len > FIELDS[f].max) {
        stop(s, -E2BIG, "%s longer than %zu bytes", FIELDS[f].name, FIELDS[f].max);
        return;
    }
    char *grown = realloc(m->field[f], m->len[f] + (size_t)len + 1);
    if (grown == NULL) {
        stop(s, -ENOMEM, "out of memory");
        return;
    }
    memcpy(grown + m->len[f], text, (size_t)len);
    m->len[f] += (size_t)len;
    grown[m->len[f]] = '\0';
    m->field[f] = grown;
}

/* Why: a DOCTYPE is where entities (billion laughs, external files) are
 * declared; WeChat never sends one, so none is read at all. */
static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                       int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    stop(ud, -EPERM, "a DOCTYPE");
}

static void on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
                      int value_len, const XML_Char *base, const XML_Char *sysid,
                      const XML_Char *pubid, const XML_Char *notation)
{
    (void)name, (void)is_param, (void)value, (void)value_len, (void)base, (void)sysid;
    (void)pubid, (void)notation;
    stop(ud, -EPERM, "an entity declaration");
}

int wechat_xml_parse(const char *xml, size_t n, wechat_msg_t *m, char *why, size_t why_len)
{
    if (m == NULL)
        return -EINVAL;
    memset(m, 0, sizeof(*m));
    if (why && why_len)
        why[0] = '\0';
    if (xml == NULL)
        return -EINVAL;
    if (n > WECHAT_XML_MAX) {
        if (why && why_len)
            snprintf(why, why_len, "%zu bytes, over %d", n, WECHAT_XML_MAX);
        return -E2BIG;
    }
    /* The encoding is fixed: a document declaring another one is read as
     * UTF-8 all the same (what WeChat sends). */
    XML_Parser p = XML_ParserCreate("UTF-8");
    if (p == NULL)
        return -ENOMEM;
    parse_t s = {.p = p, .m = m, .current = -1, .why = why, .why_len = why_len};
    XML_SetUserData(p, &s);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    XML_SetStartDoctypeDeclHandler(p, on_doctype);
    XML_SetEntityDeclHandler(p, on_entity);
    /* No external entity is ever fetched. */
    XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
    enum XML_Status st = XML_Parse(p, xml, (int)n, 1);
    if (st != XML_STATUS_OK && s.rc == 0) {
        s.rc = -EBADMSG;
        if (why && why_len)
            snprintf(why, why_len, "malformed: %s at line %lu",
                     XML_ErrorString(XML_GetErrorCode(p)),
                     (unsigned long)XML_GetCurrentLineNumber(p));
    }
    XML_ParserFree(p);
    return s.rc;
}

void wechat_msg_clear(wechat_msg_t *m)
{
    if (m == NULL)
        return;
    for (int f = 0; f < WX_NFIELDS; f++) {
        free(m->field[f]);
        m->field[f] = NULL;
        m->len[f] = 0;
    }
}

const char *wechat_msg_get(const wechat_msg_t *m, wechat_field_t f)
{
    if (m == NULL || (unsigned)f >= WX_NFIELDS || m->field[f] == NULL)
        return "";
    return m->field[f];
}

/* A growing string for the replies. */
typedef struct {
    char *p;
    size_t len, cap;
    int failed;
} sbuf_t;

static void put(sbuf_t *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *q = realloc(b->p, cap);
        if (q == NULL) {
            b->failed = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(sbuf_t *b, const char *s)
{
    put(b, s, strlen(s));
}

/* s as CDATA: "]]>" cannot appear inside a section, so it is split across
 * two ("]]" ends one, ">" starts the next); C0 controls other than tab,
 * LF and CR are not XML 1.0 characters and are dropped. */
static void put_cdata(sbuf_t *b, const char *s)
{
    puts_(b, "<![CDATA[");
    for (const char *q = s; q && *q; q++) {
        unsigned char ch = (unsigned char)*q;
        if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
            continue;
        if (q[0] == ']' && q[1] == ']' && q[2] == '>') {
            puts_(b, "]]]]><![CDATA[>");
            q += 2;
            continue;
        }
        put(b, q, 1);
    }
    puts_(b, "]]>");
}

static char *finish(sbuf_t *b)
{
    if (b->failed) {
        free(b->p);
        return NULL;
    }
    return b->p;
}

char *wechat_xml_text_reply(const char *to_user, const char *from_user, long long create_time,
                            const char *content)
{
    sbuf_t b = {0};
    char num[32];
    snprintf(num, sizeof num, "%lld", create_time);
    puts_(&b, "<xml><ToUserName>");
    put_cdata(&b, to_user);
    puts_(&b, "</ToUserName><FromUserName>");
    put_cdata(&b, from_user);
    puts_(&b, "</FromUserName><CreateTime>");
    puts_(&b, num);
    puts_(&b, "</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>");
    put_cdata(&b, content);
    puts_(&b, "</Content></xml>");
    return finish(&b);
}

char *wechat_xml_encrypted_reply(const char *encrypt, const char *msg_signature,
                                 const char *timestamp, const char *nonce)
{
    sbuf_t b = {0};
    puts_(&b, "<xml><Encrypt>");
    put_cdata(&b, encrypt);
    puts_(&b, "</Encrypt><MsgSignature>");
    put_cdata(&b, msg_signature);
    puts_(&b, "</MsgSignature><TimeStamp>");
    put_cdata(&b, timestamp);
    puts_(&b, "</TimeStamp><Nonce>");
    put_cdata(&b, nonce);
    puts_(&b, "</Nonce></xml>");
    return finish(&b);
}
