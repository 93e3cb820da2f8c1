/* test_dryrun_deadlines.c - the dry-run contract's deadlines (issue 15):
 * with received_at on each line, reply_due_at / resolve_due_at in the same
 * offset and the clock of each; without --policy the fixture's 54 samples
 * keep their expected.jsonl hours and get received_at + hours; under
 * deploy/policy/working-days.json the worked example of ROUTING.md 6,
 * emergencies and around-the-clock bodies in natural hours, the slow
 * categories, consultation, a year without calendar data, and a bad
 * received_at. Needs the lexicons (deploy/lexicon, or $LIANDONG_LEXICON). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <jansson.h>
#include <cmocka.h>

#include "../../services/router/confidence.h"
#include "../../services/router/dryrun.h"
#include "timefmt.h"
#include "urgency.h"

#define FIX "tests/fixtures/routing/"
#define PLACED "2025-09-30T17:50:00+08:00"

static const char *lexicon_dir(void)
{
    const char *d = getenv("LIANDONG_LEXICON");
    return d ? d : "deploy/lexicon";
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

/* The fixture's demands, each with received_at set. */
static char *demands_at(const char *received_at)
{
    char *src = slurp(FIX "demands.jsonl"), *save = NULL;
    size_t cap = strlen(src) * 2 + 4096, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    for (char *l = strtok_r(src, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
        json_t *d = json_loads(l, 0, NULL);
        assert_non_null(d);
        json_object_set_new(d, "received_at", json_string(received_at));
        char *s = json_dumps(d, JSON_ENSURE_ASCII);
        assert_non_null(s);
        len += (size_t)snprintf(out + len, cap - len, "%s\n", s);
        assert_true(len < cap);
        free(s);
        json_decref(d);
    }
    free(src);
    return out;
}

static json_t *run(const char *policy, const char *input, int *rc)
{
    uint32_t tags = 0;
    assert_int_equal(urgency_tag_channels_parse(URGENCY_TAG_CHANNELS_DEFAULT, &tags), 0);
    FILE *in = fmemopen((void *)input, strlen(input), "r");
    FILE *out = tmpfile();
    assert_non_null(in);
    assert_non_null(out);
    dryrun_options_t opts = {tags, CONFIDENCE_REVIEW_BELOW_DEFAULT, policy, NULL, 0};
    *rc = dryrun_run(FIX "registry.json", lexicon_dir(), &opts, in, out);
    fclose(in);
    rewind(out);
    json_t *arr = json_array();
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, out) > 0) {
        json_t *v = json_loads(line, 0, NULL);
        assert_non_null(v);
        json_array_append_new(arr, v);
    }
    free(line);
    fclose(out);
    return arr;
}

static json_t *by_id(json_t *arr, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        json_t *x = json_object_get(v, "id");
        if (json_is_string(x) && strcmp(json_string_value(x), id) == 0)
            return v;
    }
    fail_msg("no output line %s", id);
    return NULL;
}

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_string(v))
        fail_msg("%s missing or not a string", k);
    return json_string_value(v);
}

static void expect(json_t *arr, const char *id, const char *reply_at, const char *reply_clock,
                   const char *resolve_at, const char *resolve_clock)
{
    json_t *o = by_id(arr, id);
    assert_string_equal(str(o, "reply_due_at"), reply_at);
    assert_string_equal(str(o, "reply_clock"), reply_clock);
    assert_string_equal(str(o, "resolve_due_at"), resolve_at);
    assert_string_equal(str(o, "resolve_clock"), resolve_clock);
    assert_null(json_object_get(o, "calendar_uncovered"));
}

/* Without --policy: every sample's hours as expected.jsonl says, natural
 * clocks, and the due moments received_at plus those hours. */
