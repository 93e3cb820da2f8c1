/* test_desk_rid.c - request ids for departments' actions forwarded by the
 * router: the derived form, its bound, refusal of bad input, injectivity on
 * the pairs that a naive concatenation would confuse, and the reserved
 * namespace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "desk_rid.h"
#include "wire.h"

static void test_form(void **state)
{
    (void)state;
    char out[DESK_RID_MAX + 1];
    assert_int_equal(desk_rid_make("PC-YH", "ack-7", out, sizeof out), 0);
    assert_string_equal(out, "desk:PC-YH:ack-7");
    assert_true(desk_rid_reserved(out));
    assert_false(desk_rid_reserved("cli-1-2"));
    assert_false(desk_rid_reserved(""));
    assert_false(desk_rid_reserved(NULL));
}

static void test_bounds(void **state)
{
    (void)state;
    char body[DESK_RID_BODY_MAX + 2], rid[DESK_RID_CLIENT_MAX + 2], out[DESK_RID_MAX + 1];
    memset(body, 'B', sizeof body - 1);
    memset(rid, '~', sizeof rid - 1);
    body[DESK_RID_BODY_MAX] = rid[DESK_RID_CLIENT_MAX] = '\0';
    /* the longest inputs fit exactly, and fit the wire */
    assert_int_equal(desk_rid_make(body, rid, out, sizeof out), 0);
    assert_int_equal(strlen(out), DESK_RID_MAX);
    assert_true(DESK_RID_MAX <= WIRE_REQUEST_ID_MAX);
    assert_int_equal(desk_rid_make(body, rid, out, sizeof out - 1), -ENOSPC);
    /* one byte more is refused */
    body[DESK_RID_BODY_MAX] = 'B';
    body[DESK_RID_BODY_MAX + 1] = '\0';
    assert_int_equal(desk_rid_make(body, "x", out, sizeof out), -EINVAL);
    rid[DESK_RID_CLIENT_MAX] = '~';
    rid[DESK_RID_CLIENT_MAX + 1] = '\0';
    assert_int_equal(desk_rid_make("PC-YH", rid, out, sizeof out), -EINVAL);
}

static void test_bad_input(void **state)
{
    (void)state;
    char out[DESK_RID_MAX + 1];
    static const char *const bad_rids[] = {"", "a b", "a\tb", "a\x01", "a\x7f", "\xe9\x87\x8d"};
    for (size_t i = 0; i < sizeof bad_rids / sizeof bad_rids[0]; i++)
        assert_int_equal(desk_rid_make("PC-YH", bad_rids[i], out, sizeof out), -EINVAL);
    static const char *const bad_bodies[] = {"", "PC:YH", "PC YH", "PC.YH", "\xe5\xb1\x85"};
    for (size_t i = 0; i < sizeof bad_bodies / sizeof bad_bodies[0]; i++)
        assert_int_equal(desk_rid_make(bad_bodies[i], "r1", out, sizeof out), -EINVAL);
    assert_int_equal(desk_rid_make(NULL, "r1", out, sizeof out), -EINVAL);
    assert_int_equal(desk_rid_make("PC-YH", NULL, out, sizeof out), -EINVAL);
    assert_int_equal(desk_rid_make("PC-YH", "r1", NULL, 0), -ENOSPC);
}

static void test_injective(void **state)
{
    (void)state;
    /* pairs whose plain concatenation would be equal */
    static const char *const pairs[][2] = {
        {"PC", "-YH:1"}, {"PC-", "YH:1"}, {"PC-YH", "1"}, {"PC-YH", ":1"}, {"PC-YH:", "1"}};
    char a[DESK_RID_MAX + 1], b[DESK_RID_MAX + 1];
    size_t n = sizeof pairs / sizeof pairs[0];
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n; k++) {
            int ra = desk_rid_make(pairs[i][0], pairs[i][1], a, sizeof a);
            int rb = desk_rid_make(pairs[k][0], pairs[k][1], b, sizeof b);
            if (ra == 0 && rb == 0)
                assert_string_not_equal(a, b);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_injective),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
