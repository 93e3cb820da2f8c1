/*
 * test_deadline_parity.c - router, ledger and notifier give the same
 * answers for the same inputs (issue 15, "one implementation").
 *
 * For every placement moment in a month around National Day 2025 and one
 * around the 2026 Spring Festival (every 61 minutes, so many times of day
 * and every kind of day), every category, urgency and body kind, under the
 * sample working-day policy and a working-hours one:
 *  - the router's deadlines (policy_deadlines, as router_core calls it)
 *    are what the ledger is given and stores (the system tests read them
 *    back: test_deadline_policy.py, test_deadline_clock.py);
 *  - the notifier, fed the case as the ledger's "created" event carries it
 *    (the clocks and the received time), counts exactly the limit's amount
 *    of working time up to those deadlines (N x 24 h for N working days,
 *    N h for N working hours, N h natural), so its overdue alert is at the
 *    router's deadline, and its due-soon alert at 75% of that amount walked
 *    from placement with the calendar (checked against the calendar's own
 *    walk: calendar_add_working_days / _minutes on the three-quarter
 *    amount where it is whole).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "calendar.h"
#include "deadlines.h"
#include "policy.h"
#include "stream.h"
#include "timefmt.h"

#define H 3600000LL

static workcal_t *g_cal;
static policy_t *g_wd, *g_wh;

/* Working hours, 4 working hours to reply and 20 to resolve. */
static const char WH_POLICY[] =
    "{\"policy\": \"wh\", \"working_hours\": \"09:00-12:00,13:30-18:00\","
    " \"limits\": {\"default\": {"
    "  \"normal\": {\"reply\": {\"working_hours\": 4}, \"resolve\": {\"working_hours\": 20}},"
    "  \"emergency\": {\"reply\": {\"hours\": 2}, \"resolve\": {\"hours\": 24}}}}}";

static int setup(void **state)
{
    (void)state;
    char err[256];
    int rc = calendar_load_file("deploy/calendar/china.tsv", &g_cal, err, sizeof err);
    if (rc == 0)
        rc = policy_load_file("deploy/policy/working-days.json", &g_wd, err, sizeof err);
    if (rc == 0)
        rc = policy_parse(WH_POLICY, sizeof WH_POLICY - 1, &g_wh, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "setup: %d %s\n", rc, err);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    calendar_destroy(&g_cal);
    policy_destroy(&g_wd);
    policy_destroy(&g_wh);
    return 0;
}

static int64_t at(const char *s)
{
    int64_t ms = 0;
    assert_int_equal(timefmt_parse_rfc3339(s, &ms, NULL), 0);
    return ms;
}

/* The amount of a limit in ms of its own clock's time. */
static int64_t amount_ms(policy_limit_t l)
{
    return l.clock == CLOCK_WORKING_DAYS ? (int64_t)l.amount * 24 * H : (int64_t)l.amount * H;
}

/* The notifier's next act time for deadline k (taken out and advanced). */
static int64_t notifier_next(deadlines_t *d, dl_kind_t k, dl_stage_t want)
{
    dl_fire_t f;
    int64_t t = dl_next_due(d);
    assert_int_equal(dl_pop_due(d, t, &f), 1);
    assert_int_equal(f.deadline, k);
    assert_int_equal(f.stage, want);
    assert_int_equal(dl_advance(d, f.case_id, f.deadline, f.stage, f.deadline_ms), 0);
    return t;
}

static long check_policy(const policy_t *p, const char *from, const char *to)
{
    dl_config_t cfg = {0.75, 0, 0, calendar_wall(), p, g_cal};
    long cases = 0;
    /* Every 61 minutes (every hour and minute drift); under valgrind
     * (tests/run.sh sets LIANDONG_VALGRIND) every 7 h 01 min, which still
     * lands on working and rest hours of every day of the span: the full
     * walk takes a minute there and the same code runs in full in the plain
     * and ASan builds. */
    const int64_t step = (getenv("LIANDONG_VALGRIND") ? 7 * 60 + 1 : 61) * 60000;
    for (int64_t t = at(from); t < at(to); t += step) {
        for (int c = 0; c < CAT_COUNT; c++)
            for (int u = URG_NORMAL; u <= URG_EMERGENCY; u++)
                for (int k = 0; k < BODY_KIND_COUNT; k++) {
                    /* the router */
                    policy_deadlines_t dl;
                    policy_limits_t lim;
                    assert_int_equal(policy_deadlines(p, g_cal, c, u, k, NULL, t, &dl), 0);
                    assert_int_equal(policy_limits(p, c, u, k, NULL, &lim), 0);
                    assert_int_equal(dl.flags, 0);
                    /* the notifier, as the ledger's created event tells it */
                    deadlines_t *d = NULL;
                    assert_int_equal(dl_create(&cfg, &d), 0);
                    stream_event_t ev = {1,
                                         "C",
                                         "created",
                                         "B",
                                         t + 1000,
                                         dl.reply_due_ms,
                                         dl.resolve_due_ms,
                                         "received",
                                         policy_clock_name(dl.reply_clock),
                                         policy_clock_name(dl.resolve_clock),
                                         t,
                                         0};
                    assert_int_equal(stream_apply(d, &ev), 0);
                    assert_int_equal(dl_replied(d, "C"), 0);
                    /* the same working time, counted by both */
                    int64_t span = policy_clock_span_ms(p, g_cal, dl.resolve_clock, t,
                                                        dl.resolve_due_ms, NULL);
                    if (span != amount_ms(lim.resolve))
                        fail_msg("%s %s kind %d at %lld: span %lld, limit %lld", category_name(c),
                                 urgency_name(u), k, (long long)t, (long long)span,
                                 (long long)amount_ms(lim.resolve));
                    int64_t soon = 0;
                    assert_int_equal(policy_clock_add_ms(p, g_cal, dl.resolve_clock, t,
                                                         amount_ms(lim.resolve) * 3 / 4, &soon,
                                                         NULL),
                                     0);
                    assert_int_equal(notifier_next(d, DL_RESOLVE, DL_DUE_SOON), soon);
                    assert_int_equal(notifier_next(d, DL_RESOLVE, DL_OVERDUE), dl.resolve_due_ms);
                    /* three quarters of 4 working days is 3: the calendar's
                     * own day walk agrees with the notifier's */
                    if (lim.resolve.clock == CLOCK_WORKING_DAYS && lim.resolve.amount % 4 == 0) {
                        int64_t by_days = 0;
                        assert_int_equal(calendar_add_working_days(
                                             g_cal, t, lim.resolve.amount * 3 / 4, &by_days, NULL),
                                         0);
                        /* equal, or the same instant seen as the end of a
                         * working day rather than the next one's start */
                        assert_int_equal(
                            policy_clock_span_ms(p, g_cal, CLOCK_WORKING_DAYS, soon, by_days, NULL),
                            0);
                    }
                    dl_destroy(&d);
                    cases++;
                }
    }
    return cases;
}

static void test_working_days_policy(void **state)
{
    (void)state;
    long n = check_policy(g_wd, "2025-09-25T00:00:00+08:00", "2025-10-20T00:00:00+08:00");
    n += check_policy(g_wd, "2026-02-10T00:00:00+08:00", "2026-02-28T00:00:00+08:00");
    assert_true(n > 50000);
}

static void test_working_hours_policy(void **state)
{
    (void)state;
    long n = check_policy(g_wh, "2025-09-25T00:00:00+08:00", "2025-10-20T00:00:00+08:00");
    assert_true(n > 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_working_days_policy),
        cmocka_unit_test(test_working_hours_policy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
