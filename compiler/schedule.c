/* schedule.c — between plan and emit: how every layer's loops run on the target (register blocks,
 * cache slices, panels, strides, transposed buffers, threads), decided here as data, printed by
 * `nncc --check`; the emitter decides nothing and prints what this chose. */
#include <string.h>

#include "nncc.h"

/* Multiply-adds per step() call above which the work is split over threads. With the threads
 * sleeping at barriers (the runtime's default, see rt_main.c) a fork/join or a barrier costs a
 * wake-up, 50-100 us on a virtual machine: about 4e6 multiply-adds on one core (the notes' deep
 * net on 1000 points, 5.6e5 a step: 9000 iterations/s on one thread, 6600 on two). */
enum { THREAD_MIN_WORK = 1 << 22 };

/* Threads split a step's rows, and each thread reads every weight, which the update has just
 * written on one core or the other: with fewer rows than this per step, moving the weights
 * between the cores costs more than the second core gives (Fashion 784-256-128-10, batch 64:
 * 0.43 s an epoch on one thread, 0.50 s on two). */
enum { THREAD_MIN_ROWS = 128 };

/* Layers with fewer units than this take the row-by-row forward when they are fed by X: a
 * blocked forward reads its input feature by feature, A^T, which the layer below writes for free
 * from its register blocks but X has to be transposed for, a scattered store per input and row;
 * for a wide X and a unit or two that costs several times the products (cats-vs-dogs' one neuron
 * on 4096 pixels: 6x the whole step). Dot products over X's rows as they are need no copy. */
enum { ROW_UNITS = 4 };

/* Row path: rows per block, a power of two up to this many scalar sums (rows x units), no more
 * than nr so that blocks, which start at a thread's lo (a multiple of nr), fall on the same rows
 * for any thread count. 8 sums was the fastest at -O2 and within 3% of the best at -O3. */
enum { ROW_SUMS = 8 };

/* A hidden layer's dW reads dZ^T when dZ's rows are at least this far apart (see dz_t). */
enum { DZT_MIN_ROW_BYTES = 512 };

/* X^T is copied in tiles of this many inputs (a cache line or two of X) by the thread's rows. */
enum { TRANSPOSE_TILE = 16 };

static int ceil_to(int n, int b)
{
    return (n + b - 1) / b * b;
}

/* The register block. A block of sums is mr broadcast values times nr lanes; nr is two vectors
 * (two independent chains per broadcast, enough to cover an FMA's latency), and mr takes three
 * eighths of the vector registers for the sums' 2 x mr registers, leaving a quarter for the
 * operands: 32 registers (AVX-512, NEON) give 12 x 2, 16 (AVX2, SSE) 6 x 2 — on AVX2 the old
 * fixed 12 x 32 floats needed 48 of its 16 registers and spilled (W3 1.73 -> 0.94 s an epoch with
 * 6 x 16). Scalar C: 4 x 4 sums. */
static void register_block(const Target *t, int real_size, int *vl, int *nr, int *mr)
{
    if (t->vector_bits == 0 || t->vector_regs == 0) {
        *vl = 1, *nr = 4, *mr = 4;
        return;
    }
    *vl = t->vector_bits / (8 * real_size);
    if (*vl < 1) *vl = 1;
    *nr = 2 * *vl;
    *mr = t->vector_regs * 3 / 8;
    if (*mr < 2) *mr = 2;
}

/* Inputs per cache slice: the slice of the streamed operand that every register block of a row
 * block reads (kc x nr reals) takes a third of L1d. A multiple of 16; no slicing without a cache. */
static int cache_slice(const Target *t, int nr, int real_size, int n)
{
    if (t->l1d <= 0) return n;
    int kc = t->l1d / 3 / (nr * real_size) / 16 * 16;
    if (kc < 16) kc = 16;
    return n > kc ? kc : n;
}

/* The row stride of a layer's A and dZ. A row of a whole number of KiB would put the rows' lines
 * in the same few L1 sets (L1 is indexed by the address modulo 4 KiB), so that the blocks that run
 * down the rows (dW, the propagation) would miss L1 on every row: such rows get one more cache
 * line. The output layer's rows stay dense (the loss and forward() read them as they are). */
static int row_stride(const Target *t, int units, int last, int real_size)
{
    if (t->l1d <= 0 || last || units * real_size % 1024 != 0) return units;
    return units + 64 / real_size;
}

