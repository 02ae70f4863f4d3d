/* builtins.c — the language's built-in functions (those that read the
 * program itself are the host's: inst.c). Each checks its own arguments and
 * reports at the call; a failed call yields null so that evaluation
 * continues and further errors are still found. */
#include "eval.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static value *bad(eval_ctx *cx, const ast_expr *call, const char *msg)
{
    diag_error(cx->d, call->loc, "%s(): %s", call->text, msg);
    return val_null(cx->a, call->loc);
}

/* A string a built-in is making grew past the evaluator's limit (eval.h):
 * reported before more of it is made. */
static bool too_long(eval_ctx *cx, const ast_expr *call, size_t len)
{
    if (len <= EVAL_MAX_STRING)
        return false;
    diag_error(cx->d, call->loc, "%s(): the string would be longer than %u MiB", call->text, EVAL_MAX_STRING >> 20);
    return true;
}

static const char *str_arg(value *v)
{
    return v->kind == V_STRING ? v->text : NULL;
}

static value *fn_raw(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 1 || !str_arg(args[0]))
        return bad(cx, c, "takes one string: an expression in the target's syntax");
    value *v = val_new(cx->a, V_RAW, c->loc);
    v->text = args[0]->text;
    return v;
}

static value *fn_secret(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 1 || !str_arg(args[0]) || !args[0]->text[0])
        return bad(cx, c, "takes the secret's name");
    value *v = val_new(cx->a, V_SECRET, c->loc);
    char *name = arena_strdup(cx->a, args[0]->text);
    for (char *s = name; *s; s++)
        *s = (*s == '-' || *s == '.' || *s == ' ') ? '_' : (char)tolower((unsigned char)*s);
    v->text = name;
    return v;
}

static value *fn_concat(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    value *out = val_new(cx->a, V_LIST, c->loc);
    for (size_t i = 0; i < n; i++) {
        if (args[i]->kind == V_NULL)
            continue;
        if (args[i]->kind != V_LIST)
            return bad(cx, c, "takes lists");
        for (size_t j = 0; j < args[i]->items.len; j++)
            vec_push(cx->a, &out->items, args[i]->items.items[j]);
    }
    return out;
}

static value *fn_merge(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    value *out = val_new(cx->a, V_MAP, c->loc);
    for (size_t i = 0; i < n; i++) {
        if (args[i]->kind == V_NULL)
            continue;
        if (args[i]->kind != V_MAP)
            return bad(cx, c, "takes maps");
        for (size_t j = 0; j < args[i]->keys.len; j++)
            val_map_set(cx->a, out, args[i]->keys.items[j], args[i]->items.items[j]);
    }
    return out;
}

static value *change_case(eval_ctx *cx, const ast_expr *c, const char *text)
{
    char *s = arena_strdup(cx->a, text);
    for (char *q = s; *q; q++)
        *q = (char)(c->text[0] == 'l' ? tolower((unsigned char)*q) : toupper((unsigned char)*q));
    return val_string(cx->a, s, c->loc);
}

/* lower(s), upper(s); on a list of strings, each of them. */
static value *fn_case(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n == 1 && str_arg(args[0]))
        return change_case(cx, c, args[0]->text);
    if (n != 1 || args[0]->kind != V_LIST)
        return bad(cx, c, "takes a string or a list of strings");
    value *out = val_new(cx->a, V_LIST, c->loc);
    for (size_t i = 0; i < args[0]->items.len; i++) {
        value *item = args[0]->items.items[i];
        if (!str_arg(item))
            return bad(cx, c, "takes a string or a list of strings");
        vec_push(cx->a, &out->items, change_case(cx, c, eval_text(cx, item)));
    }
    return out;
}

