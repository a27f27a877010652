/* datacheck.c — the data files a network file names, opened at compile time (nncc --check and
 * -o) with the runtime's own loaders and checked against the network: a file that does not fit
 * fails here, located at its key in the network file, not later when the program runs. Paths
 * given on the program's command line are still checked when it runs. */
#include <stdlib.h>
#include <string.h>

#include "nncc.h"

void source_to_rt(const SourceSpec *t, rt_source *src)
{
    memset(src, 0, sizeof *src);
    src->kind = t->kind, src->path = t->path, src->x = t->x, src->y = t->y, src->label = t->label;
    src->label_name = t->label_name, src->header = t->header, src->generator = (int)t->generator;
    src->samples = t->samples, src->noise = t->noise, src->factor = t->factor, src->centers = t->centers;
    src->seed = (uint64_t)t->seed, src->split = t->split;
}

/* The runtime reports `file:line: error: message`; here it becomes an error at the data key. */
static Loc at;
static void report(const char *file, long line, const char *msg)
{
    if (file && line > 0)
        diag_error(at, "%s:%ld: %s", file, line, msg);
    else if (file)
        diag_error(at, "%s: %s", file, msg);
    else
        diag_error(at, "%s", msg);
}

int data_check(const Net *net)
{
    const Spec *s = net->spec;
    const SourceSpec *sources[] = {&s->train, &s->val, &s->test};
    /* The later sets are read with the training set's classes, as the program reads them. */
    rt_dataset train = {0};
    rt_shape shape = {.inputs = net->inputs, .outputs = net->outputs, .task = net->task,
                      .classes = (const char *const *)s->classes, .n_classes = s->n_classes};
    int before = diag_count();
    for (size_t i = 0; i < ARRAY_LEN(sources); i++) {
        const SourceSpec *ss = sources[i];
        if (ss->kind == RT_SRC_NONE || ss->kind == RT_SRC_GENERATOR) /* generators are checked by validate */
            continue;
        rt_source src;
        source_to_rt(ss, &src);
        rt_dataset ds;
        at = ss->loc;
        rt_error_hook = report;
        int rc = rt_dataset_load(&ds, &src, &shape);
        rt_error_hook = NULL;
        if (rc)
            continue;
        if (ds.n == 0)
            diag_error(ss->loc, "%s holds no samples", ds.name ? ds.name : ss->path);
        if (i == 0) {
            train = ds;
            if (!shape.classes && train.n_classes)
                shape.classes = (const char *const *)train.classes, shape.n_classes = train.n_classes;
        } else {
            rt_dataset_free(&ds);
        }
    }
    rt_dataset_free(&train);
    return diag_count() == before;
}
