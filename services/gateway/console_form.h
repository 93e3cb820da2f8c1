/*
 * console_form.h - application/x-www-form-urlencoded bodies and query
 * strings, and one cookie out of a Cookie header. Bounded: at most
 * FORM_MAX fields; a %00, a broken escape or a value that is not UTF-8
 * text refuses the whole form (the ledger would refuse it later anyway,
 * and a NUL would silently cut a value short).
 */
#ifndef CONSOLE_FORM_H
#define CONSOLE_FORM_H

#include <stddef.h>

#define FORM_MAX 48

typedef struct {
    char *buf;
    size_t n;
    const char *key[FORM_MAX];
    const char *val[FORM_MAX];
} form_t;

/* 0, -EINVAL (malformed), -E2BIG (too many fields), -ENOMEM. */
int form_parse(form_t *f, const char *s, size_t len);
/* The first value of `name`, or NULL. */
const char *form_get(const form_t *f, const char *name);
/* The value, or "" when absent. */
const char *form_str(const form_t *f, const char *name);
void form_free(form_t *f);
/* Copies cookie `name` from a Cookie header into out; 0, or -ENOENT. */
int cookie_get(const char *header, const char *name, char *out, size_t len);

#endif
