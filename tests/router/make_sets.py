#!/usr/bin/python3
"""make_sets.py - writes the router's held-out style demand sets from the
hand-written cases below (run it after editing them; the .jsonl files are
committed so that tests need neither this script nor OpenCC's CLI).

Each case: (channel, text, where, category, compound, urgency, flags)
  where:    {} or {"address": ...} or {"compound": CODE} (+ "urgency" given
            by the channel under "urgency_in")
  compound: the compound a person would place it in, or None (unlocatable)
  flags:    "T" written in traditional characters (OpenCC s2t of the text
            and address), "W" digits and letters full-width.
Sets:
  set_a_hard.jsonl - against the shared fixture registry (江岸市);
  set_b_hard.jsonl - against tests/router/registry_b.json (临江市), a
      registry with other names and structure: compound names holding
      misleading words (电力宿舍, 消防大院, 学府雅居, 警苑小区, 绿化新村,
      天然气公司家属院), a name inside another (阳光花园 / 阳光花园北区,
      翡翠城 / 翡翠城二期), a compound with no body at all and no community
      committee, a street with no enforcement team, a district with no
      environment bureau.
Expected bodies are derived by eval_sets.py from category and compound.
"""
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))

# ------------------------------------------------------------ set A (江岸市)
A = [
    # facility_repair
    ("hotline", "喂，你好，我是住在那个，就是东乐花园的，姓王，我们那个5号楼二单元的楼道灯啊，已经黑了快两个礼拜了，晚上老人摸黑上楼，你们能不能叫人来看看", {}, "facility_repair", "JA-DH-CZ-1-02", "normal", ""),
    ("wechat", "单元门的门禁刷卡刷不开，按密码也没反应，只能等别人开门", {"compound": "JA-DH-HB-2-01"}, "facility_repair", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "罗芳南苑7栋门口的下水道堵死了，一下雨就积水，污水还往外冒", {}, "facility_repair", "JA-DH-HB-2-01", "normal", ""),
    ("grid", "巡查发现12栋外墙瓷砖有松动，随时可能掉下来，楼下是小孩玩的地方", {"compound": "JA-PX-LT-2-02"}, "facility_repair", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "小區兒童樂園的鞦韆鏈條斷了，孩子差點摔下來，請儘快修理", {"address": "竹韻花園"}, "facility_repair", "JA-DH-HB-2-02", "normal", "T"),
    ("hotline", "翠湖苑３栋楼梯扶手断了好几截，老人上下楼没处扶", {}, "facility_repair", "JA-DH-HB-1-02", "normal", "W"),
    ("wechat", "我们楼顶天台漏雨，雨水顺着楼道墙往下流，墙皮都泡起来了", {"compound": "JA-DH-CZ-2-01"}, "facility_repair", "JA-DH-CZ-2-01", "normal", ""),
    ("hotline", "你好我要报修，锦龙苑地下室公共区域的水管破了，一直在哗哗流水", {}, "facility_repair", "JA-PX-LT-2-02", "normal", ""),
    ("grid", "村里巷道的路灯坏了好几盏，晚上出租屋的租户回来路上一片漆黑", {"compound": "JA-PX-BL-1-02"}, "facility_repair", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "云北苑的小区大门电动门坏了，关不上也打不开，车人都堵在门口", {}, "facility_repair", "JA-PX-BL-2-02", "normal", ""),
    # elevator
    ("hotline", "鸿翔花园9栋的电梯又停了，我妈八十多岁住18楼，根本下不了楼，麻烦尽快修", {}, "elevator", "JA-DH-CZ-1-01", "normal", ""),
    ("wechat", "电梯运行的时候晃得厉害，还有咔咔的异响，大家都不敢坐了", {"compound": "JA-PX-BL-1-01"}, "elevator", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "救命，我和孩子被关在电梯里了，在沙湖雅苑2栋，电梯卡在7楼和8楼中间，按警铃没人应", {}, "elevator", "JA-PX-BL-2-01", "emergency", ""),
    ("hotline", "電梯壞了一個多星期了，物業一直說在等配件，到現在都沒人管", {"address": "帝豪花園3棟"}, "elevator", "JA-DH-HB-1-01", "normal", "T"),
    ("wechat", "电梯按钮失灵，按了楼层也不停，已经贴了暂停使用", {"compound": "JA-PX-LT-2-01"}, "elevator", "JA-PX-LT-2-01", "normal", ""),
    # sanitation
    ("hotline", "那个，我反映一下，世纪花园的垃圾桶满了好几天没人清，臭得开不了窗，苍蝇到处飞", {}, "sanitation", "JA-PX-LT-1-01", "normal", ""),
    ("wechat", "楼道里到处是小广告和烟头，很久没人打扫了", {"compound": "JA-DH-HB-1-01"}, "sanitation", "JA-DH-HB-1-01", "normal", ""),
    ("grid", "小区垃圾分类点没人管，垃圾散落一地，老鼠成群", {"compound": "JA-PX-BL-2-02"}, "sanitation", "JA-PX-BL-2-02", "normal", ""),
    ("hotline", "朗悦花园里的绿化带杂草长得比人还高，蚊子特别多，物业收了钱不干事", {}, "sanitation", "JA-DH-CZ-2-01", "normal", ""),
    ("hotline", "木頭龍村的垃圾收集點已經堆滿了，一直沒人來拉走", {}, "sanitation", "JA-DH-CZ-2-02", "normal", "T"),
    # parking
    ("wechat", "小区里乱停车太严重了，消防通道以外的路都被堵，早上车开不出去", {"compound": "JA-PX-LT-2-02"}, "parking", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "京基御景的车位都被外来车占了，业主回家没地方停", {}, "parking", "JA-PX-BL-1-01", "normal", ""),
    ("wechat", "小区门口的道闸坏了，抬杆不起来，车进不去", {"compound": "JA-DH-CZ-1-01"}, "parking", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "我们小区没有电动车充电桩，大家没地方充电，能不能装几个", {"address": "沙湖雅苑"}, "parking", "JA-PX-BL-2-01", "normal", ""),
    # property_service_complaint
    ("hotline", "我要投诉罗芳南苑的物业，保安天天睡觉，保洁也不干活，打电话给物业经理也不接", {}, "property_service_complaint", "JA-DH-HB-2-01", "normal", ""),
    ("wechat", "物业没有经过业主大会就把物业费从每平方1.5涨到2.8元，太不合理了", {"compound": "JA-PX-LT-1-01"}, "property_service_complaint", "JA-PX-LT-1-01", "normal", ""),
    ("hotline", "物业把小区架空层租给别人开麻将馆收钱，公共地方变成他们挣钱的地方了", {"address": "京基御景花园"}, "property_service_complaint", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "物業前台的工作人員態度非常惡劣，業主去問事情還被罵", {"address": "鴻翔花園"}, "property_service_complaint", "JA-DH-CZ-1-01", "normal", "T"),
    ("wechat", "停车费物业说涨就涨，一个月从150涨到300，没有征求业主意见", {"compound": "JA-PX-LT-2-02"}, "property_service_complaint", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "竹韵花园的物业什么事都不管，业主报事情从来没有回音", {}, "property_service_complaint", "JA-DH-HB-2-02", "normal", ""),
    # maintenance_fund
    ("hotline", "想问一下我们小区的专项维修资金还剩多少，怎么申请用来修外墙", {"address": "锦龙苑"}, "maintenance_fund", "JA-PX-LT-2-02", "normal", ""),
    ("wechat", "小区电梯里的广告费和停车场收益到底去哪了，从来没公示过", {"compound": "JA-DH-CZ-2-01"}, "maintenance_fund", "JA-DH-CZ-2-01", "normal", ""),
    ("mailbox", "业委会用维修基金换了门禁，根本没有召开业主大会表决", {"address": "龙田世纪花园"}, "maintenance_fund", "JA-PX-LT-1-01", "normal", ""),
    ("hotline", "公共收益的账目要求公开，物业和业委会一直推来推去", {"address": "罗芳南苑"}, "maintenance_fund", "JA-DH-HB-2-01", "normal", ""),
    # neighbor_dispute
    ("hotline", "楼上那家天天半夜剁肉拖椅子，我跟他说了好几次都不听，孩子第二天还要上学", {"address": "帝豪花园6栋"}, "neighbor_dispute", "JA-DH-HB-1-01", "normal", ""),
    ("wechat", "楼上卫生间漏水，我家卫生间天花板都发霉了，找他家几次都不给修", {"compound": "JA-PX-LT-2-01"}, "neighbor_dispute", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "隔壁养了三条大狗，天天叫，狗屎拉在楼道里也不清理", {"address": "东乐花园"}, "neighbor_dispute", "JA-DH-CZ-1-02", "normal", ""),
    ("hotline", "對門鄰居把鞋櫃和雜物堆在我家門口，說了也不搬", {"address": "錦龍苑"}, "neighbor_dispute", "JA-PX-LT-2-02", "normal", "T"),
    ("hotline", "楼上的水现在正往我家灌，客厅已经全是水了，敲门没人在家", {"address": "翠湖苑4栋"}, "neighbor_dispute", "JA-DH-HB-1-02", "emergency", ""),
    ("grid", "两户村民因为晾衣服的地方吵起来了，需要社区调解", {"compound": "JA-PX-BL-1-02"}, "neighbor_dispute", "JA-PX-BL-1-02", "normal", ""),
    # committee_affairs
    ("hotline", "我们小区想成立业主委员会，需要准备哪些材料，到哪里申请", {"address": "帝豪花园"}, "committee_affairs", "JA-DH-HB-1-01", "normal", ""),
    ("mailbox", "业委会任期早就到了还不换届，几个委员把持着不放", {"address": "罗芳南苑"}, "committee_affairs", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "现在的业委会选举有人拉票造假，选举结果我们不认可", {"address": "锦龙苑"}, "committee_affairs", "JA-PX-LT-2-02", "normal", ""),
    # property_transition
    ("hotline", "我们小区业主都想把现在的物业炒掉，重新选一家，应该怎么走程序", {"address": "京基御景花园"}, "property_transition", "JA-PX-BL-1-01", "normal", ""),
    ("wechat", "物业公司说下个月就撤场不干了，小区以后谁来管", {"compound": "JA-PX-BL-2-01"}, "property_transition", "JA-PX-BL-2-01", "normal", ""),
    ("hotline", "翠湖苑一直没有物业，我们想引进一家物业公司来管理", {}, "property_transition", "JA-DH-HB-1-02", "normal", ""),
    ("hotline", "新旧物业交接闹矛盾，老物业不肯交出资料和钥匙", {"address": "鸿翔花园"}, "property_transition", "JA-DH-CZ-1-01", "normal", ""),
    # illegal_construction
    ("hotline", "一楼那户把自家院子往外扩，占了公共绿地，还搭了个棚子", {"address": "竹坑花园"}, "illegal_construction", "JA-PX-LT-2-01", "normal", ""),
    ("wechat", "顶楼业主在楼顶加盖了一层房子，我们担心楼板承受不了", {"compound": "JA-DH-CZ-2-01"}, "illegal_construction", "JA-DH-CZ-2-01", "normal", ""),
    ("hotline", "楼下邻居装修把承重墙打掉了，我家墙上都出现裂缝了，跟他说了也不理", {"address": "鸿翔花园2栋"}, "illegal_construction", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "有人在阳台外面私自焊了个铁架子，伸出去一米多", {"address": "世纪花园"}, "illegal_construction", "JA-PX-LT-1-01", "normal", ""),
    # business_nuisance
    ("hotline", "小区楼下那家烧烤店每天开到凌晨三点，油烟直往我家窗户里灌，吵得根本睡不着", {"address": "帝豪花园"}, "business_nuisance", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "旁边工地晚上十二点还在打桩施工，整栋楼都被吵醒了", {"address": "云北苑"}, "business_nuisance", "JA-PX-BL-2-02", "normal", ""),
    ("grid", "村口的小商贩把摊子摆到路中间，车都过不去", {"compound": "JA-DH-CZ-2-02"}, "business_nuisance", "JA-DH-CZ-2-02", "normal", ""),
    ("hotline", "底商的KTV音响声音太大了，每晚都吵到十二点以后", {"address": "翠湖苑"}, "business_nuisance", "JA-DH-HB-1-02", "normal", ""),
    # building_quality
    ("hotline", "房子才交房两年，外墙就开始渗水，开发商说过了保修期不管", {"address": "锦龙苑"}, "building_quality", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "买房的时候开发商承诺有游泳池和幼儿园，现在交房了什么都没有", {"address": "京基御景花园"}, "building_quality", "JA-PX-BL-1-01", "normal", ""),
    ("wechat", "交房好几年了房产证一直办不下来，开发商一直拖", {"compound": "JA-PX-LT-1-01"}, "building_quality", "JA-PX-LT-1-01", "normal", ""),
    ("hotline", "电梯从交房起就一直有问题，开发商和电梯厂互相推，一直没解决", {"address": "朗悦花园"}, "building_quality", "JA-DH-CZ-2-01", "normal", ""),
    # planning
    ("hotline", "听说要在我们小区旁边建垃圾中转站，离楼只有几十米，居民都反对", {"address": "沙湖雅苑"}, "planning", "JA-PX-BL-2-01", "normal", ""),
    ("mailbox", "规划上写的社区公园和菜市场到现在都没建，附近居民买菜要走很远", {"address": "龙田老街小区"}, "planning", "JA-PX-LT-1-02", "normal", ""),
    ("hotline", "小区东面要建变电站，大家担心辐射，希望重新选址", {"address": "竹坑花园"}, "planning", "JA-PX-LT-2-01", "normal", ""),
    # school_places
    ("hotline", "孩子今年上小学，我们小区划到的学校太远了，学位也不够，能不能调整学区", {"address": "碧岭村"}, "school_places", "JA-PX-BL-1-02", "normal", ""),
    ("wechat", "幼儿园报名报不上，说是学位满了，家门口就一个公办园", {"compound": "JA-DH-HB-2-02"}, "school_places", "JA-DH-HB-2-02", "normal", ""),
    ("hotline", "非户籍孩子入学要什么条件，积分不够怎么办", {"address": "木头龙新村"}, "school_places", "JA-DH-CZ-2-02", "normal", ""),
    # public_security
    ("hotline", "昨晚小区好几辆电动车的电瓶被偷了，监控也看不清，希望警察来查一下", {"address": "竹坑花园"}, "public_security", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "楼下有人在打架，拿着刀，快来人啊", {"address": "罗芳南苑3栋"}, "public_security", "JA-DH-HB-2-01", "emergency", ""),
    ("wechat", "最近小区里经常有陌生人挨家挨户推销，还有人冒充燃气公司收费，怀疑是骗子", {"compound": "JA-DH-CZ-1-01"}, "public_security", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "出租屋里有人聚众赌博，天天半夜进进出出", {"address": "碧岭村"}, "public_security", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "我家刚才被人撬门入室盗窃了，小偷可能还在楼里", {"address": "锦龙苑5栋"}, "public_security", "JA-PX-LT-2-02", "emergency", ""),
    # fire_safety
    ("hotline", "楼道里停满了电动车，还有人从家里拉电线下来充电，太危险了", {"address": "翠湖苑"}, "fire_safety", "JA-DH-HB-1-02", "normal", ""),
    ("grid", "消防通道被私家车堵死了，消防车根本进不来", {"compound": "JA-PX-BL-1-01"}, "fire_safety", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "小区的消防栓都没水，灭火器也过期好几年了", {"address": "龙田老街小区"}, "fire_safety", "JA-PX-LT-1-02", "normal", ""),
    ("hotline", "12楼有房子着火了，冒着黑烟，快派消防车", {"address": "东乐花园"}, "fire_safety", "JA-DH-CZ-1-02", "emergency", ""),
    ("hotline", "楼道安全出口被人堆满了纸箱和旧家具，根本过不去人", {"address": "云北苑"}, "fire_safety", "JA-PX-BL-2-02", "normal", ""),
    ("hotline", "一楼电表箱那里在冒火花，噼里啪啦响", {"address": "沙湖雅苑"}, "fire_safety", "JA-PX-BL-2-01", "emergency", ""),
    # pollution
    ("hotline", "附近的化工厂晚上偷偷排废气，气味刺鼻，好多人喉咙痛", {"address": "碧岭村"}, "pollution", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "小区旁边的河被工厂排污染成黑色了，还有死鱼", {"address": "竹坑花园"}, "pollution", "JA-PX-LT-2-01", "normal", ""),
    # utilities
    ("hotline", "整栋楼从早上开始就停水了，也没有通知，什么时候能来水", {"address": "罗芳南苑"}, "utilities", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "家里自来水发黄有铁锈味，烧开了都是沉淀", {"address": "鸿翔花园"}, "utilities", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "厨房里一股很浓的煤气味，我不敢开灯，赶紧派人来", {"address": "金地朗悦花园8栋"}, "utilities", "JA-DH-CZ-2-01", "emergency", ""),
    ("wechat", "小区经常停电，一个月停了五六次，冰箱里的东西都坏了", {"compound": "JA-PX-LT-1-02"}, "utilities", "JA-PX-LT-1-02", "normal", ""),
    ("hotline", "高层水压太低，晚上用水高峰18楼以上就没水了", {"address": "京基御景花园"}, "utilities", "JA-PX-BL-1-01", "normal", ""),
    # municipal_facilities
    ("hotline", "小区门口那条马路上有个大坑，好几个骑电动车的摔了", {"address": "东乐花园门口"}, "municipal_facilities", "JA-DH-CZ-1-02", "normal", ""),
    ("hotline", "沙湖路上的路灯一整排都不亮，晚上过马路很危险", {"address": "沙湖雅苑附近"}, "municipal_facilities", "JA-PX-BL-2-01", "normal", ""),
    ("hotline", "人行道上的井盖没了，就在帝豪花园外面的公交站旁边", {}, "municipal_facilities", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "小区外面大街上的行道树歪了，快倒到路中间了", {"address": "锦龙苑"}, "municipal_facilities", "JA-PX-LT-2-02", "normal", ""),
    # social_assistance
    ("hotline", "我们楼有个独居老人，子女都在外地，最近好几天没见他出门了，能不能请社区去看看", {"address": "龙田老街小区"}, "social_assistance", "JA-PX-LT-1-02", "normal", ""),
    ("wechat", "我家老人残疾，想申请低保和残疾人补贴，应该找谁", {"compound": "JA-DH-HB-1-02"}, "social_assistance", "JA-DH-HB-1-02", "normal", ""),
    ("hotline", "我丈夫去年去世了，我一个人带两个孩子，生活很困难，想申请救助", {"address": "碧岭村"}, "social_assistance", "JA-PX-BL-1-02", "normal", ""),
    # consultation
    ("hotline", "请问居住证到期了怎么续办，需要带什么材料", {"address": "竹韵花园"}, "consultation", "JA-DH-HB-2-02", "normal", ""),
    ("hotline", "想咨询一下城乡居民医保怎么交费，今年的缴费截止到什么时候", {"address": "东乐花园"}, "consultation", "JA-DH-CZ-1-02", "normal", ""),
    ("wechat", "老年人乘车卡在哪里办理", {"compound": "JA-PX-BL-2-02"}, "consultation", "JA-PX-BL-2-02", "normal", ""),
    # unclassified
    ("hotline", "喂？喂？怎么没声音", {"address": "翠湖苑"}, "unclassified", "JA-DH-HB-1-02", "normal", ""),
    ("wechat", "上次反映的问题已经解决了，谢谢你们", {"compound": "JA-DH-CZ-1-01"}, "unclassified", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "不好意思打错了", {}, "unclassified", None, "normal", ""),
    # unlocatable
    ("hotline", "我们单元的电梯坏了三天了，物业说在修", {"address": "东湖区"}, "elevator", None, "normal", ""),
    ("hotline", "小区的垃圾好几天没人清运了", {}, "sanitation", None, "normal", ""),
    # channel urgency
    ("property", "地下车库排水泵坏了，车库进水", {"compound": "JA-PX-LT-2-02", "urgency_in": "emergency"}, "facility_repair", "JA-PX-LT-2-02", "emergency", ""),
    ("hotline", "电梯里困了一个老人，已经快半小时了", {"address": "鸿翔花园", "urgency_in": "normal"}, "elevator", "JA-DH-CZ-1-01", "emergency", ""),
    # names and phone numbers in text
    ("hotline", "我叫李建国，电话13812345678，住竹坑花园6栋，楼下化粪池冒出来了，满地都是", {}, "facility_repair", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "您好我姓陈联系方式１５９８８８８６６６６，锦龙苑业主，电梯经常困人，今天又停了", {}, "elevator", "JA-PX-LT-2-02", "normal", "W"),
]

