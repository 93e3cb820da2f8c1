/* test_config_wire.c - flags over environment over defaults, bad flags,
 * and the Envelope codec on good, truncated and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "config.h"
#include "field_limits.h"
#include "wire.h"

static config_opt_t opts[] = {
    {"listen", "TEST_LISTEN", "tcp://a", "x", 0, NULL},
    {"limit", "TEST_LIMIT", "10", "x", 0, NULL},
    {"dry-run", NULL, "0", "x", 1, NULL},
};
#define N 3

static void test_precedence(void **state)
{
    (void)state;
    char err[128];
    int rest;
    char *argv1[] = {"prog", NULL};
    unsetenv("TEST_LISTEN");
    assert_int_equal(config_parse(opts, N, 1, argv1, &rest, err, sizeof err), 0);
    assert_string_equal(config_get(opts, N, "listen"), "tcp://a");
    setenv("TEST_LISTEN", "tcp://env", 1);
    assert_int_equal(config_parse(opts, N, 1, argv1, &rest, err, sizeof err), 0);
    assert_string_equal(config_get(opts, N, "listen"), "tcp://env");
    char *argv2[] = {"prog", "--listen", "tcp://flag", "--dry-run", "--limit=42", "cmd", "x"};
    assert_int_equal(config_parse(opts, N, 7, argv2, &rest, err, sizeof err), 0);
    assert_string_equal(config_get(opts, N, "listen"), "tcp://flag");
    assert_string_equal(config_get(opts, N, "dry-run"), "1");
    long v = 0;
    assert_int_equal(config_get_long(opts, N, "limit", 1, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(rest, 5);
    unsetenv("TEST_LISTEN");
}

static void test_errors(void **state)
{
    (void)state;
    char err[128];
    int rest;
    char *a1[] = {"prog", "--nope"};
    assert_int_equal(config_parse(opts, N, 2, a1, &rest, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "--nope"));
    char *a2[] = {"prog", "--listen"};
    assert_int_equal(config_parse(opts, N, 2, a2, &rest, err, sizeof err), -EINVAL);
    char *a3[] = {"prog", "--dry-run=1"};
    assert_int_equal(config_parse(opts, N, 2, a3, &rest, err, sizeof err), -EINVAL);
    char *a4[] = {"prog", "--help"};
    assert_int_equal(config_parse(opts, N, 2, a4, &rest, err, sizeof err), 1);
    char *a5[] = {"prog", "--limit", "1000"};
    assert_int_equal(config_parse(opts, N, 3, a5, &rest, err, sizeof err), 0);
    long v;
    assert_int_equal(config_get_long(opts, N, "limit", 1, 100, &v), -EINVAL);
    char *a6[] = {"prog", "--limit", "12abc"};
    assert_int_equal(config_parse(opts, N, 3, a6, &rest, err, sizeof err), 0);
    assert_int_equal(config_get_long(opts, N, "limit", 1, 100, &v), -EINVAL);
}

static void test_wire_roundtrip_and_refusals(void **state)
{
    (void)state;
    Liandong__V1__Demand d = LIANDONG__V1__DEMAND__INIT;
    d.channel = "hotline";
    d.channel_id = "EXT-1";
    d.text = "电梯坏了";
    Liandong__V1__SubmitDemand sd = LIANDONG__V1__SUBMIT_DEMAND__INIT;
    sd.demand = &d;
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    e.request_id = "r-1";
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_SUBMIT_DEMAND;
    e.submit_demand = &sd;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(wire_pack(&e, &buf, &len), 0);
    char err[160];
    wire_msg_t *m = NULL;
    assert_int_equal(wire_unpack(buf, len, 1024, &m, err, sizeof err), 0);
    assert_string_equal(wire_envelope(m)->submit_demand->demand->text, "电梯坏了");
    assert_string_equal(wire_body_name(wire_envelope(m)), "submit_demand");
    wire_free(&m);
    assert_null(m);
    /* every truncation is refused or decodes to something sane, never crashes */
    for (size_t cut = 0; cut < len; cut++) {
        if (wire_unpack(buf, cut, 1024, &m, err, sizeof err) == 0)
            wire_free(&m);
    }
    assert_int_equal(wire_unpack(buf, len, len - 1, &m, err, sizeof err), -EMSGSIZE);
    free(buf);
    /* a repeated field claiming far more than the budget allows */
    uint8_t hostile[64];
    memset(hostile, 0, sizeof hostile);
    hostile[0] = 0x0a; /* request_id, length 200 > remaining bytes */
    hostile[1] = 200;
    assert_int_equal(wire_unpack(hostile, sizeof hostile, 1024, &m, err, sizeof err), -EBADMSG);
    /* request ids must be short text */
    e.request_id = "bad\x01id";
    assert_int_equal(wire_pack(&e, &buf, &len), 0);
    assert_int_equal(wire_unpack(buf, len, 1024, &m, err, sizeof err), -EBADMSG);
    free(buf);
}

