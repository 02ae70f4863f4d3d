/* infra.y — the grammar. A pure, reentrant LALR(1) parser with locations.
 *
 * Whitespace (newlines included) only separates tokens: there is no operator
 * that two juxtaposed expressions could form, so `a = b  c = d` is two items.
 * Error recovery works at two levels: a broken item inside braces is skipped
 * up to the brace that closes it, and a broken top-level item is skipped
 * token by token, so several syntax errors are reported in one run.
 */
%define api.pure full
%define parse.error detailed
%locations
%param {void *scanner}
%parse-param {parse_state *ps}

%code requires {
#include "ast.h"
#include "parse_state.h"
}

%code {
#include <string.h>
int yylex(YYSTYPE *lval, YYLTYPE *lloc, void *scanner);
static void yyerror(YYLTYPE *loc, void *scanner, parse_state *ps, const char *msg);
static src_loc L(parse_state *ps, YYLTYPE l);
static ast_expr *ex(parse_state *ps, ast_expr_kind k, YYLTYPE l);
static ast_expr *bin(parse_state *ps, ast_expr_kind k, ast_expr *a, ast_expr *b, YYLTYPE l);
static ast_item *item(parse_state *ps, ast_item_kind k, YYLTYPE l);
static ast_expr *literal(parse_state *ps, ast_expr_kind k, const char *text, double num, YYLTYPE l);
static void push(parse_state *ps, ptrvec *v, void *x);
static ast_expr *num(parse_state *ps, const char *text, YYLTYPE l);
static ast_expr *map_of(parse_state *ps, const ptrvec *pairs, YYLTYPE l);
static ast_expr *str_append(parse_state *ps, ast_expr *s, ast_expr *part);
static const char *plain_key(parse_state *ps, ast_expr *s);
static const char *block_type_text(parse_state *ps, ast_expr *s);
}

%union {
    const char *text;
    double num;
    ast_expr *expr;
    ast_item *item;
    ast_type *type;
    ast_annot *annot;
    ptrvec vec;
}

%token END 0 "end of file"
%token IMPORT "import" USE "use" LET "let" KIND "kind" ATTR "attr" FOR "for" IN "in"
%token WHEN "when" IF "if" ELSE "else" ENVIRONMENTS "environments"
%token TRUE "true" FALSE "false" NUL "null"
%token EQ "==" NE "!=" LE "<=" GE ">=" AND "&&" OR "||" DOTDOT ".."
%token STR_BEGIN "string" STR_END "end of string" INTERP_BEGIN "${" INTERP_END "} of interpolation"
%token <text> IDENT "identifier" CIDR "CIDR" IP "IP address" STR_TEXT "string text"
%token <text> NUMBER "number" DURATION "duration" PERCENT "percentage" SIZE "size"

%type <vec> expr_list items env_list labels list_items map_items args type_args annots_opt names
%precedence LOWER
%precedence '@'
%type <item> item decl_item env_entry attr_decl
%type <expr> expr primary postfix unary sum product cmp and_expr or_expr label string str_parts map_key_expr number
%type <text> key dotted
%type <type> type
%type <annot> annot

%%

/* Top-level items go straight into the file, so that what was parsed
 * before an error survives even when recovery cannot finish (bison gives up
 * when the error is at the end of the file). */
program
    : %empty
    | program item              { if ($2) { $2->end = L(ps, @2); push(ps, &ps->out->items, $2); } }
    | program error
    ;

items
    : %empty                    { memset(&$$, 0, sizeof $$); }
    | items item                { $$ = $1; if ($2) { $2->end = L(ps, @2); push(ps, &$$, $2); } }
    | items error               { $$ = $1; }
    ;

/* An annotation right after an attribute's value belongs to that attribute;
 * one standing alone in a body belongs to the enclosing block. */
