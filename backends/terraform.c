/* terraform.c — the Terraform printer.
 *
 * Every Terraform stack becomes a module (<root>/modules/<stack or path>/,
 * its blocks in main.tf or a file per concern) and every environment a root
 * module (<root>/environments/<env>/) that calls each module with that
 * environment's parameter values (or var.X, with the values in its
 * terraform.tfvars), configures the providers they use, and holds the import
 * blocks of what they adopt. The global stacks have a root module of their
 * own (environments/global), and a stack with `root = "addons"` one in each
 * environment's (environments/<env>/addons), deployed after it: cluster
 * add-ons whose providers need the cluster to exist. Values and bodies are
 * printed by hcl.c, in
 * exactly the layout `terraform fmt` gives them; this file decides which
 * files and blocks there are.
 *
 * A reference from one module to a block of another cannot be a resource
 * address: the owning module outputs the attribute, the using module takes it
 * as a variable, and each root module wires module.<owner>.<output> to it
 * (or, from a module of another root, that root's output through remote
 * state).
 */
#include "backends.h"
#include "hcl.h"

#include <string.h>

/* The oldest Terraform the output works with: 1.11, for write-only
 * attributes (a secret reaches the provider, never the state); `removed`
 * blocks (1.7) need no more. */
#define TF_REQUIRED_VERSION ">= 1.11.0"

typedef struct tf_xref {
    const ir_stack *from, *to;
    const ir_value *ref;        /* one of the references (block + path) */
    const char *var_name;       /* the variable of `from` that carries it */
    const char *out_name;       /* the output of `to` that provides it */
    bool new_output;            /* out_name is an output added for references */
    src_loc at;                 /* the resource that refers (or the block) */
} tf_xref;

typedef struct tf_ctx {
    const ir_program *p;
    out_set *o;
    diag_ctx *d;
    arena *a;
    hcl_printer hp;
    const ir_stack *stack;      /* the module being printed; NULL in root modules */
    bool in_root;               /* printing a module's block in a root module (an import):
                                   addresses are module.<stack>.<address> */
    bool whole;                 /* addresses name whole resources, not instances (moved) */
    const char *required_version;   /* of every module and root module */
    strmap root_out;            /* "<stack>|<module output>" -> its root module's output */
    ptrmap owner;               /* top-level block -> its Terraform stack */
    ptrmap xref_at;             /* referred block -> ptrvec* of the tf_xref* to it */
    ptrmap taken;               /* stack -> tf_names*: variable and output names in use */
    ptrvec xrefs;               /* tf_xref*, in the order first met */
    const ir_block *collecting; /* the top-level block whose references are collected */
    const struct tf_root *configuring;  /* the root module whose provider configurations
                                           are printed: they read modules' outputs */
} tf_ctx;

/* A root module: an environment's, one of the roots of its own that
 * stacks with `root` have in each environment, or the global one, which
 * deploys the global stacks once (as an environment named "global"). */
typedef struct tf_root {
    const char *dir;
    const char *name;           /* the environment's name, or "global" */
    const char *state;          /* its state's name: the environment's, <env>-<root>, global */
    size_t env;                 /* whose parameter values and provider configurations it
                                   takes (the global one: the first environment's) */
    bool global;
    const char *layer;          /* the stacks' `root`; NULL: the environment's own */
} tf_root;

/* The names a module's variables ('v') and outputs ('o') use. */
typedef struct tf_names {
    strmap v, o;
} tf_names;

static const src_loc tf_noloc = {0};

static bool same_path(const char *x, const char *y);

static bool is_tf(const ir_stack *s)
{
    return s->target == TARGET_TERRAFORM;
}

/* Whether root module root deploys stack s. */
static bool in_root(const ir_stack *s, const tf_root *root)
{
    return is_tf(s) && s->global == root->global && same_path(s->root, root->layer);
}

/* The order roots are deployed in: global, the environment's, then its own
 * roots; a module reads only what a root deployed before it made. */
static int root_rank(const ir_stack *s)
{
    return s->global ? 0 : s->root ? 2 : 1;
}

/* The terraform_remote_state a module of another root reads s's root
 * through. */
static const char *state_source(const ir_stack *s)
{
    return s->global ? "global" : s->root ? s->root : "environment";
}

/* ---- small helpers ---- */

static ir_value *tf_raw(tf_ctx *tc, const char *text)
{
    return ir_raw(tc->a, text, tf_noloc);
}

static ir_value *tf_str(tf_ctx *tc, const char *text)
{
    return ir_string(tc->a, text, tf_noloc);
}

static const char *tf_quote(tf_ctx *tc, const char *s)
{
    strbuf sb;
    sb_init(&sb, tc->a);
    hcl_quoted(&sb, s);
    return sb.data;
}

static void tf_add(tf_ctx *tc, const char *dir, const char *file, const strbuf *sb)
{
    out_add(tc->o, arena_printf(tc->a, "%s/%s", dir, file), sb->data, sb->len, "#");
}

static void tf_sep(strbuf *sb)
{
    if (sb->len)
        sb_putc(sb, '\n');     /* one blank line between top-level blocks */
}

static bool same_path(const char *x, const char *y)
{
    return x == y || (x && y && strcmp(x, y) == 0);
}

/* The cross-module reference of module `from` to ref's block and path. */
static tf_xref *xref_of(tf_ctx *tc, const ir_stack *from, const ir_value *ref)
{
    const ptrvec *to_block = ptrmap_get(&tc->xref_at, ref->ref_block);
    for (size_t i = 0; to_block && i < to_block->len; i++) {
        tf_xref *x = to_block->items[i];
        if (x->from == from && same_path(x->ref->ref_path, ref->ref_path))
            return x;
    }
    return NULL;
}

/* ---- references across modules ---- */

static void tf_config_ref(const hcl_printer *hp, strbuf *sb, const ir_value *v);

static void tf_ref(const hcl_printer *hp, strbuf *sb, const ir_value *v)
{
    tf_ctx *tc = hp->ctx;
    if (tc->configuring) {
        tf_config_ref(hp, sb, v);
        return;
    }
    const ir_stack *owner = ptrmap_get(&tc->owner, v->ref_block);
    if (tc->in_root && owner)
        sb_printf(sb, "module.%s.", owner->name);
    if (tc->whole) {
        hcl_block_address(sb, v->ref_block);
        return;
    }
    if (tc->in_root) {
        hcl_ref_address(hp, sb, v);
        return;
    }
    const tf_xref *x = tc->stack ? xref_of(tc, tc->stack, v) : NULL;
    if (owner && x && owner != tc->stack)
        sb_printf(sb, "var.%s", x->var_name);
    else
        hcl_ref_address(hp, sb, v);
}

static strmap *names_of(tf_ctx *tc, char kind, const ir_stack *s)
{
    tf_names *n = ptrmap_get(&tc->taken, s);
    if (!n) {
        n = arena_alloc(tc->a, sizeof *n);
        strmap_init(&n->v, tc->a);
        strmap_init(&n->o, tc->a);
        ptrmap_put(&tc->taken, s, n);
    }
    return kind == 'v' ? &n->v : &n->o;
}

