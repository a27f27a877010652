/* rt_report.c — what the training program shows and writes: progress, metrics.csv, weights. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "rt_internal.h"

char *rt_join(const char *dir, const char *file)
{
    size_t len = strlen(dir) + strlen(file) + 2;
    char *p = malloc(len);
    if (!p) {
        rt_error(NULL, 0, "out of memory");
        return NULL;
    }
    snprintf(p, len, "%s/%s", dir, file);
    return p;
}

int rt_mkdir_p(const char *dir)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
        rt_error(dir, 0, "path too long");
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0777) && errno != EEXIST) {
                rt_error(buf, 0, "cannot create directory: %s", strerror(errno));
                return -1;
            }
            *p = c;
            if (!c) break;
        }
    }
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
        rt_error(dir, 0, "not a directory");
        return -1;
    }
    return 0;
}

/* ---- weights: NAME.safetensors ---------------------------------------------------------- */

/* A normalisation vector as reals of the network's precision; `fallback` where none is fitted. */
static void *norm_as_reals_n(const rt_network *net, const double *v, double fallback, int count)
{
    void *out = calloc((size_t)count, (size_t)net->real_size);
    if (!out) return NULL;
    for (int i = 0; i < count; i++) {
        double x = v ? v[i] : fallback;
        if (net->real_size == 4) ((float *)out)[i] = (float)x;
        else ((double *)out)[i] = x;
    }
    return out;
}

static void *norm_as_reals(const rt_network *net, const double *v, double fallback)
{
    return norm_as_reals_n(net, v, fallback, net->inputs);
}

/* __metadata__ holds strings only (the safetensors format): the class names (training's order,
 * class i = output i, or 0/1 of a binary output) and the features' header names are each one
 * string holding a JSON array, e.g. "classes": "[\"setosa\",\"versicolor\",\"virginica\"]". */
static int add_names(cJSON *meta, const char *key, char *const *names, int n)
{
    if (!names || n <= 0) return 0;
    cJSON *a = cJSON_CreateStringArray((const char *const *)names, n);
    char *text = a ? cJSON_PrintUnformatted(a) : NULL;
    int ok = text && cJSON_AddStringToObject(meta, key, text);
    cJSON_free(text);
    cJSON_Delete(a);
    return ok ? 0 : -1;
}

static char *weights_metadata(const rt_session *s)
{
    char epoch[24];
    snprintf(epoch, sizeof epoch, "%d", s->epoch);
    cJSON *meta = cJSON_CreateObject();
    char *text = NULL;
    if (meta && cJSON_AddStringToObject(meta, "format", "nncc") &&
        cJSON_AddStringToObject(meta, "nncc_version", NNCC_RT_VERSION) &&
        cJSON_AddStringToObject(meta, "network", s->net->name) && cJSON_AddStringToObject(meta, "epoch", epoch) &&
        !add_names(meta, "classes", s->train.classes, s->train.n_classes) &&
        !add_names(meta, "features", s->train.feature_names, s->train.feature_names ? s->train.d : 0))
        text = cJSON_PrintUnformatted(meta);
    cJSON_Delete(meta);
    if (!text) rt_error(NULL, 0, "out of memory");
    return text;
}

/* The class names a weights file carries, into s->train.classes (for --predict, which has no
 * training set): absent is fine (numeric classes); present must be names that fit the network. */
static int read_class_names(rt_session *s, const rt_st_file *f, const char *path)
{
    const char *text = rt_st_metadata(f, "classes");
    if (!text) return 0;
    const rt_network *net = s->net;
    cJSON *a = cJSON_Parse(text);
    int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : -1;
    int fits = net->task == RT_TASK_BINARY ? n == 2 : net->task == RT_TASK_MULTICLASS && n >= 1 && n <= net->outputs;
    for (int i = 0; fits && i < n; i++) fits = cJSON_IsString(cJSON_GetArrayItem(a, i));
    if (!fits) {
        rt_error(path, 0, "metadata 'classes' is not a JSON array of %s class names: %.80s",
                 net->task == RT_TASK_BINARY ? "2" : "the network's", text);
        cJSON_Delete(a);
        return -1;
    }
    rt_dataset *ds = &s->train;
    for (int i = 0; ds->classes && i < ds->n_classes; i++) free(ds->classes[i]);
    free(ds->classes);
    ds->n_classes = 0;
    ds->classes = calloc((size_t)n, sizeof *ds->classes);
    int rc = ds->classes ? 0 : -1;
    for (int i = 0; !rc && i < n; i++) {
        const char *name = cJSON_GetArrayItem(a, i)->valuestring;
        if (!(ds->classes[i] = malloc(strlen(name) + 1))) rc = -1;
        else strcpy(ds->classes[i], name), ds->n_classes = i + 1;
    }
    if (rc) rt_error(NULL, 0, "out of memory");
    cJSON_Delete(a);
    return rc;
}

