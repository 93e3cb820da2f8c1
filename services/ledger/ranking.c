/*
 * ranking.c - scores, ranks and grades property companies (see ranking.h
 * for the composite and the tie rules).
 */
#include "ranking.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double rate(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static int cmp_entry(const void *pa, const void *pb)
{
    const rank_entry_t *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return strcmp(a->body_id, b->body_id);
}

void ranking_compute(rank_entry_t *e, size_t n)
{
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        double s = 100.0 * (0.3 * rate(e[i].replied, e[i].received) +
                            0.2 * rate(e[i].replied_on_time, e[i].received) +
                            0.3 * rate(e[i].resolved, e[i].received) +
                            0.2 * rate(e[i].satisfied, e[i].rated));
        /* Rounded so that figures equal on paper are equal here. */
        e[i].score = round(s * 10000.0) / 10000.0;
    }
    qsort(e, n, sizeof *e, cmp_entry);
    size_t jia = (2 * n + 5) / 10, yi = (7 * n + 5) / 10, fifth = n / 5;
    size_t best = 0; /* place of the first of the current tie group */
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && e[i].score != e[i - 1].score)
            best = i;
        e[i].rank = (uint32_t)best + 1;
        e[i].grade = best < jia ? GRADE_JIA : best < yi ? GRADE_YI : GRADE_BING;
        e[i].list = best < fifth                       ? LIST_RED
                    : (fifth > 0 && best >= n - fifth) ? LIST_BLACK
                                                       : LIST_NONE;
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
