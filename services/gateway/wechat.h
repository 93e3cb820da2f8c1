/*
 * wechat.h - the WeChat official account's developer callback at /wechat
 * (issue 13): GET verification and POST messages, plain or in safe mode
 * (encrypt_type=aes). Settings: wechat_conf.h; what messages mean:
 * wechat_chat.h.
 *
 * Every request is checked before anything reaches the router or the
 * ledger: the signature (and msg_signature in safe mode), the timestamp
 * within the replay window, the nonce not seen within it, the body a
 * well-formed WeChat XML document within WECHAT_XML_MAX. A refusal is a
 * 4xx with a short plain-text reason (never "success", so WeChat and an
 * operator see the failure) and a log line at a bounded rate
 * (log_refusal).
 */
#ifndef GATEWAY_WECHAT_H
#define GATEWAY_WECHAT_H

#include "http.h"
#include "wechat_xml.h"

#define WECHAT_MAX_BODY WECHAT_XML_MAX

int wechat_handle(const http_request_t *req, http_response_t *resp);

#endif
