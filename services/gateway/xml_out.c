/*
 * xml_out.c - XML escaping and rendering (see xml_out.h).
 */
#include "xml_out.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t want;
    uint32_t cp;
    if ((s[0] & 0xE0) == 0xC0) {
        want = 2;
        cp = s[0] & 0x1F;
    } else if ((s[0] & 0xF0) == 0xE0) {
        want = 3;
        cp = s[0] & 0x0F;
    } else if ((s[0] & 0xF8) == 0xF0) {
        want = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < want)
        return 0;
    for (size_t i = 1; i < want; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    /* Overlong forms, surrogates, beyond U+10FFFF and the two non-characters
     * XML excludes (U+FFFE, U+FFFF) are not characters XML can carry. */
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[want] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
        cp == 0xFFFF)
        return 0;
    return want;
}

int xml_escape(FILE *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        const char *rep = NULL;
        switch (c) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        case '\r':
            /* A literal CR would be normalised away by the reader. */
            rep = "&#13;";
            break;
        default:
            break;
        }
        if (rep != NULL) {
            fputs(rep, out);
            i++;
            continue;
        }
        if (c < 0x20 && c != '\t' && c != '\n') {
            fputs("\xEF\xBF\xBD", out);
            i++;
            continue;
        }
        size_t n = utf8_len(p + i, len - i);
        if (n == 0) {
            fputs("\xEF\xBF\xBD", out);
            i++;
            continue;
        }
        fwrite(p + i, 1, n, out);
        i += n;
    }
    return ferror(out) ? -EIO : 0;
}

static void render(FILE *out, const json_t *v, const char *name, xml_item_name_fn item_name);

static void render_scalar(FILE *out, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        xml_escape(out, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        fprintf(out, "%.17g", json_real_value(v));
        break;
    case JSON_TRUE:
        fputs("true", out);
        break;
    case JSON_FALSE:
        fputs("false", out);
        break;
    default:
        break;
    }
}

static void render(FILE *out, const json_t *v, const char *name, xml_item_name_fn item_name)
{
    if (v == NULL || json_is_null(v)) {
        fprintf(out, "<%s/>", name);
        return;
    }
    fprintf(out, "<%s>", name);
    if (json_is_object(v)) {
        const char *k;
        const json_t *m;
        json_object_foreach((json_t *)v, k, m)
        {
            render(out, m, k, item_name);
        }
    } else if (json_is_array(v)) {
        const char *item = item_name ? item_name(name) : NULL;
        size_t i;
        const json_t *m;
        json_array_foreach(v, i, m)
        {
            render(out, m, item ? item : "item", item_name);
        }
    } else {
        render_scalar(out, v);
    }
    fprintf(out, "</%s>", name);
}

int xml_render(const json_t *v, const char *root, xml_item_name_fn item_name, char **out,
               size_t *len)
{
    *out = NULL;
    *len = 0;
    FILE *f = open_memstream(out, len);
    if (f == NULL)
        return -ENOMEM;
    fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n", f);
    render(f, v, root, item_name);
    fputc('\n', f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(*out);
        *out = NULL;
        *len = 0;
        return -ENOMEM;
    }
    return 0;
}
