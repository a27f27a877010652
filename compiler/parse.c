/* parse.c — first phase: YAML text -> Node tree (libyaml events), every node with its line:col. */
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "nncc.h"

/* A network file is a handful of levels deep; a limit keeps hostile input off the C stack. */
#define PARSE_MAX_DEPTH 64

typedef struct Parser {
    yaml_parser_t yp;
    const char *text;
    size_t len;
    int failed; /* a syntax error: libyaml cannot go on after one */
} Parser;

static Loc parse_loc(yaml_mark_t mark)
{
    return (Loc){(int)mark.line + 1, (int)mark.column + 1};
}

/* Reader errors (bad UTF-8) give a byte offset only: count lines and characters up to it. */
static Loc parse_loc_of_offset(const Parser *p, size_t offset)
{
    Loc loc = {1, 1};
    for (size_t i = 0; i < offset && i < p->len; i++) {
        if (p->text[i] == '\n')
            loc = (Loc){loc.line + 1, 1};
        else if (((unsigned char)p->text[i] & 0xC0) != 0x80)
            loc.col++;
    }
    return loc;
}

static void parse_syntax_error(Parser *p)
{
    yaml_parser_t *yp = &p->yp;
    p->failed = 1;
    if (yp->error == YAML_MEMORY_ERROR) {
        fputs("nncc: out of memory\n", stderr);
        abort();
    }
    if (yp->error == YAML_READER_ERROR) {
        diag_error(parse_loc_of_offset(p, yp->problem_offset), "%s (the file must be UTF-8 text)",
                   yp->problem ? yp->problem : "unreadable input");
        return;
    }
    Loc at = parse_loc(yp->problem_mark);
    const char *problem = yp->problem ? yp->problem : "invalid YAML";
    /* libyaml's words for a tab are obscure; tabs are the commonest cause, so say so. */
    size_t off = yp->problem_mark.index;
    if (off < p->len && p->text[off] == '\t' && strstr(problem, "cannot start any token")) {
        diag_error(at, "tab character in indentation: YAML indents with spaces only");
        return;
    }
    /* The usual cause of this one is a line indented deeper than its siblings. */
    int indent = strstr(problem, "mapping values are not allowed") != NULL;
    diag_error(at, "invalid YAML: %s%s", problem, indent ? " (check the indentation of this line)" : "");
    if (yp->context) {
        Loc ctx = parse_loc(yp->context_mark);
        if (ctx.line != at.line || ctx.col != at.col)
            diag_note(ctx, "%s started here", yp->context);
    }
}

/* Next event, or 0 after reporting a syntax error. */
static int parse_next(Parser *p, yaml_event_t *ev)
{
    if (p->failed)
        return 0;
    if (!yaml_parser_parse(&p->yp, ev)) {
        parse_syntax_error(p);
        return 0;
    }
    return 1;
}

static Node *parse_new(NodeKind kind, Loc loc)
{
    Node *n = xcalloc(1, sizeof *n);
    n->kind = kind;
    n->loc = loc;
    return n;
}

static void parse_push(Node *parent, Node *child, int *cap)
{
    if (parent->n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        Node **grown = realloc(parent->items, (size_t)*cap * sizeof *grown);
        if (!grown) {
            fputs("nncc: out of memory\n", stderr);
            abort();
        }
        parent->items = grown;
    }
    parent->items[parent->n++] = child;
}

/* Anchors, tags and aliases make a file hard to read and to locate errors in; nothing in a
 * network file needs them. Reported, then parsing goes on as if they were not there. */
static void parse_reject_extras(Loc loc, const yaml_char_t *anchor, const yaml_char_t *tag, int implicit)
{
    if (anchor)
        diag_error(loc, "YAML anchors are not supported (found '&%s')", (const char *)anchor);
    if (tag && !implicit) {
        /* Show the tag as written: "!!int", not libyaml's expanded "tag:yaml.org,2002:int". */
        const char *t = (const char *)tag, *core = "tag:yaml.org,2002:";
        int is_core = strncmp(t, core, strlen(core)) == 0;
        diag_error(loc, "YAML tags are not supported (found '%s%s')", is_core ? "!!" : "", is_core ? t + strlen(core) : t);
    }
}

static Node *parse_node(Parser *p, yaml_event_t *ev, int depth);

/* node := scalar | '[' node* ']' | '{' (scalar node)* '}' — ev is the node's first event, and
 * is consumed. Returns NULL only after a syntax error. */
