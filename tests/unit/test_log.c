/*
 * test_log.c - the rate limit of refusal lines (lib/log.h): a flood of
 * refusals writes at most a burst of lines, counts every one, and the next
 * line written says how many were left out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

/* Runs fn with stderr going to a file; returns what it wrote. */
static char *capture(void (*fn)(void))
{
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    fn();
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    long n = (long)lseek(fileno(tmp), 0, SEEK_END);
    char *out = calloc(1, (size_t)n + 1);
    assert_non_null(out);
    assert_int_equal(pread(fileno(tmp), out, (size_t)n, 0), n);
    fclose(tmp);
    return out;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void flood(void)
{
    for (int i = 0; i < 1000; i++)
        log_refusal(LOG_REFUSED_REQUEST, "refused a request: bad frame %d", i);
}

static void after_a_pause(void)
{
    struct timespec pause = {0, 500 * 1000 * 1000}; /* 2.5 tokens come back */
    nanosleep(&pause, NULL);
    log_refusal(LOG_REFUSED_REQUEST, "refused a request: one more");
    log_refusal(LOG_REFUSED_HANDSHAKE, "refused a connection with an unknown key");
}

static void test_flood_is_bounded_and_counted(void **state)
{
    (void)state;
    log_init("test", LOG_INFO);
    char *out = capture(flood);
    /* The burst, plus what refills while the loop runs (well under 1 s). */
    size_t lines = count(out, "refused a request: bad frame");
    assert_true(lines >= LOG_REFUSAL_BURST && lines <= LOG_REFUSAL_BURST + 5);
    assert_int_equal(log_refusals(LOG_REFUSED_REQUEST), 1000);
    assert_int_equal(log_refusals_suppressed(LOG_REFUSED_REQUEST), 1000 - lines);
    free(out);

    out = capture(after_a_pause);
    char want[96];
    snprintf(want, sizeof want, "WARN test %llu request refusals not logged",
             (unsigned long long)(1000 - lines));
    if (strstr(out, want) == NULL)
        fail_msg("expected \"%s\" in:\n%s", want, out);
    assert_int_equal(count(out, "refused a request: one more"), 1);
    /* Each kind has its own bucket: a flood of one does not hide another. */
    assert_int_equal(count(out, "refused a connection with an unknown key"), 1);
    assert_int_equal(log_refusals(LOG_REFUSED_HANDSHAKE), 1);
    assert_int_equal(log_refusals_suppressed(LOG_REFUSED_HANDSHAKE), 0);
    assert_string_equal(log_refusal_name(LOG_REFUSED_ANSWER), "answer");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flood_is_bounded_and_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
