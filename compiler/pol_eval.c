/* pol_eval.c — policy rules evaluated on lowered blocks; see pol.h.
 *
 * A block's attributes and nested blocks become a map (`self`), the other
 * blocks of its resource `related`; the rules indexed for its type evaluate
 * `only`, `each` and `that` on them, and what fails is a finding placed at
 * the location the offending value carries.
 */
#include "pol_impl.h"

#include <stdlib.h>
#include <string.h>

/* ---- IR as values, for rule expressions ---- */

static value *ir_as_value(pol_state *ps, const ir_value *v);

static value *interp_text(pol_state *ps, const ir_value *v)
{
    strbuf sb;
    sb_init(&sb, ps->scratch);
    for (size_t i = 0; i < v->items.len; i++) {
        const ir_value *part = v->items.items[i];
        if (part->kind == IR_STRING)
            sb_puts(&sb, part->text);
        else
            sb_puts(&sb, "${...}");
    }
    value *out = val_new(ps->scratch, V_INTERP, v->loc);
    out->text = sb.len ? sb.data : "";
    return out;
}

static value *ir_as_value(pol_state *ps, const ir_value *v)
{
    arena *a = ps->scratch;
    switch (v->kind) {
    case IR_NULL: return val_null(a, v->loc);
    case IR_BOOL: return val_bool(a, v->boolean, v->loc);
    case IR_NUMBER: return val_number(a, strtod(v->text, NULL), v->loc);
    case IR_STRING: return val_string(a, v->text, v->loc);    /* the environment's name, if any, stays marked */
    case IR_JSON: return v->items.len ? ir_as_value(ps, v->items.items[0]) : val_null(a, v->loc);
    case IR_CALL: {     /* opaque to rules, as references are */
        value *raw = val_new(a, V_RAW, v->loc);
        raw->text = v->text;
        return raw;
    }
    case IR_INTERP: return interp_text(ps, v);
    case IR_LIST:
    case IR_OBJECT: {
        value *out = val_new(a, v->kind == IR_LIST ? V_LIST : V_MAP, v->loc);
        out->flags |= VAL_OPEN;     /* a rule reads what a block may or may not set */
        for (size_t i = 0; i < v->items.len; i++) {
            if (v->kind == IR_OBJECT)
                vec_push(a, &out->keys, v->keys.items[i]);
            vec_push(a, &out->items, ir_as_value(ps, v->items.items[i]));
        }
        return out;
    }
    case IR_PARAM: {
        value *out = val_new(a, v->param->sensitive ? V_SECRET : V_RAW, v->loc);
        out->text = v->param->name;
        return out;
    }
    case IR_REF:
    case IR_RAW:
    default: {
        value *out = val_new(a, V_RAW, v->loc);
        out->text = v->kind == IR_RAW ? v->text : v->ref_path ? v->ref_path : "";
        return out;
    }
    }
}

/* A block's attributes and nested blocks as a map; a nested block that
 * repeats becomes a list of maps. */
static value *block_as_value(pol_state *ps, const ir_block *b)
{
    value *m = val_new(ps->scratch, V_MAP, b->loc);
    m->flags |= VAL_OPEN;
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        value *v = e->block ? block_as_value(ps, e->block) : ir_as_value(ps, e->value);
        value *old = e->block ? val_map_get(m, e->key) : NULL;
        if (old && (old->flags & VAL_REPEATED)) {
            vec_push(ps->scratch, &old->items, v);
        } else if (old) {
            value *list = val_new(ps->scratch, V_LIST, old->loc);
            list->flags |= VAL_REPEATED;
            vec_push(ps->scratch, &list->items, old);
            vec_push(ps->scratch, &list->items, v);
            val_map_set(ps->scratch, m, e->key, list);
        } else {
            val_map_set(ps->scratch, m, e->key, v);
        }
    }
    return m;
}

/* ---- evaluation ---- */

static const char *bare_type(pol_state *ps, const ir_block *b)
{
    const char *at = strchr(b->type, '@');
    return at ? arena_strndup(ps->scratch, b->type, (size_t)(at - b->type)) : b->type;
}

