/* kinds.c — see kinds.h. Everything here reads kinds, schemas and lowerings
 * as sema built them; nothing is evaluated. */
#include "kinds.h"

#include <string.h>

#include "load.h"
#include "sema.h"


/* The kinds by name, a user's kind replacing the stdlib's of that name. */
static ptrvec visible_kinds(const program *p)
{
    ptrvec v = {0};
    for (size_t i = 0; i < p->kinds.len; i++) {
        const kind *k = p->kinds.items[i];
        if (sema_find_kind(p, k->name) == k)
            vec_push(p->a, &v, (void *)k);
    }
    return v;
}

/* A type as it is declared: enum(a, b), list(cidr), ref(subnet), string?. */
static void type_text(strbuf *sb, const attr_type *t)
{
    static const char *names[] = {
        "any", "string", "bool", "number", "duration", "percent", "size", "cidr", "ip",
        "range", "secret", "enum", "list", "map", "ref",
    };
    sb_puts(sb, t->name ? t->name : names[t->kind]);
    if (t->kind == T_ENUM && !t->name) {
        sb_putc(sb, '(');
        for (size_t i = 0; i < t->nenum; i++)
            sb_printf(sb, "%s%s", i ? ", " : "", t->enum_vals[i]);
        sb_putc(sb, ')');
    } else if (t->kind == T_LIST || t->kind == T_MAP) {
        sb_putc(sb, '(');
        type_text(sb, t->elem);
        sb_putc(sb, ')');
    } else if (t->kind == T_REF) {
        sb_printf(sb, "(%s)", t->ref_kind ? t->ref_kind : "any");
    }
    if (t->optional)
        sb_putc(sb, '?');
}

static const char *type_string(arena *a, const attr_type *t)
{
    strbuf sb;
    sb_init(&sb, a);
    type_text(&sb, t);
    return sb.data;
}

/* A default as written in the source (its first line, when it has several). */
static const char *default_text(arena *a, const attr_decl *ad)
{
    if (!ad->dflt)
        return ad->t->optional ? "null" : NULL;
    const src_loc *l = &ad->dflt->loc;
    const char *s = l->file->text;
    for (int line = 1; line < l->line && *s; s++)
        line += *s == '\n';
    s += l->col - 1;
    size_t n = l->end_line == l->line && l->end_col > l->col ? (size_t)(l->end_col - l->col) : strcspn(s, "\n");
    return arena_printf(a, "%.*s%s", (int)n, s, l->end_line != l->line ? " …" : "");
}

static void add_unique(arena *a, ptrvec *v, const char *s)
{
    for (size_t i = 0; i < v->len; i++)
        if (strcmp(v->items[i], s) == 0)
            return;
    vec_push(a, v, (void *)s);
}

static const char *label_word(const ast_item *it, size_t i)
{
    return i < it->labels.len ? ast_word(it->labels.items[i]) : NULL;
}