/* formatlist("TF_VAR_%s", list): the format applied to each item (%s only). */
static value *fn_formatlist(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 2 || !str_arg(args[0]) || args[1]->kind != V_LIST)
        return bad(cx, c, "takes a format with %s and a list");
    const char *hole = strstr(args[0]->text, "%s");
    if (!hole || strstr(hole + 2, "%s"))
        return bad(cx, c, "the format needs exactly one %s");
    value *out = val_new(cx->a, V_LIST, c->loc);
    for (size_t i = 0; i < args[1]->items.len; i++) {
        value *item = args[1]->items.items[i];
        const char *t = val_to_text(cx->a, item);   /* the environment's name passes through */
        if (!t && (item->kind == V_TREF || item->kind == V_RAW)) {
            /* a reference: the same template as an interpolation */
            value *in = val_new(cx->a, V_INTERP, c->loc);
            size_t pre = (size_t)(hole - args[0]->text);
            if (pre)
                vec_push(cx->a, &in->items, val_string(cx->a, arena_strndup(cx->a, args[0]->text, pre), c->loc));
            vec_push(cx->a, &in->items, item);
            if (hole[2])
                vec_push(cx->a, &in->items, val_string(cx->a, hole + 2, c->loc));
            vec_push(cx->a, &out->items, in);
            continue;
        }
        if (!t)
            return bad(cx, c, "can only format plain values");
        vec_push(cx->a, &out->items,
                 val_string(cx->a, arena_printf(cx->a, "%.*s%s%s", (int)(hole - args[0]->text),
                                                   args[0]->text, t, hole + 2), c->loc));
    }
    return out;
}

/* wrap_each(list, "key"): [{key = item}, ...] — Bicep's ipRules and the like. */
static value *fn_wrap_each(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 2 || args[0]->kind != V_LIST || !str_arg(args[1]))
        return bad(cx, c, "takes a list and a key");
    value *out = val_new(cx->a, V_LIST, c->loc);
    for (size_t i = 0; i < args[0]->items.len; i++) {
        value *m = val_new(cx->a, V_MAP, c->loc);
        val_map_set(cx->a, m, args[1]->text, args[0]->items.items[i]);
        vec_push(cx->a, &out->items, m);
    }
    return out;
}

/* entries(map, "name", "value"): [{name = k, value = v}, ...] — a map as
 * the list of pairs Kubernetes env and similar fields want. */
static value *fn_entries(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 3 || args[0]->kind != V_MAP || !str_arg(args[1]) || !str_arg(args[2]))
        return bad(cx, c, "takes a map and the two field names");
    value *out = val_new(cx->a, V_LIST, c->loc);
    for (size_t i = 0; i < args[0]->keys.len; i++) {
        value *m = val_new(cx->a, V_MAP, c->loc);
        val_map_set(cx->a, m, args[1]->text, val_string(cx->a, args[0]->keys.items[i], c->loc));
        val_map_set(cx->a, m, args[2]->text, args[0]->items.items[i]);
        vec_push(cx->a, &out->items, m);
    }
    return out;
}

/* zipmap(keys, values): a map from two lists of the same length. */
static value *fn_zipmap(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 2 || args[0]->kind != V_LIST || args[1]->kind != V_LIST || args[0]->items.len != args[1]->items.len)
        return bad(cx, c, "takes two lists of the same length");
    value *out = val_new(cx->a, V_MAP, c->loc);
    for (size_t i = 0; i < args[0]->items.len; i++) {
        value *key = args[0]->items.items[i];
        const char *k = key->kind == V_STRING ? eval_text(cx, key) : val_to_text(cx->a, key);
        if (!k)
            return bad(cx, c, "keys must be plain values");
        val_map_set(cx->a, out, k, args[1]->items.items[i]);
    }
    return out;
}

static value *fn_replace(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 3 || !str_arg(args[0]) || !str_arg(args[1]) || !str_arg(args[2]) || !args[1]->text[0])
        return bad(cx, c, "takes a string, a non-empty substring and its replacement");
    strbuf sb;
    sb_init(&sb, cx->a);
    const char *s = args[0]->text, *from = args[1]->text;
    size_t flen = strlen(from);
    for (const char *hit; (hit = strstr(s, from)); s = hit + flen) {
        sb_putn(&sb, s, (size_t)(hit - s));
        sb_puts(&sb, args[2]->text);
        if (too_long(cx, c, sb.len))
            return val_null(cx->a, c->loc);
    }
    sb_puts(&sb, s);
    return val_string(cx->a, sb.data, c->loc);
}

/* join over references (known once applied): one interpolation, the
 * separator between the items' parts. */
