/*
 * registry_cover.c - every compound has a responsible body (see
 * registry_cover.h).
 */
#include "registry_cover.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Appends a line to why, as far as it fits. */
static void add_problem(char *why, size_t len, size_t *used, const char *line)
{
    if (*used >= len)
        return;
    int n = snprintf(why + *used, len - *used, "%s%s", *used ? "\n" : "", line);
    if (n > 0)
        *used = (size_t)n + *used < len ? *used + (size_t)n : len;
}

static int covered(const registry_t *r, size_t compound)
{
    int community = registry_ancestor(r, compound, TIER_COMMUNITY);
    if (community >= 0 &&
        registry_body_on_unit(r, (size_t)community, BODY_COMMUNITY_COMMITTEE) >= 0)
        return 1;
    int street = registry_ancestor(r, compound, TIER_STREET);
    return street >= 0 && registry_body_on_unit(r, (size_t)street, BODY_STREET_OFFICE) >= 0;
}

int registry_check_cover(const registry_t *r, char *why, size_t len)
{
    size_t used = 0, compounds = 0, bad = 0;
    char line[200];
    if (len > 0)
        why[0] = '\0';
    for (size_t i = 0; i < registry_unit_count(r); i++) {
        const reg_unit_t *u = registry_unit(r, i);
        if (u->kind != TIER_COMPOUND)
            continue;
        compounds++;
        if (!covered(r, i)) {
            if (bad++ < 10) {
                snprintf(line, sizeof line,
                         "compound %.64s has no community committee on its community and no "
                         "street office on its street: nobody would answer for it",
                         u->code);
                add_problem(why, len, &used, line);
            }
        }
    }
    if (compounds == 0)
        add_problem(why, len, &used, "the registry has no compound: it would empty the registry");
    if (bad > 10) {
        snprintf(line, sizeof line, "... and %zu more compounds without a responsible body",
                 bad - 10);
        add_problem(why, len, &used, line);
    }
    return compounds == 0 || bad > 0 ? -EINVAL : 0;
}
