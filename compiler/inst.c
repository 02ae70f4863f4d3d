/* inst.c — resource instances of one environment.
 *
 * inst_build walks the program's declarations for one environment, expanding
 * `for`, `when` and `if`, and creates an instance per resource (children of a
 * resource included). Bodies are evaluated lazily, on first use, so a
 * resource can refer to another declared later; a reference cycle is
 * reported instead of recursing forever. Checking an attribute's type
 * happens as it is evaluated; missing required attributes and the kinds'
 * `check` blocks are checked once every instance exists.
 */
#include "sema.h"
#include "out.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

static eval_ctx ctx_for(program *p, scope *sc, instance *self)
{
    eval_ctx cx = {.p = p, .sc = sc, .self = self, .target = -1};
    return cx;
}

static bool env_listed(const program *p, const ptrvec *envs)
{
    for (size_t i = 0; i < envs->len; i++)
        if (strcmp(envs->items[i], p->env) == 0)
            return true;
    return false;
}

/* `when` names must be declared environments (whichever --env compiles);
 * checked once, in the first env. */
static void check_when_envs(program *p, const ast_item *it)
{
    if (p->env_index != 0)
        return;
    for (size_t i = 0; i < it->envs.len; i++) {
        bool known = false;
        for (size_t j = 0; j < p->declared_envs.len; j++)
            known |= strcmp(p->declared_envs.items[j], it->envs.items[i]) == 0;
        if (!known)
            diag_error(p->d, it->loc, "unknown environment '%s' in when", (const char *)it->envs.items[i]);
    }
}

/* Stack and resource names become directories and file names (a stack's
 * module, a service's Kubernetes base): one that cannot be a single path
 * segment is an error here, at its line, before any path is made from it. */
static void name_is_segment(program *p, const char *name, src_loc loc)
{
    const char *why = out_name_problem(p->a, name);
    if (why)
        diag_error(p->d, loc, "this name cannot be a file or directory name: %s "
                   "(use letters, digits, '_', '-' and '.')", why);
}

static const char *label_text(program *p, scope *sc, const ast_expr *e)
{
    if (e->kind == EX_IDENT)
        return e->text;
    eval_ctx cx = ctx_for(p, sc, NULL);
    value *v = eval_expr(&cx, e);
    if (v->kind != V_STRING) {
        diag_error(p->d, e->loc, "a name must be a plain string");
        return "?";
    }
    name_is_segment(p, v->text, e->loc);
    return v->text;
}

static const char *make_ident(arena *a, const char *path)
{
    char *s = arena_strdup(a, path);
    for (char *q = s; *q; q++)
        if (!isalnum((unsigned char)*q))
            *q = '_';
        else
            *q = (char)tolower((unsigned char)*q);
    return s;
}

static instance *find_instance(const program *p, const char *path)
{
    return strmap_get(&p->inst_by_path, path);
}

typedef struct gather_ctx {
    const char *stack;
    ir_target target;
    instance *parent;
    bool in_stack;      /* inside a `stack` block: stacks do not nest */
} gather_ctx;

static void gather_items(program *p, const ptrvec *items, scope *sc, gather_ctx g);

static void gather_resource(program *p, const ast_item *it, const kind *k, scope *sc, gather_ctx g)
{
    if (it->labels.len != 1) {
        diag_error(p->d, it->loc, "a %s needs exactly one name: `%s NAME { ... }`", k->name, k->name);
        return;
    }
    instance *in = arena_alloc(p->a, sizeof *in);
    in->k = k;
    in->label = label_text(p, sc, it->labels.items[0]);
    in->path = g.parent ? arena_printf(p->a, "%s.%s", g.parent->path, in->label) : in->label;
    in->ident = make_ident(p->a, in->path);
    in->stack = g.stack;
    in->target = g.target;
    in->parent = g.parent;
    in->decl = it;
    in->items = it->body;
    in->sc = sc;
    instance *dup = find_instance(p, in->path);
    if (dup) {
        if (p->env_index == 0 || dup->decl != it)
            diag_error(p->d, ((const ast_expr *)it->labels.items[0])->loc,
                       "duplicate resource name '%s' (first declared at %s:%d)", in->path,
                       dup->decl->loc.file->path, dup->decl->loc.line);
        return;
    }
    vec_push(p->a, &p->instances, in);
    strmap_put(&p->inst_by_path, in->path, in);
    uintptr_t n = (uintptr_t)strmap_get(&p->kind_count, k->name);
    strmap_put(&p->kind_count, k->name, (void *)(n + 1));
    if (!n)
        strmap_put(&p->first_of_kind, k->name, in);
    if (g.parent)
        vec_push(p->a, &g.parent->children, in);
    gather_ctx child = g;
    child.parent = in;
    gather_items(p, &it->body, sc, child);
}

