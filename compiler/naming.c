/* naming.c — cloud names of resources.
 *
 * A resource's name comes from the project's naming template (tokens
 * {abbrev} {project} {org} {env} {region} {name}), folded into the kind's
 * character set; see docs/LANGUAGE.md (Names). The data (abbreviations,
 * region short codes) lives in the stdlib, not here.
 */
#include "pol.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>


const char *naming_region_of(program *p, instance *in)
{
    const char *prov = in->k->provider;
    value *own = inst_body_get(inst_body(p, in), "location");
    if (own && own->kind == V_STRING)
        return own->text;
    value *cloud = prov ? val_map_get(p->project_val, prov) : NULL;
    value *r = NULL;
    if (cloud && cloud->kind == V_MAP)
        r = val_map_get(cloud, strcmp(prov, "aws") == 0 ? "region" : "location");
    return r && r->kind == V_STRING ? r->text : NULL;
}

static bool is_singleton(const program *p, const instance *in)
{
    return (uintptr_t)strmap_get(&p->kind_count, in->k->name) <= 1;
}

static const char *naming_token(program *p, instance *in, const char *tok, size_t n)
{
#define TOK(s) (n == sizeof s - 1 && strncmp(tok, s, n) == 0)
    if (TOK("abbrev"))
        return in->k->naming.abbrev ? in->k->naming.abbrev : in->k->name;
    if (TOK("project"))
        return p->project_name;
    if (TOK("env"))
        return p->env;
    if (TOK("name"))
        return is_singleton(p, in) ? "" : in->label;
    if (TOK("label"))
        return in->label;
    if (TOK("instance")) {
        value *num = inst_body_get(inst_body(p, in), "instance");
        return num && num->kind != V_NULL ? val_to_text(p->a, num) : "";
    }
    if (TOK("org")) {
        value *o = val_map_get(p->project_val, "org");
        return o && o->kind == V_STRING ? o->text : "";
    }
    if (TOK("region")) {
        const char *r = in->k->naming.regional ? naming_region_of(p, in) : NULL;
        if (!r)
            return "";
        value *code = p->region_codes ? val_map_get(p->region_codes, r) : NULL;
        if (code && code->kind == V_STRING)
            return code->text;
        diag_error(p->d, in->decl->loc, "no short code for region '%s' (add it to region_codes)", r);
        return r;
    }
#undef TOK
    diag_error(p->d, in->decl->loc, "unknown token {%.*s} in the naming template", (int)n, tok);
    return "";
}

/* Expands the template; an empty token drops the separator written before it. */
static const char *expand_template(program *p, instance *in, const char *tmpl)
{
    strbuf sb;
    sb_init(&sb, p->a);
    for (const char *s = tmpl; *s;) {
        if (*s != '{') {
            sb_putc(&sb, *s++);
            continue;
        }
        const char *end = strchr(s, '}');
        if (!end)
            break;
        const char *val = naming_token(p, in, s + 1, (size_t)(end - s - 1));
        if (!*val && sb.len && !isalnum((unsigned char)sb.data[sb.len - 1]))
            sb.data[--sb.len] = '\0';
        sb_puts(&sb, val);
        s = end + 1;
    }
    const char *out = sb.data;
    while (*out && !isalnum((unsigned char)*out))
        out++;      /* a leading empty token leaves its separator behind */
    return out;
}

/* Is c in a character class written like "a-z0-9-" (ranges, then single
 * characters; a '-' that cannot be a range is itself)? */
static bool char_allowed(const char *chars, char c)
{
    for (const char *p = chars; *p; p++) {
        if (p[1] == '-' && p[2]) {
            if (c >= p[0] && c <= p[2])
                return true;
            p += 2;
        } else if (*p == c) {
            return true;
        }
    }
    return false;
}

/* Folds a name into the kind's character set: lowercase unless the kind
 * keeps case; a separator the set lacks becomes '-' if allowed, else goes;
 * other characters outside the set go. */
static const char *fold_name(program *p, const kind *k, const char *name)
{
    const char *chars = k->naming.chars ? k->naming.chars : "a-z0-9-";
    strbuf sb;
    sb_init(&sb, p->a);
    for (const char *s = name; *s; s++) {
        char c = k->naming.keep_case ? *s : (char)tolower((unsigned char)*s);
        if (char_allowed(chars, c))
            sb_putc(&sb, c);
        else if ((c == '-' || c == '_' || c == '.') && char_allowed(chars, '-'))
            sb_putc(&sb, '-');
    }
    return sb.data;
}

