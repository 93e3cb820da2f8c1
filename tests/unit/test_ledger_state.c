/* test_ledger_state.c - the case state table: every legal transition with
 * every role that may take it, every illegal (state, action) pair, and
 * every role that may not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "case_state.h"

static const unsigned all_roles[] = {CASE_ROLE_HOLDER, CASE_ROLE_DISPATCH, CASE_ROLE_OPERATOR,
                                     CASE_ROLE_SERVICE, CASE_ROLE_RESIDENT};
#define NROLES (sizeof all_roles / sizeof all_roles[0])

static const case_transition_t *find(case_state_t s, case_action_t a)
{
    size_t n;
    const case_transition_t *t = case_transitions(&n);
    for (size_t i = 0; i < n; i++)
        if (t[i].from == s && t[i].action == a)
            return &t[i];
    return NULL;
}

/* Replies and resolutions: the holder, or the dispatch centre on its
 * behalf (issue 11, ROUTING.md section 8). */
#define ANSWER (CASE_ROLE_HOLDER | CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR)

/* The holder pauses, resumes and asks for time; the dispatch centre (or an
 * operator) may resume too, and so may a service (the notifier, when a
 * pause reaches its limit); only the centre grants or refuses. */
#define CLOCK(S)                                                                                   \
    {S, CA_PAUSE, S, CASE_ROLE_HOLDER},                                                            \
        {S, CA_RESUME, S,                                                                          \
         CASE_ROLE_HOLDER | CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR | CASE_ROLE_SERVICE},          \
        {S, CA_EXTEND, S, CASE_ROLE_HOLDER},                                                       \
        {S, CA_GRANT, S, CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},                                 \
    {                                                                                              \
        S, CA_REFUSE, S, CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR                                   \
    }

/* The lifecycle as docs/case-lifecycle.md draws it: written out here a
 * second time on purpose, so an accidental edit of the table fails. */
static const struct {
    case_state_t from;
    case_action_t action;
    case_state_t to;
    unsigned roles;
} expected[] = {
    {CS_RECEIVED, CA_DISPATCH, CS_ASSIGNED, CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},
    {CS_RECEIVED, CA_CLOSE, CS_CLOSED, CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},
    {CS_ASSIGNED, CA_DELIVERED, CS_DELIVERED, CASE_ROLE_HOLDER | CASE_ROLE_SERVICE},
    {CS_ASSIGNED, CA_ACCEPT, CS_ACCEPTED, CASE_ROLE_HOLDER},
    {CS_ASSIGNED, CA_REPLY, CS_REPLIED, ANSWER},
    {CS_ASSIGNED, CA_RETURN, CS_RETURNED, CASE_ROLE_HOLDER},
    {CS_ASSIGNED, CA_ESCALATE, CS_ASSIGNED,
     CASE_ROLE_HOLDER | CASE_ROLE_SERVICE | CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},
    {CS_ASSIGNED, CA_DISPATCH, CS_ASSIGNED, CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},
    {CS_ASSIGNED, CA_CLOSE, CS_CLOSED, CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},
    {CS_DELIVERED, CA_ACCEPT, CS_ACCEPTED, CASE_ROLE_HOLDER},
    {CS_DELIVERED, CA_REPLY, CS_REPLIED, ANSWER},
    {CS_DELIVERED, CA_RETURN, CS_RETURNED, CASE_ROLE_HOLDER},
    {CS_DELIVERED, CA_ESCALATE, CS_ASSIGNED,
     CASE_ROLE_HOLDER | CASE_ROLE_SERVICE | CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},
    {CS_DELIVERED, CA_DISPATCH, CS_ASSIGNED, CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},
    {CS_DELIVERED, CA_CLOSE, CS_CLOSED, CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},
    {CS_ACCEPTED, CA_REPLY, CS_REPLIED, ANSWER},
    {CS_ACCEPTED, CA_RETURN, CS_RETURNED, CASE_ROLE_HOLDER},
    {CS_ACCEPTED, CA_ESCALATE, CS_ASSIGNED,
     CASE_ROLE_HOLDER | CASE_ROLE_SERVICE | CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},
    {CS_ACCEPTED, CA_DISPATCH, CS_ASSIGNED, CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},
    {CS_ACCEPTED, CA_CLOSE, CS_CLOSED, CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},
    {CS_REPLIED, CA_RESOLVE, CS_RESOLVED, ANSWER},
    {CS_REPLIED, CA_ESCALATE, CS_ASSIGNED,
     CASE_ROLE_HOLDER | CASE_ROLE_SERVICE | CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},
    {CS_RESOLVED, CA_RATE, CS_CLOSED, CASE_ROLE_RESIDENT | CASE_ROLE_SERVICE | CASE_ROLE_OPERATOR},
    {CS_RESOLVED, CA_CLOSE, CS_CLOSED, CASE_ROLE_SERVICE | CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},
    {CS_RETURNED, CA_DISPATCH, CS_ASSIGNED, CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},
    {CS_RETURNED, CA_CLOSE, CS_CLOSED, CASE_ROLE_DISPATCH | CASE_ROLE_OPERATOR},
    /* Paused clocks and extensions: the state stays (issue 15). */
    CLOCK(CS_ASSIGNED),
    CLOCK(CS_DELIVERED),
    CLOCK(CS_ACCEPTED),
    CLOCK(CS_REPLIED),
};
#define NEXPECTED (sizeof expected / sizeof expected[0])

