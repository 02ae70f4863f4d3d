/* fmt.c — see fmt.h.
 *
 * The printer walks the syntax tree and places each comment the lexer kept
 * before the first item (or list element) that follows it, or after the item
 * on whose last line it starts. Alignment is a second pass: the printer
 * records where a run of lines may be padded (before `=`, before `:`, before
 * a trailing comment) and align() pads consecutive lines of the same
 * indentation to the widest of them.
 */
#include "fmt.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load.h"
#include "repo.h"

typedef enum { MARK_EQ, MARK_COLON, MARK_COMMENT } mark_kind;

typedef struct mark {
    size_t off;                 /* in the output */
    mark_kind kind;
} mark;

typedef struct fmt {
    arena *a;
    strbuf sb;
    ptrvec marks;               /* mark*, in output order */
    const ptrvec *comments;     /* ast_comment* */
    size_t next;                /* the first comment not printed yet */
    int indent;
    int last_line;              /* the source line where the last thing printed ended */
} fmt;

static void print_expr(fmt *f, const ast_expr *e, int min);
static void print_item(fmt *f, const ast_item *it, bool inline_);

static void put(fmt *f, const char *s)
{
    sb_puts(&f->sb, s);
}

static void newline(fmt *f)
{
    sb_putc(&f->sb, '\n');
}

static void indent(fmt *f)
{
    for (int i = 0; i < f->indent; i++)
        sb_putc(&f->sb, ' ');
}

static void add_mark(fmt *f, mark_kind k)
{
    mark *m = arena_alloc(f->a, sizeof *m);
    m->off = f->sb.len;
    m->kind = k;
    vec_push(f->a, &f->marks, m);
}

/* ---- comments ---- */

static const ast_comment *peek(const fmt *f)
{
    return f->next < f->comments->len ? f->comments->items[f->next] : NULL;
}

static bool starts_before(const ast_comment *c, int line, int col)
{
    return c->loc.line < line || (c->loc.line == line && c->loc.col < col);
}

/* A comment without the spaces (or carriage return) that end its line. */
static void put_comment(fmt *f, const ast_comment *c)
{
    size_t n = c->len;
    while (n && (c->text[n - 1] == ' ' || c->text[n - 1] == '\t' || c->text[n - 1] == '\r'))
        n--;
    sb_putn(&f->sb, c->text, n);
    f->last_line = c->loc.end_line;
    f->next++;
}

/* A blank line where the source had one (or more) before `line`. */
static void gap(fmt *f, int line, bool *first)
{
    if (!*first && line > f->last_line + 1)
        newline(f);
    *first = false;
}

/* The comments that start before (line, col), each on a line of its own. */
static void own_line_comments(fmt *f, int line, int col, bool *first)
{
    for (const ast_comment *c; (c = peek(f)) && starts_before(c, line, col);) {
        gap(f, c->loc.line, first);
        indent(f);
        put_comment(f, c);
        newline(f);
    }
}

/* The comments that start on `line`, after what was printed of it. */
static void trailing_comments(fmt *f, int line)
{
    for (const ast_comment *c; (c = peek(f)) && c->loc.line == line;) {
        add_mark(f, MARK_COMMENT);
        put_comment(f, c);
    }
}

/* Comments inside something printed on one line: only block comments can
 * stand there; they stay inline. */
static void inline_comments(fmt *f, int line, int col, bool space_before)
{
    for (const ast_comment *c; (c = peek(f)) && starts_before(c, line, col) && c->text[1] == '*';) {
        if (space_before)
            sb_putc(&f->sb, ' ');
        put_comment(f, c);
        if (!space_before)
            sb_putc(&f->sb, ' ');
    }
}

/* ---- words and strings ---- */

static bool ident_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/* Can s be written bare where an attribute or map key goes? */
static bool bare_key(const char *s)
{
    static const char *reserved[] = {"let", "attr", "when", "else", "environments", "true", "false", "null"};
    if (!ident_char(*s, true))
        return false;
    for (const char *p = s + 1; *p; p++)
        if (!ident_char(*p, false) && !(*p == '-' && ident_char(p[1], false) && p[-1] != '-'))
            return false;
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (!strcmp(s, reserved[i]))
            return false;
    return s[strlen(s) - 1] != '-';
}

