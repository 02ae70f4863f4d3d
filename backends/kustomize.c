/* kustomize.c — the Kustomize printer.
 *
 * Each Kubernetes stack is an app group with a base
 * (infra/kubernetes/base/<group>/) holding its objects as the first
 * environment has them, and every environment an overlay
 * (infra/kubernetes/overlays/<env>/) that includes every base and patches,
 * with JSON 6902 operations, exactly the fields whose values differ from the
 * base. Objects that exist only in some environments live in those overlays.
 * A generated ConfigMap is a configMapGenerator entry instead of a file: in
 * the base as the first environment has it, and in an overlay whose
 * environment differs, whole, with `behavior: replace`.
 */
#include "backends.h"

#include <ctype.h>
#include <string.h>

#include "out_yaml.h"

typedef struct kust_ctx {
    const ir_program *p;
    out_set *o;
    diag_ctx *d;
    arena *a;
} kust_ctx;

static const char *field_text(const ir_block *b, const char *key)
{
    const ir_entry *e = ir_block_get(b, key);
    return e && e->value && e->value->kind == IR_STRING ? e->value->text : "";
}

static const char *lower_kind(kust_ctx *kc, const ir_block *b)
{
    char *s = arena_strdup(kc->a, field_text(b, "kind"));
    for (char *q = s; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    return s;
}

/* <kind>.yaml, or <kind>-<name>.yaml when the group has two of that kind. */
static const char *object_file(kust_ctx *kc, const ir_stack *s, const ir_block *b)
{
    const char *kind = lower_kind(kc, b);
    int same = 0;
    for (size_t i = 0; i < s->blocks.len; i++)
        same += strcmp(lower_kind(kc, s->blocks.items[i]), kind) == 0;
    return same > 1 ? arena_printf(kc->a, "%s-%s.yaml", kind, b->name) : arena_printf(kc->a, "%s.yaml", kind);
}

static void kust_add_yaml(kust_ctx *kc, const char *path, const ir_block *b, int env)
{
    strbuf sb;
    sb_init(&sb, kc->a);
    out_yaml_opts o = {.env = env};
    if (out_yaml_block(&sb, b, &o, kc->d) == 0)
        out_add(kc->o, path, sb.data, sb.len, "#");
}

static void kust_add_value(kust_ctx *kc, const char *path, const ir_value *v)
{
    strbuf sb;
    sb_init(&sb, kc->a);
    out_yaml_opts o = {0};
    if (out_yaml_value(&sb, v, &o, kc->d) == 0)
        out_add(kc->o, path, sb.data, sb.len, "#");
}

static ir_value *str_list(kust_ctx *kc, const ptrvec *items)
{
    ir_value *l = ir_list(kc->a, (src_loc){0});
    for (size_t i = 0; i < items->len; i++)
        ir_list_push(kc->a, l, ir_string(kc->a, items->items[i], (src_loc){0}));
    return l;
}

static ir_value *kustomization(kust_ctx *kc)
{
    ir_value *k = ir_object(kc->a, (src_loc){0});
    ir_object_set(kc->a, k, "apiVersion", ir_string(kc->a, "kustomize.config.k8s.io/v1beta1", (src_loc){0}));
    ir_object_set(kc->a, k, "kind", ir_string(kc->a, "Kustomization", (src_loc){0}));
    return k;
}

static bool cond_holds(const ir_param *c, int env);
static ir_value *resolved_copy(arena *a, const ir_value *v, int env);

/* ---- generated ConfigMaps ---- */

/* A field of an object as a value in env: a nested block becomes a map of
 * the entries present there. */
static ir_value *field_in(kust_ctx *kc, const ir_block *b, const char *key, int env)
{
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        if (strcmp(e->key, key) != 0 || !cond_holds(e->cond, env))
            continue;
        if (!e->block)
            return resolved_copy(kc->a, e->value, env);
        ir_value *o = ir_object(kc->a, e->block->loc);
        for (size_t j = 0; j < e->block->entries.len; j++) {
            const ir_entry *f = e->block->entries.items[j];
            ir_value *v = field_in(kc, e->block, f->key, env);
            if (v && !ir_object_get(o, f->key))
                ir_object_set(kc->a, o, f->key, v);
        }
        return o;
    }
    return NULL;
}

