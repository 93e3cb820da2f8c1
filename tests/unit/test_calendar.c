/*
 * test_calendar.c - lib/calendar.c with the real data
 * (deploy/calendar/china.tsv, generated from chinese-days): the 2025 and
 * 2026 public holidays and 调休 working days, the worked example of
 * ROUTING.md section 6 (2025 National Day and Mid-Autumn week), working
 * hours, a year without data (Monday-Friday, flagged and counted), the
 * loader's refusals, and lib/timefmt.c's RFC 3339 round trip.
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
#include "timefmt.h"

#define DATA "deploy/calendar/china.tsv"

static workcal_t *g_cal;

static int setup(void **state)
{
    (void)state;
    char err[256];
    int rc = calendar_load_file(DATA, &g_cal, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "calendar_load_file: %d %s\n", rc, err);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    calendar_destroy(&g_cal);
    return g_cal == NULL ? 0 : -1;
}

static int64_t at(const char *s)
{
    int64_t ms = 0;
    int off = 0;
    assert_int_equal(timefmt_parse_rfc3339(s, &ms, &off), 0);
    return ms;
}

static void assert_at(int64_t ms, const char *want)
{
    char buf[TIMEFMT_RFC3339_MAX];
    assert_int_equal(timefmt_rfc3339(ms, 8 * 3600, buf, sizeof buf), 0);
    assert_string_equal(buf, want);
}

static int work(int y, int m, int d)
{
    unsigned f = 0;
    int w = calendar_is_working_day(g_cal, y, m, d, &f);
    assert_int_equal(f, 0);
    return w;
}

static void test_years(void **state)
{
    (void)state;
    int a, b;
    calendar_years(g_cal, &a, &b);
    assert_int_equal(a, 2004);
    assert_true(b >= 2026);
}

static void test_2025(void **state)
{
    (void)state;
    /* New Year and Spring Festival: 1 Jan, 28 Jan-4 Feb off; Sun 26 Jan
     * and Sat 8 Feb worked. */
    assert_int_equal(work(2025, 1, 1), 0);
    assert_int_equal(work(2025, 1, 2), 1);
    assert_int_equal(work(2025, 1, 26), 1);
    assert_int_equal(work(2025, 1, 28), 0);
    assert_int_equal(work(2025, 2, 4), 0);
    assert_int_equal(work(2025, 2, 5), 1);
    assert_int_equal(work(2025, 2, 8), 1);
    assert_int_equal(work(2025, 2, 9), 0);
    /* Labour Day: 1-5 May off, Sun 27 April worked. */
    assert_int_equal(work(2025, 4, 27), 1);
    assert_int_equal(work(2025, 5, 5), 0);
    assert_int_equal(work(2025, 5, 6), 1);
    /* National Day with Mid-Autumn: 1-8 October off; Sun 28 September and
     * Sat 11 October worked; an ordinary weekend around them is not. */
    assert_int_equal(work(2025, 9, 27), 0);
    assert_int_equal(work(2025, 9, 28), 1);
    assert_int_equal(work(2025, 9, 30), 1);
    for (int d = 1; d <= 8; d++)
        assert_int_equal(work(2025, 10, d), 0);
    assert_int_equal(work(2025, 10, 9), 1);
    assert_int_equal(work(2025, 10, 10), 1);
    assert_int_equal(work(2025, 10, 11), 1);
    assert_int_equal(work(2025, 10, 12), 0);
    assert_int_equal(work(2025, 10, 13), 1);
}

static void test_2026(void **state)
{
    (void)state;
    /* New Year 1-3 January off, Sun 4 January worked. */
    assert_int_equal(work(2026, 1, 2), 0);
    assert_int_equal(work(2026, 1, 4), 1);
    /* Spring Festival 15-23 February off; Sat 14 and Sat 28 Feb worked. */
    assert_int_equal(work(2026, 2, 14), 1);
    assert_int_equal(work(2026, 2, 16), 0);
    assert_int_equal(work(2026, 2, 23), 0);
    assert_int_equal(work(2026, 2, 24), 1);
    assert_int_equal(work(2026, 2, 28), 1);
    /* Labour Day 1-5 May off, Sat 9 May worked. */
    assert_int_equal(work(2026, 5, 4), 0);
    assert_int_equal(work(2026, 5, 9), 1);
    /* Mid-Autumn Fri 25 September off, Sun 20 September worked;
     * National Day 1-7 October off, Sat 10 October worked. */
    assert_int_equal(work(2026, 9, 20), 1);
    assert_int_equal(work(2026, 9, 25), 0);
    assert_int_equal(work(2026, 10, 7), 0);
    assert_int_equal(work(2026, 10, 8), 1);
    assert_int_equal(work(2026, 10, 10), 1);
    assert_int_equal(work(2026, 10, 11), 0);
}

