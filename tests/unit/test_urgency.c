/*
 * test_urgency.c - the urgency decision (services/router/urgency.c) with
 * the real lexicon (deploy/lexicon/urgency.tsv): for every kind of danger
 * a few phrasings happening now (emergency) and the same danger over, past,
 * standing or imagined (normal), so that losing a kind fails here; then the
 * channel's word, trusted and untrusted urgency tags, the review flag and
 * the clause rules on hand-made cues.
 *
 * Texts are written as the classifier receives them: simplified, with
 * half-width punctuation (the normaliser folds ，to ,).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "domain.h"
#include "../../services/router/classify.h"
#include "../../services/router/urgency.h"

#define LEXDIR "deploy/lexicon"

static classifier_t *g_c;

static int setup(void **state)
{
    (void)state;
    char err[512];
    int rc = classifier_load(LEXDIR, &g_c, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "classifier_load: %d %s\n", rc, err);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    classifier_destroy(&g_c);
    return 0;
}

/* The decision for `text` with the channel's word and tag trust. */
static urgency_decision_t decide(const char *text, urgency_t channel, int trusted,
                                 classification_t *cls)
{
    assert_int_equal(classifier_classify(g_c, text, strlen(text), cls), 0);
    urgency_input_t in = {cls->ucues, cls->n_ucues, text, strlen(text), channel, trusted};
    urgency_decision_t d;
    assert_int_equal(urgency_decide(&in, &d), 0);
    return d;
}

static int failures;

static void expect(const char *text, urgency_t want, danger_kind_t kind)
{
    static classification_t cls;
    urgency_decision_t d = decide(text, URG_UNSET, 0, &cls);
    int ok = d.urgency == want;
    /* an emergency must be decided by a danger of the expected kind */
    if (ok && want == URG_EMERGENCY && kind != DK_NONE)
        ok = d.decider >= 0 && cls.ucues[d.decider].kind == kind;
    if (!ok) {
        failures++;
        fprintf(stderr, "FAIL want %s (%s) got %s rule %s: %s\n", urgency_name(want),
                danger_kind_name(kind), urgency_name(d.urgency), urgency_rule_name(d.rule), text);
        for (size_t i = 0; i < cls.n_ucues; i++)
            fprintf(stderr, "    cue %s %s:%s state %s\n", cls.ucues[i].phrase,
                    urgency_facet_name((urgency_facet_t)cls.ucues[i].facet),
                    danger_kind_name((danger_kind_t)cls.ucues[i].kind),
                    danger_state_name((danger_state_t)d.state[i]));
    }
}

#define NOW(t, k) expect(t, URG_EMERGENCY, k)
#define CALM(t) expect(t, URG_NORMAL, DK_NONE)

static void test_collapse(void **state)
{
    (void)state;
    failures = 0;
    NOW("天花板塌下来了,砸到我妈头上,她在流血", DK_COLLAPSE);
    NOW("楼道那面墙倒了,有个老人压在下面", DK_COLLAPSE);
    NOW("阳台突然塌了,邻居家孩子被埋在下面", DK_COLLAPSE);
    CALM("外墙瓷砖松动,随时会掉下来砸到人");
    CALM("上个月阳台塌了一块,现在还没修");
    CALM("楼梯间的窗户玻璃整块掉下来了,差点砸到人");
    assert_int_equal(failures, 0);
}

static void test_violence(void **state)
{
    (void)state;
    failures = 0;
    NOW("有个男的拿着刀在楼下追人,快来", DK_VIOLENCE);
    NOW("楼道里有人举着菜刀到处追,大家都躲在家里", DK_VIOLENCE);
    NOW("一个喝醉的人拿着铁棍满小区追着人打", DK_VIOLENCE);
    CALM("昨天晚上楼下有人拿刀吵架,警察已经带走了");
    CALM("楼上那家经常打孩子,怀疑是家暴");
    assert_int_equal(failures, 0);
}

static void test_trapped(void **state)
{
    (void)state;
    failures = 0;
    NOW("电梯停在两层中间,我女儿一个人在里面哭,门扒不开", DK_TRAPPED);
    NOW("电梯坏了,我们三个人出不来了,里面很闷", DK_TRAPPED);
    NOW("我老公在电梯里出不来,灯也灭了", DK_TRAPPED);
    CALM("前天电梯困过人,后来救出来了");
    CALM("今天上午电梯困人,已解救,现在停用等维保");
    CALM("电梯经常困人,物业一直不修");
    assert_int_equal(failures, 0);
}

