/*
 * ngram.c - loads and scores the statistical second opinion (see ngram.h).
 *
 * The model file is untrusted input like every data file: the loader reads
 * it whole, checks every line and keeps going after a bad one so that the
 * operator sees every problem at once, and refuses the file if there was
 * any. Features live in one open-addressing table keyed by their code
 * points (no strings kept), each pointing at a run of (class, weight)
 * pairs, so scoring a demand is one table probe per character and per pair
 * of characters, without allocation.
 */
#include "ngram.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexicon.h"

#define MAX_FEATURES (1u << 22) /* far above any model we train (~12k) */
#define MAX_TRACK 512           /* features remembered per text for explain */

typedef struct {
    uint64_t key;   /* (cp1 << 21) | cp2; cp2 == 0 for a unigram */
    uint32_t first; /* index of its first (class, weight) pair */
    uint32_t count;
} feat_t;

struct ngram_model {
    feat_t *feats;
    uint32_t nfeats, capfeats;
    uint32_t *slots; /* feature index + 1; 0 = empty */
    uint32_t mask;   /* slots - 1, a power of two minus one */
    uint8_t *ent_cat;
    int16_t *ent_w;
    uint32_t nent, capent;
    int32_t base[CAT_COUNT];
    uint8_t cls_cat[CAT_COUNT]; /* class index (order of base lines) -> category */
    int ncls;
    int below, margin, per_point;
};

/* ------------------------------------------------------------ tokens */

static int is_cjk(uint32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x20000 && cp <= 0x3FFFF);
}

/* Decode one UTF-8 sequence at s (n bytes left); returns its length, with
 * *cp = 0 for an invalid byte (which then separates like punctuation). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2;
        v = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        v = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        v = c & 0x07;
    } else {
        *cp = 0;
        return 1;
    }
    if (len > n) {
        *cp = 0;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return len;
}

/* The token a code point makes (0 = separator); *digit says it is a digit,
 * which the caller folds with the digits right before it. */
static uint32_t token_of(uint32_t cp, int *digit)
{
    *digit = 0;
    if (is_cjk(cp) || (cp >= 'a' && cp <= 'z'))
        return cp;
    if (cp >= 'A' && cp <= 'Z')
        return cp + 32;
    if (cp >= '0' && cp <= '9') {
        *digit = 1;
        return '0';
    }
    return 0;
}

/* Tokenise s; calls fn(ud, token, previous token or 0) for each token. */
static int tokenise(const char *text, size_t len, int (*fn)(void *, uint32_t, uint32_t), void *ud)
{
    const unsigned char *s = (const unsigned char *)text;
    uint32_t prev = 0;
    int prev_digit = 0;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        i += utf8_next(s + i, len - i, &cp);
        int digit;
        uint32_t t = token_of(cp, &digit);
        if (t == 0) {
            prev = 0;
            prev_digit = 0;
            continue;
        }
        if (digit && prev_digit)
            continue; /* a run of digits is one token */
        int rc = fn(ud, t, prev);
        if (rc != 0)
            return rc;
        prev = t;
        prev_digit = digit;
    }
    return 0;
}

static uint64_t key_of(uint32_t a, uint32_t b)
{
    return ((uint64_t)a << 21) | b;
}

