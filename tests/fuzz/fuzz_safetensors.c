/* fuzz_safetensors.c — the safetensors reader (rt_st_open, rt_st_read, rt_st_read_raw,
 * rt_st_metadata, rt_st_has) on any bytes as the file.
 *
 * For a file rt_st_open accepts, every tensor its header names is read back with the shape the
 * header gives (the path a weights file takes when it fits) and once with a wrong one (the
 * mismatch message), through both the finite and the raw reader; then the metadata keys the
 * runtime and nncc look up.
 * Covers: runtime/rt_safetensors.c's reading side (header length, the JSON header, dtypes,
 * shapes, data_offsets against the data, element decoding of every dtype, the non-finite check)
 * and cJSON's parser (third_party/cjson, built instrumented here).
 * Not covered: the writer rt_st_write (fuzz_checkpoint.c's seeds come from it); what the weights'
 * callers do with the values (fuzz_checkpoint.c and fuzz_weights). */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_quiet_runtime();
    const char *path = fz_path("w.safetensors");
    fz_write(path, data, size);
    rt_st_file f;
    if (rt_st_open(&f, path)) return 0;
    for (const cJSON *t = ((const cJSON *)f.header)->child; t; t = t->next) {
        if (!strcmp(t->string, "__metadata__")) continue;
        int64_t shape[8];
        int rank = 0;
        size_t count = 1;
        for (const cJSON *d = cJSON_GetObjectItemCaseSensitive(t, "shape")->child; d && rank < 8; d = d->next) {
            shape[rank++] = (int64_t)d->valuedouble;
            count *= (size_t)d->valuedouble;
        }
        /* The same shape with one more row (a scalar as [1]): the reader must refuse it. */
        int64_t wrong[8];
        memcpy(wrong, shape, sizeof wrong);
        int wrong_rank = rank ? rank : 1;
        wrong[0] = rank ? shape[0] + 1 : 1;
        size_t wrong_count = 1;
        for (int k = 0; k < wrong_rank && wrong_count <= (size_t)1 << 20; k++) wrong_count *= (size_t)wrong[k];
        /* rt_st_open bounded the data by the file, so count fits what the file holds; dst has room
         * for what either read may write (the wrong shape may name a duplicate of another size). */
        size_t room = count > wrong_count ? count : wrong_count;
        double *dst = malloc(sizeof *dst * (room ? room : 1));
        if (!dst) abort();
        if (!rt_st_has(&f, t->string)) abort();
        rt_st_read(&f, path, t->string, shape, rank, dst);
        rt_st_read_raw(&f, path, t->string, shape, rank, dst);
        /* Checked for the first of duplicate names only: the one the reader finds. */
        if (wrong_count <= (size_t)1 << 20 && rt_st_read(&f, path, t->string, wrong, wrong_rank, dst) == 0 &&
            cJSON_GetObjectItemCaseSensitive(f.header, t->string) == t)
            abort();
        free(dst);
    }
    static const char *const keys[] = {"format", "network", "epoch", "classes", "features", "task"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = rt_st_metadata(&f, keys[i]);
        if (v) (void)strlen(v);
    }
    rt_st_has(&f, "__metadata__");
    rt_st_close(&f);
    return 0;
}
