/* rt_plot.c — the pictures at the end of a run: curves.svg and boundary.svg, standalone SVG 1.1. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_internal.h"

/* Colours of the course notes' plots (matplotlib's tab10): class k, train = 0, test = 1. */
static const char *const palette[10] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
#define FONT "DejaVu Sans, Helvetica, Arial, sans-serif"
#define MAX_CURVE_POINTS 1500 /* per series: more than the panel has pixels */
#define MAX_DOTS 2000         /* training points in boundary.svg, so the file stays small */
#define MAX_TEST_DOTS 1000    /* test points beside them */
#define GRID 100              /* boundary.svg: GRID x GRID cells of 5 px */
#define LEVELS 10             /* regression shades: steps of 0.1 */

/* ---- the document: grown in memory, written in one go so a failure leaves nothing ---------- */

typedef struct svg {
    char *p;
    size_t len, cap;
    int failed; /* out of memory or a printf error: reported once, by svg_save */
} svg;

static void put(svg *g, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void put(svg *g, const char *fmt, ...)
{
    while (!g->failed) {
        va_list ap;
        size_t room = g->cap - g->len;
        va_start(ap, fmt);
        int n = vsnprintf(g->p ? g->p + g->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            g->failed = 1;
        } else if ((size_t)n < room) {
            g->len += (size_t)n;
            return;
        } else {
            size_t cap = g->cap ? g->cap : 8192;
            while (cap - g->len <= (size_t)n) cap *= 2;
            char *p = realloc(g->p, cap);
            if (p) {
                g->p = p;
                g->cap = cap;
            } else {
                g->failed = 1;
            }
        }
    }
}

/* Text content and attribute values: a network name is user text, and XML has five specials.
 * Control characters are not allowed in XML 1.0 at all, so they become '?'. */
static void put_text(svg *g, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': put(g, "&amp;"); break;
        case '<': put(g, "&lt;"); break;
        case '>': put(g, "&gt;"); break;
        case '"': put(g, "&quot;"); break;
        case '\'': put(g, "&apos;"); break;
        default: put(g, "%c", c < 0x20 && c != '\t' && c != '\n' ? '?' : (char)c);
        }
    }
}

/* Text at (x, y); anchor "start", "middle" or "end"; extra attributes verbatim. */
static void label(svg *g, double x, double y, const char *anchor, const char *attrs, const char *s)
{
    put(g, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s>", x, y, anchor, *attrs ? " " : "",
        attrs);
    put_text(g, s);
    put(g, "</text>\n");
}

static void svg_open(svg *g, int w, int h)
{
    put(g, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
           "viewBox=\"0 0 %d %d\" font-family=\"%s\" font-size=\"12\">\n"
           "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
        w, h, w, h, FONT, w, h);
}

/* Temp file beside the target, then rename: a reader sees the old picture or the new one, never
 * half of one (SPEC section 4: nothing half-written is left behind). */
static int svg_save(svg *g, const char *path)
{
    put(g, "</svg>\n");
    if (g->failed) {
        rt_error(path, 0, "cannot write: out of memory");
        return -1;
    }
    rt_atomic a;
    if (rt_atomic_open(&a, path)) return -1;
    return rt_atomic_close(&a, fwrite(g->p, 1, g->len, a.f) == g->len);
}

/* ---- axes ------------------------------------------------------------------------------- */

typedef struct axis {
    double lo, hi, step; /* data range shown; tick spacing (1, 2 or 5 times a power of ten) */
} axis;

/* Beyond this a value only says "huge"; clamping keeps every range and pixel finite. */
static double tame(double v)
{
    return v > 1e300 ? 1e300 : v < -1e300 ? -1e300 : v;
}

/* ~`ticks` intervals over [lo, hi] at 1-2-5 steps, never below min_step (epochs are whole). */
static double nice_step(double lo, double hi, int ticks, double min_step)
{
    double raw = (hi - lo) / ticks;
    double p = pow(10.0, floor(log10(raw)));
    double f = raw / p;
    double step = (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0) * p;
    return step < min_step ? min_step : step;
}

/* A range with room to draw: a constant series (or a single point) gets a band around it,
 * so nothing divides by zero and the point sits in the middle. */
static void widen(double *lo, double *hi)
{
    double mag = fmax(fabs(*lo), fabs(*hi));
    if (*hi - *lo > mag * 1e-9 && *hi - *lo > 1e-300) return;
    if (mag == 0) { /* all zero: [0, 1], as a loss of 0 or an untouched input has no sign */
        *hi = 1;
        return;
    }
    *lo -= mag * 0.1;
    *hi += mag * 0.1;
}

/* Axis that ends on ticks, for curves. A margin (a fraction of the range) keeps values off the
 * frame; `keep_lo` pins a bound the data should stand on, such as a loss axis from 0. */