static void put_escaped(fmt *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '"': put(f, "\\\""); break;
        case '\\': put(f, "\\\\"); break;
        case '\n': put(f, "\\n"); break;
        case '\t': put(f, "\\t"); break;
        case '\r': put(f, "\\r"); break;
        case '$': put(f, s[1] == '{' ? "$$" : "$"); break;   /* a literal ${ is written $${ */
        default: sb_putc(&f->sb, *s);
        }
    }
}

static void put_key(fmt *f, const char *k)
{
    if (bare_key(k)) {
        put(f, k);
        return;
    }
    sb_putc(&f->sb, '"');
    put_escaped(f, k);
    sb_putc(&f->sb, '"');
}

/* A block's type: a word, or a string where a word would not parse as
 * one (a keyword that starts a statement, a name with a dot). */
static void put_block_type(fmt *f, const char *t)
{
    static const char *statements[] = {"kind", "if", "for", "in", "use"};
    for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++)
        if (!strcmp(t, statements[i])) {
            sb_printf(&f->sb, "\"%s\"", t);
            return;
        }
    put_key(f, t);
}

/* ---- expressions ---- */

enum { P_COND, P_OR, P_AND, P_CMP, P_SUM, P_PRODUCT, P_UNARY, P_POSTFIX, P_PRIMARY };

static int precedence(const ast_expr *e)
{
    switch (e->kind) {
    case EX_COND: return P_COND;
    case EX_OR: return P_OR;
    case EX_AND: return P_AND;
    case EX_EQ: case EX_NE: case EX_LT: case EX_LE: case EX_GT: case EX_GE: return P_CMP;
    case EX_ADD: return P_SUM;
    case EX_MUL: return P_PRODUCT;
    case EX_NOT: case EX_NEG: return P_UNARY;
    case EX_MEMBER: case EX_INDEX: case EX_CALL: return P_POSTFIX;
    case EX_NUMBER: case EX_DURATION: case EX_PERCENT: case EX_SIZE:
        return e->text && e->text[0] == '-' ? P_UNARY : P_PRIMARY;   /* `-1` is unary in the grammar */
    default: return P_PRIMARY;
    }
}

/* Was a list, map or call written with its first element on a later line
 * than its opening bracket? Then it is printed one element per line. */
static bool broken(const ast_expr *e)
{
    if ((e->kind != EX_LIST && e->kind != EX_MAP && e->kind != EX_CALL) || !e->items.len)
        return false;
    return ((const ast_expr *)e->items.items[0])->loc.line > e->loc.line;
}

static bool multiline(const ast_expr *e)
{
    if (!e)
        return false;
    if (broken(e) || multiline(e->lhs) || multiline(e->rhs) || multiline(e->cond))
        return true;
    for (size_t i = 0; i < e->items.len; i++)
        if (multiline(e->items.items[i]))
            return true;
    return false;
}

static void print_string(fmt *f, const ast_expr *e)
{
    sb_putc(&f->sb, '"');
    for (size_t i = 0; i < e->items.len; i++) {
        const ast_expr *part = e->items.items[i];
        if (part->kind == EX_STRLIT) {
            put_escaped(f, part->text);
        } else {
            put(f, "${");
            print_expr(f, part, P_COND);
            put(f, "}");
        }
    }
    sb_putc(&f->sb, '"');
}

/* One element per line, each ended by a comma (lists, arguments), or map
 * entries with aligned `=`. */
static void print_broken(fmt *f, const ast_expr *e, const char *open, const char *close)
{
    put(f, open);
    trailing_comments(f, e->loc.line);
    newline(f);
    f->indent += 2;
    bool first = true;
    for (size_t i = 0; i < e->items.len; i++) {
        const ast_expr *item = e->items.items[i];
        own_line_comments(f, item->loc.line, item->loc.col, &first);
        gap(f, item->loc.line, &first);
        indent(f);
        if (e->kind == EX_MAP) {
            put_key(f, e->keys.items[i]);
            if (!multiline(item))
                add_mark(f, MARK_EQ);
            put(f, " = ");
        }
        print_expr(f, item, P_COND);
        if (e->kind != EX_MAP)
            put(f, ",");
        f->last_line = item->loc.end_line;
        trailing_comments(f, item->loc.end_line);
        newline(f);
    }
    own_line_comments(f, e->loc.end_line, e->loc.end_col - 1, &first);
    f->indent -= 2;
    indent(f);
    put(f, close);
    f->last_line = e->loc.end_line;
}

