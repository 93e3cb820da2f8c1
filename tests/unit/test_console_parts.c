/* test_console_parts.c - the web console's building blocks that need no
 * server (services/gateway/console_*.h): HTML escaping, CSV quoting with
 * the BOM and the formula guard, SVG charts, sessions with their expiry
 * and CSRF tokens, login throttling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "console_csv.h"
#include "console_html.h"
#include "console_session.h"
#include "console_svg.h"
#include "console_throttle.h"

static int64_t fake_now;
static int64_t clock_fake(void)
{
    return fake_now;
}

static void test_html_escape(void **state)
{
    (void)state;
    html_t h = {0};
    html_raw(&h, "<p title=\"");
    html_text(&h, "a\"b'c<script>&amp;");
    html_raw(&h, "\">");
    html_text(&h, "楼道灯坏了 <b>");
    html_text(&h, NULL);
    html_rawf(&h, "%d", 42);
    size_t len = 0;
    char *s = html_take(&h, &len);
    assert_string_equal(s, "<p title=\"a&quot;b&#39;c&lt;script&gt;&amp;amp;\">楼道灯坏了 "
                           "&lt;b&gt;42");
    assert_int_equal(len, strlen(s));
    free(s);
    html_url(&h, "a b&c=d/鸿");
    s = html_take(&h, NULL);
    assert_string_equal(s, "a%20b%26c%3Dd%2F%E9%B8%BF");
    free(s);
    /* growth past the first block */
    for (int i = 0; i < 5000; i++)
        html_text(&h, "<>");
    assert_int_equal(h.len, 5000 * 8);
    html_free(&h);
    assert_null(h.p);
}

static void test_csv(void **state)
{
    (void)state;
    html_t h = {0};
    csv_begin(&h);
    csv_cell(&h, "case_id", 1);
    csv_cell(&h, "text", 0);
    csv_end_row(&h);
    csv_cell(&h, "C-1", 1);
    csv_cell(&h, "他说\"灯坏了\", 三楼\n请修", 0);
    csv_cell(&h, "=HYPERLINK(\"http://x\")", 0);
    csv_cell(&h, "+86 138", 0);
    csv_cell(&h, "-1", 0);
    csv_cell(&h, "@SUM(A1)", 0);
    csv_cell(&h, "", 0);
    csv_cell_num(&h, -5, 0);
    csv_end_row(&h);
    char *s = html_take(&h, NULL);
    assert_string_equal(s, "\xEF\xBB\xBF"
                           "case_id,text\r\n"
                           "C-1,\"他说\"\"灯坏了\"\", "
                           "三楼\n请修\",\"'=HYPERLINK(\"\"http://x\"\")\","
                           "\"'+86 138\",\"'-1\",\"'@SUM(A1)\",,-5\r\n");
    free(s);
}

static void test_svg(void **state)
{
    (void)state;
    html_t h = {0};
    const char *labels[] = {"10月", "11月", "<12月>"};
    double v[] = {0.5, NAN, 1.0};
    svg_trend(&h, "回复率 & 趋势", labels, v, 3);
    char *s = html_take(&h, NULL);
    assert_non_null(strstr(s, "<title>回复率 &amp; 趋势</title>"));
    assert_non_null(strstr(s, "&lt;12月&gt;"));
    assert_null(strstr(s, "<12月>"));
    /* n/a breaks the line: two polylines of one point each */
    int lines = 0;
    for (const char *p = s; (p = strstr(p, "<polyline")) != NULL; p++)
        lines++;
    assert_int_equal(lines, 2);
    int dots = 0;
    for (const char *p = s; (p = strstr(p, "<circle")) != NULL; p++)
        dots++;
    assert_int_equal(dots, 2);
    free(s);
    unsigned long long counts[] = {10, 5};
    const char *names[] = {"甲", "乙"};
    svg_bars(&h, "received", names, counts, 2);
    s = html_take(&h, NULL);
    assert_non_null(strstr(s, "width=\"370.0\"")); /* the largest is full length */
    assert_non_null(strstr(s, "width=\"185.0\""));
    free(s);
}

