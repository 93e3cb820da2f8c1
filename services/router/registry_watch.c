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
    char origin[64];
    snprintf(origin, sizeof origin, "ledger version %llu", (unsigned long long)s->version);
    if (router_registry_install(r, s->json, strlen(s->json), origin) == 0)
        r->registry_version = s->version;
}

int router_registry_install(router_t *r, const char *json, size_t len, const char *origin)
{
    registry_t *reg = NULL;
    char *problems = NULL;
    int rc = registry_parse(json, len, &reg, &problems);
    if (rc < 0) {
        log_error(NULL, "registry from %s refused, keeping the current one: %s", origin,
                  problems ? problems : strerror(-rc));
        free(problems);
        return rc;
    }
    router_core_t *core = NULL;
    char err[256] = "";
    rc = router_core_create(reg, r->lexicon_dir, &core, err, sizeof err);
    if (rc < 0) {
        log_error(NULL, "cannot build the router for the registry from %s: %s", origin, err);
        registry_destroy(&reg);
        return rc;
    }
    router_core_set_tag_channels(core, r->tag_channels);
    router_core_set_review_below(core, r->review_below);
    if (r->policy != NULL && (rc = router_core_set_policy(core, r->policy, r->calendar)) < 0) {
        log_error(NULL, "the policy %s needs a calendar", policy_name(r->policy));
        router_core_destroy(&core);
        registry_destroy(&reg);
        return rc;
    }
    router_registry_release(r);
    r->core = core;
    r->registry = reg;
    log_info(NULL, "registry from %s loaded: %zu units, %zu bodies", origin,
             registry_unit_count(reg), registry_body_count(reg));
    return 0;
}

void router_registry_release(router_t *r)
{
    router_core_destroy(&r->core);
    registry_destroy(&r->registry);
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
        FILE *f = fopen(r->registry_file, "rb");
        if (f == NULL)
            return -errno;
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        char chunk[65536];
        size_t got;
        while (mem && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
            fwrite(chunk, 1, got, mem);
        int bad = ferror(f) || mem == NULL;
        fclose(f);
        if (mem)
            fclose(mem);
        int rc = bad ? -EIO : router_registry_install(r, buf, len, r->registry_file);
        free(buf);
        return rc;
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
