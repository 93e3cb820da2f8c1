#!/usr/bin/python3
"""gen_registry.py - a synthetic registry for benchmarks: N compounds spread
over districts, streets and communities, each with a property company (most),
a party branch, and the district/street/community bodies the chains need.
Names are built from syllables so that many share prefixes, like real ones.

usage: gen_registry.py N OUT.json
"""
import json
import random
import sys

SYL = "华阳明德安康泰和平兴隆盛富贵锦绣翠竹金银碧云沙湖松柏梅兰春秋星月海天山水东南西北中"
SUFFIX = ["花园", "小区", "苑", "家园", "新村", "雅居", "公寓", "山庄", "城", "府"]
DISTRICT_KINDS = ["housing_bureau", "public_security", "urban_management", "education_bureau",
                  "planning_bureau", "fire_rescue", "environment_bureau", "utility",
                  "district_office"]


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    rnd = random.Random(12345)
    units = [{"code": "C", "kind": "city", "name": "基准市"}]
    bodies = [{"id": "C-DISPATCH", "kind": "dispatch_center", "name": "派单中心", "units": ["C"]},
              {"id": "C-GOV", "kind": "city_office", "name": "市办", "units": ["C"]}]
    per_comm = 10
    comms = (n + per_comm - 1) // per_comm
    streets = max(1, comms // 8)
    districts = max(1, streets // 10)
    used = set()
    for d in range(districts):
        dc = f"C-D{d}"
        units.append({"code": dc, "kind": "district", "name": f"第{d}区", "parent": "C"})
        for k in DISTRICT_KINDS:
            bodies.append({"id": f"{dc}-{k}", "kind": k, "name": f"{dc}{k}", "units": [dc]})
    for s in range(streets):
        dc = f"C-D{s % districts}"
        sc = f"{dc}-S{s}"
        units.append({"code": sc, "kind": "street", "name": f"第{s}街道", "parent": dc})
        bodies.append({"id": f"{sc}-SO", "kind": "street_office", "name": "街道办", "units": [sc]})
        bodies.append({"id": f"{sc}-SE", "kind": "street_enforcement", "name": "执法队",
                       "units": [sc]})
    pcs = {}
    for c in range(comms):
        s = c % streets
        sc = f"C-D{s % districts}-S{s}"
        cc = f"{sc}-M{c}"
        units.append({"code": cc, "kind": "community", "name": f"第{c}社区", "parent": sc})
        bodies.append({"id": f"{cc}-RC", "kind": "community_committee", "name": "居委会",
                       "units": [cc]})
    for i in range(n):
        c = i % comms
        s = c % streets
        cc = f"C-D{s % districts}-S{s}-M{c}"
        while True:
            name = "".join(rnd.choice(SYL) for _ in range(rnd.randint(2, 4))) + rnd.choice(SUFFIX)
            if name not in used:
                used.add(name)
                break
        code = f"{cc}-{i}"
        unit = {"code": code, "kind": "compound", "name": name, "parent": cc}
        if rnd.random() < 0.3:
            alias = name[:-2] + "小区"
            # an alias names one compound only (lib/registry.c refuses
            # ambiguous names and aliases)
            unit["aliases"] = [alias] if alias not in used else []
            used.add(alias)
        units.append(unit)
        bodies.append({"id": f"{code}-PB", "kind": "party_branch", "name": "党支部", "units": [code]})
        if rnd.random() < 0.8:
            pcs.setdefault(f"PC-{i % 5000}", []).append(code)
        else:
            bodies.append({"id": f"{code}-SMC", "kind": "self_management_committee",
                           "name": "自管委", "units": [code]})
    for pid, codes in pcs.items():
        bodies.append({"id": pid, "kind": "property_company", "name": f"物业{pid}", "units": codes})
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"units": units, "bodies": bodies}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
