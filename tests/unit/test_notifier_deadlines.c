/* test_notifier_deadlines.c - the notifier's pure logic on a test clock:
 * stages fire once and in order (due_soon, overdue, escalate), a reply
 * cancels the reply stages, alerts recorded before a restart are skipped,
 * a stale report changes nothing, and the event stream goes live after a
 * snapshot, replays what came meanwhile, and asks for a resynchronisation
 * on a gap or a quiet loss; a working-day deadline's due-soon is 75% of its
 * working time (the 2025 National Day week), and a pause moves it without
 * restarting the limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "calendar.h"
#include "deadlines.h"
#include "stream.h"
#include "timefmt.h"

#define H 3600000LL
#define T0 1800000000000LL

static deadlines_t *mk(void)
{
    dl_config_t c = {0.75, 1.0, 1.0, calendar_wall(), NULL, NULL};
    deadlines_t *d = NULL;
    assert_int_equal(dl_create(&c, &d), 0);
    return d;
}

/* Pops everything due at `now`, advancing each (as the service does once
 * the ledger recorded it); returns how many fired and copies the last. */
static int fire_all(deadlines_t *d, int64_t now, dl_fire_t *last, dl_stage_t *stages, int max)
{
    int n = 0;
    dl_fire_t f;
    while (dl_pop_due(d, now, &f) == 1) {
        if (n < max)
            stages[n] = f.stage;
        n++;
        if (last)
            *last = f;
        assert_int_equal(dl_advance(d, f.case_id, f.deadline, f.stage, f.deadline_ms), 0);
    }
    assert_int_equal(dl_check(d), 0);
    return n;
}

static void test_stages_in_order(void **state)
{
    (void)state;
    deadlines_t *d = mk();
    assert_int_equal(dl_set(d, "C1", "B1", T0, T0 + 2 * H, T0 + 24 * H), 0);
    dl_fire_t f;
    dl_stage_t st[4];
    /* nothing before 1.5 h (75 % of 2 h) */
    assert_int_equal(fire_all(d, T0 + 90 * 60000 - 1, NULL, st, 4), 0);
    assert_int_equal(fire_all(d, T0 + 90 * 60000, &f, st, 4), 1);
    assert_int_equal(f.deadline, DL_REPLY);
    assert_int_equal(f.stage, DL_DUE_SOON);
    assert_int_equal(fire_all(d, T0 + 2 * H, &f, st, 4), 1);
    assert_int_equal(f.stage, DL_OVERDUE);
    assert_int_equal(fire_all(d, T0 + 18 * H, &f, st, 4), 1);
    assert_int_equal(f.deadline, DL_RESOLVE);
    assert_int_equal(f.stage, DL_DUE_SOON);
    assert_int_equal(fire_all(d, T0 + 24 * H, &f, st, 4), 1);
    assert_int_equal(f.stage, DL_OVERDUE);
    /* escalation one hour (the grace) after the resolution deadline */
    assert_int_equal(fire_all(d, T0 + 25 * H - 1, &f, st, 4), 0);
    assert_int_equal(fire_all(d, T0 + 25 * H, &f, st, 4), 1);
    assert_int_equal(f.stage, DL_ESCALATE);
    assert_int_equal(f.deadline_ms, T0 + 24 * H);
    /* never again */
    assert_int_equal(fire_all(d, T0 + 1000 * H, &f, st, 4), 0);
    assert_int_equal(dl_next_due(d), INT64_MAX);
    dl_destroy(&d);
}

/* An emergency's unanswered reply escalates at its deadline plus the grace
 * (issue 11, ROUTING.md section 7); a replied one does not, and learning
 * that a case is an emergency after its reply went overdue still arms it. */
