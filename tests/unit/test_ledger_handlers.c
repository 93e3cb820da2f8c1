/* test_ledger_handlers.c - the ledger's table of request handlers
 * (services/ledger/handler.h): every entry complete, every Envelope payload
 * either served by exactly one handler or named here as not a request to
 * the ledger (so a new payload in proto/ fails this test until someone
 * decides), the prepared statements assembled from the handlers with
 * nothing dropped, and requests refused before the database get their
 * handler's answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "batch.h"
#include "handler.h"

/* Payloads that are answers, events or requests to other services. */
static const char *const not_ledger[] = {
    "error",
    "ping",
    "pong",
    "submit_demand",
    "submit_ack",
    "case_created",
    "case_action_done",
    "case_list",
    "case_detail",
    "rates_report",
    "registry_imported",
    "registry_snapshot",
    "registry_history_list",
    "channel_case_list",
    "channel_update_list",
    "repeat_candidate_list",
    "reporter_unlinked",
    "alert",
    "case_event",
    "deadline_list",
    "alert_recorded",
    "desk_attach",
    "desk_attached",
    "case_delivery",
    "delivery_list",
    "ranking",
    "overdue_list",
    "wechat_resident_info",
    "case_departed",
    "lease_state", /* answer to Lease (issue 17) */
    NULL,
};

static int is_not_ledger(const char *name)
{
    for (size_t i = 0; not_ledger[i]; i++)
        if (strcmp(not_ledger[i], name) == 0)
            return 1;
    return 0;
}

static void test_every_entry_complete(void **state)
{
    (void)state;
    size_t n = 0;
    const ledger_handler_t *const *h = ledger_handlers(&n);
    assert_true(n >= 12);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(h[i]->name);
        assert_int_not_equal(h[i]->body, LIANDONG__V1__ENVELOPE__BODY__NOT_SET);
        assert_non_null(h[i]->validate);
        assert_non_null(h[i]->decide);
        assert_non_null(h[i]->send);
        assert_non_null(h[i]->answer);
        assert_true(h[i]->n_stmts > 0);
        assert_non_null(h[i]->stmts);
        assert_ptr_equal(ledger_handler_for(h[i]->body), h[i]);
    }
    assert_int_equal(ledger_handlers_check(), 0);
}

static void test_every_payload_decided(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *d = &liandong__v1__envelope__descriptor;
    size_t payloads = 0, served = 0, n = 0;
    ledger_handlers(&n);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        payloads++;
        const ledger_handler_t *h = ledger_handler_for((Liandong__V1__Envelope__BodyCase)f->id);
        if (h == NULL && !is_not_ledger(f->name))
            fail_msg("payload %s is neither served by the ledger nor listed as not a ledger "
                     "request",
                     f->name);
        if (h != NULL && is_not_ledger(f->name))
            fail_msg("payload %s is served by %s but listed as not a ledger request", f->name,
                     h->name);
        served += h != NULL;
    }
    assert_int_equal(served, n);
    assert_true(payloads > served);
    assert_null(ledger_handler_for(LIANDONG__V1__ENVELOPE__BODY__NOT_SET));
}

static void test_statements_from_handlers(void **state)
{
    (void)state;
    size_t n = 0, nh = 0, nb = 0;
    const db_stmt_t *s = ledger_statements(&n);
    assert_non_null(s);
    ledger_batch_statements(&nb);
    const ledger_handler_t *const *h = ledger_handlers(&nh);
    size_t want = nb;
    for (size_t i = 0; i < nh; i++)
        want += h[i]->n_stmts;
    assert_int_equal(n, want);
    /* Every handler's statements are in the table, each once. */
    for (size_t i = 0; i < nh; i++)
        for (size_t k = 0; k < h[i]->n_stmts; k++) {
            size_t seen = 0;
            for (size_t m = 0; m < n; m++)
                seen += strcmp(s[m].name, h[i]->stmts[k].name) == 0;
            assert_int_equal(seen, 1);
        }
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++)
            assert_string_not_equal(s[a].name, s[b].name);
    /* Built once. */
    size_t n2 = 0;
    assert_ptr_equal(ledger_statements(&n2), s);
    assert_int_equal(n2, n);
}

/* Jobs refused before the database: the executor needs no connection
 * (db NULL) and answers each through its handler or as unknown. */
static void test_refused_without_database(void **state)
{
    (void)state;
    envelope_t reqs[4];
    for (int i = 0; i < 4; i++) {
        liandong__v1__envelope__init(&reqs[i]);
        reqs[i].request_id = "r";
    }
    Liandong__V1__SubmitDemand sd = LIANDONG__V1__SUBMIT_DEMAND__INIT;
    reqs[0].body_case = LIANDONG__V1__ENVELOPE__BODY_SUBMIT_DEMAND;
    reqs[0].submit_demand = &sd;
    Liandong__V1__CreateCase cc = LIANDONG__V1__CREATE_CASE__INIT;
    reqs[1].body_case = LIANDONG__V1__ENVELOPE__BODY_CREATE_CASE;
    reqs[1].create_case = &cc;
    Liandong__V1__RankingQuery rq = LIANDONG__V1__RANKING_QUERY__INIT;
    rq.period = "2026-13";
    reqs[2].body_case = LIANDONG__V1__ENVELOPE__BODY_RANKING_QUERY;
    reqs[2].ranking_query = &rq;
    Liandong__V1__ListDeadlines ld = LIANDONG__V1__LIST_DEADLINES__INIT;
    reqs[3].body_case = LIANDONG__V1__ENVELOPE__BODY_LIST_DEADLINES;
    reqs[3].list_deadlines = &ld;
    ledger_job_t jobs[4];
    ledger_job_init(&jobs[0], &reqs[0], "");
    ledger_job_init(&jobs[1], &reqs[1], "");
    ledger_job_init(&jobs[2], &reqs[2], "");
    ledger_job_init(&jobs[3], &reqs[3], "body:PC-1"); /* services only */
    assert_int_equal(ledger_batch_run(NULL, jobs, 4), 0);
    const Liandong__V1__ErrorCode want[4] = {
        LIANDONG__V1__ERROR_CODE__ERROR_UNKNOWN_TYPE, LIANDONG__V1__ERROR_CODE__ERROR_MISSING_FIELD,
        LIANDONG__V1__ERROR_CODE__ERROR_BAD_REQUEST, LIANDONG__V1__ERROR_CODE__ERROR_FORBIDDEN};
    for (int i = 0; i < 4; i++) {
        assert_true(jobs[i].done);
        assert_int_equal(jobs[i].answer.body_case, LIANDONG__V1__ENVELOPE__BODY_ERROR);
        assert_int_equal(jobs[i].answer.error->code, want[i]);
        ledger_job_clear(&jobs[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_entry_complete),
        cmocka_unit_test(test_every_payload_decided),
        cmocka_unit_test(test_statements_from_handlers),
        cmocka_unit_test(test_refused_without_database),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
