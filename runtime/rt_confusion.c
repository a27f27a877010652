/* rt_confusion.c — after training a classifier: its confusion matrix (confusion.csv) and a summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

/* Predicted class of output row r: argmax of K outputs, or output >= 0.5 for one output. */
static int predicted_class(const rt_network *net, const void *out, int r)
{
    size_t base = (size_t)r * (size_t)net->outputs;
    double best = 0;
    int arg = 0;
    for (int k = 0; k < net->outputs; k++) {
        double v = net->real_size == 4 ? (double)((const float *)out)[base + (size_t)k]
                                       : ((const double *)out)[base + (size_t)k];
        if (net->outputs == 1) return v >= 0.5;
        if (k == 0 || v > best) best = v, arg = k;
    }
    return arg;
}

int rt_confusion_compute(rt_session *s, const rt_dataset *ds, rt_confusion *cm)
{
    const rt_network *net = s->net;
    memset(cm, 0, sizeof *cm);
    cm->k = net->outputs == 1 ? 2 : net->outputs;
    cm->count = calloc((size_t)cm->k * (size_t)cm->k, sizeof *cm->count);
    int32_t *idx = malloc(sizeof *idx * (size_t)net->chunk);
    void *out = malloc((size_t)net->chunk * (size_t)net->outputs * (size_t)net->real_size);
    if (!cm->count || !idx || !out) {
        free(idx);
        free(out);
        rt_confusion_free(cm);
        rt_error(NULL, 0, "out of memory");
        return -1;
    }
    for (int start = 0; start < ds->n; start += net->chunk) {
        int m = ds->n - start < net->chunk ? ds->n - start : net->chunk;
        for (int r = 0; r < m; r++) idx[r] = start + r;
        rt_batch_fill(ds, &s->norm, idx, m, s->xbuf, net->real_size);
        net->forward(m, s->xbuf, out);
        for (int r = 0; r < m; r++) {
            int t = (int)ds->y[(size_t)(start + r) * (size_t)ds->ny]; /* checked 0..K-1 at load */
            cm->count[(size_t)t * (size_t)cm->k + (size_t)predicted_class(net, out, r)]++;
        }
    }
    cm->n = ds->n;
    free(idx);
    free(out);
    return 0;
}

void rt_confusion_free(rt_confusion *cm)
{
    free(cm->count);
    memset(cm, 0, sizeof *cm);
}

/* Class i's name for people: names[i] when the classes have names, else its index (buf). */
static const char *class_name(const rt_shape *names, int i, char *buf, size_t cap)
{
    if (names && names->classes && i < names->n_classes) return names->classes[i];
    snprintf(buf, cap, "%d", i);
    return buf;
}

