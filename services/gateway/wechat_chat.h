/*
 * wechat_chat.h - what a WeChat resident's message means and the passive
 * reply to it (issue 13):
 *   text                 a demand on channel wechat, MsgId its channel id
 *                        (WeChat's retries find the same case); the reply
 *                        names the case, the responsible body and the
 *                        reply deadline;
 *   "绑定 <compound>"    binds the resident to a compound (a menu CLICK with
 *                        EventKey "BIND_<code>" too); later demands carry it
 *                        as their compound;
 *   "查询"               their cases not yet closed, state and last reply;
 *   "评价 满意|基本满意|不满意 <case>"  relays a rating of their own case.
 * Everything goes through the router and the ledger within the deadline;
 * when a step does not answer in time the reply is "success" (WeChat's
 * "no reply"): the message was linked to the resident first, so the case,
 * committed late, is still theirs and "查询" shows it.
 */
#ifndef GATEWAY_WECHAT_CHAT_H
#define GATEWAY_WECHAT_CHAT_H

#include <stdint.h>

#include "http.h"
#include "wechat_xml.h"

/* The reply text to `m` in *reply (malloc'd), or *reply NULL for
 * "success". deadline_ms is CLOCK_MONOTONIC milliseconds. 0 or -ENOMEM. */
int wechat_chat(const http_request_t *req, const wechat_msg_t *m, int64_t deadline_ms,
                char **reply);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t wechat_now_ms(void);

#endif