/* ROUTING.md section 6's worked example. */
static void test_routing_example(void **state)
{
    (void)state;
    int64_t t = at("2025-09-30T17:50:00+08:00"), due = 0;
    unsigned f = 0;
    assert_int_equal(calendar_add_working_days(g_cal, t, 1, &due, &f), 0);
    assert_at(due, "2025-10-09T17:50:00+08:00");
    assert_int_equal(calendar_add_working_days(g_cal, t, 5, &due, &f), 0);
    assert_at(due, "2025-10-14T17:50:00+08:00");
    assert_int_equal(f, 0);
    /* the same moment given in UTC is the same deadline */
    assert_int_equal(at("2025-09-30T09:50:00Z"), t);
}

static void test_start_on_rest_day(void **state)
{
    (void)state;
    int64_t due = 0;
    /* placed on a holiday: starts 00:00 of the next working day (9 Oct) */
    assert_int_equal(
        calendar_add_working_days(g_cal, at("2025-10-03T10:00:00+08:00"), 1, &due, NULL), 0);
    assert_at(due, "2025-10-10T00:00:00+08:00");
    assert_int_equal(
        calendar_add_working_days(g_cal, at("2025-10-03T10:00:00+08:00"), 0, &due, NULL), 0);
    assert_at(due, "2025-10-09T00:00:00+08:00");
    /* placed on a made-up working Saturday: it counts as a working day */
    assert_int_equal(
        calendar_add_working_days(g_cal, at("2025-10-11T09:00:00+08:00"), 1, &due, NULL), 0);
    assert_at(due, "2025-10-13T09:00:00+08:00");
    /* placed on an ordinary Saturday */
    assert_int_equal(
        calendar_add_working_days(g_cal, at("2025-10-18T23:00:00+08:00"), 1, &due, NULL), 0);
    assert_at(due, "2025-10-21T00:00:00+08:00");
    /* the local date, not the UTC one: 16:30Z on 30 Sep is 00:30 on 1 Oct */
    assert_int_equal(calendar_add_working_days(g_cal, at("2025-09-30T16:30:00Z"), 1, &due, NULL),
                     0);
    assert_at(due, "2025-10-10T00:00:00+08:00");
    assert_int_equal(calendar_add_working_days(g_cal, 0, -1, &due, NULL), -EINVAL);
    assert_int_equal(calendar_add_working_days(g_cal, 0, CALENDAR_MAX_DAYS + 1, &due, NULL),
                     -EINVAL);
}

static void test_working_hours(void **state)
{
    (void)state;
    calendar_hours_t h;
    char err[128];
    assert_int_equal(calendar_hours_parse("09:00-12:00, 13:30-18:00", &h, err, sizeof err), 0);
    assert_int_equal(h.n, 2);
    int64_t due = 0;
    unsigned f = 0;
    /* 10 minutes left on 30 Sep, the rest after the holiday */
    assert_int_equal(
        calendar_add_working_minutes(g_cal, &h, at("2025-09-30T17:50:00+08:00"), 60, &due, &f), 0);
    assert_at(due, "2025-10-09T09:50:00+08:00");
    /* a full day is 7.5 h: 8 h from before opening on the working Sunday */
    assert_int_equal(
        calendar_add_working_minutes(g_cal, &h, at("2025-09-28T08:00:00+08:00"), 480, &due, &f), 0);
    assert_at(due, "2025-09-29T09:30:00+08:00");
    /* a deadline that uses a window exactly ends at its end */
    assert_int_equal(
        calendar_add_working_minutes(g_cal, &h, at("2025-09-30T09:00:00+08:00"), 180, &due, &f), 0);
    assert_at(due, "2025-09-30T12:00:00+08:00");
    /* placed at lunch: counts from 13:30 */
    assert_int_equal(
        calendar_add_working_minutes(g_cal, &h, at("2025-09-30T12:10:00+08:00"), 30, &due, &f), 0);
    assert_at(due, "2025-09-30T14:00:00+08:00");
    assert_int_equal(f, 0);
    assert_int_equal(calendar_hours_parse("18:00-09:00", &h, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "ends before"));
    assert_int_equal(calendar_hours_parse("13:00-18:00,09:00-12:00", &h, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "in order"));
    assert_int_equal(calendar_hours_parse("9-12", &h, err, sizeof err), -EINVAL);
    assert_int_equal(calendar_hours_parse("", &h, err, sizeof err), -EINVAL);
}

/* The working time a limit spans, and the walk back from it (the notifier's
 * due-soon point, issue 15): the 2025 National Day week counts nothing. */
