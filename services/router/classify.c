/*
 * classify.c - demand classifier (ROUTING.md sections 4 and 6).
 *
 * Every phrase of every lexicon file under deploy/lexicon/ goes into one
 * Aho-Corasick automaton, tagged with what it does: score a category,
 * say something about a danger (urgency.tsv: what, when, who), negate
 * what follows, or mark a cue set used by the tie-break rules. A demand costs one scan; the hits
 * are then resolved without allocation:
 *   1. a hit contained in a longer hit of the same kind is dropped (so a
 *      longer phrase, even one of weight 0, overrides the words inside it);
 *   2. a scoring hit, or an urgency hit saying what happens or to whom,
 *      that starts within `negation_window` bytes after a negation phrase
 *      counts for nothing;
 *   3. each phrase counts once; category scores are summed;
 *   4. the best category wins if it reaches `min_score` and beats the
 *      "no demand" score (unclassified.tsv), else CAT_UNCLASSIFIED;
 *   5. rules.tsv is applied in order, each rule at most once, each seeing
 *      the category left by the rules before it;
 *   6. urgency is decided by urgency_decide() (urgency.c) from the live
 *      urgency cues, read per clause; the router decides again with the
 *      channel's word, from the same cues.
 * Between 4 and 5, when the lexicon's evidence is weak (its best category
 * scores below the model's `fallback_below`, and the "no demand" score does
 * not win outright), the statistical model of ngram.c is consulted; it
 * replaces the lexicon's pick when it is sure (its best category beats its
 * runner-up by `fallback_margin`) and names a category. The rules then run
 * on whatever was picked, so every tie-break of ROUTING.md still applies.
 * The model and its rule are measured in docs/router.md.
 */
#include "classify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ac.h"
#include "lexicon.h"
#include "ngram.h"

#define MAX_CUE_SETS 128
#define CUE_WORDS (MAX_CUE_SETS / 64)
#define MAX_RULES 256
#define MAX_HITS 512
#define NAME_MAX_LEN 48
#define MAX_WEIGHT 1000

enum { K_SCORE = 0, K_URG, K_NEG, K_CUE };

typedef struct {
    uint8_t kind;
    uint8_t cat;     /* K_SCORE: category; K_URG: urgency_facet_t */
    uint16_t cue;    /* K_CUE: cue set index; K_URG: danger_kind_t */
    int16_t weight;  /* K_SCORE, K_NEG (0 = mask only) */
    uint16_t plen;   /* phrase length in bytes */
    uint32_t phrase; /* offset into strings */
    uint32_t item;   /* K_SCORE: offset of its explain item in items */
    uint16_t qlen;   /* length of the quoted phrase inside the item */
    uint16_t ilen;   /* length of the item, ["phrase",weight] */
} entry_t;

/* A JSON string, quoted and escaped, written once at load time. */
typedef struct {
    char s[64];
    size_t len;
} quoted_t;

typedef struct {
    char name[NAME_MAX_LEN];
    uint32_t when; /* bit per category the current decision must be in */
    uint64_t req[CUE_WORDS];
    uint64_t unless[CUE_WORDS];
    uint32_t then; /* one bit: that category; several: best scoring of them */
} rule_t;

struct classifier {
    ac_matcher_t *ac;
    entry_t *entries;
    uint32_t nentries, capentries;
    char *strings;
    size_t nstrings, capstrings;
    /* explain items, rendered once at load time so that a decision copies
     * them instead of escaping every phrase and printing every weight */
    char *items;
    quoted_t cat_json[CAT_COUNT];
    quoted_t urg_json[3];
    char cue_names[MAX_CUE_SETS][NAME_MAX_LEN];
    int ncues;
    rule_t rules[MAX_RULES];
    int nrules;
    ngram_model_t *model; /* NULL: no model.tsv, the lexicon decides alone */
    int min_score;
    int negation_window;
};

/* ---------------------------------------------------------------- loading */

static int render_items(classifier_t *c);

static int add_entry(classifier_t *c, const char *p, size_t len, entry_t e)
{
    if (c->nentries == UINT32_MAX - 1)
        return -ENOMEM;
    if (c->nentries == c->capentries) {
        uint32_t ncap = c->capentries ? c->capentries * 2 : 1024;
        entry_t *ne = realloc(c->entries, (size_t)ncap * sizeof(*ne));
        if (ne == NULL)
            return -ENOMEM;
        c->entries = ne;
        c->capentries = ncap;
    }
    if (c->nstrings + len + 1 > c->capstrings) {
        size_t ncap = c->capstrings ? c->capstrings : 16384;
        while (ncap < c->nstrings + len + 1)
            ncap *= 2;
        char *ns = realloc(c->strings, ncap);
        if (ns == NULL)
            return -ENOMEM;
        c->strings = ns;
        c->capstrings = ncap;
    }
    if (c->nstrings > UINT32_MAX - len - 1)
        return -ENOMEM;
    e.phrase = (uint32_t)c->nstrings;
    e.plen = (uint16_t)len;
    memcpy(c->strings + c->nstrings, p, len);
    c->strings[c->nstrings + len] = '\0';
    c->nstrings += len + 1;
    int rc = ac_add(c->ac, p, len, c->nentries);
    if (rc < 0)
        return rc;
    c->entries[c->nentries++] = e;
    return 0;
}

