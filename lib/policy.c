/*
 * policy.c - time-limit policies: the built-in ROUTING.md section 6 table,
 * the JSON loader with its refusals, and deadlines at placement (policy.h).
 *
 * Limits are resolved once at load into a table [category][urgency], so a
 * lookup at placement is an index and cannot fail on a half-read file.
 */
#include "policy.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS_PER_HOUR (3600LL * 1000)

struct policy {
    char name[64];
    bool has_hours;
    calendar_hours_t hours;
    bool atc_kind[BODY_KIND_COUNT]; /* kinds that work around the clock */
    char **atc_bodies;
    size_t n_atc_bodies;
    policy_limits_t lim[CAT_COUNT][2]; /* [category][0 normal, 1 emergency] */
};

static policy_t builtin;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static policy_limit_t hours(int h)
{
    return (policy_limit_t){CLOCK_NATURAL, h};
}

/* ROUTING.md section 6: normal 24 h / 168 h, emergency 2 h / 24 h;
 * consultation 24 h / 24 h; utilities resolve 24 h; building_quality,
 * planning, committee_affairs, property_transition resolve 360 h. */
static void builtin_fill(void)
{
    policy_t *p = &builtin;
    snprintf(p->name, sizeof p->name, "%s", "default");
    for (int c = 0; c < CAT_COUNT; c++) {
        p->lim[c][0] = (policy_limits_t){hours(24), hours(168)};
        p->lim[c][1] = (policy_limits_t){hours(2), hours(24)};
    }
    p->lim[CAT_CONSULTATION][0].resolve = hours(24);
    p->lim[CAT_UTILITIES][0].resolve = hours(24);
    p->lim[CAT_BUILDING_QUALITY][0].resolve = hours(360);
    p->lim[CAT_PLANNING][0].resolve = hours(360);
    p->lim[CAT_COMMITTEE_AFFAIRS][0].resolve = hours(360);
    p->lim[CAT_PROPERTY_TRANSITION][0].resolve = hours(360);
    p->atc_kind[BODY_UTILITY] = true;
    p->atc_kind[BODY_PUBLIC_SECURITY] = true;
    p->atc_kind[BODY_FIRE_RESCUE] = true;
}

const policy_t *policy_builtin(void)
{
    pthread_once(&builtin_once, builtin_fill);
    return &builtin;
}

const char *policy_name(const policy_t *p)
{
    return p ? p->name : "";
}

const char *policy_clock_name(policy_clock_t c)
{
    switch (c) {
    case CLOCK_NATURAL:
        return "natural";
    case CLOCK_WORKING_DAYS:
        return "working_days";
    case CLOCK_WORKING_HOURS:
        return "working_hours";
    }
    return "natural";
}

int policy_clock_from_name(const char *name)
{
    if (name == NULL || name[0] == '\0' || strcmp(name, "natural") == 0)
        return CLOCK_NATURAL;
    if (strcmp(name, "working_days") == 0)
        return CLOCK_WORKING_DAYS;
    if (strcmp(name, "working_hours") == 0)
        return CLOCK_WORKING_HOURS;
    return -EINVAL;
}

/* The windows a working-hours clock counts in; NULL = whole days. */
static const calendar_hours_t *clock_windows(const policy_t *p, policy_clock_t clock)
{
    return clock == CLOCK_WORKING_HOURS && p != NULL && p->has_hours ? &p->hours : NULL;
}

int64_t policy_clock_span_ms(const policy_t *p, const workcal_t *cal, policy_clock_t clock,
                             int64_t from_ms, int64_t to_ms, unsigned *flags)
{
    if (to_ms <= from_ms)
        return 0;
    if (clock == CLOCK_NATURAL)
        return to_ms - from_ms;
    return calendar_working_ms_between(cal, clock_windows(p, clock), from_ms, to_ms, flags);
}

