/*
 * repeat.c - the similarity of two residents' texts (repeat.h): character
 * bigrams of the text with spaces, punctuation and symbols dropped, so "3号
 * 楼电梯停了！" and "3号楼的电梯又停了" share 号楼, 楼电, 电梯 ... whatever
 * the wording around them. Chinese has no word boundaries; bigrams of
 * characters are what the text's words are made of.
 */
#include "repeat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Next code point of s[*i..len), advancing *i; invalid bytes are skipped
 * as U+FFFD (dropped by keep()). */
static uint32_t next_cp(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char c = s[*i];
    size_t n = c < 0x80             ? 1
               : (c & 0xE0) == 0xC0 ? 2
               : (c & 0xF0) == 0xE0 ? 3
               : (c & 0xF8) == 0xF0 ? 4
                                    : 0;
    if (n == 0 || *i + n > len) {
        (*i)++;
        return 0xFFFD;
    }
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (size_t k = 1; k < n; k++) {
        if ((s[*i + k] & 0xC0) != 0x80) {
            (*i)++;
            return 0xFFFD;
        }
        cp = (cp << 6) | (s[*i + k] & 0x3Fu);
    }
    *i += n;
    return cp;
}

/* Letters, digits and ideographs count; spaces, punctuation (ASCII,
 * CJK, full-width) and symbols do not. ASCII letters fold to lower
 * case, full-width ASCII to half-width. */
static int keep(uint32_t *cp)
{
    uint32_t c = *cp;
    if (c >= 0xFF01 && c <= 0xFF5E)
        c -= 0xFEE0;
    if (c >= 'A' && c <= 'Z')
        c += 'a' - 'A';
    *cp = c;
    /* particles and pronouns of every sentence: 的 了 我 们 是 在 又 也
     * 都 很 吧 呢 啊 吗 请 */
    static const uint32_t stop[] = {0x7684, 0x4E86, 0x6211, 0x4EEC, 0x662F, 0x5728, 0x53C8, 0x4E5F,
                                    0x90FD, 0x5F88, 0x5427, 0x5462, 0x554A, 0x5417, 0x8BF7};
    for (size_t k = 0; k < sizeof stop / sizeof stop[0]; k++)
        if (c == stop[k])
            return 0;
    if (c < 0x80)
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
    if (c == 0xFFFD || (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
        (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFFEF) ||
        (c >= 0x2190 && c <= 0x2BFF))
        return 0;
    return 1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The text's distinct bigrams, sorted, in a malloc'd array (*n of them). */
static uint64_t *bigrams(const char *text, size_t len, const char *noise, size_t *n)
{
    size_t nlen = noise ? strlen(noise) : 0;
    const unsigned char *s = (const unsigned char *)text;
    uint64_t *out = malloc(REPEAT_TEXT_MAX * sizeof(*out));
    if (out == NULL)
        return NULL;
    size_t i = 0, chars = 0, k = 0;
    uint32_t prev = 0;
    int have_prev = 0;
    while (i < len && chars < REPEAT_TEXT_MAX) {
        if (nlen && len - i >= nlen && memcmp(text + i, noise, nlen) == 0) {
            i += nlen;
            continue;
        }
        uint32_t cp = next_cp(s, len, &i);
        if (!keep(&cp))
            continue; /* a dropped character does not break the bigram */
        chars++;
        if (have_prev && k < REPEAT_TEXT_MAX)
            out[k++] = ((uint64_t)prev << 32) | cp;
        prev = cp;
        have_prev = 1;
    }
    qsort(out, k, sizeof(*out), cmp_u64);
    size_t u = 0;
    for (size_t x = 0; x < k; x++)
        if (u == 0 || out[u - 1] != out[x])
            out[u++] = out[x];
    *n = u;
    return out;
}

int repeat_similarity(const char *a, size_t alen, const char *b, size_t blen, const char *noise)
{
    size_t na = 0, nb = 0;
    uint64_t *ga = bigrams(a, alen, noise, &na);
    uint64_t *gb = ga ? bigrams(b, blen, noise, &nb) : NULL;
    int score = 0;
    if (ga && gb && na + nb > 0) {
        size_t i = 0, j = 0, shared = 0;
        while (i < na && j < nb) {
            if (ga[i] == gb[j]) {
                shared++;
                i++;
                j++;
            } else if (ga[i] < gb[j]) {
                i++;
            } else {
                j++;
            }
        }
        score = (int)((200 * shared + (na + nb) / 2) / (na + nb));
    }
    free(ga);
    free(gb);
    return score;
}
