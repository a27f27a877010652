/* template.c — templates/ built into the binary, and the {{NAME}} expander the emitter uses. */
#include <stdlib.h>
#include <string.h>

#include "nncc.h"

/* build/templates.c, made by the Makefile from templates/. */
extern const struct {
    const char *name;
    const char *text;
} embedded_templates[];

const char *template_get(const char *name)
{
    for (int i = 0; embedded_templates[i].name; i++)
        if (!strcmp(embedded_templates[i].name, name)) return embedded_templates[i].text;
    return NULL;
}

typedef struct Buf {
    char *p;
    size_t len, cap;
} Buf;

static void buf_add(Buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            fprintf(stderr, "nncc: out of memory\n");
            abort();
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

/* Placeholders are {{NAME}} with NAME in [A-Z0-9_]; anything else between braces is plain text. */
char *template_expand(const char *text, const TemplateArg *args, int n, char **err)
{
    Buf out = {0};
    int used[64] = {0};
    if (n > (int)ARRAY_LEN(used)) unreachable();
    *err = NULL;
    buf_add(&out, "", 0);
    for (const char *p = text; *p;) {
        const char *open = strstr(p, "{{");
        if (!open) {
            buf_add(&out, p, strlen(p));
            break;
        }
        buf_add(&out, p, (size_t)(open - p));
        const char *name = open + 2, *close = name;
        while ((*close >= 'A' && *close <= 'Z') || (*close >= '0' && *close <= '9') || *close == '_') close++;
        if (close == name || close[0] != '}' || close[1] != '}') {
            buf_add(&out, open, 2);
            p = open + 2;
            continue;
        }
        int k = 0;
        while (k < n && (strlen(args[k].name) != (size_t)(close - name) ||
                         strncmp(args[k].name, name, (size_t)(close - name))))
            k++;
        if (k == n) {
            *err = xasprintf("unknown placeholder {{%.*s}}", (int)(close - name), name);
            free(out.p);
            return NULL;
        }
        used[k] = 1;
        buf_add(&out, args[k].value, strlen(args[k].value));
        p = close + 2;
    }
    for (int k = 0; k < n; k++) {
        if (!used[k]) {
            *err = xasprintf("argument %s is used by no placeholder", args[k].name);
            free(out.p);
            return NULL;
        }
    }
    return out.p;
}
