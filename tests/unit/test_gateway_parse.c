/*
 * test_gateway_parse.c - the gateway's decoding of URLs and forms
 * (http_parse.c), its XML escaper and renderer (xml_out.c), its route
 * matching (http.c), and the Open311 service table against the router's
 * chains (open311_services.c): what a client sends is refused rather than
 * guessed at, and what we write always parses.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"
#include "http_parse.h"
#include "open311_services.h"
#include "place.h"
#include "xml_out.h"

static void test_percent_decode(void **state)
{
    (void)state;
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(http_percent_decode("a%20b+c%E7%94%B5", 16, 1, &out, &n), 0);
    assert_string_equal(out, "a b c\xE7\x94\xB5");
    assert_int_equal(n, strlen(out));
    free(out);
    /* In a path '+' is a plus. */
    assert_int_equal(http_percent_decode("/a+b", 4, 0, &out, NULL), 0);
    assert_string_equal(out, "/a+b");
    free(out);
    /* Bad escapes and NULs are refused, not guessed at. */
    const char *bad[] = {"%", "%4", "a%G1", "%00", "x%0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(http_percent_decode(bad[i], strlen(bad[i]), 1, &out, NULL), -EINVAL);
        assert_null(out);
    }
    /* Only `len` bytes are read: the escape cut by the length is bad. */
    assert_int_equal(http_percent_decode("%41", 2, 1, &out, NULL), -EINVAL);
}

static void test_params(void **state)
{
    (void)state;
    http_params_t p;
    const char *q = "a=1&&b=x%26y&c&attribute%5Btrapped%5D=yes&a=2&=v";
    assert_int_equal(http_params_parse(q, strlen(q), &p), 0);
    assert_int_equal(p.count, 6);
    assert_string_equal(http_params_get(&p, "a"), "1");
    assert_string_equal(http_params_get(&p, "b"), "x&y");
    assert_string_equal(http_params_get(&p, "c"), "");
    assert_string_equal(http_params_get(&p, "attribute[trapped]"), "yes");
    assert_string_equal(http_params_get(&p, ""), "v");
    assert_null(http_params_get(&p, "d"));
    assert_int_equal(http_params_count(&p, "a"), 2);
    http_params_free(&p);
    assert_int_equal(p.count, 0);
    assert_int_equal(http_params_parse("a=%zz", 5, &p), -EINVAL);
    assert_int_equal(p.count, 0);
    /* More than HTTP_PARAMS_MAX parameters: refused whole. */
    size_t len = (HTTP_PARAMS_MAX + 1) * 4;
    char *many = malloc(len + 1);
    for (size_t i = 0; i <= HTTP_PARAMS_MAX; i++)
        memcpy(many + 4 * i, "a=1&", 4);
    assert_int_equal(http_params_parse(many, len, &p), -E2BIG);
    assert_int_equal(p.count, 0);
    assert_int_equal(http_params_parse(many, len - 4, &p), 0);
    assert_int_equal(p.count, HTTP_PARAMS_MAX);
    http_params_free(&p);
    free(many);
}

static char *escaped(const char *s, size_t len)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    assert_int_equal(xml_escape(f, s, len), 0);
    fclose(f);
    return out;
}

static void test_xml_escape(void **state)
{
    (void)state;
    char *e = escaped("<a href=\"x\">&'</a>", 18);
    assert_string_equal(e, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
    free(e);
    /* Chinese text, tabs and newlines are kept as they are; CR is kept as a
     * reference (a reader would turn a literal CR into LF). */
    e = escaped("电梯\t坏了\r\n", 15);
    assert_string_equal(e, "电梯\t坏了&#13;\n");
    free(e);
    /* What XML 1.0 cannot carry at all becomes U+FFFD: controls, a NUL,
     * invalid UTF-8, an overlong form, a surrogate. */
    const char in[] = {'a',        0x01,       0x00,       (char)0xFF, (char)0xC0,
                       (char)0xAF, (char)0xED, (char)0xA0, (char)0x80, 'b'};
    e = escaped(in, sizeof in);
    assert_string_equal(e, "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                           "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                           "b");
    free(e);
}

static const char *items(const char *list)
{
    return strcmp(list, "things") == 0 ? "thing" : NULL;
}

static void test_xml_render(void **state)
{
    (void)state;
    json_t *v = json_pack("{s:s,s:[s,s],s:n,s:b,s:I,s:[i]}", "name", "a<b", "things", "x", "y",
                          "nothing", "yes", 1, "n", (json_int_t)42, "others", 7);
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(xml_render(v, "root", items, &out, &len), 0);
    assert_string_equal(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                             "<root><name>a&lt;b</name><things><thing>x</thing><thing>y</thing>"
                             "</things><nothing/><yes>true</yes><n>42</n><others><item>7</item>"
                             "</others></root>\n");
    assert_int_equal(len, strlen(out));
    free(out);
    json_decref(v);
}

static void test_routes(void **state)
{
    (void)state;
    http_route_t wechat = {"POST", "/wechat", 1, NULL}, console = {NULL, "/console/", 1, NULL};
    assert_true(http_route_matches(&wechat, "/wechat"));
    assert_true(http_route_matches(&wechat, "/wechat/x"));
    assert_false(http_route_matches(&wechat, "/wechatx"));
    assert_false(http_route_matches(&wechat, "/"));
    assert_true(http_route_matches(&console, "/console/"));
    assert_true(http_route_matches(&console, "/console/cases/1"));
    assert_false(http_route_matches(&console, "/console"));
    /* The table has Open311 and nothing claims a path twice before it. */
    int open311 = 0;
    for (size_t i = 0; i < gateway_routes_count; i++)
        open311 += strcmp(gateway_routes[i].prefix, "/open311/") == 0;
    assert_int_equal(open311, 1);
}

/* group = the tier of the first kind of the category's chain
 * (services/router/place.c), for every category, in ROUTING.md's order. */
static void test_services_follow_the_chains(void **state)
{
    (void)state;
    size_t n = 0;
    const open311_service_t *s = open311_service_list(&n);
    assert_int_equal(n, CAT_COUNT);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(s[i].code, category_name((category_t)i));
        size_t chain = 0;
        const body_kind_t *k = place_chain((category_t)i, &chain);
        assert_true(chain > 0);
        assert_int_equal(s[i].group, body_kind_tier(k[0]));
        assert_ptr_equal(open311_service_find(s[i].code), &s[i]);
    }
    assert_null(open311_service_find("no_such"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percent_decode), cmocka_unit_test(test_params),
        cmocka_unit_test(test_xml_escape),     cmocka_unit_test(test_xml_render),
        cmocka_unit_test(test_routes),         cmocka_unit_test(test_services_follow_the_chains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
