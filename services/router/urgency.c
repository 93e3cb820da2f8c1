/*
 * urgency.c - the urgency decision of ROUTING.md section 6 (see urgency.h).
 *
 * Pure and allocation-free: it sees the cues of one demand and the text
 * they index, and decides. Cues are read per clause (the text between two
 * of , . ; ! ? 。 and line ends), because a resident's time words qualify
 * what they say in the same breath: "上周闻到煤气味，现在没了" is a past
 * smell and a present all-clear, not a smell now.
 */
#include "urgency.h"

#include <errno.h>
#include <string.h>

static const char *const FACETS[UF_COUNT] = {"danger",    "harm", "sign", "person",
                                             "now",       "past", "over", "standing",
                                             "recurring", "tag",  "mask"};
static const char *const KINDS[DK_COUNT] = {"none",     "fire",     "gas",     "trapped",
                                            "violence", "break_in", "water",   "sparks",
                                            "collapse", "fall",     "medical", "child"};
static const char *const STATES[DS_COUNT] = {"now",      "unmarked",  "past",      "over",
                                             "standing", "recurring", "no_person", "not_now"};
static const char *const RULES[UR_COUNT] = {"no_danger", "channel",        "danger_now", "danger",
                                            "tag",       "danger_unclear", "danger_past"};

const char *urgency_facet_name(urgency_facet_t f)
{
    return (unsigned)f < UF_COUNT ? FACETS[f] : NULL;
}

const char *danger_kind_name(danger_kind_t k)
{
    return (unsigned)k < DK_COUNT ? KINDS[k] : NULL;
}

const char *danger_state_name(danger_state_t s)
{
    return (unsigned)s < DS_COUNT ? STATES[s] : NULL;
}

const char *urgency_rule_name(urgency_rule_t r)
{
    return (unsigned)r < UR_COUNT ? RULES[r] : NULL;
}

int urgency_tag_channels_parse(const char *csv, uint32_t *mask)
{
    if (csv == NULL || mask == NULL)
        return -EINVAL;
    uint32_t m = 0;
    const char *p = csv;
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int ch = channel_from_name(p, len);
        if (ch < 0)
            return -EINVAL;
        m |= 1u << ch;
        p += len;
        if (*p == ',')
            p++;
    }
    *mask = m;
    return 0;
}

static int name_is(const char *s, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(s, name, len) == 0;
}

int urgency_facet_parse(const char *s, size_t len, urgency_facet_t *facet, danger_kind_t *kind)
{
    if (s == NULL || facet == NULL || kind == NULL)
        return -EINVAL;
    const char *colon = memchr(s, ':', len);
    size_t flen = colon ? (size_t)(colon - s) : len;
    for (int f = 0; f < UF_COUNT; f++) {
        if (!name_is(s, flen, FACETS[f]))
            continue;
        int wants_kind = f == UF_DANGER || f == UF_HARM || f == UF_SIGN;
        /* over may name a kind: "都出来了" (everybody got out) ends a lift
         * entrapment, not the gas smell the residents fled from. */
        int may_kind = f == UF_OVER;
        if (!wants_kind && !(may_kind && colon != NULL)) {
            if (colon != NULL)
                return -EINVAL;
            *facet = (urgency_facet_t)f;
            *kind = DK_NONE;
            return 0;
        }
        if (colon == NULL)
            return -EINVAL;
        const char *k = colon + 1;
        size_t klen = len - flen - 1;
        for (int d = DK_NONE + 1; d < DK_COUNT; d++) {
            if (name_is(k, klen, KINDS[d])) {
                *facet = (urgency_facet_t)f;
                *kind = (danger_kind_t)d;
                return 0;
            }
        }
        return -EINVAL;
    }
    return -EINVAL;
}

/* A clause ends at ASCII , ; (full-width forms are already folded to these
 * by normalisation) or the ideographic comma; a sentence, and so a clause
 * too, at . ! ? 。 and line ends. Returns the boundary's length in bytes
 * (0: none) and sets *full for a sentence end. */
