/*
 * main.c - the notifier process: chases deadlines of open cases (ROUTING.md
 * sections 6 and 7) from the ledger's event stream and publishes alerts.
 * Exits 0 on SIGINT/SIGTERM; keeps retrying while the ledger is away.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar_horizon.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "notifier.h"

static config_opt_t opts[] = {
    {"ledger", "LIANDONG_LEDGER", "tcp://127.0.0.1:7301", "ledger request endpoint", 0, NULL},
    {"events", "LIANDONG_LEDGER_EVENTS", "tcp://127.0.0.1:7302", "ledger event stream (PUB)", 0,
     NULL},
    {"alerts", "LIANDONG_NOTIFIER_ALERTS", "tcp://127.0.0.1:7321",
     "alert socket to bind (XPUB, topic = body id; services and operators)", 0, NULL},
    {"router", "LIANDONG_ROUTER", "tcp://127.0.0.1:7311",
     "router front socket (escalations, as CaseAction ESCALATE)", 0, NULL},
    {"listen", "LIANDONG_NOTIFIER_LISTEN", "tcp://127.0.0.1:7322", "health socket (Ping)", 0, NULL},
    {"due-soon-share", "LIANDONG_DUE_SOON_SHARE", "0.75",
     "share of a time limit after which a due_soon alert goes out (0..1)", 0, NULL},
    {"escalation-grace-hours", "LIANDONG_ESCALATION_GRACE_HOURS", "0",
     "hours after the resolution deadline before the case is escalated", 0, NULL},
    {"reply-escalation-grace-hours", "LIANDONG_REPLY_ESCALATION_GRACE_HOURS", "-1",
     "hours after an emergency's reply deadline before an unanswered emergency is escalated "
     "(-1: as --escalation-grace-hours)",
     0, NULL},
    {"policy", "LIANDONG_POLICY", NULL,
     "time-limit policy JSON, the router's (its working-hours windows: due-soon is a share of "
     "the working time of a working-clock deadline)",
     0, NULL},
    {"calendar", "LIANDONG_CALENDAR", "deploy/calendar/china.tsv",
     "working-day calendar: due-soon of a working-clock deadline counts only working time", 0,
     NULL},
    {"calendar-warn-days", "LIANDONG_CALENDAR_WARN_DAYS", "60",
     "warn at start when the calendar's last covered year ends within this many days (0: only "
     "once it has ended)",
     0, NULL},
    {"page-size", "LIANDONG_NOTIFIER_PAGE_SIZE", "5000", "cases per snapshot page", 0, NULL},
    {"ledger-timeout-ms", "LIANDONG_LEDGER_TIMEOUT_MS", "5000", "wait for a ledger answer", 0,
     NULL},
    {"max-in-flight", "LIANDONG_NOTIFIER_MAX_IN_FLIGHT", "256",
     "alerts waiting for the ledger at once", 0, NULL},
    {"max-buffered-events", "LIANDONG_NOTIFIER_MAX_BUFFER", "200000",
     "events kept while a snapshot loads", 0, NULL},
    {"probe-interval-ms", "LIANDONG_NOTIFIER_PROBE_MS", "10000",
     "how often a quiet stream is checked against the ledger's head seq", 0, NULL},
    {"drop-every", NULL, "0", "testing: drop every Nth event received (fault injection; 0 = off)",
     0, NULL},
    SIMCLOCK_OPTS,
    {"lease-ttl-ms", "LIANDONG_NOTIFIER_LEASE_TTL_MS", "3000",
     "two notifiers, one fires: fire only while holding the ledger's lease \"notifier\", "
     "granted for this long and asked for again every third of it (0: no lease, always fire)",
     0, NULL},
    {"lease-holder", "LIANDONG_NOTIFIER_LEASE_HOLDER", "",
     "this notifier's name in the lease; the same after a restart, so a restarted notifier "
     "keeps its lease (default: host name and --listen)",
     0, NULL},
    {"keys", "LIANDONG_KEYS", "var/keys", "CURVE keys directory (see lib/curve.h)", 0, NULL},
    {"identity", "LIANDONG_NOTIFIER_IDENTITY", "service.notifier", "this process's key (role.id)",
     0, NULL},
    {"ledger-identity", "LIANDONG_LEDGER_IDENTITY", "service.ledger", "the ledger's key (role.id)",
     0, NULL},
    {"router-identity", "LIANDONG_ROUTER_IDENTITY", "service.router", "the router's key (role.id)",
     0, NULL},
    {"insecure", "LIANDONG_INSECURE", "0", "CURVE off: loopback development only", 1, NULL},
    {"verbose", "LIANDONG_VERBOSE", "0", "debug logging", 1, NULL},
};
#define NOPTS (sizeof opts / sizeof opts[0])

static int get_double(const char *name, double min, double max, double *out)
{
    const char *v = config_get(opts, NOPTS, name);
    char *end = NULL;
    errno = 0;
    double d = v ? strtod(v, &end) : NAN;
    if (v == NULL || end == v || *end != '\0' || errno != 0 || !(d >= min && d <= max)) {
        fprintf(stderr, "notifier: --%s must be a number in [%g, %g]\n", name, min, max);
        return -EINVAL;
    }
    *out = d;
    return 0;
}

static void on_stop(service_t *svc, void *ud)
{
    (void)svc;
    notifier_stop(ud);
}

/* The lease holder's name: given, or "<host>/<listen endpoint>", which
 * differs between two notifiers and stays the same across a restart of
 * one. At most 128 bytes (the ledger's id limit). */
