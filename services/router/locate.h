/*
 * locate.h - find the compound a demand is about (ROUTING.md section 5.2).
 *
 * A locator is built once per registry: one Aho-Corasick matcher over every
 * compound's name and aliases, normalised like demand text (normalize.h),
 * plus a few conservative "stems" (a name with a generic suffix such as
 * 花园/小区/家园 removed, kept only when at least 3 characters remain and the
 * stem occurs in no other unit's name or alias; a stem only matches when it
 * is followed by the end of the text, a digit, a letter, punctuation or one
 * of 栋幢号楼座期单区小). Once built it is read-only and thread-safe.
 *
 * Locating: the compound code when given and it names a compound; otherwise
 * the longest name/alias/stem found in the address, and only when the
 * address has none, in the text. Equal lengths: the match ending first
 * wins. When two compounds share a name, the one listed first in the
 * registry owns it. Names and aliases of a single character are ignored.
 * Where nothing matches, spaces between Chinese characters are ignored and
 * the address (then the text) is scanned again ("锦绣 家园").
 */
#ifndef LIANDONG_LOCATE_H
#define LIANDONG_LOCATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "normalize.h"
#include "registry.h"

typedef struct locator locator_t;

typedef enum { LOC_NONE = 0, LOC_CODE, LOC_ADDRESS, LOC_TEXT } loc_source_t;

typedef enum { WORD_NAME = 0, WORD_ALIAS, WORD_STEM } loc_word_kind_t;

typedef struct {
    int32_t unit;         /* compound unit index, -1 when not located */
    loc_source_t source;  /* where it was found */
    bool code_unknown;    /* a code was given but names no compound */
    loc_word_kind_t kind; /* for LOC_ADDRESS / LOC_TEXT */
    const char *word;     /* the normalised word that matched (owned by the
                             locator), NULL for LOC_CODE / LOC_NONE */
    size_t start, end;    /* byte offsets of the word in the address/text */
} location_t;

const char *loc_source_name(loc_source_t s);
const char *loc_word_kind_name(loc_word_kind_t k);

/* The registry and normaliser are borrowed and must outlive the locator. */
int locator_create(const registry_t *r, const normalizer_t *n, locator_t **out);
void locator_destroy(locator_t **l);

/* `code` may be NULL; `addr`/`text` must already be normalised (either may
 * be NULL with length 0). Always fills *out; returns 0 or -EINVAL. */
int locator_locate(const locator_t *l, const char *code, size_t code_len, const char *addr,
                   size_t addr_len, const char *text, size_t text_len, location_t *out);

/* Copy normalised `text` into `out` with every occurrence of every compound
 * name, alias and stem replaced by one space (whitespace kept folded), so
 * that compound names cannot vote in classification. `cap` >= len + 1 is
 * always enough. Returns 0, -ENOSPC or -EINVAL. */
int locator_strip(const locator_t *l, const char *text, size_t len, char *out, size_t cap,
                  size_t *out_len);

/* locator_locate() and locator_strip() of the same text in one scan of
 * the text (the address, when given, is scanned first as before). */
int locator_locate_strip(const locator_t *l, const char *code, size_t code_len, const char *addr,
                         size_t addr_len, const char *text, size_t text_len, location_t *loc,
                         char *out, size_t cap, size_t *out_len);

/* Number of patterns (names, aliases and stems) and approximate bytes. */
size_t locator_pattern_count(const locator_t *l);
size_t locator_memory(const locator_t *l);

#endif
