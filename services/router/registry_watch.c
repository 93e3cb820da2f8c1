/*
 * registry_watch.c - keeps the router's registry current.
 *
 * In service mode the ledger is the source of truth: the router asks for
 * the registry on start and then every few seconds with the version it has;
 * the ledger answers with an empty body when nothing changed. A new version
 * is parsed and its matchers built on a libuv worker thread while the old
 * one keeps serving on the loop thread (issue 12: a 4 MiB import used to
 * stall intake for 1.5 s); the swap happens on the loop thread between two
 * messages, so no demand in flight ever sees half a registry. A registry
 * that fails to load is logged and the old one stays.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "router.h"

#define REGISTRY_POLL_MS 2000

static void fetch(router_t *r);

/* One registry being built beside the live one. Everything the worker
 * thread touches is in here or read-only after start (lexicon_dir, policy,
 * calendar, tag_channels, review_below). */
typedef struct registry_load {
    uv_work_t work;
    router_t *r;
    char *json;
    size_t len;
    uint64_t version;
    char origin[64];
    registry_t *reg;
    router_core_t *core;
    int rc;
} registry_load_t;

/* Parses json and builds a core for it; logs why when it cannot. Runs on
 * the loop thread at start and on a worker thread for every update. */
static int registry_build(const router_t *r, const char *json, size_t len, const char *origin,
                          registry_t **reg_out, router_core_t **core_out)
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
    *reg_out = reg;
    *core_out = core;
    return 0;
}

/* Loop thread only: the old core goes first, then the registry it read. */
static void registry_swap(router_t *r, registry_t *reg, router_core_t *core, const char *origin)
{
    router_registry_release(r);
    r->core = core;
    r->registry = reg;
    log_info(NULL, "registry from %s loaded: %zu units, %zu bodies", origin,
             registry_unit_count(reg), registry_body_count(reg));
}

int router_registry_install(router_t *r, const char *json, size_t len, const char *origin)
{
    registry_t *reg = NULL;
    router_core_t *core = NULL;
    int rc = registry_build(r, json, len, origin, &reg, &core);
    if (rc == 0)
        registry_swap(r, reg, core, origin);
    return rc;
}

static void load_work(uv_work_t *w)
{
    registry_load_t *l = w->data;
    l->rc = registry_build(l->r, l->json, l->len, l->origin, &l->reg, &l->core);
}

static void load_done(uv_work_t *w, int status)
{
    registry_load_t *l = w->data;
    router_t *r = l->r;
    r->registry_fetching = 0;
    if (status == 0 && l->rc == 0 && !r->registry_stopping) {
        registry_swap(r, l->reg, l->core, l->origin);
        r->registry_version = l->version;
    } else {
        /* Refused (already logged), or finished after the stop began. */
        if (status == 0 && l->rc == 0)
            log_info(NULL, "registry from %s built during shutdown, discarded", l->origin);
        router_core_destroy(&l->core);
        registry_destroy(&l->reg);
    }
    free(l->json);
    free(l);
}

/* Hands a copy of json to a worker thread; the answer it came in is freed
 * when this returns. Until load_done runs no other fetch starts, so at
 * most one registry is ever being built beside the live one. */
static int registry_load_beside(router_t *r, const char *json, size_t len, uint64_t version)
{
    registry_load_t *l = calloc(1, sizeof *l);
    if (l == NULL)
        return -ENOMEM;
    l->json = malloc(len + 1);
    if (l->json == NULL) {
        free(l);
        return -ENOMEM;
    }
    memcpy(l->json, json, len);
    l->json[len] = '\0';
    l->len = len;
    l->r = r;
    l->version = version;
    snprintf(l->origin, sizeof l->origin, "ledger version %llu", (unsigned long long)version);
    l->work.data = l;
    int rc = uv_queue_work(r->svc.loop, &l->work, load_work, load_done);
    if (rc < 0) {
        free(l->json);
        free(l);
        return rc;
    }
    r->registry_fetching = 1;
    log_info(NULL, "registry: building %s beside the live one", l->origin);
    return 0;
}

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
    if (e->body_case != LIANDONG__V1__ENVELOPE__BODY_REGISTRY_SNAPSHOT || r->registry_stopping)
        return;
    const Liandong__V1__RegistrySnapshot *s = e->registry_snapshot;
    if (s->json == NULL || s->json[0] == '\0' || s->version == r->registry_version)
        return;
    int rc = registry_load_beside(r, s->json, strlen(s->json), s->version);
    if (rc < 0)
        log_error(NULL, "registry: cannot start loading version %llu (%s)",
                  (unsigned long long)s->version, strerror(-rc));
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
    r->registry_timer_open = 1;
    r->registry_timer.data = r;
    uv_timer_start(&r->registry_timer, on_timer, 0, REGISTRY_POLL_MS);
    return 0;
}

void router_registry_stop(router_t *r)
{
    /* A load in progress finishes on its thread and is then discarded
     * (load_done); the loop runs until it has. */
    r->registry_stopping = 1;
    /* Only a timer that was initialised: a start that failed earlier (its
     * port taken) must exit with its error, not abort in uv_close. */
    if (r->registry_file == NULL && r->registry_timer_open) {
        uv_timer_stop(&r->registry_timer);
        uv_close((uv_handle_t *)&r->registry_timer, NULL);
        r->registry_timer_open = 0;
    }
}
