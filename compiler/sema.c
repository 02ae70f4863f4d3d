/* sema.c — collects the program's top-level declarations and builds kinds
 * (their attribute schemas, naming data and lowerings) from `kind` items. */
#include "sema.h"
#include "out.h"

#include <string.h>

const kind *sema_find_kind(const program *p, const char *name)
{
    return strmap_get(&p->kind_by_name, name);
}

bool sema_env_local(const program *p, const char *env)
{
    return strmap_has(&p->local_envs, env);
}

/* An environment's settings: `target = compose` makes it local. It takes
 * no other (nothing would read them): what differs in an environment is
 * written with `when`. */
static void env_settings(program *p, const ast_item *e)
{
    for (size_t i = 0; i < e->body.len; i++) {
        const ast_item *it = e->body.items[i];
        if (it->kind != IT_ATTR || strcmp(it->name, "target") != 0) {
            diag_error(p->d, it->loc, "an environment takes only its target here; write what differs in it with "
                       "`when %s { ... }` (in the project, or anywhere)", e->name);
            continue;
        }
        const char *w = ast_word(it->value);
        int t = w ? target_by_name(w) : -1;
        if (t >= 0 && target_table[t].local)
            strmap_put(&p->local_envs, e->name, (void *)e);
        else if (t < 0 || !target_table[t].iac)
            diag_error(p->d, it->value->loc, "an environment's target is compose (a local one), or the stacks' own");
    }
}

const provider_decl *sema_find_provider(const program *p, const char *name)
{
    return strmap_get(&p->provider_by_name, name);
}

const tf_provider_decl *sema_tf_provider_of(const program *p, const char *block_type)
{
    const char *us = strchr(block_type, '_');
    size_t n = us ? (size_t)(us - block_type) : strlen(block_type);
    char name[64];
    if (n >= sizeof name)
        return NULL;
    memcpy(name, block_type, n);
    name[n] = '\0';
    return strmap_get(&p->tf_provider_by_name, name);
}

const trait *sema_find_trait(const program *p, const char *name)
{
    return strmap_get(&p->trait_by_name, name);
}

const schema *sema_find_block(const schema *s, const char *name)
{
    for (size_t i = 0; i < s->blocks.len; i++) {
        const schema *b = s->blocks.items[i];
        if (strcmp(b->name, name) == 0)
            return b;
    }
    return NULL;
}

const attr_decl *sema_find_attr(const schema *s, const char *name)
{
    for (size_t i = 0; i < s->attrs.len; i++) {
        const attr_decl *ad = s->attrs.items[i];
        if (strcmp(ad->name, name) == 0)
            return ad;
    }
    return NULL;
}

const char *sema_type_name(arena *a, const attr_type *t)
{
    static const char *names[] = {
        "any", "string", "bool", "number", "duration", "percent", "size", "cidr", "ip",
        "range", "secret", "enum", "list", "map", "ref",
    };
    const char *base = names[t->kind];
    switch (t->kind) {
    case T_ENUM: {
        if (t->name)
            return arena_printf(a, "a %s", t->name);
        strbuf sb;
        sb_init(&sb, a);
        sb_puts(&sb, "one of ");
        for (size_t i = 0; i < t->nenum; i++)
            sb_printf(&sb, "%s%s", i ? ", " : "", t->enum_vals[i]);
        return sb.data;
    }
    case T_LIST:
    case T_MAP:
        return arena_printf(a, "%s(%s)", base, sema_type_name(a, t->elem));
    case T_REF:
        return arena_printf(a, "a reference to a %s", t->ref_kind ? t->ref_kind : "resource");
    default:
        return base;
    }
}

