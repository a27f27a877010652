/* plan.c — the memory plan: offsets of every tensor in the parameter block, the chunk of rows a
 * step processes, and the bytes of parameters, gradients, optimiser state and activations. */
#include <string.h>

#include "nncc.h"

/* Rows per step() call for full-batch training: large enough to amortise calls and threads,
 * small enough that a chunk's activations stay in cache. */
enum { FULL_BATCH_CHUNK = 256, MAX_CHUNK = 1024 };

void plan_build(Net *net)
{
    const Spec *spec = net->spec;
    size_t off = 0, widest_sum = 0;
    for (int i = 0; i < net->n_layers; i++) {
        Layer *l = &net->layers[i];
        l->w_off = off;
        off += l->n_w;
        l->b_off = off;
        off += l->n_b;
        widest_sum += (size_t)l->units;
    }
    net->n_params = off;
    net->real_size = precision_bytes[spec->precision];
    int bs = spec->batch_size;
    net->chunk = bs > 0 && bs <= MAX_CHUNK ? bs : FULL_BATCH_CHUNK;
    /* A full batch of a generator's points, known here: one chunk of them all when they fit, so
     * that an iteration is one step (one parallel region, the update fused into it). */
    if (bs <= 0 && spec->train.kind == RT_SRC_GENERATOR && spec->train.samples > 0 && spec->train.samples <= MAX_CHUNK)
        net->chunk = spec->train.samples;
    /* per chunk: A and dZ for every layer, plus Z of a softmax output (the schedule adds A^T, dZ^T) */
    net->act_reals = (size_t)net->chunk * (2 * widest_sum + (size_t)net->outputs);
    net->param_bytes = net->n_params * (size_t)net->real_size;
    net->grad_bytes = net->param_bytes;
    int n_state = spec->optimizer == OPT_ADAM ? 2 : spec->optimizer == OPT_MOMENTUM ? 1 : 0;
    net->state_bytes = (size_t)n_state * net->param_bytes;
    net->act_bytes = net->act_reals * (size_t)net->real_size;
}

/* What static data may hold: 2 GiB less room for the runtime's own and the C library's. */
#define MAX_STATIC_BYTES (((size_t)2 << 30) - ((size_t)64 << 20))

static void human_bytes(char *buf, size_t n, size_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 4) v /= 1024, u++;
    snprintf(buf, n, "%.1f %s", v, units[u]);
}

int plan_check_static(const Net *net)
{
    size_t total = net->param_bytes + net->grad_bytes + net->state_bytes + net->act_bytes;
    if (net->sched.transpose_x && net->layers[0].kind == LAYER_DENSE) /* X^T, (inputs, rows); a spatial net's counted */
        total += (size_t)net->inputs * (size_t)net->sched.rows * (size_t)net->real_size;
    if (total <= MAX_STATIC_BYTES)
        return 1;
    char p[32], limit[32];
    human_bytes(p, sizeof p, net->param_bytes);
    human_bytes(limit, sizeof limit, MAX_STATIC_BYTES);
    diag_error(net->spec->layers_loc,
               "the training program's static arrays (parameters %s, and their gradients, optimiser state and "
               "activations) pass the %s that a C program's static data may hold", p, limit);
    diag_note(net->spec->layers_loc, "use fewer units or inputs (%zu parameters now)", net->n_params);
    return 0;
}

static void print_bytes(FILE *out, const char *what, size_t bytes)
{
    char human[32];
    human_bytes(human, sizeof human, bytes);
    fprintf(out, "  %-18s %10zu bytes  (%s)\n", what, bytes, human);
}

void plan_print(const Net *net, FILE *out)
{
    const Spec *spec = net->spec;
    fprintf(out, "network %s (%s)\n", spec->name, spec->path);
    if (spec->input_rank > 1) {
        fprintf(out, "  input            %d (", net->inputs);
        for (int i = 0; i < spec->input_rank; i++) fprintf(out, i ? "x%d" : "%d", spec->input_shape[i]);
        fprintf(out, ", flattened row-major)\n");
    } else {
        fprintf(out, "  input            %d\n", net->inputs);
    }
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        char shape[64];
        if (l->kind == LAYER_DROPOUT) {
            fprintf(out, "  layer %-2d dropout %d, p = %g in training\n", i + 1, l->units, l->drop);
            continue;
        }
        if (l->kind != LAYER_DENSE) {
            snprintf(shape, sizeof shape, "%dx%dx%d -> %dx%dx%d", l->in[0], l->in[1], l->in[2], l->out[0], l->out[1],
                     l->out[2]);
            fprintf(out, "  layer %-2d %-7s %-22s %-10s %dx%d", i + 1, layer_kind_names[l->kind], shape,
                    activation_names[l->act], l->kernel[0], l->kernel[1]);
            if (l->stride[0] != 1 || l->stride[1] != 1) fprintf(out, " stride %dx%d", l->stride[0], l->stride[1]);
            if (l->pad[0] || l->pad[1]) fprintf(out, " padding %dx%d", l->pad[0], l->pad[1]);
            if (l->kind == LAYER_CONV)
                fprintf(out, "  W%d (%d, %d, %d, %d)  b%d (%d)  %zu params%s", i + 1, l->out[0], l->in[0], l->kernel[0],
                        l->kernel[1], i + 1, l->out[0], l->n_w + l->n_b, l->trainable ? "" : ", frozen");
            fputc('\n', out);
            continue;
        }
        snprintf(shape, sizeof shape, "%d -> %d", l->fan_in, l->units);
        fprintf(out, "  layer %-2d dense  %-14s %-10s W%d (%d, %d)  b%d (%d)  %zu params%s%s\n", i + 1, shape,
                activation_names[l->act], i + 1, l->units, l->fan_in, i + 1, l->units,
                (size_t)l->units * (size_t)(l->fan_in + 1), l->weights ? ", given" : "",
                l->trainable ? "" : ", frozen");
    }
    fprintf(out, "  loss %s, optimizer %s, learning rate %g", loss_names[spec->loss],
            optimizer_names[spec->optimizer], spec->learning_rate);
    if (spec->weight_decay > 0) fprintf(out, ", weight decay %g", spec->weight_decay);
    fprintf(out, "\n  %s, epochs %d, ", precision_names[spec->precision], spec->epochs);
    if (spec->batch_size > 0) fprintf(out, "batch size %d%s\n", spec->batch_size, spec->shuffle ? ", shuffled" : "");
    else fprintf(out, "full batch\n");
    fprintf(out, "parameters: %zu\n", net->n_params);
    fprintf(out, "memory plan (chunks of %d rows per step):\n", net->chunk);
    print_bytes(out, "parameters", net->param_bytes);
    print_bytes(out, "gradients", net->grad_bytes);
    print_bytes(out, "optimiser state", net->state_bytes);
    print_bytes(out, "activations", net->act_bytes);
    print_bytes(out, "total", net->param_bytes + net->grad_bytes + net->state_bytes + net->act_bytes);
}