/* ---- the inference kernel (--emit infer) ----------------------------------------------------
 * One sample at a time: z[j] = b[j] + W[j][0] x[0] + W[j][1] x[1] + ..., each sum added in input
 * order whatever the layout, so every layout below gives the same floats on every target (and the
 * training program's). What a target changes is how many sums run side by side (the panel) and
 * how many inputs a step takes. The int8 kernel keeps W's rows as they are (integer sums, any
 * order, vectorised as the compiler likes) and takes nothing from here.
 *
 * Measured on W5 (tests/bench: the W3 net 784-256-128-10 after one epoch, one Fashion-MNIST test
 * image a call, every layer skipping its zero inputs; gcc 12 -O3, a 2-core Xeon with AVX-512 shared
 * with other jobs: medians of 5-6 interleaved runs, +-10%), us per call, by units per panel:
 *   native (-march=native, zmm)       32: 7.9   64: 7.2   128: 11.6   (64 with 16 rows a step: 8.4)
 *   x86-64-v3 (-march=x86-64-v3)      16: 13.1  32: 9.9   64: 9.2   128: 15.5
 *   x86-64-v2 (-march=x86-64-v2)      16: 17.0  32: 15.8  64: 17.2
 *   generic, -O3 (SSE2 vectorised)    4: 29.2   8: 24.1   16: 18.3  32: 15.3
 *   generic, -O3 -fno-tree-vectorize  rows: 90  4: 61     8: 55     16: 55
 * and with no layer skipping (the full loop), generic scalar, 16 units: 8 inputs a step 97,
 * 16 inputs 115. */

/* Vector targets: panels of 64 floats, a row of a panel 256 bytes (four cache lines of weights per
 * input, read front to back), unless that many sums would take more than half the vector
 * registers: the other half holds the step's broadcast inputs. AVX-512 4 of 32 zmm, AVX2 8 of 16
 * ymm, SSE 8 of 16 xmm (32 floats), NEON 16 of 32. */
enum { INFER_PANEL_FLOATS = 64 };

/* Full loop: inputs per step (the largest power of two up to it that divides fan_in): z[] goes
 * through memory once per step. Skipping loop: nonzero inputs per step, their rows through
 * pointers that stay in general registers (8 of x86-64's 16; with 16 they spill, and 4 or 6
 * leave gcc's AVX2 loop 4x slower). */
enum { INFER_STEP = 16, INFER_SKIP_STEP = 8 };

/* Scalar C with a cache (generic): 16 units a panel, 16 independent chains of sums for an
 * out-of-order core (one chain, a dot product, waits an add's latency per input: 1.6x slower),
 * and still four 128-bit vectors where the compiler vectorises anyway (x86-64's SSE2 at -O3);
 * 8 inputs a step. */
enum { INFER_SCALAR_PANEL = 16, INFER_SCALAR_STEP = 8 };

/* A microcontroller (no cache): on the Cortex-M target (-mcpu=cortex-m4 -mthumb, soft-float ABI;
 * M0 and M3 have no FPU) every multiply-add is two libgcc calls, __aeabi_fmul and __aeabi_fadd,
 * 50-100 cycles; the loads and the loop around them are noise: instructions executed under qemu
 * (mps2-an385, relu70 of tests/t_infer.sh) are within 5% for every panel width from 1 to 64 and
 * every step from 2 to 8. No cache means no read order to win either: every weight is read once
 * from flash, whatever the layout. So flash and RAM decide: the rows of W as they are, one dot
 * product per unit with its sum in a register, no tail loop for units left over (a tail panel
 * doubles a layer's code: relu70's 70-unit skipping layer is 304 bytes of Thumb-2 at -Os as rows
 * of 4 inputs a step, 1010 as panels of 64 and a tail), 4 bytes of sums on the stack instead of a
 * panel's; 4 inputs a step (16: 664 bytes, no faster). A core with an FPU (M4F, M7 with
 * -mfloat-abi=hard) would take panels: 8 units cut relu70's instructions by a third
 * there. */
enum { INFER_MCU_STEP = 4 };

