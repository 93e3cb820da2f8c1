/* test_identity.c - one identity module (lib/identity.h) used by the
 * ledger's state table (case_state.h): both headers compile together,
 * actors parse and format on good and bad inputs, keys give the actor the
 * ledger records, and the state table's permission bits follow the
 * parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "case_state.h"
#include "identity.h"

static void test_parse_good(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        actor_kind_t kind;
        const char *id;
    } good[] = {
        {"PC-YH", ACTOR_BODY, "PC-YH"},
        {"operator:ann", ACTOR_OPERATOR, "ann"},
        {"service:notifier", ACTOR_SERVICE, "notifier"},
        {"resident:13800001234", ACTOR_RESIDENT, "13800001234"},
        {"frontend:wechat", ACTOR_FRONTEND, "wechat"},
        {"operator:a:b", ACTOR_OPERATOR, "a:b"}, /* the name is the rest */
        {"街道办-1", ACTOR_BODY, "街道办-1"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        actor_t a = {ACTOR_KIND_COUNT, NULL};
        assert_int_equal(actor_parse(good[i].s, &a), 0);
        assert_int_equal(a.kind, good[i].kind);
        assert_string_equal(a.id, good[i].id);
        /* formatting the parts gives the string back */
        char out[64];
        assert_int_equal(actor_format(a.kind, a.id, out, sizeof out), 0);
        assert_string_equal(out, good[i].s);
    }
}

static void test_parse_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "operator:", "service:", "resident:", "frontend:", "body:PC-YH", "x:y", ":", ":PC-YH",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        actor_t a;
        assert_int_equal(actor_parse(bad[i], &a), -EINVAL);
    }
    actor_t a;
    assert_int_equal(actor_parse(NULL, &a), -EINVAL);
    char out[16];
    assert_int_equal(actor_format(ACTOR_BODY, "a:b", out, sizeof out), -EINVAL);
    assert_int_equal(actor_format(ACTOR_OPERATOR, "", out, sizeof out), -EINVAL);
    assert_int_equal(actor_format(ACTOR_OPERATOR, NULL, out, sizeof out), -EINVAL);
    assert_int_equal(actor_format(ACTOR_KIND_COUNT, "x", out, sizeof out), -EINVAL);
    assert_int_equal(actor_format(ACTOR_OPERATOR, "a-very-long-name", out, sizeof out), -EINVAL);
    assert_string_equal(actor_kind_prefix(ACTOR_SERVICE), "service:");
    assert_string_equal(actor_kind_prefix(ACTOR_BODY), "");
}

static void test_key_roles(void **state)
{
    (void)state;
    const char *id = NULL;
    assert_int_equal(identity_role("", &id), ROLE_NONE);
    assert_int_equal(identity_role(NULL, NULL), ROLE_NONE);
    assert_int_equal(identity_role("body:PC-1", &id), ROLE_BODY);
    assert_string_equal(id, "PC-1");
    assert_int_equal(identity_role("operator:ann", &id), ROLE_OPERATOR);
    assert_int_equal(identity_role("service:router", &id), ROLE_SERVICE);
    assert_int_equal(identity_role("frontend:wechat", &id), ROLE_FRONTEND);
    assert_int_equal(identity_role("body:", &id), ROLE_UNKNOWN);
    assert_int_equal(identity_role("admin:root", &id), ROLE_ADMIN);
    assert_int_equal(identity_role("staff:zhang@PC-1", &id), ROLE_STAFF);
    assert_string_equal(identity_staff_body(id), "PC-1");
    assert_int_equal(identity_role("staff:zhang", &id), ROLE_UNKNOWN); /* no body */
    assert_int_equal(identity_role("staff:zhang@", &id), ROLE_UNKNOWN);
    assert_int_equal(identity_role("root:x", &id), ROLE_UNKNOWN);
}

