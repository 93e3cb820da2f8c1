/*
 * calendar_horizon.h - the early warning before the calendar data runs out
 * (issue 15): deploy/calendar/china.tsv covers the years the State Council
 * has published, and a deadline past its last year is counted Monday to
 * Friday (flagged, but wrong around the holidays). Every service that
 * loads the calendar says so at start and on reload when the data ends
 * within a configurable number of days, so the yearly update is done
 * before the first such deadline, not after it.
 */
#ifndef LIANDONG_CALENDAR_HORIZON_H
#define LIANDONG_CALENDAR_HORIZON_H

#include <stdint.h>

#include "calendar.h"

/* The default warning lead: the State Council's notice for the next year
 * usually comes out in November, and a 5-working-day deadline placed in
 * mid-December already reaches January. */
#define CALENDAR_WARN_DAYS_DEFAULT 60
#define CALENDAR_WARN_DAYS_MAX 3660

/* Whole days from now_ms until the data's coverage ends
 * (calendar_covered_until_ms), rounded down; negative once it has ended.
 * Returns 1 when that is fewer than warn_days (the warning is due), 0 when
 * not, -EINVAL for a NULL calendar or warn_days outside
 * [0, CALENDAR_WARN_DAYS_MAX] (then *days_left is untouched). warn_days 0
 * never warns. */
int calendar_horizon_near(const workcal_t *c, int64_t now_ms, int warn_days, int64_t *days_left);

/* The check as a service runs it: logs a warning naming `path`, the last
 * covered year and the days left when calendar_horizon_near says so (an
 * error once the coverage has ended). Returns what that returned. */
int calendar_horizon_warn(const workcal_t *c, const char *path, int64_t now_ms, int warn_days);

/* What a service reads of a calendar file for its start-up and reload
 * check (the ledger's /metrics, liandong_calendar_last_year). */
typedef struct {
    int loaded; /* 1 when the file was read */
    int first_year, last_year;
    int64_t until_ms; /* calendar_covered_until_ms; 0 when not loaded */
} calendar_coverage_t;

/* Reads `path`, fills *out and runs calendar_horizon_warn on it; a file
 * that cannot be read is logged as a warning (working days then count
 * Monday to Friday wherever it is used) and returns its negative error. */
int calendar_check_file(const char *path, int64_t now_ms, int warn_days, calendar_coverage_t *out);

#endif