static ir_target stack_target(program *p, const ast_item *it)
{
    for (size_t i = 0; i < it->body.len; i++) {
        const ast_item *a = it->body.items[i];
        if (a->kind != IT_ATTR || strcmp(a->name, "target") != 0)
            continue;
        int t = a->value->kind == EX_IDENT ? target_by_name(a->value->text) : -1;
        if (t >= 0 && target_table[t].iac)
            return (ir_target)t;
        diag_error(p->d, a->value->loc, "a stack's target is %s", target_iac_names(p->a));
    }
    return TARGET_TERRAFORM;
}

static void gather_stack(program *p, const ast_item *it, scope *sc, gather_ctx g)
{
    if (g.parent || g.in_stack || it->labels.len != 1) {
        if (p->env_index == 0)
            diag_error(p->d, it->loc, "a stack is declared at the top level: `stack NAME { target = ... }`");
        return;
    }
    gather_ctx inner = g;
    inner.in_stack = true;
    inner.stack = label_text(p, sc, it->labels.items[0]);
    inner.target = stack_target(p, it);
    if (p->env_index == 0) {
        stack_decl *sd = arena_alloc(p->a, sizeof *sd);
        sd->name = inner.stack;
        sd->target = inner.target;
        sd->loc = it->loc;
        vec_push(p->a, &p->stacks, sd);
    }
    gather_items(p, &it->body, sc, inner);
}

static void gather_for(program *p, const ast_item *it, scope *sc, gather_ctx g)
{
    eval_ctx cx = ctx_for(p, sc, NULL);
    value *list = eval_expr(&cx, it->value);
    if (list->kind == V_MAP) {
        for (size_t i = 0; i < list->keys.len; i++) {
            value *kv = val_new(p->a, V_MAP, list->loc);
            val_map_set(p->a, kv, "key", val_string(p->a, list->keys.items[i], list->loc));
            val_map_set(p->a, kv, "value", list->items.items[i]);
            gather_items(p, &it->body, scope_bind(p->a, sc, it->name, kv), g);
        }
        return;
    }
    if (list->kind != V_LIST) {
        diag_error(p->d, it->value->loc, "for needs a list or a map, got a %s", val_kind_name(list->kind));
        return;
    }
    for (size_t i = 0; i < list->items.len; i++)
        gather_items(p, &it->body, scope_bind(p->a, sc, it->name, list->items.items[i]), g);
}

/* The escape hatch: `terraform { resource … }` (or bicep, kubernetes, github)
 * written in a program is a resource of an anonymous kind whose lowering is
 * that block, with its names kept as written. */
static void gather_raw(program *p, const ast_item *it, scope *sc, gather_ctx g, int target)
{
    if (target_table[target].iac && (int)g.target != target) {
        if (p->env_index == 0)
            diag_error(p->d, it->name_loc, "a raw %s block cannot stand in a %s stack", it->name,
                       target_table[g.target].name);
        return;
    }
    kind *k = arena_alloc(p->a, sizeof *k);
    k->name = it->name;
    k->decl = it;
    k->sch.name = it->name;
    k->lower[target] = it;
    instance *in = arena_alloc(p->a, sizeof *in);
    in->k = k;
    in->label = target_table[target].grouping == GROUP_PER_RESOURCE ? "raw" : it->name;   /* its stack's name */
    in->path = arena_printf(p->a, "%s@%s:%d", it->name, it->loc.file->path, it->loc.line);
    in->ident = "raw";
    in->stack = g.stack;
    in->target = g.target;
    in->decl = it;
    in->sc = sc;
    in->raw = true;
    vec_push(p->a, &p->instances, in);
    strmap_put(&p->inst_by_path, in->path, in);
}