static axis axis_nice(double lo, double hi, int ticks, double min_step, double margin, int keep_lo)
{
    widen(&lo, &hi);
    margin *= hi - lo;
    if (!keep_lo) lo -= margin;
    hi += margin;
    axis a;
    a.step = nice_step(lo, hi, ticks, min_step);
    a.lo = floor(lo / a.step) * a.step;
    a.hi = ceil(hi / a.step) * a.step;
    return a;
}

/* Axis over exactly [lo, hi] with ticks inside, for the boundary's raw input range. */
static axis axis_exact(double lo, double hi, int ticks)
{
    widen(&lo, &hi);
    axis a = {lo, hi, nice_step(lo, hi, ticks, 0.0)};
    return a;
}

/* Value to pixel. Values cut off the chart (early losses) still get a short number: a pixel
 * beyond a million is as off-chart as any. */
static double map(const axis *a, double v, double p0, double len)
{
    double px = p0 + (v - a->lo) / (a->hi - a->lo) * len;
    return px > 1e6 ? 1e6 : px >= -1e6 ? px : -1e6;
}

/* Tick labels with as many digits as the step needs: 0.05 steps print 0.15, not 0.150000;
 * negative ones with a real minus sign, as typeset axes have. */
static void tick_text(char *buf, size_t n, double v, const axis *ax)
{
    double step = ax->step;
    if (fabs(v) < step * 1e-6) v = 0.0; /* no "-0" or "1e-17" where 0 belongs */
    const char *sign = v < 0 ? "−" : "";
    /* One notation per axis, chosen by its largest tick, so 500000 and 1e6 never sit together. */
    double a = fabs(v), big = fmax(fmax(fabs(ax->lo), fabs(ax->hi)), step);
    if (big >= 1e6 || step < 1e-4) {
        int digits = (int)(floor(log10(fmax(a, step))) - floor(log10(step))) + 1;
        snprintf(buf, n, "%s%.*g", sign, digits < 1 ? 1 : digits > 15 ? 15 : digits, a);
        /* 1.5e+12 -> 1.5e12, 2e-05 -> 2e-5: tick labels must stay narrow beside the axis */
        char *e = strchr(buf, 'e');
        if (e) {
            char *d = e + 1, *from = e + 1;
            if (*from == '+') from++;
            else if (*from == '-') d++, from++;
            while (*from == '0' && from[1]) from++;
            memmove(d, from, strlen(from) + 1);
        }
    } else {
        int dec = step >= 1.0 ? 0 : (int)-floor(log10(step) + 1e-9);
        snprintf(buf, n, "%s%.*f", sign, dec, a);
    }
}

/* The first tick at or after a.lo and how many fit; ticks are multiples of the step. */
static int tick_span(const axis *a, double *first)
{
    *first = ceil(a->lo / a->step - 1e-9) * a->step;
    double n = floor((a->hi - *first) / a->step + 1e-9);
    return n < 0 ? 0 : n > 40 ? 40 : (int)n;
}

/* Grid lines and tick labels of both axes around the plot area (x0, y0, w, h). */
static void draw_axes(svg *g, const axis *ax, const axis *ay, double x0, double y0, double w, double h,
                      int grid)
{
    char buf[48];
    double first;
    int n = tick_span(ax, &first);
    for (int k = 0; k <= n; k++) {
        double v = first + k * ax->step, x = map(ax, v, x0, w);
        if (grid)
            put(g, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>\n", x, y0,
                x, y0 + h);
        put(g, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555555\"/>\n", x,
            y0 + h, x, y0 + h + 5);
        tick_text(buf, sizeof buf, v, ax);
        label(g, x, y0 + h + 18, "middle", "fill=\"#333333\"", buf);
    }
    n = tick_span(ay, &first);
    for (int k = 0; k <= n; k++) {
        double v = first + k * ay->step, y = map(ay, v, y0 + h, -h);
        if (grid)
            put(g, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>\n", x0, y,
                x0 + w, y);
        put(g, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555555\"/>\n", x0 - 5,
            y, x0, y);
        tick_text(buf, sizeof buf, v, ay);
        label(g, x0 - 8, y + 4, "end", "fill=\"#333333\"", buf);
    }
}

static void frame(svg *g, double x0, double y0, double w, double h)
{
    put(g, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#555555\"/>\n",
        x0, y0, w, h);
}

/* Axis titles: x centred below, y rotated along the left edge. */
static void axis_titles(svg *g, double x0, double y0, double w, double h, double yx, const char *xt,
                        const char *yt)
{
    label(g, x0 + w / 2, y0 + h + 38, "middle", "font-size=\"13\"", xt);
    char attrs[96];
    snprintf(attrs, sizeof attrs, "font-size=\"13\" transform=\"rotate(-90 %.1f %.1f)\"", yx, y0 + h / 2);
    label(g, yx, y0 + h / 2, "middle", attrs, yt);
}

/* ---- curves.svg ------------------------------------------------------------------------- */

