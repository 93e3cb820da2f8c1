/*
 * ladder.h - the escalation ladder of ROUTING.md section 7, written once.
 *
 *   compound body (property company, owners' or self-management committee,
 *   party branch) -> community_committee -> street_office ->
 *   district_office -> city_office;
 *   street bodies and district departments -> district_office;
 *   district_office and dispatch_center -> city_office.
 *
 * A rung the registry lacks on the case's path is skipped: the case goes to
 * the next rung that exists. The router escalates with ladder_next(); the
 * ledger names the same target in alerts with the SQL function
 * ld_next_rung() (deploy/schema/011_one_rule.sql), a copy of this rule in
 * SQL that tests/system/test_parity.py checks against this one on every
 * body and unit of every test registry. Change both or the test fails.
 */
#ifndef LIANDONG_LADDER_H
#define LIANDONG_LADDER_H

#include <stddef.h>
#include <stdint.h>

#include "domain.h"
#include "registry.h"

/* Rungs of the ladder, lowest first. */
#define LADDER_RUNGS 4

/* The kind of rung i (0 <= i < LADDER_RUNGS), or -EINVAL. */
int ladder_rung(size_t i);

/* The first rung a body of kind k may escalate to (0..LADDER_RUNGS;
 * LADDER_RUNGS: none, the top). */
size_t ladder_first_rung(body_kind_t k);

/* The body a case held by `body` (a body index) about `unit` (a unit index,
 * normally the case's compound; -1 when unknown: the body's first listed
 * unit stands in) escalates to: the first body, in registry order, of the
 * first rung at or above ladder_first_rung() that serves the unit of that
 * rung's tier on the unit's path. Returns the body index, or -ENOENT when
 * there is none (the top, a body outside the registry, no rung above). */
int ladder_next(const registry_t *r, int32_t body, int32_t unit);

#endif
