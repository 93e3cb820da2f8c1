/*
 * domain.h - the vocabulary of ROUTING.md as C enums: tiers, body kinds,
 * categories, urgency and channels, with their wire/registry spellings.
 *
 * Every other module speaks these enums; strings only appear at the edges
 * (JSON, protobuf, SQL), converted with the *_from_name / *_name pairs.
 * The order of each enum is the order of the table in ROUTING.md.
 */
#ifndef LIANDONG_DOMAIN_H
#define LIANDONG_DOMAIN_H

#include <stddef.h>

typedef enum {
    TIER_COMPOUND = 0,
    TIER_COMMUNITY,
    TIER_STREET,
    TIER_DISTRICT,
    TIER_CITY,
    TIER_COUNT
} tier_t;

typedef enum {
    BODY_PROPERTY_COMPANY = 0,
    BODY_OWNERS_COMMITTEE,
    BODY_SELF_MANAGEMENT_COMMITTEE,
    BODY_PARTY_BRANCH,
    BODY_COMMUNITY_COMMITTEE,
    BODY_STREET_OFFICE,
    BODY_STREET_ENFORCEMENT,
    BODY_HOUSING_BUREAU,
    BODY_PUBLIC_SECURITY,
    BODY_URBAN_MANAGEMENT,
    BODY_EDUCATION_BUREAU,
    BODY_PLANNING_BUREAU,
    BODY_FIRE_RESCUE,
    BODY_ENVIRONMENT_BUREAU,
    BODY_UTILITY,
    BODY_DISTRICT_OFFICE,
    BODY_DISPATCH_CENTER,
    BODY_CITY_OFFICE,
    BODY_KIND_COUNT
} body_kind_t;

typedef enum {
    CAT_FACILITY_REPAIR = 0,
    CAT_ELEVATOR,
    CAT_SANITATION,
    CAT_PARKING,
    CAT_PROPERTY_SERVICE_COMPLAINT,
    CAT_MAINTENANCE_FUND,
    CAT_NEIGHBOR_DISPUTE,
    CAT_COMMITTEE_AFFAIRS,
    CAT_PROPERTY_TRANSITION,
    CAT_ILLEGAL_CONSTRUCTION,
    CAT_BUSINESS_NUISANCE,
    CAT_BUILDING_QUALITY,
    CAT_PLANNING,
    CAT_SCHOOL_PLACES,
    CAT_PUBLIC_SECURITY,
    CAT_FIRE_SAFETY,
    CAT_POLLUTION,
    CAT_UTILITIES,
    CAT_MUNICIPAL_FACILITIES,
    CAT_SOCIAL_ASSISTANCE,
    CAT_CONSULTATION,
    CAT_UNCLASSIFIED,
    CAT_COUNT
} category_t;

typedef enum { URG_UNSET = 0, URG_NORMAL, URG_EMERGENCY } urgency_t;

typedef enum {
    CHANNEL_HOTLINE = 0,
    CHANNEL_WECHAT,
    CHANNEL_PETITION,
    CHANNEL_MAILBOX,
    CHANNEL_GRID,
    CHANNEL_PROPERTY,
    CHANNEL_COUNT
} channel_t;

/* Names as written in registry.json, the wire and the database. */
const char *tier_name(tier_t t);
const char *body_kind_name(body_kind_t k);
const char *category_name(category_t c);
const char *urgency_name(urgency_t u);
const char *channel_name(channel_t c);

/* Return the enum value, or a negative error (-EINVAL) for an unknown name.
 * `len` is the name's length in bytes (names need not be NUL-terminated). */
int tier_from_name(const char *s, size_t len);
int body_kind_from_name(const char *s, size_t len);
int category_from_name(const char *s, size_t len);
int urgency_from_name(const char *s, size_t len);
int channel_from_name(const char *s, size_t len);

/* The tier a body kind acts at (ROUTING.md section 3). */
tier_t body_kind_tier(body_kind_t k);

#endif
