/*
 * router_core.h - the whole placement pipeline for one registry
 * (ROUTING.md section 5): normalise, locate, strip compound names,
 * classify, choose the body, copy the party branch, urgency and deadlines.
 *
 * A core is built once per registry version and is then read-only:
 * router_core_place() may run on several threads at once. To switch to a
 * new registry, build a new core and swap the pointer.
 */
#ifndef LIANDONG_ROUTER_CORE_H
#define LIANDONG_ROUTER_CORE_H

#include <jansson.h>
#include <stddef.h>

#include "classify.h"
#include "locate.h"
#include "normalize.h"
#include "place.h"
#include "registry.h"

typedef struct router_core router_core_t;

/* One demand as received. Strings are NUL-terminated UTF-8; compound,
 * address and channel may be NULL. */
typedef struct {
    const char *channel;
    const char *text;
    const char *compound; /* compound code bound to the channel, if any */
    const char *address;
    urgency_t urgency;      /* URG_UNSET when the channel says nothing */
    int64_t received_at_ms; /* when the clocks start; 0 = now (the router's clock) */
} router_demand_t;

typedef struct {
    placement_t place;       /* body, cc, urgency, deadlines, chain step */
    location_t loc;          /* compound and the word that located it */
    classification_t cls;    /* category, scores, classifier explain JSON */
    urgency_t urgency_in;    /* as given by the channel */
    urgency_t urgency_text;  /* as detected in the text */
    urgency_decision_t udec; /* the decision with the channel's word (urgency.h) */
    int confidence;          /* 0..100 (confidence.h) */
    unsigned review;         /* REVIEW_* bits: flagged for the dispatch centre */
} router_result_t;

/* Build a core for `reg` (borrowed: it must outlive the core), loading the
 * lexicons under `lexicon_dir`. On failure returns a negative errno and
 * writes a message into err (when err is not NULL). */
int router_core_create(const registry_t *reg, const char *lexicon_dir, router_core_t **out,
                       char *err, size_t errlen);
void router_core_destroy(router_core_t **core);
/* The channels trusted for in-text urgency tags (a bit per channel_t);
 * a new core trusts URGENCY_TAG_CHANNELS_DEFAULT. */
void router_core_set_tag_channels(router_core_t *core, uint32_t mask);
/* Placements below this confidence (0..100) are flagged for the dispatch
 * centre's review; a new core uses CONFIDENCE_REVIEW_BELOW_DEFAULT. */
void router_core_set_review_below(router_core_t *core, int pct);

const registry_t *router_core_registry(const router_core_t *core);

/* The time-limit policy and the working-day calendar deadlines are
 * computed with (both borrowed: they must outlive the core). A new core
 * uses policy_builtin() (ROUTING.md section 6, natural hours) and no
 * calendar. Returns -EINVAL when the policy runs on working time and no
 * calendar is given. */
int router_core_set_policy(router_core_t *core, const policy_t *policy, const workcal_t *cal);
/* The name of the core's policy ("default" for the built-in one). */
const char *router_core_policy_name(const router_core_t *core);

/* Place one demand. Returns 0 (a demand that cannot be located or
 * classified still gets a placement: the dispatch centre), -EINVAL on bad
 * arguments, -ENOMEM, or the classifier's error. */
int router_core_place(const router_core_t *core, const router_demand_t *d, router_result_t *out);

/* The dry-run output object for a result: {"id","category","tier",
 * "body_id","body_kind","cc":[...],"urgency","reply_due_hours",
 * "resolve_due_hours","reply_clock","resolve_clock","policy",
 * "calendar_uncovered"?,"confidence","review","review_reasons":[...],
 * "explain":{...}}. `id` may be NULL (then JSON null).
 * Returns a new reference, or NULL on allocation failure. */
json_t *router_result_json(const router_core_t *core, const char *id, const router_result_t *res);

#endif
