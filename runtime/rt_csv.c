/* rt_csv.c — the CSV loader: a table of numbers (class labels as numbers or names) in, features and
 * checked labels out, every bad row located. */
#include "nncc_rt.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* The file is parsed as it is read, through a bounded buffer, so a path that is a stream (a FIFO,
 * standard input, a device) costs the memory of its parsed values, not of its text: 8 bytes a
 * value, plus a block of lines at a time. A block's rows are parsed in parallel: a 60000 x 785
 * Fashion-MNIST CSV is 47 million fields, so the per-field cost is what matters. Numbers take a
 * fast exact path (Clinger) and fall back to strtod, so every value is bit-identical to strtod's.
 * Errors are recorded per row and printed in file order, so the messages do not depend on the
 * thread count or on where a read ends.
 *
 * What stops a read at once, located at its line: a byte that no text has (a NUL or another
 * control character but tab, CR and LF); a line longer than LINE_MAX_MIN (or than 64 bytes a
 * column, when the network's rows need more); the row limit MAX_ROWS; half of the machine's
 * memory in parsed values, or an allocation that fails. The 21st error stops it too, unlocated as
 * before ("too many errors"): a stream of bad rows ends there. */

#define MAX_ERRORS 20
/* A block's threads meet at a barrier, where one the system has put aside keeps the others
 * waiting: blocks of up to 8 MiB of text make that rare. */
#define READ_CHUNK ((size_t)8 << 20)    /* the least one read asks for, once the buffer is grown */
#define FIRST_BUFFER (READ_CHUNK + 1)   /* a stream's buffer to begin with: grown for long lines */
#define LINE_MAX_MIN ((size_t)1 << 20)  /* the longest line... */
#define LINE_BYTES_PER_COLUMN 64        /* ... unless the columns need more */
#define BLOCK_LINES 16384               /* lines parsed per pass, at most */
#define PARALLEL_BYTES ((size_t)1 << 18) /* the least text of a block parsed by threads */
/* Samples are int and int32_t indices in the runtime, and batch loops add a batch size to an
 * index below n: n <= 2^30 keeps every such sum below 2^31. At 8 bytes a value that is 8 GiB per
 * column, so on most machines the memory budget (half the memory) is what stops a stream. */
#define MAX_ROWS (1L << 30)
#define NO_BYTE ((size_t)-1)

/* One non-blank line: [start, end) excludes the line break and trailing blanks. */
struct line {
    size_t start, end;
    long lineno; /* 1-based, counting blank lines and the header */
    size_t next; /* where the line after it starts */
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

/* ---- the reader: the file through a bounded buffer, a block of lines at a time ----------- */

/* buf[pos, fill) is read and not yet consumed, buf[fill] is a NUL (so strtod stops at the end of
 * the last line, too). Text ends at `bad`, the first byte no text file has: lines before it are
 * read, the line holding it is an error. The buffer never holds more than a line and a read. */
struct reader {
    FILE *f;
    int is_stdin, eof;
    char *buf;
    size_t cap, max_cap, line_max;
    size_t pos, fill, bad;
    unsigned long long base; /* file offset of buf[0], for "byte N" */
    long lineno;             /* lines consumed */
    int columns;             /* what a row has, for the long-line message */
    /* Why reading stopped before the end: a message for line fatal_line (0: the file). 2: a
     * reason of a line in the buffer, found again by each collect() that reaches it. */
    int fatal;
    long fatal_line;
    char fatal_msg[200];
};

/* The non-blank lines of one pass, indexed in the reader's buffer. */
struct block {
    struct line *line;
    int n, cap;
    size_t next;      /* where the lines after the block start */
    long next_lineno; /* lines up to there */
};

static int is_binary(unsigned char c) { return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f; }

/* The index of the first byte of p[0, n) that is_binary, or n. Eight bytes at a time: a word
 * with no byte below 0x20 and none equal to 0x7F (the usual case: line breaks aside) is passed
 * over whole (the tests are exact for whether such a byte is there, not for which). */
static size_t first_binary(const unsigned char *p, size_t n)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w, d;
        memcpy(&w, p + i, 8);
        d = w ^ (ones * 0x7F);
        if ((((w - ones * 0x20) & ~w) | ((d - ones) & ~d)) & high)
            for (size_t k = i; k < i + 8; k++)
                if (is_binary(p[k]))
                    return k;
    }
    for (; i < n; i++)
        if (is_binary(p[i]))
            return i;
    return n;
}

static void stop_at(struct reader *r, long line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void stop_at(struct reader *r, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->fatal_msg, sizeof r->fatal_msg, fmt, ap);
    va_end(ap);
    r->fatal = 1;
    r->fatal_line = line;
}

/* Moves the unconsumed bytes to the front, grows the buffer when they fill half of it, and reads
 * as much as fits. The caller's line offsets from buf[pos] move by the returned shift. */