static void test_check_text(void **state)
{
    (void)state;
    assert_int_equal(wire_check_text("鸿翔花园3栋", 100), 0);
    assert_int_equal(wire_check_text("\xe9\xb8", 100), -EILSEQ);     /* truncated */
    assert_int_equal(wire_check_text("\xc0\xaf", 100), -EILSEQ);     /* overlong */
    assert_int_equal(wire_check_text("\xed\xa0\x80", 100), -EILSEQ); /* surrogate */
    assert_int_equal(wire_check_text("a\x07", 100), -EILSEQ);
    assert_int_equal(wire_check_text("abcdef", 3), -EILSEQ);
    /* A limit counts bytes, up to the last byte of the last character. */
    assert_int_equal(wire_check_text("鸿翔", 6), 0);
    assert_int_equal(wire_check_text("鸿翔", 5), -EILSEQ);
    assert_int_equal(wire_check_text("a鸿", 3), -EILSEQ);
    assert_int_equal(wire_check_text("a鸿", 4), 0);
    /* Newline, CRLF and tab are text; DEL, C1 controls and a lone CR are
     * not (issue 12). */
    assert_int_equal(wire_check_text("a\nb\tc\r\nd", 100), 0);
    assert_int_equal(wire_check_text("a\rb", 100), -EILSEQ);
    assert_int_equal(wire_check_text("a\r", 100), -EILSEQ);
    assert_int_equal(wire_check_text("a\x7f", 100), -EILSEQ);
    assert_int_equal(wire_check_text("a\xc2\x85", 100), -EILSEQ); /* U+0085 */
    assert_int_equal(wire_check_text("a\xc2\xa0", 100), 0);       /* U+00A0 is text */
}

static void test_text_fault_sees_nul(void **state)
{
    (void)state;
    size_t at = 99;
    assert_int_equal(wire_text_fault("灯\0坏", 7, 100, &at), WIRE_TEXT_NUL);
    assert_int_equal(at, 3);
    assert_int_equal(wire_text_fault("灯\x07", 4, 100, &at), WIRE_TEXT_CONTROL);
    assert_int_equal(wire_text_fault("灯\xe5", 4, 100, &at), WIRE_TEXT_UTF8);
    assert_int_equal(wire_text_fault("灯坏", 6, 5, &at), WIRE_TEXT_TOO_LONG);
    assert_int_equal(wire_text_fault("灯坏", 6, 6, &at), WIRE_TEXT_OK);
    assert_non_null(strstr(wire_text_fault_name(WIRE_TEXT_NUL), "NUL"));
}

/* An envelope whose demand carries `text` and `received_at_ms`, packed. */
static void pack_demand(const char *text, size_t text_len, int64_t when, int urgency, uint8_t **buf,
                        size_t *len)
{
    envelope_t e = LIANDONG__V1__ENVELOPE__INIT;
    Liandong__V1__SubmitDemand sd = LIANDONG__V1__SUBMIT_DEMAND__INIT;
    Liandong__V1__Demand d = LIANDONG__V1__DEMAND__INIT;
    char *t = calloc(1, text_len + 1);
    assert_non_null(t);
    memcpy(t, text, text_len);
    d.text = t;
    d.received_at_ms = when;
    d.urgency = (Liandong__V1__Urgency)urgency;
    sd.demand = &d;
    e.request_id = "rid-7";
    e.body_case = LIANDONG__V1__ENVELOPE__BODY_SUBMIT_DEMAND;
    e.submit_demand = &sd;
    /* protobuf-c packs a string with strlen: put the NUL back by hand. */
    assert_int_equal(wire_pack(&e, buf, len), 0);
    if (text_len != strlen(t)) {
        free(*buf);
        size_t n = 0;
        uint8_t *b = malloc(64 + text_len);
        assert_non_null(b);
        b[n++] = 0x0a; /* request_id */
        b[n++] = 5;
        memcpy(b + n, "rid-7", 5);
        n += 5;
        b[n++] = 0x52; /* field 10 (submit_demand), length-delimited */
        b[n++] = (uint8_t)(text_len + 4);
        b[n++] = 0x0a; /* demand */
        b[n++] = (uint8_t)(text_len + 2);
        b[n++] = 0x1a; /* text */
        b[n++] = (uint8_t)text_len;
        memcpy(b + n, text, text_len);
        n += text_len;
        *buf = b;
        *len = n;
    }
    free(t);
}

