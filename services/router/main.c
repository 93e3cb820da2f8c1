/*
 * main.c - the router process: takes demands from front-ends, places them
 * (registry + classifier), has the ledger commit them, and serves
 * department systems. With --dry-run it places JSON lines from standard
 * input without any other service (a contract for tests outside the
 * project: see dryrun.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar_horizon.h"
#include "config.h"
#include "dryrun.h"
#include "log.h"
#include "reply_text.h"
#include "router.h"
#include "urgency.h"

static config_opt_t opts[] = {
    {"listen", "LIANDONG_ROUTER_LISTEN", "tcp://127.0.0.1:7311", "front-end socket (ROUTER)", 0,
     NULL},
    {"desk", "LIANDONG_ROUTER_DESK", "tcp://127.0.0.1:7312", "department socket (ROUTER)", 0, NULL},
    {"ledger", "LIANDONG_LEDGER", "tcp://127.0.0.1:7301", "ledger endpoint", 0, NULL},
    {"alerts", "LIANDONG_ROUTER_ALERTS", "tcp://127.0.0.1:7321",
     "notifier's alert PUB, relayed to attached desks (empty: off)", 0, NULL},
    {"notifier-identity", "LIANDONG_NOTIFIER_IDENTITY", "service.notifier",
     "the notifier's key (role.id)", 0, NULL},
    {"lexicon", "LIANDONG_LEXICON", "deploy/lexicon", "classifier lexicon directory", 0, NULL},
    {"urgent-tag-channels", "LIANDONG_URGENT_TAG_CHANNELS", URGENCY_TAG_CHANNELS_DEFAULT,
     "channels whose in-text urgency tags (【紧急】, 急!, SOS) count as their explicit emergency "
     "(comma list; empty: none)",
     0, NULL},
    {"review-below", "LIANDONG_REVIEW_BELOW", "40",
     "confidence (0-100) under which a placement is also flagged for the dispatch centre's review",
     0, NULL},
    {"registry", "LIANDONG_REGISTRY", NULL,
     "registry JSON file (dry-run; in service mode: use it instead of the ledger's)", 0, NULL},
    {"policy", "LIANDONG_POLICY", NULL,
     "time-limit policy JSON (deploy/policy; default: ROUTING.md section 6, natural hours)", 0,
     NULL},
    {"calendar", "LIANDONG_CALENDAR", DRYRUN_CALENDAR_DEFAULT,
     "working-day calendar, read when the policy runs on working time", 0, NULL},
    {"calendar-warn-days", "LIANDONG_CALENDAR_WARN_DAYS", "60",
     "warn at start and on reload when the calendar's last covered year ends within this many "
     "days (0: only once it has ended)",
     0, NULL},
    {"repeat-threshold", "LIANDONG_REPEAT_THRESHOLD", "0",
     "one case for one problem (docs/repeats.md): a normal demand whose text is this similar "
     "(percent of shared character bigrams, 1-100) to an open case of its compound and category "
     "joins it as a reporter (0: off, every demand a case)",
     0, NULL},
    {"repeat-window-hours", "LIANDONG_REPEAT_WINDOW_HOURS", "72",
     "open cases created within this many hours are candidates for a repeat (1-8760)", 0, NULL},
    {"ledger-timeout-ms", "LIANDONG_LEDGER_TIMEOUT_MS", "5000",
     "how long to wait for the ledger to commit a case", 0, NULL},
    {"min-reply-chars", "LIANDONG_MIN_REPLY_CHARS", "4",
     "characters of content a reply or resolution needs (checked early; the ledger decides)", 0,
     NULL},
    {"max-message", "LIANDONG_MAX_MESSAGE", "65536", "largest request accepted, in bytes", 0, NULL},
    {"locate-radius-m", "LIANDONG_LOCATE_RADIUS_M", "500",
     "a demand with only a position (lat/long) is located at the nearest compound this near, "
     "in metres (0: positions locate nothing)",
     0, NULL},
    {"keys", "LIANDONG_KEYS", "var/keys", "CURVE keys directory (see lib/curve.h)", 0, NULL},
    {"identity", "LIANDONG_ROUTER_IDENTITY", "service.router", "this process's key (role.id)", 0,
     NULL},
    {"ledger-identity", "LIANDONG_LEDGER_IDENTITY", "service.ledger", "the ledger's key (role.id)",
     0, NULL},
    {"insecure", "LIANDONG_INSECURE", "0", "CURVE off: loopback development only", 1, NULL},
    {"dry-run", NULL, "0", "place JSON lines from stdin, print decisions, no services", 1, NULL},
    {"max-line", "LIANDONG_DRYRUN_MAX_LINE", "65536",
     "dry-run: longest input line in bytes (a longer one gets an error line)", 0, NULL},
    SIMCLOCK_OPTS,
    {"verbose", "LIANDONG_VERBOSE", "0", "debug logging", 1, NULL},
};
#define NOPTS (sizeof opts / sizeof opts[0])

static void on_stop(service_t *svc, void *ud)
{
    (void)svc;
    router_t *r = ud;
    /* Stop taking demands first, then fail what waits on the ledger: a
     * front-end that gets no acknowledgement retries with the same id. */
    rpc_server_destroy(&r->front);
    rpc_server_destroy(&r->desk);
    zuv_socket_close(&r->alerts);
    /* Cancelling the ledger calls runs their callbacks, which still use the
     * desks: destroy the desks after. */
    rpc_client_destroy(&r->ledger);
    desk_destroy(&r->desks);
    router_registry_stop(r);
    router_policy_watch_stop(r);
    secure_fini(&r->sec);
}

