/*
 * demand_check.h - the one check of a demand's fields, shared by the
 * service's intake (intake.c) and dry-run (dryrun.c), so that dry-run
 * refuses exactly what the service refuses, with the same messages
 * (issue 12).
 *
 * Fields come with their lengths: a JSON string may hold "\u0000", and a
 * NUL must be refused, not read as the end of the text.
 */
#ifndef LIANDONG_DEMAND_CHECK_H
#define LIANDONG_DEMAND_CHECK_H

#include <stddef.h>

/* A field of the demand: s == NULL means absent (the same as empty). */
typedef struct {
    const char *s;
    size_t len;
} demand_field_t;

typedef struct {
    demand_field_t channel, channel_id, text, address, compound, resident_name, resident_phone;
} demand_fields_t;

/* Dry-run places lines without a channel or its ticket id. */
#define DEMAND_CHECK_NO_CHANNEL_ID 1u

/* The field from a C string (NULL stays absent). */
demand_field_t demand_field(const char *s);

/* Returns 0 when the demand's fields are acceptable, else -EINVAL with what
 * is wrong in `why` ("text is empty", "address: a NUL byte at byte 7 ..."). */
int demand_check(const demand_fields_t *d, unsigned flags, char *why, size_t len);

#endif
