/* validate.c — second phase: Node tree -> Spec. Defaults, types, ranges, "did you mean", and
 * whether the layers, loss and data fit together; every problem is reported, none stops it. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nncc.h"

/* ---- what a user wrote, echoed safely ---------------------------------------------------- */

/* User text goes into messages: cut it short and escape what a terminal would act on, so a
 * hostile name cannot forge output. A few rotating buffers let one message quote several. */
static const char *show(const char *s)
{
    static char bufs[4][96];
    static int next;
    char *out = bufs[next++ % 4];
    size_t o = 0;
    for (; *s && o < 60; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 0x20 && ch != 0x7f)
            out[o++] = (char)ch;
        else
            o += (size_t)snprintf(out + o, 8, "\\x%02x", ch);
    }
    if (*s)
        o += (size_t)snprintf(out + o, 8, "...");
    out[o] = '\0';
    return out;
}

/* "a list", "a mapping", "nothing", or the scalar quoted: for "expected X, found Y". */
static const char *found(const Node *n)
{
    static char buf[4][128];
    static int next;
    if (n->kind == NODE_SEQ)
        return "a list";
    if (n->kind == NODE_MAP)
        return "a mapping";
    if (n->plain && (n->str[0] == '\0' || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0))
        return "nothing";
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], n->plain ? "'%s'" : "the string \"%s\"", show(n->str));
    return b;
}

/* ---- scalars ----------------------------------------------------------------------------- */

static int is_scalar(const Node *n, const char *expected)
{
    if (n->kind == NODE_SCALAR)
        return 1;
    diag_error(n->loc, "expected %s, found %s", expected, found(n));
    return 0;
}

/* YAML 1.2 core-schema spellings of infinity and not-a-number, and C's. */
static int looks_nonfinite(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (*s == '.')
        s++;
    static const char *const words[] = {"nan", "inf", "infinity"};
    for (size_t i = 0; i < ARRAY_LEN(words); i++) {
        size_t k = 0;
        while (words[i][k] && tolower((unsigned char)s[k]) == words[i][k])
            k++;
        if (!words[i][k] && !s[k])
            return 1;
    }
    return 0;
}

/* A decimal number as YAML writes it: no hex, no words, nothing after it. */
static int parse_decimal(const char *s, double *out)
{
    if (!*s || strspn(s, "0123456789+-.eE") != strlen(s) || !strpbrk(s, "0123456789"))
        return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end)
        return 0;
    *out = v; /* may be inf after overflow: the caller says "out of range" */
    return 1;
}

static int get_number(const Node *n, double *out)
{
    if (!is_scalar(n, "a number"))
        return 0;
    double v;
    if (n->plain && looks_nonfinite(n->str)) {
        diag_error(n->loc, "expected a finite number, found '%s'", show(n->str));
        return 0;
    }
    if (!n->plain || !parse_decimal(n->str, &v)) {
        diag_error(n->loc, "expected a number, found %s%s", found(n), !n->plain && parse_decimal(n->str, &v) ? " (remove the quotes)" : "");
        return 0;
    }
    if (!isfinite(v)) {
        diag_error(n->loc, "number '%s' is out of range", show(n->str));
        return 0;
    }
    *out = v;
    return 1;
}

/* An integer in [lo, hi]. Integral numbers such as 1e6 are accepted; anything past int64 is
 * "out of range" like any other too-large value, never wrapped. */
static int get_int(const Node *n, const char *what, int64_t lo, int64_t hi, int64_t *out)
{
    if (!is_scalar(n, "an integer"))
        return 0;
    const char *s = n->str;
    int neg = 0, overflow = 0;
    int64_t v = 0;
    const char *p = s + (*s == '+' || *s == '-');
    neg = *s == '-';
    if (n->plain && *p && strspn(p, "0123456789") == strlen(p)) {
        for (; *p; p++) {
            int d = *p - '0';
            if (v > (INT64_MAX - d) / 10) {
                overflow = 1;
                break;
            }
            v = v * 10 + d;
        }
        if (neg)
            v = -v;
    } else {
        double d;
        if (!n->plain || !parse_decimal(s, &d) || d != floor(d)) {
            diag_error(n->loc, "expected an integer, found %s%s", found(n),
                       !n->plain && parse_decimal(s, &d) ? " (remove the quotes)" : "");
            return 0;
        }
        if (!(fabs(d) < 9.2e18))
            overflow = 1;
        else
            v = (int64_t)d;
    }
    if (overflow || v < lo || v > hi) {
        int too_low = overflow ? neg : v < lo; /* an overflow is past the end its sign points to */
        if (hi >= INT_MAX && too_low)
            diag_error(n->loc, "%s must be at least %lld, found %s", what, (long long)lo, show(s));
        else if (hi >= INT_MAX)
            diag_error(n->loc, "%s must be at most %lld, found %s", what, (long long)hi, show(s));
        else
            diag_error(n->loc, "%s must be between %lld and %lld, found %s", what, (long long)lo, (long long)hi,
                       show(s));
        return 0;
    }
    *out = v;
    return 1;
}

static int get_int32(const Node *n, const char *what, int64_t lo, int64_t hi, int *out)
{
    int64_t v;
    if (!get_int(n, what, lo, hi, &v))
        return 0;
    *out = (int)v;
    return 1;
}

/* YAML 1.2 booleans only: `yes`/`on` are strings there, and guessing would hide typos. */
static int get_bool(const Node *n, int *out)
{
    if (!is_scalar(n, "true or false"))
        return 0;
    static const char *const t[] = {"true", "True", "TRUE"}, *const f[] = {"false", "False", "FALSE"};
    for (int i = 0; i < 3 && n->plain; i++) {
        if (strcmp(n->str, t[i]) == 0)
            return *out = 1, 1;
        if (strcmp(n->str, f[i]) == 0)
            return *out = 0, 1;
    }
    diag_error(n->loc, "expected true or false, found %s", found(n));
    return 0;
}

/* One of a registry table's names; `what` names the table in the message. */
static int get_choice(const Node *n, const char *what, const char *const *names, int count, int *out)
{
    char expected[256];
    size_t o = 0;
    for (int i = 0; i < count && o < sizeof expected; i++)
        o += (size_t)snprintf(expected + o, sizeof expected - o, "%s%s", i ? ", " : "", names[i]);
    if (n->kind != NODE_SCALAR) {
        diag_error(n->loc, "expected %s (%s), found %s", what, expected, found(n));
        return 0;
    }
    int i = registry_find(names, count, n->str);
    if (i >= 0)
        return *out = i, 1;
    const char *guess = diag_suggest(n->str, names, count);
    if (guess)
        diag_error(n->loc, "unknown %s '%s' (did you mean '%s'?)", what, show(n->str), guess);
    else
        diag_error(n->loc, "unknown %s '%s' (expected one of: %s)", what, show(n->str), expected);
    return 0;
}

static int get_path(const Node *n, const char *netfile, char **out)
{
    if (!is_scalar(n, "a file path"))
        return 0;
    if (n->str[0] == '\0') {
        diag_error(n->loc, "expected a file path, found nothing");
        return 0;
    }
    /* Paths are relative to the network file, so a project moves as one directory. */
    const char *slash = strrchr(netfile, '/');
    if (n->str[0] == '/' || !slash)
        *out = xstrdup(n->str);
    else
        *out = xasprintf("%.*s/%s", (int)(slash - netfile), netfile, n->str);
    return 1;
}

/* ---- mappings ---------------------------------------------------------------------------- */

/* Checks every key of map against keys[0..n): unknown ones are reported at the key, with a
 * guess; vals[i] receives the value of keys[i] or NULL. */
static void read_keys(const Node *map, const char *where, const char *const *keys, int n, const Node **vals,
                      const Node **key_nodes)
{
    for (int i = 0; i < n; i++) {
        vals[i] = NULL;
        if (key_nodes)
            key_nodes[i] = NULL;
    }
    for (int i = 0; i + 1 < map->n; i += 2) {
        const Node *k = map->items[i];
        if (k->kind != NODE_SCALAR)
            continue; /* parse reported it */
        int j = registry_find(keys, n, k->str);
        if (j >= 0) {
            vals[j] = map->items[i + 1];
            if (key_nodes)
                key_nodes[j] = k;
            continue;
        }
        const char *guess = diag_suggest(k->str, keys, n);
        if (guess)
            diag_error(k->loc, "unknown key '%s'%s (did you mean '%s'?)", show(k->str), where, guess);
        else
            diag_error(k->loc, "unknown key '%s'%s", show(k->str), where);
    }
}

