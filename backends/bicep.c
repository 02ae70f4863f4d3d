/* bicep.c — the Bicep printer: for each Bicep stack, <stack>/main.bicep, a
 * module file per resource when the stack deploys its resources as modules
 * (modules/<label>.bicep), and each environment's parameters
 * (params.<env>.bicepparam, the Bicep-native form, and params.<env>.json
 * through jansson when the stack asks for JSON).
 *
 * A stack's targetScope is its `scope`. At subscription scope main.bicep
 * creates the resource groups and deploys each resource (with its children)
 * as a module into the group its lowering names (`scope = self.group`):
 * the group's symbol, or resourceGroup('name') for one made elsewhere.
 * At resource-group scope a resource group is looked up (`existing`): such
 * a deployment cannot create one. A reference from one module to another's
 * block becomes an output of the one, a param of the other, and
 * `<module>.outputs.<name>` in main (a module that looks up a whole
 * resource of another instead depends on it); a
 * reference to a block of another Bicep stack (a global one, say) becomes
 * an `existing` resource with the scope of its resource group.
 *
 * Parameters are camelCase, as Bicep code is written; values that differ per
 * environment come from the parameters files, secrets from the Key Vault the
 * project names (az.getSecret / a Key Vault reference), never the files.
 */
#include "backends.h"
#include "out_json.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct bicep_tmpl bicep_tmpl;

typedef struct bicep_ctx {
    const ir_program *p;
    const ir_stack *s;
    out_set *o;
    diag_ctx *d;
    arena *a;
    ptrmap owner;               /* every Bicep stack's top-level block -> its stack */
    ptrmap tmpl_of;             /* this stack's blocks -> their template */
    bicep_tmpl *main;           /* main.bicep */
    ptrvec tmpls;               /* bicep_tmpl*: main first, then the modules */
    bicep_tmpl *at;             /* the template being printed */
} bicep_ctx;

/* A reference from one template to a block of another of the same stack:
 * a param of `from`, an output of `to` (unless `to` is main, which passes
 * the reference itself). */
typedef struct bicep_xref {
    const ir_value *ref;
    bicep_tmpl *from, *to;
    const char *param;
    const char *output;
} bicep_xref;

/* A block of another stack referred to: `existing`, with its group's scope. */
typedef struct bicep_existing {
    const ir_block *block;
    const char *sym;
} bicep_existing;

/* One .bicep file. */
struct bicep_tmpl {
    const char *file;           /* relative to the stack's directory */
    const char *label;          /* a module's: its resource's label */
    const char *sym;            /* a module's symbol in main */
    bool is_main;
    ptrvec blocks;              /* ir_block* it declares */
    const ir_value *scope;      /* a module's resource group (IR_REF into main, or a name) */
    ptrvec params;              /* ir_param* (not `environment`) its blocks use */
    bool uses_location;
    ptrvec ins;                 /* bicep_xref* it takes */
    ptrvec outs;                /* bicep_xref* it gives */
    ptrvec existing;            /* bicep_existing* */
    const bicep_tmpl *after;    /* a part's module: the module of the step before it */
    bool away;                  /* a part's module deployed to a group of its own (a zone's) */
};

static void bicep_value(bicep_ctx *bc, strbuf *sb, const ir_value *v, int indent);

static const char *camel(arena *a, const char *snake)
{
    char *s = arena_alloc(a, strlen(snake) + 1), *q = s;
    bool up = false;
    for (const char *c = snake; *c; c++) {
        if (*c == '_' || *c == '-') {
            up = q != s;
            continue;
        }
        *q++ = up ? (char)toupper((unsigned char)*c) : *c;
        up = false;
    }
    return s;
}

static const char *param_name(bicep_ctx *bc, const ir_param *pm)
{
    return pm->is_environment ? "environment" : camel(bc->a, pm->name);
}

static bool bicep_ident(const char *s)
{
    if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

static void bicep_escape(strbuf *sb, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\'': sb_puts(sb, "\\'"); break;
        case '\\': sb_puts(sb, "\\\\"); break;
        case '\n': sb_puts(sb, "\\n"); break;
        case '\r': sb_puts(sb, "\\r"); break;
        case '\t': sb_puts(sb, "\\t"); break;
        case '$':
            sb_puts(sb, s[1] == '{' ? "\\$" : "$");
            break;
        default: sb_putc(sb, *s);
        }
    }
}

static void bicep_string(strbuf *sb, const char *s)
{
    sb_putc(sb, '\'');
    bicep_escape(sb, s);
    sb_putc(sb, '\'');
}

static void bicep_key(strbuf *sb, const char *k)
{
    if (bicep_ident(k))
        sb_puts(sb, k);
    else
        bicep_string(sb, k);
}

static const char *xref_param(bicep_ctx *bc, const ir_value *v);
static const char *existing_sym(bicep_ctx *bc, const ir_block *b);

/* A reference in the template being printed: a block of its own by name, a
 * block of another template of the stack by the param that carries the
 * attribute, a block of another stack through its `existing` symbol. */
static void bicep_ref(bicep_ctx *bc, strbuf *sb, const ir_value *v)
{
    const char *param = xref_param(bc, v);
    if (param) {
        sb_puts(sb, param);
        return;
    }
    const char *sym = existing_sym(bc, v->ref_block);
    sb_puts(sb, sym ? sym : v->ref_block->name);
    if (v->ref_path) {
        if (v->ref_path[0] != '[')
            sb_putc(sb, '.');
        sb_puts(sb, v->ref_path);
    }
}

static void bicep_items(bicep_ctx *bc, strbuf *sb, const ir_value *v, int indent);