int rt_write_weights(const rt_session *s, const char *path, const void *params)
{
    const rt_network *net = s->net;
    const char *dtype = net->real_size == 4 ? "F32" : "F64";
    /* normalize_targets: target.offset, target.scale (y' = (y - offset) * scale) as well. */
    const int targets = s->target.d == net->outputs && s->target.offset;
    int n = net->n_tensors + 2 + 2 * targets;
    rt_st_entry *e = calloc((size_t)n, sizeof *e);
    void *offset = norm_as_reals(net, s->norm.offset, 0.0);
    void *scale = norm_as_reals(net, s->norm.scale, 1.0);
    void *t_offset = targets ? norm_as_reals_n(net, s->target.offset, 0.0, net->outputs) : NULL;
    void *t_scale = targets ? norm_as_reals_n(net, s->target.scale, 1.0, net->outputs) : NULL;
    if (!e || !offset || !scale || (targets && (!t_offset || !t_scale))) {
        free(e);
        free(offset);
        free(scale);
        free(t_offset);
        free(t_scale);
        rt_error(NULL, 0, "out of memory");
        return -1;
    }
    for (int t = 0; t < net->n_tensors; t++) {
        const rt_tensor *tn = &net->tensors[t];
        e[t].name = tn->name;
        e[t].dtype = dtype;
        e[t].rank = rt_tensor_shape(tn, e[t].shape);
        e[t].data = (const char *)params + tn->offset * (size_t)net->real_size;
    }
    e[net->n_tensors] = (rt_st_entry){"input.offset", dtype, 1, {net->inputs, 0}, offset};
    e[net->n_tensors + 1] = (rt_st_entry){"input.scale", dtype, 1, {net->inputs, 0}, scale};
    if (targets) {
        e[net->n_tensors + 2] = (rt_st_entry){"target.offset", dtype, 1, {net->outputs, 0}, t_offset};
        e[net->n_tensors + 3] = (rt_st_entry){"target.scale", dtype, 1, {net->outputs, 0}, t_scale};
    }
    char *meta = weights_metadata(s);
    int rc = meta ? rt_st_write(path, e, n, meta) : -1;
    cJSON_free(meta);
    free(e);
    free(offset);
    free(scale);
    free(t_offset);
    free(t_scale);
    return rc;
}

/* Reads the parameters (and, when want_norm, for --predict: the normalisations and the class
 * names) from a weights file. */
int rt_read_weights(rt_session *s, const char *path, int want_norm)
{
    const rt_network *net = s->net;
    rt_st_file f;
    if (rt_st_open(&f, path)) return -1;
    int rc = 0;
    size_t most = 0;
    for (int t = 0; t < net->n_tensors; t++) {
        size_t c = rt_tensor_count(&net->tensors[t]);
        if (c > most) most = c;
    }
    if ((size_t)net->inputs > most) most = (size_t)net->inputs;
    if ((size_t)net->outputs > most) most = (size_t)net->outputs;
    double *tmp = malloc(sizeof(double) * most);
    if (!tmp) rc = -1;
    for (int t = 0; !rc && t < net->n_tensors; t++) {
        const rt_tensor *tn = &net->tensors[t];
        int64_t shape[4];
        const int rank = rt_tensor_shape(tn, shape);
        size_t count = rt_tensor_count(tn);
        if (rt_st_read(&f, path, tn->name, shape, rank, tmp)) {
            rc = -1;
            break;
        }
        for (size_t i = 0; i < count; i++) rt_param_set(net, net->params, tn->offset + i, tmp[i]);
    }
    if (!rc && want_norm) {
        int64_t shape[1] = {net->inputs};
        rt_norm_free(&s->norm);
        s->norm.d = net->inputs;
        s->norm.offset = calloc((size_t)net->inputs, sizeof(double));
        s->norm.scale = calloc((size_t)net->inputs, sizeof(double));
        if (!s->norm.offset || !s->norm.scale) rc = -1;
        /* A file trained elsewhere may carry no normalisation: then inputs go in unchanged. */
        if (!rc && rt_st_read(&f, NULL, "input.offset", shape, 1, s->norm.offset))
            memset(s->norm.offset, 0, sizeof(double) * (size_t)net->inputs);
        if (!rc && rt_st_read(&f, NULL, "input.scale", shape, 1, s->norm.scale))
            for (int i = 0; i < net->inputs; i++) s->norm.scale[i] = 1.0;
    }
    /* The target scaling, when training had one: --predict gives outputs in the targets' units. */
    if (!rc && want_norm && rt_st_has(&f, "target.offset") && rt_st_has(&f, "target.scale")) {
        int64_t shape[1] = {net->outputs};
        rt_norm_free(&s->target);
        s->target.offset = calloc((size_t)net->outputs, sizeof(double));
        s->target.scale = calloc((size_t)net->outputs, sizeof(double));
        if (!s->target.offset || !s->target.scale) rc = -1;
        if (!rc) rc = rt_st_read(&f, path, "target.offset", shape, 1, s->target.offset);
        if (!rc) rc = rt_st_read(&f, path, "target.scale", shape, 1, s->target.scale);
        if (!rc) s->target.d = net->outputs;
    }
    if (!rc && want_norm) rc = read_class_names(s, &f, path); /* --predict names its classes */
    free(tmp);
    rt_st_close(&f);
    return rc;
}

