/* inst.c — the resources of one environment; see inst.h. */
#include "inst.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "ir.h"
#include "naming.h"
#include "out.h"

static const eval_host inst_host;

eval_ctx inst_eval_ctx(env_state *es, scope *sc, instance *self, int target)
{
    eval_ctx cx = {.a = es->a, .d = es->d, .sc = sc, .host = &inst_host, .es = es, .self = self ? &self->r : NULL,
                   .target = target, .env = es->env, .patterns = es->patterns, .budget = &es->budget};
    return cx;
}

/* Stack and resource names become directories and file names (a stack's
 * module, a service's Kubernetes base): one that cannot be a single path
 * segment is an error here, at its line, before any path is made from it. */
static void name_is_segment(env_state *es, const char *name, src_loc loc)
{
    const char *why = out_name_problem(es->a, name);
    if (why)
        diag_error(es->d, loc, "this name cannot be a file or directory name: %s "
                   "(use letters, digits, '_', '-' and '.')", why);
}

/* A label's text, as this environment has it; problem (NULL: the path
 * segment check) says why it cannot be the name it becomes. */
static const char *label_text(env_state *es, scope *sc, const ast_expr *e,
                              const char *(*problem)(arena *a, const char *name), const char *what)
{
    const char *text = e->text;
    if (e->kind != EX_IDENT) {
        eval_ctx cx = inst_eval_ctx(es, sc, NULL, -1);
        value *v = eval_expr(&cx, e);
        if (v->kind != V_STRING) {
            if (!(v->flags & VAL_ERROR))
                diag_error(es->d, e->loc, "a name must be a plain string");
            return "?";
        }
        text = eval_text(&cx, v);
    }
    if (!problem) {
        if (e->kind != EX_IDENT)    /* a word is a path segment already */
            name_is_segment(es, text, e->loc);
        return text;
    }
    const char *why = problem(es->a, text);
    if (why)
        diag_error(es->d, e->loc, "%s '%s' is not valid: %s", what, text, why);
    return text;
}

const char *inst_ident(arena *a, const char *path)
{
    char *s = arena_strdup(a, path);
    for (char *q = s; *q; q++)
        if (!isalnum((unsigned char)*q))
            *q = '_';
        else
            *q = (char)tolower((unsigned char)*q);
    return s;
}

static instance *find_instance(const env_state *es, const char *path)
{
    return strmap_get(&es->by_path, path);
}

/* Errors about the shape of declarations are the same in every
 * environment: the first one reports them. */
static bool first_env(const env_state *es)
{
    return es->index == 0;
}

/* ---- what differs between environments (inst.h) ---- */

void inst_watch(env_state *es, bool *flag)
{
    vec_push(es->a, &es->watch, flag);
}

void inst_unwatch(env_state *es)
{
    es->watch.len--;
}

/* Only the innermost evaluation is marked: one evaluated on demand inside
 * another (a resource's body, a default, a let) is its own, and the one
 * that asked is marked when it reads the result (read_varying). */
void inst_observed(env_state *es)
{
    if (es->watch.len)
        *(bool *)es->watch.items[es->watch.len - 1] = true;
}

static void host_observed(eval_ctx *cx)
{
    inst_observed(cx->es);
}

/* Reading something that looked at the environment is looking at it. */
static void read_varying(env_state *es, bool varies)
{
    if (varies)
        inst_observed(es);
}

static bool kind_varies(const env_state *es, const kind *k)
{
    return es->varying_kinds && strmap_has(es->varying_kinds, k->name);
}

static bool path_partial(const env_state *es, const char *path)
{
    return es->partial_paths && strmap_has(es->partial_paths, path);
}

instance *inst_in_env(env_state *es, const resource *r)
{
    instance *in = inst_of(r);
    return in->es == es ? in : find_instance(es, r->path);
}

/* ---- declarations: for/when/if expanded, an instance per resource ---- */

typedef struct gather_ctx {
    env_state *es;
    const char *stack;
    ir_target target;
    instance *parent;
    bool in_stack;      /* inside a `stack` block: stacks do not nest */
    const ast_item *stack_decl;     /* that block */
    scope *stack_sc;                /* where it stands */
    int depth;          /* holding `when`s around the items (expand_clash) */
    ptrvec *deferred;   /* gather_deferral*: the program's `for`s and `if`s, gathered last; NULL: now */
} gather_ctx;

/* A `for` or an `if` among the program's declarations, gathered after
 * everything else so that its list or condition may name resources declared
 * below it (as a `let` may). */
typedef struct gather_deferral {
    gather_ctx g;
    const ast_item *it;
    scope *sc;
    int overriding;
    size_t at;          /* where its resources go in es->instances: where it stands */
    size_t from, to;    /* where they were gathered */
} gather_deferral;

static void gather_items(gather_ctx g, const ptrvec *items, scope *sc);

static instance *new_instance(env_state *es, const kind *k, const char *label, const char *path,
                              const ast_item *decl, scope *sc, gather_ctx g)
{
    instance *in = arena_alloc(es->a, sizeof *in);
    in->es = es;
    in->k = k;
    in->r.kind = k->name;
    in->r.label = label;
    in->r.path = path;
    in->r.parent = g.parent ? &g.parent->r : NULL;
    in->r.loc = decl->loc;
    in->r.stack = g.stack;
    in->r.target = g.target;
    in->stack_decl = g.stack_decl;
    in->stack_sc = g.stack_sc;
    in->decl = decl;
    in->sc = sc;
    return in;
}

/* A resource declared again: in more holding `when`s than before, it
 * overrides the earlier declaration (its body is expanded over it, its
 * children are the earlier one's); in fewer, the earlier one overrides it.
 * Declared again at the same depth, it is a duplicate. */
static bool gather_again(gather_ctx g, const ast_item *it, const kind *k, scope *sc, instance *dup)
{
    if (g.depth == dup->depth || dup->k != k)
        return false;
    inst_layer *l = arena_alloc(g.es->a, sizeof *l);
    *l = (inst_layer){it, sc, g.depth};
    if (g.depth < dup->depth) {     /* this one is the resource; what came first overrides it */
        *l = (inst_layer){dup->decl, dup->sc, dup->depth};
        dup->decl = it;
        dup->items = it->body;
        dup->sc = sc;
        dup->depth = g.depth;
        dup->r.loc = it->loc;
    }
    size_t at = 0;
    while (at < dup->overrides.len && ((inst_layer *)dup->overrides.items[at])->depth <= l->depth)
        at++;
    vec_push(g.es->a, &dup->overrides, NULL);
    memmove(&dup->overrides.items[at + 1], &dup->overrides.items[at], (dup->overrides.len - at - 1) * sizeof(void *));
    dup->overrides.items[at] = l;
    gather_ctx child = g;
    child.parent = dup;
    gather_items(child, &it->body, sc);
    return true;
}

static void gather_resource(gather_ctx g, const ast_item *it, const kind *k, scope *sc)
{
    env_state *es = g.es;
    if (it->labels.len != 1) {
        diag_error(es->d, it->loc, "a %s needs exactly one name: `%s NAME { ... }`", k->name, k->name);
        return;
    }
    const char *label = label_text(es, sc, it->labels.items[0], NULL, NULL);
    const char *path = g.parent ? arena_printf(es->a, "%s.%s", g.parent->r.path, label) : label;
    instance *dup = find_instance(es, path);
    if (dup && gather_again(g, it, k, sc, dup))
        return;
    if (dup) {
        if (first_env(es) || dup->decl != it)
            diag_error(es->d, ((const ast_expr *)it->labels.items[0])->loc,
                       "duplicate resource name '%s' (first declared at %s:%d)", path,
                       dup->decl->loc.file->path, dup->decl->loc.line);
        return;
    }
    instance *in = new_instance(es, k, label, path, it, sc, g);
    in->ident = inst_ident(es->a, path);
    in->items = it->body;
    in->depth = g.depth;
    vec_push(es->a, &es->instances, in);
    strmap_put(&es->by_path, path, in);
    uintptr_t n = (uintptr_t)strmap_get(&es->kind_count, k->name);
    strmap_put(&es->kind_count, k->name, (void *)(n + 1));
    if (!n)
        strmap_put(&es->first_of_kind, k->name, in);
    const char *in_stack = arena_cat(es->a, k->name, "\x1f", g.stack, NULL);
    uintptr_t m = (uintptr_t)strmap_get(&es->kind_in_stack, in_stack);
    strmap_put(&es->kind_in_stack, in_stack, (void *)(m + 1));
    if (!m)
        strmap_put(&es->first_in_stack, in_stack, in);
    if (g.parent)
        vec_push(es->a, &g.parent->children, in);
    gather_ctx child = g;
    child.parent = in;
    gather_items(child, &it->body, sc);
}

/* What a stack may set: its target, how its target lays it out, and the
 * region of its resources (a provider's region key: location, region). */
static bool stack_setting(const program *p, const char *name)
{
    static const char *const words[] = {"target", "scope", "global", "root", "path", "modules", "params"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(words[i], name) == 0)
            return true;
    for (size_t i = 0; i < p->providers.len; i++) {
        const provider_decl *pd = p->providers.items[i];
        if (pd->region_key && strcmp(pd->region_key, name) == 0)
            return true;
    }
    return false;
}