/* Plot area of one panel. */
typedef struct panel {
    double x, y, w, h;
} panel;

/* One series as a polyline; a lone point (one logged epoch) as a dot, and dots on every point
 * while there are few enough to tell apart. NaN rows are skipped. */
static void draw_series(svg *g, const panel *p, const axis *ax, const axis *ay, const double *ep,
                        const double *v, int n, const char *colour, const char *dash)
{
    int count = 0;
    for (int i = 0; i < n; i++) count += isfinite(v[i]) != 0;
    if (count == 0) return;
    int stride = (count + MAX_CURVE_POINTS - 1) / MAX_CURVE_POINTS;
    if (count > 1) {
        put(g, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-linejoin=\"round\"%s points=\"",
            colour, dash);
        for (int i = 0, k = 0; i < n; i++) {
            if (!isfinite(v[i])) continue;
            if (k % stride == 0 || k == count - 1)
                put(g, "%s%.1f,%.1f", k ? " " : "", map(ax, ep[i], p->x, p->w),
                    map(ay, tame(v[i]), p->y + p->h, -p->h));
            k++;
        }
        put(g, "\"/>\n");
    }
    if (count <= 30)
        for (int i = 0; i < n; i++)
            if (isfinite(v[i]))
                put(g, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"/>\n",
                    map(ax, ep[i], p->x, p->w), map(ay, tame(v[i]), p->y + p->h, -p->h),
                    count == 1 ? 4.0 : 2.5, colour);
}

static int any_finite(const double *v, int n)
{
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) return 1;
    return 0;
}

static void finite_range(const double *v, int n, double *lo, double *hi)
{
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) {
            *lo = fmin(*lo, tame(v[i]));
            *hi = fmax(*hi, tame(v[i]));
        }
}

/* What a panel shows: its y axis and the words of its empty state. */
enum panel_kind { PANEL_LOSS, PANEL_ACCURACY, PANEL_R2 };

/* Width of a text in px at font-size `size`, a little generous (DejaVu Sans averages about 0.6 em
 * per character), so that texts placed side by side never touch. */
static double text_width(const char *s, double size)
{
    return 0.62 * size * (double)strlen(s);
}

/* One panel. Title and legend share the line above the plot area (so the legend never covers a
 * curve; the legend's width is measured, and it starts right of the title); notes go on the lines
 * below the axis title, `notes` counting how many are there already. */
