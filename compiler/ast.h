/* ast.h — the syntax tree the parser builds.
 *
 * The grammar is deliberately generic: a program is a list of items, and an
 * item is an attribute (`name = expr`), a block (`type label* { items }`), or
 * one of the few statements with their own syntax (`for`, `when`, `if`,
 * `let`, `import`, `use`, `kind`, `attr`, `environments`). What a block *means*
 * (a project, a resource of some kind, a Terraform resource inside a
 * lowering) is decided later by the resolver, from its type word and where it
 * stands. This keeps the grammar small and lets kinds be written in the
 * language itself.
 */
#ifndef INFRAC_AST_H
#define INFRAC_AST_H

#include "arena.h"
#include "diag.h"

typedef enum {
    EX_NULL, EX_BOOL, EX_NUMBER,
    EX_DURATION,    /* num = seconds */
    EX_PERCENT,     /* num = percent value (33 for 33%) */
    EX_SIZE,        /* num = bytes */
    EX_CIDR,        /* text = "10.20.0.0/16" */
    EX_IP,          /* text = "203.0.113.7" */
    EX_RANGE,       /* a..b: lhs, rhs numbers */
    EX_STRING,      /* parts: EX_STRLIT pieces and interpolated expressions */
    EX_STRLIT,      /* a literal piece of a string (text, already unescaped) */
    EX_LIST,        /* items */
    EX_MAP,         /* keys (const char*), items */
    EX_IDENT,       /* text */
    EX_MEMBER,      /* lhs.text */
    EX_INDEX,       /* lhs[rhs] */
    EX_CALL,        /* text(items) — callee is a plain name */
    EX_NOT, EX_NEG,             /* lhs */
    EX_EQ, EX_NE, EX_LT, EX_LE, EX_GT, EX_GE, EX_AND, EX_OR,  /* lhs op rhs */
    EX_COND,        /* cond ? lhs : rhs */
    EX_ADD, EX_MUL,             /* lhs + rhs, lhs * rhs (numbers) */
    EX_FOR,         /* [for text in lhs : rhs if cond]: a list; cond may be NULL */
} ast_expr_kind;

typedef struct ast_expr {
    ast_expr_kind kind;
    src_loc loc;
    const char *text;       /* literal spelling, identifier, member name, callee */
    double num;             /* numeric value of number/duration/percent/size */
    struct ast_expr *lhs, *rhs, *cond;
    ptrvec items;           /* list items, map values, string parts, call args */
    ptrvec keys;            /* map keys (const char*) */
} ast_expr;

/* A type in an `attr` declaration: `bool`, `enum(a, b)`, `list(string)`, `ref(subnet)`. */
typedef struct ast_type {
    const char *name;       /* "string", "enum", "list", "map", "ref", ... */
    ptrvec args;            /* ast_type* (for enum: each arg's name is a value) */
    int optional;           /* trailing '?' */
    src_loc loc;
} ast_type;

/* `@allow(rule, "reason")`, `@legacy("reason")` */
typedef struct ast_annot {
    const char *name;
    ptrvec args;            /* ast_expr* */
    src_loc loc;
} ast_annot;

typedef enum {
    IT_ATTR,            /* name = value */
    IT_BLOCK,           /* name labels { body } */
    IT_FOR,             /* for name in value { body } */
    IT_WHEN,            /* when envs { body } */
    IT_IF,              /* if value { body } else { else_body } */
    IT_LET,             /* let name = value */
    IT_IMPORT,          /* import "name" */
    IT_USE,             /* use name (dotted) */
    IT_KIND,            /* kind name { body } */
    IT_ATTR_DECL,       /* attr name : type (= value)? */
    IT_ENVIRONMENTS,    /* environments { envs: each an IT_BLOCK with empty or full body } */
    IT_ANNOT,           /* an annotation standing alone in a body: applies to the block */
} ast_item_kind;

typedef struct ast_item {
    ast_item_kind kind;
    src_loc loc;            /* the whole item's start */
    src_loc name_loc;
    const char *name;
    ptrvec labels;          /* IT_BLOCK: ast_expr* (EX_IDENT or EX_STRING) */
    ast_expr *name_expr;    /* IT_BLOCK: a type computed by a string's interpolations
                               ("deploy-${env}" { }), where the block stands; else NULL */
    ast_expr *value;
    ast_type *type;
    ptrvec body, else_body; /* ast_item* */
    ptrvec envs;            /* IT_WHEN: const char* env names; IT_ENVIRONMENTS: ast_item* */
    ptrvec annots;          /* ast_annot* */
    const src_file *file;
    src_loc end;            /* the item's last token: its closing brace, or its value's end */
} ast_item;

/* A comment, kept for `infrac fmt`: its whole text, markers included,
 * pointing into the source. */
typedef struct ast_comment {
    src_loc loc;            /* start, and end (the column after its last byte) */
    const char *text;
    size_t len;
} ast_comment;

/* One parsed file. */
typedef struct ast_file {
    const src_file *src;
    ptrvec items;
    ptrvec comments;        /* ast_comment*, in source order */
    int syntax_errors;
} ast_file;

/* Parses src into an ast_file, reporting syntax errors through d. Always
 * returns a file (possibly partial: error recovery drops the broken items). */
ast_file *parse_file(arena *a, diag_ctx *d, const src_file *src);

/* The value of a number literal with its unit ("14d" -> EX_DURATION, 1209600
 * seconds). Returns 0 for an unknown unit. */
int ast_number_value(const char *text, ast_expr_kind *kind, double *value);

ast_expr *ast_expr_new(arena *a, ast_expr_kind k, src_loc loc);

/* The text of a plain word (`westeurope`) or of a string without
 * interpolation (`"a-z0-9"`, `""`); NULL for anything else. Settings that
 * are data, not expressions (naming, rule metadata, annotations), read this. */
const char *ast_word(const ast_expr *e);
ast_item *ast_item_new(arena *a, ast_item_kind k, src_loc loc);

#endif