static void test_sessions(void **state)
{
    (void)state;
    console_sessions_t *s = NULL;
    fake_now = 1000;
    assert_int_equal(sessions_new(3, 60, 300, clock_fake, &s), 0);
    console_session_t a, b, got;
    assert_int_equal(sessions_create(s, "operator.admin", &a), 0);
    assert_int_equal(sessions_create(s, "staff.zhang@PC-YH", &b), 0);
    assert_int_equal(strlen(a.id), SESSION_TOKEN_HEX);
    assert_string_not_equal(a.id, b.id);
    assert_string_not_equal(a.id, a.csrf);
    assert_int_equal(sessions_lookup(s, a.id, &got), 0);
    assert_string_equal(got.principal, "operator.admin");
    assert_int_equal(sessions_csrf_ok(&got, a.csrf), 1);
    assert_int_equal(sessions_csrf_ok(&got, b.csrf), 0); /* another session's token */
    assert_int_equal(sessions_csrf_ok(&got, ""), 0);
    assert_int_equal(sessions_csrf_ok(&got, NULL), 0);
    char wrong[SESSION_TOKEN_HEX + 1];
    memcpy(wrong, a.id, sizeof wrong);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    assert_int_equal(sessions_lookup(s, wrong, &got), -ENOENT);
    assert_int_equal(sessions_lookup(s, "short", &got), -ENOENT);
    /* idle expiry: b unused for 60 s ends; a used at 1059 lives on */
    fake_now = 1059;
    assert_int_equal(sessions_lookup(s, a.id, &got), 0);
    fake_now = 1060;
    assert_int_equal(sessions_lookup(s, b.id, &got), -ENOENT);
    assert_int_equal(sessions_lookup(s, a.id, &got), 0);
    /* absolute expiry, however busy */
    for (fake_now = 1100; fake_now < 1300; fake_now += 50)
        assert_int_equal(sessions_lookup(s, a.id, &got), 0);
    fake_now = 1300;
    assert_int_equal(sessions_lookup(s, a.id, &got), -ENOENT);
    /* logout */
    assert_int_equal(sessions_create(s, "operator.admin", &a), 0);
    sessions_end(s, a.id);
    assert_int_equal(sessions_lookup(s, a.id, &got), -ENOENT);
    /* full: the one idle longest makes room */
    console_session_t x[4];
    for (int i = 0; i < 4; i++) {
        fake_now++;
        assert_int_equal(sessions_create(s, "operator.admin", &x[i]), 0);
    }
    assert_int_equal(sessions_count(s), 3);
    assert_int_equal(sessions_lookup(s, x[0].id, &got), -ENOENT);
    assert_int_equal(sessions_lookup(s, x[3].id, &got), 0);
    char longp[200];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    assert_int_equal(sessions_create(s, longp, &got), -EINVAL);
    sessions_destroy(&s);
    assert_null(s);
}

static void test_throttle(void **state)
{
    (void)state;
    console_throttle_t *t = NULL;
    fake_now = 0;
    assert_int_equal(throttle_new(2, 3, 100, clock_fake, &t), 0);
    assert_int_equal(throttle_wait(t, "acct:a"), 0);
    throttle_failed(t, "acct:a");
    throttle_failed(t, "acct:a");
    assert_int_equal(throttle_wait(t, "acct:a"), 0);
    fake_now = 10;
    throttle_failed(t, "acct:a");
    assert_int_equal(throttle_wait(t, "acct:a"), 90); /* the window runs from the first failure */
    assert_int_equal(throttle_wait(t, "acct:b"), 0);  /* another key is not held */
    fake_now = 99;
    assert_int_equal(throttle_wait(t, "acct:a"), 1);
    fake_now = 100;
    assert_int_equal(throttle_wait(t, "acct:a"), 0);
    /* a success resets */
    throttle_failed(t, "acct:a");
    throttle_failed(t, "acct:a");
    throttle_reset(t, "acct:a");
    throttle_failed(t, "acct:a");
    assert_int_equal(throttle_wait(t, "acct:a"), 0);
    /* a full table forgets the oldest key, not the newest */
    fake_now = 101;
    throttle_failed(t, "addr:1");
    throttle_failed(t, "addr:1");
    throttle_failed(t, "addr:1");
    fake_now = 102;
    throttle_failed(t, "addr:2");
    assert_int_equal(throttle_wait(t, "addr:2"), 0);
    assert_int_equal(throttle_wait(t, "addr:1"), 99);
    throttle_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_escape), cmocka_unit_test(test_csv),
        cmocka_unit_test(test_svg),         cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_throttle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
