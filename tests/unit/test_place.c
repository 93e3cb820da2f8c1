/* test_place.c - body choice along every chain fallback, party-branch cc,
 * manual triage, urgency, every deadline override and the escalation
 * ladder, on the fixture registry and on small hand-made ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <cmocka.h>

#include "registry.h"
#include "../../services/router/place.h"
#include "../../services/router/locate.h"
#include <jansson.h>

static registry_t *R;

static const char *fixture_path(const char *name)
{
    static char buf[512];
    /* The project's own copy; LIANDONG_FIXTURES may point at another. */
    const char *dirs[] = {getenv("LIANDONG_FIXTURES"), "tests/fixtures/routing"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (dirs[i] == NULL)
            continue;
        snprintf(buf, sizeof buf, "%s/%s", dirs[i], name);
        if (access(buf, R_OK) == 0)
            return buf;
    }
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    const char *p = fixture_path("registry.json");
    if (p == NULL) {
        fprintf(stderr, "fixture registry.json not found (set LIANDONG_FIXTURES)\n");
        return -1;
    }
    return registry_load_file(p, &R, NULL);
}

static int teardown(void **state)
{
    (void)state;
    registry_destroy(&R);
    return 0;
}

static int32_t unit(registry_t *r, const char *code)
{
    int u = registry_unit_find(r, code, strlen(code));
    if (u < 0)
        fail_msg("no unit %s", code);
    return u;
}

static int32_t body(registry_t *r, const char *id)
{
    int b = registry_body_find(r, id, strlen(id));
    if (b < 0)
        fail_msg("no body %s", id);
    return b;
}

static const char *id_of(registry_t *r, int32_t b)
{
    return b >= 0 ? registry_body(r, (size_t)b)->id : "(none)";
}

/* Place and check body, tier and cc (NULL: no cc). */
static placement_t expect(registry_t *r, const char *compound, category_t c, const char *want_body,
                          tier_t want_tier, const char *want_cc)
{
    placement_t p;
    assert_int_equal(place_decide(r, compound ? unit(r, compound) : -1, c, URG_NORMAL, &p), 0);
    if (strcmp(id_of(r, p.body), want_body) != 0)
        fail_msg("%s / %s: body %s, want %s", compound ? compound : "-", category_name(c),
                 id_of(r, p.body), want_body);
    assert_int_equal(p.tier, want_tier);
    assert_int_equal(p.body_kind, registry_body(r, (size_t)p.body)->kind);
    if (want_cc == NULL) {
        assert_int_equal(p.n_cc, 0);
    } else {
        assert_int_equal(p.n_cc, 1);
        assert_string_equal(id_of(r, p.cc[0]), want_cc);
    }
    return p;
}

static void test_compound_chain_fallbacks(void **state)
{
    (void)state;
    /* property company (and party branch copied) */
    placement_t p =
        expect(R, "JA-DH-CZ-1-01", CAT_FACILITY_REPAIR, "PC-YH", TIER_COMPOUND, "JA-DH-CZ-1-01-PB");
    assert_int_equal(p.route, ROUTE_CHAIN);
    assert_int_equal(p.chain_step, 0);
    /* only a self-management committee */
    p = expect(R, "JA-DH-CZ-1-02", CAT_ELEVATOR, "JA-DH-CZ-1-02-SMC", TIER_COMPOUND,
               "JA-DH-CZ-1-02-PB");
    assert_int_equal(p.chain_step, 1);
    assert_int_equal(p.n_tried, 2);
    /* neither: the community committee, no cc */
    p = expect(R, "JA-DH-HB-1-02", CAT_SANITATION, "JA-DH-HB-1-RC", TIER_COMMUNITY, NULL);
    assert_int_equal(p.chain_step, 2);
    /* property company without a party branch: no cc */
    expect(R, "JA-PX-BL-2-01", CAT_PARKING, "PC-SH", TIER_COMPOUND, NULL);
    /* owners' committee chain */
    expect(R, "JA-DH-CZ-1-01", CAT_PROPERTY_SERVICE_COMPLAINT, "JA-DH-CZ-1-01-OC", TIER_COMPOUND,
           "JA-DH-CZ-1-01-PB");
    expect(R, "JA-DH-HB-2-02", CAT_MAINTENANCE_FUND, "JA-DH-HB-2-02-SMC", TIER_COMPOUND,
           "JA-DH-HB-2-02-PB");
    expect(R, "JA-DH-HB-1-01", CAT_PROPERTY_SERVICE_COMPLAINT, "JA-DH-HB-1-RC", TIER_COMMUNITY,
           NULL);
    /* a compound with both a property company and an SMC: the company */
    expect(R, "JA-DH-HB-2-02", CAT_FACILITY_REPAIR, "PC-ZY", TIER_COMPOUND, "JA-DH-HB-2-02-PB");
    /* neighbour disputes: party branch itself (not copied), else community */
    expect(R, "JA-PX-BL-1-01", CAT_NEIGHBOR_DISPUTE, "JA-PX-BL-1-01-PB", TIER_COMPOUND, NULL);
    expect(R, "JA-PX-BL-2-01", CAT_NEIGHBOR_DISPUTE, "JA-PX-BL-2-RC", TIER_COMMUNITY, NULL);
    /* a property company shared by compounds in two districts */
    expect(R, "JA-PX-LT-2-01", CAT_ELEVATOR, "PC-JD", TIER_COMPOUND, "JA-PX-LT-2-01-PB");
}