static void draw_panel(svg *g, const panel *p, const char *title, const char *ylabel, const double *ep,
                       const double *const series[3], int n, int kind, int kept, int *notes)
{
    static const char *const names[3] = {"train", "validation", "test"};
    static const char *const dashes[3] = {"", " stroke-dasharray=\"3 3\"", " stroke-dasharray=\"7 4\""};
    int has[3], any = 0;
    for (int k = 0; k < 3; k++) any |= has[k] = any_finite(series[k], n);
    label(g, p->x, p->y - 12, "start", "font-size=\"15\" font-weight=\"bold\"", title);
    if (!any) {
        frame(g, p->x, p->y, p->w, p->h);
        label(g, p->x + p->w / 2, p->y + p->h / 2, "middle", "fill=\"#777777\" font-size=\"14\"",
              kind == PANEL_LOSS ? "no loss measured" : "no accuracy measured");
        return;
    }
    /* Legend, right-aligned on the title line: swatch 22 px, gap 5, text, gap 14. */
    double width = 0;
    for (int k = 0; k < 3; k++)
        if (has[k]) width += 22 + 5 + text_width(names[k], 12) + 14;
    double lx = fmax(p->x + p->w - width + 14, p->x + text_width(title, 15) + 16);
    for (int k = 0; k < 3; k++) {
        if (!has[k]) continue;
        put(g, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", lx,
            p->y - 16, lx + 22, p->y - 16, palette[k == 0 ? 0 : k == 1 ? 2 : 1], dashes[k]);
        label(g, lx + 27, p->y - 12, "start", "", names[k]);
        lx += 22 + 5 + text_width(names[k], 12) + 14;
    }

    double e0 = INFINITY, e1 = -INFINITY, lo = INFINITY, hi = -INFINITY;
    finite_range(ep, n, &e0, &e1);
    for (int k = 0; k < 3; k++) finite_range(series[k], n, &lo, &hi);
    /* The first epochs' loss can be many times the rest (a large random init), and their R^2
     * far below 0: scaled to them, the later curves, where over-fitting shows, would lie flat.
     * So past the first tenth of the run the curves set the scale, and earlier values beyond it
     * are cut off (and a note says so). */
    double cut = NAN;
    if (n >= 10) {
        double tlo = INFINITY, thi = -INFINITY;
        for (int k = 0; k < 3; k++) finite_range(series[k] + n / 10, n - n / 10, &tlo, &thi);
        if (kind == PANEL_LOSS && thi > 0 && hi > 3 * thi) cut = hi, hi = thi;
        if (kind == PANEL_R2 && lo < -1 && tlo > lo) cut = lo, lo = fmax(fmin(tlo, 0.0), -1.0);
    }
    if (kind == PANEL_R2 && isnan(cut) && lo < -1) cut = lo, lo = -1; /* few rows: R^2 from -1 */
    /* A lone epoch gets a band around it, but epochs count from 0: never a negative tick. */
    if (e1 == e0) e0 = fmax(e0 - 1, 0.0), e1 += 1;
    axis ax = axis_nice(e0, e1, 5, 1.0, 0.0, 1), ay;
    if (kind == PANEL_LOSS) {
        /* From 0 when the data reach down near it, so the eye reads ratios; otherwise from the
         * smallest value, so a slight upturn of the validation or test loss still shows. */
        int from0 = lo >= 0 && lo <= 0.5 * hi;
        ay = axis_nice(from0 ? 0 : lo, hi, 5, 0.0, 0.04, from0);
    } else {
        ay = axis_nice(lo, hi, 5, 0.0, 0.04, 0);
        if (kind == PANEL_ACCURACY) ay.lo = fmax(ay.lo, 0.0);
        ay.hi = fmin(ay.hi, 1.0);
        if (ay.hi <= ay.lo) ay = (axis){kind == PANEL_ACCURACY ? 0.0 : -1.0, 1.0, 0.2};
    }
    draw_axes(g, &ax, &ay, p->x, p->y, p->w, p->h, 1);
    frame(g, p->x, p->y, p->w, p->h);
    axis_titles(g, p->x, p->y, p->w, p->h, p->x - 62, "epoch", ylabel);

    const char *note_attrs = "fill=\"#666666\" font-size=\"11\"";
    char text[128];
    /* The epoch whose weights were saved, when early stopping kept one. */
    if (kind == PANEL_LOSS && kept >= 0 && kept >= ax.lo && kept <= ax.hi) {
        double x = map(&ax, kept, p->x, p->w);
        put(g, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888888\" "
               "stroke-dasharray=\"2 3\"/>\n",
            x, p->y, x, p->y + p->h);
        snprintf(text, sizeof text, "epoch %d", kept);
        int left = x < p->x + p->w * 0.6;
        label(g, x + (left ? 4 : -4), p->y + 14, left ? "start" : "end", note_attrs, text);
        snprintf(text, sizeof text, "dotted line: epoch %d, lowest validation loss: the weights saved", kept);
        label(g, p->x, p->y + p->h + 58 + 14 * (*notes)++, "start", note_attrs, text);
    }
    if (!isnan(cut)) {
        snprintf(text, sizeof text, "early values %s %.3g cut off", kind == PANEL_LOSS ? "up to" : "down to", cut);
        label(g, p->x, p->y + p->h + 58 + 14 * (*notes)++, "start", note_attrs, text);
        put(g, "<clipPath id=\"%s\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></clipPath>\n"
               "<g clip-path=\"url(#%s)\">\n",
            kind == PANEL_LOSS ? "cut" : "cut-r2", p->x, p->y, p->w, p->h, kind == PANEL_LOSS ? "cut" : "cut-r2");
    }
    for (int k = 0; k < 3; k++)
        draw_series(g, p, &ax, &ay, ep, series[k], n, palette[k == 0 ? 0 : k == 1 ? 2 : 1], dashes[k]);
    if (!isnan(cut)) put(g, "</g>\n");
}

int rt_plot_curves(const rt_session *s, const char *path)
{
    const int n = s->n_history;
    const int r2 = s->net->task == RT_TASK_REGRESSION;
    double *buf = rt_xcalloc((size_t)(n > 0 ? n : 1) * 7, sizeof(double));
    if (!buf) return -1;
    double *ep = buf, *trl = buf + n, *val = buf + 2 * n, *tel = buf + 3 * n;
    double *tra = buf + 4 * n, *vaa = buf + 5 * n, *tea = buf + 6 * n;
    for (int i = 0; i < n; i++) {
        const rt_metrics *r = &s->history[i];
        ep[i] = r->epoch;
        trl[i] = r->train_loss, val[i] = r->val_loss, tel[i] = r->test_loss;
        tra[i] = r2 ? r->train_r2 : r->train_acc;
        vaa[i] = r2 ? r->val_r2 : r->val_acc;
        tea[i] = r2 ? r->test_r2 : r->test_acc;
    }
    /* The marker: the epoch of the weights saved, when early stopping kept one. */
    int kept = s->cfg.early_stopping && s->best_epoch >= 0 ? s->saved_epoch : -1;

    svg g = {0};
    const int W = 960, H = 470;
    svg_open(&g, W, H);
    put(&g, "<title>");
    put_text(&g, s->net->name);
    put(&g, " training curves</title>\n");
    label(&g, W / 2.0, 28, "middle", "font-size=\"18\" font-weight=\"bold\"", s->net->name);
    panel loss = {88, 78, 362, 290}, acc = {88 + W / 2.0, 78, 362, 290};
    const double *const losses[3] = {trl, val, tel}, *const accs[3] = {tra, vaa, tea};
    int notes_loss = 0, notes_acc = 0;
    draw_panel(&g, &loss, "Loss", "loss", ep, losses, n, PANEL_LOSS, kept, &notes_loss);
    draw_panel(&g, &acc, r2 ? "R\xc2\xb2" : "Accuracy", r2 ? "R\xc2\xb2 (coefficient of determination)" : "accuracy",
               ep, accs, n, r2 ? PANEL_R2 : PANEL_ACCURACY, -1, &notes_acc);
    free(buf);
    int rc = svg_save(&g, path);
    free(g.p);
    return rc;
}