static void infer_layout(Net *net, const Target *t)
{
    Schedule *s = &net->sched;
    const int scalar = t->vector_bits == 0 || t->vector_regs == 0;
    int panel = INFER_PANEL_FLOATS, step = INFER_STEP, skip_step = INFER_SKIP_STEP;
    if (scalar && t->l1d <= 0) {
        panel = 0, step = skip_step = INFER_MCU_STEP;
    } else if (scalar) {
        panel = INFER_SCALAR_PANEL, step = INFER_SCALAR_STEP;
    } else {
        int lanes = t->vector_bits / 32 > 1 ? t->vector_bits / 32 : 1;
        int half = lanes * (t->vector_regs / 2 > 1 ? t->vector_regs / 2 : 1);
        if (panel > half) panel = half;
    }
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        LayerSchedule *ls = &s->layer[i];
        ls->infer_panel = panel && l->units < panel ? l->units : panel;
        ls->infer_step = step;
        while (l->fan_in % ls->infer_step) ls->infer_step /= 2;
        /* zeros come from the data: the network's input (a blank pixel, 0 as it comes and after a
         * minmax normalisation), a ReLU's or a step's output; skipping is exact either way */
        ls->infer_skip = i == 0 || net->layers[i - 1].act == ACT_RELU || net->layers[i - 1].act == ACT_STEP;
        ls->infer_skip_step = l->fan_in < skip_step ? l->fan_in : skip_step;
    }
}

/* A network with spatial layers: the activation bytes as the program declares them (plan.c's
 * estimate knows neither the transposed buffers nor the zero borders). */
static void spatial_bytes(Net *net)
{
    const Schedule *s = &net->sched;
    const Layer *first = &net->layers[0];
    size_t reals = (size_t)first->in[0] * (size_t)(first->in[1] + 2 * first->pad[0]) *
                   (size_t)(first->in[2] + 2 * first->pad[1]) * (size_t)s->spatial_ld; /* X^T */
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        const LayerSchedule *ls = &s->layer[i];
        const size_t rows = (size_t)s->rows;
        if (!SPATIAL(l->kind)) {
            reals += rows * (size_t)ls->ld * (size_t)(1 + ls->needs_dz);
            if (ls->keep_t) reals += (size_t)l->units * rows;
            if (ls->dz_t) reals += (size_t)l->units * (size_t)s->dzt_ld;
            continue;
        }
        const size_t features = (size_t)l->out[0] * (size_t)(l->out[1] + 2 * ls->opad[0]) * (size_t)(l->out[2] + 2 * ls->opad[1]);
        const int above = i + 1 < net->n_layers && !SPATIAL(net->layers[i + 1].kind);
        reals += features * (size_t)s->spatial_ld * (size_t)(1 + ls->needs_dz);
        if (above) reals += rows * (size_t)l->units * (size_t)(1 + ls->needs_dz);
    }
    if (net->spec->loss == LOSS_CROSS_ENTROPY) reals += (size_t)net->chunk * (size_t)net->outputs;
    net->act_reals = reals;
    net->act_bytes = reals * (size_t)net->real_size;
}