/* A list an environment takes only the first items of: take([...], n). */
static void bicep_list(bicep_ctx *bc, strbuf *sb, const ir_value *v, int indent)
{
    if (!v->take) {
        bicep_items(bc, sb, v, indent);
        return;
    }
    sb_puts(sb, "take(");
    bicep_items(bc, sb, v, indent);
    sb_printf(sb, ", %s)", param_name(bc, v->take));
}

static void bicep_items(bicep_ctx *bc, strbuf *sb, const ir_value *v, int indent)
{
    if (!v->items.len) {
        sb_puts(sb, "[]");
        return;
    }
    sb_puts(sb, "[\n");
    for (size_t i = 0; i < v->items.len; i++) {
        sb_indent(sb, indent + 2);
        bicep_value(bc, sb, v->items.items[i], indent + 2);
        sb_putc(sb, '\n');
    }
    sb_indent(sb, indent);
    sb_putc(sb, ']');
}

static void bicep_object(bicep_ctx *bc, strbuf *sb, const ir_value *v, int indent)
{
    if (!v->items.len) {
        sb_puts(sb, "{}");
        return;
    }
    sb_puts(sb, "{\n");
    for (size_t i = 0; i < v->items.len; i++) {
        sb_indent(sb, indent + 2);
        bicep_key(sb, v->keys.items[i]);
        sb_puts(sb, ": ");
        bicep_value(bc, sb, v->items.items[i], indent + 2);
        sb_putc(sb, '\n');
    }
    sb_indent(sb, indent);
    sb_putc(sb, '}');
}

static void bicep_interp(bicep_ctx *bc, strbuf *sb, const ir_value *v)
{
    sb_putc(sb, '\'');
    for (size_t i = 0; i < v->items.len; i++) {
        const ir_value *part = v->items.items[i];
        if (part->kind == IR_STRING) {
            bicep_escape(sb, part->text);
            continue;
        }
        sb_puts(sb, "${");
        bicep_value(bc, sb, part, 0);
        sb_putc(sb, '}');
    }
    sb_putc(sb, '\'');
}

static void bicep_value(bicep_ctx *bc, strbuf *sb, const ir_value *v, int indent)
{
    switch (v->kind) {
    case IR_NULL: sb_puts(sb, "null"); break;
    case IR_BOOL: sb_puts(sb, v->boolean ? "true" : "false"); break;
    case IR_NUMBER: sb_puts(sb, v->text); break;
    case IR_STRING: bicep_string(sb, v->text); break;
    case IR_RAW: sb_puts(sb, v->text); break;
    case IR_REF: bicep_ref(bc, sb, v); break;
    case IR_PARAM: sb_puts(sb, param_name(bc, v->param)); break;
    case IR_INTERP: bicep_interp(bc, sb, v); break;
    case IR_LIST: bicep_list(bc, sb, v, indent); break;
    case IR_OBJECT: bicep_object(bc, sb, v, indent); break;
    case IR_JSON:
        sb_puts(sb, "string(");
        bicep_value(bc, sb, v->items.items[0], indent);
        sb_putc(sb, ')');
        break;
    case IR_CALL:
        sb_printf(sb, "%s(", v->text);
        for (size_t i = 0; i < v->items.len; i++) {
            if (i)
                sb_puts(sb, ", ");
            bicep_value(bc, sb, v->items.items[i], indent);
        }
        sb_putc(sb, ')');
        break;
    }
}

/* ---- bodies: nested blocks are objects; repeated ones one array ---- */

static void bicep_body(bicep_ctx *bc, strbuf *sb, const ir_block *b, int indent);

static void bicep_entry_value(bicep_ctx *bc, strbuf *sb, const ir_entry *e, int indent)
{
    if (e->cond)
        sb_printf(sb, "%s ? ", camel(bc->a, e->cond->name));
    if (e->block) {
        sb_puts(sb, "{\n");
        bicep_body(bc, sb, e->block, indent + 2);
        sb_indent(sb, indent);
        sb_putc(sb, '}');
    } else {
        bicep_value(bc, sb, e->value, indent);
    }
    if (e->cond)
        sb_puts(sb, " : null");
}

/* The entries that say where a block is deployed (its group, its part of
 * its resource's lowering): the printer's, not Bicep properties. */
static bool printer_entry(const char *key)
{
    return !strcmp(key, IR_DEPLOY_SCOPE) || !strcmp(key, IR_DEPLOY_PART) || !strcmp(key, IR_DEPLOY_AWAY);
}

static void bicep_body(bicep_ctx *bc, strbuf *sb, const ir_block *b, int indent)
{
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        if (printer_entry(e->key))
            continue;       /* where it is deployed: said by the module's scope */
        size_t count = 0, first = i;
        for (size_t j = 0; j < b->entries.len; j++) {
            const ir_entry *o = b->entries.items[j];
            if (o->block && e->block && strcmp(o->key, e->key) == 0) {
                if (!count)
                    first = j;
                count++;
            }
        }
        if (e->block && first != i)
            continue;       /* written with the first of its kind */
        sb_indent(sb, indent);
        bicep_key(sb, e->key);
        sb_puts(sb, ": ");
        if (!e->block || count == 1) {
            bicep_entry_value(bc, sb, e, indent);
            sb_putc(sb, '\n');
            continue;
        }
        sb_puts(sb, "[\n");
        for (size_t j = i; j < b->entries.len; j++) {
            const ir_entry *o = b->entries.items[j];
            if (!o->block || strcmp(o->key, e->key) != 0)
                continue;
            sb_indent(sb, indent + 2);
            bicep_entry_value(bc, sb, o, indent + 2);
            sb_putc(sb, '\n');
        }
        sb_indent(sb, indent);
        sb_puts(sb, "]\n");
    }
}

