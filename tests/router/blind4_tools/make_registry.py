# Builds /work/blind4/registry_f.json (南屏市, code NP) in the format of brief/registry.json.
import json
units = [{"code": "NP", "kind": "city", "name": "南屏市"}]
bodies = [
    {"id": "NP-DISPATCH", "kind": "dispatch_center", "name": "南屏市12345热线派单中心", "units": ["NP"]},
    {"id": "NP-GOV", "kind": "city_office", "name": "南屏市小区治理工作领导小组办公室", "units": ["NP"]},
]
districts = [("NP-XS", "溪山区"), ("NP-LW", "临湾区"), ("NP-BT", "白塘区")]
streets = [("NP-XS-GX", "桂香街道", "NP-XS"), ("NP-XS-SQ", "石桥街道", "NP-XS"),
           ("NP-LW-HM", "海门街道", "NP-LW"), ("NP-LW-YG", "渔港街道", "NP-LW"),
           ("NP-BT-LD", "柳堤街道", "NP-BT")]
communities = [("NP-XS-GX-1", "桂香社区"), ("NP-XS-GX-2", "月湖社区"),
               ("NP-XS-SQ-1", "石桥社区"), ("NP-XS-SQ-2", "青莲社区"),
               ("NP-LW-HM-1", "海门社区"), ("NP-LW-HM-2", "灯塔社区"),
               ("NP-LW-YG-1", "渔港社区"), ("NP-LW-YG-2", "沙尾社区"),
               ("NP-BT-LD-1", "柳堤社区"), ("NP-BT-LD-2", "荷塘社区")]
# code, name, aliases, urban_village, property company id or None, OC, SMC, PB
compounds = [
    ("NP-XS-GX-1-01", "丹枫花园", ["丹枫"], False, "PC-HY", True, False, True),
    ("NP-XS-GX-1-02", "桂园新村", ["桂园"], False, None, False, True, True),
    ("NP-XS-GX-1-03", "邮电宿舍", ["邮电局宿舍"], False, None, False, False, False),
    ("NP-XS-GX-2-01", "月湖湾公寓", ["月湖湾"], False, "PC-HY", False, False, True),
    ("NP-XS-GX-2-02", "学府路1号院", ["学府1号院"], False, "PC-MJ", False, False, False),
    ("NP-XS-GX-2-03", "上塘村", [], True, None, False, False, True),
    ("NP-XS-SQ-1-01", "石桥翡翠城", ["翡翠城"], False, "PC-CX", True, False, True),
    ("NP-XS-SQ-1-02", "棉纺厂宿舍", ["棉纺宿舍"], False, None, False, True, False),
    ("NP-XS-SQ-1-03", "云栖里", ["云栖"], False, "PC-CX", True, False, False),
    ("NP-XS-SQ-2-01", "莲溪苑", [], False, "PC-MJ", True, False, True),
    ("NP-XS-SQ-2-02", "槐树里", [], False, None, False, False, True),
    ("NP-XS-SQ-2-03", "后湾村", [], True, None, False, False, False),
    ("NP-LW-HM-1-01", "海韵名都", ["海韵"], False, "PC-HN", True, False, True),
    ("NP-LW-HM-1-02", "港务新村", ["港务局宿舍"], False, "PC-HN", False, True, True),
    ("NP-LW-HM-1-03", "望潮公寓", [], False, "PC-BL", False, False, False),
    ("NP-LW-HM-2-01", "蓝湾半岛", ["蓝湾"], False, "PC-BL", True, False, True),
    ("NP-LW-HM-2-02", "渔光里", [], False, None, False, True, True),
    ("NP-LW-HM-2-03", "东沙村", [], True, None, False, False, True),
    ("NP-LW-YG-1-01", "金港豪庭", ["金港"], False, "PC-HN", True, False, False),
    ("NP-LW-YG-1-02", "船厂宿舍", ["造船厂宿舍"], False, None, False, False, False),
    ("NP-LW-YG-1-03", "新港花园", [], False, "PC-JY", False, False, True),
    ("NP-LW-YG-2-01", "沙尾村", [], True, None, False, False, False),
    ("NP-LW-YG-2-02", "观澜雅苑", ["观澜"], False, "PC-JY", True, False, True),
    ("NP-LW-YG-2-03", "滨海一号", ["滨海1号"], False, "PC-BL", False, False, False),
    ("NP-BT-LD-1-01", "柳岸春晓", ["春晓小区"], False, "PC-LA", True, False, True),
    ("NP-BT-LD-1-02", "水泥厂家属院", ["水泥厂宿舍"], False, None, False, True, True),
    ("NP-BT-LD-1-03", "芦苇塘村", [], True, None, False, False, True),
    ("NP-BT-LD-2-01", "荷风苑", [], False, "PC-LA", False, False, False),
    ("NP-BT-LD-2-02", "育才路8号院", ["育才8号院"], False, None, False, False, True),
    ("NP-BT-LD-2-03", "翠微嘉园", ["翠微"], False, "PC-LA", True, False, True),
]
pcs = {"PC-HY": "恒悦物业服务有限公司", "PC-MJ": "明家物业管理有限公司", "PC-CX": "晨星物业服务有限公司",
       "PC-HN": "海宁物业管理有限公司", "PC-BL": "碧澜物业服务有限公司", "PC-JY": "嘉园物业服务有限公司",
       "PC-LA": "柳安物业管理有限公司"}