static void test_gas(void **state)
{
    (void)state;
    failures = 0;
    NOW("路口施工把燃气管挖断了,现在一股煤气味", DK_GAS);
    NOW("施工队挖破了燃气管,呲呲地响", DK_GAS);
    NOW("厨房一股很浓的煤气味,我把阀门关了还是有味", DK_GAS);
    CALM("上周闻到煤气味,燃气公司来修过,现在没味了");
    CALM("河对面那家化工厂一到半夜就一股臭鸡蛋味");
    assert_int_equal(failures, 0);
}

static void test_water(void **state)
{
    (void)state;
    failures = 0;
    NOW("暴雨,水已经漫进一楼住户家里了,还在涨", DK_WATER);
    NOW("下水道的污水倒灌进屋,水越来越深", DK_WATER);
    NOW("楼上的水顺着我家天花板往下哗哗流", DK_WATER);
    NOW("地下室进水了,水还在往里灌", DK_WATER);
    CALM("一下雨,单元门口就积一大滩水");
    CALM("地下车库一下大雨就倒灌,每次都淹");
    CALM("楼上卫生间漏水,我家天花板一直往下滴水,找他们也不理");
    assert_int_equal(failures, 0);
}

static void test_sparks(void **state)
{
    (void)state;
    failures = 0;
    NOW("车棚上面的电线在冒火花,下面停满了电动车", DK_SPARKS);
    NOW("走廊的电线一下雨就滋滋冒火花", DK_SPARKS);
    NOW("配电箱里噼里啪啦电火花,有焦味", DK_SPARKS);
    CALM("昨天电线冒火花,已经断电了");
    CALM("楼道里有人私拉电线,晚上还冒过火星");
    assert_int_equal(failures, 0);
}

static void test_fall(void **state)
{
    (void)state;
    failures = 0;
    NOW("有个小孩掉进井里了,井盖不知道被谁拿走了", DK_FALL);
    NOW("一个老人掉进化粪池了,快来人", DK_FALL);
    CALM("路边井盖没了,晚上看不见,很容易掉进去");
    assert_int_equal(failures, 0);
}

/* Classes of the sixth blind round (tests/router/BLIND6.md), in wording of
 * our own: water told by where it goes (涌, 倒灌, into households), gas as
 * 瓦斯 or the smell of an unlit stove, someone in the flat now, a lift told
 * from inside, fire told by its smoke; and the calm twins: people out of a
 * building full of gas is no all-clear, but out of a lift it is. */
static void test_blind6_classes(void **state)
{
    (void)state;
    failures = 0;
    NOW("地下车库的排水管裂了,脏水正往外涌", DK_WATER);
    NOW("暴雨,雨水正顺着阳台门灌进来,现在还在往里进", DK_WATER);
    NOW("化粪池满了,污水正往一楼几户人家里倒灌", DK_WATER);
    NOW("主水管爆了,水已经流进一楼大堂了", DK_WATER);
    NOW("屋里全是瓦斯味,我不敢开灯", DK_GAS);
    NOW("厨房有股味,跟灶台打不着火时的味一模一样", DK_GAS);
    NOW("二单元楼道到处是液化气的味道,大家都出来了", DK_GAS);
    NOW("有人进我家了,我躲在卧室不敢出声", DK_BREAK_IN);
    NOW("有两个人翻墙进来了,现在正在车棚撬电动车", DK_BREAK_IN);
    NOW("我和孩子就在电梯里,电梯停了", DK_TRAPPED);
    NOW("有人在楼道烧垃圾,烟很大,现在还在烧", DK_FIRE);
    NOW("楼下有人把纸箱点着了,烟往上蹿", DK_FIRE);
    CALM("电梯刚才困人,现在人都出来了");
    CALM("隔壁正在偷偷装修,没有报备");
    CALM("楼上的狗老是追着小孩跑,孩子很怕");
    CALM("小区里有人撬电动车的锁,已经丢了好几辆");
    CALM("楼道里有人用煤炉做饭,烟很大");
    CALM("上个月楼上水管漏了,水流进楼下住户家里");
    assert_int_equal(failures, 0);
    /* over:KIND ends that kind only */
    urgency_facet_t f;
    danger_kind_t k;
    assert_int_equal(urgency_facet_parse("over:trapped", 12, &f, &k), 0);
    assert_int_equal(f, UF_OVER);
    assert_int_equal(k, DK_TRAPPED);
    assert_int_equal(urgency_facet_parse("over", 4, &f, &k), 0);
    assert_int_equal(k, DK_NONE);
    assert_int_equal(urgency_facet_parse("over:nope", 9, &f, &k), -EINVAL);
}