static Node *parse_node(Parser *p, yaml_event_t *ev, int depth)
{
    Loc loc = parse_loc(ev->start_mark);
    Node *node;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        parse_reject_extras(loc, ev->data.scalar.anchor, ev->data.scalar.tag,
                            ev->data.scalar.plain_implicit || ev->data.scalar.quoted_implicit);
        node = parse_new(NODE_SCALAR, loc);
        node->str = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        if (strlen(node->str) != ev->data.scalar.length)
            diag_error(loc, "NUL character in a string");
        node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        yaml_event_delete(ev);
        return node;
    case YAML_ALIAS_EVENT:
        diag_error(loc, "YAML aliases are not supported (found '*%s')", (const char *)ev->data.alias.anchor);
        yaml_event_delete(ev);
        node = parse_new(NODE_SCALAR, loc); /* a stand-in: later checks see an empty value */
        node->str = xstrdup("");
        return node;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        break;
    default:
        unreachable(); /* libyaml only starts a node with the events above */
    }

    int is_map = ev->type == YAML_MAPPING_START_EVENT;
    if (is_map)
        parse_reject_extras(loc, ev->data.mapping_start.anchor, ev->data.mapping_start.tag,
                            ev->data.mapping_start.implicit);
    else
        parse_reject_extras(loc, ev->data.sequence_start.anchor, ev->data.sequence_start.tag,
                            ev->data.sequence_start.implicit);
    yaml_event_delete(ev);
    node = parse_new(is_map ? NODE_MAP : NODE_SEQ, loc);
    if (depth >= PARSE_MAX_DEPTH) {
        diag_error(loc, "nested more than %d levels deep", PARSE_MAX_DEPTH);
        p->failed = 1;
        parse_free(node);
        return NULL;
    }
    int cap = 0;
    yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    for (;;) {
        yaml_event_t item;
        if (!parse_next(p, &item)) {
            parse_free(node);
            return NULL;
        }
        if (item.type == end) {
            yaml_event_delete(&item);
            break;
        }
        Node *child = parse_node(p, &item, depth + 1);
        if (!child) {
            parse_free(node);
            return NULL;
        }
        if (is_map && node->n % 2 == 0) {
            if (child->kind != NODE_SCALAR) {
                diag_error(child->loc, "a mapping key must be a plain name, not a %s",
                           child->kind == NODE_MAP ? "mapping" : "list");
            } else {
                for (int i = 0; i < node->n; i += 2) {
                    const Node *k = node->items[i];
                    if (k->kind == NODE_SCALAR && strcmp(k->str, child->str) == 0) {
                        diag_error(child->loc, "duplicate key '%s'", child->str);
                        diag_note(k->loc, "'%s' was first given here", k->str);
                        break;
                    }
                }
            }
        }
        parse_push(node, child, &cap);
    }
    return node;
}

Node *parse_yaml(const char *text, size_t len)
{
    Parser p = {.text = text, .len = len};
    if (!yaml_parser_initialize(&p.yp)) {
        fputs("nncc: out of memory\n", stderr);
        abort();
    }
    yaml_parser_set_input_string(&p.yp, (const unsigned char *)text, len);
    int errors_before = diag_count();
    Node *root = NULL;
    yaml_event_t ev;
    int docs = 0;
    while (parse_next(&p, &ev)) {
        yaml_event_type_t type = ev.type;
        Loc loc = parse_loc(ev.start_mark);
        if (type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            /* One network per file: a second document is most likely a stray '---'. */
            diag_error(loc, "a network file holds one YAML document; found a second one here");
            yaml_event_delete(&ev);
            break;
        }
        if (type == YAML_SCALAR_EVENT || type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT ||
            type == YAML_ALIAS_EVENT) {
            root = parse_node(&p, &ev, 0);
            if (!root)
                break;
            continue;
        }
        yaml_event_delete(&ev); /* stream start, document start and end */
    }
    yaml_parser_delete(&p.yp);

    if (p.failed || diag_count() > errors_before) {
        parse_free(root);
        return NULL;
    }
    /* An empty file, or one of comments only, is an empty network: validate names what is missing. */
    if (!root || (root->kind == NODE_SCALAR && root->plain && root->str[0] == '\0')) {
        Loc loc = root ? root->loc : (Loc){1, 1};
        parse_free(root);
        root = parse_new(NODE_MAP, loc);
    }
    return root;
}

void parse_free(Node *node)
{
    if (!node)
        return;
    for (int i = 0; i < node->n; i++)
        parse_free(node->items[i]);
    free(node->items);
    free(node->str);
    free(node);
}