static bool cloud_named(const instance *in)
{
    const char *prov = in->k->provider;
    return prov && strcmp(prov, "kubernetes") != 0 && strcmp(prov, "github") != 0;
}

/* What the convention names this resource, whatever name it was given. */
static const char *conventional_name(program *p, instance *in)
{
    const char *tmpl = in->k->naming.tmpl ? in->k->naming.tmpl : p->naming_template;
    return fold_name(p, in->k, expand_template(p, in, tmpl));
}

const char *naming_resource_name(program *p, instance *in)
{
    value *own = inst_body_get(inst_body(p, in), "name");
    if (own && own->kind == V_STRING)
        return own->text;
    if (!cloud_named(in))
        return in->label;
    return conventional_name(p, in);
}

/* ---- checking names against their kind's rules ---- */

static src_loc name_loc(const instance *in, bool *given)
{
    const ebody *b = in->body;
    for (size_t i = 0; b && i < b->names.len; i++)
        if (strcmp(b->names.items[i], "name") == 0) {
            *given = true;
            return *(const src_loc *)b->locs.items[i];
        }
    *given = false;
    return in->decl->loc;
}

/* A name's limits: its length and its characters ("a-z0-9-" style). */
typedef struct name_limits {
    double min, max;            /* 0 = unconstrained */
    const char *chars;          /* NULL = any */
} name_limits;

/* Reports a name that breaks its limits, once for its length and once for
 * its first character outside the set. `what` names the name's owner and
 * `type` its kind or resource type in the message; for a resource, the message also says what the convention gives
 * (computed only then: this runs for every name in every environment). */
static void check_limits(program *p, pol_state *ps, instance *in, src_loc at, const char *name,
                         const char *what, const char *type, name_limits l, bool with_convention)
{
    size_t len = strlen(name);
    const char *c = name;
    while (l.chars && *c && char_allowed(l.chars, *c))
        c++;
    bool long_short = (l.min && len < l.min) || (l.max && len > l.max), bad_char = l.chars && *c;
    if (!long_short && !bad_char)
        return;
    const char *tail = with_convention ? arena_printf(p->a, " (the convention gives '%s')", conventional_name(p, in)) : "";
    if (long_short)
        pol_name_finding(ps, "naming.length", in, at, arena_printf(p->a,
            "name '%s' of %s is %zu characters; %s names are %g to %g%s", name, what, len, type, l.min, l.max, tail));
    if (bad_char)
        pol_name_finding(ps, "naming.chars", in, at, arena_printf(p->a,
            "name '%s' of %s has '%c', which %s names cannot hold (they take %s)%s", name, what, *c, type, l.chars, tail));
}

static void check_shape(program *p, pol_state *ps, instance *in, const char *name, src_loc at)
{
    const naming_rule *n = &in->k->naming;
    name_limits l = {n->min_len, n->max_len, n->chars ? n->chars : "a-z0-9-"};
    check_limits(p, ps, in, at, name, arena_printf(p->a, "%s '%s'", in->k->name, in->path), in->k->name, l, true);
}

/* Where a name must be unique: the kind, and the resource group or parent. */
static const char *scope_key(program *p, instance *in, const char *name)
{
    const char *sc = in->k->naming.scope ? in->k->naming.scope : "resource_group";
    const char *within = "";
    if (strcmp(sc, "parent") == 0 && in->parent)
        within = in->parent->path;
    else if (strcmp(sc, "resource_group") == 0) {
        value *rg = inst_body_get(in->body, "resource_group");
        within = rg && rg->kind == V_RESOURCE ? rg->inst->path : "";
    }
    return arena_printf(p->a, "%s|%s|%s", in->k->name, within, name);
}

