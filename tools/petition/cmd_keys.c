/*
 * cmd_keys.c - `petition keys new`: creates a CURVE key pair for a body, a
 * front-end, an operator or a service. The public half (.pub) is what a
 * server's keys directory must hold to let the key in; the .key file is
 * the secret and stays with its owner.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "config.h"
#include "curve.h"
#include "registry.h"

/* Creates a key pair unless one exists already (so re-running is safe). */
static int ensure_key(const char *dir, const char *role, const char *id, int *created)
{
    curve_keypair_t kp;
    if (curve_keypair_load(dir, role, id, 0, &kp) == 0)
        return 0;
    int rc = curve_keypair_create(dir, role, id, &kp);
    if (rc == 0)
        (*created)++;
    else
        fprintf(stderr, "petition keys: cannot create %s.%s: %s\n", role, id, strerror(-rc));
    return rc;
}

/* `keys bootstrap --registry FILE --dir DIR`: the keys a deployment needs:
 * the three services, an operator, one per channel front-end and one per
 * body of the registry. */
static int keys_bootstrap(const petition_ctx_t *ctx, int argc, char **argv)
{
    config_opt_t o[] = {
        {"registry", NULL, NULL, "registry file whose bodies get keys", 0, NULL},
        {"dir", NULL, NULL, "keys directory", 0, NULL},
    };
    size_t n = 2;
    char err[200];
    int rest = 0;
    int rc = config_parse(o, n, argc - 1, argv + 1, &rest, err, sizeof err);
    if (rc != 0 || rest != argc - 1 || !config_get(o, n, "registry")) {
        fprintf(stderr, "usage: petition keys bootstrap --registry FILE [--dir DIR]\n");
        return 2;
    }
    const char *dir = config_get(o, n, "dir") ? config_get(o, n, "dir") : ctx->keys;
    mkdir(dir, 0700);
    registry_t *reg = NULL;
    char *problems = NULL;
    rc = registry_load_file(config_get(o, n, "registry"), &reg, &problems);
    if (rc < 0) {
        fprintf(stderr, "petition keys: registry refused:\n%s\n", problems ? problems : "");
        free(problems);
        return 1;
    }
    int created = 0, failed = 0;
    static const char *const services[] = {"ledger", "router", "notifier"};
    for (size_t i = 0; i < 3; i++)
        failed |= ensure_key(dir, "service", services[i], &created) < 0;
    failed |= ensure_key(dir, "operator", "admin", &created) < 0;
    for (int c = 0; c < CHANNEL_COUNT; c++)
        failed |= ensure_key(dir, "frontend", channel_name((channel_t)c), &created) < 0;
    for (size_t i = 0; i < registry_body_count(reg); i++)
        failed |= ensure_key(dir, "body", registry_body(reg, i)->id, &created) < 0;
    printf("keys in %s: %d created, %zu bodies\n", dir, created, registry_body_count(reg));
    registry_destroy(&reg);
    return failed ? 1 : 0;
}

int cmd_keys(const petition_ctx_t *ctx, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "bootstrap") == 0)
        return keys_bootstrap(ctx, argc, argv);
    config_opt_t o[] = {
        {"body", NULL, "", "a department body's id (role body)", 0, NULL},
        {"role", NULL, "", "service, frontend, operator or body", 0, NULL},
        {"id", NULL, "", "the id within the role", 0, NULL},
        {"dir", NULL, NULL, "where to write the key files", 0, NULL},
    };
    size_t n = sizeof o / sizeof o[0];
    if (argc < 2 || strcmp(argv[1], "new") != 0) {
        fprintf(stderr, "usage: petition keys new (--body BODY_ID | --role ROLE --id ID)\n");
        return 2;
    }
    int rc = petition_parse_args(o, n, argc - 1, argv + 1, "usage: petition keys new");
    if (rc >= 0)
        return rc;
    const char *body = config_get(o, n, "body");
    const char *role = *body ? "body" : config_get(o, n, "role");
    const char *id = *body ? body : config_get(o, n, "id");
    static const char *const roles[] = {"service", "frontend", "operator", "body"};
    int role_ok = 0;
    for (size_t i = 0; i < 4; i++)
        role_ok |= strcmp(role, roles[i]) == 0;
    if (!role_ok || *id == '\0') {
        fprintf(stderr, "petition keys: give --body BODY_ID, or --role "
                        "(service|frontend|operator|body) and --id\n");
        return 2;
    }
    const char *dir = config_get(o, n, "dir") ? config_get(o, n, "dir") : ctx->keys;
    mkdir(dir, 0700);
    curve_keypair_t kp;
    rc = curve_keypair_create(dir, role, id, &kp);
    if (rc < 0) {
        fprintf(stderr, "petition keys: cannot create %s/%s.%s.key: %s\n", dir, role, id,
                rc == -EINVAL ? "the id may hold only letters, digits, '_' and '-'"
                              : strerror(-rc));
        return 1;
    }
    printf("%s/%s.%s.key (secret, keep it with its owner)\n%s/%s.%s.pub public=%s\n", dir, role, id,
           dir, role, id, kp.public_key);
    return 0;
}
