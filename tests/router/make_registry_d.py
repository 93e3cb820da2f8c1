#!/usr/bin/python3
"""make_registry_d.py - writes tests/router/registry_d.json, the fourth test registry
(云岭市) used by the blind2 sets: 3 districts, 6 streets, 12 communities, 32
compounds incl. urban villages (五里村, 板桥村, 滇池渔村, 螺蛳湾村, 龙泉村), old
work-unit compounds whose names hold category-like words (消防站宿舍, 电梯厂家属院,
水务小区, 燃气公司宿舍, 派出所宿舍, 环保局宿舍, 教育局家属院, 路灯所宿舍,
化肥厂家属院, 绿地公园里), names inside other names (云杉苑 / 云杉苑二期,
海埂花园 / 海埂花园东区, 金马苑 / 金马苑二期, 螺蛳湾村 / 螺蛳湾国际公寓 share a
prefix) and gaps: compounds with no body at all (电梯厂家属院) or only a party
branch (宝珠花园), no street_enforcement in 龙泉街道, no environment_bureau in
金马区.
"""
import os
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import json
U=[("YL","city","云岭市",None,[],False)]
def u(code,kind,name,parent,aliases=(),uv=False): U.append((code,kind,name,parent,list(aliases),uv))
for d,n in [("SC","山城区"),("DC","滇池区"),("JM","金马区")]: u("YL-"+d,"district",n,"YL")
for s,n in [("SC-HS","红山街道"),("SC-QL","青龙街道"),("DC-HH","海埂街道"),("DC-GD","官渡街道"),("JM-XJ","小街街道"),("JM-LF","龙泉街道")]:
    u("YL-"+s,"street",n,"YL-"+s[:2])
C={"SC-HS-1":"红山社区","SC-HS-2":"五里社区","SC-QL-1":"青龙社区","SC-QL-2":"板桥社区","DC-HH-1":"海埂社区","DC-HH-2":"滇池社区",
   "DC-GD-1":"官渡社区","DC-GD-2":"螺蛳湾社区","JM-XJ-1":"小街社区","JM-XJ-2":"化肥厂社区","JM-LF-1":"龙泉社区","JM-LF-2":"宝珠社区"}
for c,n in C.items(): u("YL-"+c,"community",n,"YL-"+c[:5])
K=[("SC-HS-1-01","云杉苑",["云杉小区"]),("SC-HS-1-02","云杉苑二期",[]),("SC-HS-1-03","消防站宿舍",["消防站家属楼"]),
   ("SC-HS-2-01","五里村",["五里城中村"],True),("SC-HS-2-02","电梯厂家属院",["电梯厂宿舍"]),("SC-HS-2-03","金沙学苑",["学苑小区"]),
   ("SC-QL-1-01","水务小区",[]),("SC-QL-1-02","青龙湾",["青龙湾小区"]),("SC-QL-1-03","派出所宿舍",[]),
   ("SC-QL-2-01","板桥村",[],True),("SC-QL-2-02","燃气公司宿舍",["燃气宿舍"]),("SC-QL-2-03","绿地公园里",["公园里"]),
   ("DC-HH-1-01","海埂花园",["海埂"]),("DC-HH-1-02","海埂花园东区",["海埂东区"]),("DC-HH-1-03","教育局家属院",["教育局宿舍"]),
   ("DC-HH-2-01","滇池明珠",[]),("DC-HH-2-02","卫生院宿舍",[]),("DC-HH-2-03","滇池渔村",["渔村"],True),
   ("DC-GD-1-01","官渡古镇小区",["古镇小区"]),("DC-GD-1-02","环保局宿舍",[]),("DC-GD-1-03","房管所宿舍",[]),
   ("DC-GD-2-01","螺蛳湾村",[],True),("DC-GD-2-02","螺蛳湾国际公寓",["国际公寓"]),
   ("JM-XJ-1-01","金马苑",[]),("JM-XJ-1-02","金马苑二期",[]),("JM-XJ-1-03","路灯所宿舍",[]),
   ("JM-XJ-2-01","化肥厂家属院",["化肥厂宿舍"]),("JM-XJ-2-02","春城华府",[]),
   ("JM-LF-1-01","龙泉山居",[]),("JM-LF-1-02","龙泉村",[],True),
   ("JM-LF-2-01","宝珠花园",[]),("JM-LF-2-02","电视台宿舍",[])]