static void test_upper_tier_chains(void **state)
{
    (void)state;
    expect(R, "JA-PX-BL-2-02", CAT_COMMITTEE_AFFAIRS, "JA-PX-BL-OFFICE", TIER_STREET, NULL);
    expect(R, "JA-PX-LT-2-01", CAT_PROPERTY_TRANSITION, "JA-PX-LT-OFFICE", TIER_STREET, NULL);
    expect(R, "JA-DH-CZ-1-01", CAT_ILLEGAL_CONSTRUCTION, "JA-DH-CZ-ENF", TIER_STREET, NULL);
    expect(R, "JA-DH-HB-2-01", CAT_BUSINESS_NUISANCE, "JA-DH-HB-ENF", TIER_STREET, NULL);
    expect(R, "JA-DH-CZ-2-01", CAT_BUILDING_QUALITY, "JA-DH-HOUSING_BUREAU", TIER_DISTRICT, NULL);
    expect(R, "JA-PX-LT-2-02", CAT_PLANNING, "JA-PX-PLANNING_BUREAU", TIER_DISTRICT, NULL);
    expect(R, "JA-DH-HB-1-01", CAT_SCHOOL_PLACES, "JA-DH-EDUCATION_BUREAU", TIER_DISTRICT, NULL);
    expect(R, "JA-PX-BL-1-02", CAT_PUBLIC_SECURITY, "JA-PX-PUBLIC_SECURITY", TIER_DISTRICT, NULL);
    expect(R, "JA-DH-HB-2-02", CAT_FIRE_SAFETY, "JA-DH-FIRE_RESCUE", TIER_DISTRICT, NULL);
    expect(R, "JA-PX-BL-1-01", CAT_POLLUTION, "JA-PX-ENVIRONMENT_BUREAU", TIER_DISTRICT, NULL);
    expect(R, "JA-DH-CZ-1-02", CAT_UTILITIES, "JA-DH-UTILITY", TIER_DISTRICT, NULL);
    expect(R, "JA-PX-BL-1-02", CAT_MUNICIPAL_FACILITIES, "JA-PX-URBAN_MANAGEMENT", TIER_DISTRICT,
           NULL);
    expect(R, "JA-DH-CZ-2-02", CAT_SOCIAL_ASSISTANCE, "JA-DH-CZ-2-RC", TIER_COMMUNITY, NULL);
    expect(R, "JA-PX-LT-1-01", CAT_CONSULTATION, "JA-PX-LT-1-RC", TIER_COMMUNITY, NULL);
}

static void test_manual_triage(void **state)
{
    (void)state;
    placement_t p = expect(R, NULL, CAT_MUNICIPAL_FACILITIES, "JA-DISPATCH", TIER_CITY, NULL);
    assert_int_equal(p.route, ROUTE_UNLOCATED);
    assert_int_equal(p.category, CAT_MUNICIPAL_FACILITIES);
    assert_int_equal(p.chain_step, -1);
    p = expect(R, "JA-DH-CZ-1-01", CAT_UNCLASSIFIED, "JA-DISPATCH", TIER_CITY, NULL);
    assert_int_equal(p.route, ROUTE_UNCLASSIFIED);
    assert_int_equal(p.reply_due_hours, 24);
    assert_int_equal(p.resolve_due_hours, 168);
    /* consultation that cannot be located keeps its own deadlines */
    p = expect(R, NULL, CAT_CONSULTATION, "JA-DISPATCH", TIER_CITY, NULL);
    assert_int_equal(p.resolve_due_hours, 24);
    /* a unit that is not a compound counts as not located */
    p = expect(R, "JA-DH-CZ-1", CAT_FACILITY_REPAIR, "JA-DISPATCH", TIER_CITY, NULL);
    assert_int_equal(p.route, ROUTE_UNLOCATED);
}