static void test_emergency_reply_escalates(void **state)
{
    (void)state;
    deadlines_t *d = mk();
    dl_fire_t f;
    dl_stage_t st[4];
    assert_int_equal(dl_set(d, "E1", "B1", T0, T0 + 2 * H, T0 + 24 * H), 0);
    assert_int_equal(dl_set_emergency(d, "E1"), 0);
    assert_int_equal(dl_set(d, "E2", "B1", T0, T0 + 2 * H, T0 + 24 * H), 0);
    assert_int_equal(dl_set(d, "E3", "B1", T0, T0 + 2 * H, T0 + 24 * H), 0);
    assert_int_equal(dl_set_emergency(d, "E3"), 0);
    assert_int_equal(dl_replied(d, "E3"), 0);
    /* overdue of E1 and E2 (a due_soon popped with its overdue passed is skipped) */
    assert_int_equal(fire_all(d, T0 + 2 * H, NULL, st, 4), 2);
    assert_int_equal(dl_set_emergency(d, "E2"), 0); /* learnt after its overdue */
    assert_int_equal(dl_set_emergency(d, "E2"), 0); /* idempotent */
    assert_int_equal(fire_all(d, T0 + 3 * H - 1, NULL, st, 4), 0);
    assert_int_equal(fire_all(d, T0 + 3 * H, &f, st, 4), 2);
    assert_int_equal(st[0], DL_ESCALATE);
    assert_int_equal(st[1], DL_ESCALATE);
    assert_int_equal(f.deadline, DL_REPLY);
    assert_int_equal(f.deadline_ms, T0 + 2 * H);
    /* once only; then the resolution's stages as before */
    assert_int_equal(dl_set_emergency(d, "E1"), 0);
    assert_int_equal(fire_all(d, T0 + 17 * H, NULL, st, 4), 0);
    assert_int_equal(dl_set_emergency(d, "NOPE"), -ENOENT);
    dl_destroy(&d);
}

static void test_late_due_soon_skipped(void **state)
{
    (void)state;
    deadlines_t *d = mk();
    dl_stage_t st[4];
    assert_int_equal(dl_set(d, "C1", "B1", T0, T0 + 2 * H, T0 + 24 * H), 0);
    /* first look after the reply deadline: overdue only, no stale due_soon */
    assert_int_equal(fire_all(d, T0 + 3 * H, NULL, st, 4), 1);
    assert_int_equal(st[0], DL_OVERDUE);
    dl_destroy(&d);
}

static void test_reply_cancels_reply_stages(void **state)
{
    (void)state;
    deadlines_t *d = mk();
    dl_fire_t f;
    dl_stage_t st[8];
    assert_int_equal(dl_set(d, "C1", "B1", T0, T0 + 24 * H, T0 + 168 * H), 0);
    assert_int_equal(dl_replied(d, "C1"), 0);
    /* the reply stages (18 h, 24 h) never come; resolve's do */
    assert_int_equal(fire_all(d, T0 + 126 * H - 1, &f, st, 8), 0);
    assert_int_equal(fire_all(d, T0 + 126 * H, &f, st, 8), 1);
    assert_int_equal(f.deadline, DL_RESOLVE);
    assert_int_equal(fire_all(d, T0 + 200 * H, &f, st, 8), 2);
    assert_int_equal(st[0], DL_OVERDUE);
    assert_int_equal(st[1], DL_ESCALATE);
    dl_destroy(&d);
}

static void test_recorded_alerts_skipped_and_stale_reports(void **state)
{
    (void)state;
    deadlines_t *d = mk();
    dl_fire_t f;
    dl_stage_t st[4];
    assert_int_equal(dl_set(d, "C1", "B1", T0, T0 + 2 * H, T0 + 24 * H), 0);
    /* a restarted notifier learns from the snapshot what was recorded */
    assert_int_equal(dl_mark_sent(d, "C1", DL_REPLY, DL_OVERDUE, T0 + 2 * H), 0);
    assert_int_equal(dl_mark_sent(d, "C1", DL_REPLY, DL_OVERDUE, T0 + 5 * H), -ESTALE);
    assert_int_equal(dl_mark_sent(d, "nope", DL_REPLY, DL_OVERDUE, T0), -ENOENT);
    assert_int_equal(fire_all(d, T0 + 10 * H, NULL, st, 4), 0);
    /* popped, then the case got new deadlines: the report is stale and the
     * new deadline's stages run from the start */
    assert_int_equal(dl_pop_due(d, T0 + 18 * H, &f), 1);
    assert_int_equal(f.stage, DL_DUE_SOON);
    assert_int_equal(dl_set(d, "C1", "B2", T0 + 18 * H, T0 + 20 * H, T0 + 42 * H), 0);
    assert_int_equal(dl_advance(d, "C1", DL_RESOLVE, DL_DUE_SOON, T0 + 24 * H), -ESTALE);
    assert_int_equal(fire_all(d, T0 + 20 * H - 1, &f, st, 4), 1);
    assert_int_equal(f.stage, DL_DUE_SOON); /* 75 % of the new 2 h */
    assert_int_equal(fire_all(d, T0 + 20 * H, &f, st, 4), 1);
    assert_int_equal(f.deadline, DL_REPLY);
    assert_int_equal(f.stage, DL_OVERDUE);
    assert_string_equal(f.body_id, "B2");
    /* a retry puts the popped stage back at the given time */
    assert_int_equal(dl_pop_due(d, T0 + 40 * H, &f), 1);
    assert_int_equal(dl_retry(d, f.case_id, f.deadline, f.stage, f.deadline_ms, T0 + 41 * H), 0);
    assert_int_equal(dl_next_due(d), T0 + 41 * H);
    dl_destroy(&d);
}

