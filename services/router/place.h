/*
 * place.h - choose the body for a located, classified demand, its copies,
 * urgency and deadlines (ROUTING.md sections 4, 5.4-5.6 and 6), and the
 * escalation ladder (section 7).
 *
 * The chains and deadline overrides are the specification's tables, kept
 * as static tables in place.c (each row cites its ROUTING.md line).
 */
#ifndef LIANDONG_PLACE_H
#define LIANDONG_PLACE_H

#include <stddef.h>
#include <stdint.h>

#include "domain.h"
#include "policy.h"
#include "registry.h"

#define PLACE_MAX_CHAIN 4
#define PLACE_MAX_CC 2

typedef enum {
    ROUTE_CHAIN = 0,         /* a body of the category's chain */
    ROUTE_UNLOCATED,         /* no compound: dispatch centre (5.6) */
    ROUTE_UNCLASSIFIED,      /* category unclassified: dispatch centre (5.6) */
    ROUTE_NO_BODY,           /* chain found no body: dispatch centre */
    ROUTE_NO_DISPATCH_CENTER /* and the registry has no dispatch centre */
} place_route_t;

typedef struct {
    category_t category;
    urgency_t urgency; /* URG_NORMAL or URG_EMERGENCY */
    int32_t compound;  /* unit index or -1 */
    int32_t body;      /* body index; -1 only with ROUTE_NO_DISPATCH_CENTER */
    body_kind_t body_kind;
    tier_t tier; /* tier of the chosen body */
    int32_t cc[PLACE_MAX_CC];
    size_t n_cc;
    int reply_due_hours; /* natural limits: the limit; working ones: hours to the due time */
    int resolve_due_hours;
    /* Set by router_core_place() from the policy (place_decide() leaves the
     * section 6 hours and zeros here): the moment the clocks start, the due
     * moments, the clock of each and CALENDAR_UNCOVERED. */
    int64_t placed_at_ms;
    int64_t reply_due_ms, resolve_due_ms;
    policy_clock_t reply_clock, resolve_clock;
    unsigned deadline_flags;
    place_route_t route;
    int chain_step; /* index of body_kind in the chain; -1 for the dispatch centre */
    /* kinds of the chain tried, in order, and whether each was found */
    body_kind_t tried[PLACE_MAX_CHAIN];
    size_t n_tried;
} placement_t;

const char *place_route_name(place_route_t r);

/* The chain of category c (ROUTING.md section 4); *n gets its length. */
const body_kind_t *place_chain(category_t c, size_t *n);

/* Deadlines in hours for a category and final urgency (section 6). */
void place_deadlines(category_t c, urgency_t u, int *reply_hours, int *resolve_hours);

/* The body of kind k for a compound: compound-tier kinds serve the
 * compound; other kinds are registered on its community, street, district
 * or city. Returns the body index or -ENOENT. */
int place_body_for(const registry_t *r, int32_t compound, body_kind_t k);

/* The dispatch centre of the compound's city; without a compound (or when
 * that city has none) the first dispatch centre of the registry. Returns
 * the body index or -ENOENT. */
int place_dispatch_center(const registry_t *r, int32_t compound);

/* Place a demand. `compound` is a compound unit index or -1; `urgency` the
 * final urgency (urgency_decide() in urgency.h). Returns 0 (also when routed to the
 * dispatch centre) or -EINVAL. */
int place_decide(const registry_t *r, int32_t compound, category_t c, urgency_t urgency,
                 placement_t *out);

/* Escalation (section 7): the next rung above `body` for a case about
 * `compound` (-1 when unknown: the body's first unit is used instead); one rule
 * with the ledger's SQL, see lib/ladder.h.
 * compound body -> community_committee -> street_office -> district_office
 * -> city_office; street bodies -> district_office; district departments ->
 * district_office; district_office -> city_office; dispatch_center ->
 * city_office. A rung missing from the registry is skipped. Returns the
 * body index, or -ENOENT at the top (city_office) or when nothing is above. */
int place_escalate(const registry_t *r, int32_t body, int32_t compound);

#endif
