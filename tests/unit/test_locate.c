/* test_locate.c - compound locator: longest match, aliases, equal length,
 * code given/unknown, address before text, traditional characters,
 * full-width digits, conservative stems, stripping names from text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "registry.h"
#include "../../services/router/locate.h"

static const char *REG =
    "{\"units\":["
    "{\"code\":\"C\",\"kind\":\"city\",\"name\":\"江岸市\"},"
    "{\"code\":\"D\",\"kind\":\"district\",\"name\":\"东湖区\",\"parent\":\"C\"},"
    "{\"code\":\"S\",\"kind\":\"street\",\"name\":\"龙田街道\",\"parent\":\"D\"},"
    "{\"code\":\"M1\",\"kind\":\"community\",\"name\":\"木头龙社区\",\"parent\":\"S\"},"
    "{\"code\":\"K1\",\"kind\":\"compound\",\"name\":\"锦绣家园\",\"parent\":\"M1\"},"
    "{\"code\":\"K2\",\"kind\":\"compound\",\"name\":\"锦绣家园二期\",\"parent\":\"M1\"},"
    "{\"code\":\"K3\",\"kind\":\"compound\",\"name\":\"鸿翔花园\",\"parent\":\"M1\","
    "\"aliases\":[\"鸿翔\"]},"
    "{\"code\":\"K4\",\"kind\":\"compound\",\"name\":\"东乐花园\",\"parent\":\"M1\"},"
    "{\"code\":\"K5\",\"kind\":\"compound\",\"name\":\"龙田世纪花园\",\"parent\":\"M1\","
    "\"aliases\":[\"世纪花园\"]},"
    "{\"code\":\"K6\",\"kind\":\"compound\",\"name\":\"木头龙新村\",\"parent\":\"M1\"},"
    "{\"code\":\"K7\",\"kind\":\"compound\",\"name\":\"竹坑花園\",\"parent\":\"M1\"},"
    "{\"code\":\"K8\",\"kind\":\"compound\",\"name\":\"幸福１号院\",\"parent\":\"M1\"},"
    "{\"code\":\"K9\",\"kind\":\"compound\",\"name\":\"东方电梯公寓\",\"parent\":\"M1\","
    "\"aliases\":[\"园\",\"A\"]}"
    "],\"bodies\":[{\"id\":\"DISP\",\"kind\":\"dispatch_center\",\"name\":\"派单中心\","
    "\"units\":[\"C\"]}]}"; /* a registry needs a body (issue 12) */

typedef struct {
    registry_t *reg;
    normalizer_t *norm;
    locator_t *loc;
} fx_t;

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof(*f));
    char *problems = NULL;
    if (f == NULL || registry_parse(REG, strlen(REG), &f->reg, &problems) != 0) {
        fprintf(stderr, "registry: %s\n", problems ? problems : "?");
        return -1;
    }
    if (normalizer_create(&f->norm) != 0 || locator_create(f->reg, f->norm, &f->loc) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    locator_destroy(&f->loc);
    assert_null(f->loc);
    normalizer_destroy(&f->norm);
    registry_destroy(&f->reg);
    free(f);
    return 0;
}

/* Normalise address and text like the router does, then locate. */
static location_t loc(fx_t *f, const char *code, const char *addr, const char *text)
{
    char a[512], t[512];
    size_t al = 0, tl = 0;
    a[0] = t[0] = '\0';
    if (addr)
        assert_int_equal(normalize_text(f->norm, addr, strlen(addr), a, sizeof a, &al), 0);
    if (text)
        assert_int_equal(normalize_text(f->norm, text, strlen(text), t, sizeof t, &tl), 0);
    location_t l;
    assert_int_equal(locator_locate(f->loc, code, code ? strlen(code) : 0, a, al, t, tl, &l), 0);
    return l;
}

static const char *code_of(fx_t *f, const location_t *l)
{
    return l->unit >= 0 ? registry_unit(f->reg, (size_t)l->unit)->code : "(none)";
}

#define assert_at(f, l, code) assert_string_equal(code_of((f), &(l)), (code))

static void test_longest_match(void **state)
{
    fx_t *f = *state;
    location_t l = loc(f, NULL, "锦绣家园二期3栋", NULL);
    assert_at(f, l, "K2");
    assert_string_equal(l.word, "锦绣家园二期");
    assert_int_equal(l.source, LOC_ADDRESS);
    l = loc(f, NULL, "锦绣家园3栋", NULL);
    assert_at(f, l, "K1");
    /* the longer match wins even when it comes later */
    l = loc(f, NULL, NULL, "鸿翔的朋友住在锦绣家园二期");
    assert_at(f, l, "K2");
    assert_int_equal(l.source, LOC_TEXT);
}

