/* terraform.c — the Terraform printer.
 *
 * Every Terraform stack becomes a module (infra/terraform/modules/<stack>/)
 * and every environment a root module (infra/terraform/environments/<env>/)
 * that calls each module with that environment's parameter values. The
 * layout is exactly what `terraform fmt` produces: runs of single-line
 * attributes have their `=` aligned; a multi-line attribute, a blank line or
 * a nested block ends a run.
 */
#include "backends.h"

#include <stdio.h>
#include <string.h>

#define TF_LIST_WIDTH 100   /* a list of scalars longer than this goes one item per line */

/* A reference from one module to a block of another: the owning module
 * outputs it, the using module takes it as a variable, and each root module
 * passes module.<owner>.<name> to the user. */
typedef struct tf_xref {
    const ir_stack *from, *to;
    const ir_value *ref;        /* one of the references (block + path) */
    const char *name;           /* "<block>_<path>", the variable and output name */
} tf_xref;

typedef struct tf_ctx {
    const ir_program *p;
    out_set *o;
    diag_ctx *d;
    arena *a;
    const ir_stack *stack;      /* the module being printed */
    strmap owner;               /* "%p" of a block -> its stack */
    ptrvec xrefs;               /* tf_xref* */
} tf_ctx;

static void tf_value(tf_ctx *tc, strbuf *sb, const ir_value *v, int indent);

static bool tf_ident(const char *s)
{
    if (!*s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

/* Literal text inside a quoted template: HCL escapes, and `${`/`%{` doubled
 * so they are not read as template sequences. */
static void tf_escape(strbuf *sb, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            sb_putc(sb, '\\');
            sb_putc(sb, (char)c);
        } else if (c == '\n') {
            sb_puts(sb, "\\n");
        } else if (c == '\r') {
            sb_puts(sb, "\\r");
        } else if (c == '\t') {
            sb_puts(sb, "\\t");
        } else if (c < 0x20) {
            sb_printf(sb, "\\u%04x", c);
        } else if ((c == '$' || c == '%') && s[1] == '{') {
            sb_putc(sb, (char)c);
            sb_putc(sb, (char)c);
        } else {
            sb_putc(sb, (char)c);
        }
    }
}

static void tf_string(strbuf *sb, const char *s)
{
    sb_putc(sb, '"');
    tf_escape(sb, s);
    sb_putc(sb, '"');
}

static void tf_key(strbuf *sb, const char *k)
{
    if (tf_ident(k))
        sb_puts(sb, k);
    else
        tf_string(sb, k);
}

static const char *block_key(arena *a, const ir_block *b)
{
    return arena_printf(a, "%p", (const void *)b);
}

