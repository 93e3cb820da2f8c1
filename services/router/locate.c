/*
 * locate.c - compound locator (see locate.h).
 *
 * Words are normalised once at build time and kept in one pool; identical
 * words are stored once, owned by the first compound in registry order.
 * Stems are vetted with a second, temporary matcher: every candidate stem
 * is searched in every unit name and alias, and a stem found inside another
 * unit's words (e.g. 木头龙 of 木头龙新村 inside 木头龙社区) is dropped.
 */
#include "locate.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ac.h"

typedef struct {
    int32_t unit;
    uint32_t off; /* into pool */
    uint32_t len;
    uint8_t kind; /* loc_word_kind_t */
} pattern_t;

struct locator {
    const registry_t *reg;
    ac_matcher_t *ac;
    pattern_t *pats;
    size_t n_pats, cap_pats;
    char *pool;
    size_t pool_len, pool_cap;
    /* word -> pattern hash for de-duplication at build time */
    int32_t *hash;
    size_t hash_mask;
};

static const char *const generic_suffixes[] = {"花园", "家园", "小区", "公寓", "新村",
                                               "山庄", "大厦", "雅苑", "花苑", "嘉园"};

#define STEM_MIN_CHARS 3
/* a one-character name or alias ("园", "A") would match almost anything */
#define WORD_MIN_CHARS 2

static size_t utf8_chars(const char *s, size_t len);

const char *loc_source_name(loc_source_t s)
{
    switch (s) {
    case LOC_CODE:
        return "code";
    case LOC_ADDRESS:
        return "address";
    case LOC_TEXT:
        return "text";
    default:
        return "none";
    }
}

const char *loc_word_kind_name(loc_word_kind_t k)
{
    switch (k) {
    case WORD_ALIAS:
        return "alias";
    case WORD_STEM:
        return "stem";
    default:
        return "name";
    }
}

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 256;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SIZE_MAX / elem)
        return -ENOMEM;
    void *np = realloc(*p, ncap * elem);
    if (np == NULL)
        return -ENOMEM;
    *p = np;
    *cap = ncap;
    return 0;
}

static int rehash(locator_t *l, size_t want)
{
    size_t size = 64;
    while (size < want * 2)
        size *= 2;
    int32_t *h = malloc(size * sizeof(int32_t));
    if (h == NULL)
        return -ENOMEM;
    memset(h, 0xff, size * sizeof(int32_t));
    for (size_t i = 0; i < l->n_pats; i++) {
        size_t j = hash_bytes(l->pool + l->pats[i].off, l->pats[i].len) & (size - 1);
        while (h[j] >= 0)
            j = (j + 1) & (size - 1);
        h[j] = (int32_t)i;
    }
    free(l->hash);
    l->hash = h;
    l->hash_mask = size - 1;
    return 0;
}

static int find_word(const locator_t *l, const char *w, size_t len)
{
    if (l->hash == NULL)
        return -1;
    size_t j = hash_bytes(w, len) & l->hash_mask;
    while (l->hash[j] >= 0) {
        const pattern_t *p = &l->pats[l->hash[j]];
        if (p->len == len && memcmp(l->pool + p->off, w, len) == 0)
            return l->hash[j];
        j = (j + 1) & l->hash_mask;
    }
    return -1;
}

/* Add a word (already normalised); a word already present is kept by its
 * first owner. Returns 0 or -ENOMEM. */
static int add_word(locator_t *l, int32_t unit, const char *w, size_t len, loc_word_kind_t kind)
{
    if (len == 0 || len > UINT32_MAX / 2 || utf8_chars(w, len) < WORD_MIN_CHARS)
        return 0;
    if (find_word(l, w, len) >= 0)
        return 0;
    if (l->pool_len + len + 1 > UINT32_MAX)
        return -ENOMEM;
    if (grow((void **)&l->pats, &l->cap_pats, l->n_pats + 1, sizeof(pattern_t)) < 0 ||
        grow((void **)&l->pool, &l->pool_cap, l->pool_len + len + 1, 1) < 0)
        return -ENOMEM;
    pattern_t *p = &l->pats[l->n_pats++];
    p->unit = unit;
    p->off = (uint32_t)l->pool_len;
    p->len = (uint32_t)len;
    p->kind = (uint8_t)kind;
    memcpy(l->pool + l->pool_len, w, len);
    l->pool[l->pool_len + len] = '\0';
    l->pool_len += len + 1;
    if (l->hash == NULL || l->n_pats * 2 > l->hash_mask + 1)
        return rehash(l, l->n_pats * 2);
    size_t j = hash_bytes(w, len) & l->hash_mask;
    while (l->hash[j] >= 0)
        j = (j + 1) & l->hash_mask;
    l->hash[j] = (int32_t)(l->n_pats - 1);
    return 0;
}

