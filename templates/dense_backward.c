
/* Layer {{L}} backward: given dZ{{L}} (m, {{OUT}}) of every row of the chunk,
 *   dW{{L}} = (1/m) dZ{{L}}^T.A{{P}} (summed here, divided by m in the update), db{{L}} = (1/m) sum_r dZ{{L}}
 * Inside step()'s parallel region the threads split the blocks (orphaned omp for, nowait: the
 * layers' gradients are independent); each sum runs over r = 0, 1, ... on one thread.
 * fused (train_step(): the batch is this one chunk): each block's sums are the whole batch's, so
 * the optimiser's step is taken on them at once, as update() would take it, and G stays zero. */
static void {{NAME}}_backward{{L}}(int m, const real *restrict a_in, const real *restrict dz, int fused)
{
{{CONSTANTS}}
{{WEIGHT_GRADS}}}
