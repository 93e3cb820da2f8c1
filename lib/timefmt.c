/*
 * timefmt.c - RFC 3339 parse and format with explicit offsets (timefmt.h).
 * Pure arithmetic (no tz database, no locale): the same answer on every
 * machine whatever its TZ.
 */
#include "timefmt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int dd = (int)(doy - (153 * mp + 2) / 5 + 1);
    int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (mm <= 2));
    *m = mm;
    *d = dd;
}

static int digits(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

int timefmt_parse_rfc3339(const char *s, int64_t *ms, int *offset_s)
{
    if (s == NULL || ms == NULL || strlen(s) < 20)
        return -EINVAL;
    int y, mo, d, h, mi, se;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
        digits(s + 17, 2, &se))
        return -EINVAL;
    static const int dm[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > dm[mo - 1] || h > 23 || mi > 59 || se > 60)
        return -EINVAL;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return -EINVAL;
    const char *p = s + 19;
    int frac = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        while (*p >= '0' && *p <= '9') {
            if (n < 3)
                frac = frac * 10 + (*p - '0');
            n++;
            p++;
        }
        if (n == 0)
            return -EINVAL;
        for (; n < 3; n++)
            frac *= 10;
    }
    int off;
    if (*p == 'Z' || *p == 'z') {
        off = 0;
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return -EINVAL;
        off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -EINVAL;
    }
    if (*p != '\0')
        return -EINVAL;
    if (se == 60)
        se = 59; /* a leap second names the last second of its minute */
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    *ms = secs * 1000 + frac;
    if (offset_s != NULL)
        *offset_s = off;
    return 0;
}

int timefmt_rfc3339(int64_t t_ms, int offset_s, char *buf, size_t len)
{
    if (buf == NULL || offset_s <= -86400 || offset_s >= 86400 || offset_s % 60 != 0)
        return -EINVAL;
    int64_t local = t_ms + (int64_t)offset_s * 1000;
    int64_t day = local / 86400000 - (local % 86400000 < 0);
    int64_t rest = local - day * 86400000;
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    int h = (int)(rest / 3600000), mi = (int)(rest / 60000 % 60), se = (int)(rest / 1000 % 60),
        msec = (int)(rest % 1000);
    char frac[8] = "", off[8] = "Z";
    if (msec != 0)
        snprintf(frac, sizeof frac, ".%03d", msec);
    if (offset_s != 0) {
        int a = offset_s < 0 ? -offset_s : offset_s;
        snprintf(off, sizeof off, "%c%02d:%02d", offset_s < 0 ? '-' : '+', a / 3600, a / 60 % 60);
    }
    int n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", y, m, d, h, mi, se, frac, off);
    return (n < 0 || (size_t)n >= len) ? -EINVAL : 0;
}
