/* test_metrics.c - the ledger's Prometheus exposition (metrics.h) without
 * HTTP or a database: label escaping, counters by command type and error
 * code, cumulative histograms, the figures' "database down" state, and the
 * calendar's gauges read from its file (issue 15). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <unistd.h>

#include "metrics.h"
#include "metrics_int.h"

static char *label(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    metrics_write_label(f, s);
    fclose(f);
    return buf;
}

static void test_label_escaping(void **state)
{
    (void)state;
    char *s = label("a\"b\\c\nd 中文");
    assert_string_equal(s, "a\\\"b\\\\c\\nd 中文");
    free(s);
    s = label("");
    assert_string_equal(s, "");
    free(s);
}

static char *render(metrics_t *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(metrics_render(m, f), 0);
    fclose(f);
    return buf;
}

static void test_health_counters(void **state)
{
    (void)state;
    metrics_t *m = NULL;
    /* Port 1 on loopback: refused at once, so the figures are "down". */
    assert_int_equal(metrics_new("host=127.0.0.1 port=1 connect_timeout=1", &m), 0);
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT, ok = LIANDONG__V1__ENVELOPE__INIT,
               bad = LIANDONG__V1__ENVELOPE__INIT;
    Liandong__V1__Error err = LIANDONG__V1__ERROR__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_CREATE_CASE;
    bad.body_case = LIANDONG__V1__ENVELOPE__BODY_ERROR;
    err.code = LIANDONG__V1__ERROR_CODE__ERROR_FORBIDDEN;
    bad.error = &err;
    metrics_request(m, &req, &ok, 0.0007);
    metrics_request(m, &req, &bad, 3.0);
    metrics_batch(m, 2);
    metrics_batch(m, 200);
    metrics_request(NULL, &req, &ok, 1); /* metrics off: no-op */
    metrics_batch(NULL, 1);
    char *t = render(m);
    assert_non_null(strstr(t, "liandong_ledger_commands_total{type=\"create_case\"} 2\n"));
    assert_non_null(strstr(t, "liandong_ledger_errors_total{code=\"ERROR_FORBIDDEN\"} 1\n"));
    assert_non_null(strstr(t, "# TYPE liandong_ledger_commit_batch_size histogram\n"));
    assert_non_null(strstr(t, "liandong_ledger_commit_batch_size_bucket{le=\"1\"} 0\n"));
    assert_non_null(strstr(t, "liandong_ledger_commit_batch_size_bucket{le=\"2\"} 1\n"));
    assert_non_null(strstr(t, "liandong_ledger_commit_batch_size_bucket{le=\"128\"} 1\n"));
    assert_non_null(strstr(t, "liandong_ledger_commit_batch_size_bucket{le=\"+Inf\"} 2\n"));
    assert_non_null(strstr(t, "liandong_ledger_commit_batch_size_sum 202\n"));
    assert_non_null(
        strstr(t, "liandong_ledger_request_duration_seconds_bucket{le=\"0.0005\"} 0\n"));
    assert_non_null(strstr(t, "liandong_ledger_request_duration_seconds_bucket{le=\"0.001\"} 1\n"));
    assert_non_null(strstr(t, "liandong_ledger_request_duration_seconds_bucket{le=\"2.5\"} 1\n"));
    assert_non_null(strstr(t, "liandong_ledger_request_duration_seconds_count 2\n"));
    assert_non_null(strstr(t, "liandong_ledger_figures_db_up 0\n"));
    /* Families are declared even with no district yet. */
    assert_non_null(strstr(t, "# TYPE liandong_street_reply_rate gauge\n"));
    free(t);
    metrics_free(&m);
    assert_null(m);
    metrics_destroy(&m); /* NULL: no-op */
}

static void test_create_off_and_bad_address(void **state)
{
    (void)state;
    metrics_t *m = (metrics_t *)&m;
    assert_int_equal(metrics_create("", "", &m), 0);
    assert_null(m);
    assert_int_equal(metrics_create("nohostport", "", &m), -EINVAL);
    assert_int_equal(metrics_create("127.0.0.1:0", "", &m), -EINVAL);
    assert_int_equal(metrics_create("localhost:9000", "", &m), -EINVAL); /* numeric only */
    assert_int_equal(metrics_create("127.0.0.1:99999", "", &m), -EINVAL);
    assert_null(m);
}

/* The calendar gauges (issue 15) come from the file, not the database: a
 * missing file shows 0, a file that appears later is read at the next
 * refresh, and no calendar path shows no gauge. */
static void test_calendar_gauges(void **state)
{
    (void)state;
    char path[] = "/tmp/test_metrics_calXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    metrics_t *m = NULL;
    assert_int_equal(metrics_new("host=127.0.0.1 port=1 connect_timeout=1", &m), 0);
    char *t = render(m);
    assert_null(strstr(t, "liandong_calendar_last_year"));
    free(t);
    assert_int_equal(metrics_calendar(m, path, 60), 0);
    t = render(m);
    assert_non_null(strstr(t, "\nliandong_calendar_last_year 0\n"));
    assert_non_null(strstr(t, "\nliandong_calendar_covered_until_seconds 0\n"));
    /* no database: no case counts, rather than zeros that look true */
    assert_null(strstr(t, "liandong_cases_calendar_uncovered_total"));
    free(t);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("years\t2025\t2025\n2025-10-01\tholiday\tNational Day\n", f);
    fclose(f);
    m->fig_valid = 0; /* as if METRICS_REFRESH_MS had passed */
    t = render(m);
    assert_non_null(strstr(t, "\nliandong_calendar_last_year 2025\n"));
    /* 2026-01-01T00:00:00+08:00 */
    assert_non_null(strstr(t, "\nliandong_calendar_covered_until_seconds 1767196800\n"));
    free(t);
    unlink(path);
    metrics_free(&m);
    assert_int_equal(metrics_calendar(NULL, "", 60), 0); /* off: nothing to check */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_escaping),
        cmocka_unit_test(test_health_counters),
        cmocka_unit_test(test_create_off_and_bad_address),
        cmocka_unit_test(test_calendar_gauges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
