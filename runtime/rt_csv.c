/* rt_csv.c — the CSV loader: a table of numbers (class labels as numbers or names) in, features and
 * checked labels out, every bad row located. */
#include "nncc_rt.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* The file is read whole, its lines indexed in one serial pass, and the rows parsed in parallel:
 * a 60000 x 785 Fashion-MNIST CSV is 47 million fields, so the per-field cost is what matters.
 * Numbers take a fast exact path (Clinger) and fall back to strtod, so every value is
 * bit-identical to strtod's. Errors are recorded per row during the parallel pass and printed in
 * file order afterwards, so the messages do not depend on the thread count. */

#define MAX_ERRORS 20

/* One non-blank line: [start, end) excludes the line break and trailing blanks. */
struct line {
    size_t start, end;
    long lineno; /* 1-based, counting blank lines and the header */
};

enum row_error { ROW_OK, ROW_COLUMNS, ROW_EMPTY, ROW_NOT_NUMBER, ROW_NOT_FINITE, ROW_LABEL };

/* What went wrong in a row, enough to write the message later: the first problem only. */
struct row_status {
    int kind; /* enum row_error */
    int col;  /* 0-based column, or the number of columns found for ROW_COLUMNS */
    double v; /* the offending label */
};

/* Exact powers of ten: every 10^k with k <= 22 is representable in a double. */
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
static int is_digit(char c) { return (unsigned)(c - '0') < 10u; }

/* [s, e) is one trimmed field; e points at a ',', a blank, a '"', a line break or the buffer's
 * terminating NUL, none of which strtod can consume, so strtod never reads past the field.
 * Returns 0 with *out set, or -1 when the field is not a number (NaN and Inf are numbers here;
 * the caller rejects them with their own message). */
static int parse_number(const char *s, const char *e, double *out)
{
    const char *p = s;
    int neg = 0;
    if (p < e && (*p == '+' || *p == '-'))
        neg = *p++ == '-';

    /* Decimal mantissa m (significant digits only: leading zeros do not count), exponent ex. */
    uint64_t m = 0;
    int sig = 0, digits = 0, frac = 0;
    for (; p < e && is_digit(*p); p++, digits++) {
        if (m == 0 && *p == '0')
            continue;
        if (++sig <= 19)
            m = m * 10 + (uint64_t)(*p - '0');
    }
    if (p < e && *p == '.') {
        for (p++; p < e && is_digit(*p); p++, digits++, frac++) {
            if (m == 0 && *p == '0')
                continue;
            if (++sig <= 19)
                m = m * 10 + (uint64_t)(*p - '0');
        }
    }
    int ex = 0;
    if (digits > 0 && p < e && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        int eneg = 0;
        if (q < e && (*q == '+' || *q == '-'))
            eneg = *q++ == '-';
        if (q < e && is_digit(*q)) {
            for (; q < e && is_digit(*q); q++)
                if (ex < 100000) /* beyond that only strtod's over/underflow matters */
                    ex = ex * 10 + (*q - '0');
            ex = eneg ? -ex : ex;
            p = q;
        }
    }
    if (digits > 0 && p == e) {
        if (m == 0) {
            *out = neg ? -0.0 : 0.0;
            return 0;
        }
        /* Clinger's fast path: m and 10^|k| are both exact doubles, so one IEEE multiply or
         * divide rounds once, exactly as a correctly rounded strtod would. */
        int k = ex - frac;
        if (sig <= 19 && m <= (UINT64_C(1) << 53) && k >= -22 && k <= 22) {
            double v = (double)m;
            v = k < 0 ? v / pow10_exact[-k] : v * pow10_exact[k];
            *out = neg ? -v : v;
            return 0;
        }
    }

    /* Everything else: long mantissas, large exponents, inf, nan, or not a number at all. Hex
     * floats are strtod's extension, not CSV: refuse them. */
    for (p = s; p < e; p++)
        if (*p == 'x' || *p == 'X')
            return -1;
    char *end;
    double v = strtod(s, &end);
    if (s == e || end != e)
        return -1;
    *out = v;
    return 0;
}

/* Splits off the field starting at p: returns its end (the ',' or line end), sets the trimmed
 * field [*fs, *fe). A field wrapped in double quotes (pandas' QUOTE_ALL) is unwrapped. */
