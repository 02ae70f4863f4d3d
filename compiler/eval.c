/* eval.c — evaluating expressions to values, type checks, and the
 * expander of for/when/if/let; see eval.h. */
#include "eval.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

scope *scope_bind(arena *a, scope *up, const char *name, value *v)
{
    scope *s = arena_alloc(a, sizeof *s);
    s->name = name;
    s->val = v;
    s->up = up;
    return s;
}

static value *lookup(const scope *s, const char *name)
{
    for (; s; s = s->up)
        if (strcmp(s->name, name) == 0)
            return s->val;
    return NULL;
}

/* The value of an expression whose error was reported. */
static value *err(eval_ctx *cx, src_loc loc)
{
    value *v = val_null(cx->a, loc);
    v->flags |= VAL_ERROR;
    return v;
}

static value *host_name(eval_ctx *cx, const char *name, src_loc loc)
{
    return cx->host ? cx->host->name(cx, name, loc) : NULL;
}

/* ---- the environment's name (value.h, ENV_MARK) ---- */

/* Evaluation looked at the environment. */
static void observe(eval_ctx *cx)
{
    if (cx->host && cx->host->observed)
        cx->host->observed(cx);
    if (cx->looked)
        *cx->looked = true;
}

const char *eval_text(eval_ctx *cx, const value *v)
{
    if (!env_marked(v->text))
        return v->text;
    observe(cx);
    return env_subst(cx->a, v->text, cx->env);
}

/* Kinds whose text is a string's (typed literals keep their spelling, which
 * cannot hold the mark). */
static bool has_text(const value *v)
{
    return v->kind == V_STRING || v->kind == V_INTERP || v->kind == V_RAW;
}

bool eval_mentions_env(const value *v)
{
    if (has_text(v) && env_marked(v->text))
        return true;
    for (size_t i = 0; i < v->items.len; i++)
        if (eval_mentions_env(v->items.items[i]))
            return true;
    return false;
}

value *eval_concrete(eval_ctx *cx, value *v)
{
    if (!eval_mentions_env(v))
        return v;
    value *c = val_new(cx->a, v->kind, v->loc);
    *c = *v;
    if (has_text(v))
        c->text = eval_text(cx, v);
    c->items = (ptrvec){0};
    for (size_t i = 0; i < v->items.len; i++)
        vec_push(cx->a, &c->items, eval_concrete(cx, v->items.items[i]));
    return c;
}

static value *eval_string(eval_ctx *cx, const ast_expr *e)
{
    arena *a = cx->a;
    if (e->items.len == 1 && ((const ast_expr *)e->items.items[0])->kind == EX_STRLIT)
        return val_string(a, ((const ast_expr *)e->items.items[0])->text, e->loc);   /* plain: the parsed text */
    strbuf sb;
    sb_init(&sb, a);
    value *interp = NULL;   /* built only when a part is not plain text */
    for (size_t i = 0; i < e->items.len; i++) {
        const ast_expr *part = e->items.items[i];
        if (part->kind == EX_STRLIT) {
            sb_puts(&sb, part->text);
            continue;
        }
        bool was = cx->interpolating;
        cx->interpolating = true;
        value *v = eval_expr(cx, part);
        cx->interpolating = was;
        const char *t = val_to_text(a, v);
        if (t && v->kind != V_NULL) {
            if (sb.len + strlen(t) > EVAL_MAX_STRING) {
                diag_error(cx->d, part->loc, "this string would be longer than %u MiB", EVAL_MAX_STRING >> 20);
                return err(cx, e->loc);
            }
            sb_puts(&sb, t);
            continue;
        }
        if (v->flags & VAL_ERROR)
            return v;
        if (v->kind == V_NULL && part->kind != EX_STRLIT) {
            diag_error(cx->d, part->loc, "null value in string interpolation");
            continue;
        }
        if (v->kind != V_TREF && v->kind != V_RAW && v->kind != V_SECRET && v->kind != V_INTERP) {
            diag_error(cx->d, part->loc, "a %s cannot be interpolated into a string", val_kind_name(v->kind));
            continue;
        }
        if (!interp)
            interp = val_new(a, V_INTERP, e->loc);
        if (sb.len)
            vec_push(a, &interp->items, val_string(a, sb.data, e->loc));
        sb_init(&sb, a);
        if (v->kind == V_INTERP)
            for (size_t j = 0; j < v->items.len; j++)
                vec_push(a, &interp->items, v->items.items[j]);
        else
            vec_push(a, &interp->items, v);
    }
    if (!interp)
        return val_string(a, sb.data, e->loc);
    if (sb.len)
        vec_push(a, &interp->items, val_string(a, sb.data, e->loc));
    return interp;
}

static value *eval_typed_literal(eval_ctx *cx, const ast_expr *e)
{
    static const value_kind kinds[] = {
        [EX_NUMBER] = V_NUMBER, [EX_DURATION] = V_DURATION, [EX_PERCENT] = V_PERCENT,
        [EX_SIZE] = V_SIZE, [EX_CIDR] = V_CIDR, [EX_IP] = V_IP,
    };
    value *v = val_new(cx->a, kinds[e->kind], e->loc);
    v->num = e->num;
    v->text = e->text;
    return v;
}

