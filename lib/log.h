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

#define log_debug(case_id, ...) log_msg(LOG_DEBUG, case_id, __VA_ARGS__)
#define log_info(case_id, ...) log_msg(LOG_INFO, case_id, __VA_ARGS__)
#define log_warn(case_id, ...) log_msg(LOG_WARN, case_id, __VA_ARGS__)
#define log_error(case_id, ...) log_msg(LOG_ERROR, case_id, __VA_ARGS__)

#endif