/* b's configMapGenerator entry as environment env has it: its data as
 * KEY=value literals, its labels and annotations as options. */
static ir_value *generator_entry(kust_ctx *kc, const ir_block *b, int env, const char *behavior)
{
    arena *a = kc->a;
    ir_value *md = field_in(kc, b, "metadata", env), *data = field_in(kc, b, "data", env);
    ir_value *g = ir_object(a, b->loc), *literals = ir_list(a, b->loc), *options = ir_object(a, b->loc);
    ir_object_set(a, g, "name", ir_string(a, b->name, b->loc));
    const ir_value *ns = md ? ir_object_get(md, "namespace") : NULL;
    if (ns)
        ir_object_set(a, g, "namespace", (ir_value *)ns);
    if (behavior)
        ir_object_set(a, g, "behavior", ir_string(a, behavior, b->loc));
    for (size_t i = 0; data && i < data->items.len; i++) {
        const char *t = out_yaml_scalar_text(a, data->items.items[i], env);
        if (!t || ((const ir_value *)data->items.items[i])->kind == IR_NULL) {
            diag_error(kc->d, b->loc, "ConfigMap %s: the value of '%s' is not a string", b->name,
                       (const char *)data->keys.items[i]);
            continue;
        }
        ir_list_push(a, literals, ir_string(a, arena_printf(a, "%s=%s", (const char *)data->keys.items[i], t), b->loc));
    }
    const char *opts[] = {"labels", "annotations"};
    for (size_t i = 0; i < 2; i++) {
        ir_value *v = md ? ir_object_get(md, opts[i]) : NULL;
        if (v)
            ir_object_set(a, options, opts[i], v);
    }
    if (options->items.len)
        ir_object_set(a, g, "options", options);
    ir_object_set(a, g, "literals", literals);
    return g;
}

static void kust_base(kust_ctx *kc, const ir_stack *s)
{
    ptrvec files = {0};
    ir_value *generators = ir_list(kc->a, (src_loc){0});
    for (size_t i = 0; i < s->blocks.len; i++) {
        const ir_block *b = s->blocks.items[i];
        if (b->cond)
            continue;
        if (b->generated) {
            ir_list_push(kc->a, generators, generator_entry(kc, b, 0, NULL));
            continue;
        }
        const char *file = object_file(kc, s, b);
        const char *path = arena_printf(kc->a, "base/%s/%s", s->name, file);
        kust_add_yaml(kc, target_path(kc->a, ir_root(kc->p, TARGET_KUBERNETES), path), b, 0);
        vec_push(kc->a, &files, (void *)file);
    }
    if (!files.len && !generators->items.len)
        return;
    ir_value *k = kustomization(kc);
    if (files.len)
        ir_object_set(kc->a, k, "resources", str_list(kc, &files));
    if (generators->items.len)
        ir_object_set(kc->a, k, "configMapGenerator", generators);
    const char *path = arena_printf(kc->a, "base/%s/kustomization.yaml", s->name);
    kust_add_value(kc, target_path(kc->a, ir_root(kc->p, TARGET_KUBERNETES), path), k);
}

/* ---- patches ---- */

typedef struct patch_ctx {
    kust_ctx *kc;
    int env;
    ir_value *ops;      /* list of {op, path, value} */
} patch_ctx;

static const ir_value *resolve(const ir_value *v, int env)
{
    while (v && v->kind == IR_PARAM && v->param->values)
        v = v->param->values[env];
    return v;
}

static const char *pointer_escape(arena *a, const char *key)
{
    strbuf sb;
    sb_init(&sb, a);
    for (; *key; key++) {
        if (*key == '~')
            sb_puts(&sb, "~0");
        else if (*key == '/')
            sb_puts(&sb, "~1");
        else
            sb_putc(&sb, *key);
    }
    return sb.data;
}

