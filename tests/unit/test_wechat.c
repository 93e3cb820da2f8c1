/*
 * test_wechat.c - the WeChat callback's signatures, safe-mode encryption,
 * replay window and XML reader (lib/wechat_*.h). The known answers were
 * made by the npm package wechat-crypto (WeChat's own algorithm in Node),
 * not by this code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include "wechat_crypt.h"
#include "wechat_replay.h"
#include "wechat_sig.h"
#include "wechat_xml.h"

#define TOKEN "liandongtoken"
#define AES_KEY "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#define APPID "wx5823bf96d3bd56c7"
/* wechat-crypto: new WXBizMsgCrypt(TOKEN, AES_KEY, APPID).encrypt(PLAIN) */
#define PLAIN "<xml><Content><![CDATA[3栋楼道的灯坏了]]></Content></xml>"
#define CIPHER                                                                                     \
    "D9iaTi08ejK/sKFIv8nDlcN2XvmGGWeugTrsUCYDDxAvklDB9lnF4OSbQ7wcugxydX0nRNu81UgkD7laA65POFV1h0XW" \
    "ANXiu8EKA80agauHFvy+kmUVw3tmzPBSVhUMY/4i7oib+u++9rb2gqFTM59hBCyfdoqEU4l7du84W1M="

static void signature_known_answers(void **state)
{
    (void)state;
    const char *parts[] = {TOKEN, "1409304348", "xxxxxx"};
    char sig[WECHAT_SIG_HEX + 1];
    assert_int_equal(wechat_signature(parts, 3, sig), 0);
    assert_string_equal(sig, "31d3cf0db2828ad9d5692909a70e13cd46b26ec8");
    assert_true(wechat_signature_ok(TOKEN, "1409304348", "xxxxxx", NULL,
                                    "31d3cf0db2828ad9d5692909a70e13cd46b26ec8"));
    /* msg_signature: the Encrypt field is the fourth part */
    assert_true(wechat_signature_ok(TOKEN, "1409304348", "xxxxxx", CIPHER,
                                    "5bea821684d7102c5ffa9ddef747fe8ead3402dd"));
}

static void signature_refusals(void **state)
{
    (void)state;
    const char *good = "31d3cf0db2828ad9d5692909a70e13cd46b26ec8";
    assert_false(wechat_signature_ok("other", "1409304348", "xxxxxx", NULL, good));
    assert_false(wechat_signature_ok(TOKEN, "1409304349", "xxxxxx", NULL, good));
    assert_false(wechat_signature_ok(TOKEN, "1409304348", "xxxxxy", NULL, good));
    /* one hex digit off, upper case, short, long, empty, with the Encrypt */
    assert_false(wechat_signature_ok(TOKEN, "1409304348", "xxxxxx", NULL,
                                     "31d3cf0db2828ad9d5692909a70e13cd46b26ec9"));
    assert_false(wechat_signature_ok(TOKEN, "1409304348", "xxxxxx", NULL,
                                     "31D3CF0DB2828AD9D5692909A70E13CD46B26EC8"));
    assert_false(wechat_signature_ok(TOKEN, "1409304348", "xxxxxx", NULL,
                                     "31d3cf0db2828ad9d5692909a70e13cd46b26ec"));
    assert_false(wechat_signature_ok(TOKEN, "1409304348", "xxxxxx", NULL,
                                     "31d3cf0db2828ad9d5692909a70e13cd46b26ec80"));
    assert_false(wechat_signature_ok(TOKEN, "1409304348", "xxxxxx", NULL, ""));
    assert_false(wechat_signature_ok(TOKEN, "1409304348", "xxxxxx", CIPHER, good));
    assert_false(wechat_signature_ok(TOKEN, NULL, "xxxxxx", NULL, good));
}

static void decrypt_known_answer(void **state)
{
    (void)state;
    wechat_crypt_t c;
    assert_int_equal(wechat_crypt_init(&c, AES_KEY, APPID), 0);
    char *msg = NULL;
    size_t len = 0;
    assert_int_equal(wechat_decrypt(&c, CIPHER, &msg, &len), 0);
    assert_int_equal(len, strlen(PLAIN));
    assert_string_equal(msg, PLAIN);
    free(msg);
    /* encrypted for another account: refused */
    wechat_crypt_t other;
    assert_int_equal(wechat_crypt_init(&other, AES_KEY, "wx0000000000000000"), 0);
    assert_int_equal(wechat_decrypt(&other, CIPHER, &msg, &len), -EACCES);
    assert_null(msg);
}

