/* test_repeat.c - the similarity the router joins repeats by
 * (services/router/repeat.h): the same problem in other words scores
 * above a different problem of the same compound; the compound's name,
 * punctuation, spaces and case say nothing; empty and invalid text score 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "repeat.h"

static int sim(const char *a, const char *b, const char *noise)
{
    return repeat_similarity(a, strlen(a), b, strlen(b), noise);
}

static void test_same_problem_other_words(void **state)
{
    (void)state;
    const char *lift = "鸿翔花园5栋的电梯停了，老人下不了楼";
    int same1 = sim(lift, "5栋电梯又坏了，停在那里不动，我妈下不了楼", "鸿翔花园");
    int same2 = sim(lift, "鸿翔花园5栋电梯停了好几个小时，下不了楼", "鸿翔花园");
    int other = sim(lift, "鸿翔花园2栋电梯按钮坏了，按了没反应", "鸿翔花园");
    int lamp = sim(lift, "鸿翔花园3栋楼道的灯坏了，晚上很黑", "鸿翔花园");
    assert_true(same1 >= 40);
    assert_true(same2 >= 40);
    assert_true(other < 30);
    assert_true(lamp < 10);
    assert_int_equal(sim(lift, lift, "鸿翔花园"), 100);
    /* symmetric */
    assert_int_equal(sim("电梯停了", "电梯又停了", NULL), sim("电梯又停了", "电梯停了", NULL));
}

static void test_compound_name_is_noise(void **state)
{
    (void)state;
    const char *a = "鸿翔花园3栋楼道的灯坏了";
    const char *b = "鸿翔花园门口的垃圾没人清理";
    /* the shared name alone makes two problems look alike */
    assert_true(sim(a, b, NULL) > sim(a, b, "鸿翔花园"));
    assert_int_equal(sim(a, b, "鸿翔花园"), 0);
}

static void test_punctuation_space_case(void **state)
{
    (void)state;
    assert_int_equal(sim("Lift  STOPPED!!", "lift stopped", NULL), 100);
    assert_int_equal(sim("电梯，停了。", "电梯 停了", NULL), 100);
    assert_int_equal(sim("ＡＢＣ", "abc", NULL), 100); /* full-width folds */
}

static void test_empty_and_invalid(void **state)
{
    (void)state;
    assert_int_equal(sim("", "电梯停了", NULL), 0);
    assert_int_equal(sim("，。！", "，。！", NULL), 0);
    assert_int_equal(sim("\xff\xfe\xc3", "\xff\xfe\xc3", NULL), 0);
    assert_int_equal(sim("电", "电", NULL), 0); /* one character: no bigram */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_problem_other_words),
        cmocka_unit_test(test_compound_name_is_noise),
        cmocka_unit_test(test_punctuation_space_case),
        cmocka_unit_test(test_empty_and_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
