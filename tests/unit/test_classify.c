/*
 * test_classify.c - classifier: the hand-written corpus
 * (tests/router/classify_cases.tsv), the 54 routing samples
 * (tests/fixtures/routing, the project's copy of the shared ones), loader error reporting and
 * robustness against garbage lexicons and texts, explain JSON validity. Speed is measured by
 * tests/bench/router_bench, not here (no timed assertions). Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include <opencc.h>

#include "domain.h"
#include "../../services/router/classify.h"

#define LEXDIR "deploy/lexicon"
#define CASES "tests/router/classify_cases.tsv"
#define FIXTURES "tests/fixtures/routing"

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
    return g_c == NULL ? 0 : -1;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    size_t got;
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            char *nb = realloc(b, cap + 1);
            if (nb == NULL) {
                free(b);
                b = NULL;
            }
            b = nb;
        }
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        *len = n;
    }
    return b;
}

static void assert_valid_json(const char *s)
{
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    if (j == NULL)
        fprintf(stderr, "invalid explain JSON (%s): %s\n", je.text, s);
    assert_non_null(j);
    assert_true(json_is_object(j));
    json_decref(j);
}

/* Every corpus line: category<TAB>urgency<TAB>text. All must pass. */
static void test_corpus(void **state)
{
    (void)state;
    size_t len;
    char *buf = read_all(CASES, &len);
    assert_non_null(buf);
    int total = 0, cat_ok = 0, fail = 0;
    int per_cat[CAT_COUNT] = {0};
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *t1 = strchr(line, '\t');
        assert_non_null(t1);
        char *t2 = strchr(t1 + 1, '\t');
        assert_non_null(t2);
        int cat = category_from_name(line, (size_t)(t1 - line));
        int urg = urgency_from_name(t1 + 1, (size_t)(t2 - t1 - 1));
        assert_true(cat >= 0);
        assert_true(urg > 0);
        const char *text = t2 + 1;
        classification_t out;
        assert_int_equal(classifier_classify(g_c, text, strlen(text), &out), 0);
        assert_valid_json(out.explain);
        total++;
        per_cat[cat]++;
        if ((int)out.category == cat)
            cat_ok++;
        if ((int)out.category != cat || (int)out.urgency != urg) {
            fail++;
            fprintf(stderr, "FAIL want %s/%s got %s/%s: %s\n    %s\n",
                    category_name((category_t)cat), urgency_name((urgency_t)urg),
                    category_name(out.category), urgency_name(out.urgency), text, out.explain);
        }
    }
    free(buf);
    fprintf(stderr, "corpus: %d cases, category %d/%d (%.1f%%), %d failures\n", total, cat_ok,
            total, total ? 100.0 * cat_ok / total : 0.0, fail);
    assert_true(total >= 150);
    for (int c = 0; c < CAT_COUNT; c++)
        assert_true(per_cat[c] >= 3); /* several phrasings of every category */
    assert_int_equal(fail, 0);
}

/* The routing samples: category, and urgency as the router combines it (an
 * explicit channel emergency wins; the text can raise a normal one). Texts
 * from traditional channels are converted as the normaliser does. */