/* The block types a lowering writes, through its if, for and when. */
static void lowered_types(arena *a, const ptrvec *items, int target, ptrvec *out)
{
    for (size_t i = 0; i < items->len; i++) {
        const ast_item *it = items->items[i];
        if (it->kind == IT_IF || it->kind == IT_FOR || it->kind == IT_WHEN) {
            lowered_types(a, &it->body, target, out);
            lowered_types(a, &it->else_body, target, out);
            continue;
        }
        if (it->kind != IT_BLOCK)
            continue;
        const char *type = NULL;
        if (!strcmp(it->name, "shared") && label_word(it, 0) && !strcmp(label_word(it, 0), "resource"))
            type = target == TARGET_TERRAFORM ? label_word(it, 1) : label_word(it, 2) ?
                   arena_printf(a, "%.*s", (int)strcspn(label_word(it, 2), "@"), label_word(it, 2)) : NULL;
        else if (target == TARGET_TERRAFORM && !strcmp(it->name, "resource"))
            type = label_word(it, 0);
        else if (target == TARGET_TERRAFORM && !strcmp(it->name, "data") && label_word(it, 0))
            type = arena_printf(a, "data.%s", label_word(it, 0));
        else if (target == TARGET_BICEP && (!strcmp(it->name, "resource") || !strcmp(it->name, "existing")))
            type = label_word(it, 1) ? arena_printf(a, "%.*s", (int)strcspn(label_word(it, 1), "@"), label_word(it, 1)) : NULL;
        else if (target == TARGET_KUBERNETES && (!strcmp(it->name, "object") || !strcmp(it->name, "generated")))
            for (size_t j = 0; j < it->body.len && !type; j++) {
                const ast_item *f = it->body.items[j];
                if (f->kind == IT_ATTR && !strcmp(f->name, "kind"))
                    type = ast_word(f->value);
            }
        else if (target == TARGET_GITHUB && !strcmp(it->name, "workflow"))
            type = "workflow";
        else if (target == TARGET_FILES && !strcmp(it->name, "file"))
            type = "file";
        else if (target == TARGET_COMPOSE && (!strcmp(it->name, "service") || !strcmp(it->name, "volume")))
            type = it->name;
        if (type)
            add_unique(a, out, type);
    }
}

/* ---- text ---- */

static void print_attrs_text(arena *a, const schema *s, int indent, FILE *out)
{
    for (size_t i = 0; i < s->attrs.len; i++) {
        const attr_decl *ad = s->attrs.items[i];
        const char *d = default_text(a, ad);
        fprintf(out, "%*s%s : %s%s%s\n", indent, "", ad->name, type_string(a, ad->t), d ? " = " : "  (required)",
                d ? d : "");
        if (ad->doc)
            fprintf(out, "%*s    %s\n", indent, "", ad->doc);
    }
    for (size_t i = 0; i < s->blocks.len; i++) {
        const schema *b = s->blocks.items[i];
        fprintf(out, "%*sblock %s%s { }%s\n", indent, "", b->name, b->labelled ? " NAME" : "",
                b->labelled ? "  (repeatable)" : "");
        if (b->doc)
            fprintf(out, "%*s    %s\n", indent, "", b->doc);
        print_attrs_text(a, b, indent + 4, out);
    }
}

static void print_targets(arena *a, const kind *k, const char *sep, FILE *out)
{
    int n = 0;
    for (int t = 0; t < TARGET_COUNT; t++) {
        if (!k->lower[t])
            continue;
        ptrvec types = {0};
        lowered_types(a, &k->lower[t]->body, t, &types);
        for (size_t i = 0; i < k->uses.len; i++) {
            const trait *tr = ((const trait_use *)k->uses.items[i])->t;
            if (tr->k.lower[t])
                lowered_types(a, &tr->k.lower[t]->body, t, &types);
        }
        fprintf(out, "%s%s:", n++ ? sep : "", target_table[t].name);
        for (size_t i = 0; i < types.len; i++)
            fprintf(out, " %s%s", (const char *)types.items[i], i + 1 < types.len ? "," : "");
    }
    if (!n)
        fputs("nothing (a kind other kinds refer to)", out);
}

static void print_naming(const kind *k, FILE *out)
{
    const naming_rule *n = &k->naming;
    if (!n->abbrev && !n->tmpl && !n->chars) {
        fputs("by its label", out);
        return;
    }
    if (n->abbrev)
        fprintf(out, "abbreviation %s", n->abbrev);
    if (n->tmpl)
        fprintf(out, ", template %s", n->tmpl);
    if (n->max_len)
        fprintf(out, ", %d..%d characters", n->min_len, n->max_len);
    if (n->chars)
        fprintf(out, " of %s", n->chars);
    if (n->scope)
        fprintf(out, ", unique in scope %s", n->scope);
}