/* ---- the network file, key by key -------------------------------------------------------- */

typedef struct Ctx {
    Spec *spec;
    const char *path;
    const Node *root;
    int input_ok, layers_ok, loss_ok, data_test; /* later checks skip what an earlier error left unknown */
    Loc act_loc[NNCC_MAX_LAYERS];       /* where each layer's activation was chosen */
    Loc layer_loc[NNCC_MAX_LAYERS];
    Loc default_act_loc;
    Loc seed_loc;
    int seed_given;
} Ctx;

typedef struct Field {
    const char *key;
    /* key and value are NULL when the file does not have the key: the handler sets the default */
    void (*handle)(Ctx *c, const Node *key, const Node *value);
} Field;

static int is_c_keyword(const char *s)
{
    static const char *const kw[] = {
        "auto",     "break",    "case",     "char",       "const",    "continue",      "default",
        "do",       "double",   "else",     "enum",       "extern",   "float",         "for",
        "goto",     "if",       "inline",   "int",        "long",     "register",      "restrict",
        "return",   "short",    "signed",   "sizeof",     "static",   "struct",        "switch",
        "typedef",  "union",    "unsigned", "void",       "volatile", "while",         "_Alignas",
        "_Alignof", "_Atomic",  "_Bool",    "_Complex",   "_Generic", "_Imaginary",    "_Noreturn",
        "_Static_assert", "_Thread_local", "asm", "bool", "true", "false", "main", "NULL"};
    for (size_t i = 0; i < ARRAY_LEN(kw); i++)
        if (strcmp(s, kw[i]) == 0)
            return 1;
    return 0;
}

/* name: prefixes every generated symbol and names the output directory. */
static void field_name(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    char *name = c->spec->name;
    if (!v) {
        /* The file's base name without extension, made into an identifier. */
        const char *base = strrchr(c->path, '/');
        base = base ? base + 1 : c->path;
        size_t len = strcspn(base, ".");
        if (len == 0)
            len = strlen(base);
        char tmp[NNCC_MAX_NAME + 8];
        size_t o = 0;
        if (len == 0 || isdigit((unsigned char)base[0]) || base[0] == '_' || base[0] == '-')
            o += (size_t)snprintf(tmp, sizeof tmp, "net_");
        for (size_t i = 0; i < len && o < NNCC_MAX_NAME; i++)
            tmp[o++] = isalnum((unsigned char)base[i]) ? base[i] : '_';
        tmp[o] = '\0';
        const char *prefix = is_c_keyword(tmp) || strcmp(tmp, "rt") == 0 || strncmp(tmp, "rt_", 3) == 0 ? "net_" : "";
        size_t plen = strlen(prefix), tlen = strlen(tmp);
        if (plen + tlen > NNCC_MAX_NAME)
            tlen = NNCC_MAX_NAME - plen; /* truncated: the limit is for the generated symbols */
        memcpy(name, prefix, plen);
        memcpy(name + plen, tmp, tlen);
        name[plen + tlen] = '\0';
        return;
    }
    if (!is_scalar(v, "a C identifier"))
        return;
    const char *s = v->str;
    size_t len = strlen(s);
    int ident = len > 0 && (isalpha((unsigned char)s[0]) || s[0] == '_');
    for (size_t i = 0; ident && i < len; i++)
        ident = isalnum((unsigned char)s[i]) || s[i] == '_';
    if (!ident)
        diag_error(v->loc, "name '%s' is not a C identifier: use letters, digits and '_', starting with a letter",
                   show(s));
    else if (s[0] == '_')
        diag_error(v->loc, "name '%s' starts with '_': such names are reserved in C", show(s));
    else if (len > NNCC_MAX_NAME)
        diag_error(v->loc, "name is %zu characters long; the limit is %d", len, NNCC_MAX_NAME);
    else if (is_c_keyword(s))
        diag_error(v->loc, "name '%s' is a C keyword", s);
    else if (strcmp(s, "rt") == 0 || strncmp(s, "rt_", 3) == 0)
        diag_error(v->loc, "name '%s' would clash with the runtime's rt_ symbols", s);
    else
        snprintf(name, NNCC_MAX_NAME + 1, "%s", s);
}

/* input: features per sample, or an image shape flattened row-major. */
static void field_input(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    Spec *s = c->spec;
    if (!v) {
        diag_error((Loc){0, 0}, "missing required key 'input' (features per sample, e.g. 'input: 2')");
        return;
    }
    if (v->kind == NODE_SEQ) {
        if (v->n < 1 || v->n > 4) {
            diag_error(v->loc, "an input shape has 1 to 4 dimensions, found %d", v->n);
            return;
        }
        int ok = 1;
        int64_t prod = 1;
        for (int i = 0; i < v->n; i++) {
            int d;
            if (!get_int32(v->items[i], "an input dimension", 1, NNCC_MAX_UNITS, &d)) {
                ok = 0;
                continue;
            }
            s->input_shape[i] = d;
            if (prod <= NNCC_MAX_UNITS)
                prod *= d; /* both <= 1e6: no overflow */
        }
        if (!ok)
            return;
        if (prod > NNCC_MAX_UNITS) {
            diag_error(v->loc, "input shape has more than %d features; the limit is %d", NNCC_MAX_UNITS,
                       NNCC_MAX_UNITS);
            return;
        }
        s->input_rank = v->n;
        s->inputs = (int)prod;
        c->input_ok = 1;
        return;
    }
    if (v->kind == NODE_MAP) {
        diag_error(v->loc, "expected an integer or a list of integers, found a mapping");
        return;
    }
    if (!get_int32(v, "input", 1, NNCC_MAX_UNITS, &s->inputs))
        return;
    s->input_shape[0] = s->inputs;
    s->input_rank = 1;
    c->input_ok = 1;
}

static void field_seed(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    if (v && get_int(v, "seed", 0, INT64_MAX, &c->spec->seed)) {
        c->seed_given = 1;
        c->seed_loc = v->loc;
    }
}

static void field_epochs(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    c->spec->epochs = 100;
    if (v)
        get_int32(v, "epochs", 0, 1000000000, &c->spec->epochs);
}

static void field_activation(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    int a = ACT_SIGMOID;
    c->default_act_loc = (Loc){0, 0};
    if (v && get_choice(v, "activation", activation_names, ACT_COUNT, &a))
        c->default_act_loc = v->loc;
    c->spec->activation = (Activation)a;
}

static void field_init(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    int i = INIT_AUTO;
    if (v)
        get_choice(v, "initialiser", init_names, INIT_COUNT, &i);
    c->spec->init = (Init)i;
}

/* A list of `count` finite numbers into out; `what` describes one item for messages. */
static int read_numbers(const Node *v, int count, double *out, const char *what)
{
    if (v->kind != NODE_SEQ) {
        diag_error(v->loc, "expected a list of %d number%s (%s), found %s", count, count == 1 ? "" : "s", what, found(v));
        return 0;
    }
    if (v->n != count) {
        diag_error(v->loc, "expected %d number%s (%s), found %d", count, count == 1 ? "" : "s", what, v->n);
        return 0;
    }
    int ok = 1;
    for (int i = 0; i < count; i++)
        ok &= get_number(v->items[i], &out[i]);
    return ok;
}

/* weights: `units` rows of fan_in numbers, as PyTorch's nn.Linear weight [out, in]. */
static void layer_weights(LayerSpec *l, const Node *v, int index, int fan_in)
{
    l->weights_loc = v->loc;
    double *w = xcalloc((size_t)l->units * (size_t)fan_in, sizeof *w);
    int ok;
    char what[96];
    snprintf(what, sizeof what, "one per input of layers.%d", index);
    if (v->kind == NODE_SEQ && l->units == 1 && v->n > 0 && v->items[0]->kind == NODE_SCALAR) {
        ok = read_numbers(v, fan_in, w, what); /* a 1-unit layer may give its one row flat */
    } else if (v->kind != NODE_SEQ) {
        diag_error(v->loc, "expected weights as a list of %d rows of %d numbers, found %s", l->units, fan_in, found(v));
        ok = 0;
    } else if (v->n != l->units) {
        diag_error(v->loc, "expected weights as %d rows (one per unit) of %d numbers (one per input), found %d row%s",
                   l->units, fan_in, v->n, v->n == 1 ? "" : "s");
        ok = 0;
    } else {
        ok = 1;
        for (int r = 0; r < l->units; r++)
            ok &= read_numbers(v->items[r], fan_in, w + (size_t)r * (size_t)fan_in, what);
    }
    if (ok)
        l->weights = w;
    else
        free(w);
}

