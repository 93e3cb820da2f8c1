/*
 * client.c - blocking Envelope request/answer for the CLI (see client.h):
 * lib/sync_client.c with the CLI's request ids and messages.
 */
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int petition_client_open(petition_client_t *c, const char *endpoint, int timeout_ms,
                         const char *keys_dir, const char *identity, const char *server_identity)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "cli-%d", (int)getpid());
    int rc = sync_client_open(c, NULL, endpoint, timeout_ms, keys_dir, identity, server_identity,
                              prefix);
    if (rc == -ENOKEY)
        fprintf(stderr, "error: CURVE keys %s (ours) or %s (server) not usable in %s\n", identity,
                server_identity, keys_dir);
    return rc;
}

int petition_client_call(petition_client_t *c, envelope_t *req, wire_msg_t **answer)
{
    return sync_client_call(c, req, answer);
}

void petition_client_close(petition_client_t *c)
{
    sync_client_close(c);
}

int petition_check_answer(const envelope_t *ans, Liandong__V1__Envelope__BodyCase want)
{
    if (ans->body_case == want)
        return 0;
    if (ans->body_case == LIANDONG__V1__ENVELOPE__BODY_ERROR && ans->error) {
        const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
            &liandong__v1__error_code__descriptor, (int)ans->error->code);
        fprintf(stderr, "error: %s: %s\n", v ? v->name : "ERROR", ans->error->message);
        return ans->error->code == LIANDONG__V1__ERROR_CODE__ERROR_UNAVAILABLE ? 3 : 1;
    }
    fprintf(stderr, "error: unexpected answer %s\n", wire_body_name(ans));
    return 1;
}