/* The type a list's items or a map's values are expected to have. */
static const attr_type *elem_of(const attr_type *want, type_kind k)
{
    return want && want->kind == k ? want->elem : NULL;
}

static value *eval_list(eval_ctx *cx, const ast_expr *e, const attr_type *want)
{
    value *v = val_new(cx->a, V_LIST, e->loc);
    for (size_t i = 0; i < e->items.len; i++)
        vec_push(cx->a, &v->items, eval_typed(cx, e->items.items[i], elem_of(want, T_LIST)));
    return v;
}

/* [for x in list : value if cond]: the value for every item the condition
 * holds for, with x bound to the item; null counts as an empty list. */
static value *eval_for(eval_ctx *cx, const ast_expr *e, const attr_type *want)
{
    value *out = val_new(cx->a, V_LIST, e->loc);
    value *list = eval_expr(cx, e->lhs);
    if (list->kind != V_LIST) {
        if (list->kind != V_NULL)
            diag_error(cx->d, e->lhs->loc, "'for' walks a list, not a %s", val_kind_name(list->kind));
        return out;
    }
    scope *outer = cx->sc;
    for (size_t i = 0; i < list->items.len; i++) {
        cx->sc = scope_bind(cx->a, outer, e->text, list->items.items[i]);
        if (!e->cond || val_truthy(eval_expr(cx, e->cond)))
            vec_push(cx->a, &out->items, eval_typed(cx, e->rhs, elem_of(want, T_LIST)));
    }
    cx->sc = outer;
    return out;
}

/* a + b, a * b: numbers only; sizes, durations and the like are read
 * through their accessors (s.gb, d.days, p.value) first. */
static value *eval_arith(eval_ctx *cx, const ast_expr *e, value *x, value *y)
{
    if ((x->flags | y->flags) & VAL_ERROR)
        return err(cx, e->loc);     /* reported */
    if (x->kind != V_NUMBER || y->kind != V_NUMBER) {
        diag_error(cx->d, e->loc, "cannot %s a %s and a %s", e->kind == EX_ADD ? "add" : "multiply",
                   val_kind_name(x->kind), val_kind_name(y->kind));
        return err(cx, e->loc);
    }
    return val_number(cx->a, e->kind == EX_ADD ? x->num + y->num : x->num * y->num, e->loc);
}

static value *eval_map(eval_ctx *cx, const ast_expr *e, const attr_type *want)
{
    value *v = val_new(cx->a, V_MAP, e->loc);
    for (size_t i = 0; i < e->items.len; i++) {
        const char *k = e->keys.items[i];
        if (val_map_get(v, k))
            diag_error(cx->d, ((const ast_expr *)e->items.items[i])->loc, "duplicate key '%s'", k);
        val_map_set(cx->a, v, k, eval_typed(cx, e->items.items[i], elem_of(want, T_MAP)));
    }
    return v;
}

/* Starts a target-block reference from an identifier no scope binds. */
static value *tref_root(eval_ctx *cx, const char *name, src_loc loc)
{
    value *v = val_new(cx->a, V_TREF, loc);
    v->ref.owner = cx->self;
    if (target_table[cx->target].typed_address) {
        if (strcmp(name, "data") == 0)
            v->ref.is_data = true;
        else
            v->ref.type = name;
    } else {
        v->ref.local = name;
    }
    return v;
}

/* What a name means where no enum claims it: a binding in scope, else the
 * host's; NULL when neither knows it. */
static value *resolve(eval_ctx *cx, const char *name, src_loc loc)
{
    value *v = lookup(cx->sc, name);
    return v ? v : host_name(cx, name, loc);
}

static bool enum_has(const attr_type *t, const char *word)
{
    for (size_t i = 0; t && t->kind == T_ENUM && i < t->nenum; i++)
        if (strcmp(t->enum_vals[i], word) == 0)
            return true;
    return false;
}

/* A word of the enum t: a string that knows its type. */
static value *enum_word(eval_ctx *cx, const char *word, const attr_type *t, src_loc loc)
{
    value *v = val_string(cx->a, word, loc);
    v->enum_of = t;
    return v;
}

/* The names an identifier here could have meant. */
static ptrvec names_in_scope(eval_ctx *cx)
{
    ptrvec out = {0};
    for (const scope *s = cx->sc; s; s = s->up)
        vec_push(cx->a, &out, (void *)s->name);
    if (cx->host && cx->host->names)
        cx->host->names(cx, &out);
    return out;
}

static value *unknown_name(eval_ctx *cx, const char *name, src_loc loc)
{
    ptrvec names = names_in_scope(cx);
    const char *hint = diag_did_you_mean(cx->a, name, &names);
    if (!*hint && cx->interpolating)
        hint = " (a literal ${ is written $${)";
    diag_error(cx->d, loc, "unknown name '%s'%s", name, hint);
    return err(cx, loc);
}

