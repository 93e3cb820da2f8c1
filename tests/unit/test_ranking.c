/* test_ranking.c - the property-company ranking (ranking.h): the
 * composite, the 2:5:3 grades, the red and black lists, ties (one place,
 * the next skipped; a group takes the grade and list of the end it
 * reaches), ordered by body id, and companies with no case not ranked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ranking.h"

/* A company whose four rates are all p percent of 100 received / rated. */
static rank_entry_t at(const char *id, uint64_t p)
{
    return (rank_entry_t){.body_id = id,
                          .received = 100,
                          .replied = p,
                          .replied_on_time = p,
                          .resolved = p,
                          .rated = 100,
                          .satisfied = p};
}

static const rank_entry_t *find(const rank_entry_t *e, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].body_id, id) == 0)
            return &e[i];
    return NULL;
}

static void test_composite(void **state)
{
    (void)state;
    rank_entry_t e[] = {{.body_id = "X",
                         .received = 10,
                         .replied = 8,
                         .replied_on_time = 5,
                         .resolved = 6,
                         .rated = 4,
                         .satisfied = 3}};
    ranking_compute(e, 1);
    /* 100 * (0.3*0.8 + 0.2*0.5 + 0.3*0.6 + 0.2*0.75) = 67 */
    assert_true(e[0].score > 66.9999 && e[0].score < 67.0001);
    /* Nothing rated: satisfaction counts 0, it does not help. */
    rank_entry_t u[] = {
        {.body_id = "U", .received = 4, .replied = 4, .replied_on_time = 4, .resolved = 4}};
    ranking_compute(u, 1);
    assert_true(u[0].score > 79.9999 && u[0].score < 80.0001);
}

static void test_ten_distinct(void **state)
{
    (void)state;
    static const char *ids[] = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J"};
    rank_entry_t e[10];
    for (int i = 0; i < 10; i++)
        e[i] = at(ids[9 - i], (uint64_t)(10 + 9 * (9 - i))); /* J best ... A worst */
    ranking_compute(e, 10);
    static const int grades[] = {GRADE_JIA, GRADE_JIA, GRADE_YI,   GRADE_YI,   GRADE_YI,
                                 GRADE_YI,  GRADE_YI,  GRADE_BING, GRADE_BING, GRADE_BING};
    static const int lists[] = {LIST_RED,  LIST_RED,  LIST_NONE, LIST_NONE,  LIST_NONE,
                                LIST_NONE, LIST_NONE, LIST_NONE, LIST_BLACK, LIST_BLACK};
    for (int i = 0; i < 10; i++) {
        assert_string_equal(e[i].body_id, ids[9 - i]);
        assert_int_equal(e[i].rank, i + 1);
        assert_int_equal(e[i].grade, grades[i]);
        assert_int_equal(e[i].list, lists[i]);
    }
}

static void test_ties(void **state)
{
    (void)state;
    /* Places 0..9 by score; B and C tie across the 甲 cut (places 1, 2),
     * G and H tie across the 丙 cut (places 6, 7). */
    rank_entry_t e[] = {at("A", 95), at("C", 90), at("B", 90), at("D", 80), at("E", 70),
                        at("F", 60), at("H", 50), at("G", 50), at("J", 30), at("I", 20)};
    ranking_compute(e, 10);
    /* Equal scores: listed by body id, same rank, the better grade. */
    assert_string_equal(e[1].body_id, "B");
    assert_string_equal(e[2].body_id, "C");
    assert_int_equal(e[1].rank, 2);
    assert_int_equal(e[2].rank, 2);
    assert_int_equal(e[3].rank, 4);
    assert_int_equal(find(e, 10, "B")->grade, GRADE_JIA);
    assert_int_equal(find(e, 10, "C")->grade, GRADE_JIA);
    assert_int_equal(find(e, 10, "D")->grade, GRADE_YI);
    /* Red list: top fifth = 2 places; the tie at place 1-2 is red together. */
    assert_int_equal(find(e, 10, "A")->list, LIST_RED);
    assert_int_equal(find(e, 10, "B")->list, LIST_RED);
    assert_int_equal(find(e, 10, "C")->list, LIST_RED);
    assert_int_equal(find(e, 10, "D")->list, LIST_NONE);
    /* G, H tie at places 7-8 (丙 is the bottom 3 places, 8-10): the group
     * reaches into them, both 丙, rank 7, and I (rank 9, not 8) after. */
    assert_int_equal(find(e, 10, "G")->rank, 7);
    assert_int_equal(find(e, 10, "H")->rank, 7);
    assert_int_equal(find(e, 10, "J")->rank, 9);
    assert_int_equal(find(e, 10, "G")->grade, GRADE_BING);
    assert_int_equal(find(e, 10, "H")->grade, GRADE_BING);
    assert_int_equal(find(e, 10, "F")->grade, GRADE_YI);
    assert_int_equal(find(e, 10, "J")->grade, GRADE_BING);
    assert_int_equal(find(e, 10, "J")->list, LIST_BLACK);
    assert_int_equal(find(e, 10, "I")->list, LIST_BLACK);

    /* A tie straddling the black cut (places 8, 9 of 10) is black-listed
     * whole, as the bottom fifth's ties share its place (issue 11: the old
     * rule, the group's best place, left the black list short). */
    rank_entry_t b[] = {at("A", 99), at("B", 98), at("C", 97), at("D", 96), at("E", 95),
                        at("F", 94), at("G", 93), at("H", 40), at("K", 40), at("Z", 10)};
    ranking_compute(b, 10);
    assert_int_equal(find(b, 10, "H")->list, LIST_BLACK);
    assert_int_equal(find(b, 10, "K")->list, LIST_BLACK);
    assert_int_equal(find(b, 10, "Z")->list, LIST_BLACK);
    assert_int_equal(find(b, 10, "G")->list, LIST_NONE);
}

