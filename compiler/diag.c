/* diag.c — errors located in the network file: collected by every phase, printed gcc-style. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nncc.h"

typedef enum { DIAG_ERROR, DIAG_NOTE } DiagKind;

typedef struct Diag {
    DiagKind kind;
    Loc loc;
    char *msg;
    int group;     /* index of the error a note belongs to, so sorting never separates them */
    Loc group_loc; /* that error's place: the sort key (the array moves while sorting) */
    int seq;   /* order of reporting: the sort is stable */
} Diag;

static char *diag_path;
static char *diag_text; /* a copy: callers may free theirs before the flush */
static Diag *diags;
static int n_diags, cap_diags, n_errors, last_error = -1;

void diag_reset(void)
{
    for (int i = 0; i < n_diags; i++)
        free(diags[i].msg);
    free(diags);
    diags = NULL;
    n_diags = cap_diags = n_errors = 0;
    last_error = -1;
}

void diag_init(const char *path, const char *text)
{
    diag_reset();
    free(diag_path);
    free(diag_text);
    diag_path = xstrdup(path ? path : "<input>");
    diag_text = text ? xstrdup(text) : NULL;
}

static void diag_add(DiagKind kind, Loc loc, const char *fmt, va_list ap)
{
    if (n_diags == cap_diags) {
        cap_diags = cap_diags ? cap_diags * 2 : 16;
        Diag *grown = realloc(diags, (size_t)cap_diags * sizeof *grown);
        if (!grown) {
            fputs("nncc: out of memory\n", stderr);
            abort();
        }
        diags = grown;
    }
    va_list copy;
    va_copy(copy, ap);
    int len = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *msg = xcalloc((size_t)(len < 0 ? 0 : len) + 1, 1);
    vsnprintf(msg, (size_t)(len < 0 ? 0 : len) + 1, fmt, ap);
    if (kind == DIAG_ERROR) {
        last_error = n_diags;
        n_errors++;
    }
    /* A note before any error stands on its own. */
    int group = kind == DIAG_NOTE && last_error >= 0 ? last_error : n_diags;
    Loc group_loc = group == n_diags ? loc : diags[group].loc;
    diags[n_diags] = (Diag){kind, loc, msg, group, group_loc, n_diags};
    n_diags++;
}

void diag_error(Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(DIAG_ERROR, loc, fmt, ap);
    va_end(ap);
}

void diag_note(Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(DIAG_NOTE, loc, fmt, ap);
    va_end(ap);
}

int diag_count(void)
{
    return n_errors;
}