int policy_clock_add_ms(const policy_t *p, const workcal_t *cal, policy_clock_t clock, int64_t t_ms,
                        int64_t ms, int64_t *out_ms, unsigned *flags)
{
    if (out_ms == NULL || ms < 0)
        return -EINVAL;
    if (clock == CLOCK_NATURAL) {
        *out_ms = t_ms + ms;
        return 0;
    }
    return calendar_add_working_ms(cal, clock_windows(p, clock), t_ms, ms, out_ms, flags);
}

int policy_uses_calendar(const policy_t *p)
{
    if (p == NULL)
        return 0;
    for (int c = 0; c < CAT_COUNT; c++)
        for (int u = 0; u < 2; u++)
            if (p->lim[c][u].reply.clock != CLOCK_NATURAL ||
                p->lim[c][u].resolve.clock != CLOCK_NATURAL)
                return 1;
    return 0;
}

void policy_destroy(policy_t **p)
{
    if (p == NULL || *p == NULL)
        return;
    if (*p != &builtin) {
        for (size_t i = 0; i < (*p)->n_atc_bodies; i++)
            free((*p)->atc_bodies[i]);
        free((*p)->atc_bodies);
        free(*p);
    }
    *p = NULL;
}

static bool around_the_clock(const policy_t *p, body_kind_t k, const char *body_id)
{
    if ((int)k >= 0 && k < BODY_KIND_COUNT && p->atc_kind[k])
        return true;
    for (size_t i = 0; body_id != NULL && i < p->n_atc_bodies; i++)
        if (strcmp(p->atc_bodies[i], body_id) == 0)
            return true;
    return false;
}

/* A working-time limit for a body that never stops: every day counts. */
static policy_limit_t natural(policy_limit_t l)
{
    if (l.clock == CLOCK_WORKING_DAYS)
        return hours(l.amount * 24);
    return hours(l.amount);
}

int policy_limits(const policy_t *p, category_t c, urgency_t u, body_kind_t k, const char *body_id,
                  policy_limits_t *out)
{
    return policy_limits_atc(p, c, u, k, body_id, 0, out);
}

int policy_limits_atc(const policy_t *p, category_t c, urgency_t u, body_kind_t k,
                      const char *body_id, int atc, policy_limits_t *out)
{
    if (p == NULL || out == NULL)
        return -EINVAL;
    if ((int)c < 0 || c >= CAT_COUNT)
        c = CAT_UNCLASSIFIED;
    *out = p->lim[c][u == URG_EMERGENCY ? 1 : 0];
    if (atc || around_the_clock(p, k, body_id)) {
        out->reply = natural(out->reply);
        out->resolve = natural(out->resolve);
    }
    return 0;
}

static int due(const policy_t *p, const workcal_t *cal, policy_limit_t l, int64_t t_ms,
               int64_t *due_ms, unsigned *flags)
{
    switch (l.clock) {
    case CLOCK_NATURAL:
        *due_ms = t_ms + (int64_t)l.amount * MS_PER_HOUR;
        return 0;
    case CLOCK_WORKING_DAYS:
        return calendar_add_working_days(cal, t_ms, l.amount, due_ms, flags);
    case CLOCK_WORKING_HOURS:
        if (!p->has_hours)
            return -EINVAL;
        return calendar_add_working_minutes(cal, &p->hours, t_ms, (int64_t)l.amount * 60, due_ms,
                                            flags);
    }
    return -EINVAL;
}

static int hours_until(int64_t from, int64_t to)
{
    int64_t d = to - from;
    if (d <= 0)
        return 0;
    return (int)((d + MS_PER_HOUR - 1) / MS_PER_HOUR);
}

int policy_deadlines(const policy_t *p, const workcal_t *cal, category_t c, urgency_t u,
                     body_kind_t k, const char *body_id, int64_t t_ms, policy_deadlines_t *out)
{
    return policy_deadlines_atc(p, cal, c, u, k, body_id, 0, t_ms, out);
}