/* A raw target block of the program, outside a lowering: its address. */
static value *raw_block(eval_ctx *cx, bool data, const char *type, const char *name, src_loc loc)
{
    return cx->host && cx->host->raw_block && cx->target < 0 ? cx->host->raw_block(cx, data, type, name, loc) : NULL;
}

/* Does a kind's lowering name one of its blocks so (and no binding in
 * scope has that name)? */
static bool own_block(eval_ctx *cx, const char *name)
{
    return cx->roots && strmap_has(cx->roots, name) && !lookup(cx->sc, name);
}

static value *eval_ident(eval_ctx *cx, const ast_expr *e, const attr_type *want)
{
    if (enum_has(want, e->text))
        return enum_word(cx, e->text, want, e->loc);
    if (cx->target >= 0 && target_table[cx->target].bare_refs && own_block(cx, e->text))
        return tref_root(cx, e->text, e->loc);  /* `parent = this`, whatever the program names this */
    value *v = resolve(cx, e->text, e->loc);
    if (v)
        return v;
    if (want && want->kind == T_ENUM) {     /* its type check says it is none of them */
        v = val_string(cx->a, e->text, e->loc);
        v->flags |= VAL_BARE;
        return v;
    }
    if (cx->target >= 0 && target_table[cx->target].bare_refs)
        return tref_root(cx, e->text, e->loc);  /* `parent = this`: resolved once the blocks exist */
    v = raw_block(cx, false, NULL, e->text, e->loc);     /* a Bicep raw block, by its name */
    return v ? v : unknown_name(cx, e->text, e->loc);
}

/* In a lowering, `aws_s3_bucket.this.id` starts with a name no scope binds:
 * followed by a member, it begins a reference to a target block. Outside
 * one, `TYPE.NAME` and `data.TYPE.NAME` name a raw block of the program. */
static value *eval_member_expr(eval_ctx *cx, const ast_expr *e)
{
    const ast_expr *root = e->lhs;
    value *obj = NULL;
    /* `data.T.N` in a Terraform lowering is a data source, even where the
     * program has a resource named data (a namespace, a subnet) */
    bool data = root->kind == EX_IDENT && strcmp(root->text, "data") == 0 && cx->target >= 0 &&
                target_table[cx->target].typed_address && !lookup(cx->sc, "data");
    if (root->kind == EX_IDENT && cx->target >= 0 && target_table[cx->target].iac) {
        /* the words the kind's lowering names its own blocks with come
         * before the program's names (eval.h) */
        obj = data || own_block(cx, root->text) ? NULL : resolve(cx, root->text, root->loc);
        if (!obj)
            obj = tref_root(cx, root->text, root->loc);
        return eval_member(cx, obj, e->text, e->loc);
    }
    if (root->kind == EX_IDENT && !resolve(cx, root->text, root->loc))
        obj = raw_block(cx, false, root->text, e->text, e->loc);
    else if (root->kind == EX_MEMBER && root->lhs->kind == EX_IDENT && strcmp(root->lhs->text, "data") == 0 &&
             !resolve(cx, "data", root->loc))
        obj = raw_block(cx, true, root->text, e->text, e->loc);
    return obj ? obj : eval_member(cx, eval_expr(cx, root), e->text, e->loc);
}

static value *tref_extend(eval_ctx *cx, value *base, const char *member, const char *index, src_loc loc)
{
    value *v = val_new(cx->a, V_TREF, loc);
    v->ref = base->ref;
    tref *r = &v->ref;
    if (member && r->primary)
        r->path = r->path ? arena_printf(cx->a, "%s.%s", r->path, member) : member;
    else if (member && r->is_data && !r->type)
        r->type = member;
    else if (member && !r->local)
        r->local = member;
    else if (member)
        r->path = r->path ? arena_printf(cx->a, "%s.%s", r->path, member) : member;
    else if (r->local || r->primary)
        r->path = arena_printf(cx->a, "%s[%s]", r->path ? r->path : "", index);
    else
        diag_error(cx->d, loc, "cannot index a target block type");
    if (r->path && r->path[0] == '[')
        diag_error(cx->d, loc, "index a block's attribute, not the block");
    return v;
}

static bool cidr_parse(const char *text, unsigned *addr, int *prefix);

/* A duration as ISO 8601 in its largest whole unit, as Azure writes it
 * back (P14D, PT1H, PT5M, PT90S): another spelling of the same length
 * would show as a change on every plan. */
