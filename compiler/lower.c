/* lower.c — lowering resource instances through their kinds into IR
 * blocks; see lower.h. */
#include "lower.h"
#include "out.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

typedef struct pending_ref {
    ir_value *ir;
    tref ref;
    src_loc loc;
    size_t made;            /* how many blocks the lowering had made when it was written */
} pending_ref;

/* A part of a Bicep lowering (`part = "dns"`): its blocks from start on,
 * deployed as a module of their own, to its scope (NULL: the lowering's). */
typedef struct lower_part {
    size_t start;
    const char *name;
    ir_value *scope;
} lower_part;

typedef struct lower_ctx {
    env_state *es;
    lower_secrets *secrets;
    instance *in;
    lower_out *out;
    ir_target target;
    ptrvec pending;         /* pending_ref* */
    ir_value *deploy_scope; /* Bicep: the resource group the lowering's `scope` names */
    ptrvec parts;           /* lower_part*: the lowering's parts after its first */
    size_t parts_end;       /* the blocks from here on (its traits') are the first part's */
    bool named_badly;       /* a name of its blocks was reported (name_error) */
    ptrmap *depths;         /* ir_entry* and ir_block* -> 1 + the `when` depth it was set at */
    bool once;              /* lowering for no environment (workflows): no `when` holds */
    const char *once_env;   /* once, inside `for env in envs`: the environment a `when` names */
    ir_block *top;          /* the target block being lowered: its annotations are collected */
    const strmap *roots;    /* the words the kind's lowering names its blocks with (eval.h) */
} lower_ctx;

void lower_out_init(lower_out *lo, arena *a)
{
    memset(lo, 0, sizeof *lo);
    for (int t = 0; t < TARGET_COUNT; t++)
        strmap_init(&lo->by_name[t], a);
    ptrmap_init(&lo->lookups, a);
    ptrmap_init(&lo->roots, a);
}

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
    *q = '\0';
    return s;
}

static const char *ident_name(lower_ctx *lc, const char *base, const char *local);

/* A block's name in its stack: the resource's identifier, then the local
 * name (`this` is the resource itself); a shared block's is its local name
 * alone, as it belongs to no one resource. */
static const char *block_name(lower_ctx *lc, const char *local, bool shared)
{
    if (lc->in->raw)
        return local;
    if (target_table[lc->target].shared_names)     /* Compose: services named as the kind says */
        return strcmp(local, "this") == 0 ? lc->in->r.label : local;
    return ident_name(lc, shared ? NULL : lc->in->ident, local);
}

/* The target name of a lowering's block `local` for a resource whose
 * identifier is base: `this` is base itself, others are prefixed with it;
 * with no base (a shared block), local alone. */
static const char *ident_name(lower_ctx *lc, const char *base, const char *local)
{
    arena *a = lc->es->a;
    char *name = !base ? arena_strdup(a, local)
               : strcmp(local, "this") == 0 ? (char *)base : arena_cat(a, base, "_", local, NULL);
    for (char *c = name; *c; c++)
        if (*c == '-' || *c == '.')
            *c = '_';   /* "${s.label}" locals may hold hyphens */
    return target_table[lc->target].camel_names ? camel(a, name) : name;
}

static ir_param *secret_param(lower_ctx *lc, const char *name, src_loc loc)
{
    lower_secrets *ls = lc->secrets;
    for (size_t i = 0; i < ls->params.len; i++) {
        ir_param *sp = ls->params.items[i];
        if (strcmp(sp->name, name) == 0)
            return sp;
    }
    ir_param *sp = arena_alloc(ls->a, sizeof *sp);
    sp->name = arena_strdup(ls->a, name);
    sp->type = IRT_STRING;
    sp->sensitive = true;
    sp->loc = loc;
    sp->doc = arena_printf(ls->a, "Secret %s, supplied at deployment.", name);
    value *az = val_map_get(lc->es->project, "azure");
    value *kv = az && az->kind == V_MAP ? val_map_get(az, "secrets_vault_id") : NULL;
    if (kv && kv->kind == V_STRING) {
        sp->kv_id = arena_strdup(ls->a, inst_env_text(lc->es, kv->text));
        char *secret = arena_strdup(ls->a, name);
        for (char *c = secret; *c; c++)
            if (*c == '_')
                *c = '-';
        sp->kv_secret = secret;
    }
    vec_push(ls->a, &ls->params, sp);
    return sp;
}

static ir_value *to_ir(lower_ctx *lc, value *v);

/* A text the blocks keep: copied out of the lowering's scratch arena, which
 * is given back after each resource (texts of the program or of bodies stay
 * where they are). */
static const char *keep(lower_ctx *lc, const char *text)
{
    return text && arena_owns(lc->es->scratch, text) ? arena_strdup(lc->es->a, text) : text;
}

/* An evaluation context for a lowering: what it evaluates is scratch. */
static eval_ctx lower_eval_ctx(lower_ctx *lc, scope *sc, int target)
{
    eval_ctx cx = inst_eval_ctx(lc->es, sc, lc->in, target);
    cx.a = lc->es->scratch;
    cx.roots = target >= 0 ? lc->roots : NULL;
    if (lc->once_env)
        cx.env = lc->once_env;
    return cx;
}

/* The words a lowering's references to its own blocks begin with: the
 * Terraform block types (and `data`, `module`, `local`), the Bicep block
 * names written as plain words, through if/for/when. */
static void add_roots(arena *a, strmap *roots, const ptrvec *items, ir_target target)
{
    for (size_t i = 0; i < items->len; i++) {
        const ast_item *it = items->items[i];
        if (it->kind == IT_IF || it->kind == IT_FOR || it->kind == IT_WHEN) {
            add_roots(a, roots, &it->body, target);
            add_roots(a, roots, &it->else_body, target);
            continue;
        }
        if (it->kind != IT_BLOCK || !target_table[target].iac)
            continue;
        size_t first = strcmp(it->name, "shared") == 0 ? 1 : 0;
        const char *word = first ? (it->labels.len ? ast_word(it->labels.items[0]) : NULL) : it->name;
        if (!word || (it->labels.len <= first && strcmp(word, "locals") != 0))
            continue;
        const ast_expr *label = it->labels.len > first ? it->labels.items[first] : NULL;
        if (target_table[target].typed_address) {
            if (strcmp(word, "data") == 0 || strcmp(word, "module") == 0)
                strmap_put(roots, word, NULL);
            else if (strcmp(word, "locals") == 0)
                strmap_put(roots, "local", NULL);
            else if (strcmp(word, "resource") == 0 && label && label->kind == EX_IDENT)
                strmap_put(roots, label->text, NULL);
        } else if ((strcmp(word, "resource") == 0 || strcmp(word, "existing") == 0) && label &&
                   label->kind == EX_IDENT) {
            strmap_put(roots, label->text, NULL);
        }
    }
}

/* The roots of a kind's lowering for a target, its traits' included: made
 * once per kind and target. */
static const strmap *lowering_roots(lower_ctx *lc, const ast_item *lowering)
{
    strmap *roots = ptrmap_get(&lc->out->roots, lowering);
    if (roots)
        return roots;
    arena *a = lc->es->a;
    roots = arena_alloc(a, sizeof *roots);
    strmap_init(roots, a);
    add_roots(a, roots, &lowering->body, lc->target);
    for (size_t i = 0; i < lc->in->k->uses.len; i++) {
        const ast_item *tl = ((const trait_use *)lc->in->k->uses.items[i])->t->k.lower[lc->target];
        if (tl)
            add_roots(a, roots, &tl->body, lc->target);
    }
    ptrmap_put(&lc->out->roots, lowering, roots);
    return roots;
}

static ir_value *tref_to_ir(lower_ctx *lc, value *v)
{
    if (v->ref.output && lc->target != TARGET_TERRAFORM) {
        diag_error(lc->es->d, v->loc, "'%s.%s' is known once Terraform applies it: %s cannot take it (an "
                   "ssm_parameter can carry it to where it is read)", v->ref.owner->path, v->ref.output,
                   target_table[lc->target].title);
        return NULL;
    }
    ir_value *r = arena_alloc(lc->es->a, sizeof *r);
    r->kind = IR_REF;
    r->loc = v->loc;
    pending_ref *pr = arena_alloc(lc->es->scratch, sizeof *pr);
    pr->ir = r;
    pr->ref = v->ref;
    pr->loc = v->loc;
    pr->made = lc->in->r.blocks.len;
    vec_push(lc->es->scratch, &lc->pending, pr);
    return r;
}

static ir_value *to_ir(lower_ctx *lc, value *v)
{
    arena *a = lc->es->a;
    switch (v->kind) {
    case V_NULL: return NULL;
    case V_BOOL: return ir_bool(a, v->boolean, v->loc);
    case V_NUMBER: return ir_number(a, val_format_number(a, v->num), v->loc);
    case V_STRING:
        return ir_string(a, keep(lc, v->text), v->loc);
    case V_DURATION: case V_PERCENT: case V_SIZE: case V_CIDR: case V_IP: case V_RANGE:
        return ir_string(a, keep(lc, val_to_text(a, v)), v->loc);
    case V_RAW: return ir_raw(a, keep(lc, v->text), v->loc);
    case V_TREF: return tref_to_ir(lc, v);
    case V_SECRET: {
        ir_value *r = arena_alloc(a, sizeof *r);
        r->kind = IR_PARAM;
        r->loc = v->loc;
        r->param = secret_param(lc, v->text, v->loc);
        return r;
    }
    case V_LIST: {
        ir_value *l = ir_list(a, v->loc);
        for (size_t i = 0; i < v->items.len; i++) {
            ir_value *item = to_ir(lc, v->items.items[i]);
            if (item)
                ir_list_push(a, l, item);
        }
        return l;
    }
    case V_MAP: {
        ir_value *o = ir_object(a, v->loc);
        for (size_t i = 0; i < v->keys.len; i++) {
            ir_value *item = to_ir(lc, v->items.items[i]);
            if (item)
                ir_object_set(a, o, keep(lc, v->keys.items[i]), item);
        }
        return o;
    }
    case V_JSON: {
        ir_value *j = arena_alloc(a, sizeof *j);
        j->kind = IR_JSON;
        j->loc = v->loc;
        ir_value *inner = to_ir(lc, v->items.items[0]);
        vec_push(a, &j->items, inner ? inner : ir_null(a, v->loc));
        return j;
    }
    case V_CALL: {
        ir_value *f = arena_alloc(a, sizeof *f);
        f->kind = IR_CALL;
        f->loc = v->loc;
        f->text = keep(lc, v->text);
        for (size_t i = 0; i < v->items.len; i++) {
            ir_value *arg = to_ir(lc, v->items.items[i]);
            vec_push(a, &f->items, arg ? arg : ir_null(a, v->loc));
        }
        return f;
    }
    case V_INTERP: {
        ir_value *s = arena_alloc(a, sizeof *s);
        s->kind = IR_INTERP;
        s->loc = v->loc;
        for (size_t i = 0; i < v->items.len; i++)
            vec_push(a, &s->items, to_ir(lc, v->items.items[i]));
        return s;
    }
    case V_RESOURCE:
        diag_error(lc->es->d, v->loc, "a resource ('%s') cannot be written out as a value; use one of its attributes",
                   v->res->path);
        return NULL;
    case V_BLOCK:
        diag_error(lc->es->d, v->loc, "a block cannot be written out as a value; use its attributes");
        return NULL;
    }
    return NULL;
}