static bool name_taken(tf_ctx *tc, char kind, const ir_stack *s, const char *name)
{
    return strmap_has(names_of(tc, kind, s), name);
}

static void take_name(tf_ctx *tc, char kind, const ir_stack *s, const char *name)
{
    strmap_put(names_of(tc, kind, s), name, (void *)name);
}

/* base, or base_2, base_3, ...: the first that kind (variable/output) of s
 * does not use yet. */
static const char *unique_name(tf_ctx *tc, char kind, const ir_stack *s, const char *base)
{
    const char *name = base;
    for (int n = 2; name_taken(tc, kind, s, name); n++)
        name = arena_printf(tc->a, "%s_%d", base, n);
    take_name(tc, kind, s, name);
    return name;
}

/* "<block>_<path>" in snake_case: main_name, cluster_identity_0_principal_id. */
static const char *xref_base(tf_ctx *tc, const ir_value *v)
{
    char *name = arena_printf(tc->a, "%s_%s", v->ref_block->name, v->ref_path ? v->ref_path : "id");
    char *w = name;
    for (const char *c = name; *c; c++) {
        char ch = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a') : *c;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
            ch = '_';
        if (ch != '_' || (w > name && w[-1] != '_'))
            *w++ = ch;
    }
    while (w > name && w[-1] == '_')
        w--;
    *w = '\0';
    return name;
}

static bool same_ref(const ir_value *x, const ir_value *y)
{
    if (!x || !y || x->kind != IR_REF || y->kind != IR_REF || x->ref_block != y->ref_block)
        return false;
    if (!x->ref_path || !y->ref_path)
        return x->ref_path == y->ref_path;
    return strcmp(x->ref_path, y->ref_path) == 0;
}

/* An output the owner already has for exactly this attribute, if any. */
static const char *existing_output(tf_ctx *tc, const ir_stack *owner, const ir_value *ref)
{
    for (size_t i = 0; i < owner->blocks.len; i++) {
        const ir_block *b = owner->blocks.items[i];
        const ir_entry *val = b->kind == IRB_OUTPUT && !b->cond ? ir_block_get(b, "value") : NULL;
        if (val && same_ref(val->value, ref))
            return b->name;
    }
    for (size_t i = 0; i < tc->xrefs.len; i++) {
        const tf_xref *x = tc->xrefs.items[i];
        if (x->to == owner && same_ref(x->ref, ref))
            return x->out_name;
    }
    return NULL;
}

static void add_xref(tf_ctx *tc, const ir_stack *s, const ir_stack *owner, const ir_value *v)
{
    tf_xref *x = arena_alloc(tc->a, sizeof *x);
    x->from = s;
    x->to = owner;
    x->ref = v;
    x->at = tc->collecting->origin ? tc->collecting->origin->loc : tc->collecting->loc;
    x->var_name = unique_name(tc, 'v', s, xref_base(tc, v));
    x->out_name = existing_output(tc, owner, v);
    x->new_output = x->out_name == NULL;
    if (x->new_output)
        x->out_name = unique_name(tc, 'o', owner, xref_base(tc, v));
    ptrvec *to_block = ptrmap_get(&tc->xref_at, v->ref_block);
    if (!to_block) {
        to_block = arena_alloc(tc->a, sizeof *to_block);
        ptrmap_put(&tc->xref_at, v->ref_block, to_block);
    }
    vec_push(tc->a, to_block, x);
    vec_push(tc->a, &tc->xrefs, x);
}

static void collect_value(tf_ctx *tc, const ir_stack *s, const ir_value *v)
{
    if (!v)
        return;
    if (v->kind == IR_REF && v->ref_block) {
        const ir_stack *owner = ptrmap_get(&tc->owner, v->ref_block);
        if (!owner)
            diag_error(tc->d, v->loc, "a Terraform block refers to '%s', which is not in a Terraform stack",
                       v->ref_block->name);
        else if (owner != s && !xref_of(tc, s, v))
            add_xref(tc, s, owner, v);
    }
    for (size_t i = 0; i < v->items.len; i++)
        collect_value(tc, s, v->items.items[i]);
}

static void collect_block(tf_ctx *tc, const ir_stack *s, const ir_block *b)
{
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        if (e->block)
            collect_block(tc, s, e->block);
        else
            collect_value(tc, s, e->value);
    }
}

/* Names each module already uses, so that names made up for cross-module
 * references cannot clash with them. */
static void take_module_names(tf_ctx *tc, const ir_stack *s)
{
    take_name(tc, 'v', s, "environment");
    for (size_t i = 0; i < s->params.len; i++)
        take_name(tc, 'v', s, ((const ir_param *)s->params.items[i])->name);
    for (size_t i = 0; i < s->blocks.len; i++) {
        const ir_block *b = s->blocks.items[i];
        ptrmap_put(&tc->owner, b, (void *)s);
        if (b->kind == IRB_OUTPUT)
            take_name(tc, 'o', s, b->name);
    }
}

static void collect_xrefs(tf_ctx *tc)
{
    for (size_t i = 0; i < tc->p->stacks.len; i++)
        if (is_tf(tc->p->stacks.items[i]))
            take_module_names(tc, tc->p->stacks.items[i]);
    for (size_t i = 0; i < tc->p->stacks.len; i++) {
        const ir_stack *s = tc->p->stacks.items[i];
        for (size_t j = 0; is_tf(s) && j < s->blocks.len; j++) {
            tc->collecting = s->blocks.items[j];
            collect_block(tc, s, s->blocks.items[j]);
        }
    }
}

/* ---- module main.tf ---- */

static void tf_depends_on(tf_ctx *tc, strbuf *sb, const ir_block *b)
{
    ir_value *list = ir_list(tc->a, b->loc);
    for (int i = 0; i < b->depends_count; i++) {
        const ir_block *dep = b->depends_on[i];
        strbuf addr;
        sb_init(&addr, tc->a);
        hcl_block_address(&addr, dep);
        ir_list_push(tc->a, list, tf_raw(tc, addr.data));
    }
    ir_block body = {.kind = IRB_NESTED};
    ir_block_attr(tc->a, &body, "depends_on", list);
    hcl_body(&tc->hp, sb, &body, 2);
}

/* The block's header: resource "type" "name", module "name", moved, ... */
static void tf_header(tf_ctx *tc, strbuf *sb, const ir_block *b)
{
    switch (b->kind) {
    case IRB_RESOURCE:
    case IRB_DATA:
        sb_printf(sb, "%s %s %s", b->kind == IRB_DATA ? "data" : "resource", tf_quote(tc, b->type), tf_quote(tc, b->name));
        break;
    case IRB_MODULE: sb_printf(sb, "module %s", tf_quote(tc, b->name)); break;
    default: sb_puts(sb, b->type);     /* locals, moved, removed, import */
    }
}

