/* test_authz.c - the authorisation table (lib/authz.h): every request the
 * ledger serves has a row (a new request cannot slip in unlisted, open to
 * all or closed to all by accident), a few cells that must never change,
 * the front-ends' channel binding, and the registry's cover rule
 * (lib/registry_cover.h). The whole matrix is walked against the running
 * services by tests/system/test_authz.py. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "authz.h"
#include "handler.h"
#include "registry_cover.h"

#define B(x) LIANDONG__V1__ENVELOPE__BODY_##x

static void test_every_ledger_request_has_a_row(void **state)
{
    (void)state;
    size_t n = 0;
    const ledger_handler_t *const *h = ledger_handlers(&n);
    for (size_t i = 0; i < n; i++) {
        int anyone = 0;
        for (int r = ROLE_SERVICE; r < ROLE_UNKNOWN; r++)
            anyone |= authz_allowed(AUTHZ_LEDGER, h[i]->body, (role_t)r);
        if (!anyone)
            fail_msg("ledger request %s has no row in authz.c: nobody may send it", h[i]->name);
        if (authz_allowed(AUTHZ_LEDGER, h[i]->body, ROLE_UNKNOWN))
            fail_msg("a key of no role may send %s", h[i]->name);
    }
}

static void test_cells(void **state)
{
    (void)state;
    assert_true(authz_allowed(AUTHZ_LEDGER, B(REGISTRY_IMPORT), ROLE_ADMIN));
    for (int r = ROLE_SERVICE; r <= ROLE_UNKNOWN; r++)
        if (r != ROLE_ADMIN)
            assert_false(authz_allowed(AUTHZ_LEDGER, B(REGISTRY_IMPORT), (role_t)r));
    assert_true(authz_allowed(AUTHZ_LEDGER, B(CREATE_CASE), ROLE_SERVICE));
    assert_false(authz_allowed(AUTHZ_LEDGER, B(CREATE_CASE), ROLE_OPERATOR));
    assert_false(authz_allowed(AUTHZ_FRONT, B(SUBMIT_DEMAND), ROLE_BODY));
    assert_true(authz_allowed(AUTHZ_FRONT, B(SUBMIT_DEMAND), ROLE_FRONTEND));
    assert_false(authz_allowed(AUTHZ_LEDGER, B(RATES_QUERY), ROLE_BODY));
    assert_false(authz_allowed(AUTHZ_DESK, B(DESK_ATTACH), ROLE_OPERATOR));
    /* a staff person escalates its body's cases as the body's desk may */
    assert_true(authz_allowed(AUTHZ_FRONT, B(CASE_ACTION), ROLE_STAFF));
    assert_true(authz_allowed(AUTHZ_FRONT, B(CASE_ACTION), ROLE_BODY));
    assert_false(authz_allowed(AUTHZ_FRONT, B(CASE_ACTION), ROLE_FRONTEND));
    /* CURVE off: no identity, no table */
    assert_true(authz_allowed(AUTHZ_LEDGER, B(REGISTRY_IMPORT), ROLE_NONE));
}

static void test_check_names_the_principal(void **state)
{
    (void)state;
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    char why[200];
    e.body_case = B(CREATE_CASE);
    assert_int_equal(authz_check(AUTHZ_LEDGER, &e, "service:router", why, sizeof why), 0);
    /* a service, but not the router */
    assert_int_equal(authz_check(AUTHZ_LEDGER, &e, "service:notifier", why, sizeof why), -EPERM);
    assert_non_null(strstr(why, "router"));
    e.body_case = B(REGISTRY_IMPORT);
    assert_int_equal(authz_check(AUTHZ_LEDGER, &e, "operator:admin", why, sizeof why), -EPERM);
    assert_non_null(strstr(why, "operator:admin"));
    assert_int_equal(authz_check(AUTHZ_LEDGER, &e, "admin:root", why, sizeof why), 0);
    /* not a request of this socket: a known role hears UNKNOWN_TYPE */
    e.body_case = B(SUBMIT_DEMAND);
    assert_int_equal(authz_check(AUTHZ_LEDGER, &e, "operator:admin", why, sizeof why), 0);
    assert_int_equal(authz_check(AUTHZ_LEDGER, &e, "nobody:x", why, sizeof why), -EPERM);
}

