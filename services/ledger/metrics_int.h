/*
 * metrics_int.h - the metrics_t shared by metrics.c (counters, text) and
 * metrics_http.c (the HTTP server). Private to those two files.
 */
#ifndef LIANDONG_LEDGER_METRICS_INT_H
#define LIANDONG_LEDGER_METRICS_INT_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "metrics.h"

struct MHD_Daemon;

enum {
    F_RECEIVED,
    F_REPLIED,
    F_RESOLVED,
    F_RATED,
    F_SATISFIED,
    F_OPEN,
    F_OD_REPLY,
    F_OD_RESOLVE,
    F_REPORTERS, /* residents joined to a case of the same problem (docs/repeats.md) */
    F_N
};

/* One series owner of figures_sql (metrics.c): kind (city, district,
 * street, unlocated, body), a label (a street's district, a body's kind)
 * and its own code. */
typedef struct {
    char *kind, *district, *code;
    double v[F_N];
} unit_fig_t;

struct metrics {
    /* loop thread writes, HTTP thread reads; both under `lock` */
    pthread_mutex_t lock;
    uint64_t *cmd, *err, *batch, *lat;
    uint64_t *forbidden; /* [role][envelope body], METRICS_ROLES x CMD_SLOTS */
    unsigned long stream_sub, stream_refused, stream_unsub, stream_cuts;
    double batch_sum, lat_sum;
    uint64_t nbatch, nlat;
    /* HTTP thread only, under `fig_lock` */
    pthread_mutex_t fig_lock;
    char *conninfo;
    PGconn *conn;
    struct timespec fig_at;
    int fig_valid, db_up;
    unit_fig_t *fig;
    size_t nfig;
    struct MHD_Daemon *httpd;
};

int metrics_new(const char *conninfo, metrics_t **out);
void metrics_free(metrics_t **m);

#endif
