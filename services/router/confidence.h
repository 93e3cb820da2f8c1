/*
 * confidence.h - how sure the router is of a placement's category, and
 * whether the dispatch centre should look at it (issue 19: "say when
 * unsure").
 *
 * The confidence is read from the classifier's own evidence: the chosen
 * category's lexicon score (how much the text says about it) and its lead
 * over the runner-up (how clearly it beats the next reading), capped by the
 * statistical second opinion when that decided (the lexicon had little to
 * say). Measured on the first measurements of blind rounds 4 and 5 (404
 * demands, 32 misplaced) in docs/router.md: below 40 it flags 16 of the 32
 * misplacements and 19% of the right placements.
 */
#ifndef LIANDONG_ROUTER_CONFIDENCE_H
#define LIANDONG_ROUTER_CONFIDENCE_H

#include "classify.h"

/* The default threshold below which a placement is flagged for review. */
#define CONFIDENCE_REVIEW_BELOW_DEFAULT 40

/* Why a placement is flagged for the dispatch centre's review (bits). */
enum {
    REVIEW_LOW_CONFIDENCE = 1 << 0, /* the category is a weak reading */
    REVIEW_URGENCY_UNCLEAR = 1 << 1 /* raised to emergency though its time is unclear */
};

/* The confidence in percent, 0..100: 0 for a demand left unclassified. */
int placement_confidence(const classification_t *cls);

/* The names of the review bits set in `why`, for JSON and the wire:
 * writes at most `max` pointers to static strings, returns how many. */
size_t review_reason_names(unsigned why, const char **out, size_t max);

#endif
