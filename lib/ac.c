/*
 * ac.c - Aho-Corasick automaton (see ac.h).
 *
 * Construction keeps children as sibling lists; ac_build() converts them to
 * one sorted edge array per state (CSR layout) so a scan does a binary search
 * per byte, with a direct 256-entry table for the root where fan-out is
 * widest. Memory is a few dozen bytes per trie node, which keeps a registry
 * of 100,000 compounds well inside its budget.
 */
#include "ac.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "invariant.h"

#define NO_STATE UINT32_MAX

typedef struct {
    uint32_t first_child; /* build phase: sibling list head */
    uint32_t next_sibling;
    uint32_t fail;
    uint32_t dict; /* nearest state on the fail chain with outputs */
    uint32_t out;  /* head of output list in m->outs, or NO_STATE */
    uint32_t edge_start;
    uint16_t edge_count;
    uint8_t byte;
    uint8_t pad;
} ac_state_t;

typedef struct {
    uint32_t id;
    uint32_t len;
    uint32_t next;
} ac_out_t;

/* States this shallow get a full 256-entry transition row with failure
 * links folded in (a DFA row). With UTF-8 Chinese the first two bytes of a
 * character fan out widest, and failure chains end in these states, so
 * most bytes of a scan cost one array load instead of binary searches;
 * depth 3 (a whole first character) also makes the byte after a pattern's
 * first character a row load: ~500 instructions less per decision for
 * ~1.5 MB more rows (the lexicon's automaton; the locator's of a large
 * registry is held by AC_DENSE_MAX_ROWS). */
#define AC_DENSE_DEPTH 3
/* Deeper states with a wide fan-out get a row too, up to a memory cap. */
#define AC_DENSE_FANOUT 16
#define AC_DENSE_MAX_ROWS 16384

/* What a scan reads per state, packed in 16 bytes so that one cache line
 * holds four states: the failure link, where the transitions are (a dense
 * row or a run of sorted edges) and the first state on the dictionary chain
 * that has outputs (so a state with nothing to report costs one compare). */
typedef struct {
    uint32_t fail;
    uint32_t edges; /* dense row index when `dense`, else first edge */
    uint32_t emit;  /* first state with outputs on the chain, or NO_STATE */
    uint16_t nedges;
    uint8_t dense;
    uint8_t pad;
} ac_scan_state_t;

/* After ac_build, dense rows and edge targets hold a reference to the
 * target state rather than its number: REF_DENSE and its row when it has a
 * dense row, else the state number; REF_EMIT when it has outputs on its
 * dictionary chain. A scan that stays in dense states (most bytes of a
 * Chinese text) then costs one row load and one flag test per byte, without
 * touching the per-state record. */
#define REF_DENSE (1u << 31)
#define REF_EMIT (1u << 30)
#define REF_INDEX (REF_EMIT - 1)

struct ac_matcher {
    ac_scan_state_t *scan; /* built by ac_build */
    uint32_t *row_emit;    /* per dense row: its state's `emit` */
    uint32_t root_ref;
    ac_state_t *states;
    uint32_t *dense; /* per state: row index, or NO_STATE */
    uint32_t (*rows)[256];
    uint32_t nrows;
    uint32_t nstates, capstates;
    ac_out_t *outs;
    uint32_t nouts, capouts;
    uint8_t *edge_byte;
    uint32_t *edge_target;
    uint32_t root_next[256];
    int built;
};

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    uint32_t ncap = *cap ? *cap : 64;
    while (ncap < need) {
        if (ncap > UINT32_MAX / 2)
            return -ENOMEM;
        ncap *= 2;
    }
    void *np = realloc(*p, (size_t)ncap * elem);
    if (np == NULL)
        return -ENOMEM;
    *p = np;
    *cap = ncap;
    return 0;
}

static int new_state(ac_matcher_t *m, uint8_t byte, uint32_t *out)
{
    int rc = grow((void **)&m->states, &m->capstates, m->nstates + 1, sizeof(ac_state_t));
    if (rc < 0)
        return rc;
    ac_state_t *s = &m->states[m->nstates];
    memset(s, 0, sizeof(*s));
    s->first_child = s->next_sibling = s->fail = s->dict = s->out = NO_STATE;
    s->byte = byte;
    *out = m->nstates++;
    return 0;
}

