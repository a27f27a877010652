/* fuzz_checkpoint.c — the readers that check a safetensors file against a network: built twice by
 * run.sh. fuzz_checkpoint: rt_checkpoint_read (--resume: weights, optimiser buffers, counters,
 * generator state, early stopping, the metrics history) from OUT/checkpoint.safetensors.
 * fuzz_weights (-DFUZZ_WEIGHTS): rt_read_weights with want_norm (--predict and a resumed
 * program's NAME.safetensors: weights, input and target normalisation, class names).
 *
 * Input: one mode byte (fuzz_net.h: task, precision, optimiser buffers, kept parameters), one
 * byte for the epochs asked for (checkpoint), then the file.
 * Covers: runtime/rt_checkpoint.c's reader, rt_report.c's rt_read_weights and read_class_names,
 * and rt_safetensors.c beneath them, against a 2 -> 3 -> K network.
 * Not covered: the writers (seeds.c uses them for the seeds); rt_main's use of what was read
 * (training resumed from it); the inference emitter's own weights reading (compiler/infer.c's
 * load_weights: fuzz_infer.c). */
#include <stdlib.h>

#include "fuzz_common.h"
#include "fuzz_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_quiet_runtime();
    fz_in in = {data, size};
    unsigned mode = fz_byte(&in);
    int epochs = (int)fz_byte(&in);
    static fz_net z;
    rt_session s;
    fz_net_init(&z, &s, mode, fz_dir(), epochs);
#ifdef FUZZ_WEIGHTS
    const char *path = fz_path("fz.safetensors");
    fz_write(path, in.p, in.n);
    if (rt_read_weights(&s, path, 1) == 0) {
        if (s.norm.d != FZ_INPUTS || !s.norm.offset || !s.norm.scale) abort();
    }
#else
    fz_write(fz_path("checkpoint.safetensors"), in.p, in.n);
    if (rt_checkpoint_read(&s) == 0) {
        if (s.epoch > epochs || s.n_history < 0) abort();
        for (int i = 0; i < s.n_history; i++) (void)s.history[i].epoch;
    }
#endif
    fz_session_free(&s);
    return 0;
}