static void test_fixtures(void **state)
{
    (void)state;
    json_error_t je;
    FILE *fd = fopen(FIXTURES "/demands.jsonl", "r");
    FILE *fe = fopen(FIXTURES "/expected.jsonl", "r");
    if (fd == NULL || fe == NULL) {
        if (fd)
            fclose(fd);
        if (fe)
            fclose(fe);
        fprintf(stderr, "fixtures not found under %s\n", FIXTURES);
        fail();
    }
    opencc_t cc = opencc_open("t2s.json");
    assert_true(cc != (opencc_t)-1);
    char ld[8192], le[8192];
    int n = 0, fails = 0;
    while (fgets(ld, sizeof(ld), fd) && fgets(le, sizeof(le), fe)) {
        json_t *d = json_loads(ld, 0, &je), *e = json_loads(le, 0, &je);
        assert_non_null(d);
        assert_non_null(e);
        const char *text = json_string_value(json_object_get(d, "text"));
        const char *chan_urg = json_string_value(json_object_get(d, "urgency"));
        const char *want_cat = json_string_value(json_object_get(e, "category"));
        const char *want_urg = json_string_value(json_object_get(e, "urgency"));
        assert_non_null(text);
        char *simp = opencc_convert_utf8(cc, text, strlen(text));
        assert_non_null(simp);
        classification_t out;
        assert_int_equal(classifier_classify(g_c, simp, strlen(simp), &out), 0);
        urgency_t u = out.urgency;
        if (chan_urg && strcmp(chan_urg, "emergency") == 0)
            u = URG_EMERGENCY;
        if (strcmp(category_name(out.category), want_cat) != 0 ||
            strcmp(urgency_name(u), want_urg) != 0) {
            fails++;
            fprintf(stderr, "FAIL %s want %s/%s got %s/%s: %s\n    %s\n",
                    json_string_value(json_object_get(d, "id")), want_cat, want_urg,
                    category_name(out.category), urgency_name(u), simp, out.explain);
        }
        opencc_convert_utf8_free(simp);
        json_decref(d);
        json_decref(e);
        n++;
    }
    opencc_close(cc);
    fclose(fd);
    fclose(fe);
    fprintf(stderr, "fixtures: %d samples, %d failures\n", n, fails);
    assert_int_equal(n, 54);
    assert_int_equal(fails, 0);
}

static void test_rules_and_explain(void **state)
{
    (void)state;
    classification_t out;
    const char *t = "楼上住户家里漏水，把我家天花板泡坏了";
    assert_int_equal(classifier_classify(g_c, t, strlen(t), &out), 0);
    assert_int_equal(out.category, CAT_NEIGHBOR_DISPUTE);
    json_t *j = json_loads(out.explain, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "category")), "neighbor_dispute");
    assert_true(json_is_array(json_object_get(j, "rules")));
    assert_true(json_is_object(json_object_get(j, "scores")));
    json_decref(j);
    /* gas: utilities and emergency, with the cue named */
    t = "闻到很浓的煤气味";
    assert_int_equal(classifier_classify(g_c, t, strlen(t), &out), 0);
    assert_int_equal(out.category, CAT_UTILITIES);
    assert_int_equal(out.urgency, URG_EMERGENCY);
    assert_non_null(strstr(out.explain, "煤气味"));
    /* negation: "not the lift" does not vote for the lift */
    t = "不是电梯的问题";
    assert_int_equal(classifier_classify(g_c, t, strlen(t), &out), 0);
    assert_int_equal(out.scores[CAT_ELEVATOR], 0);
    /* empty and NULL-with-zero-length texts are no demand */
    assert_int_equal(classifier_classify(g_c, "", 0, &out), 0);
    assert_int_equal(out.category, CAT_UNCLASSIFIED);
    assert_int_equal(out.urgency, URG_NORMAL);
    assert_int_equal(classifier_classify(g_c, NULL, 0, &out), 0);
    assert_int_equal(out.category, CAT_UNCLASSIFIED);
    assert_valid_json(out.explain);
    assert_int_equal(classifier_classify(NULL, "x", 1, &out), -EINVAL);
    assert_int_equal(classifier_classify(g_c, "x", 1, NULL), -EINVAL);
}

/* A long text full of matches still yields valid (possibly truncated) JSON. */
static void test_long_text(void **state)
{
    (void)state;
    const char *words[] = {"电梯坏了", "楼道灯", "垃圾",   "停车费", "物业费", "维修资金",
                           "邻居",     "换届",   "撤场",   "违建",   "油烟",   "开发商",
                           "变电站",   "学位",   "小偷",   "飞线",   "化工厂", "停水",
                           "井盖",     "低保",   "居住证", "着火",   "被困"};
    size_t cap = 200000, n = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    for (int i = 0; n + 64 < cap; i++) {
        const char *w = words[i % (sizeof(words) / sizeof(words[0]))];
        memcpy(s + n, w, strlen(w));
        n += strlen(w);
        n += (size_t)snprintf(s + n, cap - n, "%d", i);
    }
    classification_t out;
    assert_int_equal(classifier_classify(g_c, s, n, &out), 0);
    assert_true(strlen(out.explain) < CLASSIFY_EXPLAIN_MAX);
    assert_valid_json(out.explain);
    free(s);
}