static void gather_item(program *p, const ast_item *it, scope *sc, gather_ctx g)
{
    if (it->kind == IT_WHEN) {
        check_when_envs(p, it);
        if (env_listed(p, &it->envs))
            gather_items(p, &it->body, sc, g);
    } else if (it->kind == IT_FOR) {
        gather_for(p, it, sc, g);
    } else if (it->kind == IT_IF) {
        eval_ctx cx = ctx_for(p, sc, NULL);
        gather_items(p, val_truthy(eval_expr(&cx, it->value)) ? &it->body : &it->else_body, sc, g);
    } else if (it->kind == IT_BLOCK) {
        const kind *k = sema_find_kind(p, it->name);
        if (g.parent && sema_find_block(&g.parent->k->sch, it->name))
            return;     /* a nested block of the parent, not a child resource */
        if (!g.parent && strcmp(it->name, "stack") == 0)
            gather_stack(p, it, sc, g);
        else if (!g.parent && !k && !it->labels.len && target_by_name(it->name) >= 0)
            gather_raw(p, it, sc, g, target_by_name(it->name));
        else if (k)
            gather_resource(p, it, k, sc, g);
        else if (!g.parent && p->env_index == 0)
            diag_error(p->d, it->name_loc, "unknown kind '%s'", it->name);
    } else if (!g.parent && it->kind == IT_ATTR && g.stack && strcmp(it->name, "target") == 0) {
        /* the stack's own target, read by gather_stack */
    } else if (!g.parent && p->env_index == 0) {
        diag_error(p->d, it->loc, "only resources, stacks, for, when and if can stand here");
    }
}

static void gather_items(program *p, const ptrvec *items, scope *sc, gather_ctx g)
{
    for (size_t i = 0; i < items->len; i++)
        gather_item(p, items->items[i], sc, g);
}

/* ---- bodies ---- */

static void body_set(program *p, ebody *b, const char *name, value *v, src_loc loc)
{
    for (size_t i = 0; i < b->names.len; i++) {
        if (strcmp(b->names.items[i], name) == 0) {
            if (!b->overriding && loc.file && ((src_loc *)b->locs.items[i])->file) {
                src_loc *first = b->locs.items[i];
                diag_error(p->d, loc, "'%s' is set twice (first at line %d)", name, first->line);
                return;
            }
            b->vals.items[i] = v;
            *(src_loc *)b->locs.items[i] = loc;
            return;
        }
    }
    src_loc *l = arena_alloc(p->a, sizeof *l);
    *l = loc;
    vec_push(p->a, &b->names, (void *)name);
    vec_push(p->a, &b->vals, v);
    vec_push(p->a, &b->locs, l);
}

value *inst_body_get(const ebody *b, const char *name)
{
    for (size_t i = 0; i < b->names.len; i++)
        if (strcmp(b->names.items[i], name) == 0)
            return b->vals.items[i];
    return NULL;
}

/* Attributes every resource has without declaring them. */
static bool implicit_attr(const ebody *b, const char *name)
{
    return !b->sch->labelled && b->owner && b->owner->body == b &&
           (strcmp(name, "name") == 0 || strcmp(name, "tags") == 0 || strcmp(name, "instance") == 0);
}

static void body_items(program *p, ebody *b, const ptrvec *items, scope *sc, bool whens);

static void body_annots(program *p, ebody *b, const ast_item *it, const char *attr)
{
    for (size_t i = 0; i < it->annots.len; i++) {
        eannot *ea = arena_alloc(p->a, sizeof *ea);
        ea->an = it->annots.items[i];
        ea->attr = attr;
        vec_push(p->a, &b->annots, ea);
    }
}

