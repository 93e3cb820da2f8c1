/*
 * gateway_routes.c - every path the gateway serves, in one table (the
 * rules: http.h). Each front door adds its line here and keeps its
 * handlers in files of its own.
 */
#include "console.h"
#include "http.h"
#include "open311.h"
#include "wechat.h"

/* Open311 bodies: a description of 4,000 characters (up to 12,000 bytes
 * of UTF-8, three times that percent-encoded) and a few fields besides. */
#define OPEN311_MAX_BODY (64u * 1024)

const http_route_t gateway_routes[] = {
    {NULL, "/open311/", OPEN311_MAX_BODY, open311_handle},
    {NULL, "/wechat", WECHAT_MAX_BODY, wechat_handle},
    {NULL, "/console/", CONSOLE_MAX_BODY, console_handle},
};
const size_t gateway_routes_count = sizeof gateway_routes / sizeof gateway_routes[0];