/* A JSON pointer, spelled only for an operation: most fields need none. */
typedef struct jpath {
    const struct jpath *up;     /* NULL: the object itself ("") */
    const char *key;            /* a field, unescaped; NULL: an index */
    size_t index;
} jpath;

static void jpath_put(arena *a, strbuf *sb, const jpath *p)
{
    if (!p)
        return;
    jpath_put(a, sb, p->up);
    sb_putc(sb, '/');
    if (p->key)
        sb_puts(sb, pointer_escape(a, p->key));
    else
        sb_puts(sb, arena_int(a, (long long)p->index));
}

static void add_op(patch_ctx *pc, const char *op, const jpath *at, const ir_value *value)
{
    arena *a = pc->kc->a;
    strbuf path;
    sb_init(&path, a);
    jpath_put(a, &path, at);
    ir_value *o = ir_object(a, (src_loc){0});
    ir_object_set(a, o, "op", ir_string(a, op, (src_loc){0}));
    ir_object_set(a, o, "path", ir_string(a, path.data, (src_loc){0}));
    if (value)
        ir_object_set(a, o, "value", resolved_copy(a, value, pc->env));
    ir_list_push(a, pc->ops, o);
}

/* A value with every parameter replaced by its value in env. */
static ir_value *resolved_copy(arena *a, const ir_value *v, int env)
{
    v = resolve(v, env);
    if (v->kind != IR_LIST && v->kind != IR_OBJECT && v->kind != IR_INTERP)
        return (ir_value *)v;
    if (v->kind == IR_INTERP) {
        const char *t = out_yaml_scalar_text(a, v, env);
        return t ? ir_string(a, t, v->loc) : (ir_value *)v;
    }
    ir_value *c = arena_alloc(a, sizeof *c);
    c->kind = v->kind;
    c->loc = v->loc;
    for (size_t i = 0; i < v->items.len; i++) {
        vec_push(a, &c->items, resolved_copy(a, v->items.items[i], env));
        if (v->kind == IR_OBJECT)
            vec_push(a, &c->keys, v->keys.items[i]);
    }
    return c;
}

/* Comparing scalar text allocates in the compilation's arena: a scratch
 * arena per comparison cost a fresh mapping each time. */
static _Thread_local arena *same_in_arena;

static bool same_in(const ir_value *x, const ir_value *y, int env)
{
    x = resolve(x, 0);
    y = resolve(y, env);
    if (x->kind != y->kind) {
        const char *tx = out_yaml_scalar_text(same_in_arena, x, 0), *ty = out_yaml_scalar_text(same_in_arena, y, env);
        return tx && ty && strcmp(tx, ty) == 0 && x->kind != IR_NULL && y->kind != IR_NULL;
    }
    if (x->kind == IR_LIST || x->kind == IR_OBJECT) {
        if (x->items.len != y->items.len)
            return false;
        for (size_t i = 0; i < x->items.len; i++) {
            if (x->kind == IR_OBJECT && strcmp(x->keys.items[i], y->keys.items[i]) != 0)
                return false;
            if (!same_in(x->items.items[i], y->items.items[i], env))
                return false;
        }
        return true;
    }
    if (x->kind == IR_INTERP) {
        const char *tx = out_yaml_scalar_text(same_in_arena, x, 0), *ty = out_yaml_scalar_text(same_in_arena, y, env);
        return tx && ty && strcmp(tx, ty) == 0;
    }
    return ir_value_equal(x, y);
}

/* The base holds env 0's value at path; emit the operations that turn it into
 * env's. Same-shaped lists and maps are walked so only changed leaves move. */
