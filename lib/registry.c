/*
 * registry.c - parse and validate registry.json (see registry.h).
 *
 * The document is walked as a stream: a small hand-written skeleton scanner
 * steps through the top-level object and the "units"/"bodies" arrays, and
 * jansson decodes one element at a time (JSON_DISABLE_EOF_CHECK reports how
 * many bytes it consumed). A full jansson tree of a 100,000-compound registry
 * costs over 300 MB; one element at a time costs almost nothing. Strings live
 * in an arena owned by the registry. Lookups use open-addressing hash tables
 * (code -> unit, id -> body) and a dense unit x body-kind table, so
 * registry_body_on_unit() is one array read.
 *
 * Validation collects every problem, one line each, naming the unit code or
 * body id (or "units[i]"/"bodies[i]" when the element has no usable code/id).
 * Two property companies on one compound are refused; for the other kinds a
 * unit may carry several bodies of one kind (e.g. water, power and gas
 * utilities on a district) and registry_body_on_unit() returns the first one
 * listed.
 */
#include "registry.h"

#include <errno.h>
#include <math.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "field_limits.h"
#include "invariant.h"
#include "wire.h"

/* ---------- arena ---------- */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    max_align_t data[];
} arena_chunk_t;

typedef struct {
    arena_chunk_t *head;
} arena_t;

#define ARENA_CHUNK (256 * 1024)

