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
 * over the month's figures of each property company (figures_body_monthly):
 * reply, on-time reply and resolution rates per case received, the
 * satisfaction rate per rated case (0 inside the score when nothing was
 * rated: a company gains nothing from unrated cases; the tables still
 * show its satisfaction as n/a). Scores are compared at 4 decimals, so
 * equal figures always tie; the score itself is not rounded (it is
 * rounded once, where it is shown).
 *
 * Not ranked: a company that received no case in the month. It is listed
 * after the ranked ones (by body id) with rank 0, no score, no grade and
 * no list; it never takes a place.
 *
 * Places: score descending; equal scores share a place and the next
 * place is skipped (1, 2, 2, 4); equal scores are listed by body id. For
 * a company, p = 1 + the number of ranked companies strictly better, and
 * q = 1 + the number strictly worse (its place counted from the bottom,
 * ties sharing it in the same way). With n companies ranked:
 *   J = round(0.2 n), B = n - round(0.7 n)   (2:5:3, round half up)
 *   F = floor(n / 5)                          (a fifth; 0 below 5 ranked)
 *   甲 when p <= J, 丙 when q <= B, else 乙;
 *   red list when p <= F, black list when q <= F.
 * So a tie group is never split: a group reaching into the top J places
 * is 甲 whole, one reaching into the bottom B places is 丙 whole, and the
 * same for the red and black lists; a group that reaches into both ends
 * (the figures cannot tell its members from the best nor from the worst,
 * e.g. every company equal) is 乙 and on neither list. Hence with n >= 5
 * ranked the last company is 丙 and black-listed (and the first 甲 and
 * red-listed) unless its tie group also reaches the other end.
 */
#ifndef LIANDONG_LEDGER_RANKING_H
#define LIANDONG_LEDGER_RANKING_H

#include <stddef.h>
#include <stdint.h>

#define RANKING_FORMULA                                                                            \
    "score = 100 * (0.3 reply rate + 0.2 on-time reply rate + 0.3 resolution rate"                 \
    " + 0.2 satisfaction rate); companies with no case received are not ranked; equal scores"      \
    " share a place and the next is skipped; grades 2:5:3 and red/black list = top/bottom fifth,"  \
    " a tie group taking the grade and list of the end it reaches (services/ledger/ranking.h)"

enum { GRADE_NONE = -1, GRADE_JIA = 0, GRADE_YI, GRADE_BING };
enum { LIST_NONE = 0, LIST_RED, LIST_BLACK };

typedef struct {
    /* in */
    const char *body_id;
    uint64_t received, replied, replied_on_time, resolved, rated, satisfied;
    void *user; /* the caller's, carried along */
    /* out */
    int ranked; /* 0: received nothing, rank 0, GRADE_NONE, LIST_NONE */
    double score;
    uint32_t rank;
    int grade;
    int list;
} rank_entry_t;

/* Scores, sorts (ranked best first, then the not ranked by id) and
 * grades e[0..n). Pure: no database. */
void ranking_compute(rank_entry_t *e, size_t n);
const char *ranking_grade_name(int grade);
const char *ranking_list_name(int list);

#endif