static bool is_resource_group(const ir_block *b)
{
    return strncmp(b->type, "Microsoft.Resources/resourceGroups@", 35) == 0;
}

static bool at_resource_group(const ir_stack *s)
{
    return !s->scope || strcmp(s->scope, "resourceGroup") == 0;
}

/* A stack deployed into a resource group cannot create a resource group:
 * the one it names exists by then (az group create, Terraform, a stack at
 * subscription scope), so it is looked up in the subscription. */
static bool bicep_group_lookup(bicep_ctx *bc, strbuf *sb, const ir_block *b)
{
    const ir_entry *name = ir_block_get(b, "name");
    if (b->kind != IRB_RESOURCE || !is_resource_group(b) || !at_resource_group(bc->s) || !name || !name->value)
        return false;
    sb_printf(sb, "resource %s '%s' existing = {\n  name: ", b->name, b->type);
    bicep_value(bc, sb, name->value, 2);
    sb_puts(sb, "\n  scope: subscription()\n}\n");
    return true;
}

static void bicep_resource(bicep_ctx *bc, strbuf *sb, const ir_block *b)
{
    if (bicep_group_lookup(bc, sb, b))
        return;
    sb_printf(sb, "resource %s '%s' %s", b->name, b->type, b->kind == IRB_DATA ? "existing = " : "= ");
    if (b->cond)
        sb_printf(sb, "if (%s) ", camel(bc->a, b->cond->name));
    sb_puts(sb, "{\n");
    if (b->parent)
        sb_printf(sb, "  parent: %s\n", b->parent->name);
    bicep_body(bc, sb, b, 2);
    int deps = 0;       /* what another module holds, the module's order gives */
    for (int i = 0; i < b->depends_count; i++)
        deps += ptrmap_get(&bc->tmpl_of, b->depends_on[i]) == bc->at;
    if (deps) {
        sb_puts(sb, "  dependsOn: [\n");
        for (int i = 0; i < b->depends_count; i++)
            if (ptrmap_get(&bc->tmpl_of, b->depends_on[i]) == bc->at)
                sb_printf(sb, "    %s\n", b->depends_on[i]->name);
        sb_puts(sb, "  ]\n");
    }
    sb_puts(sb, "}\n");
}

static const char *output_type(const ir_value *v)
{
    switch (v->kind) {
    case IR_BOOL: return "bool";
    case IR_NUMBER: return "int";
    case IR_LIST: return "array";
    case IR_OBJECT: return "object";
    case IR_PARAM: return v->param->type == IRT_BOOL ? "bool" : v->param->type == IRT_NUMBER ? "int" : "string";
    default: return "string";
    }
}

/* An output that shows a secret is @secure(): its value stays out of the
 * deployment history (Bicep 0.35 and later). */
static bool output_secure(const ir_block *b)
{
    const ir_entry *val = ir_block_get(b, "value");
    return val && ir_value_secret(val->value);
}

static void bicep_output(bicep_ctx *bc, strbuf *sb, const ir_block *b)
{
    const ir_entry *val = ir_block_get(b, "value");
    if (!val || !val->value)
        return;
    if (output_secure(b))
        sb_puts(sb, "@secure()\n");
    sb_printf(sb, "output %s %s = ", b->name, output_type(val->value));
    if (b->cond)
        sb_printf(sb, "%s ? ", camel(bc->a, b->cond->name));
    bicep_value(bc, sb, val->value, 0);
    if (b->cond)
        sb_puts(sb, " : null");     /* Bicep accepts null for an output of a skipped resource */
    sb_putc(sb, '\n');
}

static const char *bicep_type(ir_type t)
{
    static const char *names[] = {"string", "int", "bool", "array", "array", "object", "object"};
    return names[t];
}

/* An `any` parameter is an array or an object, whichever its values are. */
static const char *param_type(const ir_param *pm)
{
    if (pm->type != IRT_ANY || !pm->values)
        return bicep_type(pm->type);
    return pm->values[0]->kind == IR_LIST ? "array" : "object";
}

/* ---- which template each block goes in ---- */

/* The resource a block belongs to for modules: the top-level one it (or
 * the resource it is a child of) was lowered from. */
static const resource *component_of(const ir_block *b)
{
    const resource *r = b->origin;
    while (r && r->parent)
        r = r->parent;
    return r;
}

static const ir_value *deploy_scope_of(const ir_block *b)
{
    const ir_entry *e = ir_block_get(b, IR_DEPLOY_SCOPE);
    return e ? e->value : NULL;
}

/* The part of its resource's lowering a block is in (`part = "dns"`), or NULL. */
static const char *deploy_part_of(const ir_block *b)
{
    const ir_entry *e = ir_block_get(b, IR_DEPLOY_PART);
    return e && e->value && e->value->kind == IR_STRING ? e->value->text : NULL;
}

static bicep_tmpl *new_tmpl(bicep_ctx *bc, const char *file, const char *label)
{
    bicep_tmpl *t = arena_alloc(bc->a, sizeof *t);
    t->file = file;
    t->label = label;
    vec_push(bc->a, &bc->tmpls, t);
    return t;
}

/* A module's file and symbol from its resource's label, unique in the stack. */
static bicep_tmpl *new_module(bicep_ctx *bc, strmap *taken, const char *label)
{
    const char *stem = label;
    for (int n = 2; strmap_has(taken, stem); n++)
        stem = arena_printf(bc->a, "%s-%d", label, n);
    strmap_put(taken, stem, NULL);
    return new_tmpl(bc, arena_printf(bc->a, "modules/%s.bicep", stem), stem);
}