/* A block that exists in some environments only: `count`. Terraform has it
 * on resources, data sources and modules; a locals, moved or removed block
 * that names something absent does no harm where it is absent. */
static bool tf_counted(const ir_block *b)
{
    return b->cond && (b->kind == IRB_RESOURCE || b->kind == IRB_DATA || b->kind == IRB_MODULE);
}

/* resource/data "type" "name" (and the other top-level blocks of a module):
 * count first and depends_on last, each set off by a blank line, as the
 * Terraform style guide orders meta-arguments; a module call's source and
 * version come first, then a blank line. */
static void tf_resource(tf_ctx *tc, strbuf *sb, const ir_block *b)
{
    tf_header(tc, sb, b);
    sb_puts(sb, " {");
    bool counted = tf_counted(b);
    if (!counted && !b->entries.len && !b->depends_count) {
        sb_puts(sb, "}\n");
        return;
    }
    sb_putc(sb, '\n');
    bool before = false;
    ir_block head = {.kind = IRB_NESTED}, body = {.kind = IRB_NESTED};
    for (size_t i = 0; i < b->entries.len; i++) {
        ir_entry *e = b->entries.items[i];
        bool meta = b->kind == IRB_MODULE && !e->block && (strcmp(e->key, "source") == 0 || strcmp(e->key, "version") == 0);
        vec_push(tc->a, meta ? &head.entries : &body.entries, e);
    }
    if (head.entries.len) {
        hcl_body(&tc->hp, sb, &head, 2);
        before = true;
    }
    if (counted) {
        if (before)
            sb_putc(sb, '\n');
        sb_printf(sb, "  count = var.%s ? 1 : 0\n", b->cond->name);
        before = true;
    }
    if (body.entries.len) {
        if (before)
            sb_putc(sb, '\n');
        hcl_body(&tc->hp, sb, &body, 2);
        before = true;
    }
    if (b->depends_count) {
        if (before)
            sb_putc(sb, '\n');
        tf_depends_on(tc, sb, b);
    }
    sb_puts(sb, "}\n");
}

/* ---- values as one environment has them (root modules) ---- */

/* v with every per-environment parameter replaced by env's value (a
 * secret supplied at deployment stays var.NAME). */
static ir_value *env_value(tf_ctx *tc, const ir_value *v, size_t env)
{
    if (!v)
        return NULL;
    if (v->kind == IR_PARAM && v->param->values)
        return v->param->values[env] ? v->param->values[env] : ir_null(tc->a, v->loc);
    ir_value *c = arena_alloc(tc->a, sizeof *c);
    *c = *v;
    c->items = (ptrvec){0};
    for (size_t i = 0; i < v->items.len; i++)
        vec_push(tc->a, &c->items, env_value(tc, v->items.items[i], env));
    return c;
}

static ir_block *env_block(tf_ctx *tc, const ir_block *b, size_t env)
{
    ir_block *c = arena_alloc(tc->a, sizeof *c);
    *c = *b;
    c->entries = (ptrvec){0};
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        if (e->cond && !e->cond->values[env]->boolean)
            continue;
        ir_entry *ce = arena_alloc(tc->a, sizeof *ce);
        *ce = *e;
        ce->cond = NULL;
        if (e->block)
            ce->block = env_block(tc, e->block, env);
        else
            ce->value = env_value(tc, e->value, env);
        vec_push(tc->a, &c->entries, ce);
    }
    return c;
}

static bool exists_in(const ir_block *b, size_t env)
{
    return !b->cond || b->cond->values[env]->boolean;
}

/* The import blocks of every module, in the root module of each
 * environment where what they adopt exists: `to` is an address in the
 * module, `id` this environment's. */
static void tf_root_imports(tf_ctx *tc, strbuf *sb, const tf_root *root)
{
    tc->in_root = true;
    for (size_t i = 0; i < tc->p->stacks.len; i++) {
        const ir_stack *s = tc->p->stacks.items[i];
        for (size_t j = 0; in_root(s, root) && j < s->blocks.len; j++) {
            const ir_block *b = s->blocks.items[j];
            if (b->kind != IRB_IMPORT || !exists_in(b, root->env))
                continue;
            tf_sep(sb);
            hcl_block(&tc->hp, sb, "import", env_block(tc, b, root->env), 0);
        }
    }
    tc->in_root = false;
}

/* ---- variables and outputs ---- */

static const char *tf_type_name(ir_type t)
{
    static const char *const names[] = {"string", "number", "bool", "list(string)", "list(number)", "map(string)", "any"};
    return names[t];
}

/* variable "name" { type  description  default  sensitive }, in the style guide's order. */
static void tf_variable(tf_ctx *tc, strbuf *sb, const char *name, const char *type, const char *doc,
                        ir_value *dflt, bool sensitive)
{
    ir_block body = {.kind = IRB_NESTED};
    ir_block_attr(tc->a, &body, "type", tf_raw(tc, type));
    if (doc)
        ir_block_attr(tc->a, &body, "description", tf_str(tc, doc));
    if (dflt)
        ir_block_attr(tc->a, &body, "default", dflt);
    if (sensitive)
        ir_block_attr(tc->a, &body, "sensitive", ir_bool(tc->a, true, tf_noloc));
    tf_sep(sb);
    hcl_block(&tc->hp, sb, arena_printf(tc->a, "variable %s", tf_quote(tc, name)), &body, 0);
}

static void tf_param_variable(tf_ctx *tc, strbuf *sb, const ir_param *pm)
{
    tf_variable(tc, sb, pm->name, tf_type_name(pm->type), pm->doc, pm->dflt, pm->sensitive);
}

/* The attribute behind a cross-module reference is a string (an id, a name)
 * unless the reference is to a whole block. */
static void tf_xref_variable(tf_ctx *tc, strbuf *sb, const tf_xref *x)
{
    const ir_block *b = x->ref->ref_block;
    const char *doc = arena_printf(tc->a, "%s of %s.%s, from module %s.", x->ref->ref_path ? x->ref->ref_path : "The block",
                                   b->type, b->name, x->to->name);
    tf_variable(tc, sb, x->var_name, x->ref->ref_path ? "string" : "any", doc, NULL, x->ref->sensitive);
}

static void tf_variables(tf_ctx *tc, strbuf *sb, const ir_stack *s)
{
    const ir_param *env = s->env_param;
    tf_variable(tc, sb, "environment", "string",
                env && env->doc ? env->doc : "Deployment environment name.", NULL, false);
    for (size_t i = 0; i < s->params.len; i++) {
        const ir_param *pm = s->params.items[i];
        if (!pm->is_environment)
            tf_param_variable(tc, sb, pm);
    }
    for (size_t i = 0; i < tc->xrefs.len; i++) {
        const tf_xref *x = tc->xrefs.items[i];
        if (x->from == s)
            tf_xref_variable(tc, sb, x);
    }
}