/* Random bytes as text: never crashes, always valid JSON. */
static void test_garbage_text(void **state)
{
    (void)state;
    srand(12345);
    char buf[600];
    for (int it = 0; it < 3000; it++) {
        size_t n = (size_t)(rand() % (int)sizeof(buf));
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)(rand() % 256);
        /* splice in real phrases so that matches happen */
        if (n > 20 && it % 2) {
            memcpy(buf + rand() % (int)(n - 12), "电梯被困", 12);
        }
        classification_t out;
        assert_int_equal(classifier_classify(g_c, buf, n, &out), 0);
        assert_true(out.category < CAT_COUNT);
        assert_valid_json(out.explain);
    }
}

/* ---- loader errors, on a scratch copy of the lexicon directory ---- */

static char g_tmp[256];

static void copy_lexicons(void)
{
    snprintf(g_tmp, sizeof(g_tmp), "/tmp/test_classify_XXXXXX");
    assert_non_null(mkdtemp(g_tmp));
    DIR *d = opendir(LEXDIR);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char src[512], dst[512];
        snprintf(src, sizeof(src), "%s/%s", LEXDIR, de->d_name);
        snprintf(dst, sizeof(dst), "%s/%s", g_tmp, de->d_name);
        size_t len;
        char *b = read_all(src, &len);
        assert_non_null(b);
        FILE *f = fopen(dst, "wb");
        assert_non_null(f);
        fwrite(b, 1, len, f);
        fclose(f);
        free(b);
    }
    closedir(d);
}

static void remove_copy(void)
{
    DIR *d = opendir(g_tmp);
    if (d == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", g_tmp, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(g_tmp);
}

static void write_file(const char *base, const char *data, size_t len)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", g_tmp, base);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fwrite(data, 1, len, f);
    fclose(f);
}

/* Loading `data` as file `base` must fail naming base:line. */
static void expect_error(const char *base, const char *data, size_t len, int line)
{
    write_file(base, data, len);
    classifier_t *c = (classifier_t *)0x1;
    char err[512] = "";
    int rc = classifier_load(g_tmp, &c, err, sizeof(err));
    char want[128];
    snprintf(want, sizeof(want), "%s:%d:", base, line);
    if (rc >= 0 || strstr(err, want) == NULL)
        fprintf(stderr, "expected error at %s, got rc=%d err=%s\n", want, rc, err);
    assert_true(rc < 0);
    assert_null(c);
    assert_non_null(strstr(err, want));
}

