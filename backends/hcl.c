/* hcl.c — the HCL value and body printer of the Terraform backend; see hcl.h
 * for the layout rules it reproduces. */
#include "hcl.h"

#include <string.h>

/* One `key = value` line of a body or an object. */
typedef struct hcl_attr {
    const char *key;            /* as printed: quoted when it must be */
    const ir_value *value;      /* NULL prints as null */
    const ir_param *cond;       /* the value holds only where var.<cond> is true */
} hcl_attr;

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool hcl_ident(const char *s)
{
    if (!s || !is_alpha(*s))
        return false;
    for (s++; *s; s++)
        if (!is_alpha(*s) && !(*s >= '0' && *s <= '9') && *s != '-')
            return false;
    return true;
}

/* hclwrite measures a line in characters: UTF-8 continuation bytes add
 * nothing to a key's width. */
size_t hcl_columns(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Literal text inside a quoted template: HCL escapes, and `${`/`%{` doubled
 * so they are not read as template sequences. */
static void hcl_escape(strbuf *sb, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sb_printf(sb, "\\%c", c);
        else if (c == '\n')
            sb_puts(sb, "\\n");
        else if (c == '\r')
            sb_puts(sb, "\\r");
        else if (c == '\t')
            sb_puts(sb, "\\t");
        else if (c < 0x20)
            sb_printf(sb, "\\u%04x", c);
        else if ((c == '$' || c == '%') && s[1] == '{')
            sb_printf(sb, "%c%c", c, c);
        else
            sb_putc(sb, (char)c);
    }
}

void hcl_quoted(strbuf *sb, const char *s)
{
    sb_putc(sb, '"');
    hcl_escape(sb, s);
    sb_putc(sb, '"');
}

/* An object key is a bare identifier unless HCL would read it as something
 * else: a keyword literal, or `for`, which opens a for expression. */
static void object_key(strbuf *sb, const char *k)
{
    static const char *const keywords[] = {"true", "false", "null", "for"};
    bool bare = hcl_ident(k);
    for (size_t i = 0; bare && i < sizeof keywords / sizeof keywords[0]; i++)
        bare = strcmp(k, keywords[i]) != 0;
    if (bare)
        sb_puts(sb, k);
    else
        hcl_quoted(sb, k);
}

void hcl_block_address(strbuf *sb, const ir_block *b)
{
    if (b->kind == IRB_MODULE)
        sb_printf(sb, "module.%s", b->name);
    else
        sb_printf(sb, "%s%s.%s", b->kind == IRB_DATA ? "data." : "", b->type, b->name);
}

void hcl_ref_address(const hcl_printer *hp, strbuf *sb, const ir_value *v)
{
    const ir_block *b = v->ref_block;
    if (b->kind == IRB_LOCALS) {    /* a local value: local.<key>[.path] */
        sb_printf(sb, "local.%s", v->ref_path);
        return;
    }
    bool each = b->cond && hp->splat;
    if (each)
        sb_puts(sb, "one(");
    hcl_block_address(sb, b);
    if (b->cond)
        sb_puts(sb, each ? "[*]" : "[0]");     /* a conditional block has count = 0 or 1 */
    if (v->ref_path) {
        if (v->ref_path[0] != '[')
            sb_putc(sb, '.');
        sb_puts(sb, v->ref_path);
    }
    if (each)
        sb_putc(sb, ')');
}

static void print_ref(const hcl_printer *hp, strbuf *sb, const ir_value *v)
{
    if (hp->ref)
        hp->ref(hp, sb, v);
    else
        hcl_ref_address(hp, sb, v);
}

static bool is_container(const ir_value *v)
{
    return v && (v->kind == IR_LIST || v->kind == IR_OBJECT || v->kind == IR_JSON);
}

/* The width of a scalar printed on one line, or (size_t)-1 if it cannot be. */
static size_t flat_width(const hcl_printer *hp, const ir_value *v)
{
    strbuf sb;
    sb_init(&sb, hp->a);
    hcl_value(hp, &sb, v, 0, 0);
    return strchr(sb.data, '\n') ? (size_t)-1 : hcl_columns(sb.data);
}