static const char *xref_name(arena *a, const ir_value *v)
{
    char *name = arena_printf(a, "%s_%s", v->ref_block->name, v->ref_path ? v->ref_path : "id");
    for (char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
            *c = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a') : '_';
    return name;
}

static const tf_xref *find_xref(tf_ctx *tc, const ir_stack *from, const char *name)
{
    for (size_t i = 0; i < tc->xrefs.len; i++) {
        const tf_xref *x = tc->xrefs.items[i];
        if (x->from == from && strcmp(x->name, name) == 0)
            return x;
    }
    return NULL;
}

static void tf_ref(tf_ctx *tc, strbuf *sb, const ir_value *v)
{
    const ir_block *b = v->ref_block;
    const ir_stack *owner = strmap_get(&tc->owner, block_key(tc->a, b));
    if (tc->stack && owner && owner != tc->stack) {
        sb_printf(sb, "var.%s", xref_name(tc->a, v));
        return;
    }
    if (b->kind == IRB_DATA)
        sb_puts(sb, "data.");
    sb_printf(sb, "%s.%s", b->type, b->name);
    if (b->cond)
        sb_puts(sb, "[0]");
    if (v->ref_path) {
        if (v->ref_path[0] != '[')
            sb_putc(sb, '.');
        sb_puts(sb, v->ref_path);
    }
}

static bool tf_scalar(const ir_value *v)
{
    return v->kind != IR_LIST && v->kind != IR_OBJECT && v->kind != IR_JSON;
}

/* Objects and non-trivial lists are written over several lines. */
static bool tf_multiline(tf_ctx *tc, const ir_value *v)
{
    if (v->kind == IR_JSON)
        return tf_multiline(tc, v->items.items[0]);
    if (v->kind == IR_OBJECT)
        return v->items.len > 0;
    if (v->kind != IR_LIST)
        return false;
    strbuf sb;
    sb_init(&sb, tc->a);
    for (size_t i = 0; i < v->items.len; i++) {
        if (!tf_scalar(v->items.items[i]))
            return true;
        tf_value(tc, &sb, v->items.items[i], 0);
    }
    return sb.len + 2 * v->items.len > TF_LIST_WIDTH;
}

static void tf_list(tf_ctx *tc, strbuf *sb, const ir_value *v, int indent)
{
    if (!tf_multiline(tc, v)) {
        sb_putc(sb, '[');
        for (size_t i = 0; i < v->items.len; i++) {
            if (i)
                sb_puts(sb, ", ");
            tf_value(tc, sb, v->items.items[i], indent);
        }
        sb_putc(sb, ']');
        return;
    }
    sb_puts(sb, "[\n");
    for (size_t i = 0; i < v->items.len; i++) {
        sb_indent(sb, indent + 2);
        tf_value(tc, sb, v->items.items[i], indent + 2);
        sb_puts(sb, ",\n");
    }
    sb_indent(sb, indent);
    sb_putc(sb, ']');
}

/* An object's entries, aligned the way terraform fmt aligns attributes. */
static void tf_object(tf_ctx *tc, strbuf *sb, const ir_value *v, int indent)
{
    if (!v->items.len) {
        sb_puts(sb, "{}");
        return;
    }
    sb_puts(sb, "{\n");
    size_t run_end = 0, width = 0;
    for (size_t i = 0; i < v->items.len; i++) {
        const ir_value *item = v->items.items[i];
        const char *k = v->keys.items[i];
        if (i >= run_end) {         /* measure the run of single-line entries starting here */
            width = 0;
            for (run_end = i; run_end < v->items.len && !tf_multiline(tc, v->items.items[run_end]); run_end++) {
                const char *rk = v->keys.items[run_end];
                size_t w = strlen(rk) + (tf_ident(rk) ? 0 : 2);
                width = w > width ? w : width;
            }
            if (run_end == i)
                run_end = i + 1;    /* a multi-line entry stands alone */
            k = v->keys.items[i];
        }
        sb_indent(sb, indent + 2);
        size_t start = sb->len;
        tf_key(sb, k);
        if (!tf_multiline(tc, item))
            sb_indent(sb, (int)(width - (sb->len - start)));
        sb_puts(sb, " = ");
        tf_value(tc, sb, item, indent + 2);
        sb_putc(sb, '\n');
    }
    sb_indent(sb, indent);
    sb_putc(sb, '}');
}

static void tf_param(strbuf *sb, const ir_param *pm)
{
    sb_printf(sb, "var.%s", pm->name);
}

static void tf_interp(tf_ctx *tc, strbuf *sb, const ir_value *v)
{
    sb_putc(sb, '"');
    for (size_t i = 0; i < v->items.len; i++) {
        const ir_value *part = v->items.items[i];
        if (part->kind == IR_STRING) {
            tf_escape(sb, part->text);
            continue;
        }
        sb_puts(sb, "${");
        tf_value(tc, sb, part, 0);
        sb_putc(sb, '}');
    }
    sb_putc(sb, '"');
}

static void tf_value(tf_ctx *tc, strbuf *sb, const ir_value *v, int indent)
{
    switch (v->kind) {
    case IR_NULL: sb_puts(sb, "null"); break;
    case IR_BOOL: sb_puts(sb, v->boolean ? "true" : "false"); break;
    case IR_NUMBER: sb_puts(sb, v->text); break;
    case IR_STRING: tf_string(sb, v->text); break;
    case IR_RAW: sb_puts(sb, v->text); break;
    case IR_REF: tf_ref(tc, sb, v); break;
    case IR_PARAM: tf_param(sb, v->param); break;
    case IR_INTERP: tf_interp(tc, sb, v); break;
    case IR_LIST: tf_list(tc, sb, v, indent); break;
    case IR_OBJECT: tf_object(tc, sb, v, indent); break;
    case IR_JSON:
        sb_puts(sb, "jsonencode(");
        tf_value(tc, sb, v->items.items[0], indent);
        sb_putc(sb, ')');
        break;
    }
}

/* ---- blocks ---- */

static void tf_body(tf_ctx *tc, strbuf *sb, const ir_block *b, int indent);

/* A value that takes a parameter's condition: present only where it holds. */
static void tf_cond_value(tf_ctx *tc, strbuf *sb, const ir_entry *e, int indent)
{
    if (!e->cond) {
        tf_value(tc, sb, e->value, indent);
        return;
    }
    sb_printf(sb, "var.%s ? ", e->cond->name);
    tf_value(tc, sb, e->value, indent);
    sb_puts(sb, " : null");
}

static bool entry_multiline(tf_ctx *tc, const ir_entry *e)
{
    return e->block || tf_multiline(tc, e->value);
}

static size_t run_width(tf_ctx *tc, const ir_block *b, size_t from)
{
    size_t w = 0;
    for (size_t i = from; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        if (entry_multiline(tc, e))
            break;
        size_t kw = strlen(e->key);
        w = kw > w ? kw : w;
    }
    return w;
}

static void tf_nested(tf_ctx *tc, strbuf *sb, const ir_entry *e, int indent)
{
    sb_indent(sb, indent);
    if (!e->cond) {
        sb_printf(sb, "%s {\n", e->key);
        tf_body(tc, sb, e->block, indent + 2);
        sb_indent(sb, indent);
        sb_puts(sb, "}\n");
        return;
    }
    sb_printf(sb, "dynamic \"%s\" {\n", e->key);
    sb_indent(sb, indent + 2);
    sb_printf(sb, "for_each = var.%s ? [1] : []\n", e->cond->name);
    sb_indent(sb, indent + 2);
    sb_puts(sb, "content {\n");
    tf_body(tc, sb, e->block, indent + 4);
    sb_indent(sb, indent + 2);
    sb_puts(sb, "}\n");
    sb_indent(sb, indent);
    sb_puts(sb, "}\n");
}

/* Entries in order; a blank line separates nested blocks from each other and
 * from attributes, as people write them. */
static void tf_body(tf_ctx *tc, strbuf *sb, const ir_block *b, int indent)
{
    size_t width = 0;
    int prev = -1;      /* 0 attribute, 1 block */
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        int cur = e->block ? 1 : 0;
        if (prev == 1 || (prev == 0 && cur == 1))
            sb_putc(sb, '\n');
        if (cur) {
            tf_nested(tc, sb, e, indent);
            prev = cur;
            continue;
        }
        bool ml = entry_multiline(tc, e);
        if (!ml && (i == 0 || prev != 0 || entry_multiline(tc, b->entries.items[i - 1])))
            width = run_width(tc, b, i);
        sb_indent(sb, indent);
        sb_puts(sb, e->key);
        if (!ml)
            sb_indent(sb, (int)(width - strlen(e->key)));
        sb_puts(sb, " = ");
        tf_cond_value(tc, sb, e, indent);
        sb_putc(sb, '\n');
        prev = cur;
    }
}

