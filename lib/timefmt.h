/*
 * timefmt.h - RFC 3339 timestamps with an explicit offset, as the dry-run
 * contract reads and writes them ("2025-09-30T17:50:00+08:00").
 */
#ifndef LIANDONG_TIMEFMT_H
#define LIANDONG_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_RFC3339_MAX 40

/* Parse "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" ('t' or ' ' also
 * separate date and time). An offset is required: a local time without one
 * names no moment. *ms gets the epoch milliseconds (fractions beyond the
 * millisecond are cut), *offset_s the offset in seconds east of UTC.
 * Returns 0 or -EINVAL. */
int timefmt_parse_rfc3339(const char *s, int64_t *ms, int *offset_s);

/* Write t_ms at offset_s as "YYYY-MM-DDTHH:MM:SS+HH:MM" (".mmm" before the
 * offset when the milliseconds are not 0; "Z" for offset 0). Returns 0 or
 * -EINVAL (buffer too small, offset beyond +-23:59). */
int timefmt_rfc3339(int64_t t_ms, int offset_s, char *buf, size_t len);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard
 * Hinnant's algorithms; any year). Shared with lib/calendar.c. */
int64_t days_from_civil(int64_t y, int m, int d);
void civil_from_days(int64_t z, int *y, int *m, int *d);

#endif
