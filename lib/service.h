/*
 * service.h - what every Liandong process shares: a libuv loop, a ZeroMQ
 * context, and a clean stop on SIGINT/SIGTERM.
 *
 * On the first signal the service's stop callback runs (it closes its
 * sockets and refuses new work; requests in flight are answered or failed),
 * the loop then ends when no handle is left, and service_finish() tears the
 * ZeroMQ context down. A second signal exits at once.
 */
#ifndef LIANDONG_SERVICE_H
#define LIANDONG_SERVICE_H

#include <uv.h>

typedef struct service service_t;
typedef void (*service_stop_fn)(service_t *svc, void *ud);

struct service {
    const char *name;
    uv_loop_t *loop;
    void *zctx;
    uv_signal_t sigint, sigterm;
    service_stop_fn on_stop;
    void *ud;
    int stopping;
};

int service_init(service_t *svc, const char *name, service_stop_fn on_stop, void *ud);
/* Runs the loop until the service has stopped; returns 0. */
int service_run(service_t *svc);
/* Asks the service to stop, as a signal would. */
void service_stop(service_t *svc);
void service_finish(service_t *svc);

#endif
