/*
 * console_csv.c - CSV cells and rows (console_csv.h).
 */
#include "console_csv.h"

#include <string.h>

void csv_begin(html_t *h)
{
    html_raw(h, "\xEF\xBB\xBF");
}

void csv_cell(html_t *h, const char *s, int first)
{
    if (!first)
        html_raw(h, ",");
    if (s == NULL)
        s = "";
    /* Formula injection: =, +, -, @ start a formula in common spreadsheet
     * programs, and a leading tab or CR is read past by some. */
    int guard =
        s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
    int quote = guard || strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        html_raw(h, "\"");
    if (guard)
        html_raw(h, "'");
    const char *run = s;
    for (const char *c = s; *c; c++) {
        if (*c == '"') {
            html_rawn(h, run, (size_t)(c - run) + 1);
            html_raw(h, "\"");
            run = c + 1;
        }
    }
    html_raw(h, run);
    if (quote)
        html_raw(h, "\"");
}

void csv_cell_num(html_t *h, long long v, int first)
{
    html_rawf(h, "%s%lld", first ? "" : ",", v);
}

void csv_end_row(html_t *h)
{
    html_raw(h, "\r\n");
}
