/* pol_names.c — the naming rules: every cloud name against its kind's
 * length and characters, unique in its scope (and across environments when
 * global), and a hand-written name against the convention; names of
 * emitted blocks against the stdlib's resource_name_limits. */
#include "pol_impl.h"

#include <string.h>

#include "naming.h"

/* Where the resource's name was written, if it was. */
static src_loc name_loc(const instance *in, bool *given)
{
    *given = inst_body_get(in->body, "name") != NULL;
    return inst_attr_loc(in->body, "name", in->decl->loc);
}

/* A name's limits: its length and its characters ("a-z0-9-" style). */
typedef struct name_limits {
    double min, max;            /* 0 = unconstrained */
    const char *chars;          /* NULL = any */
} name_limits;

/* Reports a name that breaks its limits, once for its length and once for
 * its first character outside the set. `what` names the name's owner and
 * `type` its kind or resource type in the message. For a resource (in), the
 * message also says what the convention gives (computed only then: this
 * runs for every name in every environment). */
static void check_limits(pol_state *ps, env_state *es, arena *a, const resource *res, instance *in, src_loc at,
                         const char *name, const char *type, name_limits l)
{
    size_t len = strlen(name);
    const char *c = name;
    while (l.chars && *c && naming_char_allowed(l.chars, *c))
        c++;
    bool long_short = (l.min && len < l.min) || (l.max && len > l.max), bad_char = l.chars && *c;
    if (!long_short && !bad_char)
        return;
    const char *tail = in ? arena_printf(a, " (the convention gives '%s')",
                                         inst_env_text(es, inst_conventional_name(es, in))) : "";
    /* what the name belongs to: a resource, or an emitted block of its type */
    const char *what = in ? arena_printf(a, "%s '%s'", in->k->name, in->r.path) : type;
    if (long_short)
        pol_name_finding(ps, "naming.length", res, at, arena_printf(a,
            "name '%s' of %s is %zu characters; %s names are %g to %g%s", name, what, len, type, l.min, l.max, tail));
    if (bad_char)
        pol_name_finding(ps, "naming.chars", res, at, arena_printf(a,
            "name '%s' of %s has '%c', which %s names cannot hold (they take %s)%s", name, what, *c, type, l.chars, tail));
}

static void check_shape(pol_state *ps, env_state *es, instance *in, const char *name, src_loc at)
{
    const naming_rule *n = &in->k->naming;
    name_limits l = {n->min_len, n->max_len, n->chars ? n->chars : "a-z0-9-"};
    check_limits(ps, es, es->a, &in->r, in, at, name, in->k->name, l);
}

/* Where a name must be unique: the kind, and the resource group or parent. */
static const char *scope_key(env_state *es, instance *in, const char *name)
{
    const char *sc = in->k->naming.scope ? in->k->naming.scope : "resource_group";
    const char *within = "";
    if (strcmp(sc, "parent") == 0 && in->r.parent)
        within = in->r.parent->path;
    else if (strcmp(sc, "resource_group") == 0) {
        value *rg = inst_body_get(in->body, "resource_group");
        within = rg && rg->kind == V_RESOURCE ? rg->res->path : "";
    }
    return arena_cat(es->a, in->k->name, "|", within, "|", name, NULL);
}

static void check_unique(pol_state *ps, env_state *es, instance *in, const char *name, src_loc at, strmap *here)
{
    const char *sc = in->k->naming.scope ? in->k->naming.scope : "resource_group";
    const char *key = scope_key(es, in, name);
    instance *other = strmap_get(here, key);
    if (other && other != in) {
        pol_name_finding(ps, "naming.unique", &in->r, at, arena_printf(es->a,
            "name '%s' of %s '%s' is also the name of %s '%s' (%s:%d); %s names are unique per %s",
            name, in->k->name, in->r.path, other->k->name, other->r.path, other->decl->loc.file->path,
            other->decl->loc.line, in->k->name, sc));
        return;
    }
    strmap_put(here, key, in);
    if (strcmp(sc, "global") != 0 || es->p->envs.len < 2)
        return;
    /* A globally unique name must differ between the environments that
     * deploy it: not in a local one (its stand-in is a container, no cloud
     * name), nor for a global stack's resource, which is one deployment
     * shared by every environment and so rightly has one name. */
    if (es->local || inst_global(in))
        return;
    const char *seen = strmap_get(&ps->global_names, key);
    if (seen && strcmp(seen, es->env) != 0)
        pol_name_finding(ps, "naming.unique", &in->r, at, arena_printf(es->a,
            "name '%s' of %s '%s' is the same in %s and %s, but %s names are unique globally (put {env} in it)",
            name, in->k->name, in->r.path, seen, es->env, in->k->name));
    else if (!seen)
        strmap_put(&ps->global_names, arena_strdup(ps->a, key), (void *)es->env);
}

