#!/usr/bin/python3
"""make_registry_c.py - writes tests/router/registry_c.json (海州市), the third
registry of the blind evaluation sets (tests/router/BLIND.md).

Structure chosen to exercise placement and location, not to mirror the other
two registries: compound names holding category words (电梯厂宿舍, 环卫所宿舍,
公安新村, 化工厂家属区, 水厂宿舍, 城管局宿舍, 一中教师公寓, 医院家属院,
公交公司宿舍), names inside other names (海景湾 / 海景湾东区, 春江花园 /
春江花园二期, 锦绣家园 / 锦绣家园二期), urban villages, a compound with no
body at all (公交公司宿舍) and one with no body in a community with no
committee (梅林老村), a street with no enforcement team (梅林街道) and a
district with no planning bureau (河西区).
"""
import json
import os

DISTRICT_KINDS = [("housing_bureau", "住房和建设局"), ("public_security", "公安分局"),
                  ("urban_management", "城市管理局"), ("education_bureau", "教育局"),
                  ("planning_bureau", "规划和自然资源局"), ("fire_rescue", "消防救援大队"),
                  ("environment_bureau", "生态环境局"), ("utility", "水务集团"),
                  ("district_office", "小区治理引领小组办公室")]

# district code, name, missing district kinds
DISTRICTS = [("HZ-BH", "滨海区", []), ("HZ-HX", "河西区", ["planning_bureau"]),
             ("HZ-SN", "山南区", [])]
# street code, name, has enforcement team
STREETS = [("HZ-BH-HG", "海港街道", True), ("HZ-BH-YW", "渔湾街道", True),
           ("HZ-HX-DQ", "东桥街道", True), ("HZ-HX-ML", "梅林街道", False),
           ("HZ-SN-SQ", "石泉街道", True), ("HZ-SN-CS", "茶山街道", True)]
# community code, name, has committee
COMMUNITIES = [("HZ-BH-HG-1", "海港社区", True), ("HZ-BH-HG-2", "灯塔社区", True),
               ("HZ-BH-YW-1", "渔湾社区", True), ("HZ-BH-YW-2", "沙头社区", True),
               ("HZ-HX-DQ-1", "东桥社区", True), ("HZ-HX-DQ-2", "春江社区", True),
               ("HZ-HX-ML-1", "梅林社区", True), ("HZ-HX-ML-2", "化工社区", False),
               ("HZ-SN-SQ-1", "石泉社区", True), ("HZ-SN-SQ-2", "清泉社区", True),
               ("HZ-SN-CS-1", "茶山社区", True), ("HZ-SN-CS-2", "锦绣社区", True)]
