#!/usr/bin/python3
"""eval_sets.py - accuracy of the router on hand-written demand sets.

Each set is a JSON-lines file of demands as the dry-run reads them, plus an
"expect" object written by hand:
    {"id", "channel", "text", "address"?, "compound"?, "urgency"?,
     "expect": {"category", "compound": CODE or null, "urgency"?}}
The expected body, cc and deadlines are derived here from the expected
category and compound with an independent implementation of ROUTING.md
sections 4-6 (the chain walk, the party-branch cc, manual triage), so a set
states only what a person decides: which compound, which category, urgent
or not. The first line of a set may be {"registry": "FILE"} (relative to
the set), else the fixture registry (tests/fixtures/routing) is used.

usage: eval_sets.py [--router build/bin/router] [--min PCT] SET.jsonl...
Prints per set: body, category, compound and urgency accuracy and every
miss; exits 1 when body or category accuracy of a set is below --min.
"""
import argparse
import json
import os
import subprocess
import sys

CHAINS = {
    "facility_repair": ["property_company", "self_management_committee", "community_committee"],
    "elevator": ["property_company", "self_management_committee", "community_committee"],
    "sanitation": ["property_company", "self_management_committee", "community_committee"],
    "parking": ["property_company", "self_management_committee", "community_committee"],
    "property_service_complaint": ["owners_committee", "self_management_committee",
                                   "community_committee"],
    "maintenance_fund": ["owners_committee", "self_management_committee", "community_committee"],
    "neighbor_dispute": ["party_branch", "community_committee"],
    "committee_affairs": ["street_office"],
    "property_transition": ["street_office"],
    "illegal_construction": ["street_enforcement"],
    "business_nuisance": ["street_enforcement"],
    "building_quality": ["housing_bureau"],
    "planning": ["planning_bureau"],
    "school_places": ["education_bureau"],
    "public_security": ["public_security"],
    "fire_safety": ["fire_rescue"],
    "pollution": ["environment_bureau"],
    "utilities": ["utility"],
    "municipal_facilities": ["urban_management"],
    "social_assistance": ["community_committee"],
    "consultation": ["community_committee"],
    "unclassified": ["dispatch_center"],
}
COMPOUND_KINDS = {"property_company", "owners_committee", "self_management_committee",
                  "party_branch"}
TIER_OF = {"community_committee": "community", "street_office": "street",
           "street_enforcement": "street", "dispatch_center": "city"}


class Registry:
    def __init__(self, path):
        doc = json.load(open(path, encoding="utf-8"))
        self.units = {u["code"]: u for u in doc["units"]}
        self.on = {}  # (unit code, kind) -> body id (first listed wins)
        for b in doc["bodies"]:
            for u in b.get("units", []):
                self.on.setdefault((u, b["kind"]), b["id"])

    def ancestor(self, code, kind):
        while code is not None:
            u = self.units[code]
            if u["kind"] == kind:
                return code
            code = u.get("parent")
        return None

    def body(self, compound, kind):
        if kind in COMPOUND_KINDS:
            return self.on.get((compound, kind))
        tier = TIER_OF.get(kind, "district")
        unit = self.ancestor(compound, tier)
        return self.on.get((unit, kind)) if unit else None

    def dispatch(self):
        for (u, k), b in self.on.items():
            if k == "dispatch_center":
                return b
        return None

    def place(self, category, compound):
        """(body_id, cc list) as ROUTING.md 5.4-5.6 say."""
        if compound is None or category == "unclassified":
            return self.dispatch(), []
        for kind in CHAINS[category]:
            b = self.body(compound, kind)
            if b is not None:
                cc = []
                if kind in ("property_company", "owners_committee", "self_management_committee"):
                    pb = self.on.get((compound, "party_branch"))
                    if pb:
                        cc = [pb]
                return b, cc
        return self.dispatch(), []


def deadlines(category, urgency):
    if urgency == "emergency":
        return 2, 24
    if category == "consultation":
        return 24, 24
    if category == "utilities":
        return 24, 24
    if category in ("building_quality", "planning", "committee_affairs", "property_transition"):
        return 24, 360
    return 24, 168


