/*
 * wechat.c - the /wechat callback: checks, safe-mode envelopes, replies
 * (see wechat.h).
 */
#include "wechat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "log.h"
#include "wechat_chat.h"
#include "wechat_conf.h"
#include "wechat_crypt.h"
#include "wechat_replay.h"
#include "wechat_sig.h"

static int refuse(http_response_t *resp, unsigned status, const http_request_t *req,
                  const char *why)
{
    log_refusal(LOG_REFUSED_REQUEST, "wechat: %u %s %s from %s: %s", status, req->method, req->path,
                req->peer ? req->peer : "?", why);
    char body[160];
    snprintf(body, sizeof body, "%s\n", why);
    return http_respond_text(resp, status, "text/plain; charset=utf-8", body);
}

static const char *q(const http_request_t *req, const char *name)
{
    const char *v = http_query(req, name);
    return v ? v : "";
}

/* The signature, the replay window and the nonce: 0, or the refusal sent. */
static int checked(const wechat_conf_t *c, const http_request_t *req, http_response_t *resp)
{
    const char *ts = q(req, "timestamp"), *nonce = q(req, "nonce");
    if (!wechat_signature_ok(c->token, ts, nonce, NULL, q(req, "signature"))) {
        refuse(resp, 403, req, "bad signature");
        return -EPERM;
    }
    /* After the signature: only WeChat can fill the nonce cache. */
    int rc = wechat_replay_check(c->replay, ts, nonce, (int64_t)time(NULL));
    if (rc == -ETIME)
        refuse(resp, 403, req, "timestamp outside the replay window");
    else if (rc == -EALREADY)
        refuse(resp, 403, req, "nonce already seen: a replay");
    else if (rc == -EBUSY)
        refuse(resp, 503, req, "replay cache full");
    else if (rc < 0)
        refuse(resp, 400, req, "bad timestamp or nonce");
    return rc;
}

static int verify(const wechat_conf_t *c, const http_request_t *req, http_response_t *resp)
{
    if (checked(c, req, resp) < 0)
        return 0;
    const char *echostr = http_query(req, "echostr");
    if (echostr == NULL || *echostr == '\0' || strlen(echostr) > 1024)
        return refuse(resp, 400, req, "no echostr");
    /* Safe mode as WeCom does it: echostr encrypted, msg_signature over it. */
    if (strcmp(q(req, "encrypt_type"), "aes") == 0 && http_query(req, "msg_signature")) {
        if (!c->has_aes)
            return refuse(resp, 400, req, "safe mode is not configured");
        if (!wechat_signature_ok(c->token, q(req, "timestamp"), q(req, "nonce"), echostr,
                                 q(req, "msg_signature")))
            return refuse(resp, 403, req, "bad msg_signature");
        char *plain = NULL;
        size_t len = 0;
        if (wechat_decrypt(&c->crypt, echostr, &plain, &len) < 0)
            return refuse(resp, 400, req, "echostr does not decrypt for this account");
        return http_respond(resp, 200, "text/plain; charset=utf-8", plain, len);
    }
    return http_respond_text(resp, 200, "text/plain; charset=utf-8", echostr);
}

/* A safe-mode reply: `xml` encrypted, signed with a fresh timestamp and
 * nonce. NULL when out of memory. */
static char *encrypted_reply(const wechat_conf_t *c, const char *xml)
{
    char *enc = NULL;
    if (wechat_encrypt(&c->crypt, xml, strlen(xml), &enc) < 0)
        return NULL;
    unsigned char rnd[8];
    char nonce[24], ts[24], sig[WECHAT_SIG_HEX + 1];
    if (RAND_bytes(rnd, sizeof rnd) != 1) {
        free(enc);
        return NULL;
    }
    snprintf(nonce, sizeof nonce, "%u",
             (unsigned)(rnd[0] | rnd[1] << 8 | rnd[2] << 16) % 1000000000u);
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    const char *parts[] = {c->token, ts, nonce, enc};
    char *out = NULL;
    if (wechat_signature(parts, 4, sig) == 0)
        out = wechat_xml_encrypted_reply(enc, sig, ts, nonce);
    free(enc);
    return out;
}

