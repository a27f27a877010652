/* main.c — the nncc command: parse -> validate -> ir -> plan -> emit, then write or build. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nncc.h"

typedef struct Options {
    const char *input, *output, *emit, *weights, *quantize, *calibrate, *target;
    int check, no_libm, static_link, mpi;
} Options;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nncc NET.yaml [-o OUTPUT] [--static | --mpi] [--check]\n"
            "       nncc NET.yaml --emit infer --weights W.safetensors -o net.c [--quantize int8] [--no-libm]\n"
            "\n"
            "Compiles a network description into a specialised C program.\n"
            "\n"
            "  -o FILE.c            write the training program's C source (default train_NAME.c)\n"
            "  -o FILE              also compile and link it with the runtime ($CC, $CFLAGS;\n"
            "                       default cc -O3 -march=native -fopenmp, on x86 also\n"
            "                       -mprefer-vector-width=512)\n"
            "  --static             with -o FILE: link every library statically (runtime, HDF5,\n"
            "                       cJSON, zlib, libgomp, libc): a program that needs no shared library\n"
            "  --mpi                a program for mpirun -np N: each batch split across the N ranks,\n"
            "                       the gradients summed over them (Open MPI, or any MPI pkg-config\n"
            "                       calls mpi-c)\n"
            "  --check              validate, print the network, parameter count, memory plan and schedule\n"
            "  --target NAME        schedule the kernels for NAME: native (default: what $CC $CFLAGS target\n"
            "                       when building, else this machine), x86-64-v2, x86-64-v3, x86-64-v4,\n"
            "                       armv8-a, generic (scalar C), cortex-m\n"
            "  --emit train|infer   what to generate (default train)\n"
            "  --weights FILE       trained weights (safetensors) baked into an inference kernel\n"
            "  --quantize int8      int8 weights in the inference kernel\n"
            "  --calibrate PATH     data for the int8 accuracy report (default: the training data)\n"
            "  --no-libm            inference kernel without the math library\n"
            "  --help, --version\n"
            "\n"
            "Exit codes: 0 done, 1 bad input, 2 bad usage.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "nncc: error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see nncc --help)\n");
    return 2;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static int parse_args(int argc, char **argv, Options *o)
{
    memset(o, 0, sizeof *o);
    o->emit = "train";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--version")) {
            printf("nncc %s\n", NNCC_VERSION);
            exit(0);
        } else if (!strcmp(a, "--check")) {
            o->check = 1;
        } else if (!strcmp(a, "--no-libm")) {
            o->no_libm = 1;
        } else if (!strcmp(a, "--static")) {
            o->static_link = 1;
        } else if (!strcmp(a, "--mpi")) {
            o->mpi = 1;
        } else if (!strcmp(a, "-o")) {
            slot = &o->output;
        } else if (!strncmp(a, "-o", 2)) {
            o->output = a + 2;
        } else if (!strcmp(a, "--emit")) {
            slot = &o->emit;
        } else if (!strcmp(a, "--weights")) {
            slot = &o->weights;
        } else if (!strcmp(a, "--quantize")) {
            slot = &o->quantize;
        } else if (!strcmp(a, "--calibrate")) {
            slot = &o->calibrate;
        } else if (!strcmp(a, "--target")) {
            slot = &o->target;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option '%s'", a);
        } else if (o->input) {
            return usage_error("more than one network file ('%s')", a);
        } else {
            o->input = a;
        }
        if (slot) {
            if (i + 1 >= argc) return usage_error("%s needs a value", a);
            *slot = argv[++i];
        }
    }
    if (!o->input) return usage_error("%s", "no network file given");
    if (strcmp(o->emit, "train") && strcmp(o->emit, "infer"))
        return usage_error("--emit takes train or infer, not '%s'", o->emit);
    int infer = !strcmp(o->emit, "infer");
    if (infer && !o->weights) return usage_error("%s", "--emit infer needs --weights FILE.safetensors");
    if (!infer && (o->weights || o->quantize || o->no_libm || o->calibrate))
        return usage_error("%s", "--weights, --quantize, --calibrate and --no-libm go with --emit infer");
    if (o->static_link && (infer || o->check || !o->output || ends_with(o->output, ".c")))
        return usage_error("%s", "--static links a program: it goes with -o PROGRAM (a name without .c)");
    if (o->mpi && infer) return usage_error("%s", "--mpi makes a training program: it does not go with --emit infer");
    if (o->mpi && o->static_link)
        return usage_error("%s", "--mpi links the system's MPI library, which has no static archive: give one of --mpi and --static");
    if (o->quantize && strcmp(o->quantize, "int8"))
        return usage_error("--quantize takes int8, not '%s'", o->quantize);
    if (o->output && !*o->output) return usage_error("%s", "-o needs a file name");
    Target t;
    if (o->target && target_named(o->target, &t)) {
        char list[256] = "";
        for (int i = 0; i < target_count; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", target_names[i]);
        fprintf(stderr, "nncc: error: unknown target '%s' (known: %s) (see nncc --help)\n", o->target, list);
        return 2;
    }
    return 0;
}

/* The command line as a shell would read it back, for the generated file's header. */
static char *command_line(int argc, char **argv)
{
    size_t cap = 16;
    for (int i = 0; i < argc; i++) cap += strlen(argv[i]) * 4 + 3;
    char *s = xcalloc(cap, 1), *p = s;
    p += sprintf(p, "nncc");
    for (int i = 1; i < argc; i++) {
        int plain = argv[i][0] != 0;
        for (const char *c = argv[i]; *c; c++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=+:,", *c)) plain = 0;
        if (plain) {
            p += sprintf(p, " %s", argv[i]);
        } else {
            *p++ = ' ', *p++ = '\'';
            for (const char *c = argv[i]; *c; c++) {
                if (*c == '\'') p += sprintf(p, "'\\''");
                else *p++ = *c;
            }
            *p++ = '\'';
        }
    }
    return s;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Writes the training program to `path` atomically. */
static int write_train(const Net *net, const char *path, const char *command)
{
    FILE *f = atomic_open(path);
    if (!f) {
        fprintf(stderr, "nncc: error: cannot write '%s': %s\n", path, strerror(errno));
        return -1;
    }
    emit_train(net, f, base_name(path), command);
    return atomic_commit();
}

int main(int argc, char **argv)
{
    Options opt;
    int rc = parse_args(argc, argv, &opt);
    if (rc) return rc;

    size_t len;
    char *text = read_file(opt.input, &len);
    if (!text) {
        fprintf(stderr, "%s: error: cannot read: %s\n", opt.input, strerror(errno));
        return 1;
    }
    diag_init(opt.input, text);
    Node *root = parse_yaml(text, len);
    static Spec spec;
    int valid = root && validate(root, opt.input, &spec);
    parse_free(root);
    if (!valid) {
        diag_flush(stderr);
        validate_free(&spec);
        free(text);
        return 1;
    }
    static Net net;
    ir_build(&spec, &net);
    net.mpi = opt.mpi;
    plan_build(&net);
    /* The target: named, or what driver mode's compiler will build for, or this machine. */
    const int driver = !opt.check && strcmp(opt.emit, "infer") && opt.output && !ends_with(opt.output, ".c");
    Target target;
    if (opt.target) target_named(opt.target, &target);
    else if (driver && target_of_compiler(driver_cc(), driver_cflags(NULL), &target)) return 1;
    else if (!driver) target_host(&target);
    schedule_build(&net, &target);
    /* The data must fit before a program is made for it (the inference kernel needs none). */
    if (strcmp(opt.emit, "infer") && (!plan_check_static(&net) || !data_check(&net))) {
        diag_flush(stderr);
        validate_free(&spec);
        free(text);
        return 1;
    }

    char *command = command_line(argc, argv);
    char *out = NULL;
    if (opt.check) {
        plan_print(&net, stdout);
        schedule_print(&net, stdout);
    } else if (!strcmp(opt.emit, "infer")) {
        out = opt.output ? xstrdup(opt.output) : xasprintf("%s.c", spec.name);
        if (!ends_with(out, ".c")) {
            fprintf(stderr, "nncc: error: --emit infer writes C source: -o must name a .c file, not '%s'\n", out);
            rc = 2;
        } else {
            rc = emit_infer_files(&net, out, opt.weights, opt.quantize != NULL, opt.no_libm, opt.calibrate, command)
                     ? 1
                     : 0;
        }
    } else {
        out = opt.output ? xstrdup(opt.output) : xasprintf("train_%s.c", spec.name);
        if (ends_with(out, ".c")) {
            rc = write_train(&net, out, command) ? 1 : 0;
        } else {
            /* Driver mode: the source goes to a temp file beside the program (in $TMPDIR when the
             * program is no regular file, as /dev/null), then $CC builds it. */
            struct stat st;
            const char *tmpdir = getenv("TMPDIR");
            char *c_path = stat(out, &st) == 0 && !S_ISREG(st.st_mode)
                               ? xasprintf("%s/nncc-%ld.c", tmpdir && *tmpdir ? tmpdir : "/tmp", (long)getpid())
                               : xasprintf("%s.nncc-tmp.c", out);
            rc = write_train(&net, c_path, command) ||
                 driver_build(c_path, out, opt.target ? &target : NULL, opt.static_link, opt.mpi); /* 0 or 1 */
            unlink(c_path);
            free(c_path);
        }
    }
    free(out);
    free(command);
    validate_free(&spec);
    free(text);
    return rc;
}