static value *join_refs(eval_ctx *cx, const ast_expr *c, const char *sep, const value *list)
{
    value *out = val_new(cx->a, V_INTERP, c->loc);
    for (size_t i = 0; i < list->items.len; i++) {
        value *item = list->items.items[i];
        if (i && *sep)
            vec_push(cx->a, &out->items, val_string(cx->a, sep, c->loc));
        if (item->kind == V_INTERP) {
            for (size_t j = 0; j < item->items.len; j++)
                vec_push(cx->a, &out->items, item->items.items[j]);
        } else if (item->kind == V_TREF || item->kind == V_RAW) {
            vec_push(cx->a, &out->items, item);
        } else {
            const char *t = val_to_text(cx->a, item);
            if (!t)
                return bad(cx, c, "can only join plain values and references");
            vec_push(cx->a, &out->items, val_string(cx->a, t, c->loc));
        }
    }
    return out;
}

static value *fn_join(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 2 || !str_arg(args[0]) || args[1]->kind != V_LIST)
        return bad(cx, c, "takes a separator and a list");
    for (size_t i = 0; i < args[1]->items.len; i++) {
        value_kind k = ((const value *)args[1]->items.items[i])->kind;
        if (k == V_TREF || k == V_RAW || k == V_INTERP)
            return join_refs(cx, c, args[0]->text, args[1]);
    }
    strbuf sb;
    sb_init(&sb, cx->a);
    for (size_t i = 0; i < args[1]->items.len; i++) {
        const char *t = val_to_text(cx->a, args[1]->items.items[i]);
        if (!t)
            return bad(cx, c, "can only join plain values");
        if (i)
            sb_puts(&sb, args[0]->text);
        sb_puts(&sb, t);
        if (too_long(cx, c, sb.len))
            return val_null(cx->a, c->loc);
    }
    return val_string(cx->a, sb.data, c->loc);
}

static value *fn_length(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 1)
        return bad(cx, c, "takes one argument");
    if (args[0]->kind == V_STRING)
        return val_number(cx->a, (double)strlen(args[0]->text), c->loc);
    if (args[0]->kind == V_LIST || args[0]->kind == V_MAP)
        return val_number(cx->a, (double)args[0]->items.len, c->loc);
    return bad(cx, c, "takes a string, list or map");
}

static value *fn_contains(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 2 || (args[0]->kind != V_LIST && args[0]->kind != V_NULL))
        return bad(cx, c, "takes a list and a value");
    for (size_t i = 0; i < args[0]->items.len; i++)
        if (val_equal(eval_concrete(cx, args[0]->items.items[i]), args[1]))
            return val_bool(cx->a, true, c->loc);
    return val_bool(cx->a, false, c->loc);
}

/* lookup(map, key, default): the key's value, or default where the map has
 * no such key (reading it as map.key would be an error). */
static value *fn_lookup(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 3 || args[0]->kind != V_MAP || !str_arg(args[1]))
        return bad(cx, c, "takes a map, a key and the default where the map has no such key");
    value *v = val_map_get(args[0], args[1]->text);
    return v ? v : args[2];
}

static value *fn_keys(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 1 || args[0]->kind != V_MAP)
        return bad(cx, c, "takes a map");
    value *out = val_new(cx->a, V_LIST, c->loc);
    for (size_t i = 0; i < args[0]->keys.len; i++)
        vec_push(cx->a, &out->items, val_string(cx->a, args[0]->keys.items[i], c->loc));
    return out;
}

static value *fn_tostring(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    const char *t = n == 1 ? val_to_text(cx->a, args[0]) : NULL;
    if (!t)
        return bad(cx, c, "takes one plain value");
    return val_string(cx->a, t, c->loc);
}

static value *fn_coalesce(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (args[i]->kind != V_NULL)
            return args[i];
    return val_null(cx->a, c->loc);
}

/* jsonencode(v): JSON text, encoded by each target in its own idiom
 * (Terraform jsonencode({...}) keeps references live). */
static value *fn_jsonencode(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 1)
        return bad(cx, c, "takes one value");
    value *v = val_new(cx->a, V_JSON, c->loc);
    vec_push(cx->a, &v->items, args[0]);
    return v;
}