/* File order of the errors; each note right after its error, in the order reported. */
static int diag_cmp(const void *pa, const void *pb)
{
    const Diag *a = pa, *b = pb;
    if (a->group_loc.line != b->group_loc.line)
        return a->group_loc.line < b->group_loc.line ? -1 : 1;
    if (a->group_loc.col != b->group_loc.col)
        return a->group_loc.col < b->group_loc.col ? -1 : 1;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* Start of 1-based line `line` in the text, or NULL past the end. */
static const char *diag_line_start(int line)
{
    if (!diag_text || line < 1)
        return NULL;
    const char *p = diag_text;
    for (int l = 1; l < line; l++) {
        p = strchr(p, '\n');
        if (!p)
            return NULL;
        p++;
    }
    return p;
}

/* libyaml counts columns in characters, not bytes: step over UTF-8 continuation bytes. */
static const char *diag_advance_chars(const char *p, const char *end, int chars)
{
    while (chars > 0 && p < end) {
        p++;
        while (p < end && ((unsigned char)*p & 0xC0) == 0x80)
            p++;
        chars--;
    }
    return p;
}

/* Characters (not bytes) of the token starting at p: a quoted string, a flow collection on
 * this line, or a plain word. At least 1, so there is always a caret. */
static int diag_token_chars(const char *p, const char *end)
{
    const char *q = p;
    if (q >= end)
        return 1;
    if (*q == '"' || *q == '\'') {
        char quote = *q++;
        while (q < end && *q != quote)
            q += (*q == '\\' && quote == '"' && q + 1 < end) ? 2 : 1;
        if (q >= end)
            return 1;
        q++;
    } else if (*q == '[' || *q == '{') {
        int depth = 0;
        for (; q < end; q++) {
            if (*q == '[' || *q == '{')
                depth++;
            else if ((*q == ']' || *q == '}') && --depth == 0)
                break;
        }
        if (q >= end)
            return 1;
        q++;
    } else {
        while (q < end && !isspace((unsigned char)*q) && *q != ',' && *q != ']' && *q != '}' &&
               !(*q == ':' && (q + 1 == end || isspace((unsigned char)q[1]))))
            q++;
    }
    int chars = 0;
    for (const char *r = p; r < q; r++)
        if (((unsigned char)*r & 0xC0) != 0x80)
            chars++;
    return chars > 0 ? chars : 1;
}

static void diag_print_source(FILE *out, Loc loc)
{
    const char *start = diag_line_start(loc.line);
    if (!start || (!*start && loc.line > 1))
        return;
    const char *end = strchr(start, '\n');
    if (!end)
        end = start + strlen(start);
    if (end > start && end[-1] == '\r')
        end--;
    fprintf(out, " %4d | %.*s\n", loc.line, (int)(end - start), start);
    if (loc.col < 1)
        return;
    /* Keep the line's tabs so the caret lines up however the terminal shows them. */
    fputs("      | ", out);
    const char *at = diag_advance_chars(start, end, loc.col - 1);
    for (const char *p = start; p < at; p++) {
        if (((unsigned char)*p & 0xC0) == 0x80)
            continue;
        fputc(*p == '\t' ? '\t' : ' ', out);
    }
    int width = diag_token_chars(at, end);
    fputc('^', out);
    for (int i = 1; i < width; i++)
        fputc('~', out);
    fputc('\n', out);
}

void diag_flush(FILE *out)
{
    if (n_diags > 0)
        qsort(diags, (size_t)n_diags, sizeof *diags, diag_cmp);
    const char *path = diag_path ? diag_path : "<input>";
    for (int i = 0; i < n_diags; i++) {
        const Diag *d = &diags[i];
        const char *what = d->kind == DIAG_ERROR ? "error" : "note";
        if (d->loc.line < 1)
            fprintf(out, "%s: %s: %s\n", path, what, d->msg);
        else if (d->loc.col < 1)
            fprintf(out, "%s:%d: %s: %s\n", path, d->loc.line, what, d->msg);
        else
            fprintf(out, "%s:%d:%d: %s: %s\n", path, d->loc.line, d->loc.col, what, d->msg);
        /* A note at its error's place is a hint: the source line is already on screen. */
        int repeat = d->kind == DIAG_NOTE && i > 0 && diags[i - 1].loc.line == d->loc.line &&
                     diags[i - 1].loc.col == d->loc.col;
        if (!repeat)
            diag_print_source(out, d->loc);
    }
    fflush(out);
    /* Printed messages are done with; the error count stays until diag_reset or diag_init. */
    for (int i = 0; i < n_diags; i++)
        free(diags[i].msg);
    n_diags = 0;
    last_error = -1;
}

/* ---- did you mean ------------------------------------------------------------------------ */

/* Edit distance, case-insensitive, counting a swap of neighbours as one edit ("rleu"): the
 * commonest typo costs what it looks like. */
static int diag_distance(const char *a, const char *b)
{
    enum { MAX = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la > MAX || lb > MAX)
        return 1000; /* nobody misspells a 64-letter keyword */
    static int d[MAX + 1][MAX + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int ai = tolower((unsigned char)a[i - 1]), bj = tolower((unsigned char)b[j - 1]);
            int best = d[i - 1][j - 1] + (ai != bj);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && ai == tolower((unsigned char)b[j - 2]) && tolower((unsigned char)a[i - 2]) == bj &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *diag_suggest(const char *word, const char *const *candidates, int n)
{
    if (!word)
        return NULL;
    int len = (int)strlen(word);
    int limit = len / 3 > 1 ? len / 3 : 1;
    const char *best = NULL;
    int best_d = limit + 1, ties = 0;
    for (int i = 0; i < n; i++) {
        if (!candidates[i])
            continue;
        int d = diag_distance(word, candidates[i]);
        if (d < best_d) {
            best = candidates[i];
            best_d = d;
            ties = 0;
        } else if (d == best_d && best && strcmp(best, candidates[i]) != 0) {
            ties++;
        }
    }
    /* Two equally close candidates: guessing one would mislead as often as it helps. */
    return ties ? NULL : best;
}