int main(int argc, char **argv)
{
    char err[200];
    int rest = 0;
    int rc = config_parse(opts, NOPTS, argc, argv, &rest, err, sizeof err);
    if (rc == 1) {
        config_usage(stdout, "usage: router [OPTIONS]\n\nPlaces residents' demands.", opts, NOPTS);
        return 0;
    }
    if (rc < 0 || rest != argc) {
        fprintf(stderr, "router: %s\n", rc < 0 ? err : "unexpected argument (see --help)");
        return 2;
    }
    log_init("router", strcmp(config_get(opts, NOPTS, "verbose"), "1") == 0 ? LOG_DEBUG : LOG_INFO);
    const char *lexicon = config_get(opts, NOPTS, "lexicon");
    const char *registry = config_get(opts, NOPTS, "registry");
    uint32_t tag_channels = 0;
    if (urgency_tag_channels_parse(config_get(opts, NOPTS, "urgent-tag-channels"), &tag_channels) <
        0) {
        fprintf(stderr, "router: --urgent-tag-channels: a comma list of channels (hotline, wechat, "
                        "petition, mailbox, grid, property)\n");
        return 2;
    }
    long review_below = 0;
    if (config_get_long(opts, NOPTS, "review-below", 0, 101, &review_below) < 0) {
        fprintf(stderr, "router: --review-below: an integer 0-101 (0: never, 101: always)\n");
        return 2;
    }
    if (strcmp(config_get(opts, NOPTS, "dry-run"), "1") == 0) {
        if (registry == NULL) {
            fprintf(stderr, "router: --dry-run needs --registry FILE\n");
            return 2;
        }
        long max_line = 0;
        if (config_get_long(opts, NOPTS, "max-line", 256, 64 << 20, &max_line) < 0) {
            fprintf(stderr, "router: --max-line must be 256 to 67108864 bytes\n");
            return 2;
        }
        dryrun_options_t dopts = {tag_channels, (int)review_below,
                                  config_get(opts, NOPTS, "policy"),
                                  config_get(opts, NOPTS, "calendar"), (size_t)max_line};
        rc = dryrun_run(registry, lexicon, &dopts, stdin, stdout);
        return rc < 0 ? 1 : 0;
    }
    long timeout = 0, max_msg = 0, min_reply = 0, radius = 0;
    if (config_get_long(opts, NOPTS, "locate-radius-m", 0, 100000, &radius) < 0) {
        fprintf(stderr, "router: --locate-radius-m must be 0 to 100000 metres\n");
        return 2;
    }
    long repeat_threshold = 0, repeat_window = 0;
    if (config_get_long(opts, NOPTS, "repeat-threshold", 0, 100, &repeat_threshold) < 0 ||
        config_get_long(opts, NOPTS, "repeat-window-hours", 1, 8760, &repeat_window) < 0) {
        fprintf(stderr, "router: --repeat-threshold 0-100, --repeat-window-hours 1-8760\n");
        return 2;
    }
    if (config_get_long(opts, NOPTS, "ledger-timeout-ms", 100, 600000, &timeout) < 0 ||
        config_get_long(opts, NOPTS, "max-message", 1024, 64 << 20, &max_msg) < 0 ||
        config_get_long(opts, NOPTS, "min-reply-chars", 1, REPLY_TEXT_MIN_CHARS_MAX, &min_reply) <
            0) {
        fprintf(stderr,
                "router: --ledger-timeout-ms, --max-message or --min-reply-chars out of range\n");
        return 2;
    }
    static router_t r;
    /* The system's clock (lib/clock.h): received times and deadlines. */
    if (simclock_from_config(&r.clock, opts, NOPTS, err, sizeof err) < 0) {
        fprintf(stderr, "router: %s\n", err);
        return 2;
    }
    if (!simclock_is_real(&r.clock))
        log_warn(NULL, "accelerated clock: x%g, simulated now %" PRId64 " ms (testing only)",
                 r.clock.speed, simclock_now_ms(&r.clock));
    /* The policy is read at start, and again whenever its file (or the
     * calendar's) changes (policy_watch.c): a change applies to the cases
     * placed after it, open cases keep their stored deadlines. */
    if (dryrun_load_policy(config_get(opts, NOPTS, "policy"), config_get(opts, NOPTS, "calendar"),
                           &r.policy, &r.calendar) < 0)
        return 2;
    if (r.policy != NULL)
        log_info(NULL, "time-limit policy %s%s", policy_name(r.policy),
                 r.calendar ? " (working days from the calendar)" : "");
    long warn_days = 0;
    if (config_get_long(opts, NOPTS, "calendar-warn-days", 0, CALENDAR_WARN_DAYS_MAX, &warn_days) <
        0) {
        fprintf(stderr, "router: --calendar-warn-days: 0 to %d\n", CALENDAR_WARN_DAYS_MAX);
        return 2;
    }
    r.calendar_warn_days = (int)warn_days;
    if (r.calendar != NULL)
        calendar_horizon_warn(r.calendar, config_get(opts, NOPTS, "calendar"),
                              simclock_now_ms(&r.clock), r.calendar_warn_days);
    r.policy_path = config_get(opts, NOPTS, "policy");
    r.calendar_path = config_get(opts, NOPTS, "calendar");
    r.lexicon_dir = lexicon;
    r.tag_channels = tag_channels;
    r.review_below = (int)review_below;
    r.repeat_threshold = (int)repeat_threshold;
    r.repeat_window_hours = (uint32_t)repeat_window;
    r.registry_file = registry;
    r.ledger_timeout_ms = (uint32_t)timeout;
    r.min_reply_chars = (size_t)min_reply;
    r.locate_radius_m = (double)radius;
    if (service_init(&r.svc, "router", on_stop, &r) < 0) {
        log_error(NULL, "cannot start: %s", strerror(errno));
        return 1;
    }
    const char *listen = config_get(opts, NOPTS, "listen");
    const char *desk = config_get(opts, NOPTS, "desk");
    const char *ledger = config_get(opts, NOPTS, "ledger");
    /* The ZAP handler must be bound before any CURVE server socket. */
    if ((rc = secure_init(&r.sec, r.svc.loop, r.svc.zctx, config_get(opts, NOPTS, "keys"),
                          config_get(opts, NOPTS, "identity"), 1,
                          strcmp(config_get(opts, NOPTS, "insecure"), "1") == 0)) < 0 ||
        (rc = rpc_client_create(r.svc.loop, r.svc.zctx, NULL, 64u << 20, &r.ledger)) < 0 ||
        (rc = secure_client_socket(&r.sec, zuv_socket_zmq(rpc_client_socket(r.ledger)),
                                   config_get(opts, NOPTS, "ledger-identity"))) < 0 ||
        (rc = rpc_client_connect(r.ledger, ledger)) < 0 ||
        (rc = rpc_server_create(r.svc.loop, r.svc.zctx, NULL, (size_t)max_msg,
                                router_on_front_request, &r, &r.front)) < 0 ||
        (rc = secure_server_socket(&r.sec, zuv_socket_zmq(rpc_server_socket(r.front)))) < 0 ||
        (rc = rpc_server_listen(r.front, listen)) < 0 ||
        (rc = rpc_server_create(r.svc.loop, r.svc.zctx, NULL, (size_t)max_msg,
                                router_on_desk_request, &r, &r.desk)) < 0 ||
        (rc = secure_server_socket(&r.sec, zuv_socket_zmq(rpc_server_socket(r.desk)))) < 0 ||
        (rc = desk_heartbeat(zuv_socket_zmq(rpc_server_socket(r.desk)))) < 0 ||
        (rc = rpc_server_listen(r.desk, desk)) < 0 || (rc = desk_create(&r, &r.desks)) < 0 ||
        (rc = router_alerts_start(&r, config_get(opts, NOPTS, "alerts"),
                                  config_get(opts, NOPTS, "notifier-identity"))) < 0 ||
        (rc = router_registry_start(&r)) < 0 || (rc = router_policy_watch_start(&r)) < 0) {
        log_error(NULL, "cannot start (front-ends on %s, departments on %s, ledger at %s): %s",
                  listen, desk, ledger, rc < -1000 ? zmq_strerror(-rc) : strerror(-rc));
        on_stop(&r.svc, &r);
        service_finish(&r.svc);
        return 1;
    }
    log_info(NULL, "front-ends on %s, departments on %s, ledger at %s", listen, desk, ledger);
    service_run(&r.svc);
    router_registry_release(&r);
    service_finish(&r.svc);
    log_info(NULL, "placed %lu demands, refused %lu; %lu with deadlines counted Monday-Friday",
             r.placed, r.refused, r.uncovered);
    policy_destroy(&r.policy);
    calendar_destroy(&r.calendar);
    return 0;
}