/* A module's symbol in main: its label in camelCase, unless main declares
 * that name already (a resource group, a param). */
static void name_module(bicep_ctx *bc, bicep_tmpl *t)
{
    const char *sym = camel(bc->a, t->label);
    if (!bicep_ident(sym))
        sym = arena_printf(bc->a, "m%s", sym);
    bool clash = !strcmp(sym, "environment") || !strcmp(sym, "location");
    for (size_t i = 0; i < bc->main->blocks.len && !clash; i++)
        clash = !strcmp(((const ir_block *)bc->main->blocks.items[i])->name, sym);
    for (size_t i = 0; i < bc->s->params.len && !clash; i++)
        clash = !strcmp(camel(bc->a, ((const ir_param *)bc->s->params.items[i])->name), sym);
    t->sym = clash ? arena_printf(bc->a, "%sModule", sym) : sym;
}

/* Main holds every block, or with modules the resource groups a
 * subscription-scope stack creates; every other resource (with its
 * children) is a module. */
static void assign_blocks(bicep_ctx *bc)
{
    bc->tmpls = (ptrvec){0};
    ptrmap_init(&bc->tmpl_of, bc->a);
    bc->main = new_tmpl(bc, "main.bicep", NULL);
    bc->main->is_main = true;
    strmap by_resource, taken, last_step, told;     /* last_step: a resource's latest module */
    strmap_init(&by_resource, bc->a);
    strmap_init(&told, bc->a);
    strmap_init(&last_step, bc->a);
    strmap_init(&taken, bc->a);
    for (size_t i = 0; i < bc->s->blocks.len; i++) {
        const ir_block *b = bc->s->blocks.items[i];
        bicep_tmpl *t = bc->main;
        const char *part = deploy_part_of(b);
        if (part && !bc->s->modules) {
            const resource *r = component_of(b);
            const char *who = r ? r->path : b->name;
            if (!strmap_has(&told, who))        /* said once per resource */
                diag_error(bc->d, r ? r->loc : b->loc, "%s is deployed in parts (its Bicep lowering's `part`), a "
                           "module each: its stack needs modules = true", who);
            strmap_put(&told, who, NULL);
            part = NULL;
        }
        if (bc->s->modules && !(is_resource_group(b) && !at_resource_group(bc->s))) {
            const resource *r = component_of(b);
            const char *key = r ? r->path : "";
            const char *label = r && !out_name_problem(bc->a, r->label) ? r->label : "resources";
            const char *whole = key;
            if (part) {     /* a module of its own, after its resource's step before */
                key = arena_printf(bc->a, "%s#%s", key, part);
                label = arena_printf(bc->a, "%s-%s", label, part);
            }
            t = strmap_get(&by_resource, key);
            if (!t) {
                t = new_module(bc, &taken, label);
                t->away = part && ir_block_get(b, IR_DEPLOY_AWAY);
                t->after = part ? strmap_get(&last_step, whole) : NULL;
                strmap_put(&by_resource, key, t);
                strmap_put(&last_step, whole, t);
            }
        }
        vec_push(bc->a, &t->blocks, (void *)b);
        ptrmap_put(&bc->tmpl_of, b, t);
        if (!t->scope)
            t->scope = deploy_scope_of(b);
    }
    for (size_t i = 1; i < bc->tmpls.len; i++)
        name_module(bc, bc->tmpls.items[i]);
}

/* ---- what each template takes and gives ---- */

static void note_param(bicep_ctx *bc, bicep_tmpl *t, ir_param *pm)
{
    if (!pm || pm->is_environment)
        return;
    for (size_t i = 0; i < t->params.len; i++)
        if (t->params.items[i] == pm)
            return;
    vec_push(bc->a, &t->params, pm);
}

static bool same_ref(const ir_value *x, const ir_value *y)
{
    return x->ref_block == y->ref_block &&
           (x->ref_path == y->ref_path || (x->ref_path && y->ref_path && !strcmp(x->ref_path, y->ref_path)));
}

static const char *unique_in(bicep_ctx *bc, const ptrvec *xs, bool outputs, const char *base)
{
    const char *name = base;
    for (int n = 2;; n++) {
        bool taken = false;
        for (size_t i = 0; i < xs->len && !taken; i++) {
            const bicep_xref *x = xs->items[i];
            taken = !strcmp(outputs ? x->output : x->param, name);
        }
        if (!taken)
            return name;
        name = arena_printf(bc->a, "%s%d", base, n);
    }
}

/* "<block><Path>" as an identifier: vaultPropertiesVaultUri. */
static const char *xref_base(bicep_ctx *bc, const ir_value *v)
{
    char *path = arena_strdup(bc->a, v->ref_path ? v->ref_path : "id");
    for (char *c = path; *c; c++)
        if (!isalnum((unsigned char)*c))
            *c = '_';
    return camel(bc->a, arena_printf(bc->a, "%s_%s", v->ref_block->name, path));
}

