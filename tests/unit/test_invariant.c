/*
 * test_invariant.c - ASSERT (lib/invariant.h) is on in the builds the tests
 * run: a true condition passes, a false one aborts the process with the
 * condition and its place on stderr.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "invariant.h"

static void test_true_passes(void **state)
{
    (void)state;
    int n = 1;
    ASSERT(n == 1);
    assert_int_equal(n, 1);
}

/* Runs ASSERT(x == 2) with x = 1 in a child and returns what it printed. */
static void test_false_aborts(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        volatile int x = 1;
        ASSERT(x == 2);
        _exit(0); /* reached only when ASSERT is compiled out */
    }
    close(fds[1]);
    char buf[512] = {0};
    size_t got = 0;
    ssize_t r;
    while (got + 1 < sizeof buf && (r = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)r;
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_non_null(strstr(buf, "invariant failed: x == 2"));
    assert_non_null(strstr(buf, "test_invariant.c"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_true_passes),
        cmocka_unit_test(test_false_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
