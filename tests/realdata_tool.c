/* realdata_tool.c — helpers for tests/t_realdata.sh: HDF5 and large CSV fixtures made from the
 * Fashion-MNIST IDX files, and a timed CSV load. The fixtures are written with libhdf5 and stdio,
 * not with nncc's readers, so the test compares independent writers against our loaders.
 *
 *   realdata_tool h5 IMAGES LABELS N OUT.h5 MODE   first N samples as X (N, 28, 28) uint8 and
 *       Y (N, 1) float64; MODE good | shape (X is (N, 27, 28)) | nan (X float64, one NaN) |
 *       range (one label 10)
 *   realdata_tool csv IMAGES LABELS OUT.csv        every sample: 784 pixels, then the label
 *   realdata_tool csvtime PATH INPUTS OUTPUTS      loads PATH as the training program would and
 *       prints "SAMPLES SECONDS"
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nncc_rt.h"

static int load_idx(rt_dataset *ds, const char *images, const char *labels)
{
    rt_source src;
    memset(&src, 0, sizeof src);
    src.kind = RT_SRC_IDX;
    src.path = images;
    src.y = labels;
    rt_shape shape = {.inputs = 784, .outputs = 10, .task = RT_TASK_MULTICLASS};
    return rt_dataset_load(ds, &src, &shape);
}

static int write_h5(const rt_dataset *ds, int n, const char *out, const char *mode)
{
    hid_t f = H5Fcreate(out, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) return -1;
    int rows = strcmp(mode, "shape") ? 28 : 27;
    hsize_t xd[3] = {(hsize_t)n, (hsize_t)rows, 28}, yd[2] = {(hsize_t)n, 1};
    size_t per = (size_t)rows * 28;
    hid_t xs = H5Screate_simple(3, xd, NULL), ys = H5Screate_simple(2, yd, NULL);
    double *y = malloc(sizeof *y * (size_t)n);
    unsigned char *xb = malloc(per * (size_t)n);
    double *xf = malloc(sizeof *xf * per * (size_t)n);
    if (!y || !xb || !xf) return -1;
    for (int i = 0; i < n; i++) {
        y[i] = ds->y[i];
        for (size_t k = 0; k < per; k++) xb[(size_t)i * per + k] = xf[(size_t)i * per + k] = ds->x_u8[(size_t)i * 784 + k];
    }
    int nan = !strcmp(mode, "nan");
    if (nan) xf[per * 3 + 100] = 0.0 / 0.0;
    if (!strcmp(mode, "range")) y[n / 2] = 10;
    hid_t xset = H5Dcreate2(f, "X", nan ? H5T_IEEE_F64LE : H5T_STD_U8LE, xs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t yset = H5Dcreate2(f, "Y", H5T_IEEE_F64LE, ys, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = xset < 0 || yset < 0 ||
             H5Dwrite(xset, nan ? H5T_NATIVE_DOUBLE : H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                      nan ? (void *)xf : (void *)xb) < 0 ||
             H5Dwrite(yset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, y) < 0;
    H5Dclose(xset);
    H5Dclose(yset);
    H5Sclose(xs);
    H5Sclose(ys);
    H5Fclose(f);
    free(y);
    free(xb);
    free(xf);
    return rc ? -1 : 0;
}

static int write_csv(const rt_dataset *ds, const char *out)
{
    FILE *f = fopen(out, "w");
    if (!f) return -1;
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    for (int i = 0; i < ds->n; i++) {
        const unsigned char *x = ds->x_u8 + (size_t)i * 784;
        for (int k = 0; k < 784; k++) fprintf(f, "%u,", x[k]);
        fprintf(f, "%d\n", (int)ds->y[i]);
    }
    return fclose(f) ? -1 : 0;
}

int main(int argc, char **argv)
{
    rt_dataset ds;
    if (argc == 7 && !strcmp(argv[1], "h5")) {
        if (load_idx(&ds, argv[2], argv[3])) return 1;
        int n = atoi(argv[4]);
        if (n <= 0 || n > ds.n) return 2;
        int rc = write_h5(&ds, n, argv[5], argv[6]);
        rt_dataset_free(&ds);
        return rc ? 1 : 0;
    }
    if (argc == 5 && !strcmp(argv[1], "csv")) {
        if (load_idx(&ds, argv[2], argv[3])) return 1;
        int rc = write_csv(&ds, argv[4]);
        rt_dataset_free(&ds);
        return rc ? 1 : 0;
    }
    if (argc == 5 && !strcmp(argv[1], "csvtime")) {
        rt_source src;
        memset(&src, 0, sizeof src);
        src.kind = RT_SRC_CSV;
        src.path = argv[2];
        src.label = RT_LABEL_LAST;
        src.header = RT_HEADER_AUTO;
        rt_shape shape = {.inputs = atoi(argv[3]), .outputs = atoi(argv[4]), .task = RT_TASK_MULTICLASS};
        double t0 = rt_now();
        if (rt_dataset_load(&ds, &src, &shape)) return 1;
        printf("%d %.3f\n", ds.n, rt_now() - t0);
        rt_dataset_free(&ds);
        return 0;
    }
    fprintf(stderr, "usage: see the comment at the top of tests/realdata_tool.c\n");
    return 2;
}