# compound code, name, aliases, urban village, property company id or None,
# compound-tier kinds: O owners' committee, S self-management committee, P party branch
COMPOUNDS = [
    ("HZ-BH-HG-1-01", "海景湾", ["海景"], False, "PC-HJ", "OP"),
    ("HZ-BH-HG-1-02", "海景湾东区", ["海景东区"], False, "PC-HJ", "P"),
    ("HZ-BH-HG-1-03", "港务局宿舍", ["港务宿舍"], False, None, "SP"),
    ("HZ-BH-HG-2-01", "灯塔新村", [], False, "PC-DT", "P"),
    ("HZ-BH-HG-2-02", "电梯厂宿舍", [], False, None, "S"),
    ("HZ-BH-HG-2-03", "灯塔村", [], True, None, "P"),
    ("HZ-BH-YW-1-01", "渔湾名苑", [], False, "PC-YW", "OP"),
    ("HZ-BH-YW-1-02", "公交公司宿舍", ["公交宿舍"], False, None, ""),
    ("HZ-BH-YW-1-03", "渔湾花园", [], False, "PC-YW", "O"),
    ("HZ-BH-YW-2-01", "沙头村", [], True, None, "P"),
    ("HZ-BH-YW-2-02", "沙头新苑", [], False, "PC-ST", "SP"),
    ("HZ-HX-DQ-1-01", "东桥花园", [], False, "PC-DQ", "OP"),
    ("HZ-HX-DQ-1-02", "环卫所宿舍", [], False, None, "P"),
    ("HZ-HX-DQ-1-03", "东桥一号", [], False, "PC-DQ", ""),
    ("HZ-HX-DQ-2-01", "春江花园", ["春江"], False, "PC-CJ", "OP"),
    ("HZ-HX-DQ-2-02", "春江花园二期", [], False, "PC-CJ", "P"),
    ("HZ-HX-DQ-2-03", "一中教师公寓", ["教师公寓"], False, None, "SP"),
    ("HZ-HX-ML-1-01", "梅林苑", [], False, "PC-ML", "OP"),
    ("HZ-HX-ML-1-02", "公安新村", [], False, "PC-ML", "P"),
    ("HZ-HX-ML-2-01", "化工厂家属区", ["化工家属区"], False, None, "S"),
    ("HZ-HX-ML-2-02", "梅林老村", [], True, None, ""),
    ("HZ-SN-SQ-1-01", "石泉雅苑", [], False, "PC-SQ", "OP"),
    ("HZ-SN-SQ-1-02", "水厂宿舍", ["自来水厂宿舍"], False, None, "SP"),
    ("HZ-SN-SQ-1-03", "石泉人家", [], False, "PC-SQ", ""),
    ("HZ-SN-SQ-2-01", "清泉山庄", [], False, "PC-QQ", "OP"),
    ("HZ-SN-SQ-2-02", "城管局宿舍", ["城管宿舍"], False, None, "P"),
    ("HZ-SN-CS-1-01", "茶山花园", [], False, "PC-CS", "P"),
    ("HZ-SN-CS-1-02", "茶山书院", [], False, "PC-CS", "O"),
    ("HZ-SN-CS-2-01", "锦绣家园", [], False, "PC-JX", "OP"),
    ("HZ-SN-CS-2-02", "锦绣家园二期", [], False, "PC-JX", "P"),
    ("HZ-SN-CS-2-03", "医院家属院", [], False, None, "SP"),
]
COMPANIES = {"PC-HJ": "海州海景物业服务有限公司", "PC-DT": "灯塔物业管理有限公司",
             "PC-YW": "渔湾物业服务有限公司", "PC-ST": "沙头物业有限公司",
             "PC-DQ": "东桥物业服务有限公司", "PC-CJ": "春江物业管理有限公司",
             "PC-ML": "梅林物业服务有限公司", "PC-SQ": "石泉物业有限公司",
             "PC-QQ": "清泉物业服务有限公司", "PC-CS": "茶山物业管理有限公司",
             "PC-JX": "锦绣物业服务有限公司"}


def build():
    units = [{"code": "HZ", "kind": "city", "name": "海州市"}]
    bodies = [{"id": "HZ-DISPATCH", "kind": "dispatch_center", "name": "海州市12345热线派单中心",
               "units": ["HZ"]},
              {"id": "HZ-GOV", "kind": "city_office", "name": "海州市小区治理工作领导小组办公室",
               "units": ["HZ"]}]
    for code, name, missing in DISTRICTS:
        units.append({"code": code, "kind": "district", "name": name, "parent": "HZ"})
        for kind, label in DISTRICT_KINDS:
            if kind not in missing:
                bodies.append({"id": f"{code}-{kind.upper()}", "kind": kind,
                               "name": name + label, "units": [code]})
    for code, name, enf in STREETS:
        units.append({"code": code, "kind": "street", "name": name, "parent": code[:5]})
        bodies.append({"id": code + "-SO", "kind": "street_office", "name": name + "办事处",
                       "units": [code]})
        if enf:
            bodies.append({"id": code + "-ENF", "kind": "street_enforcement",
                           "name": name + "综合行政执法队", "units": [code]})
    for code, name, rc in COMMUNITIES:
        units.append({"code": code, "kind": "community", "name": name, "parent": code[:-2]})
        if rc:
            bodies.append({"id": code + "-RC", "kind": "community_committee",
                           "name": name + "居民委员会", "units": [code]})
    served = {}
    for code, name, aliases, uv, pc, kinds in COMPOUNDS:
        u = {"code": code, "kind": "compound", "name": name, "parent": code[:-3]}
        if aliases:
            u["aliases"] = aliases
        if uv:
            u["urban_village"] = True
        units.append(u)
        if pc:
            served.setdefault(pc, []).append(code)
        for k, kind, label in (("O", "owners_committee", "业主委员会"),
                               ("S", "self_management_committee", "居民自治管理委员会"),
                               ("P", "party_branch", "党支部")):
            if k in kinds:
                bodies.append({"id": f"{code}-{k}{'C' if k != 'P' else 'B'}" if k != "S"
                               else code + "-SMC", "kind": kind, "name": name + label,
                               "units": [code]})
    for pc, codes in served.items():
        bodies.append({"id": pc, "kind": "property_company", "name": COMPANIES[pc],
                       "units": codes})
    return {"units": units, "bodies": bodies}


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "registry_c.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(build(), f, ensure_ascii=False, indent=1)
        f.write("\n")