static void test_fire_and_others(void **state)
{
    (void)state;
    failures = 0;
    NOW("楼下着火了,浓烟往上窜", DK_FIRE);
    NOW("楼道里全是烟,看不清楼梯,我们往楼顶跑了", DK_FIRE);
    NOW("隔壁独居老人晕倒在地上叫不醒", DK_MEDICAL);
    NOW("有人正在撬我家门", DK_BREAK_IN);
    NOW("半夜有人一直敲我家门,还拧门把手,我很害怕", DK_BREAK_IN);
    NOW("孩子一个人挂在窗外,家里没大人", DK_CHILD);
    CALM("上周楼下着过火,已经扑灭了");
    CALM("楼道堆满纸箱,真着火了根本跑不出去");
    CALM("旁边塑料厂的烟囱冒黑烟,味道很难闻");
    CALM("楼顶水箱的盖子被风刮跑了");
    assert_int_equal(failures, 0);
}

/* The channel's explicit emergency wins; its explicit normal never
 * downgrades a danger the text describes; tags count only where trusted. */
static void test_channel_and_tags(void **state)
{
    (void)state;
    classification_t cls;
    urgency_decision_t d = decide("小区路灯坏了", URG_EMERGENCY, 0, &cls);
    assert_int_equal(d.urgency, URG_EMERGENCY);
    assert_int_equal(d.rule, UR_CHANNEL);
    d = decide("电梯停了,里面有老人出不来", URG_NORMAL, 0, &cls);
    assert_int_equal(d.urgency, URG_EMERGENCY);
    assert_int_equal(d.rule, UR_DANGER);
    d = decide("【紧急】3栋楼道灯不亮", URG_UNSET, 1, &cls);
    assert_int_equal(d.urgency, URG_EMERGENCY);
    assert_int_equal(d.rule, UR_TAG);
    d = decide("【紧急】3栋楼道灯不亮", URG_UNSET, 0, &cls);
    assert_int_equal(d.urgency, URG_NORMAL);
    assert_int_equal(d.tag_ignored, 1);
    d = decide("急!燃气管被挖断了", URG_UNSET, 0, &cls);
    assert_int_equal(d.urgency, URG_EMERGENCY); /* the text alone suffices */
    /* a tag never downgrades: a trusted tag on a calm text still raises, an
     * untrusted one on a danger leaves it an emergency */
    d = decide("SOS 楼下着火了", URG_UNSET, 0, &cls);
    assert_int_equal(d.urgency, URG_EMERGENCY);
}

/* Lean to safety: a danger whose own clause gives no time while other
 * sentences speak of the past is an emergency flagged for review. */
static void test_unclear_is_flagged(void **state)
{
    (void)state;
    classification_t cls;
    urgency_decision_t d = decide("上周就打过电话了。楼道的电线冒火花", URG_UNSET, 0, &cls);
    assert_int_equal(d.urgency, URG_EMERGENCY);
    assert_int_equal(d.rule, UR_DANGER_UNCLEAR);
    assert_int_equal(d.review, 1);
    d = decide("楼道的电线在冒火花", URG_UNSET, 0, &cls);
    assert_int_equal(d.review, 0);
}

