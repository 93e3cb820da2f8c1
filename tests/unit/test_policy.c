/*
 * test_policy.c - lib/policy.c: deploy/policy/default.json gives exactly
 * the built-in ROUTING.md section 6 figures for every category, urgency
 * and body kind; deploy/policy/working-days.json gives the sample city's
 * working-day limits, with ROUTING.md section 6's worked example, the
 * around-the-clock bodies and emergencies in natural hours; and the loader
 * refuses bad files with a message naming the fault.
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
#include "policy.h"
#include "timefmt.h"

static workcal_t *g_cal;
static policy_t *g_def, *g_wd;

static int setup(void **state)
{
    (void)state;
    char err[256];
    int rc = calendar_load_file("deploy/calendar/china.tsv", &g_cal, err, sizeof err);
    if (rc == 0)
        rc = policy_load_file("deploy/policy/default.json", &g_def, err, sizeof err);
    if (rc == 0)
        rc = policy_load_file("deploy/policy/working-days.json", &g_wd, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "setup: %d %s\n", rc, err);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    calendar_destroy(&g_cal);
    policy_destroy(&g_def);
    policy_destroy(&g_wd);
    return 0;
}

static int64_t at(const char *s)
{
    int64_t ms = 0;
    assert_int_equal(timefmt_parse_rfc3339(s, &ms, NULL), 0);
    return ms;
}

static void assert_at(int64_t ms, const char *want)
{
    char buf[TIMEFMT_RFC3339_MAX];
    assert_int_equal(timefmt_rfc3339(ms, 8 * 3600, buf, sizeof buf), 0);
    assert_string_equal(buf, want);
}

static void test_default_is_routing_6(void **state)
{
    (void)state;
    assert_string_equal(policy_name(g_def), "default");
    assert_int_equal(policy_uses_calendar(g_def), 0);
    assert_int_equal(policy_uses_calendar(policy_builtin()), 0);
    for (int c = 0; c < CAT_COUNT; c++)
        for (int u = URG_NORMAL; u <= URG_EMERGENCY; u++)
            for (int k = 0; k <= BODY_KIND_COUNT; k++) {
                policy_limits_t a, b;
                assert_int_equal(policy_limits(g_def, c, u, k, "X", &a), 0);
                assert_int_equal(policy_limits(policy_builtin(), c, u, k, "X", &b), 0);
                if (memcmp(&a, &b, sizeof a) != 0)
                    fail_msg("%s/%s: file %d/%d, built-in %d/%d", category_name(c), urgency_name(u),
                             a.reply.amount, a.resolve.amount, b.reply.amount, b.resolve.amount);
                assert_int_equal(a.reply.clock, CLOCK_NATURAL);
                assert_int_equal(a.resolve.clock, CLOCK_NATURAL);
            }
    /* the figures themselves (section 6) */
    policy_limits_t l;
    policy_limits(g_def, CAT_ELEVATOR, URG_NORMAL, BODY_PROPERTY_COMPANY, NULL, &l);
    assert_int_equal(l.reply.amount, 24);
    assert_int_equal(l.resolve.amount, 168);
    policy_limits(g_def, CAT_PLANNING, URG_NORMAL, BODY_PLANNING_BUREAU, NULL, &l);
    assert_int_equal(l.resolve.amount, 360);
    policy_limits(g_def, CAT_PLANNING, URG_EMERGENCY, BODY_PLANNING_BUREAU, NULL, &l);
    assert_int_equal(l.reply.amount, 2);
    assert_int_equal(l.resolve.amount, 24);
    /* natural deadlines: T plus the hours, the hours unchanged */
    policy_deadlines_t d;
    int64_t t = at("2025-09-30T17:50:00+08:00");
    assert_int_equal(policy_deadlines(g_def, NULL, CAT_CONSULTATION, URG_NORMAL,
                                      BODY_COMMUNITY_COMMITTEE, NULL, t, &d),
                     0);
    assert_at(d.reply_due_ms, "2025-10-01T17:50:00+08:00");
    assert_at(d.resolve_due_ms, "2025-10-01T17:50:00+08:00");
    assert_int_equal(d.reply_hours, 24);
    assert_int_equal(d.resolve_hours, 24);
    assert_int_equal(d.flags, 0);
}