# ------------------------------------------------------------ set B (临江市)
B = [
    # names with misleading words: 电力宿舍 (utilities), 消防大院 (fire), 学府 (school),
    # 警苑 (police), 绿化新村 (sanitation), 天然气公司家属院 (gas)
    ("hotline", "电力宿舍3栋的楼道灯全坏了，晚上黑漆漆的", {}, "facility_repair", "LJ-NC-XF-1-03", "normal", ""),
    ("hotline", "消防大院里的垃圾一个星期没人收了，都堆到路上了", {}, "sanitation", "LJ-NC-XF-2-02", "normal", ""),
    ("wechat", "学府雅居的电梯又坏了，这个月第三次了", {}, "elevator", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "警苑小区里面乱停车，车位不够，晚上回来只能停到外面", {}, "parking", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "绿化新村的下水道堵了，厨房的水都排不下去", {}, "facility_repair", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "天然气公司家属院的单元门坏了一个月了", {}, "facility_repair", "LJ-NC-YL-1-01", "normal", ""),
    ("hotline", "燃气家属院楼上邻居天天晚上唱歌，吵得睡不着", {}, "neighbor_dispute", "LJ-NC-YL-1-01", "normal", ""),
    ("hotline", "消防大院没有物业，楼道灯坏了没人修", {}, "facility_repair", "LJ-NC-XF-2-02", "normal", ""),
    ("wechat", "供电局宿舍有人把电动车推进楼道充电，晚上还充着", {}, "fire_safety", "LJ-NC-XF-1-03", "normal", ""),
    ("hotline", "警苑那边有个独居老人生病了没人照顾", {}, "social_assistance", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "学府雅居附近的小学学位不够，孩子只能去很远的学校", {}, "school_places", "LJ-NC-XF-2-01", "normal", ""),
    # name inside another
    ("hotline", "阳光花园北区2栋电梯困人了，里面有小孩在哭", {}, "elevator", "LJ-NC-XF-1-02", "emergency", ""),
    ("hotline", "阳光花园的业委会挪用公共收益，账目不公开", {}, "maintenance_fund", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "翡翠城二期的物业费又涨了，服务却越来越差", {}, "property_service_complaint", "LJ-NC-YL-1-03", "normal", ""),
    ("hotline", "翡翠城的业主想换物业，现在的物业合同快到期了", {}, "property_transition", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "有人在一楼搭阳光房占用公共绿地", {"address": "阳光花园北区5栋"}, "illegal_construction", "LJ-NC-XF-1-02", "normal", ""),
    ("hotline", "有人在一楼私自搭了个阳光房，还把围墙往外扩", {"address": "翡翠城二期"}, "illegal_construction", "LJ-NC-YL-1-03", "normal", ""),
    # address only / text only / code
    ("hotline", "楼道的声控灯不亮好久了", {"address": "南城区西风街道阳光花园8栋"}, "facility_repair", "LJ-NC-XF-1-01", "normal", ""),
    ("wechat", "垃圾桶满了没人倒", {"compound": "LJ-BH-QS-1-02"}, "sanitation", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "我住在水岸名都，物业保安态度恶劣，还动手推业主", {}, "property_service_complaint", "LJ-BH-QS-1-02", "normal", ""),
    # chain fallbacks
    ("hotline", "新河公寓的楼道灯坏了，没有物业也没人管", {}, "facility_repair", "LJ-NC-YL-2-01", "normal", ""),
    ("hotline", "新河公寓楼上漏水到我家，楼上不理", {}, "neighbor_dispute", "LJ-NC-YL-2-01", "normal", ""),
    ("hotline", "新河公寓的小区里有人私搭乱建，在楼顶盖房", {}, "illegal_construction", "LJ-NC-YL-2-01", "normal", ""),
    ("hotline", "消防大院的业主对小区管理很不满意，没人管事", {}, "property_service_complaint", "LJ-NC-XF-2-02", "normal", ""),
    ("hotline", "电力宿舍自管委收了钱不办事，卫生也没人搞", {}, "sanitation", "LJ-NC-XF-1-03", "normal", ""),
    ("hotline", "学府雅居楼上邻居养狗天天叫", {}, "neighbor_dispute", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "警苑小区的维修资金怎么申请使用", {}, "maintenance_fund", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "警苑小区楼下烧烤摊油烟太大，每晚都熏得受不了", {}, "business_nuisance", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "水岸名都有人把一楼承重墙拆了开店", {}, "illegal_construction", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "绿化新村旁边的工厂排出的废气很臭，像烧塑料的味道", {}, "pollution", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "翡翠城旁边的工厂往河里排污水", {}, "pollution", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "桃源村巷子里的垃圾堆成山了，老鼠乱窜", {}, "sanitation", "LJ-NC-XF-2-03", "normal", ""),
    ("grid", "村里巷道的排水沟堵了，下雨就淹", {"compound": "LJ-NC-XF-2-03"}, "facility_repair", "LJ-NC-XF-2-03", "normal", ""),
    ("hotline", "桃源村的出租屋有人在楼道里飞线充电", {}, "fire_safety", "LJ-NC-XF-2-03", "normal", ""),
    # every category, hard phrasings
    ("hotline", "嗯那个，我想说的就是，呃，翡翠城二期我们那栋，电梯吧，一到十楼就咣当一下，吓死人了，大家都走楼梯了", {}, "elevator", "LJ-NC-YL-1-03", "normal", ""),
    ("hotline", "陽光花園北區的電梯又停了，老人上不了樓", {}, "elevator", "LJ-NC-XF-1-02", "normal", "T"),
    ("hotline", "學府雅居的物業把公共綠地圍起來做停車場收費", {}, "property_service_complaint", "LJ-NC-XF-2-01", "normal", "T"),
    ("hotline", "翡翠城８栋的化粪池满了，粪水流得到处都是", {}, "facility_repair", "LJ-NC-YL-1-02", "normal", "W"),
    ("hotline", "水岸名都１２栋外墙交房没多久就裂开了，开发商不管", {}, "building_quality", "LJ-BH-QS-1-02", "normal", "W"),
    ("hotline", "翡翠城二期买房时承诺的会所和游泳池到现在都没建", {}, "building_quality", "LJ-NC-YL-1-03", "normal", ""),
    ("hotline", "听说青山社区旁边要建一座垃圾焚烧厂，居民强烈反对", {"address": "绿化新村"}, "planning", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "阳光花园门口的市政道路塌了一块", {}, "municipal_facilities", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "警苑小区门口公交站旁的公共厕所脏得没法进", {}, "municipal_facilities", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "水岸名都这两天一直停水，也没说什么时候恢复", {}, "utilities", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "电力宿舍今天又停电了，大热天的老人受不了", {}, "utilities", "LJ-NC-XF-1-03", "normal", ""),
    ("hotline", "天然气公司家属院有一户家里漏气，整个楼道都是味", {}, "utilities", "LJ-NC-YL-1-01", "emergency", ""),
    ("hotline", "翡翠城有人在小区里撬车门偷东西，已经好几辆了", {}, "public_security", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "水岸名都的业委会成员私自跟物业签合同，业主要求罢免他们", {}, "committee_affairs", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "绿化新村想成立业委会，街道一直不给答复", {}, "committee_affairs", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "警苑小区的物业突然贴通知说下个月撤出，没人接手怎么办", {}, "property_transition", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "请问办理居住证需要什么材料", {"address": "翡翠城"}, "consultation", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "想问问养老保险断交了能不能补交", {"address": "水岸名都"}, "consultation", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "好的谢谢，没有别的事了", {"address": "阳光花园"}, "unclassified", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "喂你好，那个……算了我再想想", {}, "unclassified", None, "normal", ""),
    ("hotline", "学府雅居有个低保户老人瘫痪在床，家里没人照顾", {}, "social_assistance", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "阳光花园的楼上邻居家里漏水，水现在正往我家灌，电器都泡了", {}, "neighbor_dispute", "LJ-NC-XF-1-01", "emergency", ""),
    ("hotline", "翡翠城楼道里堆满了旧家具和纸箱，把安全出口都挡住了", {}, "fire_safety", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "翡翠城二期邻居在楼道里放了个鞋柜，不影响走路但是很难看，说了不听", {}, "neighbor_dispute", "LJ-NC-YL-1-03", "normal", ""),
    ("hotline", "小区健身器材被人偷走了，希望物业重新装上", {"address": "翡翠城"}, "facility_repair", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "小区的健身器材被人偷了，希望公安查一下是谁偷的", {"address": "翡翠城"}, "public_security", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "学府雅居的电动车充电桩收费太贵，物业私自涨价", {}, "property_service_complaint", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "阳光花园停车场的收入去哪了，业主从来没分到", {}, "maintenance_fund", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "电梯坏了物业也不管，我们业主天天爬楼", {"address": "阳光花园北区"}, "elevator", "LJ-NC-XF-1-02", "normal", ""),
    ("hotline", "顶楼漏雨，雨水流进家里，这房子才交房一年还在保修期", {"address": "翡翠城二期"}, "building_quality", "LJ-NC-YL-1-03", "normal", ""),
    ("hotline", "屋顶漏雨了，楼道里都是水，请物业来修一下", {"address": "学府雅居"}, "facility_repair", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "翡翠城的外墙瓷砖老是往下掉，前天差点砸到人", {}, "facility_repair", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "小区外面的马路边路灯坏了好久", {"address": "水岸名都"}, "municipal_facilities", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "小区里面的路灯坏了好几盏", {"address": "水岸名都"}, "facility_repair", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "楼下饭店的油烟直接排到我们楼里", {"address": "翡翠城"}, "business_nuisance", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "旁边塑料厂的烟囱冒黑烟，味道很难闻", {"address": "翡翠城"}, "pollution", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "整栋楼都没水了，是不是水管爆了", {"address": "学府雅居"}, "utilities", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "楼道里的公共水管爆了，水流得满地都是", {"address": "学府雅居"}, "facility_repair", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "楼道里电线在冒火花，还有焦糊味", {"address": "警苑小区"}, "fire_safety", "LJ-BH-QS-1-01", "emergency", ""),
    ("hotline", "请问怎么召开业主大会选业委会", {"address": "翡翠城二期"}, "committee_affairs", "LJ-NC-YL-1-03", "normal", ""),
    ("hotline", "我们小区没有物业，想请街道帮忙招标选一家物业", {"address": "新河公寓"}, "property_transition", "LJ-NC-YL-2-01", "normal", ""),
    ("hotline", "楼下小卖部的冰柜压缩机晚上嗡嗡响，吵得睡不着", {"address": "绿化新村"}, "business_nuisance", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "一直有个陌生男子在小区里转悠，看着很可疑，还跟踪女孩子", {"address": "阳光花园"}, "public_security", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "青山街道那边的井盖丢了", {}, "municipal_facilities", None, "normal", ""),
    ("hotline", "我们小区电梯坏了", {"address": "临江市南城区"}, "elevator", None, "normal", ""),
    ("hotline", "燃氣家屬院的垃圾站太臭了，好幾天沒人清理", {}, "sanitation", "LJ-NC-YL-1-01", "normal", "T"),
    ("hotline", "我叫张伟，手机13600001111，翡翠城二期３栋，楼上装修天天电钻响，周末早上七点就开始", {}, "neighbor_dispute", "LJ-NC-YL-1-03", "normal", "W"),
]