static void tf_top_block(tf_ctx *tc, strbuf *sb, const ir_block *b)
{
    if (b->kind == IRB_DATA)
        sb_printf(sb, "data \"%s\" \"%s\" {", b->type, b->name);
    else
        sb_printf(sb, "resource \"%s\" \"%s\" {", b->type, b->name);
    if (!b->cond && !b->entries.len && !b->depends_count) {
        sb_puts(sb, "}\n");
        return;
    }
    sb_putc(sb, '\n');
    if (b->cond) {
        sb_printf(sb, "  count = var.%s ? 1 : 0\n", b->cond->name);
        if (b->entries.len || b->depends_count)
            sb_putc(sb, '\n');
    }
    tf_body(tc, sb, b, 2);
    if (b->depends_count) {
        if (b->entries.len)
            sb_putc(sb, '\n');
        sb_puts(sb, "  depends_on = [");
        for (int i = 0; i < b->depends_count; i++)
            sb_printf(sb, "%s%s.%s", i ? ", " : "", b->depends_on[i]->type, b->depends_on[i]->name);
        sb_puts(sb, "]\n");
    }
    sb_puts(sb, "}\n");
}

/* ---- module files ---- */

static const char *tf_type_name(ir_type t)
{
    static const char *names[] = {"string", "number", "bool", "list(string)", "list(number)", "map(string)", "any"};
    return names[t];
}