static void test_frontend_channel(void **state)
{
    (void)state;
    assert_int_equal(authz_frontend_channel("hotline"), CHANNEL_HOTLINE);
    assert_int_equal(authz_frontend_channel("wechat-2"), CHANNEL_WECHAT);
    assert_int_equal(authz_frontend_channel("wechatx"), -EINVAL);
    assert_int_equal(authz_frontend_channel(""), -EINVAL);
    assert_int_equal(authz_frontend_channel(NULL), -EINVAL);
}

static registry_t *parse(const char *json)
{
    registry_t *r = NULL;
    char *problems = NULL;
    int rc = registry_parse(json, strlen(json), &r, &problems);
    if (rc < 0)
        fail_msg("registry refused: %s", problems ? problems : "?");
    free(problems);
    return r;
}

#define UNITS                                                                                      \
    "\"units\":[{\"code\":\"C\",\"kind\":\"city\",\"name\":\"c\"},"                                \
    "{\"code\":\"D\",\"kind\":\"district\",\"name\":\"d\",\"parent\":\"C\"},"                      \
    "{\"code\":\"S\",\"kind\":\"street\",\"name\":\"s\",\"parent\":\"D\"},"                        \
    "{\"code\":\"M\",\"kind\":\"community\",\"name\":\"m\",\"parent\":\"S\"},"                     \
    "{\"code\":\"X\",\"kind\":\"compound\",\"name\":\"x\",\"parent\":\"M\"}]"
#define DISPATCH "{\"id\":\"DC\",\"kind\":\"dispatch_center\",\"name\":\"dc\",\"units\":[\"C\"]}"

static void test_registry_cover(void **state)
{
    (void)state;
    char why[1000];
    static const struct {
        const char *json;
        int ok;
        const char *says;
    } cases[] = {
        {"{" UNITS ",\"bodies\":[" DISPATCH ",{\"id\":\"CC\",\"kind\":\"community_committee\","
         "\"name\":\"cc\",\"units\":[\"M\"]}]}",
         1, ""},
        {"{" UNITS ",\"bodies\":[" DISPATCH ",{\"id\":\"SO\",\"kind\":\"street_office\","
         "\"name\":\"so\",\"units\":[\"S\"]}]}",
         1, ""},
        /* a property company alone answers nobody for what it cannot */
        {"{" UNITS ",\"bodies\":[" DISPATCH ",{\"id\":\"PC\",\"kind\":\"property_company\","
         "\"name\":\"pc\",\"units\":[\"X\"]}]}",
         0, "compound X"},
        /* no dispatch centre: still covered (issue 10 refuses returns) */
        {"{" UNITS ",\"bodies\":[{\"id\":\"CC\",\"kind\":\"community_committee\","
         "\"name\":\"cc\",\"units\":[\"M\"]}]}",
         1, ""},
        {"{\"units\":[{\"code\":\"C\",\"kind\":\"city\",\"name\":\"c\"}],\"bodies\":[" DISPATCH
         "]}",
         0, "no compound"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        registry_t *r = parse(cases[i].json);
        int rc = registry_check_cover(r, why, sizeof why);
        registry_destroy(&r);
        if (cases[i].ok) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, -EINVAL);
            if (strstr(why, cases[i].says) == NULL)
                fail_msg("case %zu: '%s' does not say '%s'", i, why, cases[i].says);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_ledger_request_has_a_row),
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_check_names_the_principal),
        cmocka_unit_test(test_frontend_channel),
        cmocka_unit_test(test_registry_cover),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