# ------------------------------------------------------------ set C (江岸市), written after
# the lexicon changes above and measured before any change made for it
C = [
    ("hotline", "喂，是热线吧，我跟你讲啊，我们家住鸿翔花园的，那个7栋，就是最近吧，晚上一到十点多，那个，呃，楼下那个门，就是刷卡那个，它就一直嘀嘀嘀响，关也关不上，谁都能进", {}, "facility_repair", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "我们这栋楼的那个上下楼的梯子，就是坐的那个，三天两头趴窝，我腿不好只能在家待着", {"address": "锦龙苑6栋"}, "elevator", "JA-PX-LT-2-02", "normal", ""),
    ("wechat", "楼梯间的窗户玻璃被风吹掉下来了，碎了一地", {"compound": "JA-PX-BL-2-01"}, "facility_repair", "JA-PX-BL-2-01", "normal", ""),
    ("hotline", "我们那个楼，一楼那个井，就是污水井，满出来了，那个味道啊，夏天根本没法过", {"address": "竹韵花园"}, "facility_repair", "JA-DH-HB-2-02", "normal", ""),
    ("hotline", "小区里的草坪都黄了也没人管，树枝都伸到我家阳台上了，蚊虫特别多", {"address": "罗芳南苑"}, "sanitation", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "单元楼道里有只死老鼠好几天了，臭死了也没人来清", {"address": "东乐花园"}, "sanitation", "JA-DH-CZ-1-02", "normal", ""),
    ("wechat", "晚上回来根本找不到地方停，外面的车随便进来停，保安也不管", {"compound": "JA-DH-HB-1-01"}, "parking", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "月租车位从两百涨到四百，物业贴个通知就涨了，业主都不同意", {"address": "龙田世纪花园"}, "property_service_complaint", "JA-PX-LT-1-01", "normal", ""),
    ("hotline", "物业经理把小区的公共会所改成了自己的茶室，对外营业收钱", {"address": "京基御景花园"}, "property_service_complaint", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "交了物业费什么服务都没有，门口保安形同虚设，投诉了也没人理", {"address": "帝豪花园"}, "property_service_complaint", "JA-DH-HB-1-01", "normal", ""),
    ("wechat", "小区外墙那些广告牌一年能收多少钱？钱进了谁的口袋？", {"compound": "JA-DH-HB-2-01"}, "maintenance_fund", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "要修屋面防水，说要用大家的维修的钱，可是从来没让我们签字同意", {"address": "锦龙苑"}, "maintenance_fund", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "我家天花板一直在滴水，肯定是楼上的管子漏了，他家装修完就这样", {"address": "帝豪花园"}, "neighbor_dispute", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "隔壁那家天天打麻将到凌晨两三点，洗牌的声音隔着墙都听得见", {"address": "竹坑花园"}, "neighbor_dispute", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "对面那户在楼道里养鸡，又臭又吵", {"address": "龙田老街小区"}, "neighbor_dispute", "JA-PX-LT-1-02", "normal", ""),
    ("mailbox", "业委会主任一个人说了算，其他委员都被架空了，这样的业委会我们不承认", {"address": "锦龙苑"}, "committee_affairs", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "小区从来没有业主委员会，大家想自己组织起来选一个", {"address": "竹坑花园"}, "committee_affairs", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "原来的物业合同到期走了，现在小区没人管，垃圾也没人收，街道能不能先派人接管", {"address": "沙湖雅苑"}, "property_transition", "JA-PX-BL-2-01", "normal", ""),
    ("hotline", "这个物业公司我们实在受够了，业主签名要求把他们赶走", {"address": "帝豪花园"}, "property_transition", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "隔壁楼的住户在院子里用砖砌了一间房出租", {"address": "罗芳南苑"}, "illegal_construction", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "有户人家把公共楼道圈起来装了个铁门，变成他家的了", {"address": "云北苑"}, "illegal_construction", "JA-PX-BL-2-02", "normal", ""),
    ("hotline", "楼下新开的奶茶店门口的喇叭一直循环放广告，吵了一整天", {"address": "京基御景花园"}, "business_nuisance", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "马路对面的装修公司晚上还在切割石材，声音刺耳", {"address": "帝豪花园"}, "business_nuisance", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "新房的卫生间地面渗水到楼下，是防水层没做好，找开发商几次都推脱", {"address": "锦龙苑"}, "building_quality", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "墙体空鼓开裂，还是新交付的房子，质量太差了", {"address": "京基御景花园"}, "building_quality", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "规划图上说旁边是绿地，现在怎么要盖高楼了，挡住我们采光", {"address": "竹坑花园"}, "planning", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "听说附近要建一个火葬场，大家都很担心", {"address": "碧岭村"}, "planning", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "孩子明年读初中，我们这片划到哪个学校了，怎么查", {"address": "龙田老街小区"}, "school_places", "JA-PX-LT-1-02", "normal", ""),
    ("hotline", "有个人在小区门口拉着女孩子不放，看着像是要抢包", {"address": "沙湖雅苑"}, "public_security", "JA-PX-BL-2-01", "emergency", ""),
    ("hotline", "最近老有人在小区里偷快递，门口快递架上的东西经常不见", {"address": "东乐花园"}, "public_security", "JA-DH-CZ-1-02", "normal", ""),
    ("hotline", "邻居家的男人喝了酒就打老婆，刚才又听到哭喊声", {"address": "竹坑花园"}, "public_security", "JA-PX-LT-2-01", "emergency", ""),
    ("hotline", "地下车库里有人往电瓶车里充电，车库里停了几十辆电动车插着排插", {"address": "朗悦花园"}, "fire_safety", "JA-DH-CZ-2-01", "normal", ""),
    ("hotline", "楼下有人在烧垃圾，烟都飘到楼上来了", {"address": "木头龙新村"}, "fire_safety", "JA-DH-CZ-2-02", "normal", ""),
    ("hotline", "厨房着火了，油锅烧起来了，快来", {"address": "鸿翔花园5栋"}, "fire_safety", "JA-DH-CZ-1-01", "emergency", ""),
    ("hotline", "附近的电镀厂排的水有股怪味，河里都变色了", {"address": "竹坑花园"}, "pollution", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "晚上经常闻到一股很刺鼻的油漆味，好像是旁边喷漆厂", {"address": "碧岭村"}, "pollution", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "家里水龙头放出来是浑的，还有小虫子", {"address": "沙湖雅苑"}, "utilities", "JA-PX-BL-2-01", "normal", ""),
    ("hotline", "从昨晚到现在整个小区都没电，电梯也停了", {"address": "罗芳南苑"}, "utilities", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "我家电表走得特别快，一个月电费比以前多了一倍", {"address": "东乐花园"}, "utilities", "JA-DH-CZ-1-02", "normal", ""),
    ("hotline", "小区门口公交站台的顶棚塌了一半，等车的人都淋雨", {"address": "锦龙苑"}, "municipal_facilities", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "大马路边上的下水道井盖翘起来了，车一压就响", {"address": "京基御景花园外"}, "municipal_facilities", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "我妈一个人住，老年痴呆，走丢过两次，我在外地，希望社区能帮忙照看一下", {"address": "东乐花园"}, "social_assistance", "JA-DH-CZ-1-02", "normal", ""),
    ("hotline", "家里突然失业了，房租都交不起，有没有什么补助", {"address": "碧岭村"}, "social_assistance", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "想问一下生育津贴怎么申请，要去哪个窗口", {"address": "锦龙苑"}, "consultation", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "公积金提取需要哪些手续啊", {"address": "帝豪花园"}, "consultation", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "你们好，我就是打来说一声，上次那个事处理得挺好的", {"address": "罗芳南苑"}, "unclassified", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "嗯……嗯……没事了", {}, "unclassified", None, "normal", ""),
    ("hotline", "小区里的電動車充電樁壞了好幾個，充不上電", {"address": "竹坑花園"}, "parking", "JA-PX-LT-2-01", "normal", "T"),
    ("hotline", "樓上鄰居每天晚上很晚還在蹦跳，跟他們說也沒用", {"address": "雲北苑"}, "neighbor_dispute", "JA-PX-BL-2-02", "normal", "T"),
    ("hotline", "小區門口的燒烤攤每晚煙霧繚繞，吵到半夜", {"address": "帝豪花園"}, "business_nuisance", "JA-DH-HB-1-01", "normal", "T"),
    ("hotline", "住在２栋１２０１的王女士反映，电梯停在１５楼不动了，里面有两个人出不来", {"address": "罗芳南苑"}, "elevator", "JA-DH-HB-2-01", "emergency", "W"),
    ("hotline", "电话１３９０００００１２３，世纪花园业主，小区大门的人行门坏了一周了", {}, "facility_repair", "JA-PX-LT-1-01", "normal", "W"),
    ("hotline", "我是金地朗悦的，想问问我们小区物业费的收费标准是谁定的，为什么比旁边贵那么多", {}, "property_service_complaint", "JA-DH-CZ-2-01", "normal", ""),
    ("hotline", "我在帝豪花园那边的地铁口，路边的树倒了，压在人行道上", {}, "municipal_facilities", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "电梯公司的人来修了好几次都没修好，现在还是停着", {"address": "京基御景花园"}, "elevator", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "小区的路面坑坑洼洼，下雨全是积水，小区内部的路物业也不修", {"address": "竹坑花园"}, "facility_repair", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "楼道里的消防栓被人拆走了，希望物业重新装一个", {"address": "帝豪花园"}, "fire_safety", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "车库的道闸老是识别不了车牌，每次都要下车找保安", {"address": "锦龙苑"}, "parking", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "我要反映的是我们楼的化粪池问题，已经堵了很久", {"address": "某某小区"}, "facility_repair", None, "normal", ""),
    ("property", "本物业巡查发现12栋顶楼有住户私自搭建彩钢瓦棚，已劝阻无效，请执法部门处理", {"compound": "JA-PX-LT-2-02"}, "illegal_construction", "JA-PX-LT-2-02", "normal", ""),
]