static void print_list(fmt *f, const ast_expr *e, const char *open, const char *close)
{
    if (broken(e)) {
        print_broken(f, e, open, close);
        return;
    }
    put(f, open);
    for (size_t i = 0; i < e->items.len; i++) {
        if (i)
            put(f, ", ");
        print_expr(f, e->items.items[i], P_COND);
    }
    put(f, close);
}

static void print_map(fmt *f, const ast_expr *e)
{
    if (!e->items.len) {
        put(f, "{}");
        return;
    }
    if (broken(e)) {
        print_broken(f, e, "{", "}");
        return;
    }
    put(f, "{ ");
    for (size_t i = 0; i < e->items.len; i++) {
        if (i)
            put(f, ", ");
        put_key(f, e->keys.items[i]);
        put(f, " = ");
        print_expr(f, e->items.items[i], P_COND);
    }
    put(f, " }");
}

static void print_binary(fmt *f, const ast_expr *e, const char *op, int left, int right)
{
    print_expr(f, e->lhs, left);
    put(f, op);
    print_expr(f, e->rhs, right);
}

static void print_expr(fmt *f, const ast_expr *e, int min)
{
    if (precedence(e) < min) {
        put(f, "(");
        print_expr(f, e, P_COND);
        put(f, ")");
        return;
    }
    static const char *ops[] = {[EX_EQ] = " == ", [EX_NE] = " != ", [EX_LT] = " < ", [EX_LE] = " <= ",
                                [EX_GT] = " > ", [EX_GE] = " >= ", [EX_AND] = " && ", [EX_OR] = " || ",
                                [EX_ADD] = " + ", [EX_MUL] = " * "};
    switch (e->kind) {
    case EX_STRING: print_string(f, e); break;
    case EX_LIST: print_list(f, e, "[", "]"); break;
    case EX_MAP: print_map(f, e); break;
    case EX_RANGE:
        print_expr(f, e->lhs, P_PRIMARY);
        put(f, "..");
        print_expr(f, e->rhs, P_PRIMARY);
        break;
    case EX_MEMBER:
        print_expr(f, e->lhs, P_POSTFIX);
        put(f, ".");
        put(f, e->text);
        break;
    case EX_INDEX:
        print_expr(f, e->lhs, P_POSTFIX);
        put(f, "[");
        print_expr(f, e->rhs, P_COND);
        put(f, "]");
        break;
    case EX_CALL:
        put(f, e->text);
        print_list(f, e, "(", ")");
        break;
    case EX_NOT:
        put(f, "!");
        print_expr(f, e->lhs, P_UNARY);
        break;
    case EX_NEG:
        put(f, "-");
        print_expr(f, e->lhs, P_UNARY);
        break;
    case EX_AND: print_binary(f, e, ops[e->kind], P_AND, P_CMP); break;
    case EX_OR: print_binary(f, e, ops[e->kind], P_OR, P_AND); break;
    case EX_EQ: case EX_NE: case EX_LT: case EX_LE: case EX_GT: case EX_GE:
        print_binary(f, e, ops[e->kind], P_SUM, P_SUM);
        break;
    case EX_ADD: print_binary(f, e, ops[e->kind], P_SUM, P_PRODUCT); break;
    case EX_MUL: print_binary(f, e, ops[e->kind], P_PRODUCT, P_UNARY); break;
    case EX_FOR:
        put(f, "[for ");
        put(f, e->text);
        put(f, " in ");
        print_expr(f, e->lhs, P_COND);
        put(f, " : ");
        print_expr(f, e->rhs, P_COND);
        if (e->cond) {
            put(f, " if ");
            print_expr(f, e->cond, P_COND);
        }
        put(f, "]");
        break;
    case EX_COND:
        print_expr(f, e->cond, P_OR);
        put(f, " ? ");
        print_expr(f, e->lhs, P_COND);
        put(f, " : ");
        print_expr(f, e->rhs, P_COND);
        break;
    default:        /* literals and identifiers keep their spelling */
        put(f, e->text ? e->text : "null");
        break;
    }
}

/* ---- items ---- */

static void print_type(fmt *f, const ast_type *t)
{
    put(f, t->name);
    if (t->args.len) {
        put(f, "(");
        for (size_t i = 0; i < t->args.len; i++) {
            if (i)
                put(f, ", ");
            print_type(f, t->args.items[i]);
        }
        put(f, ")");
    }
    if (t->optional)
        put(f, "?");
}