static void test_edge_check_of_fields(void **state)
{
    (void)state;
    uint8_t *buf;
    size_t len;
    wire_msg_t *m = NULL;
    char err[256], rid[WIRE_REQUEST_ID_MAX + 1];

    pack_demand("灯坏了", strlen("灯坏了"), 1764547200000LL, 1, &buf, &len);
    assert_int_equal(wire_unpack(buf, len, 1024, &m, err, sizeof err), 0);
    wire_free(&m);
    free(buf);

    /* A NUL inside a string: protobuf-c would hand us "灯" alone. */
    pack_demand("灯\0坏了", 10, 0, 0, &buf, &len);
    assert_int_equal(wire_unpack_request(buf, len, 1024, &m, rid, sizeof rid, err, sizeof err),
                     -EINVAL);
    assert_null(m);
    assert_string_equal(rid, "rid-7");
    assert_non_null(strstr(err, "submit_demand.demand.text"));
    assert_non_null(strstr(err, "NUL"));
    free(buf);

    /* Times out of range, in either direction. */
    pack_demand("灯", 3, INT64_MAX, 0, &buf, &len);
    assert_int_equal(wire_unpack(buf, len, 1024, &m, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "received_at_ms is out of range"));
    free(buf);
    pack_demand("灯", 3, -1, 0, &buf, &len);
    assert_int_equal(wire_unpack(buf, len, 1024, &m, err, sizeof err), -EINVAL);
    free(buf);
    pack_demand("灯", 3, LIMIT_TIME_MAX_MS - 1, 0, &buf, &len);
    assert_int_equal(wire_unpack(buf, len, 1024, &m, err, sizeof err), 0);
    wire_free(&m);
    free(buf);

    /* An enum value the schema does not know. */
    pack_demand("灯", 3, 0, 42, &buf, &len);
    assert_int_equal(wire_unpack(buf, len, 1024, &m, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "urgency has no value 42"));
    free(buf);
}

/* A frame over the limit is not decoded, but its id is read for the
 * TOO_LARGE answer. */
static void test_too_large_keeps_its_id(void **state)
{
    (void)state;
    uint8_t *buf;
    size_t len;
    wire_msg_t *m = NULL;
    char err[256], rid[WIRE_REQUEST_ID_MAX + 1];
    pack_demand("灯坏了", strlen("灯坏了"), 0, 0, &buf, &len);
    assert_int_equal(wire_unpack_request(buf, len, len - 1, &m, rid, sizeof rid, err, sizeof err),
                     -EMSGSIZE);
    assert_string_equal(rid, "rid-7");
    assert_int_equal(wire_peek_request_id(buf + 1, len - 1, rid, sizeof rid), -ENOENT);
    assert_string_equal(rid, "");
    buf[1] = 200; /* a length past the end */
    assert_int_equal(wire_peek_request_id(buf, len, rid, sizeof rid), -ENOENT);
    free(buf);
}

static void test_error_answer_has_a_reason(void **state)
{
    (void)state;
    uint8_t *buf;
    size_t len;
    wire_msg_t *m = NULL;
    char err[160];
    assert_int_equal(
        wire_pack_error("r1", LIANDONG__V1__ERROR_CODE__ERROR_INTERNAL, "", &buf, &len), 0);
    assert_int_equal(wire_unpack(buf, len, 1024, &m, err, sizeof err), 0);
    assert_true(wire_envelope(m)->error->message[0] != '\0');
    wire_free(&m);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_wire_roundtrip_and_refusals),
        cmocka_unit_test(test_check_text),
        cmocka_unit_test(test_text_fault_sees_nul),
        cmocka_unit_test(test_edge_check_of_fields),
        cmocka_unit_test(test_too_large_keeps_its_id),
        cmocka_unit_test(test_error_answer_has_a_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