static void body_attr(program *p, ebody *b, const ast_item *it, scope *sc)
{
    const attr_decl *ad = sema_find_attr(b->sch, it->name);
    if (!ad && !implicit_attr(b, it->name)) {
        diag_error(p->d, it->name_loc, "unknown attribute '%s' in %s '%s'", it->name,
                   b->sch->name, b->owner ? b->owner->path : "?");
        return;
    }
    eval_ctx cx = ctx_for(p, sc, b->owner);
    value *v = eval_expr(&cx, it->value);
    if (ad) {
        const char *what = arena_printf(p->a, "'%s'", it->name);
        v = eval_check_type(&cx, v, ad->t, it->value->loc, what);
        if (!v) {   /* reported; record it as given so it is not also "missing" */
            body_set(p, b, it->name, val_null(p->a, it->value->loc), it->value->loc);
            return;
        }
    } else if (strcmp(it->name, "tags") == 0 && v->kind != V_MAP) {
        diag_error(p->d, it->value->loc, "wrong type for 'tags': expected map, got %s", val_kind_name(v->kind));
        return;
    } else if (strcmp(it->name, "name") == 0 && v->kind != V_STRING) {
        diag_error(p->d, it->value->loc, "wrong type for 'name': expected string, got %s", val_kind_name(v->kind));
        return;
    }
    body_set(p, b, it->name, v, it->value->loc);
    body_annots(p, b, it, it->name);
}

static eblock *find_eblock(ebody *b, const char *type, const char *label)
{
    for (size_t i = 0; i < b->blocks.len; i++) {
        eblock *eb = b->blocks.items[i];
        if (strcmp(eb->type, type) == 0 &&
            ((!label && !eb->label) || (label && eb->label && strcmp(label, eb->label) == 0)))
            return eb;
    }
    return NULL;
}

static void body_block(program *p, ebody *b, const ast_item *it, scope *sc)
{
    const schema *bs = sema_find_block(b->sch, it->name);
    if (!bs) {
        if (sema_find_kind(p, it->name) && b->owner && b->owner->body == b)
            return;     /* a child resource, gathered by inst_build */
        diag_error(p->d, it->name_loc, "unknown block '%s' in %s", it->name, b->sch->name);
        return;
    }
    const char *label = NULL;
    if (bs->labelled && it->labels.len != 1) {
        diag_error(p->d, it->loc, "a %s block needs a name: `%s NAME { ... }`", it->name, it->name);
        return;
    }
    if (!bs->labelled && it->labels.len) {
        diag_error(p->d, it->loc, "a %s block takes no name", it->name);
        return;
    }
    if (bs->labelled)
        label = label_text(p, sc, it->labels.items[0]);
    eblock *eb = find_eblock(b, it->name, label);
    if (!eb) {
        eb = arena_alloc(p->a, sizeof *eb);
        eb->type = it->name;
        eb->label = label;
        eb->sch = bs;
        eb->loc = it->loc;
        eb->body = arena_alloc(p->a, sizeof *eb->body);
        eb->body->sch = bs;
        eb->body->owner = b->owner;
        vec_push(p->a, &b->blocks, eb);
    }
    eb->body->overriding += b->overriding;     /* a block inside a `when` overrides too */
    body_items(p, eb->body, &it->body, sc, false);
    body_items(p, eb->body, &it->body, sc, true);
    eb->body->overriding -= b->overriding;
}

