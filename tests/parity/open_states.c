/*
 * open_states.c - prints every case state with whether the ledger's C code
 * counts it open ("received open", "resolved closed"), one per line, for
 * tests/system/test_parity.py to compare with SQL (ld_open_states,
 * ld_is_open, the partial indexes).
 *
 * Kept tiny on purpose: when the C definition moves, repoint the include
 * and the three names below (the state count, the name, the predicate).
 */
#include <stdio.h>

#include "case_state.h"

int main(void)
{
    for (int s = 0; s < (int)CS_COUNT; s++)
        printf("%s %s\n", case_state_name((case_state_t)s),
               case_state_is_open((case_state_t)s) ? "open" : "closed");
    return 0;
}
