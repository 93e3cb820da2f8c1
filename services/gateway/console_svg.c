/*
 * console_svg.c - the console's SVG charts (console_svg.h).
 */
#include "console_svg.h"

#include <math.h>

#define TREND_W 640
#define TREND_H 200
#define PAD_L 44
#define PAD_B 36
#define PAD_T 24

void svg_trend(html_t *h, const char *title, const char *const *labels, const double *values,
               size_t n)
{
    html_rawf(h,
              "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
              "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>",
              TREND_W, TREND_H, TREND_W, TREND_H);
    html_text(h, title);
    html_raw(h, "</title>");
    int plot_w = TREND_W - PAD_L - 36, plot_h = TREND_H - PAD_B - PAD_T;
    for (int pct = 0; pct <= 100; pct += 25) {
        double y = PAD_T + plot_h - plot_h * pct / 100.0;
        html_rawf(h,
                  "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                  "<text x=\"4\" y=\"%.1f\" font-size=\"11\">%d%%</text>",
                  PAD_L, y, PAD_L + plot_w, y, y + 4, pct);
    }
    double step = n > 1 ? (double)plot_w / (double)(n - 1) : 0;
    int open = 0;
    for (size_t i = 0; i < n; i++) {
        double x = PAD_L + step * (double)i;
        if (isnan(values[i]) || values[i] < 0) {
            if (open)
                html_raw(h, "\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\"/>");
            open = 0;
        } else {
            double y = PAD_T + plot_h - plot_h * (values[i] > 1 ? 1 : values[i]);
            html_rawf(h, "%s%.1f,%.1f", open ? " " : "<polyline points=\"", x, y);
            open = 1;
        }
    }
    if (open)
        html_raw(h, "\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\"/>");
    for (size_t i = 0; i < n; i++) {
        double x = PAD_L + step * (double)i;
        if (!isnan(values[i]) && values[i] >= 0) {
            double y = PAD_T + plot_h - plot_h * (values[i] > 1 ? 1 : values[i]);
            html_rawf(h, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#c0392b\"/>", x, y);
        }
        html_rawf(h, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">", x,
                  TREND_H - 12);
        html_text(h, labels[i]);
        html_raw(h, "</text>");
    }
    html_raw(h, "</svg>");
}

void svg_bars(html_t *h, const char *title, const char *const *labels,
              const unsigned long long *values, size_t n)
{
    unsigned long long max = 0;
    for (size_t i = 0; i < n; i++)
        if (values[i] > max)
            max = values[i];
    int row = 22, w = 640, label_w = 200, bar_w = w - label_w - 70;
    html_rawf(h,
              "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
              "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>",
              w, (int)n * row + 8, w, (int)n * row + 8);
    html_text(h, title);
    html_raw(h, "</title>");
    for (size_t i = 0; i < n; i++) {
        int y = 4 + (int)i * row;
        double len = max ? (double)bar_w * (double)values[i] / (double)max : 0;
        html_rawf(h, "<text x=\"0\" y=\"%d\" font-size=\"12\">", y + 14);
        html_text(h, labels[i]);
        html_rawf(h,
                  "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#2c7fb8\"/>"
                  "<text x=\"%.1f\" y=\"%d\" font-size=\"12\">%llu</text>",
                  label_w, y, len, label_w + len + 4, y + 14, values[i]);
    }
    html_raw(h, "</svg>");
}
