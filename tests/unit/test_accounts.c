/* test_accounts.c - the console's accounts file (lib/accounts.h): which
 * principals may hold an account, Argon2id hashes verified, a password
 * changed in place, the file's mode, and nothing in it in clear. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "accounts.h"

static void test_principals(void **state)
{
    (void)state;
    assert_int_equal(accounts_principal_ok("operator.admin"), 0);
    assert_int_equal(accounts_principal_ok("staff.zhang@PC-YH"), 0);
    assert_int_equal(accounts_principal_ok("staff.zhang"), -EINVAL);  /* no body */
    assert_int_equal(accounts_principal_ok("staff.@PC-YH"), -EINVAL); /* no name */
    assert_int_equal(accounts_principal_ok("staff.zhang@"), -EINVAL);
    assert_int_equal(accounts_principal_ok("admin.root"), -EINVAL); /* not a console role */
    assert_int_equal(accounts_principal_ok("body.PC-YH"), -EINVAL);
    assert_int_equal(accounts_principal_ok("service.ledger"), -EINVAL);
    assert_int_equal(accounts_principal_ok("operator.a b"), -EINVAL);
    assert_int_equal(accounts_principal_ok("operator.a\nstaff.x@B"), -EINVAL);
    assert_int_equal(accounts_principal_ok("operator.x@B"), -EINVAL);
    assert_int_equal(accounts_principal_ok("operator.a.b"), -EINVAL);
    assert_int_equal(accounts_principal_ok(""), -EINVAL);
}

static void test_set_verify(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_accounts.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/accounts", dir);
    assert_int_equal(accounts_exists(path, "operator.admin"), 0);
    assert_int_equal(accounts_verify(path, "operator.admin", "whatever-long"), -ENOENT);
    assert_int_equal(accounts_set(path, "operator.admin", "short"), -EINVAL);
    assert_int_equal(accounts_set(path, "admin.root", "long enough pw"), -EINVAL);
    assert_int_equal(accounts_set(path, "operator.admin", "correct horse 1"), 0);
    assert_int_equal(accounts_set(path, "staff.zhang@PC-YH", "battery staple 2"), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(accounts_exists(path, "operator.admin"), 1);
    assert_int_equal(accounts_verify(path, "operator.admin", "correct horse 1"), 0);
    assert_int_equal(accounts_verify(path, "operator.admin", "correct horse 2"), -EACCES);
    assert_int_equal(accounts_verify(path, "operator.admin", ""), -EACCES);
    assert_int_equal(accounts_verify(path, "staff.zhang@PC-YH", "battery staple 2"), 0);
    /* one account's password is not another's */
    assert_int_equal(accounts_verify(path, "staff.zhang@PC-YH", "correct horse 1"), -EACCES);
    /* a prefix of a principal is not that principal */
    assert_int_equal(accounts_verify(path, "operator.adm", "correct horse 1"), -ENOENT);
    /* changing a password replaces the line, the other account stays */
    assert_int_equal(accounts_set(path, "operator.admin", "new password 3"), 0);
    assert_int_equal(accounts_verify(path, "operator.admin", "correct horse 1"), -EACCES);
    assert_int_equal(accounts_verify(path, "operator.admin", "new password 3"), 0);
    assert_int_equal(accounts_verify(path, "staff.zhang@PC-YH", "battery staple 2"), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_null(strstr(buf, "new password"));
    assert_null(strstr(buf, "battery"));
    assert_non_null(strstr(buf, "operator.admin $argon2id$"));
    int lines = 0;
    for (char *c = buf; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 2);
    unlink(path);
    rmdir(dir);
}

static void test_random_password(void **state)
{
    (void)state;
    char a[17], b[17];
    accounts_random_password(a, sizeof a);
    accounts_random_password(b, sizeof b);
    assert_int_equal(strlen(a), 16);
    assert_string_not_equal(a, b);
    for (const char *c = a; *c; c++)
        assert_non_null(strchr("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", *c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_principals),
        cmocka_unit_test(test_set_verify),
        cmocka_unit_test(test_random_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
