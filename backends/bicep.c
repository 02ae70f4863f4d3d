/* bicep.c — the Bicep printer: infra/bicep/<stack>/main.bicep and one ARM
 * parameters file per environment (params.<env>.json, through jansson).
 *
 * Parameters are camelCase, as Bicep code is written; values that differ per
 * environment come from the parameters files, secrets from a Key Vault
 * reference in them (never from the files themselves).
 */
#include "backends.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct bicep_ctx {
    const ir_program *p;
    const ir_stack *s;
    out_set *o;
    diag_ctx *d;
    arena *a;
    bool uses_location;
} bicep_ctx;

static void bicep_value(bicep_ctx *bc, strbuf *sb, const ir_value *v, int indent);

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
    return s;
}

static const char *param_name(bicep_ctx *bc, const ir_param *pm)
{
    return pm->is_environment ? "environment" : camel(bc->a, pm->name);
}

static bool bicep_ident(const char *s)
{
    if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

static void bicep_escape(strbuf *sb, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\'': sb_puts(sb, "\\'"); break;
        case '\\': sb_puts(sb, "\\\\"); break;
        case '\n': sb_puts(sb, "\\n"); break;
        case '\r': sb_puts(sb, "\\r"); break;
        case '\t': sb_puts(sb, "\\t"); break;
        case '$':
            sb_puts(sb, s[1] == '{' ? "\\$" : "$");
            break;
        default: sb_putc(sb, *s);
        }
    }
}

static void bicep_string(strbuf *sb, const char *s)
{
    sb_putc(sb, '\'');
    bicep_escape(sb, s);
    sb_putc(sb, '\'');
}

static void bicep_key(strbuf *sb, const char *k)
{
    if (bicep_ident(k))
        sb_puts(sb, k);
    else
        bicep_string(sb, k);
}

static void bicep_ref(strbuf *sb, const ir_value *v)
{
    sb_puts(sb, v->ref_block->name);
    if (v->ref_path) {
        if (v->ref_path[0] != '[')
            sb_putc(sb, '.');
        sb_puts(sb, v->ref_path);
    }
}

static void bicep_list(bicep_ctx *bc, strbuf *sb, const ir_value *v, int indent)
{
    if (!v->items.len) {
        sb_puts(sb, "[]");
        return;
    }
    sb_puts(sb, "[\n");
    for (size_t i = 0; i < v->items.len; i++) {
        sb_indent(sb, indent + 2);
        bicep_value(bc, sb, v->items.items[i], indent + 2);
        sb_putc(sb, '\n');
    }
    sb_indent(sb, indent);
    sb_putc(sb, ']');
}

static void bicep_object(bicep_ctx *bc, strbuf *sb, const ir_value *v, int indent)
{
    if (!v->items.len) {
        sb_puts(sb, "{}");
        return;
    }
    sb_puts(sb, "{\n");
    for (size_t i = 0; i < v->items.len; i++) {
        sb_indent(sb, indent + 2);
        bicep_key(sb, v->keys.items[i]);
        sb_puts(sb, ": ");
        bicep_value(bc, sb, v->items.items[i], indent + 2);
        sb_putc(sb, '\n');
    }
    sb_indent(sb, indent);
    sb_putc(sb, '}');
}

static void bicep_interp(bicep_ctx *bc, strbuf *sb, const ir_value *v)
{
    sb_putc(sb, '\'');
    for (size_t i = 0; i < v->items.len; i++) {
        const ir_value *part = v->items.items[i];
        if (part->kind == IR_STRING) {
            bicep_escape(sb, part->text);
            continue;
        }
        sb_puts(sb, "${");
        bicep_value(bc, sb, part, 0);
        sb_putc(sb, '}');
    }
    sb_putc(sb, '\'');
}

static void bicep_value(bicep_ctx *bc, strbuf *sb, const ir_value *v, int indent)
{
    switch (v->kind) {
    case IR_NULL: sb_puts(sb, "null"); break;
    case IR_BOOL: sb_puts(sb, v->boolean ? "true" : "false"); break;
    case IR_NUMBER: sb_puts(sb, v->text); break;
    case IR_STRING: bicep_string(sb, v->text); break;
    case IR_RAW: sb_puts(sb, v->text); break;
    case IR_REF: bicep_ref(sb, v); break;
    case IR_PARAM: sb_puts(sb, param_name(bc, v->param)); break;
    case IR_INTERP: bicep_interp(bc, sb, v); break;
    case IR_LIST: bicep_list(bc, sb, v, indent); break;
    case IR_OBJECT: bicep_object(bc, sb, v, indent); break;
    case IR_JSON:
        sb_puts(sb, "string(");
        bicep_value(bc, sb, v->items.items[0], indent);
        sb_putc(sb, ')');
        break;
    }
}

/* ---- bodies: nested blocks are objects; repeated ones one array ---- */

static void bicep_body(bicep_ctx *bc, strbuf *sb, const ir_block *b, int indent);