static void diff_value(patch_ctx *pc, const jpath *path, const ir_value *v)
{
    if (same_in(v, v, pc->env))
        return;
    const ir_value *base = resolve(v, 0), *mine = resolve(v, pc->env);
    bool walk = base->kind == mine->kind && (base->kind == IR_LIST || base->kind == IR_OBJECT) &&
                base->items.len == mine->items.len;
    for (size_t i = 0; walk && base->kind == IR_OBJECT && i < base->keys.len; i++)
        walk = strcmp(base->keys.items[i], mine->keys.items[i]) == 0;
    if (!walk && base->kind == IR_OBJECT && mine->kind == IR_OBJECT) {
        /* maps with other keys (an annotation only prod has): key by key */
        for (size_t i = 0; i < base->items.len; i++)
            if (!ir_object_get(mine, base->keys.items[i])) {
                jpath field = {path, base->keys.items[i], 0};
                add_op(pc, "remove", &field, NULL);
            }
        for (size_t i = 0; i < mine->items.len; i++) {
            const ir_value *bx = ir_object_get(base, mine->keys.items[i]), *mx = mine->items.items[i];
            jpath field = {path, mine->keys.items[i], 0};
            if (!bx)
                add_op(pc, "add", &field, mx);
            else if (!same_in(bx, mx, 0) || !same_in(mx, bx, 0))
                add_op(pc, "replace", &field, mx);
        }
        return;
    }
    if (!walk || v->kind == IR_PARAM) {
        if (walk && base->kind == IR_OBJECT) {
            /* a whole map as one parameter: still patch leaf by leaf */
            for (size_t i = 0; i < base->items.len; i++) {
                const ir_value *bx = base->items.items[i], *mx = mine->items.items[i];
                jpath field = {path, base->keys.items[i], 0};
                if (!same_in(bx, mx, 0) || !same_in(mx, bx, 0))
                    add_op(pc, "replace", &field, mx);
            }
            return;
        }
        add_op(pc, "replace", path, v);
        return;
    }
    for (size_t i = 0; i < v->items.len; i++) {
        jpath sub = {path, v->kind == IR_OBJECT ? v->keys.items[i] : NULL, i};
        diff_value(pc, &sub, v->items.items[i]);
    }
}

static bool cond_holds(const ir_param *c, int env)
{
    return !c || c->values[env]->boolean;
}

static void diff_block(patch_ctx *pc, const jpath *path, const ir_block *b)
{
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        jpath field = {path, e->key, 0};
        const jpath *sub = &field;
        bool in_base = cond_holds(e->cond, 0), in_env = cond_holds(e->cond, pc->env);
        if (!in_base && !in_env)
            continue;
        if (in_base && !in_env) {
            add_op(pc, "remove", sub, NULL);
            continue;
        }
        if (e->block) {
            diff_block(pc, sub, e->block);   /* repeated nested blocks are rare in objects */
            continue;
        }
        if (!in_base)
            add_op(pc, "add", sub, e->value);
        else
            diff_value(pc, sub, e->value);
    }
}

/* Does env have b otherwise than the base (the first environment)? */
static bool block_differs(kust_ctx *kc, const ir_block *b, int env)
{
    patch_ctx pc = {.kc = kc, .env = env, .ops = ir_list(kc->a, (src_loc){0})};
    diff_block(&pc, NULL, b);
    return pc.ops->items.len > 0;
}

static ir_value *patch_target(kust_ctx *kc, const ir_block *b)
{
    ir_value *t = ir_object(kc->a, (src_loc){0});
    const char *api = field_text(b, "apiVersion");
    const char *slash = strchr(api, '/');
    if (slash)
        ir_object_set(kc->a, t, "group", ir_string(kc->a, arena_strndup(kc->a, api, (size_t)(slash - api)), (src_loc){0}));
    ir_object_set(kc->a, t, "version", ir_string(kc->a, slash ? slash + 1 : api, (src_loc){0}));
    ir_object_set(kc->a, t, "kind", ir_string(kc->a, field_text(b, "kind"), (src_loc){0}));
    ir_object_set(kc->a, t, "name", ir_string(kc->a, b->name, (src_loc){0}));
    return t;
}

