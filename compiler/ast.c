/* ast.c — syntax-tree constructors and the driver of the scanner+parser. */
#include "ast.h"

#include <stdlib.h>
#include <string.h>

#include "parse_state.h"
#include "infra.tab.h"

ast_expr *ast_expr_new(arena *a, ast_expr_kind k, src_loc loc)
{
    ast_expr *e = arena_alloc(a, sizeof *e);
    e->kind = k;
    e->loc = loc;
    return e;
}

ast_item *ast_item_new(arena *a, ast_item_kind k, src_loc loc)
{
    ast_item *it = arena_alloc(a, sizeof *it);
    it->kind = k;
    it->loc = loc;
    return it;
}

int ast_number_value(const char *text, ast_expr_kind *kind, double *value)
{
    static const struct { const char *unit; ast_expr_kind kind; double scale; } units[] = {
        {"", EX_NUMBER, 1}, {"s", EX_DURATION, 1}, {"m", EX_DURATION, 60},
        {"h", EX_DURATION, 3600}, {"d", EX_DURATION, 86400}, {"%", EX_PERCENT, 1},
        {"KB", EX_SIZE, 1e3}, {"MB", EX_SIZE, 1e6}, {"GB", EX_SIZE, 1e9}, {"TB", EX_SIZE, 1e12},
        {"KiB", EX_SIZE, 1024.0}, {"MiB", EX_SIZE, 1048576.0},
        {"GiB", EX_SIZE, 1073741824.0}, {"TiB", EX_SIZE, 1099511627776.0},
    };
    const char *p = text;
    if (*p == '-')
        p++;
    const char *unit = p + strspn(p, "0123456789.");
    /* The program never calls setlocale(), so strtod reads '.' as the decimal
     * point whatever LC_ALL says. */
    double v = strtod(text, NULL);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(unit, units[i].unit) == 0) {
            *kind = units[i].kind;
            *value = v * units[i].scale;
            return 1;
        }
    }
    return 0;
}

/* Declared by flex (reentrant, bison bridge). */
typedef void *yyscan_t;
int yylex_init_extra(parse_state *extra, yyscan_t *scanner);
int yylex_destroy(yyscan_t scanner);
void *yy_scan_bytes(const char *bytes, int len, yyscan_t scanner);
int yyparse(void *scanner, parse_state *ps);

ast_file *parse_file(arena *a, diag_ctx *d, const src_file *src)
{
    ast_file *f = arena_alloc(a, sizeof *f);
    f->src = src;
    parse_state ps = {.a = a, .d = d, .src = src, .out = f, .line = 1, .col = 1};
    yyscan_t scanner;
    if (yylex_init_extra(&ps, &scanner) != 0) {
        diag_error(d, (src_loc){src, 0, 0, 0, 0}, "cannot start the scanner");
        return f;
    }
    yy_scan_bytes(src->text, (int)src->len, scanner);
    yyparse(scanner, &ps);
    yylex_destroy(scanner);
    return f;
}

const char *ast_word(const ast_expr *e)
{
    if (!e)
        return NULL;
    if (e->kind == EX_IDENT)
        return e->text;
    if (e->kind != EX_STRING || e->items.len > 1)
        return NULL;
    if (e->items.len == 0)
        return "";
    const ast_expr *part = e->items.items[0];
    return part->kind == EX_STRLIT ? part->text : NULL;
}