static void test_table_matches_lifecycle(void **state)
{
    (void)state;
    size_t n;
    case_transitions(&n);
    assert_int_equal(n, NEXPECTED);
    for (size_t i = 0; i < NEXPECTED; i++) {
        const case_transition_t *t = find(expected[i].from, expected[i].action);
        assert_non_null(t);
        assert_int_equal(t->to, expected[i].to);
        assert_int_equal(t->roles, expected[i].roles);
    }
}

static void test_every_legal_transition(void **state)
{
    (void)state;
    for (size_t i = 0; i < NEXPECTED; i++) {
        for (size_t r = 0; r < NROLES; r++) {
            const case_transition_t *t = NULL;
            int rc = case_check(expected[i].from, expected[i].action, all_roles[r], &t);
            if (expected[i].roles & all_roles[r]) {
                assert_int_equal(rc, 0);
                assert_non_null(t);
                assert_int_equal(t->to, expected[i].to);
                assert_non_null(t->event);
            } else {
                /* A legal move by the wrong actor is forbidden, not illegal. */
                assert_int_equal(rc, -EPERM);
            }
        }
        /* An actor with no role at all (another body) is always refused. */
        assert_int_equal(case_check(expected[i].from, expected[i].action, 0, NULL), -EPERM);
    }
}

static void test_every_illegal_transition(void **state)
{
    (void)state;
    int illegal = 0;
    for (int s = 0; s < CS_COUNT; s++) {
        for (int a = 0; a < CA_COUNT; a++) {
            if (find((case_state_t)s, (case_action_t)a) != NULL)
                continue;
            illegal++;
            for (size_t r = 0; r < NROLES; r++)
                assert_int_equal(case_check((case_state_t)s, (case_action_t)a,
                                            CASE_ROLE_HOLDER | CASE_ROLE_DISPATCH |
                                                CASE_ROLE_OPERATOR | CASE_ROLE_SERVICE |
                                                CASE_ROLE_RESIDENT,
                                            NULL),
                                 -EINVAL);
        }
    }
    assert_int_equal(illegal, CS_COUNT * CA_COUNT - (int)NEXPECTED);
    /* The examples the brief names. */
    assert_int_equal(case_check(CS_CLOSED, CA_REPLY, CASE_ROLE_HOLDER, NULL), -EINVAL);
    assert_int_equal(case_check(CS_RESOLVED, CA_RESOLVE, CASE_ROLE_HOLDER, NULL), -EINVAL);
    assert_int_equal(case_check(CS_ASSIGNED, CA_UNSPECIFIED, CASE_ROLE_OPERATOR, NULL), -EINVAL);
    assert_int_equal(case_check((case_state_t)99, CA_REPLY, CASE_ROLE_HOLDER, NULL), -EINVAL);
}

static void test_closed_is_final(void **state)
{
    (void)state;
    for (int a = 0; a < CA_COUNT; a++)
        assert_int_equal(case_check(CS_CLOSED, (case_action_t)a, ~0u, NULL), -EINVAL);
}

static void test_roles(void **state)
{
    (void)state;
    assert_int_equal(case_actor_roles("PC-1", "PC-1", "JA-DISPATCH"), CASE_ROLE_HOLDER);
    assert_int_equal(case_actor_roles("PC-2", "PC-1", "JA-DISPATCH"), 0);
    assert_int_equal(case_actor_roles("JA-DISPATCH", "PC-1", "JA-DISPATCH"), CASE_ROLE_DISPATCH);
    assert_int_equal(case_actor_roles("JA-DISPATCH", "JA-DISPATCH", "JA-DISPATCH"),
                     CASE_ROLE_HOLDER | CASE_ROLE_DISPATCH);
    assert_int_equal(case_actor_roles("operator:ann", "PC-1", NULL), CASE_ROLE_OPERATOR);
    assert_int_equal(case_actor_roles("operator:", "PC-1", NULL), 0);
    assert_int_equal(case_actor_roles("service:notifier", "PC-1", ""), CASE_ROLE_SERVICE);
    assert_int_equal(case_actor_roles("resident:138", "PC-1", ""), CASE_ROLE_RESIDENT);
    assert_int_equal(case_actor_roles("", "", ""), 0);
    assert_int_equal(case_actor_roles(NULL, "PC-1", ""), 0);
    /* An unknown dispatch centre gives nobody the dispatch role. */
    assert_int_equal(case_actor_roles("", "PC-1", ""), 0);
}

static void test_names(void **state)
{
    (void)state;
    for (int s = 0; s < CS_COUNT; s++)
        assert_int_equal(case_state_from_name(case_state_name((case_state_t)s)), s);
    assert_int_equal(case_state_from_name("nope"), -EINVAL);
    assert_int_equal(case_state_from_name(NULL), -EINVAL);
    assert_string_equal(case_action_name(CA_RETURN), "return");
    assert_string_equal(case_state_name((case_state_t)77), "unknown");
    assert_true(case_state_is_open(CS_RETURNED));
    assert_true(case_state_is_open(CS_REPLIED));
    assert_false(case_state_is_open(CS_RESOLVED));
    assert_false(case_state_is_open(CS_CLOSED));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_matches_lifecycle),
        cmocka_unit_test(test_every_legal_transition),
        cmocka_unit_test(test_every_illegal_transition),
        cmocka_unit_test(test_closed_is_final),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
