/* test_dryrun.c - the dry-run contract: the 54 fixture samples compared
 * field by field with expected.jsonl, explain contents, malformed lines,
 * missing id/text, blank lines, and a refused registry. Needs the
 * classifier and its lexicons (deploy/lexicon, or $LIANDONG_LEXICON). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <jansson.h>
#include <cmocka.h>

#include "../../services/router/confidence.h"
#include "../../services/router/dryrun.h"
#include "field_limits.h"

static const char *fixture_path(const char *name)
{
    static char buf[4][512];
    static int slot;
    /* The project's own copy; LIANDONG_FIXTURES may point at another. */
    const char *dirs[] = {getenv("LIANDONG_FIXTURES"), "tests/fixtures/routing"};
    char *b = buf[slot++ % 4];
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (dirs[i] == NULL)
            continue;
        snprintf(b, 512, "%s/%s", dirs[i], name);
        if (access(b, R_OK) == 0)
            return b;
    }
    fail_msg("fixture %s not found (set LIANDONG_FIXTURES)", name);
    return NULL;
}

/* The default trust for in-text urgency tags, as the router's own flag. */
static uint32_t tag_channels(void)
{
    uint32_t m = 0;
    assert_int_equal(urgency_tag_channels_parse(URGENCY_TAG_CHANNELS_DEFAULT, &m), 0);
    return m;
}

static const char *lexicon_dir(void)
{
    const char *d = getenv("LIANDONG_LEXICON");
    return d ? d : "deploy/lexicon";
}

/* Run the dry run over `input` and return the output lines parsed. */
static json_t *run(const char *registry, const char *input, size_t *n, int *rc)
{
    FILE *in = fmemopen((void *)input, strlen(input), "r");
    assert_non_null(in);
    FILE *out = tmpfile();
    assert_non_null(out);
    dryrun_options_t opts = {tag_channels(), CONFIDENCE_REVIEW_BELOW_DEFAULT, NULL, NULL, 0};
    *rc = dryrun_run(registry, lexicon_dir(), &opts, in, out);
    fclose(in);
    rewind(out);
    json_t *arr = json_array();
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, out)) > 0) {
        json_error_t e;
        json_t *v = json_loads(line, 0, &e);
        if (v == NULL)
            fail_msg("output line is not JSON (%s): %s", e.text, line);
        if (line[len - 1] != '\n')
            fail_msg("output line not newline-terminated: %s", line);
        json_array_append_new(arr, v);
    }
    free(line);
    fclose(out);
    *n = json_array_size(arr);
    return arr;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    return b;
}

static const char *const FIELDS[] = {"id",      "category",        "tier",
                                     "body_id", "body_kind",       "cc",
                                     "urgency", "reply_due_hours", "resolve_due_hours"};
#define N_FIELDS (sizeof FIELDS / sizeof FIELDS[0])