# ------------------------------------------------------------ set D (临江市), same rule as C
D = [
    ("hotline", "我是警苑小区的，不是报警啊，就是我们楼的电梯门老是夹人，关得特别快", {}, "elevator", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "消防大院的楼道灯不亮了，跟消防没关系，就是灯坏了", {}, "facility_repair", "LJ-NC-XF-2-02", "normal", ""),
    ("hotline", "学府雅居里面有人乱扔垃圾，垃圾房那边臭气熏天", {}, "sanitation", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "电力宿舍的院子里一棵大树被风刮倒了，压坏了自行车棚", {}, "sanitation", "LJ-NC-XF-1-03", "normal", ""),
    ("hotline", "天然气公司家属院门口那条街的路灯坏了", {}, "municipal_facilities", "LJ-NC-YL-1-01", "normal", ""),
    ("hotline", "绿化新村的物业把绿化带铲了改成停车位卖钱", {}, "property_service_complaint", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "阳光花园北区有户人家天天在阳台上烧纸，烟很大", {}, "fire_safety", "LJ-NC-XF-1-02", "normal", ""),
    ("hotline", "翡翠城二期，就是二期啊不是一期，我们楼的水管在楼道里爆开了，正在往外喷水", {}, "facility_repair", "LJ-NC-YL-1-03", "emergency", ""),
    ("hotline", "阳光花园的业主想知道去年的公共收益花在哪了", {}, "maintenance_fund", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "水岸名都的业委会已经三年没换届了", {}, "committee_affairs", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "桃源村的出租楼有人在天台加盖铁皮房", {}, "illegal_construction", "LJ-NC-XF-2-03", "normal", ""),
    ("hotline", "新河公寓的垃圾没人清理，小区没有物业", {}, "sanitation", "LJ-NC-YL-2-01", "normal", ""),
    ("hotline", "新河公寓有个老人一个人住，生病了没人管", {}, "social_assistance", "LJ-NC-YL-2-01", "normal", ""),
    ("hotline", "新河公寓的物业费谁来收啊，我们一直没交过", {}, "consultation", "LJ-NC-YL-2-01", "normal", ""),
    ("hotline", "学府雅居旁边要建加油站，离幼儿园太近了", {}, "planning", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "警苑小区楼下的足浴店晚上很吵，音乐放得很大", {}, "business_nuisance", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "绿化新村附近的印染厂排出的水是红色的", {}, "pollution", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "水岸名都的房子交房时没有燃气管道，开发商说好的通气到现在没通", {}, "building_quality", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "阳光花园的电梯从交房开始就有问题，开发商一直拖着不换", {}, "building_quality", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "翡翠城的孩子上学要跨区，能不能就近安排", {}, "school_places", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "電力宿舍樓道裡的燈全壞了，晚上什麼都看不見", {}, "facility_repair", "LJ-NC-XF-1-03", "normal", "T"),
    ("hotline", "翡翠城二期樓下的餐廳油煙太大，窗戶都不敢開", {}, "business_nuisance", "LJ-NC-YL-1-03", "normal", "T"),
    ("hotline", "警苑小區有人半夜撬門，已經偷了兩家", {}, "public_security", "LJ-BH-QS-1-01", "normal", "T"),
    ("hotline", "阳光花园１号楼有人被困在电梯里，已经二十分钟了", {}, "elevator", "LJ-NC-XF-1-01", "emergency", "W"),
    ("hotline", "我叫刘芳，电话１８６１２３４５６７８，学府雅居５栋，楼上每天早上六点就开始弹钢琴", {}, "neighbor_dispute", "LJ-NC-XF-2-01", "normal", "W"),
    ("hotline", "供电局宿舍那边整栋楼停电一整天了", {}, "utilities", "LJ-NC-XF-1-03", "normal", ""),
    ("hotline", "燃气家属院的垃圾桶旁边有人在烧东西，火越烧越大了", {}, "fire_safety", "LJ-NC-YL-1-01", "emergency", ""),
    ("hotline", "水岸名都的停车场收入物业说全部归他们，业主一分都没有", {}, "maintenance_fund", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "翡翠城的业委会想换掉现在的物业，街道能不能指导一下招标", {}, "property_transition", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "我想问一下怎么办理老年证", {"address": "电力宿舍"}, "consultation", "LJ-NC-XF-1-03", "normal", ""),
    ("hotline", "警苑小区门口有个大坑，就在市政路上", {}, "municipal_facilities", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "绿化新村的小区大门坏了关不上", {}, "facility_repair", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "阳光花园北区的车乱停，把小区的路都堵死了，救护车进不来", {}, "parking", "LJ-NC-XF-1-02", "normal", ""),
    ("hotline", "学府雅居的邻居把自行车和杂物放在楼道里，还能过人就是有点挤", {}, "neighbor_dispute", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "水岸名都有几个人在楼下打起来了，还有人流血", {}, "public_security", "LJ-BH-QS-1-02", "emergency", ""),
    ("hotline", "翡翠城楼顶的水箱漏水，顶楼住户家里墙都湿了", {}, "facility_repair", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "谢谢，问题已经解决了", {"address": "翡翠城"}, "unclassified", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "我想咨询一下，我们这边的物业费是按什么标准定的，有没有政府指导价", {"address": "阳光花园"}, "consultation", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "临江市有没有针对残疾人的就业帮扶", {}, "social_assistance", None, "normal", ""),
    ("hotline", "我住在阳光花园隔壁的翡翠城，我们小区的电梯坏了", {}, "elevator", "LJ-NC-XF-1-01", "normal", ""),
]

# ------------------------------------------------------------ set E (江岸市) and F (临江市),
# written after the changes for C and D, measured before any change for them
E = [
    ("hotline", "接线员：您好，12345，请讲。市民：哎你好你好，我就是想说一下我们翠湖苑那个，嗯，三栋后面那个排水沟，对，就是那个沟，全堵了，一下雨水就漫到一楼人家里去了，已经好几回了", {}, "facility_repair", "JA-DH-HB-1-02", "normal", ""),
    ("hotline", "不是电梯的问题啊，电梯是好的，是我们楼道的灯，声控的那个，拍手也不亮", {"address": "帝豪花园"}, "facility_repair", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "我们那个楼的电梯，怎么说呢，就是开着开着突然往下掉一截，然后又停住，我上次在里面吓得腿都软了", {"address": "锦龙苑"}, "elevator", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "对对对，就是罗芳南苑，那个垃圾房啊，门都关不上了，里面的垃圾都溢到外面来了，野猫野狗天天翻", {}, "sanitation", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "小区里有些人把车停在人行道上、草地上，走路都没地方走", {"address": "京基御景花园"}, "parking", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "我跟你说这个物业啊，简直了，报修一个水龙头等了半个月，上门还要额外收费", {"address": "世纪花园"}, "property_service_complaint", "JA-PX-LT-1-01", "normal", ""),
    ("hotline", "物业把我们小区的地下室隔成一间一间租出去，钱都进了物业自己腰包", {"address": "罗芳南苑"}, "property_service_complaint", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "我想查一下我家交的那个房屋维修的专项款还有多少，在哪里查", {"address": "竹坑花园"}, "maintenance_fund", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "楼上的小孩每天在家里拍球，咚咚咚的，我心脏不好受不了", {"address": "云北苑"}, "neighbor_dispute", "JA-PX-BL-2-02", "normal", ""),
    ("hotline", "我家楼上空调外机漏水，滴在我家窗台上，整夜滴答滴答响", {"address": "帝豪花园"}, "neighbor_dispute", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "楼下那户家里养的猫狗味道特别大，整个楼道都是骚味", {"address": "锦龙苑"}, "neighbor_dispute", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "业委会选出来的人都是物业的亲戚，这选举有问题，我们要求重新选", {"address": "京基御景花园"}, "committee_affairs", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "物业公司的老板跑路了，现在小区保安保洁都没人了", {"address": "罗芳南苑"}, "property_transition", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "一楼业主把窗户改成门，直接对着小区花园开了个口子", {"address": "锦龙苑"}, "illegal_construction", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "楼下餐馆的排风扇正对着我家卧室，天天轰隆隆的，还有一股油味", {"address": "竹坑花园"}, "business_nuisance", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "小区外面的工地凌晨还在用渣土车拉土，轰隆隆地开过去", {"address": "沙湖雅苑"}, "business_nuisance", "JA-PX-BL-2-01", "normal", ""),
    ("hotline", "我家的窗户是开发商装的，没住两年全都漏风漏雨，密封条都掉了", {"address": "京基御景花园"}, "building_quality", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "地下车库一下雨就渗水，交房的时候就这样，开发商修了几次都没用", {"address": "锦龙苑"}, "building_quality", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "小区对面要建一个大型物流仓库，以后大货车天天进出，居民都不同意", {"address": "竹坑花园"}, "planning", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "我家孩子户口在这边，可是学校说要租房合同才能报名，我们是自己买的房", {"address": "碧岭村"}, "school_places", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "有人在小区里发小卡片说可以办贷款，我邻居被骗了好几万", {"address": "帝豪花园"}, "public_security", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "对面楼有个男的每天拿望远镜偷看别人家，好多人都发现了", {"address": "锦龙苑"}, "public_security", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "有家人把电动车电池拿回家在客厅充电，整晚充着", {"address": "东乐花园"}, "fire_safety", "JA-DH-CZ-1-02", "normal", ""),
    ("hotline", "楼梯间堆了好多纸板和泡沫，还有人在那抽烟，太危险了", {"address": "碧岭村"}, "fire_safety", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "楼上冒出浓烟了，好像是谁家着火了，楼道里全是烟", {"address": "竹韵花园"}, "fire_safety", "JA-DH-HB-2-02", "emergency", ""),
    ("hotline", "附近那个养猪场的臭味熏得人头晕，一到晚上更厉害", {"address": "碧岭村"}, "pollution", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "今天一天都没有燃气，做不了饭，也没看到停气通知", {"address": "鸿翔花园"}, "utilities", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "我们这片晚上电压不稳，灯一闪一闪的，电器都烧坏了两个", {"address": "木头龙新村"}, "utilities", "JA-DH-CZ-2-02", "normal", ""),
    ("hotline", "小区外面的人行天桥台阶坏了好几级，老人走很危险", {"address": "竹坑花园"}, "municipal_facilities", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "马路边的雨水篦子被偷了，留了个大窟窿", {"address": "东乐花园附近"}, "municipal_facilities", "JA-DH-CZ-1-02", "normal", ""),
    ("hotline", "我老伴中风瘫了，我一个人照顾不过来，听说有居家养老服务，怎么申请", {"address": "帝豪花园"}, "social_assistance", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "请问灵活就业人员的社保怎么交，在哪里办", {"address": "碧岭村"}, "consultation", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "你们是哪个部门啊？我本来要打给快递的", {}, "unclassified", None, "normal", ""),
    ("hotline", "樓頂的排水管斷了，雨水直接沖到樓道裡", {"address": "錦龍苑"}, "facility_repair", "JA-PX-LT-2-02", "normal", "T"),
    ("hotline", "物業費收了那麼多，小區衛生還是一塌糊塗，要求物業退費", {"address": "羅芳南苑"}, "property_service_complaint", "JA-DH-HB-2-01", "normal", "T"),
    ("hotline", "业主群里有人说地库的车位要卖给外人，我想问问这个合不合法", {"address": "鸿翔花园"}, "parking", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "我在鸿翔花园上班，不是住这里的，想反映罗芳南苑门口的那个大坑", {}, "municipal_facilities", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "东乐花园的老人活动室被物业锁了，说要改成仓库", {}, "property_service_complaint", "JA-DH-CZ-1-02", "normal", ""),
    ("hotline", "竹韵花园８栋１单元的住户报告，楼道的水管正在往外冒水，一楼已经进水了", {}, "facility_repair", "JA-DH-HB-2-02", "emergency", "W"),
    ("grid", "网格员上报：木头龙新村有一处出租屋住了二十多人，楼道里全是电动车", {}, "fire_safety", "JA-DH-CZ-2-02", "normal", ""),
    ("property", "物业上报：2栋电梯今天上午发生困人，已解救，现电梯停用等待维保单位检修", {"compound": "JA-DH-CZ-1-01"}, "elevator", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "电梯里有人晕倒了，门打不开，快来人", {"address": "锦龙苑"}, "elevator", "JA-PX-LT-2-02", "emergency", ""),
    ("hotline", "小区游泳池一直不开放，物业说没钱维护，可是我们交的费用里是有这一项的", {"address": "京基御景花园"}, "property_service_complaint", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "我们单元的防盗门锁坏了，一推就开", {"address": "沙湖雅苑"}, "facility_repair", "JA-PX-BL-2-01", "normal", ""),
    ("hotline", "孩子在小区里被狗咬了，狗主人不承认", {"address": "竹坑花园"}, "neighbor_dispute", "JA-PX-LT-2-01", "normal", ""),
]