static value *iso8601(eval_ctx *cx, const value *d, src_loc loc)
{
    double s = d->num;
    if (s > 0 && fmod(s, 86400) == 0)
        return val_string(cx->a, arena_printf(cx->a, "P%.0fD", s / 86400), loc);
    static const struct { double unit; char c; } units[] = {{3600, 'H'}, {60, 'M'}, {1, 'S'}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (s > 0 && fmod(s, units[i].unit) == 0)
            return val_string(cx->a, arena_printf(cx->a, "PT%.0f%c", s / units[i].unit, units[i].c), loc);
    return val_string(cx->a, arena_printf(cx->a, "PT%sS", val_format_number(cx->a, s)), loc);
}

/* Accessors of typed values: 14d.days, 33%.value, 6GB.gb, 1..3.min, cidr.prefix,
 * 90s.iso8601. */
static value *typed_member(eval_ctx *cx, value *obj, const char *name, src_loc loc)
{
    static const struct { value_kind k; const char *name; double div; } acc[] = {
        {V_DURATION, "days", 86400}, {V_DURATION, "hours", 3600}, {V_DURATION, "minutes", 60},
        {V_DURATION, "seconds", 1}, {V_PERCENT, "value", 1}, {V_SIZE, "bytes", 1},
        {V_SIZE, "kb", 1e3}, {V_SIZE, "mb", 1e6}, {V_SIZE, "gb", 1e9}, {V_SIZE, "tb", 1e12},
        {V_SIZE, "mib", 1048576.0}, {V_SIZE, "gib", 1073741824.0}, {V_RANGE, "min", 0},
        {V_RANGE, "max", 0},
    };
    for (size_t i = 0; i < sizeof acc / sizeof acc[0]; i++) {
        if (acc[i].k != obj->kind || strcmp(acc[i].name, name) != 0)
            continue;
        if (obj->kind == V_RANGE)
            return val_number(cx->a, name[1] == 'i' ? obj->num : obj->num2, loc);
        return val_number(cx->a, obj->num / acc[i].div, loc);
    }
    if (obj->kind == V_DURATION && strcmp(name, "iso8601") == 0)
        return iso8601(cx, obj, loc);
    if (obj->kind == V_CIDR && strcmp(name, "prefix") == 0) {
        unsigned addr;
        int pre;
        if (!cidr_parse(obj->text, &addr, &pre))
            pre = 32;   /* an invalid block is reported by its type check */
        return val_number(cx->a, pre, loc);
    }
    diag_error(cx->d, loc, "a %s has no member '%s'", val_kind_name(obj->kind), name);
    return err(cx, loc);
}

/* A key a map was not given: null where absent keys are (VAL_OPEN), else
 * an error naming the nearest key it has. */
static value *missing_key(eval_ctx *cx, const value *m, const char *key, src_loc loc)
{
    if (m->flags & VAL_OPEN)
        return val_null(cx->a, loc);
    diag_error(cx->d, loc, "the map has no key '%s'%s", key, diag_did_you_mean(cx->a, key, &m->keys));
    return err(cx, loc);
}

value *eval_member(eval_ctx *cx, value *obj, const char *name, src_loc loc)
{
    switch (obj->kind) {
    case V_MAP: {
        value *v = val_map_get(obj, name);
        return v ? v : missing_key(cx, obj, name, loc);
    }
    case V_RESOURCE:
    case V_BLOCK:
        if (cx->host)
            return cx->host->member(cx, obj, name, loc);
        break;
    case V_TREF:
        if (cx->target < 0 && obj->ref.raw) {
            diag_error(cx->d, loc, "%s%s%s%s is a raw block: its '%s' is known when it is deployed, so it can be "
                       "read only in a lowering", obj->ref.is_data ? "data." : "", obj->ref.type ? obj->ref.type : "",
                       obj->ref.type ? "." : "", obj->ref.local, name);
            return err(cx, loc);
        }
        return tref_extend(cx, obj, name, NULL, loc);
    case V_DURATION:
    case V_PERCENT:
    case V_SIZE:
    case V_RANGE:
    case V_CIDR:
        return typed_member(cx, obj, name, loc);
    case V_NULL:
        return obj;     /* read through: an optional attribute's members, a setting a block lacks */
    default:
        break;
    }
    diag_error(cx->d, loc, "a %s has no member '%s'", val_kind_name(obj->kind), name);
    return err(cx, loc);
}

static value *eval_index(eval_ctx *cx, const ast_expr *e)
{
    value *obj = eval_expr(cx, e->lhs);
    value *idx = eval_expr(cx, e->rhs);
    if (obj->kind == V_TREF) {
        const char *t = idx->kind == V_STRING ? eval_text(cx, idx) : val_to_text(cx->a, idx);
        return tref_extend(cx, obj, NULL, idx->kind == V_STRING ? arena_printf(cx->a, "\"%s\"", t) : t, e->loc);
    }
    if (obj->kind == V_LIST && idx->kind == V_NUMBER) {
        double i = idx->num;
        if (i < 0 || i >= (double)obj->items.len || i != floor(i)) {
            diag_error(cx->d, e->rhs->loc, "index %s out of range (the list has %zu items)",
                       val_to_text(cx->a, idx), obj->items.len);
            return err(cx, e->loc);
        }
        return obj->items.items[(size_t)i];
    }
    if (obj->kind == V_MAP && idx->kind == V_STRING) {
        const char *key = eval_text(cx, idx);
        value *v = val_map_get(obj, key);
        return v ? v : missing_key(cx, obj, key, e->rhs->loc);
    }
    if (obj->kind == V_NULL)
        return obj;     /* read through, as a member of null is */
    diag_error(cx->d, e->loc, "cannot index a %s with a %s", val_kind_name(obj->kind), val_kind_name(idx->kind));
    return err(cx, e->loc);
}

static int compare(eval_ctx *cx, const ast_expr *e, value *x, value *y)
{
    bool numeric = (x->kind == V_NUMBER || x->kind == V_DURATION || x->kind == V_PERCENT ||
                    x->kind == V_SIZE) && x->kind == y->kind;
    if (!numeric) {
        diag_error(cx->d, e->loc, "cannot order a %s and a %s", val_kind_name(x->kind), val_kind_name(y->kind));
        return 0;
    }
    return (x->num > y->num) - (x->num < y->num);
}

/* A name no scope binds, compared with a value of an enum: one of its words. */
static bool unbound(eval_ctx *cx, const ast_expr *e)
{
    return e->kind == EX_IDENT && !lookup(cx->sc, e->text) && !host_name(cx, e->text, e->loc);
}

/* The enum a compared value belongs to: its own, else the other side's
 * (a word or a string compared with it must be one of that enum's). */
static bool one_of_enum(eval_ctx *cx, const value *v, const attr_type *t)
{
    if (!t || v->kind != V_STRING || v->enum_of || env_marked(v->text) || enum_has(t, v->text))
        return true;
    ptrvec words = {0};
    for (size_t i = 0; i < t->nenum; i++)
        vec_push(cx->a, &words, (void *)t->enum_vals[i]);
    diag_error(cx->d, v->loc, "'%s' is compared with a value that is %s: it can never be equal%s", v->text,
               sema_type_name(cx->a, t), diag_did_you_mean(cx->a, v->text, &words));
    return false;
}

/* The two sides of == or !=: a word on one side is a word of the other
 * side's enum (`self.encryption == kms`), and a string compared with an
 * enum's value must be one of its words. */
static bool compared(eval_ctx *cx, const ast_expr *e, value **x, value **y)
{
    /* the side that is not a word first: its enum says what the word is */
    bool word_left = unbound(cx, e->lhs);
    const ast_expr *other = word_left ? e->rhs : e->lhs, *second = word_left ? e->lhs : e->rhs;
    value *ov = eval_expr(cx, other);
    value *wv = eval_typed(cx, second, (word_left || unbound(cx, second)) ? ov->enum_of : NULL);
    *x = word_left ? wv : ov;
    *y = word_left ? ov : wv;
    if ((wv->flags & VAL_ERROR) || (ov->flags & VAL_ERROR))
        return false;
    return one_of_enum(cx, *x, (*y)->enum_of) && one_of_enum(cx, *y, (*x)->enum_of);
}

static value *eval_binary(eval_ctx *cx, const ast_expr *e)
{
    arena *a = cx->a;
    if (e->kind == EX_AND || e->kind == EX_OR) {
        bool l = val_truthy(eval_expr(cx, e->lhs));
        if (e->kind == EX_AND ? !l : l)
            return val_bool(a, l, e->loc);
        return val_bool(a, val_truthy(eval_expr(cx, e->rhs)), e->loc);
    }
    value *x, *y;
    if (e->kind == EX_EQ || e->kind == EX_NE) {
        if (!compared(cx, e, &x, &y))
            return err(cx, e->loc);
        bool eq = val_equal(eval_concrete(cx, x), eval_concrete(cx, y));
        return val_bool(a, e->kind == EX_EQ ? eq : !eq, e->loc);
    }
    x = eval_expr(cx, e->lhs);
    y = eval_expr(cx, e->rhs);
    if (e->kind != EX_ADD && e->kind != EX_MUL && ((x->flags | y->flags) & VAL_ERROR))
        return err(cx, e->loc);     /* reported: an order of it would only repeat that */
    switch (e->kind) {
    case EX_LT: return val_bool(a, compare(cx, e, x, y) < 0, e->loc);
    case EX_LE: return val_bool(a, compare(cx, e, x, y) <= 0, e->loc);
    case EX_GT: return val_bool(a, compare(cx, e, x, y) > 0, e->loc);
    case EX_GE: return val_bool(a, compare(cx, e, x, y) >= 0, e->loc);
    case EX_ADD: case EX_MUL: return eval_arith(cx, e, x, y);
    default: return err(cx, e->loc);
    }
}

static value *eval_range(eval_ctx *cx, const ast_expr *e)
{
    value *v = val_new(cx->a, V_RANGE, e->loc);
    v->num = e->lhs->num;
    v->num2 = e->rhs->num;
    if (v->num > v->num2)
        diag_error(cx->d, e->loc, "range %s..%s is empty (its start is past its end)", e->lhs->text, e->rhs->text);
    return v;
}

/* One more step of the budget; false (reported once) when it is spent. */
static bool step(eval_ctx *cx, src_loc loc)
{
    eval_budget *b = cx->budget;
    if (!b)
        return true;
    if (b->spent)
        return false;
    if (++b->steps <= EVAL_MAX_STEPS)
        return true;
    b->spent = true;
    diag_error(cx->d, loc, "evaluation stopped here after %lu steps: the program computes too much "
               "(loops over long lists, nested)", (unsigned long)EVAL_MAX_STEPS);
    return false;
}

/* A value that grew past a limit is reported where it was made. */
static value *within_limits(eval_ctx *cx, value *v, src_loc loc)
{
    if (v->kind == V_STRING && v->text && strlen(v->text) > EVAL_MAX_STRING) {
        diag_error(cx->d, loc, "this string is longer than %u MiB", EVAL_MAX_STRING >> 20);
        return err(cx, loc);
    }
    if (v->items.len && val_weight(v, EVAL_MAX_WEIGHT) > EVAL_MAX_WEIGHT) {
        diag_error(cx->d, loc, "this value holds more than %d values", EVAL_MAX_WEIGHT);
        return err(cx, loc);
    }
    return v;
}

value *eval_typed(eval_ctx *cx, const ast_expr *e, const attr_type *t)
{
    cx->expect = t;
    return eval_expr(cx, e);
}

value *eval_expr(eval_ctx *cx, const ast_expr *e)
{
    const attr_type *want = cx->expect;    /* for this expression, not the ones inside it */
    cx->expect = NULL;
    if (!step(cx, e->loc))
        return err(cx, e->loc);
    if (++cx->depth > EVAL_MAX_DEPTH) {
        cx->depth--;
        diag_error(cx->d, e->loc, "expression nested too deeply");
        return err(cx, e->loc);
    }
    value *v;
    arena *a = cx->a;
    switch (e->kind) {
    case EX_NULL: v = val_null(a, e->loc); break;
    case EX_BOOL: v = val_bool(a, e->num != 0, e->loc); break;
    case EX_NUMBER: case EX_DURATION: case EX_PERCENT: case EX_SIZE: case EX_CIDR: case EX_IP:
        v = eval_typed_literal(cx, e);
        break;
    case EX_RANGE: v = eval_range(cx, e); break;
    case EX_STRING: v = eval_string(cx, e); break;   /* checks its length as it grows */
    case EX_STRLIT: v = val_string(a, e->text, e->loc); break;
    case EX_LIST: v = within_limits(cx, eval_list(cx, e, want), e->loc); break;
    case EX_FOR: v = within_limits(cx, eval_for(cx, e, want), e->loc); break;
    case EX_MAP: v = within_limits(cx, eval_map(cx, e, want), e->loc); break;
    case EX_IDENT: v = eval_ident(cx, e, want); break;
    case EX_MEMBER: v = eval_member_expr(cx, e); break;
    case EX_INDEX: v = eval_index(cx, e); break;
    case EX_CALL: v = within_limits(cx, eval_call(cx, e), e->loc); break;
    case EX_NOT: v = val_bool(a, !val_truthy(eval_expr(cx, e->lhs)), e->loc); break;
    case EX_NEG: v = eval_expr(cx, e->lhs); break;
    case EX_COND:
        v = eval_typed(cx, val_truthy(eval_expr(cx, e->cond)) ? e->lhs : e->rhs, want);
        break;
    default: v = eval_binary(cx, e); break;
    }
    cx->depth--;
    return v;
}

/* ---- type checking ---- */

static bool cidr_parse(const char *text, unsigned *addr, int *prefix)
{
    /* The scanner admits only 1-3 digit octets and a digits-only prefix, so
     * strtoul sees plain digits; its range is still checked. */
    unsigned long o[4], pre = 32;
    const char *s = text;
    for (int i = 0; i < 4; i++) {
        char *end;
        o[i] = strtoul(s, &end, 10);
        if (end == s || o[i] > 255 || (i < 3 && *end != '.'))
            return false;
        s = end + (i < 3);
    }
    if (*s == '/') {
        char *end;
        errno = 0;
        pre = strtoul(s + 1, &end, 10);
        if (end == s + 1 || *end || errno || pre > 32)
            return false;
    } else if (*s) {
        return false;
    }
    *addr = (unsigned)(o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3]);
    *prefix = (int)pre;
    return true;
}

