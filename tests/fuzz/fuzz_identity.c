/*
 * fuzz_identity.c - libFuzzer target for the identity and actor strings a
 * request carries (lib/identity.h: the actor a message claims, checked
 * against the ZAP user id of its key; lib/secure.h's "role.id" key names).
 * The input is "user\nclaimed". Nothing may crash, every pointer returned
 * must point into the strings given, and an actor that formats must parse
 * back to the same kind and id.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "secure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PART 4096

static int within(const char *p, const char *s)
{
    return p >= s && p <= s + strlen(s);
}

static void check_roundtrip(const char *s)
{
    actor_t a;
    if (actor_parse(s, &a) < 0)
        return;
    if (!within(a.id, s))
        abort();
    char out[MAX_PART + 64];
    if (actor_format(a.kind, a.id, out, sizeof out) < 0)
        return;
    actor_t b;
    if (actor_parse(out, &b) < 0 || b.kind != a.kind || strcmp(b.id, a.id) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char user[MAX_PART + 1], claimed[MAX_PART + 1];
    const uint8_t *nl = memchr(data, '\n', size);
    size_t ulen = nl ? (size_t)(nl - data) : size;
    size_t clen = nl ? size - ulen - 1 : 0;
    if (ulen > MAX_PART || clen > MAX_PART)
        return 0;
    memcpy(user, data, ulen);
    user[ulen] = '\0'; /* a NUL inside is a shorter string, as from C code */
    memcpy(claimed, nl ? nl + 1 : data, clen);
    claimed[clen] = '\0';

    const char *id = NULL;
    role_t r = identity_role(user, &id);
    if (r != ROLE_NONE && r != ROLE_UNKNOWN && !within(id, user))
        abort();
    const char *staff_body = identity_staff_body(user);
    if (staff_body != NULL && !within(staff_body, user))
        abort();
    char out[256];
    (void)identity_actor(user, claimed, out, sizeof out);
    (void)identity_frontend_channel(user, out, sizeof out);
    const char *actor = NULL;
    if (identity_recorded_actor(user, claimed, &actor) == 0) {
        if (actor == NULL || !(within(actor, user) || within(actor, claimed)))
            abort();
        const char *principal = NULL, *behalf = NULL;
        identity_principal(user, claimed, actor, &principal, &behalf);
    }
    char role[64], rid[256];
    (void)secure_split_identity(user, role, sizeof role, rid, sizeof rid);
    check_roundtrip(user);
    check_roundtrip(claimed);
    return 0;
}