/* 1 when entries[first..] already hold this phrase. */
static int find_phrase(const classifier_t *c, uint32_t first, const char *p, size_t len)
{
    for (uint32_t i = first; i < c->nentries; i++)
        if (c->entries[i].plen == len && memcmp(c->strings + c->entries[i].phrase, p, len) == 0)
            return 1;
    return 0;
}

/* A file of `phrase<TAB>weight` lines, each becoming an entry of `kind`. */
static int load_weighted(classifier_t *c, const char *dir, const char *base, uint8_t kind,
                         uint8_t cat, long lo, long hi, char *err, size_t errlen)
{
    char path[512];
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, base) >= sizeof(path)) {
        snprintf(err, errlen, "%s/%s: path too long", dir, base);
        return -ENAMETOOLONG;
    }
    lex_file_t f;
    int rc = lex_open(&f, path, err, errlen);
    if (rc < 0)
        return rc;
    lex_fields_t fl;
    uint32_t first = c->nentries;
    while ((rc = lex_next(&f, &fl, err, errlen)) == 1) {
        if (fl.n != 2) {
            rc = lex_error(&f, err, errlen, "expected: phrase<TAB>weight");
            break;
        }
        if (lex_check_phrase(fl.ptr[0], fl.len[0]) < 0) {
            rc = lex_error(&f, err, errlen,
                           "bad phrase (empty, too long, invalid UTF-8, control "
                           "character or edge space)");
            break;
        }
        long w;
        if (lex_parse_int(fl.ptr[1], fl.len[1], lo, hi, &w) < 0) {
            rc = lex_error(&f, err, errlen, "bad weight (integer out of range)");
            break;
        }
        if (find_phrase(c, first, fl.ptr[0], fl.len[0])) {
            rc = lex_error(&f, err, errlen, "phrase listed twice in this file");
            break;
        }
        entry_t e = {.kind = kind, .cat = cat, .weight = (int16_t)w};
        rc = add_entry(c, fl.ptr[0], fl.len[0], e);
        if (rc < 0) {
            lex_error(&f, err, errlen, "out of memory");
            break;
        }
    }
    lex_close(&f);
    return rc < 0 ? rc : 0;
}

static int valid_name(const char *s, size_t len)
{
    if (len == 0 || len >= NAME_MAX_LEN)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
            return 0;
    }
    return 1;
}

static int find_cue(const classifier_t *c, const char *s, size_t len)
{
    for (int i = 0; i < c->ncues; i++)
        if (lex_field_is(s, len, c->cue_names[i]))
            return i;
    return -1;
}

/* cues.tsv: `set<TAB>phrase` */
static int load_cues(classifier_t *c, const char *dir, char *err, size_t errlen)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/cues.tsv", dir);
    lex_file_t f;
    int rc = lex_open(&f, path, err, errlen);
    if (rc < 0)
        return rc;
    lex_fields_t fl;
    while ((rc = lex_next(&f, &fl, err, errlen)) == 1) {
        if (fl.n != 2) {
            rc = lex_error(&f, err, errlen, "expected: set<TAB>phrase");
            break;
        }
        if (!valid_name(fl.ptr[0], fl.len[0])) {
            rc = lex_error(&f, err, errlen, "bad cue set name (use [a-z0-9_], < 48 bytes)");
            break;
        }
        if (lex_check_phrase(fl.ptr[1], fl.len[1]) < 0) {
            rc = lex_error(&f, err, errlen, "bad phrase");
            break;
        }
        int set = find_cue(c, fl.ptr[0], fl.len[0]);
        if (set < 0) {
            if (c->ncues == MAX_CUE_SETS) {
                rc = lex_error(&f, err, errlen, "too many cue sets (max 128)");
                break;
            }
            set = c->ncues++;
            memcpy(c->cue_names[set], fl.ptr[0], fl.len[0]);
            c->cue_names[set][fl.len[0]] = '\0';
        }
        entry_t e = {.kind = K_CUE, .cue = (uint16_t)set};
        rc = add_entry(c, fl.ptr[1], fl.len[1], e);
        if (rc < 0) {
            lex_error(&f, err, errlen, "out of memory");
            break;
        }
    }
    lex_close(&f);
    return rc < 0 ? rc : 0;
}

/* Split a comma list; calls fn for each item. "-" alone is the empty list. */
static int for_items(const char *s, size_t len, int (*fn)(void *, const char *, size_t), void *ud)
{
    if (len == 1 && s[0] == '-')
        return 0;
    size_t st = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != ',')
            continue;
        int rc = fn(ud, s + st, i - st);
        if (rc < 0)
            return rc;
        st = i + 1;
    }
    return 0;
}

