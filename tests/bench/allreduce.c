/* allreduce.c — make bench's loopback figure: how long one MPI_Allreduce (MPI_SUM, in place) of
 * a float32 gradient block takes between the ranks of this machine, apart from any training.
 *
 *   mpirun -np 2 ./allreduce COUNT...     COUNT: reals of one block (nncc --check's "parameters")
 *
 * Rank 0 prints one line per COUNT: "COUNT median min max" in milliseconds, over REPS timed sums
 * (after WARMUP untimed ones), each sum started right after a barrier so that it times the
 * reduction and not the ranks' arrival. Built by tests/bench/run.sh with mpicc. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

enum { WARMUP = 5, REPS = 51 };

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    for (int a = 1; a < argc; a++) {
        const int n = atoi(argv[a]);
        float *g = n > 0 ? calloc((size_t)n, sizeof *g) : NULL;
        if (!g) {
            if (rank == 0) fprintf(stderr, "allreduce: bad count '%s' or out of memory\n", argv[a]);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        for (int i = 0; i < n; i++) g[i] = (float)(i % 97) * 1e-3f;
        double ms[REPS];
        for (int r = -WARMUP; r < REPS; r++) {
            MPI_Barrier(MPI_COMM_WORLD);
            const double t0 = MPI_Wtime();
            MPI_Allreduce(MPI_IN_PLACE, g, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            if (r >= 0) ms[r] = 1e3 * (MPI_Wtime() - t0);
        }
        qsort(ms, REPS, sizeof *ms, by_value);
        if (rank == 0) printf("%d %.3f %.3f %.3f\n", n, ms[REPS / 2], ms[0], ms[REPS - 1]);
        free(g);
    }
    MPI_Finalize();
    return 0;
}