static uint32_t slot_of(uint64_t key, uint32_t mask)
{
    return (uint32_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & mask;
}

static const feat_t *lookup(const ngram_model_t *m, uint64_t key)
{
    for (uint32_t s = slot_of(key, m->mask);; s = (s + 1) & m->mask) {
        uint32_t v = m->slots[s];
        if (v == 0)
            return NULL;
        if (m->feats[v - 1].key == key)
            return &m->feats[v - 1];
    }
}

void ngram_feature_text(const uint32_t cp[2], char *buf)
{
    size_t n = 0;
    for (int i = 0; i < 2 && cp[i] != 0; i++) {
        uint32_t c = cp[i];
        if (c < 0x80) {
            buf[n++] = (char)c;
        } else if (c < 0x800) {
            buf[n++] = (char)(0xC0 | (c >> 6));
            buf[n++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            buf[n++] = (char)(0xE0 | (c >> 12));
            buf[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
            buf[n++] = (char)(0x80 | (c & 0x3F));
        } else {
            buf[n++] = (char)(0xF0 | (c >> 18));
            buf[n++] = (char)(0x80 | ((c >> 12) & 0x3F));
            buf[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
            buf[n++] = (char)(0x80 | (c & 0x3F));
        }
    }
    buf[n] = '\0';
}

/* ------------------------------------------------------------ loading */

typedef struct {
    const char *path;
    char *err;
    size_t errlen, used;
    int problems;
} report_t;

/* Append "path:line: reason; " to the report (as much as fits). */
static void problem(report_t *r, unsigned line, const char *fmt, ...)
{
    r->problems++;
    if (r->err == NULL || r->errlen == 0 || r->used + 1 >= r->errlen)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int n;
    if (line > 0)
        n = snprintf(r->err + r->used, r->errlen - r->used, "%s%s:%u: %s", r->used ? "; " : "",
                     r->path, line, msg);
    else
        n = snprintf(r->err + r->used, r->errlen - r->used, "%s%s: %s", r->used ? "; " : "",
                     r->path, msg);
    if (n < 0)
        return;
    r->used += (size_t)n;
    if (r->used >= r->errlen)
        r->used = r->errlen - 1; /* truncated: the rest does not fit */
}

static int grow_table(ngram_model_t *m)
{
    uint32_t nslots = m->slots ? (m->mask + 1) * 2 : 1024;
    uint32_t *ns = calloc(nslots, sizeof(*ns));
    if (ns == NULL)
        return -ENOMEM;
    for (uint32_t i = 0; i < m->nfeats; i++) {
        uint32_t s = slot_of(m->feats[i].key, nslots - 1);
        while (ns[s] != 0)
            s = (s + 1) & (nslots - 1);
        ns[s] = i + 1;
    }
    free(m->slots);
    m->slots = ns;
    m->mask = nslots - 1;
    return 0;
}

/* Insert a feature; 1 if the key was already there, 0, or -ENOMEM. */
static int add_feature(ngram_model_t *m, uint64_t key, uint32_t first, uint32_t count)
{
    if (m->slots == NULL || (uint64_t)(m->nfeats + 1) * 2 > (uint64_t)m->mask + 1) {
        int rc = grow_table(m);
        if (rc < 0)
            return rc;
    }
    uint32_t s = slot_of(key, m->mask);
    for (; m->slots[s] != 0; s = (s + 1) & m->mask)
        if (m->feats[m->slots[s] - 1].key == key)
            return 1;
    if (m->nfeats == m->capfeats) {
        uint32_t ncap = m->capfeats ? m->capfeats * 2 : 4096;
        feat_t *nf = realloc(m->feats, (size_t)ncap * sizeof(*nf));
        if (nf == NULL)
            return -ENOMEM;
        m->feats = nf;
        m->capfeats = ncap;
    }
    m->feats[m->nfeats] = (feat_t){.key = key, .first = first, .count = count};
    m->slots[s] = ++m->nfeats;
    return 0;
}

static int add_entry(ngram_model_t *m, uint8_t cat, int16_t w)
{
    if (m->nent == m->capent) {
        uint32_t ncap = m->capent ? m->capent * 2 : 8192;
        uint8_t *nc = realloc(m->ent_cat, ncap);
        if (nc == NULL)
            return -ENOMEM;
        m->ent_cat = nc;
        int16_t *nw = realloc(m->ent_w, (size_t)ncap * sizeof(*nw));
        if (nw == NULL)
            return -ENOMEM;
        m->ent_w = nw;
        m->capent = ncap;
    }
    m->ent_cat[m->nent] = cat;
    m->ent_w[m->nent] = w;
    m->nent++;
    return 0;
}

typedef struct {
    uint32_t tok[3];
    int n;
} toks_t;

static int collect(void *ud, uint32_t t, uint32_t prev)
{
    (void)prev;
    toks_t *x = ud;
    if (x->n < 3)
        x->tok[x->n] = t;
    x->n++;
    return 0;
}

/* The feature a model line names: its text must be exactly one or two
 * tokens (as the tokeniser makes them) and nothing else. */
static int parse_feature(const char *s, size_t len, uint64_t *key)
{
    if (lex_check_phrase(s, len) < 0)
        return -EINVAL;
    toks_t x = {{0, 0, 0}, 0};
    tokenise(s, len, collect, &x);
    if (x.n < 1 || x.n > 2)
        return -EINVAL;
    /* the text must re-encode to itself (no separators, no folding) */
    uint32_t cp[2] = {x.tok[0], x.n == 2 ? x.tok[1] : 0};
    char back[9];
    ngram_feature_text(cp, back);
    if (strlen(back) != len || memcmp(back, s, len) != 0)
        return -EINVAL;
    *key = key_of(cp[0], cp[1]);
    return 0;
}

/* "i:w i:w ..." for an ngram line. */
static int parse_entries(ngram_model_t *m, const char *s, size_t len, report_t *r, unsigned line,
                         uint32_t *count)
{
    uint32_t seen = 0;
    size_t i = 0;
    *count = 0;
    while (i < len) {
        size_t st = i;
        while (i < len && s[i] != ' ')
            i++;
        const char *item = s + st;
        size_t il = i - st;
        i++;
        if (il == 0)
            continue;
        const char *colon = memchr(item, ':', il);
        long cls, w;
        if (colon == NULL ||
            lex_parse_int(item, (size_t)(colon - item), 0, CAT_COUNT - 1, &cls) < 0 ||
            lex_parse_int(colon + 1, il - (size_t)(colon - item) - 1, 1, INT16_MAX, &w) < 0) {
            problem(r, line, "bad entry '%.*s' (want class:weight, weight 1..32767)", (int)il,
                    item);
            return -EINVAL;
        }
        if (cls >= m->ncls) {
            problem(r, line, "class %ld has no base line before it", cls);
            return -EINVAL;
        }
        if (seen & (1u << cls)) {
            problem(r, line, "class %ld listed twice", cls);
            return -EINVAL;
        }
        seen |= 1u << cls;
        if (add_entry(m, m->cls_cat[cls], (int16_t)w) < 0)
            return -ENOMEM;
        (*count)++;
    }
    if (*count == 0) {
        problem(r, line, "no class:weight entries");
        return -EINVAL;
    }
    return 0;
}

static int load_lines(ngram_model_t *m, lex_file_t *f, report_t *r, int *have_version,
                      int *have_below, int *have_margin, uint32_t *have_base)
{
    lex_fields_t fl;
    int rc;
    char lerr[256];
    for (;;) {
        rc = lex_next(f, &fl, lerr, sizeof lerr);
        if (rc == 0)
            return 0;
        if (rc < 0) {
            problem(r, f->line, "%s", strchr(lerr, ' ') ? strchr(lerr, ' ') + 1 : lerr);
            continue;
        }
        const char *k = fl.ptr[0];
        size_t kl = fl.len[0];
        long v;
        if (lex_field_is(k, kl, "ngram")) {
            uint64_t key;
            uint32_t count, first = m->nent;
            if (fl.n != 3) {
                problem(r, f->line, "expected: ngram<TAB>text<TAB>class:weight ...");
                continue;
            }
            if (parse_feature(fl.ptr[1], fl.len[1], &key) < 0) {
                problem(r, f->line, "bad n-gram (want one or two characters the tokeniser keeps)");
                continue;
            }
            rc = parse_entries(m, fl.ptr[2], fl.len[2], r, f->line, &count);
            if (rc == -ENOMEM)
                return rc;
            if (rc < 0) {
                m->nent = first;
                continue;
            }
            if (m->nfeats >= MAX_FEATURES) {
                problem(r, f->line, "too many n-grams (max %u)", MAX_FEATURES);
                return 0;
            }
            rc = add_feature(m, key, first, count);
            if (rc < 0)
                return rc;
            if (rc == 1) {
                problem(r, f->line, "n-gram listed twice");
                m->nent = first;
            }
        } else if (lex_field_is(k, kl, "base")) {
            int cat;
            if (fl.n != 3) {
                problem(r, f->line, "expected: base<TAB>category<TAB>integer");
                continue;
            }
            cat = category_from_name(fl.ptr[1], fl.len[1]);
            if (cat < 0) {
                problem(r, f->line, "unknown category '%.*s'",
                        (int)(fl.len[1] > 64 ? 64 : fl.len[1]), fl.ptr[1]);
                continue;
            }
            if (*have_base & (1u << cat)) {
                problem(r, f->line, "base of %s given twice", category_name((category_t)cat));
                continue;
            }
            if (m->nfeats > 0) {
                problem(r, f->line, "base line after the first ngram line");
                continue;
            }
            if (lex_parse_int(fl.ptr[2], fl.len[2], -100000, 0, &v) < 0) {
                problem(r, f->line, "bad base (integer -100000..0)");
                continue;
            }
            *have_base |= 1u << cat;
            m->base[cat] = (int32_t)v;
            m->cls_cat[m->ncls++] = (uint8_t)cat;
        } else if (lex_field_is(k, kl, "version")) {
            if (fl.n != 2 || lex_parse_int(fl.ptr[1], fl.len[1], 1, 1, &v) < 0)
                problem(r, f->line, "unsupported version (this router reads version 1)");
            else
                *have_version = 1;
        } else if (lex_field_is(k, kl, "fallback_below")) {
            if (fl.n != 2 || lex_parse_int(fl.ptr[1], fl.len[1], 0, 100000, &v) < 0) {
                problem(r, f->line, "bad fallback_below (integer 0..100000)");
                continue;
            }
            m->below = (int)v;
            *have_below = 1;
        } else if (lex_field_is(k, kl, "fallback_margin")) {
            if (fl.n != 2 || lex_parse_int(fl.ptr[1], fl.len[1], 0, 1000000, &v) < 0) {
                problem(r, f->line, "bad fallback_margin (integer 0..1000000)");
                continue;
            }
            m->margin = (int)v;
            *have_margin |= 1;
        } else if (lex_field_is(k, kl, "fallback_per_point")) {
            if (fl.n != 2 || lex_parse_int(fl.ptr[1], fl.len[1], 0, 1000000, &v) < 0) {
                problem(r, f->line, "bad fallback_per_point (integer 0..1000000)");
                continue;
            }
            m->per_point = (int)v;
            *have_margin |= 2;
        } else {
            problem(r, f->line, "unknown line kind '%.*s'", (int)(kl > 32 ? 32 : kl), k);
        }
    }
}

int ngram_load(const char *path, ngram_model_t **out, char *err, size_t errlen)
{
    char dummy[8];
    if (err == NULL || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    if (path == NULL || out == NULL) {
        snprintf(err, errlen, "ngram_load: null argument");
        return -EINVAL;
    }
    *out = NULL;
    lex_file_t f;
    int rc = lex_open(&f, path, err, errlen);
    if (rc < 0)
        return rc;
    ngram_model_t *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        lex_close(&f);
        return -ENOMEM;
    }
    report_t r = {path, err, errlen, 0, 0};
    int have_version = 0, have_below = 0, have_margin = 0;
    uint32_t have_base = 0;
    rc = load_lines(m, &f, &r, &have_version, &have_below, &have_margin, &have_base);
    lex_close(&f);
    if (rc == 0) {
        if (!have_version)
            problem(&r, 0, "no version line");
        if (!have_below)
            problem(&r, 0, "no fallback_below line");
        if (!(have_margin & 1))
            problem(&r, 0, "no fallback_margin line");
        if (!(have_margin & 2))
            problem(&r, 0, "no fallback_per_point line");
        for (int c = 0; c < CAT_COUNT; c++)
            if (!(have_base & (1u << c)))
                problem(&r, 0, "no base line for %s", category_name((category_t)c));
        if (m->nfeats == 0)
            problem(&r, 0, "no ngram lines");
        if (r.problems > 0)
            rc = -EINVAL;
    } else {
        snprintf(err, errlen, "%s: out of memory", path);
    }
    if (rc < 0) {
        ngram_destroy(&m);
        return rc;
    }
    *out = m;
    return 0;
}

void ngram_destroy(ngram_model_t **mp)
{
    if (mp == NULL || *mp == NULL)
        return;
    ngram_model_t *m = *mp;
    free(m->feats);
    free(m->slots);
    free(m->ent_cat);
    free(m->ent_w);
    free(m);
    *mp = NULL;
}

int ngram_model_below(const ngram_model_t *m)
{
    return m ? m->below : 0;
}

int ngram_model_margin(const ngram_model_t *m)
{
    return m ? m->margin : 0;
}

int ngram_model_per_point(const ngram_model_t *m)
{
    return m ? m->per_point : 0;
}

size_t ngram_model_size(const ngram_model_t *m)
{
    return m ? m->nfeats : 0;
}

/* ------------------------------------------------------------ scoring */

typedef struct {
    const ngram_model_t *m;
    ngram_result_t *out;
    const feat_t *seen[MAX_TRACK];
    int nseen;
} score_t;

static void add_feat(score_t *s, const feat_t *f)
{
    const ngram_model_t *m = s->m;
    s->out->known++;
    for (uint32_t i = 0; i < f->count; i++)
        s->out->scores[m->ent_cat[f->first + i]] += m->ent_w[f->first + i];
    if (s->nseen < MAX_TRACK)
        s->seen[s->nseen++] = f;
}

static int on_token(void *ud, uint32_t t, uint32_t prev)
{
    score_t *s = ud;
    const feat_t *f = lookup(s->m, key_of(t, 0));
    if (f != NULL)
        add_feat(s, f);
    if (prev != 0 && (f = lookup(s->m, key_of(prev, t))) != NULL)
        add_feat(s, f);
    return 0;
}

/* Weight of a feature for one category (0 when it has none). */
static int32_t weight_for(const ngram_model_t *m, const feat_t *f, category_t cat)
{
    for (uint32_t i = 0; i < f->count; i++)
        if (m->ent_cat[f->first + i] == cat)
            return m->ent_w[f->first + i];
    return 0;
}

static void top_features(const score_t *s, ngram_result_t *out)
{
    const ngram_model_t *m = s->m;
    out->nfeat = 0;
    for (int i = 0; i < s->nseen; i++) {
        const feat_t *f = s->seen[i];
        int32_t w = weight_for(m, f, out->best);
        if (w <= 0)
            continue;
        int dup = 0;
        for (int k = 0; k < out->nfeat && !dup; k++)
            dup = out->feat[k][0] == (uint32_t)(f->key >> 21) &&
                  out->feat[k][1] == (uint32_t)(f->key & 0x1FFFFF);
        if (dup)
            continue;
        int pos = out->nfeat < NGRAM_TOP_FEATURES ? out->nfeat : NGRAM_TOP_FEATURES;
        while (pos > 0 && out->feat_weight[pos - 1] < w)
            pos--;
        if (pos >= NGRAM_TOP_FEATURES)
            continue;
        int last = out->nfeat < NGRAM_TOP_FEATURES ? out->nfeat : NGRAM_TOP_FEATURES - 1;
        for (int k = last; k > pos; k--) {
            out->feat[k][0] = out->feat[k - 1][0];
            out->feat[k][1] = out->feat[k - 1][1];
            out->feat_weight[k] = out->feat_weight[k - 1];
        }
        out->feat[pos][0] = (uint32_t)(f->key >> 21);
        out->feat[pos][1] = (uint32_t)(f->key & 0x1FFFFF);
        out->feat_weight[pos] = w;
        if (out->nfeat < NGRAM_TOP_FEATURES)
            out->nfeat++;
    }
}

int ngram_score(const ngram_model_t *m, const char *text, size_t len, ngram_result_t *out)
{
    if (out == NULL)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->best = CAT_UNCLASSIFIED;
    out->second = CAT_UNCLASSIFIED;
    if (m == NULL || (text == NULL && len > 0))
        return -EINVAL;
    score_t s = {.m = m, .out = out, .nseen = 0};
    if (len > 0)
        tokenise(text, len, on_token, &s);
    if (out->known == 0)
        return 0;
    int best = -1, second = -1;
    for (int c = 0; c < CAT_COUNT; c++) {
        out->scores[c] += (int64_t)out->known * m->base[c];
        if (best < 0 || out->scores[c] > out->scores[best]) {
            second = best;
            best = c;
        } else if (second < 0 || out->scores[c] > out->scores[second]) {
            second = c;
        }
    }
    out->best = (category_t)best;
    out->second = (category_t)second;
    int64_t d = out->scores[best] - out->scores[second];
    out->margin = d > INT32_MAX ? INT32_MAX : (int32_t)d;
    top_features(&s, out);
    return 0;
}
