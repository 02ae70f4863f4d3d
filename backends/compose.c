/* compose.c — the Docker Compose printer: the local environments' stand-ins
 * (each kind's `compose` lowering: postgres:16, LocalStack, the services'
 * own images) as docker-compose.yml, through libyaml, and the .env file
 * Compose reads beside it.
 *
 * A Compose stack is one local environment (named after it). With one local
 * environment the files go to the Compose root itself, with several to a
 * directory each. A secret a stand-in needs is `${NAME}` in the YAML and a
 * local-only value in .env: these services run on a developer's machine,
 * and the cloud's secrets never reach them.
 */
#include "backends.h"

#include <ctype.h>
#include <string.h>

#include "out_yaml.h"

typedef struct compose_ctx {
    const ir_program *p;
    out_set *o;
    diag_ctx *d;
    arena *a;
    ptrvec secrets;         /* const char* environment variable names, in first-use order */
} compose_ctx;

static ir_value *compose_value(compose_ctx *cc, const ir_value *v);

/* A secret's variable: db-pass -> DB_PASS. */
static const char *secret_var(compose_ctx *cc, const ir_param *pm)
{
    char *s = arena_strdup(cc->a, pm->name);
    for (char *c = s; *c; c++)
        *c = isalnum((unsigned char)*c) ? (char)toupper((unsigned char)*c) : '_';
    for (size_t i = 0; i < cc->secrets.len; i++)
        if (strcmp(cc->secrets.items[i], s) == 0)
            return s;
    vec_push(cc->a, &cc->secrets, s);
    return s;
}

static ir_value *compose_value(compose_ctx *cc, const ir_value *v)
{
    if (v->kind == IR_PARAM && !v->param->values)
        return ir_string(cc->a, arena_printf(cc->a, "${%s}", secret_var(cc, v->param)), v->loc);
    if (v->kind == IR_REF) {
        diag_error(cc->d, v->loc, "a local stand-in cannot refer to a cloud resource");
        return ir_null(cc->a, v->loc);
    }
    ir_value *c = arena_alloc(cc->a, sizeof *c);
    *c = *v;
    c->items = (ptrvec){0};
    for (size_t i = 0; i < v->items.len; i++)
        vec_push(cc->a, &c->items, compose_value(cc, v->items.items[i]));
    return c;
}

/* A block's entries as a mapping; nested blocks become mappings, repeated
 * ones a sequence of them. */
static ir_value *block_object(compose_ctx *cc, const ir_block *b)
{
    ir_value *obj = ir_object(cc->a, b->loc);
    for (size_t i = 0; i < b->entries.len; i++) {
        const ir_entry *e = b->entries.items[i];
        if (!e->block) {
            ir_object_set(cc->a, obj, e->key, compose_value(cc, e->value));
            continue;
        }
        ir_value *nested = block_object(cc, e->block), *have = ir_object_get(obj, e->key);
        if (!have) {
            ir_object_set(cc->a, obj, e->key, nested);
        } else if (have->kind == IR_LIST) {
            ir_list_push(cc->a, have, nested);
        } else {
            ir_value *list = ir_list(cc->a, b->loc);
            ir_list_push(cc->a, list, have);
            ir_list_push(cc->a, list, nested);
            ir_object_set(cc->a, obj, e->key, list);
        }
    }
    return obj;
}

/* A stack's file: its directory (the Compose root, or a directory per
 * environment when there are several), then the name. */
static const char *compose_path(compose_ctx *cc, const ir_stack *s, bool several, const char *name)
{
    const char *root = ir_root(cc->p, TARGET_COMPOSE);
    return target_path(cc->a, root, several ? arena_printf(cc->a, "%s/%s", s->name, name) : name);
}

static void compose_env_file(compose_ctx *cc, const ir_stack *s, bool several)
{
    strbuf sb;
    sb_init(&sb, cc->a);
    sb_puts(&sb, "# Local-only values of the secrets the stand-ins take: never the cloud's.\n");
    for (size_t i = 0; i < cc->secrets.len; i++) {
        char *value = arena_printf(cc->a, "local-%s", (const char *)cc->secrets.items[i]);
        for (char *c = value; *c; c++)
            *c = *c == '_' ? '-' : (char)tolower((unsigned char)*c);
        sb_printf(&sb, "%s=%s\n", (const char *)cc->secrets.items[i], value);
    }
    out_add(cc->o, compose_path(cc, s, several, ".env"), sb.data, sb.len, "#");
}

static void compose_stack(compose_ctx *cc, const ir_stack *s, bool several)
{
    ir_value *services = ir_object(cc->a, (src_loc){0}), *volumes = ir_object(cc->a, (src_loc){0});
    cc->secrets = (ptrvec){0};
    for (size_t i = 0; i < s->blocks.len; i++) {
        const ir_block *b = s->blocks.items[i];
        if (b->kind == IRB_SERVICE || b->kind == IRB_VOLUME)
            ir_object_set(cc->a, b->kind == IRB_SERVICE ? services : volumes, b->name, block_object(cc, b));
    }
    if (!services->keys.len)
        return;
    ir_value *doc = ir_object(cc->a, (src_loc){0});
    ir_object_set(cc->a, doc, "services", services);
    if (volumes->keys.len)
        ir_object_set(cc->a, doc, "volumes", volumes);
    strbuf sb;
    sb_init(&sb, cc->a);
    out_yaml_opts yo = {0};
    if (out_yaml_value(&sb, doc, &yo, cc->d) != 0)
        return;
    out_add(cc->o, compose_path(cc, s, several, "docker-compose.yml"), sb.data, sb.len, "#");
    compose_env_file(cc, s, several);
}

void compose_emit(const ir_program *p, out_set *o, diag_ctx *d)
{
    compose_ctx cc = {.p = p, .o = o, .d = d, .a = o->a};
    bool several = p->local_envs.len > 1;
    if (several) {
        out_add_env_rule(o, ir_root(p, TARGET_COMPOSE), NULL, NULL);
    } else if (p->local_envs.len) {
        const char *env = p->local_envs.items[0], *root = ir_root(p, TARGET_COMPOSE);
        out_add_env_path(o, target_path(o->a, root, "docker-compose.yml"), env);
        out_add_env_path(o, target_path(o->a, root, ".env"), env);
    }
    for (size_t i = 0; i < p->stacks.len; i++) {
        const ir_stack *s = p->stacks.items[i];
        if (s->target == TARGET_COMPOSE)
            compose_stack(&cc, s, several);
    }
}