bool eval_cidr(const char *text, unsigned *lo, unsigned *hi)
{
    unsigned addr;
    int pre;
    if (!cidr_parse(text, &addr, &pre))
        return false;
    unsigned mask = pre == 0 ? 0 : 0xffffffffu << (32 - pre);
    *lo = addr & mask;
    *hi = *lo | ~mask;
    return true;
}

/* What a type check names in its messages, spelled only for one. */
static const char *what_text(eval_ctx *cx, eval_what what)
{
    return arena_cat(cx->a, what.prefix ? what.prefix : "", "'", what.name, "'", NULL);
}

static value *mismatch(eval_ctx *cx, value *v, const attr_type *t, src_loc loc, eval_what what)
{
    diag_error(cx->d, loc, "wrong type for %s: expected %s, got %s", what_text(cx, what), sema_type_name(cx->a, t),
               val_kind_name(v->kind));
    return NULL;
}

static value *check_enum(eval_ctx *cx, value *v, const attr_type *t, src_loc loc, eval_what what)
{
    if (v->kind != V_STRING)
        return mismatch(cx, v, t, loc, what);
    if (v->enum_of == t)
        return v;
    const char *text = eval_text(cx, v);
    if (enum_has(t, text))
        return enum_word(cx, text, t, v->loc);
    if (t->name && !(v->flags & VAL_BARE))
        return v;   /* a named enum's words are the ones known (region_codes); a string says another */
    ptrvec words = {0};
    for (size_t i = 0; i < t->nenum; i++)
        vec_push(cx->a, &words, (void *)t->enum_vals[i]);
    const char *hint = diag_did_you_mean(cx->a, text, &words);
    if (t->name)    /* a named enum (region): its words are too many to list */
        diag_error(cx->d, loc, "'%s' is not a valid value for %s: expected a %s%s", text, what_text(cx, what), t->name,
                   hint);
    else
        diag_error(cx->d, loc, "'%s' is not a valid value for %s: expected %s%s", text, what_text(cx, what),
                   sema_type_name(cx->a, t), hint);
    return NULL;
}