static void bicep_entry_value(bicep_ctx *bc, strbuf *sb, const ir_entry *e, int indent)
{
    if (e->cond)
        sb_printf(sb, "%s ? ", camel(bc->a, e->cond->name));
    if (e->block) {
        sb_puts(sb, "{\n");
        bicep_body(bc, sb, e->block, indent + 2);
        sb_indent(sb, indent);
        sb_putc(sb, '}');
    } else {
        bicep_value(bc, sb, e->value, indent);
    }
    if (e->cond)
        sb_puts(sb, " : null");
}

static void bicep_body(bicep_ctx *bc, strbuf *sb, const ir_block *b, int indent)
{
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        size_t count = 0, first = i;
        for (size_t j = 0; j < b->entries.len; j++) {
            const ir_entry *o = b->entries.items[j];
            if (o->block && e->block && strcmp(o->key, e->key) == 0) {
                if (!count)
                    first = j;
                count++;
            }
        }
        if (e->block && first != i)
            continue;       /* written with the first of its kind */
        sb_indent(sb, indent);
        bicep_key(sb, e->key);
        sb_puts(sb, ": ");
        if (!e->block || count == 1) {
            bicep_entry_value(bc, sb, e, indent);
            sb_putc(sb, '\n');
            continue;
        }
        sb_puts(sb, "[\n");
        for (size_t j = i; j < b->entries.len; j++) {
            const ir_entry *o = b->entries.items[j];
            if (!o->block || strcmp(o->key, e->key) != 0)
                continue;
            sb_indent(sb, indent + 2);
            bicep_entry_value(bc, sb, o, indent + 2);
            sb_putc(sb, '\n');
        }
        sb_indent(sb, indent);
        sb_puts(sb, "]\n");
    }
}

static void bicep_resource(bicep_ctx *bc, strbuf *sb, const ir_block *b)
{
    sb_printf(sb, "resource %s '%s' %s", b->name, b->type, b->kind == IRB_DATA ? "existing = " : "= ");
    if (b->cond)
        sb_printf(sb, "if (%s) ", camel(bc->a, b->cond->name));
    sb_puts(sb, "{\n");
    if (b->parent)
        sb_printf(sb, "  parent: %s\n", b->parent->name);
    bicep_body(bc, sb, b, 2);
    if (b->depends_count) {
        sb_puts(sb, "  dependsOn: [\n");
        for (int i = 0; i < b->depends_count; i++)
            sb_printf(sb, "    %s\n", b->depends_on[i]->name);
        sb_puts(sb, "  ]\n");
    }
    sb_puts(sb, "}\n");
}

static const char *output_type(const ir_value *v)
{
    switch (v->kind) {
    case IR_BOOL: return "bool";
    case IR_NUMBER: return "int";
    case IR_LIST: return "array";
    case IR_OBJECT: return "object";
    case IR_PARAM: return v->param->type == IRT_BOOL ? "bool" : v->param->type == IRT_NUMBER ? "int" : "string";
    default: return "string";
    }
}

static void bicep_output(bicep_ctx *bc, strbuf *sb, const ir_block *b)
{
    const ir_entry *val = ir_block_get(b, "value");
    if (!val || !val->value)
        return;
    sb_printf(sb, "output %s %s = ", b->name, output_type(val->value));
    if (b->cond)
        sb_printf(sb, "%s ? ", camel(bc->a, b->cond->name));
    bicep_value(bc, sb, val->value, 0);
    if (b->cond)
        sb_puts(sb, " : null");     /* Bicep accepts null for an output of a skipped resource */
    sb_putc(sb, '\n');
}

static const char *bicep_type(ir_type t)
{
    static const char *names[] = {"string", "int", "bool", "array", "array", "object", "object"};
    return names[t];
}

static bool mentions_location(const ir_value *v)
{
    if (!v)
        return false;
    if (v->kind == IR_RAW && strstr(v->text, "location"))
        return true;
    for (size_t i = 0; i < v->items.len; i++)
        if (mentions_location(v->items.items[i]))
            return true;
    return false;
}

static bool block_mentions_location(const ir_block *b)
{
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        if (e->block ? block_mentions_location(e->block) : mentions_location(e->value))
            return true;
    }
    return false;
}

/* An `any` parameter is an array or an object, whichever its values are. */
static const char *param_type(const ir_param *pm)
{
    if (pm->type != IRT_ANY || !pm->values)
        return bicep_type(pm->type);
    return pm->values[0]->kind == IR_LIST ? "array" : "object";
}

static void bicep_params(bicep_ctx *bc, strbuf *sb)
{
    sb_puts(sb, "@description('Deployment environment name.')\nparam environment string\n");
    if (bc->uses_location)
        sb_puts(sb, "\n@description('Region of the resources: the resource group\\'s.')\n"
                    "param location string = resourceGroup().location\n");
    for (size_t i = 0; i < bc->s->params.len; i++) {
        const ir_param *pm = bc->s->params.items[i];
        sb_putc(sb, '\n');
        if (pm->sensitive)
            sb_puts(sb, "@secure()\n");
        if (pm->doc) {
            sb_puts(sb, "@description(");
            bicep_string(sb, pm->doc);
            sb_puts(sb, ")\n");
        }
        sb_printf(sb, "param %s %s\n", param_name(bc, pm), param_type(pm));
    }
}

