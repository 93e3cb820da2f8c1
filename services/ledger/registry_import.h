/*
 * registry_import.h - registry imports beside intake (issue 12: "imports
 * and reloads never stall intake"). A RegistryImport does not join the
 * batches' queue: it runs on a thread and a PostgreSQL connection of its
 * own (db_worker.h, DB_TASK_ALONE), opened for the import and closed when
 * it is done, through the same handler (req_registry.c: the registry is
 * parsed and checked on that thread, then stored in one transaction). The
 * batches of CreateCase and everything else keep committing on the
 * ledger's connection meanwhile; how the import's writes avoid making
 * them wait is in deploy/schema/017_registry_import_beside.sql and
 * docs/registry.md.
 *
 * One import at a time: a second one while the first runs is refused
 * ERROR_UNAVAILABLE, with a reason, and not queued (the administrator
 * retries; two different registries queued behind each other would make
 * the last to arrive win silently).
 */
#ifndef LIANDONG_LEDGER_REGISTRY_IMPORT_H
#define LIANDONG_LEDGER_REGISTRY_IMPORT_H

#include <uv.h>

#include "metrics.h"
#include "rpc.h"

typedef struct registry_import registry_import_t;

/* The thread starts now; a connection is made only for an import.
 * `metrics` may be NULL and must outlive the importer. 0 or -errno. */
int registry_import_create(uv_loop_t *loop, const char *conninfo, const char *schema_dir,
                           metrics_t *metrics, registry_import_t **out);
/* Waits for a running import (its answer is sent) and stops the thread;
 * *ip is NULLed. */
void registry_import_destroy(registry_import_t **ip);

/* Takes a RegistryImport request (already authorised): started on the
 * import thread and answered when it is done, or answered at once (another
 * import running). */
void registry_import_start(registry_import_t *imp, rpc_request_t *req);

#endif
