/*
 * ranking.c - scores, ranks and grades property companies (see ranking.h
 * for the composite, the places and the tie rules).
 */
#include "ranking.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double rate(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

/* The score as compared: at 4 decimals, so that figures equal on paper
 * (1/3 and 2/6) are equal here whatever the floating point did. The score
 * itself stays unrounded: it is rounded once, where it is shown. */
static double score_key(const rank_entry_t *e)
{
    return round(e->score * 10000.0);
}

/* Ranked first, best score first; equal scores and the not ranked by id. */
static int cmp_entry(const void *pa, const void *pb)
{
    const rank_entry_t *a = pa, *b = pb;
    if (a->ranked != b->ranked)
        return a->ranked ? -1 : 1;
    if (a->ranked && score_key(a) != score_key(b))
        return score_key(a) > score_key(b) ? -1 : 1;
    return strcmp(a->body_id, b->body_id);
}

void ranking_compute(rank_entry_t *e, size_t n)
{
    if (n == 0)
        return;
    size_t m = 0; /* companies ranked */
    for (size_t i = 0; i < n; i++) {
        e[i].ranked = e[i].received > 0;
        e[i].score = 0.0;
        e[i].rank = 0;
        e[i].grade = GRADE_NONE;
        e[i].list = LIST_NONE;
        if (!e[i].ranked)
            continue;
        m++;
        e[i].score = 100.0 * (0.3 * rate(e[i].replied, e[i].received) +
                              0.2 * rate(e[i].replied_on_time, e[i].received) +
                              0.3 * rate(e[i].resolved, e[i].received) +
                              0.2 * rate(e[i].satisfied, e[i].rated));
    }
    qsort(e, n, sizeof *e, cmp_entry);
    /* Cuts of ranking.h: J and B places for 甲 and 丙, F for each list. */
    size_t jia = (2 * m + 5) / 10, bing = m - (7 * m + 5) / 10, fifth = m / 5;
    size_t first = 0; /* index of the first of the current tie group */
    while (first < m) {
        size_t end = first + 1; /* one past its last */
        while (end < m && score_key(&e[end]) == score_key(&e[first]))
            end++;
        size_t p = first + 1;   /* 1 + strictly better */
        size_t q = m - end + 1; /* 1 + strictly worse */
        int top = p <= jia, bottom = q <= bing;
        int grade = top == bottom ? GRADE_YI : top ? GRADE_JIA : GRADE_BING;
        int red = p <= fifth, black = q <= fifth;
        int list = red == black ? LIST_NONE : red ? LIST_RED : LIST_BLACK;
        for (size_t i = first; i < end; i++) {
            e[i].rank = (uint32_t)p;
            e[i].grade = grade;
            e[i].list = list;
        }
        first = end;
    }
}

const char *ranking_grade_name(int grade)
{
    static const char *const names[] = {"甲", "乙", "丙"};
    return grade >= 0 && grade <= GRADE_BING ? names[grade] : "";
}

const char *ranking_list_name(int list)
{
    return list == LIST_RED ? "red" : list == LIST_BLACK ? "black" : "";
}