static attr_type *type_from_ast(program *p, const ast_type *at)
{
    static const struct { const char *name; type_kind k; } simple[] = {
        {"any", T_ANY}, {"string", T_STRING}, {"bool", T_BOOL}, {"number", T_NUMBER},
        {"duration", T_DURATION}, {"percent", T_PERCENT}, {"size", T_SIZE}, {"cidr", T_CIDR},
        {"ip", T_IP}, {"range", T_RANGE}, {"secret", T_SECRET},
    };
    attr_type *t = arena_alloc(p->a, sizeof *t);
    t->optional = at->optional;
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        if (strcmp(at->name, simple[i].name) == 0 && at->args.len == 0) {
            t->kind = simple[i].k;
            return t;
        }
    }
    if (strcmp(at->name, "region") == 0 && at->args.len == 0) {
        t->kind = T_ENUM;
        t->name = "region";     /* its words are region_codes' keys (fill_regions) */
        if (!p->regions.len)
            p->region_loc = at->loc;
        vec_push(p->a, &p->regions, t);
        return t;
    }
    if (strcmp(at->name, "enum") == 0 && at->args.len > 0) {
        t->kind = T_ENUM;
        t->nenum = at->args.len;
        t->enum_vals = arena_alloc(p->a, t->nenum * sizeof *t->enum_vals);
        for (size_t i = 0; i < t->nenum; i++)
            t->enum_vals[i] = ((const ast_type *)at->args.items[i])->name;
        return t;
    }
    if ((strcmp(at->name, "list") == 0 || strcmp(at->name, "map") == 0) && at->args.len == 1) {
        t->kind = at->name[0] == 'l' ? T_LIST : T_MAP;
        t->elem = type_from_ast(p, at->args.items[0]);
        return t;
    }
    if (strcmp(at->name, "ref") == 0 && at->args.len == 1) {
        t->kind = T_REF;
        const char *k = ((const ast_type *)at->args.items[0])->name;
        t->ref_kind = strcmp(k, "any") == 0 ? NULL : k;
        if (t->ref_kind)
            vec_push(p->a, &p->refs, t);
        return t;
    }
    diag_error(p->d, at->loc, "unknown type '%s'", at->name);
    t->kind = T_ANY;
    return t;
}

const char *sema_literal(const program *p, const ast_expr *e, const char *what)
{
    const char *w = ast_word(e);
    if (!w)
        diag_error(p->d, e->loc, "%s must be a plain word or string", what);
    return w;
}

static void schema_add_items(program *p, schema *s, const ptrvec *items, kind *k);

/* The names a list of items may use, for "did you mean". */
static ptrvec words(arena *a, const char *const *w)
{
    ptrvec v = {0};
    for (; *w; w++)
        vec_push(a, &v, (void *)*w);
    return v;
}

/* A check is validated as a policy rule is: its settings are that, message
 * and at, the first two required; a misspelt one is an error, not a check
 * that silently never runs. */
static kind_check *sema_check(program *p, const ast_item *it)
{
    static const char *const settings[] = {"that", "message", "at", NULL};
    const char *name = it->labels.len == 1 ? ast_word(it->labels.items[0]) : NULL;
    if (!name) {
        diag_error(p->d, it->loc, "a check is written `check NAME { that = ...  message = \"...\" }`");
        return NULL;
    }
    kind_check *c = arena_alloc(p->a, sizeof *c);
    c->name = name;
    c->loc = it->loc;
    for (size_t i = 0; i < it->body.len; i++) {
        const ast_item *f = it->body.items[i];
        if (f->kind != IT_ATTR) {
            diag_error(p->d, f->loc, "check %s takes only that, message and at", name);
        } else if (strcmp(f->name, "that") == 0) {
            c->that = f->value;
        } else if (strcmp(f->name, "message") == 0) {
            c->message = f->value;
        } else if (strcmp(f->name, "at") == 0) {
            c->at = sema_literal(p, f->value, "a check's at");
        } else {
            ptrvec known = words(p->a, settings);
            diag_error(p->d, f->name_loc, "unknown setting '%s' in check %s%s", f->name, name,
                       diag_did_you_mean(p->a, f->name, &known));
        }
    }
    if (!c->that)
        diag_error(p->d, it->loc, "check %s: what must hold? (that = ...)", name);
    if (!c->message)
        diag_error(p->d, it->loc, "check %s: what is reported when it does not hold? (message = \"...\")", name);
    return c->that && c->message ? c : NULL;
}

/* A check's `at` names an attribute of its kind (known once the whole
 * kind is read). */
