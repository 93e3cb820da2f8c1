"""Router accuracy on the hand-written held-out style sets in tests/router/
(set_*.jsonl, see tests/router/make_sets.py), the blind rounds written by
independent writers (blind_*, blind2_* ... blind6_*.jsonl, see tests/router/BLIND.md
... BLIND6.md) and the statistical model's held-out rounds (heldout_*.jsonl, never trained
on; see docs/router.md): hotline transcripts with
fillers, traditional characters, full-width digits, names and phone numbers,
compound names holding misleading words or other compounds' names, compounds
found only through the address or the text, every tie-break rule of
ROUTING.md section 4, every chain fallback, unlocatable and unclassifiable
demands, against the fixture registry (tests/fixtures/routing, the project's
copy of the shared routing fixtures) and registries of our own
(tests/router/registry_b.json, registry_c.json, registry_d.json, registry_e.json). Runs the real `router --dry-run`; needs no
other service. Body and category must each be right on at least 97% of all
sets together (the issue's target for unseen demands) and on at least 90% of
each set (the small sets have 20-40 demands: one debatable call is 3-5%);
every miss is printed.
"""
import filecmp
import glob
import json
import os
import subprocess
import sys

import pytest

from liandong import BUILD, ROOT

SETS = sorted(glob.glob(os.path.join(ROOT, "tests", "router", "set_*.jsonl")) +
              glob.glob(os.path.join(ROOT, "tests", "router", "blind_*.jsonl")) +
              glob.glob(os.path.join(ROOT, "tests", "router", "blind2_*.jsonl")) +
              glob.glob(os.path.join(ROOT, "tests", "router", "blind3_*.jsonl")) +
              glob.glob(os.path.join(ROOT, "tests", "router", "blind4_*.jsonl")) +
              glob.glob(os.path.join(ROOT, "tests", "router", "blind5_*.jsonl")) +
              glob.glob(os.path.join(ROOT, "tests", "router", "blind6_*.jsonl")) +
              glob.glob(os.path.join(ROOT, "tests", "router", "heldout_*.jsonl")))


# The project's own copy: a lone clone has everything these tests read.
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "routing")
# The shared original, beside the project in the development tree only.
SHARED_FIXTURES = os.path.join(ROOT, "..", "shared", "fixtures", "routing")
sys.path.insert(0, os.path.join(ROOT, "tests", "router"))
import eval_sets  # noqa: E402

_RESULTS = {}


def run_set(path):
    """Each set is run once per session (build-san makes a run cost seconds)."""
    if path not in _RESULTS:
        _RESULTS[path] = eval_sets.run_set(os.path.join(BUILD, "bin", "router"), path, FIXTURES)
    return _RESULTS[path]


@pytest.mark.parametrize("path", SETS, ids=[os.path.basename(p) for p in SETS])
def test_set_accuracy(path):
    n, ok, misses = run_set(path)
    for m in misses:
        print(m)
    assert n >= 20
    assert ok["body"] * 100 >= 90 * n, f"body {ok['body']}/{n}"
    assert ok["category"] * 100 >= 90 * n, f"category {ok['category']}/{n}"
    assert ok["compound"] * 100 >= 90 * n, f"compound {ok['compound']}/{n}"


def test_all_sets_accuracy():
    total = {"n": 0, "body": 0, "category": 0, "compound": 0}
    for path in SETS:
        n, ok, _ = run_set(path)
        total["n"] += n
        for k in ("body", "category", "compound"):
            total[k] += ok[k]
    n = total["n"]
    print(f"all sets: {n} demands, body {total['body']}, category {total['category']}, "
          f"compound {total['compound']}")
    assert n >= 3050  # 1122 set_*, 389 blind_*, 314 blind2_*, 300 blind3_*, 244 blind4_*, 160 blind5_*,
    # 407 blind6_*, 150 heldout_*
    for k in ("body", "category", "compound"):
        assert total[k] * 100 >= 97 * n, f"{k} {total[k]}/{n}"


def test_blind_sets_accuracy():
    """The blind sets together must reach the same 97% on their own: the many
    set_*.jsonl demands must not hide a regression on wording nobody tuned to."""
    blind = [p for p in SETS if os.path.basename(p).startswith("blind")]
    n = body = category = 0
    for path in blind:
        m, ok, _ = run_set(path)
        n, body, category = n + m, body + ok["body"], category + ok["category"]
    print(f"blind sets: {n} demands, body {body}, category {category}")
    assert n >= 1800  # 389 + 314 + 300 + 244 + 160 + 407 today
    assert body * 100 >= 97 * n, f"body {body}/{n}"
    assert category * 100 >= 97 * n, f"category {category}/{n}"


def test_eval_detects_a_wrong_answer(tmp_path):
    """The evaluation itself can fail: a set expecting the wrong category
    and compound scores zero."""
    p = tmp_path / "set_wrong.jsonl"
    p.write_text('{"id": "w1", "channel": "hotline", "text": "电梯坏了", '
                 '"compound": "JA-DH-CZ-1-01", "expect": {"category": "planning", '
                 '"compound": "JA-PX-BL-1-01"}}\n', encoding="utf-8")
    n, ok, misses = eval_sets.run_set(os.path.join(BUILD, "bin", "router"), str(p), FIXTURES)
    assert n == 1 and ok["category"] == 0 and ok["body"] == 0 and len(misses) == 1


@pytest.mark.parametrize("path", SETS, ids=[os.path.basename(p) for p in SETS])
def test_set_urgency(path):
    """Every emergency of every set caught, at most 5% of its normal demands
    raised (issue 18; a false alarm costs a 2-hour reply, a miss a life)."""
    n, ok, misses = run_set(path)
    print(f"emergencies {ok['emergency_caught']}/{ok['emergency']}, "
          f"normal raised {ok['raised']}/{ok['normal']}, flagged for review {ok['review']}")
    assert ok["emergency_caught"] == ok["emergency"], \
        [m for m in misses if "/emergency cc=" in m.split("got")[0]]
    assert ok["raised"] * 100 <= 5 * ok["normal"], f"raised {ok['raised']}/{ok['normal']}"


FIXTURE_FILES = ("registry.json", "demands.jsonl", "expected.jsonl")


def test_fixture_copy_is_complete_and_current():
    """The project's copy of the routing fixtures is whole (a demand and an
    expectation per line, ids in step, a registry that parses) and, where the
    shared original sits beside the project, still equal to it."""
    for name in FIXTURE_FILES:
        assert os.path.isfile(os.path.join(FIXTURES, name)), f"{FIXTURES}/{name} missing"
    with open(os.path.join(FIXTURES, "registry.json"), encoding="utf-8") as f:
        reg = json.load(f)
    assert reg["units"] and reg["bodies"]
    demands = [json.loads(x) for x in open(os.path.join(FIXTURES, "demands.jsonl"),
                                           encoding="utf-8") if x.strip()]
    expected = [json.loads(x) for x in open(os.path.join(FIXTURES, "expected.jsonl"),
                                            encoding="utf-8") if x.strip()]
    assert len(demands) >= 50 and len(demands) == len(expected)
    assert [d["id"] for d in demands] == [e["id"] for e in expected]
    if os.path.isdir(SHARED_FIXTURES):
        for name in FIXTURE_FILES:
            assert filecmp.cmp(os.path.join(FIXTURES, name), os.path.join(SHARED_FIXTURES, name),
                               shallow=False), f"tests/fixtures/routing/{name} differs from " \
                                               f"../shared/fixtures/routing/{name}: copy it again"
