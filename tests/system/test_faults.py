"""test_faults.py - the bounded fault campaign of `make test` (issue 12,
"Done when": kills each service and restarts PostgreSQL under load and
checks 0 acknowledged lost, 0 doubled). The long one is `make faults`
(tests/faults/campaign.py); both are written in faults.py.

Eight front-ends (two per channel) submit back to back while, one after another, the router,
the ledger and the notifier are SIGKILLed and started again, PostgreSQL is
shut down fast and started, shut down immediately (crash recovery) and
started, and frozen for FREEZE_S seconds. After each fault every front-end
must be acknowledged again (nobody restarts anything but the component
itself), and demands then flow undisturbed for SETTLE_S before the next. Then every acknowledged demand must be in the database exactly
once under the case id it was acknowledged with, every case must have one
`created` event, first, and the event sequence must run 1, 2, 3, ...
without a gap; a resubmission of acknowledged demands is the same case.

Each check can fail: test_each_check_fails_on_a_damaged_record takes this
run's own record and removes an acknowledged case, doubles one, moves a
case's creation after another event, and drops an event, and each check
must report exactly that. On a clean record they report nothing.

Budget on the 2-core VM: about a minute on the plain build.
"""
import os
import random

import pytest

import faults
import liandong
from liandong import pb

FREEZE_S = float(os.environ.get("LIANDONG_FAULT_FREEZE_S", "3"))
FAULTS = ["kill:router", "kill:ledger", "kill:notifier", "pg:fast", "pg:immediate",
          f"pg:freeze:{FREEZE_S:g}"]
SETTLE_S = float(os.environ.get("LIANDONG_FAULT_SETTLE_S", "2"))
TAG = "flt"

# The run's record, shared with the tests that read it.
RUN = {}


def test_faults_under_load_lose_and_double_nothing(system):
    c = faults.Campaign(system, TAG, progress=3, settle_s=SETTLE_S,
                        wait=120.0 if faults.SAN else 60.0)
    c.start()
    try:
        for fault in FAULTS:
            c.fault(fault, down_s=0.5)
            system.assert_alive()
    finally:
        c.stop()
    rows, events = faults.audit(system, TAG)
    result = faults.check(c.acks(), rows, events)
    figures = c.figures(result)
    print(f"\nfaults {FAULTS}: {figures}\nrecoveries: {c.recoveries}")
    RUN.update(acks=c.acks(), rows=rows, events=events, figures=figures)
    assert not faults.failures(result), faults.failures(result)
    assert figures["acknowledged"] >= len(c.fronts) * 3 * (len(FAULTS) + 1)
    # The faults were felt: demands had to be sent again.
    assert figures["unavailable_answers"] + figures["timeouts"] > 0, figures


def test_resubmission_is_the_same_case(system):
    """Acknowledged demands sent again (a front-end that missed the answer)
    are duplicates of the same case."""
    acks = RUN.get("acks")
    if not acks:
        pytest.skip("the campaign above did not run")
    sample = random.Random(12).sample(sorted(acks.items()), min(20, len(acks)))
    for (ch, cid), case in sample:
        with system.wire("router", identity=liandong.frontend_identity(ch),
                         timeout=faults.ANSWER_WAIT) as w:
            env = pb.Envelope()
            d = env.submit_demand.demand
            d.channel, d.channel_id, d.compound = ch, cid, faults.COMPOUND
            d.text = f"{cid} 3栋楼道的灯坏了"
            ans = w.request(env, faults.ANSWER_WAIT)
        assert ans is not None and ans.WhichOneof("body") == "submit_ack", ans
        assert ans.submit_ack.duplicate and ans.submit_ack.case_id == case, (cid, ans)


def test_each_check_fails_on_a_damaged_record():
    """The checks of the campaign find each kind of damage in its record."""
    if not RUN.get("acks"):
        pytest.skip("the campaign above did not run")
    acks, rows, events = RUN["acks"], list(RUN["rows"]), list(RUN["events"])
    assert not faults.failures(faults.check(acks, rows, events))
    (key, case), = list(acks.items())[:1]
    row = next(r for r in rows if (r[0], r[1]) == key)

    lost = faults.check(acks, [r for r in rows if r is not row], events)
    assert [x[0] for x in lost["lost"]] == [key], lost

    # The same demand as a second case, with its own creation.
    twin = (row[0], row[1], "CASE-TWIN")
    doubled = faults.check(acks, rows + [twin],
                           events + [(events[-1][0] + 1, "CASE-TWIN", "created")])
    assert doubled["doubled"] and not doubled["gaps"], doubled
    created_twice = faults.check(acks, rows, events + [(events[-1][0] + 1, case, "created")])
    assert [d[0] for d in created_twice["doubled"]] == [case], created_twice

    i = next(n for n, e in enumerate(events) if e[1] == case and e[2] == "created")
    moved = events[:i] + [(events[i][0], case, "assigned")] + events[i + 1:]
    moved.append((events[-1][0] + 1, case, "created"))
    misordered = faults.check(acks, rows, moved)
    assert misordered["misordered"] == [case], misordered

    gap = faults.check(acks, rows, events[:i] + events[i + 1:])
    assert gap["gaps"] == [(events[i][0] - 1, events[i][0] + 1)] if i else gap["gaps"], gap
    assert gap["misordered"] == [case]