static void layer_bias(LayerSpec *l, const Node *v)
{
    l->bias_loc = v->loc;
    double *b = xcalloc((size_t)l->units, sizeof *b);
    int ok;
    if (v->kind == NODE_SCALAR && l->units == 1)
        ok = get_number(v, b);
    else
        ok = read_numbers(v, l->units, b, "one per unit");
    if (ok)
        l->bias = b;
    else
        free(b);
}

/* Weights of one convolution filter (channels x kh x kw) at most: 512 KiB of float64. */
enum { MAX_FILTER_WEIGHTS = 65536 };

/* A kernel or stride: K, or [h, w]. */
static int get_pair(const Node *n, const char *what, int lo, int hi, int out[2])
{
    if (n->kind == NODE_SCALAR) {
        if (!get_int32(n, what, lo, hi, &out[0]))
            return 0;
        out[1] = out[0];
        return 1;
    }
    if (n->kind != NODE_SEQ) {
        diag_error(n->loc, "expected %s as N or [height, width], found %s", what, found(n));
        return 0;
    }
    if (n->n != 2) {
        diag_error(n->loc, "expected %s as N or [height, width], found a list of %d", what, n->n);
        return 0;
    }
    return get_int32(n->items[0], what, lo, hi, &out[0]) & get_int32(n->items[1], what, lo, hi, &out[1]);
}

/* padding: same, valid, N or [ph, pw]; same (stride 1, odd kernels, as PyTorch's) pads k / 2. */
static int get_padding(const Node *n, const LayerSpec *l, int pad[2])
{
    if (n->kind == NODE_SCALAR && n->plain && (!strcmp(n->str, "same") || !strcmp(n->str, "valid"))) {
        if (n->str[0] == 'v') {
            pad[0] = pad[1] = 0;
            return 1;
        }
        if (l->stride[0] != 1 || l->stride[1] != 1 || l->kernel[0] % 2 == 0 || l->kernel[1] % 2 == 0) {
            diag_error(n->loc, "padding: same needs stride 1 and an odd kernel (as PyTorch's), found stride %dx%d, "
                               "kernel %dx%d; give the padding as a number",
                       l->stride[0], l->stride[1], l->kernel[0], l->kernel[1]);
            return 0;
        }
        pad[0] = l->kernel[0] / 2, pad[1] = l->kernel[1] / 2;
        return 1;
    }
    if (n->kind == NODE_SCALAR && (!n->plain || strspn(n->str, "0123456789") != strlen(n->str))) {
        diag_error(n->loc, "expected padding: same, valid, N or [height, width], found %s", found(n));
        return 0;
    }
    return get_pair(n, "padding", 0, 10000, pad);
}

/* A spatial layer: {conv: F, kernel, stride?, padding?, activation?, init?, trainable?},
 * {maxpool: K, stride?} or {avgpool: K, stride?}, on an input of shape in (C, H, W). */
static int spatial_read(Ctx *c, const Node *item, int index, LayerKind kind, const int in[3])
{
    LayerSpec *l = &c->spec->layers[index];
    l->kind = kind;
    static const char *const conv_keys[] = {"conv", "kernel", "stride", "padding", "activation", "init", "trainable"};
    static const char *const pool_keys[] = {"maxpool", "stride"}, *const avg_keys[] = {"avgpool", "stride"};
    const int conv = kind == LAYER_CONV;
    const char *const *keys = conv ? conv_keys : kind == LAYER_MAXPOOL ? pool_keys : avg_keys;
    const Node *v[ARRAY_LEN(conv_keys)];
    char where[48];
    snprintf(where, sizeof where, " in layers.%d", index);
    read_keys(item, where, keys, conv ? (int)ARRAY_LEN(conv_keys) : 2, v, NULL);
    int ok = 1;
    const Node *kernel_node = conv ? v[1] : v[0];
    if (conv) {
        ok &= get_int32(v[0], "conv filters", 1, NNCC_MAX_UNITS, &l->units);
        if (!v[1]) {
            diag_error(item->loc, "layers.%d has no 'kernel' (e.g. {conv: 16, kernel: 3})", index);
            ok = 0;
        } else {
            ok &= get_pair(v[1], "kernel", 1, 10000, l->kernel);
        }
    } else {
        ok &= get_pair(v[0], "pool size", 1, 10000, l->kernel);
        l->act = ACT_LINEAR;
        l->trainable = 0;
    }
    l->stride[0] = conv ? 1 : l->kernel[0], l->stride[1] = conv ? 1 : l->kernel[1];
    if (v[conv ? 2 : 1])
        ok &= get_pair(v[conv ? 2 : 1], "stride", 1, 10000, l->stride);
    /* padding: same needs the kernel and stride; a bad one of those was said already */
    if (conv && v[3] && (ok || !(v[3]->kind == NODE_SCALAR && !strcmp(v[3]->str, "same"))))
        ok &= get_padding(v[3], l, l->pad);
    int a;
    if (conv && v[4] && get_choice(v[4], "activation", activation_names, ACT_COUNT, &a)) {
        l->act = (Activation)a;
        c->act_loc[index] = v[4]->loc;
    }
    if (conv && v[5] && get_choice(v[5], "initialiser", init_names, INIT_COUNT, &a))
        l->init = (Init)a;
    if (conv && v[6])
        get_bool(v[6], &l->trainable);
    if (!ok || in[0] == 0)
        return ok;
    const int h = in[1] + 2 * l->pad[0], w = in[2] + 2 * l->pad[1];
    if (l->kernel[0] > h || l->kernel[1] > w) {
        diag_error(kernel_node->loc, "a %dx%d %s is larger than the %dx%d input of layers.%d%s", l->kernel[0],
                   l->kernel[1], conv ? "kernel" : "pool", in[1], in[2], index,
                   l->pad[0] || l->pad[1] ? " even once padded" : "");
        return 0;
    }
    /* dW sums a filter's weights in an array on the stack of the thread that takes the filter */
    if (conv && (long long)in[0] * l->kernel[0] * l->kernel[1] > MAX_FILTER_WEIGHTS) {
        diag_error(kernel_node->loc, "a filter of layers.%d has %lld weights (%d channels x %dx%d); the limit is %d",
                   index, (long long)in[0] * l->kernel[0] * l->kernel[1], in[0], l->kernel[0], l->kernel[1],
                   MAX_FILTER_WEIGHTS);
        return 0;
    }
    l->out[0] = conv ? l->units : in[0];
    l->out[1] = (h - l->kernel[0]) / l->stride[0] + 1;
    l->out[2] = (w - l->kernel[1]) / l->stride[1] + 1;
    const long long values = (long long)l->out[0] * l->out[1] * l->out[2];
    if (values > NNCC_MAX_UNITS) {
        diag_error(item->loc, "layers.%d outputs %dx%dx%d = %lld values; the limit is %d", index, l->out[0], l->out[1],
                   l->out[2], values, NNCC_MAX_UNITS);
        return 0;
    }
    if (!conv)
        l->units = 0;
    return 1;
}

/* {dropout: P}: each value zeroed with probability P in training, the rest scaled by 1 / (1 - P)
 * (PyTorch's nn.Dropout); the shape as it comes. */
static int dropout_read(Ctx *c, const Node *item, int index, const int in[3])
{
    LayerSpec *l = &c->spec->layers[index];
    static const char *const keys[] = {"dropout"};
    const Node *v[1];
    char where[48];
    snprintf(where, sizeof where, " in layers.%d", index);
    read_keys(item, where, keys, 1, v, NULL);
    l->act = ACT_LINEAR;
    l->trainable = 0;
    memcpy(l->out, in, sizeof l->out);
    if (!get_number(v[0], &l->drop))
        return 0;
    if (!(l->drop >= 0 && l->drop < 1)) {
        diag_error(v[0]->loc, "dropout is a probability in [0, 1), found %s", show(v[0]->str));
        return 0;
    }
    return 1;
}

/* One item of `layers`: an int (units), {units, activation?, init?, weights?, bias?, trainable?},
 * or a spatial layer (spatial_read) when the input is an image: in (C, H, W), or in[0] = 0 when
 * the shape is not known (an earlier error); image says whether the input is one. */