int policy_deadlines_atc(const policy_t *p, const workcal_t *cal, category_t c, urgency_t u,
                         body_kind_t k, const char *body_id, int atc, int64_t t_ms,
                         policy_deadlines_t *out)
{
    if (out == NULL)
        return -EINVAL;
    policy_limits_t l;
    int rc = policy_limits_atc(p, c, u, k, body_id, atc, &l);
    if (rc < 0)
        return rc;
    memset(out, 0, sizeof(*out));
    if ((rc = due(p, cal, l.reply, t_ms, &out->reply_due_ms, &out->flags)) < 0 ||
        (rc = due(p, cal, l.resolve, t_ms, &out->resolve_due_ms, &out->flags)) < 0)
        return rc;
    out->reply_clock = l.reply.clock;
    out->resolve_clock = l.resolve.clock;
    /* natural limits keep their exact figure; working ones the wall hours */
    out->reply_hours =
        l.reply.clock == CLOCK_NATURAL ? l.reply.amount : hours_until(t_ms, out->reply_due_ms);
    out->resolve_hours = l.resolve.clock == CLOCK_NATURAL ? l.resolve.amount
                                                          : hours_until(t_ms, out->resolve_due_ms);
    return 0;
}

/* ------------------------------------------------------------- loading */

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static int only_keys(json_t *o, const char *const *keys, const char *where, char *err,
                     size_t errlen)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        bool ok = false;
        for (size_t i = 0; keys[i] != NULL && !ok; i++)
            ok = strcmp(k, keys[i]) == 0;
        if (!ok)
            return fail(err, errlen, "%s: unknown key \"%s\"", where, k);
    }
    return 0;
}

/* One limit {"hours"|"working_days"|"working_hours": N}. */
static int parse_limit(json_t *v, const char *where, policy_limit_t *out, char *err, size_t errlen)
{
    if (!json_is_object(v) || json_object_size(v) != 1)
        return fail(err, errlen,
                    "%s: a limit is one of {\"hours\": N}, {\"working_days\": N}, "
                    "{\"working_hours\": N}",
                    where);
    const char *k = json_object_iter_key(json_object_iter(v));
    json_t *n = json_object_iter_value(json_object_iter(v));
    policy_clock_t c;
    int max;
    if (strcmp(k, "hours") == 0) {
        c = CLOCK_NATURAL;
        max = POLICY_MAX_HOURS;
    } else if (strcmp(k, "working_days") == 0) {
        c = CLOCK_WORKING_DAYS;
        max = POLICY_MAX_DAYS;
    } else if (strcmp(k, "working_hours") == 0) {
        c = CLOCK_WORKING_HOURS;
        max = POLICY_MAX_WORKING_HOURS;
    } else {
        return fail(err, errlen, "%s: unknown clock \"%s\" (hours, working_days, working_hours)",
                    where, k);
    }
    if (!json_is_integer(n) || json_integer_value(n) < 1 || json_integer_value(n) > max)
        return fail(err, errlen, "%s: %s must be an integer from 1 to %d", where, k, max);
    out->clock = c;
    out->amount = (int)json_integer_value(n);
    return 0;
}