/* call("f", args...): the target's function f applied to the arguments,
 * which may hold references (Bicep guid(vault.id, identity.id)): what a
 * kind needs the target to compute at deployment. */
static value *fn_call(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n < 1 || !str_arg(args[0]) || !args[0]->text[0])
        return bad(cx, c, "takes the target function's name, then its arguments");
    for (const char *s = args[0]->text; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.')
            return bad(cx, c, "takes a function name of letters, digits, '_' and '.'");
    if (cx->target < 0 || !target_table[cx->target].iac)
        return bad(cx, c, arena_printf(cx->a, "is only meaningful in a %s lowering", target_iac_names(cx->a)));
    value *v = val_new(cx->a, V_CALL, c->loc);
    v->text = args[0]->text;
    for (size_t i = 1; i < n; i++)
        vec_push(cx->a, &v->items, args[i]);
    return v;
}

static value *fn_cidr_within(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    unsigned ilo, ihi, olo, ohi;
    if (n != 2 || args[0]->kind != V_CIDR || args[1]->kind != V_CIDR)
        return bad(cx, c, "takes two CIDR blocks");
    if (!eval_cidr(args[0]->text, &ilo, &ihi) || !eval_cidr(args[1]->text, &olo, &ohi))
        return val_bool(cx->a, true, c->loc);   /* invalid CIDRs are reported by the type check */
    return val_bool(cx->a, ilo >= olo && ihi <= ohi, c->loc);
}

/* cidr_size(cidr): how many addresses the block holds (a /24: 256). */
static value *fn_cidr_size(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    unsigned lo, hi;
    if (n != 1 || args[0]->kind != V_CIDR)
        return bad(cx, c, "takes a CIDR block");
    if (!eval_cidr(args[0]->text, &lo, &hi))
        return val_null(cx->a, c->loc);   /* invalid CIDRs are reported by the type check */
    return val_number(cx->a, (double)hi - (double)lo + 1, c->loc);
}

/* cidr_subnet(cidr, newbits, netnum): the netnum-th block of the prefix
 * lengthened by newbits, as Terraform's cidrsubnet: cidr_subnet(10.0.0.0/16,
 * 4, 2) is 10.0.32.0/20. Kinds carve one range into subnets per zone with it. */
static value *fn_cidr_subnet(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    unsigned lo, hi;
    if (n != 3 || args[0]->kind != V_CIDR || args[1]->kind != V_NUMBER || args[2]->kind != V_NUMBER)
        return bad(cx, c, "takes a CIDR block, the bits to add to its prefix and the block's number");
    if (!eval_cidr(args[0]->text, &lo, &hi))
        return val_null(cx->a, c->loc);   /* invalid CIDRs are reported by the type check */
    int prefix = 32 - (int)round(log2((double)hi - (double)lo + 1));
    double bits = args[1]->num, num = args[2]->num;
    if (bits != floor(bits) || bits < 1 || prefix + bits > 32)
        return bad(cx, c, arena_printf(cx->a, "cannot add %s bits to a /%d prefix", val_to_text(cx->a, args[1]), prefix));
    if (num != floor(num) || num < 0 || num >= ldexp(1, (int)bits))
        return bad(cx, c, arena_printf(cx->a, "block %s does not exist: a /%d holds %.0f blocks of /%d",
                                       val_to_text(cx->a, args[2]), prefix, ldexp(1, (int)bits), prefix + (int)bits));
    int len = prefix + (int)bits;
    unsigned addr = lo + (unsigned)num * (unsigned)ldexp(1, 32 - len);
    value *v = val_new(cx->a, V_CIDR, c->loc);
    v->text = arena_printf(cx->a, "%u.%u.%u.%u/%d", addr >> 24, addr >> 16 & 255, addr >> 8 & 255, addr & 255, len);
    return v;
}

/* range(n): [0, 1, ..., n-1], for a loop that needs each item's place
 * (a region's failover priority). */
static value *fn_range(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 1 || args[0]->kind != V_NUMBER || args[0]->num < 0 || args[0]->num != floor(args[0]->num) ||
        args[0]->num > 100000)
        return bad(cx, c, "takes a whole number from 0 to 100000");
    value *out = val_new(cx->a, V_LIST, c->loc);
    for (double i = 0; i < args[0]->num; i++)
        vec_push(cx->a, &out->items, val_number(cx->a, i, c->loc));
    return out;
}