static int layer_read(Ctx *c, const Node *item, int index, const int in[3], int image)
{
    Spec *s = c->spec;
    LayerSpec *l = &s->layers[index];
    const int fan_in = in[0] * in[1] * in[2];
    l->act = s->activation;
    l->init = s->init;
    l->trainable = 1;
    l->loc = item->loc;
    c->layer_loc[index] = item->loc;
    c->act_loc[index] = c->default_act_loc.line ? c->default_act_loc : item->loc;
    if (item->kind == NODE_SCALAR) {
        if (!get_int32(item, "units", 1, NNCC_MAX_UNITS, &l->units))
            return 0;
        l->out[0] = l->units, l->out[1] = l->out[2] = 1;
        return 1;
    }
    if (item->kind != NODE_MAP) {
        diag_error(item->loc, "expected a layer size or a mapping {units, activation, ...}, found a list");
        return 0;
    }
    /* the kind: whichever of units, conv, maxpool, avgpool the mapping has */
    const Node *kind_key = NULL;
    for (int i = 0; i + 1 < item->n; i += 2) {
        const Node *k = item->items[i];
        int kind = k->kind == NODE_SCALAR ? registry_find(layer_kind_names, LAYER_KIND_COUNT, k->str) : -1;
        if (kind < 0)
            continue;
        if (kind_key) {
            diag_error(k->loc, "layers.%d is both '%s' and '%s': one of units, conv, maxpool, avgpool, dropout", index,
                       kind_key->str, k->str);
            return 0;
        }
        kind_key = k;
        l->kind = (LayerKind)kind;
    }
    if (l->kind == LAYER_DROPOUT)
        return dropout_read(c, item, index, in);
    if (l->kind != LAYER_DENSE) {
        if (!image) {
            diag_error(kind_key->loc, "%s needs an image input (input: [C, H, W] or [H, W]), but layers.%d's input is %s",
                       kind_key->str, index,
                       index && s->layers[index - 1].kind == LAYER_DROPOUT ? "a dropout layer's output (a dropout before "
                                                                              "a spatial layer is not supported yet)"
                       : index ? "a dense layer's output"
                       : s->input_rank == 1 ? "a list of features" : "of 4 dimensions");
            return 0;
        }
        return spatial_read(c, item, index, l->kind, in);
    }
    static const char *const keys[] = {"units", "activation", "init", "weights", "bias", "trainable"};
    const Node *v[ARRAY_LEN(keys)];
    char where[48];
    snprintf(where, sizeof where, " in layers.%d", index);
    read_keys(item, where, keys, ARRAY_LEN(keys), v, NULL);
    int ok = 1;
    if (!v[0]) {
        diag_error(item->loc, "layers.%d has no 'units'", index);
        ok = 0;
    } else {
        ok = get_int32(v[0], "units", 1, NNCC_MAX_UNITS, &l->units);
    }
    l->out[0] = l->units, l->out[1] = l->out[2] = 1;
    int a;
    if (v[1] && get_choice(v[1], "activation", activation_names, ACT_COUNT, &a)) {
        l->act = (Activation)a;
        c->act_loc[index] = v[1]->loc;
    }
    int init;
    if (v[2] && get_choice(v[2], "initialiser", init_names, INIT_COUNT, &init))
        l->init = (Init)init;
    if (v[5])
        get_bool(v[5], &l->trainable);
    /* Shapes of given values need the sizes on both sides. */
    if (ok && fan_in > 0 && v[3])
        layer_weights(l, v[3], index, fan_in);
    if (ok && v[4])
        layer_bias(l, v[4]);
    return ok;
}

static void field_layers(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    Spec *s = c->spec;
    if (!v) {
        diag_error((Loc){0, 0}, "missing required key 'layers' (layer sizes, e.g. 'layers: [16, 1]')");
        return;
    }
    if (v->kind != NODE_SEQ) {
        diag_error(v->loc, "expected a list of layers (e.g. [16, 1]), found %s", found(v));
        return;
    }
    if (v->n == 0) {
        diag_error(v->loc, "a network needs at least one layer");
        return;
    }
    if (v->n > NNCC_MAX_LAYERS) {
        diag_error(v->loc, "a network has at most %d layers, found %d", NNCC_MAX_LAYERS, v->n);
        return;
    }
    int ok = 1;
    /* each layer's input shape (C, H, W), (0, 0, 0) once unknown; image: the input is one */
    const int r = s->input_rank;
    int in[3] = {s->inputs, 1, 1}, image = !c->input_ok || r == 2 || r == 3; /* unknown: no second error */
    if (c->input_ok && (r == 2 || r == 3))
        in[0] = r == 3 ? s->input_shape[0] : 1, in[1] = s->input_shape[r - 2], in[2] = s->input_shape[r - 1];
    if (!c->input_ok)
        in[0] = 0;
    long long params = 0;
    for (int i = 0; i < v->n; i++) {
        int good = layer_read(c, v->items[i], i, in, image);
        ok &= good;
        const LayerSpec *l = &s->layers[i];
        if (good && in[0] > 0) {
            long long fan = l->kind == LAYER_CONV ? (long long)in[0] * l->kernel[0] * l->kernel[1]
                                                  : (long long)in[0] * in[1] * in[2];
            if (l->kind == LAYER_CONV || l->kind == LAYER_DENSE)
                params += (long long)l->units * (fan + 1);
        }
        image = SPATIAL(l->kind);
        if (good && in[0] > 0)
            memcpy(in, l->out, sizeof in);
        else
            in[0] = 0;
    }
    s->n_layers = v->n;
    s->layers_loc = v->loc;
    s->output_loc = v->items[v->n - 1]->loc;
    if (!ok)
        return;
    if (params > NNCC_MAX_PARAMS) {
        diag_error(v->loc, "network has %lld parameters; the limit is %lld", params, (long long)NNCC_MAX_PARAMS);
        return;
    }
    /* softmax normalises across a layer's units: only the output's probabilities mean anything. */
    for (int i = 0; i < s->n_layers; i++) {
        const LayerSpec *l = &s->layers[i];
        if (!activation_output_only[l->act] || i == s->n_layers - 1)
            continue;
        ok = 0;
        diag_error(c->act_loc[i], "%s is only allowed in the output layer; layers.%d is a hidden layer",
                   activation_names[l->act], i);
        if (c->act_loc[i].line == c->default_act_loc.line && c->act_loc[i].col == c->default_act_loc.col) {
            diag_note(c->act_loc[i], "this default applies to every layer; give the output layer its own: "
                                     "{units: K, activation: softmax}");
            break; /* one default, one message */
        }
    }
    const LayerSpec *out = &s->layers[s->n_layers - 1];
    if (out->kind != LAYER_DENSE) {
        diag_error(out->loc, "the output layer is a %s layer; the last layer must be dense ({units: K, activation: ...})",
                   layer_kind_names[out->kind]);
        c->layers_ok = 0;
        return;
    }
    if (out->act == ACT_SOFTMAX && out->units < 2) {
        diag_error(c->act_loc[s->n_layers - 1], "softmax needs at least 2 output units, found %d", out->units);
        diag_note(c->act_loc[s->n_layers - 1], "for a yes/no output use one sigmoid unit with log_loss");
        ok = 0;
    }
    c->layers_ok = ok;
}

static const char *act_of_output(const Spec *s)
{
    return activation_names[s->layers[s->n_layers - 1].act];
}

/* Other frameworks' names for nncc's losses: a user coming from Keras or PyTorch gets a hint. */
static const struct { const char *name, *from; Loss loss; } loss_aliases[] = {
    {"binary_crossentropy", "Keras", LOSS_LOG_LOSS},
    {"BCELoss", "PyTorch", LOSS_LOG_LOSS},
    {"BCEWithLogitsLoss", "PyTorch", LOSS_LOG_LOSS},
    {"categorical_crossentropy", "Keras", LOSS_CROSS_ENTROPY},
    {"sparse_categorical_crossentropy", "Keras", LOSS_CROSS_ENTROPY},
    {"CrossEntropyLoss", "PyTorch", LOSS_CROSS_ENTROPY},
    {"NLLLoss", "PyTorch", LOSS_CROSS_ENTROPY},
    {"mean_squared_error", "Keras", LOSS_MSE},
    {"MSELoss", "PyTorch", LOSS_MSE},
};

