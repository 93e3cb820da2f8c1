/*
 * fuzz_lexicon.c - libFuzzer target for the lexicon files the router reads
 * from its --lexicon directory (services/router/lexicon.h, classify.h):
 * the first byte picks one file of deploy/lexicon, the rest replaces its
 * text in a scratch copy of the directory, and the whole classifier is
 * loaded from it. Any bytes are either loaded (then a few demands are
 * classified with it) or refused with "file:line: reason", never a crash.
 * Run from the repository root (or set LIANDONG_FUZZ_LEXICON).
 *
 * model.tsv (optional for the classifier, and 5,000 lines: loading it made
 * every input cost 100 ms) is in the scratch directory only while it is
 * the file being fuzzed.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FILES 64

static char scratch[] = "/tmp/liandong-fuzz-lexicon-XXXXXX";
static char *names[MAX_FILES];
static char *texts[MAX_FILES];
static size_t lens[MAX_FILES];
static size_t nfiles;

static int write_file(const char *name, const void *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    int bad = n > 0 && fwrite(p, 1, n, f) != n;
    return (fclose(f) != 0 || bad) ? -1 : 0;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            char *nb = realloc(buf, cap ? cap * 2 : 65536);
            if (nb == NULL)
                break;
            buf = nb;
            cap = cap ? cap * 2 : 65536;
        }
        size_t got = fread(buf + *len, 1, cap - *len, f);
        if (got == 0)
            break;
        *len += got;
    }
    fclose(f);
    return buf;
}

static int is_model(const char *name)
{
    return strcmp(name, "model.tsv") == 0;
}

static void remove_file(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    (void)unlink(path);
}

/* libFuzzer ends with exit(): leave no scratch directory behind. */
static void cleanup(void)
{
    for (size_t i = 0; i < nfiles; i++)
        remove_file(names[i]);
    (void)rmdir(scratch);
}

/* A scratch copy of the real lexicons, made once per process. */
static void setup(void)
{
    const char *src = getenv("LIANDONG_FUZZ_LEXICON");
    if (src == NULL)
        src = "deploy/lexicon";
    if (mkdtemp(scratch) == NULL)
        abort();
    DIR *d = opendir(src);
    if (d == NULL)
        abort(); /* run from the repository root */
    const struct dirent *e;
    while ((e = readdir(d)) != NULL && nfiles < MAX_FILES) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".tsv") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", src, e->d_name);
        names[nfiles] = strdup(e->d_name);
        texts[nfiles] = read_file(path, &lens[nfiles]);
        if (names[nfiles] == NULL || texts[nfiles] == NULL ||
            (!is_model(names[nfiles]) &&
             write_file(names[nfiles], texts[nfiles], lens[nfiles]) < 0))
            abort();
        nfiles++;
    }
    closedir(d);
    if (nfiles == 0)
        abort();
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (nfiles == 0)
        setup();
    if (size == 0)
        return 0;
    size_t which = data[0] % nfiles;
    if (write_file(names[which], data + 1, size - 1) < 0)
        abort();
    classifier_t *c = NULL;
    char err[512];
    if (classifier_load(scratch, &c, err, sizeof err) == 0) {
        static const char *const demands[] = {"3栋楼道的灯坏了", "电梯困人了，快来",
                                              "楼下烧烤油烟很大", "孩子上学的学位问题"};
        for (size_t i = 0; i < sizeof demands / sizeof demands[0]; i++) {
            classification_t out;
            (void)classifier_classify(c, demands[i], strlen(demands[i]), &out);
        }
        classifier_destroy(&c);
    }
    if (is_model(names[which]))
        remove_file(names[which]);
    else if (write_file(names[which], texts[which], lens[which]) < 0)
        abort();
    return 0;
}