const ast_expr *inst_stack_setting(const instance *in, const char *name)
{
    for (size_t i = 0; in->stack_decl && i < in->stack_decl->body.len; i++) {
        const ast_item *it = in->stack_decl->body.items[i];
        if (it->kind == IT_ATTR && strcmp(it->name, name) == 0)
            return it->value;
    }
    return NULL;
}

static ir_target stack_target(env_state *es, const ast_item *it)
{
    for (size_t i = 0; i < it->body.len; i++) {
        const ast_item *a = it->body.items[i];
        if (a->kind != IT_ATTR || strcmp(a->name, "target") != 0)
            continue;
        int t = a->value->kind == EX_IDENT ? target_by_name(a->value->text) : -1;
        if (t >= 0 && target_table[t].iac)
            return (ir_target)t;
        diag_error(es->d, a->value->loc, "a stack's target is %s", target_iac_names(es->a));
    }
    return TARGET_TERRAFORM;
}

static void gather_stack(gather_ctx g, const ast_item *it, scope *sc)
{
    if (g.parent || g.in_stack || it->labels.len != 1) {
        if (first_env(g.es))
            diag_error(g.es->d, it->loc, "a stack is declared at the top level: `stack NAME { target = ... }`");
        return;
    }
    gather_ctx inner = g;
    inner.in_stack = true;
    inner.target = stack_target(g.es, it);
    inner.stack_decl = it;
    inner.stack_sc = sc;
    /* a Terraform stack is a module: `module "NAME"` in every root module */
    bool tf = inner.target == TARGET_TERRAFORM;
    inner.stack = label_text(g.es, sc, it->labels.items[0], tf ? target_hcl_name_problem : NULL, "Terraform module name");
    gather_items(inner, &it->body, sc);
}

/* The escape hatch: `terraform { resource … }` (or bicep, kubernetes, github)
 * written in a program is a resource of an anonymous kind whose lowering is
 * that block, with its names kept as written. */
static void gather_raw(gather_ctx g, const ast_item *it, scope *sc, ir_target target)
{
    env_state *es = g.es;
    if (target_table[target].iac && g.target != target) {
        if (first_env(es))
            diag_error(es->d, it->name_loc, "a raw %s block cannot stand in a %s stack", it->name,
                       target_table[g.target].name);
        return;
    }
    kind *k = arena_alloc(es->a, sizeof *k);
    k->name = it->name;
    k->decl = it;
    k->sch.name = it->name;
    k->lower[target] = it;
    /* Where a stack is per resource (a Kustomize app group), the block's
     * name chooses it: `kubernetes monitoring { object ... }`; "raw" when
     * it has none. Elsewhere a raw block takes no name. */
    bool grouped = target_table[target].grouping == GROUP_PER_RESOURCE;
    if (it->labels.len > (grouped ? 1u : 0u)) {
        if (first_env(es))
            diag_error(es->d, ((const ast_expr *)it->labels.items[0])->loc, grouped
                       ? "a raw %s block takes one name at most: the group its objects go in"
                       : "a raw %s block takes no name", it->name);
        return;
    }
    const char *label = !grouped ? it->name : it->labels.len ? label_text(es, sc, it->labels.items[0], NULL, NULL) : "raw";
    const char *path = arena_printf(es->a, "%s@%s:%d", it->name, it->loc.file->path, it->loc.line);
    instance *in = new_instance(es, k, label, path, it, sc, g);
    in->ident = "raw";
    in->raw = true;
    vec_push(es->a, &es->instances, in);
    strmap_put(&es->by_path, path, in);
}

static void gather_item(expander *ex, const ast_item *it, scope *sc)
{
    gather_ctx g = *(gather_ctx *)ex->ctx;
    env_state *es = g.es;
    g.depth += ex->overriding;
    if (it->kind == IT_BLOCK) {
        const kind *k = sema_find_kind(es->p, it->name);
        int target = target_by_name(it->name);
        if (g.parent && sema_find_block(&g.parent->k->sch, it->name))
            return;     /* a nested block of the parent, not a child resource */
        if (!g.parent && strcmp(it->name, "stack") == 0)
            gather_stack(g, it, sc);
        else if (!g.parent && !k && target >= 0)
            gather_raw(g, it, sc, (ir_target)target);
        else if (k)
            gather_resource(g, it, k, sc);
        else if (!g.parent && first_env(es))
            diag_error(es->d, it->name_loc, "unknown kind '%s'%s", it->name,
                       diag_did_you_mean(es->a, it->name, &es->p->kind_names));
    } else if (!g.parent && it->kind == IT_ATTR && g.in_stack) {
        if (first_env(es) && !stack_setting(es->p, it->name))
            diag_error(es->d, it->name_loc, "unknown stack setting '%s' (a stack takes target, scope, global, root, "
                       "path, modules, params and its providers' region)", it->name);
    } else if (!g.parent && first_env(es)) {
        diag_error(es->d, it->loc, "only resources, stacks, for, when and if can stand here");
    }
}

static void gather_defer(expander *ex, const ast_item *it, scope *sc)
{
    gather_ctx *g = ex->ctx;
    gather_deferral *d = arena_alloc(g->es->a, sizeof *d);
    *d = (gather_deferral){*g, it, sc, ex->overriding, g->es->instances.len, 0, 0};
    d->g.deferred = NULL;
    vec_push(g->es->a, g->deferred, d);
}

static void gather_items(gather_ctx g, const ptrvec *items, scope *sc)
{
    expander ex = {.cx = inst_eval_ctx(g.es, sc, NULL, -1), .env = g.es->env, .item = gather_item, .ctx = &g,
                   .defer = g.deferred && !g.parent ? gather_defer : NULL};
    expand_items(&ex, items, sc);
}

static void gather_one_deferred(env_state *es, gather_deferral *d)
{
    d->from = es->instances.len;
    expander ex = {.cx = inst_eval_ctx(es, d->sc, NULL, -1), .env = es->env, .item = gather_item,
                   .ctx = &d->g, .overriding = d->overriding};
    ptrvec one = {(void **)&d->it, 1, 1};
    expand_items(&ex, &one, d->sc);
    d->to = es->instances.len;
}

/* Gathers the deferred `if`s and then the deferred `for`s, every other
 * resource known by then (the `if`s first, so that a `for`'s list may name
 * what an `if` declares, as it could when `if`s were expanded in place), and
 * puts their resources where they stand, so that the order of the instances
 * (and of everything made from them) is the program's. */
static void gather_deferred(env_state *es, ptrvec *deferred)
{
    size_t before = es->instances.len;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < deferred->len; i++) {
            gather_deferral *d = deferred->items[i];
            if ((d->it->kind == IT_IF) == (pass == 0))
                gather_one_deferred(es, d);
        }
    if (es->instances.len == before)
        return;
    ptrvec ordered = {0};
    size_t next = 0;
    for (size_t i = 0; i < deferred->len; i++) {
        gather_deferral *d = deferred->items[i];
        for (; next < d->at; next++)
            vec_push(es->a, &ordered, es->instances.items[next]);
        for (size_t j = d->from; j < d->to; j++)
            vec_push(es->a, &ordered, es->instances.items[j]);
    }
    for (; next < before; next++)
        vec_push(es->a, &ordered, es->instances.items[next]);
    es->instances = ordered;
}

/* ---- bodies ---- */

/* Sets an attribute set at `when` depth `depth`; an earlier setting of it
 * is resolved by expand_clash: set twice outside any `when` is an error
 * (unless one of them is not the program's: a default, the parent). */
static void body_set(env_state *es, ebody *b, const char *name, value *v, src_loc loc, int depth)
{
    for (size_t i = 0; i < b->names.len; i++) {
        if (strcmp(b->names.items[i], name) != 0)
            continue;
        src_loc *first = b->locs.items[i];
        switch (expand_clash_of((int)(uintptr_t)b->depths.items[i], depth)) {
        case CLASH_KEEP:
            return;
        case CLASH_TWICE:
            if (loc.file && first->file) {
                diag_error(es->d, loc, "'%s' is set twice (first at line %d)", name, first->line);
                return;
            }
            break;
        case CLASH_REPLACE:
            break;
        }
        b->vals.items[i] = v;
        *first = loc;
        b->depths.items[i] = (void *)(uintptr_t)depth;
        return;
    }
    src_loc *l = arena_alloc(es->a, sizeof *l);
    *l = loc;
    vec_push(es->a, &b->names, (void *)name);
    vec_push(es->a, &b->vals, v);
    vec_push(es->a, &b->locs, l);
    vec_push(es->a, &b->depths, (void *)(uintptr_t)depth);
}

value *inst_body_get(const ebody *b, const char *name)
{
    for (size_t i = 0; i < b->names.len; i++)
        if (strcmp(b->names.items[i], name) == 0)
            return b->vals.items[i];
    return NULL;
}

src_loc inst_attr_loc(const ebody *b, const char *name, src_loc dflt)
{
    for (size_t i = 0; b && i < b->names.len; i++)
        if (strcmp(b->names.items[i], name) == 0)
            return *(const src_loc *)b->locs.items[i];
    return dflt;
}

/* Attributes every resource has without declaring them: its name, tags,
 * instance number and abbreviation (naming tokens), and where its provider
 * places resources, its region. */