item
    : decl_item                 { $$ = $1; }
    | key '=' expr annots_opt %prec LOWER
                                { $$ = item(ps, IT_ATTR, @1); $$->name = $1; $$->name_loc = L(ps, @1);
                                  $$->value = $3; $$->annots = $4; }
    | annot                     { $$ = item(ps, IT_ANNOT, @1); push(ps, &$$->annots, $1); }
    ;

annots_opt
    : %empty                    { memset(&$$, 0, sizeof $$); }
    | annots_opt annot          { $$ = $1; push(ps, &$$, $2); }
    ;

decl_item
    : IDENT labels '{' items '}'
                                { $$ = item(ps, IT_BLOCK, @1); $$->name = $1; $$->name_loc = L(ps, @1);
                                  $$->labels = $2; $$->body = $4; }
    | string '{' items '}'      { $$ = item(ps, IT_BLOCK, @1); $$->name_loc = L(ps, @1); $$->body = $3;
                                  $$->name = ast_word($1);
                                  if (!$$->name) { $$->name_expr = $1; $$->name = block_type_text(ps, $1); } }
    | KIND IDENT '{' items '}'  { $$ = item(ps, IT_KIND, @1); $$->name = $2; $$->name_loc = L(ps, @2);
                                  $$->body = $4; }
    | attr_decl                 { $$ = $1; }
    | FOR IDENT IN expr '{' items '}'
                                { $$ = item(ps, IT_FOR, @1); $$->name = $2; $$->name_loc = L(ps, @2);
                                  $$->value = $4; $$->body = $6; }
    | WHEN names '{' items '}'  { $$ = item(ps, IT_WHEN, @1); $$->envs = $2; $$->body = $4; }
    | IF expr '{' items '}'     { $$ = item(ps, IT_IF, @1); $$->value = $2; $$->body = $4; }
    | IF expr '{' items '}' ELSE '{' items '}'
                                { $$ = item(ps, IT_IF, @1); $$->value = $2; $$->body = $4; $$->else_body = $8; }
    | LET IDENT '=' expr        { $$ = item(ps, IT_LET, @1); $$->name = $2; $$->name_loc = L(ps, @2); $$->value = $4; }
    | IMPORT string             { $$ = item(ps, IT_IMPORT, @1); $$->value = $2; }
    | IMPORT '{' items '}'      { $$ = item(ps, IT_BLOCK, @1); $$->name = "import"; $$->name_loc = L(ps, @1);
                                  $$->body = $3; }     /* Terraform's import block */
    | USE dotted                { $$ = item(ps, IT_USE, @1); $$->name = $2; $$->name_loc = L(ps, @2); }
    | ENVIRONMENTS '{' env_list '}'
                                { $$ = item(ps, IT_ENVIRONMENTS, @1); $$->envs = $3; }
    ;

/* An attribute declaration may carry annotations: `@doc("...")`. */
attr_decl
    : ATTR key ':' type annots_opt %prec LOWER
                                { $$ = item(ps, IT_ATTR_DECL, @1); $$->name = $2; $$->name_loc = L(ps, @2); $$->type = $4;
                                  $$->annots = $5; }
    | ATTR key ':' type '=' expr annots_opt %prec LOWER
                                { $$ = item(ps, IT_ATTR_DECL, @1); $$->name = $2; $$->name_loc = L(ps, @2);
                                  $$->type = $4; $$->value = $6; $$->annots = $7; }
    ;

/* Attribute names may be keywords where that is unambiguous: Kubernetes has
 * `kind`, GitHub Actions has `if` and `env`, the project's Terraform settings
 * `environments`. */
key
    : IDENT                     { $$ = $1; }
    | KIND                      { $$ = "kind"; }
    | IF                        { $$ = "if"; }
    | IN                        { $$ = "in"; }
    | USE                       { $$ = "use"; }
    | FOR                       { $$ = "for"; }
    | IMPORT                    { $$ = "import"; }
    | ENVIRONMENTS              { $$ = "environments"; }
    | string                    { $$ = plain_key(ps, $1); }
    ;

