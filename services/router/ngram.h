/*
 * ngram.h - the classifier's statistical second opinion: a multinomial
 * Naive Bayes model over character unigrams and bigrams, trained offline by
 * tests/router/train_model.py into deploy/lexicon/model.tsv (format in
 * deploy/lexicon/README.md) and loaded here at start-up. classify.c consults
 * it only when the lexicon's evidence is weak (see ngram_model_below()).
 *
 * Tokens are code points of the normalised text: CJK ideographs and ASCII
 * letters (lower-cased) each count, a run of ASCII digits counts as one
 * token "0", anything else separates; features are every token and every
 * pair of adjacent tokens. Scores are log-probabilities x 100 (integers).
 */
#ifndef LIANDONG_NGRAM_H
#define LIANDONG_NGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "domain.h"

typedef struct ngram_model ngram_model_t;

#define NGRAM_TOP_FEATURES 5

typedef struct {
    category_t best;           /* the model's category */
    category_t second;         /* its runner-up */
    int32_t margin;            /* best minus runner-up score, x 100 nats */
    uint32_t known;            /* features of the text found in the model */
    int64_t scores[CAT_COUNT]; /* per category, x 100 */
    /* the features that favour `best` over `second` most, strongest first,
     * with their weight for best minus their weight for second */
    uint32_t feat[NGRAM_TOP_FEATURES][2]; /* code points; [1] == 0: unigram */
    int32_t feat_weight[NGRAM_TOP_FEATURES];
    int nfeat;
} ngram_result_t;

/* Load a model file. Every problem of the file is listed in err
 * ("path:line: reason", separated by "; ", as many as fit) and the call
 * returns -EINVAL; -ENOENT when the file does not exist (the message says
 * so too). */
int ngram_load(const char *path, ngram_model_t **out, char *err, size_t errlen);
/* Score normalised text. Thread-safe on a loaded model (read-only). */
int ngram_score(const ngram_model_t *m, const char *text, size_t len, ngram_result_t *out);
/* The rule's parameters, from the model file: consult the model when the
 * lexicon's best score is below `below`; let it decide when its margin is at
 * least `margin` + `per_point` x the lexicon's lead over its runner-up
 * (margins x 100 nats). */
int ngram_model_below(const ngram_model_t *m);
int ngram_model_margin(const ngram_model_t *m);
int ngram_model_per_point(const ngram_model_t *m);
size_t ngram_model_size(const ngram_model_t *m); /* features held */
void ngram_destroy(ngram_model_t **m);

/* Write code point sequence (1 or 2) as UTF-8 + NUL into buf (>= 9 bytes). */
void ngram_feature_text(const uint32_t cp[2], char *buf);

#endif
