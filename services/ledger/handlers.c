/*
 * handlers.c - the table of the ledger's request handlers and the
 * prepared statements assembled from it (see handler.h).
 */
#include "handler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "log.h"

#define LEDGER_HANDLER_ENTRY(n) &ledger_req_##n,
static const ledger_handler_t *const table[] = {LEDGER_REQUESTS(LEDGER_HANDLER_ENTRY)};
#undef LEDGER_HANDLER_ENTRY
#define NHANDLERS (sizeof table / sizeof table[0])

const ledger_handler_t *const *ledger_handlers(size_t *n)
{
    *n = NHANDLERS;
    return table;
}

const ledger_handler_t *ledger_handler_for(Liandong__V1__Envelope__BodyCase body)
{
    for (size_t i = 0; i < NHANDLERS; i++)
        if (table[i]->body == body)
            return table[i];
    return NULL;
}

int ledger_decide_nothing(ledger_job_t *j, ledger_case_t *c, const char *dispatch_body)
{
    (void)j;
    (void)c;
    (void)dispatch_body;
    return 0;
}

/* Statement names must be unique over the executor and every handler:
 * libpq would refuse the second PREPARE, and a handler could run
 * another's SQL. */
static int names_unique(const db_stmt_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n; k++)
            if (strcmp(s[i].name, s[k].name) == 0) {
                log_error(NULL, "prepared statement %s is defined twice", s[i].name);
                return 0;
            }
    return 1;
}

int ledger_handlers_check(void)
{
    for (size_t i = 0; i < NHANDLERS; i++) {
        const ledger_handler_t *h = table[i];
        if (h->name == NULL || h->body == LIANDONG__V1__ENVELOPE__BODY__NOT_SET ||
            h->validate == NULL || h->decide == NULL || h->send == NULL || h->answer == NULL ||
            (h->n_stmts > 0 && h->stmts == NULL)) {
            log_error(NULL, "request handler %zu (%s) is incomplete", i, h->name ? h->name : "?");
            return -EINVAL;
        }
        for (size_t k = 0; k < h->n_stmts; k++)
            if (h->stmts[k].name == NULL || h->stmts[k].sql == NULL || h->stmts[k].nparams < 0 ||
                h->stmts[k].nparams > JOB_MAX_PARAMS) {
                log_error(NULL, "request handler %s: statement %zu is incomplete", h->name, k);
                return -EINVAL;
            }
        for (size_t k = 0; k < i; k++)
            if (table[k]->body == h->body) {
                log_error(NULL, "request handlers %s and %s serve the same payload", table[k]->name,
                          h->name);
                return -EINVAL;
            }
    }
    return 0;
}

const db_stmt_t *ledger_statements(size_t *n)
{
    /* Built once, sized from the handlers: no statement can be left out. */
    static db_stmt_t *all;
    static size_t nall;
    *n = 0;
    if (all != NULL) {
        *n = nall;
        return all;
    }
    if (ledger_handlers_check() < 0)
        return NULL;
    size_t nb = 0, total;
    const db_stmt_t *own = ledger_batch_statements(&nb);
    total = nb;
    for (size_t i = 0; i < NHANDLERS; i++)
        total += table[i]->n_stmts;
    db_stmt_t *s = calloc(total, sizeof *s);
    if (s == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < nb; i++)
        s[k++] = own[i];
    for (size_t i = 0; i < NHANDLERS; i++)
        for (size_t m = 0; m < table[i]->n_stmts; m++)
            s[k++] = table[i]->stmts[m];
    if (!names_unique(s, k)) {
        free(s);
        return NULL;
    }
    all = s;
    nall = k;
    *n = nall;
    return all;
}