static void note_xref(bicep_ctx *bc, bicep_tmpl *from, bicep_tmpl *to, const ir_value *v)
{
    for (size_t i = 0; i < from->ins.len; i++)
        if (same_ref(((const bicep_xref *)from->ins.items[i])->ref, v))
            return;
    bicep_xref *x = arena_alloc(bc->a, sizeof *x);
    x->ref = v;
    x->from = from;
    x->to = to;
    x->param = unique_in(bc, &from->ins, false, xref_base(bc, v));
    if (!to->is_main) {
        for (size_t i = 0; i < to->blocks.len && !x->output; i++) {     /* an output it has anyway */
            const ir_block *b = to->blocks.items[i];
            const ir_entry *val = b->kind == IRB_OUTPUT && !b->cond ? ir_block_get(b, "value") : NULL;
            if (val && val->value && val->value->kind == IR_REF && same_ref(val->value, v))
                x->output = b->name;
        }
        for (size_t i = 0; i < to->outs.len && !x->output; i++) {
            const bicep_xref *o = to->outs.items[i];
            if (same_ref(o->ref, v))
                x->output = o->output;
        }
        if (!x->output) {
            x->output = unique_in(bc, &to->outs, true, xref_base(bc, v));
            vec_push(bc->a, &to->outs, x);
        }
    }
    vec_push(bc->a, &from->ins, x);
}

/* The block a child resource names as its parent (`parent = account`). */
static const ir_block *parent_block(const ir_block *b)
{
    const ir_entry *p = ir_block_get(b, "parent");
    return p && p->value && p->value->kind == IR_REF && !p->value->ref_path ? p->value->ref_block : NULL;
}

static void note_existing(bicep_ctx *bc, bicep_tmpl *t, const ir_block *b)
{
    for (size_t i = 0; i < t->existing.len; i++)
        if (((const bicep_existing *)t->existing.items[i])->block == b)
            return;
    /* A child resource is looked up under its parent (a name alone does
     * not find a database in an account), so its parents are looked up
     * too, unless this template makes them. */
    const ir_block *parent = parent_block(b);
    if (parent && ptrmap_get(&bc->tmpl_of, parent) != t)
        note_existing(bc, t, parent);
    bicep_existing *x = arena_alloc(bc->a, sizeof *x);
    x->block = b;
    x->sym = b->name;
    for (size_t i = 0; i < t->blocks.len; i++)
        if (!strcmp(((const ir_block *)t->blocks.items[i])->name, b->name))
            x->sym = arena_printf(bc->a, "%sExisting", b->name);
    vec_push(bc->a, &t->existing, x);
}

/* A reference from t: to its own block, another template's (an attribute
 * passed in; a whole resource looked up with `existing`), or another
 * stack's (`existing`). A secret (the stdlib's sensitive_attributes) is
 * read from the resource looked up, never passed in: a module's outputs
 * and parameters are kept in the deployment history. */
static void note_ref(bicep_ctx *bc, bicep_tmpl *t, const ir_value *v)
{
    const ir_stack *owner = ptrmap_get(&bc->owner, v->ref_block);
    bicep_tmpl *to = ptrmap_get(&bc->tmpl_of, v->ref_block);
    if (owner == bc->s && to == t)
        return;
    if (owner == bc->s && v->ref_path && !(v->ref_path[0] == '[') && !v->sensitive)
        note_xref(bc, t, to, v);
    else
        note_existing(bc, t, v->ref_block);
}

static void walk_value(bicep_ctx *bc, bicep_tmpl *t, const ir_value *v)
{
    if (!v)
        return;
    if (v->kind == IR_PARAM)
        note_param(bc, t, v->param);
    else if (v->kind == IR_RAW && strstr(v->text, "location"))
        t->uses_location = true;
    else if (v->kind == IR_REF && v->ref_block)
        note_ref(bc, t, v);
    for (size_t i = 0; i < v->items.len; i++)
        walk_value(bc, t, v->items.items[i]);
}

static void walk_block(bicep_ctx *bc, bicep_tmpl *t, const ir_block *b)
{
    note_param(bc, t, b->cond);
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        note_param(bc, t, e->cond);
        if (e->block)
            walk_block(bc, t, e->block);
        else if (!printer_entry(e->key))
            walk_value(bc, t, e->value);
    }
}

static const char *xref_param(bicep_ctx *bc, const ir_value *v)
{
    for (size_t i = 0; bc->at && i < bc->at->ins.len; i++) {
        const bicep_xref *x = bc->at->ins.items[i];
        if (same_ref(x->ref, v))
            return x->param;
    }
    return NULL;
}

static const char *existing_sym(bicep_ctx *bc, const ir_block *b)
{
    for (size_t i = 0; bc->at && i < bc->at->existing.len; i++) {
        const bicep_existing *x = bc->at->existing.items[i];
        if (x->block == b)
            return x->sym;
    }
    return NULL;
}

/* ---- printing a template ---- */

/* [@secure()] [@description('doc')] param NAME TYPE */
static void bicep_param_decl(strbuf *sb, const char *doc, bool secure, const char *name, const char *type)
{
    sb_putc(sb, '\n');
    if (secure)
        sb_puts(sb, "@secure()\n");
    if (doc) {
        sb_puts(sb, "@description(");
        bicep_string(sb, doc);
        sb_puts(sb, ")\n");
    }
    sb_printf(sb, "param %s %s\n", name, type);
}

