/*
 * test_ngram.c - the classifier's statistical second opinion (ngram.c):
 * the model loader (the shipped model loads; a bad file is refused with
 * every problem listed by line; a missing file is -ENOENT; garbage never
 * crashes), scoring on a small hand-written model (tokens, digit runs,
 * case folding, top features), and the fallback decision inside the
 * classifier: when the model is consulted, when it decides, when it must
 * keep the lexicon's pick, and what the explain says. Run from the
 * repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "domain.h"
#include "../../services/router/classify.h"
#include "../../services/router/ngram.h"

#define LEXDIR "deploy/lexicon"

static char g_dir[64];

static void write_file(const char *name, const char *s)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", g_dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, strlen(s), f), strlen(s));
    fclose(f);
}

static char *model_path(void)
{
    static char p[256];
    snprintf(p, sizeof p, "%s/model.tsv", g_dir);
    return p;
}

/* A lexicon directory of links to the real lexicons, without model.tsv, so
 * each test writes the model it needs. */
static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/test_ngram.XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return -1;
    char abs[PATH_MAX];
    if (realpath(LEXDIR, abs) == NULL)
        return -1;
    const char *files[] = {"urgency.tsv", "negation.tsv", "cues.tsv", "rules.tsv", "settings.tsv"};
    char from[PATH_MAX + 64], to[PATH_MAX];
    for (int c = 0; c < CAT_COUNT; c++) {
        snprintf(from, sizeof from, "%s/%s.tsv", abs, category_name((category_t)c));
        snprintf(to, sizeof to, "%s/%s.tsv", g_dir, category_name((category_t)c));
        if (symlink(from, to) < 0)
            return -1;
    }
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(from, sizeof from, "%s/%s", abs, files[i]);
        snprintf(to, sizeof to, "%s/%s", g_dir, files[i]);
        if (symlink(from, to) < 0)
            return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[PATH_MAX];
    for (int c = 0; c < CAT_COUNT; c++) {
        snprintf(p, sizeof p, "%s/%s.tsv", g_dir, category_name((category_t)c));
        unlink(p);
    }
    const char *files[] = {"urgency.tsv", "negation.tsv", "cues.tsv",
                           "rules.tsv",   "settings.tsv", "model.tsv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", g_dir, files[i]);
        unlink(p);
    }
    return rmdir(g_dir);
}

/* A small model: every category has a base of -500 per known feature;
 * 咕 and 咕咕 speak for parking, 喵 for pollution, "x" and "0" for
 * elevator, 呜 for unclassified. */
static void small_model(char *buf, size_t size, int below, int margin, int per_point)
{
    size_t n = (size_t)snprintf(buf, size,
                                "# test model\nversion\t1\nfallback_below\t%d\n"
                                "fallback_margin\t%d\nfallback_per_point\t%d\n",
                                below, margin, per_point);
    for (int c = 0; c < CAT_COUNT; c++)
        n += (size_t)snprintf(buf + n, size - n, "base\t%s\t-500\n", category_name((category_t)c));
    snprintf(buf + n, size - n,
             "ngram\t咕\t%d:900 %d:100\n"
             "ngram\t咕咕\t%d:800\n"
             "ngram\t喵\t%d:700\n"
             "ngram\tx\t%d:600\n"
             "ngram\t0\t%d:300\n"
             "ngram\t0x\t%d:300\n"
             "ngram\t呜\t%d:900\n",
             CAT_PARKING, CAT_SANITATION, CAT_PARKING, CAT_POLLUTION, CAT_ELEVATOR, CAT_ELEVATOR,
             CAT_ELEVATOR, CAT_UNCLASSIFIED);
}