F = [
    ("hotline", "接线员：您好请讲。市民：我是学府雅居的，想说我们小区那个，就是那个充电的，对，充电桩，一半都用不了了", {}, "parking", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "警苑小区的保安晚上不巡逻，在岗亭里睡觉，上个月还丢了两辆车，物业一点责任都不负", {}, "property_service_complaint", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "消防大院，对，名字叫消防大院，不是消防队，我们院子里的化粪池堵了，粪水都漫出来了", {}, "facility_repair", "LJ-NC-XF-2-02", "normal", ""),
    ("hotline", "学府雅居有人在楼道里放了一排花盆，还留着路可以走，就是看着乱", {}, "neighbor_dispute", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "电力宿舍里有家人把楼梯口整个用柜子堵死了，出了事人都跑不出去", {}, "fire_safety", "LJ-NC-XF-1-03", "normal", ""),
    ("hotline", "翡翠城二期地下车库的照明灯坏了一大片，黑乎乎的", {}, "facility_repair", "LJ-NC-YL-1-03", "normal", ""),
    ("hotline", "翡翠城的物业说要撤了，业委会还在找新物业，现在这段时间谁管", {}, "property_transition", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "阳光花园北区没有业委会，物业一家独大，我们想成立业委会制约他们", {}, "committee_affairs", "LJ-NC-XF-1-02", "normal", ""),
    ("hotline", "水岸名都的专项维修资金被物业拿去修了一个根本没坏的大门", {}, "maintenance_fund", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "绿化新村里的树太多了挡光，几年都没修剪过", {}, "sanitation", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "桃源村有一家小作坊在做家具喷漆，整条巷子都是油漆味", {}, "pollution", "LJ-NC-XF-2-03", "normal", ""),
    ("hotline", "燃气家属院的楼上住户把阳台拆了重新砌，往外扩了半米", {}, "illegal_construction", "LJ-NC-YL-1-01", "normal", ""),
    ("hotline", "新河公寓门口的人行道被挖开了一个月都没填回去", {}, "municipal_facilities", "LJ-NC-YL-2-01", "normal", ""),
    ("hotline", "阳光花园旁边那条路上的红绿灯坏了，好几次差点撞车", {}, "municipal_facilities", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "警苑小区有个醉汉拿着酒瓶在楼下砸车，现在还在砸", {}, "public_security", "LJ-BH-QS-1-01", "emergency", ""),
    ("hotline", "电力宿舍那边停水三天了，一滴水都没有", {}, "utilities", "LJ-NC-XF-1-03", "normal", ""),
    ("hotline", "天然气公司家属院楼道里闻到很重的燃气味，不知道是哪家漏了", {}, "utilities", "LJ-NC-YL-1-01", "emergency", ""),
    ("hotline", "水岸名都的楼梯扶手生锈断掉了", {}, "facility_repair", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "翡翠城的孩子想上旁边的公办幼儿园，说学位已经满了", {}, "school_places", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "学府雅居对面规划的社区医院十年了都没建起来", {}, "planning", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "阳光花园的房子卫生间一直反臭，是开发商设计的管道有问题", {}, "building_quality", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "绿化新村楼下的棋牌室每晚吵吵嚷嚷到两三点", {}, "business_nuisance", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "新河公寓楼上住户装修，把我家墙震裂了，他们不承认", {}, "neighbor_dispute", "LJ-NC-YL-2-01", "normal", ""),
    ("hotline", "我是消防大院的，我爸九十多岁了一个人住，平时没人照看", {}, "social_assistance", "LJ-NC-XF-2-02", "normal", ""),
    ("hotline", "请问一下医保卡丢了怎么补办", {"address": "警苑小区"}, "consultation", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "喂，你好，呃，我……我忘了我要说什么了，等我想起来再打", {}, "unclassified", None, "normal", ""),
    ("hotline", "翡翠城二期的業委會從成立到現在一次會都沒開過，委員也不知道是誰", {}, "committee_affairs", "LJ-NC-YL-1-03", "normal", "T"),
    ("hotline", "學府雅居的電梯天天壞，物業就是不修", {}, "elevator", "LJ-NC-XF-2-01", "normal", "T"),
    ("hotline", "阳光花园北区５号楼电梯里关着一个孩子，家长急哭了", {}, "elevator", "LJ-NC-XF-1-02", "emergency", "W"),
    ("hotline", "电话１３７１１１１２２２２，我是水岸名都的业主，小区门口的道闸老是砸到车", {}, "parking", "LJ-BH-QS-1-02", "normal", "W"),
    ("hotline", "翡翠城的物业把消防通道划成了停车位收费", {}, "fire_safety", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "警苑小区楼上邻居把承重墙砸了装修", {}, "illegal_construction", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "新河公寓的电梯坏了", {}, "elevator", "LJ-NC-YL-2-01", "normal", ""),
    ("hotline", "学府雅居的居民想问问加装电梯的补贴政策", {}, "consultation", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "我们楼整栋的燃气都停了，说是管道检修，也没提前通知", {"address": "翡翠城"}, "utilities", "LJ-NC-YL-1-02", "normal", ""),
    ("property", "物业报告：小区东门外市政道路的雨水井盖破损，存在安全隐患", {"compound": "LJ-BH-QS-1-02"}, "municipal_facilities", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "那个，我住阳光花园，但是我要说的是我上班那边的事，算了，就说我们小区吧，小区大门口的台阶塌了", {}, "facility_repair", "LJ-NC-XF-1-01", "normal", ""),
]

# ------------------------------------------------------------ set G (江岸市) and H (临江市),
# written after the changes for E and F, measured before any change for them
G = [
    ("hotline", "小区的监控摄像头坏了一大半，出了事都查不到", {"address": "锦龙苑"}, "facility_repair", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "楼道里到处是蟑螂，晚上一开灯满墙爬，物业也不消杀", {"address": "翠湖苑"}, "sanitation", "JA-DH-HB-1-02", "normal", ""),
    ("hotline", "有业主在公共车位上私自装了地锁，别人都停不了", {"address": "京基御景花园"}, "parking", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "楼上有人往下扔垃圾，昨天一个酒瓶子差点砸到我孩子", {"address": "帝豪花园"}, "neighbor_dispute", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "小区广场舞每天晚上音响开得震天响，跳到十点多，我们这些上夜班的根本睡不了", {"address": "竹坑花园"}, "neighbor_dispute", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "我们楼有几套房子被人改成群租房，一套住了十几个人，进进出出很乱", {"address": "罗芳南苑"}, "public_security", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "隔壁邻居装修，天天电锤电钻，周末也不停，跟他们说了也没用", {"address": "锦龙苑"}, "neighbor_dispute", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "外面工地扬尘特别大，窗户关着桌子上都是一层灰", {"address": "沙湖雅苑"}, "business_nuisance", "JA-PX-BL-2-01", "normal", ""),
    ("hotline", "小区旁边在建高压线塔，离我们楼不到五十米", {"address": "云北苑"}, "planning", "JA-PX-BL-2-02", "normal", ""),
    ("hotline", "楼顶装了好几个通信基站，大家担心辐射，也不知道谁批的", {"address": "鸿翔花园"}, "planning", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "孩子想从外地转学回来，学校说没有学位", {"address": "东乐花园"}, "school_places", "JA-DH-CZ-1-02", "normal", ""),
    ("hotline", "我想问问户口迁移要什么手续", {"address": "龙田老街小区"}, "consultation", "JA-PX-LT-1-02", "normal", ""),
    ("hotline", "退休了养老金怎么领取，需要本人去办吗", {"address": "竹韵花园"}, "consultation", "JA-DH-HB-2-02", "normal", ""),
    ("hotline", "我们家是困难户，想申请公租房，不知道符不符合条件", {"address": "碧岭村"}, "social_assistance", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "今年冬天暖气一直不热，家里才十几度", {"address": "帝豪花园"}, "utilities", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "我家水表不转了，可是还一直收水费", {"address": "翠湖苑"}, "utilities", "JA-DH-HB-1-02", "normal", ""),
    ("hotline", "小区屋顶的太阳能热水器支架锈断了，随时会砸下来", {"address": "罗芳南苑"}, "facility_repair", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "小区里面的快递柜坏了，取不了件", {"address": "朗悦花园"}, "facility_repair", "JA-DH-CZ-2-01", "normal", ""),
    ("hotline", "物业每个月的公共水电分摊费越来越高，也不公布明细", {"address": "锦龙苑"}, "property_service_complaint", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "业委会跟物业续签合同，没经过业主大会投票", {"address": "鸿翔花园"}, "committee_affairs", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "业委会成员拿了物业的好处，一直帮物业说话，业主要求罢免", {"address": "罗芳南苑"}, "committee_affairs", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "前期物业合同到期了，开发商指定的物业赖着不走", {"address": "龙田世纪花园"}, "property_transition", "JA-PX-LT-1-01", "normal", ""),
    ("hotline", "有人在小区绿化带里种菜，还围了篱笆", {"address": "竹坑花园"}, "illegal_construction", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "一楼商铺把后墙打通，直接占了小区的通道做仓库", {"address": "帝豪花园"}, "illegal_construction", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "楼下水果店每天早上五点就用喇叭叫卖", {"address": "东乐花园"}, "business_nuisance", "JA-DH-CZ-1-02", "normal", ""),
    ("hotline", "附近的砖厂烟囱天天冒烟，衣服都不敢晾外面", {"address": "碧岭村"}, "pollution", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "小区附近的垃圾填埋场渗滤液流到河里，臭得很", {"address": "竹坑花园"}, "pollution", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "马路上的窨井盖碎了，小孩子差点掉进去", {"address": "沙湖雅苑外面"}, "municipal_facilities", "JA-PX-BL-2-01", "normal", ""),
    ("hotline", "公园里的健身器材坏了，扶手都断了", {"address": "锦龙苑附近"}, "municipal_facilities", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "有人在楼道里晕倒了，叫不醒", {"address": "竹韵花园"}, "unclassified", "JA-DH-HB-2-02", "emergency", ""),
    ("hotline", "我就是想骂一顿，你们这些人都不干事", {}, "unclassified", None, "normal", ""),
    ("hotline", "小區的路燈壞了一半，晚上出門都要帶手電筒", {"address": "鴻翔花園"}, "facility_repair", "JA-DH-CZ-1-01", "normal", "T"),
    ("hotline", "樓下小吃店的油煙機對著我家窗戶排，廚房都是油", {"address": "錦龍苑"}, "business_nuisance", "JA-PX-LT-2-02", "normal", "T"),
    ("hotline", "３号楼１单元电梯里的灯不亮了，按键也坏了几个", {"address": "鸿翔花园"}, "elevator", "JA-DH-CZ-1-01", "normal", "W"),
    ("hotline", "物业强制业主交装修保证金５０００元，不交就不让装修", {"address": "京基御景花园"}, "property_service_complaint", "JA-PX-BL-1-01", "normal", "W"),
    ("hotline", "那个小区的名字我不知道，就在江边那里，有个大烟囱在冒黑烟", {}, "pollution", None, "normal", ""),
    ("hotline", "小区的业主大会表决用维修资金换电梯，物业说投票不够不能用", {"address": "锦龙苑"}, "maintenance_fund", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "朗悦花园9栋有个老人家里好几天没开门了，邻居担心出事", {}, "social_assistance", "JA-DH-CZ-2-01", "normal", ""),
    ("hotline", "电动车在楼道里起火了，烟特别大，我们都跑下来了", {"address": "木头龙新村"}, "fire_safety", "JA-DH-CZ-2-02", "emergency", ""),
    ("hotline", "我家楼上漏水好几个月了，是楼上卫生间的问题，物业来看了说要楼上配合维修，楼上就是不配合", {"address": "鸿翔花园"}, "neighbor_dispute", "JA-DH-CZ-1-01", "normal", ""),
]