static void body_item(program *p, ebody *b, const ast_item *it, scope *sc, bool whens)
{
    if (it->kind == IT_WHEN) {
        if (whens) {
            check_when_envs(p, it);
            if (env_listed(p, &it->envs)) {
                b->overriding++;
                body_items(p, b, &it->body, sc, false);
                body_items(p, b, &it->body, sc, true);
                b->overriding--;
            }
        }
        return;
    }
    if (whens)
        return;     /* everything else was done in the first pass */
    switch (it->kind) {
    case IT_ATTR:
        body_attr(p, b, it, sc);
        break;
    case IT_BLOCK:
        body_block(p, b, it, sc);
        break;
    case IT_ANNOT:
        body_annots(p, b, it, NULL);
        break;
    case IT_IF: {
        eval_ctx cx = ctx_for(p, sc, b->owner);
        const ptrvec *branch = val_truthy(eval_expr(&cx, it->value)) ? &it->body : &it->else_body;
        body_items(p, b, branch, sc, false);
        body_items(p, b, branch, sc, true);
        break;
    }
    case IT_FOR: {
        eval_ctx cx = ctx_for(p, sc, b->owner);
        value *list = eval_expr(&cx, it->value);
        if (list->kind != V_LIST) {
            diag_error(p->d, it->value->loc, "for needs a list, got a %s", val_kind_name(list->kind));
            break;
        }
        for (size_t i = 0; i < list->items.len; i++) {
            scope *inner = scope_bind(p->a, sc, it->name, list->items.items[i]);
            body_items(p, b, &it->body, inner, false);
            body_items(p, b, &it->body, inner, true);
        }
        break;
    }
    default:
        diag_error(p->d, it->loc, "this cannot stand in a resource body");
    }
}

/* Two passes: the plain items first, then the `when` overrides in order, so
 * an override wins wherever it is written. */
static void body_items(program *p, ebody *b, const ptrvec *items, scope *sc, bool whens)
{
    for (size_t i = 0; i < items->len; i++)
        body_item(p, b, items->items[i], sc, whens);
}

/* Chains of references are followed on demand; past this depth the chain is
 * reported rather than risking the C stack. */
#define INST_MAX_CHAIN 256

ebody *inst_body(program *p, instance *in)
{
    if (in->state == 2 || in->state == 1)
        return in->body;
    if (p->body_depth >= INST_MAX_CHAIN) {
        diag_error(p->d, in->decl->loc, "chain of references between resources is longer than %d", INST_MAX_CHAIN);
        in->body = arena_alloc(p->a, sizeof *in->body);
        in->body->sch = &in->k->sch;
        in->body->owner = in;
        in->state = 2;
        in->cut = true;
        return in->body;
    }
    p->body_depth++;
    in->state = 1;
    in->body = arena_alloc(p->a, sizeof *in->body);
    in->body->sch = &in->k->sch;
    in->body->owner = in;
    body_items(p, in->body, &in->items, in->sc, false);
    body_items(p, in->body, &in->items, in->sc, true);
    if (in->parent) {
        value *pv = val_new(p->a, V_RESOURCE, in->decl->loc);
        pv->inst = in->parent;
        if (sema_find_attr(&in->k->sch, "parent"))
            body_set(p, in->body, "parent", pv, in->decl->loc);
    }
    in->state = 2;
    p->body_depth--;
    return in->body;
}

/* An attribute's value with its default applied (null when optional). */
static value *schema_attr(program *p, ebody *b, const char *name, src_loc loc, bool *found)
{
    value *v = inst_body_get(b, name);
    *found = true;
    if (v)
        return v;
    const attr_decl *ad = sema_find_attr(b->sch, name);
    if (!ad) {
        *found = false;
        return NULL;
    }
    if (!ad->dflt)
        return val_null(p->a, loc);
    eval_ctx cx = ctx_for(p, b->owner ? b->owner->sc : p->globals, b->owner);
    v = eval_expr(&cx, ad->dflt);
    v = eval_check_type(&cx, v, ad->t, ad->dflt->loc, arena_printf(p->a, "default of '%s'", name));
    if (!v)
        v = val_null(p->a, loc);
    body_set(p, b, name, v, ad->dflt->loc);
    return v;
}

value *inst_attr(program *p, instance *in, const char *name)
{
    bool found;
    value *v = schema_attr(p, inst_body(p, in), name, in->decl->loc, &found);
    return found ? v : NULL;
}

static value *inst_tags(program *p, instance *in, src_loc loc)
{
    value *tags = val_new(p->a, V_MAP, loc);
    value *ptags = val_map_get(p->project_val, "tags");
    if (ptags && ptags->kind == V_MAP)
        for (size_t i = 0; i < ptags->keys.len; i++)
            val_map_set(p->a, tags, ptags->keys.items[i], ptags->items.items[i]);
    val_map_set(p->a, tags, "environment", val_string(p->a, p->env, loc));
    val_map_set(p->a, tags, "project", val_string(p->a, p->project_name, loc));
    value *own = inst_body_get(inst_body(p, in), "tags");
    if (own && own->kind == V_MAP)
        for (size_t i = 0; i < own->keys.len; i++)
            val_map_set(p->a, tags, own->keys.items[i], own->items.items[i]);
    return tags;
}

