/*
 * calendar_horizon.c - how near the end of the calendar data is, and the
 * warning every service that loads the calendar logs at start and on
 * reload (see calendar_horizon.h).
 */
#include "calendar_horizon.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"

#define MS_PER_DAY (86400LL * 1000)

int calendar_horizon_near(const workcal_t *c, int64_t now_ms, int warn_days, int64_t *days_left)
{
    if (c == NULL || warn_days < 0 || warn_days > CALENDAR_WARN_DAYS_MAX)
        return -EINVAL;
    int64_t left = calendar_covered_until_ms(c) - now_ms;
    /* rounded down, also below zero: 1 ms after the end is day -1 */
    int64_t days = left >= 0 ? left / MS_PER_DAY : -((-left + MS_PER_DAY - 1) / MS_PER_DAY);
    if (days_left != NULL)
        *days_left = days;
    return left < (int64_t)warn_days * MS_PER_DAY ? 1 : 0;
}

int calendar_horizon_warn(const workcal_t *c, const char *path, int64_t now_ms, int warn_days)
{
    int64_t days = 0;
    int rc = calendar_horizon_near(c, now_ms, warn_days, &days);
    if (rc <= 0)
        return rc;
    int first = 0, last = 0;
    calendar_years(c, &first, &last);
    /* Loud before the gap (issue 15): past this date working-day deadlines
     * are counted Monday to Friday, holidays and 调休 ignored. */
    if (days < 0)
        log_error(NULL,
                  "calendar %s covers %d-%d only and %d has begun: working-day deadlines are "
                  "counted Monday-Friday until it is updated (deploy/calendar/README.md)",
                  path ? path : "", first, last, last + 1);
    else
        log_warn(NULL,
                 "calendar %s covers %d-%d only: %lld days left before working-day deadlines "
                 "are counted Monday-Friday; add %d when the State Council publishes it "
                 "(deploy/calendar/README.md)",
                 path ? path : "", first, last, (long long)days, last + 1);
    return rc;
}

int calendar_check_file(const char *path, int64_t now_ms, int warn_days, calendar_coverage_t *out)
{
    char err[256] = "";
    workcal_t *c = NULL;
    *out = (calendar_coverage_t){0};
    int rc = calendar_load_file(path, &c, err, sizeof err);
    if (rc < 0) {
        log_warn(NULL, "calendar %s cannot be read (%s): working days count Monday-Friday",
                 path ? path : "", err);
        return rc;
    }
    out->loaded = 1;
    calendar_years(c, &out->first_year, &out->last_year);
    out->until_ms = calendar_covered_until_ms(c);
    calendar_horizon_warn(c, path, now_ms, warn_days);
    calendar_destroy(&c);
    return 0;
}