labels
    : %empty                    { memset(&$$, 0, sizeof $$); }
    | labels label              { $$ = $1; push(ps, &$$, $2); }
    ;

label
    : IDENT                     { $$ = literal(ps, EX_IDENT, $1, 0, @1); }
    | string                    { $$ = $1; }
    ;

names
    : IDENT                     { memset(&$$, 0, sizeof $$); push(ps, &$$, (void *)$1); }
    | names ',' IDENT           { $$ = $1; push(ps, &$$, (void *)$3); }
    ;

dotted
    : IDENT                     { $$ = $1; }
    | dotted '.' IDENT          { $$ = arena_printf(ps->a, "%s.%s", $1, $3); }
    ;

env_list
    : %empty                    { memset(&$$, 0, sizeof $$); }
    | env_list env_entry        { $$ = $1; $2->end = L(ps, @2); push(ps, &$$, $2); }
    | env_list ','              { $$ = $1; }
    ;

env_entry
    : IDENT                     { $$ = item(ps, IT_BLOCK, @1); $$->name = $1; $$->name_loc = L(ps, @1); }
    | IDENT '{' items '}'       { $$ = item(ps, IT_BLOCK, @1); $$->name = $1; $$->name_loc = L(ps, @1); $$->body = $3; }
    ;

annot
    : '@' IDENT '(' args ')'    { $$ = arena_alloc(ps->a, sizeof *$$); $$->name = $2; $$->args = $4; $$->loc = L(ps, @1); }
    | '@' IDENT                 { $$ = arena_alloc(ps->a, sizeof *$$); $$->name = $2; $$->loc = L(ps, @1); }
    ;

type
    : IDENT                     { $$ = arena_alloc(ps->a, sizeof *$$); $$->name = $1; $$->loc = L(ps, @1); }
    | IDENT '(' type_args ')'   { $$ = arena_alloc(ps->a, sizeof *$$); $$->name = $1; $$->args = $3; $$->loc = L(ps, @1); }
    | type '?'                  { $$ = $1; $$->optional = 1; }
    ;

type_args
    : type                      { memset(&$$, 0, sizeof $$); push(ps, &$$, $1); }
    | type_args ',' type        { $$ = $1; push(ps, &$$, $3); }
    ;

expr
    : or_expr                   { $$ = $1; }
    | or_expr '?' expr ':' expr { $$ = bin(ps, EX_COND, $3, $5, @$); $$->cond = $1; }
    ;

or_expr
    : and_expr                  { $$ = $1; }
    | or_expr OR and_expr       { $$ = bin(ps, EX_OR, $1, $3, @$); }
    ;

and_expr
    : cmp                       { $$ = $1; }
    | and_expr AND cmp          { $$ = bin(ps, EX_AND, $1, $3, @$); }
    ;

cmp
    : sum                       { $$ = $1; }
    | sum EQ sum                { $$ = bin(ps, EX_EQ, $1, $3, @$); }
    | sum NE sum                { $$ = bin(ps, EX_NE, $1, $3, @$); }
    | sum '<' sum               { $$ = bin(ps, EX_LT, $1, $3, @$); }
    | sum LE sum                { $$ = bin(ps, EX_LE, $1, $3, @$); }
    | sum '>' sum               { $$ = bin(ps, EX_GT, $1, $3, @$); }
    | sum GE sum                { $$ = bin(ps, EX_GE, $1, $3, @$); }
    ;

/* No binary minus: `a-b` is an identifier and `-1` a number. */
sum
    : product                   { $$ = $1; }
    | sum '+' product           { $$ = bin(ps, EX_ADD, $1, $3, @$); }
    ;

product
    : unary                     { $$ = $1; }
    | product '*' unary         { $$ = bin(ps, EX_MUL, $1, $3, @$); }
    ;