/* ---- members of resources and blocks ---- */

static instance *find_child(instance *in, const char *label)
{
    for (size_t i = 0; i < in->children.len; i++) {
        instance *c = in->children.items[i];
        if (strcmp(c->label, label) == 0)
            return c;
    }
    return NULL;
}

static value *blocks_of(program *p, ebody *b, const char *type, src_loc loc)
{
    const schema *bs = sema_find_block(b->sch, type);
    if (!bs)
        return NULL;
    value *list = val_new(p->a, V_LIST, loc);
    for (size_t i = 0; i < b->blocks.len; i++) {
        eblock *eb = b->blocks.items[i];
        if (strcmp(eb->type, type) != 0)
            continue;
        value *v = val_new(p->a, V_BLOCK, eb->loc);
        v->body = eb->body;
        v->label = eb->label;
        vec_push(p->a, &list->items, v);
    }
    if (bs->labelled)
        return list;
    if (list->items.len)    /* an unlabelled block is single: the block itself */
        return list->items.items[0];
    /* not written: an empty one, so its attributes' defaults still apply */
    value *v = val_new(p->a, V_BLOCK, loc);
    v->body = arena_alloc(p->a, sizeof *v->body);
    v->body->sch = bs;
    v->body->owner = b->owner;
    return v;
}

value *eval_block_member(eval_ctx *cx, value *blk, const char *name, src_loc loc)
{
    program *p = cx->p;
    if (strcmp(name, "label") == 0)
        return blk->label ? val_string(p->a, blk->label, loc) : val_null(p->a, loc);
    bool found;
    value *v = schema_attr(p, blk->body, name, loc, &found);
    if (found)
        return v;
    v = blocks_of(p, blk->body, name, loc);
    if (v)
        return v;
    diag_error(p->d, loc, "a %s block has no member '%s'", blk->body->sch->name, name);
    return val_null(p->a, loc);
}

static value *resource_implicit(eval_ctx *cx, instance *in, const char *name, src_loc loc)
{
    program *p = cx->p;
    if (strcmp(name, "name") == 0)
        return val_string(p->a, naming_resource_name(p, in), loc);
    if (strcmp(name, "label") == 0)
        return val_string(p->a, in->label, loc);
    if (strcmp(name, "ident") == 0)
        return val_string(p->a, in->ident, loc);
    if (strcmp(name, "tags") == 0)
        return inst_tags(p, in, loc);
    if (strcmp(name, "location") == 0 || strcmp(name, "region") == 0) {
        const char *r = naming_region_of(p, in);
        return r ? val_string(p->a, r, loc) : val_null(p->a, loc);
    }
    if (strcmp(name, "parent") == 0 && in->parent) {
        value *v = val_new(p->a, V_RESOURCE, loc);
        v->inst = in->parent;
        return v;
    }
    return NULL;
}

value *eval_resource_member(eval_ctx *cx, value *res, const char *name, src_loc loc)
{
    program *p = cx->p;
    instance *in = res->inst;
    if (in->state == 1) {   /* its body is being evaluated: this reads it back */
        diag_error(p->d, loc, "reference cycle: '%s' depends on itself", in->path);
        return val_null(p->a, loc);
    }
    instance *child = find_child(in, name);
    if (child && !sema_find_attr(&in->k->sch, name)) {
        value *v = val_new(p->a, V_RESOURCE, loc);
        v->inst = child;
        return v;
    }
    bool found;
    value *v = schema_attr(p, inst_body(p, in), name, loc, &found);
    if (found)
        return v;
    v = blocks_of(p, in->body, name, loc);
    if (!v)
        v = resource_implicit(cx, in, name, loc);
    if (v)
        return v;
    if (cx->target >= 0 && target_table[cx->target].iac) {
        v = val_new(p->a, V_TREF, loc);     /* an attribute of its primary target block */
        v->ref.primary = true;
        v->ref.owner = in;
        v->ref.path = name;
        return v;
    }
    diag_error(p->d, loc, "%s '%s' has no attribute or child '%s'", in->k->name, in->path, name);
    return val_null(p->a, loc);
}

