/* out_json.c — JSON values from IR values, through jansson (see out_json.h). */
#include "out_json.h"

#include <stdlib.h>
#include <string.h>

/* Marks v as the first part JSON cannot hold. */
static json_t *unheld(const ir_value *v, const ir_value **bad)
{
    if (!*bad)
        *bad = v;
    return json_null();
}

json_t *out_json_value(const ir_value *v, const ir_value **bad)
{
    switch (v->kind) {
    case IR_NULL: return json_null();
    case IR_BOOL: return json_boolean(v->boolean);
    case IR_NUMBER: {
        /* the canonical decimal spelling is JSON's own */
        json_t *n = json_loads(v->text, JSON_DECODE_ANY, NULL);
        return n ? n : json_string(v->text);
    }
    case IR_STRING: {
        json_t *s = json_string(v->text);   /* NULL when not UTF-8 */
        return s ? s : unheld(v, bad);
    }
    case IR_LIST: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->items.len; i++)
            json_array_append_new(a, out_json_value(v->items.items[i], bad));
        return a;
    }
    case IR_OBJECT: {
        json_t *o = json_object();
        for (size_t i = 0; i < v->items.len; i++) {
            json_t *item = out_json_value(v->items.items[i], bad);
            if (json_object_set_new(o, v->keys.items[i], item) != 0)   /* a key not UTF-8 */
                unheld(v, bad);
        }
        return o;
    }
    default:
        return unheld(v, bad);
    }
}

const char *out_json_text(arena *a, json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    json_decref(doc);
    const char *with_nl = arena_printf(a, "%s\n", text ? text : "null");
    free(text);
    return with_nl;
}