static void test_recorded_actor(void **state)
{
    (void)state;
    static const struct {
        const char *user, *claimed, *want; /* want NULL: -EPERM */
    } cases[] = {
        {"", "PC-2", "PC-2"}, /* no CURVE: as claimed */
        {"", NULL, ""},
        {"body:PC-1", "", "PC-1"},
        {"body:PC-1", "PC-1", "PC-1"},
        {"body:PC-1", "PC-2", NULL}, /* a body is its key */
        {"body:PC-1", "operator:ann", NULL},
        {"service:router", "PC-2", "PC-2"},
        {"service:router", "", "service:router"},
        {"operator:ann", "operator:bob", NULL}, /* not as another person */
        {"operator:ann", "service:router", NULL},
        {"operator:ann", "PC-2", "PC-2"}, /* on the body's behalf */
        {"staff:zhang@PC-1", "", "PC-1"},
        {"staff:zhang@PC-1", "PC-1", "PC-1"},
        {"staff:zhang@PC-1", "PC-2", NULL},
        {"service:router", "staff:zhang@PC-1", "PC-1"},
        {"admin:root", "PC-2", "admin:root"},
        {"operator:ann", NULL, "operator:ann"},
        {"frontend:wechat", "resident:138", "resident:138"},
        {"frontend:wechat", "PC-2", "frontend:wechat"},
        {"frontend:wechat", "resident:", "frontend:wechat"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *out = "unset";
        int rc = identity_recorded_actor(cases[i].user, cases[i].claimed, &out);
        if (cases[i].want == NULL) {
            assert_int_equal(rc, -EPERM);
            assert_null(out);
        } else {
            assert_int_equal(rc, 0);
            assert_string_equal(out, cases[i].want);
        }
    }
}

/* Who acted and for whom: the person behind the key, and the body (or
 * resident) when it acted as someone else. */
static void test_principal(void **state)
{
    (void)state;
    static const struct {
        const char *user, *claimed, *principal, *on_behalf;
    } cases[] = {
        {"body:PC-1", "", "PC-1", ""},
        {"operator:ann", "PC-2", "operator:ann", "PC-2"},
        {"operator:ann", "", "operator:ann", ""},
        {"staff:zhang@PC-1", "", "staff:zhang@PC-1", "PC-1"},
        {"service:router", "PC-2", "PC-2", ""},
        {"service:router", "staff:zhang@PC-1", "staff:zhang@PC-1", "PC-1"},
        {"service:notifier", "", "service:notifier", ""},
        {"frontend:wechat", "resident:138", "frontend:wechat", "resident:138"},
        {"admin:root", "", "admin:root", ""},
        {"", "PC-2", "PC-2", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *actor = NULL, *p = NULL, *b = NULL;
        assert_int_equal(identity_recorded_actor(cases[i].user, cases[i].claimed, &actor), 0);
        identity_principal(cases[i].user, cases[i].claimed, actor, &p, &b);
        assert_string_equal(p, cases[i].principal);
        assert_string_equal(b, cases[i].on_behalf);
    }
}

/* The state table's permission bits and the key roles have distinct
 * names (both headers are included here) and the bits follow actor_parse. */
/* A front-end's channel from its key: every instance of a channel's
 * front-end serves that channel (docs/roles.md: frontend.<channel>-<n>). */
static void test_frontend_channel(void **state)
{
    (void)state;
    char c[32];
    assert_int_equal(identity_frontend_channel("frontend:wechat", c, sizeof c), 0);
    assert_string_equal(c, "wechat");
    assert_int_equal(identity_frontend_channel("frontend:wechat-2", c, sizeof c), 0);
    assert_string_equal(c, "wechat");
    assert_int_equal(identity_frontend_channel("frontend:hotline-gw", c, sizeof c), 0);
    assert_string_equal(c, "hotline");
    assert_int_equal(identity_frontend_channel("frontend:wechat.2", c, sizeof c), 0);
    assert_string_equal(c, "wechat");
    assert_int_equal(identity_frontend_channel("body:PC-YH", c, sizeof c), -EINVAL);
    assert_int_equal(identity_frontend_channel("frontend:-x", c, sizeof c), -EINVAL);
}

static void test_case_roles(void **state)
{
    (void)state;
    assert_int_not_equal(CASE_ROLE_OPERATOR, 0);
    assert_int_equal(case_actor_roles("operator:ann", "PC-1", NULL), CASE_ROLE_OPERATOR);
    assert_int_equal(case_actor_roles("service:notifier", "PC-1", ""), CASE_ROLE_SERVICE);
    assert_int_equal(case_actor_roles("resident:138", "PC-1", ""), CASE_ROLE_RESIDENT);
    assert_int_equal(case_actor_roles("PC-1", "PC-1", "DC"), CASE_ROLE_HOLDER);
    assert_int_equal(case_actor_roles("DC", "PC-1", "DC"), CASE_ROLE_DISPATCH);
    assert_int_equal(case_actor_roles("operator:", "PC-1", NULL), 0);
    assert_int_equal(case_actor_roles("resident:", "PC-1", NULL), 0);
    assert_int_equal(case_actor_roles("frontend:wechat", "PC-1", NULL), 0);
    assert_int_equal(case_actor_roles("", "", ""), 0);
    assert_int_equal(case_actor_roles(NULL, "PC-1", NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),       cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_key_roles),        cmocka_unit_test(test_recorded_actor),
        cmocka_unit_test(test_case_roles),       cmocka_unit_test(test_principal),
        cmocka_unit_test(test_frontend_channel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