static const char *label_str(lower_ctx *lc, const ast_expr *e, scope *sc)
{
    if (e->kind == EX_IDENT)
        return e->text;
    eval_ctx cx = lower_eval_ctx(lc, sc, -1);
    value *v = eval_expr(&cx, e);
    if (v->kind != V_STRING) {
        if (!(v->flags & VAL_ERROR))
            diag_error(lc->es->d, e->loc, "a block name must be a plain string");
        return "invalid";
    }
    return keep(lc, eval_text(&cx, v));
}

/* ---- stacks ---- */

/* A declared stack's `path` under its target's modules ("shared/postgresql"),
 * confined to the target tree; NULL: its name. */
static const char *stack_path(lower_ctx *lc)
{
    const ast_expr *e = lc->in && target_table[lc->target].grouping == GROUP_DECLARED
                            ? inst_stack_setting(lc->in, "path") : NULL;
    if (!e)
        return NULL;
    const char *path = ast_word(e);
    const char *why = !path ? "it is not a plain string" : out_path_problem(lc->es->a, path);
    if (why || strcmp(path, ".") == 0) {
        if (lc->es->index == 0)
            diag_error(lc->es->d, e->loc, "a stack's path is where its module goes under the modules directory: %s",
                   why ? why : "not the directory itself");
        return NULL;
    }
    return path;
}

/* A stack setting that is one of a few words (its first is the default). */
static int stack_word(lower_ctx *lc, const char *setting, const char *const *words, int n)
{
    const ast_expr *e = lc->in ? inst_stack_setting(lc->in, setting) : NULL;
    const char *w = e ? ast_word(e) : NULL;
    for (int i = 0; w && i < n; i++)
        if (strcmp(w, words[i]) == 0)
            return i;
    if (e && lc->es->index == 0) {
        strbuf sb;
        sb_init(&sb, lc->es->a);
        for (int i = 0; i < n; i++)
            sb_printf(&sb, "%s%s", i ? (i + 1 < n ? ", " : " or ") : "", words[i]);
        diag_error(lc->es->d, e->loc, "a stack's %s is %s", setting, sb.data);
    }
    return 0;
}

/* How a Bicep stack is deployed: its scope (a subscription-scope stack
 * creates its resource groups and deploys everything else as modules into
 * them), whether its resources are modules, and its parameter files. */
static void bicep_settings(lower_ctx *lc, ir_stack *s)
{
    static const char *const scopes[] = {"resource_group", "subscription", "management_group"};
    static const char *const targets[] = {"resourceGroup", "subscription", "managementGroup"};
    static const char *const params[] = {"bicepparam", "json", "both"};
    int sc = stack_word(lc, "scope", scopes, 3);
    s->scope = targets[sc];
    const ast_expr *m = lc->in ? inst_stack_setting(lc->in, "modules") : NULL;
    s->modules = m ? m->kind == EX_BOOL && m->num != 0 : sc != 0;
    if (m && m->kind != EX_BOOL && lc->es->index == 0)
        diag_error(lc->es->d, m->loc, "a stack's modules is true or false");
    if (sc != 0 && !s->modules && lc->es->index == 0)
        diag_error(lc->es->d, m->loc, "a stack at %s scope deploys its resources as modules", scopes[sc]);
    int pf = stack_word(lc, "params", params, 3);
    s->params_bicepparam = pf != 1;
    s->params_json = pf != 0;
}

/* A declared stack's `global = true`. */
static bool stack_global(lower_ctx *lc)
{
    const ast_expr *e = lc->in && target_table[lc->target].grouping == GROUP_DECLARED
                            ? inst_stack_setting(lc->in, "global") : NULL;
    if (e && e->kind != EX_BOOL && lc->es->index == 0)
        diag_error(lc->es->d, e->loc, "a stack's global is true or false");
    return e && e->kind == EX_BOOL && e->num != 0;
}

/* A declared Terraform stack's `root = "addons"`: the directory, under each
 * environment's root module, of the root module it is deployed from. */
static const char *stack_root(lower_ctx *lc, bool global)
{
    const ast_expr *e = lc->in && target_table[lc->target].grouping == GROUP_DECLARED
                            ? inst_stack_setting(lc->in, "root") : NULL;
    if (!e)
        return NULL;
    const char *root = ast_word(e);
    const char *why = !root ? "it is not a plain string" : out_name_problem(lc->es->a, root);
    if (!why && lc->target != TARGET_TERRAFORM)
        why = "only a Terraform stack has root modules";
    if (!why && global)
        why = "a global stack is deployed from the global root module";
    if (why) {
        if (lc->es->index == 0)
            diag_error(lc->es->d, e->loc, "a stack's root is the directory of its own root module in each "
                       "environment's: %s", why);
        return NULL;
    }
    return root;
}

static ir_stack *stack_for(lower_ctx *lc, const char *name, ir_target target)
{
    arena *a = lc->es->a;
    ir_stack *s = strmap_get(&lc->out->by_name[target], name);
    if (s)
        return s;
    s = arena_alloc(a, sizeof *s);
    s->name = name;
    s->target = target;
    s->path = stack_path(lc);
    s->global = stack_global(lc);
    s->root = stack_root(lc, s->global);
    if (target == TARGET_BICEP)
        bicep_settings(lc, s);
    vec_push(a, &lc->out->stacks, s);
    strmap_put(&lc->out->by_name[target], name, s);
    return s;
}

static const char *stack_name_of(lower_ctx *lc)
{
    switch (target_table[lc->target].grouping) {
    case GROUP_PER_RESOURCE: return lc->in->r.label;
    case GROUP_ONE: return target_table[lc->target].root_stack;
    case GROUP_DECLARED: break;
    }
    return lc->in->r.stack;
}

/* Data sources are shared: the same `data azurerm_client_config current` in
 * several lowerings is one block. */
/* The data blocks of a stack by type and name: the first of each, which
 * later empty-bodied ones share (a map: a platform has a lookup per vault). */
static strmap *lookups_of(lower_ctx *lc, const ir_stack *s)
{
    strmap *seen = ptrmap_get(&lc->out->lookups, s);
    if (!seen) {
        seen = arena_alloc(lc->es->a, sizeof *seen);
        strmap_init(seen, lc->es->a);
        ptrmap_put(&lc->out->lookups, s, seen);
    }
    return seen;
}

static const char *lookup_key(lower_ctx *lc, const ir_block *b)
{
    return arena_cat(lc->es->a, b->kind == IRB_DATA ? "data|" : "resource|", b->type, "|", b->name, NULL);
}

/* A lookup, or a shared resource: the first block of its type and name in
 * the stack, which later equal ones are; a different one is an error. */
static ir_block *shared_data(lower_ctx *lc, ir_stack *s, ir_block *b)
{
    strmap *seen = lookups_of(lc, s);
    const char *key = lookup_key(lc, b);
    ir_block *o = strmap_get(seen, key);
    if (o) {
        if (!ir_block_equal(o, b) && b->kind == IRB_DATA)
            diag_error(lc->es->d, b->loc, "data source %s.%s is declared twice with different settings",
                       b->type, b->name);
        else if (!ir_block_equal(o, b) && b->shared)
            diag_error(lc->es->d, b->loc, "%s '%s' and %s '%s' make the shared block %s.%s differently "
                       "(it is one block in stack '%s', so it must be the same for both)",
                       o->origin->kind, o->origin->path, b->origin->kind, b->origin->path, b->type, b->name, s->name);
        else if (!ir_block_equal(o, b))
            diag_error(lc->es->d, b->loc, "%s %s is declared twice with different settings", b->type, b->name);
        return o;
    }
    strmap_put(seen, key, b);
    vec_push(lc->es->a, &s->blocks, b);
    return b;
}

/* Blocks wait in the instance until its lowering is complete; see publish. */
static void add_block(lower_ctx *lc, ir_block *b, const char *local)
{
    arena *a = lc->es->a;
    vec_push(a, &lc->in->r.blocks, b);
    vec_push(a, &lc->in->locals, (void *)local);
    vec_push(a, &lc->in->targets, (void *)(uintptr_t)lc->target);
}

static void raw_provider(lower_ctx *lc, ir_block *b);

/* Puts an instance's blocks into their stacks. It runs after the instance's
 * references were resolved, which lowers (and publishes) what it refers to
 * first: stacks come out in dependency order, as a person would write them. */
static void publish(lower_ctx *lc)
{
    instance *in = lc->in;
    for (size_t i = 0; i < in->r.blocks.len; i++) {
        ir_block *b = in->r.blocks.items[i];
        lower_ctx tc = *lc;
        tc.target = (ir_target)(uintptr_t)in->targets.items[i];
        if (b->kind == IRB_PROVIDER) {     /* configured in the root modules, not in a stack */
            raw_provider(lc, b);
            continue;
        }
        ir_stack *s = stack_for(&tc, stack_name_of(&tc), tc.target);
        if ((b->kind == IRB_DATA && !b->entries.len && target_table[tc.target].shared_lookups) ||
            target_table[tc.target].shared_names || b->shared) {
            in->r.blocks.items[i] = shared_data(lc, s, b);
            continue;
        }
        if (b->kind == IRB_DATA && target_table[tc.target].shared_lookups) {
            strmap *seen = lookups_of(lc, s);
            const char *key = lookup_key(lc, b);
            if (!strmap_has(seen, key))
                strmap_put(seen, key, b);
        }
        vec_push(lc->es->a, &s->blocks, b);
    }
}

/* ---- blocks and their bodies ---- */

