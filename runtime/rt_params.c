/* rt_params.c — the parameter block: precision-independent access and initialisation. */
#include <math.h>

#include "nncc_rt.h"

double rt_param_get(const rt_network *net, const void *block, size_t i)
{
    return net->real_size == 4 ? (double)((const float *)block)[i] : ((const double *)block)[i];
}

void rt_param_set(const rt_network *net, void *block, size_t i, double v)
{
    if (net->real_size == 4)
        ((float *)block)[i] = (float)v;
    else
        ((double *)block)[i] = v;
}

/* Draws every tensor in table order, element by element, so one seed gives one network.
 *   normal  W, b ~ N(0, 1)                        (np.random.randn, as in the notes)
 *   xavier  W ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out)), b = 0   (torch xavier_uniform_)
 *   he      W ~ N(0, 2 / fan_in), b = 0                             (torch kaiming_normal_)
 *   zeros   W = 0, b = 0
 *   auto    W, b ~ U(-k, k), k = 1 / sqrt(fan_in)                   (torch nn.Linear's default)
 * Values given in the network file win over the initialiser. */
void rt_params_init(const rt_network *net, rt_rng *rng)
{
    for (int t = 0; t < net->n_tensors; t++) {
        const rt_tensor *tn = &net->tensors[t];
        size_t count = rt_tensor_count(tn);
        int is_bias = tn->cols == 0;
        for (size_t i = 0; i < count; i++) {
            double v = 0.0;
            if (tn->given) {
                v = tn->given[i];
            } else {
                switch (tn->init) {
                case RT_INIT_NORMAL: v = rt_rng_normal(rng); break;
                case RT_INIT_XAVIER:
                    if (!is_bias) {
                        double a = sqrt(6.0 / (double)(tn->fan_in + tn->fan_out));
                        v = (2.0 * rt_rng_uniform(rng) - 1.0) * a;
                    }
                    break;
                case RT_INIT_HE:
                    if (!is_bias) v = rt_rng_normal(rng) * sqrt(2.0 / (double)tn->fan_in);
                    break;
                case RT_INIT_AUTO: v = (2.0 * rt_rng_uniform(rng) - 1.0) / sqrt((double)tn->fan_in); break;
                default: break;
                }
            }
            rt_param_set(net, net->params, tn->offset + i, v);
        }
    }
}

int rt_tensor_shape(const rt_tensor *t, int64_t shape[4])
{
    shape[0] = t->rows, shape[1] = t->cols, shape[2] = t->kh, shape[3] = t->kw;
    return t->kh ? 4 : t->cols ? 2 : 1;
}

size_t rt_tensor_count(const rt_tensor *t)
{
    return (size_t)t->rows * (size_t)(t->cols ? t->cols : 1) * (size_t)(t->kh ? t->kh * t->kw : 1);
}