/* A hand-made registry: a community with no committee, a street with no
 * office, a district with no departments; one city with a dispatch centre. */
static const char *SPARSE =
    "{\"units\":["
    "{\"code\":\"C\",\"kind\":\"city\",\"name\":\"市\"},"
    "{\"code\":\"D\",\"kind\":\"district\",\"name\":\"区\",\"parent\":\"C\"},"
    "{\"code\":\"S\",\"kind\":\"street\",\"name\":\"街\",\"parent\":\"D\"},"
    "{\"code\":\"M\",\"kind\":\"community\",\"name\":\"社区\",\"parent\":\"S\"},"
    "{\"code\":\"K\",\"kind\":\"compound\",\"name\":\"小区\",\"parent\":\"M\"}],"
    "\"bodies\":["
    "{\"id\":\"DISP\",\"kind\":\"dispatch_center\",\"name\":\"派单\",\"units\":[\"C\"]},"
    "{\"id\":\"GOV\",\"kind\":\"city_office\",\"name\":\"市办\",\"units\":[\"C\"]},"
    "{\"id\":\"DO\",\"kind\":\"district_office\",\"name\":\"区办\",\"units\":[\"D\"]},"
    "{\"id\":\"PB\",\"kind\":\"party_branch\",\"name\":\"支部\",\"units\":[\"K\"]}]}";

static void test_chain_finds_nothing(void **state)
{
    (void)state;
    registry_t *r = NULL;
    assert_int_equal(registry_parse(SPARSE, strlen(SPARSE), &r, NULL), 0);
    placement_t p = expect(r, "K", CAT_FACILITY_REPAIR, "DISP", TIER_CITY, NULL);
    assert_int_equal(p.route, ROUTE_NO_BODY);
    assert_int_equal(p.n_tried, 3);
    p = expect(r, "K", CAT_UTILITIES, "DISP", TIER_CITY, NULL);
    assert_int_equal(p.route, ROUTE_NO_BODY);
    assert_int_equal(p.resolve_due_hours, 24);
    /* neighbour dispute still finds the party branch */
    expect(r, "K", CAT_NEIGHBOR_DISPUTE, "PB", TIER_COMPOUND, NULL);
    /* escalation skips the missing community committee and street office */
    int32_t next = place_escalate(r, body(r, "PB"), unit(r, "K"));
    assert_string_equal(id_of(r, next), "DO");
    assert_string_equal(id_of(r, place_escalate(r, next, unit(r, "K"))), "GOV");
    assert_int_equal(place_escalate(r, body(r, "GOV"), unit(r, "K")), -ENOENT);
    assert_string_equal(id_of(r, place_escalate(r, body(r, "DISP"), -1)), "GOV");
    registry_destroy(&r);

    /* no dispatch centre at all: body -1, said so (a city office only: a
     * registry with no body at all is refused) */
    const char *none = "{\"units\":[{\"code\":\"C\",\"kind\":\"city\",\"name\":\"市\"}],"
                       "\"bodies\":[{\"id\":\"GOV\",\"kind\":\"city_office\",\"name\":\"市办\","
                       "\"units\":[\"C\"]}]}";
    assert_int_equal(registry_parse(none, strlen(none), &r, NULL), 0);
    assert_int_equal(place_decide(r, -1, CAT_ELEVATOR, URG_NORMAL, &p), 0);
    assert_int_equal(p.body, -1);
    assert_int_equal(p.route, ROUTE_NO_DISPATCH_CENTER);
    assert_int_equal(p.tier, TIER_CITY);
    registry_destroy(&r);
}

static void check_deadlines(category_t c, urgency_t u, int reply, int resolve)
{
    int a = 0, b = 0;
    place_deadlines(c, u, &a, &b);
    if (a != reply || b != resolve)
        fail_msg("%s/%s: %d/%d, want %d/%d", category_name(c), urgency_name(u), a, b, reply,
                 resolve);
    placement_t p;
    assert_int_equal(place_decide(R, unit(R, "JA-DH-CZ-1-01"), c, u, &p), 0);
    assert_int_equal(p.reply_due_hours, reply);
    assert_int_equal(p.resolve_due_hours, resolve);
    assert_int_equal(p.urgency, u);
}