/* Terraform refuses a root module output that shows a secret unless it
 * says so (and a module's output is marked too, for whoever reads it); the
 * kind may also mark an output sensitive itself. */
static bool output_sensitive(const ir_block *b)
{
    const ir_entry *val = ir_block_get(b, "value");
    const ir_entry *flag = ir_block_get(b, "sensitive");
    return (val && ir_value_secret(val->value)) ||
           (flag && flag->value && flag->value->kind == IR_BOOL && flag->value->boolean);
}

/* output "name" { value  [other entries]  sensitive }: a conditional block's
 * output is null where the block does not exist. */
static void tf_output(tf_ctx *tc, strbuf *sb, const ir_block *b)
{
    ir_block body = {.kind = IRB_NESTED};
    const ir_entry *val = ir_block_get(b, "value");
    ir_entry *e = ir_block_attr(tc->a, &body, "value", val ? val->value : NULL);
    e->cond = b->cond;
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *other = b->entries.items[i];
        if (other != val && strcmp(other->key, "sensitive") != 0)
            vec_push(tc->a, &body.entries, (void *)other);
    }
    if (output_sensitive(b))
        ir_block_attr(tc->a, &body, "sensitive", ir_bool(tc->a, true, tf_noloc));
    tf_sep(sb);
    hcl_block(&tc->hp, sb, arena_printf(tc->a, "output %s", tf_quote(tc, b->name)), &body, 0);
}

/* The output a cross-module reference reads; it carries the referenced
 * block's condition, since the block may not exist in every environment. */
static void tf_xref_output(tf_ctx *tc, strbuf *sb, const tf_xref *x)
{
    ir_block out = {.kind = IRB_OUTPUT, .name = x->out_name, .cond = x->ref->ref_block->cond};
    ir_block_attr(tc->a, &out, "value", (ir_value *)x->ref);
    tf_output(tc, sb, &out);
}

static void tf_outputs(tf_ctx *tc, strbuf *sb, const ir_stack *s)
{
    for (size_t i = 0; i < s->blocks.len; i++) {
        const ir_block *b = s->blocks.items[i];
        if (b->kind == IRB_OUTPUT)
            tf_output(tc, sb, b);
    }
    for (size_t i = 0; i < tc->xrefs.len; i++) {
        const tf_xref *x = tc->xrefs.items[i];
        if (x->to == s && x->new_output)
            tf_xref_output(tc, sb, x);
    }
}

/* ---- providers and versions ---- */

/* The program's entry for a Terraform provider (its default configuration
 * comes first), or NULL: the middle reported a block without one. */
static const ir_provider *tf_provider_info(tf_ctx *tc, const char *name)
{
    for (size_t i = 0; i < tc->p->providers.len; i++) {
        const ir_provider *pv = tc->p->providers.items[i];
        if (strcmp(pv->name, name) == 0)
            return pv;
    }
    return NULL;
}

/* Adds name to out, kept sorted and without repeats. */
static void add_sorted(tf_ctx *tc, ptrvec *out, const char *name)
{
    size_t at = 0;
    while (at < out->len && strcmp(out->items[at], name) < 0)
        at++;
    if (at < out->len && strcmp(out->items[at], name) == 0)
        return;
    vec_push(tc->a, out, NULL);
    memmove(&out->items[at + 1], &out->items[at], (out->len - at - 1) * sizeof out->items[0]);
    out->items[at] = (void *)name;
}

/* Adds the providers of s's resource and data types (the prefix before the
 * first `_`) to out, kept sorted and without repeats. */
static void tf_providers(tf_ctx *tc, const ir_stack *s, ptrvec *out)
{
    for (size_t i = 0; i < s->blocks.len; i++) {
        const ir_block *b = s->blocks.items[i];
        if (b->kind != IRB_RESOURCE && b->kind != IRB_DATA)
            continue;
        const char *us = strchr(b->type, '_');
        add_sorted(tc, out, arena_strndup(tc->a, b->type, us ? (size_t)(us - b->type) : strlen(b->type)));
    }
}

/* The provider configurations with an alias that s's blocks use
 * (`provider = aws.us_east_1`), sorted: the module declares them as
 * configuration_aliases and every root module passes them in. */
static void tf_aliases(tf_ctx *tc, const ir_stack *s, ptrvec *out)
{
    for (size_t i = 0; i < s->blocks.len; i++) {
        const ir_entry *e = ir_block_get(s->blocks.items[i], "provider");
        if (e && e->value && e->value->kind == IR_RAW && strchr(e->value->text, '.'))
            add_sorted(tc, out, e->value->text);
    }
}

static bool has_prefix(const char *alias, const char *name)
{
    size_t n = strlen(name);
    return strncmp(alias, name, n) == 0 && alias[n] == '.';
}

/* terraform { required_version  required_providers { … } }; a module lists
 * the aliases it is given (aliases NULL in root modules). */
static void tf_versions(tf_ctx *tc, strbuf *sb, const ptrvec *providers, const ptrvec *aliases)
{
    ir_block body = {.kind = IRB_NESTED}, req = {.kind = IRB_NESTED};
    ir_block_attr(tc->a, &body, "required_version", tf_str(tc, tc->required_version));
    for (size_t i = 0; i < providers->len; i++) {
        const ir_provider *pv = tf_provider_info(tc, providers->items[i]);
        if (!pv || !pv->source)
            continue;       /* built into Terraform: nothing to require */
        ir_value *spec = ir_object(tc->a, tf_noloc);
        ir_object_set(tc->a, spec, "source", tf_str(tc, pv->source));
        ir_object_set(tc->a, spec, "version", tf_str(tc, pv->version));
        ir_value *list = ir_list(tc->a, tf_noloc);
        for (size_t j = 0; aliases && j < aliases->len; j++)
            if (has_prefix(aliases->items[j], pv->name))
                ir_list_push(tc->a, list, tf_raw(tc, aliases->items[j]));
        if (list->items.len)
            ir_object_set(tc->a, spec, "configuration_aliases", list);
        ir_block_attr(tc->a, &req, pv->name, spec);
    }
    if (req.entries.len)
        ir_block_nested(tc->a, &body, "required_providers", &req);
    hcl_block(&tc->hp, sb, "terraform", &body, 0);
}

/* ---- layout ---- */

static const char *tf_module_dir(tf_ctx *tc, const ir_stack *s)
{
    const char *mods = tc->p->tf.modules_dir ? tc->p->tf.modules_dir : "modules";
    return target_path(tc->a, ir_root(tc->p, TARGET_TERRAFORM),
                       arena_printf(tc->a, "%s/%s", mods, s->path ? s->path : s->name));
}

static const char *tf_env_dir(tf_ctx *tc, size_t env)
{
    const char *envs = tc->p->tf.envs_dir ? tc->p->tf.envs_dir : "environments";
    return target_path(tc->a, ir_root(tc->p, TARGET_TERRAFORM), arena_printf(tc->a, "%s/%s", envs, tc->p->envs[env]));
}

