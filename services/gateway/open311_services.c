/*
 * open311_services.c - Open311 discovery, the service list (one service
 * per category of ROUTING.md section 4) and service definitions.
 *
 * group is the tier that answers a category first (the tier of the first
 * body kind of its chain): tests/unit/test_open311_services.c checks this
 * table against the router's chains, so the two cannot drift apart.
 */
#include <stdio.h>
#include <string.h>

#include "gateway.h"
#include "open311.h"
#include "open311_services.h"

/* Chinese names as in ROUTING.md's table; descriptions say what belongs
 * there in the residents' words. */
static const open311_service_t services[] = {
    {"facility_repair", "公共设施报修",
     "小区公共区域设施损坏：楼道灯、门禁、管道漏水、下水道堵塞、公共区域屋面墙体破损、健身器材等",
     TIER_COMPOUND, "leaking"},
    {"elevator", "电梯故障", "电梯停运、困人、抖动、异响", TIER_COMPOUND, "elevator"},
    {"sanitation", "环境卫生",
     "垃圾堆积未清运、楼道和公共区域脏乱、垃圾分类点、公共区域虫鼠、公共绿地杂草", TIER_COMPOUND,
     NULL},
    {"parking", "小区停车",
     "小区内停车难、乱停车、停车收费、充电桩、道闸（堵塞消防通道请选消防安全）", TIER_COMPOUND,
     NULL},
    {"property_service_complaint", "物业服务投诉",
     "对物业公司的投诉：服务差、乱收费、态度恶劣、不作为、占用公共区域经营", TIER_COMPOUND, NULL},
    {"maintenance_fund", "维修资金与公共收益",
     "住宅专项维修资金、公共收益（广告、停车）的公开与使用、业主表决", TIER_COMPOUND, NULL},
    {"neighbor_dispute", "邻里纠纷", "楼上漏水、邻居噪音、宠物与狗粪、楼道堆物、邻居家异味",
     TIER_COMPOUND, "ongoing"},
    {"committee_affairs", "业委会组建与换届",
     "业主大会和业委会的组建、选举、换届，业委会合法性争议，委员不当行为", TIER_STREET, NULL},
    {"property_transition", "物业更换与退出",
     "选聘、更换物业公司，物业撤离或弃管，临时托管，交接纠纷", TIER_STREET, NULL},
    {"illegal_construction", "违章搭建", "违法建筑、圈占公共绿地、屋顶阳台加建、擅自改变房屋结构",
     TIER_STREET, NULL},
    {"business_nuisance", "商户扰民", "商铺餐馆噪音、油烟、异味，夜间施工噪音，流动摊贩，占道经营",
     TIER_STREET, "ongoing"},
    {"building_quality", "房屋质量与开发遗留",
     "外墙屋面渗漏、裂缝、施工质量问题、电梯质量缺陷、办证难、开发商承诺配套未兑现", TIER_DISTRICT,
     NULL},
    {"planning", "规划建设与邻避",
     "住宅附近项目选址（变电站、垃圾站、工厂）、规划变更、规划配套缺失", TIER_DISTRICT, NULL},
    {"school_places", "学位与入学", "中小学、幼儿园学位，学区划分，入学", TIER_DISTRICT, NULL},
    {"public_security", "治安", "盗窃、入室、打架、可疑人员、诈骗、赌博、吸毒、家庭暴力",
     TIER_DISTRICT, "ongoing"},
    {"fire_safety", "消防安全",
     "消防通道和出口堵塞、电动车楼道停放和飞线充电、消火栓灭火器损坏、火灾隐患", TIER_DISTRICT,
     "ongoing"},
    {"pollution", "环境污染", "工业排放、工厂异味、水体污染、化学气味（餐馆油烟请选商户扰民）",
     TIER_DISTRICT, NULL},
    {"utilities", "水电气供应",
     "停水、水压低、水质发黄、停电、燃气供应、计量表（公共区域爆管请选公共设施报修）",
     TIER_DISTRICT, "supply"},
    {"municipal_facilities", "市政设施",
     "小区外道路人行道、坑洼、路灯、井盖、公厕、行道树、公共绿地", TIER_DISTRICT, NULL},
    {"social_assistance", "民政救助与养老", "独居老人需要帮助、低保、残疾人帮扶、养老、生活困难",
     TIER_COMMUNITY, NULL},
    {"consultation", "政策咨询", "政策或办事流程咨询，无需处置", TIER_COMMUNITY, NULL},
    {"unclassified", "无法分类", "以上都不符合的诉求", TIER_CITY, NULL},
};