static void bicep_params(bicep_ctx *bc, strbuf *sb, const bicep_tmpl *t)
{
    if (t->is_main && !at_resource_group(bc->s))
        sb_printf(sb, "targetScope = '%s'\n\n", bc->s->scope);
    sb_puts(sb, "@description('Deployment environment name.')\nparam environment string\n");
    if (t->uses_location && (!t->is_main || at_resource_group(bc->s)))
        sb_puts(sb, "\n@description('Region of the resources: the resource group\\'s.')\n"
                    "param location string = resourceGroup().location\n");
    else if (t->uses_location)
        sb_puts(sb, "\n@description('Region of the resources: the deployment\\'s.')\n"
                    "param location string = deployment().location\n");
    const ptrvec *params = t->is_main ? &bc->s->params : &t->params;     /* main takes all: the params files give all */
    for (size_t i = 0; i < params->len; i++) {
        const ir_param *pm = params->items[i];
        if (!pm->is_environment)
            bicep_param_decl(sb, pm->doc, pm->sensitive, param_name(bc, pm), param_type(pm));
    }
    for (size_t i = 0; i < t->ins.len; i++) {
        const bicep_xref *x = t->ins.items[i];
        const char *doc = arena_printf(bc->a, "%s of %s, from %s.", x->ref->ref_path, x->ref->ref_block->name,
                                       x->to->is_main ? "main.bicep" : x->to->file);
        bicep_param_decl(sb, doc, false, x->param, "string");
    }
}

/* The name of the resource group a value of a resource's scope names. */
static void bicep_group_name(bicep_ctx *bc, strbuf *sb, const ir_value *scope)
{
    if (scope->kind == IR_REF) {
        const ir_entry *n = ir_block_get(scope->ref_block, "name");
        if (n && n->value) {
            bicep_value(bc, sb, n->value, 2);
            return;
        }
    }
    bicep_value(bc, sb, scope, 2);
}

static bool only_environment(const ir_value *v)
{
    if (!v)
        return true;
    if (v->kind == IR_PARAM && !v->param->is_environment)
        return false;
    if (v->kind == IR_REF)
        return false;
    for (size_t i = 0; i < v->items.len; i++)
        if (!only_environment(v->items.items[i]))
            return false;
    return true;
}

/* resource <sym> '<type>' existing = { name  scope }: a block of another
 * stack (or a whole resource of another module), looked up by its name in
 * its resource group. */
static void bicep_existing_block(bicep_ctx *bc, strbuf *sb, const bicep_existing *x)
{
    const ir_block *b = x->block;
    const ir_entry *name = ir_block_get(b, "name");
    const ir_value *scope = deploy_scope_of(b);
    if (!name || !name->value || !only_environment(name->value) || (scope && scope->kind != IR_REF &&
                                                                     !only_environment(scope))) {
        diag_error(bc->d, b->loc, "Bicep stack %s refers to %s, whose name it cannot know (it is not a plain "
                   "name, or one that differs only by the environment)", bc->s->name, b->name);
        return;
    }
    sb_printf(sb, "\nresource %s '%s' existing = {\n", x->sym, b->type);
    const ir_block *parent = parent_block(b);
    if (parent) {
        const char *psym = existing_sym(bc, parent);
        sb_printf(sb, "  parent: %s\n", psym ? psym : parent->name);
    }
    sb_puts(sb, "  name: ");
    bicep_value(bc, sb, name->value, 2);
    sb_putc(sb, '\n');
    if (parent) {               /* its parent says where it is */
        sb_puts(sb, "}\n");
        return;
    }
    /* In the group the module is deployed to, it is looked up there: Bicep
     * takes it as a parent or an extension's scope only then. */
    const ir_value *here = bc->at ? bc->at->scope : NULL;
    bool same_group = scope && here &&
                      (scope->kind == IR_REF && here->kind == IR_REF ? scope->ref_block == here->ref_block
                                                                     : ir_value_equal(scope, here));
    if (scope && !is_resource_group(b) && !same_group) {
        sb_puts(sb, "  scope: resourceGroup(");
        bicep_group_name(bc, sb, scope);
        sb_puts(sb, ")\n");
    }
    sb_puts(sb, "}\n");
}

/* The modules whose resources m looks up whole (`existing`) without
 * taking anything of theirs: Bicep cannot see that m needs them made
 * first, so it is told. */
static void module_depends(bicep_ctx *bc, strbuf *sb, const bicep_tmpl *m)
{
    ptrvec deps = {0};
    for (size_t i = 0; i < m->existing.len; i++) {
        const bicep_tmpl *t = ptrmap_get(&bc->tmpl_of, ((const bicep_existing *)m->existing.items[i])->block);
        bool known = !t || t == m || t->is_main;
        for (size_t j = 0; j < m->ins.len && !known; j++)
            known = ((const bicep_xref *)m->ins.items[j])->to == t;
        for (size_t j = 0; j < deps.len && !known; j++)
            known = deps.items[j] == t;
        if (!known)
            vec_push(bc->a, &deps, (void *)t);
    }
    bool known = !m->after;     /* a part: after its resource's step before it */
    for (size_t j = 0; j < m->ins.len && !known; j++)
        known = ((const bicep_xref *)m->ins.items[j])->to == m->after;
    for (size_t j = 0; j < deps.len && !known; j++)
        known = deps.items[j] == m->after;
    if (!known)
        vec_push(bc->a, &deps, (void *)m->after);
    if (!deps.len)
        return;
    sb_puts(sb, "  dependsOn: [\n");
    for (size_t i = 0; i < deps.len; i++)
        sb_printf(sb, "    %s\n", ((const bicep_tmpl *)deps.items[i])->sym);
    sb_puts(sb, "  ]\n");
}