value *inst_siblings(eval_ctx *cx, value *res, src_loc loc)
{
    value *list = val_new(cx->p->a, V_LIST, loc);
    instance *parent = res->inst->parent;
    const ptrvec *peers = parent ? &parent->children : &cx->p->instances;
    for (size_t i = 0; i < peers->len; i++) {
        instance *o = peers->items[i];
        if (o == res->inst)
            break;
        if (o->k == res->inst->k && o->parent == res->inst->parent) {
            value *v = val_new(cx->p->a, V_RESOURCE, loc);
            v->inst = o;
            vec_push(cx->p->a, &list->items, v);
        }
    }
    return list;
}

/* ---- identifiers ---- */

/* Stands in lets_val for a let being evaluated: reading it again is a cycle,
 * and the name then resolves no further (the bare word reports it). */
static value let_busy;

static value *let_value(program *p, const char *name)
{
    value *v = val_map_get(p->lets_val, name);
    if (v)
        return v == &let_busy ? NULL : v;
    for (size_t i = p->lets.len; i-- > 0;) {
        const ast_item *it = p->lets.items[i];
        if (strcmp(it->name, name) != 0)
            continue;
        val_map_set(p->a, p->lets_val, name, &let_busy);
        eval_ctx cx = ctx_for(p, p->globals, NULL);
        v = eval_expr(&cx, it->value);
        val_map_set(p->a, p->lets_val, name, v);
        return v;
    }
    return NULL;
}

value *eval_resolve_ident(eval_ctx *cx, const char *name, src_loc loc)
{
    program *p = cx->p;
    value *v = let_value(p, name);
    if (v)
        return v;
    instance *in = find_instance(p, name);
    if (in) {
        v = val_new(p->a, V_RESOURCE, loc);
        v->inst = in;
        return v;
    }
    if (strcmp(name, "project") == 0 && p->project_val)
        return p->project_val;
    return NULL;
}

/* ---- checks ---- */

static void check_required(program *p, ebody *b, src_loc at, const char *what)
{
    for (size_t i = 0; i < b->sch->attrs.len; i++) {
        const attr_decl *ad = b->sch->attrs.items[i];
        if (!inst_body_get(b, ad->name) && !ad->dflt && !ad->t->optional && strcmp(ad->name, "parent") != 0)
            diag_error(p->d, at, "missing required attribute '%s' in %s", ad->name, what);
    }
    for (size_t i = 0; i < b->blocks.len; i++) {
        eblock *eb = b->blocks.items[i];
        check_required(p, eb->body, eb->loc, arena_printf(p->a, "%s block", eb->type));
    }
}

static src_loc attr_loc(const ebody *b, const char *name, src_loc dflt)
{
    for (size_t i = 0; i < b->names.len; i++)
        if (strcmp(b->names.items[i], name) == 0)
            return *(src_loc *)b->locs.items[i];
    return dflt;
}

