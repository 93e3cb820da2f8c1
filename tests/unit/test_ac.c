/* test_ac.c - Aho-Corasick matcher: overlapping, nested and UTF-8 patterns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "ac.h"

typedef struct {
    uint32_t id[32];
    size_t start[32], end[32];
    int n;
} hits_t;

static int collect(void *ud, uint32_t id, size_t start, size_t end)
{
    hits_t *h = ud;
    if (h->n < 32) {
        h->id[h->n] = id;
        h->start[h->n] = start;
        h->end[h->n] = end;
        h->n++;
    }
    return 0;
}

static void test_overlapping(void **state)
{
    (void)state;
    ac_matcher_t *m = NULL;
    assert_int_equal(ac_create(&m), 0);
    assert_int_equal(ac_add(m, "he", 2, 1), 0);
    assert_int_equal(ac_add(m, "she", 3, 2), 0);
    assert_int_equal(ac_add(m, "his", 3, 3), 0);
    assert_int_equal(ac_add(m, "hers", 4, 4), 0);
    assert_int_equal(ac_build(m), 0);
    hits_t h = {0};
    assert_int_equal(ac_scan(m, "ushers", 6, collect, &h), 0);
    assert_int_equal(h.n, 3);
    assert_int_equal(h.id[0], 2); /* she, longest first at end 4 */
    assert_int_equal(h.start[0], 1);
    assert_int_equal(h.id[1], 1); /* he */
    assert_int_equal(h.start[1], 2);
    assert_int_equal(h.id[2], 4); /* hers */
    assert_int_equal(h.end[2], 6);
    ac_destroy(&m);
    assert_null(m);
}

static void test_utf8_nested(void **state)
{
    (void)state;
    ac_matcher_t *m = NULL;
    assert_int_equal(ac_create(&m), 0);
    const char *a = "锦绣家园", *b = "锦绣家园二期";
    assert_int_equal(ac_add(m, a, strlen(a), 10), 0);
    assert_int_equal(ac_add(m, b, strlen(b), 11), 0);
    assert_int_equal(ac_add(m, a, strlen(a), 12), 0); /* same bytes, second id */
    assert_int_equal(ac_build(m), 0);
    const char *t = "住在锦绣家园二期3栋";
    hits_t h = {0};
    assert_int_equal(ac_scan(m, t, strlen(t), collect, &h), 0);
    assert_int_equal(h.n, 3);
    assert_int_equal(h.id[2], 11);
    assert_int_equal(h.start[2], strlen("住在"));
    assert_int_equal(ac_pattern_count(m), 3);
    assert_int_equal(ac_add(m, "x", 1, 1), -EBUSY);
    ac_destroy(&m);
}

static int stop_at_first(void *ud, uint32_t id, size_t start, size_t end)
{
    (void)start;
    (void)end;
    *(uint32_t *)ud = id;
    return 7;
}

static void test_stop_and_errors(void **state)
{
    (void)state;
    ac_matcher_t *m = NULL;
    assert_int_equal(ac_create(&m), 0);
    assert_int_equal(ac_add(m, "", 0, 1), -EINVAL);
    assert_int_equal(ac_scan(m, "a", 1, stop_at_first, NULL), -EINVAL); /* not built */
    assert_int_equal(ac_add(m, "ab", 2, 5), 0);
    assert_int_equal(ac_build(m), 0);
    uint32_t got = 0;
    assert_int_equal(ac_scan(m, "xxabab", 6, stop_at_first, &got), 7);
    assert_int_equal(got, 5);
    assert_int_equal(ac_scan(m, "", 0, stop_at_first, &got), 0);
    ac_destroy(&m);
    ac_destroy(&m); /* idempotent */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlapping),
        cmocka_unit_test(test_utf8_nested),
        cmocka_unit_test(test_stop_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