static value *check_elems(eval_ctx *cx, value *v, const attr_type *t, src_loc loc, eval_what what)
{
    if (v->kind != (t->kind == T_LIST ? V_LIST : V_MAP))
        return mismatch(cx, v, t, loc, what);
    for (size_t i = 0; i < v->items.len; i++) {
        value *item = v->items.items[i];
        value *ok = eval_check_type(cx, item, t->elem, item->loc.file ? item->loc : loc, what);
        if (!ok)
            return NULL;
        v->items.items[i] = ok;
    }
    return v;
}

/* The part of a block type before its API version ("Microsoft.X/y@2024-01-01"). */
static size_t type_len(const char *type)
{
    const char *at = strchr(type, '@');
    return at ? (size_t)(at - type) : strlen(type);
}

/* A raw block where a ref(KIND) is expected: it stands for a KIND when it
 * is what the kind lowers to first in the block's target (ref(any): any). */
static value *raw_stands_for(eval_ctx *cx, value *v, const attr_type *t, src_loc loc, eval_what what)
{
    const tref *r = &v->ref;
    const char *want = t->ref_to ? t->ref_to->primary[r->raw_target] : NULL;
    const char *type = r->type ? r->type : NULL;
    if (!t->ref_kind)
        return v;
    if (!type || !want || type_len(type) != type_len(want) || strncmp(type, want, type_len(want)) != 0) {
        diag_error(cx->d, loc, "wrong type for %s: expected %s, got the raw block %s%s%s%s", what_text(cx, what),
                   sema_type_name(cx->a, t), r->is_data ? "data." : "", type ? type : "", type ? "." : "", r->local);
        if (want)
            diag_note(cx->d, loc, "a raw block stands for a %s when its type is %s", t->ref_kind, want);
        return NULL;
    }
    return v;
}