static void check_convention(pol_state *ps, env_state *es, instance *in, const char *name, src_loc at)
{
    const char *conv = inst_env_text(es, inst_conventional_name(es, in));
    if (strcmp(conv, name) != 0)
        pol_name_finding(ps, "naming.convention", &in->r, at, arena_printf(es->a,
            "name '%s' of %s '%s' does not follow the naming convention, which gives '%s' "
            "(keep an existing name with @legacy(\"reason\"))", name, in->k->name, in->r.path, conv));
}

void pol_names_check_env(pol_state *ps, env_state *es)
{
    strmap here;
    strmap_init(&here, es->a);
    for (size_t i = 0; i < es->instances.len; i++) {
        instance *in = es->instances.items[i];
        if (in->cut || in->raw)
            continue;
        if (!inst_cloud_named(in)) {
            /* named by its label: only the kind's limits (a Kubernetes name is a DNS label) */
            const naming_rule *n = &in->k->naming;
            src_loc label_at = ((const ast_expr *)in->decl->labels.items[0])->loc;
            if (n->max_len)
                check_limits(ps, es, es->a, &in->r, NULL, label_at, in->r.label, in->k->name,
                             (name_limits){n->min_len, n->max_len, n->chars});
            continue;
        }
        bool given;
        src_loc at = name_loc(in, &given);
        const char *name = inst_env_text(es, inst_name(es, in));
        check_shape(ps, es, in, name, at);
        check_unique(ps, es, in, name, at, &here);
        if (given)
            check_convention(ps, es, in, name, at);
    }
}

/* ---- names of emitted blocks: secondary resources and raw blocks ---- */

/* The limits of a block type: the stdlib's table, indexed once per
 * environment that evaluated it (every block is looked up). */
static value *limits_of(pol_state *ps, const env_state *es, const char *type)
{
    if (!es->name_limits || es->name_limits->kind != V_MAP)
        return NULL;
    if (ps->limits != es->name_limits) {
        ps->limits = es->name_limits;
        strmap_init(&ps->limits_by_type, ps->a);
        for (size_t i = 0; i < es->name_limits->keys.len; i++)
            strmap_put(&ps->limits_by_type, es->name_limits->keys.items[i], es->name_limits->items.items[i]);
    }
    return strmap_get(&ps->limits_by_type, type);
}

/* A raw block that opted into the convention (@convention) and names
 * itself anyway: its name against the one the convention gives. */
static void check_conventional(pol_state *ps, env_state *es, arena *a, const ir_block *b, const ir_entry *e,
                               const char *type)
{
    const char *name = env_subst(a, e->value->text, es->env), *want = env_subst(a, b->conventional, es->env);
    if (strcmp(name, want) != 0)
        pol_name_finding(ps, "naming.convention", b->origin, pol_user_loc(e->value->loc, b), arena_printf(a,
            "name '%s' of %s '%s' does not follow the naming convention, which gives '%s' "
            "(mark it @legacy(\"reason\") if the resource already exists under this name)", name, type, b->name, want));
}

void pol_names_check_block(pol_state *ps, env_state *es, arena *a, const ir_block *b, const char *type)
{
    value *lim = limits_of(ps, es, type);
    value *field = lim && lim->kind == V_MAP ? val_map_get(lim, "field") : NULL;
    const ir_entry *e = ir_block_get(b, field && field->kind == V_STRING ? field->text : "name");
    if (!e || !e->value || e->value->kind != IR_STRING)
        return;     /* no name, or one computed at deploy time */
    if (b->conventional)
        check_conventional(ps, es, a, b, e, type);
    if (!lim)
        return;     /* no limits known */
    value *len = val_map_get(lim, "length"), *chars = val_map_get(lim, "chars");
    name_limits l = {0};
    if (len && len->kind == V_RANGE)
        l.min = len->num, l.max = len->num2;
    if (chars && chars->kind == V_STRING)
        l.chars = chars->text;
    check_limits(ps, es, a, b->origin, NULL, pol_user_loc(e->value->loc, b), env_subst(a, e->value->text, es->env),
                 type, l);
}