static void check_places(program *p, const kind *k)
{
    for (size_t i = 0; i < k->checks.len; i++) {
        const kind_check *c = k->checks.items[i];
        if (!c->at || sema_find_attr(&k->sch, c->at))
            continue;
        ptrvec known = {0};
        for (size_t j = 0; j < k->sch.attrs.len; j++)
            vec_push(p->a, &known, (void *)((const attr_decl *)k->sch.attrs.items[j])->name);
        diag_error(p->d, c->loc, "check %s: at = \"%s\" is not an attribute of %s%s", c->name, c->at, k->name,
                   diag_did_you_mean(p->a, c->at, &known));
    }
}

/* The one annotation an attribute declaration takes: @doc("one line"). */
static const char *attr_doc(program *p, const ast_item *it)
{
    const char *doc = NULL;
    for (size_t i = 0; i < it->annots.len; i++) {
        const ast_annot *an = it->annots.items[i];
        if (strcmp(an->name, "doc") != 0 || an->args.len != 1) {
            diag_error(p->d, an->loc, "an attribute declaration takes only @doc(\"what it is\")");
            continue;
        }
        doc = sema_literal(p, an->args.items[0], "@doc");
    }
    return doc;
}

static void naming_rule_from_ast(program *p, naming_rule *n, const ast_item *blk)
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

/* `takes { NAME = "what it is" }` in a trait: the parameters each `with`
 * binds. */
static void trait_params(program *p, trait *t, const ast_item *it)
{
    for (size_t i = 0; i < it->body.len; i++) {
        const ast_item *pi = it->body.items[i];
        if (pi->kind != IT_ATTR) {
            diag_error(p->d, pi->loc, "takes lists parameters: `NAME = \"what it is\"`");
            continue;
        }
        sema_literal(p, pi->value, "a parameter's description");
        vec_push(p->a, &t->params, (void *)pi);
    }
}

static schema *block_schema(program *p, const ast_item *it, kind *k)
{
    schema *s = arena_alloc(p->a, sizeof *s);
    if (it->labels.len != 1 || ((const ast_expr *)it->labels.items[0])->kind != EX_IDENT) {
        diag_error(p->d, it->loc, "a block declaration is written `block NAME { ... }`");
        s->name = "?";
        return s;
    }
    s->name = ((const ast_expr *)it->labels.items[0])->text;
    schema_add_items(p, s, &it->body, k);
    return s;
}

/* Fills a schema from the items of a kind or block declaration. Items that
 * only make sense on a kind (doc, provider, naming, lowerings) are taken when
 * k is non-NULL. */
static void schema_add_items(program *p, schema *s, const ptrvec *items, kind *k)
{
    for (size_t i = 0; i < items->len; i++) {
        const ast_item *it = items->items[i];
        if (it->kind == IT_ATTR_DECL) {
            attr_decl *ad = arena_alloc(p->a, sizeof *ad);
            ad->name = it->name;
            ad->t = type_from_ast(p, it->type);
            ad->dflt = it->value;
            ad->loc = it->name_loc;
            ad->doc = attr_doc(p, it);
            if (sema_find_attr(s, it->name))
                diag_error(p->d, it->name_loc, "duplicate attribute '%s'", it->name);
            vec_push(p->a, &s->attrs, ad);
        } else if (it->kind == IT_ATTR && strcmp(it->name, "labelled") == 0 && !k) {
            s->labelled = it->value->kind == EX_BOOL && it->value->num != 0;
        } else if (it->kind == IT_ATTR && strcmp(it->name, "open") == 0 && !k) {
            s->open = it->value->kind == EX_BOOL && it->value->num != 0;
        } else if (it->kind == IT_ATTR && strcmp(it->name, "doc") == 0) {
            const char *doc = sema_literal(p, it->value, "doc");
            if (k)
                k->doc = doc;
            else
                s->doc = doc;
        } else if (it->kind == IT_ATTR && k && !k->is_trait && strcmp(it->name, "provider") == 0) {
            k->provider = sema_literal(p, it->value, "provider");
            k->provider_loc = it->value->loc;
        } else if (it->kind == IT_BLOCK && strcmp(it->name, "block") == 0) {
            vec_push(p->a, &s->blocks, block_schema(p, it, NULL));
        } else if (it->kind == IT_BLOCK && k && !k->is_trait && strcmp(it->name, "naming") == 0) {
            naming_rule_from_ast(p, &k->naming, it);
        } else if (it->kind == IT_BLOCK && k && !k->is_trait && strcmp(it->name, "with") == 0) {
            /* resolved once every file is read (sema_uses): traits may come later */
        } else if (it->kind == IT_BLOCK && k && k->is_trait && strcmp(it->name, "takes") == 0) {
            trait_params(p, (trait *)k, it);
        } else if (it->kind == IT_BLOCK && k && strcmp(it->name, "check") == 0) {
            kind_check *c = sema_check(p, it);
            if (c)
                vec_push(p->a, &k->checks, c);
        } else if (it->kind == IT_BLOCK && k && target_by_name(it->name) >= 0) {
            k->lower[target_by_name(it->name)] = it;
        } else {
            diag_error(p->d, it->loc, "unexpected item in %s declaration", k ? k->is_trait ? "trait" : "kind" : "block");
        }
    }
}