static int add_cat_bit(void *ud, const char *s, size_t len)
{
    uint32_t *mask = ud;
    if (len == 1 && s[0] == '*') {
        *mask = (1u << CAT_COUNT) - 1;
        return 0;
    }
    int cat = category_from_name(s, len);
    if (cat < 0)
        return -EINVAL;
    *mask |= 1u << cat;
    return 0;
}

typedef struct {
    const classifier_t *c;
    uint64_t *bits;
} cue_ctx_t;

static int add_cue_bit(void *ud, const char *s, size_t len)
{
    cue_ctx_t *x = ud;
    int set = find_cue(x->c, s, len);
    if (set < 0)
        return -EINVAL;
    x->bits[set / 64] |= UINT64_C(1) << (set % 64);
    return 0;
}

/* rules.tsv: `name<TAB>when<TAB>requires<TAB>unless<TAB>then` */
static int load_rules(classifier_t *c, const char *dir, char *err, size_t errlen)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/rules.tsv", dir);
    lex_file_t f;
    int rc = lex_open(&f, path, err, errlen);
    if (rc < 0)
        return rc;
    lex_fields_t fl;
    while ((rc = lex_next(&f, &fl, err, errlen)) == 1) {
        if (fl.n != 5) {
            rc = lex_error(&f, err, errlen,
                           "expected: name<TAB>when<TAB>requires<TAB>unless<TAB>then");
            break;
        }
        if (c->nrules == MAX_RULES) {
            rc = lex_error(&f, err, errlen, "too many rules (max 256)");
            break;
        }
        rule_t *r = &c->rules[c->nrules];
        memset(r, 0, sizeof(*r));
        if (!valid_name(fl.ptr[0], fl.len[0])) {
            rc = lex_error(&f, err, errlen, "bad rule name (use [a-z0-9_], < 48 bytes)");
            break;
        }
        memcpy(r->name, fl.ptr[0], fl.len[0]);
        if (for_items(fl.ptr[1], fl.len[1], add_cat_bit, &r->when) < 0 || r->when == 0) {
            rc = lex_error(&f, err, errlen, "bad 'when': comma list of categories or *");
            break;
        }
        cue_ctx_t rq = {c, r->req}, un = {c, r->unless};
        if (for_items(fl.ptr[2], fl.len[2], add_cue_bit, &rq) < 0) {
            rc = lex_error(&f, err, errlen, "bad 'requires': comma list of cue sets or -");
            break;
        }
        if (for_items(fl.ptr[3], fl.len[3], add_cue_bit, &un) < 0) {
            rc = lex_error(&f, err, errlen, "bad 'unless': comma list of cue sets or -");
            break;
        }
        if (for_items(fl.ptr[4], fl.len[4], add_cat_bit, &r->then) < 0 || r->then == 0 ||
            (fl.len[4] == 1 && fl.ptr[4][0] == '*')) {
            rc = lex_error(&f, err, errlen, "bad 'then': comma list of categories");
            break;
        }
        c->nrules++;
    }
    lex_close(&f);
    return rc < 0 ? rc : 0;
}

/* urgency.tsv: `facet<TAB>phrase`, facet as urgency_facet_parse() reads
 * it (danger:gas, harm:collapse, now, past, over, ...). */
static int load_urgency(classifier_t *c, const char *dir, char *err, size_t errlen)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/urgency.tsv", dir);
    lex_file_t f;
    int rc = lex_open(&f, path, err, errlen);
    if (rc < 0)
        return rc;
    lex_fields_t fl;
    uint32_t first = c->nentries;
    while ((rc = lex_next(&f, &fl, err, errlen)) == 1) {
        urgency_facet_t facet;
        danger_kind_t kind;
        if (fl.n != 2) {
            rc = lex_error(&f, err, errlen, "expected: facet<TAB>phrase");
            break;
        }
        if (urgency_facet_parse(fl.ptr[0], fl.len[0], &facet, &kind) < 0) {
            rc = lex_error(&f, err, errlen,
                           "unknown facet (danger:KIND, harm:KIND, sign:KIND, person, now, past, "
                           "over, over:KIND, "
                           "standing, recurring, tag, mask)");
            break;
        }
        if (lex_check_phrase(fl.ptr[1], fl.len[1]) < 0) {
            rc = lex_error(&f, err, errlen,
                           "bad phrase (empty, too long, invalid UTF-8, control "
                           "character or edge space)");
            break;
        }
        if (find_phrase(c, first, fl.ptr[1], fl.len[1])) {
            rc = lex_error(&f, err, errlen, "phrase listed twice in this file");
            break;
        }
        entry_t e = {.kind = K_URG, .cat = (uint8_t)facet, .cue = (uint16_t)kind};
        rc = add_entry(c, fl.ptr[1], fl.len[1], e);
        if (rc < 0) {
            lex_error(&f, err, errlen, "out of memory");
            break;
        }
    }
    lex_close(&f);
    return rc < 0 ? rc : 0;
}

