/*
 * ngram.c - loads and scores the statistical second opinion (see ngram.h).
 *
 * The model file is untrusted input like every data file: the loader reads
 * it whole, checks every line and keeps going after a bad one so that the
 * operator sees every problem at once, and refuses the file if there was
 * any. Features live in one open-addressing table keyed by their code
 * points (no strings kept), each slot holding the feature's index; a
 * feature's weights are one dense row of int16 per category (zero where the
 * file lists none), so scoring a demand is one table probe per character and
 * per pair of characters and one fixed-length row addition (which the
 * compiler vectorises), without allocation. A dense row costs 48 bytes per
 * feature (~240 KB for the trained model) and replaced a walk over
 * (class, weight) pairs that cost ~130 instructions per common character.
 */
#include "ngram.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexicon.h"

#define MAX_FEATURES (1u << 22) /* far above any model we train (~5k) */
#define MAX_TRACK 512           /* features remembered per text for explain */
#define MAX_W 2047              /* weights fit 11 bits of a packed pair */
#define COMMON_PAIRS 4          /* more categories than this: a common character */
#define ROW 24                  /* CAT_COUNT rounded up to a multiple of 8 */
/* Row sums are added up in int16 lanes (eight per SSE2 add) and moved to
 * the int64 scores every FLUSH_EVERY features: weights are 1..MAX_W, and
 * FLUSH_EVERY x MAX_W = 32,752 stays below INT16_MAX. */
#define FLUSH_EVERY 16u
_Static_assert(FLUSH_EVERY *MAX_W <= INT16_MAX, "int16 row sums cannot overflow");

_Static_assert(CAT_COUNT <= ROW, "a weight row holds every category");

/* The common CJK block, whose unigrams are found by index, not probed. */
#define UNI_LO 0x3400u
#define UNI_N (0xA000u - UNI_LO)

/* A pending pair is (category << 11) | weight, weight 1..2047. */
typedef struct {
    uint64_t key;  /* (cp1 << 21) | cp2; cp2 == 0 for a unigram; 0 = empty */
    uint32_t feat; /* index into rows[] and common[] */
} slot_t;

typedef struct {
    int16_t w[ROW]; /* weight per category, 0 where the model lists none */
} row_t;