/* sum(list): the total of a list of numbers (0 for an empty list). */
static value *fn_sum(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 1 || (args[0]->kind != V_LIST && args[0]->kind != V_NULL))
        return bad(cx, c, "takes a list of numbers");
    double total = 0;
    for (size_t i = 0; i < args[0]->items.len; i++) {
        const value *item = args[0]->items.items[i];
        if (item->kind != V_NUMBER)
            return bad(cx, c, arena_printf(cx->a, "takes a list of numbers, not of %s", val_kind_name(item->kind)));
        total += item->num;
    }
    return val_number(cx->a, total, c->loc);
}

/* ceil(n): the least whole number not below n (a share of nodes rounds up). */
static value *fn_ceil(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 1 || args[0]->kind != V_NUMBER)
        return bad(cx, c, "takes a number");
    /* 12 * 0.33 is 3.9600000000000004 in binary: round off noise below a
     * millionth before rounding up, so a whole result stays whole. */
    double x = args[0]->num, r = round(x);
    return val_number(cx->a, fabs(x - r) < 1e-6 ? r : ceil(x), c->loc);
}

/* distinct(list): the list without repeats, in first-seen order. */
static value *fn_distinct(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 1 || (args[0]->kind != V_LIST && args[0]->kind != V_NULL))
        return bad(cx, c, "takes a list");
    value *out = val_new(cx->a, V_LIST, c->loc);
    for (size_t i = 0; i < args[0]->items.len; i++) {
        value *item = args[0]->items.items[i];
        bool seen = false;
        for (size_t j = 0; j < out->items.len && !seen; j++)
            seen = val_equal(eval_concrete(cx, out->items.items[j]), eval_concrete(cx, item));
        if (!seen)
            vec_push(cx->a, &out->items, item);
    }
    return out;
}

/* cidr_overlaps(cidr, list): the first CIDR of the list that shares an
 * address with cidr, or null. */
static value *fn_cidr_overlaps(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    unsigned lo, hi, olo, ohi;
    if (n != 2 || args[0]->kind != V_CIDR || args[1]->kind != V_LIST)
        return bad(cx, c, "takes a CIDR block and a list of them");
    if (!eval_cidr(args[0]->text, &lo, &hi))
        return val_null(cx->a, c->loc);
    for (size_t i = 0; i < args[1]->items.len; i++) {
        value *o = args[1]->items.items[i];
        if (o->kind == V_CIDR && eval_cidr(o->text, &olo, &ohi) && lo <= ohi && olo <= hi)
            return o;
    }
    return val_null(cx->a, c->loc);
}

/* pluck(list, "attr"): that member of every item. */
static value *fn_pluck(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 2 || args[0]->kind != V_LIST || !str_arg(args[1]))
        return bad(cx, c, "takes a list and a member name");
    value *out = val_new(cx->a, V_LIST, c->loc);
    for (size_t i = 0; i < args[0]->items.len; i++)
        vec_push(cx->a, &out->items, eval_member(cx, args[0]->items.items[i], args[1]->text, c->loc));
    return out;
}

/* ref(resource, "attr"): the attribute of the resource's primary target
 * block, as a reference (so the target sees the dependency), even where the
 * resource has a compile-time attribute of the same name. ref(resource): the
 * block itself, where the target names a resource by its symbol (a Bicep
 * `scope:` or `parent:`, a Terraform `depends_on`).
 * ref(resource, "type.name", "attr"): the attribute of another block of that
 * resource's lowering, by the name the lowering gives it ("aws_kms_key.this";
 * in Bicep just "this"), for what a kind makes beside its primary block;
 * an empty attribute is the block itself. */