static void tf_variable(strbuf *sb, const ir_param *pm)
{
    sb_printf(sb, "variable \"%s\" {\n", pm->name);
    if (pm->doc) {
        sb_puts(sb, "  description = ");
        tf_string(sb, pm->doc);
        sb_puts(sb, "\n  type        = ");
    } else {
        sb_puts(sb, pm->sensitive ? "  type      = " : "  type = ");
    }
    sb_printf(sb, "%s\n", tf_type_name(pm->type));
    if (pm->sensitive)
        sb_puts(sb, pm->doc ? "  sensitive   = true\n" : "  sensitive = true\n");
    sb_puts(sb, "}\n");
}

static bool value_is_sensitive(const ir_value *v)
{
    if (!v)
        return false;
    if (v->kind == IR_PARAM && v->param->sensitive)
        return true;
    for (size_t i = 0; i < v->items.len; i++)
        if (value_is_sensitive(v->items.items[i]))
            return true;
    return false;
}

static void tf_output(tf_ctx *tc, strbuf *sb, const ir_block *b)
{
    const ir_entry *val = ir_block_get(b, "value");
    sb_printf(sb, "output \"%s\" {\n", b->name);
    bool sensitive = val && value_is_sensitive(val->value);
    sb_puts(sb, sensitive ? "  value     = " : "  value = ");
    if (b->cond)
        sb_printf(sb, "var.%s ? ", b->cond->name);
    if (val)
        tf_value(tc, sb, val->value, 2);
    else
        sb_puts(sb, "null");
    if (b->cond)
        sb_puts(sb, " : null");
    sb_putc(sb, '\n');
    if (sensitive)
        sb_puts(sb, "  sensitive = true\n");
    sb_puts(sb, "}\n");
}

/* Provider names of the block types a stack uses, sorted, no repeats. */
static void tf_providers(tf_ctx *tc, const ir_stack *s, ptrvec *out)
{
    for (size_t i = 0; i < s->blocks.len; i++) {
        const ir_block *b = s->blocks.items[i];
        if (b->kind != IRB_RESOURCE && b->kind != IRB_DATA)
            continue;
        const char *us = strchr(b->type, '_');
        const char *prov = arena_strndup(tc->a, b->type, us ? (size_t)(us - b->type) : strlen(b->type));
        size_t at = 0;
        while (at < out->len && strcmp(out->items[at], prov) < 0)
            at++;
        if (at < out->len && strcmp(out->items[at], prov) == 0)
            continue;
        vec_push(tc->a, out, NULL);
        memmove(&out->items[at + 1], &out->items[at], (out->len - at - 1) * sizeof out->items[0]);
        out->items[at] = (void *)prov;
    }
}

static const char *tf_provider_version(const char *prov)
{
    static const struct { const char *name, *version; } known[] = {
        {"azurerm", "~> 4.0"}, {"aws", "~> 5.0"}, {"azuread", "~> 3.0"},
        {"random", "~> 3.6"}, {"time", "~> 0.12"}, {"kubernetes", "~> 2.35"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i].name, prov) == 0)
            return known[i].version;
    return NULL;
}

static void tf_versions(tf_ctx *tc, strbuf *sb, const ptrvec *providers)
{
    sb_puts(sb, "terraform {\n  required_version = \">= 1.6.0\"\n");
    if (providers->len)
        sb_puts(sb, "\n  required_providers {\n");
    for (size_t i = 0; i < providers->len; i++) {
        const char *prov = providers->items[i];
        const char *ver = tf_provider_version(prov);
        sb_printf(sb, "    %s = {\n      source  = \"hashicorp/%s\"\n", prov, prov);
        if (ver)
            sb_printf(sb, "      version = \"%s\"\n", ver);
        sb_puts(sb, "    }\n");
    }
    if (providers->len)
        sb_puts(sb, "  }\n");
    sb_puts(sb, "}\n");
}

