/*
 * db_migrate.c - applies deploy/schema/NNN_name.sql files in name order,
 * each once, each in its own transaction, recorded in schema_migrations.
 *
 * Several ledgers may start at once, so the whole check-and-apply runs
 * under a session advisory lock: the second ledger waits, then finds
 * everything applied. A file is applied together with its
 * schema_migrations row in one transaction, so a crash in the middle
 * leaves either both or neither.
 */
#include "db.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* "LDMG": an arbitrary, fixed key shared by every ledger. */
#define MIGRATION_LOCK_KEY "1279544647"
#define MAX_MIGRATIONS 256
#define MAX_MIGRATION_BYTES (4 * 1024 * 1024)

static int exec_ok(PGconn *c, const char *sql, const char *what)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        log_error(NULL, "migration %s: %s", what, PQresultErrorMessage(r));
    PQclear(r);
    if (ok)
        return 0;
    return PQstatus(c) == CONNECTION_OK ? -EIO : -ECONNREFUSED;
}

static int is_migration_name(const char *n)
{
    size_t len = strlen(n);
    /* NNN_something.sql */
    return len > 8 && n[0] >= '0' && n[0] <= '9' && n[1] >= '0' && n[1] <= '9' && n[2] >= '0' &&
           n[2] <= '9' && n[3] == '_' && strcmp(n + len - 4, ".sql") == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_file(const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -errno;
    char *buf = malloc(MAX_MIGRATION_BYTES + 1);
    if (buf == NULL) {
        fclose(f);
        return -ENOMEM;
    }
    size_t n = fread(buf, 1, MAX_MIGRATION_BYTES + 1, f);
    fclose(f);
    if (n > MAX_MIGRATION_BYTES) {
        free(buf);
        return -EFBIG;
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

static int is_applied(PGconn *c, const char *name, const char *body, int *applied)
{
    const char *vals[2] = {name, body};
    PGresult *r =
        PQexecParams(c, "SELECT checksum = md5($2) FROM schema_migrations WHERE name = $1", 2, NULL,
                     vals, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        log_error(NULL, "migration check %s: %s", name, PQresultErrorMessage(r));
        PQclear(r);
        return PQstatus(c) == CONNECTION_OK ? -EIO : -ECONNREFUSED;
    }
    *applied = PQntuples(r) > 0;
    if (*applied && strcmp(PQgetvalue(r, 0, 0), "t") != 0)
        log_warn(NULL, "migration %s was edited after it was applied; the edit is ignored", name);
    PQclear(r);
    return 0;
}

static int apply_one(PGconn *c, const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *body = NULL;
    int rc = read_file(path, &body);
    if (rc < 0) {
        log_error(NULL, "migration %s: cannot read: %s", path, strerror(-rc));
        return -EIO;
    }
    int applied = 0;
    rc = is_applied(c, name, body, &applied);
    if (rc < 0 || applied) {
        free(body);
        return rc;
    }
    rc = exec_ok(c, "BEGIN", name);
    if (rc == 0)
        rc = exec_ok(c, body, name); /* a trusted file from our own repository */
    if (rc == 0) {
        const char *vals[2] = {name, body};
        PGresult *r =
            PQexecParams(c, "INSERT INTO schema_migrations (name, checksum) VALUES ($1, md5($2))",
                         2, NULL, vals, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            log_error(NULL, "migration %s: record: %s", name, PQresultErrorMessage(r));
            rc = PQstatus(c) == CONNECTION_OK ? -EIO : -ECONNREFUSED;
        }
        PQclear(r);
    }
    if (rc == 0)
        rc = exec_ok(c, "COMMIT", name);
    if (rc < 0)
        exec_ok(c, "ROLLBACK", name);
    else
        log_info(NULL, "migration %s applied", name);
    free(body);
    return rc;
}

int db_migrate(PGconn *c, const char *dir)
{
    DIR *dh = opendir(dir);
    if (dh == NULL) {
        log_error(NULL, "schema directory %s: %s", dir, strerror(errno));
        return -ENOENT;
    }
    char *names[MAX_MIGRATIONS];
    size_t n = 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(dh)) != NULL) {
        if (!is_migration_name(de->d_name))
            continue;
        if (n == MAX_MIGRATIONS || (names[n] = strdup(de->d_name)) == NULL) {
            rc = -ENOMEM;
            break;
        }
        n++;
    }
    closedir(dh);
    qsort(names, n, sizeof names[0], cmp_names);

    if (rc == 0)
        rc = exec_ok(c, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")", "lock");
    if (rc == 0) {
        rc = exec_ok(c,
                     "CREATE TABLE IF NOT EXISTS schema_migrations ("
                     " name text PRIMARY KEY, checksum text NOT NULL,"
                     " applied_at timestamptz NOT NULL DEFAULT now())",
                     "schema_migrations");
        for (size_t i = 0; rc == 0 && i < n; i++)
            rc = apply_one(c, dir, names[i]);
        int urc = exec_ok(c, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")", "unlock");
        if (rc == 0)
            rc = urc;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    return rc;
}
