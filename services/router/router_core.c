/*
 * router_core.c - placement pipeline (see router_core.h).
 *
 * Text and address are normalised into buffers sized by normalize_bound();
 * small demands use stack buffers, large ones the heap.
 */
#include "router_core.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "confidence.h"

struct router_core {
    const registry_t *reg;
    normalizer_t *norm;
    locator_t *loc;
    classifier_t *cls;
    uint32_t tag_channels;  /* bit per channel_t trusted for urgency tags */
    int review_below;       /* confidence under which a placement is flagged */
    const policy_t *policy; /* time limits (policy.h) */
    const workcal_t *cal;   /* working days, NULL when the policy needs none */
};

void router_core_set_review_below(router_core_t *core, int pct)
{
    if (core != NULL)
        core->review_below = pct;
}
int router_core_set_policy(router_core_t *core, const policy_t *policy, const workcal_t *cal)
{
    if (core == NULL || policy == NULL)
        return -EINVAL;
    /* A working clock without a calendar would count every year as
     * uncovered: refuse it at start, not case by case. */
    if (cal == NULL && policy_uses_calendar(policy))
        return -EINVAL;
    core->policy = policy;
    core->cal = cal;
    return 0;
}

const char *router_core_policy_name(const router_core_t *core)
{
    return policy_name(core && core->policy ? core->policy : policy_builtin());
}

/* The deadlines of a placed demand under the core's policy, from the
 * demand's received time (or now). */
