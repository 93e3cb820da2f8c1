/*
 * ladder_print.c - prints the escalation ladder's next rung as the router
 * computes it (lib/ladder.c), for tests/system/test_parity.py to compare
 * with the SQL twin ld_next_rung (deploy/schema/011_one_rule.sql).
 *
 * Usage: ladder_print REGISTRY.json
 * One line per (body, unit): BODY TAB UNIT TAB NEXT, for every body of the
 * registry and every unit, plus UNIT "" (compound unknown); NEXT is "" when
 * there is no rung above.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ladder.h"
#include "registry.h"

static const char *id_of(const registry_t *r, int b)
{
    return b >= 0 ? registry_body(r, (size_t)b)->id : "";
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s REGISTRY.json\n", argv[0]);
        return 2;
    }
    registry_t *r = NULL;
    char *problems = NULL;
    if (registry_load_file(argv[1], &r, &problems) < 0) {
        fprintf(stderr, "%s: %s\n", argv[1], problems ? problems : "cannot load");
        free(problems);
        return 1;
    }
    for (size_t b = 0; b < registry_body_count(r); b++) {
        const char *body = registry_body(r, b)->id;
        printf("%s\t\t%s\n", body, id_of(r, ladder_next(r, (int32_t)b, -1)));
        for (size_t u = 0; u < registry_unit_count(r); u++)
            printf("%s\t%s\t%s\n", body, registry_unit(r, u)->code,
                   id_of(r, ladder_next(r, (int32_t)b, (int32_t)u)));
    }
    registry_destroy(&r);
    return 0;
}
