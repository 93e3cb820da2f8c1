/*
 * registry.h - the registry of units (city > district > street > community >
 * compound) and bodies, in the format of tests/fixtures/routing/registry.json.
 *
 * A registry is parsed and validated once, then read-only: the router swaps
 * in a new one atomically when the ledger has a newer version, and the
 * ledger uses the same parser to validate an import before storing it.
 */
#ifndef LIANDONG_REGISTRY_H
#define LIANDONG_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain.h"

typedef struct {
    char *code;
    tier_t kind;
    char *name;
    char *parent_code; /* NULL for the city */
    int32_t parent;    /* index into units, -1 for the root */
    char **aliases;
    size_t n_aliases;
    bool urban_village;
    /* Optional "lat" and "long" (WGS84 degrees, both or neither): where a
     * compound is, so that a demand with only a position can be located
     * (issue 13; services/router/position.c). */
    bool has_position;
    double lat, lon;
} reg_unit_t;

typedef struct {
    char *id;
    body_kind_t kind;
    char *name;
    int32_t *units; /* indexes into units */
    size_t n_units;
} reg_body_t;

typedef struct registry registry_t;

/* Parse and validate. On success returns 0 and *out. On a bad registry
 * returns -EINVAL and, when `problems` is not NULL, a malloc'd text with one
 * line per problem, each naming the unit code or body id. The caller frees
 * *problems. */
int registry_parse(const char *json, size_t len, registry_t **out, char **problems);
int registry_load_file(const char *path, registry_t **out, char **problems);
void registry_destroy(registry_t **r);

size_t registry_unit_count(const registry_t *r);
size_t registry_body_count(const registry_t *r);
const reg_unit_t *registry_unit(const registry_t *r, size_t i);
const reg_body_t *registry_body(const registry_t *r, size_t i);

/* Index of a unit by code / body by id, or -ENOENT. */
int registry_unit_find(const registry_t *r, const char *code, size_t len);
int registry_body_find(const registry_t *r, const char *id, size_t len);

/* The unit's ancestor (or itself) at `tier`, or -ENOENT. */
int registry_ancestor(const registry_t *r, size_t unit, tier_t tier);

/* The body of kind `k` registered on exactly unit `unit`, or -ENOENT.
 * For compound-tier kinds this is the body serving that compound. */
int registry_body_on_unit(const registry_t *r, size_t unit, body_kind_t k);

#endif