/* ---- metrics.csv -------------------------------------------------------------------------- */

/* metrics.csv grows a row at a time, so a log row costs the same at epoch 10 as at epoch 10,000:
 * a run's first row writes the file whole (header and row, atomically, replacing an older run's)
 * and each later one is appended with one write(2). What a kill -9 leaves is then rows of epochs
 * past the last checkpoint, and at most a partial last line; --resume reads the file back
 * (rt_read_metrics), keeps exactly the rows the checkpoint counted and rewrites it once.
 *
 * A row in memory holds what its line reads back as (rt_append_metrics rounds it: %.9g, seconds
 * %.3f, lr %.17g which is exact), so the history a resumed run reads back is an uninterrupted
 * run's bit for bit, and so are curves.svg and the summary drawn from it. */

/* A row's longest line: 17 numbers of at most 24 characters, seconds in %.3f of at most 320. */
enum { ROW_MAX = 1024 };

/* The cells' formats: %.9g, empty when not measured; %.3f; %.17g, empty when not measured. */
enum { PLAIN, SECONDS, EXACT };

/* The columns after epoch, in the file's order: SPEC 3's six first (readers index them), then lr
 * and validation; for regression R^2, RMSE and MAE per set. rt_checkpoint.c's row_to keeps the
 * same order. */
static const struct {
    const char *name;
    size_t at;
    int format;
} metric_column[RT_METRICS_COLUMNS - 1] = {
    {"train_loss", offsetof(rt_metrics, train_loss), PLAIN},
    {"train_accuracy", offsetof(rt_metrics, train_acc), PLAIN},
    {"test_loss", offsetof(rt_metrics, test_loss), PLAIN},
    {"test_accuracy", offsetof(rt_metrics, test_acc), PLAIN},
    {"seconds", offsetof(rt_metrics, seconds), SECONDS},
    {"lr", offsetof(rt_metrics, lr), EXACT}, /* exact: compared with PyTorch's schedulers */
    {"val_loss", offsetof(rt_metrics, val_loss), PLAIN},
    {"val_accuracy", offsetof(rt_metrics, val_acc), PLAIN},
    {"train_r2", offsetof(rt_metrics, train_r2), PLAIN},
    {"train_rmse", offsetof(rt_metrics, train_rmse), PLAIN},
    {"train_mae", offsetof(rt_metrics, train_mae), PLAIN},
    {"val_r2", offsetof(rt_metrics, val_r2), PLAIN},
    {"val_rmse", offsetof(rt_metrics, val_rmse), PLAIN},
    {"val_mae", offsetof(rt_metrics, val_mae), PLAIN},
    {"test_r2", offsetof(rt_metrics, test_r2), PLAIN},
    {"test_rmse", offsetof(rt_metrics, test_rmse), PLAIN},
    {"test_mae", offsetof(rt_metrics, test_mae), PLAIN},
};

/* The file's columns: epoch and 8 more; for regression all 17 more. */
static int metric_columns(const rt_session *s)
{
    return s->net->task == RT_TASK_REGRESSION ? RT_METRICS_COLUMNS : 9;
}