H = [
    ("hotline", "学府雅居的监控都是坏的，车被刮了都查不到", {}, "facility_repair", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "警苑小区有人高空抛物，把楼下的车窗砸碎了", {}, "neighbor_dispute", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "阳光花园的广场舞音响太大声了，每天晚上吵到很晚", {}, "neighbor_dispute", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "翡翠城有人私装地锁占用公共车位", {}, "parking", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "电力宿舍的暖气片不热，打电话给热力公司也没人来", {}, "utilities", "LJ-NC-XF-1-03", "normal", ""),
    ("hotline", "天然气公司家属院的燃气表不走字了，想换个新的", {}, "utilities", "LJ-NC-YL-1-01", "normal", ""),
    ("hotline", "水岸名都的地下车库有几个坑，一下雨就积水", {}, "facility_repair", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "绿化新村的蚊子太多了，绿化带里的积水没人清理", {}, "sanitation", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "消防大院的住户在楼道里用煤炉做饭，烟很大", {}, "fire_safety", "LJ-NC-XF-2-02", "normal", ""),
    ("hotline", "学府雅居的业主想知道物业合同到期了怎么续签还是换人", {}, "property_transition", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "翡翠城二期的业委会跟开发商一伙的，不替业主说话，我们要改选", {}, "committee_affairs", "LJ-NC-YL-1-03", "normal", ""),
    ("hotline", "阳光花园北区的物业在小区里面开了个收费的洗车点，占了一大片公共区域", {}, "property_service_complaint", "LJ-NC-XF-1-02", "normal", ""),
    ("hotline", "警苑小区业主大会表决的维修资金使用方案，业委会一直不公布结果", {}, "maintenance_fund", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "桃源村有户人家在巷子里加盖了三层楼", {}, "illegal_construction", "LJ-NC-XF-2-03", "normal", ""),
    ("hotline", "翡翠城门口的夜市摊位天天摆到凌晨，垃圾满地还吵", {}, "business_nuisance", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "绿化新村后面的橡胶厂味道很冲，晚上睡觉都闻得到", {}, "pollution", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "阳光花园门口的公交站牌倒了", {}, "municipal_facilities", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "新河公寓门前的马路积水很深，排水管道堵了", {}, "municipal_facilities", "LJ-NC-YL-2-01", "normal", ""),
    ("hotline", "学府雅居想在小区里建个幼儿园，规划上本来有的", {}, "planning", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "水岸名都的房子墙面大面积空鼓，开发商说是正常现象", {}, "building_quality", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "翡翠城的孩子中考后想读附近的高中，分数线怎么划的", {}, "school_places", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "天然气公司家属院有个老人每天捡垃圾堆在家里，家人都不管，能不能帮帮他", {}, "social_assistance", "LJ-NC-YL-1-01", "normal", ""),
    ("hotline", "请问结婚登记要预约吗", {"address": "警苑小区"}, "consultation", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "谢谢啊，好的好的，我知道了", {}, "unclassified", None, "normal", ""),
    ("hotline", "電力宿舍的化糞池滿了，臭氣熏天", {}, "facility_repair", "LJ-NC-XF-1-03", "normal", "T"),
    ("hotline", "陽光花園的物業管理費太貴了，服務又差", {}, "property_service_complaint", "LJ-NC-XF-1-01", "normal", "T"),
    ("hotline", "绿化新村３栋楼上往下漏水，水还在流，我家已经淹了", {}, "neighbor_dispute", "LJ-BH-QS-1-03", "emergency", "W"),
    ("hotline", "翡翠城二期１８栋的外墙保温层掉下来了，砸坏了一辆车", {}, "facility_repair", "LJ-NC-YL-1-03", "normal", "W"),
    ("hotline", "学府雅居有人在电梯里抽烟，烟头扔在电梯里", {}, "neighbor_dispute", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "警苑小区的消防水带被人偷了，消防箱空了", {}, "fire_safety", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "消防大院的小区围墙倒了一段，外面的人可以随便进来", {}, "facility_repair", "LJ-NC-XF-2-02", "normal", ""),
    ("hotline", "阳光花园北区电梯里有人尿尿，臭得没法坐", {}, "sanitation", "LJ-NC-XF-1-02", "normal", ""),
    ("hotline", "新河公寓的住户把摩托车停在楼道里，还往里面灌汽油", {}, "fire_safety", "LJ-NC-YL-2-01", "normal", ""),
    ("hotline", "燃气家属院旁边的烤串店天天冒烟，熏得楼上睁不开眼", {}, "business_nuisance", "LJ-NC-YL-1-01", "normal", ""),
    ("hotline", "我想问下，我们小区物业撤了以后，社区能不能先提供基本的保洁服务", {"address": "新河公寓"}, "property_transition", "LJ-NC-YL-2-01", "normal", ""),
]

# ------------------------------------------------------------ set I (江岸市) and J (临江市),
# written after the changes for G and H, measured before any change for them
I = [
    ("wechat", "5栋1单元一楼的入户门玻璃碎了，容易划伤人", {"compound": "JA-DH-CZ-1-01"}, "facility_repair", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "楼道里的配电箱电线老化，今天冒火花了，还有啪啪的声音", {"address": "翠湖苑"}, "fire_safety", "JA-DH-HB-1-02", "emergency", ""),
    ("hotline", "有人私拉电线从窗户吊下来给电动车充电，线就挂在人走的地方", {"address": "碧岭村"}, "fire_safety", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "小区健身区的单杠被人拆走卖废品了，希望物业再装一个", {"address": "锦龙苑"}, "facility_repair", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "小区里的儿童滑梯被人偷走了，请警察调查是谁干的", {"address": "锦龙苑"}, "public_security", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "业委会迟迟不组织业主表决维修资金的使用，电梯一直修不了", {"address": "京基御景花园"}, "maintenance_fund", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "卖房的时候说小区里有地下停车场，结果根本没有", {"address": "龙田世纪花园"}, "building_quality", "JA-PX-LT-1-01", "normal", ""),
    ("hotline", "规划里说附近要建一所小学，十年过去了还是一片荒地", {"address": "竹坑花园"}, "planning", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "停车场每年收那么多钱，这些钱该不该给业主分", {"address": "罗芳南苑"}, "maintenance_fund", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "顶楼天台漏水，雨水渗到我家卧室", {"address": "帝豪花园"}, "facility_repair", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "房子还在保修期，天花板一直渗水，开发商派人看了一次就不管了", {"address": "帝豪花园"}, "building_quality", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "楼梯间墙面出现一道很长的裂缝，越来越宽", {"address": "竹韵花园"}, "facility_repair", "JA-DH-HB-2-02", "normal", ""),
    ("hotline", "隔壁邻居把我们两家中间的墙拆了一半，说要扩客厅，我找他吵了几次", {"address": "京基御景花园"}, "illegal_construction", "JA-PX-BL-1-01", "normal", ""),
    ("property", "物业报告：7栋一楼公共管道井漏水，已安排维修，需两天完成", {"compound": "JA-DH-HB-2-01"}, "facility_repair", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "想问一下怎么申请把物业换掉，要多少业主同意", {"address": "沙湖雅苑"}, "property_transition", "JA-PX-BL-2-01", "normal", ""),
    ("hotline", "请问业主大会怎么召集，我们想成立业委会", {"address": "云北苑"}, "committee_affairs", "JA-PX-BL-2-02", "normal", ""),
    ("hotline", "隔壁的老太太一个人住，最近好像生病了，能不能请社区帮忙看看", {"address": "罗芳南苑"}, "social_assistance", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "楼道里堆了很多东西，过道只剩一条缝，人要侧着身子才能过去", {"address": "东乐花园"}, "fire_safety", "JA-DH-CZ-1-02", "normal", ""),
    ("hotline", "邻居把鞋柜放在门口，有点占地方，不过不影响走路", {"address": "东乐花园"}, "neighbor_dispute", "JA-DH-CZ-1-02", "normal", ""),
    ("hotline", "电梯一直有问题，交房的时候就有，开发商推给物业，物业推给开发商", {"address": "锦龙苑"}, "building_quality", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "电梯这个月坏了四次了，每次修好没两天又坏", {"address": "锦龙苑"}, "elevator", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "楼下火锅店的油烟味太大了", {"address": "罗芳南苑"}, "business_nuisance", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "旁边的工厂飘过来一股化学品的味道，很刺鼻", {"address": "罗芳南苑"}, "pollution", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "城中村的小巷子里垃圾成堆没人收", {"compound": "JA-PX-BL-1-02"}, "sanitation", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "小区门口的大门坏了，车和人都能随便进", {"address": "碧岭村"}, "facility_repair", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "小区外面主干道上的路灯坏了", {"address": "碧岭村"}, "municipal_facilities", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "车库入口的道闸杆被撞断了", {"address": "鸿翔花园"}, "parking", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "有个住户把东西堆在楼道里还在那烧纸", {"address": "竹坑花园"}, "fire_safety", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "家里闻到一股臭鸡蛋味，不知道是不是燃气漏了", {"address": "沙湖雅苑"}, "utilities", "JA-PX-BL-2-01", "emergency", ""),
    ("hotline", "物业乱收费，连业主自己的车位都要收管理费", {"address": "竹坑花园"}, "property_service_complaint", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "物业说要把停车费涨一倍，没有开业主大会", {"address": "云北苑"}, "property_service_complaint", "JA-PX-BL-2-02", "normal", ""),
    ("hotline", "物业连续两年没有公布公共收益，业主要求审计", {"address": "鸿翔花园"}, "maintenance_fund", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "我们想知道江岸市的物业管理条例在哪里能看到", {}, "consultation", None, "normal", ""),
    ("hotline", "锦 龙 苑 的 电 梯 坏 了", {}, "elevator", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "我們小區電梯壞了，被困了兩個人，快來", {"address": "京基御景花園"}, "elevator", "JA-PX-BL-1-01", "emergency", "T"),
    ("hotline", "翠竹社区那边的路灯坏了", {}, "municipal_facilities", None, "normal", ""),
    ("grid", "网格巡查：碧岭村２巷有居民私自搭建铁皮棚，占用巷道", {}, "illegal_construction", "JA-PX-BL-1-02", "normal", "W"),
    ("hotline", "嗯，我就是，怎么说呢，我们小区那个，大门那里那个刷脸的机器，老是认不出人，进不去门", {"address": "竹韵花园"}, "facility_repair", "JA-DH-HB-2-02", "normal", ""),
]

J = [
    ("hotline", "阳光花园北区的配电房门一直开着，里面的电线乱七八糟，孩子经常进去玩", {}, "fire_safety", "LJ-NC-XF-1-02", "normal", ""),
    ("hotline", "翡翠城楼道的电线在冒火花，一股烧焦的味道", {}, "fire_safety", "LJ-NC-YL-1-02", "emergency", ""),
    ("hotline", "学府雅居的单元门禁被人拆了卖钱，希望物业赶紧装回去", {}, "facility_repair", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "水岸名都业委会一直不开会讨论维修资金怎么用，外墙都快掉光了", {}, "maintenance_fund", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "翡翠城二期交房时说好的地下车库现在还没建", {}, "building_quality", "LJ-NC-YL-1-03", "normal", ""),
    ("hotline", "阳光花园那边规划的公交首末站一直没建起来，出门不方便", {}, "planning", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "警苑小区的停车收益到底去哪了", {}, "maintenance_fund", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "学府雅居的顶楼漏雨，物业也不来修", {}, "facility_repair", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "翡翠城二期的房子交房一年顶楼就漏雨，开发商说要等", {}, "building_quality", "LJ-NC-YL-1-03", "normal", ""),
    ("hotline", "电力宿舍楼上的住户把阳台封出去搭了个违建，我们跟他吵了好几次", {}, "illegal_construction", "LJ-NC-XF-1-03", "normal", ""),
    ("property", "物业报告：警苑小区3栋电梯钢丝绳磨损，已停梯维修", {"compound": "LJ-BH-QS-1-01"}, "elevator", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "想问问学府雅居怎么启动物业招标", {}, "property_transition", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "翡翠城楼道里堆满了废品，人根本过不去", {}, "fire_safety", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "燃气家属院有人在楼下空地焚烧树叶垃圾", {}, "fire_safety", "LJ-NC-YL-1-01", "normal", ""),
    ("hotline", "阳光花园楼上邻居家的狗天天叫，晚上也叫", {}, "neighbor_dispute", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "阳光花园楼下的麻将馆通宵营业，洗牌声吵得人睡不着", {}, "business_nuisance", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "桃源村的巷道太窄，电动车乱停，路灯也不亮", {}, "parking", "LJ-NC-XF-2-03", "normal", ""),
    ("hotline", "水岸名都的孩子要上初中了，对口学校是哪个", {}, "school_places", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "警苑小区门口有人卖假药，专门骗老人", {}, "public_security", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "学府雅居自来水有股漂白粉的味道", {}, "utilities", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "阳光花园北区楼道的灯是好的，就是物业从来不打扫卫生，楼梯上全是灰", {}, "sanitation", "LJ-NC-XF-1-02", "normal", ""),
    ("hotline", "翡翠城的保安态度很差，还骂业主", {}, "property_service_complaint", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "翡翠城二期想请物业，现在是自管，大家意见不统一", {}, "property_transition", "LJ-NC-YL-1-03", "normal", ""),
    ("hotline", "水岸名都的業委會主任私吞公共收益，業主要求罷免", {}, "committee_affairs", "LJ-BH-QS-1-02", "normal", "T"),
    ("hotline", "阳光花园８号楼的雨水管断了，下雨就往墙上冲", {}, "facility_repair", "LJ-NC-XF-1-01", "normal", "W"),
    ("hotline", "请问在南城区办残疾证去哪里", {}, "consultation", None, "normal", ""),
]

