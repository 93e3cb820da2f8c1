/*
 * reply_text.c - counting the content of a reply (see reply_text.h).
 */
#include "reply_text.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

/* Decodes one UTF-8 sequence; returns its length, or 0 when invalid (the
 * wire layer has checked UTF-8 already: this is belt and braces). */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t n = (s[0] & 0xE0) == 0xC0   ? 2
               : (s[0] & 0xF0) == 0xE0 ? 3
               : (s[0] & 0xF8) == 0xF0 ? 4
                                       : 0;
    if (n == 0)
        return 0;
    uint32_t v = s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return n;
}

/* Whitespace, punctuation and symbols: not content. */
static int is_filler(uint32_t c)
{
    static const struct {
        uint32_t lo, hi;
    } ranges[] = {
        {0x00, 0x2F},     {0x3A, 0x40},     {0x5B, 0x60},     {0x7B, 0xBF},     /* ASCII, Latin-1 */
        {0xD7, 0xD7},     {0xF7, 0xF7},     {0x1680, 0x1680}, {0x2000, 0x2BFF}, /* general
                                                                                 * punctuation,
                                                                                 * symbols */
        {0x3000, 0x303F},                   /* CJK punctuation */
        {0xFE10, 0xFE1F}, {0xFE30, 0xFE6F}, /* vertical, small */
        {0xFEFF, 0xFEFF}, {0xFF00, 0xFF0F}, {0xFF1A, 0xFF20}, {0xFF3B, 0xFF40}, {0xFF5B, 0xFF65},
        {0xFFE0, 0xFFEF}, /* full-width */
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (c >= ranges[i].lo && c <= ranges[i].hi)
            return 1;
    return 0;
}

size_t reply_text_content_chars(const char *text)
{
    size_t n = 0;
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    while (*s) {
        uint32_t cp = 0;
        size_t len = utf8_next(s, &cp);
        if (len == 0) {
            s++;
            continue;
        }
        if (!is_filler(cp))
            n++;
        s += len;
    }
    return n;
}

int reply_text_check(const char *text, size_t min_chars, const char *what, char *why, size_t len)
{
    if (min_chars == 0)
        min_chars = 1; /* an empty answer is never an answer */
    size_t n = reply_text_content_chars(text);
    if (n >= min_chars)
        return 0;
    if (text == NULL || *text == '\0')
        snprintf(why, len, "%s is required: an empty text is no answer", what);
    else
        snprintf(why, len,
                 "%s must say something: %zu character(s) of content besides spaces and "
                 "punctuation, at least %zu needed",
                 what, n, min_chars);
    return -EINVAL;
}
