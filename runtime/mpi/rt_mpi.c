/* rt_mpi.c — data-parallel training over MPI: rt_main_mpi(), the ranks' collectives (rt_comm)
 * and the gradient sums, one MPI_Iallreduce per layer as step() hands the layers over.
 *
 * Built into libnncc_rt_mpi.a alone (nncc --mpi links it before libnncc_rt.a), so a program
 * built without --mpi needs no MPI at all.
 *
 * Every rank runs the same program on the same data with the same seed: the same shuffle, the
 * same batches. rt_train() gives each rank a contiguous share of each batch's rows; here the
 * gradient sums of the shares are added over the ranks, so every rank takes the same update
 * and the weights stay the same bytes on every rank (checked at every log point). MPI's sum
 * is the same on every rank and, for a given number of ranks, from run to run.
 *
 * NNCC_ALLREDUCE=overlap (the default) starts a layer's sum as soon as step() has its dW and
 * db, while the layers below are still back-propagated; NNCC_ALLREDUCE=blocking sums the whole
 * gradient block once step() is done (for measuring what the overlap buys). */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

/* The reals of one layer's trainable tensors (weight and bias are adjacent in the block). */
typedef struct bucket {
    size_t first, count;
    MPI_Request req;
    int started;
} bucket;

static rt_comm world; /* rt_world while rt_main() runs */
static const rt_network *the_net;
static MPI_Datatype real_type;
static int overlap = 1;
static bucket *buckets; /* by layer index; count 0: a frozen layer */
static int n_buckets;
static double wait_seconds; /* spent waiting for the gradient sums */
static long sums_done;      /* batches whose gradients were summed */

static void sum(double *v, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

static int max(int v)
{
    int r;
    MPI_Allreduce(&v, &r, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return r;
}

static void start(bucket *b)
{
    char *g = (char *)the_net->grads + b->first * (size_t)the_net->real_size;
    MPI_Iallreduce(MPI_IN_PLACE, g, (int)b->count, real_type, MPI_SUM, MPI_COMM_WORLD, &b->req);
    b->started = 1;
}

void rt_grads_ready(int layer)
{
    if (!overlap || layer < 0 || layer >= n_buckets || !buckets[layer].count || buckets[layer].started) return;
    start(&buckets[layer]);
    /* MPI moves a non-blocking sum along only inside MPI calls: testing the sums begun so far
     * lets them progress while the next layer back-propagates. */
    for (int l = layer + 1; l < n_buckets; l++) {
        int done;
        if (buckets[l].started && buckets[l].req != MPI_REQUEST_NULL) MPI_Test(&buckets[l].req, &done, MPI_STATUS_IGNORE);
    }
}

static void grads(const rt_network *net)
{
    const double t0 = MPI_Wtime();
    if (overlap) {
        /* A rank whose share of the batch was empty starts every layer here, in step()'s order. */
        for (int l = n_buckets - 1; l >= 0; l--)
            if (buckets[l].count && !buckets[l].started) start(&buckets[l]);
        for (int l = n_buckets - 1; l >= 0; l--)
            if (buckets[l].started) {
                MPI_Wait(&buckets[l].req, MPI_STATUS_IGNORE);
                buckets[l].started = 0;
            }
    } else {
        MPI_Allreduce(MPI_IN_PLACE, net->grads, (int)net->n_params, real_type, MPI_SUM, MPI_COMM_WORLD);
    }
    wait_seconds += MPI_Wtime() - t0;
    sums_done++;
}

/* FNV-1a of the block, compared across the ranks by its largest and smallest value. */
static int same(const void *block, size_t bytes)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < bytes; i++) h = (h ^ ((const unsigned char *)block)[i]) * 1099511628211u;
    unsigned long long v[2] = {h, ~h}, r[2];
    MPI_Allreduce(v, r, 2, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
    return r[0] == ~r[1]; /* max(h) == min(h) */
}

static void report(void)
{
    if (!sums_done) return;
    double kib = (double)the_net->n_params * the_net->real_size / 1024;
    printf("mpi: %d ranks; %ld gradient sums of %.1f KiB (%s): %.3f ms per step waiting\n", world.size,
           sums_done, kib, overlap ? "overlapped with back-propagation" : "blocking",
           1e3 * wait_seconds / (double)sums_done);
}

/* One bucket per layer: the span of its trainable tensors ("layers.I.weight", "layers.I.bias"). */
static int make_buckets(const rt_network *net)
{
    for (int t = 0; t < net->n_tensors; t++) {
        int layer;
        if (sscanf(net->tensors[t].name, "layers.%d.", &layer) == 1 && layer + 1 > n_buckets) n_buckets = layer + 1;
    }
    buckets = calloc((size_t)(n_buckets ? n_buckets : 1), sizeof *buckets);
    if (!buckets) return -1;
    for (int t = 0; t < net->n_tensors; t++) {
        const rt_tensor *x = &net->tensors[t];
        int layer;
        if (!x->trainable || sscanf(x->name, "layers.%d.", &layer) != 1) continue;
        bucket *b = &buckets[layer];
        size_t lo = x->offset, hi = x->offset + rt_tensor_count(x);
        if (b->count && b->first < lo) lo = b->first;
        if (b->count && b->first + b->count > hi) hi = b->first + b->count;
        b->first = lo;
        b->count = hi - lo;
    }
    return 0;
}

int rt_main_mpi(int argc, char **argv, const rt_network *net)
{
    rt_prefer_passive_waiting(argv); /* may start the program again: before MPI_Init */
    int provided;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "%s: error: MPI_Init failed\n", argv[0]);
        return RT_EXIT_INPUT;
    }
    world = (rt_comm){0, 1, sum, max, grads, same, report};
    MPI_Comm_rank(MPI_COMM_WORLD, &world.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world.size);
    the_net = net;
    real_type = net->real_size == 4 ? MPI_FLOAT : MPI_DOUBLE;
    const char *mode = getenv("NNCC_ALLREDUCE");
    if (mode && *mode && strcmp(mode, "overlap") && strcmp(mode, "blocking")) {
        if (world.rank == 0)
            fprintf(stderr, "%s: error: NNCC_ALLREDUCE is overlap or blocking, not '%s'\n", argv[0], mode);
        MPI_Finalize();
        return RT_EXIT_USAGE;
    }
    overlap = !mode || strcmp(mode, "blocking");
    if (make_buckets(net)) {
        fprintf(stderr, "%s: error: out of memory\n", argv[0]);
        MPI_Abort(MPI_COMM_WORLD, RT_EXIT_INPUT);
    }
    /* Rank 0 alone prints (rt_writer() keeps the files to it, and the errors every rank would
     * print alike); a rank's own error still reaches stderr. */
    if (world.rank > 0 && !freopen("/dev/null", "w", stdout)) {
        fprintf(stderr, "%s: error: rank %d: cannot silence stdout\n", argv[0], world.rank);
        MPI_Abort(MPI_COMM_WORLD, RT_EXIT_INPUT);
    }
    rt_world = &world;
    int code = rt_main(argc, argv, net);
    fflush(stdout);
    fflush(stderr);
    /* A failure on this rank alone (a write, memory) while the others wait in a sum: end them
     * all with this rank's code. Usage errors, divergence, signals and failures the ranks agreed
     * on (rt_agree) are every rank's, and end normally. */
    if (code == RT_EXIT_INPUT && !rt_agreed_failure) MPI_Abort(MPI_COMM_WORLD, code);
    rt_world = NULL;
    free(buckets);
    MPI_Finalize();
    return code;
}