/* settings.tsv: `key<TAB>integer` */
static int load_settings(classifier_t *c, const char *dir, char *err, size_t errlen)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/settings.tsv", dir);
    lex_file_t f;
    int rc = lex_open(&f, path, err, errlen);
    if (rc < 0)
        return rc;
    lex_fields_t fl;
    while ((rc = lex_next(&f, &fl, err, errlen)) == 1) {
        long v;
        if (fl.n != 2 || lex_parse_int(fl.ptr[1], fl.len[1], 0, 100000, &v) < 0) {
            rc = lex_error(&f, err, errlen, "expected: key<TAB>non-negative integer");
            break;
        }
        if (lex_field_is(fl.ptr[0], fl.len[0], "min_score"))
            c->min_score = (int)v;
        else if (lex_field_is(fl.ptr[0], fl.len[0], "negation_window"))
            c->negation_window = (int)v;
        else {
            rc = lex_error(&f, err, errlen, "unknown setting");
            break;
        }
    }
    lex_close(&f);
    return rc < 0 ? rc : 0;
}

/* model.tsv is optional (a lexicon directory without one classifies by the
 * lexicon alone), but a model file that is there must be right: a broken
 * one stops the start-up rather than silently routing without it. */
static int load_model(classifier_t *c, const char *dir, char *err, size_t errlen)
{
    char path[512];
    if ((size_t)snprintf(path, sizeof(path), "%s/model.tsv", dir) >= sizeof(path)) {
        snprintf(err, errlen, "%s/model.tsv: path too long", dir);
        return -ENAMETOOLONG;
    }
    int rc = ngram_load(path, &c->model, err, errlen);
    if (rc == -ENOENT) {
        err[0] = '\0';
        return 0;
    }
    return rc;
}

int classifier_load(const char *dir, classifier_t **out, char *err, size_t errlen)
{
    char dummy[8];
    if (err == NULL || errlen == 0) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    err[0] = '\0';
    if (dir == NULL || out == NULL) {
        snprintf(err, errlen, "classifier_load: null argument");
        return -EINVAL;
    }
    *out = NULL;
    classifier_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -ENOMEM;
    c->min_score = 3;
    c->negation_window = 6;
    int rc = ac_create(&c->ac);
    if (rc < 0)
        goto fail;
    if ((rc = load_settings(c, dir, err, errlen)) < 0)
        goto fail;
    for (int cat = 0; cat < CAT_COUNT; cat++) {
        char base[96];
        snprintf(base, sizeof(base), "%s.tsv", category_name((category_t)cat));
        rc = load_weighted(c, dir, base, K_SCORE, (uint8_t)cat, -MAX_WEIGHT, MAX_WEIGHT, err,
                           errlen);
        if (rc < 0)
            goto fail;
    }
    if ((rc = load_urgency(c, dir, err, errlen)) < 0)
        goto fail;
    if ((rc = load_weighted(c, dir, "negation.tsv", K_NEG, 0, 0, 1, err, errlen)) < 0)
        goto fail;
    if ((rc = load_cues(c, dir, err, errlen)) < 0)
        goto fail;
    if ((rc = load_rules(c, dir, err, errlen)) < 0)
        goto fail;
    if ((rc = load_model(c, dir, err, errlen)) < 0)
        goto fail;
    if ((rc = ac_build(c->ac)) < 0) {
        snprintf(err, errlen, "%s: cannot build matcher", dir);
        goto fail;
    }
    if ((rc = render_items(c)) < 0) {
        snprintf(err, errlen, "%s: out of memory", dir);
        goto fail;
    }
    *out = c;
    return 0;
fail:
    classifier_destroy(&c);
    return rc;
}

void classifier_destroy(classifier_t **cp)
{
    if (cp == NULL || *cp == NULL)
        return;
    classifier_t *c = *cp;
    ac_destroy(&c->ac);
    ngram_destroy(&c->model);
    free(c->entries);
    free(c->strings);
    free(c->items);
    free(c);
    *cp = NULL;
}

/* ---------------------------------------------------------- classifying */

typedef struct {
    uint32_t id;
    uint32_t start, end;
    uint8_t live; /* counts (not contained, not negated, first of its entry) */
} hit_t;

typedef struct {
    const classifier_t *c;
    uint64_t present[CUE_WORDS]; /* cue sets seen */
    hit_t hits[MAX_HITS];        /* every other hit, in scan order */
    int n;
    int dropped;
} scan_t;

static int on_hit(void *ud, uint32_t id, size_t start, size_t end)
{
    scan_t *s = ud;
    const entry_t *e = &s->c->entries[id];
    if (e->kind == K_CUE) {
        /* cue sets are plain substrings: no masking or negation, so they
         * are settled here and never take a hit slot */
        s->present[e->cue / 64] |= UINT64_C(1) << (e->cue % 64);
        return 0;
    }
    if (s->n == MAX_HITS) {
        s->dropped++;
        return 0;
    }
    s->hits[s->n].id = id;
    s->hits[s->n].start = (uint32_t)start;
    s->hits[s->n].end = (uint32_t)end;
    s->hits[s->n].live = 1;
    s->n++;
    return 0;
}

