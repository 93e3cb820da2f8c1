/*
 * lexicon.c - tab-separated lexicon file reader and field validators (see
 * lexicon.h). Files are read whole, lines split in place; nothing here
 * trusts the input: every length is checked before use.
 */
#include "lexicon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lex_error(const lex_file_t *f, char *err, size_t errlen, const char *msg)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s:%u: %s", f->path, f->line, msg);
    return -EINVAL;
}

int lex_open(lex_file_t *f, const char *path, char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->path, sizeof(f->path), "%s", path);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        int e = errno ? errno : EIO;
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
        return -e;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        fclose(fp);
        return -ENOMEM;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= LEX_MAX_FILE) {
                free(buf);
                fclose(fp);
                if (err != NULL && errlen > 0)
                    snprintf(err, errlen, "%s: file larger than %u bytes", path, LEX_MAX_FILE);
                return -EFBIG;
            }
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                fclose(fp);
                return -ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: read error", path);
        return -EIO;
    }
    f->buf = buf;
    f->len = len;
    return 0;
}

static int is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

int lex_next(lex_file_t *f, lex_fields_t *out, char *err, size_t errlen)
{
    while (f->buf != NULL && f->pos < f->len) {
        const char *s = f->buf + f->pos;
        size_t rest = f->len - f->pos;
        const char *nl = memchr(s, '\n', rest);
        size_t len = nl ? (size_t)(nl - s) : rest;
        f->pos += len + (nl ? 1 : 0);
        f->line++;
        if (len > 0 && s[len - 1] == '\r')
            len--;
        if (f->line == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
            s += 3; /* UTF-8 byte order mark */
            len -= 3;
        }
        if (memchr(s, '\0', len) != NULL)
            return lex_error(f, err, errlen, "NUL byte in line");
        size_t i = 0;
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == len || s[i] == '#')
            continue; /* blank or comment line */
        memset(out, 0, sizeof(*out));
        size_t fs = 0;
        for (size_t j = 0; j <= len; j++) {
            if (j < len && s[j] != '\t')
                continue;
            const char *fp = s + fs;
            size_t fl = j - fs;
            if (out->n > 0 && fl > 0 && fp[0] == '#')
                break; /* trailing comment */
            if (out->n > 0 && j == len && is_blank(fp, fl))
                break; /* trailing whitespace after the last tab */
            if (out->n == LEX_MAX_FIELDS)
                return lex_error(f, err, errlen, "too many tab-separated fields");
            out->ptr[out->n] = fp;
            out->len[out->n] = fl;
            out->n++;
            fs = j + 1;
        }
        return 1;
    }
    return 0;
}

void lex_close(lex_file_t *f)
{
    if (f == NULL)
        return;
    free(f->buf);
    f->buf = NULL;
    f->len = f->pos = 0;
}

int lex_utf8_ok(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return 0;
            i++;
            continue;
        }
        size_t n;
        unsigned cp;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
            return 0;
        i += n + 1;
    }
    return 1;
}

int lex_check_phrase(const char *s, size_t len)
{
    if (s == NULL || len == 0 || len > LEX_MAX_PHRASE)
        return -EINVAL;
    if (s[0] == ' ' || s[len - 1] == ' ')
        return -EINVAL;
    return lex_utf8_ok(s, len) ? 0 : -EINVAL;
}

int lex_parse_int(const char *s, size_t len, long lo, long hi, long *out)
{
    if (s == NULL || len == 0 || len > 12)
        return -EINVAL;
    size_t i = 0;
    int neg = 0;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len)
        return -EINVAL;
    long v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    if (neg)
        v = -v;
    if (v < lo || v > hi)
        return -EINVAL;
    *out = v;
    return 0;
}

int lex_field_is(const char *s, size_t len, const char *word)
{
    size_t wl = strlen(word);
    return wl == len && memcmp(s, word, len) == 0;
}