static void test_working_time_between(void **state)
{
    (void)state;
    const int64_t H = 3600000;
    int64_t t = at("2025-09-30T17:50:00+08:00"), reply = 0, resolve = 0, soon = 0;
    unsigned f = 0;
    assert_int_equal(calendar_add_working_days(g_cal, t, 1, &reply, &f), 0);
    assert_int_equal(calendar_add_working_days(g_cal, t, 5, &resolve, &f), 0);
    /* 1 working day = 24 h of working days: 6 h 10 on 30 Sep, 17 h 50 on 9 Oct */
    assert_int_equal(calendar_working_ms_between(g_cal, NULL, t, reply, &f), 24 * H);
    assert_int_equal(calendar_working_ms_between(g_cal, NULL, t, resolve, &f), 120 * H);
    /* three quarters of them: 9 Oct 11:50 and (Saturday 11 Oct works, Sunday
     * 12 Oct does not) 13 Oct 11:50; wall time would say 7 Oct and 11 Oct */
    assert_int_equal(calendar_add_working_ms(g_cal, NULL, t, 18 * H, &soon, &f), 0);
    assert_at(soon, "2025-10-09T11:50:00+08:00");
    assert_int_equal(calendar_add_working_ms(g_cal, NULL, t, 90 * H, &soon, &f), 0);
    assert_at(soon, "2025-10-13T11:50:00+08:00");
    /* the walk is the inverse of the count, and ends a spent day at its end */
    assert_int_equal(calendar_add_working_ms(g_cal, NULL, t, 24 * H, &soon, &f), 0);
    assert_at(soon, "2025-10-09T17:50:00+08:00");
    assert_int_equal(calendar_add_working_ms(g_cal, NULL, t, 6 * H + 10 * 60000, &soon, &f), 0);
    assert_at(soon, "2025-10-01T00:00:00+08:00");
    /* from a rest day the count starts at the next working day */
    assert_int_equal(calendar_working_ms_between(g_cal, NULL, at("2025-10-03T10:00:00+08:00"),
                                                 at("2025-10-10T00:00:00+08:00"), &f),
                     24 * H);
    assert_int_equal(calendar_working_ms_between(g_cal, NULL, reply, t, &f), 0);
    /* working hours: 09:00-12:00 and 13:30-18:00, 7.5 h a day */
    calendar_hours_t h;
    char err[128];
    assert_int_equal(calendar_hours_parse("09:00-12:00,13:30-18:00", &h, err, sizeof err), 0);
    int64_t due = 0;
    assert_int_equal(calendar_add_working_minutes(g_cal, &h, t, 600, &due, &f), 0);
    assert_int_equal(calendar_working_ms_between(g_cal, &h, t, due, &f), 10 * H);
    assert_int_equal(calendar_add_working_ms(g_cal, &h, t, 10 * H, &soon, &f), 0);
    assert_int_equal(soon, due);
    assert_int_equal(calendar_add_working_ms(g_cal, &h, t, (int64_t)(0.75 * 10 * H), &soon, &f), 0);
    /* 10 min on 30 Sep, then 9 Oct 09:00-12:00 and 13:30-17:50 */
    assert_at(soon, "2025-10-09T17:50:00+08:00");
    assert_int_equal(f, 0);
    assert_int_equal(calendar_add_working_ms(g_cal, NULL, t, -1, &soon, NULL), -EINVAL);
}

static void test_uncovered_year(void **state)
{
    (void)state;
    int first, last;
    calendar_years(g_cal, &first, &last);
    int y = last + 4; /* surely without data */
    uint64_t before = calendar_uncovered_total();
    unsigned f = 0;
    /* 1 October of that year: a holiday in reality, Monday-Friday here */
    char s[40];
    snprintf(s, sizeof s, "%04d-10-01T10:00:00+08:00", y);
    int64_t t = at(s), due = 0;
    int y2, m2, d2;
    calendar_civil(t, &y2, &m2, &d2, NULL);
    assert_int_equal(y2, y);
    assert_int_equal(calendar_add_working_days(g_cal, t, 5, &due, &f), 0);
    assert_true(f & CALENDAR_UNCOVERED);
    assert_true(calendar_uncovered_total() > before);
    /* five Monday-Friday days later, weekends skipped */
    int64_t want = t;
    int n = 0;
    while (n < 5) {
        want += 86400000LL;
        int yy, mm, dd;
        calendar_civil(want, &yy, &mm, &dd, NULL);
        int w = calendar_is_working_day(NULL, yy, mm, dd, NULL);
        n += w;
    }
    assert_int_equal(due, want);
    /* a deadline crossing out of the data is flagged too */
    f = 0;
    snprintf(s, sizeof s, "%04d-12-31T10:00:00+08:00", last);
    assert_int_equal(calendar_add_working_days(g_cal, at(s), 3, &due, &f), 0);
    assert_true(f & CALENDAR_UNCOVERED);
    /* and one inside the data is not */
    f = 0;
    assert_int_equal(calendar_add_working_days(g_cal, at("2025-06-03T10:00:00+08:00"), 3, &due, &f),
                     0);
    assert_int_equal(f, 0);
    assert_int_equal(calendar_is_working_day(g_cal, 2025, 2, 29, &f), -EINVAL);
}