static bool glob_match(const char *pat, const char *s)
{
    const char *star = strchr(pat, '*');
    if (!star)
        return strcmp(pat, s) == 0;
    size_t pre = (size_t)(star - pat);
    return strncmp(pat, s, pre) == 0 && strlen(s) >= pre + strlen(star + 1) &&
           strcmp(s + strlen(s) - strlen(star + 1), star + 1) == 0;
}

static const ast_expr *pick(const ast_expr *own, const ast_expr *dflt) { return own ? own : dflt; }

/* The value at a dotted path below root, or NULL. */
static const value *value_at(const value *root, const char *path)
{
    const char *s = path;
    while (root && *s) {
        const char *dot = strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : strlen(s);
        if (root->kind == V_LIST && root->items.len)
            root = root->items.items[0];
        const value *next = NULL;
        for (size_t i = 0; root->kind == V_MAP && i < root->keys.len; i++)
            if (strlen(root->keys.items[i]) == n && !strncmp(root->keys.items[i], s, n))
                next = root->items.items[i];
        root = next;
        s = dot ? dot + 1 : s + n;
    }
    return root;
}

/* What the rules found on a block, so that environments sharing the block
 * need not evaluate them again. */
typedef struct block_check {
    bool varies;                /* a rule looked at the environment: evaluate it in each */
    ptrvec findings;            /* finding*, once per time one was found */
} block_check;

typedef struct rule_ctx {
    pol_state *ps;
    const pol_rule *r;
    const pol_match *m;
    const ir_block *b;
    block_check *bc;
    eval_ctx cx;
} rule_ctx;

static void judge(rule_ctx *rc, const value *root)
{
    const ast_expr *that = pick(rc->m->that, rc->r->dflt.that);
    if (val_truthy(eval_expr(&rc->cx, that)))
        return;
    const ast_expr *msg = pick(rc->m->message, rc->r->dflt.message);
    value *mv = msg ? eval_expr(&rc->cx, msg) : NULL;
    const char *text = mv && mv->kind == V_STRING ? mv->text
                     : arena_printf(rc->ps->scratch, "%s '%s' fails \"%s\"", bare_type(rc->ps, rc->b), rc->b->name, rc->r->title);
    const char *at = ast_word(pick(rc->m->at, rc->r->dflt.at));
    const value *spot = at ? value_at(root, at) : NULL;
    src_loc loc = pol_user_loc(spot ? spot->loc : root->loc, rc->b);
    vec_push(rc->ps->a, &rc->bc->findings, pol_add_finding(rc->ps, rc->r, rc->b->origin, loc, text));
}

/* The other blocks lowered from the same resource (for raw blocks, written
 * in the same raw target block), by type:
 * `related.aws_s3_bucket_public_access_block`. */
static value *related_blocks(pol_state *ps, const ir_stack *s, const ir_block *b)
{
    const ptrvec *pool = b->origin ? &b->origin->blocks : &s->blocks;
    value *m = val_new(ps->scratch, V_MAP, b->loc);
    m->flags |= VAL_OPEN;
    for (size_t i = 0; i < pool->len; i++) {
        const ir_block *o = pool->items[i];
        if (o == b || o->kind == IRB_NESTED || o->kind == IRB_OUTPUT)
            continue;
        const char *type = bare_type(ps, o);
        value *list = val_map_get(m, type);
        if (!list) {
            list = val_new(ps->scratch, V_LIST, o->loc);
            val_map_set(ps->scratch, m, type, list);
        }
        vec_push(ps->scratch, &list->items, block_as_value(ps, o));
    }
    return m;
}