static void test_shipped_model(void **state)
{
    (void)state;
    ngram_model_t *m = NULL;
    char err[512];
    int rc = ngram_load(LEXDIR "/model.tsv", &m, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    assert_true(ngram_model_size(m) > 1000);
    assert_true(ngram_model_below(m) > 0);
    ngram_result_t r;
    /* a plain lift complaint: the model agrees with everyone */
    const char *t = "电梯坏了好几天了，老人下不了楼";
    assert_int_equal(ngram_score(m, t, strlen(t), &r), 0);
    assert_int_equal(r.best, CAT_ELEVATOR);
    assert_true(r.margin > 0);
    assert_true(r.nfeat > 0);
    ngram_destroy(&m);
    assert_null(m);
    ngram_destroy(&m);
    ngram_destroy(NULL);
}

static void test_scoring(void **state)
{
    (void)state;
    char buf[4096];
    small_model(buf, sizeof buf, 15, 200, 200);
    write_file("model.tsv", buf);
    ngram_model_t *m = NULL;
    char err[512];
    assert_int_equal(ngram_load(model_path(), &m, err, sizeof err), 0);
    assert_int_equal(ngram_model_size(m), 7);
    assert_int_equal(ngram_model_margin(m), 200);
    assert_int_equal(ngram_model_per_point(m), 200);
    ngram_result_t r;
    /* 咕咕: 咕 twice + the bigram: parking 900+800+900, sanitation 200 */
    assert_int_equal(ngram_score(m, "咕咕", strlen("咕咕"), &r), 0);
    assert_int_equal(r.known, 3);
    assert_int_equal(r.best, CAT_PARKING);
    assert_int_equal(r.scores[CAT_PARKING], 2600 - 1500);
    assert_int_equal(r.scores[CAT_SANITATION], 200 - 1500);
    assert_int_equal(r.margin, 2600 - 200);
    assert_int_equal(r.second, CAT_SANITATION);
    /* the strongest feature first, each once */
    assert_int_equal(r.nfeat, 2);
    char ft[12];
    ngram_feature_text(r.feat[0], ft);
    assert_string_equal(ft, "咕");
    assert_int_equal(r.feat_weight[0], 800);
    ngram_feature_text(r.feat[1], ft);
    assert_string_equal(ft, "咕咕");
    /* a run of digits is one token; upper case folds; "0x" is a bigram */
    assert_int_equal(ngram_score(m, "12345X", 6, &r), 0);
    assert_int_equal(r.known, 3);
    assert_int_equal(r.best, CAT_ELEVATOR);
    assert_int_equal(r.scores[CAT_ELEVATOR], 1200 - 1500);
    /* punctuation separates: no bigram across it */
    assert_int_equal(ngram_score(m, "咕，咕", strlen("咕，咕"), &r), 0);
    assert_int_equal(r.known, 2);
    /* nothing known: no opinion */
    assert_int_equal(ngram_score(m, "你好", strlen("你好"), &r), 0);
    assert_int_equal(r.known, 0);
    assert_int_equal(r.best, CAT_UNCLASSIFIED);
    assert_int_equal(r.margin, 0);
    /* empty text, invalid UTF-8, null arguments */
    assert_int_equal(ngram_score(m, "", 0, &r), 0);
    assert_int_equal(ngram_score(m, "\xff\xfe\xe5\x92", 4, &r), 0);
    assert_int_equal(r.known, 0);
    assert_int_equal(ngram_score(NULL, "a", 1, &r), -EINVAL);
    assert_int_equal(ngram_score(m, NULL, 3, &r), -EINVAL);
    assert_int_equal(ngram_score(m, "a", 1, NULL), -EINVAL);
    ngram_destroy(&m);
}

/* A bad file is refused, and every one of its problems is reported with
 * its line. */
/* Long texts at the largest weight: the scorer adds rows up in int16 lanes
 * and flushes them every 16 features, so sums over thousands of features
 * must still be exact (and a lane at 16 x 2047 must not overflow). */
static void test_long_sums(void **state)
{
    (void)state;
    char buf[4096];
    size_t n = (size_t)snprintf(buf, sizeof buf,
                                "version\t1\nfallback_below\t10\nfallback_margin\t400\n"
                                "fallback_per_point\t200\n");
    for (int c = 0; c < CAT_COUNT; c++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "base\t%s\t-3000\n",
                              category_name((category_t)c));
    snprintf(buf + n, sizeof buf - n,
             "ngram\t嘎\t%d:2047 %d:2047 %d:1\nngram\t嘎嘎\t%d:2047 %d:2\nngram\t咪\t%d:5\n",
             CAT_PARKING, CAT_ELEVATOR, CAT_POLLUTION, CAT_PARKING, CAT_ELEVATOR, CAT_ELEVATOR);
    write_file("model.tsv", buf);
    ngram_model_t *m = NULL;
    char err[512];
    assert_int_equal(ngram_load(model_path(), &m, err, sizeof err), 0);
    for (int len = 1; len <= 5000; len = len < 40 ? len + 1 : len * 3) {
        /* len x 嘎, then 咪: len unigrams 嘎, len - 1 bigrams 嘎嘎, 咪 */
        char *t = malloc((size_t)len * 3 + 4);
        assert_non_null(t);
        for (int i = 0; i < len; i++)
            memcpy(t + (size_t)i * 3, "嘎", 3);
        memcpy(t + (size_t)len * 3, "咪", 3);
        ngram_result_t r;
        assert_int_equal(ngram_score(m, t, (size_t)len * 3 + 3, &r), 0);
        int64_t known = 2 * (int64_t)len;
        assert_int_equal(r.known, known);
        assert_int_equal(r.scores[CAT_PARKING], 2047 * (2 * (int64_t)len - 1) - 3000 * known);
        assert_int_equal(r.scores[CAT_ELEVATOR],
                         2047 * (int64_t)len + 2 * ((int64_t)len - 1) + 5 - 3000 * known);
        assert_int_equal(r.scores[CAT_POLLUTION], (int64_t)len - 3000 * known);
        assert_int_equal(r.scores[CAT_SANITATION], -3000 * known);
        free(t);
    }
    ngram_destroy(&m);
}

static void test_loader_errors(void **state)
{
    (void)state;
    char buf[8192];
    size_t n = (size_t)snprintf(buf, sizeof buf,
                                "version\t2\n"            /* 1: unsupported version */
                                "fallback_below\tx\n"     /* 2: bad number */
                                "fallback_margin\t200\n"  /* 3 */
                                "base\tnot_a_cat\t-500\n" /* 4: unknown category */
                                "bogus\t1\n"              /* 5: unknown line kind */
    );
    for (int c = 0; c < CAT_COUNT - 1; c++) /* lines 6..26; unclassified missing */
        n += (size_t)snprintf(buf + n, sizeof buf - n, "base\t%s\t-500\n",
                              category_name((category_t)c));
    snprintf(buf + n, sizeof buf - n,
             "base\tparking\t-400\n"    /* 27: given twice */
             "ngram\t咕\t3:900\n"       /* 28: fine */
             "ngram\t咕\t3:900\n"       /* 29: listed twice */
             "ngram\t咕咕咕\t3:900\n"   /* 30: three tokens */
             "ngram\t喵\t3:0\n"         /* 31: weight out of range */
             "ngram\t喵\t30:9\n"        /* 32: no such class */
             "ngram\t喵\t3:9 3:9\n"     /* 33: class twice */
             "ngram\t喵\n"              /* 34: missing entries */
             "ngram\tA\t3:9\n"          /* 35: not as the tokeniser writes it */
             "base\tunclassified\t-1\n" /* 36: base after ngram */
             "ngram\t, \t3:9\n"         /* 37: separator only */
             "ngram\t咕喵\t3:9\n");     /* 38: 喵 is no unigram */
    write_file("model.tsv", buf);
    ngram_model_t *m = NULL;
    char err[4096];
    assert_int_equal(ngram_load(model_path(), &m, err, sizeof err), -EINVAL);
    assert_null(m);
    const char *want[] = {":1: ",
                          ":2: ",
                          ":4: ",
                          ":5: ",
                          ":27: ",
                          ":29: ",
                          ":30: ",
                          ":31: ",
                          ":32: ",
                          ":33: ",
                          ":34: ",
                          ":35: ",
                          ":36: ",
                          ":37: ",
                          "no fallback_per_point",
                          "no base line for unclassified"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (strstr(err, want[i]) == NULL)
            fail_msg("missing '%s' in: %s", want[i], err);
    }
    assert_null(strstr(err, ":28: "));
    assert_null(strstr(err, ":3: "));

    /* the classifier refuses to start with a broken model, naming it */
    classifier_t *c = NULL;
    assert_true(classifier_load(g_dir, &c, err, sizeof err) < 0);
    assert_null(c);
    assert_non_null(strstr(err, "model.tsv"));

    /* a tiny error buffer is never overrun */
    char small[16];
    assert_int_equal(ngram_load(model_path(), &m, small, sizeof small), -EINVAL);
    assert_true(strlen(small) < sizeof small);
    assert_int_equal(ngram_load(model_path(), &m, NULL, 0), -EINVAL);

    /* an empty file lists everything missing */
    write_file("model.tsv", "");
    assert_int_equal(ngram_load(model_path(), &m, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "no version line"));
    assert_non_null(strstr(err, "no ngram lines"));

    /* no file: -ENOENT, and a lexicon directory without one loads */
    unlink(model_path());
    assert_int_equal(ngram_load(model_path(), &m, err, sizeof err), -ENOENT);
    assert_non_null(strstr(err, "model.tsv"));
    assert_int_equal(classifier_load(g_dir, &c, err, sizeof err), 0);
    classifier_destroy(&c);
    assert_int_equal(ngram_load(NULL, &m, err, sizeof err), -EINVAL);
    assert_int_equal(ngram_load(model_path(), NULL, err, sizeof err), -EINVAL);
}

/* Random bytes and mutations of a good model: loads or fails cleanly. */
static void test_loader_garbage(void **state)
{
    (void)state;
    char good[4096], buf[4096];
    small_model(good, sizeof good, 15, 200, 200);
    size_t len = strlen(good);
    srand(7);
    for (int round = 0; round < 300; round++) {
        memcpy(buf, good, len + 1);
        int edits = 1 + rand() % 8;
        for (int e = 0; e < edits; e++)
            buf[(size_t)rand() % len] = (char)(rand() % 256 ? rand() % 256 : '\t');
        for (size_t i = 0; i < len; i++)
            if (buf[i] == '\0')
                buf[i] = '\n';
        write_file("model.tsv", buf);
        ngram_model_t *m = NULL;
        char err[1024];
        int rc = ngram_load(model_path(), &m, err, sizeof err);
        if (rc == 0) {
            ngram_result_t r;
            assert_int_equal(ngram_score(m, buf, len, &r), 0);
            ngram_destroy(&m);
        } else {
            assert_null(m);
            assert_true(err[0] != '\0');
        }
    }
}

static json_t *fallback_of(const classification_t *out)
{
    json_error_t je;
    json_t *j = json_loads(out->explain, 0, &je);
    assert_non_null(j);
    json_t *fb = json_object_get(j, "fallback");
    json_incref(fb);
    json_decref(j);
    return fb;
}

/* When the classifier consults the model and when the model decides. */
static void test_fallback_decision(void **state)
{
    (void)state;
    char buf[4096];
    small_model(buf, sizeof buf, 15, 200, 200);
    write_file("model.tsv", buf);
    classifier_t *c = NULL;
    char err[512];
    int rc = classifier_load(g_dir, &c, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    classification_t out;

    /* no lexicon evidence at all: the sure model decides */
    const char *t = "咕咕咕咕";
    assert_int_equal(classifier_classify(c, t, strlen(t), &out), 0);
    assert_int_equal(out.category, CAT_PARKING);
    assert_int_equal(out.fallback, FALLBACK_DECIDED);
    assert_int_equal(out.fallback_needed, 200);
    json_t *fb = fallback_of(&out);
    assert_non_null(fb);
    assert_true(json_is_true(json_object_get(fb, "decided")));
    assert_string_equal(json_string_value(json_object_get(fb, "model_category")), "parking");
    assert_true(json_array_size(json_object_get(fb, "features")) > 0);
    json_decref(fb);

    /* the model speaks for "no demand": it never decides that */
    t = "呜呜呜";
    assert_int_equal(classifier_classify(c, t, strlen(t), &out), 0);
    assert_int_equal(out.category, CAT_UNCLASSIFIED);
    assert_int_equal(out.fallback, FALLBACK_KEPT);

    /* strong lexicon evidence: the model is not consulted */
    t = "电梯困人了，电梯停在两层中间，电梯门打不开，咕咕咕咕";
    assert_int_equal(classifier_classify(c, t, strlen(t), &out), 0);
    assert_true(out.scores[CAT_ELEVATOR] >= 15);
    assert_int_equal(out.category, CAT_ELEVATOR);
    assert_int_equal(out.fallback, FALLBACK_NONE);
    assert_null(strstr(out.explain, "\"fallback\""));

    /* weak lexicon evidence: the model must beat 200 + 200 x the lexicon's
     * lead; one 喵 (700 - 0) is not enough against a lead of 4 (1000) */
    t = "垃圾桶喵";
    assert_int_equal(classifier_classify(c, t, strlen(t), &out), 0);
    int32_t lead = out.scores[CAT_SANITATION];
    assert_true(lead > 0 && lead < 15);
    assert_int_equal(out.category, CAT_SANITATION);
    assert_int_equal(out.fallback, FALLBACK_KEPT);
    assert_int_equal(out.fallback_needed, 200 + 200 * lead);
    fb = fallback_of(&out);
    assert_non_null(fb);
    assert_true(json_is_false(json_object_get(fb, "decided")));
    json_decref(fb);
    /* ... while a much surer model overrules it */
    t = "垃圾桶喵喵喵喵喵喵喵喵";
    assert_int_equal(classifier_classify(c, t, strlen(t), &out), 0);
    assert_int_equal(out.category, CAT_POLLUTION);
    assert_int_equal(out.fallback, FALLBACK_DECIDED);

    /* a tie-break rule that settles the lexicon's weak pick outranks any
     * model: water from upstairs is the neighbours' (rule upstairs_water),
     * however sure the model is of pollution */
    t = "楼上卫生间漏水，水顺着天花板往下滴喵喵喵喵喵喵喵喵喵喵喵喵";
    assert_int_equal(classifier_classify(c, t, strlen(t), &out), 0);
    assert_true(out.scores[CAT_NEIGHBOR_DISPUTE] + out.scores[CAT_FACILITY_REPAIR] < 15);
    assert_int_equal(out.category, CAT_NEIGHBOR_DISPUTE);
    assert_int_equal(out.fallback, FALLBACK_NONE);
    assert_non_null(strstr(out.explain, "upstairs_water"));
    classifier_destroy(&c);

    /* fallback_below 0: never consulted */
    small_model(buf, sizeof buf, 0, 200, 200);
    write_file("model.tsv", buf);
    assert_int_equal(classifier_load(g_dir, &c, err, sizeof err), 0);
    t = "咕咕咕咕";
    assert_int_equal(classifier_classify(c, t, strlen(t), &out), 0);
    assert_int_equal(out.category, CAT_UNCLASSIFIED);
    assert_int_equal(out.fallback, FALLBACK_NONE);
    classifier_destroy(&c);
    unlink(model_path());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_model),  cmocka_unit_test(test_scoring),
        cmocka_unit_test(test_long_sums),      cmocka_unit_test(test_loader_errors),
        cmocka_unit_test(test_loader_garbage), cmocka_unit_test(test_fallback_decision),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
