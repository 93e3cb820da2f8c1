/* test_normalize.c - t2s, full-width folding, whitespace, the fast path
 * agreeing with OpenCC, buffer limits and broken UTF-8; every lexicon
 * phrase already in normalised form (a phrase that normalisation changes
 * can never match). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <unistd.h>
#include <opencc.h>
#include <cmocka.h>

#include "../../services/router/normalize.h"

static normalizer_t *N;

static int setup(void **state)
{
    (void)state;
    return normalizer_create(&N);
}

static int teardown(void **state)
{
    (void)state;
    normalizer_destroy(&N);
    return N == NULL ? 0 : -1;
}

static void check(const char *in, const char *want)
{
    char out[1024];
    size_t len = 99;
    int rc = normalize_text(N, in, strlen(in), out, sizeof out, &len);
    if (rc != 0 || strcmp(out, want) != 0 || len != strlen(want))
        fail_msg("normalize(\"%s\") = %d \"%s\", want \"%s\"", in, rc, out, want);
}

static void test_traditional(void **state)
{
    (void)state;
    check("樓道的燈壞了很久，請物業儘快維修。", "楼道的灯坏了很久,请物业尽快维修。");
    check("電梯經常停運", "电梯经常停运");
    check("竹坑花園", "竹坑花园");
    /* phrases whose characters do not change on their own */
    check("回覆", "回复");
    check("沈默", "沉默");
    check("瞭解情況", "了解情况");
    check("藉口", "借口");
    /* Cantonese 𨋢 (lift, U+28C22) becomes 䢂 (U+4882): lexicons say 䢂 */
    check("部𨋢停咗", "部䢂停咗");
    /* simplified text is left alone, and skips OpenCC */
    check("电梯坏了", "电梯坏了");
    assert_false(normalize_needs_opencc(N, "电梯坏了", strlen("电梯坏了")));
    assert_true(normalize_needs_opencc(N, "電梯", strlen("電梯")));
    assert_true(normalize_needs_opencc(N, "答覆", strlen("答覆")));
}

static void test_fullwidth_and_space(void **state)
{
    (void)state;
    check("３栋２单元", "3栋2单元");
    check("ＡＢＣｘｙｚ！？（）：；", "ABCxyz!?():;");
    check("　前后有全角空格　", "前后有全角空格");
    check("  多个   空格\t\n和\r\n换行  ", "多个 空格 和 换行");
    check("零\xe2\x80\x8b宽", "零宽"); /* zero-width space dropped */
    check("\xef\xbb\xbf"
          "开头BOM",
          "开头BOM"); /* byte order mark dropped */
    check("", "");
    check("   ", "");
    check("。、", "。、");                      /* ideographic punctuation outside FF01-FF5E kept */
    check("锦绣　家园　３栋", "锦绣 家园 3栋"); /* ideographic space between characters */
    check("a\xe4\xb8", "a??");                  /* a character cut short */
    check("\xe4\xb8\xad\xe4\xb8", "中??");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    check("a\xff"
          "b",
          "a?b");
    check("\xe7\x94", "??");      /* truncated sequence */
    check("\xc0\xaf", "??");      /* overlong */
    check("\xed\xa0\x80", "???"); /* surrogate */
    char in[] = {'x', '\0', 'y'};
    char out[16];
    size_t len;
    assert_int_equal(normalize_text(N, in, 3, out, sizeof out, &len), 0);
    assert_string_equal(out, "x y");
}

static void test_buffer_limits(void **state)
{
    (void)state;
    char out[8];
    size_t len = 0;
    const char *in = "一二三四五";
    assert_int_equal(normalize_text(N, in, strlen(in), out, sizeof out, &len), -ENOSPC);
    assert_int_equal(len, 15);
    char big[16];
    assert_int_equal(normalize_text(N, in, strlen(in), big, sizeof big, &len), 0);
    assert_int_equal(len, 15);
    const char *t = "樓樓樓樓樓";
    assert_int_equal(normalize_text(N, t, strlen(t), out, sizeof out, &len), -ENOSPC);
    assert_int_equal(normalize_text(N, t, strlen(t), big, sizeof big, &len), 0);
    assert_string_equal(big, "楼楼楼楼楼");
    assert_true(normalize_bound(5) >= 6);
    assert_int_equal(normalize_text(NULL, "a", 1, big, sizeof big, &len), -EINVAL);
    assert_int_equal(normalize_text(N, "a", 1, NULL, 0, &len), -EINVAL);
}

/* The fast path must give what OpenCC gives: compare on a mixed corpus. */
static void test_fast_path_matches_opencc(void **state)
{
    (void)state;
    const char *corpus[] = {"小区的电梯坏了半个月没人修",
                            "物业费年年涨，业委会不作为",
                            "楼上漏水把天花板泡坏了",
                            "覆盖 藉此 沈阳 瞭望 衹 牴触",
                            "一目瞭然",
                            "著名的著作",
                            "乾隆皇帝",
                            "后来 后面 皇后",
                            "发现 头发",
                            "面条 面子"};
    opencc_t cc = opencc_open("t2s.json");
    assert_true(cc != (opencc_t)-1);
    for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
        char *want = opencc_convert_utf8(cc, corpus[i], strlen(corpus[i]));
        assert_non_null(want);
        char in[256], out[512];
        /* normalise the width first so both sides see the same text */
        size_t l;
        assert_int_equal(normalize_text(N, corpus[i], strlen(corpus[i]), out, sizeof out, &l), 0);
        snprintf(in, sizeof in, "%s", want);
        char out2[512];
        assert_int_equal(normalize_text(N, in, strlen(in), out2, sizeof out2, &l), 0);
        if (strcmp(out, out2) != 0)
            fail_msg("\"%s\": normalize gives \"%s\", OpenCC then normalize \"%s\"", corpus[i], out,
                     out2);
        opencc_convert_utf8_free(want);
    }
    opencc_close(cc);
}

