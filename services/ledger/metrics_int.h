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

#include "calendar_horizon.h"
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

/* Open cases counted Monday to Friday, per district or body
 * (metrics_calendar.c). */
typedef struct {
    char *kind, *code;
    double open;
} cal_fig_t;

/* The calendar's coverage and the cases placed without it (issue 15),
 * metrics_calendar.c; HTTP thread, under fig_lock. */
typedef struct {
    char *path; /* NULL: the ledger was given no calendar to watch */
    int warn_days;
    int64_t sig; /* the file's last seen modification time and size */
    int checked; /* sig was read and the file checked at least once */
    calendar_coverage_t cov;
    int valid; /* the counts below come from a query that succeeded */
    double total, open;
    cal_fig_t *fig;
    size_t nfig;
} metrics_cal_t;

struct metrics {
    /* loop thread writes, HTTP thread reads; both under `lock` */
    pthread_mutex_t lock;
    uint64_t *cmd, *err, *batch, *lat;
    uint64_t *forbidden; /* [role][envelope body], METRICS_ROLES x CMD_SLOTS */
    unsigned long stream_sub, stream_refused, stream_unsub, stream_cuts;
    int writer; /* metrics_writer() */
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
    metrics_cal_t cal;
    struct MHD_Daemon *httpd;
};

int metrics_new(const char *conninfo, metrics_t **out);
void metrics_free(metrics_t **m);

/* metrics.c: a query on the figures' connection with FIGURES_WAIT_MS as
 * its deadline; NULL when it did not answer in time. */
PGresult *metrics_exec_bounded(PGconn *c, const char *sql);

/* metrics_calendar.c, HTTP thread, fig_lock held: re-reads the calendar
 * when its file changed, and counts the flagged cases on `conn` (NULL:
 * the database is away; the last counts stay). */
void metrics_calendar_refresh(metrics_t *m, PGconn *conn);
void metrics_calendar_write(FILE *out, const metrics_t *m);
void metrics_calendar_free(metrics_t *m);

#endif
