/* ir.c — Spec -> Net: layers with resolved shapes, fan-ins and the task the loss implies. */
#include <string.h>

#include "nncc.h"

void ir_build(const Spec *spec, Net *net)
{
    memset(net, 0, sizeof *net);
    net->spec = spec;
    net->inputs = spec->inputs;
    net->n_layers = spec->n_layers;
    int fan_in = spec->inputs;
    for (int i = 0; i < spec->n_layers; i++) {
        const LayerSpec *ls = &spec->layers[i];
        Layer *l = &net->layers[i];
        l->index = i;
        l->fan_in = fan_in;
        l->units = ls->units;
        l->act = ls->act;
        l->init = ls->init;
        l->trainable = ls->trainable;
        l->weights = ls->weights;
        l->bias = ls->bias;
        fan_in = ls->units;
    }
    net->outputs = fan_in;
    switch (spec->loss) {
    case LOSS_LOG_LOSS:
    case LOSS_PERCEPTRON: net->task = RT_TASK_BINARY; break;
    case LOSS_CROSS_ENTROPY: net->task = RT_TASK_MULTICLASS; break;
    case LOSS_MSE: net->task = RT_TASK_REGRESSION; break;
    default: unreachable();
    }
}