static void sema_kind(program *p, const ast_item *it)
{
    kind *k = arena_alloc(p->a, sizeof *k);
    k->name = it->name;
    k->decl = it;
    k->sch.name = it->name;
    k->naming.regional = true;
    schema_add_items(p, &k->sch, &it->body, k);
    check_places(p, k);
    vec_push(p->a, &p->kinds, k);
    if (!strmap_has(&p->kind_by_name, k->name))
        vec_push(p->a, &p->kind_names, (void *)k->name);
    strmap_put(&p->kind_by_name, k->name, k);
}

/* A Terraform provider's local name: the prefix of its types, so no `_`. */
static bool tf_provider_name_ok(const char *s)
{
    if (!(*s >= 'a' && *s <= 'z'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return false;
    return true;
}

/* A setting of a declaration that is data: a bool literal. */
static bool sema_bool(const program *p, const ast_item *it)
{
    if (it->value->kind != EX_BOOL)
        diag_error(p->d, it->value->loc, "%s must be true or false", it->name);
    return it->value->kind == EX_BOOL && it->value->num != 0;
}

/* `terraform NAME { source = "…"  version = "…"  regional = true  config { … } }` */
static tf_provider_decl *sema_tf_provider(program *p, const ast_item *it, provider_decl *pd)
{
    tf_provider_decl *tp = arena_alloc(p->a, sizeof *tp);
    tp->cloud = pd;
    tp->loc = it->loc;
    const char *name = it->labels.len == 1 ? ast_word(it->labels.items[0]) : NULL;
    if (!name || !tf_provider_name_ok(name)) {
        diag_error(p->d, it->loc, "a Terraform provider is written `terraform NAME { source = \"…\"  version = \"…\" }`");
        return NULL;
    }
    tp->name = name;
    bool builtin = false;
    for (size_t i = 0; i < it->body.len; i++) {
        const ast_item *f = it->body.items[i];
        if (f->kind == IT_ATTR && strcmp(f->name, "source") == 0)
            tp->source = sema_literal(p, f->value, "source");
        else if (f->kind == IT_ATTR && strcmp(f->name, "version") == 0)
            tp->version = sema_literal(p, f->value, "version");
        else if (f->kind == IT_ATTR && strcmp(f->name, "builtin") == 0)
            builtin = sema_bool(p, f);
        else if (f->kind == IT_ATTR && strcmp(f->name, "regional") == 0)
            tp->regional = sema_bool(p, f);
        else if (f->kind == IT_BLOCK && strcmp(f->name, "config") == 0 && !f->labels.len)
            tp->config = f;
        else
            diag_error(p->d, f->loc, "a Terraform provider takes source, version, builtin, regional and config { }");
    }
    /* Never guessed: a provider Terraform has to download is pinned. */
    if (!builtin && (!tp->source || !tp->version))
        diag_error(p->d, it->loc, "Terraform provider '%s' needs its registry source and a version constraint", name);
    if (builtin)
        tp->source = tp->version = NULL;
    return tp;
}

/* `provider NAME { doc  region = "location"  named = false  terraform X { … } }` */
static void sema_provider(program *p, const ast_item *it)
{
    provider_decl *pd = arena_alloc(p->a, sizeof *pd);
    pd->decl = it;
    pd->named = true;
    pd->name = it->labels.len == 1 ? ast_word(it->labels.items[0]) : NULL;
    if (!pd->name) {
        diag_error(p->d, it->loc, "a provider is written `provider NAME { ... }`");
        return;
    }
    for (size_t i = 0; i < it->body.len; i++) {
        const ast_item *f = it->body.items[i];
        if (f->kind == IT_ATTR && strcmp(f->name, "doc") == 0)
            pd->doc = sema_literal(p, f->value, "doc");
        else if (f->kind == IT_ATTR && strcmp(f->name, "region") == 0)
            pd->region_key = sema_literal(p, f->value, "region");
        else if (f->kind == IT_ATTR && strcmp(f->name, "named") == 0)
            pd->named = sema_bool(p, f);
        else if (f->kind == IT_BLOCK && strcmp(f->name, "terraform") == 0) {
            tf_provider_decl *tp = sema_tf_provider(p, f, pd);
            if (tp) {
                vec_push(p->a, &pd->tf, tp);
                strmap_put(&p->tf_provider_by_name, tp->name, tp);
            }
        } else
            diag_error(p->d, f->loc, "a provider takes doc, region, named and `terraform NAME { }` blocks");
    }
    vec_push(p->a, &p->providers, pd);
    strmap_put(&p->provider_by_name, pd->name, pd);
}

/* Every kind's provider is declared. */
static void resolve_providers(program *p)
{
    for (size_t i = 0; i < p->kinds.len; i++) {
        kind *k = p->kinds.items[i];
        if (!k->provider)
            continue;
        k->prov = sema_find_provider(p, k->provider);
        if (!k->prov)
            diag_error(p->d, k->provider_loc, "unknown provider '%s': declare it (`provider %s { region = \"…\"  "
                       "terraform NAME { source = \"…\"  version = \"…\" } }`)", k->provider, k->provider);
    }
}

/* `settings project { attr ...  block ... }`: the project block's schema
 * (a later declaration wins, as for kinds). */
static void sema_settings(program *p, const ast_item *it)
{
    const char *of = it->labels.len == 1 ? ast_word(it->labels.items[0]) : NULL;
    if (!of || strcmp(of, "project") != 0) {
        diag_error(p->d, it->loc, "settings are declared for the project: `settings project { attr ... }`");
        return;
    }
    schema *s = arena_alloc(p->a, sizeof *s);
    s->name = "project";
    schema_add_items(p, s, &it->body, NULL);
    p->project_schema = s;
}

/* The words of type `region` are the keys of the stdlib's region_codes,
 * which give each its short code for names: a region is known once. */
static void fill_regions(program *p)
{
    const ast_item *codes = NULL;
    for (size_t i = 0; i < p->lets.len; i++) {
        const ast_item *it = p->lets.items[i];
        if (strcmp(it->name, "region_codes") == 0)
            codes = it;
    }
    for (size_t i = 0; i < p->regions.len; i++) {
        attr_type *t = p->regions.items[i];
        if (codes && codes->value->kind == EX_MAP) {
            t->nenum = codes->value->keys.len;
            t->enum_vals = (const char **)codes->value->keys.items;
        }
    }
    if (p->regions.len && (!codes || codes->value->kind != EX_MAP))
        diag_error(p->d, codes ? codes->value->loc : p->region_loc,
                   "the type region needs `let region_codes = { REGION = \"code\" ... }` (a map literal)");
}

/* The type `region`, made once for what declares none. */
static void region_type(program *p)
{
    attr_type *t = arena_alloc(p->a, sizeof *t);
    t->kind = T_ENUM;
    t->name = "region";
    t->optional = true;
    vec_push(p->a, &p->regions, t);
    p->region_type = t;
}

/* Every declared provider has its block in the project's settings (a
 * provider the settings do not declare gets one, open to its own
 * settings), with its region key typed: `google { region = europe-west1 }`
 * works for a provider the program declares itself. */
static void provider_settings(program *p, schema *proj)
{
    for (size_t i = 0; i < p->providers.len; i++) {
        const provider_decl *pd = p->providers.items[i];
        if (!pd->region_key)
            continue;
        schema *bs = (schema *)sema_find_block(proj, pd->name);
        if (!bs) {
            bs = arena_alloc(p->a, sizeof *bs);
            bs->name = pd->name;
            bs->open = true;
            vec_push(p->a, &proj->blocks, bs);
        }
        if (sema_find_attr(bs, pd->region_key))
            continue;
        attr_decl *ad = arena_alloc(p->a, sizeof *ad);
        ad->name = pd->region_key;
        ad->t = (attr_type *)p->region_type;
        ad->loc = pd->decl->loc;
        vec_push(p->a, &bs->attrs, ad);
    }
}

/* The type of the first `resource` block a lowering writes (through if,
 * when and for), as written; NULL if it has none or its type is computed. */
static const char *first_resource_type(const ptrvec *items, int type_at)
{
    for (size_t i = 0; i < items->len; i++) {
        const ast_item *it = items->items[i];
        if (it->kind == IT_BLOCK && strcmp(it->name, "resource") == 0)
            return (size_t)type_at < it->labels.len ? ast_word(it->labels.items[type_at]) : NULL;
        const char *t = it->kind == IT_BLOCK ? NULL : first_resource_type(&it->body, type_at);
        if (!t && it->kind == IT_IF)
            t = first_resource_type(&it->else_body, type_at);
        if (t)
            return t;
    }
    return NULL;
}

static void sema_trait(program *p, const ast_item *it)
{
    if (it->labels.len != 1 || ((const ast_expr *)it->labels.items[0])->kind != EX_IDENT) {
        diag_error(p->d, it->loc, "a trait is written `trait NAME { ... }`");
        return;
    }
    trait *t = arena_alloc(p->a, sizeof *t);
    t->k.name = ((const ast_expr *)it->labels.items[0])->text;
    t->k.decl = it;
    t->k.sch.name = t->k.name;
    t->k.is_trait = true;
    schema_add_items(p, &t->k.sch, &it->body, &t->k);
    check_places(p, &t->k);
    strmap_put(&p->trait_by_name, t->k.name, t);
}

static const ast_item *with_setting(const ast_item *with, const char *name)
{
    for (size_t i = 0; i < with->body.len; i++) {
        const ast_item *it = with->body.items[i];
        if (it->kind == IT_ATTR && strcmp(it->name, name) == 0)
            return it;
    }
    return NULL;
}

/* What each kind lowers to first, and the kind every ref(KIND) names: a
 * raw block of that type may stand where a KIND is expected. */
static void fill_refs(program *p)
{
    for (size_t i = 0; i < p->kinds.len; i++) {
        kind *k = p->kinds.items[i];
        for (int t = 0; t < TARGET_COUNT; t++)
            if (k->lower[t] && target_table[t].iac)
                k->primary[t] = first_resource_type(&k->lower[t]->body, target_table[t].typed_address ? 0 : 1);
    }
    for (size_t i = 0; i < p->refs.len; i++) {
        attr_type *t = p->refs.items[i];
        t->ref_to = sema_find_kind(p, t->ref_kind);
    }
}

/* Without a declaration, the project takes anything (but its providers'
 * regions are typed, provider_settings). */
static schema *open_project(program *p)
{
    schema *s = arena_alloc(p->a, sizeof *s);
    s->name = "project";
    s->open = true;
    return s;
}

/* `with NAME { ... }` in kind k: the trait's attributes and blocks join the
 * kind's, and its settings must bind exactly the trait's parameters. */
static void sema_with(program *p, kind *k, const ast_item *it)
{
    const char *name = it->labels.len == 1 ? ast_word(it->labels.items[0]) : NULL;
    const trait *t = name ? sema_find_trait(p, name) : NULL;
    if (!name)
        diag_error(p->d, it->loc, "a trait is taken with `with NAME { ... }`");
    else if (!t)
        diag_error(p->d, it->loc, "unknown trait '%s'", name);
    if (!t)
        return;
    for (size_t i = 0; i < it->body.len; i++) {
        const ast_item *s = it->body.items[i];
        bool known = false;
        for (size_t j = 0; j < t->params.len; j++)
            known |= s->kind == IT_ATTR && strcmp(((const ast_item *)t->params.items[j])->name, s->name) == 0;
        if (!known)
            diag_error(p->d, s->loc, "trait %s takes no '%s'", t->k.name, s->kind == IT_ATTR ? s->name : "such item");
    }
    for (size_t j = 0; j < t->params.len; j++) {
        const ast_item *pi = t->params.items[j];
        if (!with_setting(it, pi->name))
            diag_error(p->d, it->loc, "trait %s needs '%s' (%s)", t->k.name, pi->name, ast_word(pi->value));
    }
    for (size_t i = 0; i < t->k.sch.attrs.len; i++) {
        const attr_decl *ad = t->k.sch.attrs.items[i];
        if (sema_find_attr(&k->sch, ad->name))
            diag_error(p->d, it->loc, "kind %s and its trait %s both have attribute '%s'", k->name, t->k.name, ad->name);
        else
            vec_push(p->a, &k->sch.attrs, (void *)ad);
    }
    for (size_t i = 0; i < t->k.sch.blocks.len; i++)
        vec_push(p->a, &k->sch.blocks, t->k.sch.blocks.items[i]);
    trait_use *u = arena_alloc(p->a, sizeof *u);
    u->t = t;
    u->with = it;
    vec_push(p->a, &k->uses, u);
}

/* The traits every kind takes, once all files (and so all traits) are read. */
static void sema_uses(program *p)
{
    for (size_t i = 0; i < p->kinds.len; i++) {
        kind *k = p->kinds.items[i];
        for (size_t j = 0; j < k->decl->body.len; j++) {
            const ast_item *it = k->decl->body.items[j];
            if (it->kind == IT_BLOCK && strcmp(it->name, "with") == 0)
                sema_with(p, k, it);
        }
    }
}

static void sema_environments(program *p, const ast_item *it)
{
    if (p->envs.len) {
        diag_error(p->d, it->loc, "environments are declared twice");
        return;
    }
    for (size_t i = 0; i < it->envs.len; i++) {
        const ast_item *e = it->envs.items[i];
        for (size_t j = 0; j < p->envs.len; j++)
            if (strcmp(p->envs.items[j], e->name) == 0)
                diag_error(p->d, e->loc, "duplicate environment '%s'", e->name);
        const char *why = out_name_problem(p->a, e->name);     /* environments/<env>/, params.<env>.json */
        if (why)
            diag_error(p->d, e->name_loc, "environment '%s' cannot be a file or directory name: %s", e->name, why);
        vec_push(p->a, &p->envs, (void *)e->name);
        vec_push(p->a, &p->declared_envs, (void *)e->name);
        vec_push(p->a, &p->env_items, (void *)e);
        env_settings(p, e);
    }
    if (!it->envs.len)
        diag_error(p->d, it->loc, "at least one environment is needed");
}

/* A program's let does not replace one of the stdlib's: its kinds read
 * that (the action pins, the naming data), and a replacement lacking a key
 * breaks them far from the cause. What a project may change is a setting. */
static void stdlib_let_kept(program *p, const ast_item *it)
{
    if (!it->loc.file || it->loc.file->stdlib)
        return;
    for (size_t i = 0; i < p->lets.len; i++) {
        const ast_item *o = p->lets.items[i];
        if (strcmp(o->name, it->name) != 0 || !o->loc.file || !o->loc.file->stdlib)
            continue;
        diag_error(p->d, it->loc, "`let %s` is the stdlib's (%s), which its kinds read: a program's would replace it; "
                   "%s", it->name, o->loc.file->path,
                   strcmp(it->name, "actions") == 0
                       ? "override one action's pin in the project, `github { actions { checkout = \"owner/action@<sha> # vX.Y.Z\" } }`, and the others stay"
                       : "choose another name");
        return;
    }
}

static void sema_top_item(program *p, const ast_item *it)
{
    switch (it->kind) {
    case IT_KIND:
        sema_kind(p, it);
        break;
    case IT_LET:
        stdlib_let_kept(p, it);
        vec_push(p->a, &p->lets, (void *)it);
        break;
    case IT_USE:
        vec_push(p->a, &p->uses, (void *)it);
        break;
    case IT_ENVIRONMENTS:
        sema_environments(p, it);
        break;
    case IT_IMPORT:
        break;      /* load.c followed it */
    case IT_BLOCK:
        if (strcmp(it->name, "project") == 0) {
            if (p->project)
                diag_error(p->d, it->loc, "a program has one project block; another is at %s:%d",
                           p->project->loc.file->path, p->project->loc.line);
            else
                p->project = it;
            if (it->labels.len == 1 && ((const ast_expr *)it->labels.items[0])->kind == EX_IDENT)
                p->project_name = ((const ast_expr *)it->labels.items[0])->text;
            else
                diag_error(p->d, it->loc, "a project is written `project NAME { ... }`");
            break;
        }
        if (strcmp(it->name, "provider") == 0) {
            sema_provider(p, it);
            break;
        }
        if (strcmp(it->name, "policy") == 0) {
            vec_push(p->a, &p->policies, (void *)it);
            break;
        }
        if (strcmp(it->name, "settings") == 0) {
            sema_settings(p, it);
            break;
        }
        if (strcmp(it->name, "trait") == 0) {
            sema_trait(p, it);
            break;
        }
        vec_push(p->a, &p->decls, (void *)it);
        break;
    case IT_FOR:
    case IT_WHEN:
    case IT_IF:
        vec_push(p->a, &p->decls, (void *)it);
        break;
    default:
        diag_error(p->d, it->loc, "this cannot stand at the top level of a file");
    }
}

/* `when` names must be declared environments: checked once here, wherever
 * the `when` stands (declarations, bodies, lowerings, raw blocks) and
 * whether or not anything reaches it. A block whose type is computed
 * ("deploy-${e}" { }) is a key of a target's output, so it stands only in
 * a target block's blocks: in_target counts the levels into one (0: none,
 * 1: its own items, which are the target's blocks). */
static void check_whens(program *p, const ptrvec *items, int in_target)
{
    for (size_t i = 0; i < items->len; i++) {
        const ast_item *it = items->items[i];
        if (it->kind == IT_BLOCK && it->name_expr && in_target < 2)
            diag_error(p->d, it->loc, "a block's type is computed (\"...${...}\" { }) only inside a target block's "
                       "blocks (a workflow's jobs), where it becomes a key of the output");
        if (it->kind == IT_WHEN) {
            for (size_t e = 0; e < it->envs.len; e++) {
                bool known = false;
                for (size_t j = 0; j < p->envs.len; j++)
                    known |= strcmp(p->envs.items[j], it->envs.items[e]) == 0;
                if (!known)
                    diag_error(p->d, it->loc, "unknown environment '%s' in when", (const char *)it->envs.items[e]);
            }
        }
        bool block = it->kind == IT_BLOCK;
        int deeper = in_target ? in_target + block : block && target_by_name(it->name) >= 0;
        check_whens(p, &it->body, deeper);
        check_whens(p, &it->else_body, in_target);
    }
}

program *sema_program(arena *a, diag_ctx *d, ptrvec *files)
{
    program *p = arena_alloc(a, sizeof *p);
    p->a = a;
    p->d = d;
    p->files = *files;
    strmap_init(&p->kind_by_name, a);
    strmap_init(&p->provider_by_name, a);
    strmap_init(&p->local_envs, a);
    strmap_init(&p->tf_provider_by_name, a);
    strmap_init(&p->trait_by_name, a);
    for (size_t f = 0; f < files->len; f++) {
        const ast_file *af = files->items[f];
        for (size_t i = 0; i < af->items.len; i++)
            sema_top_item(p, af->items.items[i]);
    }
    resolve_providers(p);
    sema_uses(p);
    if (p->envs.len)
        for (size_t f = 0; f < files->len; f++)
            check_whens(p, &((const ast_file *)files->items[f])->items, 0);
    region_type(p);
    fill_refs(p);
    if (!p->project_schema)
        p->project_schema = open_project(p);
    provider_settings(p, p->project_schema);
    fill_regions(p);
    return p;
}
