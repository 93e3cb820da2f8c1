/*
 * console_csv.h - CSV for the console's exports: UTF-8 with a byte-order
 * mark (spreadsheet programs otherwise read Chinese as the local code
 * page), RFC 4180 quoting, CRLF rows, and a defence against formula
 * injection: a cell a resident wrote that begins with = + - @ (or a tab
 * or CR) is prefixed with ' so a spreadsheet shows it as text instead of
 * running it (a demand's text is attacker-controlled).
 */
#ifndef CONSOLE_CSV_H
#define CONSOLE_CSV_H

#include "console_html.h"

void csv_begin(html_t *h);                            /* the BOM */
void csv_cell(html_t *h, const char *s, int first);   /* first: no comma before */
void csv_cell_num(html_t *h, long long v, int first); /* a number, never prefixed */
void csv_end_row(html_t *h);

#endif