/* Issue 15: a body the registry marks as around the clock (a property
 * company with a 24 h line, say) runs in natural hours whatever the
 * policy: 1 working day = 24 h, 5 = 120 h. */
static void test_registry_around_the_clock(void **state)
{
    (void)state;
    int64_t t = at("2025-09-30T17:50:00+08:00");
    policy_deadlines_t d;
    assert_int_equal(policy_deadlines_atc(g_wd, g_cal, CAT_ELEVATOR, URG_NORMAL,
                                          BODY_PROPERTY_COMPANY, "PC-1", 1, t, &d),
                     0);
    assert_at(d.reply_due_ms, "2025-10-01T17:50:00+08:00");
    assert_at(d.resolve_due_ms, "2025-10-05T17:50:00+08:00");
    assert_int_equal(d.reply_clock, CLOCK_NATURAL);
    assert_int_equal(d.resolve_clock, CLOCK_NATURAL);
    /* unmarked, the same body counts working days */
    assert_int_equal(policy_deadlines_atc(g_wd, g_cal, CAT_ELEVATOR, URG_NORMAL,
                                          BODY_PROPERTY_COMPANY, "PC-1", 0, t, &d),
                     0);
    assert_at(d.reply_due_ms, "2025-10-09T17:50:00+08:00");
    assert_int_equal(d.reply_clock, CLOCK_WORKING_DAYS);
}

static void test_working_days_example(void **state)
{
    (void)state;
    assert_string_equal(policy_name(g_wd), "working-days");
    assert_int_equal(policy_uses_calendar(g_wd), 1);
    int64_t t = at("2025-09-30T17:50:00+08:00");
    policy_deadlines_t d;
    assert_int_equal(policy_deadlines(g_wd, g_cal, CAT_ELEVATOR, URG_NORMAL, BODY_PROPERTY_COMPANY,
                                      "PC-1", t, &d),
                     0);
    assert_at(d.reply_due_ms, "2025-10-09T17:50:00+08:00");
    assert_at(d.resolve_due_ms, "2025-10-14T17:50:00+08:00");
    assert_int_equal(d.reply_clock, CLOCK_WORKING_DAYS);
    assert_int_equal(d.resolve_clock, CLOCK_WORKING_DAYS);
    assert_int_equal(d.reply_hours, 9 * 24);
    assert_int_equal(d.resolve_hours, 14 * 24);
    assert_int_equal(d.flags, 0);
    /* slow by nature: 10 working days */
    assert_int_equal(policy_deadlines(g_wd, g_cal, CAT_BUILDING_QUALITY, URG_NORMAL,
                                      BODY_HOUSING_BUREAU, NULL, t, &d),
                     0);
    assert_at(d.resolve_due_ms, "2025-10-21T17:50:00+08:00");
    /* consultation: 1 and 1 */
    assert_int_equal(policy_deadlines(g_wd, g_cal, CAT_CONSULTATION, URG_NORMAL,
                                      BODY_COMMUNITY_COMMITTEE, NULL, t, &d),
                     0);
    assert_at(d.reply_due_ms, "2025-10-09T17:50:00+08:00");
    assert_at(d.resolve_due_ms, "2025-10-09T17:50:00+08:00");
    /* an emergency runs in natural hours */
    assert_int_equal(policy_deadlines(g_wd, g_cal, CAT_ELEVATOR, URG_EMERGENCY,
                                      BODY_PROPERTY_COMPANY, NULL, t, &d),
                     0);
    assert_at(d.reply_due_ms, "2025-09-30T19:50:00+08:00");
    assert_at(d.resolve_due_ms, "2025-10-01T17:50:00+08:00");
    assert_int_equal(d.reply_clock, CLOCK_NATURAL);
    assert_int_equal(d.reply_hours, 2);
}

