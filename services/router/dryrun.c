/*
 * dryrun.c - JSON-lines placement without the ledger (see dryrun.h).
 */
#include "dryrun.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "policy.h"
#include "timefmt.h"
#include "demand_check.h"

static int emit(FILE *out, json_t *o)
{
    if (o == NULL)
        return -ENOMEM;
    char *s = json_dumps(o, 0);
    json_decref(o);
    if (s == NULL)
        return -ENOMEM;
    int ok = fputs(s, out) >= 0 && fputc('\n', out) != EOF && fflush(out) == 0;
    free(s);
    return ok ? 0 : -EIO;
}

/* The id to echo in an error line: scalars as given, anything else null. */
static json_t *echo_id(json_t *id)
{
    if (id != NULL && (json_is_string(id) || json_is_integer(id) || json_is_real(id)))
        return json_incref(id);
    return json_null();
}

static int emit_error(FILE *out, json_t *id, const char *msg)
{
    json_t *o = json_object();
    if (o == NULL)
        return -ENOMEM;
    if (json_object_set_new(o, "id", echo_id(id)) != 0 ||
        json_object_set_new(o, "error", json_string(msg)) != 0) {
        json_decref(o);
        return -ENOMEM;
    }
    return emit(out, o);
}

/* Optional string member: 0 absent/null/empty, 1 set, -1 wrong type. */
static int opt_string(json_t *obj, const char *key, const char **s)
{
    json_t *v = json_object_get(obj, key);
    *s = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    if (json_string_length(v) == 0)
        return 0;
    *s = json_string_value(v);
    return 1;
}

/* reply_due_at / resolve_due_at in the offset the demand's received_at
 * was given in. */
static int add_due_at(json_t *o, const placement_t *p, int offset_s)
{
    char a[TIMEFMT_RFC3339_MAX], b[TIMEFMT_RFC3339_MAX];
    if (timefmt_rfc3339(p->reply_due_ms, offset_s, a, sizeof a) < 0 ||
        timefmt_rfc3339(p->resolve_due_ms, offset_s, b, sizeof b) < 0)
        return -EINVAL;
    if (json_object_set_new(o, "reply_due_at", json_string(a)) != 0 ||
        json_object_set_new(o, "resolve_due_at", json_string(b)) != 0)
        return -ENOMEM;
    return 0;
}

/* A string member with its length (absent, null or not a string: absent;
 * the type was checked before). */
static demand_field_t json_field(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    demand_field_t f = {NULL, 0};
    if (json_is_string(v)) {
        f.s = json_string_value(v);
        f.len = json_string_length(v);
    }
    return f;
}

static int handle_line(const router_core_t *core, const char *line, size_t len, FILE *out)
{
    json_error_t jerr;
    /* \u0000 is read, to be refused below with the service's words. */
    json_t *d = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
    if (d == NULL) {
        char msg[256];
        snprintf(msg, sizeof msg, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        return emit_error(out, NULL, msg);
    }
    int rc;
    if (!json_is_object(d)) {
        rc = emit_error(out, NULL, "a demand must be a JSON object");
        json_decref(d);
        return rc;
    }
    json_t *id = json_object_get(d, "id");
    json_t *text = json_object_get(d, "text");
    router_demand_t dem = {0};
    const char *err = NULL;
    if (id == NULL || json_is_null(id))
        err = "missing id";
    else if (!json_is_string(id))
        err = "id must be a string";
    else if (strlen(json_string_value(id)) != json_string_length(id))
        err = "id must not contain a NUL byte";
    else if (text == NULL || json_is_null(text))
        err = "missing text";
    else if (!json_is_string(text))
        err = "text must be a string";
    else if (opt_string(d, "compound", &dem.compound) < 0)
        err = "compound must be a string";
    else if (opt_string(d, "address", &dem.address) < 0)
        err = "address must be a string";
    else if (opt_string(d, "channel", &dem.channel) < 0)
        err = "channel must be a string";
    const char *received = NULL;
    int offset_s = 0;
    if (err == NULL &&
        (opt_string(d, "received_at", &received) < 0 ||
         (received != NULL && timefmt_parse_rfc3339(received, &dem.received_at_ms, &offset_s) < 0)))
        err = "received_at must be an RFC 3339 time with an offset, e.g. "
              "\"2025-09-30T17:50:00+08:00\"";
    if (err == NULL) {
        const char *u;
        int ru = opt_string(d, "urgency", &u);
        if (ru < 0) {
            err = "urgency must be \"normal\" or \"emergency\"";
        } else if (ru > 0) {
            int v = urgency_from_name(u, strlen(u));
            if (v < 0)
                err = "urgency must be \"normal\" or \"emergency\"";
            else
                dem.urgency = (urgency_t)v;
        }
    }
    if (err != NULL) {
        rc = emit_error(out, id, err);
        json_decref(d);
        return rc;
    }
    dem.text = json_string_value(text);
    /* What the service would refuse, refused here with its words (a JSON
     * string may hold \u0000: lengths, not strlen). */
    demand_fields_t f = {
        .channel = json_field(d, "channel"),
        .text = json_field(d, "text"),
        .address = json_field(d, "address"),
        .compound = json_field(d, "compound"),
        .resident_name = json_field(d, "resident_name"),
        .resident_phone = json_field(d, "resident_phone"),
    };
    char why[256];
    if (demand_check(&f, DEMAND_CHECK_NO_CHANNEL_ID, why, sizeof why) < 0) {
        rc = emit_error(out, id, why);
        json_decref(d);
        return rc;
    }
    router_result_t *res = malloc(sizeof(*res));
    if (res == NULL) {
        json_decref(d);
        return -ENOMEM;
    }
    rc = router_core_place(core, &dem, res);
    if (rc < 0) {
        char msg[128];
        snprintf(msg, sizeof msg, "placement failed: %s", strerror(-rc));
        rc = emit_error(out, id, msg);
    } else {
        json_t *o = router_result_json(core, json_string_value(id), res);
        if (o != NULL && received != NULL && add_due_at(o, &res->place, offset_s) < 0) {
            json_decref(o);
            o = NULL;
        }
        rc = o ? emit(out, o) : emit_error(out, id, "out of memory");
    }
    free(res);
    json_decref(d);
    return rc;
}

static int blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n' && s[i] != '\f' &&
            s[i] != '\v')
            return 0;
    return 1;
}