static void test_deadlines(void **state)
{
    (void)state;
    for (int c = 0; c < CAT_COUNT; c++) {
        int resolve = 168;
        if (c == CAT_CONSULTATION || c == CAT_UTILITIES)
            resolve = 24;
        if (c == CAT_BUILDING_QUALITY || c == CAT_PLANNING || c == CAT_COMMITTEE_AFFAIRS ||
            c == CAT_PROPERTY_TRANSITION)
            resolve = 360;
        check_deadlines((category_t)c, URG_NORMAL, 24, resolve);
        check_deadlines((category_t)c, URG_EMERGENCY, 2, 24); /* emergency keeps 2/24 */
    }
}

static void test_urgency(void **state)
{
    (void)state;
    placement_t p;
    assert_int_equal(place_decide(R, -1, CAT_FIRE_SAFETY, URG_UNSET, &p), 0);
    assert_int_equal(p.urgency, URG_NORMAL);
}

static void test_escalation_ladder(void **state)
{
    (void)state;
    int32_t hx = unit(R, "JA-DH-CZ-1-01"), dh = unit(R, "JA-DH-HB-1-01");
    struct {
        const char *from;
        int32_t compound;
        const char *to;
    } steps[] = {
        {"PC-YH", hx, "JA-DH-CZ-1-RC"},
        {"PC-YH", dh, "JA-DH-HB-1-RC"}, /* shared company: the case's community */
        {"JA-DH-CZ-1-01-OC", hx, "JA-DH-CZ-1-RC"},
        {"JA-DH-CZ-1-01-PB", -1, "JA-DH-CZ-1-RC"}, /* no compound: the body's own */
        {"JA-DH-CZ-1-02-SMC", unit(R, "JA-DH-CZ-1-02"), "JA-DH-CZ-1-RC"},
        {"JA-DH-CZ-1-RC", hx, "JA-DH-CZ-OFFICE"},
        {"JA-DH-CZ-1-RC", -1, "JA-DH-CZ-OFFICE"},
        {"JA-DH-CZ-OFFICE", hx, "JA-DH-DISTRICT_OFFICE"},
        {"JA-DH-CZ-ENF", hx, "JA-DH-DISTRICT_OFFICE"},
        {"JA-DH-HOUSING_BUREAU", hx, "JA-DH-DISTRICT_OFFICE"},
        {"JA-PX-UTILITY", -1, "JA-PX-DISTRICT_OFFICE"},
        {"JA-DH-FIRE_RESCUE", -1, "JA-DH-DISTRICT_OFFICE"},
        {"JA-DH-DISTRICT_OFFICE", hx, "JA-GOV"},
        {"JA-DISPATCH", -1, "JA-GOV"},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        int32_t next = place_escalate(R, body(R, steps[i].from), steps[i].compound);
        if (strcmp(id_of(R, next), steps[i].to) != 0)
            fail_msg("escalate %s: %s, want %s", steps[i].from, id_of(R, next), steps[i].to);
    }
    assert_int_equal(place_escalate(R, body(R, "JA-GOV"), hx), -ENOENT);
    assert_int_equal(place_escalate(R, -1, hx), -ENOENT);
    assert_int_equal(place_escalate(NULL, 0, hx), -ENOENT);
    /* full walk from a property company reaches the city office in 4 rungs */
    int32_t b = body(R, "PC-JJ"), k = unit(R, "JA-PX-BL-1-01");
    const char *walk[] = {"JA-PX-BL-1-RC", "JA-PX-BL-OFFICE", "JA-PX-DISTRICT_OFFICE", "JA-GOV"};
    for (size_t i = 0; i < 4; i++) {
        b = place_escalate(R, b, k);
        assert_string_equal(id_of(R, b), walk[i]);
    }
    assert_int_equal(place_escalate(R, b, k), -ENOENT);
}

static void test_chains_table(void **state)
{
    (void)state;
    size_t n;
    const body_kind_t *c = place_chain(CAT_PROPERTY_SERVICE_COMPLAINT, &n);
    assert_int_equal(n, 3);
    assert_int_equal(c[0], BODY_OWNERS_COMMITTEE);
    assert_int_equal(c[1], BODY_SELF_MANAGEMENT_COMMITTEE);
    assert_int_equal(c[2], BODY_COMMUNITY_COMMITTEE);
    c = place_chain(CAT_NEIGHBOR_DISPUTE, &n);
    assert_int_equal(n, 2);
    assert_int_equal(c[0], BODY_PARTY_BRANCH);
    for (int i = 0; i < CAT_COUNT; i++) {
        place_chain((category_t)i, &n);
        assert_true(n >= 1 && n <= PLACE_MAX_CHAIN);
    }
    placement_t p;
    assert_int_equal(place_decide(NULL, -1, CAT_ELEVATOR, URG_NORMAL, &p), -EINVAL);
    assert_int_equal(place_decide(R, -1, CAT_ELEVATOR, URG_NORMAL, NULL), -EINVAL);
}

