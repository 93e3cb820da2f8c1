/*
 * registry_watch.c - keeps the router's registry current.
 *
 * In service mode the ledger is the source of truth: the router asks for
 * the registry on start and then every few seconds with the version it has;
 * the ledger answers with an empty body when nothing changed. A new version
 * is parsed and its matchers built while the old one keeps serving; the
 * swap happens between two messages on the loop thread, so no demand in
 * flight ever sees half a registry. A registry that fails to load is
 * logged and the old one stays.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "router.h"

#define REGISTRY_POLL_MS 2000

static void fetch(router_t *r);

static void on_snapshot(int status, wire_msg_t *answer, void *ud)
{
    router_t *r = ud;
    r->registry_fetching = 0;
    if (status < 0) {
        log_warn(NULL, "registry: ledger did not answer (%s)", strerror(-status));
        return;
    }
    envelope_t *e = wire_envelope(answer);
    if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_ERROR) {
        log_warn(NULL, "registry: ledger says %s", e->error ? e->error->message : "error");
        return;
    }
    if (e->body_case != LIANDONG__V1__ENVELOPE__BODY_REGISTRY_SNAPSHOT)
        return;
    const Liandong__V1__RegistrySnapshot *s = e->registry_snapshot;
    if (s->json == NULL || s->json[0] == '\0' || s->version == r->registry_version)
        return;
    router_core_t *core = NULL;
    char *problems = NULL;
    int rc = router_core_create(s->json, strlen(s->json), r->lexicon_dir, &core, &problems);
    if (rc < 0) {
        log_error(NULL, "registry version %llu refused, keeping version %llu: %s",
                  (unsigned long long)s->version, (unsigned long long)r->registry_version,
                  problems ? problems : strerror(-rc));
        free(problems);
        return;
    }
    router_core_destroy(&r->core);
    r->core = core;
    r->registry_version = s->version;
    log_info(NULL, "registry version %llu loaded", (unsigned long long)s->version);
}

static void fetch(router_t *r)
{
    if (r->registry_fetching || r->ledger == NULL)
        return;
    Liandong__V1__RegistryGet g = LIANDONG__V1__REGISTRY_GET__INIT;
    g.known_version = r->registry_version;
    envelope_t req = LIANDONG__V1__ENVELOPE__INIT;
    req.body_case = LIANDONG__V1__ENVELOPE__BODY_REGISTRY_GET;
    req.registry_get = &g;
    if (rpc_client_call(r->ledger, &req, 10000, on_snapshot, r) == 0)
        r->registry_fetching = 1;
}

static void on_timer(uv_timer_t *t)
{
    fetch(t->data);
}

int router_registry_start(router_t *r)
{
    if (r->registry_file != NULL) {
        char *problems = NULL;
        FILE *f = fopen(r->registry_file, "rb");
        if (f == NULL)
            return -errno;
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        rewind(f);
        char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
        size_t got = buf ? fread(buf, 1, (size_t)n, f) : 0;
        fclose(f);
        if (buf == NULL || got != (size_t)n) {
            free(buf);
            return -EIO;
        }
        buf[n] = '\0';
        int rc = router_core_create(buf, (size_t)n, r->lexicon_dir, &r->core, &problems);
        free(buf);
        if (rc < 0) {
            log_error(NULL, "registry %s refused: %s", r->registry_file,
                      problems ? problems : strerror(-rc));
            free(problems);
            return rc;
        }
        log_info(NULL, "registry loaded from %s (not following the ledger)", r->registry_file);
        return 0;
    }
    uv_timer_init(r->svc.loop, &r->registry_timer);
    r->registry_timer.data = r;
    uv_timer_start(&r->registry_timer, on_timer, 0, REGISTRY_POLL_MS);
    return 0;
}

void router_registry_stop(router_t *r)
{
    if (r->registry_file == NULL) {
        uv_timer_stop(&r->registry_timer);
        uv_close((uv_handle_t *)&r->registry_timer, NULL);
    }
}
