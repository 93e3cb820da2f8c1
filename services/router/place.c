/*
 * place.c - body choice, copies, urgency, deadlines and escalation
 * (see place.h). The tables below are ROUTING.md's, verbatim.
 */
#include "place.h"

#include <errno.h>
#include <string.h>

#include "ladder.h"
#include "policy.h"

#define PC BODY_PROPERTY_COMPANY
#define OC BODY_OWNERS_COMMITTEE
#define SMC BODY_SELF_MANAGEMENT_COMMITTEE
#define PB BODY_PARTY_BRANCH
#define RC BODY_COMMUNITY_COMMITTEE

typedef struct {
    body_kind_t kinds[PLACE_MAX_CHAIN];
    size_t n;
} chain_t;

/* ROUTING.md section 4, column "chain". */
static const chain_t chains[CAT_COUNT] = {
    [CAT_FACILITY_REPAIR] = {{PC, SMC, RC}, 3},
    [CAT_ELEVATOR] = {{PC, SMC, RC}, 3},
    [CAT_SANITATION] = {{PC, SMC, RC}, 3},
    [CAT_PARKING] = {{PC, SMC, RC}, 3},
    [CAT_PROPERTY_SERVICE_COMPLAINT] = {{OC, SMC, RC}, 3},
    [CAT_MAINTENANCE_FUND] = {{OC, SMC, RC}, 3},
    [CAT_NEIGHBOR_DISPUTE] = {{PB, RC}, 2},
    [CAT_COMMITTEE_AFFAIRS] = {{BODY_STREET_OFFICE}, 1},
    [CAT_PROPERTY_TRANSITION] = {{BODY_STREET_OFFICE}, 1},
    [CAT_ILLEGAL_CONSTRUCTION] = {{BODY_STREET_ENFORCEMENT}, 1},
    [CAT_BUSINESS_NUISANCE] = {{BODY_STREET_ENFORCEMENT}, 1},
    [CAT_BUILDING_QUALITY] = {{BODY_HOUSING_BUREAU}, 1},
    [CAT_PLANNING] = {{BODY_PLANNING_BUREAU}, 1},
    [CAT_SCHOOL_PLACES] = {{BODY_EDUCATION_BUREAU}, 1},
    [CAT_PUBLIC_SECURITY] = {{BODY_PUBLIC_SECURITY}, 1},
    [CAT_FIRE_SAFETY] = {{BODY_FIRE_RESCUE}, 1},
    [CAT_POLLUTION] = {{BODY_ENVIRONMENT_BUREAU}, 1},
    [CAT_UTILITIES] = {{BODY_UTILITY}, 1},
    [CAT_MUNICIPAL_FACILITIES] = {{BODY_URBAN_MANAGEMENT}, 1},
    [CAT_SOCIAL_ASSISTANCE] = {{RC}, 1},
    [CAT_CONSULTATION] = {{RC}, 1},
    [CAT_UNCLASSIFIED] = {{BODY_DISPATCH_CENTER}, 1},
};

const char *place_route_name(place_route_t r)
{
    switch (r) {
    case ROUTE_CHAIN:
        return "chain";
    case ROUTE_UNLOCATED:
        return "unlocated";
    case ROUTE_UNCLASSIFIED:
        return "unclassified";
    case ROUTE_NO_BODY:
        return "no_body";
    case ROUTE_NO_DISPATCH_CENTER:
        return "no_dispatch_center";
    }
    return "?";
}

const body_kind_t *place_chain(category_t c, size_t *n)
{
    if ((int)c < 0 || c >= CAT_COUNT)
        c = CAT_UNCLASSIFIED;
    if (n != NULL)
        *n = chains[c].n;
    return chains[c].kinds;
}