static void test_default_policy(void **state)
{
    (void)state;
    char *in = demands_at(PLACED);
    int rc;
    json_t *got = run(NULL, in, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(json_array_size(got), 54);
    int64_t t0;
    assert_int_equal(timefmt_parse_rfc3339(PLACED, &t0, NULL), 0);
    char *exp = slurp(FIX "expected.jsonl"), *save = NULL;
    size_t n = 0;
    for (char *l = strtok_r(exp, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save), n++) {
        json_t *want = json_loads(l, 0, NULL);
        json_t *o = by_id(got, str(want, "id"));
        json_int_t rh = json_integer_value(json_object_get(want, "reply_due_hours"));
        json_int_t sh = json_integer_value(json_object_get(want, "resolve_due_hours"));
        assert_int_equal(json_integer_value(json_object_get(o, "reply_due_hours")), rh);
        assert_int_equal(json_integer_value(json_object_get(o, "resolve_due_hours")), sh);
        char a[TIMEFMT_RFC3339_MAX], b[TIMEFMT_RFC3339_MAX];
        timefmt_rfc3339(t0 + rh * 3600000, 8 * 3600, a, sizeof a);
        timefmt_rfc3339(t0 + sh * 3600000, 8 * 3600, b, sizeof b);
        assert_string_equal(str(o, "reply_due_at"), a);
        assert_string_equal(str(o, "resolve_due_at"), b);
        assert_string_equal(str(o, "reply_clock"), "natural");
        assert_string_equal(str(o, "resolve_clock"), "natural");
        assert_string_equal(str(o, "policy"), "default");
        json_decref(want);
    }
    assert_int_equal(n, 54);
    free(exp);
    json_decref(got);
    /* the shipped default.json gives the same lines as no --policy */
    json_t *file = run("deploy/policy/default.json", in, &rc);
    assert_int_equal(rc, 0);
    json_t *nopol = run(NULL, in, &rc);
    assert_true(json_equal(file, nopol));
    json_decref(file);
    json_decref(nopol);
    free(in);
}

static void test_working_days_policy(void **state)
{
    (void)state;
    char *in = demands_at(PLACED);
    int rc;
    json_t *got = run("deploy/policy/working-days.json", in, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(json_array_size(got), 54);
    /* ROUTING.md 6: a property company, reply 1 and resolve 5 working days */
    expect(got, "p01", "2025-10-09T17:50:00+08:00", "working_days", "2025-10-14T17:50:00+08:00",
           "working_days");
    json_t *p01 = by_id(got, "p01");
    assert_int_equal(json_integer_value(json_object_get(p01, "reply_due_hours")), 216);
    assert_int_equal(json_integer_value(json_object_get(p01, "resolve_due_hours")), 336);
    assert_string_equal(str(p01, "policy"), "working-days");
    /* an emergency: 2 h / 24 h natural */
    expect(got, "p05", "2025-09-30T19:50:00+08:00", "natural", "2025-10-01T17:50:00+08:00",
           "natural");
    /* slow by nature: 10 working days */
    expect(got, "p25", "2025-10-09T17:50:00+08:00", "working_days", "2025-10-21T17:50:00+08:00",
           "working_days");
    /* consultation: 1 and 1 */
    expect(got, "p43", "2025-10-09T17:50:00+08:00", "working_days", "2025-10-09T17:50:00+08:00",
           "working_days");
    /* a utility works around the clock: 1 day = 24 h, 5 days = 120 h */
    expect(got, "p36", "2025-10-01T17:50:00+08:00", "natural", "2025-10-05T17:50:00+08:00",
           "natural");
    /* the placement itself does not change with the policy */
    json_t *def = run(NULL, in, &rc);
    size_t i;
    json_t *v;
    json_array_foreach(def, i, v)
    {
        json_t *w = json_array_get(got, i);
        const char *keys[] = {"id", "category", "tier", "body_id", "body_kind", "cc", "urgency"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            assert_true(json_equal(json_object_get(v, keys[k]), json_object_get(w, keys[k])));
    }
    json_decref(def);
    json_decref(got);
    free(in);
}

static void test_offsets_and_errors(void **state)
{
    (void)state;
    int rc;
    const char *in =
        "{\"id\":\"z\",\"channel\":\"wechat\",\"compound\":\"JA-DH-CZ-1-01\","
        "\"text\":\"3栋楼道的灯坏了快一个月了\",\"received_at\":\"2025-09-30T09:50:00Z\"}\n"
        "{\"id\":\"late\",\"channel\":\"wechat\",\"compound\":\"JA-DH-CZ-1-01\","
        "\"text\":\"3栋楼道的灯坏了快一个月了\",\"received_at\":\"2031-10-01T10:00:00+08:00\"}\n"
        "{\"id\":\"bad\",\"channel\":\"wechat\",\"text\":\"灯坏了\",\"received_at\":\"yesterday\"}"
        "\n"
        "{\"id\":\"num\",\"channel\":\"wechat\",\"text\":\"灯坏了\",\"received_at\":12}\n"
        "{\"id\":\"none\",\"channel\":\"wechat\",\"compound\":\"JA-DH-CZ-1-01\","
        "\"text\":\"3栋楼道的灯坏了快一个月了\"}\n";
    json_t *got = run("deploy/policy/working-days.json", in, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(json_array_size(got), 5);
    /* the same moment in UTC: the answer in UTC */
    json_t *z = by_id(got, "z");
    assert_string_equal(str(z, "reply_due_at"), "2025-10-09T09:50:00Z");
    assert_string_equal(str(z, "resolve_due_at"), "2025-10-14T09:50:00Z");
    /* a year the calendar does not cover: Monday-Friday, flagged */
    json_t *late = by_id(got, "late");
    assert_true(json_is_true(json_object_get(late, "calendar_uncovered")));
    assert_string_equal(str(late, "reply_due_at"), "2031-10-02T10:00:00+08:00");
    assert_non_null(strstr(str(by_id(got, "bad"), "error"), "received_at"));
    assert_non_null(strstr(str(by_id(got, "num"), "error"), "received_at"));
    /* without received_at: no due moments, the clocks still named */
    json_t *none = by_id(got, "none");
    assert_null(json_object_get(none, "reply_due_at"));
    assert_string_equal(str(none, "reply_clock"), "working_days");
    json_decref(got);
    /* a refused policy stops the run */
    got = run("/nonexistent/policy.json", in, &rc);
    assert_int_equal(rc, -ENOENT);
    assert_int_equal(json_array_size(got), 0);
    json_decref(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_policy),
        cmocka_unit_test(test_working_days_policy),
        cmocka_unit_test(test_offsets_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
