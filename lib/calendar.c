/*
 * calendar.c - China's working days from deploy/calendar/china.tsv and
 * deadlines counted in working days or working hours (see calendar.h).
 *
 * The data becomes one byte per date of the covered years (default,
 * holiday, made-working), so a lookup is an index; dates are day numbers
 * since 1970-01-01 in +08:00, converted with Howard Hinnant's civil-date
 * algorithms (exact for the proleptic Gregorian calendar).
 */
#include "calendar.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "timefmt.h"

#define MS_PER_DAY (86400LL * 1000)
#define YEAR_MIN 1900
#define YEAR_MAX 2200

enum { DAY_DEFAULT = 0, DAY_HOLIDAY = 1, DAY_WORKDAY = 2 };

struct workcal {
    int first_year, last_year;
    int64_t first_day; /* day number of first_year-01-01 */
    size_t n_days;
    unsigned char *kind; /* DAY_* per day from first_day */
};

static atomic_uint_fast64_t uncovered_total;

uint64_t calendar_uncovered_total(void)
{
    return (uint64_t)atomic_load(&uncovered_total);
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

static bool valid_date(int y, int m, int d)
{
    return y >= YEAR_MIN && y <= YEAR_MAX && m >= 1 && m <= 12 && d >= 1 &&
           d <= days_in_month(y, m);
}

/* 0 = Sunday ... 6 = Saturday; 1970-01-01 was a Thursday. */
static int weekday(int64_t day)
{
    int64_t w = (day + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Local (+08:00) day number and millisecond of the day of a moment. */
static void local_split(int64_t t_ms, int64_t *day, int64_t *tod_ms)
{
    int64_t local = t_ms + (int64_t)CALENDAR_UTC_OFFSET_S * 1000;
    *day = floor_div(local, MS_PER_DAY);
    *tod_ms = local - *day * MS_PER_DAY;
}

static int64_t local_join(int64_t day, int64_t tod_ms)
{
    return day * MS_PER_DAY + tod_ms - (int64_t)CALENDAR_UTC_OFFSET_S * 1000;
}

void calendar_civil(int64_t t_ms, int *y, int *m, int *d, int *minute_of_day)
{
    int64_t day, tod;
    local_split(t_ms, &day, &tod);
    civil_from_days(day, y, m, d);
    if (minute_of_day != NULL)
        *minute_of_day = (int)(tod / 60000);
}

/* Is day number `day` a working day? Marks an uncovered year in *flags. */
static bool working(const workcal_t *c, int64_t day, unsigned *flags)
{
    if (c != NULL && day >= c->first_day && day - c->first_day < (int64_t)c->n_days) {
        unsigned char k = c->kind[day - c->first_day];
        if (k == DAY_HOLIDAY)
            return false;
        if (k == DAY_WORKDAY)
            return true;
    } else if (flags != NULL) {
        *flags |= CALENDAR_UNCOVERED;
    }
    int w = weekday(day);
    return w != 0 && w != 6;
}

/* One loud warning per computation that used a year without data. */
static void report_uncovered(const workcal_t *c, unsigned before, unsigned after, int64_t day)
{
    if ((before & CALENDAR_UNCOVERED) || !(after & CALENDAR_UNCOVERED))
        return;
    atomic_fetch_add(&uncovered_total, 1);
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    if (c == NULL)
        log_warn(NULL, "calendar: no holiday data loaded: %04d-%02d-%02d counted Monday-Friday", y,
                 m, d);
    else
        log_warn(NULL,
                 "calendar: %04d-%02d-%02d is in a year without holiday data (covered %d-%d): "
                 "counted Monday-Friday; update deploy/calendar/china.tsv",
                 y, m, d, c->first_year, c->last_year);
}

void calendar_years(const workcal_t *c, int *first, int *last)
{
    if (first != NULL)
        *first = c ? c->first_year : 0;
    if (last != NULL)
        *last = c ? c->last_year : 0;
}

int64_t calendar_covered_until_ms(const workcal_t *c)
{
    if (c == NULL)
        return 0;
    return local_join(c->first_day + (int64_t)c->n_days, 0);
}

int calendar_is_working_day(const workcal_t *c, int y, int m, int d, unsigned *flags)
{
    if (!valid_date(y, m, d))
        return -EINVAL;
    unsigned local = 0;
    int64_t day = days_from_civil(y, m, d);
    bool w = working(c, day, &local);
    report_uncovered(c, flags ? *flags : 0, (flags ? *flags : 0) | local, day);
    if (flags != NULL)
        *flags |= local;
    return w ? 1 : 0;
}

int calendar_add_working_days(const workcal_t *c, int64_t t_ms, int n, int64_t *due_ms,
                              unsigned *flags)
{
    if (due_ms == NULL || n < 0 || n > CALENDAR_MAX_DAYS)
        return -EINVAL;
    unsigned f = 0;
    int64_t day, tod;
    local_split(t_ms, &day, &tod);
    if (!working(c, day, &f)) {
        do
            day++;
        while (!working(c, day, &f));
        tod = 0;
    }
    for (int i = 0; i < n; i++) {
        do
            day++;
        while (!working(c, day, &f));
    }
    report_uncovered(c, flags ? *flags : 0, (flags ? *flags : 0) | f, day);
    if (flags != NULL)
        *flags |= f;
    *due_ms = local_join(day, tod);
    return 0;
}

int calendar_add_working_minutes(const workcal_t *c, const calendar_hours_t *h, int64_t t_ms,
                                 int64_t minutes, int64_t *due_ms, unsigned *flags)
{
    if (h == NULL || due_ms == NULL || h->n <= 0 || h->n > CALENDAR_MAX_WINDOWS || minutes < 0 ||
        minutes > (int64_t)CALENDAR_MAX_DAYS * 24 * 60)
        return -EINVAL;
    unsigned f = 0;
    int64_t day, tod;
    local_split(t_ms, &day, &tod);
    int64_t left = minutes * 60000;
    /* Each pass consumes a window or ends; a day without working time
     * moves to the next: bounded because every week has working days. */
    for (;;) {
        if (!working(c, day, &f)) {
            day++;
            tod = 0;
            continue;
        }
        int i = 0;
        while (i < h->n && (int64_t)h->end_min[i] * 60000 <= tod)
            i++;
        if (i == h->n) {
            day++;
            tod = 0;
            continue;
        }
        int64_t start = (int64_t)h->start_min[i] * 60000, end = (int64_t)h->end_min[i] * 60000;
        if (tod < start)
            tod = start;
        if (left <= end - tod) {
            tod += left;
            break;
        }
        left -= end - tod;
        tod = end;
    }
    report_uncovered(c, flags ? *flags : 0, (flags ? *flags : 0) | f, day);
    if (flags != NULL)
        *flags |= f;
    *due_ms = local_join(day, tod);
    return 0;
}

/* The working spans of day `day` in ms after its midnight: the whole day,
 * or the windows; 0 spans on a rest day. */
static int day_spans(const workcal_t *c, const calendar_hours_t *h, int64_t day, unsigned *f,
                     int64_t start[CALENDAR_MAX_WINDOWS], int64_t end[CALENDAR_MAX_WINDOWS])
{
    if (!working(c, day, f))
        return 0;
    if (h == NULL) {
        start[0] = 0;
        end[0] = MS_PER_DAY;
        return 1;
    }
    for (int i = 0; i < h->n; i++) {
        start[i] = (int64_t)h->start_min[i] * 60000;
        end[i] = (int64_t)h->end_min[i] * 60000;
    }
    return h->n;
}

int64_t calendar_working_ms_between(const workcal_t *c, const calendar_hours_t *h, int64_t from_ms,
                                    int64_t to_ms, unsigned *flags)
{
    if (to_ms <= from_ms || (h != NULL && (h->n <= 0 || h->n > CALENDAR_MAX_WINDOWS)))
        return 0;
    unsigned f = 0;
    int64_t day, tod, last, last_tod;
    local_split(from_ms, &day, &tod);
    local_split(to_ms, &last, &last_tod);
    if (last - day > 2 * CALENDAR_MAX_DAYS) {
        last = day + 2 * CALENDAR_MAX_DAYS;
        last_tod = MS_PER_DAY;
    }
    int64_t total = 0;
    for (int64_t d = day; d <= last; d++) {
        int64_t s[CALENDAR_MAX_WINDOWS], e[CALENDAR_MAX_WINDOWS];
        int n = day_spans(c, h, d, &f, s, e);
        int64_t lo = d == day ? tod : 0, hi = d == last ? last_tod : MS_PER_DAY;
        for (int i = 0; i < n; i++) {
            int64_t a = s[i] > lo ? s[i] : lo, b = e[i] < hi ? e[i] : hi;
            if (b > a)
                total += b - a;
        }
    }
    report_uncovered(c, flags ? *flags : 0, (flags ? *flags : 0) | f, last);
    if (flags != NULL)
        *flags |= f;
    return total;
}

int calendar_add_working_ms(const workcal_t *c, const calendar_hours_t *h, int64_t t_ms, int64_t ms,
                            int64_t *out_ms, unsigned *flags)
{
    if (out_ms == NULL || ms < 0 || ms > (int64_t)CALENDAR_MAX_DAYS * MS_PER_DAY ||
        (h != NULL && (h->n <= 0 || h->n > CALENDAR_MAX_WINDOWS)))
        return -EINVAL;
    if (ms == 0) {
        *out_ms = t_ms;
        return 0;
    }
    unsigned f = 0;
    int64_t day, tod;
    local_split(t_ms, &day, &tod);
    int64_t left = ms;
    /* Bounded: every week has working days, and ms is at most
     * CALENDAR_MAX_DAYS days of working time. */
    for (;; day++, tod = 0) {
        int64_t s[CALENDAR_MAX_WINDOWS], e[CALENDAR_MAX_WINDOWS];
        int n = day_spans(c, h, day, &f, s, e);
        for (int i = 0; i < n; i++) {
            int64_t a = s[i] > tod ? s[i] : tod;
            if (e[i] <= a)
                continue;
            if (left <= e[i] - a) {
                report_uncovered(c, flags ? *flags : 0, (flags ? *flags : 0) | f, day);
                if (flags != NULL)
                    *flags |= f;
                *out_ms = local_join(day, a + left);
                return 0;
            }
            left -= e[i] - a;
        }
    }
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* "HH:MM" at s; 0 and the minutes, or -1. */
static int parse_hhmm(const char *s, int *min)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] != ':' || s[3] < '0' ||
        s[3] > '9' || s[4] < '0' || s[4] > '9')
        return -1;
    int hh = (s[0] - '0') * 10 + (s[1] - '0'), mm = (s[3] - '0') * 10 + (s[4] - '0');
    if (mm > 59 || hh > 24 || (hh == 24 && mm != 0))
        return -1;
    *min = hh * 60 + mm;
    return 0;
}

int calendar_hours_parse(const char *spec, calendar_hours_t *out, char *err, size_t errlen)
{
    if (spec == NULL || out == NULL)
        return -EINVAL;
    calendar_hours_t h = {0};
    const char *p = spec;
    for (;;) {
        while (*p == ' ' || *p == ',' || *p == ';')
            p++;
        if (*p == '\0')
            break;
        int a, b;
        if (strlen(p) < 11 || parse_hhmm(p, &a) < 0 || p[5] != '-' || parse_hhmm(p + 6, &b) < 0)
            return fail(err, errlen, "working hours \"%s\": expected HH:MM-HH:MM at \"%.11s\"",
                        spec, p);
        if (b <= a)
            return fail(err, errlen, "working hours \"%s\": window %.11s ends before it starts",
                        spec, p);
        if (h.n == CALENDAR_MAX_WINDOWS)
            return fail(err, errlen, "working hours \"%s\": more than %d windows", spec,
                        CALENDAR_MAX_WINDOWS);
        if (h.n > 0 && a < h.end_min[h.n - 1])
            return fail(err, errlen,
                        "working hours \"%s\": windows must be in order and not overlap", spec);
        h.start_min[h.n] = a;
        h.end_min[h.n] = b;
        h.n++;
        p += 11;
        if (*p != '\0' && *p != ' ' && *p != ',' && *p != ';')
            return fail(err, errlen, "working hours \"%s\": unexpected \"%s\"", spec, p);
    }
    if (h.n == 0)
        return fail(err, errlen, "working hours \"%s\": no window", spec);
    *out = h;
    return 0;
}

void calendar_destroy(workcal_t **c)
{
    if (c == NULL || *c == NULL)
        return;
    free((*c)->kind);
    free(*c);
    *c = NULL;
}

/* Split one line into at most 3 tab-separated fields (in place). */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (t == NULL)
            break;
        *t = '\0';
        p = t + 1;
    }
    return n;
}