/* The clause rules on hand-made cues, independent of the lexicon. */
static void test_clauses(void **state)
{
    (void)state;
    const char *t = "yesterday fire, now gone";
    urgency_cue_t cues[] = {
        {0, 9, UF_PAST, DK_NONE, "yesterday"},
        {10, 14, UF_DANGER, DK_FIRE, "fire"},
        {16, 19, UF_NOW, DK_NONE, "now"},
        {20, 24, UF_OVER, DK_NONE, "gone"},
    };
    urgency_input_t in = {cues, 4, t, strlen(t), URG_UNSET, 0};
    urgency_decision_t d;
    assert_int_equal(urgency_decide(&in, &d), 0);
    assert_int_equal(d.urgency, URG_NORMAL);
    assert_int_equal(d.state[1], DS_OVER);
    /* the danger's clause is past, nothing after it: past */
    in.ncues = 2;
    assert_int_equal(urgency_decide(&in, &d), 0);
    assert_int_equal(d.state[1], DS_PAST);
    assert_int_equal(d.rule, UR_DANGER_PAST);
    /* a now-cue after the over-cue in the same clause brings it back */
    const char *t2 = "fire, gone but now again";
    urgency_cue_t c2[] = {
        {0, 4, UF_DANGER, DK_FIRE, "fire"},
        {6, 10, UF_OVER, DK_NONE, "gone"},
        {15, 18, UF_NOW, DK_NONE, "now"},
    };
    urgency_input_t in2 = {c2, 3, t2, strlen(t2), URG_UNSET, 0};
    assert_int_equal(urgency_decide(&in2, &d), 0);
    assert_int_equal(d.urgency, URG_EMERGENCY);
    /* ... but not from another clause: it speaks of something else */
    const char *t4 = "fire, gone, now closed";
    urgency_cue_t c4[] = {
        {0, 4, UF_DANGER, DK_FIRE, "fire"},
        {6, 10, UF_OVER, DK_NONE, "gone"},
        {12, 15, UF_NOW, DK_NONE, "now"},
    };
    urgency_input_t in4 = {c4, 3, t4, strlen(t4), URG_UNSET, 0};
    assert_int_equal(urgency_decide(&in4, &d), 0);
    assert_int_equal(d.urgency, URG_NORMAL);
    /* a harm kind needs a person */
    urgency_cue_t c3[] = {{0, 4, UF_HARM, DK_COLLAPSE, "fell"}};
    urgency_input_t in3 = {c3, 1, "fell", 4, URG_UNSET, 0};
    assert_int_equal(urgency_decide(&in3, &d), 0);
    assert_int_equal(d.urgency, URG_NORMAL);
    assert_int_equal(d.state[0], DS_NO_PERSON);
    /* bad arguments */
    assert_int_equal(urgency_decide(NULL, &d), -EINVAL);
    in3.ncues = URGENCY_MAX_CUES + 1;
    assert_int_equal(urgency_decide(&in3, &d), -EINVAL);
    /* names and the facet parser */
    urgency_facet_t f;
    danger_kind_t k;
    assert_int_equal(urgency_facet_parse("danger:gas", 10, &f, &k), 0);
    assert_int_equal(f, UF_DANGER);
    assert_int_equal(k, DK_GAS);
    assert_int_equal(urgency_facet_parse("now", 3, &f, &k), 0);
    assert_int_equal(f, UF_NOW);
    assert_int_equal(urgency_facet_parse("now:gas", 7, &f, &k), -EINVAL);
    assert_int_equal(urgency_facet_parse("danger", 6, &f, &k), -EINVAL);
    assert_int_equal(urgency_facet_parse("danger:none", 11, &f, &k), -EINVAL);
    for (int i = 0; i < UR_COUNT; i++)
        assert_non_null(urgency_rule_name((urgency_rule_t)i));
    assert_null(urgency_rule_name(UR_COUNT));
    uint32_t m;
    assert_int_equal(urgency_tag_channels_parse("hotline,grid", &m), 0);
    assert_int_equal(m, (1u << CHANNEL_HOTLINE) | (1u << CHANNEL_GRID));
    assert_int_equal(urgency_tag_channels_parse("", &m), 0);
    assert_int_equal(m, 0);
    assert_int_equal(urgency_tag_channels_parse("hotline,nope", &m), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collapse),
        cmocka_unit_test(test_violence),
        cmocka_unit_test(test_trapped),
        cmocka_unit_test(test_gas),
        cmocka_unit_test(test_water),
        cmocka_unit_test(test_sparks),
        cmocka_unit_test(test_fall),
        cmocka_unit_test(test_fire_and_others),
        cmocka_unit_test(test_blind6_classes),
        cmocka_unit_test(test_channel_and_tags),
        cmocka_unit_test(test_unclear_is_flagged),
        cmocka_unit_test(test_clauses),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