def read_set(path, fixtures):
    """(registry path, demand objects) of a set file: its first line may
    name its registry (next to the set); otherwise the fixture registry."""
    lines = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    reg_path = os.path.join(fixtures, "registry.json")
    if lines and "registry" in lines[0]:
        reg_path = os.path.join(os.path.dirname(path), lines[0]["registry"])
        lines = lines[1:]
    return reg_path, lines


def run_set(router, path, fixtures):
    reg_path, lines = read_set(path, fixtures)
    reg = Registry(reg_path)
    demands = []
    for d in lines:
        demands.append({k: v for k, v in d.items() if k != "expect"})
    inp = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in demands)
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    out = subprocess.run([os.path.abspath(router), "--dry-run", "--registry",
                          os.path.abspath(reg_path)], input=inp, cwd=root,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    if len(out) != len(lines):
        raise SystemExit(f"{path}: {len(lines)} demands, {len(out)} answers")
    n = len(lines)
    ok = {"body": 0, "category": 0, "compound": 0, "urgency": 0, "all": 0,
          "emergency": 0, "emergency_caught": 0, "normal": 0, "raised": 0, "review": 0}
    misses = []
    for d, o in zip(lines, out):
        got = json.loads(o)
        e = d["expect"]
        cat, comp = e["category"], e.get("compound")
        urg = e.get("urgency", "normal")
        body, cc = reg.place(cat, comp)
        reply, resolve = deadlines(cat, urg)
        gcomp = got.get("explain", {}).get("compound", {}).get("code")
        checks = {
            "body": got.get("body_id") == body,
            "category": got.get("category") == cat,
            "compound": gcomp == comp,
            "urgency": got.get("urgency") == urg,
        }
        full = all(checks.values()) and got.get("cc") == cc and \
            got.get("reply_due_hours") == reply and got.get("resolve_due_hours") == resolve
        for k, v in checks.items():
            ok[k] += v
        # the urgency confusion (issue: every emergency caught, at most 5% of
        # normal demands raised) and how many the dispatch centre must review
        raised = got.get("urgency") == "emergency"
        ok["emergency" if urg == "emergency" else "normal"] += 1
        if urg == "emergency":
            ok["emergency_caught"] += raised
        else:
            ok["raised"] += raised
        ok["review"] += bool(got.get("explain", {}).get("urgency", {}).get("review"))
        ok["all"] += full
        if not full:
            why = got.get("explain", {}).get("classifier", {}).get("why", {})
            misses.append(f"  {d['id']}: want {cat}/{comp}/{body}/{urg} cc={cc} {reply}/{resolve}h, "
                          f"got {got.get('category')}/{gcomp}/{got.get('body_id')}/"
                          f"{got.get('urgency')} cc={got.get('cc')} "
                          f"{got.get('reply_due_hours')}/{got.get('resolve_due_hours')}h "
                          f"rules={why.get('rules')} scores={got.get('explain', {}).get('classifier', {}).get('scores')}\n"
                          f"      {d['text'][:90]}")
    return n, ok, misses


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--router", default="build/bin/router")
    ap.add_argument("--fixtures", default=os.environ.get(
        "LIANDONG_FIXTURES", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                          "..", "fixtures", "routing")))
    ap.add_argument("--min", type=float, default=0.0)
    ap.add_argument("-q", "--quiet", action="store_true")
    ap.add_argument("sets", nargs="+")
    a = ap.parse_args()
    bad = False
    for s in a.sets:
        n, ok, misses = run_set(a.router, s, a.fixtures)
        pct = {k: 100.0 * v / n for k, v in ok.items()}
        print(f"{os.path.basename(s)}: {n} demands; body {ok['body']}/{n} ({pct['body']:.1f}%), "
              f"category {ok['category']}/{n} ({pct['category']:.1f}%), compound {pct['compound']:.1f}%, "
              f"urgency {pct['urgency']:.1f}%, every field {pct['all']:.1f}%")
        if not a.quiet:
            for m in misses:
                print(m)
        if pct["body"] < a.min or pct["category"] < a.min:
            bad = True
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