static void tf_add(tf_ctx *tc, const char *path, const strbuf *sb)
{
    out_add(tc->o, path, sb->data, sb->len, "#");
}

/* Two modules may use the same output of a third: it is declared once. */
static bool find_xref_output_before(tf_ctx *tc, const ir_stack *owner, const tf_xref *x, size_t upto)
{
    for (size_t i = 0; i < upto; i++) {
        const tf_xref *o = tc->xrefs.items[i];
        if (o->to == owner && strcmp(o->name, x->name) == 0)
            return true;
    }
    return false;
}

static void tf_xref_files(tf_ctx *tc, const ir_stack *s, strbuf *vars, strbuf *outs)
{
    for (size_t i = 0; i < tc->xrefs.len; i++) {
        const tf_xref *x = tc->xrefs.items[i];
        if (x->from == s) {
            sb_printf(vars, "\nvariable \"%s\" {\n  description = \"%s of %s.%s, from module %s.\"\n  type        = string\n}\n",
                      x->name, x->ref->ref_path ? x->ref->ref_path : "id", x->ref->ref_block->type,
                      x->ref->ref_block->name, x->to->name);
        } else if (x->to == s && !find_xref_output_before(tc, s, x, i)) {
            if (outs->len)
                sb_putc(outs, '\n');
            sb_printf(outs, "output \"%s\" {\n  value = ", x->name);
            const ir_stack *keep = tc->stack;
            tc->stack = s;
            tf_ref(tc, outs, x->ref);
            tc->stack = keep;
            sb_puts(outs, "\n}\n");
        }
    }
}

static void tf_module(tf_ctx *tc, const ir_stack *s)
{
    const char *dir = arena_printf(tc->a, "infra/terraform/modules/%s", s->name);
    tc->stack = s;
    strbuf main_tf, vars, outs;
    sb_init(&main_tf, tc->a);
    sb_init(&vars, tc->a);
    sb_init(&outs, tc->a);
    for (size_t i = 0; i < s->blocks.len; i++) {
        const ir_block *b = s->blocks.items[i];
        strbuf *sb = b->kind == IRB_OUTPUT ? &outs : &main_tf;
        if (sb->len)
            sb_putc(sb, '\n');
        if (b->kind == IRB_OUTPUT)
            tf_output(tc, sb, b);
        else
            tf_top_block(tc, sb, b);
    }
    tf_variable(&vars, s->env_param);
    for (size_t i = 0; i < s->params.len; i++) {
        sb_putc(&vars, '\n');
        tf_variable(&vars, s->params.items[i]);
    }
    tf_xref_files(tc, s, &vars, &outs);
    ptrvec providers = {0};
    tf_providers(tc, s, &providers);
    strbuf versions;
    sb_init(&versions, tc->a);
    tf_versions(tc, &versions, &providers);
    tf_add(tc, arena_printf(tc->a, "%s/main.tf", dir), &main_tf);
    tf_add(tc, arena_printf(tc->a, "%s/variables.tf", dir), &vars);
    if (outs.len)
        tf_add(tc, arena_printf(tc->a, "%s/outputs.tf", dir), &outs);
    tf_add(tc, arena_printf(tc->a, "%s/versions.tf", dir), &versions);
}

/* ---- environment root modules ---- */

static bool param_supplied_at_deploy(const ir_param *pm)
{
    return pm->sensitive && !pm->values;
}

