/* test_clock.c - the system's clock and its settings (lib/clock.h, issue
 * 11): what every service accepts at start, the simulated time an anchor
 * gives (the same in every process), and what the ledger hands to SQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "clock.h"

#define WALL 1765000000000LL /* 2025-12-06T05:46:40Z */
#define H 3600000LL

static int configure(simclock_t *c, const char *speed, const char *start, const char *anchor,
                     char *err, size_t len)
{
    return simclock_configure(c, speed, start, anchor, WALL, err, len);
}

static void test_refused(void **state)
{
    (void)state;
    simclock_t c;
    char err[200];
    static const char *const bad_speeds[] = {"0",   "-1",    "nan", "NaN", "inf",   "-inf",
                                             "abc", "3600x", "",    "1e8", "0.0001"};
    for (size_t i = 0; i < sizeof bad_speeds / sizeof bad_speeds[0]; i++) {
        err[0] = '\0';
        assert_int_equal(configure(&c, bad_speeds[i], "0", "0", err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "--clock-speed"));
    }
    /* an anchor in the future (beyond a minute of clock skew) */
    char v[32];
    snprintf(v, sizeof v, "%lld", WALL + 2 * H);
    assert_int_equal(configure(&c, "3600", "0", v, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "future"));
    assert_int_equal(configure(&c, "1", "0", v, err, sizeof err), -EINVAL);
    /* times that are not times, or outside 1970..2100 */
    assert_int_equal(configure(&c, "3600", "-5", "0", err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "--clock-start-ms"));
    assert_int_equal(configure(&c, "3600", "4102444800000", "0", err, sizeof err), -EINVAL);
    assert_int_equal(configure(&c, "3600", "0", "12ab", err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "--clock-anchor-ms"));
    /* an anchor long past at a high speed would run the simulation past 2100 */
    snprintf(v, sizeof v, "%lld", WALL - 24 * H);
    assert_int_equal(configure(&c, "1e7", "0", v, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "2100"));
}

static void test_accepted(void **state)
{
    (void)state;
    simclock_t c;
    char err[200], v[32];
    /* speed 1 without a start is the real clock, anchor or not */
    assert_int_equal(configure(&c, "1", "0", "0", err, sizeof err), 0);
    assert_true(simclock_is_real(&c));
    snprintf(v, sizeof v, "%lld", WALL - H);
    assert_int_equal(configure(&c, "1", "0", v, err, sizeof err), 0);
    assert_true(simclock_is_real(&c));
    /* anchored an hour ago at 3600: simulated = anchor + 3600 h */
    assert_int_equal(configure(&c, "3600", "0", v, err, sizeof err), 0);
    assert_int_equal(c.mode, SIMCLOCK_ACCEL);
    assert_int_equal(c.start_ms, WALL - H + 3600 * H);
    assert_int_equal(c.wall_start_ms, WALL);
    /* a start and an anchor: the start at the anchor instant */
    assert_int_equal(configure(&c, "60", "1700000000000", v, err, sizeof err), 0);
    assert_int_equal(c.start_ms, 1700000000000LL + 60 * H);
    /* a start alone: the start at this process's start */
    assert_int_equal(configure(&c, "2", "1700000000000", "0", err, sizeof err), 0);
    assert_int_equal(c.start_ms, 1700000000000LL);
    /* no anchor, no start: now, accelerated from here */
    assert_int_equal(configure(&c, "3600", "0", "0", err, sizeof err), 0);
    assert_int_equal(c.start_ms, WALL);
    /* a few seconds of skew between the machines is not the future */
    snprintf(v, sizeof v, "%lld", WALL + 5000);
    assert_int_equal(configure(&c, "10", "0", v, err, sizeof err), 0);
    assert_int_equal(c.start_ms, WALL + 5000 - 50000);
}

/* Two processes started 2.5 s apart on one anchor compute one time. */
static void test_processes_agree(void **state)
{
    (void)state;
    simclock_t a, b;
    char err[200], v[32];
    snprintf(v, sizeof v, "%lld", WALL - 10000);
    assert_int_equal(simclock_configure(&a, "3600", "0", v, WALL, err, sizeof err), 0);
    assert_int_equal(simclock_configure(&b, "3600", "0", v, WALL + 2500, err, sizeof err), 0);
    /* b started 2.5 real s after a: 2.5 simulated hours ahead at its start */
    assert_int_equal(b.start_ms - a.start_ms, 9000 * 1000LL);
    assert_int_equal(b.start_ms - a.start_ms, (b.wall_start_ms - a.wall_start_ms) * 3600);
}

static void test_pg_options(void **state)
{
    (void)state;
    simclock_t c;
    char err[200], buf[160];
    assert_int_equal(configure(&c, "1", "0", "0", err, sizeof err), 0);
    assert_int_equal(simclock_pg_options(&c, buf, sizeof buf), 0);
    assert_string_equal(buf, ""); /* the real clock: ld_now() is now() */
    assert_int_equal(configure(&c, "3600", "1700000000000", "0", err, sizeof err), 0);
    assert_int_equal(simclock_pg_options(&c, buf, sizeof buf), 0);
    assert_string_equal(buf, " -c liandong.clock_speed=3600 -c liandong.clock_wall_ms=1765000000000"
                             " -c liandong.clock_sim_ms=1700000000000");
    assert_int_equal(simclock_pg_options(&c, buf, 20), -ENOSPC);
}

static void test_running(void **state)
{
    (void)state;
    simclock_t c;
    assert_int_equal(simclock_init_accel(&c, 1700000000000LL, 3600), 0);
    int64_t t0 = simclock_now_ms(&c);
    assert_true(t0 >= 1700000000000LL && t0 < 1700000000000LL + 3600 * 1000);
    assert_int_equal(simclock_real_delay_ms(&c, H), 1000);
    assert_int_equal(simclock_real_delay_ms(&c, 1), 1);
    assert_int_equal(simclock_real_delay_ms(&c, -5), 0);
    assert_int_equal(simclock_init_accel(&c, 0, 0), -EINVAL);
    assert_int_equal(simclock_init_test(&c, 1000), 0);
    assert_int_equal(simclock_advance(&c, 500), 0);
    assert_int_equal(simclock_now_ms(&c), 1500);
    assert_int_equal(simclock_advance(&c, -1), -EINVAL);
    /* the process's clock is the real one until set */
    int64_t w = simclock_wall_ms(), s = simclock_system_now_ms();
    assert_true(s >= w && s - w < 1000);
    assert_int_equal(simclock_init_accel(&c, 1700000000000LL, 2), 0);
    simclock_set_system(&c);
    s = simclock_system_now_ms();
    assert_true(s >= 1700000000000LL && s < 1700000000000LL + 60000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused),         cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_processes_agree), cmocka_unit_test(test_pg_options),
        cmocka_unit_test(test_running),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