/* Normalise s into a growing scratch buffer. */
static int norm(const normalizer_t *n, const char *s, char **buf, size_t *cap, size_t *len)
{
    size_t slen = strlen(s);
    size_t need = normalize_bound(slen);
    if (grow((void **)buf, cap, need, 1) < 0)
        return -ENOMEM;
    int rc = normalize_text(n, s, slen, *buf, *cap, len);
    if (rc == -ENOSPC && *len > 0) {
        if (grow((void **)buf, cap, *len + 1, 1) < 0)
            return -ENOMEM;
        rc = normalize_text(n, s, slen, *buf, *cap, len);
    }
    return rc;
}

static size_t utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

/* Candidate stem of a normalised word: length of the word without a
 * generic suffix, or 0. */
static size_t stem_len(const char *w, size_t len)
{
    for (size_t i = 0; i < sizeof generic_suffixes / sizeof generic_suffixes[0]; i++) {
        size_t sl = strlen(generic_suffixes[i]);
        if (len > sl && memcmp(w + len - sl, generic_suffixes[i], sl) == 0) {
            if (utf8_chars(w, len - sl) >= STEM_MIN_CHARS)
                return len - sl;
            return 0;
        }
    }
    return 0;
}

typedef struct {
    int32_t unit;
    uint32_t off, len;
    int dead;
} stem_t;

typedef struct {
    stem_t *stems;
    int32_t cur_unit;
} stem_scan_t;

static int stem_hit(void *ud, uint32_t id, size_t start, size_t end)
{
    (void)start;
    (void)end;
    stem_scan_t *s = ud;
    if (s->stems[id].unit != s->cur_unit)
        s->stems[id].dead = 1;
    return 0;
}

/* Normalised words of every unit (all tiers), as offsets into a pool. */
typedef struct {
    int32_t unit;
    uint32_t off, len;
    uint8_t kind;
} word_t;

static int collect_words(const locator_t *l, const normalizer_t *n, word_t **words, size_t *nw,
                         char **pool, size_t *pool_len)
{
    size_t capw = 0, capp = 0;
    char *buf = NULL;
    size_t bcap = 0, blen;
    int rc = 0;
    *words = NULL;
    *nw = 0;
    *pool = NULL;
    *pool_len = 0;
    for (size_t u = 0; u < registry_unit_count(l->reg) && rc == 0; u++) {
        const reg_unit_t *ru = registry_unit(l->reg, u);
        for (size_t a = 0; a <= ru->n_aliases && rc == 0; a++) {
            const char *s = a == 0 ? ru->name : ru->aliases[a - 1];
            rc = norm(n, s, &buf, &bcap, &blen);
            if (rc < 0)
                break;
            if (blen == 0)
                continue;
            if (*pool_len + blen + 1 > UINT32_MAX ||
                grow((void **)words, &capw, *nw + 1, sizeof(word_t)) < 0 ||
                grow((void **)pool, &capp, *pool_len + blen + 1, 1) < 0) {
                rc = -ENOMEM;
                break;
            }
            (*words)[*nw] = (word_t){.unit = (int32_t)u,
                                     .off = (uint32_t)*pool_len,
                                     .len = (uint32_t)blen,
                                     .kind = a == 0 ? WORD_NAME : WORD_ALIAS};
            (*nw)++;
            assert(*pool != NULL && buf != NULL); /* grown and normalised above */
            memcpy(*pool + *pool_len, buf, blen + 1);
            *pool_len += blen + 1;
        }
    }
    free(buf);
    return rc;
}

/* Patterns are added to a matcher in byte order: the trie's newest child
 * is then always the one to extend, so adding costs no sibling search (it
 * dominated the load of a large registry). Ids are unchanged. */
typedef struct {
    uint32_t off, len, id;
} sort_item_t;

static int cmp_item(const void *a, const void *b, void *pool)
{
    const sort_item_t *x = a, *y = b;
    const char *p = pool;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(p + x->off, p + y->off, n);
    if (c != 0)
        return c;
    return (x->len > y->len) - (x->len < y->len);
}