static void test_loader_errors(void **state)
{
    (void)state;
    copy_lexicons();
    classifier_t *c = NULL;
    char err[512];
    assert_int_equal(classifier_load(g_tmp, &c, err, sizeof(err)), 0);
    classifier_destroy(&c);
    assert_null(c);

    const char *ok = "# comment\n电梯\t5\n";
#define E(base, s, line) expect_error(base, s, sizeof(s) - 1, line)
    E("elevator.tsv", "# c\n电梯\t5\n困人 6\n", 3); /* no tab */
    E("elevator.tsv", "电梯\tfive\n", 1);           /* bad weight */
    E("elevator.tsv", "电梯\t5000\n", 1);           /* out of range */
    E("elevator.tsv", "\n\n电梯\t5\t6\n", 3);       /* extra field */
    E("elevator.tsv", "\t5\n", 1);                  /* empty phrase */
    E("elevator.tsv", "电梯\t5\n电梯\t6\n", 2);     /* duplicate */
    E("elevator.tsv", "\xff\xfe\t5\n", 1);          /* invalid UTF-8 */
    E("elevator.tsv", "电\xe6\xa2\t5\n", 1);        /* truncated UTF-8 */
    E("elevator.tsv", " 电梯\t5\n", 1);             /* edge space */
    E("elevator.tsv",
      "a\x01"
      "b\t5\n",
      1);                                      /* control char */
    E("elevator.tsv", "ok\t1\nab\0c\t5\n", 2); /* NUL */
    E("elevator.tsv", "电梯\t\n", 1);          /* empty weight */
    E("elevator.tsv", "电梯\t-\n", 1);
    write_file("elevator.tsv", ok, strlen(ok));
    E("rules.tsv", "r1\televator\t-\t-\tparking\nr2\tnope\t-\t-\tparking\n", 2);
    E("rules.tsv", "r1\televator\tno_such_cue\t-\tparking\n", 1);
    E("rules.tsv", "r1\televator\t-\t-\t*\n", 1);
    E("rules.tsv", "Bad-Name\televator\t-\t-\tparking\n", 1);
    E("rules.tsv", "r1\televator\t-\t-\n", 1);
    E("rules.tsv", "r1\televator,\t-\t-\tparking\n", 1);
    E("cues.tsv", "gas\t煤气\nGAS\t燃气\n", 2);
    E("cues.tsv", "gas\n", 1);
    E("settings.tsv", "min_score\t3\nbogus\t1\n", 2);
    E("settings.tsv", "min_score\t-3\n", 1);
    write_file("settings.tsv", "min_score\t3\n", 12);
    E("negation.tsv", "不是\t2\n", 1);
    E("urgency.tsv", "now\t现在\nnow\t现在\n", 2);
    E("urgency.tsv", "danger:gas\t煤气味\nsoon\t快\n", 2);
    E("urgency.tsv", "danger\t煤气味\n", 1);
    E("urgency.tsv", "danger:nope\t煤气味\n", 1);
    E("urgency.tsv", "now:fire\t现在\n", 1);
    E("urgency.tsv", "now\t现在\t1\n", 1);
#undef E
    /* a missing file is an error naming it */
    char p[512];
    snprintf(p, sizeof(p), "%s/parking.tsv", g_tmp);
    unlink(p);
    assert_true(classifier_load(g_tmp, &c, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "parking.tsv"));
    assert_null(c);
    remove_copy();
    /* null arguments */
    assert_int_equal(classifier_load(NULL, &c, err, sizeof(err)), -EINVAL);
    assert_int_equal(classifier_load(LEXDIR, NULL, NULL, 0), -EINVAL);
    classifier_destroy(NULL);
    classifier_destroy(&c);
}

/* Garbage lexicon files: every load either succeeds or fails cleanly. */
static void test_loader_garbage(void **state)
{
    (void)state;
    copy_lexicons();
    const char *targets[] = {"elevator.tsv", "rules.tsv",    "cues.tsv",
                             "urgency.tsv",  "negation.tsv", "settings.tsv"};
    const char alphabet[] = "\t\n\r #,-*09az_\xe7\x94\xb5\xe6\xa2\xaf\x00\xff";
    srand(777);
    char buf[2048];
    for (int it = 0; it < 600; it++) {
        size_t n = (size_t)(rand() % (int)sizeof(buf));
        for (size_t i = 0; i < n; i++)
            buf[i] = it % 3 ? alphabet[rand() % (int)(sizeof(alphabet) - 1)] : (char)(rand() % 256);
        const char *base = targets[it % 6];
        write_file(base, buf, n);
        classifier_t *c = NULL;
        char err[256];
        int rc = classifier_load(g_tmp, &c, err, sizeof(err));
        if (rc == 0) {
            classification_t out;
            assert_int_equal(classifier_classify(c, buf, n, &out), 0);
            assert_valid_json(out.explain);
            classifier_destroy(&c);
        } else {
            assert_null(c);
            assert_true(strlen(err) > 0);
        }
    }
    remove_copy();
}

/* Throughput on the corpus texts (reported, loosely bounded). */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_rules_and_explain),
        cmocka_unit_test(test_long_text),
        cmocka_unit_test(test_garbage_text),
        cmocka_unit_test(test_loader_errors),
        cmocka_unit_test(test_loader_garbage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