static void test_fixture_samples(void **state)
{
    (void)state;
    char *input = slurp(fixture_path("demands.jsonl"));
    char *expected = slurp(fixture_path("expected.jsonl"));
    size_t n;
    int rc;
    json_t *got = run(fixture_path("registry.json"), input, &n, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(n, 54);
    size_t field_ok[N_FIELDS] = {0}, lines_ok = 0, i = 0;
    char *save = NULL;
    for (char *l = strtok_r(expected, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
        json_error_t e;
        json_t *want = json_loads(l, 0, &e);
        assert_non_null(want);
        json_t *g = json_array_get(got, i++);
        assert_non_null(g);
        int all = 1;
        for (size_t f = 0; f < N_FIELDS; f++) {
            json_t *a = json_object_get(g, FIELDS[f]), *b = json_object_get(want, FIELDS[f]);
            if (a != NULL && json_equal(a, b)) {
                field_ok[f]++;
                continue;
            }
            all = 0;
            char *as = a ? json_dumps(a, JSON_ENCODE_ANY) : NULL;
            char *bs = json_dumps(b, JSON_ENCODE_ANY);
            print_message("MISMATCH %s %s: got %s, want %s\n",
                          json_string_value(json_object_get(want, "id")), FIELDS[f],
                          as ? as : "(missing)", bs ? bs : "?");
            free(as);
            free(bs);
        }
        if (!all) {
            json_t *why = json_object_get(json_object_get(g, "explain"), "classifier");
            char *ws = why ? json_dumps(why, JSON_COMPACT) : NULL;
            print_message("    classifier explain: %.600s\n", ws ? ws : "(none)");
            free(ws);
        }
        lines_ok += (size_t)all;
        assert_non_null(json_object_get(g, "explain"));
        json_decref(want);
    }
    assert_int_equal(i, 54);
    print_message("  samples fully matching: %zu / 54\n", lines_ok);
    for (size_t f = 0; f < N_FIELDS; f++)
        print_message("  %-18s %zu / 54\n", FIELDS[f], field_ok[f]);
    json_decref(got);
    free(input);
    free(expected);
    assert_int_equal(lines_ok, 54);
}

static json_t *ex(json_t *o, const char *a, const char *b)
{
    return json_object_get(json_object_get(json_object_get(o, "explain"), a), b);
}

static void test_explain(void **state)
{
    (void)state;
    const char *input =
        "{\"id\":\"a\",\"channel\":\"petition\",\"text\":\"朗悦花园3栋的住户反映,化粪池满溢\"}\n"
        "{\"id\":\"b\",\"channel\":\"wechat\",\"text\":\"灯坏了\",\"compound\":\"JA-DH-CZ-1-01\"}\n"
        "{\"id\":\"c\",\"channel\":\"hotline\",\"text\":\"灯坏了\",\"compound\":\"NOPE\","
        "\"address\":\"東樂花園５棟\"}\n"
        "{\"id\":\"d\",\"channel\":\"hotline\",\"text\":\"路面塌陷了一个大坑\"}\n"
        "{\"id\":\"e\",\"channel\":\"hotline\",\"text\":\"楼道灯坏了\",\"address\":\"翠湖苑\","
        "\"urgency\":\"emergency\"}\n";
    size_t n;
    int rc;
    json_t *got = run(fixture_path("registry.json"), input, &n, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(n, 5);
    json_t *a = json_array_get(got, 0);
    assert_string_equal(json_string_value(ex(a, "compound", "code")), "JA-DH-CZ-2-01");
    assert_string_equal(json_string_value(ex(a, "compound", "word")), "朗悦花园");
    assert_string_equal(json_string_value(ex(a, "compound", "word_kind")), "alias");
    assert_string_equal(json_string_value(ex(a, "compound", "source")), "text");
    assert_non_null(ex(a, "classifier", "scores"));
    assert_non_null(ex(a, "placement", "chain"));
    assert_string_equal(json_string_value(ex(a, "placement", "route")), "chain");
    json_t *b = json_array_get(got, 1);
    assert_string_equal(json_string_value(ex(b, "compound", "source")), "code");
    json_t *c = json_array_get(got, 2);
    assert_true(json_is_true(ex(c, "compound", "code_unknown")));
    assert_string_equal(json_string_value(ex(c, "compound", "code")), "JA-DH-CZ-1-02");
    assert_string_equal(json_string_value(ex(c, "compound", "source")), "address");
    json_t *d = json_array_get(got, 3);
    assert_string_equal(json_string_value(json_object_get(d, "body_id")), "JA-DISPATCH");
    assert_string_equal(json_string_value(json_object_get(d, "tier")), "city");
    assert_string_equal(json_string_value(ex(d, "placement", "route")), "unlocated");
    assert_false(json_is_true(ex(d, "compound", "located")));
    json_t *e = json_array_get(got, 4);
    assert_string_equal(json_string_value(json_object_get(e, "urgency")), "emergency");
    assert_int_equal(json_integer_value(json_object_get(e, "reply_due_hours")), 2);
    assert_string_equal(json_string_value(ex(e, "urgency", "channel")), "emergency");
    json_decref(got);
}

/* Say when unsure (issue 19): a clear demand is placed with confidence and
 * not flagged; a vague one still goes to the best body and is flagged; one
 * already with the dispatch centre is its triage, not flagged again; an
 * emergency raised on an unclear time is flagged for that. */
static void test_review_flag(void **state)
{
    (void)state;
    const char *input =
        "{\"id\":\"a\",\"channel\":\"hotline\",\"text\":\"鸿翔花园3栋电梯坏了,电梯停运两天了\"}\n"
        "{\"id\":\"b\",\"channel\":\"hotline\",\"text\":\"鸿翔花园的路灯和垃圾桶\"}\n"
        "{\"id\":\"c\",\"channel\":\"hotline\",\"text\":\"你好,谢谢\"}\n"
        "{\"id\":\"d\",\"channel\":\"hotline\",\"text\":"
        "\"上周就打过电话了。鸿翔花园楼道的电线冒火花\"}\n";
    size_t n;
    int rc;
    json_t *got = run(fixture_path("registry.json"), input, &n, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(n, 4);
    json_t *a = json_array_get(got, 0);
    assert_true(json_real_value(json_object_get(a, "confidence")) >= 0.9);
    assert_true(json_is_false(json_object_get(a, "review")));
    assert_int_equal(json_array_size(json_object_get(a, "review_reasons")), 0);
    json_t *b = json_array_get(got, 1);
    assert_true(json_real_value(json_object_get(b, "confidence")) < 0.4);
    assert_true(json_is_true(json_object_get(b, "review")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(b, "review_reasons"), 0)),
                        "low_confidence");
    json_t *c = json_array_get(got, 2);
    assert_string_equal(json_string_value(json_object_get(c, "body_kind")), "dispatch_center");
    assert_true(json_is_false(json_object_get(c, "review")));
    json_t *d = json_array_get(got, 3);
    assert_string_equal(json_string_value(json_object_get(d, "urgency")), "emergency");
    assert_true(json_is_true(json_object_get(d, "review")));
    json_t *why = json_object_get(d, "review_reasons");
    int unclear = 0;
    for (size_t i = 0; i < json_array_size(why); i++)
        unclear |= strcmp(json_string_value(json_array_get(why, i)), "urgency_unclear") == 0;
    assert_true(unclear);
    json_decref(got);
}

static void test_malformed_lines(void **state)
{
    (void)state;
    const char *input = "\xEF\xBB\xBFnot json at all\n"
                        "\n"
                        "   \t \r\n"
                        "{\"text\":\"电梯坏了\"}\n"
                        "{\"id\":\"x1\"}\n"
                        "{\"id\":\"x2\",\"text\":42}\n"
                        "[1,2,3]\n"
                        "{\"id\":7,\"text\":\"电梯坏了\"}\n"
                        "{\"id\":\"x3\",\"text\":\"电梯坏了\",\"urgency\":\"urgent\"}\n"
                        "{\"id\":\"x4\",\"text\":\"电梯坏了\",\"compound\":5}\n"
                        "{\"id\":\"x5\",\"text\":\"\xff\xfe\"}\n"
                        "{\"id\":\"x6\",\"text\":\"\",\"compound\":\"JA-DH-CZ-1-01\"}\r\n"
                        "{\"id\":\"x7\",\"channel\":\"wechat\",\"text\":\"电梯坏了\","
                        "\"compound\":\"JA-DH-CZ-1-01\",\"address\":null}";
    size_t n;
    int rc;
    json_t *got = run(fixture_path("registry.json"), input, &n, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(n, 11); /* blank lines skipped, no trailing newline needed */
    struct {
        const char *id; /* NULL: JSON null; "7": the number 7 */
        int error;
    } want[] = {{NULL, 1}, {NULL, 1}, {"x1", 1}, {"x2", 1}, {NULL, 1}, {"7", 1},
                {"x3", 1}, {"x4", 1}, {NULL, 1}, {"x6", 1}, {"x7", 0}};
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(got, i);
        json_t *id = json_object_get(o, "id");
        assert_non_null(id);
        if (want[i].id == NULL)
            assert_true(json_is_null(id));
        else if (strcmp(want[i].id, "7") == 0)
            assert_int_equal(json_integer_value(id), 7);
        else
            assert_string_equal(json_string_value(id), want[i].id);
        json_t *err = json_object_get(o, "error");
        if (want[i].error) {
            if (!json_is_string(err))
                fail_msg("line %zu: expected an error", i);
            assert_null(json_object_get(o, "category"));
        } else {
            assert_null(err);
            assert_non_null(json_object_get(o, "category"));
        }
    }
    assert_string_equal(json_string_value(json_object_get(json_array_get(got, 1), "error")),
                        "missing id");
    assert_string_equal(json_string_value(json_object_get(json_array_get(got, 2), "error")),
                        "missing text");
    /* empty text: the service refuses it, so dry-run does too, in the same
     * words (issue 12; it used to go to manual triage here) */
    json_t *x6 = json_array_get(got, 9);
    assert_string_equal(json_string_value(json_object_get(x6, "error")), "text is empty");
    json_decref(got);
}

/* What the service refuses, dry-run refuses with the same message. */
static void test_refuses_what_the_service_refuses(void **state)
{
    (void)state;
    char longtext[LIMIT_TEXT_MAX + 64];
    memset(longtext, 'a', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    char *input = NULL;
    size_t cap = 0;
    FILE *f = open_memstream(&input, &cap);
    assert_non_null(f);
    fprintf(f, "{\"id\":\"n1\",\"text\":\"灯坏了\\u0000隐藏\"}\n");
    fprintf(f, "{\"id\":\"n2\",\"text\":\"灯坏了\\u0007\"}\n");
    fprintf(f, "{\"id\":\"n3\",\"text\":\"%s\"}\n", longtext);
    fprintf(f, "{\"id\":\"n4\",\"channel\":\"fax\",\"text\":\"电梯坏了\"}\n");
    fprintf(f, "{\"id\":\"n5\",\"text\":\"电梯坏了\",\"address\":\"东湖\\r区\"}\n");
    fprintf(f,
            "{\"id\":\"n6\",\"text\":\"电梯坏了\\n第二行\\t\",\"compound\":\"JA-DH-CZ-1-01\"}\n");
    fclose(f);
    size_t n;
    int rc;
    json_t *got = run(fixture_path("registry.json"), input, &n, &rc);
    free(input);
    assert_int_equal(rc, 0);
    assert_int_equal(n, 6);
    const char *want[] = {
        "text is not text: a NUL byte at byte 9 (UTF-8 without control characters but "
        "newline and tab)",
        "text is not text: a control character at byte 9 (UTF-8 without control characters "
        "but newline and tab)",
        NULL, /* checked below: the limit and the length */
        "channel must be one of hotline, wechat, petition, mailbox, grid, property",
        "address is not text: a control character at byte 6 (UTF-8 without control "
        "characters but newline and tab)",
    };
    for (size_t i = 0; i < 5; i++) {
        const char *e = json_string_value(json_object_get(json_array_get(got, i), "error"));
        if (e == NULL)
            fail_msg("line %zu: expected an error", i);
        if (want[i] != NULL)
            assert_string_equal(e, want[i]);
    }
    char msg[128];
    snprintf(msg, sizeof msg, "text must be UTF-8 text of at most %d bytes (got %zu)",
             LIMIT_TEXT_MAX, sizeof longtext - 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(got, 2), "error")), msg);
    assert_null(json_object_get(json_array_get(got, 5), "error"));
    json_decref(got);
}

/* A line over the limit gets an error line; the next lines are placed. */
static void test_line_limit(void **state)
{
    (void)state;
    size_t big = 3 * DRYRUN_MAX_LINE_DEFAULT;
    char *input = malloc(big + 256);
    assert_non_null(input);
    size_t k = (size_t)sprintf(input, "{\"id\":\"huge\",\"text\":\"");
    memset(input + k, 'x', big);
    k += big;
    k += (size_t)sprintf(input + k, "\"}\n{\"id\":\"after\",\"text\":\"电梯坏了\"}\n");
    input[k] = '\0';
    size_t n;
    int rc;
    json_t *got = run(fixture_path("registry.json"), input, &n, &rc);
    free(input);
    assert_int_equal(rc, 0);
    assert_int_equal(n, 2);
    json_t *first = json_array_get(got, 0);
    assert_true(json_is_null(json_object_get(first, "id")));
    assert_string_equal(json_string_value(json_object_get(first, "error")),
                        "line longer than 65536 bytes: not read");
    json_t *second = json_array_get(got, 1);
    assert_string_equal(json_string_value(json_object_get(second, "id")), "after");
    assert_non_null(json_object_get(second, "category"));
    json_decref(got);
}

static void test_bad_registry(void **state)
{
    (void)state;
    char path[] = "/tmp/test_dryrun_regXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *bad = "{\"units\":[{\"code\":\"A\",\"kind\":\"street\",\"name\":\"a\"}],"
                      "\"bodies\":[]}";
    assert_int_equal(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
    close(fd);
    size_t n;
    int rc;
    json_t *got = run(path, "{\"id\":\"a\",\"text\":\"x\"}\n", &n, &rc);
    assert_int_equal(rc, -EINVAL);
    assert_int_equal(n, 0);
    json_decref(got);
    unlink(path);
    got = run("/nonexistent/registry.json", "", &n, &rc);
    assert_true(rc < 0);
    json_decref(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_samples),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_review_flag),
        cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_refuses_what_the_service_refuses),
        cmocka_unit_test(test_line_limit),
        cmocka_unit_test(test_bad_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