static int64_t at(const char *s)
{
    int64_t ms = 0;
    assert_int_equal(timefmt_parse_rfc3339(s, &ms, NULL), 0);
    return ms;
}

/* The instant the next stage of deadline k acts, by popping at every
 * minute would be slow: dl_next_due after taking the other one out. */
static int64_t next_fire(deadlines_t *d, dl_kind_t k, dl_stage_t *stage)
{
    int64_t t = dl_next_due(d);
    dl_fire_t f;
    assert_int_equal(dl_pop_due(d, t - 1, &f), 0);
    assert_int_equal(dl_pop_due(d, t, &f), 1);
    assert_int_equal(f.deadline, k);
    *stage = f.stage;
    assert_int_equal(dl_advance(d, f.case_id, f.deadline, f.stage, f.deadline_ms), 0);
    return t;
}

static void assert_cst(int64_t ms, const char *want)
{
    char buf[TIMEFMT_RFC3339_MAX];
    assert_int_equal(timefmt_rfc3339(ms, 8 * 3600, buf, sizeof buf), 0);
    assert_string_equal(buf, want);
}

/* Issue 15: a case placed at 17:50 on the eve of National Day 2025 under
 * working days (reply 1, resolve 5: 9 Oct and 14 Oct 17:50). Its due-soon
 * alerts come at 75% of the WORKING time (9 Oct 11:50, 13 Oct 11:50), not
 * of the wall time (7 Oct and 11 Oct, in or just after the holiday); the
 * limits run from the demand's received time, not the ledger's commit; a
 * pause of 3 h moves them without restarting the limit. */