static void test_around_the_clock(void **state)
{
    (void)state;
    int64_t t = at("2025-09-30T17:50:00+08:00");
    policy_deadlines_t d;
    /* a utility under the working-day policy: 1 day = 24 h, 5 days = 120 h */
    assert_int_equal(
        policy_deadlines(g_wd, g_cal, CAT_UTILITIES, URG_NORMAL, BODY_UTILITY, "UT-1", t, &d), 0);
    assert_int_equal(d.reply_clock, CLOCK_NATURAL);
    assert_int_equal(d.resolve_clock, CLOCK_NATURAL);
    assert_at(d.reply_due_ms, "2025-10-01T17:50:00+08:00");
    assert_at(d.resolve_due_ms, "2025-10-05T17:50:00+08:00");
    assert_int_equal(d.resolve_hours, 120);
    /* police and fire too; a community committee does not */
    policy_limits_t l;
    policy_limits(g_wd, CAT_PUBLIC_SECURITY, URG_NORMAL, BODY_PUBLIC_SECURITY, NULL, &l);
    assert_int_equal(l.resolve.clock, CLOCK_NATURAL);
    policy_limits(g_wd, CAT_FIRE_SAFETY, URG_NORMAL, BODY_FIRE_RESCUE, NULL, &l);
    assert_int_equal(l.resolve.clock, CLOCK_NATURAL);
    policy_limits(g_wd, CAT_FIRE_SAFETY, URG_NORMAL, BODY_COMMUNITY_COMMITTEE, NULL, &l);
    assert_int_equal(l.resolve.clock, CLOCK_WORKING_DAYS);
    /* a body named in the file */
    const char *js = "{\"policy\":\"p\",\"around_the_clock\":{\"bodies\":[\"HOT-1\"]},"
                     "\"limits\":{\"default\":{\"normal\":{\"reply\":{\"working_days\":1},"
                     "\"resolve\":{\"working_days\":5}},\"emergency\":{\"reply\":{\"hours\":2},"
                     "\"resolve\":{\"hours\":24}}}}}";
    policy_t *p = NULL;
    char err[256];
    assert_int_equal(policy_parse(js, strlen(js), &p, err, sizeof err), 0);
    policy_limits(p, CAT_ELEVATOR, URG_NORMAL, BODY_PROPERTY_COMPANY, "HOT-1", &l);
    assert_int_equal(l.resolve.clock, CLOCK_NATURAL);
    assert_int_equal(l.resolve.amount, 120);
    policy_limits(p, CAT_ELEVATOR, URG_NORMAL, BODY_PROPERTY_COMPANY, "PC-2", &l);
    assert_int_equal(l.resolve.clock, CLOCK_WORKING_DAYS);
    policy_destroy(&p);
    assert_null(p);
}

static void test_working_hours_clock(void **state)
{
    (void)state;
    const char *js = "{\"policy\":\"h\",\"working_hours\":\"09:00-12:00,13:30-18:00\","
                     "\"limits\":{\"default\":{\"normal\":{\"reply\":{\"working_hours\":4},"
                     "\"resolve\":{\"working_days\":5}},\"emergency\":{\"reply\":{\"hours\":2},"
                     "\"resolve\":{\"hours\":24}}}}}";
    policy_t *p = NULL;
    char err[256];
    assert_int_equal(policy_parse(js, strlen(js), &p, err, sizeof err), 0);
    policy_deadlines_t d;
    assert_int_equal(policy_deadlines(p, g_cal, CAT_ELEVATOR, URG_NORMAL, BODY_PROPERTY_COMPANY,
                                      NULL, at("2025-09-30T17:50:00+08:00"), &d),
                     0);
    /* 10 minutes on 30 Sep, 3 h in the morning of 9 Oct, 50 minutes after lunch */
    assert_at(d.reply_due_ms, "2025-10-09T14:20:00+08:00");
    assert_int_equal(d.reply_clock, CLOCK_WORKING_HOURS);
    policy_destroy(&p);
}

