/*
 * lexicon.h - reader for the tab-separated lexicon files under
 * deploy/lexicon/ (format in deploy/lexicon/README.md): splits a file into
 * non-comment lines and tab fields, and validates phrases and weights, so
 * that every malformed line is reported as "file:line: reason" and no input
 * can crash the loader.
 */
#ifndef LIANDONG_LEXICON_H
#define LIANDONG_LEXICON_H

#include <stddef.h>

#define LEX_MAX_FIELDS 8
#define LEX_MAX_FILE (16u << 20) /* 16 MiB: a lexicon is a few KiB */
#define LEX_MAX_PHRASE 255       /* bytes */

typedef struct {
    const char *ptr[LEX_MAX_FIELDS];
    size_t len[LEX_MAX_FIELDS];
    int n;
} lex_fields_t;

typedef struct {
    char path[512];
    char *buf;
    size_t len;
    size_t pos;
    unsigned line; /* 1-based number of the line last returned */
} lex_file_t;

/* Read the whole file. Returns 0, or a negative errno with a message in err. */
int lex_open(lex_file_t *f, const char *path, char *err, size_t errlen);
/* Next line that is neither blank nor a comment, split on tabs. A field that
 * starts with '#' ends the line (trailing comment). Returns 1 with fields,
 * 0 at end of file, or -EINVAL (message "path:line: ...") for a line with a
 * NUL byte or too many fields. */
int lex_next(lex_file_t *f, lex_fields_t *out, char *err, size_t errlen);
void lex_close(lex_file_t *f);

/* Write "path:line: msg" into err and return -EINVAL. */
int lex_error(const lex_file_t *f, char *err, size_t errlen, const char *msg);

/* 1 when s[0..len) is well-formed UTF-8 without control characters. */
int lex_utf8_ok(const char *s, size_t len);
/* 0 when s is a usable phrase (1..LEX_MAX_PHRASE bytes of valid UTF-8, no
 * control characters, no leading or trailing space), else -EINVAL. */
int lex_check_phrase(const char *s, size_t len);
/* Strict decimal integer in [lo, hi] with optional sign; 0 or -EINVAL. */
int lex_parse_int(const char *s, size_t len, long lo, long hi, long *out);
/* 1 when the field equals the NUL-terminated word. */
int lex_field_is(const char *s, size_t len, const char *word);

#endif