static double *metric_at(rt_metrics *r, int k)
{
    return (double *)(void *)((char *)r + metric_column[k].at);
}

static double metric_of(const rt_metrics *r, int k)
{
    return *(const double *)(const void *)((const char *)r + metric_column[k].at);
}

/* The header line, '\n' included. */
static void metrics_header(const rt_session *s, char line[ROW_MAX])
{
    int n = snprintf(line, ROW_MAX, "epoch");
    for (int k = 0; k < metric_columns(s) - 1; k++)
        n += snprintf(line + n, (size_t)(ROW_MAX - n), ",%s", metric_column[k].name);
    snprintf(line + n, (size_t)(ROW_MAX - n), "\n");
}

/* Row r as its line, '\n' included; returns the length. */
static int format_row(const rt_session *s, const rt_metrics *r, char line[ROW_MAX])
{
    int n = snprintf(line, ROW_MAX, "%d", r->epoch);
    for (int k = 0; k < metric_columns(s) - 1; k++) {
        double v = metric_of(r, k);
        size_t room = (size_t)(ROW_MAX - n);
        if (metric_column[k].format == SECONDS) n += snprintf(line + n, room, ",%.3f", v);
        else if (isnan(v)) n += snprintf(line + n, room, ",");
        else if (metric_column[k].format == EXACT) n += snprintf(line + n, room, ",%.17g", v);
        else n += snprintf(line + n, room, ",%.9g", v);
    }
    return n + snprintf(line + n, (size_t)(ROW_MAX - n), "\n");
}

/* Line (without its '\n') as a row: exactly the file's columns, a whole epoch, numbers or empty
 * cells. Returns 0, or -1 with the reason in why. */
static int parse_row(const rt_session *s, const char *line, size_t len, rt_metrics *r, char *why,
                     size_t nwhy)
{
    const int ncols = metric_columns(s);
    int found = 1;
    for (size_t i = 0; i < len; i++) found += line[i] == ',';
    if (found != ncols) {
        snprintf(why, nwhy, "expected %d columns (epoch,%s,...), found %d", ncols, metric_column[0].name, found);
        return -1;
    }
    const char *p = line, *end = line + len;
    for (int k = -1; k < ncols - 1; k++) {
        const char *q = memchr(p, ',', (size_t)(end - p));
        if (!q) q = end;
        char cell[ROW_MAX];
        size_t n = (size_t)(q - p);
        memcpy(cell, p, n);
        cell[n] = 0;
        char *stop = NULL;
        if (k < 0) { /* epoch: digits alone */
            int digits = n > 0 && n <= 9;
            for (size_t i = 0; digits && i < n; i++) digits = cell[i] >= '0' && cell[i] <= '9';
            if (!digits) {
                snprintf(why, nwhy, "the epoch '%.40s' is not a whole number", cell);
                return -1;
            }
            r->epoch = (int)strtol(cell, NULL, 10);
        } else if (n == 0 && metric_column[k].format != SECONDS) {
            *metric_at(r, k) = NAN;
        } else {
            double v = n && !isspace((unsigned char)cell[0]) ? strtod(cell, &stop) : 0;
            if (!stop || *stop) {
                snprintf(why, nwhy, "column %d (%s): '%.40s' is not a number", k + 2, metric_column[k].name,
                         cell);
                return -1;
            }
            *metric_at(r, k) = v;
        }
        p = q + 1;
    }
    return 0;
}

/* Row r as its line reads back: what the file keeps of it. 0, or -1 (an internal error). */
static int round_row(const rt_session *s, rt_metrics *r)
{
    char line[ROW_MAX], why[160];
    int len = format_row(s, r, line);
    if (len > 0 && len < ROW_MAX && !parse_row(s, line, (size_t)len - 1, r, why, sizeof why)) return 0;
    rt_error(NULL, 0, "internal error: the metrics row of epoch %d does not read back", r->epoch);
    return -1;
}

int rt_write_metrics(const rt_session *s)
{
    char *path = rt_join(s->out_dir, "metrics.csv");
    rt_atomic a;
    if (!path || rt_atomic_open(&a, path)) {
        free(path);
        return -1;
    }
    char line[ROW_MAX];
    metrics_header(s, line);
    fputs(line, a.f);
    for (int i = 0; i < s->n_history; i++) {
        format_row(s, &s->history[i], line);
        fputs(line, a.f);
    }
    int rc = rt_atomic_close(&a, 1);
    free(path);
    return rc;
}

