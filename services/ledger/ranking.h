/*
 * ranking.h - the monthly ranking of property companies (ROUTING.md
 * section 8), pure C without a database; RankingQuery (req_figures.c)
 * answers with it.
 *
 * The ranking's composite, written down once (and printed with every
 * ranking, Ranking.formula):
 *
 *   score = 100 * (0.3 * reply rate + 0.2 * on-time reply rate
 *                  + 0.3 * resolution rate + 0.2 * satisfaction rate)
 *
 * over the month's figures of each property company (figures_body_daily):
 * reply, on-time reply and resolution rates per case received, the
 * satisfaction rate per rated case (0 when nothing was rated: a company
 * gains nothing from unrated cases). A company that received no case in
 * the month is not ranked. Scores are rounded to 4 decimals before they
 * are compared, so equal figures always tie.
 *
 * Order: score descending; equal scores share a rank (1, 2, 2, 4) and are
 * listed by body id. With n companies ranked:
 *   grades  甲 for the first round(0.2 n) places, 乙 up to round(0.7 n),
 *           丙 after (2:5:3; round half up);
 *   red     list: the first floor(n / 5) places (the top fifth);
 *   black   list: the last floor(n / 5) places (the bottom fifth).
 * A tie is never split: every company of a group of equal scores gets the
 * grade, and the list, of the group's best place. So a group straddling a
 * cut is graded up and red-listed together, and black-listed only when the
 * whole group lies in the bottom fifth.
 */
#ifndef LIANDONG_LEDGER_RANKING_H
#define LIANDONG_LEDGER_RANKING_H

#include <stddef.h>
#include <stdint.h>

#define RANKING_FORMULA                                                                            \
    "score = 100 * (0.3 reply rate + 0.2 on-time reply rate + 0.3 resolution rate"                 \
    " + 0.2 satisfaction rate); grades 2:5:3, red/black list = top/bottom fifth; ties share"       \
    " the better place"

enum { GRADE_JIA = 0, GRADE_YI, GRADE_BING };
enum { LIST_NONE = 0, LIST_RED, LIST_BLACK };

typedef struct {
    /* in */
    const char *body_id;
    uint64_t received, replied, replied_on_time, resolved, rated, satisfied;
    void *user; /* the caller's, carried along */
    /* out */
    double score;
    uint32_t rank;
    int grade;
    int list;
} rank_entry_t;

/* Scores, sorts (best first) and grades e[0..n). Pure: no database. */
void ranking_compute(rank_entry_t *e, size_t n);
const char *ranking_grade_name(int grade);
const char *ranking_list_name(int list);

#endif