static const char *k8s_object_name(env_state *es, const ir_block *b, const char *fallback)
{
    const ir_entry *md = ir_block_get(b, "metadata");
    const ir_value *name = NULL;
    if (md && md->block) {
        const ir_entry *n = ir_block_get(md->block, "name");
        name = n ? n->value : NULL;
    } else if (md && md->value) {
        name = ir_object_get(md->value, "name");
    }
    return name && name->kind == IR_STRING ? inst_env_text(es, name->text) : fallback;
}

/* Where the user wrote what a block's name is made of: a raw block's own
 * label, or the label of the resource a kind lowered (its lowering's local
 * names are the stdlib's, not the user's). */
static src_loc name_loc(const lower_ctx *lc, const ast_item *it, int at)
{
    if (lc->in->raw && at >= 0 && (size_t)at < it->labels.len)
        return ((const ast_expr *)it->labels.items[at])->loc;
    const ast_item *decl = lc->in->decl;
    return decl->labels.len ? ((const ast_expr *)decl->labels.items[0])->loc : decl->loc;
}

/* A value's place if the user wrote it, else the resource's label. */
static src_loc user_loc(const lower_ctx *lc, const ast_item *it, const ir_value *v)
{
    return v && v->loc.file && !v->loc.file->stdlib ? v->loc : name_loc(lc, it, -1);
}

/* Reported once per resource lowered by a kind: its label makes all of
 * its blocks' names, so one message says it. */
static void name_error(lower_ctx *lc, src_loc loc, const char *what, const char *name, const char *why)
{
    if (lc->named_badly && !lc->in->raw)
        return;
    lc->named_badly = true;
    diag_error(lc->es->d, loc, "%s '%s' is not valid: %s", what, name, why);
}

/* Names become a target's syntax (an HCL or Bicep identifier, a DNS-1123
 * name) and file names (a Kubernetes object's kind and name, a workflow's
 * name): one that cannot be is an error at what the user wrote, before any
 * file is made from it. */
static void check_names(lower_ctx *lc, const ast_item *it, const ir_block *b, int type_at, int name_at)
{
    arena *a = lc->es->a;
    const target_info *t = &target_table[lc->target];
    const char *why;
    /* the blocks named by what the program writes (a provider's, locals' and
     * moves' names are the compiler's; a file's is a path, checked apart) */
    bool named = t->name_problem && (b->kind == IRB_RESOURCE || b->kind == IRB_DATA || b->kind == IRB_OUTPUT ||
                                     b->kind == IRB_MODULE || b->kind == IRB_SERVICE || b->kind == IRB_VOLUME);
    if (named && type_at < 0 && (why = t->name_problem(a, b->name)))
        name_error(lc, name_loc(lc, it, name_at), arena_printf(a, "%s %s name", t->title, it->name), b->name, why);
    if (named && type_at >= 0 && (why = t->name_problem(a, b->name)))
        name_error(lc, name_loc(lc, it, name_at), arena_printf(a, "%s block name", t->title), b->name, why);
    if (t->typed_address && type_at >= 0 && (why = t->name_problem(a, b->type)))
        name_error(lc, name_loc(lc, it, type_at), arena_printf(a, "%s block type", t->title), b->type, why);
    if (b->kind == IRB_WORKFLOW && (why = out_name_problem(a, b->name)))
        name_error(lc, name_loc(lc, it, name_at), "the workflow's name (a file name)", b->name, why);
    if (b->kind != IRB_K8S_OBJECT)
        return;
    const ir_entry *md = ir_block_get(b, "metadata");
    const ir_entry *ns = md && md->block ? ir_block_get(md->block, "namespace") : NULL;
    const ir_value *nsv = ns ? ns->value : md && md->value ? ir_object_get(md->value, "namespace") : NULL;
    const ir_entry *nm = md && md->block ? ir_block_get(md->block, "name") : NULL;
    const ir_value *nmv = nm ? nm->value : md && md->value ? ir_object_get(md->value, "name") : NULL;
    bool is_ns = strcmp(b->type, "Namespace") == 0;
    if ((why = out_name_problem(a, b->type)))
        name_error(lc, name_loc(lc, it, name_at), "Kubernetes object kind (a file name)", b->type, why);
    else if ((why = is_ns ? target_dns_label_problem(a, b->name) : t->name_problem(a, b->name)))
        name_error(lc, user_loc(lc, it, nmv), is_ns ? "Kubernetes namespace name" : "Kubernetes object name", b->name,
                   why);
    const char *nstext = nsv && nsv->kind == IR_STRING ? inst_env_text(lc->es, nsv->text) : NULL;
    if (nstext && (why = target_dns_label_problem(a, nstext)))
        name_error(lc, user_loc(lc, it, nsv), "Kubernetes namespace", nstext, why);
}

/* The blocks a lowering (or a raw block) of each target may hold: their
 * word, how many names they take, and which name is the type and which the
 * block's own (-1: none; a block with no name of its own gets one, below). */
typedef struct block_shape_t {
    ir_target t;
    const char *word;
    ir_block_kind k;
    int nlabels, type_at, name_at;
} block_shape_t;

/* word is the block's own (after `shared`, if written), nlabels its names. */
static const block_shape_t *block_shape(lower_ctx *lc, const ast_item *it, const char *word, size_t nlabels)
{
    static const block_shape_t shapes[] = {
        {TARGET_TERRAFORM, "resource", IRB_RESOURCE, 2, 0, 1}, {TARGET_TERRAFORM, "data", IRB_DATA, 2, 0, 1},
        {TARGET_TERRAFORM, "output", IRB_OUTPUT, 1, -1, 0}, {TARGET_TERRAFORM, "module", IRB_MODULE, 1, -1, 0},
        {TARGET_TERRAFORM, "provider", IRB_PROVIDER, 1, 0, -1}, {TARGET_TERRAFORM, "locals", IRB_LOCALS, 0, -1, -1},
        {TARGET_TERRAFORM, "moved", IRB_MOVED, 0, -1, -1}, {TARGET_TERRAFORM, "import", IRB_IMPORT, 0, -1, -1},
        {TARGET_TERRAFORM, "removed", IRB_REMOVED, 0, -1, -1},
        {TARGET_BICEP, "resource", IRB_RESOURCE, 2, 1, 0}, {TARGET_BICEP, "existing", IRB_DATA, 2, 1, 0},
        {TARGET_BICEP, "output", IRB_OUTPUT, 1, -1, 0},
        {TARGET_KUBERNETES, "object", IRB_K8S_OBJECT, 1, -1, 0}, {TARGET_KUBERNETES, "generated", IRB_K8S_OBJECT, 1, -1, 0},
        {TARGET_GITHUB, "workflow", IRB_WORKFLOW, 1, -1, 0},
        {TARGET_COMPOSE, "service", IRB_SERVICE, 1, -1, 0}, {TARGET_COMPOSE, "volume", IRB_VOLUME, 1, -1, 0},
        {TARGET_FILES, "file", IRB_FILE, 1, -1, 0},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        if (shapes[i].t != lc->target || strcmp(shapes[i].word, word) != 0)
            continue;
        if ((int)nlabels != shapes[i].nlabels) {
            diag_error(lc->es->d, it->loc, "wrong number of names for `%s` here", word);
            return NULL;
        }
        return &shapes[i];
    }
    diag_error(lc->es->d, it->name_loc, "`%s` is not a block of this lowering", word);
    return NULL;
}

/* The name of a block that has none of its own (locals, moved, import,
 * removed): unique in its resource, and the same in every environment
 * that lowers the same blocks, which is how factoring matches them. */
static const char *unnamed_local(lower_ctx *lc, const char *word)
{
    int n = 0;
    for (size_t i = 0; i < lc->in->locals.len; i++)
        n += strncmp(lc->in->locals.items[i], word, strlen(word)) == 0;
    return arena_printf(lc->es->a, "%s_%d", word, n + 1);
}

/* A Terraform address written where a block need not exist (a moved
 * block's `from`) or names a provider configuration (`provider =
 * aws.dr`): its text, as written. NULL when it is not an address. */
static const char *address_text(arena *a, const ast_expr *e)
{
    switch (e->kind) {
    case EX_IDENT: return e->text;
    case EX_MEMBER: {
        const char *base = address_text(a, e->lhs);
        return base ? arena_printf(a, "%s.%s", base, e->text) : NULL;
    }
    case EX_INDEX: {
        const char *base = address_text(a, e->lhs);
        const ast_expr *i = e->rhs;
        if (!base)
            return NULL;
        if (i->kind == EX_NUMBER)
            return arena_printf(a, "%s[%g]", base, i->num);
        const char *w = ast_word(i);
        return w && i->kind == EX_STRING ? arena_printf(a, "%s[\"%s\"]", base, w) : NULL;
    }
    default: return NULL;
    }
}

/* Attributes of Terraform meta-blocks that name an address rather than
 * refer to a block: a provider configuration, a moved block's old address. */
static bool takes_address(const ir_block *b, const char *key)
{
    if (strcmp(key, "provider") == 0)
        return b->kind == IRB_RESOURCE || b->kind == IRB_DATA;
    if (strcmp(key, "from") == 0)
        return b->kind == IRB_MOVED || b->kind == IRB_REMOVED;
    return false;
}

static void lower_items(lower_ctx *lc, ir_block *b, const ptrvec *items, scope *sc, int depth);

/* Where a lowering keeps the `when` depth of what it makes: in the scratch
 * arena, given back with the rest of what it evaluates. */
static ptrmap *new_depths(env_state *es)
{
    ptrmap *m = arena_alloc(es->scratch, sizeof *m);
    ptrmap_init(m, es->scratch);
    return m;
}

/* The `when` depth a block or entry was made at (eval.h, expand_clash). */
static int depth_of(const lower_ctx *lc, const void *x)
{
    return (int)(uintptr_t)ptrmap_get(lc->depths, x) - 1;
}

static void set_depth(lower_ctx *lc, const void *x, int depth)
{
    ptrmap_put(lc->depths, x, (void *)(uintptr_t)(depth + 1));
}

/* An attribute of a target block, set at `when` depth `depth`: a holding
 * `when` replaces what its surroundings set (a null it sets removes it),
 * and an attribute set twice outside any `when` is an error. */
static void lower_attr(lower_ctx *lc, ir_block *b, const ast_item *it, ir_value *v, int depth)
{
    for (size_t i = 0; i < b->entries.len; i++) {
        ir_entry *e = b->entries.items[i];
        if (e->block || strcmp(e->key, it->name) != 0)
            continue;
        switch (expand_clash_of(depth_of(lc, e), depth)) {
        case CLASH_KEEP:
            return;
        case CLASH_TWICE:
            diag_error(lc->es->d, it->name_loc, "'%s' is set twice (first at line %d)", it->name, e->value->loc.line);
            return;
        case CLASH_REPLACE:
            break;
        }
        if (v) {
            e->value = v;
            set_depth(lc, e, depth);
        } else {
            memmove(&b->entries.items[i], &b->entries.items[i + 1], (b->entries.len - i - 1) * sizeof(void *));
            b->entries.len--;
        }
        return;
    }
    if (v)
        set_depth(lc, ir_block_attr(lc->es->a, b, it->name, v), depth);
}