/* {"normal": {...}, "emergency": {...}} of one category, over *lim. */
static int parse_category(json_t *o, const char *cat, bool full, policy_limits_t lim[2], char *err,
                          size_t errlen)
{
    char where[160];
    snprintf(where, sizeof where, "limits.%s", cat);
    if (!json_is_object(o))
        return fail(err, errlen, "%s: must be an object", where);
    static const char *const urg[] = {"normal", "emergency", NULL};
    int rc = only_keys(o, urg, where, err, errlen);
    if (rc < 0)
        return rc;
    for (int u = 0; u < 2; u++) {
        json_t *lu = json_object_get(o, urg[u]);
        snprintf(where, sizeof where, "limits.%s.%s", cat, urg[u]);
        if (lu == NULL) {
            if (full)
                return fail(err, errlen, "%s: missing (the default gives every limit)", where);
            continue;
        }
        if (!json_is_object(lu))
            return fail(err, errlen, "%s: must be an object", where);
        static const char *const which[] = {"reply", "resolve", NULL};
        if ((rc = only_keys(lu, which, where, err, errlen)) < 0)
            return rc;
        for (int w = 0; w < 2; w++) {
            json_t *l = json_object_get(lu, which[w]);
            char wl[200];
            snprintf(wl, sizeof wl, "%s.%s", where, which[w]);
            if (l == NULL) {
                if (full)
                    return fail(err, errlen, "%s: missing (the default gives every limit)", wl);
                continue;
            }
            policy_limit_t *dst = w == 0 ? &lim[u].reply : &lim[u].resolve;
            if ((rc = parse_limit(l, wl, dst, err, errlen)) < 0)
                return rc;
            /* ROUTING.md 6: emergencies always run in natural hours. */
            if (u == 1 && dst->clock != CLOCK_NATURAL)
                return fail(err, errlen, "%s: an emergency limit must be in natural hours", wl);
        }
    }
    return 0;
}

static int parse_atc(policy_t *p, json_t *a, char *err, size_t errlen)
{
    if (a == NULL)
        return 0;
    if (!json_is_object(a))
        return fail(err, errlen, "around_the_clock: must be an object");
    static const char *const keys[] = {"kinds", "bodies", NULL};
    int rc = only_keys(a, keys, "around_the_clock", err, errlen);
    if (rc < 0)
        return rc;
    json_t *kinds = json_object_get(a, "kinds"), *bodies = json_object_get(a, "bodies"), *v;
    size_t i;
    if (kinds != NULL && !json_is_array(kinds))
        return fail(err, errlen, "around_the_clock.kinds: must be an array of body kinds");
    json_array_foreach(kinds, i, v)
    {
        int k = json_is_string(v) ? body_kind_from_name(json_string_value(v), json_string_length(v))
                                  : -EINVAL;
        if (k < 0)
            return fail(err, errlen, "around_the_clock.kinds[%zu]: not a body kind", i);
        p->atc_kind[k] = true;
    }
    if (bodies != NULL && !json_is_array(bodies))
        return fail(err, errlen, "around_the_clock.bodies: must be an array of body ids");
    if (bodies != NULL && json_array_size(bodies) > 0) {
        p->atc_bodies = calloc(json_array_size(bodies), sizeof(char *));
        if (p->atc_bodies == NULL)
            return -ENOMEM;
    }
    json_array_foreach(bodies, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) == 0)
            return fail(err, errlen, "around_the_clock.bodies[%zu]: must be a body id", i);
        p->atc_bodies[i] = strdup(json_string_value(v));
        if (p->atc_bodies[i] == NULL)
            return -ENOMEM;
        p->n_atc_bodies = i + 1;
    }
    return 0;
}

static int check_order(const policy_t *p, char *err, size_t errlen)
{
    for (int c = 0; c < CAT_COUNT; c++)
        for (int u = 0; u < 2; u++) {
            const policy_limits_t *l = &p->lim[c][u];
            if (l->reply.clock == l->resolve.clock && l->reply.amount > l->resolve.amount)
                return fail(err, errlen, "limits.%s.%s: reply (%d) later than resolve (%d)",
                            category_name((category_t)c), u ? "emergency" : "normal",
                            l->reply.amount, l->resolve.amount);
            if ((l->reply.clock == CLOCK_WORKING_HOURS ||
                 l->resolve.clock == CLOCK_WORKING_HOURS) &&
                !p->has_hours)
                return fail(err, errlen,
                            "limits.%s: working_hours limits need a top-level \"working_hours\"",
                            category_name((category_t)c));
        }
    return 0;
}