static void kust_overlay(kust_ctx *kc, int env)
{
    const char *envname = kc->p->envs[env];
    const char *dir = target_path(kc->a, ir_root(kc->p, TARGET_KUBERNETES), arena_printf(kc->a, "overlays/%s", envname));
    ptrvec resources = {0};
    ir_value *patches = ir_list(kc->a, (src_loc){0}), *generators = ir_list(kc->a, (src_loc){0});
    for (size_t i = 0; i < kc->p->stacks.len; i++) {
        const ir_stack *s = kc->p->stacks.items[i];
        if (s->target != TARGET_KUBERNETES)
            continue;
        bool has_base = false;
        for (size_t j = 0; j < s->blocks.len; j++)
            has_base |= ((const ir_block *)s->blocks.items[j])->cond == NULL;
        if (has_base)
            vec_push(kc->a, &resources, arena_printf(kc->a, "../../base/%s", s->name));
        for (size_t j = 0; j < s->blocks.len; j++) {
            const ir_block *b = s->blocks.items[j];
            const char *stem = arena_printf(kc->a, "%s-%s-%s", s->name, lower_kind(kc, b), b->name);
            if (b->generated && (b->cond ? cond_holds(b->cond, env) : block_differs(kc, b, env)))
                ir_list_push(kc->a, generators, generator_entry(kc, b, env, b->cond ? "create" : "replace"));
            if (b->generated)
                continue;
            if (b->cond) {
                if (!cond_holds(b->cond, env))
                    continue;
                const char *file = arena_printf(kc->a, "%s.yaml", stem);
                kust_add_yaml(kc, arena_printf(kc->a, "%s/%s", dir, file), b, env);
                vec_push(kc->a, &resources, (void *)file);
                continue;
            }
            patch_ctx pc = {.kc = kc, .env = env, .ops = ir_list(kc->a, (src_loc){0})};
            diff_block(&pc, NULL, b);
            if (!pc.ops->items.len)
                continue;
            const char *file = arena_printf(kc->a, "patches/%s.yaml", stem);
            kust_add_value(kc, arena_printf(kc->a, "%s/%s", dir, file), pc.ops);
            ir_value *entry = ir_object(kc->a, (src_loc){0});
            ir_object_set(kc->a, entry, "path", ir_string(kc->a, file, (src_loc){0}));
            ir_object_set(kc->a, entry, "target", patch_target(kc, b));
            ir_list_push(kc->a, patches, entry);
        }
    }
    ir_value *k = kustomization(kc);
    ir_object_set(kc->a, k, "resources", str_list(kc, &resources));
    ir_value *pairs = ir_object(kc->a, (src_loc){0});
    ir_object_set(kc->a, pairs, "environment", ir_string(kc->a, envname, (src_loc){0}));
    ir_value *label = ir_object(kc->a, (src_loc){0});
    ir_object_set(kc->a, label, "pairs", pairs);
    ir_object_set(kc->a, label, "includeSelectors", ir_bool(kc->a, false, (src_loc){0}));
    ir_value *labels = ir_list(kc->a, (src_loc){0});
    ir_list_push(kc->a, labels, label);
    ir_object_set(kc->a, k, "labels", labels);
    if (patches->items.len)
        ir_object_set(kc->a, k, "patches", patches);
    if (generators->items.len)
        ir_object_set(kc->a, k, "configMapGenerator", generators);
    kust_add_value(kc, arena_printf(kc->a, "%s/kustomization.yaml", dir), k);
}

void kust_emit(const ir_program *p, out_set *o, diag_ctx *d)
{
    kust_ctx kc = {.p = p, .o = o, .d = d, .a = o->a};
    same_in_arena = o->a;
    out_add_env_rule(o, target_path(o->a, ir_root(p, TARGET_KUBERNETES), "overlays"), NULL, NULL);
    bool any = false;
    for (size_t i = 0; i < p->stacks.len; i++) {
        const ir_stack *s = p->stacks.items[i];
        if (s->target != TARGET_KUBERNETES)
            continue;
        kust_base(&kc, s);
        any = true;
    }
    for (size_t e = 0; any && e < p->nenvs; e++)
        kust_overlay(&kc, (int)e);
}