# ------------------------------------------------------------ set K (江岸市) and L (临江市),
# written after the changes for I and J, measured before any change for them;
# K is mostly written like the samples (short, one issue), L like hotline calls
K = [
    ("wechat", "4栋的电梯门关不严，运行时一直报警", {"compound": "JA-PX-LT-1-01"}, "elevator", "JA-PX-LT-1-01", "normal", ""),
    ("wechat", "小区东门的人行道闸坏了，刷卡进不去", {"compound": "JA-DH-CZ-2-01"}, "facility_repair", "JA-DH-CZ-2-01", "normal", ""),
    ("hotline", "小区化粪池好久没清掏，井盖缝里一直往外渗", {"address": "云北苑"}, "facility_repair", "JA-PX-BL-2-02", "normal", ""),
    ("hotline", "楼道垃圾没人清理，已经发臭了", {"address": "帝豪花园"}, "sanitation", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "小区的草坪变成了狗厕所，遍地狗屎也没人打扫", {"address": "京基御景花园"}, "neighbor_dispute", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "临时停车收费太乱了，保安想收多少收多少", {"address": "龙田世纪花园"}, "property_service_complaint", "JA-PX-LT-1-01", "normal", ""),
    ("hotline", "小区车位太少，业主之间天天为了车位吵架", {"address": "竹坑花园"}, "parking", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "物业不经业主同意把小区的篮球场改成了收费停车场", {"address": "锦龙苑"}, "property_service_complaint", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "维修资金的使用需要业主签字，业委会直接代签了", {"address": "鸿翔花园"}, "maintenance_fund", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "楼上住户天天在阳台上晒被子往下滴水，我家衣服都被弄湿了", {"address": "沙湖雅苑"}, "neighbor_dispute", "JA-PX-BL-2-01", "normal", ""),
    ("hotline", "业委会换届选举没有公示候选人名单就投票了", {"address": "京基御景花园"}, "committee_affairs", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "物业公司要退出小区，已经贴了告示，小区业主很着急", {"address": "竹韵花园"}, "property_transition", "JA-DH-HB-2-02", "normal", ""),
    ("hotline", "楼顶有人违规搭建了鸽子棚", {"address": "罗芳南苑"}, "illegal_construction", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "沿街商铺把桌椅摆到人行道上经营，行人只能走马路", {"address": "帝豪花园"}, "business_nuisance", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "新房墙面大面积开裂，开发商说不是质量问题", {"address": "锦龙苑"}, "building_quality", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "小区门口要修一条高架桥，噪音会很大，当初买房没说", {"address": "竹坑花园"}, "planning", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "小孩上幼儿园要摇号，我们小区的孩子没摇上", {"address": "鸿翔花园"}, "school_places", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "小区里有人吸毒，经常看到有针头", {"address": "碧岭村"}, "public_security", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "小区的消防通道上堆满了建筑垃圾", {"address": "竹韵花园"}, "fire_safety", "JA-DH-HB-2-02", "normal", ""),
    ("hotline", "附近的污水处理厂一到晚上就臭", {"address": "沙湖雅苑"}, "pollution", "JA-PX-BL-2-01", "normal", ""),
    ("hotline", "小区突然停水了，也没有提前通知", {"address": "帝豪花园"}, "utilities", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "小区门口的公交站没有遮雨棚，老人等车很辛苦", {"address": "鸿翔花园"}, "municipal_facilities", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "我是残疾人，生活有困难，想申请补助", {"address": "云北苑"}, "social_assistance", "JA-PX-BL-2-02", "normal", ""),
    ("hotline", "请问办理出生证明需要什么材料", {"address": "锦龙苑"}, "consultation", "JA-PX-LT-2-02", "normal", ""),
    ("wechat", "测试", {"compound": "JA-DH-CZ-1-01"}, "unclassified", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "電梯門夾傷了一個小孩，電梯還在運行", {"address": "龍田世紀花園"}, "elevator", "JA-PX-LT-1-01", "normal", "T"),
    ("hotline", "小区南门外的排水沟堵了，下雨马路上全是水", {"address": "锦龙苑"}, "municipal_facilities", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "物业在小区里养了几条狗看门，晚上狂叫，业主投诉了不理", {"address": "龙田世纪花园"}, "property_service_complaint", "JA-PX-LT-1-01", "normal", ""),
]

L = [
    ("hotline", "喂，那个，翡翠城二期，我说二期啊，十三栋的楼梯灯啊，坏了得有半个月了吧，我老母亲上下楼都得扶着墙", {}, "facility_repair", "LJ-NC-YL-1-03", "normal", ""),
    ("hotline", "你好我说一下，学府雅居这边嘛，呃，就是那个地下停车场，外面的车随便进，我们业主自己的车没地方停，每个月还交着钱呢", {}, "parking", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "就是阳光花园啊，那个物业哦，我讲不清楚，反正就是啥都不管，我们交钱交了个寂寞", {}, "property_service_complaint", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "我们警苑小区的业委会啊，好几个委员都搬走了，还占着位置，啥事也办不了，能不能重新选", {}, "committee_affairs", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "水岸名都这个物业合同啊，明年就到期了，业主想趁这个机会换一家", {}, "property_transition", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "嗯嗯，对，电力宿舍，我们院子里有户人家把自家的小院子用砖墙围起来了，把公共的路都占了", {}, "illegal_construction", "LJ-NC-XF-1-03", "normal", ""),
    ("hotline", "喂，绿化新村啊，楼下那个面馆，早上四五点就开始剁馅和面，哐哐哐的", {}, "business_nuisance", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "我说一下啊，我们桃源村那个，村口那个塑料回收站，一烧东西满村都是黑烟，熏死人", {}, "pollution", "LJ-NC-XF-2-03", "normal", ""),
    ("hotline", "那个，燃气家属院，就是我们家的燃气灶打不着火，燃气公司说是管道压力的问题", {}, "utilities", "LJ-NC-YL-1-01", "normal", ""),
    ("hotline", "学府雅居那个，对面那条大马路上的红绿灯时间太短了，老人过不去", {}, "municipal_facilities", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "消防大院有个老头，儿女都不管，天天吃不上饭，你们能不能管一管", {}, "social_assistance", "LJ-NC-XF-2-02", "normal", ""),
    ("hotline", "喂，我想问一下啊，就是新生儿落户口，要带什么东西", {"address": "阳光花园"}, "consultation", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "翡翠城那个，我家楼上，他家洗衣机的水管脱了吧应该是，水现在正从我家顶上哗哗往下流", {}, "neighbor_dispute", "LJ-NC-YL-1-02", "emergency", ""),
    ("hotline", "阳光花园北区那边，嗯，就是有人在那个，楼道里给电瓶车充电，拉了好长的插线板", {}, "fire_safety", "LJ-NC-XF-1-02", "normal", ""),
    ("hotline", "水岸名都，我们那个电梯，就是它跑着跑着灯就灭了，然后就停了，人在里面出不来，现在还在里面", {}, "elevator", "LJ-BH-QS-1-02", "emergency", ""),
    ("hotline", "警苑小区那边有人在车库里偷电瓶，监控拍到了，希望派出所来抓", {}, "public_security", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "學府雅居的公共收益一直沒公開，業委會說沒有錢", {}, "maintenance_fund", "LJ-NC-XF-2-01", "normal", "T"),
    ("hotline", "天然气公司家属院的院子里积水一个多月了，排不出去，都发臭了", {}, "facility_repair", "LJ-NC-YL-1-01", "normal", ""),
    ("hotline", "翡翠城旁边那块地听说要建垃圾站", {}, "planning", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "阳光花园的房子质量太差了，才住三年地板就起拱了，开发商早就不见了", {}, "building_quality", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "好，那就这样吧，拜拜", {"address": "水岸名都"}, "unclassified", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "学府雅居附近新开了个学校，我们小区能不能划进去", {}, "school_places", "LJ-NC-XF-2-01", "normal", ""),
]

# ------------------------------------------------------------ set M (江岸市) and N (临江市),
# written after the changes for K and L, measured before any change for them
M = [
    ("hotline", "你好，我反映个事，就是我们小区那个，车库出口那个坡道，地面全是油，下雨天车都打滑", {"address": "京基御景花园"}, "facility_repair", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "楼里的二次供水水箱好几年没清洗了，水里有红虫", {"address": "罗芳南苑"}, "utilities", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "我们小区的污水管道跟雨水管道接错了，下雨马桶往上冒水", {"address": "锦龙苑"}, "facility_repair", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "电梯年检合格证过期半年了，还在运行，我们不敢坐", {"address": "竹韵花园"}, "elevator", "JA-DH-HB-2-02", "normal", ""),
    ("hotline", "小区里的垃圾桶好多都破了，也不换新的，风一吹垃圾满天飞", {"address": "竹坑花园"}, "sanitation", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "有人长期把报废的车停在小区里，占着车位好几年", {"address": "鸿翔花园"}, "parking", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "物业电话永远打不通，去物业办公室也找不到人", {"address": "沙湖雅苑"}, "property_service_complaint", "JA-PX-BL-2-01", "normal", ""),
    ("hotline", "我想知道我们小区的维修基金账户里到底有多少钱，物业说不知道", {"address": "帝豪花园"}, "maintenance_fund", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "楼上那家在家里开了个托管班，十几个小孩天天跑来跑去，吵死了", {"address": "锦龙苑"}, "neighbor_dispute", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "业委会的章被主任一个人拿着，什么都他一个人盖章说了算", {"address": "罗芳南苑"}, "committee_affairs", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "街道说给我们小区找个临时物业托管，都两个月了还没来", {"address": "翠湖苑"}, "property_transition", "JA-DH-HB-1-02", "normal", ""),
    ("hotline", "一楼住户在自家门口挖了个地下室，挖得很深", {"address": "帝豪花园"}, "illegal_construction", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "小区门口的早餐店天不亮就开始炸油条，油烟和声音都很大", {"address": "竹韵花园"}, "business_nuisance", "JA-DH-HB-2-02", "normal", ""),
    ("hotline", "交房的时候说是精装修，结果用的都是劣质材料，墙纸都起皮了", {"address": "京基御景花园"}, "building_quality", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "小区北边的空地原来说是规划成公园，现在被围起来要卖了", {"address": "沙湖雅苑"}, "planning", "JA-PX-BL-2-01", "normal", ""),
    ("hotline", "外地打工的，孩子想在这边读书，积分入学怎么算", {"address": "木头龙新村"}, "school_places", "JA-DH-CZ-2-02", "normal", ""),
    ("hotline", "有人冒充物业上门收费，收了好几家的钱跑了", {"address": "鸿翔花园"}, "public_security", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "楼道里的应急灯和疏散指示牌全都不亮了", {"address": "锦龙苑"}, "fire_safety", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "旁边的洗车场把污水直接排到雨水管里", {"address": "云北苑"}, "pollution", "JA-PX-BL-2-02", "normal", ""),
    ("hotline", "我们片区经常晚上停电，一停就是好几个小时", {"address": "碧岭村"}, "utilities", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "小区外面的人行道砖都翘起来了，老人经常绊倒", {"address": "罗芳南苑"}, "municipal_facilities", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "我是低保户，今年的低保怎么还没发下来", {"address": "碧岭村"}, "social_assistance", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "请问电动自行车上牌去哪里办", {"address": "竹坑花园"}, "consultation", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "我打错了，不好意思啊", {"address": "锦龙苑"}, "unclassified", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "樓道裡有人亂扔煙頭，把堆在那的紙箱點著了，現在冒煙", {"address": "沙湖雅苑"}, "fire_safety", "JA-PX-BL-2-01", "emergency", "T"),
    ("hotline", "１２栋的住户反映地下室进水了，水还在往里灌", {"address": "鸿翔花园"}, "facility_repair", "JA-DH-CZ-1-01", "emergency", "W"),
]