value *eval_check_type(eval_ctx *cx, value *v, const attr_type *t, src_loc loc, eval_what what)
{
    if (v->kind == V_NULL)
        return v;   /* absence is checked by the caller, which knows about defaults */
    switch (t->kind) {
    case T_ANY:
        return v;
    case T_STRING:
        if (v->kind == V_STRING || v->kind == V_INTERP || v->kind == V_RAW || v->kind == V_TREF)
            return v;
        return mismatch(cx, v, t, loc, what);
    case T_BOOL:
        return v->kind == V_BOOL ? v : mismatch(cx, v, t, loc, what);
    case T_NUMBER:
        return v->kind == V_NUMBER || v->kind == V_TREF || v->kind == V_RAW ? v : mismatch(cx, v, t, loc, what);
    case T_DURATION:
        return v->kind == V_DURATION ? v : mismatch(cx, v, t, loc, what);
    case T_PERCENT:
        return v->kind == V_PERCENT ? v : mismatch(cx, v, t, loc, what);
    case T_SIZE:
        return v->kind == V_SIZE ? v : mismatch(cx, v, t, loc, what);
    case T_IP:
        return v->kind == V_IP ? v : mismatch(cx, v, t, loc, what);
    case T_SECRET:
        return v->kind == V_SECRET ? v : mismatch(cx, v, t, loc, what);
    case T_CIDR: {
        unsigned lo, hi;
        if (v->kind != V_CIDR)
            return mismatch(cx, v, t, loc, what);
        if (!eval_cidr(v->text, &lo, &hi)) {
            diag_error(cx->d, loc, "'%s' is not a valid CIDR block (four numbers 0-255 and a prefix 0-32)", v->text);
            return NULL;
        }
        char exact[32];
        snprintf(exact, sizeof exact, "%u.%u.%u.%u/%s", lo >> 24, (lo >> 16) & 255, (lo >> 8) & 255, lo & 255,
                 strchr(v->text, '/') + 1);
        if (strcmp(exact, v->text) != 0) {
            diag_error(cx->d, loc, "'%s' has host bits set: the network is %s", v->text, exact);
            return NULL;
        }
        return v;
    }
    case T_RANGE:
        if (v->kind == V_NUMBER) {      /* `nodes = 3` means 3..3 */
            value *r = val_new(cx->a, V_RANGE, v->loc);
            r->num = r->num2 = v->num;
            return r;
        }
        return v->kind == V_RANGE ? v : mismatch(cx, v, t, loc, what);
    case T_ENUM:
        return check_enum(cx, v, t, loc, what);
    case T_LIST:
    case T_MAP:
        return check_elems(cx, v, t, loc, what);
    case T_REF:
        if (v->kind == V_TREF && v->ref.raw)
            return raw_stands_for(cx, v, t, loc, what);
        if (v->kind != V_RESOURCE)
            return mismatch(cx, v, t, loc, what);
        if (t->ref_kind && strcmp(v->res->kind, t->ref_kind) != 0) {
            diag_error(cx->d, loc, "wrong type for %s: expected %s, got a %s ('%s')", what_text(cx, what),
                       sema_type_name(cx->a, t), v->res->kind, v->res->path);
            return NULL;
        }
        return v;
    }
    return v;
}