static void tf_module_call(tf_ctx *tc, strbuf *sb, const ir_stack *s, size_t env)
{
    sb_printf(sb, "module \"%s\" {\n  source = \"../../modules/%s\"\n\n", s->name, s->name);
    ir_block args = {0};    /* the arguments, printed as a body so they align */
    ir_block_attr(tc->a, &args, "environment", ir_string(tc->a, tc->p->envs[env], (src_loc){0}));
    for (size_t i = 0; i < s->params.len; i++) {
        const ir_param *pm = s->params.items[i];
        ir_value *v = param_supplied_at_deploy(pm)
                          ? ir_raw(tc->a, arena_printf(tc->a, "var.%s", pm->name), pm->loc)
                          : pm->values[env];
        ir_block_attr(tc->a, &args, pm->name, v);
    }
    for (size_t i = 0; i < tc->xrefs.len; i++) {
        const tf_xref *x = tc->xrefs.items[i];
        if (x->from == s)
            ir_block_attr(tc->a, &args, x->name,
                          ir_raw(tc->a, arena_printf(tc->a, "module.%s.%s", x->to->name, x->name), (src_loc){0}));
    }
    tf_body(tc, sb, &args, 2);
    sb_puts(sb, "}\n");
}

static void tf_backend(tf_ctx *tc, strbuf *sb, size_t env)
{
    const ir_tf_settings *st = &tc->p->tf;
    ir_block cfg = {0};
    for (size_t i = 0; st->backend_config && i < st->backend_config->keys.len; i++)
        ir_block_attr(tc->a, &cfg, st->backend_config->keys.items[i], st->backend_config->items.items[i]);
    ir_block_attr(tc->a, &cfg, "key",
                  ir_string(tc->a, arena_printf(tc->a, "%s/%s.tfstate", tc->p->project, tc->p->envs[env]), (src_loc){0}));
    sb_printf(sb, "terraform {\n  backend \"%s\" {\n", st->backend_type);
    tf_body(tc, sb, &cfg, 4);
    sb_puts(sb, "  }\n}\n");
}

static void tf_provider_blocks(tf_ctx *tc, strbuf *sb, const ptrvec *providers)
{
    for (size_t i = 0; i < providers->len; i++) {
        const char *prov = providers->items[i];
        if (sb->len)
            sb_putc(sb, '\n');
        if (strcmp(prov, "azurerm") == 0) {
            /* The subscription comes from ARM_SUBSCRIPTION_ID, which the pipeline sets. */
            sb_puts(sb, "provider \"azurerm\" {\n  features {}\n}\n");
        } else if (strcmp(prov, "aws") == 0) {
            sb_puts(sb, "provider \"aws\" {\n");
            if (tc->p->tf.aws_region) {
                sb_puts(sb, "  region = ");
                tf_string(sb, tc->p->tf.aws_region);
                sb_putc(sb, '\n');
            }
            if (tc->p->tf.default_tags && tc->p->tf.default_tags->items.len) {
                sb_puts(sb, "\n  default_tags {\n    tags = ");
                tf_value(tc, sb, tc->p->tf.default_tags, 4);
                sb_puts(sb, "\n  }\n");
            }
            sb_puts(sb, "}\n");
        } else {
            sb_printf(sb, "provider \"%s\" {}\n", prov);
        }
    }
}

static void tf_env_outputs(tf_ctx *tc, strbuf *sb, const ir_stack *s)
{
    for (size_t i = 0; i < s->blocks.len; i++) {
        const ir_block *b = s->blocks.items[i];
        if (b->kind != IRB_OUTPUT)
            continue;
        const ir_entry *val = ir_block_get(b, "value");
        bool sensitive = val && value_is_sensitive(val->value);
        if (sb->len)
            sb_putc(sb, '\n');
        sb_printf(sb, "output \"%s\" {\n", b->name);
        sb_printf(sb, "  value%s = module.%s.%s\n", sensitive ? "    " : "", s->name, b->name);
        if (sensitive)
            sb_puts(sb, "  sensitive = true\n");
        sb_puts(sb, "}\n");
    }
}