static void test_equal_on_paper(void **state)
{
    (void)state;
    /* 1/3 of 3 and 2/6 of 6 are the same rates: a tie, whatever the
     * floating point does on the way. */
    rank_entry_t e[] = {{.body_id = "Q",
                         .received = 3,
                         .replied = 1,
                         .replied_on_time = 1,
                         .resolved = 2,
                         .rated = 3,
                         .satisfied = 1},
                        {.body_id = "P",
                         .received = 6,
                         .replied = 2,
                         .replied_on_time = 2,
                         .resolved = 4,
                         .rated = 6,
                         .satisfied = 2}};
    ranking_compute(e, 2);
    assert_int_equal(e[0].rank, 1);
    assert_int_equal(e[1].rank, 1);
    assert_string_equal(e[0].body_id, "P");
    assert_true(e[0].score == e[1].score);
}

static void test_small_and_empty(void **state)
{
    (void)state;
    ranking_compute(NULL, 0);
    rank_entry_t one[] = {at("A", 50)};
    ranking_compute(one, 1);
    assert_int_equal(one[0].rank, 1);
    assert_int_equal(one[0].grade, GRADE_YI); /* round(0.2) = 0 甲, round(0.7) = 1 */
    assert_int_equal(one[0].list, LIST_NONE); /* a fifth of 1 is nobody */
    rank_entry_t all[] = {at("C", 50), at("A", 50), at("B", 50), at("E", 50), at("D", 50)};
    ranking_compute(all, 5);
    /* All equal: nobody can be told from the best or the worst (the old
     * rule made them all 甲 and red). */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(all[i].rank, 1);
        assert_int_equal(all[i].grade, GRADE_YI);
        assert_int_equal(all[i].list, LIST_NONE);
    }
    assert_string_equal(all[0].body_id, "A");
    assert_string_equal(ranking_grade_name(GRADE_BING), "丙");
    assert_string_equal(ranking_list_name(LIST_BLACK), "black");
    assert_string_equal(ranking_list_name(LIST_NONE), "");
}

/* Five ranked, the last four tied at the bottom: 1 甲 red, four 丙 black
 * (the old rule: four 乙, no black list, no 丙). */
static void test_five_with_a_bottom_tie(void **state)
{
    (void)state;
    rank_entry_t e[] = {at("E", 20), at("A", 90), at("D", 20), at("C", 20), at("B", 20)};
    ranking_compute(e, 5);
    assert_string_equal(e[0].body_id, "A");
    assert_int_equal(e[0].rank, 1);
    assert_int_equal(e[0].grade, GRADE_JIA);
    assert_int_equal(e[0].list, LIST_RED);
    for (int i = 1; i < 5; i++) {
        assert_int_equal(e[i].rank, 2);
        assert_int_equal(e[i].grade, GRADE_BING);
        assert_int_equal(e[i].list, LIST_BLACK);
    }
    /* Five distinct: 甲 1, 乙 3 (round(3.5) = 4 places up to 乙), 丙 1. */
    rank_entry_t d[] = {at("A", 90), at("B", 80), at("C", 70), at("D", 60), at("E", 50)};
    ranking_compute(d, 5);
    static const int grades[] = {GRADE_JIA, GRADE_YI, GRADE_YI, GRADE_YI, GRADE_BING};
    static const int lists[] = {LIST_RED, LIST_NONE, LIST_NONE, LIST_NONE, LIST_BLACK};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(d[i].grade, grades[i]);
        assert_int_equal(d[i].list, lists[i]);
    }
    /* Four ranked: grades, but no fifth to list. */
    ranking_compute(d, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(d[i].list, LIST_NONE);
    assert_int_equal(d[3].grade, GRADE_BING);
}

/* A company that received nothing is not ranked: after the others, rank
 * 0, no grade, no list, and it takes no place (the old ranking put
 * companies without cases first, 甲). */
static void test_not_ranked(void **state)
{
    (void)state;
    rank_entry_t e[] = {{.body_id = "A"}, at("B", 50), at("C", 60), {.body_id = "0"},
                        at("D", 40),      at("E", 30), at("F", 20)};
    ranking_compute(e, 7);
    static const char *order[] = {"C", "B", "D", "E", "F", "0", "A"};
    for (int i = 0; i < 7; i++)
        assert_string_equal(e[i].body_id, order[i]);
    assert_int_equal(e[0].rank, 1);
    assert_int_equal(e[4].rank, 5);
    assert_int_equal(e[4].grade, GRADE_BING);
    assert_int_equal(e[4].list, LIST_BLACK);
    for (int i = 5; i < 7; i++) {
        assert_false(e[i].ranked);
        assert_int_equal(e[i].rank, 0);
        assert_int_equal(e[i].grade, GRADE_NONE);
        assert_int_equal(e[i].list, LIST_NONE);
        assert_string_equal(ranking_grade_name(e[i].grade), "");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_composite),
        cmocka_unit_test(test_ten_distinct),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_equal_on_paper),
        cmocka_unit_test(test_small_and_empty),
        cmocka_unit_test(test_five_with_a_bottom_tie),
        cmocka_unit_test(test_not_ranked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
