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
    const lower_out *per_env;
    arena *tmp;             /* what merging one block needs only while it runs */
    ir_stack *stack;        /* the merged stack being built */
    strmap param_names;     /* names taken in that stack */
    strmap by_shape;        /* a path without occurrences -> ptrvec of that stack's params */
    ptrmap merged;          /* an environment's block -> the merged block, every stack */
    strmap by_key;          /* global_key -> merged block: for blocks no stack holds */
} factor_ctx;

/* Where a value stands, for the name of the parameter it may become:
 * "<block>_<key>_<occurrence>_<index>...", spelled only when one is made.
 * An object of a list or a nested block that every environment names the
 * same (`name = "system"`) is spelled by that name instead of its position:
 * "cluster_properties_agentPoolProfiles_system_vmSize" still means the
 * system pool after a pool is added before it. */
typedef struct fpath {
    const struct fpath *up;
    const char *seg;        /* the block's name (up NULL), or a key */
    long num;               /* an index, or with seg an occurrence; -1: none */
    const char *label;      /* the object's or block's name, spelled instead of num */
} fpath;

static fpath path_key(const fpath *up, const char *key, long occ)
{
    return (fpath){up, key, occ ? occ : -1, NULL};
}

/* With occurrences false, the path's shape: its occurrence numbers left
 * out (the second listener's host names stand where the first's do);
 * indexes stay. */
static void path_put(strbuf *sb, const fpath *p, bool occurrences)
{
    if (p->up) {
        path_put(sb, p->up, occurrences);
        sb_putc(sb, '_');
    }
    if (p->seg)
        sb_puts(sb, p->seg);
    bool spelled = (p->label || p->num >= 0) && (occurrences || !p->seg);
    if (p->seg && spelled)
        sb_putc(sb, '_');
    if (spelled)
        sb_puts(sb, p->label ? p->label : arena_int(sb->a, p->num));
}

static const char *path_text(arena *a, const fpath *p)
{
    strbuf sb;
    sb_init(&sb, a);
    path_put(&sb, p, true);
    return sb.data;
}

/* The path as a reader finds it in the generated file, for a parameter's
 * description: cluster.properties.agentPoolProfiles[system].vmSize. */
static void path_put_doc(strbuf *sb, const fpath *p)
{
    if (p->up) {
        path_put_doc(sb, p->up);
        if (p->seg)
            sb_putc(sb, '.');
    }
    if (p->seg)
        sb_puts(sb, p->seg);
    if (p->label || p->num >= 0) {
        sb_putc(sb, '[');
        sb_puts(sb, p->label ? p->label : arena_int(sb->a, p->num));
        sb_putc(sb, ']');
    }
}

static const char *path_doc(arena *a, const fpath *p)
{
    strbuf sb;
    sb_init(&sb, a);
    path_put_doc(&sb, p);
    return sb.data;
}

/* The name an object or block is given, if it is a plain word that can
 * stand in a parameter's name. */