static void field_loss(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    Spec *s = c->spec;
    int loss = LOSS_LOG_LOSS, ok = 1;
    if (v) {
        s->loss_loc = v->loc;
        for (size_t i = 0; v->kind == NODE_SCALAR && i < ARRAY_LEN(loss_aliases); i++) {
            if (strcmp(v->str, loss_aliases[i].name) == 0) {
                diag_error(v->loc, "unknown loss '%s': that is %s's name; nncc calls it '%s'", show(v->str),
                           loss_aliases[i].from, loss_names[loss_aliases[i].loss]);
                s->loss = loss_aliases[i].loss;
                return;
            }
        }
        ok = get_choice(v, "loss", loss_names, LOSS_COUNT, &loss);
    }
    if (!c->layers_ok) {
        s->loss = (Loss)loss;
        return;
    }
    const LayerSpec *out = &s->layers[s->n_layers - 1];
    if (!v) {
        s->loss_loc = s->output_loc;
        if (out->act == ACT_SOFTMAX)
            loss = LOSS_CROSS_ENTROPY;
        else if (out->units == 1)
            loss = out->act == ACT_STEP ? LOSS_PERCEPTRON : LOSS_LOG_LOSS;
        else
            loss = LOSS_MSE;
    }
    s->loss = (Loss)loss;
    if (!ok)
        return;

    /* Does the loss fit the output layer? Located at the loss, or at the output when defaulted. */
    const char *why = NULL, *hint = NULL;
    switch (s->loss) {
    case LOSS_LOG_LOSS:
        if (out->units != 1 || out->act != ACT_SIGMOID) {
            why = "log_loss needs an output layer of 1 sigmoid unit";
            hint = out->units > 1 ? "for K classes use 'activation: softmax' on the output layer (loss cross_entropy); "
                                    "for real-valued targets use 'loss: mse'"
                                  : "use 'activation: sigmoid' on the output layer, or 'loss: mse' for a real-valued target";
        }
        break;
    case LOSS_CROSS_ENTROPY:
        if (out->act != ACT_SOFTMAX) {
            why = "cross_entropy needs a softmax output layer";
            hint = "give the output layer 'activation: softmax' and one unit per class";
        }
        break;
    case LOSS_PERCEPTRON:
        if (out->units != 1 || out->act != ACT_STEP) {
            why = "perceptron needs an output layer of 1 step unit";
            hint = "use {units: 1, activation: step} as the output layer, or log_loss with sigmoid";
        }
        break;
    case LOSS_MSE:
        if (out->act == ACT_STEP && s->epochs > 0) {
            why = "mse cannot train a step output: step has no gradient";
            hint = "use linear, sigmoid or tanh on the output layer, or 'loss: perceptron' with 1 step unit";
        }
        break;
    default:
        unreachable();
    }
    c->loss_ok = !why;
    if (why) {
        if (v)
            diag_error(s->loss_loc, "%s; the output layer has %d %s unit%s", why, out->units, act_of_output(s),
                       out->units == 1 ? "" : "s");
        else
            diag_error(s->loss_loc, "the default loss for this output layer is %s, but %s; the output layer has %d %s unit%s",
                       loss_names[s->loss], why, out->units, act_of_output(s), out->units == 1 ? "" : "s");
        diag_note(s->loss_loc, "%s", hint);
    }
}

/* step's derivative is zero almost everywhere: nothing at or before a step layer can learn
 * through it, except the output layer under the perceptron rule, which needs no gradient. */
static void check_step(Ctx *c)
{
    Spec *s = c->spec;
    if (!c->layers_ok || s->epochs == 0)
        return;
    int trainable_so_far = 0;
    for (int i = 0; i < s->n_layers; i++) {
        const LayerSpec *l = &s->layers[i];
        trainable_so_far |= l->trainable;
        int last = i == s->n_layers - 1;
        if (s->loss == LOSS_PERCEPTRON && !last && l->trainable) {
            diag_error(s->layers[i].loc, "the perceptron rule trains only the output layer, but layers.%d is trainable", i);
            diag_note(s->layers[i].loc, "give it weights and 'trainable: false', or use log_loss with sigmoid");
            continue;
        }
        if (l->act != ACT_STEP || !trainable_so_far || (last && s->loss == LOSS_PERCEPTRON))
            continue;
        if (last && s->loss == LOSS_MSE)
            continue; /* field_loss said why */
        diag_error(c->act_loc[i], "step has no gradient, so layers.%d cannot be trained through", i);
        diag_note(c->act_loc[i], "use sigmoid or relu; or give layers up to this one weights and 'trainable: false'; "
                                 "or set 'epochs: 0'");
        if (c->act_loc[i].line == c->default_act_loc.line && c->act_loc[i].col == c->default_act_loc.col)
            break;
    }
}

static void field_learning_rate(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    c->spec->learning_rate = 0.1;
    double x;
    if (!v || !get_number(v, &x))
        return;
    if (x <= 0)
        diag_error(v->loc, "learning_rate must be greater than 0, found %s", show(v->str));
    else
        c->spec->learning_rate = x;
}

static int get_fraction(const Node *v, const char *what, double *out)
{
    double x;
    if (!get_number(v, &x))
        return 0;
    if (x < 0 || x >= 1) {
        diag_error(v->loc, "%s must be at least 0 and less than 1, found %s", what, show(v->str));
        return 0;
    }
    *out = x;
    return 1;
}

/* optimizer: a name, or {name, momentum, beta1, beta2, epsilon}; PyTorch's defaults. */
static void field_optimizer(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    Spec *s = c->spec;
    s->optimizer = OPT_SGD;
    s->momentum = 0.9;
    s->beta1 = 0.9;
    s->beta2 = 0.999;
    s->epsilon = 1e-8;
    if (!v)
        return;
    int o = OPT_SGD;
    if (v->kind != NODE_MAP) {
        if (get_choice(v, "optimizer", optimizer_names, OPT_COUNT, &o))
            s->optimizer = (Optimizer)o;
        return;
    }
    static const char *const keys[] = {"name", "momentum", "beta1", "beta2", "epsilon"};
    const Node *val[ARRAY_LEN(keys)], *k[ARRAY_LEN(keys)];
    read_keys(v, " in optimizer", keys, ARRAY_LEN(keys), val, k);
    if (!val[0]) {
        diag_error(v->loc, "optimizer has no 'name' (sgd, momentum or adam)");
        return;
    }
    if (!get_choice(val[0], "optimizer", optimizer_names, OPT_COUNT, &o))
        return;
    s->optimizer = (Optimizer)o;
    /* Which settings each optimiser reads: a setting it ignores is a mistake worth naming. */
    static const int applies[OPT_COUNT][5] = {
        [OPT_SGD] = {1, 0, 0, 0, 0}, [OPT_MOMENTUM] = {1, 1, 0, 0, 0}, [OPT_ADAM] = {1, 0, 1, 1, 1}};
    static const char *const takes[OPT_COUNT] = {
        [OPT_SGD] = "sgd takes no settings", [OPT_MOMENTUM] = "momentum takes 'momentum'",
        [OPT_ADAM] = "adam takes 'beta1', 'beta2' and 'epsilon'"};
    for (int i = 1; i < 5; i++) {
        if (val[i] && !applies[o][i]) {
            diag_error(k[i]->loc, "'%s' does not apply to the %s optimizer (%s)", keys[i], optimizer_names[o], takes[o]);
            val[i] = NULL;
        }
    }
    if (val[1])
        get_fraction(val[1], "momentum", &s->momentum);
    if (val[2])
        get_fraction(val[2], "beta1", &s->beta1);
    if (val[3])
        get_fraction(val[3], "beta2", &s->beta2);
    double eps;
    if (val[4] && get_number(val[4], &eps)) {
        if (eps <= 0)
            diag_error(val[4]->loc, "epsilon must be greater than 0, found %s", show(val[4]->str));
        else
            s->epsilon = eps;
    }
}

static void field_weight_decay(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    double x;
    if (!v || !get_number(v, &x))
        return;
    if (x < 0)
        diag_error(v->loc, "weight_decay must be at least 0, found %s", show(v->str));
    else
        c->spec->weight_decay = x;
}

static void field_batch_size(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    /* Rosenblatt's rule is per sample, as the notes write it: W <- W + a(y - y^)X for each X. */
    c->spec->batch_size = c->loss_ok && c->spec->loss == LOSS_PERCEPTRON ? 1 : 0;
    if (v)
        get_int32(v, "batch_size", 0, 100000000, &c->spec->batch_size);
}

static void field_shuffle(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    c->spec->shuffle = 1;
    if (v)
        get_bool(v, &c->spec->shuffle);
}

