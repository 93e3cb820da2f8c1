/*
 * req_registry.c - the registry of units and bodies (handlers of the table
 * in handler.h): RegistryImport (an operator loads a new version; checked
 * in C with the router's own parser before the database sees it) and
 * RegistryGet (the router fetches the latest version it does not hold).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "handler.h"
#include "log.h"
#include "registry.h"

#define PROBLEMS_MAX 4000

/* -------------------------------------------------------- RegistryImport */

static const db_stmt_t import_stmts[] = {
    {"registry_import", "SELECT ld_import_registry($1)", 1},
};

static int import_validate(ledger_job_t *j)
{
    const char *json = j->req->registry_import->json;
    if (ledger_job_missing(j, json, "json"))
        return -EINVAL;
    registry_t *reg = NULL;
    char *problems = NULL;
    int rc = registry_parse(json, strlen(json), &reg, &problems);
    if (rc < 0) {
        ledger_job_fail(j, E(CONFLICT), "invalid registry: %.*s", PROBLEMS_MAX,
                        problems ? problems : strerror(-rc));
        free(problems);
        return -EINVAL;
    }
    j->reg_units = (uint32_t)registry_unit_count(reg);
    j->reg_bodies = (uint32_t)registry_body_count(reg);
    registry_destroy(&reg);
    free(problems);
    return 0;
}

static int import_send(db_t *db, ledger_job_t *j)
{
    j->params[0] = j->req->registry_import->json;
    return ledger_job_send(db, j, "registry_import", 1, j->params);
}

static int import_answer(ledger_job_t *j)
{
    Liandong__V1__RegistryImported *ri = ledger_job_alloc(j, sizeof(*ri));
    liandong__v1__registry_imported__init(ri);
    ri->version = (uint64_t)ledger_col_i64(j->res[0], 0, 0);
    ri->units = j->reg_units;
    ri->bodies = j->reg_bodies;
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_REGISTRY_IMPORTED;
    j->answer.registry_imported = ri;
    log_info(NULL, "registry version %" PRIu64 " imported: %u units, %u bodies", ri->version,
             ri->units, ri->bodies);
    return 0;
}

const ledger_handler_t ledger_req_registry_import = {
    .name = "RegistryImport",
    .body = LIANDONG__V1__ENVELOPE__BODY_REGISTRY_IMPORT,
    .stmts = import_stmts,
    .n_stmts = sizeof import_stmts / sizeof import_stmts[0],
    .validate = import_validate,
    .decide = ledger_decide_nothing,
    .send = import_send,
    .answer = import_answer,
};

/* ----------------------------------------------------------- RegistryGet */

static const db_stmt_t get_stmts[] = {
    {"registry_latest", "SELECT version, json FROM registry_versions ORDER BY version DESC LIMIT 1",
     0},
};

static int get_validate(ledger_job_t *j)
{
    (void)j; /* anyone may read the registry: it holds no personal data */
    return 0;
}

static int get_send(db_t *db, ledger_job_t *j)
{
    return ledger_job_send(db, j, "registry_latest", 0, NULL);
}

static int get_answer(ledger_job_t *j)
{
    const PGresult *res = j->res[0];
    Liandong__V1__RegistrySnapshot *s = ledger_job_alloc(j, sizeof(*s));
    liandong__v1__registry_snapshot__init(s);
    if (PQntuples(res) == 1) {
        s->version = (uint64_t)ledger_col_i64(res, 0, 0);
        if (s->version != j->req->registry_get->known_version)
            s->json = ledger_col_str(j, res, 0, 1);
    }
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_REGISTRY_SNAPSHOT;
    j->answer.registry_snapshot = s;
    return 0;
}

const ledger_handler_t ledger_req_registry_get = {
    .name = "RegistryGet",
    .body = LIANDONG__V1__ENVELOPE__BODY_REGISTRY_GET,
    .stmts = get_stmts,
    .n_stmts = sizeof get_stmts / sizeof get_stmts[0],
    .validate = get_validate,
    .decide = ledger_decide_nothing,
    .send = get_send,
    .answer = get_answer,
};
