/*
 * cmd_accounts.c - `petition accounts set|check`: the web console's named
 * accounts (lib/accounts.h). An account is bound to a principal of
 * docs/roles.md, and the console acts upstream with that principal's own
 * CURVE key, so `set` creates the key when the keys directory lacks it.
 * The password is read from standard input (one line) or, with
 * --generate, made up and printed once: it never appears on a command
 * line, where other users could read it in the process list.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "accounts.h"
#include "commands.h"
#include "config.h"
#include "curve.h"

static int read_password(char *buf, size_t len)
{
    if (fgets(buf, (int)len, stdin) == NULL)
        return -EIO;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

int cmd_accounts(const petition_ctx_t *ctx, int argc, char **argv)
{
    config_opt_t o[] = {
        {"principal", NULL, NULL, "operator.NAME or staff.NAME@BODY_ID", 0, NULL},
        {"file", "LIANDONG_CONSOLE_ACCOUNTS", "var/console/accounts", "the accounts file", 0, NULL},
        {"generate", NULL, "0", "make up a password and print it", 1, NULL},
    };
    size_t n = sizeof o / sizeof o[0];
    const char *usage = "usage: petition accounts set --principal P [--file F] [--generate]\n"
                        "       petition accounts check --principal P [--file F]\n"
                        "(the password is read from standard input unless --generate)";
    if (argc < 2 || (strcmp(argv[1], "set") != 0 && strcmp(argv[1], "check") != 0)) {
        fprintf(stderr, "%s\n", usage);
        return 2;
    }
    int rc = petition_parse_args(o, n, argc - 1, argv + 1, usage);
    if (rc >= 0)
        return rc;
    const char *principal = config_get(o, n, "principal");
    const char *file = config_get(o, n, "file");
    if (principal == NULL || accounts_principal_ok(principal) < 0) {
        fprintf(stderr, "petition accounts: --principal must be operator.NAME or "
                        "staff.NAME@BODY_ID (letters, digits, _ and -)\n");
        return 2;
    }
    char password[256];
    int generate = strcmp(config_get(o, n, "generate"), "1") == 0;
    if (strcmp(argv[1], "check") == 0) {
        if (read_password(password, sizeof password) < 0)
            return 2;
        rc = accounts_verify(file, principal, password);
        memset(password, 0, sizeof password);
        printf("%s\n", rc == 0 ? "ok" : rc == -ENOENT ? "no such account" : "wrong password");
        return rc == 0 ? 0 : 1;
    }
    if (generate)
        accounts_random_password(password, 17);
    else if (read_password(password, sizeof password) < 0)
        return 2;
    /* the directory holding the file: var/console by default */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
        mkdir(dir, 0700);
    }
    rc = accounts_set(file, principal, password);
    if (rc < 0) {
        fprintf(stderr, "petition accounts: %s\n",
                rc == -EINVAL ? "the password needs at least 10 characters" : strerror(-rc));
        memset(password, 0, sizeof password);
        return 1;
    }
    /* The console acts as this person upstream: their key must exist. */
    const char *dot = strchr(principal, '.');
    char role[32];
    snprintf(role, sizeof role, "%.*s", (int)(dot - principal), principal);
    curve_keypair_t kp;
    if (curve_keypair_load(ctx->keys, role, dot + 1, 0, &kp) < 0) {
        mkdir(ctx->keys, 0700);
        rc = curve_keypair_create(ctx->keys, role, dot + 1, &kp);
        if (rc < 0)
            fprintf(stderr, "petition accounts: cannot create the key %s in %s: %s\n", principal,
                    ctx->keys, strerror(-rc));
        else
            printf("key %s created in %s\n", principal, ctx->keys);
    }
    printf("account %s set in %s\n", principal, file);
    if (generate)
        printf("password: %s\n", password);
    memset(password, 0, sizeof password);
    return rc < 0 ? 1 : 0;
}