static void *arena_alloc(arena_t *a, size_t size)
{
    size = (size + 7) & ~(size_t)7;
    arena_chunk_t *c = a->head;
    if (c == NULL || c->cap - c->used < size) {
        size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;
        c = malloc(sizeof(*c) + cap);
        if (c == NULL)
            return NULL;
        c->cap = cap;
        c->used = 0;
        /* a dedicated oversized chunk goes behind the head so the head's
         * free space is not wasted */
        if (a->head != NULL && size > ARENA_CHUNK) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    ASSERT(c->cap - c->used >= size && size % 8 == 0);
    void *p = (char *)c->data + c->used;
    c->used += size;
    return p;
}

static char *arena_strndup(arena_t *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

static void arena_free(arena_t *a)
{
    arena_chunk_t *c = a->head;
    while (c != NULL) {
        arena_chunk_t *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
}

/* ---------- problem list ---------- */

typedef struct {
    char *buf;
    size_t len, cap;
    size_t count;
    int oom;
} problems_t;

static void problem(problems_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(problems_t *p, const char *fmt, ...)
{
    p->count++;
    if (p->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = p->cap - p->len;
        int n = vsnprintf(p->buf ? p->buf + p->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            p->oom = 1;
            return;
        }
        if ((size_t)n + 2 <= room) {
            ASSERT(p->buf != NULL); /* room > 0 only once a buffer exists */
            p->len += (size_t)n;
            p->buf[p->len++] = '\n';
            p->buf[p->len] = '\0';
            return;
        }
        size_t ncap = p->cap ? p->cap * 2 : 1024;
        while (ncap < p->len + (size_t)n + 2)
            ncap *= 2;
        char *nb = realloc(p->buf, ncap);
        if (nb == NULL) {
            p->oom = 1;
            return;
        }
        p->buf = nb;
        p->cap = ncap;
    }
}

/* ---------- registry ---------- */

typedef struct {
    const char **codes; /* unit codes as listed, resolved after parsing */
    size_t n;
} pending_units_t;

struct registry {
    reg_unit_t *units;
    size_t n_units, cap_units;
    reg_body_t *bodies;
    size_t n_bodies, cap_bodies;
    arena_t arena;
    int32_t *unit_hash; /* open addressing, -1 empty; size unit_mask+1 */
    size_t unit_mask;
    int32_t *body_hash;
    size_t body_mask;
    int32_t *on_unit;    /* n_units * BODY_KIND_COUNT */
    uint8_t *unit_flags; /* UNIT_* while validating */
    size_t cap_flags;
};

#define UNIT_BAD 1          /* has problems of its own (already reported) */
#define UNIT_KIND_UNKNOWN 2 /* its kind could not be read */

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static int hash_alloc(int32_t **tab, size_t *mask, size_t n)
{
    size_t size = 16;
    while (size < n * 2 + 1) {
        if (size > SIZE_MAX / 4)
            return -ENOMEM;
        size *= 2;
    }
    /* Probing ends at an empty slot: the table is never more than half full. */
    ASSERT(size > n * 2);
    *tab = malloc(size * sizeof(int32_t));
    if (*tab == NULL)
        return -ENOMEM;
    memset(*tab, 0xff, size * sizeof(int32_t));
    *mask = size - 1;
    return 0;
}

/* Look up `key` among entries whose key is get(i). */
static int hash_find(const int32_t *tab, size_t mask, const char *key, size_t len,
                     const char *(*get)(const registry_t *, int32_t), const registry_t *r)
{
    if (tab == NULL || key == NULL)
        return -ENOENT;
    size_t i = (size_t)hash_bytes(key, len) & mask;
    for (;;) {
        int32_t v = tab[i];
        if (v < 0)
            return -ENOENT;
        const char *k = get(r, v);
        if (strncmp(k, key, len) == 0 && k[len] == '\0')
            return v;
        i = (i + 1) & mask;
    }
}

/* Insert index v under key; returns the existing index on a duplicate, or -1. */
static int32_t hash_insert(int32_t *tab, size_t mask, const char *key, int32_t v,
                           const char *(*get)(const registry_t *, int32_t), const registry_t *r)
{
    size_t len = strlen(key);
    size_t i = (size_t)hash_bytes(key, len) & mask;
    for (;;) {
        int32_t e = tab[i];
        if (e < 0) {
            tab[i] = v;
            return -1;
        }
        if (strcmp(get(r, e), key) == 0)
            return e;
        i = (i + 1) & mask;
    }
}

static const char *unit_key(const registry_t *r, int32_t i)
{
    return r->units[i].code;
}

static const char *body_key(const registry_t *r, int32_t i)
{
    return r->bodies[i].id;
}

/* ---------- element decoding ---------- */

static const char *tier_list = "city, district, street, community, compound";

/* Label used in problem lines: the code/id when usable, else "units[i]". */
static void label(char *buf, size_t cap, const char *what, const char *id, size_t idx)
{
    if (id != NULL && id[0] != '\0')
        snprintf(buf, cap, "%s %.200s", what, id);
    else
        snprintf(buf, cap, "%s[%zu]", strcmp(what, "unit") == 0 ? "units" : "bodies", idx);
}

static int grow_array(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 64;
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

/* Fetch an optional/required string member. Returns 1 with *s set, 0 when
 * absent (or null when null_ok), -1 after reporting a problem. */
static int get_string(json_t *obj, const char *key, const char **s, size_t *len, const char *lab,
                      int required, problems_t *pb)
{
    json_t *v = json_object_get(obj, key);
    *s = NULL;
    *len = 0;
    if (v == NULL || json_is_null(v)) {
        if (required) {
            problem(pb, "%s: missing %s", lab, key);
            return -1;
        }
        return 0;
    }
    if (!json_is_string(v)) {
        problem(pb, "%s: %s must be a string", lab, key);
        return -1;
    }
    *s = json_string_value(v);
    *len = json_string_length(v);
    if (*len == 0) {
        problem(pb, "%s: %s is empty", lab, key);
        return -1;
    }
    return 1;
}

/* A code, id, name or alias: text (lib/wire.c's rule) of at most max
 * bytes. Reports and returns -1 when not; the value itself is never
 * printed (it may be megabytes long). */
static int check_text(const char *s, size_t len, size_t max, const char *lab, const char *what,
                      problems_t *pb)
{
    if (s == NULL)
        return 0;
    size_t at = 0;
    int fault = wire_text_fault(s, len, max, &at);
    if (fault == WIRE_TEXT_TOO_LONG) {
        problem(pb, "%s: %s is %zu bytes, more than the limit of %zu", lab, what, len, max);
        return -1;
    }
    if (fault != WIRE_TEXT_OK) {
        problem(pb, "%s: %s %s", lab, what, wire_text_fault_message(fault, at));
        return -1;
    }
    return 0;
}

static int add_unit(registry_t *r, json_t *u, size_t idx, problems_t *pb)
{
    char lab[256];
    if (!json_is_object(u)) {
        label(lab, sizeof lab, "unit", NULL, idx);
        problem(pb, "%s: must be an object", lab);
        return 0;
    }
    json_t *jc = json_object_get(u, "code");
    label(lab, sizeof lab, "unit", json_is_string(jc) ? json_string_value(jc) : NULL, idx);

    const char *code, *kind, *name, *parent;
    size_t lcode, lkind, lname, lparent;
    int ok = 1;
    if (get_string(u, "code", &code, &lcode, lab, 1, pb) < 0)
        ok = 0;
    int tier = -1;
    int rk = get_string(u, "kind", &kind, &lkind, lab, 1, pb);
    if (rk < 0) {
        ok = 0;
    } else {
        tier = tier_from_name(kind, lkind);
        if (tier < 0) {
            problem(pb, "%s: unknown kind \"%.100s\" (expected one of %s)", lab, kind, tier_list);
            ok = 0;
        }
    }
    if (get_string(u, "name", &name, &lname, lab, 1, pb) < 0)
        ok = 0;
    int rp = get_string(u, "parent", &parent, &lparent, lab, 0, pb);
    if (rp < 0)
        ok = 0;
    else if (rp == 0 && tier >= 0 && tier != TIER_CITY) {
        problem(pb, "%s: missing parent", lab);
        ok = 0;
    } else if (rp > 0 && tier == TIER_CITY) {
        problem(pb, "%s: a city has no parent (got \"%.100s\")", lab, parent);
        ok = 0;
    }
    if (check_text(code, lcode, LIMIT_ID_MAX, lab, "code", pb) < 0) {
        ok = 0;
        code = NULL; /* not kept: nothing can refer to it */
    }
    if (check_text(name, lname, LIMIT_REGISTRY_NAME_MAX, lab, "name", pb) < 0 ||
        check_text(parent, lparent, LIMIT_ID_MAX, lab, "parent", pb) < 0)
        ok = 0;
    json_t *ja = json_object_get(u, "aliases");
    size_t n_alias = 0;
    if (ja != NULL && !json_is_null(ja)) {
        if (!json_is_array(ja)) {
            problem(pb, "%s: aliases must be an array of strings", lab);
            ok = 0;
        } else if (json_array_size(ja) > LIMIT_REGISTRY_ALIASES_MAX) {
            problem(pb, "%s: %zu aliases, more than the limit of %d", lab, json_array_size(ja),
                    LIMIT_REGISTRY_ALIASES_MAX);
            ok = 0;
        } else {
            for (size_t i = 0; i < json_array_size(ja); i++) {
                json_t *a = json_array_get(ja, i);
                char what[32];
                snprintf(what, sizeof what, "aliases[%zu]", i);
                if (!json_is_string(a) || json_string_length(a) == 0) {
                    problem(pb, "%s: aliases[%zu] must be a non-empty string", lab, i);
                    ok = 0;
                } else if (check_text(json_string_value(a), json_string_length(a),
                                      LIMIT_REGISTRY_NAME_MAX, lab, what, pb) < 0) {
                    ok = 0;
                }
            }
            n_alias = json_array_size(ja);
        }
    }
    json_t *jv = json_object_get(u, "urban_village");
    if (jv != NULL && !json_is_null(jv) && !json_is_boolean(jv)) {
        problem(pb, "%s: urban_village must be true or false", lab);
        ok = 0;
    }
    json_t *jlat = json_object_get(u, "lat"), *jlon = json_object_get(u, "long");
    bool has_pos = jlat != NULL || jlon != NULL;
    if (has_pos && !(json_is_number(jlat) && json_is_number(jlon) &&
                     fabs(json_number_value(jlat)) <= 90 && fabs(json_number_value(jlon)) <= 180)) {
        problem(pb,
                "%s: lat and long must both be numbers, degrees within [-90, 90] and "
                "[-180, 180]",
                lab);
        ok = 0;
        has_pos = false;
    }
    /* A unit with problems but a usable code is kept (flagged) so that its
     * children and bodies do not report it as unknown: one problem, one line. */
    if (!ok && code == NULL)
        return 0;
    if (r->n_units >= INT32_MAX)
        return -E2BIG;
    if (grow_array((void **)&r->units, &r->cap_units, r->n_units + 1, sizeof(reg_unit_t)) < 0)
        return -ENOMEM;
    size_t capf = r->cap_flags;
    if (grow_array((void **)&r->unit_flags, &capf, r->n_units + 1, 1) < 0)
        return -ENOMEM;
    r->cap_flags = capf;
    r->unit_flags[r->n_units] = (uint8_t)((ok ? 0 : UNIT_BAD) | (tier < 0 ? UNIT_KIND_UNKNOWN : 0));
    reg_unit_t *ru = &r->units[r->n_units];
    memset(ru, 0, sizeof(*ru));
    ru->kind = tier >= 0 ? (tier_t)tier : TIER_COMPOUND;
    ru->parent = -1;
    ru->urban_village = json_is_true(jv);
    if (has_pos) {
        ru->has_position = true;
        ru->lat = json_number_value(jlat);
        ru->lon = json_number_value(jlon);
    }
    ru->code = arena_strndup(&r->arena, code, lcode);
    ru->name = arena_strndup(&r->arena, name ? name : "", name ? lname : 0);
    if (ru->code == NULL || ru->name == NULL)
        return -ENOMEM;
    if (rp > 0 && tier != TIER_CITY &&
        (ru->parent_code = arena_strndup(&r->arena, parent, lparent)) == NULL)
        return -ENOMEM;
    if (!ok) {
        r->n_units++;
        return 0;
    }
    if (n_alias > 0) {
        ru->aliases = arena_alloc(&r->arena, n_alias * sizeof(char *));
        if (ru->aliases == NULL)
            return -ENOMEM;
        for (size_t i = 0; i < n_alias; i++) {
            json_t *a = json_array_get(ja, i);
            ru->aliases[i] = arena_strndup(&r->arena, json_string_value(a), json_string_length(a));
            if (ru->aliases[i] == NULL)
                return -ENOMEM;
        }
        ru->n_aliases = n_alias;
    }
    r->n_units++;
    return 0;
}

static int add_body(registry_t *r, json_t *b, size_t idx, pending_units_t **pend, size_t *cap_pend,
                    problems_t *pb)
{
    char lab[256];
    if (!json_is_object(b)) {
        label(lab, sizeof lab, "body", NULL, idx);
        problem(pb, "%s: must be an object", lab);
        return 0;
    }
    json_t *ji = json_object_get(b, "id");
    label(lab, sizeof lab, "body", json_is_string(ji) ? json_string_value(ji) : NULL, idx);
    const char *id, *kind, *name;
    size_t lid, lkind, lname;
    int ok = 1;
    int k = -1;
    if (get_string(b, "id", &id, &lid, lab, 1, pb) < 0)
        ok = 0;
    int rk = get_string(b, "kind", &kind, &lkind, lab, 1, pb);
    if (rk < 0) {
        ok = 0;
    } else {
        k = body_kind_from_name(kind, lkind);
        if (k < 0) {
            problem(pb, "%s: unknown kind \"%.100s\"", lab, kind);
            ok = 0;
        }
    }
    if (get_string(b, "name", &name, &lname, lab, 1, pb) < 0)
        ok = 0;
    if (check_text(id, lid, LIMIT_ID_MAX, lab, "id", pb) < 0 ||
        check_text(name, lname, LIMIT_REGISTRY_NAME_MAX, lab, "name", pb) < 0)
        ok = 0;
    json_t *ju = json_object_get(b, "units");
    if (ju == NULL || json_is_null(ju)) {
        problem(pb, "%s: missing units", lab);
        ok = 0;
    } else if (!json_is_array(ju)) {
        problem(pb, "%s: units must be an array of unit codes", lab);
        ok = 0;
    } else if (json_array_size(ju) > LIMIT_REGISTRY_BODY_UNITS_MAX) {
        problem(pb, "%s: serves %zu units, more than the limit of %d", lab, json_array_size(ju),
                LIMIT_REGISTRY_BODY_UNITS_MAX);
        ok = 0;
    } else {
        for (size_t i = 0; i < json_array_size(ju); i++) {
            json_t *a = json_array_get(ju, i);
            if (!json_is_string(a) || json_string_length(a) == 0) {
                problem(pb, "%s: units[%zu] must be a non-empty string", lab, i);
                ok = 0;
            } else if (json_string_length(a) > LIMIT_ID_MAX) {
                problem(pb, "%s: units[%zu] is longer than %d bytes", lab, i, LIMIT_ID_MAX);
                ok = 0;
            }
        }
    }
    if (!ok)
        return 0;
    if (r->n_bodies >= INT32_MAX)
        return -E2BIG;
    if (grow_array((void **)&r->bodies, &r->cap_bodies, r->n_bodies + 1, sizeof(reg_body_t)) < 0)
        return -ENOMEM;
    if (grow_array((void **)pend, cap_pend, r->n_bodies + 1, sizeof(pending_units_t)) < 0)
        return -ENOMEM;
    reg_body_t *rb = &r->bodies[r->n_bodies];
    memset(rb, 0, sizeof(*rb));
    rb->kind = (body_kind_t)k;
    rb->id = arena_strndup(&r->arena, id, lid);
    rb->name = arena_strndup(&r->arena, name, lname);
    if (rb->id == NULL || rb->name == NULL)
        return -ENOMEM;
    pending_units_t *pu = &(*pend)[r->n_bodies];
    pu->n = json_array_size(ju);
    pu->codes = NULL;
    if (pu->n > 0) {
        pu->codes = arena_alloc(&r->arena, pu->n * sizeof(char *));
        rb->units = arena_alloc(&r->arena, pu->n * sizeof(int32_t));
        if (pu->codes == NULL || rb->units == NULL)
            return -ENOMEM;
        for (size_t i = 0; i < pu->n; i++) {
            json_t *a = json_array_get(ju, i);
            pu->codes[i] = arena_strndup(&r->arena, json_string_value(a), json_string_length(a));
            if (pu->codes[i] == NULL)
                return -ENOMEM;
        }
    }
    r->n_bodies++;
    return 0;
}

/* ---------- skeleton scanner ---------- */

static size_t skip_ws(const char *s, size_t len, size_t pos)
{
    while (pos < len && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r'))
        pos++;
    return pos;
}

/* Decode one JSON value at s[*pos]; advance *pos past it. */
static json_t *decode_at(const char *s, size_t len, size_t *pos, problems_t *pb, const char *where)
{
    json_error_t err;
    json_t *v = json_loadb(s + *pos, len - *pos, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &err);
    if (v == NULL) {
        problem(pb, "registry: invalid JSON in %s at byte %zu: %s", where,
                *pos + (err.position > 0 ? (size_t)err.position : 0), err.text);
        return NULL;
    }
    if (err.position <= 0 || (size_t)err.position > len - *pos) {
        json_decref(v);
        problem(pb, "registry: invalid JSON in %s at byte %zu", where, *pos);
        return NULL;
    }
    *pos += (size_t)err.position;
    return v;
}

enum { SEC_UNITS, SEC_BODIES };

/* Walk an array, decoding and adding each element. Returns 0, a negative
 * errno on resource failure, or 1 when the JSON was broken (reported). */
static int walk_array(registry_t *r, const char *s, size_t len, size_t *pos, int sec,
                      pending_units_t **pend, size_t *cap_pend, problems_t *pb)
{
    const char *where = sec == SEC_UNITS ? "units" : "bodies";
    *pos = skip_ws(s, len, *pos);
    if (*pos >= len || s[*pos] != '[') {
        /* decode whatever it is to report its type, or the syntax error */
        json_t *v = decode_at(s, len, pos, pb, where);
        if (v == NULL)
            return 1;
        json_decref(v);
        problem(pb, "registry: %s must be an array", where);
        return 0;
    }
    (*pos)++;
    *pos = skip_ws(s, len, *pos);
    if (*pos < len && s[*pos] == ']') {
        (*pos)++;
        return 0;
    }
    size_t max = sec == SEC_UNITS ? LIMIT_REGISTRY_UNITS_MAX : LIMIT_REGISTRY_BODIES_MAX;
    for (size_t idx = 0;; idx++) {
        if (idx >= max) {
            problem(pb, "registry: more than %zu %s (the limit)", max, where);
            return 1;
        }
        json_t *v = decode_at(s, len, pos, pb, where);
        if (v == NULL)
            return 1;
        int rc =
            sec == SEC_UNITS ? add_unit(r, v, idx, pb) : add_body(r, v, idx, pend, cap_pend, pb);
        json_decref(v);
        if (rc < 0)
            return rc;
        *pos = skip_ws(s, len, *pos);
        if (*pos < len && s[*pos] == ',') {
            (*pos)++;
            continue;
        }
        if (*pos < len && s[*pos] == ']') {
            (*pos)++;
            return 0;
        }
        problem(pb, "registry: invalid JSON in %s at byte %zu: expected ',' or ']'", where, *pos);
        return 1;
    }
}

static int scan_document(registry_t *r, const char *s, size_t len, pending_units_t **pend,
                         size_t *cap_pend, problems_t *pb)
{
    size_t pos = skip_ws(s, len, 0);
    /* tolerate a UTF-8 byte order mark */
    if (len - pos >= 3 && memcmp(s + pos, "\xEF\xBB\xBF", 3) == 0)
        pos = skip_ws(s, len, pos + 3);
    if (pos >= len || s[pos] != '{') {
        json_t *v = decode_at(s, len, &pos, pb, "registry");
        if (v != NULL) {
            json_decref(v);
            problem(pb, "registry: must be a JSON object with units and bodies arrays");
        }
        return 1;
    }
    pos++;
    int seen_units = 0, seen_bodies = 0;
    pos = skip_ws(s, len, pos);
    if (pos < len && s[pos] == '}') {
        pos++;
    } else {
        for (;;) {
            pos = skip_ws(s, len, pos);
            if (pos >= len || s[pos] != '"') {
                problem(pb, "registry: invalid JSON at byte %zu: expected a member name", pos);
                return 1;
            }
            json_t *k = decode_at(s, len, &pos, pb, "registry");
            if (k == NULL)
                return 1;
            int sec = -1;
            if (strcmp(json_string_value(k), "units") == 0)
                sec = SEC_UNITS;
            else if (strcmp(json_string_value(k), "bodies") == 0)
                sec = SEC_BODIES;
            json_decref(k);
            pos = skip_ws(s, len, pos);
            if (pos >= len || s[pos] != ':') {
                problem(pb, "registry: invalid JSON at byte %zu: expected ':'", pos);
                return 1;
            }
            pos++;
            if (sec >= 0) {
                if ((sec == SEC_UNITS && seen_units) || (sec == SEC_BODIES && seen_bodies)) {
                    problem(pb, "registry: duplicate member %s",
                            sec == SEC_UNITS ? "units" : "bodies");
                    return 1;
                }
                if (sec == SEC_UNITS)
                    seen_units = 1;
                else
                    seen_bodies = 1;
                int rc = walk_array(r, s, len, &pos, sec, pend, cap_pend, pb);
                if (rc != 0)
                    return rc;
            } else {
                json_t *v = decode_at(s, len, &pos, pb, "registry");
                if (v == NULL)
                    return 1;
                json_decref(v);
            }
            pos = skip_ws(s, len, pos);
            if (pos < len && s[pos] == ',') {
                pos++;
                continue;
            }
            if (pos < len && s[pos] == '}') {
                pos++;
                break;
            }
            problem(pb, "registry: invalid JSON at byte %zu: expected ',' or '}'", pos);
            return 1;
        }
    }
    pos = skip_ws(s, len, pos);
    if (pos != len) {
        problem(pb, "registry: unexpected data after the document at byte %zu", pos);
        return 1;
    }
    if (!seen_units)
        problem(pb, "registry: missing units array");
    if (!seen_bodies)
        problem(pb, "registry: missing bodies array");
    return 0;
}

/* ---------- cross-checks ---------- */

static int link_units(registry_t *r, problems_t *pb)
{
    if (hash_alloc(&r->unit_hash, &r->unit_mask, r->n_units) < 0)
        return -ENOMEM;
    for (size_t i = 0; i < r->n_units; i++) {
        int32_t dup =
            hash_insert(r->unit_hash, r->unit_mask, r->units[i].code, (int32_t)i, unit_key, r);
        if (dup >= 0)
            problem(pb, "unit %s: duplicate unit code", r->units[i].code);
    }
    for (size_t i = 0; i < r->n_units; i++) {
        reg_unit_t *u = &r->units[i];
        if (u->parent_code == NULL)
            continue;
        int p = hash_find(r->unit_hash, r->unit_mask, u->parent_code, strlen(u->parent_code),
                          unit_key, r);
        if (p < 0) {
            problem(pb, "unit %s: unknown parent %s", u->code, u->parent_code);
            continue;
        }
        if ((size_t)p == i) {
            problem(pb, "unit %s: is its own parent", u->code);
            continue;
        }
        u->parent = p;
        tier_t pk = r->units[p].kind;
        if ((r->unit_flags[i] | r->unit_flags[p]) & UNIT_KIND_UNKNOWN)
            continue;
        if ((int)pk != (int)u->kind + 1)
            problem(pb, "unit %s: a %s cannot sit directly under %s %s (a %s)", u->code,
                    tier_name(u->kind), tier_name(pk), u->parent_code,
                    u->kind + 1 < TIER_COUNT ? tier_name((tier_t)(u->kind + 1)) : "nothing");
    }
    return 0;
}

static int link_bodies(registry_t *r, pending_units_t *pend, problems_t *pb)
{
    if (hash_alloc(&r->body_hash, &r->body_mask, r->n_bodies) < 0)
        return -ENOMEM;
    if (r->n_units > 0) {
        if (r->n_units > SIZE_MAX / BODY_KIND_COUNT / sizeof(int32_t))
            return -ENOMEM;
        r->on_unit = malloc(r->n_units * BODY_KIND_COUNT * sizeof(int32_t));
        if (r->on_unit == NULL)
            return -ENOMEM;
        memset(r->on_unit, 0xff, r->n_units * BODY_KIND_COUNT * sizeof(int32_t));
    }
    for (size_t i = 0; i < r->n_bodies; i++) {
        int32_t dup =
            hash_insert(r->body_hash, r->body_mask, r->bodies[i].id, (int32_t)i, body_key, r);
        if (dup >= 0)
            problem(pb, "body %s: duplicate body id", r->bodies[i].id);
    }
    for (size_t i = 0; i < r->n_bodies; i++) {
        reg_body_t *b = &r->bodies[i];
        tier_t want = body_kind_tier(b->kind);
        /* scan_document kept one pending unit list per body it added. */
        ASSERT(pend != NULL);
        b->n_units = 0;
        for (size_t j = 0; j < pend[i].n; j++) {
            const char *code = pend[i].codes[j];
            int u = hash_find(r->unit_hash, r->unit_mask, code, strlen(code), unit_key, r);
            if (u < 0) {
                problem(pb, "body %s: unknown unit %s", b->id, code);
                continue;
            }
            if (r->unit_flags[u] & UNIT_KIND_UNKNOWN)
                continue; /* the unit's own problem is reported already */
            if (r->units[u].kind != want) {
                problem(pb, "body %s: a %s acts at %s tier but unit %s is a %s", b->id,
                        body_kind_name(b->kind), tier_name(want), code,
                        tier_name(r->units[u].kind));
                continue;
            }
            int seen = 0;
            for (size_t q = 0; q < b->n_units; q++)
                if (b->units[q] == u)
                    seen = 1;
            if (seen)
                continue; /* listed twice: harmless */
            b->units[b->n_units++] = u;
            int32_t *slot = &r->on_unit[(size_t)u * BODY_KIND_COUNT + b->kind];
            if (*slot < 0)
                *slot = (int32_t)i;
            else if (b->kind == BODY_PROPERTY_COMPANY)
                problem(pb, "unit %s: served by two property companies, %s and %s", code,
                        r->bodies[*slot].id, b->id);
        }
    }
    return 0;
}

/* Compound names and aliases, each naming one compound: the locator finds
 * a compound by them, and one that names two could only ever find one of
 * them (issue 12). Compared as bytes; a unit may repeat its own name as an
 * alias. Names of other tiers may repeat (two streets' 新村社区): nothing
 * is located by them. */
typedef struct {
    const char *s;
    int32_t unit;
} name_slot_t;

static int check_compound_names(const registry_t *r, problems_t *pb)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_units; i++)
        if (r->units[i].kind == TIER_COMPOUND)
            n += 1 + r->units[i].n_aliases;
    if (n == 0)
        return 0;
    size_t size = 16;
    while (size < 2 * n + 1)
        size *= 2;
    name_slot_t *tab = calloc(size, sizeof(*tab));
    if (tab == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < r->n_units; i++) {
        const reg_unit_t *u = &r->units[i];
        if (u->kind != TIER_COMPOUND)
            continue;
        for (size_t a = 0; a <= u->n_aliases; a++) {
            const char *s = a == 0 ? u->name : u->aliases[a - 1];
            if (*s == '\0')
                continue; /* a unit with problems of its own */
            size_t h = (size_t)hash_bytes(s, strlen(s)) & (size - 1);
            while (tab[h].s != NULL && strcmp(tab[h].s, s) != 0)
                h = (h + 1) & (size - 1);
            if (tab[h].s == NULL) {
                tab[h].s = s;
                tab[h].unit = (int32_t)i;
            } else if (tab[h].unit != (int32_t)i) {
                const reg_unit_t *o = &r->units[tab[h].unit];
                problem(pb,
                        "unit %s: %s \"%s\" also names compound %s: a compound's names and "
                        "aliases must name it alone",
                        u->code, a == 0 ? "name" : "alias", s, o->code);
            }
        }
    }
    free(tab);
    return 0;
}

/* What every reader of an accepted registry relies on (registry.h): each
 * parent one tier up, each body's units at its tier and indexed under it,
 * codes and ids found by their hashes. O(units + bodies), once per parse. */
static void check_accepted(const registry_t *r)
{
    for (size_t i = 0; i < r->n_units; i++) {
        const reg_unit_t *u = &r->units[i];
        ASSERT((u->parent < 0) == (u->parent_code == NULL));
        ASSERT(u->parent < 0 ||
               ((size_t)u->parent < r->n_units && r->units[u->parent].kind == u->kind + 1));
        ASSERT(hash_find(r->unit_hash, r->unit_mask, u->code, strlen(u->code), unit_key, r) ==
               (int)i);
    }
    for (size_t i = 0; i < r->n_bodies; i++) {
        const reg_body_t *b = &r->bodies[i];
        ASSERT(hash_find(r->body_hash, r->body_mask, b->id, strlen(b->id), body_key, r) == (int)i);
        for (size_t j = 0; j < b->n_units; j++) {
            int32_t u = b->units[j];
            ASSERT(u >= 0 && (size_t)u < r->n_units);
            ASSERT(r->units[u].kind == body_kind_tier(b->kind));
            ASSERT(r->on_unit[(size_t)u * BODY_KIND_COUNT + b->kind] >= 0);
        }
    }
}

static void registry_free(registry_t *r)
{
    if (r == NULL)
        return;
    free(r->units);
    free(r->bodies);
    free(r->unit_hash);
    free(r->body_hash);
    free(r->on_unit);
    free(r->unit_flags);
    arena_free(&r->arena);
    free(r);
}

int registry_parse(const char *json, size_t len, registry_t **out, char **problems)
{
    if (out == NULL)
        return -EINVAL;
    *out = NULL;
    if (problems != NULL)
        *problems = NULL;
    if (json == NULL)
        len = 0;
    registry_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    problems_t pb = {0};
    pending_units_t *pend = NULL;
    size_t cap_pend = 0;
    int rc = 0;
    /* Refused before a byte is parsed: the cost of a file is bounded by
     * the limit, not by what a sender chose to send. */
    if (len > LIMIT_REGISTRY_BYTES_MAX)
        problem(&pb, "registry: %zu bytes, more than the limit of %d", len,
                LIMIT_REGISTRY_BYTES_MAX);
    else
        rc = scan_document(r, json ? json : "", len, &pend, &cap_pend, &pb);
    if (rc == 0 && pb.count == 0 && r->n_units == 0)
        problem(&pb, "registry: no units (a registry needs at least a city)");
    if (rc == 0 && pb.count == 0 && r->n_bodies == 0)
        problem(&pb, "registry: no bodies (a registry needs at least a dispatch centre)");
    if (rc == 0)
        rc = link_units(r, &pb);
    if (rc == 0)
        rc = link_bodies(r, pend, &pb);
    if (rc == 0)
        rc = check_compound_names(r, &pb);
    free(pend);
    if (rc < 0) {
        free(pb.buf);
        registry_free(r);
        return rc;
    }
    if (pb.count > 0) {
        if (pb.oom)
            rc = -ENOMEM;
        else
            rc = -EINVAL;
        if (problems != NULL && !pb.oom) {
            *problems = pb.buf;
            pb.buf = NULL;
        }
        free(pb.buf);
        registry_free(r);
        return rc;
    }
    free(pb.buf);
    free(r->unit_flags);
    r->unit_flags = NULL;
    check_accepted(r);
    *out = r;
    return 0;
}

int registry_load_file(const char *path, registry_t **out, char **problems)
{
    if (out != NULL)
        *out = NULL;
    if (problems != NULL)
        *problems = NULL;
    if (path == NULL || out == NULL)
        return -EINVAL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno ? errno : EIO;
        if (problems != NULL) {
            size_t n = strlen(path) + 128;
            *problems = malloc(n);
            if (*problems != NULL)
                snprintf(*problems, n, "registry: cannot open %s: %s\n", path, strerror(e));
        }
        return -e;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_size > (off_t)LIMIT_REGISTRY_BYTES_MAX) {
        fclose(f);
        if (problems != NULL) {
            size_t n = strlen(path) + 128;
            *problems = malloc(n);
            if (*problems != NULL)
                snprintf(*problems, n, "registry: %s is %lld bytes, more than the limit of %d\n",
                         path, (long long)st.st_size, LIMIT_REGISTRY_BYTES_MAX);
        }
        return -EINVAL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len > LIMIT_REGISTRY_BYTES_MAX) {
            /* Not read further: registry_parse refuses it by its size. */
            break;
        }
        if (cap - len < 65536) {
            size_t ncap = cap ? cap * 2 : 1 << 20;
            char *nb = realloc(buf, ncap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return -ENOMEM;
            }
            buf = nb;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return -EIO;
    }
    int rc = registry_parse(buf, len, out, problems);
    free(buf);
    return rc;
}

void registry_destroy(registry_t **r)
{
    if (r == NULL || *r == NULL)
        return;
    registry_free(*r);
    *r = NULL;
}

size_t registry_unit_count(const registry_t *r)
{
    return r ? r->n_units : 0;
}

size_t registry_body_count(const registry_t *r)
{
    return r ? r->n_bodies : 0;
}

const reg_unit_t *registry_unit(const registry_t *r, size_t i)
{
    return (r && i < r->n_units) ? &r->units[i] : NULL;
}

const reg_body_t *registry_body(const registry_t *r, size_t i)
{
    return (r && i < r->n_bodies) ? &r->bodies[i] : NULL;
}

int registry_unit_find(const registry_t *r, const char *code, size_t len)
{
    if (r == NULL || code == NULL || memchr(code, '\0', len) != NULL)
        return -ENOENT;
    return hash_find(r->unit_hash, r->unit_mask, code, len, unit_key, r);
}

int registry_body_find(const registry_t *r, const char *id, size_t len)
{
    if (r == NULL || id == NULL || memchr(id, '\0', len) != NULL)
        return -ENOENT;
    return hash_find(r->body_hash, r->body_mask, id, len, body_key, r);
}

int registry_ancestor(const registry_t *r, size_t unit, tier_t tier)
{
    if (r == NULL || unit >= r->n_units)
        return -ENOENT;
    int32_t u = (int32_t)unit;
    /* parents always sit one tier up, so this loop runs at most 5 times */
    for (int guard = 0; u >= 0 && guard <= TIER_COUNT; guard++) {
        if (r->units[u].kind == tier)
            return u;
        if (r->units[u].kind > tier)
            return -ENOENT;
        int32_t p = r->units[u].parent;
        ASSERT(p < 0 || ((size_t)p < r->n_units && r->units[p].kind == r->units[u].kind + 1));
        u = p;
    }
    return -ENOENT;
}

int registry_body_on_unit(const registry_t *r, size_t unit, body_kind_t k)
{
    if (r == NULL || unit >= r->n_units || (int)k < 0 || k >= BODY_KIND_COUNT || r->on_unit == NULL)
        return -ENOENT;
    int32_t b = r->on_unit[unit * BODY_KIND_COUNT + k];
    ASSERT(b < 0 || ((size_t)b < r->n_bodies && r->bodies[b].kind == k));
    return b >= 0 ? b : -ENOENT;
}
