/*
 * urgency.h - is a danger to people happening now? (ROUTING.md section 6)
 *
 * The one place that decides a demand's urgency: the router's placement,
 * the dry-run and every explanation call urgency_decide(). It reads the
 * situation from cues the classifier's single scan found (deploy/lexicon/
 * urgency.tsv), not from a sum of keyword weights:
 *
 *   what  - a danger event (fire, gas, someone trapped, violence, water
 *           entering a home, sparks, a fall, a collapse...); some kinds
 *           (a collapse, a falling object) are a danger only with a person
 *           hurt, under it or trapped (`person` cues);
 *   when  - cues that it happens now (现在/正在/还在/快来), that it is past
 *           (上周/昨天), over (已经修好/现在没了/救出来了), a standing or
 *           imagined risk (万一/隐患/随时会), or recurring (经常/一下雨就);
 *           the last such cue in a danger's clause speaks for it, else the
 *           last one earlier in its sentence (a resident's time carries
 *           forward until they change it);
 *   who   - the channel's own word (an explicit emergency always wins, an
 *           explicit normal never downgrades), and in-text urgency tags
 *           (【紧急】, 急!, SOS) where the channel is trusted for them.
 *
 * It leans to safety: a danger with no sign of being past or over is an
 * emergency, and when other clauses speak of the past or of a standing
 * risk so that it is unclear, it is still an emergency and flagged for the
 * dispatch centre's review (a false alarm costs a 2-hour reply, a miss can
 * cost a life).
 */
#ifndef LIANDONG_ROUTER_URGENCY_H
#define LIANDONG_ROUTER_URGENCY_H

#include <stddef.h>
#include <stdint.h>

#include "domain.h"

/* What a cue says. The order is the order of the facet names below. */
typedef enum {
    UF_DANGER = 0, /* a danger event, dangerous by itself when it is now */
    UF_HARM,       /* a danger only when a person is hurt, under it or trapped */
    UF_SIGN,       /* a danger only when told as happening now (还在流, 正在往外喷) */
    UF_PERSON,     /* a person hurt, trapped, under something, attacked */
    UF_NOW,        /* it is happening now */
    UF_PAST,       /* it happened before (a time in the past) */
    UF_OVER,       /* it has stopped or been dealt with (over:KIND: only a danger of KIND) */
    UF_STANDING,   /* a standing or imagined risk, or a source that is not a danger now */
    UF_RECURRING,  /* it keeps happening (经常, 一下雨就): calms all but sparks and gas */
    UF_TAG,        /* an urgency tag a front-end or grid worker wrote */
    UF_MASK,       /* masks every cue inside it (weight 0) */
    UF_COUNT
} urgency_facet_t;

/* Kinds of danger, for the explanation and the tests. */
typedef enum {
    DK_NONE = 0,
    DK_FIRE,
    DK_GAS,
    DK_TRAPPED,
    DK_VIOLENCE,
    DK_BREAK_IN,
    DK_WATER,
    DK_SPARKS,
    DK_COLLAPSE,
    DK_FALL,
    DK_MEDICAL,
    DK_CHILD,
    DK_COUNT
} danger_kind_t;

/* How a danger stands in its text. */
typedef enum {
    DS_NOW = 0,   /* a now-cue in its clause */
    DS_UNMARKED,  /* no time cue in its clause: read as now */
    DS_PAST,      /* a past cue in its clause and no now-cue */
    DS_OVER,      /* an over-cue after it, with no now-cue after that */
    DS_STANDING,  /* a standing or imagined risk in its clause */
    DS_RECURRING, /* told as recurring (not for sparks and gas: they are live) */
    DS_NO_PERSON, /* a harm kind with no person hurt or trapped */
    DS_NOT_NOW,   /* a sign with no now-cue */
    DS_COUNT
} danger_state_t;

/* Why the decision is what it is. */
typedef enum {
    UR_NO_DANGER = 0,  /* normal: no danger to people in the text */
    UR_CHANNEL,        /* emergency: the channel said so */
    UR_DANGER_NOW,     /* emergency: a danger with a now-cue */
    UR_DANGER,         /* emergency: a danger told as present, nothing says otherwise */
    UR_TAG,            /* emergency: a trusted channel's urgency tag */
    UR_DANGER_UNCLEAR, /* emergency + review: a danger, time unclear */
    UR_DANGER_PAST,    /* normal: every danger is past, over or standing */
    UR_COUNT
} urgency_rule_t;

/* One cue found in the text: byte range, facet, danger kind (UF_DANGER,
 * UF_HARM) and the lexicon phrase (NUL-terminated, owned by the lexicon). */
typedef struct {
    uint32_t start, end;
    uint8_t facet;
    uint8_t kind;
    const char *phrase;
} urgency_cue_t;

#define URGENCY_MAX_CUES 96

typedef struct {
    const urgency_cue_t *cues; /* in text order (by start) */
    size_t ncues;
    const char *text; /* the text the cues index, for clause boundaries */
    size_t len;
    urgency_t channel; /* URG_UNSET when the channel says nothing */
    int tags_trusted;  /* the channel is trusted for in-text urgency tags */
} urgency_input_t;

typedef struct {
    urgency_t urgency; /* URG_NORMAL or URG_EMERGENCY */
    urgency_rule_t rule;
    int review;  /* flag for the dispatch centre's review */
    int decider; /* index of the cue that decided (-1: none) */
    /* per cue: its state when it is a danger or harm cue */
    uint8_t state[URGENCY_MAX_CUES];
    int tag_ignored; /* a tag was found but the channel is not trusted */
} urgency_decision_t;

/* The channels whose in-text urgency tags count by default: the hotline's
 * operators and the grid workers type them as their explicit word. */
#define URGENCY_TAG_CHANNELS_DEFAULT "hotline,grid"

/* Parses a comma list of channel names ("" = none) into a bit per
 * channel_t. Returns 0, or -EINVAL on an unknown name. */
int urgency_tag_channels_parse(const char *csv, uint32_t *mask);

/* Decide. Returns 0, or -EINVAL on a NULL argument or more than
 * URGENCY_MAX_CUES cues. */
int urgency_decide(const urgency_input_t *in, urgency_decision_t *out);

/* Names used in urgency.tsv and the explanation; NULL for out of range. */
const char *urgency_facet_name(urgency_facet_t f);
const char *danger_kind_name(danger_kind_t k);
const char *danger_state_name(danger_state_t s);
const char *urgency_rule_name(urgency_rule_t r);
/* Parses "danger:gas", "harm:collapse", "sign:water", "now", ... from urgency.tsv.
 * Returns 0 and sets facet and kind, or -EINVAL. */
int urgency_facet_parse(const char *s, size_t len, urgency_facet_t *facet, danger_kind_t *kind);

#endif