static void describe_text(arena *a, const kind *k, FILE *out)
{
    fprintf(out, "%s%s%s%s\n  %s\n\n", k->name, k->provider ? " (" : "", k->provider ? k->provider : "",
            k->provider ? ")" : "", k->doc ? k->doc : "(no doc)");
    fputs("Lowers to: ", out);
    print_targets(a, k, "; ", out);
    fputs("\nNamed:     ", out);
    print_naming(k, out);
    fprintf(out, "\nDeclared:  %s:%d\n\nAttributes:\n", k->decl->loc.file->path, k->decl->loc.line);
    print_attrs_text(a, &k->sch, 2, out);
}

/* ---- Markdown (docs/KINDS.md) ---- */

/* A table cell: '|' would end it, a newline would end the row. */
static void cell(const char *s, FILE *out)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputc('\\', out);
        fputc(*s == '\n' ? ' ' : *s, out);
    }
}

static void attrs_markdown(arena *a, const schema *s, const char *prefix, FILE *out)
{
    for (size_t i = 0; i < s->attrs.len; i++) {
        const attr_decl *ad = s->attrs.items[i];
        const char *d = default_text(a, ad);
        fprintf(out, "| `%s%s` | `", prefix, ad->name);
        cell(type_string(a, ad->t), out);
        fputs("` | ", out);
        if (d) {
            fputc('`', out);
            cell(d, out);
            fputc('`', out);
        } else {
            fputs("required", out);
        }
        fputs(" | ", out);
        cell(ad->doc, out);
        fputs(" |\n", out);
    }
    for (size_t i = 0; i < s->blocks.len; i++) {
        const schema *b = s->blocks.items[i];
        fprintf(out, "| `%s%s%s { }` | block%s | | ", prefix, b->name, b->labelled ? " NAME" : "",
                b->labelled ? ", repeatable" : "");
        cell(b->doc, out);
        fputs(" |\n", out);
        attrs_markdown(a, b, arena_printf(a, "%s%s.", prefix, b->name), out);
    }
}

static void describe_markdown(arena *a, const kind *k, FILE *out)
{
    fprintf(out, "## %s\n\n%s\n\n", k->name, k->doc ? k->doc : "");
    if (k->provider)
        fprintf(out, "- Provider: %s\n", k->provider);
    fputs("- Lowers to: ", out);
    print_targets(a, k, "; ", out);
    fputs("\n- Named: ", out);
    print_naming(k, out);
    fputs("\n\n", out);
    if (k->sch.attrs.len || k->sch.blocks.len) {
        fputs("| Attribute | Type | Default | What it is |\n|---|---|---|---|\n", out);
        attrs_markdown(a, &k->sch, "", out);
        fputc('\n', out);
    }
}

int kinds_run(const kinds_opts *o, FILE *out)
{
    arena *a = arena_new();
    diag_ctx d;
    diag_init(&d, a);
    ptrvec files = {0};
    load_program(a, &d, o->stdlib_dir, o->paths, o->npaths, &files);
    program *p = sema_program(a, &d, &files);
    ptrvec kinds = visible_kinds(p);
    int rc = 0;
    const kind *k = o->kind ? sema_find_kind(p, o->kind) : NULL;
    if (d.errors) {
        diag_print(&d, stderr, diag_want_colour(stderr));
        rc = 2;
    } else if (o->mode == KINDS_DESCRIBE && !k) {
        fprintf(stderr, "infrac: no kind named '%s' (infrac kinds lists them all)\n", o->kind);
        rc = 2;
    } else if (o->mode == KINDS_DESCRIBE) {
        describe_text(a, k, out);
    } else {
        for (size_t i = 0; i < kinds.len; i++) {
            const kind *ki = kinds.items[i];
            if (o->mode == KINDS_MARKDOWN)
                describe_markdown(a, ki, out);
            else
                fprintf(out, "%-20s %-11s %s\n", ki->name, ki->provider ? ki->provider : "-", ki->doc ? ki->doc : "");
        }
    }
    arena_free(a);
    return rc;
}
