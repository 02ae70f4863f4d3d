/* stdlib_ast.c — parses the stdlib at build time and writes its syntax
 * trees as C data, so the compiler starts with them in its binary instead
 * of parsing 2,500 lines on every run (a third of a small compile).
 * usage: stdlib_ast OUT.c NAME=FILE...   (NAME is the path diagnostics show)
 *
 * Every node becomes a static object; lists become static arrays. The
 * output covers every field of ast.h's structures: a unit test compares
 * what it wrote with a fresh parse of the same text (test_front.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

typedef struct gen {
    FILE *out;
    arena *a;
    int next;               /* object numbers */
    int file;               /* the current file's number */
    strbuf defs;            /* the definitions, written after the declarations */
} gen;

static void c_string(strbuf *sb, const char *s)
{
    if (!s) {
        sb_puts(sb, "NULL");
        return;
    }
    sb_putc(sb, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            sb_printf(sb, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f || *p == '?')     /* '?': no trigraphs */
            sb_printf(sb, "\\%03o", *p);
        else
            sb_putc(sb, (char)*p);
    }
    sb_putc(sb, '"');
}

static void loc(gen *g, const src_loc *l)
{
    if (!l->file)
        sb_puts(&g->defs, "{0}");
    else
        sb_printf(&g->defs, "{&src_%d, %d, %d, %d, %d}", g->file, l->line, l->col, l->end_line, l->end_col);
}

typedef enum { NODE_EXPR, NODE_ITEM, NODE_TYPE, NODE_ANNOT, NODE_STRING } node_kind;

static int emit_expr(gen *g, const ast_expr *e);
static int emit_item(gen *g, const ast_item *it);
static int emit_type(gen *g, const ast_type *t);
static int emit_annot(gen *g, const ast_annot *an);

/* A list as a static array of pointers to what emit made of its items. */
static int emit_list(gen *g, const ptrvec *v, node_kind k)
{
    if (!v->len)
        return -1;
    int *ids = malloc(v->len * sizeof *ids);
    for (size_t i = 0; i < v->len; i++) {
        switch (k) {
        case NODE_EXPR: ids[i] = emit_expr(g, v->items[i]); break;
        case NODE_ITEM: ids[i] = emit_item(g, v->items[i]); break;
        case NODE_TYPE: ids[i] = emit_type(g, v->items[i]); break;
        case NODE_ANNOT: ids[i] = emit_annot(g, v->items[i]); break;
        case NODE_STRING: ids[i] = -1; break;
        }
    }
    int id = g->next++;
    fprintf(g->out, "static void *list_%d[%zu];\n", id, v->len);
    sb_printf(&g->defs, "static void *list_%d[%zu] = {", id, v->len);
    static const char *const prefix[] = {"e", "i", "t", "n"};
    for (size_t i = 0; i < v->len; i++) {
        if (i)
            sb_puts(&g->defs, ", ");
        if (k == NODE_STRING) {
            sb_puts(&g->defs, "(void *)");
            c_string(&g->defs, v->items[i]);
        } else {
            sb_printf(&g->defs, "&%s_%d", prefix[k], ids[i]);
        }
    }
    sb_puts(&g->defs, "};\n");
    free(ids);
    return id;
}

static void vec(gen *g, const char *field, int list, size_t len)
{
    if (list >= 0)
        sb_printf(&g->defs, ", .%s = {list_%d, %zu, %zu}", field, list, len, len);
}

static void ref(gen *g, const char *field, const char *prefix, int id)
{
    if (id >= 0)
        sb_printf(&g->defs, ", .%s = &%s_%d", field, prefix, id);
}

static int emit_expr(gen *g, const ast_expr *e)
{
    if (!e)
        return -1;
    int lhs = emit_expr(g, e->lhs), rhs = emit_expr(g, e->rhs), cond = emit_expr(g, e->cond);
    int items = emit_list(g, &e->items, NODE_EXPR), keys = emit_list(g, &e->keys, NODE_STRING);
    int id = g->next++;
    fprintf(g->out, "static ast_expr e_%d;\n", id);
    sb_printf(&g->defs, "static ast_expr e_%d = {.kind = %d, .loc = ", id, (int)e->kind);
    loc(g, &e->loc);
    sb_puts(&g->defs, ", .text = ");
    c_string(&g->defs, e->text);
    sb_printf(&g->defs, ", .num = %.17g", e->num);
    ref(g, "lhs", "e", lhs);
    ref(g, "rhs", "e", rhs);
    ref(g, "cond", "e", cond);
    vec(g, "items", items, e->items.len);
    vec(g, "keys", keys, e->keys.len);
    sb_puts(&g->defs, "};\n");
    return id;
}

