/* fuzz_net.h — a small network as a generated program describes it (2 inputs -> 3 -> outputs,
 * nn.Linear names), for the readers that check a file against a network: the checkpoint reader
 * and the weights reader. Shared by fuzz_checkpoint.c and seeds.c, so the seeds fit it. */
#ifndef NNCC_FUZZ_NET_H
#define NNCC_FUZZ_NET_H

#include <string.h>

#include "rt_internal.h"

enum { FZ_INPUTS = 2, FZ_HIDDEN = 3, FZ_MAX_OUT = 3 };
enum { FZ_MAX_PARAMS = FZ_HIDDEN * FZ_INPUTS + FZ_HIDDEN + FZ_MAX_OUT * FZ_HIDDEN + FZ_MAX_OUT };

typedef struct fz_net {
    rt_network net;
    rt_tensor tensors[4];
    double params[FZ_MAX_PARAMS], state[2][FZ_MAX_PARAMS], kept[FZ_MAX_PARAMS]; /* room for F64 */
} fz_net;

/* mode: bits 0-1 task (binary, multiclass with 3 outputs, regression with 2), bit 2 float64,
 * bits 3-4 optimiser buffers (0, 1 or 2), bit 5 early stopping's kept parameters. The session
 * reads from out_dir and wants cfg.epochs epochs. */
static inline void fz_net_init(fz_net *z, rt_session *s, unsigned mode, const char *out_dir, int epochs)
{
    memset(z, 0, sizeof *z);
    memset(s, 0, sizeof *s);
    int task = (int)(mode & 3) % 3, out = task == RT_TASK_BINARY ? 1 : task == RT_TASK_MULTICLASS ? 3 : 2;
    rt_network *n = &z->net;
    n->name = "fz";
    n->inputs = FZ_INPUTS;
    n->outputs = out;
    n->real_size = mode >> 2 & 1 ? 8 : 4;
    n->task = task;
    size_t off = 0;
    const int rows[4] = {FZ_HIDDEN, FZ_HIDDEN, out, out}, cols[4] = {FZ_INPUTS, 0, FZ_HIDDEN, 0};
    static const char *const names[4] = {"layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"};
    for (int t = 0; t < 4; t++) {
        z->tensors[t] = (rt_tensor){.name = names[t], .rows = rows[t], .cols = cols[t], .offset = off,
                                    .fan_in = cols[t] ? cols[t] : rows[t], .fan_out = rows[t], .trainable = 1};
        off += (size_t)rows[t] * (size_t)(cols[t] ? cols[t] : 1);
    }
    n->n_params = off;
    n->n_tensors = 4;
    n->tensors = z->tensors;
    n->params = z->params;
    n->n_state = (int)(mode >> 3 & 3) % 3;
    n->state[0] = z->state[0];
    n->state[1] = z->state[1];
    n->config.epochs = epochs;
    s->net = n;
    s->cfg = n->config;
    s->out_dir = (char *)out_dir;
    s->kept = mode >> 5 & 1 ? z->kept : NULL;
    s->best_epoch = -1;
}

/* What a session's readers may have allocated. */
static inline void fz_session_free(rt_session *s)
{
    free(s->history);
    rt_norm_free(&s->norm);
    rt_norm_free(&s->target);
    rt_dataset_free(&s->train);
    s->history = NULL;
}

#endif
