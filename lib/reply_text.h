/*
 * reply_text.h - what makes a reply or a resolution an answer (ROUTING.md
 * section 8: "a reply has to say something").
 *
 * One rule, used by the ledger (the authority: it refuses what breaks it)
 * and by the router's desk (which refuses the same texts early, with the
 * same reason): the text must hold at least `min_chars` Unicode characters
 * of content, where whitespace, punctuation and symbols (ASCII, Latin-1,
 * general punctuation, CJK and full-width punctuation) are not content.
 * "已派电工维修" has six; "。。。", "   " and "ok" (below 4) have too few.
 * A resolution's text is its result, under the same rule.
 */
#ifndef LIANDONG_REPLY_TEXT_H
#define LIANDONG_REPLY_TEXT_H

#include <stddef.h>

/* The default minimum (flag --min-reply-chars, LIANDONG_MIN_REPLY_CHARS). */
#define REPLY_TEXT_MIN_CHARS_DEFAULT 4
#define REPLY_TEXT_MIN_CHARS_MAX 1000

/* Characters of content in UTF-8 `text` (invalid bytes count as none). */
size_t reply_text_content_chars(const char *text);

/* 0 when `text` carries at least min_chars characters of content; else
 * -EINVAL with the reason in `why` (what = "reply text", "resolution
 * result", ...). */
int reply_text_check(const char *text, size_t min_chars, const char *what, char *why, size_t len);

#endif