/* A list stays on one line when it holds only scalars and the line, from
 * col, fits in HCL_WIDTH columns. */
static bool list_multiline(const hcl_printer *hp, const ir_value *v, size_t col)
{
    size_t width = col + 2 + (v->items.len ? 2 * (v->items.len - 1) : 0);
    for (size_t i = 0; i < v->items.len && width <= HCL_WIDTH; i++) {
        const ir_value *item = v->items.items[i];
        if (is_container(item))
            return true;
        size_t w = flat_width(hp, item);
        width = w == (size_t)-1 ? w : width + w;
    }
    return width > HCL_WIDTH;
}

bool hcl_multiline(const hcl_printer *hp, const ir_value *v, size_t col)
{
    if (!v)
        return false;
    switch (v->kind) {
    case IR_OBJECT: return v->items.len > 0;
    case IR_LIST: return list_multiline(hp, v, col + (v->take ? strlen("slice(") : 0));
    case IR_JSON: return hcl_multiline(hp, v->items.items[0], col + strlen("jsonencode("));
    case IR_RAW: return strchr(v->text, '\n') != NULL;
    default: return false;
    }
}

static void print_items(const hcl_printer *hp, strbuf *sb, const ir_value *v, size_t col, int indent);

/* A list an environment takes only the first items of (factoring's
 * prefix lists): slice([...], 0, var.n). */
static void print_list(const hcl_printer *hp, strbuf *sb, const ir_value *v, size_t col, int indent)
{
    if (!v->take) {
        print_items(hp, sb, v, col, indent);
        return;
    }
    sb_puts(sb, "slice(");
    print_items(hp, sb, v, col + strlen("slice("), indent);
    sb_printf(sb, ", 0, var.%s)", v->take->name);
}

/* An item of a list an environment slices: it is evaluated even where it
 * is cut off, so a reference to a block absent there reads it as
 * one(x[*].path), null where there is none. */
static void print_item(const hcl_printer *hp, strbuf *sb, const ir_value *list, const ir_value *item, size_t col,
                       int indent)
{
    hcl_printer each = *hp;
    each.splat = list->take && item->kind == IR_REF;
    hcl_value(&each, sb, item, col, indent);
}

static void print_items(const hcl_printer *hp, strbuf *sb, const ir_value *v, size_t col, int indent)
{
    if (!hcl_multiline(hp, v, col)) {
        sb_putc(sb, '[');
        for (size_t i = 0; i < v->items.len; i++) {
            if (i)
                sb_puts(sb, ", ");
            print_item(hp, sb, v, v->items.items[i], 0, indent);
        }
        sb_putc(sb, ']');
        return;
    }
    sb_puts(sb, "[\n");
    for (size_t i = 0; i < v->items.len; i++) {
        sb_indent(sb, indent + 2);
        print_item(hp, sb, v, v->items.items[i], (size_t)indent + 2, indent + 2);
        sb_puts(sb, ",\n");     /* the trailing comma fmt keeps on every item */
    }
    sb_indent(sb, indent);
    sb_putc(sb, ']');
}

static void print_attrs(const hcl_printer *hp, strbuf *sb, const hcl_attr *attrs, size_t n, int indent);

static void print_object(const hcl_printer *hp, strbuf *sb, const ir_value *v, int indent)
{
    if (!v->items.len) {
        sb_puts(sb, "{}");
        return;
    }
    hcl_attr *attrs = arena_alloc(hp->a, v->items.len * sizeof *attrs);
    for (size_t i = 0; i < v->items.len; i++) {
        strbuf key;
        sb_init(&key, hp->a);
        object_key(&key, v->keys.items[i]);
        attrs[i] = (hcl_attr){.key = key.data, .value = v->items.items[i]};
    }
    sb_puts(sb, "{\n");
    print_attrs(hp, sb, attrs, v->items.len, indent + 2);
    sb_indent(sb, indent);
    sb_putc(sb, '}');
}