/* `check NAME { that = EXPR  message = "…"  at = "attr" }` in a kind. */
static void run_checks(program *p, instance *in)
{
    const ast_item *kd = in->k->decl;
    for (size_t i = 0; i < kd->body.len; i++) {
        const ast_item *ck = kd->body.items[i];
        if (ck->kind != IT_BLOCK || strcmp(ck->name, "check") != 0)
            continue;
        const ast_expr *that = NULL, *msg = NULL, *at = NULL;
        for (size_t j = 0; j < ck->body.len; j++) {
            const ast_item *f = ck->body.items[j];
            if (f->kind != IT_ATTR)
                continue;
            if (strcmp(f->name, "that") == 0) that = f->value;
            else if (strcmp(f->name, "message") == 0) msg = f->value;
            else if (strcmp(f->name, "at") == 0) at = f->value;
        }
        if (!that || !msg)
            continue;
        value *self = val_new(p->a, V_RESOURCE, in->decl->loc);
        self->inst = in;
        eval_ctx cx = ctx_for(p, scope_bind(p->a, in->sc, "self", self), in);
        if (val_truthy(eval_expr(&cx, that)))
            continue;
        value *m = eval_expr(&cx, msg);
        src_loc loc = in->decl->loc;
        if (at && at->kind == EX_STRING && at->items.len == 1)
            loc = attr_loc(in->body, ((const ast_expr *)at->items.items[0])->text, loc);
        diag_error(p->d, loc, "%s", m->kind == V_STRING ? m->text : "check failed");
    }
}

static value *project_value(program *p);

void inst_build(program *p, int env_index)
{
    p->env_index = env_index;
    p->env = env_index >= 0 ? p->envs.items[env_index] : NULL;
    p->instances.len = 0;
    strmap_init(&p->inst_by_path, p->a);
    strmap_init(&p->kind_count, p->a);
    strmap_init(&p->first_of_kind, p->a);
    p->lets_val = val_new(p->a, V_MAP, (src_loc){0});
    value *envs = val_new(p->a, V_LIST, (src_loc){0});
    for (size_t i = 0; i < p->envs.len; i++)
        vec_push(p->a, &envs->items, val_string(p->a, p->envs.items[i], (src_loc){0}));
    p->globals = scope_bind(p->a, NULL, "envs", envs);
    if (p->env)
        p->globals = scope_bind(p->a, p->globals, "env", val_string(p->a, p->env, (src_loc){0}));
    p->project_val = project_value(p);
    p->region_codes = let_value(p, "region_codes");
    p->name_limits = let_value(p, "resource_name_limits");
    value *tmpl = val_map_get(p->project_val, "naming");
    if (!tmpl || tmpl->kind != V_STRING)
        tmpl = let_value(p, "default_naming");
    p->naming_template = tmpl && tmpl->kind == V_STRING ? tmpl->text : "{abbrev}-{project}-{name}-{env}-{region}";
    gather_ctx g = {.stack = p->project_name, .target = TARGET_TERRAFORM};
    gather_items(p, &p->decls, p->globals, g);
    for (size_t i = 0; i < p->instances.len; i++) {
        instance *in = p->instances.items[i];
        inst_body(p, in);
        if (in->cut)
            continue;
        check_required(p, in->body, in->decl->loc, arena_printf(p->a, "%s '%s'", in->k->name, in->path));
        run_checks(p, in);
    }
}

/* ---- the project's settings as a value ---- */

static value *settings_map(program *p, const ptrvec *items, scope *sc, src_loc loc)
{
    value *m = val_new(p->a, V_MAP, loc);
    for (size_t i = 0; i < items->len; i++) {
        const ast_item *it = items->items[i];
        eval_ctx cx = ctx_for(p, sc, NULL);
        if (it->kind == IT_ATTR) {
            val_map_set(p->a, m, it->name, eval_expr(&cx, it->value));
        } else if (it->kind == IT_BLOCK && it->labels.len == 0) {
            val_map_set(p->a, m, it->name, settings_map(p, &it->body, sc, it->loc));
        } else if (it->kind == IT_BLOCK && it->labels.len == 1) {
            value *inner = val_new(p->a, V_MAP, it->loc);
            val_map_set(p->a, inner, label_text(p, sc, it->labels.items[0]), settings_map(p, &it->body, sc, it->loc));
            val_map_set(p->a, m, it->name, inner);
        } else if (p->env_index <= 0) {
            diag_error(p->d, it->loc, "project settings are attributes and blocks");
        }
    }
    return m;
}

static value *project_value(program *p)
{
    if (!p->project)
        return val_new(p->a, V_MAP, (src_loc){0});
    value *v = settings_map(p, &p->project->body, p->globals, p->project->loc);
    val_map_set(p->a, v, "name", val_string(p->a, p->project_name, p->project->loc));
    return v;
}