static void refuse(const char *js, const char *why)
{
    policy_t *p = NULL;
    char err[256] = "";
    assert_int_equal(policy_parse(js, strlen(js), &p, err, sizeof err), -EINVAL);
    assert_null(p);
    if (strstr(err, why) == NULL)
        fail_msg("error \"%s\" lacks \"%s\"", err, why);
}

#define EMERG "\"emergency\":{\"reply\":{\"hours\":2},\"resolve\":{\"hours\":24}}"
#define NORMAL "\"normal\":{\"reply\":{\"hours\":24},\"resolve\":{\"hours\":168}}"
#define DEF "\"default\":{" NORMAL "," EMERG "}"

static void test_refusals(void **state)
{
    (void)state;
    refuse("{", "invalid JSON");
    refuse("[]", "JSON object");
    refuse("{\"limits\":{" DEF "}}", "\"policy\"");
    refuse("{\"policy\":\"p\",\"limts\":{}}", "unknown key \"limts\"");
    refuse("{\"policy\":\"p\",\"limits\":{}}", "limits.default");
    refuse("{\"policy\":\"p\",\"limits\":{\"default\":{" NORMAL "}}}",
           "limits.default.emergency: missing");
    refuse("{\"policy\":\"p\",\"limits\":{" DEF ",\"lifts\":{}}}", "unknown category \"lifts\"");
    refuse("{\"policy\":\"p\",\"limits\":{" DEF ",\"elevator\":{\"urgent\":{}}}}",
           "unknown key \"urgent\"");
    refuse("{\"policy\":\"p\",\"limits\":{" DEF
           ",\"elevator\":{\"normal\":{\"resolve\":{\"days\":5}}}}}",
           "unknown clock \"days\"");
    refuse("{\"policy\":\"p\",\"limits\":{" DEF
           ",\"elevator\":{\"normal\":{\"resolve\":{\"hours\":0}}}}}",
           "integer from 1");
    refuse("{\"policy\":\"p\",\"limits\":{" DEF
           ",\"elevator\":{\"normal\":{\"resolve\":{\"hours\":24,\"working_days\":1}}}}}",
           "a limit is one of");
    refuse("{\"policy\":\"p\",\"limits\":{" DEF
           ",\"elevator\":{\"emergency\":{\"reply\":{\"working_days\":1}}}}}",
           "emergency limit must be in natural hours");
    refuse("{\"policy\":\"p\",\"limits\":{" DEF
           ",\"elevator\":{\"normal\":{\"reply\":{\"working_hours\":4}}}}}",
           "need a top-level \"working_hours\"");
    refuse("{\"policy\":\"p\",\"limits\":{" DEF
           ",\"elevator\":{\"normal\":{\"reply\":{\"hours\":200}}}}}",
           "reply (200) later than resolve (168)");
    refuse("{\"policy\":\"p\",\"around_the_clock\":{\"kinds\":[\"police\"]},\"limits\":{" DEF "}}",
           "around_the_clock.kinds[0]");
    refuse("{\"policy\":\"p\",\"working_hours\":\"18:00-09:00\",\"limits\":{" DEF "}}",
           "ends before");
    refuse("{\"policy\":\"p\",\"policy\":\"q\",\"limits\":{" DEF "}}", "duplicate");
    policy_t *p = NULL;
    char err[256];
    assert_int_equal(policy_load_file("/nonexistent.json", &p, err, sizeof err), -ENOENT);
    assert_non_null(strstr(err, "/nonexistent.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_is_routing_6),
        cmocka_unit_test(test_working_days_example),
        cmocka_unit_test(test_registry_around_the_clock),
        cmocka_unit_test(test_around_the_clock),
        cmocka_unit_test(test_working_hours_clock),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