/* A CSV field, quoted as RFC 4180 does when it would otherwise split or lose blanks. */
static void put_field(FILE *f, const char *s)
{
    if (s[0] && !s[strcspn(s, ",\"\r\n")] && s[0] != ' ' && s[strlen(s) - 1] != ' ') {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Rows are true classes, columns predicted ones, each headed by its class's name (or index);
 * written atomically (rt_atomic_open). */
static int confusion_write(const rt_confusion *cm, const rt_shape *names, const char *dir)
{
    char buf[16];
    rt_atomic a;
    char *path = rt_join(dir, "confusion.csv");
    if (!path || rt_atomic_open(&a, path)) {
        free(path);
        return -1;
    }
    fputs("true/predicted", a.f);
    for (int j = 0; j < cm->k; j++) {
        fputc(',', a.f);
        put_field(a.f, class_name(names, j, buf, sizeof buf));
    }
    fputc('\n', a.f);
    for (int i = 0; i < cm->k; i++) {
        put_field(a.f, class_name(names, i, buf, sizeof buf));
        for (int j = 0; j < cm->k; j++) fprintf(a.f, ",%ld", cm->count[(size_t)i * (size_t)cm->k + (size_t)j]);
        fputc('\n', a.f);
    }
    int rc = rt_atomic_close(&a, 1);
    free(path);
    return rc;
}

int rt_confusion_write(const rt_confusion *cm, const char *dir) { return confusion_write(cm, NULL, dir); }

/* Per class: samples, accuracy (recall) and the class it is most often taken for; then the most
 * confused pair overall. Large K shows the ten worst classes only. Names, when the classes have
 * them, stand where the indices would (cut at 24 characters to keep the columns). */
static void confusion_print(const rt_confusion *cm, const rt_shape *names, const char *set, FILE *out)
{
    const int k = cm->k;
    char b1[16], b2[16];
    int w = 5; /* the class column: as wide as the widest name shown */
    for (int i = 0; i < k; i++) {
        int len = (int)strlen(class_name(names, i, b1, sizeof b1));
        if (len > w) w = len > 24 ? 24 : len;
    }
    long correct = 0;
    for (int i = 0; i < k; i++) correct += cm->count[(size_t)i * (size_t)k + (size_t)i];
    fprintf(out, "confusion matrix on the %s set (%d samples, accuracy %.4f):\n", set, cm->n,
            cm->n ? (double)correct / cm->n : 0.0);
    double *acc = malloc(sizeof *acc * (size_t)k);
    int *order = malloc(sizeof *order * (size_t)k);
    if (!acc || !order) {
        free(acc);
        free(order);
        return;
    }
    int ti = -1, tj = -1;
    long tmax = 0;
    for (int i = 0; i < k; i++) {
        long row = 0;
        for (int j = 0; j < k; j++) {
            long c = cm->count[(size_t)i * (size_t)k + (size_t)j];
            row += c;
            if (j != i && c > tmax) tmax = c, ti = i, tj = j;
        }
        acc[i] = row ? (double)cm->count[(size_t)i * (size_t)k + (size_t)i] / (double)row : -1;
        order[i] = i;
    }
    int shown = k;
    if (k > 20) { /* worst first: insertion sort is plenty for the sizes a softmax has */
        for (int a = 1; a < k; a++)
            for (int b = a; b > 0 && acc[order[b]] < acc[order[b - 1]]; b--) {
                int t = order[b];
                order[b] = order[b - 1];
                order[b - 1] = t;
            }
        shown = 10;
        fprintf(out, "  (the %d classes with the lowest accuracy of %d)\n", shown, k);
    }
    fprintf(out, "  %-*s  samples  accuracy  most often predicted instead\n", w, "class");
    for (int a = 0; a < shown; a++) {
        int i = order[a];
        long row = 0, wmax = 0;
        int wj = -1;
        for (int j = 0; j < k; j++) {
            long c = cm->count[(size_t)i * (size_t)k + (size_t)j];
            row += c;
            if (j != i && c > wmax) wmax = c, wj = j;
        }
        if (names && names->classes) fprintf(out, "  %-*.24s  %7ld  ", w, class_name(names, i, b1, sizeof b1), row);
        else fprintf(out, "  %*d  %7ld  ", w, i, row);
        if (acc[i] < 0) fprintf(out, "%8s", "-");
        else fprintf(out, "%8.4f", acc[i]);
        if (wj >= 0) fprintf(out, "  %.24s (%ld)\n", class_name(names, wj, b1, sizeof b1), wmax);
        else fprintf(out, "  -\n");
    }
    if (ti >= 0) {
        long row = 0;
        for (int j = 0; j < k; j++) row += cm->count[(size_t)ti * (size_t)k + (size_t)j];
        const char *true_name = class_name(names, ti, b1, sizeof b1);
        fprintf(out, "  most confused: true %.24s predicted as %.24s, %ld times (%.1f%% of class %.24s)\n",
                true_name, class_name(names, tj, b2, sizeof b2), tmax, 100.0 * (double)tmax / (double)row,
                true_name);
    } else {
        fprintf(out, "  no mistakes\n");
    }
    free(acc);
    free(order);
}

void rt_confusion_print(const rt_confusion *cm, const char *set, FILE *out) { confusion_print(cm, NULL, set, out); }

int rt_confusion_report(rt_session *s)
{
    if (s->net->task == RT_TASK_REGRESSION) return 0;
    const rt_dataset *ds = s->has_test ? &s->test : &s->train;
    rt_confusion cm;
    if (rt_confusion_compute(s, ds, &cm)) return -1;
    int rc = confusion_write(&cm, &s->shape, s->out_dir);
    if (!rc && !s->opt.quiet) {
        confusion_print(&cm, &s->shape, s->has_test ? "test" : "training", stdout);
        printf("  (rows = true class, columns = predicted: %s/confusion.csv)\n", s->out_dir);
        fflush(stdout);
    }
    rt_confusion_free(&cm);
    return rc;
}
