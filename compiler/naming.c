/* naming.c — cloud names of resources.
 *
 * A resource's name comes from the project's naming template (tokens
 * {abbrev} {project} {org} {env} {region} {name}), folded into the kind's
 * character set; see docs/LANGUAGE.md (Names). The data (abbreviations,
 * region short codes) lives in the stdlib, not here.
 */
#include "sema.h"

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

const char *naming_resource_name(program *p, instance *in)
{
    value *own = inst_body_get(inst_body(p, in), "name");
    if (own && own->kind == V_STRING)
        return own->text;
    const char *prov = in->k->provider;
    if (!prov || strcmp(prov, "kubernetes") == 0 || strcmp(prov, "github") == 0)
        return in->label;
    return fold_name(p, in->k, expand_template(p, in, p->naming_template));
}


/* A plain word or string in a naming block. */
static const char *naming_literal(program *p, const ast_expr *e, const char *what)
{
    if (e->kind == EX_IDENT)
        return e->text;
    if (e->kind == EX_STRING && e->items.len == 1 && ((const ast_expr *)e->items.items[0])->kind == EX_STRLIT)
        return ((const ast_expr *)e->items.items[0])->text;
    diag_error(p->d, e->loc, "%s must be a plain word or string", what);
    return NULL;
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
            n->abbrev = naming_literal(p, v, "naming.abbrev");
        else if (strcmp(it->name, "chars") == 0)
            n->chars = naming_literal(p, v, "naming.chars");
        else if (strcmp(it->name, "scope") == 0)
            n->scope = naming_literal(p, v, "naming.scope");
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