static json_t *load_lines(const char *name, size_t *n)
{
    const char *path = fixture_path(name);
    assert_non_null(path);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    json_t *arr = json_array();
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t e;
        json_t *v = json_loads(line, 0, &e);
        if (v != NULL)
            json_array_append_new(arr, v);
    }
    free(line);
    fclose(f);
    *n = json_array_size(arr);
    return arr;
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* The 54 fixture samples with the expected category and urgency given:
 * locate (normalised address/text, code) + place must reproduce body, tier,
 * cc and deadlines exactly. This checks everything but the classifier. */
static void test_fixture_samples_given_category(void **state)
{
    (void)state;
    size_t nd, ne;
    json_t *dem = load_lines("demands.jsonl", &nd);
    json_t *exp = load_lines("expected.jsonl", &ne);
    assert_int_equal(nd, 54);
    assert_int_equal(ne, 54);
    normalizer_t *norm = NULL;
    locator_t *loc = NULL;
    assert_int_equal(normalizer_create(&norm), 0);
    assert_int_equal(locator_create(R, norm, &loc), 0);
    int bad = 0;
    for (size_t i = 0; i < nd; i++) {
        json_t *d = json_array_get(dem, i), *e = json_array_get(exp, i);
        assert_string_equal(jstr(d, "id"), jstr(e, "id"));
        char a[1024] = "", t[2048] = "";
        size_t al = 0, tl = 0;
        const char *addr = jstr(d, "address"), *text = jstr(d, "text"), *code = jstr(d, "compound");
        if (addr)
            assert_int_equal(normalize_text(norm, addr, strlen(addr), a, sizeof a, &al), 0);
        assert_int_equal(normalize_text(norm, text, strlen(text), t, sizeof t, &tl), 0);
        location_t l;
        assert_int_equal(locator_locate(loc, code, code ? strlen(code) : 0, a, al, t, tl, &l), 0);
        const char *cat = jstr(e, "category"), *urg = jstr(e, "urgency");
        placement_t p;
        assert_int_equal(place_decide(R, l.unit, (category_t)category_from_name(cat, strlen(cat)),
                                      (urgency_t)urgency_from_name(urg, strlen(urg)), &p),
                         0);
        char got_cc[128] = "", want_cc[128] = "";
        for (size_t k = 0; k < p.n_cc; k++)
            snprintf(got_cc + strlen(got_cc), sizeof got_cc - strlen(got_cc), "%s,",
                     id_of(R, p.cc[k]));
        json_t *ecc = json_object_get(e, "cc");
        for (size_t k = 0; k < json_array_size(ecc); k++)
            snprintf(want_cc + strlen(want_cc), sizeof want_cc - strlen(want_cc), "%s,",
                     json_string_value(json_array_get(ecc, k)));
        if (strcmp(id_of(R, p.body), jstr(e, "body_id")) != 0 ||
            strcmp(tier_name(p.tier), jstr(e, "tier")) != 0 ||
            strcmp(body_kind_name(p.body_kind), jstr(e, "body_kind")) != 0 ||
            strcmp(got_cc, want_cc) != 0 ||
            p.reply_due_hours != json_integer_value(json_object_get(e, "reply_due_hours")) ||
            p.resolve_due_hours != json_integer_value(json_object_get(e, "resolve_due_hours"))) {
            print_message("%s: got %s/%s cc[%s] %d/%d, want %s/%s cc[%s]\n", jstr(d, "id"),
                          id_of(R, p.body), tier_name(p.tier), got_cc, p.reply_due_hours,
                          p.resolve_due_hours, jstr(e, "body_id"), jstr(e, "tier"), want_cc);
            bad++;
        }
    }
    locator_destroy(&loc);
    normalizer_destroy(&norm);
    json_decref(dem);
    json_decref(exp);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compound_chain_fallbacks),
        cmocka_unit_test(test_upper_tier_chains),
        cmocka_unit_test(test_manual_triage),
        cmocka_unit_test(test_chain_finds_nothing),
        cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_urgency),
        cmocka_unit_test(test_escalation_ladder),
        cmocka_unit_test(test_chains_table),
        cmocka_unit_test(test_fixture_samples_given_category),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