/* Is name the region key of the provider of b's resource (b its body)? */
static bool region_key(const ebody *b, const char *name)
{
    const provider_decl *pd = b->owner && b->owner->body == b && !b->sch->labelled ? b->owner->k->prov : NULL;
    return pd && pd->region_key && strcmp(name, pd->region_key) == 0;
}

static bool implicit_attr(const ebody *b, const char *name)
{
    if (b->sch->labelled || !b->owner || b->owner->body != b)
        return false;
    const provider_decl *pd = b->owner->k->prov;
    return strcmp(name, "name") == 0 || strcmp(name, "tags") == 0 || strcmp(name, "instance") == 0 ||
           strcmp(name, "abbrev") == 0 || (pd && pd->region_key && strcmp(name, pd->region_key) == 0);
}

typedef struct body_ctx {
    env_state *es;
    ebody *b;
} body_ctx;

static void body_annots(env_state *es, ebody *b, const ast_item *it, const char *attr)
{
    for (size_t i = 0; i < it->annots.len; i++) {
        eannot *ea = arena_alloc(es->a, sizeof *ea);
        ea->an = it->annots.items[i];
        ea->attr = attr;
        vec_push(es->a, &b->annots, ea);
    }
}

/* The attributes and block types of a schema, for "did you mean". */
static ptrvec *schema_names(arena *a, const schema *sch)
{
    ptrvec *names = arena_alloc(a, sizeof *names);
    for (size_t i = 0; i < sch->attrs.len; i++)
        vec_push(a, names, (void *)((const attr_decl *)sch->attrs.items[i])->name);
    for (size_t i = 0; i < sch->blocks.len; i++)
        vec_push(a, names, (void *)((const schema *)sch->blocks.items[i])->name);
    return names;
}

/* An attribute or block b's schema does not have: reported with the
 * nearest name it does. */
static void unknown_setting(env_state *es, const ebody *b, const ast_item *it, const char *what)
{
    if (it->name_expr)      /* a computed type: reported where the program is read */
        return;
    const char *hint = diag_did_you_mean(es->a, it->name, schema_names(es->a, b->sch));
    if (b->owner)
        diag_error(es->d, it->name_loc, "unknown %s '%s' in %s '%s'%s", what, it->name, b->sch->name,
                   b->owner->r.path, hint);
    else
        diag_error(es->d, it->name_loc, "unknown %s '%s' in %s%s", what, it->name, b->sch->name, hint);
}

static void body_attr(expander *ex, ebody *b, const ast_item *it, scope *sc)
{
    env_state *es = ((body_ctx *)ex->ctx)->es;
    const attr_decl *ad = sema_find_attr(b->sch, it->name);
    if (!ad && !implicit_attr(b, it->name) && !b->sch->open) {
        unknown_setting(es, b, it, "attribute");
        return;
    }
    eval_ctx cx = inst_eval_ctx(es, sc, b->owner, -1);
    /* where a resource is placed, its provider's region key, is a region */
    const attr_type *t = ad ? ad->t : region_key(b, it->name) ? es->p->region_type : NULL;
    value *v = eval_typed(&cx, it->value, t);
    if (v->flags & VAL_ERROR) {     /* reported; recorded as given so it is not also "missing" */
        body_set(es, b, it->name, v, it->value->loc, ex->overriding);
        return;
    }
    if (t) {
        v = eval_check_type(&cx, v, t, it->value->loc, (eval_what){NULL, it->name});
        if (!v) {   /* reported; record it as given so it is not also "missing" */
            body_set(es, b, it->name, val_null(es->a, it->value->loc), it->value->loc, ex->overriding);
            return;
        }
    } else if (!implicit_attr(b, it->name)) {
        /* an open block's setting: any value */
    } else if (strcmp(it->name, "tags") == 0 && v->kind != V_MAP) {
        diag_error(es->d, it->value->loc, "wrong type for 'tags': expected map, got %s", val_kind_name(v->kind));
        return;
    } else if (strcmp(it->name, "tags") != 0 && strcmp(it->name, "instance") != 0 && v->kind != V_STRING) {
        diag_error(es->d, it->value->loc, "wrong type for '%s': expected string, got %s", it->name, val_kind_name(v->kind));
        return;
    }
    body_set(es, b, it->name, v, it->value->loc, ex->overriding);
    body_annots(es, b, it, it->name);
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

static void body_block(expander *ex, ebody *b, const ast_item *it, scope *sc)
{
    body_ctx *bc = ex->ctx;
    env_state *es = bc->es;
    const schema *bs = sema_find_block(b->sch, it->name);
    if (!bs && b->sch->open) {      /* an open block's blocks are open too */
        schema *o = arena_alloc(es->a, sizeof *o);
        *o = (schema){.name = it->name, .labelled = it->labels.len > 0, .open = true};
        bs = o;
    }
    if (!bs) {
        if (sema_find_kind(es->p, it->name) && b->owner && b->owner->body == b)
            return;     /* a child resource, gathered by inst_gather */
        unknown_setting(es, b, it, "block");
        return;
    }
    const char *label = NULL;
    if (bs->labelled && it->labels.len != 1) {
        diag_error(es->d, it->loc, "a %s block needs a name: `%s NAME { ... }`", it->name, it->name);
        return;
    }
    if (!bs->labelled && it->labels.len) {
        diag_error(es->d, it->loc, "a %s block takes no name", it->name);
        return;
    }
    if (bs->labelled)
        label = label_text(es, sc, it->labels.items[0], NULL, NULL);
    eblock *eb = find_eblock(b, it->name, label);
    if (!eb) {
        eb = arena_alloc(es->a, sizeof *eb);
        eb->type = it->name;
        eb->label = label;
        eb->sch = bs;
        eb->loc = it->loc;
        eb->body = arena_alloc(es->a, sizeof *eb->body);
        eb->body->sch = bs;
        eb->body->owner = b->owner;
        vec_push(es->a, &b->blocks, eb);
    }
    /* the same expansion continues into the block: a block inside a `when` overrides too */
    bc->b = eb->body;
    expand_items(ex, &it->body, sc);
    bc->b = b;
}

static void body_item(expander *ex, const ast_item *it, scope *sc)
{
    body_ctx *bc = ex->ctx;
    switch (it->kind) {
    case IT_ATTR:
        body_attr(ex, bc->b, it, sc);
        break;
    case IT_BLOCK:
        body_block(ex, bc->b, it, sc);
        break;
    case IT_ANNOT:
        body_annots(bc->es, bc->b, it, NULL);
        break;
    default:
        diag_error(bc->es->d, it->loc, "this cannot stand in a resource body");
    }
}

/* Chains of references are followed on demand; past this depth the chain is
 * reported rather than risking the C stack. */
#define INST_MAX_CHAIN 256

static ebody *new_body(env_state *es, instance *in)
{
    ebody *b = arena_alloc(es->a, sizeof *b);
    b->sch = &in->k->sch;
    b->owner = in;
    return b;
}

ebody *inst_body(env_state *es, instance *in)
{
    if (in->state == 2 || in->state == 1)
        return in->body;
    if (es->body_depth >= INST_MAX_CHAIN) {
        diag_error(es->d, in->decl->loc, "chain of references between resources is longer than %d", INST_MAX_CHAIN);
        in->body = new_body(es, in);
        in->state = 2;
        in->cut = true;
        return in->body;
    }
    es->body_depth++;
    in->state = 1;
    in->body = new_body(es, in);
    inst_watch(es, &in->body_varies);
    body_ctx bc = {.es = es, .b = in->body};
    expander ex = {.cx = inst_eval_ctx(es, in->sc, in, -1), .env = es->env, .item = body_item, .ctx = &bc};
    expand_items(&ex, &in->items, in->sc);
    for (size_t i = 0; i < in->overrides.len; i++) {  /* declared again in holding `when`s */
        const inst_layer *l = in->overrides.items[i];
        ex.overriding = l->depth - in->depth;
        ex.cx.sc = l->sc;
        expand_items(&ex, &l->decl->body, l->sc);
    }
    if (in->r.parent && sema_find_attr(&in->k->sch, "parent")) {
        value *pv = val_new(es->a, V_RESOURCE, in->decl->loc);
        pv->res = (resource *)in->r.parent;
        body_set(es, in->body, "parent", pv, in->decl->loc, 0);
    }
    for (size_t i = 0; i < in->body->annots.len; i++)
        vec_push(es->a, &in->r.annots, (void *)((const eannot *)in->body->annots.items[i])->an);
    inst_unwatch(es);
    in->state = 2;
    es->body_depth--;
    return in->body;
}

/* An attribute's value with its default applied (null when optional). */
static value *schema_attr(env_state *es, ebody *b, const char *name, src_loc loc, bool *found)
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
    if (!ad->dflt) {
        v = val_null(es->a, loc);
        if (ad->t->kind == T_ENUM)
            v->enum_of = ad->t;     /* `self.delegate == postgres` where none is set */
        return v;
    }
    /* A body shared with the first environment is not written to: the
     * default is evaluated here, as this environment has it. */
    instance *owner = b->owner ? inst_in_env(es, &b->owner->r) : NULL;
    bool shared = owner && owner != b->owner, unowned = false;
    eval_ctx cx = inst_eval_ctx(es, owner ? owner->sc : es->globals, owner, -1);
    inst_watch(es, owner && !shared ? &owner->defaults_vary : &unowned);
    v = eval_typed(&cx, ad->dflt, ad->t);
    v = eval_check_type(&cx, v, ad->t, ad->dflt->loc, (eval_what){"default of ", name});
    inst_unwatch(es);
    if (!v)
        v = val_null(es->a, loc);
    if (!shared)
        body_set(es, b, name, v, ad->dflt->loc, 0);
    return v;
}

