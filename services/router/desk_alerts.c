/* desk_alerts.c - relays the notifier's deadline alerts to the department
 * desks attached to the router, so a body hears of a due-soon or overdue
 * case on the same connection its cases arrive on (issue 5).
 *
 * The router subscribes to the notifier's alert PUB ([topic = body id]
 * [Envelope{alert}]) and forwards each alert, unchanged, to the desk of the
 * topic's body when one is attached. Alerts carry no personal data (the
 * notifier builds them from the ledger's masked fields), and a desk that
 * is not attached misses nothing it cannot read again: the ledger keeps
 * every alert sent (notifier_alert) and the PUB socket still carries it. */
#include <string.h>
#include <zmq.h>

#include "endpoints.h"
#include "log.h"
#include "router.h"
#include "wire.h"

/* A body id is short; anything longer is not a topic we route. */
#define ALERT_TOPIC_MAX 95
/* An alert is a few hundred bytes; refuse to parse anything far larger. */
#define ALERT_MAX_BYTES 4096

static void on_alert(zuv_socket_t *s, zuv_message_t *m, void *ud)
{
    (void)s;
    router_t *r = ud;
    /* The notifier is a service we connect to, but its frames are still
     * checked: a wrong shape is dropped and logged, never forwarded. */
    if (m->nframes != 2 || m->truncated)
        return;
    size_t tlen = zmq_msg_size(&m->frames[0]);
    size_t plen = zmq_msg_size(&m->frames[1]);
    if (tlen == 0 || tlen > ALERT_TOPIC_MAX || plen > ALERT_MAX_BYTES)
        return;
    char body[ALERT_TOPIC_MAX + 1];
    memcpy(body, zmq_msg_data(&m->frames[0]), tlen);
    body[tlen] = '\0';
    char err[120];
    wire_msg_t *msg = NULL;
    if (wire_unpack(zmq_msg_data(&m->frames[1]), plen, ALERT_MAX_BYTES, &msg, err, sizeof err) <
        0) {
        log_warn(NULL, "dropped an unreadable alert: %s", err);
        return;
    }
    const envelope_t *e = wire_envelope(msg);
    if (e->body_case == LIANDONG__V1__ENVELOPE__BODY_ALERT && e->alert != NULL && r->desks != NULL)
        desk_push_raw(r->desks, body, zmq_msg_data(&m->frames[1]), plen);
    wire_free(&msg);
}

int router_alerts_start(router_t *r, const char *endpoint, const char *notifier_identity)
{
    if (endpoint == NULL || endpoint[0] == '\0')
        return 0; /* relay off */
    int rc = zuv_socket_create(r->svc.loop, r->svc.zctx, ZMQ_SUB, ALERT_MAX_BYTES, &r->alerts);
    if (rc < 0)
        return rc;
    zmq_setsockopt(zuv_socket_zmq(r->alerts), ZMQ_SUBSCRIBE, "", 0);
    if ((rc = secure_client_socket(&r->sec, zuv_socket_zmq(r->alerts), notifier_identity)) < 0 ||
        /* Every notifier of the list (issue 17): only the one holding
         * the lease publishes, and that may change. */
        (rc = endpoints_connect(zuv_socket_zmq(r->alerts), endpoint)) < 0 ||
        (rc = zuv_socket_start(r->alerts, 2, on_alert, r)) < 0)
        return rc;
    return 0;
}