static bool is_text(const ir_value *part)
{
    return part->kind == IR_STRING || part->kind == IR_NUMBER || part->kind == IR_BOOL;
}

/* The one expression of a template that holds nothing else, or NULL:
 * terraform fmt rewrites "${x}" to x. */
static const ir_value *lone_expression(const ir_value *v)
{
    const ir_value *expr = NULL;
    for (size_t i = 0; i < v->items.len; i++) {
        const ir_value *part = v->items.items[i];
        if (part->kind == IR_STRING && !*part->text)
            continue;      /* an empty literal adds nothing */
        if (is_text(part) || expr)
            return NULL;
        expr = part;
    }
    return expr;
}

/* Literal parts escaped as template text, the others as ${...}. Numbers and
 * bools read the same either way, so they are written as text. */
static void print_interp(const hcl_printer *hp, strbuf *sb, const ir_value *v)
{
    const ir_value *lone = lone_expression(v);
    if (lone) {
        hcl_value(hp, sb, lone, 0, 0);
        return;
    }
    sb_putc(sb, '"');
    for (size_t i = 0; i < v->items.len; i++) {
        const ir_value *part = v->items.items[i];
        if (is_text(part) && part->kind != IR_BOOL) {
            hcl_escape(sb, part->text);
        } else if (part->kind == IR_BOOL) {
            sb_puts(sb, part->boolean ? "true" : "false");
        } else {
            sb_puts(sb, "${");
            hcl_value(hp, sb, part, 0, 0);
            sb_putc(sb, '}');
        }
    }
    sb_putc(sb, '"');
}

void hcl_value(const hcl_printer *hp, strbuf *sb, const ir_value *v, size_t col, int indent)
{
    if (!v) {
        sb_puts(sb, "null");
        return;
    }
    switch (v->kind) {
    case IR_NULL: sb_puts(sb, "null"); break;
    case IR_BOOL: sb_puts(sb, v->boolean ? "true" : "false"); break;
    case IR_NUMBER: sb_puts(sb, v->text); break;
    case IR_STRING: hcl_quoted(sb, v->text); break;
    case IR_RAW: sb_puts(sb, v->text); break;
    case IR_REF: print_ref(hp, sb, v); break;
    case IR_PARAM: sb_printf(sb, "var.%s", v->param->name); break;
    case IR_INTERP: print_interp(hp, sb, v); break;
    case IR_LIST: print_list(hp, sb, v, col, indent); break;
    case IR_OBJECT: print_object(hp, sb, v, indent); break;
    case IR_JSON:
        sb_puts(sb, "jsonencode(");
        hcl_value(hp, sb, v->items.items[0], col + strlen("jsonencode("), indent);
        sb_putc(sb, ')');
        break;
    case IR_CALL:
        sb_printf(sb, "%s(", v->text);
        for (size_t i = 0; i < v->items.len; i++) {
            if (i)
                sb_puts(sb, ", ");
            hcl_value(hp, sb, v->items.items[i], col, indent);
        }
        sb_putc(sb, ')');
        break;
    }
}

/* ---- attributes ---- */

/* The column the value starts at, measured with the key unpadded so that
 * the layout does not depend on the alignment it decides. */
static size_t value_col(const hcl_attr *at, int indent)
{
    size_t col = (size_t)indent + hcl_columns(at->key) + strlen(" = ");
    if (at->cond)
        col += strlen("var.") + strlen(at->cond->name) + strlen(" ? ");
    return col;
}

static bool attr_multiline(const hcl_printer *hp, const hcl_attr *at, int indent)
{
    return hcl_multiline(hp, at->value, value_col(at, indent));
}

static void print_attr(const hcl_printer *hp, strbuf *sb, const hcl_attr *at, size_t width, int indent)
{
    size_t col = value_col(at, indent);
    sb_indent(sb, indent);
    sb_puts(sb, at->key);
    sb_indent(sb, (int)(width - hcl_columns(at->key)));
    sb_puts(sb, " = ");
    if (at->cond)
        sb_printf(sb, "var.%s ? ", at->cond->name);
    hcl_value(hp, sb, at->value, col, indent);
    if (at->cond)
        sb_puts(sb, " : null");
    sb_putc(sb, '\n');
}

