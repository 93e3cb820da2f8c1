/*
 * fuzz_dryrun.c - libFuzzer target for the dry-run JSON-lines reader and,
 * through it, the normaliser, locator and classifier: any input lines give
 * one output line each (a decision or an error), never a crash. The sample
 * registry and the lexicons are loaded once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "dryrun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static registry_t *reg;
static router_core_t *core;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (core == NULL) {
        char *problems = NULL;
        char err[256];
        const char *path = getenv("LIANDONG_FUZZ_REGISTRY");
        if (registry_load_file(path ? path : "deploy/registry/sample.json", &reg, &problems) < 0 ||
            router_core_create(reg, "deploy/lexicon", &core, err, sizeof err) < 0)
            abort(); /* run from the repository root */
    }
    FILE *in = fmemopen((void *)data, size, "r");
    if (in == NULL)
        return 0;
    FILE *out = fopen("/dev/null", "w");
    if (out != NULL) {
        (void)dryrun_stream(core, in, out);
        fclose(out);
    }
    fclose(in);
    return 0;
}
