/*
 * ladder.c - the escalation ladder (see ladder.h).
 */
#include "ladder.h"

#include <errno.h>

static const body_kind_t rungs[LADDER_RUNGS] = {BODY_COMMUNITY_COMMITTEE, BODY_STREET_OFFICE,
                                                BODY_DISTRICT_OFFICE, BODY_CITY_OFFICE};

int ladder_rung(size_t i)
{
    return i < LADDER_RUNGS ? (int)rungs[i] : -EINVAL;
}

size_t ladder_first_rung(body_kind_t k)
{
    switch (k) {
    case BODY_PROPERTY_COMPANY:
    case BODY_OWNERS_COMMITTEE:
    case BODY_SELF_MANAGEMENT_COMMITTEE:
    case BODY_PARTY_BRANCH:
        return 0;
    case BODY_COMMUNITY_COMMITTEE:
        return 1;
    case BODY_DISTRICT_OFFICE:
    case BODY_DISPATCH_CENTER:
        return 3;
    case BODY_CITY_OFFICE:
        return LADDER_RUNGS;
    default: /* street bodies and district departments */
        return 2;
    }
}

int ladder_next(const registry_t *r, int32_t body, int32_t unit)
{
    const reg_body_t *b = (r != NULL && body >= 0) ? registry_body(r, (size_t)body) : NULL;
    if (b == NULL)
        return -ENOENT;
    int32_t anchor = unit;
    if (anchor < 0 || registry_unit(r, (size_t)anchor) == NULL)
        anchor = b->n_units > 0 ? b->units[0] : -1;
    if (anchor < 0)
        return -ENOENT;
    for (size_t i = ladder_first_rung(b->kind); i < LADDER_RUNGS; i++) {
        int at = registry_ancestor(r, (size_t)anchor, body_kind_tier(rungs[i]));
        if (at < 0)
            continue; /* no unit of that tier above: skip the rung */
        int next = registry_body_on_unit(r, (size_t)at, rungs[i]);
        if (next >= 0 && next != body)
            return next;
    }
    return -ENOENT;
}