/* Compare normalize_text() with OpenCC on one text that has nothing to
 * fold (no spaces, no full-width forms), so the results must be equal. */
static void same_as_opencc(opencc_t cc, const char *text)
{
    char *want = opencc_convert_utf8(cc, text, strlen(text));
    assert_non_null(want);
    char out[4096];
    size_t l;
    assert_int_equal(normalize_text(N, text, strlen(text), out, sizeof out, &l), 0);
    if (strcmp(out, want) != 0)
        fail_msg("\"%s\": normalize gives \"%s\", OpenCC \"%s\"", text, out, want);
    opencc_convert_utf8_free(want);
}

/* The character table must agree with OpenCC on every CJK character of the
 * BMP (in runs of 48, so neighbours meet too), and on every phrase of the
 * installed t2s phrase table when opencc_dict can list it. */
static void test_table_matches_opencc(void **state)
{
    (void)state;
    opencc_t cc = opencc_open("t2s.json");
    assert_true(cc != (opencc_t)-1);
    char buf[48 * 3 + 1];
    for (uint32_t cp = 0x3400; cp <= 0xFAFF;) {
        size_t o = 0;
        for (int k = 0; k < 48 && cp <= 0xFAFF; k++, cp++) {
            if (cp == 0xA000)
                cp = 0xF900; /* skip Yi, Hangul, surrogates, private use */
            buf[o++] = (char)(0xE0 | (cp >> 12));
            buf[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            buf[o++] = (char)(0x80 | (cp & 0x3F));
        }
        buf[o] = '\0';
        same_as_opencc(cc, buf);
    }
    char path[] = "/tmp/test_normalize_tsp.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "opencc_dict -i /usr/share/opencc/TSPhrases.ocd2 -o %s -f ocd2 -t text "
             ">/dev/null 2>&1",
             path);
    int phrases = 0;
    if (system(cmd) == 0) {
        FILE *f = fopen(path, "r");
        char line[512];
        while (f != NULL && fgets(line, sizeof line, f) != NULL) {
            char *tab = strchr(line, '\t');
            if (tab == NULL)
                continue;
            *tab = '\0';
            char text[600];
            snprintf(text, sizeof text, "我说%s了", line);
            same_as_opencc(cc, line);
            same_as_opencc(cc, text);
            phrases++;
        }
        if (f != NULL)
            fclose(f);
    }
    unlink(path);
    fprintf(stderr, "t2s table checked on the BMP and %d phrases\n", phrases);
    opencc_close(cc);
}

/* The phrase of one lexicon line (NULL for comments and blank lines): the
 * second field of urgency.tsv and cues.tsv, the first of the others. */
static char *phrase_of(char *line, int second)
{
    line[strcspn(line, "\r\n")] = '\0';
    char *p = line;
    while (*p == ' ')
        p++;
    if (*p == '\0' || *p == '#')
        return NULL;
    char *tab = strchr(line, '\t');
    if (tab == NULL)
        return NULL;
    if (!second) {
        *tab = '\0';
        return line;
    }
    char *ph = tab + 1;
    ph[strcspn(ph, "\t")] = '\0';
    return ph;
}

/* Phrases are matched on the normalised text, so a phrase that
 * normalisation would change (traditional characters, full-width forms,
 * 𨋢 before it was written 䢂) is dead: every one must come out unchanged. */
static void test_lexicon_phrases_are_normalised(void **state)
{
    (void)state;
    DIR *d = opendir("deploy/lexicon");
    assert_non_null(d);
    struct dirent *de;
    int files = 0, phrases = 0, changed = 0;
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        size_t nl = strlen(name);
        if (nl < 5 || strcmp(name + nl - 4, ".tsv") != 0 || strcmp(name, "rules.tsv") == 0 ||
            strcmp(name, "settings.tsv") == 0 || strcmp(name, "model.tsv") == 0)
            continue;
        int second = strcmp(name, "urgency.tsv") == 0 || strcmp(name, "cues.tsv") == 0;
        char path[512];
        snprintf(path, sizeof path, "deploy/lexicon/%s", name);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        files++;
        char line[1024];
        while (fgets(line, sizeof line, f) != NULL) {
            char *ph = phrase_of(line, second);
            if (ph == NULL)
                continue;
            phrases++;
            char out[1024];
            size_t len = 0;
            if (normalize_text(N, ph, strlen(ph), out, sizeof out, &len) != 0 ||
                strcmp(out, ph) != 0) {
                fprintf(stderr, "%s: \"%s\" normalises to \"%s\"\n", name, ph, out);
                changed++;
            }
        }
        fclose(f);
    }
    closedir(d);
    assert_true(files >= 20);
    assert_true(phrases >= 5000);
    assert_int_equal(changed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_traditional),
        cmocka_unit_test(test_fullwidth_and_space),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_buffer_limits),
        cmocka_unit_test(test_fast_path_matches_opencc),
        cmocka_unit_test(test_table_matches_opencc),
        cmocka_unit_test(test_lexicon_phrases_are_normalised),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
