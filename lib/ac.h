/*
 * ac.h - Aho-Corasick multi-pattern matcher over bytes (UTF-8 safe because
 * patterns and text are both matched byte for byte).
 *
 * Built once (add all patterns, then build), then scanned many times from
 * any number of threads: a built matcher is read-only. Used by the locator
 * (compound names and aliases) and the classifier (lexicon phrases), so a
 * demand costs one pass over its text whatever the size of the registry.
 */
#ifndef LIANDONG_AC_H
#define LIANDONG_AC_H

#include <stddef.h>
#include <stdint.h>

typedef struct ac_matcher ac_matcher_t;

/* Called for every occurrence of every pattern, in order of end position
 * (and, for one end position, longest pattern first). `start`/`end` are byte
 * offsets, end exclusive. Return non-zero to stop the scan. */
typedef int (*ac_match_fn)(void *ud, uint32_t id, size_t start, size_t end);

int ac_create(ac_matcher_t **out);
/* Add a pattern with a caller-chosen id; empty patterns are refused
 * (-EINVAL). The same bytes may be added under several ids. */
int ac_add(ac_matcher_t *m, const char *pat, size_t len, uint32_t id);
/* Compute failure links; after this no more patterns can be added. */
int ac_build(ac_matcher_t *m);
/* Returns 0, or the non-zero value the callback stopped with. */
int ac_scan(const ac_matcher_t *m, const char *text, size_t len, ac_match_fn fn, void *ud);
size_t ac_pattern_count(const ac_matcher_t *m);
size_t ac_memory(const ac_matcher_t *m);
void ac_destroy(ac_matcher_t **m);

#endif