value *inst_attr(env_state *es, instance *in, const char *name)
{
    bool found;
    value *v = schema_attr(es, inst_body(es, in), name, in->decl->loc, &found);
    return found ? v : NULL;
}

value *inst_project_tags(env_state *es, arena *a, src_loc loc)
{
    value *tags = val_new(a, V_MAP, loc);
    read_varying(es, es->settings_vary);
    value *ptags = val_map_get(es->project, "tags");
    if (ptags && ptags->kind == V_MAP)
        for (size_t i = 0; i < ptags->keys.len; i++)
            val_map_set(a, tags, ptags->keys.items[i], ptags->items.items[i]);
    val_map_set(a, tags, "environment", val_string(a, ENV_MARK_STR, loc));
    val_map_set(a, tags, "project", val_string(a, es->p->project_name, loc));
    return tags;
}

static value *inst_tags(env_state *es, arena *a, instance *in, src_loc loc)
{
    value *tags = inst_project_tags(es, a, loc);
    if (inst_global(in))
        val_map_set(a, tags, "environment", val_string(a, "global", loc));
    value *own = inst_body_get(inst_body(es, in), "tags");
    if (own && own->kind == V_MAP)
        for (size_t i = 0; i < own->keys.len; i++)
            val_map_set(a, tags, own->keys.items[i], own->items.items[i]);
    return tags;
}

/* ---- names ---- */

const char *inst_env_text(env_state *es, const char *text)
{
    if (!env_marked(text))
        return text;
    eval_ctx cx = inst_eval_ctx(es, NULL, NULL, -1);
    value v = {.kind = V_STRING, .text = text};
    return eval_text(&cx, &v);
}

static const char *env_text(env_state *es, const value *v)
{
    return inst_env_text(es, v->text);
}

/* The region of the project's settings for a provider: project.azure.location. */
const char *inst_default_region(env_state *es, const provider_decl *pd)
{
    if (!pd || !pd->region_key)
        return NULL;
    read_varying(es, es->settings_vary);
    value *cloud = val_map_get(es->project, pd->name);
    value *r = cloud && cloud->kind == V_MAP ? val_map_get(cloud, pd->region_key) : NULL;
    return r && r->kind == V_STRING ? env_text(es, r) : NULL;
}

/* Where a resource is: its own setting of its provider's region key, else
 * its stack's, else the project's. */
const char *inst_region(env_state *es, instance *in)
{
    const provider_decl *pd = in->k->prov;
    if (!pd || !pd->region_key)
        return NULL;
    value *own = inst_body_get(inst_body(es, in), pd->region_key);
    if (own && own->kind == V_STRING)
        return env_text(es, own);
    const ast_expr *of_stack = inst_stack_setting(in, pd->region_key);
    if (of_stack) {
        eval_ctx cx = inst_eval_ctx(es, in->stack_sc, NULL, -1);
        value *v = eval_typed(&cx, of_stack, es->p->region_type);
        v = v->flags & VAL_ERROR ? NULL : eval_check_type(&cx, v, es->p->region_type, of_stack->loc,
                                                          (eval_what){"the stack's ", pd->region_key});
        if (v && v->kind == V_STRING)
            return eval_text(&cx, v);
    }
    return inst_default_region(es, pd);
}

static bool is_singleton(env_state *es, const instance *in)
{
    read_varying(es, kind_varies(es, in->k));
    return (uintptr_t)strmap_get(&es->kind_count, in->k->name) <= 1;
}

/* Does folding a name into n's characters (naming.h) leave every
 * environment's name as it is, so ENV_MARK can stand for it? It must also
 * begin and end with a letter or digit, as the template's separators
 * expect. */
static bool env_names_fold_as_they_are(const program *p, const naming_rule *n)
{
    const char *chars = n->chars ? n->chars : "a-z0-9-";
    for (size_t i = 0; i < p->envs.len; i++) {
        const char *e = p->envs.items[i];
        size_t len = strlen(e);
        if (!len || !isalnum((unsigned char)e[0]) || !isalnum((unsigned char)e[len - 1]))
            return false;
        for (const char *c = e; *c; c++)
            if ((!n->keep_case && isupper((unsigned char)*c)) || !naming_char_allowed(chars, *c))
                return false;
    }
    return true;
}



/* What the naming tokens hold: a resource's (in), or a raw block's that
 * opted into the convention (in NULL: its abbreviation, its name as
 * written, its provider's region). */
typedef struct token_ctx {
    env_state *es;
    instance *in;
    const char *abbrev, *label, *region;
    src_loc at;                 /* where a problem with the template is reported */
} token_ctx;

static const char *region_code(token_ctx *tc, const char *r)
{
    env_state *es = tc->es;
    if (!r)
        return "";
    read_varying(es, es->settings_vary);
    value *code = es->region_codes ? val_map_get(es->region_codes, r) : NULL;
    if (code && code->kind == V_STRING)
        return code->text;
    diag_error(es->d, tc->at, "no short code for region '%s' (add it to region_codes)", r);
    return r;
}

/* What each naming token holds for a resource (naming.h). */
static const char *name_token(void *ctx, const char *tok, size_t n)
{
    token_ctx *tc = ctx;
    env_state *es = tc->es;
    instance *in = tc->in;
#define TOK(s) (n == sizeof s - 1 && strncmp(tok, s, n) == 0)
    if (TOK("abbrev")) {
        /* a resource may name its own role in place of its kind's
         * abbreviation: two web apps of one kind, "api" and "adminapi" */
        value *own = in ? inst_body_get(inst_body(es, in), "abbrev") : NULL;
        if (own && own->kind == V_STRING)
            return own->text;
        return !in ? tc->abbrev : in->k->naming.abbrev ? in->k->naming.abbrev : in->k->name;
    }
    if (TOK("project"))
        return es->p->project_name;
    if (TOK("env"))
        return ENV_MARK_STR;
    if (TOK("name"))
        return !in ? tc->label : is_singleton(es, in) ? "" : in->r.label;
    if (TOK("label"))
        return in ? in->r.label : tc->label;
    if (TOK("instance")) {
        value *num = in ? inst_body_get(inst_body(es, in), "instance") : NULL;
        return num && num->kind != V_NULL ? val_to_text(es->a, num) : "";
    }
    if (TOK("org")) {
        read_varying(es, es->settings_vary);
        value *o = val_map_get(es->project, "org");
        return o && o->kind == V_STRING ? o->text : "";
    }
    if (TOK("region"))
        return region_code(tc, !in ? tc->region : in->k->naming.regional ? inst_region(es, in) : NULL);
#undef TOK
    diag_error(es->d, tc->at, "unknown token {%.*s} in the naming template", (int)n, tok);
    return "";
}

/* The template expanded and folded into the characters of rule; the
 * environment's name stays a placeholder when folding keeps it as it is. */
static const char *conventional(env_state *es, const char *tmpl, token_ctx *tc, const naming_rule *rule)
{
    const char *name = naming_expand(es->a, tmpl, name_token, tc);
    if (!env_names_fold_as_they_are(es->p, rule))
        name = inst_env_text(es, name);     /* folding would change the environment's name */
    return naming_fold(es->a, rule, name);
}

const char *inst_convention_name(env_state *es, const char *abbrev, const char *label, const provider_decl *pd,
                                 const char *chars, src_loc at)
{
    token_ctx tc = {.es = es, .abbrev = abbrev, .label = label, .at = at, .region = inst_default_region(es, pd)};
    naming_rule rule = {.chars = chars, .regional = true};
    read_varying(es, es->settings_vary);
    return conventional(es, es->naming_template, &tc, &rule);
}

bool inst_cloud_named(const instance *in)
{
    return in->k->prov && in->k->prov->named;
}

const char *inst_conventional_name(env_state *es, instance *in)
{
    if (!in->k->naming.tmpl)
        read_varying(es, es->settings_vary);
    const char *tmpl = in->k->naming.tmpl ? in->k->naming.tmpl : es->naming_template;
    token_ctx tc = {.es = es, .in = in, .at = in->decl->loc};
    return conventional(es, tmpl, &tc, &in->k->naming);
}

bool inst_global(const instance *in)
{
    const ast_expr *g = inst_stack_setting(in, "global");
    return g && g->kind == EX_BOOL && g->num != 0;
}

/* A global resource is an environment's of its own, named global (factor.h):
 * other environments that read its name read that one. */
static const char *as_deployed(env_state *es, const instance *in, const char *text)
{
    return inst_global(in) && env_marked(text) ? env_subst(es->a, text, "global") : text;
}

const char *inst_name(env_state *es, instance *in)
{
    value *own = inst_body_get(inst_body(es, in), "name");
    if (own && own->kind == V_STRING)
        return as_deployed(es, in, own->text);
    if (!inst_cloud_named(in))
        return in->r.label;
    return as_deployed(es, in, inst_conventional_name(es, in));
}

