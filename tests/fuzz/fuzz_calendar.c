/*
 * fuzz_calendar.c - libFuzzer target for the working-day calendar
 * (lib/calendar.h: the TSV file given to `router --calendar`, and the
 * "09:00-12:00,13:30-18:00" working-hours spec a policy carries): any bytes
 * are either a calendar or refused with "line N: why", and counting working
 * days and minutes on a parsed one never crashes or loops for long.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Uncovered years are logged as warnings each time they are met:
     * millions of lines here, and nothing the fuzzer can judge. */
    static int quiet;
    if (!quiet) {
        quiet = 1;
        log_init("fuzz_calendar", LOG_ERROR);
    }
    /* The working-hours spec: the input's first line, as a string. */
    char spec[256];
    size_t n = 0;
    while (n < size && n < sizeof spec - 1 && data[n] != '\n')
        n++;
    memcpy(spec, data, n);
    spec[n] = '\0';
    calendar_hours_t hours;
    char err[256];
    int have_hours = calendar_hours_parse(spec, &hours, err, sizeof err) == 0;

    workcal_t *cal = NULL;
    if (calendar_parse((const char *)data, size, &cal, err, sizeof err) < 0)
        return 0;
    int first = 0, last = 0;
    calendar_years(cal, &first, &last);
    static const int64_t at[] = {1759276800000LL, 1767196800000LL, 946684800000LL, 0};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        int64_t due = 0;
        unsigned flags = 0;
        (void)calendar_add_working_days(cal, at[i], 1, &due, &flags);
        (void)calendar_add_working_days(cal, at[i], 30, &due, &flags);
        if (have_hours)
            (void)calendar_add_working_minutes(cal, &hours, at[i], 5 * 60, &due, &flags);
    }
    for (int m = 1; m <= 12; m++) {
        unsigned flags = 0;
        (void)calendar_is_working_day(cal, first, m, 1, &flags);
        (void)calendar_is_working_day(cal, last, m, 31, &flags);
    }
    calendar_destroy(&cal);
    return 0;
}
