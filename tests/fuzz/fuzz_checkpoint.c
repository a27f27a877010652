/* fuzz_checkpoint.c — the readers that check a file of the output directory against a network:
 * built three times by run.sh. fuzz_checkpoint: rt_checkpoint_read (--resume: weights, optimiser
 * buffers, counters, generator state, early stopping, the metrics rows counted and the last)
 * from OUT/checkpoint.safetensors. fuzz_weights (-DFUZZ_WEIGHTS): rt_read_weights with want_norm
 * (--predict and a resumed program's NAME.safetensors: weights, input and target normalisation,
 * class names). fuzz_metrics (-DFUZZ_METRICS): rt_read_metrics (--resume reading metrics.csv
 * back) from OUT/metrics.csv; what it accepts, written again (rt_write_metrics) and read again,
 * must come back bit for bit (the rows of a resumed run are an uninterrupted run's).
 *
 * Input: one mode byte (fuzz_net.h: task, precision, optimiser buffers, kept parameters), one
 * byte for the epochs asked for (checkpoint) or the checkpoint's epoch (metrics), for metrics one
 * byte for the rows the checkpoint counts, then the file.
 * Covers: runtime/rt_checkpoint.c's reader, rt_report.c's rt_read_weights and read_class_names,
 * rt_report.c's metrics.csv reader and writer, and rt_safetensors.c beneath them, against a
 * 2 -> 3 -> K network.
 * Not covered: the checkpoint and weights writers (seeds.c uses them for the seeds); rt_main's use
 * of what was read (training resumed from it); the inference emitter's own weights reading
 * (compiler/infer.c's load_weights: fuzz_infer.c). */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef FUZZ_METRICS
/* Rows equal bit for bit, NaN as NaN: the 17 doubles after epoch, copied out of each row. */
static int same_rows(const rt_metrics *a, const rt_metrics *b, int n)
{
    enum { K = RT_METRICS_COLUMNS - 1 };
    const size_t at = offsetof(rt_metrics, train_loss);
    if (offsetof(rt_metrics, test_mae) - at != (K - 1) * sizeof(double)) abort();
    for (int i = 0; i < n; i++) {
        double x[K], y[K];
        memcpy(x, (const char *)&a[i] + at, sizeof x);
        memcpy(y, (const char *)&b[i] + at, sizeof y);
        if (a[i].epoch != b[i].epoch) return 0;
        for (int k = 0; k < K; k++)
            if (!(isnan(x[k]) && isnan(y[k])) && memcmp(&x[k], &y[k], sizeof x[k])) return 0;
    }
    return 1;
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_quiet_runtime();
    fz_in in = {data, size};
    unsigned mode = fz_byte(&in);
    int epochs = (int)fz_byte(&in);
    static fz_net z;
    rt_session s;
    fz_net_init(&z, &s, mode, fz_dir(), epochs);
#if defined(FUZZ_WEIGHTS)
    const char *path = fz_path("fz.safetensors");
    fz_write(path, in.p, in.n);
    if (rt_read_weights(&s, path, 1) == 0) {
        if (s.norm.d != FZ_INPUTS || !s.norm.offset || !s.norm.scale) abort();
    }
#elif defined(FUZZ_METRICS)
    int rows = (int)fz_byte(&in) % (epochs + 2);
    fz_write(fz_path("metrics.csv"), in.p, in.n);
    s.epoch = epochs;
    rt_metrics unknown = {.epoch = -1};
    if (rt_read_metrics(&s, rows, &unknown) == 0) {
        if (s.n_history != rows) abort();
        for (int i = 0; i < rows; i++)
            if (s.history[i].epoch > epochs || (i && s.history[i].epoch <= s.history[i - 1].epoch)) abort();
        if (rt_write_metrics(&s)) abort(); /* as --resume rewrites it */
        rt_metrics *first = s.history;
        s.history = NULL, s.n_history = s.cap_history = 0;
        /* Read again, checked against its own last row as a checkpoint would be. */
        if (rt_read_metrics(&s, rows, rows ? &first[rows - 1] : &unknown) || !same_rows(first, s.history, rows))
            abort();
        free(first);
    }
#else
    fz_write(fz_path("checkpoint.safetensors"), in.p, in.n);
    int rows;
    rt_metrics last;
    if (rt_checkpoint_read(&s, &rows, &last) == 0) {
        if (s.epoch > epochs || rows < 0 || rows > s.epoch + 1 || last.epoch > s.epoch) abort();
    }
#endif
    fz_session_free(&s);
    return 0;
}