/* The relative path from directory `from` to directory `to` (both under
 * the target tree, neither empty): ../../modules/app. */
static const char *rel_path(tf_ctx *tc, const char *from, const char *to)
{
    size_t common = 0;      /* the length of the longest common run of whole segments */
    for (size_t i = 0; from[i] && from[i] == to[i]; i++)
        if (from[i + 1] == '/' || !from[i + 1])
            if (to[i + 1] == '/' || !to[i + 1])
                common = i + 1;
    strbuf sb;
    sb_init(&sb, tc->a);
    const char *rest_from = from + common, *rest_to = to + common;
    if (*rest_from == '/')
        rest_from++;
    if (*rest_to == '/')
        rest_to++;
    if (*rest_from)
        sb_puts(&sb, "../");
    for (const char *c = rest_from; *c; c++)
        if (*c == '/')
            sb_puts(&sb, "../");
    if (!sb.len)
        sb_puts(&sb, "./");
    sb_puts(&sb, rest_to);
    return sb.data;
}

/* ---- one module ---- */

/* The file of a module a block goes in: main.tf, or with `split`, the .infra
 * file that declared its resource (network.infra -> network.tf); a name the
 * module's other files take stays in main.tf. */
static const char *tf_concern(tf_ctx *tc, const ir_block *b)
{
    if (!tc->p->tf.split || !b->origin || !b->origin->loc.file)
        return "main";
    const char *path = b->origin->loc.file->path, *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path, *dot = strrchr(base, '.');
    const char *stem = arena_strndup(tc->a, base, dot ? (size_t)(dot - base) : strlen(base));
    static const char *const taken[] = {"variables", "outputs", "versions", "providers", "backend", "imports", "moved"};
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++)
        if (strcmp(stem, taken[i]) == 0)
            return "main";
    return out_name_problem(tc->a, stem) ? "main" : stem;
}

/* The blocks of a module, by file (in order of first use). */
static void tf_main(tf_ctx *tc, strmap *files, ptrvec *order, const ir_stack *s)
{
    for (size_t i = 0; i < s->blocks.len; i++) {
        const ir_block *b = s->blocks.items[i];
        if (b->kind == IRB_OUTPUT || b->kind == IRB_IMPORT)     /* imports go to the root modules */
            continue;
        const char *file = tf_concern(tc, b);
        strbuf *sb = strmap_get(files, file);
        if (!sb) {
            sb = arena_alloc(tc->a, sizeof *sb);
            sb_init(sb, tc->a);
            strmap_put(files, file, sb);
            vec_push(tc->a, order, (void *)file);
        }
        tf_sep(sb);
        tc->whole = b->kind == IRB_MOVED || b->kind == IRB_REMOVED;
        tf_resource(tc, sb, b);
        tc->whole = false;
    }
}

static void tf_module(tf_ctx *tc, const ir_stack *s)
{
    const char *dir = tf_module_dir(tc, s);
    strbuf vars, outs, versions;
    sb_init(&vars, tc->a);
    sb_init(&outs, tc->a);
    sb_init(&versions, tc->a);
    strmap files;
    strmap_init(&files, tc->a);
    ptrvec order = {0};
    tc->stack = s;
    tf_main(tc, &files, &order, s);
    tf_variables(tc, &vars, s);
    tf_outputs(tc, &outs, s);
    ptrvec providers = {0}, aliases = {0};
    tf_providers(tc, s, &providers);
    tf_aliases(tc, s, &aliases);
    tf_versions(tc, &versions, &providers, &aliases);
    tc->stack = NULL;
    if (!order.len) {     /* a module with no blocks still has its main.tf */
        strbuf *empty = arena_alloc(tc->a, sizeof *empty);
        sb_init(empty, tc->a);
        strmap_put(&files, "main", empty);
        vec_push(tc->a, &order, "main");
    }
    for (size_t i = 0; i < order.len; i++)
        tf_add(tc, dir, arena_printf(tc->a, "%s.tf", (const char *)order.items[i]), strmap_get(&files, order.items[i]));
    tf_add(tc, dir, "variables.tf", &vars);
    if (outs.len)
        tf_add(tc, dir, "outputs.tf", &outs);
    tf_add(tc, dir, "versions.tf", &versions);
}

/* ---- environment root modules ---- */

/* A value the pipeline supplies at deployment (TF_VAR_<name>), not the program. */
static bool supplied_at_deploy(const ir_param *pm)
{
    return !pm->values;
}

/* The value of pm in environment env; null where the block that uses it
 * does not exist. */
static ir_value *param_value(tf_ctx *tc, const ir_param *pm, size_t env)
{
    if (supplied_at_deploy(pm))
        return tf_raw(tc, arena_printf(tc->a, "var.%s", pm->name));
    return pm->values[env] ? pm->values[env] : ir_null(tc->a, pm->loc);
}

static bool configured(tf_ctx *tc, const char *alias, size_t env)
{
    for (size_t i = 0; i < tc->p->providers.len; i++) {
        const ir_provider *pv = tc->p->providers.items[i];
        if (pv->alias && has_prefix(alias, pv->name) && strcmp(alias + strlen(pv->name) + 1, pv->alias) == 0)
            return pv->config[env] != NULL;
    }
    return false;
}

/* A module given provider configurations with an alias is given all it
 * uses explicitly (a `providers` argument passes only what it lists):
 *   providers = {
 *     aws           = aws
 *     aws.us_east_1 = aws.us_east_1
 *   }
 * printed here because its keys are addresses, not attribute names. */
static void tf_module_providers(tf_ctx *tc, strbuf *sb, const ir_stack *s, size_t env)
{
    ptrvec aliases = {0}, used = {0}, all = {0};
    tf_aliases(tc, s, &aliases);
    if (!aliases.len)
        return;
    tf_providers(tc, s, &used);
    for (size_t i = 0; i < used.len; i++) {
        const ir_provider *pv = tf_provider_info(tc, used.items[i]);
        if (pv && pv->source)
            vec_push(tc->a, &all, used.items[i]);
    }
    size_t width = 0;
    for (size_t i = 0; i < aliases.len; i++) {
        vec_push(tc->a, &all, aliases.items[i]);
        if (!configured(tc, aliases.items[i], env))
            diag_error(tc->d, s->blocks.len ? ((const ir_block *)s->blocks.items[0])->loc : tf_noloc,
                       "module %s uses provider %s, which environment %s does not configure (a raw "
                       "`provider` block with that alias)", s->name, (const char *)aliases.items[i], tc->p->envs[env]);
    }
    for (size_t i = 0; i < all.len; i++)
        width = strlen(all.items[i]) > width ? strlen(all.items[i]) : width;
    sb_puts(sb, "  providers = {\n");
    for (size_t i = 0; i < all.len; i++)
        sb_printf(sb, "    %-*s = %s\n", (int)width, (const char *)all.items[i], (const char *)all.items[i]);
    sb_puts(sb, "  }\n\n");
}