static int add_sorted(ac_matcher_t *m, const char *pool, sort_item_t *items, size_t n)
{
    qsort_r(items, n, sizeof(*items), cmp_item, (void *)pool);
    for (size_t i = 0; i < n; i++) {
        int rc = ac_add(m, pool + items[i].off, items[i].len, items[i].id);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int build(locator_t *l, const normalizer_t *n)
{
    word_t *words = NULL;
    char *wpool = NULL;
    size_t nw = 0, wpool_len = 0;
    stem_t *stems = NULL;
    size_t ns = 0, caps = 0;
    ac_matcher_t *sm = NULL;
    int rc = collect_words(l, n, &words, &nw, &wpool, &wpool_len);
    /* 1. names and aliases of compounds */
    for (size_t i = 0; i < nw && rc == 0; i++) {
        const reg_unit_t *ru = registry_unit(l->reg, (size_t)words[i].unit);
        if (ru->kind != TIER_COMPOUND)
            continue;
        rc = add_word(l, words[i].unit, wpool + words[i].off, words[i].len,
                      (loc_word_kind_t)words[i].kind);
    }
    /* 2. stem candidates */
    for (size_t i = 0; i < nw && rc == 0; i++) {
        const reg_unit_t *ru = registry_unit(l->reg, (size_t)words[i].unit);
        if (ru->kind != TIER_COMPOUND)
            continue;
        size_t sl = stem_len(wpool + words[i].off, words[i].len);
        if (sl == 0)
            continue;
        if (grow((void **)&stems, &caps, ns + 1, sizeof(stem_t)) < 0) {
            rc = -ENOMEM;
            break;
        }
        stems[ns++] = (stem_t){.unit = words[i].unit, .off = words[i].off, .len = (uint32_t)sl};
    }
    /* 3. drop stems found inside another unit's words */
    if (rc == 0 && ns > 0) {
        rc = ac_create(&sm);
        sort_item_t *items = rc == 0 ? malloc(ns * sizeof(*items)) : NULL;
        if (rc == 0 && items == NULL)
            rc = -ENOMEM;
        for (size_t i = 0; i < ns && rc == 0; i++)
            items[i] = (sort_item_t){stems[i].off, stems[i].len, (uint32_t)i};
        if (rc == 0)
            rc = add_sorted(sm, wpool, items, ns);
        free(items);
        if (rc == 0)
            rc = ac_build(sm);
        stem_scan_t sc = {.stems = stems};
        for (size_t i = 0; i < nw && rc == 0; i++) {
            sc.cur_unit = words[i].unit;
            ac_scan(sm, wpool + words[i].off, words[i].len, stem_hit, &sc);
        }
        for (size_t i = 0; i < ns && rc == 0; i++) {
            if (stems[i].dead)
                continue;
            int existing = find_word(l, wpool + stems[i].off, stems[i].len);
            if (existing >= 0)
                continue; /* already a name or alias (of this unit: the scan
                             would have killed it otherwise) */
            rc = add_word(l, stems[i].unit, wpool + stems[i].off, stems[i].len, WORD_STEM);
        }
    }
    ac_destroy(&sm);
    free(stems);
    free(words);
    free(wpool);
    /* 4. the matcher */
    if (rc == 0)
        rc = ac_create(&l->ac);
    sort_item_t *items = rc == 0 && l->n_pats > 0 ? malloc(l->n_pats * sizeof(*items)) : NULL;
    if (rc == 0 && l->n_pats > 0 && items == NULL)
        rc = -ENOMEM;
    for (size_t i = 0; i < l->n_pats && rc == 0; i++)
        items[i] = (sort_item_t){l->pats[i].off, l->pats[i].len, (uint32_t)i};
    if (rc == 0 && l->n_pats > 0)
        rc = add_sorted(l->ac, l->pool, items, l->n_pats);
    free(items);
    if (rc == 0)
        rc = ac_build(l->ac);
    free(l->hash);
    l->hash = NULL;
    return rc;
}

int locator_create(const registry_t *r, const normalizer_t *n, locator_t **out)
{
    if (out == NULL)
        return -EINVAL;
    *out = NULL;
    if (r == NULL || n == NULL)
        return -EINVAL;
    locator_t *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return -ENOMEM;
    l->reg = r;
    int rc = build(l, n);
    if (rc < 0) {
        locator_destroy(&l);
        return rc;
    }
    *out = l;
    return 0;
}

void locator_destroy(locator_t **lp)
{
    if (lp == NULL || *lp == NULL)
        return;
    locator_t *l = *lp;
    ac_destroy(&l->ac);
    free(l->pats);
    free(l->pool);
    free(l->hash);
    free(l);
    *lp = NULL;
}

size_t locator_pattern_count(const locator_t *l)
{
    return l ? l->n_pats : 0;
}

size_t locator_memory(const locator_t *l)
{
    if (l == NULL)
        return 0;
    return sizeof(*l) + l->cap_pats * sizeof(pattern_t) + l->pool_cap + ac_memory(l->ac);
}

/* A stem counts only where the compound's name would plausibly have ended:
 * end of text, ASCII digit/letter/punctuation/space, or a building word. */
static bool stem_boundary_ok(const char *s, size_t len, size_t end)
{
    if (end >= len)
        return true;
    unsigned char c = (unsigned char)s[end];
    if (c < 0x80)
        return true;
    static const char *const next_ok[] = {"栋", "幢", "号", "楼", "座", "期", "单", "区",
                                          "小", "，", "。", "、", "：", "；", "（", "）"};
    for (size_t i = 0; i < sizeof next_ok / sizeof next_ok[0]; i++) {
        size_t nl = strlen(next_ok[i]);
        if (len - end >= nl && memcmp(s + end, next_ok[i], nl) == 0)
            return true;
    }
    return false;
}

typedef struct {
    const locator_t *l;
    const char *s;
    size_t len;
    int32_t best;
    size_t best_start, best_end;
} best_scan_t;

static int best_hit(void *ud, uint32_t id, size_t start, size_t end)
{
    best_scan_t *b = ud;
    const pattern_t *p = &b->l->pats[id];
    if (p->kind == WORD_STEM && !stem_boundary_ok(b->s, b->len, end))
        return 0;
    if (b->best < 0 || end - start > b->best_end - b->best_start) {
        b->best = (int32_t)id;
        b->best_start = start;
        b->best_end = end;
    }
    return 0;
}

static bool scan_best(const locator_t *l, const char *s, size_t len, location_t *out,
                      loc_source_t src)
{
    if (s == NULL || len == 0 || l->ac == NULL)
        return false;
    best_scan_t b = {.l = l, .s = s, .len = len, .best = -1};
    ac_scan(l->ac, s, len, best_hit, &b);
    if (b.best < 0)
        return false;
    const pattern_t *p = &l->pats[b.best];
    out->unit = p->unit;
    out->source = src;
    out->kind = (loc_word_kind_t)p->kind;
    out->word = l->pool + p->off;
    out->start = b.best_start;
    out->end = b.best_end;
    return true;
}

/* When nothing matched and the text holds spaces between Chinese characters
 * ("锦绣 家园"), scan a copy without those spaces; offsets are mapped back. */
static bool scan_squeezed(const locator_t *l, const char *s, size_t len, location_t *out,
                          loc_source_t src)
{
    if (s == NULL || len < 3 || memchr(s, ' ', len) == NULL)
        return false;
    char *c = malloc(len);
    size_t *map = malloc((len + 1) * sizeof(size_t));
    bool found = false;
    if (c != NULL && map != NULL) {
        size_t o = 0;
        for (size_t i = 0; i < len; i++) {
            if (s[i] == ' ' && i > 0 && i + 1 < len && (unsigned char)s[i - 1] >= 0x80 &&
                (unsigned char)s[i + 1] >= 0x80)
                continue;
            c[o] = s[i];
            map[o++] = i;
        }
        if (o < len && scan_best(l, c, o, out, src)) {
            out->start = map[out->start];
            out->end = map[out->end - 1] + 1;
            found = true;
        }
    }
    free(c);
    free(map);
    return found;
}

int locator_locate(const locator_t *l, const char *code, size_t code_len, const char *addr,
                   size_t addr_len, const char *text, size_t text_len, location_t *out)
{
    if (out == NULL)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->unit = -1;
    if (l == NULL)
        return -EINVAL;
    if (code != NULL && code_len > 0) {
        int u = registry_unit_find(l->reg, code, code_len);
        if (u >= 0 && registry_unit(l->reg, (size_t)u)->kind == TIER_COMPOUND) {
            out->unit = u;
            out->source = LOC_CODE;
            return 0;
        }
        out->code_unknown = true;
    }
    if (scan_best(l, addr, addr_len, out, LOC_ADDRESS) ||
        scan_squeezed(l, addr, addr_len, out, LOC_ADDRESS))
        return 0;
    if (!scan_best(l, text, text_len, out, LOC_TEXT))
        scan_squeezed(l, text, text_len, out, LOC_TEXT);
    return 0;
}

/* One scan of the text serves both stripping (every byte covered by a
 * compound word) and, when `best` is set, locating in the text (the longest
 * word, as best_hit). */
typedef struct {
    const locator_t *l;
    const char *s;
    size_t len;
    uint8_t *cover; /* 1 per byte covered by a match */
    bool covered;   /* some byte is */
    best_scan_t *best;
} strip_scan_t;

static int strip_hit(void *ud, uint32_t id, size_t start, size_t end)
{
    strip_scan_t *st = ud;
    if (st->l->pats[id].kind == WORD_STEM && !stem_boundary_ok(st->s, st->len, end))
        return 0;
    memset(st->cover + start, 1, end - start);
    st->covered = true;
    if (st->best != NULL)
        best_hit(st->best, id, start, end);
    return 0;
}

#define COVER_STACK 4096

static int strip_scan(const locator_t *l, const char *text, size_t len, char *out, size_t cap,
                      size_t *out_len, best_scan_t *best)
{
    if (out_len != NULL)
        *out_len = 0;
    if (l == NULL || out == NULL || cap == 0 || (text == NULL && len > 0))
        return -EINVAL;
    if (cap < len + 1)
        return -ENOSPC;
    /* demands are short: the cover map lives on the stack unless huge */
    uint8_t stack_cover[COVER_STACK];
    uint8_t *cover = len <= COVER_STACK ? stack_cover : malloc(len);
    if (cover == NULL)
        return -ENOMEM;
    memset(cover, 0, len ? len : 0);
    bool covered = false;
    if (len > 0 && l->ac != NULL) {
        strip_scan_t st = {.l = l, .s = text, .len = len, .cover = cover, .best = best};
        ac_scan(l->ac, text, len, strip_hit, &st);
        covered = st.covered;
    }
    size_t o = 0;
    /* Nothing to strip (most demands): the loop below with cover[] all zero,
     * copying the runs between spaces whole. */
    for (size_t i = 0; i < len && !covered;) {
        if (text[i] == ' ') {
            while (i < len && text[i] == ' ')
                i++;
            if (o > 0 && i < len)
                out[o++] = ' ';
            continue;
        }
        const char *sp = memchr(text + i, ' ', len - i);
        size_t run = sp != NULL ? (size_t)(sp - text) - i : len - i;
        memcpy(out + o, text + i, run);
        o += run;
        i += run;
    }
    for (size_t i = 0; i < len && covered;) {
        if (cover[i] || text[i] == ' ') {
            while (i < len && (cover[i] || text[i] == ' '))
                i++;
            if (o > 0 && i < len)
                out[o++] = ' ';
            continue;
        }
        out[o++] = text[i++];
    }
    out[o] = '\0';
    if (cover != stack_cover)
        free(cover);
    if (out_len != NULL)
        *out_len = o;
    return 0;
}

int locator_strip(const locator_t *l, const char *text, size_t len, char *out, size_t cap,
                  size_t *out_len)
{
    return strip_scan(l, text, len, out, cap, out_len, NULL);
}

int locator_locate_strip(const locator_t *l, const char *code, size_t code_len, const char *addr,
                         size_t addr_len, const char *text, size_t text_len, location_t *loc,
                         char *out, size_t cap, size_t *out_len)
{
    if (loc == NULL)
        return -EINVAL;
    memset(loc, 0, sizeof(*loc));
    loc->unit = -1;
    if (l == NULL)
        return -EINVAL;
    if (code != NULL && code_len > 0) {
        int u = registry_unit_find(l->reg, code, code_len);
        if (u >= 0 && registry_unit(l->reg, (size_t)u)->kind == TIER_COMPOUND) {
            loc->unit = u;
            loc->source = LOC_CODE;
        } else {
            loc->code_unknown = true;
        }
    }
    bool located = loc->unit >= 0 || scan_best(l, addr, addr_len, loc, LOC_ADDRESS) ||
                   scan_squeezed(l, addr, addr_len, loc, LOC_ADDRESS);
    best_scan_t b = {.l = l, .s = text, .len = text_len, .best = -1};
    int rc = strip_scan(l, text, text_len, out, cap, out_len, located ? NULL : &b);
    if (rc < 0 || located)
        return rc;
    if (b.best >= 0) {
        const pattern_t *p = &l->pats[b.best];
        loc->unit = p->unit;
        loc->source = LOC_TEXT;
        loc->kind = (loc_word_kind_t)p->kind;
        loc->word = l->pool + p->off;
        loc->start = b.best_start;
        loc->end = b.best_end;
    } else {
        scan_squeezed(l, text, text_len, loc, LOC_TEXT);
    }
    return 0;
}
