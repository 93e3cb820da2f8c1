/*
 * normalize.c - see normalize.h.
 *
 * One pass decodes UTF-8 (invalid bytes become '?'), maps full-width forms
 * U+FF01..U+FF5E to ASCII and the ideographic space to a space, folds
 * whitespace, and notes whether any character is one OpenCC t2s could
 * change. Only then is OpenCC run, on the folded text. Most demands are
 * already simplified Chinese, so most skip OpenCC entirely.
 *
 * The "could change" set is computed when the normaliser is created by
 * converting every CJK code point on its own (one OpenCC call over a list
 * separated by newlines), so it follows the installed dictionaries. t2s
 * also has phrase entries made only of characters that do not change on
 * their own (回覆 -> 回复, 沈默 -> 沉默, 瞭解 -> 了解, 藉口 -> 借口,
 * 衹得 -> 只得, 牴牾 -> 抵牾); the characters that differ in those phrases
 * are added by hand (taken from TSPhrases.ocd2 of OpenCC 1.1.5; the unit
 * test checks them against OpenCC itself).
 *
 * The same probe records what each character becomes on its own. OpenCC
 * converts a text character by character except inside its phrase table,
 * and a phrase converts differently from its characters only where it holds
 * one of a few "culprit" characters (phrase_culprits below, computed from
 * TSPhrases/TSCharacters of OpenCC 1.1.5: for every phrase whose
 * conversion differs from its characters' one, the characters that differ).
 * So a text with traditional characters but no culprit is converted from
 * the table, which gives exactly OpenCC's result at a hundredth of the cost
 * (an OpenCC call costs about 150,000 instructions for a short demand);
 * texts with a culprit, or a character that does not map to exactly one
 * BMP character, still go through OpenCC.
 */
#include "normalize.h"

#include <errno.h>
#include <opencc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CP_LIMIT 0x40000 /* code points above this never change in t2s */
#define FAST_LO 0x3000   /* lead bytes 0xE3..0xE9 */
#define FAST_HI 0xA000
#define FL_MARKED 1u
#define FL_FULL 2u

struct normalizer {
    opencc_t cc;
    bool always_convert; /* probe failed: take the slow path every time */
    uint8_t changes[CP_LIMIT / 8];
    uint8_t needs_opencc[0x10000 / 8]; /* BMP characters the table cannot do */
    uint16_t t2s[0x10000];             /* BMP character -> simplified, 0: same */
    /* U+3000..U+9FFF (the fast path's characters): FL_MARKED when marked(),
     * FL_FULL when needs_full(), so that a character costs one load */
    uint8_t cjk_flags[FAST_HI - FAST_LO];
};

/* Characters that do not change on their own but do in some phrase made
 * otherwise of simplified characters (回覆, 沈默, 瞭解, 藉口, 衹得, 牴牾):
 * they alone send a text to OpenCC. Other culprits (么 of 什么 is one) only
 * matter in a text that has traditional characters anyway. */
static const uint32_t phrase_triggers[] = {0x6C88 /* 沈 */, 0x7274 /* 牴 */, 0x77AD /* 瞭 */,
                                           0x85C9 /* 藉 */, 0x8879 /* 衹 */, 0x8986 /* 覆 */};

/* Characters whose conversion inside some t2s phrase differs from their
 * conversion on their own (OpenCC 1.1.5 TSPhrases.ocd2 vs TSCharacters). */
static const uint16_t phrase_culprits[] = {
    0x4E48, 0x4E7E, 0x4FF1, 0x5412, 0x5641, 0x5F77, 0x5FB5, 0x65BC, 0x6607, 0x6C88, 0x6FDB, 0x7274,
    0x756B, 0x77AD, 0x85B9, 0x85C9, 0x8879, 0x8986, 0x9245, 0x934A, 0x937E, 0x9EBC, 0x9EBD};

static const struct {
    uint32_t lo, hi;
} probe_ranges[] = {{0x3400, 0x9FFF}, {0xF900, 0xFAFF}};

/* Supplementary-plane ideographs (U+20000 and up) are not probed: there are
 * some 200,000 of them and probing them cost most of a registry load. Any
 * of them sends the text down the OpenCC path instead (see marked()), which
 * is always correct and only slower for these rare characters. */
#define CP_PROBED_LIMIT 0x20000

static bool needs_full(const normalizer_t *n, uint32_t cp);

static void mark(normalizer_t *n, uint32_t cp)
{
    if (cp < CP_LIMIT)
        n->changes[cp >> 3] |= (uint8_t)(1u << (cp & 7));
}

static bool marked(const normalizer_t *n, uint32_t cp)
{
    if (cp >= CP_PROBED_LIMIT)
        return cp < CP_LIMIT;
    return (n->changes[cp >> 3] & (1u << (cp & 7))) != 0;
}

