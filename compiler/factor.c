/* factor.c — merging the per-environment IR into one tree with
 * parameters; see factor.h. A name that differs only by the environment
 * comes out as "kv-mindwell-${var.environment}-euw", as a person would
 * write it. */
#include "factor.h"

#include <string.h>

typedef struct factor_ctx {
    const program *p;
    arena *a;
    size_t nenvs;
    const char **envs;
    ir_stack *stack;        /* the merged stack being built */
    strmap param_names;     /* names taken in that stack */
    strmap all_blocks;      /* global_key -> merged block, every stack */
    const strmap *stacks;   /* per environment: stack_key -> that environment's stack */
} factor_ctx;

static const char *param_name(factor_ctx *fc, const char *path)
{
    /* snake_case, splitting camelCase words: retentionInDays -> retention_in_days */
    strbuf sb;
    sb_init(&sb, fc->a);
    for (const char *c = path; *c; c++) {
        if (*c >= 'A' && *c <= 'Z') {
            if (sb.len && sb.data[sb.len - 1] != '_')
                sb_putc(&sb, '_');
            sb_putc(&sb, (char)(*c - 'A' + 'a'));
        } else if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')) {
            sb_putc(&sb, *c);
        } else if (sb.len && sb.data[sb.len - 1] != '_') {
            sb_putc(&sb, '_');
        }
    }
    const char *base = sb.data, *name = base;
    for (int n = 2;; n++) {
        if (strcmp(name, "environment") != 0 && !strmap_has(&fc->param_names, name)) {
            strmap_put(&fc->param_names, name, NULL);   /* new_param fills it in */
            return name;
        }
        name = arena_printf(fc->a, "%s_%d", base, n);
    }
}

static ir_type infer_type(ir_value **vals, size_t n)
{
    int seen = -1;
    for (size_t i = 0; i < n; i++) {
        const ir_value *v = vals[i];
        if (!v || v->kind == IR_NULL)
            continue;
        int t;
        if (v->kind == IR_STRING) t = IRT_STRING;
        else if (v->kind == IR_NUMBER) t = IRT_NUMBER;
        else if (v->kind == IR_BOOL) t = IRT_BOOL;
        else if (v->kind == IR_LIST) {
            ir_value **items = (ir_value **)v->items.items;
            ir_type it = infer_type(items, v->items.len);
            t = it == IRT_STRING ? IRT_LIST_STRING : it == IRT_NUMBER ? IRT_LIST_NUMBER : IRT_ANY;
        } else if (v->kind == IR_OBJECT) {
            t = infer_type((ir_value **)v->items.items, v->items.len) == IRT_STRING ? IRT_MAP_STRING : IRT_ANY;
        } else t = IRT_ANY;
        if (seen >= 0 && seen != t)
            return IRT_ANY;
        seen = t;
    }
    return seen < 0 ? IRT_STRING : (ir_type)seen;
}

static ir_param *new_param(factor_ctx *fc, const char *path, ir_value **vals, src_loc loc)
{
    ir_param *pm = arena_alloc(fc->a, sizeof *pm);
    pm->name = param_name(fc, path);
    pm->values = arena_alloc(fc->a, fc->nenvs * sizeof *pm->values);
    ir_value *fallback = NULL;
    for (size_t i = 0; i < fc->nenvs && !fallback; i++)
        fallback = vals[i];
    for (size_t i = 0; i < fc->nenvs; i++)
        pm->values[i] = vals[i] ? vals[i] : fallback;   /* absent envs never read it */
    pm->type = infer_type(pm->values, fc->nenvs);
    pm->loc = loc;
    pm->doc = arena_printf(fc->a, "Per-environment value of %s.", path);
    strmap_put(&fc->param_names, pm->name, pm);
    vec_push(fc->a, &fc->stack->params, pm);
    return pm;
}

static ir_value *param_ref(factor_ctx *fc, ir_param *pm, src_loc loc)
{
    ir_value *v = arena_alloc(fc->a, sizeof *v);
    v->kind = IR_PARAM;
    v->param = pm;
    v->loc = loc;
    return v;
}

/* One resource lowers to several blocks that exist together: they share
 * the resource's presence parameter instead of getting one each. */
