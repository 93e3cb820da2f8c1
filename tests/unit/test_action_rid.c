/* test_action_rid.c - request ids for escalations and re-dispatches the
 * router records on a caller's behalf: the two forms, determinism (what
 * makes a repeat a duplicate), distinct ids for other callers, cases and
 * client ids, the bound, refusal of bad input, and the router's reserved
 * namespace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "action_rid.h"
#include "wire.h"

#define CASE "LD-20261207-000001"

static void test_forms(void **state)
{
    (void)state;
    char out[ACTION_RID_MAX + 1];
    assert_int_equal(action_rid_make("body:PC-YH", CASE, "esc-1", out, sizeof out), 0);
    assert_memory_equal(out, "desk:PC-YH:act-", 15);
    assert_int_equal(strlen(out), 15 + 16);
    assert_int_equal(action_rid_make("operator:admin", CASE, "esc-1", out, sizeof out), 0);
    assert_memory_equal(out, "desk:operator.admin:act-", 24);
    assert_int_equal(strlen(out), 24 + 16);
    assert_true(desk_rid_reserved(out));
}

static void test_same_and_distinct(void **state)
{
    (void)state;
    char a[ACTION_RID_MAX + 1], b[ACTION_RID_MAX + 1];
    assert_int_equal(action_rid_make("operator:admin", CASE, "r", a, sizeof a), 0);
    /* Same caller, case and id: the same derived id. */
    assert_int_equal(action_rid_make("operator:admin", CASE, "r", b, sizeof b), 0);
    assert_string_equal(a, b);
    /* Another client id, case or caller: another id. */
    assert_int_equal(action_rid_make("operator:admin", CASE, "s", b, sizeof b), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(action_rid_make("operator:admin", "LD-20261207-000002", "r", b, sizeof b), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(action_rid_make("operator:other", CASE, "r", b, sizeof b), 0);
    assert_string_not_equal(a, b);
    /* A body whose id looks like another role's key cannot reach its ids. */
    assert_int_equal(action_rid_make("body:operator-admin", CASE, "r", b, sizeof b), 0);
    assert_string_not_equal(a, b);
    /* The case and the client id are not simply concatenated. */
    assert_int_equal(action_rid_make("operator:admin", "C1", "2", a, sizeof a), 0);
    assert_int_equal(action_rid_make("operator:admin", "C", "12", b, sizeof b), 0);
    assert_string_not_equal(a, b);
}

static void test_bounds_and_bad_input(void **state)
{
    (void)state;
    char role[ACTION_RID_ROLE_MAX + 1], id[DESK_RID_BODY_MAX + 1];
    char user[sizeof role + sizeof id + 1], out[ACTION_RID_MAX + 1];
    memset(role, 'r', sizeof role - 1);
    memset(id, 'i', sizeof id - 1);
    role[sizeof role - 1] = id[sizeof id - 1] = '\0';
    snprintf(user, sizeof user, "%s:%s", role, id);
    assert_int_equal(action_rid_make(user, CASE, "r", out, sizeof out), 0);
    assert_int_equal(strlen(out), ACTION_RID_MAX);
    assert_true(ACTION_RID_MAX <= WIRE_REQUEST_ID_MAX);
    assert_int_equal(action_rid_make(user, CASE, "r", out, sizeof out - 1), -ENOSPC);
    static const char *const bad_users[] = {
        "",          "admin", ":admin", "operator:", "oper ator:x", "operator:a.b", "operator:a:b",
        "body:PC.YH"};
    for (size_t i = 0; i < sizeof bad_users / sizeof bad_users[0]; i++)
        assert_int_equal(action_rid_make(bad_users[i], CASE, "r1", out, sizeof out), -EINVAL);
    assert_int_equal(action_rid_make(NULL, CASE, "r1", out, sizeof out), -EINVAL);
    assert_int_equal(action_rid_make("operator:admin", "", "r1", out, sizeof out), -EINVAL);
    assert_int_equal(action_rid_make("operator:admin", NULL, "r1", out, sizeof out), -EINVAL);
    assert_int_equal(action_rid_make("operator:admin", CASE, "", out, sizeof out), -EINVAL);
    assert_int_equal(action_rid_make("operator:admin", CASE, "a b", out, sizeof out), -EINVAL);
    assert_int_equal(action_rid_make("operator:admin", CASE, NULL, out, sizeof out), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_same_and_distinct),
        cmocka_unit_test(test_bounds_and_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