/* The name of a module's parameter in the root modules: its own, unless
 * another module has one of that name too (then `<module>_<name>`). */
static const char *root_name(tf_ctx *tc, const ir_stack *s, const ir_param *pm)
{
    if (supplied_at_deploy(pm))
        return pm->name;    /* one secret, one variable, whichever modules take it */
    for (size_t i = 0; i < tc->p->stacks.len; i++) {
        const ir_stack *o = tc->p->stacks.items[i];
        for (size_t j = 0; o != s && is_tf(o) && j < o->params.len; j++)
            if (strcmp(((const ir_param *)o->params.items[j])->name, pm->name) == 0)
                return arena_printf(tc->a, "%s_%s", s->name, pm->name);
    }
    return pm->name;
}

/* The output of another root module a block's attribute is read from
 * (that root is written first). */
static const char *root_output(tf_ctx *tc, const tf_xref *x)
{
    const char *name = strmap_get(&tc->root_out, arena_printf(tc->a, "%s|%s", x->to->name, x->out_name));
    return name ? name : x->out_name;
}

/* Whether root module root can read s's blocks: its own, or those of a
 * root deployed before it (the global one; from a root of its own, the
 * environment's). */
static bool root_reads(const tf_root *root, const ir_stack *s)
{
    if (in_root(s, root))
        return true;
    return is_tf(s) && !root->global && (s->global || (!s->root && root->layer));
}

/* A reference in a provider's configuration (the Helm provider's cluster):
 * the configuration is the root module's, so it reads the owning module's
 * output, through remote state when another root applied it. */
static void tf_config_ref(const hcl_printer *hp, strbuf *sb, const ir_value *v)
{
    tf_ctx *tc = hp->ctx;
    const tf_root *root = tc->configuring;
    const ir_stack *owner = ptrmap_get(&tc->owner, v->ref_block);
    const char *out = owner ? existing_output(tc, owner, v) : NULL;
    if (!out || !root_reads(root, owner)) {
        diag_error(tc->d, v->loc, "a provider's configuration in root module %s reads '%s.%s', which %s", root->dir,
                   v->ref_block->name, v->ref_path ? v->ref_path : "id", !owner ? "is not in a Terraform stack"
                   : !out ? "no output of its module gives (read a resource's outputs)"
                          : "a root module deployed after it makes");
        hcl_ref_address(hp, sb, v);
        return;
    }
    if (in_root(owner, root)) {
        sb_printf(sb, "module.%s.%s", owner->name, out);
        return;
    }
    const char *passed = strmap_get(&tc->root_out, arena_printf(tc->a, "%s|%s", owner->name, out));
    sb_printf(sb, "data.terraform_remote_state.%s.outputs.%s", state_source(owner), passed ? passed : out);
}

static void tf_module_call(tf_ctx *tc, strbuf *sb, const ir_stack *s, const tf_root *root)
{
    ir_block args = {.kind = IRB_NESTED};
    ir_block_attr(tc->a, &args, "environment", tf_str(tc, root->name));
    for (size_t i = 0; i < s->params.len; i++) {
        const ir_param *pm = s->params.items[i];
        if (pm->is_environment)
            continue;
        ir_value *v = tc->p->tf.tfvars && !supplied_at_deploy(pm)      /* from terraform.tfvars */
                          ? tf_raw(tc, arena_printf(tc->a, "var.%s", root_name(tc, s, pm))) : param_value(tc, pm, root->env);
        ir_block_attr(tc->a, &args, pm->name, v);
    }
    for (size_t i = 0; i < tc->xrefs.len; i++) {
        const tf_xref *x = tc->xrefs.items[i];
        if (x->from != s)
            continue;
        const char *from = !in_root(x->to, root)
                               ? arena_printf(tc->a, "data.terraform_remote_state.%s.outputs.%s", state_source(x->to),
                                              root_output(tc, x))
                               : arena_printf(tc->a, "module.%s.%s", x->to->name, x->out_name);
        ir_block_attr(tc->a, &args, x->var_name, tf_raw(tc, from));
    }
    tf_sep(sb);
    sb_printf(sb, "module %s {\n  source = ", tf_quote(tc, s->name));
    hcl_quoted(sb, rel_path(tc, root->dir, tf_module_dir(tc, s)));
    sb_puts(sb, "\n\n");        /* the meta-arguments stand apart from the inputs */
    tf_module_providers(tc, sb, s, root->env);
    hcl_body(&tc->hp, sb, &args, 2);
    sb_puts(sb, "}\n");
}

/* The root module's variables: the secrets supplied at deployment, and
 * with tfvars every per-environment value, whose values go to tfvars. */
static void tf_root_variables(tf_ctx *tc, strbuf *sb, ir_block *tfvars, const ir_stack *s, strmap *declared,
                              size_t env)
{
    for (size_t i = 0; i < s->params.len; i++) {
        const ir_param *pm = s->params.items[i];
        if (pm->is_environment || (!supplied_at_deploy(pm) && !tc->p->tf.tfvars))
            continue;
        const char *name = root_name(tc, s, pm);
        if (strmap_has(declared, name))
            continue;
        strmap_put(declared, name, (void *)pm);
        tf_variable(tc, sb, name, tf_type_name(pm->type), pm->doc, pm->dflt, pm->sensitive);
        if (!supplied_at_deploy(pm))
            ir_block_attr(tc->a, tfvars, name, param_value(tc, pm, env));
    }
}

/* Every module output, passed on so that `terraform output` shows it; a name
 * two modules share gets the second module's name in front. exported: the
 * "<stack>|<output>" this root module passes on. */
static void tf_root_outputs(tf_ctx *tc, strbuf *sb, const ir_stack *s, strmap *declared, strmap *exported)
{
    for (size_t i = 0; i < s->blocks.len; i++) {
        const ir_block *b = s->blocks.items[i];
        if (b->kind != IRB_OUTPUT)
            continue;
        const char *name = b->name;
        if (strmap_has(declared, name))
            name = arena_printf(tc->a, "%s_%s", s->name, b->name);
        strmap_put(declared, name, (void *)b);
        const char *key = arena_printf(tc->a, "%s|%s", s->name, b->name);
        strmap_put(&tc->root_out, key, (void *)name);
        strmap_put(exported, key, (void *)name);
        ir_block out = {.kind = IRB_OUTPUT, .name = name};
        ir_block_attr(tc->a, &out, "value", tf_raw(tc, arena_printf(tc->a, "module.%s.%s", s->name, b->name)));
        if (output_sensitive(b))
            ir_block_attr(tc->a, &out, "sensitive", ir_bool(tc->a, true, tf_noloc));
        tf_output(tc, sb, &out);
    }
}

/* The backend's settings (as the project gives them) with the state's key
 * for a root named name: <project>/<name>.tfstate. */