static value *fn_ref(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    bool raw = n >= 1 && n <= 2 && args[0]->kind == V_TREF && args[0]->ref.raw && !args[0]->ref.path;
    if (n < 1 || n > 3 || (args[0]->kind != V_RESOURCE && !raw) || (n >= 2 && !str_arg(args[1])) ||
        (n == 3 && !str_arg(args[2])))
        return bad(cx, c, "takes a resource (or a raw block), optionally one of its blocks (\"type.name\"), "
                   "and an attribute path");
    if (cx->target < 0 || !target_table[cx->target].iac)
        return bad(cx, c, arena_printf(cx->a, "is only meaningful in a %s lowering", target_iac_names(cx->a)));
    if (raw) {      /* a raw block standing for a resource: that block, or its attribute */
        value *v = val_new(cx->a, V_TREF, c->loc);
        v->ref = args[0]->ref;
        v->ref.path = n == 2 ? args[1]->text : NULL;
        return v;
    }
    value *v = val_new(cx->a, V_TREF, c->loc);
    v->ref.owner = args[0]->res;
    v->ref.path = n >= 2 && args[n - 1]->text[0] ? args[n - 1]->text : NULL;
    if (n < 3) {
        v->ref.primary = true;
        return v;
    }
    const char *block = args[1]->text, *dot = strrchr(block, '.');
    v->ref.local = dot ? dot + 1 : block;
    v->ref.type = dot ? arena_strndup(cx->a, block, (size_t)(dot - block)) : NULL;
    if (v->ref.type && !strncmp(v->ref.type, "data.", 5)) {
        v->ref.is_data = true;
        v->ref.type += 5;
    }
    if (!v->ref.local[0] || (v->ref.type && !v->ref.type[0]))
        return bad(cx, c, "names a block as \"type.name\"");
    return v;
}

/* ---- for policy rules: reading emitted blocks ---- */

/* The text a pattern is matched against: strings, interpolations (their
 * literal parts) and target expressions; NULL for anything else. */
static const char *match_text(eval_ctx *cx, const value *v)
{
    return v->kind == V_STRING || v->kind == V_INTERP || v->kind == V_RAW ? eval_text(cx, v) : NULL;
}

/* A compiled pattern and what it said of the texts it has seen: policy
 * rules match the same few patterns against the same attribute names in
 * every block, and regexec is slow. */
typedef struct pattern {
    regex_t re;
    strmap seen;                /* text -> (void *)1 matched, (void *)2 did not */
} pattern;

struct pattern_cache {
    arena *a;                   /* outlives every evaluation that uses the cache */
    strmap by_text[2];          /* pattern text -> pattern*; [1]: ignoring case */
};

static void pattern_free(void *pt)
{
    regfree(&((pattern *)pt)->re);
}

pattern_cache *pattern_cache_new(arena *a)
{
    pattern_cache *pc = arena_alloc(a, sizeof *pc);
    pc->a = a;
    strmap_init(&pc->by_text[0], a);
    strmap_init(&pc->by_text[1], a);
    return pc;
}

/* The pattern, compiled once per cache; NULL (reported) if invalid. Without
 * a cache, it is compiled in the evaluation's arena and freed with it. */
static pattern *pattern_of(eval_ctx *cx, const ast_expr *c, const value *pat, int flags)
{
    if (pat->kind != V_STRING)
        return bad(cx, c, "the pattern is a string"), NULL;
    strmap *cache = cx->patterns ? &cx->patterns->by_text[flags == REG_ICASE] : NULL;
    pattern *pt = cache ? strmap_get(cache, pat->text) : NULL;
    if (pt)
        return pt;
    arena *a = cx->patterns ? cx->patterns->a : cx->a;
    pt = arena_alloc(a, sizeof *pt);
    if (regcomp(&pt->re, pat->text, REG_EXTENDED | REG_NOSUB | flags) != 0) {
        bad(cx, c, "the pattern is not a POSIX extended regular expression");
        return NULL;
    }
    strmap_init(&pt->seen, a);
    arena_defer(a, pattern_free, pt);
    if (cache)
        strmap_put(cache, arena_strdup(a, pat->text), pt);
    return pt;
}

static bool pattern_match(pattern *pt, const char *text)
{
    uintptr_t v = (uintptr_t)strmap_get(&pt->seen, text);
    if (!v) {
        v = regexec(&pt->re, text, 0, NULL, 0) == 0 ? 1 : 2;
        strmap_put(&pt->seen, arena_strdup(pt->seen.a, text), (void *)v);
    }
    return v == 1;
}