void schedule_build(Net *net, const Target *target)
{
    Schedule *s = &net->sched;
    memset(s, 0, sizeof *s);
    s->target = *target;
    const int size = net->real_size, L = net->n_layers;
    int mr;
    register_block(target, size, &s->vl, &s->nr, &mr);
    s->prop_rows = 1;
    while (s->prop_rows * 2 <= mr && s->nr % (s->prop_rows * 2) == 0) s->prop_rows *= 2;
    s->rows = ceil_to(net->chunk, s->nr);
    s->dzt_ld = s->rows * size % 1024 == 0 && target->l1d > 0 ? s->rows + 64 / size : s->rows;
    s->transpose_tile = TRANSPOSE_TILE;
    /* A spatial layer's loops run down its features with a block of rows each, a cache line or two
     * of a feature's row: rows a multiple of 256 bytes apart would fall in a quarter (or fewer) of
     * the cache's sets, and the input of a convolution would no longer fit in L2 (Fashion's second
     * convolution, 16x16x16 features: 0.9 s of a 1.5 s step stalled on such reads). An odd number
     * of cache lines between rows uses every set. */
    if (SPATIAL(net->layers[0].kind)) {
        const int line = 64 / size;
        s->spatial_ld = ceil_to(s->rows, line);
        if (target->l1d > 0 && s->spatial_ld / line % 2 == 0) s->spatial_ld += line;
        s->dzt_ld = s->spatial_ld;
    }

    for (int i = 0; i < L; i++) {
        const Layer *l = &net->layers[i];
        const long long per_output = l->kind == LAYER_DENSE ? l->fan_in
                                     : l->kind == LAYER_DROPOUT ? 1
                                     : l->kind == LAYER_CONV ? l->w_fan_in
                                                             : (long long)l->kernel[0] * l->kernel[1];
        s->work += per_output * l->units;
    }
    s->work *= net->chunk;
    /* one core known (this machine, or a microcontroller): no threads */
    /* a spatial layer's weights are few for its work: two blocks of rows are enough */
    const int min_rows = SPATIAL(net->layers[0].kind) ? 2 * s->nr : THREAD_MIN_ROWS;
    s->threads = target->cores != 1 && s->work >= THREAD_MIN_WORK && net->chunk >= min_rows;

    int trained_below = 0; /* a trainable layer at or before i */
    for (int i = 0; i < L; i++) {
        const Layer *l = &net->layers[i];
        LayerSchedule *ls = &s->layer[i];
        const int dense = l->kind == LAYER_DENSE;
        ls->by_rows = i == 0 && dense && l->units < ROW_UNITS;
        /* a convolution's register block: filters x rows, as the dense forward's units x rows */
        ls->mr = l->kind == LAYER_CONV ? (l->out[0] < mr ? l->out[0] : mr) : !dense ? 1 : l->units < mr ? l->units : mr;
        /* a spatial layer works on one image at a time: its rows as they are */
        ls->ld = dense ? row_stride(target, l->units, i == L - 1, size) : l->units;
        ls->propagate = i > 0 && trained_below;
        trained_below |= l->trainable;
        ls->needs_dz = trained_below || i == L - 1;
        /* dW runs down the rows of dZ for a few units at a time: rows far apart (a KiB of W4's 1024
         * units) are a cache line each, past the prefetchers, and a hidden layer's dW reads dZ^T,
         * each unit's rows side by side, which the propagation above writes (a scattered store).
         * Rows of a few cache lines stream as they are (the notes' 16 units: one line a row). */
        ls->dz_t = dense && i < L - 1 && net->layers[i + 1].kind == LAYER_DENSE && l->trainable &&
                   l->units * size >= DZT_MIN_ROW_BYTES;
        /* the spatial layers keep their A and dZ feature by feature, rows side by side (dZ^T from
         * the dense layer above) */
        if (SPATIAL(l->kind)) ls->dz_t = ls->needs_dz;
        ls->vector_act = activation_vectorises[l->act] == 2 || (activation_vectorises[l->act] == 1 && size == 4);
        if (ls->by_rows) {
            ls->row_block = 1;
            while (ls->row_block * 2 * l->units <= ROW_SUMS && ls->row_block * 2 <= s->nr) ls->row_block *= 2;
        }
    }
    for (int i = 0; i < L; i++) {
        const Layer *l = &net->layers[i];
        LayerSchedule *ls = &s->layer[i];
        ls->keep_t = i + 1 < L && net->layers[i + 1].kind == LAYER_DENSE && !s->layer[i + 1].by_rows;
        if (SPATIAL(l->kind)) { /* a spatial layer's loops are its shape's (emit.c, spatial layers) */
            ls->kc = l->fan_in, ls->panel = l->units;
            ls->prop_kc = l->kernel[1] < mr ? l->kernel[1] : mr;
            ls->keep_t = 1; /* A^T is its A */
            if (i + 1 < L && net->layers[i + 1].kind == LAYER_CONV)
                ls->opad[0] = net->layers[i + 1].pad[0], ls->opad[1] = net->layers[i + 1].pad[1];
            continue;
        }
        /* the partial sums of a slice wait in A^T: without it, one slice of all the inputs */
        ls->kc = ls->keep_t ? cache_slice(target, s->nr, size, l->fan_in) : l->fan_in;
        ls->prop_kc = cache_slice(target, s->nr, size, l->units);
        /* units in panels of about an eighth of L2 of weights, read from L2 by every row block */
        ls->panel = l->units;
        if (target->l2 > 0 && !ls->by_rows) {
            int panel = target->l2 / 8 / (l->fan_in * size) / ls->mr * ls->mr;
            if (panel < ls->mr) panel = ls->mr;
            if (panel < l->units) ls->panel = panel;
        }
    }
    s->transpose_x = net->layers[0].kind != LAYER_DROPOUT && !s->layer[0].by_rows;
    if (SPATIAL(net->layers[0].kind)) spatial_bytes(net);
    infer_layout(net, target);
}