static ir_block *backend_body(tf_ctx *tc, const char *name)
{
    const ir_value *cfg = tc->p->tf.backend_config;
    ir_block *body = arena_alloc(tc->a, sizeof *body);
    body->kind = IRB_NESTED;
    for (size_t i = 0; cfg && i < cfg->keys.len; i++)
        if (strcmp(cfg->keys.items[i], "key") != 0)
            ir_block_attr(tc->a, body, cfg->keys.items[i], cfg->items.items[i]);
    ir_block_attr(tc->a, body, "key", tf_str(tc, arena_printf(tc->a, "%s/%s.tfstate", tc->p->project, name)));
    return body;
}

static void tf_backend(tf_ctx *tc, strbuf *sb, const tf_root *root)
{
    sb_puts(sb, "terraform {\n");
    hcl_block(&tc->hp, sb, arena_printf(tc->a, "backend %s", tf_quote(tc, tc->p->tf.backend_type)),
              backend_body(tc, root->state), 2);
    sb_puts(sb, "}\n");
}

/* The state of another root module (global, or the environment's),
 * read by a root whose modules refer to its blocks: where the backend
 * keeps it, or beside it. */
static void tf_remote_state(tf_ctx *tc, strbuf *sb, const tf_root *root, const tf_root *from, const char *source)
{
    ir_block body = {.kind = IRB_NESTED};
    ir_value *cfg = ir_object(tc->a, tf_noloc);
    if (tc->p->tf.backend_type) {
        ir_block_attr(tc->a, &body, "backend", tf_str(tc, tc->p->tf.backend_type));
        const ir_block *be = backend_body(tc, from->state);
        for (size_t i = 0; i < be->entries.len; i++) {
            const ir_entry *e = be->entries.items[i];
            ir_object_set(tc->a, cfg, e->key, e->value);
        }
    } else {
        ir_block_attr(tc->a, &body, "backend", tf_str(tc, "local"));
        ir_object_set(tc->a, cfg, "path", tf_str(tc, rel_path(tc, root->dir, arena_printf(tc->a, "%s/terraform.tfstate",
                                                                                              from->dir))));
    }
    ir_block_attr(tc->a, &body, "config", cfg);
    tf_sep(sb);
    hcl_block(&tc->hp, sb, arena_printf(tc->a, "data \"terraform_remote_state\" %s", tf_quote(tc, source)), &body, 0);
}

static bool used(const ptrvec *providers, const char *name)
{
    for (size_t i = 0; i < providers->len; i++)
        if (strcmp(providers->items[i], name) == 0)
            return true;
    return false;
}

/* Whether v refers to a block of another root than root, whose state is
 * read through source. */
static bool value_reads_state(tf_ctx *tc, const ir_value *v, const tf_root *root, const char *source)
{
    if (!v)
        return false;
    const ir_stack *owner = v->kind == IR_REF && v->ref_block ? ptrmap_get(&tc->owner, v->ref_block) : NULL;
    if (owner && !in_root(owner, root) && strcmp(state_source(owner), source) == 0)
        return true;
    for (size_t i = 0; i < v->items.len; i++)
        if (value_reads_state(tc, v->items.items[i], root, source))
            return true;
    return false;
}

static bool block_reads_state(tf_ctx *tc, const ir_block *b, const tf_root *root, const char *source)
{
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        if (e->block ? block_reads_state(tc, e->block, root, source) : value_reads_state(tc, e->value, root, source))
            return true;
    }
    return false;
}

/* Whether a module of root, or the configuration of a provider they use,
 * refers to a block of a stack whose state is read through source. */
static bool reads_state(tf_ctx *tc, const tf_root *root, const ptrvec *providers, const char *source)
{
    for (size_t i = 0; i < tc->xrefs.len; i++) {
        const tf_xref *x = tc->xrefs.items[i];
        if (in_root(x->from, root) && !in_root(x->to, root) && strcmp(state_source(x->to), source) == 0)
            return true;
    }
    for (size_t i = 0; i < tc->p->providers.len; i++) {
        const ir_provider *pv = tc->p->providers.items[i];
        if (used(providers, pv->name) && pv->config[root->env] &&
            block_reads_state(tc, pv->config[root->env], root, source))
            return true;
    }
    return false;
}

/* The outputs of a root module that the roots deployed after it read:
 * every attribute of its blocks their modules refer to, where its modules'
 * own outputs do not already give it. */
static void tf_read_outputs(tf_ctx *tc, strbuf *sb, const tf_root *root, strmap *declared, strmap *exported)
{
    for (size_t i = 0; i < tc->xrefs.len; i++) {
        const tf_xref *x = tc->xrefs.items[i];
        const char *key = arena_printf(tc->a, "%s|%s", x->to->name, x->out_name);
        if (!in_root(x->to, root) || in_root(x->from, root) || strmap_has(exported, key))
            continue;
        const char *name = x->out_name;
        if (strmap_has(declared, name))
            name = arena_printf(tc->a, "%s_%s", x->to->name, x->out_name);
        strmap_put(declared, name, (void *)x);
        strmap_put(exported, key, (void *)name);
        strmap_put(&tc->root_out, key, (void *)name);
        ir_block out = {.kind = IRB_OUTPUT, .name = name};
        ir_block_attr(tc->a, &out, "value", tf_raw(tc, arena_printf(tc->a, "module.%s.%s", x->to->name, x->out_name)));
        tf_output(tc, sb, &out);
    }
}

/* The configurations of the providers the modules use, as this
 * environment has them (stdlib/providers.infra, or raw provider blocks). */
static void tf_provider_blocks(tf_ctx *tc, strbuf *sb, const ptrvec *providers, const tf_root *root)
{
    tc->configuring = root;
    for (size_t i = 0; i < tc->p->providers.len; i++) {
        const ir_provider *pv = tc->p->providers.items[i];
        if (!used(providers, pv->name) || !pv->config[root->env])
            continue;
        tf_sep(sb);
        hcl_block(&tc->hp, sb, arena_printf(tc->a, "provider %s", tf_quote(tc, pv->name)), pv->config[root->env], 0);
    }
    tc->configuring = NULL;
}

/* The module calls, secrets and outputs of one root module. */
static void tf_root_modules(tf_ctx *tc, const tf_root *root, strbuf *main_tf, strbuf *vars, ir_block *tfvars,
                            strbuf *outs, strmap *out_names, strmap *exported)
{
    strmap var_names;
    strmap_init(&var_names, tc->a);
    for (size_t i = 0; i < tc->p->stacks.len; i++) {
        const ir_stack *s = tc->p->stacks.items[i];
        if (!in_root(s, root))
            continue;
        tf_module_call(tc, main_tf, s, root);
        tf_root_variables(tc, vars, tfvars, s, &var_names, root->env);
        tf_root_outputs(tc, outs, s, out_names, exported);
    }
}

/* Writes root module root; global and env are the roots it may read
 * (NULL: none, or itself). */