static ir_param *same_presence(factor_ctx *fc, const char *name, const bool *present)
{
    ir_param *pm = strmap_get(&fc->param_names, name);
    bool same = pm && pm->type == IRT_BOOL;
    for (size_t e = 0; same && e < fc->nenvs; e++)
        same = pm->values[e]->boolean == present[e];
    return same ? pm : NULL;
}

static ir_param *presence_param(factor_ctx *fc, const char *path, const bool *present, src_loc loc)
{
    ir_param *shared = same_presence(fc, arena_printf(fc->a, "%s_enabled", path), present);
    if (shared)
        return shared;
    ir_value **vals = arena_alloc(fc->a, fc->nenvs * sizeof *vals);
    for (size_t i = 0; i < fc->nenvs; i++)
        vals[i] = ir_bool(fc->a, present[i], loc);
    ir_param *pm = new_param(fc, arena_printf(fc->a, "%s_enabled", path), vals, loc);
    pm->doc = arena_printf(fc->a, "Whether %s exists in this environment.", path);
    return pm;
}

/* "kv-mindwell-dev-euw" in dev, "kv-mindwell-prod-euw" in prod, …: the same
 * template with the environment's name. Returns the interpolation, or NULL. */
static ir_value *env_template(factor_ctx *fc, ir_value **vals, const bool *present)
{
    const char *shape = NULL;
    for (size_t i = 0; i < fc->nenvs; i++) {
        if (!present[i])
            continue;
        if (!vals[i] || vals[i]->kind != IR_STRING)
            return NULL;
        strbuf sb;
        sb_init(&sb, fc->a);
        const char *s = vals[i]->text, *env = fc->envs[i];
        size_t elen = strlen(env);
        for (const char *hit; (hit = strstr(s, env)); s = hit + elen) {
            sb_putn(&sb, s, (size_t)(hit - s));
            sb_putc(&sb, '\x01');
        }
        sb_puts(&sb, s);
        if (!strchr(sb.data, '\x01') || (shape && strcmp(shape, sb.data) != 0))
            return NULL;
        shape = sb.data;
    }
    if (!shape)
        return NULL;
    src_loc loc = {0};
    for (size_t i = 0; i < fc->nenvs; i++)
        if (present[i]) {
            loc = vals[i]->loc;
            break;
        }
    if (strcmp(shape, "\x01") == 0)
        return param_ref(fc, fc->stack->env_param, loc);
    ir_value *interp = arena_alloc(fc->a, sizeof *interp);
    interp->kind = IR_INTERP;
    interp->loc = loc;
    for (const char *s = shape; *s;) {
        const char *mark = strchr(s, '\x01');
        size_t n = mark ? (size_t)(mark - s) : strlen(s);
        if (n)
            vec_push(fc->a, &interp->items, ir_string(fc->a, arena_strndup(fc->a, s, n), loc));
        if (!mark)
            break;
        vec_push(fc->a, &interp->items, param_ref(fc, fc->stack->env_param, loc));
        s = mark + 1;
    }
    return interp;
}

static bool same_keys(ir_value **vals, const bool *present, size_t n)
{
    const ir_value *first = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!present[i])
            continue;
        if (!vals[i] || vals[i]->kind != IR_OBJECT)
            return false;
        if (!first) {
            first = vals[i];
            continue;
        }
        if (vals[i]->keys.len != first->keys.len)
            return false;
        for (size_t k = 0; k < first->keys.len; k++)
            if (strcmp(vals[i]->keys.items[k], first->keys.items[k]) != 0)
                return false;
    }
    return first != NULL;
}


static bool printable_as_param(const ir_value *v)
{
    if (!v)
        return true;
    if (v->kind == IR_REF || v->kind == IR_RAW || v->kind == IR_INTERP || v->kind == IR_PARAM || v->kind == IR_JSON)
        return false;
    for (size_t i = 0; i < v->items.len; i++)
        if (!printable_as_param(v->items.items[i]))
            return false;
    return true;
}

static ir_value *merge_values(factor_ctx *fc, ir_value **vals, const bool *present, const char *path);

/* jsonencode(...) of values that differ, and same-length lists holding
 * references or objects, are merged element by element: a parameter cannot
 * carry a reference, and one differing field of a container list should not
 * make the whole list a parameter. Lists of plain values stay whole. */
