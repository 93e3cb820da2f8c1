/*
 * log.c - single-line stderr logger (see log.h). Each line is written with
 * one write(2) so lines from concurrent threads never interleave. Refusals
 * go through a token bucket per kind (log_refusal).
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_service = "liandong";
static log_level_t log_min = LOG_INFO;

void log_init(const char *service, log_level_t min_level)
{
    log_service = service;
    log_min = min_level;
}

static void log_vmsg(log_level_t level, const char *case_id, const char *fmt, va_list ap);

void log_msg(log_level_t level, const char *case_id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, case_id, fmt, ap);
    va_end(ap);
}

static void log_vmsg(log_level_t level, const char *case_id, const char *fmt, va_list ap)
{
    static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    if (level < log_min)
        return;
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, names[level & 3], log_service);
    if (case_id != NULL && *case_id != '\0' && n > 0 && (size_t)n < sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, "case=%s ", case_id);
    if (n > 0 && (size_t)n < sizeof line) {
        int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        n = (m < 0) ? n : n + m;
    }
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line - 1)
        n = (int)sizeof line - 2;
    /* Control characters (newlines from untrusted text) would forge lines. */
    for (int i = 0; i < n; i++)
        if ((unsigned char)line[i] < 0x20)
            line[i] = ' ';
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}

/* ------------------------------------------------------------ refusals */

typedef struct {
    double tokens;
    double last;             /* seconds, CLOCK_MONOTONIC; 0 before the first line */
    unsigned long long held; /* not logged since the last line written */
} bucket_t;

static pthread_mutex_t refusal_lock = PTHREAD_MUTEX_INITIALIZER;
static bucket_t buckets[LOG_REFUSED_KINDS];
static atomic_ullong refusals[LOG_REFUSED_KINDS];
static atomic_ullong suppressed[LOG_REFUSED_KINDS];

const char *log_refusal_name(log_refusal_t kind)
{
    static const char *const names[LOG_REFUSED_KINDS] = {"request", "handshake", "answer"};
    return (unsigned)kind < LOG_REFUSED_KINDS ? names[kind] : "other";
}

unsigned long long log_refusals(log_refusal_t kind)
{
    return (unsigned)kind < LOG_REFUSED_KINDS ? atomic_load(&refusals[kind]) : 0;
}

unsigned long long log_refusals_suppressed(log_refusal_t kind)
{
    return (unsigned)kind < LOG_REFUSED_KINDS ? atomic_load(&suppressed[kind]) : 0;
}

void log_refusal(log_refusal_t kind, const char *fmt, ...)
{
    if ((unsigned)kind >= LOG_REFUSED_KINDS)
        kind = LOG_REFUSED_REQUEST;
    atomic_fetch_add(&refusals[kind], 1);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    unsigned long long held = 0;
    pthread_mutex_lock(&refusal_lock);
    bucket_t *b = &buckets[kind];
    if (b->last == 0) {
        b->tokens = LOG_REFUSAL_BURST;
    } else {
        b->tokens += (now - b->last) * LOG_REFUSAL_PER_SECOND;
        if (b->tokens > LOG_REFUSAL_BURST)
            b->tokens = LOG_REFUSAL_BURST;
    }
    b->last = now;
    int write_it = b->tokens >= 1.0;
    if (write_it) {
        b->tokens -= 1.0;
        held = b->held;
        b->held = 0;
    } else {
        b->held++;
    }
    pthread_mutex_unlock(&refusal_lock);
    if (!write_it) {
        atomic_fetch_add(&suppressed[kind], 1);
        return;
    }
    if (held > 0)
        log_msg(LOG_WARN, NULL, "%llu %s refusals not logged (more than %d a second)", held,
                log_refusal_name(kind), LOG_REFUSAL_PER_SECOND);
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(LOG_WARN, NULL, fmt, ap);
    va_end(ap);
}
