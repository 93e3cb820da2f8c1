/*
 * test_position.c - compounds' positions in the registry (optional "lat"
 * and "long", lib/registry.c) and locating a demand by its position
 * (services/router/position.c): the nearest compound within the radius,
 * never one without a position, nothing beyond the radius.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "position.h"
#include "registry.h"

/* Three compounds: A at 30.61/114.30, B 0.002 degrees of latitude north
 * (about 222 m), C without a position. */
static const char REG[] =
    "{\"units\":["
    "{\"code\":\"X\",\"kind\":\"city\",\"name\":\"市\"},"
    "{\"code\":\"X-D\",\"kind\":\"district\",\"name\":\"区\",\"parent\":\"X\"},"
    "{\"code\":\"X-D-S\",\"kind\":\"street\",\"name\":\"街道\",\"parent\":\"X-D\"},"
    "{\"code\":\"X-D-S-1\",\"kind\":\"community\",\"name\":\"社区\",\"parent\":\"X-D-S\"},"
    "{\"code\":\"A\",\"kind\":\"compound\",\"name\":\"甲花园\",\"parent\":\"X-D-S-1\","
    "\"lat\":30.61,\"long\":114.30},"
    "{\"code\":\"B\",\"kind\":\"compound\",\"name\":\"乙花园\",\"parent\":\"X-D-S-1\","
    "\"lat\":30.612,\"long\":114.30},"
    "{\"code\":\"C\",\"kind\":\"compound\",\"name\":\"丙花园\",\"parent\":\"X-D-S-1\"}],"
    "\"bodies\":[{\"id\":\"RC\",\"kind\":\"community_committee\",\"name\":\"居委会\","
    "\"units\":[\"X-D-S-1\"]}]}";

static registry_t *load(const char *json, char **problems)
{
    registry_t *r = NULL;
    *problems = NULL;
    registry_parse(json, strlen(json), &r, problems);
    return r;
}

static const char *code_at(const registry_t *r, double lat, double lon, double radius)
{
    int u = position_nearest_compound(r, lat, lon, radius, NULL);
    return u < 0 ? NULL : registry_unit(r, (size_t)u)->code;
}

static void test_nearest_within_radius(void **state)
{
    (void)state;
    char *problems = NULL;
    registry_t *r = load(REG, &problems);
    assert_non_null(r);
    const reg_unit_t *a = registry_unit(r, (size_t)registry_unit_find(r, "A", 1));
    assert_true(a->has_position);
    assert_true(a->lat == 30.61 && a->lon == 114.30);
    assert_false(registry_unit(r, (size_t)registry_unit_find(r, "C", 1))->has_position);
    /* 0.001 degrees of latitude: about 111 m. */
    assert_true(position_distance_m(30.61, 114.3, 30.611, 114.3) > 110 &&
                position_distance_m(30.61, 114.3, 30.611, 114.3) < 112);
    assert_string_equal(code_at(r, 30.6105, 114.3, 500), "A");
    assert_string_equal(code_at(r, 30.6115, 114.3, 500), "B");
    double d = 0;
    assert_true(position_nearest_compound(r, 30.61, 114.3, 500, &d) >= 0 && d < 1);
    /* Beyond the radius of every compound: nothing, never C. */
    assert_null(code_at(r, 30.62, 114.3, 500));
    assert_null(code_at(r, 30.6105, 114.3, 10));
    assert_null(code_at(r, 30.61, 114.3, -1));
    registry_destroy(&r);
}

static void test_registry_refuses_half_a_position(void **state)
{
    (void)state;
    const char *bad[] = {"\"lat\":30.61", "\"long\":114.3", "\"lat\":91,\"long\":114.3",
                         "\"lat\":30.6,\"long\":\"114.3\"", "\"lat\":30.6,\"long\":-181"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char json[2048];
        snprintf(json, sizeof json,
                 "{\"units\":[{\"code\":\"X\",\"kind\":\"city\",\"name\":\"市\"},"
                 "{\"code\":\"X-D\",\"kind\":\"district\",\"name\":\"区\",\"parent\":\"X\"},"
                 "{\"code\":\"X-D-S\",\"kind\":\"street\",\"name\":\"街\",\"parent\":\"X-D\"},"
                 "{\"code\":\"X-D-S-1\",\"kind\":\"community\",\"name\":\"社区\","
                 "\"parent\":\"X-D-S\"},{\"code\":\"A\",\"kind\":\"compound\",\"name\":\"甲花园\","
                 "\"parent\":\"X-D-S-1\",%s}],\"bodies\":[{\"id\":\"RC\",\"kind\":"
                 "\"community_committee\",\"name\":\"居委会\",\"units\":[\"X-D-S-1\"]}]}",
                 bad[i]);
        char *problems = NULL;
        registry_t *r = load(json, &problems);
        assert_null(r);
        assert_non_null(problems);
        assert_non_null(strstr(problems, "lat and long"));
        free(problems);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nearest_within_radius),
        cmocka_unit_test(test_registry_refuses_half_a_position),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