/* The widest key of the run of single-line attributes starting at from. */
static size_t run_width(const hcl_printer *hp, const hcl_attr *attrs, size_t from, size_t n, int indent)
{
    size_t width = 0;
    for (size_t i = from; i < n && !attr_multiline(hp, &attrs[i], indent); i++) {
        size_t w = hcl_columns(attrs[i].key);
        width = w > width ? w : width;
    }
    return width;
}

/* A multi-line attribute opens a bracket on its first line, which fmt
 * leaves out of alignment and which ends the run before it. */
static void print_attrs(const hcl_printer *hp, strbuf *sb, const hcl_attr *attrs, size_t n, int indent)
{
    bool in_run = false;
    size_t width = 0;
    for (size_t i = 0; i < n; i++) {
        bool multi = attr_multiline(hp, &attrs[i], indent);
        if (!multi && !in_run)
            width = run_width(hp, attrs, i, n, indent);
        in_run = !multi;
        print_attr(hp, sb, &attrs[i], multi ? hcl_columns(attrs[i].key) : width, indent);
    }
}

/* ---- bodies ---- */

/* A nested block present only in some environments is generated zero or
 * one time: `dynamic "type" { for_each = var.p ? [1] : []  content {...} }`. */
static void print_nested(const hcl_printer *hp, strbuf *sb, const ir_entry *e, int indent)
{
    if (!e->cond) {
        hcl_block(hp, sb, e->key, e->block, indent);
        return;
    }
    ir_block dyn = {.kind = IRB_NESTED};
    ir_block_attr(hp->a, &dyn, "for_each",
                  ir_raw(hp->a, arena_printf(hp->a, "var.%s ? [1] : []", e->cond->name), e->block->loc));
    ir_block_nested(hp->a, &dyn, "content", e->block);
    hcl_block(hp, sb, arena_printf(hp->a, "dynamic \"%s\"", e->key), &dyn, indent);
}

static hcl_attr entry_attr(const hcl_printer *hp, const ir_entry *e)
{
    if (!hcl_ident(e->key))
        diag_error(hp->d, e->value ? e->value->loc : (src_loc){0},
                   "'%s' cannot be a Terraform argument name", e->key);
    return (hcl_attr){.key = e->key, .value = e->value, .cond = e->cond};
}

/* Attributes in runs, nested blocks between them; a blank line separates
 * every nested block from what comes before and after it. */
void hcl_body(const hcl_printer *hp, strbuf *sb, const ir_block *b, int indent)
{
    size_t n = b->entries.len, run = 0;
    hcl_attr *attrs = arena_alloc(hp->a, (n ? n : 1) * sizeof *attrs);
    bool printed = false;
    for (size_t i = 0; i <= n; i++) {
        const ir_entry *e = i < n ? b->entries.items[i] : NULL;
        if (e && !e->block) {
            attrs[run++] = entry_attr(hp, e);
            continue;
        }
        if (run) {          /* runs are maximal: only a nested block precedes one */
            if (printed)
                sb_putc(sb, '\n');
            print_attrs(hp, sb, attrs, run, indent);
            printed = true;
            run = 0;
        }
        if (e) {
            if (printed)
                sb_putc(sb, '\n');
            print_nested(hp, sb, e, indent);
            printed = true;
        }
    }
}

void hcl_block(const hcl_printer *hp, strbuf *sb, const char *head, const ir_block *body, int indent)
{
    sb_indent(sb, indent);
    if (!body || !body->entries.len) {
        sb_printf(sb, "%s {}\n", head);
        return;
    }
    sb_printf(sb, "%s {\n", head);
    hcl_body(hp, sb, body, indent + 2);
    sb_indent(sb, indent);
    sb_puts(sb, "}\n");
}
