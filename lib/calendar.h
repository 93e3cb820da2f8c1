/*
 * calendar.h - China's working days and deadlines counted in them
 * (ROUTING.md section 6, "A city's own policy"), one implementation for the
 * router, the ledger and the notifier.
 *
 * The data is deploy/calendar/china.tsv (public holidays and the weekend
 * days made working days, 调休), generated from the npm package
 * chinese-days by tools/calendar/gen_calendar.mjs; see
 * deploy/calendar/README.md for its format and yearly update.
 *
 * Time zone: every civil date and time of day here is China Standard Time,
 * a fixed +08:00 (China has kept no daylight saving time since 1991), so a
 * moment is an epoch millisecond and no tz database is consulted.
 *
 * A date in a year the data does not cover is a working day Monday to
 * Friday; every function that meets one sets CALENDAR_UNCOVERED in *flags,
 * logs a warning and counts it (calendar_uncovered_total()), so that a
 * missing yearly update is never silent.
 *
 * The type is workcal_t, not calendar_t: services/notifier/calendar.h
 * already names its pluggable "how hours are counted" interface calendar_t;
 * a working-day implementation of that interface wraps a workcal_t.
 */
#ifndef LIANDONG_CALENDAR_H
#define LIANDONG_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#define CALENDAR_UTC_OFFSET_S (8 * 3600) /* China Standard Time, +08:00 */
#define CALENDAR_UNCOVERED 1u            /* flag: a year outside the data was used */
#define CALENDAR_MAX_WINDOWS 4           /* working-hour windows per day */
#define CALENDAR_MAX_DAYS 366            /* largest N working days accepted */

typedef struct workcal workcal_t;

/* Working hours of a working day, e.g. 09:00-12:00 and 13:30-18:00:
 * windows in minutes after midnight, sorted, not overlapping. */
typedef struct {
    int n;
    int start_min[CALENDAR_MAX_WINDOWS];
    int end_min[CALENDAR_MAX_WINDOWS];
} calendar_hours_t;

/* Parse the calendar file's text. On error returns -EINVAL and writes
 * "line N: why" into err (when err is not NULL); -ENOMEM. */
int calendar_parse(const char *text, size_t len, workcal_t **out, char *err, size_t errlen);
/* The same from a file; -errno when it cannot be read. */
int calendar_load_file(const char *path, workcal_t **out, char *err, size_t errlen);
void calendar_destroy(workcal_t **c);

/* The years the data covers (both 0 for a NULL calendar). */
void calendar_years(const workcal_t *c, int *first, int *last);

/* The first moment the data does not cover: 00:00 (+08:00) of 1 January
 * after its last year; 0 for a NULL calendar (lib/calendar_horizon.h). */
int64_t calendar_covered_until_ms(const workcal_t *c);

/* 1 when y-m-d is a working day, 0 when not, -EINVAL for a date that does
 * not exist. `c` may be NULL (then every year is uncovered). */
int calendar_is_working_day(const workcal_t *c, int y, int m, int d, unsigned *flags);

/* N working days after the moment t_ms (ROUTING.md section 6): when t's
 * date is not a working day, t first moves to 00:00 of the next working
 * day; then N working days forward from that date, at t's time of day.
 * 0 <= n <= CALENDAR_MAX_DAYS. Returns 0 or -EINVAL. */
int calendar_add_working_days(const workcal_t *c, int64_t t_ms, int n, int64_t *due_ms,
                              unsigned *flags);

/* `minutes` of working time after t_ms, counted only inside the windows
 * of working days. A deadline that uses up a window exactly falls at that
 * window's end. 0 <= minutes <= CALENDAR_MAX_DAYS * 24 * 60. */
int calendar_add_working_minutes(const workcal_t *c, const calendar_hours_t *h, int64_t t_ms,
                                 int64_t minutes, int64_t *due_ms, unsigned *flags);

/* Working time in [from_ms, to_ms), in ms: the parts of working days
 * (h == NULL: whole days of 24 h, the working-days clock) or of their
 * windows (h: the working-hours clock). 0 when to_ms <= from_ms. The
 * notifier's due-soon point is a share of this (issue 15), so it is the
 * same count calendar_add_working_days/_minutes walk: for t on a working
 * day, calendar_working_ms_between(c, NULL, t, add_working_days(t, n)) is
 * n x 24 h. Spans over CALENDAR_MAX_DAYS x 2 days are cut there. */
int64_t calendar_working_ms_between(const workcal_t *c, const calendar_hours_t *h, int64_t from_ms,
                                    int64_t to_ms, unsigned *flags);

/* The earliest moment at which `ms` of working time (as above) have passed
 * since t_ms; the inverse of calendar_working_ms_between. A span that ends
 * exactly at the end of a working day or window falls at that end.
 * 0 <= ms <= CALENDAR_MAX_DAYS x 24 h. Returns 0 or -EINVAL. */
int calendar_add_working_ms(const workcal_t *c, const calendar_hours_t *h, int64_t t_ms, int64_t ms,
                            int64_t *out_ms, unsigned *flags);

/* "09:00-12:00,13:30-18:00" (also accepts ';' or spaces between windows).
 * Returns 0 or -EINVAL with a message in err. */
int calendar_hours_parse(const char *spec, calendar_hours_t *out, char *err, size_t errlen);

/* How many times a computation fell in a year without data, since start. */
uint64_t calendar_uncovered_total(void);

/* Civil date and time of day (+08:00) of a moment; for tests and output. */
void calendar_civil(int64_t t_ms, int *y, int *m, int *d, int *minute_of_day);

#endif