/* Bounded JSON writer. Structure (brackets, keys, numbers) is written
 * against the whole buffer; list items (phrases, rule names) only up to a
 * soft limit 128 bytes short of it, and an item that does not fit is rolled
 * back whole, so the structure still written after it always fits and the
 * result is valid JSON however many words fired. */
#define JW_RESERVE 128

typedef struct {
    char *buf;
    size_t size; /* buffer size */
    size_t len;
    int truncated;
} jw_t;

static void jw_raw(jw_t *w, const char *s, size_t n)
{
    if (w->len + n + 1 > w->size)
        return; /* cannot happen for structure, see JW_RESERVE */
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void jw_str(jw_t *w, const char *s)
{
    jw_raw(w, "\"", 1);
    while (*s) {
        /* copy runs that need no escaping in one go */
        size_t run = 0;
        while (s[run] && s[run] != '"' && s[run] != '\\' && (unsigned char)s[run] >= 0x20)
            run++;
        if (run > 0) {
            jw_raw(w, s, run);
            s += run;
            continue;
        }
        unsigned char ch = (unsigned char)*s++;
        if (ch == '"' || ch == '\\') {
            char e[2] = {'\\', (char)ch};
            jw_raw(w, e, 2);
        } else {
            static const char hex[] = "0123456789abcdef";
            char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            jw_raw(w, e, 6);
        }
    }
    jw_raw(w, "\"", 1);
}

static void jw_int(jw_t *w, long v)
{
    if (v >= 0 && v < 10) { /* most weights and small scores */
        char d = (char)('0' + v);
        jw_raw(w, &d, 1);
        return;
    }
    char b[24];
    size_t n = 0;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    do {
        b[sizeof b - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        b[sizeof b - 1 - n++] = '-';
    jw_raw(w, b + sizeof b - n, n);
}

/* Append [",",] "name" or ["name",weight] as one item; 0 if it did not fit. */
static int jw_item(jw_t *w, int comma, const char *name, int with_weight, long weight)
{
    if (w->truncated)
        return 0;
    size_t mark = w->len;
    if (comma)
        jw_raw(w, ",", 1);
    if (with_weight)
        jw_raw(w, "[", 1);
    jw_str(w, name);
    if (with_weight) {
        jw_raw(w, ",", 1);
        jw_int(w, weight);
        jw_raw(w, "]", 1);
    }
    if (w->len + JW_RESERVE > w->size) {
        w->len = mark;
        w->buf[mark] = '\0';
        w->truncated = 1;
        return 0;
    }
    return 1;
}

/* jw_item() for an item rendered at load time: `item` holds what jw_item
 * would write for it without the comma, ["phrase",weight] (qlen: the quoted
 * phrase) or "name" (qlen 0). When it fits with room to spare it is one
 * copy; near the end of the buffer it is written piece by piece exactly as
 * jw_item would, so the output is the same byte for byte. */
static int jw_pre(jw_t *w, int comma, const char *item, size_t ilen, size_t qlen)
{
    if (w->truncated)
        return 0;
    size_t mark = w->len;
    if (mark + 1 + ilen + 1 + JW_RESERVE <= w->size) {
        if (comma)
            w->buf[w->len++] = ',';
        memcpy(w->buf + w->len, item, ilen);
        w->len += ilen;
        w->buf[w->len] = '\0';
        return 1;
    }
    if (comma)
        jw_raw(w, ",", 1);
    if (qlen == 0) {
        jw_raw(w, item, ilen);
    } else {
        jw_raw(w, item, 1);                          /* [ */
        jw_raw(w, item + 1, qlen);                   /* "phrase" */
        jw_raw(w, item + 1 + qlen, 1);               /* , */
        jw_raw(w, item + 2 + qlen, ilen - 3 - qlen); /* weight */
        jw_raw(w, item + ilen - 1, 1);               /* ] */
    }
    if (w->len + JW_RESERVE > w->size) {
        w->len = mark;
        w->buf[mark] = '\0';
        w->truncated = 1;
        return 0;
    }
    return 1;
}

static void quote(quoted_t *q, const char *name)
{
    jw_t w = {q->s, sizeof q->s, 0, 0};
    jw_str(&w, name);
    q->len = w.len;
}

/* The explain items of every scoring entry, and the quoted
 * category and urgency names (ASCII words: they always fit 64 bytes). */
static int render_items(classifier_t *c)
{
    for (int i = 0; i < CAT_COUNT; i++)
        quote(&c->cat_json[i], category_name((category_t)i));
    for (int i = 0; i < 3; i++)
        quote(&c->urg_json[i], urgency_name((urgency_t)i));
    size_t cap = 0;
    for (uint32_t i = 0; i < c->nentries; i++)
        if (c->entries[i].kind == K_SCORE)
            cap += (size_t)c->entries[i].plen * 6 + 32; /* worst case: all \u00XX */
    c->items = malloc(cap + 1);
    if (c->items == NULL)
        return -ENOMEM;
    size_t used = 0;
    for (uint32_t i = 0; i < c->nentries; i++) {
        entry_t *e = &c->entries[i];
        if (e->kind != K_SCORE)
            continue;
        if (used > UINT32_MAX)
            return -ENOMEM;
        jw_t w = {c->items + used, cap + 1 - used, 0, 0};
        jw_raw(&w, "[", 1);
        jw_str(&w, c->strings + e->phrase);
        e->qlen = (uint16_t)(w.len - 1);
        jw_raw(&w, ",", 1);
        jw_int(&w, e->weight);
        jw_raw(&w, "]", 1);
        e->item = (uint32_t)used;
        e->ilen = (uint16_t)w.len;
        used += w.len;
    }
    return 0;
}

static int has_cue(const uint64_t *present, const uint64_t *set, int all)
{
    for (int i = 0; i < CUE_WORDS; i++) {
        if (all && (present[i] & set[i]) != set[i])
            return 0;
        if (!all && (present[i] & set[i]))
            return 1;
    }
    return all;
}

/* The second opinion's part of the explain: written only when it was
 * consulted, early in the object and only when its structure fits with room
 * to spare, so the JSON stays valid. */
static void explain_fallback(jw_t *w, const classifier_t *c, const classification_t *out,
                             const ngram_result_t *nr)
{
    if (out->fallback == FALLBACK_NONE)
        return;
    if (w->truncated || w->len + JW_RESERVE + 256 > w->size) {
        w->truncated = 1;
        return;
    }
    jw_raw(w, ",\"fallback\":{\"decided\":", 23);
    if (out->fallback == FALLBACK_DECIDED)
        jw_raw(w, "true", 4);
    else
        jw_raw(w, "false", 5);
    jw_raw(w, ",\"model_category\":", 18);
    jw_raw(w, c->cat_json[nr->best].s, c->cat_json[nr->best].len);
    jw_raw(w, ",\"runner_up\":", 13);
    jw_raw(w, c->cat_json[nr->second].s, c->cat_json[nr->second].len);
    jw_raw(w, ",\"margin\":", 10);
    jw_int(w, nr->margin);
    jw_raw(w, ",\"needed\":", 10);
    jw_int(w, out->fallback_needed);
    jw_raw(w, ",\"known_features\":", 18);
    jw_int(w, (long)nr->known);
    jw_raw(w, ",\"features\":[", 13);
    for (int i = 0; i < nr->nfeat; i++) {
        char ft[12];
        ngram_feature_text(nr->feat[i], ft);
        jw_item(w, i > 0, ft, 1, nr->feat_weight[i]);
    }
    jw_raw(w, "]}", 2);
}

static void explain(const classifier_t *c, const scan_t *s, const classification_t *out,
                    int best_raw, const int *applied, int napplied, const ngram_result_t *nr,
                    char *buf, size_t bufsz)
{
    jw_t w = {buf, bufsz, 0, 0};
    buf[0] = '\0';
    jw_raw(&w, "{\"category\":", 12);
    jw_raw(&w, c->cat_json[out->category].s, c->cat_json[out->category].len);
    jw_raw(&w, ",\"urgency\":", 11);
    jw_raw(&w, c->urg_json[out->urgency].s, c->urg_json[out->urgency].len);
    jw_raw(&w, ",\"best_by_score\":", 17);
    jw_raw(&w, c->cat_json[best_raw].s, c->cat_json[best_raw].len);
    jw_raw(&w, ",\"rules\":[", 10);
    for (int i = 0; i < napplied; i++)
        jw_item(&w, i > 0, c->rules[applied[i]].name, 0, 0);
    jw_raw(&w, "]", 1);
    explain_fallback(&w, c, out, nr);
    jw_raw(&w, ",\"scores\":{", 11);
    int n;
    int ncat = 0;
    uint32_t fired = 0; /* categories with a live, non-zero scoring word */
    for (int i = 0; i < s->n; i++) {
        const entry_t *e = &c->entries[s->hits[i].id];
        if (s->hits[i].live && e->kind == K_SCORE && e->weight != 0)
            fired |= 1u << e->cat;
    }
    for (uint32_t left = fired; left != 0 && !w.truncated; left &= left - 1) {
        int cat = __builtin_ctz(left); /* the categories that fired, in order */
        /* the category key is an item too; its closing "]}" is structure */
        if (!jw_pre(&w, ncat > 0, c->cat_json[cat].s, c->cat_json[cat].len, 0))
            break;
        ncat++;
        jw_raw(&w, ":{\"score\":", 10);
        jw_int(&w, out->scores[cat]);
        jw_raw(&w, ",\"words\":[", 10);
        n = 0;
        for (int i = 0; i < s->n; i++) {
            const entry_t *e = &c->entries[s->hits[i].id];
            if (s->hits[i].live && e->kind == K_SCORE && e->cat == cat && e->weight != 0)
                n += jw_pre(&w, n > 0, c->items + e->item, e->ilen, e->qlen);
        }
        jw_raw(&w, "]}", 2);
    }
    jw_raw(&w, "}", 1);
    if (w.truncated || s->dropped)
        jw_raw(&w, ",\"truncated\":true", 17);
    jw_raw(&w, "}", 1);
}

/* Where rule `ru` moves a pick of `best`, or -1 when it does not apply
 * (wrong category, cues missing or ruled out, nowhere else to go). */
static int rule_target(const classifier_t *c, const rule_t *ru, const uint64_t *present,
                       const classification_t *out, int best)
{
    if (!(ru->when & (1u << best)))
        return -1;
    if (!has_cue(present, ru->req, 1) || has_cue(present, ru->unless, 0))
        return -1;
    int target = -1;
    if ((ru->then & (ru->then - 1)) == 0) {
        target = __builtin_ctz(ru->then);
    } else {
        for (int cat = 0; cat < CAT_COUNT; cat++)
            if ((ru->then & (1u << cat)) && out->scores[cat] >= c->min_score &&
                (target < 0 || out->scores[cat] > out->scores[target]))
                target = cat;
    }
    return target == best ? -1 : target;
}

/* The first rule that moves the lexicon's pick `best`, or -1. */
static int first_rule(const classifier_t *c, const uint64_t *present, const classification_t *out,
                      int best)
{
    for (int r = 0; r < c->nrules; r++)
        if (rule_target(c, &c->rules[r], present, out, best) >= 0)
            return r;
    return -1;
}

/* The fallback rule (docs/router.md, "Statistical second opinion"). The
 * model is consulted only when the lexicon's best score is below
 * `fallback_below` - absent, weak or split evidence - and not when the
 * lexicon's pick is an explicit "no demand" (greeting, thanks, wrong number).
 * It decides only when it names another category and is sure: its best
 * minus its runner-up must reach `fallback_margin` plus `fallback_per_point`
 * for every point the lexicon's best leads the lexicon's runner-up, so a
 * clear if modest lexicon verdict needs a much surer model to be overruled. */
static void consult_model(const classifier_t *c, const char *text, size_t len,
                          classification_t *out, int *best, ngram_result_t *nr)
{
    nr->best = nr->second = CAT_UNCLASSIFIED;
    nr->margin = 0;
    nr->known = 0;
    nr->nfeat = 0;
    if (c == NULL || c->model == NULL) /* not to be asked, or no model */
        return;
    int32_t top = 0, second = 0;
    int top_cat = -1;
    for (int cat = 0; cat < CAT_COUNT; cat++) {
        if (top_cat < 0 || out->scores[cat] > top) {
            second = top_cat < 0 ? 0 : top;
            top = out->scores[cat];
            top_cat = cat;
        } else if (out->scores[cat] > second) {
            second = out->scores[cat];
        }
    }
    if (top >= ngram_model_below(c->model))
        return;
    if (*best == CAT_UNCLASSIFIED && out->scores[CAT_UNCLASSIFIED] > 0 &&
        out->scores[CAT_UNCLASSIFIED] >= top)
        return;
    if (ngram_score(c->model, text ? text : "", text ? len : 0, nr) < 0)
        return;
    out->fallback = FALLBACK_KEPT;
    int64_t lead = (int64_t)top - (second > 0 ? second : 0);
    int64_t need = ngram_model_margin(c->model) + (int64_t)ngram_model_per_point(c->model) * lead;
    out->fallback_needed = need > INT32_MAX ? INT32_MAX : (int32_t)need;
    if (nr->best != CAT_UNCLASSIFIED && (int)nr->best != *best && nr->margin >= need) {
        *best = (int)nr->best;
        out->fallback = FALLBACK_DECIDED;
    }
}

/* Urgency cues mask only cues of their own group: what happens and to whom
 * (0), when (1), tags (2). So "还在往里灌" (water, what) keeps the "还在"
 * (now, when) inside it, while "现在没了" (over) hides its "现在" (now). */
static int urgency_group(uint8_t facet)
{
    switch (facet) {
    case UF_DANGER:
    case UF_HARM:
    case UF_SIGN:
    case UF_PERSON:
        return 0;
    case UF_TAG:
        return 2;
    case UF_MASK:
        return 3;
    default:
        return 1;
    }
}

/* The live urgency cues in text order (hits arrive in order of their end;
 * the decision reads clauses by start). Past URGENCY_MAX_CUES the rest is
 * dropped: a demand that long names its danger early. */
static void collect_urgency_cues(const classifier_t *c, const scan_t *s, classification_t *out)
{
    int n = 0;
    for (int i = 0; i < s->n && n < URGENCY_MAX_CUES; i++) {
        const entry_t *e = &c->entries[s->hits[i].id];
        if (!s->hits[i].live || e->kind != K_URG || e->cat == UF_MASK)
            continue;
        urgency_cue_t cue = {s->hits[i].start, s->hits[i].end, e->cat, (uint8_t)e->cue,
                             c->strings + e->phrase};
        int k = n++;
        while (k > 0 && out->ucues[k - 1].start > cue.start) {
            out->ucues[k] = out->ucues[k - 1];
            k--;
        }
        out->ucues[k] = cue;
    }
    out->n_ucues = (uint8_t)n;
}

int classifier_classify(const classifier_t *c, const char *text, size_t len, classification_t *out)
{
    if (out == NULL)
        return -EINVAL;
    memset(out->scores, 0, sizeof(out->scores));
    out->fallback = FALLBACK_NONE;
    out->fallback_needed = 0;
    out->category = CAT_UNCLASSIFIED;
    out->urgency = URG_NORMAL;
    out->n_ucues = 0;
    snprintf(out->explain, sizeof(out->explain), "{}");
    if (c == NULL || (text == NULL && len > 0))
        return -EINVAL;
    if (len > UINT32_MAX)
        len = UINT32_MAX;

    scan_t s;
    s.c = c;
    memset(s.present, 0, sizeof s.present);
    s.n = 0;
    s.dropped = 0;
    int rc = ac_scan(c->ac, text ? text : "", len, on_hit, &s);
    if (rc < 0)
        return rc;

    /* 1. containment within a kind (for urgency cues: within a group, see
     * urgency_group(); a mask covers every group) */
    for (int i = 0; i < s.n; i++) {
        const entry_t *ei = &c->entries[s.hits[i].id];
        uint32_t li = s.hits[i].end - s.hits[i].start;
        for (int j = 0; j < s.n; j++) {
            if (j == i)
                continue;
            const entry_t *ej = &c->entries[s.hits[j].id];
            if (ej->kind != ei->kind)
                continue;
            if (ei->kind == K_URG && ej->cat != UF_MASK &&
                urgency_group(ej->cat) != urgency_group(ei->cat))
                continue;
            if (s.hits[j].start <= s.hits[i].start && s.hits[j].end >= s.hits[i].end &&
                s.hits[j].end - s.hits[j].start > li) {
                s.hits[i].live = 0;
                break;
            }
        }
    }
    /* 2. negation, 3. once per phrase */
    const uint64_t *present = s.present;
    int negs[MAX_HITS];
    int nneg = 0;
    for (int i = 0; i < s.n; i++) {
        const entry_t *e = &c->entries[s.hits[i].id];
        if (s.hits[i].live && e->kind == K_NEG && e->weight > 0)
            negs[nneg++] = i;
    }
    for (int i = 0; i < s.n; i++) {
        hit_t *h = &s.hits[i];
        const entry_t *e = &c->entries[h->id];
        if (!h->live || e->kind == K_NEG)
            continue;
        /* time words and tags are not denied by a negator before them
         * ("不是现在" is rare, "没有人被困" is a mask of its own) */
        int negatable = e->kind != K_URG || urgency_group(e->cat) == 0;
        for (int k = 0; k < nneg && h->live && negatable; k++) {
            const hit_t *n = &s.hits[negs[k]];
            if (n->end <= h->start && h->start - n->end <= (uint32_t)c->negation_window)
                h->live = 0;
        }
        for (int j = 0; j < i && h->live; j++)
            if (s.hits[j].id == h->id && s.hits[j].live)
                h->live = 0;
        if (!h->live)
            continue;
        if (e->kind == K_SCORE)
            out->scores[e->cat] += e->weight;
    }
    collect_urgency_cues(c, &s, out);

    /* 4. best category */
    int best = CAT_UNCLASSIFIED;
    for (int cat = 0; cat < CAT_UNCLASSIFIED; cat++)
        if (best == CAT_UNCLASSIFIED ? out->scores[cat] > 0 : out->scores[cat] > out->scores[best])
            best = cat;
    if (best != CAT_UNCLASSIFIED &&
        (out->scores[best] < c->min_score || out->scores[CAT_UNCLASSIFIED] >= out->scores[best]))
        best = CAT_UNCLASSIFIED;
    int best_raw = best;

    /* 4b. the second opinion, when the lexicon's evidence is weak - but
     * not when a tie-break rule of section 4 settles the lexicon's pick:
     * a rule is explicit evidence (named cues), the model only a
     * likelihood, and letting it move the pick first would switch off
     * the very rule that tells the close categories apart. */
    ngram_result_t nr;
    int first = first_rule(c, present, out, best);
    consult_model(first >= 0 ? NULL : c, text, len, out, &best, &nr);

    /* 5. rules, top to bottom. The search above already passed over the
     * rules before `first` with this very pick, and found none at all when
     * first < 0: unless the model moved the pick, start where it stopped. */
    int applied[MAX_RULES];
    int napplied = 0;
    int start = first >= 0 ? first : best != best_raw ? 0 : c->nrules;
    for (int r = start; r < c->nrules; r++) {
        int target = rule_target(c, &c->rules[r], present, out, best);
        if (target < 0)
            continue;
        best = target;
        applied[napplied++] = r;
    }
    out->category = (category_t)best;

    /* 6. urgency, from the text alone (the router decides again with the
     * channel's word, see router_core.c) */
    urgency_input_t ui = {out->ucues, out->n_ucues, text, len, URG_UNSET, 0};
    if ((rc = urgency_decide(&ui, &out->udec)) < 0)
        return rc;
    out->urgency = out->udec.urgency;

    explain(c, &s, out, best_raw, applied, napplied, &nr, out->explain, sizeof(out->explain));
    return 0;
}