static ir_value *merge_inside(factor_ctx *fc, ir_value **vals, const bool *present, const char *path)
{
    ir_value *first = NULL;
    bool walk = false;      /* lists: only those holding references or objects */
    for (size_t i = 0; i < fc->nenvs; i++) {
        if (!present[i])
            continue;
        if (!first)
            first = vals[i];
        if (vals[i]->kind != first->kind || (first->kind != IR_JSON && first->kind != IR_LIST) ||
            vals[i]->items.len != first->items.len)
            return NULL;
        walk |= !printable_as_param(vals[i]);
        for (size_t k = 0; k < vals[i]->items.len; k++)
            walk |= ((ir_value *)vals[i]->items.items[k])->kind == IR_OBJECT;
    }
    if (!first || (first->kind == IR_LIST && !walk))
        return NULL;
    ir_value *out = arena_alloc(fc->a, sizeof *out);
    out->kind = first->kind;
    out->loc = first->loc;
    ir_value **sub = arena_alloc(fc->a, fc->nenvs * sizeof *sub);
    for (size_t k = 0; k < first->items.len; k++) {
        for (size_t i = 0; i < fc->nenvs; i++)
            sub[i] = present[i] ? vals[i]->items.items[k] : NULL;
        const char *subpath = first->kind == IR_JSON ? path : arena_printf(fc->a, "%s_%zu", path, k);
        vec_push(fc->a, &out->items, merge_values(fc, sub, present, subpath));
    }
    return out;
}

/* ---- the environment's name (envname.h) ---- */

static bool ir_mentions_env(const ir_value *v)
{
    if (!v)
        return false;
    if ((v->kind == IR_STRING || v->kind == IR_RAW) && env_marked(v->text))
        return true;
    for (size_t i = 0; i < v->items.len; i++)
        if (ir_mentions_env(v->items.items[i]))
            return true;
    return false;
}

ir_value *factor_concrete(arena *a, ir_value *v, const char *env)
{
    if (!ir_mentions_env(v))
        return v;
    ir_value *c = arena_alloc(a, sizeof *c);
    *c = *v;
    if (v->kind == IR_STRING || v->kind == IR_RAW)
        c->text = env_subst(a, v->text, env);
    c->items = (ptrvec){0};
    for (size_t i = 0; i < v->items.len; i++)
        vec_push(a, &c->items, factor_concrete(a, v->items.items[i], env));
    return c;
}

static void concrete_block(arena *a, ir_block *b, const char *env)
{
    for (size_t i = 0; i < b->entries.len; i++) {
        ir_entry *e = b->entries.items[i];
        if (e->block)
            concrete_block(a, e->block, env);
        else
            e->value = factor_concrete(a, e->value, env);
    }
}

void factor_concrete_stacks(arena *a, const lower_out *lo, const char *env)
{
    for (size_t i = 0; i < lo->stacks.len; i++) {
        const ir_stack *s = lo->stacks.items[i];
        for (size_t j = 0; j < s->blocks.len; j++)
            concrete_block(a, s->blocks.items[j], env);
    }
}

static bool block_mentions_env(const ir_block *b)
{
    if (env_marked(b->name) || env_marked(b->type))
        return true;
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        if (e->block ? block_mentions_env(e->block) : ir_mentions_env(e->value))
            return true;
    }
    return false;
}

bool factor_mentions_env(const ir_program *ip)
{
    for (size_t i = 0; i < ip->stacks.len; i++) {
        const ir_stack *s = ip->stacks.items[i];
        for (size_t j = 0; j < s->blocks.len; j++)
            if (block_mentions_env(s->blocks.items[j]))
                return true;
        for (size_t j = 0; j < s->params.len; j++) {
            const ir_param *pm = s->params.items[j];
            for (size_t e = 0; pm->values && e < ip->nenvs; e++)
                if (ir_mentions_env(pm->values[e]))
                    return true;
        }
    }
    return false;
}