static void round_trip(void **state)
{
    (void)state;
    wechat_crypt_t c;
    assert_int_equal(wechat_crypt_init(&c, AES_KEY, APPID), 0);
    /* lengths around the 32-byte padding block, and empty */
    for (size_t n = 0; n < 100; n++) {
        char in[128];
        for (size_t i = 0; i < n; i++)
            in[i] = (char)('a' + i % 26);
        in[n] = '\0';
        char *b64 = NULL, *out = NULL;
        size_t len = 0;
        assert_int_equal(wechat_encrypt(&c, in, n, &b64), 0);
        assert_int_equal(wechat_decrypt(&c, b64, &out, &len), 0);
        assert_int_equal(len, n);
        assert_memory_equal(out, in, n);
        /* fresh random bytes: the same message twice encrypts differently */
        char *again = NULL;
        assert_int_equal(wechat_encrypt(&c, in, n, &again), 0);
        assert_string_not_equal(again, b64);
        free(again);
        free(b64);
        free(out);
    }
}

static void decrypt_refusals(void **state)
{
    (void)state;
    wechat_crypt_t c;
    assert_int_equal(wechat_crypt_init(&c, AES_KEY, APPID), 0);
    char *msg = NULL;
    size_t len = 0;
    assert_int_equal(wechat_decrypt(&c, "", &msg, &len), -EINVAL);
    assert_int_equal(wechat_decrypt(&c, "not base64!", &msg, &len), -EINVAL);
    assert_int_equal(wechat_decrypt(&c, "QUJD", &msg, &len), -EINVAL); /* 3 bytes */
    assert_int_equal(wechat_decrypt(&c, "QU=D", &msg, &len), -EINVAL);
    /* a flipped last byte breaks the padding or the appid */
    char bad[sizeof CIPHER];
    memcpy(bad, CIPHER, sizeof CIPHER);
    bad[sizeof CIPHER - 4] = bad[sizeof CIPHER - 4] == 'A' ? 'B' : 'A';
    int rc = wechat_decrypt(&c, bad, &msg, &len);
    assert_true(rc == -EBADMSG || rc == -EACCES);
    assert_null(msg);
    /* keys: 43 characters of base64 */
    assert_int_equal(wechat_crypt_init(&c, "short", APPID), -EINVAL);
    assert_int_equal(wechat_crypt_init(&c, AES_KEY "A", APPID), -EINVAL);
    assert_int_equal(wechat_crypt_init(&c, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF!", APPID),
                     -EINVAL);
    assert_int_equal(wechat_crypt_init(&c, AES_KEY, ""), -EINVAL);
}

static void replay_window_and_nonces(void **state)
{
    (void)state;
    wechat_replay_t *r = wechat_replay_create(300);
    assert_non_null(r);
    int64_t now = 1800000000;
    assert_int_equal(wechat_replay_check(r, "1800000000", "n1", now), 0);
    assert_int_equal(wechat_replay_check(r, "1800000000", "n1", now), -EALREADY);
    assert_int_equal(wechat_replay_check(r, "1799999800", "n1", now + 10), -EALREADY);
    assert_int_equal(wechat_replay_check(r, "1799999700", "n2", now), 0); /* at the edge */
    assert_int_equal(wechat_replay_check(r, "1799999699", "n3", now), -ETIME);
    assert_int_equal(wechat_replay_check(r, "1800000031", "n4", now), -ETIME);
    assert_int_equal(wechat_replay_check(r, "1800000030", "n4", now), 0);
    assert_int_equal(wechat_replay_check(r, "18000000x0", "n5", now), -EINVAL);
    assert_int_equal(wechat_replay_check(r, "", "n5", now), -EINVAL);
    assert_int_equal(wechat_replay_check(r, "1800000000", "", now), -EINVAL);
    /* once the first nonce's timestamp has left the window, its slot is
     * free again (and the old timestamp alone refuses a replay) */
    assert_int_equal(wechat_replay_check(r, "1800000000", "n1", now + 301), -ETIME);
    assert_int_equal(wechat_replay_check(r, "1800000301", "n1", now + 301), 0);
    /* bounded: filling it fails closed rather than forgetting live nonces */
    int busy = 0, ok = 0;
    char nonce[32];
    for (int i = 0; i < WECHAT_REPLAY_SLOTS + 1000; i++) {
        snprintf(nonce, sizeof nonce, "fill%d", i);
        int rc = wechat_replay_check(r, "1800000400", nonce, now + 400);
        if (rc == -EBUSY)
            busy++;
        else if (rc == 0)
            ok++;
    }
    assert_true(busy >= 1000);
    assert_true(ok <= WECHAT_REPLAY_SLOTS);
    /* and every live nonce is still refused */
    assert_int_equal(wechat_replay_check(r, "1800000400", "fill0", now + 400), -EALREADY);
    wechat_replay_destroy(&r);
    assert_null(r);
}

static void xml_fields(void **state)
{
    (void)state;
    const char *x =
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName>"
        "<FromUserName><![CDATA[oRESIDENT]]></FromUserName>"
        "<CreateTime>1800000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[灯坏了 &lt;]]>&amp;x</Content><MsgId>1234567890123456</MsgId>"
        "<Unknown><Deep>skipped</Deep></Unknown></xml>";
    wechat_msg_t m;
    char why[128];
    assert_int_equal(wechat_xml_parse(x, strlen(x), &m, why, sizeof why), 0);
    assert_string_equal(wechat_msg_get(&m, WX_TO_USER), "gh_1");
    assert_string_equal(wechat_msg_get(&m, WX_FROM_USER), "oRESIDENT");
    assert_string_equal(wechat_msg_get(&m, WX_MSG_TYPE), "text");
    assert_string_equal(wechat_msg_get(&m, WX_CONTENT), "灯坏了 &lt;&x");
    assert_string_equal(wechat_msg_get(&m, WX_MSG_ID), "1234567890123456");
    assert_string_equal(wechat_msg_get(&m, WX_EVENT), "");
    wechat_msg_clear(&m);
}

static int parse_rc(const char *x)
{
    wechat_msg_t m;
    char why[128];
    int rc = wechat_xml_parse(x, strlen(x), &m, why, sizeof why);
    wechat_msg_clear(&m);
    return rc;
}

static void xml_hostile(void **state)
{
    (void)state;
    /* billion laughs, external entities, any DOCTYPE */
    assert_int_equal(parse_rc("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
                              "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;\">]>"
                              "<xml><Content>&lol2;</Content></xml>"),
                     -EPERM);
    assert_int_equal(parse_rc("<!DOCTYPE xml SYSTEM \"file:///etc/passwd\"><xml/>"), -EPERM);
    assert_int_equal(parse_rc("<!DOCTYPE xml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                              "<xml><Content>&x;</Content></xml>"),
                     -EPERM);
    /* an undeclared entity, unclosed, garbage, empty */
    assert_int_equal(parse_rc("<xml><Content>&x;</Content></xml>"), -EBADMSG);
    assert_int_equal(parse_rc("<xml><Content>a</Content>"), -EBADMSG);
    assert_int_equal(parse_rc("not xml"), -EBADMSG);
    assert_int_equal(parse_rc(""), -EBADMSG);
    /* wrong root, a field twice, an element inside a field */
    assert_int_equal(parse_rc("<root><Content>a</Content></root>"), -EBADMSG);
    assert_int_equal(parse_rc("<xml><MsgId>1</MsgId><MsgId>2</MsgId></xml>"), -EBADMSG);
    assert_int_equal(parse_rc("<xml><Content>a<b/></Content></xml>"), -EBADMSG);
    /* too deep */
    char deep[512] = "<xml>";
    for (int i = 0; i < WECHAT_XML_DEPTH; i++)
        strcat(deep, "<a>");
    for (int i = 0; i < WECHAT_XML_DEPTH; i++)
        strcat(deep, "</a>");
    strcat(deep, "</xml>");
    assert_int_equal(parse_rc(deep), -EBADMSG);
    /* a field over its limit; a document over the whole limit */
    size_t n = WECHAT_XML_MAX + 1;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'a', n);
    big[n] = '\0';
    memcpy(big, "<xml><MsgId>", 12);
    assert_int_equal(parse_rc(big), -E2BIG);
    big[4000] = '\0';
    assert_int_equal(parse_rc(big), -E2BIG); /* MsgId over 32 bytes */
    free(big);
}

static void xml_replies(void **state)
{
    (void)state;
    char *x = wechat_xml_text_reply("oRES]]>", "gh_1", 1800000000,
                                    "a]]>b\x01"
                                    "c");
    assert_non_null(x);
    /* what we wrote reads back as what we meant, "]]>" and all */
    wechat_msg_t m;
    assert_int_equal(wechat_xml_parse(x, strlen(x), &m, NULL, 0), 0);
    assert_string_equal(wechat_msg_get(&m, WX_TO_USER), "oRES]]>");
    assert_string_equal(wechat_msg_get(&m, WX_CONTENT), "a]]>bc");
    assert_string_equal(wechat_msg_get(&m, WX_MSG_TYPE), "text");
    assert_string_equal(wechat_msg_get(&m, WX_CREATE_TIME), "1800000000");
    wechat_msg_clear(&m);
    free(x);
    x = wechat_xml_encrypted_reply(CIPHER, "sig", "1800000000", "nonce");
    assert_non_null(x);
    assert_int_equal(wechat_xml_parse(x, strlen(x), &m, NULL, 0), 0);
    assert_string_equal(wechat_msg_get(&m, WX_ENCRYPT), CIPHER);
    wechat_msg_clear(&m);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signature_known_answers),
        cmocka_unit_test(signature_refusals),
        cmocka_unit_test(decrypt_known_answer),
        cmocka_unit_test(round_trip),
        cmocka_unit_test(decrypt_refusals),
        cmocka_unit_test(replay_window_and_nonces),
        cmocka_unit_test(xml_fields),
        cmocka_unit_test(xml_hostile),
        cmocka_unit_test(xml_replies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