static void field_precision(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    int p = PREC_FLOAT32;
    if (v)
        get_choice(v, "precision", precision_names, PREC_COUNT, &p);
    c->spec->precision = (Precision)p;
}

static void field_log_every(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    c->spec->log_every = 10;
    if (v)
        get_int32(v, "log_every", 1, INT_MAX, &c->spec->log_every);
}

/* ---- data sources ------------------------------------------------------------------------ */

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    if (a < b)
        return 0;
    for (size_t i = 0; i < b; i++)
        if (tolower((unsigned char)s[a - b + i]) != suffix[i])
            return 0;
    return 1;
}

/* Defaults of a generator that fits the network: one class per softmax unit, else two. */
static void source_generator_defaults(Ctx *c, SourceSpec *src, Generator g, int64_t seed)
{
    const Spec *s = c->spec;
    src->kind = RT_SRC_GENERATOR;
    src->generator = g;
    src->samples = 100;
    static const double noise[GEN_COUNT] = {[GEN_BLOBS] = 1.0, [GEN_CIRCLES] = 0.1, [GEN_MOONS] = 0.1,
                                            [GEN_XOR] = 0.1, [GEN_AND] = 0.0, [GEN_OR] = 0.0};
    src->noise = noise[g];
    src->factor = 0.3;
    int softmax = c->layers_ok && s->layers[s->n_layers - 1].act == ACT_SOFTMAX;
    src->centers = softmax ? s->layers[s->n_layers - 1].units : 2;
    src->seed = seed;
}

/* What a generator's labels need from the network: 2-D points, and classes the output can name. */
static void source_generator_check(Ctx *c, const SourceSpec *src, Loc gen_loc, Loc centers_loc)
{
    const Spec *s = c->spec;
    if (src->generator != GEN_BLOBS && c->input_ok && s->inputs != 2)
        diag_error(gen_loc, "the %s generator makes 2-D points, but the network has %d input%s; set 'input: 2'",
                   generator_names[src->generator], s->inputs, s->inputs == 1 ? "" : "s");
    if (!c->layers_ok || !c->loss_ok)
        return; /* the loss's own error says enough */
    int classes = src->generator == GEN_BLOBS ? src->centers : 2;
    int outputs = s->layers[s->n_layers - 1].units;
    if (s->loss == LOSS_CROSS_ENTROPY && classes > outputs)
        diag_error(centers_loc, "the generator makes %d classes, but the softmax output has %d units", classes, outputs);
    if ((s->loss == LOSS_LOG_LOSS || s->loss == LOSS_PERCEPTRON) && classes != 2)
        diag_error(centers_loc, "%s separates 2 classes, but the generator makes %d", loss_names[s->loss], classes);
}

enum { SK_PATH, SK_LABEL, SK_HEADER, SK_IMAGES, SK_LABELS, SK_X, SK_Y,
       SK_GENERATOR, SK_SAMPLES, SK_NOISE, SK_FACTOR, SK_CENTERS, SK_SEED, SK_COUNT };
static const char *const source_keys[SK_COUNT] = {
    "path", "label", "header", "images", "labels", "x", "y",
    "generator", "samples", "noise", "factor", "centers", "seed"};

static void source_read(Ctx *c, SourceSpec *src, const Node *v, const char *which, int64_t default_seed)
{
    src->loc = v->loc;
    src->label = RT_LABEL_LAST;
    src->header = RT_HEADER_AUTO;
    if (v->kind == NODE_SCALAR) {
        const char *p = v->str;
        if (!get_path(v, c->path, &src->path))
            return;
        if (ends_with(p, ".csv")) {
            src->kind = RT_SRC_CSV;
            return;
        }
        if (ends_with(p, ".npy"))
            diag_error(v->loc, "a .npy file holds features or labels, not both: write {x: FEATURES.npy, y: LABELS.npy}");
        else if (ends_with(p, ".h5") || ends_with(p, ".hdf5"))
            diag_error(v->loc, "an HDF5 file needs its dataset names: write {path: %s, x: DATASET, y: DATASET}", show(p));
        else if (ends_with(p, ".gz") || ends_with(p, ".idx") || ends_with(p, "-ubyte") || strstr(p, "-ubyte") ||
                 strstr(p, ".idx"))
            diag_error(v->loc, "IDX data comes in two files: write {images: IMAGES, labels: LABELS}");
        else
            diag_error(v->loc, "cannot tell the format of '%s' from its extension (.csv, .npy, .h5, .idx); "
                               "for a CSV file write {path: %s}", show(p), show(p));
        free(src->path);
        src->path = NULL;
        return;
    }
    if (v->kind != NODE_MAP) {
        diag_error(v->loc, "expected a file path or a mapping for data.%s, found a list", which);
        return;
    }
    const Node *val[SK_COUNT], *key[SK_COUNT];
    char where[32];
    snprintf(where, sizeof where, " in data.%s", which);
    read_keys(v, where, source_keys, SK_COUNT, val, key);

    /* The kind comes from the keys that only one kind has. */
    int allowed[SK_COUNT] = {0};
    const char *kind_name;
    if (val[SK_GENERATOR]) {
        kind_name = "a generator";
        allowed[SK_GENERATOR] = allowed[SK_SAMPLES] = allowed[SK_NOISE] = allowed[SK_FACTOR] = allowed[SK_CENTERS] =
            allowed[SK_SEED] = 1;
        src->kind = RT_SRC_GENERATOR;
    } else if (val[SK_IMAGES] || val[SK_LABELS]) {
        kind_name = "IDX data";
        allowed[SK_IMAGES] = allowed[SK_LABELS] = 1;
        src->kind = RT_SRC_IDX;
    } else if (val[SK_PATH] && (val[SK_X] || val[SK_Y])) {
        kind_name = "an HDF5 file";
        allowed[SK_PATH] = allowed[SK_X] = allowed[SK_Y] = 1;
        src->kind = RT_SRC_HDF5;
    } else if (val[SK_X] || val[SK_Y]) {
        kind_name = "NPY files";
        allowed[SK_X] = allowed[SK_Y] = 1;
        src->kind = RT_SRC_NPY;
    } else if (val[SK_PATH]) {
        kind_name = "a CSV file";
        allowed[SK_PATH] = allowed[SK_LABEL] = allowed[SK_HEADER] = 1;
        src->kind = RT_SRC_CSV;
    } else {
        diag_error(v->loc, "data.%s needs 'path' (CSV, HDF5), 'images' (IDX), 'x' (NPY) or 'generator'", which);
        src->kind = RT_SRC_NONE;
        return;
    }
    int ok = 1;
    for (int i = 0; i < SK_COUNT; i++) {
        if (val[i] && !allowed[i]) {
            diag_error(key[i]->loc, "'%s' does not apply to %s", source_keys[i], kind_name);
            val[i] = NULL;
            ok = 0;
        }
    }
    switch (src->kind) {
    case RT_SRC_CSV:
        get_path(val[SK_PATH], c->path, &src->path);
        if (ends_with(val[SK_PATH]->str, ".h5") || ends_with(val[SK_PATH]->str, ".hdf5"))
            diag_error(val[SK_PATH]->loc, "an HDF5 file needs its dataset names: add 'x: DATASET' and 'y: DATASET'");
        else if (ends_with(val[SK_PATH]->str, ".npy"))
            diag_error(val[SK_PATH]->loc, "a .npy file holds features or labels, not both: write {x: FEATURES.npy, y: LABELS.npy}");
        src->label_given = val[SK_LABEL] != NULL;
        src->header_given = val[SK_HEADER] != NULL;
        if (val[SK_LABEL]) {
            const Node *l = val[SK_LABEL];
            int word = l->kind == NODE_SCALAR && l->plain;
            if (word && strcmp(l->str, "last") == 0)
                src->label = RT_LABEL_LAST;
            else if (word && strcmp(l->str, "first") == 0)
                src->label = RT_LABEL_FIRST;
            else if (word && l->str[0] && strspn(l->str, "+-0123456789") == strlen(l->str))
                get_int32(l, "label column (0-based)", 0, NNCC_MAX_UNITS, &src->label);
            else if (l->kind == NODE_SCALAR && l->str[0])
                src->label_name = xstrdup(l->str); /* a header name: the loader finds the column */
            else
                diag_error(l->loc, "expected label: last, first, a 0-based column number or a header name, found %s",
                           found(l));
        }
        if (val[SK_HEADER]) {
            const Node *h = val[SK_HEADER];
            if (h->kind == NODE_SCALAR && strcmp(h->str, "auto") == 0)
                src->header = RT_HEADER_AUTO;
            else
                get_bool(h, &src->header);
            if (src->label_name && src->header == 0)
                diag_error(h->loc, "label '%s' names a header column, but 'header: false' says there is no header",
                           show(src->label_name));
        }
        break;
    case RT_SRC_IDX:
        if (!val[SK_IMAGES] || !val[SK_LABELS]) {
            diag_error(v->loc, "IDX data needs both 'images' and 'labels'");
            ok = 0;
        }
        if (val[SK_IMAGES])
            get_path(val[SK_IMAGES], c->path, &src->path);
        if (val[SK_LABELS])
            get_path(val[SK_LABELS], c->path, &src->y);
        break;
    case RT_SRC_NPY:
        if (!val[SK_X] || !val[SK_Y])
            diag_error(v->loc, "NPY data needs both 'x' (features) and 'y' (labels)");
        if (val[SK_X])
            get_path(val[SK_X], c->path, &src->path);
        if (val[SK_Y])
            get_path(val[SK_Y], c->path, &src->y);
        break;
    case RT_SRC_HDF5:
        get_path(val[SK_PATH], c->path, &src->path);
        if (!val[SK_X] || !val[SK_Y])
            diag_error(v->loc, "HDF5 data needs both 'x' and 'y' (dataset names inside the file)");
        if (val[SK_X] && is_scalar(val[SK_X], "a dataset name"))
            src->x = xstrdup(val[SK_X]->str);
        if (val[SK_Y] && is_scalar(val[SK_Y], "a dataset name"))
            src->y = xstrdup(val[SK_Y]->str);
        break;
    case RT_SRC_GENERATOR: {
        int g = GEN_BLOBS;
        if (!get_choice(val[SK_GENERATOR], "generator", generator_names, GEN_COUNT, &g)) {
            src->kind = RT_SRC_NONE;
            return;
        }
        source_generator_defaults(c, src, (Generator)g, default_seed);
        if (val[SK_SAMPLES])
            ok &= get_int32(val[SK_SAMPLES], "samples", 1, 10000000, &src->samples);
        double x;
        if (val[SK_NOISE] && (ok &= get_number(val[SK_NOISE], &x))) {
            if (x < 0)
                diag_error(val[SK_NOISE]->loc, "noise must be at least 0, found %s", show(val[SK_NOISE]->str));
            else
                src->noise = x;
        }
        if (val[SK_FACTOR] && g != GEN_CIRCLES) {
            diag_error(key[SK_FACTOR]->loc, "'factor' applies to the circles generator only");
        } else if (val[SK_FACTOR] && get_number(val[SK_FACTOR], &x)) {
            if (x <= 0 || x >= 1)
                diag_error(val[SK_FACTOR]->loc, "factor must be between 0 and 1 (exclusive), found %s",
                           show(val[SK_FACTOR]->str));
            else
                src->factor = x;
        }
        Loc centers_loc = val[SK_GENERATOR]->loc;
        if (val[SK_CENTERS] && g != GEN_BLOBS) {
            diag_error(key[SK_CENTERS]->loc, "'centers' applies to the blobs generator only");
            ok = 0;
        } else if (val[SK_CENTERS]) {
            centers_loc = val[SK_CENTERS]->loc;
            ok &= get_int32(val[SK_CENTERS], "centers", 2, 1000000, &src->centers);
        }
        if (val[SK_SEED])
            ok &= get_int(val[SK_SEED], "seed", 0, INT64_MAX, &src->seed);
        if (ok)
            source_generator_check(c, src, val[SK_GENERATOR]->loc, centers_loc);
        break;
    }
    default:
        unreachable();
    }
    (void)ok;
}