for k in K:
    u("YL-"+k[0],"compound",k[1],"YL-"+k[0][:7],k[2],len(k)>3)
B=[("YL-DISPATCH","dispatch_center","云岭市12345热线派单中心",["YL"]),("YL-GOV","city_office","云岭市小区治理工作领导小组办公室",["YL"])]
DN={"SC":"山城区","DC":"滇池区","JM":"金马区"}
KN={"housing_bureau":"住房和城乡建设局","public_security":"公安分局","urban_management":"城市管理局","education_bureau":"教育体育局",
    "planning_bureau":"自然资源和规划局","fire_rescue":"消防救援大队","environment_bureau":"生态环境分局","utility":"供水供电燃气服务中心","district_office":"小区治理引领小组办公室"}
for d,n in DN.items():
    for k,kn in KN.items():
        if d=="JM" and k=="environment_bureau": continue  # gap: no environment bureau in 金马区
        B.append((f"YL-{d}-{k.upper()}",k,n+kn,["YL-"+d]))
SN={"SC-HS":"红山街道","SC-QL":"青龙街道","DC-HH":"海埂街道","DC-GD":"官渡街道","JM-XJ":"小街街道","JM-LF":"龙泉街道"}
for s,n in SN.items():
    B.append((f"YL-{s}-OFFICE","street_office",n+"办事处",["YL-"+s]))
    if s!="JM-LF": B.append((f"YL-{s}-ENF","street_enforcement",n+"综合行政执法队",["YL-"+s]))  # gap: 龙泉街道 has none
for c,n in C.items(): B.append((f"YL-{c}-RC","community_committee",n+"居民委员会",["YL-"+c]))
PC=[("PC-YS","云杉物业服务有限公司",["SC-HS-1-01","SC-HS-1-02"]),("PC-JS","金沙物业管理有限公司",["SC-HS-2-03"]),
    ("PC-SW","云岭水务物业有限公司",["SC-QL-1-01"]),("PC-QL","青龙湾物业服务有限公司",["SC-QL-1-02","SC-QL-2-03"]),
    ("PC-HG","海埂物业服务有限公司",["DC-HH-1-01","DC-HH-1-02"]),("PC-MZ","明珠物业管理有限公司",["DC-HH-2-01"]),
    ("PC-GD","官渡物业有限公司",["DC-GD-1-01","DC-GD-2-02"]),("PC-JM","金马物业服务有限公司",["JM-XJ-1-01","JM-XJ-1-02"]),
    ("PC-CC","春城物业服务有限公司",["JM-XJ-2-02","JM-LF-1-01"])]
name={k[0]:k[1] for k in K}
for i,n,us in PC: B.append((i,"property_company",n,["YL-"+x for x in us]))
for c in ["SC-HS-1-01","SC-HS-2-03","SC-QL-1-02","DC-HH-1-01","DC-HH-2-01","JM-XJ-2-02","JM-XJ-1-01"]:
    B.append((f"YL-{c}-OC","owners_committee",name[c]+"业主委员会",["YL-"+c]))
for c in ["SC-HS-1-03","SC-QL-1-03","SC-QL-2-02","DC-HH-1-03","DC-HH-2-02","DC-GD-1-02","DC-GD-1-03","JM-XJ-1-03","JM-XJ-2-01","JM-LF-2-02"]:
    B.append((f"YL-{c}-SMC","self_management_committee",name[c]+"居民自治管理委员会",["YL-"+c]))
for k in K:
    if k[0] in ("SC-HS-2-02","JM-XJ-1-02","DC-GD-2-02","SC-QL-1-01"): continue
    B.append((f"YL-{k[0]}-PB","party_branch",k[1]+"党支部",["YL-"+k[0]]))
doc={"units":[dict(code=c,kind=k,name=n,**({"parent":p} if p else {}),**({"aliases":a} if a else {}),**({"urban_village":True} if uv else {})) for c,k,n,p,a,uv in U],
     "bodies":[{"id":i,"kind":k,"name":n,"units":us} for i,k,n,us in B]}
json.dump(doc,open("tests/router/registry_d.json","w",encoding="utf-8"),ensure_ascii=False,indent=1)
print(len([x for x in U if x[1]=="compound"]),len(B))