static size_t utf8_encode(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

#define CP_INVALID UINT32_MAX

/* Decode one code point; returns the bytes consumed (>= 1). Overlong forms,
 * surrogates and values above U+10FFFF are invalid (1 byte consumed). */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t need;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        v = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        v = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        *cp = CP_INVALID;
        return 1;
    }
    if (len < need) {
        *cp = CP_INVALID;
        return 1;
    }
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = CP_INVALID;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = CP_INVALID;
        return 1;
    }
    *cp = v;
    return need;
}

static bool is_space(uint32_t cp)
{
    return cp <= 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

static bool is_invisible(uint32_t cp)
{
    /* zero-width space/joiners and the byte order mark: dropped */
    return (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF;
}

static int probe(normalizer_t *n)
{
    size_t count = 0;
    for (size_t r = 0; r < sizeof probe_ranges / sizeof probe_ranges[0]; r++)
        count += probe_ranges[r].hi - probe_ranges[r].lo + 1;
    char *buf = malloc(count * 5 + 1);
    if (buf == NULL)
        return -ENOMEM;
    size_t len = 0;
    for (size_t r = 0; r < sizeof probe_ranges / sizeof probe_ranges[0]; r++) {
        for (uint32_t cp = probe_ranges[r].lo; cp <= probe_ranges[r].hi; cp++) {
            len += utf8_encode(cp, buf + len);
            buf[len++] = '\n';
        }
    }
    buf[len] = '\0';
    char *conv = opencc_convert_utf8(n->cc, buf, len);
    free(buf);
    if (conv == NULL)
        return -EIO;
    /* walk input code points and output lines side by side */
    const char *p = conv;
    int rc = 0;
    for (size_t r = 0; r < sizeof probe_ranges / sizeof probe_ranges[0] && rc == 0; r++) {
        for (uint32_t cp = probe_ranges[r].lo; cp <= probe_ranges[r].hi; cp++) {
            const char *nl = strchr(p, '\n');
            if (nl == NULL) {
                rc = -EIO;
                break;
            }
            char enc[4];
            size_t el = utf8_encode(cp, enc);
            if ((size_t)(nl - p) != el || memcmp(p, enc, el) != 0) {
                mark(n, cp);
                uint32_t to = CP_INVALID;
                size_t used = utf8_decode((const unsigned char *)p, (size_t)(nl - p), &to);
                /* the table holds only one 3-byte character for another */
                if (cp < 0x10000 && used == 3 && (size_t)(nl - p) == 3 && to != CP_INVALID &&
                    to >= 0x800 && to < 0x10000 && cp >= 0x800)
                    n->t2s[cp] = (uint16_t)to;
                else if (cp < 0x10000)
                    n->needs_opencc[cp >> 3] |= (uint8_t)(1u << (cp & 7));
            }
            p = nl + 1;
        }
    }
    opencc_convert_utf8_free(conv);
    return rc;
}

int normalizer_create(normalizer_t **out)
{
    if (out == NULL)
        return -EINVAL;
    *out = NULL;
    normalizer_t *n = calloc(1, sizeof(*n));
    if (n == NULL)
        return -ENOMEM;
    n->cc = opencc_open("t2s.json");
    if (n->cc == (opencc_t)-1 || n->cc == NULL) {
        free(n);
        return -ENOENT;
    }
    if (probe(n) < 0)
        n->always_convert = true; /* still correct, only slower */
    for (size_t i = 0; i < sizeof phrase_culprits / sizeof phrase_culprits[0]; i++) {
        uint32_t cp = phrase_culprits[i];
        n->needs_opencc[cp >> 3] |= (uint8_t)(1u << (cp & 7));
    }
    for (size_t i = 0; i < sizeof phrase_triggers / sizeof phrase_triggers[0]; i++)
        mark(n, phrase_triggers[i]);
    for (uint32_t cp = FAST_LO; cp < FAST_HI; cp++)
        n->cjk_flags[cp - FAST_LO] =
            (uint8_t)((marked(n, cp) ? FL_MARKED : 0) | (needs_full(n, cp) ? FL_FULL : 0));
    *out = n;
    return 0;
}

void normalizer_destroy(normalizer_t **n)
{
    if (n == NULL || *n == NULL)
        return;
    opencc_close((*n)->cc);
    free(*n);
    *n = NULL;
}

size_t normalize_bound(size_t len)
{
    /* folding never grows the text; t2s maps characters to characters of at
     * most 4 bytes, so doubling is ample */
    return len * 2 + 16;
}

static bool needs_full(const normalizer_t *n, uint32_t cp)
{
    if (cp >= 0x10000)
        return true;
    return (n->needs_opencc[cp >> 3] & (1u << (cp & 7))) != 0;
}

/* Character-by-character t2s from the probed table, in place: every entry
 * maps a 3-byte character to a 3-byte character, so lengths never change. */
static void table_convert(const normalizer_t *n, char *buf, size_t len)
{
    unsigned char *u = (unsigned char *)buf;
    for (size_t i = 0; i + 2 < len;) {
        if (u[i] < 0xE0 || u[i] > 0xEF) {
            i++;
            continue;
        }
        uint32_t cp = ((uint32_t)(u[i] & 0x0F) << 12) | ((uint32_t)(u[i + 1] & 0x3F) << 6) |
                      (uint32_t)(u[i + 2] & 0x3F);
        uint16_t to = n->t2s[cp];
        if (to != 0)
            utf8_encode(to, buf + i);
        i += 3;
    }
}

bool normalize_needs_opencc(const normalizer_t *n, const char *s, size_t len)
{
    if (n == NULL || s == NULL)
        return false;
    if (n->always_convert)
        return true;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        if (u[i] < 0xE3) { /* everything below U+3000 */
            i++;
            continue;
        }
        uint32_t cp;
        i += utf8_decode(u + i, len - i, &cp);
        if (cp != CP_INVALID && marked(n, cp))
            return true;
    }
    return false;
}

int normalize_text(const normalizer_t *n, const char *in, size_t len, char *out, size_t cap,
                   size_t *out_len)
{
    if (out_len != NULL)
        *out_len = 0;
    if (n == NULL || (in == NULL && len > 0) || out == NULL || cap == 0)
        return -EINVAL;
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    bool pending_space = false, convert = n->always_convert, overflow = false;
    bool full = n->always_convert; /* OpenCC itself, not the table */
    unsigned fast_flags = 0;       /* cjk_flags of the fast path's characters */
    for (size_t i = 0; i < len;) {
        /* Fast path: printable ASCII and well-formed 3-byte characters that
         * need no folding (most of a Chinese text) are copied as they are. */
        unsigned char c0 = s[i];
        if (c0 > 0x20 && c0 < 0x7F && o + 2 < cap) {
            if (pending_space)
                out[o++] = ' ';
            pending_space = false;
            out[o++] = (char)c0;
            i++;
            continue;
        }
        if (c0 >= 0xE3 && c0 <= 0xE9 && i + 2 < len && (s[i + 1] & 0xC0) == 0x80 &&
            (s[i + 2] & 0xC0) == 0x80 && o + 4 < cap) {
            uint32_t fcp = ((uint32_t)(c0 & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) |
                           (uint32_t)(s[i + 2] & 0x3F);
            if (fcp != 0x3000) { /* the ideographic space is folded below */
                fast_flags |= n->cjk_flags[fcp - FAST_LO];
                if (pending_space)
                    out[o++] = ' ';
                pending_space = false;
                memcpy(out + o, s + i, 3);
                o += 3;
                i += 3;
                continue;
            }
        }
        uint32_t cp;
        i += utf8_decode(s + i, len - i, &cp);
        if (cp == CP_INVALID)
            cp = '?';
        else if (cp >= 0xFF01 && cp <= 0xFF5E)
            cp -= 0xFEE0;
        if (is_invisible(cp))
            continue;
        if (is_space(cp)) {
            pending_space = o > 0;
            continue;
        }
        convert = convert || marked(n, cp);
        full = full || needs_full(n, cp);
        char enc[4];
        size_t el = utf8_encode(cp, enc);
        size_t need = el + (pending_space ? 1 : 0);
        if (o + need + 1 > cap) {
            overflow = true;
            o += need;
            pending_space = false;
            continue;
        }
        if (pending_space)
            out[o++] = ' ';
        pending_space = false;
        memcpy(out + o, enc, el);
        o += el;
    }
    convert = convert || (fast_flags & FL_MARKED);
    full = full || (fast_flags & FL_FULL);
    if (overflow) {
        if (out_len != NULL)
            *out_len = o; /* before t2s, which rarely changes the length */
        out[0] = '\0';
        return -ENOSPC;
    }
    out[o] = '\0';
    if (convert && !full) {
        table_convert(n, out, o);
        convert = false;
    }
    if (convert && o > 0) {
        char *conv = opencc_convert_utf8(n->cc, out, o);
        if (conv == NULL)
            return -EIO;
        size_t cl = strlen(conv);
        if (cl + 1 > cap) {
            opencc_convert_utf8_free(conv);
            if (out_len != NULL)
                *out_len = cl;
            out[0] = '\0';
            return -ENOSPC;
        }
        memcpy(out, conv, cl + 1);
        opencc_convert_utf8_free(conv);
        o = cl;
    }
    if (out_len != NULL)
        *out_len = o;
    return 0;
}