N = [
    ("hotline", "阳光花园北区那个，呃，业主群里都在说，物业偷偷把我们的公共收益拿去交了他们自己的水电费", {}, "maintenance_fund", "LJ-NC-XF-1-02", "normal", ""),
    ("hotline", "翡翠城的垃圾分类亭子坏了，门掉了一半，垃圾桶也倒了", {}, "sanitation", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "学府雅居小区里的路灯晚上十点就关了，物业说省电", {}, "facility_repair", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "警苑小区有人把楼道当成自家储藏室，装了个门还上了锁", {}, "illegal_construction", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "绿化新村有只流浪狗咬了好几个人了，希望有人来抓", {}, "public_security", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "水岸名都的楼下有家人在楼道烧炭取暖，味道好大", {}, "fire_safety", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "电力宿舍家属院的老房子墙体开裂很严重，随时会塌，需要鉴定", {}, "facility_repair", "LJ-NC-XF-1-03", "normal", ""),
    ("hotline", "天然气公司家属院门卫室一直没人，外人随便进出", {}, "property_service_complaint", "LJ-NC-YL-1-01", "normal", ""),
    ("hotline", "翡翠城二期的业主想把物业费降一降，现在的收费太高了", {}, "property_service_complaint", "LJ-NC-YL-1-03", "normal", ""),
    ("hotline", "阳光花园有人在楼道里养了好多鸽子，鸽子屎到处都是", {}, "neighbor_dispute", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "消防大院的自来水管道老化，经常爆管停水", {}, "utilities", "LJ-NC-XF-2-02", "normal", ""),
    ("hotline", "桃源村里有家餐馆把泔水直接倒进下水道，巷子里臭得要命", {}, "business_nuisance", "LJ-NC-XF-2-03", "normal", ""),
    ("hotline", "学府雅居的业委会选举，街道派人监督了吗？好像有人作弊", {}, "committee_affairs", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "新河公寓没人管了，我们想请街道帮我们找个物业", {}, "property_transition", "LJ-NC-YL-2-01", "normal", ""),
    ("hotline", "翡翠城旁边的地铁施工晚上都在干，震得玻璃都响", {}, "business_nuisance", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "水岸名都开发商答应的学校到现在都没建，我们当初就是冲着学校买的", {}, "building_quality", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "警苑小区门口的公共自行车桩都坏了", {}, "municipal_facilities", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "请问公租房申请的收入标准是多少", {"address": "绿化新村"}, "consultation", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "陽光花園北區的業主想知道怎麼申請用維修資金換水管", {}, "maintenance_fund", "LJ-NC-XF-1-02", "normal", "T"),
    ("hotline", "翡翠城８栋电梯下坠了两层，里面还有人", {}, "elevator", "LJ-NC-YL-1-02", "emergency", "W"),
    ("hotline", "学府雅居附近的小学放学时间门口堵车严重，能不能设个临时停车区", {}, "municipal_facilities", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "嗯，好，那我等通知", {}, "unclassified", None, "normal", ""),
]

# ------------------------------------------------------------ set O (江岸市) and P (临江市),
# written after the changes for M and N, measured before any change for them
O = [
    ("hotline", "那个单元门口的台阶塌了一块，我妈昨天崴了脚", {"address": "竹韵花园"}, "facility_repair", "JA-DH-HB-2-02", "normal", ""),
    ("hotline", "小区里的排污泵坏了，地下室全是污水", {"address": "锦龙苑"}, "facility_repair", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "电梯里的空调坏了，夏天进去跟蒸笼一样", {"address": "京基御景花园"}, "elevator", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "电梯经常无故急停，一停就是半天", {"address": "帝豪花园"}, "elevator", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "小区里白蚁很多，公共的木头凳子和树都被蛀空了", {"address": "竹坑花园"}, "sanitation", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "楼道里的墙被人乱涂乱画，还贴满了开锁广告", {"address": "罗芳南苑"}, "sanitation", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "小区里共享单车堆成山，把路都堵了", {"address": "鸿翔花园"}, "parking", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "访客车辆进小区要登记还要收十块钱，这合理吗", {"address": "京基御景花园"}, "property_service_complaint", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "物业把小区大门的钥匙卡每张收两百块押金", {"address": "锦龙苑"}, "property_service_complaint", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "小区的公共收益应该每年公布一次，我们小区从来没有", {"address": "沙湖雅苑"}, "maintenance_fund", "JA-PX-BL-2-01", "normal", ""),
    ("hotline", "楼上邻居在阳台种菜施肥，臭味飘到我家", {"address": "帝豪花园"}, "neighbor_dispute", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "楼下邻居在公共走廊装了个摄像头对着我家门口", {"address": "竹坑花园"}, "neighbor_dispute", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "业委会的财务从来不公开，主任还不让我们查，我们要罢免他", {"address": "锦龙苑"}, "committee_affairs", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "新物业进场了，老物业还在收物业费，业主都不知道该交给谁", {"address": "鸿翔花园"}, "property_transition", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "隔壁楼有人在顶楼平台上用砖头砌了个水池养鱼", {"address": "罗芳南苑"}, "illegal_construction", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "小区旁边的废品收购站每天敲敲打打，很吵", {"address": "碧岭村"}, "business_nuisance", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "楼下新开的健身房音乐放得很大声，楼板都在震", {"address": "京基御景花园"}, "business_nuisance", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "卫生间地漏返水，是开发商排水设计有问题，整栋楼都这样", {"address": "锦龙苑"}, "building_quality", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "小区对面的山要被开发成墓地，居民很反感", {"address": "竹坑花园"}, "planning", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "学校说我们小区不在划片范围内，可是去年还在", {"address": "帝豪花园"}, "school_places", "JA-DH-HB-1-01", "normal", ""),
    ("hotline", "半夜有人一直敲我家门，还拧门把手，我很害怕", {"address": "沙湖雅苑"}, "public_security", "JA-PX-BL-2-01", "emergency", ""),
    ("hotline", "小区的消防控制室没人值班，报警器响了也没人管", {"address": "京基御景花园"}, "fire_safety", "JA-PX-BL-1-01", "normal", ""),
    ("hotline", "旁边的沥青搅拌站一开工整个小区都是焦油味", {"address": "竹坑花园"}, "pollution", "JA-PX-LT-2-01", "normal", ""),
    ("hotline", "家里的天然气费用比以前高了好几倍，怀疑表有问题", {"address": "罗芳南苑"}, "utilities", "JA-DH-HB-2-01", "normal", ""),
    ("hotline", "小区门口的斑马线都磨没了，车开得很快", {"address": "鸿翔花园"}, "municipal_facilities", "JA-DH-CZ-1-01", "normal", ""),
    ("hotline", "我爸是退役军人，身体不好，有没有什么优抚政策可以帮帮他", {"address": "碧岭村"}, "social_assistance", "JA-PX-BL-1-02", "normal", ""),
    ("hotline", "请问新生儿医保怎么办理", {"address": "锦龙苑"}, "consultation", "JA-PX-LT-2-02", "normal", ""),
    ("hotline", "你们热线几点下班", {}, "unclassified", None, "normal", ""),
]

P = [
    ("hotline", "学府雅居的楼道窗户关不上，冬天冷风直灌", {}, "facility_repair", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "阳光花园的电梯钢丝绳好像断了几股，坐着心里发慌", {}, "elevator", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "翡翠城二期垃圾桶边上全是苍蝇和蛆", {}, "sanitation", "LJ-NC-YL-1-03", "normal", ""),
    ("hotline", "警苑小区的车位都被业主装了地锁，访客没地方停", {}, "parking", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "水岸名都的物业擅自把自行车棚拆了，说要建收费停车位", {}, "property_service_complaint", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "阳光花园的业委会账上的钱被挪去给物业发奖金了", {}, "maintenance_fund", "LJ-NC-XF-1-01", "normal", ""),
    ("hotline", "翡翠城楼上邻居的空调外机装在我家窗户上面，噪音很大", {}, "neighbor_dispute", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "绿化新村业委会成立了三年一次业主大会都没开过", {}, "committee_affairs", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "学府雅居的物业合同到期了，业委会跟物业谈不拢，物业说要撤", {}, "property_transition", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "翡翠城二期有户人家在露台上搭了个钢结构的房子", {}, "illegal_construction", "LJ-NC-YL-1-03", "normal", ""),
    ("hotline", "警苑小区门口的水果摊用大喇叭循环叫卖", {}, "business_nuisance", "LJ-BH-QS-1-01", "normal", ""),
    ("hotline", "阳光花园北区交房五年了土地证还没办下来", {}, "building_quality", "LJ-NC-XF-1-02", "normal", ""),
    ("hotline", "听说学府雅居旁边要建一个危化品仓库", {}, "planning", "LJ-NC-XF-2-01", "normal", ""),
    ("hotline", "翡翠城的孩子小升初要摇号，怎么报名", {}, "school_places", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "水岸名都有人在小区里开设赌场，进出的都是外地人", {}, "public_security", "LJ-BH-QS-1-02", "normal", ""),
    ("hotline", "消防大院的灭火器全都过期了，消防栓也锈死了", {}, "fire_safety", "LJ-NC-XF-2-02", "normal", ""),
    ("hotline", "绿化新村北面的工厂噪音很大，机器日夜不停", {}, "pollution", "LJ-BH-QS-1-03", "normal", ""),
    ("hotline", "天然气公司家属院的暖气管道漏了，家里不热", {}, "utilities", "LJ-NC-YL-1-01", "normal", ""),
    ("hotline", "新河公寓门口的路被渣土车压坏了，坑坑洼洼", {}, "municipal_facilities", "LJ-NC-YL-2-01", "normal", ""),
    ("hotline", "电力宿舍有个孤寡老人家里没米了，也没人管", {}, "social_assistance", "LJ-NC-XF-1-03", "normal", ""),
    ("hotline", "请问换身份证要去哪里办", {"address": "翡翠城"}, "consultation", "LJ-NC-YL-1-02", "normal", ""),
    ("hotline", "學府雅居的樓道扶手鬆了，老人扶著差點摔倒", {}, "facility_repair", "LJ-NC-XF-2-01", "normal", "T"),
    ("hotline", "水岸名都１５栋有人家里冒出很浓的烟，好像着火了", {}, "fire_safety", "LJ-BH-QS-1-02", "emergency", "W"),
]


def fullwidth(s):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def s2t(texts):
    out = subprocess.run(["opencc", "-c", "s2t.json"], input="\n".join(texts), text=True,
                         capture_output=True, check=True).stdout
    return out.split("\n")[:len(texts)]


def write(cases, prefix, path, registry=None):
    rows = []
    for i, (ch, text, where, cat, comp, urg, flags) in enumerate(cases, 1):
        d = {"id": f"{prefix}{i:03d}", "channel": ch, "text": text}
        for k in ("address", "compound"):
            if k in where:
                d[k] = where[k]
        if "urgency_in" in where:
            d["urgency"] = where["urgency_in"]
        if "T" in flags:
            t = s2t([d["text"], d.get("address", "")])
            d["text"] = t[0]
            if "address" in d:
                d["address"] = t[1]
        if "W" in flags:
            d["text"] = fullwidth(d["text"])
        d["expect"] = {"category": cat, "compound": comp, "urgency": urg}
        rows.append(d)
    with open(path, "w", encoding="utf-8") as f:
        if registry:
            f.write(json.dumps({"registry": registry}) + "\n")
        for d in rows:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    write(A, "a", os.path.join(HERE, "set_a_hard.jsonl"))
    write(B, "b", os.path.join(HERE, "set_b_hard.jsonl"), "registry_b.json")
    write(C, "c", os.path.join(HERE, "set_c_hard.jsonl"))
    write(D, "d", os.path.join(HERE, "set_d_hard.jsonl"), "registry_b.json")
    write(E, "e", os.path.join(HERE, "set_e_hard.jsonl"))
    write(F, "f", os.path.join(HERE, "set_f_hard.jsonl"), "registry_b.json")
    write(G, "g", os.path.join(HERE, "set_g_hard.jsonl"))
    write(H, "h", os.path.join(HERE, "set_h_hard.jsonl"), "registry_b.json")
    write(I, "i", os.path.join(HERE, "set_i_hard.jsonl"))
    write(J, "j", os.path.join(HERE, "set_j_hard.jsonl"), "registry_b.json")
    write(K, "k", os.path.join(HERE, "set_k_plain.jsonl"))
    write(L, "l", os.path.join(HERE, "set_l_hard.jsonl"), "registry_b.json")
    write(M, "m", os.path.join(HERE, "set_m_hard.jsonl"))
    write(N, "n", os.path.join(HERE, "set_n_hard.jsonl"), "registry_b.json")
    write(O, "o", os.path.join(HERE, "set_o_hard.jsonl"))
    write(P, "p", os.path.join(HERE, "set_p_hard.jsonl"), "registry_b.json")