void place_deadlines(category_t c, urgency_t u, int *reply_hours, int *resolve_hours)
{
    /* The table is written once, as the built-in policy (lib/policy.c). */
    policy_limits_t l;
    (void)policy_limits(policy_builtin(), c, u, BODY_KIND_COUNT, NULL, &l);
    if (reply_hours != NULL)
        *reply_hours = l.reply.amount;
    if (resolve_hours != NULL)
        *resolve_hours = l.resolve.amount;
}

static bool is_compound(const registry_t *r, int32_t u)
{
    const reg_unit_t *ru = u >= 0 ? registry_unit(r, (size_t)u) : NULL;
    return ru != NULL && ru->kind == TIER_COMPOUND;
}

int place_body_for(const registry_t *r, int32_t compound, body_kind_t k)
{
    if (r == NULL || compound < 0 || (int)k < 0 || k >= BODY_KIND_COUNT)
        return -ENOENT;
    int unit = registry_ancestor(r, (size_t)compound, body_kind_tier(k));
    if (unit < 0)
        return -ENOENT;
    return registry_body_on_unit(r, (size_t)unit, k);
}

int place_dispatch_center(const registry_t *r, int32_t compound)
{
    if (r == NULL)
        return -EINVAL;
    int b = place_body_for(r, compound, BODY_DISPATCH_CENTER);
    if (b >= 0)
        return b;
    for (size_t i = 0; i < registry_body_count(r); i++)
        if (registry_body(r, i)->kind == BODY_DISPATCH_CENTER && registry_body(r, i)->n_units > 0)
            return (int)i;
    return -ENOENT;
}

static void choose(const registry_t *r, placement_t *out, int body)
{
    out->body = body;
    out->body_kind = registry_body(r, (size_t)body)->kind;
    out->tier = body_kind_tier(out->body_kind);
}

static void to_dispatch(const registry_t *r, placement_t *out, place_route_t why)
{
    out->chain_step = -1;
    out->route = why;
    int b = place_dispatch_center(r, out->compound);
    if (b >= 0) {
        choose(r, out, b);
    } else {
        out->route = ROUTE_NO_DISPATCH_CENTER;
        out->body = -1;
        out->body_kind = BODY_DISPATCH_CENTER;
        out->tier = TIER_CITY;
    }
}

int place_decide(const registry_t *r, int32_t compound, category_t c, urgency_t urgency,
                 placement_t *out)
{
    if (out == NULL)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->body = -1;
    out->chain_step = -1;
    if (r == NULL)
        return -EINVAL;
    if ((int)c < 0 || c >= CAT_COUNT)
        c = CAT_UNCLASSIFIED;
    out->category = c;
    out->urgency = urgency == URG_EMERGENCY ? URG_EMERGENCY : URG_NORMAL;
    out->compound = is_compound(r, compound) ? compound : -1;
    place_deadlines(c, out->urgency, &out->reply_due_hours, &out->resolve_due_hours);

    if (c == CAT_UNCLASSIFIED) {
        to_dispatch(r, out, ROUTE_UNCLASSIFIED);
        return 0;
    }
    if (out->compound < 0) {
        to_dispatch(r, out, ROUTE_UNLOCATED);
        return 0;
    }
    size_t n;
    const body_kind_t *chain = place_chain(c, &n);
    for (size_t i = 0; i < n; i++) {
        out->tried[out->n_tried++] = chain[i];
        int b = place_body_for(r, out->compound, chain[i]);
        if (b < 0)
            continue;
        choose(r, out, b);
        out->route = ROUTE_CHAIN;
        out->chain_step = (int)i;
        if (chain[i] == PC || chain[i] == OC || chain[i] == SMC) {
            int pb = place_body_for(r, out->compound, PB);
            if (pb >= 0)
                out->cc[out->n_cc++] = pb;
        }
        return 0;
    }
    to_dispatch(r, out, ROUTE_NO_BODY);
    return 0;
}

/* The ladder is one rule shared with the ledger's SQL (lib/ladder.h). */
int place_escalate(const registry_t *r, int32_t body, int32_t compound)
{
    return ladder_next(r, body, compound);
}