static void test_working_days_due_soon(void **state)
{
    (void)state;
    workcal_t *cal = NULL;
    char err[200];
    assert_int_equal(calendar_load_file("deploy/calendar/china.tsv", &cal, err, sizeof err), 0);
    dl_config_t c = {0.75, 0, 0, calendar_wall(), NULL, cal};
    deadlines_t *d = NULL;
    assert_int_equal(dl_create(&c, &d), 0);
    int64_t placed = at("2025-09-30T17:50:00+08:00");
    int64_t reply = at("2025-10-09T17:50:00+08:00"), resolve = at("2025-10-14T17:50:00+08:00");
    stream_event_t e = {1,       "C1",       "created",      "B1",           placed + 5000, reply,
                        resolve, "received", "working_days", "working_days", placed,        0};
    assert_int_equal(stream_apply(d, &e), 0);
    int64_t from = 0, r = 0, v = 0;
    assert_int_equal(dl_get(d, "C1", &from, &r, &v), 0);
    assert_int_equal(from, placed);
    dl_stage_t st;
    assert_cst(next_fire(d, DL_REPLY, &st), "2025-10-09T11:50:00+08:00");
    assert_int_equal(st, DL_DUE_SOON);
    assert_cst(next_fire(d, DL_REPLY, &st), "2025-10-09T17:50:00+08:00");
    assert_int_equal(st, DL_OVERDUE);
    assert_cst(next_fire(d, DL_RESOLVE, &st), "2025-10-13T11:50:00+08:00");
    assert_int_equal(st, DL_DUE_SOON);
    /* A second case, paused 3 h before anything fired: both deadlines move
     * by 3 h, the limit still runs from placement: 75% of 27 h and of
     * 123 h of working time. */
    stream_event_t e2 = e;
    e2.case_id = "C2";
    assert_int_equal(stream_apply(d, &e2), 0);
    stream_event_t p = {
        2,          "C2", "paused", "B1", placed + 3600000, reply + 3 * H, resolve + 3 * H,
        "assigned", NULL, NULL,     0,    placed + 4 * H};
    assert_int_equal(stream_apply(d, &p), 0);
    assert_int_equal(dl_get(d, "C2", &from, &r, &v), 0);
    assert_int_equal(from, placed);
    /* the pause's limit is held for resuming there, once */
    const char *cid = NULL;
    int64_t until = 0;
    assert_int_equal(dl_next_pause_end(d), placed + 4 * H);
    assert_int_equal(dl_pop_pause_end(d, placed + 4 * H - 1, &cid, &until), 0);
    assert_int_equal(dl_pop_pause_end(d, placed + 4 * H, &cid, &until), 1);
    assert_string_equal(cid, "C2");
    assert_int_equal(until, placed + 4 * H);
    assert_int_equal(dl_next_pause_end(d), INT64_MAX);
    /* paused again, then resumed by hand: nothing left to resume */
    assert_int_equal(stream_apply(d, &p), 0);
    stream_event_t res = p;
    res.kind = "resumed";
    res.pause_until_ms = 0;
    assert_int_equal(stream_apply(d, &res), 0);
    assert_int_equal(dl_next_pause_end(d), INT64_MAX);
    assert_int_equal(dl_remove(d, "C1"), 0);
    assert_cst(next_fire(d, DL_REPLY, &st), "2025-10-09T14:05:00+08:00");
    assert_cst(next_fire(d, DL_REPLY, &st), "2025-10-09T20:50:00+08:00");
    assert_cst(next_fire(d, DL_RESOLVE, &st), "2025-10-13T14:05:00+08:00");
    assert_int_equal(st, DL_DUE_SOON);
    assert_cst(next_fire(d, DL_RESOLVE, &st), "2025-10-14T20:50:00+08:00");
    assert_int_equal(st, DL_OVERDUE);
    /* The same deadlines on the natural clock: wall-time shares. */
    stream_event_t e3 = e;
    e3.case_id = "C3";
    e3.reply_clock = e3.resolve_clock = "natural";
    assert_int_equal(stream_apply(d, &e3), 0);
    assert_int_equal(dl_remove(d, "C2"), 0);
    assert_cst(next_fire(d, DL_REPLY, &st), "2025-10-07T11:50:00+08:00");
    /* A snapshot row names the clocks too. */
    Liandong__V1__OpenDeadline row = LIANDONG__V1__OPEN_DEADLINE__INIT;
    row.case_id = "C4";
    row.body_id = "B1";
    row.reply_due_ms = reply;
    row.resolve_due_ms = resolve;
    row.created_at_ms = placed + 5000;
    row.deadlines_from_ms = placed;
    row.reply_clock = "working_days";
    row.resolve_clock = "working_days";
    assert_int_equal(dl_remove(d, "C3"), 0);
    assert_int_equal(stream_load_row(d, &row), 0);
    assert_cst(next_fire(d, DL_REPLY, &st), "2025-10-09T11:50:00+08:00");
    assert_int_equal(dl_check(d), 0);
    dl_destroy(&d);
    calendar_destroy(&cal);
}

static stream_event_t ev(uint64_t seq, const char *kind, int64_t reply, int64_t resolve)
{
    stream_event_t e = {seq, "C1", kind, "B1", T0, reply, resolve, NULL, NULL, NULL, 0, 0};
    return e;
}

/* A rating that closes the case forgets it; a dissatisfied one that reopens
 * it (to_state replied) or escalates it brings its new resolution deadline
 * back, without reply alerts (issue 11). */
