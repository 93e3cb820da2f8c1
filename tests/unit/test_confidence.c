/*
 * test_confidence.c - the confidence of a placement (services/router/
 * confidence.c) on hand-made classifier results, and the review flag as
 * the dry-run reports it for a clear and a vague demand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "domain.h"
#include "../../services/router/confidence.h"

static classification_t cls_of(category_t cat, int score, category_t other, int other_score)
{
    classification_t c;
    memset(&c, 0, sizeof c);
    c.category = cat;
    c.scores[cat] = score;
    if (other != cat)
        c.scores[other] = other_score;
    c.fallback = FALLBACK_NONE;
    return c;
}

static void test_confidence_values(void **state)
{
    (void)state;
    /* a strong, unopposed reading is certain */
    classification_t c = cls_of(CAT_ELEVATOR, 13, CAT_ELEVATOR, 0);
    assert_int_equal(placement_confidence(&c), 100);
    /* score 6 of 12 and a lead of 6 of 8: 25 + 37 */
    c = cls_of(CAT_ELEVATOR, 6, CAT_ELEVATOR, 0);
    assert_int_equal(placement_confidence(&c), 25 + 37);
    /* a tie with the runner-up: only the score speaks */
    c = cls_of(CAT_PARKING, 8, CAT_FIRE_SAFETY, 8);
    assert_int_equal(placement_confidence(&c), 50 * 8 / 12);
    /* the runner-up ahead (a rule moved the pick): no lead */
    c = cls_of(CAT_FIRE_SAFETY, 2, CAT_PARKING, 9);
    assert_int_equal(placement_confidence(&c), 50 * 2 / 12);
    /* the "no demand" score is not a runner-up */
    c = cls_of(CAT_SANITATION, 12, CAT_UNCLASSIFIED, 11);
    assert_int_equal(placement_confidence(&c), 100);
    /* the second opinion decided: at most 30 */
    c = cls_of(CAT_ELEVATOR, 13, CAT_ELEVATOR, 0);
    c.fallback = FALLBACK_DECIDED;
    assert_int_equal(placement_confidence(&c), 30);
    /* unclassified, negative scores, NULL */
    c = cls_of(CAT_UNCLASSIFIED, 0, CAT_UNCLASSIFIED, 0);
    assert_int_equal(placement_confidence(&c), 0);
    c = cls_of(CAT_PARKING, -5, CAT_PARKING, 0);
    assert_int_equal(placement_confidence(&c), 0);
    assert_int_equal(placement_confidence(NULL), 0);
}

static void test_reason_names(void **state)
{
    (void)state;
    const char *n[4];
    assert_int_equal(review_reason_names(0, n, 4), 0);
    assert_int_equal(review_reason_names(REVIEW_LOW_CONFIDENCE | REVIEW_URGENCY_UNCLEAR, n, 4), 2);
    assert_string_equal(n[0], "low_confidence");
    assert_string_equal(n[1], "urgency_unclear");
    assert_int_equal(review_reason_names(REVIEW_URGENCY_UNCLEAR, n, 1), 1);
    assert_string_equal(n[0], "urgency_unclear");
    assert_int_equal(review_reason_names(REVIEW_LOW_CONFIDENCE, n, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confidence_values),
        cmocka_unit_test(test_reason_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
