/*
 * credit.c - whose figures an answer counts for (see credit.h).
 */
#include "credit.h"

#include "case_state.h"
#include "identity.h"

answer_credit_t answer_credit(const char *user, unsigned roles, const char *holder,
                              const char *dispatch_body)
{
    answer_credit_t c = {holder, 1, 0};
    /* Why the key and not only the actor: an operator's key may name the
     * body as the actor (the CLI's --body); the figures must still see the
     * operator, or anyone at the dispatch centre could fill a body's reply
     * rate for it. */
    if ((roles & CASE_ROLE_HOLDER) != 0 && identity_role(user, NULL) != ROLE_OPERATOR)
        return c;
    c.body = dispatch_body ? dispatch_body : "";
    c.units = 0;
    c.on_behalf = 1;
    return c;
}
