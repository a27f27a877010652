/* rt_report.c — what the training program shows and writes: progress, metrics.csv, weights. */
#include <errno.h>
#include <math.h>
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
        e[t].rank = tn->cols ? 2 : 1;
        e[t].shape[0] = tn->rows;
        e[t].shape[1] = tn->cols;
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
        size_t c = (size_t)net->tensors[t].rows * (size_t)(net->tensors[t].cols ? net->tensors[t].cols : 1);
        if (c > most) most = c;
    }
    if ((size_t)net->inputs > most) most = (size_t)net->inputs;
    if ((size_t)net->outputs > most) most = (size_t)net->outputs;
    double *tmp = malloc(sizeof(double) * most);
    if (!tmp) rc = -1;
    for (int t = 0; !rc && t < net->n_tensors; t++) {
        const rt_tensor *tn = &net->tensors[t];
        int64_t shape[2] = {tn->rows, tn->cols};
        size_t count = (size_t)tn->rows * (size_t)(tn->cols ? tn->cols : 1);
        if (rt_st_read(&f, path, tn->name, shape, tn->cols ? 2 : 1, tmp)) {
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

static void put_value(FILE *f, double v)
{
    if (isnan(v)) fputs(",", f);
    else fprintf(f, ",%.9g", v);
}

int rt_write_metrics(const rt_session *s)
{
    char *path = rt_join(s->out_dir, "metrics.csv");
    rt_atomic a;
    if (!path || rt_atomic_open(&a, path)) {
        free(path);
        return -1;
    }
    /* SPEC 3's six columns first, as they were (readers index them); then lr and validation,
     * and for regression R^2, RMSE and MAE per set. Empty where not measured. */
    const int regression = s->net->task == RT_TASK_REGRESSION;
    fputs("epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,lr,val_loss,val_accuracy", a.f);
    if (regression)
        fputs(",train_r2,train_rmse,train_mae,val_r2,val_rmse,val_mae,test_r2,test_rmse,test_mae", a.f);
    fputc('\n', a.f);
    for (int i = 0; i < s->n_history; i++) {
        const rt_metrics *r = &s->history[i];
        fprintf(a.f, "%d", r->epoch);
        put_value(a.f, r->train_loss);
        put_value(a.f, r->train_acc);
        put_value(a.f, r->test_loss);
        put_value(a.f, r->test_acc);
        fprintf(a.f, ",%.3f", r->seconds);
        if (isnan(r->lr)) fputs(",", a.f);
        else fprintf(a.f, ",%.17g", r->lr); /* exact: compared with PyTorch's schedulers */
        put_value(a.f, r->val_loss);
        put_value(a.f, r->val_acc);
        if (regression) {
            const double reg[9] = {r->train_r2, r->train_rmse, r->train_mae, r->val_r2, r->val_rmse,
                                   r->val_mae,  r->test_r2,   r->test_rmse, r->test_mae};
            for (int k = 0; k < 9; k++) put_value(a.f, reg[k]);
        }
        fputc('\n', a.f);
    }
    int rc = rt_atomic_close(&a, 1);
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
