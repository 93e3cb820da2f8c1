/*
 * open311_answer.c - writing Open311 answers and errors in XML or JSON
 * (see open311.h). Every answer is built once as a jansson value.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "open311.h"
#include "xml_out.h"

/* The spec's element names for the items of each list. */
static const char *item_name(const char *container)
{
    static const struct {
        const char *list, *item;
    } names[] = {
        {"services", "service"},
        {"service_requests", "request"},
        {"service_request_updates", "request_update"},
        {"endpoints", "endpoint"},
        {"formats", "format"},
        {"errors", "error"},
        {"attributes", "attribute"},
        {"values", "value"},
        {"keywords", "keyword"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i].list, container) == 0)
            return names[i].item;
    return NULL;
}

int open311_answer(http_response_t *resp, open311_format_t fmt, unsigned status, json_t *v,
                   const char *root)
{
    if (v == NULL)
        return -ENOMEM;
    char *body = NULL;
    size_t len = 0;
    int rc = 0;
    if (fmt == OPEN311_JSON) {
        body = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (body == NULL)
            rc = -ENOMEM;
        else
            len = strlen(body);
    } else {
        rc = xml_render(v, root, item_name, &body, &len);
    }
    json_decref(v);
    if (rc < 0)
        return rc;
    return http_respond(resp, status,
                        fmt == OPEN311_JSON ? "application/json; charset=utf-8"
                                            : "text/xml; charset=utf-8",
                        body, len);
}

int open311_error(http_response_t *resp, open311_format_t fmt, unsigned code,
                  const char *description)
{
    json_t *e = json_pack("{s:I,s:s}", "code", (json_int_t)code, "description", description);
    return open311_answer(resp, fmt, code, json_pack("[o]", e), "errors");
}