const open311_service_t *open311_service_list(size_t *n)
{
    *n = sizeof services / sizeof services[0];
    return services;
}

const open311_service_t *open311_service_find(const char *code)
{
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (strcmp(services[i].code, code) == 0)
            return &services[i];
    return NULL;
}

/* The tiers in Chinese, as residents name them. */
static const char *tier_group(tier_t t)
{
    static const char *names[TIER_COUNT] = {"小区", "社区", "街道", "区", "市"};
    return (int)t >= 0 && t < TIER_COUNT ? names[t] : "";
}

/* Attribute sets some services ask for (service definitions). The
 * answers change the demand's urgency (open311_requests.c). */
static json_t *attribute_yes_no(const char *code, const char *description)
{
    return json_pack("{s:b,s:s,s:s,s:b,s:s,s:i,s:s,s:[{s:s,s:s},{s:s,s:s}]}", "variable", 1, "code",
                     code, "datatype", "singlevaluelist", "required", 0, "datatype_description",
                     "是/否", "order", 1, "description", description, "values", "key", "yes",
                     "name", "是", "key", "no", "name", "否");
}

static json_t *attributes_of(const char *set)
{
    json_t *a = json_array();
    if (set == NULL)
        return a;
    if (strcmp(set, "elevator") == 0)
        json_array_append_new(a, attribute_yes_no("trapped", "是否有人被困在电梯里"));
    else if (strcmp(set, "ongoing") == 0)
        json_array_append_new(a, attribute_yes_no("ongoing", "是否正在发生（需要立即处置）"));
    else if (strcmp(set, "supply") == 0)
        json_array_append_new(
            a, json_pack("{s:b,s:s,s:s,s:b,s:s,s:i,s:s,s:[{s:s,s:s},{s:s,s:s},{s:s,s:s}]}",
                         "variable", 1, "code", "supply", "datatype", "singlevaluelist", "required",
                         0, "datatype_description", "水/电/气", "order", 1, "description",
                         "哪一项供应出了问题", "values", "key", "water", "name", "水", "key",
                         "power", "name", "电", "key", "gas", "name", "气"));
    else if (strcmp(set, "leaking") == 0)
        json_array_append_new(a, attribute_yes_no("leaking", "是否正在漏水"));
    return a;
}

int open311_services(const http_request_t *req, http_response_t *resp, open311_format_t fmt,
                     const char *code)
{
    (void)req;
    if (code != NULL) {
        const open311_service_t *s = open311_service_find(code);
        if (s == NULL)
            return open311_error(resp, fmt, 404, "no such service_code (see services.xml)");
        return open311_answer(resp, fmt, 200,
                              json_pack("{s:s,s:o}", "service_code", s->code, "attributes",
                                        attributes_of(s->attributes)),
                              "service_definition");
    }
    json_t *list = json_array();
    for (size_t i = 0; list && i < sizeof services / sizeof services[0]; i++) {
        const open311_service_t *s = &services[i];
        json_array_append_new(list,
                              json_pack("{s:s,s:s,s:s,s:b,s:s,s:s,s:s}", "service_code", s->code,
                                        "service_name", s->name, "description", s->description,
                                        "metadata", s->attributes != NULL, "type", "realtime",
                                        "keywords", "", "group", tier_group(s->group)));
    }
    return open311_answer(resp, fmt, 200, list, "services");
}

int open311_discovery(const http_request_t *req, http_response_t *resp, open311_format_t fmt)
{
    const char *base = req->gateway->base_url ? req->gateway->base_url : "";
    char url[512];
    snprintf(url, sizeof url, "%s/open311/v2", base);
    json_t *d = json_pack("{s:s,s:s,s:s,s:[{s:s,s:s,s:s,s:s,s:[s,s]}]}", "changeset",
                          OPEN311_CHANGESET, "contact", "江岸市12345热线派单中心", "key_service",
                          "api_key: ask the dispatch centre (docs/open311.md)", "endpoints",
                          "specification", "http://wiki.open311.org/GeoReport_v2", "url", url,
                          "changeset", OPEN311_CHANGESET, "type", "production", "formats",
                          "text/xml", "application/json");
    return open311_answer(resp, fmt, 200, d, "discovery");
}