/* data.augment: {flip: horizontal | none, shift: N}, for an image input ([H, W] or [C, H, W]). */
static void augment_read(Ctx *c, const Node *v)
{
    Spec *s = c->spec;
    if (v->kind != NODE_MAP) {
        diag_error(v->loc, "expected a mapping {flip: horizontal, shift: N}, found %s", found(v));
        return;
    }
    const Node *val[2];
    static const char *const keys[] = {"flip", "shift"};
    read_keys(v, " in data.augment", keys, 2, val, NULL);
    if (c->input_ok && s->input_rank != 2 && s->input_rank != 3) {
        char what[64];
        if (s->input_rank == 1) snprintf(what, sizeof what, "%d features", s->inputs);
        else snprintf(what, sizeof what, "of %d dimensions", s->input_rank);
        diag_error(v->loc, "data.augment flips and shifts images: it needs an image input, 'input: [H, W]' or "
                           "'input: [C, H, W]'; the input is %s", what);
        return;
    }
    static const char *const flips[] = {"none", "horizontal"};
    if (val[0])
        get_choice(val[0], "flip", flips, 2, &s->augment_flip);
    if (val[1] && c->input_ok) {
        const int h = s->input_shape[s->input_rank - 2], w = s->input_shape[s->input_rank - 1];
        get_int32(val[1], "shift", 0, (h < w ? h : w) - 1, &s->augment_shift);
    }
}

static void field_data(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    Spec *s = c->spec;
    s->normalize = NORM_NONE;
    s->test.kind = s->val.kind = RT_SRC_NONE;
    const Node *val[5] = {NULL, NULL, NULL, NULL, NULL};
    if (v && v->kind != NODE_MAP) {
        diag_error(v->loc, "expected a mapping {train, test, validation, normalize, augment}, found %s", found(v));
        v = NULL;
    }
    if (v) {
        static const char *const keys[] = {"train", "test", "normalize", "validation", "augment"};
        read_keys(v, " in data", keys, 5, val, NULL);
    }
    if (val[0]) {
        source_read(c, &s->train, val[0], "train", s->seed);
    } else {
        /* No data: a generator that fits the network, so every example runs with no files. */
        source_generator_defaults(c, &s->train, GEN_BLOBS, s->seed);
        s->train.loc = v ? v->loc : (Loc){0, 0};
        if (c->layers_ok && c->input_ok)
            source_generator_check(c, &s->train, s->train.loc, s->train.loc);
    }
    /* A test generator is the training set's split 1: same seed (so blobs share their centres),
     * samples from another stream (so it never repeats the training set). */
    if (val[1]) {
        source_read(c, &s->test, val[1], "test", s->seed);
        s->test.split = 1;
        c->data_test = 1; /* even if broken: "no test" would be a second, wrong message */
    }
    /* Validation: a fraction of the training set (a plain number), or a source of its own. */
    const Node *vv = val[3];
    double x;
    if (vv && vv->kind == NODE_SCALAR && vv->plain && parse_decimal(vv->str, &x)) {
        if (get_number(vv, &x) && (x <= 0 || x >= 1))
            diag_error(vv->loc, "validation must be a fraction between 0 and 1 (exclusive), or a data source; found %s",
                       show(vv->str));
        else
            s->validation = x;
    } else if (vv) {
        source_read(c, &s->val, vv, "validation", s->seed);
        s->val.split = 2;
    }
    /* A CSV test or validation file that does not say where its label is has the training
     * file's layout: `test: test.csv` beside `train: {path: train.csv, label: species}`. */
    SourceSpec *later[] = {&s->test, &s->val};
    for (size_t i = 0; i < ARRAY_LEN(later) && s->train.kind == RT_SRC_CSV; i++) {
        SourceSpec *t = later[i];
        if (t->kind != RT_SRC_CSV)
            continue;
        if (!t->label_given) {
            t->label = s->train.label;
            t->label_name = s->train.label_name ? xstrdup(s->train.label_name) : NULL;
        }
        if (!t->header_given)
            t->header = s->train.header;
    }
    int n = NORM_NONE;
    if (val[2])
        get_choice(val[2], "normalization", normalization_names, NORM_COUNT, &n);
    s->normalize = (Normalization)n;
    if (val[4])
        augment_read(c, val[4]);
}