int ac_create(ac_matcher_t **out)
{
    ac_matcher_t *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return -ENOMEM;
    uint32_t root;
    if (new_state(m, 0, &root) < 0) {
        free(m);
        return -ENOMEM;
    }
    *out = m;
    return 0;
}

static uint32_t child_build(const ac_matcher_t *m, uint32_t s, uint8_t b)
{
    for (uint32_t c = m->states[s].first_child; c != NO_STATE; c = m->states[c].next_sibling)
        if (m->states[c].byte == b)
            return c;
    return NO_STATE;
}

int ac_add(ac_matcher_t *m, const char *pat, size_t len, uint32_t id)
{
    if (m == NULL || pat == NULL || len == 0 || len > UINT32_MAX)
        return -EINVAL;
    if (m->built)
        return -EBUSY;
    uint32_t s = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)pat[i];
        uint32_t c = child_build(m, s, b);
        if (c == NO_STATE) {
            int rc = new_state(m, b, &c);
            if (rc < 0)
                return rc;
            m->states[c].next_sibling = m->states[s].first_child;
            m->states[s].first_child = c;
        }
        s = c;
    }
    int rc = grow((void **)&m->outs, &m->capouts, m->nouts + 1, sizeof(ac_out_t));
    if (rc < 0)
        return rc;
    m->outs[m->nouts] = (ac_out_t){.id = id, .len = (uint32_t)len, .next = m->states[s].out};
    m->states[s].out = m->nouts++;
    return 0;
}

/* The target of byte b among n sorted edges from index lo, NO_STATE on a
 * miss: a linear look for up to linear_max edges (cheaper than bisecting a
 * few), a binary search beyond. */
