/* ir.c — Spec -> Net: layers with resolved shapes, fan-ins and the task the loss implies. */
#include <string.h>

#include "nncc.h"

void ir_build(const Spec *spec, Net *net)
{
    memset(net, 0, sizeof *net);
    net->spec = spec;
    net->inputs = spec->inputs;
    net->n_layers = spec->n_layers;
    const int r = spec->input_rank;
    int in[3] = {spec->inputs, 1, 1}; /* the input's (C, H, W): an image's, or (features, 1, 1) */
    if (r == 2 || r == 3)
        in[0] = r == 3 ? spec->input_shape[0] : 1, in[1] = spec->input_shape[r - 2], in[2] = spec->input_shape[r - 1];
    for (int i = 0; i < spec->n_layers; i++) {
        const LayerSpec *ls = &spec->layers[i];
        Layer *l = &net->layers[i];
        l->index = i;
        l->kind = ls->kind;
        memcpy(l->in, in, sizeof in);
        memcpy(l->out, ls->out, sizeof l->out);
        memcpy(l->kernel, ls->kernel, sizeof l->kernel);
        memcpy(l->stride, ls->stride, sizeof l->stride);
        memcpy(l->pad, ls->pad, sizeof l->pad);
        l->fan_in = in[0] * in[1] * in[2];
        l->units = l->out[0] * l->out[1] * l->out[2];
        l->act = ls->act;
        l->init = ls->init;
        l->trainable = ls->trainable;
        l->weights = ls->weights;
        l->bias = ls->bias;
        l->drop = ls->drop;
        switch (l->kind) {
        case LAYER_DENSE: l->w_fan_in = l->fan_in, l->n_b = (size_t)l->units; break;
        case LAYER_CONV: l->w_fan_in = in[0] * l->kernel[0] * l->kernel[1], l->n_b = (size_t)l->out[0]; break;
        default: l->w_fan_in = 0, l->n_b = 0; break; /* pools: no parameters */
        }
        l->n_w = (size_t)l->w_fan_in * l->n_b;
        memcpy(in, l->out, sizeof in);
    }
    net->outputs = net->layers[net->n_layers - 1].units;
    switch (spec->loss) {
    case LOSS_LOG_LOSS:
    case LOSS_PERCEPTRON: net->task = RT_TASK_BINARY; break;
    case LOSS_CROSS_ENTROPY: net->task = RT_TASK_MULTICLASS; break;
    case LOSS_MSE: net->task = RT_TASK_REGRESSION; break;
    default: unreachable();
    }
}