/* module <sym> 'modules/<label>.bicep' = { name  scope  params }, in main. */
static void bicep_module_call(bicep_ctx *bc, strbuf *sb, const bicep_tmpl *m)
{
    sb_printf(sb, "\nmodule %s '%s' = {\n  name: '%s-${environment}'\n", m->sym, m->file, m->label);
    if (at_resource_group(bc->s) && m->away && m->scope) {
        /* a part in another group than its resource's (the deployment's) */
        sb_puts(sb, "  scope: resourceGroup(");
        bicep_group_name(bc, sb, m->scope);
        sb_puts(sb, ")\n");
    } else if (!at_resource_group(bc->s)) {
        if (!m->scope) {
            const ir_block *first = m->blocks.items[0];
            diag_error(bc->d, first->loc, "%s is deployed at %s scope into a resource group, and its kind's Bicep "
                       "lowering names none (scope = self.group)", m->label, bc->s->scope);
        } else if (m->scope->kind == IR_REF && ptrmap_get(&bc->tmpl_of, m->scope->ref_block) == bc->main) {
            sb_printf(sb, "  scope: %s\n", m->scope->ref_block->name);
        } else {
            sb_puts(sb, "  scope: resourceGroup(");
            bicep_group_name(bc, sb, m->scope);
            sb_puts(sb, ")\n");
        }
    }
    sb_puts(sb, "  params: {\n    environment: environment\n");
    for (size_t i = 0; i < m->params.len; i++) {
        const char *n = param_name(bc, m->params.items[i]);
        sb_printf(sb, "    %s: %s\n", n, n);
    }
    for (size_t i = 0; i < m->ins.len; i++) {
        const bicep_xref *x = m->ins.items[i];
        sb_printf(sb, "    %s: ", x->param);
        if (x->to->is_main)
            bicep_value(bc, sb, x->ref, 4);     /* printed as main has it */
        else
            sb_printf(sb, "%s.outputs.%s", x->to->sym, x->output);
        sb_putc(sb, '\n');
    }
    sb_puts(sb, "  }\n");
    module_depends(bc, sb, m);
    sb_puts(sb, "}\n");
}

/* A module's outputs the others read, and main's copies of the modules'
 * own outputs. */
static void bicep_extra_outputs(bicep_ctx *bc, strbuf *sb, const bicep_tmpl *t)
{
    for (size_t i = 0; i < t->outs.len; i++) {
        const bicep_xref *x = t->outs.items[i];
        sb_printf(sb, "\noutput %s string = ", x->output);
        bicep_value(bc, sb, x->ref, 0);
        /* an attribute read with .? (absent in some deployments): '' there, so
         * the module that takes it is given a string */
        if (x->ref->ref_path && strstr(x->ref->ref_path, ".?"))
            sb_puts(sb, " ?? ''");
        sb_putc(sb, '\n');
    }
    for (size_t i = 1; t->is_main && i < bc->tmpls.len; i++) {
        const bicep_tmpl *m = bc->tmpls.items[i];
        for (size_t j = 0; j < m->blocks.len; j++) {
            const ir_block *b = m->blocks.items[j];
            const ir_entry *val = b->kind == IRB_OUTPUT ? ir_block_get(b, "value") : NULL;
            if (val && val->value)
                sb_printf(sb, "\n%soutput %s %s = %s.outputs.%s\n", output_secure(b) ? "@secure()\n" : "", b->name,
                          output_type(val->value), m->sym, b->name);
        }
    }
}

static void bicep_template(bicep_ctx *bc, bicep_tmpl *t, const char *dir)
{
    strbuf body, sb;
    sb_init(&body, bc->a);
    sb_init(&sb, bc->a);
    bc->at = t;
    for (size_t i = 0; i < t->existing.len; i++)
        bicep_existing_block(bc, &body, t->existing.items[i]);
    for (size_t i = 0; i < t->blocks.len; i++) {
        const ir_block *b = t->blocks.items[i];
        sb_putc(&body, '\n');
        if (b->kind == IRB_OUTPUT)
            bicep_output(bc, &body, b);
        else
            bicep_resource(bc, &body, b);
    }
    for (size_t i = 1; t->is_main && i < bc->tmpls.len; i++)
        bicep_module_call(bc, &body, bc->tmpls.items[i]);
    bicep_extra_outputs(bc, &body, t);
    bicep_params(bc, &sb, t);
    sb_puts(&sb, body.data);
    bc->at = NULL;
    out_add(bc->o, arena_printf(bc->a, "%s/%s", dir, t->file), sb.data, sb.len, "//");
}

/* ---- parameters files ---- */

/* A parameter's value, known when the compiler runs (else reported). */
static json_t *param_json(bicep_ctx *bc, const ir_value *v, int *ok)
{
    const ir_value *bad = NULL;
    json_t *j = out_json_value(v, &bad);
    if (bad) {
        diag_error(bc->d, bad->loc, "a Bicep parameter value must be known at compile time");
        *ok = 0;
    }
    return j;
}

static json_t *secret_reference(const ir_param *pm)
{
    json_t *kv = json_object();
    json_object_set_new(kv, "id", json_string(pm->kv_id));
    json_t *ref = json_object();
    json_object_set_new(ref, "keyVault", kv);
    json_object_set_new(ref, "secretName", json_string(pm->kv_secret));
    json_t *entry = json_object();
    json_object_set_new(entry, "reference", ref);
    return entry;
}

/* A secret comes from the project's Key Vault at deployment; without one it
 * cannot be given. */
static bool secret_readable(bicep_ctx *bc, const ir_param *pm)
{
    if (pm->kv_id)
        return true;
    diag_error(bc->d, pm->loc, "secret '%s' in Bicep stack '%s' needs a Key Vault to be read from "
               "at deployment (project setting azure.secrets_vault_id)", pm->name, bc->s->name);
    return false;
}

