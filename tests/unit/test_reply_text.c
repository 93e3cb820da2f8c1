/* test_reply_text.c - what counts as an answer (lib/reply_text.h), the
 * front-end's channel from its key (lib/identity.h) and whose figures an
 * answer counts for (services/ledger/credit.h): issue 11. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "case_state.h"
#include "credit.h"
#include "identity.h"
#include "reply_text.h"

static void test_content_chars(void **state)
{
    (void)state;
    assert_int_equal(reply_text_content_chars(""), 0);
    assert_int_equal(reply_text_content_chars(NULL), 0);
    assert_int_equal(reply_text_content_chars("   \t\n"), 0);
    assert_int_equal(reply_text_content_chars("...!?"), 0);
    assert_int_equal(reply_text_content_chars("。。。，、！？"), 0);
    assert_int_equal(reply_text_content_chars("\xe3\x80\x80\xe3\x80\x80"), 0); /* U+3000 */
    assert_int_equal(reply_text_content_chars("～（）【】…—“”"), 0);
    assert_int_equal(reply_text_content_chars("已派电工维修。"), 6);
    assert_int_equal(reply_text_content_chars("ok"), 2);
    assert_int_equal(reply_text_content_chars(" o k 1 2 "), 4);
    assert_int_equal(reply_text_content_chars("Ｆｉｘ"), 3); /* full-width letters are content */
}

static void test_check(void **state)
{
    (void)state;
    char why[200];
    assert_int_equal(reply_text_check("已派电工维修", 4, "reply text", why, sizeof why), 0);
    assert_int_equal(reply_text_check("修好了吗", 4, "reply text", why, sizeof why), 0);
    assert_int_equal(reply_text_check("修好了", 4, "reply text", why, sizeof why), -EINVAL);
    assert_non_null(strstr(why, "at least 4"));
    assert_int_equal(reply_text_check("", 4, "resolution result", why, sizeof why), -EINVAL);
    assert_non_null(strstr(why, "resolution result is required"));
    assert_int_equal(reply_text_check("。。。。。。", 1, "reply text", why, sizeof why), -EINVAL);
    /* 0 still needs something. */
    assert_int_equal(reply_text_check(" ", 0, "reply text", why, sizeof why), -EINVAL);
    assert_int_equal(reply_text_check("a", 0, "reply text", why, sizeof why), 0);
}

static void test_frontend_channel(void **state)
{
    (void)state;
    char ch[32];
    assert_int_equal(identity_frontend_channel("frontend:wechat", ch, sizeof ch), 0);
    assert_string_equal(ch, "wechat");
    assert_int_equal(identity_frontend_channel("frontend:hotline.2", ch, sizeof ch), 0);
    assert_string_equal(ch, "hotline");
    assert_int_equal(identity_frontend_channel("body:PC-1", ch, sizeof ch), -EINVAL);
    assert_int_equal(identity_frontend_channel("operator:ann", ch, sizeof ch), -EINVAL);
    assert_int_equal(identity_frontend_channel("", ch, sizeof ch), -EINVAL);
    assert_int_equal(identity_frontend_channel("frontend:.x", ch, sizeof ch), -EINVAL);
    assert_int_equal(identity_frontend_channel("frontend:averyveryverylongchannelname", ch, 8),
                     -EINVAL);
}

static void test_credit(void **state)
{
    (void)state;
    /* The holder's own key, or a service relaying it, or no CURVE. */
    answer_credit_t c = answer_credit("body:PC-1", CASE_ROLE_HOLDER, "PC-1", "DISP");
    assert_string_equal(c.body, "PC-1");
    assert_int_equal(c.units, 1);
    assert_int_equal(c.on_behalf, 0);
    c = answer_credit("service:router", CASE_ROLE_HOLDER, "PC-1", "DISP");
    assert_string_equal(c.body, "PC-1");
    c = answer_credit("", CASE_ROLE_HOLDER, "PC-1", "DISP");
    assert_string_equal(c.body, "PC-1");
    /* An operator, by actor or by key (even naming the body). */
    c = answer_credit("", CASE_ROLE_OPERATOR, "PC-1", "DISP");
    assert_string_equal(c.body, "DISP");
    assert_int_equal(c.units, 0);
    assert_int_equal(c.on_behalf, 1);
    c = answer_credit("operator:ann", CASE_ROLE_HOLDER, "PC-1", "DISP");
    assert_string_equal(c.body, "DISP");
    assert_int_equal(c.on_behalf, 1);
    /* The dispatch centre's own case is its own answer. */
    c = answer_credit("", CASE_ROLE_HOLDER | CASE_ROLE_DISPATCH, "DISP", "DISP");
    assert_string_equal(c.body, "DISP");
    assert_int_equal(c.units, 1);
    assert_int_equal(c.on_behalf, 0);
    /* No dispatch centre: nobody's. */
    c = answer_credit("operator:ann", CASE_ROLE_HOLDER, "PC-1", "");
    assert_string_equal(c.body, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_chars),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_frontend_channel),
        cmocka_unit_test(test_credit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