static void test_stream_rating_reopens(void **state)
{
    (void)state;
    deadlines_t *d = mk();
    stream_event_t set = ev(1, "assigned", T0 + 2 * H, T0 + 24 * H);
    assert_int_equal(stream_apply(d, &set), 0);
    stream_event_t res = ev(2, "resolved", 0, 0);
    assert_int_equal(stream_apply(d, &res), 0);
    assert_int_equal(dl_case_count(d), 0);
    stream_event_t reopen = ev(3, "rated", T0 + 2 * H, T0 + 200 * H);
    reopen.to_state = "replied";
    assert_int_equal(stream_apply(d, &reopen), 0);
    dl_stage_t next[DL_KINDS];
    int inflight[DL_KINDS];
    assert_int_equal(dl_inspect(d, "C1", next, inflight), 0);
    assert_int_equal(next[DL_REPLY], DL_DONE);
    assert_int_not_equal(next[DL_RESOLVE], DL_DONE);
    stream_event_t closed = ev(4, "rated", T0 + 2 * H, T0 + 200 * H);
    closed.to_state = "closed";
    assert_int_equal(stream_apply(d, &closed), 0); /* a closing rating changes nothing here */
    stream_event_t gone = ev(5, "closed", 0, 0);
    assert_int_equal(stream_apply(d, &gone), 0);
    assert_int_equal(dl_case_count(d), 0);
    dl_destroy(&d);
}

static void test_stream_snapshot_gap_probe(void **state)
{
    (void)state;
    deadlines_t *d = mk();
    stream_t *s = NULL;
    assert_int_equal(stream_create(1000, &s), 0);
    stream_begin_sync(s);
    /* events arrive while the snapshot loads: 5 is in the snapshot, 6 not */
    stream_event_t e5 = ev(5, "assigned", T0 + 2 * H, T0 + 24 * H);
    stream_event_t e6 = ev(6, "replied", 0, 0);
    assert_int_equal(stream_on_event(s, d, &e5), STREAM_OK);
    assert_int_equal(stream_on_event(s, d, &e6), STREAM_OK);
    assert_int_equal(stream_state(s), STREAM_SYNCING);
    Liandong__V1__OpenDeadline row = LIANDONG__V1__OPEN_DEADLINE__INIT;
    row.case_id = "C1";
    row.body_id = "B1";
    row.reply_due_ms = T0 + 2 * H;
    row.resolve_due_ms = T0 + 24 * H;
    row.created_at_ms = T0;
    stream_snapshot_page(s, 5);
    assert_int_equal(stream_load_row(d, &row), 0);
    assert_int_equal(stream_snapshot_done(s, d), STREAM_OK);
    assert_int_equal(stream_state(s), STREAM_LIVE);
    assert_int_equal(stream_last_seq(s), 6);
    dl_stage_t next[DL_KINDS];
    int inflight[DL_KINDS];
    assert_int_equal(dl_inspect(d, "C1", next, inflight), 0);
    assert_int_equal(next[DL_REPLY], DL_DONE); /* the buffered reply was replayed */
    /* a duplicate is dropped, a gap asks for a resync */
    assert_int_equal(stream_on_event(s, d, &e6), STREAM_OK);
    stream_event_t e8 = ev(8, "resolved", 0, 0);
    assert_int_equal(stream_on_event(s, d, &e8), STREAM_RESYNC);
    assert_int_equal(stream_state(s), STREAM_SYNCING);
    /* after a clean resync, a probe that shows events we never got on a
     * quiet stream asks for another one */
    stream_begin_sync(s);
    stream_snapshot_page(s, 8);
    assert_int_equal(stream_snapshot_done(s, d), STREAM_OK);
    assert_int_equal(stream_probe(s, 8), STREAM_OK);
    assert_int_equal(stream_probe(s, 9), STREAM_OK); /* may still be on its way */
    assert_int_equal(stream_probe(s, 9), STREAM_RESYNC);
    stream_destroy(&s);
    dl_destroy(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stages_in_order),
        cmocka_unit_test(test_late_due_soon_skipped),
        cmocka_unit_test(test_reply_cancels_reply_stages),
        cmocka_unit_test(test_emergency_reply_escalates),
        cmocka_unit_test(test_recorded_alerts_skipped_and_stale_reports),
        cmocka_unit_test(test_stream_snapshot_gap_probe),
        cmocka_unit_test(test_stream_rating_reopens),
        cmocka_unit_test(test_working_days_due_soon),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
