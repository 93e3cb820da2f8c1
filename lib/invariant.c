/*
 * invariant.c - what a failed ASSERT does (see invariant.h).
 */
#include "invariant.h"

#include <stdio.h>
#include <stdlib.h>

_Noreturn void invariant_failed(const char *cond, const char *file, int line, const char *func)
{
    /* Plain stdio, no allocation: the process is in a state it does not
     * understand, so it says where and stops. */
    fprintf(stderr, "liandong: invariant failed: %s (%s:%d, %s)\n", cond, file, line, func);
    fflush(stderr);
    abort();
}
