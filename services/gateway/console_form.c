/*
 * console_form.c - form and cookie parsing (console_form.h).
 */
#include "console_form.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes [s, e) in place into out (never longer); returns the length or
 * -EINVAL. */
static long decode(const char *s, const char *e, char *out)
{
    char *o = out;
    for (; s < e; s++) {
        if (*s == '+') {
            *o++ = ' ';
        } else if (*s == '%') {
            if (e - s < 3 || hexval(s[1]) < 0 || hexval(s[2]) < 0)
                return -EINVAL;
            int v = hexval(s[1]) * 16 + hexval(s[2]);
            if (v == 0)
                return -EINVAL;
            *o++ = (char)v;
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return o - out;
}

int form_parse(form_t *f, const char *s, size_t len)
{
    memset(f, 0, sizeof(*f));
    f->buf = malloc(len * 2 + 2);
    if (f->buf == NULL)
        return -ENOMEM;
    char *o = f->buf;
    const char *end = s + len;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *pe = amp ? amp : end;
        if (pe > s) {
            if (f->n == FORM_MAX) {
                form_free(f);
                return -E2BIG;
            }
            const char *eq = memchr(s, '=', (size_t)(pe - s));
            const char *ke = eq ? eq : pe;
            long kl = decode(s, ke, o);
            if (kl < 0 || wire_check_text(o, 4096) != 0) {
                form_free(f);
                return -EINVAL;
            }
            f->key[f->n] = o;
            o += kl + 1;
            long vl = eq ? decode(eq + 1, pe, o) : (*o = '\0', 0);
            if (vl < 0 || wire_check_text(o, 1 << 20) != 0) {
                form_free(f);
                return -EINVAL;
            }
            f->val[f->n++] = o;
            o += vl + 1;
        }
        s = pe + 1;
    }
    return 0;
}

const char *form_get(const form_t *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->key[i], name) == 0)
            return f->val[i];
    return NULL;
}

const char *form_str(const form_t *f, const char *name)
{
    const char *v = form_get(f, name);
    return v ? v : "";
}

void form_free(form_t *f)
{
    free(f->buf);
    memset(f, 0, sizeof(*f));
}

int cookie_get(const char *header, const char *name, char *out, size_t len)
{
    size_t nl = strlen(name);
    const char *p = header;
    while (p != NULL && *p) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *semi = strchr(p, ';');
        size_t seg = semi ? (size_t)(semi - p) : strlen(p);
        if (seg > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t vl = seg - nl - 1;
            if (vl >= len)
                return -ENOENT;
            memcpy(out, p + nl + 1, vl);
            out[vl] = '\0';
            return 0;
        }
        p = semi;
    }
    return -ENOENT;
}