static size_t reader_read(struct reader *r)
{
    size_t shift = r->pos;
    if (shift) {
        memmove(r->buf, r->buf + shift, r->fill - shift);
        r->fill -= shift;
        r->pos = 0;
        r->base += shift;
        if (r->bad != NO_BYTE)
            r->bad -= shift;
    }
    if (r->cap - 1 - r->fill < r->cap / 2 && r->cap < r->max_cap) {
        size_t cap = r->cap * 2 < r->max_cap ? r->cap * 2 : r->max_cap;
        char *nb = realloc(r->buf, cap);
        if (!nb) {
            stop_at(r, r->lineno + 1, "out of memory: %zu bytes for a line", cap);
            return shift;
        }
        r->buf = nb;
        r->cap = cap;
    }
    size_t want = r->cap - 1 - r->fill;
    size_t got = want ? fread(r->buf + r->fill, 1, want, r->f) : 0;
    if (r->bad == NO_BYTE) {
        size_t at = first_binary((const unsigned char *)r->buf + r->fill, got);
        if (at < got)
            r->bad = r->fill + at;
    }
    r->fill += got;
    r->buf[r->fill] = '\0';
    if (got < want || want == 0) {
        if (ferror(r->f))
            stop_at(r, 0, "cannot read: %s", strerror(errno));
        r->eof = 1;
    }
    return shift;
}

/* Opens path ("-": standard input) and reads the first bytes; a UTF-8 byte order mark, as Excel
 * writes it, is skipped. -1 after a message when it cannot be opened. */
