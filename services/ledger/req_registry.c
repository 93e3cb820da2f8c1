/*
 * req_registry.c - the registry of units and bodies (handlers of the table
 * in handler.h): RegistryImport (an administrator loads a new version;
 * checked in C with the router's own parser, and refused when it would
 * leave a compound without a responsible body (registry_cover.h), before
 * the database sees it; recorded with who and what changed),
 * RegistryGet (the router fetches the latest version it does not hold)
 * and RegistryHistory (the imports, newest first).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "handler.h"
#include "log.h"
#include "registry.h"
#include "registry_cover.h"

#define PROBLEMS_MAX 4000

/* -------------------------------------------------------- RegistryImport */

static const db_stmt_t import_stmts[] = {
    {"registry_import", "SELECT r_version FROM ld_import_registry_as($1, $2)", 2},
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
    /* A registry that leaves a compound with nobody to answer for it, or
     * empties the registry, would refuse or strand every demand there. */
    char why[PROBLEMS_MAX];
    rc = registry_check_cover(reg, why, sizeof why);
    registry_destroy(&reg);
    free(problems);
    if (rc < 0) {
        ledger_job_fail(j, E(CONFLICT), "registry refused: %s", why);
        return -EINVAL;
    }
    /* Who imported it is the key's principal (authz.h: administrators). */
    j->actor = ledger_job_actor(j, "");
    if (j->actor == NULL || *j->actor == '\0')
        j->actor = "unknown";
    return 0;
}

static int import_send(db_t *db, ledger_job_t *j)
{
    j->params[0] = j->req->registry_import->json;
    j->params[1] = j->actor;
    return ledger_job_send(db, j, "registry_import", 2, j->params);
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
    log_info(NULL, "registry version %" PRIu64 " imported by %s: %u units, %u bodies", ri->version,
             j->actor, ri->units, ri->bodies);
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
    (void)j; /* who may read it is authz.h's */
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

/* ------------------------------------------------------- RegistryHistory */

#define HISTORY_DEFAULT 20
#define HISTORY_MAX 200

static const db_stmt_t history_stmts[] = {
    {"registry_history",
     "SELECT version, ld_ms(at), actor, units, bodies, units_added, units_removed, bodies_added,"
     " bodies_removed FROM registry_imports ORDER BY version DESC LIMIT $1::int",
     1},
};

static int history_validate(ledger_job_t *j)
{
    (void)j;
    return 0;
}

static int history_send(db_t *db, ledger_job_t *j)
{
    uint32_t lim = j->req->registry_history->limit;
    lim = lim == 0 ? HISTORY_DEFAULT : (lim > HISTORY_MAX ? HISTORY_MAX : lim);
    j->params[0] = ledger_job_u32(j, lim);
    return ledger_job_send(db, j, "registry_history", 1, j->params);
}

static int history_answer(ledger_job_t *j)
{
    const PGresult *r = j->res[0];
    Liandong__V1__RegistryHistoryList *l = ledger_job_alloc(j, sizeof(*l));
    liandong__v1__registry_history_list__init(l);
    int n = PQntuples(r);
    l->imports =
        ledger_job_alloc(j, (size_t)(n ? n : 1) * sizeof(Liandong__V1__RegistryImportRecord *));
    for (int i = 0; i < n; i++) {
        Liandong__V1__RegistryImportRecord *x = ledger_job_alloc(j, sizeof(*x));
        liandong__v1__registry_import_record__init(x);
        x->version = (uint64_t)ledger_col_i64(r, i, 0);
        x->at_ms = ledger_col_i64(r, i, 1);
        x->actor = ledger_col_str(j, r, i, 2);
        x->units = (uint32_t)ledger_col_i64(r, i, 3);
        x->bodies = (uint32_t)ledger_col_i64(r, i, 4);
        x->units_added = (uint32_t)ledger_col_i64(r, i, 5);
        x->units_removed = (uint32_t)ledger_col_i64(r, i, 6);
        x->bodies_added = (uint32_t)ledger_col_i64(r, i, 7);
        x->bodies_removed = (uint32_t)ledger_col_i64(r, i, 8);
        l->imports[l->n_imports++] = x;
    }
    j->answer.body_case = LIANDONG__V1__ENVELOPE__BODY_REGISTRY_HISTORY_LIST;
    j->answer.registry_history_list = l;
    return 0;
}

const ledger_handler_t ledger_req_registry_history = {
    .name = "RegistryHistory",
    .body = LIANDONG__V1__ENVELOPE__BODY_REGISTRY_HISTORY,
    .stmts = history_stmts,
    .n_stmts = sizeof history_stmts / sizeof history_stmts[0],
    .validate = history_validate,
    .decide = ledger_decide_nothing,
    .send = history_send,
    .answer = history_answer,
};