static int parse_tree(policy_t *p, json_t *root, char *err, size_t errlen)
{
    if (!json_is_object(root))
        return fail(err, errlen, "a policy must be a JSON object");
    static const char *const top[] = {"policy",           "description", "working_hours",
                                      "around_the_clock", "limits",      NULL};
    int rc = only_keys(root, top, "policy file", err, errlen);
    if (rc < 0)
        return rc;
    json_t *name = json_object_get(root, "policy");
    if (!json_is_string(name) || json_string_length(name) == 0 ||
        json_string_length(name) >= sizeof p->name)
        return fail(err, errlen, "\"policy\": a name of 1 to %zu characters is required",
                    sizeof p->name - 1);
    snprintf(p->name, sizeof p->name, "%s", json_string_value(name));
    json_t *d = json_object_get(root, "description");
    if (d != NULL && !json_is_string(d))
        return fail(err, errlen, "\"description\" must be a string");
    json_t *wh = json_object_get(root, "working_hours");
    if (wh != NULL) {
        char e2[200];
        if (!json_is_string(wh))
            return fail(err, errlen, "\"working_hours\" must be a string like \"09:00-12:00\"");
        if (calendar_hours_parse(json_string_value(wh), &p->hours, e2, sizeof e2) < 0)
            return fail(err, errlen, "%s", e2);
        p->has_hours = true;
    }
    if ((rc = parse_atc(p, json_object_get(root, "around_the_clock"), err, errlen)) < 0)
        return rc;
    json_t *limits = json_object_get(root, "limits");
    if (!json_is_object(limits))
        return fail(err, errlen, "\"limits\" (an object with at least \"default\") is required");
    json_t *def = json_object_get(limits, "default");
    if (def == NULL)
        return fail(err, errlen, "limits.default is required");
    policy_limits_t base[2] = {0};
    if ((rc = parse_category(def, "default", true, base, err, errlen)) < 0)
        return rc;
    for (int c = 0; c < CAT_COUNT; c++) {
        p->lim[c][0] = base[0];
        p->lim[c][1] = base[1];
    }
    const char *k;
    json_t *v;
    json_object_foreach(limits, k, v)
    {
        if (strcmp(k, "default") == 0)
            continue;
        int c = category_from_name(k, strlen(k));
        if (c < 0)
            return fail(err, errlen, "limits: unknown category \"%s\"", k);
        if ((rc = parse_category(v, k, false, p->lim[c], err, errlen)) < 0)
            return rc;
    }
    return check_order(p, err, errlen);
}

int policy_parse(const char *json, size_t len, policy_t **out, char *err, size_t errlen)
{
    if (json == NULL || out == NULL)
        return -EINVAL;
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return fail(err, errlen, "invalid JSON at line %d column %d: %s", je.line, je.column,
                    je.text);
    policy_t *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        json_decref(root);
        return -ENOMEM;
    }
    int rc = parse_tree(p, root, err, errlen);
    json_decref(root);
    if (rc < 0) {
        policy_destroy(&p);
        return rc;
    }
    *out = p;
    return 0;
}

int policy_load_file(const char *path, policy_t **out, char *err, size_t errlen)
{
    if (path == NULL || out == NULL)
        return -EINVAL;
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        FILE *fp = fopen(path, "rb");
        if (fp == NULL) {
            int e = errno;
            fail(err, errlen, "%s: %s", path, strerror(e));
            return -e;
        }
        fclose(fp);
        return fail(err, errlen, "%s: invalid JSON at line %d column %d: %s", path, je.line,
                    je.column, je.text);
    }
    policy_t *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        json_decref(root);
        return -ENOMEM;
    }
    char e2[256] = "";
    int rc = parse_tree(p, root, e2, sizeof e2);
    json_decref(root);
    if (rc < 0) {
        fail(err, errlen, "%s: %s", path, e2);
        policy_destroy(&p);
        return rc;
    }
    *out = p;
    return 0;
}
