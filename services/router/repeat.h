/*
 * repeat.h - how close two residents' texts are, for one case for one
 * problem (docs/repeats.md): the Dice coefficient of the two texts'
 * character bigrams, ignoring spaces and punctuation and ASCII case.
 * Pure functions, no state: the router scores a new demand against the
 * open cases the ledger lists (intake.c).
 */
#ifndef LIANDONG_ROUTER_REPEAT_H
#define LIANDONG_ROUTER_REPEAT_H

#include <stddef.h>

#define REPEAT_THRESHOLD_DEFAULT 0     /* percent; 0 = matching off */
#define REPEAT_WINDOW_HOURS_DEFAULT 72 /* how far back an open case is a candidate */
#define REPEAT_CANDIDATES 50           /* newest first, at most this many */
#define REPEAT_TEXT_MAX 2000           /* characters of each text compared */

/* 0..100: 2 * |shared bigrams| / (|bigrams of a| + |bigrams of b|), each
 * text's bigrams counted once. `noise` (NUL-terminated, NULL or "" for
 * none) is left out of both texts wherever it occurs: the compound's name,
 * which every candidate shares and which says nothing of the problem.
 * 0 when either has no bigram, or out of memory (no match is the safe
 * answer: the demand becomes a case). */
int repeat_similarity(const char *a, size_t alen, const char *b, size_t blen, const char *noise);

#endif
