/*
 * log.h - one line per event on stderr:
 *   2026-11-22T08:30:00.123Z INFO router case=LD-... message
 * Residents' names and phone numbers must never be passed here; use
 * privacy.h's masking helpers for anything derived from a demand.
 */
#ifndef LIANDONG_LOG_H
#define LIANDONG_LOG_H

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

void log_init(const char *service, log_level_t min_level);
void log_msg(log_level_t level, const char *case_id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Refusals (bad frames, unknown keys, undeliverable answers) are logged at
 * a bounded rate, per kind: a peer that sends 100,000 bad messages must not
 * write 100,000 lines (issue 12). Each kind has a token bucket of
 * LOG_REFUSAL_BURST lines refilled at LOG_REFUSAL_PER_SECOND; what does not
 * fit is counted, and the next line written for that kind is preceded by
 * "N <kind> refusals not logged". */
typedef enum {
    LOG_REFUSED_REQUEST = 0, /* a frame or field refused at the edge */
    LOG_REFUSED_HANDSHAKE,   /* a CURVE key we do not know */
    LOG_REFUSED_ANSWER,      /* an answer we could not deliver or read */
    LOG_REFUSED_KINDS
} log_refusal_t;

#define LOG_REFUSAL_BURST 20
#define LOG_REFUSAL_PER_SECOND 5

void log_refusal(log_refusal_t kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "request", "handshake", "answer": a metrics label. */
const char *log_refusal_name(log_refusal_t kind);
/* Refusals of this kind so far, logged or not; and those not logged. Safe
 * from any thread (the ledger's /metrics reads them from its own). */
unsigned long long log_refusals(log_refusal_t kind);
unsigned long long log_refusals_suppressed(log_refusal_t kind);

#define log_debug(case_id, ...) log_msg(LOG_DEBUG, case_id, __VA_ARGS__)
#define log_info(case_id, ...) log_msg(LOG_INFO, case_id, __VA_ARGS__)
#define log_warn(case_id, ...) log_msg(LOG_WARN, case_id, __VA_ARGS__)
#define log_error(case_id, ...) log_msg(LOG_ERROR, case_id, __VA_ARGS__)

#endif