static void print_annot(fmt *f, const ast_annot *an)
{
    put(f, "@");
    put(f, an->name);
    if (an->args.len) {
        put(f, "(");
        for (size_t i = 0; i < an->args.len; i++) {
            if (i)
                put(f, ", ");
            print_expr(f, an->args.items[i], P_COND);
        }
        put(f, ")");
    }
}

static void print_annots(fmt *f, const ptrvec *annots)
{
    for (size_t i = 0; i < annots->len; i++) {
        put(f, "  ");
        print_annot(f, annots->items[i]);
    }
}

/* Items one per line at the current indentation, each with the comments
 * before it and on its last line; `one` prints an item. */
static void print_lines(fmt *f, const ptrvec *items, void (*one)(fmt *, const ast_item *), bool *first)
{
    for (size_t i = 0; i < items->len; i++) {
        const ast_item *it = items->items[i];
        own_line_comments(f, it->loc.line, it->loc.col, first);
        gap(f, it->loc.line, first);
        indent(f);
        one(f, it);
        f->last_line = it->end.end_line;
        trailing_comments(f, it->end.end_line);
        newline(f);
    }
}

static void print_line_item(fmt *f, const ast_item *it)
{
    print_item(f, it, false);
}

static bool comment_before(const fmt *f, int line, int col)
{
    const ast_comment *c = peek(f);
    return c && starts_before(c, line, col);
}

/* `{ items }` of an item: on one line when the item was written on one
 * line, else one item per line. close is where its `}` is, when known. */
static void print_body(fmt *f, const ast_item *owner, const ptrvec *items, const src_loc *close)
{
    int cl = close ? close->end_line : owner->end.end_line, cc = close ? close->end_col - 1 : owner->end.end_col - 1;
    if (!items->len && !comment_before(f, cl, cc)) {
        put(f, "{}");
        return;
    }
    if (owner->loc.line == owner->end.end_line) {
        put(f, "{ ");
        for (size_t i = 0; i < items->len; i++) {
            const ast_item *it = items->items[i];
            if (i)
                put(f, "  ");
            inline_comments(f, it->loc.line, it->loc.col, false);
            print_item(f, it, true);
        }
        inline_comments(f, cl, cc, true);
        put(f, " }");
        return;
    }
    put(f, "{");
    trailing_comments(f, owner->loc.line);
    newline(f);
    f->indent += 2;
    bool first = true;
    print_lines(f, items, print_line_item, &first);
    if (close)
        own_line_comments(f, cl, cc, &first);
    f->indent -= 2;
    indent(f);
    put(f, "}");
}

/* An environment of `environments { }`: its name, and its settings if any. */
static void print_env(fmt *f, const ast_item *e)
{
    put(f, e->name);
    if (e->body.len) {
        put(f, " ");
        print_body(f, e, &e->body, &e->end);
    }
}

static void print_envs(fmt *f, const ast_item *it)
{
    if (it->loc.line == it->end.end_line) {
        put(f, "{");
        for (size_t i = 0; i < it->envs.len; i++) {
            put(f, " ");
            print_env(f, it->envs.items[i]);
        }
        put(f, it->envs.len ? " }" : "}");
        return;
    }
    put(f, "{");
    trailing_comments(f, it->loc.line);
    newline(f);
    f->indent += 2;
    bool first = true;
    print_lines(f, &it->envs, print_env, &first);
    own_line_comments(f, it->end.end_line, it->end.end_col - 1, &first);
    f->indent -= 2;
    indent(f);
    put(f, "}");
}