/* ---- the expander ---- */

/* Whether a `when` holds is a look at the environment, whichever way it
 * goes. Where there is none (workflows), a `when` is a mistake. */
static bool when_holds(expander *ex, const ast_item *it)
{
    if (!ex->env) {
        diag_error(ex->cx.d, it->loc, "`when` cannot stand here: this is made once for every environment "
                   "(in a `for env in envs { }` its items are made per environment, and a `when` there holds "
                   "where it names the one)");
        return false;
    }
    observe(&ex->cx);
    for (size_t i = 0; ex->env && i < it->envs.len; i++)
        if (strcmp(it->envs.items[i], ex->env) == 0)
            return true;
    return false;
}

static value *eval_in(expander *ex, const ast_expr *e, scope *sc)
{
    eval_ctx cx = ex->cx;
    cx.sc = sc;
    return eval_expr(&cx, e);
}

static void expand_for(expander *ex, const ast_item *it, scope *sc)
{
    value *list = eval_in(ex, it->value, sc);
    arena *a = ex->cx.a;
    if (list->kind == V_MAP) {
        for (size_t i = 0; i < list->keys.len && step(&ex->cx, it->loc); i++) {
            value *kv = val_new(a, V_MAP, list->loc);
            val_map_set(a, kv, "key", val_string(a, list->keys.items[i], list->loc));
            val_map_set(a, kv, "value", list->items.items[i]);
            expand_items(ex, &it->body, scope_bind(a, sc, it->name, kv));
        }
        return;
    }
    if (list->kind != V_LIST) {
        if (!(list->flags & VAL_ERROR))
            diag_error(ex->cx.d, it->value->loc, "for needs a list or a map, got a %s", val_kind_name(list->kind));
        return;
    }
    /* Made once for every environment (a workflow), `for env in envs`
     * makes its items per environment: a `when` in them holds where it
     * names that one. */
    bool per_env = ex->per_env_loops && !ex->env && strcmp(it->name, "env") == 0;
    for (size_t i = 0; i < list->items.len && step(&ex->cx, it->loc); i++) {
        value *x = list->items.items[i];
        if (per_env && x->kind != V_STRING) {
            diag_error(ex->cx.d, it->value->loc, "for env in ...: the list holds environments' names");
            return;
        }
        if (per_env)
            ex->env = eval_text(&ex->cx, x);
        expand_items(ex, &it->body, scope_bind(a, sc, it->name, x));
        if (per_env)
            ex->env = NULL;
    }
}

void expand_items(expander *ex, const ptrvec *items, scope *sc)
{
    for (size_t i = 0; i < items->len; i++) {
        const ast_item *it = items->items[i];
        switch (it->kind) {
        case IT_WHEN:
            if (when_holds(ex, it)) {
                ex->overriding++;
                expand_items(ex, &it->body, sc);
                ex->overriding--;
            }
            break;
        case IT_IF:
            if (ex->defer)
                ex->defer(ex, it, sc);
            else
                expand_items(ex, val_truthy(eval_in(ex, it->value, sc)) ? &it->body : &it->else_body, sc);
            break;
        case IT_FOR:
            if (ex->defer)
                ex->defer(ex, it, sc);
            else
                expand_for(ex, it, sc);
            break;
        case IT_LET:
            sc = scope_bind(ex->cx.a, sc, it->name, eval_in(ex, it->value, sc));
            break;
        default:
            ex->item(ex, it, sc);
        }
    }
}

expand_clash expand_clash_of(int earlier, int later)
{
    if (!earlier && !later)
        return CLASH_TWICE;
    return later >= earlier ? CLASH_REPLACE : CLASH_KEEP;
}
