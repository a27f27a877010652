
/* Layer {{L}} backward: given dZ{{L}} (m, {{OUT}}),
 *   dW{{L}} = (1/m) dZ{{L}}^T.A{{P}} (summed here, divided by m in the update), db{{L}} = (1/m) sum_r dZ{{L}}
 *   {{PROPAGATE_EQ}} */
static void {{NAME}}_backward{{L}}(int m, const real *restrict a_in, const real *restrict dz, real *restrict dz_in)
{
    (void)dz_in;
    {{WEIGHT_GRADS}}
    {{PROPAGATE}}
}