static int emit_type(gen *g, const ast_type *t)
{
    if (!t)
        return -1;
    int args = emit_list(g, &t->args, NODE_TYPE);
    int id = g->next++;
    fprintf(g->out, "static ast_type t_%d;\n", id);
    sb_printf(&g->defs, "static ast_type t_%d = {.name = ", id);
    c_string(&g->defs, t->name);
    sb_printf(&g->defs, ", .optional = %d, .loc = ", t->optional);
    loc(g, &t->loc);
    vec(g, "args", args, t->args.len);
    sb_puts(&g->defs, "};\n");
    return id;
}

static int emit_annot(gen *g, const ast_annot *an)
{
    int args = emit_list(g, &an->args, NODE_EXPR);
    int id = g->next++;
    fprintf(g->out, "static ast_annot n_%d;\n", id);
    sb_printf(&g->defs, "static ast_annot n_%d = {.name = ", id);
    c_string(&g->defs, an->name);
    sb_puts(&g->defs, ", .loc = ");
    loc(g, &an->loc);
    vec(g, "args", args, an->args.len);
    sb_puts(&g->defs, "};\n");
    return id;
}

static int emit_item(gen *g, const ast_item *it)
{
    int labels = emit_list(g, &it->labels, NODE_EXPR), value = emit_expr(g, it->value);
    int name_expr = emit_expr(g, it->name_expr);
    int type = emit_type(g, it->type);
    int body = emit_list(g, &it->body, NODE_ITEM), else_body = emit_list(g, &it->else_body, NODE_ITEM);
    /* `when` lists environment names; `environments` their blocks */
    int envs = emit_list(g, &it->envs, it->kind == IT_ENVIRONMENTS ? NODE_ITEM : NODE_STRING);
    int annots = emit_list(g, &it->annots, NODE_ANNOT);
    int id = g->next++;
    fprintf(g->out, "static ast_item i_%d;\n", id);
    sb_printf(&g->defs, "static ast_item i_%d = {.kind = %d, .loc = ", id, (int)it->kind);
    loc(g, &it->loc);
    sb_puts(&g->defs, ", .name_loc = ");
    loc(g, &it->name_loc);
    sb_puts(&g->defs, ", .name = ");
    c_string(&g->defs, it->name);
    if (it->file)
        sb_printf(&g->defs, ", .file = &src_%d", g->file);
    vec(g, "labels", labels, it->labels.len);
    ref(g, "value", "e", value);
    ref(g, "name_expr", "e", name_expr);
    ref(g, "type", "t", type);
    vec(g, "body", body, it->body.len);
    vec(g, "else_body", else_body, it->else_body.len);
    vec(g, "envs", envs, it->envs.len);
    vec(g, "annots", annots, it->annots.len);
    sb_puts(&g->defs, "};\n");
    return id;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* One stdlib file: its text, its src_file, its syntax tree. */
static int emit_file(gen *g, int idx, const char *name, const char *path)
{
    size_t len;
    char *text = read_all(path, &len);
    if (!text) {
        perror(path);
        return -1;
    }
    src_file *src = arena_alloc(g->a, sizeof *src);
    src->path = arena_printf(g->a, "<stdlib>/%s", strncmp(name, "stdlib/", 7) ? name : name + 7);
    src->text = text;
    src->len = len;
    diag_ctx d;
    diag_init(&d, g->a);
    ast_file *af = parse_file(g->a, &d, src);
    if (d.errors) {
        diag_print(&d, stderr, 0);
        return -1;
    }
    g->file = idx;
    fprintf(g->out, "static src_file src_%d;\n", idx);
    sb_printf(&g->defs, "static const char text_%d[] = {", idx);
    for (size_t i = 0; i < len; i++)
        sb_printf(&g->defs, "%s%d,", i % 24 ? "" : "\n", (unsigned char)text[i]);
    sb_printf(&g->defs, "0};\nstatic src_file src_%d = {", idx);
    c_string(&g->defs, src->path);
    sb_printf(&g->defs, ", text_%d, %zu, true};\n", idx, len);
    int items = emit_list(g, &af->items, NODE_ITEM);
    sb_printf(&g->defs, "static ast_file file_%d = {.src = &src_%d", idx, idx);
    vec(g, "items", items, af->items.len);
    sb_puts(&g->defs, "};\n");
    free(text);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: stdlib_ast OUT.c NAME=FILE...\n", stderr);
        return 2;
    }
    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    gen g = {.out = out, .a = arena_new()};
    sb_init(&g.defs, g.a);
    fputs("/* generated by tools/stdlib_ast.c from stdlib/; do not edit */\n"
          "#include <stddef.h>\n#include \"stdlib_files.h\"\n", out);
    for (int i = 2; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (!eq)
            return 2;
        const char *name = arena_strndup(g.a, argv[i], (size_t)(eq - argv[i]));
        if (emit_file(&g, i, name, eq + 1))
            return 1;
    }
    fputs(g.defs.data, out);
    fputs("ast_file *const stdlib_ast[] = {\n", out);
    for (int i = 2; i < argc; i++)
        fprintf(out, "    &file_%d,\n", i);
    fputs("    NULL,\n};\n", out);
    arena_free(g.a);
    return fclose(out) != 0;
}
