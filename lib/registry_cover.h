/*
 * registry_cover.h - whether a registry leaves anyone without a body to
 * answer them (issue 11): the ledger refuses an import that would.
 *
 * A registry is "covered" when
 *   - it has at least one compound (an empty registry would refuse every
 *     demand),
 *   - every compound has a responsible body above its own: the community
 *     committee of its community or, where the community has none, the
 *     street office of its street. Those are the rungs every compound
 *     body's case escalates to (section 7), and the community committee is
 *     the last kind of every compound-tier chain (section 4): a compound
 *     with neither has nobody local to answer for it.
 * A registry without a dispatch centre stays importable: issue 10 made the
 * ledger and the router refuse a return to nobody instead (docs/routing.md).
 * docs/roles.md says the same for administrators.
 */
#ifndef LIANDONG_REGISTRY_COVER_H
#define LIANDONG_REGISTRY_COVER_H

#include <stddef.h>

#include "registry.h"

/* 0 when covered; else -EINVAL and the first problems, one per line
 * (naming the compound), in why. */
int registry_check_cover(const registry_t *r, char *why, size_t len);

#endif