/* A nested block in a holding `when` is merged into the block of its type
 * that its surroundings made (the last one); elsewhere blocks repeat. */
static ir_block *overridden_block(lower_ctx *lc, const ir_block *b, const char *type, int depth)
{
    for (size_t i = b->entries.len; depth > 0 && i-- > 0;) {
        const ir_entry *e = b->entries.items[i];
        if (e->block && strcmp(e->key, type) == 0 && depth_of(lc, e) < depth)
            return e->block;
    }
    return NULL;
}

/* Annotations written in a target block (alone in its body or after an
 * attribute, at any depth) are the block's: policies read them as they
 * read a resource's. */
static void annotate(lower_ctx *lc, const ast_item *it)
{
    for (size_t i = 0; lc->top && i < it->annots.len; i++)
        vec_push(lc->es->a, &lc->top->annots, it->annots.items[i]);
}

/* `shared resource TYPE NAME KEY { }` (Bicep: `shared resource NAME TYPE
 * KEY`): a block that several resources of a stack need once, such as the
 * privatelink DNS zone every endpoint of a service registers in. In the
 * stack it is named KEY, whoever makes it, and made once: whoever makes it
 * again must make it the same. In the lowering it is NAME, as any block.
 * Returns the word after `shared` (the block's own); *first is where its
 * names start, and the key is the last one. */
static const char *shared_word(lower_ctx *lc, const ast_item *it, size_t *first)
{
    *first = 0;
    if (strcmp(it->name, "shared") != 0)
        return it->name;
    const char *word = it->labels.len ? ast_word(it->labels.items[0]) : NULL;
    if (!word || strcmp(word, "resource") != 0 || lc->in->raw || !target_table[lc->target].iac) {
        diag_error(lc->es->d, it->loc, "`shared` is written before `resource`, in a kind's %s lowering",
                   target_iac_names(lc->es->scratch));
        return NULL;
    }
    *first = 1;
    return word;
}

/* An item of a target block's body: an attribute or a nested block. */
static void body_item(lower_ctx *lc, ir_block *b, const ast_item *it, scope *sc, int depth)
{
    env_state *es = lc->es;
    if (it->kind == IT_ATTR) {
        const char *addr = takes_address(b, it->name) ? address_text(es->a, it->value) : NULL;
        if (addr) {
            ir_block_attr(es->a, b, it->name, ir_raw(es->a, addr, it->value->loc));
            return;
        }
        eval_ctx cx = lower_eval_ctx(lc, sc, (int)lc->target);
        value *v = eval_expr(&cx, it->value);
        if (lc->once_env)   /* in `for env in envs`: a name holding the environment's is that one's */
            v = eval_concrete(&cx, v);
        lower_attr(lc, b, it, to_ir(lc, v), depth);
        annotate(lc, it);
    } else if (it->kind == IT_ANNOT) {
        annotate(lc, it);
    } else if (it->kind == IT_BLOCK) {
        if (it->labels.len)
            diag_error(es->d, it->loc, "a nested block in a lowering takes no name");
        /* "deploy-${e}" { }: the type computed where the block stands */
        const char *type = it->name_expr ? label_str(lc, it->name_expr, sc) : it->name;
        ir_block *nb = overridden_block(lc, b, type, depth);
        if (nb) {
            lower_items(lc, nb, &it->body, sc, depth);
            return;
        }
        nb = ir_block_new(es->a, IRB_NESTED, type, NULL, it->loc);
        lower_items(lc, nb, &it->body, sc, depth);
        set_depth(lc, ir_block_nested(es->a, b, type, nb), depth);
    } else {
        diag_error(es->d, it->loc, "this cannot stand in a target block");
    }
}

/* ---- modules ---- */

/* A registry address: [host/]namespace/name/provider[//subdir]. */
static bool registry_source(const char *src)
{
    if (strstr(src, "::") || strchr(src, '?') || strchr(src, ':'))
        return false;
    int slashes = 0;
    for (const char *c = src; *c && !(c[0] == '/' && c[1] == '/'); c++)
        slashes += *c == '/';
    return slashes == 2 || slashes == 3;
}

/* An external module is pinned: a registry module by `version`, any other
 * remote source by a `ref=` (a tag or commit); a local path needs neither. */
static void module_pinned(lower_ctx *lc, const ir_block *b, const ast_item *it)
{
    const ir_entry *src = ir_block_get(b, "source");
    if (!src || !src->value || src->value->kind != IR_STRING) {
        diag_error(lc->es->d, it->loc, "a module's source is a plain string (a registry address, a git URL or a path)");
        return;
    }
    const char *s = src->value->text;
    if (strncmp(s, "./", 2) == 0 || strncmp(s, "../", 3) == 0)
        return;
    if (registry_source(s)) {
        if (!ir_block_get(b, "version"))
            diag_error(lc->es->d, it->loc, "module %s comes from the registry (%s): pin it with `version = \"…\"`",
                       b->name, s);
        return;
    }
    if (!strstr(s, "?ref=") && !strstr(s, "&ref="))
        diag_error(lc->es->d, it->loc, "module %s comes from %s: pin it to a tag or commit (`?ref=v1.2.0`)", b->name, s);
}

/* A declared file's path: inside the target tree, not infrac's own files. */
static void file_path_ok(lower_ctx *lc, const ir_block *b, const ast_item *it)
{
    const ir_entry *path = ir_block_get(b, "path");
    const char *p = path && path->value && path->value->kind == IR_STRING ? path->value->text : NULL;
    const char *why = p ? out_file_path_problem(lc->es->a, inst_env_text(lc->es, p)) : "it is not a plain string";
    if (why)
        diag_error(lc->es->d, path && path->value ? path->value->loc : it->loc, "a file's path must stay inside the "
                   "target: %s", why);
}

/* ---- providers (stdlib/providers.infra; raw `provider` blocks) ---- */