static void bicep_json_params(bicep_ctx *bc, const char *dir, const char *env, size_t at)
{
    json_t *params = json_object();
    json_t *envv = json_object();
    json_object_set_new(envv, "value", json_string(env));
    json_object_set_new(params, "environment", envv);
    int ok = 1;
    for (size_t i = 0; i < bc->s->params.len; i++) {
        const ir_param *pm = bc->s->params.items[i];
        json_t *entry;
        if (pm->sensitive && !pm->values) {
            if (!secret_readable(bc, pm)) {
                ok = 0;
                continue;
            }
            entry = secret_reference(pm);
        } else {
            entry = json_object();
            json_object_set_new(entry, "value", param_json(bc, pm->values[at], &ok));
        }
        json_object_set_new(params, param_name(bc, pm), entry);
    }
    json_t *doc = json_object();
    json_object_set_new(doc, "$schema",
                        json_string("https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"));
    json_object_set_new(doc, "contentVersion", json_string("1.0.0.0"));
    json_object_set_new(doc, "parameters", params);
    const char *text = out_json_text(bc->a, doc);
    if (ok)
        out_add(bc->o, arena_printf(bc->a, "%s/params.%s.json", dir, env), text, strlen(text), NULL);
}

/* The part of a Key Vault resource id after /<key>/: its subscription,
 * resource group or name. */
static const char *id_part(bicep_ctx *bc, const char *id, const char *key)
{
    const char *at = strstr(id, arena_printf(bc->a, "/%s/", key));
    if (!at)
        return NULL;
    at += strlen(key) + 2;
    const char *end = strchr(at, '/');
    return arena_strndup(bc->a, at, end ? (size_t)(end - at) : strlen(at));
}

/* az.getSecret('<subscription>', '<group>', '<vault>', '<secret>'). */
static bool bicep_get_secret(bicep_ctx *bc, strbuf *sb, const ir_param *pm)
{
    const char *sub = id_part(bc, pm->kv_id, "subscriptions"), *rg = id_part(bc, pm->kv_id, "resourceGroups");
    const char *vault = id_part(bc, pm->kv_id, "vaults");
    if (!sub || !rg || !vault) {
        diag_error(bc->d, pm->loc, "the Key Vault of secret '%s' is not a Key Vault resource id (%s)", pm->name,
                   pm->kv_id);
        return false;
    }
    sb_puts(sb, "az.getSecret(");
    const char *args[] = {sub, rg, vault, pm->kv_secret};
    for (int i = 0; i < 4; i++) {
        if (i)
            sb_puts(sb, ", ");
        bicep_string(sb, args[i]);
    }
    sb_putc(sb, ')');
    return true;
}

/* params.<env>.bicepparam: `using 'main.bicep'` and a line per param. */
static void bicep_bicepparam(bicep_ctx *bc, const char *dir, const char *env, size_t at)
{
    strbuf sb;
    sb_init(&sb, bc->a);
    sb_puts(&sb, "using 'main.bicep'\n\nparam environment = ");
    bicep_string(&sb, env);
    sb_putc(&sb, '\n');
    bool ok = true;
    for (size_t i = 0; i < bc->s->params.len; i++) {
        const ir_param *pm = bc->s->params.items[i];
        sb_printf(&sb, "param %s = ", param_name(bc, pm));
        if (pm->sensitive && !pm->values)
            ok &= secret_readable(bc, pm) && bicep_get_secret(bc, &sb, pm);
        else
            bicep_value(bc, &sb, pm->values[at], 0);
        sb_putc(&sb, '\n');
    }
    if (ok)
        out_add(bc->o, arena_printf(bc->a, "%s/params.%s.bicepparam", dir, env), sb.data, sb.len, "//");
}

/* ---- a stack ---- */

static void bicep_stack(bicep_ctx *bc)
{
    const char *dir = target_path(bc->a, ir_root(bc->p, TARGET_BICEP), bc->s->path ? bc->s->path : bc->s->name);
    assign_blocks(bc);
    for (size_t i = 0; i < bc->tmpls.len; i++) {
        bicep_tmpl *t = bc->tmpls.items[i];
        for (size_t j = 0; j < t->blocks.len; j++)
            walk_block(bc, t, t->blocks.items[j]);
    }
    for (size_t i = 0; i < bc->tmpls.len; i++)
        bicep_template(bc, bc->tmpls.items[i], dir);
    /* a global stack is deployed once: its parameters are an environment's named global */
    size_t n = bc->s->global ? 1 : bc->p->nenvs;
    for (size_t e = 0; e < n; e++) {
        const char *env = bc->s->global ? "global" : bc->p->envs[e];
        if (bc->s->params_bicepparam || !bc->s->scope)
            bicep_bicepparam(bc, dir, env, e);
        if (bc->s->params_json)
            bicep_json_params(bc, dir, env, e);
    }
}

void bicep_emit(const ir_program *p, out_set *o, diag_ctx *d)
{
    bicep_ctx bc = {.p = p, .o = o, .d = d, .a = o->a};
    ptrmap_init(&bc.owner, bc.a);
    for (size_t i = 0; i < p->stacks.len; i++) {
        const ir_stack *s = p->stacks.items[i];
        for (size_t j = 0; s->target == TARGET_BICEP && j < s->blocks.len; j++)
            ptrmap_put(&bc.owner, s->blocks.items[j], (void *)s);
    }
    out_add_env_rule(o, ir_root(p, TARGET_BICEP), "params.", ".json");
    out_add_env_rule(o, ir_root(p, TARGET_BICEP), "params.", ".bicepparam");
    for (size_t i = 0; i < p->stacks.len; i++) {
        const ir_stack *s = p->stacks.items[i];
        if (s->target != TARGET_BICEP)
            continue;
        bc.s = s;
        bicep_stack(&bc);
    }
}