static const char *fmt_pad(const int pad[2])
{
    static char buf[64];
    snprintf(buf, sizeof buf, " with a zero border of %dx%d", pad[0], pad[1]);
    return buf;
}

void schedule_print(const Net *net, FILE *out)
{
    const Schedule *s = &net->sched;
    fprintf(out, "schedule for ");
    target_print(&s->target, out);
    fprintf(out, "  register blocks of %d rows (%d-real vectors x 2); rows per chunk padded to %d\n", s->nr, s->vl,
            s->rows);
    fprintf(out, "  threads: %s (%lld multiply-adds a step, %d rows)\n",
            s->threads ? "rows split over the threads" : "one (too small to pay for a wake-up)", s->work, net->chunk);
    if (s->transpose_x) fprintf(out, "  X^T copied for layer 1 in tiles of %d inputs\n", s->transpose_tile);
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        const LayerSchedule *ls = &s->layer[i];
        fprintf(out, "  layer %-2d forward ", i + 1);
        if (l->kind == LAYER_DROPOUT) {
            fprintf(out, "dropout, row by row; stores A^T\n");
            if (ls->propagate) fprintf(out, "           propagate row by row\n");
            continue;
        }
        if (l->kind != LAYER_DENSE) {
            if (l->kind == LAYER_CONV) fprintf(out, "conv, %d filters x %d rows a block at each output", ls->mr, s->nr);
            else fprintf(out, "%s, %d rows a vector", layer_kind_names[l->kind], s->nr);
            fprintf(out, "; A feature by feature%s", ls->opad[0] || ls->opad[1] ? fmt_pad(ls->opad) : "");
            fprintf(out, "%s\n", i + 1 < net->n_layers && !SPATIAL(net->layers[i + 1].kind) ? " and row by row" : "");
            if (ls->propagate && l->kind == LAYER_CONV)
                fprintf(out, "           propagate %d kernel columns x %d rows a block\n", ls->prop_kc, s->nr);
            else if (ls->propagate) fprintf(out, "           propagate %d rows a vector\n", s->nr);
            if (l->trainable) fprintf(out, "           dW filter by filter, %d kernel columns x %d rows of sums\n", l->kernel[1], s->nr);
            continue;
        }
        if (ls->by_rows) fprintf(out, "row by row, %d rows x %d units of sums", ls->row_block, l->units);
        else fprintf(out, "%d units x %d rows", ls->mr, s->nr);
        if (ls->kc < l->fan_in) fprintf(out, ", inputs in slices of %d", ls->kc);
        if (ls->panel < l->units) fprintf(out, ", panels of %d units", ls->panel);
        fprintf(out, "; row stride %d%s%s\n", ls->ld, ls->ld != l->units ? " (padded)" : "",
                ls->keep_t ? "; stores A^T" : "");
        if (ls->propagate) {
            fprintf(out, "           propagate %d rows x %d inputs", s->prop_rows, s->nr);
            if (ls->prop_kc < l->units) fprintf(out, ", units in slices of %d", ls->prop_kc);
            fputc('\n', out);
        }
        if (l->trainable)
            fprintf(out, "           dW %d units x %d inputs, reads %s\n", ls->mr, s->nr, ls->dz_t ? "dZ^T" : "dZ");
    }
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        const LayerSchedule *ls = &s->layer[i];
        if (l->kind != LAYER_DENSE) continue; /* --emit infer takes dense networks only, so far */
        fprintf(out, "  inference kernel, layer %d: ", i + 1);
        if (!ls->infer_panel) fprintf(out, "float dot products over W's rows");
        else fprintf(out, "float panels of %d unit%s", ls->infer_panel, ls->infer_panel > 1 ? "s" : "");
        if (ls->infer_panel && l->units % ls->infer_panel)
            fprintf(out, " and a tail of %d", l->units % ls->infer_panel);
        fprintf(out, ", %d inputs per step%s\n", ls->infer_skip ? ls->infer_skip_step : ls->infer_step,
                ls->infer_skip ? ", skips zero inputs" : "");
    }
}