static void check_unique(program *p, pol_state *ps, instance *in, const char *name, src_loc at, strmap *here)
{
    const char *sc = in->k->naming.scope ? in->k->naming.scope : "resource_group";
    const char *key = scope_key(p, in, name);
    instance *other = strmap_get(here, key);
    if (other && other != in) {
        pol_name_finding(ps, "naming.unique", in, at, arena_printf(p->a,
            "name '%s' of %s '%s' is also the name of %s '%s' (%s:%d); %s names are unique per %s",
            name, in->k->name, in->path, other->k->name, other->path, other->decl->loc.file->path,
            other->decl->loc.line, in->k->name, sc));
        return;
    }
    strmap_put(here, key, in);
    if (strcmp(sc, "global") != 0 || p->envs.len < 2)
        return;
    /* A globally unique name must differ between environments too. */
    if (!p->global_names.a)
        strmap_init(&p->global_names, p->a);
    const char *seen = strmap_get(&p->global_names, key);
    if (seen && strcmp(seen, p->env) != 0)
        pol_name_finding(ps, "naming.unique", in, at, arena_printf(p->a,
            "name '%s' of %s '%s' is the same in %s and %s, but %s names are unique globally (put {env} in it)",
            name, in->k->name, in->path, seen, p->env, in->k->name));
    else if (!seen)
        strmap_put(&p->global_names, key, (void *)p->env);
}

static void check_convention(program *p, pol_state *ps, instance *in, const char *name, src_loc at)
{
    const char *conv = conventional_name(p, in);
    if (strcmp(conv, name) != 0)
        pol_name_finding(ps, "naming.convention", in, at, arena_printf(p->a,
            "name '%s' of %s '%s' does not follow the naming convention, which gives '%s' "
            "(keep an existing name with @legacy(\"reason\"))", name, in->k->name, in->path, conv));
}

void naming_check_env(program *p, pol_state *ps)
{
    strmap here;
    strmap_init(&here, p->a);
    for (size_t i = 0; i < p->instances.len; i++) {
        instance *in = p->instances.items[i];
        if (in->cut || in->raw || !cloud_named(in))
            continue;
        bool given;
        src_loc at = name_loc(in, &given);
        const char *name = naming_resource_name(p, in);
        check_shape(p, ps, in, name, at);
        check_unique(p, ps, in, name, at, &here);
        if (given)
            check_convention(p, ps, in, name, at);
    }
}


void naming_rule_from_ast(program *p, naming_rule *n, const ast_item *blk)
{
    n->regional = true;
    for (size_t i = 0; i < blk->body.len; i++) {
        const ast_item *it = blk->body.items[i];
        if (it->kind != IT_ATTR) {
            diag_error(p->d, it->loc, "naming takes only attributes");
            continue;
        }
        const ast_expr *v = it->value;
        if (strcmp(it->name, "abbrev") == 0)
            n->abbrev = sema_literal(p, v, "naming.abbrev");
        else if (strcmp(it->name, "chars") == 0)
            n->chars = sema_literal(p, v, "naming.chars");
        else if (strcmp(it->name, "template") == 0)
            n->tmpl = sema_literal(p, v, "naming.template");
        else if (strcmp(it->name, "scope") == 0)
            n->scope = sema_literal(p, v, "naming.scope");
        else if (strcmp(it->name, "case") == 0)
            n->keep_case = v->kind == EX_IDENT && strcmp(v->text, "any") == 0;
        else if (strcmp(it->name, "region") == 0)
            n->regional = v->kind != EX_BOOL || v->num != 0;
        else if (strcmp(it->name, "length") == 0 && v->kind == EX_RANGE) {
            n->min_len = (int)v->lhs->num;
            n->max_len = (int)v->rhs->num;
        } else
            diag_error(p->d, it->name_loc, "unknown naming setting '%s'", it->name);
    }
}


/* ---- names of emitted blocks: secondary resources and raw blocks ---- */

void naming_check_block(program *p, pol_state *ps, const ir_block *b, const char *type)
{
    value *lim = p->name_limits ? val_map_get(p->name_limits, type) : NULL;
    value *field = lim && lim->kind == V_MAP ? val_map_get(lim, "field") : NULL;
    const ir_entry *e = field && field->kind == V_STRING ? ir_block_get(b, field->text) : NULL;
    if (!e || !e->value || e->value->kind != IR_STRING)
        return;     /* no limits known, or a name computed at deploy time */
    value *len = val_map_get(lim, "length"), *chars = val_map_get(lim, "chars");
    name_limits l = {0};
    if (len && len->kind == V_RANGE)
        l.min = len->num, l.max = len->num2;
    if (chars && chars->kind == V_STRING)
        l.chars = chars->text;
    check_limits(p, ps, (instance *)b->origin, pol_user_loc(e->value->loc, b), e->value->text, type, type, l, false);
}