static void tf_environment(tf_ctx *tc, size_t env)
{
    tc->stack = NULL;
    const char *dir = arena_printf(tc->a, "infra/terraform/environments/%s", tc->p->envs[env]);
    strbuf main_tf, vars, outs, prov, ver;
    sb_init(&main_tf, tc->a);
    sb_init(&vars, tc->a);
    sb_init(&outs, tc->a);
    sb_init(&prov, tc->a);
    sb_init(&ver, tc->a);
    ptrvec providers = {0};
    for (size_t i = 0; i < tc->p->stacks.len; i++) {
        const ir_stack *s = tc->p->stacks.items[i];
        if (s->target != TARGET_TERRAFORM)
            continue;
        if (main_tf.len)
            sb_putc(&main_tf, '\n');
        tf_module_call(tc, &main_tf, s, env);
        tf_env_outputs(tc, &outs, s);
        tf_providers(tc, s, &providers);
        for (size_t j = 0; j < s->params.len; j++) {
            const ir_param *pm = s->params.items[j];
            if (!param_supplied_at_deploy(pm) || strstr(vars.data, arena_printf(tc->a, "\"%s\"", pm->name)))
                continue;
            if (vars.len)
                sb_putc(&vars, '\n');
            tf_variable(&vars, pm);
        }
    }
    tf_add(tc, arena_printf(tc->a, "%s/main.tf", dir), &main_tf);
    if (vars.len)
        tf_add(tc, arena_printf(tc->a, "%s/variables.tf", dir), &vars);
    if (outs.len)
        tf_add(tc, arena_printf(tc->a, "%s/outputs.tf", dir), &outs);
    tf_provider_blocks(tc, &prov, &providers);
    if (prov.len)
        tf_add(tc, arena_printf(tc->a, "%s/providers.tf", dir), &prov);
    if (tc->p->tf.backend_type) {
        strbuf be;
        sb_init(&be, tc->a);
        tf_backend(tc, &be, env);
        tf_add(tc, arena_printf(tc->a, "%s/backend.tf", dir), &be);
    }
    tf_versions(tc, &ver, &providers);
    tf_add(tc, arena_printf(tc->a, "%s/versions.tf", dir), &ver);
}

static void collect_xrefs_value(tf_ctx *tc, const ir_stack *s, const ir_value *v)
{
    if (!v)
        return;
    if (v->kind == IR_REF && v->ref_block) {
        const ir_stack *owner = strmap_get(&tc->owner, block_key(tc->a, v->ref_block));
        const char *name = xref_name(tc->a, v);
        if (owner && owner != s && !find_xref(tc, s, name)) {
            tf_xref *x = arena_alloc(tc->a, sizeof *x);
            x->from = s;
            x->to = owner;
            x->ref = v;
            x->name = name;
            vec_push(tc->a, &tc->xrefs, x);
        }
    }
    for (size_t i = 0; i < v->items.len; i++)
        collect_xrefs_value(tc, s, v->items.items[i]);
}

static void collect_xrefs_block(tf_ctx *tc, const ir_stack *s, const ir_block *b)
{
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        if (e->block)
            collect_xrefs_block(tc, s, e->block);
        else
            collect_xrefs_value(tc, s, e->value);
    }
}

static void collect_xrefs(tf_ctx *tc)
{
    strmap_init(&tc->owner, tc->a);
    for (size_t i = 0; i < tc->p->stacks.len; i++) {
        const ir_stack *s = tc->p->stacks.items[i];
        for (size_t j = 0; s->target == TARGET_TERRAFORM && j < s->blocks.len; j++)
            strmap_put(&tc->owner, block_key(tc->a, s->blocks.items[j]), (void *)s);
    }
    for (size_t i = 0; i < tc->p->stacks.len; i++) {
        const ir_stack *s = tc->p->stacks.items[i];
        for (size_t j = 0; s->target == TARGET_TERRAFORM && j < s->blocks.len; j++)
            collect_xrefs_block(tc, s, s->blocks.items[j]);
    }
}

void tf_emit(const ir_program *p, out_set *o, diag_ctx *d)
{
    tf_ctx tc = {.p = p, .o = o, .d = d, .a = o->a};
    collect_xrefs(&tc);
    bool any = false;
    for (size_t i = 0; i < p->stacks.len; i++) {
        const ir_stack *s = p->stacks.items[i];
        if (s->target != TARGET_TERRAFORM)
            continue;
        tf_module(&tc, s);
        any = true;
    }
    for (size_t e = 0; any && e < p->nenvs; e++)
        tf_environment(&tc, e);
}