struct ngram_model {
    slot_t *slots;
    uint32_t mask; /* slots - 1, a power of two minus one */
    uint32_t nfeats;
    row_t *rows;     /* per feature */
    uint64_t *keys;  /* per feature: its key (for the explain) */
    uint8_t *common; /* per feature: listed for more than COMMON_PAIRS categories */
    uint32_t *uni;   /* unigrams U+3400..U+9FFF: feature + 1, 0 when unknown */
    uint32_t capfeats;
    uint16_t *pend; /* pairs of the line being parsed */
    uint32_t npend;
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

static const slot_t *lookup(const ngram_model_t *m, uint64_t key)
{
    for (uint32_t s = slot_of(key, m->mask);; s = (s + 1) & m->mask) {
        const slot_t *sl = &m->slots[s];
        if (sl->key == key)
            return sl;
        if (sl->key == 0)
            return NULL;
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
    slot_t *ns = calloc(nslots, sizeof(*ns));
    if (ns == NULL)
        return -ENOMEM;
    for (uint32_t i = 0; m->slots && i <= m->mask; i++) {
        if (m->slots[i].key == 0)
            continue;
        uint32_t s = slot_of(m->slots[i].key, nslots - 1);
        while (ns[s].key != 0)
            s = (s + 1) & (nslots - 1);
        ns[s] = m->slots[i];
    }
    free(m->slots);
    m->slots = ns;
    m->mask = nslots - 1;
    return 0;
}

/* Insert a feature with the pending pairs; 1 if the key was already there,
 * 0, or -ENOMEM. The table stays at most 3/4 full. */
static int add_feature(ngram_model_t *m, uint64_t key)
{
    if (m->slots == NULL || (uint64_t)(m->nfeats + 1) * 4 > ((uint64_t)m->mask + 1) * 3) {
        int rc = grow_table(m);
        if (rc < 0)
            return rc;
    }
    uint32_t s = slot_of(key, m->mask);
    for (; m->slots[s].key != 0; s = (s + 1) & m->mask)
        if (m->slots[s].key == key)
            return 1;
    if (m->nfeats == m->capfeats) {
        uint32_t ncap = m->capfeats ? m->capfeats * 2 : 1024;
        row_t *nr = realloc(m->rows, (size_t)ncap * sizeof(*nr));
        if (nr == NULL)
            return -ENOMEM;
        m->rows = nr;
        uint64_t *nk = realloc(m->keys, (size_t)ncap * sizeof(*nk));
        if (nk == NULL)
            return -ENOMEM;
        m->keys = nk;
        uint8_t *nc = realloc(m->common, ncap);
        if (nc == NULL)
            return -ENOMEM;
        m->common = nc;
        m->capfeats = ncap;
    }
    uint32_t f = m->nfeats;
    memset(&m->rows[f], 0, sizeof m->rows[f]);
    for (uint32_t i = 0; i < m->npend; i++)
        m->rows[f].w[m->pend[i] >> 11] = (int16_t)(m->pend[i] & MAX_W);
    m->keys[f] = key;
    m->common[f] = m->npend > COMMON_PAIRS;
    m->slots[s] = (slot_t){.key = key, .feat = f};
    m->nfeats++;
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

/* "i:w i:w ..." for an ngram line, into m->pend. */
static int parse_entries(ngram_model_t *m, const char *s, size_t len, report_t *r, unsigned line)
{
    uint32_t seen = 0;
    size_t i = 0;
    m->npend = 0;
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
            lex_parse_int(colon + 1, il - (size_t)(colon - item) - 1, 1, MAX_W, &w) < 0) {
            problem(r, line, "bad entry '%.*s' (want class:weight, weight 1..2047)", (int)il, item);
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
        m->pend[m->npend++] = (uint16_t)((unsigned)m->cls_cat[cls] << 11 | (unsigned)w);
    }
    if (m->npend == 0) {
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
            if (fl.n != 3) {
                problem(r, f->line, "expected: ngram<TAB>text<TAB>class:weight ...");
                continue;
            }
            if (parse_feature(fl.ptr[1], fl.len[1], &key) < 0) {
                problem(r, f->line, "bad n-gram (want one or two characters the tokeniser keeps)");
                continue;
            }
            if (parse_entries(m, fl.ptr[2], fl.len[2], r, f->line) < 0)
                continue;
            if (m->nfeats >= MAX_FEATURES) {
                problem(r, f->line, "too many n-grams (max %u)", MAX_FEATURES);
                return 0;
            }
            rc = add_feature(m, key);
            if (rc < 0)
                return rc;
            if (rc == 1)
                problem(r, f->line, "n-gram listed twice");
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

/* Every bigram's two characters must be unigrams of the model (scoring
 * relies on it, see on_token). */
static void check_bigrams(const ngram_model_t *m, report_t *r)
{
    for (uint32_t i = 0; m->slots && i <= m->mask; i++) {
        uint64_t k = m->slots[i].key;
        if (k == 0 || (k & 0x1FFFFF) == 0)
            continue;
        uint32_t cp[2] = {(uint32_t)(k >> 21), (uint32_t)(k & 0x1FFFFF)};
        if (lookup(m, key_of(cp[0], 0)) == NULL || lookup(m, key_of(cp[1], 0)) == NULL) {
            char ft[12];
            ngram_feature_text(cp, ft);
            problem(r, 0, "bigram '%s' without both its characters as unigrams", ft);
        }
    }
}

/* The direct index of the common CJK block's unigrams (110 KB): most
 * tokens of a demand are there, and an index costs less than a probe. */
static int index_unigrams(ngram_model_t *m)
{
    m->uni = calloc(UNI_N, sizeof(*m->uni));
    if (m->uni == NULL)
        return -ENOMEM;
    for (uint32_t i = 0; i < UNI_N; i++) {
        const slot_t *f = lookup(m, key_of(UNI_LO + i, 0));
        m->uni[i] = f ? f->feat + 1 : 0;
    }
    return 0;
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
    if (m != NULL)
        m->pend = malloc(CAT_COUNT * sizeof(uint16_t));
    if (m == NULL || m->pend == NULL) {
        free(m);
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
        char missing[200];
        size_t ml = 0;
        missing[0] = '\0';
        for (int c = 0; c < CAT_COUNT && ml < sizeof missing; c++)
            if (!(have_base & (1u << c)))
                ml += (size_t)snprintf(missing + ml, sizeof missing - ml, "%s%s", ml ? "," : "",
                                       category_name((category_t)c));
        if (have_base != (1u << CAT_COUNT) - 1)
            problem(&r, 0, "no base line for %s", missing);
        if (m->nfeats == 0)
            problem(&r, 0, "no ngram lines");
        check_bigrams(m, &r);
        if (r.problems > 0)
            rc = -EINVAL;
        else if ((rc = index_unigrams(m)) < 0)
            snprintf(err, errlen, "%s: out of memory", path);
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
    free(m->slots);
    free(m->rows);
    free(m->keys);
    free(m->common);
    free(m->uni);
    free(m->pend);
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
    int16_t acc[ROW]; /* row sums since the last flush */
    uint32_t pending; /* features added to acc since the last flush */
    uint32_t seen[MAX_TRACK];
    int nseen;
} score_t;

static void flush(score_t *s)
{
    for (int c = 0; c < CAT_COUNT; c++)
        s->out->scores[c] += s->acc[c];
    memset(s->acc, 0, sizeof s->acc);
    s->pending = 0;
}

static inline void add_feat(score_t *s, uint32_t f)
{
    const int16_t *w = s->m->rows[f].w;
    s->out->known++;
    for (int c = 0; c < ROW; c++) /* fixed length: vectorised */
        s->acc[c] = (int16_t)(s->acc[c] + w[c]);
    if (s->nseen < MAX_TRACK)
        s->seen[s->nseen++] = f;
    if (++s->pending == FLUSH_EVERY)
        flush(s);
}

/* The features that favour `best` over `second` most: weight for best minus
 * weight for the runner-up, strongest first, each feature once. Features
 * with more than four categories are skipped: they are common characters
 * that tell little. */
static void top_features(const score_t *s, ngram_result_t *out)
{
    const ngram_model_t *m = s->m;
    out->nfeat = 0;
    for (int i = 0; i < s->nseen; i++) {
        uint32_t f = s->seen[i];
        if (m->common[f])
            continue; /* common characters, in more than 4 categories: not telling */
        int32_t w = (int32_t)m->rows[f].w[out->best] - m->rows[f].w[out->second];
        if (w <= 0)
            continue;
        uint32_t a = (uint32_t)(m->keys[f] >> 21), b = (uint32_t)(m->keys[f] & 0x1FFFFF);
        int dup = 0;
        for (int k = 0; k < out->nfeat && !dup; k++)
            dup = out->feat[k][0] == a && out->feat[k][1] == b;
        if (dup)
            continue;
        int pos = out->nfeat;
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
        out->feat[pos][0] = a;
        out->feat[pos][1] = b;
        out->feat_weight[pos] = w;
        if (out->nfeat < NGRAM_TOP_FEATURES)
            out->nfeat++;
    }
}

/* The tokeniser's loop (see tokenise()) with scoring inline. A bigram is
 * looked up only when both its characters are known unigrams: a pair is
 * never seen more often than its characters, so the trainer's count
 * threshold keeps no bigram of an unknown character (the loader checks
 * this), and rare characters cost one probe instead of two. */
static void score_text(score_t *s, const unsigned char *text, size_t len)
{
    const ngram_model_t *m = s->m;
    uint32_t prev = 0;
    int prev_digit = 0, prev_known = 0;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        unsigned char c0 = text[i];
        if (c0 >= 0xE3 && c0 <= 0xE9 && len - i >= 3 && (text[i + 1] & 0xC0) == 0x80 &&
            (text[i + 2] & 0xC0) == 0x80) {
            /* a well-formed 3-byte character, as utf8_next would decode it */
            cp = ((uint32_t)(c0 & 0x0F) << 12) | ((uint32_t)(text[i + 1] & 0x3F) << 6) |
                 (uint32_t)(text[i + 2] & 0x3F);
            i += 3;
        } else {
            i += utf8_next(text + i, len - i, &cp);
        }
        int digit;
        uint32_t t = token_of(cp, &digit);
        if (t == 0) {
            prev = 0;
            prev_digit = 0;
            continue;
        }
        if (digit && prev_digit)
            continue; /* a run of digits is one token */
        uint32_t uf;  /* the unigram's feature + 1, 0 when unknown */
        if (t - UNI_LO < UNI_N) {
            uf = m->uni[t - UNI_LO];
        } else {
            const slot_t *f = lookup(m, key_of(t, 0));
            uf = f ? f->feat + 1 : 0;
        }
        int known = uf != 0;
        if (known)
            add_feat(s, uf - 1);
        const slot_t *f;
        if (known && prev != 0 && prev_known && (f = lookup(m, key_of(prev, t))) != NULL)
            add_feat(s, f->feat);
        prev_known = known;
        prev = t;
        prev_digit = digit;
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
    score_t s; /* seen[] is filled as it goes: no need to clear 2 KiB */
    s.m = m;
    s.out = out;
    memset(s.acc, 0, sizeof s.acc);
    s.pending = 0;
    s.nseen = 0;
    if (len > 0)
        score_text(&s, (const unsigned char *)text, len);
    flush(&s);
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