static void print_item(fmt *f, const ast_item *it, bool inline_)
{
    switch (it->kind) {
    case IT_ATTR:
        put_key(f, it->name);
        if (!inline_ && !multiline(it->value))
            add_mark(f, MARK_EQ);
        put(f, " = ");
        print_expr(f, it->value, P_COND);
        print_annots(f, &it->annots);
        break;
    case IT_BLOCK:
        if (it->name_expr)
            print_expr(f, it->name_expr, P_PRIMARY);
        else
            put_block_type(f, it->name);
        for (size_t i = 0; i < it->labels.len; i++) {
            put(f, " ");
            print_expr(f, it->labels.items[i], P_PRIMARY);
        }
        put(f, " ");
        print_body(f, it, &it->body, &it->end);
        break;
    case IT_KIND:
        put(f, "kind ");
        put(f, it->name);
        put(f, " ");
        print_body(f, it, &it->body, &it->end);
        break;
    case IT_ATTR_DECL:
        put(f, "attr ");
        put(f, it->name);
        if (!inline_ && !multiline(it->value))
            add_mark(f, MARK_COLON);
        put(f, " : ");
        print_type(f, it->type);
        if (it->value) {
            put(f, " = ");
            print_expr(f, it->value, P_COND);
        }
        print_annots(f, &it->annots);
        break;
    case IT_FOR:
        put(f, "for ");
        put(f, it->name);
        put(f, " in ");
        print_expr(f, it->value, P_COND);
        put(f, " ");
        print_body(f, it, &it->body, &it->end);
        break;
    case IT_WHEN:
        put(f, "when ");
        for (size_t i = 0; i < it->envs.len; i++) {
            put(f, i ? ", " : "");
            put(f, it->envs.items[i]);
        }
        put(f, " ");
        print_body(f, it, &it->body, &it->end);
        break;
    case IT_IF:
        put(f, "if ");
        print_expr(f, it->value, P_COND);
        put(f, " ");
        /* the `}` before `else` has no recorded place: comments there open the else body */
        print_body(f, it, &it->body, it->else_body.len ? NULL : &it->end);
        if (it->else_body.len) {
            put(f, " else ");
            print_body(f, it, &it->else_body, &it->end);
        }
        break;
    case IT_LET:
        put(f, "let ");
        put(f, it->name);
        put(f, " = ");
        print_expr(f, it->value, P_COND);
        break;
    case IT_IMPORT:
        put(f, "import ");
        print_expr(f, it->value, P_COND);
        break;
    case IT_USE:
        put(f, "use ");
        put(f, it->name);
        break;
    case IT_ENVIRONMENTS:
        put(f, "environments ");
        print_envs(f, it);
        break;
    case IT_ANNOT:
        print_annot(f, it->annots.items[0]);
        break;
    }
}

/* ---- alignment ---- */

typedef struct line {
    size_t start, len;          /* in the unaligned text */
    long at[3];                 /* per mark_kind: offset in the line, or -1 */
    size_t pad[3];
} line;