static ir_value *merge_values(factor_ctx *fc, ir_value **vals, const bool *present, const char *path)
{
    /* Values that carry the environment's name are compared and merged as
     * each environment has them: the same text in every environment then
     * differs by the name, and comes out as an interpolation of the
     * `environment` parameter (env_template), or as it is where only one
     * environment has it. */
    bool marked = false;
    for (size_t i = 0; i < fc->nenvs && !marked; i++)
        marked = present[i] && ir_mentions_env(vals[i]);
    if (marked) {
        ir_value **own = arena_alloc(fc->a, fc->nenvs * sizeof *own);
        for (size_t i = 0; i < fc->nenvs; i++)
            own[i] = present[i] ? factor_concrete(fc->a, vals[i], fc->envs[i]) : vals[i];
        vals = own;
    }
    ir_value *first = NULL;
    bool equal = true;
    for (size_t i = 0; i < fc->nenvs; i++) {
        if (!present[i])
            continue;
        if (!first)
            first = vals[i];
        else if (!ir_value_equal(first, vals[i]))
            equal = false;
    }
    if (equal)
        return first;
    if (same_keys(vals, present, fc->nenvs)) {
        ir_value *obj = ir_object(fc->a, first->loc);
        ir_value **sub = arena_alloc(fc->a, fc->nenvs * sizeof *sub);
        for (size_t k = 0; k < first->keys.len; k++) {
            for (size_t i = 0; i < fc->nenvs; i++)
                sub[i] = present[i] ? vals[i]->items.items[k] : NULL;
            const char *key = first->keys.items[k];
            ir_object_set(fc->a, obj, key, merge_values(fc, sub, present, arena_printf(fc->a, "%s_%s", path, key)));
        }
        return obj;
    }
    ir_value *inner = merge_inside(fc, vals, present, path);
    if (inner)
        return inner;
    ir_value *tmpl = env_template(fc, vals, present);
    if (tmpl)
        return tmpl;
    for (size_t i = 0; i < fc->nenvs; i++) {
        if (present[i] && !printable_as_param(vals[i])) {
            diag_error(fc->p->d, vals[i]->loc,
                       "a value that refers to other resources differs between environments (%s); "
                       "make the difference a plain value", path);
            return first;
        }
    }
    ir_value **pv = arena_alloc(fc->a, fc->nenvs * sizeof *pv);
    for (size_t i = 0; i < fc->nenvs; i++)
        pv[i] = present[i] ? vals[i] : NULL;
    return param_ref(fc, new_param(fc, path, pv, first->loc), first->loc);
}

static ir_block *merge_blocks(factor_ctx *fc, ir_block **blocks, const char *path);

/* The n-th entry with this key in b, or NULL. */
static ir_entry *nth_entry(const ir_block *b, const char *key, int n)
{
    if (!b)
        return NULL;
    for (size_t i = 0; i < b->entries.len; i++) {
        ir_entry *e = b->entries.items[i];
        if (strcmp(e->key, key) == 0 && n-- == 0)
            return e;
    }
    return NULL;
}

static int occurrence(const ir_block *b, size_t upto, const char *key)
{
    int n = 0;
    for (size_t i = 0; i < upto; i++)
        n += strcmp(((ir_entry *)b->entries.items[i])->key, key) == 0;
    return n;
}

static bool entry_seen(const ir_block *merged, const char *key, int occ)
{
    return nth_entry(merged, key, occ) != NULL;
}

static void merge_entry(factor_ctx *fc, ir_block *out, ir_block **blocks, const char *key, int occ, const char *path)
{
    ir_entry **es = arena_alloc(fc->a, fc->nenvs * sizeof *es);
    bool *present = arena_alloc(fc->a, fc->nenvs * sizeof *present);
    bool everywhere = true;
    ir_entry *first = NULL;
    for (size_t i = 0; i < fc->nenvs; i++) {
        es[i] = nth_entry(blocks[i], key, occ);
        present[i] = es[i] != NULL;
        if (blocks[i] && !es[i])
            everywhere = false;
        if (es[i] && !first)
            first = es[i];
    }
    const char *sub = occ ? arena_printf(fc->a, "%s_%s_%d", path, key, occ) : arena_printf(fc->a, "%s_%s", path, key);
    ir_entry *e = arena_alloc(fc->a, sizeof *e);
    e->key = key;
    if (first->block) {
        ir_block **bs = arena_alloc(fc->a, fc->nenvs * sizeof *bs);
        for (size_t i = 0; i < fc->nenvs; i++)
            bs[i] = es[i] ? es[i]->block : NULL;
        e->block = merge_blocks(fc, bs, sub);
    } else {
        ir_value **vals = arena_alloc(fc->a, fc->nenvs * sizeof *vals);
        for (size_t i = 0; i < fc->nenvs; i++)
            vals[i] = es[i] ? es[i]->value : NULL;
        e->value = merge_values(fc, vals, present, sub);
    }
    if (!everywhere) {
        bool *where = arena_alloc(fc->a, fc->nenvs * sizeof *where);
        for (size_t i = 0; i < fc->nenvs; i++)
            where[i] = present[i];
        e->cond = presence_param(fc, sub, where, first->block ? first->block->loc : first->value->loc);
    }
    vec_push(fc->a, &out->entries, e);
}