static void field_early_stopping(Ctx *c, const Node *key, const Node *v)
{
    Spec *s = c->spec;
    s->patience = 10;
    s->min_delta = 0;
    if (!v)
        return;
    int on = 1;
    if (v->kind == NODE_MAP) {
        static const char *const keys[] = {"patience", "min_delta"};
        const Node *val[2];
        read_keys(v, " in early_stopping", keys, 2, val, NULL);
        if (val[0])
            get_int32(val[0], "patience", 1, INT_MAX, &s->patience);
        double x;
        if (val[1] && get_number(val[1], &x)) {
            if (x < 0)
                diag_error(val[1]->loc, "min_delta must be at least 0, found %s", show(val[1]->str));
            else
                s->min_delta = x;
        }
    } else if (v->kind != NODE_SCALAR || !v->plain || (strcmp(v->str, "true") && strcmp(v->str, "false"))) {
        diag_error(v->loc, "expected a mapping {patience, min_delta} (or true/false), found %s", found(v));
        return;
    } else {
        get_bool(v, &on);
    }
    (void)key;
    s->early_stopping = on; /* it watches validation: data.validation, or 10% the runtime holds out */
}

/* lr_schedule: {name: step, every, gamma} | {name: exponential, gamma} | {name: cosine, min}, each
 * with an optional warmup in epochs; or a name alone where nothing is required (cosine, none). */
static void field_lr_schedule(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    Spec *s = c->spec;
    s->lr_schedule = RT_LR_CONSTANT;
    s->lr_gamma = 0.1; /* StepLR's default */
    if (!v)
        return;
    static const char *const names[] = {"none", "step", "exponential", "cosine"};
    enum { K_NAME, K_EVERY, K_GAMMA, K_MIN, K_WARMUP, K_COUNT };
    static const char *const keys[K_COUNT] = {"name", "every", "gamma", "min", "warmup"};
    const Node *val[K_COUNT] = {NULL}, *kn[K_COUNT] = {NULL};
    if (v->kind == NODE_SCALAR)
        val[K_NAME] = v;
    else if (v->kind == NODE_MAP)
        read_keys(v, " in lr_schedule", keys, K_COUNT, val, kn);
    else {
        diag_error(v->loc, "expected a mapping {name: step|exponential|cosine, ...}, found %s", found(v));
        return;
    }
    if (!val[K_NAME]) {
        diag_error(v->loc, "lr_schedule needs a 'name': step, exponential or cosine");
        return;
    }
    int n = 0;
    if (!get_choice(val[K_NAME], "lr_schedule", names, (int)ARRAY_LEN(names), &n))
        return;
    s->lr_schedule = n;
    /* Which keys each schedule takes (name and warmup: all), and which it needs. */
    static const int takes[4][K_COUNT] = {{1, 0, 0, 0, 1}, {1, 1, 1, 0, 1}, {1, 0, 1, 0, 1}, {1, 0, 0, 1, 1}};
    for (int k = K_EVERY; k < K_COUNT; k++)
        if (val[k] && !takes[n][k]) {
            diag_error(kn[k]->loc, "'%s' does not apply to the %s schedule", keys[k], names[n]);
            val[k] = NULL;
        }
    if (n == RT_LR_STEP && !val[K_EVERY])
        diag_error(val[K_NAME]->loc, "the step schedule needs 'every' (epochs between decays)");
    if (n == RT_LR_EXPONENTIAL && !val[K_GAMMA])
        diag_error(val[K_NAME]->loc, "the exponential schedule needs 'gamma' (the factor per epoch)");
    if (val[K_EVERY])
        get_int32(val[K_EVERY], "every", 1, 100000000, &s->lr_every);
    double x;
    if (val[K_GAMMA] && get_number(val[K_GAMMA], &x)) {
        if (x <= 0 || x > 1)
            diag_error(val[K_GAMMA]->loc, "gamma must be in (0, 1], found %s", show(val[K_GAMMA]->str));
        else
            s->lr_gamma = x;
    }
    if (val[K_MIN] && get_number(val[K_MIN], &x)) {
        if (x < 0 || x >= s->learning_rate)
            diag_error(val[K_MIN]->loc, "min must be at least 0 and below learning_rate (%g), found %s", s->learning_rate,
                       show(val[K_MIN]->str));
        else
            s->lr_min = x;
    }
    if (val[K_WARMUP] && get_int32(val[K_WARMUP], "warmup", 0, 100000000, &s->lr_warmup) && s->epochs > 0 &&
        s->lr_warmup >= s->epochs)
        diag_error(val[K_WARMUP]->loc, "warmup (%d epochs) must be shorter than the %d epochs of training", s->lr_warmup,
                   s->epochs);
}

static void field_normalize_targets(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    Spec *s = c->spec;
    int n = NORM_NONE;
    if (v && get_choice(v, "normalization", normalization_names, NORM_COUNT, &n) && n != NORM_NONE && c->loss_ok &&
        s->loss != LOSS_MSE)
        diag_error(v->loc, "normalize_targets scales regression targets, but the loss is %s (labels are classes)",
                   loss_names[s->loss]);
    s->normalize_targets = (Normalization)n;
}

/* classes: [setosa, versicolor, virginica]: the class order, and the names everything prints. */
static void field_classes(Ctx *c, const Node *key, const Node *v)
{
    (void)key;
    Spec *s = c->spec;
    if (!v)
        return;
    s->classes_loc = v->loc;
    if (v->kind != NODE_SEQ) {
        diag_error(v->loc, "expected a list of class names, found %s", found(v));
        return;
    }
    if (c->loss_ok) {
        const LayerSpec *out = &s->layers[s->n_layers - 1];
        int want = s->loss == LOSS_CROSS_ENTROPY ? out->units : 2;
        if (s->loss == LOSS_MSE) {
            diag_error(v->loc, "classes name the classes of a classifier, but the loss is mse (regression)");
            return;
        }
        if (v->n != want) {
            diag_error(v->loc, "expected %d class names (the %s output's classes), found %d", want,
                       s->loss == LOSS_CROSS_ENTROPY ? "softmax" : "binary", v->n);
            return;
        }
    }
    s->classes = xcalloc((size_t)v->n, sizeof *s->classes);
    for (int i = 0; i < v->n; i++) {
        const Node *it = v->items[i];
        if (!is_scalar(it, "a class name"))
            continue;
        if (!it->str[0])
            diag_error(it->loc, "a class name cannot be empty");
        for (int j = 0; j < s->n_classes; j++)
            if (strcmp(s->classes[j], it->str) == 0)
                diag_error(it->loc, "class '%s' is named twice", show(it->str));
        s->classes[s->n_classes++] = xstrdup(it->str);
    }
}

/* The order of this table is the order of work: each key may use those before it. */
static const Field fields[] = {
    {"name", field_name},
    {"input", field_input},
    {"seed", field_seed},
    {"epochs", field_epochs},
    {"activation", field_activation},
    {"init", field_init},
    {"layers", field_layers},
    {"loss", field_loss},
    {"learning_rate", field_learning_rate},
    {"optimizer", field_optimizer},
    {"weight_decay", field_weight_decay},
    {"batch_size", field_batch_size},
    {"shuffle", field_shuffle},
    {"precision", field_precision},
    {"log_every", field_log_every},
    {"data", field_data},
    {"early_stopping", field_early_stopping},
    {"lr_schedule", field_lr_schedule},
    {"normalize_targets", field_normalize_targets},
    {"classes", field_classes},
};

int validate(const Node *root, const char *path, Spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->path = path;
    Ctx c = {.spec = spec, .path = path, .root = root};
    if (!root || root->kind != NODE_MAP) {
        if (root)
            diag_error(root->loc, "expected a mapping of keys (input, layers, ...) at the top level, found %s",
                       found(root));
        return diag_count() == 0;
    }
    const char *names[ARRAY_LEN(fields)];
    const Node *vals[ARRAY_LEN(fields)], *keys[ARRAY_LEN(fields)];
    for (size_t i = 0; i < ARRAY_LEN(fields); i++)
        names[i] = fields[i].key;
    read_keys(root, "", names, ARRAY_LEN(fields), vals, keys);
    for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
        fields[i].handle(&c, keys[i], vals[i]);
        if (fields[i].handle == field_loss)
            check_step(&c);
    }
    return diag_count() == 0;
}

static void source_free(SourceSpec *src)
{
    free(src->path);
    free(src->x);
    free(src->y);
    free(src->label_name);
    src->path = src->x = src->y = src->label_name = NULL;
}

void validate_free(Spec *spec)
{
    for (int i = 0; i < spec->n_layers; i++) {
        free(spec->layers[i].weights);
        free(spec->layers[i].bias);
        spec->layers[i].weights = spec->layers[i].bias = NULL;
    }
    source_free(&spec->train);
    source_free(&spec->test);
    source_free(&spec->val);
    for (int i = 0; i < spec->n_classes; i++)
        free(spec->classes[i]);
    free(spec->classes);
    spec->classes = NULL;
    spec->n_classes = 0;
}
