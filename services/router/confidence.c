/*
 * confidence.c - the confidence of a placement's category (see
 * confidence.h). Integer arithmetic only: it runs on every decision.
 */
#include "confidence.h"

/* A score of SCORE_FULL or more says all the text can say (a phrase of 6-9
 * names a category, two of them are certain); a lead of LEAD_FULL over the
 * runner-up leaves no doubt between two readings. */
#define SCORE_FULL 12
#define LEAD_FULL 8
/* The statistical second opinion decides only where the lexicon had little
 * to say: such a placement is never more than this sure. */
#define MODEL_DECIDED_MAX 30

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int placement_confidence(const classification_t *cls)
{
    if (cls == NULL || cls->category == CAT_UNCLASSIFIED || cls->category >= CAT_COUNT)
        return 0;
    int score = cls->scores[cls->category];
    int runner_up = 0;
    for (int c = 0; c < CAT_UNCLASSIFIED; c++)
        if (c != (int)cls->category && cls->scores[c] > runner_up)
            runner_up = cls->scores[c];
    int lead = score - runner_up;
    int pct =
        50 * clamp(score, 0, SCORE_FULL) / SCORE_FULL + 50 * clamp(lead, 0, LEAD_FULL) / LEAD_FULL;
    if (cls->fallback == FALLBACK_DECIDED && pct > MODEL_DECIDED_MAX)
        pct = MODEL_DECIDED_MAX;
    return clamp(pct, 0, 100);
}

size_t review_reason_names(unsigned why, const char **out, size_t max)
{
    size_t n = 0;
    if ((why & REVIEW_LOW_CONFIDENCE) && n < max)
        out[n++] = "low_confidence";
    if ((why & REVIEW_URGENCY_UNCLEAR) && n < max)
        out[n++] = "urgency_unclear";
    return n;
}