unary
    : postfix                   { $$ = $1; }
    | '!' unary                 { $$ = bin(ps, EX_NOT, $2, NULL, @$); }
    | '-' number                { $$ = $2; $$->num = -$$->num; $$->text = arena_printf(ps->a, "-%s", $$->text); $$->loc = L(ps, @$); }
    ;

postfix
    : primary                   { $$ = $1; }
    | postfix '.' IDENT         { $$ = bin(ps, EX_MEMBER, $1, NULL, @$); $$->text = $3; }
    | postfix '[' expr ']'      { $$ = bin(ps, EX_INDEX, $1, $3, @$); }
    | IDENT '(' args ')'        { $$ = ex(ps, EX_CALL, @$); $$->text = $1; $$->items = $3; }
    ;

primary
    : number                    { $$ = $1; }
    | CIDR                      { $$ = literal(ps, EX_CIDR, $1, 0, @1); }
    | IP                        { $$ = literal(ps, EX_IP, $1, 0, @1); }
    | NUMBER DOTDOT NUMBER      { $$ = bin(ps, EX_RANGE, num(ps, $1, @1), num(ps, $3, @3), @$); }
    | TRUE                      { $$ = literal(ps, EX_BOOL, "true", 1, @1); }
    | FALSE                     { $$ = literal(ps, EX_BOOL, "false", 0, @1); }
    | NUL                       { $$ = literal(ps, EX_NULL, "null", 0, @1); }
    | string                    { $$ = $1; }
    | IDENT                     { $$ = literal(ps, EX_IDENT, $1, 0, @1); }
    | '(' expr ')'              { $$ = $2; }
    | '[' list_items ']'        { $$ = ex(ps, EX_LIST, @$); $$->items = $2; }
    | '[' FOR IDENT IN expr ':' expr ']'
                                { $$ = bin(ps, EX_FOR, $5, $7, @$); $$->text = $3; }
    | '[' FOR IDENT IN expr ':' expr IF expr ']'
                                { $$ = bin(ps, EX_FOR, $5, $7, @$); $$->text = $3; $$->cond = $9; }
    | '{' map_items '}'         { $$ = map_of(ps, &$2, @$); }
    ;

number
    : NUMBER                    { $$ = num(ps, $1, @1); }
    | DURATION                  { $$ = num(ps, $1, @1); }
    | PERCENT                   { $$ = num(ps, $1, @1); }
    | SIZE                      { $$ = num(ps, $1, @1); }
    ;

string
    : STR_BEGIN str_parts STR_END { $$ = $2; $$->loc = L(ps, @$); }
    ;

str_parts
    : %empty                    { $$ = ex(ps, EX_STRING, @$); }
    | str_parts STR_TEXT        { $$ = str_append(ps, $1, literal(ps, EX_STRLIT, $2, 0, @2)); }
    | str_parts INTERP_BEGIN expr INTERP_END
                                { $$ = str_append(ps, $1, $3); }
    ;

/* List items and arguments are comma-separated (a trailing comma is fine):
 * without commas `f(a (b))` would be ambiguous. */
list_items
    : %empty                    { memset(&$$, 0, sizeof $$); }
    | expr_list                 { $$ = $1; }
    | expr_list ','             { $$ = $1; }
    ;

expr_list
    : expr                      { memset(&$$, 0, sizeof $$); push(ps, &$$, $1); }
    | expr_list ',' expr        { $$ = $1; push(ps, &$$, $3); }
    ;

/* Map entries are collected as alternating key, value pairs in one vector
 * (keys as EX_STRLIT expressions) and split in the EX_MAP action's caller. */
map_items
    : %empty                    { memset(&$$, 0, sizeof $$); }
    | map_items map_key_expr '=' expr
                                { $$ = $1; push(ps, &$$, $2); push(ps, &$$, $4); }
    | map_items ','             { $$ = $1; }
    ;

map_key_expr
    : key                       { $$ = literal(ps, EX_STRLIT, $1, 0, @1); }
    ;