/* The alias of a configuration for another region: us-east-1 -> us_east_1. */
static const char *region_alias(arena *a, const char *region)
{
    char *s = arena_strdup(a, region);
    for (char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
            *c = '_';
    return s;
}

/* A resource placed outside its provider's region, where the Terraform
 * provider holds the region in its configuration (aws): the block uses a
 * second configuration of the provider, for that region. */
static void place_block(lower_ctx *lc, ir_block *b)
{
    const tf_provider_decl *tp = sema_tf_provider_of(lc->es->p, b->type);
    if (!tp || !tp->regional || lc->in->raw || ir_block_get(b, "provider"))
        return;
    const char *region = inst_region(lc->es, lc->in);
    const char *dflt = inst_default_region(lc->es, tp->cloud);
    if (!region || (dflt && strcmp(region, dflt) == 0))
        return;
    b->placed = region;
    ir_entry *e = arena_alloc(lc->es->a, sizeof *e);
    e->key = "provider";
    e->value = ir_raw(lc->es->a, arena_printf(lc->es->a, "%s.%s", tp->name, region_alias(lc->es->a, region)), b->loc);
    vec_push(lc->es->a, &b->entries, NULL);     /* the meta-argument goes first */
    memmove(&b->entries.items[1], &b->entries.items[0], (b->entries.len - 1) * sizeof b->entries.items[0]);
    b->entries.items[0] = e;
}

static bool same_alias(const char *x, const char *y)
{
    return x == y || (x && y && strcmp(x, y) == 0);
}

/* The entry of out for a provider configuration, made if new; kept in
 * order of name, then alias (the default first). */
static ir_provider *provider_entry(lower_ctx *lc, const tf_provider_decl *tp, const char *alias, src_loc loc)
{
    ptrvec *all = &lc->out->providers;
    size_t at = 0;
    for (; at < all->len; at++) {
        ir_provider *pv = all->items[at];
        int c = strcmp(pv->name, tp->name);
        if (c == 0 && same_alias(pv->alias, alias))
            return pv;
        if (c > 0 || (c == 0 && alias && pv->alias && strcmp(pv->alias, alias) > 0))
            break;
    }
    arena *a = lc->es->a;
    ir_provider *pv = arena_alloc(a, sizeof *pv);
    pv->name = tp->name;
    pv->alias = alias;
    pv->source = tp->source;
    pv->version = tp->version;
    pv->config = arena_alloc(a, sizeof *pv->config);
    pv->loc = loc;
    vec_push(a, all, NULL);
    memmove(&all->items[at + 1], &all->items[at], (all->len - at - 1) * sizeof all->items[0]);
    all->items[at] = pv;
    return pv;
}

/* A provider's configuration from its declaration, with `region` and
 * `tags` (the project's) bound; an alias comes first. */
static ir_block *provider_config(lower_ctx *lc, const tf_provider_decl *tp, const char *region, const char *alias)
{
    env_state *es = lc->es;
    ir_block *b = ir_block_new(es->a, IRB_PROVIDER, tp->name, alias ? alias : tp->name, tp->config->loc);
    if (alias)
        ir_block_attr(es->a, b, "alias", ir_string(es->a, alias, tp->config->loc));
    arena_mark scratch = arena_get_mark(es->scratch);
    src_loc at = tp->config->loc;
    scope *sc = scope_bind(es->scratch, es->globals, "region",
                           region ? val_string(es->scratch, region, at) : val_null(es->scratch, at));
    sc = scope_bind(es->scratch, sc, "tags", inst_project_tags(es, es->scratch, tp->config->loc));
    lower_ctx pc = {.es = es, .secrets = lc->secrets, .out = lc->out, .target = TARGET_TERRAFORM,
                    .depths = new_depths(es)};
    lower_items(&pc, b, &tp->config->body, sc, 0);
    if (pc.pending.len)
        diag_error(es->d, tp->config->loc, "the configuration of provider %s cannot refer to resources", tp->name);
    arena_release(es->scratch, scratch);
    return b;
}

/* A raw `provider NAME { }` block: the configuration of that provider (or,
 * with `alias = "…"`, a second one), in place of the stdlib's. */
static void raw_provider(lower_ctx *lc, ir_block *b)
{
    const tf_provider_decl *tp = strmap_get(&lc->es->p->tf_provider_by_name, b->type);
    if (!tp) {
        diag_error(lc->es->d, b->loc, "no provider declares the Terraform provider '%s' (declare it: `provider NAME "
                   "{ terraform %s { source = \"…\"  version = \"…\" } }`)", b->type, b->type);
        return;
    }
    const ir_entry *al = ir_block_get(b, "alias");
    if (al && (!al->value || al->value->kind != IR_STRING)) {
        diag_error(lc->es->d, b->loc, "a provider's alias is a plain string");
        return;
    }
    ir_provider *pv = provider_entry(lc, tp, al ? al->value->text : NULL, b->loc);
    if (pv->config[0])
        diag_error(lc->es->d, b->loc, "provider %s%s%s is configured twice", b->type, al ? "." : "",
                   al ? al->value->text : "");
    pv->config[0] = b;
}

/* Every Terraform provider this environment's blocks use, configured: the
 * default configuration and one per region a block is placed in. */
static void lower_providers(lower_ctx *lc)
{
    for (size_t i = 0; i < lc->out->stacks.len; i++) {
        const ir_stack *s = lc->out->stacks.items[i];
        for (size_t j = 0; s->target == TARGET_TERRAFORM && j < s->blocks.len; j++) {
            const ir_block *b = s->blocks.items[j];
            if (b->kind != IRB_RESOURCE && b->kind != IRB_DATA)
                continue;
            const tf_provider_decl *tp = sema_tf_provider_of(lc->es->p, b->type);
            if (!tp) {
                diag_error(lc->es->d, b->loc, "no provider declares the Terraform provider of '%s' (declare it: "
                           "`provider NAME { terraform PREFIX { source = \"…\"  version = \"…\" } }`)", b->type);
                continue;
            }
            ir_provider *pv = provider_entry(lc, tp, NULL, b->loc);
            if (!pv->config[0] && tp->config)
                pv->config[0] = provider_config(lc, tp, inst_default_region(lc->es, tp->cloud), NULL);
            if (!b->placed)
                continue;
            const char *alias = region_alias(lc->es->a, b->placed);
            pv = provider_entry(lc, tp, alias, b->loc);
            if (!pv->config[0] && tp->config)
                pv->config[0] = provider_config(lc, tp, b->placed, alias);
        }
    }
}


/* The block of this lowering of that kind, type and local name, if it made
 * one already (a Kubernetes object's type is known once it is made). */
static ir_block *made_already(lower_ctx *lc, ir_block_kind bkind, const char *type, const char *local)
{
    const instance *in = lc->in;
    for (size_t i = 0; i < in->r.blocks.len; i++) {
        ir_block *b = in->r.blocks.items[i];
        if (b->kind == bkind && (ir_target)(uintptr_t)in->targets.items[i] == lc->target &&
            strcmp(in->locals.items[i], local) == 0 && (bkind == IRB_K8S_OBJECT || strcmp(b->type, type) == 0))
            return b;
    }
    return NULL;
}

/* What a Kubernetes object is known by, once its body is lowered. */
static void name_object(lower_ctx *lc, const ast_item *it, ir_block *b, const char *local)
{
    /* objects are told apart by kind and name, as the API server does */
    const ir_entry *k = ir_block_get(b, "kind");
    b->type = k && k->value && k->value->kind == IR_STRING ? inst_env_text(lc->es, k->value->text) : local;
    b->name = k8s_object_name(lc->es, b, local);
    b->group = lc->in->r.label;
    b->generated = strcmp(it->name, "generated") == 0;
    if (b->generated && strcmp(b->type, "ConfigMap") != 0)
        diag_error(lc->es->d, it->loc, "only a ConfigMap can be generated (this is a %s); write it as an object", b->type);
}

/* The attribute of b (at its top level) named key, or NULL. */
static ir_entry *attr_entry(ir_block *b, const char *key)
{
    for (size_t i = 0; i < b->entries.len; i++) {
        ir_entry *e = b->entries.items[i];
        if (!e->block && strcmp(e->key, key) == 0)
            return e;
    }
    return NULL;
}

/* The provider a target block belongs to, whose region the project gives:
 * in Terraform the one whose Terraform provider its type names (the
 * stdlib's provider declarations); a Bicep block is Azure's. */
static const provider_decl *provider_of(lower_ctx *lc, const char *type)
{
    if (lc->target == TARGET_BICEP)
        return sema_find_provider(lc->es->p, "azure");
    const tf_provider_decl *tp = sema_tf_provider_of(lc->es->p, type);
    return tp ? tp->cloud : NULL;
}

/* The stdlib's fact table (a map of block type -> value) entry of b's
 * type: a Terraform type, or a Bicep one without its apiVersion (a fact
 * about a resource type holds in all its versions). */
static value *fact_of(lower_ctx *lc, const value *table, const ir_block *b)
{
    if (!table || (lc->target != TARGET_TERRAFORM && lc->target != TARGET_BICEP))
        return NULL;
    const char *type = b->type, *at = strchr(type, '@');
    if (at)
        type = arena_strndup(lc->es->scratch, type, (size_t)(at - type));
    value *v = val_map_get(table, type);
    return v && v->kind != V_NULL ? v : NULL;
}

/* The deploy-time number a write-only attribute's version reads: one per
 * secret, default 1; bumping it sends the secret again. */
static ir_param *version_param(lower_ctx *lc, const ir_param *secret)
{
    lower_secrets *ls = lc->secrets;
    const char *name = arena_printf(ls->a, "%s_version", secret->name);
    for (size_t i = 0; i < ls->versions.len; i++) {
        ir_param *vp = ls->versions.items[i];
        if (strcmp(vp->name, name) == 0)
            return vp;
    }
    ir_param *vp = arena_alloc(ls->a, sizeof *vp);
    vp->name = name;
    vp->type = IRT_NUMBER;
    vp->dflt = ir_number(ls->a, "1", secret->loc);
    vp->loc = secret->loc;
    vp->doc = arena_printf(ls->a, "Version of secret %s in write-only attributes: bump it to send a new value "
                           "(Terraform keeps the value out of state).", secret->name);
    vec_push(ls->a, &ls->versions, vp);
    return vp;
}

/* A secret set on an attribute the provider also takes write-only goes to
 * the write-only twin (the stdlib's write_only_attributes), with its
 * version: the provider gets it, the state never holds it. */
static void write_only(lower_ctx *lc, ir_block *b)
{
    value *twins = fact_of(lc, lc->es->write_only, b);
    for (size_t i = 0; twins && twins->kind == V_MAP && i < b->entries.len; i++) {
        ir_entry *e = b->entries.items[i];
        value *twin = e->block ? NULL : val_map_get(twins, e->key);
        if (!twin || twin->kind != V_STRING || e->value->kind != IR_PARAM || !e->value->param->sensitive)
            continue;
        e->key = twin->text;
        ir_value *ver = arena_alloc(lc->es->a, sizeof *ver);
        ver->kind = IR_PARAM;
        ver->loc = e->value->loc;
        ver->param = version_param(lc, e->value->param);
        ir_entry *ve = ir_block_attr(lc->es->a, b, arena_cat(lc->es->a, twin->text, "_version", NULL), ver);
        memmove(&b->entries.items[i + 2], &b->entries.items[i + 1], (b->entries.len - i - 2) * sizeof(void *));
        b->entries.items[++i] = ve;     /* right after the value */
    }
}

/* `@convention("ABBREV")` in a raw block: its name by the project's naming
 * convention (in the attribute the stdlib's resource_name_limits says holds
 * it, folded into its characters) and the project's tags, its own merged
 * over them. A name it sets itself stays, and is checked against the
 * convention (b->conventional: @legacy says why it differs). */
static void by_convention(lower_ctx *lc, const ast_item *it, ir_block *b, const char *local)
{
    const ast_annot *an = NULL;
    for (size_t i = 0; i < it->body.len; i++) {
        const ast_item *x = it->body.items[i];
        for (size_t j = 0; x->kind == IT_ANNOT && j < x->annots.len; j++)
            if (strcmp(((const ast_annot *)x->annots.items[j])->name, "convention") == 0)
                an = x->annots.items[j];
    }
    if (!an)
        return;
    const char *abbrev = an->args.len == 1 ? ast_word(an->args.items[0]) : NULL;
    if (!abbrev || !*abbrev) {
        diag_error(lc->es->d, an->loc, "@convention takes the abbreviation the name starts with: @convention(\"kv\")");
        return;
    }
    env_state *es = lc->es;
    const char *bare = b->type, *at = strchr(bare, '@');
    if (at)
        bare = arena_strndup(es->a, bare, (size_t)(at - bare));
    value *lim = es->name_limits ? val_map_get(es->name_limits, bare) : NULL;
    value *field = lim && lim->kind == V_MAP ? val_map_get(lim, "field") : NULL;
    value *chars = lim && lim->kind == V_MAP ? val_map_get(lim, "chars") : NULL;
    const char *key = field && field->kind == V_STRING ? field->text : "name";
    const char *name = inst_convention_name(es, abbrev, local, provider_of(lc, bare),
                                            chars && chars->kind == V_STRING ? chars->text : NULL, an->loc);
    ir_entry *own = attr_entry(b, key);
    if (own) {
        b->conventional = name;
    } else {    /* first, where a name is written */
        ir_entry *e = ir_block_attr(es->a, b, key, ir_string(es->a, name, an->loc));
        memmove(&b->entries.items[1], &b->entries.items[0], (b->entries.len - 1) * sizeof(void *));
        b->entries.items[0] = e;
    }
    value *tags = inst_project_tags(es, es->scratch, an->loc);
    ir_entry *mine = attr_entry(b, "tags");
    if (mine && mine->value->kind == IR_OBJECT) {
        ir_value *merged = to_ir(lc, tags);
        for (size_t i = 0; i < mine->value->keys.len; i++)
            ir_object_set(es->a, merged, mine->value->keys.items[i], mine->value->items.items[i]);
        mine->value = merged;
    } else if (!mine) {
        ir_block_attr(es->a, b, "tags", to_ir(lc, tags));
    }
}

/* A top-level block of a lowering: a target block. One that was made
 * already (the same kind, type and name) is the same block written again:
 * in a holding `when`, what it sets overrides; outside any, an error. */
static void target_block(lower_ctx *lc, const ast_item *it, scope *sc, int depth)
{
    size_t first;
    if (it->kind != IT_BLOCK) {
        diag_error(lc->es->d, it->loc, "this cannot stand in a lowering");
        return;
    }
    const char *word = shared_word(lc, it, &first);
    size_t nlabels = it->labels.len - first - (first && it->labels.len > first ? 1 : 0);    /* the key aside */
    const block_shape_t *shape = word ? block_shape(lc, it, word, nlabels) : NULL;
    if (!shape)
        return;
    arena *a = lc->es->a;
    ir_block_kind bkind = shape->k;
    const char *type = shape->type_at >= 0 ? label_str(lc, it->labels.items[first + shape->type_at], sc) : word;
    const char *local = shape->name_at >= 0 ? label_str(lc, it->labels.items[first + shape->name_at], sc)
                        : bkind == IRB_PROVIDER ? type : unnamed_local(lc, word);
    /* An empty-bodied data source is a lookup of the context (client config,
     * subscription, caller identity): shared under its own name. */
    bool lookup = bkind == IRB_DATA && target_table[lc->target].shared_lookups && it->body.len == 0;
    /* a shared block is named by its key: a loop may make one per turn */
    ir_block *b = lookup || first ? NULL : made_already(lc, bkind, type, local);
    if (b && expand_clash_of(depth_of(lc, b), depth) == CLASH_TWICE) {
        diag_error(lc->es->d, it->loc, "%s %s is written twice (first at line %d)", word, local, b->loc.line);
        return;
    }
    ir_block *outer = lc->top;
    if (b) {
        lc->top = b;
        lower_items(lc, b, &it->body, sc, depth);
        lc->top = outer;
        if (bkind == IRB_K8S_OBJECT)
            name_object(lc, it, b, local);
        return;
    }
    const char *name = lookup || bkind == IRB_WORKFLOW || bkind == IRB_PROVIDER ? local
                     : first ? block_name(lc, label_str(lc, it->labels.items[it->labels.len - 1], sc), true)
                     : block_name(lc, local, false);
    b = ir_block_new(a, bkind, type, name, it->loc);
    b->shared = first > 0;
    b->source = it->loc.file ? it->loc.file->path : NULL;
    /* findings point at the resource in the program: a raw block is its own */
    b->loc = lc->in->raw ? it->loc : lc->in->decl->loc;
    b->origin = &lc->in->r;
    set_depth(lc, b, depth);
    lc->top = b;
    lower_items(lc, b, &it->body, sc, depth);
    lc->top = outer;
    if (bkind == IRB_K8S_OBJECT)
        name_object(lc, it, b, local);
    if (bkind == IRB_RESOURCE && target_table[lc->target].iac)
        by_convention(lc, it, b, local);
    if (lc->target == TARGET_TERRAFORM && (bkind == IRB_RESOURCE || bkind == IRB_DATA))
        place_block(lc, b);
    if (bkind == IRB_MODULE)
        module_pinned(lc, b, it);
    if (bkind == IRB_FILE)
        file_path_ok(lc, b, it);
    if (bkind == IRB_RESOURCE)
        write_only(lc, b);
    if (!lookup)    /* a lookup's name is the stdlib's, the same in every lowering */
        check_names(lc, it, b, shape->type_at >= 0 ? (int)first + shape->type_at : -1,
                    shape->name_at >= 0 ? (int)first + shape->name_at : -1);
    add_block(lc, b, local);
}

typedef struct items_ctx {
    lower_ctx *lc;
    ir_block *b;            /* the block whose body this is; NULL: the lowering's top level */
    int depth;              /* holding `when`s around the items */
} items_ctx;

static const ir_block *primary_block(lower_ctx *lc, instance *owner, src_loc loc);

/* The scope of the part being lowered (before any part: the lowering's). */
static void set_scope(lower_ctx *lc, ir_value *v)
{
    if (lc->parts.len)
        ((lower_part *)lc->parts.items[lc->parts.len - 1])->scope = v;
    else
        lc->deploy_scope = v;
}

/* `scope = self.group` in a Bicep lowering: the resource group its blocks
 * are deployed to. A group whose Bicep block is in the same stack is
 * referred to; one elsewhere (made by Terraform, another deployment) is
 * named. */
static void deploy_scope(lower_ctx *lc, const ast_item *it, scope *sc)
{
    eval_ctx cx = lower_eval_ctx(lc, sc, -1);
    value *v = eval_expr(&cx, it->value);
    if (v->kind == V_NULL)
        return;
    instance *owner = v->kind == V_RESOURCE ? inst_in_env(lc->es, v->res) : NULL;
    if (!owner) {
        diag_error(lc->es->d, it->value->loc, "a lowering's scope is the resource group its resources go to");
        return;
    }
    arena *a = lc->es->a;
    bool same_stack = owner->r.target == TARGET_BICEP && strcmp(owner->r.stack, lc->in->r.stack) == 0;
    if (same_stack && owner->k->lower[TARGET_BICEP]) {
        const ir_block *rg = primary_block(lc, owner, it->loc);
        if (rg) {
            ir_value *r = arena_alloc(a, sizeof *r);
            r->kind = IR_REF;
            r->loc = it->loc;
            r->ref_block = rg;
            set_scope(lc, r);
        }
        return;
    }
    set_scope(lc, ir_string(a, inst_name(lc->es, owner), it->loc));
}

/* `part = "dns"` in a Bicep lowering: the blocks after it are deployed on
 * their own (a module <label>-dns), after what they refer to, where a
 * `scope` after it says: what must be made in another resource group
 * between two steps of the resource (the records a custom domain's binding
 * waits for), or a resource put twice (a binding, then its certificate). */
static void deploy_part(lower_ctx *lc, const ast_item *it, scope *sc)
{
    eval_ctx cx = lower_eval_ctx(lc, sc, -1);
    value *v = eval_expr(&cx, it->value);
    const char *why = v->kind != V_STRING ? "it is not a string" : out_name_problem(lc->es->a, v->text);
    for (size_t i = 0; !why && i < lc->parts.len; i++)
        if (strcmp(((const lower_part *)lc->parts.items[i])->name, v->text) == 0)
            why = "another part has that name";
    if (why) {
        diag_error(lc->es->d, it->value->loc, "a lowering's part names the module its blocks go to: %s", why);
        return;
    }
    lower_part *pt = arena_alloc(lc->es->a, sizeof *pt);
    pt->start = lc->in->r.blocks.len;
    pt->name = v->text;
    vec_push(lc->es->a, &lc->parts, pt);
}

static void lower_item(expander *ex, const ast_item *it, scope *sc)
{
    items_ctx *ic = ex->ctx;
    const char *outer = ic->lc->once_env;
    ic->lc->once_env = ex->env;     /* what the item holds expands in the same environment */
    if (ic->b)
        body_item(ic->lc, ic->b, it, sc, ic->depth + ex->overriding);
    else if (it->kind == IT_ATTR && strcmp(it->name, "scope") == 0 && ic->lc->target == TARGET_BICEP)
        deploy_scope(ic->lc, it, sc);
    else if (it->kind == IT_ATTR && strcmp(it->name, "part") == 0 && ic->lc->target == TARGET_BICEP)
        deploy_part(ic->lc, it, sc);
    else
        target_block(ic->lc, it, sc, ic->depth + ex->overriding);
    ic->lc->once_env = outer;
}

/* A lowering's items (b NULL) or a target block's, for/when/if/let expanded. */
static void lower_items(lower_ctx *lc, ir_block *b, const ptrvec *items, scope *sc, int depth)
{
    items_ctx ic = {lc, b, depth};
    expander ex = {.cx = lower_eval_ctx(lc, sc, (int)lc->target), .env = lc->once ? lc->once_env : lc->es->env,
                   .per_env_loops = lc->once, .item = lower_item, .ctx = &ic};
    expand_items(&ex, items, sc);
}

/* The lowering of in's kind for lc's target, and the lowerings its traits
 * have for that target, each in scope of its parameters. */
static void lower_kind(lower_ctx *lc, const ast_item *lowering, scope *sc)
{
    if (!lc->in->raw)
        lc->roots = lowering_roots(lc, lowering);
    lower_items(lc, NULL, &lowering->body, sc, 0);
    lc->parts_end = lc->in->r.blocks.len;
    const kind *k = lc->in->k;
    for (size_t i = 0; i < k->uses.len; i++) {
        const trait_use *u = k->uses.items[i];
        const ast_item *tl = u->t->k.lower[lc->target];
        if (!tl)
            continue;
        eval_ctx cx = lower_eval_ctx(lc, sc, (int)lc->target);
        lower_items(lc, NULL, &tl->body, inst_trait_scope(&cx, u, sc), 0);
    }
}

/* ---- resolving references ---- */

static void lower_instance(lower_ctx *parent, instance *in);

/* Lowers another resource this one refers to, first; false on a cycle. A
 * raw block being lowered (its references wait for this one) has made its
 * blocks already: raw blocks may refer to each other (raw_cycle). */
static bool lower_dependency(lower_ctx *lc, instance *owner, src_loc loc, bool raw_cycle)
{
    if (owner->lowered == 1 && owner != lc->in && !(raw_cycle && owner->raw)) {
        diag_error(lc->es->d, loc, "reference cycle through '%s'", owner->r.path);
        return false;
    }
    lower_instance(lc, owner);
    if (owner != lc->in) {
        bool seen = false;
        for (size_t i = 0; i < lc->in->deps.len && !seen; i++)
            seen = lc->in->deps.items[i] == owner;
        if (!seen)
            vec_push(lc->es->a, &lc->in->deps, owner);
    }
    return true;
}

static const ir_block *primary_block(lower_ctx *lc, instance *owner, src_loc loc)
{
    if (!lower_dependency(lc, owner, loc, false))
        return NULL;
    for (size_t i = 0; i < owner->r.blocks.len; i++) {
        const ir_block *b = owner->r.blocks.items[i];
        if (b->kind == IRB_RESOURCE)
            return b;
    }
    diag_error(lc->es->d, loc, "'%s' has no %s resource to refer to", owner->r.path, target_table[lc->target].title);
    return NULL;
}

/* Is in's i-th block the one a reference names? By its type and name, and
 * whether it is a data source, where the target's addresses say so
 * (Terraform); by its symbolic name alone in Bicep, where `existing`
 * blocks are named like resources. */
static bool local_is(const instance *in, size_t i, const tref *r, ir_target t)
{
    const ir_block *b = in->r.blocks.items[i];
    bool data = b->kind == IRB_DATA;
    return (ir_target)(uintptr_t)in->targets.items[i] == t && strcmp(in->locals.items[i], r->local) == 0 &&
           (!target_table[t].typed_address || (data == r->is_data && (!r->type || strcmp(b->type, r->type) == 0)));
}

/* The block of in's lowering a reference names: the nearest of that name
 * made before the reference (made: how many there were), else the first
 * made after it. So a loop that makes a shared block and refers to it gets
 * each turn's own. */
static const ir_block *local_block(const instance *in, const tref *r, ir_target t, size_t made)
{
    for (size_t i = made < in->r.blocks.len ? made : in->r.blocks.len; i-- > 0;)
        if (local_is(in, i, r, t))
            return in->r.blocks.items[i];
    for (size_t i = made; i < in->r.blocks.len; i++)
        if (local_is(in, i, r, t))
            return in->r.blocks.items[i];
    return NULL;
}

/* `local.NAME`: the locals block of this lowering (or, for a raw block, of
 * its stack) that sets NAME. */
static const ir_block *locals_block(lower_ctx *lc, const char *name)
{
    const ptrvec *places[2] = {&lc->in->r.blocks, NULL};
    if (lc->in->raw) {
        const ir_stack *s = strmap_get(&lc->out->by_name[lc->target], stack_name_of(lc));
        places[1] = s ? &s->blocks : NULL;
    }
    for (int p = 0; p < 2 && places[p]; p++)
        for (size_t i = 0; i < places[p]->len; i++) {
            const ir_block *b = places[p]->items[i];
            if (b->kind == IRB_LOCALS && ir_block_get(b, name))
                return b;
        }
    return NULL;
}

/* "did you mean" for a reference that names no block: the addresses the
 * lowering has. */
static const char *near_address(lower_ctx *lc, const char *addr)
{
    ptrvec names = {0};
    const instance *in = lc->in;
    for (size_t i = 0; i < in->r.blocks.len; i++) {
        const ir_block *b = in->r.blocks.items[i];
        const char *local = in->locals.items[i];
        vec_push(lc->es->scratch, &names, (void *)(target_table[lc->target].typed_address
            ? arena_printf(lc->es->scratch, "%s%s.%s", b->kind == IRB_DATA ? "data." : "", b->type, local) : local));
    }
    for (size_t i = 0; i < lc->es->raw_list.len; i++) {     /* and the program's raw blocks */
        const inst_raw_block *rb = lc->es->raw_list.items[i];
        if (rb->target == lc->target)
            vec_push(lc->es->scratch, &names, (void *)rb->address);
    }
    return diag_did_you_mean(lc->es->scratch, addr, &names);
}

/* A block another instance lowered (lowered first, unless it is being
 * lowered: then its blocks exist, and only its references wait). */
static const ir_block *block_of(lower_ctx *lc, instance *owner, const tref *r, src_loc loc)
{
    return lower_dependency(lc, owner, loc, true) ? local_block(owner, r, lc->target, owner->r.blocks.len) : NULL;
}

/* The block a reference by name means: in the raw block the program named
 * (a ref outside a lowering), else in this lowering, else a raw block of
 * the program written with that address (in another raw block, another
 * stack). */
static const ir_block *block_named(lower_ctx *lc, const tref *r, src_loc loc, size_t made)
{
    if (r->raw) {
        instance *owner = inst_in_env(lc->es, r->owner);
        return owner ? block_of(lc, owner, r, loc) : NULL;
    }
    const ir_block *b = local_block(lc->in, r, lc->target, made);
    if (b || !target_table[lc->target].iac)
        return b;
    const inst_raw_block *rb = strmap_get(&lc->es->raw_blocks, inst_raw_key(lc->es->scratch, lc->target, r->is_data,
                                                                             r->type, r->local));
    return rb && rb->in != lc->in ? block_of(lc, rb->in, r, loc) : NULL;
}

/* Does path (after the block) read an attribute the provider marks
 * sensitive? The facts name its leading segments: one in Terraform
 * (`connection_string`), a property path in Bicep
 * (`properties.ConnectionString`); what lies under one is sensitive too. */
static bool sensitive_attr(lower_ctx *lc, const ir_block *b, const char *path)
{
    value *list = fact_of(lc, lc->es->sensitive, b);
    if (!list || !path)
        return false;
    for (size_t i = 0; list->kind == V_LIST && i < list->items.len; i++) {
        const value *a = list->items.items[i];
        size_t n = a->kind == V_STRING ? strlen(a->text) : 0;
        if (n && strncmp(a->text, path, n) == 0 && (!path[n] || path[n] == '.' || path[n] == '['))
            return true;
    }
    return false;
}

/* `db.endpoint` written in a program: the value of the output db's
 * Terraform lowering makes, once db is lowered. Only Terraform knows it
 * (after apply): tref_to_ir refuses it elsewhere. */
static void output_ref(lower_ctx *lc, pending_ref *pr)
{
    const tref *r = &pr->ref;
    instance *owner = inst_in_env(lc->es, r->owner);
    pr->ir->kind = IR_NULL;
    if (!owner) {
        diag_error(lc->es->d, pr->loc, "'%s' does not exist in environment %s", r->owner->path, lc->es->env);
        return;
    }
    if (owner->r.target != TARGET_TERRAFORM) {
        diag_error(lc->es->d, pr->loc, "'%s.%s' is a Terraform output, and %s '%s' is in stack '%s' (%s)",
                   r->owner->path, r->output, owner->k->name, r->owner->path, owner->r.stack,
                   target_table[owner->r.target].name);
        return;
    }
    if (!lower_dependency(lc, owner, pr->loc, false))
        return;
    for (size_t i = 0; i < owner->r.blocks.len; i++) {
        const ir_block *b = owner->r.blocks.items[i];
        const ir_entry *e = b->kind == IRB_OUTPUT ? ir_block_get(b, "value") : NULL;
        if (e && e->value && strcmp(owner->locals.items[i], r->output) == 0) {
            *pr->ir = *e->value;
            pr->ir->loc = pr->loc;
            return;
        }
    }
    diag_error(lc->es->d, pr->loc, "%s '%s' has no output '%s' in environment %s", owner->k->name, r->owner->path,
               r->output, lc->es->env);
}

static void resolve_ref(lower_ctx *lc, pending_ref *pr)
{
    tref *r = &pr->ref;
    const ir_block *b = NULL;
    if (r->output) {
        output_ref(lc, pr);
        return;
    }
    if (r->type && strcmp(r->type, "local") == 0 && r->local && lc->target == TARGET_TERRAFORM && !r->is_data) {
        b = locals_block(lc, r->local);
        if (!b)
            diag_error(lc->es->d, pr->loc, "no locals block sets '%s'", r->local);
        pr->ir->ref_block = b;
        pr->ir->ref_path = r->path ? arena_printf(lc->es->a, "%s.%s", r->local, r->path) : r->local;
        if (!b)
            pr->ir->kind = IR_NULL;
        return;
    }
    instance *owner = r->owner ? inst_in_env(lc->es, r->owner) : NULL;
    if (!r->raw && (r->primary || (r->owner && owner != lc->in))) {  /* another resource's: its primary block, or one it names */
        if (!owner) {
            diag_error(lc->es->d, pr->loc, "'%s' does not exist in environment %s", r->owner->path, lc->es->env);
            pr->ir->kind = IR_NULL;
            return;
        }
        if (r->primary)
            b = primary_block(lc, owner, pr->loc);
        else if (lower_dependency(lc, owner, pr->loc, false) &&
                 !(b = local_block(owner, r, lc->target, owner->r.blocks.len)))
            diag_error(lc->es->d, pr->loc, "%s '%s' makes no block %s%s%s%s", owner->k->name, r->owner->path,
                       r->is_data ? "data." : "", r->type ? r->type : "", r->type ? "." : "", r->local);
        if (b && r->owner->target != lc->target)
            diag_error(lc->es->d, pr->loc, "'%s' is in another stack's target; refer to it by name instead",
                       r->owner->path);
    } else if (r->local) {
        b = block_named(lc, r, pr->loc, pr->made);
        if (!b && r->raw && r->raw_target != lc->target) {
            diag_error(lc->es->d, pr->loc, "a %s lowering cannot refer to a raw %s block", target_table[lc->target].name,
                       target_table[r->raw_target].name);
        } else if (!b) {
            const char *addr = arena_printf(lc->es->scratch, "%s%s%s%s", r->is_data ? "data." : "",
                                            r->type ? r->type : "", r->type ? "." : "", r->local);
            const char *where = lc->in->raw ? arena_printf(lc->es->scratch, "raw %s block", target_table[lc->target].name)
                              : arena_printf(lc->es->scratch, "%s lowering of %s", target_table[lc->target].name,
                                             lc->in->k->name);
            diag_error(lc->es->d, pr->loc, "unresolved reference '%s' in the %s%s", addr, where, near_address(lc, addr));
        }
    } else {
        diag_error(lc->es->d, pr->loc, "unresolved reference '%s'", r->type ? r->type : "data");
    }
    pr->ir->ref_block = b;
    pr->ir->ref_path = keep(lc, r->path);
    pr->ir->sensitive = b && sensitive_attr(lc, b, r->path);
    if (!b)
        pr->ir->kind = IR_NULL;
}

/* ---- @moved_from and @adopt ---- */

static const ir_block *first_resource(const instance *in)
{
    for (size_t i = 0; i < in->r.blocks.len; i++) {
        const ir_block *b = in->r.blocks.items[i];
        if (b->kind == IRB_RESOURCE)
            return b;
    }
    return NULL;
}


/* A Terraform meta-block of the resource (moved, import), from an annotation. */
static ir_block *meta_block(lower_ctx *lc, ir_block_kind bkind, const char *word, const ast_annot *an)
{
    const char *local = unnamed_local(lc, word);
    ir_block *b = ir_block_new(lc->es->a, bkind, word, block_name(lc, local, false), an->loc);
    b->origin = &lc->in->r;
    b->source = an->loc.file ? an->loc.file->path : NULL;
    add_block(lc, b, local);
    return b;
}

static ir_value *ref_to(lower_ctx *lc, const ir_block *target, src_loc loc)
{
    ir_value *v = arena_alloc(lc->es->a, sizeof *v);
    v->kind = IR_REF;
    v->loc = loc;
    v->ref_block = target;
    return v;
}

/* @moved_from("old"): the resource was called old. Each of its resources
 * and module calls had the name the same lowering gives under the old
 * label; a moved block per block says so, and Terraform moves the state
 * instead of destroying and creating. */
static void moved_from(lower_ctx *lc, const ast_annot *an)
{
    env_state *es = lc->es;
    const char *old = an->args.len == 1 ? ast_word(an->args.items[0]) : NULL;
    if (!old || !*old) {
        diag_error(es->d, an->loc, "@moved_from takes the resource's old name: @moved_from(\"old-name\")");
        return;
    }
    const resource *parent = lc->in->r.parent;
    const char *old_ident = inst_ident(es->a, parent ? arena_printf(es->a, "%s.%s", parent->path, old) : old);
    size_t n = lc->in->r.blocks.len;
    for (size_t i = 0; i < n; i++) {
        const ir_block *b = lc->in->r.blocks.items[i];
        if ((uintptr_t)lc->in->targets.items[i] != TARGET_TERRAFORM || (b->kind != IRB_RESOURCE && b->kind != IRB_MODULE))
            continue;
        const char *was = ident_name(lc, old_ident, lc->in->locals.items[i]);
        if (strcmp(was, b->name) == 0)
            continue;
        ir_block *mv = meta_block(lc, IRB_MOVED, "moved", an);
        strbuf from;
        sb_init(&from, es->a);
        if (b->kind == IRB_MODULE)
            sb_printf(&from, "module.%s", was);
        else
            sb_printf(&from, "%s.%s", b->type, was);
        ir_block_attr(es->a, mv, "from", ir_raw(es->a, from.data, an->loc));
        ir_block_attr(es->a, mv, "to", ref_to(lc, b, an->loc));
    }
}

/* @adopt("id"): the resource exists already (made by hand, or by another
 * tool); an import block adopts it into the state under its primary block,
 * with this environment's id. */
static void adopt(lower_ctx *lc, const ast_annot *an, scope *sc)
{
    env_state *es = lc->es;
    const ir_block *primary = first_resource(lc->in);
    if (an->args.len != 1) {
        diag_error(es->d, an->loc, "@adopt takes the existing resource's id: @adopt(\"/subscriptions/…\")");
        return;
    }
    if (!primary) {
        diag_error(es->d, an->loc, "@adopt: this resource has no Terraform resource to adopt into");
        return;
    }
    eval_ctx cx = lower_eval_ctx(lc, sc, -1);
    value *id = eval_expr(&cx, an->args.items[0]);
    if (id->kind != V_STRING) {
        diag_error(es->d, ((const ast_expr *)an->args.items[0])->loc, "@adopt takes the existing resource's id, a string");
        return;
    }
    ir_block *im = meta_block(lc, IRB_IMPORT, "import", an);
    ir_block_attr(es->a, im, "to", ref_to(lc, primary, an->loc));
    ir_block_attr(es->a, im, "id", ir_string(es->a, keep(lc, id->text), an->loc));
}

/* The resource's own annotations that become Terraform blocks. */
static void annotation_blocks(lower_ctx *lc)
{
    const ebody *body = lc->in->body;
    for (size_t i = 0; body && i < body->annots.len; i++) {
        const eannot *ea = body->annots.items[i];
        bool mv = strcmp(ea->an->name, "moved_from") == 0, ad = strcmp(ea->an->name, "adopt") == 0;
        if (!mv && !ad)
            continue;
        if (ea->attr || lc->in->raw || lc->target != TARGET_TERRAFORM) {
            diag_error(lc->es->d, ea->an->loc, "@%s stands on a resource of a Terraform stack (in its body, on a "
                       "line of its own)", ea->an->name);
            continue;
        }
        if (mv)
            moved_from(lc, ea->an);
        else
            adopt(lc, ea->an, lc->in->sc);
    }
}

/* ---- instances ---- */

static scope *self_scope(env_state *es, instance *in)
{
    value *self = val_new(es->scratch, V_RESOURCE, in->decl->loc);
    self->res = &in->r;
    return scope_bind(es->scratch, in->sc, "self", self);
}

/* An earlier environment's instance whose lowering in can take: one that
 * did not look at the environment, of the same body. */
static const instance *lowered_like(lower_ctx *lc, const instance *in)
{
    env_state *es = lc->es;
    for (int e = 0; es->all && e < es->index; e++) {
        if (es->all[e]->local != es->local)
            continue;   /* a local environment lowers to other targets */
        const instance *t = in->twin && in->twin->es == es->all[e] ? in->twin : inst_in_env(es->all[e], &in->r);
        if (t && t->lowered == 2 && !t->lowering_varies && (t == in->twin || inst_same_body(in, t)))
            return t;
    }
    return NULL;
}

/* Can in take src's blocks? What they refer to is lowered first (as when
 * they were lowered) and must have the same primary blocks here: a
 * reference names a block by its type and name. */
static bool can_adopt(lower_ctx *lc, const instance *src)
{
    if (!src)
        return false;
    bool same = true;
    for (size_t i = 0; i < src->deps.len; i++) {
        const instance *was = src->deps.items[i];
        instance *dep = inst_in_env(lc->es, &was->r);
        if (!dep)
            return false;
        lower_instance(lc, dep);
        const ir_block *x = first_resource(was), *y = first_resource(dep);
        same &= x == y || (x && y && strcmp(x->type, y->type) == 0 && strcmp(x->name, y->name) == 0);
    }
    return same;
}

/* src's blocks (an earlier environment's), in this environment's stacks
 * (not what was lowered once for every environment: workflows). */
static void adopt_blocks(lower_ctx *lc, instance *in, const instance *src)
{
    arena *a = lc->es->a;
    for (size_t i = 0; i < src->r.blocks.len; i++) {
        if (!target_table[(uintptr_t)src->targets.items[i]].per_env)
            continue;
        vec_push(a, &in->r.blocks, src->r.blocks.items[i]);
        vec_push(a, &in->locals, src->locals.items[i]);
        vec_push(a, &in->targets, src->targets.items[i]);
    }
    in->deps = src->deps;
    publish(lc);
}

/* In a local environment, only the local stand-ins (compose) are lowered. */
static void lower_local(lower_ctx *lc, instance *in, scope *sc)
{
    for (int t = 0; t < TARGET_COUNT; t++) {
        if (!target_table[t].local || !in->k->lower[t])
            continue;
        lower_ctx kc = *lc;
        kc.target = (ir_target)t;
        kc.pending = (ptrvec){0};
        lower_kind(&kc, in->k->lower[t], sc);
        for (size_t i = 0; i < kc.pending.len; i++)
            resolve_ref(&kc, kc.pending.items[i]);
    }
}

/* In a deployed environment: the lowering for its stack's target, with the
 * blocks its annotations and scope add, then the targets every resource may
 * add to (Kubernetes objects). */
static void lower_deployed(lower_ctx *lc, instance *in, scope *sc)
{
    env_state *es = lc->es;
    const ast_item *iac = in->k->lower[in->r.target];
    bool any_iac = false;
    for (int t = 0; t < TARGET_COUNT; t++)
        any_iac |= target_table[t].iac && in->k->lower[t];
    if (iac)
        lower_kind(lc, iac, sc);
    else if (any_iac)
        diag_error(es->d, in->decl->loc, "kind %s has no %s lowering, so it cannot be in stack '%s'",
                   in->k->name, target_table[in->r.target].name, in->r.stack);
    for (size_t i = 0; i < lc->pending.len; i++)
        resolve_ref(lc, lc->pending.items[i]);
    if (iac)
        annotation_blocks(lc);
    for (size_t i = 0; i < in->r.blocks.len; i++) {
        ir_block *b = in->r.blocks.items[i];
        if ((uintptr_t)in->targets.items[i] != TARGET_BICEP || (b->kind != IRB_RESOURCE && b->kind != IRB_DATA))
            continue;
        const lower_part *pt = NULL;
        for (size_t j = 0; j < lc->parts.len && i < lc->parts_end; j++)
            if (((const lower_part *)lc->parts.items[j])->start <= i)
                pt = lc->parts.items[j];
        ir_value *where = pt && pt->scope ? pt->scope : lc->deploy_scope;
        if (where)
            ir_block_attr(es->a, b, IR_DEPLOY_SCOPE, where);
        if (pt)
            ir_block_attr(es->a, b, IR_DEPLOY_PART, ir_string(es->a, pt->name, b->loc));
        if (pt && pt->scope)
            ir_block_attr(es->a, b, IR_DEPLOY_AWAY, ir_bool(es->a, true, b->loc));
    }
    for (int t = 0; t < TARGET_COUNT; t++) {    /* the targets every resource may add to */
        if (target_table[t].iac || !target_table[t].per_env || target_table[t].local || !in->k->lower[t])
            continue;
        lower_ctx kc = *lc;
        kc.target = (ir_target)t;
        kc.pending = (ptrvec){0};
        lower_kind(&kc, in->k->lower[t], sc);
    }
}

static void lower_instance(lower_ctx *from, instance *in)
{
    if (in->lowered)
        return;
    in->lowered = 1;
    env_state *es = from->es;
    lower_ctx lc = {.es = es, .secrets = from->secrets, .in = in, .out = from->out, .target = in->r.target};
    const instance *src = lowered_like(&lc, in);
    if (can_adopt(&lc, src)) {
        adopt_blocks(&lc, in, src);
        in->lowered = 2;
        for (size_t i = 0; i < in->children.len; i++)
            lower_instance(&lc, in->children.items[i]);
        return;
    }
    inst_watch(es, &in->lowering_varies);
    arena_mark scratch = arena_get_mark(es->scratch);  /* given back once its blocks are made */
    lc.depths = new_depths(es);
    scope *sc = self_scope(es, in);
    if (es->local)
        lower_local(&lc, in, sc);
    else
        lower_deployed(&lc, in, sc);
    inst_unwatch(es);
    arena_release(es->scratch, scratch);
    publish(&lc);
    in->lowered = 2;
    for (size_t i = 0; i < in->children.len; i++)
        lower_instance(&lc, in->children.items[i]);
}

void lower_env(env_state *es, lower_secrets *secrets, lower_out *out)
{
    lower_ctx top = {.es = es, .secrets = secrets, .out = out};
    /* Stacks appear in declaration order: the default stack first. */
    for (size_t i = 0; i < es->instances.len; i++)
        lower_instance(&top, es->instances.items[i]);
    lower_providers(&top);
}

void lower_once(env_state *es, lower_secrets *secrets, lower_out *out)
{
    for (size_t i = 0; i < es->instances.len; i++) {
        instance *in = es->instances.items[i];
        for (int t = 0; t < TARGET_COUNT; t++) {
            const ast_item *once = target_table[t].per_env ? NULL : in->k->lower[t];
            if (!once)
                continue;
            lower_ctx lc = {.es = es, .secrets = secrets, .in = in, .out = out, .target = (ir_target)t, .once = true};
            size_t before = in->r.blocks.len;
            arena_mark scratch = arena_get_mark(es->scratch);
            lc.depths = new_depths(es);
            lower_kind(&lc, once, self_scope(es, in));
            arena_release(es->scratch, scratch);
            for (size_t j = before; j < in->r.blocks.len; j++)
                vec_push(es->a, &stack_for(&lc, stack_name_of(&lc), lc.target)->blocks, in->r.blocks.items[j]);
        }
    }
}
