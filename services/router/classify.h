/*
 * classify.h - one category per demand (ROUTING.md section 4) and emergency
 * detection (section 6), from weighted lexicons that live in data files
 * under deploy/lexicon/, never in C arrays.
 *
 * The caller passes text that is already normalised (simplified Chinese,
 * half-width, whitespace folded) and from which the located compound's name
 * and aliases have been removed, so that e.g. a compound called
 * "...花园" or "...电梯公寓" cannot vote for a category.
 */
#ifndef LIANDONG_CLASSIFY_H
#define LIANDONG_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "domain.h"
#include "urgency.h"

typedef struct classifier classifier_t;

#define CLASSIFY_EXPLAIN_MAX 2048

typedef struct {
    category_t category; /* CAT_UNCLASSIFIED when nothing fits */
    urgency_t urgency;   /* URG_EMERGENCY when the text describes danger now */
    int32_t scores[CAT_COUNT];
    /* the statistical second opinion (ngram.h): FALLBACK_NONE when it was
     * not consulted (no model, or the lexicon's evidence was strong) */
    enum { FALLBACK_NONE = 0, FALLBACK_KEPT, FALLBACK_DECIDED } fallback;
    int32_t fallback_needed; /* model margin it had to reach (x 100 nats) */
    /* A JSON object (NUL-terminated) saying why: the words that fired per
     * category with their weights, the tie-break rule applied if any, and
     * the emergency cue if any, and when the statistical second opinion was
     * consulted, what it said and whether it decided. Always valid JSON. */
    char explain[CLASSIFY_EXPLAIN_MAX];
    /* The urgency cues the scan found (urgency.h), in text order, and the
     * decision on the text alone. Kept after explain: the router's result
     * clears only what precedes it. */
    urgency_decision_t udec;
    uint8_t n_ucues;
    urgency_cue_t ucues[URGENCY_MAX_CUES];
} classification_t;

/* Load every lexicon file under `dir`, and `dir`/model.tsv, the trained
 * second opinion, when that file exists (without it the lexicon decides
 * alone). On error returns a negative errno and
 * writes a message naming the file and line into err. */
int classifier_load(const char *dir, classifier_t **out, char *err, size_t errlen);
/* Thread-safe on a loaded classifier (read-only). */
int classifier_classify(const classifier_t *c, const char *text, size_t len, classification_t *out);
void classifier_destroy(classifier_t **c);

#endif
