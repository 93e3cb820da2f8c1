/*
 * service.c - loop, ZeroMQ context and signal handling (see service.h).
 */
#include "service.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "log.h"

static void on_signal(uv_signal_t *h, int signum)
{
    service_t *svc = h->data;
    if (svc->stopping) {
        log_warn(NULL, "second signal %d: exiting at once", signum);
        _exit(1);
    }
    log_info(NULL, "signal %d: stopping", signum);
    service_stop(svc);
}

int service_init(service_t *svc, const char *name, service_stop_fn on_stop, void *ud)
{
    memset(svc, 0, sizeof(*svc));
    svc->name = name;
    svc->on_stop = on_stop;
    svc->ud = ud;
    svc->loop = uv_default_loop();
    svc->zctx = zmq_ctx_new();
    if (svc->zctx == NULL)
        return -errno;
    /* A peer that went away must not make a write kill the process. */
    signal(SIGPIPE, SIG_IGN);
    uv_signal_init(svc->loop, &svc->sigint);
    uv_signal_init(svc->loop, &svc->sigterm);
    svc->sigint.data = svc->sigterm.data = svc;
    uv_signal_start(&svc->sigint, on_signal, SIGINT);
    uv_signal_start(&svc->sigterm, on_signal, SIGTERM);
    return 0;
}

void service_stop(service_t *svc)
{
    if (svc->stopping)
        return;
    svc->stopping = 1;
    if (svc->on_stop)
        svc->on_stop(svc, svc->ud);
    /* Signal handles stay referenced only until the stop began; unref them
     * so the loop ends once the service's own handles are closed. */
    uv_unref((uv_handle_t *)&svc->sigint);
    uv_unref((uv_handle_t *)&svc->sigterm);
}

int service_run(service_t *svc)
{
    uv_run(svc->loop, UV_RUN_DEFAULT);
    return 0;
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

void service_finish(service_t *svc)
{
    uv_walk(svc->loop, close_walk, NULL);
    uv_run(svc->loop, UV_RUN_DEFAULT);
    uv_loop_close(svc->loop);
    if (svc->zctx) {
        zmq_ctx_term(svc->zctx);
        svc->zctx = NULL;
    }
    log_info(NULL, "stopped");
}