static void test_alias(void **state)
{
    fx_t *f = *state;
    location_t l = loc(f, NULL, "鸿翔5栋", NULL);
    assert_at(f, l, "K3");
    assert_int_equal(l.kind, WORD_ALIAS);
    assert_string_equal(l.word, "鸿翔");
    l = loc(f, NULL, NULL, "世纪花园3栋的住户反映");
    assert_at(f, l, "K5");
}

static void test_equal_length_first_wins(void **state)
{
    fx_t *f = *state;
    location_t l = loc(f, NULL, NULL, "东乐花园和鸿翔花园之间的路");
    assert_at(f, l, "K4");
    l = loc(f, NULL, NULL, "鸿翔花园和东乐花园之间的路");
    assert_at(f, l, "K3");
    assert_int_equal(l.start, 0);
}

static void test_code(void **state)
{
    fx_t *f = *state;
    location_t l = loc(f, "K3", "东乐花园", "锦绣家园二期");
    assert_at(f, l, "K3");
    assert_int_equal(l.source, LOC_CODE);
    assert_false(l.code_unknown);
    assert_null(l.word);
    /* unknown code: fall back to the address, then the text */
    l = loc(f, "NOPE", "东乐花园", "锦绣家园二期");
    assert_at(f, l, "K4");
    assert_true(l.code_unknown);
    assert_int_equal(l.source, LOC_ADDRESS);
    l = loc(f, "NOPE", NULL, "锦绣家园二期");
    assert_at(f, l, "K2");
    assert_true(l.code_unknown);
    /* a code naming a unit that is not a compound counts as unknown */
    l = loc(f, "M1", NULL, "东乐花园");
    assert_at(f, l, "K4");
    assert_true(l.code_unknown);
    l = loc(f, "NOPE", NULL, "没有小区名,A栋的园子");
    assert_int_equal(l.unit, -1);
    assert_int_equal(l.source, LOC_NONE);
}

static void test_address_before_text(void **state)
{
    fx_t *f = *state;
    /* the address match wins though the text holds a longer name */
    location_t l = loc(f, NULL, "鸿翔", "锦绣家园二期的人说");
    assert_at(f, l, "K3");
    assert_int_equal(l.source, LOC_ADDRESS);
    /* an address with no name falls through to the text */
    l = loc(f, NULL, "东湖区某小区", "锦绣家园的人说");
    assert_at(f, l, "K1");
    assert_int_equal(l.source, LOC_TEXT);
    l = loc(f, NULL, "东湖区某小区", "路面塌陷");
    assert_int_equal(l.unit, -1);
}

static void test_traditional_and_fullwidth(void **state)
{
    fx_t *f = *state;
    /* registry name in traditional characters, demand in simplified */
    location_t l = loc(f, NULL, "竹坑花园2栋", NULL);
    assert_at(f, l, "K7");
    /* demand in traditional characters */
    l = loc(f, NULL, "錦繡家園二期", NULL);
    assert_at(f, l, "K2");
    l = loc(f, NULL, NULL, "鴻翔花園的電梯");
    assert_at(f, l, "K3");
    /* full-width digits on either side */
    l = loc(f, NULL, "幸福1号院", NULL);
    assert_at(f, l, "K8");
    l = loc(f, NULL, "幸福１号院３栋", NULL);
    assert_at(f, l, "K8");
}

static void test_spaces_inside_names(void **state)
{
    fx_t *f = *state;
    location_t l = loc(f, NULL, "东湖区 锦绣 家园二期 3栋", NULL);
    assert_at(f, l, "K2");
    assert_int_equal(l.start, strlen("东湖区 "));
    assert_int_equal(l.end, strlen("东湖区 锦绣 家园二期"));
    /* an exact match elsewhere is preferred to a squeezed one */
    l = loc(f, NULL, "锦绣 家园二期", "东乐花园");
    assert_at(f, l, "K2");
    assert_int_equal(l.source, LOC_ADDRESS);
    l = loc(f, NULL, "某小区", "东 乐 花 园的灯");
    assert_at(f, l, "K4");
    assert_int_equal(l.source, LOC_TEXT);
}

static void test_stems(void **state)
{
    fx_t *f = *state;
    location_t l = loc(f, NULL, "龙田世纪3栋", NULL);
    assert_at(f, l, "K5");
    assert_int_equal(l.kind, WORD_STEM);
    assert_string_equal(l.word, "龙田世纪");
    l = loc(f, NULL, "龙田世纪", NULL);
    assert_at(f, l, "K5");
    /* a stem followed by other words is not a compound */
    l = loc(f, NULL, NULL, "龙田世纪大道的路灯");
    assert_int_equal(l.unit, -1);
    /* 木头龙 (of 木头龙新村) also names the community: no stem */
    l = loc(f, NULL, NULL, "木头龙社区的活动");
    assert_int_equal(l.unit, -1);
    l = loc(f, NULL, NULL, "木头龙3栋");
    assert_int_equal(l.unit, -1);
    /* 东方电梯 (of 东方电梯公寓) is a stem */
    l = loc(f, NULL, "东方电梯公寓", NULL);
    assert_at(f, l, "K9");
    assert_int_equal(l.kind, WORD_NAME);
}