static size_t boundary_len(const unsigned char *p, size_t left, int *full)
{
    *full = 0;
    switch (p[0]) {
    case ',':
    case ';':
        return 1;
    case '.':
    case '!':
    case '?':
    case '\n':
    case '\r':
        *full = 1;
        return 1;
    case 0xE3:
        if (left >= 3 && p[1] == 0x80 && p[2] == 0x82) { /* 。 */
            *full = 1;
            return 3;
        }
        if (left >= 3 && p[1] == 0x80 && p[2] == 0x81) /* 、 */
            return 3;
        return 0;
    default:
        return 0;
    }
}

/* clause[i] and sentence[i]: where cue i starts; cues are in text order. */
static void place_cues(const urgency_input_t *in, int *clause, int *sentence)
{
    const unsigned char *t = (const unsigned char *)in->text;
    size_t pos = 0;
    int c = 0, s = 0;
    for (size_t i = 0; i < in->ncues; i++) {
        size_t to = in->cues[i].start;
        while (t != NULL && pos < to && pos < in->len) {
            int full;
            size_t b = boundary_len(t + pos, in->len - pos, &full);
            if (b > 0) {
                c++;
                s += full;
                pos += b;
            } else {
                pos++;
            }
        }
        clause[i] = c;
        sentence[i] = s;
    }
}

static danger_state_t time_state(uint8_t facet)
{
    switch (facet) {
    case UF_NOW:
        return DS_NOW;
    case UF_PAST:
        return DS_PAST;
    case UF_STANDING:
        return DS_STANDING;
    case UF_RECURRING:
        return DS_RECURRING;
    default:
        return DS_UNMARKED;
    }
}

/* The state of danger cue d. Within its clause the LAST time cue speaks
 * for it ("昨天开始...现在还在" is now, "现在一下雨就灌" is recurring);
 * with none there, the last one before it in its sentence; an over-cue
 * anywhere after it ends it, unless a now-cue comes after that. Sparks and
 * gas that recur are live all the same: the wire sparks whenever it rains,
 * so it is sparking now. */
static danger_state_t state_of(const urgency_input_t *in, const int *clause, const int *sentence,
                               size_t d, int has_person)
{
    const urgency_cue_t *cues = in->cues;
    if (cues[d].facet == UF_HARM && !has_person)
        return DS_NO_PERSON;
    /* Over when an over-cue follows it, unless a now-cue follows that in
     * the same breath ("阀门关了还是有味"). A danger told again later ("灭了,
     * 又烧起来了") is judged by its own cue; a now-cue in another clause
     * speaks of something else ("已解救,现在停用"). */
    int over = 0, over_clause = -1;
    for (size_t i = 0; i < in->ncues; i++) {
        if (cues[i].start < cues[d].start)
            continue;
        if (cues[i].facet == UF_OVER && (cues[i].kind == DK_NONE || cues[i].kind == cues[d].kind)) {
            over = 1;
            over_clause = clause[i];
        } else if (cues[i].facet == UF_NOW && over && clause[i] == over_clause) {
            over = 0;
        }
    }
    if (over)
        return DS_OVER;
    danger_state_t st = DS_UNMARKED, before = DS_UNMARKED;
    int standing = 0, standing_before = 0;
    for (size_t i = 0; i < in->ncues; i++) {
        danger_state_t t = time_state(cues[i].facet);
        if (t == DS_UNMARKED)
            continue;
        if (clause[i] == clause[d]) {
            st = t;
            standing |= t == DS_STANDING;
        } else if (sentence[i] == sentence[d] && cues[i].start < cues[d].start) {
            before = t;
            standing_before |= t == DS_STANDING;
        }
    }
    if (st == DS_UNMARKED) {
        st = before;
        standing = standing_before;
    }
    /* What recurs from a source that is no danger now (a factory's fumes
     * every night) stays standing, whichever is said last. */
    if (st == DS_RECURRING && standing)
        st = DS_STANDING;
    if (st == DS_RECURRING && (cues[d].kind == DK_SPARKS || cues[d].kind == DK_GAS))
        st = DS_NOW;
    if (cues[d].facet == UF_SIGN && st == DS_UNMARKED)
        st = DS_NOT_NOW;
    return st;
}

