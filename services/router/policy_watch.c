/*
 * policy_watch.c - keeps the router's time-limit policy and calendar
 * current without a restart (issue 15), as registry_watch.c does for the
 * registry.
 *
 * Every POLICY_POLL_MS the --policy file and the calendar file are
 * stat()ed; when either changed (modification time or size), both are
 * read again and validated in full before anything is swapped: a policy
 * that does not parse, or that runs on working time while the calendar
 * cannot be read, is refused with its reason in the log (once per change
 * of the file, not once per poll) and the current pair keeps serving.
 * The swap happens on the loop thread between two messages, so a demand
 * is placed wholly under the old policy or wholly under the new one. A new
 * policy applies to the cases placed after it: open cases keep the
 * deadlines the ledger stored for them.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "calendar_horizon.h"
#include "log.h"
#include "router.h"

#define POLICY_POLL_MS 1000

/* What identifies a version of a file: 0 when it cannot be stat()ed. */
static int64_t file_signature(const char *path)
{
    struct stat st;
    if (path == NULL || stat(path, &st) != 0)
        return 0;
    return (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec + (int64_t)st.st_size * 7;
}

int router_policy_reload(router_t *r)
{
    char err[512];
    policy_t *policy = NULL;
    workcal_t *cal = NULL;
    int rc = policy_load_file(r->policy_path, &policy, err, sizeof err);
    if (rc < 0) {
        r->policy_refused++;
        log_error(NULL, "policy %s refused, keeping %s: %s", r->policy_path,
                  r->policy ? policy_name(r->policy) : "the built-in one", err);
        return rc;
    }
    if (policy_uses_calendar(policy) &&
        (rc = calendar_load_file(r->calendar_path, &cal, err, sizeof err)) < 0) {
        r->policy_refused++;
        log_error(NULL,
                  "policy %s refused, keeping %s: it runs on working time and the calendar %s "
                  "cannot be read: %s",
                  r->policy_path, r->policy ? policy_name(r->policy) : "the built-in one",
                  r->calendar_path, err);
        policy_destroy(&policy);
        return rc;
    }
    if (r->core != NULL && (rc = router_core_set_policy(r->core, policy, cal)) < 0) {
        r->policy_refused++;
        log_error(NULL, "policy %s refused, keeping %s: no calendar for it", r->policy_path,
                  r->policy ? policy_name(r->policy) : "the built-in one");
        policy_destroy(&policy);
        calendar_destroy(&cal);
        return rc;
    }
    /* The core now reads the new pair; nothing else keeps the old one. */
    policy_destroy(&r->policy);
    calendar_destroy(&r->calendar);
    r->policy = policy;
    r->calendar = cal;
    r->policy_reloads++;
    int first = 0, last = 0;
    calendar_years(cal, &first, &last);
    if (cal != NULL)
        calendar_horizon_warn(cal, r->calendar_path, simclock_now_ms(&r->clock),
                              r->calendar_warn_days);
    if (cal != NULL)
        log_info(NULL, "time-limit policy %s loaded from %s (calendar %d-%d); new cases only",
                 policy_name(policy), r->policy_path, first, last);
    else
        log_info(NULL, "time-limit policy %s loaded from %s; new cases only", policy_name(policy),
                 r->policy_path);
    return 0;
}

static void on_poll(uv_timer_t *t)
{
    router_t *r = t->data;
    int64_t p = file_signature(r->policy_path);
    int64_t c = file_signature(r->calendar_path);
    if (p == r->policy_sig && c == r->calendar_sig)
        return;
    r->policy_sig = p;
    r->calendar_sig = c;
    if (p == 0) {
        log_error(NULL, "policy %s cannot be read, keeping %s", r->policy_path,
                  r->policy ? policy_name(r->policy) : "the built-in one");
        r->policy_refused++;
        return;
    }
    router_policy_reload(r);
}

int router_policy_watch_start(router_t *r)
{
    if (r->policy_path == NULL || r->policy_path[0] == '\0')
        return 0; /* the built-in section 6 table: nothing to watch */
    r->policy_sig = file_signature(r->policy_path);
    r->calendar_sig = file_signature(r->calendar_path);
    uv_timer_init(r->svc.loop, &r->policy_timer);
    r->policy_timer.data = r;
    r->policy_watching = 1;
    uv_timer_start(&r->policy_timer, on_poll, POLICY_POLL_MS, POLICY_POLL_MS);
    return 0;
}

void router_policy_watch_stop(router_t *r)
{
    if (!r->policy_watching)
        return;
    uv_timer_stop(&r->policy_timer);
    uv_close((uv_handle_t *)&r->policy_timer, NULL);
    r->policy_watching = 0;
}