static void apply(pol_state *ps, env_state *es, block_check *bc, const match_ref *mr, const ir_block *b, value *self,
                  value *related)
{
    const resource *res = b->origin;
    scope *sc = scope_bind(ps->scratch, es->globals, "self", self);
    sc = scope_bind(ps->scratch, sc, "related", related);
    sc = scope_bind(ps->scratch, sc, "resource", val_string(ps->scratch, res ? res->path : b->name, b->loc));
    sc = scope_bind(ps->scratch, sc, "block", val_string(ps->scratch, b->name, b->loc));
    /* no host: a rule sees only what this scope binds, so nothing it
     * allocates can outlive the block */
    rule_ctx rc = {.ps = ps, .r = mr->rule, .m = mr->m, .b = b, .bc = bc,
                   .cx = {.a = ps->scratch, .d = ps->d, .sc = sc, .target = -1, .env = ps->env_name,
                          .looked = &bc->varies, .patterns = ps->patterns, .budget = &ps->budget}};
    /* `only` narrows the blocks, or with `each` the items */
    const ast_expr *only = pick(mr->m->only, mr->rule->dflt.only);
    const ast_expr *each = pick(mr->m->each, mr->rule->dflt.each);
    if (!each) {
        if (!only || val_truthy(eval_expr(&rc.cx, only)))
            judge(&rc, self);
        return;
    }
    value *items = eval_expr(&rc.cx, each);
    if (items->kind != V_LIST) {
        value *one = val_new(ps->scratch, V_LIST, items->loc);
        if (items->kind != V_NULL)
            vec_push(ps->scratch, &one->items, items);
        items = one;
    }
    for (size_t i = 0; i < items->items.len; i++) {
        value *it = items->items.items[i];
        rc.cx.sc = scope_bind(ps->scratch, sc, "it", it);
        if (!only || val_truthy(eval_expr(&rc.cx, only)))
            judge(&rc, it);
    }
}

/* Applies one matching rule, converting the block (and, for rules that read
 * them, its related blocks) on first need. */
static void apply_lazily(pol_state *ps, env_state *es, block_check *bc, const ir_stack *s, const match_ref *mr,
                         const ir_block *b, value **self, value **related)
{
    if (!*self)
        *self = block_as_value(ps, b);
    if (!*related && mr->rule->needs_related)
        *related = related_blocks(ps, s, b);
    apply(ps, es, bc, mr, b, *self, *related ? *related : val_null(ps->scratch, b->loc));
}

static bool type_hit(const match_ref *mr, const char *type)
{
    for (size_t j = 0; j < mr->m->types.len; j++)
        if (glob_match(mr->m->types.items[j], type))
            return true;
    return false;
}

/* Rule expressions evaluate in a scratch arena, given back after each block:
 * the program's arena only keeps what findings say. */
static void check_block(pol_state *ps, env_state *es, const ir_stack *s, const ir_block *b)
{
    if (b->kind == IRB_DATA || b->kind == IRB_OUTPUT || b->kind == IRB_NESTED)
        return;
    ir_target t = s->target;
    const char *type = bare_type(ps, b);
    ps->block = b;
    pol_note_block_annots(ps, b);
    pol_names_check_block(ps, es, ps->scratch, b, type);    /* names differ in length between environments */
    block_check *bc = ptrmap_get(&ps->checked, b);
    if (bc && !bc->varies) {    /* an earlier environment's block, checked alike */
        for (size_t i = 0; i < bc->findings.len; i++)
            pol_found_again(ps, bc->findings.items[i]);
        arena_reset(ps->scratch);
        ps->block = NULL;
        return;
    }
    bc = arena_alloc(ps->a, sizeof *bc);
    ptrmap_put(&ps->checked, b, bc);
    ps->budget.steps = 0;       /* each block's rules may take as many steps */
    const ptrvec *exact = strmap_get(&ps->exact[t], type);
    value *self = NULL, *related = NULL;
    for (size_t i = 0; exact && i < exact->len; i++)
        apply_lazily(ps, es, bc, s, exact->items[i], b, &self, &related);
    for (size_t i = 0; i < ps->globbed[t].len; i++)
        if (type_hit(ps->globbed[t].items[i], type))
            apply_lazily(ps, es, bc, s, ps->globbed[t].items[i], b, &self, &related);
    arena_reset(ps->scratch);
    ps->block = NULL;
}

void pol_check_blocks(pol_state *ps, const lower_out *lo, env_state *es, bool in_env)
{
    ps->env = in_env ? es->env : NULL;
    ps->env_name = es->env;
    if (in_env)
        ps->nenvs_checked++;
    for (size_t i = 0; i < lo->stacks.len; i++) {
        const ir_stack *s = lo->stacks.items[i];
        for (size_t j = 0; j < s->blocks.len; j++)
            check_block(ps, es, s, s->blocks.items[j]);
    }
}