static void tf_write_root(tf_ctx *tc, const tf_root *root, const tf_root *global, const tf_root *env)
{
    strbuf main_tf, vars, outs, prov, ver, be, imports, tfvars;
    strbuf *all[] = {&main_tf, &vars, &outs, &prov, &ver, &be, &imports, &tfvars};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        sb_init(all[i], tc->a);
    ptrvec providers = {0};
    ir_block values = {.kind = IRB_NESTED};
    strmap out_names, exported;
    strmap_init(&out_names, tc->a);
    strmap_init(&exported, tc->a);
    for (size_t i = 0; i < tc->p->stacks.len; i++)      /* the providers its modules use */
        if (in_root(tc->p->stacks.items[i], root))
            tf_providers(tc, tc->p->stacks.items[i], &providers);
    if (global && reads_state(tc, root, &providers, "global"))
        tf_remote_state(tc, &main_tf, root, global, "global");
    if (env && reads_state(tc, root, &providers, "environment"))
        tf_remote_state(tc, &main_tf, root, env, "environment");
    tf_root_modules(tc, root, &main_tf, &vars, &values, &outs, &out_names, &exported);
    tf_read_outputs(tc, &outs, root, &out_names, &exported);
    if (values.entries.len)
        hcl_body(&tc->hp, &tfvars, &values, 0);
    tf_provider_blocks(tc, &prov, &providers, root);
    tf_root_imports(tc, &imports, root);
    tf_versions(tc, &ver, &providers, NULL);
    if (tc->p->tf.backend_type)
        tf_backend(tc, &be, root);
    tf_add(tc, root->dir, "main.tf", &main_tf);
    const char *optional[] = {"variables.tf", "outputs.tf", "providers.tf", "backend.tf", "imports.tf", "terraform.tfvars"};
    strbuf *bufs[] = {&vars, &outs, &prov, &be, &imports, &tfvars};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        if (bufs[i]->len)       /* a file with nothing to say is left out */
            tf_add(tc, root->dir, optional[i], bufs[i]);
    tf_add(tc, root->dir, "versions.tf", &ver);
}

/* The roots of their own the stacks ask for (`root`), each once, in
 * program order. */
static void tf_layers(tf_ctx *tc, ptrvec *layers)
{
    for (size_t i = 0; i < tc->p->stacks.len; i++) {
        const ir_stack *s = tc->p->stacks.items[i];
        bool seen = !is_tf(s) || !s->root;
        for (size_t j = 0; j < layers->len && !seen; j++)
            seen = strcmp(layers->items[j], s->root) == 0;
        if (!seen)
            vec_push(tc->a, layers, (void *)s->root);
    }
}

/* A module reads what roots deployed before its own made: a global block,
 * or from a root of its own the environment's; not the other way. */
static bool roots_in_order(tf_ctx *tc)
{
    bool ok = true;
    for (size_t i = 0; i < tc->xrefs.len; i++) {
        const tf_xref *x = tc->xrefs.items[i];
        if (root_rank(x->to) < root_rank(x->from) || (x->to->global == x->from->global &&
                                                      same_path(x->to->root, x->from->root)))
            continue;
        diag_error(tc->d, x->at, "stack %s refers to a block of stack %s, which is deployed after it (%s): "
                   "a root module reads only the global one and, from a root of its own, its environment's",
                   x->from->name, x->to->name, x->to->root ? "from a root module of its own" : "its environment's");
        ok = false;
    }
    return ok;
}

/* The root modules: one per environment (and, under it, one per `root` of
 * its stacks), and the global one when a stack is global (beside them,
 * named "global", which no environment may be). */
static void tf_roots(tf_ctx *tc)
{
    bool any_global = false, any_env = false;
    for (size_t i = 0; i < tc->p->stacks.len; i++) {
        const ir_stack *s = tc->p->stacks.items[i];
        any_global |= is_tf(s) && s->global;
        any_env |= is_tf(s) && !s->global && !s->root;
    }
    ptrvec layers = {0};
    tf_layers(tc, &layers);
    if (!roots_in_order(tc))
        return;
    tf_root global = {.name = "global", .state = "global", .global = true, .env = 0};
    global.dir = target_path(tc->a, ir_root(tc->p, TARGET_TERRAFORM),
                             arena_printf(tc->a, "%s/global", tc->p->tf.envs_dir ? tc->p->tf.envs_dir : "environments"));
    for (size_t e = 0; any_global && e < tc->p->nenvs; e++)
        if (strcmp(tc->p->envs[e], "global") == 0) {
            diag_error(tc->d, tc->p->layout_loc, "an environment is named global, and so is the root module of the "
                       "global stacks: rename the environment");
            return;
        }
    if (any_global && tc->p->nenvs)
        tf_write_root(tc, &global, NULL, NULL);
    for (size_t e = 0; e < tc->p->nenvs; e++) {
        tf_root root = {.dir = tf_env_dir(tc, e), .name = tc->p->envs[e], .state = tc->p->envs[e], .env = e};
        if (any_env)
            tf_write_root(tc, &root, any_global ? &global : NULL, NULL);
        for (size_t l = 0; l < layers.len; l++) {
            const char *layer = layers.items[l];
            tf_root own = {.dir = arena_printf(tc->a, "%s/%s", root.dir, layer), .name = root.name,
                           .state = arena_printf(tc->a, "%s-%s", root.name, layer), .env = e, .layer = layer};
            tf_write_root(tc, &own, any_global ? &global : NULL, any_env ? &root : NULL);
        }
    }
}

void tf_emit(const ir_program *p, out_set *o, diag_ctx *d)
{
    tf_ctx tc = {.p = p, .o = o, .d = d, .a = o->a};
    tc.hp = (hcl_printer){.a = o->a, .d = d, .ref = tf_ref, .ctx = &tc};
    ptrmap_init(&tc.owner, tc.a);
    ptrmap_init(&tc.xref_at, tc.a);
    ptrmap_init(&tc.taken, tc.a);
    strmap_init(&tc.root_out, tc.a);
    collect_xrefs(&tc);
    out_add_env_rule(o, target_path(tc.a, ir_root(p, TARGET_TERRAFORM), p->tf.envs_dir ? p->tf.envs_dir : "environments"),
                     NULL, NULL);
    tc.required_version = TF_REQUIRED_VERSION;
    bool any = false;
    strmap dirs;
    strmap_init(&dirs, tc.a);
    for (size_t i = 0; i < p->stacks.len; i++) {
        const ir_stack *s = p->stacks.items[i];
        if (!is_tf(s))
            continue;
        const char *dir = tf_module_dir(&tc, s);
        const ir_stack *other = strmap_get(&dirs, dir);
        if (other) {
            diag_error(d, s->blocks.len ? ((const ir_block *)s->blocks.items[0])->loc : tf_noloc,
                       "stacks %s and %s would both be the module in %s: give one another path", other->name, s->name, dir);
            continue;
        }
        strmap_put(&dirs, dir, (void *)s);
        tf_module(&tc, s);
        any = true;
    }
    if (any)
        tf_roots(&tc);
}
