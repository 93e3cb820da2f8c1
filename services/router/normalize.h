/*
 * normalize.h - text normalisation shared by the locator and the classifier
 * (ROUTING.md section 5.1): traditional -> simplified Chinese (OpenCC t2s),
 * full-width -> half-width (ASCII range and the ideographic space), runs of
 * whitespace and control characters folded to one space and trimmed, and
 * invalid UTF-8 bytes replaced by '?'.
 *
 * A normaliser is created once and is then read-only; normalize_text() may
 * be called from several threads at once.
 */
#ifndef LIANDONG_NORMALIZE_H
#define LIANDONG_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct normalizer normalizer_t;

/* Opens OpenCC's t2s.json. Returns 0, or -ENOENT when OpenCC cannot open
 * its configuration, -ENOMEM. */
int normalizer_create(normalizer_t **out);
void normalizer_destroy(normalizer_t **n);

/* A capacity (including the NUL) that is always enough for `len` bytes. */
size_t normalize_bound(size_t len);

/* Normalise in[0..len) into out (capacity `cap`, NUL-terminated). Returns 0
 * with *out_len set, -ENOSPC when `cap` is too small (then *out_len, when
 * known, is the length needed without the NUL), -EINVAL, or -EIO when OpenCC
 * fails. `in` need not be NUL-terminated and may hold any bytes. */
int normalize_text(const normalizer_t *n, const char *in, size_t len, char *out, size_t cap,
                   size_t *out_len);

/* True when the text (UTF-8) holds a character OpenCC t2s would change,
 * i.e. the slow path is needed. Exposed for tests. */
bool normalize_needs_opencc(const normalizer_t *n, const char *s, size_t len);

#endif
