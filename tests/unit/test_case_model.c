/* test_case_model.c - the case vocabulary written once (lib/case_model.h):
 * the SQL list of open states is exactly the states case_state_is_open()
 * calls open, in enum order; every state and event name round-trips; and
 * every event the ledger's state table records is a known event kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "case_model.h"
#include "case_state.h"

static void test_open_states_sql(void **state)
{
    (void)state;
    char want[256] = "(";
    size_t open = 0;
    for (int s = 0; s < CS_COUNT; s++) {
        if (!case_state_is_open((case_state_t)s))
            continue;
        char one[40];
        snprintf(one, sizeof one, "%s'%s'", open++ ? "," : "", case_state_name((case_state_t)s));
        strcat(want, one);
    }
    strcat(want, ")");
    assert_string_equal(CASE_OPEN_STATES_SQL, want);
    /* The lifecycle's documented meaning: resolved and closed are not open. */
    assert_int_equal(open, 6);
    assert_false(case_state_is_open(CS_RESOLVED));
    assert_false(case_state_is_open(CS_CLOSED));
    assert_true(case_state_is_open(CS_RETURNED));
    assert_false(case_state_is_open(CS_COUNT));
    assert_false(case_state_is_open((case_state_t)-1));
}

static void test_state_names(void **state)
{
    (void)state;
    for (int s = 0; s < CS_COUNT; s++)
        assert_int_equal(case_state_from_name(case_state_name((case_state_t)s)), s);
    assert_string_equal(case_state_name(CS_RECEIVED), "received");
    assert_string_equal(case_state_name(CS_RETURNED), "returned");
    assert_string_equal(case_state_name(CS_COUNT), "unknown");
    assert_int_equal(case_state_from_name("open"), -EINVAL);
    assert_int_equal(case_state_from_name(""), -EINVAL);
    assert_int_equal(case_state_from_name(NULL), -EINVAL);
}

static void test_event_names(void **state)
{
    (void)state;
    for (int e = 0; e < CE_COUNT; e++) {
        assert_string_not_equal(case_event_name((case_event_t)e), "unknown");
        assert_int_equal(case_event_from_name(case_event_name((case_event_t)e)), e);
    }
    assert_string_equal(case_event_name(CE_CREATED), "created");
    assert_string_equal(case_event_name(CE_DISPATCHED), "dispatched");
    assert_string_equal(case_event_name(CE_COUNT), "unknown");
    assert_int_equal(case_event_from_name("escalate"), -EINVAL);
    assert_int_equal(case_event_from_name(NULL), -EINVAL);
}

static void test_table_events_known(void **state)
{
    (void)state;
    size_t n = 0;
    const case_transition_t *t = case_transitions(&n);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++)
        assert_true(case_event_from_name(t[i].event) >= 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_states_sql),
        cmocka_unit_test(test_state_names),
        cmocka_unit_test(test_event_names),
        cmocka_unit_test(test_table_events_known),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