static int message(const wechat_conf_t *c, const http_request_t *req, http_response_t *resp)
{
    int64_t deadline = wechat_now_ms() + c->budget_ms;
    if (checked(c, req, resp) < 0)
        return 0;
    char why[160];
    wechat_msg_t outer, inner;
    memset(&inner, 0, sizeof inner);
    int rc = wechat_xml_parse((const char *)req->body, req->body_len, &outer, why, sizeof why);
    if (rc < 0) {
        wechat_msg_clear(&outer);
        return refuse(resp, rc == -E2BIG ? 413 : 400, req, why);
    }
    int aes = strcmp(q(req, "encrypt_type"), "aes") == 0;
    const wechat_msg_t *m = &outer;
    if (aes) {
        const char *enc = outer.field[WX_ENCRYPT];
        const char *problem = NULL;
        char *plain = NULL;
        size_t len = 0;
        if (!c->has_aes)
            problem = "safe mode is not configured";
        else if (enc == NULL || *enc == '\0')
            problem = "no Encrypt";
        else if (!wechat_signature_ok(c->token, q(req, "timestamp"), q(req, "nonce"), enc,
                                      q(req, "msg_signature")))
            problem = "bad msg_signature";
        else if (wechat_decrypt(&c->crypt, enc, &plain, &len) < 0)
            problem = "Encrypt does not decrypt for this account";
        else if (strlen(plain) != len || wechat_xml_parse(plain, len, &inner, why, sizeof why) < 0)
            problem = "the decrypted message is not WeChat XML";
        free(plain);
        if (problem) {
            wechat_msg_clear(&outer);
            wechat_msg_clear(&inner);
            return refuse(resp, strstr(problem, "signature") ? 403 : 400, req, problem);
        }
        m = &inner;
    }
    char *text = NULL;
    rc = wechat_chat(req, m, deadline, &text);
    char *xml = NULL;
    if (rc == 0 && text != NULL) {
        xml = wechat_xml_text_reply(wechat_msg_get(m, WX_FROM_USER), wechat_msg_get(m, WX_TO_USER),
                                    (long long)time(NULL), text);
        if (xml != NULL && aes) {
            char *wrapped = encrypted_reply(c, xml);
            free(xml);
            xml = wrapped;
        }
        if (xml == NULL)
            rc = -ENOMEM;
    }
    free(text);
    wechat_msg_clear(&outer);
    wechat_msg_clear(&inner);
    if (rc < 0) {
        free(xml);
        /* WeChat shows the resident "service unavailable" for anything but
         * a reply or "success": say nothing rather than fail. */
        log_warn(NULL, "wechat: no reply (%s): \"success\"", strerror(-rc));
        return http_respond_text(resp, 200, "text/plain; charset=utf-8", "success");
    }
    if (xml == NULL)
        return http_respond_text(resp, 200, "text/plain; charset=utf-8", "success");
    return http_respond(resp, 200, "application/xml; charset=utf-8", xml, strlen(xml));
}

int wechat_handle(const http_request_t *req, http_response_t *resp)
{
    const wechat_conf_t *c = wechat_conf();
    if (c == NULL)
        return http_respond_text(resp, 503, "text/plain; charset=utf-8",
                                 "the WeChat account is not configured\n");
    if (strcmp(req->path, "/wechat") != 0)
        return http_respond_text(resp, 404, "text/plain; charset=utf-8", "not found\n");
    if (strcmp(req->method, "GET") == 0)
        return verify(c, req, resp);
    if (strcmp(req->method, "POST") == 0)
        return message(c, req, resp);
    return refuse(resp, 405, req, "GET or POST only");
}