/* ---- the host: names, members and functions of this environment ---- */

static instance *find_child(instance *in, const char *label)
{
    for (size_t i = 0; i < in->children.len; i++) {
        instance *c = in->children.items[i];
        if (strcmp(c->r.label, label) == 0) {
            read_varying(in->es, path_partial(in->es, c->r.path));
            return c;
        }
    }
    return NULL;
}

/* What host functions return lives in the evaluation's arena (cx->a): a
 * lowering gives it back after each resource. What is kept (bodies,
 * defaults, lets) lives in the environment's (es->a). */
static value *resource_value(arena *a, instance *in, src_loc loc)
{
    value *v = val_new(a, V_RESOURCE, loc);
    v->res = &in->r;
    return v;
}

static value *blocks_of(arena *a, ebody *b, const char *type, src_loc loc)
{
    const schema *bs = sema_find_block(b->sch, type);
    if (!bs)
        return NULL;
    value *list = val_new(a, V_LIST, loc);
    for (size_t i = 0; i < b->blocks.len; i++) {
        eblock *eb = b->blocks.items[i];
        if (strcmp(eb->type, type) != 0)
            continue;
        value *v = val_new(a, V_BLOCK, eb->loc);
        v->body = eb->body;
        v->label = eb->label;
        vec_push(a, &list->items, v);
    }
    if (bs->labelled)
        return list;
    if (list->items.len)    /* an unlabelled block is single: the block itself */
        return list->items.items[0];
    /* not written: an empty one, so its attributes' defaults still apply */
    value *v = val_new(a, V_BLOCK, loc);
    v->body = arena_alloc(a, sizeof *v->body);
    v->body->sch = bs;
    v->body->owner = b->owner;
    return v;
}

static value *block_member(eval_ctx *cx, value *blk, const char *name, src_loc loc)
{
    env_state *es = cx->es;
    if (strcmp(name, "label") == 0)
        return blk->label ? val_string(cx->a, blk->label, loc) : val_null(cx->a, loc);
    bool found;
    value *v = schema_attr(es, blk->body, name, loc, &found);
    if (found)
        return v;
    v = blocks_of(cx->a, blk->body, name, loc);
    if (v)
        return v;
    diag_error(es->d, loc, "a %s block has no member '%s'%s", blk->body->sch->name, name,
               diag_did_you_mean(cx->a, name, schema_names(cx->a, blk->body->sch)));
    return val_null(cx->a, loc);
}

static value *resource_implicit(eval_ctx *cx, instance *in, const char *name, src_loc loc)
{
    env_state *es = cx->es;
    if (strcmp(name, "name") == 0)
        return val_string(cx->a, inst_name(es, in), loc);
    if (strcmp(name, "label") == 0)
        return val_string(cx->a, in->r.label, loc);
    if (strcmp(name, "kind_name") == 0)   /* for a check on a ref(any): what it was given */
        return val_string(cx->a, in->k->name, loc);
    if (strcmp(name, "target") == 0)   /* for a check that holds for one target only */
        return val_string(cx->a, target_table[in->r.target].name, loc);
    if (strcmp(name, "ident") == 0)
        return val_string(cx->a, in->ident, loc);
    if (strcmp(name, "tags") == 0)
        return inst_tags(es, cx->a, in, loc);
    const provider_decl *pd = in->k->prov;
    bool region_key = pd && pd->region_key && strcmp(name, pd->region_key) == 0;
    if (strcmp(name, "location") == 0 || strcmp(name, "region") == 0 || region_key) {
        const char *r = inst_region(es, in);
        return r ? val_string(cx->a, r, loc) : val_null(cx->a, loc);
    }
    if (strcmp(name, "parent") == 0 && in->r.parent)
        return resource_value(cx->a, inst_parent(in), loc);
    return NULL;
}

/* Reading in's body. A lowering reading its own resource's body is not
 * marked: its environments compare the bodies instead (inst_same_body). */
static void read_body(eval_ctx *cx, const instance *in)
{
    bool own = cx->target >= 0 && cx->self == &in->r;
    read_varying(cx->es, (!own && in->body_varies) || in->defaults_vary);
}

/* The outputs a lowering makes, by name, into names (for "did you mean");
 * true if one is name, or has a label computed per block
 * ("${r.label}_endpoint"), which may be any name: the lowering tells. */
static bool makes_output(arena *a, const ptrvec *items, const char *name, ptrvec *names)
{
    bool found = false;
    for (size_t i = 0; i < items->len; i++) {
        const ast_item *it = items->items[i];
        if (it->kind == IT_BLOCK && strcmp(it->name, "output") == 0 && it->labels.len == 1) {
            const char *w = ast_word(it->labels.items[0]);
            found |= !w || strcmp(w, name) == 0;
            if (w && names)
                vec_push(a, names, (void *)w);
        } else if (it->kind != IT_BLOCK) {
            found |= makes_output(a, &it->body, name, names);
            found |= makes_output(a, &it->else_body, name, names);
        }
    }
    return found;
}

/* `db.endpoint` outside a Terraform lowering: the value of the output the
 * resource's Terraform lowering makes, known once Terraform applies it. The
 * lowering that writes it out resolves it (lower.c, output_ref). */
static value *output_ref(eval_ctx *cx, instance *in, const char *name, src_loc loc)
{
    const ast_item *tf = in->k->lower[TARGET_TERRAFORM];
    if (!tf || !makes_output(cx->a, &tf->body, name, NULL))
        return NULL;
    value *v = val_new(cx->a, V_TREF, loc);
    v->ref.owner = &in->r;
    v->ref.output = name;
    return v;
}

static value *resource_member(eval_ctx *cx, instance *in, const char *name, src_loc loc)
{
    env_state *es = cx->es;
    if (in->state == 1) {   /* its body is being evaluated: this reads it back */
        diag_error(es->d, loc, "reference cycle: '%s' depends on itself", in->r.path);
        return val_null(es->a, loc);
    }
    instance *child = find_child(in, name);
    if (child && !sema_find_attr(&in->k->sch, name))
        return resource_value(cx->a, child, loc);
    if (strcmp(name, "tags") == 0 && !sema_find_attr(&in->k->sch, name)) {
        read_body(cx, in);
        return inst_tags(es, cx->a, in, loc);   /* the project's, the resource's own merged over them */
    }
    bool found;
    value *v = schema_attr(es, inst_body(es, in), name, loc, &found);
    read_body(cx, in);
    if (found)
        return v;
    v = blocks_of(cx->a, in->body, name, loc);
    if (!v)
        v = resource_implicit(cx, in, name, loc);
    if (v)
        return v;
    if (cx->target >= 0 && target_table[cx->target].iac) {
        v = val_new(cx->a, V_TREF, loc);     /* an attribute of its primary target block */
        v->ref.primary = true;
        v->ref.owner = &in->r;
        v->ref.path = name;
        return v;
    }
    v = output_ref(cx, in, name, loc);
    if (v)
        return v;
    ptrvec *names = schema_names(cx->a, &in->k->sch);
    for (size_t i = 0; i < in->children.len; i++)
        vec_push(cx->a, names, (void *)((const instance *)in->children.items[i])->r.label);
    if (in->k->lower[TARGET_TERRAFORM])
        makes_output(cx->a, &in->k->lower[TARGET_TERRAFORM]->body, name, names);
    diag_error(es->d, loc, "%s '%s' has no attribute or child '%s'%s", in->k->name, in->r.path, name,
               diag_did_you_mean(cx->a, name, names));
    value *none = val_null(cx->a, loc);
    none->flags |= VAL_ERROR;   /* reported: what reads it says nothing more */
    return none;
}

static value *host_member(eval_ctx *cx, value *obj, const char *name, src_loc loc)
{
    if (obj->kind == V_BLOCK) {
        value *v = block_member(cx, obj, name, loc);
        if (obj->body->owner)
            read_body(cx, obj->body->owner);
        return v;
    }
    instance *in = inst_in_env(cx->es, obj->res);
    if (!in) {      /* a shared body names a resource this environment does not have */
        diag_error(cx->d, loc, "'%s' does not exist in environment %s", obj->res->path, cx->es->env);
        return val_null(cx->a, loc);
    }
    return resource_member(cx, in, name, loc);
}

/* Stands in es->lets for a let being evaluated: reading it again is a cycle,
 * and the name then resolves no further (the bare word reports it). */
static value let_busy;

static value *let_value(env_state *es, const char *name)
{
    value *v = val_map_get(es->lets, name);
    if (v) {
        read_varying(es, strmap_has(&es->lets_varying, name));
        return v == &let_busy ? NULL : v;
    }
    for (size_t i = es->p->lets.len; i-- > 0;) {
        const ast_item *it = es->p->lets.items[i];
        if (strcmp(it->name, name) != 0)
            continue;
        val_map_set(es->a, es->lets, name, &let_busy);
        eval_ctx cx = inst_eval_ctx(es, es->globals, NULL, -1);
        bool varies = false;
        inst_watch(es, &varies);
        v = eval_expr(&cx, it->value);
        inst_unwatch(es);
        val_map_set(es->a, es->lets, name, v);
        if (varies)
            strmap_put(&es->lets_varying, name, NULL);
        read_varying(es, varies);
        return v;
    }
    return NULL;
}