int urgency_decide(const urgency_input_t *in, urgency_decision_t *out)
{
    if (in == NULL || out == NULL || (in->ncues > 0 && in->cues == NULL) ||
        in->ncues > URGENCY_MAX_CUES)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->urgency = URG_NORMAL;
    out->rule = UR_NO_DANGER;
    out->decider = -1;

    int clause[URGENCY_MAX_CUES], sentence[URGENCY_MAX_CUES];
    place_cues(in, clause, sentence);
    int has_person = 0, has_context = 0, tag = -1;
    for (size_t i = 0; i < in->ncues; i++) {
        switch (in->cues[i].facet) {
        case UF_DANGER: /* someone trapped, fallen or hurt is a person in danger */
            if (in->cues[i].kind == DK_TRAPPED || in->cues[i].kind == DK_FALL ||
                in->cues[i].kind == DK_MEDICAL)
                has_person = 1;
            break;
        case UF_PAST:
        case UF_OVER:
        case UF_STANDING:
        case UF_RECURRING:
            has_context = 1;
            break;
        case UF_TAG:
            if (tag < 0)
                tag = (int)i;
            break;
        default:
            break;
        }
    }

    /* A person hurt or under something counts only when that is now or
     * told as present: "差点砸到人" and "随时会砸到人" hurt nobody. */
    for (size_t i = 0; i < in->ncues && !has_person; i++) {
        if (in->cues[i].facet != UF_PERSON)
            continue;
        danger_state_t st = state_of(in, clause, sentence, i, 1);
        has_person = st == DS_NOW || st == DS_UNMARKED;
    }

    /* Every danger's state; the best reason to raise wins: a danger now,
     * then one told as present, then one whose time is unclear. */
    int now = -1, unmarked = -1, calm = -1;
    for (size_t i = 0; i < in->ncues; i++) {
        uint8_t f = in->cues[i].facet;
        if (f != UF_DANGER && f != UF_HARM && f != UF_SIGN)
            continue;
        danger_state_t st = state_of(in, clause, sentence, i, has_person);
        out->state[i] = (uint8_t)st;
        if (st == DS_NOW && now < 0)
            now = (int)i;
        else if (st == DS_UNMARKED && unmarked < 0)
            unmarked = (int)i;
        else if (st != DS_NOW && st != DS_UNMARKED && calm < 0)
            calm = (int)i;
    }

    /* The channel's explicit emergency wins over the text (section 6). */
    if (in->channel == URG_EMERGENCY) {
        out->urgency = URG_EMERGENCY;
        out->rule = UR_CHANNEL;
        out->decider = now >= 0 ? now : unmarked;
        return 0;
    }
    if (now >= 0) {
        out->urgency = URG_EMERGENCY;
        out->rule = UR_DANGER_NOW;
        out->decider = now;
        return 0;
    }
    /* A tag raises only where the channel is trusted to set it: a resident
     * typing 【紧急】 on a public account must not jump the queue, a grid
     * worker's or hotline operator's tag is their explicit word. Never a
     * downgrade either way. */
    if (tag >= 0 && !in->tags_trusted)
        out->tag_ignored = 1;
    if (unmarked >= 0 && !has_context) {
        out->urgency = URG_EMERGENCY;
        out->rule = UR_DANGER;
        out->decider = unmarked;
        return 0;
    }
    if (tag >= 0 && in->tags_trusted) {
        out->urgency = URG_EMERGENCY;
        out->rule = UR_TAG;
        out->decider = tag;
        return 0;
    }
    if (unmarked >= 0) {
        /* Lean to safety: other clauses speak of the past or of a standing
         * risk, this danger's own clause does not say. */
        out->urgency = URG_EMERGENCY;
        out->rule = UR_DANGER_UNCLEAR;
        out->review = 1;
        out->decider = unmarked;
        return 0;
    }
    if (calm >= 0) {
        out->rule = UR_DANGER_PAST;
        out->decider = calm;
    }
    return 0;
}
