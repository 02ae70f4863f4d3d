/* value.c — value constructors, text and equality; see value.h. */
#include "value.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

value *val_new(arena *a, value_kind k, src_loc loc)
{
    value *v = arena_alloc(a, sizeof *v);
    v->kind = k;
    v->loc = loc;
    return v;
}

value *val_null(arena *a, src_loc loc) { return val_new(a, V_NULL, loc); }

value *val_bool(arena *a, bool b, src_loc loc)
{
    value *v = val_new(a, V_BOOL, loc);
    v->boolean = b;
    return v;
}

value *val_number(arena *a, double n, src_loc loc)
{
    value *v = val_new(a, V_NUMBER, loc);
    v->num = n;
    return v;
}

value *val_string(arena *a, const char *s, src_loc loc)
{
    value *v = val_new(a, V_STRING, loc);
    v->text = s;
    return v;
}

/* Keys are mostly the program's own words, the same pointer each time. */
static bool same_key(const char *x, const char *y)
{
    return x == y || strcmp(x, y) == 0;
}

void val_map_set(arena *a, value *m, const char *key, value *v)
{
    for (size_t i = 0; i < m->keys.len; i++) {
        if (same_key(m->keys.items[i], key)) {
            m->items.items[i] = v;
            return;
        }
    }
    vec_push(a, &m->keys, (void *)key);
    vec_push(a, &m->items, v);
}

value *val_map_get(const value *m, const char *key)
{
    for (size_t i = 0; i < m->keys.len; i++)
        if (m->keys.items[i] == key)
            return m->items.items[i];
    for (size_t i = 0; i < m->keys.len; i++)
        if (strcmp(m->keys.items[i], key) == 0)
            return m->items.items[i];
    return NULL;
}

size_t val_weight(value *v, size_t cap)
{
    if (v->weight)
        return v->weight;
    size_t w = 1;
    for (size_t i = 0; i < v->items.len && w <= cap; i++) {
        w += val_weight(v->items.items[i], cap);
    }
    v->weight = w > cap ? cap + 1 : w;
    return v->weight;
}

const char *val_kind_name(value_kind k)
{
    static const char *names[] = {
        "null", "bool", "number", "string", "duration", "percent", "size", "cidr", "ip",
        "range", "list", "map", "resource", "block", "reference", "raw expression",
        "secret", "string", "json", "target function call",
    };
    return names[k];
}

/* Integers print without a fraction; others with the shortest %.17g form
 * that reads back the same. The C locale is never changed, so '.' it is. */
const char *val_format_number(arena *a, double n)
{
    if (n == 0)
        return "0";
    if (fabs(n) < 1e15 && n == (double)(long long)n)
        return arena_int(a, (long long)n);
    for (int prec = 1; prec <= 17; prec++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.*g", prec, n);
        if (strtod(buf, NULL) == n)
            return arena_strdup(a, buf);
    }
    return arena_printf(a, "%.17g", n);
}

const char *val_to_text(arena *a, const value *v)
{
    switch (v->kind) {
    case V_NULL:
        return "";
    case V_BOOL:
        return v->boolean ? "true" : "false";
    case V_NUMBER:
        return val_format_number(a, v->num);
    case V_STRING:
    case V_DURATION:
    case V_PERCENT:
    case V_SIZE:
    case V_CIDR:
    case V_IP:
        return v->text;
    case V_RANGE:
        return arena_printf(a, "%s..%s", val_format_number(a, v->num), val_format_number(a, v->num2));
    default:
        return NULL;
    }
}

bool val_truthy(const value *v)
{
    switch (v->kind) {
    case V_NULL:
        return false;
    case V_BOOL:
        return v->boolean;
    case V_NUMBER:
        return v->num != 0;
    case V_STRING:
        return v->text[0] != '\0';
    case V_LIST:
    case V_MAP:
        return v->items.len > 0;
    default:
        return true;
    }
}

static bool str_eq(const char *x, const char *y)
{
    if (!x || !y)
        return x == y;
    return strcmp(x, y) == 0;
}

bool val_equal(const value *x, const value *y)
{
    if (x == y)
        return true;
    if (!x || !y)
        return false;
    /* A string compares equal to an enum word or typed literal with the same text. */
    if (x->kind != y->kind) {
        const char *tx = (x->kind == V_STRING || y->kind == V_STRING) ? x->text : NULL;
        return tx && str_eq(x->text, y->text);
    }
    switch (x->kind) {
    case V_NULL:
        return true;
    case V_BOOL:
        return x->boolean == y->boolean;
    case V_NUMBER:
    case V_DURATION:
    case V_PERCENT:
    case V_SIZE:
        return x->num == y->num;
    case V_RANGE:
        return x->num == y->num && x->num2 == y->num2;
    case V_STRING:
    case V_CIDR:
    case V_IP:
    case V_RAW:
    case V_SECRET:
        return str_eq(x->text, y->text);
    case V_RESOURCE:
        /* the same path is the same resource, whichever environment's
         * instance of it each value names (inst.h) */
        return x->res == y->res || strcmp(x->res->path, y->res->path) == 0;
    case V_BLOCK:
        return x->body == y->body;
    case V_TREF:
        return x->ref.is_data == y->ref.is_data && str_eq(x->ref.type, y->ref.type) &&
               str_eq(x->ref.local, y->ref.local) && str_eq(x->ref.path, y->ref.path) &&
               str_eq(x->ref.output, y->ref.output) &&
               (x->ref.owner == y->ref.owner ||
                (x->ref.owner && y->ref.owner && strcmp(x->ref.owner->path, y->ref.owner->path) == 0));
    case V_MAP:
        if (x->keys.len != y->keys.len)
            return false;
        for (size_t i = 0; i < x->keys.len; i++)
            if (!str_eq(x->keys.items[i], y->keys.items[i]))
                return false;
        /* then the values, like a list */
        __attribute__((fallthrough));
    case V_CALL:
        if (!str_eq(x->text, y->text))
            return false;
        __attribute__((fallthrough));
    case V_LIST:
    case V_INTERP:
    case V_JSON:
        if (x->items.len != y->items.len)
            return false;
        for (size_t i = 0; i < x->items.len; i++)
            if (!val_equal(x->items.items[i], y->items.items[i]))
                return false;
        return true;
    }
    return false;
}