static const char *next_field(const char *p, const char *end, const char **fs, const char **fe)
{
    const char *q = memchr(p, ',', (size_t)(end - p));
    if (!q)
        q = end;
    const char *a = p, *b = q;
    while (a < b && (*a == ' ' || *a == '\t'))
        a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
        b--;
    if (b - a >= 2 && *a == '"' && b[-1] == '"') {
        a++;
        b--;
    }
    *fs = a;
    *fe = b;
    return q;
}

static int count_columns(const char *p, const char *end)
{
    int n = 1;
    while ((p = memchr(p, ',', (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

/* The header rule for `header: auto`: a first row with any non-empty field that is not a number
 * is a header. Empty fields do not count, so a data row with a missing value is reported, not
 * silently skipped. */
static int looks_like_header(const char *p, const char *end)
{
    for (;;) {
        const char *fs, *fe;
        double v;
        const char *q = next_field(p, end, &fs, &fe);
        if (fs < fe && parse_number(fs, fe, &v) != 0)
            return 1;
        if (q == end)
            return 0;
        p = q + 1;
    }
}

/* Reads the whole file into a NUL-terminated buffer. Grows as it reads, so pipes work too; path
 * "-" is standard input (messages name it `shown`, "<stdin>"). */
static char *read_all(const char *path, const char *shown, size_t *size)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        rt_error(shown, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    size_t cap = 1 << 16, n = 0;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        cap = (size_t)st.st_size + 2; /* room for the NUL and for the read that sees EOF */
    char *buf = malloc(cap);
    int failed = 0;
    if (!buf) {
        rt_error(shown, 0, "out of memory: %zu bytes", cap);
        failed = 1;
    }
    while (!failed) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                rt_error(shown, 0, "out of memory: %zu bytes", cap * 2);
                failed = 1;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        /* A NUL is no text: stop at once, so /dev/zero or a binary file named .csv is an error
         * at its line, not a buffer that doubles until memory runs out. */
        const char *nul = memchr(buf + n, '\0', got);
        if (nul) {
            long line = 1;
            for (const char *p = buf; p < nul; p++) line += *p == '\n';
            rt_error(shown, line, "a NUL byte (byte %zu): this is not a text CSV file", (size_t)(nul - buf) + 1);
            failed = 1;
            break;
        }
        n += got;
        if (got == 0)
            break;
    }
    if (!failed && ferror(f)) {
        rt_error(shown, 0, "cannot read: %s", strerror(errno));
        failed = 1;
    }
    if (!is_stdin)
        fclose(f);
    if (failed) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (n > 0 && !memchr(buf, '\n', n) && memchr(buf, '\r', n)) {
        rt_error(shown, 0, "the lines end in CR alone (classic Mac OS); convert them: tr '\\r' '\\n' < IN > OUT");
        free(buf);
        return NULL;
    }
    *size = n;
    return buf;
}

/* Indexes the non-blank lines of buf[0..size). Returns the count, or -1 when out of memory. */
static long index_lines(const char *path, const char *buf, size_t size, struct line **out)
{
    size_t cap = 1024, pos = 0;
    long n = 0, lineno = 0;
    struct line *lines = malloc(cap * sizeof *lines);
    if (!lines) {
        rt_error(path, 0, "out of memory: %zu bytes", cap * sizeof *lines);
        return -1;
    }
    if (size >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3; /* a UTF-8 byte order mark, as Excel writes it */
    while (pos < size) {
        const char *nl = memchr(buf + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - buf) : size, next = nl ? end + 1 : size;
        lineno++;
        size_t a = pos, b = end;
        while (a < b && is_blank(buf[a]))
            a++;
        while (b > a && is_blank(buf[b - 1]))
            b--;
        if (a < b) {
            if ((size_t)n == cap) {
                struct line *nl2 = realloc(lines, 2 * cap * sizeof *lines);
                if (!nl2) {
                    rt_error(path, 0, "out of memory: %zu bytes", 2 * cap * sizeof *lines);
                    free(lines);
                    return -1;
                }
                lines = nl2;
                cap *= 2;
            }
            lines[n].start = a;
            lines[n].end = b;
            lines[n].lineno = lineno;
            n++;
        }
        pos = next;
    }
    *out = lines;
    return n;
}

/* How the columns of a data row map onto x and y. */
struct layout {
    int d, ny;   /* features; label columns per row (0: --predict rows without labels) */
    int ncols;   /* d + ny: what every row must have */
    int lab;     /* first label column */
    int ny_task; /* labels per sample the task wants, for messages */
    int names;   /* 1: the label column holds class names, kept as text spans for a serial pass */
};

/* A label written as a name: bytes [start, end) of the buffer, trimmed and unquoted. */
struct span {
    size_t start, end;
};

/* The common case in one pass: a plain decimal that Clinger's fast path converts exactly, read
 * straight from the cursor. Returns the end of the number, or NULL to send the field to the
 * general path (blanks, quotes, long mantissas, big exponents, inf/nan, garbage). */
static const char *fast_number(const char *p, const char *end, double *out)
{
    int neg = 0;
    if (p < end && *p == '-') {
        neg = 1;
        p++;
    }
    uint64_t m = 0;
    int digits = 0, frac = 0;
    for (; p < end && is_digit(*p); p++, digits++)
        m = m * 10 + (uint64_t)(*p - '0');
    if (p < end && *p == '.')
        for (p++; p < end && is_digit(*p); p++, digits++, frac++)
            m = m * 10 + (uint64_t)(*p - '0');
    /* 19 digits cannot overflow 64 bits; leading zeros make this refuse a few exact cases, which
     * the general path then handles. */
    if (digits == 0 || digits > 19 || m > (UINT64_C(1) << 53))
        return NULL;
    int k = -frac;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0, ex = 0, ed = 0;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        for (; p < end && is_digit(*p) && ed < 4; p++, ed++)
            ex = ex * 10 + (*p - '0');
        if (ed == 0 || ed == 4)
            return NULL;
        k += eneg ? -ex : ex;
    }
    if (k < -22 || k > 22)
        return NULL;
    double v = (double)m;
    v = k < 0 ? v / pow10_exact[-k] : v * pow10_exact[k];
    *out = neg ? -v : v;
    return p;
}

/* Parses one row into x[0..d) and y[0..ny); returns the first problem found. A wrong column
 * count outranks a bad field: it usually means the whole row is shifted. With lay->names the
 * label field is not a number but a class name: its span goes to *name, its index is found later. */
static struct row_status parse_row(const char *buf, const struct line *ln, const struct layout *lay,
                                   const rt_shape *shape, double *x, double *y, struct span *name)
{
    struct row_status st = {ROW_OK, 0, 0.0};
    const char *p = buf + ln->start, *end = buf + ln->end;
    int col = 0;
    for (;; col++) {
        const char *q;
        if (col >= lay->ncols || st.kind != ROW_OK) {
            /* Only counting columns now. */
            q = memchr(p, ',', (size_t)(end - p));
            if (!q)
                break;
            p = q + 1;
            continue;
        }
        int is_label = col >= lay->lab && col < lay->lab + lay->ny;
        if (is_label && lay->names) {
            const char *fs, *fe;
            q = next_field(p, end, &fs, &fe);
            if (fs == fe) {
                st.kind = ROW_EMPTY;
                st.col = col;
            } else {
                name->start = (size_t)(fs - buf);
                name->end = (size_t)(fe - buf);
                y[col - lay->lab] = 0; /* the class index, set by the serial pass */
            }
            if (q == end)
                break;
            p = q + 1;
            continue;
        }
        double v = 0;
        q = fast_number(p, end, &v);
        if (!q || (q != end && *q != ',')) {
            const char *fs, *fe;
            q = next_field(p, end, &fs, &fe);
            if (fs == fe) {
                st.kind = ROW_EMPTY;
                st.col = col;
            } else if (parse_number(fs, fe, &v) != 0) {
                st.kind = ROW_NOT_NUMBER;
                st.col = col;
            } else if (!isfinite(v)) {
                st.kind = ROW_NOT_FINITE;
                st.col = col;
            }
        }
        if (st.kind == ROW_OK) {
            if (is_label) {
                char why[64];
                y[col - lay->lab] = v;
                if (rt_label_check(shape, v, why) != 0) {
                    st.kind = ROW_LABEL;
                    st.col = col;
                    st.v = v;
                }
            } else {
                x[col < lay->lab ? col : col - lay->ny] = v;
            }
        }
        if (q == end)
            break;
        p = q + 1;
    }
    if (col + 1 != lay->ncols) {
        st.kind = ROW_COLUMNS;
        st.col = col + 1;
    }
    return st;
}

static const char *plural(int n) { return n == 1 ? "" : "s"; }

/* Prints one row's problem at its line. Columns are counted from 1, as editors and
 * spreadsheets show them. */
static void report(const char *path, const char *buf, const struct line *ln, const struct layout *lay,
                   const rt_shape *shape, struct row_status st)
{
    const char *fs = NULL, *fe = NULL;
    if (st.kind != ROW_COLUMNS) {
        const char *p = buf + ln->start, *end = buf + ln->end;
        for (int c = 0;; c++) {
            const char *q = next_field(p, end, &fs, &fe);
            if (c == st.col || q == end)
                break;
            p = q + 1;
        }
    }
    int flen = fs ? (int)(fe - fs) : 0;
    if (flen > 40)
        flen = 40; /* enough to recognise the field, short enough to read */
    switch (st.kind) {
    case ROW_COLUMNS:
        if (lay->ny > 0)
            rt_error(path, ln->lineno, "expected %d columns (%d feature%s, %d label%s), found %d", lay->ncols,
                     lay->d, plural(lay->d), lay->ny, plural(lay->ny), st.col);
        else
            rt_error(path, ln->lineno, "expected %d columns (%d feature%s, no labels, as in the first row), found %d",
                     lay->ncols, lay->d, plural(lay->d), st.col);
        break;
    case ROW_EMPTY:
        rt_error(path, ln->lineno, "column %d is empty", st.col + 1);
        break;
    case ROW_NOT_NUMBER:
        rt_error(path, ln->lineno, "column %d: '%.*s' is not a number", st.col + 1, flen, fs);
        break;
    case ROW_NOT_FINITE:
        rt_error(path, ln->lineno, "column %d: '%.*s' is not a finite number", st.col + 1, flen, fs);
        break;
    case ROW_LABEL: {
        char why[64];
        rt_label_check(shape, st.v, why);
        rt_error(path, ln->lineno, "%s", why);
        break;
    }
    default:
        break;
    }
}

/* ---- class names and header names ------------------------------------------------------ */

/* Field `col` (from 0) of the line [p, end), trimmed and unquoted; -1 when it has fewer fields. */
static int field_at(const char *p, const char *end, int col, const char **fs, const char **fe)
{
    for (int c = 0;; c++) {
        const char *q = next_field(p, end, fs, fe);
        if (c == col)
            return 0;
        if (q == end)
            return -1;
        p = q + 1;
    }
}

/* The label field of a line: column col, or the last field when last (found from the end, so a
 * 785-column row costs one short scan). 0 with its span, -1 when the line is too short. */
static int label_field(const char *buf, const struct line *ln, int col, int last, const char **fs,
                       const char **fe)
{
    const char *p = buf + ln->start, *end = buf + ln->end;
    if (!last)
        return field_at(p, end, col, fs, fe);
    const char *q = end;
    while (q > p && q[-1] != ',')
        q--;
    next_field(q, end, fs, fe);
    return 0;
}

/* 1 when a line's label field holds text that is not a number: the labels are then names. */
static int label_is_name(const char *buf, const struct line *ln, int col, int last)
{
    const char *fs, *fe;
    double v;
    return label_field(buf, ln, col, last, &fs, &fe) == 0 && fs < fe && parse_number(fs, fe, &v) != 0;
}

/* "a, b, c" into out[cap]: the first `most` names, each cut at 40 bytes, then how many in all. */
static void list_names(char *out, size_t cap, const char *const *names, int n, int most)
{
    size_t len = 0;
    out[0] = '\0';
    int shown = n < most ? n : most;
    for (int i = 0; i < shown; i++) {
        int w = snprintf(out + len, cap - len, "%s%.40s", i ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= cap - len)
            return; /* cut, still terminated */
        len += (size_t)w;
    }
    if (shown < n)
        snprintf(out + len, cap - len, ", ... (%d in all)", n);
}

/* A class name as bytes of the buffer, or one of a given list: compared as memcmp does, shorter
 * first on a common prefix, which is strcmp's order for names without NUL bytes. */
struct named {
    const char *s;
    size_t len;
    int index; /* row (names of a file) or class (a given list) */
};

static int named_cmp(const void *a, const void *b)
{
    const struct named *x = a, *y = b;
    int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static char *copy_text(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

static void free_names(char **names, int n)
{
    for (int i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

/* The fields of the header line, copied; NULL after a message when out of memory. */
static char **header_names(const char *path, const char *buf, const struct line *ln, int hc)
{
    char **names = calloc((size_t)hc, sizeof *names);
    const char *p = buf + ln->start, *end = buf + ln->end;
    for (int c = 0; names && c < hc; c++) {
        const char *fs, *fe;
        const char *q = next_field(p, end, &fs, &fe);
        if (!(names[c] = copy_text(fs, (size_t)(fe - fs)))) {
            free_names(names, c);
            names = NULL;
        }
        p = q < end ? q + 1 : end;
    }
    if (!names)
        rt_error(path, 0, "out of memory");
    return names;
}

/* The column `label: NAME` names in the header; -1 after a message listing the header. */
static int find_label_column(const char *path, long lineno, char **hnames, int hc, const char *want)
{
    int found = -1, near = -1;
    for (int c = 0; c < hc; c++) {
        if (strcmp(hnames[c], want) == 0) {
            if (found >= 0) {
                rt_error(path, lineno, "label '%s' names columns %d and %d of the header; give its number instead",
                         want, found + 1, c + 1);
                return -1;
            }
            found = c;
        } else if (near < 0 && strcasecmp(hnames[c], want) == 0) {
            near = c;
        }
    }
    if (found >= 0)
        return found;
    char list[800];
    list_names(list, sizeof list, (const char *const *)hnames, hc, 20);
    if (near >= 0)
        rt_error(path, lineno, "label '%s' is not a column of the header (did you mean '%s'?); it has: %s", want,
                 hnames[near], list);
    else
        rt_error(path, lineno, "label '%s' is not a column of the header; it has: %s", want, list);
    return -1;
}

/* The header rule for a first row whose only text is its label and whose features are numbered
 * as columns are (header: auto): a header of numbered features (`0,1,2,3,species`), or a data
 * row of small integers in a file whose labels are names (`0,1,2,3,setosa`). It is data when its
 * label is one of the classes given, else when another row has the same label; a header
 * otherwise. */
static int text_label_row_is_header(const char *buf, const struct line *lines, long nlines, int lab, int last,
                                    const rt_shape *shape)
{
    const char *ts, *te, *fs, *fe;
    if (nlines < 2 || label_field(buf, &lines[0], lab, last, &ts, &te))
        return 0;
    struct named t = {ts, (size_t)(te - ts), 0};
    if (shape->classes) {
        for (int k = 0; k < shape->n_classes; k++) {
            struct named c = {shape->classes[k], strlen(shape->classes[k]), k};
            if (named_cmp(&t, &c) == 0)
                return 0;
        }
        return 1;
    }
    for (long i = 1; i < nlines; i++) {
        if (label_field(buf, &lines[i], lab, last, &fs, &fe))
            continue;
        struct named o = {fs, (size_t)(fe - fs), 0};
        if (named_cmp(&t, &o) == 0)
            return 0;
    }
    return 1;
}

/* What a first line with text in it is, when only its label column `lab` may be text:
 * 0: a feature field is text too (a header, as looks_like_header says);
 * 1: only the label is text, the features are numbers: a data row of a file whose labels are
 *    names, since a header's features have names (so a typo in a first row's class is reported,
 *    not skipped);
 * 2: only the label is text and the features number their columns, as pandas names a frame's
 *    columns (each the column's or the feature's index, from 0 or from 1 alike across the row):
 *    a header or a row of small integers; text_label_row_is_header decides. */
static int label_only_text(const char *buf, const struct line *ln, int lab)
{
    const char *p = buf + ln->start, *end = buf + ln->end;
    int text_label = 0, schemes = 0xF; /* bit k: (k & 2 ? feature : column) index + (k & 1) */
    for (int c = 0, j = 0;; c++) {
        const char *fs, *fe;
        double v = 0;
        const char *q = next_field(p, end, &fs, &fe);
        int number = fs < fe && parse_number(fs, fe, &v) == 0;
        if (c == lab) {
            text_label = fs < fe && !number;
        } else {
            if (fs < fe && !number)
                return 0;
            for (int k = 0; k < 4; k++)
                if (!number || v != (k & 2 ? j : c) + (k & 1)) schemes &= ~(1 << k);
            j++;
        }
        if (q == end)
            return !text_label ? 0 : schemes ? 2 : 1;
        p = q + 1;
    }
}

static const char *task_classes(const rt_shape *shape, char *buf, size_t cap)
{
    if (shape->task == RT_TASK_BINARY)
        snprintf(buf, cap, "a binary network (1 output) separates exactly 2");
    else
        snprintf(buf, cap, "the network has %d softmax output%s", shape->outputs, plural(shape->outputs));
    return buf;
}

/* The serial pass of a file whose labels are names: each row's name becomes its class index.
 * With shape->classes the classes are those (a name not among them is a located error); else
 * the sorted distinct names of this file. On success ds->classes holds them (owned). */
static int map_class_names(const char *path, const char *buf, const struct line *rows, int nrows,
                           const struct span *spans, double *y, int ny, const rt_shape *shape, rt_dataset *ds)
{
    int rc = -1;
    struct named *known = NULL, *all = NULL;
    char **classes = NULL;
    int k = 0;
    if (shape->classes) {
        k = shape->n_classes;
        known = rt_xcalloc((size_t)(k > 0 ? k : 1), sizeof *known);
        classes = rt_xcalloc((size_t)(k > 0 ? k : 1), sizeof *classes);
        if (!known || !classes)
            goto done;
        for (int c = 0; c < k; c++) {
            known[c] = (struct named){shape->classes[c], strlen(shape->classes[c]), c};
            if (!(classes[c] = copy_text(shape->classes[c], known[c].len))) {
                rt_error(path, 0, "out of memory");
                goto done;
            }
        }
        qsort(known, (size_t)k, sizeof *known, named_cmp);
        int shown = 0;
        char list[800];
        list_names(list, sizeof list, shape->classes, k, 10);
        for (int r = 0; r < nrows; r++) {
            struct named key = {buf + spans[r].start, spans[r].end - spans[r].start, 0};
            const struct named *hit = bsearch(&key, known, (size_t)k, sizeof *known, named_cmp);
            if (hit) {
                y[(size_t)r * (size_t)ny] = hit->index;
                continue;
            }
            if (shown == MAX_ERRORS) {
                rt_error(path, 0, "too many errors, stopping");
                break;
            }
            rt_error(path, rows[r].lineno, "class '%.*s' is not one of the training set's classes (%s)",
                     key.len > 40 ? 40 : (int)key.len, key.s, list);
            shown++;
        }
        if (shown)
            goto done;
    } else {
        all = rt_xcalloc((size_t)nrows, sizeof *all);
        if (!all)
            goto done;
        for (int r = 0; r < nrows; r++)
            all[r] = (struct named){buf + spans[r].start, spans[r].end - spans[r].start, r};
        qsort(all, (size_t)nrows, sizeof *all, named_cmp);
        for (int r = 0; r < nrows; r++)
            k += r == 0 || named_cmp(&all[r - 1], &all[r]) != 0;
        classes = rt_xcalloc((size_t)k, sizeof *classes);
        if (!classes)
            goto done;
        for (int r = 0, c = -1; r < nrows; r++) {
            if (r == 0 || named_cmp(&all[r - 1], &all[r]) != 0) {
                if (!(classes[++c] = copy_text(all[r].s, all[r].len))) {
                    rt_error(path, 0, "out of memory");
                    goto done;
                }
            }
            y[(size_t)all[r].index * (size_t)ny] = c;
        }
        int fits = shape->task == RT_TASK_BINARY ? k == 2 : k <= shape->outputs;
        if (!fits) {
            char list[800], why[80];
            list_names(list, sizeof list, (const char *const *)classes, k, 10);
            rt_error(path, 0, "the labels name %d class%s (%s), but %s", k, k == 1 ? "" : "es", list,
                     task_classes(shape, why, sizeof why));
            goto done;
        }
    }
    ds->classes = classes;
    ds->n_classes = k;
    classes = NULL;
    rc = 0;
done:
    free_names(classes, k);
    free(known);
    free(all);
    return rc;
}

int rt_load_csv(rt_dataset *ds, const rt_source *src, const rt_shape *shape)
{
    memset(ds, 0, sizeof *ds);
    if (!src->path) {
        rt_error(NULL, 0, "CSV source without a path");
        return -1;
    }
    /* "-" is standard input; messages name it as shells and compilers do. */
    const char *path = strcmp(src->path, "-") == 0 ? "<stdin>" : src->path;
    int rc = -1;
    size_t size = 0;
    char *buf = NULL;
    struct line *lines = NULL;
    struct row_status *status = NULL;
    struct span *spans = NULL;
    double *x = NULL, *y = NULL;
    char **hnames = NULL;
    int hc = 0, nfeat = 0;
    const int classify = shape->task != RT_TASK_REGRESSION;

    if (!(buf = read_all(src->path, path, &size)))
        goto done;
    long nlines = index_lines(path, buf, size, &lines);
    if (nlines < 0)
        goto done;
    if (nlines == 0) {
        rt_error(path, 0, "empty file: no data rows");
        goto done;
    }

    /* Header: skipped, but its column count is checked like a row's, since a header that does
     * not fit is usually the first sign of the wrong file. */
    const struct line *rows = lines;
    long n = nlines;
    int header = src->header;
    if (header == RT_HEADER_AUTO) {
        header = looks_like_header(buf + lines[0].start, buf + lines[0].end);
        /* Only the label is text: names as labels, or a header of numbered features? */
        int cols = count_columns(buf + lines[0].start, buf + lines[0].end);
        int lab0 = src->label == RT_LABEL_LAST ? shape->inputs : src->label == RT_LABEL_FIRST ? 0 : src->label;
        int kind = header && classify && !src->label_name && cols == shape->inputs + 1
                       ? label_only_text(buf, &lines[0], lab0)
                       : 0;
        if (kind == 1)
            header = 0;
        else if (kind == 2)
            header = text_label_row_is_header(buf, lines, nlines, lab0, lab0 == cols - 1, shape);
    }
    if (header) {
        rows++;
        n--;
    }
    if (n == 0) {
        rt_error(path, 0, "no data rows after the header");
        goto done;
    }
    if (n > INT_MAX) {
        rt_error(path, 0, "too many rows (%ld)", n);
        goto done;
    }

    struct layout lay;
    lay.d = shape->inputs;
    lay.ny_task = rt_label_count(shape);
    lay.ny = lay.ny_task;
    lay.names = 0;
    /* --predict: the first data row decides whether the file has labels; all rows must agree. */
    if (shape->predict && count_columns(buf + rows[0].start, buf + rows[0].end) == lay.d)
        lay.ny = 0;
    lay.ncols = lay.d + lay.ny;
    if (header) {
        hc = count_columns(buf + lines[0].start, buf + lines[0].end);
        if (hc != lay.ncols && !(shape->predict && hc == lay.d + lay.ny_task)) {
            rt_error(path, lines[0].lineno, "header has %d columns; expected %d (%d feature%s, %d label%s)", hc,
                     lay.ncols, lay.d, plural(lay.d), lay.ny, plural(lay.ny));
            goto done;
        }
        if (!(hnames = header_names(path, buf, &lines[0], hc)))
            goto done;
    }
    /* The header's first label column: where `label` says, when the header has label columns. */
    int hlab = -1;
    if (src->label_name && (lay.ny > 0 || hc == lay.d + lay.ny_task)) {
        if (!header) {
            rt_error(path, rows[0].lineno,
                     "label '%s' names a header column, but the first line is data%s", src->label_name,
                     src->header == 0 ? " (header: false)" : "; if it is a header, set header: true");
            goto done;
        }
        if ((hlab = find_label_column(path, lines[0].lineno, hnames, hc, src->label_name)) < 0)
            goto done;
        if (hlab > lay.d) {
            rt_error(path, lines[0].lineno, "label '%s' is column %d, but %d label columns from there do not fit in %d",
                     src->label_name, hlab + 1, lay.ny_task, hc);
            goto done;
        }
        lay.lab = hlab;
    } else if (src->label == RT_LABEL_LAST) {
        lay.lab = lay.d;
    } else if (src->label == RT_LABEL_FIRST) {
        lay.lab = 0;
    } else {
        lay.lab = src->label;
    }
    if (!src->label_name && header && (lay.ny > 0 || hc == lay.d + lay.ny_task))
        hlab = lay.lab;
    if (lay.ny == 0)
        lay.lab = lay.ncols; /* no label columns: every column is a feature */
    if (lay.lab < 0 || lay.lab > lay.d) {
        rt_error(path, 0, "label column %d does not fit: rows have %d columns (%d feature%s, %d label%s)",
                 lay.lab, lay.ncols, lay.d, plural(lay.d), lay.ny, plural(lay.ny));
        goto done;
    }

    int nrows = (int)n;
    /* Class labels written as names: one label field that is not a number makes them all names. */
    if (classify && lay.ny > 0) {
        int names = 0, last = lay.lab == lay.ncols - 1;
#pragma omp parallel for schedule(static) reduction(|| : names)
        for (int r = 0; r < nrows; r++)
            names = names || label_is_name(buf, &rows[r], lay.lab, last);
        lay.names = names;
    }

    x = rt_xcalloc((size_t)n * (size_t)lay.d, sizeof *x);
    if (lay.ny > 0)
        y = rt_xcalloc((size_t)n * (size_t)lay.ny, sizeof *y);
    if (lay.names)
        spans = rt_xcalloc((size_t)n, sizeof *spans);
    status = rt_xcalloc((size_t)n, sizeof *status);
    if (!x || (lay.ny > 0 && !y) || (lay.names && !spans) || !status)
        goto done;

    int nerr = 0;
#pragma omp parallel for schedule(dynamic, 256) reduction(+ : nerr)
    for (int r = 0; r < nrows; r++) {
        status[r] = parse_row(buf, &rows[r], &lay, shape, x + (size_t)r * (size_t)lay.d,
                              y ? y + (size_t)r * (size_t)lay.ny : NULL, spans ? &spans[r] : NULL);
        nerr += status[r].kind != ROW_OK;
    }

    if (nerr > 0) {
        int shown = 0;
        for (int r = 0; r < nrows; r++) {
            if (status[r].kind == ROW_OK)
                continue;
            if (shown == MAX_ERRORS) {
                rt_error(path, 0, "too many errors, stopping");
                break;
            }
            report(path, buf, &rows[r], &lay, shape, status[r]);
            shown++;
        }
        /* pandas writes integer column names (0,1,2) that read as numbers: say what to do. */
        if (src->header == RT_HEADER_AUTO && !header && status[0].kind != ROW_OK)
            fprintf(stderr, "%s:%ld: note: line %ld was read as data; if it is a header, set header: true\n", path,
                    rows[0].lineno, rows[0].lineno);
        goto done;
    }
    if (lay.names && map_class_names(path, buf, rows, nrows, spans, y, lay.ny, shape, ds))
        goto done;

    /* The features' names from the header, label columns left out. */
    if (hnames && (hlab >= 0 || hc == lay.d)) {
        int hny = hlab >= 0 ? hc - lay.d : 0;
        ds->feature_names = rt_xcalloc((size_t)lay.d, sizeof *ds->feature_names);
        if (!ds->feature_names)
            goto done;
        nfeat = lay.d;
        for (int j = 0; j < lay.d; j++) {
            int c = hlab >= 0 && j >= hlab ? j + hny : j;
            ds->feature_names[j] = hnames[c];
            hnames[c] = NULL;
        }
    }

    ds->name = malloc(strlen(path) + 1);
    if (!ds->name) {
        rt_error(path, 0, "out of memory");
        goto done;
    }
    strcpy(ds->name, path);
    ds->n = nrows;
    ds->d = lay.d;
    ds->ny = lay.ny;
    ds->x_f64 = x;
    ds->y = y;
    x = y = NULL;
    rc = 0;

done:
    if (rc) {
        free_names(ds->classes, ds->n_classes);
        free_names(ds->feature_names, nfeat);
        memset(ds, 0, sizeof *ds);
    }
    free_names(hnames, hc);
    free(buf);
    free(lines);
    free(status);
    free(spans);
    free(x);
    free(y);
    return rc;
}
