/*
 * cmd_keys.c - `petition keys new|revoke|list|bootstrap`: CURVE key pairs
 * for the principals of docs/roles.md (a service, a front-end, a body's
 * desk, a staff person of a body, an operator, an administrator). The
 * public half (.pub) is what a server's keys directory must hold to let
 * the key in; the .key file is the secret and stays with its owner.
 * Revoking moves both into DIR/revoked/: the services re-read the
 * directory when it changes and refuse the key, on open connections too
 * (curve.h), with no restart.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>
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
    failed |= ensure_key(dir, "admin", "root", &created) < 0;
    for (int c = 0; c < CHANNEL_COUNT; c++)
        failed |= ensure_key(dir, "frontend", channel_name((channel_t)c), &created) < 0;
    for (size_t i = 0; i < registry_body_count(reg); i++)
        failed |= ensure_key(dir, "body", registry_body(reg, i)->id, &created) < 0;
    printf("keys in %s: %d created, %zu bodies\n", dir, created, registry_body_count(reg));
    registry_destroy(&reg);
    return failed ? 1 : 0;
}

static const char *const ROLES[] = {"service", "frontend", "body", "staff", "operator", "admin"};
#define NROLES (sizeof ROLES / sizeof ROLES[0])

static int role_known(const char *role)
{
    for (size_t i = 0; i < NROLES; i++)
        if (strcmp(role, ROLES[i]) == 0)
            return 1;
    return 0;
}

/* `keys revoke --role R --id I`: both halves into DIR/revoked/, stamped. */
static int keys_revoke(const petition_ctx_t *ctx, int argc, char **argv)
{
    config_opt_t o[] = {
        {"role", NULL, "", "the key's role", 0, NULL},
        {"id", NULL, "", "the id within the role", 0, NULL},
        {"dir", NULL, NULL, "keys directory", 0, NULL},
    };
    size_t n = sizeof o / sizeof o[0];
    int rc = petition_parse_args(o, n, argc - 1, argv + 1,
                                 "usage: petition keys revoke --role ROLE --id ID [--dir DIR]");
    if (rc >= 0)
        return rc;
    const char *role = config_get(o, n, "role"), *id = config_get(o, n, "id");
    const char *dir = config_get(o, n, "dir") ? config_get(o, n, "dir") : ctx->keys;
    if (!role_known(role) || *id == '\0' || strchr(id, '/') != NULL) {
        fprintf(stderr, "petition keys revoke: give --role (service|frontend|body|staff|operator|"
                        "admin) and --id\n");
        return 2;
    }
    char from[1024], to[1100], rdir[1024];
    snprintf(rdir, sizeof rdir, "%s/revoked", dir);
    mkdir(rdir, 0700);
    snprintf(from, sizeof from, "%s/%s.%s.pub", dir, role, id);
    snprintf(to, sizeof to, "%s/%s.%s.%lld.pub", rdir, role, id, (long long)time(NULL));
    if (rename(from, to) != 0) {
        fprintf(stderr, "petition keys revoke: %s: %s\n", from, strerror(errno));
        return 1;
    }
    snprintf(from, sizeof from, "%s/%s.%s.key", dir, role, id);
    snprintf(to, sizeof to, "%s/%s.%s.%lld.key", rdir, role, id, (long long)time(NULL));
    if (rename(from, to) != 0 && errno != ENOENT)
        fprintf(stderr, "petition keys revoke: %s stays: %s\n", from, strerror(errno));
    printf("revoked %s.%s: its public key is now in %s; services refuse it within a second\n", role,
           id, rdir);
    return 0;
}

/* `keys list`: the keys a directory authorises, as role.id. */
static int keys_list(const petition_ctx_t *ctx, int argc, char **argv)
{
    config_opt_t o[] = {{"dir", NULL, NULL, "keys directory", 0, NULL}};
    int rc = petition_parse_args(o, 1, argc - 1, argv + 1, "usage: petition keys list [--dir DIR]");
    if (rc >= 0)
        return rc;
    const char *dir = config_get(o, 1, "dir") ? config_get(o, 1, "dir") : ctx->keys;
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "petition keys list: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    const struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len > 4 && strcmp(de->d_name + len - 4, ".pub") == 0)
            printf("%.*s\n", (int)(len - 4), de->d_name);
    }
    closedir(d);
    return 0;
}

int cmd_keys(const petition_ctx_t *ctx, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "bootstrap") == 0)
        return keys_bootstrap(ctx, argc, argv);
    if (argc >= 2 && strcmp(argv[1], "revoke") == 0)
        return keys_revoke(ctx, argc, argv);
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return keys_list(ctx, argc, argv);
    config_opt_t o[] = {
        {"body", NULL, "", "a department body's id (role body)", 0, NULL},
        {"role", NULL, "", "service, frontend, body, staff, operator or admin", 0, NULL},
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
    /* A staff person belongs to one body: NAME@BODY_ID. */
    int staff_ok = strcmp(role, "staff") != 0 ||
                   (strchr(id, '@') != NULL && id[0] != '@' && id[strlen(id) - 1] != '@');
    if (!role_known(role) || *id == '\0' || !staff_ok) {
        fprintf(stderr, "petition keys: give --body BODY_ID, or --role "
                        "(service|frontend|body|staff|operator|admin) and --id (staff: "
                        "NAME@BODY_ID)\n");
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
