/*
 * db_figures.h - the operators' figures beyond RatesQuery: the monthly
 * ranking of property companies (ROUTING.md section 8) and the list of
 * overdue cases. Plugged into the batch executor (db_batch.c) as one more
 * kind of read-only request.
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
#ifndef LIANDONG_LEDGER_DB_FIGURES_H
#define LIANDONG_LEDGER_DB_FIGURES_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "db_batch.h"

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

/* The prepared statements this file uses (appended to the ledger's). */
const db_stmt_t *figures_statements(size_t *n);

/* Hooks for db_batch.c, each for requests this file serves:
 * figures_validate: 1 = valid, send it; 0 = not ours, or refused (then the
 *   job is done with its error);
 * figures_send: queues the statements; returns how many, 0 when not ours,
 *   -ENOTCONN;
 * figures_answer: builds the answer from the job's results; 1 when ours. */
int figures_validate(ledger_job_t *j);
int figures_send(db_t *db, ledger_job_t *j);
int figures_answer(ledger_job_t *j);

#endif