static ir_block *merge_blocks(factor_ctx *fc, ir_block **blocks, const char *path)
{
    ir_block *first = NULL;
    for (size_t i = 0; i < fc->nenvs && !first; i++)
        first = blocks[i];
    ir_block *out = arena_alloc(fc->a, sizeof *out);
    *out = *first;
    memset(&out->entries, 0, sizeof out->entries);
    for (size_t i = 0; i < fc->nenvs; i++) {
        const ir_block *b = blocks[i];
        for (size_t j = 0; b && j < b->entries.len; j++) {
            const char *key = ((ir_entry *)b->entries.items[j])->key;
            int occ = occurrence(b, j, key);
            if (!entry_seen(out, key, occ))
                merge_entry(fc, out, blocks, key, occ, path);
        }
    }
    return out;
}

/* ---- stacks ---- */

/* Stacks are matched across environments by target and name. A platform
 * has a Kustomize stack per service, so this is a map, not a scan. */
static const char *stack_key(arena *a, const ir_stack *s)
{
    return arena_printf(a, "%d|%s", (int)s->target, s->name);
}

/* Blocks are matched across environments by kind, type and name. */
static const char *block_key(arena *a, const ir_block *b)
{
    return arena_printf(a, "%d|%s|%s", (int)b->kind, b->type, b->name);
}

/* The same, program-wide: a reference may point into another stack. */
static const char *global_key(arena *a, const ir_block *b)
{
    const resource *r = b->origin;
    return arena_printf(a, "%s|%d|%s", r ? r->stack : "", r ? (int)r->target : -1, block_key(a, b));
}

static strmap index_blocks(arena *a, const ir_stack *s)
{
    strmap m;
    strmap_init(&m, a);
    for (size_t i = 0; s && i < s->blocks.len; i++)
        strmap_put(&m, block_key(a, s->blocks.items[i]), s->blocks.items[i]);
    return m;
}

static void fix_refs_value(arena *a, strmap *merged, ir_value *v)
{
    if (!v)
        return;
    if (v->kind == IR_REF && v->ref_block) {
        ir_block *m = strmap_get(merged, global_key(a, v->ref_block));
        if (m)
            v->ref_block = m;
    }
    for (size_t i = 0; i < v->items.len; i++)
        fix_refs_value(a, merged, v->items.items[i]);
}

static void fix_refs_block(arena *a, strmap *merged, ir_block *b)
{
    if (b->parent)
        b->parent = strmap_get(merged, global_key(a, b->parent));
    for (size_t i = 0; i < b->entries.len; i++) {
        ir_entry *e = b->entries.items[i];
        if (e->block)
            fix_refs_block(a, merged, e->block);
        else
            fix_refs_value(a, merged, e->value);
    }
}

static ir_param *env_param(factor_ctx *fc)
{
    ir_param *pm = arena_alloc(fc->a, sizeof *pm);
    pm->name = "environment";
    pm->type = IRT_STRING;
    pm->is_environment = true;
    pm->doc = "Deployment environment name.";
    pm->values = arena_alloc(fc->a, fc->nenvs * sizeof *pm->values);
    for (size_t i = 0; i < fc->nenvs; i++)
        pm->values[i] = ir_string(fc->a, fc->envs[i], (src_loc){0});
    return pm;
}

static void collect_secrets(factor_ctx *fc, const ir_value *v)
{
    if (!v)
        return;
    if (v->kind == IR_PARAM && v->param->sensitive) {
        for (size_t i = 0; i < fc->stack->params.len; i++)
            if (fc->stack->params.items[i] == v->param)
                return;
        vec_push(fc->a, &fc->stack->params, v->param);
    }
    for (size_t i = 0; i < v->items.len; i++)
        collect_secrets(fc, v->items.items[i]);
}

