/*
 * fuzz_registry.c - libFuzzer target for the registry loader: any bytes are
 * either a valid registry or refused with a list of problems.
 */
#include <stdint.h>
#include <stdlib.h>

#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    registry_t *r = NULL;
    char *problems = NULL;
    if (registry_parse((const char *)data, size, &r, &problems) == 0) {
        for (size_t i = 0; i < registry_unit_count(r); i++)
            (void)registry_ancestor(r, i, TIER_STREET);
        registry_destroy(&r);
    }
    free(problems);
    return 0;
}
