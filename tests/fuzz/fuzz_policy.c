/*
 * fuzz_policy.c - libFuzzer target for a city's time-limit policy
 * (lib/policy.h, the JSON file given to `router --policy`): any bytes are
 * either a policy or refused with a reason, and every deadline a parsed
 * policy gives is computed without a crash, on the real calendar (when it
 * can be read from deploy/calendar, the fuzzer runs from the repository
 * root) and without one.
 */
#include <stdint.h>
#include <stdlib.h>

#include "calendar.h"
#include "log.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static workcal_t *cal;
static int cal_tried;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cal_tried) {
        cal_tried = 1;
        /* An uncovered year is logged as a warning each time it is met:
         * millions of lines here, and nothing the fuzzer can judge. */
        log_init("fuzz_policy", LOG_ERROR);
        const char *path = getenv("LIANDONG_FUZZ_CALENDAR");
        if (calendar_load_file(path ? path : "deploy/calendar/china.tsv", &cal, NULL, 0) < 0)
            cal = NULL;
    }
    policy_t *p = NULL;
    char err[256];
    if (policy_parse((const char *)data, size, &p, err, sizeof err) < 0)
        return 0;
    /* Moments around a holiday, a year boundary and the calendar's end. */
    static const int64_t at[] = {1759276800000LL, 1767196800000LL, 1798732800000LL, 0};
    for (int c = 0; c < CAT_COUNT; c++)
        for (int u = URG_NORMAL; u <= URG_EMERGENCY; u++)
            for (int k = 0; k < BODY_KIND_COUNT; k++)
                for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
                    policy_deadlines_t d;
                    (void)policy_deadlines(p, cal, (category_t)c, (urgency_t)u, (body_kind_t)k,
                                           "X-1", at[i], &d);
                    if (policy_uses_calendar(p))
                        (void)policy_deadlines(p, NULL, (category_t)c, (urgency_t)u, (body_kind_t)k,
                                               "X-1", at[i], &d);
                }
    policy_destroy(&p);
    return 0;
}