int rt_append_metrics(rt_session *s)
{
    if (s->n_history == 0) return rt_write_metrics(s);
    rt_metrics *r = &s->history[s->n_history - 1];
    if (round_row(s, r)) return -1;
    if (!rt_writer()) return 0; /* under MPI every rank keeps the row as the file has it; rank 0 writes */
    char line[ROW_MAX];
    int len = format_row(s, r, line);
    if (s->n_history == 1) return rt_write_metrics(s); /* a run's first row: the file anew */
    char *path = rt_join(s->out_dir, "metrics.csv");
    if (!path) return -1;
    int fd = open(path, O_WRONLY | O_APPEND);
    if (fd < 0 && errno == ENOENT) { /* removed while the run went on: written whole again */
        free(path);
        return rt_write_metrics(s);
    }
    int err = fd < 0 ? errno : 0;
    for (const char *p = line; !err && len > 0;) {
        ssize_t w = write(fd, p, (size_t)len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) err = w < 0 ? errno : EIO;
        else p += w, len -= (int)w;
    }
    if (fd >= 0 && close(fd) != 0 && !err) err = errno;
    if (err) rt_error(path, 0, "cannot write: %s", strerror(err));
    free(path);
    return err ? -1 : 0;
}

int rt_sync_metrics(const rt_session *s)
{
    char *path = rt_join(s->out_dir, "metrics.csv");
    if (!path) return -1;
    int fd = open(path, O_WRONLY | O_APPEND), err = 0;
    if (fd < 0) err = errno == ENOENT ? 0 : errno;
    else if (fsync(fd) != 0) err = errno;
    if (fd >= 0) close(fd);
    if (err) rt_error(path, 0, "cannot write: %s", strerror(err));
    free(path);
    return err ? -1 : 0;
}

/* One line of f into line (at most ROW_MAX - 1 bytes, without its '\n'): 1 for a whole line, 0 at
 * the end of the file, 2 for a last line without '\n' (a kill's partial row), -1 for a line too
 * long, -2 for one holding a NUL byte. */
static int read_line(FILE *f, char line[ROW_MAX], size_t *len)
{
    size_t n = 0;
    for (int c; (c = getc(f)) != EOF;) {
        if (c == '\n') {
            line[n] = 0, *len = n;
            return 1;
        }
        if (c == 0 || n == ROW_MAX - 1) return c == 0 ? -2 : -1;
        line[n++] = (char)c;
    }
    line[n] = 0, *len = n;
    return n ? 2 : 0;
}

/* The name of the first column where rows a and b differ (NaN equals NaN), or NULL. */
static const char *row_differs(const rt_session *s, const rt_metrics *a, const rt_metrics *b)
{
    if (a->epoch != b->epoch) return "epoch";
    for (int k = 0; k < metric_columns(s) - 1; k++) {
        double x = metric_of(a, k), y = metric_of(b, k);
        if (!(x == y || (isnan(x) && isnan(y)))) return metric_column[k].name;
    }
    return NULL;
}