/* How many of the texts (a value or a list of them) match; *total counts them. */
static size_t count_matches(eval_ctx *cx, pattern *re, const value *v, size_t *total)
{
    size_t n = 0;
    if (v->kind == V_LIST) {
        for (size_t i = 0; i < v->items.len; i++)
            n += count_matches(cx, re, v->items.items[i], total);
        return n;
    }
    if (v->kind == V_NULL)
        return 0;
    ++*total;
    const char *t = match_text(cx, v);
    return t && pattern_match(re, t);
}

/* matches(s, re): does s match; any_match / all_match(list, re): some / every item.
 * A third argument "i" ignores case (GitHub's expression contexts do). */
static value *fn_matches(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 2 && n != 3)
        return bad(cx, c, "takes a value, a pattern and, to ignore case, \"i\"");
    if (n == 3 && (!str_arg(args[2]) || strcmp(args[2]->text, "i") != 0))
        return bad(cx, c, "the third argument is \"i\" (ignore case)");
    pattern *re = pattern_of(cx, c, args[1], n == 3 ? REG_ICASE : 0);
    if (!re)
        return val_bool(cx->a, false, c->loc);
    size_t total = 0, hits = count_matches(cx, re, args[0], &total);
    bool r = !strcmp(c->text, "all_match") ? hits == total : hits > 0;
    return val_bool(cx->a, r, c->loc);
}

/* as_list(x): x when a list, [] for null, else [x] (a block that may repeat). */
static value *fn_as_list(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 1)
        return bad(cx, c, "takes one value");
    if (args[0]->kind == V_LIST)
        return args[0];
    value *out = val_new(cx->a, V_LIST, c->loc);
    if (args[0]->kind != V_NULL)
        vec_push(cx->a, &out->items, args[0]);
    return out;
}

static value *fn_values(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 1 || (args[0]->kind != V_MAP && args[0]->kind != V_NULL))
        return bad(cx, c, "takes a map");
    value *out = val_new(cx->a, V_LIST, c->loc);
    for (size_t i = 0; i < args[0]->items.len; i++)
        vec_push(cx->a, &out->items, args[0]->items.items[i]);
    return out;
}

/* flatten(list): one level of nested lists spliced in; nulls dropped. */
static value *fn_flatten(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 1 || (args[0]->kind != V_LIST && args[0]->kind != V_NULL))
        return bad(cx, c, "takes a list");
    value *out = val_new(cx->a, V_LIST, c->loc);
    for (size_t i = 0; i < args[0]->items.len; i++) {
        value *it = args[0]->items.items[i];
        if (it->kind == V_LIST)
            for (size_t j = 0; j < it->items.len; j++)
                vec_push(cx->a, &out->items, it->items.items[j]);
        else if (it->kind != V_NULL)
            vec_push(cx->a, &out->items, it);
    }
    return out;
}

static void find_keys_in(eval_ctx *cx, pattern *re, value *v, value *out)
{
    for (size_t i = 0; i < v->items.len; i++) {
        value *item = v->items.items[i];
        if (v->kind == V_MAP && item->kind != V_MAP && item->kind != V_LIST &&
            pattern_match(re, v->keys.items[i])) {
            value *e = val_new(cx->a, V_MAP, item->loc);
            val_map_set(cx->a, e, "key", val_string(cx->a, v->keys.items[i], item->loc));
            val_map_set(cx->a, e, "value", item);
            vec_push(cx->a, &out->items, e);
        }
        if (item->kind == V_MAP || item->kind == V_LIST)
            find_keys_in(cx, re, item, out);
    }
}

/* find_keys(v, re): every {key, value} below v whose key matches re
 * (ignoring case) and whose value is not a map or list. */
static value *fn_find_keys(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 2)
        return bad(cx, c, "takes a value and a pattern");
    value *out = val_new(cx->a, V_LIST, c->loc);
    pattern *re = pattern_of(cx, c, args[1], REG_ICASE);
    if (re && (args[0]->kind == V_MAP || args[0]->kind == V_LIST))
        find_keys_in(cx, re, args[0], out);
    return out;
}

/* type_of(x): "string", "number", "bool", "null", "list", "map", "secret"
 * (a sensitive input), "interpolation" (a string with references),
 * "expression" (a reference or raw target expression), ... */