/* A name no scope binds: a top-level let, a resource, or the project. */
static value *host_name(eval_ctx *cx, const char *name, src_loc loc)
{
    env_state *es = cx->es;
    value *v = let_value(es, name);
    if (v)
        return v;
    instance *in = find_instance(es, name);
    if (in) {
        read_varying(es, path_partial(es, in->r.path));
        return resource_value(cx->a, in, loc);
    }
    if (strcmp(name, "project") == 0 && es->project) {
        read_varying(es, es->settings_vary);
        return es->project;
    }
    return NULL;
}

static value *call_error(eval_ctx *cx, const ast_expr *call, const char *msg)
{
    diag_error(cx->d, call->loc, "%s(): %s", call->text, msg);
    return val_null(cx->a, call->loc);
}

/* sole("kind"): the only resource of that kind in the stack of the resource
 * asking, else the program's only one — the default of attributes such as
 * an Azure resource's resource group, so that a Terraform stack and a
 * Bicep stack can each have their own. */
static value *fn_sole(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    env_state *es = cx->es;
    if (n != 1 || args[0]->kind != V_STRING)
        return call_error(cx, c, "takes a kind name");
    if (cx->self) {
        const char *in_stack = arena_cat(cx->a, args[0]->text, "\x1f", cx->self->stack, NULL);
        if ((uintptr_t)strmap_get(&es->kind_in_stack, in_stack) == 1) {
            read_varying(es, es->varying_kinds && strmap_has(es->varying_kinds, args[0]->text));
            return resource_value(cx->a, strmap_get(&es->first_in_stack, in_stack), c->loc);
        }
    }
    int count = (int)(uintptr_t)strmap_get(&es->kind_count, args[0]->text);
    instance *first = strmap_get(&es->first_of_kind, args[0]->text);
    read_varying(es, es->varying_kinds && strmap_has(es->varying_kinds, args[0]->text));
    if (count == 1)
        return resource_value(cx->a, first, c->loc);
    src_loc at = cx->self ? cx->self->loc : c->loc;
    if (count == 0)
        diag_error(es->d, at, "this needs a %s, and the program declares none", args[0]->text);
    else
        diag_error(es->d, at, "the program declares %d of kind %s: say which one this uses", count, args[0]->text);
    return val_null(es->a, c->loc);
}

/* earlier_siblings(resource): the resources of its kind declared before it
 * in the same parent (or at the top level). */
static value *fn_earlier_siblings(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    env_state *es = cx->es;
    if (n != 1 || args[0]->kind != V_RESOURCE)
        return call_error(cx, c, "takes a resource");
    instance *in = inst_in_env(es, args[0]->res), *parent = in ? inst_parent(in) : NULL;
    value *list = val_new(cx->a, V_LIST, c->loc);
    if (!in)
        return list;
    read_varying(es, kind_varies(es, in->k));
    const ptrvec *peers = parent ? &parent->children : &es->instances;
    for (size_t i = 0; i < peers->len; i++) {
        instance *o = peers->items[i];
        if (o == in)
            break;
        if (o->k == in->k && o->r.parent == in->r.parent)
            vec_push(cx->a, &list->items, resource_value(cx->a, o, c->loc));
    }
    return list;
}

/* Who names whom in one attribute, for referrers(): built once per
 * environment and attribute, so a call costs what it returns. */
typedef struct referrer_index {
    strmap by_target;           /* resource path -> ptrvec of instance* naming it */
    bool varies;                /* an instance with the attribute looked at the environment,
                                   or exists only in some: another environment's answers differ */
} referrer_index;

/* Adds in under every resource path v (a value, a list or a map of them) names. */
static void index_names(env_state *es, referrer_index *ix, const value *v, instance *in)
{
    if (v->kind == V_RESOURCE) {
        ptrvec *who = strmap_get(&ix->by_target, v->res->path);
        if (!who) {
            who = arena_alloc(es->a, sizeof *who);
            strmap_put(&ix->by_target, v->res->path, who);
        }
        if (!who->len || who->items[who->len - 1] != in)
            vec_push(es->a, who, in);
        return;
    }
    if (v->kind == V_LIST || v->kind == V_MAP)
        for (size_t i = 0; i < v->items.len; i++)
            index_names(es, ix, v->items.items[i], in);
}

static referrer_index *referrers_of(eval_ctx *cx, const char *attr, src_loc loc)
{
    env_state *es = cx->es;
    referrer_index *ix = strmap_get(&es->referrers, attr);
    if (ix)
        return ix;
    ix = arena_alloc(es->a, sizeof *ix);
    strmap_init(&ix->by_target, es->a);
    strmap_put(&es->referrers, arena_strdup(es->a, attr), ix);
    bool outer = false;     /* what the instances read is theirs: summed up in ix->varies */
    inst_watch(es, &outer);
    for (size_t i = 0; i < es->instances.len; i++) {     /* children included */
        instance *in = es->instances.items[i];
        if (!sema_find_attr(&in->k->sch, attr))
            continue;
        if (in->state == 1) {   /* its body is being evaluated: it asked */
            diag_error(es->d, loc, "reference cycle: referrers() reads '%s', which is being evaluated", in->r.path);
            continue;
        }
        bool found;
        value *v = schema_attr(es, inst_body(es, in), attr, loc, &found);
        ix->varies |= in->body_varies || in->defaults_vary || path_partial(es, in->r.path);
        index_names(es, ix, v, in);
    }
    inst_unwatch(es);
    ix->varies |= outer;
    return ix;
}

/* referrers(resource, "attr"): the resources whose attribute attr names it
 * (as its value, an item of its list or a value of its map), in declaration
 * order: the services that declare they use a service, for its network
 * policy, without each of them saying so twice. */
static value *fn_referrers(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 2 || args[0]->kind != V_RESOURCE || args[1]->kind != V_STRING)
        return call_error(cx, c, "takes a resource and an attribute name");
    referrer_index *ix = referrers_of(cx, args[1]->text, c->loc);
    read_varying(cx->es, ix->varies);
    value *list = val_new(cx->a, V_LIST, c->loc);
    const ptrvec *who = strmap_get(&ix->by_target, args[0]->res->path);
    for (size_t i = 0; who && i < who->len; i++)
        vec_push(cx->a, &list->items, resource_value(cx->a, who->items[i], c->loc));
    return list;
}

/* secret_names(): the names of every secret() the program uses, for
 * pipelines that must pass them in. Complete once the environments are
 * lowered, which is when workflows are. */
static value *fn_secret_names(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    env_state *es = cx->es;
    if (n != 0)
        return call_error(cx, c, "takes no arguments");
    value *list = val_new(cx->a, V_LIST, c->loc);
    for (size_t i = 0; es->secrets && i < es->secrets->len; i++)
        vec_push(cx->a, &list->items, val_string(cx->a, ((const ir_param *)es->secrets->items[i])->name, c->loc));
    return list;
}

/* in_env(resource, "prod"): the resource as that environment has it, as a
 * map of its attributes (defaults included; the environment's name put in
 * where a string holds it) and nested blocks, or null where it does not
 * exist. For what is made once for every environment (a workflow's job per
 * environment): what differs comes from the resource's own `when`s, read
 * environment by environment. in_env(value, "prod") of any other value is
 * it with that environment's name where it holds the environment's. */
static value *fn_in_env(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    env_state *es = cx->es;
    if (n != 2 || args[1]->kind != V_STRING)
        return call_error(cx, c, "takes a resource (or a value) and an environment's name");
    const char *name = eval_text(cx, args[1]);
    env_state *o = NULL;
    for (size_t i = 0; es->all && i < es->p->envs.len && !o; i++)
        if (es->all[i] && strcmp(es->all[i]->env, name) == 0)
            o = es->all[i];
    if (!o) {
        diag_error(cx->d, c->loc, "in_env(): no environment '%s'%s", name,
                   diag_did_you_mean(cx->a, name, (ptrvec *)&es->p->envs));
        value *v = val_null(cx->a, c->loc);
        v->flags |= VAL_ERROR;
        return v;
    }
    inst_observed(es);     /* what it reads is that environment's */
    if (args[0]->kind != V_RESOURCE) {
        eval_ctx there = *cx;
        there.env = o->env;
        return eval_concrete(&there, args[0]);
    }
    instance *in = inst_in_env(o, args[0]->res);
    if (!in)
        return val_null(cx->a, c->loc);
    ebody *b = inst_body(o, in);
    eval_ctx there = inst_eval_ctx(o, o->globals, in, -1);
    there.a = cx->a;
    value *m = val_new(cx->a, V_MAP, c->loc);
    val_map_set(cx->a, m, "label", val_string(cx->a, in->r.label, c->loc));
    for (size_t i = 0; i < in->k->sch.attrs.len; i++) {
        const attr_decl *ad = in->k->sch.attrs.items[i];
        bool found;
        value *v = schema_attr(o, b, ad->name, c->loc, &found);
        val_map_set(cx->a, m, ad->name, eval_concrete(&there, v ? v : val_null(cx->a, c->loc)));
    }
    for (size_t i = 0; i < in->k->sch.blocks.len; i++) {
        const schema *bs = in->k->sch.blocks.items[i];
        val_map_set(cx->a, m, bs->name, blocks_of(cx->a, b, bs->name, c->loc));
    }
    return m;
}