static void collect_secrets_block(factor_ctx *fc, const ir_block *b)
{
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        if (e->block)
            collect_secrets_block(fc, e->block);
        else
            collect_secrets(fc, e->value);
    }
}

static void factor_stack(factor_ctx *fc, ir_stack *out)
{
    ir_stack **envs = arena_alloc(fc->a, fc->nenvs * sizeof *envs);
    strmap *index = arena_alloc(fc->a, fc->nenvs * sizeof *index);
    for (size_t i = 0; i < fc->nenvs; i++) {
        envs[i] = strmap_get(&fc->stacks[i], stack_key(fc->a, out));
        index[i] = index_blocks(fc->a, envs[i]);
    }
    strmap merged;
    strmap_init(&merged, fc->a);
    ir_block **bs = arena_alloc(fc->a, fc->nenvs * sizeof *bs);
    bool *present = arena_alloc(fc->a, fc->nenvs * sizeof *present);
    for (size_t e = 0; e < fc->nenvs; e++) {
        for (size_t j = 0; envs[e] && j < envs[e]->blocks.len; j++) {
            ir_block *like = envs[e]->blocks.items[j];
            const char *key = block_key(fc->a, like);
            if (strmap_get(&merged, key))
                continue;
            bool everywhere = true;
            for (size_t i = 0; i < fc->nenvs; i++) {
                bs[i] = strmap_get(&index[i], key);
                present[i] = bs[i] != NULL;
                everywhere &= present[i];
            }
            ir_block *m = merge_blocks(fc, bs, like->name);
            if (!everywhere)
                m->cond = presence_param(fc, like->name, present, like->loc);
            vec_push(fc->a, &out->blocks, m);
            strmap_put(&merged, key, m);
        }
    }
    for (size_t i = 0; i < out->blocks.len; i++) {
        ir_block *b = out->blocks.items[i];
        strmap_put(&fc->all_blocks, global_key(fc->a, b), b);
        collect_secrets_block(fc, b);
    }
}

ir_program *env_factor(const program *p, arena *a, const lower_out *per_env, size_t nenvs,
                       const lower_out *workflows)
{
    ir_program *ip = arena_alloc(a, sizeof *ip);
    ip->project = p->project_name;
    ip->nenvs = nenvs;
    ip->envs = (const char **)p->envs.items;
    ip->source_desc = p->source_desc;
    factor_ctx fc = {.p = p, .a = a, .nenvs = nenvs, .envs = ip->envs};
    strmap_init(&fc.all_blocks, a);
    strmap *stacks = arena_alloc(a, nenvs * sizeof *stacks);
    for (size_t e = 0; e < nenvs; e++) {
        strmap_init(&stacks[e], a);
        for (size_t j = 0; j < per_env[e].stacks.len; j++)
            strmap_put(&stacks[e], stack_key(a, per_env[e].stacks.items[j]), per_env[e].stacks.items[j]);
    }
    fc.stacks = stacks;
    strmap done;
    strmap_init(&done, a);
    for (size_t e = 0; e < nenvs; e++) {
        for (size_t j = 0; j < per_env[e].stacks.len; j++) {
            ir_stack *s = per_env[e].stacks.items[j];
            const char *key = stack_key(a, s);
            if (strmap_has(&done, key))
                continue;
            strmap_put(&done, key, s);
            ir_stack *out = arena_alloc(a, sizeof *out);
            out->name = s->name;
            out->target = s->target;
            fc.stack = out;
            strmap_init(&fc.param_names, a);
            out->env_param = env_param(&fc);
            factor_stack(&fc, out);
            vec_push(a, &ip->stacks, out);
        }
    }
    /* References were made to the blocks of one environment; point them at
     * the merged blocks, in whichever stack those are. */
    for (size_t i = 0; i < ip->stacks.len; i++) {
        ir_stack *s = ip->stacks.items[i];
        for (size_t j = 0; j < s->blocks.len; j++)
            fix_refs_block(a, &fc.all_blocks, s->blocks.items[j]);
    }
    for (size_t j = 0; workflows && j < workflows->stacks.len; j++)
        vec_push(a, &ip->stacks, workflows->stacks.items[j]);
    return ip;
}