static inline uint32_t edge_find(const ac_matcher_t *m, uint32_t lo, uint32_t n,
                                 uint32_t linear_max, uint8_t b)
{
    uint32_t hi = lo + n;
    if (n <= linear_max) {
        for (uint32_t i = lo; i < hi; i++)
            if (m->edge_byte[i] == b)
                return m->edge_target[i];
        return NO_STATE;
    }
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint8_t mb = m->edge_byte[mid];
        if (mb == b)
            return m->edge_target[mid];
        if (mb < b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NO_STATE;
}

static uint32_t child(const ac_matcher_t *m, uint32_t s, uint8_t b)
{
    if (s == 0)
        return m->root_next[b];
    const ac_state_t *st = &m->states[s];
    return edge_find(m, st->edge_start, st->edge_count, 4, b);
}

static int cmp_edge(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

static uint32_t state_ref(const ac_matcher_t *m, uint32_t s)
{
    ASSERT(s < m->nstates && s <= REF_INDEX);
    uint32_t ref = m->dense[s] != NO_STATE ? REF_DENSE | m->dense[s] : s;
    return m->scan[s].emit != NO_STATE ? ref | REF_EMIT : ref;
}

int ac_build(ac_matcher_t *m)
{
    if (m == NULL)
        return -EINVAL;
    if (m->built)
        return 0;
    if (m->nstates > REF_INDEX)
        return -ENOMEM; /* a state number must fit a reference */
    uint32_t nedges = m->nstates - 1;
    m->edge_byte = malloc(nedges ? nedges : 1);
    m->edge_target = malloc((size_t)(nedges ? nedges : 1) * sizeof(uint32_t));
    uint32_t *queue = malloc((size_t)m->nstates * sizeof(uint32_t));
    uint64_t *tmp = malloc(256 * sizeof(uint64_t));
    if (!m->edge_byte || !m->edge_target || !queue || !tmp) {
        free(queue);
        free(tmp);
        return -ENOMEM;
    }
    /* CSR edges, sorted by byte, in BFS order. */
    uint32_t qh = 0, qt = 0, e = 0;
    queue[qt++] = 0;
    while (qh < qt) {
        uint32_t s = queue[qh++];
        uint32_t n = 0;
        for (uint32_t c = m->states[s].first_child; c != NO_STATE; c = m->states[c].next_sibling) {
            ASSERT(n < 256); /* one child per byte value: tmp holds 256 */
            tmp[n++] = ((uint64_t)m->states[c].byte << 32) | c;
        }
        qsort(tmp, n, sizeof(uint64_t), cmp_edge);
        m->states[s].edge_start = e;
        m->states[s].edge_count = (uint16_t)n;
        for (uint32_t i = 0; i < n; i++) {
            m->edge_byte[e] = (uint8_t)(tmp[i] >> 32);
            m->edge_target[e] = (uint32_t)tmp[i];
            e++;
            queue[qt++] = (uint32_t)tmp[i];
        }
    }
    /* The trie is a tree: BFS reached every state once, over every edge. */
    ASSERT(qt == m->nstates && e == nedges);
    for (int b = 0; b < 256; b++)
        m->root_next[b] = 0;
    for (uint32_t i = 0; i < m->states[0].edge_count; i++)
        m->root_next[m->edge_byte[i]] = m->edge_target[i];
    /* Failure and dictionary links, BFS so parents are done first. */
    m->states[0].fail = 0;
    for (uint32_t qi = 0; qi < qt; qi++) {
        uint32_t s = queue[qi];
        const ac_state_t *st = &m->states[s];
        for (uint32_t i = st->edge_start; i < st->edge_start + st->edge_count; i++) {
            uint32_t c = m->edge_target[i];
            uint8_t b = m->edge_byte[i];
            uint32_t f;
            if (s == 0) {
                f = 0;
            } else {
                f = m->states[s].fail;
                uint32_t nx;
                while ((nx = child(m, f, b)) == NO_STATE && f != 0)
                    f = m->states[f].fail;
                if (nx == NO_STATE || nx == c)
                    nx = 0;
                f = nx;
            }
            ASSERT(f < m->nstates && f != c);
            m->states[c].fail = f;
            m->states[c].dict = (m->states[f].out != NO_STATE) ? f : m->states[f].dict;
        }
    }
    /* Dense rows for the shallow states, in BFS order so that a state's
     * failure target (always shallower) already has its row. */
    uint8_t *depth = calloc(m->nstates, 1);
    m->dense = malloc((size_t)m->nstates * sizeof(uint32_t));
    if (depth == NULL || m->dense == NULL) {
        free(depth);
        free(queue);
        free(tmp);
        return -ENOMEM;
    }
    uint32_t nrows = 0;
    for (uint32_t qi = 0; qi < qt; qi++) {
        uint32_t s = queue[qi];
        const ac_state_t *st = &m->states[s];
        for (uint32_t i = st->edge_start; i < st->edge_start + st->edge_count; i++) {
            uint32_t c = m->edge_target[i];
            depth[c] = (uint8_t)(depth[s] < 255 ? depth[s] + 1 : 255);
        }
        if ((depth[s] <= AC_DENSE_DEPTH || st->edge_count >= AC_DENSE_FANOUT) &&
            nrows < AC_DENSE_MAX_ROWS)
            nrows++;
    }
    m->rows = malloc((size_t)(nrows ? nrows : 1) * sizeof(*m->rows));
    if (m->rows == NULL) {
        free(depth);
        free(queue);
        free(tmp);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < m->nstates; i++)
        m->dense[i] = NO_STATE;
    for (uint32_t qi = 0; qi < qt && m->nrows < nrows; qi++) {
        uint32_t s = queue[qi];
        const ac_state_t *st = &m->states[s];
        if (depth[s] > AC_DENSE_DEPTH && st->edge_count < AC_DENSE_FANOUT)
            continue;
        uint32_t r = m->nrows;
        uint32_t *row = m->rows[r];
        if (s == 0) {
            memcpy(row, m->root_next, sizeof m->rows[0]);
        } else {
            /* delta(s, b) = goto(s, b), else delta(fail(s), b); the failure
             * target is shallower, so BFS order has resolved it already. */
            for (int b = 0; b < 256; b++) {
                uint32_t f = m->states[s].fail, nx;
                for (;;) {
                    if (m->dense[f] != NO_STATE) {
                        nx = m->rows[m->dense[f]][b];
                        break;
                    }
                    nx = child(m, f, (uint8_t)b);
                    if (nx != NO_STATE)
                        break;
                    f = m->states[f].fail;
                }
                row[b] = nx;
            }
            for (uint32_t i = st->edge_start; i < st->edge_start + st->edge_count; i++)
                row[m->edge_byte[i]] = m->edge_target[i];
        }
        m->dense[s] = r;
        m->nrows++;
    }
    /* The root has row 0: every failure chain ends in a dense row, which
     * ends the loops above and step_sparse(). */
    ASSERT(m->nrows == nrows && m->dense[0] == 0);
    m->scan = malloc((size_t)m->nstates * sizeof(ac_scan_state_t));
    if (m->scan == NULL) {
        free(depth);
        free(queue);
        free(tmp);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < m->nstates; i++) {
        const ac_state_t *st = &m->states[i];
        ac_scan_state_t *ss = &m->scan[i];
        ss->fail = st->fail;
        ss->dense = m->dense[i] != NO_STATE;
        ss->edges = ss->dense ? m->dense[i] : st->edge_start;
        ss->nedges = st->edge_count;
        ss->emit = i == 0 ? NO_STATE : (st->out != NO_STATE ? i : st->dict);
        if (ss->emit == 0)
            ss->emit = NO_STATE;
        ss->pad = 0;
    }
    m->row_emit = malloc((size_t)(nrows ? nrows : 1) * sizeof(uint32_t));
    if (m->row_emit == NULL) {
        free(depth);
        free(queue);
        free(tmp);
        return -ENOMEM;
    }
    /* State numbers to references (see REF_DENSE), now that no more rows
     * are built from them. */
    for (uint32_t i = 0; i < m->nstates; i++)
        if (m->dense[i] != NO_STATE)
            m->row_emit[m->dense[i]] = m->scan[i].emit;
    for (uint32_t r = 0; r < m->nrows; r++)
        for (int b = 0; b < 256; b++)
            m->rows[r][b] = state_ref(m, m->rows[r][b]);
    for (uint32_t i = 0; i < nedges; i++)
        m->edge_target[i] = state_ref(m, m->edge_target[i]);
    m->root_ref = state_ref(m, 0);
    free(depth);
    free(queue);
    free(tmp);
    m->built = 1;
    return 0;
}

static int emit(const ac_matcher_t *m, uint32_t s, size_t end, ac_match_fn fn, void *ud)
{
    /* Outputs of one state all have the same length; longest states first
     * along the dictionary chain. */
    for (; s != NO_STATE && s != 0; s = m->states[s].dict) {
        for (uint32_t o = m->states[s].out; o != NO_STATE; o = m->outs[o].next) {
            ASSERT(m->outs[o].len <= end); /* a match ends inside the text */
            int rc = fn(ud, m->outs[o].id, end - m->outs[o].len, end);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* The transition from state s, which has no dense row, as a reference:
 * its edges, else its failure link's, down to a state with a dense row
 * (the root has one, so this ends). */
static uint32_t step_sparse(const ac_matcher_t *m, uint32_t s, uint8_t b)
{
    for (;;) {
        const ac_scan_state_t *st = &m->scan[s];
        if (st->dense)
            return m->rows[st->edges][b]; /* full DFA row: never a miss */
        uint32_t nx = edge_find(m, st->edges, st->nedges, 6, b);
        if (nx != NO_STATE)
            return nx;
        s = st->fail;
    }
}

int ac_scan(const ac_matcher_t *m, const char *text, size_t len, ac_match_fn fn, void *ud)
{
    if (m == NULL || !m->built || (text == NULL && len > 0) || fn == NULL)
        return -EINVAL;
    const uint32_t(*rows)[256] = m->rows;
    uint32_t ref = m->root_ref;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)text[i];
        if (ref & REF_DENSE)
            ref = rows[ref & REF_INDEX][b];
        else
            ref = step_sparse(m, ref & REF_INDEX, b);
        if (ref & REF_EMIT) {
            uint32_t e =
                (ref & REF_DENSE) ? m->row_emit[ref & REF_INDEX] : m->scan[ref & REF_INDEX].emit;
            int rc = emit(m, e, i + 1, fn, ud);
            if (rc)
                return rc;
        }
    }
    return 0;
}

size_t ac_pattern_count(const ac_matcher_t *m)
{
    return m ? m->nouts : 0;
}

size_t ac_memory(const ac_matcher_t *m)
{
    if (m == NULL)
        return 0;
    return sizeof(*m) + (size_t)m->capstates * sizeof(ac_state_t) +
           (size_t)m->capouts * sizeof(ac_out_t) + (size_t)m->nstates * 9 +
           (size_t)m->nrows * (sizeof(m->rows[0]) + sizeof(uint32_t)) +
           (m->scan ? (size_t)m->nstates * sizeof(ac_scan_state_t) : 0);
}

void ac_destroy(ac_matcher_t **mp)
{
    if (mp == NULL || *mp == NULL)
        return;
    ac_matcher_t *m = *mp;
    free(m->states);
    free(m->outs);
    free(m->edge_byte);
    free(m->edge_target);
    free(m->dense);
    free(m->rows);
    free(m->scan);
    free(m->row_emit);
    free(m);
    *mp = NULL;
}