/* repo_path("infra/terraform"): a path of the target as a workflow names
 * it. Workflows run at the root of the repository (and `build -o deploy`
 * puts them there), so the target's files are under its directory. */
static value *fn_repo_path(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 1 || args[0]->kind != V_STRING)
        return call_error(cx, c, "takes a path of the target");
    const char *dir = cx->es->p->target_dir, *path = eval_text(cx, args[0]);
    if (!dir)
        return val_string(cx->a, path, c->loc);
    if (!*path || strcmp(path, ".") == 0)
        return val_string(cx->a, dir, c->loc);
    return val_string(cx->a, arena_printf(cx->a, "%s/%s", dir, path), c->loc);
}

static eval_fn host_function(const char *name, bool *passes)
{
    static const struct { const char *name; eval_fn fn; bool passes; } fns[] = {
        {"sole", fn_sole, false}, {"earlier_siblings", fn_earlier_siblings, false},
        {"secret_names", fn_secret_names, false}, {"referrers", fn_referrers, false},
        {"in_env", fn_in_env, true}, {"repo_path", fn_repo_path, false},
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (strcmp(fns[i].name, name) == 0) {
            *passes = fns[i].passes;
            return fns[i].fn;
        }
    return NULL;
}

/* A raw target block the program names outside a lowering:
 * `TYPE.NAME`, `data.TYPE.NAME` (Terraform), `NAME` (Bicep). */
static value *host_raw_block(eval_ctx *cx, bool data, const char *type, const char *name, src_loc loc)
{
    env_state *es = cx->es;
    for (int t = 0; t < TARGET_COUNT; t++) {
        if (!target_table[t].iac || (type != NULL) != target_table[t].typed_address)
            continue;
        const inst_raw_block *rb = strmap_get(&es->raw_blocks, inst_raw_key(cx->a, (ir_target)t, data, type, name));
        if (!rb)
            continue;
        value *v = val_new(cx->a, V_TREF, loc);
        v->ref = (tref){.raw = true, .raw_target = (ir_target)t, .is_data = data, .type = rb->type, .local = name,
                        .owner = &rb->in->r};
        read_varying(es, path_partial(es, rb->in->r.path));
        return v;
    }
    return NULL;
}

/* The names host_name resolves, for "did you mean". */
static void host_names(eval_ctx *cx, ptrvec *out)
{
    env_state *es = cx->es;
    for (size_t i = 0; i < es->p->lets.len; i++)
        vec_push(cx->a, out, (void *)((const ast_item *)es->p->lets.items[i])->name);
    for (size_t i = 0; i < es->instances.len; i++) {
        const instance *in = es->instances.items[i];
        if (!in->r.parent && !in->raw)
            vec_push(cx->a, out, (void *)in->r.path);
    }
    vec_push(cx->a, out, "project");
}

static const eval_host inst_host = {.name = host_name, .names = host_names, .member = host_member,
                                    .function = host_function, .observed = host_observed,
                                    .raw_block = host_raw_block};

/* ---- checks ---- */

/* Required attributes of b (a resource's body, in, or a nested block's, eb). */
static void check_required(env_state *es, const instance *in, const eblock *eb)
{
    const ebody *b = eb ? eb->body : in->body;
    for (size_t i = 0; i < b->sch->attrs.len; i++) {
        const attr_decl *ad = b->sch->attrs.items[i];
        if (inst_body_get(b, ad->name) || ad->dflt || ad->t->optional || strcmp(ad->name, "parent") == 0)
            continue;
        if (eb)
            diag_error(es->d, eb->loc, "missing required attribute '%s' in %s block", ad->name, eb->type);
        else
            diag_error(es->d, in->decl->loc, "missing required attribute '%s' in %s '%s'", ad->name, in->k->name,
                       in->r.path);
    }
    for (size_t i = 0; i < b->blocks.len; i++)
        check_required(es, in, b->blocks.items[i]);
}

scope *inst_trait_scope(eval_ctx *cx, const trait_use *u, scope *sc)
{
    for (size_t i = 0; i < u->with->body.len; i++) {
        const ast_item *it = u->with->body.items[i];
        if (it->kind == IT_ATTR)
            sc = scope_bind(cx->a, sc, it->name, eval_expr(cx, it->value));
    }
    return sc;
}

/* Checks (sema.h, kind_check) of a kind or of a trait it takes, on one
 * resource, in scope sc (self, and the trait's parameters). `that` must be
 * true or false: a check that computes something else is a mistake in the
 * check, reported as one. */
static void run_check_list(env_state *es, instance *in, const ptrvec *checks, scope *sc)
{
    for (size_t i = 0; i < checks->len; i++) {
        const kind_check *ck = checks->items[i];
        eval_ctx cx = inst_eval_ctx(es, sc, in, -1);
        inst_watch(es, &in->body_varies);
        value *that = eval_expr(&cx, ck->that);
        value *m = that->kind == V_BOOL && !that->boolean ? eval_expr(&cx, ck->message) : NULL;
        inst_unwatch(es);
        if (that->kind != V_BOOL) {
            if (!(that->flags & VAL_ERROR))
                diag_error(es->d, ck->that->loc, "check %s: that = ... must be true or false, not a %s", ck->name,
                           val_kind_name(that->kind));
            continue;
        }
        if (!m)
            continue;
        src_loc loc = ck->at ? inst_attr_loc(in->body, ck->at, in->decl->loc) : in->decl->loc;
        diag_error(es->d, loc, "%s", m->kind == V_STRING ? m->text : "check failed");   /* diag puts the environment in */
    }
}

static void run_checks(env_state *es, instance *in)
{
    scope *sc = scope_bind(es->a, in->sc, "self", resource_value(es->a, in, in->decl->loc));
    run_check_list(es, in, &in->k->checks, sc);
    for (size_t i = 0; i < in->k->uses.len; i++) {
        const trait_use *u = in->k->uses.items[i];
        if (!u->t->k.checks.len)
            continue;
        eval_ctx cx = inst_eval_ctx(es, sc, in, -1);
        inst_watch(es, &in->body_varies);
        scope *ts = inst_trait_scope(&cx, u, sc);
        inst_unwatch(es);
        run_check_list(es, in, &u->t->k.checks, ts);
    }
}

/* ---- the project's settings as a value ---- */

static value *body_map(env_state *es, ebody *b, src_loc loc);

/* The blocks of one type in b, as settings: a labelled type is a map of
 * label -> block, an unlabelled one the block (written or not, so that its
 * attributes read as their defaults). */
static value *blocks_map(env_state *es, ebody *b, const schema *bs, src_loc loc)
{
    value *m = bs->labelled ? val_new(es->a, V_MAP, loc) : NULL;
    for (size_t i = 0; i < b->blocks.len; i++) {
        eblock *eb = b->blocks.items[i];
        if (strcmp(eb->type, bs->name) != 0)
            continue;
        if (!m)
            return body_map(es, eb->body, eb->loc);
        val_map_set(es->a, m, eb->label, body_map(es, eb->body, eb->loc));
    }
    if (m)
        return m;
    ebody *none = arena_alloc(es->a, sizeof *none);
    none->sch = bs;
    return body_map(es, none, loc);
}

/* A body's settings as a map: every attribute its schema declares (set,
 * defaulted or null), every block type, and in an open schema whatever
 * was set. The program reads it as any map: a key it does not have, a
 * misspelt setting, is an error. */
static value *body_map(env_state *es, ebody *b, src_loc loc)
{
    value *m = val_new(es->a, V_MAP, loc);
    for (size_t i = 0; i < b->sch->attrs.len; i++) {
        const attr_decl *ad = b->sch->attrs.items[i];
        bool found;
        val_map_set(es->a, m, ad->name, schema_attr(es, b, ad->name, loc, &found));
    }
    for (size_t i = 0; b->sch->open && i < b->names.len; i++)
        val_map_set(es->a, m, b->names.items[i], b->vals.items[i]);
    for (size_t i = 0; i < b->sch->blocks.len; i++) {
        const schema *bs = b->sch->blocks.items[i];
        val_map_set(es->a, m, bs->name, blocks_map(es, b, bs, loc));
    }
    for (size_t i = 0; b->sch->open && i < b->blocks.len; i++) {
        const eblock *eb = b->blocks.items[i];
        if (!val_map_get(m, eb->type))
            val_map_set(es->a, m, eb->type, blocks_map(es, b, eb->sch, loc));
    }
    return m;
}

/* The project block is a body of the project's schema (the stdlib's
 * `settings project`): typed, with its whens, read as a map. */
static value *project_value(env_state *es)
{
    const program *p = es->p;
    if (!p->project)
        return val_new(es->a, V_MAP, (src_loc){0});
    ebody *b = arena_alloc(es->a, sizeof *b);
    b->sch = p->project_schema;
    body_ctx bc = {.es = es, .b = b};
    expander ex = {.cx = inst_eval_ctx(es, es->globals, NULL, -1), .env = es->env, .item = body_item, .ctx = &bc};
    expand_items(&ex, &p->project->body, es->globals);
    value *v = body_map(es, b, p->project->loc);
    val_map_set(es->a, v, "name", val_string(es->a, p->project_name, p->project->loc));
    return v;
}

/* env, envs, the project's settings and the stdlib's naming data. */
static void env_globals(env_state *es)
{
    const program *p = es->p;
    inst_watch(es, &es->settings_vary);
    es->lets = val_new(es->a, V_MAP, (src_loc){0});
    value *envs = val_new(es->a, V_LIST, (src_loc){0});
    for (size_t i = 0; i < p->envs.len; i++)   /* the deployed ones: a local one is deployed nowhere */
        if (!sema_env_local(p, p->envs.items[i]))
            vec_push(es->a, &envs->items, val_string(es->a, p->envs.items[i], (src_loc){0}));
    es->globals = scope_bind(es->a, NULL, "envs", envs);
    es->globals = scope_bind(es->a, es->globals, "env", val_string(es->a, ENV_MARK_STR, (src_loc){0}));
    es->project = project_value(es);
    es->region_codes = let_value(es, "region_codes");
    es->name_limits = let_value(es, "resource_name_limits");
    es->sensitive = let_value(es, "sensitive_attributes");
    es->write_only = let_value(es, "write_only_attributes");
    value *tmpl = val_map_get(es->project, "naming");
    if (!tmpl || tmpl->kind != V_STRING)
        tmpl = let_value(es, "default_naming");
    es->naming_template = tmpl && tmpl->kind == V_STRING ? tmpl->text : "{abbrev}-{project}-{name}-{env}-{region}";
    inst_unwatch(es);
}

const char *inst_raw_key(arena *a, ir_target t, bool data, const char *type, const char *name)
{
    if (target_table[t].typed_address && !type)
        return "";      /* no address: no block has it */
    return target_table[t].typed_address ? arena_cat(a, target_table[t].name, data ? "|data|" : "|", type, "|", name, NULL)
                                         : arena_cat(a, target_table[t].name, "|", name, NULL);
}

/* The blocks a raw block writes with a plain type and name (through if
 * and when; a `for`'s names are made as it runs), so that the program can
 * name them anywhere: another raw block, another stack, a kind's ref. */
static void index_raw(env_state *es, instance *in, ir_target t, const ptrvec *items)
{
    bool typed = target_table[t].typed_address;
    for (size_t i = 0; i < items->len; i++) {
        const ast_item *it = items->items[i];
        if (it->kind == IT_WHEN || it->kind == IT_IF) {
            index_raw(es, in, t, &it->body);
            index_raw(es, in, t, &it->else_body);
        }
        bool data = strcmp(it->name ? it->name : "", typed ? "data" : "existing") == 0;
        if (it->kind != IT_BLOCK || it->labels.len != 2 || (!data && strcmp(it->name, "resource") != 0))
            continue;
        const char *type = ast_word(it->labels.items[typed ? 0 : 1]), *name = ast_word(it->labels.items[typed ? 1 : 0]);
        if (!type || !name)
            continue;
        const char *key = inst_raw_key(es->a, t, typed && data, type, name);
        const inst_raw_block *other = strmap_get(&es->raw_blocks, key);
        if (other && other->in != in && first_env(es)) {
            diag_error(es->d, ((const ast_expr *)it->labels.items[typed ? 1 : 0])->loc,
                       "%s%s%s%s is written in another raw block too (at %s:%d)", typed && data ? "data." : "",
                       typed ? type : "", typed ? "." : "", name, other->in->decl->loc.file->path,
                       other->in->decl->loc.line);
        } else if (!other) {
            inst_raw_block *rb = arena_alloc(es->a, sizeof *rb);
            *rb = (inst_raw_block){in, type, t, !typed ? name : arena_cat(es->a, data ? "data." : "", type, ".", name, NULL)};
            strmap_put(&es->raw_blocks, key, rb);
            vec_push(es->a, &es->raw_list, rb);
        }
    }
}

env_state *inst_gather(const program *p, arena *a, diag_ctx *d, int env_index)
{
    env_state *es = arena_alloc(a, sizeof *es);
    es->p = p;
    es->a = a;
    es->d = d;
    es->index = env_index;
    es->env = p->envs.items[env_index];
    es->local = sema_env_local(p, es->env);
    es->patterns = pattern_cache_new(a);
    es->scratch = arena_new();
    arena_defer(a, (void (*)(void *))arena_free, es->scratch);
    strmap_init(&es->by_path, a);
    strmap_init(&es->referrers, a);
    strmap_init(&es->kind_count, a);
    strmap_init(&es->first_of_kind, a);
    strmap_init(&es->kind_in_stack, a);
    strmap_init(&es->first_in_stack, a);
    strmap_init(&es->lets_varying, a);
    strmap_init(&es->raw_blocks, a);
    env_globals(es);
    ptrvec deferred = {0};
    gather_ctx g = {.es = es, .stack = p->project_name, .target = TARGET_TERRAFORM, .deferred = &deferred};
    gather_items(g, &p->decls, es->globals);
    gather_deferred(es, &deferred);
    for (size_t i = 0; i < es->instances.len; i++) {
        instance *in = es->instances.items[i];
        for (int t = 0; in->raw && t < TARGET_COUNT; t++)
            if (in->k->lower[t] && target_table[t].iac)
                index_raw(es, in, (ir_target)t, &in->k->lower[t]->body);
    }
    return es;
}

void inst_compare_envs(env_state **envs, size_t n)
{
    arena *a = envs[0]->a;
    strmap *kinds = arena_alloc(a, sizeof *kinds), *partial = arena_alloc(a, sizeof *partial);
    strmap_init(kinds, a);
    strmap_init(partial, a);
    for (size_t e = 0; e < n; e++) {
        for (size_t i = 0; i < envs[e]->instances.len; i++) {
            const instance *in = envs[e]->instances.items[i];
            uintptr_t count = (uintptr_t)strmap_get(&envs[e]->kind_count, in->k->name);
            for (size_t o = 0; o < n; o++) {
                if (!find_instance(envs[o], in->r.path))
                    strmap_put(partial, in->r.path, NULL);
                if ((uintptr_t)strmap_get(&envs[o]->kind_count, in->k->name) != count)
                    strmap_put(kinds, in->k->name, NULL);
            }
        }
    }
    for (size_t e = 0; e < n; e++) {
        envs[e]->varying_kinds = kinds;
        envs[e]->partial_paths = partial;
        envs[e]->all = envs;
    }
}

static bool same_bindings(const scope *x, const scope *y);

/* An entry of b that a default put there (not written in the program). */
static bool defaulted(const ebody *b, size_t i)
{
    const attr_decl *ad = sema_find_attr(b->sch, b->names.items[i]);
    const src_loc *at = b->locs.items[i];
    return ad && ad->dflt && at->file == ad->dflt->loc.file && at->line == ad->dflt->loc.line &&
           at->col == ad->dflt->loc.col;
}

static bool same_entries(const ebody *x, const ebody *y)
{
    for (size_t i = 0; i < x->names.len; i++) {
        const value *v = inst_body_get(y, x->names.items[i]);
        if (v ? !val_equal(x->vals.items[i], v) : !defaulted(x, i))
            return false;
    }
    return true;
}

static bool same_body(const ebody *x, const ebody *y)
{
    if (x == y)
        return true;
    if (!same_entries(x, y) || !same_entries(y, x) || x->blocks.len != y->blocks.len)
        return false;
    for (size_t i = 0; i < x->blocks.len; i++) {
        const eblock *a = x->blocks.items[i], *b = y->blocks.items[i];
        if (strcmp(a->type, b->type) != 0 || (a->label != b->label && (!a->label || !b->label ||
            strcmp(a->label, b->label) != 0)) || !same_body(a->body, b->body))
            return false;
    }
    return true;
}

bool inst_same_body(const instance *x, const instance *y)
{
    return x->decl == y->decl && x->state == 2 && y->state == 2 && !x->cut && !y->cut &&
           same_bindings(x->sc, y->sc) && same_body(x->body, y->body);
}

/* Do two scopes bind the same names to the same values? */
static bool same_bindings(const scope *x, const scope *y)
{
    for (; x && y; x = x->up, y = y->up)
        if (strcmp(x->name, y->name) != 0 || !val_equal(x->val, y->val))
            return false;
    return !x && !y;
}

/* The first environment's instance that in can share its body with: the
 * same declaration, in the same bindings, whose evaluation did not look at
 * the environment; NULL if there is none. */
static instance *twin_of(env_state *first, instance *in)
{
    if (!first)
        return NULL;
    instance *t = find_instance(first, in->r.path);
    if (!t || t->decl != in->decl || t->body_varies || t->defaults_vary || t->cut || t->state != 2)
        return NULL;
    if (t->overrides.len || in->overrides.len)
        return NULL;    /* declared again in `when`s: which hold differs between environments */
    return same_bindings(in->sc, t->sc) ? t : NULL;
}

void inst_evaluate(env_state *es, env_state *first)
{
    for (size_t i = 0; i < es->instances.len; i++) {
        instance *in = es->instances.items[i], *twin = twin_of(first, in);
        if (twin) {     /* checked where it was evaluated */
            in->twin = twin;
            in->body = twin->body;
            in->r.annots = twin->r.annots;
            in->state = 2;
        }
    }
    for (size_t i = 0; i < es->instances.len; i++) {
        instance *in = es->instances.items[i];
        if (in->twin)
            continue;
        inst_body(es, in);
        if (in->cut)
            continue;
        check_required(es, in, NULL);
        run_checks(es, in);
    }
}