/* ---- boundary.svg ----------------------------------------------------------------------- */

/* Class colour lightened towards white, for the regions under the points. */
static void light(char out[8], const char *hex, double t)
{
    unsigned r, gr, b;
    if (sscanf(hex, "#%2x%2x%2x", &r, &gr, &b) != 3) r = gr = b = 0x80;
    snprintf(out, 8, "#%02x%02x%02x", (unsigned)(r + (255 - r) * t + 0.5), (unsigned)(gr + (255 - gr) * t + 0.5),
             (unsigned)(b + (255 - b) * t + 0.5));
}

/* Regression shades: blue at 0 through orange at 1, `t` lightened. */
static void shade(char out[8], double v, double t)
{
    double c0[3] = {0x1f, 0x77, 0xb4}, c1[3] = {0xff, 0x7f, 0x0e};
    v = v < 0 || !(v == v) ? 0 : v > 1 ? 1 : v;
    unsigned c[3];
    for (int k = 0; k < 3; k++) {
        double x = c0[k] + (c1[k] - c0[k]) * v;
        c[k] = (unsigned)(x + (255 - x) * t + 0.5);
    }
    snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

static double feature(const rt_dataset *ds, int i, int j)
{
    size_t k = (size_t)i * (size_t)ds->d + (size_t)j;
    return ds->x_f64 ? ds->x_f64[k] : ds->x_u8 ? (double)ds->x_u8[k] : NAN;
}

/* Predicted class, or the regression output in [0, 1] as one of LEVELS + 1 shades: few enough
 * that runs of equal cells merge and the file stays small. */
static int classify(const rt_network *net, const void *out, int r)
{
    size_t base = (size_t)r * (size_t)net->outputs;
    if (net->task == RT_TASK_BINARY) return rt_param_get(net, out, base) >= 0.5;
    if (net->task == RT_TASK_REGRESSION) {
        double v = rt_param_get(net, out, base);
        return v >= 1 ? LEVELS : v > 0 ? (int)(v * LEVELS + 0.5) : 0;
    }
    int best = 0;
    for (int k = 1; k < net->outputs; k++)
        if (rt_param_get(net, out, base + (size_t)k) > rt_param_get(net, out, base + (size_t)best)) best = k;
    return best;
}

/* The network on the cell centres, in chunks: cell (i, j) is column i, row j from the top. */
static int eval_grid(rt_session *s, const axis *ax, const axis *ay, int *cls)
{
    const rt_network *net = s->net;
    const int chunk = net->chunk > 0 ? net->chunk : 1;
    void *xb = rt_xcalloc((size_t)chunk * 2, (size_t)net->real_size);
    void *ob = rt_xcalloc((size_t)chunk * (size_t)net->outputs, (size_t)net->real_size);
    if (!xb || !ob) {
        free(xb);
        free(ob);
        return -1;
    }
    const rt_norm *nm = &s->norm;
    int normed = nm->d >= 2 && nm->offset && nm->scale;
    for (int c = 0; c < GRID * GRID; c += chunk) {
        int m = GRID * GRID - c < chunk ? GRID * GRID - c : chunk;
        for (int r = 0; r < m; r++) {
            int i = (c + r) % GRID, j = (c + r) / GRID;
            /* Raw coordinates, normalised as the training data were: the weights know no other. */
            double x[2] = {ax->lo + (i + 0.5) * (ax->hi - ax->lo) / GRID,
                           ay->hi - (j + 0.5) * (ay->hi - ay->lo) / GRID};
            for (int f = 0; f < 2; f++)
                rt_param_set(net, xb, (size_t)r * 2 + (size_t)f,
                             normed ? (x[f] - nm->offset[f]) * nm->scale[f] : x[f]);
        }
        net->forward(m, xb, ob);
        for (int r = 0; r < m; r++) cls[c + r] = classify(net, ob, r);
    }
    free(xb);
    free(ob);
    return 0;
}

/* The line w1 x1' + w2 x2' + b = 0 of a single neuron, in raw units: with x' = (x - off) * sc
 * it is a1 x1 + a2 x2 + c = 0, a = w * sc, c = b - a1 off1 - a2 off2. Clipped to the plot
 * area by intersecting with its four edges. Returns 1 when a segment is visible. */
static int neuron_line(const rt_session *s, const axis *ax, const axis *ay, double w[3], double seg[4])
{
    const rt_network *net = s->net;
    const rt_tensor *t = net->tensors;
    if (net->n_tensors != 2 || net->outputs != 1 || t[0].rows != 1 || t[0].cols != 2 || t[1].rows != 1)
        return 0;
    w[0] = rt_param_get(net, net->params, t[0].offset);
    w[1] = rt_param_get(net, net->params, t[0].offset + 1);
    w[2] = rt_param_get(net, net->params, t[1].offset);
    const rt_norm *nm = &s->norm;
    int normed = nm->d >= 2 && nm->offset && nm->scale;
    double a1 = w[0] * (normed ? nm->scale[0] : 1), a2 = w[1] * (normed ? nm->scale[1] : 1);
    double c = w[2] - (normed ? a1 * nm->offset[0] + a2 * nm->offset[1] : 0);
    if (!isfinite(a1) || !isfinite(a2) || !isfinite(c) || (a1 == 0 && a2 == 0)) return 0;
    double pts[4][2];
    int k = 0;
    if (a2 != 0) /* not vertical: where it crosses the left and right edges */
        for (int e = 0; e < 2; e++) {
            double x = e ? ax->hi : ax->lo, y = -(a1 * x + c) / a2;
            if (y >= ay->lo && y <= ay->hi) pts[k][0] = x, pts[k][1] = y, k++;
        }
    if (a1 != 0) /* not horizontal: the bottom and top edges */
        for (int e = 0; e < 2; e++) {
            double y = e ? ay->hi : ay->lo, x = -(a2 * y + c) / a1;
            if (x >= ax->lo && x <= ax->hi) pts[k][0] = x, pts[k][1] = y, k++;
        }
    /* A line through a corner meets two edges there; take the two points farthest apart. */
    double best = 0;
    int found = 0;
    for (int p = 0; p < k; p++)
        for (int q = p + 1; q < k; q++) {
            double d = hypot(pts[p][0] - pts[q][0], pts[p][1] - pts[q][1]);
            if (d > best) {
                best = d;
                seg[0] = pts[p][0], seg[1] = pts[p][1], seg[2] = pts[q][0], seg[3] = pts[q][1];
                found = 1;
            }
        }
    return found;
}

/* One legend entry: a patch of region colour with a training point on it, then its text. */
static void swatch(svg *g, double x, double y, const char *region, const char *dot, const char *text)
{
    put(g, "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"18\" fill=\"%s\"/>\n", x, y - 13, region);
    put(g, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.6\" fill=\"%s\" stroke=\"#222222\" stroke-width=\"0.7\"/>\n",
        x + 9, y - 4, dot);
    label(g, x + 26, y, "start", "", text);
}

/* User text (a header's column name, a class name) cut to `most` characters (UTF-8 code points),
 * with an ellipsis, so it keeps to its place on the page and never runs into other text. */
static const char *fit(char *out, size_t cap, const char *text, int most)
{
    size_t i = 0, cut = 0;
    int chars = 0;
    for (; text[i]; i++) {
        if (((unsigned char)text[i] & 0xC0) == 0x80) continue; /* inside a character */
        if (chars == most - 1) cut = i;
        if (++chars > most) break;
    }
    if (chars <= most) {
        snprintf(out, cap, "%s", text);
    } else {
        if (cut + 4 > cap) cut = cap - 4; /* never here: callers' buffers hold `most` long characters */
        memcpy(out, text, cut);
        memcpy(out + cut, "…", 4); /* 3 bytes and the NUL */
    }
    return out;
}

/* One set's points, evenly subsampled to `count`, coloured by their labels: filled dots for the
 * training set, rings (hollow, the label's colour as the outline) for the test set. */
static void draw_points(svg *g, const rt_dataset *ds, int count, const axis *ax, const axis *ay, double x0,
                        double y0, double size, double r, int task, int classes, int hollow)
{
    char col[8];
    put(g, hollow ? "<g fill=\"#ffffff\" fill-opacity=\"0.35\" stroke-width=\"1.6\">\n"
                  : "<g stroke=\"#222222\" stroke-width=\"0.7\">\n");
    for (int k = 0; k < count; k++) {
        int i = (int)((long long)k * ds->n / count);
        double x = feature(ds, i, 0), y = feature(ds, i, 1);
        if (!isfinite(x) || !isfinite(y)) continue;
        const char *fill = hollow ? "#555555" : "#bbbbbb";
        if (ds->y && ds->ny > 0) {
            double lab = ds->y[(size_t)i * (size_t)ds->ny];
            if (task == RT_TASK_REGRESSION) {
                shade(col, lab, 0.0);
                fill = col;
            } else if (lab >= 0 && lab < classes) {
                fill = palette[(int)lab % 10];
            }
        }
        put(g, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" %s=\"%s\"/>\n", map(ax, tame(x), x0, size),
            map(ay, tame(y), y0 + size, -size), r, hollow ? "stroke" : "fill", fill);
    }
    put(g, "</g>\n");
}

int rt_plot_boundary(rt_session *s, const char *path)
{
    const rt_network *net = s->net;
    const rt_dataset *ds = &s->train;
    /* The test set, drawn as rings beside the training set's dots. */
    const rt_dataset *ts = s->has_test && s->test.d >= 2 && s->test.n > 0 ? &s->test : NULL;
    const int task = net->task;
    const int classes = task == RT_TASK_MULTICLASS ? net->outputs : task == RT_TASK_BINARY ? 2 : LEVELS + 1;

    /* The data's raw range (training and test points), 10% on each side so edge points are not cut. */
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (int set = 0; set < 2; set++) {
        const rt_dataset *d = set ? ts : ds;
        for (int i = 0; d && i < d->n; i++)
            for (int f = 0; f < 2 && f < d->d; f++) {
                double v = feature(d, i, f);
                if (isfinite(v)) lo[f] = fmin(lo[f], tame(v)), hi[f] = fmax(hi[f], tame(v));
            }
    }
    for (int f = 0; f < 2; f++) {
        if (!(lo[f] <= hi[f])) lo[f] = 0, hi[f] = 1; /* no data: the unit square */
        widen(&lo[f], &hi[f]);
        double pad = 0.1 * (hi[f] - lo[f]);
        lo[f] -= pad;
        hi[f] += pad;
    }
    axis ax = axis_exact(lo[0], hi[0], 8), ay = axis_exact(lo[1], hi[1], 8);

    int *cls = rt_xcalloc(GRID * GRID, sizeof(int));
    if (!cls || eval_grid(s, &ax, &ay, cls)) {
        free(cls);
        return -1;
    }

    svg g = {0};
    const int W = 800, H = 620, X0 = 70, Y0 = 56, S = 500, CELL = S / GRID;
    svg_open(&g, W, H);
    put(&g, "<title>");
    put_text(&g, net->name);
    put(&g, " decision regions</title>\n");
    {
        char title[200];
        snprintf(title, sizeof title, "%s — %s", net->name,
                 task == RT_TASK_REGRESSION ? "output over the inputs" : "decision regions");
        label(&g, X0 + S / 2.0, 32, "middle", "font-size=\"18\" font-weight=\"bold\"", title);
    }

    /* Regions: one colour group per class, runs of equal cells merged into one rect each. */
    char col[8];
    put(&g, "<g shape-rendering=\"crispEdges\">\n");
    for (int c = 0; c < classes; c++) {
        int any = 0;
        for (int j = 0; j < GRID; j++)
            for (int i = 0; i < GRID;) {
                int e = i;
                while (e < GRID && cls[j * GRID + e] == cls[j * GRID + i]) e++;
                if (cls[j * GRID + i] == c) {
                    if (!any) {
                        if (task == RT_TASK_REGRESSION)
                            shade(col, (double)c / LEVELS, 0.6);
                        else
                            light(col, palette[c % 10], 0.72);
                        put(&g, "<g fill=\"%s\">\n", col);
                        any = 1;
                    }
                    put(&g, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n", X0 + i * CELL,
                        Y0 + j * CELL, (e - i) * CELL, CELL);
                }
                i = e;
            }
        if (any) put(&g, "</g>\n");
    }
    put(&g, "</g>\n");
    free(cls);

    draw_axes(&g, &ax, &ay, X0, Y0, S, S, 0);
    {
        /* The axes are the first two features: named by the CSV header when there was one. At 13 px
         * about 70 characters fill the plot's 500 px. */
        char xt[300], yt[300];
        const char *const *fn = (const char *const *)ds->feature_names;
        axis_titles(&g, X0, Y0, S, S, X0 - 52, fn ? fit(xt, sizeof xt, fn[0], 70) : "x₁",
                    fn ? fit(yt, sizeof yt, fn[1], 70) : "x₂");
    }

    /* Training points as dots, then test points as rings over them; each coloured by its label. */
    int count = ds->n < MAX_DOTS ? ds->n : MAX_DOTS;
    int tcount = ts ? (ts->n < MAX_TEST_DOTS ? ts->n : MAX_TEST_DOTS) : 0;
    double r = count + tcount > 500 ? 2.6 : 3.6;
    draw_points(&g, ds, count, &ax, &ay, X0, Y0, S, r, task, classes, 0);
    if (ts) draw_points(&g, ts, tcount, &ax, &ay, X0, Y0, S, r + 0.4, task, classes, 1);

    double w[3], seg[4];
    int line = neuron_line(s, &ax, &ay, w, seg);
    if (line)
        put(&g, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#111111\" stroke-width=\"2\"/>\n",
            map(&ax, seg[0], X0, S), map(&ay, seg[1], Y0 + S, -S), map(&ax, seg[2], X0, S),
            map(&ay, seg[3], Y0 + S, -S));
    frame(&g, X0, Y0, S, S);

    /* Legend to the right of the plot, outside the data. */
    const double LX = X0 + S + 24;
    double ly = Y0 + 10;
    label(&g, LX, ly, "start", "font-size=\"13\" font-weight=\"bold\"",
          task == RT_TASK_REGRESSION ? "output" : "class");
    ly += 22;
    if (task == RT_TASK_REGRESSION) {
        static const char *const ends[2] = {"0 (or less)", "1 (or more)"};
        for (int e = 0; e < 2; e++, ly += 24) {
            char dot[8];
            shade(col, e, 0.6);
            shade(dot, e, 0.0);
            swatch(&g, LX, ly, col, dot, ends[e]);
        }
        label(&g, LX, ly, "start", "fill=\"#666666\" font-size=\"11\"", "first output, clamped");
        ly += 24;
    } else {
        /* Class names when the classes have them; 24 characters fit the legend's column. */
        int shown = classes > 20 ? 18 : classes;
        for (int c = 0; c < shown; c++, ly += 24) {
            char text[120];
            if (s->shape.classes && c < s->shape.n_classes) fit(text, sizeof text, s->shape.classes[c], 24);
            else snprintf(text, sizeof text, "%d", c);
            light(col, palette[c % 10], 0.72);
            swatch(&g, LX, ly, col, palette[c % 10], text);
        }
        if (shown < classes) {
            char text[48];
            snprintf(text, sizeof text, "... %d classes in all", classes);
            label(&g, LX, ly, "start", "fill=\"#666666\"", text);
            ly += 24;
        }
    }
    ly += 8;
    {
        /* With a test set, each count stands beside its marker: a dot, a ring. */
        char text[96];
        double tx = ts ? LX + 16 : LX;
        if (ts)
            put(&g, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.6\" fill=\"#bbbbbb\" stroke=\"#222222\" "
                    "stroke-width=\"0.7\"/>\n",
                LX + 5, ly - 4);
        snprintf(text, sizeof text, "%d training point%s%s", ds->n, ds->n == 1 ? "" : "s",
                 count < ds->n ? "," : "");
        label(&g, tx, ly, "start", "fill=\"#444444\" font-size=\"11\"", text);
        if (count < ds->n) {
            ly += 15;
            snprintf(text, sizeof text, "%d drawn", count);
            label(&g, tx, ly, "start", "fill=\"#444444\" font-size=\"11\"", text);
        }
        if (ts) {
            ly += 18;
            put(&g, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.0\" fill=\"#ffffff\" stroke=\"#555555\" "
                    "stroke-width=\"1.6\"/>\n",
                LX + 5, ly - 4);
            snprintf(text, sizeof text, "%d test point%s (rings)%s", ts->n, ts->n == 1 ? "" : "s",
                     tcount < ts->n ? "," : "");
            label(&g, tx, ly, "start", "fill=\"#444444\" font-size=\"11\"", text);
            if (tcount < ts->n) {
                ly += 15;
                snprintf(text, sizeof text, "%d drawn", tcount);
                label(&g, tx, ly, "start", "fill=\"#444444\" font-size=\"11\"", text);
            }
        }
        ly += 30;
    }
    if (line) {
        char text[160];
        put(&g, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#111111\" stroke-width=\"2\"/>\n",
            LX, ly - 4, LX + 22, ly - 4);
        /* The neuron's own equation, in the notes' notation; its weights act on normalised x'. */
        label(&g, LX + 28, ly, "start", "",
              w[1] != 0 ? "x₂ = (−w₁x₁ − b)/w₂"
                        : "x₁ = −b/w₁");
        ly += 18;
        snprintf(text, sizeof text, "w₁ = %.4g, w₂ = %.4g", w[0], w[1]);
        label(&g, LX + 28, ly, "start", "fill=\"#444444\" font-size=\"11\"", text);
        ly += 15;
        snprintf(text, sizeof text, "b = %.4g", w[2]);
        label(&g, LX + 28, ly, "start", "fill=\"#444444\" font-size=\"11\"", text);
        int identity = 1; /* normalize: none fits offset 0, scale 1 */
        for (int i = 0; i < s->norm.d && s->norm.offset && s->norm.scale; i++)
            identity &= s->norm.offset[i] == 0.0 && s->norm.scale[i] == 1.0;
        if (s->norm.d >= 2 && s->norm.offset && s->norm.scale && !identity) {
            ly += 15;
            label(&g, LX + 28, ly, "start", "fill=\"#666666\" font-size=\"11\"", "(on normalised inputs)");
        }
    }
    int rc = svg_save(&g, path);
    free(g.p);
    return rc;
}