/* Reads one line (without its newline) into buf, at most max bytes. A
 * longer line is read to its end and thrown away: *too_long is set and the
 * stream goes on with the next line, so one huge line costs max bytes of
 * memory, not its own size (issue 12: a 419 MB line took 1 GB). Returns 1
 * for a line, 0 at the end of input. */
static int read_line(FILE *in, char *buf, size_t max, size_t *len, int *too_long)
{
    size_t n = 0;
    int c = EOF;
    *too_long = 0;
    while ((c = getc_unlocked(in)) != EOF && c != '\n') {
        if (n < max)
            buf[n++] = (char)c;
        else
            *too_long = 1;
    }
    *len = n;
    return c != EOF || n > 0 || *too_long;
}

int dryrun_stream_max(const router_core_t *core, FILE *in, FILE *out, size_t max_line)
{
    if (core == NULL || in == NULL || out == NULL)
        return -EINVAL;
    if (max_line == 0)
        max_line = DRYRUN_MAX_LINE_DEFAULT;
    char *line = malloc(max_line + 1);
    if (line == NULL)
        return -ENOMEM;
    size_t n;
    int too_long;
    int rc = 0;
    while (read_line(in, line, max_line, &n, &too_long)) {
        if (too_long) {
            char msg[96];
            snprintf(msg, sizeof msg, "line longer than %zu bytes: not read", max_line);
            rc = emit_error(out, NULL, msg);
            if (rc == -EIO)
                break;
            rc = 0;
            continue;
        }
        size_t len = n;
        char *start = line;
        if (len >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) { /* byte order mark */
            start += 3;
            len -= 3;
        }
        while (len > 0 && (start[len - 1] == '\n' || start[len - 1] == '\r'))
            len--;
        if (blank(start, len))
            continue;
        rc = handle_line(core, start, len, out);
        if (rc == -EIO)
            break;
        rc = 0; /* a line we could not answer for lack of memory is skipped */
    }
    if (rc == 0 && ferror(in))
        rc = -EIO;
    free(line);
    return rc;
}

int dryrun_stream(const router_core_t *core, FILE *in, FILE *out)
{
    return dryrun_stream_max(core, in, out, DRYRUN_MAX_LINE_DEFAULT);
}

int dryrun_load_policy(const char *policy_path, const char *calendar_path, policy_t **policy,
                       workcal_t **cal)
{
    char err[512];
    *policy = NULL;
    *cal = NULL;
    if (policy_path == NULL)
        return 0;
    int rc = policy_load_file(policy_path, policy, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "policy refused: %s\n", err);
        return rc;
    }
    if (!policy_uses_calendar(*policy))
        return 0;
    if (calendar_path == NULL)
        calendar_path = DRYRUN_CALENDAR_DEFAULT;
    rc = calendar_load_file(calendar_path, cal, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "calendar refused (policy %s runs on working time): %s\n",
                policy_name(*policy), err);
        policy_destroy(policy);
    }
    return rc;
}

int dryrun_run(const char *registry_path, const char *lexicon_dir, const dryrun_options_t *opts,
               FILE *in, FILE *out)
{
    if (registry_path == NULL || opts == NULL || in == NULL || out == NULL)
        return -EINVAL;
    if (lexicon_dir == NULL)
        lexicon_dir = "deploy/lexicon";
    policy_t *policy = NULL;
    workcal_t *cal = NULL;
    int rc = dryrun_load_policy(opts->policy_path, opts->calendar_path, &policy, &cal);
    if (rc < 0)
        return rc;
    registry_t *reg = NULL;
    char *problems = NULL;
    rc = registry_load_file(registry_path, &reg, &problems);
    if (rc < 0) {
        fprintf(stderr, "registry %s refused:\n%s", registry_path,
                problems ? problems : strerror(-rc));
        if (problems == NULL)
            fputc('\n', stderr);
        free(problems);
        policy_destroy(&policy);
        calendar_destroy(&cal);
        return rc;
    }
    router_core_t *core = NULL;
    char err[512];
    rc = router_core_create(reg, lexicon_dir, &core, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "router: %s\n", err);
        registry_destroy(&reg);
        policy_destroy(&policy);
        calendar_destroy(&cal);
        return rc;
    }
    router_core_set_tag_channels(core, opts->tag_channels);
    router_core_set_review_below(core, opts->review_below);
    if (policy != NULL)
        rc = router_core_set_policy(core, policy, cal);
    if (rc == 0)
        rc = dryrun_stream_max(core, in, out, opts->max_line);
    router_core_destroy(&core);
    registry_destroy(&reg);
    policy_destroy(&policy);
    calendar_destroy(&cal);
    return rc;
}