static void bicep_template(bicep_ctx *bc)
{
    strbuf body, sb;
    sb_init(&body, bc->a);
    sb_init(&sb, bc->a);
    for (size_t i = 0; i < bc->s->blocks.len; i++) {
        const ir_block *b = bc->s->blocks.items[i];
        bc->uses_location |= block_mentions_location(b);
        sb_putc(&body, '\n');
        if (b->kind == IRB_OUTPUT)
            bicep_output(bc, &body, b);
        else
            bicep_resource(bc, &body, b);
    }
    bicep_params(bc, &sb);
    sb_puts(&sb, body.data);
    out_add(bc->o, target_path(bc->a, ir_root(bc->p, TARGET_BICEP), arena_printf(bc->a, "%s/main.bicep", bc->s->name)), sb.data, sb.len, "//");
}

/* ---- params.<env>.json ---- */

static json_t *ir_json(bicep_ctx *bc, const ir_value *v, int *ok)
{
    switch (v->kind) {
    case IR_NULL: return json_null();
    case IR_BOOL: return json_boolean(v->boolean);
    case IR_NUMBER: {
        json_t *n = json_loads(v->text, JSON_DECODE_ANY, NULL);
        return n ? n : json_string(v->text);
    }
    case IR_STRING: return json_string(v->text);
    case IR_LIST: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->items.len; i++)
            json_array_append_new(a, ir_json(bc, v->items.items[i], ok));
        return a;
    }
    case IR_OBJECT: {
        json_t *o = json_object();
        for (size_t i = 0; i < v->items.len; i++)
            json_object_set_new(o, v->keys.items[i], ir_json(bc, v->items.items[i], ok));
        return o;
    }
    default:
        diag_error(bc->d, v->loc, "a Bicep parameter value must be known at compile time");
        *ok = 0;
        return json_null();
    }
}

static json_t *secret_reference(bicep_ctx *bc, const ir_param *pm)
{
    json_t *kv = json_object();
    json_object_set_new(kv, "id", json_string(pm->kv_id));
    json_t *ref = json_object();
    json_object_set_new(ref, "keyVault", kv);
    json_object_set_new(ref, "secretName", json_string(pm->kv_secret));
    json_t *entry = json_object();
    json_object_set_new(entry, "reference", ref);
    return entry;
}

static void bicep_params_file(bicep_ctx *bc, size_t env)
{
    json_t *params = json_object();
    json_t *envv = json_object();
    json_object_set_new(envv, "value", json_string(bc->p->envs[env]));
    json_object_set_new(params, "environment", envv);
    int ok = 1;
    for (size_t i = 0; i < bc->s->params.len; i++) {
        const ir_param *pm = bc->s->params.items[i];
        json_t *entry;
        if (pm->sensitive && !pm->values) {
            if (!pm->kv_id) {
                diag_error(bc->d, pm->loc, "secret '%s' in Bicep stack '%s' needs a Key Vault to be read from "
                           "at deployment (project setting azure.secrets_vault_id)", pm->name, bc->s->name);
                ok = 0;
                continue;
            }
            entry = secret_reference(bc, pm);
        } else {
            entry = json_object();
            json_object_set_new(entry, "value", ir_json(bc, pm->values[env], &ok));
        }
        json_object_set_new(params, param_name(bc, pm), entry);
    }
    json_t *doc = json_object();
    json_object_set_new(doc, "$schema",
                        json_string("https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"));
    json_object_set_new(doc, "contentVersion", json_string("1.0.0.0"));
    json_object_set_new(doc, "parameters", params);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (ok && text) {
        const char *with_nl = arena_printf(bc->a, "%s\n", text);
        out_add(bc->o, target_path(bc->a, ir_root(bc->p, TARGET_BICEP), arena_printf(bc->a, "%s/params.%s.json", bc->s->name,
                                    bc->p->envs[env])),
                with_nl, strlen(with_nl), NULL);
    }
    free(text);
}

void bicep_emit(const ir_program *p, out_set *o, diag_ctx *d)
{
    out_add_env_rule(o, ir_root(p, TARGET_BICEP), "params.", ".json");
    for (size_t i = 0; i < p->stacks.len; i++) {
        const ir_stack *s = p->stacks.items[i];
        if (s->target != TARGET_BICEP)
            continue;
        bicep_ctx bc = {.p = p, .s = s, .o = o, .d = d, .a = o->a};
        bicep_template(&bc);
        for (size_t e = 0; e < p->nenvs; e++)
            bicep_params_file(&bc, e);
    }
}
