/*
 * main.c - the gateway process: an HTTP front door (Open311 GeoReport v2,
 * and the WeChat and console handlers mounted in gateway_routes.c) that
 * acts as a front-end of the router and reads answers from the ledger.
 * It keeps no case state of its own. Exits 0 on SIGINT/SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "api_keys.h"
#include "clock.h"
#include "config.h"
#include "domain.h"
#include "gateway.h"
#include "http.h"
#include "log.h"

static config_opt_t opts[] = {
    {"http", "LIANDONG_GATEWAY_HTTP", "127.0.0.1:7380",
     "HTTP address to listen on, HOST:PORT with a numeric host (loopback by default)", 0, NULL},
    {"base-url", "LIANDONG_GATEWAY_BASE_URL", "",
     "the public URL of this gateway, for Open311 discovery (default http://<--http>)", 0, NULL},
    {"http-threads", "LIANDONG_GATEWAY_THREADS", "8",
     "HTTP worker threads (each with its own router and ledger clients)", 0, NULL},
    {"http-max-connections", "LIANDONG_GATEWAY_MAX_CONNECTIONS", "256",
     "HTTP connections at once, all workers together", 0, NULL},
    {"http-timeout", "LIANDONG_GATEWAY_HTTP_TIMEOUT", "15",
     "seconds an idle HTTP connection is kept", 0, NULL},
    {"router", "LIANDONG_ROUTER", "tcp://127.0.0.1:7311", "router front-end endpoint", 0, NULL},
    {"ledger", "LIANDONG_LEDGER", "tcp://127.0.0.1:7301", "ledger endpoint", 0, NULL},
    {"timeout-ms", "LIANDONG_GATEWAY_TIMEOUT_MS", "5000",
     "how long a request waits for the router or the ledger", 0, NULL},
    {"keys", "LIANDONG_KEYS", "var/keys", "CURVE keys directory (see lib/curve.h)", 0, NULL},
    {"frontend-id", "LIANDONG_GATEWAY_FRONTEND_ID", "",
     "act as frontend.<channel>-<ID> instead of frontend.<channel> (docs/roles.md)", 0, NULL},
    {"router-identity", "LIANDONG_ROUTER_IDENTITY", "service.router", "the router's key", 0, NULL},
    {"ledger-identity", "LIANDONG_LEDGER_IDENTITY", "service.ledger", "the ledger's key", 0, NULL},
    {"api-keys", "LIANDONG_GATEWAY_API_KEYS", "var/gateway/api_keys",
     "Open311 api_keys: lines \"CHANNEL sha256:HEX\" (services/gateway/api_keys.h)", 0, NULL},
    {"hash-api-key", NULL, "0",
     "read an api_key from stdin, print its line for --api-keys (with --channel) and exit", 1,
     NULL},
    {"channel", NULL, "hotline", "the channel for --hash-api-key", 0, NULL},
    {"insecure", "LIANDONG_INSECURE", "0", "CURVE off: loopback development only", 1, NULL},
    SIMCLOCK_OPTS,
    {"verbose", "LIANDONG_VERBOSE", "0", "debug logging", 1, NULL},
};
#define NOPTS (sizeof opts / sizeof opts[0])

static int hash_api_key(void)
{
    const char *channel = config_get(opts, NOPTS, "channel");
    if (channel_from_name(channel, strlen(channel)) < 0) {
        fprintf(stderr, "gateway: --channel %s is not a channel of ROUTING.md\n", channel);
        return 2;
    }
    char key[512];
    if (fgets(key, sizeof key, stdin) == NULL) {
        fprintf(stderr, "gateway: --hash-api-key reads the key from stdin\n");
        return 2;
    }
    key[strcspn(key, "\r\n")] = '\0';
    char line[80];
    if (*key == '\0' || api_keys_hash(key, line, sizeof line) < 0) {
        fprintf(stderr, "gateway: an empty key\n");
        return 2;
    }
    printf("%s %s\n", channel, line);
    return 0;
}

static int get_long(const char *name, long min, long max, long *out)
{
    if (config_get_long(opts, NOPTS, name, min, max, out) < 0) {
        fprintf(stderr, "gateway: --%s must be a number in [%ld, %ld]\n", name, min, max);
        return -EINVAL;
    }
    return 0;
}

int main(int argc, char **argv)
{
    char err[256];
    int rest = 0;
    int rc = config_parse(opts, NOPTS, argc, argv, &rest, err, sizeof err);
    if (rc == 1) {
        config_usage(stdout,
                     "usage: gateway [OPTIONS]\n\nServes Open311 GeoReport v2 (and the other "
                     "HTTP front doors) as a front-end of the router.",
                     opts, NOPTS);
        return 0;
    }
    if (rc < 0 || rest != argc) {
        fprintf(stderr, "gateway: %s\n", rc < 0 ? err : "unexpected argument (see --help)");
        return 2;
    }
    if (strcmp(config_get(opts, NOPTS, "hash-api-key"), "1") == 0)
        return hash_api_key();
    log_init("gateway",
             strcmp(config_get(opts, NOPTS, "verbose"), "1") == 0 ? LOG_DEBUG : LOG_INFO);
    long threads = 0, maxconn = 0, idle = 0, timeout = 0;
    if (get_long("http-threads", 1, 256, &threads) < 0 ||
        get_long("http-max-connections", 1, 65536, &maxconn) < 0 ||
        get_long("http-timeout", 1, 3600, &idle) < 0 ||
        get_long("timeout-ms", 50, 600000, &timeout) < 0)
        return 2;
    /* The system's clock (lib/clock.h): a demand's received time and the
     * console's "now" (overdue marks, default periods). WeChat's and the
     * sessions' timestamps stay on the wall clock: they are checked
     * against other parties' real clocks. */
    simclock_t clock;
    if (simclock_from_config(&clock, opts, NOPTS, err, sizeof err) < 0) {
        fprintf(stderr, "gateway: %s\n", err);
        return 2;
    }
    simclock_set_system(&clock);
    int insecure = strcmp(config_get(opts, NOPTS, "insecure"), "1") == 0;
    if (insecure)
        log_warn(NULL, "CURVE IS OFF (--insecure): traffic to the router and the ledger is "
                       "neither encrypted nor authenticated; loopback development only");

    api_keys_t *keys = NULL;
    const char *keys_path = config_get(opts, NOPTS, "api-keys");
    rc = api_keys_load(keys_path, &keys, err, sizeof err);
    if (rc == -ENOENT) {
        /* The other front doors work without it; every Open311 POST is 403. */
        log_warn(NULL, "%s: no Open311 api_keys file: every api_key will be refused", keys_path);
    } else if (rc < 0) {
        log_error(NULL, "%s", err);
        return 2;
    }

    /* SIGINT and SIGTERM are taken with sigwait below; blocked before any
     * thread starts, so that no worker is interrupted by them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    void *zctx = zmq_ctx_new();
    if (zctx == NULL) {
        api_keys_destroy(&keys);
        return 1;
    }
    const char *listen = config_get(opts, NOPTS, "http");
    char base[300];
    const char *base_url = config_get(opts, NOPTS, "base-url");
    if (*base_url == '\0') {
        snprintf(base, sizeof base, "http://%s", listen);
        base_url = base;
    }
    static gateway_t gw;
    gw.upstream = (upstream_config_t){
        .zctx = zctx,
        .router = config_get(opts, NOPTS, "router"),
        .ledger = config_get(opts, NOPTS, "ledger"),
        .keys = insecure ? NULL : config_get(opts, NOPTS, "keys"),
        .router_identity = config_get(opts, NOPTS, "router-identity"),
        .ledger_identity = config_get(opts, NOPTS, "ledger-identity"),
        .timeout_ms = (int)timeout,
    };
    gw.api_keys = keys;
    gw.frontend_suffix = config_get(opts, NOPTS, "frontend-id");
    gw.base_url = base_url;

    http_config_t hc = {
        .listen = listen,
        .threads = (unsigned)threads,
        .max_connections = (unsigned)maxconn,
        .timeout_s = (unsigned)idle,
    };
    http_server_t *srv = NULL;
    rc = http_server_start(&hc, &gw, &srv);
    if (rc < 0) {
        zmq_ctx_term(zctx);
        api_keys_destroy(&keys);
        return 1;
    }
    log_info(NULL, "listening on http://%s (%ld threads; Open311 at /open311/v2/; %zu api_keys)",
             listen, threads, api_keys_count(keys));
    int sig = 0;
    while (sigwait(&stop, &sig) != 0) {
    }
    log_info(NULL, "signal %d: stopping", sig);
    http_server_stop(&srv);
    zmq_ctx_term(zctx);
    api_keys_destroy(&keys);
    return 0;
}
