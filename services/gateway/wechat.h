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

/* What the server reads of a body: twice what a message may be, so that an
 * oversized one reaches the handler and is refused (413) and logged here;
 * past this the server answers 413 without reading it. */
#define WECHAT_MAX_BODY (2 * WECHAT_XML_MAX)

int wechat_handle(const http_request_t *req, http_response_t *resp);

#endif