static size_t columns(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static size_t indent_of(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    return i;
}

/* The column of line l's mark k once the marks before it are padded. */
static size_t mark_col(const char *text, const line *l, int k)
{
    size_t c = columns(text + l->start, (size_t)l->at[k]);
    for (int j = 0; j < k; j++)
        if (l->at[j] >= 0 && l->at[j] <= l->at[k])
            c += l->pad[j];
    return c;
}

/* Pads the marks of kind k in each run of consecutive lines that have one
 * and the same indentation; a trailing comment gets one space more. */
static void align_kind(const char *text, line *lines, size_t n, int k)
{
    for (size_t i = 0; i < n;) {
        if (lines[i].at[k] < 0) {
            i++;
            continue;
        }
        size_t ind = indent_of(text + lines[i].start, lines[i].len), end = i, width = 0;
        while (end < n && lines[end].at[k] >= 0 && indent_of(text + lines[end].start, lines[end].len) == ind) {
            size_t c = mark_col(text, &lines[end], k);
            width = c > width ? c : width;
            end++;
        }
        for (size_t j = i; j < end; j++)
            lines[j].pad[k] = width - mark_col(text, &lines[j], k) + (k == MARK_COMMENT);
        i = end;
    }
}

static const char *align(fmt *f)
{
    const char *text = f->sb.data ? f->sb.data : "";
    size_t n = 0, cap = 16;
    line *lines = arena_alloc(f->a, cap * sizeof *lines);
    size_t m = 0;
    for (size_t start = 0; start < f->sb.len;) {
        const char *nl = memchr(text + start, '\n', f->sb.len - start);
        size_t len = nl ? (size_t)(nl - (text + start)) : f->sb.len - start;
        if (n == cap) {
            line *more = arena_alloc(f->a, 2 * cap * sizeof *lines);
            memcpy(more, lines, cap * sizeof *lines);
            lines = more;
            cap *= 2;
        }
        line *l = &lines[n++];
        *l = (line){start, len, {-1, -1, -1}, {0, 0, 0}};
        for (; m < f->marks.len && ((const mark *)f->marks.items[m])->off <= start + len; m++) {
            const mark *mk = f->marks.items[m];
            l->at[mk->kind] = (long)(mk->off - start);
        }
        start += len + 1;
    }
    align_kind(text, lines, n, MARK_EQ);
    align_kind(text, lines, n, MARK_COLON);
    align_kind(text, lines, n, MARK_COMMENT);
    strbuf out;
    sb_init(&out, f->a);
    for (size_t i = 0; i < n; i++) {
        const line *l = &lines[i];
        size_t from = 0;
        bool done[3] = {false, false, false};
        for (;;) {     /* the marks of a line in the order they stand */
            int next = -1;
            for (int k = 0; k < 3; k++)
                if (!done[k] && l->at[k] >= 0 && (next < 0 || l->at[k] < l->at[next]))
                    next = k;
            if (next < 0)
                break;
            done[next] = true;
            sb_putn(&out, text + l->start + from, (size_t)l->at[next] - from);
            for (size_t p = 0; p < l->pad[next]; p++)
                sb_putc(&out, ' ');
            from = (size_t)l->at[next];
        }
        sb_putn(&out, text + l->start + from, l->len - from);
        sb_putc(&out, '\n');
    }
    return out.data ? out.data : "";
}

/* ---- verification ---- */

static void dump_expr(strbuf *sb, const ast_expr *e)
{
    if (!e) {
        sb_puts(sb, "~");
        return;
    }
    sb_printf(sb, "(%d %s", (int)e->kind, e->text ? e->text : "");
    dump_expr(sb, e->lhs);
    dump_expr(sb, e->rhs);
    dump_expr(sb, e->cond);
    for (size_t i = 0; i < e->items.len; i++)
        dump_expr(sb, e->items.items[i]);
    for (size_t i = 0; i < e->keys.len; i++)
        sb_printf(sb, "[%s]", (const char *)e->keys.items[i]);
    sb_putc(sb, ')');
}

static void dump_type(strbuf *sb, const ast_type *t)
{
    if (!t)
        return;
    sb_printf(sb, "<%s%s", t->name, t->optional ? "?" : "");
    for (size_t i = 0; i < t->args.len; i++)
        dump_type(sb, t->args.items[i]);
    sb_putc(sb, '>');
}

static void dump_items(strbuf *sb, const ptrvec *items)
{
    for (size_t i = 0; i < items->len; i++) {
        const ast_item *it = items->items[i];
        sb_printf(sb, "{%d %s", (int)it->kind, it->name ? it->name : "");
        dump_expr(sb, it->name_expr);
        for (size_t j = 0; j < it->labels.len; j++)
            dump_expr(sb, it->labels.items[j]);
        dump_expr(sb, it->value);
        dump_type(sb, it->type);
        for (size_t j = 0; j < it->annots.len; j++) {
            const ast_annot *an = it->annots.items[j];
            sb_printf(sb, "@%s", an->name);
            for (size_t k = 0; k < an->args.len; k++)
                dump_expr(sb, an->args.items[k]);
        }
        if (it->kind == IT_WHEN)
            for (size_t j = 0; j < it->envs.len; j++)
                sb_printf(sb, "|%s", (const char *)it->envs.items[j]);
        else
            dump_items(sb, &it->envs);
        dump_items(sb, &it->body);
        sb_puts(sb, "else");
        dump_items(sb, &it->else_body);
        sb_putc(sb, '}');
    }
}

static const char *dump(arena *a, const ast_file *af)
{
    strbuf sb;
    sb_init(&sb, a);
    dump_items(&sb, &af->items);
    for (size_t i = 0; i < af->comments.len; i++) {
        const ast_comment *c = af->comments.items[i];
        size_t n = c->len;
        while (n && (c->text[n - 1] == ' ' || c->text[n - 1] == '\t' || c->text[n - 1] == '\r'))
            n--;
        sb_printf(&sb, "#%zu:%.*s", n, (int)n, c->text);
    }
    return sb.data ? sb.data : "";
}

const char *fmt_file(arena *a, diag_ctx *d, const ast_file *af)
{
    fmt f = {.a = a, .comments = &af->comments};
    sb_init(&f.sb, a);
    bool first = true;
    print_lines(&f, &af->items, print_line_item, &first);
    own_line_comments(&f, 1 << 30, 0, &first);
    const char *text = align(&f);
    src_file *again = arena_alloc(a, sizeof *again);
    *again = (src_file){.path = af->src->path, .text = text, .len = strlen(text)};
    diag_ctx scratch;
    diag_init(&scratch, a);
    ast_file *back = parse_file(a, &scratch, again);
    if (scratch.errors || strcmp(dump(a, af), dump(a, back)) != 0) {
        diag_error(d, (src_loc){af->src, 1, 1, 1, 1},
                   "internal error: the formatted text would not be the same program; the file is left as it is");
        return NULL;
    }
    return text;
}

/* ---- files ---- */

static int by_name(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The .infra files under dir, sorted; hidden directories are skipped. */
static void find_infra(arena *a, const char *dir, ptrvec *out)
{
    DIR *dh = opendir(dir);
    if (!dh)
        return;
    ptrvec names = {0};
    for (struct dirent *de; (de = readdir(dh));)
        if (de->d_name[0] != '.')
            vec_push(a, &names, arena_printf(a, "%s/%s", dir, de->d_name));
    closedir(dh);
    if (names.len)
        qsort(names.items, names.len, sizeof names.items[0], by_name);
    for (size_t i = 0; i < names.len; i++) {
        const char *p = names.items[i];
        struct stat st;
        size_t n = strlen(p);
        if (lstat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            find_infra(a, p, out);
        else if (S_ISREG(st.st_mode) && n > 6 && strcmp(p + n - 6, ".infra") == 0)
            vec_push(a, out, (void *)p);
    }
}

/* Replaces path with text: a temporary file beside it, renamed over it. */
static int replace_file(const char *path, const char *text, size_t len)
{
    struct stat st;
    char tmp[PATH_MAX + 16];
    if (stat(path, &st) != 0 || snprintf(tmp, sizeof tmp, "%s.fmt.XXXXXX", path) >= (int)sizeof tmp)
        return -1;
    int fd = mkstemp(tmp), rc = -1;
    if (fd >= 0) {
        FILE *f = fdopen(fd, "w");
        bool ok = f && fwrite(text, 1, len, f) == len && fflush(f) == 0 && fchmod(fd, st.st_mode & 07777) == 0;
        ok = (f ? fclose(f) == 0 : close(fd) == 0) && ok;
        rc = ok && rename(tmp, path) == 0 ? 0 : -1;
        if (rc)
            unlink(tmp);
    }
    return rc;
}

/* One file (or standard input): 0 formatted already or rewritten, 1 not
 * formatted (--check), 2 an error. */
static int fmt_one(const fmt_opts *o, const char *path)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    bool in = load_is_stdin(path);
    size_t len = 0;
    char *text = in ? load_read_stdin(a, &len) : load_read_file(a, path, &len);
    int rc = 0;
    if (!text) {
        fprintf(stderr, "infrac fmt: cannot read %s: %s\n", in ? "standard input" : path, strerror(errno));
        arena_free(a);
        return 2;
    }
    src_file *src = arena_alloc(a, sizeof *src);
    *src = (src_file){.path = in ? "<stdin>" : path, .text = text, .len = len};
    ast_file *af = load_check_text(&d, src) ? parse_file(a, &d, src) : NULL;
    const char *out = d.errors ? NULL : fmt_file(a, &d, af);
    if (!out) {
        diag_print(&d, stderr, diag_want_colour(stderr));
        rc = 2;
    } else if (strlen(out) != len || memcmp(out, text, len) != 0) {
        if (o->diff)
            repo_print_diff(stdout, src->path, text, len, out, strlen(out));
        if (o->check) {
            if (!o->quiet && !o->diff)
                printf("%s\n", src->path);
            rc = 1;
        } else if (!in && replace_file(path, out, strlen(out)) != 0) {
            fprintf(stderr, "infrac fmt: cannot write %s: %s\n", path, strerror(errno));
            rc = 2;
        }
    }
    if (in && !o->check && !o->diff && out)
        fputs(out, stdout);
    arena_free(a);
    return rc;
}

int fmt_run(const fmt_opts *o)
{
    arena *a = arena_new();
    ptrvec files = {0};
    int rc = 0;
    char *here[] = {"."};
    char **paths = o->npaths ? o->paths : here;
    for (int i = 0; i < (o->npaths ? o->npaths : 1); i++) {
        struct stat st;
        if (!load_is_stdin(paths[i]) && stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
            find_infra(a, paths[i], &files);
        else
            vec_push(a, &files, paths[i]);
    }
    for (size_t i = 0; i < files.len; i++) {
        int r = fmt_one(o, files.items[i]);
        rc = r > rc ? r : rc;
    }
    arena_free(a);
    return rc;
}