static value *fn_type_of(eval_ctx *cx, const ast_expr *c, value **args, size_t n)
{
    if (n != 1)
        return bad(cx, c, "takes one value");
    static const char *names[] = {[V_INTERP] = "interpolation", [V_RAW] = "expression", [V_SECRET] = "secret",
                                  [V_TREF] = "expression", [V_JSON] = "json",
                                  [V_CALL] = "expression"};
    value_kind k = args[0]->kind;
    const char *name = k < sizeof names / sizeof names[0] && names[k] ? names[k] : val_kind_name(k);
    return val_string(cx->a, name, c->loc);
}

/* Sorted by name (strcmp order), for a binary search: every call looks its
 * function up. `passes`: the function passes a string argument on as it is,
 * the environment's name included (envname.h); the others read their string
 * arguments as the environment has them (eval_text). */
typedef struct builtin {
    const char *name;
    eval_fn fn;
    bool passes;
} builtin;

static const builtin builtins[] = {
    {"all_match", fn_matches, false},
    {"any_match", fn_matches, false},
    {"as_list", fn_as_list, true},
    {"call", fn_call, false},
    {"ceil", fn_ceil, false},
    {"cidr_overlaps", fn_cidr_overlaps, false},
    {"cidr_size", fn_cidr_size, false},
    {"cidr_subnet", fn_cidr_subnet, false},
    {"cidr_within", fn_cidr_within, false},
    {"coalesce", fn_coalesce, true},
    {"concat", fn_concat, false},
    {"contains", fn_contains, false},
    {"distinct", fn_distinct, false},
    {"entries", fn_entries, false},
    {"find_keys", fn_find_keys, false},
    {"flatten", fn_flatten, false},
    {"formatlist", fn_formatlist, false},
    {"join", fn_join, false},
    {"jsonencode", fn_jsonencode, true},
    {"keys", fn_keys, false},
    {"length", fn_length, false},
    {"lookup", fn_lookup, false},
    {"lower", fn_case, false},
    {"matches", fn_matches, false},
    {"merge", fn_merge, false},
    {"pluck", fn_pluck, false},
    {"range", fn_range, false},
    {"raw", fn_raw, false},
    {"ref", fn_ref, false},
    {"replace", fn_replace, false},
    {"secret", fn_secret, false},
    {"sum", fn_sum, false},
    {"tostring", fn_tostring, true},
    {"type_of", fn_type_of, true},
    {"upper", fn_case, false},
    {"values", fn_values, false},
    {"wrap_each", fn_wrap_each, false},
    {"zipmap", fn_zipmap, false}
};

static int by_name(const void *key, const void *b)
{
    return strcmp(key, ((const builtin *)b)->name);
}

const char *eval_builtins_unsorted(void)
{
    for (size_t i = 1; i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(builtins[i - 1].name, builtins[i].name) >= 0)
            return builtins[i].name;
    return NULL;
}

value *eval_call(eval_ctx *cx, const ast_expr *e)
{
    const builtin *b = bsearch(e->text, builtins, sizeof builtins / sizeof builtins[0], sizeof builtins[0], by_name);
    bool pass = b && b->passes;
    eval_fn fn = b ? b->fn : cx->host ? cx->host->function(e->text, &pass) : NULL;
    if (!fn) {
        ptrvec names = {0};
        for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
            vec_push(cx->a, &names, (void *)builtins[i].name);
        diag_error(cx->d, e->loc, "unknown function '%s'%s", e->text, diag_did_you_mean(cx->a, e->text, &names));
        return val_null(cx->a, e->loc);
    }
    value **args = arena_alloc(cx->a, (e->items.len + 1) * sizeof *args);
    for (size_t j = 0; j < e->items.len; j++) {
        args[j] = eval_expr(cx, e->items.items[j]);
        if (args[j]->flags & VAL_ERROR)
            return args[j];     /* reported: the call would only add a message */
        if (!pass && args[j]->kind == V_STRING && env_marked(args[j]->text)) {
            value *c = val_string(cx->a, eval_text(cx, args[j]), args[j]->loc);
            c->flags = args[j]->flags;
            args[j] = c;
        }
    }
    return fn(cx, e, args, e->items.len);
}