static void refuse(const char *text, const char *why)
{
    workcal_t *c = NULL;
    char err[256] = "";
    assert_int_equal(calendar_parse(text, strlen(text), &c, err, sizeof err), -EINVAL);
    assert_null(c);
    if (strstr(err, why) == NULL)
        fail_msg("error \"%s\" lacks \"%s\"", err, why);
}

static void test_loader_refuses(void **state)
{
    (void)state;
    refuse("2025-10-01\tholiday\tx\n", "years");
    refuse("# c\n", "years");
    refuse("years\t2025\t2025\n2025-10-01\tholiday\tx\n2025-10-09\tworkday\tx\n",
           "not a Saturday or Sunday");
    refuse("years\t2025\t2025\n2024-10-01\tholiday\tx\n", "outside the years");
    refuse("years\t2025\t2025\n2025-10-01\tholiday\tx\n2025-10-01\tholiday\ty\n", "listed twice");
    refuse("years\t2025\t2025\n2025-10-01\tvacation\tx\n", "not holiday or workday");
    refuse("years\t2025\t2025\n2025-02-29\tholiday\tx\n", "not a date");
    refuse("years\t2025\t2025\n2025-10-01\n", "no kind");
    refuse("years\t2024\t2025\n2025-10-01\tholiday\tx\n", "year 2024");
    refuse("years\t2026\t2025\n", "reversed");
    refuse("years\t2025\t2025\nyears\t2025\t2025\n", "second");
    workcal_t *c = NULL;
    const char *ok = "years\t2025\t2025\r\n2025-10-01\tholiday\tx\r\n2025-10-11\tworkday\r\n";
    char err[256];
    assert_int_equal(calendar_parse(ok, strlen(ok), &c, err, sizeof err), 0);
    assert_int_equal(calendar_is_working_day(c, 2025, 10, 1, NULL), 0);
    assert_int_equal(calendar_is_working_day(c, 2025, 10, 11, NULL), 1);
    calendar_destroy(&c);
    assert_null(c);
    assert_int_equal(calendar_load_file("/nonexistent/china.tsv", &c, err, sizeof err), -ENOENT);
}

static void test_rfc3339(void **state)
{
    (void)state;
    int64_t ms;
    int off;
    char buf[TIMEFMT_RFC3339_MAX];
    assert_int_equal(timefmt_parse_rfc3339("2025-09-30T17:50:00+08:00", &ms, &off), 0);
    assert_int_equal(off, 8 * 3600);
    assert_int_equal(ms, 1759225800000LL);
    assert_int_equal(timefmt_rfc3339(ms, -5 * 3600, buf, sizeof buf), 0);
    assert_string_equal(buf, "2025-09-30T04:50:00-05:00");
    assert_int_equal(timefmt_rfc3339(ms + 250, 0, buf, sizeof buf), 0);
    assert_string_equal(buf, "2025-09-30T09:50:00.250Z");
    assert_int_equal(timefmt_parse_rfc3339("2025-09-30T09:50:00.25z", &ms, &off), 0);
    assert_int_equal(ms, 1759225800250LL);
    assert_int_equal(timefmt_parse_rfc3339("2025-09-30T17:50:00", &ms, &off), -EINVAL);
    assert_int_equal(timefmt_parse_rfc3339("2025-02-29T17:50:00Z", &ms, &off), -EINVAL);
    assert_int_equal(timefmt_parse_rfc3339("2025-09-30T17:50:00+08:00x", &ms, &off), -EINVAL);
    assert_int_equal(timefmt_parse_rfc3339("2025-09-30", &ms, &off), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_years),
        cmocka_unit_test(test_2025),
        cmocka_unit_test(test_2026),
        cmocka_unit_test(test_routing_example),
        cmocka_unit_test(test_start_on_rest_day),
        cmocka_unit_test(test_working_hours),
        cmocka_unit_test(test_working_time_between),
        cmocka_unit_test(test_uncovered_year),
        cmocka_unit_test(test_loader_refuses),
        cmocka_unit_test(test_rfc3339),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