static int place_clocks(const router_core_t *core, const router_demand_t *d, placement_t *p)
{
    int64_t t = d->received_at_ms;
    if (t <= 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        t = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    const reg_body_t *b = p->body >= 0 ? registry_body(core->reg, (size_t)p->body) : NULL;
    policy_deadlines_t dl;
    /* A body the registry marks as working around the clock runs in
     * natural hours whatever the policy (issue 15). */
    int rc = policy_deadlines_atc(core->policy ? core->policy : policy_builtin(), core->cal,
                                  p->category, p->urgency, p->body_kind, b ? b->id : NULL,
                                  b ? b->around_the_clock : 0, t, &dl);
    if (rc < 0)
        return rc;
    p->placed_at_ms = t;
    p->reply_due_ms = dl.reply_due_ms;
    p->resolve_due_ms = dl.resolve_due_ms;
    p->reply_clock = dl.reply_clock;
    p->resolve_clock = dl.resolve_clock;
    p->reply_due_hours = dl.reply_hours;
    p->resolve_due_hours = dl.resolve_hours;
    p->deadline_flags = dl.flags;
    return 0;
}

void router_core_set_tag_channels(router_core_t *core, uint32_t mask)
{
    if (core != NULL)
        core->tag_channels = mask;
}

int router_core_create(const registry_t *reg, const char *lexicon_dir, router_core_t **out,
                       char *err, size_t errlen)
{
    char dummy[8];
    if (err == NULL) {
        err = dummy;
        errlen = sizeof dummy;
    }
    if (errlen > 0)
        err[0] = '\0';
    if (out == NULL || reg == NULL || lexicon_dir == NULL) {
        snprintf(err, errlen, "router_core_create: bad arguments");
        return -EINVAL;
    }
    *out = NULL;
    router_core_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    c->reg = reg;
    c->review_below = CONFIDENCE_REVIEW_BELOW_DEFAULT;
    int rc = urgency_tag_channels_parse(URGENCY_TAG_CHANNELS_DEFAULT, &c->tag_channels);
    assert(rc == 0);
    rc = normalizer_create(&c->norm);
    if (rc < 0) {
        snprintf(err, errlen, "cannot open OpenCC t2s.json (%s)", strerror(-rc));
        goto fail;
    }
    rc = locator_create(reg, c->norm, &c->loc);
    if (rc < 0) {
        snprintf(err, errlen, "cannot build the compound locator (%s)", strerror(-rc));
        goto fail;
    }
    rc = classifier_load(lexicon_dir, &c->cls, err, errlen);
    if (rc < 0) {
        if (errlen > 0 && err[0] == '\0')
            snprintf(err, errlen, "cannot load lexicons from %s (%s)", lexicon_dir, strerror(-rc));
        goto fail;
    }
    *out = c;
    return 0;
fail:
    router_core_destroy(&c);
    return rc;
}

void router_core_destroy(router_core_t **core)
{
    if (core == NULL || *core == NULL)
        return;
    router_core_t *c = *core;
    classifier_destroy(&c->cls);
    locator_destroy(&c->loc);
    normalizer_destroy(&c->norm);
    free(c);
    *core = NULL;
}

const registry_t *router_core_registry(const router_core_t *core)
{
    return core ? core->reg : NULL;
}

#define STACK_BUF 4096

typedef struct {
    char stack[STACK_BUF];
    char *p;
    size_t cap;
    size_t len;
} nbuf_t;

static int nbuf_fill(const normalizer_t *n, nbuf_t *b, const char *s)
{
    size_t slen = s ? strlen(s) : 0;
    size_t need = normalize_bound(slen);
    b->p = b->stack;
    b->cap = sizeof b->stack;
    b->len = 0;
    if (need > b->cap) {
        b->p = malloc(need);
        if (b->p == NULL)
            return -ENOMEM;
        b->cap = need;
    }
    int rc = normalize_text(n, s ? s : "", slen, b->p, b->cap, &b->len);
    if (rc == -ENOSPC && b->len + 1 > b->cap) {
        char *np = b->p == b->stack ? malloc(b->len + 1) : realloc(b->p, b->len + 1);
        if (np == NULL)
            return -ENOMEM;
        b->p = np;
        b->cap = b->len + 1;
        rc = normalize_text(n, s ? s : "", slen, b->p, b->cap, &b->len);
    }
    return rc;
}

static void nbuf_free(nbuf_t *b)
{
    if (b->p != NULL && b->p != b->stack)
        free(b->p);
    b->p = NULL;
}

/* Remove the spaces a transcript puts between Chinese characters
 * ("锦 龙 苑 的 电 梯 坏 了"), in place: between two CJK characters a space
 * separates nothing, and left there it would hide every name and phrase
 * from the matchers. Spaces next to ASCII (phone numbers, codes) stay. */
static void squeeze_cjk_spaces(nbuf_t *b)
{
    if (b->len < 3 || memchr(b->p, ' ', b->len) == NULL)
        return;
    size_t o = 0;
    for (size_t i = 0; i < b->len; i++) {
        if (b->p[i] == ' ' && o > 0 && i + 1 < b->len && (unsigned char)b->p[o - 1] >= 0x80 &&
            (unsigned char)b->p[i + 1] >= 0x80)
            continue;
        b->p[o++] = b->p[i];
    }
    b->p[o] = '\0';
    b->len = o;
}

int router_core_place(const router_core_t *core, const router_demand_t *d, router_result_t *out)
{
    if (out == NULL)
        return -EINVAL;
    /* Everything but the 2 KiB explain buffer, which the classifier writes
     * (its first byte is cleared so that an early error leaves it empty). */
    memset(out, 0, offsetof(router_result_t, cls.explain));
    memset(&out->urgency_in, 0, sizeof(*out) - offsetof(router_result_t, urgency_in));
    out->cls.explain[0] = '\0';
    out->loc.unit = -1;
    if (core == NULL || d == NULL || d->text == NULL)
        return -EINVAL;
    /* Only pointers and lengths are set here: zeroing the 4 KiB buffers
     * cost more than the rest of the set-up (nbuf_fill sets every field). */
    nbuf_t text, addr, stripped;
    text.p = addr.p = stripped.p = NULL;
    text.len = addr.len = stripped.len = 0;
    int rc = nbuf_fill(core->norm, &text, d->text);
    if (rc == 0)
        rc = nbuf_fill(core->norm, &addr, d->address);
    if (rc < 0)
        goto done;
    squeeze_cjk_spaces(&text);
    const char *code = d->compound;
    /* locate, and strip compound names so they cannot vote, in one scan */
    stripped.p = stripped.stack;
    stripped.cap = sizeof stripped.stack;
    if (text.len + 1 > stripped.cap) {
        stripped.p = malloc(text.len + 1);
        if (stripped.p == NULL) {
            rc = -ENOMEM;
            goto done;
        }
        stripped.cap = text.len + 1;
    }
    rc = locator_locate_strip(core->loc, code, code ? strlen(code) : 0, addr.p, addr.len, text.p,
                              text.len, &out->loc, stripped.p, stripped.cap, &stripped.len);
    if (rc < 0)
        goto done;
    rc = classifier_classify(core->cls, stripped.p, stripped.len, &out->cls);
    if (rc < 0)
        goto done;
    out->urgency_in = d->urgency;
    out->urgency_text = out->cls.urgency;
    /* The decision again, now with the channel's word and trust: the one
     * function that decides urgency everywhere (urgency.h). */
    int ch = d->channel ? channel_from_name(d->channel, strlen(d->channel)) : -1;
    urgency_input_t ui = {out->cls.ucues, out->cls.n_ucues,
                          stripped.p,     stripped.len,
                          d->urgency,     ch >= 0 && (core->tag_channels & (1u << ch)) != 0};
    rc = urgency_decide(&ui, &out->udec);
    if (rc < 0)
        goto done;
    rc = place_decide(core->reg, out->loc.unit, out->cls.category, out->udec.urgency, &out->place);
    if (rc == 0)
        rc = place_clocks(core, d, &out->place);
    if (rc < 0)
        goto done;
    /* Say when unsure. A placement already with the dispatch centre (not
     * located, not classified, no body in the chain) is its triage anyway;
     * any other goes to its body and is also flagged when the category is a
     * weak reading or the urgency was raised on an unclear time. */
    out->confidence = placement_confidence(&out->cls);
    if (out->place.body_kind != BODY_DISPATCH_CENTER && out->confidence < core->review_below)
        out->review |= REVIEW_LOW_CONFIDENCE;
    if (out->udec.review)
        out->review |= REVIEW_URGENCY_UNCLEAR;
done:
    nbuf_free(&text);
    nbuf_free(&addr);
    nbuf_free(&stripped);
    return rc;
}

/* ---------- JSON rendering ---------- */

static int set_new(json_t *o, const char *k, json_t *v)
{
    if (v == NULL)
        return -ENOMEM;
    return json_object_set_new(o, k, v) == 0 ? 0 : -ENOMEM;
}

static json_t *body_ref(const registry_t *r, int32_t b)
{
    const reg_body_t *rb = b >= 0 ? registry_body(r, (size_t)b) : NULL;
    return rb ? json_string(rb->id) : json_null();
}

static json_t *explain_compound(const router_core_t *c, const router_result_t *res)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    const location_t *l = &res->loc;
    const reg_unit_t *u = l->unit >= 0 ? registry_unit(c->reg, (size_t)l->unit) : NULL;
    int rc = 0;
    rc |= set_new(o, "located", json_boolean(u != NULL));
    rc |= set_new(o, "source", json_string(loc_source_name(l->source)));
    if (u != NULL) {
        rc |= set_new(o, "code", json_string(u->code));
        rc |= set_new(o, "name", json_string(u->name));
        if (u->urban_village)
            rc |= set_new(o, "urban_village", json_true());
    }
    if (l->word != NULL) {
        rc |= set_new(o, "word", json_string(l->word));
        rc |= set_new(o, "word_kind", json_string(loc_word_kind_name(l->kind)));
    }
    if (l->code_unknown)
        rc |= set_new(o, "code_unknown", json_true());
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *explain_classifier(const router_result_t *res)
{
    json_t *o = json_object();
    json_t *scores = json_object();
    if (o == NULL || scores == NULL) {
        json_decref(o);
        json_decref(scores);
        return NULL;
    }
    int rc = 0;
    for (int i = 0; i < CAT_COUNT; i++)
        if (res->cls.scores[i] != 0)
            rc |= set_new(scores, category_name((category_t)i), json_integer(res->cls.scores[i]));
    rc |= set_new(o, "scores", scores);
    json_error_t jerr;
    size_t elen = strnlen(res->cls.explain, sizeof res->cls.explain);
    json_t *why = elen > 0 ? json_loadb(res->cls.explain, elen, 0, &jerr) : NULL;
    if (why == NULL && elen > 0)
        why = json_stringn(res->cls.explain, elen); /* NULL if not UTF-8: left out */
    if (why != NULL)
        rc |= set_new(o, "why", why);
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const char *route_reason(const placement_t *p)
{
    switch (p->route) {
    case ROUTE_CHAIN:
        return p->chain_step == 0 ? "first body of the chain"
                                  : "earlier kinds of the chain "
                                    "missing for this compound";
    case ROUTE_UNLOCATED:
        return "compound not located: manual triage";
    case ROUTE_UNCLASSIFIED:
        return "category unclassified: manual triage";
    case ROUTE_NO_BODY:
        return "no body of the chain exists for this compound: manual triage";
    case ROUTE_NO_DISPATCH_CENTER:
        return "manual triage needed but the registry has no dispatch centre";
    }
    return "";
}

static json_t *explain_chain(const router_core_t *c, const router_result_t *res)
{
    const placement_t *p = &res->place;
    json_t *o = json_object();
    json_t *chain = json_array();
    json_t *tried = json_array();
    if (o == NULL || chain == NULL || tried == NULL) {
        json_decref(o);
        json_decref(chain);
        json_decref(tried);
        return NULL;
    }
    size_t n;
    const body_kind_t *k = place_chain(p->category, &n);
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        rc |= json_array_append_new(chain, json_string(body_kind_name(k[i])));
    for (size_t i = 0; i < p->n_tried; i++) {
        json_t *t = json_object();
        if (t == NULL) {
            rc = -1;
            break;
        }
        int b = place_body_for(c->reg, p->compound, p->tried[i]);
        rc |= set_new(t, "kind", json_string(body_kind_name(p->tried[i])));
        rc |= set_new(t, "body_id", body_ref(c->reg, b));
        rc |= json_array_append_new(tried, t);
    }
    rc |= set_new(o, "chain", chain);
    rc |= set_new(o, "tried", tried);
    rc |= set_new(o, "route", json_string(place_route_name(p->route)));
    rc |= set_new(o, "step", p->chain_step >= 0 ? json_integer(p->chain_step) : json_null());
    rc |= set_new(o, "reason", json_string(route_reason(p)));
    if (p->n_cc > 0)
        rc |= set_new(o, "cc_reason",
                      json_string("party branch copied to supervise the "
                                  "compound body"));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* {"channel","text","rule","review","tags"?,"dangers":[{"kind","phrase",
 * "state"}],"cues":[[phrase,facet]]}: the words and the rule that made the
 * urgency what it is (urgency.h). */
static json_t *explain_urgency(const router_result_t *res)
{
    const classification_t *cls = &res->cls;
    const urgency_decision_t *ud = &res->udec;
    json_t *o = json_object();
    json_t *dangers = json_array();
    json_t *cues = json_array();
    if (o == NULL || dangers == NULL || cues == NULL) {
        json_decref(o);
        json_decref(dangers);
        json_decref(cues);
        return NULL;
    }
    int rc = 0;
    rc |= set_new(o, "channel",
                  res->urgency_in == URG_UNSET ? json_null()
                                               : json_string(urgency_name(res->urgency_in)));
    rc |= set_new(
        o, "text",
        json_string(urgency_name(res->urgency_text == URG_EMERGENCY ? URG_EMERGENCY : URG_NORMAL)));
    rc |= set_new(o, "rule", json_string(urgency_rule_name(ud->rule)));
    rc |= set_new(o, "review", json_boolean(ud->review));
    if (ud->tag_ignored)
        rc |= set_new(o, "tags", json_string("ignored: channel not trusted for urgency tags"));
    for (size_t i = 0; i < cls->n_ucues; i++) {
        const urgency_cue_t *c = &cls->ucues[i];
        if (c->facet == UF_DANGER || c->facet == UF_HARM || c->facet == UF_SIGN) {
            json_t *d = json_object();
            if (d == NULL) {
                rc = -1;
                break;
            }
            rc |= set_new(d, "kind", json_string(danger_kind_name((danger_kind_t)c->kind)));
            rc |= set_new(d, "phrase", json_string(c->phrase));
            rc |= set_new(d, "state", json_string(danger_state_name((danger_state_t)ud->state[i])));
            if ((int)i == ud->decider)
                rc |= set_new(d, "decided", json_true());
            rc |= json_array_append_new(dangers, d);
        } else {
            rc |= json_array_append_new(
                cues, json_pack("[ss]", c->phrase, urgency_facet_name((urgency_facet_t)c->facet)));
        }
    }
    rc |= set_new(o, "dangers", dangers);
    rc |= set_new(o, "cues", cues);
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *review_json(unsigned review)
{
    json_t *why = json_array();
    const char *names[4];
    size_t nn = review_reason_names(review, names, 4);
    for (size_t i = 0; why != NULL && i < nn; i++)
        if (json_array_append_new(why, json_string(names[i])) != 0) {
            json_decref(why);
            return NULL;
        }
    return why;
}

json_t *router_result_json(const router_core_t *core, const char *id, const router_result_t *res)
{
    if (core == NULL || res == NULL)
        return NULL;
    const placement_t *p = &res->place;
    const reg_body_t *b = p->body >= 0 ? registry_body(core->reg, (size_t)p->body) : NULL;
    json_t *o = json_object();
    json_t *cc = json_array();
    json_t *ex = json_object();
    if (o == NULL || cc == NULL || ex == NULL) {
        json_decref(o);
        json_decref(cc);
        json_decref(ex);
        return NULL;
    }
    int rc = 0;
    for (size_t i = 0; i < p->n_cc; i++)
        rc |= json_array_append_new(cc, body_ref(core->reg, p->cc[i]));
    rc |= set_new(o, "id", id ? json_string(id) : json_null());
    rc |= set_new(o, "category", json_string(category_name(p->category)));
    rc |= set_new(o, "tier", json_string(tier_name(p->tier)));
    rc |= set_new(o, "body_id", b ? json_string(b->id) : json_null());
    rc |= set_new(o, "body_kind", json_string(body_kind_name(p->body_kind)));
    rc |= set_new(o, "cc", cc);
    rc |= set_new(o, "urgency", json_string(urgency_name(p->urgency)));
    rc |= set_new(o, "reply_due_hours", json_integer(p->reply_due_hours));
    rc |= set_new(o, "resolve_due_hours", json_integer(p->resolve_due_hours));
    rc |= set_new(o, "reply_clock", json_string(policy_clock_name(p->reply_clock)));
    rc |= set_new(o, "resolve_clock", json_string(policy_clock_name(p->resolve_clock)));
    rc |= set_new(o, "policy",
                  json_string(policy_name(core->policy ? core->policy : policy_builtin())));
    if (p->deadline_flags & CALENDAR_UNCOVERED)
        rc |= set_new(o, "calendar_uncovered", json_true());
    rc |= set_new(o, "confidence", json_real(res->confidence / 100.0));
    rc |= set_new(o, "review", json_boolean(res->review != 0));
    rc |= set_new(o, "review_reasons", review_json(res->review));
    rc |= set_new(ex, "compound", explain_compound(core, res));
    rc |= set_new(ex, "classifier", explain_classifier(res));
    rc |= set_new(ex, "placement", explain_chain(core, res));
    rc |= set_new(ex, "urgency", explain_urgency(res));
    /* flagged on the case too (issue 15): its deadlines were counted
     * Monday-Friday, the calendar has no data for their year */
    if (p->deadline_flags & CALENDAR_UNCOVERED)
        rc |= set_new(ex, "calendar_uncovered", json_true());
    /* kept with the case by the ledger (explain_json): the dispatch
     * centre's review queue reads it there */
    json_t *rv = json_object();
    if (rv != NULL) {
        rc |= set_new(rv, "flagged", json_boolean(res->review != 0));
        rc |= set_new(rv, "confidence", json_integer(res->confidence));
        rc |= set_new(rv, "reasons", review_json(res->review));
    }
    rc |= set_new(ex, "review", rv);
    rc |= set_new(o, "explain", ex);
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}