static int parse_int(const char *s, int digits, int *v)
{
    int x = 0;
    for (int i = 0; i < digits; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

static int parse_years(workcal_t *c, char **f, int nf, int ln, char *err, size_t errlen)
{
    if (c->kind != NULL)
        return fail(err, errlen, "line %d: a second \"years\" line", ln);
    int a, b;
    if (nf < 3 || strlen(f[1]) != 4 || strlen(f[2]) != 4 || parse_int(f[1], 4, &a) < 0 ||
        parse_int(f[2], 4, &b) < 0)
        return fail(err, errlen, "line %d: expected \"years<TAB>FIRST<TAB>LAST\"", ln);
    if (a < YEAR_MIN || b > YEAR_MAX || a > b)
        return fail(err, errlen, "line %d: years %d-%d out of %d-%d or reversed", ln, a, b,
                    YEAR_MIN, YEAR_MAX);
    c->first_year = a;
    c->last_year = b;
    c->first_day = days_from_civil(a, 1, 1);
    c->n_days = (size_t)(days_from_civil(b + 1, 1, 1) - c->first_day);
    c->kind = calloc(c->n_days, 1);
    return c->kind ? 0 : -ENOMEM;
}

static int parse_date_line(workcal_t *c, char **f, int nf, int ln, char *err, size_t errlen)
{
    int y, m, d;
    const char *s = f[0];
    /* in this order, each test stops at the string's end */
    if (parse_int(s, 4, &y) < 0 || s[4] != '-' || parse_int(s + 5, 2, &m) < 0 || s[7] != '-' ||
        parse_int(s + 8, 2, &d) < 0 || s[10] != '\0' || !valid_date(y, m, d))
        return fail(err, errlen, "line %d: \"%.20s\" is not a date YYYY-MM-DD", ln, s);
    if (c->kind == NULL)
        return fail(err, errlen, "line %d: a date before the \"years\" line", ln);
    if (y < c->first_year || y > c->last_year)
        return fail(err, errlen, "line %d: %s is outside the years %d-%d", ln, s, c->first_year,
                    c->last_year);
    if (nf < 2)
        return fail(err, errlen, "line %d: %s has no kind (holiday or workday)", ln, s);
    int64_t day = days_from_civil(y, m, d);
    unsigned char *k = &c->kind[day - c->first_day];
    if (*k != DAY_DEFAULT)
        return fail(err, errlen, "line %d: %s listed twice", ln, s);
    int w = weekday(day);
    if (strcmp(f[1], "holiday") == 0) {
        *k = DAY_HOLIDAY;
    } else if (strcmp(f[1], "workday") == 0) {
        /* 调休 only ever turns a weekend day into a working day: a weekday
         * here means the data is wrong, not that the notice is unusual. */
        if (w != 0 && w != 6)
            return fail(err, errlen, "line %d: %s is a workday but not a Saturday or Sunday", ln,
                        s);
        *k = DAY_WORKDAY;
    } else {
        return fail(err, errlen, "line %d: kind \"%.20s\" is not holiday or workday", ln, f[1]);
    }
    return 0;
}

/* Every covered year must have holidays: a year without any is a
 * truncated or mis-generated file, not a year without public holidays. */
static int check_years(const workcal_t *c, char *err, size_t errlen)
{
    if (c->kind == NULL)
        return fail(err, errlen, "no \"years<TAB>FIRST<TAB>LAST\" line");
    for (int y = c->first_year; y <= c->last_year; y++) {
        int64_t a = days_from_civil(y, 1, 1) - c->first_day;
        int64_t b = days_from_civil(y + 1, 1, 1) - c->first_day;
        int n = 0;
        for (int64_t i = a; i < b; i++)
            n += c->kind[i] == DAY_HOLIDAY;
        if (n == 0)
            return fail(err, errlen, "year %d is covered but lists no holiday", y);
    }
    return 0;
}

int calendar_parse(const char *text, size_t len, workcal_t **out, char *err, size_t errlen)
{
    if (text == NULL || out == NULL)
        return -EINVAL;
    workcal_t *c = calloc(1, sizeof(*c));
    char *buf = malloc(len + 1);
    if (c == NULL || buf == NULL) {
        free(c);
        free(buf);
        return -ENOMEM;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    int rc = 0, ln = 0;
    char *save = NULL;
    for (char *line = buf; line != NULL && rc == 0; line = save) {
        ln++;
        save = strchr(line, '\n');
        if (save != NULL)
            *save++ = '\0';
        size_t l = strlen(line);
        if (l > 0 && line[l - 1] == '\r')
            line[--l] = '\0';
        if (l == 0 || line[0] == '#')
            continue;
        char *f[3];
        int nf = split_tabs(line, f, 3);
        if (strcmp(f[0], "years") == 0)
            rc = parse_years(c, f, nf, ln, err, errlen);
        else
            rc = parse_date_line(c, f, nf, ln, err, errlen);
    }
    free(buf);
    if (rc == 0)
        rc = check_years(c, err, errlen);
    if (rc < 0) {
        calendar_destroy(&c);
        return rc;
    }
    *out = c;
    return 0;
}

int calendar_load_file(const char *path, workcal_t **out, char *err, size_t errlen)
{
    if (path == NULL || out == NULL)
        return -EINVAL;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        int e = errno;
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    /* Sized from the file and zeroed: the data is read whole, once. */
    long size = fseek(fp, 0, SEEK_END) == 0 ? ftell(fp) : -1;
    int rc = 0;
    char *buf = NULL;
    size_t n = 0;
    if (size < 0 || fseek(fp, 0, SEEK_SET) != 0)
        rc = -EIO;
    else if (size > (64L << 20))
        rc = -EFBIG;
    else if ((buf = calloc((size_t)size + 1, 1)) == NULL)
        rc = -ENOMEM;
    else
        n = fread(buf, 1, (size_t)size, fp);
    if (rc == 0 && ferror(fp))
        rc = -EIO;
    fclose(fp);
    if (rc == 0) {
        char e2[256] = "";
        rc = calendar_parse(buf, n, out, e2, sizeof e2);
        if (rc < 0 && err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: %s", path, e2);
    } else if (err != NULL && errlen > 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
    }
    free(buf);
    return rc;
}