static int reader_open(struct reader *r, const char *path, const char *shown, int columns)
{
    memset(r, 0, sizeof *r);
    r->bad = NO_BYTE;
    r->columns = columns;
    r->is_stdin = strcmp(path, "-") == 0;
    r->f = r->is_stdin ? stdin : fopen(path, "rb");
    if (!r->f) {
        rt_error(shown, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    r->line_max = (size_t)columns * LINE_BYTES_PER_COLUMN;
    if (r->line_max < LINE_MAX_MIN)
        r->line_max = LINE_MAX_MIN;
    r->max_cap = r->line_max + READ_CHUNK + 1;
    /* A regular file small enough is read in one go (the + 2: its NUL, and the read that sees
     * the end); a stream starts small. */
    struct stat st;
    r->cap = FIRST_BUFFER;
    if (fstat(fileno(r->f), &st) == 0 && S_ISREG(st.st_mode))
        r->cap = (size_t)st.st_size + 2 < r->max_cap ? (size_t)st.st_size + 2 : r->max_cap;
    if (!(r->buf = malloc(r->cap))) {
        rt_error(shown, 0, "out of memory: %zu bytes", r->cap);
        if (!r->is_stdin)
            fclose(r->f);
        return -1;
    }
    r->buf[0] = '\0';
    reader_read(r);
    if (r->fill >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
    return 0;
}

static void reader_close(struct reader *r)
{
    if (r->f && !r->is_stdin)
        fclose(r->f);
    free(r->buf);
    r->f = NULL;
    r->buf = NULL;
}

/* The line at p runs to lim with no line break (ended: to its line break at lim) and cannot be
 * read further: the reasons a read stops at its line (lineno + 1), in this order. A byte no text
 * has, within the line's first line_max bytes; then, on the first line of a file (no line feed
 * so far), a CR: the file's lines end in CR alone; then the line's length. */
static void line_unending(struct reader *r, size_t p, size_t lim, long lineno, int ended)
{
    size_t n = lim - p < r->line_max + 1 ? lim - p : r->line_max + 1;
    if (r->bad == lim && lim < r->fill && lim - p <= r->line_max) {
        unsigned char c = (unsigned char)r->buf[lim];
        if (c == 0)
            stop_at(r, lineno + 1, "a NUL byte (byte %llu): this is not a text CSV file", r->base + lim + 1);
        else
            stop_at(r, lineno + 1, "a control character, byte %llu (0x%02X): this is not a text CSV file",
                    r->base + lim + 1, c);
    } else if (!ended && lineno == 0 && memchr(r->buf + p, '\r', n)) {
        stop_at(r, 0, "the lines end in CR alone (classic Mac OS); convert them: tr '\\r' '\\n' < IN > OUT");
    } else {
        stop_at(r, lineno + 1, "line longer than %zu bytes, more than a row of %d column%s takes: is this a CSV file?",
                r->line_max, r->columns, r->columns == 1 ? "" : "s");
    }
    r->fatal = 2;
}

/* Indexes the complete non-blank lines from the reader's position, up to BLOCK_LINES, reading more
 * only while there are none yet: b->n == 0 at the end of the file or when reading stopped
 * (r->fatal). The lines stay in the buffer until release(). */
static void collect(struct reader *r, struct block *b)
{
    b->n = 0;
    b->next = r->pos;
    b->next_lineno = r->lineno;
    if (r->fatal == 2)
        r->fatal = 0;
    size_t p = r->pos;
    long lineno = r->lineno;
    while (b->n < BLOCK_LINES && !r->fatal) {
        size_t lim = r->bad < r->fill ? r->bad : r->fill;
        const char *nl = p < lim ? memchr(r->buf + p, '\n', lim - p) : NULL;
        size_t end, next;
        if (nl) {
            end = (size_t)(nl - r->buf);
            next = end + 1;
        } else if (lim - p > r->line_max || lim < r->fill || (r->eof && lineno == 0 && p < lim &&
                                                                memchr(r->buf + p, '\r', lim - p))) {
            line_unending(r, p, lim, lineno, 0);
            break;
        } else if (r->eof) {
            if (p == r->fill)
                break;
            end = next = r->fill; /* the last line, without a line break */
        } else if (b->n > 0) {
            break;
        } else {
            r->pos = p; /* only blank lines so far: consumed */
            r->lineno = lineno;
            reader_read(r);
            p = r->pos;
            b->next = p;
            continue;
        }
        if (end - p > r->line_max) {
            line_unending(r, p, end, lineno, nl != NULL);
            break;
        }
        lineno++;
        size_t a = p, z = end;
        while (a < z && is_blank(r->buf[a]))
            a++;
        while (z > a && is_blank(r->buf[z - 1]))
            z--;
        if (a < z) {
            if (b->n == b->cap) {
                int cap = b->cap ? 2 * b->cap : 64;
                struct line *nl2 = realloc(b->line, (size_t)cap * sizeof *nl2);
                if (!nl2) {
                    stop_at(r, lineno, "out of memory: %zu bytes for a block of lines", (size_t)cap * sizeof *nl2);
                    break;
                }
                b->line = nl2;
                b->cap = cap;
            }
            b->line[b->n++] = (struct line){a, z, lineno, next};
        }
        p = next;
        b->next = p;
        b->next_lineno = lineno;
    }
}

/* Consumes the block's first k lines (all: k = b->n), and the blank lines after them when all. */
static void release(struct reader *r, const struct block *b, int k)
{
    if (k >= b->n) {
        r->pos = b->next;
        r->lineno = b->next_lineno;
    } else if (k > 0) {
        r->pos = b->line[k - 1].next;
        r->lineno = b->line[k - 1].lineno;
    }
}

/* How the columns of a data row map onto x and y. */
struct layout {
    int d, ny;   /* features; label columns per row (0: --predict rows without labels) */
    int ncols;   /* d + ny: what every row must have */
    int lab;     /* first label column */
    int ny_task; /* labels per sample the task wants, for messages */
    int names;   /* 1: the label column is read as text (class labels), by the serial pass */
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
 * label field is text, checked here only for being there: the serial pass reads it (struct
 * labels) and sets y. */
static struct row_status parse_row(const char *buf, const struct line *ln, const struct layout *lay,
                                   const rt_shape *shape, double *x, double *y)
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

/* Writes one row's problem into msg[cap], for its line. Columns are counted from 1, as editors
 * and spreadsheets show them. The field is found in the line, or given (fs, fe: a label's text). */
static void describe(char *msg, size_t cap, const char *buf, const struct line *ln, const struct layout *lay,
                     const rt_shape *shape, struct row_status st, const char *fs, const char *fe)
{
    if (st.kind != ROW_COLUMNS && !fs) {
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
            snprintf(msg, cap, "expected %d columns (%d feature%s, %d label%s), found %d", lay->ncols,
                     lay->d, plural(lay->d), lay->ny, plural(lay->ny), st.col);
        else
            snprintf(msg, cap, "expected %d columns (%d feature%s, no labels, as in the first row), found %d",
                     lay->ncols, lay->d, plural(lay->d), st.col);
        break;
    case ROW_EMPTY:
        snprintf(msg, cap, "column %d is empty", st.col + 1);
        break;
    case ROW_NOT_NUMBER:
        snprintf(msg, cap, "column %d: '%.*s' is not a number", st.col + 1, flen, fs);
        break;
    case ROW_NOT_FINITE:
        snprintf(msg, cap, "column %d: '%.*s' is not a finite number", st.col + 1, flen, fs);
        break;
    case ROW_LABEL: {
        char why[64];
        rt_label_check(shape, st.v, why);
        snprintf(msg, cap, "%s", why);
        break;
    }
    default:
        msg[0] = '\0';
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

/* What a first line with text in it is, when only its label column `lab` may be text:
 * 0: a feature field is text too (a header, as looks_like_header says);
 * 1: only the label is text, the features are numbers: a data row of a file whose labels are
 *    names, since a header's features have names (so a typo in a first row's class is reported,
 *    not skipped);
 * 2: only the label is text and the features number their columns, as pandas names a frame's
 *    columns (each the column's or the feature's index, from 0 or from 1 alike across the row):
 *    a header or a row of small integers; rt_load_csv decides, at the end of the file if need be. */
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

/* ---- class labels: one entry per distinct text of the label column ---------------------------- */

/* A classification file's labels are numbers or names, and one name makes them all names; a
 * stream cannot be read twice to find out. So each distinct text is kept once, read both ways,
 * and a row's y holds its entry while the file is read: at the end y becomes the number, or the
 * class index of the name. Bounded: a network with K classes gets K + 1024 distinct texts (the
 * slack for spellings of numbers: 1, 1.0, 01) and 64 MiB of them. */
#define LABELS_SLACK 1024
#define LABEL_TEXT_MAX ((size_t)64 << 20)

struct label {
    char *s;
    size_t len;
    uint64_t hash;
    long rows; /* data rows with this label */
    int name;  /* 1: not a number, so a class name */
    int bad;   /* read as a number: ROW_OK, ROW_NOT_FINITE or ROW_LABEL */
    double v;  /* ... and its value */
    int cls;   /* its index in shape->classes; -1: not there */
};

struct labels {
    struct label *e;
    int n, cap, max;
    int *slot; /* open addressing: entry + 1, 0 for none */
    size_t nslot, bytes;
};

static uint64_t hash_text(const char *s, size_t len)
{
    uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
    return h;
}

static void labels_free(struct labels *L)
{
    for (int i = 0; i < L->n; i++)
        free(L->e[i].s);
    free(L->e);
    free(L->slot);
    memset(L, 0, sizeof *L);
}

static int labels_rehash(struct labels *L, size_t nslot)
{
    int *slot = calloc(nslot, sizeof *slot);
    if (!slot)
        return -1;
    for (int i = 0; i < L->n; i++) {
        size_t k = (size_t)L->e[i].hash & (nslot - 1);
        while (slot[k])
            k = (k + 1) & (nslot - 1);
        slot[k] = i + 1;
    }
    free(L->slot);
    L->slot = slot;
    L->nslot = nslot;
    return 0;
}

/* The entry of text [s, s + len), added when new, read as a number and looked up in known (the
 * classes given, sorted; NULL: none). Returns its index; -1 when out of memory, -2 past the bounds. */
static int labels_find(struct labels *L, const char *s, size_t len, const struct named *known,
                       const rt_shape *shape)
{
    uint64_t h = hash_text(s, len);
    if (L->nslot) {
        for (size_t k = (size_t)h & (L->nslot - 1); L->slot[k]; k = (k + 1) & (L->nslot - 1)) {
            const struct label *e = &L->e[L->slot[k] - 1];
            if (e->hash == h && e->len == len && memcmp(e->s, s, len) == 0)
                return L->slot[k] - 1;
        }
    }
    if (L->n >= L->max || L->bytes + len > LABEL_TEXT_MAX)
        return -2;
    if ((size_t)(L->n + 1) * 2 > L->nslot && labels_rehash(L, L->nslot ? 2 * L->nslot : 64))
        return -1;
    if (L->n == L->cap) {
        int cap = L->cap ? 2 * L->cap : 16;
        struct label *ne = realloc(L->e, (size_t)cap * sizeof *ne);
        if (!ne)
            return -1;
        L->e = ne;
        L->cap = cap;
    }
    struct label *e = &L->e[L->n];
    if (!(e->s = copy_text(s, len)))
        return -1;
    e->len = len;
    e->hash = h;
    e->rows = 0;
    e->bad = ROW_OK;
    e->v = 0;
    e->cls = -1;
    double v;
    e->name = parse_number(e->s, e->s + len, &v) != 0;
    if (!e->name) {
        char why[64];
        e->v = v;
        if (!isfinite(v))
            e->bad = ROW_NOT_FINITE;
        else if (rt_label_check(shape, v, why) != 0)
            e->bad = ROW_LABEL;
    }
    if (known) {
        struct named key = {e->s, len, 0};
        const struct named *hit = bsearch(&key, known, (size_t)shape->n_classes, sizeof *known, named_cmp);
        e->cls = hit ? hit->index : -1;
    }
    size_t k = (size_t)h & (L->nslot - 1);
    while (L->slot[k])
        k = (k + 1) & (L->nslot - 1);
    L->slot[k] = L->n + 1;
    L->bytes += len;
    return L->n++;
}

/* ---- the loader ---------------------------------------------------------------------------- */

/* Up to MAX_ERRORS messages, in file order; n counts one past them when there are more. */
struct errs {
    int n;
    long line[MAX_ERRORS];
    char msg[MAX_ERRORS][256];
};

static char *errs_next(struct errs *e, long line)
{
    if (e->n > MAX_ERRORS)
        return NULL;
    if (e->n++ == MAX_ERRORS)
        return NULL;
    e->line[e->n - 1] = line;
    return e->msg[e->n - 1];
}

static void errs_print(const char *path, const struct errs *e)
{
    for (int i = 0; i < e->n && i < MAX_ERRORS; i++)
        rt_error(path, e->line[i], "%s", e->msg[i]);
    if (e->n > MAX_ERRORS)
        rt_error(path, 0, "too many errors, stopping");
}

/* Half of the machine's memory: what the parsed values may take. */
static size_t memory_budget(void)
{
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) {
        unsigned long long b = (unsigned long long)pages * (unsigned long long)page / 2;
        return b > SIZE_MAX ? SIZE_MAX : (size_t)b;
    }
#endif
    return SIZE_MAX;
}

/* Everything one load keeps while the file streams past. */
struct load {
    const char *path; /* as messages name it */
    const rt_shape *shape;
    struct reader *r;
    struct layout lay;
    int interning;     /* classification with a label column: labels go through `labels` */
    int last;          /* the label is the last column */
    double *x, *y;     /* rows x d and rows x ny, room for cap_rows */
    long rows, cap_rows, max_rows;
    int by_memory;     /* max_rows is the memory budget's, not MAX_ROWS */
    size_t budget;
    struct labels labels;
    struct named *known; /* shape->classes sorted, for the lookup */
    int names;           /* a label that is a name was read: they all are */
    int header;          /* the first line is a header */
    int deferred, row0;  /* ... or not known yet: it was read as data (see rt_load_csv); its label */
    long first_line;     /* its line number */
    int first_bad[2];    /* the first data row has an error: read with numeric labels, with names */
    int stop;            /* errors enough: stop reading */
    int failed;          /* a row stopped the read (r->fatal says why) */
    struct errs num, name; /* errors as the rows read with numeric labels, and with names */
    struct errs cls;       /* names not among shape->classes (msg unused: text in labels) */
    int cls_id[MAX_ERRORS];
    /* The rows of one block: their problems and label texts. */
    struct row_status *st;
    const char **ls, **le;
    int cap_block;
};

/* Room for `need` rows: twice the rows, or short of memory for that an eighth more, or just
 * what is needed; within max_rows. -1 when even that is not there. */
static int grow_rows(struct load *L, long need)
{
    if (need <= L->cap_rows)
        return 0;
    long old = L->cap_rows, want[3] = {old ? 2 * old : 1024, old + old / 8, need};
    for (int i = 0; i < 3; i++) {
        long cap = want[i] < need ? need : want[i] > L->max_rows ? L->max_rows : want[i];
        size_t nx = (size_t)cap * (size_t)L->lay.d, ny = (size_t)cap * (size_t)L->lay.ny;
        double *x = realloc(L->x, (nx ? nx : 1) * sizeof *x);
        if (!x)
            continue;
        L->x = x;
        if (ny > 0) {
            double *y = realloc(L->y, ny * sizeof *y);
            if (!y)
                continue;
            L->y = y;
        }
        L->cap_rows = cap;
        return 0;
    }
    return -1;
}

/* The serial part of one row, in file order: its label's entry, its errors both ways. Row r of
 * the data; st is what parse_row found, [ls, le) the label's text (NULL: none). */
static void take_row(struct load *L, const char *buf, const struct line *ln, struct row_status st, const char *ls,
                     const char *le, long r)
{
    const struct layout *lay = &L->lay;
    struct row_status num = st;
    const struct label *e = NULL;
    if (L->interning) {
        int id = -1;
        if (ls) {
            id = labels_find(&L->labels, ls, (size_t)(le - ls), L->known, L->shape);
            if (id < 0) {
                char why[80];
                if (id == -1)
                    stop_at(L->r, ln->lineno, "out of memory");
                else if (L->labels.n >= L->labels.max)
                    stop_at(L->r, ln->lineno, "the label column holds more than %d different values, but %s",
                            L->labels.max, task_classes(L->shape, why, sizeof why));
                else
                    stop_at(L->r, ln->lineno, "the label column's different values pass %zu MiB, but %s",
                            LABEL_TEXT_MAX >> 20, task_classes(L->shape, why, sizeof why));
                L->failed = 1;
                return;
            }
            e = &L->labels.e[id];
            L->labels.e[id].rows++;
            if (L->deferred && r == 0)
                L->row0 = id;
            else if (e->name)
                L->names = 1;
            if (L->deferred && r > 0 && id == L->row0)
                L->deferred = 0, L->header = 0, L->names = 1; /* another row has its label: data */
        }
        L->y[(size_t)r * (size_t)lay->ny] = id;
        /* Read as numbers, the label's own problem counts where it comes first. */
        if (e && !e->name && e->bad != ROW_OK && st.kind != ROW_COLUMNS && (st.kind == ROW_OK || lay->lab < st.col))
            num = (struct row_status){e->bad, lay->lab, e->v};
        char *msg;
        if (st.kind != ROW_OK) {
            if ((msg = errs_next(&L->name, ln->lineno)))
                describe(msg, sizeof L->name.msg[0], buf, ln, lay, L->shape, st, NULL, NULL);
        } else if (e && L->shape->classes && e->cls < 0 && errs_next(&L->cls, ln->lineno)) {
            L->cls_id[L->cls.n - 1] = id;
        }
    }
    if (!L->names && num.kind != ROW_OK) {
        char *msg = errs_next(&L->num, ln->lineno);
        int own = num.kind != st.kind || num.col != st.col; /* the label's problem: its text is the entry's */
        if (msg)
            describe(msg, sizeof L->num.msg[0], buf, ln, lay, L->shape, num, own ? e->s : NULL,
                     own ? e->s + e->len : NULL);
    }
    if (r == 0) {
        L->first_bad[0] = num.kind != ROW_OK;
        L->first_bad[1] = st.kind != ROW_OK;
    }
    /* 21 errors as the labels read so far say (numbers, until a name is seen): a stream of bad
     * rows stops here, though a later name would have made the labels names after all. */
    if ((L->names ? L->name.n : L->num.n) > MAX_ERRORS)
        L->stop = 1;
}

/* Parses lines[0..n) of buf as the next data rows: in parallel into x and y, then take_row in
 * order. Returns 0 to go on, 1 when enough errors were found (L->stop) or a row stopped the read
 * (L->failed; r->fatal says why, in place of a reason the reader had for a later line). */
static int take_rows(struct load *L, const char *buf, const struct line *lines, int n)
{
    const struct layout *lay = &L->lay;
    int take = n;
    if (L->rows + take > L->max_rows)
        take = (int)(L->max_rows - L->rows);
    int oom = take > 0 && grow_rows(L, L->rows + take) != 0;
    if (oom)
        take = (int)(L->cap_rows - L->rows);
    if (take > L->cap_block) {
        int cap = take > 64 ? take : 64;
        struct row_status *st = realloc(L->st, (size_t)cap * sizeof *st);
        if (st)
            L->st = st;
        const char **ls = realloc(L->ls, (size_t)cap * sizeof *ls);
        if (ls)
            L->ls = ls;
        const char **le = realloc(L->le, (size_t)cap * sizeof *le);
        if (le)
            L->le = le;
        if (!st || !ls || !le) {
            stop_at(L->r, lines[0].lineno, "out of memory");
            L->failed = 1;
            return 1;
        }
        L->cap_block = cap;
    }
    const long base = L->rows;
    /* Threads for a block worth waking them: a short row costs less than their wake-up. */
#pragma omp parallel for schedule(dynamic, 16) if (take > 1 && lines[take - 1].end - lines[0].start >= PARALLEL_BYTES)
    for (int i = 0; i < take; i++) {
        size_t r = (size_t)(base + i);
        L->st[i] = parse_row(buf, &lines[i], lay, L->shape, L->x + r * (size_t)lay->d,
                             L->y ? L->y + r * (size_t)lay->ny : NULL);
        const char *fs = NULL, *fe = NULL;
        if (L->interning && (label_field(buf, &lines[i], lay->lab, L->last, &fs, &fe) != 0 || fs == fe))
            fs = fe = NULL;
        L->ls[i] = fs;
        L->le[i] = fe;
    }
    for (int i = 0; i < take; i++) {
        take_row(L, buf, &lines[i], L->st[i], L->ls[i], L->le[i], base + i);
        L->rows = base + i + 1;
        if (L->failed || L->stop)
            return 1;
    }
    if (take == n)
        return 0;
    L->failed = 1;
    long at = lines[take].lineno;
    int values = lay->d + lay->ny;
    if (oom)
        stop_at(L->r, at, "out of memory for row %ld (%d values a row, %.1f GiB so far)", L->rows + 1, values,
                (double)L->rows * (double)values * sizeof(double) / (1 << 30));
    else if (L->by_memory)
        stop_at(L->r, at, "more than %ld rows of %d values: they take half of this machine's memory (%.1f GiB)",
                L->max_rows, values, (double)L->budget / (1 << 30));
    else
        stop_at(L->r, at, "more than %ld data rows, the most the runtime indexes (its sample indices are 32-bit)",
                MAX_ROWS);
    return 1;
}

/* The end, when the file's rows are all read (or enough errors found): the first line's header
 * question settled, the errors printed, or the labels made numbers or class indices. */
static int finish(struct load *L, rt_dataset *ds, const rt_source *src)
{
    const struct layout *lay = &L->lay;
    if (L->deferred) {
        /* No other row has the first line's label: a header after all. */
        L->labels.e[L->row0].rows--;
        L->rows--;
        memmove(L->x, L->x + lay->d, (size_t)L->rows * (size_t)lay->d * sizeof *L->x);
        memmove(L->y, L->y + lay->ny, (size_t)L->rows * (size_t)lay->ny * sizeof *L->y);
        L->deferred = 0;
    }
    const struct errs *errs = L->names ? &L->name : &L->num;
    if (errs->n > 0) {
        errs_print(L->path, errs);
        /* pandas writes integer column names (0,1,2) that read as numbers: say what to do. */
        if (src->header == RT_HEADER_AUTO && !L->header && L->first_bad[L->names])
            fprintf(stderr, "%s:%ld: note: line %ld was read as data; if it is a header, set header: true\n", L->path,
                    L->first_line, L->first_line);
        return -1;
    }
    if (L->rows == 0) {
        rt_error(L->path, 0, "no data rows after the header");
        return -1;
    }
    if (!L->interning)
        return 0;
    const struct labels *T = &L->labels;
    double *y = L->y;
    if (!L->names) {
        for (long r = 0; r < L->rows; r++)
            y[r] = T->e[(int)y[r]].v;
        return 0;
    }
    const rt_shape *shape = L->shape;
    int k = 0, rc = -1;
    char **classes = NULL;
    struct named *all = NULL;
    int *rank = NULL;
    if (shape->classes) {
        if (L->cls.n) {
            char list[800];
            list_names(list, sizeof list, shape->classes, shape->n_classes, 10);
            for (int i = 0; i < L->cls.n && i < MAX_ERRORS; i++) {
                const struct label *e = &T->e[L->cls_id[i]];
                rt_error(L->path, L->cls.line[i], "class '%.*s' is not one of the training set's classes (%s)",
                         e->len > 40 ? 40 : (int)e->len, e->s, list);
            }
            if (L->cls.n > MAX_ERRORS)
                rt_error(L->path, 0, "too many errors, stopping");
            return -1;
        }
        k = shape->n_classes;
        classes = rt_xcalloc((size_t)(k > 0 ? k : 1), sizeof *classes);
        if (!classes)
            goto done;
        for (int c = 0; c < k; c++)
            if (!(classes[c] = copy_text(shape->classes[c], strlen(shape->classes[c])))) {
                rt_error(L->path, 0, "out of memory");
                goto done;
            }
        for (long r = 0; r < L->rows; r++)
            y[r] = T->e[(int)y[r]].cls;
    } else {
        /* The sorted distinct names of this file. */
        all = rt_xcalloc((size_t)(T->n > 0 ? T->n : 1), sizeof *all);
        rank = rt_xcalloc((size_t)(T->n > 0 ? T->n : 1), sizeof *rank);
        if (!all || !rank)
            goto done;
        for (int i = 0; i < T->n; i++)
            if (T->e[i].rows > 0)
                all[k++] = (struct named){T->e[i].s, T->e[i].len, i};
        qsort(all, (size_t)k, sizeof *all, named_cmp);
        classes = rt_xcalloc((size_t)(k > 0 ? k : 1), sizeof *classes);
        if (!classes)
            goto done;
        for (int c = 0; c < k; c++) {
            rank[all[c].index] = c;
            if (!(classes[c] = copy_text(all[c].s, all[c].len))) {
                rt_error(L->path, 0, "out of memory");
                goto done;
            }
        }
        int fits = shape->task == RT_TASK_BINARY ? k == 2 : k <= shape->outputs;
        if (!fits) {
            char list[800], why[80];
            list_names(list, sizeof list, (const char *const *)classes, k, 10);
            rt_error(L->path, 0, "the labels name %d class%s (%s), but %s", k, k == 1 ? "" : "es", list,
                     task_classes(shape, why, sizeof why));
            goto done;
        }
        for (long r = 0; r < L->rows; r++)
            y[r] = rank[(int)y[r]];
    }
    ds->classes = classes;
    ds->n_classes = k;
    classes = NULL;
    rc = 0;
done:
    free_names(classes, k);
    free(all);
    free(rank);
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
    int rc = -1, opened = 0;
    struct reader r;
    struct block b = {0};
    struct line l0;
    char *first = NULL;
    char **hnames = NULL;
    int hc = 0, nfeat = 0;
    const int classify = shape->task != RT_TASK_REGRESSION;
    struct load *L = calloc(1, sizeof *L);
    if (!L) {
        rt_error(path, 0, "out of memory");
        return -1;
    }
    L->path = path;
    L->shape = shape;
    L->r = &r;

    if (reader_open(&r, src->path, path, shape->inputs + rt_label_count(shape)) != 0)
        goto done;
    opened = 1;
    /* The first line, kept aside: whether it is a header may take the next line to decide. */
    collect(&r, &b);
    if (b.n == 0) {
        if (r.fatal)
            goto fatal;
        rt_error(path, 0, "empty file: no data rows");
        goto done;
    }
    l0 = b.line[0];
    if (!(first = copy_text(r.buf + l0.start, l0.end - l0.start))) {
        rt_error(path, 0, "out of memory");
        goto done;
    }
    l0.start = 0;
    l0.end = l0.end - b.line[0].start;
    L->first_line = l0.lineno;
    release(&r, &b, 1);
    collect(&r, &b); /* b.line[0], when there is one, is the second line */

    /* Header: skipped, but its column count is checked like a row's, since a header that does
     * not fit is usually the first sign of the wrong file. */
    int header = src->header;
    if (header == RT_HEADER_AUTO) {
        header = looks_like_header(first, first + l0.end);
        /* Only the label is text: names as labels, or a header of numbered features? */
        int cols = count_columns(first, first + l0.end);
        int lab0 = src->label == RT_LABEL_LAST ? shape->inputs : src->label == RT_LABEL_FIRST ? 0 : src->label;
        int kind = header && classify && !src->label_name && cols == shape->inputs + 1
                       ? label_only_text(first, &l0, lab0)
                       : 0;
        if (kind == 1) {
            header = 0;
        } else if (kind == 2) {
            /* A header of numbered features (`0,1,2,3,species`), or a data row of small integers
             * in a file whose labels are names (`0,1,2,3,setosa`). It is data when it is the
             * only line, or its label is one of the classes given, else when another row has
             * the same label; a header otherwise. Reading decides that last (L->deferred): the
             * line is read as data meanwhile, and dropped if it was a header. */
            const char *ts, *te;
            if (b.n == 0 && r.fatal)
                goto fatal;
            if (b.n == 0 || label_field(first, &l0, lab0, lab0 == cols - 1, &ts, &te) != 0) {
                header = 0;
            } else if (shape->classes) {
                struct named t = {ts, (size_t)(te - ts), 0};
                header = 1;
                for (int c = 0; header && c < shape->n_classes; c++) {
                    struct named cn = {shape->classes[c], strlen(shape->classes[c]), c};
                    header = named_cmp(&t, &cn) != 0;
                }
            } else if (shape->predict &&
                       count_columns(r.buf + b.line[0].start, r.buf + b.line[0].end) == shape->inputs) {
                header = 1; /* the rows have no labels: this line with one is not one of them */
            } else {
                L->deferred = 1;
            }
        }
    }
    if (header && !L->deferred && b.n == 0) {
        if (r.fatal)
            goto fatal;
        rt_error(path, 0, "no data rows after the header");
        goto done;
    }

    struct layout *lay = &L->lay;
    lay->d = shape->inputs;
    lay->ny_task = rt_label_count(shape);
    lay->ny = lay->ny_task;
    lay->names = 0;
    /* --predict: the first data row decides whether the file has labels; all rows must agree. */
    const struct line *row0 = header && !L->deferred ? &b.line[0] : &l0;
    const char *row0_buf = header && !L->deferred ? r.buf : first;
    if (shape->predict && count_columns(row0_buf + row0->start, row0_buf + row0->end) == lay->d)
        lay->ny = 0;
    lay->ncols = lay->d + lay->ny;
    if (header) {
        hc = count_columns(first, first + l0.end);
        if (hc != lay->ncols && !(shape->predict && hc == lay->d + lay->ny_task)) {
            rt_error(path, l0.lineno, "header has %d columns; expected %d (%d feature%s, %d label%s)", hc,
                     lay->ncols, lay->d, plural(lay->d), lay->ny, plural(lay->ny));
            goto done;
        }
        if (!(hnames = header_names(path, first, &l0, hc)))
            goto done;
    }
    /* The header's first label column: where `label` says, when the header has label columns. */
    int hlab = -1;
    if (src->label_name && (lay->ny > 0 || hc == lay->d + lay->ny_task)) {
        if (!header) {
            rt_error(path, l0.lineno, "label '%s' names a header column, but the first line is data%s",
                     src->label_name,
                     src->header == 0 ? " (header: false)" : "; if it is a header, set header: true");
            goto done;
        }
        if ((hlab = find_label_column(path, l0.lineno, hnames, hc, src->label_name)) < 0)
            goto done;
        if (hlab > lay->d) {
            rt_error(path, l0.lineno, "label '%s' is column %d, but %d label columns from there do not fit in %d",
                     src->label_name, hlab + 1, lay->ny_task, hc);
            goto done;
        }
        lay->lab = hlab;
    } else if (src->label == RT_LABEL_LAST) {
        lay->lab = lay->d;
    } else if (src->label == RT_LABEL_FIRST) {
        lay->lab = 0;
    } else {
        lay->lab = src->label;
    }
    if (!src->label_name && header && (lay->ny > 0 || hc == lay->d + lay->ny_task))
        hlab = lay->lab;
    if (lay->ny == 0)
        lay->lab = lay->ncols; /* no label columns: every column is a feature */
    if (lay->lab < 0 || lay->lab > lay->d) {
        rt_error(path, 0, "label column %d does not fit: rows have %d columns (%d feature%s, %d label%s)", lay->lab,
                 lay->ncols, lay->d, plural(lay->d), lay->ny, plural(lay->ny));
        goto done;
    }

    /* Class labels are read as text, numbers or names: one that is not a number makes them all
     * names. */
    L->interning = classify && lay->ny > 0;
    lay->names = L->interning;
    L->last = lay->lab == lay->ncols - 1;
    if (L->interning) {
        long most = (shape->task == RT_TASK_BINARY ? 2L : (long)shape->outputs) + LABELS_SLACK;
        L->labels.max = most < (1L << 24) ? (int)most : 1 << 24;
        if (shape->classes) {
            L->known = rt_xcalloc((size_t)(shape->n_classes > 0 ? shape->n_classes : 1), sizeof *L->known);
            if (!L->known)
                goto done;
            for (int c = 0; c < shape->n_classes; c++)
                L->known[c] = (struct named){shape->classes[c], strlen(shape->classes[c]), c};
            qsort(L->known, (size_t)shape->n_classes, sizeof *L->known, named_cmp);
        }
    }
    L->budget = memory_budget();
    size_t row_bytes = (size_t)(lay->d + lay->ny) * sizeof(double);
    L->max_rows = MAX_ROWS;
    if (L->budget / row_bytes < (size_t)MAX_ROWS) {
        L->max_rows = (long)(L->budget / row_bytes);
        L->by_memory = 1;
    }

    /* The rows: the first line unless it is a header, then block after block. */
    int stopped = 0;
    L->header = header;
    if (!header || L->deferred)
        stopped = take_rows(L, first, &l0, 1);
    while (!stopped) {
        if (b.n > 0)
            stopped = take_rows(L, r.buf, b.line, b.n);
        if (stopped || r.fatal || b.n == 0)
            break;
        release(&r, &b, b.n);
        collect(&r, &b);
    }
    if (r.fatal && !L->stop)
        goto fatal;
    if (finish(L, ds, src))
        goto done;

    /* The features' names from the header, label columns left out. */
    if (hnames && L->header && (hlab >= 0 || hc == lay->d)) {
        int hny = hlab >= 0 ? hc - lay->d : 0;
        ds->feature_names = rt_xcalloc((size_t)lay->d, sizeof *ds->feature_names);
        if (!ds->feature_names)
            goto done;
        nfeat = lay->d;
        for (int j = 0; j < lay->d; j++) {
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
    /* Give back the room grown for rows that never came. */
    double *x = realloc(L->x, (size_t)L->rows * (size_t)lay->d * sizeof *x);
    if (x)
        L->x = x;
    if (L->y && lay->ny > 0) {
        double *y = realloc(L->y, (size_t)L->rows * (size_t)lay->ny * sizeof *y);
        if (y)
            L->y = y;
    }
    ds->n = (int)L->rows;
    ds->d = lay->d;
    ds->ny = lay->ny;
    ds->x_f64 = L->x;
    ds->y = L->y;
    L->x = L->y = NULL;
    rc = 0;
    goto done;

fatal:
    /* Reading stopped: the errors of the rows before, then why. */
    errs_print(path, L->names ? &L->name : &L->num);
    rt_error(path, r.fatal_line, "%s", r.fatal_msg);
done:
    if (rc) {
        free_names(ds->classes, ds->n_classes);
        free_names(ds->feature_names, nfeat);
        memset(ds, 0, sizeof *ds);
    }
    if (opened)
        reader_close(&r);
    free(b.line);
    free(first);
    free_names(hnames, hc);
    labels_free(&L->labels);
    free(L->known);
    free(L->st);
    free(L->ls);
    free(L->le);
    free(L->x);
    free(L->y);
    free(L);
    return rc;
}