static const char *plain_name(const ir_value *v)
{
    if (!v || v->kind != IR_STRING || !v->text[0] || strlen(v->text) > 40)
        return NULL;
    for (const char *c = v->text; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
            return NULL;
    return v->text;
}

/* The name the environments present all give names[i] (each one's `name`),
 * or NULL when one gives none or another. */
static const char *common_name(factor_ctx *fc, const ir_value **names, const bool *present)
{
    const char *name = NULL;
    for (size_t i = 0; i < fc->nenvs; i++) {
        if (!present[i])
            continue;
        const char *n = plain_name(names[i]);
        if (!n || (name && strcmp(n, name) != 0))
            return NULL;
        name = n;
    }
    return name;
}

static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/* Whether the capital at c starts a word: after a lower-case letter or
 * digit (retentionIn), or as the last capital of an acronym before a
 * lower-case letter (HTTPServer). Capitals in a row are one word: a map key
 * API_BASE_URL is api_base_url, not a_p_i_b_a_s_e_u_r_l. */
static int starts_word(const char *path, const char *c)
{
    if (c == path)
        return 0;
    return is_lower_or_digit(c[-1]) || (is_upper(c[-1]) && c[1] >= 'a' && c[1] <= 'z');
}

static const char *param_name(factor_ctx *fc, const char *path)
{
    /* snake_case, splitting camelCase words: retentionInDays -> retention_in_days */
    strbuf sb;
    sb_init(&sb, fc->a);
    for (const char *c = path; *c; c++) {
        if (is_upper(*c)) {
            if (sb.len && sb.data[sb.len - 1] != '_' && starts_word(path, c))
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
        name = arena_cat(fc->a, base, "_", arena_int(fc->a, n), NULL);
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

static ir_param *new_param(factor_ctx *fc, const fpath *where, const char *path, ir_value **vals, src_loc loc)
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
    pm->doc = arena_cat(fc->a, "Per-environment value of ", path_doc(fc->a, where), ".", NULL);
    strmap_put(&fc->param_names, pm->name, pm);
    vec_push(fc->a, &fc->stack->params, pm);
    return pm;
}

/* The parameter for vals at path: one the stack has already at a path
 * that differs only by occurrence (another listener of the same gateway)
 * holding the same value in every environment, else a new one. Two
 * parameters to keep equal by hand would drift apart. */
static ir_param *shared_param(factor_ctx *fc, const fpath *path, ir_value **vals, src_loc loc)
{
    strbuf sb;
    sb_init(&sb, fc->a);
    path_put(&sb, path, false);
    ptrvec *same = strmap_get(&fc->by_shape, sb.data);
    for (size_t k = 0; same && k < same->len; k++) {
        ir_param *pm = same->items[k];
        bool equal = true;
        for (size_t i = 0; i < fc->nenvs && equal; i++)
            equal = vals[i] ? ir_value_equal(pm->values[i], vals[i]) : false;
        if (equal)
            return pm;
    }
    ir_param *pm = new_param(fc, path, path_text(fc->a, path), vals, loc);
    if (!same) {
        same = arena_alloc(fc->a, sizeof *same);
        strmap_put(&fc->by_shape, sb.data, same);
    }
    vec_push(fc->a, same, pm);
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

static ir_param *presence_param(factor_ctx *fc, const fpath *where, const bool *present, src_loc loc)
{
    const char *path = path_text(fc->a, where);
    const char *name = arena_cat(fc->a, path, "_enabled", NULL);
    ir_param *shared = same_presence(fc, name, present);
    if (shared)
        return shared;
    ir_value **vals = arena_alloc(fc->tmp, fc->nenvs * sizeof *vals);
    for (size_t i = 0; i < fc->nenvs; i++)
        vals[i] = ir_bool(fc->a, present[i], loc);
    ir_param *pm = new_param(fc, where, name, vals, loc);
    pm->doc = arena_cat(fc->a, "Whether ", path_doc(fc->a, where), " exists in this environment.", NULL);
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
    if (v->kind == IR_REF || v->kind == IR_RAW || v->kind == IR_INTERP || v->kind == IR_PARAM || v->kind == IR_JSON ||
        v->kind == IR_CALL)
        return false;
    for (size_t i = 0; i < v->items.len; i++)
        if (!printable_as_param(v->items.items[i]))
            return false;
    return true;
}

static ir_value *merge_values(factor_ctx *fc, ir_value **vals, const bool *present, const fpath *path);

/* jsonencode(...) of values that differ, same-length lists holding
 * references or objects, and strings interpolating references
 * ("arn:...:${account}:${name}" where the name carries the environment) are
 * merged element by element: a parameter cannot carry a reference, and one
 * differing field of a container list should not make the whole list a
 * parameter. Lists of plain values stay whole. */
static ir_value *merge_inside(factor_ctx *fc, ir_value **vals, const bool *present, const fpath *path)
{
    ir_value *first = NULL;
    bool walk = false;      /* lists: only those holding references or objects */
    for (size_t i = 0; i < fc->nenvs; i++) {
        if (!present[i])
            continue;
        if (!first)
            first = vals[i];
        if (vals[i]->kind != first->kind ||
            (first->kind != IR_JSON && first->kind != IR_LIST && first->kind != IR_CALL && first->kind != IR_INTERP) ||
            vals[i]->items.len != first->items.len || (first->kind == IR_CALL && strcmp(vals[i]->text, first->text) != 0))
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
    out->text = first->text;
    ir_value **sub = arena_alloc(fc->tmp, fc->nenvs * sizeof *sub);
    const ir_value **names = arena_alloc(fc->tmp, fc->nenvs * sizeof *names);
    for (size_t k = 0; k < first->items.len; k++) {
        for (size_t i = 0; i < fc->nenvs; i++) {
            sub[i] = present[i] ? vals[i]->items.items[k] : NULL;
            names[i] = sub[i] && sub[i]->kind == IR_OBJECT ? ir_object_get(sub[i], "name") : NULL;
        }
        fpath item = {path, NULL, (long)k, common_name(fc, names, present)};
        ir_value *v = merge_values(fc, sub, present, first->kind == IR_JSON ? path : &item);
        if (out->kind == IR_INTERP && v->kind == IR_INTERP)    /* a text part that became a template */
            for (size_t j = 0; j < v->items.len; j++)
                vec_push(fc->a, &out->items, v->items.items[j]);
        else
            vec_push(fc->a, &out->items, v);
    }
    return out;
}

/* Lists of references where each environment lists the first n of the same
 * ones (the data subnets of one zone in dev, of three in prod): the longest
 * list, of which each environment takes its count. A parameter cannot
 * carry references, but it can carry how many. */
static ir_value *prefix_list(factor_ctx *fc, ir_value **vals, const bool *present, const fpath *path)
{
    const ir_value *longest = NULL;
    for (size_t i = 0; i < fc->nenvs; i++) {
        if (!present[i])
            continue;
        if (vals[i]->kind != IR_LIST || vals[i]->take)
            return NULL;
        if (!longest || vals[i]->items.len > longest->items.len)
            longest = vals[i];
    }
    if (!longest)
        return NULL;
    ir_value **counts = arena_alloc(fc->tmp, fc->nenvs * sizeof *counts);
    for (size_t i = 0; i < fc->nenvs; i++) {
        counts[i] = NULL;
        if (!present[i])
            continue;
        for (size_t k = 0; k < vals[i]->items.len; k++)
            if (!ir_value_equal(vals[i]->items.items[k], longest->items.items[k]))
                return NULL;
        counts[i] = ir_number(fc->a, arena_printf(fc->a, "%zu", vals[i]->items.len), vals[i]->loc);
    }
    ir_value *out = arena_alloc(fc->a, sizeof *out);
    *out = *longest;
    fpath count = path_key(path, "count", 0);
    out->take = new_param(fc, &count, path_text(fc->a, &count), counts, longest->loc);
    out->take->doc = arena_cat(fc->a, "How many of ", path_doc(fc->a, path), " this environment has.", NULL);
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

static ir_value *merge_values(factor_ctx *fc, ir_value **vals, const bool *present, const fpath *path)
{
    /* Values that carry the environment's name are compared and merged as
     * each environment has them: the same text in every environment then
     * differs by the name, and comes out as an interpolation of the
     * `environment` parameter (env_template), or as it is where only one
     * environment has it. */
    bool marked = false;
    for (size_t i = 0; i < fc->nenvs && !marked; i++)
        marked = present[i] && ir_mentions_env(vals[i]);
    /* Objects of the same keys are merged key by key whatever they hold,
     * so only their marked leaves need each environment's text (a block's
     * tags, say): making whole copies per environment cost a third of
     * factoring. */
    bool by_key = marked && same_keys(vals, present, fc->nenvs);
    if (marked && !by_key) {
        ir_value **own = arena_alloc(fc->tmp, fc->nenvs * sizeof *own);
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
    if (equal && !by_key)
        return first;
    if (same_keys(vals, present, fc->nenvs)) {
        ir_value *obj = ir_object(fc->a, first->loc);
        ir_value **sub = arena_alloc(fc->tmp, fc->nenvs * sizeof *sub);
        for (size_t k = 0; k < first->keys.len; k++) {
            for (size_t i = 0; i < fc->nenvs; i++)
                sub[i] = present[i] ? vals[i]->items.items[k] : NULL;
            const char *key = first->keys.items[k];
            fpath member = path_key(path, key, 0);
            ir_object_set(fc->a, obj, key, merge_values(fc, sub, present, &member));
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
            /* plain values become a parameter as they are; references only
             * as a count of the longest list */
            ir_value *prefix = prefix_list(fc, vals, present, path);
            if (prefix)
                return prefix;
            diag_error(fc->p->d, vals[i]->loc,
                       "a value that refers to other resources differs between environments (%s); "
                       "make the difference a plain value", path_text(fc->a, path));
            return first;
        }
    }
    ir_value **pv = arena_alloc(fc->tmp, fc->nenvs * sizeof *pv);
    for (size_t i = 0; i < fc->nenvs; i++)
        pv[i] = present[i] ? vals[i] : NULL;
    return param_ref(fc, shared_param(fc, path, pv, first->loc), first->loc);
}

static ir_block *merge_blocks(factor_ctx *fc, ir_block **blocks, const fpath *path);

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

/* Does a block of some environment hold key more than once (listeners,
 * rules)? Only such blocks are told apart by their names: a single block's
 * `name` is a setting (a SKU's), not which one it is. */
static bool repeated(factor_ctx *fc, ir_block **blocks, const char *key)
{
    for (size_t i = 0; i < fc->nenvs; i++)
        if (blocks[i] && occurrence(blocks[i], blocks[i]->entries.len, key) > 1)
            return true;
    return false;
}

/* The name every environment gives its block of the entry es[i], if it
 * is told apart from others of its key by one. */
static const char *block_label(factor_ctx *fc, ir_block **blocks, ir_entry **es, const bool *present, const char *key)
{
    if (!repeated(fc, blocks, key))
        return NULL;
    const ir_value **names = arena_alloc(fc->tmp, fc->nenvs * sizeof *names);
    for (size_t i = 0; i < fc->nenvs; i++) {
        const ir_entry *n = es[i] && es[i]->block ? ir_block_get(es[i]->block, "name") : NULL;
        names[i] = n ? n->value : NULL;
    }
    return common_name(fc, names, present);
}

/* One entry of the merged block from es[i], the environments' entries with
 * the same key and occurrence (NULL where missing). */
static ir_entry *merge_entry(factor_ctx *fc, ir_block **blocks, ir_entry **es, const char *key, int occ,
                             const fpath *path)
{
    bool *present = arena_alloc(fc->tmp, fc->nenvs * sizeof *present);
    bool everywhere = true;
    ir_entry *first = NULL;
    for (size_t i = 0; i < fc->nenvs; i++) {
        present[i] = es[i] != NULL;
        if (blocks[i] && !es[i])
            everywhere = false;
        if (es[i] && !first)
            first = es[i];
    }
    fpath sub = path_key(path, key, occ);
    ir_entry *e = arena_alloc(fc->a, sizeof *e);
    e->key = key;
    if (first->block) {
        sub.label = block_label(fc, blocks, es, present, key);
        ir_block **bs = arena_alloc(fc->tmp, fc->nenvs * sizeof *bs);
        for (size_t i = 0; i < fc->nenvs; i++)
            bs[i] = es[i] ? es[i]->block : NULL;
        e->block = merge_blocks(fc, bs, &sub);
    } else {
        ir_value **vals = arena_alloc(fc->tmp, fc->nenvs * sizeof *vals);
        for (size_t i = 0; i < fc->nenvs; i++)
            vals[i] = es[i] ? es[i]->value : NULL;
        e->value = merge_values(fc, vals, present, &sub);
    }
    if (!everywhere)
        e->cond = presence_param(fc, &sub, present, first->block ? first->block->loc : first->value->loc);
    return e;
}

/* Do the blocks present hold the same keys in the same order? Then their
 * entries pair up by position (nearly always: environments differ in
 * values, rarely in shape). */
static bool same_shape(ir_block **blocks, size_t n)
{
    const ir_block *first = NULL;
    for (size_t i = 0; i < n; i++) {
        const ir_block *b = blocks[i];
        if (!b || b == first)
            continue;
        if (!first) {
            first = b;
            continue;
        }
        if (b->entries.len != first->entries.len)
            return false;
        for (size_t j = 0; j < b->entries.len; j++) {
            const char *x = ((ir_entry *)b->entries.items[j])->key, *y = ((ir_entry *)first->entries.items[j])->key;
            if (x != y && strcmp(x, y) != 0)
                return false;
        }
    }
    return true;
}

static ir_block *merge_blocks(factor_ctx *fc, ir_block **blocks, const fpath *path)
{
    ir_block *first = NULL;
    for (size_t i = 0; i < fc->nenvs && !first; i++)
        first = blocks[i];
    ir_block *out = arena_alloc(fc->a, sizeof *out);
    *out = *first;
    memset(&out->entries, 0, sizeof out->entries);
    ir_entry **es = arena_alloc(fc->tmp, fc->nenvs * sizeof *es);
    if (same_shape(blocks, fc->nenvs)) {
        for (size_t j = 0; j < first->entries.len; j++) {
            const char *key = ((ir_entry *)first->entries.items[j])->key;
            for (size_t i = 0; i < fc->nenvs; i++)
                es[i] = blocks[i] ? blocks[i]->entries.items[j] : NULL;
            vec_push(fc->a, &out->entries, merge_entry(fc, blocks, es, key, occurrence(first, j, key), path));
        }
        return out;
    }
    for (size_t i = 0; i < fc->nenvs; i++) {
        const ir_block *b = blocks[i];
        for (size_t j = 0; b && j < b->entries.len; j++) {
            const char *key = ((ir_entry *)b->entries.items[j])->key;
            int occ = occurrence(b, j, key);
            if (nth_entry(out, key, occ))
                continue;
            for (size_t k = 0; k < fc->nenvs; k++)
                es[k] = nth_entry(blocks[k], key, occ);
            vec_push(fc->a, &out->entries, merge_entry(fc, blocks, es, key, occ, path));
        }
    }
    return out;
}

/* ---- stacks ---- */

/* Blocks are matched across environments by kind, type and name: by name
 * first, then among the few of that name. */
static ir_block *block_like(const strmap *by_name, const ir_block *like)
{
    const ptrvec *same = strmap_get(by_name, like->name);
    for (size_t i = 0; same && i < same->len; i++) {
        ir_block *b = same->items[i];
        if (b->kind == like->kind && strcmp(b->type, like->type) == 0)
            return b;
    }
    return NULL;
}

static void index_block(arena *a, strmap *by_name, ir_block *b)
{
    ptrvec *same = strmap_get(by_name, b->name);
    if (!same) {
        same = arena_alloc(a, sizeof *same);
        strmap_put(by_name, b->name, same);
    }
    vec_push(a, same, b);
}

/* The same, program-wide: for a reference to a block that no stack holds
 * (a data source shared under another's name). */
static const char *global_key(arena *a, const ir_block *b)
{
    const resource *r = b->origin;
    return arena_cat(a, r ? r->stack : "", "|", r ? target_table[r->target].name : "", "|", arena_int(a, b->kind), "|",
                     b->type, "|", b->name, NULL);
}

static ir_block *merged_of(factor_ctx *fc, const ir_block *b)
{
    ir_block *m = ptrmap_get(&fc->merged, b);
    return m ? m : strmap_get(&fc->by_key, global_key(fc->a, b));
}

static void fix_refs_value(factor_ctx *fc, ir_value *v)
{
    if (!v)
        return;
    if (v->kind == IR_REF && v->ref_block) {
        ir_block *m = merged_of(fc, v->ref_block);
        if (m)
            v->ref_block = m;
    }
    for (size_t i = 0; i < v->items.len; i++)
        fix_refs_value(fc, v->items.items[i]);
}

static void fix_refs_block(factor_ctx *fc, ir_block *b)
{
    if (b->parent)
        b->parent = merged_of(fc, b->parent);
    for (size_t i = 0; i < b->entries.len; i++) {
        ir_entry *e = b->entries.items[i];
        if (e->block)
            fix_refs_block(fc, e->block);
        else
            fix_refs_value(fc, e->value);
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
    if (v->kind == IR_PARAM && (v->param->sensitive || !v->param->values)) {   /* supplied at deploy time */
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

/* A global stack is an environment of its own, named "global": every
 * environment's copy of it says "global" where its own name stood. Doing it
 * in place is safe, since it is the same for all and environments share
 * blocks by pointer. */
static void as_global(factor_ctx *fc, const ir_stack *out)
{
    for (size_t e = 0; e < fc->nenvs; e++) {
        const ir_stack *s = strmap_get(&fc->per_env[e].by_name[out->target], out->name);
        for (size_t j = 0; s && j < s->blocks.len; j++)
            concrete_block(fc->a, s->blocks.items[j], "global");
    }
}

static bool value_uses(const ir_value *v, const ir_param *pm)
{
    if (!v)
        return false;
    if (v->kind == IR_PARAM && v->param == pm)
        return true;
    for (size_t i = 0; i < v->items.len; i++)
        if (value_uses(v->items.items[i], pm))
            return true;
    return false;
}

static bool block_uses(const ir_block *b, const ir_param *pm)
{
    if (b->cond == pm)
        return true;
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        if (e->cond == pm || (e->block ? block_uses(e->block, pm) : value_uses(e->value, pm)))
            return true;
    }
    return false;
}

/* What differs between environments has no place in a stack deployed
 * once: reported at the resource whose block it is in. */
static void check_global(factor_ctx *fc, const ir_stack *out)
{
    for (size_t i = 0; i < out->params.len; i++) {
        const ir_param *pm = out->params.items[i];
        if (pm->is_environment || pm->sensitive)
            continue;
        src_loc at = pm->loc;
        for (size_t j = 0; j < out->blocks.len; j++) {
            const ir_block *b = out->blocks.items[j];
            if (block_uses(b, pm)) {
                at = b->loc;
                break;
            }
        }
        diag_error(fc->p->d, at, "stack %s is global, deployed once for every environment, but %s differs "
                   "between environments", out->name, pm->name);
    }
}

static void factor_stack(factor_ctx *fc, ir_stack *out)
{
    ir_stack **envs = arena_alloc(fc->a, fc->nenvs * sizeof *envs);
    strmap *index = arena_alloc(fc->a, fc->nenvs * sizeof *index);
    for (size_t i = 0; i < fc->nenvs; i++) {
        envs[i] = strmap_get(&fc->per_env[i].by_name[out->target], out->name);
        strmap_init(&index[i], fc->a);
        for (size_t j = 0; envs[i] && j < envs[i]->blocks.len; j++)
            index_block(fc->a, &index[i], envs[i]->blocks.items[j]);
    }
    strmap done;
    strmap_init(&done, fc->a);
    ir_block **bs = arena_alloc(fc->a, fc->nenvs * sizeof *bs);
    bool *present = arena_alloc(fc->a, fc->nenvs * sizeof *present);
    for (size_t e = 0; e < fc->nenvs; e++) {
        for (size_t j = 0; envs[e] && j < envs[e]->blocks.len; j++) {
            ir_block *like = envs[e]->blocks.items[j];
            if (block_like(&done, like))
                continue;
            bool everywhere = true;
            for (size_t i = 0; i < fc->nenvs; i++) {
                bs[i] = block_like(&index[i], like);
                present[i] = bs[i] != NULL;
                everywhere &= present[i];
            }
            fpath root = {NULL, like->name, -1, NULL};
            arena_mark mark = arena_get_mark(fc->tmp);
            ir_block *m = merge_blocks(fc, bs, &root);
            if (!everywhere)
                m->cond = presence_param(fc, &root, present, like->loc);
            arena_release(fc->tmp, mark);
            vec_push(fc->a, &out->blocks, m);
            index_block(fc->a, &done, like);
            for (size_t i = 0; i < fc->nenvs; i++)
                if (bs[i])
                    ptrmap_put(&fc->merged, bs[i], m);
        }
    }
    for (size_t i = 0; i < out->blocks.len; i++) {
        ir_block *b = out->blocks.items[i];
        strmap_put(&fc->by_key, global_key(fc->a, b), b);
        collect_secrets_block(fc, b);
    }
}

/* ---- providers ---- */

/* b as env has it, copied: environments may share a lowered block. */
static ir_block *concrete_copy(arena *a, const ir_block *b, const char *env)
{
    ir_block *c = arena_alloc(a, sizeof *c);
    *c = *b;
    c->entries = (ptrvec){0};
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        ir_entry *ce = arena_alloc(a, sizeof *ce);
        *ce = *e;
        if (e->block)
            ce->block = concrete_copy(a, e->block, env);
        else
            ce->value = factor_concrete(a, e->value, env);
        vec_push(a, &c->entries, ce);
    }
    return c;
}

static int provider_order(const ir_provider *x, const char *name, const char *alias)
{
    int c = strcmp(x->name, name);
    if (c || x->alias == alias)
        return c;
    if (!x->alias || !alias)
        return x->alias ? 1 : -1;
    return strcmp(x->alias, alias);
}

/* Every environment's provider configurations, as one list whose entries
 * hold a configuration per environment (root modules are per environment:
 * no parameters). */
static void factor_providers(arena *a, ir_program *ip, const lower_out *per_env, size_t nenvs)
{
    for (size_t e = 0; e < nenvs; e++) {
        for (size_t i = 0; i < per_env[e].providers.len; i++) {
            const ir_provider *pv = per_env[e].providers.items[i];
            size_t at = 0;
            int c = 1;
            while (at < ip->providers.len && (c = provider_order(ip->providers.items[at], pv->name, pv->alias)) < 0)
                at++;
            ir_provider *m = at < ip->providers.len && c == 0 ? ip->providers.items[at] : NULL;
            if (!m) {
                m = arena_alloc(a, sizeof *m);
                *m = *pv;
                m->config = arena_alloc(a, nenvs * sizeof *m->config);
                vec_push(a, &ip->providers, NULL);
                memmove(&ip->providers.items[at + 1], &ip->providers.items[at],
                        (ip->providers.len - at - 1) * sizeof ip->providers.items[0]);
                ip->providers.items[at] = m;
            }
            m->config[e] = pv->config[0] ? concrete_copy(a, pv->config[0], ip->envs[e]) : NULL;
        }
    }
}

ir_program *env_factor(const program *p, arena *a, const lower_out *per_env, const char **envs, size_t nenvs,
                       const lower_out *workflows)
{
    ir_program *ip = arena_alloc(a, sizeof *ip);
    ip->project = p->project_name;
    ip->nenvs = nenvs;
    ip->envs = envs;
    ip->source_desc = p->source_desc;
    factor_ctx fc = {.p = p, .a = a, .nenvs = nenvs, .envs = ip->envs, .per_env = per_env, .tmp = arena_new()};
    arena_defer(a, (void (*)(void *))arena_free, fc.tmp);
    ptrmap_init(&fc.merged, a);
    strmap_init(&fc.by_key, a);
    strmap done[TARGET_COUNT];
    for (int t = 0; t < TARGET_COUNT; t++)
        strmap_init(&done[t], a);
    for (size_t e = 0; e < nenvs; e++) {
        for (size_t j = 0; j < per_env[e].stacks.len; j++) {
            ir_stack *s = per_env[e].stacks.items[j];
            if (strmap_has(&done[s->target], s->name))
                continue;
            strmap_put(&done[s->target], s->name, s);
            ir_stack *out = arena_alloc(a, sizeof *out);
            out->name = s->name;
            out->path = s->path;
            out->target = s->target;
            out->global = s->global;
            out->root = s->root;
            out->scope = s->scope;
            out->modules = s->modules;
            out->params_json = s->params_json;
            out->params_bicepparam = s->params_bicepparam;
            fc.stack = out;
            strmap_init(&fc.param_names, a);
            strmap_init(&fc.by_shape, a);
            out->env_param = env_param(&fc);
            if (out->global)
                as_global(&fc, out);
            factor_stack(&fc, out);
            if (out->global)
                check_global(&fc, out);
            vec_push(a, &ip->stacks, out);
        }
    }
    /* References were made to the blocks of one environment; point them at
     * the merged blocks, in whichever stack those are. */
    for (size_t i = 0; i < ip->stacks.len; i++) {
        ir_stack *s = ip->stacks.items[i];
        for (size_t j = 0; j < s->blocks.len; j++)
            fix_refs_block(&fc, s->blocks.items[j]);
    }
    for (size_t j = 0; workflows && j < workflows->stacks.len; j++)
        vec_push(a, &ip->stacks, workflows->stacks.items[j]);
    factor_providers(a, ip, per_env, nenvs);
    /* A configuration may read a module's output (a cluster's endpoint). */
    for (size_t i = 0; i < ip->providers.len; i++) {
        ir_provider *pv = ip->providers.items[i];
        for (size_t e = 0; e < nenvs; e++)
            if (pv->config[e])
                fix_refs_block(&fc, pv->config[e]);
    }
    return ip;
}
