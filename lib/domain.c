/*
 * domain.c - name tables for the enums of domain.h (ROUTING.md sections 2-4).
 */
#include "domain.h"

#include <errno.h>
#include <string.h>

static const char *const tier_names[TIER_COUNT] = {"compound", "community", "street", "district",
                                                   "city"};

static const char *const body_kind_names[BODY_KIND_COUNT] = {
    "property_company",   "owners_committee",    "self_management_committee",
    "party_branch",       "community_committee", "street_office",
    "street_enforcement", "housing_bureau",      "public_security",
    "urban_management",   "education_bureau",    "planning_bureau",
    "fire_rescue",        "environment_bureau",  "utility",
    "district_office",    "dispatch_center",     "city_office"};

static const tier_t body_kind_tiers[BODY_KIND_COUNT] = {
    TIER_COMPOUND, TIER_COMPOUND, TIER_COMPOUND, TIER_COMPOUND, TIER_COMMUNITY, TIER_STREET,
    TIER_STREET,   TIER_DISTRICT, TIER_DISTRICT, TIER_DISTRICT, TIER_DISTRICT,  TIER_DISTRICT,
    TIER_DISTRICT, TIER_DISTRICT, TIER_DISTRICT, TIER_DISTRICT, TIER_CITY,      TIER_CITY};

static const char *const category_names[CAT_COUNT] = {"facility_repair",
                                                      "elevator",
                                                      "sanitation",
                                                      "parking",
                                                      "property_service_complaint",
                                                      "maintenance_fund",
                                                      "neighbor_dispute",
                                                      "committee_affairs",
                                                      "property_transition",
                                                      "illegal_construction",
                                                      "business_nuisance",
                                                      "building_quality",
                                                      "planning",
                                                      "school_places",
                                                      "public_security",
                                                      "fire_safety",
                                                      "pollution",
                                                      "utilities",
                                                      "municipal_facilities",
                                                      "social_assistance",
                                                      "consultation",
                                                      "unclassified"};

static const char *const urgency_names[3] = {"", "normal", "emergency"};

static const char *const channel_names[CHANNEL_COUNT] = {"hotline", "wechat", "petition",
                                                         "mailbox", "grid",   "property"};

static int lookup(const char *const *names, int n, const char *s, size_t len)
{
    if (s == NULL)
        return -EINVAL;
    for (int i = 0; i < n; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            return i;
    }
    return -EINVAL;
}

static const char *name_at(const char *const *names, int n, int i)
{
    return (i >= 0 && i < n) ? names[i] : "?";
}

const char *tier_name(tier_t t)
{
    return name_at(tier_names, TIER_COUNT, (int)t);
}
const char *body_kind_name(body_kind_t k)
{
    return name_at(body_kind_names, BODY_KIND_COUNT, (int)k);
}
const char *category_name(category_t c)
{
    return name_at(category_names, CAT_COUNT, (int)c);
}
const char *urgency_name(urgency_t u)
{
    return name_at(urgency_names, 3, (int)u);
}
const char *channel_name(channel_t c)
{
    return name_at(channel_names, CHANNEL_COUNT, (int)c);
}

int tier_from_name(const char *s, size_t len)
{
    return lookup(tier_names, TIER_COUNT, s, len);
}
int body_kind_from_name(const char *s, size_t len)
{
    return lookup(body_kind_names, BODY_KIND_COUNT, s, len);
}
int category_from_name(const char *s, size_t len)
{
    return lookup(category_names, CAT_COUNT, s, len);
}
int urgency_from_name(const char *s, size_t len)
{
    int u = lookup(urgency_names + 1, 2, s, len);
    return u < 0 ? u : u + 1;
}
int channel_from_name(const char *s, size_t len)
{
    return lookup(channel_names, CHANNEL_COUNT, s, len);
}

tier_t body_kind_tier(body_kind_t k)
{
    return (k >= 0 && k < BODY_KIND_COUNT) ? body_kind_tiers[k] : TIER_CITY;
}
