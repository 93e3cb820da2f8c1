/*
 * test_calendar_horizon.c - lib/calendar_horizon.c: the early warning
 * before the calendar data ends (issue 15). A calendar text covering 2025
 * only (so the answers do not move when deploy/calendar/china.tsv gains a
 * year): the coverage ends at 2026-01-01T00:00+08:00, a warning is due
 * inside the configured lead and not before it, days left round down (also
 * once the coverage has ended), and 0 days warns only once
 * the coverage has ended; calendar_check_file() on the real file and on
 * a missing one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "calendar.h"
#include "calendar_horizon.h"
#include "timefmt.h"

static const char data_2025[] = "years\t2025\t2025\n"
                                "2025-10-01\tholiday\tNational Day\n"
                                "2025-09-28\tworkday\tNational Day\n";

static workcal_t *cal(void)
{
    workcal_t *c = NULL;
    char err[256] = "";
    assert_int_equal(calendar_parse(data_2025, strlen(data_2025), &c, err, sizeof err), 0);
    return c;
}

static int64_t at(const char *s)
{
    int64_t ms = 0;
    int off = 0;
    assert_int_equal(timefmt_parse_rfc3339(s, &ms, &off), 0);
    return ms;
}

static void test_covered_until(void **state)
{
    (void)state;
    workcal_t *c = cal();
    assert_int_equal(calendar_covered_until_ms(c), at("2026-01-01T00:00:00+08:00"));
    assert_int_equal(calendar_covered_until_ms(NULL), 0);
    calendar_destroy(&c);
}

static void test_near_inside_the_lead(void **state)
{
    (void)state;
    workcal_t *c = cal();
    int64_t days = -99;
    /* 60 days before the end, to the millisecond: not yet */
    assert_int_equal(calendar_horizon_near(c, at("2025-11-02T00:00:00+08:00"), 60, &days), 0);
    assert_int_equal(days, 60);
    /* one millisecond later: 59 whole days left, the warning is due */
    assert_int_equal(calendar_horizon_near(c, at("2025-11-02T00:00:00.001+08:00"), 60, &days), 1);
    assert_int_equal(days, 59);
    /* mid-December, as the five-working-day deadlines reach January */
    assert_int_equal(calendar_horizon_near(c, at("2025-12-15T09:00:00+08:00"), 60, &days), 1);
    assert_int_equal(days, 16);
    /* in the summer: far away */
    assert_int_equal(calendar_horizon_near(c, at("2025-06-01T09:00:00+08:00"), 60, &days), 0);
    assert_int_equal(days, 213);
    /* a longer lead, configured */
    assert_int_equal(calendar_horizon_near(c, at("2025-06-01T09:00:00+08:00"), 240, &days), 1);
    /* the last minute of the last day (+08:00, not UTC) */
    assert_int_equal(calendar_horizon_near(c, at("2025-12-31T23:59:00+08:00"), 60, &days), 1);
    assert_int_equal(days, 0);
    calendar_destroy(&c);
}

static void test_near_after_the_end(void **state)
{
    (void)state;
    workcal_t *c = cal();
    int64_t days = 0;
    /* 16:00 UTC on 31 December is already 2026 in China */
    assert_int_equal(calendar_horizon_near(c, at("2025-12-31T16:00:00Z"), 60, &days), 1);
    assert_int_equal(days, 0);
    assert_int_equal(calendar_horizon_near(c, at("2025-12-31T16:00:00.001Z"), 60, &days), 1);
    assert_int_equal(days, -1);
    assert_int_equal(calendar_horizon_near(c, at("2026-03-02T10:00:00+08:00"), 60, &days), 1);
    assert_int_equal(days, -61);
    /* the warning logs and answers the same */
    assert_int_equal(calendar_horizon_warn(c, "fixture", at("2026-03-02T10:00:00+08:00"), 60), 1);
    assert_int_equal(calendar_horizon_warn(c, "fixture", at("2025-06-01T10:00:00+08:00"), 60), 0);
    calendar_destroy(&c);
}

static void test_zero_and_bad_leads(void **state)
{
    (void)state;
    workcal_t *c = cal();
    int64_t days = 12345;
    /* 0 days: no warning ahead of the end, only once it has passed */
    assert_int_equal(calendar_horizon_near(c, at("2025-12-31T10:00:00+08:00"), 0, &days), 0);
    assert_int_equal(calendar_horizon_near(c, at("2026-01-02T10:00:00+08:00"), 0, &days), 1);
    days = 12345;
    assert_int_equal(calendar_horizon_near(c, at("2025-12-31T10:00:00+08:00"), -1, &days), -EINVAL);
    assert_int_equal(calendar_horizon_near(NULL, at("2025-12-31T10:00:00+08:00"), 60, &days),
                     -EINVAL);
    assert_int_equal(days, 12345);
    assert_int_equal(calendar_horizon_warn(NULL, "none", 0, 60), -EINVAL);
    calendar_destroy(&c);
}

/* The check a service runs on its calendar file at start and on reload. */
static void test_check_file(void **state)
{
    (void)state;
    calendar_coverage_t cov;
    assert_int_equal(calendar_check_file("deploy/calendar/china.tsv", 0, 60, &cov), 0);
    assert_int_equal(cov.loaded, 1);
    assert_int_equal(cov.first_year, 2004);
    assert_true(cov.last_year >= 2026);
    char s[40];
    snprintf(s, sizeof s, "%04d-01-01T00:00:00+08:00", cov.last_year + 1);
    assert_int_equal(cov.until_ms, at(s));
    assert_int_equal(calendar_check_file("/nonexistent/china.tsv", 0, 60, &cov), -ENOENT);
    assert_int_equal(cov.loaded, 0);
    assert_int_equal(cov.last_year, 0);
    assert_int_equal(cov.until_ms, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_covered_until),      cmocka_unit_test(test_near_inside_the_lead),
        cmocka_unit_test(test_near_after_the_end), cmocka_unit_test(test_zero_and_bad_leads),
        cmocka_unit_test(test_check_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