static void test_strip(void **state)
{
    fx_t *f = *state;
    char out[256];
    size_t len;
    const char *t = "鸿翔花园的灯坏了,东乐花园也是,鸿翔业主很急";
    assert_int_equal(locator_strip(f->loc, t, strlen(t), out, sizeof out, &len), 0);
    assert_string_equal(out, "的灯坏了, 也是, 业主很急"); /* one space per name */
    assert_int_equal(len, strlen(out));
    t = "东方电梯公寓3栋灯坏了";
    assert_int_equal(locator_strip(f->loc, t, strlen(t), out, sizeof out, &len), 0);
    assert_string_equal(out, "3栋灯坏了");
    t = "东方电梯公寓";
    assert_int_equal(locator_strip(f->loc, t, strlen(t), out, sizeof out, &len), 0);
    assert_string_equal(out, "");
    t = "电梯坏了";
    assert_int_equal(locator_strip(f->loc, t, strlen(t), out, sizeof out, &len), 0);
    assert_string_equal(out, "电梯坏了");
    assert_int_equal(locator_strip(f->loc, t, strlen(t), out, 4, &len), -ENOSPC);
    assert_int_equal(locator_strip(f->loc, "", 0, out, 1, &len), 0);
    assert_string_equal(out, "");
}

/* locator_locate_strip() must give exactly what locator_locate() and
 * locator_strip() give separately, whatever located the compound. */
static void test_locate_strip_one_pass(void **state)
{
    fx_t *f = *state;
    static const struct {
        const char *code, *addr, *text;
    } cases[] = {
        {NULL, NULL, "鸿翔花园的灯坏了,东乐花园也是,鸿翔业主很急"},
        {NULL, "锦绣家园二期3栋", "锦绣家园的电梯坏了"},
        {"K4", NULL, "龙田世纪花园门口有人摆摊"},
        {"NOPE", NULL, "木头龙新村3栋楼道灯坏了"},
        {NULL, "不存在的地址", "东方电梯公寓3栋灯坏了"},
        {NULL, NULL, "锦绣 家园 的路灯坏了"},
        {NULL, NULL, "没有小区名字的诉求"},
        {NULL, NULL, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *t = cases[i].text, *a = cases[i].addr, *c = cases[i].code;
        location_t l1 = loc(f, c, a, t), l2;
        char o1[256], o2[256];
        size_t n1 = 0, n2 = 0;
        assert_int_equal(locator_strip(f->loc, t, strlen(t), o1, sizeof o1, &n1), 0);
        assert_int_equal(locator_locate_strip(f->loc, c, c ? strlen(c) : 0, a, a ? strlen(a) : 0, t,
                                              strlen(t), &l2, o2, sizeof o2, &n2),
                         0);
        assert_int_equal(l1.unit, l2.unit);
        assert_int_equal(l1.source, l2.source);
        assert_int_equal(l1.kind, l2.kind);
        assert_int_equal(l1.code_unknown, l2.code_unknown);
        assert_int_equal(l1.start, l2.start);
        assert_int_equal(l1.end, l2.end);
        assert_true(l1.word == l2.word);
        assert_string_equal(o1, o2);
        assert_int_equal(n1, n2);
    }
}

static void test_counts_and_errors(void **state)
{
    fx_t *f = *state;
    /* 9 names + 2 aliases + stems 龙田世纪, 东方电梯 (幸福1号院, 锦绣 too short or
     * not a generic suffix; 竹坑/东乐/鸿翔 too short; 木头龙 collides) */
    assert_int_equal(locator_pattern_count(f->loc), 13);
    assert_true(locator_memory(f->loc) > 0);
    location_t l;
    assert_int_equal(locator_locate(NULL, NULL, 0, NULL, 0, NULL, 0, &l), -EINVAL);
    assert_int_equal(l.unit, -1);
    locator_t *x = NULL;
    assert_int_equal(locator_create(NULL, f->norm, &x), -EINVAL);
    assert_null(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_longest_match),
        cmocka_unit_test(test_alias),
        cmocka_unit_test(test_equal_length_first_wins),
        cmocka_unit_test(test_code),
        cmocka_unit_test(test_address_before_text),
        cmocka_unit_test(test_traditional_and_fullwidth),
        cmocka_unit_test(test_spaces_inside_names),
        cmocka_unit_test(test_stems),
        cmocka_unit_test(test_strip),
        cmocka_unit_test(test_locate_strip_one_pass),
        cmocka_unit_test(test_counts_and_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