static const char *lease_holder(const char *given, const char *listen)
{
    static char name[129];
    if (given != NULL && given[0] != '\0') {
        snprintf(name, sizeof name, "%s", given);
        return name;
    }
    char host[64] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        snprintf(host, sizeof host, "localhost");
    snprintf(name, sizeof name, "%.60s/%.60s", host, listen);
    return name;
}

int main(int argc, char **argv)
{
    char err[200];
    int rest = 0;
    int rc = config_parse(opts, NOPTS, argc, argv, &rest, err, sizeof err);
    if (rc == 1) {
        config_usage(stdout,
                     "usage: notifier [OPTIONS]\n\nAlerts bodies before and after their "
                     "deadlines and escalates overdue cases.",
                     opts, NOPTS);
        return 0;
    }
    if (rc < 0 || rest != argc) {
        fprintf(stderr, "notifier: %s\n", rc < 0 ? err : "unexpected argument (see --help)");
        return 2;
    }
    log_init("notifier",
             strcmp(config_get(opts, NOPTS, "verbose"), "1") == 0 ? LOG_DEBUG : LOG_INFO);
    static notifier_t n;
    double share = 0, grace = 0, reply_grace = 0;
    long probe = 0, drop = 0, page = 0, timeout = 0, inflight = 0, buffer = 0, warn_days = 0,
         lease_ttl = 0;
    if (get_double("due-soon-share", 0.01, 0.99, &share) < 0 ||
        get_double("escalation-grace-hours", 0, 8760, &grace) < 0 ||
        get_double("reply-escalation-grace-hours", -1, 8760, &reply_grace) < 0)
        return 2;
    /* The system's clock (lib/clock.h), as every service reads it. */
    if (simclock_from_config(&n.clock, opts, NOPTS, err, sizeof err) < 0) {
        fprintf(stderr, "notifier: %s\n", err);
        return 2;
    }
    if (config_get_long(opts, NOPTS, "probe-interval-ms", 50, 3600000, &probe) < 0 ||
        config_get_long(opts, NOPTS, "drop-every", 0, 1000000, &drop) < 0 ||
        config_get_long(opts, NOPTS, "page-size", 1, 20000, &page) < 0 || /* ledger PAGE_MAX */
        config_get_long(opts, NOPTS, "ledger-timeout-ms", 100, 600000, &timeout) < 0 ||
        config_get_long(opts, NOPTS, "max-in-flight", 1, 100000, &inflight) < 0 ||
        config_get_long(opts, NOPTS, "max-buffered-events", 1000, 10000000, &buffer) < 0 ||
        config_get_long(opts, NOPTS, "calendar-warn-days", 0, CALENDAR_WARN_DAYS_MAX, &warn_days) <
            0 ||
        config_get_long(opts, NOPTS, "lease-ttl-ms", 0, 600000, &lease_ttl) < 0 ||
        (lease_ttl > 0 && lease_ttl < 1000)) {
        fprintf(stderr, "notifier: a numeric option is out of range (see --help)\n");
        return 2;
    }
    n.cfg = (notifier_config_t){
        .ledger = config_get(opts, NOPTS, "ledger"),
        .events = config_get(opts, NOPTS, "events"),
        .alerts = config_get(opts, NOPTS, "alerts"),
        .router = config_get(opts, NOPTS, "router"),
        .listen = config_get(opts, NOPTS, "listen"),
        .keys_dir = config_get(opts, NOPTS, "keys"),
        .identity = config_get(opts, NOPTS, "identity"),
        .ledger_identity = config_get(opts, NOPTS, "ledger-identity"),
        .router_identity = config_get(opts, NOPTS, "router-identity"),
        .insecure = strcmp(config_get(opts, NOPTS, "insecure"), "1") == 0,
        .due_soon_share = share,
        .escalation_grace_hours = grace,
        .reply_escalation_grace_hours = reply_grace < 0 ? grace : reply_grace,
        .page_size = (uint32_t)page,
        .ledger_timeout_ms = (uint32_t)timeout,
        .max_alerts_in_flight = (uint32_t)inflight,
        .max_buffered_events = (size_t)buffer,
        .probe_interval_ms = (uint32_t)probe,
        .drop_every = (uint32_t)drop,
        .lease_ttl_ms = (uint32_t)lease_ttl,
        .lease_holder = lease_holder(config_get(opts, NOPTS, "lease-holder"),
                                     config_get(opts, NOPTS, "listen")),
    };
    /* The router's policy and calendar, one implementation (lib/policy.h):
     * a working-day deadline's due-soon point is 75% of its working time.
     * The calendar is read whatever the policy: a case's clock comes with
     * the case, and may be a working one placed under another policy. */
    char perr[512];
    policy_t *policy = NULL;
    workcal_t *workcal = NULL;
    const char *policy_path = config_get(opts, NOPTS, "policy");
    const char *cal_path = config_get(opts, NOPTS, "calendar");
    if (policy_path != NULL && policy_path[0] != '\0' &&
        policy_load_file(policy_path, &policy, perr, sizeof perr) < 0) {
        fprintf(stderr, "notifier: policy %s refused: %s\n", policy_path, perr);
        return 2;
    }
    if (cal_path != NULL && cal_path[0] != '\0' &&
        calendar_load_file(cal_path, &workcal, perr, sizeof perr) < 0) {
        /* Not fatal: Monday-Friday, every use flagged and logged. */
        log_warn(NULL, "calendar %s not loaded (%s): working days count Monday-Friday", cal_path,
                 perr);
    }
    n.cfg.policy = policy;
    n.cfg.workcal = workcal;
    /* The early warning (issue 15), against the notifier's own clock: its
     * due-soon and overdue moments are what runs out with the data. */
    if (workcal != NULL)
        calendar_horizon_warn(workcal, cal_path, simclock_now_ms(&n.clock), (int)warn_days);
    if (service_init(&n.svc, "notifier", on_stop, &n) < 0) {
        log_error(NULL, "cannot start: %s", strerror(errno));
        policy_destroy(&policy);
        calendar_destroy(&workcal);
        return 1;
    }
    if ((rc = notifier_start(&n)) < 0) {
        log_error(NULL, "cannot start (alerts on %s, health on %s): %s", n.cfg.alerts, n.cfg.listen,
                  zmq_strerror(-rc));
        notifier_stop(&n);
        service_finish(&n.svc);
        notifier_destroy(&n);
        policy_destroy(&policy);
        calendar_destroy(&workcal);
        return 1;
    }
    log_info(NULL, "ledger %s, events %s, alerts on %s, health on %s, clock x%g", n.cfg.ledger,
             n.cfg.events, n.cfg.alerts, n.cfg.listen, n.clock.speed);
    service_run(&n.svc);
    service_finish(&n.svc);
    log_info(NULL,
             "sent %lu alerts (%lu already recorded, %lu retries), %lu escalations, %lu pauses "
             "resumed at their limit",
             n.alerts_sent, n.alerts_duplicate, n.alerts_retried, n.escalations, n.pauses_resumed);
    notifier_destroy(&n);
    policy_destroy(&policy);
    calendar_destroy(&workcal);
    return 0;
}