district_kinds = [("housing_bureau", "HOUSING_BUREAU", "住房和建设局"), ("public_security", "PUBLIC_SECURITY", "公安分局"),
                  ("urban_management", "URBAN_MANAGEMENT", "城市管理局"), ("education_bureau", "EDUCATION_BUREAU", "教育局"),
                  ("planning_bureau", "PLANNING_BUREAU", "规划和自然资源局"), ("fire_rescue", "FIRE_RESCUE", "消防救援大队"),
                  ("environment_bureau", "ENVIRONMENT_BUREAU", "生态环境局"), ("utility", "UTILITY", "水电气公用事业集团"),
                  ("district_office", "DISTRICT_OFFICE", "小区治理引领小组办公室")]
GAP_DISTRICT = {"NP-BT": {"environment_bureau"}}   # gap 1: 白塘区 has no 生态环境局
GAP_ENF = {"NP-LW-YG"}                              # gap 2: 渔港街道 has no 综合执法队

for dcode, dname in districts:
    units.append({"code": dcode, "kind": "district", "name": dname, "parent": "NP"})
    for kind, suffix, cname in district_kinds:
        if kind in GAP_DISTRICT.get(dcode, set()):
            continue
        bodies.append({"id": f"{dcode}-{suffix}", "kind": kind, "name": dname + cname, "units": [dcode]})
    for scode, sname, sparent in streets:
        if sparent != dcode:
            continue
        units.append({"code": scode, "kind": "street", "name": sname, "parent": dcode})
        bodies.append({"id": f"{scode}-OFFICE", "kind": "street_office", "name": sname + "办事处", "units": [scode]})
        if scode not in GAP_ENF:
            bodies.append({"id": f"{scode}-ENF", "kind": "street_enforcement", "name": sname + "综合执法队", "units": [scode]})
        for ccode, cname in communities:
            if not ccode.startswith(scode + "-"):
                continue
            units.append({"code": ccode, "kind": "community", "name": cname, "parent": scode})
            bodies.append({"id": f"{ccode}-RC", "kind": "community_committee", "name": cname + "居委会", "units": [ccode]})
            for code, name, aliases, uv, pc, oc, smc, pb in compounds:
                if not code.startswith(ccode + "-"):
                    continue
                u = {"code": code, "kind": "compound", "name": name, "parent": ccode}
                if aliases:
                    u["aliases"] = aliases
                if uv:
                    u["urban_village"] = True
                units.append(u)
# property companies (one may serve several compounds)
for pid, pname in pcs.items():
    served = [c[0] for c in compounds if c[4] == pid]
    bodies.append({"id": pid, "kind": "property_company", "name": pname, "units": served})
for code, name, aliases, uv, pc, oc, smc, pb in compounds:
    if oc:
        bodies.append({"id": f"{code}-OC", "kind": "owners_committee", "name": name + "业主委员会", "units": [code]})
    if smc:
        bodies.append({"id": f"{code}-SMC", "kind": "self_management_committee", "name": name + "居民自治管理委员会", "units": [code]})
    if pb:
        bodies.append({"id": f"{code}-PB", "kind": "party_branch", "name": name + "党支部", "units": [code]})
with open("/work/blind4/registry_f.json", "w", encoding="utf-8") as f:
    json.dump({"units": units, "bodies": bodies}, f, ensure_ascii=False, indent=1)
    f.write("\n")