int rt_read_metrics(rt_session *s, int rows, const rt_metrics *last)
{
    char *path = rt_join(s->out_dir, "metrics.csv");
    if (!path) return -1;
    free(s->history);
    s->history = NULL;
    s->n_history = s->cap_history = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        rt_error(path, 0,
                 "cannot read: %s; --resume continues its rows from the checkpoint's epoch %d (or start "
                 "afresh, without --resume)",
                 strerror(errno), s->epoch);
        free(path);
        return -1;
    }
    char line[ROW_MAX], want[ROW_MAX], why[200];
    size_t len;
    long lineno = 1;
    int got = read_line(f, line, &len), rc = 0;
    metrics_header(s, want);
    want[strlen(want) - 1] = 0;
    if (got != 1 || strcmp(line, want)) {
        const char *what = got == 0 ? "the file is empty"
                           : got == 1 ? "the header differs"
                                      : "the header is cut or malformed";
        rt_error(path, 1, "%s: expected this network's header '%s'", what, want);
        rc = -1;
    }
    for (int i = 0; !rc && i < rows; i++) {
        lineno++;
        got = read_line(f, line, &len);
        const int before = i ? s->history[i - 1].epoch : -1;
        rt_metrics r;
        if (got == 0 || got == 2) {
            char upto[48] = "";
            if (i) snprintf(upto, sizeof upto, " (up to epoch %d)", before);
            rt_error(path, lineno,
                     "%s after %d rows%s, but checkpoint.safetensors (epoch %d) counts %d: these are not its "
                     "run's metrics (restore them, or start afresh without --resume)",
                     got ? "a cut row" : "the file ends", i, upto, s->epoch, rows);
            rc = -1;
        } else if (got < 0) {
            if (got == -2) rt_error(path, lineno, "not a metrics row: a NUL byte");
            else rt_error(path, lineno, "not a metrics row: longer than %d bytes", ROW_MAX - 1);
            rc = -1;
        } else if (parse_row(s, line, len, &r, why, sizeof why)) {
            rt_error(path, lineno, "%s", why);
            rc = -1;
        } else if (round_row(s, &r)) { /* a number written with more digits than the file's */
            rc = -1;
        } else if (r.epoch <= before) {
            rt_error(path, lineno, "epoch %d after epoch %d: the rows' epochs must increase", r.epoch, before);
            rc = -1;
        } else if (r.epoch > s->epoch) {
            rt_error(path, lineno,
                     "epoch %d is past checkpoint.safetensors's epoch %d, which counts %d rows up to it, "
                     "not %d: these are not its run's metrics",
                     r.epoch, s->epoch, rows, i);
            rc = -1;
        } else if (s->n_history == s->cap_history) { /* grown as read: no larger than the file */
            int cap = s->cap_history ? 2 * s->cap_history : 64;
            rt_metrics *h = realloc(s->history, sizeof *h * (size_t)cap);
            if (!h) rt_error(NULL, 0, "out of memory"), rc = -1;
            else s->history = h, s->cap_history = cap;
        }
        if (!rc) s->history[s->n_history++] = r;
    }
    const char *col = !rc && rows > 0 && last->epoch >= 0 ? row_differs(s, &s->history[rows - 1], last)
                                                           : NULL;
    if (col) {
        rt_error(path, lineno,
                 "the row of epoch %d differs from checkpoint.safetensors's (%s): this is not the checkpoint's "
                 "run's metrics",
                 s->history[rows - 1].epoch, col);
        rc = -1;
    }
    fclose(f);
    free(path);
    return rc;
}

/* ---- what the terminal shows ---------------------------------------------------------------- */

static void fmt_time(char *buf, size_t n, double sec)
{
    if (!isfinite(sec) || sec < 0) sec = 0;
    long t = (long)(sec + 0.5);
    if (t >= 3600) snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

void rt_progress(rt_session *s, int epoch, int epochs, double loss, double acc, double done_frac,
                 double rate)
{
    enum { WIDTH = 24 };
    char bar[WIDTH + 1];
    int fill = (int)(done_frac * WIDTH);
    for (int i = 0; i < WIDTH; i++) bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
    bar[WIDTH] = 0;
    char left[32];
    double elapsed = s->seconds;
    fmt_time(left, sizeof left, done_frac > 0 ? elapsed / done_frac * (1 - done_frac) : 0);
    fprintf(stderr, "\repoch %*d/%d [%s] loss %.4f", (int)snprintf(NULL, 0, "%d", epochs), epoch, epochs,
            bar, loss);
    if (!isnan(acc)) fprintf(stderr, " acc %.3f", acc);
    fprintf(stderr, " | %.0f samples/s | %s left  ", rate, left);
    fflush(stderr);
}

void rt_log_row(rt_session *s, const rt_metrics *r, int epochs)
{
    if (s->opt.quiet) return;
    int w = (int)snprintf(NULL, 0, "%d", epochs);
    printf("epoch %*d/%d  train loss %.6f", w, r->epoch, epochs, r->train_loss);
    if (!isnan(r->train_acc)) printf(" acc %.4f", r->train_acc);
    if (!isnan(r->train_r2)) printf(" R2 %.4f", r->train_r2);
    if (s->has_val) {
        printf("  val loss %.6f", r->val_loss);
        if (!isnan(r->val_acc)) printf(" acc %.4f", r->val_acc);
        if (!isnan(r->val_r2)) printf(" R2 %.4f", r->val_r2);
    }
    if (s->has_test) {
        printf("  test loss %.6f", r->test_loss);
        if (!isnan(r->test_acc)) printf(" acc %.4f", r->test_acc);
        if (!isnan(r->test_r2)) printf(" R2 %.4f", r->test_r2);
    }
    if (!isnan(r->lr) && (s->cfg.lr_schedule != RT_LR_CONSTANT || s->cfg.lr_warmup > 0)) printf("  lr %.4g", r->lr);
    printf("  %.2f s\n", r->seconds);
    fflush(stdout);
}
