/*
 * demand_check.c - a demand's fields against the shared limits (see
 * demand_check.h; the limits are lib/field_limits.h, the text rule
 * lib/wire.c's).
 */
#include "demand_check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "domain.h"
#include "field_limits.h"
#include "wire.h"

demand_field_t demand_field(const char *s)
{
    demand_field_t f = {s, s ? strlen(s) : 0};
    return f;
}

/* A field's name and limit. */
typedef struct {
    const char *name;
    size_t max;
} field_limit_t;

int demand_check(const demand_fields_t *d, unsigned flags, char *why, size_t len)
{
    int need_channel = (flags & DEMAND_CHECK_NO_CHANNEL_ID) == 0;
    if ((need_channel || d->channel.len > 0) &&
        (d->channel.len == 0 || memchr(d->channel.s, '\0', d->channel.len) != NULL ||
         channel_from_name(d->channel.s, d->channel.len) < 0)) {
        snprintf(why, len,
                 "channel must be one of hotline, wechat, petition, mailbox, grid, property");
        return -EINVAL;
    }
    if (need_channel && (d->channel_id.len == 0 || d->channel_id.len > LIMIT_CHANNEL_ID_MAX)) {
        snprintf(why, len, "channel_id must be 1 to %d bytes", LIMIT_CHANNEL_ID_MAX);
        return -EINVAL;
    }
    if (d->text.len == 0) {
        snprintf(why, len, "text is empty");
        return -EINVAL;
    }
    const demand_field_t *values[] = {&d->text,     &d->channel_id,    &d->address,
                                      &d->compound, &d->resident_name, &d->resident_phone};
    static const field_limit_t limits[] = {
        {"text", LIMIT_TEXT_MAX},          {"channel_id", LIMIT_CHANNEL_ID_MAX},
        {"address", LIMIT_ADDRESS_MAX},    {"compound", LIMIT_COMPOUND_MAX},
        {"resident_name", LIMIT_NAME_MAX}, {"resident_phone", LIMIT_PHONE_MAX}};
    _Static_assert(sizeof values / sizeof values[0] == sizeof limits / sizeof limits[0],
                   "one limit per field");
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        const demand_field_t *f = values[i];
        if (f->len == 0)
            continue;
        size_t at = 0;
        int fault = wire_text_fault(f->s, f->len, limits[i].max, &at);
        if (fault == WIRE_TEXT_TOO_LONG) {
            snprintf(why, len, "%s must be UTF-8 text of at most %zu bytes (got %zu)",
                     limits[i].name, limits[i].max, f->len);
            return -EINVAL;
        }
        if (fault != WIRE_TEXT_OK) {
            /* The wording of the edge check (wire_check_fields), which
             * names the field by its path on the wire. */
            snprintf(why, len, "%s %s", limits[i].name, wire_text_fault_message(fault, at));
            return -EINVAL;
        }
    }
    return 0;
}
