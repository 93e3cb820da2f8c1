/*
 * field_limits.h - the size limits of what Liandong accepts and stores, in bytes
 * of UTF-8, written once for every service.
 *
 * The router checks a demand against these before it places it, so that a
 * demand the ledger would refuse is refused at the door with a clear
 * message, not after placement (issue 10); the ledger checks the same
 * numbers before it stores anything.
 *
 * Not named limits.h: lib/ is on the include path, and <limits.h> must
 * stay the C library's.
 */
#ifndef LIANDONG_FIELD_LIMITS_H
#define LIANDONG_FIELD_LIMITS_H

/* Identifiers: case ids, body ids, unit and compound codes, channel
 * tickets, actors. */
#define LIMIT_ID_MAX 128
/* A demand's compound code as the front-end names it (a unit code). */
#define LIMIT_COMPOUND_MAX LIMIT_ID_MAX
/* A channel's own ticket id. */
#define LIMIT_CHANNEL_ID_MAX LIMIT_ID_MAX
/* The resident's name and phone. */
#define LIMIT_NAME_MAX 256
#define LIMIT_PHONE_MAX 64
/* The address as a front-end gives it. */
#define LIMIT_ADDRESS_MAX 512
/* A text from outside: a demand, a reply, a reason, an escalation note.
 * 4,096 characters of Chinese (three bytes each in UTF-8): Open311 clients
 * send descriptions of up to 4,000 characters (issue 13). */
#define LIMIT_TEXT_MAX 12288
/* A text the ledger stores, which may carry what the services add (the
 * placement's explanation, a return's reason before its text). */
#define LIMIT_STORED_TEXT_MAX (16 * 1024)
/* Registry vocabulary: tier and body kind names. */
#define LIMIT_TIER_MAX 32
#define LIMIT_KIND_MAX 64

/* A placement's reply and resolution hours: a year (ROUTING.md section 6
 * gives at most 15 days; escalation may set others). */
#define LIMIT_DUE_HOURS_MAX (24 * 366)

/* Registry files (lib/registry.c): a unit's or body's name and an alias;
 * how many aliases a unit has, units a body serves, units and bodies in
 * all, and the file's size. Big enough for a city of 100,000 compounds
 * (32 MB of JSON, tests/bench/gen_registry.py), small enough that no file
 * can make a service spend seconds or gigabytes on it (issue 12: a
 * 10-million-character name took 9.3 s and 1.8 GB). */
#define LIMIT_REGISTRY_NAME_MAX 256
#define LIMIT_REGISTRY_ALIASES_MAX 64
#define LIMIT_REGISTRY_BODY_UNITS_MAX 100000
#define LIMIT_REGISTRY_UNITS_MAX 1000000
#define LIMIT_REGISTRY_BODIES_MAX 1000000
#define LIMIT_REGISTRY_BYTES_MAX (64 * 1024 * 1024)

/* Times on the wire (every int64 field named *_ms): milliseconds since
 * 1970-01-01 UTC, 0 meaning "not given". Anything outside [0, 2100-01-01)
 * is refused where it enters (lib/wire.c), so that no value PostgreSQL or
 * the date arithmetic of the figures would reject ever reaches them
 * (issue 12: received_at_ms = INT64_MAX failed a whole batch). */
#define LIMIT_TIME_MIN_MS 0LL
#define LIMIT_TIME_MAX_MS 4102444800000LL /* 2100-01-01T00:00:00Z, exclusive */

#endif
