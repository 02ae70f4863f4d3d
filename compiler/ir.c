/* ir.c — constructors and structural equality for the IR; see ir.h. */
#include "ir.h"

#include <string.h>

static ir_value *ir_new(arena *a, ir_value_kind k, src_loc loc)
{
    ir_value *v = arena_alloc(a, sizeof *v);
    v->kind = k;
    v->loc = loc;
    return v;
}

ir_value *ir_null(arena *a, src_loc loc) { return ir_new(a, IR_NULL, loc); }
ir_value *ir_list(arena *a, src_loc loc) { return ir_new(a, IR_LIST, loc); }
ir_value *ir_object(arena *a, src_loc loc) { return ir_new(a, IR_OBJECT, loc); }

ir_value *ir_bool(arena *a, bool b, src_loc loc)
{
    ir_value *v = ir_new(a, IR_BOOL, loc);
    v->boolean = b;
    return v;
}

ir_value *ir_number(arena *a, const char *text, src_loc loc)
{
    ir_value *v = ir_new(a, IR_NUMBER, loc);
    v->text = text;
    return v;
}

ir_value *ir_string(arena *a, const char *s, src_loc loc)
{
    ir_value *v = ir_new(a, IR_STRING, loc);
    v->text = s;
    return v;
}

ir_value *ir_raw(arena *a, const char *text, src_loc loc)
{
    ir_value *v = ir_new(a, IR_RAW, loc);
    v->text = text;
    return v;
}

void ir_list_push(arena *a, ir_value *list, ir_value *item)
{
    vec_push(a, &list->items, item);
}

void ir_object_set(arena *a, ir_value *obj, const char *key, ir_value *val)
{
    for (size_t i = 0; i < obj->keys.len; i++) {
        if (strcmp(obj->keys.items[i], key) == 0) {
            obj->items.items[i] = val;
            return;
        }
    }
    vec_push(a, &obj->keys, (void *)key);
    vec_push(a, &obj->items, val);
}

ir_value *ir_object_get(const ir_value *obj, const char *key)
{
    if (!obj || obj->kind != IR_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->keys.len; i++)
        if (strcmp(obj->keys.items[i], key) == 0)
            return obj->items.items[i];
    return NULL;
}

ir_block *ir_block_new(arena *a, ir_block_kind kind, const char *type, const char *name, src_loc loc)
{
    ir_block *b = arena_alloc(a, sizeof *b);
    b->kind = kind;
    b->type = type;
    b->name = name;
    b->loc = loc;
    return b;
}

ir_entry *ir_block_attr(arena *a, ir_block *b, const char *key, ir_value *v)
{
    ir_entry *e = arena_alloc(a, sizeof *e);
    e->key = key;
    e->value = v;
    vec_push(a, &b->entries, e);
    return e;
}

ir_entry *ir_block_nested(arena *a, ir_block *b, const char *type, ir_block *child)
{
    ir_entry *e = arena_alloc(a, sizeof *e);
    e->key = type;
    e->block = child;
    vec_push(a, &b->entries, e);
    return e;
}

const ir_entry *ir_block_get(const ir_block *b, const char *key)
{
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        if (strcmp(e->key, key) == 0)
            return e;
    }
    return NULL;
}

static bool str_eq(const char *x, const char *y)
{
    if (!x || !y)
        return x == y;
    return strcmp(x, y) == 0;
}

/* Blocks are compared by identity of name and type, so a reference compares
 * equal across environments when it points at the same-named block. */
static bool ref_target_equal(const ir_block *x, const ir_block *y)
{
    if (!x || !y)
        return x == y;
    return str_eq(x->type, y->type) && str_eq(x->name, y->name);
}

bool ir_value_secret(const ir_value *v)
{
    if (!v)
        return false;
    if ((v->kind == IR_PARAM && v->param->sensitive) || (v->kind == IR_REF && v->sensitive))
        return true;
    for (size_t i = 0; i < v->items.len; i++)
        if (ir_value_secret(v->items.items[i]))
            return true;
    return false;
}

static bool items_equal(const ir_value *x, const ir_value *y);

bool ir_value_equal(const ir_value *x, const ir_value *y)
{
    if (x == y)
        return true;
    if (!x || !y || x->kind != y->kind)
        return false;
    switch (x->kind) {
    case IR_NULL:
        return true;
    case IR_BOOL:
        return x->boolean == y->boolean;
    case IR_NUMBER:
    case IR_STRING:
    case IR_RAW:
        return str_eq(x->text, y->text);
    case IR_REF:
        return ref_target_equal(x->ref_block, y->ref_block) && str_eq(x->ref_path, y->ref_path);
    case IR_PARAM:
        return x->param == y->param;
    case IR_OBJECT:
        if (x->keys.len != y->keys.len)
            return false;
        for (size_t i = 0; i < x->keys.len; i++)
            if (!str_eq(x->keys.items[i], y->keys.items[i]))
                return false;
        return items_equal(x, y);
    case IR_CALL:
        return str_eq(x->text, y->text) && items_equal(x, y);
    case IR_LIST:
        return x->take == y->take && items_equal(x, y);
    case IR_INTERP:
    case IR_JSON:
        return items_equal(x, y);
    }
    return false;
}

static bool items_equal(const ir_value *x, const ir_value *y)
{
    if (x->items.len != y->items.len)
        return false;
    for (size_t i = 0; i < x->items.len; i++)
        if (!ir_value_equal(x->items.items[i], y->items.items[i]))
            return false;
    return true;
}

bool ir_block_equal(const ir_block *x, const ir_block *y)
{
    if (x == y)
        return true;
    if (!x || !y || x->kind != y->kind || !str_eq(x->type, y->type) || !str_eq(x->name, y->name))
        return false;
    if (x->entries.len != y->entries.len)
        return false;
    for (size_t i = 0; i < x->entries.len; i++) {
        const ir_entry *ex = x->entries.items[i], *ey = y->entries.items[i];
        if (!str_eq(ex->key, ey->key) || ex->cond != ey->cond)
            return false;
        if (ex->block || ey->block) {
            if (!ir_block_equal(ex->block, ey->block))
                return false;
        } else if (!ir_value_equal(ex->value, ey->value)) {
            return false;
        }
    }
    return true;
}

const char *ir_root(const ir_program *p, ir_target t)
{
    return p->roots[t] ? p->roots[t] : target_table[t].root;
}