args
    : list_items                { $$ = $1; }
    ;

%%

static src_loc L(parse_state *ps, YYLTYPE l)
{
    return parse_loc(ps, l.first_line, l.first_column, l.last_line, l.last_column);
}

static void yyerror(YYLTYPE *loc, void *scanner, parse_state *ps, const char *msg)
{
    (void)scanner;
    ps->out->syntax_errors++;
    if (ps->at_eof && ps->eof_explained)
        return;     /* the scanner said which bracket the end of the file left open */
    diag_error(ps->d, L(ps, *loc), "%s", msg);
}

/* A name written as a string ("alb.ingress.kubernetes.io/scheme" = ...)
 * is plain text: an interpolation there would be a name made up at run
 * time, which only a computed block type may be. */
static const char *plain_key(parse_state *ps, ast_expr *s)
{
    const char *t = ast_word(s);
    if (t)
        return t;
    diag_error(ps->d, s->loc, "an attribute's name is plain text (a computed name is for a nested block: \"NAME\" { ... })");
    ps->out->syntax_errors++;
    return "invalid";
}

/* A block whose type is a string with interpolations: its type is
 * computed where it stands (a workflow's job named after an environment);
 * name is a stand-in, for messages about it elsewhere. */
static const char *block_type_text(parse_state *ps, ast_expr *s)
{
    return arena_printf(ps->a, "\"...\" (line %d)", s->loc.line);
}

static void push(parse_state *ps, ptrvec *v, void *x)
{
    vec_push(ps->a, v, x);
}

static ast_expr *ex(parse_state *ps, ast_expr_kind k, YYLTYPE l)
{
    return ast_expr_new(ps->a, k, L(ps, l));
}

static ast_expr *bin(parse_state *ps, ast_expr_kind k, ast_expr *a, ast_expr *b, YYLTYPE l)
{
    ast_expr *e = ex(ps, k, l);
    e->lhs = a;
    e->rhs = b;
    return e;
}

static ast_item *item(parse_state *ps, ast_item_kind k, YYLTYPE l)
{
    ast_item *it = ast_item_new(ps->a, k, L(ps, l));
    it->file = ps->src;
    return it;
}

static ast_expr *literal(parse_state *ps, ast_expr_kind k, const char *text, double num, YYLTYPE l)
{
    ast_expr *e = ex(ps, k, l);
    e->text = text;
    e->num = num;
    return e;
}

/* Adjacent literal pieces of a string are merged, so "a\nb" is one piece. */
static ast_expr *str_append(parse_state *ps, ast_expr *s, ast_expr *part)
{
    if (part->kind == EX_STRLIT && s->items.len) {
        ast_expr *last = s->items.items[s->items.len - 1];
        if (last->kind == EX_STRLIT) {
            size_t n1 = strlen(last->text), n2 = strlen(part->text);
            char *t = arena_alloc(ps->a, n1 + n2 + 1);   /* not printf: this runs per escape */
            memcpy(t, last->text, n1);
            memcpy(t + n1, part->text, n2 + 1);
            last->text = t;
            return s;
        }
    }
    push(ps, &s->items, part);
    return s;
}

static ast_expr *num(parse_state *ps, const char *text, YYLTYPE l)
{
    ast_expr_kind k = EX_NUMBER;
    double v = 0;
    ast_number_value(text, &k, &v);     /* the scanner already rejected bad units */
    return literal(ps, k, text, v, l);
}

/* map_items collects key, value, key, value…; an EX_MAP keeps them apart. */
static ast_expr *map_of(parse_state *ps, const ptrvec *pairs, YYLTYPE l)
{
    ast_expr *m = ex(ps, EX_MAP, l);
    for (size_t i = 0; i + 1 < pairs->len; i += 2) {
        ast_expr *k = pairs->items[i];
        push(ps, &m->keys, (void *)k->text);
        push(ps, &m->items, pairs->items[i + 1]);
    }
    return m;
}
